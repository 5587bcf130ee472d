//! The targets: each parser fed the way ablate meets its bytes, with a corpus of what ablate
//! itself writes and hand-written seeds (`tests/fuzz-corpus/`).

use std::path::{Path, PathBuf};

use serde_json::Value as Json;

use super::{Outcome, Shape, Target};
use crate::exec::slurm::{scheduler, script, submission};
use crate::objective::command;
use crate::plan::Plan;
use crate::results::Results;
use crate::space::Param;
use crate::spec::StudySpec;
use crate::store::files::Owner;
use crate::study::Study;
use crate::trial::{Direction, MetricSpec, Trial, TrialResult};
use crate::{metrics, OptunaImport, ProgressMode};

/// The committed seeds: `tests/fuzz-corpus/<folder>/*`.
fn committed(folder: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-corpus").join(folder);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir).map(|d| d.flatten().map(|e| e.path()).collect()).unwrap_or_default();
    paths.sort();
    let seeds: Vec<Vec<u8>> = paths.iter().filter_map(|p| std::fs::read(p).ok()).collect();
    assert!(!seeds.is_empty(), "no fuzz seeds in {}", dir.display());
    seeds
}

/// The working folder of one target (removed when its run ends).
pub(super) fn scratch_dir(target: &str) -> PathBuf {
    std::env::temp_dir().join(format!("ablate-fuzz-work-{}", std::process::id())).join(target)
}

/// A fresh working folder for one target.
fn scratch(target: &str) -> PathBuf {
    let dir = scratch_dir(target);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    dir
}

/// "0", "1", "2-3", "4-7", ...: a count in a few buckets, to tell outcomes apart.
fn bucket(n: usize) -> String {
    match n {
        0 | 1 => n.to_string(),
        n => {
            let low = 1usize << (usize::BITS - 1 - n.leading_zeros());
            format!("{low}-{}", 2 * low - 1)
        }
    }
}

fn write(path: &Path, bytes: &[u8]) {
    super::overwrite(path, bytes).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
}

/// The tiny study every run-directory corpus comes from: five kinds of param, two metrics,
/// learning curves, failed trials.
fn tiny_study(run_dir: &Path) -> Study {
    Study::new("fuzz")
        .param(Param::float("lr", 0.1).log().levels([0.01, 1.0]))
        .param(Param::int("width", 32).levels([16]))
        .param(Param::categorical("act", ["relu", "gelu"], "relu").levels(["gelu"]))
        .param(Param::bool("bn", true).levels([false]))
        .param(Param::component("dropout"))
        .seeds(2)
        .maximize("accuracy")
        .minimize("loss")
        .progress(ProgressMode::Off)
        .run_dir(run_dir)
}

fn tiny_trial(t: &Trial) -> TrialResult {
    if t.str("act")? == "gelu" && t.seed() % 2 == 1 {
        return Err("diverged".into());
    }
    for step in 0..3 {
        t.report(step, metrics! { "loss" => 1.0 / (step as f64 + t.float("lr")?) })?;
    }
    Ok(metrics! { "accuracy" => 0.5 + t.float("lr")? / 10.0 + (t.seed() % 7) as f64 / 100.0, "loss" => 0.3 })
}

/// A run directory of the tiny study, run to the end.
fn tiny_run(dir: &Path) -> Results {
    tiny_study(dir).run(tiny_trial).unwrap_or_else(|e| panic!("the tiny study does not run: {e}"))
}

/// Recomputes the checksum of every `<8 hex digits> <rest>` line (the journal's and the
/// shards' format), so a mutated record reaches the JSON parser behind the checksum.
fn fix_checksums(bytes: &mut Vec<u8>) {
    let mut out = Vec::with_capacity(bytes.len());
    for line in bytes.split_inclusive(|&b| b == b'\n') {
        let body_end = line.len() - usize::from(line.ends_with(b"\n"));
        if body_end >= 9 && line[8] == b' ' && line[..8].iter().all(u8::is_ascii_hexdigit) {
            let crc = crc32fast::hash(&line[9..body_end]);
            out.extend_from_slice(format!("{crc:08x}").as_bytes());
            out.extend_from_slice(&line[8..]);
        } else {
            out.extend_from_slice(line);
        }
    }
    *bytes = out;
}

