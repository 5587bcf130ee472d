//! Importing trials another tool ran, so they get ablate's summaries, significance tests and
//! charts: [`OptunaImport`] reads an Optuna study (its JournalStorage file or its
//! `trials_dataframe()` CSV).
//!
//! An import reads files and writes nothing. The observed trials become a [`Plan`] built
//! with the ordinary [`Study`](crate::Study) builder: each distinct parameter combination is one
//! configuration (an explicit `.config(label, values)` labelled by the values that differ
//! from the baseline), and repeated trials of a configuration become its replicates.

pub mod optuna;

use std::collections::HashMap;
use std::sync::Arc;

pub use optuna::OptunaImport;

use crate::error::{Error, Result};
use crate::plan::{canonical_bytes, change_label, Plan, MAX_TRIALS};
use crate::results::{Results, RunStats};
use crate::space::{coerce, Config, Domain, Param, Value};
use crate::store::{Status, TrialRecord};
use crate::spec::{DesignSpec, MetricEntry, ParamSpec, SeedsSpec, StudySpec};
use crate::trial::{MetricSpec, Metrics, StepReport, TrialId};

/// Which observed configuration becomes the baseline.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum BaselineChoice {
    /// The configuration with the most complete trials; ties go to the one whose first
    /// trial came first.
    MostTrials,
    /// The configuration of the trial with this number.
    Trial(u64),
    /// The one configuration with these values.
    Values(Vec<(String, Value)>),
}

/// What an observed trial contributes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Outcome {
    /// Finished with every metric, all finite.
    Ok(Metrics),
    /// Failed, with a message.
    Failed(String),
    /// Not a result (pruned, running, waiting): left out and counted.
    LeftOut,
}

/// One trial as the other tool recorded it.
#[derive(Debug, Clone)]
pub(crate) struct ObservedTrial {
    /// The tool's trial number (messages, [`BaselineChoice::Trial`]).
    pub number: u64,
    /// Its parameter values.
    pub config: Config,
    pub outcome: Outcome,
    /// The seed the tool recorded for it, if any.
    pub seed: Option<u64>,
    pub started_at_ms: i64,
    pub duration_s: f64,
    pub reports: Vec<StepReport>,
}

/// A whole study as the other tool recorded it.
#[derive(Debug, Clone)]
pub(crate) struct Observed {
    /// The file it came from (messages).
    pub file: String,
    pub name: String,
    /// One parameter per name seen (its baseline is a placeholder, set here).
    pub params: Vec<Param>,
    pub metrics: Vec<MetricSpec>,
    /// In the tool's trial order.
    pub trials: Vec<ObservedTrial>,
    /// Lines of the file skipped (torn, or ignored as the tool ignores them).
    pub skipped_lines: usize,
    /// The attribute seeds came from (messages).
    pub seed_source: String,
}

impl Observed {
    fn error(&self, message: impl Into<String>) -> Error {
        Error::Import { file: self.file.clone(), message: message.into() }
    }
}

/// A plan of more trials than this, and more than [`SPARSE_RATIO`] times the trials
/// imported, is refused: its seeds are not shared enough to pair anything.
const SPARSE_PLAN: usize = 100_000;
/// See [`SPARSE_PLAN`].
const SPARSE_RATIO: usize = 100;

/// Builds in-memory results from an observed study.
pub(crate) fn into_results(observed: Observed, baseline: &BaselineChoice) -> Result<Results> {
    let (trials, left_out) = kept_trials(&observed)?;
    // Distinct configurations, in the order their first trial came.
    let mut configs: Vec<Config> = Vec::new();
    let mut lookup: HashMap<Vec<u8>, usize> = HashMap::new();
    let mut config_of = Vec::with_capacity(trials.len());
    for t in &trials {
        let c = *lookup.entry(canonical_bytes(&t.config)).or_insert_with(|| {
            configs.push(t.config.clone());
            configs.len() - 1
        });
        config_of.push(c);
    }
    let params = typed_params(&observed, &configs);
    let base = choose_baseline(&observed, &params, &trials, &configs, &config_of, baseline)?;
    let seeds = seed_list(&observed, &trials, &config_of, configs.len())?;
    let planned = configs.len().saturating_mul(seeds.len());
    if planned > MAX_TRIALS {
        return Err(observed.error(format!(
            "{} configurations × {} distinct seeds is more than the {MAX_TRIALS} trials one ablate study holds: import with .seeds_by_order() (each configuration's trials numbered 0, 1, ...)",
            configs.len(),
            seeds.len()
        )));
    }
    // Seeds hardly shared between configurations (a search that gave each trial a seed of
    // its own) would plan every configuration on every seed: a plan quadratic in the trials
    // (3,000 trials, 9 million planned), in which nothing pairs by seed anyway.
    if planned > SPARSE_PLAN && planned / SPARSE_RATIO > trials.len() {
        return Err(observed.error(format!(
            "{} configurations × {} distinct seeds would plan {planned} trials for the {} imported: the seeds are hardly shared between configurations, so nothing pairs by seed; import with .seeds_by_order() (each configuration's trials numbered 0, 1, ...)",
            configs.len(),
            seeds.len(),
            trials.len()
        )));
    }

    let mut spec = StudySpec::new(&observed.name);
    spec.seeds = SeedsSpec::List(seeds.iter().map(|(s, _)| *s).collect());
    for p in &params {
        let value = configs[base].get(p.name()).cloned().unwrap_or(Value::Bool(false));
        spec.params.push(ParamSpec::from_param(&p.clone().with_baseline(value)));
    }
    for m in &observed.metrics {
        spec.metrics.push(MetricEntry { name: m.name.clone(), goal: m.direction.into() });
    }
    for (_, config) in configs.iter().enumerate().filter(|(c, _)| *c != base) {
        let label = change_label(&params, &configs[base], config);
        let overrides = config.iter().map(|(n, v)| (n.to_string(), v.clone())).collect();
        spec.designs.push(DesignSpec::from_design(&crate::design::Design::Custom { label, overrides }));
    }
    let plan = Plan::from_spec(&spec).map_err(|e| observed.error(e.to_string()))?;
    let records = records(&plan, trials, &config_of, &configs, &seeds);
    let stats = RunStats { reused: records.len(), skipped_import_lines: observed.skipped_lines, left_out, ..RunStats::default() };
    Results::new(plan, records, stats, None)
}

