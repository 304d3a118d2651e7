import { constants, PerformanceObserver } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { watchCollections } from '../../workers/gc-watch.js';
import { exposedGc } from '../../workers/main-heap.js';

// a collection on demand: the engine's threads only see the ones V8 decides on, which may take minutes
const gc = exposedGc();
const observed = () => new Promise((r) => setTimeout(r, 50));

describe('watchCollections', () => {
  it('reports every pause, and after each full collection (only those) the heap that lives, without the garbage', async () => {
    const pauses: number[] = [];
    const live: number[] = [];
    const observer = watchCollections((ms) => pauses.push(ms), (bytes) => live.push(bytes));
    // what V8 did, seen independently (V8 may collect on its own besides the collections asked for here)
    const kinds: number[] = [];
    const reference = new PerformanceObserver((list) => kinds.push(...list.getEntries().map((e) => (e as { detail?: { kind: number } }).detail!.kind)));
    reference.observe({ entryTypes: ['gc'] });
    try {
      gc({ type: 'minor' });
      await observed();
      expect(kinds).toContain(constants.NODE_PERFORMANCE_GC_MINOR);
      let kept: number[][] | undefined = Array.from({ length: 64 }, () => Array.from({ length: 100_000 }, (_, i) => i + 0.5)); // ~51 MB of doubles
      gc();
      await observed();
      const withKept = live[live.length - 1];
      expect(kept.length).toBe(64);
      const fulls = live.length;
      kept = undefined;
      gc();
      await observed();
      expect(live.length).toBeGreaterThan(fulls);
      expect(withKept - live[live.length - 1]).toBeGreaterThan(40e6);
      expect(pauses.length).toBe(kinds.length);
      expect(live.length).toBe(kinds.filter((k) => k === constants.NODE_PERFORMANCE_GC_MAJOR).length);
      expect(live.length).toBeLessThan(kinds.length); // the young-generation collections said nothing of what lives
      expect(pauses.every((ms) => ms >= 0 && ms < 5000)).toBe(true);
    } finally {
      observer.stop();
      reference.disconnect();
    }
  });

  it('watches in windows (onMs of every everyMs): collections between them are not reported, the next window reports again', async () => {
    const pauses: number[] = [];
    const watch = watchCollections((ms) => pauses.push(ms), () => {}, { onMs: 300, everyMs: 900 });
    const at = performance.now();
    const until = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, at + ms - performance.now())));
    try {
      gc({ type: 'minor' });
      await until(100);
      const first = pauses.length;
      expect(first).toBeGreaterThanOrEqual(1);
      await until(450); // window closed at 300
      const closed = pauses.length;
      for (let i = 0; i < 5; i++) gc({ type: 'minor' });
      await until(700);
      expect(pauses.length).toBe(closed);
      await until(1000); // reopened at 900
      gc({ type: 'minor' });
      await until(1100);
      expect(pauses.length).toBeGreaterThan(closed);
    } finally {
      watch.stop();
    }
    expect(() => watchCollections(() => {}, () => {}, { onMs: 0, everyMs: 10 })).toThrow(/onMs/);
  });
});
