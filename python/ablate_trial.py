"""ablate_trial: the optional helper for Python training scripts run as ablate command trials.

ablate runs a study's command once per (configuration, seed), as a child process started
directly (never through a shell), and talks to it through a small protocol that needs no
library at all. This module wraps that protocol in a few functions. It uses the standard
library only (Python 3.8 or newer): copy this file next to your script, or
``pip install ./python`` from the ablate repository::

    import random
    import ablate_trial as ab

    p = ab.params(defaults={"lr": 0.1, "layer_norm": True})   # ABLATE_PARAMS (defaults: by hand)
    rng = random.Random(ab.seed(default=0))                    # ABLATE_SEED
    for step in range(1, 11):
        ...
        ab.report(step, val_loss=val_loss)                     # a point of the learning curve
    ab.result(accuracy=acc, loss=loss)                         # the trial's metrics

The protocol, for scripts (in any language) that do without this module:

- ``ABLATE_PARAMS``: the configuration as a plain JSON object, e.g. ``{"lr": 0.01,
  "batch": 64, "dropout": true, "optimizer": "adam"}``; a component is a boolean, ``true``
  meaning enabled;
- ``ABLATE_SEED`` (an integer below 2**32), ``ABLATE_REPLICATE`` (0, 1, ...: which repetition
  of the configuration), ``ABLATE_TRIAL_ID`` (32 hex digits);
- ``ABLATE_TRIAL_DIR``: an existing directory of the trial's own, for checkpoints and logs;
- ``ABLATE_RESULT_FILE``: where to write one JSON object of numeric metrics (to a temporary
  name in the same directory, then renamed, so ablate never reads half a file); or instead
  print a stdout line ``ABLATE_RESULT {"accuracy": 0.91}`` (the last such line counts);
- stdout lines ``ABLATE_REPORT {"step": 100, "val_loss": 0.42}`` are intermediate values
  (``step`` is an integer);
- ``ABLATE_RESUME_FROM`` (multi-fidelity runs): the trial directory of the same
  configuration and seed at the previous rung (fewer epochs). A script that finds its
  checkpoint there continues from it and prints ``ABLATE_RESUMED {"from": "<that dir>"}``, so
  ablate counts only the new epochs; otherwise it trains from scratch (the record says which);
- a non-zero exit code fails the trial, and ablate quotes the end of its stderr.

The same values can also reach the script as command-line arguments through the study's
argv template (``["python3", "train.py", "--lr", "{lr}", "--seed", "{seed}"]``).
"""

import json
import math
import numbers
import os
import pathlib
import signal
import sys
import tempfile

__all__ = [
    "NotRunByAblate",
    "params",
    "seed",
    "replicate",
    "trial_id",
    "trial_dir",
    "report",
    "result",
    "under_ablate",
    "on_stop",
    "devices",
    "checkpoint_dir",
    "resume_from",
]
__version__ = "0.1.0"

RESULT_PREFIX = "ABLATE_RESULT "
REPORT_PREFIX = "ABLATE_REPORT "
RESUMED_PREFIX = "ABLATE_RESUMED "

_MISSING = object()


class NotRunByAblate(RuntimeError):
    """An ``ABLATE_*`` variable the script asked for is not set (or not valid)."""


def under_ablate():
    """Whether this process was started by ablate as a trial."""
    return "ABLATE_TRIAL_ID" in os.environ


def _missing(name, how_by_hand):
    return NotRunByAblate(
        f"{name} is not set: this script is meant to be run by ablate as a command trial "
        "(Study::command(...).run_command() in a notebook, or `ablate run study.toml`). "
        f"To run it by hand, give defaults: {how_by_hand}."
    )


def params(defaults=None):
    """The trial's configuration as a dict, parsed from ``ABLATE_PARAMS``.

    Floats arrive as floats, integers as ints, categorical values as strings and components
    as booleans (``True`` = enabled). Outside ablate (``ABLATE_PARAMS`` unset) this returns
    a copy of ``defaults``, or raises :class:`NotRunByAblate` when no defaults are given.
    Under ablate, ``defaults`` fill in the keys the study does not set.
    """
    raw = os.environ.get("ABLATE_PARAMS")
    if raw is None:
        if defaults is None:
            raise _missing("ABLATE_PARAMS", "params(defaults={...}) and seed(default=0)")
        return dict(defaults)
    try:
        config = json.loads(raw)
    except ValueError as e:
        raise NotRunByAblate(f"ABLATE_PARAMS is not valid JSON ({e}): {raw[:200]!r}") from None
    if not isinstance(config, dict):
        raise NotRunByAblate(f"ABLATE_PARAMS is not a JSON object: {raw[:200]!r}")
    merged = dict(defaults or {})
    merged.update(config)
    return merged


