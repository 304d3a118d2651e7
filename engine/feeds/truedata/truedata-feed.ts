import { Side, TickKind, type Tick } from '../../../native-free-ringbuffer/index.js';
import { ProviderStatus } from '../../status/status-region.js';
import type { BackoffOptions } from '../backoff.js';
import { emptyCounters, updateSkew, socketLogging, type FeedAdapter, type FeedContext } from '../feed.js';
import { ReconnectingSocket } from '../reconnecting-socket.js';

/**
 * TrueData real-time feed (`wss://push.truedata.in:<port>?user=...&password=...`),
 * the protocol of its official clients: after the welcome message the client
 * sends `{"method":"addsymbol","symbols":[...]}` (at most 1,500 per request);
 * the answer maps symbols to ids with touchline data; ticks arrive as
 * `{"trade":[id, time, LTP, LTQ, ATP, volume, open, high, low, prev close, OI,
 * prev OI, turnover, special, tick seq, bid, bid qty, ask, ask qty]}` and
 * `{"bidask":[id, time, bid, bid qty, ask, ask qty]}`; heartbeats say it lives.
 *
 * Reconnection is the iterative socket loop with exponential backoff and at
 * most `maxRetries` (5) retries per outage, then UNAVAILABLE. A "User
 * Subscription Expired" answer stops retrying at once and marks the feed
 * subscription-expired (readiness then says so): the official client retries
 * for ever on a timer, which is what this must not do.
 */
export interface TrueDataFeedOptions {
  /** e.g. wss://push.truedata.in:8082 */
  url: string;
  user: string;
  password: string;
  /** TrueData symbols (e.g. RELIANCE, NIFTY-I); the registry knows them as NSE:<symbol> or <symbol>. */
  symbols: string[];
  /** No heartbeat or tick for this long drops the connection (TrueData beats every few seconds). */
  staleMs: number;
  backoff: BackoffOptions;
}

const MAX_PER_REQUEST = 1500;
const IST_OFFSET_MS = 5.5 * 3_600_000;

export class TrueDataFeed implements FeedAdapter {
  readonly name = 'truedata';
  readonly counters = emptyCounters();
  private readonly socket: ReconnectingSocket;
  private readonly symbols = new Set<string>();
  /** TrueData symbol id -> our instrument id. */
  private readonly ids = new Map<number, number>();
  private readonly lastPrice: Float64Array;
  private welcomed = false;
  /** The vendor's last refusal, for health and logs. */
  lastRefusal = '';

  constructor(
    o: TrueDataFeedOptions,
    private readonly ctx: FeedContext,
  ) {
    this.lastPrice = new Float64Array(ctx.registry.size + 1);
    for (const s of o.symbols) this.symbols.add(s);
    this.socket = new ReconnectingSocket(
      () => `${o.url}?user=${encodeURIComponent(o.user)}&password=${encodeURIComponent(o.password)}`,
      {
        onOpen: () => {
          this.welcomed = false;
          if (this.socket.reconnects > 0) this.counters.reconnects++;
        },
        onMessage: (data) => this.onMessage(data.toString()),
        ...socketLogging(this.name, this.ctx.log),
      },
      o.backoff,
      o.staleMs,
    );
  }

  start(): void {
    if (this.counters.subscriptionExpired) return;
    this.socket.start();
  }

  stop(): void {
    this.socket.stop();
  }

  subscribe(symbols: string[]): void {
    const fresh = symbols.filter((s) => !this.symbols.has(s));
    for (const s of fresh) this.symbols.add(s);
    if (this.welcomed) this.request('addsymbol', fresh);
  }

  unsubscribe(symbols: string[]): void {
    const gone = symbols.filter((s) => this.symbols.delete(s));
    if (this.welcomed) this.request('removesymbol', gone);
  }

  status(): ProviderStatus {
    const s = this.socket.state;
    if (s === 'gave-up') return ProviderStatus.Unavailable;
    if (s === 'open' && this.welcomed) return ProviderStatus.Connected;
    if (s === 'connecting' || (s === 'open' && !this.welcomed)) return ProviderStatus.Connecting;
    return ProviderStatus.Disconnected;
  }

  isAvailable(): boolean {
    return !this.counters.subscriptionExpired && this.socket.state !== 'gave-up';
  }

  /** Connection attempts that failed (for tests of the retry cap). */
  failedAttempts(): number {
    return this.socket.failedAttempts;
  }

  private request(method: 'addsymbol' | 'removesymbol', symbols: string[]): void {
    for (let i = 0; i < symbols.length; i += MAX_PER_REQUEST) this.socket.send(JSON.stringify({ method, symbols: symbols.slice(i, i + MAX_PER_REQUEST) }));
  }

