import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { EngineProcess } from '../helpers/engine-process.js';
import { ROOT } from '../helpers/compiled.js';
import { stealMsPerVcpu } from '../../bench/host-steal.js';

/**
 * What every chaos scenario shares: latency windows read off the engine's
 * /metrics histograms, and the scenario's record for the report
 * (`npm run chaos` collects them into chaos-report/).
 */
export interface LatencyPoint {
  /** Seconds since the scenario started. */
  t: number;
  /** p99 over the window that ended then, µs (the upper edge of its histogram bucket); null without samples. */
  p99Us: number | null;
  /** The median, the same way. */
  p50Us: number | null;
  samples: number;
  phase: string;
}

export interface ScenarioRecord {
  name: string;
  /** What was done, in a sentence. */
  did: string;
  durationS: number;
  /** What was lost: every entry must be 0. */
  lost: Record<string, number>;
  /** p99 of the watched hop before, during and after the damage, µs. */
  p99Us: { before: number | null; during: number | null; after: number | null };
  hop: string;
  timeline: LatencyPoint[];
  figures: Record<string, number | string | boolean>;
}

/** A process's resident memory (KiB) and open file descriptors, from /proc. */
export const rssKb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
export const openFds = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;

export const REPORT_DIR = process.env.TICKRING_CHAOS_DIR ?? path.join(ROOT, 'chaos-report');

export function recordScenario(r: ScenarioRecord): void {
  const dir = path.join(REPORT_DIR, 'scenarios');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `${r.name}.json`), JSON.stringify(r, null, 2) + '\n');
}

/** Cumulative bucket counts of one hop's histogram in /metrics, by upper edge in seconds. */
export async function buckets(e: EngineProcess, hop: string, strategy: string): Promise<Map<number, number>> {
  const { text } = await e.get('/metrics');
  const out = new Map<number, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('tickring_hop_latency_seconds_bucket{')) continue;
    if (!line.includes(`hop="${hop}"`) || !line.includes(`strategy="${strategy}"`)) continue;
    const le = /le="([^"]+)"/.exec(line)![1];
    out.set(le === '+Inf' ? Infinity : Number(le), Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return out;
}

/** A quantile between two readings (µs, the upper edge of its bucket); null without samples. */
function quantileBetween(a: Map<number, number>, b: Map<number, number>, q: number, total: number): number | null {
  if (total <= 0) return null;
  for (const le of [...b.keys()].sort((x, y) => x - y)) {
    if ((b.get(le) ?? 0) - (a.get(le) ?? 0) >= q * total) return le === Infinity ? null : le * 1e6;
  }
  return null;
}

/** The 99th percentile and the median between two readings, and how many samples fell between. */
export function p99Between(a: Map<number, number>, b: Map<number, number>): { p99Us: number | null; p50Us: number | null; samples: number } {
  const total = (b.get(Infinity) ?? 0) - (a.get(Infinity) ?? 0);
  return { p99Us: quantileBetween(a, b, 0.99, total), p50Us: quantileBetween(a, b, 0.5, total), samples: Math.max(0, total) };
}

/** Samples a hop's p99 every `everyMs` (each window labelled with the phase it began in) until `stop()`; returns the timeline. */
export function watchLatency(e: EngineProcess, hop: string, strategy: string, everyMs: number, phase: () => string) {
  const timeline: LatencyPoint[] = [];
  const t0 = Date.now();
  let stopped = false;
  const loop = (async () => {
    let last = await buckets(e, hop, strategy);
    while (!stopped) {
      const windowPhase = phase(); // a window belongs to the phase it began in
      await new Promise((r) => setTimeout(r, everyMs));
      const now = await buckets(e, hop, strategy).catch(() => null);
      if (!now) continue; // the engine is restarting: no reading
      timeline.push({ t: (Date.now() - t0) / 1000, ...p99Between(last, now), phase: windowPhase });
      last = now;
    }
  })();
  return {
    timeline,
    async stop() {
      stopped = true;
      await loop;
      return timeline;
    },
  };
}

/** The p99 over a phase: the median of its windows' p99s (the machine is noisy: one window does not speak for it). */
export function phaseP99(timeline: readonly LatencyPoint[], phase: string, key: 'p99Us' | 'p50Us' = 'p99Us'): number | null {
  const v = timeline.filter((p) => p.phase === phase && p[key] !== null).map((p) => p[key]!).sort((a, b) => a - b);
  return v.length ? v[v.length >> 1] : null;
}

/**
 * Time the VM's host took from each vCPU (steal, from /proc/stat), sampled every `everyMs` until `stop()`,
 * and each named engine thread's major page faults (from /proc/PID/task/*\/stat) at the same times: with
 * them a pause on a strategy thread can be told apart as the host's (steal on a vCPU then), the kernel's
 * (a major fault on the thread then) or the engine's own (neither).
 */
export function watchHost(pid: number, threads: readonly string[], everyMs = 100) {
  const samples: { at: number; steal: number[]; majflt: number[] }[] = [];
  const readMajflt = () => {
    const out = threads.map(() => 0);
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      try {
        const stat = readFileSync(`/proc/${pid}/task/${task}/stat`, 'utf8');
        const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        const k = threads.indexOf(comm);
        // fields after the name: state is the 3rd field, majflt the 12th
        if (k >= 0) out[k] += Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[9]);
      } catch {
        // the task ended between the listing and the read
      }
    }
    return out;
  };
  const sample = () => samples.push({ at: Date.now(), steal: stealMsPerVcpu(), majflt: readMajflt() });
  sample();
  const timer = setInterval(sample, everyMs).unref();
  /** Per vCPU, the steal (ms) in the samples from `fromMs` to `toMs`; and per thread, the major faults then. */
  const between = (fromMs: number, toMs: number) => {
    let a = samples[0];
    for (const s of samples) if (s.at <= fromMs) a = s;
    const b = samples.find((s) => s.at >= toMs) ?? samples[samples.length - 1];
    return { stealMs: b.steal.map((v, i) => v - a.steal[i]), majflt: b.majflt.map((v, i) => v - a.majflt[i]) };
  };
  return {
    between,
    /** The most steal any one vCPU had within one sampling interval, ms. */
    maxStealPerInterval(fromMs: number): number {
      let max = 0;
      for (let k = 1; k < samples.length; k++) {
        if (samples[k - 1].at < fromMs) continue;
        for (let i = 0; i < samples[k].steal.length; i++) max = Math.max(max, samples[k].steal[i] - samples[k - 1].steal[i]);
      }
      return max;
    },
    stop: () => clearInterval(timer),
  };
}
