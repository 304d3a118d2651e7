import { Random } from '../random.js';

/**
 * Gaussian hidden Markov model over a univariate series (bar returns).
 *
 * - `fitHmm`: Baum-Welch (scaled forward-backward) from several seeded
 *   starting points; states are then ordered by variance, so state 0 is always
 *   the calmest (LOW) and the last the wildest (EXTREME), whatever the fit.
 * - `hmmLogLikelihood`: the scaled forward pass.
 * - `viterbi`: the most likely state path, in log space.
 * - `HmmFilter`: online forward filtering, O(K^2) per bar, allocation-free.
 *
 * Fitting runs off the hot path (the piscina pool).
 */
export const REGIME_LABELS = ['LOW', 'MEDIUM', 'HIGH', 'EXTREME'] as const;

export interface HmmParams {
  k: number;
  /** Initial state probabilities, length k. */
  pi: Float64Array;
  /** Transition matrix, row-major k x k: A[i*k+j] = P(next j | now i). */
  A: Float64Array;
  means: Float64Array;
  variances: Float64Array;
}

export interface HmmFit extends HmmParams {
  logLikelihood: number;
  iterations: number;
}

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** Log density of x under each state, shifted by its maximum (returned) for stability. */
function logEmissions(x: number, p: HmmParams, out: Float64Array): number {
  let max = -Infinity;
  for (let j = 0; j < p.k; j++) {
    const d = x - p.means[j];
    const v = -LOG_SQRT_2PI - 0.5 * Math.log(p.variances[j]) - (d * d) / (2 * p.variances[j]);
    out[j] = v;
    if (v > max) max = v;
  }
  for (let j = 0; j < p.k; j++) out[j] = Math.exp(out[j] - max);
  return max;
}

/** Log-likelihood by the scaled forward pass. */
export function hmmLogLikelihood(x: ArrayLike<number>, p: HmmParams): number {
  const k = p.k;
  const b = new Float64Array(k);
  const prev = new Float64Array(k);
  const cur = new Float64Array(k);
  let ll = 0;
  for (let t = 0; t < x.length; t++) {
    const shift = logEmissions(x[t], p, b);
    let c = 0;
    for (let j = 0; j < k; j++) {
      let s = 0;
      if (t === 0) s = p.pi[j];
      else for (let i = 0; i < k; i++) s += prev[i] * p.A[i * k + j];
      cur[j] = s * b[j];
      c += cur[j];
    }
    if (!(c > 0)) return -Infinity;
    for (let j = 0; j < k; j++) prev[j] = cur[j] / c;
    ll += Math.log(c) + shift;
  }
  return ll;
}

/**
 * A starting point: states are bins of |x - median| (calm to wild) with bin
 * edges drawn at random quantiles, so restarts explore different splits
 * (a rare extreme regime needs a narrow top bin).
 */
function initialParams(x: ArrayLike<number>, k: number, rng: Random, first: boolean): HmmParams {
  const sorted = Float64Array.from(x).sort();
  const median = sorted[sorted.length >> 1];
  const order = Array.from(x, (_, i) => i).sort((a, b) => Math.abs(x[a] - median) - Math.abs(x[b] - median));
  const edges = [0];
  const cuts = Array.from({ length: k - 1 }, (_, j) => (first ? (j + 1) / k : rng.next())).sort((a, b) => a - b);
  for (const c of cuts) edges.push(Math.min(Math.max(c, edges[edges.length - 1] + 0.02), 0.99));
  edges.push(1);
  const means = new Float64Array(k);
  const variances = new Float64Array(k);
  const n = order.length;
  for (let j = 0; j < k; j++) {
    const lo = Math.floor(edges[j] * n);
    const hi = Math.max(lo + 2, Math.floor(edges[j + 1] * n));
    let s = 0, s2 = 0, m = 0;
    for (let i = lo; i < Math.min(hi, n); i++) {
      const v = x[order[i]];
      s += v;
      s2 += v * v;
      m++;
    }
    means[j] = s / m;
    variances[j] = Math.max(s2 / m - (s / m) ** 2, 1e-12);
  }
  const A = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) A[i * k + j] = i === j ? 0.9 : 0.1 / (k - 1);
  return { k, pi: new Float64Array(k).fill(1 / k), A, means, variances };
}

/** Baum-Welch on one series, every buffer allocated once; `run` updates the parameters in place. */
class BaumWelch {
  private readonly alpha: Float64Array;
  private readonly beta: Float64Array;
  private readonly scale: Float64Array;
  private readonly b: Float64Array;
  private readonly acc: Float64Array;

  constructor(private readonly x: ArrayLike<number>, private readonly k: number, private readonly varianceFloor: number) {
    const T = x.length;
    this.alpha = new Float64Array(T * k);
    this.beta = new Float64Array(T * k);
    this.scale = new Float64Array(T);
    this.b = new Float64Array(T * k);
    this.acc = new Float64Array(k * k + 4 * k);
  }

