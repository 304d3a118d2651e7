import { afterAll, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { freshDatabase } from '../helpers/services.js';
import { probeTrading, startEngineProcess, type EngineProcess } from '../helpers/engine-process.js';
import { PrivateRedis } from '../helpers/private-redis.js';
import { createUser } from '../helpers/users.js';
import { phaseP99, recordScenario, watchLatency } from './chaos-kit.js';

let engine: EngineProcess | undefined;
let redis: PrivateRedis | undefined;
let db: Awaited<ReturnType<typeof freshDatabase>> | undefined;
afterAll(async () => {
  await engine?.stop();
  await redis?.down();
  await db?.drop();
});

describe('chaos: Redis down', () => {
  it('trading goes on; logins and token checks fail closed with a clear error; health says why; all is well once it is back', async () => {
    db = await freshDatabase();
    redis = await PrivateRedis.start();
    const env = { DATABASE_URL: db.url, REDIS_URL: redis.url, TICKRING_JWT_SECRET: 'c'.repeat(40) };
    expect((await createUser(env, ['--username', 'ops', '--role', 'viewer'], 'a long enough password')).code).toBe(0);
    engine = await startEngineProcess(probeTrading(150), env);
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
    await e.waitFor('trading goes on', async () => (await e.metric('tickring_fills_total')) > fillsAtCut + 2, 20_000);
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

    // nothing lost: every fill the risk thread counted is stored, each with its order
    const sql = postgres(db.url, { max: 1, onnotice: () => {} });
    try {
      const [{ fills }] = await sql<{ fills: number }[]>`SELECT count(*)::int AS fills FROM fills`;
      const [{ orphans }] = await sql<{ orphans: number }[]>`SELECT count(*)::int AS orphans FROM fills f WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.client_order_id = f.client_order_id)`;
      expect(fills).toBeGreaterThanOrEqual(fillsCounted);
      recordScenario({
        name: 'redis-down',
        did: 'the Redis server was killed during paper trading and started again; logins, a token check and readiness were tried meanwhile',
        durationS: (Date.now() - t0) / 1000,
        lost: { fillsNotStored: Math.max(0, fillsCounted - fills), fillsWithoutOrder: orphans },
        p99Us: { before: phaseP99(timeline, 'before'), during: phaseP99(timeline, 'during'), after: phaseP99(timeline, 'after') },
        hop: 'tick_to_signal',
        timeline,
        figures: { loginWhileDown: refused.status, tokenCheckWhileDown: check.status, readyWhileDown: health.ready, fillsDuringOutage: fillsCounted - fillsAtCut },
      });
      expect(orphans).toBe(0);
    } finally {
      await sql.end();
    }
  }, 120_000);
});
