//! Rounds of an iterated ablation: the next study built from what the last one found, and
//! how the baseline moved over the rounds.
//!
//! [`Study::next_round`] reads a round's results and builds the next study:
//! - **the baseline moves** to the best config when the analysis supports it: its paired,
//!   Holm-adjusted test against the baseline is significant, or (sampled configs run on one
//!   seed cannot be tested) its mean lies beyond the baseline's 95% interval;
//! - **the parameters that mattered are varied again** (one at a time around the new
//!   baseline): those of a config that differs significantly from the baseline, and, for
//!   random, sobol or grid designs, those whose fANOVA importance interval lies above 1% of
//!   the variance. The others stay at the new baseline's values;
//! - **levels narrow around the best value**: a numeric parameter tries the midpoints
//!   between the new baseline value and its neighbouring levels (geometric on a log scale),
//!   one step further out when the best was at the edge; a parameter without levels tries a
//!   quarter of its range on either side (a level past a bound becomes the bound).
//!   Categorical, bool and component parameters try every value;
//! - **the previous baseline is run again** as a config of its own, so the gain of the round
//!   is measured paired over the same seeds. Its trials are already in the run directory.
//!
//! Rounds share one run directory: a trial is identified by its config and seed, so every
//! trial two rounds have in common runs once. Each round's spec names the spec of the round
//! before it (kept in the run directory's `specs/`), and [`Results::rounds`] follows that
//! chain back to the first round.

use std::collections::HashSet;
use std::path::Path;

use crate::design::{Design, DesignKind};
use crate::error::{Error, Result};
use crate::results::Results;
use crate::space::{Config, Domain, Param, Spacing, Value};
use crate::spec::{RoundLink, StudySpec};
use crate::study::Study;
use crate::trial::{Direction, MetricSpec};

/// Significance level of the tests that decide what moves and what is kept.
const ALPHA: f64 = 0.05;
/// A sampled parameter is kept when the lower end of its fANOVA interval exceeds this share.
const IMPORTANT: f64 = 0.01;
/// The label of the previous round's baseline in the next round.
const PREVIOUS: &str = "previous baseline";

/// The next round of an ablation, as [`Study::next_round`] built it, with the reasons.
#[derive(Debug, Clone)]
pub struct NextRound {
    /// The study to run next.
    pub study: Study,
    /// Its round number (2 after a first study).
    pub number: u32,
    /// Parameters whose baseline moved: (name, old value, new value).
    pub moved: Vec<(String, Value, Value)>,
    /// Why the baseline moved or stayed.
    pub baseline_reason: String,
    /// The parameters varied again, with the levels they try.
    pub varied: Vec<(String, Vec<Value>)>,
    /// The parameters fixed at the new baseline, because nothing showed they matter.
    pub fixed: Vec<String>,
}

/// How one round went: its baseline and what it gained over the round before.
#[derive(Debug, Clone, PartialEq)]
pub struct RoundSummary {
    /// The round's number (1 for the first study).
    pub number: u32,
    /// Parameters whose baseline moved from the previous round: (name, old, new).
    pub moved: Vec<(String, Value, Value)>,
    /// Mean of the metric at the round's baseline.
    pub baseline_mean: Option<f64>,
    /// Its 95% t-interval.
    pub baseline_ci: Option<(f64, f64)>,
    /// The baseline's improvement over the previous round's baseline (in the metric's
    /// better direction), paired over the seeds both ran.
    pub gain: Option<f64>,
    /// Paired 95% interval of the gain.
    pub gain_ci: Option<(f64, f64)>,
    /// Holm-adjusted p of the gain (within the round's comparisons).
    pub gain_p: Option<f64>,
    /// The round's best config (its label) and mean.
    pub best: Option<(String, f64)>,
    /// Configs the round planned.
    pub configs: usize,
    /// Trials the round planned.
    pub trials: usize,
    /// Of those, trials an earlier round had planned too (run once, shared).
    pub shared: usize,
}

/// Every round of an iterated ablation in one run directory, first round first.
#[derive(Debug, Clone, PartialEq)]
pub struct Rounds {
    /// The metric followed.
    pub metric: MetricSpec,
    /// One entry per round.
    pub rounds: Vec<RoundSummary>,
}

