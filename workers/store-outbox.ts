import { pack, unpack } from 'msgpackr';
import {
  decodeSignal, encodeEnvelope, encodeSignal, envelopeCapacity, envelopeKind, envelopePayload, ENVELOPE_HEADER_BYTES, sealEnvelope,
  SIGNAL_RECORD_BYTES, type RingReader, type RingWriter, type Signal,
} from '../native-free-ringbuffer/index.js';
import type { PendingRow } from '../engine/persistence/store-rows.js';

/** Envelope kinds on the store ring. */
export enum StoreKind {
  /** A row (msgpack). */
  Row = 1,
  /** A signal record as the strategy wrote it (the store thread makes the row: nothing allocated on the risk thread). */
  Signal = 2,
}

/**
 * The risk thread's end of the store ring. Rows (orders, fills, risk events,
 * positions, P&L) are never dropped: when the ring is full they wait here, in
 * order, and go out first on the next `pump()`. Signals are recorded when
 * there is room and counted when there is not (they are evidence, not money).
 */
export class StoreOutbox {
  private readonly backlog: Uint8Array[] = [];
  private readonly capacity: number;
  signalsDropped = 0;
  /** Rows whose text had to be shortened to fit a record. */
  shortened = 0;

  constructor(private readonly ring: RingWriter) {
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
    if (this.backlog.length === 0 && this.ring.free() > 0) this.put(bytes);
    else this.backlog.push(bytes);
  }

  signal(s: Readonly<Signal>): void {
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
      while (k < this.backlog.length && free-- > 0) this.put(this.backlog[k++]);
      this.backlog.splice(0, k);
    }
    this.ring.commit();
  }

  private put(bytes: Uint8Array): void {
    this.ring.claim(1);
    encodeEnvelope(this.ring, this.ring.slot(0), StoreKind.Row, bytes);
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

/** The store thread's reading of one envelope: a row, or the signal decoded into `signal`. */
export function readEnvelope(ring: RingReader, off: number, signal: Signal): PendingRow | 'signal' {
  const kind = envelopeKind(ring, off);
  if (kind === StoreKind.Signal) {
    decodeSignal(ring, off + ENVELOPE_HEADER_BYTES, signal);
    return 'signal';
  }
  if (kind !== StoreKind.Row) throw new Error(`store ring: unknown record kind ${kind}`);
  // copied out: text decoders refuse views of shared memory
  return unpack(Buffer.from(envelopePayload(ring, off))) as PendingRow;
}
