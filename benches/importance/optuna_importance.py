"""Optuna's importance evaluators on a CSV study (issue 11's anchor numbers).

    python optuna_importance.py DATA.csv OUT.json [--evaluators fanova,ped_anova,mdi] [--space unit|mlp]

DATA.csv: header x0..x{d-1},y (see make_synthetic.py). Every x column becomes a
FloatDistribution(0, 1) param (--space unit, the default; --space mlp: the five columns of
`cargo run --example mlp_importance` with the distributions of tutorial 09's study), y the objective value of a COMPLETE trial; the study's
direction is MAXIMIZE (matters only to PED-ANOVA, which keeps the top 10% = highest y;
fANOVA and MDI fit the raw y either way).

For each evaluator, optuna.importance.get_param_importances is called twice, with
normalize=False (timed: "seconds") and with normalize=True (timed too:
"seconds_normalize_true"), each with a fresh evaluator; with seed=0 both calls fit the same
forest. Wall clock via time.perf_counter, one run each, nothing else in the process.
For fANOVA, also "per_tree": the mean and std over trees of each param's variance fraction,
which Optuna computes and discards; read from its private _Fanova object after the timed call
(the mean equals the raw importance).
"""

import argparse
import csv
import json
import os
import platform
import sys
import time
import warnings

import numpy as np
import optuna
import sklearn
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.importance import (
    FanovaImportanceEvaluator,
    MeanDecreaseImpurityImportanceEvaluator,
    PedAnovaImportanceEvaluator,
    get_param_importances,
)

EVALUATORS = {
    "fanova": lambda: FanovaImportanceEvaluator(seed=0),
    "ped_anova": lambda: PedAnovaImportanceEvaluator(),
    "mdi": lambda: MeanDecreaseImpurityImportanceEvaluator(seed=0),
}


def load(path: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    assert header[-1] == "y", header
    names = header[:-1]
    data = np.array([[float(v) for v in r] for r in rows[1:]], dtype=np.float64)
    return names, data[:, :-1], data[:, -1]


# Tutorial 09's MLP space (examples/mlp_importance.rs): log-scale learning rate and batch
# size, linear hidden width and dropout, layer norm on (1) or off (0).
MLP_SPACE = {
    "learning_rate": FloatDistribution(0.001, 0.5, log=True),
    "batch_size": IntDistribution(16, 128, log=True),
    "hidden": IntDistribution(8, 64),
    "dropout": FloatDistribution(0.0, 0.5),
    "layer_norm": CategoricalDistribution([0, 1]),
}


def as_param(dist, value: float):
    """The CSV's number as the distribution's value type."""
    return float(value) if isinstance(dist, FloatDistribution) else int(round(value))


def build_study(names: list[str], x: np.ndarray, y: np.ndarray, space: str = "unit") -> optuna.Study:
    dists = {n: MLP_SPACE[n] if space == "mlp" else FloatDistribution(0.0, 1.0) for n in names}
    study = optuna.create_study(direction="maximize")
    trials = [
        optuna.trial.create_trial(
            params={n: as_param(dists[n], v) for n, v in zip(names, row)},
            distributions=dists,
            value=float(yi),
        )
        for row, yi in zip(x, y)
    ]
    study.add_trials(trials)
    return study


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("out")
    ap.add_argument("--evaluators", default="fanova,ped_anova,mdi")
    ap.add_argument("--space", choices=["unit", "mlp"], default="unit")
    args = ap.parse_args()

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    names, x, y = load(args.data)
    study = build_study(names, x, y, args.space)

    out: dict = {
        "data": os.path.basename(args.data),
        "optuna_version": optuna.__version__,
        "sklearn_version": sklearn.__version__,
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
        "n_trials": int(x.shape[0]),
        "n_params": int(x.shape[1]),
        "direction": "maximize",
        "cpu_count": os.cpu_count(),
        "sched_getaffinity": len(os.sched_getaffinity(0)),
        "loadavg_at_start": os.getloadavg(),
        "niceness": os.nice(0),
        "timer": "time.perf_counter, wall clock, single run",
    }
    for name in args.evaluators.split(","):
        make = EVALUATORS[name]
        res: dict = {}
        with warnings.catch_warnings():
            # normalize=False is flagged experimental; that warning is expected.
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            t0 = time.perf_counter()
            raw = get_param_importances(study, evaluator=make(), normalize=False)
            t1 = time.perf_counter()
            ev = make()
            norm = get_param_importances(study, evaluator=ev, normalize=True)
            t2 = time.perf_counter()
        if name == "fanova":
            # Optuna computes the spread over trees but drops it (_evaluator.py: it keeps
            # get_importance(i)[0]); read it back from the fitted private object, after timing.
            fan = ev._evaluator
            params = sorted(norm)  # Optuna's column order: intersection_search_space sorts names
            res["per_tree"] = {
                p: dict(zip(("mean", "std"), fan.get_importance(i))) for i, p in enumerate(params)
            }
            res["trees_with_nonzero_variance"] = int(sum(bool(t.variance > 0) for t in fan._trees))
        res["raw"] = {k: float(v) for k, v in raw.items()}
        res["normalized"] = {k: float(v) for k, v in norm.items()}
        res["seconds"] = t1 - t0
        res["seconds_normalize_true"] = t2 - t1
        out[name] = res
        print(f"{name}: {res['seconds']:.3f} s (normalize=False), "
              f"{res['seconds_normalize_true']:.3f} s (normalize=True)", file=sys.stderr)
        print("  " + ", ".join(f"{k}={v:.4f}" for k, v in res["normalized"].items()),
              file=sys.stderr)
        with open(args.out, "w") as f:  # write after each evaluator: partial runs survive
            json.dump(out, f, indent=2)
            f.write("\n")
    out["loadavg_at_end"] = os.getloadavg()
    with open(args.out, "w") as f:
        json.dump(out, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
