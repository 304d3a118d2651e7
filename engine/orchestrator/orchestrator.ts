import { SignalSide, TickKind, type Signal, type Tick } from '../../native-free-ringbuffer/index.js';
import { MultiTimeframeAnalyzer, type Confluence } from '../analytics/multi-timeframe.js';
import { emptyScore, Quality, SignalScorer, type FactorWeights } from '../analytics/signal-scorer.js';
import { sessionOf, type InstrumentInfo } from '../instruments/registry.js';
import { popcount } from '../bits.js';

/**
 * The orchestrator (risk thread): turns the strategies' signals into order
 * intents.
 *
 * - Signals on an instrument are collected until every strategy has processed
 *   the newest tick behind them (`allProcessed`: then no other signal on those
 *   ticks can come), or at most `windowMs` (a stalled or paused strategy);
 *   LONG and SHORT together is NO TRADE (recorded with both sides' strategies
 *   and reasons).
 * - Otherwise the agreeing signals are scored by the multi-factor scorer:
 *   technical (their confidence), volume (their strength), volatility (the
 *   regime detector's regime: calm is good, EXTREME is 0), momentum (the
 *   multi-timeframe alignment with the side), reward/risk (target against stop,
 *   3:1 scores 1), timing (how many strategies agree). Below `minQuality` the
 *   signal is dropped.
 * - The multi-timeframe analyzer confirms or vetoes: confluence below
 *   `vetoBelow` drops it.
 * - What is left is an order intent with its score and reasons, for risk.
 * FLAT (exit) signals pass straight through as exit intents.
 * Allocation-free per signal once an instrument has been seen.
 */
export enum Decision {
  Intent = 1,
  NoTrade = 2,
  Vetoed = 3,
  BelowQuality = 4,
  Exit = 5,
}

export interface OrderIntent {
  decision: Decision;
  instrumentId: number;
  /** SignalSide: LONG, SHORT, or FLAT for an exit. */
  side: number;
  price: number;
  stop: number;
  target: number;
  score: number;
  quality: Quality;
  strengths: number;
  weaknesses: number;
  /** Bit i: strategy id i took part. */
  strategies: number;
  /** Union of the signals' reason bits, per side for NO TRADE. */
  reasons: number;
  opposingReasons: number;
  confluence: number;
  /** Receive time of the earliest tick behind it (for tick-to-order latency). */
  tickRecvTs: number;
  /** Time of the earliest signal behind it (for signal-to-order latency). */
  signalTs: number;
}

export interface OrchestratorOptions {
  windowMs: number;
  minQuality: Quality;
  vetoBelow: number;
  weights: Partial<FactorWeights>;
}

/** vetoBelow 0.35: a trade with every timeframe against it scores at most 0.3 (with all the room it wants), so it is always vetoed. */
export const DEFAULT_ORCHESTRATOR: OrchestratorOptions = { windowMs: 250, minQuality: Quality.Fair, vetoBelow: 0.35, weights: {} };

/** Volatility factor by regime (LOW, MEDIUM, HIGH, EXTREME). */
const VOLATILITY_SCORE = [0.9, 0.7, 0.35, 0];

class Pending {
  count = 0;
  openedMs = 0;
  longReasons = 0;
  shortReasons = 0;
  longStrategies = 0;
  shortStrategies = 0;
  longSignals = 0;
  shortSignals = 0;
  strength = 0;
  confidence = 0;
  price = NaN;
  stop = NaN;
  target = NaN;
  tickRecvTs = Infinity;
  latestTickRecvTs = -Infinity;
  signalTs = Infinity;
  readonly mtf: MultiTimeframeAnalyzer;
  constructor(info: InstrumentInfo | undefined) {
    this.mtf = new MultiTimeframeAnalyzer(sessionOf(info));
  }
  reset(): void {
    this.count = this.longReasons = this.shortReasons = this.longStrategies = this.shortStrategies = this.longSignals = this.shortSignals = 0;
    this.strength = this.confidence = 0;
    this.price = this.stop = this.target = NaN;
    this.tickRecvTs = this.signalTs = Infinity;
    this.latestTickRecvTs = -Infinity;
  }
}

export class Orchestrator {
  /** Decisions so far, by Decision. */
  readonly counts = new Float64Array(6);
  private readonly pending: (Pending | undefined)[];
  /** Instruments with an open window (so a flush touches only those). */
  private readonly open: Int32Array;
  private openCount = 0;
  private readonly scorer: SignalScorer;
  private readonly factors = new Float64Array(6);
  private readonly score = emptyScore();
  private readonly confluence: Confluence = { alignment: 0, confidence: 0, support: NaN, resistance: NaN };
  private readonly intent: OrderIntent = {
    decision: Decision.Intent, instrumentId: 0, side: 0, price: NaN, stop: NaN, target: NaN, score: 0, quality: Quality.Poor, strengths: 0, weaknesses: 0,
    strategies: 0, reasons: 0, opposingReasons: 0, confluence: 0, tickRecvTs: 0, signalTs: 0,
  };

  constructor(
    private readonly instruments: readonly InstrumentInfo[],
    private readonly o: OrchestratorOptions = DEFAULT_ORCHESTRATOR,
    /** The regime (0..3) of an instrument, from the regime detector's published rows; NaN when unknown. */
    private readonly regimeOf: (instrumentId: number) => number = () => NaN,
    /** Whether every strategy has processed the ticks received up to this time (ns since the anchor). */
    private readonly allProcessed: (tickRecvTs: number) => boolean = () => false,
  ) {
    this.pending = new Array(instruments.length + 1);
    this.open = new Int32Array(instruments.length + 1);
    this.scorer = new SignalScorer(o.weights);
  }

