//! One test per input the fuzz harness found that panicked or was rejected unclearly: each
//! asserts the fix (no panic, and the clear error the input gets now).

use std::path::{Path, PathBuf};

use crate::{metrics, Direction, Param, ProgressMode, Results, Study, Trial, TrialResult};

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ablate-fuzz-regressions-{}", std::process::id())).join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn study(run_dir: &Path, seeds: &[u64]) -> Study {
    Study::new("reg")
        .param(Param::int("width", 32).levels([16]))
        .seed_list(seeds.iter().copied())
        .maximize("accuracy")
        .progress(ProgressMode::Off)
        .run_dir(run_dir)
}

fn trial(t: &Trial) -> TrialResult {
    Ok(metrics! { "accuracy" => t.int("width")? as f64 / 100.0 + t.seed() as f64 / 1000.0 })
}

/// Rewrites every journal record line with `edit` applied to its JSON (checksum renewed).
fn edit_journal(run_dir: &Path, edit: impl Fn(&mut serde_json::Value)) {
    let path = run_dir.join(crate::store::JOURNAL_FILE);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        if i == 0 {
            out.push_str(line);
        } else {
            let mut json: serde_json::Value = serde_json::from_str(&line[9..]).unwrap();
            edit(&mut json);
            let body = json.to_string();
            out.push_str(&format!("{:08x} {body}", crc32fast::hash(body.as_bytes())));
        }
        out.push('\n');
    }
    std::fs::write(&path, out).unwrap();
}

/// Found by `run_journal` and `run_shard`: a record whose replicate index lies past the
/// plan's seeds indexed past the end of a row (`values`, the summary).
#[test]
fn a_record_with_a_replicate_past_the_seeds_does_not_panic() {
    let d = dir("replicate");
    study(&d, &[1, 2]).run(trial).unwrap();
    edit_journal(&d, |r| r["replicate"] = serde_json::json!(7));
    let results = Results::load(&d).unwrap();
    assert_eq!(results.records().len(), 4);
    assert!(results.records().iter().all(|r| r.replicate < 2), "the plan's replicate stands");
    let values = results.values("accuracy").unwrap();
    assert!(values.iter().flatten().all(Option::is_some));
    let _ = results.summary().to_string();
}

/// The same index from legitimate use: records reused by a study whose seed list puts
/// their seeds at other replicates.
#[test]
fn records_reused_under_another_seed_order_take_the_plans_replicate() {
    let d = dir("seed-order");
    study(&d, &[1, 2, 3]).run(trial).unwrap();
    let results = study(&d, &[3]).run(|_| Err("reused, never run".into())).unwrap();
    assert_eq!(results.run_stats().executed, 0);
    assert!(results.records().iter().all(|r| r.replicate == 0 && r.seed == 3));
    let values = results.values("accuracy").unwrap();
    assert_eq!(values.iter().flatten().filter(|v| v.is_some()).count(), 2);
}

/// Found by `run_claim`: a claim whose lease is too long for a `Duration` (a torn or edited
/// claim, or `Study::lease(Duration::MAX)`) panicked every reader of the run directory.
#[test]
fn a_claim_with_a_lease_too_long_to_count_is_held_not_a_panic() {
    let d = dir("lease");
    // A failed trial: one claimed by a live process counts as running.
    let results = study(&d, &[1]).run(|_| Err("failed".into())).unwrap();
    let claims = d.join(crate::store::CLAIMS_DIR);
    std::fs::create_dir_all(&claims).unwrap();
    let id = results.records()[0].id.as_str().to_string();
    for lease in ["1e300", "1.8446744073709552e19", "-1"] {
        std::fs::write(claims.join(&id), format!("{{\"host\":\"elsewhere\",\"pid\":1,\"start\":1,\"lease_s\":{lease}}}")).unwrap();
        let status = Results::status(&d).unwrap();
        let running = status.totals().running;
        assert_eq!(running, usize::from(lease != "-1"), "lease {lease}: a live claim runs, an expired one does not");
    }
    // The same lease from the builder: claims written, read back and renewed.
    let long = study(&dir("lease-max"), &[1]).lease(std::time::Duration::MAX);
    long.run(trial).unwrap();
    long.run(trial).unwrap();
}

/// Found by `study_json`: `timeout_s = 18446744073709551615` panicked when the command was
/// checked (`ablate run`); now a clear error.
#[test]
fn a_timeout_too_long_to_count_is_a_clear_error() {
    let d = dir("timeout");
    std::fs::write(d.join("train.py"), "").unwrap();
    let study = Study::new("t").param(Param::int("n", 1).levels([2])).maximize("a").command(["python3", "train.py"]).working_dir(&d).timeout_secs(1e20);
    let e = study.command_trials().unwrap_err().to_string();
    assert!(e.contains("timeout 100000000000000000000 s is longer than ablate can count"), "{e}");
}

/// Found by reading the code the harness drives: a poll interval too long for a `Duration`
/// (`poll_s = 1e300` in `[slurm]` or a submission record) panicked the driver's first wait.
#[test]
fn a_poll_interval_too_long_to_count_is_a_day() {
    let slurm = crate::exec::Slurm::new().poll_s(1e300);
    assert_eq!(slurm.poll_interval(), std::time::Duration::from_secs(86_400));
}

