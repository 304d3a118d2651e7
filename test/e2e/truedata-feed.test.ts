import { afterEach, describe, expect, it } from 'vitest';
import { FakeTrueData } from '../fakes/fake-truedata.js';
import { startEngineProcess, type EngineProcess } from '../helpers/engine-process.js';

let fake: FakeTrueData | undefined;
let engine: EngineProcess | undefined;
afterEach(async () => {
  await engine?.stop();
  await fake?.close();
  engine = fake = undefined;
});

const config = (url: string) => ({
  instruments: ['NSE:RELIANCE'],
  feeds: { simulator: { enabled: false }, publishers: { enabled: false }, truedata: { enabled: true, url, symbols: ['RELIANCE'], backoff: { initialMs: 20, maxMs: 50 } } },
});
const credentials = { TICKRING_TRUEDATA_USER: 'trader', TICKRING_TRUEDATA_PASSWORD: 'secret' };

describe('engine with the TrueData feed (against the fake TrueData)', () => {
  it('streams TrueData ticks through the strategy', async () => {
    fake = await FakeTrueData.start('trader', 'secret');
    engine = await startEngineProcess(config(fake.url), credentials);
    const e = engine;
    await e.waitFor('ticks through the strategy', async () => (await e.metric('tickring_strategy_ticks_total', { strategy: 'latency-probe' })) > 20);
    const p = (await e.get('/health/providers')).body.providers.find((x: any) => x.name === 'truedata');
    expect(p).toMatchObject({ status: 'CONNECTED', available: true, subscriptionExpired: false });
  });

  it('an expired subscription stops the feed and /health/ready answers 503 with that reason', async () => {
    fake = await FakeTrueData.start('trader', 'secret');
    fake.expired = true;
    engine = await startEngineProcess(config(fake.url), credentials);
    const e = engine;
    const ready = await e.waitFor('503 for the expired subscription', async () => {
      const r = await e.get('/health/ready');
      return r.status === 503 && r.body.reasons.includes('feed truedata: subscription expired') ? r : undefined;
    });
    expect(ready.body.ready).toBe(false);
    const p = (await e.get('/health/providers')).body.providers.find((x: any) => x.name === 'truedata');
    expect(p).toMatchObject({ status: 'UNAVAILABLE', available: false, subscriptionExpired: true });
    expect(await e.metric('tickring_feed_subscription_expired', { feed: 'truedata' })).toBe(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(fake.connectCount).toBe(1);
  });
});
