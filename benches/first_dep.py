"""Times a notebook's first `:dep` cell in fresh kernels (the number BENCHMARKS.md reports).

Each run starts a new ablate-rust-test kernel in notebooks/, executes the tutorials' first
cell (the `:dep` lines and `use ablate::prelude::*;`), then a cell that builds and shows a
study, and shuts the kernel down. With `--slots off` every kernel gets a private build
directory, as plain evcxr does (ablate compiled in every kernel); with `--slots on` (the
default of kernel/launch.sh) kernels reuse a pooled build directory.

Usage (after kernel/install.sh):
  kernel/.venv/bin/python benches/first_dep.py [--slots on|off] [--demo] [--runs N]
"""
import argparse
import os
import pathlib
import sys

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


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--slots", choices=["on", "off"], default="on")
    parser.add_argument("--demo", action="store_true", help="also :dep ablate-demo, as tutorials 01-05 do")
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    if args.slots == "off":
        os.environ["ABLATE_EVCXR_SLOTS"] = "off"
    first = FIRST + (DEMO if args.demo else "") + USE
    for run in range(args.runs):
        runner = Runner(repo / "notebooks")
        try:
            times = []
            for source in (first, STUDY):
                cell = nbformat.v4.new_code_cell(source)
                status, seconds = runner.execute(cell, 1800)
                if status != "ok":
                    sys.exit(f"cell failed: {status}: {cell.outputs}")
                times.append(seconds)
        finally:
            runner.close()
        print(f"run {run + 1} (slots {args.slots}{', demo' if args.demo else ''}): first :dep cell {times[0]:.1f} s, first study cell {times[1]:.1f} s", flush=True)


if __name__ == "__main__":
    main()