impl Study {
    /// The next round of this study from its `results`: the baseline moved to what the
    /// analysis supports, the parameters that mattered varied again on narrower levels, the
    /// rest fixed. See the [module docs](crate::rounds) for the rules. Run it like any
    /// study; rounds share the run directory and reuse each other's trials.
    pub fn next_round(&self, results: &Results) -> Result<NextRound> {
        let plan = self.plan()?;
        if results.plan().name() != plan.name() || results.plan().baseline() != plan.baseline() {
            return Err(Error::Invalid {
                message: format!(
                    "these results are not study `{}`'s (a different name or baseline): pass the results this study returned",
                    plan.name()
                ),
            });
        }
        let (new_baseline, baseline_reason) = supported_baseline(results)?;
        let mattered = mattered(results)?;
        if mattered.is_empty() {
            return Err(Error::Invalid {
                message: format!(
                    "no parameter of `{}` made a detectable difference (α = {ALPHA}), so a next round would vary nothing: run more seeds (the significance table says how many each change needs for 80% power) or wider levels first",
                    plan.name()
                ),
            });
        }
        let moved: Vec<(String, Value, Value)> = new_baseline
            .iter()
            .filter_map(|(name, value)| {
                let old = plan.baseline().get(name)?;
                (old != value).then(|| (name.to_string(), old.clone(), value.clone()))
            })
            .collect();
        let mut params = Vec::new();
        let (mut varied, mut fixed) = (Vec::new(), Vec::new());
        for param in self.params() {
            let mut param = param.clone();
            if let Some(value) = new_baseline.get(param.name()) {
                param.set_baseline(value.clone())?;
            }
            if mattered.contains(param.name()) {
                let levels = narrowed_levels(&param);
                varied.push((param.name().to_string(), levels.clone()));
                param = param.levels(levels);
            } else {
                fixed.push(param.name().to_string());
            }
            params.push(param);
        }
        let mut designs = vec![Design::Ofat { params: Some(varied.iter().map(|(n, _)| n.clone()).collect()) }];
        if !moved.is_empty() {
            designs.push(Design::Custom {
                label: PREVIOUS.into(),
                overrides: plan.baseline().iter().map(|(n, v)| (n.to_string(), v.clone())).collect(),
            });
        }
        let number = self.round().map_or(2, |r| r.number + 1);
        let link = RoundLink { number, previous: self.resolved_spec()?.hash() };
        let study = self.clone().into_round(link, params, designs);
        study.plan()?;
        Ok(NextRound { study, number, moved, baseline_reason, varied, fixed })
    }
}

/// The config the next round starts from, and why.
fn supported_baseline(results: &Results) -> Result<(Config, String)> {
    let sig = results.significance()?;
    let summary = results.summary();
    let baseline = results.plan().baseline().clone();
    let Some(best) = summary.best() else {
        return Err(Error::Invalid { message: "no config has a successful trial: see results.failures()".into() });
    };
    if best.config_index == 0 {
        return Ok((baseline, "the baseline has the best mean: it stays".into()));
    }
    let Some(row) = sig.rows.iter().find(|r| r.config_index == best.config_index) else {
        return Ok((baseline, "the best config has no comparison with the baseline: the baseline stays".into()));
    };
    let config = results.plan().configs()[best.config_index].config().clone();
    if let Some(p) = row.p_adjusted {
        return Ok(if p < ALPHA {
            (config, format!("`{}` is the best config and differs from the baseline (Holm p = {p:.3} < {ALPHA})", row.config))
        } else {
            (baseline, format!("the best config `{}` does not differ detectably from the baseline (Holm p = {p:.3}): the baseline stays", row.config))
        });
    }
    // Untestable (a sampled config on one seed): move only past the baseline's interval.
    let beyond = match (row.mean, sig.baseline_ci) {
        (Some(m), Some((lo, hi))) => match sig.metric.direction {
            Direction::Maximize => m > hi,
            Direction::Minimize => m < lo,
        },
        _ => false,
    };
    Ok(if beyond {
        (config, format!("`{}` is the best config; with {} seed(s) it cannot be tested, but its mean lies beyond the baseline's 95% interval (the next round tests it paired)", row.config, row.n))
    } else {
        (baseline, format!("the best config `{}` ran on too few seeds to test and lies inside the baseline's 95% interval: the baseline stays", row.config))
    })
}

