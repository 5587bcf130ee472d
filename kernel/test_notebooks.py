"""Executes notebooks headless through the ablate-rust-test kernel and checks them.

A notebook passes when every cell ran without an error reply, no cell wrote anything to
stderr except ablate's own warnings (progress belongs on stdout), and the notebook produced the outputs its
metadata expects (`metadata.ablate.expect`: "table" and/or "chart" -> an HTML table / an
chart image, an SVG embedded as a data URI). Notebooks whose metadata says `"needs": ["slurm"]` are skipped, saying so, when no
Slurm answers (unless ABLATE_REQUIRE_SLURM=1). Notebooks whose metadata says `"ablate": {"must_fail": true}` pass when they
FAIL: the harness's own self-tests (a panic, a `?` error) and the unsolved exercises.

Why not plain nbclient: evcxr reports a `?` error at top level only as stderr text, and
forwards stderr asynchronously, parented to the request it belongs to. A line that arrives
after its cell finished is dropped by nbclient (which listens only for the current cell),
so a failing cell could pass. This runner talks to the kernel with jupyter_client, keeps
listening for a quiet period after every cell, and accepts late output of earlier cells.

Usage: test_notebooks.py [--save DIR] NOTEBOOK_OR_DIR...   Prints one line per notebook with
its time and slowest cells, and a closing `N passed, N failed` line; exits 1 if any failed.
With --save, the executed notebooks are written to DIR (for nbconvert to HTML).
"""
import os
import re
import pathlib
import queue
import subprocess
import sys
import time

import nbformat
from jupyter_client.manager import start_new_kernel

KERNEL = "ablate-rust-test"
# ablate's warnings (a failed trial, a damaged journal) may reach stderr; its progress may
# not: in a notebook it goes to stdout (Jupyter paints stderr as an error).
ALLOWED_STDERR_PREFIXES = ("ablate: ",)
PROGRESS_ON_STDERR = re.compile(r"trials? done|\d+ queued, \d+ running")
QUIET_SECONDS = 0.5  # how long a cell's output must be silent before the next cell starts
FINAL_QUIET_SECONDS = 1.5


def output_from(msg):
    """The nbformat output of one iopub message, or None."""
    kind, content = msg["msg_type"], msg["content"]
    if kind == "stream":
        return nbformat.v4.new_output("stream", name=content["name"], text=content["text"])
    if kind in ("execute_result", "display_data"):
        out = nbformat.v4.new_output(kind, data=content.get("data", {}), metadata=content.get("metadata", {}))
        if kind == "execute_result":
            out.execution_count = content.get("execution_count")
        return out
    if kind == "error":
        return nbformat.v4.new_output("error", ename=content["ename"], evalue=content["evalue"], traceback=content.get("traceback", []))
    return None


class Runner:
    """One kernel; executes cells one at a time and files every output under its cell."""

    def __init__(self, cwd):
        self.km, self.kc = start_new_kernel(kernel_name=KERNEL, cwd=str(cwd), startup_timeout=600)
        self.cells_by_msg = {}

    def close(self):
        try:
            self.kc.stop_channels()
        finally:
            self.km.shutdown_kernel(now=True)

    def drain(self, quiet, until_idle_of=None, deadline=None):
        """Reads iopub until `until_idle_of` went idle (if given) and then `quiet` s of silence."""
        idle = until_idle_of is None
        last = time.monotonic()
        while True:
            now = time.monotonic()
            if deadline is not None and now > deadline:
                raise TimeoutError("cell timed out")
            if idle and now - last >= quiet:
                return
            try:
                msg = self.kc.get_iopub_msg(timeout=0.1)
            except queue.Empty:
                continue
            last = time.monotonic()
            parent = msg.get("parent_header", {}).get("msg_id")
            if msg["msg_type"] == "status" and msg["content"].get("execution_state") == "idle" and parent == until_idle_of:
                idle = True
                continue
            cell = self.cells_by_msg.get(parent)
            out = output_from(msg)
            if cell is not None and out is not None:
                cell.outputs.append(out)

    def execute(self, cell, timeout):
        cell.outputs = []
        started = time.monotonic()
        msg_id = self.kc.execute(cell.source, store_history=True, allow_stdin=False)
        self.cells_by_msg[msg_id] = cell
        deadline = started + timeout
        while True:
            reply = self.kc.get_shell_msg(timeout=max(1.0, deadline - time.monotonic()))
            if reply.get("parent_header", {}).get("msg_id") == msg_id:
                break
        self.drain(QUIET_SECONDS, until_idle_of=msg_id, deadline=deadline + 30)
        cell.execution_count = reply["content"].get("execution_count")
        return reply["content"].get("status"), time.monotonic() - started


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
                    elif PROGRESS_ON_STDERR.search(line):
                        found.append(f"cell {index}: progress on stderr (belongs on stdout in a notebook): {line}")
    return found


def html_of(nb):
    html = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if "text/html" in data:
                value = data["text/html"]
                html.append(value if isinstance(value, str) else "".join(value))
    return "\n".join(html)


def run(path, save_dir=None):
    nb = nbformat.read(path, as_version=4)
    meta = nb.metadata.get("ablate", {})
    must_fail = bool(meta.get("must_fail"))
    timeout = int(meta.get("cell_timeout", 900))
    started = time.monotonic()
    problems, timings = [], []
    runner = Runner(path.parent)
    try:
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            status, seconds = runner.execute(cell, timeout)
            timings.append((index, seconds))
            if status != "ok":
                problems.append(f"cell {index}: the kernel replied {status}")
                break
        runner.drain(FINAL_QUIET_SECONDS)
    except (TimeoutError, RuntimeError, queue.Empty) as e:
        problems.append(f"execution failed: {e or type(e).__name__}")
    finally:
        runner.close()
    problems += problems_in(nb)
    if not problems:
        html = html_of(nb)
        for expected in meta.get("expect", []):
            marker = {"table": "<table", "chart": "data:image/svg+xml;base64,"}[expected]
            if marker not in html:
                problems.append(f"expected a {expected} in the outputs, found none")
    seconds = time.monotonic() - started
    passed = bool(problems) if must_fail else not problems
    slowest = sorted(timings, key=lambda t: -t[1])[:3]
    if save_dir is not None:
        save_dir.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, save_dir / path.name)
    return passed, seconds, problems, must_fail, slowest


def skip_reason(path):
    """Why a notebook cannot run here (`metadata.ablate.needs`: ["slurm"]), or None.

    With ABLATE_REQUIRE_SLURM=1 (CI), a missing Slurm is not a reason: the notebook runs and
    fails."""
    needs = nbformat.read(path, as_version=4).metadata.get("ablate", {}).get("needs", [])
    if "slurm" in needs and os.environ.get("ABLATE_REQUIRE_SLURM") != "1":
        try:
            up = subprocess.run(["sinfo", "-h", "-o", "%T"], capture_output=True, timeout=10).stdout.strip() != b""
        except (OSError, subprocess.TimeoutExpired):
            up = False
        if not up:
            return "needs a Slurm (sinfo does not answer; tests/slurm/slurm-up.sh starts one)"
    return None


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
        reason = skip_reason(path)
        if reason:
            print(f"SKIP {path}: {reason}", flush=True)
            continue
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
