import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Side, TICK_FLAG_REPLAY, TickKind, type Tick } from '../../../native-free-ringbuffer/index.js';
import { ProviderStatus } from '../../status/status-region.js';
import { BINANCE_REJECTS, BinanceNormalizer } from '../binance/binance-normalizer.js';
import { emptyCounters, type FeedAdapter, type FeedContext } from '../feed.js';
import { readCapture } from './capture.js';

/**
 * Replays recorded market data into the rings: tickring captures, Binance
 * aggTrades CSV files (the public data format: id, price, qty, first id, last
 * id, time, buyer is maker, best match; with or without a header; times in
 * ms, or µs as newer files have), and recorded Binance stream files (a URL
 * line, then `<receive unix time>: <message>` lines; a `.http.0.0` file of
 * REST depth snapshots beside them is applied at its recorded time).
 * Speed: `realtime`, a multiple of real time, or `max` (as fast as the
 * consumers take it, yielding to the event loop between chunks).
 */
export type ReplayFormat = 'capture' | 'binance-aggtrades-csv' | 'binance-stream';
export type ReplaySpeed = 'realtime' | 'max' | number;

export interface ReplayOptions {
  file: string;
  format?: ReplayFormat;
  speed: ReplaySpeed;
  /** For aggTrades CSV files, which carry no symbol: defaults to the file name's prefix (BTCUSDT-aggTrades-...). */
  symbol?: string;
}

/** Ring slots left free at full speed: one recorded message can become several ticks. */
const ROOM_RESERVE = 64;

/** One thing to do at a recorded time (ms since the epoch). */
interface ReplayEvent {
  atMs: number;
  run(): void;
}

export function detectFormat(file: string): ReplayFormat {
  const head = readFileSync(file).subarray(0, 64);
  if (head.toString('latin1').startsWith('wss://') || head.toString('latin1').startsWith('ws://')) return 'binance-stream';
  if (head.includes(Buffer.from('tickring-capture'))) return 'capture';
  if (file.endsWith('.csv')) return 'binance-aggtrades-csv';
  throw new Error(`${file}: cannot tell its format (a tickring capture, a Binance aggTrades .csv or a recorded Binance stream)`);
}

export class ReplayFeed implements FeedAdapter {
  readonly name = 'replay';
  readonly counters = emptyCounters();
  readonly format: ReplayFormat;
  private events: ReplayEvent[] = [];
  private next = 0;
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private startWall = 0;
  private startRecorded = 0;
  private state: 'idle' | 'playing' | 'finished' | 'stopped' = 'idle';
  private readonly finishedWaiters: (() => void)[] = [];
  private normalizer: BinanceNormalizer | null = null;
  /** Recorded time of the event being played. */
  private atMs = 0;

  constructor(
    private readonly o: ReplayOptions,
    private readonly ctx: FeedContext,
  ) {
    if (!existsSync(o.file)) throw new Error(`replay file ${o.file} does not exist`);
    if (typeof o.speed === 'number' && !(o.speed > 0)) throw new Error(`replay speed must be 'realtime', 'max' or a number > 0, got ${o.speed}`);
    this.format = o.format ?? detectFormat(o.file);
  }

  start(): void {
    if (this.state !== 'idle') return;
    this.events = this.load();
    this.ctx.log.info({ feed: this.name, file: this.o.file, format: this.format, events: this.events.length, speed: this.o.speed }, 'replay starting');
    this.state = 'playing';
    this.startWall = performance.now();
    this.startRecorded = this.events[0]?.atMs ?? 0;
    this.step();
  }

  stop(): void {
    this.state = 'stopped';
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.finish();
  }

  /** Resolves when every event has been played (or the replay was stopped). */
  finished(): Promise<void> {
    if (this.state === 'finished' || this.state === 'stopped') return Promise.resolve();
    return new Promise((r) => this.finishedWaiters.push(r));
  }

  subscribe(): void {}
  unsubscribe(): void {}

  status(): ProviderStatus {
    return this.state === 'playing' ? ProviderStatus.Connected : ProviderStatus.Disconnected;
  }

  isAvailable(): boolean {
    return this.state !== 'stopped';
  }

  private step(): void {
    this.timer = this.immediate = null;
    if (this.state !== 'playing') return;
    const speed = this.o.speed;
    const max = speed === 'max';
    const factor = speed === 'realtime' ? 1 : typeof speed === 'number' ? speed : Infinity;
    const elapsedRecorded = (performance.now() - this.startWall) * factor;
    let played = 0;
    // at full speed, only as many events as every consumer has room for (one message can make a few ticks)
    const budget = max ? Math.min(5000, this.ctx.room() - ROOM_RESERVE) : 5000;
    while (this.next < this.events.length && played < budget) {
      const e = this.events[this.next];
      if (!max && e.atMs - this.startRecorded > elapsedRecorded) break;
      this.atMs = e.atMs;
      e.run();
      this.next++;
      played++; // at 5000, yield so control messages and timers run
    }
    this.ctx.commit();
    if (this.next >= this.events.length) {
      this.state = 'finished';
      this.ctx.log.info({ feed: this.name, ticks: this.counters.ticks }, 'replay finished');
      this.finish();
      return;
    }
    if (max && played < budget) this.timer = setTimeout(() => this.step(), 0); // no room yet: let the consumers catch up
    else if (max || played === 5000) this.immediate = setImmediate(() => this.step());
    else {
      const due = (this.events[this.next].atMs - this.startRecorded) / factor - (performance.now() - this.startWall);
      this.timer = setTimeout(() => this.step(), Math.max(0, due));
    }
  }

