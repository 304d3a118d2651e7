import { Side, TickKind, type Tick } from '../../../native-free-ringbuffer/index.js';
import type { Clock } from '../../clock.js';
import type { InstrumentRegistry } from '../../instruments/registry.js';
import { BookState, DepthBook, type DepthMarket } from './depth-book.js';

/**
 * Binance market-data messages (combined streams: `{"stream": ..., "data": ...}`,
 * or a bare event) to Tick records:
 *
 *   aggTrade / trade   a trade; aggressor = seller when the buyer is the maker (m)
 *   bookTicker         a quote: best bid/ask and sizes
 *   depthUpdate        kept in a DepthBook per symbol; a quote when the top changes
 *   kline and others   counted as messages, no tick
 *
 * Bad input is rejected by reason (counted), never thrown.
 */
export const BINANCE_REJECTS = ['malformed_json', 'not_an_event', 'unknown_symbol', 'bad_number'] as const;
export type BinanceReject = (typeof BINANCE_REJECTS)[number];

export interface DepthSnapshotRequest {
  (symbol: string): void;
}

export class BinanceNormalizer {
  readonly rejected = new Float64Array(BINANCE_REJECTS.length);
  messages = 0;
  ticks = 0;
  ignored = 0;
  private readonly books = new Map<number, DepthBook>();
  private readonly topBid = new Map<number, number>();
  private readonly topAsk = new Map<number, number>();

  constructor(
    private readonly registry: InstrumentRegistry,
    private readonly clock: Clock,
    private readonly market: DepthMarket,
    private readonly providerId: number,
    private readonly tick: Tick,
    /** Called when a symbol's book needs a (new) REST snapshot. */
    private readonly needSnapshot: DepthSnapshotRequest = () => {},
  ) {}

  /** Normalises one message; `sink` gets the (reused) tick for each tick it yields. Returns ticks yielded. */
  onMessage(text: string, sink: (t: Tick) => void): number {
    this.messages++;
    let msg: any;
    try {
      msg = JSON.parse(text);
    } catch {
      return this.reject('malformed_json');
    }
    const d = msg !== null && typeof msg === 'object' && 'data' in msg ? msg.data : msg;
    if (d === null || typeof d !== 'object' || typeof d.s !== 'string') return this.reject('not_an_event');
    const id = this.registry.id(d.s);
    if (id === 0) return this.reject('unknown_symbol');
    const recvTs = this.clock.now();
    const t = this.tick;
    const e = d.e;
    if (e === 'aggTrade' || e === 'trade') {
      const price = Number(d.p);
      const qty = Number(d.q);
      if (!(price > 0) || !(qty > 0) || price === Infinity || qty === Infinity) return this.reject('bad_number');
      this.base(t, id, recvTs, typeof d.T === 'number' ? this.clock.fromEpochMs(d.T) : NaN);
      t.price = price;
      t.qty = qty;
      t.side = d.m === true ? Side.Sell : d.m === false ? Side.Buy : Side.Unknown;
      t.kind = TickKind.Trade;
      t.feedSeq = e === 'aggTrade' ? Number(d.a) : Number(d.t);
      t.bid = this.topBid.get(id) ?? NaN;
      t.ask = this.topAsk.get(id) ?? NaN;
      return this.emit(t, sink);
    }
    if (e === 'bookTicker' || (e === undefined && 'b' in d && 'a' in d && 'u' in d && !('U' in d))) {
      const bid = Number(d.b);
      const ask = Number(d.a);
      const bidQty = Number(d.B);
      const askQty = Number(d.A);
      // "7e6120" parses to Infinity: a corrupt quote is refused, never passed on
      if (!(bid >= 0) || !(ask > 0) || !(bidQty >= 0) || !(askQty >= 0) || bid > ask || ask === Infinity || bidQty === Infinity || askQty === Infinity) {
        return this.reject('bad_number');
      }
      this.base(t, id, recvTs, typeof d.E === 'number' ? this.clock.fromEpochMs(d.E) : NaN);
      this.quote(t, id, bid, ask, bidQty, askQty);
      t.feedSeq = Number(d.u);
      return this.emit(t, sink);
    }
    if (e === 'depthUpdate') {
      // a corrupt diff is refused whole; the next one then breaks the sequence and the book resyncs
      if (!validLevels(d.b) || !validLevels(d.a) || typeof d.U !== 'number' || typeof d.u !== 'number') return this.reject('bad_number');
      const book = this.book(id, d.s);
      const before = book.state;
      const state = book.onDiff(d);
      if (state === BookState.Resync && before === BookState.Synced) this.needSnapshot(d.s);
      if (state !== BookState.Synced) return 0;
      const bid = book.bestBidPrice();
      const ask = book.bestAskPrice();
      if (bid === this.topBid.get(id) && ask === this.topAsk.get(id)) return 0;
      this.base(t, id, recvTs, typeof d.E === 'number' ? this.clock.fromEpochMs(d.E) : NaN);
      this.quote(t, id, bid, ask, book.bestBidQty(), book.bestAskQty());
      t.feedSeq = d.u;
      return this.emit(t, sink);
    }
    this.ignored++;
    return 0;
  }

