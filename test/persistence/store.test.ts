import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { embeddedDatabase, postgresDatabase, type Database } from '../../engine/persistence/database.js';
import { Journal } from '../../engine/persistence/journal.js';
import { migrate } from '../../engine/persistence/migrate.js';
import { upsertInstruments, writeRows } from '../../engine/persistence/row-writer.js';
import type { FillRow, OrderRow, PositionRow, RiskEventRow, StoreRow } from '../../engine/persistence/store-rows.js';
import { WriteBehind } from '../../engine/persistence/write-behind.js';
import { StoreState } from '../../engine/status/status-region.js';
import { freshDatabase } from '../helpers/services.js';
import { tcpProxy } from '../helpers/tcp-proxy.js';
import { until } from '../helpers/until.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'tickring-store-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const RUN = 'r1';
const order = (seq: number, id: string, state: string, filledQty = 0): OrderRow => ({
  t: 'order', run: RUN, seq, broker: 'paper', clientOrderId: id, brokerOrderId: null, exchange: 'BINANCE', symbol: 'BTCUSDT', side: 'buy',
  type: 'market', qty: 2, limitPrice: null, state, filledQty, avgPrice: filledQty ? 100 : null, fees: 0, rejectReason: null, createdAt: 1e12, updatedAt: 1e12 + seq,
});
const fill = (seq: number, id: string, n: number): FillRow => ({
  t: 'fill', run: RUN, seq, tradeId: `${id}.${n}`, clientOrderId: id, at: 1e12 + seq, exchange: 'BINANCE', symbol: 'BTCUSDT', side: 'buy', qty: 1, price: 100 + n, fee: 0.01,
});
const position = (seq: number, qty: number, at: number, run = RUN): PositionRow => ({
  t: 'position', run, seq, broker: 'paper', exchange: 'BINANCE', symbol: 'BTCUSDT', qty, avgPrice: 100, realisedPnl: 0, at,
});
const riskEvent = (seq: number): RiskEventRow => ({ t: 'risk', run: RUN, seq, at: 1e12 + seq, kind: 'trip', reason: 'daily_loss', detail: { lossPct: 5.2 } });

async function counts(db: Database) {
  const [r] = await db.query<{ orders: number; fills: number; risk: number }>(
    'SELECT (SELECT count(*)::int FROM orders) AS orders, (SELECT count(*)::int FROM fills) AS fills, (SELECT count(*)::int FROM risk_events) AS risk',
  );
  return r;
}

describe('journal', () => {
  it('gives back what was appended, and cuts a torn last record off when opened', async () => {
    const file = path.join(tempDir(), 'j', 'store.journal');
    const j = await Journal.open(file);
    await j.append([order(1, 'a', 'NEW')]);
    await j.append([fill(2, 'a', 1), riskEvent(3)]);
    const good = j.bytes;
    expect(statSync(file).size).toBe(good);
    const { batches, torn } = await j.read();
    expect(torn).toBe(false);
    expect(batches.map((b) => b.rows.map((r) => r.seq))).toEqual([[1], [2, 3]]);
    expect(batches[1].rows[1]).toEqual(riskEvent(3));
    await j.close();

    // a crash in the middle of an append: half a record at the end
    appendFileSync(file, Buffer.from([0x54, 0x52, 0x4a, 0x31, 0xff, 0, 0, 0, 1, 2]));
    const k = await Journal.open(file);
    expect(k.tornAtOpen).toBe(true);
    expect(k.bytes).toBe(good);
    await k.append([order(4, 'b', 'NEW')]);
    const again = await k.read();
    expect(again.torn).toBe(false);
    expect(again.batches.map((b) => b.rows.map((r) => r.seq))).toEqual([[1], [2, 3], [4]]);
    expect((await k.read(again.batches[1].end)).batches.map((b) => b.rows[0].seq)).toEqual([4]);
    await k.clear();
    expect([k.bytes, statSync(file).size]).toEqual([0, 0]);
    await k.close();
  });
});

