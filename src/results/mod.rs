//! Results of a study: every trial's outcome as a polars frame, the plan it came from, and
//! the summaries built on it.

mod frame;
mod summary;

use std::path::{Path, PathBuf};

use polars::prelude::*;

pub use summary::{Summary, SummaryRow};

use crate::error::{io_context, Error, Result};
use crate::store::{Status, TrialRecord};
use crate::study::Plan;
use crate::trial::MetricSpec;

/// Counts from the run that produced a [`Results`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RunStats {
    /// Trials executed by this run.
    pub executed: usize,
    /// Trials whose results were reused from the journal.
    pub reused: usize,
    /// Journal lines skipped as torn or corrupt.
    pub skipped_journal_lines: usize,
}

/// One failed trial, for reporting.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// The configuration's label.
    pub config: String,
    /// The replicate index.
    pub replicate: u32,
    /// How many attempts were made.
    pub attempts: u32,
    /// The last error message.
    pub error: String,
}

/// Every trial of a study, as a frame with one row per trial, plus the study's plan.
#[derive(Debug, Clone)]
pub struct Results {
    plan: Plan,
    records: Vec<TrialRecord>,
    config_of: Vec<usize>,
    frame: DataFrame,
    stats: RunStats,
    run_dir: Option<PathBuf>,
}

impl Results {
    /// Assembles results from the plan and one record per planned trial (plan order).
    pub(crate) fn new(plan: Plan, records: Vec<TrialRecord>, stats: RunStats, run_dir: Option<PathBuf>) -> Result<Results> {
        let index: std::collections::HashMap<&str, usize> =
            plan.trials.iter().map(|t| (t.id.as_str(), t.config_index)).collect();
        let config_of: Vec<usize> = records
            .iter()
            .map(|r| index.get(r.id.as_str()).copied().ok_or_else(|| Error::Invalid {
                message: format!("internal: record {} does not belong to the plan", r.id),
            }))
            .collect::<Result<_>>()?;
        let frame = frame::trial_frame(&plan, &records, &config_of)?;
        Ok(Results { plan, records, config_of, frame, stats, run_dir })
    }

    /// The trials frame: one row per trial (trial_id, config, design, varied, one column per
    /// param, replicate, seed, status, error, attempt, one column per metric, duration_s,
    /// started_at).
    pub fn frame(&self) -> &DataFrame {
        &self.frame
    }

    /// The study plan the results belong to.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// Every trial's latest record, in plan order.
    pub fn records(&self) -> &[TrialRecord] {
        &self.records
    }

    /// How many trials this run executed and how many it reused.
    pub fn run_stats(&self) -> RunStats {
        self.stats
    }

    /// The run directory, unless the study ran in memory.
    pub fn run_dir(&self) -> Option<&Path> {
        self.run_dir.as_deref()
    }

    /// The primary metric.
    pub fn primary(&self) -> &MetricSpec {
        self.plan.primary()
    }

    /// Looks up a declared metric.
    pub fn metric(&self, name: &str) -> Result<&MetricSpec> {
        self.plan.metrics.iter().find(|m| m.name == name).ok_or_else(|| Error::UnknownMetric {
            metric: name.to_string(),
            declared: self.plan.metrics.iter().map(|m| m.name.clone()).collect(),
        })
    }

    /// For each config (plan order), the metric value of each replicate (`None` where the
    /// trial failed). Replicates follow the plan's seed order, so rows are paired by seed.
    pub fn values(&self, metric: &str) -> Result<Vec<Vec<Option<f64>>>> {
        self.metric(metric)?;
        let mut out = vec![vec![None; self.plan.seeds.len()]; self.plan.configs.len()];
        for (record, &c) in self.records.iter().zip(&self.config_of) {
            if record.status == Status::Ok {
                out[c][record.replicate as usize] = record.metrics.get(metric);
            }
        }
        Ok(out)
    }

    /// Summary of the primary metric: one row per config with n, mean, std, standard error,
    /// 95% t-interval, change versus baseline (absolute and %), and the best config.
    pub fn summary(&self) -> Summary {
        self.summary_for(self.primary())
    }