const RECORD_WORDS: &[&[u8]] = &[
    b"\"id\"", b"\"config\"", b"\"seed\"", b"\"replicate\"", b"\"status\"", b"\"ok\"", b"\"failed\"", b"\"error\"", b"\"metrics\"",
    b"\"duration_s\"", b"\"started_at_ms\"", b"\"attempt\"", b"\"reports\"", b"\"step\"", b"\"values\"", b"\"code\"", b"\"Float\"",
    b"\"Int\"", b"\"Str\"", b"\"Bool\"", b"\"format\"", b"\"ablate-journal\"", b"\"version\"", b"\"study\"", b"\"spec_hash\"",
    b"00000000 ",
];

/// Loads a run directory the ways a user reads one: `Results::load` with its summary and
/// frame, and `Results::status`.
fn read_run(dir: &Path) -> Outcome {
    let results = match Results::load(dir) {
        Ok(r) => r,
        Err(e) => return Outcome::Rejected(e.to_string()),
    };
    let summary = results.summary().to_string();
    let status = match Results::status(dir) {
        Ok(s) => s.to_string(),
        Err(e) => return Outcome::Broken(format!("Results::load accepted the run directory but Results::status refused it: {e}")),
    };
    let _ = results.curves();
    // What `ablate report` prints: the significance table, conclusions, charts.
    if let Ok(report) = results.report() {
        let _ = crate::display::Render::to_text(&report);
    }
    Outcome::Accepted(format!("{} records, summary {} lines, status {} lines", bucket(results.records().len()), bucket(summary.lines().count()), bucket(status.lines().count())))
}

/// The journal of a run directory (`journal.jsonl`), next to its valid spec.
pub(super) fn run_journal() -> Target {
    let dir = scratch("run_journal");
    tiny_run(&dir);
    let journal_path = dir.join(crate::store::JOURNAL_FILE);
    let journal = std::fs::read(&journal_path).unwrap_or_default();
    // A torn last line, a journal of only its header, and one of a newer version.
    let mut seeds = vec![journal.clone(), journal[..journal.len() - 7].to_vec()];
    let header_end = journal.iter().position(|&b| b == b'\n').map_or(0, |i| i + 1);
    seeds.push(journal[..header_end].to_vec());
    let mut newer = String::from_utf8_lossy(&journal[..header_end]).replace("\"version\":1", "\"version\":2").into_bytes();
    fix_checksums(&mut newer);
    seeds.push(newer);
    Target {
        name: "run_journal",
        seeds,
        dict: RECORD_WORDS.to_vec(),
        shape: Shape::JsonLines,
        fixup: Some(fix_checksums),
        max_len: 1 << 18,
        must_name: vec![crate::store::JOURNAL_FILE.into(), crate::store::SPEC_FILE.into()],
        run: Box::new(move |input| {
            write(&journal_path, input);
            read_run(&dir)
        }),
    }
}

/// A cluster task's shard (`shards/<task>.jsonl`) beside an intact journal.
pub(super) fn run_shard() -> Target {
    let dir = scratch("run_shard");
    tiny_run(&dir);
    let journal_path = dir.join(crate::store::JOURNAL_FILE);
    let journal = std::fs::read(&journal_path).unwrap_or_default();
    // A shard holds records in the journal's line format: the journal's records, moved.
    let lines: Vec<&[u8]> = journal.split_inclusive(|&b| b == b'\n').collect();
    let (header, records) = lines.split_first().map_or((&b""[..], &[][..]), |(h, r)| (*h, r));
    let half = records.len() / 2;
    write(&journal_path, &[header, &records[..half].concat()].concat());
    let shard_dir = dir.join(crate::store::SHARDS_DIR);
    let _ = std::fs::create_dir_all(&shard_dir);
    let shard_path = shard_dir.join("0-0.jsonl");
    let shard = records[half..].concat();
    let seeds = vec![shard.clone(), records[..1].concat(), Vec::new()];
    Target {
        name: "run_shard",
        seeds,
        dict: RECORD_WORDS.to_vec(),
        shape: Shape::JsonLines,
        fixup: Some(fix_checksums),
        max_len: 1 << 18,
        must_name: vec![crate::store::JOURNAL_FILE.into(), crate::store::SPEC_FILE.into(), "0-0.jsonl".into()],
        run: Box::new(move |input| {
            write(&shard_path, input);
            read_run(&dir)
        }),
    }
}

