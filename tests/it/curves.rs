//! Learning curves: a closure's `trial.report` points are journaled, come back as a frame
//! and as mean curves with intervals, and survive a reload of the run directory.

use ablate::prelude::*;

use crate::common::temp_dir;

fn study(dir: &std::path::Path) -> Study {
    Study::new("curves")
        .param(Param::float("lr", 0.1).levels([0.01]))
        .seeds(4)
        .minimize("loss")
        .run_dir(dir)
        .progress(ProgressMode::Off)
}

/// loss(epoch) = lr-dependent decay plus a per-seed offset; 5 epochs, reported each.
fn train(t: &Trial) -> TrialResult {
    let rate = if t.float("lr")? > 0.05 { 0.5 } else { 0.2 };
    let offset = (t.seed() % 7) as f64 * 0.01;
    let mut loss = 1.0;
    for epoch in 1..=5 {
        loss = (-rate * epoch as f64).exp() + offset;
        t.report(epoch, metrics! { "loss" => loss, "lr_now" => t.float("lr")? })?;
    }
    Ok(metrics! { "loss" => loss })
}

#[test]
fn reported_points_become_a_frame_and_mean_curves_with_intervals() {
    let dir = temp_dir("curves");
    let results = study(&dir).run(train).unwrap();
    let frame = results.curves().unwrap();
    assert_eq!(frame.height(), 2 * 4 * 5, "2 configs × 4 seeds × 5 epochs");
    for column in ["trial_id", "config", "replicate", "seed", "status", "step", "loss", "lr_now"] {
        assert!(frame.column(column).is_ok(), "{column}");
    }
    let curves = results.mean_curves("loss").unwrap();
    assert_eq!(curves.curves.len(), 2);
    let base = &curves.curves[0];
    assert_eq!((base.config_index, base.points.len()), (0, 5));
    let (step, mean, ci, n) = base.points[0];
    let offsets: f64 = results.plan().seeds().iter().map(|s| (s % 7) as f64 * 0.01).sum::<f64>() / 4.0;
    assert_eq!((step, n), (1, 4));
    assert!((mean - ((-0.5f64).exp() + offsets)).abs() < 1e-12, "{mean}");
    let (lo, hi) = ci.unwrap();
    assert!(lo < mean && mean < hi);
    let svg = results.curve_chart("loss").unwrap().to_svg();
    assert!(svg.contains("loss during training") && svg.contains("stroke-dasharray") && svg.contains("lower is better"));
    // The journal keeps them: a reload has the same curves.
    assert_eq!(Results::load(&dir).unwrap().mean_curves("loss").unwrap(), curves);
    let err = results.mean_curves("accuracy").unwrap_err().to_string();
    assert!(err.contains("reported: loss, lr_now"), "{err}");
}

#[test]
fn a_non_finite_report_is_an_error_the_trial_can_handle() {
    let results = study(&temp_dir("curves-nan"))
        .in_memory()
        .run(|t: &Trial| {
            t.report(1, metrics! { "loss" => 0.5 })?;
            let bad = t.report(2, metrics! { "loss" => f64::NAN });
            assert!(bad.unwrap_err().to_string().contains("loss"));
            Ok(metrics! { "loss" => 0.5 })
        })
        .unwrap();
    assert_eq!(results.curves().unwrap().height(), 2 * 4, "only the finite points");
}
