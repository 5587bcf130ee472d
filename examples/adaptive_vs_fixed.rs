//! Adaptive seeds against a fixed design with max seeds (issue 12's benchmark; BENCHMARKS.md),
//! side by side on
//! - (a) a simulated study with known effects (three zero, one small, two large; common
//!   random numbers), 2,000 studies through `ablate::stats::simulate`;
//! - (b) a one-factor-at-a-time study of the demo MLP on the wine data: the fixed design runs
//!   every config on 20 seeds; the adaptive one (3 to 20 seeds, equivalence margin 0.02
//!   accuracy) reads the same run directory, so it trains nothing new and uses a subset of
//!   the same trials.
//!
//! - (c) multi-fidelity on the same MLP ablation with epochs 3, 10, 30 (η = 3) against every
//!   config at 30 epochs: epochs spent, rank agreement, and whether the configs detectably
//!   better or worse at full fidelity are the ones the rungs kept or dropped.
//!
//! `cargo run --example adaptive_vs_fixed -- RUN_DIR`.

use ablate::prelude::*;
use ablate::stats::{Noise, Scenario, SequentialPlan, simulate};
use ablate::Verdict;
use ablate_demo::{MlpConfig, wine_mlp};

fn train(t: &Trial) -> TrialResult {
    let config = MlpConfig {
        learning_rate: t.float("learning_rate")?,
        hidden: t.int("hidden")? as usize,
        dropout: t.float("dropout")?,
        weight_decay: t.float("weight_decay")?,
        epochs: t.int("epochs")? as usize,
        layer_norm: t.enabled("layer_norm")?,
        residual: t.enabled("residual")?,
        standardize: t.enabled("standardize")?,
        ..MlpConfig::default()
    };
    Ok(metrics! { "accuracy" => wine_mlp(&config, t.seed())?.test_accuracy })
}

/// The one-factor-at-a-time ablation of the MLP: learning rate, width, dropout, weight decay,
/// and three components, with epochs as the fidelity (a plain run trains 30).
fn mlp_study(run_dir: &str) -> Study {
    Study::new("mlp-adaptive")
        .param(Param::float("learning_rate", 0.1).log().levels([0.003, 0.03, 0.3]))
        .param(Param::int("hidden", 32).levels([4, 64]))
        .param(Param::float("dropout", 0.0).levels([0.3]))
        .param(Param::float("weight_decay", 0.0).levels([0.0001]))
        .param(Param::component("standardize"))
        .param(Param::component("residual"))
        .param(Param::component_removed("layer_norm"))
        .param(Param::fidelity("epochs", [3, 10, 30]))
        .ofat()
        .add_one_in()
        .leave_one_out()
        .maximize("accuracy")
        .run_dir(run_dir)
        .progress(ProgressMode::Off)
}

fn main() -> std::result::Result<(), Box<dyn std::error::Error>> {
    let run_dir = std::env::args().nth(1).ok_or("usage: adaptive_vs_fixed RUN_DIR")?;

    // (a) Simulated: effects in units of the run noise.
    let spending: ablate::stats::Spending = match std::env::var("SPENDING").as_deref() {
        Ok("hsd") => ablate::stats::Spending::HwangShihDeCaniMinus2,
        Ok("pocock") => ablate::stats::Spending::Pocock,
        _ => ablate::stats::Spending::OBrienFleming,
    };
    let floors: Vec<f64> = match std::env::var("FUTILITY") {
        Ok(list) => list.split(',').map(str::parse).collect::<Result<_, _>>()?,
        Err(_) => vec![0.0, ablate::stats::DEFAULT_FUTILITY],
    };
    for (min, max, margin, floor) in [(3, 20, 0.8), (5, 40, 0.8), (5, 40, 1.2)].into_iter().flat_map(|c| floors.iter().map(move |&f| (c.0, c.1, c.2, f))) {
        let mut plan = SequentialPlan::new(min, max, 0.05)?.with_margin(margin)?.with_spending(spending);
        if floor > 0.0 {
            plan = plan.with_futility(floor)?;
        }
        let scenario = Scenario { effects: vec![0.0, 0.0, 0.0, 0.3, 2.0, 2.0], noise: Noise::Normal, crn_sd: 1.0 };
        let sim = simulate(&plan, &scenario, 2_000, 7)?;
        let saved = 1.0 - sim.expected_trials / sim.fixed_trials;
        let false_pos: f64 = sim.different[..3].iter().sum::<f64>() / 3.0;
        println!(
            "simulated {min}..{max}, margin {margin}, futility {floor}: {:.1} of {:.0} trials ({:.0}% fewer), same verdicts as fixed in {:.1}% of studies, false positives among zero effects {:.4} (fixed {:.4} per comparison avg), power on the small effect {:.3} (fixed {:.3})",
            sim.expected_trials,
            sim.fixed_trials,
            100.0 * saved,
            100.0 * sim.same_verdicts,
            false_pos,
            sim.fixed_different[..3].iter().sum::<f64>() / 3.0,
            sim.different[3],
            sim.fixed_different[3]
        );
    }

    // (b) The MLP.
    let study = mlp_study(&run_dir);
    let started = std::time::Instant::now();
    let fixed = study.clone().seeds(20).run(train)?;
    println!("\nMLP fixed design: {} trials ({} trained now, {:.1} s)", fixed.records().len(), fixed.run_stats().executed, started.elapsed().as_secs_f64());
    for floor in floors {
        let adaptive = study.clone().seeds_adaptive(3, 20).equivalence_margin(0.02).futility(floor).spending(spending).run(train)?;
        compare(&fixed, &adaptive, floor)?;
    }

    multi_fidelity(&run_dir)
}

