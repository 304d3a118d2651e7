import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { KiteTicker } from 'kiteconnect';
import { decodeKiteFrame, emptyKitePacket, KiteMode, type KitePacket } from '../../engine/feeds/kite/kite-ticker-protocol.js';
import { sharedData } from '../helpers/shared-data.js';

const packet = (name: string) => Uint8Array.from(Buffer.from(readFileSync(sharedData(`kite-mocks/${name}`), 'utf8').trim(), 'base64'));
const json = (name: string) => JSON.parse(readFileSync(sharedData(`kite-mocks/${name}`), 'utf8'));

/** A WebSocket message as Kite sends it: u16 count, then u16 length + packet for each. */
function frame(...packets: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(2 + packets.reduce((a, p) => a + 2 + p.length, 0));
  const v = new DataView(out.buffer);
  v.setUint16(0, packets.length);
  let o = 2;
  for (const p of packets) {
    v.setUint16(o, p.length);
    out.set(p, o + 2);
    o += 2 + p.length;
  }
  return out;
}

function decodeAll(bytes: Uint8Array): KitePacket[] {
  const out: KitePacket[] = [];
  const r = decodeKiteFrame(bytes, emptyKitePacket(), (p) => out.push({ ...p, bidPrice: p.bidPrice.slice(), bidQuantity: p.bidQuantity.slice(), bidOrders: p.bidOrders.slice(), askPrice: p.askPrice.slice(), askQuantity: p.askQuantity.slice(), askOrders: p.askOrders.slice() }));
  expect(typeof r).toBe('number');
  return out;
}

// The real SDK, an independent decoder of the same bytes.
// (parseBinary is public at run time but missing from the SDK's typings)
const sdk = new KiteTicker({ api_key: 'k', access_token: 't' }) as unknown as { parseBinary(b: ArrayBuffer): any[] };
const sdkParse = (bytes: Uint8Array) => sdk.parseBinary(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);

