import { addNode, binFeatures, FlatTrees, newTree, split, type BinnedFeatures, type SerializedTree } from './feature-bins.js';

/**
 * Gradient-boosted decision trees for multi-class classification, written
 * here (no package on the registry does real multi-class boosting in JS):
 * softmax (multinomial deviance) loss, one regression tree per class per
 * round fitted to the gradient, Newton leaf values scaled by (K-1)/K as in
 * Friedman's algorithm, shrinkage by the learning rate. Splits are searched
 * over quantile bins (histogram method). Training runs off the hot path;
 * prediction is allocation-free.
 */
export interface GbmOptions {
  rounds: number;
  learningRate: number;
  maxDepth: number;
  /** Smallest hessian sum (sum of p(1-p)) in a leaf. */
  minChildWeight: number;
  minSamplesLeaf: number;
  maxBins: number;
  /** L2 regularisation of leaf values. */
  lambda: number;
}

export const DEFAULT_GBM: GbmOptions = { rounds: 100, learningRate: 0.1, maxDepth: 3, minChildWeight: 1e-3, minSamplesLeaf: 1, maxBins: 255, lambda: 1e-6 };

export interface SerializedGbm {
  classes: number;
  learningRate: number;
  prior: number[];
  /** rounds x classes trees, round-major; leaves carry one value. */
  trees: SerializedTree[];
}

export class GradientBoostingClassifier {
  private readonly flat: FlatTrees;
  private readonly classes: number;
  private readonly learningRate: number;
  private readonly prior: Float64Array;
  /** The trees as stored, kept only by a model trained here (see RandomForest: a loaded one keeps the compiled form alone). */
  private readonly trees: SerializedTree[] | null;

  private constructor(model: SerializedGbm, keepTrees: boolean) {
    this.flat = new FlatTrees(model.trees);
    this.classes = model.classes;
    this.learningRate = model.learningRate;
    this.prior = Float64Array.from(model.prior);
    this.trees = keepTrees ? model.trees : null;
  }

  static train(X: ArrayLike<number>[], y: ArrayLike<number>, classes: number, options: Partial<GbmOptions> = {}): GradientBoostingClassifier {
    const o = { ...DEFAULT_GBM, ...options };
    const data = binFeatures(X, o.maxBins);
    const n = data.n;
    const counts = new Float64Array(classes);
    for (let i = 0; i < n; i++) counts[y[i]]++;
    const prior = Array.from(counts, (c) => Math.log(Math.max(c, 1) / n));
    const F = new Float64Array(n * classes);
    for (let i = 0; i < n; i++) for (let k = 0; k < classes; k++) F[i * classes + k] = prior[k];
    const probs = new Float64Array(n * classes);
    const g = new Float64Array(n);
    const h = new Float64Array(n);
    const trees: SerializedTree[] = [];
    const grower = new NewtonTreeGrower(data, o, (classes - 1) / classes);
    for (let round = 0; round < o.rounds; round++) {
      for (let i = 0; i < n; i++) {
        const o2 = i * classes;
        let max = -Infinity;
        for (let k = 0; k < classes; k++) max = Math.max(max, F[o2 + k]);
        let s = 0;
        for (let k = 0; k < classes; k++) s += probs[o2 + k] = Math.exp(F[o2 + k] - max);
        for (let k = 0; k < classes; k++) probs[o2 + k] /= s;
      }
      for (let k = 0; k < classes; k++) {
        for (let i = 0; i < n; i++) {
          const pk = probs[i * classes + k];
          g[i] = pk - (y[i] === k ? 1 : 0);
          h[i] = pk * (1 - pk);
        }
        const tree = grower.grow(g, h);
        trees.push(tree);
        const flat = new FlatTrees([tree]);
        for (let i = 0; i < n; i++) F[i * classes + k] += o.learningRate * flat.values[flat.leaves(X[i])[0]];
      }
    }
    return new GradientBoostingClassifier({ classes, learningRate: o.learningRate, prior, trees }, true);
  }

