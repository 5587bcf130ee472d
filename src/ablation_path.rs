//! Ablation paths on real runs (Fawcett & Hoos, "Analysing differences between algorithm
//! configurations through ablation", J. Heuristics 2016): from the baseline towards a target
//! configuration, one parameter at a time, greedily taking the flip that helps most.
//!
//! At each step every parameter not yet flipped is flipped from its current value to the
//! target's, on top of the current config, and run with the study's seeds (journaled like any
//! trial: rerunning the path reruns nothing). The flip with the best mean is kept and becomes
//! the next current config; its change against the current config comes with a paired 95%
//! interval and a paired test, Holm-corrected over that step's candidates. When no candidate
//! is distinguishable from the current config, the path stops and says which flips remained
//! undetectable (unless told to go on to the target). The path needs at most d(d+1)/2 configs
//! for d differing parameters; stopping early spends fewer.


use crate::design::Design;
use crate::error::{Error, Result};
use crate::forest::{FeatureKind, Features, ForestParams, RegressionForest};
use crate::importance::Dimension;
use crate::results::Results;
use crate::space::{Config, Param, Value};
use crate::backend::Backend;
use crate::options::RunOptions;
use crate::plan::Plan;
use crate::schedule::Scheduler;
use crate::spec::{SeedsSpec, StudySpec};
use crate::stats::{Alternative, paired_t_interval};
use crate::trial::MetricSpec;

/// An ablation path to a target config, and how it is run:
/// `study.run_with(PathOptions::to(&target), f)`.
#[derive(Debug, Clone, PartialEq)]
pub struct PathOptions {
    /// The config the path walks to: the values it gives (the other parameters keep their
    /// baseline).
    pub target: Config,
    /// Stop when no remaining flip differs detectably from the current config (`true`, the
    /// default), or go on to the target.
    pub stop_when_undetectable: bool,
    /// Significance level of each step's Holm-corrected tests.
    pub alpha: f64,
    /// Race each step's candidates (`Some(k)`, k ≥ 2): run them on the first k seeds, drop
    /// every candidate whose paired 95% interval against the step's leader lies wholly on
    /// the worse side, add one seed and repeat; the survivors then run on every seed.
    /// Racing only decides what to run: the reported step is tested on all seeds, against
    /// the candidates that survived. `None` (the default): every candidate runs every seed.
    pub race_from: Option<usize>,
}

impl Default for PathOptions {
    fn default() -> Self {
        PathOptions { target: Config::new(), stop_when_undetectable: true, alpha: 0.05, race_from: None }
    }
}

impl PathOptions {
    /// The path to `target`, with the default options (stop when no flip is detectable, α =
    /// 0.05, no racing).
    pub fn to(target: &Config) -> PathOptions {
        PathOptions { target: target.clone(), ..PathOptions::default() }
    }
}

/// One step of an ablation path: the parameter flipped and what it changed.
#[derive(Debug, Clone, PartialEq)]
pub struct PathStep {
    /// The parameter flipped to its target value.
    pub param: String,
    /// Its value before the flip.
    pub from: Value,
    /// Its target value.
    pub to: Value,
    /// Mean of the metric after the flip.
    pub mean: Option<f64>,
    /// 95% t-interval of that mean.
    pub mean_ci: Option<(f64, f64)>,
    /// Change of the mean against the config before the flip.
    pub change: Option<f64>,
    /// Paired 95% interval of the change.
    pub change_ci: Option<(f64, f64)>,
    /// Paired test of the change, Holm-adjusted over this step's candidates (those that
    /// survived racing).
    pub p_adjusted: Option<f64>,
    /// Seeds the comparison used.
    pub n: usize,
    /// Candidate flips run at this step.
    pub candidates: usize,
    /// Of those, candidates racing dropped before they ran every seed.
    pub raced_out: usize,
}

/// An ablation path from a study's baseline towards a target config.
#[derive(Debug, Clone, PartialEq)]
pub struct AblationPath {
    /// The metric followed.
    pub metric: MetricSpec,
    /// Mean of the metric at the baseline.
    pub start_mean: Option<f64>,
    /// 95% t-interval of the baseline mean.
    pub start_ci: Option<(f64, f64)>,
    /// The steps taken, in order.
    pub steps: Vec<PathStep>,
    /// Flips left when the path stopped because none was detectable (empty when it reached
    /// the target).
    pub undetectable: Vec<String>,
    /// Configs run over all steps (candidates; the baseline not counted).
    pub configs_run: usize,
    /// Candidate trials (config × seed) run over all steps: with racing, fewer than
    /// `configs_run` × seeds.
    pub trials_run: usize,
    /// Seeds per config.
    pub seeds: usize,
    /// The most configs a full path over these parameters needs: d(d+1)/2.
    pub bound: usize,
    /// The significance level the steps were tested at.
    pub alpha: f64,
    /// `Some(n)`: a preview predicted by a surrogate fitted on n trials
    /// ([`Results::path_preview`]), nothing run; `None`: measured.
    pub predicted: Option<usize>,
}

impl Scheduler for PathOptions {
    type Output = AblationPath;

