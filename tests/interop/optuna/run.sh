#!/usr/bin/env bash
# Optuna interop: builds two studies with the pinned Optuna (requirements.txt, in a venv
# outside the clone, created on first use), a JournalStorage file and each study's
# trials_dataframe() CSV (build_study.py), then imports them with ablate and checks the
# import against Optuna's own view of every trial (examples/optuna_interop.rs). Prints one
# line per check and `N passed, N failed`; exits non-zero when a check failed.
# ABLATE_OPTUNA_VENV overrides the venv's location.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../../.."
started=$(date +%s)
req=tests/interop/optuna/requirements.txt
venv="${ABLATE_OPTUNA_VENV:-$HOME/.cache/ablate/optuna-venv-$(sha256sum "$req" | cut -c1-12)}"
if [ ! -f "$venv/.installed" ]; then
  echo "optuna interop: installing $req into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$req"
  touch "$venv/.installed"
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# trials_dataframe() writes local times; the journal, UTC: run in UTC so they agree.
TZ=UTC "$venv/bin/python" tests/interop/optuna/build_study.py "$out"
# The suite's feature set, so the library built by `cargo test` is reused.
cargo build --locked --workspace --all-features --example optuna_interop
target=$(cargo metadata --locked --format-version 1 --no-deps | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
status=0
"$target/debug/examples/optuna_interop" "$out" || status=$?
echo "optuna interop: $(( $(date +%s) - started )) s"
exit "$status"
