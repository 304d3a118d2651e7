import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  createRing, RingWriter, RingReader, RingObserver,
  encodeTick, decodeTick, emptyTick, encodeSignal, decodeSignal, emptySignal,
  encodeEnvelope, envelopeKind, envelopePayload, sealEnvelope, envelopeCapacity, ENVELOPE_HEADER_BYTES,
  TICK_RECORD_BYTES, SIGNAL_RECORD_BYTES,
} from '../../native-free-ringbuffer/index.js';

function pair(capacity: number, recordSize = 16) {
  const d = createRing({ capacity, recordSize });
  return { d, w: new RingWriter(d), r: new RingReader(d), o: new RingObserver(d) };
}

/** Writes `values` one per record (f64 at byte 8), committing after each claim. */
function push(w: RingWriter, values: number[]): number {
  const n = w.claim(values.length);
  for (let i = 0; i < n; i++) w.f64[(w.slot(i) >>> 3) + 1] = values[i];
  w.commit();
  return n;
}
function drain(r: RingReader): number[] {
  const n = r.available();
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(r.f64[(r.slot(i) >>> 3) + 1]);
  r.release(n);
  return out;
}

describe('ring construction', () => {
  it('rejects capacities that are not powers of two and bad record sizes', () => {
    expect(() => createRing({ capacity: 3, recordSize: 8 })).toThrow(/power of two/);
    expect(() => createRing({ capacity: 0, recordSize: 8 })).toThrow(/power of two/);
    expect(() => createRing({ capacity: 8, recordSize: 12 })).toThrow(/multiple of 8/);
    expect(() => new RingReader({ buffer: new SharedArrayBuffer(1024), doorbell: new SharedArrayBuffer(64) })).toThrow(/not a tickring ring/);
  });
});

describe('ring wraparound and batches', () => {
  it('keeps order across many wraps of a small ring', () => {
    const { w, r } = pair(4);
    const seen: number[] = [];
    for (let i = 0; i < 1000; i += 3) {
      expect(push(w, [i, i + 1, i + 2])).toBe(3);
      seen.push(...drain(r));
    }
    expect(seen).toEqual(Array.from({ length: seen.length }, (_, k) => k));
    expect(r.gaps()).toBe(0);
  });

  it('grants a batch exactly up to the free space, across the wrap point', () => {
    const { w, r, o } = pair(8);
    expect(push(w, [1, 2, 3, 4, 5, 6])).toBe(6);
    expect(drain(r)).toEqual([1, 2, 3, 4, 5, 6]);
    // 8 free now, the batch starts at slot 6 and wraps to slot 5
    expect(push(w, [7, 8, 9, 10, 11, 12, 13, 14])).toBe(8);
    expect(o.fill()).toBe(8);
    expect(push(w, [15])).toBe(0);
    expect(drain(r)).toEqual([7, 8, 9, 10, 11, 12, 13, 14]);
  });

  it('publishes nothing until commit, and several claims share one commit', () => {
    const { w, r } = pair(8);
    w.claim(2); w.f64[(w.slot(0) >>> 3) + 1] = 1; w.f64[(w.slot(1) >>> 3) + 1] = 2;
    w.claim(1); w.f64[(w.slot(0) >>> 3) + 1] = 3;
    expect(r.available()).toBe(0);
    w.commit();
    expect(drain(r)).toEqual([1, 2, 3]);
  });

  it('a zero-length claim and an empty commit change nothing', () => {
    const { w, r, o } = pair(8);
    expect(w.claim(0)).toBe(0);
    w.commit();
    expect(r.available()).toBe(0);
    expect(o.offered()).toBe(0);
    expect(o.dropped()).toBe(0);
  });
});

describe('ring overflow accounting', () => {
  it('counts dropped records and the consumer sees the same number as gaps', () => {
    const { w, r, o } = pair(4);
    expect(push(w, [1, 2, 3, 4, 5, 6])).toBe(4); // 5 and 6 dropped
    expect(o.dropped()).toBe(2);
    expect(drain(r)).toEqual([1, 2, 3, 4]);
    expect(r.gaps()).toBe(0); // a gap is only visible once a later record arrives
    expect(push(w, [7])).toBe(1);
    expect(drain(r)).toEqual([7]);
    expect(r.gaps()).toBe(2);
    expect(o.offered()).toBe(7);
    expect(o.gaps()).toBe(2);
  });

  it('a full ring never blocks the producer', () => {
    const { w, o } = pair(2);
    for (let i = 0; i < 10_000; i++) push(w, [i]);
    expect(o.fill()).toBe(2);
    expect(o.dropped()).toBe(9_998);
  });

  it('a reader that re-attaches continues from the read cursor without false gaps', () => {
    const { d, w, r } = pair(8);
    push(w, [1, 2, 3]);
    expect(drain(r)).toEqual([1, 2, 3]);
    push(w, [4, 5]);
    const again = new RingReader(d);
    expect(drain(again)).toEqual([4, 5]);
    expect(again.gaps()).toBe(0);
  });
});

