//! PED-ANOVA (Watanabe, Bansal & Hutter, "PED-ANOVA: Efficiently Quantifying Hyperparameter
//! Importance in Arbitrary Subspaces", IJCAI 2023): how differently the top-quantile trials
//! are distributed over each parameter than all trials, as a Pearson divergence of two
//! Parzen density estimates on a grid. A fast second opinion to fANOVA that fits no model.
//!
//! It follows Optuna 5.1.0's `PedAnovaImportanceEvaluator` with its defaults (top quantile
//! 0.1, all trials as the region, 50 grid steps, prior weight 1; see
//! `benches/importance/NOTES.md`): each continuous parameter's values are binned to the
//! nearest of 50 grid points over its bounds; a density on the grid is the mixture of one
//! discretised normal per occupied point (weighted by its count, one bandwidth from Scott's
//! rule with a floor) and a wide prior normal of weight 1; the importance is
//! `(|top| / n)² · Σ_grid p_all · (p_top / p_all − 1)²`. On the same trials it reproduces
//! Optuna's raw numbers. Integer parameters get a grid of at most as many points as their
//! range has values (on a log scale: the doublings it spans, plus one), and discrete ones
//! (levels, categories) Optuna's categorical Parzen estimator; both checked against Optuna
//! on the demo MLP's study (`src/importance/tests.rs`).

use super::space::{Dimension, DimensionKind};
use crate::stats::dist::norm_cdf;

/// Grid points per continuous parameter.
const N_STEPS: usize = 50;
/// Weight of the prior component of each density.
const PRIOR_WEIGHT: f64 = 1.0;
/// Added to both densities before dividing.
const EPS: f64 = 1e-12;

/// PED-ANOVA importance of each dimension (column of the row-major `x`, `p` columns) for the
/// trials whose `score` (larger is better) is in the top `quantile`.
pub(super) fn ped_anova(x: &[f64], p: usize, score: &[f64], dims: &[Dimension], quantile: f64) -> Vec<f64> {
    let n = score.len();
    let top = &top_rows(score, quantile);
    let gamma = top.iter().filter(|&&t| t).count() as f64 / n as f64;
    (0..p)
        .map(|j| {
            let column = |only_top: bool| (0..n).filter(move |&r| !only_top || top[r]).map(move |r| x[r * p + j]);
            let (p_top, p_all) = match dims[j].kind {
                DimensionKind::Continuous { low, high } => {
                    let steps = dims[j].distinct.map_or(N_STEPS, |n| (n as usize).min(N_STEPS));
                    let counts = |only_top| grid_counts(column(only_top), low, high, steps);
                    (parzen_on_grid(&counts(true)), parzen_on_grid(&counts(false)))
                }
                DimensionKind::Discrete { n_values, .. } => {
                    (categorical(&value_counts(column(true), n_values)), categorical(&value_counts(column(false), n_values)))
                }
            };
            let divergence: f64 = p_top.iter().zip(&p_all).map(|(t, a)| (a + EPS) * ((t + EPS) / (a + EPS) - 1.0).powi(2)).sum();
            gamma * gamma * divergence
        })
        .collect()
}

/// Which rows are in the top `quantile` by score: every row at least as good as the row at
/// rank `ceil(quantile · n) − 1` (ties at the cut are all kept).
fn top_rows(score: &[f64], quantile: f64) -> Vec<bool> {
    let mut sorted: Vec<f64> = score.to_vec();
    sorted.sort_by(|a, b| b.total_cmp(a));
    let cut_index = ((quantile * score.len() as f64).ceil() as usize).clamp(1, score.len()) - 1;
    let cut = sorted[cut_index];
    score.iter().map(|&s| s >= cut).collect()
}

/// How many values fall nearest to each of `steps` grid points over `[low, high]` (ties go
/// down).
fn grid_counts(values: impl Iterator<Item = f64>, low: f64, high: f64, steps: usize) -> Vec<u64> {
    let step = (high - low) / (steps - 1) as f64;
    let mut counts = vec![0u64; steps];
    for v in values {
        let index = ((v - low) / step - 0.5).ceil();
        counts[index.clamp(0.0, (steps - 1) as f64) as usize] += 1;
    }
    counts
}

