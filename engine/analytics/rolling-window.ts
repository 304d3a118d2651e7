/**
 * A fixed window over the last `n` values with O(1) sum, mean and sample
 * variance. Sliding updates (Welford's add/remove form) drift by a few ulps
 * per step, so every `4n` pushes the sums are recomputed exactly from the
 * window: amortised O(1), and results stay within ~1e-12 of a two-pass
 * computation indefinitely.
 */
export class RollingWindow {
  private readonly values: Float64Array;
  private head = 0;
  private count = 0;
  private mean_ = 0;
  private m2 = 0;
  private sum_ = 0;
  private sinceExact = 0;

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`window size must be a positive integer, got ${size}`);
    this.values = new Float64Array(size);
  }

  push(x: number): void {
    const n = this.size;
    if (this.count < n) {
      this.values[(this.head + this.count) % n] = x;
      this.count++;
      const delta = x - this.mean_;
      this.mean_ += delta / this.count;
      this.m2 += delta * (x - this.mean_);
      this.sum_ += x;
    } else {
      const old = this.values[this.head];
      this.values[this.head] = x;
      this.head = (this.head + 1) % n;
      const oldMean = this.mean_;
      this.mean_ = oldMean + (x - old) / n;
      this.m2 += (x - old) * (x - this.mean_ + old - oldMean);
      this.sum_ += x - old;
    }
    if (++this.sinceExact >= 4 * n) this.recompute();
  }

  private recompute(): void {
    this.sinceExact = 0;
    let s = 0;
    for (let i = 0; i < this.count; i++) s += this.values[i];
    const mean = s / this.count;
    let m2 = 0;
    for (let i = 0; i < this.count; i++) {
      const d = this.values[i] - mean;
      m2 += d * d;
    }
    this.sum_ = s;
    this.mean_ = mean;
    this.m2 = m2;
  }

  get full(): boolean {
    return this.count === this.size;
  }
  get length(): number {
    return this.count;
  }
  sum(): number {
    return this.sum_;
  }
  mean(): number {
    return this.mean_;
  }
  /** Sample variance (n - 1 denominator). */
  variance(): number {
    return this.count > 1 ? Math.max(0, this.m2) / (this.count - 1) : NaN;
  }
  /** Oldest value in the window. */
  oldest(): number {
    return this.count < this.size ? this.values[0] : this.values[this.head];
  }
  reset(): void {
    this.head = this.count = this.sinceExact = 0;
    this.mean_ = this.m2 = this.sum_ = 0;
  }
}
