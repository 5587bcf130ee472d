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
}

impl Status {
    /// "ok" or "failed", as in the results frame.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Failed => "failed",
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
    /// for the trial: an ok result beats a failure, and between two of the same status the
    /// later start wins (then the later attempt). The one rule of the resume policy and of
    /// [`Results::load`](crate::Results::load), whatever order the journal and the shards
    /// are read in.
    pub fn supersedes(&self, other: &TrialRecord) -> bool {
        let rank = |r: &TrialRecord| (r.status == Status::Ok, r.started_at_ms, r.attempt);
        rank(self) > rank(other)
    }
}
