import type { DailyPnlRow, DecisionRow, FillRow, OrderRow, StoreRow } from '../persistence/store-rows.js';

/**
 * A backtest's results from the rows the engine recorded (the same rows it
 * stores in PostgreSQL when it trades): round-trip trades from the fills, the
 * equity curve from the P&L rows, and the statistics a desk reads first.
 * Pure: the same rows give the same report, byte for byte.
 */
export interface Trade {
  symbol: string;
  side: 'long' | 'short';
  openedAt: number;
  closedAt: number;
  /** Largest absolute position while the trade was open. */
  qty: number;
  entryPrice: number;
  exitPrice: number;
  grossPnl: number;
  fees: number;
  netPnl: number;
  fills: number;
}

export interface EquityPoint {
  at: number;
  equity: number;
}

export interface BacktestStats {
  startEquity: number;
  endEquity: number;
  /** End equity minus start equity (after fees, open positions marked). */
  pnl: number;
  returnPct: number;
  realisedPnl: number;
  fees: number;
  /** Annualised, from per-minute equity returns (365 x 1440 minutes a year: crypto trades every day). */
  sharpe: number | null;
  sortino: number | null;
  maxDrawdown: number;
  maxDrawdownPct: number;
  trades: number;
  /** Winning closed trades over closed trades (net of fees). */
  hitRate: number | null;
  averageTrade: number | null;
  /** Traded notional over start equity. */
  turnover: number;
  fills: number;
  orders: number;
  rejectedOrders: number;
  signals: number;
  decisions: Record<string, number>;
  openPositions: { symbol: string; qty: number }[];
  from: number | null;
  to: number | null;
}

export interface BacktestReport {
  input: string;
  stats: BacktestStats;
  trades: Trade[];
  equity: EquityPoint[];
}

const MINUTE = 60_000;
const MINUTES_PER_YEAR = 365 * 1440;
/** Money rounded to 1e-8: sums in a different order must not show as different reports. */
const round = (x: number) => Math.round(x * 1e8) / 1e8;

class OpenTrade {
  qty = 0; // signed
  maxQty = 0;
  entryNotional = 0;
  entryQty = 0;
  exitNotional = 0;
  exitQty = 0;
  fees = 0;
  fills = 0;
  constructor(readonly symbol: string, readonly side: 'long' | 'short', readonly openedAt: number) {}
}

/** Round trips: a trade opens when a position leaves zero and closes when it returns to zero (a reversal closes one and opens the next). */
export function tradesFromFills(fills: readonly FillRow[]): { trades: Trade[]; open: Map<string, OpenTrade> } {
  const open = new Map<string, OpenTrade>();
  const trades: Trade[] = [];
  for (const f of fills) {
    const key = `${f.exchange}:${f.symbol}`;
    let qty = f.side === 'buy' ? f.qty : -f.qty;
    let fee = f.fee;
    while (qty !== 0) {
      let t = open.get(key);
      if (!t) {
        t = new OpenTrade(f.symbol, qty > 0 ? 'long' : 'short', f.at);
        open.set(key, t);
      }
      const dir = t.side === 'long' ? 1 : -1;
      const adding = Math.sign(qty) === dir;
      // a fill larger than the position closes it and opens the other way with the rest
      const take = adding ? qty : Math.sign(qty) * Math.min(Math.abs(qty), Math.abs(t.qty));
      const share = take / qty;
      const takeFee = fee * share;
      if (adding) {
        t.entryNotional += Math.abs(take) * f.price;
        t.entryQty += Math.abs(take);
      } else {
        t.exitNotional += Math.abs(take) * f.price;
        t.exitQty += Math.abs(take);
      }
      t.qty = round(t.qty + take);
      t.maxQty = Math.max(t.maxQty, Math.abs(t.qty));
      t.fees += takeFee;
      t.fills++;
      qty = round(qty - take);
      fee -= takeFee;
      if (t.qty === 0) {
        open.delete(key);
        const entry = t.entryNotional / t.entryQty;
        const exit = t.exitNotional / t.exitQty;
        const gross = dir * (t.exitNotional - (t.entryNotional * t.exitQty) / t.entryQty);
        trades.push({
          symbol: t.symbol, side: t.side, openedAt: t.openedAt, closedAt: f.at, qty: round(t.maxQty), entryPrice: round(entry), exitPrice: round(exit),
          grossPnl: round(gross), fees: round(t.fees), netPnl: round(gross - t.fees), fills: t.fills,
        });
      }
    }
  }
  return { trades, open };
}

