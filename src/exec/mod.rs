//! Executors: where trials run. An executor takes trials from a `TrialQueue` (which
//! decides what runs, claims it and journals the result) and runs each through an
//! [`Objective`]; it knows nothing about the store or the analysis.
//!
//! `Threads` runs trials on worker threads of this process. With a closure objective the
//! trials run in-process; with [`CommandTrials`](crate::objective::CommandTrials) each worker
//! thread supervises one child process at a time (the local process executor).

mod interrupt;
pub(crate) mod progress;
pub mod slurm;
mod threads;

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

pub(crate) use interrupt::InterruptGuard;
pub use slurm::Slurm;
pub(crate) use threads::Threads;

use crate::error::Result;
use crate::objective::{Objective, Outcome, TrialContext};
use crate::resources::Placement;
use crate::store::{Provenance, Status, TrialRecord};
use crate::trial::{Metrics, MetricSpec, Trial};

/// One trial handed to an executor.
#[derive(Debug, Clone)]
pub(crate) struct Task {
    /// What the objective receives.
    pub trial: Trial,
    /// 1 for the first attempt, 2 for the first retry, ...
    pub attempt: u32,
    /// The trial's own directory, when the objective uses one.
    pub trial_dir: Option<PathBuf>,
}

/// Where an executor gets its work and hands back results.
pub(crate) trait TrialQueue: Sync {
    /// The next trial to run (claimed for this process), or `None` when nothing is left.
    /// May block while other processes finish trials they claimed.
    fn next(&self) -> Option<Task>;
    /// Hands back a finished trial's record; `None` means it was interrupted (not recorded).
    fn finish(&self, task: Task, record: Option<TrialRecord>);
    /// Set when the run stops early (interrupt or store failure): no new trial starts.
    fn cancel_flag(&self) -> &AtomicBool;
    /// The declared metrics, to check each outcome against.
    fn metrics(&self) -> &[MetricSpec];
    /// The fingerprint of the objective's code, recorded with each result.
    fn code(&self) -> Option<&str>;
}

/// Runs trials from a queue until it is empty.
pub(crate) trait Executor {
    /// Runs every trial the queue hands out through `objective`.
    fn execute(&self, queue: &dyn TrialQueue, objective: &dyn Objective) -> Result<()>;
}

/// Runs one task through the objective and turns its outcome into a record (`None` when
/// it was interrupted): timing, the metric check against the declaration, the code
/// fingerprint.
pub(crate) fn run_task(task: &Task, queue: &dyn TrialQueue, objective: &dyn Objective, placement: Option<&Placement>) -> Option<TrialRecord> {
    let started_at_ms = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
    let clock = Instant::now();
    let context = TrialContext::new(task.trial_dir.as_deref(), queue.cancel_flag()).placed(placement);
    // A closure sees its GPUs through the trial (`Trial::devices`).
    let placed;
    let trial = match placement.filter(|p| !p.devices.is_empty()) {
        Some(p) => {
            placed = task.trial.with_devices(&p.devices);
            &placed
        }
        None => &task.trial,
    };
    let outcome = objective.run(trial, &context);
    let duration_s = clock.elapsed().as_secs_f64();
    let (status, error, metrics, reports, continuation, pruned_at) = match outcome {
        Outcome::Interrupted => return None,
        Outcome::Pruned { step, reason, reports, continuation } => (Status::Pruned, Some(reason), Metrics::new(), reports, continuation, Some(step)),
        Outcome::Finished { metrics, reports, continuation } => match metrics.and_then(|m| m.check(queue.metrics()).map(|()| m).map_err(|e| e.to_string())) {
            Ok(metrics) => (Status::Ok, None, metrics, reports, continuation, None),
            Err(message) => (Status::Failed, Some(message), Metrics::new(), reports, continuation, None),
        },
    };
    Some(TrialRecord {
        id: task.trial.id.clone(),
        config: task.trial.config.clone(),
        seed: task.trial.seed,
        replicate: task.trial.replicate,
        status,
        error,
        metrics,
        duration_s,
        started_at_ms,
        attempt: task.attempt,
        reports,
        continuation,
        provenance: Provenance {
            host: crate::resources::host_name(),
            devices: placement.map(|p| crate::resources::describe(&p.devices)).unwrap_or_default(),
            git: objective.git_state().cloned(),
        },
        pruned_at,
        code: queue.code().map(str::to_string),
    })
}
