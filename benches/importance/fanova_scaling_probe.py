"""Estimate what Optuna's fANOVA would take on a study too big to run in full here.

    python fanova_scaling_probe.py DATA.csv N_ROWS N_TREES

Fits Optuna's own _Fanova (the object FanovaImportanceEvaluator wraps, same settings:
max_depth=64, min_samples_split=2, min_samples_leaf=1, seed=0, bounds [0,1]) with N_TREES
trees instead of 64 on the first N_ROWS rows, times fit + all main-effect importances, and
scales linearly to 64 trees (each tree's marginals are computed independently, in sequence).
An estimate, not a measurement of the evaluator.
"""

import sys
import time

import numpy as np
from optuna.importance._fanova._fanova import _Fanova


def main() -> None:
    path, n_rows, n_trees = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    d = np.loadtxt(path, delimiter=",", skiprows=1)[:n_rows]
    x, y = d[:, :-1], d[:, -1]
    p = x.shape[1]
    f = _Fanova(n_trees=n_trees, max_depth=64, min_samples_split=2, min_samples_leaf=1, seed=0)
    t0 = time.perf_counter()
    f.fit(x, y, np.array([[0.0, 1.0]] * p), [np.array([i]) for i in range(p)])
    t1 = time.perf_counter()
    for i in range(p):
        f.get_importance(i)
    t2 = time.perf_counter()
    nodes = np.mean([t._tree.node_count for t in f._trees])
    print(
        f"{path.rsplit('/', 1)[-1]} rows={n_rows} params={p} trees={n_trees}: "
        f"fit {t1 - t0:.2f} s, importances {t2 - t1:.2f} s, {nodes:.0f} nodes/tree; "
        f"scaled to 64 trees: {(t2 - t0) * 64 / n_trees:.0f} s",
        flush=True,
    )


if __name__ == "__main__":
    main()
