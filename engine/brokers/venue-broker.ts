import { TickKind, type Tick } from '../../native-free-ringbuffer/index.js';
import { PortfolioTracker } from '../analytics/position-sizer.js';
import { applyFill, applyModify, checkModify, isFinal, OrderError, OrderState, transition, type Order, type OrderChanges, type OrderRequest } from '../orders/order.js';
import { admit, type Broker, type BrokerEvent } from './broker.js';
import { OrderBook } from '../orders/order-book.js';
import { ShardedMap } from '../orders/sharded-map.js';

/** An order as the venue reports it. */
export interface VenueOrder {
  clientOrderId: string;
  venueOrderId: string;
  instrumentId: number;
  side: 'buy' | 'sell';
  type: 'market' | 'limit';
  qty: number;
  limitPrice: number | undefined;
  state: OrderState;
  filledQty: number;
  avgPrice: number;
  rejectReason: string | null;
}

/** One execution at the venue (a Kite trade, a Binance fill). */
export interface VenueTrade {
  tradeId: string;
  venueOrderId: string;
  qty: number;
  price: number;
  fee: number;
  /** ms since the epoch */
  at: number;
}

export interface VenuePosition {
  instrumentId: number;
  symbol: string;
  qty: number;
  avgPrice: number;
}

/** What an order of ours is known as at the venue. */
export interface VenueRef {
  clientOrderId: string;
  venueOrderId: string;
  instrumentId: number;
}

export interface Reconciliation {
  /** The venue's open positions, now the portfolio's. */
  positions: VenuePosition[];
  /** Our orders of the day at the venue, each with its executions; `adopted` when still open and now tracked. */
  orders: { order: Readonly<Order>; fills: import('../orders/order.js').Fill[]; adopted: boolean }[];
}

export type VenueErrorKind = 'timeout' | 'network' | 'token' | 'rejected' | 'rate' | 'other';

/** A venue call that failed, classified by what the caller may do next. */
export class VenueError extends Error {
  constructor(readonly kind: VenueErrorKind, message: string) {
    super(message);
    this.name = 'VenueError';
  }
}

/**
 * A venue's REST API as the broker needs it. Implementations do their own
 * authentication (and token recovery), signing and rate limiting, and map
 * failures to VenueError: `timeout`/`network` mean the request may or may not
 * have reached the venue.
 */
export interface VenueApi {
  readonly name: string;
  /** Whether the venue accepted our credentials last time it was asked (false until it has been). */
  readonly authenticated: boolean;
  /** Asks the venue whether our credentials are good (a profile or account call); throws a VenueError('token') when not. */
  checkAuth(): Promise<void>;
  /** Places the order under its client order id; resolves with the venue's order id. */
  submit(o: Readonly<Order>): Promise<string>;
  cancel(ref: VenueRef): Promise<void>;
  /** Changes a resting order; a change the venue cannot make throws VenueError('rejected') saying so. */
  modify(ref: VenueRef, order: Readonly<Order>, changes: OrderChanges): Promise<void>;
  /** The venue's order with this client order id, or null when the venue has none. */
  lookup(clientOrderId: string, instrumentId: number): Promise<VenueOrder | null>;
  /** The venue's current view of these orders. */
  orders(refs: readonly VenueRef[]): Promise<VenueOrder[]>;
  /** Executions of these orders. */
  trades(refs: readonly VenueRef[]): Promise<VenueTrade[]>;
  /** Every order of the day the venue has with one of our client order ids (reconciliation). */
  allOrders(): Promise<VenueOrder[]>;
  positions(): Promise<VenuePosition[]>;
  margins(): Promise<Record<string, unknown>>;
}

export interface VenueBrokerOptions {
  startingCash: number;
  /** How often open orders are polled for state and executions. */
  pollMs: number;
  /** Lookups by client order id after an unanswered placement, before it is sent again. */
  lookupAttempts: number;
  lookupDelayMs: number;
  /** Placements of one order at most (the first and resends after a lookup found nothing). */
  maxSends: number;
}

export const DEFAULT_VENUE: VenueBrokerOptions = { startingCash: 100_000, pollMs: 500, lookupAttempts: 3, lookupDelayMs: 300, maxSends: 3 };

