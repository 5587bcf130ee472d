"""Checks examples/pytorch/train.py as ablate runs it (the ABLATE_* environment of a command
trial), without ablate: continuation from a previous rung, a stop by SIGTERM and the resume
from its checkpoint, a finished trial run again, a checkpoint of another configuration.

Run with the torch venv's python (tests/pytorch/setup-venv.sh prints it); prints one line per
check and "N passed, N failed".
    python tests/pytorch/check_train.py [--verbose]
"""
import json
import os
import pathlib
import signal
import subprocess
import sys
import tempfile
import time

import torch

ROOT = pathlib.Path(__file__).resolve().parents[2]
TRAIN = ROOT / "examples" / "pytorch" / "train.py"
VERBOSE = "--verbose" in sys.argv
BASELINE = {"batch_norm": True, "residual": True, "dropout": True, "augment": True, "lr": 0.003, "width": 16}
SEED = 7


class Run:
    """One trial of train.py: its reports, result, stdout and stderr."""

    def __init__(self, proc, out, err, result_file, seconds):
        self.code = proc.returncode
        self.out, self.err, self.seconds = out, err, seconds
        self.reports = [json.loads(l[len("ABLATE_REPORT "):]) for l in out.splitlines() if l.startswith("ABLATE_REPORT ")]
        self.resumed = [l for l in out.splitlines() if l.startswith("ABLATE_RESUMED ")]
        self.result = json.loads(result_file.read_text()) if result_file.exists() else None

    def steps(self):
        return [r["step"] for r in self.reports]


def env_for(trial_dir, epochs, resume_from=None, config=None):
    env = dict(os.environ)
    env.update({
        "ABLATE_PARAMS": json.dumps(dict(config or BASELINE, epochs=epochs)),
        "ABLATE_SEED": str(SEED), "ABLATE_REPLICATE": "0", "ABLATE_TRIAL_ID": "0" * 32,
        "ABLATE_TRIAL_DIR": str(trial_dir), "ABLATE_RESULT_FILE": str(trial_dir / "result.json"),
        "OMP_NUM_THREADS": "1", "CUDA_VISIBLE_DEVICES": "",
    })
    env.pop("ABLATE_RESUME_FROM", None)
    if resume_from is not None:
        env["ABLATE_RESUME_FROM"] = str(resume_from)
    return env


