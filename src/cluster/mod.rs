//! Running a study on a Slurm cluster: [`SlurmRun`] is the driver (submit, re-attach, poll,
//! wait, cancel, partial results), [`run_worker`] is what each array task runs on its node.
//! The Slurm side itself — settings, batch script, the scheduler's commands and the
//! submission files — is [`exec::slurm`](crate::exec::slurm).

mod driver;
mod worker;

pub use crate::results::ConfigProgress;
pub use driver::{JobStatus, SlurmRun, SlurmStatus};
pub use worker::run_worker;

use std::path::Path;

use crate::backend::Backend;
use crate::error::{Error, Result};
use crate::exec::Slurm;
use crate::options::RunOptions;
use crate::plan::Plan;
use crate::results::Results;
use crate::spec::StudySpec;

/// The study a submission was made from, read from `specs/<hash>.json` of its run
/// directory (not `spec.json`, which a later run may have replaced).
pub(crate) fn submitted_spec(run_dir: &Path, spec_hash: &str) -> Result<StudySpec> {
    let path = run_dir.join("specs").join(format!("{spec_hash}.json"));
    let json = std::fs::read_to_string(&path).map_err(|e| Error::Io { context: format!("cannot read the study spec {}", path.display()), source: e })?;
    StudySpec::from_json(&json).map_err(|e| Error::Spec { file: path.display().to_string(), message: e.to_string() })
}

/// The study `spec` opened on Slurm with its missing trials (those of `only`, when given)
/// submitted; returns at once.
pub(crate) fn submit(spec: &StudySpec, plan: Plan, options: &RunOptions, settings: &Slurm, only: Option<&[usize]>) -> Result<SlurmRun> {
    let run = SlurmRun::open(spec, plan, options, settings.clone())?;
    run.submit_only(only)?;
    Ok(run)
}

/// A Slurm cluster as a backend: each call submits the missing trials as one job array and
/// waits for them (printing progress); a scale transfer's sizes are submitted all at once.
impl Backend for Slurm {
    fn run_plan(&self, spec: &StudySpec, plan: Plan, options: &RunOptions, only: Option<&[usize]>) -> Result<Results> {
        submit(spec, plan, options, self, only)?.wait()
    }

    fn run_all(&self, specs: &[StudySpec], options: &RunOptions) -> Result<Vec<Results>> {
        let runs = specs.iter().map(|spec| submit(spec, Plan::from_spec(spec)?, options, self, None)).collect::<Result<Vec<SlurmRun>>>()?;
        runs.iter().map(SlurmRun::wait).collect()
    }
}