  private finish(): void {
    for (const w of this.finishedWaiters.splice(0)) w();
  }

  private emit(t: Tick): void {
    t.flags |= TICK_FLAG_REPLAY;
    // a tick recorded without an exchange time has its recorded time as its event time, so strategies
    // (bars, windows) see the recording's time line at any replay speed, never the replay's own clock
    if (t.exchangeTs !== t.exchangeTs) t.exchangeTs = this.ctx.clock.fromEpochMs(this.atMs);
    t.providerId = this.ctx.providerId;
    const c = this.counters;
    c.ticks++;
    c.messages++;
    c.lastMessageAt = Date.now();
    this.ctx.sink(t);
  }

  private load(): ReplayEvent[] {
    switch (this.format) {
      case 'capture':
        return this.loadCapture();
      case 'binance-aggtrades-csv':
        return this.loadCsv();
      case 'binance-stream':
        return this.loadStream();
    }
  }

  private loadCapture(): ReplayEvent[] {
    return readCapture(this.o.file).map((c) => ({
      atMs: c.recvMs,
      run: () => {
        const id = this.ctx.registry.id(c.instrument);
        if (id === 0) {
          this.counters.rejected++;
          return;
        }
        const t = this.ctx.tick;
        t.instrumentId = id;
        t.recvTs = this.ctx.clock.now();
        t.exchangeTs = c.exchangeMs === c.exchangeMs ? this.ctx.clock.fromEpochMs(c.exchangeMs) : NaN;
        t.price = c.price;
        t.qty = c.qty;
        t.bid = c.bid;
        t.ask = c.ask;
        t.bidQty = c.bidQty;
        t.askQty = c.askQty;
        t.feedSeq = c.feedSeq;
        t.side = c.side;
        t.kind = c.kind;
        t.flags = c.flags;
        this.emit(t);
      },
    }));
  }

  private loadCsv(): ReplayEvent[] {
    const symbol = this.o.symbol ?? path.basename(this.o.file).split('-')[0];
    const id = this.ctx.registry.id(symbol);
    if (id === 0) throw new Error(`replay: symbol '${symbol}' of ${this.o.file} is not in the instrument registry`);
    const events: ReplayEvent[] = [];
    const lines = readFileSync(this.o.file, 'utf8').split(/\r?\n/);
    for (let n = 0; n < lines.length; n++) {
      const line = lines[n];
      if (!line || (n === 0 && !/^\d/.test(line))) continue; // empty, or the header newer files have
      const f = line.split(',');
      const price = Number(f[1]);
      const qty = Number(f[2]);
      let time = Number(f[5]);
      if (time > 1e14) time /= 1000; // µs
      if (f.length < 7 || !(price > 0) || !(qty > 0) || !(time > 0)) {
        this.counters.rejected++;
        continue;
      }
      const buyerIsMaker = f[6].trim().toLowerCase() === 'true';
      const aggId = Number(f[0]);
      events.push({
        atMs: time,
        run: () => {
          const t = this.ctx.tick;
          t.instrumentId = id;
          t.recvTs = this.ctx.clock.now();
          t.exchangeTs = this.ctx.clock.fromEpochMs(time);
          t.price = price;
          t.qty = qty;
          t.bid = t.ask = t.bidQty = t.askQty = NaN;
          t.feedSeq = aggId;
          t.side = buyerIsMaker ? Side.Sell : Side.Buy;
          t.kind = TickKind.Trade;
          t.flags = 0;
          this.emit(t);
        },
      });
    }
    return events;
  }

  private loadStream(): ReplayEvent[] {
    const lines = readFileSync(this.o.file, 'utf8').split('\n');
    const futures = /fstream|dstream/.test(lines[0]);
    const n = new BinanceNormalizer(this.ctx.registry, this.ctx.clock, futures ? 'futures' : 'spot', this.ctx.providerId, this.ctx.tick);
    this.normalizer = n;
    const events: ReplayEvent[] = [];
    const snapshots = this.o.file.replace(/\.ws\.\d+\.\d+$/, '.http.0.0');
    if (snapshots !== this.o.file && existsSync(snapshots)) {
      for (const line of readFileSync(snapshots, 'utf8').split('\n')) {
        const m = /symbol=([A-Z0-9]+).* -> ([\d.]+): (.*)$/.exec(line);
        if (m) events.push({ atMs: Number(m[2]) * 1000, run: () => n.onSnapshot(m[1], JSON.parse(m[3])) });
      }
    }
    for (const line of lines.slice(1)) {
      const sep = line.indexOf(': ');
      if (sep < 0) continue;
      const text = line.slice(sep + 2);
      events.push({
        atMs: Number(line.slice(0, sep)) * 1000,
        run: () => {
          n.onMessage(text, (t) => this.emit(t));
          let rejected = 0;
          for (let i = 0; i < BINANCE_REJECTS.length; i++) rejected += n.rejected[i];
          this.counters.rejected = rejected;
          this.counters.gaps = n.gaps();
        },
      });
    }
    return events.sort((a, b) => a.atMs - b.atMs); // stable: a snapshot recorded at the same time keeps its place
  }

  /** The Binance normaliser of a stream replay (depth books), for tests. */
  binance(): BinanceNormalizer | null {
    return this.normalizer;
  }
}
