import { describe, expect, it } from 'vitest';
import { emptyFootprint, Footprint, OrderFlowDetector, OrderFlowEvent, VolumeProfile, WhaleDetector } from '../../engine/analytics/order-flow.js';
import { PriceLadder } from '../../engine/analytics/price-ladder.js';

const BUY = 1;
const SELL = 2;

describe('volume profile', () => {
  it('a known profile gives a known POC and 70% value area', () => {
    const p = new VolumeProfile(1);
    for (const [price, vol] of [[100, 5], [101, 10], [102, 20], [103, 40], [104, 15], [105, 5], [106, 5]]) p.add(price, vol, BUY);
    // POC 103 (40); below pair 102+101 = 30 beats above pair 104+105 = 20 -> 70 of 100
    expect(p.valueArea()).toEqual({ poc: 103, vah: 103, val: 101, coverage: 0.7 });
  });

  it('expands upward when the pair above is heavier, and by single levels at the edges', () => {
    const p = new VolumeProfile(0.5);
    for (const [price, vol] of [[10, 10], [10.5, 30], [11, 12], [11.5, 12], [12, 1]]) p.add(price, vol, SELL);
    // total 65, 70% = 45.5: POC 10.5 (30); above 11+11.5 = 24 vs below 10 (one level) = 10 -> add above: 54
    expect(p.valueArea()).toMatchObject({ poc: 10.5, val: 10.5, vah: 11.5 });
  });

  // the value area straight from its definition, over a price -> volume map (no ladder, no resumable state)
  function referenceValueArea(volumeAt: Map<number, number>, tick: number, share: number) {
    const levels = [...volumeAt.keys()].map((p) => Math.round(p / tick)).sort((a, b) => a - b);
    const first = levels[0];
    const vol: number[] = [];
    for (let l = first; l <= levels[levels.length - 1]; l++) vol.push(volumeAt.get(l * tick) ?? 0);
    const total = vol.reduce((a, b) => a + b, 0);
    const mid = (vol.length - 1) / 2;
    let poc = 0;
    vol.forEach((x, i) => {
      if (x > vol[poc] || (x === vol[poc] && Math.abs(i - mid) < Math.abs(poc - mid))) poc = i;
    });
    let [down, up, inside] = [poc, poc, vol[poc]];
    while (inside < share * total && (up < vol.length - 1 || down > 0)) {
      const above = vol.slice(up + 1, up + 3);
      const below = vol.slice(Math.max(0, down - 2), down);
      const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
      if (above.length > 0 && (below.length === 0 || sum(above) >= sum(below))) [up, inside] = [up + above.length, inside + sum(above)];
      else [down, inside] = [down - below.length, inside + sum(below)];
    }
    return { poc: (first + poc) * tick, val: (first + down) * tick, vah: (first + up) * tick, coverage: inside / total };
  }

  it('random profiles give the value area of its definition, computed at once or a few levels at a time', () => {
    let seed = 3;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let trial = 0; trial < 300; trial++) {
      const tick = 0.25;
      const p = new VolumeProfile(tick);
      const volumeAt = new Map<number, number>();
      const width = 1 + Math.floor(rand() * 300);
      for (let k = 0; k < 1 + rand() * 2000; k++) {
        const price = (4000 + Math.floor(rand() * rand() * width)) * tick; // skewed, with gaps and ties (integer quantities)
        const qty = 1 + Math.floor(rand() * 5);
        p.add(price, qty, rand() < 0.5 ? BUY : SELL);
        volumeAt.set(price, (volumeAt.get(price) ?? 0) + qty);
      }
      const want = referenceValueArea(volumeAt, tick, 0.7);
      const atOnce = p.valueArea();
      expect({ ...atOnce, coverage: 0 }).toEqual({ ...want, coverage: 0 });
      expect(atOnce.coverage).toBeCloseTo(want.coverage, 12);
      // the same, a few levels a step: nothing is written until it finishes
      const budget = 1 + Math.floor(rand() * 20);
      const out = { poc: -1, vah: -1, val: -1, coverage: -1 };
      p.beginValueArea(0.7);
      let steps = 0;
      while (!p.advanceValueArea(budget, out)) {
        expect(out.poc).toBe(-1);
        steps++;
      }
      expect(p.valueAreaPending).toBe(false);
      expect(out).toEqual(atOnce);
      // the work was spread: at least (scanned levels) / budget steps
      expect(steps + 1).toBeGreaterThanOrEqual(Math.ceil((p.ladder.hi - p.ladder.lo + 1) / budget));
    }
  });

  it('a resumable computation restarts when the ladder moves its levels under it', () => {
    const p = new VolumeProfile(1, 0, 16);
    for (const [price, vol] of [[100, 5], [101, 9], [102, 3], [103, 7]]) p.add(price, vol, BUY);
    const out = { poc: NaN, vah: NaN, val: NaN, coverage: 0 };
    p.beginValueArea(0.7);
    expect(p.advanceValueArea(2, out)).toBe(false); // half the scan done, at the old indexes
    p.add(114, 20, BUY); // outside the 16-level ladder: it recentres
    expect(p.ladder.moves).toBe(1);
    while (!p.advanceValueArea(2, out));
    // restarted over the moved ladder and the range as it then was: 100..114, the new level the POC
    expect(out).toEqual(p.valueArea());
    expect(out.poc).toBe(114);
  });

  it('an empty profile finishes at once with no value area', () => {
    const p = new VolumeProfile(1);
    const out = { poc: 1, vah: 1, val: 1, coverage: 1 };
    p.beginValueArea();
    expect(p.advanceValueArea(4, out)).toBe(true);
    expect(out).toEqual({ poc: NaN, vah: NaN, val: NaN, coverage: 0 });
    expect(p.advanceValueArea(4, out)).toBe(false); // nothing pending
  });

  it('a rolling window forgets old trades, even after the ladder recentres', () => {
    const p = new VolumeProfile(1, 3, 8);
    p.add(100, 50, BUY);
    p.add(101, 1, BUY);
    p.add(102, 1, BUY);
    expect(p.valueArea().poc).toBe(100);
    p.add(106, 5, BUY); // evicts 100; 106 forces the 8-level ladder to recentre
    expect(p.totalVolume).toBe(7);
    expect(p.valueArea().poc).toBe(106);
    expect(p.ladder.total.reduce((a, b) => a + b, 0)).toBe(7);
  });

  it('the ladder recentres in both directions without losing volume', () => {
    const l = new PriceLadder(1, 16);
    l.add(100, 1, BUY);
    l.add(110, 2, SELL);
    l.add(95, 3, BUY); // forces a shift
    expect(l.index(110)).toBeGreaterThanOrEqual(0);
    expect(l.total[l.index(100)]).toBe(1);
    expect(l.bid[l.index(110)]).toBe(2);
    expect(l.ask[l.index(95)]).toBe(3);
    expect(l.add(200, 1, BUY)).toBe(-1); // a range wider than the ladder is refused
  });

  it('a rolling profile spans only the trades in its window, so a long random walk never outgrows its ladder', () => {
    // 128 levels, a 200-trade window, and a drifting walk that covers thousands of levels: without the
    // range shrinking as trades leave the window, the ladder would fill and start refusing trades
    const window = 200;
    const p = new VolumeProfile(0.5, window, 128);
    const kept: [number, number][] = [];
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    let price = 1000;
    let minSeen = price, maxSeen = price;
    for (let k = 0; k < 20_000; k++) {
      price += (rand() < 0.45 ? -0.5 : 0.5) * (rand() < 0.9 ? 1 : 3);
      minSeen = Math.min(minSeen, price);
      maxSeen = Math.max(maxSeen, price);
      const qty = 0.001 + Math.round(rand() * 1000) / 997; // inexact binary fractions: evictions leave residue unless zeroed
      p.add(price, qty, rand() < 0.5 ? BUY : SELL);
      kept.push([price, qty]);
      if (kept.length > window) kept.shift();
      const prices = kept.map(([x]) => x);
      const { ladder } = p;
      expect(ladder.priceAt(ladder.lo)).toBe(Math.min(...prices));
      expect(ladder.priceAt(ladder.hi)).toBe(Math.max(...prices));
      if (k % 97 === 0) {
        // every level's volume is the sum of the window's trades at it; emptied levels are exactly zero
        for (let i = 0; i < ladder.capacity; i++) {
          const want = kept.filter(([x]) => x === ladder.priceAt(i)).reduce((a, [, q]) => a + q, 0);
          if (want === 0) expect(ladder.total[i]).toBe(0);
          else expect(ladder.total[i]).toBeCloseTo(want, 9);
        }
      }
    }
    expect(maxSeen - minSeen).toBeGreaterThan(128 * 0.5 * 8); // the walk did go far beyond the ladder
    expect(p.trades).toBe(window);
  });

  it('a trade beyond the ladder\'s reach is left out of the profile and counted', () => {
    const p = new VolumeProfile(1, 0, 16);
    p.add(100, 2, BUY);
    p.add(200, 5, SELL); // 100 levels away from a 16-level ladder holding 100
    p.add(101, 1, SELL);
    expect(p.refused).toBe(1);
    expect(p.trades).toBe(2);
    expect(p.totalVolume).toBe(3);
    expect(p.ladder.index(200)).toBe(-1);
  });

  it('removing a trade that is not on the ladder is an error, not a silent negative level', () => {
    const l = new PriceLadder(1, 16);
    l.add(100, 1, BUY);
    l.removeAt(l.index(100), 1, BUY);
    expect(l.lo > l.hi).toBe(true);
    expect(() => l.removeAt(l.index(100), 1, BUY)).toThrow(/no trade to remove/);
  });
});

