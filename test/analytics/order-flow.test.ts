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
