import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildReport, tradesFromFills } from '../../engine/backtest/report.js';
import { renderHtml } from '../../engine/backtest/chart.js';
import type { FillRow, StoreRow } from '../../engine/persistence/store-rows.js';
import { ROOT } from '../helpers/compiled.js';

/** Written by test/oracles/backtest_stats.py (numpy, computed another way). */
const oracle = JSON.parse(readFileSync(path.join(ROOT, 'test/oracles/fixtures/backtest-stats.json'), 'utf8')) as {
  rows: StoreRow[];
  startingCash: number;
  expected: {
    trades: { symbol: string; side: string; openedAt: number; closedAt: number; qty: number; grossPnl: number; fees: number; netPnl: number; fills: number }[];
    sharpe: number; sortino: number; maxDrawdown: number; maxDrawdownPct: number; hitRate: number; averageTrade: number; turnover: number;
    fees: number; endEquity: number; openPositions: Record<string, number>;
  };
};

const fill = (at: number, side: 'buy' | 'sell', qty: number, price: number, fee = 0): FillRow => ({
  t: 'fill', tradeId: `t${at}`, clientOrderId: `o${at}`, at, exchange: 'SIM', symbol: 'BTCUSDT', side, qty, price, fee, run: 'r', seq: at,
});

describe('backtest report', () => {
  it('matches the numpy reference: round trips, Sharpe, Sortino, drawdown, hit rate, turnover, fees', () => {
    const r = buildReport('oracle', oracle.rows, oracle.startingCash);
    const e = oracle.expected;
    expect(r.trades.length).toBe(e.trades.length);
    expect(e.trades.length).toBeGreaterThan(100);
    r.trades.forEach((t, i) => {
      const x = e.trades[i];
      expect([t.symbol, t.side, t.openedAt, t.closedAt, t.fills]).toEqual([x.symbol, x.side, x.openedAt, x.closedAt, x.fills]);
      expect(t.qty).toBeCloseTo(x.qty, 6);
      expect(t.grossPnl).toBeCloseTo(x.grossPnl, 4);
      expect(t.fees).toBeCloseTo(x.fees, 6);
      expect(t.netPnl).toBeCloseTo(x.netPnl, 4);
    });
    const s = r.stats;
    expect(s.sharpe!).toBeCloseTo(e.sharpe, 6);
    expect(s.sortino!).toBeCloseTo(e.sortino, 6);
    expect(s.maxDrawdown).toBeCloseTo(e.maxDrawdown, 6);
    expect(s.maxDrawdownPct).toBeCloseTo(e.maxDrawdownPct, 6);
    expect(s.hitRate!).toBeCloseTo(e.hitRate, 8);
    expect(s.averageTrade!).toBeCloseTo(e.averageTrade, 5);
    expect(s.turnover).toBeCloseTo(e.turnover, 6);
    expect(s.fees).toBeCloseTo(e.fees, 6);
    expect(s.endEquity).toBeCloseTo(e.endEquity, 6);
    expect(Object.fromEntries(s.openPositions.map((p) => [p.symbol, p.qty]))).toEqual(e.openPositions);
  });

  it('splits a reversing fill at zero and charges its fee by quantity', () => {
    const { trades, open } = tradesFromFills([fill(1, 'buy', 2, 100, 2), fill(2, 'sell', 3, 110, 3), fill(3, 'buy', 1, 105, 1)]);
    expect(trades).toEqual([
      { symbol: 'BTCUSDT', side: 'long', openedAt: 1, closedAt: 2, qty: 2, entryPrice: 100, exitPrice: 110, grossPnl: 20, fees: 4, netPnl: 16, fills: 2 },
      { symbol: 'BTCUSDT', side: 'short', openedAt: 2, closedAt: 3, qty: 1, entryPrice: 110, exitPrice: 105, grossPnl: 5, fees: 2, netPnl: 3, fills: 2 },
    ]);
    expect(open.size).toBe(0);
  });

  it('renders a self-contained page: the curves as SVG, no scripts, nothing fetched', () => {
    const html = renderHtml(buildReport('oracle <1>', oracle.rows, oracle.startingCash));
    expect(html.match(/<svg /g)?.length).toBe(2);
    expect(html).toContain('oracle &lt;1&gt;');
    expect(html).not.toMatch(/<script|https?:\/\//);
    expect(html).toContain(`${oracle.expected.trades.length}`);
  });
});