/**
 * A broker client for a real venue. `place` records the order, marks it SENT
 * and returns at once; the placement goes out behind it. An unanswered
 * placement (timeout, connection lost) is resolved by looking the order up by
 * its client order id first, and only sent again when the venue has none, so
 * a retry never places a second order. Open orders are polled: executions
 * become fills (each trade id once), and the venue's terminal states apply.
 */
export class VenueBroker implements Broker {
  readonly portfolio: PortfolioTracker;
  private readonly book: OrderBook;
  /** Client order id -> the venue's order id, and back (trades name the venue's). */
  private readonly venueIds = new ShardedMap<string>();
  private readonly clientIds = new ShardedMap<string>();
  /** The trade ids applied to each remembered order (each trade once): forgotten with the order. */
  private readonly tradesOf = new ShardedMap<Set<string>>();
  private readonly cancelWanted = new Set<string>();
  private polling = false;
  /** The latest problems talking to the venue (at most 100), for health and logs. */
  readonly problems: { at: number; message: string }[] = [];
  /** Every problem so far. */
  problemCount = 0;

  constructor(
    private readonly api: VenueApi,
    instruments: number,
    private readonly o: VenueBrokerOptions,
    private readonly onEvent: (e: BrokerEvent) => void,
    private readonly now: () => number = Date.now,
  ) {
    this.portfolio = new PortfolioTracker(o.startingCash, instruments);
    this.book = new OrderBook(instruments);
  }

  get name(): string {
    return this.api.name;
  }

  place(r: OrderRequest, nowMs: number): Readonly<Order> {
    const existing = this.book.get(r.clientOrderId);
    if (existing) return existing;
    const { order, refusal } = admit(r, nowMs, this.book);
    if (refusal !== null) {
      this.book.add(order, false);
      this.reject(order, refusal);
      return order;
    }
    transition(order, OrderState.Sent, nowMs);
    this.book.add(order, true);
    void this.send(order);
    return order;
  }

  /** The venue's order id of one of ours (once the venue has acknowledged it). */
  venueOrderId(clientOrderId: string): string | null {
    return this.venueIds.get(clientOrderId) ?? null;
  }

  private async send(order: Order): Promise<void> {
    for (let sends = 1; ; sends++) {
      try {
        const venueId = await this.api.submit(order);
        this.acknowledged(order, venueId);
        return;
      } catch (e) {
        const err = e instanceof VenueError ? e : new VenueError('other', (e as Error).message);
        if (err.kind !== 'timeout' && err.kind !== 'network') {
          this.reject(order, err.message);
          return;
        }
        this.problem(`placement of ${order.clientOrderId} unanswered (${err.message}): looking it up before any resend`);
        const found = await this.lookupAfterTimeout(order);
        if (found === 'unknown') {
          // the venue cannot be asked: the order stays SENT and the poll resolves it when the venue answers again
          return;
        }
        if (found) {
          this.acknowledged(order, found.venueOrderId);
          this.apply(found);
          return;
        }
        if (sends >= this.o.maxSends) {
          this.reject(order, `not placed after ${sends} attempts: ${err.message}`);
          return;
        }
      }
    }
  }

  /** The order at the venue, null when the venue says it has none, 'unknown' when the venue cannot be asked. */
  private async lookupAfterTimeout(order: Order): Promise<VenueOrder | null | 'unknown'> {
    for (let attempt = 1; attempt <= this.o.lookupAttempts; attempt++) {
      await new Promise((r) => setTimeout(r, this.o.lookupDelayMs * attempt));
      try {
        return await this.api.lookup(order.clientOrderId, order.instrumentId);
      } catch (e) {
        this.problem(`lookup of ${order.clientOrderId} failed: ${(e as Error).message}`);
      }
    }
    return 'unknown';
  }

  private acknowledged(order: Order, venueId: string): void {
    this.remember(order.clientOrderId, venueId);
    if (order.state === OrderState.Sent) {
      transition(order, OrderState.Acknowledged, this.now());
      this.onEvent({ type: 'ack', order });
    }
    if (this.cancelWanted.delete(order.clientOrderId)) void this.requestCancel(order);
  }

  cancel(clientOrderId: string, nowMs: number): Readonly<Order> {
    const order = this.book.get(clientOrderId);
    if (!order) throw new OrderError(`no order '${clientOrderId}'`);
    if (isFinal(order.state)) return order;
    if (!this.venueIds.has(clientOrderId)) this.cancelWanted.add(clientOrderId); // sent once the venue has it
    else void this.requestCancel(order);
    void nowMs;
    return order;
  }