  /** One E step (scaled forward-backward) and M step; returns the log-likelihood of `p` before the update. */
  step(p: HmmParams): number {
    const { x, k, alpha, beta, scale, b, acc } = this;
    const T = x.length;
    let ll = 0;
    // emissions, shifted per step by their maximum: the shift cancels in the updates
    for (let j = 0; j < k; j++) acc[j] = -LOG_SQRT_2PI - 0.5 * Math.log(p.variances[j]);
    for (let t = 0; t < T; t++) {
      const o = t * k;
      let max = -Infinity;
      for (let j = 0; j < k; j++) {
        const d = x[t] - p.means[j];
        const v = acc[j] - (d * d) / (2 * p.variances[j]);
        b[o + j] = v;
        if (v > max) max = v;
      }
      for (let j = 0; j < k; j++) b[o + j] = Math.exp(b[o + j] - max);
      ll += max;
    }
    for (let t = 0; t < T; t++) {
      const o = t * k;
      let c = 0;
      for (let j = 0; j < k; j++) {
        let s = 0;
        if (t === 0) s = p.pi[j];
        else for (let i = 0; i < k; i++) s += alpha[o - k + i] * p.A[i * k + j];
        const v = s * b[o + j];
        alpha[o + j] = v;
        c += v;
      }
      if (!(c > 0)) return -Infinity;
      for (let j = 0; j < k; j++) alpha[o + j] /= c;
      scale[t] = c;
      ll += Math.log(c);
    }
    for (let j = 0; j < k; j++) beta[(T - 1) * k + j] = 1;
    for (let t = T - 2; t >= 0; t--) {
      const o = t * k;
      const c = scale[t + 1];
      for (let i = 0; i < k; i++) {
        let s = 0;
        for (let j = 0; j < k; j++) s += p.A[i * k + j] * b[o + k + j] * beta[o + k + j];
        beta[o + i] = s / c;
      }
    }
    // M step: acc holds xi sums (k*k), then gamma, gamma*x and gamma*(x-mean)^2 sums
    acc.fill(0);
    const G = k * k, WX = G + k, WV = WX + k;
    for (let t = 0; t < T; t++) {
      const o = t * k;
      for (let i = 0; i < k; i++) {
        const g = alpha[o + i] * beta[o + i];
        acc[G + i] += g;
        acc[WX + i] += g * x[t];
        if (t === 0) p.pi[i] = g;
      }
      if (t < T - 1) {
        const c = scale[t + 1];
        for (let i = 0; i < k; i++) {
          const ai = alpha[o + i] / c;
          for (let j = 0; j < k; j++) acc[i * k + j] += ai * p.A[i * k + j] * b[o + k + j] * beta[o + k + j];
        }
      }
    }
    let piSum = 0;
    for (let i = 0; i < k; i++) piSum += p.pi[i];
    for (let i = 0; i < k; i++) {
      p.pi[i] /= piSum;
      let row = 0;
      for (let j = 0; j < k; j++) row += acc[i * k + j];
      for (let j = 0; j < k; j++) p.A[i * k + j] = row > 0 ? acc[i * k + j] / row : 1 / k;
      if (acc[G + i] > 0) p.means[i] = acc[WX + i] / acc[G + i];
    }
    for (let t = 0; t < T; t++) {
      const o = t * k;
      for (let i = 0; i < k; i++) {
        const d = x[t] - p.means[i];
        acc[WV + i] += alpha[o + i] * beta[o + i] * d * d;
      }
    }
    for (let i = 0; i < k; i++) if (acc[G + i] > 0) p.variances[i] = Math.max(acc[WV + i] / acc[G + i], this.varianceFloor);
    return ll;
  }

  /** Iterates until a step gains less than tol * |ll|; returns the log-likelihood of the final parameters. */
  run(p: HmmParams, maxIterations: number, tol: number): { ll: number; iterations: number } {
    let prev = -Infinity;
    let it = 0;
    for (; it < maxIterations; it++) {
      const ll = this.step(p);
      if (!Number.isFinite(ll)) return { ll: -Infinity, iterations: it };
      if (it > 0 && ll - prev < tol * Math.abs(ll)) break;
      prev = ll;
    }
    return { ll: hmmLogLikelihood(this.x, p), iterations: it };
  }
}

/** Reorders states by increasing variance so that labels are stable across fits. */
export function orderByVariance(p: HmmParams): HmmParams {
  const k = p.k;
  const order = Array.from({ length: k }, (_, i) => i).sort((a, b) => p.variances[a] - p.variances[b]);
  const A = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) A[i * k + j] = p.A[order[i] * k + order[j]];
  return {
    k, A,
    pi: Float64Array.from(order, (i) => p.pi[i]),
    means: Float64Array.from(order, (i) => p.means[i]),
    variances: Float64Array.from(order, (i) => p.variances[i]),
  };
}

