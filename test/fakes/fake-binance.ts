/**
 * A local Binance that speaks the public market-data protocol: combined
 * streams (`/stream?streams=...`) replaying recorded messages, SUBSCRIBE /
 * UNSUBSCRIBE / LIST_SUBSCRIPTIONS, and the REST depth snapshot. It keeps its
 * own order book (the recorded snapshot plus every diff it has sent, including
 * diffs it was told to withhold from clients), so a snapshot is always current,
 * as the exchange's is. Streams of symbols without recordings get a
 * synthetic aggTrade when they are subscribed.
 */
import { createServer, type Server } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { recordedSnapshots, recordedStream } from '../helpers/binance-recorded.js';

interface Conn {
  ws: WebSocket;
  streams: Set<string>;
  url: string;
}

export class FakeBinance {
  readonly connections: Conn[] = [];
  readonly controlMessages: { at: number; msg: any }[] = [];
  readonly snapshotRequests: string[] = [];
  connectCount = 0;
  /** Diffs (by their u) to withhold from clients, though the book applies them. */
  readonly withhold = new Set<number>();
  private readonly recorded: { stream: string; text: string; data: any; recvMs: number }[];
  /** Replay speed: recorded time divided by this (the recordings span about 30 s). */
  speed = 30;
  private readonly books = new Map<string, { lastUpdateId: number; bids: Map<string, string>; asks: Map<string, string> }>();
  private readonly template: any;

  private constructor(private readonly server: Server, private readonly wss: WebSocketServer, readonly market: 'spot' | 'futures', wsFile: string, httpFile: string) {
    this.recorded = recordedStream(`binance-recorded/${wsFile}`).map((r) => ({ stream: r.message.stream, text: JSON.stringify(r.message), data: r.message.data, recvMs: r.recvMs }));
    for (const s of recordedSnapshots(httpFile)) {
      this.books.set(s.symbol, { lastUpdateId: s.body.lastUpdateId, bids: new Map(s.body.bids), asks: new Map(s.body.asks) });
    }
    this.template = this.recorded.find((r) => r.data.e === 'aggTrade')!.data;
  }

  static async start(market: 'spot' | 'futures'): Promise<FakeBinance> {
    const [wsFile, httpFile] = market === 'spot' ? ['BINANCE.ws.1.0', 'BINANCE.http.0.0'] : ['BINANCE_FUTURES.ws.1.0', 'BINANCE_FUTURES.http.0.0'];
    const server = createServer();
    const wss = new WebSocketServer({ noServer: true });
    const fake = new FakeBinance(server, wss, market, wsFile, httpFile);
    server.on('request', (req, res) => fake.rest(req.url ?? '', res));
    server.on('upgrade', (req, socket, head) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname !== '/stream') return socket.destroy();
      wss.handleUpgrade(req, socket, head, (ws) => fake.open(ws, url));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return fake;
  }

  get port(): number {
    return (this.server.address() as { port: number }).port;
  }
  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}`;
  }
  get restUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Pings every connection as Binance does; resolves with how many answered with a pong. */
  async pingAll(timeoutMs = 1000): Promise<number> {
    const answers = await Promise.all(
      this.connections.map(
        (c) =>
          new Promise<boolean>((resolve) => {
            const t = setTimeout(() => resolve(false), timeoutMs);
            c.ws.once('pong', () => {
              clearTimeout(t);
              resolve(true);
            });
            c.ws.ping();
          }),
      ),
    );
    return answers.filter(Boolean).length;
  }

  /** Drops every connection abruptly, as a network failure would. */
  dropAll(): void {
    for (const c of this.connections.splice(0)) c.ws.terminate();
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((r) => this.wss.close(() => r()));
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private rest(path: string, res: import('node:http').ServerResponse): void {
    const url = new URL(path, 'http://x');
    const expected = this.market === 'spot' ? '/api/v3/depth' : '/fapi/v1/depth';
    const symbol = url.searchParams.get('symbol') ?? '';
    const book = this.books.get(symbol);
    if (url.pathname !== expected || !book) {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ code: -1121, msg: 'Invalid symbol.' }));
      return;
    }
    this.snapshotRequests.push(symbol);
    const levels = (m: Map<string, string>, desc: boolean) => [...m].sort((a, b) => (desc ? Number(b[0]) - Number(a[0]) : Number(a[0]) - Number(b[0]))).slice(0, 1000);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ lastUpdateId: book.lastUpdateId, bids: levels(book.bids, true), asks: levels(book.asks, false) }));
  }

  private open(ws: WebSocket, url: URL): void {
    this.connectCount++;
    const conn: Conn = { ws, streams: new Set((url.searchParams.get('streams') ?? '').split('/').filter(Boolean)), url: url.toString() };
    this.connections.push(conn);
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString());
      this.controlMessages.push({ at: Date.now(), msg });
      if (msg.method === 'SUBSCRIBE') {
        for (const s of msg.params) conn.streams.add(s);
        this.synthesize(conn, msg.params);
      }
      if (msg.method === 'UNSUBSCRIBE') for (const s of msg.params) conn.streams.delete(s);
      ws.send(JSON.stringify(msg.method === 'LIST_SUBSCRIPTIONS' ? { result: [...conn.streams], id: msg.id } : { result: null, id: msg.id }));
    });
    ws.on('close', () => {
      const i = this.connections.indexOf(conn);
      if (i >= 0) this.connections.splice(i, 1);
    });
    this.synthesize(conn, [...conn.streams]);
    void this.replay(conn);
  }

  /** A synthetic trade for each aggTrade stream that has no recording. */
  private synthesize(conn: Conn, streams: string[]): void {
    const recordedStreams = new Set(this.recorded.map((r) => r.stream));
    for (const stream of streams) {
      if (!stream.endsWith('@aggTrade') || recordedStreams.has(stream)) continue;
      const symbol = stream.split('@')[0].toUpperCase();
      const data = { ...this.template, s: symbol, a: this.template.a + 1, E: Date.now(), T: Date.now() };
      conn.ws.send(JSON.stringify({ stream, data }));
    }
  }

  private async replay(conn: Conn): Promise<void> {
    let clock = this.recorded[0]?.recvMs ?? 0;
    for (const r of this.recorded) {
      // recorded pacing, sped up
      const wait = (r.recvMs - clock) / this.speed;
      if (wait >= 1) {
        await new Promise((res) => setTimeout(res, wait));
        clock = r.recvMs;
      }
      if (conn.ws.readyState !== conn.ws.OPEN) return;
      const d = r.data;
      if (d.e === 'depthUpdate') {
        const book = this.books.get(d.s);
        if (book && d.u > book.lastUpdateId) {
          for (const [p, q] of d.b) (q === '0' || Number(q) === 0 ? book.bids.delete(p) : book.bids.set(p, q));
          for (const [p, q] of d.a) (q === '0' || Number(q) === 0 ? book.asks.delete(p) : book.asks.set(p, q));
          book.lastUpdateId = d.u;
        }
        if (this.withhold.has(d.u)) continue;
      }
      if (!conn.streams.has(r.stream)) continue;
      conn.ws.send(r.text);
    }
  }
}
