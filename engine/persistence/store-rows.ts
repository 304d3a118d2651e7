import { SignalSide, type Signal } from '../../native-free-ringbuffer/index.js';
import { Quality } from '../analytics/signal-scorer.js';
import type { InstrumentInfo } from '../instruments/registry.js';
import { Decision, type OrderIntent } from '../orchestrator/orchestrator.js';

/**
 * The rows the engine stores, as they travel from the risk thread to the
 * store thread and, when the database is away, through the journal.
 *
 * Every row has `run` (one engine process) and `seq` (the store ring's
 * sequence number: increasing within a run, across risk-thread restarts):
 * inserts are keyed on them or on a natural id, and snapshots (orders,
 * positions, daily P&L) only replace an older version, so delivering a row
 * twice changes nothing.
 */
export type StoreRow = SignalRow | DecisionRow | OrderRow | FillRow | PositionRow | RiskEventRow | DailyPnlRow;

interface Keyed {
  run: string;
  seq: number;
}
export interface SignalRow extends Keyed {
  t: 'signal';
  at: number;
  strategy: string;
  exchange: string;
  symbol: string;
  side: 'LONG' | 'SHORT' | 'FLAT';
  strength: number;
  confidence: number;
  price: number;
  stop: number | null;
  target: number | null;
  reasons: number;
}
export interface DecisionRow extends Keyed {
  t: 'decision';
  at: number;
  exchange: string;
  symbol: string;
  decision: 'INTENT' | 'NO_TRADE' | 'VETOED' | 'BELOW_QUALITY' | 'EXIT';
  side: 'LONG' | 'SHORT' | 'FLAT';
  score: number;
  quality: string;
  strategies: number;
  reasons: number;
  opposingReasons: number;
}
export interface OrderRow extends Keyed {
  t: 'order';
  broker: string;
  clientOrderId: string;
  brokerOrderId: string | null;
  exchange: string;
  symbol: string;
  side: 'buy' | 'sell';
  type: 'market' | 'limit';
  qty: number;
  limitPrice: number | null;
  state: string;
  filledQty: number;
  avgPrice: number | null;
  fees: number;
  rejectReason: string | null;
  createdAt: number;
  updatedAt: number;
}
export interface FillRow extends Keyed {
  t: 'fill';
  tradeId: string;
  clientOrderId: string;
  at: number;
  exchange: string;
  symbol: string;
  side: 'buy' | 'sell';
  qty: number;
  price: number;
  fee: number;
}
export interface PositionRow extends Keyed {
  t: 'position';
  broker: string;
  exchange: string;
  symbol: string;
  qty: number;
  avgPrice: number | null;
  realisedPnl: number;
  at: number;
}
export interface RiskEventRow extends Keyed {
  t: 'risk';
  at: number;
  /** trip, reset, kill_switch, kill_reset, ... */
  kind: string;
  reason: string;
  detail: Record<string, unknown>;
}
export interface DailyPnlRow extends Keyed {
  t: 'pnl';
  /** YYYY-MM-DD */
  day: string;
  broker: string;
  startEquity: number;
  equity: number;
  realisedPnl: number;
  fees: number;
  fills: number;
  at: number;
}

/** A row before the store thread stamps its run and sequence. */
export type Unkeyed<R extends StoreRow> = R extends StoreRow ? Omit<R, 'run' | 'seq'> : never;
export type PendingRow = Unkeyed<StoreRow>;

const SIDES = { [SignalSide.Long]: 'LONG', [SignalSide.Short]: 'SHORT', [SignalSide.Flat]: 'FLAT' } as const;
const sideName = (s: number) => SIDES[s as keyof typeof SIDES] ?? 'FLAT';
const finite = (x: number) => (Number.isFinite(x) ? x : null);
const DECISIONS = {
  [Decision.Intent]: 'INTENT', [Decision.NoTrade]: 'NO_TRADE', [Decision.Vetoed]: 'VETOED',
  [Decision.BelowQuality]: 'BELOW_QUALITY', [Decision.Exit]: 'EXIT',
} as const;

/** Signal record (times in ns since the anchor) to its row; `toEpochMs` converts the engine clock. */
export function signalRow(s: Readonly<Signal>, strategy: string, i: InstrumentInfo, toEpochMs: (ns: number) => number): Unkeyed<SignalRow> {
  return {
    t: 'signal', at: toEpochMs(s.signalTs), strategy, exchange: i.exchange, symbol: i.symbol, side: sideName(s.side),
    strength: s.strength, confidence: s.confidence, price: s.price, stop: finite(s.stop), target: finite(s.target), reasons: s.reasons,
  };
}

export function decisionRow(d: Readonly<OrderIntent>, i: InstrumentInfo, atMs: number): Unkeyed<DecisionRow> {
  return {
    t: 'decision', at: atMs, exchange: i.exchange, symbol: i.symbol, decision: DECISIONS[d.decision], side: sideName(d.side),
    score: d.score, quality: Quality[d.quality], strategies: d.strategies, reasons: d.reasons, opposingReasons: d.opposingReasons,
  };
}
