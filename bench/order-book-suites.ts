import * as hdr from 'hdr-histogram-js';
import { FORGET_EVERY_MS, ORDER_MEMORY_MS, OrderBook } from '../engine/orders/order-book.js';
import { blankOrder, OrderState } from '../engine/orders/order.js';
import { SHARDS } from '../engine/orders/sharded-map.js';
import type { BenchRow } from './table.js';

const ORDERS_PER_SECOND = 200;

/**
 * The broker's order memory as the risk thread keeps it (every order of the last 15 minutes, for idempotent
 * retries): 30 simulated minutes at 200 orders a second, as fast as the machine goes. Each order is looked up
 * by its client order id and added (what `place` does), filled and closed on the next one; final orders past
 * the memory are forgotten, every second with the id index in 64 shards as the engine does, and beside it, in
 * the same run, the baseline: one Map, forgotten once a minute. The figure is the insertion's tail: one Map's
 * whole table is rebuilt in one step as it grows and as deletions fill it with holes.
 */
export async function orderBook(quick: boolean, progress: (s: string) => void): Promise<BenchRow[]> {
  const minutes = quick ? 20 : 30;
  const rows: BenchRow[] = [];
  for (const [shards, forgetEveryMs] of [[SHARDS, FORGET_EVERY_MS], [1, 60_000]] as const) {
    progress(`order book: ${minutes} simulated minutes at ${ORDERS_PER_SECOND} orders/s, ${shards === 1 ? 'one Map' : `${shards} shards`}`);
    const book = new OrderBook(1, shards);
    const insert = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 1e11, numberOfSignificantValueDigits: 3 });
    const walks = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 1e11, numberOfSignificantValueDigits: 3 });
    let forgotten = 0;
    let lastForget = 0;
    let previous: ReturnType<typeof blankOrder> | null = null;
    const started = performance.now();
    const total = minutes * 60 * ORDERS_PER_SECOND;
    for (let n = 1; n <= total; n++) {
      const nowMs = (n * 1000) / ORDERS_PER_SECOND;
      const id = `t0abcdefghijk01${n.toString(36)}`;
      const t0 = performance.now();
      if (book.get(id) === undefined) {
        const o = blankOrder({ clientOrderId: id, instrumentId: 1, side: 'buy', type: 'market', qty: 1 }, nowMs);
        book.add(o, true);
      }
      const ns = (performance.now() - t0) * 1e6;
      // once the memory is full: the steady state of a long day
      if (nowMs > ORDER_MEMORY_MS) insert.recordValue(Math.max(1, Math.round(ns)));
      if (previous) {
        previous.state = OrderState.Filled;
        previous.updatedAt = nowMs;
        book.close(previous);
      }
      previous = book.get(id)!;
      if (nowMs - lastForget >= forgetEveryMs) {
        lastForget = nowMs;
        const f0 = performance.now();
        forgotten += book.forgetFinal(nowMs - ORDER_MEMORY_MS);
        if (nowMs > ORDER_MEMORY_MS) walks.recordValue(Math.max(1, Math.round((performance.now() - f0) * 1e6)));
      }
    }
    const seconds = (performance.now() - started) / 1000;
    rows.push({
      suite: 'order-book', name: `insert, 15-min memory, ${shards === 1 ? 'one Map (baseline)' : `${shards} shards`}`, unit: 'us',
      p50: insert.getValueAtPercentile(50) / 1e3, p99: insert.getValueAtPercentile(99) / 1e3, p999: insert.getValueAtPercentile(99.9) / 1e3,
      max: insert.maxValue / 1e3, opsPerSec: total / seconds,
      note: `${book.all().length.toLocaleString()} remembered, ${forgotten.toLocaleString()} forgotten; forget every ${forgetEveryMs / 1000}s, walks median ${(walks.getValueAtPercentile(50) / 1e6).toFixed(2)} ms, longest ${(walks.maxValue / 1e6).toFixed(2)} ms`,
    });
  }
  return rows;
}
