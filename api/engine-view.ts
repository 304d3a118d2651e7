import { RingObserver } from '../native-free-ringbuffer/index.js';
import { Clock } from '../engine/clock.js';
import type { EnginePlan } from '../engine/plan.js';
import { BrokerKind, ProviderStatus, StatusRegion, StoreBackend, StoreState, ThreadState } from '../engine/status/status-region.js';
import { STORE } from '../engine/plan.js';
import { isMarketOpen, type MarketCalendar } from '../engine/market-hours.js';

/** Indian vendors' feeds are judged by NSE hours; everything else trades around the clock. */
const feedCalendar = (feed: string): MarketCalendar => (feed === 'kite' || feed === 'truedata' ? 'nse' : 'crypto');

/**
 * A read-only view of the running engine for the HTTP routes, built from the
 * shared status region and ring headers alone: answering never asks a busy
 * thread anything.
 */
export class EngineView {
  readonly status: StatusRegion;
  readonly clock: Clock;
  /** Ring observers by name: `ticks:<consumer thread>`, `signals:<strategy>`. */
  readonly rings: { name: string; consumer: string; ring: RingObserver }[] = [];

  constructor(readonly plan: EnginePlan) {
    this.status = new StatusRegion(plan.status.buffer, plan.status.layout);
    this.clock = new Clock(plan.anchor);
    for (const [consumer, d] of Object.entries(plan.tickRings)) this.rings.push({ name: `ticks:${consumer}`, consumer, ring: new RingObserver(d) });
    for (const [id, d] of Object.entries(plan.signalRings)) this.rings.push({ name: `signals:${id}`, consumer: 'risk', ring: new RingObserver(d) });
    this.rings.push({ name: 'store', consumer: STORE, ring: new RingObserver(plan.storeRing) });
  }

  heartbeatAgeMs(thread: string): number {
    return (this.clock.now() - this.status.read(`thread.${thread}.heartbeat`)) / 1e6;
  }

  threadState(thread: string): ThreadState {
    return this.status.read(`thread.${thread}.state`) as ThreadState;
  }

  feedState(feed: string): ProviderStatus {
    return this.status.read(`feed.${feed}.state`) as ProviderStatus;
  }

  /**
   * Every thread, with its input rings. `lagging`: one of its rings is at least half full (it reads slower
   * than it is fed; a full ring drops); `lagMs`, for a strategy with ticks waiting, how old the last tick it
   * finished is.
   */
  workers() {
    const strategyOf = new Map(this.plan.config.strategies.map((s) => [`strategy:${s.id ?? s.name}`, s.id ?? s.name]));
    return this.plan.threads.map((name) => {
      const rings = this.rings
        .filter((r) => r.consumer === name)
        .map((r) => ({ name: r.name, fill: r.ring.fill(), capacity: r.ring.capacity, dropped: r.ring.dropped(), gaps: r.ring.gaps() }));
      const strategy = strategyOf.get(name);
      const waiting = rings.some((r) => r.fill > 0);
      const processed = strategy === undefined ? NaN : this.status.read(`strategy.${strategy}.processedTs`);
      return {
        name,
        state: ThreadState[this.threadState(name)],
        heartbeatAgeMs: round(this.heartbeatAgeMs(name)),
        restarts: this.status.read(`thread.${name}.restarts`),
        lagging: rings.some((r) => r.fill >= r.capacity / 2),
        lagMs: strategy !== undefined && waiting && processed > 0 ? round((this.clock.now() - processed) / 1e6) : 0,
        rings,
      };
    });
  }

