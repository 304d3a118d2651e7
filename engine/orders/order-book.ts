import { isFinal, type Order } from './order.js';

/**
 * A broker's memory of its orders: every order by client order id (which is
 * what makes placing an id twice return the first order), and the working
 * ones listed per instrument. Paper and venue brokers keep their orders here.
 */
export class OrderBook {
  private readonly byId = new Map<string, Order>();
  /** Working orders per instrument id (index 0 unused). */
  private readonly working: Order[][];

  constructor(instruments: number) {
    this.working = Array.from({ length: instruments + 1 }, () => []);
  }

  /** Whether `instrumentId` is one of the registry's (1..n). */
  knows(instrumentId: number): boolean {
    return instrumentId >= 1 && instrumentId < this.working.length;
  }

  get(clientOrderId: string): Order | undefined {
    return this.byId.get(clientOrderId);
  }

  /** Records an order; a working one is also listed under its instrument. */
  add(o: Order, working: boolean): void {
    this.byId.set(o.clientOrderId, o);
    if (working) this.working[o.instrumentId].push(o);
  }

  /** Takes an order that has become final off its instrument's working list. */
  close(o: Order): void {
    const list = this.working[o.instrumentId];
    const k = list ? list.indexOf(o) : -1;
    if (k >= 0) list.splice(k, 1);
  }

  /** The working orders of one instrument, as they stand (callers may close them while iterating a copy). */
  workingOn(instrumentId: number): Order[] {
    return this.working[instrumentId] ?? [];
  }

  /** Every working order, copied (safe to cancel or close them in a loop). */
  allWorking(): Order[] {
    return this.working.flat();
  }

  workingCount(): number {
    let n = 0;
    for (const list of this.working) n += list.length;
    return n;
  }

  /** Signed quantity still to fill on the instrument's working orders (buys positive). */
  workingQty(instrumentId: number): number {
    const list = this.working[instrumentId];
    let q = 0;
    if (list) for (const o of list) q += (o.side === 'buy' ? 1 : -1) * (o.qty - o.filledQty);
    return q;
  }

  all(): Order[] {
    return [...this.byId.values()];
  }

  /** Forgets final orders last updated before `beforeMs`; returns how many. */
  forgetFinal(beforeMs: number, onForget: (clientOrderId: string) => void = () => {}): number {
    let n = 0;
    for (const [id, o] of this.byId) {
      if (isFinal(o.state) && o.updatedAt < beforeMs) {
        this.byId.delete(id);
        onForget(id);
        n++;
      }
    }
    return n;
  }
}
