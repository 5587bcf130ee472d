//! Random forests in plain Rust: a classifier built like scikit-learn's
//! `RandomForestClassifier` and a regressor built like its `RandomForestRegressor`, both with
//! categorical splits, seeded and parallel over trees. The regressor is the surrogate model of
//! the importance analysis (`ablate::importance`): its trees partition the parameter space
//! into boxes, which is what fANOVA decomposes.
//!
//! Each tree is grown on a bootstrap sample of the training rows (drawn with replacement; a
//! row drawn k times carries weight k), choosing at every node the split with the largest
//! decrease in impurity (weighted Gini for classes, squared error for values) over a fresh
//! random subset of the features ([`MaxFeatures`]). A numeric feature splits at a threshold
//! halfway between two training values; a categorical one ([`FeatureKind::Categorical`])
//! sends a subset of its categories left, the best subset found by ordering the node's
//! categories by their mean target. Trees grow until their leaves are pure, unless
//! [`ForestParams::max_depth`] or [`ForestParams::min_samples_leaf`] stop them earlier.
//!
//! Speed: the features are converted once per fit into dense per-feature ranks stored
//! column-major, so each node sorts packed integer keys of only the rows it holds and sweeps
//! them once per candidate feature; buffers are reused from node to node and tree to tree.
//! Trees are grown in parallel (rayon), each from its own seed drawn in order from
//! [`ForestParams::seed`], so a fit is fully determined by its seed, whatever the number of
//! threads.
//!
//! ```
//! use ablate_forest::{Features, FeatureKind, ForestParams, RegressionForest};
//! // y = 2·x0 + (x1 == category 2), on a small grid
//! let (mut x, mut y) = (Vec::new(), Vec::new());
//! for i in 0..60 {
//!     let (a, c) = ((i % 10) as f64 / 10.0, (i / 10 % 3) as f64);
//!     x.extend([a, c]);
//!     y.push(2.0 * a + if c == 2.0 { 1.0 } else { 0.0 });
//! }
//! let kinds = [FeatureKind::Numeric, FeatureKind::Categorical { n_categories: 3 }];
//! let features = Features::row_major(&x, 60, 2)?;
//! let forest = RegressionForest::fit(features, &kinds, &y, &ForestParams::regression(32).seed(1))?;
//! let predicted = forest.predict(features)?;
//! assert!((predicted[5] - y[5]).abs() < 0.2);
//! # Ok::<(), ablate_forest::ForestError>(())
//! ```

/// ablate's seeded generator (from `ablate-stats`), which every forest draws from.
pub use ablate_stats::rng;

mod classifier;
mod data;
mod grow;
mod params;
mod regressor;
mod target;
mod tree;

use std::fmt;

pub use classifier::RandomForest;
pub use data::{FeatureKind, Features, Layout, MAX_CATEGORIES};
pub use params::{ForestParams, MaxFeatures};
pub use regressor::RegressionForest;
pub use tree::{Split, Tree, TreeNode};

/// What is wrong with a forest's parameters or data, with a message that says how to fix it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ForestError {
    /// A parameter is outside its valid range.
    InvalidParameter {
        /// The parameter's name, as the user spells it (e.g. `n_estimators`).
        name: &'static str,
        /// The rejected value, formatted.
        value: String,
        /// What would have been accepted.
        expected: &'static str,
    },
    /// The data cannot be used as given (empty, wrong shape, non-finite values, ...).
    InvalidData(String),
}

impl ForestError {
    /// A [`ForestError::InvalidParameter`].
    pub fn param(name: &'static str, value: impl fmt::Display, expected: &'static str) -> Self {
        ForestError::InvalidParameter { name, value: value.to_string(), expected }
    }

    /// An [`ForestError::InvalidData`].
    pub fn data(message: impl Into<String>) -> Self {
        ForestError::InvalidData(message.into())
    }
}

impl fmt::Display for ForestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ForestError::InvalidParameter { name, value, expected } => {
                write!(f, "invalid {name} = {value}: expected {expected}")
            }
            ForestError::InvalidData(message) => write!(f, "invalid data: {message}"),
        }
    }
}

impl std::error::Error for ForestError {}

#[cfg(test)]
mod tests;
