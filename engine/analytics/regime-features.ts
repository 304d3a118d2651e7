import { RollingWindow } from './rolling-window.js';
import { RollingVolatility } from './volatility.js';
import { GarchFilter, type GarchParams } from './garch.js';
import { HmmFilter, type HmmParams } from './hmm.js';

/**
 * Features for the regime classifier, one vector per closed bar, streaming
 * and allocation-free. They come from the other analytics: volatility
 * estimators, a GARCH sigma, the HMM's probability of its two wildest states,
 * plus trend and noise measures over the same window.
 */
export const REGIME_FEATURES = [
  'logVolYangZhang', // log annualised Yang-Zhang volatility
  'logVolCloseToClose',
  'parkinsonOverClose', // range-based over close-based volatility
  'volOfVol', // sd of log Yang-Zhang volatility over the window
  'logGarchSigma',
  'hmmHighProbability', // P(HIGH or EXTREME) from the online HMM filter
  'trendT', // |mean return| / standard error
  'efficiencyRatio', // |net move| / path length
  'autocorrelation', // lag-1 autocorrelation of returns
  'maxAbsZ', // largest |return| in the window, in standard deviations
  'return5', // log return over 5 bars
  'return20',
] as const;
export const REGIME_FEATURE_COUNT = REGIME_FEATURES.length;

export class RegimeFeatures {
  readonly values = new Float64Array(REGIME_FEATURE_COUNT);
  private readonly vol: RollingVolatility;
  private readonly logYz: RollingWindow;
  private readonly returns: Float64Array;
  private readonly closes: Float64Array;
  private readonly garch: GarchFilter | null;
  private readonly hmm: HmmFilter | null;
  private count = 0;
  private prevClose = NaN;

  constructor(readonly window: number, periodsPerYear: number, garch?: { params: GarchParams; nextVariance: number }, hmm?: HmmParams) {
    this.vol = new RollingVolatility(window, periodsPerYear);
    this.logYz = new RollingWindow(window);
    this.returns = new Float64Array(window);
    this.closes = new Float64Array(window + 1);
    this.garch = garch ? new GarchFilter(garch.params, garch.nextVariance) : null;
    this.hmm = hmm ? new HmmFilter(hmm) : null;
  }

  /**
   * Adds a bar; returns true once the features are defined (the window is full).
   * Without filters of its own, the GARCH variance expected for this bar (percent
   * squared) and the HMM's probability of its two wildest states come from the caller.
   */
  update(open: number, high: number, low: number, close: number, garchVariance = NaN, hmmHighProbability = NaN): boolean {
    const v = this.vol.update(open, high, low, close);
    const w = this.window;
    const r = this.prevClose === this.prevClose ? Math.log(close / this.prevClose) : 0;
    this.prevClose = close;
    this.returns[this.count % w] = r;
    this.closes[this.count % (w + 1)] = close;
    this.count++;
    // the GARCH and HMM filters work in percent returns, like their fits
    let garchVar = garchVariance;
    if (this.garch) {
      garchVar = this.garch.variance;
      this.garch.update(100 * r);
    }
    let pHigh = hmmHighProbability;
    if (this.hmm) {
      const p = this.hmm.update(100 * r);
      pHigh = p[p.length - 1] + (p.length > 1 ? p[p.length - 2] : 0);
    }
    if (v.yangZhang === v.yangZhang) this.logYz.push(Math.log(v.yangZhang));
    if (this.count <= w || !this.logYz.full) return false;

    let mean = 0;
    let path = 0;
    for (let i = 0; i < w; i++) {
      mean += this.returns[i];
      path += Math.abs(this.returns[i]);
    }
    mean /= w;
    let varSum = 0;
    let cov = 0;
    let maxAbs = 0;
    for (let i = 0; i < w; i++) {
      const d = this.returns[i] - mean;
      varSum += d * d;
      if (Math.abs(this.returns[i]) > maxAbs) maxAbs = Math.abs(this.returns[i]);
    }
    // lag-1 pairs in time order
    const start = this.count % w; // oldest
    for (let k = 1; k < w; k++) {
      cov += (this.returns[(start + k) % w] - mean) * (this.returns[(start + k - 1) % w] - mean);
    }
    const sd = Math.sqrt(varSum / (w - 1));
    const n1 = w + 1;
    const newest = (this.count - 1) % n1;
    const close5 = this.closes[(this.count - 1 - 5 + n1 * 2) % n1];
    const closeW = this.closes[this.count % n1];
    const f = this.values;
    f[0] = Math.log(v.yangZhang);
    f[1] = Math.log(v.closeToClose);
    f[2] = v.parkinson / v.closeToClose;
    f[3] = Math.sqrt(this.logYz.variance());
    f[4] = 0.5 * Math.log(garchVar);
    f[5] = pHigh;
    f[6] = sd > 0 ? Math.abs(mean) / (sd / Math.sqrt(w)) : 0;
    f[7] = path > 0 ? Math.abs(Math.log(this.closes[newest] / closeW)) / path : 0;
    f[8] = varSum > 0 ? cov / varSum : 0;
    f[9] = sd > 0 ? maxAbs / sd : 0;
    f[10] = Math.log(this.closes[newest] / close5);
    f[11] = Math.log(this.closes[newest] / closeW);
    return true;
  }
}
