//! Import an Optuna study: its JournalStorage file (`JournalFileBackend`, JSON lines) or the
//! CSV of its `study.trials_dataframe()`.
//!
//! ```no_run
//! use ablate::prelude::*;
//! use ablate::import::OptunaImport;
//!
//! // The default: the one study in the file, the configuration with the most complete
//! // trials as baseline, the `seed` user attr as each trial's seed.
//! let results = Results::from_optuna_journal("optuna_journal_storage.log")?;
//! // Or chosen explicitly:
//! let results = OptunaImport::journal("optuna_journal_storage.log")
//!     .study("lr-ablation")
//!     .baseline([("lr", 0.01)])
//!     .load()?;
//! // The CSV does not say whether the study minimized or maximized:
//! let results = Results::from_optuna_csv("trials.csv", Direction::Minimize)?;
//! println!("{}", results.significance()?);
//! # Ok::<(), ablate::Error>(())
//! ```
//!
//! How an Optuna study maps to ablate:
//!
//! - **Parameters.** `FloatDistribution` becomes a float parameter (log scale when `log`),
//!   `IntDistribution` an int parameter, with bounds covering every distribution the study
//!   used for it and every value it ran. A `CategoricalDistribution` becomes a bool, int or
//!   float parameter when all its choices are of that type (ints and floats together: float),
//!   else a categorical one (other choices written as Python writes them: `None`, `True`).
//!   From the CSV, types are read from the values: `True`/`False` is a bool, integers are
//!   ints, other numbers floats, the rest categorical. pandas writes an int column that has
//!   a missing cell (a running or waiting trial) as `4.0`: whole numbers written so in a
//!   column with missing cells are read as ints (a float parameter that only ever took whole
//!   values would be read as an int there too). The CSV has no log scale or bounds.
//! - **Configurations and seeds.** Each distinct parameter combination is one configuration.
//!   Its trials are its replicates: the user attr `seed` (see [`OptunaImport::seed_attr`]),
//!   when trials record one, is the seed, so configurations are paired by seed; otherwise
//!   each configuration's trials are numbered 0, 1, ... in trial order and any pairing is
//!   arbitrary (use `significance_with(SignificanceOptions::new().unpaired())`). Seeds that
//!   configurations hardly share (a search that gave every trial a seed of its own) would
//!   plan every configuration on every seed, pairing nothing: beyond 100,000 planned trials
//!   and 100 per imported one, the import refuses and says to use `.seeds_by_order()`. Several
//!   trials of one configuration and seed are attempts at one trial: a complete one stands
//!   over a failed one, then the later one, and `attempt` counts them.
//! - **Metrics.** The objective value is the metric `value` (several objectives: `values_0`,
//!   `values_1`, ...) unless the study set metric names (`study.set_metric_names`), with the
//!   study's directions. The first objective is the primary metric.
//! - **States.** `COMPLETE` is ok; `FAIL` is failed. `PRUNED`, `RUNNING` and `WAITING` trials
//!   are left out and counted ([`RunStats::left_out`](crate::results::RunStats)), as are
//!   failed trials that did not set every parameter. A complete trial with an infinite value
//!   is failed (ablate metrics are finite); a NaN value, which Optuna never records for a
//!   complete trial, is an error. Intermediate values (`trial.report`) are kept as the
//!   trial's reports, under the primary metric's name.
//! - **Baseline.** An Optuna study has none: by default it is the configuration with the
//!   most complete trials, ties going to the one whose first trial came first. Choose another
//!   with [`OptunaImport::baseline_trial`] or [`OptunaImport::baseline`]. Every other
//!   configuration is labelled by its values that differ from the baseline (`lr=0.1`).
//!
//! Nothing is written: the results live in memory (`run_dir()` is `None`).

mod csv;
mod journal;

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::import::{into_results, BaselineChoice, Outcome};
use crate::results::Results;
use crate::space::{Param, Value};
use crate::trial::{Direction, MetricSpec, Metrics};

/// Which file an import reads.
#[derive(Debug, Clone, PartialEq)]
enum Source {
    Journal(PathBuf),
    Csv(PathBuf),
}

