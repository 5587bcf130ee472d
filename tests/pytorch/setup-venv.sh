#!/usr/bin/env bash
# Makes (once) and caches the Python environment of the PyTorch example (examples/pytorch),
# outside the clone like the interop venvs: $HOME/.cache/ablate/torch-venv-<hash of the lock
# file and the Python version>, finished when it holds `.complete`. Prints what it does on
# stderr and the venv's python on the last line of stdout:
#
#   py=$(tests/pytorch/setup-venv.sh | tail -n 1)
#   PATH="$(dirname "$py"):$PATH" ablate run examples/pytorch/study.toml
#
# Two routes (examples/pytorch/README.md has the measurements behind them):
#   debian  PyTorch 1.13.1 from Debian 12's python3-torch (CPU-only: ~150 MB to download,
#           ~615 MiB installed, about a minute), installed with apt as root, pinned by the
#           `# apt:` line of tests/pytorch/requirements.txt; a venv of /usr/bin/python3 with
#           --system-site-packages adds scikit-learn from PyPI (requirements.txt).
#   pypi    torch 2.9.1 from PyPI with its CUDA libraries (~3.8 GB to download, 7 GB
#           installed, about two minutes), for python3 on PATH (requirements-pypi.txt); the
#           one to use on a GPU, or where the debian route is not possible.
# ABLATE_TORCH=debian|pypi picks one; the default (auto) is debian where it can work (root,
# apt-get, Debian 12) and pypi elsewhere.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
started=$(date +%s)
say() { echo "torch-venv: $*" >&2; }

route="${ABLATE_TORCH:-auto}"
if [ "$route" = auto ]; then
  codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null && [ -x /usr/bin/python3 ] && [ "$codename" = bookworm ]; then
    route=debian
  else
    route=pypi
  fi
fi

case "$route" in
  debian)
    lock=tests/pytorch/requirements.txt
    python=/usr/bin/python3
    apt_pin=$(sed -n 's/^# apt: *//p' "$lock")
    # Debian's package first: the venv sees it through --system-site-packages.
    if [ "$(dpkg-query -W -f='${Status} ${Version}' python3-torch 2>/dev/null)" != "install ok installed ${apt_pin#*=}" ] \
       || ! dpkg-query -W -f='${Status}' python3-venv 2>/dev/null | grep -q "ok installed"; then
      if [ "$(id -u)" != 0 ]; then
        say "the debian route installs $apt_pin with apt and needs root: run as root, or ABLATE_TORCH=pypi"
        exit 1
      fi
      say "installing $apt_pin (Debian, CPU-only) with apt"
      apt-get update -qq >&2
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$apt_pin" python3-venv >&2
      say "installed $apt_pin in $(( $(date +%s) - started )) s"
    fi
    venv_flags=(--system-site-packages)
    ;;
  pypi)
    lock=tests/pytorch/requirements-pypi.txt
    python=python3
    venv_flags=()
    ;;
  *)
    say "ABLATE_TORCH must be debian, pypi or auto, not '$route'"
    exit 1
    ;;
esac

key=$( (cat "$lock"; echo "$route"; "$python" --version) | sha256sum | cut -c1-12)
venv="$HOME/.cache/ablate/torch-venv-$key"
if [ ! -f "$venv/.complete" ]; then
  rm -rf "$venv"
  mkdir -p "$(dirname "$venv")"
  "$python" -m venv "${venv_flags[@]}" "$venv"
  "$venv/bin/python" -m pip install --disable-pip-version-check --quiet -r "$lock" >&2
  # Real torch must import and train a step on the CPU before the venv counts as made.
  "$venv/bin/python" - >&2 <<'EOF'
import torch, sklearn
torch.manual_seed(0)
model = torch.nn.Conv2d(1, 4, 3)
loss = model(torch.randn(2, 1, 8, 8)).square().mean()
loss.backward()
torch.optim.Adam(model.parameters()).step()
print(f"torch-venv: torch {torch.__version__}, scikit-learn {sklearn.__version__}: a training step ran on the CPU")
EOF
  touch "$venv/.complete"
  say "made $venv ($route route) in $(( $(date +%s) - started )) s"
fi
echo "$venv/bin/python"
