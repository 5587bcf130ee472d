#!/usr/bin/env bash
# The device pool (issue 22; see BENCHMARKS.md): 16 command trials of 1 s each on a pool of
# 4 fake GPUs (`--devices a,b,c,d`, one GPU per trial), then 2 trials per GPU. Each trial
# sleeps 1 s and logs the CUDA_VISIBLE_DEVICES it got with its start and end; the script
# prints the wall time of `ablate run`, the span of the trials, the hand-over time between
# trials on a device, and per device the most trials that overlapped on it. A last run uses
# a shell-script trial, to tell the pool's own hand-over from Python's start-up.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cargo build --quiet --locked --manifest-path "$repo/Cargo.toml" -p ablate-cli
ablate="${CARGO_TARGET_DIR:-$repo/target}/debug/ablate"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cat > "$work/sleep_trial.py" <<'PY'
import json, os, time
start = time.time()
time.sleep(1.0)
with open(os.path.join(os.environ["ABLATE_TRIAL_DIR"], "devices.json"), "w") as f:
    json.dump({"devices": os.environ["CUDA_VISIBLE_DEVICES"], "start": start, "end": time.time()}, f)
print('ABLATE_RESULT {"accuracy": 0.5}')
PY
# The same trial as a shell script: what is left of the hand-over without Python's start-up.
cat > "$work/sleep_trial.sh" <<'SH'
start=$(date +%s.%N)
sleep 1
end=$(date +%s.%N)
printf '{"devices": "%s", "start": %s, "end": %s}' "$CUDA_VISIBLE_DEVICES" "$start" "$end" > "$ABLATE_TRIAL_DIR/devices.json"
echo 'ABLATE_RESULT {"accuracy": 0.5}'
SH
cat > "$work/study.toml" <<'TOML'
name = "device-pool"
seeds = 1
[[param]]
name = "i"
type = "int"
baseline = 0
levels = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]
[[metric]]
name = "accuracy"
goal = "maximize"
[command]
argv = ["python3", "sleep_trial.py"]
TOML
run() { # LABEL ARGS...: one fresh run, its wall time and the overlap per device
  local label="$1"; shift
  rm -rf "$work/runs"
  local t0 t1
  t0=$(date +%s.%N)
  (cd "$work" && "$ablate" run study.toml "$@" >/dev/null 2>&1)
  t1=$(date +%s.%N)
  python3 - "$work/runs/device-pool/trials" "$label" "$t0" "$t1" <<'PY'
import json, pathlib, sys
logs = [json.loads(p.read_text()) for p in pathlib.Path(sys.argv[1]).glob("*/devices.json")]
devices = sorted({d for l in logs for d in l["devices"].split(",")})
def most(d):
    on = [l for l in logs if d in l["devices"].split(",")]
    return max(sum(1 for o in on if o["start"] <= l["start"] < o["end"]) for l in on)
def gaps(d):
    on = sorted((l for l in logs if d in l["devices"].split(",")), key=lambda l: l["start"])
    return [b["start"] - a["end"] for a, b in zip(on, on[1:]) if b["start"] >= a["end"]]
span = max(l["end"] for l in logs) - min(l["start"] for l in logs)
hand = [g for d in devices for g in gaps(d)]
print(f'{sys.argv[2]}: {len(logs)} trials; ablate run {float(sys.argv[4]) - float(sys.argv[3]):.2f} s, first trial start to last end {span:.2f} s, '
      f'hand-over (a trial\'s end to the next start on its device, Python start-up included) {sum(hand) / max(len(hand), 1) * 1000:.0f} ms on average; '
      'most at once per device: ' + ", ".join(f"{d}={most(d)}" for d in devices))
PY
}
run "pool of 4, one GPU per trial" --devices a,b,c,d
run "pool of 2, two trials per GPU" --devices a,b --trials-per-gpu 2
sed -i 's/argv = \["python3", "sleep_trial.py"\]/argv = ["sh", "sleep_trial.sh"]/' "$work/study.toml"
run "pool of 4, one GPU per trial, shell trials" --devices a,b,c,d
