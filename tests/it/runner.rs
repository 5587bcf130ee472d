//! The local runner: failures are recorded, not fatal; seeds do not depend on scheduling.

use std::collections::HashMap;

use ablate::prelude::*;
use ablate::store::Status;

use crate::common::{fake_accuracy, small_study};

#[test]
fn panics_errors_and_nan_are_recorded_as_failures() {
    let results = small_study("failures")
        .in_memory()
        .run(|t: &Trial| -> TrialResult {
            match (t.float("lr")?, t.int("width")?) {
                (lr, _) if lr == 1.0 => panic!("diverged at lr {lr}"),
                (_, 16) => Err("CUDA out of memory".into()),
                (_, 64) => Ok(metrics! { "accuracy" => f64::NAN }),
                _ => Ok(metrics! { "accuracy" => fake_accuracy(t) }),
            }
        })
        .unwrap();
    let failures = results.failures();
    assert_eq!(failures.len(), 9);
    let messages: Vec<&str> = failures.iter().map(|f| f.error.as_str()).collect();
    assert!(messages.iter().any(|m| m.contains("panicked: diverged at lr 1")), "{messages:?}");
    assert!(messages.iter().any(|m| m.contains("CUDA out of memory")));
    assert!(messages.iter().any(|m| m.contains("non-finite value NaN")));
    // the study went on: the other configs succeeded
    let ok = results.records().iter().filter(|r| r.status == Status::Ok).count();
    assert_eq!(ok, 6);
    let summary = results.summary();
    let failed_row = summary.rows.iter().find(|r| r.config == "width=16").unwrap();
    assert_eq!((failed_row.n, failed_row.failed), (0, 3));
    assert_eq!(failed_row.mean, None);
}

#[test]
fn seeds_and_results_do_not_depend_on_worker_count() {
    let f = |t: &Trial| {
        // spend a little time so workers interleave
        std::thread::sleep(std::time::Duration::from_micros(200 * (t.seed() % 5)));
        Ok(metrics! { "accuracy" => fake_accuracy(t) })
    };
    let one = small_study("workers").in_memory().workers(1).run(f).unwrap();
    let two = small_study("workers").in_memory().workers(2).run(f).unwrap();
    let by_id = |r: &Results| -> HashMap<String, (u64, Option<f64>)> {
        r.records().iter().map(|x| (x.id.to_string(), (x.seed, x.metrics.get("accuracy")))).collect()
    };
    assert_eq!(by_id(&one), by_id(&two));
    // every config saw the same seed list
    let plan = one.plan();
    for c in 0..plan.configs().len() {
        let mut seeds: Vec<u64> = one
            .records()
            .iter()
            .filter(|r| plan.trials().iter().any(|t| *t.id() == r.id && t.config_index() == c))
            .map(|r| r.seed)
            .collect();
        seeds.sort();
        let mut expected = plan.seeds().to_vec();
        expected.sort();
        assert_eq!(seeds, expected);
    }
}

#[test]
fn replicate_seeds_follow_the_documented_derivation() {
    let plan = small_study("seeds").study_seed(42).plan().unwrap();
    let expected: Vec<u64> = (0..3).map(|r| ablate::trial::replicate_seed(42, r)).collect();
    assert_eq!(plan.seeds(), expected);
    let explicit = small_study("seeds").seed_list([1, 2, 3]).plan().unwrap();
    assert_eq!(explicit.seeds(), vec![1, 2, 3]);
}

#[test]
fn components_are_read_with_enabled() {
    let results = Study::new("components")
        .param(Param::component("layer_norm"))
        .param(Param::component("dropout"))
        .seeds(2)
        .maximize("accuracy")
        .progress(ProgressMode::Off)
        .in_memory()
        .leave_one_out()
        .add_one_in()
        .run(|t: &Trial| {
            let score = 0.5 + 0.2 * f64::from(u8::from(t.enabled("layer_norm")?)) + 0.05 * f64::from(u8::from(t.enabled("dropout")?));
            Ok(metrics! { "accuracy" => score })
        })
        .unwrap();
    let summary = results.summary();
    let labels: Vec<&str> = summary.rows.iter().map(|r| r.config.as_str()).collect();
    assert_eq!(labels, ["baseline", "layer_norm=removed", "dropout=removed", "all components removed"]);
    let drop = summary.rows[1].change.unwrap();
    assert!((drop + 0.2).abs() < 1e-12, "{drop}");
}
