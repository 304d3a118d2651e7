import type { Tick } from '../../native-free-ringbuffer/index.js';
import type { Clock } from '../clock.js';
import type { InstrumentRegistry } from '../instruments/registry.js';
import type { Logger } from '../log.js';
import { ProviderStatus } from '../status/status-region.js';

/** What the ingest thread gives every feed: where ticks go and what they refer to. */
export interface FeedContext {
  registry: InstrumentRegistry;
  clock: Clock;
  /** Written into every tick this feed produces. */
  providerId: number;
  /** The feed's own reusable tick (filled, then handed to `sink`). */
  tick: Tick;
  /** Writes a tick into every consumer's ring (claimed, not yet published). */
  sink(t: Tick): void;
  /** Publishes what `sink` wrote. */
  commit(): void;
  /** Ticks every consumer's ring can take now: a replay at full speed waits for room instead of dropping. */
  room(): number;
  log: Logger;
}

/**
 * What every market-data feed adapter offers the ingest thread. Counters are
 * plain numbers the ingest thread copies into the status region.
 */
export interface FeedCounters {
  messages: number;
  ticks: number;
  /** Messages or ticks refused (bad input), all reasons. */
  rejected: number;
  reconnects: number;
  /** Sequence gaps (depth books, sequence numbers). */
  gaps: number;
  /** ms since the epoch of the last message; 0 before the first. */
  lastMessageAt: number;
  /** Smoothed exchange-to-receive delay, ms (clock skew plus network). */
  skewMs: number;
  subscriptionExpired: boolean;
}

export interface FeedAdapter {
  readonly name: string;
  readonly counters: FeedCounters;
  start(): void;
  stop(): void;
  subscribe(symbols: string[]): void;
  unsubscribe(symbols: string[]): void;
  status(): ProviderStatus;
  /** Connected, or able to reconnect: false once it has given up or its subscription expired. */
  isAvailable(): boolean;
}

export function emptyCounters(): FeedCounters {
  return { messages: 0, ticks: 0, rejected: 0, reconnects: 0, gaps: 0, lastMessageAt: 0, skewMs: 0, subscriptionExpired: false };
}

/** Exponentially smoothed skew: one allocation-free update per timed message. */
export function updateSkew(counters: FeedCounters, exchangeMs: number, receiveMs: number): void {
  const d = receiveMs - exchangeMs;
  counters.skewMs = counters.skewMs === 0 ? d : counters.skewMs + 0.05 * (d - counters.skewMs);
}

/** The reconnecting socket's close and give-up events, logged the same way by every feed. */
export function socketLogging(feed: string, log: Logger) {
  return {
    onClose: (code: number, reason: string, retryIn: number | null) => log.warn({ feed, code, reason, retryIn }, 'connection closed'),
    onGiveUp: (reason: string) => log.error({ feed, reason }, 'feed unavailable'),
  };
}
