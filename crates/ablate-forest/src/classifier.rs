//! The random-forest classifier.

use super::data::{FeatureKind, Features, Ranked};
use super::grow::grow_forest;
use super::params::ForestParams;
use super::target::Classes;
use super::tree::{Tree, average_leaf_values};
use super::ForestError;

/// A fitted random-forest classifier (scikit-learn's `RandomForestClassifier` algorithm; see
/// the [module docs](super)).
#[derive(Debug, Clone)]
pub struct RandomForest {
    trees: Vec<Tree>,
    classes: Vec<usize>,
    n_features: usize,
    params: ForestParams,
}

impl RandomForest {
    /// Fits a forest on `x` (any layout, every feature numeric) with one class label per row
    /// in `y`.
    ///
    /// Labels may be any `usize` values (e.g. wine quality grades 3–8); predictions return
    /// them unchanged. Fails on invalid parameters, an empty matrix, a label count that does
    /// not match the rows, or non-finite features.
    pub fn fit(x: Features<'_>, y: &[usize], params: &ForestParams) -> Result<Self, ForestError> {
        Self::fit_with_kinds(x, &vec![FeatureKind::Numeric; x.n_features()], y, params)
    }

    /// [`RandomForest::fit`] with the kind of every feature (categorical ones split into
    /// subsets of categories).
    pub fn fit_with_kinds(x: Features<'_>, kinds: &[FeatureKind], y: &[usize], params: &ForestParams) -> Result<Self, ForestError> {
        let mtry = params.features_per_split(x.n_features())?;
        let data = Ranked::new(x, kinds, y.len())?;
        let mut classes = y.to_vec();
        classes.sort_unstable();
        classes.dedup();
        let y_index: Vec<u32> = y.iter().map(|label| classes.binary_search(label).map_or(0, |c| c as u32)).collect();
        let target = Classes { y: &y_index, n_classes: classes.len() };
        let trees = grow_forest(&data, kinds, &target, params, mtry);
        Ok(RandomForest { trees, classes, n_features: x.n_features(), params: params.clone() })
    }

    /// Average class probabilities, row-major `n_rows × n_classes` (columns in the order of
    /// [`RandomForest::classes`]).
    pub fn predict_proba(&self, x: Features<'_>) -> Result<Vec<f64>, ForestError> {
        x.check_input(self.n_features)?;
        Ok(average_leaf_values(&self.trees, &x.rows(), self.n_features, x.n_rows(), self.classes.len()))
    }

    /// The predicted label of every row: the class with the highest average probability
    /// (ties go to the smallest label).
    pub fn predict(&self, x: Features<'_>) -> Result<Vec<usize>, ForestError> {
        let k = self.classes.len();
        let proba = self.predict_proba(x)?;
        Ok(proba
            .chunks_exact(k)
            .map(|row| {
                let mut best = 0;
                for c in 1..k {
                    if row[c] > row[best] {
                        best = c;
                    }
                }
                self.classes[best]
            })
            .collect())
    }

    /// Fraction of rows whose predicted label equals `y`.
    pub fn accuracy(&self, x: Features<'_>, y: &[usize]) -> Result<f64, ForestError> {
        if y.len() != x.n_rows() {
            return Err(ForestError::data(format!("{} labels for {} rows; pass one label per row", y.len(), x.n_rows())));
        }
        if y.is_empty() {
            return Err(ForestError::data("cannot score an empty set (n_rows = 0)"));
        }
        let predicted = self.predict(x)?;
        let correct = predicted.iter().zip(y).filter(|(a, b)| a == b).count();
        Ok(correct as f64 / y.len() as f64)
    }

    /// The distinct training labels, ascending.
    pub fn classes(&self) -> &[usize] {
        &self.classes
    }

    /// Number of features the forest was trained on.
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// Number of trees.
    pub fn n_trees(&self) -> usize {
        self.trees.len()
    }

    /// Total number of nodes over all trees (a size measure, useful in tests and reports).
    pub fn n_nodes(&self) -> usize {
        self.trees.iter().map(Tree::n_nodes).sum()
    }

    /// The fitted trees (leaf values are class probabilities).
    pub fn trees(&self) -> &[Tree] {
        &self.trees
    }

    /// The parameters the forest was fitted with.
    pub fn params(&self) -> &ForestParams {
        &self.params
    }
}
