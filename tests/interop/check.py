"""Reads ablate's TensorBoard and MLflow exports with the real tools and compares every
trial with the run directory (spec.json, results.csv, journal.jsonl).

TensorBoard: a real `tensorboard` server on 127.0.0.1, once with its Python loader
(--load_fast=false) and once with its Rust data server (--load_fast=true), asked through the
HParams plugin's HTTP API (/experiment, /session_groups) and the scalars plugin's (the
learning curves). MLflow: `MlflowClient` on the file store (search_experiments,
search_runs, get_metric_history).

Usage: python check.py RUN_DIR TB_DIR MLFLOW_DIR   (prints "N passed, N failed")
"""

import csv
import datetime
import json
import math
import os
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path


class Checks:
    def __init__(self):
        self.passed = 0
        self.failures = []

    def eq(self, what, got, want):
        if got == want:
            self.passed += 1
        else:
            self.failures.append(f"{what}: got {got!r}, want {want!r}")

    def true(self, what, ok):
        self.eq(what, bool(ok), True)


def f32(x):
    """x rounded to float32, as TensorBoard stores scalars."""
    return struct.unpack("f", struct.pack("f", x))[0]


def ms(rfc3339):
    t = datetime.datetime.strptime(rfc3339, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
    return round(t.timestamp() * 1000)


class Study:
    """What the run directory says: the spec, one CSV row per trial, each trial's record."""

    def __init__(self, run_dir):
        run_dir = Path(run_dir)
        self.spec = json.loads((run_dir / "spec.json").read_text())
        self.params = {p["name"]: p["type"] for p in self.spec["param"]}
        self.metrics = [m["name"] for m in self.spec["metric"]]
        with open(run_dir / "results.csv", newline="") as f:
            self.rows = list(csv.DictReader(f))
        records = {}
        for line in (run_dir / "journal.jsonl").read_text().splitlines()[1:]:
            record = json.loads(line.split(" ", 1)[1])
            records[(record["id"], record["attempt"])] = record
        for row in self.rows:
            row["record"] = records[(row["trial_id"], int(row["attempt"]))]
            row["start_ms"] = ms(row["started_at"])
            row["end_ms"] = row["start_ms"] + math.floor(float(row["duration_s"]) * 1000 + 0.5)
            reports = row["record"].get("reports", [])
            row["final_step"] = max((r["step"] for r in reports), default=0)
            row["curves"] = {}
            for r in reports:
                for name, value in r["values"]:
                    row["curves"].setdefault(name, []).append((r["step"], value))

    def value(self, row, param):
        """A parameter's value in a CSV row, typed as the study declares it."""
        text, kind = row[param], self.params[param]
        if kind in ("float", "int"):
            return float(text)
        if kind in ("bool", "component"):
            return {"true": True, "false": False}[text]
        return text


# ---- TensorBoard ---------------------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(url, body):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json", "X-XSRF-Protected": "1"})
    with urllib.request.urlopen(request, timeout=30) as r:
        return json.loads(r.read())


def get(url):
    with urllib.request.urlopen(url, timeout=30) as r:
        return json.loads(r.read())


ALL_STATUSES = ["STATUS_UNKNOWN", "STATUS_SUCCESS", "STATUS_FAILURE", "STATUS_RUNNING"]
HPARAM_TYPES = {"float": "DATA_TYPE_FLOAT64", "int": "DATA_TYPE_FLOAT64", "categorical": "DATA_TYPE_STRING", "bool": "DATA_TYPE_BOOL", "component": "DATA_TYPE_BOOL"}


def check_tensorboard(study, tb_dir, load_fast, checks):
    mode = f"tensorboard load_fast={load_fast}"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tempfile.NamedTemporaryFile(prefix="ablate-interop-tb-", suffix=".log", delete=False)
    argv = [str(Path(sys.executable).with_name("tensorboard")), "--logdir", str(Path(tb_dir).resolve()), "--host", "127.0.0.1", "--port", str(port), f"--load_fast={load_fast}", "--reload_interval", "1"]
    if load_fast == "true":
        # The Rust data server checks record CRCs only when a record fails to parse, unless
        # told to check them all.
        argv.append("--extra_data_server_flags=--checksum")
    server = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
    try:
        groups = wait_for_sessions(base, len(study.rows), server)
        if groups is None:
            checks.true(f"{mode}: all {len(study.rows)} sessions load (log: {log.name})", False)
            return
        experiment = post(f"{base}/data/plugin/hparams/experiment", {"experimentName": ""})
        check_experiment(study, experiment, mode, checks)
        sessions = {}
        for group in groups:
            for session in group["sessions"]:
                sessions[session["name"]] = (group, session)
        checks.eq(f"{mode}: number of sessions", len(sessions), len(study.rows))
        labels = sorted({row["config"] for row in study.rows})
        checks.eq(f"{mode}: session groups are the config labels", sorted(g["name"] for g in groups), labels)
        for row in study.rows:
            check_session(study, row, sessions, base, mode, checks)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    os.unlink(log.name)


def wait_for_sessions(base, count, server):
    """The session groups once TensorBoard has loaded `count` sessions (None after 30 s)."""
    request = {"experimentName": "", "allowedStatuses": ALL_STATUSES, "startIndex": 0, "sliceSize": 100000}
    deadline = time.time() + 30
    while time.time() < deadline and server.poll() is None:
        try:
            response = post(f"{base}/data/plugin/hparams/session_groups", request)
            groups = response.get("sessionGroups", [])
            sessions = [s for g in groups for s in g["sessions"]]
            # Loaded runs may lack their scalars for a moment: wait until every successful
            # session shows its metrics too.
            if len(sessions) >= count and all(s.get("metricValues") for s in sessions if s.get("status") == "STATUS_SUCCESS"):
                return groups
        except (urllib.error.URLError, ConnectionError):
            pass
        time.sleep(0.5)
    return None


def check_experiment(study, experiment, mode, checks):
    infos = {h["name"]: h for h in experiment.get("hparamInfos", [])}
    checks.eq(f"{mode}: hparam names", sorted(infos), sorted(study.params))
    checks.eq(f"{mode}: experiment name", experiment.get("name"), study.spec["name"])
    for name, kind in study.params.items():
        info = infos.get(name, {})
        checks.eq(f"{mode}: type of {name}", info.get("type"), HPARAM_TYPES[kind])
        used = {study.value(row, name) for row in study.rows}
        if "domainDiscrete" in info:
            domain = set(info["domainDiscrete"])
            checks.true(f"{mode}: values of {name} {sorted(used, key=str)} lie in its discrete domain {sorted(domain, key=str)}", used <= domain)
        else:
            interval = info.get("domainInterval", {})
            low, high = interval.get("minValue"), interval.get("maxValue")
            checks.true(f"{mode}: values of {name} lie in its interval [{low}, {high}]", low is not None and all(low <= v <= high for v in used))
    tags = [m["name"]["tag"] for m in experiment.get("metricInfos", [])]
    checks.eq(f"{mode}: metric infos", tags, study.metrics)


def check_session(study, row, sessions, base, mode, checks):
    what = f"{mode}: trial {row['trial_id']} ({row['config']}, replicate {row['replicate']})"
    # Session (run) names are "<config index>-<label as a file name>-r<replicate>".
    found = [(g, s) for name, (g, s) in sessions.items() if g["name"] == row["config"] and int(name.rsplit("-r", 1)[-1]) == int(row["replicate"])]
    checks.eq(f"{what}: one session", len(found), 1)
    if len(found) != 1:
        return
    group, session = found[0]
    want_status = "STATUS_SUCCESS" if row["status"] == "ok" else "STATUS_FAILURE"
    checks.eq(f"{what}: status", session.get("status"), want_status)
    checks.eq(f"{what}: start time", round(session.get("startTimeSecs", 0) * 1000), row["start_ms"])
    checks.eq(f"{what}: end time", round(session.get("endTimeSecs", 0) * 1000), row["end_ms"])
    for name in study.params:
        checks.eq(f"{what}: hparam {name}", group["hparams"].get(name), study.value(row, name))
    metrics = {m["name"]["tag"]: m for m in session.get("metricValues", [])}
    if row["status"] == "ok":
        for name in study.metrics:
            got = metrics.get(name, {})
            checks.eq(f"{what}: {name} (float32)", got.get("value"), f32(float(row[name])))
            checks.eq(f"{what}: {name} step", got.get("trainingStep", 0), row["final_step"])
    else:
        checks.eq(f"{what}: a failed trial has no metrics", sorted(metrics), [])
    for curve, points in row["curves"].items():
        query = urllib.parse.urlencode({"run": session["name"], "tag": f"curve/{curve}"})
        got = [(step, value) for _, step, value in get(f"{base}/data/plugin/scalars/scalars?{query}")]
        checks.eq(f"{what}: curve/{curve}", got, [(step, f32(value)) for step, value in points])


def check_session_files(study, tb_dir, checks):
    """Every session's own start and end info, read from its event file by TensorBoard's
    Python reader (which checks each record's CRCs) and parsed by the HParams plugin (the
    HTTP API shows a group's hparams from its first session only)."""
    from tensorboard.backend.event_processing.event_file_loader import EventFileLoader
    from tensorboard.plugins.hparams import metadata

    found = {}
    for path in sorted(Path(tb_dir).glob("*/events.out.tfevents.*")):
        values = {v.tag: v for event in EventFileLoader(str(path)).Load() for v in event.summary.value}
        try:
            start = metadata.parse_session_start_info_plugin_data(values[metadata.SESSION_START_INFO_TAG].metadata.plugin_data.content)
            end = metadata.parse_session_end_info_plugin_data(values[metadata.SESSION_END_INFO_TAG].metadata.plugin_data.content)
        except Exception as e:  # a missing or unreadable record: reported as a failed check
            checks.true(f"tensorboard reader: {path} has a session start and end info ({e!r})", False)
            continue
        replicate = int(path.parent.name.rsplit("-r", 1)[-1])
        found[(start.group_name, replicate)] = (start, end)
    checks.eq("tensorboard reader: sessions on disk", len(found), len(study.rows))
    for row in study.rows:
        what = f"tensorboard reader: trial {row['trial_id']} ({row['config']}, replicate {row['replicate']})"
        start, end = found.get((row["config"], int(row["replicate"])), (None, None))
        if start is None:
            checks.true(f"{what}: its session exists", False)
            continue
        hparams = {k: v.WhichOneof("kind") and getattr(v, v.WhichOneof("kind")) for k, v in start.hparams.items()}
        checks.eq(f"{what}: hparams", hparams, {name: study.value(row, name) for name in study.params})
        checks.eq(f"{what}: end status", end.status, 1 if row["status"] == "ok" else 2)


# ---- MLflow --------------------------------------------------------------------------------

def check_mlflow(study, mlflow_dir, checks):
    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
    from mlflow.entities import ViewType
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=Path(mlflow_dir).resolve().as_uri())
    experiments = [e for e in client.search_experiments(view_type=ViewType.ALL) if e.name == study.spec["name"]]
    checks.eq("mlflow: one experiment named after the study", len(experiments), 1)
    if len(experiments) != 1:
        return
    exp = experiments[0]
    runs = {r.info.run_id: r for r in client.search_runs([exp.experiment_id], max_results=50000, run_view_type=ViewType.ALL)}
    checks.eq("mlflow: one run per trial", sorted(runs), sorted(row["trial_id"] for row in study.rows))
    failed = client.search_runs([exp.experiment_id], filter_string="attributes.status = 'FAILED'", max_results=50000)
    checks.eq("mlflow: search_runs for FAILED runs", sorted(r.info.run_id for r in failed), sorted(row["trial_id"] for row in study.rows if row["status"] == "failed"))
    best = max((row for row in study.rows if row["status"] == "ok"), key=lambda row: float(row[study.metrics[0]]))
    top = client.search_runs([exp.experiment_id], order_by=[f"metrics.{study.metrics[0]} DESC"], max_results=1)
    checks.eq("mlflow: search_runs ordered by the primary metric finds the best trial", [r.info.run_id for r in top], [best["trial_id"]])
    for row in study.rows:
        run = runs.get(row["trial_id"])
        what = f"mlflow: trial {row['trial_id']} ({row['config']}, replicate {row['replicate']})"
        if run is None:
            continue
        checks.eq(f"{what}: status", run.info.status, "FINISHED" if row["status"] == "ok" else "FAILED")
        checks.eq(f"{what}: start time", run.info.start_time, row["start_ms"])
        checks.eq(f"{what}: end time", run.info.end_time, row["end_ms"])
        checks.eq(f"{what}: run name", run.info.run_name, f"{row['config']} (seed {row['seed']})")
        params = run.data.params
        checks.eq(f"{what}: param names", sorted(params), sorted(study.params))
        for name in study.params:
            text = params.get(name)
            got = study.value({name: text}, name) if text is not None else None
            checks.eq(f"{what}: param {name}", got, study.value(row, name))
        if row["status"] == "ok":
            for name in study.metrics:
                checks.eq(f"{what}: metric {name}", run.data.metrics.get(name), float(row[name]))
        else:
            checks.eq(f"{what}: a failed trial has no final metrics", sorted(set(run.data.metrics) & set(study.metrics)), [])
        tags = run.data.tags
        for tag, want in [("ablate.config", row["config"]), ("ablate.seed", row["seed"]), ("ablate.replicate", row["replicate"]), ("ablate.status", row["status"]), ("ablate.trial_id", row["trial_id"]), ("ablate.error", row["error"] or None)]:
            checks.eq(f"{what}: tag {tag}", tags.get(tag), want)
        for curve, points in row["curves"].items():
            history = client.get_metric_history(run.info.run_id, f"curve/{curve}")
            checks.eq(f"{what}: curve/{curve}", [(m.step, m.value) for m in history], points)


def main():
    run_dir, tb_dir, mlflow_dir = sys.argv[1:4]
    study = Study(run_dir)
    checks = Checks()
    started = time.time()
    check_session_files(study, tb_dir, checks)
    for load_fast in ("false", "true"):
        check_tensorboard(study, tb_dir, load_fast, checks)
        print(f"interop: {len(study.rows)} trials checked through TensorBoard (load_fast={load_fast}) after {time.time() - started:.1f} s", flush=True)
    check_mlflow(study, mlflow_dir, checks)
    print(f"interop: {len(study.rows)} trials checked through MLflow after {time.time() - started:.1f} s")
    for failure in checks.failures[:40]:
        print(f"FAILED {failure}")
    if len(checks.failures) > 40:
        print(f"... and {len(checks.failures) - 40} more failures")
    print(f"{checks.passed} passed, {len(checks.failures)} failed")
    sys.exit(1 if checks.failures else 0)


if __name__ == "__main__":
    main()
