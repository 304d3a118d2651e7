import { Side, TickKind } from '../../../native-free-ringbuffer/index.js';
import { ProviderStatus } from '../../status/status-region.js';
import type { BackoffOptions } from '../backoff.js';
import { emptyCounters, updateSkew, socketLogging, type FeedAdapter, type FeedContext } from '../feed.js';
import { ReconnectingSocket } from '../reconnecting-socket.js';
import { decodeKiteFrame, emptyKitePacket, KiteMode, type KitePacket } from './kite-ticker-protocol.js';

/**
 * Zerodha Kite Ticker: `wss://ws.kite.trade?api_key=...&access_token=...`,
 * `{"a":"subscribe","v":[tokens]}` and `{"a":"mode","v":[mode,[tokens]]}`,
 * binary tick frames, 1-byte heartbeats, JSON text messages (errors, order
 * updates). Kite allows 3,000 instruments per connection and 3 connections
 * per API key: subscriptions are sharded over connections within both.
 * The access token comes from the broker token store; `setAccessToken`
 * reconnects every connection with the new one, with no restart.
 */
export interface KiteFeedOptions {
  /** e.g. wss://ws.kite.trade */
  url: string;
  apiKey: string;
  accessToken: string;
  /** Instrument symbols (registry, with Kite tokens) to subscribe. */
  symbols: string[];
  mode: 'ltp' | 'quote' | 'full';
  maxInstrumentsPerConnection: number;
  maxConnections: number;
  staleMs: number;
  backoff: BackoffOptions;
}

export const KITE_DEFAULTS = { url: 'wss://ws.kite.trade', maxInstrumentsPerConnection: 3000, maxConnections: 3, mode: 'full' as const };

interface Shard {
  socket: ReconnectingSocket;
  tokens: Set<number>;
}

export class KiteFeed implements FeedAdapter {
  readonly name = 'kite';
  readonly counters = emptyCounters();
  private readonly shards: Shard[] = [];
  private readonly packet: KitePacket = emptyKitePacket();
  private readonly lastVolume: Float64Array;
  private readonly lastPrice: Float64Array;
  private token: string;
  private started = false;
  /** Text messages from Kite (errors, notices), counted. */
  textMessages = 0;
  unknownInstruments = 0;

  constructor(
    private readonly o: KiteFeedOptions,
    private readonly ctx: FeedContext,
  ) {
    this.token = o.accessToken;
    this.lastVolume = new Float64Array(ctx.registry.size + 1);
    this.lastPrice = new Float64Array(ctx.registry.size + 1);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.subscribe(this.o.symbols);
  }

  stop(): void {
    this.started = false;
    for (const s of this.shards) s.socket.stop();
    this.shards.length = 0;
  }

  /** A new daily access token: every connection reconnects with it. */
  setAccessToken(token: string): void {
    if (token === this.token) return;
    this.token = token;
    this.ctx.log.info({ feed: this.name, connections: this.shards.length }, 'new access token: reconnecting');
    for (const s of this.shards) s.socket.reconnectNow();
  }

  subscribe(symbols: string[]): void {
    const tokens: number[] = [];
    for (const sym of symbols) {
      const info = this.ctx.registry.info(this.ctx.registry.id(sym));
      if (!info?.kiteToken) throw new Error(`kite: '${sym}' has no Kite instrument token in the registry (load the instruments CSV)`);
      if (!this.shards.some((s) => s.tokens.has(info.kiteToken))) tokens.push(info.kiteToken);
    }
    while (tokens.length > 0) {
      let shard = this.shards.find((s) => s.tokens.size < this.o.maxInstrumentsPerConnection);
      const isNew = !shard;
      if (!shard) {
        if (this.shards.length >= this.o.maxConnections) {
          throw new Error(`kite: ${tokens.length} more instruments would need more than ${this.o.maxConnections} connections of ${this.o.maxInstrumentsPerConnection}`);
        }
        shard = this.newShard();
      }
      const take = tokens.splice(0, this.o.maxInstrumentsPerConnection - shard.tokens.size);
      for (const t of take) shard.tokens.add(t);
      if (isNew) shard.socket.start();
      else this.send(shard, take);
    }
  }

  unsubscribe(symbols: string[]): void {
    for (const sym of symbols) {
      const token = this.ctx.registry.info(this.ctx.registry.id(sym))?.kiteToken;
      for (const s of this.shards) {
        if (token && s.tokens.delete(token)) s.socket.send(JSON.stringify({ a: 'unsubscribe', v: [token] }));
      }
    }
  }

