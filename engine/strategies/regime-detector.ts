import { z } from 'zod';
import { emptySignal, SignalSide, TickKind, type Signal, type Tick } from '../../native-free-ringbuffer/index.js';
import { BarBuilder, emptyBar, type Bar } from '../analytics/bars.js';
import { GarchFilter, type GarchParams } from '../analytics/garch.js';
import { HmmFilter, type HmmParams } from '../analytics/hmm.js';
import { RollingVolatility } from '../analytics/volatility.js';
import { sessionOf, type InstrumentInfo } from '../instruments/registry.js';
import { RegimeClassifier } from '../analytics/regime-classifier.js';
import { RegimeFeatures } from '../analytics/regime-features.js';
import { LABELLED_SIGMA } from '../analytics/regime-simulator.js';
import type { FitKind, Strategy, StrategyContext, StrategyFactory } from './strategy.js';

/**
 * Volatility Regime Detector. Per instrument, on every closed bar: the five
 * volatility estimators, a GARCH(1,1) conditional variance and, once fitted, a
 * 4-state HMM filter give the regime (LOW, MEDIUM, HIGH, EXTREME, with
 * probabilities), dynamic stop distances and size multipliers for the risk
 * thread, and black-swan alerts: a bar return beyond `blackSwanSigmas` GARCH
 * sigmas, or a jump in the volatility of volatility.
 *
 * Fits run elsewhere: every `refitBars` bars it asks the host for a GARCH and
 * an HMM fit of the last `fitBars` returns (`ctx.requestFit`); the host's
 * model pool answers through `applyFit`, which swaps the model in without a
 * pause.
 *
 * Regimes are absolute: a volatility against the typical level below 0.7x is
 * LOW, below 1.3x MEDIUM, below 2.5x HIGH, else EXTREME. The typical level is
 * the robust scale (1.4826 x median absolute deviation) of the returns of the
 * last fit window: a GARCH fit's unconditional variance would do, but one
 * outlier in the window can make it explode (persistence near 1). An HMM fitted
 * on a calm stretch has four calm states, so each HMM state is mapped to the
 * regime of its own volatility and the state probabilities are summed per
 * regime. The HMM knows only the volatilities it was fitted on, while the
 * GARCH sigma adapts within bars: the higher of the two regimes is reported
 * (the cautious one for risk), the GARCH one with probability 1.
 *
 * Its own signals: FLAT (exit) on a black swan; on a rise out of LOW into a
 * higher regime (volatility expansion), the direction of the breakout bar.
 */
export enum Regime {
  Low = 0,
  Medium = 1,
  High = 2,
  Extreme = 3,
}

export const RD_REASON = {
  BLACK_SWAN_RETURN: 1 << 0,
  VOL_OF_VOL_JUMP: 1 << 1,
  VOL_EXPANSION: 1 << 2,
  REGIME_EXTREME: 1 << 3,
} as const;

const params = z
  .object({
    /** Bar length in seconds (fractions allowed, e.g. 0.5). */
    barSeconds: z.number().min(0.01).default(60),
    volWindow: z.number().int().min(5).default(20),
    /** Bar returns a fit uses, and how often (in bars) to refit. */
    /** GARCH needs at least 50 returns, the 4-state HMM 40. */
    fitBars: z.number().int().min(60).default(500),
    refitBars: z.number().int().min(5).default(100),
    blackSwanSigmas: z.number().positive().default(5),
    /** Yang-Zhang volatility this many times its value volWindow bars earlier is a vol-of-vol jump. */
    volOfVolJump: z.number().positive().default(2.5),
    /** Stop distance in GARCH sigmas of one bar. */
    stopSigmas: z.number().positive().default(3),
    /** Annualised volatility the size multiplier aims at. */
    targetVolatility: z.number().positive().default(0.4),
    /** Let the ML regime classifier (when the host provides one) join the HMM's and GARCH's views. */
    classifier: z.boolean().default(true),
  })
  .strict();
export type RegimeDetectorParams = z.infer<typeof params>;

