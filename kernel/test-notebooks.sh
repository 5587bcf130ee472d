#!/usr/bin/env bash
# Runs every tutorial notebook headless through the real evcxr kernel and checks it
# (kernel/test_notebooks.py says what "passes" means). Installs the kernel first if needed.
# Usage: kernel/test-notebooks.sh [NOTEBOOK...]   (default: the harness self-tests in
# tests/notebooks, then every notebook in notebooks/)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
"$here/install.sh"
# The `ablate` binary Slurm array tasks run (tutorials 07 and 08): built here, and named in
# ABLATE_BIN (the kernelspec's PATH is fixed at install time).
(cd "$repo" && cargo build --locked --quiet --workspace --all-features --bin ablate)
export ABLATE_BIN="${CARGO_TARGET_DIR:-$repo/target}/debug/ablate"
if [ $# -eq 0 ]; then
  set -- "$repo/tests/notebooks" "$repo/notebooks"
fi
exec "$here/.venv/bin/python" "$here/test_notebooks.py" "$@"