/// An Optuna study to import: the file, and the choices an Optuna study does not make for
/// ablate (which study, the baseline, where seeds are). Build it, then [`load`](Self::load).
#[derive(Debug, Clone, PartialEq)]
pub struct OptunaImport {
    source: Source,
    study: Option<String>,
    directions: Option<Vec<Direction>>,
    baseline: BaselineChoice,
    seed_attr: Option<String>,
}

impl OptunaImport {
    /// A study in an Optuna JournalStorage file
    /// (`JournalStorage(JournalFileBackend(path))`).
    pub fn journal(path: impl AsRef<Path>) -> OptunaImport {
        OptunaImport::new(Source::Journal(path.as_ref().to_path_buf()))
    }

    /// The CSV written by `study.trials_dataframe().to_csv(path)` (with or without the
    /// index column). It does not record directions: give them with
    /// [`direction`](Self::direction) or [`directions`](Self::directions).
    pub fn csv(path: impl AsRef<Path>) -> OptunaImport {
        OptunaImport::new(Source::Csv(path.as_ref().to_path_buf()))
    }

    fn new(source: Source) -> OptunaImport {
        OptunaImport { source, study: None, directions: None, baseline: BaselineChoice::MostTrials, seed_attr: Some("seed".into()) }
    }

    /// The study to import from a journal that holds several (default: the only one).
    pub fn study(mut self, name: &str) -> OptunaImport {
        self.study = Some(name.to_string());
        self
    }

    /// The direction of a single-objective study: needed for a CSV, and it replaces the
    /// journal's own.
    pub fn direction(self, direction: Direction) -> OptunaImport {
        self.directions([direction])
    }

    /// The directions of a multi-objective study, one per objective, in order.
    pub fn directions(mut self, directions: impl IntoIterator<Item = Direction>) -> OptunaImport {
        self.directions = Some(directions.into_iter().collect());
        self
    }

    /// Makes the configuration of trial `number` (Optuna's `trial.number`) the baseline.
    pub fn baseline_trial(mut self, number: u64) -> OptunaImport {
        self.baseline = BaselineChoice::Trial(number);
        self
    }

    /// Makes the one configuration with these parameter values the baseline (name enough
    /// parameters to single it out): `.baseline([("lr", 0.01)])`.
    pub fn baseline<S: AsRef<str>, V: Into<Value>>(mut self, values: impl IntoIterator<Item = (S, V)>) -> OptunaImport {
        self.baseline = BaselineChoice::Values(values.into_iter().map(|(n, v)| (n.as_ref().to_string(), v.into())).collect());
        self
    }

    /// The trial user attr that holds each trial's seed (default `seed`; a non-negative
    /// integer). When no trial has it, each configuration's trials are numbered 0, 1, ...
    pub fn seed_attr(mut self, name: &str) -> OptunaImport {
        self.seed_attr = Some(name.to_string());
        self
    }

    /// Ignores recorded seeds: each configuration's trials are numbered 0, 1, ... in trial
    /// order.
    pub fn seeds_by_order(mut self) -> OptunaImport {
        self.seed_attr = None;
        self
    }

    /// Reads the file and builds the results (in memory; nothing is written).
    pub fn load(&self) -> Result<Results> {
        let observed = match &self.source {
            Source::Journal(path) => journal::read(path, self)?,
            Source::Csv(path) => csv::read(path, self)?,
        };
        into_results(observed, &self.baseline)
    }

    /// The seed attr's description for messages.
    fn seed_source(&self) -> String {
        match &self.seed_attr {
            Some(name) => format!("user attr `{name}`"),
            None => "seed".to_string(),
        }
    }
}

impl Results {
    /// Imports the only study in an Optuna JournalStorage file, with the defaults of
    /// [`OptunaImport`] (see [`crate::import::optuna`] for how trials map to ablate).
    pub fn from_optuna_journal(path: impl AsRef<Path>) -> Result<Results> {
        OptunaImport::journal(path).load()
    }

