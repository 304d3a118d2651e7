import type { BacktestReport, EquityPoint } from './report.js';

/**
 * The backtest report as one self-contained HTML page (inline SVG, no
 * scripts, no network): the equity curve with its drawdown, the statistics
 * and the trades. Deterministic like the report it shows.
 */
const W = 960;
const H = 320;
const PAD = { left: 80, right: 16, top: 16, bottom: 36 };
/** A curve is drawn through at most this many points (min and max per column are kept, so spikes show). */
const MAX_POINTS = 2000;

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const iso = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
const num = (x: number | null, digits = 2) => (x === null ? '-' : x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));

/** Keeps the first, last, lowest and highest point of each pixel column. */
function thin(points: readonly EquityPoint[]): EquityPoint[] {
  if (points.length <= MAX_POINTS) return [...points];
  const t0 = points[0].at;
  const span = points[points.length - 1].at - t0 || 1;
  const columns = MAX_POINTS / 4;
  const out: EquityPoint[] = [];
  let i = 0;
  for (let c = 0; c < columns && i < points.length; c++) {
    const end = t0 + (span * (c + 1)) / columns;
    const group: EquityPoint[] = [];
    while (i < points.length && (points[i].at <= end || c === columns - 1)) group.push(points[i++]);
    if (group.length === 0) continue;
    let lo = group[0];
    let hi = group[0];
    for (const p of group) {
      if (p.equity < lo.equity) lo = p;
      if (p.equity > hi.equity) hi = p;
    }
    const picks = [group[0], lo, hi, group[group.length - 1]].sort((a, b) => a.at - b.at);
    for (const p of picks) if (out[out.length - 1] !== p) out.push(p);
  }
  return out;
}

function lineChart(points: readonly EquityPoint[], title: string, colour: string, fill: boolean): string {
  if (points.length === 0) return `<p>${esc(title)}: no data</p>`;
  const pts = thin(points);
  const t0 = pts[0].at;
  const t1 = pts[pts.length - 1].at;
  let lo = Infinity;
  let hi = -Infinity;
  for (const p of pts) {
    lo = Math.min(lo, p.equity);
    hi = Math.max(hi, p.equity);
  }
  if (hi === lo) {
    hi += 1;
    lo -= 1;
  }
  const x = (t: number) => PAD.left + ((t - t0) / (t1 - t0 || 1)) * (W - PAD.left - PAD.right);
  const y = (v: number) => PAD.top + (1 - (v - lo) / (hi - lo)) * (H - PAD.top - PAD.bottom);
  const path = pts.map((p, k) => `${k ? 'L' : 'M'}${x(p.at).toFixed(1)},${y(p.equity).toFixed(1)}`).join('');
  const area = fill ? `<path d="${path}L${x(t1).toFixed(1)},${y(Math.max(lo, Math.min(hi, 0))).toFixed(1)}L${x(t0).toFixed(1)},${y(Math.max(lo, Math.min(hi, 0))).toFixed(1)}Z" fill="${colour}" fill-opacity="0.15"/>` : '';
  const ticks = [lo, (lo + hi) / 2, hi]
    .map((v) => `<text x="${PAD.left - 6}" y="${y(v).toFixed(1)}" text-anchor="end" dominant-baseline="middle">${num(v)}</text><line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#ddd"/>`)
    .join('');
  const times = [t0, t1].map((t, k) => `<text x="${x(t).toFixed(1)}" y="${H - 12}" text-anchor="${k ? 'end' : 'start'}">${iso(t)}</text>`).join('');
  return `<figure><figcaption>${esc(title)}</figcaption><svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif" font-size="11" role="img" aria-label="${esc(title)}">${ticks}${times}${area}<path d="${path}" fill="none" stroke="${colour}" stroke-width="1.5"/></svg></figure>`;
}

export function renderHtml(r: BacktestReport): string {
  const s = r.stats;
  let peak = -Infinity;
  const drawdown = r.equity.map((p) => {
    peak = Math.max(peak, p.equity);
    return { at: p.at, equity: p.equity - peak };
  });
  const rows: [string, string][] = [
    ['Period', s.from !== null && s.to !== null ? `${iso(s.from)} to ${iso(s.to)}` : '-'],
    ['Start equity', num(s.startEquity)],
    ['End equity', num(s.endEquity)],
    ['P&L (after fees)', `${num(s.pnl)} (${num(s.returnPct, 3)}%)`],
    ['Realised P&L', num(s.realisedPnl)],
    ['Fees', num(s.fees)],
    ['Sharpe (annualised)', num(s.sharpe)],
    ['Sortino (annualised)', num(s.sortino)],
    ['Max drawdown', `${num(s.maxDrawdown)} (${num(s.maxDrawdownPct, 3)}%)`],
    ['Closed trades', String(s.trades)],
    ['Hit rate', s.hitRate === null ? '-' : `${num(100 * s.hitRate, 1)}%`],
    ['Average trade', num(s.averageTrade)],
    ['Turnover (x equity)', num(s.turnover)],
    ['Orders / fills / rejected', `${s.orders} / ${s.fills} / ${s.rejectedOrders}`],
    ['Signals', String(s.signals)],
    ['Decisions', Object.entries(s.decisions).map(([k, v]) => `${k} ${v}`).join(', ') || '-'],
    ['Open at the end', s.openPositions.map((p) => `${p.symbol} ${p.qty}`).join(', ') || 'none'],
  ];
  const shown = r.trades.slice(0, 500);
  const trades = shown
    .map((t) => `<tr><td>${iso(t.openedAt)}</td><td>${iso(t.closedAt)}</td><td>${esc(t.symbol)}</td><td>${t.side}</td><td>${t.qty}</td><td>${t.entryPrice}</td><td>${t.exitPrice}</td><td class="${t.netPnl >= 0 ? 'up' : 'down'}">${num(t.netPnl)}</td><td>${num(t.fees)}</td></tr>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>tickring backtest: ${esc(r.input)}</title>
<style>body{font-family:sans-serif;margin:24px;color:#222}table{border-collapse:collapse;font-size:13px}td,th{padding:3px 10px;border-bottom:1px solid #eee;text-align:right}td:first-child,th:first-child{text-align:left}.up{color:#1a7f37}.down{color:#cf222e}figure{margin:16px 0}figcaption{font-weight:bold;margin-bottom:4px}</style>
</head><body>
<h1>Backtest: ${esc(r.input)}</h1>
<table>${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>
${lineChart(r.equity, 'Equity', '#0969da', false)}
${lineChart(drawdown, 'Drawdown', '#cf222e', true)}
<h2>Trades${r.trades.length > shown.length ? ` (first ${shown.length} of ${r.trades.length}; all are in report.json)` : ''}</h2>
<table><tr><th>Opened</th><th>Closed</th><th>Symbol</th><th>Side</th><th>Qty</th><th>Entry</th><th>Exit</th><th>Net P&amp;L</th><th>Fees</th></tr>
${trades}
</table>
</body></html>
`;
}
