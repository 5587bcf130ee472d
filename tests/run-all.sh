#!/usr/bin/env bash
# The full test suite: the Rust tests (unit, integration, statistics against scipy and
# statsmodels reference values, doc examples), then every notebook executed headless through
# the real evcxr kernel (installed by kernel/install.sh if needed).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
started=$(date +%s)
cargo test --locked --workspace --all-features
echo "rust tests: $(( $(date +%s) - started )) s"
kernel/test-notebooks.sh
echo "full suite: $(( $(date +%s) - started )) s"
