//! The red-wine quality data (via `linfa-datasets`) and the seed study's trial function.
//!
//! [`wine_forest`] loads the data, shuffles the rows with the trial's seed, holds out 20 %
//! for testing, fits a [`RandomForest`] on the rest and reports train and test accuracy.
//! Loading takes a few milliseconds and is done on every call; nothing is cached globally.

use crate::DemoError;
use ablate_forest::{Features, ForestParams, RandomForest};
use ablate_forest::rng::{Rng, splitmix64};

/// The red-wine quality data set: 1,599 wines, 11 physico-chemical features, and a quality
/// grade from 3 to 8 (an integer class label), as shipped by `linfa-datasets`.
#[derive(Debug, Clone, PartialEq)]
pub struct WineData {
    /// Row-major `n_rows × n_features` feature matrix.
    pub features: Vec<f64>,
    /// Quality grade of every row.
    pub labels: Vec<usize>,
    /// Number of rows (wines).
    pub n_rows: usize,
    /// Number of features (11).
    pub n_features: usize,
    /// Feature names, e.g. `"alcohol"`.
    pub feature_names: Vec<String>,
}

impl WineData {
    /// Loads the data from the copy compiled into `linfa-datasets` (no files, no network).
    pub fn load() -> WineData {
        let dataset = linfa_datasets::winequality();
        let records = dataset.records();
        let (n_rows, n_features) = records.dim();
        WineData {
            // `iter()` walks the logical (row-major) order whatever the memory layout.
            features: records.iter().copied().collect(),
            labels: dataset.targets().iter().copied().collect(),
            n_rows,
            n_features,
            feature_names: dataset.feature_names().to_vec(),
        }
    }

    /// A row-major view of the features, ready for [`RandomForest::fit`]. Fails only if the
    /// public fields were edited into an inconsistent shape.
    pub fn features(&self) -> Result<Features<'_>, DemoError> {
        Features::row_major(&self.features, self.n_rows, self.n_features)
    }

    /// A new data set holding the given rows, in that order. Fails on an out-of-range row.
    pub fn select(&self, rows: &[usize]) -> Result<WineData, DemoError> {
        let p = self.n_features;
        let mut features = Vec::with_capacity(rows.len() * p);
        let mut labels = Vec::with_capacity(rows.len());
        if self.n_rows.checked_mul(p) != Some(self.features.len())
            || self.labels.len() != self.n_rows
        {
            return Err(DemoError::data(
                "WineData's fields disagree on its shape; rebuild it with WineData::load",
            ));
        }
        for &r in rows {
            if r >= self.n_rows {
                return Err(DemoError::data(format!(
                    "row {r} does not exist; the data has {} rows",
                    self.n_rows
                )));
            }
            features.extend_from_slice(&self.features[r * p..(r + 1) * p]);
            labels.push(self.labels[r]);
        }
        Ok(WineData {
            features,
            labels,
            n_rows: rows.len(),
            n_features: p,
            feature_names: self.feature_names.clone(),
        })
    }
}

/// Row indices of a train/test split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// Training rows.
    pub train: Vec<usize>,
    /// Held-out test rows.
    pub test: Vec<usize>,
}

/// Shuffles `0..n_rows` with `seed` and holds out `ceil(test_fraction · n_rows)` rows for
/// testing (as scikit-learn's `train_test_split` sizes it). Both parts must be non-empty.
pub fn train_test_split(n_rows: usize, test_fraction: f64, seed: u64) -> Result<Split, DemoError> {
    if !(test_fraction > 0.0 && test_fraction < 1.0) {
        return Err(DemoError::param(
            "test_fraction",
            test_fraction,
            "a fraction strictly between 0 and 1 (e.g. 0.2)",
        ));
    }
    let n_test = (test_fraction * n_rows as f64).ceil() as usize;
    if n_test == 0 || n_test >= n_rows {
        return Err(DemoError::data(format!(
            "{n_rows} rows cannot be split with test_fraction = {test_fraction}: both the training and \
             the test part need at least one row"
        )));
    }
    let mut rows: Vec<usize> = (0..n_rows).collect();
    Rng::new(seed).shuffle(&mut rows);
    let train = rows.split_off(n_test);
    Ok(Split { train, test: rows })
}

/// Accuracy of a fitted forest on its training and test rows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ForestScores {
    /// Fraction of held-out rows classified correctly.
    pub test_accuracy: f64,
    /// Fraction of training rows classified correctly (near 1 for trees grown to purity).
    pub train_accuracy: f64,
}

/// Stream constant that separates the forest's seed from the split's.
const FOREST_STREAM: u64 = 0x464f_5245_5354; // "FOREST"

