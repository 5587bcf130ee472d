#!/usr/bin/env bash
# Starts JupyterLab on the tutorials (run kernel/install.sh once first).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
[ -x "$here/.venv/bin/jupyter" ] || { echo "kernel/lab.sh: run kernel/install.sh first" >&2; exit 1; }
exec "$here/.venv/bin/jupyter" lab --notebook-dir="$(dirname "$here")/notebooks" "$@"
