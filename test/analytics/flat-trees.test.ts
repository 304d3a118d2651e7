import { describe, expect, it } from 'vitest';
import { unpack } from 'msgpackr';
import { FlatTrees, type SerializedTree } from '../../engine/analytics/feature-bins.js';
import { buildRegimeDataset } from '../../engine/analytics/regime-dataset.js';
import { RegimeClassifier } from '../../engine/analytics/regime-classifier.js';
import { Random } from '../../engine/random.js';

/** The plain reading of a stored tree: follow left/right by index until a leaf; its outputs. */
function naiveLeaf(t: SerializedTree, x: ArrayLike<number>): number[] {
  let i = 0;
  while (t.feature[i] >= 0) i = x[t.feature[i]] < t.threshold[i] ? t.left[i] : t.right[i];
  return t.value.slice(i * t.width, (i + 1) * t.width);
}

/**
 * A random tree of `inner` splits over `d` features, stored in a shuffled node order (children anywhere after
 * their parent, right sometimes before left): the compiled form may not rely on how trees happen to be grown.
 */
function randomTree(rng: Random, inner: number, d: number, width: number): SerializedTree {
  // grow breadth-first: node ids in creation order, then children placed in random order
  const t: SerializedTree = { feature: [-1], threshold: [0], left: [-1], right: [-1], value: [], width };
  const open = [0];
  for (let s = 0; s < inner; s++) {
    const node = open.splice(Math.floor(rng.next() * open.length), 1)[0];
    const a = t.feature.length;
    const ids = rng.next() < 0.5 ? [a, a + 1] : [a + 1, a];
    for (let k = 0; k < 2; k++) {
      t.feature.push(-1);
      t.threshold.push(0);
      t.left.push(-1);
      t.right.push(-1);
    }
    t.feature[node] = Math.floor(rng.next() * d);
    t.threshold[node] = rng.next() * 2 - 1;
    t.left[node] = ids[0];
    t.right[node] = ids[1];
    open.push(a, a + 1);
  }
  for (let i = 0; i < t.feature.length * width; i++) t.value.push(rng.next());
  return t;
}

