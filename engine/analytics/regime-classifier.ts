import { pack, unpack } from 'msgpackr';
import { GradientBoostingClassifier, type GbmOptions, type SerializedGbm } from './gradient-boosting.js';
import { RandomForest, type ForestOptions, type SerializedForest } from './random-forest.js';
import { REGIME_FEATURES } from './regime-features.js';

/**
 * Regime classifier: an ensemble of a random forest and gradient-boosted
 * trees, averaging their class probabilities, over
 * the regime features. Trained in the model pool, never on a strategy or risk
 * thread; serialised with msgpack in a versioned envelope that workers load.
 */
export const REGIME_CLASSES = ['LOW_VOL_TRENDING', 'MEDIUM_VOL_RANGING', 'HIGH_VOL_TRENDING', 'EXTREME_CHAOS'] as const;
export const MODEL_FORMAT = 'tickring-regime-classifier';
export const MODEL_VERSION = 1;

export interface TrainingSet {
  X: number[][];
  y: number[];
}

export interface ClassifierOptions {
  forest: Partial<ForestOptions>;
  gbm: Partial<GbmOptions>;
}

interface Envelope {
  format: string;
  version: number;
  trainedAt: string;
  features: string[];
  classes: string[];
  transitions: number[];
  rf: SerializedForest;
  gbm: SerializedGbm;
}

/** Row-normalised counts of label t -> label t+1 (rows with no data stay uniform). */
export function transitionMatrix(labels: ArrayLike<number>, k: number): Float64Array {
  const m = new Float64Array(k * k);
  for (let t = 1; t < labels.length; t++) m[labels[t - 1] * k + labels[t]]++;
  for (let i = 0; i < k; i++) {
    let row = 0;
    for (let j = 0; j < k; j++) row += m[i * k + j];
    for (let j = 0; j < k; j++) m[i * k + j] = row > 0 ? m[i * k + j] / row : 1 / k;
  }
  return m;
}

export class RegimeClassifier {
  private readonly rfOut: Float64Array;
  private readonly gbmOut: Float64Array;

  private constructor(
    private readonly rf: RandomForest,
    private readonly gbm: GradientBoostingClassifier,
    readonly transitions: Float64Array,
    readonly trainedAt: string,
  ) {
    this.rfOut = new Float64Array(REGIME_CLASSES.length);
    this.gbmOut = new Float64Array(REGIME_CLASSES.length);
  }

  static train(set: TrainingSet, options: Partial<ClassifierOptions> = {}): RegimeClassifier {
    if (set.X.length !== set.y.length || set.X.length === 0) throw new Error('training set needs as many labels as samples, and at least one');
    const k = REGIME_CLASSES.length;
    const rf = RandomForest.train(set.X, set.y, k, options.forest);
    const gbm = GradientBoostingClassifier.train(set.X, set.y, k, options.gbm);
    return new RegimeClassifier(rf, gbm, transitionMatrix(set.y, k), new Date().toISOString());
  }

  /** Class probabilities of one sample: the mean of the forest's and the boosted trees'. Allocation-free. */
  predictProba(x: ArrayLike<number>, out: Float64Array): Float64Array {
    this.rf.predictProba(x, this.rfOut);
    this.gbm.predictProba(x, this.gbmOut);
    for (let c = 0; c < REGIME_CLASSES.length; c++) out[c] = 0.5 * (this.rfOut[c] + this.gbmOut[c]);
    return out;
  }

  /** The most likely class and, in `out`, every class's probability (the confidence is out[class]). */
  classify(x: ArrayLike<number>, out: Float64Array): number {
    return argmax(this.predictProba(x, out));
  }

  /** Each member alone, for evaluation. */
  classifyForest(x: ArrayLike<number>): number {
    return argmax(this.rf.predictProba(x, this.rfOut));
  }
  classifyBoosted(x: ArrayLike<number>): number {
    return argmax(this.gbm.predictProba(x, this.gbmOut));
  }

  serialize(): Uint8Array {
    const envelope: Envelope = {
      format: MODEL_FORMAT, version: MODEL_VERSION, trainedAt: this.trainedAt, features: [...REGIME_FEATURES], classes: [...REGIME_CLASSES],
      transitions: Array.from(this.transitions), rf: this.rf.toJSON(), gbm: this.gbm.toJSON(),
    };
    return pack(envelope);
  }

  static deserialize(bytes: Uint8Array): RegimeClassifier {
    let e: Envelope;
    try {
      e = unpack(bytes);
    } catch (err) {
      throw new Error(`not a regime classifier model: ${(err as Error).message}`);
    }
    if (e?.format !== MODEL_FORMAT) throw new Error(`not a regime classifier model (format ${String(e?.format)})`);
    if (e.version !== MODEL_VERSION) throw new Error(`regime classifier model version ${e.version} is not supported (this build reads ${MODEL_VERSION})`);
    if (e.features.join() !== REGIME_FEATURES.join()) throw new Error('regime classifier model was trained on other features');
    return new RegimeClassifier(RandomForest.load(e.rf), GradientBoostingClassifier.load(e.gbm), Float64Array.from(e.transitions), e.trainedAt);
  }
}

function argmax(p: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < p.length; i++) if (p[i] > p[best]) best = i;
  return best;
}
