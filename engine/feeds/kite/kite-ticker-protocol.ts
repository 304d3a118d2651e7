/**
 * Zerodha Kite Ticker binary protocol, decoded in place (no allocation per
 * packet). A binary WebSocket message is: u16 packet count, then per packet a
 * u16 length and the packet, all big-endian. Packet layouts by length:
 *
 *    8  LTP:    token, last price
 *   28  index quote: token, ltp, high, low, open, close, net change
 *   32  index full:  the same + exchange timestamp (s)
 *   44  quote:  token, ltp, last traded qty, avg traded price, volume,
 *               total buy qty, total sell qty, open, high, low, close
 *  184  full:   quote + last trade time (s), OI, OI day high, OI day low,
 *               exchange timestamp (s), then 10 depth entries of 12 bytes
 *               (qty i32, price i32, orders i16, 2 padding): 5 bids, 5 asks
 *
 * Prices are integers in paise: divide by 100, or 10^7 for currency
 * derivatives (NSE CDS, segment 3) and 10^4 for BSE currency (segment 6);
 * the segment is the token's low byte. `change` is the percent change from
 * the previous close, as Kite defines it. A 1-byte message is a heartbeat.
 */
export enum KiteMode {
  Ltp = 1,
  Quote = 2,
  Full = 3,
}
export const KITE_SEGMENT_INDICES = 9;

export interface KitePacket {
  token: number;
  mode: KiteMode;
  tradable: boolean;
  lastPrice: number;
  lastQuantity: number;
  averagePrice: number;
  volume: number;
  buyQuantity: number;
  sellQuantity: number;
  open: number;
  high: number;
  low: number;
  close: number;
  /** Percent change from the previous close (0 when close is 0). */
  change: number;
  /** ms since the epoch; NaN when absent. */
  lastTradeTime: number;
  exchangeTime: number;
  oi: number;
  oiDayHigh: number;
  oiDayLow: number;
  /** Depth, best first; zero-filled when the mode has none. */
  bidPrice: Float64Array;
  bidQuantity: Float64Array;
  bidOrders: Float64Array;
  askPrice: Float64Array;
  askQuantity: Float64Array;
  askOrders: Float64Array;
}

export function emptyKitePacket(): KitePacket {
  return {
    token: 0, mode: KiteMode.Ltp, tradable: true, lastPrice: 0, lastQuantity: NaN, averagePrice: NaN, volume: NaN, buyQuantity: NaN,
    sellQuantity: NaN, open: NaN, high: NaN, low: NaN, close: NaN, change: NaN, lastTradeTime: NaN, exchangeTime: NaN, oi: NaN,
    oiDayHigh: NaN, oiDayLow: NaN, bidPrice: new Float64Array(5), bidQuantity: new Float64Array(5), bidOrders: new Float64Array(5),
    askPrice: new Float64Array(5), askQuantity: new Float64Array(5), askOrders: new Float64Array(5),
  };
}

const i32 = (b: Uint8Array, o: number) => (b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3];
const u32 = (b: Uint8Array, o: number) => i32(b, o) >>> 0;
const u16 = (b: Uint8Array, o: number) => (b[o] << 8) | b[o + 1];
const seconds = (v: number) => (v === 0 ? NaN : v * 1000);

export type KiteFrameError = 'short_frame' | 'bad_packet_length';

/** Decodes one binary message; calls `onPacket` with the (reused) packet for each one. Returns packets decoded, or an error. */
export function decodeKiteFrame(b: Uint8Array, p: KitePacket, onPacket: (p: KitePacket) => void): number | KiteFrameError {
  if (b.length === 1) return 0; // heartbeat
  if (b.length < 2) return 'short_frame';
  const count = u16(b, 0);
  let o = 2;
  for (let n = 0; n < count; n++) {
    if (o + 2 > b.length) return 'short_frame';
    const len = u16(b, o);
    o += 2;
    if (o + len > b.length) return 'short_frame';
    if (!decodeKitePacket(b, o, len, p)) return 'bad_packet_length';
    onPacket(p);
    o += len;
  }
  return count;
}

/** Decodes the packet of `len` bytes at `o` into `p`. False for a length the protocol does not have. */
export function decodeKitePacket(b: Uint8Array, o: number, len: number, p: KitePacket): boolean {
  if (len !== 8 && len !== 28 && len !== 32 && len !== 44 && len !== 184) return false;
  const token = u32(b, o);
  const segment = token & 0xff;
  const div = segment === 3 ? 1e7 : segment === 6 ? 1e4 : 100;
  p.token = token;
  p.tradable = segment !== KITE_SEGMENT_INDICES;
  p.lastPrice = i32(b, o + 4) / div;
  p.lastQuantity = p.averagePrice = p.volume = p.buyQuantity = p.sellQuantity = NaN;
  p.open = p.high = p.low = p.close = p.change = NaN;
  p.lastTradeTime = p.exchangeTime = p.oi = p.oiDayHigh = p.oiDayLow = NaN;
  p.bidPrice.fill(0);
  p.bidQuantity.fill(0);
  p.bidOrders.fill(0);
  p.askPrice.fill(0);
  p.askQuantity.fill(0);
  p.askOrders.fill(0);
  if (len === 8) {
    p.mode = KiteMode.Ltp;
    return true;
  }
  if (len === 28 || len === 32) {
    p.mode = len === 32 ? KiteMode.Full : KiteMode.Quote;
    p.high = i32(b, o + 8) / div;
    p.low = i32(b, o + 12) / div;
    p.open = i32(b, o + 16) / div;
    p.close = i32(b, o + 20) / div;
    p.change = p.close !== 0 ? ((p.lastPrice - p.close) * 100) / p.close : i32(b, o + 24);
    if (len === 32) p.exchangeTime = seconds(u32(b, o + 28));
    return true;
  }
  p.mode = len === 184 ? KiteMode.Full : KiteMode.Quote;
  p.lastQuantity = u32(b, o + 8);
  p.averagePrice = i32(b, o + 12) / div;
  p.volume = u32(b, o + 16);
  p.buyQuantity = u32(b, o + 20);
  p.sellQuantity = u32(b, o + 24);
  p.open = i32(b, o + 28) / div;
  p.high = i32(b, o + 32) / div;
  p.low = i32(b, o + 36) / div;
  p.close = i32(b, o + 40) / div;
  p.change = p.close !== 0 ? ((p.lastPrice - p.close) * 100) / p.close : 0;
  if (len === 184) {
    p.lastTradeTime = seconds(u32(b, o + 44));
    p.oi = u32(b, o + 48);
    p.oiDayHigh = u32(b, o + 52);
    p.oiDayLow = u32(b, o + 56);
    p.exchangeTime = seconds(u32(b, o + 60));
    for (let i = 0; i < 10; i++) {
      const d = o + 64 + i * 12;
      const side = i < 5 ? 0 : 1;
      const k = i % 5;
      const qty = u32(b, d);
      const price = i32(b, d + 4) / div;
      const orders = u16(b, d + 8);
      if (side === 0) {
        p.bidQuantity[k] = qty;
        p.bidPrice[k] = price;
        p.bidOrders[k] = orders;
      } else {
        p.askQuantity[k] = qty;
        p.askPrice[k] = price;
        p.askOrders[k] = orders;
      }
    }
  }
  return true;
}
