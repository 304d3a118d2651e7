/**
 * Risk/execution thread: reads every strategy's signal ring and its own tick
 * ring (marks); the orchestrator turns signals into intents, execution sends
 * them to the broker through the circuit breaker; every signal, decision,
 * order, fill, position and risk event goes to the store thread's ring.
 */
import {
  createWaitStrategy, decodeSignal, decodeTick, emptySignal, emptyTick, RingReader, SignalSide, type Signal, type WaitStrategyName,
} from '../native-free-ringbuffer/index.js';
import { RISK } from '../engine/plan.js';
import { threadKit } from './thread-kit.js';
import { DEFAULT_ORCHESTRATOR, Orchestrator, type OrderIntent } from '../engine/orchestrator/orchestrator.js';
import { Execution } from '../engine/risk/execution.js';
import { FORGET_EVERY_MS, ORDER_MEMORY_MS } from '../engine/orders/order-book.js';
import { runConsumerLoop } from './consumer-loop.js';
import { RingWriter } from '../native-free-ringbuffer/index.js';
import { StoreOutbox } from './store-outbox.js';
import { decisionRow, type PendingRow } from '../engine/persistence/store-rows.js';
import type { BrokerEvent } from '../engine/brokers/broker.js';
import { brokerClient } from './broker-client.js';
import { strategyFactory } from '../engine/strategies/catalog.js';
import { BROKER_FIELDS, BrokerKind, StoreState } from '../engine/status/status-region.js';
import type { Reconciliation } from '../engine/brokers/venue-broker.js';

const MAX_BATCH = 1024;

const kit = threadKit();
const { plan, clock, status, log } = kit;
const ticks = new RingReader(plan.tickRings[RISK]);
const signalRings = Object.values(plan.signalRings).map((d) => new RingReader(d));
const wait = createWaitStrategy(plan.config.rings.waitStrategy as WaitStrategyName, ticks.doorbell, plan.config.rings.spinIterations);
const strategyToRisk = status.histogram('strategy_to_risk');
const tickToSignal = status.histogram('tick_to_signal');
const tickToSignalOf = plan.config.strategies.map((s) => status.histogram(`tick_to_signal:${s.id ?? s.name}`));
const strategyToRiskOf = plan.config.strategies.map((s) => status.histogram(`strategy_to_risk:${s.id ?? s.name}`));
const sSignals = status.slot('risk.signals');
const sTicks = status.slot('risk.ticks');
/** Last trade price per instrument id. */
const marks = new Float64Array(plan.instruments.length + 1);
const signal = emptySignal();

// persistence: rows to the store thread (never dropped; see StoreOutbox)
const outbox = new StoreOutbox(new RingWriter(plan.storeRing), plan.config.deterministic);
const store = (r: PendingRow) => outbox.row(r);
const instrument = (id: number) => plan.instruments[id - 1];
// a diagnostic strategy's signals and decisions are measurements, not evidence (its orders and fills are recorded)
const diagnostic = plan.config.strategies.map((s) => strategyFactory(s.name).diagnostic === true);
const recordSignalsOf = diagnostic.map((d) => plan.config.storage.recordSignals && !d);
/** Strategy-id bits (id = index + 1) of the strategies whose decisions are evidence. */
const evidenceMask = diagnostic.reduce((m, d, k) => (d ? m : m | (1 << (k + 1))), 0);
const client = brokerClient(plan, log);
const BROKER = plan.config.broker.name;
/**
 * Broker events raised while an order is being placed (the paper broker's acknowledgement, the cancels of an
 * exit) wait here until it is out: the rows are snapshots of orders nothing changes in between, so recording
 * them a moment later writes the same rows, and the order path does not wait on the store ring.
 */
const heldEvents: BrokerEvent[] = [];
let holdingEvents = false;
function onBrokerEvent(e: BrokerEvent): void {
  if (holdingEvents) heldEvents.push(e);
  else recordBrokerEvent(e);
}
function recordHeldEvents(): void {
  for (let k = 0; k < heldEvents.length; k++) recordBrokerEvent(heldEvents[k]);
  heldEvents.length = 0;
}
function recordBrokerEvent(e: BrokerEvent): void {
  if (e.fill) outbox.fill(e.order, e.fill);
  outbox.order(e.order, execution.broker.venueOrderId(e.order.clientOrderId));
  if (e.fill) {
    const pf = execution.broker.portfolio;
    const id = e.order.instrumentId;
    outbox.position(id, pf.position(id), pf.averagePrice(id), pf.realisedOf(id), e.fill.at);
  }
}

