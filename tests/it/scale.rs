//! Scale transfer: the ablation at several model sizes, each change's effect fitted in log
//! size and extrapolated, with flags where small models do not predict the target size.

use ablate::prelude::*;

use crate::common::temp_dir;

fn study(dir: &std::path::Path) -> Study {
    Study::new("scale")
        .param(Param::scale("hidden", [32, 64, 128, 256]))
        .param(Param::component("norm"))
        .param(Param::float("lr", 0.1).levels([0.3]))
        .param(Param::bool("tied", false))
        .config("tied", [("tied", true)])
        .leave_one_out()
        .ofat()
        .seeds(6)
        .maximize("accuracy")
        .run_dir(dir)
        .progress(ProgressMode::Off)
}

/// Removing norm costs 0.03 at 32 and 0.005 less per doubling (a vanishing effect);
/// lr 0.3 adds 0.02 at every size; tying weights helps at even doublings, hurts at odd ones.
fn accuracy(t: &Trial) -> TrialResult {
    let doublings = (t.int("hidden")? as f64 / 32.0).log2();
    let norm = if t.enabled("norm")? { 0.0 } else { -0.03 + 0.005 * doublings };
    let lr = if t.float("lr")? > 0.2 { 0.02 } else { 0.0 };
    let tied = if t.bool("tied")? { if doublings as i64 % 2 == 0 { 0.01 } else { -0.01 } } else { 0.0 };
    let seed_shift = (t.seed() % 89) as f64 / 89.0 * 0.05;
    let code = (doublings as u64) * 7 + t.enabled("norm")? as u64 * 3 + (t.float("lr")? * 10.0) as u64 + t.bool("tied")? as u64 * 11;
    let own = ((t.seed().wrapping_mul(31) ^ code.wrapping_mul(2654435761)) % 13) as f64 / 13.0 * 0.002;
    Ok(metrics! { "accuracy" => 0.7 + 0.02 * doublings + norm + lr + tied + seed_shift + own })
}

#[test]
fn effects_are_followed_across_sizes_and_extrapolated_with_flags() {
    let dir = temp_dir("scale");
    let run = study(&dir).run_with(ScaleOptions::to(4096.0), accuracy).unwrap();
    assert_eq!(run.per_size.iter().map(|(s, _)| *s).collect::<Vec<_>>(), [32, 64, 128, 256]);
    let effect = |label: &str| run.effects.iter().find(|e| e.config == label).unwrap_or_else(|| panic!("{label}: {:?}", run.effects.iter().map(|e| &e.config).collect::<Vec<_>>()));
    let norm = effect("norm=removed");
    assert_eq!(norm.points.len(), 4);
    // Truth at 4096 = 7 doublings: -0.03 + 0.035 = +0.005: the harm disappears and turns.
    let at = norm.at_target.unwrap();
    assert!((at - 0.005).abs() < 0.004, "{at}");
    let slope_per_doubling = norm.fit.unwrap().slope * std::f64::consts::LN_2;
    assert!((slope_per_doubling - 0.005).abs() < 0.001, "{slope_per_doubling}");
    let lr = effect("lr=0.3");
    let (lo, hi) = lr.target_ci.unwrap();
    assert!(lo > 0.0 && (lr.at_target.unwrap() - 0.02).abs() < 0.004 && hi < 0.05, "{lr:?}");
    assert!(!lr.uncertain_at_target() && !lr.sign_flips);
    let tied = effect("tied");
    assert!(tied.sign_flips && tied.uncertain_at_target());
    let text = run.to_text();
    assert!(text.contains("sign flips across sizes") && text.contains("persists") && text.contains("cannot foresee"), "{text}");
    let svg = run.chart().to_svg();
    assert!(svg.contains("Does the effect persist at hidden = 4096?") && svg.contains("stroke-dasharray"));
    // Each size is a study of its own in the shared run directory: a rerun trains nothing.
    let again = study(&dir).run_with(ScaleOptions::to(4096.0), |_: &Trial| -> TrialResult { panic!("nothing should run") }).unwrap();
    assert_eq!(again.effects, run.effects);
}

#[test]
fn scale_transfer_needs_a_size_axis_and_a_positive_target() {
    let no_axis = Study::new("x").param(Param::float("lr", 0.1).levels([0.3])).maximize("a").in_memory();
    assert!(no_axis.run_with(ScaleOptions::to(1024.0), accuracy).unwrap_err().to_string().contains("Param::scale"));
    let bad = study(&temp_dir("scale-bad")).in_memory();
    assert!(bad.run_with(ScaleOptions::to(-1.0), accuracy).unwrap_err().to_string().contains("positive"));
}

/// Every scheduler runs in memory as it does with a run directory: the same trials, each
/// once, and the same answer; and every result prints with `{}`.
#[test]
fn schedulers_run_in_memory_as_with_a_run_directory() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let calls = AtomicUsize::new(0);
    let counted = |t: &Trial| {
        calls.fetch_add(1, Ordering::SeqCst);
        accuracy(t)
    };
    let run_twice = |name: &str, go: &dyn Fn(Study) -> String| {
        calls.store(0, Ordering::SeqCst);
        let on_disk = go(study(&temp_dir(name)));
        let disk_calls = calls.swap(0, Ordering::SeqCst);
        let in_memory = go(study(&temp_dir(name)).in_memory());
        assert_eq!(calls.load(Ordering::SeqCst), disk_calls, "{name}: the same trials, each once");
        assert_eq!(in_memory, on_disk, "{name}");
        disk_calls
    };
    let scale = run_twice("memory-scale", &|s| format!("{:?}", s.run_with(ScaleOptions::to(4096.0), counted).unwrap().effects));
    assert_eq!(scale, 4 * 4 * 6, "4 sizes × 4 configs × 6 seeds");
    let mut target = Config::new();
    target.set("lr", Value::Float(0.3));
    target.set("norm", Value::Bool(false));
    target.set("tied", Value::Bool(true));
    let path = run_twice("memory-path", &|s| {
        let path = s.run_with(PathOptions { stop_when_undetectable: false, ..PathOptions::to(&target) }, counted).unwrap();
        assert_eq!(format!("{path}"), path.to_text());
        format!("{:?}", path.steps)
    });
    assert!(path < 10 * 6, "steps reuse the trials of the step before: {path}");
    let pilot = run_twice("memory-pilot", &|s| s.run_with(Pilot, counted).unwrap().records().len().to_string());
    assert_eq!(pilot, 1);
    let transfer = study(&temp_dir("memory-print")).in_memory().run_with(ScaleOptions::to(512.0), accuracy).unwrap();
    assert_eq!(format!("{transfer}"), transfer.to_text());
    let estimate = study(&temp_dir("memory-print")).estimate().unwrap();
    assert_eq!(format!("{estimate}"), estimate.to_text());
}
