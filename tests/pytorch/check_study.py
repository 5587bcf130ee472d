"""Checks the run directory of examples/pytorch/small.toml run with --multi-fidelity (see
run.sh): every trial ok, both rungs complete, every trial's checkpoint at its epochs, and the
promoted trials continued from the previous rung's checkpoint (ABLATE_RESUME_FROM: they print
ABLATE_RESUMED and report only the new epochs). Prints "N passed, N failed".

    python3 tests/pytorch/check_study.py <run dir>
"""
import json
import pathlib
import sys

import torch

run_dir = pathlib.Path(sys.argv[1])
from checks import check, summary  # noqa: E402  (this folder is on sys.path)


records = {}
for line in (run_dir / "journal.jsonl").read_text().splitlines()[1:]:
    record = json.loads(line.split(" ", 1)[1])
    if "id" in record:
        records[record["id"]] = record  # the last attempt counts
by_rung = {}
for r in records.values():
    by_rung.setdefault(r["config"]["values"]["epochs"]["Int"], []).append(r)
rungs = sorted(by_rung)
check("two rungs (1 and 3 epochs), 8 trials each", rungs == [1, 3] and all(len(by_rung[e]) == 8 for e in rungs),
      ", ".join(f"{e} epochs: {len(by_rung[e])} trials" for e in rungs))
bad = [f"{r['id'][:8]} {r['status']} {r.get('error', '')}" for r in records.values() if r["status"] != "ok"]
check("every trial ok", not bad, "; ".join(bad))

wrong = []
for r in records.values():
    path = run_dir / "trials" / r["id"] / "checkpoint.pt"
    want = r["config"]["values"]["epochs"]["Int"]
    kw = {"weights_only": True} if int(torch.__version__.split(".")[0]) >= 2 else {}
    got = torch.load(path, map_location="cpu", **kw)["epoch"] if path.is_file() else None
    if got != want:
        wrong.append(f"{r['id'][:8]}: {got} (want {want})")
check("every trial left its checkpoint at its epochs", not wrong, "; ".join(wrong))

# Continuation: a rung-3 trial's stdout names the rung-1 trial of the same config and seed.
first = {}
for r in by_rung.get(1, []):
    key = (json.dumps({k: v for k, v in r["config"]["values"].items() if k != "epochs"}, sort_keys=True), r["seed"])
    first[key] = r["id"]
continued, problems = 0, []
for r in by_rung.get(3, []):
    key = (json.dumps({k: v for k, v in r["config"]["values"].items() if k != "epochs"}, sort_keys=True), r["seed"])
    out = (run_dir / "trials" / r["id"] / "stdout.log").read_text()
    resumed = [json.loads(l.split(" ", 1)[1]) for l in out.splitlines() if l.startswith("ABLATE_RESUMED ")]
    steps = [p["step"] for p in r.get("reports", [])]
    if resumed and pathlib.Path(resumed[0]["from"]).name == first.get(key) and steps == [2, 3]:
        continued += 1
    else:
        problems.append(f"{r['id'][:8]}: resumed {resumed or 'never'}, steps {steps}")
check("the promoted trials continued from rung 1's checkpoints (epochs 2..3 only)",
      by_rung.get(3) and continued == len(by_rung[3]),
      f"{continued}/{len(by_rung.get(3, []))}" + ("; " + "; ".join(problems[:3]) if problems else ""))
sys.exit(summary())
