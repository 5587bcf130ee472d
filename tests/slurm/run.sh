#!/usr/bin/env bash
# The Slurm tests on a real single-node Slurm: starts it (root: installs slurm-wlm and munge
# from Debian packages on first use), runs cli/tests/slurm.rs once without accounting and once
# with it (slurmdbd + MariaDB, so `sacct` answers), then stops the daemons it started.
# Without root (no way to start Slurm) it says so and skips; with a Slurm already answering,
# it runs the tests on that one, in its current accounting mode, and leaves it running.
# ABLATE_KEEP_SLURM=1 leaves the Slurm it started running (tests/run-all.sh then runs the
# cluster tutorials on it, and stops it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
started=$(date +%s)
if [ "$(id -u)" != 0 ] && ! sinfo >/dev/null 2>&1; then
  echo "slurm tests: skipped (not root, and no Slurm answers here)"
  exit 0
fi
run_tests() {
  ABLATE_SLURM_TESTS=1 ABLATE_REQUIRE_SLURM=1 ABLATE_SLURM_ACCOUNTING="$1" \
    cargo test --locked --workspace --all-features --test slurm -- --test-threads=1
}
if [ "$(id -u)" = 0 ]; then
  [ "${ABLATE_KEEP_SLURM:-0}" = 1 ] || trap 'bash tests/slurm/slurm-down.sh' EXIT
  for acct in 0 1; do
    ACCOUNTING=$acct MIN_JOB_AGE=5 bash tests/slurm/slurm-up.sh | tail -1
    run_tests "$acct"
  done
else
  acct=0; sacct -n -X >/dev/null 2>&1 && acct=1
  run_tests "$acct"
fi
echo "slurm tests: $(( $(date +%s) - started )) s"