describe('rows in PostgreSQL (real server)', () => {
  let pg: Awaited<ReturnType<typeof freshDatabase>>;
  let db: Database;
  beforeAll(async () => {
    pg = await freshDatabase();
    db = postgresDatabase(pg.url);
    await migrate(db);
  });
  afterAll(async () => {
    await db?.close();
    await pg?.drop();
  });

  it('writes every kind of row; a second delivery changes nothing; snapshots keep the newest', async () => {
    const rows: StoreRow[] = [
      order(1, 'o1', 'NEW'), order(2, 'o1', 'ACKNOWLEDGED'), fill(3, 'o1', 1), order(4, 'o1', 'PARTIALLY_FILLED', 1),
      fill(5, 'o1', 2), order(6, 'o1', 'FILLED', 2), position(7, 2, 1e12 + 7), riskEvent(8),
      { t: 'signal', run: RUN, seq: 9, at: 1e12, strategy: 'volume-scalper', exchange: 'BINANCE', symbol: 'BTCUSDT', side: 'LONG', strength: 0.5, confidence: 0.75, price: 100, stop: 99, target: null, reasons: 5 },
      { t: 'decision', run: RUN, seq: 10, at: 1e12, exchange: 'BINANCE', symbol: 'BTCUSDT', decision: 'NO_TRADE', side: 'FLAT', score: 0, quality: 'Poor', strategies: 3, reasons: 1, opposingReasons: 2 },
      { t: 'pnl', run: RUN, seq: 11, day: '2026-11-24', broker: 'paper', startEquity: 1e5, equity: 1e5 - 3, realisedPnl: -3, fees: 0.02, fills: 2, at: 1e12 + 11 },
    ];
    await writeRows(db, rows);
    await writeRows(db, rows); // the journal replayed after a crash
    await writeRows(db, [order(2, 'o1', 'ACKNOWLEDGED'), position(6, 1, 1e12 + 6)]); // older snapshots arriving late
    expect(await counts(db)).toEqual({ orders: 1, fills: 2, risk: 1 });
    const [o] = await db.query<{ state: string; filled_qty: number; version: string }>('SELECT state, filled_qty, version FROM orders');
    expect([o.state, o.filled_qty, Number(o.version)]).toEqual(['FILLED', 2, 6]);
    const [p] = await db.query<{ qty: number }>('SELECT qty FROM positions');
    expect(p.qty).toBe(2);
    // a later run's position (its sequence restarts low) replaces the older run's
    await writeRows(db, [position(1, -1, 1e12 + 100, 'r2')]);
    expect((await db.query<{ qty: number }>('SELECT qty FROM positions'))[0].qty).toBe(-1);
    const [s] = await db.query<{ side: string; target: number | null; n: number }>(
      'SELECT side, target, (SELECT count(*)::int FROM decisions WHERE decision = \'NO_TRADE\') AS n FROM signals');
    expect(s).toEqual({ side: 'LONG', target: null, n: 1 });
    const [d] = await db.query<{ day: string; fills: number }>("SELECT to_char(day, 'YYYY-MM-DD') AS day, fills FROM daily_pnl");
    expect(d).toEqual({ day: '2026-11-24', fills: 2 });
    const [r] = await db.query<{ detail: unknown }>('SELECT detail FROM risk_events');
    expect(r.detail).toEqual({ lossPct: 5.2 });
  });

  it('a batch is all or nothing: a bad row rolls the whole batch back', async () => {
    const bad = { ...fill(100, 'o9', 1), qty: -1 }; // violates qty > 0
    await expect(writeRows(db, [order(99, 'o9', 'NEW'), bad])).rejects.toThrow(/check constraint/);
    expect((await db.query('SELECT 1 FROM orders WHERE client_order_id = $1', ['o9'])).length).toBe(0);
  });

  it('stores the instrument registry', async () => {
    await upsertInstruments(db, [
      { symbol: 'NIFTY24DEC24000CE', exchange: 'NFO', segment: 'NFO-OPT', tickSize: 0.05, lotSize: 25, expiry: Date.UTC(2024, 11, 26), strike: 24000,
        optionType: 'CE', instrumentType: 'CE', kiteToken: 12345, quoteAsset: 'INR', minNotional: 0 },
      { symbol: 'BTCUSDT', exchange: 'BINANCE', segment: 'SPOT', tickSize: 0.01, lotSize: 0.00001, expiry: NaN, strike: 0,
        optionType: null, instrumentType: 'SPOT', kiteToken: 0, quoteAsset: 'USDT', minNotional: 5 },
    ]);
    const rows = await db.query<{ symbol: string; option_type: string | null; expiry: Date | null }>('SELECT symbol, option_type, expiry FROM instruments ORDER BY symbol');
    expect(rows.map((r) => [r.symbol, r.option_type, r.expiry === null])).toEqual([['BTCUSDT', null, true], ['NIFTY24DEC24000CE', 'CE', false]]);
  });
});

