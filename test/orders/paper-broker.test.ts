import { describe, expect, it } from 'vitest';
import { emptyTick, Side, TickKind, type Tick } from '../../native-free-ringbuffer/index.js';
import { applyFill, newOrder, OrderError, OrderState, transition } from '../../engine/orders/order.js';
import { PaperBroker } from '../../engine/brokers/paper/paper-broker.js';
import type { BrokerEvent } from '../../engine/brokers/broker.js';

const trade = (price: number, qty: number): Tick => ({ ...emptyTick(), instrumentId: 1, kind: TickKind.Trade, price, qty, side: Side.Buy });
const quote = (bid: number, ask: number, bidQty = NaN, askQty = NaN): Tick => ({ ...emptyTick(), instrumentId: 1, kind: TickKind.Quote, price: (bid + ask) / 2, qty: 0, bid, ask, bidQty, askQty });

describe('order state machine', () => {
  it('walks NEW -> SENT -> ACKNOWLEDGED -> PARTIALLY_FILLED -> FILLED, with quantities and average price', () => {
    const o = newOrder({ clientOrderId: 'a1', instrumentId: 1, side: 'buy', type: 'market', qty: 10 }, 0);
    transition(o, OrderState.Sent, 1);
    transition(o, OrderState.Acknowledged, 2);
    applyFill(o, { tradeId: 'x1', clientOrderId: 'a1', qty: 4, price: 100, fee: 0.4, at: 3 });
    expect([o.state, o.filledQty, o.avgPrice]).toEqual([OrderState.PartiallyFilled, 4, 100]);
    applyFill(o, { tradeId: 'x2', clientOrderId: 'a1', qty: 6, price: 101, fee: 0.6, at: 4 });
    expect([o.state, o.filledQty, o.avgPrice, o.fees, o.fillCount]).toEqual([OrderState.Filled, 10, 100.6, 1, 2]);
  });

  it('refuses illegal transitions, overfills and bad orders', () => {
    const o = newOrder({ clientOrderId: 'a2', instrumentId: 1, side: 'sell', type: 'limit', qty: 1, limitPrice: 5 }, 0);
    expect(() => transition(o, OrderState.Filled, 1)).toThrow(/NEW cannot become FILLED/);
    transition(o, OrderState.Sent, 1);
    expect(() => applyFill(o, { tradeId: 'x3', clientOrderId: 'a2', qty: 2, price: 5, fee: 0, at: 2 })).toThrow(/exceeds the open 1/);
    transition(o, OrderState.Cancelled, 2);
    expect(() => transition(o, OrderState.Acknowledged, 3)).toThrow(OrderError);
    expect(() => newOrder({ clientOrderId: 'bad id!', instrumentId: 1, side: 'buy', type: 'market', qty: 1 }, 0)).toThrow(/client order id/);
    expect(() => newOrder({ clientOrderId: 'x', instrumentId: 1, side: 'buy', type: 'limit', qty: 1 }, 0)).toThrow(/limit price/);
  });

  it('takes client order ids of 1-36 letters, digits, - and _ only (what Kite and Binance both accept)', () => {
    const make = (id: string) => () => newOrder({ clientOrderId: id, instrumentId: 1, side: 'buy', type: 'market', qty: 1 }, 0);
    for (const ok of ['a', 'Z9', 'run-1_x', '0123456789abcdefghijABCDEFGHIJ-_xyzw'.slice(0, 36), 'A'.repeat(36)]) expect(make(ok)).not.toThrow();
    for (const bad of ['', 'A'.repeat(37), 'a.b', 'a b', 'a/b', 'é', 'a:1', '[x]', '`', '@', '{']) expect(make(bad)).toThrow(/client order id must be 1-36/);
  });
});

