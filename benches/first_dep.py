"""Times a notebook's first `:dep` cell in fresh kernels (the number BENCHMARKS.md reports).

Each run starts a new ablate-rust-test kernel in notebooks/, executes the tutorials' first
cell (the `:dep` lines and `use ablate::prelude::*;`), then a cell that builds and shows a
study, and shuts the kernel down. With `--slots off` every kernel gets a private build
directory, as plain evcxr does (ablate compiled in every kernel); with `--slots on` (the
default of kernel/launch.sh) kernels reuse a pooled build directory. With `--polars-only` the
kernel depends on polars alone, with the version and features ablate builds it with (read from
Cargo.toml, so the pre-warmed slot has it compiled), and its second cell builds and shows a
polars DataFrame: the floor that polars itself sets for a first `:dep` cell.

Usage (after kernel/install.sh):
  kernel/.venv/bin/python benches/first_dep.py [--slots on|off] [--demo | --polars-only] [--runs N]
"""
import argparse
import os
import pathlib
import sys
import tomllib

import nbformat

repo = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(repo / "kernel"))
from test_notebooks import Runner  # noqa: E402

FIRST = ':dep ablate = { path = ".." }\n'
DEMO = ':dep ablate-demo = { path = "../demo" }\n'
USE = "use ablate::prelude::*;"
STUDY = """let results = Study::new("first-dep").param(Param::int("n", 1).levels([1, 2])).seeds(2)
    .maximize("score").in_memory().progress(ProgressMode::Off)
    .run(|t: &Trial| Ok(metrics! { "score" => t.int("n")? as f64 }))?;
results.summary()"""
POLARS_FRAME = """let frame = df!("config" => ["a", "b"], "score" => [1.0, 2.0]).unwrap();
frame"""


def polars_deps():
    """`:dep` lines for polars and polars-io exactly as ablate's Cargo.toml has them."""
    manifest = tomllib.loads((repo / "Cargo.toml").read_text())
    lines = []
    for name in ("polars", "polars-io"):
        dep = manifest["dependencies"][name]
        features = ", ".join(f'"{f}"' for f in dep.get("features", []))
        lines.append(f':dep {name} = {{ version = "{dep["version"]}", default-features = false, features = [{features}] }}\n')
    return "".join(lines) + "use polars::prelude::*;"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--slots", choices=["on", "off"], default="on")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--demo", action="store_true", help="also :dep ablate-demo, as tutorials 01-05 do")
    group.add_argument("--polars-only", action="store_true", help="polars alone, as ablate builds it")
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    if args.slots == "off":
        os.environ["ABLATE_EVCXR_SLOTS"] = "off"
    first = polars_deps() if args.polars_only else FIRST + (DEMO if args.demo else "") + USE
    second = POLARS_FRAME if args.polars_only else STUDY
    what = "polars only" if args.polars_only else "demo" if args.demo else "ablate"
    for run in range(args.runs):
        runner = Runner(repo / "notebooks")
        try:
            times = []
            for source in (first, second):
                cell = nbformat.v4.new_code_cell(source)
                status, seconds = runner.execute(cell, 1800)
                if status != "ok":
                    sys.exit(f"cell failed: {status}: {cell.outputs}")
                times.append(seconds)
        finally:
            runner.close()
        print(f"run {run + 1} (slots {args.slots}, {what}): first :dep cell {times[0]:.1f} s, second cell {times[1]:.1f} s", flush=True)


if __name__ == "__main__":
    main()