describe('write-behind queue (real PostgreSQL behind a proxy that can cut it off)', () => {
  it('keeps every row through an outage: spills to the journal, replays it when the database is back', async () => {
    const pg = await freshDatabase();
    const admin = postgresDatabase(pg.url);
    await migrate(admin);
    const url = new URL(pg.url);
    const proxy = await tcpProxy(url.hostname, Number(url.port || 5432));
    url.port = String(proxy.port);
    const db = postgresDatabase(url.toString(), { max: 2, connectTimeoutSec: 1 });
    const journal = await Journal.open(path.join(tempDir(), 'store.journal'));
    const errors: string[] = [];
    const q = new WriteBehind(journal, { batchRows: 50, flushMs: 5, retryMs: 200, writeTimeoutMs: 1500 }, (m) => errors.push(m));
    q.attach(db);
    let seq = 0;
    const produce = (n: number) => {
      for (let i = 0; i < n; i++) {
        const s = ++seq;
        q.enqueue(s % 3 === 0 ? riskEvent(s) : s % 3 === 1 ? order(s, `o${s}`, 'NEW') : fill(s, `o${s - 1}`, 1));
      }
    };
    try {
      const ticker = setInterval(() => produce(30), 10);
      await until('rows written', () => q.stats.rowsWritten > 300, 5000);
      proxy.cut();
      await until('spilling', () => q.stats.state === StoreState.Spilling && q.journalBytes > 0, 10_000);
      await new Promise((r) => setTimeout(r, 1500)); // trading goes on while the database is away
      const spilled = q.journalBytes;
      expect(spilled).toBeGreaterThan(0);
      proxy.restore();
      await until('journal replayed', () => q.stats.state === StoreState.Writing && q.journalBytes === 0, 15_000);
      clearInterval(ticker);
      produce(10);
      await q.close();
      const n = Math.floor(seq / 3);
      expect(await counts(admin)).toEqual({ orders: seq - 2 * n, fills: n, risk: n });
      expect(q.stats.replayedRows).toBeGreaterThan(0);
      expect(q.stats.writeFailures).toBeGreaterThan(0);
      expect(errors[0]).toMatch(/spilling to the journal/);
    } finally {
      await journal.close();
      await db.close();
      await proxy.close();
      await admin.close();
      await pg.drop();
    }
  }, 60_000);

  it('replays a journal left by an earlier process at start-up, and journals while no database is attached', async () => {
    const pg = await freshDatabase();
    const db = postgresDatabase(pg.url);
    await migrate(db);
    const file = path.join(tempDir(), 'store.journal');
    try {
      const first = await Journal.open(file);
      const q1 = new WriteBehind(first, { batchRows: 10, flushMs: 5, retryMs: 50, writeTimeoutMs: 1000 });
      for (let s = 1; s <= 25; s++) q1.enqueue(order(s, `p${s}`, 'NEW'));
      await q1.close(); // never attached: everything is in the journal
      expect(first.bytes).toBeGreaterThan(0);
      await first.close();

      const second = await Journal.open(file);
      const q2 = new WriteBehind(second, { batchRows: 10, flushMs: 5, retryMs: 50, writeTimeoutMs: 1000 });
      q2.attach(db);
      await until('journal replayed', () => second.bytes === 0, 5000);
      await q2.close();
      await second.close();
      expect((await counts(db)).orders).toBe(25);
    } finally {
      await db.close();
      await pg.drop();
    }
  });
});

describe('embedded PostgreSQL (PGlite, the npm start default)', () => {
  it('runs the same migrations and writes the same rows', async () => {
    const db = await embeddedDatabase(path.join(tempDir(), 'pgdata'));
    try {
      expect((await migrate(db)).length).toBeGreaterThanOrEqual(2);
      expect(await migrate(db)).toEqual([]);
      const rows = [order(1, 'e1', 'NEW'), fill(2, 'e1', 1), order(3, 'e1', 'FILLED', 1), riskEvent(4)];
      await writeRows(db, rows);
      await writeRows(db, rows);
      expect(await counts(db)).toEqual({ orders: 1, fills: 1, risk: 1 });
      expect((await db.query<{ state: string }>('SELECT state FROM orders'))[0].state).toBe('FILLED');
    } finally {
      await db.close();
    }
  }, 60_000);
});
