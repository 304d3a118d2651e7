/**
 * One end of the multi-thread ring stress test. The producer writes `count`
 * 64-byte records, each with its index, payload and a checksum over both; the
 * consumer checks every record arrives once, in order, untorn.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { RingReader, RingWriter, createWaitStrategy, type RingDescriptor, type WaitStrategyName } from '../../native-free-ringbuffer/index.js';

interface Job { role: 'producer' | 'consumer'; ring: RingDescriptor; count: number; strategy: WaitStrategyName; maxBatch: number }
const job = workerData as Job;

function checksum(i: number, a: number, b: number): number {
  // FNV-1a over the three words; any torn field changes it
  let h = 0x811c9dc5;
  h = Math.imul(h ^ i, 0x01000193);
  h = Math.imul(h ^ (a | 0), 0x01000193);
  h = Math.imul(h ^ (b | 0), 0x01000193);
  return h >>> 0;
}

if (job.role === 'producer') {
  const w = new RingWriter(job.ring);
  let i = 0;
  let batch = 1;
  while (i < job.count) {
    batch = (batch * 7 + 3) % job.maxBatch + 1; // deterministic mix of batch sizes 1..maxBatch
    const want = Math.min(batch, job.count - i);
    const free = w.free();
    if (free === 0) continue;
    const n = w.claim(Math.min(want, free));
    for (let k = 0; k < n; k++, i++) {
      const off = w.slot(k);
      const a = (i * 2654435761) >>> 0;
      const b = (i ^ 0x5bd1e995) >>> 0;
      w.u32[(off >>> 2) + 1] = i;
      w.u32[(off >>> 2) + 2] = a;
      w.f64[(off >>> 3) + 2] = b;
      w.f64[(off >>> 3) + 3] = i * 0.5;
      w.u32[(off >>> 2) + 15] = checksum(i, a, b);
    }
    w.commit();
  }
  parentPort!.postMessage({ produced: i });
} else {
  const r = new RingReader(job.ring);
  const wait = createWaitStrategy(job.strategy, r.doorbell, 2000);
  const ready = () => r.available() > 0;
  let expected = 0;
  let bad = 0;
  while (expected < job.count) {
    if (!wait.waitFor(ready, 100)) continue;
    const n = r.available();
    for (let k = 0; k < n; k++) {
      const off = r.slot(k);
      const i = r.u32[(off >>> 2) + 1];
      const a = r.u32[(off >>> 2) + 2];
      const b = r.f64[(off >>> 3) + 2];
      const ok = i === expected && r.f64[(off >>> 3) + 3] === i * 0.5 && r.u32[(off >>> 2) + 15] === checksum(i, a, b) &&
        r.seqAt(off) === (expected >>> 0);
      if (!ok) bad++;
      expected++;
    }
    r.release(n);
  }
  parentPort!.postMessage({ consumed: expected, bad, gaps: r.gaps() });
}
