import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { emptyTick, Side, TickKind, type Tick } from '../../native-free-ringbuffer/index.js';
import { Clock, createClockAnchor } from '../../engine/clock.js';
import { InstrumentRegistry, parseBinanceExchangeInfo } from '../../engine/instruments/registry.js';
import { BINANCE_REJECTS, BinanceNormalizer } from '../../engine/feeds/binance/binance-normalizer.js';
import { BookState } from '../../engine/feeds/binance/depth-book.js';
import { sharedData } from '../helpers/shared-data.js';
import { recordedSnapshots, recordedStream } from '../helpers/binance-recorded.js';

const clock = new Clock(createClockAnchor());
const registry = (venue: 'BINANCE' | 'BINANCE_FUTURES') =>
  new InstrumentRegistry(parseBinanceExchangeInfo(JSON.parse(readFileSync(sharedData(`binance-recorded/exchangeInfo.${venue === 'BINANCE' ? 'spot' : 'futures'}.json`), 'utf8')), venue));

function run(venue: 'BINANCE' | 'BINANCE_FUTURES', ws: string, http: string) {
  const reg = registry(venue);
  const wanted = new Set<string>();
  const n = new BinanceNormalizer(reg, clock, venue === 'BINANCE' ? 'spot' : 'futures', 3, emptyTick(), (s) => wanted.add(s));
  const snapshots = recordedSnapshots(http);
  const ticks: Tick[] = [];
  const lines = readFileSync(sharedData(`binance-recorded/${ws}`), 'utf8').split('\n').slice(1).filter(Boolean);
  const recv = recordedStream(`binance-recorded/${ws}`);
  lines.forEach((line, i) => {
    // serve each snapshot once its recorded answer time has come, if the normaliser asked for it
    for (const s of snapshots) if (wanted.has(s.symbol) && s.recvMs <= recv[i].recvMs) {
      wanted.delete(s.symbol);
      n.onSnapshot(s.symbol, s.body);
    }
    n.onMessage(line.slice(line.indexOf(': ') + 2), (t) => ticks.push({ ...t }));
  });
  return { n, ticks, reg, recv };
}

describe('Binance normaliser on recorded streams', () => {
  it('spot: every aggTrade becomes a trade tick, bookTickers and the synced depth become quotes; nothing is rejected', () => {
    const { n, ticks, recv } = run('BINANCE', 'BINANCE.ws.1.0', 'BINANCE.http.0.0');
    const aggTrades = recv.filter((r) => r.message.data.e === 'aggTrade');
    expect(ticks.filter((t) => t.kind === TickKind.Trade)).toHaveLength(aggTrades.length);
    expect(Array.from(n.rejected)).toEqual(BINANCE_REJECTS.map(() => 0));
    expect(n.depthBook('NKNUSDT')!.state).toBe(BookState.Synced);
    expect(n.gaps()).toBe(0);
    for (const t of ticks) {
      if (t.kind === TickKind.Quote) expect(t.bid <= t.ask && t.bid > 0).toBe(true);
      expect(t.price > 0).toBe(true);
    }
  });

  it('futures: trades carry the exchange time and the aggressor side (buyer is maker -> sell)', () => {
    const { ticks, recv, reg } = run('BINANCE_FUTURES', 'BINANCE_FUTURES.ws.1.0', 'BINANCE_FUTURES.http.0.0');
    const first = recv.find((r) => r.message.data.e === 'aggTrade')!.message.data;
    const t = ticks.find((x) => x.kind === TickKind.Trade)!;
    expect(t).toMatchObject({ instrumentId: reg.id(first.s), price: Number(first.p), qty: Number(first.q), feedSeq: first.a, side: first.m ? Side.Sell : Side.Buy, providerId: 3 });
    expect(Math.abs(clock.toEpochMs(t.exchangeTs) - first.T)).toBeLessThan(1e-3);
    const sells = recv.filter((r) => r.message.data.e === 'aggTrade' && r.message.data.m).length;
    expect(ticks.filter((x) => x.side === Side.Sell)).toHaveLength(sells);
  });

  it('rejects by reason: malformed JSON, non-events, unknown symbols, bad numbers', () => {
    const n = new BinanceNormalizer(registry('BINANCE'), clock, 'spot', 3, emptyTick());
    const none = () => expect.unreachable();
    n.onMessage('{"stream":', none);
    n.onMessage('[1,2]', none);
    n.onMessage('{"data":{"e":"aggTrade","s":"NOPEUSDT","p":"1","q":"1"}}', none);
    n.onMessage('{"data":{"e":"aggTrade","s":"BTCUSDT","p":"-1","q":"1"}}', none);
    n.onMessage('{"data":{"e":"aggTrade","s":"BTCUSDT","p":"1","q":"x"}}', none);
    n.onMessage('{"data":{"u":1,"s":"BTCUSDT","b":"10","B":"1","a":"9","A":"1"}}', none); // crossed
    expect(Array.from(n.rejected)).toEqual([1, 1, 1, 3]);
  });

  it('refuses a quote whose numbers overflow to Infinity (found by the fuzz below: "7e6120")', () => {
    const n = new BinanceNormalizer(registry('BINANCE_FUTURES'), clock, 'futures', 3, emptyTick());
    const ticks: Tick[] = [];
    const quote = (a: string, A = '297') => `{"stream":"sushiusdt@bookTicker","data":{"e":"bookTicker","u":1,"s":"SUSHIUSDT","b":"7.6110","B":"2","a":"${a}","A":"${A}","T":1,"E":1}}`;
    n.onMessage(quote('7e6120'), (t) => ticks.push({ ...t }));
    n.onMessage(quote('7.6120', '1e400'), (t) => ticks.push({ ...t }));
    expect(ticks).toEqual([]);
    n.onMessage(quote('7.6120'), (t) => ticks.push({ ...t }));
    expect(ticks.map((t) => t.ask)).toEqual([7.612]);
  });

  it('fuzz: mutated real messages never throw and never yield an invalid tick', () => {
    const n = new BinanceNormalizer(registry('BINANCE_FUTURES'), clock, 'futures', 3, emptyTick());
    const lines = readFileSync(sharedData('binance-recorded/BINANCE_FUTURES.ws.1.0'), 'utf8').split('\n').slice(1, 200).filter(Boolean).map((l) => l.slice(l.indexOf(': ') + 2));
    fc.assert(
      fc.property(fc.nat(lines.length - 1), fc.nat(400), fc.string({ maxLength: 4 }), (i, at, junk) => {
        const line = lines[i];
        const mutated = line.slice(0, at % line.length) + junk + line.slice((at % line.length) + junk.length);
        expect(() =>
          n.onMessage(mutated, (t) => {
            expect(t.price > 0 && Number.isFinite(t.price)).toBe(true);
            expect(t.qty >= 0 && Number.isFinite(t.qty)).toBe(true);
            expect(t.instrumentId > 0).toBe(true);
            for (const v of [t.bid, t.ask, t.bidQty, t.askQty]) expect(Number.isNaN(v) || (v >= 0 && Number.isFinite(v))).toBe(true);
          }),
        ).not.toThrow();
      }),
      { numRuns: 3000 },
    );
  });
});
