//! Results of a study: every trial's outcome as a polars frame, the plan it came from, and
//! the summaries built on it.
//!
//! [`Results`]' public methods live beside what they compute:
//!
//! | methods | file |
//! |---|---|
//! | `frame`, `curves`, `plan`, `records`, `values`, `summary`, `failures`, `to_csv`, `to_parquet`, `export_tensorboard`, `export_mlflow` | `results/mod.rs` (formats in `store/`) |
//! | `load`, `status` (open a run directory) | `reopen.rs` |
//! | `from_optuna_journal`, `from_optuna_csv` (import an Optuna study) | `import/optuna/mod.rs` |
//! | `significance`, `significance_with`, `seeds_needed` | `analysis/significance.rs` |
//! | `factorial_anova` | `analysis/factorial.rs` |
//! | `ranking` | `analysis/ranking.rs` |
//! | `conclusions` | `views/conclusions.rs` |
//! | `line`, `lines`, `heatmap`, `interaction`, `component_bars`, `cd_diagram`, `curve_chart` (charts) | `views/charts.rs` |
//! | `mean_curves` (learning curves per config) | `analysis/curves.rs` |
//! | `report` | `views/report.rs` |
//! | `evcxr_display` and table renderings | `views/tables.rs`, `display/` |

pub(crate) mod frame;
mod progress;
mod summary;
pub(crate) use summary::ties;

use std::path::{Path, PathBuf};

use polars::prelude::*;

pub use progress::{ConfigProgress, RunProgress};
pub use crate::session::RunStats;
pub use summary::{Summary, SummaryRow};

