/**
 * The model pool's task: fits that take milliseconds to seconds, run on a
 * piscina worker so that no strategy or risk thread ever pauses for them.
 */
import { threadId } from 'node:worker_threads';
import { fitGarch } from '../engine/analytics/garch.js';
import { fitModel } from '../engine/strategies/model-fit.js';
import { fitHmm, type FitHmmOptions } from '../engine/analytics/hmm.js';
import { RegimeClassifier, type ClassifierOptions, type TrainingSet } from '../engine/analytics/regime-classifier.js';
import { buildRegimeDataset } from '../engine/analytics/regime-dataset.js';
import type { FitKind } from '../engine/strategies/strategy.js';
import { niceThisThread } from './thread-priority.js';

export type ModelJob =
  | { kind: 'garch'; x: Float64Array }
  | { kind: 'hmm'; x: Float64Array; states: number; options?: FitHmmOptions }
  /** A strategy's refit (fitModel in engine/strategies/model-fit.ts). */
  | { kind: 'refit'; fit: FitKind; x: Float64Array }
  /** Without a set: the built-in one (labelled simulated regimes, buildRegimeDataset). */
  | { kind: 'regime-classifier'; set?: TrainingSet; options?: Partial<ClassifierOptions> };

let niced = false;

export default function run(job: ModelJob) {
  // Fits are background work: the pool thread runs at nice 19, so a fit or a training never takes the core
  // from a strategy, the risk thread or the store thread (nice 10). Set at the first task, not when the module
  // loads: a strategy thread that imported this file for its inline fit once ran at nice 19 itself.
  if (!niced) {
    niceThisThread(19);
    niced = true;
  }
  const started = performance.now();
  const result =
    job.kind === 'regime-classifier' ? RegimeClassifier.train(job.set ?? buildRegimeDataset(), job.options).serialize()
    : job.kind === 'refit' ? fitModel(job.fit, job.x)
    : job.kind === 'garch' ? fitGarch(job.x)
    : fitHmm(job.x, job.states, job.options);
  return { result, threadId, ms: performance.now() - started };
}
