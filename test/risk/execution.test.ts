import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { emptyTick, Side, SignalSide, TickKind } from '../../native-free-ringbuffer/index.js';
import { Execution, type ExecutionOptions } from '../../engine/risk/execution.js';
import { assessRisk, DEFAULT_RISK_LEVELS, RiskLevel, type RiskLevelOptions } from '../../engine/risk/risk-level.js';
import { OptionRules } from '../../engine/risk/option-rules.js';
import { loadConfig } from '../../engine/config/load.js';
import { DEFAULT_CIRCUIT } from '../../engine/risk/circuit-breaker.js';
import { Decision, type OrderIntent } from '../../engine/orchestrator/orchestrator.js';
import { Quality } from '../../engine/analytics/signal-scorer.js';
import type { InstrumentInfo } from '../../engine/instruments/registry.js';

const inst: InstrumentInfo = { symbol: 'BTCUSDT', exchange: 'BINANCE', segment: 'SPOT', tickSize: 0.01, lotSize: 0.001, expiry: NaN, strike: 0, optionType: null, instrumentType: 'SPOT', kiteToken: 0, quoteAsset: 'USDT', minNotional: 0 };
const intent = (o: Partial<OrderIntent>): OrderIntent => ({
  decision: Decision.Intent, instrumentId: 1, side: SignalSide.Long, price: 100, stop: 99, target: 103, score: 70, quality: Quality.Good, strengths: 0, weaknesses: 0, strategies: 2, reasons: 0, opposingReasons: 0, confluence: 0.7, tickRecvTs: 0, signalTs: 0, ...o,
});
const trade = (price: number) => ({ ...emptyTick(), instrumentId: 1, kind: TickKind.Trade, price, qty: 1e6, side: Side.Buy });
/** RiskLevels that never rise above LOW: these tests are about sizing and the leverage cap alone. */
const NEUTRAL_LEVELS: RiskLevelOptions = { exposure: [Infinity, Infinity, Infinity], concentration: [Infinity, Infinity, Infinity], drawdownPct: [Infinity, Infinity, Infinity], sizeFactors: [1, 1, 1] };
const PAPER = { startingCash: 100_000, latencyMs: 0, slippageBps: 0, takerFeeBps: 0, makerFeeBps: 0 };
const make = (multiplier = 1, extra: Partial<ExecutionOptions> = { riskLevels: NEUTRAL_LEVELS }, instruments = [inst]) =>
  new Execution(instruments, { riskPerTradePct: 0.5, maxLeverage: 1, circuit: DEFAULT_CIRCUIT, paper: PAPER, ...extra }, () => multiplier, () => {});

describe('execution', () => {
  it('sizes an entry by fixed-fractional risk times the regime multiplier, rounded to the lot, and fills it', () => {
    const x = make(0.5);
    expect(x.onIntent(intent({}), 0)).toBe(true);
    x.onTick(trade(100), 1);
    // 0.5% of 100,000 = 500 at risk, 1 per unit -> 500 units, halved by the regime
    expect(x.broker.portfolio.position(1)).toBe(250);
    expect(x.counters).toMatchObject({ orders: 1, fills: 1 });
  });

  it('a tight stop cannot size past maxLeverage x equity in notional', () => {
    const x = make();
    // risk sizing alone: 500 / 0.1 = 5,000 units = 500,000 notional, five times the account
    expect(x.onIntent(intent({ stop: 99.9 }), 0)).toBe(true);
    x.onTick(trade(100), 1);
    expect(x.broker.portfolio.position(1)).toBeCloseTo(1000, 9);
  });

  it('entries do not stack past maxLeverage, counting orders not yet filled; an opposite entry may flip up to the limit', () => {
    const x = make();
    expect(x.onIntent(intent({ stop: 99.9 }), 0)).toBe(true);
    expect(x.onIntent(intent({ stop: 99.9 }), 0)).toBe(false); // the first is still working: no headroom left
    x.onTick(trade(100), 1);
    expect(x.broker.portfolio.position(1)).toBeCloseTo(1000, 9);
    expect(x.onIntent(intent({ stop: 99.9 }), 2)).toBe(false);
    expect(x.onIntent(intent({ side: SignalSide.Short, stop: 100.1 }), 3)).toBe(true);
    x.onTick(trade(100), 4);
    expect(x.broker.portfolio.position(1)).toBeCloseTo(-1000, 9);
    expect(x.broker.portfolio.leverage()).toBeCloseTo(1, 9);
    expect(x.counters.unsized).toBe(2);
  });

  it('no stop, no size, no order; vetoed and NO TRADE decisions never reach the broker', () => {
    const x = make();
    expect(x.onIntent(intent({ stop: NaN }), 0)).toBe(false);
    expect(x.onIntent(intent({ decision: Decision.NoTrade }), 0)).toBe(false);
    expect(x.onIntent(intent({ decision: Decision.Vetoed }), 0)).toBe(false);
    expect(x.counters.orders).toBe(0);
  });

  it('an exit flattens the position', () => {
    const x = make();
    x.onIntent(intent({}), 0);
    x.onTick(trade(100), 1);
    expect(x.onIntent(intent({ decision: Decision.Exit, side: SignalSide.Flat }), 2)).toBe(true);
    x.onTick(trade(101), 3);
    expect(x.broker.portfolio.position(1)).toBe(0);
    expect(x.broker.portfolio.realised).toBeCloseTo(500, 6);
  });

  it('an open circuit refuses entries; the kill switch flattens and refuses until reset', () => {
    const x = make();
    x.onIntent(intent({}), 0);
    x.onTick(trade(100), 1);
    x.housekeeping(2, () => ({ regime: 3, blackSwan: false }));
    expect(x.breaker.trips[0].reason).toBe('volatility_spike');
    expect(x.onIntent(intent({}), 3)).toBe(false);
    expect(x.counters.refusedByCircuit).toBe(1);
    x.breaker.reset('root', 4);
    x.kill(5);
    x.onTick(trade(99), 6);
    expect(x.broker.portfolio.position(1)).toBe(0);
    expect(x.onIntent(intent({}), 7)).toBe(false);
    x.resetKill();
    expect(x.onIntent(intent({}), 8)).toBe(true);
  });
});

