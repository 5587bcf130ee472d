"""Reference group-sequential boundaries for ablate's src/stats/sequential.rs, from scipy.

Run:  python tests/reference/sequential_reference.py   (writes sequential_reference.json beside it)
Pinned versions: requirements.txt (only numpy and scipy are used).

Independent of the Rust method (recursive numerical integration): here each boundary c_k is
found with brentq so that the probability of crossing by look k, computed from the joint
normal distribution of (Z_1, ..., Z_k) with corr(Z_i, Z_j) = sqrt(t_i / t_j) by
scipy.stats.multivariate_normal.cdf (Genz's quasi-Monte Carlo integration, fixed seed), equals
the spent level alpha(t_k). Lan-DeMets spending as in R's gsDesign / ldbounds: one-sided
O'Brien-Fleming type a(t) = 2 - 2 Phi(z_{1-a/2} / sqrt(t)); two-sided designs spend alpha / 2
per side; Pocock type alpha * ln(1 + (e - 1) t).
"""
import json
import math
import os

import numpy as np
import scipy
from scipy import optimize, stats

HERE = os.path.dirname(os.path.abspath(__file__))
ABSEPS = 1e-9
MAXPTS = 2_000_000


def spent(kind, alpha, t, sides):
    if kind == "pocock":
        return alpha * math.log(1.0 + (math.e - 1.0) * t)
    one = alpha / 2.0 if sides == 2 else alpha
    total = 2.0 * stats.norm.sf(stats.norm.isf(one / 2.0) / math.sqrt(t))
    return 2.0 * total if sides == 2 else total


def continue_prob(t, c, sides):
    """P(no crossing at any of the looks), c the boundaries on the z scale."""
    k = len(t)
    if k == 1:
        return 1.0 - (2.0 if sides == 2 else 1.0) * stats.norm.sf(c[0])
    cov = np.array([[math.sqrt(min(t[i], t[j]) / max(t[i], t[j])) for j in range(k)] for i in range(k)])
    upper = np.array(c)
    lower = -upper if sides == 2 else np.full(k, -np.inf)
    mvn = stats.multivariate_normal(mean=np.zeros(k), cov=cov, maxpts=MAXPTS, abseps=ABSEPS, releps=0.0)
    return float(mvn.cdf(upper, lower_limit=lower, rng=np.random.default_rng(20240611)))


def boundaries(t, alpha, kind, sides):
    c = []
    for k in range(len(t)):
        target = spent(kind, alpha, t[k], sides)
        if k == 0:
            c.append(float(stats.norm.isf(target / (2.0 if sides == 2 else 1.0))))
            continue
        g = lambda x: 1.0 - continue_prob(t[: k + 1], c + [x], sides) - target
        c.append(float(optimize.brentq(g, 0.5, 12.0, xtol=1e-9)))
    return c


CASES = [
    ("obf", 0.05, 2, [1, 2, 3, 4, 5], 5),
    ("pocock", 0.05, 2, [1, 2, 3, 4, 5], 5),
    ("obf", 0.05, 2, [3, 5, 8, 12, 20], 20),
    ("obf", 0.0125, 2, [3, 5, 8, 12, 20], 20),
    ("pocock", 0.01, 2, [3, 5, 8, 12, 20], 20),
    ("obf", 0.05, 1, [3, 5, 8, 12, 20], 20),
    ("pocock", 0.025, 1, [1, 2, 3, 4], 4),
    ("obf", 0.05, 2, [1, 2], 2),
    ("obf", 0.05, 2, [5, 8, 12, 18, 27, 41, 50], 50),
]

out = {"scipy": scipy.__version__, "numpy": np.__version__, "abseps": ABSEPS, "cases": []}
for kind, alpha, sides, looks, mx in CASES:
    t = [n / mx for n in looks]
    c = boundaries(t, alpha, kind, sides)
    print(kind, alpha, sides, looks, [round(v, 5) for v in c])
    out["cases"].append({"spending": kind, "alpha": alpha, "sides": sides, "fractions": t, "z": c})

with open(os.path.join(HERE, "sequential_reference.json"), "w") as fh:
    json.dump(out, fh, indent=1)
    fh.write("\n")