/// The seed study's trial: a random forest of `n_estimators` trees considering
/// `feature_fraction` of the 11 features at each split, on an 80/20 split of the red-wine
/// data shuffled with `seed` (the forest's own seed is derived from it too).
///
/// Scikit-learn's default `max_features = "sqrt"` corresponds to a fraction of 0.3 here
/// (3 of 11 features). Fails when `n_estimators < 1` or `feature_fraction` is not in (0, 1].
pub fn wine_forest(
    n_estimators: i64,
    feature_fraction: f64,
    seed: u64,
) -> Result<ForestScores, DemoError> {
    let n_estimators = usize::try_from(n_estimators)
        .ok()
        .filter(|&n| n > 0)
        .ok_or_else(|| DemoError::param("n_estimators", n_estimators, "at least 1 tree"))?;
    let params = ForestParams::new(n_estimators)
        .feature_fraction(feature_fraction)
        .seed(splitmix64(seed ^ FOREST_STREAM));
    params.features_per_split(11)?; // reject bad parameters before loading anything
    wine_forest_with(&WineData::load(), &params, 0.2, seed)
}

/// Like [`wine_forest`] with every knob exposed: any data (e.g. a loaded [`WineData`] reused
/// across trials), any [`ForestParams`] (whose seed drives the forest), the held-out fraction,
/// and the seed of the split.
pub fn wine_forest_with(
    data: &WineData,
    params: &ForestParams,
    test_fraction: f64,
    split_seed: u64,
) -> Result<ForestScores, DemoError> {
    let split = train_test_split(data.n_rows, test_fraction, split_seed)?;
    let train = data.select(&split.train)?;
    let test = data.select(&split.test)?;
    let forest = RandomForest::fit(train.features()?, &train.labels, params)?;
    Ok(ForestScores {
        test_accuracy: forest.accuracy(test.features()?, &test.labels)?,
        train_accuracy: forest.accuracy(train.features()?, &train.labels)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_loads_with_its_known_shape() {
        let data = WineData::load();
        assert_eq!((data.n_rows, data.n_features), (1599, 11));
        assert_eq!(data.features.len(), 1599 * 11);
        assert_eq!(data.feature_names[10], "alcohol");
        assert!(data.labels.iter().all(|&q| (3..=8).contains(&q)));
        // First row of winequality-red.csv: 7.4, 0.7, 0, 1.9, ... quality 5.
        assert_eq!(&data.features[..4], &[7.4, 0.7, 0.0, 1.9]);
        assert_eq!(data.labels[0], 5);
        assert!(data.select(&[1599]).is_err());
        assert_eq!(
            data.select(&[1, 0]).unwrap().labels,
            vec![data.labels[1], data.labels[0]]
        );
    }

    #[test]
    fn split_is_a_seeded_partition() {
        let s = train_test_split(1599, 0.2, 3).unwrap();
        assert_eq!((s.train.len(), s.test.len()), (1279, 320));
        let mut all: Vec<usize> = s.train.iter().chain(&s.test).copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..1599).collect::<Vec<_>>());
        assert_eq!(s, train_test_split(1599, 0.2, 3).unwrap());
        assert_ne!(s.test, train_test_split(1599, 0.2, 4).unwrap().test);
        assert!(train_test_split(1599, 0.0, 3).is_err());
        assert!(train_test_split(1599, 1.0, 3).is_err());
        assert!(train_test_split(1, 0.5, 3).is_err());
        assert!(train_test_split(0, 0.5, 3).is_err());
    }

    #[test]
    fn wine_forest_is_accurate_and_deterministic() {
        let a = wine_forest(50, 0.3, 1).unwrap();
        // scikit-learn reaches ~0.70 on such splits; a broken forest falls to ~0.43 (always
        // predicting grade 5) or worse.
        assert!(a.test_accuracy > 0.6 && a.test_accuracy < 0.85, "{a:?}");
        assert!(a.train_accuracy > 0.99, "{a:?}");
        assert_eq!(a, wine_forest(50, 0.3, 1).unwrap());
        let b = wine_forest(50, 0.3, 2).unwrap();
        assert_ne!(a.test_accuracy, b.test_accuracy);
    }

    #[test]
    fn wine_forest_rejects_bad_parameters() {
        for n in [0, -3] {
            let msg = wine_forest(n, 0.3, 1).unwrap_err().to_string();
            assert!(
                msg.contains("n_estimators") && msg.contains("at least 1"),
                "{msg}"
            );
        }
        for f in [0.0, 1.01, -1.0, f64::NAN] {
            assert!(
                wine_forest(10, f, 1)
                    .unwrap_err()
                    .to_string()
                    .contains("feature_fraction")
            );
        }
        let params = ForestParams::new(5);
        assert!(
            wine_forest_with(&WineData::load(), &params, 1.5, 1)
                .unwrap_err()
                .to_string()
                .contains("test_fraction")
        );
    }
}
