#!/usr/bin/env bash
# Installs everything an ablate notebook needs, idempotently:
#   1. evcxr_jupyter (the Rust Jupyter kernel), pinned, built with cargo install --locked
#      into $ABLATE_TOOLS (default ~/.cache/ablate/tools), reused when the version matches;
#   2. Jupyter (JupyterLab, nbclient, nbconvert), pinned, in kernel/.venv (git-ignored),
#      or with ABLATE_JUPYTER=system the Jupyter already on PATH (Binder);
#   3. kernelspecs "ablate-rust" (evcxr settings from kernel/evcxr-config: a :cache for
#      compiled dependencies) and "ablate-rust-test" (the same, but a panic fails the cell);
#   4. a pre-warm: compiles ablate's dependencies inside evcxr once (kernel/prewarm.ipynb),
#      so a notebook's first `:dep ablate` cell takes seconds instead of ~8 minutes.
# Usage: kernel/install.sh [--no-prewarm] [--relock]
set -euo pipefail

EVCXR_VERSION=0.22.0
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
tools="${ABLATE_TOOLS:-$HOME/.cache/ablate/tools}"
venv="$here/.venv"
prewarm=1
relock=0
for arg in "$@"; do
  case "$arg" in
    --no-prewarm) prewarm=0 ;;
    --relock) relock=1 ;;
    *) echo "kernel/install.sh: unknown option $arg (use --no-prewarm or --relock)" >&2; exit 2 ;;
  esac
done

step() { printf '\n==> [%s] %s\n' "$(date +%H:%M:%S)" "$*"; }
fail() { echo "kernel/install.sh: $*" >&2; exit 1; }

command -v cargo >/dev/null 2>&1 || fail "cargo not found: install the Rust toolchain (https://rustup.rs) and make sure ~/.cargo/bin is on PATH"
command -v rustc >/dev/null 2>&1 || fail "rustc not found: install the Rust toolchain (https://rustup.rs)"
command -v python3 >/dev/null 2>&1 || fail "python3 not found: install Python 3.9 or newer with pip and venv"
python3 -c 'import venv, ensurepip' 2>/dev/null || fail "python3 has no venv/ensurepip module: install your distribution's python3-venv package"

# 1. evcxr_jupyter
evcxr="$tools/bin/evcxr_jupyter"
# cargo records what it installed (evcxr_jupyter has no --version flag).
if [ -x "$evcxr" ] && grep -q "^\"evcxr_jupyter $EVCXR_VERSION " "$tools/.crates.toml" 2>/dev/null; then
  step "evcxr_jupyter $EVCXR_VERSION already installed in $tools"
else
  step "building evcxr_jupyter $EVCXR_VERSION (cargo install --locked; ~15 minutes on 2 cores, once)"
  cargo install --locked --version "$EVCXR_VERSION" --root "$tools" evcxr_jupyter
fi

# 2. Jupyter: in kernel/.venv, or (ABLATE_JUPYTER=system, as on Binder) the Jupyter already
#    on PATH, whose data directory then receives the kernelspecs.
if [ "${ABLATE_JUPYTER:-venv}" = system ]; then
  command -v jupyter >/dev/null 2>&1 || fail "ABLATE_JUPYTER=system but no jupyter on PATH"
  python="$(command -v python3)"
  jupyter="$(command -v jupyter)"
  kernels="$(jupyter --data-dir)/kernels"
  step "using the Jupyter on PATH ($jupyter)"
else
  if [ ! -x "$venv/bin/python" ]; then
    step "creating the Jupyter virtual environment kernel/.venv"
    python3 -m venv "$venv"
  fi
  if [ "$relock" = 1 ]; then
    step "installing kernel/requirements.txt and writing kernel/requirements.lock"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
    "$venv/bin/pip" freeze --disable-pip-version-check > "$here/requirements.lock"
  fi
  if ! cmp -s "$here/requirements.lock" "$venv/.installed.lock" 2>/dev/null; then
    step "installing pinned Jupyter packages (kernel/requirements.lock)"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.lock"
    cp "$here/requirements.lock" "$venv/.installed.lock"
  else
    step "Jupyter packages already installed"
  fi
  python="$venv/bin/python"
  jupyter="$venv/bin/jupyter"
  kernels="$venv/share/jupyter/kernels"
fi
# A notebook's command trials run `python3`: the venv's (with scikit-learn), or on Binder
# the image's own.
python_bin="$(dirname "$python")"

# 3. kernelspecs + evcxr settings: "ablate-rust" for people, "ablate-rust-test" for the
#    notebook tests (same kernel, but a panic fails the cell instead of being reported as ok).
step "registering the kernelspecs ablate-rust and ablate-rust-test"
cargo_bin="$(dirname "$(command -v cargo)")"
"$python" - "$kernels" "$evcxr" "$here" "$cargo_bin" "$python_bin" <<'PY'
import json, os, sys
kernels, evcxr, here, cargo_bin, python_bin = sys.argv[1:]
for name, display, config in [
    ("ablate-rust", "Rust (ablate)", "evcxr-config"),
    ("ablate-rust-test", "Rust (ablate, tests)", "evcxr-test-config"),
]:
    spec = os.path.join(kernels, name)
    os.makedirs(spec, exist_ok=True)
    kernel = {
        # launch.sh gives the kernel a build directory that outlives it (ablate compiled once).
        "argv": [os.path.join(here, "launch.sh"), evcxr, "--control_file", "{connection_file}"],
        "display_name": display,
        "language": "rust",
        "interrupt_mode": "message",
        "env": {
            "EVCXR_CONFIG_DIR": os.path.join(here, config),
            "PATH": os.pathsep.join([python_bin, cargo_bin, os.environ.get("PATH", "")]),
        },
    }
    # A slot pool chosen at install time (binder/postBuild sets one) stays the kernels' pool.
    if os.environ.get("ABLATE_EVCXR_SLOTS"):
        kernel["env"]["ABLATE_EVCXR_SLOTS"] = os.environ["ABLATE_EVCXR_SLOTS"]
    with open(os.path.join(spec, "kernel.json"), "w") as f:
        json.dump(kernel, f, indent=2)
PY

# 4. pre-warm
if [ "$prewarm" = 1 ]; then
  step "pre-warming evcxr's dependency cache (first time: ~10 minutes on 2 cores; later: seconds)"
  started=$(date +%s)
  "$jupyter" execute --kernel_name=ablate-rust --startup_timeout=600 --timeout=3000 "$here/prewarm.ipynb"
  echo "pre-warm took $(( $(date +%s) - started )) s"
fi

step "done. Start JupyterLab on the tutorials with: kernel/lab.sh"
