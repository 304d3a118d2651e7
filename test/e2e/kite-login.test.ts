import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { FakeKiteApi } from '../fakes/fake-kite-api.js';
import { FakeKiteTicker } from '../fakes/fake-kite-ticker.js';
import { compiled } from '../helpers/compiled.js';
import { freshDatabase, REDIS_URL, testPrefix } from '../helpers/services.js';
import { sharedData } from '../helpers/shared-data.js';
import { startEngineProcess, type EngineProcess } from '../helpers/engine-process.js';

let db: Awaited<ReturnType<typeof freshDatabase>>;
let api: FakeKiteApi;
let ticker: FakeKiteTicker;
let engine: EngineProcess;
const prefix = testPrefix();

async function call(method: string, path: string, token?: string, body?: unknown) {
  const res = await fetch(`http://127.0.0.1:${engine.httpPort}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

beforeAll(async () => {
  db = await freshDatabase();
  api = await FakeKiteApi.start('kite-key', 'kite-secret');
  ticker = await FakeKiteTicker.start('kite-key', 'yesterday-token');
  const env = {
    DATABASE_URL: db.url, REDIS_URL, TICKRING_JWT_SECRET: 'j'.repeat(40),
    TICKRING_KITE_API_KEY: 'kite-key', TICKRING_KITE_API_SECRET: 'kite-secret', TICKRING_KITE_ACCESS_TOKEN: 'yesterday-token',
  };
  engine = await startEngineProcess(
    {
      auth: { redisPrefix: prefix },
      kite: { restUrl: api.url, loginUrl: 'https://kite.example/connect/login' },
      // the broker client trades through Kite too: it starts on yesterday's token, which Kite refuses
      broker: { name: 'kite', users: { PAPER_TRADER_001: 'XX0000' }, pollMs: 200 },
      feeds: { simulator: { enabled: false }, publishers: { enabled: false }, kite: { enabled: true, url: ticker.url, symbols: ['NSE:CENTRALBK-BE'] } },
      instrumentFiles: { kite: sharedData('kite-mocks/instruments_all.csv') },
    },
    env,
  );
  await new Promise<void>((resolve) => {
    const child = spawn(process.execPath, [compiled('workers/main.js'), 'user', 'create', '--role', 'operator', '--username', 'desk'], { env: { ...process.env, ...env } });
    child.on('close', () => resolve());
    child.stdin.end('desk password 12345\n');
  });
});
afterAll(async () => {
  await engine?.stop();
  await ticker?.close();
  await api?.close();
  await db?.drop();
});

describe('the Zerodha daily login', () => {
  it('login URL, redirect with the request token, exchange by the SDK; one submission updates Redis, the Kite Ticker and the broker client, no restart', async () => {
    await engine.waitFor('ticker on yesterday-token', async () => ticker.connections.length === 1 && ticker.connections[0].token === 'yesterday-token');
    // Kite refuses yesterday's token to the broker client: not authenticated, not ready, and health says why
    await engine.waitFor('broker refused', async () => (await engine.get('/health/broker')).status === 503);
    expect((await engine.get('/health/broker')).body).toMatchObject({ broker: 'kite', authenticated: false, reconciliation: 'failed' });
    expect((await engine.get('/health/ready')).body.reasons).toContain('broker kite: not authenticated (complete the daily login or check the API key)');
    const session = (await call('POST', '/auth/login', undefined, { username: 'desk', password: 'desk password 12345' })).body;
    const { url } = (await call('GET', '/broker/kite/login-url', session.accessToken)).body;
    const login = new URL(url);
    expect(login.origin + login.pathname).toBe('https://kite.example/connect/login');
    expect(login.searchParams.get('api_key')).toBe('kite-key');
    expect(login.searchParams.get('v')).toBe('3');
    const state = new URLSearchParams(login.searchParams.get('redirect_params')!).get('state')!;

    // the user logs in at Kite; Kite issues a request token and today's access token, and redirects
    api.requestTokens.add('rt0123456789');
    const todays = api.session.data.access_token;
    ticker.accepted.add(todays);
    const cb = await call('GET', `/broker/kite/callback?action=login&status=success&request_token=rt0123456789&state=${state}`);
    expect(cb).toMatchObject({ status: 200, body: { broker: 'kite', userId: api.session.data.user_id } });

    // the SDK sent what Kite documents
    const exchange = api.requests.find((r) => r.path === '/session/token')!;
    expect(exchange.form.get('api_key')).toBe('kite-key');
    expect(exchange.form.get('checksum')).toMatch(/^[0-9a-f]{64}$/);
    // Redis holds the session for the broker user, until Kite expires it
    const redis = new Redis(REDIS_URL);
    const stored = await redis.hgetall(`${prefix}kite:session:${api.session.data.user_id}`);
    const ttl = await redis.ttl(`${prefix}kite:session:${api.session.data.user_id}`);
    redis.disconnect();
    expect(stored.accessToken).toBe(todays);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(86_400);
    // the running ticker reconnected with the new token
    ticker.rotateToken(todays);
    await engine.waitFor('ticker on the new token', async () => ticker.connections.length === 1 && ticker.connections[0].token === todays);
    // counters reach /metrics ten times a second
    await engine.waitFor('the reconnect counted', async () => (await engine.metric('tickring_feed_reconnects_total', { feed: 'kite' })) >= 1);
    // the broker client took the same token: authenticated, reconciled, and its requests carry it
    const broker = await engine.waitFor('broker authenticated', async () => {
      const b = (await engine.get('/health/broker')).body;
      return b.authenticated && b.reconciliation === 'done' && b;
    }, 10_000);
    expect(broker).toMatchObject({ broker: 'kite', reconciledOrders: 0 });
    const brokerCalls = api.requests.filter((r) => r.path === '/user/profile' || r.path === '/orders' || r.path === '/portfolio/positions');
    expect(brokerCalls.at(-1)!.headers.authorization).toBe(`token kite-key:${todays}`);
    expect(await engine.metric('tickring_broker_authenticated', { broker: 'kite' })).toBe(1);
    // the margins Kite reports, asked of the broker client through the control plane
    const margins = await call('GET', '/broker/margins', session.accessToken);
    expect(margins.status).toBe(200);
    expect(Object.keys(margins.body.margins)).toEqual(expect.arrayContaining(['equity', 'commodity']));
    expect(api.requests.at(-1)).toMatchObject({ method: 'GET', path: '/user/margins' });
  });

  it('a callback without a valid state, or a failed login, is refused', async () => {
    expect((await call('GET', '/broker/kite/callback?status=success&request_token=abc&state=forged')).body.error).toBe('bad_state');
    expect((await call('GET', '/broker/kite/callback?status=cancelled')).status).toBe(400);
  });
});
