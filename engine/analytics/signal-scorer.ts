/**
 * Multi-factor signal score. Each factor is scored in [0, 1] by the caller;
 * the score is their weighted sum, in [0, 100].
 *
 * Quality bands (documented thresholds, inclusive lower bounds):
 *   Excellent >= 80,  Good >= 65,  Fair >= 50,  Poor < 50.
 * A factor scoring >= 0.7 is a strength, <= 0.3 a weakness.
 */
export const FACTORS = ['technical', 'volume', 'volatility', 'momentum', 'riskReward', 'timing'] as const;
export type Factor = (typeof FACTORS)[number];
export type FactorWeights = Record<Factor, number>;

export const DEFAULT_WEIGHTS: Readonly<FactorWeights> = {
  technical: 0.3, volume: 0.2, volatility: 0.15, momentum: 0.15, riskReward: 0.1, timing: 0.1,
};

export enum Quality {
  Poor = 0,
  Fair = 1,
  Good = 2,
  Excellent = 3,
}
export const QUALITY_THRESHOLDS = { Excellent: 80, Good: 65, Fair: 50 } as const;
export const STRENGTH_AT = 0.7;
export const WEAKNESS_AT = 0.3;

export interface ScoreResult {
  score: number;
  quality: Quality;
  /** Bit i set: FACTORS[i] is a strength (weakness). */
  strengths: number;
  weaknesses: number;
}

export function emptyScore(): ScoreResult {
  return { score: 0, quality: Quality.Poor, strengths: 0, weaknesses: 0 };
}

export function validateWeights(w: Partial<FactorWeights>): FactorWeights {
  const problems: string[] = [];
  const full = { ...DEFAULT_WEIGHTS, ...w };
  for (const k of Object.keys(w)) if (!(FACTORS as readonly string[]).includes(k)) problems.push(`unknown factor '${k}' (factors: ${FACTORS.join(', ')})`);
  for (const f of FACTORS) if (!(full[f] >= 0 && full[f] <= 1)) problems.push(`${f}: weight must be in [0, 1], got ${full[f]}`);
  const sum = FACTORS.reduce((a, f) => a + full[f], 0);
  if (Math.abs(sum - 1) > 1e-9) problems.push(`weights must sum to 1, they sum to ${sum}`);
  if (problems.length) throw new RangeError(`invalid scorer weights: ${problems.join('; ')}`);
  return full;
}

export function qualityOf(score: number): Quality {
  return score >= QUALITY_THRESHOLDS.Excellent ? Quality.Excellent : score >= QUALITY_THRESHOLDS.Good ? Quality.Good : score >= QUALITY_THRESHOLDS.Fair ? Quality.Fair : Quality.Poor;
}

export class SignalScorer {
  private readonly w: Float64Array;

  constructor(weights: Partial<FactorWeights> = {}) {
    const v = validateWeights(weights);
    this.w = Float64Array.from(FACTORS, (f) => v[f]);
  }

  /** Scores factor values given in FACTORS order (each clamped to [0, 1]). Allocation-free. */
  score(factors: ArrayLike<number>, out: ScoreResult): ScoreResult {
    let s = 0;
    let strengths = 0;
    let weaknesses = 0;
    for (let i = 0; i < FACTORS.length; i++) {
      const raw = factors[i];
      const v = raw > 1 ? 1 : raw > 0 ? raw : 0; // NaN scores 0
      s += this.w[i] * v;
      if (v >= STRENGTH_AT) strengths |= 1 << i;
      if (v <= WEAKNESS_AT) weaknesses |= 1 << i;
    }
    out.score = s * 100;
    out.quality = qualityOf(out.score);
    out.strengths = strengths;
    out.weaknesses = weaknesses;
    return out;
  }
}

/** Factor names of a strengths or weaknesses bit set (for reports, not the hot path). */
export function factorNames(bits: number): Factor[] {
  return FACTORS.filter((_, i) => bits & (1 << i));
}
