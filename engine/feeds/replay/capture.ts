import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { Packr, unpackMultiple } from 'msgpackr';
import type { Tick } from '../../../native-free-ringbuffer/index.js';
import type { Clock } from '../../clock.js';

/**
 * Capture files: exactly the ticks the ingest thread normalised, compactly.
 * A capture is a sequence of msgpack values:
 *
 *   1. header  { format: 'tickring-capture', version: 1, instruments: [symbol, ...] }
 *              (instrument id i is instruments[i - 1])
 *   2. batches { t: binary } holding little-endian f64s, CAPTURE_FIELDS.length
 *              per tick in the order of CAPTURE_FIELDS; times are ms since the
 *              epoch (so a capture replays the same on any later day and machine).
 *
 * The writer fills a preallocated batch (no allocation per tick) and writes
 * it when full or on flush.
 */
export const CAPTURE_FORMAT = 'tickring-capture';
export const CAPTURE_VERSION = 1;
export const CAPTURE_FIELDS = ['instrumentId', 'exchangeMs', 'recvMs', 'price', 'qty', 'bid', 'ask', 'bidQty', 'askQty', 'feedSeq', 'side', 'kind', 'providerId', 'flags'] as const;
const FIELDS = CAPTURE_FIELDS.length;

const packr = new Packr({ useRecords: false });

export class CaptureWriter {
  private readonly fd: number;
  private readonly batch: Float64Array;
  private n = 0;
  written = 0;

  constructor(readonly path: string, instruments: readonly string[], private readonly clock: Clock, readonly batchTicks = 4096) {
    this.fd = openSync(path, 'w');
    this.batch = new Float64Array(batchTicks * FIELDS);
    writeSync(this.fd, packr.pack({ format: CAPTURE_FORMAT, version: CAPTURE_VERSION, instruments }));
  }

  /** Adds one tick (allocation-free); writes a full batch. */
  add(t: Tick): void {
    const o = this.n * FIELDS;
    const b = this.batch;
    b[o] = t.instrumentId;
    b[o + 1] = t.exchangeTs === t.exchangeTs ? this.clock.toEpochMs(t.exchangeTs) : NaN;
    b[o + 2] = this.clock.toEpochMs(t.recvTs);
    b[o + 3] = t.price;
    b[o + 4] = t.qty;
    b[o + 5] = t.bid;
    b[o + 6] = t.ask;
    b[o + 7] = t.bidQty;
    b[o + 8] = t.askQty;
    b[o + 9] = t.feedSeq;
    b[o + 10] = t.side;
    b[o + 11] = t.kind;
    b[o + 12] = t.providerId;
    b[o + 13] = t.flags;
    if (++this.n === this.batchTicks) this.flush();
  }

  flush(): void {
    if (this.n === 0) return;
    // the batch's own bytes as msgpack binary (msgpackr does not round-trip typed-array views)
    writeSync(this.fd, packr.pack({ t: Buffer.from(this.batch.buffer, 0, this.n * FIELDS * 8) }));
    this.written += this.n;
    this.n = 0;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

export interface CapturedTick {
  instrument: string;
  exchangeMs: number;
  recvMs: number;
  price: number;
  qty: number;
  bid: number;
  ask: number;
  bidQty: number;
  askQty: number;
  feedSeq: number;
  side: number;
  kind: number;
  providerId: number;
  flags: number;
}

/** Reads a whole capture (replay streams it in order). Throws with a clear message on a file that is not one. */
export function readCapture(path: string): CapturedTick[] {
  let values: unknown[];
  try {
    values = unpackMultiple(readFileSync(path)) as unknown[];
  } catch (e) {
    throw new Error(`${path} is not a tickring capture: ${(e as Error).message}`);
  }
  const header = values[0] as { format?: string; version?: number; instruments?: string[] } | undefined;
  if (header?.format !== CAPTURE_FORMAT) throw new Error(`${path} is not a tickring capture`);
  if (header.version !== CAPTURE_VERSION) throw new Error(`${path}: capture version ${header.version} is not supported (this build reads ${CAPTURE_VERSION})`);
  const instruments = header.instruments ?? [];
  const out: CapturedTick[] = [];
  for (const v of values.slice(1)) {
    const raw = (v as { t: Uint8Array }).t;
    const b = new Float64Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength)); // copied: aligned
    for (let o = 0; o + FIELDS <= b.length; o += FIELDS) {
      out.push({
        instrument: instruments[b[o] - 1], exchangeMs: b[o + 1], recvMs: b[o + 2], price: b[o + 3], qty: b[o + 4], bid: b[o + 5], ask: b[o + 6],
        bidQty: b[o + 7], askQty: b[o + 8], feedSeq: b[o + 9], side: b[o + 10], kind: b[o + 11], providerId: b[o + 12], flags: b[o + 13],
      });
    }
  }
  return out;
}
