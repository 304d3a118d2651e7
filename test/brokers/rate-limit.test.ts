import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { WindowLimit } from '../../engine/brokers/rate-limit.js';

describe('sliding-window rate limit', () => {
  it('never lets more than the limit into any window, and waits no longer than needed (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 10, max: 1000 }), fc.array(fc.tuple(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 1, max: 4 })), { minLength: 1, maxLength: 80 }), (limit, windowMs, asks) => {
        let now = 0;
        const w = new WindowLimit(limit, windowMs, () => now);
        const sent: [number, number][] = [];
        for (const [gap, rawCost] of asks) {
          const cost = Math.min(rawCost, limit);
          now += gap;
          const wait = w.waitMs(cost);
          if (wait > 0) {
            // one ms earlier would not have been allowed
            const at = now;
            now = at + wait - 1;
            expect(w.waitMs(cost)).toBeGreaterThan(0);
            now = at + wait;
          }
          expect(w.waitMs(cost)).toBe(0);
          w.take(cost);
          sent.push([now, cost]);
        }
        for (const [t] of sent) {
          const inWindow = sent.filter(([u]) => u > t - windowMs && u <= t).reduce((a, [, c]) => a + c, 0);
          expect(inWindow).toBeLessThanOrEqual(limit);
        }
      }),
    );
  });
});
