import type { BenchRow } from './table.js';
import { SCHEDULINGS } from './schedulings.js';

/** A row measured under a setting the machine refused says so in its note: the verdict is then for what ran. */
const refusedNote = (note: string) => (/REFUSED/.test(note) ? ` (${/(realtime|idle poll) REFUSED/.exec(note)![1]} refused here)` : '');

/**
 * The foundation's targets on this 2-core machine, read off the rows of the
 * same run. They are reported, met or missed, never used to fail the run:
 * a noisy machine is measured, not asserted on.
 */
export function checkTargets(rows: BenchRow[]): string[] {
  const find = (suite: string, name: string) => rows.find((r) => r.suite === suite && r.name === name);
  const lines: string[] = ['targets:'];
  const verdict = (ok: boolean) => (ok ? 'met   ' : 'MISSED');
  const spin = find('ring-hop', 'busy-spin @ 10k/s');
  const pm = find('ring-hop', 'postMessage @ 10k/s');
  if (spin && pm) {
    const ratio = pm.p50! / spin.p50!;
    lines.push(`  ${verdict(spin.p50! <= 1 && ratio >= 40)} busy-spin hop p50 <= 1 us and >= 40x below postMessage: ${spin.p50!.toFixed(2)} us, ${ratio.toFixed(0)}x`);
  }
  const ours = find('ring-throughput', 'tickring batch 64');
  const theirs = find('ring-throughput', 'ringbuf.js batch 64');
  if (ours && theirs) {
    lines.push(`  ${verdict(ours.opsPerSec! >= 20e6 && ours.opsPerSec! >= theirs.opsPerSec!)} batched ring >= 20M records/s and not below ringbuf.js: ${(ours.opsPerSec! / 1e6).toFixed(1)}M vs ${(theirs.opsPerSec! / 1e6).toFixed(1)}M`);
  }
  const e2e = find('engine', 'tick-to-signal @ 10k/s');
  if (e2e) {
    const drops = Number(/drops (\d+)/.exec(e2e.note)?.[1] ?? NaN);
    lines.push(`  ${verdict(e2e.p99! <= 1000 && drops === 0)} engine tick-to-signal p99 <= 1 ms at 10k ticks/s, no drops: ${e2e.p99!.toFixed(1)} us, ${drops} drops`);
  }
  // the latency targets are read under every scheduling the bench runs: the defaults first
  for (const { suffix: sched } of SCHEDULINGS) {
    const desk = find('engine', `tick-to-signal (volume-scalper + regime-detector) @ 10k/s${sched}`);
    if (!desk) continue;
    const drops = Number(/drops (\d+)/.exec(desk.note)?.[1] ?? NaN);
    const samples = Number(/(\d+) samples/.exec(desk.note)?.[1] ?? 0);
    lines.push(`  ${samples > 0 ? verdict(desk.p99! <= 1000 && drops === 0) : 'n/a   '} desk strategies tick-to-signal p99 <= 1 ms at 10k ticks/s, no drops${sched}: ${samples > 0 ? `${desk.p99!.toFixed(1)} us` : 'no signals in the window'}, ${drops} drops, ${samples} signals${refusedNote(desk.note)}`);
  }
  const streaming = rows.filter((r) => r.suite === 'analytics' && r.unit === 'ns/update' && !r.name.startsWith('regime classifier') && !/: (trading-signals|technicalindicators)$/.test(r.name));
  if (streaming.length) {
    const worst = streaming.reduce((a, b) => (b.p50! > a.p50! ? b : a));
    lines.push(`  ${verdict(worst.p50! <= 1000)} every streaming analytics update <= 1 us median: slowest ${worst.name} ${worst.p50!.toFixed(0)} ns`);
  }
  const ratios = rows.filter((r) => r.suite === 'analytics' && /x faster than the faster package/.test(r.note));
  if (ratios.length) {
    const worst = ratios.map((r) => ({ name: r.name, x: Number(/([\d.]+)x faster/.exec(r.note)![1]) })).reduce((a, b) => (b.x < a.x ? b : a));
    lines.push(`  ${verdict(worst.x >= 2)} shared indicators >= 2x faster than the faster of trading-signals and technicalindicators: lowest ${worst.name} ${worst.x}x`);
  }
  for (const [name, budget] of [['GARCH(1,1) fit, 2000 bars (pool)', 50], ['HMM 4-state fit, 2000 bars (pool)', 200]] as const) {
    const r = find('analytics', name);
    if (r) lines.push(`  ${verdict(r.p50! < budget)} ${name} < ${budget} ms: ${r.p50!.toFixed(1)} ms median`);
  }
  const vs = find('strategy', 'volume-scalper onTick');
  if (vs) lines.push(`  ${verdict(vs.p99! <= 5000)} volume scalper onTick p99 <= 5 us: ${(vs.p99! / 1000).toFixed(2)} us (p50 ${vs.p50!.toFixed(0)} ns)`);
  const allocations = rows.filter((r) => r.suite === 'strategy' && r.unit === 'B/tick');
  if (allocations.length) {
    const worst = allocations.reduce((a, b) => (b.p50! > a.p50! ? b : a));
    // something on every tick is at least a 16-byte heap number; under 4 bytes a tick is what a bar's close or a
    // price ladder's re-centring allocates, spread over the ticks between them (~1 byte a tick in a quick run)
    lines.push(`  ${verdict(worst.p50! < 4)} strategies' onTick allocates nothing per tick (median < 4 bytes a tick): most ${worst.name} ${worst.p50!.toFixed(2)} B/tick`);
  }
  for (const { suffix: sched } of SCHEDULINGS) {
    const s2o = find('engine', `signal-to-order @ 10k/s (paper)${sched}`);
    if (s2o) lines.push(`  ${verdict(s2o.opsPerSec! > 0 && s2o.p99! <= 200)} signal to order sent p99 <= 200 us (paper broker, 10k ticks/s)${sched}: ${s2o.p99!.toFixed(1)} us over ${(s2o.opsPerSec! || 0).toFixed(0)} orders/s${refusedNote(s2o.note)}`);
  }
  const persisted = find('store', 'fills persisted, write-behind -> PostgreSQL');
  if (persisted) {
    const lost = Number(/(\d+) missing/.exec(persisted.note)?.[1] ?? NaN);
    lines.push(`  ${verdict(persisted.opsPerSec! >= 20_000 && lost === 0)} >= 20,000 fills/s persisted to PostgreSQL, none missing: ${(persisted.opsPerSec! / 1e3).toFixed(1)}k fills/s, ${lost} missing`);
  }
  const mp = find('ingest', 'publisher msgpack batches of 200');
  if (mp) lines.push(`  ${verdict(mp.opsPerSec! >= 300_000)} ingest >= 300k ticks/s from msgpack batches: ${(mp.opsPerSec! / 1e3).toFixed(0)}k`);
  const bj = find('ingest', 'Binance JSON parse + normalise');
  if (bj) lines.push(`  ${verdict(bj.opsPerSec! >= 150_000)} Binance JSON >= 150k msgs/s: ${(bj.opsPerSec! / 1e3).toFixed(0)}k`);
  const ready = find('http-load', 'GET /health/ready under wrk, 10k ticks/s');
  if (ready) lines.push(`  ${verdict(ready.p99! <= 5000)} /health/ready p99 <= 5 ms while trading 10k ticks/s: ${(ready.p99! / 1000).toFixed(2)} ms`);
  const rss = rows.find((r) => r.suite === 'engine' && r.name.startsWith('RSS'));
  if (rss) {
    const growth = Number(/growth (-?[\d.]+)%/.exec(rss.note)?.[1] ?? NaN);
    const seconds = Number(/over (\d+)s/.exec(rss.name)?.[1] ?? 0);
    // The target is for a 5-minute run; a quick run's RSS is still settling (it usually shrinks).
    const judged = seconds >= 300 ? verdict(Math.abs(growth) <= 5) : 'n/a   ';
    lines.push(`  ${judged} RSS flat within 5% over 5 minutes at 10k ticks/s (${rss.name}): ${growth.toFixed(2)}%${seconds < 300 ? ' (quick run: not judged)' : ''}`);
  }
  return lines;
}
