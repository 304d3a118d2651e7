import { z } from 'zod';
import { emptySignal, SignalSide, type Tick } from '../../native-free-ringbuffer/index.js';
import type { Strategy, StrategyContext, StrategyFactory } from './strategy.js';

/**
 * Diagnostic strategy, not a trading idea: emits a signal every `every` ticks
 * (alternating LONG and SHORT) so the bench and the tests can measure the
 * tick-to-signal path without any analytics cost on it.
 * `throwAfterTicks` makes it throw after that many ticks, to exercise the
 * supervisor's restart path on purpose; `delayUs` makes it sleep that long
 * on every tick (after `delayAfterTicks`, for `delayTicks`), a strategy too slow for its feed
 * (chaos tests: its ring overflows, the others must not notice).
 */
const params = z
  .object({
    every: z.number().int().min(1).default(100),
    throwAfterTicks: z.number().int().min(1).optional(),
    /** Diagnostic orders: a stop this many bps away and a target three times further (0: none). */
    stopBps: z.number().min(0).default(0),
    /** Strength and confidence of its signals (how the orchestrator scores them). */
    conviction: z.number().min(0).max(1).default(0.5),
    /** Sleeps (without using the CPU) this long on every tick once `delayAfterTicks` ticks have passed. */
    delayUs: z.number().min(0).max(1_000_000).default(0),
    delayAfterTicks: z.number().int().min(0).default(0),
    /** ...for this many ticks, then it is fast again. */
    delayTicks: z.number().int().min(1).optional(),
  })
  .strict();
type Params = z.infer<typeof params>;

class LatencyProbe implements Strategy {
  private readonly signal = emptySignal();
  private every = 1;
  private throwAfter = Infinity;
  private stopBps = 0;
  private delayMs = 0;
  private delayAfter = 0;
  private delayUntil = Infinity;
  private readonly sleeper = new Int32Array(new SharedArrayBuffer(4));
  private count = 0;

  constructor(p: Params, ctx: StrategyContext) {
    this.signal.strategyId = ctx.strategyId;
    this.apply(p);
  }

  /** Parameters at start and at run time, one way. */
  private apply(p: Params): void {
    this.every = p.every;
    this.throwAfter = p.throwAfterTicks ?? Infinity;
    this.stopBps = p.stopBps;
    this.delayMs = p.delayUs / 1000;
    this.delayAfter = p.delayAfterTicks;
    this.delayUntil = p.delayAfterTicks + (p.delayTicks ?? Infinity);
    this.signal.strength = this.signal.confidence = p.conviction;
  }

  onTick(tick: Tick) {
    this.count++;
    if (this.count >= this.throwAfter) throw new Error(`latency-probe: throwAfterTicks=${this.throwAfter} reached (diagnostic crash)`);
    if (this.delayMs > 0 && this.count > this.delayAfter && this.count <= this.delayUntil) Atomics.wait(this.sleeper, 0, 0, this.delayMs);
    if (this.count % this.every !== 0) return null;
    const s = this.signal;
    s.instrumentId = tick.instrumentId;
    s.price = tick.price;
    s.side = (this.count / this.every) % 2 === 1 ? SignalSide.Long : SignalSide.Short;
    const d = (tick.price * this.stopBps) / 1e4;
    const dir = s.side === SignalSide.Long ? 1 : -1;
    s.stop = d > 0 ? tick.price - dir * d : NaN;
    s.target = d > 0 ? tick.price + dir * 3 * d : NaN;
    return s;
  }

  setParams(p: unknown): void {
    this.apply(params.parse(p));
  }
}

export const latencyProbe: StrategyFactory<Params> = {
  name: 'latency-probe',
  description: 'diagnostic: a signal every N ticks, for latency measurement',
  params,
  diagnostic: true,
  create: (p, ctx) => new LatencyProbe(p, ctx),
};
