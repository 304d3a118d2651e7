import { afterAll, describe, expect, it } from 'vitest';
import { threadId } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { compiled } from '../helpers/compiled.js';
import { fixture } from '../helpers/shared-data.js';
import { fitGarch } from '../../engine/analytics/garch.js';
import { fitHmm } from '../../engine/analytics/hmm.js';
import { buildRegimeDataset } from '../../engine/analytics/regime-dataset.js';
import { RegimeClassifier } from '../../engine/analytics/regime-classifier.js';
import type { ModelPool as Pool } from '../../workers/model-pool.js';

// The pool is a real piscina thread pool, so it runs the compiled workers.
const { ModelPool } = (await import(pathToFileURL(compiled('workers/model-pool.js')).href)) as { ModelPool: typeof Pool };
const pool = new ModelPool(1);
afterAll(() => pool.close());
const x = Float64Array.from(fixture('garch.json').ttrc.x as number[]);

describe('model pool', () => {
  it('fits GARCH on another thread, exactly as a direct fit does', async () => {
    const fitted = await pool.fitGarch(x);
    expect(fitted.threadId).not.toBe(threadId);
    const direct = fitGarch(x);
    expect([fitted.result.mu, fitted.result.omega, fitted.result.alpha, fitted.result.beta, fitted.result.logLikelihood]).toEqual([
      direct.mu, direct.omega, direct.alpha, direct.beta, direct.logLikelihood,
    ]);
  });

  it('fits an HMM on another thread, exactly as a direct fit does', async () => {
    const fitted = await pool.fitHmm(x, 3);
    expect(fitted.threadId).not.toBe(threadId);
    expect(fitted.result.logLikelihood).toBe(fitHmm(x, 3).logLikelihood);
    expect(Array.from(fitted.result.variances)).toEqual(Array.from(fitHmm(x, 3).variances));
  });

  it('trains the regime classifier and hands back a model a worker can load', async () => {
    const d = buildRegimeDataset(3, 3000, 3);
    const fitted = await pool.trainRegimeClassifier({ X: d.X.slice(0, d.trainCount), y: d.y.slice(0, d.trainCount) });
    const model = RegimeClassifier.deserialize(fitted.result);
    const out = new Float64Array(4);
    const test = d.X.slice(d.trainCount);
    const correct = test.filter((row, i) => model.classify(row, out) === d.y[d.trainCount + i]).length;
    expect(correct / test.length).toBeGreaterThan(0.6);
  });

  it('a failing fit rejects its promise and the pool keeps working', async () => {
    await expect(pool.fitGarch(new Float64Array(10))).rejects.toThrow(/at least 50/);
    expect((await pool.fitGarch(x)).result.alpha).toBeGreaterThan(0);
  });
});
