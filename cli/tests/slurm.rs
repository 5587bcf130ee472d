//! Studies on a real Slurm (the single-node cluster of tests/slurm/slurm-up.sh): submitted,
//! finished and analysed like a local run; the driver killed right after sbatch and a new
//! one re-attaching; a task cancelled, one killed at its time limit and one always failing;
//! two drivers at once; adaptive seeds look by look; multi-fidelity rungs and scale transfer
//! (from `ablate submit --scale-to`), the ablation path and the pilot deciding as locally; how tasks ended learned after the
//! scheduler forgot them (from sacct with accounting, from the tasks' own exit records
//! without).
//!
//! `tests/slurm/run.sh` starts Slurm and runs these once without and once with accounting
//! (`ABLATE_SLURM_ACCOUNTING=0|1`, `ABLATE_SLURM_TESTS=1`); a plain `cargo test` skips them. Without a Slurm (no `sinfo` answering), each test says so
//! and passes, unless `ABLATE_REQUIRE_SLURM=1` (set by the CI runner), which makes it fail.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use ablate::prelude::*;
use ablate::store::Status;

const TRIAL: &str = include_str!("slurm/trial.py");

fn slurm_up() -> bool {
    if std::env::var("ABLATE_SLURM_TESTS").as_deref() != Ok("1") {
        eprintln!("skipped: the Slurm tests run through tests/slurm/run.sh (which starts Slurm and sets ABLATE_SLURM_TESTS=1)");
        return false;
    }
    let up = Command::new("sinfo").args(["-h", "-o", "%T"]).output().is_ok_and(|o| o.status.success() && !o.stdout.is_empty());
    if !up {
        assert!(std::env::var("ABLATE_REQUIRE_SLURM").as_deref() != Ok("1"), "Slurm is required (ABLATE_REQUIRE_SLURM=1) but `sinfo` does not answer: run tests/slurm/slurm-up.sh as root");
        eprintln!("skipped: no Slurm here (`sinfo` does not answer); tests/slurm/run.sh starts one (root, apt)");
    }
    up
}

fn accounting() -> bool {
    std::env::var("ABLATE_SLURM_ACCOUNTING").as_deref() == Ok("1")
}

fn temp_dir(name: &str) -> PathBuf {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos();
    let dir = std::env::temp_dir().join("ablate-slurm-tests").join(format!("{name}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("trial.py"), TRIAL).unwrap();
    dir
}

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_ablate"))
}

/// A study in `dir` whose trials run trial.py with `{mode} {lr} {seed}` and log their starts
/// to exec.log; params, seeds and retries are the caller's.
fn trial_study(dir: &Path, name: &str) -> Study {
    Study::new(name)
        .minimize("loss")
        .command(["python3", "trial.py", "{mode}", "{lr}", "{seed}"])
        .env("EXEC_LOG", &dir.join("exec.log").display().to_string())
        .working_dir(dir)
        .run_dir(dir.join("runs").join(name))
}

/// `mode` fixed, lr over three levels, `seeds` seeds.
fn study(dir: &Path, name: &str, mode: &str, seeds: u32) -> Study {
    trial_study(dir, name)
        .param(Param::categorical("mode", [mode], mode))
        .param(Param::float("lr", 0.1).levels([0.01, 0.1, 1.0]))
        .seeds(seeds)
}

fn settings() -> Slurm {
    Slurm::new().ablate_bin(bin()).poll_s(0.5)
}

/// How often each trial started.
fn executions(dir: &Path) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for line in std::fs::read_to_string(dir.join("exec.log")).unwrap_or_default().lines() {
        *counts.entry(line.to_string()).or_insert(0) += 1;
    }
    counts
}

/// Trials submitted over every submission of a run directory.
fn submitted_trials(run_dir: &Path) -> usize {
    let slurm = run_dir.join("slurm");
    std::fs::read_dir(&slurm)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".json"))
        .map(|e| {
            let sub: serde_json::Value = serde_json::from_slice(&std::fs::read(e.path()).unwrap()).unwrap();
            sub["tasks"].as_array().unwrap().iter().map(|t| t.as_array().unwrap().len()).sum::<usize>()
        })
        .sum()
}