/** Per-minute returns of the equity curve (the last value in each minute, carried over quiet minutes). */
function minuteReturns(equity: readonly EquityPoint[]): number[] {
  if (equity.length < 2) return [];
  const first = Math.floor(equity[0].at / MINUTE);
  const last = Math.floor(equity[equity.length - 1].at / MINUTE);
  const closes: number[] = [];
  let k = 0;
  let value = equity[0].equity;
  for (let m = first; m <= last; m++) {
    while (k < equity.length && Math.floor(equity[k].at / MINUTE) <= m) value = equity[k++].equity;
    closes.push(value);
  }
  const r: number[] = [];
  for (let i = 1; i < closes.length; i++) r.push(closes[i] / closes[i - 1] - 1);
  return r;
}

function ratios(returns: readonly number[]): { sharpe: number | null; sortino: number | null } {
  if (returns.length < 2) return { sharpe: null, sortino: null };
  const mean = returns.reduce((a, b) => a + b, 0) / returns.length;
  const variance = returns.reduce((a, b) => a + (b - mean) ** 2, 0) / (returns.length - 1);
  const downside = Math.sqrt(returns.reduce((a, b) => a + Math.min(0, b) ** 2, 0) / returns.length);
  const annual = Math.sqrt(MINUTES_PER_YEAR);
  const sd = Math.sqrt(variance);
  return { sharpe: sd > 0 ? round((mean / sd) * annual) : null, sortino: downside > 0 ? round((mean / downside) * annual) : null };
}

function drawdown(equity: readonly EquityPoint[]): { abs: number; pct: number } {
  let peak = -Infinity;
  let abs = 0;
  let pct = 0;
  for (const p of equity) {
    peak = Math.max(peak, p.equity);
    abs = Math.max(abs, peak - p.equity);
    if (peak > 0) pct = Math.max(pct, (100 * (peak - p.equity)) / peak);
  }
  return { abs: round(abs), pct: round(pct) };
}

export function buildReport(input: string, rows: readonly StoreRow[], startingCash: number): BacktestReport {
  const fills = rows.filter((r): r is FillRow => r.t === 'fill');
  const pnl = rows.filter((r): r is DailyPnlRow => r.t === 'pnl');
  // the last version of each order
  const orders = new Map<string, OrderRow>();
  for (const r of rows) if (r.t === 'order') orders.set(r.clientOrderId, r);
  const decisions: Record<string, number> = {};
  for (const r of rows) if (r.t === 'decision') decisions[(r as DecisionRow).decision] = (decisions[(r as DecisionRow).decision] ?? 0) + 1;

  const startEquity = pnl.length > 0 ? pnl[0].startEquity : startingCash;
  const equity: EquityPoint[] = [];
  const firstAt = rows.reduce((m, r) => Math.min(m, 'at' in r ? r.at : Infinity), Infinity);
  if (Number.isFinite(firstAt)) equity.push({ at: firstAt, equity: startEquity });
  for (const p of pnl) equity.push({ at: p.at, equity: round(p.equity) });
  const endEquity = equity.length > 0 ? equity[equity.length - 1].equity : startEquity;
  const { trades, open } = tradesFromFills(fills);
  const closedNet = trades.map((t) => t.netPnl);
  const dd = drawdown(equity);
  const fees = fills.reduce((a, f) => a + f.fee, 0);
  const notional = fills.reduce((a, f) => a + f.qty * f.price, 0);
  const lastPnl = pnl[pnl.length - 1];
  const stats: BacktestStats = {
    startEquity: round(startEquity),
    endEquity: round(endEquity),
    pnl: round(endEquity - startEquity),
    returnPct: round((100 * (endEquity - startEquity)) / startEquity),
    realisedPnl: round(lastPnl?.realisedPnl ?? 0),
    fees: round(fees),
    ...ratios(minuteReturns(equity)),
    maxDrawdown: dd.abs,
    maxDrawdownPct: dd.pct,
    trades: trades.length,
    hitRate: trades.length > 0 ? round(closedNet.filter((x) => x > 0).length / trades.length) : null,
    averageTrade: trades.length > 0 ? round(closedNet.reduce((a, b) => a + b, 0) / trades.length) : null,
    turnover: round(notional / startEquity),
    fills: fills.length,
    orders: orders.size,
    rejectedOrders: [...orders.values()].filter((o) => o.state === 'REJECTED').length,
    signals: rows.filter((r) => r.t === 'signal').length,
    decisions,
    openPositions: [...open.values()].map((t) => ({ symbol: t.symbol, qty: t.qty })),
    from: Number.isFinite(firstAt) ? firstAt : null,
    to: equity.length > 0 ? equity[equity.length - 1].at : null,
  };
  return { input, stats, trades, equity };
}
