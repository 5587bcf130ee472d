//! The error of pruning against the baseline ([`ablate::prune`]), by seeded simulation: how
//! often a config that is *not* worse at full budget gets a trial stopped early (the
//! false-prune rate), crossing learning curves included, how often a worse one is stopped,
//! and the epochs saved. Figures in BENCHMARKS.md ("Pruning against the baseline").
//!
//! Each replication draws one study: a baseline and one change, 5 seeds each, 30 epochs.
//! The accuracy of a trial at epoch t is `ceiling * (1 - exp(-t / tau))` (or the scenario's
//! own curve) plus a seed effect shared by every config on that seed (the same split and
//! initialisation: what makes the comparison paired), sd 0.01, plus the trial's own noise at
//! every epoch, sd 0.004. Every trial is watched as it runs: it stops at the first epoch
//! where the rule holds, as a command trial would be.
//!
//! `cargo run --release --example pruning_error [replications]` (default 4,000; ~1 s).

use ablate::prune::{Curve, PruneRule};
use ablate::rng::Rng;
use ablate::spec::{Goal, Prune};

const EPOCHS: i64 = 30;
const SEEDS: usize = 5;

/// A scenario: its name, whether the change is worse than the baseline at full budget, and
/// its mean curve.
struct Scenario {
    name: &'static str,
    worse_at_full: bool,
    curve: fn(f64) -> f64,
}

fn saturating(ceiling: f64, tau: f64, t: f64) -> f64 {
    ceiling * (1.0 - (-t / tau).exp())
}

fn baseline(t: f64) -> f64 {
    saturating(0.9, 5.0, t)
}

fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario { name: "the same as the baseline", worse_at_full: false, curve: baseline },
        Scenario { name: "slow starter, better at 30 (crosses at ~17)", worse_at_full: false, curve: |t| saturating(0.95, 10.0, t) },
        Scenario { name: "slow starter, equal at 30 (tau 10)", worse_at_full: false, curve: |t| saturating(0.945, 10.0, t) },
        Scenario { name: "slower starter, equal at 30 (tau 8, lower ceiling)", worse_at_full: false, curve: |t| saturating(0.92, 8.0, t) },
        Scenario { name: "a little worse (ceiling 0.88: 2 seed sds)", worse_at_full: true, curve: |t| saturating(0.88, 5.0, t) },
        Scenario { name: "clearly worse (ceiling 0.6: a removed component)", worse_at_full: true, curve: |t| saturating(0.6, 5.0, t) },
        Scenario { name: "diverges (a learning rate 10x too high)", worse_at_full: true, curve: |t| saturating(0.5, 2.0, t) - 0.012 * t },
    ]
}

/// One trial's observed curve: the mean curve, its seed's effect and its own noise.
fn observe(mean: fn(f64) -> f64, seed_effect: f64, rng: &mut Rng) -> Curve {
    (1..=EPOCHS).map(|t| (t, mean(t as f64) + seed_effect + 0.004 * rng.normal())).collect()
}

struct Tally {
    trials_pruned: usize,
    configs_pruned: usize,
    epochs: i64,
    trials: usize,
    configs: usize,
}

fn run(rule: &PruneRule, scenario: &Scenario, replications: usize, seed: u64) -> Tally {
    let mut rng = Rng::new(seed);
    let mut t = Tally { trials_pruned: 0, configs_pruned: 0, epochs: 0, trials: 0, configs: 0 };
    for _ in 0..replications {
        let effects: Vec<f64> = (0..SEEDS).map(|_| 0.01 * rng.normal()).collect();
        let base: Vec<Curve> = effects.iter().map(|&e| observe(baseline, e, &mut rng)).collect();
        let seeds: Vec<&Curve> = base.iter().collect();
        let mut any = false;
        for (i, &e) in effects.iter().enumerate() {
            let own = observe(scenario.curve, e, &mut rng);
            let stop = rule.decide(&own, &base[i], &seeds, Some(EPOCHS));
            t.epochs += stop.as_ref().map_or(EPOCHS, |d| d.step);
            t.trials += 1;
            if stop.is_some() {
                t.trials_pruned += 1;
                any = true;
            }
        }
        t.configs += 1;
        t.configs_pruned += usize::from(any);
    }
    t
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let replications: usize = std::env::args().nth(1).map(|a| a.parse()).transpose()?.unwrap_or(4000);
    let prune = |min_step: Option<i64>, patience: Option<u32>| Prune { metric: "accuracy".into(), goal: Some(Goal::Maximize), spreads: None, margin: None, patience, min_step };
    for (label, rule) in [
        ("the default rule (3 spreads, patience 2, not before half the epochs: 15 of 30)", PruneRule::new(&prune(None, None), &[])?),
        ("the default rule with patience 3", PruneRule::new(&prune(None, Some(3)), &[])?),
        ("the default rule from a quarter of the epochs (min_step = 8)", PruneRule::new(&prune(Some(8), None), &[])?),
        ("the default rule from epoch 1 (min_step = 1)", PruneRule::new(&prune(Some(1), None), &[])?),
    ] {
        println!("{label}; {replications} simulated studies per scenario, {SEEDS} seeds, {EPOCHS} epochs");
        println!("{:<52} {:>14} {:>15} {:>13}", "the change", "configs pruned", "trials pruned", "epochs saved");
        let (mut false_configs, mut null_configs) = (0, 0);
        for (k, scenario) in scenarios().iter().enumerate() {
            let t = run(&rule, scenario, replications, 11 + k as u64);
            if !scenario.worse_at_full {
                false_configs += t.configs_pruned;
                null_configs += t.configs;
            }
            let full = t.trials as f64 * EPOCHS as f64;
            println!(
                "{:<52} {:>13.2}% {:>14.2}% {:>12.1}%{}",
                scenario.name,
                100.0 * t.configs_pruned as f64 / t.configs as f64,
                100.0 * t.trials_pruned as f64 / t.trials as f64,
                100.0 * (1.0 - t.epochs as f64 / full),
                if scenario.worse_at_full { "" } else { "   <- not worse at 30: any prune is false" }
            );
        }
        println!("false-prune rate (configs not worse at full budget with a trial stopped): {:.2}%\n", 100.0 * false_configs as f64 / null_configs as f64);
    }
    Ok(())
}
