import { describe, expect, it } from 'vitest';
import { Worker } from 'node:worker_threads';
import { createRing, RingObserver, WAIT_STRATEGIES } from '../../native-free-ringbuffer/index.js';
import { compiled } from '../helpers/compiled.js';

const COUNT = 10_000_000;

function run(file: string, data: unknown): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(file, { workerData: data });
    let result: Record<string, number> | undefined;
    worker.once('message', (m) => (result = m));
    worker.once('error', reject);
    worker.once('exit', (code) => (code === 0 && result ? resolve(result) : reject(new Error(`worker exited ${code}`))));
  });
}

describe('ring across real threads', () => {
  for (const strategy of WAIT_STRATEGIES) {
    it(`moves ${COUNT.toLocaleString()} records with ${strategy}: none lost, duplicated or torn`, async () => {
      const ring = createRing({ capacity: 4096, recordSize: 64 });
      const file = compiled('test/helpers/ring-stress-worker.js');
      const [consumer, producer] = await Promise.all([
        run(file, { role: 'consumer', ring, count: COUNT, strategy, maxBatch: 64 }),
        run(file, { role: 'producer', ring, count: COUNT, strategy, maxBatch: 64 }),
      ]);
      expect(producer.produced).toBe(COUNT);
      expect(consumer).toEqual({ consumed: COUNT, bad: 0, gaps: 0 });
      const o = new RingObserver(ring);
      expect(o.dropped()).toBe(0);
      expect(o.offered()).toBe(COUNT);
      expect(o.fill()).toBe(0);
    }, 120_000);
  }
});