  private async requestCancel(order: Order): Promise<void> {
    try {
      await this.api.cancel(this.ref(order));
      await this.poll();
    } catch (e) {
      this.problem(`cancel of ${order.clientOrderId} failed: ${(e as Error).message}`);
    }
  }

  modify(clientOrderId: string, changes: OrderChanges, nowMs: number): Readonly<Order> {
    const order = this.book.get(clientOrderId);
    if (!order) throw new OrderError(`no order '${clientOrderId}'`);
    checkModify(order, changes);
    if (!this.venueIds.has(clientOrderId)) throw new OrderError(`order ${clientOrderId} is not acknowledged by the venue yet: modify it once it is`);
    void nowMs;
    void this.requestModify(order, changes);
    return order;
  }

  private async requestModify(order: Order, changes: OrderChanges): Promise<void> {
    try {
      await this.api.modify(this.ref(order), order, changes);
      if (isFinal(order.state)) return; // filled or cancelled meanwhile
      applyModify(order, changes, this.now());
      if (isFinal(order.state)) this.book.close(order);
      this.onEvent({ type: 'modify', order });
    } catch (e) {
      this.problem(`modify of ${order.clientOrderId} failed: ${(e as Error).message}`);
    }
  }

  cancelAll(nowMs: number): number {
    const working = this.book.allWorking();
    for (const o of working) this.cancel(o.clientOrderId, nowMs);
    return working.length;
  }

  onTick(t: Tick): void {
    if (t.kind === TickKind.Trade) this.portfolio.markPrice(t.instrumentId, t.price);
  }

  workingQty(instrumentId: number): number {
    return this.book.workingQty(instrumentId);
  }

  openOrders(): number {
    return this.book.workingCount();
  }

  forgetFinal(beforeMs: number): number {
    return this.book.forgetFinal(beforeMs, (id) => {
      const venueId = this.venueIds.get(id);
      this.venueIds.delete(id);
      this.tradesOf.delete(id);
      if (venueId !== undefined) this.clientIds.delete(venueId);
    });
  }

  order(clientOrderId: string): Readonly<Order> | undefined {
    return this.book.get(clientOrderId);
  }

  orders(): Readonly<Order>[] {
    return this.book.all();
  }

