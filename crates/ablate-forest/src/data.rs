//! The feature matrix a forest is fitted on: a borrowed, shape-checked view, the kind of each
//! feature, and the dense per-feature ranks the trees are grown from.

use super::ForestError;

/// How a flat `&[f64]` feature matrix is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Row after row: element `(row, feature)` is at `row * n_features + feature`.
    RowMajor,
    /// Column after column: element `(row, feature)` is at `feature * n_rows + row`.
    ColumnMajor,
}

/// What a feature's values mean to a split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeatureKind {
    /// Ordered numbers: a split sends `x <= threshold` left.
    Numeric,
    /// Category codes `0, 1, …, n_categories - 1` (at most [`MAX_CATEGORIES`]): a split sends
    /// a subset of the categories left, the best one found by ordering the node's categories
    /// by their mean target (Breiman's rule, exact for regression and two classes).
    Categorical {
        /// How many categories the feature has (codes must be below it).
        n_categories: u32,
    },
}

/// The largest number of categories of a [`FeatureKind::Categorical`] feature (a split keeps
/// its left-going categories in one 64-bit mask).
pub const MAX_CATEGORIES: u32 = 64;

/// A borrowed, shape-checked view of a feature matrix stored in a flat `&[f64]`.
#[derive(Debug, Clone, Copy)]
pub struct Features<'a> {
    pub(super) data: &'a [f64],
    n_rows: usize,
    n_features: usize,
    pub(super) layout: Layout,
}

impl<'a> Features<'a> {
    /// Wraps `data` as an `n_rows × n_features` matrix in the given layout.
    ///
    /// Fails when `data.len() != n_rows * n_features`.
    pub fn new(data: &'a [f64], n_rows: usize, n_features: usize, layout: Layout) -> Result<Self, ForestError> {
        match n_rows.checked_mul(n_features) {
            Some(len) if len == data.len() => Ok(Features { data, n_rows, n_features, layout }),
            _ => Err(ForestError::data(format!(
                "the feature slice has {} values but n_rows × n_features = {n_rows} × {n_features}; \
                 pass the matrix's real shape",
                data.len()
            ))),
        }
    }

    /// Wraps a row-major matrix (row after row).
    pub fn row_major(data: &'a [f64], n_rows: usize, n_features: usize) -> Result<Self, ForestError> {
        Self::new(data, n_rows, n_features, Layout::RowMajor)
    }

    /// Wraps a column-major matrix (feature after feature).
    pub fn column_major(data: &'a [f64], n_rows: usize, n_features: usize) -> Result<Self, ForestError> {
        Self::new(data, n_rows, n_features, Layout::ColumnMajor)
    }

    /// Number of rows (samples).
    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    /// Number of features (columns).
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// The memory layout.
    pub fn layout(&self) -> Layout {
        self.layout
    }

    /// The value of `feature` in `row`. Panics if either is out of range.
    #[inline]
    pub fn get(&self, row: usize, feature: usize) -> f64 {
        assert!(row < self.n_rows && feature < self.n_features, "index out of range");
        match self.layout {
            Layout::RowMajor => self.data[row * self.n_features + feature],
            Layout::ColumnMajor => self.data[feature * self.n_rows + row],
        }
    }

