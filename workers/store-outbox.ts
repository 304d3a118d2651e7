import { pack, unpack } from 'msgpackr';
import {
  decodeSignal, encodeEnvelope, encodeSignal, envelopeCapacity, envelopeKind, envelopePayload, ENVELOPE_HEADER_BYTES, sealEnvelope,
  SIGNAL_RECORD_BYTES, type RecordViews, type RingReader, type RingWriter, type Signal,
} from '../native-free-ringbuffer/index.js';
import type { InstrumentInfo } from '../engine/instruments/registry.js';
import { OrderState, type Fill, type Order } from '../engine/orders/order.js';
import type { FillRow, OrderRow, PendingRow, PositionRow, Unkeyed } from '../engine/persistence/store-rows.js';

/** Envelope kinds on the store ring. */
export enum StoreKind {
  /** A row (msgpack): rare ones (risk events, daily P&L, decisions). */
  Row = 1,
  /** A signal record as the strategy wrote it. */
  Signal = 2,
  /** Orders, fills and positions in fixed layouts, written in place: nothing allocated on the order path. */
  Order = 3,
  Fill = 4,
  Position = 5,
}

/*
 * Fixed layouts, byte offsets into the payload (8-aligned; strings are
 * latin-1 bytes with their length):
 *   Order:    f64 @0 qty, @8 limit price (NaN: none), @16 filled, @24 avg price (NaN), @32 fees, @40 created, @48 updated;
 *             u32 @56 instrument; u8 @60 side (0 buy, 1 sell), @61 type (0 market, 1 limit), @62 state, @63 id length;
 *             @64 client order id (36); u8 @100 venue id length, @101 venue id (64); u16 @166 reason length, @168 reason
 *   Fill:     f64 @0 qty, @8 price, @16 fee, @24 at; u32 @32 instrument; u8 @36 side, @37 id length, @38 trade id length;
 *             @40 client order id (36), @76 trade id (64)
 *   Position: f64 @0 qty, @8 avg price (NaN), @16 realised, @24 at; u32 @32 instrument
 */
const STATES = [OrderState.New, OrderState.Sent, OrderState.Acknowledged, OrderState.PartiallyFilled, OrderState.Filled, OrderState.Cancelled, OrderState.Rejected];
const STATE_INDEX: Record<string, number> = Object.fromEntries(STATES.map((s, i) => [s, i]));
const ORDER_BYTES = 168;

function putText(u8: Uint8Array, at: number, s: string, max: number): number {
  const n = Math.min(s.length, max);
  for (let k = 0; k < n; k++) u8[at + k] = s.charCodeAt(k) & 0xff;
  return n;
}
function getText(u8: Uint8Array, at: number, n: number): string {
  let s = '';
  for (let k = 0; k < n; k++) s += String.fromCharCode(u8[at + k]);
  return s;
}

/**
 * The risk thread's end of the store ring. Rows (orders, fills, risk events,
 * positions, P&L) are never dropped: when the ring is full they wait here, in
 * order, and go out first on the next `pump()`. Orders, fills and positions
 * are written in place in fixed layouts (no allocation, no encoding on the
 * order path) whenever nothing is waiting; signals are recorded when there is
 * room and counted when there is not (they are evidence, not money).
 */
export class StoreOutbox {
  private readonly backlog: Uint8Array[] = [];
  private readonly backlogKinds: number[] = [];
  private readonly capacity: number;
  signalsDropped = 0;
  /** Rows whose text had to be shortened to fit a record. */
  shortened = 0;

  /** `keepSignals`: signals wait for room like every other row (a deterministic replay's record must not depend on timing). */
  constructor(private readonly ring: RingWriter, private readonly keepSignals = false) {
    this.capacity = envelopeCapacity(ring.recordSize);
  }

  get waiting(): number {
    return this.backlog.length;
  }

  row(r: PendingRow): void {
    let bytes = pack(r);
    if (bytes.length > this.capacity) {
      bytes = pack(shorten(r, this.capacity));
      this.shortened++;
    }
    this.put(StoreKind.Row, bytes);
  }

