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
 * |  56  | u8   | side: 1 long, 2 short, 3 flat (exit), 4 state       |
 * |  57  | u8   | strategy id                                         |
 * |  58  | u16  | flags                                               |
 * |  60  | u32  | reason codes (bit set, see the strategy's codes)    |
 */
export const SIGNAL_RECORD_BYTES = 64;
export enum SignalSide {
  Long = 1,
  Short = 2,
  Flat = 3,
  /**
   * Not a trade: a strategy's state for the instrument that risk acts on (the
   * regime detector's regime in strength, size multiplier in price, stop
   * distance in stop, alert bits in reasons), sent in order with its signals.
   */
  State = 4,
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

// ------------------------------------------------- Envelope (any record size)
/**
 * A variable-length payload in a fixed-size slot, for records that are rare
 * and varied (orders, fills, risk events on their way to storage) where a
 * fixed layout per kind would be more code than it saves.
 *
 * | byte | type | field                                 |
 * |------|------|---------------------------------------|
 * |   0  | u32  | seq (ring)                            |
 * |   4  | u32  | payload length in bytes               |
 * |   8  | u16  | kind (the producer's and consumer's)  |
 * |  16  | ...  | payload, up to recordSize - 16 bytes  |
 *
 * The payload starts 8-byte aligned, so another record (a Signal) can ride in
 * it unchanged and be decoded in place at `off + ENVELOPE_HEADER_BYTES`.
 */
export const ENVELOPE_HEADER_BYTES = 16;

export const envelopeCapacity = (recordSize: number) => recordSize - ENVELOPE_HEADER_BYTES;

/** Writes `payload` (at most `envelopeCapacity(recordSize)` bytes) with its kind. */
export function encodeEnvelope(v: RecordViews, off: number, kind: number, payload: Uint8Array): void {
  const w = off >>> 2;
  v.u32[w + 1] = payload.length;
  v.u16[(off + 8) >>> 1] = kind;
  v.u8.set(payload, off + ENVELOPE_HEADER_BYTES);
}

/** Marks an envelope whose payload the caller wrote in place (`length` bytes at `off + ENVELOPE_HEADER_BYTES`). */
export function sealEnvelope(v: RecordViews, off: number, kind: number, length: number): void {
  v.u32[(off >>> 2) + 1] = length;
  v.u16[(off + 8) >>> 1] = kind;
}

export const envelopeKind = (v: RecordViews, off: number): number => v.u16[(off + 8) >>> 1];
export const envelopeLength = (v: RecordViews, off: number): number => v.u32[(off >>> 2) + 1];

/** The payload as a view into the ring (valid until the record is released). */
export function envelopePayload(v: RecordViews, off: number): Uint8Array {
  return v.u8.subarray(off + ENVELOPE_HEADER_BYTES, off + ENVELOPE_HEADER_BYTES + v.u32[(off >>> 2) + 1]);
}
