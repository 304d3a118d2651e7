/**
 * A local TrueData real-time server speaking the protocol of its official
 * clients: user/password in the query, the welcome message, `addsymbol` /
 * `removesymbol` answered with symbol ids and touchline rows, then `trade`
 * and `bidask` arrays every 20 ms and heartbeats. With `expired` set it
 * answers a connection with "User Subscription Expired" and closes, as
 * TrueData does for a lapsed subscription.
 */
import { createServer, type Server } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';

interface Conn {
  ws: WebSocket;
  symbols: Map<string, number>;
}

const istNow = () => new Date(Date.now() + 5.5 * 3_600_000).toISOString().slice(0, 19);

export class FakeTrueData {
  readonly connections: Conn[] = [];
  readonly requests: { method: string; symbols: string[] }[] = [];
  connectCount = 0;
  expired = false;
  private readonly ids = new Map<string, number>();
  private timer: NodeJS.Timeout;
  private beat: NodeJS.Timeout;
  private seq = 0;

  private constructor(private readonly server: Server, private readonly wss: WebSocketServer, readonly user: string, readonly password: string) {
    this.timer = setInterval(() => this.tickAll(), 20);
    this.beat = setInterval(() => this.connections.forEach((c) => c.ws.send(JSON.stringify({ success: true, message: 'HeartBeat', timestamp: istNow() }))), 1000);
  }

  static async start(user: string, password: string): Promise<FakeTrueData> {
    const server = createServer((_, res) => res.writeHead(426).end());
    const wss = new WebSocketServer({ noServer: true });
    const fake = new FakeTrueData(server, wss, user, password);
    server.on('upgrade', (req, socket, head) => {
      const url = new URL(req.url ?? '/', 'http://x');
      wss.handleUpgrade(req, socket, head, (ws) => fake.open(ws, url.searchParams.get('user'), url.searchParams.get('password')));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return fake;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}`;
  }
  get port(): number {
    return (this.server.address() as { port: number }).port;
  }

  dropAll(): void {
    for (const c of this.connections.splice(0)) c.ws.terminate();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    clearInterval(this.beat);
    this.dropAll();
    await new Promise<void>((r) => this.wss.close(() => r()));
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private open(ws: WebSocket, user: string | null, password: string | null): void {
    this.connectCount++;
    if (user !== this.user || password !== this.password) {
      ws.send(JSON.stringify({ success: false, message: 'Invalid user or password' }));
      ws.close();
      return;
    }
    if (this.expired) {
      ws.send(JSON.stringify({ success: false, message: 'User Subscription Expired' }));
      ws.close();
      return;
    }
    const conn: Conn = { ws, symbols: new Map() };
    this.connections.push(conn);
    ws.on('close', () => {
      const i = this.connections.indexOf(conn);
      if (i >= 0) this.connections.splice(i, 1);
    });
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString());
      this.requests.push(m);
      if (m.method === 'addsymbol') {
        const rows = m.symbols.map((s: string) => {
          if (!this.ids.has(s)) this.ids.set(s, 1000 + this.ids.size);
          const id = this.ids.get(s)!;
          conn.symbols.set(s, id);
          return [s, String(id), istNow(), '1573.15', '1', '1570.33', '1175986', '1569.15', '1575', '1561.05', '1567.8', '0', '0', '1846300000', '1573.1', '50', '1573.2', '75'];
        });
        ws.send(JSON.stringify({ success: true, message: 'symbols added', symbolsadded: rows.length, totalsymbolsubscribed: conn.symbols.size, symbollist: rows }));
      } else if (m.method === 'removesymbol') {
        for (const s of m.symbols) conn.symbols.delete(s);
        ws.send(JSON.stringify({ success: true, message: 'symbols removed', symbolsremoved: m.symbols.length, totalsymbolsubscribed: conn.symbols.size }));
      }
    });
    ws.send(JSON.stringify({ success: true, message: 'TrueData Real Time Data Service', segments: ['NSE', 'NFO'], maxsymbols: 50, subscription: 'tick', validity: '2030-12-31T00:00:00' }));
  }

  private tickAll(): void {
    this.seq++;
    for (const c of this.connections) {
      for (const id of c.symbols.values()) {
        const ltp = (1573.15 + ((this.seq % 9) - 4) * 0.05).toFixed(2);
        c.ws.send(JSON.stringify({ trade: [String(id), istNow(), ltp, '3', '1570.4', String(1175986 + this.seq * 3), '1569.15', '1575', '1561.05', '1567.8', '0', '0', '1846300000', '', String(this.seq), '1573.1', '50', '1573.2', '75'] }));
        if (this.seq % 5 === 0) c.ws.send(JSON.stringify({ bidask: [String(id), istNow(), '1573.05', '40', '1573.25', '80'] }));
      }
    }
  }
}
