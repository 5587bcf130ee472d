//! The per-configuration summary: n, mean, spread, 95% t-interval and change versus the
//! baseline for one metric.

use polars::prelude::*;

use crate::error::Result;
use crate::stats::{self, Alternative};
use crate::trial::MetricSpec;

/// One configuration's summary for one metric.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryRow {
    /// Index of the configuration in the plan (0 = baseline).
    pub config_index: usize,
    /// Readable label ("baseline", "n_estimators=200").
    pub config: String,
    /// The design that produced it.
    pub design: String,
    /// Parameters that differ from the baseline.
    pub varied: Vec<String>,
    /// Successful trials.
    pub n: usize,
    /// Failed trials.
    pub failed: usize,
    /// Pruned trials and the earliest step one was stopped at (`None`: none).
    pub pruned: Option<(usize, i64)>,
    /// Mean of the metric over successful trials (`None` when n = 0).
    pub mean: Option<f64>,
    /// Sample standard deviation (n - 1 denominator; `None` when n < 2).
    pub std: Option<f64>,
    /// Standard error of the mean (`None` when n < 2).
    pub se: Option<f64>,
    /// Lower end of the 95% t-interval for the mean (`None` when n < 2).
    pub ci_low: Option<f64>,
    /// Upper end of the 95% t-interval for the mean (`None` when n < 2).
    pub ci_high: Option<f64>,
    /// Mean minus the baseline's mean.
    pub change: Option<f64>,
    /// Change as a percentage of the baseline's mean (`None` if that mean is 0).
    pub change_pct: Option<f64>,
    /// Whether this configuration has the best mean for the metric's direction.
    pub best: bool,
}

/// Per-configuration summary of one metric; renders as a text table and holds a frame.
#[derive(Debug, Clone)]
pub struct Summary {
    /// The summarised metric.
    pub metric: MetricSpec,
    /// One row per configuration, baseline first.
    pub rows: Vec<SummaryRow>,
}

/// The per-config inputs to [`Summary::build`].
pub(crate) struct ConfigValues<'a> {
    pub index: usize,
    pub label: String,
    pub design: &'a str,
    pub varied: Vec<String>,
    pub values: Vec<f64>,
    pub failed: usize,
    pub pruned: Option<(usize, i64)>,
}

/// Mean, spread and 95% t-interval, each `None` where the sample is too small to define it
/// (no values: nothing; one value: the mean only).
struct Spread {
    mean: Option<f64>,
    std: Option<f64>,
    se: Option<f64>,
    ci_low: Option<f64>,
    ci_high: Option<f64>,
}

impl Spread {
    fn of(values: &[f64]) -> Spread {
        let mean = stats::mean(values).ok();
        let described = stats::describe(values).ok();
        let ci = stats::t_interval(values, 0.95, Alternative::TwoSided).ok();
        Spread {
            mean,
            std: described.map(|d| d.sd),
            se: described.map(|d| d.se),
            ci_low: ci.map(|c| c.lower),
            ci_high: ci.map(|c| c.upper),
        }
    }
}

impl Summary {
    pub(crate) fn build(metric: MetricSpec, configs: Vec<ConfigValues<'_>>) -> Summary {
        let mut rows: Vec<SummaryRow> = configs
            .into_iter()
            .map(|c| {
                let d = Spread::of(&c.values);
                SummaryRow {
                    config_index: c.index,
                    config: c.label,
                    design: c.design.to_string(),
                    varied: c.varied,
                    n: c.values.len(),
                    failed: c.failed,
                    pruned: c.pruned,
                    mean: d.mean,
                    std: d.std,
                    se: d.se,
                    ci_low: d.ci_low,
                    ci_high: d.ci_high,
                    change: None,
                    change_pct: None,
                    best: false,
                }
            })
            .collect();
        let baseline_mean = rows.iter().find(|r| r.config_index == 0).and_then(|r| r.mean);
        if let Some(base) = baseline_mean {
            for row in &mut rows {
                row.change = row.mean.map(|m| m - base);
                row.change_pct = row.mean.filter(|_| base != 0.0).map(|m| (m - base) / base.abs() * 100.0);
            }
        }
        let sign = metric.direction.sign();
        let scored: Vec<(usize, f64)> = rows.iter().enumerate().filter_map(|(i, r)| r.mean.map(|m| (i, m * sign))).collect();
        let top = scored.iter().max_by(|a, b| a.1.total_cmp(&b.1)).copied();
        // A tie is no win: a change whose mean equals the baseline's (within floating-point
        // noise) leaves the baseline (row 0) best.
        let baseline_ties = |top: f64| scored.first().is_some_and(|&(i, v)| i == 0 && ties(v, top));
        let best = top.map(|(i, v)| if baseline_ties(v) { 0 } else { i });
        if let Some(i) = best {
            rows[i].best = true;
        }
        Summary { metric, rows }
    }

    /// The best row for the metric's direction, if any config succeeded.
    pub fn best(&self) -> Option<&SummaryRow> {
        self.rows.iter().find(|r| r.best)
    }

    /// The summary as a polars DataFrame.
    pub fn frame(&self) -> Result<DataFrame> {
        let m = &self.metric.name;
        let col = |name: String, f: &dyn Fn(&SummaryRow) -> Option<f64>| {
            Column::new(name.into(), self.rows.iter().map(f).collect::<Vec<_>>())
        };
        let columns = vec![
            Column::new("config".into(), self.rows.iter().map(|r| r.config.as_str()).collect::<Vec<_>>()),
            Column::new("design".into(), self.rows.iter().map(|r| r.design.as_str()).collect::<Vec<_>>()),
            Column::new("varied".into(), self.rows.iter().map(|r| r.varied.join(",")).collect::<Vec<_>>()),
            Column::new("n".into(), self.rows.iter().map(|r| r.n as u32).collect::<Vec<_>>()),
            Column::new("failed".into(), self.rows.iter().map(|r| r.failed as u32).collect::<Vec<_>>()),
            col(format!("{m}_mean"), &|r| r.mean),
            col(format!("{m}_std"), &|r| r.std),
            col(format!("{m}_se"), &|r| r.se),
            col(format!("{m}_ci95_low"), &|r| r.ci_low),
            col(format!("{m}_ci95_high"), &|r| r.ci_high),
            col("change".into(), &|r| r.change),
            col("change_pct".into(), &|r| r.change_pct),
            Column::new("best".into(), self.rows.iter().map(|r| r.best).collect::<Vec<_>>()),
        ];
        Ok(DataFrame::new(self.rows.len(), columns)?)
    }
}

/// Whether `score` equals the best `top` score within floating-point noise (1e-12 relative):
/// a tie, which the baseline wins (scores are means signed so that higher is better).
pub(crate) fn ties(score: f64, top: f64) -> bool {
    score >= top - 1e-12 * top.abs().max(1.0)
}
