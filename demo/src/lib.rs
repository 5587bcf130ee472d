//! `ablate-demo`: real, small trial functions for ablate's notebooks, teaching and
//! benchmarks, kept out of the `ablate` crate so a notebook that trains its own model does
//! not compile them (`:dep ablate-demo = { path = "../demo" }` where a tutorial needs them).
//!
//! The centrepiece is [`wine_forest`]: a random-forest classifier trained on the red-wine
//! quality data that `linfa-datasets` ships (1,599 wines, 11 physico-chemical features,
//! quality grades 3–8), with a fresh 80/20 train/test split per seed. It is the trial
//! function of ablate's seed study (`n_estimators` ∈ {50, 100, 200, 300} × 5 seeds):
//!
//! ```no_run
//! let scores = ablate_demo::wine_forest(100, 0.3, 7)?;
//! println!("test accuracy {:.3}", scores.test_accuracy);
//! # Ok::<(), ablate_demo::DemoError>(())
//! ```
//!
//! The forest itself ([`RandomForest`], from `ablate::forest`, where it also serves as the
//! importance analysis's surrogate) is written in plain Rust and follows
//! scikit-learn's `RandomForestClassifier` defaults: bootstrap samples, Gini impurity, the
//! best split over a fresh random subset of features at every node (`sqrt(p)` by default),
//! trees grown to purity, prediction by averaging the leaves' class probabilities. On this
//! data it matches scikit-learn's accuracy (~0.70) in less time; `benches/sklearn_wine.py`
//! runs the scikit-learn side of that comparison.
//! All randomness comes from [`ablate_forest::rng::Rng`], so a seed gives the same forest on every
//! platform. Nothing is cached in global state: every call loads what it needs, which keeps
//! the functions usable from evcxr, where globals do not survive between cells.

#![warn(missing_docs)]

pub mod mlp;
pub mod wine;

pub use mlp::{EpochScores, MlpConfig, MlpScores, wine_mlp, wine_mlp_with};
/// What went wrong in a demo model or data set, with a message that says how to fix it (the
/// error type of ablate's forests, shared by every demo model).
pub use ablate_forest::ForestError as DemoError;
pub use ablate_forest::{Features, ForestParams, Layout, MaxFeatures, RandomForest};
pub use wine::{ForestScores, Split, WineData, train_test_split, wine_forest, wine_forest_with};