describe('footprint', () => {
  it('a known bar gives known delta, diagonal imbalances, stack and POC', () => {
    const f = new Footprint(1, 3);
    // level: [bid (sells), ask (buys)]
    for (const [price, bid, ask] of [[100, 10, 2], [101, 3, 12], [102, 2, 9], [103, 1, 8]]) {
      f.add(price, bid, SELL);
      f.add(price, ask, BUY);
    }
    const s = f.closeBar(emptyFootprint());
    // buy imbalances: 102 (9 >= 3*3) and 103 (8 >= 3*2); 101 (12 < 3*10) is not
    expect(s).toMatchObject({ delta: 15, cumulativeDelta: 15, volume: 47, buyImbalances: 2, maxBuyStack: 2, sellImbalances: 0, maxSellStack: 0, poc: 101, high: 103, low: 100 });
    expect(s.volumeAtHighRatio).toBeCloseTo(9 / (47 / 4), 12);
    f.add(100, 5, SELL);
    expect(f.closeBar(emptyFootprint())).toMatchObject({ delta: -5, cumulativeDelta: 10, volume: 5 });
  });

  it('stacked sell imbalances', () => {
    const f = new Footprint(1, 3);
    for (const [price, bid, ask] of [[100, 9, 1], [101, 9, 3], [102, 9, 3], [103, 1, 3]]) {
      f.add(price, bid, SELL);
      f.add(price, ask, BUY);
    }
    // sell imbalance at p: bid(p) >= 3 * ask(p+1): 100 (9 >= 9), 101 (9 >= 9), 102 (9 >= 9)
    expect(f.closeBar(emptyFootprint())).toMatchObject({ sellImbalances: 3, maxSellStack: 3 });
  });
});

