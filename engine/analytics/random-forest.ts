import { Random } from '../random.js';
import { addNode, binFeatures, FlatTrees, newTree, split, type BinnedFeatures, type SerializedTree } from './feature-bins.js';

/**
 * Random forest classifier on binned features (histogram splits), like
 * scikit-learn's defaults: bootstrap samples, Gini impurity, a random subset
 * of sqrt(d) features considered at each split, trees grown until leaves are
 * pure (or `minSamplesLeaf`). The class probability is the mean of the
 * trees' leaf class distributions.
 *
 * (ml-random-forest was the first choice; on this machine it needs ~1.5 s
 * per tree for 2,800 samples of 12 features, 150 s for a 100-tree forest.)
 */
export interface ForestOptions {
  trees: number;
  /** Features tried per split; default sqrt(d). */
  maxFeatures?: number;
  maxDepth: number;
  minSamplesLeaf: number;
  maxBins: number;
  seed: number;
}

export const DEFAULT_FOREST: ForestOptions = { trees: 100, maxDepth: 32, minSamplesLeaf: 1, maxBins: 255, seed: 42 };

export interface SerializedForest {
  classes: number;
  trees: SerializedTree[];
}

export class RandomForest {
  /**
   * `trees`: the trees as stored, kept only by a model trained here (to be saved). A loaded one keeps the
   * compiled form alone: the stored form is ~4 MiB of JS arrays for the desk's model, which every full
   * collection of a strategy thread would mark again (~3 ms each) for nothing.
   */
  private constructor(
    private readonly classes: number,
    private readonly flat: FlatTrees,
    private readonly trees: SerializedTree[] | null,
  ) {}

  static train(X: ArrayLike<number>[], y: ArrayLike<number>, classes: number, options: Partial<ForestOptions> = {}): RandomForest {
    const o = { ...DEFAULT_FOREST, ...options };
    const data = binFeatures(X, o.maxBins);
    const rng = new Random(o.seed);
    const maxFeatures = o.maxFeatures ?? Math.max(1, Math.round(Math.sqrt(data.d)));
    const trees: SerializedTree[] = [];
    const grower = new GiniTreeGrower(data, y, classes, o, maxFeatures, rng);
    for (let t = 0; t < o.trees; t++) trees.push(grower.grow());
    return new RandomForest(classes, new FlatTrees(trees), trees);
  }

  static load(model: SerializedForest): RandomForest {
    if (!Array.isArray(model?.trees) || !(model.classes > 1)) throw new Error('not a serialised random forest');
    return new RandomForest(model.classes, new FlatTrees(model.trees), null);
  }

  toJSON(): SerializedForest {
    return { classes: this.classes, trees: this.trees ?? this.flat.toTrees() };
  }

  /** Mean leaf class distribution over the trees, into `out`. Allocation-free. */
  predictProba(x: ArrayLike<number>, out: Float64Array): Float64Array {
    const classes = this.classes;
    const flat = this.flat;
    const values = flat.values;
    const trees = flat.count;
    const leaves = flat.leaves(x);
    out.fill(0, 0, classes);
    for (let t = 0; t < trees; t++) {
      const leaf = leaves[t];
      for (let k = 0; k < classes; k++) out[k] += values[leaf + k];
    }
    for (let k = 0; k < classes; k++) out[k] /= trees;
    return out;
  }
}

class GiniTreeGrower {
  private readonly index: Int32Array;
  private readonly hist: Float64Array;
  private readonly total: Float64Array;
  private readonly left: Float64Array;
  private readonly featureOrder: Int32Array;

  constructor(
    private readonly data: BinnedFeatures,
    private readonly y: ArrayLike<number>,
    private readonly k: number,
    private readonly o: ForestOptions,
    private readonly maxFeatures: number,
    private readonly rng: Random,
  ) {
    this.index = new Int32Array(data.n);
    this.hist = new Float64Array(256 * k);
    this.total = new Float64Array(k);
    this.left = new Float64Array(k);
    this.featureOrder = Int32Array.from({ length: data.d }, (_, i) => i);
  }

  grow(): SerializedTree {
    const n = this.data.n;
    for (let i = 0; i < n; i++) this.index[i] = Math.floor(this.rng.next() * n); // bootstrap
    const tree = newTree(this.k);
    this.node(tree, 0, n, 0);
    return tree;
  }

  private node(tree: SerializedTree, from: number, to: number, depth: number): number {
    const { k, y, data, hist, total, left } = this;
    const node = addNode(tree);
    total.fill(0);
    for (let i = from; i < to; i++) total[y[this.index[i]]]++;
    const count = to - from;
    let pure = false;
    for (let c = 0; c < k; c++) {
      tree.value[node * k + c] = total[c] / count;
      if (total[c] === count) pure = true;
    }
    if (pure || depth >= this.o.maxDepth || count < 2 * this.o.minSamplesLeaf) return node;
    let parentSq = 0;
    for (let c = 0; c < k; c++) parentSq += total[c] * total[c];
    // Gini: minimise sum over children of (n_child - sum_c n_c^2 / n_child); equivalently maximise the sum of sum_c n_c^2 / n_child
    let best = parentSq / count + 1e-12;
    let bestF = -1;
    let bestBin = -1;
    // a fresh random subset of features for this split (partial Fisher-Yates)
    const order = this.featureOrder;
    for (let j = 0; j < this.maxFeatures; j++) {
      const r = j + Math.floor(this.rng.next() * (data.d - j));
      const tmp = order[j];
      order[j] = order[r];
      order[r] = tmp;
      const f = order[j];
      const nb = data.edges[f].length + 1;
      if (nb < 2) continue;
      hist.fill(0, 0, nb * k);
      for (let i = from; i < to; i++) {
        const s = this.index[i];
        hist[data.bins[s * data.d + f] * k + y[s]]++;
      }
      left.fill(0);
      let nl = 0;
      for (let b = 0; b < nb - 1; b++) {
        for (let c = 0; c < k; c++) {
          left[c] += hist[b * k + c];
          nl += hist[b * k + c];
        }
        const nr = count - nl;
        if (nl < this.o.minSamplesLeaf || nr < this.o.minSamplesLeaf) continue;
        let sl = 0;
        let sr = 0;
        for (let c = 0; c < k; c++) {
          sl += left[c] * left[c];
          const rc = total[c] - left[c];
          sr += rc * rc;
        }
        const score = sl / nl + sr / nr;
        if (score > best) {
          best = score;
          bestF = f;
          bestBin = b;
        }
      }
    }
    if (bestF < 0) return node;
    return split(tree, node, data, this.index, from, to, bestF, bestBin, (a, b) => this.node(tree, a, b, depth + 1));
  }
}
