import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import * as hdr from 'hdr-histogram-js';
import { benchConfig, startBenchEngine } from './bench-config.js';
import { bucketHigh, bucketLow, BUCKETS } from '../engine/status/latency-histogram.js';
import type { RunningEngine } from '../workers/engine-runner.js';
import type { BenchRow } from './table.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** wrk's latency in µs from "1.23ms", "456.00us", "1.2s". */
function micros(v: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(v.trim());
  if (!m) return NaN;
  return Number(m[1]) * (m[2] === 'us' ? 1 : m[2] === 'ms' ? 1000 : 1e6);
}

/** tick-to-signal p99 (µs) over a window, from the engine's shared histogram. */
async function tickToSignalP99(engine: RunningEngine, ms: number): Promise<number> {
  const before = engine.status.histogram('tick_to_signal').snapshot();
  await sleep(ms);
  const after = engine.status.histogram('tick_to_signal').snapshot();
  const h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 2 ** 41, numberOfSignificantValueDigits: 3 });
  for (let i = 0; i < BUCKETS; i++) {
    const c = after[4 + i] - before[4 + i];
    if (c > 0) h.recordValueWithCount(Math.floor((bucketLow(i) + bucketHigh(i) - 1) / 2), c);
  }
  return h.getValueAtPercentile(99) / 1000;
}

/**
 * Health and metrics under HTTP load (wrk, one thread, 4 connections) while the
 * engine trades 10k ticks/s, and the tick-to-signal p99 without and with that load.
 */
export async function httpLoad(quick: boolean, progress: (s: string) => void): Promise<BenchRow[]> {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
  } catch (e) {
    // wrk --version exits 1 but prints its version; a missing binary throws ENOENT
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('wrk is not installed: apt-get install -y wrk (scripts/ensure-tools.sh does it)');
  }
  const seconds = quick ? 3 : 15;
  const config = benchConfig();
  config.feeds.simulator.ticksPerSecond = 10_000;
  config.feeds.publishers.enabled = false;
  config.strategies = [{ name: 'latency-probe', id: 'latency-probe', params: { every: 1 } }];
  const engine = await startBenchEngine(config);
  const rows: BenchRow[] = [];
  try {
    await sleep(1000);
    progress(`http-load: tick-to-signal without HTTP load (${seconds}s)`);
    const quiet = await tickToSignalP99(engine, seconds * 1000);
    const base = `http://127.0.0.1:${engine.ports.http}`;
    const under: Record<string, number> = {};
    for (const route of ['/health/ready', '/metrics']) {
      progress(`http-load: wrk on ${route} for ${seconds}s at 10k ticks/s`);
      const wrk = promisify(execFile)('wrk', ['-t1', '-c4', `-d${seconds}s`, '--latency', `${base}${route}`]);
      under[route] = await tickToSignalP99(engine, seconds * 1000);
      const out = (await wrk).stdout;
      const pct = (p: string) => micros(new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm').exec(out)?.[1] ?? '');
      const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
      const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
      rows.push({
        suite: 'http-load', name: `GET ${route} under wrk, 10k ticks/s`, unit: 'us', p50: pct('50'), p99: pct('99'), p999: null,
        max: micros(/Latency\s+\S+\s+\S+\s+(\S+)/.exec(out)?.[1] ?? ''), opsPerSec: rps, note: `1 thread, 4 connections${non2xx ? `; ${non2xx} non-2xx` : ''}`,
      });
    }
    for (const [name, p99] of [['without HTTP load', quiet], ['with /health/ready load', under['/health/ready']], ['with /metrics load', under['/metrics']]] as const) {
      rows.push({ suite: 'http-load', name: `tick-to-signal ${name}`, unit: 'us', p50: null, p99, p999: null, max: null, opsPerSec: null, note: '10k ticks/s, latency probe signalling every tick' });
    }
  } finally {
    await engine.stop();
  }
  return rows;
}
