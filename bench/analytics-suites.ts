import { Bench } from 'tinybench';
import * as tradingSignals from 'trading-signals';
import technicalIndicators from 'technicalindicators';
import { emptyTick } from '../native-free-ringbuffer/index.js';
import { Atr, Ema, RollingStd, Sma } from '../engine/analytics/indicators.js';
import { RollingVolatility } from '../engine/analytics/volatility.js';
import { fitGarch, GarchFilter } from '../engine/analytics/garch.js';
import { fitHmm, HmmFilter } from '../engine/analytics/hmm.js';
import { BarBuilder, emptyBar, TIMEFRAMES } from '../engine/analytics/bars.js';
import { Footprint, VolumeProfile, WhaleDetector } from '../engine/analytics/order-flow.js';
import { emptyScore, SignalScorer } from '../engine/analytics/signal-scorer.js';
import { RegimeFeatures } from '../engine/analytics/regime-features.js';
import { RegimeClassifier } from '../engine/analytics/regime-classifier.js';
import { buildRegimeDataset } from '../engine/analytics/regime-dataset.js';
import { simulateRegimes } from '../engine/analytics/regime-simulator.js';
import { SimulatedMarket } from '../engine/feeds/simulated-market.js';
import { ModelPool } from '../workers/model-pool.js';
import type { BenchRow } from './table.js';

const BATCH = 1000;
interface Stream {
  nextValue(x: unknown): number | undefined;
}
const N = 4096; // input ring, a power of two

