import { describe, expect, it } from 'vitest';
import { parseMetric, enginesPerTest } from '../helpers/engine-process.js';
import { phaseP99, recordScenario, watchLatency } from './chaos-kit.js';

/** Signals of one strategy batch (256 ticks, one in ten): the most two counters published per batch can differ by. */
const BATCH_SIGNALS = 26;
const startEngine = enginesPerTest();

describe('chaos: a strategy worker that throws', () => {
  it('is restarted with growing backoff; after too many crashes in the window it stays down and readiness says so; the other strategy trades on', async () => {
    // `crashy` throws on its 2,000th tick after every start (0.5 s at 4,000 ticks/s)
    const e = await startEngine({
      feeds: { simulator: { ticksPerSecond: 4000 }, publishers: { enabled: false } },
      strategies: [
        { name: 'latency-probe', id: 'steady', params: { every: 10 } },
        { name: 'latency-probe', id: 'crashy', params: { every: 10, throwAfterTicks: 2000 } },
      ],
      supervisor: { restartInitialMs: 200, restartMaxMs: 5000, maxRestarts: 4, windowMs: 60_000 },
    });
    const t0 = Date.now();
    let phase = 'during';
    const watch = watchLatency(e, 'ingest_to_strategy', 'steady', 500, () => phase);
    const steadyTicks = () => e.metric('tickring_strategy_ticks_total', { strategy: 'steady' });
    const ready = await e.waitFor('not ready: the crashing worker is down for good', async () => {
      const r = await e.get('/health/ready');
      return r.body.reasons?.includes('thread strategy:crashy is failed') ? r : undefined;
    }, 30_000);
    expect(ready.status).toBe(503);
    phase = 'after';
    const restarts = e.logs.filter((l) => l.msg === 'thread crashed; restarting' && l.thread === 'strategy:crashy');
    const delays = restarts.map((l) => l.restartInMs as number);
    expect(delays).toHaveLength(4);
    for (let i = 1; i < delays.length; i++) expect(delays[i]).toBeGreaterThan(delays[i - 1]); // backoff grows
    expect(e.logs.some((l) => l.msg === 'thread crashed too often; leaving it down' && l.thread === 'strategy:crashy')).toBe(true);
    expect(await e.metric('tickring_thread_restarts_total', { thread: 'strategy:crashy' })).toBe(4);
    // the other strategy never stopped
    const before = await steadyTicks();
    await new Promise((r) => setTimeout(r, 2000));
    const after = await steadyTicks();
    expect(after - before).toBeGreaterThan(4000);
    expect(await e.metric('tickring_thread_up', { thread: 'strategy:steady' })).toBe(1);
    const timeline = await watch.stop();
    // both counters from one scrape; they are published per batch of up to 256 ticks, so they agree to within one
    const text = (await e.get('/metrics')).text;
    const steadySignals = parseMetric(text, 'tickring_signals_total', { strategy: 'steady' });
    const steadyAll = parseMetric(text, 'tickring_strategy_ticks_total', { strategy: 'steady' });
    recordScenario({
      name: 'crashing-strategy',
      did: 'a strategy threw on its 2,000th tick after every start; the supervisor restarted it with backoff until it gave up (4 in 60 s)',
      durationS: (Date.now() - t0) / 1000,
      lost: {
        steadyTicksDropped: await e.metric('tickring_ring_dropped_total', { ring: 'ticks:strategy:steady' }),
        steadySignalsMissing: Math.max(0, Math.floor(steadyAll / 10) - steadySignals - BATCH_SIGNALS),
      },
      p99Us: { before: null, during: phaseP99(timeline, 'during'), after: phaseP99(timeline, 'after') },
      hop: 'ingest_to_strategy (steady)',
      timeline,
      figures: { restarts: delays.length, backoffMs: delays.join(' '), readyStatusAfter: ready.status },
    });
    expect(Math.floor(steadyAll / 10) - steadySignals).toBeLessThanOrEqual(BATCH_SIGNALS);
    expect(Math.floor(steadyAll / 10) - steadySignals).toBeGreaterThanOrEqual(0);
  }, 60_000);
});