    /// The ablation path from the study's baseline to the target, each step one call of
    /// `backend` on the study's seeds. See the [module docs](crate::ablation_path).
    fn run(&self, spec: &StudySpec, run_options: &RunOptions, backend: &dyn Backend) -> Result<AblationPath> {
        let options = self;
        let target = &self.target;
        if !(options.alpha > 0.0 && options.alpha < 1.0) {
            return Err(Error::Invalid { message: format!("alpha = {} must lie in (0, 1), e.g. 0.05", options.alpha) });
        }
        if options.race_from.is_some_and(|k| k < 2) {
            return Err(Error::Invalid { message: "racing needs at least 2 seeds before it drops a candidate: race_from = Some(3), say".into() });
        }
        let plan = Plan::from_spec(spec)?;
        let seeds = plan.seeds().to_vec();
        let mut current = plan.baseline().clone();
        let mut remaining = flips(plan.params(), &current, target)?;
        let d = remaining.len();
        let (mut steps, mut configs_run, mut trials_run, mut start_mean, mut start_ci, mut metric) = (Vec::new(), 0, 0, None, None, None);
        let mut undetectable = Vec::new();
        while !remaining.is_empty() {
            let step = spec.with_baseline(&current)?;
            crate::exec::progress::stage(format!("path step {}/{d}", steps.len() + 1));
            configs_run += remaining.len();
            let race = match options.race_from {
                Some(k) if k < seeds.len() && remaining.len() > 1 => race(&step, &remaining, &seeds, k, run_options, backend)?,
                _ => Race { alive: (0..remaining.len()).collect(), dropped_trials: 0, total: remaining.len() },
            };
            trials_run += race.dropped_trials + race.alive.len() * seeds.len();
            let designs: Vec<Design> = race.alive.iter().map(|&k| flip(&remaining[k])).collect();
            let results = backend.run(&step.with_designs(&designs), run_options, None)?;
            let sig = results.significance()?;
            if steps.is_empty() && metric.is_none() {
                (start_mean, start_ci) = (sig.baseline_mean, sig.baseline_ci);
            }
            let sign = sig.metric.direction.sign();
            // Rows follow the designs' order, so row k is the flip of remaining[alive[k]].
            let best = sig
                .rows
                .iter()
                .enumerate()
                .filter_map(|(k, row)| row.mean.map(|m| (k, sign * m)))
                .max_by(|a, b| a.1.total_cmp(&b.1))
                .map(|(k, _)| k)
                .ok_or_else(|| Error::Invalid { message: format!("every candidate of path step {} failed: see results.failures()", steps.len() + 1) })?;
            let detectable = sig.rows.iter().any(|row| row.p_adjusted.is_some_and(|p| p < options.alpha));
            metric = Some(sig.metric.clone());
            if options.stop_when_undetectable && !detectable {
                undetectable = remaining.iter().map(|(n, _)| n.clone()).collect();
                break;
            }
            let row = &sig.rows[best];
            let (name, value) = remaining.remove(race.alive[best]);
            steps.push(PathStep {
                from: current.get(&name).cloned().ok_or_else(|| Error::Invalid { message: format!("internal: the path's config has no `{name}`") })?,
                param: name.clone(),
                to: value.clone(),
                mean: row.mean,
                mean_ci: row.ci,
                change: row.change,
                change_ci: row.change_ci,
                p_adjusted: row.p_adjusted,
                n: row.n,
                candidates: race.alive.len() + race.dropped(),
                raced_out: race.dropped(),
            });
            current.set(&name, value);
        }
        // The run directory's current spec goes back to this study's (each step wrote its own).
        backend.run(spec, run_options, Some(&[]))?;
        let metric = metric.ok_or_else(|| Error::Invalid { message: "the path ran no step".into() })?;
        Ok(AblationPath {
            metric,
            start_mean,
            start_ci,
            steps,
            undetectable,
            configs_run,
            trials_run,
            seeds: seeds.len(),
            bound: d * (d + 1) / 2,
            alpha: options.alpha,
            predicted: None,
        })
    }
}

/// The parameters whose value in `target` differs from `start`, with the target's value
/// (checked against the parameter, before anything runs).
fn flips(params: &[Param], start: &Config, target: &Config) -> Result<Vec<(String, Value)>> {
    let mut out = Vec::new();
    for (name, value) in target.iter() {
        let mut param = params.iter().find(|p| p.name() == name).cloned().ok_or_else(|| Error::UnknownParam {
            name: name.to_string(),
            context: "the path's target".into(),
            known: params.iter().map(|p| p.name().to_string()).collect(),
        })?;
        param.set_baseline(value.clone())?;
        if start.get(name) != Some(param.baseline()) {
            out.push((name.to_string(), param.baseline().clone()));
        }
    }
    if out.is_empty() {
        return Err(Error::Invalid { message: "the target equals the baseline: give a config that differs in at least one parameter".into() });
    }
    Ok(out)
}

