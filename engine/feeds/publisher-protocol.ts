import { C1, unpack } from 'msgpackr';
import { emptyTick, Side, TickKind, type Tick } from '../../native-free-ringbuffer/index.js';
import type { Clock } from '../clock.js';
import type { InstrumentRegistry } from '../instruments/registry.js';

/**
 * The feed-publisher protocol on the ingest WebSocket.
 *
 * A message is one tick or an array of ticks: msgpack in a binary frame, or
 * JSON in a text frame. A tick is a map:
 *
 *   symbol  string  required, a configured instrument
 *   price   number  required, finite and > 0
 *   qty     number  optional (default 0: a quote update), finite and >= 0
 *   ts      number  optional exchange time, ms since the Unix epoch; never
 *                   more than maxFutureMs ahead, never earlier than the last
 *                   ts of the same instrument by more than 1 s (late prints within 1 s pass)
 *   side    string  optional aggressor side: "buy" or "sell"
 *   bid, ask, bidQty, askQty   numbers, optional
 *   seq     number  optional publisher sequence
 *
 * Bad ticks are rejected one by one (counted by reason); the good ticks of the
 * same batch still go through. The connection always stays open.
 */
export const REJECT_REASONS = [
  'malformed_json',
  'malformed_msgpack',
  'not_a_tick',
  'unknown_symbol',
  'bad_price',
  'bad_qty',
  'bad_side',
  'bad_time',
  'time_backwards',
  'bad_quote',
  'oversized',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

const textDecoder = new TextDecoder('utf-8', { fatal: true });

export interface TickSink {
  (tick: Tick): void;
}

export class PublisherDecoder {
  /** Rejections by reason, indexed like REJECT_REASONS. */
  readonly rejected = new Float64Array(REJECT_REASONS.length);
  /** The first rejection of the last message: its reason, index in the batch and detail. */
  lastError: RejectReason | null = null;
  lastErrorIndex = -1;
  lastErrorDetail = '';
  private readonly tick = emptyTick();
  /** Last accepted exchange time per instrument (ns since the anchor). */
  private readonly lastTs: Float64Array;

  constructor(
    private readonly registry: InstrumentRegistry,
    private readonly clock: Clock,
    private readonly maxFutureMs: number,
    private readonly providerId: number,
  ) {
    this.lastTs = new Float64Array(registry.size + 1).fill(-Infinity);
  }

  /** Decodes one frame and hands every valid tick to `sink`. Returns how many were accepted. Never throws. */
  decode(frame: ArrayBuffer | Uint8Array, isBinary: boolean, sink: TickSink): number {
    this.lastError = null;
    this.lastErrorIndex = -1;
    this.lastErrorDetail = '';
    let message: unknown;
    const bytes = frame instanceof Uint8Array ? frame : new Uint8Array(frame);
    try {
      message = isBinary ? unpack(bytes) : JSON.parse(textDecoder.decode(bytes));
      // msgpackr decodes the reserved byte 0xc1 to a marker instead of throwing
      if (message === C1) throw new Error('reserved msgpack byte 0xc1');
    } catch (e) {
      this.reject(isBinary ? 'malformed_msgpack' : 'malformed_json', -1, (e as Error).message);
      return 0;
    }
    const recvTs = this.clock.now();
    if (Array.isArray(message)) {
      let accepted = 0;
      for (let i = 0; i < message.length; i++) if (this.one(message[i], i, recvTs, sink)) accepted++;
      return accepted;
    }
    return this.one(message, 0, recvTs, sink) ? 1 : 0;
  }

  /** Counts a rejection that happened before decoding (an oversized frame). */
  reject(reason: RejectReason, index: number, detail: string): false {
    this.rejected[REJECT_REASONS.indexOf(reason)]++;
    if (this.lastError === null) {
      this.lastError = reason;
      this.lastErrorIndex = index;
      this.lastErrorDetail = detail;
    }
    return false;
  }

  private one(m: any, index: number, recvTs: number, sink: TickSink): boolean {
    if (typeof m !== 'object' || m === null || Array.isArray(m) || m === C1) return this.reject('not_a_tick', index, 'a tick must be a map');
    const id = typeof m.symbol === 'string' ? this.registry.id(m.symbol) : 0;
    if (id === 0) return this.reject('unknown_symbol', index, `unknown symbol ${JSON.stringify(m.symbol)}`.slice(0, 80));
    const price = m.price;
    if (typeof price !== 'number' || !(price > 0) || price === Infinity) return this.reject('bad_price', index, 'price must be a finite number > 0');
    const qty = m.qty ?? 0;
    if (typeof qty !== 'number' || !(qty >= 0) || qty === Infinity) return this.reject('bad_qty', index, 'qty must be a finite number >= 0');
    const sideText = m.side;
    const side = sideText === undefined ? Side.Unknown : sideText === 'buy' ? Side.Buy : sideText === 'sell' ? Side.Sell : -1;
    if (side < 0) return this.reject('bad_side', index, 'side must be "buy" or "sell"');
    let exchangeTs = NaN;
    if (m.ts !== undefined) {
      const ts = m.ts;
      if (typeof ts !== 'number' || !Number.isFinite(ts) || ts <= 0) return this.reject('bad_time', index, 'ts must be ms since the epoch');
      exchangeTs = this.clock.fromEpochMs(ts);
      if (exchangeTs - recvTs > this.maxFutureMs * 1e6) return this.reject('bad_time', index, 'ts is too far in the future');
      if (exchangeTs < this.lastTs[id] - 1e9) return this.reject('time_backwards', index, 'ts is more than 1 s before the previous tick of this symbol');
    }
    const bid = optionalPositive(m.bid);
    const ask = optionalPositive(m.ask);
    const bidQty = optionalPositive(m.bidQty);
    const askQty = optionalPositive(m.askQty);
    if (bid === -1 || ask === -1 || bidQty === -1 || askQty === -1 || bid > ask) {
      return this.reject('bad_quote', index, 'bid/ask/bidQty/askQty must be finite and >= 0, with bid <= ask');
    }
    const t = this.tick;
    if (exchangeTs > this.lastTs[id]) this.lastTs[id] = exchangeTs;
    t.instrumentId = id;
    t.exchangeTs = exchangeTs;
    t.recvTs = recvTs;
    t.price = price;
    t.qty = qty;
    t.bid = bid;
    t.ask = ask;
    t.bidQty = bidQty;
    t.askQty = askQty;
    t.feedSeq = typeof m.seq === 'number' && Number.isFinite(m.seq) ? m.seq : 0;
    t.side = side;
    t.kind = qty > 0 ? TickKind.Trade : TickKind.Quote;
    t.providerId = this.providerId;
    t.flags = 0;
    sink(t);
    return true;
  }
}

/** NaN when absent, -1 when present but invalid, else the value. */
function optionalPositive(v: unknown): number {
  if (v === undefined || v === null) return NaN;
  if (typeof v !== 'number' || !(v >= 0) || v === Infinity) return -1;
  return v;
}
