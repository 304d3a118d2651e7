import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RateLimiter, WindowLimit } from '../../engine/brokers/rate-limit.js';

interface Sent {
  send: number;
  answer: number;
  cost: number;
}

describe('sliding-window rate limit', () => {
  it('never lets more than the limit into any window at the venue, however long each answer takes, and waits no longer than needed (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 10, max: 1000 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 400 })), { minLength: 1, maxLength: 80 }),
        (limit, windowMs, asks) => {
          let now = 0;
          const w = new WindowLimit(limit, windowMs, () => now);
          const sent: Sent[] = [];
          const inFlight: { answer: number; handle: ReturnType<WindowLimit['take']> }[] = [];
          /** Answers due by now arrive, in time order, each settled at its own time. */
          const answerUpTo = (t: number) => {
            inFlight.sort((a, b) => a.answer - b.answer);
            while (inFlight.length && inFlight[0].answer <= t) {
              const f = inFlight.shift()!;
              now = Math.max(now, f.answer);
              w.settle(f.handle);
            }
            now = t;
          };
          for (const [gap, rawCost, latency] of asks) {
            const cost = Math.min(rawCost, limit);
            answerUpTo(now + gap);
            for (;;) {
              const wait = w.waitMs(cost);
              if (wait === 0) break;
              const nextAnswer = inFlight.reduce((m, f) => Math.min(m, f.answer), Infinity);
              if (wait === Infinity) {
                // waiting on an unanswered request: only its answer can free the place
                expect(nextAnswer).toBeLessThan(Infinity);
                answerUpTo(Math.max(now, nextAnswer));
              } else if (nextAnswer < now + wait) answerUpTo(Math.max(now, nextAnswer));
              else {
                // one ms earlier would not have been allowed
                const at = now;
                now = at + wait - 1;
                expect(w.waitMs(cost)).toBeGreaterThan(0);
                now = at + wait;
              }
            }
            const handle = w.take(cost);
            sent.push({ send: now, answer: now + latency, cost });
            inFlight.push({ answer: now + latency, handle });
          }
          // the venue counts each request at its arrival, anywhere between its sending and its answer:
          // requests that can share a window [T, T + windowMs) are those answered at or after T and sent before its end
          for (const { answer: t } of sent) {
            const shared = sent.filter((r) => r.answer >= t && r.send < t + windowMs).reduce((a, r) => a + r.cost, 0);
            expect(shared).toBeLessThanOrEqual(limit);
          }
        },
      ),
    );
  });

  it('a request waiting on an unanswered one goes as soon as the window after that answer has passed', async () => {
    const limiter = new RateLimiter([new WindowLimit(1, 50)]);
    const first = await limiter.take();
    let secondAt = 0;
    const second = limiter.take().then((done) => {
      secondAt = Date.now();
      done();
    });
    await new Promise((r) => setTimeout(r, 120));
    expect(secondAt).toBe(0); // the first is still unanswered, however long ago it was sent
    const answeredAt = Date.now();
    first();
    await second;
    expect(secondAt - answeredAt).toBeGreaterThanOrEqual(48); // timers and Date.now round to the ms
    expect(secondAt - answeredAt).toBeLessThan(1000);
  });
});
