"""Reference values for the position sizer, from scipy's optimisers.

Run from the repository root with Debian's Python:
    /usr/bin/python3 test/oracles/sizing.py
Writes test/oracles/fixtures/sizing.json.
"""
import json

import numpy as np
from scipy.optimize import minimize, minimize_scalar

rng = np.random.default_rng(11)


def random_cov(n):
    vols = rng.uniform(0.1, 0.6, n)
    m = rng.normal(size=(n, n))
    corr = m @ m.T
    d = np.sqrt(np.diag(corr))
    corr = corr / np.outer(d, d)
    corr = 0.6 * corr + 0.4 * np.eye(n)
    return np.outer(vols, vols) * corr


def risk_parity(cov):
    n = len(cov)
    # equal risk contributions: the minimiser of 1/2 w'Sw - (1/n) sum log w, normalised
    f = lambda w: 0.5 * w @ cov @ w - np.sum(np.log(w)) / n
    g = lambda w: cov @ w - 1.0 / (n * w)
    res = minimize(f, np.full(n, 1.0 / n), jac=g, method="L-BFGS-B", bounds=[(1e-12, None)] * n, options={"ftol": 1e-16, "gtol": 1e-14, "maxiter": 10000})
    w = res.x / res.x.sum()
    return w


def kelly_discrete(p, b):
    # maximise expected log growth of betting fraction f: p log(1 + f b) + (1-p) log(1 - f)
    res = minimize_scalar(lambda f: -(p * np.log1p(f * b) + (1 - p) * np.log1p(-f)), bounds=(0, 0.999999), method="bounded", options={"xatol": 1e-12})
    return float(res.x)


def kelly_gaussian(mu, cov):
    # maximise mu'f - 1/2 f'Sf (continuous-time growth rate)
    res = minimize(lambda f: -(mu @ f - 0.5 * f @ cov @ f), np.zeros(len(mu)), jac=lambda f: -(mu - cov @ f), method="BFGS", options={"gtol": 1e-12})
    return res.x


covs = [random_cov(3), random_cov(5), random_cov(8)]
bets = [(0.55, 1.0), (0.6, 1.5), (0.4, 2.5), (0.52, 0.9)]
mus = [rng.uniform(-0.05, 0.15, len(c)) for c in covs]
out = {
    "generator": "test/oracles/sizing.py",
    "riskParity": [{"cov": c.tolist(), "weights": risk_parity(c).tolist()} for c in covs],
    "kellyDiscrete": [{"p": p, "b": b, "fraction": kelly_discrete(p, b)} for p, b in bets],
    "kellyGaussian": [{"mu": m.tolist(), "cov": c.tolist(), "fractions": kelly_gaussian(m, c).tolist()} for m, c in zip(mus, covs)],
}
json.dump(out, open("test/oracles/fixtures/sizing.json", "w"))
print("wrote test/oracles/fixtures/sizing.json")
