"""The tally the PyTorch checkers share: `check(name, ok, detail)` prints one "ok"/"FAIL"
line, and `summary()` prints "N passed, N failed" (what tests/pytorch/run.sh counts) and
returns the exit status."""

_tally = {"passed": 0, "failed": 0}


def check(name, ok, detail=""):
    """Counts and prints one check."""
    _tally["passed" if ok else "failed"] += 1
    print(f"{'ok  ' if ok else 'FAIL'} {name}{': ' + detail if detail else ''}", flush=True)


def summary():
    """Prints "N passed, N failed"; returns 1 when a check failed, else 0."""
    print(f"{_tally['passed']} passed, {_tally['failed']} failed")
    return 1 if _tally["failed"] else 0
