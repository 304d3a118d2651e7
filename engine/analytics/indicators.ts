import { RollingWindow } from './rolling-window.js';

/**
 * Streaming indicators, O(1) per update and allocation-free, with the
 * conventions of R's TTR package (the reference in tests): values are NaN
 * until enough input has arrived.
 */

/** Simple moving average of the last n values. */
export class Sma {
  value = NaN;
  private readonly w: RollingWindow;
  constructor(readonly n: number) {
    this.w = new RollingWindow(n);
  }
  update(x: number): number {
    this.w.push(x);
    return (this.value = this.w.full ? this.w.mean() : NaN);
  }
}

/**
 * Exponential moving average, ratio 2/(n+1) (or 1/n with `wilder`), seeded
 * with the simple average of the first n values (TTR::EMA).
 */
export class Ema {
  value = NaN;
  private readonly ratio: number;
  private seen = 0;
  private seed = 0;
  constructor(readonly n: number, wilder = false) {
    this.ratio = wilder ? 1 / n : 2 / (n + 1);
  }
  update(x: number): number {
    if (this.seen < this.n) {
      this.seed += x;
      if (++this.seen === this.n) this.value = this.seed / this.n;
      return this.value;
    }
    return (this.value = this.value + this.ratio * (x - this.value));
  }
}

/** Rolling sample standard deviation of the last n values (TTR::runSD). */
export class RollingStd {
  value = NaN;
  private readonly w: RollingWindow;
  constructor(readonly n: number) {
    this.w = new RollingWindow(n);
  }
  update(x: number): number {
    this.w.push(x);
    return (this.value = this.w.full ? Math.sqrt(this.w.variance()) : NaN);
  }
}

/**
 * Average true range, Wilder smoothing (TTR::ATR): the first bar has no
 * previous close and so no true range; the ATR starts as the mean of the
 * first n true ranges.
 */
export class Atr {
  value = NaN;
  trueRange = NaN;
  private readonly ema: Ema;
  private prevClose = NaN;
  constructor(readonly n: number) {
    this.ema = new Ema(n, true);
  }
  update(high: number, low: number, close: number): number {
    const pc = this.prevClose;
    this.prevClose = close;
    if (pc !== pc) return this.value;
    this.trueRange = Math.max(high, pc) - Math.min(low, pc);
    return (this.value = this.ema.update(this.trueRange));
  }
}