  /** The risk thread's state as it last published it (four times a second), and the configured limits. */
  risk() {
    const r = (k: string) => this.status.read(`risk.${k}`);
    return {
      circuit: (['CLOSED', 'OPEN', 'HALF_OPEN'] as const)[r('circuit')] ?? 'CLOSED',
      killSwitch: r('killSwitch') === 1,
      equity: r('equity'),
      cash: r('cash'),
      realisedPnl: r('realisedPnl'),
      openPositions: r('openPositions'),
      riskLevel: (['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const)[r('riskLevel')] ?? 'LOW',
      counters: {
        orders: r('orders'), fills: r('fills'), rejects: r('rejects'), refusedByCircuit: r('refusedByCircuit'), refusedByBroker: r('refusedByBroker'),
        refusedByRiskLevel: r('refusedByRiskLevel'), refusedByOptionRules: r('refusedByOptionRules'), refusedByStorage: r('refusedByStorage'), unsized: r('unsized'), trips: r('trips'),
      },
      limits: this.limits(),
    };
  }

  /** The risk limits in force: the config's, with what the risk thread says it uses (an admin may have changed some). */
  limits() {
    const r = (k: string) => this.status.read(`risk.${k}`);
    const cfg = this.plan.config.risk;
    const published = r('limitMaxLeverage') > 0; // 0 until the risk thread's first publication
    if (!published) return cfg;
    return {
      ...cfg,
      riskPerTradePct: r('limitRiskPerTradePct'),
      maxLeverage: r('limitMaxLeverage'),
      circuit: {
        ...cfg.circuit, dailyLossPct: r('limitDailyLossPct'), drawdownPct: r('limitDrawdownPct'), maxOpenPositions: r('limitMaxOpenPositions'),
        brokerErrors: r('limitBrokerErrors'), cooldownMs: r('limitCooldownMs'),
      },
    };
  }

  /** Persistence as the store thread last published it (ten times a second). */
  db() {
    const r = (k: string) => this.status.read(`store.${k}`);
    const at = (ms: number) => (ms > 0 ? new Date(ms).toISOString() : null);
    return {
      state: StoreState[r('state')].toUpperCase(),
      backend: StoreBackend[r('backend')].toLowerCase(),
      queuedRows: r('queued'),
      rowsWritten: r('rowsWritten'),
      batches: r('batches'),
      writeFailures: r('writeFailures'),
      journal: { bytes: r('journalBytes'), batchesSpilled: r('journalBatches'), rowsReplayed: r('replayedRows'), tornRecords: r('tornRecords') },
      /** Rows the risk thread holds because the store ring is full (never dropped). */
      backlogRows: this.status.read('risk.storeBacklog'),
      signalsNotRecorded: this.status.read('risk.storeSignalsDropped'),
      lastWriteAt: at(r('lastWriteAt')),
      lastErrorAt: at(r('lastErrorAt')),
    };
  }

  /** The broker client as the risk thread last published it. */
  broker() {
    const r = (k: string) => this.status.read(`broker.${k}`);
    const last = r('lastProblemAt');
    return {
      broker: BrokerKind[r('kind')].toLowerCase(),
      authenticated: r('authenticated') === 1,
      reconciliation: (['failed', 'pending', 'done'] as const)[r('reconciled') + 1] ?? 'pending',
      reconciledOrders: r('reconciledOrders'),
      reconciledPositions: r('reconciledPositions'),
      openOrders: r('openOrders'),
      problems: r('problems'),
      lastProblemAt: last > 0 ? new Date(last).toISOString() : null,
      entriesRefusedWhileNotReady: this.status.read('risk.refusedByBroker'),
    };
  }

  lastMessageAgeMs(feed: string): number | null {
    const at = this.status.read(`feed.${feed}.lastMessageAt`);
    return at === 0 ? null : (this.clock.now() - at) / 1e6;
  }

  /** No message for longer than ingest.staleAfterMs while the feed's market is open. */
  isStale(feed: string): boolean {
    const age = this.lastMessageAgeMs(feed);
    const open = isMarketOpen(feedCalendar(feed), this.clock.toEpochMs(this.clock.now()));
    return open && (age === null || age > this.plan.config.ingest.staleAfterMs);
  }

  /** Connected, not expired, and fresh: a feed the engine can trade on. */
  isUsable(feed: string): boolean {
    return this.feedState(feed) === ProviderStatus.Connected && this.status.read(`feed.${feed}.subscriptionExpired`) !== 1 && !this.isStale(feed);
  }

  providers() {
    return this.plan.feeds.map((name) => {
      const age = this.lastMessageAgeMs(name);
      return {
        name,
        status: ProviderStatus[this.feedState(name)].toUpperCase(),
        available: this.feedState(name) !== ProviderStatus.Unavailable,
        stale: this.isStale(name),
        subscriptionExpired: this.status.read(`feed.${name}.subscriptionExpired`) === 1,
        messages: this.status.read(`feed.${name}.messages`),
        ticks: this.status.read(`feed.${name}.ticks`),
        errors: this.status.read(`feed.${name}.rejected`),
        reconnects: this.status.read(`feed.${name}.reconnects`),
        gaps: this.status.read(`feed.${name}.gaps`),
        skewMs: round(this.status.read(`feed.${name}.skewMs`)),
        connections: this.status.read(`feed.${name}.connections`),
        lastMessageAgeMs: age === null ? null : round(age),
      };
    });
  }

  /** Why the engine is not ready; empty when it is. */
  notReadyReasons(): string[] {
    const reasons: string[] = [];
    if (this.status.read('engine.shuttingDown') === 1) reasons.push('engine is shutting down');
    const timeout = this.plan.config.health.heartbeatTimeoutMs;
    for (const name of this.plan.threads) {
      const state = this.threadState(name);
      if (state !== ThreadState.Running) reasons.push(`thread ${name} is ${ThreadState[state].toLowerCase()}`);
      else if (this.heartbeatAgeMs(name) > timeout) reasons.push(`thread ${name} has not beaten for ${Math.round(this.heartbeatAgeMs(name))} ms`);
    }
    for (const f of this.plan.feeds) {
      if (this.status.read(`feed.${f}.subscriptionExpired`) === 1) reasons.push(`feed ${f}: subscription expired`);
    }
    if (this.threadState('risk') === ThreadState.Running && this.status.read('broker.authenticated') !== 1) {
      reasons.push(`broker ${BrokerKind[this.status.read('broker.kind')].toLowerCase()}: not authenticated (complete the daily login or check the API key)`);
    }
    if (this.status.read('store.state') === StoreState.Failing) reasons.push('persistence: the database is unreachable and the journal cannot be written');
    if (!this.plan.feeds.some((f) => this.isUsable(f))) {
      const describe = (f: string) => `${f}: ${this.status.read(`feed.${f}.subscriptionExpired`) === 1 ? 'subscription expired' : this.feedState(f) === ProviderStatus.Connected && this.isStale(f) ? 'stale' : ProviderStatus[this.feedState(f)].toLowerCase()}`;
      reasons.push(`no data feed is connected (${this.plan.feeds.map(describe).join(', ') || 'none configured'})`);
    }
    return reasons;
  }

  /** Threads that should be running but have stopped beating for 5x the heartbeat timeout: the process is stuck. */
  stuckThreads(): string[] {
    const limit = this.plan.config.health.heartbeatTimeoutMs * 5;
    return this.plan.threads.filter((t) => this.threadState(t) === ThreadState.Running && this.heartbeatAgeMs(t) > limit);
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
