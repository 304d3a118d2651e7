/**
 * Unconstrained minimisation by BFGS with a backtracking (Armijo) line search.
 * Constraints are handled by the caller through reparameterisation. Used off
 * the hot path (model fitting), so it may allocate.
 */
export interface MinimizeResult {
  x: Float64Array;
  value: number;
  iterations: number;
  converged: boolean;
}

/** `fg(x, grad)` returns f(x) and writes the gradient into `grad`. */
export type ObjectiveWithGradient = (x: Float64Array, grad: Float64Array) => number;

export function minimizeBfgs(fg: ObjectiveWithGradient, x0: ArrayLike<number>, options: { maxIterations?: number; gradTol?: number } = {}): MinimizeResult {
  const maxIterations = options.maxIterations ?? 500;
  const gradTol = options.gradTol ?? 1e-8;
  const n = x0.length;
  let x = Float64Array.from(x0);
  let g = new Float64Array(n);
  let f = fg(x, g);
  if (!Number.isFinite(f)) throw new Error('objective is not finite at the starting point');
  // inverse Hessian approximation, starts as identity
  const H = new Float64Array(n * n);
  for (let i = 0; i < n; i++) H[i * n + i] = 1;
  const d = new Float64Array(n);
  const xNew = new Float64Array(n);
  const gNew = new Float64Array(n);
  const s = new Float64Array(n);
  const y = new Float64Array(n);
  const Hy = new Float64Array(n);
  let it = 0;
  for (; it < maxIterations; it++) {
    let gnorm = 0;
    for (let i = 0; i < n; i++) gnorm = Math.max(gnorm, Math.abs(g[i]));
    if (gnorm < gradTol) return { x, value: f, iterations: it, converged: true };
    // d = -H g
    let slope = 0;
    for (let i = 0; i < n; i++) {
      let v = 0;
      for (let j = 0; j < n; j++) v -= H[i * n + j] * g[j];
      d[i] = v;
      slope += v * g[i];
    }
    if (slope >= 0) {
      // not a descent direction: reset to steepest descent
      H.fill(0);
      for (let i = 0; i < n; i++) {
        H[i * n + i] = 1;
        d[i] = -g[i];
      }
      slope = -g.reduce((a, v) => a + v * v, 0);
    }
    let step = 1;
    let fNew = NaN;
    for (let k = 0; k < 60; k++) {
      for (let i = 0; i < n; i++) xNew[i] = x[i] + step * d[i];
      fNew = fg(xNew, gNew);
      if (Number.isFinite(fNew) && fNew <= f + 1e-4 * step * slope) break;
      step *= 0.5;
    }
    if (!(Number.isFinite(fNew) && fNew <= f + 1e-4 * step * slope)) return { x, value: f, iterations: it, converged: false };
    let sy = 0;
    for (let i = 0; i < n; i++) {
      s[i] = xNew[i] - x[i];
      y[i] = gNew[i] - g[i];
      sy += s[i] * y[i];
    }
    const done = Math.abs(f - fNew) <= 1e-15 * Math.max(1, Math.abs(f));
    [x, g] = [Float64Array.from(xNew), Float64Array.from(gNew)];
    f = fNew;
    if (done) return { x, value: f, iterations: it + 1, converged: true };
    if (sy > 1e-12) {
      // BFGS update of the inverse Hessian
      let yHy = 0;
      for (let i = 0; i < n; i++) {
        let v = 0;
        for (let j = 0; j < n; j++) v += H[i * n + j] * y[j];
        Hy[i] = v;
        yHy += y[i] * v;
      }
      const rho = 1 / sy;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          H[i * n + j] += (1 + yHy * rho) * rho * s[i] * s[j] - rho * (Hy[i] * s[j] + s[i] * Hy[j]);
        }
      }
    }
  }
  return { x, value: f, iterations: it, converged: false };
}
