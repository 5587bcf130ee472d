"""Executes notebooks headless through the ablate-rust-test kernel and checks them.

A notebook passes when every cell ran without an error reply, no cell wrote anything to
stderr except ablate's own progress lines (evcxr reports a `?` error at top level only as
stderr text), and the notebook produced the outputs its metadata expects
(`metadata.ablate.expect`: "table" and/or "chart" -> an HTML table / an inline SVG).

Notebooks whose metadata says `"ablate": {"must_fail": true}` pass when they FAIL: they are
the harness's own self-tests (a panic, a `?` error) and the unsolved exercises.

Usage: test_notebooks.py [--save DIR] NOTEBOOK_OR_DIR...   Prints one line per notebook with
its time and its slowest cells, and a closing `N passed, N failed` line; exits 1 if any
failed. With --save, the executed notebooks are written to DIR (for nbconvert to HTML).
"""
import datetime
import pathlib
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, DeadKernelError

KERNEL = "ablate-rust-test"
ALLOWED_STDERR_PREFIXES = ("ablate: ",)
# A last cell that gives evcxr time to forward stderr written by earlier cells (it arrives
# asynchronously and is attributed to whichever request is current).
FLUSH_CELL = "std::thread::sleep(std::time::Duration::from_millis(800));"


def problems_in(nb):
    """Everything wrong with an executed notebook's outputs."""
    found = []
    for index, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                found.append(f"cell {index}: error {out.get('ename')}: {out.get('evalue')}")
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                for line in out.get("text", "").splitlines():
                    if line.strip() and not line.startswith(ALLOWED_STDERR_PREFIXES):
                        found.append(f"cell {index}: stderr: {line}")
    return found


def outputs_of(nb):
    html = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if "text/html" in data:
                html.append(data["text/html"] if isinstance(data["text/html"], str) else "".join(data["text/html"]))
    return "\n".join(html)


def cell_seconds(cell):
    """Wall time of one executed cell, from nbclient's timing metadata."""
    timing = cell.get("metadata", {}).get("execution", {})
    start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
    if not (start and end):
        return None
    parse = lambda s: datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))
    return (parse(end) - parse(start)).total_seconds()


def run(path, save_dir=None):
    nb = nbformat.read(path, as_version=4)
    meta = nb.metadata.get("ablate", {})
    must_fail = bool(meta.get("must_fail"))
    nb.cells.append(nbformat.v4.new_code_cell(FLUSH_CELL))
    client = NotebookClient(
        nb,
        kernel_name=KERNEL,
        timeout=int(meta.get("cell_timeout", 900)),
        startup_timeout=600,
        allow_errors=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    started = time.monotonic()
    problems = []
    try:
        client.execute()
    except (CellExecutionError, DeadKernelError, RuntimeError) as e:
        first = str(e).strip().splitlines()
        problems.append("execution failed: " + (first[-1] if first else type(e).__name__))
    problems += problems_in(nb)
    html = outputs_of(nb)
    if not problems:
        for expected in meta.get("expect", []):
            marker = {"table": "<table", "chart": "<svg"}[expected]
            if marker not in html:
                problems.append(f"expected a {expected} in the outputs, found none")
    seconds = time.monotonic() - started
    passed = bool(problems) if must_fail else not problems
    timings = [(i, cell_seconds(c)) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    slowest = sorted((t for t in timings if t[1] is not None), key=lambda t: -t[1])[:3]
    if save_dir is not None:
        nb.cells.pop()  # the flush cell
        save_dir.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, save_dir / path.name)
    return passed, seconds, problems, must_fail, slowest


def main(args):
    save_dir = None
    if args[:1] == ["--save"]:
        save_dir, args = pathlib.Path(args[1]), args[2:]
    paths = []
    for arg in args:
        p = pathlib.Path(arg)
        paths += sorted(p.glob("*.ipynb")) if p.is_dir() else [p]
    passed = failed = 0
    for path in paths:
        ok, seconds, problems, must_fail, slowest = run(path, save_dir)
        expectation = " (expected to fail)" if must_fail else ""
        cells = ", ".join(f"cell {i}: {s:.1f} s" for i, s in slowest)
        print(f"{'PASS' if ok else 'FAIL'} {path} {seconds:.1f} s{expectation} (slowest {cells})", flush=True)
        if not ok:
            failed += 1
            for p in problems[:20] or ["it ran without any failure"]:
                print(f"    {p}", flush=True)
        else:
            passed += 1
            if must_fail:
                print(f"    caught: {problems[0]}", flush=True)
    print(f"notebooks: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
