import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { FakeKiteApi } from '../fakes/fake-kite-api.js';
import { KiteVenue } from '../../engine/brokers/kite/kite-venue.js';
import { KiteSessions, KiteTokenRecovery } from '../../engine/brokers/kite/kite-session.js';
import { VenueBroker, type VenueBrokerOptions } from '../../engine/brokers/venue-broker.js';
import type { BrokerEvent } from '../../engine/brokers/broker.js';
import type { InstrumentInfo } from '../../engine/instruments/registry.js';
import { OrderState } from '../../engine/orders/order.js';
import { redisClient, testPrefix } from '../helpers/services.js';
import { tcpProxy } from '../helpers/tcp-proxy.js';
import { until } from '../helpers/until.js';

const API_KEY = 'kitekey';
const SECRET = 'kitesecret';
const USER = 'AB1234'; // profile.json's user_id
const INFY: InstrumentInfo = {
  symbol: 'INFY', exchange: 'NSE', segment: 'NSE', tickSize: 0.05, lotSize: 1, expiry: NaN, strike: 0, optionType: null, instrumentType: 'EQ',
  kiteToken: 408065, quoteAsset: 'INR', minNotional: 0,
};
const FAST: VenueBrokerOptions = { startingCash: 1_000_000, pollMs: 100, lookupAttempts: 3, lookupDelayMs: 100, maxSends: 3 };

let fake: FakeKiteApi;
let redis: Redis;
let prefix: string;
beforeAll(async () => {
  fake = await FakeKiteApi.start(API_KEY, SECRET);
  fake.fillPrice = () => 1500.5;
  redis = await redisClient();
  prefix = testPrefix();
});
afterAll(async () => {
  await fake?.close();
  redis?.disconnect();
});

function kiteBroker(o: { url?: string; timeoutMs?: number; token?: string | null } = {}) {
  const sessions = new KiteSessions({ apiKey: API_KEY, apiSecret: SECRET, restUrl: fake.url, loginUrl: 'http://login.invalid', redisPrefix: prefix }, redis);
  const tokens = new KiteTokenRecovery(sessions, { apiKey: API_KEY, restUrl: fake.url, brokerUserId: USER }, o.token === undefined ? fake.accessToken : o.token);
  const venue = new KiteVenue({ apiKey: API_KEY, restUrl: o.url ?? fake.url, product: 'MIS', timeoutMs: o.timeoutMs ?? 2000 }, [INFY], tokens);
  const events: BrokerEvent[] = [];
  const broker = new VenueBroker(venue, 1, FAST, (e) => events.push({ ...e, order: { ...e.order } }));
  return { broker, events, tokens };
}

const placementsOf = (tag: string) => fake.orders.filter((o) => o.tag === tag).length;