/// The parameters some analysis of `results` says matter.
fn mattered(results: &Results) -> Result<HashSet<String>> {
    let sig = results.significance()?;
    let mut names: HashSet<String> =
        sig.rows.iter().filter(|r| r.p_adjusted.is_some_and(|p| p < ALPHA)).flat_map(|r| r.varied.iter().cloned()).collect();
    if results.plan().spans_space() {
        let importance = results.importance()?;
        names.extend(importance.fanova.main.iter().filter(|i| i.low > IMPORTANT).map(|i| i.name.clone()));
    }
    Ok(names)
}

/// The levels a kept parameter tries next round, around its (new) baseline value.
fn narrowed_levels(param: &Param) -> Vec<Value> {
    let base = param.baseline().clone();
    let (low, high, scale, int) = match param.domain() {
        Domain::Float { low, high, spacing } => (*low, *high, *spacing, false),
        Domain::Int { low, high, spacing } => (low.map(|v| v as f64), high.map(|v| v as f64), *spacing, true),
        Domain::Categorical { choices } => return choices.iter().map(|c| Value::Str(c.clone())).collect(),
        Domain::Bool | Domain::Component => return vec![Value::Bool(true), Value::Bool(false)],
    };
    let Some(center) = base.as_f64() else { return vec![base] };
    let log = scale == Spacing::Log;
    let to = |x: f64| if log { x.ln() } else { x };
    let from = |u: f64| if log { u.exp() } else { u };
    let mut levels: Vec<f64> = param.level_list().unwrap_or_default().iter().filter_map(Value::as_f64).collect();
    levels.push(center);
    levels.sort_by(f64::total_cmp);
    levels.dedup();
    let at = levels.iter().position(|&v| v == center).unwrap_or(0);
    let c = to(center);
    // Neighbours on the scale: the adjacent levels, or a quarter of the range without levels.
    let quarter = match (low, high) {
        (Some(l), Some(h)) if !log || l > 0.0 => Some((to(h) - to(l)) / 4.0),
        _ => None,
    };
    let below = if at > 0 { Some(c - (c - to(levels[at - 1])) / 2.0) } else { None };
    let above = if at + 1 < levels.len() { Some(c + (to(levels[at + 1]) - c) / 2.0) } else { None };
    let step = match (below, above) {
        (Some(b), _) => c - b,
        (None, Some(a)) => a - c,
        (None, None) => quarter.unwrap_or(if log { std::f64::consts::LN_2 } else { c.abs().max(1.0) / 2.0 }),
    };
    let mut candidates = vec![below.unwrap_or(c - step), above.unwrap_or(c + step)];
    if levels.len() > 1 && quarter.is_some() && (below.is_none() || above.is_none()) {
        // Best at an edge of the levels: one step further out (bounded, so it cannot run away).
        candidates.push(if below.is_none() { c - 2.0 * step } else { c + 2.0 * step });
    }
    // The center is the baseline value itself (not its round trip through the scale).
    let mut values: Vec<f64> = candidates
        .into_iter()
        .map(from)
        .map(|v| if int { v.round() } else { three_significant(v) })
        // A level past a bound is the bound itself.
        .map(|v| high.map_or(v, |h| v.min(h)))
        .map(|v| low.map_or(v, |l| v.max(l)))
        .filter(|v| v.is_finite() && !(log && *v <= 0.0))
        .chain([center])
        .collect();
    values.sort_by(f64::total_cmp);
    values.dedup();
    values.into_iter().map(|v| if int { Value::Int(v as i64) } else { Value::Float(v) }).collect()
}

/// `x` rounded to three significant digits (new levels read like levels a person writes).
fn three_significant(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let scale = 10f64.powi(2 - x.abs().log10().floor() as i32);
    (x * scale).round() / scale
}

