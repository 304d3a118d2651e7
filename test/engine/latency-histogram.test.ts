import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bucketHigh, bucketLow, bucketOf, BUCKETS, HISTOGRAM_SLOTS, LatencyHistogram } from '../../engine/status/latency-histogram.js';

const fresh = () => new LatencyHistogram(new SharedArrayBuffer(HISTOGRAM_SLOTS * 8), 0);

describe('latency histogram buckets', () => {
  it('every value lies in its bucket, and a bucket is at most 1/128 of its low edge wide', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 2 ** 40, noNaN: true }), (v) => {
        const i = bucketOf(v);
        expect(i).toBeGreaterThanOrEqual(0);
        expect(i).toBeLessThan(BUCKETS);
        expect(bucketLow(i)).toBeLessThanOrEqual(Math.floor(v));
        expect(Math.floor(v)).toBeLessThan(bucketHigh(i));
        if (i >= 128) expect((bucketHigh(i) - bucketLow(i)) / bucketLow(i)).toBeLessThanOrEqual(1 / 128);
      }),
      { numRuns: 5000 },
    );
  });

  it('buckets are contiguous and increasing', () => {
    for (let i = 1; i < BUCKETS; i++) expect(bucketLow(i)).toBe(bucketHigh(i - 1));
  });

  it('values past 2^40 ns and negative values are clamped, never lost', () => {
    const h = fresh();
    h.record(2 ** 50);
    h.record(-5);
    expect(h.count()).toBe(2);
    expect(h.bucketCount(BUCKETS - 1)).toBe(1);
    expect(h.bucketCount(0)).toBe(1);
  });
});

describe('latency histogram quantiles', () => {
  it('match the exact quantiles of a heavy-tailed sample within 1%', () => {
    const h = fresh();
    const values: number[] = [];
    let x = 12345;
    for (let i = 0; i < 100_000; i++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      const u = (x + 1) / 2147483649;
      const v = Math.floor(500 * Math.pow(u, -1 / 1.5)); // Pareto from 500 ns
      values.push(v);
      h.record(v);
    }
    values.sort((a, b) => a - b);
    for (const q of [0.5, 0.9, 0.99, 0.999]) {
      const exact = values[Math.ceil(q * values.length) - 1];
      expect(Math.abs(h.quantile(q) - exact) / exact).toBeLessThan(0.01);
    }
    expect(h.max()).toBe(values[values.length - 1]);
    expect(h.min()).toBe(values[0]);
    expect(h.count()).toBe(values.length);
    expect(h.sum()).toBe(values.reduce((a, b) => a + b, 0));
  });

  it('cumulative counts below ascending bounds agree with the sample at bucket edges, with the total', () => {
    const h = fresh();
    for (const v of [100, 900, 1000, 1020, 5000, 2_000_000]) h.record(v);
    const out = new Float64Array(4);
    expect(h.cumulative([1000, 5000, 1_000_000, 1e12], out)).toBe(6);
    expect(Array.from(out)).toEqual([2, 4, 5, 6]);
    // a value beyond every bound is in the total only
    h.record(5e12);
    expect(h.cumulative([1000, 1e12], out)).toBe(7);
    expect(Array.from(out.subarray(0, 2))).toEqual([2, 6]);
  });
});
