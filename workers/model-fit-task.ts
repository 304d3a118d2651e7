/**
 * The model pool's task: fits that take milliseconds to seconds, run on a
 * piscina worker so that no strategy or risk thread ever pauses for them.
 */
import { threadId } from 'node:worker_threads';
import { fitGarch } from '../engine/analytics/garch.js';
import { fitHmm, type FitHmmOptions } from '../engine/analytics/hmm.js';
import { RegimeClassifier, type ClassifierOptions, type TrainingSet } from '../engine/analytics/regime-classifier.js';

export type ModelJob =
  | { kind: 'garch'; x: Float64Array }
  | { kind: 'hmm'; x: Float64Array; states: number; options?: FitHmmOptions }
  | { kind: 'regime-classifier'; set: TrainingSet; options?: Partial<ClassifierOptions> };

export default function run(job: ModelJob) {
  const started = performance.now();
  const result = job.kind === 'garch' ? fitGarch(job.x) : job.kind === 'hmm' ? fitHmm(job.x, job.states, job.options) : RegimeClassifier.train(job.set, job.options).serialize();
  return { result, threadId, ms: performance.now() - started };
}