def _int_var(name, default, low, high, why=""):
    raw = os.environ.get(name)
    if raw is None:
        if default is _MISSING:
            lower = name[len("ABLATE_"):].lower()
            raise _missing(name, f"{lower}(default=0)")
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise NotRunByAblate(f"{name} is not an integer: {raw!r}") from None
    if not low <= value < high:
        raise NotRunByAblate(f"{name} is {value}, outside [{low}, {high}){why}")
    return value


def seed(default=_MISSING):
    """The trial's seed (an integer below 2**32), from ``ABLATE_SEED``.

    Use it for every random choice of the trial: the data split, the initialisation, the
    order of examples. Outside ablate, returns ``default`` (raises when none is given).
    """
    return _int_var(
        "ABLATE_SEED", default, 0, 2**32,
        ": the protocol's seeds are below 2**32, the most numpy and scikit-learn accept; give the study smaller seeds",
    )


def replicate(default=_MISSING):
    """Which repetition of the configuration this trial is (0-based), from
    ``ABLATE_REPLICATE``. Outside ablate, returns ``default`` (raises when none is given)."""
    return _int_var("ABLATE_REPLICATE", default, 0, 2**63)


def trial_id(default=_MISSING):
    """The trial's stable id (32 hex digits), from ``ABLATE_TRIAL_ID``. Outside ablate,
    returns ``default`` (raises when none is given)."""
    value = os.environ.get("ABLATE_TRIAL_ID")
    if value is None:
        if default is _MISSING:
            raise _missing("ABLATE_TRIAL_ID", "trial_id(default='manual')")
        return default
    return value


def trial_dir(default=_MISSING):
    """The trial's own directory (a :class:`pathlib.Path`) for checkpoints and logs, from
    ``ABLATE_TRIAL_DIR``; ablate creates it. Outside ablate, ``default`` is created if
    needed and returned (raises when no default is given)."""
    value = os.environ.get("ABLATE_TRIAL_DIR")
    if value is None:
        if default is _MISSING:
            raise _missing("ABLATE_TRIAL_DIR", "trial_dir(default='checkpoints')")
        path = pathlib.Path(default)
        path.mkdir(parents=True, exist_ok=True)
        return path
    return pathlib.Path(value)


def _number(what, name, value):
    """``value`` as a finite float, or a ValueError that names it."""
    is_bool_array = getattr(getattr(value, "dtype", None), "kind", None) == "b"  # numpy.bool_
    if isinstance(value, (bool, str, bytes)) or value is None or is_bool_array:
        raise ValueError(f"{what} `{name}` is {value!r}, not a real number")
    if isinstance(value, numbers.Complex) and not isinstance(value, numbers.Real):
        raise ValueError(f"{what} `{name}` is {value!r}, a complex number, not a real number")
    if not isinstance(value, numbers.Real) and not hasattr(value, "__float__"):
        raise ValueError(f"{what} `{name}` is {value!r} ({type(value).__name__}), not a real number")
    try:
        number = float(value)  # also numpy scalars, 0-d arrays and one-element tensors
    except (TypeError, ValueError, OverflowError) as e:
        raise ValueError(f"{what} `{name}` is {value!r}, not a single real number ({e})") from None
    if not math.isfinite(number):
        raise ValueError(f"{what} `{name}` is {number}: {what}s must be finite numbers (did training diverge?)")
    return number


def _checked(what, mapping, metrics):
    merged = {}
    if mapping is not None:
        if not hasattr(mapping, "items"):
            raise ValueError(f"expected a dict of {what}s, not {mapping!r}")
        merged.update(mapping)
    merged.update(metrics)
    clean = {}
    for name, value in merged.items():
        if not isinstance(name, str) or not name:
            raise ValueError(f"{what} names must be non-empty strings, not {name!r}")
        clean[name] = _number(what, name, value)
    return clean


def _print_line(prefix, values):
    sys.stdout.write(prefix + json.dumps(values, allow_nan=False) + "\n")
    sys.stdout.flush()


