# Sourced by the benchmark scripts: sets `repo`, and `venv` to the pinned Python of the
# comparisons (benches/requirements.txt), created on first use.
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${ABLATE_BENCH_VENV:-$HOME/.cache/ablate/bench-venv}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$repo/benches/requirements.txt"
