/**
 * The position-opening decision: a RiskLevel from four factors, each judged
 * on its own and the worst one counting:
 *
 * - regime: the volatility regime detector's view of the instrument (LOW,
 *   MEDIUM, HIGH, EXTREME -> CRITICAL; a black-swan alert is CRITICAL);
 * - exposure: gross exposure before the entry (working orders counted), as
 *   a share of what `maxLeverage` allows;
 * - concentration: the instrument's exposure before the entry over equity;
 * - drawdown: equity below its peak, in percent.
 *
 * CRITICAL refuses the entry; the other levels scale its size.
 */
export enum RiskLevel {
  Low = 0,
  Medium = 1,
  High = 2,
  Critical = 3,
}

/** Lower bounds of MEDIUM, HIGH and CRITICAL for one factor. */
type Thresholds = readonly [medium: number, high: number, critical: number];

export interface RiskLevelOptions {
  /** Share of the leverage cap already in use. */
  exposure: Thresholds;
  /** The instrument's exposure over equity. */
  concentration: Thresholds;
  /** Equity below its peak, percent. */
  drawdownPct: Thresholds;
  /** Size factor at LOW, MEDIUM, HIGH. */
  sizeFactors: readonly [low: number, medium: number, high: number];
}

export const DEFAULT_RISK_LEVELS: RiskLevelOptions = {
  exposure: [0.5, 0.8, 1],
  concentration: [0.25, 0.5, 0.8],
  drawdownPct: [1, 2.5, 4],
  sizeFactors: [1, 0.75, 0.5],
};

export interface RiskInputs {
  /** 0 LOW .. 3 EXTREME; NaN when no detector covers the instrument. */
  regime: number;
  blackSwan: boolean;
  /** Gross exposure before the entry over (equity x maxLeverage). */
  exposureShare: number;
  /** The instrument's exposure before the entry over equity. */
  concentration: number;
  drawdownPct: number;
}

export interface RiskAssessment {
  level: RiskLevel;
  factors: { regime: RiskLevel; exposure: RiskLevel; concentration: RiskLevel; drawdown: RiskLevel };
  sizeFactor: number;
}

const levelOf = (x: number, t: Thresholds): RiskLevel => (x >= t[2] ? RiskLevel.Critical : x >= t[1] ? RiskLevel.High : x >= t[0] ? RiskLevel.Medium : RiskLevel.Low);

export function assessRisk(x: RiskInputs, o: RiskLevelOptions = DEFAULT_RISK_LEVELS): RiskAssessment {
  const regime = x.blackSwan ? RiskLevel.Critical : Number.isFinite(x.regime) ? (Math.min(3, Math.max(0, Math.round(x.regime))) as RiskLevel) : RiskLevel.Low;
  const factors = {
    regime,
    exposure: levelOf(x.exposureShare, o.exposure),
    concentration: levelOf(x.concentration, o.concentration),
    drawdown: levelOf(x.drawdownPct, o.drawdownPct),
  };
  const level = Math.max(factors.regime, factors.exposure, factors.concentration, factors.drawdown) as RiskLevel;
  return { level, factors, sizeFactor: level === RiskLevel.Critical ? 0 : o.sizeFactors[level] };
}
