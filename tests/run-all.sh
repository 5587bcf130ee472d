#!/usr/bin/env bash
# The full test suite: the Rust tests (unit, integration, statistics against scipy and
# statsmodels reference values, doc examples, the CLI), the Python helper's tests, then every notebook executed headless through
# the real evcxr kernel (installed by kernel/install.sh if needed).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
started=$(date +%s)
cargo test --locked --workspace --all-features
echo "rust tests: $(( $(date +%s) - started )) s"
# The Python helper for command trials (standard library only; a few cases need scikit-learn
# and are skipped without it).
python3 -m unittest discover -s python
kernel/test-notebooks.sh
echo "full suite: $(( $(date +%s) - started )) s"
