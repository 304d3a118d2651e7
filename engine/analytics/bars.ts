import { Side } from '../../native-free-ringbuffer/index.js';

/**
 * Time bars from trades, per timeframe, aligned to the instrument's session.
 *
 * - crypto: 24 h, bars aligned to UTC (a D1 bar is a UTC day);
 * - nse: 09:15-15:30 IST (UTC+05:30); bars are aligned to the 09:15 open and
 *   the last bar of the day ends at 15:30 (so H1 runs 09:15, 10:15, ... 15:15-15:30
 *   and D1 is the session). Trades outside the session are not barred (counted).
 *
 * O(1) per trade, allocation-free: a closed bar is copied into a Bar the caller owns.
 */
export const TIMEFRAMES = { M1: 60, M5: 300, M15: 900, M30: 1800, H1: 3600, H4: 14_400, D1: 86_400 } as const;
export type TimeframeName = keyof typeof TIMEFRAMES;
export type SessionKind = 'crypto' | 'nse';

const DAY_MS = 86_400_000;
const IST_OFFSET_MS = 5.5 * 3_600_000;
const NSE_OPEN_MS = (9 * 60 + 15) * 60_000; // after local midnight
const NSE_CLOSE_MS = (15 * 60 + 30) * 60_000;

export interface Bar {
  /** Bar start and end, ms since the epoch (end exclusive). */
  start: number;
  end: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  buyVolume: number;
  sellVolume: number;
  /** Sum of price * qty, for VWAP. */
  notional: number;
  trades: number;
}

export function emptyBar(): Bar {
  return { start: 0, end: 0, open: NaN, high: NaN, low: NaN, close: NaN, volume: 0, buyVolume: 0, sellVolume: 0, notional: 0, trades: 0 };
}

export function copyBar(from: Bar, to: Bar): Bar {
  to.start = from.start;
  to.end = from.end;
  to.open = from.open;
  to.high = from.high;
  to.low = from.low;
  to.close = from.close;
  to.volume = from.volume;
  to.buyVolume = from.buyVolume;
  to.sellVolume = from.sellVolume;
  to.notional = from.notional;
  to.trades = from.trades;
  return to;
}

/**
 * Where the bar holding `tsMs` starts and ends, or false when `tsMs` is
 * outside the session. Writes into `out` ([start, end]) to stay allocation-free.
 */
export function barBounds(session: SessionKind, tfSeconds: number, tsMs: number, out: Float64Array): boolean {
  const tf = tfSeconds * 1000;
  if (session === 'crypto') {
    const start = Math.floor(tsMs / tf) * tf;
    out[0] = start;
    out[1] = start + tf;
    return true;
  }
  const localDay = Math.floor((tsMs + IST_OFFSET_MS) / DAY_MS);
  const open = localDay * DAY_MS - IST_OFFSET_MS + NSE_OPEN_MS;
  const close = localDay * DAY_MS - IST_OFFSET_MS + NSE_CLOSE_MS;
  if (tsMs < open || tsMs >= close) return false;
  const start = open + Math.floor((tsMs - open) / tf) * tf;
  out[0] = start;
  out[1] = Math.min(start + tf, close);
  return true;
}

export class BarBuilder {
  private readonly bar = emptyBar();
  private readonly bounds = new Float64Array(2);
  private open = false;
  /** Trades that fell outside the session. */
  outOfSession = 0;
  /** Trades older than the current bar (late prints), folded into the current bar. */
  late = 0;

  constructor(readonly session: SessionKind, readonly tfSeconds: number) {}

  /**
   * Adds a trade. Returns true when the trade started a new bar, after copying
   * the bar it closed into `closed`.
   */
  onTrade(tsMs: number, price: number, qty: number, side: number, closed: Bar): boolean {
    if (!barBounds(this.session, this.tfSeconds, tsMs, this.bounds)) {
      this.outOfSession++;
      return false;
    }
    const b = this.bar;
    let didClose = false;
    if (this.open && this.bounds[0] > b.start) {
      copyBar(b, closed);
      didClose = true;
      this.open = false;
    } else if (this.open && this.bounds[0] < b.start) {
      // A late print for a bar already closed: its volume counts, but it
      // must not move the current bar's prices.
      this.late++;
      b.volume += qty;
      return false;
    }
    if (!this.open) {
      this.open = true;
      b.start = this.bounds[0];
      b.end = this.bounds[1];
      b.open = b.high = b.low = price;
      b.volume = b.buyVolume = b.sellVolume = b.notional = b.trades = 0;
    }
    if (price > b.high) b.high = price;
    if (price < b.low) b.low = price;
    b.close = price;
    b.volume += qty;
    if (side === Side.Buy) b.buyVolume += qty;
    else if (side === Side.Sell) b.sellVolume += qty;
    b.notional += price * qty;
    b.trades++;
    return didClose;
  }

  /**
   * Closes the current bar if time `nowMs` has passed its end (no trade needed:
   * a quiet market still closes its bars). Returns true after copying it into `closed`.
   */
  closeIfDue(nowMs: number, closed: Bar): boolean {
    if (!this.open || nowMs < this.bar.end) return false;
    copyBar(this.bar, closed);
    this.open = false;
    return true;
  }

  /** The bar being built, or null before the first trade. Read-only. */
  current(): Readonly<Bar> | null {
    return this.open ? this.bar : null;
  }
}
