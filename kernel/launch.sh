#!/usr/bin/env bash
# Starts evcxr_jupyter for the ablate kernelspecs (kernel.json runs this with evcxr's path
# first, then its own arguments).
#
# evcxr caches compiled registry crates (polars, ...) but never a path dependency: ablate
# itself (and ablate-demo) would be compiled again in every new kernel. So each kernel gets
# a build directory from a small pool of slots (EVCXR_TMPDIR) that outlives it: the first
# kernel in a slot compiles ablate once, every later kernel finds it built and only checks
# that it is up to date (cargo rebuilds what changed, as in any build directory). A slot is
# held with an exclusive lock for the kernel's whole life, so two kernels running at once
# never share one; when all slots are busy the kernel gets a private temporary directory,
# as plain evcxr does. ABLATE_EVCXR_SLOTS=off turns the pool off (benchmarks measure both).
set -euo pipefail
evcxr="$1"
shift
pool="${ABLATE_EVCXR_SLOTS:-${XDG_CACHE_HOME:-$HOME/.cache}/ablate/evcxr-slots}"
if [ "$pool" != off ] && mkdir -p "$pool" 2>/dev/null; then
  for n in 0 1 2 3 4 5 6 7; do
    exec {lock}>>"$pool/slot-$n.lock" || continue
    if flock --nonblock "$lock"; then
      mkdir -p "$pool/slot-$n"
      # Each cell is a shared library linked against the toolchain's libstd, found through a
      # relative RUNPATH that rustc computes for target/<host>/debug/deps/ while evcxr loads
      # the copy one directory up: from a temporary directory the extra `..` stops at `/`
      # and does no harm, from a directory that shares a parent with the toolchain (both in
      # $HOME) it misses libstd and the kernel dies ("dlopen failed"). Name libstd's folder.
      sysroot="$(rustc --print sysroot)"
      host="$(rustc -vV | sed -n 's/^host: //p')"
      export LD_LIBRARY_PATH="$sysroot/lib/rustlib/$host/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
      # The lock's descriptor stays open in evcxr (and its children) until the kernel ends.
      EVCXR_TMPDIR="$pool/slot-$n" exec "$evcxr" "$@"
    fi
    exec {lock}>&-
  done
fi
exec "$evcxr" "$@"
