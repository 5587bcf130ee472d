#!/usr/bin/env bash
# The README job next to scikit-learn, in one run (see BENCHMARKS.md): ablate's
# `cargo run --example wine_forest` from an empty run directory (all 20 trials execute),
# then scikit-learn's RandomForestClassifier on the same study (benches/sklearn_wine.py,
# n_jobs = all cores). Prints both wall times and accuracies.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bench-venv.sh"
cargo build --quiet --manifest-path "$repo/Cargo.toml" --example wine_forest
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "== ablate (README job, fresh run directory)"
start=$(date +%s%N)
(cd "$work" && cargo run --quiet --manifest-path "$repo/Cargo.toml" --example wine_forest 2>/dev/null | sed -n '/by config/,/^$/p')
end=$(date +%s%N)
echo "ablate wall time (cargo run, study, run directory): $(( (end - start) / 1000000 )) ms"
echo "== scikit-learn $("$venv/bin/python" -c 'import sklearn; print(sklearn.__version__)')"
"$venv/bin/python" "$repo/benches/sklearn_wine.py"
