//! The `ablate` binary as a user meets it: init + run + resume, status, report, export,
//! errors in study files, kill -9 and SIGTERM of the driver (no orphans, resume), and two
//! drivers on one run directory (each trial executed once).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

fn ablate() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ablate"))
}

fn temp_dir(name: &str) -> PathBuf {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos();
    let dir = std::env::temp_dir().join("ablate-cli-tests").join(format!("{name}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run_in(dir: &Path, args: &[&str]) -> Output {
    let out = ablate().args(args).current_dir(dir).output().unwrap();
    if !out.status.success() {
        eprintln!("stdout:\n{}\nstderr:\n{}", text(&out.stdout), text(&out.stderr));
    }
    out
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn init_run_resume_status_report_export() {
    let dir = temp_dir("init");
    let out = run_in(&dir, &["init"]);
    assert!(out.status.success());
    assert!(dir.join("study.toml").exists() && dir.join("train.py").exists());
    // init never overwrites
    let again = run_in(&dir, &["init"]);
    assert!(!again.status.success() && text(&again.stderr).contains("never overwrites"));

    let plan = run_in(&dir, &["plan", "study.toml"]);
    assert!(plan.status.success());
    assert!(text(&plan.stdout).contains("6 configs × 10 seeds = 60 trials"), "{}", text(&plan.stdout));

    let run = run_in(&dir, &["run", "study.toml", "--workers", "2"]);
    assert!(run.status.success());
    let stdout = text(&run.stdout);
    assert!(stdout.contains("60 trials run now, 0 reused"), "{stdout}");
    assert!(stdout.contains("Significance vs baseline") && stdout.contains("feature_scaling=removed"), "{stdout}");

    let rerun = run_in(&dir, &["run", "study.toml"]);
    assert!(text(&rerun.stdout).contains("0 trials run now, 60 reused"), "{}", text(&rerun.stdout));

    let status = run_in(&dir, &["status", "runs/logreg-demo"]);
    let last = text(&status.stdout).lines().last().unwrap_or_default().to_string();
    assert_eq!(last.split_whitespace().collect::<Vec<_>>(), ["total", "60", "0", "0", "0"], "{}", text(&status.stdout));

    let report = run_in(&dir, &["report", "study.toml", "--html", "report.html", "--markdown"]);
    assert!(report.status.success());
    assert!(text(&report.stdout).contains("| config"), "{}", text(&report.stdout));
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.contains("<svg") && html.contains("feature_scaling"));

    let export = run_in(&dir, &["export", "runs/logreg-demo", "--csv", "trials.csv", "--parquet", "trials.parquet", "--tensorboard", "tb", "--mlflow", "mlruns"]);
    assert!(export.status.success());
    let csv = std::fs::read_to_string(dir.join("trials.csv")).unwrap();
    assert_eq!(csv.lines().count(), 61);
    assert!(dir.join("trials.parquet").exists());
    let stdout = text(&export.stdout);
    assert!(stdout.contains("tensorboard --logdir tb") && stdout.contains("(60 trials, 61 files)"), "{stdout}");
    let sessions = std::fs::read_dir(dir.join("tb")).unwrap().flatten().filter(|e| e.path().is_dir()).count();
    assert_eq!(sessions, 60);
    let experiment = std::fs::read_dir(dir.join("mlruns")).unwrap().flatten().find(|e| e.path().is_dir()).unwrap().path();
    let runs = std::fs::read_dir(&experiment).unwrap().flatten().filter(|e| e.path().join("meta.yaml").is_file()).count();
    assert_eq!(runs, 60);
    // Exports never go into a directory ablate did not write.
    std::fs::create_dir(dir.join("mine")).unwrap();
    std::fs::write(dir.join("mine").join("notes.txt"), "precious").unwrap();
    let refused = run_in(&dir, &["export", "runs/logreg-demo", "--mlflow", "mine"]);
    assert!(!refused.status.success() && text(&refused.stderr).contains("was not written by ablate"), "{}", text(&refused.stderr));
    assert_eq!(std::fs::read_dir(dir.join("mine")).unwrap().count(), 1);

    let help = ablate().arg("--help").output().unwrap();
    for command in ["init", "plan", "run", "status", "report", "export"] {
        assert!(text(&help.stdout).contains(command));
    }
}

#[test]
fn every_command_says_once_which_journal_lines_it_could_not_read() {
    let dir = temp_dir("damaged");
    assert!(run_in(&dir, &["init"]).status.success());
    let template = std::fs::read_to_string(dir.join("study.toml")).unwrap();
    std::fs::write(dir.join("study.toml"), template.replace("seeds = 10 ", "seeds = 3 ")).unwrap();
    assert!(run_in(&dir, &["run", "study.toml", "--workers", "2"]).status.success());
    // Two damaged lines: a record with a flipped character, and a torn line at the end.
    let journal = dir.join("runs/logreg-demo/journal.jsonl");
    let mut bytes = std::fs::read_to_string(&journal).unwrap();
    let third = bytes.match_indices('\n').nth(2).unwrap().0 + 20;
    bytes.replace_range(third..third + 1, "#");
    bytes.push_str("{\"id\":\"torn");
    std::fs::write(&journal, &bytes).unwrap();
    let once = |args: &[&str], then: &str| {
        let out = run_in(&dir, args);
        let stderr = text(&out.stderr);
        assert!(out.status.success(), "{args:?}: {stderr}");
        let said = format!("{}{stderr}", text(&out.stdout));
        assert_eq!(said.matches("2 torn or corrupt lines could not be read and were skipped").count(), 1, "{args:?} says it once:\n{said}");
        assert!(said.contains("journal.jsonl lines 4, 20)") && said.contains(then), "{args:?}:\n{said}");
    };
    let reading = "is missing from these results, and the next run runs it again";
    once(&["report", "runs/logreg-demo"], reading);
    once(&["export", "runs/logreg-demo", "--csv", "trials.csv"], reading);
    once(&["status", "runs/logreg-demo"], reading);
    // The run reruns the one trial whose record was lost (the torn line held none).
    once(&["run", "study.toml"], "runs again now");
    let rerun = run_in(&dir, &["run", "study.toml"]);
    assert!(text(&rerun.stdout).contains("0 trials run now"), "{}", text(&rerun.stdout));
}

#[test]
fn a_sobol_study_plans_runs_and_resumes() {
    let dir = temp_dir("sobol");
    assert!(run_in(&dir, &["init"]).status.success());
    // the template's study with lr bounds, 3 seeds, and 8 sobol configs on 1 seed each
    let template = std::fs::read_to_string(dir.join("study.toml")).unwrap();
    let study = template
        .replace("seeds = 10 ", "seeds = 3 ")
        .replace("# seeds_per_sample = 2 ", "seeds_per_sample = 1 ")
        .replace("# bounds = [1e-5, 10.0]", "bounds = [1e-3, 10.0]")
        .replace("# [[design]]\n# kind = \"sobol\"", "[[design]]\nkind = \"ofat\"\n[[design]]\nkind = \"sobol\"")
        .replace("# n = 16 ", "n = 8 ");
    assert_ne!(study, template);
    std::fs::write(dir.join("study.toml"), study).unwrap();
    let plan = run_in(&dir, &["plan", "study.toml"]);
    let stdout = text(&plan.stdout);
    assert!(stdout.contains("5 configs × 3 seeds + 8 sampled configs × 1 seed = 23 trials"), "{stdout}");
    let sobol_row = stdout.lines().find(|l| l.starts_with("sobol#7")).unwrap_or_default();
    assert_eq!(sobol_row.split_whitespace().collect::<Vec<_>>(), ["sobol#7", "sobol", "1"], "{stdout}");
    let run = run_in(&dir, &["run", "study.toml", "--workers", "2"]);
    assert!(text(&run.stdout).contains("23 trials run now, 0 reused"), "{}", text(&run.stdout));
    let rerun = run_in(&dir, &["run", "study.toml"]);
    assert!(text(&rerun.stdout).contains("0 trials run now, 23 reused"), "{}", text(&rerun.stdout));
    // A sampled design gets the importance table; one-seed configs say why they are untested.
    let report = text(&run_in(&dir, &["report", "runs/logreg-demo"]).stdout);
    assert!(report.contains("Importance of each parameter for accuracy (fANOVA, 23 trials"), "{report}");
    assert!(report.contains("not tested: 1 paired seed, a test needs 2"), "{report}");
}

#[test]
fn the_path_to_the_best_config_runs_as_command_trials_and_resumes() {
    let dir = temp_dir("path");
    assert!(run_in(&dir, &["init"]).status.success());
    // The template's OFAT on 4 seeds, plus a config that changes lr and epochs together.
    let template = std::fs::read_to_string(dir.join("study.toml")).unwrap();
    let study = template
        .replace("seeds = 10 ", "seeds = 4 ")
        .replace("# [[design]]\n# kind = \"custom\"\n# label = \"fast\"\n# set = { lr = 1.0, epochs = 5 }", "[[design]]\nkind = \"ofat\"\n[[design]]\nkind = \"custom\"\nlabel = \"slow\"\nset = { lr = 0.01, epochs = 100 }");
    assert_ne!(study, template);
    std::fs::write(dir.join("study.toml"), study).unwrap();
    assert!(run_in(&dir, &["run", "study.toml", "--workers", "2"]).status.success());
    let report = |dir: &Path| text(&run_in(dir, &["report", "runs/logreg-demo"]).stdout);
    let before = report(&dir);
    let path = run_in(&dir, &["path", "runs/logreg-demo", "--to", "best", "--go-on"]);
    let stdout = text(&path.stdout);
    assert!(path.status.success() && stdout.contains("Ablation path on accuracy") && stdout.contains("2 steps"), "{stdout}");
    // The path ran new trials (the other order of the two flips) into the run directory,
    // which still reports the study itself.
    let journal = std::fs::read_to_string(dir.join("runs/logreg-demo/journal.jsonl")).unwrap();
    assert_eq!(journal.matches("\"status\":").count(), 24 + 4, "the study's 24 trials, then the flip of epochs alone on 4 seeds");
    assert_eq!(report(&dir), before);
    let again = run_in(&dir, &["path", "study.toml", "--go-on"]);
    assert_eq!(text(&again.stdout), stdout, "a rerun resumes from the journal and finds the same path");
    let bad = run_in(&dir, &["path", "runs/logreg-demo", "--to", "worst"]);
    assert!(!bad.status.success() && text(&bad.stderr).contains("only target"), "{}", text(&bad.stderr));
}

#[test]
fn multi_fidelity_and_scale_transfer_run_from_a_study_file() {
    let dir = temp_dir("budget");
    assert!(run_in(&dir, &["init"]).status.success());
    // The template's study on 4 seeds with epochs as the fidelity.
    let template = std::fs::read_to_string(dir.join("study.toml")).unwrap();
    let study = template.replace("seeds = 10 ", "seeds = 4 ").replace("baseline = 20\nlevels = [5, 20, 50]", "fidelity = true\nlevels = [5, 20, 50]");
    assert_ne!(study, template);
    std::fs::write(dir.join("study.toml"), &study).unwrap();
    let out = run_in(&dir, &["run", "study.toml", "--multi-fidelity", "--workers", "2"]);
    let stdout = text(&out.stdout);
    assert!(out.status.success() && stdout.contains("Multi-fidelity ablation over epochs") && stdout.contains("Did the cheap runs rank") && stdout.contains("At full fidelity"), "{stdout}");
    // One progress for the whole run (stderr is a pipe here: log lines), ending in one
    // summary that names the last rung; not a summary per rung.
    let stderr = text(&out.stderr);
    let summaries: Vec<&str> = stderr.lines().filter(|l| l.contains(" trials done in ")).collect();
    assert!(summaries.len() == 1 && summaries[0].ends_with("(rung 3/3: epochs = 50)"), "{stderr}");
    // The same file with epochs as a size axis instead: the ablation at every size.
    std::fs::write(dir.join("study.toml"), study.replace("fidelity = true", "scale = true")).unwrap();
    let out = run_in(&dir, &["run", "study.toml", "--scale-to", "200", "--workers", "2"]);
    let stdout = text(&out.stdout);
    assert!(out.status.success() && stdout.contains("Scale transfer of accuracy") && stdout.contains("at 200"), "{stdout}");
    // In an evcxr notebook (the kernel sets EVCXR_IS_RUNTIME), progress goes to stdout,
    // which Jupyter does not paint as an error; stderr keeps only warnings.
    std::fs::remove_dir_all(dir.join("runs")).unwrap();
    let out = ablate().args(["run", "study.toml", "--scale-to", "200", "--workers", "2"]).current_dir(&dir).env("EVCXR_IS_RUNTIME", "1").output().unwrap();
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success() && stdout.lines().any(|l| l.starts_with("ablate: ") && l.contains(" trials done in ")), "{stdout}");
    assert!(!stderr.contains("trials done"), "{stderr}");
}

#[test]
fn errors_in_study_files_name_the_line_and_key() {
    let dir = temp_dir("bad-file");
    std::fs::write(dir.join("typo.toml"), "name = \"x\"\n\n[[param]]\nname = \"lr\"\ntype = \"float\"\nbaseline = 0.1\nlevls = [0.1]\n").unwrap();
    let out = run_in(&dir, &["plan", "typo.toml"]);
    let e = text(&out.stderr);
    assert!(!out.status.success() && e.contains("typo.toml") && e.contains("line 7") && e.contains("levls"), "{e}");

    std::fs::write(dir.join("domain.toml"), "name = \"x\"\n[[metric]]\nname = \"acc\"\ngoal = \"maximize\"\n\n[[param]]\nname = \"lr\"\ntype = \"float\"\nbaseline = 0.1\nlog = true\nlevels = [0.0, 0.1]\n").unwrap();
    let out = run_in(&dir, &["plan", "domain.toml"]);
    let e = text(&out.stderr);
    assert!(e.contains("domain.toml") && e.contains("`lr`") && e.contains("line 6") && e.contains("log scale"), "{e}");
}

/// A study whose trials sleep, so a driver can be stopped mid-run. Each execution appends
/// its trial id to `executions.log`; `marker` is in every child's argv, to find leftovers.
fn slow_study(dir: &Path, marker: &str, trials_per_config: u32, sleep_s: f64) {
    std::fs::write(
        dir.join("slow.py"),
        format!(
            "import json, os, sys, time\nwith open(os.path.join('{}', 'executions.log'), 'a') as f:\n    f.write(os.environ['ABLATE_TRIAL_ID'] + '\\n')\ntime.sleep({sleep_s})\nprint('ABLATE_RESULT ' + json.dumps({{'score': float(sys.argv[1]) + int(os.environ['ABLATE_SEED']) % 10 / 100}}))\n",
            dir.display()
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("study.toml"),
        format!(
            "name = \"slow\"\nseeds = {trials_per_config}\n[[param]]\nname = \"x\"\ntype = \"int\"\nbaseline = 1\nlevels = [1, 2, 3]\n[[metric]]\nname = \"score\"\ngoal = \"maximize\"\n[command]\nargv = [\"python3\", \"slow.py\", \"{{x}}\", \"{marker}\"]\n[run]\nworkers = 2\n"
        ),
    )
    .unwrap();
}

fn start(dir: &Path) -> Child {
    ablate().args(["run", "study.toml"]).current_dir(dir).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap()
}

fn journal_lines(dir: &Path) -> usize {
    std::fs::read_to_string(dir.join("runs/slow/journal.jsonl")).map_or(0, |t| t.lines().count().saturating_sub(1))
}

fn wait_for_records(dir: &Path, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while journal_lines(dir) < n {
        assert!(Instant::now() < deadline, "no progress");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Live (non-zombie) processes whose command line contains `marker`.
fn processes_with(marker: &str) -> Vec<u32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        if String::from_utf8_lossy(&cmdline).contains(marker) && !stat.contains(") Z ") {
            found.push(pid);
        }
    }
    found
}

fn no_orphans(marker: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = processes_with(marker);
        if left.is_empty() {
            return;
        }
        assert!(Instant::now() < deadline, "orphaned trial processes: {left:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn executions(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("executions.log")).unwrap_or_default().lines().map(str::to_string).collect()
}

fn distinct(ids: &[String]) -> usize {
    ids.iter().collect::<std::collections::HashSet<_>>().len()
}

#[test]
fn kill_minus_nine_of_the_driver_leaves_no_orphans_and_resumes() {
    let dir = temp_dir("kill9");
    let marker = format!("marker-kill9-{}", std::process::id());
    slow_study(&dir, &marker, 4, 0.4);
    let mut driver = start(&dir);
    wait_for_records(&dir, 3);
    // Kill it while a trial runs (between one trial's end and the next one's start there is
    // a moment with none, longer on a loaded machine).
    let deadline = Instant::now() + Duration::from_secs(30);
    while processes_with(&marker).is_empty() {
        assert!(Instant::now() < deadline, "no trial process seen running");
        std::thread::sleep(Duration::from_millis(5));
    }
    driver.kill().unwrap(); // SIGKILL: no handler runs
    driver.wait().unwrap();
    no_orphans(&marker);
    let before = journal_lines(&dir);
    let rerun = run_in(&dir, &["run", "study.toml"]);
    assert!(rerun.status.success());
    let stdout = text(&rerun.stdout);
    assert!(stdout.contains(&format!("{} trials run now, {before} reused", 12 - before)), "{stdout}");
    assert_eq!(journal_lines(&dir), 12, "every trial journaled once");
    assert_eq!(distinct(&executions(&dir)), 12);
}

#[test]
fn sigterm_stops_the_trials_and_a_rerun_resumes() {
    let dir = temp_dir("sigterm");
    let marker = format!("marker-term-{}", std::process::id());
    slow_study(&dir, &marker, 4, 0.4);
    let driver = start(&dir);
    wait_for_records(&dir, 3);
    // SAFETY: sending a signal to our own child.
    unsafe {
        libc_kill(driver.id() as i32, 15);
    }
    let out = driver.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "stderr: {}", text(&out.stderr));
    assert!(text(&out.stderr).contains("interrupted") && text(&out.stderr).contains("run the study again to resume"), "{}", text(&out.stderr));
    no_orphans(&marker);
    let journaled = journal_lines(&dir);
    assert!(journaled < 12);
    let rerun = run_in(&dir, &["run", "study.toml"]);
    assert!(text(&rerun.stdout).contains(&format!("{journaled} reused")), "{}", text(&rerun.stdout));
    assert_eq!(journal_lines(&dir), 12, "the stopped trials left nothing half-done in the journal");
}

unsafe extern "C" {
    #[link_name = "kill"]
    fn libc_kill(pid: i32, signal: i32) -> i32;
}

#[test]
fn two_drivers_started_together_execute_each_trial_once() {
    let dir = temp_dir("two");
    let marker = format!("marker-two-{}", std::process::id());
    slow_study(&dir, &marker, 8, 0.05);
    let a = start(&dir);
    let b = start(&dir);
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    assert!(a.status.success() && b.status.success(), "{}\n{}", text(&a.stderr), text(&b.stderr));
    let runs = executions(&dir);
    assert_eq!(runs.len(), 24, "executions counted = trials");
    assert_eq!(distinct(&runs), 24);
    let summary = |o: &Output| text(&o.stdout).lines().find(|l| l.contains("trials run now")).unwrap().to_string();
    // Both end with every trial's result.
    for o in [&a, &b] {
        assert!(summary(o).contains("run now"), "{}", summary(o));
        assert!(text(&o.stdout).contains("x=3"));
    }
}

#[test]
fn report_reads_an_optuna_study() {
    let dir = temp_dir("optuna");
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/optuna");
    let journal = fixtures.join("journal.log");
    let out = run_in(&dir, &["report", "--optuna", journal.to_str().unwrap()]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(stdout.contains("Optuna study `lr-study`: 7 trials imported, 3 left out") && stdout.contains("act=gelu"), "{stdout}");
    let csv = fixtures.join("trials.csv");
    let out = run_in(&dir, &["report", "--optuna", csv.to_str().unwrap(), "--direction", "minimize", "--baseline-trial", "1", "--markdown"]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(stdout.contains("Optuna study `trials`") && stdout.contains("| lr=0.01"), "{stdout}");
    let out = run_in(&dir, &["report", "--optuna", csv.to_str().unwrap()]);
    assert!(!out.status.success() && text(&out.stderr).contains("give --direction maximize"), "{}", text(&out.stderr));
}
