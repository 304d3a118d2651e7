import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { createUser as createUserWith } from '../helpers/users.js';
import { freshDatabase, REDIS_URL, testPrefix } from '../helpers/services.js';
import { startEngineProcess, type EngineProcess } from '../helpers/engine-process.js';
import { FakeBinance } from '../fakes/fake-binance.js';
import { sharedData } from '../helpers/shared-data.js';
import { postgresDatabase } from '../../engine/persistence/database.js';
import { writeRows } from '../../engine/persistence/row-writer.js';

const SECRET = 's'.repeat(48);
let db: Awaited<ReturnType<typeof freshDatabase>>;
let engine: EngineProcess;
let env: Record<string, string>;
let binance: FakeBinance;

const createUser = (args: string[], password: string) => createUserWith(env, args, password);

async function call(method: string, path: string, opts: { token?: string; body?: unknown; raw?: string } = {}) {
  const res = await fetch(`http://127.0.0.1:${engine.httpPort}${path}`, {
    method,
    headers: { ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}), ...(opts.body !== undefined || opts.raw ? { 'content-type': 'application/json' } : {}) },
    body: opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}
const login = async (username: string, password: string) => (await call('POST', '/auth/login', { body: { username, password } })).body;

beforeAll(async () => {
  db = await freshDatabase();
  env = { DATABASE_URL: db.url, REDIS_URL, TICKRING_JWT_SECRET: SECRET };
  binance = await FakeBinance.start('futures');
  engine = await startEngineProcess(
    {
      auth: { redisPrefix: testPrefix() },
      feeds: { binance: { enabled: true, market: 'futures', symbols: ['SUSHIUSDT'], streams: ['aggTrade'], wsUrl: binance.wsUrl, restUrl: binance.restUrl } },
      instrumentFiles: { binanceFutures: sharedData('binance-recorded/exchangeInfo.futures.json') },
    },
    env,
  );
  await engine.waitFor('ready', async () => (await engine.get('/health/ready')).status === 200);
});
afterAll(async () => {
  await engine?.stop();
  await binance?.close();
  await db?.drop();
});

