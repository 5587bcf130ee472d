//! The Slurm executor: a study's missing command trials become one Slurm job array, each
//! array task runs `ablate worker RUN_DIR --submission N --task K` on a node, which claims its
//! trials, runs them under the command-trial protocol and writes their records to a shard of
//! its own in the run directory (on the shared filesystem). The driver — a notebook cell, or
//! `ablate submit` — returns at once; any later process re-attaches from the run directory
//! ([`SlurmRun::attach`](crate::cluster::SlurmRun::attach)), watches, ingests, resubmits vanished tasks, and analyses.
//!
//! ```text
//! runs/<study>/slurm/
//!   submission-<n>.json   the trials of each array task, the settings, when (written before sbatch)
//!   submission-<n>.job    the array's job id (written while the array is still held)
//!   submission-<n>.sh     the generated batch script
//!   submission-<n>.cancelled  present when `cancel` stopped it (its trials are not resubmitted)
//!   exits/<n>-<k>.json    how each task's worker ended (its own exit record)
//!   logs/<job>_<k>.out    each task's output
//! ```
//!
//! Slurm is driven through its command-line tools (`sbatch --parsable`, one `squeue` per
//! poll for every array, `sacct` when accounting is on, `scontrol release`, `scancel`), with
//! arguments passed as a vector, never through a shell string.

pub(crate) mod scheduler;
pub(crate) mod script;
pub(crate) mod submission;

use std::path::PathBuf;


pub use scheduler::{scheduler_calls, TaskState};
pub use submission::SLURM_DIR;

use crate::error::{Error, Result};
pub use crate::spec::Slurm;


macro_rules! setters {
    ($($(#[$doc:meta])* $name:ident: $t:ty),* $(,)?) => {$(
        $(#[$doc])*
        pub fn $name(mut self, value: impl Into<$t>) -> Slurm {
            self.$name = Some(value.into());
            self
        }
    )*};
}

/// Setters of numbers: plain types, so `.gpus(1)` reads as it should.
macro_rules! number_setters {
    ($($(#[$doc:meta])* $name:ident: $t:ty),* $(,)?) => {$(
        $(#[$doc])*
        pub fn $name(mut self, value: $t) -> Slurm {
            self.$name = Some(value);
            self
        }
    )*};
}

impl Slurm {
    /// Default settings: one trial per task, the cluster's default partition and limits.
    pub fn new() -> Slurm {
        Slurm::default()
    }

    setters! {
        /// `--partition`.
        partition: String,
        /// `--account`.
        account: String,
        /// `--qos`.
        qos: String,
        /// `--time` per array task (`"4:00:00"`).
        time: String,
        /// `--mem` (`"16G"`).
        mem: String,
        /// `--constraint`.
        constraint: String,
        /// The `ablate` binary as the nodes see it.
        ablate_bin: PathBuf,
    }

    number_setters! {
        /// `--cpus-per-task`.
        cpus_per_task: u32,
        /// GPUs per task (`--gres=gpu:N`).
        gpus: u32,
        /// GPUs per task as `--gpus-per-task=N`.
        gpus_per_task: u32,
        /// Array tasks at once (`%K`).
        max_parallel: u32,
        /// Trials per array task (default 1).
        trials_per_task: u32,
        /// Seconds between polls while waiting.
        poll_s: f64,
    }

    /// Adds an `#SBATCH` option (`"--mail-type=END"`).
    pub fn sbatch(mut self, option: &str) -> Slurm {
        self.sbatch.push(option.to_string());
        self
    }

    /// Adds a shell line the batch script runs before the worker (`"module load cuda"`).
    pub fn setup(mut self, line: &str) -> Slurm {
        self.setup.push(line.to_string());
        self
    }

    /// Submits with `--no-requeue`.
    pub fn no_requeue(mut self) -> Slurm {
        self.no_requeue = true;
        self
    }

    /// Whether this machine can submit: `sbatch` is on PATH.
    pub fn is_available() -> bool {
        crate::objective::find_on_path("sbatch").is_some()
    }

    pub(crate) fn chunk(&self) -> usize {
        self.trials_per_task.unwrap_or(1).max(1) as usize
    }

    pub(crate) fn poll_interval(&self) -> std::time::Duration {
        // At most a day (a longer one, up to one too long to count, is taken as a day).
        std::time::Duration::from_secs_f64(self.poll_s.filter(|s| s.is_finite() && *s > 0.0).unwrap_or(5.0).min(86_400.0))
    }

    /// The `#SBATCH` options these settings give, each checked: a value may not hold
    /// whitespace or control characters (each option is one word of the batch script).
    pub(crate) fn sbatch_options(&self) -> Result<Vec<String>> {
        let mut options = Vec::new();
        let mut text = |flag: &str, value: &Option<String>| -> Result<()> {
            if let Some(v) = value {
                check_word(flag, v)?;
                options.push(format!("--{flag}={v}"));
            }
            Ok(())
        };
        text("partition", &self.partition)?;
        text("account", &self.account)?;
        text("qos", &self.qos)?;
        text("time", &self.time)?;
        text("mem", &self.mem)?;
        text("constraint", &self.constraint)?;
        if let Some(n) = self.cpus_per_task {
            options.push(format!("--cpus-per-task={n}"));
        }
        if let Some(n) = self.gpus {
            options.push(format!("--gres=gpu:{n}"));
        }
        if let Some(n) = self.gpus_per_task {
            options.push(format!("--gpus-per-task={n}"));
        }
        for extra in &self.sbatch {
            if !extra.starts_with('-') {
                return Err(slurm_error(format!("the sbatch option `{extra}` does not start with `-`: give it as `--name=value`")));
            }
            check_word("sbatch", extra)?;
            if ["--array", "--output", "--error", "--job-name", "--parsable", "--hold"].iter().any(|f| extra.starts_with(f)) {
                return Err(slurm_error(format!("the sbatch option `{extra}` is set by ablate itself (it maps array tasks to trials and logs): remove it")));
            }
            options.push(extra.clone());
        }
        Ok(options)
    }
}

fn check_word(what: &str, value: &str) -> Result<()> {
    if value.is_empty() || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(slurm_error(format!("the Slurm setting `{what}` = {value:?} is empty or holds whitespace or control characters: give one word such as `gpu` or `4:00:00`")));
    }
    Ok(())
}

pub(crate) fn slurm_error(message: String) -> Error {
    Error::Slurm { message }
}
