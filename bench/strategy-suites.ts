import { getHeapSpaceStatistics } from 'node:v8';
import * as hdr from 'hdr-histogram-js';
import { emptyTick } from '../native-free-ringbuffer/index.js';
import { Clock, createClockAnchor } from '../engine/clock.js';
import { SimulatedMarket } from '../engine/feeds/simulated-market.js';
import { InstrumentRegistry } from '../engine/instruments/registry.js';
import { STRATEGY_CATALOG } from '../engine/strategies/catalog.js';
import type { Strategy } from '../engine/strategies/strategy.js';
import type { Tick } from '../native-free-ringbuffer/index.js';
import type { BenchRow } from './table.js';

const newSpaceUsed = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')!.space_used_size;
const ALLOCATION_RUNS = 41;
const ALLOCATION_RUN_TICKS = 8192;

/**
 * Bytes a strategy's onTick allocates a tick, by the growth of the young generation over runs of 8,192 ticks
 * (a run a scavenge cut short is left out), less the same runs of the simulated market alone. The issue asks
 * for none: at 10k ticks/s every 16-byte heap number a tick is 160 KB/s of garbage on the strategy's thread.
 */
function bytesPerTick(s: Strategy, market: SimulatedMarket, t: Tick, simNs: number): { median: number; max: number } {
  const runs = (withStrategy: boolean): number[] => {
    const out: number[] = [];
    for (let r = 0; r < ALLOCATION_RUNS; r++) {
      const before = newSpaceUsed();
      for (let i = 0; i < ALLOCATION_RUN_TICKS; i++) {
        simNs += 10_000_000;
        market.next(t, simNs);
        if (withStrategy) s.onTick(t);
      }
      const after = newSpaceUsed();
      if (after >= before) out.push((after - before) / ALLOCATION_RUN_TICKS);
    }
    return out.sort((a, b) => a - b);
  };
  const market0 = runs(false);
  const both = runs(true);
  const base = market0[market0.length >> 1] ?? NaN;
  return { median: Math.max(0, (both[both.length >> 1] ?? NaN) - base), max: Math.max(0, (both[both.length - 1] ?? NaN) - base) };
}

const DESK_SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'BNBUSDT'];

/** A strategy with its default parameters on the simulated market of four instruments, and the tick it fills. */
function onSimulatedMarket(name: string): { s: Strategy; market: SimulatedMarket; t: Tick } {
  const registry = new InstrumentRegistry(DESK_SYMBOLS);
  const instruments = registry.list().map((sym) => registry.info(registry.id(sym))!);
  const clock = new Clock(createClockAnchor());
  const f = STRATEGY_CATALOG[name];
  const s = f.create(f.params.parse({}), { strategyId: 1, instruments, toEpochMs: (ns) => clock.toEpochMs(ns) });
  const market = new SimulatedMarket(instruments.map((i, k) => ({ id: k + 1, symbol: i.symbol })), 11);
  return { s, market, t: emptyTick() };
}

/** A strategy's onTick allocation after `warmupTicks` (optimised by then): what the bench reports, for a test in a process with the engine's V8 flags. */
export function onTickAllocation(name: string, warmupTicks: number): { median: number; max: number } {
  const { s, market, t } = onSimulatedMarket(name);
  let simNs = 0;
  for (let i = 0; i < warmupTicks; i++) {
    simNs += 10_000_000;
    market.next(t, simNs);
    s.onTick(t);
  }
  return bytesPerTick(s, market, t, simNs);
}

/** Each strategy's onTick cost on the simulated market (4 instruments), per call, from an HDR histogram, and what it allocates. */
export async function strategies(quick: boolean, progress: (s: string) => void): Promise<BenchRow[]> {
  const ticks = quick ? 200_000 : 2_000_000;
  const rows: BenchRow[] = [];
  for (const name of Object.keys(STRATEGY_CATALOG).filter((n) => n !== 'latency-probe')) {
    progress(`strategy onTick: ${name}, ${ticks.toLocaleString()} ticks`);
    const { s, market, t } = onSimulatedMarket(name);
    const h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 1e10, numberOfSignificantValueDigits: 3 });
    let signals = 0;
    let simNs = 0;
    for (let i = 0; i < ticks; i++) {
      simNs += 10_000_000; // 100 ticks/s of simulated time, so bars close (one a minute per instrument)
      market.next(t, simNs);
      const t0 = performance.now();
      const sig = s.onTick(t);
      const ns = (performance.now() - t0) * 1e6;
      if (i > ticks / 10) h.recordValue(Math.max(1, Math.round(ns))); // after warm-up
      if (sig) signals++;
    }
    rows.push({
      suite: 'strategy', name: `${name} onTick`, unit: 'ns', p50: h.getValueAtPercentile(50), p99: h.getValueAtPercentile(99), p999: h.getValueAtPercentile(99.9),
      max: h.maxValue, opsPerSec: 1e9 / h.mean, note: `${signals} signals in ${ticks.toLocaleString()} simulated ticks; includes ~30 ns of timer`,
    });
    const bytes = bytesPerTick(s, market, t, simNs);
    rows.push({
      suite: 'strategy', name: `${name} onTick allocation`, unit: 'B/tick', p50: bytes.median, p99: null, p999: null, max: bytes.max, opsPerSec: null,
      note: `young-generation growth over runs of ${ALLOCATION_RUN_TICKS.toLocaleString()} ticks less the market's, median and largest of ${ALLOCATION_RUNS}, after the timed ticks`,
    });
  }
  return rows;
}