describe('Kite Ticker binary protocol', () => {
  it('the quote packet decodes to exactly ticker_quote.json', () => {
    const [q] = decodeAll(frame(packet('ticker_quote.packet')));
    const j = json('ticker_quote.json');
    expect(q.mode).toBe(KiteMode.Quote);
    expect({
      tradable: q.tradable, instrument_token: q.token, last_price: q.lastPrice, last_quantity: q.lastQuantity, average_price: q.averagePrice,
      volume: q.volume, buy_quantity: q.buyQuantity, sell_quantity: q.sellQuantity, ohlc: { open: q.open, high: q.high, low: q.low, close: q.close },
    }).toEqual({
      tradable: j.tradable, instrument_token: j.instrument_token, last_price: j.last_price, last_quantity: j.last_quantity, average_price: j.average_price,
      volume: j.volume, buy_quantity: j.buy_quantity, sell_quantity: j.sell_quantity, ohlc: j.ohlc,
    });
    // change is Kite's percent change from the close (the JSON's 5.9 is the full packet's LTP minus close)
    expect(q.change).toBe(((j.last_price - j.ohlc.close) * 100) / j.ohlc.close);
  });

  it('the full packet decodes to exactly ticker_full.json, depth and times included', () => {
    const [f] = decodeAll(frame(packet('ticker_full.packet')));
    const j = json('ticker_full.json');
    expect(f.mode).toBe(KiteMode.Full);
    expect([f.token, f.lastPrice, f.lastQuantity, f.averagePrice, f.volume, f.buyQuantity, f.sellQuantity]).toEqual([
      j.instrument_token, j.last_price, j.last_quantity, j.average_price, j.volume, j.buy_quantity, j.sell_quantity,
    ]);
    expect({ open: f.open, high: f.high, low: f.low, close: f.close }).toEqual(j.ohlc);
    expect([f.oi, f.oiDayHigh, f.oiDayLow]).toEqual([j.oi, j.oi_day_high, j.oi_day_low]);
    expect(f.exchangeTime).toBe(Date.parse(j.timestamp));
    expect(f.lastTradeTime).toBe(Date.parse(j.last_trade_time));
    const side = (price: Float64Array, qty: Float64Array, orders: Float64Array) => Array.from(price, (p, i) => ({ price: p, quantity: qty[i], orders: orders[i] }));
    expect(side(f.bidPrice, f.bidQuantity, f.bidOrders)).toEqual(j.depth.buy);
    expect(side(f.askPrice, f.askQuantity, f.askOrders)).toEqual(j.depth.sell);
    expect(f.change).toBe(((j.last_price - j.ohlc.close) * 100) / j.ohlc.close);
  });

  it('an LTP packet decodes to ticker_ltp.json', () => {
    const [l] = decodeAll(frame(packet('ticker_quote.packet').slice(0, 8)));
    const j = json('ticker_ltp.json');
    expect({ mode: l.mode, tradable: l.tradable, instrument_token: l.token, last_price: l.lastPrice }).toEqual({ ...j, mode: KiteMode.Ltp });
  });

  it('agrees with the kiteconnect SDK on every field of a mixed frame, index and currency packets included', () => {
    const quote = packet('ticker_quote.packet');
    const full = packet('ticker_full.packet');
    const index = new Uint8Array(32);
    const iv = new DataView(index.buffer);
    [265 /* segment 9: NIFTY 50 */, 2_274_550, 2_281_000, 2_260_010, 2_270_000, 2_268_500, 6050, 1_625_462_287].forEach((v, i) => iv.setInt32(i * 4, v));
    const currency = Uint8Array.from(quote);
    new DataView(currency.buffer).setUint32(0, (1234 << 8) | 3); // an NSE CDS token: prices in 1e-7
    const bytes = frame(quote, full, quote.slice(0, 8), index, index.slice(0, 28), currency);
    const ours = decodeAll(bytes);
    const theirs = sdkParse(bytes);
    expect(ours).toHaveLength(6);
    ours.forEach((o, n) => {
      const t = theirs[n];
      expect(o.token).toBe(t.instrument_token);
      expect(o.tradable).toBe(t.tradable);
      expect(o.lastPrice).toBe(t.last_price);
      if (t.ohlc) expect({ open: o.open, high: o.high, low: o.low, close: o.close }).toEqual(t.ohlc);
      if (t.change !== undefined) expect(o.change).toBe(t.change);
      if (t.volume_traded !== undefined) {
        expect([o.lastQuantity, o.averagePrice, o.volume, o.buyQuantity, o.sellQuantity]).toEqual([
          t.last_traded_quantity, t.average_traded_price, t.volume_traded, t.total_buy_quantity, t.total_sell_quantity,
        ]);
      }
      if (t.exchange_timestamp) expect(o.exchangeTime).toBe(t.exchange_timestamp.getTime());
      if (t.last_trade_time) expect(o.lastTradeTime).toBe(t.last_trade_time.getTime());
      if (t.depth) {
        expect(t.depth.buy.map((d: any) => [d.price, d.quantity, d.orders])).toEqual(Array.from(o.bidPrice, (p, i) => [p, o.bidQuantity[i], o.bidOrders[i]]));
        expect(t.depth.sell.map((d: any) => [d.price, d.quantity, d.orders])).toEqual(Array.from(o.askPrice, (p, i) => [p, o.askQuantity[i], o.askOrders[i]]));
      }
    });
    expect(ours[3]).toMatchObject({ tradable: false, mode: KiteMode.Full, lastPrice: 22745.5 });
    expect(ours[5].lastPrice).toBe(new DataView(quote.buffer).getInt32(4) / 1e7);
  });

  it('a heartbeat is no packet; short frames and impossible lengths are errors, never exceptions', () => {
    const p = emptyKitePacket();
    const none = () => expect.unreachable();
    expect(decodeKiteFrame(new Uint8Array([0]), p, none)).toBe(0);
    expect(decodeKiteFrame(new Uint8Array([0, 2, 0, 8, 1, 2]), p, none)).toBe('short_frame');
    expect(decodeKiteFrame(frame(new Uint8Array(10)), p, none)).toBe('bad_packet_length');
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        expect(() => decodeKiteFrame(bytes, p, () => {})).not.toThrow();
      }),
      { numRuns: 3000 },
    );
  });
});
