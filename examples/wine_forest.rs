//! The seed study, end to end: does a random forest on the red-wine quality data get better
//! with more trees? n_estimators ∈ {50, 100, 200, 300} (baseline 100, scikit-learn's
//! default) × 5 seeds, each seed a fresh 80/20 train/test split.
//!
//! Run it with `cargo run --example wine_forest`. Results go to `runs/wine-forest/`
//! (journal, results.csv, results.parquet, summary.txt). Interrupt it at any point and run
//! it again: finished trials are kept and only the missing ones run.

use ablate::prelude::*;

fn main() -> Result<()> {
    let study = Study::new("wine-forest")
        .param(Param::int("n_estimators", 100).bounds(1.0, 10_000.0).levels([50, 100, 200, 300]))
        .seeds(5)
        .maximize("accuracy")
        .maximize("train_accuracy");

    let plan = study.plan()?;
    eprintln!(
        "ablate: study `{}`: {} configs × {} seeds = {} trials",
        plan.name(),
        plan.configs().len(),
        plan.seeds().len(),
        plan.trials().len()
    );

    let started = std::time::Instant::now();
    let results = study.run(|t: &Trial| {
        // 0.3 of the 11 features per split = scikit-learn's default max_features="sqrt".
        let scores = ablate_demo::wine_forest(t.int("n_estimators")?, 0.3, t.seed())?;
        Ok(metrics! {
            "accuracy" => scores.test_accuracy,
            "train_accuracy" => scores.train_accuracy,
        })
    })?;
    let stats = results.run_stats();
    println!();
    println!("{}", results.summary());
    println!("{}", results.significance()?);
    println!("Conclusions:\n{}", results.conclusions()?);
    println!(
        "{} trials run now, {} reused from the journal, {:.1} s wall time",
        stats.executed,
        stats.reused,
        started.elapsed().as_secs_f64()
    );
    if let Some(dir) = results.run_dir() {
        println!("results frame: {}/results.parquet (and results.csv, journal.jsonl)", dir.display());
    }
    Ok(())
}
