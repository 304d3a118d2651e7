import { constants, PerformanceObserver } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { collectWhenGrown, exposedGc } from '../../workers/main-heap.js';

const gc = exposedGc();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MiB = 2 ** 20;

/** About `mib` MiB of doubles moved to the old generation (they outlive two scavenges), then let go. */
function promotedGarbage(mib: number): void {
  let kept: number[][] | null = Array.from({ length: mib }, () => Array.from({ length: MiB / 8 }, (_, i) => i + 0.5));
  gc({ type: 'minor' });
  gc({ type: 'minor' });
  expect(kept.length).toBe(mib);
  kept = null;
}

describe('collectWhenGrown (the main thread heap)', () => {
  it('collects once the heap grew by the threshold since the last full collection, and says how much it freed', async () => {
    gc();
    const majors: number[] = [];
    const observer = new PerformanceObserver((list) => majors.push(...list.getEntries().filter((e) => (e as { detail?: { kind: number } }).detail!.kind === constants.NODE_PERFORMANCE_GC_MAJOR).map((e) => e.startTime)));
    observer.observe({ entryTypes: ['gc'] });
    const freed: number[] = [];
    const watch = collectWhenGrown(50, 16 * MiB, (bytes) => freed.push(bytes));
    try {
      promotedGarbage(4); // below the threshold: left to V8
      await sleep(300);
      expect(freed).toEqual([]);
      promotedGarbage(24); // 28 MiB of garbage in all: over it
      await sleep(300);
      expect(freed.length).toBe(1);
      expect(freed[0]).toBeGreaterThan(20 * MiB);
      expect(majors.length).toBeGreaterThanOrEqual(1);
      await sleep(300);
      expect(freed.length).toBe(1); // and not again until it grows again
    } finally {
      watch.stop();
      observer.disconnect();
    }
  });
});
