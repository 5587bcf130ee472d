//! A forest's hyperparameters.

use super::ForestError;

/// How many features each split considers (drawn afresh at every node).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MaxFeatures {
    /// `max(1, floor(sqrt(p)))` (scikit-learn's default for classification).
    Sqrt,
    /// `max(1, floor(fraction · p))`, with the fraction in (0, 1] (scikit-learn's float
    /// `max_features`).
    Fraction(f64),
    /// Exactly this many features, between 1 and p.
    Count(usize),
    /// All p features (bagged trees without feature sampling).
    All,
}

/// The forest's hyperparameters. [`Default`] gives scikit-learn's classifier defaults with
/// seed 0; [`ForestParams::regression`] its regressor defaults (all features per split).
#[derive(Debug, Clone, PartialEq)]
pub struct ForestParams {
    /// Number of trees, at least 1.
    pub n_estimators: usize,
    /// Features considered per split.
    pub max_features: MaxFeatures,
    /// Minimum number of distinct training rows in a leaf, at least 1.
    pub min_samples_leaf: usize,
    /// Maximum depth (the root has depth 0); `None` grows trees to purity.
    pub max_depth: Option<usize>,
    /// Draw a bootstrap sample per tree (`true`, the default) or grow every tree on all rows.
    pub bootstrap: bool,
    /// Seed of every random choice in the fit.
    pub seed: u64,
}

impl Default for ForestParams {
    fn default() -> Self {
        ForestParams {
            n_estimators: 100,
            max_features: MaxFeatures::Sqrt,
            min_samples_leaf: 1,
            max_depth: None,
            bootstrap: true,
            seed: 0,
        }
    }
}

impl ForestParams {
    /// Classifier defaults with `n_estimators` trees.
    pub fn new(n_estimators: usize) -> Self {
        ForestParams {
            n_estimators,
            ..Self::default()
        }
    }

    /// Regressor defaults with `n_estimators` trees: every feature considered at every split
    /// (scikit-learn's `RandomForestRegressor`, whose `max_features` defaults to 1.0).
    pub fn regression(n_estimators: usize) -> Self {
        ForestParams::new(n_estimators).max_features(MaxFeatures::All)
    }

    /// Consider `max(1, floor(fraction · p))` features per split; `fraction` in (0, 1].
    pub fn feature_fraction(mut self, fraction: f64) -> Self {
        self.max_features = MaxFeatures::Fraction(fraction);
        self
    }

    /// Sets [`ForestParams::max_features`].
    pub fn max_features(mut self, max_features: MaxFeatures) -> Self {
        self.max_features = max_features;
        self
    }

    /// Sets [`ForestParams::min_samples_leaf`].
    pub fn min_samples_leaf(mut self, min_samples_leaf: usize) -> Self {
        self.min_samples_leaf = min_samples_leaf;
        self
    }

    /// Sets [`ForestParams::max_depth`].
    pub fn max_depth(mut self, max_depth: Option<usize>) -> Self {
        self.max_depth = max_depth;
        self
    }

    /// Sets [`ForestParams::bootstrap`].
    pub fn bootstrap(mut self, bootstrap: bool) -> Self {
        self.bootstrap = bootstrap;
        self
    }

    /// Sets [`ForestParams::seed`].
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Checks the parameters and returns the number of features per split for `p` features.
    pub fn features_per_split(&self, p: usize) -> Result<usize, ForestError> {
        if self.n_estimators == 0 {
            return Err(ForestError::param("n_estimators", 0, "at least 1 tree"));
        }
        if self.min_samples_leaf == 0 {
            return Err(ForestError::param(
                "min_samples_leaf",
                0,
                "at least 1 row per leaf",
            ));
        }
        if p == 0 {
            return Err(ForestError::data(
                "the feature matrix has no features (n_features = 0)",
            ));
        }
        let k = match self.max_features {
            MaxFeatures::Sqrt => ((p as f64).sqrt().floor() as usize).max(1),
            MaxFeatures::Fraction(f) => {
                if !(f > 0.0 && f <= 1.0) {
                    return Err(ForestError::param(
                        "feature_fraction",
                        f,
                        "a fraction in (0, 1] of the features to consider per split (e.g. 0.3)",
                    ));
                }
                ((f * p as f64).floor() as usize).clamp(1, p)
            }
            MaxFeatures::Count(k) => {
                if k == 0 || k > p {
                    return Err(ForestError::InvalidParameter {
                        name: "max_features",
                        value: k.to_string(),
                        expected: "a count between 1 and the number of features",
                    });
                }
                k
            }
            MaxFeatures::All => p,
        };
        Ok(k)
    }
}
