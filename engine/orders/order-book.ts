import { isFinal, type Order } from './order.js';
import { ShardedMap, SHARDS } from './sharded-map.js';

/** Final orders are remembered (for idempotent retries and the kill switch) this long, then only stored. */
export const ORDER_MEMORY_MS = 15 * 60_000;
/**
 * How often the risk thread forgets the orders past that memory. A walk reads only the orders old enough to
 * forget (see forgetFinal), so each second it forgets a second's orders: at 200 orders a second with 180,000
 * remembered, 0.14 ms a walk (median), where the walk of every order once a minute took 4.9 ms (median, up to 19.6).
 */
export const FORGET_EVERY_MS = 1000;

/**
 * A broker's memory of its orders: every order by client order id (which is
 * what makes placing an id twice return the first order), and the working
 * ones listed per instrument. Paper and venue brokers keep their orders here.
 */
export class OrderBook {
  private readonly byId: ShardedMap<Order>;
  /** Working orders per instrument id (index 0 unused). */
  private readonly working: Order[][];

  /** `shards`: of the id index (engine/orders/sharded-map.ts); the bench sets 1 for its baseline. */
  constructor(instruments: number, shards = SHARDS) {
    this.working = Array.from({ length: instruments + 1 }, () => []);
    this.byId = new ShardedMap<Order>(shards);
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

  /** Every order remembered, oldest first. */
  all(): Order[] {
    return this.byId.values().sort((a, b) => a.createdAt - b.createdAt);
  }

  /**
   * Forgets final orders last updated before `beforeMs`; returns how many. Orders are added as they are
   * created, so each shard holds them oldest first, and the walk stops at the first one created since
   * `beforeMs` (it, and every later one, was updated since): it reads the orders old enough to forget and
   * the few older ones still working, not every order of the last 15 minutes.
   */
  forgetFinal(beforeMs: number, onForget: (clientOrderId: string) => void = () => {}): number {
    let n = 0;
    for (const shard of this.byId.shards) {
      for (const [id, o] of shard) {
        if (o.createdAt >= beforeMs) break;
        if (isFinal(o.state) && o.updatedAt < beforeMs) {
          this.byId.delete(id);
          onForget(id);
          n++;
        }
      }
    }
    return n;
  }
}
