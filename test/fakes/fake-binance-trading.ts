/**
 * A local Binance spot trading API (the signed REST endpoints): it checks
 * what Binance checks — the `X-MBX-APIKEY` header, the HMAC-SHA256 signature
 * of the query string and body (hex, as Binance documents), the timestamp
 * against `recvWindow`, the order parameters, a `newClientOrderId` already
 * used by an open order (-2010 "Duplicate order sent.") — and keeps orders and
 * trades: MARKET orders fill at once at `fillPrice`, LIMIT orders rest until
 * `fillOpen` or a cancel. `delayOrderResponses` answers placements late.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { localHttp, type LocalHttp } from './local-http.js';

interface BinanceOrder {
  symbol: string;
  orderId: number;
  orderListId: number;
  clientOrderId: string;
  price: string;
  origQty: string;
  executedQty: string;
  cummulativeQuoteQty: string;
  status: 'NEW' | 'PARTIALLY_FILLED' | 'FILLED' | 'CANCELED' | 'REJECTED' | 'EXPIRED';
  timeInForce: string;
  type: string;
  side: 'BUY' | 'SELL';
  time: number;
  updateTime: number;
  isWorking: boolean;
}

export class FakeBinanceTrading {
  readonly requests: { method: string; path: string; params: URLSearchParams; at: number }[] = [];
  readonly orders: BinanceOrder[] = [];
  readonly trades: Record<string, unknown>[] = [];
  /** Placement requests that reached the exchange. */
  placements = 0;
  delayOrderResponses = 0;
  delayMs = 0;
  fillPrice: (symbol: string) => number = () => 100;
  private nextOrderId = 1000;
  private nextTradeId = 5000;

  private constructor(private readonly http: LocalHttp, readonly apiKey: string, readonly secret: string) {}

  static async start(apiKey: string, secret: string): Promise<FakeBinanceTrading> {
    let fake: FakeBinanceTrading | null = null;
    const http = await localHttp((req, res, body) => fake!.handle(req, res, body));
    fake = new FakeBinanceTrading(http, apiKey, secret);
    return fake;
  }

  get url(): string {
    return this.http.url;
  }

  close(): Promise<void> {
    return this.http.close();
  }


  fillOpen(orderId: number, price: number): void {
    const o = this.orders.find((x) => x.orderId === orderId);
    if (!o || (o.status !== 'NEW' && o.status !== 'PARTIALLY_FILLED')) throw new Error(`order ${orderId} is not open`);
    this.execute(o, Number(o.origQty) - Number(o.executedQty), price);
  }

  private handle(req: IncomingMessage, res: ServerResponse, body: string): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const query = url.search.slice(1);
    const totalParams = query && body ? `${query}&${body}` : query || body;
    const params = new URLSearchParams(totalParams);
    this.requests.push({ method: req.method ?? '', path: url.pathname, params, at: Date.now() });
    const send = (status: number, b: unknown): void => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(b));
    const fail = (status: number, code: number, msg: string): void => send(status, { code, msg });
    if (url.pathname === '/api/v3/time') return send(200, { serverTime: Date.now() });
    if (req.headers['x-mbx-apikey'] !== this.apiKey) return fail(401, -2015, 'Invalid API-key, IP, or permissions for action.');
    // the signature covers everything before '&signature=' (query string, then body)
    const signature = params.get('signature') ?? '';
    const signed = totalParams.replace(/&?signature=[^&]*/, '');
    const expected = createHmac('sha256', this.secret).update(signed).digest('hex');
    if (signature.length !== expected.length || !timingSafeEqual(Buffer.from(signature), Buffer.from(expected))) {
      return fail(400, -1022, 'Signature for this request is not valid.');
    }
    const ts = Number(params.get('timestamp'));
    const recvWindow = Number(params.get('recvWindow') ?? 5000);
    if (!(ts > 0) || ts > Date.now() + 1000 || Date.now() - ts > recvWindow) return fail(400, -1021, "Timestamp for this request is outside of the recvWindow.");
    const symbol = params.get('symbol') ?? '';
    const find = () => {
      const id = params.get('orderId');
      const cid = params.get('origClientOrderId');
      return this.orders.find((o) => o.symbol === symbol && (id ? o.orderId === Number(id) : o.clientOrderId === cid));
    };
    if (req.method === 'POST' && url.pathname === '/api/v3/order') return this.place(params, send, fail);
    if (req.method === 'GET' && url.pathname === '/api/v3/order') {
      const o = find();
      return o ? send(200, o) : fail(400, -2013, 'Order does not exist.');
    }
    if (req.method === 'DELETE' && url.pathname === '/api/v3/order') {
      const o = find();
      if (!o) return fail(400, -2011, 'Unknown order sent.');
      if (o.status !== 'NEW' && o.status !== 'PARTIALLY_FILLED') return fail(400, -2011, 'Unknown order sent.');
      o.status = 'CANCELED';
      o.isWorking = false;
      o.updateTime = Date.now();
      return send(200, { ...o, origClientOrderId: o.clientOrderId });
    }
    if (req.method === 'PUT' && url.pathname === '/api/v3/order/amend/keepPriority') {
      const o = find();
      if (!o || (o.status !== 'NEW' && o.status !== 'PARTIALLY_FILLED')) return fail(400, -2013, 'Order does not exist.');
      const newQty = Number(params.get('newQty'));
      if (!(newQty > Number(o.executedQty)) || !(newQty < Number(o.origQty))) return fail(400, -2038, 'The requested action would change no state; rejecting.');
      o.origQty = String(newQty);
      o.updateTime = Date.now();
      return send(200, { transactTime: o.updateTime, executionId: 1, amendedOrder: { ...o, origClientOrderId: o.clientOrderId } });
    }
    if (req.method === 'GET' && url.pathname === '/api/v3/myTrades') {
      const orderId = params.get('orderId');
      return send(200, this.trades.filter((t) => t.symbol === symbol && (!orderId || t.orderId === Number(orderId))));
    }
    if (req.method === 'GET' && url.pathname === '/api/v3/account') {
      return send(200, { makerCommission: 10, takerCommission: 10, canTrade: true, accountType: 'SPOT', balances: [{ asset: 'USDT', free: '100000.00000000', locked: '0.00000000' }] });
    }
    fail(404, -1000, `no route ${req.method} ${url.pathname}`);
  }

  private place(p: URLSearchParams, send: (s: number, b: unknown) => void, fail: (s: number, c: number, m: string) => void): void {
    const side = p.get('side');
    const type = p.get('type');
    const qty = Number(p.get('quantity'));
    const clientOrderId = p.get('newClientOrderId') ?? `auto${this.nextOrderId}`;
    if (!p.get('symbol')) return fail(400, -1102, "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.");
    if (side !== 'BUY' && side !== 'SELL') return fail(400, -1102, "Mandatory parameter 'side' was not sent, was empty/null, or malformed.");
    if (type !== 'MARKET' && type !== 'LIMIT') return fail(400, -1116, 'Invalid orderType.');
    if (!(qty > 0)) return fail(400, -1013, 'Filter failure: LOT_SIZE');
    if (type === 'LIMIT' && (!(Number(p.get('price')) > 0) || !p.get('timeInForce'))) return fail(400, -1102, "Mandatory parameter 'price' or 'timeInForce' was not sent.");
    if (!/^[.A-Z:/a-z0-9_-]{1,36}$/.test(clientOrderId)) return fail(400, -1100, "Illegal characters found in parameter 'newClientOrderId'.");
    if (this.orders.some((o) => o.clientOrderId === clientOrderId && (o.status === 'NEW' || o.status === 'PARTIALLY_FILLED'))) return fail(400, -2010, 'Duplicate order sent.');
    this.placements++;
    const now = Date.now();
    const o: BinanceOrder = {
      symbol: p.get('symbol')!, orderId: this.nextOrderId++, orderListId: -1, clientOrderId, price: type === 'LIMIT' ? p.get('price')! : '0.00000000',
      origQty: String(qty), executedQty: '0.00000000', cummulativeQuoteQty: '0.00000000', status: 'NEW', timeInForce: p.get('timeInForce') ?? 'GTC',
      type, side, time: now, updateTime: now, isWorking: true,
    };
    this.orders.push(o);
    if (type === 'MARKET') this.execute(o, qty, this.fillPrice(o.symbol));
    const answer = () => send(200, { symbol: o.symbol, orderId: o.orderId, orderListId: -1, clientOrderId, transactTime: now });
    if (this.delayOrderResponses > 0) {
      this.delayOrderResponses--;
      setTimeout(answer, this.delayMs);
    } else answer();
  }

  private execute(o: BinanceOrder, qty: number, price: number): void {
    this.trades.push({
      symbol: o.symbol, id: this.nextTradeId++, orderId: o.orderId, orderListId: -1, price: String(price), qty: String(qty), quoteQty: String(price * qty),
      commission: String(price * qty * 0.001), commissionAsset: 'USDT', time: Date.now(), isBuyer: o.side === 'BUY', isMaker: o.type === 'LIMIT', isBestMatch: true,
    });
    const executed = Number(o.executedQty) + qty;
    o.cummulativeQuoteQty = String(Number(o.cummulativeQuoteQty) + price * qty);
    o.executedQty = String(executed);
    o.status = executed >= Number(o.origQty) ? 'FILLED' : 'PARTIALLY_FILLED';
    o.isWorking = o.status !== 'FILLED';
    o.updateTime = Date.now();
  }
}