describe('position-opening RiskLevel', () => {
  const calm = { regime: 0, blackSwan: false, exposureShare: 0.1, concentration: 0.1, drawdownPct: 0 };
  it('takes the worst of regime, exposure, concentration and drawdown; CRITICAL sizes to nothing', () => {
    expect(assessRisk(calm)).toMatchObject({ level: RiskLevel.Low, sizeFactor: 1 });
    expect(assessRisk({ ...calm, regime: 1 })).toMatchObject({ level: RiskLevel.Medium, sizeFactor: 0.75 });
    expect(assessRisk({ ...calm, regime: 2 }).level).toBe(RiskLevel.High);
    expect(assessRisk({ ...calm, regime: 3 })).toMatchObject({ level: RiskLevel.Critical, sizeFactor: 0 });
    expect(assessRisk({ ...calm, blackSwan: true }).level).toBe(RiskLevel.Critical);
    expect(assessRisk({ ...calm, regime: NaN }).level).toBe(RiskLevel.Low); // no detector on this instrument
    expect(assessRisk({ ...calm, exposureShare: 0.8 })).toMatchObject({ level: RiskLevel.High, sizeFactor: 0.5, factors: { exposure: RiskLevel.High, regime: RiskLevel.Low } });
    expect(assessRisk({ ...calm, exposureShare: 1 }).level).toBe(RiskLevel.Critical);
    expect(assessRisk({ ...calm, concentration: 0.5 }).factors.concentration).toBe(RiskLevel.High);
    expect(assessRisk({ ...calm, concentration: 0.9 }).level).toBe(RiskLevel.Critical);
    expect(assessRisk({ ...calm, drawdownPct: 1.5 }).level).toBe(RiskLevel.Medium);
    expect(assessRisk({ ...calm, drawdownPct: 4 }).level).toBe(RiskLevel.Critical);
    expect(assessRisk({ ...calm, regime: 1, drawdownPct: 3 }).level).toBe(RiskLevel.High);
  });

  it('judges the account before the entry: flat is LOW, a quarter of equity already in the instrument is MEDIUM (x0.75)', () => {
    const x = make(0.5, { riskLevels: DEFAULT_RISK_LEVELS });
    expect(x.onIntent(intent({}), 0)).toBe(true); // flat: LOW, 500 units halved by the regime
    x.onTick(trade(100), 1);
    expect(x.lastRiskLevel).toBe(RiskLevel.Low);
    expect(x.broker.portfolio.position(1)).toBe(250);
    expect(x.onIntent(intent({}), 2)).toBe(true); // 25,000 of 100,000 in it: MEDIUM
    x.onTick(trade(100), 3);
    expect(x.lastRiskLevel).toBe(RiskLevel.Medium);
    expect(x.broker.portfolio.position(1)).toBeCloseTo(250 + 187.5, 9);
  });

  it('the leverage cap already in use makes a further entry CRITICAL', () => {
    const x = make(1, { riskLevels: DEFAULT_RISK_LEVELS });
    expect(x.onIntent(intent({ stop: 99.9 }), 0)).toBe(true); // sized to the cap: 1,000 units
    x.onTick(trade(100), 1);
    expect(x.onIntent(intent({ side: SignalSide.Short, stop: 100.1 }), 2)).toBe(false);
    expect(x.counters.refusedByRiskLevel).toBe(1);
  });

  it('an EXTREME regime makes the entry CRITICAL: refused and counted, no order', () => {
    const x = make(1, { riskLevels: DEFAULT_RISK_LEVELS, regimeOf: () => ({ regime: 3, blackSwan: false }) });
    expect(x.onIntent(intent({}), 0)).toBe(false);
    expect(x.counters).toMatchObject({ refusedByRiskLevel: 1, orders: 0 });
    expect(x.lastRiskLevel).toBe(RiskLevel.Critical);
  });

  it('a drawdown beyond the CRITICAL bound refuses entries, exits still go', () => {
    const x = make(1, { riskLevels: DEFAULT_RISK_LEVELS });
    x.onIntent(intent({}), 0);
    x.onTick(trade(100), 1);
    x.onTick(trade(90), 2); // 500 units lose 5,000: 5% below the peak
    expect(x.onIntent(intent({}), 3)).toBe(false);
    expect(x.counters.refusedByRiskLevel).toBe(1);
    expect(x.onIntent(intent({ decision: Decision.Exit, side: SignalSide.Flat }), 4)).toBe(true);
  });
});