use crate::error::{Error, Result};
use crate::plan::Plan;
use crate::store::{Exported, Status, TrialRecord};
use crate::trial::MetricSpec;

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
    pub(crate) fn new(plan: Plan, mut records: Vec<TrialRecord>, stats: RunStats, run_dir: Option<PathBuf>) -> Result<Results> {
        let config_of: Vec<usize> = records
            .iter_mut()
            .map(|r| {
                let i = plan.trial_index(&r.id).ok_or_else(|| Error::Invalid {
                    message: format!("internal: record {} does not belong to the plan", r.id),
                })?;
                // The id stands for (config, seed); where the trial stands in this plan is
                // the plan's to say: a record reused under another seed order (or edited)
                // keeps its metrics and takes the plan's replicate, seed and config.
                let planned = plan.trial(&plan.trials()[i]);
                (r.replicate, r.seed, r.config) = (planned.replicate, planned.seed, planned.config);
                Ok(plan.trials()[i].config_index())
            })
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

    /// The learning curves: one row per step a trial reported ([`Trial::report`](crate::Trial::report)
    /// in a closure, `ABLATE_REPORT` lines of a command), with the trial's config, replicate,
    /// seed and status, the step, and one column per reported value. Empty when no trial
    /// reported anything.
    pub fn curves(&self) -> Result<DataFrame> {
        frame::curve_frame(&self.plan, &self.records, &self.config_of)
    }

    /// Each successful trial's reports with its config index: what mean curves are built from.
    pub(crate) fn reports_by_config(&self) -> impl Iterator<Item = (usize, &crate::trial::StepReport)> {
        self.records
            .iter()
            .zip(&self.config_of)
            .filter(|(r, _)| r.status == Status::Ok)
            .flat_map(|(r, &c)| r.reports.iter().map(move |p| (c, p)))
    }

    /// The study plan the results belong to.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// Every trial's latest record, in plan order.
    pub fn records(&self) -> &[TrialRecord] {
        &self.records
    }

    /// The same results with other run counts (a scheduler's rounds add up).
    pub(crate) fn with_stats(mut self, stats: RunStats) -> Results {
        self.stats = stats;
        self
    }

    /// How many trials this run executed and how many it reused, and the lines of the run
    /// directory it could not read (a value: a notebook cell can keep it in a variable).
    pub fn run_stats(&self) -> RunStats {
        self.stats.clone()
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
        self.plan.metrics().iter().find(|m| m.name == name).ok_or_else(|| Error::UnknownMetric {
            metric: name.to_string(),
            declared: self.plan.metrics().iter().map(|m| m.name.clone()).collect(),
        })
    }

    /// For each config (plan order), the metric value of each replicate (`None` where the
    /// trial failed, and past the config's own seeds: sampled configs may run with fewer,
    /// see [`Plan::seeds_of`]). Replicates follow the plan's seed order, so rows are paired
    /// by seed.
    pub fn values(&self, metric: &str) -> Result<Vec<Vec<Option<f64>>>> {
        self.metric(metric)?;
        let mut out = vec![vec![None; self.plan.seeds().len()]; self.plan.configs().len()];
        for (record, &c) in self.records.iter().zip(&self.config_of) {
            if record.status == Status::Ok {
                out[c][record.replicate as usize] = record.metrics.get(metric);
            }
        }
        Ok(out)
    }

    /// The config with the best mean of the primary metric: the target of an ablation path
    /// (`study.ablation_path(&results.best_config()?, f)`) or the next round's baseline
    /// (`study.with_baseline(&results.best_config()?)`). Fails when no config succeeded.
    pub fn best_config(&self) -> Result<crate::space::Config> {
        let summary = self.summary();
        let best = summary.best().map(|r| r.config_index).ok_or_else(|| Error::Invalid {
            message: "no config has a successful trial, so none is best: see results.failures()".into(),
        })?;
        Ok(self.plan.configs()[best].config().clone())
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
        let mut failed = vec![0usize; self.plan.configs().len()];
        for (record, &c) in self.records.iter().zip(&self.config_of) {
            failed[c] += usize::from(record.status == Status::Failed);
        }
        let pruned = self.pruned_by_config();
        let configs = values
            .into_iter()
            .enumerate()
            .map(|(index, per_seed)| {
                let ok: Vec<f64> = per_seed.iter().flatten().copied().collect();
                summary::ConfigValues {
                    index,
                    label: self.plan.label(index),
                    design: self.plan.configs()[index].design().as_str(),
                    varied: self.plan.varied(index),
                    failed: failed[index],
                    pruned: pruned[index],
                    values: ok,
                }
            })
            .collect();
        Summary::build(metric.clone(), configs)
    }

    /// Per config (plan order): how many of its trials were pruned and the earliest step one
    /// was stopped at (`None`: none pruned).
    pub(crate) fn pruned_by_config(&self) -> Vec<Option<(usize, i64)>> {
        let mut out: Vec<Option<(usize, i64)>> = vec![None; self.plan.configs().len()];
        for (record, &c) in self.records.iter().zip(&self.config_of).filter(|(r, _)| r.status == Status::Pruned) {
            let step = record.pruned_at.unwrap_or(0);
            out[c] = Some(out[c].map_or((1, step), |(n, s)| (n + 1, s.min(step))));
        }
        out
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

    /// Writes the trials frame as CSV (atomically: readers never see half a file).
    pub fn to_csv(&self, path: impl AsRef<Path>) -> Result<()> {
        crate::store::write_csv(&self.frame, path.as_ref())
    }

    /// Writes the trials frame as Parquet (atomically).
    pub fn to_parquet(&self, path: impl AsRef<Path>) -> Result<()> {
        crate::store::write_parquet(&self.frame, path.as_ref())
    }

    /// Writes the study for TensorBoard's HParams tab: event files in `dir` with the
    /// experiment (every parameter with its domain, every declared metric) and one session
    /// per trial (its parameter values; its config's label as the session group, so the seeds
    /// of a config form one group; its metrics; its learning curve as `curve/<name>`
    /// scalars; success or failure). View it with `tensorboard --logdir DIR`.
    ///
    /// `dir` is created if needed. A directory that has files and was not written by ablate
    /// is refused, and so is one holding another study's export (TensorBoard shows one HParams
    /// experiment per log directory); exporting the same study again replaces its files.
    ///
    /// TensorBoard stores scalars as 32-bit floats: metric values show with about seven
    /// significant digits (parameter values keep full precision).
    pub fn export_tensorboard(&self, dir: impl AsRef<Path>) -> Result<Exported> {
        crate::store::tensorboard::export(&self.plan, &self.records, dir.as_ref())
    }

    /// Writes the study as an MLflow file store in `dir` (what MLflow writes to `mlruns/`):
    /// one experiment for the study, one run per trial with its parameters, metrics,
    /// learning curve (`curve/<name>`, one point per reported step), tags (`mlflow.runName`,
    /// `ablate.config` = the config's label, `ablate.seed`, `ablate.trial_id`, `ablate.status`,
    /// ...) and status (FINISHED or FAILED, start and end time from the trial's record). The
    /// run id is the trial id.
    ///
    /// Several studies can share one store (each is its own experiment, with an id derived
    /// from the study name); exporting a study again replaces its own files. A directory
    /// that has files and was not written by ablate is refused. Read it with
    /// `MlflowClient(tracking_uri="file:///abs/DIR")` or `mlflow ui --backend-store-uri
    /// DIR`; MLflow 3 reads file stores only with `MLFLOW_ALLOW_FILE_STORE=true` set (or
    /// after `mlflow migrate-filestore`).
    pub fn export_mlflow(&self, dir: impl AsRef<Path>) -> Result<Exported> {
        crate::store::mlflow::export(&self.plan, &self.records, dir.as_ref())
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
