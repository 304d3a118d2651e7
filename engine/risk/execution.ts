import { SignalSide, type Tick } from '../../native-free-ringbuffer/index.js';
import { fixedFractionalQuantity } from '../analytics/position-sizer.js';
import { PaperBroker, type PaperBrokerOptions } from '../brokers/paper/paper-broker.js';
import type { Broker, BrokerEvent } from '../brokers/broker.js';
import type { InstrumentInfo } from '../instruments/registry.js';
import { Decision, type OrderIntent } from '../orchestrator/orchestrator.js';
import { assessRisk, RiskLevel, type RiskLevelOptions } from './risk-level.js';
import { DEFAULT_OPTION_RULES, OptionRules, type OptionRulesOptions } from './option-rules.js';
import { CircuitBreaker, CircuitState, type CircuitOptions, type Trip } from './circuit-breaker.js';

/**
 * Execution in the risk thread: order intents become orders at the broker.
 *
 * An entry is sized by fixed fractional risk (`riskPerTradePct` of equity
 * between entry and stop), capped so that gross exposure, with the orders
 * still working, stays within `maxLeverage` x equity (a tight stop alone
 * would size a position many times the account), times the
 * circuit breaker's size factor (reduced probes when HALF_OPEN) and the
 * regime detector's size multiplier, then by the RiskLevel of the entry
 * (regime, exposure, concentration, drawdown: CRITICAL refuses it) and the
 * option rules (NSE hours, cut-off, expiry day), rounded
 * down to the instrument's lot; no stop, no size, no order. An exit flattens
 * the instrument. The circuit breaker sees equity, open positions, regimes
 * and broker results; the kill switch cancels every open order, flattens
 * every position and refuses entries until it is reset.
 */
export interface ExecutionOptions {
  riskPerTradePct: number;
  maxLeverage: number;
  circuit: CircuitOptions;
  paper: PaperBrokerOptions;
  /** The broker client (default: the paper broker with `paper`); it reports to the given listener. */
  broker?: (onEvent: (e: BrokerEvent) => void) => Broker;
  /** Whether the broker may take entries (a venue: credentials checked and reconciled); exits always go. */
  brokerReady?: () => boolean;
  /** Whether entries may go while rows cannot reach the database (storage.outagePolicy); exits always go. */
  storageReady?: () => boolean;
  /** The regime detector's view of an instrument, for the RiskLevel (null: none). */
  regimeOf?: (instrumentId: number) => { regime: number; blackSwan: boolean } | null;
  riskLevels?: RiskLevelOptions;
  options?: OptionRulesOptions;
}

export interface ExecutionCounters {
  orders: number;
  fills: number;
  rejects: number;
  refusedByCircuit: number;
  /** Entries refused because the broker was not ready (credentials or reconciliation pending). */
  refusedByBroker: number;
  /** Entries whose RiskLevel was CRITICAL. */
  refusedByRiskLevel: number;
  /** Option entries outside NSE hours, after the cut-off, or barred on the expiry day. */
  refusedByOptionRules: number;
  /** Entries held back while the database was unreachable (storage.outagePolicy halt-entries). */
  refusedByStorage: number;
  /** Entries that sized to nothing: no stop, no leverage headroom, or less than a lot. */
  unsized: number;
  trips: number;
}

export class Execution {
  readonly broker: Broker;
  readonly breaker: CircuitBreaker;
  readonly counters: ExecutionCounters = { orders: 0, fills: 0, rejects: 0, refusedByCircuit: 0, refusedByBroker: 0, refusedByRiskLevel: 0, refusedByOptionRules: 0, refusedByStorage: 0, unsized: 0, trips: 0 };
  killed = false;
  /** Fees on every fill so far. */
  feesPaid = 0;
  /** The RiskLevel of the last entry assessed. */
  lastRiskLevel = RiskLevel.Low;
  private readonly optionRules: OptionRules;
  private seq = 0;
  private readonly probeOrders = new Set<string>();

  private readonly o: ExecutionOptions;

