import { describe, expect, it } from 'vitest';
import { fitGarch, GarchFilter, garchForecast, garchLogLikelihood } from '../../engine/analytics/garch.js';
import { fixture } from '../helpers/shared-data.js';

// Reference: R's fGarch::garchFit (test/oracles/garch.R -> fixtures/garch.json).
const ref = fixture('garch.json');

describe('GARCH(1,1) against fGarch', () => {
  for (const name of ['ttrc', 'simulated'] as const) {
    const r = ref[name];
    it(`${name}: our likelihood of fGarch's parameters is fGarch's likelihood, and our conditional variances are its h.t`, () => {
      const h = new Float64Array(r.x.length);
      expect(Math.abs(garchLogLikelihood(r.x, r.coef, h) - r.loglik)).toBeLessThan(1e-9 * Math.abs(r.loglik));
      for (let i = 0; i < h.length; i++) expect(Math.abs(h[i] - r.h[i]) / r.h[i]).toBeLessThan(1e-9);
    });

    it(`${name}: the fit is at least as likely as fGarch's (1e-3 relative) with parameters within 0.02`, () => {
      const fit = fitGarch(r.x);
      expect(fit.converged).toBe(true);
      expect(fit.logLikelihood).toBeGreaterThanOrEqual(r.loglik - 1e-3 * Math.abs(r.loglik));
      for (const k of ['mu', 'omega', 'alpha', 'beta'] as const) expect(Math.abs(fit[k] - r.coef[k]), k).toBeLessThan(0.02);
      expect(fit.omega).toBeGreaterThan(0);
      expect(fit.alpha).toBeGreaterThanOrEqual(0);
      expect(fit.beta).toBeGreaterThanOrEqual(0);
      expect(fit.alpha + fit.beta).toBeLessThan(1);
    });

    it(`${name}: forecasts from the fitted parameters equal fGarch's predict()`, () => {
      const n = r.x.length;
      const zLast = r.x[n - 1] - r.coef.mu;
      const next = r.coef.omega + r.coef.alpha * zLast * zLast + r.coef.beta * r.h[n - 1];
      const f = garchForecast(r.coef, next, 10);
      f.forEach((v, k) => expect(Math.abs(Math.sqrt(v) - r.forecastSd[k]) / r.forecastSd[k]).toBeLessThan(1e-9));
    });
  }

  it('recovers the parameters of a simulated series (truth within 0.05)', () => {
    const r = ref.simulated;
    const fit = fitGarch(r.x);
    expect(Math.abs(fit.alpha - r.truth.alpha)).toBeLessThan(0.05);
    expect(Math.abs(fit.beta - r.truth.beta)).toBeLessThan(0.05);
  });

  it('the per-bar filter continues the fitted recursion exactly', () => {
    const r = ref.ttrc;
    const split = 1500;
    const head = fitGarch(r.x.slice(0, split));
    const h = new Float64Array(r.x.length);
    garchLogLikelihood(r.x, head, h); // same params over the whole series
    const filter = new GarchFilter(head, head.nextVariance);
    for (let t = split; t < r.x.length; t++) {
      expect(Math.abs(filter.variance - h[t]) / h[t]).toBeLessThan(1e-12);
      filter.update(r.x[t]);
    }
  });

  it('refuses series too short or constant to fit', () => {
    expect(() => fitGarch(new Array(10).fill(1))).toThrow(/at least 50/);
    expect(() => fitGarch(new Array(100).fill(1))).toThrow(/varies/);
  });
});
