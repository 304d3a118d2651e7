/**
 * Quantile binning of features for histogram-based tree learning: every
 * feature value becomes a small bin number, so a split search is a pass over
 * bin totals instead of a sort. Bin b holds values in [edge b-1, edge b).
 */
export interface BinnedFeatures {
  /** n x d bin numbers, row-major. */
  bins: Uint8Array;
  /** Per feature, the ascending bin edges (at most maxBins - 1). */
  edges: Float64Array[];
  n: number;
  d: number;
}

export function binFeatures(X: ArrayLike<number>[], maxBins = 64): BinnedFeatures {
  if (maxBins < 2 || maxBins > 256) throw new RangeError(`maxBins must be in [2, 256], got ${maxBins}`);
  const n = X.length;
  if (n === 0) throw new Error('no samples');
  const d = X[0].length;
  const bins = new Uint8Array(n * d);
  const edges: Float64Array[] = [];
  for (let f = 0; f < d; f++) {
    const sorted = Float64Array.from(X, (row) => row[f]).sort();
    const e: number[] = [];
    for (let b = 1; b < maxBins; b++) {
      const v = sorted[Math.floor((b * n) / maxBins)];
      if (v > sorted[0] && (e.length === 0 || v > e[e.length - 1])) e.push(v);
    }
    const fe = Float64Array.from(e);
    edges.push(fe);
    for (let i = 0; i < n; i++) bins[i * d + f] = binOf(fe, X[i][f]);
  }
  return { bins, edges, n, d };
}