describe('ring ordering (property)', () => {
  it('any interleaving of batch writes and partial reads delivers every accepted record once, in order', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(2, 4, 8, 16, 64),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 40 })), { maxLength: 200 }),
        (capacity, steps) => {
          const { w, r, o } = pair(capacity);
          let next = 0;
          const accepted: number[] = [];
          const received: number[] = [];
          for (const [writeN, readN] of steps) {
            const values = Array.from({ length: writeN }, () => next++);
            const granted = push(w, values);
            accepted.push(...values.slice(0, granted));
            const k = Math.min(readN, r.available());
            for (let i = 0; i < k; i++) received.push(r.f64[(r.slot(i) >>> 3) + 1]);
            r.release(k);
          }
          received.push(...drain(r));
          expect(received).toEqual(accepted);
          expect(o.dropped()).toBe(next - accepted.length);
          expect(o.offered()).toBe(next);
          expect(o.fill()).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('record codecs', () => {
  it('round-trips a tick through a ring slot, leaving the ring sequence alone', () => {
    const { w, r } = pair(4, TICK_RECORD_BYTES);
    const t = emptyTick();
    Object.assign(t, {
      instrumentId: 42, exchangeTs: -1.5e12, recvTs: 123456789.25, price: 101.25, qty: 0.003, bid: 101.2,
      ask: 101.3, bidQty: 5, askQty: 7.5, feedSeq: 2 ** 40 + 3, publishTs: 123456999, side: 2, kind: 1,
      providerId: 513, flags: 0xdeadbeef,
    });
    w.claim(1);
    encodeTick(w, w.slot(0), t);
    w.commit();
    const back = decodeTick(r, r.slot(0), emptyTick());
    expect(back).toEqual({ ...t, seq: 0 });
  });

  it('round-trips signals; strength and confidence are f32', () => {
    const s = { ...emptySignal(), instrumentId: 7, tickRecvTs: 1e9, signalTs: 1.00001e9, price: 99.5, strength: 0.75,
      confidence: 0.5, stop: 98, target: 103, side: 2, strategyId: 3, flags: 9, reasons: 0b1011 };
    const sr = pair(2, SIGNAL_RECORD_BYTES);
    sr.w.claim(1); encodeSignal(sr.w, sr.w.slot(0), s); sr.w.commit();
    expect(decodeSignal(sr.r, sr.r.slot(0), emptySignal())).toEqual({ ...s, seq: 0 });
    const lossy = { ...s, strength: 0.1 };
    sr.w.claim(1); encodeSignal(sr.w, sr.w.slot(0), lossy); sr.w.commit();
    sr.r.release(1);
    expect(decodeSignal(sr.r, sr.r.slot(0), emptySignal()).strength).toBe(Math.fround(0.1));
  });

  it('carries envelopes of any length up to the slot, and a signal unchanged inside one', () => {
    const er = pair(4, 128);
    expect(envelopeCapacity(128)).toBe(112);
    const payloads = [new Uint8Array(0), Uint8Array.from({ length: 112 }, (_, i) => i), Uint8Array.of(1, 2, 3)];
    er.w.claim(3);
    payloads.forEach((p, i) => encodeEnvelope(er.w, er.w.slot(i), 10 + i, p));
    er.w.commit();
    payloads.forEach((p, i) => {
      expect(envelopeKind(er.r, er.r.slot(i))).toBe(10 + i);
      expect([...envelopePayload(er.r, er.r.slot(i))]).toEqual([...p]);
    });
    er.r.release(3);
    // a signal encoded in place rides in the payload and decodes in place
    const s = { ...emptySignal(), instrumentId: 3, signalTs: 5, price: 101, side: 1, reasons: 6 };
    er.w.claim(1);
    const off = er.w.slot(0);
    encodeSignal(er.w, off + ENVELOPE_HEADER_BYTES, s);
    sealEnvelope(er.w, off, 7, SIGNAL_RECORD_BYTES);
    er.w.commit();
    const roff = er.r.slot(0);
    expect(envelopeKind(er.r, roff)).toBe(7);
    expect(envelopePayload(er.r, roff).length).toBe(SIGNAL_RECORD_BYTES);
    expect(decodeSignal(er.r, roff + ENVELOPE_HEADER_BYTES, emptySignal())).toMatchObject({ instrumentId: 3, price: 101, side: 1, reasons: 6 });
  });
});
