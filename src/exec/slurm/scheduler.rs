//! Slurm's command-line tools, each called with an argument vector (never a shell), and
//! their output parsed: `sbatch --parsable`, `scontrol release`, `squeue` (one call for every
//! array at once), `sacct --parsable2` (when accounting is on) and `scancel`.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::slurm_error;
use crate::error::Result;

static CALLS: AtomicUsize = AtomicUsize::new(0);

/// How many Slurm commands this process has run (for benchmarks: calls per poll).
pub fn scheduler_calls() -> usize {
    CALLS.load(Ordering::Relaxed)
}

/// Where one array task stands, as the scheduler reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskState {
    /// Waiting in the queue (also held, or requeued).
    Pending,
    /// Running (also configuring, completing, suspended).
    Running,
    /// Ended with exit code 0.
    Completed,
    /// Ended with a non-zero exit code.
    Failed,
    /// Cancelled (`scancel`).
    Cancelled,
    /// Killed at its time limit.
    Timeout,
    /// Killed by the out-of-memory handler.
    OutOfMemory,
    /// Its node failed.
    NodeFail,
    /// Preempted by a higher-priority job.
    Preempted,
    /// Another end state (`BOOT_FAIL`, `DEADLINE`, ...), as Slurm spells it.
    Other(String),
}

impl TaskState {
    /// Reads Slurm's state name (`CANCELLED by 0` counts as cancelled).
    pub fn parse(state: &str) -> TaskState {
        let word = state.split_whitespace().next().unwrap_or("").trim_end_matches('+');
        match word {
            "PENDING" | "REQUEUED" | "REQUEUE_HOLD" | "REQUEUE_FED" => TaskState::Pending,
            "RUNNING" | "CONFIGURING" | "COMPLETING" | "SUSPENDED" | "RESIZING" | "SIGNALING" | "STAGE_OUT" | "STOPPED" => TaskState::Running,
            "COMPLETED" => TaskState::Completed,
            "FAILED" => TaskState::Failed,
            "CANCELLED" => TaskState::Cancelled,
            "TIMEOUT" => TaskState::Timeout,
            "OUT_OF_MEMORY" => TaskState::OutOfMemory,
            "NODE_FAIL" => TaskState::NodeFail,
            "PREEMPTED" => TaskState::Preempted,
            other => TaskState::Other(other.to_string()),
        }
    }

    /// Queued or running: its trials are not to be submitted again.
    pub fn in_flight(&self) -> bool {
        matches!(self, TaskState::Pending | TaskState::Running)
    }

    /// Why a task in this state ended before recording its trial, in words.
    pub fn describe(&self) -> String {
        match self {
            TaskState::Pending => "pending".into(),
            TaskState::Running => "running".into(),
            TaskState::Completed => "completed".into(),
            TaskState::Failed => "failed (the worker exited with an error)".into(),
            TaskState::Cancelled => "cancelled (scancel)".into(),
            TaskState::Timeout => "killed at its Slurm time limit".into(),
            TaskState::OutOfMemory => "killed for exceeding its memory (OUT_OF_MEMORY)".into(),
            TaskState::NodeFail => "lost with its node (NODE_FAIL)".into(),
            TaskState::Preempted => "preempted".into(),
            TaskState::Other(s) => s.to_lowercase(),
        }
    }
}

/// The state of each (array job id, task index) the scheduler reported.
pub(crate) type TaskStates = HashMap<(String, usize), TaskState>;

/// What one `squeue` call says: every task's state, and the arrays held by their user.
#[derive(Debug, Default)]
pub(crate) struct Queue {
    pub states: TaskStates,
    /// Array job ids with a task pending as `JobHeldUser`.
    pub held: std::collections::BTreeSet<String>,
}

fn run(program: &str, args: &[String]) -> Result<std::process::Output> {
    CALLS.fetch_add(1, Ordering::Relaxed);
    Command::new(program).args(args).output().map_err(|e| {
        let hint = if e.kind() == std::io::ErrorKind::NotFound {
            " (is this a Slurm login node? `sbatch`, `squeue` and `scancel` must be on PATH; to develop on a laptop, run the same study locally with run_command())"
        } else {
            ""
        };
        slurm_error(format!("cannot run `{program}`: {e}{hint}"))
    })
}

fn checked(program: &str, args: &[String]) -> Result<String> {
    let out = run(program, args)?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        return Err(slurm_error(format!("`{program} {}` failed ({}): {}", args.join(" "), out.status, stderr.trim())));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Submits `script` with `args`; returns the job id (`--parsable` prints `id` or `id;cluster`).
pub(crate) fn sbatch(script: &Path, args: &[String]) -> Result<String> {
    let mut all = vec!["--parsable".to_string()];
    all.extend(args.iter().cloned());
    all.push(script.display().to_string());
    parse_job_id(&checked("sbatch", &all)?)
}

/// The job id `sbatch --parsable` printed (`id` or `id;cluster`).
pub(crate) fn parse_job_id(out: &str) -> Result<String> {
    let id = out.trim().split(';').next().unwrap_or("").to_string();
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(slurm_error(format!("sbatch printed {:?}, not a job id", out.trim())));
    }
    Ok(id)
}

