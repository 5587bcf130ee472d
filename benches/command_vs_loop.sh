#!/usr/bin/env bash
# The seed study as command trials (see BENCHMARKS.md): `ablate run` on a study file whose
# trial is benches/seed_trial.py (scikit-learn, one n_estimators × one seed per process),
# next to a plain shell loop calling the same script for the same 20 (n_estimators, seed)
# pairs. Both serial (one worker), then ablate with 2 workers. Prints wall times.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${ABLATE_BENCH_VENV:-$HOME/.cache/ablate/bench-venv}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$repo/benches/requirements.txt"
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
ms() { echo $(( ($2 - $1) / 1000000 )); }

start=$(date +%s%N)
for n in 50 100 200 300; do
  for s in $seeds; do
    "$venv/bin/python" "$repo/benches/seed_trial.py" --n-estimators "$n" --seed "$s" > /dev/null
  done
done
end=$(date +%s%N)
echo "shell loop, serial: $(ms "$start" "$end") ms for 20 trials"

start=$(date +%s%N)
(cd "$work" && "$ablate" run study.toml --workers 1 --run-dir "$work/serial" > /dev/null 2>&1)
end=$(date +%s%N)
echo "ablate run --workers 1: $(ms "$start" "$end") ms for 20 trials"

start=$(date +%s%N)
(cd "$work" && "$ablate" run study.toml --workers 2 --run-dir "$work/parallel" > /dev/null 2>&1)
end=$(date +%s%N)
echo "ablate run --workers 2: $(ms "$start" "$end") ms for 20 trials"

start=$(date +%s%N)
(cd "$work" && "$ablate" run study.toml --workers 2 --run-dir "$work/parallel" > /dev/null 2>&1)
end=$(date +%s%N)
echo "ablate run again (all 20 reused): $(ms "$start" "$end") ms"
(cd "$work" && "$ablate" report "$work/parallel" | sed -n '1,9p')
