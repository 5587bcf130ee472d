//! Every user error gets a clear message that names what to fix: one test per case.

use ablate::prelude::*;

use crate::common::{small_study, temp_dir};

fn plan_error(study: Study) -> String {
    study.plan().expect_err("the study should be rejected").to_string()
}

#[test]
fn empty_level_list() {
    let e = plan_error(small_study("e").param(Param::int("depth", 3).levels(Vec::<i64>::new())));
    assert!(e.contains("`depth`") && e.contains("empty level list"), "{e}");
}

#[test]
fn duplicate_param_name() {
    let e = plan_error(small_study("e").param(Param::float("lr", 0.5)));
    assert!(e.contains("`lr`") && e.contains("declared twice"), "{e}");
}

#[test]
fn level_outside_domain() {
    let e = plan_error(small_study("e").param(Param::float("dropout", 0.1).bounds(0.0, 1.0).levels([0.0, 1.5])));
    assert!(e.contains("dropout") && e.contains("1.5") && e.contains("outside its domain"), "{e}");
}

#[test]
fn baseline_outside_domain() {
    let e = plan_error(small_study("e").param(Param::int("layers", 0).bounds(1.0, 8.0)));
    assert!(e.contains("layers") && e.contains("outside its domain"), "{e}");
}

#[test]
fn categorical_level_not_a_choice() {
    let e = plan_error(small_study("e").param(Param::categorical("opt", ["sgd", "adam"], "adam").levels(["sgd", "lion"])));
    assert!(e.contains("opt") && e.contains("lion"), "{e}");
}

#[test]
fn log_scale_with_non_positive_bound() {
    let e = plan_error(small_study("e").param(Param::float("wd", 1e-4).log().bounds(0.0, 1.0)));
    assert!(e.contains("`wd`") && e.contains("log scale"), "{e}");
    let e = plan_error(small_study("e").param(Param::float("wd", 1e-4).log().levels([0.0, 1e-4])));
    assert!(e.contains("`wd`") && e.contains("> 0"), "{e}");
}

#[test]
fn unknown_param_in_design() {
    let e = plan_error(small_study("e").grid(["lr", "batch_size"]));
    assert!(e.contains("`batch_size`") && e.contains("`lr`") && e.contains("`width`"), "{e}");
    let e = plan_error(small_study("e").config("big", [("depth", 3)]));
    assert!(e.contains("`depth`"), "{e}");
}

#[test]
fn zero_seeds() {
    let e = plan_error(small_study("e").seeds(0));
    assert!(e.contains("zero seeds") && e.contains(".seeds("), "{e}");
    let e = plan_error(small_study("e").seed_list([]));
    assert!(e.contains("zero seeds"), "{e}");
}

#[test]
fn no_metric_and_unknown_primary() {
    let e = plan_error(Study::new("e").param(Param::int("a", 1).levels([1, 2])));
    assert!(e.contains(".maximize("), "{e}");
    let e = plan_error(small_study("e").primary("f1"));
    assert!(e.contains("`f1`") && e.contains("`accuracy`"), "{e}");
}

#[test]
fn trial_returning_undeclared_metric_fails_with_message() {
    let results = small_study("e")
        .in_memory()
        .run(|_t: &Trial| Ok(metrics! { "accuracy" => 0.5, "f1" => 0.4 }))
        .unwrap();
    let failures = results.failures();
    assert_eq!(failures.len(), results.records().len());
    assert!(failures[0].error.contains("`f1`") && failures[0].error.contains("does not declare"), "{}", failures[0].error);
}

#[test]
fn trial_missing_declared_metric_fails_with_message() {
    let results = small_study("e")
        .maximize("f1")
        .in_memory()
        .run(|_t: &Trial| Ok(metrics! { "accuracy" => 0.5 }))
        .unwrap();
    let failures = results.failures();
    assert!(!failures.is_empty());
    assert!(failures[0].error.contains("did not return the declared metric `f1`"), "{}", failures[0].error);
}

#[test]
fn unwritable_run_directory() {
    // A path below a regular file cannot be a directory, even for root.
    let dir = temp_dir("unwritable");
    let file = dir.join("not-a-dir");
    std::fs::write(&file, "x").unwrap();
    let e = small_study("e")
        .run_dir(file.join("run"))
        .run(|_t: &Trial| Ok(metrics! { "accuracy" => 0.5 }))
        .unwrap_err()
        .to_string();
    assert!(e.contains("cannot write the run directory") && e.contains(".run_dir("), "{e}");
}

#[test]
fn journal_from_incompatible_version() {
    let dir = temp_dir("incompatible");
    let header = r#"{"format":"ablate-journal","version":99,"study":"e"}"#;
    let line = format!("{:08x} {header}\n", crc32(header.as_bytes()));
    std::fs::write(dir.join("journal.jsonl"), line).unwrap();
    let e = small_study("e")
        .run_dir(&dir)
        .run(|_t: &Trial| Ok(metrics! { "accuracy" => 0.5 }))
        .unwrap_err()
        .to_string();
    assert!(e.contains("format version 99") && e.contains("reads version 1"), "{e}");
}

#[test]
fn foreign_file_as_journal() {
    let dir = temp_dir("foreign");
    std::fs::write(dir.join("journal.jsonl"), "hello\nworld\n").unwrap();
    let e = small_study("e")
        .run_dir(&dir)
        .run(|_t: &Trial| Ok(metrics! { "accuracy" => 0.5 }))
        .unwrap_err()
        .to_string();
    assert!(e.contains("is not an ablate journal"), "{e}");
}

#[test]
fn typed_getters_explain_mistakes() {
    let results = small_study("e")
        .in_memory()
        .run(|t: &Trial| {
            let _ = t.int("lr")?; // lr is a float
            Ok(metrics! { "accuracy" => 0.5 })
        })
        .unwrap();
    let error = &results.failures()[0].error;
    assert!(error.contains("`lr` is a float, not an int"), "{error}");
    let results = small_study("e")
        .in_memory()
        .run(|t: &Trial| {
            let _ = t.float("learning_rate")?;
            Ok(metrics! { "accuracy" => 0.5 })
        })
        .unwrap();
    let error = &results.failures()[0].error;
    assert!(error.contains("`learning_rate`") && error.contains("known params: `lr`, `width`"), "{error}");
}

/// CRC-32 (IEEE), written out so the test does not share the implementation under test.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}
