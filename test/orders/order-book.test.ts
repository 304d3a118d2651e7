import { describe, expect, it } from 'vitest';
import { OrderBook } from '../../engine/orders/order-book.js';
import { ShardedMap, SHARDS } from '../../engine/orders/sharded-map.js';
import { blankOrder, OrderState, type Order } from '../../engine/orders/order.js';

const order = (id: string, createdAt: number): Order => blankOrder({ clientOrderId: id, instrumentId: 1, side: 'buy', type: 'market', qty: 1 }, createdAt);

describe('sharded map', () => {
  it('spreads a run of client order ids evenly over its shards, and answers like a Map', () => {
    const m = new ShardedMap<number>();
    const plain = new Map<string, number>();
    for (let i = 1; i <= 64_000; i++) {
      const id = `t1a2b3c4d5e6f01${i.toString(36)}`;
      m.set(id, i);
      plain.set(id, i);
    }
    const sizes = m.shards.map((s) => s.size);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(64_000);
    // a sequence differs in its last characters: every shard takes its share, none more than twice it
    expect(Math.min(...sizes)).toBeGreaterThan(64_000 / SHARDS / 2);
    expect(Math.max(...sizes)).toBeLessThan((64_000 / SHARDS) * 2);
    for (const id of ['t1a2b3c4d5e6f011', 't1a2b3c4d5e6f01zz', 't1a2b3c4d5e6f011dog']) {
      expect([m.get(id), m.has(id)]).toEqual([plain.get(id), plain.has(id)]);
    }
    expect(m.delete('t1a2b3c4d5e6f01zz')).toBe(true);
    expect(m.delete('t1a2b3c4d5e6f01zz')).toBe(false);
    expect(m.has('t1a2b3c4d5e6f01zz')).toBe(false);
    expect(m.values().length).toBe(63_999);
    // short keys (shorter than the four characters hashed) and one shard (a plain Map) work too
    const one = new ShardedMap<string>(1);
    one.set('a', 'x');
    expect([one.get('a'), one.shards.length]).toEqual(['x', 1]);
    expect(() => new ShardedMap(48)).toThrow(/power of two/);
  });
});

describe('order book', () => {
  it('forgets exactly the final orders last updated before the cutoff, in every shard, and lists the rest oldest first', () => {
    const book = new OrderBook(1);
    const expected: string[] = [];
    for (let i = 0; i < 5000; i++) {
      const o = order(`id${i.toString(36)}`, i);
      book.add(o, i % 7 === 0);
      if (i % 7 !== 0) {
        o.state = OrderState.Filled;
        // every 11th final order was last updated long after it was created: it stays
        o.updatedAt = i % 11 === 0 ? 10_000 : i;
      }
      if (i >= 3000 || i % 7 === 0 || i % 11 === 0) expected.push(o.clientOrderId);
    }
    const forgotten: string[] = [];
    expect(book.forgetFinal(3000, (id) => forgotten.push(id))).toBe(5000 - expected.length);
    expect(forgotten.length).toBe(5000 - expected.length);
    expect(forgotten.every((id) => book.get(id) === undefined)).toBe(true);
    expect(book.all().map((o) => o.clientOrderId)).toEqual(expected);
    // working orders stay listed on their instrument, and a second walk finds nothing more to forget
    expect(book.workingCount()).toBe(Math.ceil(5000 / 7));
    expect(book.forgetFinal(3000)).toBe(0);
  });
});
