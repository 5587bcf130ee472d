//! Command trials: a real program (plain Python, no helper) run under the protocol —
//! argv templates without a shell, the environment, result file and stdout fallback,
//! reports, failures with stderr, timeouts that stop the process group, fingerprints.

use std::path::Path;

use ablate::prelude::*;

use crate::common::temp_dir;

/// A protocol script using nothing but `json`, `os` and `sys`.
const PLAIN: &str = r#"
import json, os, sys
params = json.loads(os.environ["ABLATE_PARAMS"])
trial_dir = os.environ["ABLATE_TRIAL_DIR"]
with open(os.path.join(trial_dir, "seen.json"), "w") as f:
    json.dump({"argv": sys.argv[1:], "params": params, "seed": os.environ["ABLATE_SEED"],
               "replicate": os.environ["ABLATE_REPLICATE"], "id": os.environ["ABLATE_TRIAL_ID"],
               "cwd": os.getcwd()}, f)
with open(os.path.join(os.path.dirname(trial_dir), "..", "executions.log"), "a") as f:
    f.write(os.environ["ABLATE_TRIAL_ID"] + "\n")
lr = params["lr"]
for step in (1, 2, 3):
    print("ABLATE_REPORT " + json.dumps({"step": step, "loss": lr * step}), flush=True)
score = 1.0 - abs(lr - 0.1) + int(os.environ["ABLATE_SEED"]) % 7 * 0.001
result = {"accuracy": score}
path = os.environ["ABLATE_RESULT_FILE"]
with open(path + ".tmp", "w") as f:
    json.dump(result, f)
os.replace(path + ".tmp", path)
"#;

