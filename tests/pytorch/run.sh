#!/usr/bin/env bash
# The PyTorch example (examples/pytorch) with real, pinned torch on the CPU: makes or reuses the
# torch venv (setup-venv.sh, cached under ~/.cache/ablate), checks train.py as a trial without
# ablate (check_train.py: continuation from a previous rung, SIGTERM and resume, both equal to
# training from scratch), then runs examples/pytorch/small.toml with `ablate run
# --multi-fidelity --workers 2` and checks its run directory (check_study.py). Prints
# "N passed, N failed". About a minute on 2 cores once the venv exists (making it: ~1-2 min).
# The ablate binary: $ABLATE_BIN, else ${CARGO_TARGET_DIR:-target}/debug/ablate (built if missing).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
started=$(date +%s)
trap 'echo "pytorch: setup failed (see above)"; echo "0 passed, 1 failed"' ERR

py=$(tests/pytorch/setup-venv.sh | tail -n 1)
bin="${ABLATE_BIN:-${CARGO_TARGET_DIR:-target}/debug/ablate}"
if [ ! -x "$bin" ]; then
  cargo build --locked --workspace --all-features --bin ablate
fi
bin=$(realpath "$bin")
trap - ERR

passed=0
failed=0
count() {  # adds the "N passed, N failed" line of a checker's output
  local line
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' <<< "$1" | tail -n 1 || true)
  if [ -z "$line" ]; then
    failed=$((failed + 1))
  else
    passed=$((passed + $(cut -d' ' -f1 <<< "$line")))
    failed=$((failed + $(cut -d' ' -f3 <<< "$line")))
  fi
}

out=$("$py" tests/pytorch/check_train.py 2>&1) || true
echo "$out" | grep -vE '^[0-9]+ passed, [0-9]+ failed$'
count "$out"

# The study in a copy with the same layout (train.py imports ../../python/ablate_trial.py).
work=$(mktemp -d "${TMPDIR:-/tmp}/ablate-pytorch.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/examples/pytorch" "$work/python"
cp examples/pytorch/train.py examples/pytorch/small.toml "$work/examples/pytorch/"
cp python/ablate_trial.py "$work/python/"
t0=$(date +%s)
if (cd "$work" && PATH="$(dirname "$py"):$PATH" "$bin" run examples/pytorch/small.toml --multi-fidelity --workers 2 > run.log 2>&1); then
  echo "ok   ablate run small.toml --multi-fidelity --workers 2: $(( $(date +%s) - t0 )) s"
  passed=$((passed + 1))
  out=$("$py" tests/pytorch/check_study.py "$work/examples/pytorch/runs/pytorch-digits-small" 2>&1) || true
  echo "$out" | grep -vE '^[0-9]+ passed, [0-9]+ failed$'
  count "$out"
else
  tail -n 30 "$work/run.log"
  echo "FAIL ablate run small.toml --multi-fidelity --workers 2"
  failed=$((failed + 1))
fi
echo "pytorch: $(( $(date +%s) - started )) s"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
