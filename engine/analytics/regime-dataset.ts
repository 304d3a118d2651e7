import { createHash } from 'node:crypto';
import { fitGarch } from './garch.js';
import { fitHmm } from './hmm.js';
import { RegimeFeatures } from './regime-features.js';
import { simulateRegimes } from './regime-simulator.js';

/**
 * A labelled regime data set: simulated bars, features computed by the
 * streaming feature extractor (GARCH and HMM fitted on the training part
 * only), every `stride`-th bar sampled, split by time (no look-ahead).
 */
export interface RegimeDataset {
  X: number[][];
  y: number[];
  /** Samples before this index are for training, the rest for testing. */
  trainCount: number;
  /** sha256 of the features and labels, to check two programs saw the same data. */
  hash: string;
}

export function buildRegimeDataset(seed = 7, bars = 12_000, stride = 3, window = 20, trainShare = 0.7): RegimeDataset {
  const series = simulateRegimes(bars, seed);
  const split = Math.floor(bars * trainShare);
  const pct = new Float64Array(split - 1);
  for (let i = 1; i < split; i++) pct[i - 1] = 100 * Math.log(series.close[i] / series.close[i - 1]);
  const garch = fitGarch(pct);
  const hmm = fitHmm(pct, 4);
  const features = new RegimeFeatures(window, 252, { params: garch, nextVariance: garch.variances[0] }, hmm);
  const X: number[][] = [];
  const y: number[] = [];
  let trainCount = 0;
  for (let t = 0; t < bars; t++) {
    const ready = features.update(series.open[t], series.high[t], series.low[t], series.close[t]);
    if (!ready || t % stride !== 0) continue;
    X.push(Array.from(features.values, (v) => Number(v.toPrecision(12))));
    y.push(series.label[t]);
    if (t < split) trainCount++;
  }
  const h = createHash('sha256');
  h.update(JSON.stringify([X, y, trainCount]));
  return { X, y, trainCount, hash: h.digest('hex') };
}
