import { afterEach, describe, expect, it } from 'vitest';
import { startEngineProcess, type EngineProcess } from '../helpers/engine-process.js';

let engine: EngineProcess | undefined;
afterEach(async () => {
  await engine?.stop();
  engine = undefined;
});

describe('paper trading end to end', () => {
  it('signals become intents, orders and fills at the paper broker; equity, positions and the latency of every hop show in /metrics', async () => {
    engine = await startEngineProcess({
      feeds: { simulator: { ticksPerSecond: 2000 }, publishers: { enabled: false } },
      strategies: [{ name: 'latency-probe', params: { every: 150, stopBps: 20, conviction: 0.9 } }],
    });
    const e = engine;
    // entries on the side already at the leverage limit size to nothing (counted), so wait for orders too
    await e.waitFor('orders and fills', async () => (await e.metric('tickring_orders_total')) >= 3 && (await e.metric('tickring_fills_total')) >= 3, 20_000);
    expect(await e.metric('tickring_orchestrator_decisions_total', { decision: 'intent' })).toBeGreaterThanOrEqual(3);
    expect(await e.metric('tickring_order_rejections_total')).toBe(0);
    expect(await e.metric('tickring_equity')).toBeGreaterThan(0);
    expect(await e.metric('tickring_circuit_state')).toBe(0);
    expect(await e.metric('tickring_hop_latency_seconds_count', { hop: 'tick_to_order' })).toBeGreaterThanOrEqual(3);
    expect(await e.metric('tickring_hop_latency_seconds_count', { hop: 'signal_to_order' })).toBeGreaterThanOrEqual(3);
    const risk = (await e.get('/health/risk')).body;
    expect(risk).toMatchObject({ circuit: 'CLOSED', killSwitch: false, limits: { maxLeverage: 1, riskPerTradePct: 0.5 } });
    expect(risk.counters.orders).toBeGreaterThanOrEqual(3);
    expect(risk.equity).toBeGreaterThan(0);
  }, 30_000);
});
