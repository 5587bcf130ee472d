//! Schedulers: how a study spends its trials. A [`Scheduler`] asks a
//! [`Backend`] for a round of trials, reads the results, and decides
//! what to ask for next; every scheduler runs on every backend (this machine or Slurm), and
//! every trial goes through the same store as a fixed study.
//!
//! - [`Planned`]: the study as its spec says: every trial once (fixed seeds), or look by look
//!   with adaptive seeds (sequential testing). What `study.run(f)` does.
//! - [`fidelity`]: multi-fidelity ablation (successive halving with tests).
//! - [`transfer`]: scale transfer (the ablation at several model sizes, effects extrapolated).
//! - [`PathOptions`](crate::ablation_path::PathOptions): the ablation path to a target config.
//! - [`Pilot`](crate::estimate::Pilot): one baseline trial, for the cost estimate.

pub(crate) mod adaptive;
pub mod fidelity;
pub mod transfer;

use crate::backend::Backend;
use crate::error::{Error, Result};
use crate::options::RunOptions;
use crate::plan::Plan;
use crate::results::Results;
use crate::space::{Config, Param, Role, Value};
use crate::spec::StudySpec;

/// A way to run a study: `study.run_with(scheduler, f)`, `study.on(backend).run_with(scheduler)`.
pub trait Scheduler {
    /// What the run returns (results, or an analysis of the run such as the rungs of a
    /// multi-fidelity run).
    type Output;

    /// Runs the study `spec` (resolved: see [`Study::resolved_spec`](crate::Study::resolved_spec))
    /// on `backend`.
    fn run(&self, spec: &StudySpec, options: &RunOptions, backend: &dyn Backend) -> Result<Self::Output>;
}

/// The study as its spec says: every trial once with fixed seeds; with adaptive seeds, look
/// by look until every comparison is decided (see [`crate::stats::sequential`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Planned;

impl Scheduler for Planned {
    type Output = Results;

    fn run(&self, spec: &StudySpec, options: &RunOptions, backend: &dyn Backend) -> Result<Results> {
        let plan = Plan::from_spec(spec)?;
        match plan.sequential_rule()?.cloned() {
            None => backend.run_plan(spec, plan, options, None),
            Some(rule) => adaptive::run(&plan, &rule, spec, options, backend),
        }
    }
}

/// The study's one parameter with `role` (its fidelity or its size axis) and its levels,
/// smallest first; an error saying how to add one (`add`), or that there are two.
pub(crate) fn axis<'a>(params: &'a [Param], role: Role, add: &str) -> Result<(&'a Param, Vec<i64>)> {
    let mut found = params.iter().filter(|p| p.role() == role);
    match (found.next(), found.next()) {
        (Some(p), None) => {
            let levels = p.level_list().unwrap_or_default().iter().filter_map(|v| if let Value::Int(i) = v { Some(*i) } else { None }).collect();
            Ok((p, levels))
        }
        (None, _) => Err(Error::Invalid { message: add.to_string() }),
        (Some(a), Some(b)) => Err(Error::Invalid { message: format!("the study has two {role:?} parameters, `{}` and `{}`: keep one", a.name(), b.name()) }),
    }
}

/// `spec` with its axis param `name` (a fidelity or a size) moved to `level`.
pub(crate) fn at_level(spec: &StudySpec, name: &str, level: i64) -> Result<StudySpec> {
    let mut at = Config::new();
    at.set(name, Value::Int(level));
    spec.with_baseline(&at)
}
