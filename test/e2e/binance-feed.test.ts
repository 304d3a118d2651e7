import { afterEach, describe, expect, it } from 'vitest';
import { FakeBinance } from '../fakes/fake-binance.js';
import { sharedData } from '../helpers/shared-data.js';
import { startEngineProcess, type EngineProcess } from '../helpers/engine-process.js';

let fake: FakeBinance | undefined;
let engine: EngineProcess | undefined;
afterEach(async () => {
  await engine?.stop();
  await fake?.close();
  engine = fake = undefined;
});

describe('engine with the Binance feed (against the fake Binance)', () => {
  it('takes trades and depth from Binance, shows the provider in health, and counts a reconnect', async () => {
    fake = await FakeBinance.start('futures');
    const f = fake;
    engine = await startEngineProcess({
      feeds: {
        simulator: { enabled: false },
        publishers: { enabled: false },
        binance: { enabled: true, market: 'futures', symbols: ['SUSHIUSDT', 'CTKUSDT'], wsUrl: f.wsUrl, restUrl: f.restUrl, backoff: { initialMs: 50, maxMs: 500 } },
      },
      instrumentFiles: { binanceFutures: sharedData('binance-recorded/exchangeInfo.futures.json') },
      strategies: [{ name: 'latency-probe', params: { every: 5 } }],
    });
    const e = engine;
    await e.waitFor('ready on the Binance feed', async () => (await e.get('/health/ready')).status === 200);
    await e.waitFor('ticks through the strategy', async () => (await e.metric('tickring_strategy_ticks_total', { strategy: 'latency-probe' })) > 50);
    const p = (await e.get('/health/providers')).body.providers.find((x: any) => x.name === 'binance-futures');
    expect(p).toMatchObject({ status: 'CONNECTED', available: true, subscriptionExpired: false, errors: 0, gaps: 0 });
    // the depth snapshot is asked for once the depth stream is up, which may be after the first 50 trades
    await e.waitFor('a depth snapshot request', async () => f.snapshotRequests.includes('SUSHIUSDT'));
    f.dropAll();
    await e.waitFor('a reconnect', async () => (await e.metric('tickring_feed_reconnects_total', { feed: 'binance-futures' })) === 1);
    await e.waitFor('ready again', async () => (await e.get('/health/ready')).status === 200);
  });
});
