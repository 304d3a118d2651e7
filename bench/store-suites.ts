import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import * as hdr from 'hdr-histogram-js';
import { embeddedDatabase, postgresDatabase, type Database } from '../engine/persistence/database.js';
import { Journal } from '../engine/persistence/journal.js';
import { migrate } from '../engine/persistence/migrate.js';
import { writeRows } from '../engine/persistence/row-writer.js';
import type { StoreRow } from '../engine/persistence/store-rows.js';
import { WriteBehind } from '../engine/persistence/write-behind.js';
import type { BenchRow } from './table.js';

/**
 * Persistence throughput: fills (each with the order and position snapshots
 * the risk thread sends beside it) through the write-behind queue into the
 * real PostgreSQL, against the baseline of one INSERT per fill, in the same run.
 * Also the embedded database (PGlite), which `npm start` uses.
 */
export async function store(quick: boolean, progress: (s: string) => void): Promise<BenchRow[]> {
  const server = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `tickring_bench_${randomBytes(4).toString('hex')}`;
  const admin = postgres(server, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  const db = postgresDatabase(url.toString(), { max: 2 });
  const dir = mkdtempSync(path.join(tmpdir(), 'tickring-bench-store-'));
  const rows: BenchRow[] = [];
  try {
    await migrate(db);
    const fills = quick ? 50_000 : 300_000;
    progress(`store: ${fills} fills through the write-behind queue into PostgreSQL`);
    rows.push(await writeBehindRun('PostgreSQL', db, path.join(dir, 'pg.journal'), fills, false));
    rows.push(await writeBehindRun('PostgreSQL', db, path.join(dir, 'pg2.journal'), fills / 2, true));
    const single = quick ? 2000 : 10_000;
    progress(`store: baseline, ${single} fills one INSERT each`);
    rows.push(await oneByOne(db, single, rows[0].opsPerSec!));
    const embedded = await embeddedDatabase(path.join(dir, 'pgdata'));
    try {
      await migrate(embedded);
      const n = quick ? 20_000 : 100_000;
      progress(`store: ${n} fills through the write-behind queue into embedded PostgreSQL`);
      rows.push(await writeBehindRun('embedded PGlite', embedded, path.join(dir, 'emb.journal'), n, true));
    } finally {
      await embedded.close();
    }
  } finally {
    await db.close();
    await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

let runSeq = 0;
/** The rows the risk thread sends for fill k: the fill, its order's new state, the position. */
function fillRows(run: string, k: number, withSnapshots: boolean): StoreRow[] {
  const id = `${run}-${k}`;
  const at = 1.7e12 + k;
  const symbol = `SYM${k % 50}`;
  const fill: StoreRow = { t: 'fill', run, seq: 3 * k, tradeId: `${id}.1`, clientOrderId: id, at, exchange: 'BINANCE', symbol, side: k % 2 ? 'buy' : 'sell', qty: 1, price: 100 + (k % 7), fee: 0.01 };
  if (!withSnapshots) return [fill];
  return [
    fill,
    { t: 'order', run, seq: 3 * k + 1, broker: 'paper', clientOrderId: id, brokerOrderId: null, exchange: 'BINANCE', symbol, side: k % 2 ? 'buy' : 'sell', type: 'market', qty: 1,
      limitPrice: null, state: 'FILLED', filledQty: 1, avgPrice: 100, fees: 0.01, rejectReason: null, createdAt: at, updatedAt: at },
    { t: 'position', run, seq: 3 * k + 2, broker: 'paper', exchange: 'BINANCE', symbol, qty: k, avgPrice: 100, realisedPnl: 0, at },
  ];
}

async function writeBehindRun(target: string, db: Database, journalFile: string, fills: number, withSnapshots: boolean): Promise<BenchRow> {
  const run = `b${++runSeq}${randomBytes(2).toString('hex')}`;
  const journal = await Journal.open(journalFile);
  const h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
  // time every batch write (microseconds)
  const timed = async (d: Database, r: readonly StoreRow[]) => {
    const t = performance.now();
    await writeRows(d, r);
    h.recordValue(Math.max(1, Math.round((performance.now() - t) * 1000)));
  };
  const q = new WriteBehind(journal, { batchRows: 2000, flushMs: 20, retryMs: 1000, writeTimeoutMs: 30_000 }, () => {}, timed);
  q.attach(db);
  const per = withSnapshots ? 3 : 1;
  const t0 = performance.now();
  // the producer hands rows over in bursts, as the store thread would from its ring
  for (let k = 0; k < fills; k++) {
    for (const r of fillRows(run, k, withSnapshots)) q.enqueue(r);
    if (k % 5000 === 4999) await new Promise((r) => setImmediate(r));
  }
  await q.close();
  const seconds = (performance.now() - t0) / 1000;
  await journal.close();
  const [{ n }] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM fills WHERE run_id = $1', [run]);
  const lost = fills - n;
  return {
    suite: 'store', name: `fills persisted, write-behind -> ${target}${withSnapshots ? ' (+ order and position rows)' : ''}`, unit: 'ms/batch',
    p50: h.getValueAtPercentile(50) / 1000, p99: h.getValueAtPercentile(99) / 1000, p999: null, max: h.maxValue / 1000, opsPerSec: fills / seconds,
    note: `${fills} fills (${fills * per} rows) in ${seconds.toFixed(2)} s; batches of 2000; ${lost} missing; journal ${q.stats.journalBatches} batches`,
  };
}

async function oneByOne(db: Database, fills: number, batched: number): Promise<BenchRow> {
  const run = `s${++runSeq}${randomBytes(2).toString('hex')}`;
  const t0 = performance.now();
  for (let k = 0; k < fills; k++) await writeRows(db, fillRows(run, k, false));
  const perSec = fills / ((performance.now() - t0) / 1000);
  return {
    suite: 'store', name: 'fills persisted, one INSERT each (baseline)', unit: 'fills/s', p50: null, p99: null, p999: null, max: null, opsPerSec: perSec,
    note: `${fills} fills; write-behind is ${(batched / perSec).toFixed(0)}x this`,
  };
}