  order(o: Readonly<Order>, venueOrderId: string | null): void {
    const off = this.slot();
    const v = this.slotViews!;
    const p = off + ENVELOPE_HEADER_BYTES;
    const f = p >>> 3;
    v.f64[f] = o.qty;
    v.f64[f + 1] = o.limitPrice ?? NaN;
    v.f64[f + 2] = o.filledQty;
    v.f64[f + 3] = o.avgPrice;
    v.f64[f + 4] = o.fees;
    v.f64[f + 5] = o.createdAt;
    v.f64[f + 6] = o.updatedAt;
    v.u32[(p + 56) >>> 2] = o.instrumentId;
    v.u8[p + 60] = o.side === 'sell' ? 1 : 0;
    v.u8[p + 61] = o.type === 'limit' ? 1 : 0;
    v.u8[p + 62] = STATE_INDEX[o.state];
    v.u8[p + 63] = putText(v.u8, p + 64, o.clientOrderId, 36);
    v.u8[p + 100] = venueOrderId === null ? 255 : putText(v.u8, p + 101, venueOrderId, 64);
    const reason = o.rejectReason;
    const room = this.capacity - ORDER_BYTES;
    const n = reason === null ? 0xffff : putText(v.u8, p + ORDER_BYTES, reason, room);
    v.u16[(p + 166) >>> 1] = n;
    this.seal(off, StoreKind.Order, ORDER_BYTES + (n === 0xffff ? 0 : n));
  }

  fill(o: Readonly<Order>, fill: Readonly<Fill>): void {
    const off = this.slot();
    const v = this.slotViews!;
    const p = off + ENVELOPE_HEADER_BYTES;
    const f = p >>> 3;
    v.f64[f] = fill.qty;
    v.f64[f + 1] = fill.price;
    v.f64[f + 2] = fill.fee;
    v.f64[f + 3] = fill.at;
    v.u32[(p + 32) >>> 2] = o.instrumentId;
    v.u8[p + 36] = o.side === 'sell' ? 1 : 0;
    v.u8[p + 37] = putText(v.u8, p + 40, o.clientOrderId, 36);
    v.u8[p + 38] = putText(v.u8, p + 76, fill.tradeId, 64);
    this.seal(off, StoreKind.Fill, 140);
  }

  position(instrumentId: number, qty: number, avgPrice: number, realised: number, at: number): void {
    const off = this.slot();
    const v = this.slotViews!;
    const p = off + ENVELOPE_HEADER_BYTES;
    const f = p >>> 3;
    v.f64[f] = qty;
    v.f64[f + 1] = avgPrice;
    v.f64[f + 2] = realised;
    v.f64[f + 3] = at;
    v.u32[(p + 32) >>> 2] = instrumentId;
    this.seal(off, StoreKind.Position, 36);
  }

  signal(s: Readonly<Signal>): void {
    if (this.keepSignals) {
      const off = this.slot();
      encodeSignal(this.slotViews!, off + ENVELOPE_HEADER_BYTES, s);
      this.seal(off, StoreKind.Signal, SIGNAL_RECORD_BYTES);
      return;
    }
    if (this.backlog.length > 0 || this.ring.free() === 0) {
      this.signalsDropped++;
      return;
    }
    this.ring.claim(1);
    const off = this.ring.slot(0);
    encodeSignal(this.ring, off + ENVELOPE_HEADER_BYTES, s);
    sealEnvelope(this.ring, off, StoreKind.Signal, SIGNAL_RECORD_BYTES);
  }

  /** Moves waiting rows onto the ring as room allows, and publishes what was written. */
  pump(): void {
    let k = 0;
    if (this.backlog.length > 0) {
      let free = this.ring.free();
      while (k < this.backlog.length && free-- > 0) {
        this.ring.claim(1);
        encodeEnvelope(this.ring, this.ring.slot(0), this.backlogKinds[k], this.backlog[k]);
        k++;
      }
      this.backlog.splice(0, k);
      this.backlogKinds.splice(0, k);
    }
    this.ring.commit();
  }

  /**
   * Where the next fixed-layout record is written: straight into a ring slot
   * when nothing waits and there is room, else into a scratch slot whose bytes
   * then wait in the backlog.
   */
  private pendingScratch = false;
  private readonly scratch = new Uint8Array(new ArrayBuffer(1 << 12));
  private readonly scratchViews: RecordViews = {
    f64: new Float64Array(this.scratch.buffer), f32: new Float32Array(this.scratch.buffer), u32: new Uint32Array(this.scratch.buffer),
    u16: new Uint16Array(this.scratch.buffer), u8: this.scratch,
  };
  private slotViews: RecordViews | null = null;

  private slot(): number {
    if (this.backlog.length === 0 && this.ring.free() > 0) {
      this.ring.claim(1);
      this.pendingScratch = false;
      this.slotViews = this.ring;
      return this.ring.slot(0);
    }
    this.pendingScratch = true;
    this.slotViews = this.scratchViews;
    return 0;
  }

