import { RollingWindow } from './rolling-window.js';

/**
 * The five classic OHLC volatility estimators over a rolling window of `n`
 * bars, annualised with `periodsPerYear` (N). Definitions follow R's
 * TTR::volatility exactly, so that package is the reference:
 *
 *   close-to-close   sqrt(N) * sd(ln(C_t / C_{t-1}))   over the last n-1 returns
 *   Parkinson        sqrt(N / (4 n ln 2) * sum ln(H/L)^2)
 *   Garman-Klass     sqrt(N / n * sum [0.5 ln(H/L)^2 - (2 ln 2 - 1) ln(C/O)^2])
 *   Rogers-Satchell  sqrt(N / n * sum [ln(H/C) ln(H/O) + ln(L/C) ln(L/O)])
 *   Yang-Zhang       sqrt(s2o + k s2c + (1 - k) RS^2), s2o = N var(ln(O_t / C_{t-1})),
 *                    s2c = N var(ln(C/O)) over n bars, k = 0.34 / (1.34 + (n+1)/(n-1))
 *
 * O(1) per bar, no allocation. A value is NaN until its window is full.
 */
export interface VolatilityEstimates {
  closeToClose: number;
  parkinson: number;
  garmanKlass: number;
  rogersSatchell: number;
  yangZhang: number;
}

const LN2 = Math.log(2);
const YZ_ALPHA = 1.34;

export class RollingVolatility implements VolatilityEstimates {
  closeToClose = NaN;
  parkinson = NaN;
  garmanKlass = NaN;
  rogersSatchell = NaN;
  yangZhang = NaN;

  private readonly returns: RollingWindow;
  private readonly hl2: RollingWindow;
  private readonly gk: RollingWindow;
  private readonly rs: RollingWindow;
  private readonly overnight: RollingWindow;
  private readonly openToClose: RollingWindow;
  private readonly k: number;
  private prevClose = NaN;

  constructor(readonly n: number, readonly periodsPerYear: number) {
    if (!Number.isInteger(n) || n < 3) throw new RangeError(`volatility window must be an integer >= 3, got ${n}`);
    this.returns = new RollingWindow(n - 1);
    this.hl2 = new RollingWindow(n);
    this.gk = new RollingWindow(n);
    this.rs = new RollingWindow(n);
    this.overnight = new RollingWindow(n);
    this.openToClose = new RollingWindow(n);
    this.k = (YZ_ALPHA - 1) / (YZ_ALPHA + (n + 1) / (n - 1));
  }

  /** Adds one bar and updates every estimate. */
  update(open: number, high: number, low: number, close: number): this {
    const N = this.periodsPerYear;
    const n = this.n;
    const hl = Math.log(high / low);
    const co = Math.log(close / open);
    this.hl2.push(hl * hl);
    this.gk.push(0.5 * hl * hl - (2 * LN2 - 1) * co * co);
    this.rs.push(Math.log(high / close) * Math.log(high / open) + Math.log(low / close) * Math.log(low / open));
    this.openToClose.push(co);
    if (this.prevClose === this.prevClose) {
      this.returns.push(Math.log(close / this.prevClose));
      this.overnight.push(Math.log(open / this.prevClose));
    }
    this.prevClose = close;

    this.parkinson = this.hl2.full ? Math.sqrt((N / (4 * n * LN2)) * this.hl2.sum()) : NaN;
    this.garmanKlass = this.gk.full ? Math.sqrt((N / n) * this.gk.sum()) : NaN;
    const rsVar = this.rs.full ? (N / n) * this.rs.sum() : NaN;
    this.rogersSatchell = Math.sqrt(rsVar);
    this.closeToClose = this.returns.full ? Math.sqrt(N) * Math.sqrt(this.returns.variance()) : NaN;
    this.yangZhang =
      this.overnight.full && this.openToClose.full
        ? Math.sqrt(N * this.overnight.variance() + this.k * N * this.openToClose.variance() + (1 - this.k) * rsVar)
        : NaN;
    return this;
  }
}
