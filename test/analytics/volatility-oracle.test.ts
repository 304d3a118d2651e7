import { describe, expect, it } from 'vitest';
import { RollingVolatility } from '../../engine/analytics/volatility.js';
import { Atr, Ema, RollingStd, Sma } from '../../engine/analytics/indicators.js';
import { BarBuilder, emptyBar, type Bar } from '../../engine/analytics/bars.js';
import { fixture, recordedStream } from '../helpers/shared-data.js';

// Reference: R's TTR (test/oracles/volatility.R -> fixtures/volatility.json).
const ref = fixture('volatility.json');
const CALCS = { close: 'closeToClose', parkinson: 'parkinson', 'garman.klass': 'garmanKlass', 'rogers.satchell': 'rogersSatchell', 'yang.zhang': 'yangZhang' } as const;

/**
 * Relative error <= 1e-9 wherever the reference is a real value. TTR's running
 * sums leave round-off where the exact answer is 0 (a window of flat bars gives
 * Rogers-Satchell terms of exactly 0; TTR reports ~1e-8): a reference more than
 * a million times below the series' median is taken as zero within round-off,
 * and ours must be at least as small.
 */
function expectSeries(ours: number[], theirs: (number | null)[], label: string) {
  expect(ours.length).toBe(theirs.length);
  const sizes = theirs.filter((x): x is number => x !== null && x !== 0).map(Math.abs).sort((a, b) => a - b);
  const noise = (sizes[sizes.length >> 1] ?? 0) * 1e-6;
  let compared = 0;
  for (let i = 0; i < theirs.length; i++) {
    const r = theirs[i];
    if (r === null) {
      expect(ours[i], `${label}[${i}] should be NaN`).toBeNaN();
      continue;
    }
    if (Math.abs(r) < noise) {
      expect(Math.abs(ours[i]), `${label}[${i}]: TTR ${r} is round-off of 0`).toBeLessThan(noise);
      continue;
    }
    const rel = Math.abs(ours[i] - r) / Math.abs(r);
    expect(rel, `${label}[${i}]: ours ${ours[i]} vs TTR ${r}`).toBeLessThanOrEqual(1e-9);
    compared++;
  }
  expect(compared).toBeGreaterThan(0);
}

function runVol(o: number[], h: number[], l: number[], c: number[], n: number, N: number) {
  const v = new RollingVolatility(n, N);
  const out: Record<string, number[]> = { closeToClose: [], parkinson: [], garmanKlass: [], rogersSatchell: [], yangZhang: [] };
  for (let i = 0; i < o.length; i++) {
    v.update(o[i], h[i], l[i], c[i]);
    for (const k of Object.keys(out)) out[k].push(v[k as keyof RollingVolatility] as number);
  }
  return out;
}

describe('volatility estimators against TTR::volatility', () => {
  const t = ref.ttrc;
  for (const [key, n, N] of [['n10', 10, 260], ['n20', 20, 252]] as const) {
    it(`on ttrc (2000 days), window ${n}, N=${N}: relative error <= 1e-9`, () => {
      const ours = runVol(t.open, t.high, t.low, t.close, n, N);
      for (const [calc, field] of Object.entries(CALCS)) expectSeries(ours[field], t[key][calc], `${calc} n=${n}`);
    });
  }

  it('on 1-second bars built from the recorded Binance futures stream: the same bars as R built, and the same estimates', () => {
    const b = ref.binance_sushiusdt_1s;
    const builder = new BarBuilder('crypto', 1);
    const bars: Bar[] = [];
    const closed = emptyBar();
    for (const { recvMs, message } of recordedStream('binance-recorded/BINANCE_FUTURES.ws.1.0')) {
      if (message.stream !== 'sushiusdt@bookTicker') continue;
      const mid = (Number(message.data.b) + Number(message.data.a)) / 2;
      if (builder.onTrade(recvMs, mid, 0, 0, closed)) bars.push({ ...closed });
    }
    if (builder.closeIfDue(Infinity, closed)) bars.push({ ...closed });
    expect(bars.map((x) => x.start)).toEqual(b.start);
    // R writes 15 significant digits, so prices agree to ~1e-15, not bit for bit
    expectSeries(bars.map((x) => x.open), b.open, 'open');
    expectSeries(bars.map((x) => x.high), b.high, 'high');
    expectSeries(bars.map((x) => x.low), b.low, 'low');
    expectSeries(bars.map((x) => x.close), b.close, 'close');
    const ours = runVol(b.open, b.high, b.low, b.close, 5, 365 * 86400);
    for (const [calc, field] of Object.entries(CALCS)) expectSeries(ours[field], b.n5[calc], `binance ${calc}`);
  });
});

describe('indicators against TTR', () => {
  const t = ref.ttrc;
  it('SMA(20), EMA(20), runSD(20) and ATR(14) on ttrc', () => {
    const sma = new Sma(20);
    const ema = new Ema(20);
    const sd = new RollingStd(20);
    const atr = new Atr(14);
    const out = { sma: [] as number[], ema: [] as number[], sd: [] as number[], atr: [] as number[] };
    for (let i = 0; i < t.close.length; i++) {
      out.sma.push(sma.update(t.close[i]));
      out.ema.push(ema.update(t.close[i]));
      out.sd.push(sd.update(t.close[i]));
      out.atr.push(atr.update(t.high[i], t.low[i], t.close[i]));
    }
    expectSeries(out.sma, t.sma20, 'SMA');
    expectSeries(out.ema, t.ema20, 'EMA');
    expectSeries(out.sd, t.sd20, 'runSD');
    expectSeries(out.atr, t.atr14, 'ATR');
  });
});
