//! Running a study on a Slurm cluster: [`SlurmRun`] is the driver (submit, re-attach, poll,
//! wait, cancel, partial results), [`run_worker`] is what each array task runs on its node.
//! The Slurm side itself — settings, batch script, the scheduler's commands and the
//! submission files — is [`exec::slurm`](crate::exec::slurm).

mod driver;
mod worker;

pub use driver::{ConfigProgress, JobStatus, SlurmRun, SlurmStatus};
pub use worker::run_worker;

use std::path::Path;

use crate::error::{Error, Result};
use crate::exec::Slurm;
use crate::session::StoredSpec;
use crate::spec::StudySpec;
use crate::study::Study;

/// The study a submission was made from, rebuilt from `specs/<hash>.json` of its run
/// directory (not `spec.json`, which a later run may have replaced), and that spec.
pub(crate) fn submitted_study(run_dir: &Path, spec_hash: &str) -> Result<(Study, StoredSpec)> {
    let path = run_dir.join("specs").join(format!("{spec_hash}.json"));
    let json = std::fs::read_to_string(&path).map_err(|e| Error::Io { context: format!("cannot read the study spec {}", path.display()), source: e })?;
    let spec = StudySpec::from_json(&json).map_err(|e| Error::Spec { file: path.display().to_string(), message: e.to_string() })?;
    let study = Study::from_spec(&spec, run_dir)?.run_dir(run_dir);
    Ok((study, StoredSpec { json, hash: spec_hash.to_string() }))
}

/// A study bound to a Slurm cluster: `study.on(Slurm::new()...)`.
#[derive(Debug)]
pub struct OnSlurm<'a> {
    study: &'a Study,
    settings: Slurm,
}

impl<'a> OnSlurm<'a> {
    pub(crate) fn new(study: &'a Study, settings: Slurm) -> OnSlurm<'a> {
        OnSlurm { study, settings }
    }

    /// Submits the study's missing trials as one job array and returns at once; the value
    /// displays progress, [`SlurmRun::wait`] blocks, [`SlurmRun::results`] analyses what has
    /// finished. Running the same cell again submits nothing that is queued or running.
    pub fn submit(self) -> Result<SlurmRun> {
        let run = SlurmRun::open(self.study, self.settings, &self.study.stored_spec()?)?;
        run.submit()?;
        Ok(run)
    }
}
