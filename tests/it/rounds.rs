//! Rounds: the next study moves the baseline to what the analysis supports, varies again
//! only what mattered on narrower levels, shares the run directory's trials, and
//! `results.rounds()` shows how the baseline moved and what it gained.

use std::sync::atomic::{AtomicUsize, Ordering};

use ablate::prelude::*;

use crate::common::temp_dir;

fn study(dir: &std::path::Path) -> Study {
    Study::new("rounds")
        .param(Param::float("lr", 0.1).log().bounds(1e-4, 1.0).levels([0.001, 0.01, 0.1]))
        .param(Param::float("dropout", 0.5).bounds(0.0, 0.9).levels([0.0, 0.5]))
        .param(Param::int("warmup", 0).levels([0, 100]))
        .seeds(6)
        .maximize("accuracy")
        .run_dir(dir)
        .progress(ProgressMode::Off)
}

/// Peaks at lr = 10^-2.2 and dropout = 0.2; warmup does nothing. Each seed shifts every
/// config alike (paired), plus a little noise of its own.
fn accuracy(t: &Trial) -> TrialResult {
    let lr = t.float("lr")?.log10();
    let dropout = t.float("dropout")?;
    let seed_shift = (t.seed() % 97) as f64 / 97.0 * 0.05;
    let code = (lr * -1e4) as u64 * 7 + (dropout * 1e3) as u64 * 3 + t.int("warmup")? as u64;
    let own = ((t.seed().wrapping_mul(31) ^ code.wrapping_mul(2654435761)) % 13) as f64 / 13.0 * 0.002;
    Ok(metrics! { "accuracy" => 0.9 - 0.05 * (lr + 2.2).powi(2) - 0.3 * (dropout - 0.2).powi(2) + seed_shift + own })
}

#[test]
fn a_second_round_moves_the_baseline_narrows_what_mattered_and_reuses_shared_trials() {
    let dir = temp_dir("rounds");
    let first = study(&dir);
    let r1 = first.run(accuracy).unwrap();
    let next = first.next_round(&r1).unwrap();
    assert_eq!(next.number, 2);
    // lr 0.01 is the best single change and clearly significant: the baseline moves there.
    assert_eq!(next.moved, vec![("lr".to_string(), Value::Float(0.1), Value::Float(0.01))], "{}", next.baseline_reason);
    assert_eq!(next.fixed, vec!["warmup".to_string()]);
    let lr_levels = &next.varied.iter().find(|(n, _)| n == "lr").unwrap().1;
    let lr: Vec<f64> = lr_levels.iter().map(|v| v.as_f64().unwrap()).collect();
    assert_eq!(lr.len(), 3, "{lr:?}");
    assert_eq!(lr, vec![0.00316, 0.01, 0.0316], "geometric midpoints around 0.01, to three digits");
    let dropout = &next.varied.iter().find(|(n, _)| n == "dropout").unwrap().1;
    // dropout mattered (0.0 beat 0.5) but the baseline moved along lr, so it stays at 0.5:
    // the midpoint towards 0.0, one step the other way, and (0.5 was the top level) two steps
    // out, clipped to the bound 0.9.
    assert_eq!(dropout, &vec![Value::Float(0.25), Value::Float(0.5), Value::Float(0.75), Value::Float(0.9)]);
    let text = next.to_text();
    assert!(text.contains("Round 2") && text.contains("warmup") && text.contains("lr: 0.1 → 0.01"), "{text}");

    let calls = AtomicUsize::new(0);
    let r2 = next
        .study
        .run(|t: &Trial| {
            calls.fetch_add(1, Ordering::SeqCst);
            accuracy(t)
        })
        .unwrap();
    // The new baseline and the previous one ran in round 1: their 12 trials are reused.
    let planned = r2.plan().trials().len();
    assert_eq!(r2.run_stats().reused, 12);
    assert_eq!(calls.load(Ordering::SeqCst), planned - 12);

    let rounds = r2.rounds().unwrap();
    assert_eq!(rounds.rounds.len(), 2);
    let (one, two) = (&rounds.rounds[0], &rounds.rounds[1]);
    assert_eq!((one.number, two.number), (1, 2));
    assert!(one.gain.is_none() && one.shared == 0);
    assert_eq!(two.shared, 12);
    let truth = 0.05 * ((-1.0f64 + 2.2).powi(2) - (-2.0f64 + 2.2).powi(2));
    let gain = two.gain.unwrap();
    let (lo, hi) = two.gain_ci.unwrap();
    assert!((gain - truth).abs() < 0.003 && lo > 0.0 && lo <= gain && gain <= hi, "gain {gain} [{lo}, {hi}] vs {truth}");
    assert!(two.gain_p.unwrap() < 0.05);
    assert!(rounds.to_text().contains("lr: 0.1 → 0.01"), "{}", rounds.to_text());
    assert_eq!(rounds.chart().points.len(), 2);

    // A third round follows the chain back to the first.
    let third = next.study.next_round(&r2).unwrap();
    assert_eq!(third.number, 3);
    let r3 = third.study.run(accuracy).unwrap();
    assert_eq!(r3.rounds().unwrap().rounds.iter().map(|r| r.number).collect::<Vec<_>>(), vec![1, 2, 3]);
}

#[test]
fn a_round_where_nothing_mattered_says_so() {
    let dir = temp_dir("rounds-flat");
    let flat = study(&dir);
    let results = flat.run(|t: &Trial| Ok(metrics! { "accuracy" => 0.5 + (t.seed() % 7) as f64 * 0.01 })).unwrap();
    let err = flat.next_round(&results).unwrap_err().to_string();
    assert!(err.contains("no parameter") && err.contains("80% power") && !err.contains("seeds_needed"), "{err}");
    let other = study(&dir).with_baseline(&results.best_config().unwrap()).unwrap();
    let mut moved = Config::new();
    moved.set("warmup", Value::Int(100));
    let err = other.with_baseline(&moved).unwrap().next_round(&results).unwrap_err().to_string();
    assert!(err.contains("not study"), "{err}");
}
