//! Which parameters matter: fANOVA over a surrogate random forest, with the spread across its
//! trees and across forests fitted with different seeds.
//!
//! [`fanova`] takes trials as a feature matrix (one column per parameter, encoded as the
//! [`Dimension`]s say) and their metric values, fits [`Fanova::n_forests`] regression
//! forests of [`Fanova::n_trees`] trees each, decomposes every tree exactly
//! ([`fanova`] module docs), and reports per parameter the mean fraction of
//! variance over all trees, a 95% interval of the per-tree fractions, and the standard
//! deviation of the per-forest means (how much the answer moves with the surrogate's seed).
//! Interactions are computed for the pairs among the [`Fanova::pairs_among`] most important
//! parameters.

mod fanova;
mod of_results;
mod ped_anova;
mod permutation;
mod space;

pub use of_results::ImportanceTable;
pub(crate) use of_results::Axis;
pub use permutation::{Permutation, permutation_importance};
pub use space::{Dimension, DimensionKind};

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::forest::{FeatureKind, Features, ForestParams, RegressionForest};

/// Settings of [`fanova`]. [`Default`]: 4 forests × 16 trees (64 trees, as many as Optuna's
/// fANOVA), interactions among the top 5 parameters, seed 0.
#[derive(Debug, Clone, PartialEq)]
pub struct Fanova {
    /// Forests fitted, each with its own seed.
    pub n_forests: usize,
    /// Trees per forest.
    pub n_trees: usize,
    /// Pairwise interactions are computed among this many most important parameters.
    pub pairs_among: usize,
    /// Seed of the first forest (forest k uses `seed + k`).
    pub seed: u64,
    /// Minimum rows per leaf of the surrogate's trees.
    pub min_samples_leaf: usize,
}

impl Default for Fanova {
    fn default() -> Self {
        Fanova { n_forests: 4, n_trees: 16, pairs_among: 5, seed: 0, min_samples_leaf: 1 }
    }
}

/// The importance of one parameter (or pair).
#[derive(Debug, Clone, PartialEq)]
pub struct Importance {
    /// The parameter, or `"a × b"` for a pair.
    pub name: String,
    /// Mean fraction of the surrogate's variance over all trees.
    pub importance: f64,
    /// 2.5th percentile of the per-tree fractions.
    pub low: f64,
    /// 97.5th percentile of the per-tree fractions.
    pub high: f64,
    /// Standard deviation of the per-forest means (0 with one forest).
    pub forest_sd: f64,
}

/// What [`fanova`] found.
#[derive(Debug, Clone, PartialEq)]
pub struct FanovaResult {
    /// Main effects, most important first.
    pub main: Vec<Importance>,
    /// Pairwise interactions among the top parameters, largest first.
    pub pairs: Vec<Importance>,
    /// Trees whose prediction varies over the space (trees with none are left out).
    pub n_trees: usize,
    /// Every parameter's marginal prediction (dimension order).
    pub marginals: Vec<Marginal>,
}

/// A parameter's marginal: the surrogate's prediction averaged over every other parameter,
/// at points over its range, with the 2.5–97.5th percentiles over trees.
#[derive(Debug, Clone, PartialEq)]
pub struct Marginal {
    /// The parameter.
    pub name: String,
    /// The points, on the dimension's scale (log for a log parameter; codes when discrete).
    pub at: Vec<f64>,
    /// Mean prediction over trees at each point.
    pub mean: Vec<f64>,
    /// 2.5th percentile over trees.
    pub low: Vec<f64>,
    /// 97.5th percentile over trees.
    pub high: Vec<f64>,
}

/// Where a marginal is evaluated: 25 evenly spaced points over a continuous dimension, each
/// value of a discrete one.
fn probe_points(d: &Dimension) -> Vec<f64> {
    match d.kind {
        DimensionKind::Continuous { low, high } => (0..25).map(|k| low + (high - low) * k as f64 / 24.0).collect(),
        DimensionKind::Discrete { n_values, .. } => (0..n_values).map(f64::from).collect(),
    }
}

