//! One journal record: the outcome of one attempt at one trial.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::space::Config;
use crate::trial::{Metrics, StepReport, TrialId};

/// Whether a trial attempt produced valid metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The trial returned every declared metric, all finite.
    Ok,
    /// The trial panicked, returned an error, or returned unusable metrics.
    Failed,
    /// Stopped early, its learning curve clearly behind the baseline's (see
    /// [`crate::prune`]): final, never retried, and without full-budget metrics.
    Pruned,
}

impl Status {
    /// "ok" or "failed", as in the results frame.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Failed => "failed",
            Status::Pruned => "pruned",
        }
    }
}

/// The outcome of one attempt at one trial, as written to the journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrialRecord {
    /// The trial's stable id.
    pub id: TrialId,
    /// The configuration it ran.
    pub config: Arc<Config>,
    /// The seed it ran with.
    pub seed: u64,
    /// Its replicate index.
    pub replicate: u32,
    /// Ok or failed.
    pub status: Status,
    /// The failure message, for failed attempts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The metrics (empty for failed attempts).
    #[serde(default)]
    pub metrics: Metrics,
    /// Wall time of the trial function in seconds.
    pub duration_s: f64,
    /// When the attempt started, in milliseconds since the Unix epoch (UTC).
    pub started_at_ms: i64,
    /// 1 for the first attempt, 2 for the first retry, ...
    pub attempt: u32,
    /// Intermediate values the trial reported (its learning curve), in report order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reports: Vec<StepReport>,
    /// The fingerprint of the code that ran (command trials: the command template and the
    /// fingerprinted files), so results of changed code are not silently reused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Where a trial promoted to a higher fidelity (more epochs) could continue from: the
    /// same config and seed at the previous rung, and whether the trial did continue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub continuation: Option<Continuation>,
    /// Where and on what it ran: host, GPUs, the git state of the command's directory.
    #[serde(default, skip_serializing_if = "Provenance::is_empty")]
    pub provenance: Provenance,
    /// For a pruned trial: the step (epoch) where it was stopped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pruned_at: Option<i64>,
}

/// A trial of a higher rung (more epochs) offered the directory of the same config and seed
/// at a cheaper rung (`ABLATE_RESUME_FROM`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Continuation {
    /// The earlier trial, whose checkpoint was offered.
    pub from: TrialId,
    /// Its fidelity level (epochs, steps).
    pub from_level: i64,
    /// Whether the trial continued from that checkpoint (it printed `ABLATE_RESUMED`);
    /// `false`: it trained from scratch (no checkpoint there, or the script ignores it).
    pub resumed: bool,
}

/// Where and on what a trial ran: what can make two trials of the same config and seed
/// differ (another GPU model, another driver, changed code).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    /// The machine's host name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// The GPUs the trial was given.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub devices: Vec<Device>,
    /// The git commit of the command's working directory, when it is in a git repository.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git: Option<GitState>,
}

impl Provenance {
    /// Nothing known.
    pub fn is_empty(&self) -> bool {
        self.host.is_none() && self.devices.is_empty() && self.git.is_none()
    }

    /// The GPU models the trial ran on, "+"-joined (`None`: no GPU, or models unknown).
    pub fn gpu_models(&self) -> Option<String> {
        let models: Vec<&str> = self.devices.iter().filter_map(|d| d.model.as_deref()).collect();
        (!models.is_empty()).then(|| models.join(" + "))
    }
}

/// One GPU a trial was given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    /// Its id as `CUDA_VISIBLE_DEVICES` took it.
    pub id: String,
    /// Its model (`nvidia-smi`'s name), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// The driver version, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driver: Option<String>,
}

/// The state of a git working tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GitState {
    /// The commit checked out (40 hex digits).
    pub commit: String,
    /// Whether tracked files differ from it.
    pub dirty: bool,
}

impl TrialRecord {
    /// When the attempt ended, in milliseconds since the Unix epoch: its start plus its
    /// duration (rounded to the millisecond).
    pub fn ended_at_ms(&self) -> i64 {
        let ms = (self.duration_s * 1000.0).round();
        // `as` saturates, and a NaN duration counts as zero.
        self.started_at_ms.saturating_add(if ms > 0.0 { ms as i64 } else { 0 })
    }

    /// Whether this record, rather than `other` (another record of the same trial), stands
    /// for the trial: an ok or pruned result (final) beats a failure, and between two of the same status the
    /// later start wins (then the later attempt). The one rule of the resume policy and of
    /// [`Results::load`](crate::Results::load), whatever order the journal and the shards
    /// are read in.
    pub fn supersedes(&self, other: &TrialRecord) -> bool {
        let rank = |r: &TrialRecord| (r.status != Status::Failed, r.started_at_ms, r.attempt);
        rank(self) > rank(other)
    }
}