describe('control API with real authentication (PostgreSQL, Redis)', () => {
  it('says how to create the first admin, and the command does it, reading the password from stdin', async () => {
    expect(engine.logs.some((l) => /no users yet: create the first admin with `tickring user create --admin/.test(l.msg ?? ''))).toBe(true);
    expect(await createUser(['--admin', '--username', 'root'], 'root password 123')).toMatchObject({ code: 0, out: 'created user root (admin)\n' });
    expect(await createUser(['--role', 'operator', '--username', 'ops'], 'ops password 1234')).toMatchObject({ code: 0 });
    expect(await createUser(['--username', 'watcher'], 'watcher password 1')).toMatchObject({ code: 0 });
    expect((await createUser(['--username', 'weak'], 'short')).out).toMatch(/at least 12 characters/);
  });

  it('only health and metrics answer without a token', async () => {
    expect((await engine.get('/health/ready')).status).toBe(200);
    expect((await engine.get('/metrics')).status).toBe(200);
    for (const [method, path] of [['GET', '/auth/me'], ['GET', '/control/strategies'], ['POST', '/control/strategies/latency-probe/pause'], ['POST', '/admin/users/ops/revoke']]) {
      const r = await call(method, path);
      expect(r.status, `${method} ${path}`).toBe(401);
      expect(r.body.error).toBe('unauthorized');
    }
  });

  it('login, me, refresh, logout; a logged-out token is refused', async () => {
    const s = await login('root', 'root password 123');
    expect(s).toMatchObject({ tokenType: 'Bearer', role: 'admin', expiresIn: 900 });
    expect((await call('GET', '/auth/me', { token: s.accessToken })).body).toEqual({ username: 'root', role: 'admin' });
    const next = (await call('POST', '/auth/refresh', { body: { refreshToken: s.refreshToken } })).body;
    expect(next.accessToken).toBeDefined();
    expect((await call('POST', '/auth/refresh', { body: { refreshToken: s.refreshToken } })).status).toBe(401); // rotated
    expect((await call('POST', '/auth/logout', { token: next.accessToken, body: { refreshToken: next.refreshToken } })).status).toBe(204);
    expect((await call('GET', '/auth/me', { token: next.accessToken })).body.error).toBe('token_revoked');
  });

  it('roles: a viewer cannot pause (403), an operator can, and the strategy is paused; every action is audited', async () => {
    const viewer = await login('watcher', 'watcher password 1');
    const ops = await login('ops', 'ops password 1234');
    const denied = await call('POST', '/control/strategies/latency-probe/pause', { token: viewer.accessToken });
    expect(denied).toMatchObject({ status: 403, body: { error: 'forbidden' } });
    expect((await call('POST', '/control/strategies/nope/pause', { token: ops.accessToken })).status).toBe(404);
    expect((await call('POST', '/control/strategies/latency-probe/pause', { token: ops.accessToken })).status).toBe(202);
    await engine.waitFor('paused', async () => (await engine.metric('tickring_strategy_paused', { strategy: 'latency-probe' })) === 1);
    const list = await call('GET', '/control/strategies', { token: viewer.accessToken });
    expect(list.body.strategies[0]).toMatchObject({ id: 'latency-probe', paused: true });
    expect((await call('POST', '/control/strategies/latency-probe/resume', { token: ops.accessToken })).status).toBe(202);
    await engine.waitFor('resumed', async () => (await engine.metric('tickring_strategy_paused', { strategy: 'latency-probe' })) === 0);
    const sql = postgres(db.url, { max: 1 });
    const rows = await sql`SELECT actor, action, detail FROM audit_log WHERE action LIKE 'strategy.%' ORDER BY id`;
    await sql.end();
    expect(rows.map((r) => [r.actor, r.action, r.detail.strategy])).toEqual([['ops', 'strategy.pause', 'latency-probe'], ['ops', 'strategy.resume', 'latency-probe']]);
  });

  it('an operator changes strategy parameters (validated by the strategy) and subscribes symbols on a live feed', async () => {
    const ops = await login('ops', 'ops password 1234');
    const bad = await call('PUT', '/control/strategies/latency-probe/params', { token: ops.accessToken, body: { every: 0 } });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/^every: /);
    expect((await call('PUT', '/control/strategies/latency-probe/params', { token: ops.accessToken, body: { every: 7 } })).status).toBe(202);
    await engine.waitFor('params applied in the strategy thread', async () => engine.logs.some((l) => l.thread === 'strategy:latency-probe' && l.msg === 'strategy parameters changed' && l.params?.every === 7));
    expect((await call('POST', '/control/feeds/nope/subscribe', { token: ops.accessToken, body: { symbols: ['X'] } })).status).toBe(404);
    expect((await call('POST', '/control/feeds/binance-futures/subscribe', { token: ops.accessToken, body: { symbols: ['AKROUSDT'] } })).status).toBe(202);
    await engine.waitFor('SUBSCRIBE at the exchange', async () => binance.controlMessages.some((c) => c.msg.method === 'SUBSCRIBE' && c.msg.params.includes('akrousdt@aggTrade')));
    // order control goes to the broker client in the risk thread; an unknown order is refused there and recorded
    expect((await call('PUT', '/control/orders/nosuchorder1', { token: ops.accessToken, body: {} })).body).toMatchObject({ error: 'bad_request', message: expect.stringMatching(/give qty, limitPrice, or both/) });
    expect((await call('PUT', '/control/orders/nosuchorder1', { token: ops.accessToken, body: { qty: 2 } })).status).toBe(202);
    expect((await call('POST', '/control/orders/nosuchorder1/cancel', { token: ops.accessToken })).status).toBe(202);
    const sqlc = postgres(db.url, { max: 1 });
    try {
      const refused = await engine.waitFor('refusals stored', async () => {
        const r = await sqlc<{ reason: string; detail: { error: string; by: string } }[]>`SELECT reason, detail FROM risk_events WHERE kind = 'control_refused' ORDER BY seq`;
        return r.length === 2 && r;
      }, 10_000);
      expect(refused.map((r) => [r.reason, r.detail.by, r.detail.error])).toEqual([
        ['order-modify', 'ops', "no order 'nosuchorder1'"], ['order-cancel', 'ops', "no order 'nosuchorder1'"],
      ]);
      const audited = await sqlc`SELECT action FROM audit_log WHERE action LIKE 'order.%' ORDER BY id`;
      expect(audited.map((r) => r.action)).toEqual(['order.modify', 'order.cancel']);
    } finally {
      await sqlc.end();
    }
  });

  it('the kill switch (operator) stops entries until an admin resets it; the circuit reset is admin only', async () => {
    const ops = await login('ops', 'ops password 1234');
    const root = await login('root', 'root password 123');
    expect((await call('POST', '/control/kill-switch', { token: ops.accessToken })).status).toBe(202);
    await engine.waitFor('kill switch on', async () => (await engine.metric('tickring_kill_switch')) === 1);
    expect((await call('POST', '/control/kill-switch/reset', { token: ops.accessToken })).status).toBe(403);
    expect((await call('POST', '/control/kill-switch/reset', { token: root.accessToken })).status).toBe(202);
    await engine.waitFor('kill switch off', async () => (await engine.metric('tickring_kill_switch')) === 0);
    expect((await call('POST', '/control/circuit/reset', { token: root.accessToken })).status).toBe(202);
    // risk limits: an admin changes them at run time; /health/risk shows what the risk thread uses
    expect((await call('PUT', '/control/risk/limits', { token: ops.accessToken, body: { maxLeverage: 2 } })).status).toBe(403);
    expect((await call('PUT', '/control/risk/limits', { token: root.accessToken, body: { maxLeverage: 50 } })).body).toMatchObject({ error: 'bad_request', message: expect.stringMatching(/^maxLeverage:/) });
    expect((await call('PUT', '/control/risk/limits', { token: root.accessToken, body: {} })).status).toBe(400);
    expect((await call('PUT', '/control/risk/limits', { token: root.accessToken, body: { maxLeverage: 2, circuit: { dailyLossPct: 3 } } })).status).toBe(202);
    const limits = await engine.waitFor('limits in force', async () => {
      const l = (await engine.get('/health/risk')).body.limits;
      return l.maxLeverage === 2 && l;
    });
    expect(limits).toMatchObject({ maxLeverage: 2, riskPerTradePct: 0.5, circuit: { dailyLossPct: 3, drawdownPct: 2, maxOpenPositions: 10 } });
  });

  it('admin revocation: the user is logged out everywhere; only an admin may do it', async () => {
    const ops = await login('ops', 'ops password 1234');
    const root = await login('root', 'root password 123');
    expect((await call('POST', '/admin/users/ops/revoke', { token: ops.accessToken })).status).toBe(403);
    expect((await call('POST', '/admin/users/ops/revoke', { token: root.accessToken })).body).toMatchObject({ user: 'ops' });
    expect((await call('GET', '/auth/me', { token: ops.accessToken })).body.error).toBe('token_revoked');
    expect((await call('POST', '/auth/refresh', { body: { refreshToken: ops.refreshToken } })).status).toBe(401);
  });

  it('positions, orders and P&L (viewer) read what the store wrote: open and final orders, flat positions on request, daily P&L beside the live figures', async () => {
    const dbh = postgresDatabase(db.url);
    try {
      const run = 'ctlapi';
      const order = (seq: number, id: string, state: string, filled: number, at: number) => ({
        t: 'order' as const, run, seq, broker: 'paper', clientOrderId: id, brokerOrderId: null, exchange: 'BINANCE_FUTURES', symbol: 'SUSHIUSDT', side: 'buy' as const,
        type: 'limit' as const, qty: 10, limitPrice: 1.5, state, filledQty: filled, avgPrice: filled ? 1.5 : null, fees: 0, rejectReason: null, createdAt: at, updatedAt: at,
      });
      await writeRows(dbh, [
        order(1, 'ctl1', 'FILLED', 10, 1.7e12), order(2, 'ctl2', 'ACKNOWLEDGED', 0, 1.7e12 + 1000), order(3, 'ctl3', 'CANCELLED', 0, 1.7e12 + 2000),
        { t: 'position', run, seq: 4, broker: 'paper', exchange: 'BINANCE_FUTURES', symbol: 'SUSHIUSDT', qty: 10, avgPrice: 1.5, realisedPnl: -0.1, at: 1.7e12 },
        { t: 'position', run, seq: 5, broker: 'paper', exchange: 'BINANCE_FUTURES', symbol: 'ETHUSDT', qty: 0, avgPrice: null, realisedPnl: 3, at: 1.7e12 },
        { t: 'pnl', run, seq: 6, day: '2020-01-02', broker: 'paper', startEquity: 1e5, equity: 100_250, realisedPnl: 250, fees: 4, fills: 12, at: 1.7e12 },
        { t: 'pnl', run, seq: 7, day: '2020-01-03', broker: 'paper', startEquity: 100_250, equity: 100_100, realisedPnl: -150, fees: 2, fills: 5, at: 1.7e12 + 1 },
      ]);
    } finally {
      await dbh.close();
    }
    const { accessToken } = await login('watcher', 'watcher password 1');
    expect((await call('GET', '/orders')).status).toBe(401);
    const all = await call('GET', '/orders', { token: accessToken });
    expect(all.status).toBe(200);
    expect(all.body.orders.filter((o: { clientOrderId: string }) => o.clientOrderId.startsWith('ctl')).map((o: { clientOrderId: string }) => o.clientOrderId)).toEqual(['ctl3', 'ctl2', 'ctl1']);
    const open = await call('GET', '/orders?state=open&symbol=SUSHIUSDT', { token: accessToken });
    expect(open.body.orders.map((o: { clientOrderId: string; state: string }) => [o.clientOrderId, o.state])).toEqual([['ctl2', 'ACKNOWLEDGED']]);
    expect((await call('GET', '/orders?state=final&limit=1', { token: accessToken })).body.orders).toHaveLength(1);
    expect((await call('GET', '/orders?limit=0', { token: accessToken })).body).toMatchObject({ error: 'bad_request', message: expect.stringMatching(/^limit:/) });
    expect((await call('GET', '/orders?sort=asc', { token: accessToken })).status).toBe(400);
    const positions = await call('GET', '/positions', { token: accessToken });
    expect(positions.body.positions.map((p: { symbol: string; qty: number }) => [p.symbol, p.qty])).toEqual([['SUSHIUSDT', 10]]);
    expect((await call('GET', '/positions?all=true', { token: accessToken })).body.positions).toHaveLength(2);
    // the engine keeps today's row itself; the two stored days follow it, newest first
    const pnl = await call('GET', '/pnl?days=3', { token: accessToken });
    expect(pnl.body.days.slice(-2)).toEqual([
      { day: '2020-01-03', startEquity: 100_250, equity: 100_100, realisedPnl: -150, fees: 2, fills: 5 },
      { day: '2020-01-02', startEquity: 1e5, equity: 100_250, realisedPnl: 250, fees: 4, fills: 12 },
    ]);
    expect((await call('GET', '/pnl?days=1', { token: accessToken })).body.days).toHaveLength(1);
    expect(pnl.body.live).toMatchObject({ equity: expect.any(Number), realisedPnl: expect.any(Number) });
    // and live from the broker client itself (through the risk thread)
    const margins = await call('GET', '/broker/margins', { token: accessToken });
    expect(margins).toMatchObject({ status: 200, body: { broker: 'paper', margins: { cash: expect.any(Number), equity: expect.any(Number), grossExposure: expect.any(Number) } } });
    expect(Array.isArray((await call('GET', '/broker/positions', { token: accessToken })).body.positions)).toBe(true);
    expect(Array.isArray((await call('GET', '/broker/orders', { token: accessToken })).body.orders)).toBe(true);
    expect((await call('GET', '/broker/margins')).status).toBe(401);
  });

  it('bad input: malformed JSON 400, wrong types 400 naming the field, oversized 413, unknown 404, wrong method 405, all JSON', async () => {
    expect(await call('POST', '/auth/login', { raw: '{"username": ' })).toMatchObject({ status: 400, body: { error: 'malformed_json' } });
    const wrong = await call('POST', '/auth/login', { body: { username: 42, password: 'x' } });
    expect(wrong.status).toBe(400);
    expect(wrong.body.message).toMatch(/^username: /);
    expect(await call('POST', '/auth/login', { raw: JSON.stringify({ username: 'root', password: 'x'.repeat(70_000) }) })).toMatchObject({ status: 413, body: { error: 'payload_too_large' } });
    expect(await call('GET', '/control/nothing-here')).toMatchObject({ status: 404, body: { error: 'not_found' } });
    expect(await call('GET', '/auth/login')).toMatchObject({ status: 405, body: { error: 'method_not_allowed' } });
  });

  it('the 11th login attempt from one address in 15 minutes is refused with 429 and Retry-After', async () => {
    // earlier tests made 9 counted logins from this address (refused bodies never reach the counter)
    let status = 0;
    let attempts = 0;
    let retryAfter: string | null = null;
    while (status !== 429 && attempts < 20) {
      const r = await call('POST', '/auth/login', { body: { username: 'root', password: 'wrong password!!' } });
      status = r.status;
      retryAfter = r.headers.get('retry-after');
      attempts++;
    }
    expect(status).toBe(429);
    expect(Number(retryAfter)).toBeGreaterThan(800);
    // attempt 10 is refused as a wrong password (401), the 11th with 429
    expect(attempts).toBe(2);
  });
});