/// The trials that become records, and how many were left out. The parameters are those
/// of the complete trials (of all trials when none completed); a complete trial without
/// one of them is an error, a failed one is left out (it failed before setting it).
fn kept_trials(observed: &Observed) -> Result<(Vec<&ObservedTrial>, usize)> {
    let ok = |t: &&ObservedTrial| matches!(t.outcome, Outcome::Ok(_));
    let candidates: Vec<&ObservedTrial> = observed.trials.iter().filter(|t| t.outcome != Outcome::LeftOut).collect();
    let mut left_out = observed.trials.len() - candidates.len();
    let defining: Vec<&ObservedTrial> = if candidates.iter().any(ok) { candidates.iter().copied().filter(ok).collect() } else { candidates.clone() };
    let mut names: Vec<String> = defining.iter().flat_map(|t| t.config.names()).collect();
    names.sort();
    names.dedup();
    let mut kept = Vec::with_capacity(candidates.len());
    for t in candidates {
        if t.config.names() == names {
            kept.push(t);
            continue;
        }
        if !ok(&t) {
            left_out += 1;
            continue;
        }
        let own = t.config.names();
        let missing: Vec<&String> = names.iter().filter(|n| !own.contains(n)).collect();
        return Err(observed.error(format!(
            "trial {} has no value for the parameter(s) {missing:?} that other complete trials set (a conditional search space): ablate compares configurations of the same parameters, so import a study whose complete trials all set the same parameters",
            t.number
        )));
    }
    if kept.is_empty() {
        return Err(observed.error(format!(
            "study `{}` has no complete or failed trial to import ({left_out} pruned, running or waiting)",
            observed.name
        )));
    }
    Ok((kept, left_out))
}

/// The study's parameters that the kept trials set, in name order, with numeric bounds
/// widened to every observed value (Optuna runs enqueued values outside a distribution).
fn typed_params(observed: &Observed, configs: &[Config]) -> Vec<Param> {
    let names = configs[0].names();
    let mut params: Vec<Param> = observed.params.iter().filter(|p| names.iter().any(|n| n == p.name())).cloned().collect();
    params.sort_by(|a, b| a.name().cmp(b.name()));
    params
        .into_iter()
        .map(|p| {
            let observed = configs.iter().filter_map(|c| c.get(p.name()).and_then(Value::as_f64));
            let (lo, hi) = observed.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| (lo.min(x), hi.max(x)));
            match *p.domain() {
                Domain::Float { low: Some(l), high: Some(h), .. } if lo <= hi => p.bounds(l.min(lo), h.max(hi)),
                Domain::Int { low: Some(l), high: Some(h), .. } if lo <= hi => p.bounds((l as f64).min(lo), (h as f64).max(hi)),
                _ => p,
            }
        })
        .collect()
}