describe('paper broker', () => {
  it('a market buy fills at the next trade plus slippage, after the latency, with the taker fee', () => {
    const events: BrokerEvent[] = [];
    const b = new PaperBroker(1, { startingCash: 10_000, latencyMs: 50, slippageBps: 10, takerFeeBps: 10, makerFeeBps: 2 }, (e) => events.push({ ...e, order: { ...e.order } }));
    b.place({ clientOrderId: 'm1', instrumentId: 1, side: 'buy', type: 'market', qty: 2 }, 1000);
    b.onTick(trade(100, 5), 1020); // too early
    expect(b.order('m1')!.state).toBe(OrderState.Acknowledged);
    b.onTick(trade(100, 5), 1060);
    const o = b.order('m1')!;
    expect([o.state, o.filledQty]).toEqual([OrderState.Filled, 2]);
    expect(o.avgPrice).toBeCloseTo(100.1, 10);
    expect(o.fees).toBeCloseTo(2 * 100.1 * 0.001, 10);
    expect(events.map((e) => e.type)).toEqual(['ack', 'fill']);
    expect(b.portfolio.position(1)).toBe(2);
  });

  it('a market sell fills at the bid of a quote; partial fills follow the quoted size', () => {
    const b = new PaperBroker(1, { startingCash: 10_000, latencyMs: 0, slippageBps: 0, takerFeeBps: 0, makerFeeBps: 0 });
    b.place({ clientOrderId: 's1', instrumentId: 1, side: 'sell', type: 'market', qty: 10 }, 0);
    b.onTick(quote(99, 101, 4, 7), 1);
    expect([b.order('s1')!.state, b.order('s1')!.filledQty, b.order('s1')!.avgPrice]).toEqual([OrderState.PartiallyFilled, 4, 99]);
    b.onTick(trade(98, 100), 2);
    expect([b.order('s1')!.state, b.order('s1')!.filledQty]).toEqual([OrderState.Filled, 10]);
    expect(b.order('s1')!.avgPrice).toBeCloseTo((4 * 99 + 6 * 98) / 10, 10);
  });

  it('a limit buy rests until the market reaches it, and fills at its limit with the maker fee', () => {
    const b = new PaperBroker(1, { startingCash: 10_000, latencyMs: 0, slippageBps: 5, takerFeeBps: 10, makerFeeBps: 2 });
    b.place({ clientOrderId: 'l1', instrumentId: 1, side: 'buy', type: 'limit', qty: 3, limitPrice: 95 }, 0);
    b.onTick(trade(96, 10), 1);
    b.onTick(quote(95.5, 96), 2);
    expect(b.order('l1')!.filledQty).toBe(0);
    b.onTick(trade(94.5, 1), 3); // trades through: fills 1 at the limit
    b.onTick(quote(94, 95, 10, 10), 4); // the ask reaches the limit: the rest
    const o = b.order('l1')!;
    expect([o.state, o.filledQty, o.avgPrice]).toEqual([OrderState.Filled, 3, 95]);
    expect(o.fees).toBeCloseTo(3 * 95 * 0.0002, 10);
  });

  it('cancels open orders, and a second placement with the same client id returns the first order', () => {
    const b = new PaperBroker(1);
    const first = b.place({ clientOrderId: 'c1', instrumentId: 1, side: 'sell', type: 'limit', qty: 1, limitPrice: 200 }, 0);
    const again = b.place({ clientOrderId: 'c1', instrumentId: 1, side: 'sell', type: 'limit', qty: 1, limitPrice: 200 }, 1);
    expect(again).toBe(first);
    expect(b.orders()).toHaveLength(1);
    expect(b.cancel('c1', 2).state).toBe(OrderState.Cancelled);
    b.onTick(trade(250, 10), 3);
    expect(b.order('c1')!.filledQty).toBe(0);
    b.place({ clientOrderId: 'c2', instrumentId: 1, side: 'buy', type: 'limit', qty: 1, limitPrice: 1 }, 4);
    b.place({ clientOrderId: 'c3', instrumentId: 1, side: 'buy', type: 'limit', qty: 1, limitPrice: 1 }, 4);
    expect(b.cancelAll(5)).toBe(2);
  });

  it('rejects bad orders with a reason, and tracks P&L through a round trip', () => {
    const b = new PaperBroker(1, { startingCash: 1_000, latencyMs: 0, slippageBps: 0, takerFeeBps: 0, makerFeeBps: 0 });
    expect(b.place({ clientOrderId: 'r1', instrumentId: 9, side: 'buy', type: 'market', qty: 1 }, 0)).toMatchObject({ state: OrderState.Rejected, rejectReason: 'unknown instrument 9' });
    expect(b.place({ clientOrderId: 'r2', instrumentId: 1, side: 'buy', type: 'market', qty: -1 }, 0).state).toBe(OrderState.Rejected);
    b.place({ clientOrderId: 'rt1', instrumentId: 1, side: 'buy', type: 'market', qty: 2 }, 0);
    b.onTick(trade(100, 5), 1);
    b.place({ clientOrderId: 'rt2', instrumentId: 1, side: 'sell', type: 'market', qty: 2 }, 2);
    b.onTick(trade(110, 5), 3);
    expect(b.portfolio.position(1)).toBe(0);
    expect(b.portfolio.realised).toBeCloseTo(20, 10);
    expect(b.portfolio.equity()).toBeCloseTo(1_020, 10);
  });
});

