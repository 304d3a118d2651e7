import * as hdr from 'hdr-histogram-js';
import { RingObserver } from '../native-free-ringbuffer/index.js';
import { benchConfig, startBenchEngine } from './bench-config.js';
import { bucketHigh, bucketLow, BUCKETS } from '../engine/status/latency-histogram.js';
import { STRATEGY_COMPUTE_SAMPLE, type StatusRegion } from '../engine/status/status-region.js';
import type { RunningEngine } from '../workers/engine-runner.js';
import type { BenchRow } from './table.js';
import { volumeScalper } from '../engine/strategies/volume-scalper.js';
import { regimeDetector } from '../engine/strategies/regime-detector.js';
import { stealMsPerVcpu, stealPercent } from './host-steal.js';
import { SCHEDULINGS, type Scheduling } from './schedulings.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The engine on the simulated feed: with the latency probe (every tick a signal, so every tick a sample), or the
 * desk's two strategies on the scripted market, which makes them signal at a known rate (engine/feeds/scripted-market.ts:
 * the scalper twice a 250-trade cycle per instrument with its cooldown off, the detector on 50 ms bars at each shock).
 */
async function engineAt(rate: number, desk = false, sched: Scheduling = SCHEDULINGS[0]): Promise<RunningEngine> {
  const config = benchConfig();
  config.scheduling.realtime = sched.realtime;
  config.scheduling.idlePoll = sched.idlePoll;
  config.feeds.simulator.ticksPerSecond = rate;
  config.feeds.publishers.enabled = false;
  if (desk) {
    config.feeds.simulator.script = 'signals';
    config.strategies = [
      { name: 'volume-scalper', id: 'volume-scalper', params: volumeScalper.params.parse({ cooldownMs: 0 }) },
      { name: 'regime-detector', id: 'regime-detector', params: regimeDetector.params.parse({ barSeconds: 0.05, fitBars: 60, refitBars: 20 }) },
    ];
  } else config.strategies = [{ name: 'latency-probe', id: 'latency-probe', params: { every: 1 } }];
  return startBenchEngine(config);
}

/** HDR histogram (hdr-histogram-js) of what a shared histogram recorded between two snapshots. */
function windowHistogram(before: Float64Array, after: Float64Array): hdr.Histogram {
  const h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 2 ** 41, numberOfSignificantValueDigits: 3 });
  for (let i = 0; i < BUCKETS; i++) {
    const c = after[4 + i] - before[4 + i];
    if (c > 0) h.recordValueWithCount(Math.floor((bucketLow(i) + bucketHigh(i) - 1) / 2), c);
  }
  return h;
}

/** The host's steal over a window, for a row's note: a tail measured under steal measured the host too. */
const stealNote = (before: readonly number[], ms: number) => {
  const pct = stealPercent(before, stealMsPerVcpu(), ms);
  return pct === pct ? `; host steal ${pct.toFixed(1)}% of vCPU time` : '';
};

/** Records dropped on every ring of a running engine so far. */
export function dropped(engine: RunningEngine): number {
  let d = 0;
  for (const desc of [...Object.values(engine.plan.tickRings), ...Object.values(engine.plan.signalRings)]) d += new RingObserver(desc).dropped();
  return d;
}

function hopRow(name: string, h: hdr.Histogram, opsPerSec: number, note: string): BenchRow {
  return {
    suite: 'engine', name, unit: 'us', p50: h.getValueAtPercentile(50) / 1e3, p99: h.getValueAtPercentile(99) / 1e3,
    p999: h.getValueAtPercentile(99.9) / 1e3, max: h.maxValue / 1e3, opsPerSec, note,
  };
}

function schedulingNote(engine: RunningEngine): string {
  const s = engine.plan.config.scheduling;
  let note = '';
  if (s.idlePoll) note += engine.status.read('engine.idlePoll') === 1 ? '; idle poll' : '; idle poll REFUSED: idle CPUs halt';
  if (s.realtime) {
    const refused = ['ingest', 'risk'].filter((t) => engine.status.read(`thread.${t}.realtimePriority`) === 0);
    note += refused.length ? `; realtime REFUSED (${refused.join(', ')}): normal scheduler` : '; SCHED_FIFO';
  }
  return note;
}

