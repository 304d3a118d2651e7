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
import { DEFAULT_ORCHESTRATOR, Orchestrator, type OrderIntent } from '../engine/orchestrator/orchestrator.js';
import { PublishedRows, ROW_SLOTS } from '../engine/status/published-rows.js';
import { runConsumerLoop } from './consumer-loop.js';

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
const marks = new Float64Array(plan.instruments.length + 1);
const signal = emptySignal();

// the orchestrator: signals to order intents (risk and the broker act on them in the next step)
const regimeRows = plan.config.strategies
  .filter((s) => s.name === 'regime-detector')
  .map((s) => new PublishedRows(plan.publications[s.id ?? s.name], plan.instruments.length + 1));
const regimeRow = new Float64Array(ROW_SLOTS);
const regimeOf = (id: number) => {
  for (const rows of regimeRows) if (rows.read(id, regimeRow, 1)) return regimeRow[0];
  return NaN;
};
const orchestrator = new Orchestrator(plan.instruments, DEFAULT_ORCHESTRATOR, regimeOf);
const decisionSlots = [0, 'intents', 'noTrade', 'vetoed', 'belowQuality', 'exits'].map((k) => (k ? status.slot(`risk.${k}`) : -1));
const decide = (i: Readonly<OrderIntent>) => status.add(decisionSlots[i.decision], 1);
const tick = emptyTick();

const ready = () => {
  if (ticks.available() > 0) return true;
  for (let i = 0; i < signalRings.length; i++) if (signalRings[i].available() > 0) return true;
  return false;
};

function consume(): void {
  orchestrator.flush(clock.toEpochMs(clock.now()), decide);
  for (let r = 0; r < signalRings.length; r++) {
    const ring = signalRings[r];
    const n = Math.min(ring.available(), MAX_BATCH);
    if (n === 0) continue;
    for (let i = 0; i < n; i++) {
      decodeSignal(ring, ring.slot(i), signal);
      const now = clock.now();
      strategyToRisk.record(now - signal.signalTs);
      tickToSignal.record(now - signal.tickRecvTs);
      orchestrator.onSignal(signal, clock.toEpochMs(now), decide);
    }
    ring.release(n);
    status.add(sSignals, n);
  }
  const n = Math.min(ticks.available(), MAX_BATCH);
  if (n > 0) {
    for (let i = 0; i < n; i++) {
      decodeTick(ticks, ticks.slot(i), tick);
      marks[tick.instrumentId] = tick.price;
      orchestrator.onTick(tick, clock.toEpochMs(tick.exchangeTs === tick.exchangeTs ? tick.exchangeTs : tick.recvTs));
    }
    ticks.release(n);
    status.add(sTicks, n);
  }
}

const loop = runConsumerLoop(kit, wait, ready, consume, () => log.info({ signals: status.get(sSignals) }, 'drained'));
kit.onControl((m) => {
  if (m.type === 'drain' || m.type === 'stop') loop.drain();
});
kit.send({ type: 'started' });
