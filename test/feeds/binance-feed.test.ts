import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { until } from '../helpers/until.js';
import { emptyTick, TickKind } from '../../native-free-ringbuffer/index.js';
import { Clock, createClockAnchor } from '../../engine/clock.js';
import { InstrumentRegistry, parseBinanceExchangeInfo } from '../../engine/instruments/registry.js';
import { BINANCE_DEFAULTS, BinanceFeed, type BinanceFeedOptions } from '../../engine/feeds/binance/binance-feed.js';
import { BookState } from '../../engine/feeds/binance/depth-book.js';
import { ReconnectingSocket } from '../../engine/feeds/reconnecting-socket.js';
import { ProviderStatus } from '../../engine/status/status-region.js';
import { FakeBinance } from '../fakes/fake-binance.js';
import { sharedData } from '../helpers/shared-data.js';
import { exposedGc } from '../../workers/main-heap.js';
import { recordedStream } from '../helpers/binance-recorded.js';

const log = pino({ level: 'silent' });
const clock = new Clock(createClockAnchor());
const spotInfo = parseBinanceExchangeInfo(JSON.parse(readFileSync(sharedData('binance-recorded/exchangeInfo.spot.json'), 'utf8')), 'BINANCE');
const registry = new InstrumentRegistry(spotInfo);

let fake: FakeBinance;
let feed: BinanceFeed | undefined;
afterEach(async () => {
  feed?.stop();
  feed = undefined;
  await fake?.close();
});

function makeFeed(symbols: string[], extra: Partial<BinanceFeedOptions> = {}) {
  const seen = new Map<number, number>();
  let commits = 0;
  const f = new BinanceFeed(
    {
      ...BINANCE_DEFAULTS.spot, wsUrl: fake.wsUrl, restUrl: fake.restUrl, market: 'spot', symbols, streams: ['aggTrade', 'bookTicker', 'depth'],
      staleMs: 0, backoff: { initialMs: 20, maxMs: 200, multiplier: 2, jitter: 0.2, maxRetries: Infinity }, ...extra,
    },
    { registry, clock, providerId: 7, tick: emptyTick(), sink: (t) => seen.set(t.instrumentId, (seen.get(t.instrumentId) ?? 0) + (t.kind === TickKind.Trade ? 1 : 0)), commit: () => commits++, room: () => 1 << 16, log },
  );
  return { f, seen, commits: () => commits };
}

const RECORDED = ['NKNUSDT', 'BLZETH', 'LRCBTC', 'RUNEEUR'];
const fifty = [...RECORDED, ...spotInfo.map((i) => i.symbol).filter((s) => !RECORDED.includes(s)).slice(0, 46)];

describe('Binance feed against a fake Binance', () => {
  it('subscribes 50 symbols (150 streams) on one connection, gets ticks for all of them, and syncs depth from the snapshot', async () => {
    fake = await FakeBinance.start('spot');
    const { f, seen } = makeFeed(fifty);
    feed = f;
    f.start();
    await until('trades from all 50 symbols', () => fifty.every((s) => (seen.get(registry.id(s)) ?? 0) > 0));
    expect(fake.connectCount).toBe(1);
    expect(fake.connections[0].streams.size).toBe(150);
    expect(f.connections()).toHaveLength(1);
    await until('NKNUSDT depth synced', () => f.normalizer.depthBook('NKNUSDT')?.state === BookState.Synced && f.normalizer.depthBook('NKNUSDT')!.lastUpdateId > 499869800);
    expect(f.status()).toBe(ProviderStatus.Connected);
    expect(f.counters.gaps).toBe(0);
    expect(f.counters.rejected).toBe(0);
    expect(fake.snapshotRequests).toContain('NKNUSDT');
  });

  it('a missing depth diff is a gap: it fetches a new snapshot and is back in sync', async () => {
    fake = await FakeBinance.start('spot');
    // withhold one diff in the middle of the recording
    const diffs = recordedStream('binance-recorded/BINANCE.ws.1.0').filter((r) => r.message.stream === 'nknusdt@depth@100ms').map((r) => r.message.data.u);
    fake.withhold.add(diffs[Math.floor(diffs.length / 2)]);
    const { f } = makeFeed(['NKNUSDT']);
    feed = f;
    f.start();
    await until('a gap', () => f.normalizer.gaps() >= 1);
    await until('resynced to the end of the recording', () => {
      const b = f.normalizer.depthBook('NKNUSDT');
      return b?.state === BookState.Synced && b.lastUpdateId === diffs[diffs.length - 1];
    });
    expect(fake.snapshotRequests.filter((s) => s === 'NKNUSDT').length).toBeGreaterThanOrEqual(2);
  });

  it('a dropped connection reconnects with backoff and resubscribes, run-time subscriptions included', async () => {
    fake = await FakeBinance.start('spot');
    const { f, seen } = makeFeed(['NKNUSDT']);
    feed = f;
    f.start();
    await until('connected', () => f.status() === ProviderStatus.Connected);
    f.subscribe(['BTCUSDT']);
    await until('BTCUSDT trade', () => (seen.get(registry.id('BTCUSDT')) ?? 0) > 0);
    expect(fake.controlMessages.map((c) => c.msg.method)).toEqual(['SUBSCRIBE']);
    fake.dropAll();
    await until('reconnected', () => f.counters.reconnects === 1 && f.status() === ProviderStatus.Connected);
    expect(fake.connectCount).toBe(2);
    expect([...fake.connections[0].streams].sort()).toEqual(['btcusdt@aggTrade', 'btcusdt@bookTicker', 'btcusdt@depth@100ms', 'nknusdt@aggTrade', 'nknusdt@bookTicker', 'nknusdt@depth@100ms']);
    await until('BTCUSDT trades again', () => (seen.get(registry.id('BTCUSDT')) ?? 0) > 1);
  });

  it("answers Binance's pings, and drops a silent connection after staleMs and reconnects", async () => {
    fake = await FakeBinance.start('spot');
    fake.speed = 1000; // the recording is over in a few tens of ms: then the stream is silent
    const { f } = makeFeed(['NKNUSDT'], { staleMs: 400 });
    feed = f;
    f.start();
    await until('connected', () => f.status() === ProviderStatus.Connected);
    expect(await fake.pingAll()).toBe(1);
    await until('a reconnect after silence', () => f.counters.reconnects >= 1, 5000);
    expect(fake.connectCount).toBeGreaterThanOrEqual(2);
  });

  it('keeps control messages within the connection limit (at most 5 in any second)', async () => {
    fake = await FakeBinance.start('spot');
    const { f } = makeFeed(['NKNUSDT']);
    feed = f;
    f.start();
    await until('connected', () => f.status() === ProviderStatus.Connected);
    const more = fifty.slice(4, 16);
    for (const s of more) f.subscribe([s]);
    await until('12 SUBSCRIBE messages', () => fake.controlMessages.length === 12, 8000);
    const times = fake.controlMessages.map((c) => c.at);
    for (let i = 0; i < times.length; i++) expect(times.filter((t) => t >= times[i] && t < times[i] + 1000).length).toBeLessThanOrEqual(5);
  }, 15_000);
});

