import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { pack } from 'msgpackr';
import { Side, TickKind, type Tick } from '../../native-free-ringbuffer/index.js';
import { Clock, createClockAnchor } from '../../engine/clock.js';
import { InstrumentRegistry } from '../../engine/instruments/registry.js';
import { PublisherDecoder, REJECT_REASONS, type RejectReason } from '../../engine/feeds/publisher-protocol.js';

function setup() {
  const clock = new Clock(createClockAnchor());
  const decoder = new PublisherDecoder(new InstrumentRegistry(['BTCUSDT', 'ETHUSDT']), clock, 5000, 2);
  const got: Tick[] = [];
  const sink = (t: Tick) => got.push({ ...t });
  const json = (m: unknown) => decoder.decode(new TextEncoder().encode(JSON.stringify(m)), false, sink);
  const mp = (m: unknown) => decoder.decode(pack(m), true, sink);
  const count = (r: RejectReason) => decoder.rejected[REJECT_REASONS.indexOf(r)];
  return { clock, decoder, got, json, mp, count, sink };
}

describe('publisher protocol', () => {
  it('decodes a JSON tick with every field', () => {
    const { json, got, clock } = setup();
    const ts = Date.now() - 10;
    expect(json({ symbol: 'BTCUSDT', price: 60000.5, qty: 0.25, ts, side: 'sell', bid: 60000, ask: 60001, bidQty: 1, askQty: 2, seq: 77 })).toBe(1);
    expect(got[0]).toMatchObject({ instrumentId: 1, price: 60000.5, qty: 0.25, side: Side.Sell, bid: 60000, ask: 60001, bidQty: 1, askQty: 2,
      feedSeq: 77, kind: TickKind.Trade, providerId: 2 });
    expect(Math.abs(got[0].exchangeTs - clock.fromEpochMs(ts))).toBeLessThan(1);
    expect(got[0].recvTs).toBeGreaterThan(got[0].exchangeTs);
  });

  it('decodes msgpack batches; a quote-only tick has qty 0 and unknown fields are NaN', () => {
    const { mp, got } = setup();
    expect(mp([{ symbol: 'ETHUSDT', price: 3000 }, { symbol: 'BTCUSDT', price: 1, qty: 2, side: 'buy' }])).toBe(2);
    expect(got[0]).toMatchObject({ instrumentId: 2, qty: 0, kind: TickKind.Quote, side: Side.Unknown });
    expect(got[0].bid).toBeNaN();
    expect(got[0].exchangeTs).toBeNaN();
    expect(got[1]).toMatchObject({ instrumentId: 1, side: Side.Buy });
  });

  it('rejects each kind of bad tick by reason, keeping the good ones of the same batch', () => {
    const { json, mp, got, count, decoder } = setup();
    const batch = [
      { symbol: 'BTCUSDT', price: 1 },
      { symbol: 'DOGE', price: 1 },
      { symbol: 'BTCUSDT', price: -1 },
      { symbol: 'BTCUSDT', price: 1, qty: Number.NaN },
      { symbol: 'BTCUSDT', price: 1, side: 'up' },
      { symbol: 'BTCUSDT', price: 1, ts: Date.now() + 3_600_000 },
      { symbol: 'BTCUSDT', price: 1, bid: 2, ask: 1 },
      42,
    ];
    expect(mp(batch)).toBe(1);
    expect(decoder.lastError).toBe('unknown_symbol');
    expect(decoder.lastErrorIndex).toBe(1);
    for (const r of ['unknown_symbol', 'bad_price', 'bad_qty', 'bad_side', 'bad_time', 'bad_quote', 'not_a_tick'] as const) expect(count(r)).toBe(1);
    expect(json({ symbol: 'BTCUSDT', price: 'high' })).toBe(0);
    expect(count('bad_price')).toBe(2);
    expect(got).toHaveLength(1);
  });

  it('timestamps going backwards by more than a second are rejected; a late print within a second passes', () => {
    const { json, count, got } = setup();
    const now = Date.now();
    expect(json({ symbol: 'BTCUSDT', price: 1, ts: now })).toBe(1);
    expect(json({ symbol: 'BTCUSDT', price: 1, ts: now - 500 })).toBe(1);
    expect(json({ symbol: 'BTCUSDT', price: 1, ts: now - 5000 })).toBe(0);
    expect(json({ symbol: 'ETHUSDT', price: 1, ts: now - 5000 })).toBe(1); // per instrument
    expect(count('time_backwards')).toBe(1);
    expect(got).toHaveLength(3);
  });

  it('malformed frames are counted, not thrown', () => {
    const { decoder, count, sink } = setup();
    expect(decoder.decode(new TextEncoder().encode('{"symbol":'), false, sink)).toBe(0);
    expect(decoder.decode(new Uint8Array([0xc1]), true, sink)).toBe(0);
    expect(decoder.decode(new Uint8Array([0xff, 0xfe, 0x00]), false, sink)).toBe(0);
    expect(count('malformed_json')).toBe(2);
    expect(count('malformed_msgpack')).toBe(1);
  });

  it('fuzz: random and mutated frames never throw, and nothing invalid reaches the sink', () => {
    const { decoder, got, sink } = setup();
    const valid = pack([{ symbol: 'BTCUSDT', price: 10, qty: 1, side: 'buy', bid: 9, ask: 11 }]);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }),
          fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })).map(([i, b]) => {
            const m = Uint8Array.from(valid);
            m[i] = b;
            return m;
          }),
          fc.anything().map((v) => { try { return pack(v); } catch { return new Uint8Array([0xc1]); } }),
        ),
        fc.boolean(),
        (frame, isBinary) => {
          expect(() => decoder.decode(frame, isBinary, sink)).not.toThrow();
        },
      ),
      { numRuns: 3000 },
    );
    for (const t of got) {
      expect(t.instrumentId === 1 || t.instrumentId === 2).toBe(true);
      expect(t.price > 0 && Number.isFinite(t.price)).toBe(true);
      expect(t.qty >= 0 && Number.isFinite(t.qty)).toBe(true);
      expect(!(t.bid > t.ask)).toBe(true);
    }
  });
});
