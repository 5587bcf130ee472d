//! Ablation paths on real runs: the greedy order follows the known effects, the path stops
//! when the remaining flips are undetectable, and a rerun reuses every trial.

use std::sync::atomic::{AtomicUsize, Ordering};

use ablate::prelude::*;

use crate::common::temp_dir;

fn study(name: &str) -> Study {
    Study::new(name)
        .param(Param::float("lr", 0.1).log())
        .param(Param::categorical("optimizer", ["sgd", "adam"], "sgd"))
        .param(Param::component("norm"))
        .param(Param::float("dropout", 0.1))
        .param(Param::int("warmup", 0))
        .seeds(6)
        .maximize("accuracy")
        .progress(ProgressMode::Off)
}

/// lr 0.01 adds 0.10, adam 0.05, norm (kept) 0.03 over removed; dropout and warmup nothing.
/// Each seed shifts every config alike (paired), plus a little noise of its own.
fn accuracy(t: &Trial) -> TrialResult {
    let lr = if (t.float("lr")? - 0.01).abs() < 1e-12 { 0.10 } else { 0.0 };
    let adam = if t.str("optimizer")? == "adam" { 0.05 } else { 0.0 };
    let norm = if t.enabled("norm")? { 0.03 } else { 0.0 };
    let seed_shift = (t.seed() % 97) as f64 / 97.0 * 0.05;
    let code = (t.float("lr")? * 1e4) as u64 * 7 + t.str("optimizer")?.len() as u64 * 5 + t.enabled("norm")? as u64 * 3
        + (t.float("dropout")? * 1000.0) as u64
        + t.int("warmup")? as u64;
    let own = ((t.seed().wrapping_mul(31) ^ code.wrapping_mul(2654435761)) % 13) as f64 / 13.0 * 0.002;
    Ok(metrics! { "accuracy" => 0.6 + lr + adam + norm + seed_shift + own })
}

fn target() -> Config {
    let mut c = Config::new();
    c.set("lr", Value::Float(0.01));
    c.set("optimizer", Value::Str("adam".into()));
    c.set("norm", Value::Bool(true));
    c.set("dropout", Value::Float(0.3));
    c.set("warmup", Value::Int(100));
    c
}

#[test]
fn the_path_takes_the_largest_improvement_first_and_stops_at_undetectable_flips() {
    let dir = temp_dir("path");
    // The baseline has norm removed, so flipping it to the target's `true` matters.
    let base = study("path").run_dir(&dir);
    let mut start = Config::new();
    start.set("norm", Value::Bool(false));
    let base = base.with_baseline(&start).unwrap();
    let calls = AtomicUsize::new(0);
    let f = |t: &Trial| {
        calls.fetch_add(1, Ordering::SeqCst);
        accuracy(t)
    };
    let path = base.run_with(PathOptions::to(&target()), f).unwrap();
    let order: Vec<&str> = path.steps.iter().map(|s| s.param.as_str()).collect();
    assert_eq!(order, ["lr", "optimizer", "norm"], "{path:?}");
    for (step, effect) in path.steps.iter().zip([0.10, 0.05, 0.03]) {
        let change = step.change.unwrap();
        assert!((change - effect).abs() < 0.003, "{step:?}");
        let (lo, hi) = step.change_ci.unwrap();
        assert!(lo < change && change < hi && lo > 0.0, "{step:?}");
        assert!(step.p_adjusted.unwrap() < 0.05 && step.n == 6);
    }
    let mut left = path.undetectable.clone();
    left.sort();
    assert_eq!(left, ["dropout", "warmup"]);
    assert_eq!((path.configs_run, path.bound), (5 + 4 + 3 + 2, 15));
    let text = path.to_text();
    assert!(text.contains("lr: 0.1 → 0.01") && text.contains("Stopped: no remaining flip (dropout, warmup)"), "{text}");

    let svg = path.chart().to_svg();
    assert!(svg.contains("Ablation path on accuracy") && svg.contains("2. optimizer → adam"), "chart labels");

    // Rerun: every trial comes from the journal.
    let before = calls.load(Ordering::SeqCst);
    // The baseline once, then each step's candidates; a step's starting config is the last
    // step's chosen flip, already run.
    assert_eq!(before, 6 * (1 + 5 + 4 + 3 + 2));
    let again = base.run_with(PathOptions::to(&target()), f).unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), before);
    assert_eq!(again, path);

    // Told to go on, the path reaches the target.
    let options = PathOptions { stop_when_undetectable: false, ..PathOptions::default() };
    let full = base.run_with(PathOptions { target: target(), ..options.clone() }, f).unwrap();
    assert_eq!(full.steps.len(), 5);
    assert!(full.undetectable.is_empty() && full.configs_run == 15);
}

