import { describe, expect, it } from 'vitest';
import { enginesPerTest } from '../helpers/engine-process.js';

const startEngine = enginesPerTest();

describe('both strategies in their worker threads', () => {
  it('the regime detector publishes its regime per instrument in shared memory, and its refits come back from the model pool', async () => {
    const e = await startEngine({
      feeds: { simulator: { ticksPerSecond: 5000 }, publishers: { enabled: false } },
      strategies: [
        { name: 'volume-scalper' },
        { name: 'regime-detector', params: { barSeconds: 0.2, volWindow: 5, fitBars: 60, refitBars: 10 } },
      ],
    });
    // 4 instruments at ~1,250 ticks/s each: five bars a second each; the first fit request after 60 bars (~12 s)
    await e.waitFor('an HMM fitted in the pool and applied in the strategy thread', async () =>
      (await e.metric('tickring_strategy_fits_applied_total', { strategy: 'regime-detector', kind: 'hmm' })) > 0, 30_000);
    expect(await e.metric('tickring_strategy_fits_applied_total', { strategy: 'volume-scalper', kind: 'hmm' })).toBe(0);
    await e.waitFor('a regime with a volatility in /metrics', async () =>
      Number.isFinite(await e.metric('tickring_regime_bar_sigma_percent', { strategy: 'regime-detector', instrument: 'BTCUSDT' })) &&
      (await e.metric('tickring_regime_bar_sigma_percent', { strategy: 'regime-detector', instrument: 'BTCUSDT' })) > 0);
    // a new data directory: the ML classifier is trained in the pool after start-up and handed to the detector
    await e.waitFor('the regime classifier handed to the detector thread', async () =>
      e.logs.some((l) => l.msg === 'regime classifier trained') && e.logs.some((l) => l.thread === 'strategy:regime-detector' && l.msg === 'trained models handed over'), 30_000);
    const regime = await e.metric('tickring_regime', { strategy: 'regime-detector', instrument: 'BTCUSDT' });
    expect([0, 1, 2, 3]).toContain(regime);
    expect(await e.metric('tickring_thread_up', { thread: 'strategy:volume-scalper' })).toBe(1);
    expect(await e.metric('tickring_thread_up', { thread: 'strategy:regime-detector' })).toBe(1);
    expect(await e.metric('tickring_strategy_ticks_total', { strategy: 'volume-scalper' })).toBeGreaterThan(1000);
    expect(e.logs.some((l) => l.level >= 50)).toBe(false); // no errors logged
    // the risk thread's orchestrator turns the signals into counted decisions
    const decided = async () => {
      let n = 0;
      for (const d of ['intent', 'no_trade', 'vetoed', 'below_quality', 'exit']) n += await e.metric('tickring_orchestrator_decisions_total', { decision: d });
      return n;
    };
    await e.waitFor('orchestrator decisions', async () => (await decided()) > 0);
    expect(await decided()).toBeLessThanOrEqual(await e.metric('tickring_risk_signals_total'));
  }, 60_000);
});
