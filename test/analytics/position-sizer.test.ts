import { describe, expect, it } from 'vitest';
import {
  fixedFractionalQuantity, kellyFraction, kellyPortfolio, PortfolioTracker, riskContributions, riskParityWeights, volatilityTargetQuantity,
} from '../../engine/analytics/position-sizer.js';
import { fixture } from '../helpers/shared-data.js';

// Reference: scipy's optimisers (test/oracles/sizing.py -> fixtures/sizing.json).
const ref = fixture('sizing.json');

describe('position sizer', () => {
  it('Kelly matches the closed form, and scipy maximising expected log growth finds the same fraction', () => {
    for (const { p, b, fraction } of ref.kellyDiscrete) {
      const ours = kellyFraction(p, b);
      expect(ours).toBe(Math.max(0, p - (1 - p) / b));
      expect(Math.abs(ours - fraction)).toBeLessThan(1e-7);
    }
    expect(kellyFraction(0.6, 1.5, 0.5)).toBeCloseTo(1 / 6, 12);
    expect(kellyFraction(0.9, 10, 1, 0.25)).toBe(0.25);
    expect(() => kellyFraction(1.2, 1)).toThrow(/probability/);
    expect(() => kellyFraction(0.5, 0)).toThrow(/ratio/);
  });

  it('portfolio Kelly solves cov f = mu like scipy, with fractional scaling and a gross cap', () => {
    for (const { mu, cov, fractions } of ref.kellyGaussian) {
      const f = kellyPortfolio(mu, cov.flat(), 1);
      f.forEach((v: number, i: number) => expect(Math.abs(v - fractions[i])).toBeLessThan(1e-6 * Math.max(1, Math.abs(fractions[i]))));
      const half = kellyPortfolio(mu, cov.flat(), 0.5);
      half.forEach((v: number, i: number) => expect(v).toBeCloseTo(f[i] / 2, 9));
      const capped = kellyPortfolio(mu, cov.flat(), 1, 1);
      expect(Array.from(capped).reduce((a, v) => a + Math.abs(v), 0)).toBeLessThanOrEqual(1 + 1e-12);
    }
  });

  it('risk parity equalises risk contributions to 1e-6 and matches scipy', () => {
    for (const { cov, weights } of ref.riskParity) {
      const n = weights.length;
      const w = riskParityWeights(cov.flat(), n);
      const rc = riskContributions(cov.flat(), w);
      rc.forEach((c) => expect(Math.abs(c - 1 / n)).toBeLessThan(1e-6));
      w.forEach((v, i) => expect(Math.abs(v - weights[i])).toBeLessThan(1e-6));
      expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    }
  });

  it('risk budgets other than equal are honoured', () => {
    const { cov, weights } = ref.riskParity[0];
    const budget = [0.5, 0.3, 0.2];
    const rc = riskContributions(cov.flat(), riskParityWeights(cov.flat(), weights.length, budget));
    rc.forEach((c, i) => expect(Math.abs(c - budget[i])).toBeLessThan(1e-6));
  });

  it('volatility targeting and fixed fractional sizes', () => {
    expect(volatilityTargetQuantity(100_000, 0.1, 0.5, 50)).toBeCloseTo(400, 9); // $20k notional
    expect(volatilityTargetQuantity(100_000, 0.5, 0.1, 50, 2)).toBeCloseTo(4000, 9); // capped at 2x
    expect(volatilityTargetQuantity(100_000, 0.1, 0, 50)).toBe(0);
    expect(fixedFractionalQuantity(100_000, 0.01, 100, 98)).toBeCloseTo(500, 9);
    expect(fixedFractionalQuantity(100_000, 0.01, 100, 100)).toBe(0);
  });

  it('tracks equity, realised P&L, leverage and drawdown through fills and marks', () => {
    const p = new PortfolioTracker(10_000, 2);
    p.fill(1, 10, 100, 1); // buy 10 @ 100, fee 1
    expect(p.equity()).toBeCloseTo(9_999, 9);
    p.markPrice(1, 110);
    expect(p.equity()).toBeCloseTo(10_099, 9);
    expect(p.peak).toBeCloseTo(10_099, 9);
    p.markPrice(1, 90);
    expect(p.drawdown()).toBeCloseTo(1 - 9_899 / 10_099, 12);
    p.fill(1, -15, 90); // sell 15: close 10 (realise -100), go short 5 @ 90
    expect(p.realised).toBeCloseTo(-101, 9);
    expect(p.position(1)).toBe(-5);
    p.markPrice(1, 80);
    expect(p.equity()).toBeCloseTo(9_899 + 50, 9);
    expect(p.leverage()).toBeCloseTo(400 / 9_949, 12);
  });
});

describe('portfolio tracker (property)', () => {
  it('equity kept incrementally equals cash plus positions at their marks, whatever the fills and marks', async () => {
    const fc = (await import('fast-check')).default;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 3 }), fc.integer({ min: -50, max: 50 }), fc.double({ min: 1, max: 1000, noNaN: true })), { maxLength: 200 }),
        (steps) => {
          const p = new PortfolioTracker(10_000, 3);
          const qty = [0, 0, 0, 0];
          const mark = [0, 0, 0, 0];
          let cash = 10_000;
          for (const [isFill, id, q, price] of steps) {
            if (isFill && q !== 0) {
              p.fill(id, q, price, 0.5);
              qty[id] += q;
              cash -= q * price + 0.5;
            } else p.markPrice(id, price);
            mark[id] = price;
          }
          const expected = cash + qty.reduce((a, q, i) => a + q * mark[i], 0);
          expect(Math.abs(p.equity() - expected)).toBeLessThan(1e-6 * Math.max(1, Math.abs(expected)));
        },
      ),
      { numRuns: 500 },
    );
  });
});