describe('order-flow detector', () => {
  function bar(high: number, low: number, delta: number, cvd: number, volume: number, atHigh = 1, atLow = 1) {
    return { ...emptyFootprint(), high, low, delta, cumulativeDelta: cvd, volume, volumeAtHighRatio: atHigh, volumeAtLowRatio: atLow };
  }
  const warmUp = (d: OrderFlowDetector) => {
    for (let i = 0; i < 10; i++) expect(d.onBar(bar(100 + i, 98 + i, 10, 10 * (i + 1), 100), 99 + i, 100 + i)).toBe(0);
  };

  it('a new high on falling cumulative delta is a bearish divergence', () => {
    const d = new OrderFlowDetector();
    warmUp(d);
    expect(d.onBar(bar(112, 109, -40, 60, 100), 110, 111) & OrderFlowEvent.BearishDivergence).toBeTruthy();
  });

  it('a new low on rising cumulative delta is a bullish divergence', () => {
    const d = new OrderFlowDetector();
    for (let i = 0; i < 10; i++) d.onBar(bar(120 - i, 118 - i, -10, -10 * (i + 1), 100), 119 - i, 118 - i);
    expect(d.onBar(bar(110, 107, 50, -40, 100), 109, 108) & OrderFlowEvent.BullishDivergence).toBeTruthy();
  });

  it('heavy selling in a narrow range that closes up is bullish absorption', () => {
    const d = new OrderFlowDetector();
    warmUp(d);
    const e = d.onBar(bar(105.5, 105, -80, 30, 300), 105, 105.4);
    expect(e & OrderFlowEvent.BullishAbsorption).toBeTruthy();
    expect(e & OrderFlowEvent.BearishAbsorption).toBeFalsy();
  });

  it('a new high on thin volume at the top is buy exhaustion', () => {
    const d = new OrderFlowDetector();
    warmUp(d);
    expect(d.onBar(bar(115, 109, 5, 105, 100, 0.1), 110, 114) & OrderFlowEvent.BuyExhaustion).toBeTruthy();
    const d2 = new OrderFlowDetector();
    warmUp(d2);
    expect(d2.onBar(bar(115, 109, 5, 105, 100, 1.5), 110, 114) & OrderFlowEvent.BuyExhaustion).toBeFalsy();
  });
});

