//! Running a study on a Slurm cluster: [`SlurmRun`] is the driver (submit, re-attach, poll,
//! wait, cancel, partial results), [`run_worker`] is what each array task runs on its node.
//! The Slurm side itself — settings, batch script, the scheduler's commands and the
//! submission files — is [`exec::slurm`](crate::exec::slurm).

mod driver;
mod worker;

pub use driver::{ConfigProgress, JobStatus, SlurmRun, SlurmStatus};
pub use worker::run_worker;

use crate::error::Result;
use crate::exec::Slurm;
use crate::study::Study;

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
