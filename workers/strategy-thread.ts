/**
 * Strategy host thread: reads its tick ring, runs one strategy, writes its
 * signal ring. Wiring only: the strategy itself is engine code.
 */
import {
  createWaitStrategy, decodeTick, emptySignal, emptyTick, encodeSignal, RingReader, RingWriter, type WaitStrategyName,
} from '../native-free-ringbuffer/index.js';
import { strategyFactory } from '../engine/strategies/catalog.js';
import { strategyThread } from '../engine/plan.js';
import { threadKit } from './thread-kit.js';
import { PublishedRows, ROW_SLOTS } from '../engine/status/published-rows.js';
import { STRATEGY_COMPUTE_SAMPLE } from '../engine/status/status-region.js';
import { runConsumerLoop } from './consumer-loop.js';
import type { FitKind, Strategy } from '../engine/strategies/strategy.js';
import { fitModel } from '../engine/strategies/model-fit.js';
import { FitFailures } from './fit-failures.js';

const MAX_BATCH = 256;
/**
 * How long a signal may wait for the rest of its batch on the normal scheduler: a batch that has already run
 * this long is a costly one, whose later ticks are likely costly too. The regime detector's bar closes come so:
 * every instrument's in one batch (226-1,000 us for four, the first 130-250 us: its classifier's 500 trees,
 * cold), each with a signal when the regime turns. Sending each signal at once: desk strategies at 10k ticks/s,
 * 12 interleaved pairs of 12-20-s windows, tick-to-signal p99 median 1,208 us against 1,868, lower in 9 pairs of
 * 12 (in the 3 others the host took more of the vCPUs in its window). Not after every signal: a risk thread
 * woken on each one preempts this thread, and with a signal on every tick (the latency probe) tick-to-signal
 * p99 went ~1 ms -> ~9 ms; with a signal every tick, this sends one about every 20 us of a long batch.
 */
const SIGNAL_HOLD_NS = 20_000;

const kit = threadKit();
const { plan, clock, status, log } = kit;
const index = plan.config.strategies.findIndex((s) => strategyThread(s.id ?? s.name) === kit.data.thread);
const cfg = plan.config.strategies[index];
const id = cfg.id ?? cfg.name;
const factory = strategyFactory(cfg.name);
const deterministic = plan.config.deterministic;
const sFitsApplied = { garch: status.slot(`strategy.${id}.garchFitsApplied`), hmm: status.slot(`strategy.${id}.hmmFitsApplied`) };
const fitFailures = new FitFailures(log, status);
const strategy: Strategy = factory.create(cfg.params, {
  strategyId: index + 1,
  instruments: plan.instruments,
  toEpochMs: (ns) => clock.eventMs(ns),
  // copied out of shared memory: msgpackr must not read a SharedArrayBuffer (it crashes the process)
  models: plan.models.regimeClassifier ? { regimeClassifier: Uint8Array.from(new Uint8Array(plan.models.regimeClassifier)) } : {},
  // fits are rare (every few hundred bars): a message to the main thread's model pool; in a
  // deterministic replay, here and now, so the model changes at the same bar on every run
  requestFit: deterministic
    ? (kind, instrumentId, x) => {
        let fit;
        try {
          fit = fitModel(kind, x);
        } catch (e) {
          // as from the pool: a fit that fails leaves the current model in place
          fitFailures.failed(id, kind, instrumentId, e as Error);
          return;
        }
        applyFit(kind, instrumentId, fit);
        fitFailures.fitted(id, kind, instrumentId);
      }
    : (kind, instrumentId, x) => kit.send({ type: 'fit-request', kind, instrumentId, x }),
});
const published = new PublishedRows(plan.publications[id], plan.instruments.length + 1);
const row = new Float64Array(ROW_SLOTS);

const reader = new RingReader(plan.tickRings[kit.data.thread]);
const writer = new RingWriter(plan.signalRings[id]);
const wait = createWaitStrategy(plan.config.rings.waitStrategy as WaitStrategyName, reader.doorbell, plan.config.rings.spinIterations);
const ingestToStrategy = status.histogram(`ingest_to_strategy:${id}`);
const compute = status.histogram(`strategy_compute:${id}`);
const sTicks = status.slot(`strategy.${id}.ticks`);
const sSignals = status.slot(`strategy.${id}.signals`);
const sGaps = status.slot(`strategy.${id}.gaps`);
const sPaused = status.slot(`strategy.${id}.paused`);
const sProcessed = status.slot(`strategy.${id}.processedTs`);
const sCommitted = status.slot(`strategy.${id}.committedTs`);
const sIgnored = status.slot(`strategy.${id}.ignoredTrades`);
let ignoredLogged = false;

let paused = false;
const tick = emptyTick();
const state = emptySignal();
const ready = () => reader.available() > 0;

/**
 * Makes what this thread wrote visible to the risk thread, with the progress it covers. processedTs before
 * the records: the risk thread that sees a signal sees it too, and closes the signal's window at once rather
 * than on its next wake; committedTs after them: what a deterministic risk thread waits for (every signal of
 * the ticks up to recvTs is on the ring).
 */