def report(step, _values=None, /, **values):
    """Records intermediate values at an integer ``step`` (a point of the learning curve):
    prints ``ABLATE_REPORT {"step": ..., ...}`` and flushes stdout.

    ``report(100, val_loss=0.42)``; names that are not Python identifiers go in a dict:
    ``report(100, {"val/loss": 0.42})``. Values must be finite real numbers (ValueError).
    """
    if isinstance(step, bool) or not isinstance(step, numbers.Integral):
        raise ValueError(f"report step must be an integer (an epoch, an iteration), not {step!r}")
    clean = _checked("reported value", _values, values)
    if not clean:
        raise ValueError("report() needs at least one value, e.g. report(step, val_loss=0.42)")
    if "step" in clean:
        raise ValueError("`step` is the report's first argument, not one of its values")
    line = {"step": int(step)}
    line.update(clean)
    _print_line(REPORT_PREFIX, line)


def result(_metrics=None, /, **metrics):
    """Hands the trial's final metrics to ablate.

    ``result(accuracy=0.91, loss=0.27)``; names that are not Python identifiers go in a
    dict: ``result({"val/acc": 0.9})``. Values must be finite real numbers (ValueError
    otherwise, before anything is written). Under ablate the metrics are written to
    ``ABLATE_RESULT_FILE`` atomically (a temporary file in the same directory, flushed to
    disk, then renamed over it); without that variable they are printed as a stdout line
    ``ABLATE_RESULT {...}``. Call it once, at the end: a later call replaces the result.
    Returns the metrics as floats.
    """
    clean = _checked("metric", _metrics, metrics)
    if not clean:
        raise ValueError("result() needs at least one metric, e.g. result(accuracy=0.91)")
    path = os.environ.get("ABLATE_RESULT_FILE")
    if not path:
        _print_line(RESULT_PREFIX, clean)
        return clean
    text = json.dumps(clean, allow_nan=False)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            os.fchmod(f.fileno(), 0o644)  # mkstemp's 0600 would hide it from a shared group
            f.write(text + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return clean


def devices():
    """The GPUs ablate gave this trial (``ABLATE_DEVICES``, e.g. ``["0", "1"]``; empty when
    the study asks for none). They are also this process's ``CUDA_VISIBLE_DEVICES``, so
    frameworks number them from 0: use ``cuda:0`` (and ``cuda:1`` for a second)."""
    return [d for d in os.environ.get("ABLATE_DEVICES", "").split(",") if d]


def on_stop(save):
    """Calls ``save()`` when ablate stops this trial (its timeout, Ctrl-C, a cancelled or
    time-limited Slurm task): ablate sends SIGTERM, waits the study's ``grace_s`` (default
    30 s), then SIGKILL. Save a checkpoint into ``trial_dir()`` in ``save``; the trial then
    exits with status 143, as a process stopped by SIGTERM does, and a later run resumes it
    from the checkpoint. SIGINT (Ctrl-C in a terminal) is handled the same way.
    """
    if not callable(save):
        raise TypeError("on_stop() needs a function to call, e.g. on_stop(lambda: torch.save(state, path))")

    def handler(signum, _frame):
        try:
            save()
        finally:
            sys.stdout.flush()
            os._exit(128 + signum)

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)



def checkpoint_dir():
    """Where this trial saves its checkpoints: its own directory (``ABLATE_TRIAL_DIR``, a
    :class:`pathlib.Path`). A checkpoint saved here survives a retry of the trial and a
    Slurm task requeued after preemption or a time limit: the rerun finds it with
    :func:`resume_from`. Outside ablate: ``./checkpoints`` (created)."""
    return trial_dir(default="checkpoints")


def resume_from(name):
    """The checkpoint file ``name`` this trial should continue from, or ``None`` (train from
    scratch):

    1. ``checkpoint_dir() / name`` when it exists: this same trial ran before and was stopped
       (a retry, a requeued Slurm task, a run resumed after Ctrl-C);
    2. else ``$ABLATE_RESUME_FROM / name`` when it exists: the same configuration and seed
       trained to the previous rung of a multi-fidelity run (fewer epochs). Then the line
       ``ABLATE_RESUMED {"from": ...}`` is printed, so ablate counts only the new epochs in
       the run's budget. Load it, never write into it: it belongs to the earlier trial.

    Save into ``checkpoint_dir()``, load what this returns, and store the epoch in the
    checkpoint so the script knows where to go on from.
    """
    if not isinstance(name, str) or not name or "/" in name or name in (".", ".."):
        raise ValueError(f"resume_from() needs a file name such as 'checkpoint.pt', not {name!r}")
    own = checkpoint_dir() / name
    if own.is_file():
        return own
    earlier = os.environ.get("ABLATE_RESUME_FROM")
    if not earlier:
        return None
    path = pathlib.Path(earlier) / name
    if not path.is_file():
        return None
    sys.stdout.write(RESUMED_PREFIX + json.dumps({"from": earlier}) + "\n")
    sys.stdout.flush()
    return path