    /// The matrix row-major (borrowed when it already is).
    pub fn rows(&self) -> std::borrow::Cow<'a, [f64]> {
        match self.layout {
            Layout::RowMajor => std::borrow::Cow::Borrowed(self.data),
            Layout::ColumnMajor => {
                let p = self.n_features;
                std::borrow::Cow::Owned((0..self.n_rows * p).map(|i| self.get(i / p, i % p)).collect())
            }
        }
    }

    /// Checks that the matrix has the features a forest was trained on, with finite values.
    pub(super) fn check_input(&self, n_features: usize) -> Result<(), ForestError> {
        if self.n_features != n_features {
            return Err(ForestError::data(format!(
                "the forest was trained on {n_features} features but got {}; pass the same columns as in fit",
                self.n_features
            )));
        }
        self.check_finite()
    }

    pub(super) fn check_finite(&self) -> Result<(), ForestError> {
        match self.data.iter().position(|v| !v.is_finite()) {
            None => Ok(()),
            Some(i) => {
                let (row, feature) = match self.layout {
                    Layout::RowMajor => (i / self.n_features, i % self.n_features),
                    Layout::ColumnMajor => (i % self.n_rows, i / self.n_rows),
                };
                Err(ForestError::data(format!(
                    "feature {feature} of row {row} is {}; the forest needs finite values \
                     (impute or drop missing values first)",
                    self.data[i]
                )))
            }
        }
    }

    /// Checks that every categorical feature holds whole codes below its category count.
    pub(super) fn check_kinds(&self, kinds: &[FeatureKind]) -> Result<(), ForestError> {
        if kinds.len() != self.n_features {
            return Err(ForestError::data(format!(
                "{} feature kinds for {} features; give one kind per column",
                kinds.len(),
                self.n_features
            )));
        }
        for (f, kind) in kinds.iter().enumerate() {
            let FeatureKind::Categorical { n_categories } = *kind else { continue };
            if n_categories == 0 || n_categories > MAX_CATEGORIES {
                return Err(ForestError::data(format!(
                    "feature {f} has {n_categories} categories; a categorical feature needs 1 to {MAX_CATEGORIES}"
                )));
            }
            for row in 0..self.n_rows {
                let v = self.get(row, f);
                if v < 0.0 || v >= n_categories as f64 || v.fract() != 0.0 {
                    return Err(ForestError::data(format!(
                        "feature {f} of row {row} is {v}, not a category code 0..{n_categories}; \
                         encode categories as whole numbers below their count"
                    )));
                }
            }
        }
        Ok(())
    }
}

/// The features in the form trees are grown from: the dense rank of every value among its
/// feature's distinct values, column-major, and those distinct values.
pub(super) struct Ranked {
    /// Dense rank of every value among its feature's distinct values, column-major.
    pub ranks: Vec<u32>,
    /// The distinct values of every feature, ascending.
    pub values: Vec<Vec<f64>>,
    pub n: usize,
    pub p: usize,
}

impl Ranked {
    /// Ranks `x` after checking its size and values.
    pub fn new(x: Features<'_>, kinds: &[FeatureKind], n_targets: usize) -> Result<Self, ForestError> {
        let (n, p) = (x.n_rows(), x.n_features());
        if n == 0 {
            return Err(ForestError::data("the training set is empty (n_rows = 0)"));
        }
        if p == 0 {
            return Err(ForestError::data("the feature matrix has no features (n_features = 0)"));
        }
        if n > i32::MAX as usize || p > i32::MAX as usize {
            return Err(ForestError::data(format!(
                "{n} rows × {p} features is too large for this forest (limit 2^31 - 1 each)"
            )));
        }
        if n_targets != n {
            return Err(ForestError::data(format!("{n_targets} targets (labels or values) for {n} rows; pass one per row")));
        }
        x.check_finite()?;
        x.check_kinds(kinds)?;

        let mut ranks = vec![0u32; n * p];
        let mut values: Vec<Vec<f64>> = Vec::with_capacity(p);
        let mut order: Vec<(f64, u32)> = Vec::with_capacity(n);
        for f in 0..p {
            order.clear();
            order.extend((0..n).map(|r| (x.get(r, f), r as u32)));
            order.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
            let mut distinct = Vec::new();
            let col = &mut ranks[f * n..(f + 1) * n];
            for &(v, r) in &order {
                // `!=` rather than bitwise: -0.0 and 0.0 share a rank, as they compare equal.
                if distinct.last().is_none_or(|&last: &f64| v != last) {
                    distinct.push(v);
                }
                col[r as usize] = (distinct.len() - 1) as u32;
            }
            values.push(distinct);
        }
        Ok(Ranked { ranks, values, n, p })
    }
}