// the regime detector's state per instrument, from its State records: [known, regime, alert bits, size multiplier]
const regimes = new Float64Array((plan.instruments.length + 1) * 4);
const regimeOf = (id: number) => (regimes[id * 4] === 1 ? regimes[id * 4 + 1] : NaN);
const regimeInfo = { regime: 0, blackSwan: false };
const regimeState = (id: number) => {
  const o = id * 4;
  if (regimes[o] !== 1) return null;
  regimeInfo.regime = regimes[o + 1];
  regimeInfo.blackSwan = (regimes[o + 2] & 1) !== 0; // RD_REASON.BLACK_SWAN_RETURN
  return regimeInfo;
};
function onState(s: Signal): void {
  const o = s.instrumentId * 4;
  if (o + 3 >= regimes.length) return;
  regimes[o] = 1;
  regimes[o + 1] = s.strength;
  regimes[o + 2] = s.reasons;
  regimes[o + 3] = s.price;
}

// the orchestrator: signals to order intents (risk and the broker act on them in the next step)
const deterministic = plan.config.deterministic;
const strategySlots = (field: string) => plan.config.strategies.map((s) => status.slot(`strategy.${s.id ?? s.name}.${field}`));
const processedSlots = strategySlots('processedTs');
const committedSlots = strategySlots('committedTs');
/** Whether every strategy has processed (or, in a deterministic replay, also committed the signals of) the ticks received up to this time. */
const allProcessed = (tickRecvTs: number) => {
  const slots = deterministic ? committedSlots : processedSlots;
  for (let i = 0; i < slots.length; i++) if (status.get(slots[i]) < tickRecvTs) return false;
  return true;
};
const orchestrator = new Orchestrator(plan.instruments, DEFAULT_ORCHESTRATOR, regimeOf, allProcessed);
const decisionSlots = [0, 'intents', 'noTrade', 'vetoed', 'belowQuality', 'exits'].map((k) => (k ? status.slot(`risk.${k}`) : -1));

