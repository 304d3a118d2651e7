import { afterEach, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { parseMetric, probeTrading, startEngineProcess, type EngineProcess } from '../helpers/engine-process.js';
import { freshDatabase } from '../helpers/services.js';

let engine: EngineProcess | undefined;
let db: Awaited<ReturnType<typeof freshDatabase>> | undefined;
afterEach(async () => {
  await engine?.stop();
  engine = undefined;
  await db?.drop();
  db = undefined;
});

describe('paper trading end to end', () => {
  it('signals become intents, orders and fills at the paper broker; every hop shows in /metrics; every order and fill is in PostgreSQL after shutdown', async () => {
    db = await freshDatabase();
    engine = await startEngineProcess(probeTrading(150), { DATABASE_URL: db.url });
    const e = engine;
    // entries on the side already at the leverage limit size to nothing (counted), so wait for orders too
    await e.waitFor('orders and fills', async () => (await e.metric('tickring_orders_total')) >= 3 && (await e.metric('tickring_fills_total')) >= 3, 20_000);
    expect(await e.metric('tickring_orchestrator_decisions_total', { decision: 'intent' })).toBeGreaterThanOrEqual(3);
    expect(await e.metric('tickring_order_rejections_total')).toBe(0);
    expect(await e.metric('tickring_equity')).toBeGreaterThan(0);
    expect(await e.metric('tickring_circuit_state')).toBe(0);
    expect(await e.metric('tickring_hop_latency_seconds_count', { hop: 'tick_to_order' })).toBeGreaterThanOrEqual(3);
    expect(await e.metric('tickring_hop_latency_seconds_count', { hop: 'signal_to_order' })).toBeGreaterThanOrEqual(3);
    // risk_decide is the risk thread's part of signal_to_order: one sample per order as well, and less time in all
    const text = (await e.get('/metrics')).text;
    const hop = (name: string, hop: string) => parseMetric(text, name, { hop, strategy: 'all' });
    // (within one: an order may be between its two recordings as /metrics is read)
    expect(Math.abs(hop('tickring_hop_latency_seconds_count', 'risk_decide') - hop('tickring_hop_latency_seconds_count', 'signal_to_order'))).toBeLessThanOrEqual(1);
    expect(hop('tickring_hop_latency_seconds_sum', 'risk_decide')).toBeGreaterThan(0);
    expect(hop('tickring_hop_latency_seconds_sum', 'risk_decide')).toBeLessThan(hop('tickring_hop_latency_seconds_sum', 'signal_to_order'));
    const risk = (await e.get('/health/risk')).body;
    expect(risk).toMatchObject({ circuit: 'CLOSED', killSwitch: false, limits: { maxLeverage: 1, riskPerTradePct: 0.02 } });
    expect(risk.counters.orders).toBeGreaterThanOrEqual(3);
    expect(risk.equity).toBeGreaterThan(0);
    await e.waitFor('rows in the database', async () => (await e.get('/health/db')).body.rowsWritten > 0, 10_000);
    expect((await e.get('/health/db')).body).toMatchObject({ state: 'WRITING', backend: 'postgres', backlogRows: 0 });

    await e.stop();
    expect((await e.exited).code).toBe(0);
    const sql = postgres(db.url, { max: 1, onnotice: () => {} });
    try {
      // the risk thread's last daily P&L row carries its fill count at shutdown: every one of those fills is stored
      const [pnl] = await sql<{ fills: number; equity: number }[]>`SELECT fills, equity FROM daily_pnl`;
      const [{ fills }] = await sql<{ fills: number }[]>`SELECT count(*)::int AS fills FROM fills`;
      expect(pnl.fills).toBeGreaterThanOrEqual(3);
      expect(fills).toBe(pnl.fills);
      expect(pnl.equity).toBeGreaterThan(0);
      // each order's filled quantity is the sum of its stored fills, and positions are the net of the fills
      const mismatched = await sql`
        SELECT o.client_order_id FROM orders o LEFT JOIN fills f USING (client_order_id)
        GROUP BY o.client_order_id, o.filled_qty HAVING abs(o.filled_qty - coalesce(sum(f.qty), 0)) > 1e-9`;
      expect(mismatched).toEqual([]);
      const positions = await sql<{ symbol: string; qty: number; net: number }[]>`
        SELECT p.symbol, p.qty, (SELECT sum(CASE WHEN side = 'buy' THEN qty ELSE -qty END) FROM fills f WHERE f.symbol = p.symbol) AS net FROM positions p`;
      expect(positions.length).toBeGreaterThan(0);
      for (const p of positions) expect(p.qty).toBeCloseTo(p.net, 9);
      // the latency probe is a diagnostic: its signals and decisions are not evidence and are not stored (its orders and fills are)
      const [{ n }] = await sql<{ n: number }[]>`SELECT (SELECT count(*) FROM decisions) + (SELECT count(*) FROM signals) AS n`;
      expect(Number(n)).toBe(0);
      const [{ states }] = await sql<{ states: string[] }[]>`SELECT array_agg(DISTINCT state) AS states FROM orders`;
      expect(states.every((s) => ['ACKNOWLEDGED', 'PARTIALLY_FILLED', 'FILLED', 'CANCELLED'].includes(s))).toBe(true);
      expect((await sql`SELECT 1 FROM instruments WHERE symbol = 'BTCUSDT'`).length).toBe(1);
    } finally {
      await sql.end();
    }
  }, 45_000);
});
