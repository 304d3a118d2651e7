import { fitGarch } from '../analytics/garch.js';
import { fitHmm } from '../analytics/hmm.js';
import type { FitKind } from './strategy.js';

/** The fit a strategy's `requestFit` asks for: the model pool's work, or a deterministic replay's inline one. */
export function fitModel(kind: FitKind, x: Float64Array) {
  return kind === 'garch' ? fitGarch(x) : fitHmm(x, 4);
}
