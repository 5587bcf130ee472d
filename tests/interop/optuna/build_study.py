"""Builds two Optuna studies with known structure in one JournalStorage file, writes each
study's trials_dataframe() CSV, and writes what Optuna itself reports for every trial
(expected.json), for examples/optuna_interop.rs to import and compare.

Usage: python build_study.py OUT_DIR   (OUT_DIR must exist and be empty)

Study `ablation` (maximize, metric name `accuracy`): a baseline and three one-change
configurations, each enqueued over eight seeds (user attr `seed`). The objective is
0.8 + effect + a per-seed term shared by all configurations + a small per-trial term, so
`layers=1` has a large effect (-0.15), `optimizer=sgd` none, `dropout=0.5` a small one
(-0.01). Extra trials: one that fails (layers=1, seed 99), one that fails and is then run
again with the same seed and succeeds (baseline, seed 111: so the baseline has the most
complete trials), one pruned, one left running (study.ask) and one left waiting
(enqueued, never run).

Study `other` (minimize, maximize; no metric names): two configurations x three seeds.
"""

import json
import os
import random
import sys
import warnings

import optuna
from optuna.storages import JournalStorage
from optuna.storages.journal import JournalFileBackend

out = sys.argv[1]
optuna.logging.set_verbosity(optuna.logging.ERROR)
warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
storage = JournalStorage(JournalFileBackend(os.path.join(out, "journal.log")))

BASELINE = {"lr": 0.01, "layers": 4, "optimizer": "adam", "batch_norm": True, "dropout": 0.1}
CHANGES = [{}, {"layers": 1}, {"optimizer": "sgd"}, {"dropout": 0.5}]
SEEDS = [11, 22, 33, 44, 55, 66, 77, 88]


def objective(trial):
    lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)
    layers = trial.suggest_int("layers", 1, 8)
    optimizer = trial.suggest_categorical("optimizer", ["adam", "sgd"])
    batch_norm = trial.suggest_categorical("batch_norm", [True, False])
    dropout = trial.suggest_categorical("dropout", [0.0, 0.1, 0.5])
    seed = trial.user_attrs["seed"]
    if trial.user_attrs.get("fail"):
        raise RuntimeError("simulated crash")
    effect = (-0.15 if layers == 1 else 0.0) + (-0.01 if dropout == 0.5 else 0.0)
    shared = random.Random(seed).gauss(0.0, 0.02)
    own = random.Random(f"{seed}|{lr}|{layers}|{optimizer}|{batch_norm}|{dropout}").gauss(0.0, 0.004)
    accuracy = 0.8 + effect + shared + own
    for step in range(3):
        trial.report(accuracy - 0.1 * (2 - step), step)
    if trial.user_attrs.get("prune"):
        raise optuna.TrialPruned()
    return accuracy


study = optuna.create_study(study_name="ablation", storage=storage, direction="maximize")
study.set_metric_names(["accuracy"])
for seed in SEEDS:
    for change in CHANGES:
        study.enqueue_trial({**BASELINE, **change}, user_attrs={"seed": seed})
study.enqueue_trial({**BASELINE, "layers": 1}, user_attrs={"seed": 99, "fail": True})
study.enqueue_trial(BASELINE, user_attrs={"seed": 111, "fail": True})
study.enqueue_trial(BASELINE, user_attrs={"seed": 111})
study.enqueue_trial({**BASELINE, "optimizer": "sgd"}, user_attrs={"seed": 123, "prune": True})
study.optimize(objective, n_trials=len(SEEDS) * len(CHANGES) + 4, catch=(RuntimeError,))
study.ask()  # left RUNNING
study.enqueue_trial(BASELINE, user_attrs={"seed": 5})  # left WAITING


def other_objective(trial):
    x = trial.suggest_int("x", 1, 2)
    seed = trial.user_attrs["seed"]
    return x + random.Random(seed).gauss(0.0, 0.1), -float(x)


other = optuna.create_study(study_name="other", storage=storage, directions=["minimize", "maximize"])
for seed in [1, 2, 3]:
    for x in [1, 2]:
        other.enqueue_trial({"x": x}, user_attrs={"seed": seed})
other.optimize(other_objective, n_trials=6)

expected = {}
for s in (study, other):
    s.trials_dataframe().to_csv(os.path.join(out, f"{s.study_name}.csv"))
    expected[s.study_name] = {
        "directions": [d.name for d in s.directions],
        "trials": [
            {
                "number": t.number,
                "state": t.state.name,
                "params": t.params,
                "seed": t.user_attrs.get("seed"),
                "values": t.values,
                "intermediate_values": {str(k): v for k, v in t.intermediate_values.items()},
            }
            for t in s.trials
        ],
    }
with open(os.path.join(out, "expected.json"), "w") as f:
    json.dump(expected, f, indent=1)
print(f"optuna {optuna.__version__}: {len(study.trials)} + {len(other.trials)} trials in {out}")