/** Per-update cost of every streaming piece, and the shared indicators beside trading-signals and technicalindicators. */
export async function analytics(quick: boolean, progress: (s: string) => void): Promise<BenchRow[]> {
  const bars = simulateRegimes(N, 5);
  const ret = Float64Array.from(bars.close, (c, i) => (i === 0 ? 0 : 100 * Math.log(c / bars.close[i - 1])));
  const market = new SimulatedMarket([{ id: 1, symbol: 'BTCUSDT' }], 9);
  const ticks = Array.from({ length: N }, (_, i) => ({ ...market.next(emptyTick(), i * 1e6) }));
  const tPrice = Float64Array.from(ticks, (t) => t.price);
  const tQty = Float64Array.from(ticks, (t) => t.qty);
  const tSide = Uint8Array.from(ticks, (t) => t.side);
  const garch = fitGarch(ret.subarray(1, 2001));
  const hmm = fitHmm(ret.subarray(1, 2001), 4);
  const data = buildRegimeDataset(7, 6000, 3);
  const classifier = RegimeClassifier.train({ X: data.X.slice(0, data.trainCount), y: data.y.slice(0, data.trainCount) });
  const featureRows = data.X;

  const bench = new Bench({ time: quick ? 150 : 1000, warmup: true, warmupTime: quick ? 50 : 200 });
  let k = 0;
  let sink = 0;
  const add = (name: string, fn: (i: number) => void) =>
    bench.add(name, () => {
      for (let b = 0; b < BATCH; b++) fn((k = (k + 1) & (N - 1)));
    });

  const vol = new RollingVolatility(20, 252);
  add('volatility: 5 estimators', (i) => (sink += vol.update(bars.open[i], bars.high[i], bars.low[i], bars.close[i]).yangZhang || 0));
  const gf = new GarchFilter(garch, garch.nextVariance);
  add('GARCH(1,1) filter', (i) => (sink += gf.update(ret[i])));
  const hf = new HmmFilter(hmm);
  add('HMM filter, 4 states', (i) => (sink += hf.update(ret[i])[0]));
  const feats = new RegimeFeatures(20, 252, { params: garch, nextVariance: garch.nextVariance }, hmm);
  add('regime features', (i) => (sink += feats.update(bars.open[i], bars.high[i], bars.low[i], bars.close[i]) ? 1 : 0));
  const bb = new BarBuilder('crypto', TIMEFRAMES.M1);
  const closed = emptyBar();
  let ts = 0;
  add('bars: M1 from trades', (i) => (sink += bb.onTrade((ts += 250), tPrice[i], tQty[i], tSide[i], closed) ? 1 : 0));
  const vp = new VolumeProfile(0.1, 5000);
  add('volume profile, rolling 5000 trades', (i) => vp.add(tPrice[i], tQty[i], tSide[i]));
  const fp = new Footprint(0.1);
  add('footprint', (i) => fp.add(tPrice[i], tQty[i], tSide[i]));
  const whale = new WhaleDetector(50_000);
  add('whale prints', (i) => (sink += whale.onTrade(tPrice[i], tQty[i], tSide[i])));
  const scorer = new SignalScorer();
  const score = emptyScore();
  const factors = new Float64Array(6);
  add('signal scorer', (i) => {
    factors[0] = (i & 7) / 7;
    sink += scorer.score(factors, score).score;
  });
  const proba = new Float64Array(4);
  let row = 0;
  add('regime classifier (per closed bar)', () => (sink += classifier.classify(featureRows[row++ % featureRows.length], proba)));

  // the indicators all three libraries have
  const close = bars.close;
  const ours = { ema: new Ema(20), sma: new Sma(20), sd: new RollingStd(20), atr: new Atr(14) };
  const ts2 = { ema: new tradingSignals.EMA(20), sma: new tradingSignals.SMA(20), sd: new tradingSignals.BollingerBands(20), atr: new tradingSignals.ATR(14) };
  const ti = {
    // their typings declare nextValue for some indicators only; the methods exist on all four
    ema: new technicalIndicators.EMA({ period: 20, values: [] }) as unknown as Stream, sma: new technicalIndicators.SMA({ period: 20, values: [] }) as unknown as Stream,
    sd: new technicalIndicators.SD({ period: 20, values: [] }) as unknown as Stream, atr: new technicalIndicators.ATR({ period: 14, high: [], low: [], close: [] }) as unknown as Stream,
  };
  const hlc = Array.from({ length: N }, (_, i) => ({ high: bars.high[i], low: bars.low[i], close: bars.close[i] }));
  const compare: [string, () => void][] = [];
  // Explicit loops (no shared callback) and no accumulator: each library pays the
  // same, minimal harness cost; every update mutates its indicator, so none is optimised away.
  compare.push(['EMA(20): tickring', () => {
    for (let b = 0; b < BATCH; b++) {
      const i = (k = (k + 1) & (N - 1));
      ours.ema.update(close[i]);
    }
  }]);
  compare.push(['EMA(20): trading-signals', () => {
    for (let b = 0; b < BATCH; b++) {
      const i = (k = (k + 1) & (N - 1));
      ts2.ema.update(close[i], false);
    }
  }]);
  compare.push(['EMA(20): technicalindicators', () => {
    for (let b = 0; b < BATCH; b++) {
      const i = (k = (k + 1) & (N - 1));
      ti.ema.nextValue(close[i]);
    }
  }]);
  compare.push(['SMA(20): tickring', () => {
    for (let b = 0; b < BATCH; b++) {
      const i = (k = (k + 1) & (N - 1));
      ours.sma.update(close[i]);
    }
  }]);
  compare.push(['SMA(20): trading-signals', () => {
    for (let b = 0; b < BATCH; b++) {
      const i = (k = (k + 1) & (N - 1));
      ts2.sma.update(close[i], false);
    }
  }]);
  compare.push(['SMA(20): technicalindicators', () => {
    for (let b = 0; b < BATCH; b++) {
      const i = (k = (k + 1) & (N - 1));
      ti.sma.nextValue(close[i]);
    }
  }]);
  compare.push(['SD(20): tickring', () => {
    for (let b = 0; b < BATCH; b++) {
      const i = (k = (k + 1) & (N - 1));
      ours.sd.update(close[i]);
    }
  }]);
  compare.push(['SD(20): trading-signals', () => {
    for (let b = 0; b < BATCH; b++) {
      const i = (k = (k + 1) & (N - 1));
      ts2.sd.update(close[i], false);
    }
  }]);
  compare.push(['SD(20): technicalindicators', () => {
    for (let b = 0; b < BATCH; b++) {
      const i = (k = (k + 1) & (N - 1));
      ti.sd.nextValue(close[i]);
    }
  }]);
  compare.push(['ATR(14): tickring', () => {
    for (let b = 0; b < BATCH; b++) {
      const i = (k = (k + 1) & (N - 1));
      ours.atr.update(bars.high[i], bars.low[i], bars.close[i]);
    }
  }]);
  compare.push(['ATR(14): trading-signals', () => {
    for (let b = 0; b < BATCH; b++) {
      const i = (k = (k + 1) & (N - 1));
      ts2.atr.update(hlc[i], false);
    }
  }]);
  compare.push(['ATR(14): technicalindicators', () => {
    for (let b = 0; b < BATCH; b++) {
      const i = (k = (k + 1) & (N - 1));
      ti.atr.nextValue(hlc[i]);
    }
  }]);
  progress(`analytics: ${bench.tasks.length} streaming tasks x ${BATCH} updates`);
  await bench.run();
  const rows: BenchRow[] = bench.tasks.map((t) => analyticsRow(t.name, [latencyOf(t)]));
  // The comparison in rounds, each measuring the three libraries one after another: a few ns an update against a
  // few tens, where a burst of host steal in one library's window alone (150 ms in --quick) moved a ratio ~2x.
  // Each figure is the median of its rounds; each ratio the median of the rounds' own ratios.
  const rounds: Record<string, Latency[]> = {};
  for (let r = 0; r < COMPARE_ROUNDS; r++) {
    progress(`analytics: shared indicators beside trading-signals and technicalindicators, round ${r + 1} of ${COMPARE_ROUNDS}`);
    const round = new Bench({ time: (quick ? 150 : 1000) / 2, warmup: true, warmupTime: quick ? 25 : 100 });
    for (const [name, fn] of compare) round.add(name, fn);
    await round.run();
    for (const t of round.tasks) (rounds[t.name] ??= []).push(latencyOf(t));
  }
  if (sink === 42.4242) progress('');
  for (const ind of ['EMA(20)', 'SMA(20)', 'SD(20)', 'ATR(14)']) {
    const [o, a, b] = ['tickring', 'trading-signals', 'technicalindicators'].map((lib) => analyticsRow(`${ind}: ${lib}`, rounds[`${ind}: ${lib}`]));
    const x = median(rounds[o.name].map((l, r) => Math.min(rounds[a.name][r].p50, rounds[b.name][r].p50) / l.p50));
    o.note = `${x.toFixed(1)}x faster than the faster package (median of ${COMPARE_ROUNDS} rounds)`;
    if (ind === 'SD(20)') a.note = 'BollingerBands(20): its rolling SD';
    rows.push(o, a, b);
  }
  rows.find((r) => r.name.startsWith('regime classifier'))!.note = 'per closed bar, not per tick: 100 forest trees + 400 boosted trees';
  rows.push(...(await fitsInPool(quick, progress, ret)));
  return rows;
}