const sizeMultiplierOf = (id: number) => (regimes[id * 4] === 1 ? regimes[id * 4 + 3] : 1);
const { risk: riskConfig, paper } = plan.config;
const execution = new Execution(
  plan.instruments,
  {
    riskPerTradePct: riskConfig.riskPerTradePct, maxLeverage: riskConfig.maxLeverage, circuit: riskConfig.circuit, paper,
    broker: (onEvent) => client.make(onEvent), brokerReady: () => client.reconciled === 1 && client.authenticated(),
    storageReady: plan.config.storage.outagePolicy === 'halt-entries' ? () => !storageHalted : undefined,
    regimeOf: regimeState, riskLevels: riskConfig.levels, options: riskConfig.options,
  },
  sizeMultiplierOf,
  (t) => {
    log.warn({ reason: t.reason, detail: t.detail }, t.reason === 'admin_reset' ? 'circuit breaker reset' : 'circuit breaker tripped');
    store({ t: 'risk', at: t.at, kind: t.reason === 'admin_reset' ? 'circuit_reset' : 'circuit_trip', reason: t.reason, detail: { detail: t.detail } });
  },
  // run id (12) + incarnation (2) + sequence (up to 6 in base 36): 20 characters at most
  `${plan.runId}${kit.data.incarnation.toString(36).padStart(2, '0')}`,
  onBrokerEvent,
);
/** What the venue had at start-up: positions and our orders of the day, with their executions, are stored and reported. */
function onReconciled(r: Reconciliation): void {
  const nowMs = clock.toEpochMs(clock.now());
  let fills = 0;
  for (const { order, fills: list } of r.orders) {
    for (const f of list) outbox.fill(order, f);
    fills += list.length;
    outbox.order(order, execution.broker.venueOrderId(order.clientOrderId));
  }
  const pf = execution.broker.portfolio;
  for (const p of r.positions) {
    if (p.instrumentId > 0) outbox.position(p.instrumentId, pf.position(p.instrumentId), pf.averagePrice(p.instrumentId), pf.realisedOf(p.instrumentId), nowMs);
  }
  outbox.pump();
  const adopted = r.orders.filter((o) => o.adopted).length;
  const detail = {
    positions: r.positions.map((p) => ({ symbol: p.symbol, qty: p.qty, avgPrice: Number.isFinite(p.avgPrice) ? p.avgPrice : null, known: p.instrumentId > 0 })),
    ordersOfTheDay: r.orders.length, openOrdersAdopted: adopted, fillsRecorded: fills,
  };
  store({ t: 'risk', at: nowMs, kind: 'reconciliation', reason: BROKER, detail });
  status.set(brokerSlots.reconciledOrders, r.orders.length);
  status.set(brokerSlots.reconciledPositions, r.positions.length);
  // at start-up the engine holds nothing: everything the venue has is a difference, reported one by one
  for (const p of detail.positions) log.warn({ broker: BROKER, ...p }, 'reconciliation: position at the broker taken over');
  for (const { order, adopted: open } of r.orders) if (open) log.warn({ broker: BROKER, clientOrderId: order.clientOrderId, state: order.state }, 'reconciliation: open order at the broker taken over');
  log.info({ broker: BROKER, ...detail, positions: r.positions.length }, 'reconciled with the broker');
}
const brokerSlots = Object.fromEntries(BROKER_FIELDS.map((k) => [k, status.slot(`broker.${k}`)])) as Record<(typeof BROKER_FIELDS)[number], number>;
status.set(brokerSlots.kind, client.kind);
client.start(onReconciled);
const signalToOrder = status.histogram('signal_to_order');
const tickToOrder = status.histogram('tick_to_order');
const riskDecide = status.histogram('risk_decide');
/** When this pass of the loop began reading the signal rings (ns): where risk_decide starts. */
let readingSince = 0;
const decide = (i: Readonly<OrderIntent>) => {
  const nowMs = now();
  holdingEvents = true;
  let placed: boolean;
  try {
    placed = execution.onIntent(i, nowMs);
  } finally {
    // an intent that throws must not leave every later event held
    holdingEvents = false;
  }
  if (placed) {
    const sent = clock.now();
    signalToOrder.record(sent - i.signalTs);
    tickToOrder.record(sent - i.tickRecvTs);
    riskDecide.record(sent - readingSince);
  }
  // after the order went out: recording is not on the order path
  recordHeldEvents();
  status.add(decisionSlots[i.decision], 1);
  const inst = instrument(i.instrumentId);
  if (inst && (i.strategies & evidenceMask) !== 0) store(decisionRow(i, inst, nowMs));
};
const riskSlots = Object.fromEntries(
  ['orders', 'fills', 'rejects', 'refusedByCircuit', 'refusedByBroker', 'refusedByRiskLevel', 'refusedByOptionRules', 'refusedByStorage', 'riskLevel', 'unsized',
    'limitRiskPerTradePct', 'limitMaxLeverage', 'limitDailyLossPct', 'limitDrawdownPct', 'limitMaxOpenPositions', 'limitBrokerErrors', 'limitCooldownMs', 'equity', 'cash', 'realisedPnl', 'openPositions', 'circuit', 'killSwitch', 'trips', 'storeBacklog', 'storeSignalsDropped']
    .map((k) => [k, status.slot(`risk.${k}`)]),
);
const CIRCUIT_CODE = { CLOSED: 0, OPEN: 1, HALF_OPEN: 2 } as const;
let lastHousekeeping = 0;
let lastForget = 0;
let lastPnl = { at: 0, fills: -1, equity: NaN };
const PNL_EVERY_MS = 5000;
/** The day's P&L row, when fills happened or every few seconds while equity moves. */
function recordPnl(nowMs: number): void {
  const pf = execution.broker.portfolio;
  const fills = execution.counters.fills;
  const equity = pf.equity();
  if (fills === lastPnl.fills && (equity === lastPnl.equity || nowMs - lastPnl.at < PNL_EVERY_MS)) return;
  lastPnl = { at: nowMs, fills, equity };
  store({
    t: 'pnl', day: new Date(nowMs).toISOString().slice(0, 10), broker: BROKER, startEquity: execution.breaker.startOfDayEquity, equity,
    realisedPnl: pf.realised, fees: execution.feesPaid, fills, at: nowMs,
  });
}
/**
 * storage.outagePolicy halt-entries: while the store thread spills (the database is unreachable), no new
 * positions; the halt and the resumption are risk events (written once the database is back).
 */
