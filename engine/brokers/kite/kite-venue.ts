import { KiteConnect } from 'kiteconnect';
import type { Connect } from 'kiteconnect/types/connect.js';
import type { InstrumentInfo } from '../../instruments/registry.js';
import { OrderState, type Order, type OrderChanges } from '../../orders/order.js';
import { RateLimiter, WindowLimit } from '../rate-limit.js';
import { VenueError, type VenueApi, type VenueOrder, type VenuePosition, type VenueRef, type VenueTrade } from '../venue-broker.js';

/**
 * Zerodha through the real kiteconnect SDK (its `root` can point anywhere).
 *
 * - Orders carry our client order id as Kite's `tag` (at most 20 characters),
 *   which is how an unanswered placement is found again.
 * - Market orders go with `market_protection=-1` (Kite refuses market orders
 *   without protection).
 * - Requests keep to Kite's limits: 10 order requests a second and 200 a
 *   minute, 10 a second for everything else.
 * - A TokenException (expired or replaced access token) is answered by
 *   recovering the token (the daily login stored it in Redis), validating it
 *   with a profile call, and only then trying the request again, once.
 */
export interface KiteVenueOptions {
  apiKey: string;
  restUrl: string;
  /** Kite product: MIS (intraday), NRML (carry-forward F&O), CNC (delivery). */
  product: 'MIS' | 'NRML' | 'CNC';
  timeoutMs: number;
}

/** Where the access token comes from: the current one, and a fresh one after Kite refused it. */
export interface KiteTokenSource {
  current(): string | null;
  /** A token Kite accepts (validated with a profile call), or a VenueError('token') saying why there is none. */
  recover(reason: string): Promise<string>;
}

const KITE_STATES: Record<string, OrderState> = {
  COMPLETE: OrderState.Filled,
  CANCELLED: OrderState.Cancelled,
  REJECTED: OrderState.Rejected,
  OPEN: OrderState.Acknowledged,
  'TRIGGER PENDING': OrderState.Acknowledged,
};

interface KiteOrder {
  order_id: string;
  tag: string | null;
  transaction_type: string;
  order_type: string;
  quantity: number;
  price: number;
  tradingsymbol: string;
  exchange: string;
  status: string;
  status_message: string | null;
  filled_quantity: number;
  average_price: number;
}

export class KiteVenue implements VenueApi {
  readonly name = 'kite';
  private readonly kc: Connect;
  // Kite's documented limits (a request holds its place until a window after its answer: see WindowLimit)
  private readonly orderLimit = new RateLimiter([new WindowLimit(10, 1000), new WindowLimit(200, 60_000)]);
  private readonly otherLimit = new RateLimiter([new WindowLimit(10, 1000)]);
  /** Symbol -> instrument id (Kite names instruments by exchange and trading symbol). */
  private readonly ids = new Map<string, number>();
  private recovering: Promise<string> | null = null;
  authenticated = false;

  constructor(
    private readonly o: KiteVenueOptions,
    private readonly instruments: readonly InstrumentInfo[],
    private readonly tokens: KiteTokenSource,
  ) {
    this.kc = new KiteConnect({ api_key: o.apiKey, root: o.restUrl, timeout: o.timeoutMs } as never);
    const t = tokens.current();
    if (t) this.kc.setAccessToken(t);
    instruments.forEach((i, k) => this.ids.set(`${i.exchange}:${i.symbol}`, k + 1));
  }

  /** Uses a new access token from now on (the daily login). */
  setAccessToken(token: string): void {
    this.kc.setAccessToken(token);
    this.authenticated = true;
  }

  async checkAuth(): Promise<void> {
    if (!this.tokens.current()) this.kc.setAccessToken(await this.tokens.recover('no access token at start'));
    await this.call('other', () => this.kc.getProfile());
  }

  async submit(o: Readonly<Order>): Promise<string> {
    const i = this.instrument(o.instrumentId);
    if (o.clientOrderId.length > 20) throw new VenueError('rejected', `client order id '${o.clientOrderId}' is longer than Kite's 20-character tag`);
    const params: Record<string, unknown> = {
      exchange: i.exchange, tradingsymbol: i.symbol, transaction_type: o.side === 'buy' ? 'BUY' : 'SELL', quantity: o.qty,
      product: this.o.product, order_type: o.type === 'market' ? 'MARKET' : 'LIMIT', validity: 'DAY', tag: o.clientOrderId,
    };
    if (o.type === 'market') params.market_protection = -1;
    else params.price = o.limitPrice;
    const r = await this.call('order', () => this.kc.placeOrder('regular' as never, params as never));
    return String((r as { order_id: string }).order_id);
  }

  async cancel(ref: VenueRef): Promise<void> {
    await this.call('order', () => this.kc.cancelOrder('regular' as never, ref.venueOrderId));
  }

