import type { Database } from './database.js';
import type { InstrumentInfo } from '../instruments/registry.js';
import type { DailyPnlRow, DecisionRow, FillRow, OrderRow, PositionRow, RiskEventRow, SignalRow, StoreRow } from './store-rows.js';

/**
 * Writes a batch of rows in one transaction: one multi-row statement per
 * table (arrays through unnest, so a batch of thousands is a handful of
 * round trips). Idempotent: inserts skip rows already there, snapshots only
 * replace older ones (by time, then sequence: a snapshot may come from a
 * later run, as when reconciliation updates an earlier run's order), so a batch replayed from the journal after a crash
 * changes nothing that was already written.
 */
export async function writeRows(db: Database, rows: readonly StoreRow[]): Promise<void> {
  const by = groupRows(rows);
  await db.transaction(async (tx) => {
    if (by.signal.length) await insertSignals(tx, by.signal);
    if (by.decision.length) await insertDecisions(tx, by.decision);
    if (by.order.length) await upsertOrders(tx, latest(by.order, (r) => r.clientOrderId));
    if (by.fill.length) await insertFills(tx, by.fill);
    if (by.position.length) await upsertPositions(tx, latest(by.position, (r) => `${r.broker}\u0000${r.exchange}\u0000${r.symbol}`));
    if (by.risk.length) await insertRiskEvents(tx, by.risk);
    if (by.pnl.length) await upsertDailyPnl(tx, latest(by.pnl, (r) => `${r.day}\u0000${r.broker}`));
  });
}

interface Grouped {
  signal: SignalRow[];
  decision: DecisionRow[];
  order: OrderRow[];
  fill: FillRow[];
  position: PositionRow[];
  risk: RiskEventRow[];
  pnl: DailyPnlRow[];
}

function groupRows(rows: readonly StoreRow[]): Grouped {
  const g: Grouped = { signal: [], decision: [], order: [], fill: [], position: [], risk: [], pnl: [] };
  for (const r of rows) (g[r.t] as StoreRow[]).push(r);
  return g;
}

/** One row per key, the highest seq (a statement may not update one row twice). */
function latest<R extends StoreRow>(rows: R[], key: (r: R) => string): R[] {
  const m = new Map<string, R>();
  for (const r of rows) {
    const k = key(r);
    const prev = m.get(k);
    if (!prev || prev.seq < r.seq) m.set(k, r);
  }
  return [...m.values()];
}

const col = <R, V>(rows: readonly R[], f: (r: R) => V): V[] => rows.map(f);
const ts = (column: string) => `to_timestamp(${column} / 1000.0)`;

async function insertSignals(db: Database, r: SignalRow[]): Promise<void> {
  await db.query(
    `INSERT INTO signals (run_id, seq, at, strategy, exchange, symbol, side, strength, confidence, price, stop, target, reasons)
     SELECT run_id, seq, ${ts('at')}, strategy, exchange, symbol, side, strength, confidence, price, stop, target, reasons
     FROM unnest($1::text[], $2::bigint[], $3::float8[], $4::text[], $5::text[], $6::text[], $7::text[], $8::real[], $9::real[], $10::float8[], $11::float8[], $12::float8[], $13::int[])
       AS u(run_id, seq, at, strategy, exchange, symbol, side, strength, confidence, price, stop, target, reasons)
     ON CONFLICT (run_id, seq) DO NOTHING`,
    [col(r, (x) => x.run), col(r, (x) => x.seq), col(r, (x) => x.at), col(r, (x) => x.strategy), col(r, (x) => x.exchange), col(r, (x) => x.symbol),
      col(r, (x) => x.side), col(r, (x) => x.strength), col(r, (x) => x.confidence), col(r, (x) => x.price), col(r, (x) => x.stop), col(r, (x) => x.target),
      col(r, (x) => x.reasons)],
  );
}

async function insertDecisions(db: Database, r: DecisionRow[]): Promise<void> {
  await db.query(
    `INSERT INTO decisions (run_id, seq, at, exchange, symbol, decision, side, score, quality, strategies, reasons, opposing_reasons)
     SELECT run_id, seq, ${ts('at')}, exchange, symbol, decision, side, score, quality, strategies, reasons, opposing_reasons
     FROM unnest($1::text[], $2::bigint[], $3::float8[], $4::text[], $5::text[], $6::text[], $7::text[], $8::float8[], $9::text[], $10::int[], $11::int[], $12::int[])
       AS u(run_id, seq, at, exchange, symbol, decision, side, score, quality, strategies, reasons, opposing_reasons)
     ON CONFLICT (run_id, seq) DO NOTHING`,
    [col(r, (x) => x.run), col(r, (x) => x.seq), col(r, (x) => x.at), col(r, (x) => x.exchange), col(r, (x) => x.symbol), col(r, (x) => x.decision),
      col(r, (x) => x.side), col(r, (x) => x.score), col(r, (x) => x.quality), col(r, (x) => x.strategies), col(r, (x) => x.reasons), col(r, (x) => x.opposingReasons)],
  );
}