impl Results {
    /// Every round of the iterated ablation these results belong to, first round first:
    /// how the baseline moved, what each round's baseline gained over the one before
    /// (paired over seeds, with its interval), and how many trials rounds shared. Read
    /// from the run directory, which keeps every round's spec.
    pub fn rounds(&self) -> Result<Rounds> {
        let dir = self.run_dir().ok_or_else(|| Error::Invalid {
            message: "rounds are read from the run directory, and these results ran in memory: give the study a .run_dir(...)".into(),
        })?;
        let mut chain = vec![self.clone()];
        while let Some(link) = chain.last().and_then(|r| r.plan().round().cloned()) {
            chain.push(round_results(dir, &link.previous)?);
        }
        chain.reverse();
        let metric = self.primary().clone();
        let mut seen = HashSet::new();
        let mut rounds = Vec::new();
        for (k, results) in chain.iter().enumerate() {
            let plan = results.plan();
            let shared = plan.trials().iter().filter(|t| seen.contains(t.id())).count();
            seen.extend(plan.trials().iter().map(|t| t.id().clone()));
            let sig = results.significance()?;
            let sign = metric.direction.sign();
            let previous = sig.rows.iter().find(|r| plan.configs()[r.config_index].design() == DesignKind::Custom && r.config == PREVIOUS);
            let moved = match k {
                0 => Vec::new(),
                _ => plan
                    .baseline()
                    .iter()
                    .filter_map(|(name, value)| {
                        let old = chain[k - 1].plan().baseline().get(name)?;
                        (old != value).then(|| (name.to_string(), old.clone(), value.clone()))
                    })
                    .collect(),
            };
            // The previous baseline's change against this one, turned into this one's gain.
            let gain = previous.and_then(|r| r.change).map(|c| -sign * c);
            let gain_ci = previous.and_then(|r| r.change_ci).map(|(lo, hi)| if sign > 0.0 { (-hi, -lo) } else { (lo, hi) });
            let best = results.summary().best().and_then(|b| Some((plan.label(b.config_index), b.mean?)));
            rounds.push(RoundSummary {
                number: plan.round().map_or(1, |r| r.number),
                moved,
                baseline_mean: sig.baseline_mean,
                baseline_ci: sig.baseline_ci,
                gain,
                gain_ci,
                gain_p: previous.and_then(|r| r.p_adjusted),
                best,
                configs: plan.configs().len(),
                trials: plan.trials().len(),
                shared,
            });
        }
        Ok(Rounds { metric, rounds })
    }
}

/// The results of the round whose spec has `hash`, read from the run directory.
fn round_results(dir: &Path, hash: &str) -> Result<Results> {
    let file = dir.join("specs").join(format!("{hash}.json"));
    let json = std::fs::read_to_string(&file).map_err(|e| Error::Io {
        context: format!("cannot read the previous round's spec {} (rounds must share a run directory)", file.display()),
        source: e,
    })?;
    let spec = StudySpec::from_json(&json).map_err(|e| Error::Spec { file: file.display().to_string(), message: e.to_string() })?;
    Results::load_spec(dir, &spec)
}



#[cfg(test)]
mod tests {
    use super::*;

    fn floats(levels: &[Value]) -> Vec<f64> {
        levels.iter().map(|v| v.as_f64().unwrap()).collect()
    }

    #[test]
    fn a_sampled_parameter_tries_a_quarter_of_its_range_either_side() {
        let p = Param::float("dropout", 0.3).bounds(0.0, 0.8);
        assert_eq!(floats(&narrowed_levels(&p)), vec![0.1, 0.3, 0.5]);
        // On a log scale the quarter is of the log range; past the bound is the bound.
        let p = Param::float("lr", 1e-4).log().bounds(1e-4, 1.0);
        assert_eq!(floats(&narrowed_levels(&p)), vec![1e-4, 1e-3]);
    }

    #[test]
    fn integer_levels_round_and_an_edge_best_steps_further_out() {
        // Best at the top level 64: the midpoint down, then 96 and 128 outwards (within 200).
        let p = Param::int("hidden", 64).bounds(8.0, 200.0).levels([16, 32, 64]);
        assert_eq!(narrowed_levels(&p), vec![Value::Int(48), Value::Int(64), Value::Int(80), Value::Int(96)]);
        let p = Param::categorical("opt", ["sgd", "adam"], "adam");
        assert_eq!(narrowed_levels(&p).len(), 2);
    }
}
