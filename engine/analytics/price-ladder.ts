/**
 * Volume at price levels (bins of one tick), in a fixed array that recentres
 * itself when a price falls outside it: allocation-free after construction.
 * Two sides per level: volume that traded on the bid (sell aggressor) and on
 * the ask (buy aggressor); trades of unknown side count on neither side but in
 * the total. Each level also counts its trades, so that a rolling window that
 * removes them knows exactly when a level is empty: it is then zeroed (no
 * floating-point residue) and the used range shrinks past it, so the range is
 * that of the trades still in the window, not of all trades ever seen.
 */
export class PriceLadder {
  readonly bid: Float64Array;
  readonly ask: Float64Array;
  readonly total: Float64Array;
  /** Trades at each level. */
  readonly count: Uint32Array;
  /** Price level (in ticks) of index 0. */
  private base = NaN;
  /** Lowest and highest index with volume. */
  lo = Infinity;
  hi = -Infinity;
  /** Times the ladder moved its levels to new indexes (an index taken before a move is stale after it). */
  moves = 0;

  constructor(readonly tickSize: number, readonly capacity = 4096) {
    if (!(tickSize > 0)) throw new RangeError(`tick size must be > 0, got ${tickSize}`);
    this.bid = new Float64Array(capacity);
    this.ask = new Float64Array(capacity);
    this.total = new Float64Array(capacity);
    this.count = new Uint32Array(capacity);
  }

  /** Index of the level holding `price`, recentring the ladder if needed; -1 if the range would exceed the capacity. */
  index(price: number): number {
    const level = Math.round(price / this.tickSize);
    if (this.base !== this.base) this.base = level - (this.capacity >> 1);
    let i = level - this.base;
    if (i < 0 || i >= this.capacity) {
      if (!this.recentre(level)) return -1;
      i = level - this.base;
    }
    return i;
  }

  add(price: number, qty: number, side: number): number {
    const i = this.index(price);
    if (i < 0) return -1;
    this.total[i] += qty;
    this.count[i]++;
    if (side === 1) this.ask[i] += qty;
    else if (side === 2) this.bid[i] += qty;
    if (i < this.lo) this.lo = i;
    if (i > this.hi) this.hi = i;
    return i;
  }

  /** Removes a trade added earlier at index `i` (for rolling windows). */
  removeAt(i: number, qty: number, side: number): void {
    if (this.count[i] === 0) throw new RangeError(`no trade to remove at level ${i}`);
    if (--this.count[i] > 0) {
      this.total[i] -= qty;
      if (side === 1) this.ask[i] -= qty;
      else if (side === 2) this.bid[i] -= qty;
      return;
    }
    this.total[i] = this.ask[i] = this.bid[i] = 0;
    const { count } = this;
    while (this.lo <= this.hi && count[this.lo] === 0) this.lo++;
    while (this.hi >= this.lo && count[this.hi] === 0) this.hi--;
    if (this.lo > this.hi) {
      this.lo = Infinity;
      this.hi = -Infinity;
    }
  }

  priceAt(i: number): number {
    return (this.base + i) * this.tickSize;
  }

  clear(): void {
    if (this.lo <= this.hi) {
      this.bid.fill(0, this.lo, this.hi + 1);
      this.ask.fill(0, this.lo, this.hi + 1);
      this.total.fill(0, this.lo, this.hi + 1);
      this.count.fill(0, this.lo, this.hi + 1);
    }
    this.lo = Infinity;
    this.hi = -Infinity;
    this.base = NaN;
  }

  /** Moves the used range so that `level` fits; false when the range would span more than the capacity. */
  private recentre(level: number): boolean {
    const usedLo = this.lo <= this.hi ? this.base + this.lo : level;
    const usedHi = this.lo <= this.hi ? this.base + this.hi : level;
    const newLo = Math.min(usedLo, level);
    const newHi = Math.max(usedHi, level);
    if (newHi - newLo >= this.capacity) return false;
    // centre the used range: equal free levels below and above it
    const newBase = newLo - Math.floor((this.capacity - 1 - (newHi - newLo)) / 2);
    const shift = this.base - newBase; // old index i becomes i + shift
    if (this.lo <= this.hi) {
      for (const arr of [this.bid, this.ask, this.total, this.count]) {
        arr.copyWithin(this.lo + shift, this.lo, this.hi + 1);
        if (shift > 0) arr.fill(0, this.lo, Math.min(this.lo + shift, this.hi + 1));
        else arr.fill(0, Math.max(this.hi + 1 + shift, this.lo), this.hi + 1);
      }
      this.lo += shift;
      this.hi += shift;
    }
    this.base = newBase;
    this.moves++;
    return true;
  }
}
