#!/usr/bin/env bash
# The full test suite: the layer check, clippy and rustdoc with warnings as errors, the Rust
# tests (unit, integration, statistics against scipy and statsmodels reference values, doc
# examples, the CLI), the Python helper's tests, the
# TensorBoard/MLflow exports and the Optuna import checked with the real, pinned tools, the
# PyTorch example with real torch, the
# Slurm tests on a real local Slurm, then every notebook executed headless through the real
# evcxr kernel (installed by kernel/install.sh if needed) and the executed tutorials with charts
# opened in the pinned JupyterLab in headless Chromium, trusted and untrusted.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
started=$(date +%s)
# The house rules first (seconds once the test build exists): no module imports a layer above
# it, clippy finds nothing, and the documentation builds without a broken link.
python3 tests/layers/check.py
cargo clippy --locked --workspace --all-targets --all-features -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc --locked --workspace --no-deps --all-features
echo "house checks: $(( $(date +%s) - started )) s"
cargo test --locked --workspace --all-features
echo "rust tests: $(( $(date +%s) - started )) s"
# The Python helper for command trials (standard library only; a few cases need scikit-learn
# and are skipped without it).
python3 -m unittest discover -s python
# ablate's TensorBoard and MLflow exports read back by the real, pinned tools, and the
# Optuna import against a real, pinned Optuna (venvs under ~/.cache/ablate, made on first use).
tests/interop/run.sh
tests/interop/optuna/run.sh
# The PyTorch example (examples/pytorch): real, pinned torch on the CPU (Debian's python3-torch
# in a venv under ~/.cache/ablate, made on first use), a training script that continues from
# checkpoints, and a small multi-fidelity study whose promoted trials continue from them.
tests/pytorch/run.sh
# Slurm: a real single-node cluster on this machine (root: installed from Debian packages and
# started by tests/slurm/slurm-up.sh), tested without and with accounting, then kept up for
# the cluster tutorials (07, 08) and stopped at the end.
if [ "$(id -u)" = 0 ]; then
  trap 'bash tests/slurm/slurm-down.sh' EXIT
  export ABLATE_REQUIRE_SLURM=1
fi
ABLATE_KEEP_SLURM=1 tests/slurm/run.sh
kernel/test-notebooks.sh
echo "full suite: $(( $(date +%s) - started )) s"