/// Releases a held job.
pub(crate) fn release(job: &str) -> Result<()> {
    checked("scontrol", &["release".into(), job.into()]).map(drop)
}

/// Cancels jobs (whole arrays).
pub(crate) fn scancel(jobs: &[String]) -> Result<()> {
    if jobs.is_empty() {
        return Ok(());
    }
    checked("scancel", jobs).map(drop)
}

/// The array job id of a job named `name` the scheduler still knows, if any.
pub(crate) fn job_named(name: &str) -> Result<Option<String>> {
    let out = checked("squeue", &["--noheader".into(), "--states=all".into(), format!("--name={name}"), "--format=%F".into()])?;
    Ok(out.lines().map(str::trim).find(|l| !l.is_empty()).map(str::to_string))
}

/// Every task of `jobs` the controller still knows (queued, running, or ended within
/// `MinJobAge`), in one `squeue` call.
pub(crate) fn squeue(jobs: &[String]) -> Result<Queue> {
    if jobs.is_empty() {
        return Ok(Queue::default());
    }
    let args = vec!["--noheader".into(), "--array".into(), "--states=all".into(), format!("--jobs={}", jobs.join(",")), "--format=%i|%T|%r".into()];
    let out = run("squeue", &args)?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        // Every listed job has left the controller: nothing is queued or running.
        if stderr.contains("Invalid job id") {
            return Ok(Queue::default());
        }
        return Err(slurm_error(format!("`squeue {}` failed ({}): {}", args.join(" "), out.status, stderr.trim())));
    }
    Ok(parse_queue(&String::from_utf8_lossy(&out.stdout)))
}

/// Parses `squeue --format=%i|%T|%r` lines: every task's state, and the arrays held by
/// their user.
pub(crate) fn parse_queue(text: &str) -> Queue {
    let held = text
        .lines()
        .filter_map(|line| {
            let mut fields = line.trim().split('|');
            let job = fields.next()?.split('_').next()?;
            (fields.nth(1)? == "JobHeldUser").then(|| job.to_string())
        })
        .collect();
    Queue { states: parse_states(text), held }
}

/// How ended tasks of `jobs` finished, from accounting; `None` when accounting is off.
pub(crate) fn sacct(jobs: &[String]) -> Result<Option<TaskStates>> {
    if jobs.is_empty() {
        return Ok(Some(TaskStates::new()));
    }
    let args = vec!["--noheader".into(), "--parsable2".into(), "-X".into(), format!("--jobs={}", jobs.join(",")), "--format=JobID,State".into()];
    let out = match run("sacct", &args) {
        Ok(out) => out,
        Err(_) => return Ok(None), // no sacct on this cluster
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() || stderr.contains("accounting storage is disabled") {
        return Ok(None);
    }
    Ok(Some(parse_states(&String::from_utf8_lossy(&out.stdout))))
}

/// Parses `JOB_TASK|STATE` lines; lines of unexpanded ranges (`12_[3-5]`) or of jobs that
/// are not arrays are skipped.
pub(crate) fn parse_states(text: &str) -> TaskStates {
    let mut states = TaskStates::new();
    for line in text.lines() {
        let mut fields = line.trim().split('|');
        let (Some(id), Some(state)) = (fields.next(), fields.next()) else { continue };
        let Some((job, task)) = id.split_once('_') else { continue };
        let Ok(task) = task.parse::<usize>() else { continue };
        states.insert((job.to_string(), task), TaskState::parse(state));
    }
    states
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_parse_as_slurm_prints_them() {
        let states = parse_states("7_0|RUNNING|None\n7_1|CANCELLED by 0\n7_[2-4]|PENDING|JobHeldUser\n8|COMPLETED\n7_5|TIMEOUT|TimeLimit\n7_6|OUT_OF_MEMORY\n");
        assert_eq!(states.len(), 4);
        assert_eq!(states[&("7".into(), 0)], TaskState::Running);
        assert_eq!(states[&("7".into(), 1)], TaskState::Cancelled);
        assert_eq!(states[&("7".into(), 5)], TaskState::Timeout);
        assert_eq!(states[&("7".into(), 6)], TaskState::OutOfMemory);
        assert!(TaskState::parse("REQUEUED").in_flight());
        assert!(!TaskState::parse("NODE_FAIL").in_flight());
        assert_eq!(TaskState::parse("BOOT_FAIL"), TaskState::Other("BOOT_FAIL".into()));
    }
}
