//! Backends: where the trials of a study run. A [`Backend`] takes a study's resolved spec
//! (the form its run directory keeps: see [`Study::resolved_spec`](crate::Study::resolved_spec))
//! and its [`RunOptions`], runs the trials that still need running, and returns the
//! [`Results`] of every trial recorded for that spec. Schedulers
//! ([`crate::schedule`]) call backends, look by look or rung by rung; a backend never calls
//! a scheduler or an analysis.
//!
//! - [`Local`]: this machine; a closure on worker threads, or the study's command as one
//!   child process per trial. In memory it keeps every record between calls, so a
//!   scheduler's later looks reuse what earlier looks ran.
//! - [`Slurm`](crate::exec::Slurm): a Slurm cluster; each call submits the missing trials as
//!   a job array and waits for them (see [`crate::cluster`]).

use std::collections::HashSet;
use std::sync::Mutex;

use crate::error::Result;
use crate::objective::{CommandTrials, Objective};
use crate::options::RunOptions;
use crate::plan::Plan;
use crate::results::Results;
use crate::session::{self, StoredSpec};
use crate::spec::StudySpec;
use crate::store::TrialRecord;
use crate::trial::TrialId;

/// Where trials run.
pub trait Backend {
    /// Runs the trials of `plan`, the plan of `spec`, that still need running (only those
    /// with these plan indices when `only` is given; `Some(&[])` runs nothing and makes
    /// `spec` the run directory's current one again) and returns the results of every trial
    /// recorded for it. A scheduler that has planned `spec` already hands its plan over.
    fn run_plan(&self, spec: &StudySpec, plan: Plan, options: &RunOptions, only: Option<&[usize]>) -> Result<Results>;

    /// Plans `spec` and runs it: [`Backend::run_plan`].
    fn run(&self, spec: &StudySpec, options: &RunOptions, only: Option<&[usize]>) -> Result<Results> {
        self.run_plan(spec, Plan::from_spec(spec)?, options, only)
    }

    /// Runs several studies (the sizes of a scale transfer) and returns their results in
    /// order. By default one after the other; a cluster submits them all at once.
    fn run_all(&self, specs: &[StudySpec], options: &RunOptions) -> Result<Vec<Results>> {
        specs.iter().map(|spec| self.run(spec, options, None)).collect()
    }
}

/// This machine: trials on worker threads (a closure) or as child processes (the study's
/// command), `workers` at a time, journaled in the run directory (or kept in memory).
pub struct Local<'a> {
    /// The trial; `None`: the study's command.
    objective: Option<&'a dyn Objective>,
    /// Every record of an in-memory run so far (ids and attempts already kept in `seen`).
    memory: Mutex<Memory>,
}

#[derive(Default)]
struct Memory {
    records: Vec<TrialRecord>,
    seen: HashSet<(TrialId, u32)>,
}

impl std::fmt::Debug for Local<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.objective.is_some() { "Local(closure)" } else { "Local(command)" })
    }
}

impl Local<'static> {
    /// Runs the study's command, one child process per trial.
    pub fn commands() -> Local<'static> {
        Local { objective: None, memory: Mutex::default() }
    }
}

impl<'a> Local<'a> {
    /// Runs `objective` (a closure, or any [`Objective`]) as the trial.
    pub fn with(objective: &'a dyn Objective) -> Local<'a> {
        Local { objective: Some(objective), memory: Mutex::default() }
    }
}

impl Backend for Local<'_> {
    fn run_plan(&self, spec: &StudySpec, plan: Plan, options: &RunOptions, only: Option<&[usize]>) -> Result<Results> {
        let command;
        let objective: &dyn Objective = match self.objective {
            Some(_) if spec.prune.is_some() => {
                return Err(crate::error::Error::Invalid {
                    message: "pruning watches a trial's reports while it runs, which needs command trials: run the study's command (run_command, `ablate run`), or remove .prune(..) / [prune]".into(),
                });
            }
            Some(objective) => objective,
            None => {
                // The resolved spec's working directory is absolute: no base to resolve against.
                command = CommandTrials::new(spec.require_command()?, &plan, std::path::Path::new("."), spec.prune.as_ref())?;
                &command
            }
        };
        let stored = StoredSpec { json: spec.to_json(), hash: spec.hash() };
        let in_memory = options.store_dir(plan.name()).is_none();
        let earlier = if in_memory { lock(&self.memory).records.clone() } else { Vec::new() };
        let ran = session::run_only(plan, options, &stored, objective, only, earlier)?;
        let results = Results::new(ran.plan, ran.records, ran.stats, ran.store.dir().map(|d| d.to_path_buf()))?;
        ran.store.save_exports(results.frame(), &results.summary().to_string())?;
        results.report_failures();
        if !in_memory {
            return Ok(results);
        }
        let mut memory = lock(&self.memory);
        let Memory { records, seen } = &mut *memory;
        for record in results.records() {
            if seen.insert((record.id.clone(), record.attempt)) {
                records.push(record.clone());
            }
        }
        Ok(results)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
