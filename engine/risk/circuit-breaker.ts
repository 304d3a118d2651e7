/**
 * The circuit breaker. CLOSED: entries allowed. OPEN: entries refused. After
 * `cooldownMs` it goes HALF_OPEN: probe entries at `probeSizeFraction` of the
 * normal size; `probesToClose` successful probes close it, a failed one opens
 * it again. An admin reset closes it at once. Five rules trip it, each
 * configurable and each trip recorded with its reason and figures:
 *
 *   daily_loss         equity below start-of-day equity by dailyLossPct
 *   intraday_drawdown  equity below its peak of the last drawdownWindowMs by drawdownPct
 *   max_positions      more than maxOpenPositions open positions
 *   volatility_spike   the regime detector reports EXTREME, or a black-swan alert
 *   broker_errors      brokerErrors rejections or errors within brokerErrorWindowMs
 */
export enum CircuitState {
  Closed = 'CLOSED',
  Open = 'OPEN',
  HalfOpen = 'HALF_OPEN',
}
export type TripReason = 'daily_loss' | 'intraday_drawdown' | 'max_positions' | 'volatility_spike' | 'broker_errors' | 'probe_failed';

export interface CircuitOptions {
  dailyLossPct: number;
  drawdownPct: number;
  drawdownWindowMs: number;
  maxOpenPositions: number;
  brokerErrors: number;
  brokerErrorWindowMs: number;
  cooldownMs: number;
  probeSizeFraction: number;
  probesToClose: number;
}

export const DEFAULT_CIRCUIT: CircuitOptions = {
  dailyLossPct: 5, drawdownPct: 2, drawdownWindowMs: 15 * 60_000, maxOpenPositions: 10, brokerErrors: 5, brokerErrorWindowMs: 60_000,
  cooldownMs: 5 * 60_000, probeSizeFraction: 0.25, probesToClose: 3,
};

export interface Trip {
  at: number;
  reason: TripReason | 'admin_reset';
  detail: string;
}

const SAMPLES = 4096;

export interface EntryGate {
  allowed: boolean;
  sizeFactor: number;
}
/** The verdicts that do not depend on the limits, shared: the order path allocates none for them. */
const FULL_ENTRY: Readonly<EntryGate> = Object.freeze({ allowed: true, sizeFactor: 1 });
const NO_ENTRY: Readonly<EntryGate> = Object.freeze({ allowed: false, sizeFactor: 0 });

export class CircuitBreaker {
  state = CircuitState.Closed;
  readonly trips: Trip[] = [];
  private openedAt = 0;
  private probesOk = 0;
  /** Equity at the start of the trading day (the daily loss rule's reference). */
  startOfDayEquity = NaN;
  // equity samples for the rolling drawdown (a ring; one sample per second is plenty)
  private readonly sampleAt = new Float64Array(SAMPLES);
  private readonly sampleEquity = new Float64Array(SAMPLES);
  private head = 0;
  private count = 0;
  private readonly errorsAt: number[] = [];

  constructor(readonly o: CircuitOptions = DEFAULT_CIRCUIT, private readonly onTrip: (t: Trip) => void = () => {}) {}

  startOfDay(equity: number): void {
    this.startOfDayEquity = equity;
  }

  onEquity(equity: number, nowMs: number): void {
    const last = this.count > 0 ? this.sampleAt[(this.head - 1 + SAMPLES) % SAMPLES] : -Infinity;
    if (nowMs - last >= 1000 || this.count === 0) {
      this.sampleAt[this.head] = nowMs;
      this.sampleEquity[this.head] = equity;
      this.head = (this.head + 1) % SAMPLES;
      if (this.count < SAMPLES) this.count++;
    }
    const sod = this.startOfDayEquity;
    if (sod > 0 && equity <= sod * (1 - this.o.dailyLossPct / 100)) {
      this.trip('daily_loss', nowMs, `equity ${equity.toFixed(2)} is ${(((sod - equity) / sod) * 100).toFixed(2)}% below the start of day ${sod.toFixed(2)}`);
    }
    let peak = equity;
    for (let k = 0; k < this.count; k++) {
      const i = (this.head - 1 - k + SAMPLES) % SAMPLES;
      if (nowMs - this.sampleAt[i] > this.o.drawdownWindowMs) break;
      if (this.sampleEquity[i] > peak) peak = this.sampleEquity[i];
    }
    if (peak > 0 && equity <= peak * (1 - this.o.drawdownPct / 100)) {
      this.trip('intraday_drawdown', nowMs, `equity fell ${(((peak - equity) / peak) * 100).toFixed(2)}% from ${peak.toFixed(2)} within ${this.o.drawdownWindowMs / 60_000} minutes`);
    }
  }

  onOpenPositions(n: number, nowMs: number): void {
    if (n > this.o.maxOpenPositions) this.trip('max_positions', nowMs, `${n} open positions, limit ${this.o.maxOpenPositions}`);
  }

  /** regime 0..3 (3 = EXTREME) and whether the last bar raised a black-swan alert. */
  onRegime(regime: number, blackSwan: boolean, nowMs: number, instrument = ''): void {
    if (regime >= 3 || blackSwan) this.trip('volatility_spike', nowMs, `${instrument}: ${blackSwan ? 'black-swan alert' : 'EXTREME regime'}`);
  }

  onBrokerResult(ok: boolean, nowMs: number): void {
    if (ok) return;
    this.errorsAt.push(nowMs);
    while (this.errorsAt.length > 0 && nowMs - this.errorsAt[0] > this.o.brokerErrorWindowMs) this.errorsAt.shift();
    if (this.errorsAt.length >= this.o.brokerErrors) this.trip('broker_errors', nowMs, `${this.errorsAt.length} broker rejections or errors within ${this.o.brokerErrorWindowMs / 1000} s`);
  }

  /** May a new entry go out now, and at what fraction of its size? */
  allowEntry(nowMs: number): Readonly<EntryGate> {
    if (this.state === CircuitState.Open && nowMs - this.openedAt >= this.o.cooldownMs) {
      this.state = CircuitState.HalfOpen;
      this.probesOk = 0;
    }
    if (this.state === CircuitState.Closed) return FULL_ENTRY;
    if (this.state === CircuitState.HalfOpen) return { allowed: true, sizeFactor: this.o.probeSizeFraction };
    return NO_ENTRY;
  }

  /** The outcome of a probe entry made while HALF_OPEN. */
  onProbeResult(ok: boolean, nowMs: number): void {
    if (this.state !== CircuitState.HalfOpen) return;
    if (!ok) {
      this.trip('probe_failed', nowMs, 'a probe entry failed while half open');
      return;
    }
    if (++this.probesOk >= this.o.probesToClose) this.state = CircuitState.Closed;
  }

  /** An admin closes it at once (recorded). */
  reset(by: string, nowMs: number): void {
    this.state = CircuitState.Closed;
    this.errorsAt.length = 0;
    this.count = 0;
    const t: Trip = { at: nowMs, reason: 'admin_reset', detail: `reset by ${by}` };
    this.trips.push(t);
    this.onTrip(t);
  }

  private trip(reason: TripReason, nowMs: number, detail: string): void {
    if (this.state === CircuitState.Open) return; // already open: one record per trip
    this.state = CircuitState.Open;
    this.openedAt = nowMs;
    const t: Trip = { at: nowMs, reason, detail };
    this.trips.push(t);
    this.onTrip(t);
  }
}