export interface FitHmmOptions {
  /** Short exploratory EM runs from different starting points. */
  restarts?: number;
  /** Iterations of each exploratory run. */
  exploreIterations?: number;
  /** How many of the best exploratory runs are taken to convergence. */
  finalists?: number;
  maxIterations?: number;
  /** Stop when an iteration improves the log-likelihood by less than tol * |ll|. */
  tol?: number;
  /** Smallest state variance as a fraction of the series' variance: stops a state collapsing onto repeated values. */
  varianceFloor?: number;
  seed?: number;
}

export function fitHmm(x: ArrayLike<number>, k = 4, options: FitHmmOptions = {}): HmmFit {
  const { restarts = 12, exploreIterations = 12, finalists = 2, maxIterations = 500, tol = 1e-8, varianceFloor = 1e-3, seed = 1 } = options;
  if (x.length < 10 * k) throw new Error(`a ${k}-state HMM needs at least ${10 * k} observations, got ${x.length}`);
  let mean = 0;
  for (let i = 0; i < x.length; i++) mean += x[i];
  mean /= x.length;
  let variance = 0;
  for (let i = 0; i < x.length; i++) variance += (x[i] - mean) ** 2;
  variance /= x.length;
  if (!(variance > 0)) throw new Error('an HMM needs a series that varies');
  const rng = new Random(seed);
  const em = new BaumWelch(x, k, variance * varianceFloor);
  const explored: { p: HmmParams; ll: number }[] = [];
  for (let r = 0; r < restarts; r++) {
    const p = initialParams(x, k, rng, r === 0);
    const { ll } = em.run(p, exploreIterations, 0);
    if (Number.isFinite(ll)) explored.push({ p, ll });
  }
  explored.sort((a, b) => b.ll - a.ll);
  let best: HmmFit | null = null;
  for (const { p } of explored.slice(0, finalists)) {
    const { ll, iterations } = em.run(p, maxIterations, tol);
    if (Number.isFinite(ll) && (!best || ll > best.logLikelihood)) best = { ...orderByVariance(p), logLikelihood: ll, iterations };
  }
  if (!best) throw new Error('HMM fit failed from every starting point');
  return best;
}

/** Most likely state path (Viterbi), in log space. */
export function viterbi(x: ArrayLike<number>, p: HmmParams): Int32Array {
  const k = p.k;
  const T = x.length;
  const delta = new Float64Array(k);
  const next = new Float64Array(k);
  const back = new Int32Array(T * k);
  const logA = Float64Array.from(p.A, Math.log);
  const logB = (t: number, j: number) => {
    const d = x[t] - p.means[j];
    return -LOG_SQRT_2PI - 0.5 * Math.log(p.variances[j]) - (d * d) / (2 * p.variances[j]);
  };
  for (let j = 0; j < k; j++) delta[j] = Math.log(p.pi[j]) + logB(0, j);
  for (let t = 1; t < T; t++) {
    for (let j = 0; j < k; j++) {
      let bestV = -Infinity;
      let arg = 0;
      for (let i = 0; i < k; i++) {
        const v = delta[i] + logA[i * k + j];
        if (v > bestV) {
          bestV = v;
          arg = i;
        }
      }
      next[j] = bestV + logB(t, j);
      back[t * k + j] = arg;
    }
    delta.set(next);
  }
  const path = new Int32Array(T);
  let last = 0;
  for (let j = 1; j < k; j++) if (delta[j] > delta[last]) last = j;
  path[T - 1] = last;
  for (let t = T - 1; t > 0; t--) path[t - 1] = back[t * k + path[t]];
  return path;
}

/** Online forward filter: regime probabilities after each observation. O(k^2), allocation-free. */
export class HmmFilter {
  readonly probabilities: Float64Array;
  private readonly b: Float64Array;
  private readonly predicted: Float64Array;
  private started = false;

  constructor(private params: HmmParams) {
    this.probabilities = new Float64Array(params.k);
    this.b = new Float64Array(params.k);
    this.predicted = new Float64Array(params.k);
  }

  update(x: number): Float64Array {
    const p = this.params;
    const k = p.k;
    logEmissions(x, p, this.b);
    let c = 0;
    for (let j = 0; j < k; j++) {
      let s = 0;
      if (!this.started) s = p.pi[j];
      else for (let i = 0; i < k; i++) s += this.probabilities[i] * p.A[i * k + j];
      this.predicted[j] = s * this.b[j];
      c += this.predicted[j];
    }
    this.started = true;
    for (let j = 0; j < k; j++) this.probabilities[j] = c > 0 ? this.predicted[j] / c : 1 / k;
    return this.probabilities;
  }

  /** The most probable state now (0 = LOW ... k-1 = EXTREME). */
  state(): number {
    let best = 0;
    for (let j = 1; j < this.params.k; j++) if (this.probabilities[j] > this.probabilities[best]) best = j;
    return best;
  }

  /** Swaps in a refit (states already ordered by variance) keeping the current probabilities. */
  swap(params: HmmParams): void {
    if (params.k !== this.params.k) throw new Error('a refit must keep the number of states');
    this.params = params;
  }
}
