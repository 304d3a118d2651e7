import { minimizeBfgs } from './optimize.js';

/**
 * GARCH(1,1) with a constant mean and Gaussian innovations:
 *
 *   x_t = mu + z_t,   z_t ~ N(0, h_t),   h_t = omega + alpha z_{t-1}^2 + beta h_{t-1}
 *
 * with omega > 0, alpha, beta >= 0, alpha + beta < 1. The recursion starts
 * like R's fGarch: h_1 = omega + (alpha + beta) * mean(z^2), and the
 * log-likelihood sums over every observation, so fitted values are comparable
 * with fGarch::garchFit.
 *
 * Fitting is by maximum likelihood (BFGS with the analytic gradient, on
 * unconstrained parameters: log omega, logit of persistence alpha + beta,
 * logit of the alpha share). It runs off the hot path (the piscina pool);
 * `GarchFilter` is the O(1) per-bar update used between fits.
 */
export interface GarchParams {
  mu: number;
  omega: number;
  alpha: number;
  beta: number;
}

export interface GarchFit extends GarchParams {
  logLikelihood: number;
  /** Conditional variance of each observation. */
  variances: Float64Array;
  /** Conditional variance for the bar after the last observation. */
  nextVariance: number;
  iterations: number;
  converged: boolean;
}

const LOG_2PI = Math.log(2 * Math.PI);

/** Gaussian log-likelihood of `x` under `p`; fills `h` with the conditional variances when given. */
export function garchLogLikelihood(x: ArrayLike<number>, p: GarchParams, h?: Float64Array): number {
  const n = x.length;
  let mean2 = 0;
  for (let i = 0; i < n; i++) mean2 += (x[i] - p.mu) ** 2;
  mean2 /= n;
  let ht = p.omega + (p.alpha + p.beta) * mean2;
  let ll = 0;
  for (let t = 0; t < n; t++) {
    if (t > 0) {
      const zp = x[t - 1] - p.mu;
      ht = p.omega + p.alpha * zp * zp + p.beta * ht;
    }
    if (h) h[t] = ht;
    const z = x[t] - p.mu;
    ll -= 0.5 * (LOG_2PI + Math.log(ht) + (z * z) / ht);
  }
  return ll;
}

const logistic = (v: number) => 1 / (1 + Math.exp(-v));
const logit = (p: number) => Math.log(p / (1 - p));

function fromUnconstrained(u: ArrayLike<number>): GarchParams & { s: number; share: number } {
  const s = logistic(u[2]);
  const share = logistic(u[3]);
  return { mu: u[0], omega: Math.exp(u[1]), alpha: s * share, beta: s * (1 - share), s, share };
}

/** Negative log-likelihood and its gradient in the unconstrained parameters. */
function objective(x: ArrayLike<number>): (u: Float64Array, grad: Float64Array) => number {
  const n = x.length;
  return (u, grad) => {
    const { mu, omega, alpha, beta, s, share } = fromUnconstrained(u);
    let sumZ = 0;
    let sumZ2 = 0;
    for (let i = 0; i < n; i++) {
      const z = x[i] - mu;
      sumZ += z;
      sumZ2 += z * z;
    }
    const m2 = sumZ2 / n;
    // h_1 and its derivatives in (mu, omega, alpha, beta)
    let h = omega + (alpha + beta) * m2;
    let dMu = (alpha + beta) * (-2 * sumZ) / n;
    let dOm = 1;
    let dAl = m2;
    let dBe = m2;
    let ll = 0;
    let gMu = 0, gOm = 0, gAl = 0, gBe = 0;
    for (let t = 0; t < n; t++) {
      if (t > 0) {
        const zp = x[t - 1] - mu;
        const hPrev = h;
        h = omega + alpha * zp * zp + beta * hPrev;
        dMu = -2 * alpha * zp + beta * dMu;
        dOm = 1 + beta * dOm;
        dAl = zp * zp + beta * dAl;
        dBe = hPrev + beta * dBe;
      }
      if (!(h > 0)) return NaN;
      const z = x[t] - mu;
      ll -= 0.5 * (LOG_2PI + Math.log(h) + (z * z) / h);
      const w = -0.5 * (1 / h - (z * z) / (h * h)); // d ll_t / d h_t
      gMu += w * dMu + z / h;
      gOm += w * dOm;
      gAl += w * dAl;
      gBe += w * dBe;
    }
    // chain rule to the unconstrained parameters; we minimise -ll
    const dS = gAl * share + gBe * (1 - share);
    const dShare = gAl * s - gBe * s;
    grad[0] = -gMu;
    grad[1] = -gOm * omega;
    grad[2] = -dS * s * (1 - s);
    grad[3] = -dShare * share * (1 - share);
    return -ll;
  };
}

export function fitGarch(x: ArrayLike<number>): GarchFit {
  const n = x.length;
  if (n < 50) throw new Error(`GARCH(1,1) needs at least 50 observations, got ${n}`);
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i];
  mean /= n;
  let variance = 0;
  for (let i = 0; i < n; i++) variance += (x[i] - mean) ** 2;
  variance /= n;
  if (!(variance > 0)) throw new Error('GARCH(1,1) needs a series that varies');
  const f = objective(x);
  // A few starting points; the likelihood surface is usually well behaved but
  // a bad start can stall near alpha + beta = 1.
  let best: ReturnType<typeof minimizeBfgs> | null = null;
  for (const [s, share] of [[0.9, 0.1], [0.5, 0.3], [0.98, 0.05]]) {
    const start = [mean, Math.log(variance * (1 - s)), logit(s), logit(share)];
    const r = minimizeBfgs(f, start, { maxIterations: 400, gradTol: 1e-7 });
    if (!best || r.value < best.value) best = r;
  }
  const p = fromUnconstrained(best!.x);
  const variances = new Float64Array(n);
  const logLikelihood = garchLogLikelihood(x, p, variances);
  const zLast = x[n - 1] - p.mu;
  return {
    mu: p.mu, omega: p.omega, alpha: p.alpha, beta: p.beta, logLikelihood, variances,
    nextVariance: p.omega + p.alpha * zLast * zLast + p.beta * variances[n - 1],
    iterations: best!.iterations, converged: best!.converged,
  };
}

/**
 * Variance forecasts for 1..h steps ahead given next step's variance:
 * E[h_{t+k}] = vbar + (alpha + beta)^(k-1) (h_{t+1} - vbar), vbar = omega / (1 - alpha - beta).
 */
export function garchForecast(p: GarchParams, nextVariance: number, steps: number, out = new Float64Array(steps)): Float64Array {
  const persistence = p.alpha + p.beta;
  const vbar = p.omega / (1 - persistence);
  let decay = 1;
  for (let k = 0; k < steps; k++) {
    out[k] = vbar + decay * (nextVariance - vbar);
    decay *= persistence;
  }
  return out;
}

/** O(1) per-bar update of the conditional variance between fits. Allocation-free. */
export class GarchFilter {
  /** Conditional variance for the next observation. */
  variance: number;
  constructor(public params: GarchParams, nextVariance: number) {
    this.variance = nextVariance;
  }
  /** Feeds the observation whose variance was `variance`; returns the next one. */
  update(x: number): number {
    const z = x - this.params.mu;
    return (this.variance = this.params.omega + this.params.alpha * z * z + this.params.beta * this.variance);
  }
  /** Swaps in a new fit (from the pool) without losing the running state. */
  swap(params: GarchParams, nextVariance: number): void {
    this.params = params;
    this.variance = nextVariance;
  }
}
