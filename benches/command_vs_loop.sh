#!/usr/bin/env bash
# The seed study as command trials (see BENCHMARKS.md): `ablate run` on a study file whose
# trial is benches/seed_trial.py (scikit-learn, one n_estimators × one seed per process),
# next to a plain shell loop calling the same script for the same 20 (n_estimators, seed)
# pairs. Both serial (one worker), then ablate with 2 workers. Prints wall times.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bench-venv.sh"
cargo build --quiet --manifest-path "$repo/Cargo.toml" -p ablate-cli
ablate="${CARGO_TARGET_DIR:-$repo/target}/debug/ablate"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
seeds="0 1 2 3 4"
cat > "$work/study.toml" <<TOML
name = "seed-study-commands"
seeds = [0, 1, 2, 3, 4]
[[param]]
name = "n_estimators"
type = "int"
baseline = 100
levels = [50, 100, 200, 300]
[[metric]]
name = "accuracy"
goal = "maximize"
[[metric]]
name = "train_accuracy"
goal = "maximize"
[command]
argv = ["$venv/bin/python", "$repo/benches/seed_trial.py", "--n-estimators", "{n_estimators}", "--seed", "{seed}"]
TOML
# timed LABEL COMMAND...: runs the command in the work folder, prints its wall time.
timed() {
  local label="$1" start end
  shift
  start=$(date +%s%N)
  (cd "$work" && "$@" > /dev/null 2>&1)
  end=$(date +%s%N)
  echo "$label: $(( (end - start) / 1000000 )) ms"
}
shell_loop() {
  for n in 50 100 200 300; do
    for s in $seeds; do
      "$venv/bin/python" "$repo/benches/seed_trial.py" --n-estimators "$n" --seed "$s"
    done
  done
}

timed "shell loop, serial, 20 trials" shell_loop
timed "ablate run --workers 1, 20 trials" "$ablate" run study.toml --workers 1 --run-dir "$work/serial"
timed "ablate run --workers 2, 20 trials" "$ablate" run study.toml --workers 2 --run-dir "$work/parallel"
timed "ablate run again (all 20 reused)" "$ablate" run study.toml --workers 2 --run-dir "$work/parallel"
(cd "$work" && "$ablate" report "$work/parallel" | sed -n '1,9p')
