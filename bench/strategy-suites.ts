import * as hdr from 'hdr-histogram-js';
import { emptyTick } from '../native-free-ringbuffer/index.js';
import { Clock, createClockAnchor } from '../engine/clock.js';
import { SimulatedMarket } from '../engine/feeds/simulated-market.js';
import { InstrumentRegistry } from '../engine/instruments/registry.js';
import { STRATEGY_CATALOG } from '../engine/strategies/catalog.js';
import type { BenchRow } from './table.js';

/** Each strategy's onTick cost on the simulated market (4 instruments), per call, from an HDR histogram. */
export async function strategies(quick: boolean, progress: (s: string) => void): Promise<BenchRow[]> {
  const ticks = quick ? 200_000 : 2_000_000;
  const registry = new InstrumentRegistry(['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'BNBUSDT']);
  const instruments = registry.list().map((s) => registry.info(registry.id(s))!);
  const clock = new Clock(createClockAnchor());
  const rows: BenchRow[] = [];
  for (const name of Object.keys(STRATEGY_CATALOG).filter((n) => n !== 'latency-probe')) {
    progress(`strategy onTick: ${name}, ${ticks.toLocaleString()} ticks`);
    const f = STRATEGY_CATALOG[name];
    const s = f.create(f.params.parse({}), { strategyId: 1, instruments, toEpochMs: (ns) => clock.toEpochMs(ns) });
    const market = new SimulatedMarket(instruments.map((i, k) => ({ id: k + 1, symbol: i.symbol })), 11);
    const t = emptyTick();
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
  }
  return rows;
}
