import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { emptyTick, Side, TICK_FLAG_REPLAY, TickKind, type Tick } from '../../native-free-ringbuffer/index.js';
import { Clock, createClockAnchor } from '../../engine/clock.js';
import { InstrumentRegistry, parseBinanceExchangeInfo } from '../../engine/instruments/registry.js';
import { ReplayFeed, type ReplayOptions } from '../../engine/feeds/replay/replay-feed.js';
import { CaptureWriter, readCapture } from '../../engine/feeds/replay/capture.js';
import { BookState } from '../../engine/feeds/binance/depth-book.js';
import { sharedData } from '../helpers/shared-data.js';

const log = pino({ level: 'silent' });
const clock = new Clock(createClockAnchor());
const tmp = () => mkdtempSync(path.join(tmpdir(), 'tickring-replay-'));
const futures = new InstrumentRegistry(parseBinanceExchangeInfo(JSON.parse(readFileSync(sharedData('binance-recorded/exchangeInfo.futures.json'), 'utf8')), 'BINANCE_FUTURES'));

function replay(o: ReplayOptions, registry: InstrumentRegistry) {
  const ticks: Tick[] = [];
  const feed = new ReplayFeed(o, { registry, clock, providerId: 7, tick: emptyTick(), sink: (t) => ticks.push({ ...t }), commit: () => {}, room: () => 1 << 16, log });
  return { feed, ticks };
}

describe('replay', () => {
  it('plays a Binance aggTrades CSV (header, µs times): trades with the aggressor side, flagged as replay', async () => {
    const file = path.join(tmp(), 'BTCUSDT-aggTrades-2025-01-02.csv');
    writeFileSync(file, ['agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker,is_best_match',
      '100,94000.10,0.5,1,2,1735776000000000,true,true', '101,94000.20,0.25,3,3,1735776000500000,false,true', '102,-1,1,4,4,1735776001000000,false,true'].join('\n'));
    const { feed, ticks } = replay({ file, speed: 'max' }, new InstrumentRegistry(['BTCUSDT']));
    expect(feed.format).toBe('binance-aggtrades-csv');
    feed.start();
    await feed.finished();
    expect(ticks.map((t) => [t.price, t.qty, t.side, t.feedSeq, t.kind])).toEqual([[94000.1, 0.5, Side.Sell, 100, TickKind.Trade], [94000.2, 0.25, Side.Buy, 101, TickKind.Trade]]);
    expect(clock.toEpochMs(ticks[0].exchangeTs)).toBeCloseTo(1735776000000, 3);
    expect(ticks.every((t) => (t.flags & TICK_FLAG_REPLAY) !== 0)).toBe(true);
    expect(feed.counters.rejected).toBe(1);
  });

  it('plays a recorded Binance stream at 30x real time: every recorded aggTrade becomes a trade, depth synced from the recorded snapshots', async () => {
    const file = sharedData('binance-recorded/BINANCE_FUTURES.ws.1.0');
    const { feed, ticks } = replay({ file, speed: 30 }, futures);
    expect(feed.format).toBe('binance-stream');
    const t0 = performance.now();
    feed.start();
    await feed.finished();
    const seconds = (performance.now() - t0) / 1000;
    expect(seconds).toBeGreaterThan(0.8); // the recording spans ~30 s
    expect(seconds).toBeLessThan(5);
    expect(feed.binance()!.depthBook('SUSHIUSDT')!.state).toBe(BookState.Synced);
    expect(feed.counters.gaps).toBe(0);
    const trades = readFileSync(file, 'utf8').split('\n').slice(1).filter((l) => l.includes('"aggTrade"')).length;
    expect(ticks.filter((t) => t.kind === TickKind.Trade)).toHaveLength(trades);
  });

  it('a capture replays exactly what was written, at a multiple of real time', async () => {
    const file = path.join(tmp(), 'session.tickring');
    const registry = new InstrumentRegistry(['AAA', 'BBB']);
    const w = new CaptureWriter(file, registry.list(), clock, 2);
    const written: Tick[] = [];
    for (let i = 0; i < 5; i++) {
      const t = { ...emptyTick(), instrumentId: 1 + (i % 2), price: 10 + i, qty: i, recvTs: clock.now() + i * 50e6, exchangeTs: clock.now(), side: Side.Buy, feedSeq: i };
      written.push(t);
      w.add(t);
    }
    w.close();
    expect(readCapture(file)).toHaveLength(5);
    const { feed, ticks } = replay({ file, speed: 10 }, registry);
    expect(feed.format).toBe('capture');
    feed.start();
    await feed.finished();
    expect(ticks.map((t) => [t.instrumentId, t.price, t.qty, t.side, t.feedSeq])).toEqual(written.map((t) => [t.instrumentId, t.price, t.qty, t.side, t.feedSeq]));
  });

  it('refuses files it cannot read, with clear messages', () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'x.bin'), 'hello');
    expect(() => replay({ file: path.join(dir, 'x.bin'), speed: 'max' }, futures)).toThrow(/cannot tell its format/);
    expect(() => replay({ file: path.join(dir, 'missing'), speed: 'max' }, futures)).toThrow(/does not exist/);
    expect(() => readCapture(path.join(dir, 'x.bin'))).toThrow(/not a tickring capture/);
    expect(() => replay({ file: path.join(dir, 'x.bin'), speed: 0 }, futures)).toThrow(/speed/);
  });
});
