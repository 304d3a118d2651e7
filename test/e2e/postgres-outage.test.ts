import { afterAll, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { probeTrading, startEngineProcess, type EngineProcess } from '../helpers/engine-process.js';
import { privateCluster } from '../helpers/pg-cluster.js';

let engine: EngineProcess | undefined;
let cluster: Awaited<ReturnType<typeof privateCluster>> | undefined;
afterAll(async () => {
  await engine?.stop();
  cluster?.drop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('PostgreSQL stopped for 30 s while trading (pg_ctlcluster stop/start)', () => {
  it('trading goes on, rows spill to the journal, the journal catches up, and no row is missing', async () => {
    cluster = await privateCluster();
    engine = await startEngineProcess({ ...probeTrading(150), storage: { retryMs: 300, writeTimeoutMs: 2000 } }, { DATABASE_URL: cluster.url });
    const e = engine;
    const db = async () => (await e.get('/health/db')).body;
    await e.waitFor('fills stored', async () => (await e.metric('tickring_fills_total')) >= 3 && (await db()).rowsWritten > 0, 20_000);

    cluster.stop();
    const fillsAtStop = await e.metric('tickring_fills_total');
    await e.waitFor('spilling to the journal', async () => {
      const d = await db();
      return d.state === 'SPILLING' && d.journal.bytes > 0;
    }, 15_000);
    await sleep(30_000);
    const during = await db();
    expect(during.state).toBe('SPILLING');
    expect(during.journal.batchesSpilled).toBeGreaterThan(0);
    expect(during.backlogRows).toBe(0);
    expect(await e.metric('tickring_fills_total')).toBeGreaterThan(fillsAtStop); // trading went on
    expect((await e.get('/health/ready')).status).toBe(200); // the journal is healthy: still ready

    cluster.start();
    const after = await e.waitFor('journal replayed', async () => {
      const d = await db();
      return d.state === 'WRITING' && d.journal.bytes === 0 && d;
    }, 30_000);
    expect(after.journal.rowsReplayed).toBeGreaterThan(0);

    await e.stop();
    expect((await e.exited).code).toBe(0);
    const sql = postgres(cluster.url, { max: 1, onnotice: () => {} });
    try {
      const [pnl] = await sql<{ fills: number }[]>`SELECT fills FROM daily_pnl`;
      const [{ fills }] = await sql<{ fills: number }[]>`SELECT count(*)::int AS fills FROM fills`;
      expect(fills).toBe(pnl.fills); // every fill the risk thread counted, through the outage
      expect(fills).toBeGreaterThan(fillsAtStop);
      const mismatched = await sql`
        SELECT o.client_order_id FROM orders o LEFT JOIN fills f USING (client_order_id)
        GROUP BY o.client_order_id, o.filled_qty HAVING abs(o.filled_qty - coalesce(sum(f.qty), 0)) > 1e-9`;
      expect(mismatched).toEqual([]);
      const [{ orphans }] = await sql<{ orphans: number }[]>`SELECT count(*)::int AS orphans FROM fills f WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.client_order_id = f.client_order_id)`;
      expect(orphans).toBe(0);
    } finally {
      await sql.end();
    }
  }, 120_000);
});