const SPEC_WORDS: &[&[u8]] = &[
    b"name", b"seeds", b"seeds_per_sample", b"study_seed", b"adaptive", b"min", b"equivalence_margin", b"futility", b"spending",
    b"obrien-fleming", b"pocock", b"hwang-shih-decani", b"round", b"number", b"previous", b"param", b"metric", b"primary",
    b"design", b"code_version", b"command", b"run", b"slurm", b"type", b"baseline", b"levels", b"log", b"bounds", b"choices",
    b"fidelity", b"scale", b"goal", b"maximize", b"minimize", b"kind", b"ofat", b"grid", b"leave_one_out", b"add_one_in",
    b"custom", b"random", b"sobol", b"params", b"components", b"label", b"set", b"workers", b"retries", b"run_dir", b"argv",
    b"timeout_s", b"workdir", b"env", b"fingerprint", b"partition", b"poll_s", b"trials_per_task", b"max_parallel", b"time",
    b"mem", b"sbatch", b"setup", b"ablate_bin", b"no_requeue", b"cpus_per_task", b"gpus", b"float", b"int", b"categorical",
    b"bool", b"component", b"[[param]]\n", b"[[metric]]\n", b"[[design]]\n", b"[run]\n", b"[slurm]\n", b"[command]\n",
    b"[adaptive]\n", b"{seed}", b"{lr}", b" = ", b"\"\"\"", b"'''", b"nan", b"inf", b"true", b"false", b"1979-05-27T07:32:00Z",
];

/// The spec a run directory keeps (`spec.json`): what `Results::load` and
/// `Study::from_run_dir` rebuild the plan from.
pub(super) fn run_spec() -> Target {
    let dir = scratch("run_spec");
    tiny_run(&dir);
    let spec_path = dir.join(crate::store::SPEC_FILE);
    let spec = std::fs::read(&spec_path).unwrap_or_default();
    let mut seeds = vec![spec];
    seeds.extend(committed("study").into_iter().filter_map(|toml| json_of_toml(&toml)));
    Target {
        name: "run_spec",
        seeds,
        dict: SPEC_WORDS.to_vec(),
        shape: Shape::JsonDoc,
        fixup: None,
        max_len: 1 << 16,
        must_name: vec![crate::store::SPEC_FILE.into()],
        run: Box::new(move |input| {
            write(&spec_path, input);
            let outcome = read_run(&dir);
            if let Outcome::Accepted(_) = outcome
                && let Err(e) = Study::from_run_dir(&dir)
            {
                return Outcome::Broken(format!("Results::load read the run directory but Study::from_run_dir refused it: {e}"));
            }
            outcome
        }),
    }
}

/// A claim file (`claims/<trial id>`), as a live, dead or torn holder left it.
pub(super) fn run_claim() -> Target {
    let dir = scratch("run_claim");
    let results = tiny_run(&dir);
    let claims = dir.join(crate::store::CLAIMS_DIR);
    let _ = std::fs::create_dir_all(&claims);
    let claim_path = claims.join(results.records()[0].id.as_str());
    let me = Owner::current();
    let claim = |host: &str, pid: u32, start: u64, lease: &str| format!("{{\"host\":\"{host}\",\"pid\":{pid},\"start\":{start},\"lease_s\":{lease}}}").into_bytes();
    let seeds = vec![
        claim(&me.host, me.pid, me.start, "60.0"),
        claim(&me.host, 4_000_000, 1, "60.0"),
        claim("elsewhere", 1, 1, "0.5"),
        claim("elsewhere", 1, 1, "1e300"),
        Vec::new(),
    ];
    Target {
        name: "run_claim",
        seeds,
        dict: vec![b"\"host\"", b"\"pid\"", b"\"start\"", b"\"lease_s\"", b"1e300", b"-1"],
        shape: Shape::JsonDoc,
        fixup: None,
        max_len: 4096,
        must_name: Vec::new(),
        run: Box::new(move |input| {
            write(&claim_path, input);
            match read_run(&dir) {
                Outcome::Rejected(e) => Outcome::Broken(format!("a claim file made the run directory unreadable: {e}")),
                other => other,
            }
        }),
    }
}