const storeState = status.slot('store.state');
let storageHalted = false;
function checkStorage(nowMs: number): void {
  if (plan.config.storage.outagePolicy !== 'halt-entries') return;
  const s = status.get(storeState);
  const halted = s === StoreState.Spilling || s === StoreState.Failing;
  if (halted === storageHalted) return;
  storageHalted = halted;
  log.warn({ policy: 'halt-entries' }, halted ? 'database unreachable: new entries halted (exits go on)' : 'database back: entries resumed');
  store({ t: 'risk', at: nowMs, kind: halted ? 'entries_halted' : 'entries_resumed', reason: 'database_unreachable', detail: { policy: 'halt-entries' } });
}
function housekeeping(nowMs: number): void {
  checkStorage(nowMs);
  execution.housekeeping(nowMs, regimeState);
  if (nowMs - lastForget >= FORGET_EVERY_MS) {
    lastForget = nowMs;
    execution.broker.forgetFinal(nowMs - ORDER_MEMORY_MS);
  }
  recordPnl(nowMs);
  outbox.pump();
  const c = execution.counters;
  const pf = execution.broker.portfolio;
  status.set(riskSlots.orders, c.orders);
  status.set(riskSlots.fills, c.fills);
  status.set(riskSlots.rejects, c.rejects);
  status.set(riskSlots.refusedByCircuit, c.refusedByCircuit);
  status.set(riskSlots.refusedByBroker, c.refusedByBroker);
  status.set(riskSlots.refusedByRiskLevel, c.refusedByRiskLevel);
  status.set(riskSlots.refusedByOptionRules, c.refusedByOptionRules);
  status.set(riskSlots.refusedByStorage, c.refusedByStorage);
  status.set(riskSlots.riskLevel, execution.lastRiskLevel);
  const problems = client.problems();
  status.set(brokerSlots.authenticated, client.authenticated() ? 1 : 0);
  status.set(brokerSlots.reconciled, client.reconciled);
  status.set(brokerSlots.problems, problems.count);
  if (problems.last) status.set(brokerSlots.lastProblemAt, problems.last.at);
  status.set(brokerSlots.openOrders, execution.broker.openOrders());
  status.set(riskSlots.unsized, c.unsized);
  status.set(riskSlots.trips, c.trips);
  status.set(riskSlots.equity, pf.equity());
  status.set(riskSlots.cash, pf.cash);
  status.set(riskSlots.realisedPnl, pf.realised);
  status.set(riskSlots.openPositions, execution.openPositions());
  status.set(riskSlots.circuit, CIRCUIT_CODE[execution.breaker.state]);
  status.set(riskSlots.killSwitch, execution.killed ? 1 : 0);
  const l = execution.limits;
  status.set(riskSlots.limitRiskPerTradePct, l.riskPerTradePct);
  status.set(riskSlots.limitMaxLeverage, l.maxLeverage);
  status.set(riskSlots.limitDailyLossPct, l.circuit.dailyLossPct);
  status.set(riskSlots.limitDrawdownPct, l.circuit.drawdownPct);
  status.set(riskSlots.limitMaxOpenPositions, l.circuit.maxOpenPositions);
  status.set(riskSlots.limitBrokerErrors, l.circuit.brokerErrors);
  status.set(riskSlots.limitCooldownMs, l.circuit.cooldownMs);
  status.set(riskSlots.storeBacklog, outbox.waiting);
  status.set(riskSlots.storeSignalsDropped, outbox.signalsDropped);
}
const tick = emptyTick();

/** The time risk acts at: the wall clock, or in a deterministic replay the time of the last tick it applied. */
let eventNowMs = NaN;
const now = deterministic ? () => eventNowMs : () => clock.toEpochMs(clock.now());

/** One record from a signal ring: a strategy's state (the regime), or a signal for the orchestrator. */
function onSignalRecord(nowMs: number): void {
  if (signal.side === SignalSide.State) onState(signal);
  else orchestrator.onSignal(signal, nowMs, decide);
}
/**
 * The bookkeeping of a signal read at `t` (ns), once the orders it led to are out: its latencies, its row, its
 * count. `replayNowMs`: in a deterministic replay, the time risk acts at (the row's time).
 */