    /// Imports a single-objective study from its `trials_dataframe()` CSV, whose direction
    /// the CSV does not record (see [`OptunaImport::csv`] for more choices).
    pub fn from_optuna_csv(path: impl AsRef<Path>, direction: Direction) -> Result<Results> {
        OptunaImport::csv(path).direction(direction).load()
    }
}

/// Optuna's `TrialState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TrialState {
    Running,
    Complete,
    Pruned,
    Fail,
    Waiting,
}

impl TrialState {
    /// From the journal's number.
    fn from_code(code: i64) -> Option<TrialState> {
        Some(match code {
            0 => TrialState::Running,
            1 => TrialState::Complete,
            2 => TrialState::Pruned,
            3 => TrialState::Fail,
            4 => TrialState::Waiting,
            _ => return None,
        })
    }

    /// From the CSV's name.
    fn from_name(name: &str) -> Option<TrialState> {
        Some(match name {
            "RUNNING" => TrialState::Running,
            "COMPLETE" => TrialState::Complete,
            "PRUNED" => TrialState::Pruned,
            "FAIL" => TrialState::Fail,
            "WAITING" => TrialState::Waiting,
            _ => return None,
        })
    }

    fn is_finished(self) -> bool {
        matches!(self, TrialState::Complete | TrialState::Pruned | TrialState::Fail)
    }
}

/// The metric names of a study: its metric names when set, else `value` / `values_<i>`.
fn metric_names(names: Option<Vec<String>>, objectives: usize) -> Vec<String> {
    names.unwrap_or_else(|| match objectives {
        1 => vec!["value".to_string()],
        n => (0..n).map(|i| format!("values_{i}")).collect(),
    })
}

/// The study's metrics: its names with the directions given to the import, else its own.
fn metrics(file: &str, names: Vec<String>, own: Option<Vec<Direction>>, given: &Option<Vec<Direction>>) -> Result<Vec<MetricSpec>> {
    if names.is_empty() {
        return Err(Error::Import { file: file.to_string(), message: "the study has no objective (no direction): the file is corrupt".into() });
    }
    let directions = given.clone().or(own).ok_or_else(|| Error::Import {
        file: file.to_string(),
        message: format!(
            "it does not record whether the study minimized or maximized {}: give .direction(Direction::Maximize) (or .directions([...]) for several objectives)",
            names.join(", ")
        ),
    })?;
    if directions.len() != names.len() {
        return Err(Error::Import {
            file: file.to_string(),
            message: format!("the study has {} objective(s) ({}) but {} direction(s) were given: give one per objective", names.len(), names.join(", "), directions.len()),
        });
    }
    Ok(names.into_iter().zip(directions).map(|(name, direction)| MetricSpec { name, direction }).collect())
}

/// What a trial contributes, from its state and values.
fn outcome(file: &str, number: u64, state: TrialState, values: Option<&[f64]>, metrics: &[MetricSpec], fail_reason: Option<String>) -> Result<Outcome> {
    let bad = |message: String| Error::Import { file: file.to_string(), message: format!("trial {number}: {message}") };
    Ok(match state {
        TrialState::Complete => {
            let values = values.ok_or_else(|| bad("it is COMPLETE but has no value; the file is corrupt: fix or delete the trial".into()))?;
            if values.len() != metrics.len() {
                return Err(bad(format!("it has {} value(s) for {} objective(s); the file is corrupt: fix or delete the trial", values.len(), metrics.len())));
            }
            if values.iter().any(|v| v.is_nan()) {
                return Err(bad("it is COMPLETE with the value NaN, which Optuna never records for a complete trial; the file is corrupt or edited: fix or delete the trial".into()));
            }
            let m = metrics.iter().zip(values).fold(Metrics::new(), |m, (spec, v)| m.with(&spec.name, *v));
            match m.check(metrics) {
                Ok(()) => Outcome::Ok(m),
                Err(e) => Outcome::Failed(e.to_string()),
            }
        }
        TrialState::Fail => Outcome::Failed(fail_reason.unwrap_or_else(|| format!("trial {number} failed in Optuna"))),
        TrialState::Pruned | TrialState::Running | TrialState::Waiting => Outcome::LeftOut,
    })
}