fn value_counts(values: impl Iterator<Item = f64>, n_values: u32) -> Vec<u64> {
    let mut counts = vec![0u64; n_values.max(1) as usize];
    let last = counts.len() - 1;
    for v in values {
        counts[(v.max(0.0) as usize).min(last)] += 1;
    }
    counts
}

/// A categorical density as Optuna's Parzen estimator builds it: one kernel per observed
/// value (weighted by its count) that puts 1 on its value plus `prior / (k + 1)` on every
/// value (k observed values), normalised, and a uniform prior kernel of weight `prior`.
fn categorical(counts: &[u64]) -> Vec<f64> {
    let n_values = counts.len() as f64;
    let observed = counts.iter().filter(|&&c| c > 0).count() as f64;
    let total = counts.iter().sum::<u64>() as f64 + PRIOR_WEIGHT;
    let spread = PRIOR_WEIGHT / (observed + 1.0);
    let kernel_sum = 1.0 + n_values * spread;
    // Σ_j count_j · (spread + [value = j]) / kernel_sum, over the observed values j.
    let spread_mass: f64 = counts.iter().map(|&c| c as f64 * spread / kernel_sum).sum();
    counts.iter().map(|&c| (spread_mass + c as f64 / kernel_sum + PRIOR_WEIGHT / n_values) / total).collect()
}

/// P(a < Z < b) for a standard normal Z, computed in the left tail for accuracy.
fn gauss_mass(a: f64, b: f64) -> f64 {
    let (a, b) = if a > 0.0 { (-b, -a) } else { (a, b) };
    if b <= 0.0 { norm_cdf(b) - norm_cdf(a) } else { 1.0 - norm_cdf(a) - norm_cdf(-b) }
}

/// The Parzen density of grid counts, on the grid: a normal per occupied grid point (its
/// weight the count; one bandwidth, Scott's rule with a floor of 0.5 / 1.64) plus a prior
/// normal over the whole grid, each discretised to the grid and truncated to it.
fn parzen_on_grid(counts: &[u64]) -> Vec<f64> {
    let occupied: Vec<(f64, f64)> = counts.iter().enumerate().filter(|&(_, &c)| c > 0).map(|(i, &c)| (i as f64, c as f64)).collect();
    let n: u64 = counts.iter().sum();
    let nf = n as f64;
    let mean = occupied.iter().map(|(g, w)| g * w).sum::<f64>() / nf;
    let sd = (occupied.iter().map(|(g, w)| w * (g - mean).powi(2)).sum::<f64>() / (n.saturating_sub(1).max(1)) as f64).sqrt();
    // Quartiles of the binned values: the first occupied point whose running count reaches
    // n/4, and the first whose running count exceeds 3n/4.
    let mut running = 0u64;
    let cumulative: Vec<u64> = occupied.iter().map(|(_, w)| {
        running += *w as u64;
        running
    }).collect();
    let q1 = cumulative.partition_point(|&c| c < n / 4);
    let q3 = cumulative.partition_point(|&c| c <= n * 3 / 4).min(occupied.len() - 1);
    let iqr = occupied[q3].0 - occupied[q1.min(occupied.len() - 1)].0;
    let sigma = (1.059 * (iqr / 1.34).min(sd) * nf.powf(-0.2)).max(0.5 / 1.64);
    let (lo, hi) = (0.0, (counts.len() - 1) as f64);
    let total_weight = nf + PRIOR_WEIGHT;
    let mut components: Vec<(f64, f64, f64)> = occupied.iter().map(|&(g, w)| (g, sigma, w / total_weight)).collect();
    components.push(((lo + hi) / 2.0, hi - lo + 1.0, PRIOR_WEIGHT / total_weight));
    let mut pdf = vec![0.0; counts.len()];
    for (mu, s, weight) in components {
        let norm = gauss_mass((lo - 0.5 - mu) / s, (hi + 0.5 - mu) / s);
        for (g, slot) in pdf.iter_mut().enumerate() {
            let g = g as f64;
            *slot += weight * gauss_mass((g - 0.5 - mu) / s, (g + 0.5 - mu) / s) / norm;
        }
    }
    pdf
}