describe('Kite broker client (real kiteconnect SDK against the mock Kite API)', () => {
  it('places a market order with the documented fields, is acknowledged, and the trade becomes a fill and a position', async () => {
    const { broker, events } = kiteBroker();
    const o = broker.place({ clientOrderId: 'k1a', instrumentId: 1, side: 'buy', type: 'market', qty: 10 }, Date.now());
    expect(o.state).toBe(OrderState.Sent);
    await until('ack', () => events.some((e) => e.type === 'ack'));
    const req = fake.requests.find((r) => r.method === 'POST' && r.path === '/orders/regular')!;
    expect(Object.fromEntries(req.form)).toMatchObject({
      exchange: 'NSE', tradingsymbol: 'INFY', transaction_type: 'BUY', quantity: '10', product: 'MIS', order_type: 'MARKET', market_protection: '-1', validity: 'DAY', tag: 'k1a',
    });
    expect(req.headers['x-kite-version']).toBe('3');
    expect(req.headers.authorization).toBe(`token ${API_KEY}:${fake.accessToken}`);
    expect(broker.venueOrderId('k1a')).toBe(fake.orders.find((x) => x.tag === 'k1a')!.order_id);
    await broker.poll();
    const fill = events.find((e) => e.type === 'fill')!;
    expect(fill.fill).toMatchObject({ qty: 10, price: 1500.5, clientOrderId: 'k1a' });
    expect(fill.fill!.tradeId).toMatch(/^kite:\d+$/);
    expect(broker.order('k1a')!.state).toBe(OrderState.Filled);
    expect(broker.portfolio.position(1)).toBe(10);
    await broker.poll(); // the same trade again changes nothing
    expect(events.filter((e) => e.type === 'fill')).toHaveLength(1);
    expect(broker.place({ clientOrderId: 'k1a', instrumentId: 1, side: 'buy', type: 'market', qty: 10 }, Date.now())).toBe(broker.order('k1a'));
    expect(placementsOf('k1a')).toBe(1);
  });

  it('an unanswered placement is looked up by its tag, not sent again: one order at Kite', async () => {
    const { broker, events } = kiteBroker({ timeoutMs: 300 });
    fake.delayPlacementResponses = 1;
    fake.delayMs = 1500;
    broker.place({ clientOrderId: 'k2timeout', instrumentId: 1, side: 'sell', type: 'market', qty: 3 }, Date.now());
    await until('ack after lookup', () => events.some((e) => e.type === 'ack'), 5000);
    await broker.poll();
    expect(broker.order('k2timeout')!.state).toBe(OrderState.Filled);
    expect(placementsOf('k2timeout')).toBe(1);
    expect(broker.problems.some((p) => /unanswered.*looking it up/.test(p.message))).toBe(true);
  });

  it('a placement that never reached Kite is found missing by the lookup and sent again, once', async () => {
    const url = new URL(fake.url);
    const proxy = await tcpProxy(url.hostname, Number(url.port));
    try {
      const { broker, events } = kiteBroker({ url: `http://127.0.0.1:${proxy.port}`, timeoutMs: 500 });
      proxy.cut();
      broker.place({ clientOrderId: 'k3lost', instrumentId: 1, side: 'buy', type: 'market', qty: 2 }, Date.now());
      setTimeout(() => proxy.restore(), 150);
      await until('ack after resend', () => events.some((e) => e.type === 'ack'), 5000);
      expect(placementsOf('k3lost')).toBe(1);
      await broker.poll();
      expect(broker.portfolio.position(1)).toBe(2);
    } finally {
      await proxy.close();
    }
  });

  it('a token error recovers the session the daily login stored in Redis, validates it with a profile call, then retries', async () => {
    const { broker, events, tokens } = kiteBroker();
    const fresh = 'token-after-relogin';
    await redis.hset(`${prefix}kite:session:${USER}`, { userId: USER, accessToken: fresh, publicToken: 'p', loginTime: 'now' });
    fake.rotateToken(fresh);
    const before = fake.requests.length;
    broker.place({ clientOrderId: 'k4token', instrumentId: 1, side: 'buy', type: 'market', qty: 1 }, Date.now());
    await until('ack', () => events.some((e) => e.type === 'ack'), 5000);
    const after = fake.requests.slice(before).map((r) => `${r.method} ${r.path} ${r.headers.authorization?.endsWith(fresh) ? 'new' : 'old'}`);
    expect(after).toEqual(['POST /orders/regular old', 'GET /user/profile new', 'POST /orders/regular new']);
    expect(tokens.current()).toBe(fresh);
    expect(placementsOf('k4token')).toBe(1);
  });

  it('without a stored session the order is rejected, saying to log in, and nothing is placed', async () => {
    await redis.del(`${prefix}kite:session:${USER}`);
    const { broker, events } = kiteBroker({ token: 'stale-token' });
    broker.place({ clientOrderId: 'k5nosession', instrumentId: 1, side: 'buy', type: 'market', qty: 1 }, Date.now());
    await until('reject', () => events.some((e) => e.type === 'reject'), 5000);
    expect(broker.order('k5nosession')!.rejectReason).toMatch(/no session for AB1234: complete the daily login/);
    expect(placementsOf('k5nosession')).toBe(0);
  });

  it('a limit order rests until cancelled; the cancel comes back as CANCELLED', async () => {
    const { broker, events } = kiteBroker();
    broker.place({ clientOrderId: 'k6limit', instrumentId: 1, side: 'buy', type: 'limit', qty: 5, limitPrice: 1400 }, Date.now());
    await until('ack', () => events.some((e) => e.type === 'ack'));
    expect(fake.orders.find((o) => o.tag === 'k6limit')).toMatchObject({ order_type: 'LIMIT', price: 1400, status: 'OPEN' });
    expect(broker.workingQty(1)).toBe(5);
    broker.cancel('k6limit', Date.now());
    await until('cancelled', () => events.some((e) => e.type === 'cancel'), 5000);
    expect(broker.order('k6limit')!.state).toBe(OrderState.Cancelled);
    expect(broker.workingQty(1)).toBe(0);
  });

  it('modifies a resting limit order (quantity and price) through the SDK; Kite and the engine agree after', async () => {
    const { broker, events } = kiteBroker();
    broker.place({ clientOrderId: 'k9mod', instrumentId: 1, side: 'buy', type: 'limit', qty: 5, limitPrice: 1400 }, Date.now());
    await until('ack', () => events.some((e) => e.type === 'ack'));
    broker.modify('k9mod', { qty: 8, limitPrice: 1410.5 }, Date.now());
    await until('modified', () => events.some((e) => e.type === 'modify'), 5000);
    const req = fake.requests.filter((r) => r.method === 'PUT').at(-1)!;
    expect(Object.fromEntries(req.form)).toMatchObject({ quantity: '8', price: '1410.5', order_type: 'LIMIT' });
    expect(fake.orders.find((o) => o.tag === 'k9mod')).toMatchObject({ quantity: 8, price: 1410.5, modified: true });
    expect(broker.order('k9mod')).toMatchObject({ qty: 8, limitPrice: 1410.5, state: OrderState.Acknowledged });
    expect(broker.workingQty(1)).toBe(8);
    expect(() => broker.modify('k9mod', { qty: -1 }, Date.now())).toThrow(/quantity must be positive/);
  });

  it('Kite refuses a bad order (InputException): rejected with its message, counted once', async () => {
    const { broker, events } = kiteBroker();
    broker.place({ clientOrderId: 'k7bad', instrumentId: 1, side: 'buy', type: 'market', qty: 0.5 }, Date.now());
    await until('reject', () => events.some((e) => e.type === 'reject'));
    expect(broker.order('k7bad')!.rejectReason).toMatch(/InputException: Invalid `quantity`/);
  });

  it("keeps to Kite's 10 order requests a second", async () => {
    const { broker, events } = kiteBroker();
    const before = fake.requests.length;
    for (let k = 0; k < 25; k++) broker.place({ clientOrderId: `k8r${k}`, instrumentId: 1, side: 'buy', type: 'limit', qty: 1, limitPrice: 1000 }, Date.now());
    await until('25 acks', () => events.filter((e) => e.type === 'ack').length === 25, 10_000);
    const times = fake.requests.slice(before).filter((r) => r.method === 'POST').map((r) => r.at);
    expect(times).toHaveLength(25);
    // as Kite sees them: never 11 in one second
    for (let i = 10; i < times.length; i++) expect(times[i] - times[i - 10]).toBeGreaterThanOrEqual(1000);
  }, 20_000);

  it('reports positions and margins as Kite does', async () => {
    const { broker } = kiteBroker();
    void broker;
    const venue = new KiteVenue({ apiKey: API_KEY, restUrl: fake.url, product: 'MIS', timeoutMs: 2000 }, [INFY], { current: () => fake.accessToken, recover: async () => fake.accessToken });
    const positions = await venue.positions();
    const infy = positions.find((p) => p.symbol === 'INFY')!;
    const net = fake.trades.filter((t) => t.tradingsymbol === 'INFY').reduce((q, t) => q + (t.transaction_type === 'BUY' ? t.quantity : -t.quantity), 0);
    expect(infy).toMatchObject({ instrumentId: 1, qty: net });
    expect(Object.keys(await venue.margins())).toEqual(expect.arrayContaining(['equity', 'commodity']));
  });
});