/// The TOML of a committed study seed as JSON (for the JSON targets' corpora).
fn json_of_toml(toml_bytes: &[u8]) -> Option<Vec<u8>> {
    let value: Json = toml::from_str(std::str::from_utf8(toml_bytes).ok()?).ok()?;
    serde_json::to_vec_pretty(&value).ok()
}

/// A study file, TOML or JSON, loaded as `ablate plan` does: `Study::from_file`, its plan,
/// its estimate, its command and Slurm settings checked as a run or submission checks them;
/// and a study that loads must load again from the `spec.json` a run of it would store.
pub(super) fn study_file(name: &'static str, extension: &'static str) -> Target {
    let dir = scratch(name);
    let mut seeds = committed("study");
    seeds.push(include_bytes!("../../cli/templates/study.toml").to_vec());
    let tiny = tiny_study(&dir.join("runs/tiny")).to_spec();
    let mut tiny_json: Json = serde_json::from_str(&tiny.to_json()).unwrap_or_default();
    if let Some(map) = tiny_json.as_object_mut() {
        map.remove("run");
    }
    seeds.push(super::mutate::to_toml(&tiny_json).unwrap_or_default().into_bytes());
    let (seeds, shape) = if extension == "json" {
        (seeds.iter().filter_map(|s| json_of_toml(s)).collect(), Shape::JsonDoc)
    } else {
        (seeds, Shape::TomlDoc)
    };
    let path = dir.join(format!("study.{extension}"));
    // A program that exists, for `[command]` argv that names it.
    write(&dir.join("train.py"), b"print('ABLATE_RESULT {\"accuracy\": 1}')\n");
    Target {
        name,
        seeds,
        dict: SPEC_WORDS.to_vec(),
        shape,
        fixup: None,
        max_len: 1 << 16,
        must_name: vec![format!("study.{extension}")],
        run: Box::new(move |input| {
            write(&path, input);
            let study = match Study::from_file(&path) {
                Ok(s) => s,
                Err(e) => return Outcome::Rejected(e.to_string()),
            };
            load_study(&study)
        }),
    }
}

/// What `ablate plan`, `run` and `submit` do with a study that loaded; `Broken` when a
/// later step cannot use what loading accepted.
fn load_study(study: &Study) -> Outcome {
    let plan = match study.plan() {
        Ok(p) => p,
        Err(e) => return Outcome::Broken(format!("Study::from_file accepted the file, then plan() refused it: {e}")),
    };
    let _ = study.estimate().map(|e| crate::display::Render::to_text(&e));
    if study.command_spec().is_some() {
        let _ = study.command_trials();
    }
    if let Some(slurm) = study.slurm_settings() {
        let _ = slurm.sbatch_options();
        let _ = slurm.poll_interval();
        let _ = script::batch_script(plan.name(), slurm, &crate::resources::Resources::default(), Path::new("ablate"), Path::new("runs/x"), 0, std::time::Duration::from_secs(30));
    }
    // The spec a run stores, read back as Results::load and the Slurm workers read it.
    let stored = match study.resolved_spec() {
        Ok(s) => s.to_json(),
        Err(e) => return Outcome::Rejected(e.to_string()),
    };
    let back = match StudySpec::from_json(&stored) {
        Ok(s) => s,
        Err(e) => return Outcome::Broken(format!("the spec.json a run of this study would store does not load: {e}\n{stored}")),
    };
    match Plan::from_spec(&back) {
        Ok(again) if again.trials().iter().map(|t| t.id()).eq(plan.trials().iter().map(|t| t.id())) => {}
        Ok(_) => return Outcome::Broken(format!("the spec.json a run would store plans other trials\n{stored}")),
        Err(e) => return Outcome::Broken(format!("the spec.json a run of this study would store does not plan: {e}\n{stored}")),
    }
    Outcome::Accepted(format!("{} configs, {} trials", bucket(plan.configs().len()), bucket(plan.trials().len())))
}

