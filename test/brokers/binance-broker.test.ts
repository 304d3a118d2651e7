import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { FakeBinanceTrading } from '../fakes/fake-binance-trading.js';
import { BinanceVenue, decimal } from '../../engine/brokers/binance/binance-venue.js';
import { VenueBroker } from '../../engine/brokers/venue-broker.js';
import type { BrokerEvent } from '../../engine/brokers/broker.js';
import type { InstrumentInfo } from '../../engine/instruments/registry.js';
import { OrderState } from '../../engine/orders/order.js';
import { until } from '../helpers/until.js';

const { Spot } = createRequire(import.meta.url)('@binance/connector');
const KEY = 'binance-key';
const SECRET = 'binance-secret';
const BTC: InstrumentInfo = {
  symbol: 'BTCUSDT', exchange: 'BINANCE', segment: 'SPOT', tickSize: 0.01, lotSize: 0.00001, expiry: NaN, strike: 0, optionType: null,
  instrumentType: 'SPOT', kiteToken: 0, quoteAsset: 'USDT', minNotional: 5,
};

let fake: FakeBinanceTrading;
beforeAll(async () => {
  fake = await FakeBinanceTrading.start(KEY, SECRET);
  fake.fillPrice = () => 60_000;
});
afterAll(() => fake?.close());

function binanceBroker(secret = SECRET, timeoutMs = 2000) {
  const venue = new BinanceVenue({ apiKey: KEY, apiSecret: secret, restUrl: fake.url, recvWindowMs: 5000, timeoutMs }, [BTC]);
  const events: BrokerEvent[] = [];
  const broker = new VenueBroker(venue, 1, { startingCash: 100_000, pollMs: 100, lookupAttempts: 3, lookupDelayMs: 100, maxSends: 3 }, (e) => events.push({ ...e, order: { ...e.order } }));
  return { broker, events, venue };
}

describe('the fake Binance trading API speaks what the official connector sends', () => {
  it('accepts @binance/connector signed requests and refuses a bad signature', async () => {
    const client = new Spot(KEY, SECRET, { baseURL: fake.url });
    const placed = (await client.newOrder('BTCUSDT', 'BUY', 'LIMIT', { price: '50000', quantity: '0.001', timeInForce: 'GTC', newClientOrderId: 'conn1' })).data;
    expect(placed).toMatchObject({ symbol: 'BTCUSDT', clientOrderId: 'conn1' });
    expect((await client.getOrder('BTCUSDT', { origClientOrderId: 'conn1' })).data).toMatchObject({ status: 'NEW', origQty: '0.001' });
    await expect(client.newOrder('BTCUSDT', 'BUY', 'LIMIT', { price: '50000', quantity: '0.001', timeInForce: 'GTC', newClientOrderId: 'conn1' }))
      .rejects.toMatchObject({ response: { data: { code: -2010 } } });
    expect((await client.cancelOrder('BTCUSDT', { origClientOrderId: 'conn1' })).data.status).toBe('CANCELED');
    const wrong = new Spot(KEY, 'not-the-secret', { baseURL: fake.url });
    await expect(wrong.account()).rejects.toMatchObject({ response: { data: { code: -1022 } } });
  });
});

describe('Binance broker client (signed REST against the fake)', () => {
  it('places a market order under its client order id; the trade becomes a fill with its commission', async () => {
    const { broker, events } = binanceBroker();
    broker.place({ clientOrderId: 'b1market', instrumentId: 1, side: 'buy', type: 'market', qty: 0.002 }, Date.now());
    await until('ack', () => events.some((e) => e.type === 'ack'));
    const req = fake.requests.find((r) => r.method === 'POST' && r.params.get('newClientOrderId') === 'b1market')!;
    expect(Object.fromEntries(req.params)).toMatchObject({ symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.002', newOrderRespType: 'ACK', recvWindow: '5000' });
    await broker.poll();
    const fill = events.find((e) => e.type === 'fill')!.fill!;
    expect(fill).toMatchObject({ qty: 0.002, price: 60_000 });
    expect(fill.fee).toBeCloseTo(0.12, 9);
    expect(fill.tradeId).toMatch(/^binance:BTCUSDT:\d+$/);
    expect(broker.order('b1market')!.state).toBe(OrderState.Filled);
    expect(broker.portfolio.position(1)).toBeCloseTo(0.002, 12);
  });

  it('an unanswered placement is looked up by origClientOrderId, not sent again', async () => {
    const { broker, events } = binanceBroker(SECRET, 300);
    fake.delayOrderResponses = 1;
    fake.delayMs = 1500;
    const before = fake.placements;
    broker.place({ clientOrderId: 'b2timeout', instrumentId: 1, side: 'sell', type: 'market', qty: 0.001 }, Date.now());
    await until('ack', () => events.some((e) => e.type === 'ack'), 5000);
    expect(fake.placements - before).toBe(1);
    expect(fake.requests.some((r) => r.method === 'GET' && r.params.get('origClientOrderId') === 'b2timeout')).toBe(true);
  });

  it('a limit order rests; the cancel comes back as CANCELLED', async () => {
    const { broker, events } = binanceBroker();
    broker.place({ clientOrderId: 'b3limit', instrumentId: 1, side: 'buy', type: 'limit', qty: 0.01, limitPrice: 55_000.5 }, Date.now());
    await until('ack', () => events.some((e) => e.type === 'ack'));
    expect(fake.orders.find((o) => o.clientOrderId === 'b3limit')).toMatchObject({ price: '55000.5', timeInForce: 'GTC', status: 'NEW' });
    broker.cancel('b3limit', Date.now());
    await until('cancelled', () => events.some((e) => e.type === 'cancel'), 5000);
    expect(broker.workingQty(1)).toBe(0);
  });

  it('lowers a resting order\'s quantity in place (amend, keeping priority); a new price is refused with the reason', async () => {
    const { broker, events } = binanceBroker();
    broker.place({ clientOrderId: 'b5amend', instrumentId: 1, side: 'sell', type: 'limit', qty: 0.01, limitPrice: 70_000 }, Date.now());
    await until('ack', () => events.some((e) => e.type === 'ack'));
    broker.modify('b5amend', { qty: 0.004 }, Date.now());
    await until('modified', () => events.some((e) => e.type === 'modify'));
    expect(fake.orders.find((o) => o.clientOrderId === 'b5amend')!.origQty).toBe('0.004');
    expect(broker.workingQty(1)).toBeCloseTo(-0.004, 12);
    broker.modify('b5amend', { limitPrice: 71_000 }, Date.now());
    await until('refused', () => broker.problems.some((p) => /cannot change the price of a resting order/.test(p.message)));
    expect(broker.order('b5amend')!.limitPrice).toBe(70_000);
  });

  it('a request Binance cannot verify (wrong secret) rejects the order with its error, and nothing is placed', async () => {
    const { broker, events } = binanceBroker('wrong-secret');
    const before = fake.placements;
    broker.place({ clientOrderId: 'b4sig', instrumentId: 1, side: 'buy', type: 'market', qty: 0.001 }, Date.now());
    await until('reject', () => events.some((e) => e.type === 'reject'));
    expect(broker.order('b4sig')!.rejectReason).toMatch(/-1022 Signature for this request is not valid/);
    expect(fake.placements).toBe(before);
  });

  it('formats quantities and prices as plain decimals', () => {
    expect([decimal(0.00001), decimal(1e-8), decimal(60000), decimal(0.1 + 0.2)]).toEqual(['0.00001', '0.00000001', '60000', '0.3']);
  });
});
