import { describe, expect, it } from 'vitest';
import { fitHmm, HmmFilter, hmmLogLikelihood, orderByVariance, viterbi, type HmmParams } from '../../engine/analytics/hmm.js';
import { fixture } from '../helpers/shared-data.js';

// References: an independent log-space forward pass (scipy) and statsmodels'
// Markov-switching fits (test/oracles/hmm.py -> fixtures/hmm.json).
const ref = fixture('hmm.json');

const params = (g: { pi: number[]; A: number[][]; means: number[]; sds: number[] }): HmmParams => ({
  k: g.pi.length, pi: Float64Array.from(g.pi), A: Float64Array.from(g.A.flat()), means: Float64Array.from(g.means), variances: Float64Array.from(g.sds, (s) => s * s),
});

function permute(p: HmmParams, order: number[]): HmmParams {
  const k = p.k;
  const A = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) A[i * k + j] = p.A[order[i] * k + order[j]];
  return { k, A, pi: Float64Array.from(order, (i) => p.pi[i]), means: Float64Array.from(order, (i) => p.means[i]), variances: Float64Array.from(order, (i) => p.variances[i]) };
}

describe('Gaussian HMM against an independent forward pass and statsmodels', () => {
  for (const name of ['simulated', 'ttrc'] as const) {
    const r = ref[name];
    const given = params(r.truth ?? r.given);

    it(`${name}: the log-likelihood of given parameters equals scipy's forward pass to 1e-9, in any state order`, () => {
      expect(Math.abs(hmmLogLikelihood(r.x, given) - r.forwardLoglik)).toBeLessThan(1e-9 * Math.abs(r.forwardLoglik));
      const shuffled = permute(given, [2, 0, 3, 1]);
      expect(Math.abs(hmmLogLikelihood(r.x, shuffled) - r.forwardLoglik)).toBeLessThan(1e-9 * Math.abs(r.forwardLoglik));
      expect(Array.from(orderByVariance(shuffled).variances)).toEqual(Array.from(given.variances));
    });

    for (const k of [2, 3, 4]) {
      it(`${name}: a ${k}-state fit is no worse than statsmodels' by more than 1e-3, states ordered by variance`, () => {
        const fit = fitHmm(r.x, k);
        const theirs = r.statsmodels[String(k)];
        expect(fit.logLikelihood).toBeGreaterThanOrEqual(theirs - 1e-3 * Math.abs(theirs));
        expect(Math.abs(hmmLogLikelihood(r.x, fit) - fit.logLikelihood)).toBeLessThan(1e-9 * Math.abs(fit.logLikelihood));
        for (let i = 1; i < k; i++) expect(fit.variances[i]).toBeGreaterThanOrEqual(fit.variances[i - 1]);
        for (let i = 0; i < k; i++) {
          let row = 0;
          for (let j = 0; j < k; j++) row += fit.A[i * k + j];
          expect(row).toBeCloseTo(1, 12);
        }
      });
    }
  }

  it('on the simulated series, Viterbi of the fit recovers the true regimes (labels by variance)', () => {
    const r = ref.simulated;
    const fit = fitHmm(r.x, 4);
    const path = viterbi(r.x, fit);
    let same = 0;
    path.forEach((s, t) => (same += s === r.states[t] ? 1 : 0));
    expect(same / path.length).toBeGreaterThan(0.75);
  });

  it('the online filter equals the normalised forward probabilities at every step, and a refit swaps in', () => {
    const r = ref.simulated;
    const p = params(r.truth);
    const filter = new HmmFilter(p);
    // brute-force forward recursion in plain numbers
    let alpha = Array.from(p.pi);
    const dens = (x: number, j: number) => Math.exp(-((x - p.means[j]) ** 2) / (2 * p.variances[j])) / Math.sqrt(2 * Math.PI * p.variances[j]);
    for (let t = 0; t < 300; t++) {
      const x = r.x[t];
      const next = Array.from({ length: 4 }, (_, j) => (t === 0 ? p.pi[j] : alpha.reduce((s, a, i) => s + a * p.A[i * 4 + j], 0)) * dens(x, j));
      const c = next.reduce((a, b) => a + b, 0);
      alpha = next.map((v) => v / c);
      const probs = filter.update(x);
      alpha.forEach((v, j) => expect(Math.abs(probs[j] - v)).toBeLessThan(1e-12));
    }
    const argmax = alpha.indexOf(Math.max(...alpha));
    expect(filter.state()).toBe(argmax);
    filter.swap(fitHmm(r.x.slice(0, 1000), 4));
    expect(filter.update(r.x[300]).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(() => filter.swap(fitHmm(r.x.slice(0, 1000), 3))).toThrow(/number of states/);
  });
});
