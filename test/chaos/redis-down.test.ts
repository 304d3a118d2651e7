import { afterAll, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { freshDatabase } from '../helpers/services.js';
import { probeTrading, startEngineProcess, type EngineProcess } from '../helpers/engine-process.js';
import { PrivateRedis } from '../helpers/private-redis.js';
import { createUser } from '../helpers/users.js';
import { FakeKiteApi } from '../fakes/fake-kite-api.js';
import { phaseP99, recordScenario, watchLatency } from './chaos-kit.js';

let engine: EngineProcess | undefined;
let redis: PrivateRedis | undefined;
let db: Awaited<ReturnType<typeof freshDatabase>> | undefined;
let kite: FakeKiteApi | undefined;
afterAll(async () => {
  await engine?.stop();
  await redis?.down();
  await kite?.close();
  await db?.drop();
});

describe('chaos: Redis down (Kite broker client against the mock Kite API)', () => {
  it('trading goes on with the broker token it holds; logins, token checks and the Kite login fail closed saying why; health says why; all is well once it is back', async () => {
    db = await freshDatabase();
    redis = await PrivateRedis.start();
    kite = await FakeKiteApi.start('rediskey', 'redissecret');
    kite.fillPrice = () => 100; // the simulator starts its markets near 100
    const env = { DATABASE_URL: db.url, REDIS_URL: redis.url, TICKRING_JWT_SECRET: 'c'.repeat(40), TICKRING_KITE_ACCESS_TOKEN: kite.accessToken };
    expect((await createUser(env, ['--username', 'ops', '--role', 'viewer'], 'a long enough password')).code).toBe(0);
    engine = await startEngineProcess({
      instruments: ['INFY'],
      ...probeTrading(150),
      // ~2 orders a second: Kite allows 10 requests a second, and finding each order's trades takes requests too
      feeds: { simulator: { ticksPerSecond: 300 }, publishers: { enabled: false } },
      broker: { name: 'kite', users: { PAPER_TRADER_001: 'AB1234' }, pollMs: 100, timeoutMs: 2000 },
      kite: { apiKey: 'rediskey', apiSecret: 'redissecret', restUrl: kite.url },
    }, env);
    const k = kite;
    const e = engine;
    const t0 = Date.now();
    const login = () => fetch(`http://127.0.0.1:${e.httpPort}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'ops', password: 'a long enough password' }) });
    const positions = (token: string) => fetch(`http://127.0.0.1:${e.httpPort}/positions`, { headers: { authorization: `Bearer ${token}` } });
    const ready = async () => (await e.get('/health/ready')).body as { ready: boolean; warnings: string[] };

    let phase = 'before';
    const watch = watchLatency(e, 'tick_to_signal', 'all', 500, () => phase);
    await e.waitFor('fills', async () => (await e.metric('tickring_fills_total')) >= 2, 20_000);
    const res = await login();
    expect(res.status).toBe(200);
    const { accessToken } = (await res.json()) as { accessToken: string };
    expect((await positions(accessToken)).status).toBe(200);
    expect((await ready()).warnings).toEqual([]);
    await new Promise((r) => setTimeout(r, 3000));

    // Redis dies
    phase = 'during';
    await redis.down();
    const fillsAtCut = await e.metric('tickring_fills_total');
    const health = await e.waitFor('health says why', async () => {
      const h = await ready();
      return h.warnings.some((w) => w.startsWith('redis: unreachable')) && h;
    });
    expect(health.ready).toBe(true); // trading is not what Redis is for
    const refused = await login();
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ error: 'auth_store_unavailable', message: expect.stringContaining('Redis') });
    const check = await positions(accessToken);
    expect(check.status).toBe(503); // a token whose revocation cannot be checked is not honoured
    expect(await check.json()).toMatchObject({ error: 'auth_store_unavailable' });
    // the daily Kite login cannot keep its state or session: refused, saying why
    const callback = await fetch(`http://127.0.0.1:${e.httpPort}/broker/kite/callback?status=success&request_token=abc&state=xyz`);
    expect(callback.status).toBe(503);
    expect(await callback.json()).toMatchObject({ error: 'store_unavailable', message: expect.stringContaining('Redis') });
    const placedAtCut = k.placements;
    await e.waitFor('trading goes on with the token it has', async () => (await e.metric('tickring_fills_total')) > fillsAtCut + 2 && k.placements > placedAtCut + 2, 20_000);
    await new Promise((r) => setTimeout(r, 5000)); // down for a while: the latency through it is watched

    // Redis is back
    phase = 'after';
    await redis.up();
    await e.waitFor('logins work again', async () => (await login()).status === 200, 15_000);
    expect((await ready()).warnings).toEqual([]);
    await new Promise((r) => setTimeout(r, 2000));
    const timeline = await watch.stop();
    const fillsCounted = await e.metric('tickring_fills_total');
    await e.stop();
    engine = undefined;

    // nothing lost: every Kite trade is a stored fill, each with its order; no order placed twice
    const sql = postgres(db.url, { max: 1, onnotice: () => {} });
    try {
      const stored = new Set((await sql<{ trade_id: string }[]>`SELECT trade_id FROM fills`).map((r) => r.trade_id));
      const missing = k.trades.filter((t) => !stored.has(`kite:${t.trade_id}`)).length;
      const tags = k.orders.map((o) => o.tag as string);
      const fills = stored.size;
      const [{ orphans }] = await sql<{ orphans: number }[]>`SELECT count(*)::int AS orphans FROM fills f WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.client_order_id = f.client_order_id)`;
      expect(missing).toBe(0);
      expect(new Set(tags).size).toBe(tags.length);
      expect(fills).toBeGreaterThanOrEqual(fillsCounted);
      recordScenario({
        name: 'redis-down',
        did: 'the Redis server was killed while trading through the Kite broker client (mock Kite API), held down 5 s, started again; logins, a token check, the Kite login callback and readiness were tried meanwhile',
        durationS: (Date.now() - t0) / 1000,
        lost: { brokerTradesNotStored: missing, fillsNotStored: Math.max(0, fillsCounted - fills), fillsWithoutOrder: orphans, duplicateOrders: tags.length - new Set(tags).size },
        p99Us: { before: phaseP99(timeline, 'before'), during: phaseP99(timeline, 'during'), after: phaseP99(timeline, 'after') },
        hop: 'tick_to_signal',
        timeline,
        figures: { loginWhileDown: refused.status, tokenCheckWhileDown: check.status, kiteLoginWhileDown: callback.status, readyWhileDown: health.ready, fillsDuringOutage: fillsCounted - fillsAtCut, ordersAtKite: k.orders.length },
      });
      expect(orphans).toBe(0);
    } finally {
      await sql.end();
    }
  }, 120_000);
});