  private seal(off: number, kind: StoreKind, length: number): void {
    if (!this.pendingScratch) {
      sealEnvelope(this.ring, off, kind, length);
      return;
    }
    this.backlog.push(this.scratch.slice(ENVELOPE_HEADER_BYTES, ENVELOPE_HEADER_BYTES + length));
    this.backlogKinds.push(kind);
  }

  private put(kind: StoreKind, bytes: Uint8Array): void {
    if (this.backlog.length === 0 && this.ring.free() > 0) {
      this.ring.claim(1);
      encodeEnvelope(this.ring, this.ring.slot(0), kind, bytes);
    } else {
      this.backlog.push(bytes);
      this.backlogKinds.push(kind);
    }
  }
}

/** Cuts the free-text fields of a row that does not fit (a long reject reason or risk detail); the figures stay. */
function shorten(r: PendingRow, capacity: number): PendingRow {
  const c = { ...r } as Record<string, unknown>;
  if (typeof c.rejectReason === 'string') c.rejectReason = c.rejectReason.slice(0, 200);
  if (c.detail !== undefined) c.detail = { shortened: JSON.stringify(c.detail).slice(0, 200) };
  if (pack(c).length > capacity) throw new Error(`a ${r.t} row does not fit a store record of ${capacity} bytes even shortened`);
  return c as PendingRow;
}

const nan = (x: number) => (Number.isNaN(x) ? null : x);

/** The store thread's reading of one envelope: a row, or the signal decoded into `signal`. */
export function readEnvelope(ring: RingReader, off: number, signal: Signal, instruments: readonly InstrumentInfo[], broker: string): PendingRow | 'signal' {
  const kind = envelopeKind(ring, off);
  const p = off + ENVELOPE_HEADER_BYTES;
  const f = p >>> 3;
  const where = (id: number) => ({ exchange: instruments[id - 1]?.exchange ?? '?', symbol: instruments[id - 1]?.symbol ?? `#${id}` });
  switch (kind) {
    case StoreKind.Signal:
      decodeSignal(ring, p, signal);
      return 'signal';
    case StoreKind.Row:
      // copied out: text decoders refuse views of shared memory
      return unpack(Buffer.from(envelopePayload(ring, off))) as PendingRow;
    case StoreKind.Order: {
      const id = ring.u32[(p + 56) >>> 2];
      const venueLength = ring.u8[p + 100];
      const reasonLength = ring.u16[(p + 166) >>> 1];
      const row: Unkeyed<OrderRow> = {
        t: 'order', broker, clientOrderId: getText(ring.u8, p + 64, ring.u8[p + 63]), brokerOrderId: venueLength === 255 ? null : getText(ring.u8, p + 101, venueLength),
        ...where(id), side: ring.u8[p + 60] === 1 ? 'sell' : 'buy', type: ring.u8[p + 61] === 1 ? 'limit' : 'market', qty: ring.f64[f], limitPrice: nan(ring.f64[f + 1]),
        state: STATES[ring.u8[p + 62]], filledQty: ring.f64[f + 2], avgPrice: nan(ring.f64[f + 3]), fees: ring.f64[f + 4],
        rejectReason: reasonLength === 0xffff ? null : getText(ring.u8, p + ORDER_BYTES, reasonLength), createdAt: ring.f64[f + 5], updatedAt: ring.f64[f + 6],
      };
      return row;
    }
    case StoreKind.Fill: {
      const id = ring.u32[(p + 32) >>> 2];
      const row: Unkeyed<FillRow> = {
        t: 'fill', tradeId: getText(ring.u8, p + 76, ring.u8[p + 38]), clientOrderId: getText(ring.u8, p + 40, ring.u8[p + 37]), at: ring.f64[f + 3], ...where(id),
        side: ring.u8[p + 36] === 1 ? 'sell' : 'buy', qty: ring.f64[f], price: ring.f64[f + 1], fee: ring.f64[f + 2],
      };
      return row;
    }
    case StoreKind.Position: {
      const id = ring.u32[(p + 32) >>> 2];
      const avg = ring.f64[f + 1];
      const row: Unkeyed<PositionRow> = {
        t: 'position', broker, ...where(id), qty: ring.f64[f], avgPrice: Number.isNaN(avg) || avg === 0 ? null : avg, realisedPnl: ring.f64[f + 2], at: ring.f64[f + 3],
      };
      return row;
    }
    default:
      throw new Error(`store ring: unknown record kind ${kind}`);
  }
}
