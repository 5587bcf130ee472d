//! The submission files in `runs/<study>/slurm/`: which trials each array task runs (written
//! before `sbatch`, exclusively), the array's job id (written while the array is held, so no
//! task runs before its job id is on disk), cancellations, and each task's exit record.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::Slurm;
use crate::error::{Error, Result};
use crate::resources::Resources;
use crate::store::files;
use crate::trial::TrialId;

/// The folder of submission files inside a run directory.
pub const SLURM_DIR: &str = "slurm";
/// What a job file says when `sbatch` never accepted the submission.
const NEVER_SUBMITTED: &str = "none";

/// One trial of an array task, and the attempt number it runs as.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct SubmittedTrial {
    pub id: TrialId,
    pub attempt: u32,
}

/// One submission: a job array whose task `k` runs `tasks[k]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Submission {
    pub number: u32,
    /// When it was written (milliseconds since the Unix epoch).
    pub created_ms: i64,
    /// The Slurm job name (unique to this run directory and submission).
    pub job_name: String,
    /// Failed attempts a trial may have before it is not resubmitted.
    pub retries: u32,
    /// The hash of the study spec the trials belong to (`specs/<hash>.json`).
    pub spec_hash: String,
    pub settings: Slurm,
    /// The study's `[resources]`: what each trial of a task gets on its node.
    #[serde(default, skip_serializing_if = "Resources::is_unset")]
    pub resources: Resources,
    pub tasks: Vec<Vec<SubmittedTrial>>,
}

/// What the driver knows of the array behind a submission.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Job {
    /// Not recorded yet: the driver died between writing the submission and `sbatch`
    /// returning (re-attach looks the job up by name).
    Unknown,
    /// Submitted as this array job id.
    Id(String),
    /// `sbatch` never accepted it.
    Never,
}

/// How a task's worker ended, written by the worker itself (the fallback when the
/// scheduler has forgotten the task and accounting is off).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ExitRecord {
    /// Stopped by SIGTERM or SIGINT (scancel, time limit, preemption) before its trials ended.
    pub signalled: bool,
    /// An error that stopped the worker, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

pub(crate) fn dir(run_dir: &Path) -> PathBuf {
    run_dir.join(SLURM_DIR)
}

fn json_path(run_dir: &Path, n: u32) -> PathBuf {
    dir(run_dir).join(format!("submission-{n}.json"))
}

fn job_path(run_dir: &Path, n: u32) -> PathBuf {
    dir(run_dir).join(format!("submission-{n}.job"))
}

fn cancelled_path(run_dir: &Path, n: u32) -> PathBuf {
    dir(run_dir).join(format!("submission-{n}.cancelled"))
}

pub(crate) fn script_path(run_dir: &Path, n: u32) -> PathBuf {
    dir(run_dir).join(format!("submission-{n}.sh"))
}

pub(crate) fn logs_dir(run_dir: &Path) -> PathBuf {
    dir(run_dir).join("logs")
}

fn exit_path(run_dir: &Path, n: u32, task: usize) -> PathBuf {
    dir(run_dir).join("exits").join(format!("{n}-{task}.json"))
}

fn io(path: &Path, what: &str) -> impl FnOnce(std::io::Error) -> Error {
    let context = format!("cannot {what} {}", path.display());
    move |source| Error::Io { context, source }
}

/// The numbers of the submissions in `run_dir`, ascending.
pub(crate) fn numbers(run_dir: &Path) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir(dir(run_dir)) else { return Vec::new() };
    let mut numbers: Vec<u32> = entries
        .flatten()
        .filter_map(|e| e.file_name().into_string().ok())
        .filter_map(|n| n.strip_prefix("submission-")?.strip_suffix(".json")?.parse().ok())
        .collect();
    numbers.sort_unstable();
    numbers
}

/// Writes a new submission under the next free number (exclusively: two drivers never get
/// the same number) and returns it with its number set.
pub(crate) fn create(run_dir: &Path, mut submission: Submission, job_name: impl Fn(u32) -> String) -> Result<Submission> {
    let folder = dir(run_dir);
    std::fs::create_dir_all(logs_dir(run_dir)).map_err(io(&folder, "create"))?;
    std::fs::create_dir_all(folder.join("exits")).map_err(io(&folder, "create"))?;
    let mut n = numbers(run_dir).last().map_or(0, |last| last + 1);
    loop {
        submission.number = n;
        submission.job_name = job_name(n);
        let bytes = serde_json::to_vec(&submission).unwrap_or_default();
        if files::create_new_atomically(&json_path(run_dir, n), &bytes)? {
            return Ok(submission);
        }
        n += 1;
    }
}

/// Reads submission `n`.
pub(crate) fn load(run_dir: &Path, n: u32) -> Result<Submission> {
    let path = json_path(run_dir, n);
    let bytes = std::fs::read(&path).map_err(io(&path, "read"))?;
    let not_a_record = |why: String| Error::Slurm { message: format!("{} is not a submission record ({why}): was it edited?", path.display()) };
    let submission: Submission = serde_json::from_slice(&bytes).map_err(|e| not_a_record(e.to_string()))?;
    // The spec hash names a file in specs/: 16 hex digits, nothing that leads elsewhere.
    if submission.spec_hash.len() != 16 || !submission.spec_hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(not_a_record(format!("its spec_hash {:?} is not 16 hex digits", submission.spec_hash)));
    }
    Ok(submission)
}

/// What is known of submission `n`'s job.
pub(crate) fn job(run_dir: &Path, n: u32) -> Job {
    match std::fs::read_to_string(job_path(run_dir, n)) {
        Ok(text) if text.trim() == NEVER_SUBMITTED => Job::Never,
        Ok(text) if !text.trim().is_empty() => Job::Id(text.trim().to_string()),
        _ => Job::Unknown,
    }
}

/// Records submission `n`'s job id (or that it never reached the scheduler).
pub(crate) fn record_job(run_dir: &Path, n: u32, job: &Job) -> Result<()> {
    let text = match job {
        Job::Id(id) => id.as_str(),
        Job::Never => NEVER_SUBMITTED,
        Job::Unknown => return Ok(()),
    };
    files::write_bytes_atomically(&job_path(run_dir, n), text.as_bytes())
}

/// Whether `cancel` stopped submission `n`.
pub(crate) fn is_cancelled(run_dir: &Path, n: u32) -> bool {
    cancelled_path(run_dir, n).exists()
}

/// Marks submission `n` as cancelled by the user: its unfinished trials are not resubmitted
/// until the next explicit submit.
pub(crate) fn mark_cancelled(run_dir: &Path, n: u32) -> Result<()> {
    files::write_bytes_atomically(&cancelled_path(run_dir, n), b"cancelled\n")
}

/// Writes task `task`'s exit record.
pub(crate) fn write_exit(run_dir: &Path, n: u32, task: usize, record: &ExitRecord) -> Result<()> {
    let path = exit_path(run_dir, n, task);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io(parent, "create"))?;
    }
    files::write_bytes_atomically(&path, &serde_json::to_vec(record).unwrap_or_default())
}

/// Task `task`'s exit record, if its worker wrote one.
pub(crate) fn read_exit(run_dir: &Path, n: u32, task: usize) -> Option<ExitRecord> {
    serde_json::from_slice(&std::fs::read(exit_path(run_dir, n, task)).ok()?).ok()
}
