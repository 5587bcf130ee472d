//! The durable store: reruns reuse finished trials, failed ones are retried, torn records
//! are skipped, and concurrent writers do not corrupt the journal.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};

use ablate::prelude::*;

use crate::common::{fake_accuracy, journal_records, small_study, temp_dir};

#[test]
fn rerun_executes_nothing_and_returns_the_same_frame() {
    let dir = temp_dir("rerun");
    let calls = AtomicUsize::new(0);
    let f = |t: &Trial| {
        calls.fetch_add(1, Ordering::SeqCst);
        Ok(metrics! { "accuracy" => fake_accuracy(t) })
    };
    let study = small_study("rerun").run_dir(&dir);
    let first = study.run(f).unwrap();
    let total = first.records().len();
    assert_eq!(total, 5 * 3);
    assert_eq!(calls.load(Ordering::SeqCst), total);
    assert_eq!(journal_records(&dir).len(), total);

    let second = study.run(f).unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), total, "a rerun must not execute finished trials");
    assert_eq!(second.run_stats().executed, 0);
    assert_eq!(second.run_stats().reused, total);
    assert_eq!(first.records(), second.records());
    assert!(dir.join("results.parquet").exists() && dir.join("results.csv").exists());
}

#[test]
fn changed_baseline_gives_new_ids_and_reuses_matching_ones() {
    let dir = temp_dir("rebase");
    let f = |t: &Trial| Ok(metrics! { "accuracy" => fake_accuracy(t) });
    let first = small_study("rebase").run_dir(&dir).run(f).unwrap();
    // Move the width baseline from 32 to 64: configs with width=64 already exist
    // (the OFAT level lr=0.1,width=64 is the new baseline).
    let moved = Study::new("rebase")
        .param(Param::float("lr", 0.1).log().levels([0.01, 0.1, 1.0]))
        .param(Param::int("width", 64).levels([16, 32, 64]))
        .seeds(3)
        .maximize("accuracy")
        .progress(ProgressMode::Off)
        .run_dir(&dir);
    let second = moved.run(f).unwrap();
    let old_ids: HashSet<_> = first.records().iter().map(|r| r.id.clone()).collect();
    let reused = second.records().iter().filter(|r| old_ids.contains(&r.id)).count();
    assert_eq!(second.run_stats().reused, reused);
    // baseline(width=64), width=16 and width=32 existed; only the two lr levels at width=64 are new.
    assert_eq!(second.run_stats().executed, 2 * 3);
    // old results stay in the journal
    assert_eq!(journal_records(&dir).len(), first.records().len() + 2 * 3);
}

#[test]
fn failed_trials_are_retried_once_by_default() {
    let dir = temp_dir("retry");
    let attempts = AtomicUsize::new(0);
    let flaky = |t: &Trial| -> TrialResult {
        if t.int("width")? == 64 {
            attempts.fetch_add(1, Ordering::SeqCst);
            return Err("out of memory".into());
        }
        Ok(metrics! { "accuracy" => fake_accuracy(t) })
    };
    let study = small_study("retry").run_dir(&dir);
    let first = study.run(flaky).unwrap();
    assert_eq!(first.failures().len(), 3);
    assert_eq!(attempts.load(Ordering::SeqCst), 3);
    let second = study.run(flaky).unwrap();
    assert_eq!(attempts.load(Ordering::SeqCst), 6, "each failed trial is retried once");
    assert_eq!(second.failures()[0].attempts, 2);
    let _third = study.run(flaky).unwrap();
    assert_eq!(attempts.load(Ordering::SeqCst), 6, "no retries left");
    // more retries allowed: runs again, and now succeeds
    let fixed = study.clone().retries(5).run(|t: &Trial| Ok(metrics! { "accuracy" => fake_accuracy(t) })).unwrap();
    assert!(fixed.failures().is_empty());
    assert_eq!(fixed.run_stats().executed, 3);
}

#[test]
fn torn_last_record_is_ignored_and_rerun() {
    let dir = temp_dir("torn");
    let f = |t: &Trial| Ok(metrics! { "accuracy" => fake_accuracy(t) });
    let study = small_study("torn").run_dir(&dir);
    let first = study.run(f).unwrap();
    // Simulate a crash mid-write: cut the last record in half.
    let path = dir.join("journal.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    let cut = text.len() - text.lines().last().unwrap().len() / 2 - 1;
    std::fs::write(&path, &text[..cut]).unwrap();

    let second = study.run(f).unwrap();
    assert_eq!(second.run_stats().executed, 1, "only the torn trial reruns");
    assert_eq!(second.run_stats().damaged.count(), 1);
    assert_eq!(first.records().len(), second.records().len());
    for (a, b) in first.records().iter().zip(second.records()) {
        assert_eq!(a.id, b.id);
        assert_eq!(a.metrics, b.metrics);
    }
    // The journal stays readable: a third run reuses everything.
    let third = study.run(f).unwrap();
    assert_eq!(third.run_stats().executed, 0);
}

#[test]
fn concurrent_writers_keep_the_journal_intact() {
    let dir = temp_dir("concurrent");
    let f = |t: &Trial| {
        std::thread::sleep(std::time::Duration::from_millis(2));
        Ok(metrics! { "accuracy" => fake_accuracy(t) })
    };
    let study = small_study("concurrent").run_dir(&dir).seeds(20).workers(2);
    std::thread::scope(|s| {
        let a = s.spawn(|| study.run(f).unwrap());
        let b = s.spawn(|| study.run(f).unwrap());
        a.join().unwrap();
        b.join().unwrap();
    });
    let lines = journal_records(&dir);
    // Both runs may have executed the same trials; every line must be intact.
    assert!(lines.len() >= 100);
    let rerun = study.run(f).unwrap();
    assert!(rerun.run_stats().damaged.is_empty(), "no line may be corrupt");
    assert_eq!(rerun.run_stats().executed, 0);
    let ids: HashSet<_> = rerun.records().iter().map(|r| r.id.clone()).collect();
    assert_eq!(ids.len(), rerun.records().len());
}
