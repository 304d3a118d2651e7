import type { Database } from './database.js';
import type { OrderRow } from './store-rows.js';

/**
 * What the control API shows of trading from the database: positions,
 * orders and daily P&L as the store thread has written them (a few
 * milliseconds behind the risk thread; see /health/db for the lag).
 */
export interface PositionView {
  exchange: string;
  symbol: string;
  qty: number;
  avgPrice: number | null;
  realisedPnl: number;
  updatedAt: string;
}

/** An order as stored (see OrderRow), its times as ISO 8601. */
export type OrderView = Omit<OrderRow, 't' | 'run' | 'seq' | 'broker' | 'createdAt' | 'updatedAt'> & { createdAt: string; updatedAt: string };

export interface DayPnl {
  day: string;
  startEquity: number;
  equity: number;
  realisedPnl: number;
  fees: number;
  fills: number;
}

const FINAL = `('FILLED', 'CANCELLED', 'REJECTED')`;
const iso = (d: unknown) => (d instanceof Date ? d.toISOString() : new Date(String(d)).toISOString());

export class TradingRecords {
  constructor(private readonly db: Database, private readonly broker: string) {}

  async positions(includeFlat = false): Promise<PositionView[]> {
    const rows = await this.db.query<Record<string, any>>(
      `SELECT exchange, symbol, qty, avg_price, realised_pnl, updated_at FROM positions WHERE broker = $1 ${includeFlat ? '' : 'AND qty <> 0'} ORDER BY exchange, symbol`,
      [this.broker],
    );
    return rows.map((r) => ({ exchange: r.exchange, symbol: r.symbol, qty: r.qty, avgPrice: r.avg_price, realisedPnl: r.realised_pnl, updatedAt: iso(r.updated_at) }));
  }

  /** Newest first; `state` open (not final), final, or all. */
  async orders(o: { state: 'open' | 'final' | 'all'; limit: number; symbol?: string }): Promise<OrderView[]> {
    const where = ['broker = $1'];
    const params: unknown[] = [this.broker];
    if (o.state === 'open') where.push(`state NOT IN ${FINAL}`);
    if (o.state === 'final') where.push(`state IN ${FINAL}`);
    if (o.symbol) {
      params.push(o.symbol);
      where.push(`symbol = $${params.length}`);
    }
    params.push(o.limit);
    const rows = await this.db.query<Record<string, any>>(
      `SELECT client_order_id, broker_order_id, exchange, symbol, side, type, qty, limit_price, state, filled_qty, avg_price, fees, reject_reason, created_at, updated_at
       FROM orders WHERE ${where.join(' AND ')} ORDER BY created_at DESC, client_order_id DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map((r) => ({
      clientOrderId: r.client_order_id, brokerOrderId: r.broker_order_id, exchange: r.exchange, symbol: r.symbol, side: r.side, type: r.type, qty: r.qty,
      limitPrice: r.limit_price, state: r.state, filledQty: r.filled_qty, avgPrice: r.avg_price, fees: r.fees, rejectReason: r.reject_reason,
      createdAt: iso(r.created_at), updatedAt: iso(r.updated_at),
    }));
  }

  /** The last `days` trading days, newest first. */
  async dailyPnl(days: number): Promise<DayPnl[]> {
    const rows = await this.db.query<Record<string, any>>(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, start_equity, equity, realised_pnl, fees, fills FROM daily_pnl WHERE broker = $1 ORDER BY day DESC LIMIT $2`,
      [this.broker, days],
    );
    return rows.map((r) => ({ day: r.day, startEquity: r.start_equity, equity: r.equity, realisedPnl: r.realised_pnl, fees: r.fees, fills: r.fills }));
  }
}