  constructor(
    private readonly instruments: readonly InstrumentInfo[],
    options: ExecutionOptions,
    /** Size multiplier (regime) of an instrument; 1 when unknown. */
    private readonly sizeMultiplierOf: (instrumentId: number) => number,
    onTrip: (t: Trip) => void,
    /**
     * Prefix of this run's client order ids, followed by a base-36 sequence:
     * alphanumeric and at most 20 characters in all, as Kite's `tag` allows.
     */
    private readonly idPrefix = `t${Date.now().toString(36)}`,
    /** Every broker event, after execution has acted on it (persistence records them). */
    private readonly onEvent: (e: BrokerEvent) => void = () => {},
  ) {
    const o = (this.o = { ...options, circuit: { ...options.circuit } });
    this.optionRules = new OptionRules(o.options ?? DEFAULT_OPTION_RULES);
    this.breaker = new CircuitBreaker(o.circuit, (t) => {
      this.counters.trips++;
      onTrip(t);
    });
    const listener = (e: BrokerEvent) => this.onBrokerEvent(e);
    this.broker = o.broker ? o.broker(listener) : new PaperBroker(instruments.length, o.paper, listener);
    this.breaker.startOfDay(this.broker.portfolio.equity());
  }

  onTick(t: Tick, nowMs: number): void {
    this.broker.onTick(t, nowMs);
  }

  /**
   * The largest quantity on the intent's side that keeps gross exposure within
   * `maxLeverage` x equity, counting the position and the orders still working
   * on the instrument (entries stack between fills), so that an entry against
   * the position may close it and open the other side up to the limit.
   */
  private leverageHeadroom(i: Readonly<OrderIntent>, equity: number): number {
    const pf = this.broker.portfolio;
    const others = pf.grossExposure() - pf.exposure(i.instrumentId);
    const budget = equity * this.o.maxLeverage - others;
    const projected = pf.position(i.instrumentId) + this.broker.workingQty(i.instrumentId);
    const dir = i.side === SignalSide.Long ? 1 : -1;
    return Math.max(0, budget / i.price - dir * projected);
  }

  /** The limits in force. */
  get limits(): { riskPerTradePct: number; maxLeverage: number; circuit: Readonly<CircuitOptions> } {
    return { riskPerTradePct: this.o.riskPerTradePct, maxLeverage: this.o.maxLeverage, circuit: this.breaker.o };
  }

  /** New limits at run time (an admin's change, validated by the API): from the next entry and check on. */
  setLimits(l: { riskPerTradePct?: number; maxLeverage?: number; circuit?: Partial<CircuitOptions> }): void {
    if (l.riskPerTradePct !== undefined) this.o.riskPerTradePct = l.riskPerTradePct;
    if (l.maxLeverage !== undefined) this.o.maxLeverage = l.maxLeverage;
    if (l.circuit) Object.assign(this.breaker.o, l.circuit);
  }

  /** Returns true when an order went out. */
  onIntent(i: Readonly<OrderIntent>, nowMs: number): boolean {
    if (i.decision === Decision.Exit) return this.flatten(i.instrumentId, nowMs);
    if (i.decision !== Decision.Intent || this.killed) return false;
    if (this.o.brokerReady && !this.o.brokerReady()) {
      this.counters.refusedByBroker++;
      return false;
    }
    if (this.o.storageReady && !this.o.storageReady()) {
      this.counters.refusedByStorage++;
      return false;
    }
    const gate = this.breaker.allowEntry(nowMs);
    if (!gate.allowed) {
      this.counters.refusedByCircuit++;
      return false;
    }
    const inst = this.instruments[i.instrumentId - 1];
    const option = this.optionRules.entry(inst, nowMs);
    if (!option.allowed) {
      this.counters.refusedByOptionRules++;
      return false;
    }
    const equity = this.broker.portfolio.equity();
    const byRisk = fixedFractionalQuantity(equity, this.o.riskPerTradePct / 100, i.price, i.stop);
    const sized = Math.min(byRisk, this.leverageHeadroom(i, equity)) * gate.sizeFactor * this.sizeMultiplierOf(i.instrumentId) * option.sizeFactor;
    const risk = this.assess(i, equity);
    this.lastRiskLevel = risk.level;
    if (risk.level === RiskLevel.Critical) {
      this.counters.refusedByRiskLevel++;
      return false;
    }
    const raw = sized * risk.sizeFactor;
    const lot = inst?.lotSize || 0;
    const qty = lot > 0 ? Math.floor(raw / lot) * lot : raw;
    if (!(qty > 0)) {
      this.counters.unsized++;
      return false;
    }
    const id = this.nextId();
    if (this.breaker.state === CircuitState.HalfOpen) this.probeOrders.add(id);
    this.broker.place({ clientOrderId: id, instrumentId: i.instrumentId, side: i.side === SignalSide.Long ? 'buy' : 'sell', type: 'market', qty }, nowMs);
    this.counters.orders++;
    return true;
  }

