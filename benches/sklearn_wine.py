#!/usr/bin/env python3
"""scikit-learn side of the seed study's comparison (see BENCHMARKS.md).

Runs the same study as ablate's README job: RandomForestClassifier with
n_estimators in {50, 100, 200, 300} x 5 seeds, a fresh 80/20 train/test split per
seed (train_test_split(random_state=seed)), n_jobs = all cores, on the red-wine
quality CSV that linfa-datasets ships. Prints one JSON object: mean test and train
accuracy per n_estimators, per-trial results, and the total wall time (the timed part
covers splitting, fitting and scoring the 20 trials, not loading the CSV).

Usage:
    python benches/sklearn_wine.py [PATH/winequality-red.csv[.gz]] [--seeds 5] [--n-jobs N]

Without a path the script looks for linfa-datasets-0.8.1/data/winequality-red.csv.gz in
the cargo registry ($CARGO_HOME, default ~/.cargo; run `cargo fetch` in the repo first).
Dependencies are pinned in benches/requirements.txt.
"""
import argparse
import glob
import gzip
import io
import json
import os
import platform
import sys
import time

import numpy as np
import sklearn
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import train_test_split

N_ESTIMATORS = [50, 100, 200, 300]


def find_csv():
    cargo_home = os.environ.get("CARGO_HOME", os.path.expanduser("~/.cargo"))
    pattern = os.path.join(
        cargo_home, "registry", "src", "*", "linfa-datasets-0.8.1", "data", "winequality-red.csv.gz"
    )
    hits = sorted(glob.glob(pattern))
    if not hits:
        sys.exit(
            f"winequality-red.csv.gz not found under {pattern}; run `cargo fetch` in the ablate "
            "repository (it downloads linfa-datasets) or pass the CSV path as an argument"
        )
    return hits[0]


def load(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as f:
        text = f.read()
    data = np.loadtxt(io.StringIO(text), delimiter=",", skiprows=1)
    return data[:, :11], data[:, 11].astype(np.int64)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("csv", nargs="?", help="winequality-red.csv or .csv.gz (default: locate in cargo registry)")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--n-jobs", type=int, default=os.cpu_count())
    args = parser.parse_args()

    path = args.csv or find_csv()
    x, y = load(path)
    trials = []
    start = time.perf_counter()
    for n in N_ESTIMATORS:
        for seed in range(args.seeds):
            t0 = time.perf_counter()
            x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=0.2, random_state=seed)
            model = RandomForestClassifier(n_estimators=n, n_jobs=args.n_jobs, random_state=seed)
            model.fit(x_tr, y_tr)
            trials.append(
                {
                    "n_estimators": n,
                    "seed": seed,
                    "test_accuracy": float(model.score(x_te, y_te)),
                    "train_accuracy": float(model.score(x_tr, y_tr)),
                    "seconds": time.perf_counter() - t0,
                }
            )
    total = time.perf_counter() - start

    summary = {
        str(n): {
            "mean_test_accuracy": float(np.mean([t["test_accuracy"] for t in trials if t["n_estimators"] == n])),
            "mean_train_accuracy": float(np.mean([t["train_accuracy"] for t in trials if t["n_estimators"] == n])),
        }
        for n in N_ESTIMATORS
    }
    print(
        json.dumps(
            {
                "library": "scikit-learn",
                "version": sklearn.__version__,
                "python": platform.python_version(),
                "n_jobs": args.n_jobs,
                "data": path,
                "n_rows": int(x.shape[0]),
                "seeds": args.seeds,
                "mean_test_accuracy": float(np.mean([t["test_accuracy"] for t in trials])),
                "by_n_estimators": summary,
                "total_seconds": total,
                "trials": trials,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
