//! Pruning against the baseline: stop a trial whose learning curve is clearly behind the
//! baseline's, compared on the same seed at the same step, instead of training it to the end.
//!
//! An ablation compares every change with one baseline, trained on the same seeds. So the
//! fair early comparison is paired: the change's value at step `s` on seed `i` against the
//! baseline's at step `s` on seed `i` (the same data split and initialisation), measured in
//! the baseline's own seed-to-seed spread at that step. The rule ([`PruneRule::decide`]):
//!
//! - a compared step is one the trial and the baseline on its seed have both reported, at
//!   least `min_step`, where at least two baseline seeds have reported (for the spread);
//! - at a compared step the trial is *behind* when its gap to the baseline (improvement:
//!   positive is better) is below `-(spreads × sd + margin)`, `sd` the standard deviation of
//!   the baseline's values over its seeds at that step;
//! - the trial is stopped at a step where it has been behind for `patience` compared steps
//!   in a row and cannot catch up: its gap, carried on to the full budget (the trial's
//!   fidelity, e.g. epochs) at the optimistic end of its recent trend (the least-squares
//!   slope of the gap over the last 4 compared steps plus two standard errors), is still
//!   behind. Without a fidelity, "cannot catch up" means that optimistic slope is not
//!   positive.
//!
//! Early in training a slow starter (a small learning rate) is behind and falls further
//! behind, though it may end as good: no trial of a study with a fidelity is stopped before
//! half of its epochs (`min_step` overrides), and the projection lets one go on while
//! it closes the gap fast enough. So the rule stops what collapses or diverges, and leaves
//! small differences to the full-budget test. Its false-prune rate (configs stopped that are
//! not worse at full budget), crossing curves included, is measured by seeded simulation:
//! `cargo run --example pruning_error`, figures in
//! BENCHMARKS.md.

use crate::error::{Error, Result};
use crate::spec::{Goal, Prune};
use crate::trial::{Direction, MetricSpec, StepReport};

/// A learning curve: (step, value), steps ascending.
pub type Curve = Vec<(i64, f64)>;

/// The pruning rule of a study, resolved from its `[prune]` settings.
#[derive(Debug, Clone, PartialEq)]
pub struct PruneRule {
    /// The reported value compared.
    pub metric: String,
    /// +1 when larger is better, -1 when smaller is.
    pub sign: f64,
    /// How many baseline seed spreads behind counts as clearly behind.
    pub spreads: f64,
    /// Plus this margin (metric units).
    pub margin: f64,
    /// Compared steps in a row that must be behind.
    pub patience: usize,
    /// No decision before this step.
    pub min_step: i64,
    /// No decision before this fraction of the trial's fidelity (epochs), when it has one.
    pub min_fraction: f64,
}

/// Why a trial was stopped.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// The step of the decision.
    pub step: i64,
    /// The trial's value there.
    pub value: f64,
    /// The baseline's value on the same seed there.
    pub baseline: f64,
    /// The baseline's seed-to-seed standard deviation there.
    pub spread: f64,
}

impl Decision {
    /// What the record says: "pruned at step 4: val_loss 2.31 against the baseline's 0.42 on
    /// the same seed (seed spread 0.05), behind for 2 reports in a row".
    pub fn reason(&self, rule: &PruneRule) -> String {
        format!(
            "pruned at step {}: {} {:.4} against the baseline's {:.4} on the same seed (the baseline's seed spread there: {:.4}); behind by more than {} spreads{} for {} report(s) in a row, and not catching up by the full budget at its recent pace",
            self.step,
            rule.metric,
            self.value,
            self.baseline,
            self.spread,
            rule.spreads,
            if rule.margin > 0.0 { format!(" + {}", rule.margin) } else { String::new() },
            rule.patience
        )
    }
}

impl Prune {
    /// Pruning on the reported value `metric` with the default rule (its goal from the
    /// declared metric of that name, else set [`Prune::goal`]).
    pub fn on(metric: &str) -> Prune {
        Prune { metric: metric.to_string(), goal: None, spreads: None, margin: None, patience: None, min_step: None }
    }

    /// Whether smaller or larger values of the compared metric are better (needed when it is
    /// not a declared metric).
    pub fn goal(mut self, goal: Goal) -> Prune {
        self.goal = Some(goal);
        self
    }
}

