/**
 * A local Kite Ticker: `?api_key=...&access_token=...` checked at the
 * handshake (403 otherwise, as Kite answers), subscribe / unsubscribe / mode
 * messages, and binary frames built from Zerodha's official mock packets
 * (ticker_quote.packet, ticker_full.packet) re-stamped with each subscribed
 * token, every 20 ms, with a 1-byte heartbeat each second. It enforces
 * Kite's 3,000 instruments per connection and 3 connections per API key.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { sharedData } from '../helpers/shared-data.js';

interface Conn {
  ws: WebSocket;
  token: string;
  tokens: Set<number>;
  modes: Map<number, string>;
}

const packet = (name: string) => Buffer.from(readFileSync(sharedData(`kite-mocks/${name}`), 'utf8').trim(), 'base64');

export class FakeKiteTicker {
  readonly connections: Conn[] = [];
  readonly accepted = new Set<string>();
  readonly rejectedHandshakes: string[] = [];
  readonly errorsSent: string[] = [];
  connectCount = 0;
  private readonly quote = packet('ticker_quote.packet');
  private readonly full = packet('ticker_full.packet');
  private timer: NodeJS.Timeout;
  private beat: NodeJS.Timeout;
  private round = 0;

  private constructor(private readonly server: Server, private readonly wss: WebSocketServer, readonly apiKey: string) {
    this.timer = setInterval(() => this.broadcast(), 20);
    this.beat = setInterval(() => this.connections.forEach((c) => c.ws.send(Buffer.from([0]))), 1000);
  }

  static async start(apiKey: string, accessToken: string): Promise<FakeKiteTicker> {
    const server = createServer((_, res) => res.writeHead(426).end());
    const wss = new WebSocketServer({ noServer: true });
    const fake = new FakeKiteTicker(server, wss, apiKey);
    fake.accepted.add(accessToken);
    server.on('upgrade', (req, socket, head) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const key = url.searchParams.get('api_key');
      const token = url.searchParams.get('access_token') ?? '';
      const tooMany = fake.connections.length >= 3;
      if (key !== apiKey || !fake.accepted.has(token) || tooMany) {
        fake.rejectedHandshakes.push(token);
        socket.end(`HTTP/1.1 ${tooMany ? '429 Too Many Requests' : '403 Forbidden'}\r\nConnection: close\r\n\r\n`);
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => fake.open(ws, token));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return fake;
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  /** A new daily token replaces the old one, which stops working (existing connections with it are closed). */
  rotateToken(newToken: string): void {
    this.accepted.clear();
    this.accepted.add(newToken);
    for (const c of [...this.connections]) if (c.token !== newToken) c.ws.close(1008, 'token expired');
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    clearInterval(this.beat);
    for (const c of this.connections.splice(0)) c.ws.terminate();
    await new Promise<void>((r) => this.wss.close(() => r()));
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private open(ws: WebSocket, token: string): void {
    this.connectCount++;
    const conn: Conn = { ws, token, tokens: new Set(), modes: new Map() };
    this.connections.push(conn);
    ws.on('close', () => {
      const i = this.connections.indexOf(conn);
      if (i >= 0) this.connections.splice(i, 1);
    });
    ws.on('message', (data) => {
      let m: { a: string; v: any };
      try {
        m = JSON.parse(data.toString());
      } catch {
        return this.error(conn, 'invalid message');
      }
      if (m.a === 'subscribe') {
        for (const t of m.v) conn.tokens.add(t);
        if (conn.tokens.size > 3000) this.error(conn, 'maximum 3000 instruments per connection');
      } else if (m.a === 'unsubscribe') for (const t of m.v) conn.tokens.delete(t);
      else if (m.a === 'mode') for (const t of m.v[1]) conn.modes.set(t, m.v[0]);
    });
  }

  private error(conn: Conn, message: string): void {
    this.errorsSent.push(message);
    conn.ws.send(JSON.stringify({ type: 'error', data: message }));
  }

  private broadcast(): void {
    this.round++;
    for (const c of this.connections) {
      const packets: Buffer[] = [];
      for (const token of c.tokens) {
        const mode = c.modes.get(token) ?? 'quote';
        const src = mode === 'full' ? this.full : this.quote;
        const p = Buffer.from(mode === 'ltp' ? src.subarray(0, 8) : src);
        p.writeUInt32BE(token, 0);
        p.writeInt32BE(p.readInt32BE(4) + (this.round % 7) - 3, 4); // last price moves a few paise
        if (mode !== 'ltp') p.writeUInt32BE(p.readUInt32BE(16) + this.round, 16); // volume grows: a trade
        packets.push(p);
        if (packets.length === 500) break; // keep frames modest; the rest go next round
      }
      if (packets.length === 0) continue;
      const frame = Buffer.alloc(2 + packets.reduce((a, p) => a + 2 + p.length, 0));
      frame.writeUInt16BE(packets.length, 0);
      let o = 2;
      for (const p of packets) {
        frame.writeUInt16BE(p.length, o);
        p.copy(frame, o + 2);
        o += 2 + p.length;
      }
      c.ws.send(frame);
    }
  }
}
