import { describe, expect, it } from 'vitest';
import { emptyTick, SignalSide } from '../../native-free-ringbuffer/index.js';
import { Clock, createClockAnchor } from '../../engine/clock.js';
import { ScriptedMarket, DEFAULT_SCRIPT } from '../../engine/feeds/scripted-market.js';
import { InstrumentRegistry } from '../../engine/instruments/registry.js';
import { loadInstruments } from '../../engine/instruments/load.js';
import { loadConfig } from '../../engine/config/load.js';
import { volumeScalper, VS_REASON } from '../../engine/strategies/volume-scalper.js';
import { RD_REASON, regimeDetector } from '../../engine/strategies/regime-detector.js';
import { fitGarch } from '../../engine/analytics/garch.js';
import { fitHmm } from '../../engine/analytics/hmm.js';
import type { Strategy } from '../../engine/strategies/strategy.js';

const clock = new Clock(createClockAnchor());
const config = loadConfig({});
const instruments = loadInstruments(config).list;
const registry = new InstrumentRegistry(instruments);

describe('the scripted market (feeds.simulator.script = signals)', () => {
  it('makes the desk strategies signal at the rate it promises: the scalper twice a cycle per instrument, the detector on every shock', () => {
    const symbols = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'BNBUSDT'];
    const market = new ScriptedMarket(symbols.map((symbol) => ({ id: registry.id(symbol), symbol })));
    const ctx = { strategyId: 1, instruments, toEpochMs: (ns: number) => clock.eventMs(ns) };
    const scalper = volumeScalper.create(volumeScalper.params.parse({ cooldownMs: 0 }), ctx);
    let detector!: Strategy;
    detector = regimeDetector.create(regimeDetector.params.parse({ barSeconds: 0.05, fitBars: 60, refitBars: 20 }), {
      ...ctx, strategyId: 2,
      requestFit: (kind, id, x) => {
        try {
          detector.applyFit!(kind, id, kind === 'garch' ? fitGarch(x) : fitHmm(x, 4));
        } catch {
          // a window without a shock may not vary: the host keeps the current model, as here
        }
      },
    });
    // 60 s at 10k ticks/s
    const rate = 10_000;
    const seconds = 60;
    const tick = emptyTick();
    const t0 = clock.now();
    const scalperSignals = { long: 0, short: 0, whaleCross: 0 };
    let blackSwans = 0;
    for (let n = 0; n < rate * seconds; n++) {
      market.next(tick, t0 + (n * 1e9) / rate);
      const s = scalper.onTick(tick);
      if (s) {
        if (s.side === SignalSide.Long) scalperSignals.long++;
        if (s.side === SignalSide.Short) scalperSignals.short++;
        if (s.reasons & (VS_REASON.WHALE_BUY | VS_REASON.WHALE_SELL)) scalperSignals.whaleCross++;
      }
      const d = detector.onTick(tick);
      if (d && d.side === SignalSide.Flat && d.reasons & RD_REASON.BLACK_SWAN_RETURN) blackSwans++;
    }
    const cyclesPerInstrument = (rate * seconds) / symbols.length / DEFAULT_SCRIPT.cycleTrades;
    const shockCycles = Math.floor((cyclesPerInstrument - 1) / DEFAULT_SCRIPT.shockCycles);
    // every cycle but the shocks' gives one of each (the first one's LONG comes before the profile has 100 trades)
    const expected = symbols.length * (cyclesPerInstrument - shockCycles);
    expect(scalperSignals.long).toBe(expected - symbols.length);
    expect(scalperSignals.short).toBe(expected);
    expect(scalperSignals.whaleCross).toBe(scalperSignals.long + scalperSignals.short);
    // shocks: one every shockCycles cycles per instrument; the jump is a black swan, the way back is one too
    // unless the GARCH sigma the jump raised covers it
    const shocks = symbols.length * shockCycles;
    expect(shocks).toBeGreaterThan(30);
    expect(blackSwans).toBeGreaterThanOrEqual(shocks);
    expect(blackSwans).toBeLessThanOrEqual(2 * shocks);
  });
});