/// A submission record (`slurm/submission-<n>.json`), read as a worker and a re-attaching
/// driver read it.
pub(super) fn slurm_submission() -> Target {
    let dir = scratch("slurm_submission");
    let results = tiny_run(&dir);
    let spec_hash = tiny_study(&dir).resolved_spec().map(|s| s.hash()).unwrap_or_default();
    let tasks: Vec<Vec<submission::SubmittedTrial>> =
        results.records().chunks(2).map(|c| c.iter().map(|r| submission::SubmittedTrial { id: r.id.clone(), attempt: 1 }).collect()).collect();
    let settings = crate::exec::Slurm::new().partition("gpu").gpus(1).time("4:00:00").max_parallel(4).trials_per_task(2).setup("module load x").poll_s(2.0);
    let sub = submission::Submission { number: 0, created_ms: 1_700_000_000_000, job_name: "ablate-0-0".into(), retries: 1, resources: Default::default(), spec_hash, settings, tasks };
    let folder = submission::dir(&dir);
    let _ = std::fs::create_dir_all(&folder);
    let path = folder.join("submission-0.json");
    let seeds = vec![serde_json::to_vec(&sub).unwrap_or_default(), serde_json::to_vec_pretty(&sub).unwrap_or_default()];
    Target {
        name: "slurm_submission",
        seeds,
        dict: vec![b"\"number\"", b"\"created_ms\"", b"\"job_name\"", b"\"retries\"", b"\"spec_hash\"", b"\"settings\"", b"\"tasks\"", b"\"attempt\"", b"\"poll_s\"", b"\"trials_per_task\"", b"\"setup\"", b"\"sbatch\""],
        shape: Shape::JsonDoc,
        fixup: None,
        max_len: 1 << 16,
        must_name: vec!["submission-0.json".into(), "specs/".into()],
        run: Box::new(move |input| {
            write(&path, input);
            let sub = match submission::load(&dir, 0) {
                Ok(s) => s,
                Err(e) => return Outcome::Rejected(e.to_string()),
            };
            // The worker: its task's trials in the plan of the submitted spec.
            let spec = match crate::cluster::submitted_spec(&dir, &sub.spec_hash) {
                Ok(s) => s,
                Err(e) => return Outcome::Rejected(e.to_string()),
            };
            let plan = match Plan::from_spec(&spec) {
                Ok(p) => p,
                Err(e) => return Outcome::Rejected(e.to_string()),
            };
            let found = sub.tasks.first().map_or(0, |task| task.iter().filter(|t| plan.trial_index(&t.id).is_some()).count());
            // The re-attached driver: the latest submission's settings drive polls and the
            // next submission's script.
            let _ = sub.settings.poll_interval();
            let _ = sub.settings.chunk();
            let _ = script::batch_script(plan.name(), &sub.settings, &sub.resources, Path::new("ablate"), &dir, sub.number.wrapping_add(1), std::time::Duration::from_secs(30));
            Outcome::Accepted(format!("{} tasks, {} found", bucket(sub.tasks.len()), bucket(found)))
        }),
    }
}

/// A task's exit record (`slurm/exits/<n>-<k>.json`) and a job file
/// (`slurm/submission-<n>.job`): both read as "what is known", never as errors.
pub(super) fn slurm_exit() -> Target {
    let dir = scratch("slurm_exit");
    let exit = submission::ExitRecord { signalled: true, error: Some("task 0 was stopped".into()) };
    let _ = submission::write_exit(&dir, 0, 0, &exit);
    let exit_path = submission::dir(&dir).join("exits/0-0.json");
    let job_path = submission::dir(&dir).join("submission-0.job");
    let seeds = vec![std::fs::read(&exit_path).unwrap_or_default(), b"{\"signalled\":false}".to_vec(), b"12345\n".to_vec(), b"none".to_vec()];
    Target {
        name: "slurm_exit",
        seeds,
        dict: vec![b"\"signalled\"", b"\"error\"", b"none", b"true"],
        shape: Shape::JsonDoc,
        fixup: None,
        max_len: 4096,
        must_name: Vec::new(),
        run: Box::new(move |input| {
            write(&exit_path, input);
            write(&job_path, input);
            let exit = submission::read_exit(&dir, 0, 0);
            let job = submission::job(&dir, 0);
            Outcome::Accepted(format!("exit {}, job {}", exit.is_some(), matches!(job, submission::Job::Id(_))))
        }),
    }
}

