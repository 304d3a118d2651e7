import { describe, expect, it } from 'vitest';
import { BookState, DepthBook, type DepthMarket } from '../../engine/feeds/binance/depth-book.js';
import { recordedSnapshots, recordedStream } from '../helpers/binance-recorded.js';

/** Replays a recorded symbol: diffs and the snapshot in receive order; checks the top of book against Binance's bookTicker. */
function replay(market: DepthMarket, wsFile: string, httpFile: string, symbol: string, drop?: (u: number) => boolean) {
  const lower = symbol.toLowerCase();
  const snapshot = recordedSnapshots(httpFile).find((s) => s.symbol === symbol)!;
  const messages = recordedStream(`binance-recorded/${wsFile}`);
  const book = new DepthBook(market);
  const tickers = new Map<number, { b: number; B: number; a: number; A: number }>();
  for (const { message } of messages) {
    if (message.stream === `${lower}@bookTicker`) {
      const d = message.data;
      tickers.set(d.u, { b: Number(d.b), B: Number(d.B), a: Number(d.a), A: Number(d.A) });
    }
  }
  let snapped = false;
  let applied = 0;
  let checked = 0;
  for (const { recvMs, message } of messages) {
    if (!snapped && recvMs >= snapshot.recvMs) {
      book.onSnapshot(snapshot.body.lastUpdateId, snapshot.body.bids, snapshot.body.asks);
      snapped = true;
    }
    if (message.stream !== `${lower}@depth@100ms`) continue;
    const d = message.data;
    if (drop?.(d.u)) continue;
    const before = book.lastUpdateId;
    book.onDiff(d);
    if (book.state === BookState.Synced && book.lastUpdateId !== before) {
      applied++;
      const t = tickers.get(book.lastUpdateId);
      if (t) {
        expect({ b: book.bestBidPrice(), B: book.bestBidQty(), a: book.bestAskPrice(), A: book.bestAskQty() }).toEqual(t);
        checked++;
      }
    }
  }
  return { book, applied, checked, snapshot };
}

describe('Binance depth book', () => {
  it('spot NKNUSDT: syncs from the recorded snapshot and diffs, and the top of book equals Binance bookTicker at the same update id', () => {
    const { book, applied, checked, snapshot } = replay('spot', 'BINANCE.ws.1.0', 'BINANCE.http.0.0', 'NKNUSDT');
    expect(snapshot.body.lastUpdateId).toBe(499869752);
    expect(book.state).toBe(BookState.Synced);
    expect(book.gaps).toBe(0);
    expect(applied).toBeGreaterThan(100);
    expect(checked).toBeGreaterThan(10);
  });

  it('USD-M SUSHIUSDT: the futures rules (pu chaining) keep it in sync, checked against bookTicker', () => {
    const { book, applied, checked } = replay('futures', 'BINANCE_FUTURES.ws.1.0', 'BINANCE_FUTURES.http.0.0', 'SUSHIUSDT');
    expect(book.state).toBe(BookState.Synced);
    expect(book.gaps).toBe(0);
    expect(applied).toBeGreaterThan(100);
    expect(checked).toBeGreaterThan(10);
  });

  it('a missing diff is a gap: the book asks for a resync, and a new snapshot brings it back', () => {
    let dropped = 0;
    const { book } = replay('spot', 'BINANCE.ws.1.0', 'BINANCE.http.0.0', 'NKNUSDT', (u) => u > 499869800 && dropped++ === 0);
    expect(book.gaps).toBe(1);
    expect(book.state).toBe(BookState.Resync);
    book.onSnapshot(book.lastUpdateId + 1_000_000, [['1', '1']], [['2', '1']]);
    expect(book.state).toBe(BookState.Synced);
    expect([book.bestBidPrice(), book.bestAskPrice()]).toEqual([1, 2]);
  });

  it('a diff that does not straddle the snapshot is a gap too', () => {
    const book = new DepthBook('spot');
    book.onDiff({ U: 110, u: 120, b: [], a: [] });
    book.onSnapshot(100, [['10', '1']], [['11', '1']]); // 101..109 missing
    expect(book.state).toBe(BookState.Resync);
    expect(book.gaps).toBe(1);
  });

  it('a zero quantity removes the level and the best price moves', () => {
    const book = new DepthBook('spot');
    book.onSnapshot(10, [['100', '1'], ['99', '2']], [['101', '1'], ['102', '5']]);
    book.onDiff({ U: 11, u: 11, b: [['100', '0']], a: [['101', '0'], ['100.5', '3']] });
    expect([book.bestBidPrice(), book.bestBidQty(), book.bestAskPrice(), book.bestAskQty()]).toEqual([99, 2, 100.5, 3]);
  });
});
