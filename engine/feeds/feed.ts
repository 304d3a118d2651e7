import { ProviderStatus } from '../status/status-region.js';

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