def start(trial_dir, epochs, **kw):
    trial_dir.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen([sys.executable, str(TRAIN)], cwd=trial_dir, env=env_for(trial_dir, epochs, **kw),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def run(trial_dir, epochs, **kw):
    t = time.perf_counter()
    proc = start(trial_dir, epochs, **kw)
    out, err = proc.communicate(timeout=300)
    r = Run(proc, out, err, trial_dir / "result.json", time.perf_counter() - t)
    if VERBOSE:
        print(f"  [{trial_dir.name}: exit {r.code}, {r.seconds:.2f} s, steps {r.steps()}, result {r.result}]")
        print("  " + "\n  ".join(err.strip().splitlines()[-3:]))
    return r


def load(path):
    return torch.load(path, map_location="cpu", **({"weights_only": True} if int(torch.__version__.split(".")[0]) >= 2 else {}))


def num(result, key, digits=4):
    return "none" if result is None else f"{result[key]:.{digits}f}"


from checks import check, summary  # noqa: E402  (this folder is on sys.path)


def same(a, b):
    """Two results equal up to float rounding (they should be bit for bit on one machine)."""
    return a is not None and b is not None and a["accuracy"] == b["accuracy"] and abs(a["loss"] - b["loss"]) <= 1e-6 * max(1.0, abs(b["loss"]))


def main():
    with tempfile.TemporaryDirectory(prefix="ablate-torch-check.") as tmp:
        tmp = pathlib.Path(tmp)
        rung3 = run(tmp / "rung3", 3)
        check("3 epochs from scratch", rung3.code == 0 and rung3.steps() == [1, 2, 3] and rung3.result is not None,
              f"accuracy {num(rung3.result, 'accuracy')}, {num(rung3.result, 'train_seconds', 2)} s training, {rung3.seconds:.2f} s in all")
        scratch9 = run(tmp / "scratch9", 9)
        check("9 epochs from scratch", scratch9.code == 0 and scratch9.steps() == list(range(1, 10)) and not scratch9.resumed,
              f"accuracy {num(scratch9.result, 'accuracy')}, loss {num(scratch9.result, 'loss', 6)}, {num(scratch9.result, 'train_seconds', 2)} s training")
        cont9 = run(tmp / "cont9", 9, resume_from=tmp / "rung3")
        check("9 epochs continuing the 3-epoch rung prints ABLATE_RESUMED and trains epochs 4..9",
              cont9.code == 0 and len(cont9.resumed) == 1 and str(tmp / "rung3") in cont9.resumed[0] and cont9.steps() == list(range(4, 10)),
              f"steps {cont9.steps()}, {num(cont9.result, 'train_seconds', 2)} s training in all")
        check("continued = from scratch (same seed)", same(cont9.result, scratch9.result),
              f"accuracy {num(cont9.result, 'accuracy')} vs {num(scratch9.result, 'accuracy')}, "
              f"loss {num(cont9.result, 'loss', 6)} vs {num(scratch9.result, 'loss', 6)}")
        curves = [r for r in scratch9.reports if r["step"] >= 4] == cont9.reports
        check("continued curve = from-scratch curve at epochs 4..9", curves)
        check("the earlier rung's checkpoint is left as it was", load(tmp / "rung3" / "checkpoint.pt")["epoch"] == 3)

        empty = run(tmp / "empty", 3, resume_from=tmp / "nothing-here")
        check("ABLATE_RESUME_FROM without a checkpoint trains from scratch", empty.code == 0 and not empty.resumed and empty.steps() == [1, 2, 3] and same(empty.result, rung3.result))

        again = run(tmp / "scratch9", 9)
        check("a finished trial run again only evaluates", again.code == 0 and again.steps() == [] and same(again.result, scratch9.result),
              f"{again.seconds:.2f} s")

        # SIGTERM in the middle of epoch 3 (or later), then the same trial again.
        stop_dir = tmp / "stopped"
        proc = start(stop_dir, 9)
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if line.startswith('ABLATE_REPORT {"step": 2,'):
                break
        time.sleep(0.07)  # into epoch 3
        proc.send_signal(signal.SIGTERM)
        rest, err = proc.communicate(timeout=60)
        ckpt_path = stop_dir / "checkpoint.pt"
        ok = proc.returncode == 128 + signal.SIGTERM and ckpt_path.is_file()
        ckpt = load(ckpt_path) if ckpt_path.is_file() else {}
        where = f"epoch {ckpt.get('epoch')}, batch {ckpt.get('batch')}"
        check("SIGTERM: exit 143 and a loadable checkpoint", ok and "model" in ckpt, f"exit {proc.returncode}, saved at {where}")
        check("no temporary checkpoint left behind", not [p for p in stop_dir.iterdir() if p.name.endswith(".tmp")])
        resumed = run(stop_dir, 9)
        first = ckpt.get("epoch", 0) + 1
        check("the stopped trial resumes from its own checkpoint (no ABLATE_RESUMED)",
              resumed.code == 0 and not resumed.resumed and resumed.steps() == list(range(first, 10)) and f"(epoch {ckpt.get('epoch')}, batch {ckpt.get('batch')})" in resumed.err,
              f"from {where}, steps {resumed.steps()}")
        check("stopped + resumed = from scratch", same(resumed.result, scratch9.result),
              f"accuracy {num(resumed.result, 'accuracy')}, loss {num(resumed.result, 'loss', 6)}")

        other = run(tmp / "other", 9, resume_from=tmp / "rung3", config=dict(BASELINE, width=8))
        check("a checkpoint of another configuration is refused", other.code != 0 and "another configuration" in other.err)

    return summary()


if __name__ == "__main__":
    sys.exit(main())
