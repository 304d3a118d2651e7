import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { pack } from 'msgpackr';
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

  it('refits that cannot be fitted (bars whose returns do not vary) are counted and logged once per model and instrument, until one fits again', async () => {
    const e = await startEngine({
      feeds: { simulator: { enabled: false }, publishers: { enabled: true } },
      ingest: { staleAfterMs: 60_000 },
      strategies: [{ name: 'regime-detector', params: { barSeconds: 1, fitBars: 60, refitBars: 20 } }],
    });
    const ws = new WebSocket(`ws://127.0.0.1:${e.ingestPort}/`);
    await new Promise((r) => ws.once('open', r));
    // one-second bars by exchange time, two trades each: 103 bars at one price (refits at returns 60, 80 and 100)
    const t0 = Date.now() - 300_000;
    const bars = (from: number, to: number, price: (bar: number) => number) =>
      ws.send(pack(Array.from({ length: 2 * (to - from) }, (_, i) => ({ symbol: 'BTCUSDT', price: price(from + (i >> 1)), qty: 0.5, ts: t0 + (from + (i >> 1)) * 1000 + (i & 1) * 400 }))));
    bars(0, 103, () => 60_000);
    const failed = async () =>
      (await e.metric('tickring_strategy_fits_failed_total', { strategy: 'regime-detector', kind: 'garch' })) +
      (await e.metric('tickring_strategy_fits_failed_total', { strategy: 'regime-detector', kind: 'hmm' }));
    await e.waitFor('three rounds of failed refits of both models', async () => (await failed()) === 6);
    const failures = () => e.logs.filter((l) => l.msg?.startsWith('model fit failed'));
    expect(failures().map((l) => `${l.kind} ${l.instrumentId}`).sort()).toEqual(['garch 1', 'hmm 1']); // one line each, not three
    // then a market that moves: the next refit fits, and says how many failed before it
    bars(103, 125, (b) => 60_000 * (1 + 0.002 * Math.sin(b * 1.7)));
    await e.waitFor('a GARCH fit applied', async () => (await e.metric('tickring_strategy_fits_applied_total', { strategy: 'regime-detector', kind: 'garch' })) > 0);
    expect(e.logs.find((l) => l.msg === 'model fitted again after failed refits' && l.kind === 'garch')).toMatchObject({ instrumentId: 1, failures: 3 });
    expect(failures()).toHaveLength(2);
    ws.close();
  });
});
