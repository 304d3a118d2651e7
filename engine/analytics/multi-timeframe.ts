import { Atr, Ema } from './indicators.js';
import { BarBuilder, emptyBar, TIMEFRAMES, type Bar, type SessionKind, type TimeframeName } from './bars.js';

/**
 * Multi-timeframe view of one instrument: per timeframe a trend (fast EMA
 * against slow EMA, measured in ATRs), an alignment score across timeframes
 * (higher timeframes weigh more), support and resistance levels from swing
 * points, and the confluence of a proposed trade with all of it.
 */
export interface TimeframeTrend {
  /** -1 down, 0 flat, +1 up. */
  direction: number;
  /** (fast EMA - slow EMA) / ATR. */
  strength: number;
}

export interface Confluence {
  /** Alignment of the timeframes with the trade's side, -1..1. */
  alignment: number;
  /** 0..1: how much the timeframes and the levels agree with the trade. */
  confidence: number;
  /** Nearest level below and above the price (NaN when none). */
  support: number;
  resistance: number;
}

export interface MultiTimeframeOptions {
  timeframes: TimeframeName[];
  fast: number;
  slow: number;
  atr: number;
  /** |strength| below this is flat. */
  flatBelow: number;
  /** Bars on each side that a swing high (low) must exceed (undercut). */
  swingSpan: number;
  /** Swing levels kept per timeframe. */
  levels: number;
}

export const DEFAULT_MTF: MultiTimeframeOptions = { timeframes: ['M1', 'M5', 'M15', 'H1'], fast: 8, slow: 21, atr: 14, flatBelow: 0.25, swingSpan: 2, levels: 8 };

class Frame {
  readonly builder: BarBuilder;
  readonly fast: Ema;
  readonly slow: Ema;
  readonly atr: Atr;
  readonly trend: TimeframeTrend = { direction: 0, strength: 0 };
  readonly highs: Float64Array;
  readonly lows: Float64Array;
  /** Swing levels found so far (ring buffers). */
  readonly supports: Float64Array;
  readonly resistances: Float64Array;
  private n = 0;
  private sN = 0;
  private rN = 0;

  constructor(session: SessionKind, tf: number, private readonly o: MultiTimeframeOptions) {
    this.builder = new BarBuilder(session, tf);
    this.fast = new Ema(o.fast);
    this.slow = new Ema(o.slow);
    this.atr = new Atr(o.atr);
    this.highs = new Float64Array(2 * o.swingSpan + 1);
    this.lows = new Float64Array(2 * o.swingSpan + 1);
    this.supports = new Float64Array(o.levels).fill(NaN);
    this.resistances = new Float64Array(o.levels).fill(NaN);
  }

  onBar(b: Bar): void {
    this.fast.update(b.close);
    this.slow.update(b.close);
    this.atr.update(b.high, b.low, b.close);
    const atr = this.atr.value;
    const strength = atr > 0 && this.slow.value === this.slow.value ? (this.fast.value - this.slow.value) / atr : 0;
    this.trend.strength = strength;
    this.trend.direction = Math.abs(strength) < this.o.flatBelow ? 0 : Math.sign(strength);
    // swing points: the middle bar of the last 2*span+1 is the highest (lowest)
    const w = this.highs.length;
    this.highs.copyWithin(0, 1);
    this.lows.copyWithin(0, 1);
    this.highs[w - 1] = b.high;
    this.lows[w - 1] = b.low;
    if (++this.n < w) return;
    const mid = this.o.swingSpan;
    let isHigh = true;
    let isLow = true;
    for (let i = 0; i < w; i++) {
      if (i === mid) continue;
      if (this.highs[i] >= this.highs[mid]) isHigh = false;
      if (this.lows[i] <= this.lows[mid]) isLow = false;
    }
    if (isHigh) this.resistances[this.rN++ % this.o.levels] = this.highs[mid];
    if (isLow) this.supports[this.sN++ % this.o.levels] = this.lows[mid];
  }
}

export class MultiTimeframeAnalyzer {
  private readonly frames: Frame[];
  private readonly weights: Float64Array;
  private readonly closed = emptyBar();

  constructor(session: SessionKind, readonly options: MultiTimeframeOptions = DEFAULT_MTF) {
    this.frames = options.timeframes.map((tf) => new Frame(session, TIMEFRAMES[tf], options));
    // weight by timeframe length (log scale): higher timeframes matter more
    const raw = options.timeframes.map((tf) => Math.log2(TIMEFRAMES[tf] / 30));
    const sum = raw.reduce((a, b) => a + b, 0);
    this.weights = Float64Array.from(raw, (r) => r / sum);
  }

  onTrade(tsMs: number, price: number, qty: number, side: number): void {
    for (let i = 0; i < this.frames.length; i++) {
      const f = this.frames[i];
      if (f.builder.onTrade(tsMs, price, qty, side, this.closed)) f.onBar(this.closed);
    }
  }

  /** Feeds a closed bar straight into one timeframe (for backfill and tests). */
  onBar(timeframe: TimeframeName, bar: Bar): void {
    const i = this.options.timeframes.indexOf(timeframe);
    if (i < 0) throw new Error(`timeframe ${timeframe} is not analysed`);
    this.frames[i].onBar(bar);
  }

  trend(timeframe: TimeframeName): Readonly<TimeframeTrend> {
    return this.frames[this.options.timeframes.indexOf(timeframe)].trend;
  }

  /** Weighted mean of the timeframes' directions, -1 (all down) to +1 (all up). */
  alignment(): number {
    let a = 0;
    for (let i = 0; i < this.frames.length; i++) a += this.weights[i] * this.frames[i].trend.direction;
    return a;
  }

  /**
   * Confluence of a trade (side +1 long, -1 short) at `price`: alignment with
   * the side, and room to the next level in the trade's way (a long right under
   * resistance, or a short right over support, loses confidence).
   */
  confluence(side: number, price: number, out: Confluence): Confluence {
    let support = NaN;
    let resistance = NaN;
    let atr = 0;
    for (const f of this.frames) {
      for (const s of f.supports) if (s <= price && !(s <= support)) support = s;
      for (const r of f.resistances) if (r >= price && !(r >= resistance)) resistance = r;
      if (f.atr.value > atr) atr = f.atr.value;
    }
    const aligned = this.alignment() * side;
    const obstacle = side > 0 ? resistance - price : price - support;
    // room: 1 when the next obstacle is >= 2 ATR away (or none), 0 when at it
    const room = obstacle === obstacle && atr > 0 ? Math.min(1, obstacle / (2 * atr)) : 1;
    out.alignment = aligned;
    out.support = support;
    out.resistance = resistance;
    out.confidence = Math.max(0, Math.min(1, 0.7 * ((aligned + 1) / 2) + 0.3 * room));
    return out;
  }
}
