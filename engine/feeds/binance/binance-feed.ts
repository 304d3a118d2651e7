import { ProviderStatus } from '../../status/status-region.js';
import { TokenBucket, type BackoffOptions } from '../backoff.js';
import { emptyCounters, updateSkew, socketLogging, type FeedAdapter, type FeedContext } from '../feed.js';
import { ReconnectingSocket } from '../reconnecting-socket.js';
import { BINANCE_REJECTS, BinanceNormalizer } from './binance-normalizer.js';

/**
 * Binance public market data (spot or USD-M futures), no keys needed:
 * combined streams (`/stream?streams=a/b/c`) with many symbols per
 * connection, sharded when a connection would carry more streams than
 * Binance allows; SUBSCRIBE/UNSUBSCRIBE at run time within the documented
 * control-message rate; depth books synced from REST snapshots (fetched
 * within the REST weight budget); reconnect with exponential backoff and
 * jitter, resubscribing everything (the URL carries the current streams),
 * which also covers Binance's 24-hour disconnect. Binance's pings are
 * answered by the WebSocket client; a silent connection is dropped.
 */
export type BinanceStream = 'aggTrade' | 'trade' | 'bookTicker' | 'depth';

export interface BinanceFeedOptions {
  market: 'spot' | 'futures';
  /** e.g. wss://stream.binance.com:9443 or wss://fstream.binance.com */
  wsUrl: string;
  /** e.g. https://api.binance.com or https://fapi.binance.com */
  restUrl: string;
  symbols: string[];
  streams: BinanceStream[];
  /** Spot allows 1024 streams per connection, USD-M 200. */
  maxStreamsPerConnection: number;
  /** Spot allows 5 incoming control messages a second per connection, USD-M 10. */
  controlMessagesPerSecond: number;
  /** REST request weight a minute (spot 6000, USD-M 2400). */
  restWeightPerMinute: number;
  staleMs: number;
  backoff: BackoffOptions;
}

export const BINANCE_DEFAULTS = {
  spot: { wsUrl: 'wss://stream.binance.com:9443', restUrl: 'https://api.binance.com', maxStreamsPerConnection: 1024, controlMessagesPerSecond: 5, restWeightPerMinute: 6000 },
  futures: { wsUrl: 'wss://fstream.binance.com', restUrl: 'https://fapi.binance.com', maxStreamsPerConnection: 200, controlMessagesPerSecond: 10, restWeightPerMinute: 2400 },
} as const;

/** REST weight of a depth snapshot of 1000 levels. */
const SNAPSHOT_WEIGHT = { spot: 50, futures: 20 } as const;

interface Shard {
  socket: ReconnectingSocket;
  streams: Set<string>;
  control: TokenBucket;
  queue: string[];
  timer: NodeJS.Timeout | null;
}

export class BinanceFeed implements FeedAdapter {
  readonly name: string;
  readonly counters = emptyCounters();
  readonly normalizer: BinanceNormalizer;
  private readonly shards: Shard[] = [];
  private readonly restBucket: TokenBucket;
  private readonly pendingSnapshots = new Set<string>();
  private snapshotTimer: NodeJS.Timeout | null = null;
  private requestId = 0;
  private started = false;
  /** Snapshot requests made (for tests and health). */
  snapshotRequests = 0;

  constructor(
    private readonly o: BinanceFeedOptions,
    private readonly ctx: FeedContext,
  ) {
    this.name = o.market === 'spot' ? 'binance' : 'binance-futures';
    this.normalizer = new BinanceNormalizer(ctx.registry, ctx.clock, o.market, ctx.providerId, ctx.tick, (symbol) => this.requestSnapshot(symbol));
    this.restBucket = new TokenBucket(o.restWeightPerMinute / 60, o.restWeightPerMinute / 6);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.addStreams(this.streamsOf(this.o.symbols), false);
  }

  stop(): void {
    this.started = false;
    for (const s of this.shards) {
      if (s.timer) clearTimeout(s.timer);
      s.socket.stop();
    }
    this.shards.length = 0;
    if (this.snapshotTimer) clearTimeout(this.snapshotTimer);
  }

  subscribe(symbols: string[]): void {
    this.addStreams(this.streamsOf(symbols), true);
  }

  unsubscribe(symbols: string[]): void {
    const gone = new Set(this.streamsOf(symbols));
    for (const s of this.shards) {
      const params = [...s.streams].filter((x) => gone.has(x));
      if (params.length === 0) continue;
      for (const p of params) s.streams.delete(p);
      this.control(s, { method: 'UNSUBSCRIBE', params });
    }
  }

  status(): ProviderStatus {
    if (this.shards.length === 0) return ProviderStatus.Disconnected;
    if (this.shards.some((s) => s.socket.state === 'gave-up')) return ProviderStatus.Unavailable;
    if (this.shards.every((s) => s.socket.state === 'open')) return ProviderStatus.Connected;
    return this.shards.some((s) => s.socket.state === 'connecting') && this.counters.lastMessageAt === 0 ? ProviderStatus.Connecting : ProviderStatus.Disconnected;
  }

  isAvailable(): boolean {
    return this.status() !== ProviderStatus.Unavailable;
  }

  /** Streams on each connection, for tests and health. */
  connections(): string[][] {
    return this.shards.map((s) => [...s.streams]);
  }

