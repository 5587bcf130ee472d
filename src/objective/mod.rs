//! What a trial runs: an [`Objective`] turns one [`Trial`] into metrics. Two kinds exist:
//! a Rust closure running in this process ([`closure`]), and a user's own program run as a
//! child process under the command-trial protocol ([`command`]). Executors see only the
//! trait object, so the runner is compiled once inside ablate (in evcxr, not once per cell).

pub mod closure;
pub mod command;

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

pub use command::{find_on_path, CommandSpec, CommandTrials};

use crate::resources::Placement;
use crate::store::{Continuation, GitState};
use crate::trial::{Metrics, StepReport, Trial};

/// What an objective sees besides the trial: its own directory and whether to stop.
pub struct TrialContext<'a> {
    /// The trial's own directory (command trials: checkpoints, logs, the result file).
    pub trial_dir: Option<&'a Path>,
    /// The GPUs and CPU threads this trial gets on this machine (none: no setting applies).
    pub placement: Option<&'a Placement>,
    cancel: &'a AtomicBool,
}

impl<'a> TrialContext<'a> {
    /// A context for one trial.
    pub fn new(trial_dir: Option<&'a Path>, cancel: &'a AtomicBool) -> TrialContext<'a> {
        TrialContext { trial_dir, placement: None, cancel }
    }

    /// The same context with the trial's GPUs and CPU threads.
    pub fn placed(mut self, placement: Option<&'a Placement>) -> TrialContext<'a> {
        self.placement = placement;
        self
    }

    /// Whether the run is being stopped (Ctrl-C, SIGTERM, a store error): a long-running
    /// objective should give up and return [`Outcome::Interrupted`].
    pub fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
}

/// How one attempt at a trial ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The trial ran to its end: metrics, or the reason it failed.
    Finished {
        /// The metrics, or a message saying why there are none.
        metrics: Result<Metrics, String>,
        /// Intermediate values reported while it ran.
        reports: Vec<StepReport>,
        /// The cheaper rung's trial it was offered to continue from, and whether it did.
        continuation: Option<Continuation>,
    },
    /// Stopped early by the study's pruning rule (see [`crate::prune`]).
    Pruned {
        /// The step (epoch) of the decision.
        step: i64,
        /// Why, in words (the values compared).
        reason: String,
        /// Intermediate values reported until it stopped.
        reports: Vec<StepReport>,
        /// The cheaper rung's trial it was offered to continue from, and whether it did.
        continuation: Option<Continuation>,
    },
    /// The run was stopped while this trial ran: nothing is recorded, a rerun runs it.
    Interrupted,
}

/// Something that runs a trial and returns its metrics.
pub trait Objective: Sync {
    /// Runs one trial.
    fn run(&self, trial: &Trial, context: &TrialContext<'_>) -> Outcome;

    /// A fingerprint of the code this objective runs, recorded with every result; results
    /// recorded under another fingerprint are not reused. `None`: not tracked.
    fn fingerprint(&self) -> Option<&str> {
        None
    }

    /// Whether trials get a directory of their own (`trials/<id>/` in the run directory).
    fn uses_trial_dirs(&self) -> bool {
        false
    }

    /// Whether trials run as child processes: the driver then stops them on Ctrl-C/SIGTERM.
    fn spawns_processes(&self) -> bool {
        false
    }

    /// The git state of the code the trials run (command trials: their working directory),
    /// recorded with every trial.
    fn git_state(&self) -> Option<&GitState> {
        None
    }
}
