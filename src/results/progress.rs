//! Where a run stands, one model for every backend: [`RunProgress`] per configuration of a
//! local run directory (`Results::status`, `ablate status`), and the same [`ConfigProgress`]
//! rows in a Slurm run's status (which adds the queue and the job arrays).

use std::fmt;

use crate::store::{DamageContext, DamagedLines};

/// Trials of one configuration by where they stand.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConfigProgress {
    /// The configuration's label.
    pub config: String,
    /// Waiting in a cluster's queue (always 0 on this machine).
    pub queued: usize,
    /// Running now (claimed by a live process, or in a running array task).
    pub running: usize,
    /// With a result.
    pub done: usize,
    /// Failed (on a cluster: with no retries left).
    pub failed: usize,
    /// Not run yet (nor submitted, on a cluster).
    pub missing: usize,
}

impl ConfigProgress {
    /// The sum of `rows`, labelled "total".
    pub fn total(rows: &[ConfigProgress]) -> ConfigProgress {
        rows.iter().fold(ConfigProgress { config: "total".into(), ..Default::default() }, |mut t, r| {
            t.queued += r.queued;
            t.running += r.running;
            t.done += r.done;
            t.failed += r.failed;
            t.missing += r.missing;
            t
        })
    }
}

/// Where each trial of a run directory stands.
#[derive(Debug, Clone, PartialEq)]
pub struct RunProgress {
    /// The study's name.
    pub study: String,
    /// One row per configuration, in plan order.
    pub rows: Vec<ConfigProgress>,
    /// Lines of the journal and shards that could not be read (torn or corrupt).
    pub damaged: DamagedLines,
}

impl RunProgress {
    /// Totals over all configurations.
    pub fn totals(&self) -> ConfigProgress {
        ConfigProgress::total(&self.rows)
    }
}

impl fmt::Display for RunProgress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = self.rows.iter().map(|r| r.config.chars().count()).max().unwrap_or(6).max(6);
        writeln!(f, "study `{}`", self.study)?;
        writeln!(f, "{:<width$}  {:>6}  {:>6}  {:>7}  {:>7}", "config", "done", "failed", "running", "missing")?;
        let line = |r: &ConfigProgress| format!("{:<width$}  {:>6}  {:>6}  {:>7}  {:>7}", r.config, r.done, r.failed, r.running, r.missing);
        for r in &self.rows {
            writeln!(f, "{}", line(r))?;
        }
        write!(f, "{}", line(&self.totals()))?;
        if !self.damaged.is_empty() {
            write!(f, "\nwarning: {}", self.damaged.notice(DamageContext::Reading))?;
        }
        Ok(())
    }
}