export interface RegimeState {
  regime: Regime;
  /** P(LOW..EXTREME); from the HMM once fitted, else one-hot. */
  probabilities: Float64Array;
  /** Conditional sd of the next bar's return, percent (GARCH). */
  sigmaPct: number;
  /** Suggested stop distance in price units, and size multiplier (0 in EXTREME). */
  stopDistance: number;
  sizeMultiplier: number;
  /** Alert bits (RD_REASON) of the last closed bar. */
  alerts: number;
  bars: number;
  /** The ML classifier's P(LOW..EXTREME) for the last bar; NaN until it has a full window (or without a classifier). */
  classifierProbabilities: Float64Array;
}

/** The layout of a published regime state (one row per instrument in shared memory). */
export const REGIME_FIELDS = ['regime', 'pLow', 'pMedium', 'pHigh', 'pExtreme', 'sigmaPct', 'stopDistance', 'sizeMultiplier', 'alerts', 'bars'] as const;

class InstrumentRegime {
  readonly bars: BarBuilder;
  readonly closed = emptyBar();
  readonly vol: RollingVolatility;
  readonly returns: Float64Array;
  readonly yzHistory: Float64Array;
  count = 0;
  prevClose = NaN;
  garch: GarchFilter | null = null;
  hmm: HmmFilter | null = null;
  hmmParams: HmmParams | null = null;
  /** Typical bar volatility, percent (robust scale of the last fit window). */
  levelPct = NaN;
  /** The classifier's view: features of the bars rescaled to its training data, on a price path of their own. */
  readonly features = new RegimeFeatures(CLASSIFIER_WINDOW, 252);
  scaledClose = 100;
  previousCloseForScale = NaN;
  /**
   * The level of each fit window so far (the last LEVEL_MEMORY): the classifier scales by their
   * median, a long-run level. One window's level follows its regime (a window of HIGH bars has a
   * high level), which would make every regime look MEDIUM to the classifier.
   */
  readonly levels = new Float64Array(LEVEL_MEMORY);
  levelCount = 0;
  longRunLevelPct = NaN;

  rememberLevel(): void {
    this.levels[this.levelCount++ % LEVEL_MEMORY] = this.levelPct;
    const n = Math.min(this.levelCount, LEVEL_MEMORY);
    this.longRunLevelPct = median(this.levels.subarray(0, n));
  }
  readonly state: RegimeState = {
    regime: Regime.Medium, probabilities: new Float64Array(4), sigmaPct: NaN, stopDistance: NaN, sizeMultiplier: 1, alerts: 0, bars: 0,
    classifierProbabilities: new Float64Array(4).fill(NaN),
  };

  constructor(info: InstrumentInfo | undefined, p: RegimeDetectorParams) {
    this.bars = new BarBuilder(sessionOf(info), p.barSeconds);
    const barsPerYear = sessionOf(info) === 'nse' ? (252 * 375 * 60) / p.barSeconds : (365 * 86_400) / p.barSeconds;
    this.vol = new RollingVolatility(p.volWindow, barsPerYear);
    this.returns = new Float64Array(p.fitBars);
    this.yzHistory = new Float64Array(p.volWindow);
    this.state.probabilities[Regime.Medium] = 1;
  }

  /** The last `n` returns in time order (allocates: only for fit requests). */
  history(): Float64Array {
    const n = Math.min(this.count, this.returns.length);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = this.returns[(this.count - n + i) % this.returns.length];
    return out;
  }
}

/** Fit-window levels the classifier's long-run level is the median of. */
const LEVEL_MEMORY = 25;
/** The classifier's feature window, as it was trained (buildRegimeDataset). */
const CLASSIFIER_WINDOW = 20;
/**
 * Its training data's MEDIUM volatility per bar, percent. Bars are rescaled so the instrument's typical
 * level lands there: the classes (0.5x, 1x, 1.8x, 3.3x of it) then line up with this detector's
 * thresholds (0.7x, 1.3x, 2.5x), whatever the instrument's and the bar length's own scale.
 */
const CLASSIFIER_MEDIUM_PCT = 100 * LABELLED_SIGMA[1];

export class RegimeDetector implements Strategy {
  private readonly signal: Signal = emptySignal();
  private classifier: RegimeClassifier | null;
  private states: (InstrumentRegime | undefined)[];
  private readonly publishedBars: Float64Array;
  private p: RegimeDetectorParams;

