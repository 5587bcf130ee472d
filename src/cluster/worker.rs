//! What one array task does on its node (`ablate worker RUN_DIR --submission N --task K`):
//! rebuild the study from the spec the submission was made from, claim and run the task's
//! trials under the command-trial protocol, write their records to the task's own shard, and
//! leave an exit record saying how it ended.

use std::path::Path;

use crate::exec::InterruptGuard;
use crate::exec::slurm::submission::{self, ExitRecord};
use crate::exec::slurm::slurm_error;
use crate::error::{Error, Result};
use crate::options::{ProgressMode, RunOptions};
use crate::store::{Store, StoreLocation};

/// Runs array task `task` of submission `number` in `run_dir`; returns how many trials ran.
/// Trials already done (by an earlier attempt of this task, or another process) are skipped;
/// trials claimed by a live process elsewhere are waited for.
pub fn run_worker(run_dir: &Path, number: u32, task: usize) -> Result<usize> {
    // From the start: a task cancelled while it still loads its study leaves an exit record
    // that says so, instead of vanishing without a trace.
    let guard = InterruptGuard::install();
    let run_dir = std::path::absolute(run_dir).map_err(|e| Error::Io { context: "cannot resolve the run directory".into(), source: e })?;
    let submission = submission::load(&run_dir, number)?;
    let trials = submission.tasks.get(task).ok_or_else(|| {
        slurm_error(format!("submission {number} in {} has {} tasks; there is no task {task}", run_dir.display(), submission.tasks.len()))
    })?;
    let spec = super::submitted_spec(&run_dir, &submission.spec_hash)?;
    let plan = crate::plan::Plan::from_spec(&spec)?;
    let command = spec.command.as_ref().ok_or_else(|| slurm_error(format!("the study spec specs/{}.json has no command", submission.spec_hash)))?;
    let objective = crate::objective::CommandTrials::new(command, &plan, &run_dir, spec.prune.as_ref())?;
    let mut indices = Vec::with_capacity(trials.len());
    for t in trials {
        let index = plan.trial_index(&t.id).ok_or_else(|| slurm_error(format!("trial {} of submission {number} is not in the study spec specs/{}.json", t.id, submission.spec_hash)))?;
        indices.push(index);
    }
    // The task's trials side by side when [resources] says what each gets (its GPUs from the
    // CUDA_VISIBLE_DEVICES Slurm set for the task); one after the other otherwise.
    let options = RunOptions {
        workers: Some(if submission.resources.is_unset() { 1 } else { indices.len().max(1) }),
        // A device list names the submitting machine's GPUs: on the node, Slurm's allocation.
        resources: crate::resources::Resources { devices: None, ..submission.resources.clone() },
        retries: submission.retries,
        progress: ProgressMode::Off,
        store: StoreLocation::Dir(run_dir.clone()),
        ..RunOptions::default()
    };
    let ran = if guard.signalled() {
        Err(Error::Interrupted { finished: 0, remaining: indices.len() })
    } else {
        Store::open_task(&run_dir, &format!("{number}-{task}"), options.lease)
            .and_then(|(store, loaded)| crate::session::run_some(&plan, &store, loaded, &options, &objective, &indices))
    };
    let exit = ExitRecord {
        signalled: matches!(ran, Err(Error::Interrupted { .. })),
        error: ran.as_ref().err().map(|e| e.to_string()),
    };
    submission::write_exit(&run_dir, number, task, &exit)?;
    ran.map_err(|e| match e {
        Error::Interrupted { finished, remaining } => slurm_error(format!(
            "task {task} of submission {number} was stopped by a signal (scancel, its time limit, or preemption): {finished} trial(s) finished and are kept, {remaining} did not; the driver records those and resubmits them while retries are left"
        )),
        other => other,
    })
}
