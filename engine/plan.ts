import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { createRing, Doorbell, SIGNAL_RECORD_BYTES, TICK_RECORD_BYTES, type RingDescriptor } from '../native-free-ringbuffer/index.js';
import { createClockAnchor, type ClockAnchor } from './clock.js';
import type { Config } from './config/schema.js';
import { REJECT_REASONS } from './feeds/publisher-protocol.js';
import { buildStatusLayout, StatusRegion, type StatusLayout } from './status/status-region.js';
import { loadInstruments } from './instruments/load.js';
import type { InstrumentInfo } from './instruments/registry.js';
import { PublishedRows } from './status/published-rows.js';

/**
 * Everything the threads share, laid out once by the main thread and handed
 * to each thread at spawn: config, the clock anchor, the status region and
 * the rings. Plain data and SharedArrayBuffers only (it crosses by structured clone).
 */
export interface EnginePlan {
  config: Config;
  anchor: ClockAnchor;
  status: { buffer: SharedArrayBuffer; layout: StatusLayout };
  /** Tick rings, one per consumer thread, keyed by thread name. */
  tickRings: Record<string, RingDescriptor>;
  /** Signal rings, one per strategy, keyed by strategy id. */
  signalRings: Record<string, RingDescriptor>;
  /** Risk thread to store thread: rows to persist, as envelopes (see engine/persistence/store-envelope). */
  storeRing: RingDescriptor;
  /**
   * One engine process (12 alphanumeric characters: start time in base 36 and
   * 4 random hex digits; `replay` and a hash of the config in a deterministic
   * replay): stored rows are keyed by it and the store ring's sequence, and
   * client order ids start with it.
   */
  runId: string;
  threads: string[];
  feeds: string[];
  /** Every instrument, in id order (id = index + 1): each thread rebuilds the same registry. */
  instruments: InstrumentInfo[];
  /** Per strategy id: the rows it publishes per instrument (PublishedRows), for the risk thread and metrics. */
  publications: Record<string, SharedArrayBuffer>;
  /** Trained models for the strategies (serialised), loaded by the main thread before the threads start. */
  models: { regimeClassifier: SharedArrayBuffer | null };
}

export const INGEST = 'ingest';
export const RISK = 'risk';
export const HTTP = 'http';
export const STORE = 'store';
export const STORE_RECORD_BYTES = 512;
export const strategyThread = (id: string) => `strategy:${id}`;
/** The threads that consume ticks from a ring: each strategy, and risk (which reads its signals and the ticks). */
export const isTickConsumer = (thread: string) => thread === RISK || thread.startsWith(strategyThread(''));

export function feedNames(config: Config): string[] {
  const feeds: string[] = [];
  if (config.feeds.simulator.enabled) feeds.push('simulator');
  if (config.feeds.publishers.enabled) feeds.push('publishers');
  if (config.feeds.binance.enabled) feeds.push(config.feeds.binance.market === 'spot' ? 'binance' : 'binance-futures');
  if (config.feeds.kite.enabled) feeds.push('kite');
  if (config.feeds.truedata.enabled) feeds.push('truedata');
  if (config.feeds.replay.enabled) feeds.push('replay');
  return feeds;
}

/**
 * A deterministic replay is the same run every time: the same input and trading
 * config give the same id (not the replay's speed, paths or ports).
 */
function replayRunId(config: Config): string {
  const { file, format, symbol } = config.feeds.replay;
  const trading = { input: path.basename(file ?? ''), format, symbol, instruments: config.instruments, strategies: config.strategies, risk: config.risk, paper: config.paper };
  return `replay${createHash('sha256').update(JSON.stringify(trading)).digest('hex').slice(0, 6)}`;
}

export function createPlan(config: Config): EnginePlan {
  const strategyIds = config.strategies.map((s) => s.id ?? s.name);
  const threads = [INGEST, ...strategyIds.map(strategyThread), RISK, STORE, HTTP];
  const feeds = feedNames(config);
  const layout = buildStatusLayout({ threads, feeds, strategies: strategyIds, rejectReasons: REJECT_REASONS });
  const status = StatusRegion.create(layout);
  const anchor = createClockAnchor();
  status.set(status.slot('engine.anchorEpochMs'), anchor.epochMs);

  const tickRings: Record<string, RingDescriptor> = {};
  const signalRings: Record<string, RingDescriptor> = {};
  for (const id of strategyIds) {
    tickRings[strategyThread(id)] = createRing({ capacity: config.rings.tickCapacity, recordSize: TICK_RECORD_BYTES });
  }
  // The risk thread reads its tick ring and every signal ring: one doorbell for all.
  const riskBell = new Doorbell();
  tickRings[RISK] = createRing({ capacity: config.rings.tickCapacity, recordSize: TICK_RECORD_BYTES, doorbell: riskBell });
  for (const id of strategyIds) {
    signalRings[id] = createRing({ capacity: config.rings.signalCapacity, recordSize: SIGNAL_RECORD_BYTES, doorbell: riskBell });
  }
  const instruments = loadInstruments(config).list;
  const publications: Record<string, SharedArrayBuffer> = {};
  for (const id of strategyIds) publications[id] = PublishedRows.create(instruments.length + 1).buffer;
  const storeRing = createRing({ capacity: config.rings.storeCapacity, recordSize: STORE_RECORD_BYTES });
  const runId = config.deterministic ? replayRunId(config) : `${anchor.epochMs.toString(36).padStart(8, '0')}${randomBytes(2).toString('hex')}`;
  return {
    config, anchor, status: { buffer: status.buffer, layout }, tickRings, signalRings, storeRing, runId, threads, feeds, instruments, publications,
    models: { regimeClassifier: null },
  };
}
