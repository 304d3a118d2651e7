import { MessageChannel, Worker } from 'node:worker_threads';
import { RingBuffer } from 'ringbuf.js';
import { createRing, WAIT_STRATEGIES, type WaitStrategyName } from '../native-free-ringbuffer/index.js';
import { createClockAnchor } from '../engine/clock.js';
import type { BenchJob, HopResult, ThroughputResult } from './workers/ring-bench-worker.js';
import type { BenchRow } from './table.js';

const workerFile = new URL('./workers/ring-bench-worker.js', import.meta.url);

function run<T>(job: BenchJob, transfer: any[] = []): Promise<T> {
  return new Promise((resolve, reject) => {
    const w = new Worker(workerFile, { workerData: job, transferList: transfer });
    let result: T | undefined;
    w.on('message', (m) => {
      if (result === undefined && !('sent' in m)) result = m;
    });
    w.once('error', reject);
    w.once('exit', (code) => (code === 0 ? (result !== undefined ? resolve(result) : resolve(undefined as T)) : reject(new Error(`bench worker exited ${code}`))));
  });
}

/** One hop, producer thread to consumer thread, 64-byte record, for each wait strategy and postMessage. */
export async function ringHop(quick: boolean, progress: (s: string) => void): Promise<BenchRow[]> {
  const seconds = quick ? 1 : 5;
  const rows: BenchRow[] = [];
  const transports: (WaitStrategyName | 'postMessage')[] = [...WAIT_STRATEGIES, 'postMessage'];
  for (const rate of [1_000, 10_000, 100_000]) {
    for (const transport of transports) {
      progress(`ring-hop ${transport} @ ${rate}/s (${seconds}s)`);
      const count = rate * seconds;
      const anchor = createClockAnchor();
      let consumer: Promise<HopResult>;
      let producer: Promise<unknown>;
      if (transport === 'postMessage') {
        const { port1, port2 } = new MessageChannel();
        consumer = run<HopResult>({ role: 'hop-consumer', port: port2, count, anchor, timeoutMs: seconds * 1000 + 10_000 }, [port2]);
        await new Promise((r) => setTimeout(r, 50));
        producer = run({ role: 'hop-producer', port: port1, rate, count, anchor }, [port1]);
      } else {
        const ring = createRing({ capacity: 4096, recordSize: 64 });
        consumer = run<HopResult>({ role: 'hop-consumer', ring, strategy: transport, count, anchor, timeoutMs: seconds * 1000 + 10_000 });
        producer = run({ role: 'hop-producer', ring, rate, count, anchor });
      }
      const [r] = await Promise.all([consumer, producer]);
      rows.push({
        suite: 'ring-hop', name: `${transport} @ ${rate / 1000}k/s`, unit: 'us',
        p50: r.p50 / 1e3, p99: r.p99 / 1e3, p999: r.p999 / 1e3, max: r.max / 1e3, opsPerSec: null,
        note: r.received === count ? '' : `received ${r.received} of ${count}`,
      });
    }
    const base = rows.find((x) => x.name === `postMessage @ ${rate / 1000}k/s`)!;
    for (const row of rows.filter((x) => x.name.endsWith(`@ ${rate / 1000}k/s`) && x !== base)) {
      row.note = [row.note, `p50 ${(base.p50! / row.p50!).toFixed(1)}x below postMessage`].filter(Boolean).join('; ');
    }
  }
  return rows;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

/** Records per second across two threads, ours beside ringbuf.js, single and batched. */
export async function ringThroughput(quick: boolean, progress: (s: string) => void): Promise<BenchRow[]> {
  const count = quick ? 4_000_000 : 20_000_000;
  const reps = quick ? 3 : 5;
  const rows: BenchRow[] = [];
  for (const batch of [1, 64]) {
    for (const impl of ['tickring', 'ringbuf.js'] as const) {
      progress(`ring-throughput ${impl} batch ${batch} (${reps} x ${count.toLocaleString()} records)`);
      const rates: number[] = [];
      for (let rep = 0; rep < reps; rep++) {
        const ring = impl === 'tickring' ? createRing({ capacity: 4096, recordSize: 64 }) : undefined;
        const sab = impl === 'ringbuf.js' ? RingBuffer.getStorageForCapacity(4096 * 8, Float64Array) : undefined;
        const [c] = await Promise.all([
          run<ThroughputResult>({ role: 'tp-consumer', impl, ring, sab, count, batch }),
          run<ThroughputResult>({ role: 'tp-producer', impl, ring, sab, count, batch }),
        ]);
        rates.push(c.records / (c.ms / 1000));
      }
      rows.push({
        suite: 'ring-throughput', name: `${impl} ${batch === 1 ? 'single' : `batch ${batch}`}`, unit: 'records/s',
        p50: null, p99: null, p999: null, max: null, opsPerSec: median(rates),
        note: `median of ${reps}; 64-byte records; min ${(Math.min(...rates) / 1e6).toFixed(1)}M max ${(Math.max(...rates) / 1e6).toFixed(1)}M`,
      });
    }
    const ours = rows[rows.length - 2];
    const theirs = rows[rows.length - 1];
    ours.note += `; ${(ours.opsPerSec! / theirs.opsPerSec!).toFixed(2)}x ringbuf.js`;
  }
  return rows;
}
