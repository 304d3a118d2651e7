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

/** Index of the leaf that sample `x` reaches. Allocation-free. */
export function leafOf(t: SerializedTree, x: ArrayLike<number>): number {
  let i = 0;
  while (t.feature[i] >= 0) i = x[t.feature[i]] < t.threshold[i] ? t.left[i] : t.right[i];
  return i;
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
