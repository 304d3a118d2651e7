/**
 * Both ends of the ring benchmarks, one role per worker thread.
 *
 * hop-*: the producer writes `count` 64-byte records at `rate` per second,
 * each stamped with the shared clock; the consumer records (now - stamp) in an
 * HDR histogram. postMessage is measured the same way through a MessagePort.
 *
 * tp-*: throughput; the producer writes `count` 64-byte records as fast as
 * the consumer takes them, singly or in batches, through our ring or ringbuf.js.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import * as hdr from 'hdr-histogram-js';
import { RingBuffer } from 'ringbuf.js';
import { createWaitStrategy, RingReader, RingWriter, type RingDescriptor, type WaitStrategyName } from '../../native-free-ringbuffer/index.js';
import { Clock, type ClockAnchor } from '../../engine/clock.js';

export type BenchJob =
  | { role: 'hop-producer'; ring?: RingDescriptor; port?: MessagePort; rate: number; count: number; anchor: ClockAnchor }
  | { role: 'hop-consumer'; ring?: RingDescriptor; port?: MessagePort; strategy?: WaitStrategyName; count: number; anchor: ClockAnchor; timeoutMs: number }
  | { role: 'tp-producer' | 'tp-consumer'; impl: 'tickring' | 'ringbuf.js'; ring?: RingDescriptor; sab?: SharedArrayBuffer; count: number; batch: number };

export interface HopResult { received: number; p50: number; p99: number; p999: number; max: number; mean: number }
export interface ThroughputResult { records: number; checksum: number; ms: number }

const job = workerData as BenchJob;
const port = parentPort!;

function hopProducer(j: Extract<BenchJob, { role: 'hop-producer' }>): void {
  const clock = new Clock(j.anchor);
  const interval = 1000 / j.rate;
  const w = j.ring ? new RingWriter(j.ring) : null;
  let next = performance.now() + 20;
  for (let i = 0; i < j.count; i++) {
    while (performance.now() < next);
    next += interval;
    if (w) {
      while (w.free() === 0);
      w.claim(1);
      const off = w.slot(0);
      w.f64[(off >>> 3) + 1] = clock.now();
      w.commit();
    } else {
      j.port!.postMessage(clock.now());
    }
  }
  port.postMessage({ sent: j.count });
}

function hopConsumer(j: Extract<BenchJob, { role: 'hop-consumer' }>): void {
  const clock = new Clock(j.anchor);
  const h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60e9, numberOfSignificantValueDigits: 3 });
  let received = 0;
  const deadline = performance.now() + j.timeoutMs;
  const done = () => {
    const result: HopResult = {
      received, p50: h.getValueAtPercentile(50), p99: h.getValueAtPercentile(99), p999: h.getValueAtPercentile(99.9),
      max: h.maxValue, mean: h.mean,
    };
    port.postMessage(result);
  };
  if (j.port) {
    j.port.on('message', (stamp: number) => {
      h.recordValue(Math.max(1, Math.round(clock.now() - stamp)));
      if (++received === j.count) {
        j.port!.close();
        done();
      }
    });
    setTimeout(() => { j.port!.close(); done(); }, j.timeoutMs).unref();
    return;
  }
  const r = new RingReader(j.ring!);
  const wait = createWaitStrategy(j.strategy!, r.doorbell, 2000);
  const ready = () => r.available() > 0;
  while (received < j.count && performance.now() < deadline) {
    if (!wait.waitFor(ready, 50)) continue;
    const n = r.available();
    const now = clock.now();
    for (let i = 0; i < n; i++) h.recordValue(Math.max(1, Math.round(now - r.f64[(r.slot(i) >>> 3) + 1])));
    r.release(n);
    received += n;
  }
  done();
}

const RECORD_F64 = 8; // 64 bytes

function throughput(j: Extract<BenchJob, { role: 'tp-producer' | 'tp-consumer' }>): void {
  // The consumer's clock starts at the first record it sees, so thread start-up is not counted.
  let t0 = performance.now();
  let started = j.role === 'tp-producer';
  let checksum = 0;
  if (j.impl === 'tickring') {
    if (j.role === 'tp-producer') {
      const w = new RingWriter(j.ring!);
      for (let i = 0; i < j.count; ) {
        const free = w.free();
        if (free === 0) continue;
        const n = w.claim(Math.min(j.batch, free, j.count - i));
        for (let k = 0; k < n; k++, i++) {
          const f = w.slot(k) >>> 3;
          for (let x = 1; x < RECORD_F64; x++) w.f64[f + x] = i + x;
        }
        w.commit();
      }
    } else {
      const r = new RingReader(j.ring!);
      for (let got = 0; got < j.count; ) {
        const n = Math.min(r.available(), j.batch);
        if (n === 0) continue;
        if (!started) {
          started = true;
          t0 = performance.now();
        }
        for (let k = 0; k < n; k++) {
          const f = r.slot(k) >>> 3;
          for (let x = 1; x < RECORD_F64; x++) checksum += r.f64[f + x];
        }
        r.release(n);
        got += n;
      }
    }
  } else {
    const rb = new RingBuffer(j.sab!, Float64Array);
    const buf = new Float64Array(RECORD_F64 * j.batch);
    if (j.role === 'tp-producer') {
      for (let i = 0; i < j.count; ) {
        const n = Math.min(j.batch, j.count - i, Math.floor(rb.availableWrite() / RECORD_F64));
        if (n === 0) continue;
        for (let k = 0; k < n; k++, i++) for (let x = 1; x < RECORD_F64; x++) buf[k * RECORD_F64 + x] = i + x;
        rb.push(buf, n * RECORD_F64);
      }
    } else {
      for (let got = 0; got < j.count; ) {
        const avail = Math.floor(rb.availableRead() / RECORD_F64);
        const n = Math.min(avail, j.batch);
        if (n === 0) continue;
        if (!started) {
          started = true;
          t0 = performance.now();
        }
        rb.pop(buf, n * RECORD_F64);
        for (let k = 0; k < n; k++) for (let x = 1; x < RECORD_F64; x++) checksum += buf[k * RECORD_F64 + x];
        got += n;
      }
    }
  }
  const result: ThroughputResult = { records: j.count, checksum, ms: performance.now() - t0 };
  port.postMessage(result);
}

switch (job.role) {
  case 'hop-producer':
    hopProducer(job);
    break;
  case 'hop-consumer':
    hopConsumer(job);
    break;
  default:
    throughput(job);
}