  constructor(p: RegimeDetectorParams, private readonly ctx: StrategyContext) {
    this.p = p;
    this.classifier = ctx.models?.regimeClassifier ? RegimeClassifier.deserialize(ctx.models.regimeClassifier) : null;
    this.signal.strategyId = ctx.strategyId;
    this.states = new Array(ctx.instruments.length + 1);
    this.publishedBars = new Float64Array(ctx.instruments.length + 1);
  }

  /** The regime of an instrument (for the host to publish in shared memory), or null before its first bar. */
  regime(instrumentId: number): Readonly<RegimeState> | null {
    return this.states[instrumentId]?.state ?? null;
  }

  /** Writes the instrument's regime state (REGIME_FIELDS order) after a bar closed. Allocation-free. */
  publish(instrumentId: number, out: Float64Array): boolean {
    const s = this.states[instrumentId];
    if (!s || s.state.bars === this.publishedBars[instrumentId]) return false;
    const st = s.state;
    this.publishedBars[instrumentId] = st.bars;
    out[0] = st.regime;
    out[1] = st.probabilities[0];
    out[2] = st.probabilities[1];
    out[3] = st.probabilities[2];
    out[4] = st.probabilities[3];
    out[5] = st.sigmaPct;
    out[6] = st.stopDistance;
    out[7] = st.sizeMultiplier;
    out[8] = st.alerts;
    out[9] = st.bars;
    return true;
  }

  /** The regime as the risk thread takes it (SignalSide.State: regime, size multiplier, stop distance, alerts). */
  stateSignal(instrumentId: number, out: Signal): void {
    const st = this.states[instrumentId]!.state;
    out.strategyId = this.ctx.strategyId;
    out.instrumentId = instrumentId;
    out.side = SignalSide.State;
    out.strength = st.regime;
    out.price = st.sizeMultiplier;
    out.stop = st.stopDistance;
    out.target = st.sigmaPct;
    out.confidence = st.probabilities[st.regime];
    out.reasons = st.alerts;
  }

  /** The classifier, when the host trained it after start-up: it joins from the next bar on. */
  setModels(models: NonNullable<StrategyContext['models']>): void {
    if (models.regimeClassifier) this.classifier = RegimeClassifier.deserialize(models.regimeClassifier);
  }

  /** A fit from the model pool: swapped in, the running state kept. */
  applyFit(kind: FitKind, instrumentId: number, fit: unknown): void {
    const s = this.states[instrumentId];
    if (!s) return;
    if (kind === 'garch') {
      const g = fit as GarchParams & { nextVariance: number };
      if (!(g.omega > 0) || !(g.alpha + g.beta < 1)) return; // a fit that failed to converge keeps the current model
      const variance = s.garch?.variance ?? g.nextVariance;
      if (s.garch) s.garch.swap(g, variance);
      else s.garch = new GarchFilter(g, variance);
    } else {
      s.hmmParams = fit as HmmParams;
      if (s.hmm) s.hmm.swap(s.hmmParams);
      else s.hmm = new HmmFilter(s.hmmParams);
    }
  }

  onTick(t: Tick): Signal | null {
    if (t.kind !== TickKind.Trade) return null;
    let s = this.states[t.instrumentId];
    if (!s) s = this.states[t.instrumentId] = new InstrumentRegime(this.ctx.instruments[t.instrumentId - 1], this.p);
    const ms = this.ctx.toEpochMs(t.exchangeTs === t.exchangeTs ? t.exchangeTs : t.recvTs);
    if (!s.bars.onTrade(ms, t.price, t.qty, t.side, s.closed)) return null;
    return this.onBar(t.instrumentId, s);
  }

