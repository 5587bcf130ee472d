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

# evcxr's :cache stores each registry crate's rustc outputs, dep-info (.d) included, as the
# first kernel that compiled it wrote them. A crate that includes a file its build script
# generated (snap's `include!(concat!(env!("OUT_DIR"), "/tag.rs"))`, serde, thiserror,
# polars-plan, ...) has that file in its dep-info under the first kernel's build directory,
# e.g. /tmp/.tmpjcsc74/target/.../build/snap-197f35e81ffa0045/out/tag.rs. Every other
# build directory that is served the crate from the cache then tracks a file that is gone
# (cargo's fingerprint log: `stale: missing ".../out/tag.rs"`), so cargo recompiles snap
# (again from the cache, the same .d) on every cell, then everything above it: polars-io,
# -parquet, -plan, -lazy, polars, and ablate, for real (issue 9). The generated files are
# already tracked through the build-script unit the crate depends on (cargo rebuilds the
# crate when its build script reruns), so drop them from the cached dep-info. Idempotent;
# sed -i writes a new file and renames it, so a kernel copying the file meanwhile reads
# either version.
evcxr_cache="${XDG_CACHE_HOME:-$HOME/.cache}/evcxr"
if [ -d "$evcxr_cache" ]; then
  out_file='([^ \\]|\\.)*/debug/build/([^ \\]|\\.)*/out/([^ \\]|\\.)*'
  grep -lE '/debug/build/[^ ]+/out/' "$evcxr_cache"/*/*.d 2>/dev/null \
    | xargs -r sed -i -E -e "\\#^$out_file:\$#d" -e "s# $out_file##g" 2>/dev/null || true
fi

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
