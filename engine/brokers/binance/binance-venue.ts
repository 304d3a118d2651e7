import { createHmac } from 'node:crypto';
import type { InstrumentInfo } from '../../instruments/registry.js';
import { OrderState, type Order, type OrderChanges } from '../../orders/order.js';
import { RateLimiter, WindowLimit } from '../rate-limit.js';
import { VenueError, type VenueApi, type VenueOrder, type VenuePosition, type VenueRef, type VenueTrade } from '../venue-broker.js';

/**
 * Binance spot through its signed REST API, as Binance documents it: every
 * signed request carries `timestamp` and `recvWindow`, and `signature` is the
 * hex HMAC-SHA256 of the query string with the secret; the key goes in
 * `X-MBX-APIKEY`. Orders carry our client order id as `newClientOrderId`.
 * Limits: 50 orders in 10 s and 160,000 a day, request weight 6,000 a minute.
 * A 5xx answer means the outcome is unknown (Binance's words), so it is
 * treated like a timeout: looked up before anything is sent again.
 */
export interface BinanceVenueOptions {
  apiKey: string;
  apiSecret: string;
  restUrl: string;
  recvWindowMs: number;
  timeoutMs: number;
}

const STATES: Record<string, OrderState> = {
  NEW: OrderState.Acknowledged,
  PARTIALLY_FILLED: OrderState.PartiallyFilled,
  FILLED: OrderState.Filled,
  CANCELED: OrderState.Cancelled,
  EXPIRED: OrderState.Cancelled,
  EXPIRED_IN_MATCH: OrderState.Cancelled,
  REJECTED: OrderState.Rejected,
};

interface BinanceOrder {
  symbol: string;
  orderId: number;
  clientOrderId: string;
  side: string;
  type: string;
  origQty: string;
  price: string;
  status: string;
  executedQty: string;
  cummulativeQuoteQty: string;
}

/** Error codes that mean Binance refused the order itself. */
const REFUSALS = new Set([-1013, -1022, -1100, -1102, -1111, -1116, -2010, -2011, -2014, -2015]);
const ORDER_DOES_NOT_EXIST = -2013;

export class BinanceVenue implements VenueApi {
  readonly name = 'binance';
  // Binance's documented limits (a request holds its place until a window after its answer: see WindowLimit)
  private readonly orderLimit = new RateLimiter([new WindowLimit(50, 10_000), new WindowLimit(160_000, 86_400_000)]);
  private readonly weightLimit = new RateLimiter([new WindowLimit(6000, 60_000)]);
  private readonly ids = new Map<string, number>();
  authenticated = false;

  constructor(private readonly o: BinanceVenueOptions, private readonly instruments: readonly InstrumentInfo[]) {
    instruments.forEach((i, k) => this.ids.set(i.symbol, k + 1));
  }

  async checkAuth(): Promise<void> {
    await this.account();
  }

  async submit(o: Readonly<Order>): Promise<string> {
    const params: Record<string, string> = {
      symbol: this.symbol(o.instrumentId), side: o.side === 'buy' ? 'BUY' : 'SELL', type: o.type === 'market' ? 'MARKET' : 'LIMIT',
      quantity: decimal(o.qty), newClientOrderId: o.clientOrderId, newOrderRespType: 'ACK',
    };
    if (o.type === 'limit') {
      params.price = decimal(o.limitPrice!);
      params.timeInForce = 'GTC';
    }
    const r = await this.signed<{ orderId: number }>('POST', '/api/v3/order', params, 1, true);
    return String(r.orderId);
  }

  async cancel(ref: VenueRef): Promise<void> {
    await this.signed('DELETE', '/api/v3/order', { symbol: this.symbol(ref.instrumentId), orderId: ref.venueOrderId }, 1, false);
  }

  /**
   * Binance spot changes a resting order in place only by lowering its
   * quantity (order amend, keeping its queue priority); a new price means a
   * new order, which is the caller's decision, not a hidden cancel-replace.
   */
  async modify(ref: VenueRef, order: Readonly<Order>, c: OrderChanges): Promise<void> {
    if (c.limitPrice !== undefined && c.limitPrice !== order.limitPrice) {
      throw new VenueError('rejected', 'Binance spot cannot change the price of a resting order: cancel it and place a new one');
    }
    if (c.qty === undefined) return;
    if (c.qty >= order.qty) throw new VenueError('rejected', `Binance spot can only lower a resting order's quantity (from ${order.qty}, asked ${c.qty})`);
    await this.signed('PUT', '/api/v3/order/amend/keepPriority', { symbol: this.symbol(ref.instrumentId), orderId: ref.venueOrderId, newQty: decimal(c.qty) }, 4, true);
  }

  async lookup(clientOrderId: string, instrumentId: number): Promise<VenueOrder | null> {
    try {
      return this.toVenueOrder(await this.signed<BinanceOrder>('GET', '/api/v3/order', { symbol: this.symbol(instrumentId), origClientOrderId: clientOrderId }, 4, false));
    } catch (e) {
      if (e instanceof BinanceRefusal && e.code === ORDER_DOES_NOT_EXIST) return null;
      throw e;
    }
  }

  async orders(refs: readonly VenueRef[]): Promise<VenueOrder[]> {
    const out: VenueOrder[] = [];
    for (const r of refs) out.push(this.toVenueOrder(await this.signed<BinanceOrder>('GET', '/api/v3/order', { symbol: this.symbol(r.instrumentId), orderId: r.venueOrderId }, 4, false)));
    return out;
  }