  private streamsOf(symbols: string[]): string[] {
    const out: string[] = [];
    for (const sym of symbols) {
      const s = sym.toLowerCase();
      for (const st of this.o.streams) out.push(st === 'depth' ? `${s}@depth@100ms` : `${s}@${st}`);
    }
    return out;
  }

  private addStreams(streams: string[], live: boolean): void {
    const have = new Set(this.shards.flatMap((s) => [...s.streams]));
    const fresh = streams.filter((s) => !have.has(s));
    while (fresh.length > 0) {
      let shard = this.shards.find((s) => s.streams.size < this.o.maxStreamsPerConnection);
      const isNew = !shard;
      if (!shard) shard = this.newShard();
      const room = this.o.maxStreamsPerConnection - shard.streams.size;
      const take = fresh.splice(0, room);
      for (const s of take) shard.streams.add(s);
      // a new connection carries its streams in the URL; a live one is told by SUBSCRIBE
      if (isNew) shard.socket.start();
      else if (live) this.control(shard, { method: 'SUBSCRIBE', params: take });
    }
  }

  private newShard(): Shard {
    const shard: Shard = {
      streams: new Set(),
      // at most `rate` messages in any one-second window: a burst of 1, refilled at rate - 1
      control: new TokenBucket(Math.max(1, this.o.controlMessagesPerSecond - 1), 1),
      queue: [],
      timer: null,
      socket: null as unknown as ReconnectingSocket,
    };
    shard.socket = new ReconnectingSocket(
      () => `${this.o.wsUrl}/stream?streams=${[...shard.streams].join('/')}`,
      {
        onOpen: () => {
          // the URL already carried every stream: queued control messages are obsolete
          shard.queue.length = 0;
          if (shard.socket.reconnects > 0) {
            this.counters.reconnects++;
            this.normalizer.resetBooks();
            this.ctx.log.info({ feed: this.name, streams: shard.streams.size }, 'reconnected and resubscribed');
          }
        },
        onMessage: (data) => this.onMessage(data.toString()),
        ...socketLogging(this.name, this.ctx.log),
      },
      this.o.backoff,
      this.o.staleMs,
    );
    this.shards.push(shard);
    return shard;
  }

  private onMessage(text: string): void {
    const c = this.counters;
    c.messages++;
    c.lastMessageAt = Date.now();
    if (text.startsWith('{"result"')) return; // answer to a control message
    const before = this.normalizer.ticks;
    const n = this.normalizer.onMessage(text, (t) => {
      if (t.exchangeTs === t.exchangeTs) updateSkew(c, this.ctx.clock.toEpochMs(t.exchangeTs), this.ctx.clock.toEpochMs(t.recvTs));
      this.ctx.sink(t);
    });
    if (n > 0) this.ctx.commit();
    c.ticks += this.normalizer.ticks - before;
    let rejected = 0;
    for (let i = 0; i < BINANCE_REJECTS.length; i++) rejected += this.normalizer.rejected[i];
    c.rejected = rejected;
    c.gaps = this.normalizer.gaps();
  }

  /** Sends a control message within the connection's message rate. */
  private control(shard: Shard, msg: { method: string; params: string[] }): void {
    shard.queue.push(JSON.stringify({ ...msg, id: ++this.requestId }));
    this.drain(shard);
  }

  private drain(shard: Shard): void {
    if (shard.timer) return;
    while (shard.queue.length > 0) {
      const wait = shard.control.take();
      if (wait > 0) {
        shard.timer = setTimeout(() => {
          shard.timer = null;
          this.drain(shard);
        }, wait);
        return;
      }
      if (!shard.socket.send(shard.queue[0])) return; // not open: the reconnect's URL will carry the streams
      shard.queue.shift();
    }
  }

  private requestSnapshot(symbol: string): void {
    this.pendingSnapshots.add(symbol);
    this.pumpSnapshots();
  }

  private pumpSnapshots(): void {
    if (this.snapshotTimer || !this.started) return;
    for (const symbol of this.pendingSnapshots) {
      const wait = this.restBucket.take(SNAPSHOT_WEIGHT[this.o.market]);
      if (wait > 0) {
        this.snapshotTimer = setTimeout(() => {
          this.snapshotTimer = null;
          this.pumpSnapshots();
        }, wait);
        return;
      }
      this.pendingSnapshots.delete(symbol);
      void this.fetchSnapshot(symbol);
    }
  }

  private async fetchSnapshot(symbol: string): Promise<void> {
    const path = this.o.market === 'spot' ? '/api/v3/depth' : '/fapi/v1/depth';
    this.snapshotRequests++;
    try {
      const res = await fetch(`${this.o.restUrl}${path}?symbol=${encodeURIComponent(symbol)}&limit=1000`, { signal: AbortSignal.timeout(10_000) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const body = (await res.json()) as { lastUpdateId: number; bids: [string, string][]; asks: [string, string][] };
      if (!this.started) return;
      this.normalizer.onSnapshot(symbol, body);
    } catch (e) {
      this.ctx.log.warn({ feed: this.name, symbol, err: (e as Error).message }, 'depth snapshot failed; retrying');
      if (this.started) setTimeout(() => this.requestSnapshot(symbol), 1000).unref();
    }
  }
}
