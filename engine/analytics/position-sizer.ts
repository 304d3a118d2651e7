import { matVec, solve } from './linear-algebra.js';

/**
 * Position sizing methods. Each returns a fraction of equity or a quantity;
 * the risk thread combines them with the regime detector's multipliers.
 */

/**
 * Kelly fraction for a bet that wins `winLossRatio` times the stake with
 * probability `winProbability`, else loses the stake: f* = p - (1 - p) / b,
 * never negative (no edge, no bet). `fraction` scales it (half Kelly = 0.5);
 * `cap` bounds the result.
 */
export function kellyFraction(winProbability: number, winLossRatio: number, fraction = 1, cap = 1): number {
  if (!(winProbability >= 0 && winProbability <= 1)) throw new RangeError(`win probability must be in [0, 1], got ${winProbability}`);
  if (!(winLossRatio > 0)) throw new RangeError(`win/loss ratio must be > 0, got ${winLossRatio}`);
  if (!(fraction > 0 && fraction <= 1)) throw new RangeError(`Kelly fraction must be in (0, 1], got ${fraction}`);
  const full = winProbability - (1 - winProbability) / winLossRatio;
  return Math.min(cap, Math.max(0, full * fraction));
}

/**
 * Growth-optimal fractions for several instruments with expected excess
 * returns `mu` and covariance `cov` (row-major): f = cov^-1 mu, scaled by
 * `fraction` and with gross exposure capped at `maxGross`.
 */
export function kellyPortfolio(mu: ArrayLike<number>, cov: ArrayLike<number>, fraction = 1, maxGross = Infinity): Float64Array {
  const f = solve(cov, mu);
  let gross = 0;
  for (let i = 0; i < f.length; i++) {
    f[i] *= fraction;
    gross += Math.abs(f[i]);
  }
  if (gross > maxGross) for (let i = 0; i < f.length; i++) f[i] *= maxGross / gross;
  return f;
}

/**
 * Volatility targeting: the notional that gives the position an annualised
 * volatility of `targetVolatility` when the instrument's is
 * `instrumentVolatility`, as a quantity at `price`, capped by `maxLeverage`.
 */
export function volatilityTargetQuantity(equity: number, targetVolatility: number, instrumentVolatility: number, price: number, maxLeverage = 1): number {
  if (!(instrumentVolatility > 0) || !(price > 0) || !(equity > 0)) return 0;
  const notional = Math.min((equity * targetVolatility) / instrumentVolatility, equity * maxLeverage);
  return notional / price;
}

/** Fixed fractional: risk `riskFraction` of equity between entry and stop. */
export function fixedFractionalQuantity(equity: number, riskFraction: number, entry: number, stop: number): number {
  const perUnit = Math.abs(entry - stop);
  if (!(perUnit > 0) || !(equity > 0) || !(riskFraction > 0)) return 0;
  return (equity * riskFraction) / perUnit;
}

/**
 * Risk parity: long-only weights summing to 1 whose risk contributions
 * w_i (cov w)_i / (w' cov w) are all equal (or proportional to `budget`).
 * Solved by cyclical coordinate descent on the convex problem
 * min 1/2 w' cov w - sum b_i log w_i, whose minimiser, normalised, has
 * exactly those contributions (Griveau-Billion, Richard and Roncalli, 2013).
 */
export function riskParityWeights(cov: ArrayLike<number>, n: number, budget?: ArrayLike<number>, tol = 1e-12, maxSweeps = 10_000): Float64Array {
  const b = budget ? Float64Array.from(budget) : new Float64Array(n).fill(1 / n);
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (!(cov[i * n + i] > 0)) throw new Error(`instrument ${i} has no variance`);
    w[i] = 1 / Math.sqrt(cov[i * n + i]);
  }
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let change = 0;
    for (let i = 0; i < n; i++) {
      let c = 0;
      for (let j = 0; j < n; j++) if (j !== i) c += cov[i * n + j] * w[j];
      const sii = cov[i * n + i];
      const next = (-c + Math.sqrt(c * c + 4 * sii * b[i])) / (2 * sii);
      change = Math.max(change, Math.abs(next - w[i]) / next);
      w[i] = next;
    }
    if (change < tol) break;
  }
  let sum = 0;
  for (let i = 0; i < n; i++) sum += w[i];
  for (let i = 0; i < n; i++) w[i] /= sum;
  return w;
}

