#!/usr/bin/env bash
# Reproduce the Optuna anchor numbers of NOTES.md (issue 11). Not part of CI.
# Needs ~2 min for the 1,000-trial studies on 2 cores; 10,000 x 8 fANOVA is not run
# (estimated > 1 h, see NOTES.md), only PED-ANOVA and MDI there.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${ABLATE_IMPORTANCE_VENV:-$HOME/.cache/ablate/importance-venv}"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
data="${1:-$(mktemp -d)}"
"$venv/bin/python" "$here/make_synthetic.py" "$data"
cmp "$data/synth_1000x8.csv" "$here/data/synth_1000x8.csv"  # generator still deterministic
out="$here/results"
mkdir -p "$out"
py="nice -n 10 $venv/bin/python"
$py "$here/optuna_importance.py" "$data/synth_1000x8.csv" "$out/optuna_1000x8.json"
$py "$here/optuna_importance.py" "$data/synth_1000x30.csv" "$out/optuna_1000x30.json"
$py "$here/optuna_importance.py" "$data/synth_10000x8.csv" "$out/optuna_10000x8_ped_mdi.json" \
  --evaluators ped_anova,mdi
$py "$here/ped_anova_reference.py" "$data/synth_1000x8.csv" "$out/optuna_1000x8.json"
# The demo MLP's study (trials from `cargo run --example mlp_importance -- RUN_DIR CSV`).
$py "$here/optuna_importance.py" "$here/data/mlp_sobol128.csv" "$out/optuna_mlp.json" \
  --space mlp --evaluators fanova,ped_anova
$py "$here/table.py" "$out"/optuna_*.json
