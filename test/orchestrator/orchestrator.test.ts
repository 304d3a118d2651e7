import { describe, expect, it } from 'vitest';
import { emptySignal, emptyTick, Side, SignalSide, TickKind, type Signal } from '../../native-free-ringbuffer/index.js';
import { Decision, Orchestrator, type OrderIntent } from '../../engine/orchestrator/orchestrator.js';
import { Quality } from '../../engine/analytics/signal-scorer.js';
import type { InstrumentInfo } from '../../engine/instruments/registry.js';

const btc: InstrumentInfo = { symbol: 'BTCUSDT', exchange: 'BINANCE', segment: 'SPOT', tickSize: 0.01, lotSize: 0.001, expiry: NaN, strike: 0, optionType: null, instrumentType: 'SPOT', kiteToken: 0, quoteAsset: 'USDT', minNotional: 0 };
const signal = (o: Partial<Signal>): Signal => ({ ...emptySignal(), instrumentId: 1, price: 100, stop: 99, target: 103, strength: 0.8, confidence: 0.8, side: SignalSide.Long, strategyId: 1, reasons: 1, tickRecvTs: 5, ...o });

function run(o: Orchestrator, steps: [number, Signal][], flushAt: number): OrderIntent[] {
  const out: OrderIntent[] = [];
  const decide = (i: Readonly<OrderIntent>) => out.push({ ...i });
  for (const [ms, s] of steps) o.onSignal(s, ms, decide);
  o.flush(flushAt, decide);
  return out;
}

/** Two days of one trade a minute trending by `step` per minute. */
function trend(o: Orchestrator, step: number) {
  const t0 = Date.UTC(2024, 0, 1);
  for (let i = 0; i < 2 * 24 * 60; i++) {
    const price = 100 + i * step + (i % 3) * 0.02;
    o.onTick({ ...emptyTick(), instrumentId: 1, kind: TickKind.Trade, price, qty: 1, side: Side.Buy }, t0 + i * 60_000);
  }
}

describe('orchestrator', () => {
  it('LONG and SHORT on the same instrument within the window is NO TRADE, recorded with both sides', () => {
    const o = new Orchestrator([btc]);
    const out = run(o, [[0, signal({ strategyId: 1, reasons: 0b101 })], [100, signal({ strategyId: 2, side: SignalSide.Short, reasons: 0b10 })]], 300);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ decision: Decision.NoTrade, instrumentId: 1, strategies: 0b110, reasons: 0b101, opposingReasons: 0b10 });
    expect(o.counts[Decision.NoTrade]).toBe(1);
  });

  it('a lone LONG with 3:1 reward to risk becomes an order intent with its score, quality and reasons', () => {
    const o = new Orchestrator([btc]);
    const [i] = run(o, [[0, signal({ reasons: 0b11 })]], 250);
    expect(i).toMatchObject({ decision: Decision.Intent, side: SignalSide.Long, price: 100, stop: 99, target: 103, reasons: 0b11, strategies: 0b10, tickRecvTs: 5 });
    // technical 0.8*30 + volume 0.8*20 + volatility 0.5*15 + momentum 0.5*15 + reward/risk 1*10 + timing 0.5*10
    expect(i.score).toBeCloseTo(24 + 16 + 7.5 + 7.5 + 10 + 5, 9);
    expect(i.quality).toBe(Quality.Good);
  });

  it('nothing is decided before the window closes; agreeing strategies count as timing', () => {
    const o = new Orchestrator([btc]);
    const out: OrderIntent[] = [];
    const decide = (i: Readonly<OrderIntent>) => out.push({ ...i });
    o.onSignal(signal({ strategyId: 1 }), 0, decide);
    o.onSignal(signal({ strategyId: 2, tickRecvTs: 3 }), 100, decide);
    o.flush(200, decide);
    expect(out).toHaveLength(0);
    o.flush(250, decide);
    expect(out[0]).toMatchObject({ decision: Decision.Intent, strategies: 0b110, tickRecvTs: 3 });
    expect(out[0].score).toBeCloseTo(24 + 16 + 7.5 + 7.5 + 10 + 10, 9);
  });

  it('a window closes as soon as every strategy has processed the ticks behind it, not after the full window', () => {
    let processedUpTo = 0;
    const o = new Orchestrator([btc], undefined, undefined, (ts) => processedUpTo >= ts);
    const out: OrderIntent[] = [];
    const decide = (i: Readonly<OrderIntent>) => out.push({ ...i });
    o.onSignal(signal({ strategyId: 1, tickRecvTs: 1000 }), 0, decide);
    o.flush(1, decide);
    expect(out).toHaveLength(0); // the other strategy has not seen tick 1000 yet: a conflicting signal may still come
    processedUpTo = 1000;
    o.flush(2, decide);
    expect(out.map((i) => i.decision)).toEqual([Decision.Intent]);
  });

  it('the multi-timeframe analyzer vetoes a LONG against a downtrend and confirms it with an uptrend', () => {
    const down = new Orchestrator([btc]);
    trend(down, -0.02); // 100 down to ~42
    const [v] = run(down, [[0, signal({ price: 42.4, stop: 41.4, target: 45.4 })]], 250);
    expect(v.decision).toBe(Decision.Vetoed);
    expect(v.confluence).toBeLessThan(0.35);
    const up = new Orchestrator([btc]);
    trend(up, 0.05);
    const [i] = run(up, [[0, signal({ price: 240, stop: 239, target: 243 })]], 250);
    expect(i.decision).toBe(Decision.Intent);
    expect(i.confluence).toBeGreaterThan(0.7);
  });

  it('a weak signal without a stop in an EXTREME regime is below quality', () => {
    const o = new Orchestrator([btc], undefined, () => 3);
    const [i] = run(o, [[0, signal({ strength: 0.1, confidence: 0.1, stop: NaN, target: NaN })]], 250);
    expect(i.decision).toBe(Decision.BelowQuality);
    expect(i.quality).toBe(Quality.Poor);
  });

  it('exits (FLAT) pass straight through', () => {
    const o = new Orchestrator([btc]);
    const out: OrderIntent[] = [];
    o.onSignal(signal({ side: SignalSide.Flat, reasons: 1 }), 0, (i) => out.push({ ...i }));
    expect(out).toEqual([expect.objectContaining({ decision: Decision.Exit, side: SignalSide.Flat, instrumentId: 1 })]);
  });
});
