import { Piscina } from 'piscina';
import type { GarchFit } from '../engine/analytics/garch.js';
import type { FitHmmOptions, HmmFit } from '../engine/analytics/hmm.js';
import type { ClassifierOptions, TrainingSet } from '../engine/analytics/regime-classifier.js';
import type { ModelJob } from './model-fit-task.js';
import type { FitKind } from '../engine/strategies/strategy.js';

/**
 * A piscina pool for model fitting (GARCH, HMM, the regime classifier).
 * One thread by default: on two cores, fits must not compete with the
 * strategy threads for more than one core.
 */
export interface Fitted<T> {
  result: T;
  /** The pool thread that did the work. */
  threadId: number;
  /** Time spent fitting, in the pool thread. */
  ms: number;
}

export class ModelPool {
  private readonly pool: Piscina;

  constructor(threads = 1) {
    this.pool = new Piscina({ filename: new URL('./model-fit-task.js', import.meta.url).href, minThreads: threads, maxThreads: threads, idleTimeout: 60_000 });
  }

  fitGarch(x: Float64Array): Promise<Fitted<GarchFit>> {
    return this.pool.run({ kind: 'garch', x } satisfies ModelJob);
  }

  fitHmm(x: Float64Array, states = 4, options?: FitHmmOptions): Promise<Fitted<HmmFit>> {
    return this.pool.run({ kind: 'hmm', x, states, options } satisfies ModelJob);
  }

  /** A strategy's refit, as a deterministic replay does it inline (fitModel). */
  refit(kind: FitKind, x: Float64Array): Promise<Fitted<GarchFit | HmmFit>> {
    return this.pool.run({ kind: 'refit', fit: kind, x } satisfies ModelJob);
  }

  /** Trains and returns the serialised model (load it with RegimeClassifier.deserialize); without a set, on the built-in one. */
  trainRegimeClassifier(set?: TrainingSet, options?: Partial<ClassifierOptions>): Promise<Fitted<Uint8Array>> {
    return this.pool.run({ kind: 'regime-classifier', set, options } satisfies ModelJob);
  }

  close(): Promise<void> {
    return this.pool.destroy();
  }
}