  /** Market data for the multi-timeframe view. */
  onTick(t: Tick, nowMs: number): void {
    if (t.kind !== TickKind.Trade) return;
    this.slot(t.instrumentId).mtf.onTrade(nowMs, t.price, t.qty, t.side);
  }

  /**
   * A strategy's signal at time `nowMs`. Exits come back at once; entries are
   * collected, and `decide` is called with each decision when its window closes.
   */
  onSignal(s: Signal, nowMs: number, decide: (i: Readonly<OrderIntent>) => void): void {
    if (s.side === SignalSide.Flat) {
      const i = this.intent;
      this.fill(i, Decision.Exit, s.instrumentId, SignalSide.Flat, s.price, NaN, NaN, 0, s.reasons, 0, 1 << s.strategyId, s.tickRecvTs);
      i.signalTs = s.signalTs;
      this.counts[Decision.Exit]++;
      decide(i);
      return;
    }
    const p = this.slot(s.instrumentId);
    if (p.count === 0) {
      p.openedMs = nowMs;
      this.open[this.openCount++] = s.instrumentId;
    }
    p.count++;
    if (s.tickRecvTs < p.tickRecvTs) p.tickRecvTs = s.tickRecvTs;
    if (s.tickRecvTs > p.latestTickRecvTs) p.latestTickRecvTs = s.tickRecvTs;
    if (s.signalTs < p.signalTs) p.signalTs = s.signalTs;
    if (s.side === SignalSide.Long) {
      p.longReasons |= s.reasons;
      p.longStrategies |= 1 << s.strategyId;
      p.longSignals++;
    } else {
      p.shortReasons |= s.reasons;
      p.shortStrategies |= 1 << s.strategyId;
      p.shortSignals++;
    }
    // the strongest signal sets price, stop and target
    if (s.strength >= p.strength) {
      p.strength = s.strength;
      p.price = s.price;
      p.stop = s.stop;
      p.target = s.target;
    }
    p.confidence = Math.max(p.confidence, s.confidence);
    if (this.o.windowMs === 0) this.close(s.instrumentId, p, decide);
  }

  /** Closes every window whose ticks every strategy has processed, or older than `windowMs`. Call it from the consumer loop. */
  flush(nowMs: number, decide: (i: Readonly<OrderIntent>) => void): void {
    let k = 0;
    while (k < this.openCount) {
      const id = this.open[k];
      const p = this.pending[id]!;
      if (p.count > 0 && nowMs - p.openedMs < this.o.windowMs && !this.allProcessed(p.latestTickRecvTs)) {
        k++;
        continue;
      }
      if (p.count > 0) this.close(id, p, decide);
      this.open[k] = this.open[--this.openCount]; // closed (or closed at once): drop from the open list
    }
  }

  private close(id: number, p: Pending, decide: (i: Readonly<OrderIntent>) => void): void {
    const i = this.intent;
    if (p.longSignals > 0 && p.shortSignals > 0) {
      this.fill(i, Decision.NoTrade, id, 0, p.price, NaN, NaN, 0, p.longReasons, p.shortReasons, p.longStrategies | p.shortStrategies, p.tickRecvTs);
      this.finish(p, i, decide);
      return;
    }
    const long = p.longSignals > 0;
    const side = long ? SignalSide.Long : SignalSide.Short;
    const dir = long ? 1 : -1;
    const strategies = long ? p.longStrategies : p.shortStrategies;
    const reasons = long ? p.longReasons : p.shortReasons;
    const c = p.mtf.confluence(dir, p.price, this.confluence);
    const risk = Math.abs(p.price - p.stop);
    const reward = Math.abs(p.target - p.price);
    const regime = this.regimeOf(id);
    const f = this.factors;
    f[0] = p.confidence; // technical
    f[1] = p.strength; // volume
    f[2] = regime === regime ? VOLATILITY_SCORE[regime] : 0.5; // volatility
    f[3] = (c.alignment + 1) / 2; // momentum
    f[4] = risk > 0 && reward === reward ? Math.min(1, reward / risk / 3) : 0; // reward/risk
    f[5] = Math.min(1, popcount(strategies) / 2); // timing: agreement
    const score = this.scorer.score(f, this.score);
    this.fill(i, Decision.Intent, id, side, p.price, p.stop, p.target, c.confidence, reasons, 0, strategies, p.tickRecvTs);
    i.score = score.score;
    i.quality = score.quality;
    i.strengths = score.strengths;
    i.weaknesses = score.weaknesses;
    if (score.quality < this.o.minQuality) i.decision = Decision.BelowQuality;
    else if (c.confidence < this.o.vetoBelow) i.decision = Decision.Vetoed;
    this.finish(p, i, decide);
  }

  private finish(p: Pending, i: OrderIntent, decide: (i: Readonly<OrderIntent>) => void): void {
    i.signalTs = p.signalTs;
    this.counts[i.decision]++;
    p.reset();
    decide(i);
  }

  private fill(i: OrderIntent, d: Decision, id: number, side: number, price: number, stop: number, target: number, confluence: number, reasons: number, opposing: number, strategies: number, tickRecvTs: number): void {
    i.decision = d;
    i.instrumentId = id;
    i.side = side;
    i.price = price;
    i.stop = stop;
    i.target = target;
    i.confluence = confluence;
    i.reasons = reasons;
    i.opposingReasons = opposing;
    i.strategies = strategies;
    i.tickRecvTs = tickRecvTs;
    i.score = 0;
    i.quality = Quality.Poor;
    i.strengths = i.weaknesses = 0;
  }

  private slot(id: number): Pending {
    let p = this.pending[id];
    if (!p) p = this.pending[id] = new Pending(this.instruments[id - 1]);
    return p;
  }
}

