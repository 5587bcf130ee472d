//! Permutation importance of the surrogate on held-out trials (Breiman 2001, as in
//! scikit-learn's `permutation_importance`): fit the forest on most trials, then shuffle one
//! parameter's column among the held-out trials and measure how much the prediction error
//! grows. Unlike fANOVA it judges the surrogate where the trials are, not over the whole space,
//! and it counts a parameter's interactions with the others too.

use super::{Dimension, Importance};
use crate::error::{Error, Result};
use crate::forest::{FeatureKind, Features, ForestParams, RegressionForest};
use crate::rng::Rng;

/// Settings of [`permutation_importance`]. [`Default`]: 20% held out, 10 shuffles per
/// parameter, a 64-tree forest, seed 0.
#[derive(Debug, Clone, PartialEq)]
pub struct Permutation {
    /// Fraction of the trials held out for scoring.
    pub holdout: f64,
    /// Shuffles per parameter.
    pub repeats: usize,
    /// Trees of the surrogate.
    pub n_trees: usize,
    /// Seed of the split, the forest and the shuffles.
    pub seed: u64,
}

impl Default for Permutation {
    fn default() -> Self {
        Permutation { holdout: 0.2, repeats: 10, n_trees: 64, seed: 0 }
    }
}

/// Per parameter (in `dims` order): the growth of the held-out mean squared error when its
/// column is shuffled, as a fraction of the held-out targets' variance (mean over shuffles,
/// with the 2.5–97.5th percentiles over shuffles as the interval; `forest_sd` is the sd over
/// shuffles).
pub fn permutation_importance(x: Features<'_>, dims: &[Dimension], y: &[f64], settings: &Permutation) -> Result<Vec<Importance>> {
    let (n, p) = (x.n_rows(), x.n_features());
    if !(settings.holdout > 0.0 && settings.holdout < 1.0) || settings.repeats == 0 {
        return Err(Error::Invalid { message: "permutation importance needs a holdout fraction in (0, 1) and at least 1 repeat".into() });
    }
    let n_test = (settings.holdout * n as f64).round() as usize;
    if n_test < 5 || n - n_test < 5 || dims.len() != p || y.len() != n {
        return Err(Error::Invalid {
            message: format!("permutation importance needs at least 5 training and 5 held-out trials (got {n} trials, {} held out) and one dimension per column", n_test),
        });
    }
    let rows = x.rows();
    let mut order: Vec<usize> = (0..n).collect();
    let mut rng = Rng::new(settings.seed);
    for i in (1..n).rev() {
        order.swap(i, rng.below(i + 1));
    }
    let (test, train) = order.split_at(n_test);
    let pick = |idx: &[usize]| -> (Vec<f64>, Vec<f64>) { (idx.iter().flat_map(|&r| rows[r * p..(r + 1) * p].iter().copied()).collect(), idx.iter().map(|&r| y[r]).collect()) };
    let (x_train, y_train) = pick(train);
    let (mut x_test, y_test) = pick(test);
    let kinds: Vec<FeatureKind> = dims.iter().map(Dimension::feature_kind).collect();
    let params = ForestParams::regression(settings.n_trees).seed(settings.seed);
    let forest = RegressionForest::fit(Features::row_major(&x_train, train.len(), p)?, &kinds, &y_train, &params)?;
    let mse = |xs: &[f64]| -> Result<f64> {
        let predicted = forest.predict(Features::row_major(xs, n_test, p)?)?;
        Ok(predicted.iter().zip(&y_test).map(|(a, b)| (a - b).powi(2)).sum::<f64>() / n_test as f64)
    };
    let base = mse(&x_test)?;
    let mean = y_test.iter().sum::<f64>() / n_test as f64;
    let variance = (y_test.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n_test as f64).max(f64::MIN_POSITIVE);
    let mut out = Vec::with_capacity(p);
    for (j, dim) in dims.iter().enumerate() {
        let original: Vec<f64> = (0..n_test).map(|r| x_test[r * p + j]).collect();
        let mut growth = Vec::with_capacity(settings.repeats);
        for _ in 0..settings.repeats {
            let mut shuffled = original.clone();
            for i in (1..n_test).rev() {
                shuffled.swap(i, rng.below(i + 1));
            }
            for (r, v) in shuffled.iter().enumerate() {
                x_test[r * p + j] = *v;
            }
            growth.push((mse(&x_test)? - base) / variance);
        }
        for (r, v) in original.iter().enumerate() {
            x_test[r * p + j] = *v;
        }
        out.push(super::spread(&dim.name, &growth));
    }
    Ok(out)
}
