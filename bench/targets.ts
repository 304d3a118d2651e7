import type { BenchRow } from './table.js';

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
