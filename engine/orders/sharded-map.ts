/**
 * A map from string keys split over `SHARDS` Maps by a hash of the key's last
 * characters (where client order ids and trade ids differ: their sequence).
 *
 * Why: V8 rebuilds a Map's whole table when it grows, and when deletions have
 * filled it with holes, in one step. The risk thread remembers every order of
 * the last 15 minutes (180,000 at 200 orders a second), and one insertion into
 * a Map of that size stalled 48-88 ms on this machine while the table was
 * rebuilt; a shard holds a 64th of the keys, so its rebuild is a 64th as long
 * (npm run bench -- --only order-book: longest insertion 1.4-1.7 ms).
 * Iteration goes shard by shard, each in insertion order.
 */
export const SHARDS = 64;

/** A hash of a key's last four characters. */
function hashOfTail(key: string): number {
  let h = 0;
  for (let i = Math.max(0, key.length - 4); i < key.length; i++) h = (h * 31 + key.charCodeAt(i)) | 0;
  return h >>> 0;
}

export class ShardedMap<V> {
  /** The shards; a caller that walks them in insertion order may stop early in each. */
  readonly shards: Map<string, V>[];

  /** `shards`: a power of two (one is a plain Map, which the bench measures beside it). */
  constructor(shards = SHARDS) {
    if (!(shards >= 1 && (shards & (shards - 1)) === 0)) throw new RangeError(`shards must be a power of two, got ${shards}`);
    this.shards = Array.from({ length: shards }, () => new Map<string, V>());
  }

  private shardOf(key: string): Map<string, V> {
    return this.shards[hashOfTail(key) & (this.shards.length - 1)];
  }

  get(key: string): V | undefined {
    return this.shardOf(key).get(key);
  }

  has(key: string): boolean {
    return this.shardOf(key).has(key);
  }

  set(key: string, value: V): void {
    this.shardOf(key).set(key, value);
  }

  delete(key: string): boolean {
    return this.shardOf(key).delete(key);
  }

  /** Every value, shard by shard. */
  values(): V[] {
    const out: V[] = [];
    for (const m of this.shards) for (const v of m.values()) out.push(v);
    return out;
  }
}