describe('reconnecting socket', () => {
  it('10,000 consecutive failed connects leave the stack depth and memory flat', async () => {
    const gc = exposedGc();
    const depths: number[] = [];
    let closes = 0;
    const heap: number[] = [];
    await new Promise<void>((resolve) => {
      const s = new ReconnectingSocket(
        () => 'ws://127.0.0.1:9/', // nothing listens on the discard port
        {
          onOpen: () => {},
          onMessage: () => {},
          onClose: () => {
            depths.push(new Error().stack!.split('\n').length);
            if (++closes % 2000 === 0) {
              gc();
              heap.push(process.memoryUsage().heapUsed);
            }
            if (closes === 10_000) {
              s.stop();
              resolve();
            }
          },
        },
        { initialMs: 0, maxMs: 0, multiplier: 2, jitter: 0, maxRetries: Infinity },
      );
      s.start();
    });
    expect(new Set(depths).size).toBe(1); // the same stack depth at the 1st and the 10,000th failure
    expect(heap[heap.length - 1] - heap[0]).toBeLessThan(4 * 1024 * 1024);
  }, 60_000);

  it('gives up after the configured retries per outage', async () => {
    let gaveUp = '';
    const s = new ReconnectingSocket(() => 'ws://127.0.0.1:9/', { onOpen: () => {}, onMessage: () => {}, onGiveUp: (r) => (gaveUp = r) }, {
      initialMs: 1, maxMs: 5, multiplier: 2, jitter: 0, maxRetries: 5,
    });
    s.start();
    await until('give up', () => s.state === 'gave-up');
    expect(gaveUp).toBe('no connection after 5 retries');
    expect(s.failedAttempts).toBe(6);
  });
});

describe('the fake speaks Binance: the official @binance/connector against it', () => {
  it('REST depth snapshot and combined streams, received by the connector and normalised by us', async () => {
    fake = await FakeBinance.start('spot');
    const { Spot, WebsocketStream } = (await import('@binance/connector')) as any;
    const rest = new Spot('', '', { baseURL: fake.restUrl });
    const snapshot = (await rest.depth('nknusdt', { limit: 1000 })).data;
    expect(snapshot.lastUpdateId).toBeGreaterThanOrEqual(499869752);
    expect(snapshot.bids.length).toBeGreaterThan(10);
    const received: string[] = [];
    const stream = new WebsocketStream({ wsURL: fake.wsUrl, combinedStreams: true, logger: { info: () => {}, debug: () => {}, warn: () => {}, error: () => {} }, callbacks: { message: (m: string) => received.push(m) } });
    stream.subscribe(['nknusdt@depth@100ms', 'nknusdt@bookTicker', 'lrcbtc@aggTrade']);
    await until('messages through the connector', () => received.length >= 40);
    stream.disconnect();
    const { BinanceNormalizer } = await import('../../engine/feeds/binance/binance-normalizer.js');
    const n = new BinanceNormalizer(registry, clock, 'spot', 1, emptyTick());
    n.onSnapshot('NKNUSDT', snapshot);
    for (const m of received) n.onMessage(m, () => {});
    expect(Array.from(n.rejected)).toEqual([0, 0, 0, 0]);
    expect(n.ticks).toBeGreaterThan(0);
    expect(n.depthBook('NKNUSDT')!.state).toBe(BookState.Synced);
    expect(n.gaps()).toBe(0);
  });
});
