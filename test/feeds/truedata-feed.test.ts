import { afterEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pino from 'pino';
import { until } from '../helpers/until.js';
import { emptyTick, Side, TickKind, type Tick } from '../../native-free-ringbuffer/index.js';
import { Clock, createClockAnchor } from '../../engine/clock.js';
import { InstrumentRegistry } from '../../engine/instruments/registry.js';
import { TrueDataFeed } from '../../engine/feeds/truedata/truedata-feed.js';
import { ProviderStatus } from '../../engine/status/status-region.js';
import { FakeTrueData } from '../fakes/fake-truedata.js';
import { compiled } from '../helpers/compiled.js';

const log = pino({ level: 'silent' });
const clock = new Clock(createClockAnchor());
const registry = new InstrumentRegistry(['NSE:RELIANCE', 'NSE:INFY', 'NIFTY-I']);

let fake: FakeTrueData | undefined;
let feed: TrueDataFeed | undefined;
afterEach(async () => {
  feed?.stop();
  await fake?.close();
  feed = fake = undefined;
});

function makeFeed(url: string, symbols = ['RELIANCE', 'NIFTY-I'], maxRetries = 5) {
  const ticks: Tick[] = [];
  const f = new TrueDataFeed(
    { url, user: 'trader', password: 'secret', symbols, staleMs: 0, backoff: { initialMs: 10, maxMs: 40, multiplier: 2, jitter: 0.2, maxRetries } },
    { registry, clock, providerId: 6, tick: emptyTick(), sink: (t) => ticks.push({ ...t }), commit: () => {}, room: () => 1 << 16, log },
  );
  return { f, ticks };
}

describe('the fake speaks TrueData: the official truedata-nodejs client against it', () => {
  it('connects, adds the symbol and receives ticks decoded by the client', async () => {
    fake = await FakeTrueData.start('trader', 'secret');
    const { stdout } = await promisify(execFile)(process.execPath, [compiled('test/helpers/truedata-sdk-client.js'), String(fake.port), 'trader', 'secret', 'RELIANCE'], { timeout: 15_000 });
    const tick = JSON.parse(stdout.trim().split('\n').pop()!);
    expect(tick).toMatchObject({ Symbol: 'RELIANCE', LTQ: 3, Bid: 1573.1, Ask: 1573.2 });
    expect(fake.requests[0]).toEqual({ method: 'addsymbol', symbols: ['RELIANCE'] });
  });
});

describe('TrueData feed against the fake', () => {
  it('subscribes after the welcome, maps symbol ids, and turns trades and bid/asks into ticks', async () => {
    fake = await FakeTrueData.start('trader', 'secret');
    const { f, ticks } = makeFeed(fake.url);
    feed = f;
    f.start();
    await until('trades and quotes for both', () => new Set(ticks.map((t) => t.instrumentId)).size === 2 && ticks.some((t) => t.kind === TickKind.Quote));
    expect(f.status()).toBe(ProviderStatus.Connected);
    const trade = ticks.find((t) => t.kind === TickKind.Trade)!;
    expect(trade).toMatchObject({ qty: 3, bid: 1573.1, ask: 1573.2, providerId: 6 });
    expect([Side.Buy, Side.Sell, Side.Unknown]).toContain(trade.side);
    expect(Math.abs(clock.toEpochMs(trade.exchangeTs) - Date.now())).toBeLessThan(5000); // IST stamp read as the same instant
    expect(ticks.map((t) => t.instrumentId)).toContain(registry.id('NSE:RELIANCE'));
    expect(ticks.map((t) => t.instrumentId)).toContain(registry.id('NIFTY-I'));
  });

  it('a dropped connection reconnects and subscribes again', async () => {
    fake = await FakeTrueData.start('trader', 'secret');
    const { f, ticks } = makeFeed(fake.url);
    feed = f;
    f.start();
    await until('ticks', () => ticks.length > 5);
    fake.dropAll();
    await until('reconnected', () => f.counters.reconnects === 1 && f.status() === ProviderStatus.Connected);
    // the subscription goes out after the welcome: wait for the fake to have it (a CI run checked a moment too soon)
    await until('subscribed again', () => fake!.requests.filter((r) => r.method === 'addsymbol').length >= 2);
    expect(fake.requests.filter((r) => r.method === 'addsymbol')).toHaveLength(2);
    const n = ticks.length;
    await until('ticks again', () => ticks.length > n + 5);
  });

  it('"User Subscription Expired" stops retrying at once: unavailable, expired, no further connects', async () => {
    fake = await FakeTrueData.start('trader', 'secret');
    fake.expired = true;
    const { f } = makeFeed(fake.url);
    feed = f;
    f.start();
    await until('expired', () => f.counters.subscriptionExpired);
    expect(f.status()).toBe(ProviderStatus.Unavailable);
    expect(f.isAvailable()).toBe(false);
    expect(f.lastRefusal).toBe('User Subscription Expired');
    await new Promise((r) => setTimeout(r, 300)); // backoff would have retried several times by now
    expect(fake.connectCount).toBe(1);
  });

  it('gives up after 5 retries when the server is down, and says so', async () => {
    fake = await FakeTrueData.start('trader', 'secret');
    const url = fake.url;
    await fake.close();
    fake = undefined;
    const { f } = makeFeed(url);
    feed = f;
    f.start();
    await until('unavailable', () => f.status() === ProviderStatus.Unavailable);
    expect(f.failedAttempts()).toBe(6); // the first attempt and 5 retries
    expect(f.isAvailable()).toBe(false);
    expect(f.counters.subscriptionExpired).toBe(false);
  });
});

describe('TrueData decoding (fuzz)', () => {
  it('random and mutated messages never throw and never yield an invalid tick', async () => {
    const fc = (await import('fast-check')).default;
    const { f, ticks } = makeFeed('ws://127.0.0.1:9');
    f.onMessage(JSON.stringify({ success: true, message: 'symbols added', symbollist: [['RELIANCE', '1000']] }));
    const valid = JSON.stringify({ trade: ['1000', '2024-01-02T10:00:00', '1573.15', '3', '1570.4', '1175986', '1569.15', '1575', '1561.05', '1567.8', '0', '0', '1', '', '7', '1573.1', '50', '1573.2', '75'] });
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.tuple(fc.nat(valid.length - 1), fc.string({ maxLength: 5 })).map(([at, junk]) => valid.slice(0, at) + junk + valid.slice(at + junk.length)), fc.json()), (text) => {
        expect(() => f.onMessage(text)).not.toThrow();
      }),
      { numRuns: 3000 },
    );
    for (const t of ticks) {
      expect(t.price > 0 && Number.isFinite(t.price)).toBe(true);
      expect(t.qty >= 0 && Number.isFinite(t.qty)).toBe(true);
      expect(t.instrumentId).toBe(registry.id('NSE:RELIANCE'));
    }
    expect(f.counters.rejected).toBeGreaterThan(0);
  });
});