/// How a parameter's values are typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Bool,
    Int,
    Float,
    Str,
}

/// A parameter of this kind (its baseline is set later; `choices` for categoricals).
fn kind_param(name: &str, kind: Kind, choices: &[String]) -> Param {
    match kind {
        Kind::Bool => Param::bool(name, false),
        Kind::Int => Param::int(name, 0),
        Kind::Float => Param::float(name, 0.0),
        Kind::Str => Param::categorical(name, choices, choices.first().map_or("", String::as_str)),
    }
}

/// A trial's start (milliseconds since the epoch, 0 when unknown) and duration in seconds
/// (0 when unknown), from its start and completion in microseconds.
fn timing(start_us: Option<i64>, complete_us: Option<i64>) -> (i64, f64) {
    let duration = match (start_us, complete_us) {
        (Some(s), Some(c)) if c >= s => (c - s) as f64 / 1e6,
        _ => 0.0,
    };
    (start_us.map_or(0, |us| us.div_euclid(1000)), duration)
}

/// Microseconds since the Unix epoch of an ISO 8601 date and time as Python writes it
/// (`2026-05-01T12:34:56.123456+00:00`, or pandas' `2026-05-01 12:34:56.123456`). Without
/// an offset the time is taken as UTC.
fn parse_datetime_us(text: &str) -> Option<i64> {
    let b = text.trim().as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let digits = b.get(from..from + len)?;
        digits.iter().all(u8::is_ascii_digit).then(|| digits.iter().fold(0i64, |n, d| n * 10 + i64::from(d - b'0')))
    };
    let sep = |at: usize, options: &[u8]| b.get(at).is_some_and(|c| options.contains(c));
    if !(sep(4, b"-") && sep(7, b"-") && sep(10, b"T ") && sep(13, b":") && sep(16, b":")) {
        return None;
    }
    let (year, month, day) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    let (hour, minute, second) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut at = 19;
    let mut micros = 0;
    if sep(at, b".") {
        let digits = b[at + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        micros = num(at + 1, digits.min(6))? * 10i64.pow(6 - digits.min(6) as u32);
        at += 1 + digits;
    }
    let offset_min = match b.get(at..) {
        Some([]) | Some(b"Z") => 0,
        Some([sign @ (b'+' | b'-'), ..]) if sep(at + 3, b":") && b.len() == at + 6 => {
            let minutes = num(at + 1, 2)? * 60 + num(at + 4, 2)?;
            if *sign == b'-' { -minutes } else { minutes }
        }
        _ => return None,
    };
    // Howard Hinnant's days_from_civil.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some((days * 86_400 + hour * 3600 + minute * 60 + second - offset_min * 60) * 1_000_000 + micros)
}

#[cfg(test)]
mod tests {
    use super::parse_datetime_us;
    use crate::results::frame::rfc3339_utc;

    #[test]
    fn reads_python_datetimes() {
        assert_eq!(parse_datetime_us("1970-01-01T00:00:00+00:00"), Some(0));
        let us = parse_datetime_us("2000-02-29T00:00:00.123456+00:00").unwrap();
        assert_eq!(us % 1_000_000, 123_456);
        assert_eq!(rfc3339_utc(us / 1000), "2000-02-29T00:00:00.123Z");
        assert_eq!(parse_datetime_us("2026-11-30 00:53:19"), Some(1_795_999_999_000_000));
        assert_eq!(parse_datetime_us("2026-11-30T02:53:19.5+02:00"), Some(1_795_999_999_500_000));
        assert_eq!(parse_datetime_us("1969-12-31T23:59:59.999999Z"), Some(-1));
        for bad in ["", "2026-11-30", "2026-13-01 00:00:00", "2026-11-30 00:00:00.", "2026-11-30 00:00:00+0200", "x026-11-30 00:00:00"] {
            assert_eq!(parse_datetime_us(bad), None, "{bad}");
        }
    }
}