async function upsertOrders(db: Database, r: OrderRow[]): Promise<void> {
  await db.query(
    `INSERT INTO orders (client_order_id, run_id, broker, broker_order_id, exchange, symbol, side, type, qty, limit_price, state, filled_qty, avg_price, fees,
                         reject_reason, created_at, updated_at, version)
     SELECT client_order_id, run_id, broker, broker_order_id, exchange, symbol, side, type, qty, limit_price, state, filled_qty, avg_price, fees,
            reject_reason, ${ts('created_at')}, ${ts('updated_at')}, version
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::float8[], $10::float8[], $11::text[],
                 $12::float8[], $13::float8[], $14::float8[], $15::text[], $16::float8[], $17::float8[], $18::bigint[])
       AS u(client_order_id, run_id, broker, broker_order_id, exchange, symbol, side, type, qty, limit_price, state, filled_qty, avg_price, fees,
            reject_reason, created_at, updated_at, version)
     ON CONFLICT (client_order_id) DO UPDATE SET
       broker_order_id = COALESCE(EXCLUDED.broker_order_id, orders.broker_order_id), state = EXCLUDED.state, filled_qty = EXCLUDED.filled_qty,
       avg_price = EXCLUDED.avg_price, fees = EXCLUDED.fees, reject_reason = EXCLUDED.reject_reason, updated_at = EXCLUDED.updated_at, version = EXCLUDED.version
     WHERE (orders.updated_at, orders.version) < (EXCLUDED.updated_at, EXCLUDED.version)`,
    [col(r, (x) => x.clientOrderId), col(r, (x) => x.run), col(r, (x) => x.broker), col(r, (x) => x.brokerOrderId), col(r, (x) => x.exchange), col(r, (x) => x.symbol),
      col(r, (x) => x.side), col(r, (x) => x.type), col(r, (x) => x.qty), col(r, (x) => x.limitPrice), col(r, (x) => x.state), col(r, (x) => x.filledQty),
      col(r, (x) => x.avgPrice), col(r, (x) => x.fees), col(r, (x) => x.rejectReason), col(r, (x) => x.createdAt), col(r, (x) => x.updatedAt), col(r, (x) => x.seq)],
  );
}

async function insertFills(db: Database, r: FillRow[]): Promise<void> {
  await db.query(
    `INSERT INTO fills (trade_id, client_order_id, run_id, at, exchange, symbol, side, qty, price, fee)
     SELECT trade_id, client_order_id, run_id, ${ts('at')}, exchange, symbol, side, qty, price, fee
     FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[], $5::text[], $6::text[], $7::text[], $8::float8[], $9::float8[], $10::float8[])
       AS u(trade_id, client_order_id, run_id, at, exchange, symbol, side, qty, price, fee)
     ON CONFLICT (trade_id) DO NOTHING`,
    [col(r, (x) => x.tradeId), col(r, (x) => x.clientOrderId), col(r, (x) => x.run), col(r, (x) => x.at), col(r, (x) => x.exchange), col(r, (x) => x.symbol),
      col(r, (x) => x.side), col(r, (x) => x.qty), col(r, (x) => x.price), col(r, (x) => x.fee)],
  );
}

async function upsertPositions(db: Database, r: PositionRow[]): Promise<void> {
  await db.query(
    `INSERT INTO positions (broker, exchange, symbol, qty, avg_price, realised_pnl, updated_at, version)
     SELECT broker, exchange, symbol, qty, avg_price, realised_pnl, ${ts('at')}, version
     FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[], $5::float8[], $6::float8[], $7::float8[], $8::bigint[])
       AS u(broker, exchange, symbol, qty, avg_price, realised_pnl, at, version)
     ON CONFLICT (broker, exchange, symbol) DO UPDATE SET
       qty = EXCLUDED.qty, avg_price = EXCLUDED.avg_price, realised_pnl = EXCLUDED.realised_pnl, updated_at = EXCLUDED.updated_at, version = EXCLUDED.version
     WHERE (positions.updated_at, positions.version) < (EXCLUDED.updated_at, EXCLUDED.version)`,
    [col(r, (x) => x.broker), col(r, (x) => x.exchange), col(r, (x) => x.symbol), col(r, (x) => x.qty), col(r, (x) => x.avgPrice), col(r, (x) => x.realisedPnl),
      col(r, (x) => x.at), col(r, (x) => x.seq)],
  );
}

