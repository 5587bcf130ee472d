"""ablate_trial: the optional helper for Python training scripts run as ablate command trials.

ablate runs a study's command once per (configuration, seed) and talks to it through a small
protocol that needs no library at all: the trial arrives in environment variables and the
metrics go back as JSON. This module wraps it in a few functions (standard library only;
copy the file next to your script or ``pip install ./python``)::

    import ablate_trial as ab

    p = ab.params(defaults={"lr": 0.1, "layer_norm": True})   # ABLATE_PARAMS, or defaults by hand
    rng = random.Random(ab.seed(default=0))                    # ABLATE_SEED
    for epoch in range(10):
        ...
        ab.report(epoch, val_loss=val_loss)                    # a point of the learning curve
    ab.result(accuracy=acc, loss=loss)                         # the trial's metrics

The protocol, for scripts that do without this module:

- ``ABLATE_PARAMS``: the configuration as a JSON object (``{"lr": 0.01, "batch": 64,
  "layer_norm": true}``; components are booleans, ``true`` = enabled);
- ``ABLATE_SEED`` (an integer below 2**32), ``ABLATE_REPLICATE``, ``ABLATE_TRIAL_ID``;
- ``ABLATE_TRIAL_DIR``: a directory of the trial's own, for checkpoints and logs;
- ``ABLATE_RESULT_FILE``: write one JSON object of metrics there (to a temporary name in the
  same directory, then rename), or print a last stdout line ``ABLATE_RESULT {...}``;
- stdout lines ``ABLATE_REPORT {"step": 100, "val_loss": 0.42}`` are intermediate values;
- a non-zero exit code fails the trial (ablate quotes the end of stderr).
"""

import json
import math
import numbers
import os
import pathlib
import sys

__all__ = ["params", "seed", "replicate", "trial_id", "trial_dir", "report", "result", "under_ablate"]
__version__ = "0.1.0"

_MISSING = object()


def under_ablate():
    """Whether this process was started by ablate as a trial."""
    return "ABLATE_TRIAL_ID" in os.environ


def _require(name, default=_MISSING):
    value = os.environ.get(name)
    if value is not None:
        return value
    if default is not _MISSING:
        return default
    raise RuntimeError(
        f"{name} is not set: this script is meant to be run by ablate as a command trial "
        "(ablate run study.toml, or Study::command in a notebook). To run it by hand, pass "
        "defaults, e.g. params(defaults={...}) and seed(default=0)."
    )


def params(defaults=None):
    """The trial's configuration (a dict), from ABLATE_PARAMS.

    Outside ablate, returns a copy of ``defaults`` when given (else raises RuntimeError).
    Under ablate, ``defaults`` fill in only keys the study does not set.
    """
    raw = os.environ.get("ABLATE_PARAMS")
    if raw is None:
        if defaults is None:
            _require("ABLATE_PARAMS")
        return dict(defaults)
    try:
        config = json.loads(raw)
    except ValueError as e:
        raise RuntimeError(f"ABLATE_PARAMS is not valid JSON ({e}): {raw[:200]!r}") from None
    if not isinstance(config, dict):
        raise RuntimeError(f"ABLATE_PARAMS is not a JSON object: {raw[:200]!r}")
    merged = dict(defaults or {})
    merged.update(config)
    return merged


def _int_env(name, default):
    text = _require(name, default if default is None else str(default))
    try:
        return int(text)
    except (TypeError, ValueError):
        raise RuntimeError(f"{name} is not an integer: {text!r}") from None


def seed(default=_MISSING):
    """The seed to use for every random choice of the trial (data split, init, sampling)."""
    if default is _MISSING:
        return _int_env("ABLATE_SEED", _MISSING)
    return _int_env("ABLATE_SEED", default)


def replicate(default=_MISSING):
    """Which replicate (0-based) the seed is."""
    if default is _MISSING:
        return _int_env("ABLATE_REPLICATE", _MISSING)
    return _int_env("ABLATE_REPLICATE", default)


def trial_id(default=_MISSING):
    """The trial's stable id (32 hex digits)."""
    return _require("ABLATE_TRIAL_ID", default)


def trial_dir(default="."):
    """The trial's own directory (checkpoints, logs); ``default`` outside ablate."""
    path = pathlib.Path(_require("ABLATE_TRIAL_DIR", default))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _checked(metrics, what):
    clean = {}
    for name, value in metrics.items():
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ValueError(f"{what} `{name}` is {value!r}, not a real number")
        value = float(value)
        if not math.isfinite(value):
            raise ValueError(f"{what} `{name}` is {value}: metrics must be finite (did training diverge?)")
        clean[name] = value
    return clean


def report(step, **metrics):
    """Records intermediate values at a training step (a point of the learning curve)."""
    if isinstance(step, bool) or not isinstance(step, numbers.Integral):
        raise ValueError(f"step must be an integer, not {step!r}")
    line = {"step": int(step)}
    line.update(_checked(metrics, "reported value"))
    sys.stdout.write("ABLATE_REPORT " + json.dumps(line) + "\n")
    sys.stdout.flush()


def result(**metrics):
    """Hands the trial's final metrics to ablate: written atomically to ABLATE_RESULT_FILE,
    or, outside ablate, printed as an ``ABLATE_RESULT`` line."""
    if not metrics:
        raise ValueError("result() needs at least one metric, e.g. result(accuracy=0.91)")
    clean = _checked(metrics, "metric")
    path = os.environ.get("ABLATE_RESULT_FILE")
    if not path:
        sys.stdout.write("ABLATE_RESULT " + json.dumps(clean) + "\n")
        sys.stdout.flush()
        return
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w") as f:
        json.dump(clean, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
