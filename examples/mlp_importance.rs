//! Importance and ablation paths on a real study (issue 11's MLP benchmark; BENCHMARKS.md):
//! tutorial 09's Sobol' study of the demo MLP on the wine data (128 configs on one seed
//! each, the baseline on ten), then
//! - fANOVA through `results.importance()` (median of 5 runs), with PED-ANOVA beside it;
//! - the trials as a CSV that `benches/importance/optuna_mlp.py` hands to Optuna's
//!   evaluators (same trials, same distributions);
//! - ablation paths from the default to the best sampled config and from the worst sampled
//!   config to the default, without and with racing, stopping when no flip is detectable
//!   or going on to the target: configs and trials used against the full path's d(d+1)/2
//!   configs × 10 seeds.
//!
//! `cargo run --example mlp_importance -- RUN_DIR OUT.csv`. Trials are journaled in RUN_DIR,
//! so a second run times the analysis without training again.

use std::fmt::Write as _;
use std::time::Instant;

use ablate::prelude::*;
use ablate::space::Config;
use ablate_demo::{MlpConfig, wine_mlp};

fn train(t: &Trial) -> TrialResult {
    let config = MlpConfig {
        learning_rate: t.float("learning_rate")?,
        batch_size: t.int("batch_size")? as usize,
        hidden: t.int("hidden")? as usize,
        dropout: t.float("dropout")?,
        layer_norm: t.enabled("layer_norm")?,
        ..MlpConfig::default()
    };
    Ok(metrics! { "accuracy" => wine_mlp(&config, t.seed())?.test_accuracy })
}

fn main() -> std::result::Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(run_dir), Some(csv)) = (args.first(), args.get(1)) else {
        return Err("usage: mlp_importance RUN_DIR OUT.csv".into());
    };
    let space = Study::new("mlp-importance")
        .param(Param::float("learning_rate", 0.1).log().bounds(0.001, 0.5))
        .param(Param::int("batch_size", 32).log().bounds(16.0, 128.0))
        .param(Param::int("hidden", 32).bounds(8.0, 64.0))
        .param(Param::float("dropout", 0.1).bounds(0.0, 0.5))
        .param(Param::component("layer_norm"))
        .seeds(10)
        .maximize("accuracy")
        .run_dir(run_dir)
        .progress(ProgressMode::Off);
    let started = Instant::now();
    let sampled = space.clone().sobol(128).seeds_per_sample(1).run(train)?;
    println!("study: {} trials ({} run now) in {:.1} s", sampled.records().len(), sampled.run_stats().executed, started.elapsed().as_secs_f64());

    let mut seconds = Vec::new();
    let mut importance = None;
    for _ in 0..5 {
        let t = Instant::now();
        importance = Some(sampled.importance()?);
        seconds.push(t.elapsed().as_secs_f64());
    }
    seconds.sort_by(f64::total_cmp);
    let importance = importance.ok_or("no importance")?;
    println!("results.importance(): median {:.3} s over 5 runs (min {:.3}, max {:.3})", seconds[2], seconds[0], seconds[4]);
    println!("{}", importance.to_text());
    write_csv(&sampled, csv)?;
    println!("wrote {csv} for benches/importance/optuna_importance.py --space mlp");

    let best = sampled.best_config()?;
    let default = sampled.plan().baseline().clone();
    let worst = worst_config(&sampled)?;
    let racing = PathOptions { race_from: Some(3), ..PathOptions::default() };
    for (name, from, to) in [("default -> best", &default, &best), ("worst -> default", &worst, &default)] {
        let study = space.clone().with_baseline(from)?;
        let go_on = |o: &PathOptions| PathOptions { stop_when_undetectable: false, ..o.clone() };
        let variants = [
            ("no racing, stops when undetectable", PathOptions::default()),
            ("racing from 3 seeds, stops when undetectable", racing.clone()),
            ("no racing, on to the target", go_on(&PathOptions::default())),
            ("racing from 3 seeds, on to the target", go_on(&racing)),
        ];
        for (label, options) in variants {
            let path = study.run_with(PathOptions { target: to.clone(), ..options }, train)?;
            println!(
                "path {name}, {label}: {} steps, {} configs of at most {}, {} trials of {} (full bound {})",
                path.steps.len(),
                path.configs_run,
                path.bound,
                path.trials_run,
                path.configs_run * path.seeds,
                path.bound * path.seeds
            );
        }
    }
    Ok(())
}

/// The sampled config with the lowest accuracy.
fn worst_config(results: &Results) -> Result<Config> {
    let summary = results.summary();
    let worst = summary.rows.iter().filter(|r| r.mean.is_some()).min_by(|a, b| a.mean.unwrap_or(0.0).total_cmp(&b.mean.unwrap_or(0.0)));
    worst.map(|r| results.plan().configs()[r.config_index].config().clone()).ok_or(Error::Invalid { message: "no finished config".into() })
}

/// One row per finished trial: the five params (layer_norm as 0/1) and the accuracy as y.
fn write_csv(results: &Results, path: &str) -> std::result::Result<(), Box<dyn std::error::Error>> {
    let names = ["learning_rate", "batch_size", "hidden", "dropout", "layer_norm"];
    let mut out = format!("{},y\n", names.join(","));
    let plan = results.plan();
    for record in results.records().iter().filter(|r| r.status == ablate::store::Status::Ok) {
        let Some(index) = plan.trial_index(&record.id) else { continue };
        let config = plan.configs()[plan.trials()[index].config_index()].config();
        for name in names {
            let value = config.get(name).ok_or("missing param")?;
            let number = match value {
                Value::Bool(b) => f64::from(u8::from(*b)),
                other => other.as_f64().ok_or("not a number")?,
            };
            write!(out, "{number:?},")?;
        }
        writeln!(out, "{:?}", record.metrics.get("accuracy").ok_or("no accuracy")?)?;
    }
    std::fs::write(path, out)?;
    Ok(())
}
