/**
 * Record codecs: fixed byte layouts written straight into ring slots.
 *
 * All records are little-endian (typed arrays use the platform order; every
 * platform Node supports for this project is little-endian), 8-byte aligned,
 * and start with the u32 sequence number the ring stamps. Times are
 * nanoseconds since the engine's clock anchor (see engine/clock), as f64:
 * exact to the nanosecond for 104 days after start-up.
 *
 * Encoders and decoders take the ring's views and a byte offset and allocate
 * nothing: decoders fill an object the caller owns and reuses.
 */
export interface RecordViews {
  readonly f64: Float64Array;
  readonly f32: Float32Array;
  readonly u32: Uint32Array;
  readonly u16: Uint16Array;
  readonly u8: Uint8Array;
}

// ---------------------------------------------------------------- Tick (96 bytes)
/**
 * | byte | type | field                                              |
 * |------|------|----------------------------------------------------|
 * |   0  | u32  | seq (ring)                                         |
 * |   4  | u32  | instrument id                                      |
 * |   8  | f64  | exchange time, ns since anchor (NaN when unknown)  |
 * |  16  | f64  | receive time, ns since anchor (ingest stamp)       |
 * |  24  | f64  | price                                              |
 * |  32  | f64  | quantity (0 for a quote-only tick)                 |
 * |  40  | f64  | best bid (NaN when unknown)                        |
 * |  48  | f64  | best ask (NaN when unknown)                        |
 * |  56  | f64  | bid size (NaN when unknown)                        |
 * |  64  | f64  | ask size (NaN when unknown)                        |
 * |  72  | f64  | feed sequence (exchange trade id / update id)      |
 * |  80  | f64  | publish time, ns since anchor (written to the ring)|
 * |  88  | u8   | aggressor side: 0 unknown, 1 buy, 2 sell           |
 * |  89  | u8   | kind: 1 trade, 2 quote                             |
 * |  90  | u16  | provider id                                        |
 * |  92  | u32  | flags (TICK_FLAG_*)                                |
 */
export const TICK_RECORD_BYTES = 96;
export enum Side {
  Unknown = 0,
  Buy = 1,
  Sell = 2,
}
export enum TickKind {
  Trade = 1,
  Quote = 2,
}
/** The tick came from the simulator (never sent to a real broker). */
export const TICK_FLAG_SIMULATED = 1;
/** The tick came from a replay, not a live feed. */
export const TICK_FLAG_REPLAY = 2;

export interface Tick {
  seq: number;
  instrumentId: number;
  exchangeTs: number;
  recvTs: number;
  price: number;
  qty: number;
  bid: number;
  ask: number;
  bidQty: number;
  askQty: number;
  feedSeq: number;
  publishTs: number;
  side: number;
  kind: number;
  providerId: number;
  flags: number;
}

export function emptyTick(): Tick {
  return {
    seq: 0, instrumentId: 0, exchangeTs: NaN, recvTs: 0, price: 0, qty: 0, bid: NaN, ask: NaN,
    bidQty: NaN, askQty: NaN, feedSeq: 0, publishTs: 0, side: 0, kind: TickKind.Trade, providerId: 0, flags: 0,
  };
}

/** Writes every field but `seq` (the ring owns it). */
export function encodeTick(v: RecordViews, off: number, t: Tick): void {
  const f = off >>> 3;
  const w = off >>> 2;
  v.u32[w + 1] = t.instrumentId;
  v.f64[f + 1] = t.exchangeTs;
  v.f64[f + 2] = t.recvTs;
  v.f64[f + 3] = t.price;
  v.f64[f + 4] = t.qty;
  v.f64[f + 5] = t.bid;
  v.f64[f + 6] = t.ask;
  v.f64[f + 7] = t.bidQty;
  v.f64[f + 8] = t.askQty;
  v.f64[f + 9] = t.feedSeq;
  v.f64[f + 10] = t.publishTs;
  v.u8[off + 88] = t.side;
  v.u8[off + 89] = t.kind;
  v.u16[(off + 90) >>> 1] = t.providerId;
  v.u32[w + 23] = t.flags;
}

export function decodeTick(v: RecordViews, off: number, t: Tick): Tick {
  const f = off >>> 3;
  const w = off >>> 2;
  t.seq = v.u32[w];
  t.instrumentId = v.u32[w + 1];
  t.exchangeTs = v.f64[f + 1];
  t.recvTs = v.f64[f + 2];
  t.price = v.f64[f + 3];
  t.qty = v.f64[f + 4];
  t.bid = v.f64[f + 5];
  t.ask = v.f64[f + 6];
  t.bidQty = v.f64[f + 7];
  t.askQty = v.f64[f + 8];
  t.feedSeq = v.f64[f + 9];
  t.publishTs = v.f64[f + 10];
  t.side = v.u8[off + 88];
  t.kind = v.u8[off + 89];
  t.providerId = v.u16[(off + 90) >>> 1];
  t.flags = v.u32[w + 23];
  return t;
}

// -------------------------------------------------------------- Signal (64 bytes)
/**
 * | byte | type | field                                               |
 * |------|------|-----------------------------------------------------|
 * |   0  | u32  | seq (ring)                                          |
 * |   4  | u32  | instrument id                                       |
 * |   8  | f64  | receive time of the tick that caused it (ns)        |
 * |  16  | f64  | signal time: strategy done (ns)                     |
 * |  24  | f64  | reference price                                     |
 * |  32  | f32  | strength, 0..1                                      |
 * |  36  | f32  | confidence, 0..1                                    |
 * |  40  | f64  | suggested stop price (NaN when none)                |
 * |  48  | f64  | suggested target price (NaN when none)              |
 * |  56  | u8   | side: 1 long, 2 short, 3 flat (exit)                |
 * |  57  | u8   | strategy id                                         |
 * |  58  | u16  | flags                                               |
 * |  60  | u32  | reason codes (bit set, see the strategy's codes)    |
 */
