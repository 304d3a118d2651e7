/**
 * A local Kite Connect REST API answering with Zerodha's public mock bodies
 * (../shared/data/kite-mocks/*.json) and checking what clients send: the
 * session exchange's checksum (sha256 of api_key + request_token + api_secret),
 * the `X-Kite-Version: 3` header, and `Authorization: token api_key:access_token`.
 *
 * Orders: placed with the documented form fields (checked: exchange,
 * tradingsymbol, BUY/SELL, a positive integer quantity, product, order type,
 * a price for LIMIT, market_protection for MARKET, a tag of at most 20
 * characters); a MARKET order completes at once with one trade at
 * `fillPrice(symbol)`, a LIMIT order stays OPEN until `fillOpen` or a cancel.
 * Bodies follow orders.json, order_trades.json and positions.json.
 * `delayPlacementResponses` answers placements late (the order exists, the
 * answer is lost to a client that times out); `rotateToken` makes the current
 * access token invalid (TokenException) as a new login would.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { localHttp, type LocalHttp } from './local-http.js';
import { sharedData } from '../helpers/shared-data.js';

/** Kite's timestamp format, in IST. */
const kiteTime = (ms = Date.now()) => new Date(ms + 5.5 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');

export const mock = (name: string) => JSON.parse(readFileSync(sharedData(`kite-mocks/${name}.json`), 'utf8'));

type KiteOrder = Record<string, any>;

export class FakeKiteApi {
  readonly requests: { method: string; path: string; headers: IncomingMessage['headers']; form: URLSearchParams; at: number }[] = [];
  /** Request tokens Kite would accept (each once). */
  readonly requestTokens = new Set<string>();
  readonly session = mock('generate_session');
  /** The access token requests must carry (the session's, until rotated). */
  accessToken: string = this.session.data.access_token;
  readonly orders: KiteOrder[] = [];
  readonly trades: Record<string, any>[] = [];
  /** Placement requests that reached the venue (a duplicate placement shows here). */
  placements = 0;
  delayPlacementResponses = 0;
  delayMs = 0;
  fillPrice: (symbol: string) => number = () => 100;
  private nextOrderId = 250_000_000_000_000;
  private nextTradeId = 90_000_000;

  private constructor(private readonly http: LocalHttp, readonly apiKey: string, readonly apiSecret: string) {}

  static async start(apiKey: string, apiSecret: string): Promise<FakeKiteApi> {
    let fake: FakeKiteApi | null = null;
    const http = await localHttp((req, res, body) => fake!.handle(req, res, new URLSearchParams(body)));
    fake = new FakeKiteApi(http, apiKey, apiSecret);
    return fake;
  }

  get url(): string {
    return this.http.url;
  }

  close(): Promise<void> {
    return this.http.close();
  }


  private handle(req: IncomingMessage, res: ServerResponse, form: URLSearchParams): void {
    const path = (req.url ?? '').split('?')[0];
    this.requests.push({ method: req.method ?? '', path, headers: req.headers, form, at: Date.now() });
    const send = (status: number, body: unknown): void => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    const fail = (status: number, type: string, message: string): void => send(status, { status: 'error', message, error_type: type });
    if (req.headers['x-kite-version'] !== '3') return fail(400, 'InputException', 'X-Kite-Version header missing');
    if (req.method === 'POST' && path === '/session/token') {
      const token = form.get('request_token') ?? '';
      const expected = createHash('sha256').update(this.apiKey + token + this.apiSecret).digest('hex');
      if (form.get('api_key') !== this.apiKey || form.get('checksum') !== expected) return fail(403, 'TokenException', 'Invalid checksum');
      if (!this.requestTokens.delete(token)) return fail(403, 'TokenException', 'Token is invalid or has expired.');
      return send(200, this.session);
    }
    if (req.headers.authorization !== `token ${this.apiKey}:${this.accessToken}`) return fail(403, 'TokenException', 'Incorrect `api_key` or `access_token`.');
    if (req.method === 'GET' && path === '/user/profile') return send(200, mock('profile'));
    if (req.method === 'GET' && path === '/user/margins') return send(200, mock('margins'));
    if (req.method === 'GET' && path === '/orders') return send(200, { status: 'success', data: this.orders });
    if (req.method === 'GET' && path === '/trades') return send(200, { status: 'success', data: this.trades });
    if (req.method === 'GET' && path === '/portfolio/positions') return send(200, { status: 'success', data: { net: this.netPositions(), day: this.netPositions() } });
    let m = /^\/orders\/(regular)$/.exec(path);
    if (req.method === 'POST' && m) return this.place(form, send, fail);
    m = /^\/orders\/regular\/(\d+)$/.exec(path);
    if (req.method === 'PUT' && m) {
      const o = this.orders.find((x) => x.order_id === m![1]);
      if (!o) return fail(400, 'InputException', `order ${m[1]} not found`);
      if (o.status !== 'OPEN') return fail(400, 'InputException', `order ${o.order_id} is ${o.status} and cannot be modified`);
      const q = form.get('quantity');
      const price = form.get('price');
      if (q !== null && (!Number.isInteger(Number(q)) || Number(q) < o.filled_quantity || Number(q) <= 0)) return fail(400, 'InputException', 'Invalid `quantity`.');
      if (price !== null && !(Number(price) > 0)) return fail(400, 'InputException', 'Invalid `price`.');
      if (q !== null) (o.quantity = Number(q)), (o.pending_quantity = o.quantity - o.filled_quantity);
      if (price !== null) o.price = Number(price);
      o.modified = true;
      return send(200, { status: 'success', data: { order_id: o.order_id } });
    }
    if (req.method === 'DELETE' && m) {
      const o = this.orders.find((x) => x.order_id === m![1]);
      if (!o) return fail(400, 'InputException', `order ${m[1]} not found`);
      if (o.status !== 'OPEN') return fail(400, 'InputException', `order ${o.order_id} is ${o.status} and cannot be cancelled`);
      o.status = 'CANCELLED';
      o.cancelled_quantity = o.pending_quantity;
      o.pending_quantity = 0;
      return send(200, { status: 'success', data: { order_id: o.order_id } });
    }
    fail(404, 'GeneralException', `no route ${req.method} ${path}`);
  }

  /** Makes the current access token invalid; `token` is the only one accepted from now on. */
  rotateToken(token: string): void {
    this.accessToken = token;
  }

  /** Fills an open order (one trade for what is pending). */
  fillOpen(orderId: string, price: number): void {
    const o = this.orders.find((x) => x.order_id === orderId);
    if (!o || o.status !== 'OPEN') throw new Error(`order ${orderId} is not open`);
    this.execute(o, o.pending_quantity, price);
  }

  private place(form: URLSearchParams, send: (s: number, b: unknown) => void, fail: (s: number, t: string, m: string) => void): void {
    const f = Object.fromEntries(form);
    const quantity = Number(f.quantity);
    if (!f.exchange || !f.tradingsymbol) return fail(400, 'InputException', 'exchange and tradingsymbol are required');
    if (f.transaction_type !== 'BUY' && f.transaction_type !== 'SELL') return fail(400, 'InputException', 'Invalid `transaction_type`.');
    if (!Number.isInteger(quantity) || quantity <= 0) return fail(400, 'InputException', 'Invalid `quantity`.');
    if (!['MIS', 'NRML', 'CNC'].includes(f.product)) return fail(400, 'InputException', 'Invalid `product`.');
    if (!['MARKET', 'LIMIT'].includes(f.order_type)) return fail(400, 'InputException', 'Invalid `order_type`.');
    if (f.order_type === 'LIMIT' && !(Number(f.price) > 0)) return fail(400, 'InputException', 'Invalid `price`.');
    if (f.order_type === 'MARKET' && (f.market_protection === undefined || Number(f.market_protection) === 0)) return fail(400, 'InputException', 'Market orders need `market_protection`.');
    if (f.tag !== undefined && (f.tag.length > 20 || !/^[A-Za-z0-9]+$/.test(f.tag))) return fail(400, 'InputException', '`tag` must be at most 20 alphanumeric characters.');
    this.placements++;
    const template = mock('orders').data[1];
    const o: KiteOrder = {
      ...template, order_id: String(this.nextOrderId++), exchange_order_id: null, status: 'OPEN', exchange: f.exchange, tradingsymbol: f.tradingsymbol,
      order_type: f.order_type, transaction_type: f.transaction_type, product: f.product, validity: f.validity ?? 'DAY', quantity, price: Number(f.price ?? 0),
      average_price: 0, filled_quantity: 0, pending_quantity: quantity, cancelled_quantity: 0, market_protection: Number(f.market_protection ?? 0),
      tag: f.tag ?? null, tags: f.tag ? [f.tag] : [], order_timestamp: kiteTime(), exchange_timestamp: kiteTime(),
    };
    this.orders.push(o);
    if (f.order_type === 'MARKET') this.execute(o, quantity, this.fillPrice(f.tradingsymbol));
    const answer = () => send(200, { status: 'success', data: { order_id: o.order_id } });
    if (this.delayPlacementResponses > 0) {
      this.delayPlacementResponses--;
      setTimeout(answer, this.delayMs);
    } else answer();
  }

  private execute(o: KiteOrder, qty: number, price: number): void {
    const template = mock('order_trades').data[0];
    this.trades.push({
      ...template, trade_id: String(this.nextTradeId++), order_id: o.order_id, exchange: o.exchange, tradingsymbol: o.tradingsymbol, product: o.product,
      average_price: price, quantity: qty, transaction_type: o.transaction_type, fill_timestamp: kiteTime(), exchange_timestamp: kiteTime(),
    });
    o.average_price = (o.average_price * o.filled_quantity + price * qty) / (o.filled_quantity + qty);
    o.filled_quantity += qty;
    o.pending_quantity -= qty;
    if (o.pending_quantity === 0) o.status = 'COMPLETE';
  }

  private netPositions(): Record<string, any>[] {
    const template = mock('positions').data.net[0];
    const by = new Map<string, Record<string, any>>();
    for (const t of this.trades) {
      const key = `${t.exchange}:${t.tradingsymbol}`;
      const p = by.get(key) ?? { ...template, exchange: t.exchange, tradingsymbol: t.tradingsymbol, product: t.product, quantity: 0, buy_quantity: 0, sell_quantity: 0, buy_value: 0, sell_value: 0 };
      const buy = t.transaction_type === 'BUY';
      p.quantity += buy ? t.quantity : -t.quantity;
      if (buy) (p.buy_quantity += t.quantity), (p.buy_value += t.quantity * t.average_price);
      else (p.sell_quantity += t.quantity), (p.sell_value += t.quantity * t.average_price);
      p.average_price = p.quantity > 0 ? p.buy_value / p.buy_quantity : p.quantity < 0 ? p.sell_value / p.sell_quantity : 0;
      by.set(key, p);
    }
    return [...by.values()];
  }
}