    /// Summary of any declared metric.
    pub fn summary_of(&self, metric: &str) -> Result<Summary> {
        Ok(self.summary_for(self.metric(metric)?))
    }

    fn summary_for(&self, metric: &MetricSpec) -> Summary {
        let values = self.values(&metric.name).unwrap_or_default();
        let mut ran = vec![0usize; self.plan.configs.len()];
        for &c in &self.config_of {
            ran[c] += 1;
        }
        let configs = values
            .into_iter()
            .enumerate()
            .map(|(index, per_seed)| {
                let ok: Vec<f64> = per_seed.iter().flatten().copied().collect();
                summary::ConfigValues {
                    index,
                    label: self.plan.label(index),
                    design: &self.plan.configs[index].design,
                    varied: self.plan.varied(index),
                    failed: ran[index] - ok.len(),
                    values: ok,
                }
            })
            .collect();
        Summary::build(metric.clone(), configs)
    }

    /// Failed trials with their last error.
    pub fn failures(&self) -> Vec<Failure> {
        self.records
            .iter()
            .zip(&self.config_of)
            .filter(|(r, _)| r.status == Status::Failed)
            .map(|(r, &c)| Failure {
                config: self.plan.label(c),
                replicate: r.replicate,
                attempts: r.attempt,
                error: r.error.clone().unwrap_or_default(),
            })
            .collect()
    }

    /// Writes the trials frame as CSV.
    pub fn to_csv(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        write_atomically(path, |file| {
            CsvWriter::new(file).finish(&mut self.frame.clone())?;
            Ok(())
        })
    }

    /// Writes the trials frame as Parquet.
    pub fn to_parquet(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        write_atomically(path, |file| {
            ParquetWriter::new(file).finish(&mut self.frame.clone())?;
            Ok(())
        })
    }

    /// Writes `results.csv`, `results.parquet` and `summary.txt` into the run directory.
    pub(crate) fn save(&self) -> Result<()> {
        let Some(dir) = &self.run_dir else { return Ok(()) };
        self.to_csv(dir.join("results.csv"))?;
        self.to_parquet(dir.join("results.parquet"))?;
        let summary = self.summary().to_string();
        write_atomically(&dir.join("summary.txt"), |file| {
            use std::io::Write;
            file.write_all(summary.as_bytes()).map_err(io_context("cannot write summary.txt"))
        })
    }

    /// Prints a short failure report to stderr when trials failed.
    pub(crate) fn report_failures(&self) {
        let failures = self.failures();
        if failures.is_empty() {
            return;
        }
        // Every line starts with "ablate: " so notebook tooling can tell it from errors.
        eprintln!("ablate: {} of {} trials failed:", failures.len(), self.records.len());
        for f in failures.iter().take(5) {
            eprintln!("ablate:   {} (replicate {}, attempt {}): {}", f.config, f.replicate, f.attempts, f.error);
        }
        if failures.len() > 5 {
            eprintln!("ablate:   ... and {} more: see results.failures()", failures.len() - 5);
        }
    }
}

/// Writes a file through a temporary sibling and a rename, so readers never see half of it.
fn write_atomically(path: &Path, write: impl FnOnce(&mut std::fs::File) -> Result<()>) -> Result<()> {
    // A name of its own per writer: two processes saving the same study must not share it.
    let unique = format!(
        "{}.{}.{:?}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("results"),
        std::process::id(),
        std::thread::current().id()
    )
    .replace(|c: char| !c.is_ascii_alphanumeric() && c != '.', "_");
    let tmp = path.with_file_name(unique);
    let mut file = std::fs::File::create(&tmp).map_err(io_context(format!("cannot create {}", tmp.display())))?;
    write(&mut file)?;
    file.sync_all().map_err(io_context(format!("cannot sync {}", tmp.display())))?;
    std::fs::rename(&tmp, path).map_err(io_context(format!("cannot rename {} to {}", tmp.display(), path.display())))
}