describe('paper broker: modify', () => {
  it('changes a resting limit order; cutting it down to what filled completes it; bad changes are refused', () => {
    const events: string[] = [];
    const b = new PaperBroker(1, { startingCash: 1e5, latencyMs: 0, slippageBps: 0, takerFeeBps: 0, makerFeeBps: 0 }, (e) => events.push(e.type));
    b.place({ clientOrderId: 'm1', instrumentId: 1, side: 'buy', type: 'limit', qty: 10, limitPrice: 99 }, 0);
    b.modify('m1', { limitPrice: 100 }, 1);
    b.onTick({ ...emptyTick(), instrumentId: 1, kind: TickKind.Trade, price: 100, qty: 4 }, 2);
    expect(b.order('m1')).toMatchObject({ filledQty: 4, state: OrderState.PartiallyFilled, limitPrice: 100 });
    expect(() => b.modify('m1', { qty: 3 }, 3)).toThrow(/at least the 4 already filled/);
    b.modify('m1', { qty: 4 }, 4);
    expect(b.order('m1')!.state).toBe(OrderState.Filled);
    expect(b.workingQty(1)).toBe(0);
    expect(events).toEqual(['ack', 'modify', 'fill', 'modify']);
    expect(() => b.modify('m1', { qty: 5 }, 5)).toThrow(/FILLED: it cannot be modified/);
  });
});

describe('broker memory', () => {
  it('forgets final orders older than the window, keeps open and recent ones', () => {
    const b = new PaperBroker(1, { startingCash: 1e5, latencyMs: 0, slippageBps: 0, takerFeeBps: 0, makerFeeBps: 0 });
    b.place({ clientOrderId: 'old', instrumentId: 1, side: 'buy', type: 'market', qty: 1 }, 0);
    b.onTick({ ...emptyTick(), instrumentId: 1, kind: TickKind.Trade, price: 100, qty: 5 }, 10);
    b.place({ clientOrderId: 'open', instrumentId: 1, side: 'buy', type: 'limit', qty: 1, limitPrice: 50 }, 20);
    b.place({ clientOrderId: 'recent', instrumentId: 1, side: 'sell', type: 'market', qty: 1 }, 1000);
    b.onTick({ ...emptyTick(), instrumentId: 1, kind: TickKind.Trade, price: 100, qty: 5 }, 1000);
    expect(b.forgetFinal(500)).toBe(1);
    expect([b.order('old'), b.order('open')?.state, b.order('recent')?.state]).toEqual([undefined, OrderState.Acknowledged, OrderState.Filled]);
    expect(b.portfolio.position(1)).toBe(0); // forgetting an order changes no position
  });
});