  async modify(ref: VenueRef, order: Readonly<Order>, c: OrderChanges): Promise<void> {
    const params: Record<string, unknown> = { order_type: order.type === 'market' ? 'MARKET' : 'LIMIT' };
    if (c.qty !== undefined) params.quantity = c.qty;
    if (c.limitPrice !== undefined) params.price = c.limitPrice;
    await this.call('order', () => this.kc.modifyOrder('regular' as never, ref.venueOrderId, params as never));
  }

  async lookup(clientOrderId: string): Promise<VenueOrder | null> {
    const all = await this.todaysOrders();
    const mine = all.filter((k) => k.tag === clientOrderId);
    return mine.length ? this.toVenueOrder(mine[mine.length - 1]) : null;
  }

  async orders(refs: readonly VenueRef[]): Promise<VenueOrder[]> {
    const wanted = new Set(refs.map((r) => r.venueOrderId));
    return (await this.todaysOrders()).filter((k) => wanted.has(String(k.order_id))).map((k) => this.toVenueOrder(k));
  }

  async trades(refs: readonly VenueRef[]): Promise<VenueTrade[]> {
    const wanted = new Set(refs.map((r) => r.venueOrderId));
    const all = (await this.call('other', () => this.kc.getTrades())) as unknown as { trade_id: string; order_id: string; quantity: number; average_price: number; fill_timestamp: Date | string }[];
    return all
      .filter((t) => wanted.has(String(t.order_id)))
      .map((t) => ({ tradeId: `kite:${t.trade_id}`, venueOrderId: String(t.order_id), qty: Number(t.quantity), price: Number(t.average_price), fee: 0, at: new Date(t.fill_timestamp).getTime() }));
  }

  async allOrders(): Promise<VenueOrder[]> {
    return (await this.todaysOrders()).filter((k) => k.tag).map((k) => this.toVenueOrder(k));
  }

  async positions(): Promise<VenuePosition[]> {
    const r = (await this.call('other', () => this.kc.getPositions())) as unknown as { net: { exchange: string; tradingsymbol: string; quantity: number; average_price: number }[] };
    return r.net.map((p) => ({ instrumentId: this.ids.get(`${p.exchange}:${p.tradingsymbol}`) ?? 0, symbol: p.tradingsymbol, qty: Number(p.quantity), avgPrice: Number(p.average_price) }));
  }

  async margins(): Promise<Record<string, unknown>> {
    return (await this.call('other', () => this.kc.getMargins())) as Record<string, unknown>;
  }

  private async todaysOrders(): Promise<KiteOrder[]> {
    return (await this.call('other', () => this.kc.getOrders())) as unknown as KiteOrder[];
  }

  private toVenueOrder(k: KiteOrder): VenueOrder {
    const state = KITE_STATES[k.status] ?? OrderState.Sent;
    return {
      clientOrderId: k.tag ?? '', venueOrderId: String(k.order_id), instrumentId: this.ids.get(`${k.exchange}:${k.tradingsymbol}`) ?? 0,
      side: k.transaction_type === 'SELL' ? 'sell' : 'buy', type: k.order_type === 'LIMIT' ? 'limit' : 'market', qty: Number(k.quantity),
      limitPrice: k.order_type === 'LIMIT' ? Number(k.price) : undefined,
      state: state === OrderState.Acknowledged && k.filled_quantity > 0 ? OrderState.PartiallyFilled : state,
      filledQty: Number(k.filled_quantity), avgPrice: Number(k.average_price), rejectReason: k.status === 'REJECTED' ? (k.status_message ?? 'rejected') : null,
    };
  }

  private instrument(id: number): InstrumentInfo {
    const i = this.instruments[id - 1];
    if (!i) throw new VenueError('rejected', `unknown instrument ${id}`);
    return i;
  }

  /** One SDK call within the rate limits; a token error recovers the token and tries once more. */
  private async call<T>(kind: 'order' | 'other', fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const answered = await (kind === 'order' ? this.orderLimit : this.otherLimit).take();
      try {
        const r = await fn();
        answered();
        this.authenticated = true;
        return r;
      } catch (e) {
        answered();
        const err = classify(e);
        if (err.kind !== 'token') throw err;
        this.authenticated = false;
        if (attempt > 0) throw err;
        // one recovery at a time; concurrent callers wait for it
        this.recovering ??= this.tokens.recover(err.message).finally(() => (this.recovering = null));
        this.kc.setAccessToken(await this.recovering);
      }
    }
  }
}

/** Kite's error types to what the broker may do next. */
function classify(e: unknown): VenueError {
  const k = e as { error_type?: string; message?: string };
  const message = k?.message ?? String(e);
  switch (k?.error_type) {
    case 'TokenException':
      return new VenueError('token', message);
    case 'NetworkException':
      return new VenueError(/No response/.test(message) ? 'timeout' : 'network', message);
    case 'InputException':
    case 'OrderException':
    case 'MarginException':
    case 'PermissionException':
      return new VenueError('rejected', `${k.error_type}: ${message}`);
    default:
      return new VenueError(/429|Too many/i.test(message) ? 'rate' : 'other', message);
  }
}