const COMPARE_ROUNDS = 5;
interface Latency {
  p50: number;
  p99: number;
  p999: number;
}
const latencyOf = (t: Bench['tasks'][number]): Latency => (t.result as unknown as { latency: Latency }).latency;
const median = (x: number[]) => [...x].sort((a, b) => a - b)[x.length >> 1];
/** A task's row, per update, from the median of its runs' per-batch figures. */
function analyticsRow(name: string, runs: Latency[]): BenchRow {
  const ns = (ms: number) => (ms * 1e6) / BATCH;
  const p50 = ns(median(runs.map((l) => l.p50)));
  return { suite: 'analytics', name, unit: 'ns/update', p50, p99: ns(median(runs.map((l) => l.p99))), p999: ns(median(runs.map((l) => l.p999))), max: null, opsPerSec: 1e9 / p50, note: '' };
}

/** GARCH and HMM fits on 2,000 bars, in the model pool (time measured inside the pool thread). */
async function fitsInPool(quick: boolean, progress: (s: string) => void, ret: Float64Array): Promise<BenchRow[]> {
  const pool = new ModelPool(1);
  const runs = quick ? 5 : 20;
  const rows: BenchRow[] = [];
  try {
    for (const kind of ['garch', 'hmm'] as const) {
      progress(`analytics: ${kind.toUpperCase()} fit on 2,000 bars in the pool, ${runs} runs`);
      const ms: number[] = [];
      for (let r = 0; r < runs; r++) {
        const x = ret.slice(1 + r * 50, 2001 + r * 50); // a different window each run
        ms.push((kind === 'garch' ? await pool.fitGarch(x) : await pool.fitHmm(x, 4)).ms);
      }
      const sorted = [...ms].sort((a, b) => a - b);
      const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
      rows.push({
        suite: 'analytics', name: `${kind === 'garch' ? 'GARCH(1,1)' : 'HMM 4-state'} fit, 2000 bars (pool)`, unit: 'ms',
        p50: q(0.5), p99: q(0.99), p999: null, max: sorted[sorted.length - 1], opsPerSec: 1000 / q(0.5), note: `${runs} fits, first includes JIT warm-up`,
      });
    }
  } finally {
    await pool.close();
  }
  return rows;
}
