#!/usr/bin/env python3
"""One trial of the seed study as a command trial (see BENCHMARKS.md, "Command trials"):
scikit-learn's RandomForestClassifier on the red-wine quality data, one n_estimators value,
one seed (a fresh 80/20 split), single-threaded. Prints `ABLATE_RESULT {...}`.

Usage: seed_trial.py --n-estimators N --seed S [--csv PATH]
The CSV is found as in sklearn_wine.py (the copy linfa-datasets ships in the cargo registry).
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sklearn_wine import find_csv, load  # noqa: E402

from sklearn.ensemble import RandomForestClassifier  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n-estimators", type=int, required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--csv")
    args = parser.parse_args()
    x, y = load(args.csv or find_csv())
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=0.2, random_state=args.seed)
    model = RandomForestClassifier(n_estimators=args.n_estimators, n_jobs=1, random_state=args.seed).fit(x_tr, y_tr)
    print("ABLATE_RESULT " + json.dumps({"accuracy": float(model.score(x_te, y_te)), "train_accuracy": float(model.score(x_tr, y_tr))}))


if __name__ == "__main__":
    main()
