//! Factorial ANOVA on a full grid: main effects and interactions of two or more parameters.


use polars::prelude::*;

use crate::error::{Error, Result};
use crate::results::Results;
use crate::stats::{self, Anova, Factor};
use crate::trial::MetricSpec;

/// An n-way ANOVA of one metric over a full-factorial grid of parameters, with replicate
/// seeds as the error term.
#[derive(Debug, Clone)]
pub struct FactorialAnova {
    /// The analysed metric.
    pub metric: MetricSpec,
    /// The grid's parameters.
    pub factors: Vec<String>,
    /// Sums of squares, F, p and partial η² for every main effect and interaction.
    pub anova: Anova,
}

impl Results {
    /// Factorial ANOVA of the primary metric over the study's first grid.
    pub fn anova(&self) -> Result<FactorialAnova> {
        let grid = self.plan().grids().first().cloned().ok_or_else(|| Error::Invalid {
            message: "the study has no grid: add .grid([\"a\", \"b\"]) to vary parameters together, or use anova_of([...])".into(),
        })?;
        self.anova_of(&grid, None)
    }

    /// Factorial ANOVA over any parameters whose level combinations all ran (every other
    /// parameter at baseline), on `metric` (default: primary).
    pub fn anova_of<S: AsRef<str>>(&self, params: &[S], metric: Option<&str>) -> Result<FactorialAnova> {
        let metric = match metric {
            Some(m) => self.metric(m)?.clone(),
            None => self.primary().clone(),
        };
        let plan = self.plan();
        let values = self.values(&metric.name)?;
        let mut factors = Vec::new();
        let mut levels = Vec::new();
        for name in params {
            let param = plan.param(name.as_ref())?;
            let list = param.level_list().ok_or_else(|| Error::Invalid {
                message: format!("param `{}` has no levels to analyse: give it .levels([...])", param.name()),
            })?;
            factors.push(Factor {
                name: param.name().to_string(),
                levels: list.iter().map(|v| param.format_value(v)).collect(),
            });
            levels.push(list.to_vec());
        }
        let mut cells: Vec<Vec<usize>> = Vec::new();
        let mut y = Vec::new();
        let total: usize = levels.iter().map(Vec::len).product();
        let mut index = vec![0usize; levels.len()];
        for _ in 0..total {
            let mut config = plan.baseline().clone();
            for (k, (f, &i)) in factors.iter().zip(&index).enumerate() {
                config.set(&f.name, levels[k][i].clone());
            }
            let name = factors.iter().zip(&index).map(|(f, &i)| format!("{}={}", f.name, f.levels[i])).collect::<Vec<_>>().join(", ");
            let c = plan.config_index(&config).ok_or_else(|| Error::Invalid {
                message: format!("the grid cell {name} was not run: add .grid([...]) over these params to the study"),
            })?;
            for v in values[c].iter().flatten() {
                cells.push(index.clone());
                y.push(*v);
            }
            for pos in (0..index.len()).rev() {
                index[pos] += 1;
                if index[pos] < levels[pos].len() {
                    break;
                }
                index[pos] = 0;
            }
        }
        let anova = stats::factorial_anova(&factors, &cells, &y)?;
        Ok(FactorialAnova { metric, factors: factors.into_iter().map(|f| f.name).collect(), anova })
    }
}

impl FactorialAnova {
    /// The ANOVA table as a polars DataFrame (one row per term, then the residual).
    pub fn frame(&self) -> Result<DataFrame> {
        let t = &self.anova.terms;
        let mut source: Vec<String> = t.iter().map(|x| x.name.clone()).collect();
        source.push("residual".into());
        let with_residual = |f: &dyn Fn(&stats::AnovaTerm) -> f64, residual: Option<f64>| {
            let mut v: Vec<Option<f64>> = t.iter().map(|x| Some(f(x))).collect();
            v.push(residual);
            v
        };
        let n = source.len();
        let columns = vec![
            Column::new("source".into(), source),
            Column::new("sum_sq".into(), with_residual(&|x| x.ss, Some(self.anova.residual_ss))),
            Column::new("df".into(), with_residual(&|x| x.df, Some(self.anova.residual_df))),
            Column::new("mean_sq".into(), with_residual(&|x| x.ms, Some(self.anova.residual_ms))),
            Column::new("F".into(), with_residual(&|x| x.f, None)),
            Column::new("p".into(), with_residual(&|x| x.p_value, None)),
            Column::new("partial_eta_sq".into(), with_residual(&|x| x.partial_eta_sq, None)),
        ];
        Ok(DataFrame::new(n, columns)?)
    }

    /// The term for an interaction or main effect, by its parameter names.
    pub fn term(&self, params: &[&str]) -> Option<&stats::AnovaTerm> {
        let wanted: Vec<usize> = params.iter().filter_map(|p| self.factors.iter().position(|f| f == p)).collect();
        self.anova.terms.iter().find(|t| {
            let mut a = t.factors.clone();
            let mut b = wanted.clone();
            a.sort_unstable();
            b.sort_unstable();
            a == b && b.len() == params.len()
        })
    }
}
