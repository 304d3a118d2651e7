import { TickKind, type Tick } from '../../../native-free-ringbuffer/index.js';
import { PortfolioTracker } from '../../analytics/position-sizer.js';
import { applyFill, applyModify, isFinal, OrderError, OrderState, transition, type Fill, type Order, type OrderChanges, type OrderRequest } from '../../orders/order.js';
import { admit, type Broker, type BrokerEvent } from '../broker.js';
import { OrderBook } from '../../orders/order-book.js';

/**
 * The paper broker (the default): orders fill against the live tick stream.
 *
 * - Market orders become fillable `latencyMs` after they are placed and fill at
 *   the next trade's price, or the next quote's far side (ask for a buy, bid
 *   for a sell), moved `slippageBps` against the order.
 * - Limit orders rest until the market reaches them: a buy fills at its limit
 *   when a trade prints at or below it or the ask comes down to it (a sell
 *   symmetrically).
 * - A fill is never larger than what traded or was quoted (partial fills); the
 *   rest stays open for the next ticks.
 * - Fees are `takerFeeBps` of notional for market orders, `makerFeeBps` for limits.
 * Positions, cash, equity and P&L are tracked by a PortfolioTracker.
 * Placing an existing client order id returns that order (no duplicate).
 */
export interface PaperBrokerOptions {
  startingCash: number;
  latencyMs: number;
  slippageBps: number;
  takerFeeBps: number;
  makerFeeBps: number;
}

export const DEFAULT_PAPER: PaperBrokerOptions = { startingCash: 100_000, latencyMs: 0, slippageBps: 1, takerFeeBps: 10, makerFeeBps: 2 };

export class PaperBroker implements Broker {
  readonly name = 'paper';
  readonly portfolio: PortfolioTracker;
  private readonly book: OrderBook;

  constructor(instruments: number, private readonly o: PaperBrokerOptions = DEFAULT_PAPER, private readonly onEvent: (e: BrokerEvent) => void = () => {}) {
    this.portfolio = new PortfolioTracker(o.startingCash, instruments);
    this.book = new OrderBook(instruments);
  }

  place(r: OrderRequest, nowMs: number): Readonly<Order> {
    const existing = this.book.get(r.clientOrderId);
    if (existing) return existing; // idempotent: a retry never places a second order
    const { order, refusal } = admit(r, nowMs, this.book);
    if (refusal !== null) {
      order.rejectReason = refusal;
      this.book.add(order, false);
      transition(order, OrderState.Rejected, nowMs);
      this.onEvent({ type: 'reject', order });
      return order;
    }
    transition(order, OrderState.Sent, nowMs);
    transition(order, OrderState.Acknowledged, nowMs);
    this.book.add(order, true);
    this.onEvent({ type: 'ack', order });
    return order;
  }

  cancel(clientOrderId: string, nowMs: number): Readonly<Order> {
    const order = this.book.get(clientOrderId);
    if (!order) throw new OrderError(`no order '${clientOrderId}'`);
    if (isFinal(order.state)) return order;
    transition(order, OrderState.Cancelled, nowMs);
    this.book.close(order);
    this.onEvent({ type: 'cancel', order });
    return order;
  }

  modify(clientOrderId: string, changes: OrderChanges, nowMs: number): Readonly<Order> {
    const order = this.book.get(clientOrderId);
    if (!order) throw new OrderError(`no order '${clientOrderId}'`);
    applyModify(order, changes, nowMs);
    if (isFinal(order.state)) this.book.close(order); // cut down to what had filled
    this.onEvent({ type: 'modify', order });
    return order;
  }

  /** Cancels every open order (the kill switch's first half). */
  cancelAll(nowMs: number): number {
    const working = this.book.allWorking();
    for (const o of working) this.cancel(o.clientOrderId, nowMs);
    return working.length;
  }

  venueOrderId(): null {
    return null;
  }

  openOrders(): number {
    return this.book.workingCount();
  }

  forgetFinal(beforeMs: number): number {
    return this.book.forgetFinal(beforeMs);
  }

  order(clientOrderId: string): Readonly<Order> | undefined {
    return this.book.get(clientOrderId);
  }

  orders(): Readonly<Order>[] {
    return this.book.all();
  }

  workingQty(instrumentId: number): number {
    return this.book.workingQty(instrumentId);
  }

  /** Matches the instrument's open orders against a tick, and marks the portfolio. */
  onTick(t: Tick, nowMs: number): void {
    const id = t.instrumentId;
    if (t.kind === TickKind.Trade) this.portfolio.markPrice(id, t.price);
    const list = this.book.workingOn(id);
    if (list.length === 0) return;
    for (let k = 0; k < list.length; ) {
      const o = list[k];
      this.match(o, t, nowMs);
      if (isFinal(o.state)) list.splice(k, 1);
      else k++;
    }
  }

  private match(o: Order, t: Tick, nowMs: number): void {
    const buy = o.side === 'buy';
    const remaining = o.qty - o.filledQty;
    let price: number;
    let available: number;
    if (t.kind === TickKind.Trade) {
      price = t.price;
      available = t.qty;
    } else {
      price = buy ? t.ask : t.bid;
      available = buy ? t.askQty : t.bidQty;
      if (!(price > 0)) return;
    }
    if (!(available > 0)) available = Infinity; // size unknown: assume it was there
    let fillPrice: number;
    let feeBps: number;
    if (o.type === 'market') {
      if (nowMs < o.createdAt + this.o.latencyMs) return;
      fillPrice = price * (1 + ((buy ? 1 : -1) * this.o.slippageBps) / 1e4);
      feeBps = this.o.takerFeeBps;
    } else {
      const limit = o.limitPrice!;
      if (buy ? price > limit : price < limit) return;
      fillPrice = limit;
      feeBps = this.o.makerFeeBps;
    }
    const qty = Math.min(remaining, available);
    const fill: Fill = { tradeId: `${o.clientOrderId}.${o.fillCount + 1}`, clientOrderId: o.clientOrderId, qty, price: fillPrice, fee: (qty * fillPrice * feeBps) / 1e4, at: nowMs };
    applyFill(o, fill);
    this.portfolio.fill(o.instrumentId, buy ? qty : -qty, fillPrice, fill.fee);
    this.onEvent({ type: 'fill', order: o, fill });
  }

}