/// fANOVA of `y` over `dims`, with the rows of `x` encoded as `dims` say (a continuous value
/// on its scale, a discrete one as its code).
pub fn fanova(x: Features<'_>, dims: &[Dimension], y: &[f64], settings: &Fanova) -> Result<FanovaResult> {
    validate_all(dims)?;
    if settings.n_forests == 0 || settings.n_trees == 0 {
        return Err(Error::Invalid { message: "fANOVA needs at least 1 forest of at least 1 tree".into() });
    }
    let kinds: Vec<FeatureKind> = dims.iter().map(Dimension::feature_kind).collect();
    let p = dims.len();
    // Per forest, per tree: the fractions of the main effects; the trees themselves are kept
    // for the pairs, decided once the main effects are known.
    // Per forest: its trees decomposed once (trees whose prediction is constant left out);
    // main effects, marginals and the interactions of the top parameters all read from them.
    let mut spaces: Vec<Vec<fanova::TreeSpace>> = Vec::with_capacity(settings.n_forests);
    for k in 0..settings.n_forests {
        let params = ForestParams::regression(settings.n_trees)
            .seed(settings.seed.wrapping_add(k as u64))
            .min_samples_leaf(settings.min_samples_leaf);
        let forest = RegressionForest::fit(x, &kinds, y, &params)?;
        spaces.push(forest.trees().par_iter().map(|t| fanova::TreeSpace::new(t, dims)).filter(|s| s.total > 0.0).collect());
    }
    let fractions = |value: &dyn Fn(&fanova::TreeSpace) -> f64| -> Vec<Vec<f64>> {
        spaces.iter().map(|forest| forest.iter().map(|s| (value(s) / s.total).max(0.0)).collect()).collect()
    };
    let names: Vec<String> = dims.iter().map(|d| d.name.clone()).collect();
    let mut order: Vec<(usize, Importance)> = (0..p).map(|i| (i, summarise(&names[i], &fractions(&|s| s.main[i])))).collect();
    order.sort_by(|a, b| b.1.importance.total_cmp(&a.1.importance));

    let top: Vec<usize> = order.iter().take(settings.pairs_among).map(|(i, _)| *i).collect();
    let mut pairs: Vec<Importance> = top
        .iter()
        .enumerate()
        .flat_map(|(k, &a)| top[k + 1..].iter().map(move |&b| (a.min(b), a.max(b))))
        .map(|(a, b)| summarise(&format!("{} × {}", names[a], names[b]), &fractions(&|s| s.interaction(a, b))))
        .collect();
    pairs.sort_by(|a, b| b.importance.total_cmp(&a.importance));
    let main: Vec<Importance> = order.into_iter().map(|(_, m)| m).collect();
    let all_trees: Vec<&fanova::TreeSpace> = spaces.iter().flatten().collect();
    let n_trees = all_trees.len();
    let marginals = dims
        .iter()
        .enumerate()
        .map(|(dim, d)| {
            let probe = fanova::Probe { dim, at: probe_points(d) };
            let curves: Vec<Vec<f64>> = all_trees.iter().map(|s| s.curve(&probe)).collect();
            let at_point = |k: usize| -> Importance { spread("", &curves.iter().map(|c| c[k]).collect::<Vec<_>>()) };
            let points: Vec<Importance> = (0..probe.at.len()).map(at_point).collect();
            Marginal {
                name: names[probe.dim].clone(),
                at: probe.at.clone(),
                mean: points.iter().map(|i| i.importance).collect(),
                low: points.iter().map(|i| i.low).collect(),
                high: points.iter().map(|i| i.high).collect(),
            }
        })
        .collect();
    Ok(FanovaResult { main, pairs, n_trees, marginals })
}

/// PED-ANOVA importance of each dimension (see the [`ped_anova`] module):
/// how differently the top `quantile` of the trials (by `y`, larger better when `maximize`)
/// spread over each parameter than all trials; raw values, as Optuna's `normalize=False`.
pub fn ped_anova(x: Features<'_>, dims: &[Dimension], y: &[f64], maximize: bool, quantile: f64) -> Result<Vec<f64>> {
    validate_all(dims)?;
    if !(quantile > 0.0 && quantile <= 1.0) {
        return Err(Error::Invalid { message: format!("PED-ANOVA's quantile is {quantile}; give a fraction in (0, 1], e.g. 0.1") });
    }
    if y.is_empty() || y.len() != x.n_rows() || dims.len() != x.n_features() {
        return Err(Error::Invalid {
            message: format!("PED-ANOVA got {} values for {} rows and {} dimensions for {} columns", y.len(), x.n_rows(), dims.len(), x.n_features()),
        });
    }
    let score: Vec<f64> = y.iter().map(|&v| if maximize { v } else { -v }).collect();
    Ok(ped_anova::ped_anova(&x.rows(), dims.len(), &score, dims, quantile))
}

/// Mean over all trees, the per-tree 95% interval, and the sd of the per-forest means of the
/// value `pick` takes from each tree's fractions.
fn summarise(name: &str, per_forest: &[Vec<f64>]) -> Importance {
    let mut all: Vec<f64> = per_forest.iter().flatten().copied().collect();
    let forest_means: Vec<f64> = per_forest.iter().filter(|t| !t.is_empty()).map(|t| t.iter().sum::<f64>() / t.len() as f64).collect();
    all.sort_by(f64::total_cmp);
    let mean = if all.is_empty() { 0.0 } else { all.iter().sum::<f64>() / all.len() as f64 };
    let forest_sd = if forest_means.len() < 2 {
        0.0
    } else {
        let m = forest_means.iter().sum::<f64>() / forest_means.len() as f64;
        (forest_means.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (forest_means.len() - 1) as f64).sqrt()
    };
    Importance {
        name: name.to_string(),
        importance: mean,
        low: percentile(&all, 0.025),
        high: percentile(&all, 0.975),
        forest_sd,
    }
}

/// Checks every dimension, saying which one to fix.
fn validate_all(dims: &[Dimension]) -> Result<()> {
    dims.iter().try_for_each(|d| d.validate().map_err(|message| Error::Invalid { message }))
}

/// Mean, 2.5–97.5th percentiles and sd (in `forest_sd`) of repeated estimates.
fn spread(name: &str, values: &[f64]) -> Importance {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len().max(1) as f64;
    let mean = sorted.iter().sum::<f64>() / n;
    let sd = if sorted.len() < 2 { 0.0 } else { (sorted.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt() };
    Importance { name: name.to_string(), importance: mean, low: percentile(&sorted, 0.025), high: percentile(&sorted, 0.975), forest_sd: sd }
}

/// Linear-interpolated percentile of sorted values (numpy's default); 0 when empty.
fn percentile(sorted: &[f64], q: f64) -> f64 {
    match sorted.len() {
        0 => 0.0,
        n => {
            let at = q * (n - 1) as f64;
            let (i, frac) = (at.floor() as usize, at.fract());
            let next = sorted[(i + 1).min(n - 1)];
            sorted[i] + frac * (next - sorted[i])
        }
    }
}

#[cfg(test)]
mod tests;