impl PruneRule {
    /// The rule of `[prune]`, its goal taken from the declared metric of the same name when
    /// it is not given.
    pub fn new(prune: &Prune, metrics: &[MetricSpec]) -> Result<PruneRule> {
        let invalid = |message: String| Error::Invalid { message: format!("[prune]: {message}") };
        if prune.metric.is_empty() {
            return Err(invalid("metric is empty: name the reported value to compare, such as \"val_loss\"".into()));
        }
        let direction = match (&prune.goal, metrics.iter().find(|m| m.name == prune.metric)) {
            (Some(Goal::Maximize), _) => Direction::Maximize,
            (Some(Goal::Minimize), _) => Direction::Minimize,
            (None, Some(m)) => m.direction,
            (None, None) => return Err(invalid(format!("`{}` is not a declared metric: say goal = \"minimize\" or \"maximize\"", prune.metric))),
        };
        let spreads = prune.spreads.unwrap_or(3.0);
        let margin = prune.margin.unwrap_or(0.0);
        if !(spreads.is_finite() && spreads >= 0.0 && margin.is_finite() && margin >= 0.0) {
            return Err(invalid(format!("spreads = {spreads} and margin = {margin} must be finite and not negative")));
        }
        let patience = prune.patience.unwrap_or(2);
        if patience == 0 {
            return Err(invalid("patience = 0: give at least 1 report".into()));
        }
        Ok(PruneRule {
            metric: prune.metric.clone(),
            sign: match direction {
                Direction::Maximize => 1.0,
                Direction::Minimize => -1.0,
            },
            spreads,
            margin,
            patience: patience as usize,
            min_step: prune.min_step.unwrap_or(i64::MIN),
            min_fraction: if prune.min_step.is_some() { 0.0 } else { 0.5 },
        })
    }

    /// The rule's curve of `reports`: the compared value at each step (the last report of a
    /// step counts).
    pub fn curve(&self, reports: &[StepReport]) -> Curve {
        let mut curve: Curve = reports.iter().filter_map(|r| Some((r.step, r.values.get(&self.metric)?))).filter(|(_, v)| v.is_finite()).collect();
        curve.sort_by_key(|&(s, _)| s);
        curve.dedup_by(|later, earlier| {
            let same = later.0 == earlier.0;
            if same {
                earlier.1 = later.1;
            }
            same
        });
        curve
    }

    /// Whether to stop a trial with curve `own` (and at which step: the first where the rule
    /// holds, as a trial watched while it runs would be stopped), given the baseline's curve on the same seed
    /// and the baseline's curves on every seed (the same one included), for a trial whose
    /// fidelity (epochs) is `fidelity` when the study has one.
    pub fn decide(&self, own: &Curve, same_seed: &Curve, seeds: &[&Curve], fidelity: Option<i64>) -> Option<Decision> {
        let from = fidelity.map_or(self.min_step, |f| self.min_step.max((self.min_fraction * f as f64).ceil() as i64));
        let at = |curve: &Curve, step: i64| curve.binary_search_by_key(&step, |&(s, _)| s).ok().map(|i| curve[i].1);
        // The compared steps so far: (step, gap), and how many of the last are behind.
        let mut gaps: Vec<(i64, f64)> = Vec::new();
        let mut behind = 0;
        for &(step, value) in own {
            let Some(baseline) = at(same_seed, step) else { continue };
            let values: Vec<f64> = seeds.iter().filter_map(|c| at(c, step)).collect();
            if values.len() < 2 {
                continue;
            }
            let mean = values.iter().sum::<f64>() / values.len() as f64;
            let spread = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (values.len() - 1) as f64).sqrt();
            let gap = self.sign * (value - baseline);
            gaps.push((step, gap));
            let threshold = self.spreads * spread + self.margin;
            behind = if gap < -threshold { behind + 1 } else { 0 };
            // Before min_step nothing is decided; at the full budget the trial is done anyway,
            // and its result is worth more than a verdict by this rule.
            if step < from || behind < self.patience || fidelity.is_some_and(|full| step >= full) {
                continue;
            }
            // Catching up? The gap's trend over the last few compared steps, taken at its
            // optimistic end (slope + 2 standard errors), carried on to the full budget.
            let recent = &gaps[gaps.len().saturating_sub(self.patience.max(TREND_POINTS))..];
            let closing = optimistic_slope(recent);
            let hopeless = match fidelity {
                Some(full) => gap + closing * ((full - step).max(0) as f64) < -threshold,
                None => closing <= 0.0,
            };
            if hopeless {
                return Some(Decision { step, value, baseline, spread });
            }
        }
        None
    }
}

/// Compared steps the catching-up trend is measured over (at least `patience`).
const TREND_POINTS: usize = 4;