impl Results {
    /// The ablation path from the baseline to `target` as a surrogate of these results
    /// predicts it, running nothing: a random forest fitted on every finished trial (as
    /// for [`Results::importance`]) predicts each candidate flip, and the greedy order
    /// follows the predictions. Labelled as predicted, with no intervals or tests; run
    /// `study.run_with(PathOptions::to(&target), f)` to measure it. Fails when the target has a value no trial had.
    pub fn path_preview(&self, target: &Config) -> Result<AblationPath> {
        let metric = self.primary().clone();
        let encoded = self.encoded(&metric.name)?;
        let kinds: Vec<FeatureKind> = encoded.dims.iter().map(Dimension::feature_kind).collect();
        let features = Features::row_major(&encoded.x, encoded.y.len(), encoded.dims.len())?;
        let forest = RegressionForest::fit(features, &kinds, &encoded.y, &ForestParams::regression(64).seed(0))?;
        let predict = |config: &Config| -> Result<f64> {
            let x = encoded.coordinates(config)?;
            Ok(forest.predict(Features::row_major(&x, 1, x.len())?)?[0])
        };
        let mut current = self.plan().baseline().clone();
        let mut remaining = flips(self.plan().params(), &current, target)?;
        let d = remaining.len();
        let start = predict(&current)?;
        let (mut steps, mut before) = (Vec::new(), start);
        while !remaining.is_empty() {
            let predicted: Vec<f64> = remaining
                .iter()
                .map(|(name, value)| {
                    let mut next = current.clone();
                    next.set(name, value.clone());
                    predict(&next)
                })
                .collect::<Result<_>>()?;
            let sign = metric.direction.sign();
            let best = (0..predicted.len()).max_by(|&a, &b| (sign * predicted[a]).total_cmp(&(sign * predicted[b]))).unwrap_or(0);
            let (name, value) = remaining.remove(best);
            steps.push(PathStep {
                from: current.get(&name).cloned().ok_or_else(|| Error::Invalid { message: format!("internal: the path's config has no `{name}`") })?,
                param: name.clone(),
                to: value.clone(),
                mean: Some(predicted[best]),
                mean_ci: None,
                change: Some(predicted[best] - before),
                change_ci: None,
                p_adjusted: None,
                n: 0,
                candidates: predicted.len(),
                raced_out: 0,
            });
            before = predicted[best];
            current.set(&name, value);
        }
        Ok(AblationPath {
            metric,
            start_mean: Some(start),
            start_ci: None,
            steps,
            undetectable: Vec::new(),
            configs_run: 0,
            trials_run: 0,
            seeds: 0,
            bound: d * (d + 1) / 2,
            alpha: 0.05,
            predicted: Some(encoded.y.len()),
        })
    }
}

/// The design that flips `name` to `value` on top of the step's config.
fn flip((name, value): &(String, Value)) -> Design {
    Design::Custom { label: format!("{name} → {value}"), overrides: vec![(name.clone(), value.clone())] }
}

/// The candidates a race kept (indices into the step's remaining flips), and the trials
/// the dropped ones used.
struct Race {
    alive: Vec<usize>,
    dropped_trials: usize,
    total: usize,
}

impl Race {
    fn dropped(&self) -> usize {
        self.total - self.alive.len()
    }
}

/// Races one step's candidate flips from `start` seeds up, one seed at a time (see
/// [`PathOptions::race_from`]). Every trial it runs is one the full step would run, so the
/// survivors reuse them.
fn race(step: &StudySpec, remaining: &[(String, Value)], seeds: &[u64], start: usize, options: &RunOptions, backend: &dyn Backend) -> Result<Race> {
    let mut alive: Vec<usize> = (0..remaining.len()).collect();
    let mut dropped_trials = 0;
    let mut n = start;
    while n < seeds.len() && alive.len() > 1 {
        let designs: Vec<Design> = alive.iter().map(|&k| flip(&remaining[k])).collect();
        let mut first_seeds = step.with_designs(&designs);
        first_seeds.seeds = SeedsSpec::List(seeds[..n].to_vec());
        let results = backend.run(&first_seeds, options, None)?;
        let metric = results.primary().clone();
        let sign = metric.direction.sign();
        // Config 0 is the step's current config; config j + 1 is the flip alive[j].
        let values = results.values(&metric.name)?;
        let scored: Vec<Vec<f64>> = values[1..].iter().map(|per_seed| per_seed.iter().map(|v| v.map_or(f64::NAN, |x| sign * x)).collect()).collect();
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        let Some(leader) = (0..scored.len()).filter(|&j| scored[j].iter().all(|x| x.is_finite())).max_by(|&a, &b| mean(&scored[a]).total_cmp(&mean(&scored[b]))) else {
            break;
        };
        let mut kept = Vec::new();
        for (j, &k) in alive.iter().enumerate() {
            let ruled_out = j != leader
                && (scored[j].iter().all(|x| x.is_nan())
                    || paired_t_interval(&scored[leader], &scored[j], 0.95, Alternative::TwoSided).is_ok_and(|ci| ci.lower > 0.0));
            if ruled_out {
                dropped_trials += n;
            } else {
                kept.push(k);
            }
        }
        alive = kept;
        n += 1;
    }
    Ok(Race { alive, dropped_trials, total: remaining.len() })
}

