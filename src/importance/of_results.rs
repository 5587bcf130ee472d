//! Importance of a study's parameters from its results: each parameter becomes a
//! [`Dimension`] (its bounds on its scale, or its values), each finished trial a row.

use super::{Dimension, Fanova, FanovaResult, Importance, Permutation, fanova, ped_anova, permutation_importance};
use crate::display::Table;
use crate::error::{Error, Result};
use crate::forest::Features;
use crate::results::Results;
use crate::space::{Config, Domain, Param, Spacing, Value};
use crate::store::Status;
use crate::trial::Direction;

/// Which parameters matter for a metric, as fractions of the variance of a surrogate model of
/// the study's trials ([`Results::importance`]). Shows as a table.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportanceTable {
    /// The metric analysed.
    pub metric: String,
    /// How the importances were computed ("fANOVA").
    pub method: &'static str,
    /// Trials the surrogate was fitted on.
    pub n_trials: usize,
    /// Distinct configs among them.
    pub n_configs: usize,
    /// Parameters left out because every trial had the same value.
    pub constant: Vec<String>,
    /// The decomposition.
    pub fanova: FanovaResult,
    /// PED-ANOVA of the top 10% of trials, per parameter (dimension order), as shares of
    /// their sum: a second opinion that fits no model.
    pub ped_anova: Vec<(String, f64)>,
    /// Permutation importance of the surrogate on 20% held-out trials, per parameter
    /// (dimension order; empty with fewer than 25 trials).
    pub permutation: Vec<Importance>,
    /// How each dimension maps back to the parameter's values (for the marginal charts).
    pub(crate) axes: Vec<Axis>,
}

/// How a dimension's coordinates read as parameter values.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Axis {
    /// A number on its scale (`log`: the coordinate is its natural log).
    Numeric { log: bool },
    /// Codes 0, 1, … of these values.
    Values(Vec<String>),
}

impl Results {
    /// fANOVA importance of every varied parameter for the primary metric, with default
    /// settings ([`Fanova::default`]): which parameters explain the metric's variation over
    /// the whole space the study sampled. Works best on space-filling designs
    /// (`.sobol(n)`, `.random(n)`) or grids; on one-factor-at-a-time designs the surrogate
    /// sees only the axes through the baseline.
    pub fn importance(&self) -> Result<ImportanceTable> {
        self.importance_of(&self.primary().name.clone(), &Fanova::default())
    }

    /// The pairwise interactions among the most important parameters, as a table (the same
    /// as `results.importance()?.pairs_table()`).
    pub fn importance_pairs(&self) -> Result<Table> {
        Ok(self.importance()?.pairs_table())
    }

    /// [`Results::importance`] for any declared metric, with explicit settings.
    pub fn importance_of(&self, metric: &str, settings: &Fanova) -> Result<ImportanceTable> {
        let Encoded { dims, x, y, constant, axes, n_configs, .. } = self.encoded(metric)?;
        let features = Features::row_major(&x, y.len(), dims.len())?;
        // fANOVA and the permutation importance each fit a forest; side by side, one fills
        // the cores the other's serial parts leave idle.
        let (result, permutation) = rayon::join(
            || fanova(features, &dims, &y, settings),
            || if y.len() >= 25 { permutation_importance(features, &dims, &y, &Permutation { seed: settings.seed, ..Permutation::default() }) } else { Ok(Vec::new()) },
        );
        let (result, permutation) = (result?, permutation?);
        let maximize = self.metric(metric)?.direction == Direction::Maximize;
        let ped = ped_anova(features, &dims, &y, maximize, 0.1)?;
        let sum: f64 = ped.iter().sum();
        let ped_anova = dims.iter().zip(&ped).map(|(d, v)| (d.name.clone(), if sum > 0.0 { v / sum } else { 0.0 })).collect();
        Ok(ImportanceTable { metric: metric.to_string(), method: "fANOVA", n_trials: y.len(), n_configs, constant, fanova: result, ped_anova, permutation, axes })
    }

    /// Every finished trial of `metric` as a surrogate's training data: one row per trial,
    /// one coordinate per varied parameter.
    pub(crate) fn encoded(&self, metric: &str) -> Result<Encoded> {
        self.metric(metric)?;
        let plan = self.plan();
        let rows: Vec<(usize, f64)> = self
            .records()
            .iter()
            .filter(|r| r.status == Status::Ok)
            .filter_map(|r| {
                let index = plan.trial_index(&r.id)?;
                Some((plan.trials()[index].config_index(), r.metrics.get(metric)?))
            })
            .collect();
        let (mut dims, mut columns, mut constant, mut axes, mut params) = (Vec::new(), Vec::<Vec<f64>>::new(), Vec::new(), Vec::new(), Vec::new());
        for param in plan.params() {
            let values: Vec<&Value> = rows.iter().map(|&(c, _)| plan.configs()[c].config().get(param.name()).unwrap_or(param.baseline())).collect();
            match encode(param, &values) {
                Some((dim, column, axis)) => {
                    dims.push(dim);
                    columns.push(column);
                    axes.push(axis);
                    params.push(param.clone());
                }
                None => constant.push(param.name().to_string()),
            }
        }
        let mut configs: Vec<usize> = rows.iter().map(|&(c, _)| c).collect();
        configs.sort_unstable();
        configs.dedup();
        if dims.is_empty() || configs.len() < 3 {
            return Err(Error::Invalid {
                message: format!(
                    "a surrogate needs trials of at least 3 configs that vary at least one parameter; {} has {} finished trials of {} configs{}: add a design such as .sobol(64) or .grid([...])",
                    metric,
                    rows.len(),
                    configs.len(),
                    if dims.is_empty() { ", and no parameter varies" } else { "" }
                ),
            });
        }
        let x: Vec<f64> = (0..rows.len()).flat_map(|r| columns.iter().map(move |c| c[r])).collect();
        let y: Vec<f64> = rows.iter().map(|&(_, v)| v).collect();
        Ok(Encoded { dims, x, y, constant, axes, params, n_configs: configs.len() })
    }
}