  private onBar(id: number, s: InstrumentRegime): Signal | null {
    const p = this.p;
    const b = s.closed;
    const st = s.state;
    const v = s.vol.update(b.open, b.high, b.low, b.close);
    const previousRegime = st.regime;
    st.alerts = 0;
    st.bars++;
    if (s.prevClose !== s.prevClose) {
      s.prevClose = b.close;
      return null;
    }
    const r = 100 * Math.log(b.close / s.prevClose);
    s.prevClose = b.close;
    s.returns[s.count % s.returns.length] = r;
    s.count++;

    // GARCH: a provisional model from the first bars, until the pool's fit arrives
    if (!s.garch && s.count >= 30) {
      const h = s.history();
      let m2 = 0;
      for (const x of h) m2 += x * x;
      m2 /= h.length;
      this.applyFit('garch', id, { mu: 0, omega: m2 * 0.05, alpha: 0.1, beta: 0.85, nextVariance: m2 });
      s.levelPct = robustScale(h);
      s.rememberLevel();
    }
    const expectedVariance = s.garch ? s.garch.variance : NaN; // the variance this bar was expected to have
    if (s.garch) {
      const sigma = Math.sqrt(expectedVariance);
      if (Math.abs(r - s.garch.params.mu) > p.blackSwanSigmas * sigma) st.alerts |= RD_REASON.BLACK_SWAN_RETURN;
      s.garch.update(r);
      st.sigmaPct = Math.sqrt(s.garch.variance);
    }
    // vol of vol: Yang-Zhang now against volWindow bars ago
    const yz = v.yangZhang;
    if (yz === yz) {
      const k = s.count % s.yzHistory.length;
      const old = s.yzHistory[k];
      if (old > 0 && yz / old > p.volOfVolJump) st.alerts |= RD_REASON.VOL_OF_VOL_JUMP;
      s.yzHistory[k] = yz;
    }

    // the regime: HMM state probabilities summed per absolute regime when fitted, averaged with the ML
    // classifier's once it has a window, else the GARCH sigma's regime
    const probs = st.probabilities;
    if (s.levelPct > 0) {
      const level = s.levelPct;
      probs.fill(0);
      const garchRegime = st.sigmaPct === st.sigmaPct ? regimeOf(st.sigmaPct / level) : Regime.Medium;
      let hmmRegime = -1;
      let pHigh = NaN;
      if (s.hmm) {
        const stateProbs = s.hmm.update(r);
        const hp = s.hmmParams!;
        for (let k = 0; k < hp.k; k++) probs[regimeOf(Math.sqrt(hp.variances[k]) / level)] += stateProbs[k];
        // the classifier's feature is the chance of a wild state: HIGH or EXTREME in absolute terms (the window's
        // own two wildest states may be calm ones: it was trained with an HMM fitted on every regime)
        pHigh = probs[Regime.High] + probs[Regime.Extreme];
        hmmRegime = 0;
      }
      const ml = st.classifierProbabilities;
      if (this.classifier && p.classifier && this.classify(s, b, s.longRunLevelPct, expectedVariance, pHigh)) {
        if (hmmRegime < 0) probs.set(ml);
        else for (let k = 0; k < 4; k++) probs[k] = 0.5 * (probs[k] + ml[k]);
        hmmRegime = 0;
      }
      if (hmmRegime === 0) for (let k = 1; k < 4; k++) if (probs[k] > probs[hmmRegime]) hmmRegime = k;
      // the HMM knows only the volatilities it was fitted on; GARCH adapts within bars: the higher view wins
      if (garchRegime > hmmRegime) {
        probs.fill(0);
        probs[garchRegime] = 1;
        st.regime = garchRegime;
      } else st.regime = hmmRegime;
    }
    if (st.alerts & RD_REASON.BLACK_SWAN_RETURN) st.regime = Regime.Extreme;

    // sizing and stops for the risk thread
    const barVolAnnual = v.yangZhang;
    st.stopDistance = st.sigmaPct === st.sigmaPct ? (p.stopSigmas * st.sigmaPct * b.close) / 100 : NaN;
    st.sizeMultiplier = st.regime === Regime.Extreme ? 0 : barVolAnnual > 0 ? Math.min(2, Math.max(0.1, p.targetVolatility / barVolAnnual)) : 1;

    // refits, through the host's model pool
    if (this.ctx.requestFit && s.count >= p.fitBars && s.count % p.refitBars === 0) {
      const h = s.history();
      s.levelPct = robustScale(h);
      s.rememberLevel();
      this.ctx.requestFit('garch', id, h);
      this.ctx.requestFit('hmm', id, h);
    }

    // signals: exit on a black swan; follow a breakout out of a calm regime
    const sig = this.signal;
    sig.instrumentId = id;
    sig.price = b.close;
    if (st.alerts !== 0 && (st.alerts & RD_REASON.BLACK_SWAN_RETURN || st.regime === Regime.Extreme)) {
      sig.side = SignalSide.Flat;
      sig.reasons = st.alerts | (st.regime === Regime.Extreme ? RD_REASON.REGIME_EXTREME : 0);
      sig.strength = 1;
      sig.confidence = 0.8;
      sig.stop = sig.target = NaN;
      return sig;
    }
    if (previousRegime === Regime.Low && st.regime > Regime.Low && st.regime < Regime.Extreme && b.close !== b.open) {
      const long = b.close > b.open;
      sig.side = long ? SignalSide.Long : SignalSide.Short;
      sig.reasons = RD_REASON.VOL_EXPANSION | st.alerts;
      sig.strength = 0.5;
      sig.confidence = 0.5 + 0.5 * (probs[st.regime] ?? 0) * 0.5;
      sig.stop = long ? b.close - st.stopDistance : b.close + st.stopDistance;
      sig.target = long ? b.close + 2 * st.stopDistance : b.close - 2 * st.stopDistance;
      return sig;
    }
    return null;
  }