fn ablate(dir: &Path, args: &[&str]) -> Output {
    let out = Command::new(bin()).args(args).current_dir(dir).output().unwrap();
    if !out.status.success() {
        eprintln!("ablate {args:?} failed:\n{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    }
    out
}

fn squeue_state(job_task: &str) -> String {
    let out = Command::new("squeue").args(["--noheader", "--array", "--states=all", &format!("--jobs={job_task}"), "--format=%T"]).output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn wait_for(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_study_on_slurm_equals_the_local_run() {
    if !slurm_up() {
        return;
    }
    let dir = temp_dir("equal");
    let on_slurm = study(&dir, "equal", "ok", 3);
    let run = on_slurm.on(settings()).submit().unwrap();
    let shown = run.to_text();
    assert!(shown.contains("Study `equal` on Slurm") && shown.contains("total"), "{shown}");
    let results = run.wait().unwrap();
    assert_eq!(results.records().len(), 9);
    assert!(results.records().iter().all(|r| r.status == Status::Ok));
    // Shards, one per task, hold the records; the journal holds none of them.
    assert_eq!(std::fs::read_dir(run.run_dir().join("shards")).unwrap().count(), 9);

    let local = study(&dir, "equal", "ok", 3).run_dir(dir.join("local")).workers(2).progress(ProgressMode::Off).run_command().unwrap();
    let by_id = |r: &Results| -> HashMap<String, f64> { r.records().iter().map(|t| (t.id.to_string(), t.metrics.get("loss").unwrap())).collect() };
    assert_eq!(by_id(&results), by_id(&local));
    assert_eq!(results.summary().to_string(), local.summary().to_string());
    assert_eq!(results.significance().unwrap().to_string(), local.significance().unwrap().to_string());
    // Submitting again submits nothing; each trial ran once on Slurm (+ once locally).
    let again = on_slurm.on(settings()).submit().unwrap();
    assert_eq!(submitted_trials(again.run_dir()), 9);
    assert!(executions(&dir).values().all(|&n| n == 2), "{:?}", executions(&dir));
    // ablate status reads it too.
    let status = ablate(&dir, &["status", run.run_dir().to_str().unwrap()]);
    let last = String::from_utf8_lossy(&status.stdout).lines().find(|l| l.starts_with("total")).unwrap_or_default().to_string();
    assert_eq!(last.split_whitespace().collect::<Vec<_>>(), ["total", "0", "0", "9", "0", "0"]);
}

#[test]
fn adaptive_seeds_on_slurm_submit_look_by_look_and_decide_as_locally() {
    if !slurm_up() {
        return;
    }
    let dir = temp_dir("adaptive");
    // lr = 1 is far worse (+0.81), lr = 0.01 barely (+0.008 against noise of sd 0.05).
    let adaptive = |s: Study| s.seeds_adaptive(3, 12).equivalence_margin(0.2);
    let on_slurm = adaptive(study(&dir, "adaptive", "noisy", 12));
    let run = on_slurm.on(settings()).submit().unwrap();
    assert_eq!(submitted_trials(run.run_dir()), 9, "the first look: 3 configs × 3 seeds");
    let results = run.wait().unwrap();
    let submitted = submitted_trials(run.run_dir());
    assert!(submitted > 9 && submitted < 36, "later looks only for open comparisons: {submitted} of 36");
    assert_eq!(results.records().len(), submitted);
    let local = adaptive(study(&dir, "adaptive", "noisy", 12)).run_dir(dir.join("local")).workers(2).progress(ProgressMode::Off).run_command().unwrap();
    assert_eq!(local.records().len(), submitted, "the same trials as the local run");
    let decided = |r: &Results| r.significance().unwrap().rows.iter().map(|row| (row.config.clone(), row.verdict, row.sequential)).collect::<Vec<_>>();
    assert_eq!(decided(&results), decided(&local));
    let worse = results.significance().unwrap().row("lr=1").unwrap().clone();
    assert!(matches!(worse.sequential, Some(ablate::stats::Decision::Different { seeds, .. }) if seeds < 12), "{:?}", worse.sequential);
}

/// lr (baseline 0.3, where 0.1 is best) over five levels against a `level` param (a fidelity
/// or a size), 3 seeds.
fn leveled_study(dir: &Path, name: &str, level: Param) -> Study {
    trial_study(dir, name)
        .command(["python3", "trial.py", "ok", "{lr}", "{seed}", "{level}"])
        .param(Param::float("lr", 0.3).levels([0.01, 0.03, 0.1, 1.0]))
        .param(level)
        .seeds(3)
}

#[test]
fn multi_fidelity_and_scale_transfer_on_slurm_decide_as_locally() {
    // The schedulers do not depend on accounting: one pass (the one without) tests them.
    if !slurm_up() || accounting() {
        return;
    }
    let dir = temp_dir("schedules");
    let levels = [1, 3, 9];
    let rungs = |name: &str| leveled_study(&dir, name, Param::fidelity("level", levels));
    let on_slurm = rungs("rungs").on(settings()).run_with(MultiFidelityOptions::default()).unwrap();
    let local = rungs("rungs").run_dir(dir.join("local-rungs")).workers(2).progress(ProgressMode::Off).on(Local::commands()).run_with(MultiFidelityOptions::default()).unwrap();
    assert_eq!(on_slurm.to_text(), local.to_text(), "the same rungs, promotions and budget");
    assert_eq!(on_slurm.rungs.len(), 3);
    assert!(on_slurm.rungs[1].results.plan().configs().len() < 5, "promotion dropped configs: {}", on_slurm.to_text());
    assert_eq!(on_slurm.final_results().unwrap().significance().unwrap().to_string(), local.final_results().unwrap().significance().unwrap().to_string());
    let run_dir = dir.join("runs/rungs");
    let trials: usize = on_slurm.rungs.iter().map(|r| r.results.records().len()).sum();
    assert_eq!(submitted_trials(&run_dir), trials, "each trial submitted once");
    assert_eq!(std::fs::read_dir(run_dir.join("slurm")).unwrap().flatten().filter(|e| e.file_name().to_string_lossy().ends_with(".json")).count(), 3, "a job array per rung");

    // Scale transfer from the command line: every size submitted at once, then the trend.
    std::fs::write(
        dir.join("scale.toml"),
        format!(
            "name = \"scale\"\nseeds = 3\n[[param]]\nname = \"lr\"\ntype = \"float\"\nbaseline = 0.1\nlevels = [0.01, 0.3]\n\
             [[param]]\nname = \"level\"\ntype = \"int\"\nscale = true\nlevels = [1, 3, 9]\n\
             [[metric]]\nname = \"loss\"\ngoal = \"minimize\"\n[command]\nargv = [\"python3\", \"trial.py\", \"ok\", \"{{lr}}\", \"{{seed}}\", \"{{level}}\"]\nenv = {{ EXEC_LOG = \"{}\" }}\n[slurm]\npoll_s = 0.5\n",
            dir.join("exec.log").display()
        ),
    )
    .unwrap();
    let out = ablate(&dir, &["submit", "scale.toml", "--scale-to", "100"]);
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success() && stdout.contains("Scale transfer of loss") && stdout.contains("at 100"), "{stdout}");
    let progress = String::from_utf8_lossy(&out.stderr);
    assert!(["1", "3", "9"].iter().all(|size| progress.contains(&format!("ablate: scale (level={size}): "))), "progress names each size: {progress}");
    let local = Study::from_file(dir.join("scale.toml")).unwrap().run_dir(dir.join("local-scale")).progress(ProgressMode::Off);
    let local = local.on(Local::commands()).run_with(ScaleOptions::to(100.0)).unwrap();
    assert!(stdout.contains(&local.to_text()), "Slurm:\n{stdout}\nlocal:\n{}", local.to_text());
    assert_eq!(submitted_trials(&dir.join("runs/scale")), 3 * 3 * 3, "three sizes, three configs, three seeds");
    // Again: everything is in the journal, nothing is submitted.
    let again = ablate(&dir, &["submit", "scale.toml", "--scale-to", "100"]);
    assert!(again.status.success() && String::from_utf8_lossy(&again.stdout).contains(&local.to_text()));
    assert_eq!(submitted_trials(&dir.join("runs/scale")), 27);
}

/// The ablation path and the pilot run on Slurm through the same schedulers as here: each
/// path step (a job array) decides as the local path does, and the pilot's one trial is
/// reused by the study that follows it.
#[test]
fn the_ablation_path_and_the_pilot_run_on_slurm_as_locally() {
    // The schedulers do not depend on accounting: one pass (the one without) tests them.
    if !slurm_up() || accounting() {
        return;
    }
    let dir = temp_dir("path");
    let path_study = |name: &str| leveled_study(&dir, name, Param::int("level", 3).levels([1, 3, 9]));
    let mut target = Config::new();
    target.set("lr", Value::Float(0.1));
    target.set("level", Value::Int(9));
    let options = PathOptions { stop_when_undetectable: false, ..PathOptions::to(&target) };
    let on_slurm = path_study("path").on(settings()).run_with(options.clone()).unwrap();
    let local = path_study("path").run_dir(dir.join("local-path")).workers(2).progress(ProgressMode::Off).on(Local::commands()).run_with(options).unwrap();
    assert_eq!(on_slurm.steps.len(), 2, "{}", on_slurm.to_text());
    assert_eq!(on_slurm.to_text(), local.to_text(), "the same steps, effects and tests");
    let subs = std::fs::read_dir(dir.join("runs/path/slurm")).unwrap().flatten().filter(|e| e.file_name().to_string_lossy().ends_with(".json")).count();
    assert_eq!(subs, 2, "a job array per step");
    // The run directory reads as the study again, not as its last step.
    let reopened = Results::load(dir.join("runs/path")).unwrap();
    assert_eq!(reopened.plan().baseline(), path_study("path").plan().unwrap().baseline());

    let pilot = path_study("piloted").on(settings()).run_with(Pilot).unwrap();
    assert_eq!(pilot.records().len(), 1);
    assert_eq!(submitted_trials(&dir.join("runs/piloted")), 1);
    let full = path_study("piloted").on(settings()).run().unwrap();
    let total = full.records().len();
    assert_eq!(submitted_trials(&dir.join("runs/piloted")), total, "the pilot's trial is not submitted again");
    assert!(path_study("piloted").estimate().unwrap().to_text().contains("trial"), "the estimate reads the recorded durations");
}

#[test]
fn a_driver_killed_right_after_sbatch_loses_nothing() {
    if !slurm_up() {
        return;
    }
    let dir = temp_dir("killed");
    std::fs::write(
        dir.join("study.toml"),
        format!(
            "name = \"killed\"\nseeds = 3\n[[param]]\nname = \"lr\"\ntype = \"float\"\nbaseline = 0.1\nlevels = [0.01, 0.1, 1.0]\n\
             [[metric]]\nname = \"loss\"\ngoal = \"minimize\"\n[command]\nargv = [\"python3\", \"trial.py\", \"ok\", \"{{lr}}\", \"{{seed}}\"]\nenv = {{ EXEC_LOG = \"{}\" }}\n[slurm]\npoll_s = 0.5\n",
            dir.join("exec.log").display()
        ),
    )
    .unwrap();
    let run_dir = dir.join("runs/killed");
    let job_file = run_dir.join("slurm/submission-0.job");
    let mut driver = Command::new(bin()).args(["submit", "study.toml"]).current_dir(&dir).stdout(std::process::Stdio::null()).spawn().unwrap();
    // SIGKILL as soon as sbatch has returned (the array is still held, or just released).
    wait_for("the job id on disk", Duration::from_secs(30), || job_file.exists() || driver.try_wait().unwrap().is_some());
    let _ = driver.kill();
    let _ = driver.wait();
    // A rerun of the same command re-attaches: nothing new is submitted.
    let again = ablate(&dir, &["submit", "study.toml"]);
    assert!(again.status.success());
    assert_eq!(submitted_trials(&run_dir), 9, "a trial was submitted twice");
    let wait = ablate(&dir, &["wait", "runs/killed"]);
    assert!(wait.status.success());
    assert!(String::from_utf8_lossy(&wait.stdout).contains("lr=0.01"));
    let results = Results::load(&run_dir).unwrap();
    assert_eq!(results.records().iter().filter(|r| r.status == Status::Ok).count(), 9);
    let runs = executions(&dir);
    assert_eq!(runs.len(), 9);
    assert!(runs.values().all(|&n| n == 1), "{runs:?}");
}

#[test]
fn cancelled_and_timed_out_tasks_are_resubmitted_once_and_failures_kept() {
    if !slurm_up() {
        return;
    }
    let dir = temp_dir("vanish");
    let modes = ["ok", "slow", "hang", "fail"];
    let s = trial_study(&dir, "vanish").param(Param::categorical("mode", modes, "ok").levels(modes)).param(Param::float("lr", 0.1)).seeds(1).retries(1);
    let plan = s.plan().unwrap();
    let slow = plan.trials().iter().position(|t| plan.label(t.config_index()) == "mode=slow").unwrap();
    // A one-minute limit per task: the hanging trial's first attempt is killed by Slurm.
    let run = s.on(settings().time("1")).submit().unwrap();
    let job = std::fs::read_to_string(run.run_dir().join("slurm/submission-0.job")).unwrap();
    let slow_task = format!("{}_{slow}", job.trim());
    wait_for("the slow task to run", Duration::from_secs(60), || squeue_state(&slow_task) == "RUNNING");
    std::thread::sleep(Duration::from_secs(1));
    assert!(Command::new("scancel").arg(&slow_task).status().unwrap().success());
    let results = run.wait().unwrap();

    let records = results.records();
    let of = |label: &str| records.iter().find(|r| results.plan().label(results.plan().config_index(&r.config).unwrap()) == label).unwrap().clone();
    assert_eq!(of("baseline").status, Status::Ok);
    let journal = std::fs::read_to_string(run.run_dir().join("journal.jsonl")).unwrap();
    for (label, cause) in [("mode=slow", "cancel"), ("mode=hang", "time limit")] {
        let r = of(label);
        assert_eq!((r.status, r.attempt), (Status::Ok, 2), "{label}: {r:?}");
        // The first attempt is in the journal, as a failure that says what happened.
        let line = journal.lines().find(|l| l.contains(r.id.as_str()) && l.contains("\"failed\"")).unwrap_or_else(|| panic!("{label}: no failed attempt recorded"));
        assert!(line.contains(cause), "{label}: {line}");
    }
    let fail = of("mode=fail");
    assert_eq!((fail.status, fail.attempt), (Status::Failed, 2), "{fail:?}");
    assert!(fail.error.as_deref().unwrap().contains("boom: this configuration always fails"), "{fail:?}");
    let runs = executions(&dir);
    assert_eq!(runs.values().copied().max(), Some(2), "{runs:?}");
    assert_eq!(runs.values().sum::<usize>(), 1 + 2 + 2 + 2);
}

#[test]
fn two_drivers_at_once_execute_each_trial_once() {
    if !slurm_up() {
        return;
    }
    let dir = temp_dir("two");
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let dir = dir.clone();
            std::thread::spawn(move || study(&dir, "two", "ok", 3).on(settings()).submit().and_then(|run| run.wait()).map(|r| r.records().len()))
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap().unwrap(), 9);
    }
    assert_eq!(submitted_trials(&dir.join("runs/two")), 9);
    let runs = executions(&dir);
    assert_eq!(runs.len(), 9);
    assert!(runs.values().all(|&n| n == 1), "{runs:?}");
}

#[test]
fn how_a_task_ended_is_known_after_the_scheduler_forgot_it() {
    if !slurm_up() {
        return;
    }
    let dir = temp_dir("forgot");
    let s = trial_study(&dir, "forgot").param(Param::categorical("mode", ["slow"], "slow")).param(Param::float("lr", 0.1)).seeds(1).retries(0);
    let run_dir = dir.join("runs/forgot");
    drop(s.on(settings()).submit().unwrap()); // the driver goes away
    let job = std::fs::read_to_string(run_dir.join("slurm/submission-0.job")).unwrap();
    let task = format!("{}_0", job.trim());
    wait_for("the task to run", Duration::from_secs(60), || squeue_state(&task) == "RUNNING");
    // Its trial has started (RUNNING comes before the worker is up; on a busy machine a
    // cancel in between kills the worker before it can write anything).
    wait_for("the trial to start", Duration::from_secs(60), || !std::fs::read_to_string(dir.join("exec.log")).unwrap_or_default().is_empty());
    assert!(Command::new("scancel").arg(&task).status().unwrap().success());
    // MinJobAge is a few seconds in the test cluster: wait until squeue has forgotten it.
    wait_for("squeue to forget the task", Duration::from_secs(120), || squeue_state(job.trim()).is_empty());
    let status = Study::attach(&run_dir).unwrap().status().unwrap();
    assert_eq!(status.totals().failed, 1, "{}", status.to_text());
    let results = Results::load(&run_dir).unwrap();
    let error = results.records()[0].error.clone().unwrap();
    if accounting() {
        assert!(error.contains("cancelled (scancel)"), "sacct should say: {error}");
    } else {
        assert!(error.contains("stopped by a signal"), "the exit record should say: {error}");
    }
}

/// A one-trial study `name` whose trial (tests/fixtures/resumes_own_checkpoint.py) trains
/// `epochs` epochs of 0.5 s, checkpointing each, and the trial's directory.
fn checkpointing_study(name: &str, epochs: &str) -> (Study, PathBuf) {
    let dir = temp_dir(name);
    std::fs::write(dir.join("train.py"), include_str!("../../tests/fixtures/resumes_own_checkpoint.py")).unwrap();
    let helper = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("python").canonicalize().unwrap();
    let study = Study::new(name)
        .param(Param::int("i", 0))
        .seeds(1)
        .minimize("loss")
        .command(["python3", "train.py", helper.to_str().unwrap(), epochs, "0.5"])
        .working_dir(&dir)
        .run_dir(dir.join("runs").join(name));
    let trial_dir = dir.join("runs").join(name).join("trials").join(study.plan().unwrap().trials()[0].id().as_str());
    (study, trial_dir)
}

#[test]
fn a_requeued_task_continues_from_the_checkpoint_in_its_trial_directory() {
    // Nothing here depends on accounting: once, in the pass without it.
    if !slurm_up() || accounting() {
        return;
    }
    let (study, trial_dir) = checkpointing_study("requeue", "12");
    let run = study.on(settings()).submit().unwrap();
    let job = std::fs::read_to_string(run.run_dir().join("slurm/submission-0.job")).unwrap();
    let task = format!("{}_0", job.trim());
    // Preempted after a few epochs: Slurm puts the task back in the queue and starts it again.
    let epochs = || std::fs::read_to_string(trial_dir.join("epochs.log")).unwrap_or_default().lines().map(|l| l.parse::<u32>().unwrap()).collect::<Vec<_>>();
    wait_for("three epochs", Duration::from_secs(60), || epochs().len() >= 3);
    let requeue = Command::new("scontrol").args(["requeue", &task]).output().unwrap();
    assert!(requeue.status.success(), "scontrol requeue {task}: {}", String::from_utf8_lossy(&requeue.stderr));
    // Slurm holds a requeued job back for a while (its begin time): let it start now.
    wait_for("the task to be queued again", Duration::from_secs(60), || squeue_state(&task) == "PENDING");
    let now = Command::new("scontrol").args(["update", &format!("JobId={task}"), "StartTime=now"]).output().unwrap();
    assert!(now.status.success(), "scontrol update StartTime=now: {}", String::from_utf8_lossy(&now.stderr));
    let results = run.wait().unwrap();
    let record = &results.records()[0];
    assert_eq!(record.status, Status::Ok, "{record:?}");
    let starts = std::fs::read_to_string(trial_dir.join("starts.log")).unwrap().lines().count();
    assert!(starts >= 2, "the task ran again after the requeue: {starts} start(s)");
    assert_eq!(epochs(), (1..=12).collect::<Vec<_>>(), "the second start went on from its checkpoint");
}

/// Logs the GPUs Slurm and ablate gave it, with its start and end, around a 1.5 s sleep.
const LOGS_ITS_GPUS: &str = r#"
import json, os, time
start = time.time()
time.sleep(1.5)
with open(os.path.join(os.environ["ABLATE_TRIAL_DIR"], "gpus.json"), "w") as f:
    json.dump({"cuda": os.environ.get("CUDA_VISIBLE_DEVICES"), "ablate": os.environ.get("ABLATE_DEVICES"), "start": start, "end": time.time()}, f)
print('ABLATE_RESULT {"loss": 0.1}')
"#;

#[test]
fn a_task_packing_four_trials_runs_them_side_by_side_one_gpu_each() {
    // Nothing here depends on accounting: once, in the pass without it.
    if !slurm_up() || accounting() {
        return;
    }
    let gres = Command::new("sinfo").args(["-h", "-o", "%G"]).output().unwrap();
    if !String::from_utf8_lossy(&gres.stdout).contains("gpu:4") {
        assert!(std::env::var("ABLATE_REQUIRE_SLURM").as_deref() != Ok("1"), "the local Slurm has no fake GPUs (tests/slurm/slurm-up.sh gives it four when /dev/tty0-3 exist)");
        eprintln!("skipped: the local Slurm has no fake GPUs");
        return;
    }
    let dir = temp_dir("gpus");
    std::fs::write(dir.join("gpus.py"), LOGS_ITS_GPUS).unwrap();
    let study = Study::new("gpus")
        .param(Param::int("i", 0))
        .seeds(4)
        .minimize("loss")
        .command(["python3", "gpus.py"])
        .working_dir(&dir)
        .run_dir(dir.join("runs").join("gpus"))
        .gpus_per_trial(1);
    let run = study.on(settings().trials_per_task(4)).submit().unwrap();
    let script = std::fs::read_to_string(run.run_dir().join("slurm/submission-0.sh")).unwrap();
    assert!(script.contains("#SBATCH --gres=gpu:4\n"), "one task asks for a GPU per trial it packs: {script}");
    let results = run.wait().unwrap();
    assert_eq!(results.records().len(), 4);
    let mut seen: Vec<(String, f64, f64)> = Vec::new();
    for record in results.records() {
        assert_eq!(record.status, Status::Ok, "{record:?}");
        let log: serde_json::Value = serde_json::from_slice(&std::fs::read(run.run_dir().join("trials").join(record.id.as_str()).join("gpus.json")).unwrap()).unwrap();
        let device = log["cuda"].as_str().unwrap().to_string();
        assert_eq!(log["ablate"].as_str(), Some(device.as_str()));
        assert_eq!(record.provenance.devices.iter().map(|d| d.id.clone()).collect::<Vec<_>>(), vec![device.clone()]);
        seen.push((device, log["start"].as_f64().unwrap(), log["end"].as_f64().unwrap()));
    }
    let mut devices: Vec<&str> = seen.iter().map(|s| s.0.as_str()).collect();
    devices.sort_unstable();
    assert_eq!(devices, ["0", "1", "2", "3"], "each trial its own GPU of the task's four");
    let last_start = seen.iter().map(|s| s.1).fold(f64::MIN, f64::max);
    let first_end = seen.iter().map(|s| s.2).fold(f64::MAX, f64::min);
    assert!(last_start < first_end, "the four ran side by side, not one after another: {seen:?}");
}

#[test]
fn a_worker_warned_by_a_signal_before_its_limit_is_reported_as_stopped_not_failed() {
    if !slurm_up() {
        return;
    }
    let (study, trial_dir) = checkpointing_study("warned", "40");
    let study = study.retries(0).grace_secs(5.0);
    let run = study.on(settings()).submit().unwrap();
    let job = std::fs::read_to_string(run.run_dir().join("slurm/submission-0.job")).unwrap();
    let task = format!("{}_0", job.trim());
    wait_for("an epoch", Duration::from_secs(60), || trial_dir.join("epochs.log").exists());
    // What `#SBATCH --signal=B:TERM@…` does before a time limit: SIGTERM to the batch shell
    // (the worker), the task left to end by itself.
    let signal = Command::new("scancel").args(["--batch", "--signal=TERM", &task]).output().unwrap();
    assert!(signal.status.success(), "{}", String::from_utf8_lossy(&signal.stderr));
    let results = run.wait().unwrap();
    let record = &results.records()[0];
    assert_eq!(record.status, Status::Failed);
    let error = record.error.as_deref().unwrap();
    assert!(error.contains("stopped by a signal before its time limit") && !error.contains("exited with an error"), "{error}");
    assert!(trial_dir.join("ckpt.json").exists(), "the trial saved its checkpoint");
}
