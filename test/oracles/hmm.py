"""Reference values for the Gaussian hidden Markov model.

Run from the repository root with Debian's Python (it has numpy, scipy, statsmodels):
    /usr/bin/python3 test/oracles/hmm.py
Writes test/oracles/fixtures/hmm.json:
  - an independent forward pass (log space, scipy) of given parameters;
  - statsmodels' Markov-switching fits (switching mean and variance) of the same data.
"""
import json
import warnings

import numpy as np
from scipy.special import logsumexp
from scipy.stats import norm
import statsmodels.api as sm

warnings.filterwarnings("ignore")


def forward_loglik(x, pi, A, means, sds):
    logb = norm.logpdf(np.asarray(x)[:, None], loc=np.asarray(means)[None, :], scale=np.asarray(sds)[None, :])
    la = np.log(pi) + logb[0]
    logA = np.log(A)
    for t in range(1, len(x)):
        la = logsumexp(la[:, None] + logA, axis=0) + logb[t]
    return float(logsumexp(la))


def simulate(rng, n, pi, A, means, sds):
    states = np.empty(n, dtype=int)
    states[0] = rng.choice(len(pi), p=pi)
    for t in range(1, n):
        states[t] = rng.choice(len(pi), p=A[states[t - 1]])
    return rng.normal(np.asarray(means)[states], np.asarray(sds)[states]), states


def statsmodels_fit(x, k):
    mod = sm.tsa.MarkovRegression(np.asarray(x), k_regimes=k, trend="c", switching_variance=True)
    best = None
    for seed in range(3):
        np.random.seed(seed)
        res = mod.fit(search_reps=20, disp=False)
        if best is None or res.llf > best.llf:
            best = res
    return float(best.llf)


rng = np.random.default_rng(7)
pi = [0.4, 0.3, 0.2, 0.1]
A = [[0.95, 0.03, 0.015, 0.005], [0.04, 0.92, 0.03, 0.01], [0.02, 0.05, 0.9, 0.03], [0.02, 0.03, 0.1, 0.85]]
means = [0.02, 0.0, -0.05, -0.2]
sds = [0.3, 0.7, 1.5, 4.0]
x, states = simulate(rng, 2000, np.array(pi), np.array(A), means, sds)

# ttrc daily returns in percent, the same series the GARCH oracle uses
ttrc = json.load(open("test/oracles/fixtures/garch.json"))["ttrc"]["x"]

given = {"pi": pi, "A": A, "means": means, "sds": sds}
out = {
    "generator": "test/oracles/hmm.py",
    "simulated": {
        "x": x.tolist(), "states": states.tolist(), "truth": given,
        "forwardLoglik": forward_loglik(x, pi, A, means, sds),
        "statsmodels": {str(k): statsmodels_fit(x, k) for k in (2, 3, 4)},
    },
    "ttrc": {
        "x": ttrc,
        "given": given,
        "forwardLoglik": forward_loglik(ttrc, pi, A, means, sds),
        "statsmodels": {str(k): statsmodels_fit(ttrc, k) for k in (2, 3, 4)},
    },
}
json.dump(out, open("test/oracles/fixtures/hmm.json", "w"))
print("wrote test/oracles/fixtures/hmm.json", {k: out[k]["statsmodels"] for k in ("simulated", "ttrc")})