/// What `squeue`, `sacct` and `sbatch --parsable` print, as the driver parses it.
pub(super) fn slurm_states() -> Target {
    Target {
        name: "slurm_states",
        seeds: committed("slurm"),
        dict: vec![b"|", b"_", b"[", b"-", b"%", b"PENDING", b"RUNNING", b"CANCELLED by 0", b"COMPLETED", b"FAILED", b"TIMEOUT", b"OUT_OF_MEMORY", b"JobHeldUser", b"NODE_FAIL", b"+", b";cluster"],
        shape: Shape::Bytes,
        fixup: None,
        max_len: 1 << 16,
        must_name: vec!["sbatch printed".into()],
        run: Box::new(|input| {
            let text = String::from_utf8_lossy(input);
            let queue = scheduler::parse_queue(&text);
            let accounted = scheduler::parse_states(&text);
            for state in queue.states.values().chain(accounted.values()) {
                let _ = state.describe();
            }
            match scheduler::parse_job_id(&text) {
                Ok(_) => Outcome::Accepted(format!("{} states, {} held", bucket(queue.states.len()), bucket(queue.held.len()))),
                Err(e) => Outcome::Rejected(e.to_string()),
            }
        }),
    }
}

/// An Optuna JournalStorage file, imported.
pub(super) fn optuna_journal() -> Target {
    let dir = scratch("optuna_journal");
    let path = dir.join("journal.log");
    let mut seeds = vec![include_bytes!("../../tests/fixtures/optuna/journal.log").to_vec()];
    seeds.extend(committed("optuna-journal"));
    Target {
        name: "optuna_journal",
        seeds,
        dict: vec![
            b"\"op_code\"", b"\"study_id\"", b"\"trial_id\"", b"\"study_name\"", b"\"directions\"", b"\"param_name\"", b"\"param_value_internal\"",
            b"\"distribution\"", b"\"state\"", b"\"values\"", b"\"value\"", b"\"step\"", b"\"intermediate_value\"", b"\"user_attr\"", b"\"system_attr\"",
            b"\"datetime_start\"", b"\"datetime_complete\"", b"\"params\"", b"\"distributions\"", b"\"intermediate_values\"", b"\"user_attrs\"",
            b"\"system_attrs\"", b"FloatDistribution", b"IntDistribution", b"CategoricalDistribution", b"IntLogUniformDistribution",
            b"\\\"choices\\\"", b"\\\"low\\\"", b"\\\"high\\\"", b"\\\"log\\\"", b"NaN", b"Infinity", b"-Infinity", b"study:metric_names",
            b"fail_reason", b"\"seed\"", b"2026-01-01T00:00:00.000000+00:00",
        ],
        shape: Shape::JsonLines,
        fixup: None,
        max_len: 1 << 17,
        must_name: vec!["journal.log".into()],
        run: Box::new(move |input| {
            write(&path, input);
            imported(OptunaImport::journal(&path).load())
        }),
    }
}

fn imported(results: crate::Result<Results>) -> Outcome {
    match results {
        Ok(results) => {
            let _ = results.summary().to_string();
            let _ = results.curves();
            Outcome::Accepted(format!("{} trials, {} configs", bucket(results.records().len()), bucket(results.plan().configs().len())))
        }
        Err(e) => Outcome::Rejected(e.to_string()),
    }
}

/// The CSV of an Optuna study's `trials_dataframe()`, imported.
pub(super) fn optuna_csv() -> Target {
    let dir = scratch("optuna_csv");
    let path = dir.join("trials.csv");
    let mut seeds = vec![include_bytes!("../../tests/fixtures/optuna/trials.csv").to_vec()];
    seeds.extend(committed("optuna-csv"));
    Target {
        name: "optuna_csv",
        seeds,
        dict: vec![
            b"number", b"value", b"values_0", b"values_1", b"datetime_start", b"datetime_complete", b"duration", b"params_", b"user_attrs_seed",
            b"system_attrs_fail_reason", b"state", b"intermediate_values_", b"COMPLETE", b"FAIL", b"PRUNED", b"RUNNING", b"WAITING", b"True",
            b"False", b"\"", b",", b"\r\n", b"2026-01-01 00:00:00", b"4.0", b"nan", b"inf",
        ],
        shape: Shape::Bytes,
        fixup: None,
        max_len: 1 << 17,
        must_name: vec!["trials.csv".into()],
        run: Box::new(move |input| {
            write(&path, input);
            imported(OptunaImport::csv(&path).direction(Direction::Minimize).load())
        }),
    }
}