function publishUpTo(recvTs: number): void {
  status.set(sProcessed, recvTs);
  writer.commit();
  status.set(sCommitted, recvTs);
  if (deterministic) writer.doorbell.ring(); // it waits on this thread's progress, not only on signals
}

function consume(): void {
  let n = reader.available();
  if (n > MAX_BATCH) n = MAX_BATCH;
  let done = 0;
  let signals = 0;
  // Every tick in the batch was waiting for this thread from the moment it looked: that is the end of its hop.
  const picked = clock.now();
  let sentAt = picked;
  try {
    for (let i = 0; i < n; i++) {
      decodeTick(reader, reader.slot(i), tick);
      // Counted before onTick: a tick that makes the strategy throw is consumed
      // (and the crash visible in restarts), so a poison tick cannot crash-loop.
      done++;
      ingestToStrategy.record(picked - tick.publishTs);
      // the strategy's cost, on a sample of the ticks (STRATEGY_COMPUTE_SAMPLE says why)
      const timed = (tick.seq & (STRATEGY_COMPUTE_SAMPLE - 1)) === 0;
      const t0 = timed ? clock.now() : 0;
      const signal = strategy.onTick(tick);
      const t1 = timed || signal !== null ? clock.now() : 0;
      if (timed) compute.record(t1 - t0);
      if (strategy.publish && strategy.publish(tick.instrumentId, row)) {
        published.write(tick.instrumentId, row, ROW_SLOTS);
        if (strategy.stateSignal) {
          strategy.stateSignal(tick.instrumentId, state);
          state.tickRecvTs = tick.recvTs;
          state.signalTs = clock.now(); // on a state change only (a bar), not per tick
          if (writer.claim(1) === 1) encodeSignal(writer, writer.slot(0), state);
        }
      }
      if (signal !== null && !paused) {
        signal.tickRecvTs = tick.recvTs;
        signal.signalTs = t1;
        if (writer.claim(1) === 1) encodeSignal(writer, writer.slot(0), signal);
        signals++;
        // A signal goes out now, not after the rest of the batch, when the batch has run SIGNAL_HOLD_NS since
        // its start or the last signal sent so: on SCHED_FIFO always (a regime detector's bar closes on every
        // instrument at once; its signals' wait for the risk thread: p50 214 -> 9-19 us). Never in a
        // deterministic replay: what a batch holds there depends on timing, and a send mid-batch would tell the
        // risk thread that every tick up to this one's receive time is done while a later tick of the same time
        // is not.
        if (kit.realtime || (!deterministic && t1 - sentAt > SIGNAL_HOLD_NS)) {
          publishUpTo(tick.recvTs);
          sentAt = t1;
        }
      }
    }
  } finally {
    reader.release(done);
    if (done > 0) publishUpTo(tick.recvTs);
    status.add(sTicks, done);
    status.add(sSignals, signals);
    status.set(sGaps, reader.gaps());
    if (strategy.ignoredTrades) {
      const ignored = strategy.ignoredTrades();
      status.set(sIgnored, ignored);
      if (ignored > 0 && !ignoredLogged) {
        ignoredLogged = true; // once: the counter says how many since
        log.warn({ ignored }, 'the strategy could not take some trades into its state; tickring_strategy_ignored_trades_total counts them');
      }
    }
  }
}

/**
 * A refit swapped in: counted (tickring_strategy_fits_applied_total), logged at debug only, as a soak's
 * detector refits several times a second and each line is an allocation and a message to the main thread.
 */
function applyFit(kind: FitKind, instrumentId: number, fit: unknown): void {
  strategy.applyFit?.(kind, instrumentId, fit);
  status.add(sFitsApplied[kind], 1);
  log.debug({ kind, instrumentId }, 'model applied');
}

const loop = runConsumerLoop(kit, wait, ready, consume, () => log.info({ ticks: status.get(sTicks) }, 'drained'));
kit.onControl((m) => {
  switch (m.type) {
    case 'drain':
    case 'stop':
      loop.drain();
      break;
    case 'pause':
    case 'resume':
      paused = m.type === 'pause';
      status.set(sPaused, paused ? 1 : 0);
      log.info({ paused }, 'strategy pause state changed');
      break;
    case 'models':
      strategy.setModels?.({ regimeClassifier: Uint8Array.from(new Uint8Array(m.regimeClassifier)) });
      log.info('trained models handed over');
      break;
    case 'model':
      applyFit(m.kind, m.instrumentId, m.fit);
      break;
    case 'params':
      try {
        strategy.setParams(m.params);
        log.info({ params: m.params }, 'strategy parameters changed');
      } catch (e) {
        // invalid parameters are refused; the strategy keeps running on the old ones
        log.warn({ params: m.params, err: (e as Error).message }, 'strategy parameters refused');
      }
      break;
  }
});
log.info({ strategy: cfg.name, wait: wait.name, incarnation: kit.data.incarnation }, 'strategy thread started');
kit.send({ type: 'started' });
