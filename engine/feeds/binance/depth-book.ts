/**
 * A Binance order book kept in sync from a REST snapshot and the diff-depth
 * stream, exactly as Binance documents it:
 *
 * spot (`@depth`): buffer diffs; fetch the snapshot; drop diffs with
 *   u <= lastUpdateId; the first diff applied must have U <= lastUpdateId + 1 <= u;
 *   after that every diff's U must be the previous diff's u + 1.
 * USD-M futures: drop diffs with u < lastUpdateId; the first diff applied must
 *   have U <= lastUpdateId <= u; after that every diff's pu must be the previous u.
 *
 * A break in the sequence puts the book in RESYNC: the feed fetches a new
 * snapshot (and the gap is counted). Quantities of 0 remove a level.
 */
export type DepthMarket = 'spot' | 'futures';
export enum BookState {
  /** Diffs are buffered until a snapshot arrives. */
  AwaitingSnapshot = 0,
  Synced = 1,
  /** The sequence broke: a new snapshot is needed. */
  Resync = 2,
}

export type Levels = [string, string][];

export interface DepthDiff {
  U: number;
  u: number;
  /** Futures only: the previous diff's u. */
  pu?: number;
  b: Levels;
  a: Levels;
}

export class DepthBook {
  state = BookState.AwaitingSnapshot;
  readonly bids = new Map<number, number>();
  readonly asks = new Map<number, number>();
  lastUpdateId = 0;
  /** Sequence breaks seen (each one led to a resync). */
  gaps = 0;
  private buffer: DepthDiff[] = [];
  private bestBid = NaN;
  private bestAsk = NaN;
  private firstApplied = false;

  constructor(readonly market: DepthMarket, readonly maxBuffered = 10_000) {}

  /** A diff from the stream. Returns the state after it. */
  onDiff(d: DepthDiff): BookState {
    if (this.state !== BookState.Synced) {
      if (this.buffer.length >= this.maxBuffered) this.buffer.shift(); // the snapshot is late; the oldest diffs cannot matter once it comes
      this.buffer.push(d);
      return this.state;
    }
    this.process(d);
    return this.state;
  }

  /** A REST snapshot: replays the buffered diffs on top of it. */
  onSnapshot(lastUpdateId: number, bids: Levels, asks: Levels): BookState {
    this.bids.clear();
    this.asks.clear();
    for (const [p, q] of bids) this.set(this.bids, p, q);
    for (const [p, q] of asks) this.set(this.asks, p, q);
    this.lastUpdateId = lastUpdateId;
    this.firstApplied = false;
    this.state = BookState.Synced;
    this.recomputeBest();
    const buffered = this.buffer;
    this.buffer = [];
    for (const d of buffered) {
      if (this.state === BookState.Synced) this.process(d);
      else this.buffer.push(d);
    }
    return this.state;
  }

  /** Applies a diff to a synced book: dropped when older than the snapshot, a gap when it does not continue the sequence. */
  private process(d: DepthDiff): void {
    if (!this.firstApplied && (this.market === 'spot' ? d.u <= this.lastUpdateId : d.u < this.lastUpdateId)) return;
    if (this.continues(d)) this.apply(d);
    else this.breakSequence(d);
  }

  /** Asks the book to start over (for a reconnect: diffs from a new connection do not continue the old ones). */
  reset(): void {
    this.state = BookState.AwaitingSnapshot;
    this.buffer = [];
    this.bids.clear();
    this.asks.clear();
    this.bestBid = this.bestAsk = NaN;
  }

  bestBidPrice(): number {
    return this.bestBid;
  }
  bestAskPrice(): number {
    return this.bestAsk;
  }
  bestBidQty(): number {
    return this.bids.get(this.bestBid) ?? NaN;
  }
  bestAskQty(): number {
    return this.asks.get(this.bestAsk) ?? NaN;
  }

  private continues(d: DepthDiff): boolean {
    const last = this.lastUpdateId;
    if (!this.firstApplied) {
      return this.market === 'spot' ? d.U <= last + 1 && d.u >= last + 1 : d.U <= last && d.u >= last;
    }
    return this.market === 'spot' ? d.U === last + 1 : d.pu === last;
  }

  private breakSequence(d: DepthDiff): void {
    this.gaps++;
    this.state = BookState.Resync;
    this.buffer = [d];
  }

  private apply(d: DepthDiff): void {
    for (const [p, q] of d.b) this.set(this.bids, p, q);
    for (const [p, q] of d.a) this.set(this.asks, p, q);
    this.lastUpdateId = d.u;
    this.firstApplied = true;
    this.recomputeBest();
  }

  private set(side: Map<number, number>, p: string, q: string): void {
    const price = Number(p);
    const qty = Number(q);
    if (qty === 0) side.delete(price);
    else side.set(price, qty);
  }

  private recomputeBest(): void {
    let bid = -Infinity;
    for (const p of this.bids.keys()) if (p > bid) bid = p;
    let ask = Infinity;
    for (const p of this.asks.keys()) if (p < ask) ask = p;
    this.bestBid = bid === -Infinity ? NaN : bid;
    this.bestAsk = ask === Infinity ? NaN : ask;
  }
}
