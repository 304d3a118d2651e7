import { describe, expect, it } from 'vitest';
import { pack, unpack } from 'msgpackr';
import { buildRegimeDataset } from '../../engine/analytics/regime-dataset.js';
import { REGIME_CLASSES, RegimeClassifier, transitionMatrix } from '../../engine/analytics/regime-classifier.js';
import { fixture } from '../helpers/shared-data.js';

// Reference: scikit-learn's RandomForestClassifier and GradientBoostingClassifier
// trained on the same features and split (test/oracles/classifier.py -> fixtures/classifier.json).
const ref = fixture('classifier.json');
const data = buildRegimeDataset();
const train = { X: data.X.slice(0, data.trainCount), y: data.y.slice(0, data.trainCount) };
const testX = data.X.slice(data.trainCount);
const testY = data.y.slice(data.trainCount);
const model = RegimeClassifier.train(train);
const accuracy = (f: (x: number[]) => number) => testX.filter((x, i) => f(x) === testY[i]).length / testY.length;

describe('regime classifier against scikit-learn', () => {
  it('sees the very data set the oracle trained on', () => {
    expect(data.hash).toBe(ref.hash);
    expect({ train: data.trainCount, test: testX.length }).toEqual(ref.samples);
  });

  it('held-out accuracy of each model is within 3 points of its scikit-learn counterpart, and the ensemble of the best', () => {
    const out = new Float64Array(4);
    const forest = accuracy((x) => model.classifyForest(x));
    const boosted = accuracy((x) => model.classifyBoosted(x));
    const ensemble = accuracy((x) => model.classify(x, out));
    expect(Math.abs(forest - ref.accuracy.randomForest)).toBeLessThanOrEqual(0.03);
    expect(Math.abs(boosted - ref.accuracy.gradientBoosting)).toBeLessThanOrEqual(0.03);
    expect(ensemble).toBeGreaterThanOrEqual(Math.max(ref.accuracy.randomForest, ref.accuracy.gradientBoosting) - 0.03);
  });

  it('gives class probabilities that sum to 1, with the confidence of the chosen class', () => {
    const out = new Float64Array(4);
    for (const x of testX.slice(0, 50)) {
      const c = model.classify(x, out);
      expect(out.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      expect(out[c]).toBe(Math.max(...out));
    }
  });

  it('round-trips through msgpack with identical predictions, and refuses other formats and versions', () => {
    const back = RegimeClassifier.deserialize(model.serialize());
    const a = new Float64Array(4);
    const b = new Float64Array(4);
    for (const x of testX.slice(0, 200)) expect(Array.from(back.predictProba(x, b))).toEqual(Array.from(model.predictProba(x, a)));
    expect(Array.from(back.transitions)).toEqual(Array.from(model.transitions));
    const envelope = unpack(model.serialize());
    expect(() => RegimeClassifier.deserialize(pack({ ...envelope, version: 99 }))).toThrow(/version 99 is not supported/);
    expect(() => RegimeClassifier.deserialize(pack({ ...envelope, format: 'other' }))).toThrow(/not a regime classifier/);
    expect(() => RegimeClassifier.deserialize(new Uint8Array([0xc1, 0x00]))).toThrow(/not a regime classifier/);
  });

  it('transition matrix: row-normalised counts of consecutive regimes', () => {
    const m = transitionMatrix([0, 0, 1, 1, 1, 3, 0], 4);
    expect(Array.from(m.slice(0, 4))).toEqual([0.5, 0.5, 0, 0]);
    expect(Array.from(m.slice(4, 8))).toEqual([0, 2 / 3, 0, 1 / 3]);
    expect(Array.from(m.slice(8, 12))).toEqual([0.25, 0.25, 0.25, 0.25]); // no data: uniform
    expect(Array.from(m.slice(12, 16))).toEqual([1, 0, 0, 0]);
    const learned = model.transitions;
    for (let i = 0; i < REGIME_CLASSES.length; i++) expect(learned[i * 4 + i]).toBeGreaterThan(0.9); // regimes persist
  });
});