/** Risk contributions of weights `w`, as fractions of the portfolio variance. */
export function riskContributions(cov: ArrayLike<number>, w: ArrayLike<number>): Float64Array {
  const sw = matVec(cov, w);
  let total = 0;
  for (let i = 0; i < w.length; i++) total += w[i] * sw[i];
  return Float64Array.from(w, (wi, i) => (wi * sw[i]) / total);
}

/**
 * Portfolio value tracking: cash, positions marked to the last price,
 * equity, its peak and the drawdown from it.
 */
export class PortfolioTracker {
  private readonly qty: Float64Array;
  private readonly mark: Float64Array;
  cash: number;
  peak: number;
  /** Realised P&L since construction. */
  realised = 0;
  private readonly avgPrice: Float64Array;
  /** Realised P&L per instrument (fees included). */
  private readonly realisedBy: Float64Array;
  /** Sum of position x mark, kept up to date on every fill and mark (equity in O(1) on the tick path). */
  private positionsValue = 0;

  constructor(startingEquity: number, instruments: number) {
    this.cash = startingEquity;
    this.peak = startingEquity;
    this.qty = new Float64Array(instruments + 1);
    this.mark = new Float64Array(instruments + 1);
    this.avgPrice = new Float64Array(instruments + 1);
    this.realisedBy = new Float64Array(instruments + 1);
  }

  /** A fill: positive quantity buys, negative sells; `fee` in cash. */
  fill(instrument: number, qty: number, price: number, fee = 0): void {
    const held = this.qty[instrument];
    const next = held + qty;
    if (held !== 0 && Math.sign(held) !== Math.sign(qty)) {
      // reducing (or flipping): realise P&L on the closed part
      const closed = Math.min(Math.abs(qty), Math.abs(held)) * Math.sign(held);
      const pnl = closed * (price - this.avgPrice[instrument]);
      this.realised += pnl;
      this.realisedBy[instrument] += pnl;
    }
    if (next === 0) this.avgPrice[instrument] = 0;
    else if (held === 0 || Math.sign(next) !== Math.sign(held)) this.avgPrice[instrument] = price;
    else if (Math.sign(qty) === Math.sign(held)) this.avgPrice[instrument] = (held * this.avgPrice[instrument] + qty * price) / next;
    this.positionsValue += next * price - held * this.mark[instrument];
    this.qty[instrument] = next;
    this.cash -= qty * price + fee;
    this.realised -= fee;
    this.realisedBy[instrument] -= fee;
    this.mark[instrument] = price;
    this.updatePeak();
  }

  /** A new last price. O(1), allocation-free. */
  markPrice(instrument: number, price: number): void {
    this.positionsValue += this.qty[instrument] * (price - this.mark[instrument]);
    this.mark[instrument] = price;
    this.updatePeak();
  }

  position(instrument: number): number {
    return this.qty[instrument];
  }

  /** Average entry price of the open position (0 when flat). */
  averagePrice(instrument: number): number {
    return this.avgPrice[instrument];
  }

  /** Realised P&L of one instrument, fees included. */
  realisedOf(instrument: number): number {
    return this.realisedBy[instrument];
  }

  equity(): number {
    return this.cash + this.positionsValue;
  }

  /** Sum of |position x mark| over every instrument. */
  grossExposure(): number {
    let gross = 0;
    for (let i = 0; i < this.qty.length; i++) gross += Math.abs(this.qty[i] * this.mark[i]);
    return gross;
  }

  /** Gross exposure over equity. */
  leverage(): number {
    return this.grossExposure() / this.equity();
  }

  /** |position x mark| of one instrument. */
  exposure(instrument: number): number {
    return Math.abs(this.qty[instrument] * this.mark[instrument]);
  }

  drawdown(): number {
    return 1 - this.equity() / this.peak;
  }

  private updatePeak(): void {
    const e = this.equity();
    if (e > this.peak) this.peak = e;
  }
}