export const SIGNAL_RECORD_BYTES = 64;
export enum SignalSide {
  Long = 1,
  Short = 2,
  Flat = 3,
}

export interface Signal {
  seq: number;
  instrumentId: number;
  tickRecvTs: number;
  signalTs: number;
  price: number;
  strength: number;
  confidence: number;
  stop: number;
  target: number;
  side: number;
  strategyId: number;
  flags: number;
  reasons: number;
}

export function emptySignal(): Signal {
  return {
    seq: 0, instrumentId: 0, tickRecvTs: 0, signalTs: 0, price: 0, strength: 0, confidence: 0,
    stop: NaN, target: NaN, side: 0, strategyId: 0, flags: 0, reasons: 0,
  };
}

export function encodeSignal(v: RecordViews, off: number, s: Signal): void {
  const f = off >>> 3;
  const w = off >>> 2;
  v.u32[w + 1] = s.instrumentId;
  v.f64[f + 1] = s.tickRecvTs;
  v.f64[f + 2] = s.signalTs;
  v.f64[f + 3] = s.price;
  v.f32[w + 8] = s.strength;
  v.f32[w + 9] = s.confidence;
  v.f64[f + 5] = s.stop;
  v.f64[f + 6] = s.target;
  v.u8[off + 56] = s.side;
  v.u8[off + 57] = s.strategyId;
  v.u16[(off + 58) >>> 1] = s.flags;
  v.u32[w + 15] = s.reasons;
}

export function decodeSignal(v: RecordViews, off: number, s: Signal): Signal {
  const f = off >>> 3;
  const w = off >>> 2;
  s.seq = v.u32[w];
  s.instrumentId = v.u32[w + 1];
  s.tickRecvTs = v.f64[f + 1];
  s.signalTs = v.f64[f + 2];
  s.price = v.f64[f + 3];
  s.strength = v.f32[w + 8];
  s.confidence = v.f32[w + 9];
  s.stop = v.f64[f + 5];
  s.target = v.f64[f + 6];
  s.side = v.u8[off + 56];
  s.strategyId = v.u8[off + 57];
  s.flags = v.u16[(off + 58) >>> 1];
  s.reasons = v.u32[w + 15];
  return s;
}

// --------------------------------------------------------- OrderEvent (64 bytes)
/**
 * | byte | type | field                                               |
 * |------|------|-----------------------------------------------------|
 * |   0  | u32  | seq (ring)                                          |
 * |   4  | u32  | instrument id                                       |
 * |   8  | f64  | order id (engine-local, integer)                    |
 * |  16  | f64  | receive time of the originating tick (ns)           |
 * |  24  | f64  | event time (ns)                                     |
 * |  32  | f64  | price (limit, or fill price for fills)              |
 * |  40  | f64  | quantity (order quantity, or fill quantity)         |
 * |  48  | f64  | cumulative filled quantity                          |
 * |  56  | u8   | event kind (OrderEventKind)                         |
 * |  57  | u8   | side: 1 buy, 2 sell                                 |
 * |  58  | u16  | flags                                               |
 * |  60  | u32  | reason code (rejections)                            |
 */
export const ORDER_EVENT_RECORD_BYTES = 64;
export enum OrderEventKind {
  New = 1,
  Sent = 2,
  Acknowledged = 3,
  PartiallyFilled = 4,
  Filled = 5,
  Cancelled = 6,
  Rejected = 7,
}

export interface OrderEvent {
  seq: number;
  instrumentId: number;
  orderId: number;
  tickRecvTs: number;
  eventTs: number;
  price: number;
  qty: number;
  filledQty: number;
  kind: number;
  side: number;
  flags: number;
  reason: number;
}

export function emptyOrderEvent(): OrderEvent {
  return {
    seq: 0, instrumentId: 0, orderId: 0, tickRecvTs: 0, eventTs: 0, price: 0, qty: 0, filledQty: 0,
    kind: 0, side: 0, flags: 0, reason: 0,
  };
}

export function encodeOrderEvent(v: RecordViews, off: number, e: OrderEvent): void {
  const f = off >>> 3;
  const w = off >>> 2;
  v.u32[w + 1] = e.instrumentId;
  v.f64[f + 1] = e.orderId;
  v.f64[f + 2] = e.tickRecvTs;
  v.f64[f + 3] = e.eventTs;
  v.f64[f + 4] = e.price;
  v.f64[f + 5] = e.qty;
  v.f64[f + 6] = e.filledQty;
  v.u8[off + 56] = e.kind;
  v.u8[off + 57] = e.side;
  v.u16[(off + 58) >>> 1] = e.flags;
  v.u32[w + 15] = e.reason;
}

export function decodeOrderEvent(v: RecordViews, off: number, e: OrderEvent): OrderEvent {
  const f = off >>> 3;
  const w = off >>> 2;
  e.seq = v.u32[w];
  e.instrumentId = v.u32[w + 1];
  e.orderId = v.f64[f + 1];
  e.tickRecvTs = v.f64[f + 2];
  e.eventTs = v.f64[f + 3];
  e.price = v.f64[f + 4];
  e.qty = v.f64[f + 5];
  e.filledQty = v.f64[f + 6];
  e.kind = v.u8[off + 56];
  e.side = v.u8[off + 57];
  e.flags = v.u16[(off + 58) >>> 1];
  e.reason = v.u32[w + 15];
  return e;
}
