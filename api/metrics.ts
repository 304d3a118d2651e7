import { REJECT_REASONS } from '../engine/feeds/publisher-protocol.js';
import { RISK_HISTOGRAMS, STRATEGY_HISTOGRAMS, ThreadState } from '../engine/status/status-region.js';
import type { EngineView } from './engine-view.js';
import { PublishedRows, ROW_SLOTS } from '../engine/status/published-rows.js';

/** Histogram buckets in seconds: 1 µs to 50 ms, then +Inf. */
export const LATENCY_BUCKETS_SECONDS = [
  1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2, 5e-2,
];
const BUCKETS_NS = LATENCY_BUCKETS_SECONDS.map((s) => s * 1e9);
const BUCKET_LABELS = LATENCY_BUCKETS_SECONDS.map(String);

function labels(l: Record<string, string>): string {
  const parts = Object.entries(l).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

/** One line of a family: its text up to the value, where the value comes from, and whether it is there at all. */
interface Series {
  prefix: string;
  read: () => number;
  present?: () => boolean;
}

class Family {
  readonly header: string;
  readonly series: Series[] = [];
  constructor(private readonly name: string, type: 'counter' | 'gauge' | 'histogram', help: string) {
    this.header = `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n`;
  }
  sample(l: Record<string, string>, read: () => number, suffix = '', present?: () => boolean): this {
    this.series.push({ prefix: `${this.name}${suffix}${labels(l)} `, read, present });
    return this;
  }
}

/**
 * The Prometheus text exposition format (version 0.0.4) of the status region. Its families, label sets and
 * status slots are laid out once, from the plan (which is fixed for the life of the engine); a scrape reads the
 * values and writes the text. A scrape used to build all of it again and copy each latency histogram (36 KB of
 * buckets, a dozen of them): ~400 KB of garbage a scrape, some of it promoted, and the HTTP thread's heap grew
 * with the scrape rate in the soak.
 */
export class MetricsExposition {
  private readonly families: Family[] = [];
  /** Reads of compound sources (histograms, published rows) that the series of one scrape share. */
  private readonly refreshes: (() => void)[] = [];

  constructor(view: EngineView) {
    this.build(view);
  }

  render(): string {
    for (const refresh of this.refreshes) refresh();
    let text = '';
    for (const f of this.families) {
      text += f.header;
      for (const s of f.series) {
        if (s.present && !s.present()) continue;
        const v = s.read();
        text += s.prefix + (Number.isFinite(v) ? v : 'NaN') + '\n';
      }
    }
    return text;
  }

  private build(view: EngineView): void {
    const { status, plan } = view;
    const out = this.families;
    const slot = (key: string) => {
      const i = status.slot(key);
      return () => status.get(i);
    };
    const scaled = (key: string, scale: number) => {
      const i = status.slot(key);
      return () => status.get(i) * scale;
    };

    const hop = new Family('tickring_hop_latency_seconds', 'histogram',
      'Latency of each hop a tick takes, from the stamps written into the records.');
    const hist = (name: string, key: string, l: Record<string, string>) => {
      const h = status.histogram(key);
      const cumulative = new Float64Array(BUCKETS_NS.length);
      const total = { n: 0 };
      this.refreshes.push(() => (total.n = h.cumulative(BUCKETS_NS, cumulative)));
      BUCKET_LABELS.forEach((le, k) => hop.sample({ ...l, hop: name, le }, () => cumulative[k], '_bucket'));
      hop.sample({ ...l, hop: name, le: '+Inf' }, () => total.n, '_bucket');
      hop.sample({ ...l, hop: name }, () => h.sum() / 1e9, '_sum');
      hop.sample({ ...l, hop: name }, () => total.n, '_count');
    };
    const strategies = plan.config.strategies.map((s) => s.id ?? s.name);
    for (const s of strategies) for (const h of STRATEGY_HISTOGRAMS) hist(h, `${h}:${s}`, { strategy: s });
    for (const h of RISK_HISTOGRAMS) hist(h, h, { strategy: 'all' });
    out.push(hop);

    const feedCounter = (field: string, name: string, help: string) => {
      const f = new Family(name, 'counter', help);
      for (const feed of plan.feeds) f.sample({ feed }, slot(`feed.${feed}.${field}`));
      out.push(f);
    };
    feedCounter('ticks', 'tickring_ticks_in_total', 'Ticks accepted from each feed and written to the rings.');
    feedCounter('messages', 'tickring_feed_messages_total', 'Messages received from each feed.');
    feedCounter('rejected', 'tickring_feed_rejected_total', 'Ticks or frames rejected from each feed.');
    feedCounter('reconnects', 'tickring_feed_reconnects_total', 'Reconnections of each feed.');
    feedCounter('gaps', 'tickring_feed_gaps_total', 'Sequence gaps seen on each feed (each one resynced).');
    const skew = new Family('tickring_feed_skew_seconds', 'gauge', 'Smoothed exchange-to-receive delay of each feed.');
    const expired = new Family('tickring_feed_subscription_expired', 'gauge', '1 when the vendor said the subscription expired.');
    for (const feed of plan.feeds) {
      const skewMs = slot(`feed.${feed}.skewMs`);
      skew.sample({ feed }, () => skewMs() / 1000);
      expired.sample({ feed }, slot(`feed.${feed}.subscriptionExpired`));
    }
    out.push(skew, expired);
    const up = new Family('tickring_feed_up', 'gauge', '1 when the feed is connected and fresh.');
    const conns = new Family('tickring_feed_connections', 'gauge', 'Open connections of each feed.');
    for (const feed of plan.feeds) {
      up.sample({ feed }, () => (view.isUsable(feed) ? 1 : 0));
      conns.sample({ feed }, slot(`feed.${feed}.connections`));
    }
    out.push(up, conns);

    const rejected = new Family('tickring_ingest_rejected_total', 'counter', 'Publisher input rejected before any ring, by reason.');
    for (const r of REJECT_REASONS) rejected.sample({ reason: r }, slot(`ingest.rejected.${r}`));
    out.push(rejected);

    const fill = new Family('tickring_ring_fill', 'gauge', 'Records waiting in each ring.');
    const cap = new Family('tickring_ring_capacity', 'gauge', 'Capacity of each ring, in records.');
    const dropped = new Family('tickring_ring_dropped_total', 'counter', 'Records dropped because the ring was full (the consumer lagged).');
    const gaps = new Family('tickring_ring_gaps_total', 'counter', 'Records the consumer found missing by sequence number.');
    for (const r of view.rings) {
      const ring = r.ring;
      fill.sample({ ring: r.name }, () => ring.fill());
      cap.sample({ ring: r.name }, () => ring.capacity);
      dropped.sample({ ring: r.name }, () => ring.dropped());
      gaps.sample({ ring: r.name }, () => ring.gaps());
    }
    out.push(fill, cap, dropped, gaps);

    const sTicks = new Family('tickring_strategy_ticks_total', 'counter', 'Ticks each strategy processed.');
    const sSignals = new Family('tickring_signals_total', 'counter', 'Signals each strategy emitted.');
    const sPaused = new Family('tickring_strategy_paused', 'gauge', '1 while the strategy is paused.');
    const sIgnored = new Family('tickring_strategy_ignored_trades_total', 'counter', 'Trades a strategy could not take into its state (the volume scalper: a price beyond its volume profile\'s range).');
    const sFits = new Family('tickring_strategy_fits_applied_total', 'counter', 'Model refits from the model pool a strategy swapped in, by kind (garch, hmm).');
    const sFitsFailed = new Family('tickring_strategy_fits_failed_total', 'counter', 'Model refits the model pool could not fit (a series that does not vary, a fit that failed), by kind; the strategy keeps its model.');
    for (const s of strategies) {
      sTicks.sample({ strategy: s }, slot(`strategy.${s}.ticks`));
      for (const kind of ['garch', 'hmm']) {
        sFits.sample({ strategy: s, kind }, slot(`strategy.${s}.${kind}FitsApplied`));
        sFitsFailed.sample({ strategy: s, kind }, slot(`strategy.${s}.${kind}FitsFailed`));
      }
      sSignals.sample({ strategy: s }, slot(`strategy.${s}.signals`));
      sPaused.sample({ strategy: s }, slot(`strategy.${s}.paused`));
      sIgnored.sample({ strategy: s }, slot(`strategy.${s}.ignoredTrades`));
    }
    out.push(sTicks, sSignals, sPaused, sIgnored, sFits, sFitsFailed);
    // a family of one series read from one status slot: the risk, broker and store figures
    const single = (name: string, key: string, type: 'counter' | 'gauge', help: string, l: Record<string, string> = {}) => out.push(new Family(name, type, help).sample(l, slot(key)));
    const riskGauge = (name: string, key: string, type: 'counter' | 'gauge', help: string) => single(name, `risk.${key}`, type, help);
    single('tickring_idle_poll', 'engine.idlePoll', 'gauge', '1 while the engine holds idle CPUs polling (scheduling.idlePoll); 0 when off or refused.');
    riskGauge('tickring_risk_signals_total', 'signals', 'counter', 'Signals received by the risk thread.');
    const decisions = new Family('tickring_orchestrator_decisions_total', 'counter', 'What the orchestrator decided: intent, no_trade (LONG and SHORT together), vetoed (multi-timeframe), below_quality, exit.');
    for (const [label, key] of [['intent', 'intents'], ['no_trade', 'noTrade'], ['vetoed', 'vetoed'], ['below_quality', 'belowQuality'], ['exit', 'exits']]) {
      decisions.sample({ decision: label }, slot(`risk.${key}`));
    }
    out.push(decisions);
    riskGauge('tickring_orders_total', 'orders', 'counter', 'Orders sent to the broker.');
    riskGauge('tickring_fills_total', 'fills', 'counter', 'Fills reported by the broker.');
    riskGauge('tickring_order_rejections_total', 'rejects', 'counter', 'Orders the broker rejected.');
    riskGauge('tickring_entries_refused_by_circuit_total', 'refusedByCircuit', 'counter', 'Entries refused while the circuit breaker was open.');
    riskGauge('tickring_entries_unsized_total', 'unsized', 'counter', 'Entries that sized to nothing: no stop, no leverage headroom, or less than a lot.');
    riskGauge('tickring_circuit_trips_total', 'trips', 'counter', 'Circuit breaker trips (and admin resets).');
    riskGauge('tickring_circuit_state', 'circuit', 'gauge', 'Circuit breaker: 0 closed, 1 open, 2 half open.');
    riskGauge('tickring_kill_switch', 'killSwitch', 'gauge', '1 while the kill switch refuses entries.');
    riskGauge('tickring_equity', 'equity', 'gauge', 'Account equity (cash plus positions at their last price).');
    riskGauge('tickring_realised_pnl', 'realisedPnl', 'gauge', 'Realised P&L since start, after fees.');
    riskGauge('tickring_open_positions', 'openPositions', 'gauge', 'Instruments with an open position.');
    riskGauge('tickring_store_backlog_rows', 'storeBacklog', 'gauge', 'Rows the risk thread holds while the store ring is full (never dropped).');
    riskGauge('tickring_store_signals_not_recorded_total', 'storeSignalsDropped', 'counter', 'Signals not recorded because the store ring was full.');

    // the broker client
    const brokerMetric = (name: string, key: string, type: 'counter' | 'gauge', help: string) => single(name, `broker.${key}`, type, help, { broker: plan.config.broker.name });
    brokerMetric('tickring_broker_authenticated', 'authenticated', 'gauge', '1 when the broker accepted our credentials last time (paper: always).');
    brokerMetric('tickring_broker_open_orders', 'openOrders', 'gauge', 'Orders at the broker not yet final.');
    brokerMetric('tickring_broker_problems_total', 'problems', 'counter', 'Unanswered placements, failed polls or cancels, token troubles.');
    riskGauge('tickring_entries_refused_by_risk_level_total', 'refusedByRiskLevel', 'counter', 'Entries whose RiskLevel (regime, exposure, concentration, drawdown) was CRITICAL.');
    riskGauge('tickring_entries_refused_by_option_rules_total', 'refusedByOptionRules', 'counter', 'Option entries outside NSE hours, after the cut-off, or barred on the expiry day.');
    riskGauge('tickring_entries_refused_by_storage_total', 'refusedByStorage', 'counter', 'Entries held back while the database was unreachable (storage.outagePolicy halt-entries).');
    riskGauge('tickring_risk_level', 'riskLevel', 'gauge', 'RiskLevel of the last entry assessed: 0 low, 1 medium, 2 high, 3 critical.');
    riskGauge('tickring_entries_refused_by_broker_total', 'refusedByBroker', 'counter', 'Entries refused while the broker was not authenticated or not reconciled.');

    // persistence (store thread)
    const storeMetric = (name: string, key: string, type: 'counter' | 'gauge', help: string) => single(name, `store.${key}`, type, help);
    storeMetric('tickring_store_state', 'state', 'gauge', 'Persistence: 0 starting, 1 writing to the database, 2 spilling to the journal, 3 failing (rows held in memory).');
    storeMetric('tickring_store_rows_written_total', 'rowsWritten', 'counter', 'Rows written to the database (replayed ones included).');
    storeMetric('tickring_store_write_failures_total', 'writeFailures', 'counter', 'Database writes or journal appends that failed.');
    storeMetric('tickring_store_queued_rows', 'queued', 'gauge', 'Rows waiting for the next batch.');
    storeMetric('tickring_store_journal_bytes', 'journalBytes', 'gauge', 'Bytes spilled to the journal and not yet replayed.');
    storeMetric('tickring_store_replayed_rows_total', 'replayedRows', 'counter', 'Rows replayed from the journal into the database.');

    // regime detectors' per-instrument state (rows they have written)
    const detectors = plan.config.strategies.filter((x) => x.name === 'regime-detector').map((x) => x.id ?? x.name);
    if (detectors.length) {
      const regime = new Family('tickring_regime', 'gauge', 'Volatility regime per instrument: 0 LOW, 1 MEDIUM, 2 HIGH, 3 EXTREME.');
      const sigma = new Family('tickring_regime_bar_sigma_percent', 'gauge', 'Conditional sd of the next bar return (GARCH), percent.');
      const size = new Family('tickring_regime_size_multiplier', 'gauge', 'Position size multiplier from volatility (0 in EXTREME).');
      const alerts = new Family('tickring_regime_alerts', 'gauge', 'Alert bits of the last bar (1 black-swan return, 2 vol-of-vol jump).');
      for (const id of detectors) {
        const rows = new PublishedRows(plan.publications[id], plan.instruments.length + 1);
        for (let i = 1; i <= plan.instruments.length; i++) {
          // one read of the row a scrape, shared by its four series; none before the detector has written it
          const row = new Float64Array(ROW_SLOTS);
          const written = { yes: false };
          this.refreshes.push(() => (written.yes = rows.read(i, row, ROW_SLOTS)));
          const present = () => written.yes;
          const l = { strategy: id, instrument: plan.instruments[i - 1].symbol };
          regime.sample(l, () => row[0], '', present);
          sigma.sample(l, () => row[5], '', present);
          size.sample(l, () => row[7], '', present);
          alerts.sample(l, () => row[8], '', present);
        }
      }
      out.push(regime, sigma, size, alerts);
    }

    const restarts = new Family('tickring_thread_restarts_total', 'counter', 'Restarts of each thread after a crash.');
    const tUp = new Family('tickring_thread_up', 'gauge', '1 while the thread is running.');
    const age = new Family('tickring_thread_heartbeat_age_seconds', 'gauge', 'Seconds since the thread last beat.');
    for (const t of plan.threads) {
      restarts.sample({ thread: t }, slot(`thread.${t}.restarts`));
      tUp.sample({ thread: t }, () => (view.threadState(t) === ThreadState.Running ? 1 : 0));
      age.sample({ thread: t }, () => Math.max(0, view.heartbeatAgeMs(t) / 1000));
    }
    out.push(restarts, tUp, age);
    const pauseFamilies = [
      ['tickring_thread_gc_pause_max_seconds', 'gauge', 'Longest garbage-collection pause of each thread (perf_hooks, watched 10 s of every minute; the stall measure includes every pause).', 'gcPauseMaxMs', 1e-3],
      ['tickring_thread_gc_pauses_over_10ms_total', 'counter', 'Garbage-collection pauses over 10 ms (watched 10 s of every minute).', 'gcPausesOver10ms', 1],
      ['tickring_thread_stall_max_seconds', 'gauge', 'Longest time a consumer thread was away from its rings (one batch, or an event-loop turn).', 'stallMaxMs', 1e-3],
      ['tickring_thread_stalls_over_10ms_total', 'counter', 'Consumer-loop stalls over 10 ms.', 'stallsOver10ms', 1],
      ['tickring_thread_heap_used_bytes', 'gauge', 'Objects in the thread\'s V8 heap, garbage not yet collected included (sampled once a second).', 'heapUsedBytes', 1],
      ['tickring_thread_heap_total_bytes', 'gauge', 'Memory committed to the thread\'s V8 heap: its share of the resident set.', 'heapTotalBytes', 1],
      ['tickring_thread_young_generation_bytes', 'gauge', 'Of the committed heap, the young generation (new space and its large-object space; sampled once a second).', 'youngBytes', 1],
      ['tickring_thread_heap_live_bytes', 'gauge', 'Heap in use just after the thread\'s last full garbage collection seen (watched 10 s of every minute; 0 before the first): growth here is a leak.', 'heapLiveBytes', 1],
      ['tickring_thread_realtime_priority', 'gauge', 'SCHED_FIFO priority of the thread under scheduling.realtime (0: the normal scheduler).', 'realtimePriority', 1],
      ['tickring_thread_slice_seconds', 'gauge', 'Scheduler slice of the thread on the normal scheduler (Linux 6.6+; shorter for the threads a tick crosses under scheduling.sliceUs; 0: unknown).', 'sliceNs', 1e-9],
      ['tickring_thread_nice', 'gauge', 'Nice value of the thread on the normal scheduler (Linux; a higher one gives the core up sooner): 0 for the threads a tick crosses.', 'nice', 1],
      ['tickring_thread_external_bytes', 'gauge', 'ArrayBuffers and Buffers the thread\'s heap holds (shared memory counts in each thread that maps it).', 'externalBytes', 1],
    ] as const;
    for (const [name, type, help, field, scale] of pauseFamilies) {
      const f = new Family(name, type, help);
      for (const t of plan.threads) f.sample({ thread: t }, scaled(`thread.${t}.${field}`, scale));
      out.push(f);
    }
    const api = new Family('tickring_api_responses_total', 'counter', 'Control API answers by class: 4xx are refused requests (bad input, auth), 5xx failures.');
    for (const [cls, key] of [['2xx', 'ok'], ['4xx', 'clientErrors'], ['5xx', 'serverErrors']] as const) api.sample({ class: cls }, slot(`api.${key}`));
    out.push(api);
    out.push(new Family('tickring_ready', 'gauge', '1 when the engine is ready to trade.').sample({}, () => (view.notReadyReasons().length === 0 ? 1 : 0)));
  }
}