#[test]
fn racing_drops_hopeless_flips_early_and_keeps_the_path() {
    let dir = temp_dir("path-race");
    let mut start = Config::new();
    start.set("norm", Value::Bool(false));
    let base = study("path-race").run_dir(&dir).with_baseline(&start).unwrap();
    let calls = AtomicUsize::new(0);
    let f = |t: &Trial| {
        calls.fetch_add(1, Ordering::SeqCst);
        accuracy(t)
    };
    let options = PathOptions { race_from: Some(3), ..PathOptions::default() };
    let raced = base.run_with(PathOptions { target: target(), ..options.clone() }, f).unwrap();
    let order: Vec<&str> = raced.steps.iter().map(|s| s.param.as_str()).collect();
    assert_eq!(order, ["lr", "optimizer", "norm"], "racing keeps the greedy order");
    assert_eq!(raced.configs_run, 5 + 4 + 3 + 2);
    assert!(raced.trials_run < raced.configs_run * 6, "racing saved trials: {} of {}", raced.trials_run, raced.configs_run * 6);
    assert!(raced.steps[0].raced_out > 0 && raced.steps[0].candidates == 5, "{:?}", raced.steps[0]);
    // Every trial the path ran is one it counts (plus the baseline's 6).
    assert_eq!(calls.load(Ordering::SeqCst), raced.trials_run + 6);
    assert!(raced.to_text().contains("raced out") && raced.to_text().contains("racing dropped the rest"), "{}", raced.to_text());
    // The step's effect is still measured on every seed.
    assert!(raced.steps.iter().all(|s| s.n == 6));
    // A rerun runs nothing, and the run directory still reads as the study itself.
    let before = calls.load(Ordering::SeqCst);
    assert_eq!(base.run_with(PathOptions { target: target(), ..options.clone() }, f).unwrap(), raced);
    assert_eq!(calls.load(Ordering::SeqCst), before);
    let reopened = Results::load(&dir).unwrap();
    assert_eq!(reopened.plan().configs().len(), base.plan().unwrap().configs().len());
    assert_eq!(reopened.plan().baseline(), base.plan().unwrap().baseline());
    let bad = PathOptions { race_from: Some(1), ..PathOptions::default() };
    assert!(base.run_with(PathOptions { target: target(), ..bad.clone() }, f).unwrap_err().to_string().contains("at least 2 seeds"));
}

#[test]
fn a_preview_predicts_the_path_from_a_sobol_study_without_running_anything() {
    let mut start = Config::new();
    start.set("norm", Value::Bool(false));
    let s = Study::new("preview")
        .param(Param::float("lr", 0.1).log().bounds(0.001, 0.1))
        .param(Param::categorical("optimizer", ["sgd", "adam"], "sgd"))
        .param(Param::component("norm"))
        .sobol(128)
        .seeds(2)
        .seeds_per_sample(1)
        .maximize("accuracy")
        .in_memory()
        .progress(ProgressMode::Off)
        .with_baseline(&start)
        .unwrap();
    // lr peaks at 0.01 (+0.063 over 0.1), adam adds 0.05, norm 0.03.
    let results = s
        .run(|t: &Trial| {
            let lr = 0.1 * (-(t.float("lr")?.log10() + 2.0).powi(2)).exp();
            let adam = if t.str("optimizer")? == "adam" { 0.05 } else { 0.0 };
            let norm = if t.enabled("norm")? { 0.03 } else { 0.0 };
            Ok(metrics! { "accuracy" => 0.6 + lr + adam + norm + (t.seed() % 5) as f64 * 0.001 })
        })
        .unwrap();
    let mut target = Config::new();
    target.set("lr", Value::Float(0.01));
    target.set("optimizer", Value::Str("adam".into()));
    target.set("norm", Value::Bool(true));
    let preview = results.path_preview(&target).unwrap();
    let order: Vec<&str> = preview.steps.iter().map(|s| s.param.as_str()).collect();
    assert_eq!(order, ["lr", "optimizer", "norm"], "{preview:?}");
    assert_eq!((preview.configs_run, preview.predicted), (0, Some(results.records().len())));
    let gain = preview.steps[0].change.unwrap();
    assert!((gain - 0.063).abs() < 0.02, "predicted lr gain {gain}");
    assert!(preview.steps.iter().all(|s| s.p_adjusted.is_none() && s.change_ci.is_none()));
    let text = preview.to_text();
    assert!(text.contains("Predicted ablation path") && text.contains("PREDICTED, nothing run"), "{text}");
    assert!(preview.chart().to_svg().contains("Predicted ablation path"));
    // A value no trial had cannot be placed on a categorical axis.
    let mut never = Config::new();
    never.set("optimizer", Value::Str("rmsprop".into()));
    assert!(results.path_preview(&never).is_err());
}

#[test]
fn path_and_baseline_errors_say_what_to_fix() {
    let s = study("path-errors").in_memory();
    let mut bad = Config::new();
    bad.set("momentum", Value::Float(0.9));
    let msg = s.run_with(PathOptions::to(&bad), accuracy).unwrap_err().to_string();
    assert!(msg.contains("momentum"), "{msg}");
    let same = s.plan().unwrap().baseline().clone();
    let msg = s.run_with(PathOptions::to(&same), accuracy).unwrap_err().to_string();
    assert!(msg.contains("differs in at least one parameter"), "{msg}");
    let mut wrong = Config::new();
    wrong.set("optimizer", Value::Str("rmsprop".into()));
    assert!(s.clone().with_baseline(&wrong).is_err());
}

#[test]
fn the_best_config_of_a_study_is_a_path_target() {
    let s = study("path-best").in_memory().config("good", [("lr", Value::Float(0.01)), ("optimizer", Value::Str("adam".into()))]);
    let results = s.run(accuracy).unwrap();
    let best = results.best_config().unwrap();
    assert_eq!(best.get("optimizer"), Some(&Value::Str("adam".into())));
    let path = s.run_with(PathOptions::to(&best), accuracy).unwrap();
    assert_eq!(path.steps[0].param, "lr");
}
