import type { Signal, Tick } from '../../native-free-ringbuffer/index.js';
import type { z } from 'zod';
import type { InstrumentInfo } from '../instruments/registry.js';

/** The models a strategy may have fitted in the pool: GARCH(1,1) and the HMM regime filter. */
export type FitKind = 'garch' | 'hmm';

/**
 * A strategy is single-threaded engine code: the strategy host (a worker, a
 * backtest or a test) feeds it ticks and forwards what it returns. It knows
 * nothing of threads or rings.
 */
export interface Strategy {
  /**
   * Called for every tick. Returns a Signal the strategy owns and reuses
   * (the host copies it out before the next call), or null. Must not allocate.
   */
  onTick(tick: Tick): Signal | null;
  /** Applies validated parameters at run time. */
  setParams(params: unknown): void;
  /** Trained models that arrived after the strategy was made (optional; see StrategyContext.models). */
  setModels?(models: NonNullable<StrategyContext['models']>): void;
  /** A fit the strategy asked for, from the model pool (optional). */
  applyFit?(kind: FitKind, instrumentId: number, fit: unknown): void;
  /** Per-instrument state to publish in shared memory after a tick (optional): written into `out`. */
  publish?(instrumentId: number, out: Float64Array): boolean;
  /**
   * After `publish` returned true: the state the risk thread acts on, as a
   * SignalSide.State record (optional). The host sends it on the signal ring,
   * so risk sees it in order with the signals of the same ticks.
   */
  stateSignal?(instrumentId: number, out: Signal): void;
  /**
   * Trades the strategy could not take into its state, counted over its life (optional; the host reads it
   * after each batch and publishes it, so no trade is left out silently). Must not allocate.
   */
  ignoredTrades?(): number;
}

/** Models a host provides to strategies. */
export type TrainedModel = 'regimeClassifier';

export interface StrategyContext {
  /** Small integer written into every Signal's strategyId. */
  strategyId: number;
  /** Every instrument, in id order (instrument id = index + 1). */
  instruments: readonly InstrumentInfo[];
  /** Converts a tick's exchange time (ns since the clock anchor) to ms since the epoch. */
  toEpochMs(ns: number): number;
  /** Trained models the host loaded for the strategies (serialised; see RegimeClassifier.deserialize). */
  models?: { regimeClassifier?: Uint8Array };
  /**
   * Asks for a model fit: off this thread (the host's model pool answers through the strategy's
   * applyFit later), or, in a deterministic replay, computed and applied before this returns.
   */
  requestFit?(kind: FitKind, instrumentId: number, x: Float64Array): void;
}

export interface StrategyFactory<P = unknown> {
  readonly name: string;
  readonly description: string;
  readonly params: z.ZodType<P>;
  /** A diagnostic (its signals and decisions are measurements, not evidence: not stored; its orders and fills are). */
  readonly diagnostic?: boolean;
  /** The trained models it uses with these parameters (the host loads or trains them; see StrategyContext.models). */
  models?(params: P): readonly TrainedModel[];
  create(params: P, ctx: StrategyContext): Strategy;
}
