//! What a study will cost before it runs ([`Study::estimate`](crate::Study::estimate)): trials, and trial-hours from
//! the durations its run directory has recorded (an earlier run, or a [`Pilot`]) —
//! for the fixed design, the range an adaptive one spends, and each rung of a
//! multi-fidelity run (a trial's duration taken as proportional to its fidelity level).

use crate::error::{Error, Result};
use crate::plan::Plan;
use crate::results::Results;
use crate::space::Value;
use crate::stats::{simulate, Noise, Scenario, SequentialPlan};
use crate::backend::Backend;
use crate::options::RunOptions;
use crate::schedule::Scheduler;
use crate::spec::{SeedsSpec, StudySpec};

/// Studies simulated for the adaptive line "expected if no change matters".
const NULL_STUDIES: usize = 400;

/// Mean trials of an adaptive study whose `comparisons` changes all do nothing, by
/// simulation of the plan without its margin (the margin is in the metric's units, the
/// simulation's noise is not): what the futility rule alone saves. `None` without the rule or
/// without comparisons (the range then says it all).
fn expected_if_nothing_matters(sequential: &SequentialPlan, comparisons: usize) -> Result<Option<usize>> {
    if comparisons == 0 || sequential.futility().is_none() {
        return Ok(None);
    }
    let scenario = Scenario { effects: vec![0.0; comparisons], noise: Noise::Normal, crn_sd: 0.0 };
    let simulated = simulate(&sequential.clone().without_margin(), &scenario, NULL_STUDIES, 1)
        .map_err(|e| Error::Invalid { message: format!("adaptive seeds: {e}") })?;
    Ok(Some(simulated.expected_trials.round() as usize))
}

/// One line of an estimate: a way to run the study and what it costs.
#[derive(Debug, Clone, PartialEq)]
pub struct CostLine {
    /// How the study runs ("fixed design", "adaptive seeds, at most", ...).
    pub what: String,
    /// Trials.
    pub trials: usize,
    /// Trial-hours (trials × mean duration; multiply by the CPUs or GPUs one trial holds),
    /// when durations are known.
    pub hours: Option<f64>,
}

/// The cost of a study, before running it.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    /// The study.
    pub study: String,
    /// Mean duration of the recorded trials, in seconds, per unit of fidelity when the study
    /// has one (else per trial); `None`: nothing recorded yet.
    pub seconds: Option<f64>,
    /// Trials the durations come from.
    pub measured: usize,
    /// Ways to run the study, with their cost.
    pub lines: Vec<CostLine>,
}

/// The cost of the study planned as `plan` ([`Study::estimate`](crate::Study::estimate)),
/// from the durations recorded in `store_dir` (none in memory or before a first run).
pub(crate) fn estimate(plan: &Plan, store_dir: Option<&std::path::Path>) -> Result<Estimate> {
    let recorded = match store_dir {
        Some(dir) if dir.join(crate::store::SPEC_FILE).exists() => Results::load(dir)?.records().to_vec(),
        _ => Vec::new(),
    };
    let fidelity = plan.params().iter().find(|p| p.is_fidelity()).map(|p| p.name().to_string());
    // Seconds per trial, or per unit of fidelity.
    let per_unit: Vec<f64> = recorded
        .iter()
        .map(|r| {
            let level = fidelity.as_ref().and_then(|f| match r.config.get(f) {
                Some(Value::Int(l)) if *l > 0 => Some(*l as f64),
                _ => None,
            });
            r.duration_s / level.unwrap_or(1.0)
        })
        .collect();
    let seconds = (!per_unit.is_empty()).then(|| per_unit.iter().sum::<f64>() / per_unit.len() as f64);
    let top = top_level(plan, fidelity.as_deref());
    let hours = |trials: usize, level: f64| seconds.map(|s| s * level * trials as f64 / 3600.0);
    let mut lines = vec![CostLine { what: "fixed design (every config, every seed)".into(), trials: plan.trials().len(), hours: hours(plan.trials().len(), top) }];
    if let Some(sequential) = plan.sequential() {
        let configs = plan.configs().len();
        let first = sequential.looks().first().copied().unwrap_or(sequential.min());
        lines.push(CostLine { what: format!("adaptive seeds, at least (all decided at {first} seeds)"), trials: configs * first, hours: hours(configs * first, top) });
        if let Some(trials) = expected_if_nothing_matters(sequential, configs - 1)? {
            lines.push(CostLine { what: "adaptive seeds, expected if no change matters (simulated; a margin stops them sooner)".into(), trials, hours: hours(trials, top) });
        }
        lines.push(CostLine { what: format!("adaptive seeds, at most (none decided before {})", sequential.max()), trials: plan.trials().len(), hours: hours(plan.trials().len(), top) });
    }
    if let Some(name) = &fidelity {
        let (_, levels) = crate::schedule::axis(plan.params(), crate::space::Role::Fidelity, "")?;
        let seeds = plan.seeds().len();
        let mut configs = plan.configs().len() - 1;
        let (mut trials, mut spent) = (0, 0.0);
        for (k, level) in levels.iter().enumerate() {
            let rung = (configs + 1) * seeds;
            trials += rung;
            spent += rung as f64 * *level as f64;
            lines.push(CostLine { what: format!("multi-fidelity rung {} ({name} = {level}): {} configs and the baseline", k + 1, configs), trials: rung, hours: hours(rung, *level as f64) });
            configs = configs.div_ceil(3);
        }
        lines.push(CostLine { what: "multi-fidelity, all rungs (η = 3, fewest promotions)".into(), trials, hours: seconds.map(|s| s * spent / 3600.0) });
    }
    Ok(Estimate { study: plan.name().to_string(), seconds, measured: recorded.len(), lines })
}

/// Runs the baseline once, on the first seed, into the run directory: the duration
/// [`Study::estimate`](crate::Study::estimate) needs (`study.run_with(Pilot, f)`). The trial is the baseline's first
/// trial of the study, so the study reuses it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pilot;

impl Scheduler for Pilot {
    type Output = Results;

    fn run(&self, spec: &StudySpec, options: &RunOptions, backend: &dyn Backend) -> Result<Results> {
        let plan = Plan::from_spec(spec)?;
        let first = *plan.seeds().first().ok_or_else(|| Error::Invalid { message: "the study has no seeds".into() })?;
        // A custom config that changes nothing is the baseline itself: the plan holds it alone.
        let mut pilot = spec.with_designs(&[crate::design::Design::Custom { label: "pilot".into(), overrides: Vec::new() }]);
        pilot.seeds = SeedsSpec::List(vec![first]);
        pilot.adaptive = None;
        backend.run(&pilot, options, None)
    }
}

/// The fidelity level a plain run trains at (1 without a fidelity).
fn top_level(plan: &Plan, fidelity: Option<&str>) -> f64 {
    match fidelity.and_then(|f| plan.baseline().get(f)) {
        Some(Value::Int(level)) => *level as f64,
        _ => 1.0,
    }
}