fn choose_baseline(
    observed: &Observed,
    params: &[Param],
    trials: &[&ObservedTrial],
    configs: &[Config],
    config_of: &[usize],
    choice: &BaselineChoice,
) -> Result<usize> {
    match choice {
        BaselineChoice::MostTrials => {
            let any_ok = trials.iter().any(|t| matches!(t.outcome, Outcome::Ok(_)));
            let mut count = vec![0usize; configs.len()];
            for (t, &c) in trials.iter().zip(config_of) {
                count[c] += usize::from(!any_ok || matches!(t.outcome, Outcome::Ok(_)));
            }
            // max_by_key keeps the last maximum: search from the back so the first wins.
            Ok((0..configs.len()).rev().max_by_key(|&c| count[c]).unwrap_or(0))
        }
        BaselineChoice::Trial(number) => trials.iter().zip(config_of).find(|(t, _)| t.number == *number).map(|(_, &c)| c).ok_or_else(|| {
            observed.error(format!(
                "the baseline trial {number} is not one of the {} imported trials (complete or failed, with every parameter set): choose another trial number",
                trials.len()
            ))
        }),
        BaselineChoice::Values(values) => {
            let mut wanted = Vec::with_capacity(values.len());
            for (name, value) in values {
                let param = crate::design::find_param(params, name, "the baseline")?;
                wanted.push((name.as_str(), coerce(param.domain(), value.clone())));
            }
            let matches: Vec<usize> = (0..configs.len()).filter(|&c| wanted.iter().all(|(n, v)| configs[c].get(n) == Some(v))).collect();
            let describe = |list: &[usize]| {
                let shown: Vec<String> = list.iter().take(5).map(|&c| format!("{{{}}}", change_label(params, &Config::new(), &configs[c]))).collect();
                let more = if list.len() > 5 { format!(" and {} more", list.len() - 5) } else { String::new() };
                format!("{}{more}", shown.join(", "))
            };
            let given: Vec<String> = wanted.iter().map(|(n, v)| format!("{n}={v}")).collect();
            match matches.as_slice() {
                [c] => Ok(*c),
                [] => Err(observed.error(format!(
                    "no imported configuration has {}: the configurations include {}",
                    given.join(", "),
                    describe(&(0..configs.len()).collect::<Vec<_>>())
                ))),
                many => Err(observed.error(format!(
                    "{} configurations have {}: give more parameter values to pick one of {}",
                    many.len(),
                    given.join(", "),
                    describe(many)
                ))),
            }
        }
    }
}

/// The plan's seed list, each with its replicate index: the recorded seeds in increasing
/// order, or (when no trial recorded one) 0, 1, ... numbering each configuration's trials.
fn seed_list(observed: &Observed, trials: &[&ObservedTrial], config_of: &[usize], n_configs: usize) -> Result<Vec<(u64, u32)>> {
    let with = trials.iter().find(|t| t.seed.is_some());
    let Some(with) = with else {
        let mut per_config = vec![0u32; n_configs];
        for &c in config_of {
            per_config[c] += 1;
        }
        let most = per_config.into_iter().max().unwrap_or(1);
        return Ok((0..most).map(|r| (u64::from(r), r)).collect());
    };
    if let Some(without) = trials.iter().find(|t| t.seed.is_none()) {
        return Err(observed.error(format!(
            "trial {} has no {} while trial {} has one: record a seed on every trial, or import with .seeds_by_order() to number each configuration's trials instead",
            without.number, observed.seed_source, with.number
        )));
    }
    let mut seeds: Vec<u64> = trials.iter().filter_map(|t| t.seed).collect();
    seeds.sort_unstable();
    seeds.dedup();
    Ok(seeds.into_iter().zip(0..).collect())
}

/// One record per (configuration, seed), in plan order. Several trials of one
/// configuration and seed are attempts at one trial: the one that
/// [supersedes](TrialRecord::supersedes) the others stands, with its attempt number.
fn records(plan: &Plan, trials: Vec<&ObservedTrial>, config_of: &[usize], configs: &[Config], seeds: &[(u64, u32)]) -> Vec<TrialRecord> {
    let arcs: Vec<Arc<Config>> = configs.iter().map(|c| Arc::new(c.clone())).collect();
    let replicate_of: HashMap<u64, u32> = seeds.iter().copied().collect();
    let mut next = vec![0u64; configs.len()];
    let mut standing: HashMap<TrialId, (u32, TrialRecord)> = HashMap::new();
    for (t, &c) in trials.into_iter().zip(config_of) {
        let seed = t.seed.unwrap_or_else(|| {
            next[c] += 1;
            next[c] - 1
        });
        let (status, error, metrics) = match &t.outcome {
            Outcome::Ok(m) => (Status::Ok, None, m.clone()),
            Outcome::Failed(e) => (Status::Failed, Some(e.clone()), Metrics::new()),
            Outcome::LeftOut => continue,
        };
        let id = TrialId::compute(&arcs[c], seed, None);
        let attempts = standing.get(&id).map_or(0, |(n, _)| *n) + 1;
        let record = TrialRecord {
            id: id.clone(),
            config: Arc::clone(&arcs[c]),
            seed,
            replicate: replicate_of.get(&seed).copied().unwrap_or(0),
            status,
            error,
            metrics,
            duration_s: t.duration_s,
            started_at_ms: t.started_at_ms,
            attempt: attempts,
            reports: t.reports.clone(),
            continuation: None,
            provenance: Default::default(),
            pruned_at: None,
            code: None,
        };
        match standing.get_mut(&id) {
            Some((n, old)) => {
                *n = attempts;
                if record.supersedes(old) {
                    *old = record;
                }
            }
            None => {
                standing.insert(id, (attempts, record));
            }
        }
    }
    plan.trials().iter().filter_map(|t| standing.remove(t.id())).map(|(_, r)| r).collect()
}
