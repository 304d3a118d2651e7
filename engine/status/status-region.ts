import { HISTOGRAM_SLOTS, LatencyHistogram } from './latency-histogram.js';

/**
 * The status plane: one SharedArrayBuffer of f64 slots that every thread
 * writes its counters, gauges and heartbeats into, and that the HTTP thread
 * reads. Reading health never asks another thread a question.
 *
 * Every slot has exactly one writing thread (noted below), so plain f64
 * stores suffice; readers see monitoring values, not synchronisation.
 * Slot indexes are resolved by name once at start-up, never per tick.
 */
export const THREAD_FIELDS = [
  'heartbeat', // ns since anchor; written by the thread itself
  'state', // ThreadState; written by the main thread
  'restarts', // written by the main thread
  'startedAt', // ns since anchor of the current incarnation; main thread
  // pauses, written by the thread itself (perf_hooks): garbage collections, and a consumer loop away from its rings
  'gcPauseMaxMs',
  'gcPausesOver10ms',
  'stallMaxMs', // the longest a consumer loop was away from its rings: one consume() call, or its event-loop turn between slices
  'stallsOver10ms',
  // the thread's own V8 heap (v8.getHeapStatistics, once a second): where a process's memory is
  'heapUsedBytes',
  'heapTotalBytes', // committed to the heap: what the thread adds to RSS
  'youngBytes', // of which the young generation (new space and its large objects): it grows in steps, up to a cap
  'externalBytes', // ArrayBuffers and Buffers its heap points to (shared memory counts in every thread)
  'heapLiveBytes', // heap in use just after the last full collection (0 before the first): what lives
  'realtimePriority', // SCHED_FIFO priority the thread runs at (0: the normal scheduler)
  'sliceNs', // the scheduler slice the thread runs with on the normal scheduler (Linux 6.6+; read at start)
  'nice', // the thread's nice value on the normal scheduler (Linux; sampled once a second)
] as const;
export const FEED_FIELDS = [
  'state', // ProviderStatus
  'messages',
  'ticks', // ticks written to the rings
  'rejected',
  'connections',
  'lastMessageAt', // ns since anchor
  'reconnects',
  'gaps', // sequence gaps (depth books, sequence numbers)
  'skewMs', // smoothed exchange-to-receive delay
  'subscriptionExpired', // 1 when the vendor said the subscription expired
] as const;
export const STRATEGY_FIELDS = [
  'ticks', 'signals', 'gaps', 'paused',
  'processedTs', // receive time of the last tick the strategy finished (once per batch): the orchestrator's window closes on it
  'committedTs', // the same, written after the batch's signals were committed: a deterministic risk thread waits for it
  'ignoredTrades', // trades the strategy could not take into its state (Strategy.ignoredTrades)
  'garchFitsApplied', 'hmmFitsApplied', // model refits the strategy swapped in (Strategy.applyFit), by kind
  'garchFitsFailed', 'hmmFitsFailed', // refits the model pool could not fit (the strategy kept its model), by kind
] as const;
/** Control API answers by class (the HTTP thread writes them). */
export const API_FIELDS = ['ok', 'clientErrors', 'serverErrors'] as const;
export const RISK_FIELDS = [
  'signals', 'ticks', 'intents', 'noTrade', 'vetoed', 'belowQuality', 'exits',
  'orders', 'fills', 'rejects', 'refusedByCircuit', 'refusedByBroker', 'refusedByRiskLevel', 'refusedByOptionRules', 'refusedByStorage', 'riskLevel', 'unsized', 'equity', 'cash', 'realisedPnl', 'openPositions', 'circuit', 'killSwitch', 'trips',
  // the limits in force (set at start, changed by an admin at run time)
  'limitRiskPerTradePct', 'limitMaxLeverage', 'limitDailyLossPct', 'limitDrawdownPct', 'limitMaxOpenPositions', 'limitBrokerErrors', 'limitCooldownMs',
  'storeBacklog', // records waiting in the risk thread for room on the full store ring (never dropped)
  'storeSignalsDropped', // signals not recorded because the store ring was full (orders, fills and risk events wait instead)
] as const;
/** Written by the risk thread: the broker client. */
export const BROKER_FIELDS = [
  'kind', // BrokerKind
  'authenticated', // 1 when the venue accepted our credentials last time (paper: always)
  'openOrders',
  'problems', // unanswered placements, failed polls and cancels, token troubles (counter)
  'lastProblemAt', // ms since the epoch
  'reconciled', // 0 pending, 1 done, -1 failed (retried)
  'reconciledOrders', // our orders of the day found at the venue at start-up
  'reconciledPositions', // open positions found at the venue at start-up
] as const;
export enum BrokerKind {
  Paper = 0,
  Kite = 1,
  Binance = 2,
}
/** Written by the store thread (persistence). */
export const STORE_FIELDS = [
  'state', // StoreState
  'backend', // StoreBackend
  'queued', // rows waiting for the next batch
  'rowsWritten', 'batches', 'writeFailures',
  'journalBytes', // bytes spilled and not yet replayed
  'journalBatches', 'replayedRows',
  'tornRecords', // unreadable journal records skipped at replay (a crash mid-append)
  'lastWriteAt', // ms since the epoch
  'lastErrorAt', // ms since the epoch
] as const;
export enum StoreState {
  Starting = 0,
  /** Writing to the database. */
  Writing = 1,
  /** The database is unreachable: batches go to the journal, replayed when it is back. */
  Spilling = 2,
  /** The journal cannot be written either: rows are held in memory only. */
  Failing = 3,
}
export enum StoreBackend {
  None = 0,
  Postgres = 1,
  Embedded = 2,
  /** Rows to a JSON-lines file (storage.rowsFile). */
  File = 3,
}

