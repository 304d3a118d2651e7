import { afterEach, describe, expect, it } from 'vitest';
import { FakeKiteTicker } from '../fakes/fake-kite-ticker.js';
import { sharedData } from '../helpers/shared-data.js';
import { startEngineProcess, type EngineProcess } from '../helpers/engine-process.js';

let fake: FakeKiteTicker | undefined;
let engine: EngineProcess | undefined;
afterEach(async () => {
  await engine?.stop();
  await fake?.close();
  engine = fake = undefined;
});

describe('engine with the Kite Ticker feed (against the fake ticker)', () => {
  it('streams Kite ticks through the strategy with the key and token from the environment', async () => {
    fake = await FakeKiteTicker.start('kite-key', 'token-1');
    engine = await startEngineProcess(
      {
        feeds: { simulator: { enabled: false }, publishers: { enabled: false }, kite: { enabled: true, url: fake.url, symbols: ['NSE:CENTRALBK-BE', 'NFO:BANKNIFTY18JAN23500CE'] } },
        instrumentFiles: { kite: sharedData('kite-mocks/instruments_all.csv') },
        strategies: [{ name: 'latency-probe', params: { every: 5 } }],
      },
      { TICKRING_KITE_API_KEY: 'kite-key', TICKRING_KITE_ACCESS_TOKEN: 'token-1' },
    );
    const e = engine;
    await e.waitFor('ticks through the strategy', async () => (await e.metric('tickring_strategy_ticks_total', { strategy: 'latency-probe' })) > 50);
    await e.waitFor('ready on the Kite feed', async () => (await e.get('/health/ready')).status === 200);
    const p = (await e.get('/health/providers')).body.providers.find((x: any) => x.name === 'kite');
    expect(p).toMatchObject({ status: 'CONNECTED', subscriptionExpired: false, errors: 0 });
    expect(fake.rejectedHandshakes).toEqual([]);
  });

  it('refuses to start the Kite feed without an API key, naming the variable', async () => {
    await expect(startEngineProcess({ feeds: { kite: { enabled: true } } })).rejects.toThrow(/kite\.apiKey: .*TICKRING_KITE_API_KEY/);
  });
});
