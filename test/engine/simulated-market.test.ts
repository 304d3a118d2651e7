import { describe, expect, it } from 'vitest';
import { emptyTick, Side } from '../../native-free-ringbuffer/index.js';
import { SimulatedMarket } from '../../engine/feeds/simulated-market.js';

const instruments = [{ id: 1, symbol: 'BTCUSDT' }, { id: 2, symbol: 'ETHUSDT' }, { id: 3, symbol: 'XYZ' }];
function run(seed: number, n: number) {
  const m = new SimulatedMarket(instruments, seed);
  const t = emptyTick();
  return Array.from({ length: n }, (_, i) => ({ ...m.next(t, i * 1000) }));
}

describe('simulated market', () => {
  it('is reproducible from its seed, and a different seed gives a different market', () => {
    expect(run(7, 2000)).toEqual(run(7, 2000));
    expect(run(8, 50)).not.toEqual(run(7, 50));
  });

  it('gives valid ticks: trade at the touch, bid below ask, positive sizes, aggressor side set', () => {
    for (const t of run(1, 50_000)) {
      expect(t.bid).toBeLessThan(t.ask);
      expect(t.price === t.ask || t.price === t.bid).toBe(true);
      expect(t.side === Side.Buy ? t.price === t.ask : t.price === t.bid).toBe(true);
      expect(t.qty).toBeGreaterThan(0);
      expect(t.bidQty).toBeGreaterThan(0);
    }
  });

  it('has heavy-tailed sizes with whale prints, and switches volatility regimes', () => {
    const m = new SimulatedMarket(instruments, 3);
    const t = emptyTick();
    const notional: number[] = [];
    const regimes = new Set<number>();
    for (let i = 0; i < 200_000; i++) {
      m.next(t, i);
      if (t.instrumentId === 1) notional.push(t.qty * t.price);
      regimes.add(m.regimeOf(0));
    }
    notional.sort((a, b) => a - b);
    const median = notional[notional.length >> 1];
    expect(notional[notional.length - 1] / median).toBeGreaterThan(100); // whales
    expect(notional.filter((x) => x >= 50_000).length).toBeGreaterThan(10);
    expect(regimes.size).toBeGreaterThanOrEqual(3);
  });
});
