//! The one error type of ablate. Every message says what is wrong and what to change.

use std::fmt;
use std::path::PathBuf;

/// Shorthand for `Result<T, ablate::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in ablate, with messages a person can act on.
// The fields of each variant are named for what they hold and described by the variant.
#[allow(missing_docs)]
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A parameter was given `.levels([])`.
    EmptyLevels { param: String },
    /// Two parameters share one name.
    DuplicateParam { name: String },
    /// A parameter name is empty or contains characters that cannot appear in a column name.
    InvalidName { name: String, why: &'static str },
    /// A baseline or level value lies outside its parameter's domain.
    OutOfDomain { param: String, value: String, domain: String },
    /// A log-scale parameter has a value or bound that is zero or negative.
    LogScaleNonPositive { param: String, value: String },
    /// A design names a parameter the study does not have.
    UnknownParam { name: String, context: String, known: Vec<String> },
    /// A design is malformed (for example a grid over fewer than two parameters).
    Design { message: String },
    /// The study asks for zero seeds.
    ZeroSeeds,
    /// The study declares no metric.
    NoMetrics,
    /// A metric is named that the study does not declare.
    UnknownMetric { metric: String, declared: Vec<String> },
    /// A metric is declared twice.
    DuplicateMetric { metric: String },
    /// A trial returned a metric the study did not declare.
    UndeclaredMetric { metric: String, declared: Vec<String> },
    /// A trial did not return a metric the study declares.
    MissingMetric { metric: String },
    /// A trial returned a NaN or infinite metric.
    NonFiniteMetric { metric: String, value: f64 },
    /// A trial asked for a parameter with the wrong type.
    WrongType { param: String, requested: &'static str, actual: &'static str },
    /// The run directory cannot be created or written.
    RunDir { path: PathBuf, source: std::io::Error },
    /// The journal was written by a version of ablate this one cannot read.
    IncompatibleJournal { path: PathBuf, found: u64, supported: u64 },
    /// A file in the run directory is not an ablate journal.
    NotAJournal { path: PathBuf, why: String },
    /// The run directory exists, has files, and has no journal: ablate did not create it.
    NotARunDir { path: PathBuf },
    /// The run directory belongs to another study.
    RunDirTaken { path: PathBuf, found: String, wanted: String },
    /// The run was interrupted (Ctrl-C, SIGTERM): finished trials are kept.
    Interrupted { finished: usize, remaining: usize },
    /// A study file (TOML or JSON) could not be read or is invalid.
    Spec { file: String, message: String },
    /// The study's command cannot be used as given.
    Command { message: String },
    /// Slurm refused a submission, a Slurm tool failed, or a Slurm setting is invalid.
    Slurm { message: String },
    /// An input/output error while reading or writing results.
    Io { context: String, source: std::io::Error },
    /// An error from polars while building or exporting a frame.
    Polars(polars::error::PolarsError),
    /// A statistics computation could not be carried out.
    Stats(crate::stats::StatsError),
    /// An export (TensorBoard, MLflow) cannot go into the directory given.
    ExportDir { path: PathBuf, message: String },
    /// A file from another tool (an Optuna journal or trials CSV) cannot be imported.
    Import { file: String, message: String },
    /// Any other invalid argument.
    Invalid { message: String },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::EmptyLevels { param } => write!(
                f,
                "param `{param}` has an empty level list: give at least one level, e.g. .levels([a, b])"
            ),
            Error::DuplicateParam { name } => write!(
                f,
                "param `{name}` is declared twice: give each hyperparameter one .param(...) with a unique name"
            ),
            Error::InvalidName { name, why } => write!(f, "name {name:?} is not usable: {why}"),
            Error::OutOfDomain { param, value, domain } => write!(
                f,
                "value {value} of param `{param}` is outside its domain {domain}: change the value or widen the bounds"
            ),
            Error::LogScaleNonPositive { param, value } => write!(
                f,
                "param `{param}` is on a log scale but has the non-positive value or bound {value}: log-scale values must be > 0 (use a linear scale for values <= 0)"
            ),
            Error::UnknownParam { name, context, known } => write!(
                f,
                "{context} names the param `{name}`, which the study does not have; known params: {}",
                list_or_none(known)
            ),
            Error::Design { message } => write!(f, "{message}"),
            Error::ZeroSeeds => write!(
                f,
                "the study has zero seeds: use .seeds(k) with k >= 1 (k >= 3 for a significance test; 5 or more recommended)"
            ),
            Error::NoMetrics => write!(
                f,
                "the study declares no metric: add .maximize(\"accuracy\") or .minimize(\"loss\")"
            ),
            Error::UnknownMetric { metric, declared } => write!(
                f,
                "metric `{metric}` is not declared by the study; declared metrics: {}",
                list_or_none(declared)
            ),
            Error::DuplicateMetric { metric } => {
                write!(f, "metric `{metric}` is declared twice: declare each metric once")
            }
            Error::UndeclaredMetric { metric, declared } => write!(
                f,
                "the trial returned metric `{metric}`, which the study does not declare (declared: {}); declare it with .maximize/.minimize/.metric or stop returning it",
                list_or_none(declared)
            ),
            Error::MissingMetric { metric } => write!(
                f,
                "the trial did not return the declared metric `{metric}`: return it from the trial function (metrics! {{ \"{metric}\" => value }})"
            ),
            Error::NonFiniteMetric { metric, value } => write!(
                f,
                "the trial returned a non-finite value {value} for metric `{metric}` (the run diverged or divided by zero)"
            ),
            Error::WrongType { param, requested, actual } => write!(
                f,
                "param `{param}` is {actual}, not {requested}: read it with the getter for {actual}"
            ),
            Error::RunDir { path, source } => write!(
                f,
                "cannot write the run directory {}: {source}; choose a writable directory with .run_dir(...) or use .in_memory()",
                path.display()
            ),
            Error::IncompatibleJournal { path, found, supported } => write!(
                f,
                "the journal {} has format version {found}, but this ablate reads version {supported}: use the ablate version that wrote it, or give this study a new .run_dir(...)",
                path.display()
            ),
            Error::NotAJournal { path, why } => write!(
                f,
                "{} is not an ablate journal ({why}): move it away or give the study another .run_dir(...)",
                path.display()
            ),
            Error::NotARunDir { path } => write!(
                f,
                "{} exists and is not an ablate run directory (it has files but no journal.jsonl): choose a new or empty directory with .run_dir(...) (ablate never writes into a directory it did not create)",
                path.display()
            ),
            Error::RunDirTaken { path, found, wanted } => write!(
                f,
                "the run directory {} belongs to the study `{found}`, not `{wanted}`: give this study its own .run_dir(...), or name it `{found}` to continue that study",
                path.display()
            ),
            Error::Interrupted { finished, remaining } => write!(
                f,
                "interrupted: {finished} trials finished and are kept in the journal, {remaining} did not run; run the study again to resume"
            ),
            Error::Spec { file, message } => write!(f, "{file}: {message}"),
            Error::Command { message } => write!(f, "{message}"),
            Error::Slurm { message } => write!(f, "slurm: {message}"),
            Error::Io { context, source } => write!(f, "{context}: {source}"),
            Error::Polars(e) => write!(f, "polars: {e}"),
            Error::Stats(e) => write!(f, "statistics: {e}"),
            Error::ExportDir { path, message } => write!(f, "cannot export to {}: {message}", path.display()),
            Error::Import { file, message } => write!(f, "cannot import {file}: {message}"),
            Error::Invalid { message } => write!(f, "{message}"),
        }
    }
}

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "(none)".to_string()
    } else {
        items.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::RunDir { source, .. } | Error::Io { source, .. } => Some(source),
            Error::Polars(e) => Some(e),
            Error::Stats(e) => Some(e),
            _ => None,
        }
    }
}

impl From<polars::error::PolarsError> for Error {
    fn from(e: polars::error::PolarsError) -> Self {
        Error::Polars(e)
    }
}

impl From<crate::stats::StatsError> for Error {
    fn from(e: crate::stats::StatsError) -> Self {
        Error::Stats(e)
    }
}

impl From<crate::forest::ForestError> for Error {
    fn from(e: crate::forest::ForestError) -> Self {
        Error::Invalid { message: e.to_string() }
    }
}

/// Wraps an I/O error with what was being done.
pub(crate) fn io_context(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> Error {
    let context = context.into();
    move |source| Error::Io { context, source }
}
