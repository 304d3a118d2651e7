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
import { Execution } from '../engine/risk/execution.js';
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
const processedSlots = plan.config.strategies.map((s) => status.slot(`strategy.${s.id ?? s.name}.processedTs`));
const allProcessed = (tickRecvTs: number) => {
  for (let i = 0; i < processedSlots.length; i++) if (status.get(processedSlots[i]) < tickRecvTs) return false;
  return true;
};
const orchestrator = new Orchestrator(plan.instruments, DEFAULT_ORCHESTRATOR, regimeOf, allProcessed);
const decisionSlots = [0, 'intents', 'noTrade', 'vetoed', 'belowQuality', 'exits'].map((k) => (k ? status.slot(`risk.${k}`) : -1));

// execution: intents to the (paper) broker through the circuit breaker
const regimeRead = new Float64Array(ROW_SLOTS);
const regimeInfo = { regime: 0, blackSwan: false };
const regimeState = (id: number) => {
  for (const rows of regimeRows) {
    if (rows.read(id, regimeRead, 9)) {
      regimeInfo.regime = regimeRead[0];
      regimeInfo.blackSwan = (regimeRead[8] & 1) !== 0;
      return regimeInfo;
    }
  }
  return null;
};
const sizeMultiplierOf = (id: number) => (regimeState(id) ? regimeRead[7] : 1);
const { risk: riskConfig, paper } = plan.config;
const execution = new Execution(plan.instruments, { riskPerTradePct: riskConfig.riskPerTradePct, maxLeverage: riskConfig.maxLeverage, circuit: riskConfig.circuit, paper }, sizeMultiplierOf, (t) =>
  log.warn({ reason: t.reason, detail: t.detail }, t.reason === 'admin_reset' ? 'circuit breaker reset' : 'circuit breaker tripped'),
);
const signalToOrder = status.histogram('signal_to_order');
const tickToOrder = status.histogram('tick_to_order');
const decide = (i: Readonly<OrderIntent>) => {
  status.add(decisionSlots[i.decision], 1);
  if (execution.onIntent(i, clock.toEpochMs(clock.now()))) {
    const sent = clock.now();
    signalToOrder.record(sent - i.signalTs);
    tickToOrder.record(sent - i.tickRecvTs);
  }
};
const riskSlots = Object.fromEntries(['orders', 'fills', 'rejects', 'refusedByCircuit', 'unsized', 'equity', 'cash', 'realisedPnl', 'openPositions', 'circuit', 'killSwitch', 'trips'].map((k) => [k, status.slot(`risk.${k}`)]));
const CIRCUIT_CODE = { CLOSED: 0, OPEN: 1, HALF_OPEN: 2 } as const;
let lastHousekeeping = 0;
function housekeeping(nowMs: number): void {
  execution.housekeeping(nowMs, regimeState);
  const c = execution.counters;
  const pf = execution.broker.portfolio;
  status.set(riskSlots.orders, c.orders);
  status.set(riskSlots.fills, c.fills);
  status.set(riskSlots.rejects, c.rejects);
  status.set(riskSlots.refusedByCircuit, c.refusedByCircuit);
  status.set(riskSlots.unsized, c.unsized);
  status.set(riskSlots.trips, c.trips);
  status.set(riskSlots.equity, pf.equity());
  status.set(riskSlots.cash, pf.cash);
  status.set(riskSlots.realisedPnl, pf.realised);
  status.set(riskSlots.openPositions, execution.openPositions());
  status.set(riskSlots.circuit, CIRCUIT_CODE[execution.breaker.state]);
  status.set(riskSlots.killSwitch, execution.killed ? 1 : 0);
}
const tick = emptyTick();

const ready = () => {
  if (ticks.available() > 0) return true;
  for (let i = 0; i < signalRings.length; i++) if (signalRings[i].available() > 0) return true;
  return false;
};

function consume(): void {
  const nowMs = clock.toEpochMs(clock.now());
  orchestrator.flush(nowMs, decide);
  if (nowMs - lastHousekeeping >= 250) {
    lastHousekeeping = nowMs;
    housekeeping(nowMs);
  }
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
  orchestrator.flush(clock.toEpochMs(clock.now()), decide);
  const n = Math.min(ticks.available(), MAX_BATCH);
  if (n > 0) {
    for (let i = 0; i < n; i++) {
      decodeTick(ticks, ticks.slot(i), tick);
      marks[tick.instrumentId] = tick.price;
      const tickMs = clock.toEpochMs(tick.exchangeTs === tick.exchangeTs ? tick.exchangeTs : tick.recvTs);
      orchestrator.onTick(tick, tickMs);
      execution.onTick(tick, clock.toEpochMs(clock.now()));
    }
    ticks.release(n);
    status.add(sTicks, n);
  }
}

const loop = runConsumerLoop(kit, wait, ready, consume, () => log.info({ signals: status.get(sSignals) }, 'drained'));
kit.onControl((m) => {
  const nowMs = clock.toEpochMs(clock.now());
  switch (m.type) {
    case 'drain':
    case 'stop':
      loop.drain();
      break;
    case 'kill-switch':
      execution.kill(nowMs);
      log.warn({ by: m.by }, 'kill switch: orders cancelled, positions flattened, entries refused');
      break;
    case 'kill-reset':
      execution.resetKill();
      log.warn({ by: m.by }, 'kill switch reset');
      break;
    case 'circuit-reset':
      execution.breaker.reset(m.by, nowMs);
      break;
  }
  housekeeping(nowMs);
});
// a quiet market still needs the circuit checks and the status
setInterval(() => housekeeping(clock.toEpochMs(clock.now())), 1000).unref();
kit.send({ type: 'started' });
