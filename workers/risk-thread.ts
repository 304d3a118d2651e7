/**
 * Risk/execution thread: reads every strategy's signal ring and its own tick
 * ring (marks). Until the orchestrator, risk and brokers land, it measures the
 * hops that end here and counts what it receives.
 */
import {
  createWaitStrategy, decodeSignal, decodeTick, emptySignal, emptyTick, RingReader, type WaitStrategyName,
} from '../native-free-ringbuffer/index.js';
import { RISK } from '../engine/plan.js';
import { threadKit } from './thread-kit.js';

const SLICE_MS = 20;
const BEAT_MS = 100;
const MAX_BATCH = 1024;

const kit = threadKit();
const { plan, clock, status, log } = kit;
const ticks = new RingReader(plan.tickRings[RISK]);
const signalRings = Object.values(plan.signalRings).map((d) => new RingReader(d));
const wait = createWaitStrategy(plan.config.rings.waitStrategy as WaitStrategyName, ticks.doorbell, plan.config.rings.spinIterations);
const strategyToRisk = status.histogram('strategy_to_risk');
const tickToSignal = status.histogram('tick_to_signal');
const sSignals = status.slot('risk.signals');
const sTicks = status.slot('risk.ticks');
/** Last trade price per instrument id. */
const marks = new Float64Array(plan.config.instruments.length + 1);
const signal = emptySignal();
const tick = emptyTick();

const ready = () => {
  if (ticks.available() > 0) return true;
  for (let i = 0; i < signalRings.length; i++) if (signalRings[i].available() > 0) return true;
  return false;
};

function consume(): void {
  for (let r = 0; r < signalRings.length; r++) {
    const ring = signalRings[r];
    const n = Math.min(ring.available(), MAX_BATCH);
    if (n === 0) continue;
    for (let i = 0; i < n; i++) {
      decodeSignal(ring, ring.slot(i), signal);
      const now = clock.now();
      strategyToRisk.record(now - signal.signalTs);
      tickToSignal.record(now - signal.tickRecvTs);
    }
    ring.release(n);
    status.add(sSignals, n);
  }
  const n = Math.min(ticks.available(), MAX_BATCH);
  if (n > 0) {
    for (let i = 0; i < n; i++) {
      decodeTick(ticks, ticks.slot(i), tick);
      marks[tick.instrumentId] = tick.price;
    }
    ticks.release(n);
    status.add(sTicks, n);
  }
}

let draining = false;
let lastBeat = 0;
function slice(): void {
  const end = performance.now() + SLICE_MS;
  for (;;) {
    const now = performance.now();
    if (now - lastBeat >= BEAT_MS) {
      kit.beat();
      lastBeat = now;
    }
    if (now >= end) break;
    if (wait.waitFor(ready, Math.min(10, end - now))) consume();
    else if (draining) {
      log.info({ signals: status.get(sSignals) }, 'drained');
      process.exit(0);
    }
  }
  setImmediate(slice);
}

kit.onControl((m) => {
  if (m.type === 'drain' || m.type === 'stop') draining = true;
});
kit.send({ type: 'started' });
setImmediate(slice);
