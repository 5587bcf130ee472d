#!/usr/bin/env bash
# Opens executed tutorials in the pinned JupyterLab in headless Chromium, trusted and
# untrusted, and checks that their tables and SVG charts render (kernel/lab_check.py says
# how). Installs what it needs, idempotently: Debian's chromium (apt-get, when root) and
# playwright (kernel/lab-requirements.txt) in a virtual environment outside the clone,
# $ABLATE_CACHE/lab-venv-<hash> (default ~/.cache/ablate). JupyterLab and the kernel come from
# kernel/install.sh, run first if kernel/.venv has no JupyterLab.
# Usage: kernel/lab-check.sh [--data-uri] [--out DIR] [NOTEBOOK...]
#   (default notebooks/01-quickstart.ipynb, executed first when it has no outputs)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${ABLATE_CACHE:-$HOME/.cache/ablate}"
chromium="${ABLATE_CHROMIUM:-/usr/bin/chromium}"

[ -x "$here/.venv/bin/jupyter" ] || "$here/install.sh"

if [ ! -x "$chromium" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "kernel/lab-check.sh: installing Debian's chromium" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "kernel/lab-check.sh: no Chromium at $chromium: install Debian's chromium package (or set ABLATE_CHROMIUM)" >&2
    exit 2
  fi
fi

hash="$(cat "$here/lab-requirements.txt" <(python3 -c 'import sys; print(sys.version)') | sha256sum | cut -c1-12)"
venv="$cache/lab-venv-$hash"
if [ ! -f "$venv/.installed" ]; then
  echo "kernel/lab-check.sh: installing playwright into $venv" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/lab-requirements.txt"
  touch "$venv/.installed"
fi
export ABLATE_CHROMIUM="$chromium"
exec "$venv/bin/python" "$here/lab_check.py" "$@"