fn write_script(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

fn study(name: &str, dir: &Path) -> Study {
    Study::new(name)
        .param(Param::float("lr", 0.1).log().levels([0.01, 0.1, 1.0]))
        .param(Param::categorical("note", ["plain", "; rm -rf ~", "$(reboot)"], "plain").levels(["; rm -rf ~", "$(reboot)"]))
        .seeds(2)
        .maximize("accuracy")
        .progress(ProgressMode::Off)
        .working_dir(dir)
        .run_dir(dir.join("run"))
}

fn seen(results: &Results, index: usize) -> serde_json::Value {
    let record = &results.records()[index];
    let path = results.run_dir().unwrap().join("trials").join(record.id.as_str()).join("seen.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn a_plain_script_gets_the_protocol_and_no_shell() {
    let dir = temp_dir("command-plain");
    write_script(&dir, "train.py", PLAIN);
    let results = study("plain", &dir)
        .command(["python3", "train.py", "--lr={lr}", "{note}", "--seed", "{seed}", "{{literal}}"])
        .run_command()
        .unwrap();
    assert!(results.failures().is_empty(), "{:?}", results.failures());
    assert_eq!(results.records().len(), 5 * 2);
    for (i, record) in results.records().iter().enumerate() {
        let seen = seen(&results, i);
        let note = record.config.get("note").unwrap().to_string();
        // Every value arrives as one literal argument: nothing was interpreted by a shell.
        let lr = serde_json::Number::from_f64(record.config.get("lr").unwrap().as_f64().unwrap()).unwrap().to_string();
        assert_eq!(seen["argv"], serde_json::json!([format!("--lr={lr}"), note, "--seed", record.seed.to_string(), "{literal}"]));
        assert_eq!(seen["seed"], record.seed.to_string());
        assert_eq!(seen["replicate"], record.replicate.to_string());
        assert_eq!(seen["id"], record.id.as_str());
        // ABLATE_PARAMS is a plain JSON object, not the journal's tagged encoding.
        assert_eq!(seen["params"]["note"], serde_json::json!(note));
        assert!(seen["params"]["lr"].is_f64());
        assert_eq!(std::path::Path::new(seen["cwd"].as_str().unwrap()), std::fs::canonicalize(&dir).unwrap());
        assert_eq!(record.reports.len(), 3);
        assert_eq!(record.reports[2].step, 3);
        assert!(record.code.is_some(), "the script's fingerprint is recorded");
    }
    assert!(!Path::new("; rm -rf ~").exists() && !dir.join("$(reboot)").exists());
    let executions = std::fs::read_to_string(dir.join("run/executions.log")).unwrap();
    assert_eq!(executions.lines().count(), 10);

    // Opening the run directory later gives the same results.
    let loaded = Results::load(dir.join("run")).unwrap();
    assert_eq!(loaded.records(), results.records());
    assert_eq!(loaded.summary().to_string(), results.summary().to_string());
}

#[test]
fn the_stdout_line_is_a_result_too() {
    let dir = temp_dir("command-stdout");
    write_script(&dir, "t.py", "print('noise')\nprint('ABLATE_RESULT {\"accuracy\": 0.5}')\nprint('ABLATE_RESULT {\"accuracy\": 0.75}')\n");
    let results = Study::new("stdout")
        .param(Param::int("n", 1).levels([1, 2]))
        .seeds(1)
        .maximize("accuracy")
        .progress(ProgressMode::Off)
        .command(["python3", "t.py"])
        .working_dir(&dir)
        .run_dir(dir.join("run"))
        .run_command()
        .unwrap();
    assert!(results.failures().is_empty(), "{:?}", results.failures());
    assert!(results.records().iter().all(|r| r.metrics.get("accuracy") == Some(0.75)), "the last line counts");
}

/// Runs `script` (as `t.py` in `dir`) as the one trial of a one-config study.
fn one_trial(name: &str, dir: &Path, script: &str, timeout_s: f64) -> Results {
    write_script(dir, "t.py", script);
    Study::new(name)
        .param(Param::int("n", 1))
        .seeds(1)
        .maximize("accuracy")
        .progress(ProgressMode::Off)
        .command(["python3", "t.py"])
        .working_dir(dir)
        .timeout_secs(timeout_s)
        .run_dir(dir.join("run"))
        .run_command()
        .unwrap()
}

fn failing(name: &str, script: &str) -> Vec<String> {
    let results = one_trial(name, &temp_dir(name), script, 1.0);
    results.failures().into_iter().map(|f| f.error).collect()
}

#[test]
fn failures_say_why_with_the_end_of_stderr() {
    let e = failing("exit", "import sys\nprint('loading data', file=sys.stderr)\nraise SystemExit('CUDA out of memory')\n");
    assert!(e[0].contains("exited with code 1") && e[0].contains("CUDA out of memory") && e[0].contains("loading data"), "{e:?}");
    let e = failing("no-result", "print('done')\n");
    assert!(e[0].contains("without a result") && e[0].contains("ABLATE_RESULT_FILE"), "{e:?}");
    let e = failing("nan", "print('ABLATE_RESULT {\"accuracy\": NaN}')\n");
    assert!(e[0].contains("non-finite") && e[0].contains("accuracy"), "{e:?}");
    let e = failing("undeclared", "print('ABLATE_RESULT {\"accuracy\": 0.5, \"f1\": 0.4}')\n");
    assert!(e[0].contains("`f1`") && e[0].contains("does not declare"), "{e:?}");
    let e = failing("bad-json", "print('ABLATE_RESULT {accuracy: 0.5}')\n");
    assert!(e[0].contains("not a JSON object"), "{e:?}");
    let e = failing("signal", "import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)\n");
    assert!(e[0].contains("signal 11"), "{e:?}");
}

#[test]
fn a_timeout_stops_the_whole_process_group() {
    let dir = temp_dir("timeout");
    // The script starts a grandchild that would outlive it, records its pid, then hangs.
    let script = r#"
import os, subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
with open(os.path.join(os.environ["ABLATE_TRIAL_DIR"], "grandchild.pid"), "w") as f:
    f.write(str(child.pid))
print("started", flush=True)
time.sleep(60)
"#;
    let started = std::time::Instant::now();
    let results = one_trial("timeout", &dir, script, 1.5);
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    let failure = &results.failures()[0];
    assert!(failure.error.contains("timed out after 1.5 s"), "{}", failure.error);
    let trial_dir = dir.join("run/trials").join(results.records()[0].id.as_str());
    let pid: i32 = std::fs::read_to_string(trial_dir.join("grandchild.pid")).unwrap().trim().parse().unwrap();
    // Give the kernel a moment to reap, then the grandchild must be gone.
    let mut alive = true;
    for _ in 0..50 {
        let state = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok();
        alive = state.is_some_and(|s| !s.contains(") Z "));
        if !alive {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(!alive, "the grandchild {pid} outlived the timeout");
    assert!(std::fs::read_to_string(trial_dir.join("stdout.log")).unwrap().contains("started"));
}

#[test]
fn changed_code_is_rerun_never_silently_reused() {
    let dir = temp_dir("fingerprint");
    write_script(&dir, "t.py", "print('ABLATE_RESULT {\"accuracy\": 0.5}')\n");
    let study = Study::new("fingerprint")
        .param(Param::int("n", 1).levels([1, 2]))
        .seeds(2)
        .maximize("accuracy")
        .progress(ProgressMode::Off)
        .command(["python3", "t.py", "{n}"])
        .working_dir(&dir)
        .run_dir(dir.join("run"));
    assert_eq!(study.run_command().unwrap().run_stats().executed, 4);
    assert_eq!(study.run_command().unwrap().run_stats().executed, 0, "unchanged code is reused");
    write_script(&dir, "t.py", "print('ABLATE_RESULT {\"accuracy\": 0.6}')\n");
    let rerun = study.run_command().unwrap();
    assert_eq!(rerun.run_stats().executed, 4, "changed code runs again");
    assert!(rerun.records().iter().all(|r| r.metrics.get("accuracy") == Some(0.6)));
    // The results reopened later are the new ones.
    let loaded = Results::load(dir.join("run")).unwrap();
    assert!(loaded.records().iter().all(|r| r.metrics.get("accuracy") == Some(0.6)));
}

#[test]
fn bad_commands_are_refused_before_anything_runs() {
    let dir = temp_dir("bad-command");
    let base = Study::new("bad").param(Param::int("n", 1)).seeds(1).maximize("accuracy").working_dir(&dir).run_dir(dir.join("run"));
    let e = base.clone().command(["python3", "t.py", "{batch}"]).run_command().unwrap_err().to_string();
    assert!(e.contains("`{batch}`") && e.contains("params: n"), "{e}");
    let e = base.clone().command(["no-such-program-ablate"]).run_command().unwrap_err().to_string();
    assert!(e.contains("not on PATH"), "{e}");
    let e = base.clone().command(["python3", "t.py"]).fingerprint_files(["missing.py"]).run_command().unwrap_err().to_string();
    assert!(e.contains("missing.py"), "{e}");
    let e = base.clone().run_command().unwrap_err().to_string();
    assert!(e.contains("has no command"), "{e}");
    assert!(!dir.join("run").exists(), "nothing was written");
}

#[test]
fn the_python_helper_speaks_the_protocol() {
    let dir = temp_dir("helper");
    let helper = std::path::absolute("python").unwrap();
    let script = r#"
import ablate_trial as ab
p = ab.params(defaults={"extra": 7})
assert p["extra"] == 7 and isinstance(p["n"], int), p
assert ab.replicate() in (0, 1) and len(ab.trial_id()) == 32
(ab.trial_dir() / "checkpoint.txt").write_text("saved")
for step in range(1, 4):
    ab.report(step, loss=1.0 / step)
if p["n"] == 2:
    ab.result(accuracy=float("nan"))
ab.result(accuracy=0.5 + p["n"] / 10, loss=0.1)
"#;
    std::fs::write(dir.join("t.py"), script).unwrap();
    let results = Study::new("helper")
        .param(Param::int("n", 1).levels([1, 2]))
        .seeds(2)
        .maximize("accuracy")
        .minimize("loss")
        .progress(ProgressMode::Off)
        .command(["python3", "t.py"])
        .env("PYTHONPATH", helper.to_str().unwrap())
        .working_dir(&dir)
        .run_dir(dir.join("run"))
        .run_command()
        .unwrap();
    let ok: Vec<_> = results.records().iter().filter(|r| r.status == ablate::store::Status::Ok).collect();
    assert_eq!(ok.len(), 2, "{:?}", results.failures());
    assert!(ok.iter().all(|r| r.metrics.get("accuracy") == Some(0.6) && r.reports.len() == 3));
    let trial_dir = dir.join("run/trials").join(ok[0].id.as_str());
    assert_eq!(std::fs::read_to_string(trial_dir.join("checkpoint.txt")).unwrap(), "saved");
    // A NaN metric is refused by the helper itself, with a message in the failure.
    let failures = results.failures();
    assert_eq!(failures.len(), 2);
    assert!(failures[0].error.contains("must be finite"), "{}", failures[0].error);

    // Outside ablate, the helper says what is missing.
    let out = std::process::Command::new("python3")
        .args(["-c", "import ablate_trial as ab; ab.params()"])
        .env("PYTHONPATH", &helper)
        .env_remove("ABLATE_PARAMS")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && stderr.contains("ABLATE_PARAMS is not set") && stderr.contains("defaults"), "{stderr}");
}

#[test]
fn a_relative_run_directory_works_from_another_working_directory() {
    let workdir = temp_dir("relative-workdir");
    write_script(&workdir, "t.py", PLAIN);
    let relative = std::path::PathBuf::from(format!("target/ablate-test-relative-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&relative);
    let results = study("relative", &workdir).command(["python3", "t.py"]).run_dir(&relative).run_command();
    let _ = std::fs::remove_dir_all(&relative);
    let results = results.unwrap();
    assert!(results.failures().is_empty(), "{:?}", results.failures().first());
}

/// Logs which GPUs the trial saw and when it ran, then sleeps (a stand-in for training).
const DEVICE_LOGGER: &str = r#"
import json, os, sys, time
start = time.time()
time.sleep(float(sys.argv[1]))
line = {"devices": os.environ.get("CUDA_VISIBLE_DEVICES"), "hip": os.environ.get("HIP_VISIBLE_DEVICES"),
        "ablate": os.environ.get("ABLATE_DEVICES"), "omp": os.environ.get("OMP_NUM_THREADS"),
        "start": start, "end": time.time()}
with open(os.path.join(os.environ["ABLATE_TRIAL_DIR"], "devices.json"), "w") as f:
    json.dump(line, f)
print("ABLATE_RESULT " + json.dumps({"accuracy": 0.5}))
"#;

/// Per trial: (devices, start, end), from the logger's files.
fn device_log(results: &Results) -> Vec<(String, f64, f64)> {
    results
        .records()
        .iter()
        .map(|r| {
            let path = results.run_dir().unwrap().join("trials").join(r.id.as_str()).join("devices.json");
            let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
            assert_eq!(v["devices"], v["hip"]);
            assert_eq!(v["devices"], v["ablate"]);
            (v["devices"].as_str().unwrap().to_string(), v["start"].as_f64().unwrap(), v["end"].as_f64().unwrap())
        })
        .collect()
}

/// The most trials that ran at the same time on `device` (by their logged times).
fn most_at_once(log: &[(String, f64, f64)], device: &str) -> usize {
    let on: Vec<&(String, f64, f64)> = log.iter().filter(|(d, _, _)| d.split(',').any(|x| x == device)).collect();
    on.iter().map(|(_, s, _)| on.iter().filter(|(_, s2, e2)| s2 <= s && s < e2).count()).max().unwrap_or(0)
}

#[test]
fn a_pool_of_fake_gpus_gives_each_trial_its_own_and_keeps_them_busy() {
    let dir = temp_dir("command-devices");
    write_script(&dir, "log_devices.py", DEVICE_LOGGER);
    let base = |name: &str| {
        Study::new(name)
            .param(Param::int("i", 0).levels(1..8))
            .seeds(1)
            .maximize("accuracy")
            .progress(ProgressMode::Off)
            .working_dir(&dir)
            .run_dir(dir.join(name))
            .command(["python3", "log_devices.py", "0.3"])
    };
    // One GPU per trial on a pool of 4: 8 trials, 4 at a time, never two on one GPU.
    let results = base("one-each").devices(["gpu-a", "gpu-b", "gpu-c", "gpu-d"]).workers(16).run_command().unwrap();
    let log = device_log(&results);
    assert_eq!(log.len(), 8);
    for d in ["gpu-a", "gpu-b", "gpu-c", "gpu-d"] {
        assert_eq!(most_at_once(&log, d), 1, "{d}: {log:?}");
        assert!(log.iter().any(|(x, _, _)| x == d), "{d} never used: {log:?}");
    }
    // No GPU idles while trials wait: all four ran trials at the same time.
    let at_once = log.iter().map(|(_, s, _)| log.iter().filter(|(_, s2, e2)| s2 <= s && s < e2).count()).max();
    assert_eq!(at_once, Some(4), "{log:?}");
    // Two GPUs per trial, and two trials sharing each GPU.
    let pairs = device_log(&base("pairs").devices(["0", "1", "2", "3"]).gpus_per_trial(2).run_command().unwrap());
    assert!(pairs.iter().all(|(d, _, _)| d == "0,1" || d == "2,3"), "{pairs:?}");
    let shared = device_log(&base("shared").devices(["0", "1"]).trials_per_gpu(2).run_command().unwrap());
    assert!(most_at_once(&shared, "0") <= 2 && most_at_once(&shared, "1") <= 2, "{shared:?}");
    // Without GPU settings a trial's GPUs are left as the driver's; its CPU threads are split.
    let plain = base("plain").workers(2).cpus_per_trial(3).run_command().unwrap();
    let record = &plain.records()[0];
    let seen: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(plain.run_dir().unwrap().join("trials").join(record.id.as_str()).join("devices.json")).unwrap()).unwrap();
    assert_eq!(seen["omp"], "3", "{seen}");
    assert_eq!(seen["ablate"], serde_json::Value::Null);
    // A closure sees its GPUs through the trial.
    let seen_by_closure = std::sync::Mutex::new(Vec::new());
    Study::new("closure").param(Param::int("i", 0).levels(1..4)).seeds(1).maximize("accuracy").progress(ProgressMode::Off).in_memory().devices(["x", "y"])
        .run(|t: &Trial| {
            seen_by_closure.lock().unwrap().push(t.devices().to_vec());
            Ok(metrics! { "accuracy" => 0.5 })
        })
        .unwrap();
    let seen = seen_by_closure.into_inner().unwrap();
    assert!(seen.len() == 4 && seen.iter().all(|d| d.len() == 1 && (d[0] == "x" || d[0] == "y")), "{seen:?}");
    // Asking for GPUs with none at hand is a clear error.
    let e = base("none").devices(Vec::<String>::new()).run_command().unwrap_err().to_string();
    assert!(e.contains("list at least one GPU id"), "{e}");
}

/// Sleeps (argv[1] s), and when stopped saves a checkpoint through the Python helper's
/// `on_stop`, taking argv[2] s to do it.
const CHECKPOINTS_WHEN_STOPPED: &str = r#"
import pathlib, sys, time
sys.path.insert(0, sys.argv[3])
import ablate_trial as ab
def save():
    time.sleep(float(sys.argv[2]))
    pathlib.Path(ab.trial_dir(), "checkpoint").write_text("saved")
ab.on_stop(save)
time.sleep(float(sys.argv[1]))
ab.result(accuracy=0.5)
"#;

#[test]
fn a_stopped_trial_gets_its_grace_to_save_a_checkpoint() {
    let dir = temp_dir("command-grace");
    write_script(&dir, "stop.py", CHECKPOINTS_WHEN_STOPPED);
    let helper = Path::new(env!("CARGO_MANIFEST_DIR")).join("python").display().to_string();
    let run = |name: &str, save_s: &str, grace_s: f64| {
        let results = Study::new(name)
            .param(Param::int("i", 0))
            .seeds(1)
            .maximize("accuracy")
            .progress(ProgressMode::Off)
            .working_dir(&dir)
            .run_dir(dir.join(name))
            .command(["python3", "stop.py", "30", save_s, &helper])
            .timeout_secs(1.0)
            .grace_secs(grace_s)
            .run_command()
            .unwrap();
        let record = &results.records()[0];
        let checkpoint = results.run_dir().unwrap().join("trials").join(record.id.as_str()).join("checkpoint");
        (record.error.clone().unwrap_or_default(), checkpoint.exists())
    };
    // SIGTERM at the timeout; the script saves within its grace and exits.
    let (error, saved) = run("in-time", "0.2", 10.0);
    assert!(saved && error.contains("timed out"), "{error}");
    // A save slower than the grace is cut off by SIGKILL.
    let (error, saved) = run("too-slow", "5", 0.3);
    assert!(!saved && error.contains("timed out"), "{error}");
    // A grace ablate cannot count is refused up front.
    let e = Study::new("bad").param(Param::int("i", 0)).maximize("accuracy").working_dir(&dir).command(["python3", "stop.py"]).grace_secs(-1.0).run_command().unwrap_err();
    assert!(e.to_string().contains("grace_s = -1"), "{e}");
}

#[test]
fn a_retried_trial_continues_from_its_own_checkpoint() {
    let dir = temp_dir("command-own-checkpoint");
    write_script(&dir, "train.py", include_str!("../fixtures/resumes_own_checkpoint.py"));
    let helper = Path::new(env!("CARGO_MANIFEST_DIR")).join("python").display().to_string();
    // 10 epochs of 0.25 s do not fit in the 1.6 s limit: each attempt is stopped, and the
    // next run's retry goes on from the last epoch saved.
    let study = Study::new("own-checkpoint")
        .param(Param::int("i", 0))
        .seeds(1)
        .minimize("loss")
        .progress(ProgressMode::Off)
        .working_dir(&dir)
        .run_dir(dir.join("run"))
        .command(["python3", "train.py", &helper, "10", "0.25"])
        .timeout_secs(1.6)
        .retries(8);
    let mut results = study.run_command().unwrap();
    for _ in 0..8 {
        if results.records().iter().any(|r| r.status == ablate::store::Status::Ok) {
            break;
        }
        results = study.run_command().unwrap();
    }
    let record = results.records().iter().find(|r| r.status == ablate::store::Status::Ok).expect("finished within 8 attempts");
    assert!(record.attempt >= 2, "the first attempt cannot finish in time: {record:?}");
    let trained = std::fs::read_to_string(results.run_dir().unwrap().join("trials").join(record.id.as_str()).join("epochs.log")).unwrap();
    let epochs: Vec<u32> = trained.lines().map(|l| l.parse().unwrap()).collect();
    assert_eq!(epochs, (1..=10).collect::<Vec<_>>(), "every epoch trained once over {} attempts", record.attempt);
}

/// A training script whose validation loss falls like the baseline's, or climbs (`lr` 10):
/// 12 epochs of 0.15 s, one `ABLATE_REPORT` per epoch, its epochs logged.
const CURVES: &str = r#"
import json, os, sys, time
p = json.loads(os.environ["ABLATE_PARAMS"])
seed = int(os.environ["ABLATE_SEED"])
shift = (seed % 7) * 0.01
for epoch in range(1, 13):
    time.sleep(0.15)
    loss = 1.0 / (1 + 0.3 * epoch) + shift + (0.1 * epoch if p["lr"] >= 10 else 0.0) + (epoch * seed % 5) * 0.001
    print("ABLATE_REPORT " + json.dumps({"step": epoch, "val_loss": loss}), flush=True)
    with open(os.path.join(os.environ["ABLATE_TRIAL_DIR"], "epochs.log"), "a") as f:
        f.write(f"{epoch}\n")
print("ABLATE_RESULT " + json.dumps({"loss": loss}))
"#;

#[test]
fn a_trial_clearly_behind_the_baseline_is_pruned_and_reported_as_such() {
    let dir = temp_dir("command-prune");
    write_script(&dir, "train.py", CURVES);
    let study = Study::new("prune")
        .param(Param::float("lr", 0.1).levels([0.1001, 10.0]))
        .seeds(3)
        .minimize("loss")
        .progress(ProgressMode::Off)
        .working_dir(&dir)
        .run_dir(dir.join("run"))
        .command(["python3", "train.py"])
        .workers(2)
        .prune(Prune::on("val_loss").goal(ablate::spec::Goal::Minimize));
    let results = study.run_command().unwrap();
    let plan = results.plan();
    for record in results.records() {
        let label = plan.label(plan.config_index(&record.config).unwrap());
        let dir = results.run_dir().unwrap().join("trials").join(record.id.as_str());
        let epochs = std::fs::read_to_string(dir.join("epochs.log")).unwrap().lines().count();
        if label == "lr=10" {
            assert_eq!(record.status, ablate::store::Status::Pruned, "{record:?}");
            let step = record.pruned_at.unwrap();
            assert!((3..12).contains(&step) && epochs < 12, "stopped early: at step {step}, after {epochs} epochs");
            assert!(record.error.as_deref().unwrap().starts_with(&format!("pruned at step {step}: val_loss")), "{record:?}");
            assert!(record.metrics.get("loss").is_none());
        } else {
            assert_eq!(record.status, ablate::store::Status::Ok, "{label}: {record:?}");
            assert_eq!(epochs, 12);
        }
    }
    let significance = results.significance().unwrap();
    assert_eq!(significance.row("lr=10").unwrap().verdict, Verdict::Pruned);
    let text = significance.to_string();
    assert!(text.contains("worse (pruned at step"), "{text}");
    assert!(results.summary().to_string().contains("(3 pruned from step"), "{}", results.summary());
    assert!(results.failures().is_empty(), "pruned is not failed: {:?}", results.failures());
    // A rerun takes the pruned trials as final: nothing runs again.
    let again = study.run_command().unwrap();
    assert_eq!(again.run_stats().executed, 0);
    // Closures cannot be watched: refused, not ignored.
    let closure = Study::new("p").param(Param::float("lr", 0.1).levels([1.0])).minimize("loss").in_memory().prune(Prune::on("val_loss"));
    let e = closure.run(|_t: &Trial| Ok(metrics! { "loss" => 1.0 })).unwrap_err();
    assert!(e.to_string().contains("needs command trials"), "{e}");
}