async function insertRiskEvents(db: Database, r: RiskEventRow[]): Promise<void> {
  await db.query(
    `INSERT INTO risk_events (run_id, seq, at, kind, reason, detail)
     SELECT run_id, seq, ${ts('at')}, kind, reason, detail::jsonb
     FROM unnest($1::text[], $2::bigint[], $3::float8[], $4::text[], $5::text[], $6::text[]) AS u(run_id, seq, at, kind, reason, detail)
     ON CONFLICT (run_id, seq) DO NOTHING`,
    [col(r, (x) => x.run), col(r, (x) => x.seq), col(r, (x) => x.at), col(r, (x) => x.kind), col(r, (x) => x.reason), col(r, (x) => JSON.stringify(x.detail))],
  );
}

async function upsertDailyPnl(db: Database, r: DailyPnlRow[]): Promise<void> {
  await db.query(
    `INSERT INTO daily_pnl (day, broker, start_equity, equity, realised_pnl, fees, fills, updated_at, version)
     SELECT day::date, broker, start_equity, equity, realised_pnl, fees, fills, ${ts('at')}, version
     FROM unnest($1::text[], $2::text[], $3::float8[], $4::float8[], $5::float8[], $6::float8[], $7::int[], $8::float8[], $9::bigint[])
       AS u(day, broker, start_equity, equity, realised_pnl, fees, fills, at, version)
     ON CONFLICT (day, broker) DO UPDATE SET
       equity = EXCLUDED.equity, realised_pnl = EXCLUDED.realised_pnl, fees = EXCLUDED.fees, fills = EXCLUDED.fills,
       updated_at = EXCLUDED.updated_at, version = EXCLUDED.version
     WHERE (daily_pnl.updated_at, daily_pnl.version) < (EXCLUDED.updated_at, EXCLUDED.version)`,
    [col(r, (x) => x.day), col(r, (x) => x.broker), col(r, (x) => x.startEquity), col(r, (x) => x.equity), col(r, (x) => x.realisedPnl), col(r, (x) => x.fees),
      col(r, (x) => x.fills), col(r, (x) => x.at), col(r, (x) => x.seq)],
  );
}

/** The instrument registry, upserted at start-up (orders and fills name instruments by exchange and symbol). */
export async function upsertInstruments(db: Database, list: readonly InstrumentInfo[]): Promise<void> {
  for (let i = 0; i < list.length; i += 5000) {
    const r = list.slice(i, i + 5000);
    await db.query(
      `INSERT INTO instruments (exchange, symbol, segment, instrument_type, option_type, strike, expiry, lot_size, tick_size, quote_asset, kite_token, updated_at)
       SELECT exchange, symbol, segment, instrument_type, option_type, strike, ${ts('expiry')}, lot_size, tick_size, quote_asset, kite_token, now()
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::float8[], $7::float8[], $8::float8[], $9::float8[], $10::text[], $11::bigint[])
         AS u(exchange, symbol, segment, instrument_type, option_type, strike, expiry, lot_size, tick_size, quote_asset, kite_token)
       ON CONFLICT (exchange, symbol) DO UPDATE SET segment = EXCLUDED.segment, instrument_type = EXCLUDED.instrument_type, option_type = EXCLUDED.option_type,
         strike = EXCLUDED.strike, expiry = EXCLUDED.expiry, lot_size = EXCLUDED.lot_size, tick_size = EXCLUDED.tick_size, quote_asset = EXCLUDED.quote_asset,
         kite_token = EXCLUDED.kite_token, updated_at = now()`,
      [col(r, (x) => x.exchange), col(r, (x) => x.symbol), col(r, (x) => x.segment), col(r, (x) => x.instrumentType), col(r, (x) => x.optionType),
        col(r, (x) => (Number.isFinite(x.strike) && x.strike !== 0 ? x.strike : null)), col(r, (x) => (Number.isFinite(x.expiry) ? x.expiry : null)),
        col(r, (x) => x.lotSize), col(r, (x) => x.tickSize), col(r, (x) => x.quoteAsset), col(r, (x) => x.kiteToken || null)],
    );
  }
}