  /** A REST depth snapshot for `symbol` (the answer to needSnapshot). */
  onSnapshot(symbol: string, snapshot: { lastUpdateId: number; bids: [string, string][]; asks: [string, string][] }): BookState {
    const id = this.registry.id(symbol);
    if (id === 0) return BookState.AwaitingSnapshot;
    const state = this.book(id, symbol).onSnapshot(snapshot.lastUpdateId, snapshot.bids, snapshot.asks);
    if (state === BookState.Resync) this.needSnapshot(symbol);
    return state;
  }

  /** Depth books start over (after a reconnect: new diffs do not continue the old ones), each asking for a snapshot again. */
  resetBooks(): void {
    for (const [id, b] of this.books) {
      b.reset();
      this.needSnapshot(this.registry.symbol(id)!);
    }
  }

  depthBook(symbol: string): DepthBook | undefined {
    return this.books.get(this.registry.id(symbol));
  }

  gaps(): number {
    let g = 0;
    for (const b of this.books.values()) g += b.gaps;
    return g;
  }

  private book(id: number, symbol: string): DepthBook {
    let b = this.books.get(id);
    if (!b) {
      b = new DepthBook(this.market);
      this.books.set(id, b);
      this.needSnapshot(symbol);
    }
    return b;
  }

  private base(t: Tick, id: number, recvTs: number, exchangeTs: number): void {
    t.instrumentId = id;
    t.recvTs = recvTs;
    t.exchangeTs = exchangeTs;
    t.providerId = this.providerId;
    t.flags = 0;
    t.bidQty = t.askQty = NaN;
  }

  private quote(t: Tick, id: number, bid: number, ask: number, bidQty: number, askQty: number): void {
    this.topBid.set(id, bid);
    this.topAsk.set(id, ask);
    t.price = (bid + ask) / 2;
    t.qty = 0;
    t.bid = bid;
    t.ask = ask;
    t.bidQty = bidQty;
    t.askQty = askQty;
    t.side = Side.Unknown;
    t.kind = TickKind.Quote;
  }

  private emit(t: Tick, sink: (t: Tick) => void): number {
    this.ticks++;
    sink(t);
    return 1;
  }

  private reject(reason: BinanceReject): number {
    this.rejected[BINANCE_REJECTS.indexOf(reason)]++;
    return 0;
  }
}

function validLevels(levels: unknown): boolean {
  if (!Array.isArray(levels)) return false;
  for (let i = 0; i < levels.length; i++) {
    const l = levels[i];
    if (!Array.isArray(l) || l.length < 2) return false;
    const p = Number(l[0]);
    const q = Number(l[1]);
    if (!(p > 0) || !(q >= 0) || p === Infinity || q === Infinity) return false;
  }
  return true;
}
