import { describe, expect, it } from 'vitest';
import { CircuitBreaker, CircuitState, DEFAULT_CIRCUIT } from '../../engine/risk/circuit-breaker.js';
import { PaperBroker } from '../../engine/brokers/paper/paper-broker.js';
import { emptyTick, Side, TickKind } from '../../native-free-ringbuffer/index.js';

const MIN = 60_000;

describe('circuit breaker', () => {
  it('daily loss of 5% of start-of-day equity trips it, driven by fills and marks through the paper broker', () => {
    const cb = new CircuitBreaker();
    const broker = new PaperBroker(1, { startingCash: 100_000, latencyMs: 0, slippageBps: 0, takerFeeBps: 0, makerFeeBps: 0 });
    cb.startOfDay(broker.portfolio.equity());
    broker.place({ clientOrderId: 'b1', instrumentId: 1, side: 'buy', type: 'market', qty: 100 }, 0);
    const tick = (price: number) => ({ ...emptyTick(), instrumentId: 1, kind: TickKind.Trade, price, qty: 1000, side: Side.Sell });
    broker.onTick(tick(1000), 0); // 100 x 1000 = all the cash
    for (const [t, price] of [[20 * MIN, 990], [40 * MIN, 975], [60 * MIN, 960], [80 * MIN, 951], [100 * MIN, 949]] as const) {
      broker.onTick(tick(price), t);
      cb.onEquity(broker.portfolio.equity(), t);
      if (price > 950) expect(cb.state, `at ${price}`).toBe(CircuitState.Closed);
    }
    expect(cb.state).toBe(CircuitState.Open);
    expect(cb.trips[0].reason).toBe('daily_loss');
    expect(cb.trips[0].detail).toMatch(/5\.10% below the start of day/);
  });

  it('a 2% drawdown within 15 minutes trips it; the same fall over an hour does not', () => {
    const slow = new CircuitBreaker();
    for (let m = 0; m <= 60; m++) slow.onEquity(100_000 - m * 40, m * MIN); // 2.4% over an hour, < 2% in any 15 min
    expect(slow.state).toBe(CircuitState.Closed);
    const fast = new CircuitBreaker();
    for (let m = 0; m <= 10; m++) fast.onEquity(100_000 - m * 250, m * MIN);
    expect(fast.state).toBe(CircuitState.Open);
    expect(fast.trips.map((t) => t.reason)).toEqual(['intraday_drawdown']);
  });

  it('more than 10 open positions, a volatility spike, or 5 broker errors in a minute trip it', () => {
    const a = new CircuitBreaker();
    a.onOpenPositions(10, 0);
    expect(a.state).toBe(CircuitState.Closed);
    a.onOpenPositions(11, 0);
    expect(a.trips[0]).toMatchObject({ reason: 'max_positions', detail: '11 open positions, limit 10' });
    const b = new CircuitBreaker();
    b.onRegime(2, false, 0);
    expect(b.state).toBe(CircuitState.Closed);
    b.onRegime(1, true, 0, 'BTCUSDT');
    expect(b.trips[0]).toMatchObject({ reason: 'volatility_spike', detail: 'BTCUSDT: black-swan alert' });
    const c = new CircuitBreaker();
    for (let i = 0; i < 4; i++) c.onBrokerResult(false, i * 20_000); // 4 in 60 s, then one older than a minute drops out
    c.onBrokerResult(false, 70_000);
    expect(c.state).toBe(CircuitState.Closed);
    c.onBrokerResult(false, 75_000);
    expect(c.trips[0].reason).toBe('broker_errors');
  });

  it('after the cooldown it is HALF_OPEN with reduced-size probes; successes close it, a failure reopens it', () => {
    const cb = new CircuitBreaker({ ...DEFAULT_CIRCUIT, cooldownMs: 5 * MIN, probesToClose: 2, probeSizeFraction: 0.25 });
    cb.onOpenPositions(20, 0);
    expect(cb.allowEntry(MIN)).toEqual({ allowed: false, sizeFactor: 0 });
    expect(cb.allowEntry(5 * MIN)).toEqual({ allowed: true, sizeFactor: 0.25 });
    expect(cb.state).toBe(CircuitState.HalfOpen);
    cb.onProbeResult(false, 6 * MIN);
    expect(cb.state).toBe(CircuitState.Open);
    expect(cb.allowEntry(11 * MIN).sizeFactor).toBe(0.25);
    cb.onProbeResult(true, 12 * MIN);
    cb.onProbeResult(true, 13 * MIN);
    expect(cb.state).toBe(CircuitState.Closed);
    expect(cb.allowEntry(13 * MIN)).toEqual({ allowed: true, sizeFactor: 1 });
    expect(cb.trips.map((t) => t.reason)).toEqual(['max_positions', 'probe_failed']);
  });

  it('an admin reset closes it at once and is recorded', () => {
    const recorded: string[] = [];
    const cb = new CircuitBreaker(DEFAULT_CIRCUIT, (t) => recorded.push(t.reason));
    cb.onRegime(3, false, 0);
    cb.reset('root', 1);
    expect(cb.state).toBe(CircuitState.Closed);
    expect(recorded).toEqual(['volatility_spike', 'admin_reset']);
    expect(cb.trips[1].detail).toBe('reset by root');
  });
});
