//! The random-forest regressor.

use super::data::{FeatureKind, Features, Ranked};
use super::grow::grow_forest;
use super::params::ForestParams;
use super::target::Values;
use super::tree::{Tree, average_leaf_values};
use super::ForestError;

/// A fitted random-forest regressor (scikit-learn's `RandomForestRegressor` algorithm with
/// categorical splits; see the [module docs](super)). It predicts the average of its trees'
/// leaf means.
#[derive(Debug, Clone)]
pub struct RegressionForest {
    trees: Vec<Tree>,
    kinds: Vec<FeatureKind>,
    params: ForestParams,
}

impl RegressionForest {
    /// Fits a forest on `x` (any layout) with the kind of every feature and one finite target
    /// per row in `y`. Fails on invalid parameters, an empty matrix, a target count that does
    /// not match the rows, non-finite values or category codes out of range.
    pub fn fit(x: Features<'_>, kinds: &[FeatureKind], y: &[f64], params: &ForestParams) -> Result<Self, ForestError> {
        let mtry = params.features_per_split(x.n_features())?;
        let data = Ranked::new(x, kinds, y.len())?;
        if let Some(row) = y.iter().position(|v| !v.is_finite()) {
            return Err(ForestError::data(format!("the target of row {row} is {}; pass finite targets", y[row])));
        }
        // Centred targets keep the sweep's sums of squares well conditioned.
        let mean = y.iter().sum::<f64>() / y.len() as f64;
        let centred: Vec<f64> = y.iter().map(|v| v - mean).collect();
        let mut trees = grow_forest(&data, kinds, &Values { y: &centred }, params, mtry);
        for tree in &mut trees {
            tree.leaf_values.iter_mut().for_each(|v| *v += mean);
        }
        Ok(RegressionForest { trees, kinds: kinds.to_vec(), params: params.clone() })
    }

    /// The predicted value of every row.
    pub fn predict(&self, x: Features<'_>) -> Result<Vec<f64>, ForestError> {
        x.check_input(self.kinds.len())?;
        x.check_kinds(&self.kinds)?;
        Ok(average_leaf_values(&self.trees, &x.rows(), self.kinds.len(), x.n_rows(), 1))
    }

    /// The fitted trees (each leaf holds one value, the mean target of its rows).
    pub fn trees(&self) -> &[Tree] {
        &self.trees
    }

    /// The kind of every feature, as given to [`RegressionForest::fit`].
    pub fn kinds(&self) -> &[FeatureKind] {
        &self.kinds
    }

    /// The parameters the forest was fitted with.
    pub fn params(&self) -> &ForestParams {
        &self.params
    }
}
