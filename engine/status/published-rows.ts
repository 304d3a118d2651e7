/**
 * Per-instrument rows a strategy publishes for other threads (the regime
 * detector's regime state for the risk thread and for metrics): one writer,
 * any readers. Each row starts with a version counter (a seqlock): the writer
 * makes it odd, writes, makes it even; a reader retries while it is odd or
 * changed, so it never sees half a row. Allocation-free both ways.
 */
export const ROW_SLOTS = 16; // version + up to 15 fields

export class PublishedRows {
  private readonly f: Float64Array;
  private readonly versions: Int32Array;

  constructor(readonly buffer: SharedArrayBuffer, readonly rows: number) {
    this.f = new Float64Array(buffer, 0, rows * ROW_SLOTS);
    this.versions = new Int32Array(buffer, rows * ROW_SLOTS * 8, rows);
  }

  static create(rows: number): PublishedRows {
    return new PublishedRows(new SharedArrayBuffer(rows * ROW_SLOTS * 8 + rows * 4), rows);
  }

  write(row: number, values: Float64Array, count: number): void {
    const v = this.versions;
    Atomics.add(v, row, 1); // odd: writing
    const o = row * ROW_SLOTS;
    for (let i = 0; i < count; i++) this.f[o + i] = values[i];
    Atomics.add(v, row, 1); // even: done
  }

  /** Copies the row into `out`; false when it was never written. */
  read(row: number, out: Float64Array, count: number): boolean {
    const v = this.versions;
    for (;;) {
      const before = Atomics.load(v, row);
      if (before === 0) return false;
      if (before & 1) continue;
      const o = row * ROW_SLOTS;
      for (let i = 0; i < count; i++) out[i] = this.f[o + i];
      if (Atomics.load(v, row) === before) return true;
    }
  }
}