  async trades(refs: readonly VenueRef[]): Promise<VenueTrade[]> {
    const out: VenueTrade[] = [];
    for (const r of refs) {
      const symbol = this.symbol(r.instrumentId);
      const quote = this.instruments[r.instrumentId - 1].quoteAsset;
      const list = await this.signed<{ id: number; orderId: number; price: string; qty: string; commission: string; commissionAsset: string; time: number }[]>(
        'GET', '/api/v3/myTrades', { symbol, orderId: r.venueOrderId }, 5, false,
      );
      for (const t of list) {
        // a commission in another asset (BNB) has no price here: it is left out of the fee, not guessed
        const fee = t.commissionAsset === quote ? Number(t.commission) : 0;
        out.push({ tradeId: `binance:${symbol}:${t.id}`, venueOrderId: String(t.orderId), qty: Number(t.qty), price: Number(t.price), fee, at: t.time });
      }
    }
    return out;
  }

  async allOrders(): Promise<VenueOrder[]> {
    return (await this.signed<BinanceOrder[]>('GET', '/api/v3/openOrders', {}, 80, false)).map((b) => this.toVenueOrder(b));
  }

  async positions(): Promise<VenuePosition[]> {
    const account = await this.account();
    const held = new Map(account.balances.map((b) => [b.asset, Number(b.free) + Number(b.locked)]));
    return this.instruments
      .map((i, k) => ({ instrumentId: k + 1, symbol: i.symbol, qty: held.get(i.symbol.slice(0, i.symbol.length - i.quoteAsset.length)) ?? 0, avgPrice: NaN }))
      .filter((p) => p.qty !== 0);
  }

  async margins(): Promise<Record<string, unknown>> {
    return { ...(await this.account()) };
  }

  private account(): Promise<{ balances: { asset: string; free: string; locked: string }[] }> {
    return this.signed('GET', '/api/v3/account', {}, 20, false);
  }

  private toVenueOrder(b: BinanceOrder): VenueOrder {
    const filled = Number(b.executedQty);
    return {
      clientOrderId: b.clientOrderId, venueOrderId: String(b.orderId), instrumentId: this.ids.get(b.symbol) ?? 0, state: STATES[b.status] ?? OrderState.Sent,
      side: b.side === 'SELL' ? 'sell' : 'buy', type: b.type === 'LIMIT' ? 'limit' : 'market', qty: Number(b.origQty),
      limitPrice: b.type === 'LIMIT' ? Number(b.price) : undefined,
      filledQty: filled, avgPrice: filled > 0 ? Number(b.cummulativeQuoteQty) / filled : NaN, rejectReason: b.status === 'REJECTED' ? 'rejected by Binance' : null,
    };
  }

  private symbol(instrumentId: number): string {
    const i = this.instruments[instrumentId - 1];
    if (!i) throw new VenueError('rejected', `unknown instrument ${instrumentId}`);
    return i.symbol;
  }

  /** One signed request within the weight (and, for orders, the order-count) limits. */
  private async signed<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, params: Record<string, string>, weight: number, isOrder: boolean): Promise<T> {
    const weighed = await this.weightLimit.take([weight]);
    const counted = isOrder ? await this.orderLimit.take() : null;
    const answered = () => {
      weighed();
      counted?.();
    };
    const query = new URLSearchParams({ ...params, recvWindow: String(this.o.recvWindowMs), timestamp: String(Date.now()) }).toString();
    const signature = createHmac('sha256', this.o.apiSecret).update(query).digest('hex');
    let res: Response;
    try {
      res = await fetch(`${this.o.restUrl}${path}?${query}&signature=${signature}`, {
        method, headers: { 'X-MBX-APIKEY': this.o.apiKey }, signal: AbortSignal.timeout(this.o.timeoutMs),
      });
    } catch (e) {
      answered();
      const err = e as Error;
      throw new VenueError(err.name === 'TimeoutError' || err.name === 'AbortError' ? 'timeout' : 'network', `${method} ${path}: ${err.message}`);
    }
    answered();
    const text = await res.text();
    if (res.ok) {
      this.authenticated = true;
      return JSON.parse(text) as T;
    }
    if (res.status >= 500) throw new VenueError('timeout', `${method} ${path}: HTTP ${res.status}, outcome unknown`);
    if (res.status === 429 || res.status === 418) throw new VenueError('rate', `${method} ${path}: HTTP ${res.status} (rate limit): ${text}`);
    let body: { code?: number; msg?: string } = {};
    try {
      body = JSON.parse(text);
    } catch {
      /* not JSON: reported as it is */
    }
    if (body.code === -2015 || body.code === -1022 || body.code === -2014) {
      this.authenticated = false;
      throw new BinanceRefusal(body.code, `${method} ${path}: ${body.code} ${body.msg ?? ''} (check the API key and secret)`.trim());
    }
    if (typeof body.code === 'number') throw new BinanceRefusal(body.code, `${method} ${path}: ${body.code} ${body.msg ?? ''}`.trim());
    throw new VenueError('other', `${method} ${path}: HTTP ${res.status}: ${text.slice(0, 200)}`);
  }
}

/** Binance answered with an error code. */
class BinanceRefusal extends VenueError {
  constructor(readonly code: number, message: string) {
    super(REFUSALS.has(code) ? 'rejected' : 'other', message);
  }
}

/** A quantity or price as Binance takes it: plain decimal, no exponent, at most 8 places. */
export function decimal(x: number): string {
  return x.toFixed(8).replace(/\.?0+$/, '');
}