  static load(model: SerializedGbm): GradientBoostingClassifier {
    if (!Array.isArray(model?.trees) || !(model.classes > 1)) throw new Error('not a serialised gradient-boosting model');
    return new GradientBoostingClassifier(model, false);
  }

  toJSON(): SerializedGbm {
    return { classes: this.classes, learningRate: this.learningRate, prior: Array.from(this.prior), trees: this.trees ?? this.flat.toTrees() };
  }

  /** Class probabilities of one sample into `out` (length = classes). Allocation-free. */
  predictProba(x: ArrayLike<number>, out: Float64Array): Float64Array {
    const { classes, learningRate, prior } = this;
    const flat = this.flat;
    const values = flat.values;
    const leaves = flat.leaves(x);
    for (let k = 0; k < classes; k++) out[k] = prior[k];
    for (let t = 0; t < flat.count; t++) out[t % classes] += learningRate * values[leaves[t]];
    let max = -Infinity;
    for (let k = 0; k < classes; k++) if (out[k] > max) max = out[k];
    let s = 0;
    for (let k = 0; k < classes; k++) s += out[k] = Math.exp(out[k] - max);
    for (let k = 0; k < classes; k++) out[k] /= s;
    return out;
  }
}

/** Grows one regression tree on the gradient g and hessian h, by the exact gain over bins. */
class NewtonTreeGrower {
  private readonly index: Int32Array;
  private readonly gHist = new Float64Array(256);
  private readonly hHist = new Float64Array(256);
  private readonly nHist = new Float64Array(256);
  private g!: Float64Array;
  private h!: Float64Array;

  constructor(private readonly data: BinnedFeatures, private readonly o: GbmOptions, private readonly leafScale: number) {
    this.index = new Int32Array(data.n);
  }

  grow(g: Float64Array, h: Float64Array): SerializedTree {
    this.g = g;
    this.h = h;
    for (let i = 0; i < this.data.n; i++) this.index[i] = i;
    const tree = newTree(1);
    this.node(tree, 0, this.data.n, 0);
    return tree;
  }

  private node(tree: SerializedTree, from: number, to: number, depth: number): number {
    const { data, g, h, gHist, hHist, nHist } = this;
    const { lambda, minChildWeight, minSamplesLeaf } = this.o;
    const node = addNode(tree);
    let G = 0;
    let H = 0;
    for (let i = from; i < to; i++) {
      G += g[this.index[i]];
      H += h[this.index[i]];
    }
    tree.value[node] = (-this.leafScale * G) / (H + lambda);
    if (depth >= this.o.maxDepth || to - from < 2 * minSamplesLeaf) return node;
    const parent = (G * G) / (H + lambda);
    let bestGain = 1e-12;
    let bestF = -1;
    let bestBin = -1;
    for (let f = 0; f < data.d; f++) {
      const nb = data.edges[f].length + 1;
      if (nb < 2) continue;
      gHist.fill(0, 0, nb);
      hHist.fill(0, 0, nb);
      nHist.fill(0, 0, nb);
      for (let i = from; i < to; i++) {
        const s = this.index[i];
        const b = data.bins[s * data.d + f];
        gHist[b] += g[s];
        hHist[b] += h[s];
        nHist[b]++;
      }
      let gl = 0, hl = 0, nl = 0;
      for (let b = 0; b < nb - 1; b++) {
        gl += gHist[b];
        hl += hHist[b];
        nl += nHist[b];
        const nr = to - from - nl;
        const hr = H - hl;
        if (nl < minSamplesLeaf || nr < minSamplesLeaf || hl < minChildWeight || hr < minChildWeight) continue;
        const gr = G - gl;
        const gain = (gl * gl) / (hl + lambda) + (gr * gr) / (hr + lambda) - parent;
        if (gain > bestGain) {
          bestGain = gain;
          bestF = f;
          bestBin = b;
        }
      }
    }
    if (bestF < 0) return node;
    return split(tree, node, data, this.index, from, to, bestF, bestBin, (a, b) => this.node(tree, a, b, depth + 1));
  }
}