function recordSignal(t: number, replayNowMs: number): void {
  if (signal.side === SignalSide.State) return;
  strategyToRisk.record(t - signal.signalTs);
  strategyToRiskOf[signal.strategyId - 1].record(t - signal.signalTs);
  tickToSignal.record(t - signal.tickRecvTs);
  tickToSignalOf[signal.strategyId - 1].record(t - signal.tickRecvTs);
  if (recordSignalsOf[signal.strategyId - 1]) {
    if (deterministic) signal.signalTs = clock.fromEpochMs(replayNowMs); // recorded at its tick's time, not the replay's
    outbox.signal(signal);
  }
  status.add(sSignals, 1);
}

function applyTick(nowMs: number): void {
  marks[tick.instrumentId] = tick.price;
  orchestrator.onTick(tick, clock.eventMs(tick.exchangeTs === tick.exchangeTs ? tick.exchangeTs : tick.recvTs));
  execution.onTick(tick, nowMs);
}

const signalsWaiting = () => {
  for (let i = 0; i < signalRings.length; i++) if (signalRings[i].available() > 0) return true;
  return false;
};

/** Per signal ring, how many records this pass read, and when it read each (ns). */
const taken = new Int32Array(signalRings.length);
const readAt = signalRings.map(() => new Float64Array(MAX_BATCH));

/**
 * Live: whatever has arrived, signals first, and their orders out before anything is recorded of them (the
 * records are read a second time for that, still on the ring); housekeeping last, so it never holds up a signal.
 */
function consumeOnArrival(): void {
  readingSince = clock.now();
  orchestrator.flush(clock.toEpochMs(readingSince), decide);
  for (let r = 0; r < signalRings.length; r++) {
    const ring = signalRings[r];
    const n = Math.min(ring.available(), MAX_BATCH);
    taken[r] = n;
    const at = readAt[r];
    for (let i = 0; i < n; i++) {
      decodeSignal(ring, ring.slot(i), signal);
      const t = clock.now();
      at[i] = t;
      onSignalRecord(clock.toEpochMs(t));
    }
  }
  orchestrator.flush(now(), decide);
  for (let r = 0; r < signalRings.length; r++) {
    const n = taken[r];
    if (n === 0) continue;
    const ring = signalRings[r];
    const at = readAt[r];
    for (let i = 0; i < n; i++) {
      decodeSignal(ring, ring.slot(i), signal);
      recordSignal(at[i], NaN);
    }
    ring.release(n);
  }
  const n = Math.min(ticks.available(), MAX_BATCH);
  // one clock read for the batch, not one a tick: each is a new heap number on Node 20
  const nowMs = now();
  if (n > 0) {
    for (let i = 0; i < n; i++) {
      decodeTick(ticks, ticks.slot(i), tick);
      applyTick(nowMs);
    }
    ticks.release(n);
    status.add(sTicks, n);
  }
  if (nowMs - lastHousekeeping >= 250) {
    lastHousekeeping = nowMs;
    housekeeping(nowMs);
  }
  outbox.pump();
}

/** Receive time of the last tick applied in a deterministic replay. */
let appliedRecvTs = -Infinity;
/** The signals (and states) the strategies made of ticks received before `beforeRecvTs`, in strategy order. */
function signalsBefore(beforeRecvTs: number): void {
  readingSince = clock.now();
  for (let r = 0; r < signalRings.length; r++) {
    const ring = signalRings[r];
    const n = ring.available();
    let k = 0;
    for (; k < n; k++) {
      decodeSignal(ring, ring.slot(k), signal);
      if (signal.tickRecvTs >= beforeRecvTs) break;
      onSignalRecord(eventNowMs);
      recordSignal(clock.now(), eventNowMs);
    }
    if (k > 0) ring.release(k);
  }
  orchestrator.flush(eventNowMs, decide);
}
/**
 * Deterministic replay: ticks one at a time, each only once every strategy has
 * committed what it made of the ticks before it, and after those signals. What
 * risk does then depends on the ticks alone, not on which thread ran first.
 */
function consumeInTickOrder(): void {
  let applied = 0;
  while (applied < MAX_BATCH && ticks.available() > 0 && allProcessed(appliedRecvTs)) {
    decodeTick(ticks, ticks.slot(0), tick);
    signalsBefore(tick.recvTs);
    eventNowMs = clock.eventMs(tick.exchangeTs === tick.exchangeTs ? tick.exchangeTs : tick.recvTs);
    if (!(eventNowMs - lastHousekeeping < 250)) {
      lastHousekeeping = eventNowMs;
      housekeeping(eventNowMs);
    }
    applyTick(eventNowMs);
    ticks.release(1);
    appliedRecvTs = tick.recvTs;
    applied++;
  }
  status.add(sTicks, applied);
  // nothing more to apply yet (or the replay ended): the signals of the ticks already applied
  if (ticks.available() === 0 && allProcessed(appliedRecvTs)) signalsBefore(appliedRecvTs + 0.5);
  outbox.pump();
}