describe('option rules (option type from the instrument registry)', () => {
  const ist = (y: number, m: number, d: number, hh: number, mm: number) => Date.UTC(y, m - 1, d, hh, mm) - 5.5 * 3_600_000;
  const option: InstrumentInfo = { ...inst, symbol: 'NIFTY26NOV24000CE', exchange: 'NFO', segment: 'NFO-OPT', lotSize: 75, optionType: 'CE', instrumentType: 'CE', strike: 24000, expiry: ist(2026, 11, 26, 23, 59) };
  it('enters an option only in NSE hours, before the cut-off, and smaller or not at all on its expiry day', () => {
    const rules = new OptionRules({ cutoff: '15:00', expiryDay: { allowEntries: true, cutoff: '13:30', sizeFactor: 0.5 } });
    expect(rules.entry(option, ist(2026, 11, 24, 9, 14))).toEqual({ allowed: false, reason: 'outside_nse_hours' });
    expect(rules.entry(option, ist(2026, 11, 24, 9, 15))).toEqual({ allowed: true, sizeFactor: 1 });
    expect(rules.entry(option, ist(2026, 11, 24, 14, 59))).toEqual({ allowed: true, sizeFactor: 1 });
    expect(rules.entry(option, ist(2026, 11, 24, 15, 0))).toEqual({ allowed: false, reason: 'after_cutoff' });
    expect(rules.entry(option, ist(2026, 11, 22, 11, 0))).toEqual({ allowed: false, reason: 'outside_nse_hours' }); // a Sunday
    expect(rules.entry(option, ist(2026, 11, 26, 13, 29))).toEqual({ allowed: true, sizeFactor: 0.5 });
    expect(rules.entry(option, ist(2026, 11, 26, 13, 30))).toEqual({ allowed: false, reason: 'expiry_day_cutoff' });
    expect(rules.entry(option, ist(2026, 11, 27, 10, 0))).toEqual({ allowed: false, reason: 'expired' });
    const strict = new OptionRules({ cutoff: '15:00', expiryDay: { allowEntries: false, cutoff: '13:30', sizeFactor: 0.5 } });
    expect(strict.entry(option, ist(2026, 11, 26, 10, 0))).toEqual({ allowed: false, reason: 'expiry_day' });
    // not an option in the registry: no hours apply (crypto trades around the clock)
    expect(rules.entry(inst, ist(2026, 11, 22, 3, 0))).toEqual({ allowed: true, sizeFactor: 1 });
  });

  it('execution refuses an option entry outside the rules and counts it; inside them it trades in whole lots', () => {
    const x = make(1, { riskLevels: NEUTRAL_LEVELS }, [option]);
    expect(x.onIntent(intent({}), ist(2026, 11, 24, 16, 0))).toBe(false);
    expect(x.counters.refusedByOptionRules).toBe(1);
    expect(x.onIntent(intent({}), ist(2026, 11, 26, 10, 0))).toBe(true); // expiry day: half of 500 units, in lots of 75
    x.onTick(trade(100), ist(2026, 11, 26, 10, 0));
    expect(x.broker.portfolio.position(1)).toBe(225);
  });

  it('config: rule times and RiskLevel thresholds are validated', () => {
    const env = (o: unknown) => {
      const file = path.join(tmpdir(), `tickring-cfg-${process.pid}-${Math.random().toString(36).slice(2)}.json`);
      writeFileSync(file, JSON.stringify(o));
      return file;
    };
    expect(() => loadConfig({}, env({ risk: { options: { cutoff: '25:00' } } }))).toThrow(/risk\.options\.cutoff: a time of day as HH:MM/);
    expect(() => loadConfig({}, env({ risk: { levels: { drawdownPct: [3, 2, 4] } } }))).toThrow(/risk\.levels\.drawdownPct: thresholds must be increasing/);
    expect(loadConfig({}, env({ risk: { options: { expiryDay: { allowEntries: false } } } })).risk.options.expiryDay).toEqual({ allowEntries: false, cutoff: '13:30', sizeFactor: 0.5 });
  });
});