/// The slope of `points` (step, gap) by least squares plus two standard errors, at least 0
/// (an upper bound on how fast the gap closes); infinite with fewer than 3 points (unknown:
/// no decision yet).
fn optimistic_slope(points: &[(i64, f64)]) -> f64 {
    let n = points.len() as f64;
    if points.len() < 3 {
        return f64::INFINITY;
    }
    let mx = points.iter().map(|p| p.0 as f64).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|p| (p.0 as f64 - mx).powi(2)).sum();
    if sxx == 0.0 {
        return f64::INFINITY;
    }
    let slope = points.iter().map(|p| (p.0 as f64 - mx) * (p.1 - my)).sum::<f64>() / sxx;
    let residual = points.iter().map(|p| (p.1 - my - slope * (p.0 as f64 - mx)).powi(2)).sum::<f64>() / (n - 2.0);
    (slope + 2.0 * (residual / sxx).sqrt()).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(patience: u32, min_step: Option<i64>) -> PruneRule {
        let prune = Prune { metric: "val_loss".into(), goal: Some(Goal::Minimize), spreads: None, margin: None, patience: Some(patience), min_step };
        PruneRule::new(&prune, &[]).unwrap()
    }

    fn curve(values: &[f64]) -> Curve {
        values.iter().enumerate().map(|(i, &v)| (i as i64 + 1, v)).collect()
    }

    #[test]
    fn a_trial_clearly_and_increasingly_behind_is_stopped_after_patience_reports() {
        let base = [curve(&[1.0, 0.8, 0.6, 0.5]), curve(&[1.02, 0.82, 0.62, 0.52]), curve(&[0.98, 0.78, 0.58, 0.48])];
        let seeds: Vec<&Curve> = base.iter().collect();
        let diverging = curve(&[1.5, 1.6, 1.9, 2.5]);
        // Behind from step 1; the trend needs 3 compared steps.
        let d = rule(2, Some(1)).decide(&diverging, &base[0], &seeds, None).unwrap();
        assert_eq!((d.step, d.value, d.baseline), (3, 1.9, 0.6));
        assert!(d.reason(&rule(2, Some(1))).starts_with("pruned at step 3: val_loss 1.9000 against the baseline's 0.6000"));
        // The same curve, but catching up: not stopped.
        let catching_up = curve(&[1.5, 1.2, 0.9, 0.7]);
        assert_eq!(rule(2, Some(1)).decide(&catching_up, &base[0], &seeds, None), None);
        // Within the spread: not stopped.
        assert_eq!(rule(1, Some(1)).decide(&curve(&[1.03, 0.83, 0.63, 0.53]), &base[0], &seeds, None), None);
        // Not before min_step, nor before half the epochs by default.
        assert_eq!(rule(2, Some(5)).decide(&diverging, &base[0], &seeds, None), None);
        let by_default = rule(2, None);
        assert_eq!(by_default.decide(&diverging, &base[0], &seeds, Some(6)).map(|d| d.step), Some(3));
        assert_eq!(by_default.decide(&diverging, &base[0], &seeds, Some(10)), None);
        // Never at the full budget itself: a finished trial keeps its result.
        assert_eq!(rule(2, Some(1)).decide(&diverging, &base[0], &seeds, Some(3)), None);
        // Behind and closing fast enough to catch up by the full budget: goes on; too slowly
        // for a short budget: stopped.
        let closing = curve(&[1.5, 1.2, 0.9, 0.65]);
        assert_eq!(rule(2, Some(1)).decide(&closing, &base[0], &seeds, Some(12)), None);
        assert_eq!(rule(2, Some(1)).decide(&closing, &base[0], &seeds, Some(5)).map(|d| d.step), Some(3));
        // No baseline on the trial's seed yet, or a single baseline seed: no decision.
        assert_eq!(rule(1, Some(1)).decide(&diverging, &Curve::new(), &seeds, None), None);
        assert_eq!(rule(1, Some(1)).decide(&diverging, &base[0], &seeds[..1], None), None);
    }

    #[test]
    fn settings_are_checked_and_the_goal_comes_from_the_declared_metric() {
        let prune = Prune { metric: "accuracy".into(), goal: None, spreads: None, margin: None, patience: None, min_step: None };
        let metrics = [MetricSpec { name: "accuracy".into(), direction: Direction::Maximize }];
        assert_eq!(PruneRule::new(&prune, &metrics).unwrap().sign, 1.0);
        let e = PruneRule::new(&Prune { metric: "val_loss".into(), ..prune.clone() }, &metrics).unwrap_err();
        assert!(e.to_string().contains("say goal"), "{e}");
        let e = PruneRule::new(&Prune { patience: Some(0), ..prune.clone() }, &metrics).unwrap_err();
        assert!(e.to_string().contains("patience = 0"), "{e}");
        let e = PruneRule::new(&Prune { spreads: Some(f64::NAN), ..prune }, &metrics).unwrap_err();
        assert!(e.to_string().contains("finite"), "{e}");
    }

    #[test]
    fn the_last_report_of_a_step_counts() {
        let r = rule(1, None);
        let reports = [(2, 0.5), (1, 0.9), (2, 0.4)].map(|(s, v)| StepReport { step: s, values: crate::trial::Metrics::new().with("val_loss", v).with("other", 1.0) });
        assert_eq!(r.curve(&reports), vec![(1, 0.9), (2, 0.4)]);
    }
}