describe('whale prints', () => {
  it('counts trades at or above the notional threshold by side', () => {
    const w = new WhaleDetector(50_000);
    expect(w.onTrade(60_000, 0.5, BUY)).toBe(0);
    expect(w.onTrade(60_000, 1, BUY)).toBe(1);
    expect(w.onTrade(50_000, 1, SELL)).toBe(2);
    expect([w.buyCount, w.sellCount, w.buyNotional, w.sellNotional]).toEqual([1, 1, 60_000, 50_000]);
  });
});

describe('price ladder (property)', () => {
  it('holds exactly the volume a plain map holds, whatever order prices arrive in', async () => {
    const fc = (await import('fast-check')).default;
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: -20, max: 20 }), fc.integer({ min: 1, max: 9 }), fc.constantFrom(0, 1, 2)), { maxLength: 60 }), (trades) => {
        const l = new PriceLadder(0.5, 64);
        const want = new Map<number, number[]>();
        for (const [level, qty, side] of trades) {
          const price = 1000 + level * 0.5;
          expect(l.add(price, qty, side)).toBeGreaterThanOrEqual(0);
          const w = want.get(price) ?? [0, 0, 0];
          w[0] += qty;
          if (side === 1) w[1] += qty;
          if (side === 2) w[2] += qty;
          want.set(price, w);
        }
        for (const [price, [total, ask, bid]] of want) {
          const i = l.index(price);
          expect([l.total[i], l.ask[i], l.bid[i]]).toEqual([total, ask, bid]);
        }
        const sum = l.total.reduce((a, b) => a + b, 0);
        expect(sum).toBe([...want.values()].reduce((a, w) => a + w[0], 0));
      }),
      { numRuns: 500 },
    );
  });
});
