import { emptyTick } from '../../../native-free-ringbuffer/index.js';
import { Clock } from '../../clock.js';
import { SimulatedMarket } from '../simulated-market.js';
import { CaptureWriter } from './capture.js';

/**
 * Writes the simulated market to a capture without waiting for it: a day of
 * ticks in seconds, for backtests (`tickring simulate`). Ticks are spaced
 * evenly at whole milliseconds from `startMs`, so their times survive every
 * conversion exactly; the same options give the same file.
 */
export interface SimulatedCaptureOptions {
  file: string;
  instruments: readonly string[];
  seed: number;
  hours: number;
  ticksPerSecond: number;
  /** First tick, ms since the epoch (default: 2026-01-05 00:00 UTC, a Monday). */
  startMs?: number;
  onProgress?: (written: number, total: number) => void;
}

export function writeSimulatedCapture(o: SimulatedCaptureOptions): number {
  if (!(o.hours > 0) || !(o.ticksPerSecond > 0)) throw new Error('simulate: --hours and --rate must be positive');
  const startMs = o.startMs ?? Date.UTC(2026, 0, 5);
  const total = Math.floor(o.hours * 3600 * o.ticksPerSecond);
  // a clock anchored at the first tick: tick times are whole ms after it, exact in ns and back
  const clock = new Clock({ epochMs: startMs, hrtime: process.hrtime.bigint() });
  const market = new SimulatedMarket(o.instruments.map((symbol, i) => ({ id: i + 1, symbol })), o.seed);
  const writer = new CaptureWriter(o.file, o.instruments, clock);
  const tick = emptyTick();
  try {
    for (let i = 0; i < total; i++) {
      const ms = Math.floor((i * 1000) / o.ticksPerSecond);
      market.next(tick, ms * 1e6);
      writer.add(tick);
      if (o.onProgress && i % 100_000 === 0) o.onProgress(i, total);
    }
  } finally {
    writer.close();
  }
  o.onProgress?.(total, total);
  return total;
}