const COMMAND_WORDS: &[&[u8]] = &[b"ABLATE_RESULT ", b"ABLATE_REPORT ", b"\"step\"", b"\"accuracy\"", b"\"loss\"", b"NaN", b"Infinity", b"-Infinity", b"\r\n", b"null"];

/// The declared metrics of the command targets, for the check a trial's metrics go through.
fn declared() -> Vec<MetricSpec> {
    vec![MetricSpec { name: "accuracy".into(), direction: Direction::Maximize }, MetricSpec { name: "loss".into(), direction: Direction::Minimize }]
}

/// What a finished command trial's result becomes: metrics checked against the study's, or
/// the failure message the trial is recorded with.
fn trial_result(result: std::result::Result<crate::Metrics, String>) -> Outcome {
    match result.and_then(|m| m.check(&declared()).map(|()| m).map_err(|e| e.to_string())) {
        Ok(m) => Outcome::Accepted(format!("{} metrics", m.0.len())),
        Err(message) => Outcome::Rejected(message),
    }
}

/// A command trial's stdout (`stdout.log`): its `ABLATE_REPORT` lines and its last
/// `ABLATE_RESULT` line.
pub(super) fn command_stdout() -> Target {
    let dir = scratch("command_stdout");
    let path = dir.join("stdout.log");
    Target {
        name: "command_stdout",
        seeds: committed("command-stdout"),
        dict: COMMAND_WORDS.to_vec(),
        shape: Shape::JsonLines,
        fixup: None,
        max_len: 1 << 18,
        must_name: vec!["ABLATE_RESULT".into(), "the trial returned".into(), "the trial did not return".into()],
        run: Box::new(move |input| {
            write(&path, input);
            let command::TrialStdout { reports, result: line, .. } = command::read_stdout(&path);
            let _ = reports.len();
            trial_result(command::read_result(&dir, line))
        }),
    }
}

/// A command trial's result file (`result.json`).
pub(super) fn command_result_file() -> Target {
    let dir = scratch("command_result_file");
    let path = dir.join(command::RESULT_FILE);
    let seeds = committed("command-stdout")
        .iter()
        .flat_map(|s| String::from_utf8_lossy(s).lines().filter_map(|l| l.strip_prefix(command::RESULT_PREFIX).map(|r| r.as_bytes().to_vec())).collect::<Vec<_>>())
        .collect();
    Target {
        name: "command_result_file",
        seeds,
        dict: COMMAND_WORDS.to_vec(),
        shape: Shape::JsonDoc,
        fixup: None,
        max_len: 1 << 16,
        must_name: vec![command::RESULT_FILE.into(), "the trial returned".into(), "the trial did not return".into()],
        run: Box::new(move |input| {
            write(&path, input);
            trial_result(command::read_result(&dir, None))
        }),
    }
}

/// An argv template (`"--lr={lr}"`) of a study's command.
pub(super) fn command_template() -> Target {
    let params = vec!["lr".to_string(), "width".to_string(), "a b".to_string()];
    Target {
        name: "command_template",
        seeds: ["--lr={lr}", "{seed}", "{{literal}}", "--out={trial_dir}/x-{trial_id}-{replicate}", "{width}{lr}", "{a b}", "{", "}", "{nope}"]
            .iter()
            .map(|s| s.as_bytes().to_vec())
            .collect(),
        dict: vec![b"{", b"}", b"{{", b"}}", b"{lr}", b"{seed}", b"{trial_dir}", b"{a b}"],
        shape: Shape::Bytes,
        fixup: None,
        max_len: 4096,
        must_name: vec!["argument".into()],
        run: Box::new(move |input| match command::parse_template(&String::from_utf8_lossy(input), &params) {
            Ok(pieces) => Outcome::Accepted(format!("{} pieces", bucket(pieces.len()))),
            Err(e) => Outcome::Rejected(e.to_string()),
        }),
    }
}