export enum ThreadState {
  Starting = 0,
  Running = 1,
  Restarting = 2,
  Failed = 3,
  Stopped = 4,
}
export enum ProviderStatus {
  Disconnected = 0,
  Connecting = 1,
  Connected = 2,
  Unavailable = 3,
}

/**
 * Hop-latency histograms. Per strategy: written by that strategy's thread, except tick-to-signal and strategy-to-risk,
 * which the risk thread writes per strategy (whose signals make a tail, and on which side of the signal ring they
 * wait) beside its totals; the others by the risk thread.
 */
export const STRATEGY_HISTOGRAMS = ['ingest_to_strategy', 'strategy_compute', 'tick_to_signal', 'strategy_to_risk'] as const;
/**
 * strategy_compute times one tick in this many (a power of two), chosen by ring sequence, which has nothing to do
 * with what a tick costs: the sample's percentiles are the whole stream's. Each clock read is a new 16-byte heap
 * number on Node 20, and two a tick were most of a strategy thread's garbage.
 */
export const STRATEGY_COMPUTE_SAMPLE = 8;
/** risk_decide: the risk thread's part of signal_to_order, from reading the signals to the order sent (the rest is the wake-up). */
export const RISK_HISTOGRAMS = ['strategy_to_risk', 'tick_to_signal', 'signal_to_order', 'tick_to_order', 'risk_decide'] as const;

export interface StatusLayoutSpec {
  threads: string[];
  feeds: string[];
  strategies: string[];
  rejectReasons: readonly string[];
}

export interface StatusLayout {
  spec: StatusLayoutSpec;
  slots: Record<string, number>;
  histograms: Record<string, number>;
  totalSlots: number;
}

export function buildStatusLayout(spec: StatusLayoutSpec): StatusLayout {
  const slots: Record<string, number> = {};
  let next = 0;
  const add = (key: string) => {
    if (key in slots) throw new Error(`duplicate status slot ${key}`);
    slots[key] = next++;
  };
  add('engine.anchorEpochMs');
  add('engine.shuttingDown');
  /** 1 while the engine holds its idle-poll request (scheduling.idlePoll), 0 otherwise. */
  add('engine.idlePoll');
  for (const t of spec.threads) for (const f of THREAD_FIELDS) add(`thread.${t}.${f}`);
  for (const f of spec.feeds) for (const k of FEED_FIELDS) add(`feed.${f}.${k}`);
  for (const s of spec.strategies) for (const k of STRATEGY_FIELDS) add(`strategy.${s}.${k}`);
  for (const k of RISK_FIELDS) add(`risk.${k}`);
  for (const k of STORE_FIELDS) add(`store.${k}`);
  for (const k of BROKER_FIELDS) add(`broker.${k}`);
  for (const k of API_FIELDS) add(`api.${k}`);
  for (const r of spec.rejectReasons) add(`ingest.rejected.${r}`);
  const histograms: Record<string, number> = {};
  const addHistogram = (key: string) => {
    histograms[key] = next;
    next += HISTOGRAM_SLOTS;
  };
  for (const s of spec.strategies) for (const h of STRATEGY_HISTOGRAMS) addHistogram(`${h}:${s}`);
  for (const h of RISK_HISTOGRAMS) addHistogram(h);
  return { spec, slots, histograms, totalSlots: next };
}

export class StatusRegion {
  readonly buffer: SharedArrayBuffer;
  readonly layout: StatusLayout;
  private readonly slots: Float64Array;

  constructor(buffer: SharedArrayBuffer, layout: StatusLayout) {
    if (buffer.byteLength < layout.totalSlots * 8) throw new RangeError('status buffer smaller than its layout');
    this.buffer = buffer;
    this.layout = layout;
    this.slots = new Float64Array(buffer, 0, layout.totalSlots);
  }

  static create(layout: StatusLayout): StatusRegion {
    return new StatusRegion(new SharedArrayBuffer(layout.totalSlots * 8), layout);
  }

  /** Index of a named slot; resolve once, then use get/set/add with the index. */
  slot(key: string): number {
    const i = this.layout.slots[key];
    if (i === undefined) throw new Error(`unknown status slot '${key}'`);
    return i;
  }
  get(i: number): number {
    return this.slots[i];
  }
  set(i: number, value: number): void {
    this.slots[i] = value;
  }
  add(i: number, delta: number): void {
    this.slots[i] += delta;
  }
  read(key: string): number {
    return this.slots[this.slot(key)];
  }

  histogram(key: string): LatencyHistogram {
    const off = this.layout.histograms[key];
    if (off === undefined) throw new Error(`unknown histogram '${key}'`);
    return new LatencyHistogram(this.buffer, off);
  }
}