/** Tick-to-signal latency through the real threads, simulated feed, latency probe, default wait strategy. */
export async function engineLatency(quick: boolean, progress: (s: string) => void): Promise<BenchRow[]> {
  const warmup = quick ? 1000 : 3000;
  const window = quick ? 3000 : 15_000;
  const rows: BenchRow[] = [];
  for (const sched of SCHEDULINGS) {
    for (const desk of [false, true]) {
      for (const rate of [1_000, 10_000, 100_000]) {
        progress(`engine tick-to-signal${desk ? ', desk strategies' : ''} @ ${rate / 1000}k ticks/s${sched.suffix} (${(warmup + window) / 1000}s)`);
        const engine = await engineAt(rate, desk, sched);
        try {
          rows.push(...(await measureLatency(engine, rate, warmup, window)).map((r) => ({ ...r, name: r.name + sched.suffix, note: r.note && r.note + schedulingNote(engine) })));
        } finally {
          await engine.stop();
        }
      }
    }
  }
  return rows;
}

async function measureLatency(engine: RunningEngine, rate: number, warmup: number, window: number): Promise<BenchRow[]> {
  const status: StatusRegion = engine.status;
  await sleep(warmup);
  const ids = engine.plan.config.strategies.map((x) => x.id ?? x.name);
  const probe = ids.length === 1 && ids[0] === 'latency-probe';
  // with several strategies, each one's tick-to-signal too: whose signals make the tail
  const keys = ['tick_to_signal', ...ids.flatMap((id) => [...(probe ? [] : [`tick_to_signal:${id}`, `strategy_to_risk:${id}`]), `ingest_to_strategy:${id}`, `strategy_compute:${id}`])];
  const before = keys.map((k) => status.histogram(k).snapshot());
  const ticks0 = status.read('feed.simulator.ticks');
  const drops0 = dropped(engine);
  const steal0 = stealMsPerVcpu();
  const t0 = performance.now();
  await sleep(window);
  const after = keys.map((k) => status.histogram(k).snapshot());
  const ticks = status.read('feed.simulator.ticks') - ticks0;
  const drops = dropped(engine) - drops0;
  const seconds = (performance.now() - t0) / 1000;
  const steal = stealNote(steal0, seconds * 1000);
  const wait = engine.plan.config.rings.waitStrategy;
  const names = ['tick-to-signal', ...ids.flatMap((id) => (probe ? ['ingest-to-strategy', 'strategy compute'] : [`tick-to-signal ${id}`, `strategy-to-risk ${id}`, `ingest-to-strategy ${id}`, `strategy compute ${id}`]))];
  return keys.map((_, i) => {
    const h = windowHistogram(before[i], after[i]);
    const name = `${names[i]}${probe || i > 0 ? '' : ` (${ids.join(' + ')})`} @ ${rate / 1000}k/s`;
    const note = i === 0 ? `${wait}; drops ${drops}; ${h.totalCount} samples${steal}` : names[i].startsWith('strategy compute') ? `every ${STRATEGY_COMPUTE_SAMPLE}th tick timed` : '';
    return hopRow(name, h, i === 0 ? ticks / seconds : h.totalCount / seconds, note);
  });
}

/** Signal to order sent, and tick to order sent, with the paper broker, at 10k ticks/s, under each scheduling. */
export async function engineOrders(quick: boolean, progress: (s: string) => void): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const sched of SCHEDULINGS) rows.push(...(await engineOrdersWith(sched, quick, progress)));
  return rows;
}

const NOTES = ['', '', 'every signal: the wake-up inside signal-to-order', 'every order: the risk thread from reading the signals to the order sent'];

