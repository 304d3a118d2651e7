/**
 * The chaos report: every scenario's record (test/chaos/chaos-kit.ts) in one
 * JSON file, a readable summary and a page with each scenario's latency over
 * time. `npm run chaos` runs the scenarios, then this.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPORT_DIR, type ScenarioRecord } from './chaos-kit.js';

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const us = (v: number | null) => (v === null ? '-' : v >= 1000 ? `${(v / 1000).toFixed(1)} ms` : `${v.toFixed(0)} us`);
const PHASE_COLOUR: Record<string, string> = { before: '#0969da', during: '#cf222e', after: '#1a7f37' };

function chart(r: ScenarioRecord): string {
  const pts = r.timeline.filter((p) => p.p99Us !== null);
  if (pts.length === 0) return '<p>no latency samples</p>';
  const W = 720;
  const H = 200;
  const L = 70;
  const B = 24;
  const tMax = Math.max(...pts.map((p) => p.t)) || 1;
  // log scale: tails span orders of magnitude
  const lo = Math.log10(Math.max(1, Math.min(...pts.map((p) => p.p99Us!))));
  const hi = Math.max(lo + 1, Math.log10(Math.max(...pts.map((p) => p.p99Us!))));
  const x = (t: number) => L + (t / tMax) * (W - L - 10);
  const y = (v: number) => 10 + (1 - (Math.log10(Math.max(1, v)) - lo) / (hi - lo)) * (H - B - 10);
  const dots = pts.map((p) => `<circle cx="${x(p.t).toFixed(1)}" cy="${y(p.p99Us!).toFixed(1)}" r="3" fill="${PHASE_COLOUR[p.phase] ?? '#555'}"><title>${p.phase} ${p.t.toFixed(1)} s: ${us(p.p99Us)} (${p.samples} samples)</title></circle>`).join('');
  const ticks = [lo, (lo + hi) / 2, hi].map((e) => `<text x="${L - 6}" y="${y(10 ** e).toFixed(1)}" text-anchor="end" dominant-baseline="middle">${us(10 ** e)}</text>`).join('');
  return `<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif" font-size="11">${ticks}<text x="${W - 10}" y="${H - 6}" text-anchor="end">${tMax.toFixed(0)} s</text><line x1="${L}" x2="${W - 10}" y1="${H - B}" y2="${H - B}" stroke="#ccc"/>${dots}</svg>`;
}

export function buildChaosReport(dir = REPORT_DIR): { scenarios: ScenarioRecord[]; summary: string; allLostZero: boolean } {
  const scenarioDir = path.join(dir, 'scenarios');
  const scenarios = existsSync(scenarioDir)
    ? readdirSync(scenarioDir).filter((f) => f.endsWith('.json')).sort().map((f) => JSON.parse(readFileSync(path.join(scenarioDir, f), 'utf8')) as ScenarioRecord)
    : [];
  const lines = ['tickring chaos report', ''];
  let allLostZero = true;
  for (const s of scenarios) {
    const lost = Object.entries(s.lost);
    const clean = lost.every(([, v]) => v === 0);
    allLostZero &&= clean;
    lines.push(`${clean ? 'ok  ' : 'LOST'} ${s.name} (${s.durationS.toFixed(0)} s): ${s.did}`);
    lines.push(`     lost: ${lost.map(([k, v]) => `${k} ${v}`).join(', ') || 'nothing to lose'}`);
    lines.push(`     ${s.hop} p99: before ${us(s.p99Us.before)}, during ${us(s.p99Us.during)}, after ${us(s.p99Us.after)}`);
    lines.push(`     ${Object.entries(s.figures).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  }
  if (scenarios.length === 0) lines.push('no scenario records: run `npm run chaos`');
  const summary = lines.join('\n') + '\n';
  writeFileSync(path.join(dir, 'report.json'), JSON.stringify({ scenarios, allLostZero }, null, 2) + '\n');
  writeFileSync(path.join(dir, 'summary.txt'), summary);
  const sections = scenarios
    .map((s) => `<h2>${esc(s.name)}</h2><p>${esc(s.did)}</p><pre>${esc(summary.split('\n').filter((l) => l.includes(` ${s.name} `) || false).join('\n'))}</pre>
<table>${Object.entries({ ...s.lost, ...s.figures }).map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(String(v))}</td></tr>`).join('')}</table>
<p>${esc(s.hop)} p99 per window (<span style="color:${PHASE_COLOUR.before}">before</span>, <span style="color:${PHASE_COLOUR.during}">during</span>, <span style="color:${PHASE_COLOUR.after}">after</span>)</p>${chart(s)}`)
    .join('\n');
  writeFileSync(path.join(dir, 'report.html'), `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>tickring chaos report</title><style>body{font-family:sans-serif;margin:24px}th{text-align:left;padding-right:12px}</style></head><body><h1>tickring chaos report</h1><pre>${esc(summary)}</pre>${sections}</body></html>\n`);
  return { scenarios, summary, allLostZero };
}

// `node dist/test/chaos/report.js`
if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  const { summary, allLostZero, scenarios } = buildChaosReport();
  process.stdout.write(summary + `\n${path.join(REPORT_DIR, 'report.html')}\n`);
  process.exit(scenarios.length > 0 && allLostZero ? 0 : 1);
}