/// Found by `run_journal` and `run_spec`: a stored spec that names another study than the
/// journal was reported as "give this study its own .run_dir(...)", advice for a study the
/// user never gave; and a stored spec that does not plan did not name the file.
#[test]
fn a_stored_spec_that_does_not_fit_names_the_file() {
    let d = dir("stored-spec");
    study(&d, &[1]).run(trial).unwrap();
    let spec_path = d.join(crate::store::SPEC_FILE);
    let spec = std::fs::read_to_string(&spec_path).unwrap();
    std::fs::write(&spec_path, spec.replace("\"name\": \"reg\"", "\"name\": \"other\"")).unwrap();
    let e = Results::load(&d).unwrap_err().to_string();
    assert!(e.contains("spec.json: it names the study `other`, but the journal") && e.contains("belongs to the study `reg`") && !e.contains(".run_dir("), "{e}");
    std::fs::write(&spec_path, spec.replace("\"goal\": \"maximize\"", "\"goal\": \"minimize\"").replace("\"accuracy\"", "\"width\"")).unwrap();
    let e = Results::status(&d).unwrap_err().to_string();
    assert!(e.contains("spec.json: ") && e.contains("width"), "{e}");
}

/// Found by `command_result_file`: a result file that is not UTF-8 was taken for no result
/// file ("finished without a result: write a JSON object of metrics to $ABLATE_RESULT_FILE").
#[test]
fn a_result_file_that_is_not_text_says_so() {
    let d = dir("result-not-utf8");
    std::fs::write(d.join(crate::objective::command::RESULT_FILE), b"{\"accuracy\": 0.9\xff}").unwrap();
    let e = crate::objective::command::read_result(&d, Some(Ok("{\"accuracy\": 1}".into()))).unwrap_err();
    assert!(e.contains("result.json is not UTF-8 text"), "{e}");
}

/// Found by reading what the harness measures (an allocation as large as the input): a
/// stdout line without a newline was read whole, however long (a program printing
/// gigabytes without a newline made ablate hold them). Lines are kept to their first MiB;
/// a result line that long is a clear error, and so is a result file over 16 MiB.
#[test]
fn an_endless_stdout_line_is_read_in_bounded_memory() {
    let d = dir("long-line");
    let stdout = d.join("stdout.log");
    let mut text = b"ABLATE_REPORT {\"step\": 1, \"loss\": 0.5}\nABLATE_RESULT {\"accuracy\": ".to_vec();
    text.extend(std::iter::repeat_n(b'1', 8 << 20));
    std::fs::write(&stdout, &text).unwrap();
    let watch = super::alloc::Watch::start();
    let crate::objective::command::TrialStdout { reports, result: line, .. } = crate::objective::command::read_stdout(&stdout);
    let allocated = watch.stop();
    assert!(allocated.largest < 4 << 20, "largest allocation {} bytes", allocated.largest);
    assert_eq!(reports.len(), 1);
    let e = crate::objective::command::read_result(&d, line).unwrap_err();
    assert!(e.contains("the ABLATE_RESULT line is longer than 1 MiB"), "{e}");
    std::fs::write(d.join(crate::objective::command::RESULT_FILE), vec![b' '; 17 << 20]).unwrap();
    let e = crate::objective::command::read_result(&d, None).unwrap_err();
    assert!(e.contains("result.json is larger than 16 MiB"), "{e}");
}

/// Found by reading what sizes the allocations the harness measures: an Optuna study whose
/// trials each carry a seed of their own planned every configuration on every seed, a plan
/// quadratic in the file (3,000 rows of a CSV: 9 million planned trials, gigabytes and a
/// minute). Now refused at once, saying to import by order.
#[test]
fn an_optuna_study_with_a_seed_per_trial_does_not_plan_quadratically() {
    let d = dir("optuna-sparse");
    let mut csv = String::from("number,value,params_x,user_attrs_seed,state\n");
    for i in 0..3000 {
        csv.push_str(&format!("{i},{}.5,{i},{},COMPLETE\n", i % 7, 1000 + i));
    }
    let path = d.join("trials.csv");
    std::fs::write(&path, csv).unwrap();
    let started = std::time::Instant::now();
    let e = Results::from_optuna_csv(&path, Direction::Minimize).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "{:?}", started.elapsed());
    assert!(e.contains("trials.csv") && e.contains("3000 configurations × 3000 distinct seeds would plan 9000000 trials for the 3000 imported") && e.contains(".seeds_by_order()"), "{e}");
    let by_order = crate::OptunaImport::csv(&path).direction(Direction::Minimize).seeds_by_order().load().unwrap();
    assert_eq!(by_order.records().len(), 3000);
}

/// Seen in the rejection messages of `slurm_submission` ("cannot read the study spec
/// …/specs/attempt.json"):
/// a submission's `spec_hash` became a path under `specs/` as it stood (`../spec` read the
/// run directory's own spec.json as the submitted spec). It must be 16 hex digits.
#[test]
fn a_submission_whose_spec_hash_is_not_a_hash_is_refused() {
    use crate::exec::slurm::submission;
    let d = dir("spec-hash");
    std::fs::create_dir_all(submission::dir(&d)).unwrap();
    let record = |hash: &str| format!("{{\"number\":0,\"created_ms\":1,\"job_name\":\"j\",\"retries\":1,\"spec_hash\":\"{hash}\",\"settings\":{{}},\"tasks\":[[]]}}");
    std::fs::write(submission::dir(&d).join("submission-0.json"), record("0123456789abcdef")).unwrap();
    assert!(submission::load(&d, 0).is_ok());
    std::fs::write(submission::dir(&d).join("submission-0.json"), record("../spec")).unwrap();
    let e = submission::load(&d, 0).unwrap_err().to_string();
    assert!(e.contains("submission-0.json is not a submission record (its spec_hash \"../spec\" is not 16 hex digits)"), "{e}");
}
