//! Random and Sobol' designs on real runs: journaled and resumed like the other designs,
//! sampled configs on fewer seeds, and the analyses pairing configs on the seeds they share.

use std::sync::atomic::{AtomicUsize, Ordering};

use ablate::prelude::*;

use crate::common::{journal_records, temp_dir};

fn space(name: &str) -> Study {
    Study::new(name)
        .param(Param::float("lr", 0.01).log().bounds(1e-4, 1.0))
        .param(Param::int("width", 32).bounds(8.0, 128.0))
        .param(Param::component("norm"))
        .seeds(3)
        .seeds_per_sample(2)
        .maximize("accuracy")
        .progress(ProgressMode::Off)
}

/// Accuracy peaks at lr = 0.01, grows with width, drops without norm; a little seed noise.
fn score(t: &Trial) -> TrialResult {
    let lr = t.float("lr")?;
    let width = t.int("width")? as f64;
    let norm = if t.enabled("norm")? { 0.0 } else { -0.05 };
    let noise = (t.seed() % 997) as f64 / 997.0 * 0.01;
    Ok(metrics! { "accuracy" => 0.9 - 0.02 * (lr.log10() + 2.0).powi(2) + 0.01 * width.ln() + norm + noise })
}

#[test]
fn a_sobol_study_resumes_and_grows_without_rerunning_trials() {
    let dir = temp_dir("sobol-resume");
    let calls = AtomicUsize::new(0);
    let f = |t: &Trial| {
        calls.fetch_add(1, Ordering::SeqCst);
        score(t)
    };
    let study = space("sobol-resume").sobol(8).run_dir(&dir);
    let first = study.run(f).unwrap();
    // the baseline with 3 seeds, 8 sampled configs with 2
    assert_eq!(first.records().len(), 3 + 8 * 2);
    assert_eq!(calls.load(Ordering::SeqCst), 19);
    let again = study.run(f).unwrap();
    assert_eq!((again.run_stats().executed, again.run_stats().reused), (0, 19), "re-planning gives the same trials");
    assert_eq!(first.records(), again.records());

    // 16 points start with the same 8: only the new 8 configs run
    let grown = space("sobol-resume").sobol(16).run_dir(&dir).run(f).unwrap();
    assert_eq!((grown.run_stats().executed, grown.run_stats().reused), (16, 19));
    assert_eq!(journal_records(&dir).len(), 35);

    // the run directory alone rebuilds the same plan and frame
    let loaded = Results::load(&dir).unwrap();
    assert_eq!(loaded.records(), grown.records());
    let frame = loaded.frame();
    let designs: Vec<Option<&str>> = frame.column("design").unwrap().str().unwrap().iter().collect();
    assert_eq!(designs.iter().filter(|d| **d == Some("sobol")).count(), 32);
    let configs: Vec<Option<&str>> = frame.column("config").unwrap().str().unwrap().iter().collect();
    assert!(configs.contains(&Some("sobol#15")), "{configs:?}");
}

#[test]
fn a_partly_failed_random_study_reruns_only_what_failed() {
    let dir = temp_dir("random-partial");
    let study = space("random-partial").random(6).run_dir(&dir);
    let failing = |t: &Trial| -> TrialResult {
        if t.replicate() == 1 {
            return Err("out of memory".into());
        }
        score(t)
    };
    let first = study.run(failing).unwrap();
    // the baseline's second seed and every sampled config's second seed failed
    assert_eq!(first.failures().len(), 1 + 6);
    let calls = AtomicUsize::new(0);
    let second = study
        .run(|t: &Trial| {
            calls.fetch_add(1, Ordering::SeqCst);
            score(t)
        })
        .unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 7, "only the failed trials run again");
    assert!(second.failures().is_empty());
    assert_eq!(second.records().len(), 3 + 6 * 2);
}

#[test]
fn analyses_pair_sampled_configs_on_the_seeds_they_ran() {
    let results = space("sobol-analysis").seeds(5).sobol(8).leave_one_out().in_memory().run(score).unwrap();
    let plan = results.plan();
    let values = results.values("accuracy").unwrap();
    assert_eq!(values.len(), plan.configs().len());
    for (c, per_seed) in values.iter().enumerate() {
        let ran = plan.seeds_of(c).len();
        assert_eq!(ran, if plan.configs()[c].design().is_sampled() { 2 } else { 5 }, "{}", plan.label(c));
        assert!(per_seed[..ran].iter().all(Option::is_some) && per_seed[ran..].iter().all(Option::is_none));
    }
    let summary = results.summary();
    for row in &summary.rows {
        assert_eq!(row.failed, 0, "seeds a config never planned are not failures: {}", row.config);
        assert_eq!(row.n, plan.seeds_of(row.config_index).len());
    }
    let sig = results.significance().unwrap();
    let sampled = sig.rows.iter().find(|r| r.config == "sobol#3").unwrap();
    assert_eq!(sampled.n, 2, "paired with the baseline on the 2 seeds both ran");
    assert!(sampled.p_value.is_some());
    let removed = sig.rows.iter().find(|r| r.config == "norm=removed").unwrap();
    assert_eq!(removed.n, 5);
    let ranking = results.ranking().unwrap();
    assert_eq!(ranking.n_seeds, 2, "ranked over the seeds every config ran");
    results.conclusions().unwrap();
    results.report().unwrap();

    let one_seed = space("one-seed").seeds(5).seeds_per_sample(1).sobol(4).in_memory().run(score).unwrap();
    let e = one_seed.ranking().unwrap_err().to_string();
    assert!(e.contains("seeds_per_sample = 1") && e.contains("raise it"), "{e}");
    let sig = one_seed.significance().unwrap();
    assert!(sig.rows.iter().all(|r| r.p_value.is_none() && r.n == 1), "one shared seed: not tested");
}
