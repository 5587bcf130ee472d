#!/usr/bin/env bash
# Runs every tutorial notebook headless through the real evcxr kernel and checks it
# (kernel/test_notebooks.py says what "passes" means). Installs the kernel first if needed.
# Usage: kernel/test-notebooks.sh [NOTEBOOK...]   (default: the harness self-tests in
# tests/notebooks, then every notebook in notebooks/, then the JupyterLab check of the
# executed tutorials with charts)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
"$here/install.sh"
# The `ablate` binary Slurm array tasks run (tutorials 07 and 08): built here, and named in
# ABLATE_BIN (the kernelspec's PATH is fixed at install time).
(cd "$repo" && cargo build --locked --quiet --workspace --all-features --bin ablate)
export ABLATE_BIN="${CARGO_TARGET_DIR:-$repo/target}/debug/ablate"
if [ $# -gt 0 ]; then
  exec "$here/.venv/bin/python" "$here/test_notebooks.py" "$@"
fi
# The full run: every notebook, then the executed tutorials that have charts opened in the
# pinned JupyterLab in headless Chromium, trusted and untrusted (kernel/lab-check.sh; about
# 8 s per notebook and case; ABLATE_LAB_CHECK=off skips it).
saved="$(mktemp -d "${TMPDIR:-/tmp}/ablate-executed-XXXXXX")"
trap 'rm -rf "$saved"' EXIT
status=0
"$here/.venv/bin/python" "$here/test_notebooks.py" --save "$saved" "$repo/tests/notebooks" "$repo/notebooks" || status=$?
if [ "${ABLATE_LAB_CHECK:-on}" = off ]; then
  echo "lab check: skipped (ABLATE_LAB_CHECK=off)"
else
  "$here/lab-check.sh" "$saved" || status=1
fi
exit "$status"
