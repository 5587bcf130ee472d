//! Mean learning curves: per configuration and reported step, the mean of a reported value
//! over the seeds that reached that step, with its 95% t-interval.

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::results::Results;
use crate::stats::{self, Alternative};

/// One configuration's mean curve of a reported value.
#[derive(Debug, Clone, PartialEq)]
pub struct MeanCurve {
    /// The configuration (index into the plan).
    pub config_index: usize,
    /// Its label.
    pub label: String,
    /// Per step, in order: (step, mean over seeds, 95% t-interval with 2 or more seeds,
    /// seeds that reported the step).
    pub points: Vec<StepMean>,
}

/// One point of a mean curve: (step, mean over seeds, 95% t-interval with 2 or more seeds,
/// seeds that reported the step).
pub type StepMean = (i64, f64, Option<(f64, f64)>, usize);

/// The mean learning curves of one reported value, one per configuration that reported it
/// (the baseline first).
#[derive(Debug, Clone, PartialEq)]
pub struct MeanCurves {
    /// The reported value.
    pub name: String,
    /// One curve per configuration that reported it, in plan order.
    pub curves: Vec<MeanCurve>,
}

impl Results {
    /// Mean curves of the reported value `name` (see [`Results::curves`] for the raw points).
    /// Fails when no successful trial reported it, saying what was reported.
    pub fn mean_curves(&self, name: &str) -> Result<MeanCurves> {
        let mut by_config: BTreeMap<usize, BTreeMap<i64, Vec<f64>>> = BTreeMap::new();
        let mut reported: Vec<&str> = Vec::new();
        for (config, report) in self.reports_by_config() {
            reported.extend(report.values.iter().map(|(n, _)| n));
            if let Some(v) = report.values.get(name) {
                by_config.entry(config).or_default().entry(report.step).or_default().push(v);
            }
        }
        if by_config.is_empty() {
            reported.sort_unstable();
            reported.dedup();
            let what = if reported.is_empty() { "no trial reported any value".to_string() } else { format!("reported: {}", reported.join(", ")) };
            return Err(Error::Invalid {
                message: format!("no successful trial reported `{name}` at a step ({what}): call trial.report(step, metrics! {{ \"{name}\" => value }}) in the trial, or print ABLATE_REPORT lines from a command"),
            });
        }
        let curves = by_config
            .into_iter()
            .map(|(config_index, steps)| MeanCurve {
                config_index,
                label: self.plan().label(config_index),
                points: steps
                    .into_iter()
                    .map(|(step, values)| {
                        let mean = values.iter().sum::<f64>() / values.len() as f64;
                        let ci = stats::t_interval(&values, 0.95, Alternative::TwoSided).ok().map(|t| (t.lower, t.upper));
                        (step, mean, ci, values.len())
                    })
                    .collect(),
            })
            .collect();
        Ok(MeanCurves { name: name.to_string(), curves })
    }
}
