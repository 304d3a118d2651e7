import { describe, expect, it } from 'vitest';
import { emptyScore, factorNames, Quality, SignalScorer, validateWeights } from '../../engine/analytics/signal-scorer.js';
import { MultiTimeframeAnalyzer } from '../../engine/analytics/multi-timeframe.js';
import { emptyBar, TIMEFRAMES, type Bar } from '../../engine/analytics/bars.js';

describe('signal scorer', () => {
  it('weights the factors 30/20/15/15/10/10 by default and bands the score', () => {
    const s = new SignalScorer();
    // technical, volume, volatility, momentum, riskReward, timing
    const r = s.score([1, 1, 0.5, 0.5, 0, 1], emptyScore());
    expect(r.score).toBeCloseTo(30 + 20 + 7.5 + 7.5 + 0 + 10, 10);
    expect(r.quality).toBe(Quality.Good);
    expect(factorNames(r.strengths)).toEqual(['technical', 'volume', 'timing']);
    expect(factorNames(r.weaknesses)).toEqual(['riskReward']);
    expect(s.score([1, 1, 1, 1, 1, 0], emptyScore())).toMatchObject({ score: 90, quality: Quality.Excellent });
    expect(s.score([0.5, 0.5, 0.5, 0.5, 0.5, 0.5], emptyScore()).quality).toBe(Quality.Fair);
    expect(s.score([0.4, 0.4, 0.4, 0.4, 0.4, 0.4], emptyScore()).quality).toBe(Quality.Poor);
  });

  it('band edges are inclusive lower bounds', () => {
    const s = new SignalScorer({ technical: 1, volume: 0, volatility: 0, momentum: 0, riskReward: 0, timing: 0 });
    expect(s.score([0.8, 0, 0, 0, 0, 0], emptyScore()).quality).toBe(Quality.Excellent);
    expect(s.score([0.65, 0, 0, 0, 0, 0], emptyScore()).quality).toBe(Quality.Good);
    expect(s.score([0.5, 0, 0, 0, 0, 0], emptyScore()).quality).toBe(Quality.Fair);
    expect(s.score([0.4999, 0, 0, 0, 0, 0], emptyScore()).quality).toBe(Quality.Poor);
  });

  it('clamps factor values and scores NaN as 0', () => {
    const s = new SignalScorer();
    expect(s.score([2, -1, NaN, 1, 1, 1], emptyScore()).score).toBeCloseTo(30 + 15 + 10 + 10, 10);
  });

  it('refuses weights that do not sum to 1, are out of range, or name unknown factors', () => {
    expect(() => validateWeights({ technical: 0.5 })).toThrow(/sum to 1, they sum to 1.2/);
    expect(() => validateWeights({ technical: -0.1, volume: 0.6 })).toThrow(/technical: weight must be in \[0, 1\]/);
    expect(() => validateWeights({ luck: 0 } as never)).toThrow(/unknown factor 'luck'/);
  });
});

describe('multi-timeframe analyzer', () => {
  const bar = (start: number, o: number, h: number, l: number, c: number): Bar => ({ ...emptyBar(), start, open: o, high: h, low: l, close: c });

  it('all timeframes trending up align at +1 and confirm a long more than a short', () => {
    const m = new MultiTimeframeAnalyzer('crypto');
    const t0 = Date.UTC(2024, 0, 1);
    // one trade a minute rising steadily for two days: every timeframe trends up
    for (let i = 0; i < 2 * 24 * 60; i++) m.onTrade(t0 + i * 60_000, 100 + i * 0.05 + (i % 3) * 0.02, 1, 1);
    for (const tf of ['M1', 'M5', 'M15', 'H1'] as const) expect(m.trend(tf).direction).toBe(1);
    expect(m.alignment()).toBeCloseTo(1, 12);
    const long = m.confluence(1, 240, { alignment: 0, confidence: 0, support: NaN, resistance: NaN });
    const short = m.confluence(-1, 240, { alignment: 0, confidence: 0, support: NaN, resistance: NaN });
    expect(long.alignment).toBeCloseTo(1, 12);
    expect(short.alignment).toBeCloseTo(-1, 12);
    expect(long.confidence).toBeGreaterThan(0.7);
    expect(short.confidence).toBeLessThanOrEqual(0.3);
  });

  it('finds swing highs and lows as resistance and support, and a long right under resistance loses confidence', () => {
    const m = new MultiTimeframeAnalyzer('crypto', { timeframes: ['M5'], fast: 3, slow: 5, atr: 3, flatBelow: 0.25, swingSpan: 2, levels: 4 });
    const closes = [100, 101, 102, 105, 102, 101, 100, 97, 100, 101, 102, 103];
    closes.forEach((c, i) => m.onBar('M5', bar(i * TIMEFRAMES.M5 * 1000, c, c + 0.5, c - 0.5, c)));
    const atResistance = m.confluence(1, 105, { alignment: 0, confidence: 0, support: NaN, resistance: NaN });
    expect(atResistance.resistance).toBe(105.5); // swing high at bar 3
    expect(atResistance.support).toBe(96.5); // swing low at bar 7
    const farBelow = m.confluence(1, 99, { alignment: 0, confidence: 0, support: NaN, resistance: NaN });
    expect(atResistance.confidence).toBeLessThan(farBelow.confidence);
  });
});