  status(): ProviderStatus {
    if (this.shards.length === 0) return ProviderStatus.Disconnected;
    if (this.shards.some((s) => s.socket.state === 'gave-up')) return ProviderStatus.Unavailable;
    if (this.shards.every((s) => s.socket.state === 'open')) return ProviderStatus.Connected;
    return this.counters.lastMessageAt === 0 ? ProviderStatus.Connecting : ProviderStatus.Disconnected;
  }

  isAvailable(): boolean {
    return this.status() !== ProviderStatus.Unavailable;
  }

  connections(): number[][] {
    return this.shards.map((s) => [...s.tokens]);
  }

  private newShard(): Shard {
    const shard: Shard = { tokens: new Set(), socket: null as unknown as ReconnectingSocket };
    shard.socket = new ReconnectingSocket(
      () => `${this.o.url}?api_key=${encodeURIComponent(this.o.apiKey)}&access_token=${encodeURIComponent(this.token)}`,
      {
        onOpen: () => {
          if (shard.socket.reconnects > 0) this.counters.reconnects++;
          this.send(shard, [...shard.tokens]);
        },
        onMessage: (data, isBinary) => this.onMessage(data as Buffer, isBinary),
        ...socketLogging(this.name, this.ctx.log),
      },
      this.o.backoff,
      this.o.staleMs,
    );
    this.shards.push(shard);
    return shard;
  }

  private send(shard: Shard, tokens: number[]): void {
    // Kite takes the whole list in one message; chunks keep each message small
    for (let i = 0; i < tokens.length; i += 500) {
      const chunk = tokens.slice(i, i + 500);
      shard.socket.send(JSON.stringify({ a: 'subscribe', v: chunk }));
      shard.socket.send(JSON.stringify({ a: 'mode', v: [this.o.mode, chunk] }));
    }
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    const c = this.counters;
    c.messages++;
    c.lastMessageAt = Date.now();
    if (!isBinary) {
      this.textMessages++;
      return;
    }
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const before = c.ticks;
    const r = decodeKiteFrame(bytes, this.packet, this.onPacket);
    if (typeof r === 'string') c.rejected++;
    if (c.ticks !== before) this.ctx.commit();
  }

  private readonly onPacket = (p: KitePacket): void => {
    const c = this.counters;
    const id = this.ctx.registry.idOfKiteToken(p.token);
    if (id === 0) {
      this.unknownInstruments++;
      c.rejected++;
      return;
    }
    if (!(p.lastPrice > 0) || !Number.isFinite(p.lastPrice)) {
      c.rejected++;
      return;
    }
    const t = this.ctx.tick;
    t.instrumentId = id;
    t.recvTs = this.ctx.clock.now();
    t.exchangeTs = p.exchangeTime === p.exchangeTime ? this.ctx.clock.fromEpochMs(p.exchangeTime) : NaN;
    if (p.exchangeTime === p.exchangeTime) updateSkew(c, p.exchangeTime, Date.now());
    t.price = p.lastPrice;
    const full = p.mode === KiteMode.Full && p.bidPrice[0] > 0;
    t.bid = full ? p.bidPrice[0] : NaN;
    t.ask = full && p.askPrice[0] > 0 ? p.askPrice[0] : NaN;
    t.bidQty = full ? p.bidQuantity[0] : NaN;
    t.askQty = full && p.askPrice[0] > 0 ? p.askQuantity[0] : NaN;
    // A trade happened when the day's volume rose; Kite does not say who was aggressive,
    // so the side is inferred: at or above the ask a buy, at or below the bid a sell, else by the tick rule.
    const traded = p.volume === p.volume && p.volume > this.lastVolume[id];
    t.kind = traded ? TickKind.Trade : TickKind.Quote;
    t.qty = traded ? p.lastQuantity : 0;
    const prev = this.lastPrice[id];
    t.side = !traded ? Side.Unknown : p.lastPrice >= t.ask ? Side.Buy : p.lastPrice <= t.bid ? Side.Sell : p.lastPrice > prev ? Side.Buy : p.lastPrice < prev ? Side.Sell : Side.Unknown;
    t.feedSeq = p.volume === p.volume ? p.volume : 0;
    t.providerId = this.ctx.providerId;
    t.flags = 0;
    if (p.volume === p.volume) this.lastVolume[id] = p.volume;
    this.lastPrice[id] = p.lastPrice;
    c.ticks++;
    this.ctx.sink(t);
  };
}
