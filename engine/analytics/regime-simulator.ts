import { Random } from '../random.js';

/**
 * Seeded bar series with known regimes, for training and testing the regime
 * classifier: segments of 80-400 bars, each one of the four classes.
 *   0 low-vol trending     small noise, steady drift
 *   1 medium-vol ranging   medium noise, mean-reverting around a level
 *   2 high-vol trending    large noise, strong drift
 *   3 extreme chaos        very large noise with jumps, no drift
 * Each segment's volatility is jittered by +-30%, so classes overlap.
 * Each bar is built from 12 sub-steps, so its high and low are a real path's.
 */
export interface LabelledBars {
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  label: Uint8Array;
}

/** Per-bar return sd of each class (before the ±30% jitter). */
export const LABELLED_SIGMA = [0.003, 0.006, 0.011, 0.02] as const;
const DRIFT = [0.0006, 0, 0.0015, 0];
const STEPS = 12;

export function simulateRegimes(bars: number, seed: number): LabelledBars {
  const rng = new Random(seed);
  const out: LabelledBars = {
    open: new Float64Array(bars), high: new Float64Array(bars), low: new Float64Array(bars), close: new Float64Array(bars), label: new Uint8Array(bars),
  };
  let price = 100;
  let t = 0;
  while (t < bars) {
    const cls = Math.floor(rng.next() * 4);
    const len = 80 + Math.floor(rng.next() * 320);
    const dir = rng.next() < 0.5 ? -1 : 1;
    // each segment's volatility varies by +-30%, so neighbouring classes overlap
    const sigma = LABELLED_SIGMA[cls] * (0.7 + 0.6 * rng.next());
    const anchor = price;
    for (let i = 0; i < len && t < bars; i++, t++) {
      const open = price;
      let high = open;
      let low = open;
      for (let s = 0; s < STEPS; s++) {
        const sd = sigma / Math.sqrt(STEPS);
        let r = (DRIFT[cls] * dir) / STEPS + sd * rng.normal();
        if (cls === 1) r -= (0.15 / STEPS) * Math.log(price / anchor); // pull back to the range
        if (cls === 3 && rng.next() < 0.01) r += (rng.next() < 0.5 ? -1 : 1) * 0.05 * rng.pareto(3);
        price *= Math.exp(r);
        if (price > high) high = price;
        if (price < low) low = price;
      }
      out.open[t] = open;
      out.high[t] = high;
      out.low[t] = low;
      out.close[t] = price;
      out.label[t] = cls;
    }
  }
  return out;
}