  /** One text message from TrueData (the socket calls this). Never throws. */
  onMessage(text: string): void {
    const c = this.counters;
    c.messages++;
    c.lastMessageAt = Date.now();
    let m: any;
    try {
      m = JSON.parse(text);
    } catch {
      c.rejected++;
      return;
    }
    if (m === null || typeof m !== 'object') {
      c.rejected++;
      return;
    }
    if (Array.isArray(m.trade)) return this.onTrade(m.trade);
    if (Array.isArray(m.bidask)) return this.onBidAsk(m.bidask);
    if (m.success === false) return this.onRefusal(String(m.message ?? ''));
    if (m.success === true) {
      switch (m.message) {
        case 'TrueData Real Time Data Service':
          this.welcomed = true;
          this.request('addsymbol', [...this.symbols]);
          return;
        case 'symbols added':
        case 'touchline':
          for (const row of m.symbollist ?? []) this.mapSymbol(row);
          return;
        default:
          return; // heartbeats, market status, symbols removed
      }
    }
  }

  private onRefusal(message: string): void {
    this.lastRefusal = message;
    if (/subscription expired/i.test(message)) {
      this.counters.subscriptionExpired = true;
      this.socket.giveUp(`TrueData: ${message}`);
      return;
    }
    this.counters.rejected++;
    this.ctx.log.warn({ feed: this.name, message }, 'TrueData refused a request');
  }

  private mapSymbol(row: unknown[]): void {
    const symbol = String(row[0]);
    const tdId = Number(row[1]);
    const id = this.ctx.registry.id(`NSE:${symbol}`) || this.ctx.registry.id(symbol);
    if (id === 0) {
      this.counters.rejected++;
      this.ctx.log.warn({ feed: this.name, symbol }, 'TrueData symbol is not in the instrument registry');
      return;
    }
    this.ids.set(tdId, id);
  }

  private onTrade(a: unknown[]): void {
    const c = this.counters;
    const id = this.ids.get(Number(a[0])) ?? 0;
    const price = Number(a[2]);
    const qty = Number(a[3]);
    if (id === 0 || !(price > 0) || !(qty >= 0) || price === Infinity || qty === Infinity) {
      c.rejected++;
      return;
    }
    const t = this.ctx.tick;
    this.base(t, id, a[1]);
    const bid = Number(a[15]);
    const ask = Number(a[17]);
    t.bid = bid > 0 ? bid : NaN;
    t.ask = ask > 0 ? ask : NaN;
    t.bidQty = bid > 0 ? Number(a[16]) : NaN;
    t.askQty = ask > 0 ? Number(a[18]) : NaN;
    t.price = price;
    t.qty = qty;
    t.kind = TickKind.Trade;
    const prev = this.lastPrice[id];
    t.side = price >= t.ask ? Side.Buy : price <= t.bid ? Side.Sell : price > prev ? Side.Buy : price < prev && prev > 0 ? Side.Sell : Side.Unknown;
    t.feedSeq = Number(a[14]) || 0;
    this.lastPrice[id] = price;
    this.emit(t);
  }

  private onBidAsk(a: unknown[]): void {
    const c = this.counters;
    const id = this.ids.get(Number(a[0])) ?? 0;
    const bid = Number(a[2]);
    const ask = Number(a[4]);
    if (id === 0 || !(bid > 0) || !(ask > 0) || bid > ask) {
      c.rejected++;
      return;
    }
    const t = this.ctx.tick;
    this.base(t, id, a[1]);
    t.bid = bid;
    t.ask = ask;
    t.bidQty = Number(a[3]);
    t.askQty = Number(a[5]);
    t.price = (bid + ask) / 2;
    t.qty = 0;
    t.kind = TickKind.Quote;
    t.side = Side.Unknown;
    t.feedSeq = 0;
    this.emit(t);
  }

  private base(t: Tick, id: number, time: unknown): void {
    t.instrumentId = id;
    t.recvTs = this.ctx.clock.now();
    // TrueData stamps times in IST without a zone
    const ms = typeof time === 'string' ? Date.parse(`${time}Z`) - IST_OFFSET_MS : NaN;
    t.exchangeTs = ms === ms ? this.ctx.clock.fromEpochMs(ms) : NaN;
    if (ms === ms) updateSkew(this.counters, ms, Date.now());
    t.providerId = this.ctx.providerId;
    t.flags = 0;
  }

  private emit(t: Tick): void {
    this.counters.ticks++;
    this.ctx.sink(t);
    this.ctx.commit();
  }
}