  /**
   * The RiskLevel of opening a position now: the instrument's regime, and the
   * account as it stands before the entry (gross exposure with working
   * orders against the leverage cap, the instrument's share of equity, the
   * drawdown from the peak). The entry's own size is bounded by the sizing
   * and the leverage cap above; the level says how much of it to take.
   */
  private assess(i: Readonly<OrderIntent>, equity: number) {
    const pf = this.broker.portfolio;
    const held = Math.abs(pf.position(i.instrumentId) + this.broker.workingQty(i.instrumentId)) * i.price;
    const gross = pf.grossExposure() - pf.exposure(i.instrumentId) + held;
    const r = this.o.regimeOf?.(i.instrumentId) ?? null;
    return assessRisk({
      regime: r ? r.regime : NaN,
      blackSwan: r?.blackSwan ?? false,
      exposureShare: equity > 0 ? gross / (equity * this.o.maxLeverage) : Infinity,
      concentration: equity > 0 ? held / equity : Infinity,
      drawdownPct: pf.peak > 0 ? Math.max(0, ((pf.peak - equity) / pf.peak) * 100) : 0,
    }, this.o.riskLevels);
  }

  /** Equity, positions and regimes to the circuit breaker (once a second is plenty). */
  housekeeping(nowMs: number, regimes: (instrumentId: number) => { regime: number; blackSwan: boolean } | null): void {
    this.breaker.onEquity(this.broker.portfolio.equity(), nowMs);
    this.breaker.onOpenPositions(this.openPositions(), nowMs);
    for (let id = 1; id <= this.instruments.length; id++) {
      const r = regimes(id);
      if (r) this.breaker.onRegime(r.regime, r.blackSwan, nowMs, this.instruments[id - 1].symbol);
    }
  }

  openPositions(): number {
    let n = 0;
    for (let id = 1; id <= this.instruments.length; id++) if (this.broker.portfolio.position(id) !== 0) n++;
    return n;
  }

  /** Kill switch: cancel open orders, flatten positions, refuse entries until reset. */
  kill(nowMs: number): void {
    this.killed = true;
    this.broker.cancelAll(nowMs);
    for (let id = 1; id <= this.instruments.length; id++) this.flatten(id, nowMs);
  }

  resetKill(): void {
    this.killed = false;
  }

  private flatten(instrumentId: number, nowMs: number): boolean {
    const pos = this.broker.portfolio.position(instrumentId);
    if (pos === 0) return false;
    this.broker.place({ clientOrderId: this.nextId(), instrumentId, side: pos > 0 ? 'sell' : 'buy', type: 'market', qty: Math.abs(pos) }, nowMs);
    this.counters.orders++;
    return true;
  }

  private nextId(): string {
    return `${this.idPrefix}${(++this.seq).toString(36)}`;
  }

  private onBrokerEvent(e: BrokerEvent): void {
    if (e.type === 'fill') {
      this.counters.fills++;
      this.feesPaid += e.fill!.fee;
    }
    if (e.type === 'reject') this.counters.rejects++;
    if (e.type === 'reject' || e.type === 'fill') this.breaker.onBrokerResult(e.type === 'fill', e.order.updatedAt);
    if (this.probeOrders.has(e.order.clientOrderId) && (e.type === 'fill' || e.type === 'reject')) {
      this.probeOrders.delete(e.order.clientOrderId);
      this.breaker.onProbeResult(e.type === 'fill', e.order.updatedAt);
    }
    this.onEvent(e);
  }
}