/// A study's finished trials encoded for a surrogate ([`Results::encoded`]).
pub(crate) struct Encoded {
    /// One dimension per varied parameter.
    pub dims: Vec<Dimension>,
    /// Row-major coordinates, `dims.len()` per trial.
    pub x: Vec<f64>,
    /// The metric of each trial.
    pub y: Vec<f64>,
    /// Parameters left out because every trial had the same value.
    pub constant: Vec<String>,
    pub(crate) axes: Vec<Axis>,
    /// The parameter of each dimension.
    params: Vec<Param>,
    /// Distinct configs among the trials.
    pub n_configs: usize,
}

impl Encoded {
    /// The coordinates of `config` (a parameter it does not set takes its baseline); fails
    /// when it sets a parameter to a value the trials never had, which a surrogate cannot place.
    pub fn coordinates(&self, config: &Config) -> Result<Vec<f64>> {
        let mut out = Vec::with_capacity(self.dims.len());
        for (param, axis) in self.params.iter().zip(&self.axes) {
            let value = config.get(param.name()).unwrap_or(param.baseline());
            let coordinate = match axis {
                Axis::Numeric { log } => value.as_f64().map(|v| if *log { v.ln() } else { v }),
                Axis::Values(labels) => labels.iter().position(|l| *l == param.format_value(value)).map(|k| k as f64),
            };
            out.push(coordinate.ok_or_else(|| Error::Invalid {
                message: format!("`{}` = {} never ran in these trials, so the surrogate cannot predict it: run a design that includes it", param.name(), param.format_value(value)),
            })?);
        }
        Ok(out)
    }
}

/// A parameter's dimension and every row's coordinate on it, or `None` when all rows have the
/// same value. Bounded numbers are continuous on their scale (log bounds for a log
/// parameter); other numbers are their distinct values in order (levels, up to 64); strings,
/// bools and components are unordered values.
fn encode(param: &Param, values: &[&Value]) -> Option<(Dimension, Vec<f64>, Axis)> {
    let name = param.name();
    let log = param.domain().spacing() == Spacing::Log;
    let on_scale = |v: f64| if log { v.ln() } else { v };
    let bounds = match param.domain() {
        Domain::Float { low: Some(lo), high: Some(hi), .. } => Some((*lo, *hi)),
        Domain::Int { low: Some(lo), high: Some(hi), .. } => Some((*lo as f64, *hi as f64)),
        _ => None,
    };
    let mut distinct: Vec<&Value> = values.to_vec();
    distinct.sort_by(|a, b| compare(a, b));
    distinct.dedup();
    if distinct.len() < 2 {
        return None;
    }
    if let Some((lo, hi)) = bounds.filter(|&(lo, hi)| lo < hi && (!log || lo > 0.0)) {
        let column = values.iter().map(|v| on_scale(v.as_f64().unwrap_or(lo))).collect();
        let mut dim = Dimension::continuous(name, on_scale(lo), on_scale(hi));
        if matches!(param.domain(), Domain::Int { .. }) {
            dim = dim.integers((hi - lo + 1.0).min(f64::from(u32::MAX)) as u32, log);
        }
        return Some((dim, column, Axis::Numeric { log }));
    }
    let numeric = distinct.iter().all(|v| v.as_f64().is_some() && !matches!(v, Value::Bool(_)));
    if numeric && distinct.len() > 64 {
        let (lo, hi) = (distinct[0].as_f64()?, distinct[distinct.len() - 1].as_f64()?);
        let column = values.iter().map(|v| on_scale(v.as_f64().unwrap_or(lo))).collect();
        return Some((Dimension::continuous(name, on_scale(lo), on_scale(hi)), column, Axis::Numeric { log }));
    }
    if distinct.len() > 64 {
        return None;
    }
    let column = values.iter().map(|v| distinct.iter().position(|d| d == v).unwrap_or(0) as f64).collect();
    let labels = distinct.iter().map(|v| param.format_value(v)).collect();
    Some((Dimension::discrete(name, distinct.len() as u32, numeric), column, Axis::Values(labels)))
}

/// Numbers by value, everything else by its text.
fn compare(a: &Value, b: &Value) -> std::cmp::Ordering {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x.total_cmp(&y),
        _ => a.to_string().cmp(&b.to_string()),
    }
}