describe('flat trees (the compiled form a prediction walks)', () => {
  it('reaches the same leaf as the stored trees, for random trees in any node order and samples on and off the thresholds', () => {
    const rng = new Random(11);
    const trees = Array.from({ length: 25 }, (_, k) => randomTree(rng, 1 + k * 7, 5, 3));
    const flat = new FlatTrees(trees);
    expect(flat.count).toBe(25);
    for (let s = 0; s < 400; s++) {
      // every fourth sample sits exactly on some tree's threshold (x < threshold goes left: equal goes right)
      const x = Array.from({ length: 5 }, () => rng.next() * 2.4 - 1.2);
      if (s % 4 === 0) {
        const t = trees[s % trees.length];
        const node = t.feature.findIndex((f) => f >= 0);
        x[t.feature[node]] = t.threshold[node];
      }
      if (s % 10 === 1) x[s % 5] = NaN; // a missing value goes right, as in the stored form
      const leaves = flat.leaves(x);
      trees.forEach((t, k) => expect(Array.from(flat.values.subarray(leaves[k], leaves[k] + 3))).toEqual(naiveLeaf(t, x)));
    }
  });

  it('gives the stored model bit-identical probabilities (the regime classifier, forest and boosted trees)', () => {
    const data = buildRegimeDataset();
    const model = RegimeClassifier.train({ X: data.X.slice(0, 600), y: data.y.slice(0, 600) }, { forest: { trees: 20 }, gbm: { rounds: 10 } });
    const stored = unpack(model.serialize());
    const out = new Float64Array(4);
    for (const x of data.X.slice(data.trainCount, data.trainCount + 200)) {
      model.predictProba(x, out);
      // the forest: the mean of its trees' leaf distributions, in tree order
      const rf = [0, 0, 0, 0];
      for (const t of stored.rf.trees) naiveLeaf(t, x).forEach((v, k) => (rf[k] += v));
      // the boosted trees: prior plus learning rate times each round's class tree, then softmax
      const f = [...stored.gbm.prior];
      stored.gbm.trees.forEach((t: SerializedTree, i: number) => (f[i % 4] += stored.gbm.learningRate * naiveLeaf(t, x)[0]));
      const m = Math.max(...f);
      const e = f.map((v) => Math.exp(v - m));
      const sum = e.reduce((a, b) => a + b, 0);
      for (let k = 0; k < 4; k++) expect(out[k]).toBe(0.5 * (rf[k] / stored.rf.trees.length + e[k] / sum));
    }
  });

  it('refuses malformed trees instead of walking them forever', () => {
    const leaf = (extra: Partial<SerializedTree> = {}): SerializedTree => ({ feature: [0, -1, -1], threshold: [0.5, 0, 0], left: [1, -1, -1], right: [2, -1, -1], value: [1, 2, 3], width: 1, ...extra });
    expect(() => new FlatTrees([leaf()])).not.toThrow();
    expect(() => new FlatTrees([leaf({ left: [0, -1, -1] })])).toThrow(/malformed tree 0: node 0 has children 0, 2/);
    expect(() => new FlatTrees([leaf({ right: [7, -1, -1] })])).toThrow(/malformed tree 0/);
    // children after their parents, but shared: not a tree
    const shared: SerializedTree = { feature: [0, 1, -1], threshold: [0, 0, 0], left: [1, 2, -1], right: [2, 2, -1], value: [0, 0, 0], width: 1 };
    expect(() => new FlatTrees([shared])).toThrow(/malformed tree 0: a node is reached twice/);
    expect(() => new FlatTrees([{ feature: [], threshold: [], left: [], right: [], value: [], width: 1 }])).toThrow(/no nodes/);
    expect(() => new FlatTrees([leaf(), { ...leaf(), width: 2, value: [1, 1, 2, 2, 3, 3] }])).toThrow(/one width/);
  });

  it('gives its trees back (toTrees): the same leaf for every sample, and compiling them again gives the same buffer', () => {
    const rng = new Random(23);
    const trees = Array.from({ length: 12 }, (_, k) => randomTree(rng, 1 + k * 5, 4, 2));
    const flat = new FlatTrees(trees);
    const back = flat.toTrees();
    expect(back).toHaveLength(12);
    back.forEach((t, k) => expect(t.feature).toHaveLength(trees[k].feature.length));
    for (let s = 0; s < 300; s++) {
      const x = Array.from({ length: 4 }, () => rng.next() * 2.4 - 1.2);
      if (s % 7 === 0) x[s % 4] = NaN;
      trees.forEach((t, k) => expect(naiveLeaf(back[k], x)).toEqual(naiveLeaf(t, x)));
    }
    // already depth-first: compiling the given-back trees reproduces the compiled form exactly
    expect(new FlatTrees(back).toTrees()).toEqual(back);
  });

  it('a loaded classifier keeps the compiled trees only, and saved again predicts bit-identically and stays stable', () => {
    const data = buildRegimeDataset();
    const bytes = RegimeClassifier.train({ X: data.X.slice(0, 600), y: data.y.slice(0, 600) }, { forest: { trees: 15 }, gbm: { rounds: 8 } }).serialize();
    const loaded = RegimeClassifier.deserialize(bytes);
    // no stored trees held by the loaded model (what a strategy thread keeps): only the compiled buffers
    const storedTreesIn = (root: unknown): number => {
      const seen = new Set<unknown>();
      let found = 0;
      const walk = (o: unknown): void => {
        if (o === null || typeof o !== 'object' || seen.has(o) || ArrayBuffer.isView(o)) return;
        seen.add(o);
        if (Array.isArray((o as { threshold?: unknown }).threshold)) found++;
        for (const v of Object.values(o)) walk(v);
      };
      walk(root);
      return found;
    };
    expect(storedTreesIn(loaded)).toBe(0);
    // while a model trained here keeps them, to be saved as grown: 15 forest trees and 8 rounds x 4 classes
    expect(storedTreesIn(RegimeClassifier.train({ X: data.X.slice(0, 300), y: data.y.slice(0, 300) }, { forest: { trees: 15 }, gbm: { rounds: 8 } }))).toBe(15 + 32);
    const again = RegimeClassifier.deserialize(loaded.serialize());
    const a = new Float64Array(4);
    const b = new Float64Array(4);
    for (const x of data.X.slice(data.trainCount, data.trainCount + 300)) {
      RegimeClassifier.deserialize(bytes).predictProba(x, a);
      again.predictProba(x, b);
      expect(Array.from(b)).toEqual(Array.from(a));
    }
    // saving a loaded model twice gives the same bytes
    expect(Buffer.from(again.serialize()).equals(Buffer.from(loaded.serialize()))).toBe(true);
  });
});