function binOf(edges: Float64Array, v: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (v < edges[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Trees as flat arrays: node i splits on feature[i] (-1: a leaf) going left when x < threshold[i]; leaves carry `value` (k numbers each). */
export interface SerializedTree {
  feature: number[];
  threshold: number[];
  left: number[];
  right: number[];
  /** Leaf outputs, `width` numbers per node (unused for inner nodes). */
  value: number[];
  width: number;
}

export function newTree(width: number): SerializedTree {
  return { feature: [], threshold: [], left: [], right: [], value: [], width };
}

export function addNode(t: SerializedTree): number {
  const node = t.feature.length;
  t.feature.push(-1);
  t.threshold.push(0);
  t.left.push(-1);
  t.right.push(-1);
  for (let i = 0; i < t.width; i++) t.value.push(0);
  return node;
}

/**
 * Trees compiled for prediction: every node of every tree in one buffer, 16
 * bytes a node (its threshold as a float64, then its feature and its right
 * child as int32s; a leaf has feature -1 and, in place of a right child, its
 * output's offset in `values`), each tree in depth-first order, so a node's left
 * child is the next node and usually on the same cache line.
 *
 * Why: a prediction walks a couple of thousand nodes on a strategy thread at
 * every bar, and the walk is mostly waiting for memory. As plain arrays per
 * tree (how models are trained and stored) the desk's 100-tree forest and 400
 * boosted trees took ~48 us a sample; flat and depth-first, about a third of
 * that. (Walking four trees at once so their loads overlap was slower: the
 * forest's paths vary in length, and each group walks its longest.)
 */
export class FlatTrees {
  private readonly thresholds: Float64Array;
  private readonly ints: Int32Array;
  /** Leaf outputs, `width` each. */
  readonly values: Float64Array;
  private readonly roots: Int32Array;
  /** The leaf each tree gave the last sample (what `leaves` returns). */
  private readonly leafOf: Int32Array;
  /** Outputs per leaf. */
  private readonly width: number;

  constructor(trees: readonly SerializedTree[]) {
    const nodes = trees.reduce((n, t) => n + t.feature.length, 0);
    const width = trees.length > 0 ? trees[0].width : 1;
    this.width = width;
    const buffer = new ArrayBuffer(16 * nodes);
    this.thresholds = new Float64Array(buffer);
    this.ints = new Int32Array(buffer);
    this.roots = new Int32Array(trees.length);
    this.leafOf = new Int32Array(trees.length);
    let leaves = 0;
    for (const t of trees) for (let i = 0; i < t.feature.length; i++) if (t.feature[i] < 0) leaves++;
    this.values = new Float64Array(leaves * width);
    let next = 0;
    let leaf = 0;
    trees.forEach((t, k) => {
      if (t.width !== width) throw new Error('trees of one model carry outputs of one width');
      const n = t.feature.length;
      if (n === 0) throw new Error(`malformed tree ${k}: no nodes`);
      this.roots[k] = next;
      // depth first, left before right; `stack` holds nodes still to place, with where their parent wants
      // their position written (-1: the root; else the int32 slot of the parent's right child)
      const stack: [number, number][] = [[0, -1]];
      let placed = 0;
      while (stack.length > 0) {
        const [i, parentSlot] = stack.pop()!;
        if (++placed > n) throw new Error(`malformed tree ${k}: a node is reached twice`);
        const at = next++;
        if (parentSlot >= 0) this.ints[parentSlot] = at;
        if (t.feature[i] < 0) {
          this.ints[4 * at + 2] = -1;
          this.ints[4 * at + 3] = leaf * width;
          for (let c = 0; c < width; c++) this.values[leaf * width + c] = t.value[i * width + c];
          leaf++;
        } else {
          const l = t.left[i];
          const r = t.right[i];
          if (!(Number.isInteger(l) && Number.isInteger(r) && l > 0 && r > 0 && l < n && r < n)) throw new Error(`malformed tree ${k}: node ${i} has children ${l}, ${r}`);
          this.thresholds[2 * at] = t.threshold[i];
          this.ints[4 * at + 2] = t.feature[i];
          stack.push([r, 4 * at + 3], [l, -1]); // left comes next: at + 1
        }
      }
    });
  }

  get count(): number {
    return this.roots.length;
  }

  /**
   * The trees back in their stored form, node ids in this depth-first order (a loaded model keeps only the
   * compiled form and gives this when it is saved again: the same predictions, maybe another node order).
   */
  toTrees(): SerializedTree[] {
    const { thresholds, ints, roots, values } = this;
    const width = this.width;
    const end = thresholds.length / 2;
    return Array.from(roots, (root, k) => {
      const next = k + 1 < roots.length ? roots[k + 1] : end;
      const t = newTree(width);
      for (let at = root; at < next; at++) {
        const i = addNode(t);
        const f = ints[4 * at + 2];
        if (f < 0) {
          for (let c = 0; c < width; c++) t.value[i * width + c] = values[ints[4 * at + 3] + c];
        } else {
          t.feature[i] = f;
          t.threshold[i] = thresholds[2 * at];
          t.left[i] = at + 1 - root;
          t.right[i] = ints[4 * at + 3] - root;
        }
      }
      return t;
    });
  }

  /** The offset in `values` of the leaf that sample `x` reaches in each tree, into `leafOf`. Allocation-free. */
  leaves(x: ArrayLike<number>): Int32Array {
    const { thresholds, ints, roots, leafOf } = this;
    for (let t = 0; t < roots.length; t++) {
      let i = roots[t];
      let f = ints[4 * i + 2];
      while (f >= 0) {
        i = x[f] < thresholds[2 * i] ? i + 1 : ints[4 * i + 3];
        f = ints[4 * i + 2];
      }
      leafOf[t] = ints[4 * i + 3];
    }
    return leafOf;
  }
}

/**
 * Splits `index[from, to)` in place: samples whose bin of `feature` is at most
 * `bin` first. Returns where the right part starts.
 */
export function partitionByBin(data: BinnedFeatures, index: Int32Array, from: number, to: number, feature: number, bin: number): number {
  let mid = from;
  for (let i = from; i < to; i++) {
    const s = index[i];
    if (data.bins[s * data.d + feature] <= bin) {
      index[i] = index[mid];
      index[mid++] = s;
    }
  }
  return mid;
}

/** Turns `node` into a split on (feature, bin): partitions its samples, then grows both children. */
export function split(
  tree: SerializedTree,
  node: number,
  data: BinnedFeatures,
  index: Int32Array,
  from: number,
  to: number,
  feature: number,
  bin: number,
  grow: (from: number, to: number) => number,
): number {
  const mid = partitionByBin(data, index, from, to, feature, bin);
  tree.feature[node] = feature;
  tree.threshold[node] = data.edges[feature][bin];
  const left = grow(from, mid);
  const right = grow(mid, to);
  tree.left[node] = left;
  tree.right[node] = right;
  return node;
}
