#!/usr/bin/env bash
# Interop: ablate's TensorBoard and MLflow exports read back by the real, pinned tools.
# Runs a small real study (tests/interop/study: 5 configs × 3 seeds of a Python command trial
# with learning curves, one failing trial), exports it with `ablate export --tensorboard
# --mlflow`, then check.py reads both through TensorBoard's server (HParams and scalars HTTP
# API, Python and Rust loaders, on 127.0.0.1), TensorBoard's event reader, and MlflowClient,
# and compares every trial with the run directory. Prints "N passed, N failed".
#
# The pinned tools live in a venv outside the clone, keyed by the lock file and the Python
# version: $HOME/.cache/ablate/interop-venv-<hash> (created on first use, from PyPI).
# The ablate binary: $ABLATE_BIN, else ${CARGO_TARGET_DIR:-target}/debug/ablate (built by the
# suite's `cargo test --workspace --all-features`; built here if missing).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
started=$(date +%s)
trap 'echo "interop: setup failed (see above)"; echo "0 passed, 1 failed"' ERR

lock=tests/interop/requirements.txt
key=$( (cat "$lock"; python3 --version) | sha256sum | cut -c1-12)
venv="$HOME/.cache/ablate/interop-venv-$key"
if [ ! -f "$venv/.complete" ]; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --disable-pip-version-check --quiet -r "$lock"
  touch "$venv/.complete"
  echo "interop: installed the pinned tools into $venv in $(( $(date +%s) - started )) s"
fi

bin="${ABLATE_BIN:-${CARGO_TARGET_DIR:-target}/debug/ablate}"
if [ ! -x "$bin" ]; then
  cargo build --locked --workspace --all-features --bin ablate
fi
bin=$(realpath "$bin")

work=$(mktemp -d "${TMPDIR:-/tmp}/ablate-interop.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp tests/interop/study/study.toml tests/interop/study/trial.py "$work/"
if ! (cd "$work" && "$bin" run study.toml --workers 2 > run.log 2>&1); then
  cat "$work/run.log"
  echo "0 passed, 1 failed"
  exit 1
fi
"$bin" export "$work/runs/interop" --tensorboard "$work/tb" --mlflow "$work/mlruns"
trap - ERR
status=0
"$venv/bin/python" tests/interop/check.py "$work/runs/interop" "$work/tb" "$work/mlruns" || status=$?
echo "interop: $(( $(date +%s) - started )) s"
exit "$status"
