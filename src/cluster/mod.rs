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
use crate::schedule::fidelity::{MultiFidelity, MultiFidelityOptions};
use crate::schedule::scale::ScaleTransfer;
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
        submitted(self.study, &self.settings)
    }

    /// Runs the study as a multi-fidelity ablation on Slurm (see
    /// [`Study::run_multi_fidelity`]) and blocks until the last rung is done: each rung is
    /// submitted as a job array when the one before it has finished and its promotions are
    /// decided. Everything is journaled in the run directory, so after a disconnect the same
    /// call picks up where the trials stand (finished ones are reused, queued or running ones
    /// are waited for, not submitted twice).
    pub fn run_multi_fidelity(self, options: &MultiFidelityOptions) -> Result<MultiFidelity> {
        let settings = self.settings;
        self.study.multi_fidelity_by(options, &|rung: Study| submitted(&rung, &settings)?.wait())
    }

    /// Runs the study's ablation at every size of its [`Param::scale`](crate::Param::scale)
    /// on Slurm, one job array per size, all submitted at once; blocks until every size is
    /// done and extrapolates each change's effect to `target` (see
    /// [`Study::run_scale_transfer`]). Calling it again after a disconnect resumes.
    pub fn run_scale_transfer(self, target: f64) -> Result<ScaleTransfer> {
        let settings = self.settings;
        self.study.scale_transfer_by(target, &|sizes: Vec<Study>| {
            let runs = sizes.iter().map(|size| submitted(size, &settings)).collect::<Result<Vec<SlurmRun>>>()?;
            runs.iter().map(SlurmRun::wait).collect()
        })
    }
}

/// `study` opened on Slurm with its missing trials submitted.
fn submitted(study: &Study, settings: &Slurm) -> Result<SlurmRun> {
    let run = SlurmRun::open(study, settings.clone(), &study.stored_spec()?)?;
    run.submit()?;
    Ok(run)
}