const ready = deterministic
  ? () => (ticks.available() > 0 || signalsWaiting()) && allProcessed(appliedRecvTs)
  : () => ticks.available() > 0 || signalsWaiting();
const consume = deterministic ? consumeInTickOrder : consumeOnArrival;

const loop = runConsumerLoop(kit, wait, ready, consume, async () => {
  // orders still working at a venue: give them a moment to finish, so their fills are recorded now
  // (whatever completes later is recorded by the next start's reconciliation)
  // (paper orders fill only on ticks, and the ticks have stopped)
  for (const deadline = Date.now() + 1500; client.kind !== BrokerKind.Paper && execution.broker.openOrders() > 0 && Date.now() < deadline; ) {
    await client.settle();
    await new Promise((r) => setTimeout(r, 50));
  }
  client.close();
  // rows still waiting for room on the store ring go out before the thread does (the store thread stops after this one)
  housekeeping(now());
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (const deadline = Date.now() + 2000; outbox.waiting > 0 && Date.now() < deadline; ) {
    Atomics.wait(pause, 0, 0, 1);
    outbox.pump();
  }
  if (outbox.waiting > 0) log.error({ rows: outbox.waiting }, 'store ring still full at exit: these rows were not recorded');
  log.info({ signals: status.get(sSignals) }, 'drained');
});
kit.onControl((m) => {
  const nowMs = now();
  switch (m.type) {
    case 'drain':
    case 'stop':
      // no housekeeping here: the signals still on the rings come first (the drained loop's last act
      // is the housekeeping), so a replay's last rows do not depend on when this message arrived
      loop.drain();
      return;
    case 'kill-switch':
      execution.kill(nowMs);
      log.warn({ by: m.by }, 'kill switch: orders cancelled, positions flattened, entries refused');
      store({ t: 'risk', at: nowMs, kind: 'kill_switch', reason: 'admin', detail: { by: m.by } });
      break;
    case 'kill-reset':
      execution.resetKill();
      log.warn({ by: m.by }, 'kill switch reset');
      store({ t: 'risk', at: nowMs, kind: 'kill_reset', reason: 'admin', detail: { by: m.by } });
      break;
    case 'circuit-reset':
      execution.breaker.reset(m.by, nowMs);
      break;
    case 'broker-query': {
      const { requestId, from } = m;
      client.query(m.query, execution.broker).then(
        (body) => kit.send({ type: 'reply', to: from, requestId, ok: true, body: JSON.parse(JSON.stringify(body)) }),
        (e) => kit.send({ type: 'reply', to: from, requestId, ok: false, body: (e as Error).message }),
      );
      break;
    }
    case 'risk-limits':
      execution.setLimits(m.limits);
      log.warn({ by: m.by, limits: m.limits }, 'risk limits changed');
      store({ t: 'risk', at: nowMs, kind: 'limits_changed', reason: 'admin', detail: { by: m.by, ...m.limits } });
      break;
    case 'order-cancel':
    case 'order-modify':
      try {
        if (m.type === 'order-cancel') execution.broker.cancel(m.clientOrderId, nowMs);
        else execution.broker.modify(m.clientOrderId, { qty: m.qty, limitPrice: m.limitPrice }, nowMs);
        log.info({ by: m.by, clientOrderId: m.clientOrderId }, `${m.type === 'order-cancel' ? 'cancel' : 'modification'} sent to the broker`);
      } catch (e) {
        log.warn({ by: m.by, clientOrderId: m.clientOrderId, err: (e as Error).message }, 'order control refused');
        store({ t: 'risk', at: nowMs, kind: 'control_refused', reason: m.type, detail: { by: m.by, clientOrderId: m.clientOrderId, error: (e as Error).message } });
      }
      break;
    case 'broker-token':
      client.setToken(m.accessToken);
      log.info({ broker: m.broker }, 'broker client uses the new access token');
      break;
  }
  housekeeping(nowMs);
});
// a quiet market still needs the circuit checks and the status (a replay's time moves only with its ticks)
if (!deterministic) setInterval(() => housekeeping(now()), 1000).unref();
kit.send({ type: 'started' });