/// Prints the adaptive run's significance table and how its verdicts and trials compare with
/// the fixed design's.
fn compare(fixed: &Results, adaptive: &Results, floor: f64) -> std::result::Result<(), Box<dyn std::error::Error>> {
    let (f, a) = (fixed.significance()?, adaptive.significance()?);
    println!("{}", a.to_text());
    let category = |v: Verdict| match v {
        Verdict::Better => "better",
        Verdict::Worse => "worse",
        _ => "no difference",
    };
    let agree = f.rows.iter().zip(&a.rows).filter(|(x, y)| category(x.verdict) == category(y.verdict)).count();
    let used = a.adaptive.map_or(adaptive.records().len(), |run| run.trials_run);
    println!(
        "MLP, futility {floor}: adaptive used {used} of {} trials ({:.0}% fewer); {agree} of {} verdicts agree with the fixed design (equivalent or undecided counted as no difference)",
        fixed.records().len(),
        100.0 * (1.0 - used as f64 / fixed.records().len() as f64),
        f.rows.len()
    );
    for (x, y) in f.rows.iter().zip(&a.rows) {
        println!("  {:<22} fixed: {:<26} adaptive: {} ({})", x.config, x.verdict.as_str(), y.verdict.as_str(), y.sequential.map_or("-".into(), |d| format!("{} seeds", d.seeds())));
    }
    Ok(())
}

/// (c) Multi-fidelity against full fidelity on the same ablation.
fn multi_fidelity(run_dir: &str) -> std::result::Result<(), Box<dyn std::error::Error>> {
    // (c) Multi-fidelity on the same ablation, 10 seeds: the fixed design at 30 epochs is
    // `fixed` restricted to its first 10 seeds; here it is rerun with 10 seeds (journaled).
    let ten = mlp_study(run_dir).seeds(10);
    let full = ten.clone().run(train)?;
    let mf = ten.run_with(MultiFidelityOptions::default(), train)?;
    println!("\n{}", mf.to_text());
    println!("{}", mf.agreement_table()?.to_text());
    let full_sig = full.significance()?;
    let last = mf.final_results().ok_or("no rung")?.significance()?;
    let better: Vec<&str> = full_sig.rows.iter().filter(|r| r.verdict == Verdict::Better).map(|r| r.config.as_str()).collect();
    let best_full = full.summary().best().map(|b| b.config.clone()).unwrap_or_default();
    let best_mf = mf.final_results().ok_or("no rung")?.summary().best().map(|b| b.config.clone()).unwrap_or_default();
    let worse: Vec<&str> = full_sig.rows.iter().filter(|r| r.verdict == Verdict::Worse).map(|r| r.config.as_str()).collect();
    let dropped: Vec<&str> = mf.rungs.iter().flat_map(|r| r.dropped_worse.iter().map(String::as_str)).collect();
    println!(
        "multi-fidelity: best at full fidelity {best_full:?}, best after the rungs {best_mf:?}; better than the baseline at full fidelity: {better:?}, at the last rung: {:?}; worse at full fidelity: {worse:?}; dropped as worse by the rungs: {dropped:?}",
        last.rows.iter().filter(|r| r.verdict == Verdict::Better).map(|r| r.config.as_str()).collect::<Vec<_>>()
    );
    Ok(())
}