  /** Asks the venue about every open order it has acknowledged: executions first, then terminal states. */
  async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const refs: VenueRef[] = [];
      for (const o of this.book.allWorking()) {
        if (this.venueIds.has(o.clientOrderId)) {
          refs.push(this.ref(o));
          continue;
        }
        // still SENT after an unanswered placement: find it by client order id
        const found = await this.api.lookup(o.clientOrderId, o.instrumentId).catch(() => undefined);
        if (found) {
          this.acknowledged(o, found.venueOrderId);
          refs.push(this.ref(o));
        }
      }
      if (refs.length === 0) return;
      for (const t of await this.api.trades(refs)) this.applyTrade(t);
      for (const v of await this.api.orders(refs)) this.apply(v);
    } catch (e) {
      this.problem(`poll failed: ${(e as Error).message}`);
    } finally {
      this.polling = false;
    }
  }

  /**
   * Start-up reconciliation: the venue's positions become the portfolio's
   * (they are the truth about exposure); every order of the day with a client
   * order id is reported with its executions (so none is missing from
   * storage), and those still open are adopted, so their later executions
   * are tracked. Executions reported here do not move the portfolio again.
   * `ours` tells this engine's client order ids from the account's others.
   */
  async reconcile(ours: (clientOrderId: string) => boolean): Promise<Reconciliation> {
    const positions = await this.api.positions();
    for (const p of positions) {
      if (p.instrumentId < 1 || p.qty === 0) continue;
      const price = Number.isFinite(p.avgPrice) && p.avgPrice > 0 ? p.avgPrice : 0;
      // a position bought at its average price: cash pays for it, so equity is unchanged
      this.portfolio.fill(p.instrumentId, p.qty, price, 0);
    }
    const orders: Reconciliation['orders'] = [];
    const venueOrders = (await this.api.allOrders()).filter((v) => v.clientOrderId && ours(v.clientOrderId) && v.instrumentId > 0);
    const refs = venueOrders.map((v) => ({ clientOrderId: v.clientOrderId, venueOrderId: v.venueOrderId, instrumentId: v.instrumentId }));
    const trades = refs.length ? await this.api.trades(refs) : [];
    for (const v of venueOrders) {
      if (this.book.get(v.clientOrderId)) continue;
      const now = this.now();
      const order: Order = {
        clientOrderId: v.clientOrderId, instrumentId: v.instrumentId, side: v.side, type: v.type, qty: v.qty, limitPrice: v.limitPrice,
        state: OrderState.Acknowledged, filledQty: 0, avgPrice: NaN, fees: 0, fillCount: 0, rejectReason: null, createdAt: now, updatedAt: now,
      };
      const fills = [];
      for (const t of trades.filter((x) => x.venueOrderId === v.venueOrderId)) {
        if (!this.tradeSeen(order.clientOrderId, t.tradeId)) continue;
        const fill = { tradeId: t.tradeId, clientOrderId: v.clientOrderId, qty: Math.min(t.qty, order.qty - order.filledQty), price: t.price, fee: t.fee, at: t.at };
        if (fill.qty > 0) {
          applyFill(order, fill);
          fills.push(fill);
        }
      }
      if (!isFinal(order.state) && (v.state === OrderState.Cancelled || v.state === OrderState.Rejected)) {
        order.rejectReason = v.rejectReason;
        transition(order, v.state, now);
      }
      this.book.add(order, !isFinal(order.state));
      this.remember(v.clientOrderId, v.venueOrderId);
      orders.push({ order, fills, adopted: !isFinal(order.state) });
    }
    return { positions: positions.filter((p) => p.qty !== 0), orders };
  }

  private remember(clientOrderId: string, venueId: string): void {
    this.venueIds.set(clientOrderId, venueId);
    this.clientIds.set(venueId, clientOrderId);
  }

  /** Notes a trade of an order; false when it was noted before. */
  private tradeSeen(clientOrderId: string, tradeId: string): boolean {
    let seen = this.tradesOf.get(clientOrderId);
    if (!seen) this.tradesOf.set(clientOrderId, (seen = new Set()));
    if (seen.has(tradeId)) return false;
    seen.add(tradeId);
    return true;
  }

  private ref(o: Order): VenueRef {
    return { clientOrderId: o.clientOrderId, venueOrderId: this.venueIds.get(o.clientOrderId)!, instrumentId: o.instrumentId };
  }

  private applyTrade(t: VenueTrade): void {
    const client = this.clientIds.get(t.venueOrderId);
    const order = client === undefined ? undefined : this.book.get(client);
    if (!order || isFinal(order.state) || !this.tradeSeen(order.clientOrderId, t.tradeId)) return;
    const fill = { tradeId: t.tradeId, clientOrderId: order.clientOrderId, qty: Math.min(t.qty, order.qty - order.filledQty), price: t.price, fee: t.fee, at: t.at };
    if (!(fill.qty > 0)) return;
    applyFill(order, fill);
    this.portfolio.fill(order.instrumentId, order.side === 'buy' ? fill.qty : -fill.qty, fill.price, fill.fee);
    this.onEvent({ type: 'fill', order, fill });
    if (isFinal(order.state)) this.book.close(order);
  }

  /** The venue's view of an order: cancellations and rejections (fills come from trades). */
  private apply(v: VenueOrder): void {
    const order = this.book.get(v.clientOrderId);
    if (!order || isFinal(order.state)) return;
    if (v.state === OrderState.Cancelled || v.state === OrderState.Rejected) {
      if (v.state === OrderState.Rejected) return this.reject(order, v.rejectReason ?? 'rejected by the venue');
      transition(order, OrderState.Cancelled, this.now());
      this.book.close(order);
      this.onEvent({ type: 'cancel', order });
    }
  }

  private reject(order: Order, reason: string): void {
    order.rejectReason = reason;
    transition(order, OrderState.Rejected, this.now());
    this.book.close(order);
    this.onEvent({ type: 'reject', order });
  }

  private problem(message: string): void {
    this.problemCount++;
    this.problems.push({ at: this.now(), message });
    if (this.problems.length > 100) this.problems.shift();
  }
}
