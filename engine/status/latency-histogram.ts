/**
 * A high-dynamic-range latency histogram laid out in shared memory: one
 * thread records, any thread reads. Log-linear buckets like HdrHistogram:
 * exact below 128 ns, then 128 sub-buckets per power of two (relative error
 * under 0.8%) up to 2^40 ns (18 minutes); larger values land in the top bucket.
 *
 * Slots (f64): [0] count, [1] sum of values, [2] max, [3] min, [4..] bucket counts.
 * Single writer: plain f64 stores (one instruction on x64/arm64, never torn).
 */
export const SUB_BITS = 7;
const SUB = 1 << SUB_BITS;
const MAX_EXP = 40;
export const BUCKETS = SUB + (MAX_EXP - SUB_BITS + 1) * SUB;
export const HISTOGRAM_SLOTS = 4 + BUCKETS;
const POW2: number[] = Array.from({ length: 64 }, (_, i) => 2 ** i);
const TWO32 = 4294967296;

export function bucketOf(ns: number): number {
  const v = ns > 0 ? Math.floor(ns) : 0;
  if (v < SUB) return v;
  const e = v < TWO32 ? 31 - Math.clz32(v) : 63 - Math.clz32((v / TWO32) >>> 0);
  if (e > MAX_EXP) return BUCKETS - 1;
  const shift = e - SUB_BITS;
  const m = Math.floor(v / POW2[shift]); // in [SUB, 2*SUB)
  return SUB + shift * SUB + (m - SUB);
}

/** Smallest value that lands in bucket `i`. */
export function bucketLow(i: number): number {
  if (i < SUB) return i;
  const shift = Math.floor((i - SUB) / SUB);
  return (SUB + ((i - SUB) % SUB)) * POW2[shift];
}

/** One past the largest value that lands in bucket `i`. */
export function bucketHigh(i: number): number {
  if (i < SUB) return i + 1;
  const shift = Math.floor((i - SUB) / SUB);
  return bucketLow(i) + POW2[shift];
}

export class LatencyHistogram {
  private readonly slots: Float64Array;

  constructor(buffer: SharedArrayBuffer, slotOffset: number) {
    this.slots = new Float64Array(buffer, slotOffset * 8, HISTOGRAM_SLOTS);
  }

  /** Records one value in nanoseconds. Allocation-free. */
  record(ns: number): void {
    const s = this.slots;
    if (!(ns >= 0)) ns = 0; // clock skew between threads can make a hop a few ns negative
    s[0]++;
    s[1] += ns;
    if (ns > s[2]) s[2] = ns;
    if (s[0] === 1 || ns < s[3]) s[3] = ns;
    s[4 + bucketOf(ns)]++;
  }

  count(): number {
    return this.slots[0];
  }
  sum(): number {
    return this.slots[1];
  }
  max(): number {
    return this.slots[2];
  }
  min(): number {
    return this.slots[3];
  }
  bucketCount(i: number): number {
    return this.slots[4 + i];
  }

  /** The value at quantile q (0..1): the midpoint of the bucket holding it, clamped to the recorded max. */
  quantile(q: number): number {
    const total = this.slots[0];
    if (total === 0) return NaN;
    const rank = Math.max(1, Math.ceil(q * total));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.slots[4 + i];
      if (seen >= rank) return Math.min((bucketLow(i) + bucketHigh(i) - 1) / 2, this.slots[2]);
    }
    return this.slots[2];
  }

  /**
   * Cumulative counts below each of the ascending bounds `ns` (Prometheus `le` buckets) into `out`, and the
   * total count, from the live buckets in one pass: the writer may add while it reads, but no bound's count can
   * exceed the total returned with it. Allocation-free, for readers that must not copy the 36 KB of buckets.
   */
  cumulative(ns: readonly number[], out: Float64Array): number {
    const s = this.slots;
    let c = 0;
    let i = 0;
    for (let k = 0; k < ns.length; k++) {
      const top = bucketOf(ns[k]);
      for (; i < top; i++) c += s[4 + i];
      out[k] = c;
    }
    for (; i < BUCKETS; i++) c += s[4 + i];
    return c;
  }

  /** Copies the current slots (readers take a snapshot so one scrape is self-consistent enough). */
  snapshot(): Float64Array {
    return this.slots.slice();
  }
}
