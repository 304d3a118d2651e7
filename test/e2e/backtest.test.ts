import { beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { compiled } from '../helpers/compiled.js';
import type { BacktestReport } from '../../engine/backtest/report.js';

const MAIN = compiled('workers/main.js');
const dir = mkdtempSync(path.join(tmpdir(), 'tickring-backtest-'));

function tickring(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [MAIN, ...args], { env: { ...process.env, TICKRING_LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
const read = (out: string, file: string) => readFileSync(path.join(out, file));
/** Where two outputs part, for the failure message: a run that is not reproducible must say how. */
function firstDifference(a: string, b: string, file: string): string {
  const [x, y] = [read(a, file).toString().split('\n'), read(b, file).toString().split('\n')];
  let i = x.findIndex((l, k) => l !== y[k]);
  if (i < 0 && x.length === y.length) return `${file}: identical`;
  if (i < 0) i = x.length;
  return `${file}: ${x.length} vs ${y.length} lines; line ${i + 1} first differs:\n${x[i]}\n${y[i]}`;
}
const rowsOf = (out: string) => read(out, 'rows.ndjson').toString().trim().split('\n').map((l) => JSON.parse(l) as { t: string; strategy?: string });

describe('npm run backtest', () => {
  const day = path.join(dir, 'day.capture');
  beforeAll(async () => {
    const r = await tickring(['simulate', '--out', day, '--hours', '24', '--rate', '4', '--seed', '42']);
    expect(r.code, `${r.stderr}${r.stdout.slice(-3000)}`).toBe(0); // the logs (stdout) say why a run failed
    expect(r.stdout).toContain('345600 ticks');
  }, 60_000);

  it('backtests a simulated day twice with the same rows, report and chart, byte for byte', async () => {
    const [a, b] = [path.join(dir, 'day-a'), path.join(dir, 'day-b')];
    for (const out of [a, b]) {
      const r = await tickring(['backtest', day, '--out', out]);
      expect(r.code, `${r.stderr}${r.stdout.slice(-3000)}`).toBe(0); // the logs (stdout) say why a run failed
      expect(r.stdout).toContain('day.capture: 345600 ticks');
    }
    for (const f of ['rows.ndjson', 'report.json', 'report.html']) expect(read(a, f).equals(read(b, f)), firstDifference(a, b, f)).toBe(true);

    // the desk strategies traded through the orchestrator, risk and the paper broker
    const rows = rowsOf(a);
    const report = JSON.parse(read(a, 'report.json').toString()) as BacktestReport;
    const s = report.stats;
    expect(new Set(rows.filter((r) => r.t === 'signal').map((r) => r.strategy))).toEqual(new Set(['volume-scalper', 'regime-detector']));
    expect(s.fills).toBe(rows.filter((r) => r.t === 'fill').length);
    expect(s.fills).toBeGreaterThan(0);
    expect(s.trades).toBeGreaterThan(0);
    expect(s.decisions.INTENT).toBeGreaterThan(0);
    expect(s.signals).toBe(rows.filter((r) => r.t === 'signal').length);
    expect(report.equity.length).toBeGreaterThan(100);
    for (const k of ['pnl', 'returnPct', 'fees', 'maxDrawdownPct', 'turnover', 'hitRate', 'sharpe', 'sortino'] as const) expect(Number.isFinite(s[k]), k).toBe(true);
    expect(s.from).toBe(Date.UTC(2026, 0, 5));
    expect(s.to!).toBeLessThanOrEqual(Date.UTC(2026, 0, 6));
  }, 120_000);

  it('gives the same rows replaying in real time as at full speed', async () => {
    const short = path.join(dir, 'short.capture');
    expect((await tickring(['simulate', '--out', short, '--hours', '0.01', '--rate', '200', '--seed', '7'])).code).toBe(0);
    // a fast detector, so 36 s of market make it fit models and signal
    const config = path.join(dir, 'fast.json');
    writeFileSync(config, JSON.stringify({ strategies: [{ name: 'volume-scalper', params: {} }, { name: 'regime-detector', params: { barSeconds: 0.5, fitBars: 60, refitBars: 20 } }] }));
    const [fast, paced] = [path.join(dir, 'short-max'), path.join(dir, 'short-realtime')];
    const r1 = await tickring(['backtest', short, '--out', fast], { TICKRING_CONFIG: config });
    expect(r1.code, r1.stderr).toBe(0);
    const t0 = Date.now();
    const r2 = await tickring(['backtest', short, '--out', paced, '--speed', 'realtime'], { TICKRING_CONFIG: config });
    expect(r2.code, r2.stderr).toBe(0);
    expect(Date.now() - t0).toBeGreaterThan(35_000); // it did replay at the recording's pace
    expect(rowsOf(fast).filter((r) => r.t === 'fill').length).toBeGreaterThan(0);
    expect(read(paced, 'rows.ndjson').equals(read(fast, 'rows.ndjson'))).toBe(true);
  }, 120_000);

  it('refuses a missing input or a bad speed with a clear message', async () => {
    const missing = await tickring(['backtest', path.join(dir, 'nope.csv')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nope.csv does not exist');
    const speed = await tickring(['backtest', path.join(dir, 'day.capture'), '--speed', 'fast']);
    expect(speed.code).toBe(2);
    expect(speed.stderr).toContain("--speed is max, realtime or a number > 0, not 'fast'");
  });

  it('stops and fails, with no report, when a strategy thread crashes mid-run (its state is gone: not the run of the input)', async () => {
    const config = path.join(dir, 'crashy.json');
    // throws on its 2,000th tick after every start: restarted, it would go on from its read cursor with nothing it knew
    writeFileSync(config, JSON.stringify({ strategies: [{ name: 'volume-scalper', params: {} }, { name: 'latency-probe', id: 'crashy', params: { every: 10, throwAfterTicks: 2000 } }] }));
    const out = path.join(dir, 'crashy');
    const r = await tickring(['backtest', path.join(dir, 'day.capture'), '--out', out], { TICKRING_CONFIG: config });
    expect(r.code).toBe(1);
    // the engine's log (pino JSON on stdout) says why
    expect(r.stdout).toContain('not a faithful run of its input');
    expect(r.stdout).toContain('strategy:crashy');
    expect(existsSync(path.join(out, 'report.json'))).toBe(false);
  }, 60_000);
});
