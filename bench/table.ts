import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** One result row of `npm run bench`; latencies in `unit`, throughput in opsPerSec. */
export interface BenchRow {
  suite: string;
  name: string;
  unit: string;
  p50: number | null;
  p99: number | null;
  p999: number | null;
  max: number | null;
  opsPerSec: number | null;
  note: string;
}

const fmt = (v: number | null, digits = 2) =>
  v === null || !Number.isFinite(v) ? '-' : Math.abs(v) >= 1e6 ? `${(v / 1e6).toFixed(2)}M` : Math.abs(v) >= 1e4 ? `${(v / 1e3).toFixed(1)}k` : v.toFixed(digits);

export function printTable(rows: BenchRow[]): string {
  const header = ['suite', 'name', 'unit', 'p50', 'p99', 'p99.9', 'max', 'ops/s', 'note'];
  const cells = rows.map((r) => [r.suite, r.name, r.unit, fmt(r.p50), fmt(r.p99), fmt(r.p999), fmt(r.max), fmt(r.opsPerSec, 0), r.note]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((x, i) => (i >= 3 && i <= 7 ? x.padStart(widths[i]) : x.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

export function writeResults(file: string, rows: BenchRow[]): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(rows, null, 2) + '\n');
}