async function engineOrdersWith(sched: Scheduling, quick: boolean, progress: (s: string) => void): Promise<BenchRow[]> {
  const window = quick ? 3000 : 15_000;
  progress(`engine signal-to-order with the paper broker @ 10k ticks/s${sched.suffix} (${window / 1000 + 1}s)`);
  const config = benchConfig();
  config.scheduling.realtime = sched.realtime;
  config.scheduling.idlePoll = sched.idlePoll;
  config.feeds.simulator.ticksPerSecond = 10_000;
  config.feeds.publishers.enabled = false;
  // a tradable signal every 50 ticks: 200 orders a second
  config.strategies = [{ name: 'latency-probe', id: 'latency-probe', params: { every: 50, stopBps: 20, conviction: 0.9 } }];
  // The probe flips sides blindly and pays the spread each time; the latency of
  // the order path, not its P&L, is measured, so loss limits must not trip.
  config.paper = { ...config.paper, takerFeeBps: 0, makerFeeBps: 0, slippageBps: 0 };
  config.risk.circuit = { ...config.risk.circuit, dailyLossPct: 100, drawdownPct: 100 };
  // nor may the risk levels refuse them (they are still assessed, on every intent): a CI run's window had all
  // 600 intents refused as CRITICAL once the probe's book drifted past the default bounds, and measured nothing
  config.risk.levels = { ...config.risk.levels, exposure: [10, 20, 50], concentration: [10, 20, 50], drawdownPct: [50, 75, 100] };
  // entries of about a tenth of equity (0.02% at risk over a 20 bps stop), so the book stays below the
  // RiskLevel's exposure and concentration bounds and orders keep flowing
  config.risk.riskPerTradePct = 0.02;
  const engine = await startBenchEngine(config);
  try {
    await sleep(1000);
    // signal-to-order is the wake-up (strategy-to-risk, every signal) then the risk thread's work (risk-decide, every order)
    const keys = ['signal_to_order', 'tick_to_order', 'strategy_to_risk', 'risk_decide'];
    const before = keys.map((k) => engine.status.histogram(k).snapshot());
    // what became of the probe's signals: orders, or decided against (and why)
    const counts = ['orders', 'intents', 'noTrade', 'vetoed', 'belowQuality', 'exits', 'refusedByCircuit', 'refusedByRiskLevel', 'unsized', 'trips'];
    const counts0 = counts.map((k) => engine.status.read(`risk.${k}`));
    const steal0 = stealMsPerVcpu();
    await sleep(window);
    const steal = stealNote(steal0, window);
    const after = keys.map((k) => engine.status.histogram(k).snapshot());
    const delta = counts.map((k, i) => `${k} ${engine.status.read(`risk.${k}`) - counts0[i]}`);
    const orders = engine.status.read('risk.orders') - counts0[0];
    return keys.map((k, i) =>
      hopRow(`${k.replace(/_/g, '-')} @ 10k/s (paper)${sched.suffix}`, windowHistogram(before[i], after[i]), i < 2 ? orders / (window / 1000) : windowHistogram(before[i], after[i]).totalCount / (window / 1000), i === 0 ? delta.join(', ') + schedulingNote(engine) + steal : NOTES[i]),
    );
  } finally {
    await engine.stop();
  }
}

/** RSS over a long run at 10k ticks/s: growth after warm-up, in percent. */
export async function engineRss(quick: boolean, progress: (s: string) => void): Promise<BenchRow[]> {
  const seconds = quick ? 20 : 300;
  // An engine's first start on a new data directory creates its embedded database (initdb): a few
  // hundred MB for a minute, once in the life of a deployment. Do that first, so the run measures an
  // engine as it restarts every day, not the one-time creation.
  await (await engineAt(1_000)).stop();
  const engine = await engineAt(10_000);
  const samples: number[] = [];
  const started = Date.now();
  let ticks = 0;
  try {
    for (let s = 1; s <= seconds; s++) {
      await sleep(1000 - ((Date.now() - started) % 1000));
      samples.push(process.memoryUsage().rss);
      if (s % 10 === 0 || s === seconds) progress(`engine RSS @ 10k ticks/s: ${s}/${seconds}s, rss ${(samples[samples.length - 1] / 2 ** 20).toFixed(1)} MiB`);
    }
    ticks = engine.status.read('feed.simulator.ticks');
  } finally {
    await engine.stop();
  }
  const warm = samples.slice(Math.floor(samples.length / 5));
  const k = Math.max(3, Math.floor(warm.length / 10));
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const first = med(warm.slice(0, k));
  const last = med(warm.slice(-k));
  const growth = ((last - first) / first) * 100;
  return [{
    suite: 'engine', name: `RSS over ${seconds}s @ 10k/s`, unit: 'MiB', p50: med(warm) / 2 ** 20, p99: null, p999: null,
    max: Math.max(...warm) / 2 ** 20, opsPerSec: ticks / seconds,
    note: `growth ${growth.toFixed(2)}% after warm-up (median of first vs last ${k} samples, ${(first / 2 ** 20).toFixed(1)} -> ${(last / 2 ** 20).toFixed(1)} MiB)`,
  }];
}