  /**
   * The classifier's probabilities for this bar (into state.classifierProbabilities), from the bar
   * rescaled to its training scale: returns in units of `level` times CLASSIFIER_MEDIUM_PCT, on a
   * price path that stays continuous when the level is re-estimated. False until the window is full.
   */
  private classify(s: InstrumentRegime, b: Readonly<Bar>, levelPct: number, expectedVariance: number, pHigh: number): boolean {
    const k = CLASSIFIER_MEDIUM_PCT / levelPct;
    const base = s.scaledClose;
    const ref = s.previousCloseForScale === s.previousCloseForScale ? s.previousCloseForScale : b.open;
    s.previousCloseForScale = b.close;
    s.scaledClose = rescale(b.close, base, ref, k);
    const ready = s.features.update(rescale(b.open, base, ref, k), rescale(b.high, base, ref, k), rescale(b.low, base, ref, k), s.scaledClose, k * k * expectedVariance, pHigh);
    const out = s.state.classifierProbabilities;
    if (!ready) return false;
    this.classifier!.predictProba(s.features.values, out);
    return true;
  }

  setParams(p: unknown): void {
    this.p = params.parse(p);
    this.states = new Array(this.ctx.instruments.length + 1); // windows changed: start afresh
  }
}

/** A price moved from `ref` to `x`, as the rescaled path sees it: from `base`, by k times the log return. */
function rescale(x: number, base: number, ref: number, k: number): number {
  return base * Math.exp(k * Math.log(x / ref));
}

function median(x: Float64Array): number {
  const sorted = Float64Array.from(x).sort();
  const m = sorted.length >> 1;
  return sorted.length % 2 ? sorted[m] : 0.5 * (sorted[m - 1] + sorted[m]);
}

/** 1.4826 x the median absolute deviation: the sd of normal data, unmoved by a few outliers. */
function robustScale(x: Float64Array): number {
  const sorted = Float64Array.from(x).sort();
  const median = sorted[sorted.length >> 1];
  const dev = Float64Array.from(x, (v) => Math.abs(v - median)).sort();
  return 1.4826 * dev[dev.length >> 1];
}

/** Volatility over the typical level, to a regime. */
function regimeOf(ratio: number): Regime {
  return ratio < 0.7 ? Regime.Low : ratio < 1.3 ? Regime.Medium : ratio < 2.5 ? Regime.High : Regime.Extreme;
}

export const regimeDetector: StrategyFactory<RegimeDetectorParams> = {
  name: 'regime-detector',
  description: 'Volatility Regime Detector: regimes, black-swan alerts, volatility-scaled stops and sizes',
  params,
  models: (p) => (p.classifier ? ['regimeClassifier'] : []),
  create: (p, ctx) => new RegimeDetector(p, ctx),
};
