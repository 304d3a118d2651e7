import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { until } from '../helpers/until.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { emptyTick, TickKind, type Tick } from '../../native-free-ringbuffer/index.js';
import { Clock, createClockAnchor } from '../../engine/clock.js';
import { InstrumentRegistry, parseKiteInstruments, type InstrumentInfo } from '../../engine/instruments/registry.js';
import { KITE_DEFAULTS, KiteFeed } from '../../engine/feeds/kite/kite-feed.js';
import { ProviderStatus } from '../../engine/status/status-region.js';
import { FakeKiteTicker } from '../fakes/fake-kite-ticker.js';
import { sharedData } from '../helpers/shared-data.js';
import { compiled } from '../helpers/compiled.js';

const log = pino({ level: 'silent' });
const clock = new Clock(createClockAnchor());
const { instruments } = parseKiteInstruments(readFileSync(sharedData('kite-mocks/instruments_all.csv'), 'utf8'));

let fake: FakeKiteTicker;
let feed: KiteFeed | undefined;
afterEach(async () => {
  feed?.stop();
  feed = undefined;
  await fake?.close();
});

function makeFeed(registry: InstrumentRegistry, symbols: string[], token = 'day-1') {
  const ticks: Tick[] = [];
  const f = new KiteFeed(
    { ...KITE_DEFAULTS, url: fake.url, apiKey: 'key', accessToken: token, symbols, staleMs: 0, backoff: { initialMs: 20, maxMs: 200, multiplier: 2, jitter: 0.2, maxRetries: Infinity } },
    { registry, clock, providerId: 5, tick: emptyTick(), sink: (t) => ticks.push({ ...t }), commit: () => {}, room: () => 1 << 16, log },
  );
  return { f, ticks };
}

describe('the fake speaks Kite: the real KiteTicker SDK against it', () => {
  it('connects with the root option, subscribes in full mode and receives decoded ticks', async () => {
    fake = await FakeKiteTicker.start('key', 'day-1');
    // async: the fake answers on this process's event loop
    const { stdout } = await promisify(execFile)(process.execPath, [compiled('test/helpers/kite-sdk-client.js'), fake.url, 'key', 'day-1', '408065'], { timeout: 15_000 });
    const full = JSON.parse(stdout.trim());
    expect(full.instrument_token).toBe(408065);
    expect(full.depth.buy).toHaveLength(5);
    expect(full.depth.buy[0]).toEqual({ quantity: 5, price: 1573.4, orders: 1 });
    expect(fake.rejectedHandshakes).toEqual([]);
  });
});

describe('Kite feed against the fake ticker', () => {
  it('subscribes registry instruments in full mode; volume rises make trades, with the depth top as bid/ask', async () => {
    fake = await FakeKiteTicker.start('key', 'day-1');
    const registry = new InstrumentRegistry(instruments);
    const { f, ticks } = makeFeed(registry, ['NSE:CENTRALBK-BE', 'NFO:BANKNIFTY18JAN23500CE']);
    feed = f;
    f.start();
    await until('trades for both', () => new Set(ticks.filter((t) => t.kind === TickKind.Trade).map((t) => t.instrumentId)).size === 2);
    expect(f.status()).toBe(ProviderStatus.Connected);
    const t = ticks.find((x) => x.kind === TickKind.Trade && x.instrumentId === registry.id('NFO:BANKNIFTY18JAN23500CE'))!;
    expect(t.bid).toBe(1573.4);
    expect(t.ask).toBe(1573.7);
    expect(t.qty).toBe(7);
    expect(Number.isNaN(t.exchangeTs)).toBe(false);
    expect(f.counters.rejected).toBe(0);
  });

  it('shards 5,000 instruments over connections of at most 3,000', async () => {
    fake = await FakeKiteTicker.start('key', 'day-1');
    const many: InstrumentInfo[] = Array.from({ length: 5000 }, (_, i) => ({ ...instruments[0], symbol: `NSE:SYN${i}`, kiteToken: 1_000_000 + i * 256 + 1 }));
    const { f, ticks } = makeFeed(new InstrumentRegistry(many), many.map((m) => m.symbol));
    feed = f;
    f.start();
    await until('two connections with all instruments', () => fake.connections.length === 2 && fake.connections.reduce((a, c) => a + c.tokens.size, 0) === 5000);
    expect(fake.connections.map((c) => c.tokens.size).sort()).toEqual([2000, 3000]);
    expect(fake.errorsSent).toEqual([]);
    await until('ticks', () => ticks.length > 1000);
  });

  it('a new access token reconnects every connection with it, without a restart', async () => {
    fake = await FakeKiteTicker.start('key', 'day-1');
    const registry = new InstrumentRegistry(instruments);
    const { f, ticks } = makeFeed(registry, ['NSE:CENTRALBK-BE']);
    feed = f;
    f.start();
    await until('ticks on day 1', () => ticks.length > 5);
    fake.rotateToken('day-2'); // the old token dies at the exchange
    f.setAccessToken('day-2');
    await until('reconnected with the new token', () => fake.connections.length === 1 && fake.connections[0].token === 'day-2' && f.status() === ProviderStatus.Connected);
    const before = ticks.length;
    await until('ticks on day 2', () => ticks.length > before + 5);
    expect(f.counters.reconnects).toBeGreaterThanOrEqual(1);
  });

  it('refuses symbols without a Kite token, clearly', async () => {
    fake = await FakeKiteTicker.start('key', 'day-1');
    const { f } = makeFeed(new InstrumentRegistry(['BTCUSDT']), ['BTCUSDT']);
    expect(() => f.start()).toThrow(/'BTCUSDT' has no Kite instrument token/);
  });
});
