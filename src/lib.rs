//! # ablate
//!
//! Hyperparameter ablation studies for Rust and Jupyter (evcxr) notebooks: fix a baseline,
//! change one thing at a time, vary pairs on a grid, remove components, repeat every
//! configuration over seeds, and find out which differences are real.
//!
//! ```no_run
//! use ablate::prelude::*;
//!
//! let study = Study::new("wine-forest")
//!     .param(Param::int("n_estimators", 100).levels([50, 100, 200, 300]))
//!     .param(Param::float("feature_fraction", 0.3))
//!     .seeds(5)
//!     .maximize("accuracy");
//!
//! // The trial: any function of the configuration and the seed. Here the demo forest of the
//! // `ablate-demo` crate; your own training code in practice.
//! let results = study.run(|t: &Trial| {
//!     let scores = ablate_demo::wine_forest(t.int("n_estimators")?, t.float("feature_fraction")?, t.seed())?;
//!     Ok(metrics! { "accuracy" => scores.test_accuracy })
//! })?;
//! println!("{}", results.summary());
//! # Ok::<(), ablate::Error>(())
//! ```
//!
//! Data flows one way. A [`StudySpec`] is the one definition of a study ([`Study`] is a
//! thin builder over it); [`Plan::from_spec`] validates it and lists every trial. A
//! [`Scheduler`] (the spec as planned, multi-fidelity, scale transfer, an ablation path, a
//! pilot) asks a [`Backend`] ([`Local`], or a Slurm cluster) for trials; the backend runs an
//! [`objective`] (a closure, or the study's command) through [`exec`] and keeps every record
//! in the [`store`] (the run directory); [`results`] assembles them into a polars frame;
//! [`analysis`] and [`importance`] compute from it; [`views`] turn everything into tables and
//! charts that [`display`] renders as text, HTML, Markdown, LaTeX or inline in evcxr.
//! [`import`] builds [`Results`] from another tool's trials (Optuna). The ways to run a study:
//! [`Study::run`], [`Study::run_command`], [`Study::run_with`], [`Study::on`] and
//! [`Study::attach`]; the analyses are methods of [`Results`].

#![warn(missing_docs)]

pub mod ablation_path;
pub mod analysis;
pub mod backend;
pub mod cluster;
pub mod design;
pub mod display;
mod error;
pub mod estimate;
pub mod exec;
pub mod importance;
pub mod import;
pub mod objective;
pub mod options;
pub mod plan;
pub mod prune;
pub mod reopen;
pub mod resources;
pub mod results;
pub mod rounds;
pub mod schedule;
mod session;
pub mod space;
pub mod spec;
pub mod store;
pub mod study;
pub mod trial;
pub mod views;
// The fuzz harness of every parser of outside bytes (issue 21): tests only.
#[cfg(test)]
mod fuzz;

pub use polars;

/// Statistics: tests, intervals, effect sizes, corrections, power, sequential designs (the
/// `ablate-stats` crate).
pub use ablate_stats as stats;
/// The seeded generator behind every random step (from `ablate-stats`).
pub use ablate_stats::rng;
/// The random forest (the `ablate-forest` crate): the importance surrogate and the demo model.
pub use ablate_forest as forest;
/// Charts as standalone SVG (from the `ablate-render` crate).
pub use ablate_render::chart;

pub use views::Conclusions;
pub use analysis::{FactorialAnova, Ranking, Significance, SignificanceOptions, Test, Verdict};
pub use error::{Error, Result};
pub use import::OptunaImport;
pub use results::{Results, Summary};
pub use store::{DamageContext, DamagedLines};
pub use space::{Config, Domain, Param, Spacing, Value};
pub use objective::{CommandSpec, CommandTrials, Objective};
pub use options::{ProgressMode, RunOptions};
pub use resources::{Placement, Resources};
pub use plan::{Plan, PlannedConfig, PlannedTrial};
pub use spec::{Prune, StudySpec};
pub use study::{On, Study};
pub use backend::{Backend, Local};
pub use schedule::{Planned, Scheduler};
pub use cluster::{SlurmRun, SlurmStatus};
pub use exec::Slurm;
pub use trial::{Direction, Metrics, StepReport, Trial, TrialError, TrialId, TrialResult};

/// Everything a notebook or script needs: `use ablate::prelude::*;`.
pub mod prelude {
    pub use crate::analysis::{SignificanceOptions, Test, Verdict};
    pub use crate::chart::Chart;
    pub use crate::design::Design;
    pub use crate::display::{DataFrameDisplay, Render};
    pub use crate::views::TableView;
    pub use crate::stats::Correction;
    pub use crate::metrics;
    pub use crate::import::OptunaImport;
    pub use crate::results::{Results, Summary};
    pub use crate::ablation_path::PathOptions;
    pub use crate::rounds::{NextRound, Rounds};
    pub use crate::schedule::fidelity::{MultiFidelity, MultiFidelityOptions};
    pub use crate::schedule::transfer::{ScaleOptions, ScaleTransfer};
    pub use crate::schedule::{Planned, Scheduler};
    pub use crate::backend::{Backend, Local};
    pub use crate::estimate::Pilot;
    pub use crate::space::{Config, Param, Value};
    pub use crate::options::ProgressMode;
    pub use crate::study::Study;
    pub use crate::spec::Prune;
    pub use crate::exec::Slurm;
    pub use crate::cluster::SlurmRun;
    pub use crate::trial::{Direction, Metrics, Trial, TrialResult};
    pub use crate::{Error, Result};
}
