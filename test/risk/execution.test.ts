import { describe, expect, it } from 'vitest';
import { emptyTick, Side, SignalSide, TickKind } from '../../native-free-ringbuffer/index.js';
import { Execution } from '../../engine/risk/execution.js';
import { DEFAULT_CIRCUIT } from '../../engine/risk/circuit-breaker.js';
import { Decision, type OrderIntent } from '../../engine/orchestrator/orchestrator.js';
import { Quality } from '../../engine/analytics/signal-scorer.js';
import type { InstrumentInfo } from '../../engine/instruments/registry.js';

const inst: InstrumentInfo = { symbol: 'BTCUSDT', exchange: 'BINANCE', segment: 'SPOT', tickSize: 0.01, lotSize: 0.001, expiry: NaN, strike: 0, optionType: null, instrumentType: 'SPOT', kiteToken: 0, quoteAsset: 'USDT', minNotional: 0 };
const intent = (o: Partial<OrderIntent>): OrderIntent => ({
  decision: Decision.Intent, instrumentId: 1, side: SignalSide.Long, price: 100, stop: 99, target: 103, score: 70, quality: Quality.Good, strengths: 0, weaknesses: 0, strategies: 2, reasons: 0, opposingReasons: 0, confluence: 0.7, tickRecvTs: 0, signalTs: 0, ...o,
});
const trade = (price: number) => ({ ...emptyTick(), instrumentId: 1, kind: TickKind.Trade, price, qty: 1e6, side: Side.Buy });
const make = (multiplier = 1) =>
  new Execution([inst], { riskPerTradePct: 0.5, maxLeverage: 1, circuit: DEFAULT_CIRCUIT, paper: { startingCash: 100_000, latencyMs: 0, slippageBps: 0, takerFeeBps: 0, makerFeeBps: 0 } }, () => multiplier, () => {});

describe('execution', () => {
  it('sizes an entry by fixed-fractional risk times the regime multiplier, rounded to the lot, and fills it', () => {
    const x = make(0.5);
    expect(x.onIntent(intent({}), 0)).toBe(true);
    x.onTick(trade(100), 1);
    // 0.5% of 100,000 = 500 at risk, 1 per unit -> 500 units, halved by the regime
    expect(x.broker.portfolio.position(1)).toBe(250);
    expect(x.counters).toMatchObject({ orders: 1, fills: 1 });
  });

  it('a tight stop cannot size past maxLeverage x equity in notional', () => {
    const x = make();
    // risk sizing alone: 500 / 0.1 = 5,000 units = 500,000 notional, five times the account
    expect(x.onIntent(intent({ stop: 99.9 }), 0)).toBe(true);
    x.onTick(trade(100), 1);
    expect(x.broker.portfolio.position(1)).toBeCloseTo(1000, 9);
  });

  it('entries do not stack past maxLeverage, counting orders not yet filled; an opposite entry may flip up to the limit', () => {
    const x = make();
    expect(x.onIntent(intent({ stop: 99.9 }), 0)).toBe(true);
    expect(x.onIntent(intent({ stop: 99.9 }), 0)).toBe(false); // the first is still working: no headroom left
    x.onTick(trade(100), 1);
    expect(x.broker.portfolio.position(1)).toBeCloseTo(1000, 9);
    expect(x.onIntent(intent({ stop: 99.9 }), 2)).toBe(false);
    expect(x.onIntent(intent({ side: SignalSide.Short, stop: 100.1 }), 3)).toBe(true);
    x.onTick(trade(100), 4);
    expect(x.broker.portfolio.position(1)).toBeCloseTo(-1000, 9);
    expect(x.broker.portfolio.leverage()).toBeCloseTo(1, 9);
    expect(x.counters.unsized).toBe(2);
  });

  it('no stop, no size, no order; vetoed and NO TRADE decisions never reach the broker', () => {
    const x = make();
    expect(x.onIntent(intent({ stop: NaN }), 0)).toBe(false);
    expect(x.onIntent(intent({ decision: Decision.NoTrade }), 0)).toBe(false);
    expect(x.onIntent(intent({ decision: Decision.Vetoed }), 0)).toBe(false);
    expect(x.counters.orders).toBe(0);
  });

  it('an exit flattens the position', () => {
    const x = make();
    x.onIntent(intent({}), 0);
    x.onTick(trade(100), 1);
    expect(x.onIntent(intent({ decision: Decision.Exit, side: SignalSide.Flat }), 2)).toBe(true);
    x.onTick(trade(101), 3);
    expect(x.broker.portfolio.position(1)).toBe(0);
    expect(x.broker.portfolio.realised).toBeCloseTo(500, 6);
  });

  it('an open circuit refuses entries; the kill switch flattens and refuses until reset', () => {
    const x = make();
    x.onIntent(intent({}), 0);
    x.onTick(trade(100), 1);
    x.housekeeping(2, () => ({ regime: 3, blackSwan: false }));
    expect(x.breaker.trips[0].reason).toBe('volatility_spike');
    expect(x.onIntent(intent({}), 3)).toBe(false);
    expect(x.counters.refusedByCircuit).toBe(1);
    x.breaker.reset('root', 4);
    x.kill(5);
    x.onTick(trade(99), 6);
    expect(x.broker.portfolio.position(1)).toBe(0);
    expect(x.onIntent(intent({}), 7)).toBe(false);
    x.resetKill();
    expect(x.onIntent(intent({}), 8)).toBe(true);
  });
});
