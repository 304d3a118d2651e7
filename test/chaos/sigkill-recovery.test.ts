import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { probeTrading, startEngineProcess, type EngineProcess } from '../helpers/engine-process.js';
import { freshDatabase } from '../helpers/services.js';
import { FakeKiteApi } from '../fakes/fake-kite-api.js';
import { recordScenario } from './chaos-kit.js';

const engines: EngineProcess[] = [];
let fake: FakeKiteApi | undefined;
let db: Awaited<ReturnType<typeof freshDatabase>> | undefined;
const dataDir = mkdtempSync(path.join(tmpdir(), 'tickring-sigkill-'));
afterAll(async () => {
  for (const e of engines) await e.stop();
  await fake?.close();
  await db?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('chaos: SIGKILL in the middle of order flow, then a restart (Kite broker client against the mock Kite API)', () => {
  it('no order reaches the broker twice, every fill is in PostgreSQL, positions are reconciled', async () => {
    fake = await FakeKiteApi.start('sigkey', 'sigsecret');
    fake.fillPrice = () => 100; // the simulator starts its markets near 100
    db = await freshDatabase();
    const config = {
      instruments: ['INFY'],
      ...probeTrading(40),
      broker: { name: 'kite', users: { PAPER_TRADER_001: 'AB1234' }, pollMs: 100, timeoutMs: 2000 },
      kite: { apiKey: 'sigkey', restUrl: fake.url },
    };
    const env = { DATABASE_URL: db.url, TICKRING_DATA_DIR: dataDir, TICKRING_KITE_ACCESS_TOKEN: fake.accessToken };

    const t0 = Date.now();
    const first = await startEngineProcess(config, env);
    engines.push(first);
    await first.waitFor('orders at the broker', async () => fake!.placements >= 8 && (await first.get('/health/broker')).body.reconciliation === 'done', 20_000);
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    const placedBeforeKill = fake.placements;

    const restartedAt = Date.now();
    const second = await startEngineProcess(config, env);
    engines.push(second);
    const broker = await second.waitFor('reconciled', async () => {
      const b = (await second.get('/health/broker')).body;
      return b.reconciliation === 'done' && b;
    }, 15_000);
    const recoveryS = (Date.now() - restartedAt) / 1000;
    expect(broker).toMatchObject({ broker: 'kite', authenticated: true });
    expect(broker.reconciledOrders).toBeGreaterThanOrEqual(placedBeforeKill);
    await second.waitFor('trading again', async () => fake!.placements >= placedBeforeKill + 4, 20_000);
    await second.stop();
    expect((await second.exited).code).toBe(0);

    // the broker's books
    const tags = fake.orders.map((o) => o.tag as string);
    expect(new Set(tags).size).toBe(tags.length); // no client order id placed twice
    expect(tags.every((t) => /^[0-9a-z]{15,20}$/.test(t))).toBe(true);
    const net = fake.trades.reduce((q, t) => q + (t.transaction_type === 'BUY' ? t.quantity : -t.quantity), 0);

    const sql = postgres(db.url, { max: 1, onnotice: () => {} });
    try {
      const stored = new Set((await sql<{ trade_id: string }[]>`SELECT trade_id FROM fills`).map((r) => r.trade_id));
      const missing = fake.trades.filter((t) => !stored.has(`kite:${t.trade_id}`)).map((t) => t.trade_id);
      expect(missing).toEqual([]);
      expect(stored.size).toBe(fake.trades.length);
      const orders = await sql<{ client_order_id: string; state: string; broker_order_id: string | null; filled_qty: number }[]>`SELECT client_order_id, state, broker_order_id, filled_qty FROM orders`;
      const byTag = new Map(orders.map((o) => [o.client_order_id, o]));
      for (const o of fake.orders) {
        const row = byTag.get(o.tag);
        expect(row, `order ${o.tag} stored`).toBeDefined();
        expect([row!.state, row!.broker_order_id, row!.filled_qty]).toEqual(['FILLED', o.order_id, o.filled_quantity]);
      }
      const [position] = await sql<{ qty: number }[]>`SELECT qty FROM positions WHERE symbol = 'INFY'`;
      expect(position.qty).toBe(net);
      const [reconciled] = await sql<{ detail: { ordersOfTheDay: number; fillsRecorded: number } }[]>`SELECT detail FROM risk_events WHERE kind = 'reconciliation' ORDER BY at DESC LIMIT 1`;
      expect(reconciled.detail.ordersOfTheDay).toBeGreaterThanOrEqual(placedBeforeKill);
      recordScenario({
        name: 'sigkill-recovery',
        did: 'the engine was killed with SIGKILL while placing Kite orders (mock Kite API), then started again on the same data',
        durationS: (Date.now() - t0) / 1000,
        lost: { duplicateOrdersAtBroker: tags.length - new Set(tags).size, fillsNotStored: missing.length, positionDifference: Math.abs(position.qty - net) },
        p99Us: { before: null, during: null, after: null },
        hop: 'none (the process was killed)',
        timeline: [],
        figures: { ordersBeforeKill: placedBeforeKill, ordersAtBroker: fake.orders.length, tradesAtBroker: fake.trades.length, reconciledOrders: broker.reconciledOrders, restartToReconciledS: recoveryS },
      });
    } finally {
      await sql.end();
    }
  }, 90_000);
});
