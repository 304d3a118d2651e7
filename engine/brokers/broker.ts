import type { Tick } from '../../native-free-ringbuffer/index.js';
import type { PortfolioTracker } from '../analytics/position-sizer.js';
import { blankOrder, newOrder, type Fill, type Order, type OrderChanges, type OrderRequest } from '../orders/order.js';
import type { OrderBook } from '../orders/order-book.js';

/** What a broker reports about an order: accepted, filled (with the fill), modified, cancelled, rejected. */
export type BrokerEvent = { type: 'ack' | 'fill' | 'modify' | 'cancel' | 'reject'; order: Readonly<Order>; fill?: Fill };

/**
 * The broker client as the risk thread uses it: synchronous and never
 * blocking (a venue's request goes out behind it; its answers come back as
 * events), idempotent by client order id, keeping the orders, positions and
 * P&L it has seen. Paper fills against the tick stream; Kite and Binance
 * talk to the venue (see VenueBroker).
 */
export interface Broker {
  readonly name: string;
  readonly portfolio: PortfolioTracker;
  /** Places an order; placing an existing client order id returns that order, never a second one. */
  place(r: OrderRequest, nowMs: number): Readonly<Order>;
  cancel(clientOrderId: string, nowMs: number): Readonly<Order>;
  /** Changes a live order's quantity or limit price; a bad change throws OrderError, the venue's answer comes as a 'modify' event. */
  modify(clientOrderId: string, changes: OrderChanges, nowMs: number): Readonly<Order>;
  /** Cancels every open order (the kill switch's first half); returns how many were asked to cancel. */
  cancelAll(nowMs: number): number;
  /** Marks the portfolio (and, for paper, matches open orders). */
  onTick(t: Tick, nowMs: number): void;
  /** Signed quantity still to fill on the instrument's open orders (buys positive). */
  workingQty(instrumentId: number): number;
  /** The venue's id of one of our orders (null for paper, or before the venue acknowledged it). */
  venueOrderId(clientOrderId: string): string | null;
  /** Orders not yet final. */
  openOrders(): number;
  order(clientOrderId: string): Readonly<Order> | undefined;
  /**
   * Forgets final orders last updated before `beforeMs` (they are stored): memory stays bounded over a long
   * day. A client order id stays idempotent for as long as its order is remembered.
   */
  forgetFinal(beforeMs: number): number;
  orders(): Readonly<Order>[];
}

/**
 * A new order from a request, or the reason a broker refuses it before it
 * goes anywhere (a malformed request, an instrument the registry does not
 * have): the order is then recorded REJECTED with that reason.
 */
export function admit(r: OrderRequest, nowMs: number, book: OrderBook): { order: Order; refusal: string | null } {
  try {
    const order = newOrder(r, nowMs);
    return { order, refusal: book.knows(r.instrumentId) ? null : `unknown instrument ${r.instrumentId}` };
  } catch (e) {
    return { order: blankOrder(r, nowMs), refusal: (e as Error).message };
  }
}
