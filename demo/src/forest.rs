//! A random-forest classifier in plain Rust, built like scikit-learn's
//! `RandomForestClassifier` with its default settings.
//!
//! Each tree is grown on a bootstrap sample of the training rows (drawn with replacement;
//! a row drawn k times carries weight k), choosing at every node the split with the largest
//! decrease in weighted Gini impurity over a fresh random subset of the features
//! ([`MaxFeatures`], `sqrt(p)` by default). Trees are grown until their leaves are pure,
//! unless [`ForestParams::max_depth`] or [`ForestParams::min_samples_leaf`] stop them earlier.
//! A forest predicts the class with the largest average leaf probability over its trees.
//!
//! Speed: the features are converted once per fit into dense per-feature ranks stored
//! column-major, so each node sorts packed integer keys of only the rows it holds and sweeps
//! them once per candidate feature; all buffers are reused from node to node and tree to tree,
//! and nothing is allocated per candidate split. A fit is single-threaded: run studies in
//! parallel across trials instead. A fit is fully determined by its [`ForestParams::seed`].

use crate::DemoError;
use ablate::rng::Rng;

/// How a flat `&[f64]` feature matrix is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Row after row: element `(row, feature)` is at `row * n_features + feature`.
    RowMajor,
    /// Column after column: element `(row, feature)` is at `feature * n_rows + row`.
    ColumnMajor,
}

/// A borrowed, shape-checked view of a feature matrix stored in a flat `&[f64]`.
#[derive(Debug, Clone, Copy)]
pub struct Features<'a> {
    data: &'a [f64],
    n_rows: usize,
    n_features: usize,
    layout: Layout,
}

impl<'a> Features<'a> {
    /// Wraps `data` as an `n_rows × n_features` matrix in the given layout.
    ///
    /// Fails when `data.len() != n_rows * n_features`.
    pub fn new(
        data: &'a [f64],
        n_rows: usize,
        n_features: usize,
        layout: Layout,
    ) -> Result<Self, DemoError> {
        match n_rows.checked_mul(n_features) {
            Some(len) if len == data.len() => Ok(Features {
                data,
                n_rows,
                n_features,
                layout,
            }),
            _ => Err(DemoError::data(format!(
                "the feature slice has {} values but n_rows × n_features = {n_rows} × {n_features}; \
                 pass the matrix's real shape",
                data.len()
            ))),
        }
    }

    /// Wraps a row-major matrix (row after row).
    pub fn row_major(data: &'a [f64], n_rows: usize, n_features: usize) -> Result<Self, DemoError> {
        Self::new(data, n_rows, n_features, Layout::RowMajor)
    }

    /// Wraps a column-major matrix (feature after feature).
    pub fn column_major(
        data: &'a [f64],
        n_rows: usize,
        n_features: usize,
    ) -> Result<Self, DemoError> {
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
        assert!(
            row < self.n_rows && feature < self.n_features,
            "index out of range"
        );
        match self.layout {
            Layout::RowMajor => self.data[row * self.n_features + feature],
            Layout::ColumnMajor => self.data[feature * self.n_rows + row],
        }
    }

    fn check_finite(&self) -> Result<(), DemoError> {
        match self.data.iter().position(|v| !v.is_finite()) {
            None => Ok(()),
            Some(i) => {
                let (row, feature) = match self.layout {
                    Layout::RowMajor => (i / self.n_features, i % self.n_features),
                    Layout::ColumnMajor => (i % self.n_rows, i / self.n_rows),
                };
                Err(DemoError::data(format!(
                    "feature {feature} of row {row} is {}; the forest needs finite values \
                     (impute or drop missing values first)",
                    self.data[i]
                )))
            }
        }
    }
}

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

/// The forest's hyperparameters. [`Default`] gives scikit-learn's defaults with seed 0.
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
    /// Defaults with `n_estimators` trees.
    pub fn new(n_estimators: usize) -> Self {
        ForestParams {
            n_estimators,
            ..Self::default()
        }
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
    pub fn features_per_split(&self, p: usize) -> Result<usize, DemoError> {
        if self.n_estimators == 0 {
            return Err(DemoError::param("n_estimators", 0, "at least 1 tree"));
        }
        if self.min_samples_leaf == 0 {
            return Err(DemoError::param(
                "min_samples_leaf",
                0,
                "at least 1 row per leaf",
            ));
        }
        if p == 0 {
            return Err(DemoError::data(
                "the feature matrix has no features (n_features = 0)",
            ));
        }
        let k = match self.max_features {
            MaxFeatures::Sqrt => ((p as f64).sqrt().floor() as usize).max(1),
            MaxFeatures::Fraction(f) => {
                if !(f > 0.0 && f <= 1.0) {
                    return Err(DemoError::param(
                        "feature_fraction",
                        f,
                        "a fraction in (0, 1] of the features to consider per split (e.g. 0.3)",
                    ));
                }
                ((f * p as f64).floor() as usize).clamp(1, p)
            }
            MaxFeatures::Count(k) => {
                if k == 0 || k > p {
                    return Err(DemoError::InvalidParameter {
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

/// "No node" in the builder's parent links.
const NONE: u32 = u32::MAX;

/// Rows that descend a tree together in [`Tree::add_probs`].
const LANES: usize = 16;

/// One node of a flattened tree, stored in depth-first order so that an internal node's left
/// child is the next node. Rows with `x[feature] <= threshold` go left, the others to
/// `right`. A leaf has a NaN threshold and `right` pointing to itself, so a row that reached
/// it stays there whatever further steps it takes: prediction can then descend every row for
/// up to the tree's depth, without a data-dependent branch.
#[derive(Debug, Clone, Copy)]
struct Node {
    threshold: f64,
    feature: u32,
    right: u32,
}

#[derive(Debug, Clone)]
struct Tree {
    nodes: Vec<Node>,
    /// For every node, the index of its leaf in `leaf_probs` (unused for internal nodes).
    leaf_slot: Vec<u32>,
    /// Class probabilities of the leaves, `n_classes` per leaf.
    leaf_probs: Vec<f64>,
    /// Depth of the deepest leaf (the root has depth 0).
    depth: usize,
}

impl Tree {
    /// Adds this tree's leaf probabilities for every row of the row-major matrix `rows`
    /// (`p` features a row) to `out` (`k` classes a row). Rows descend in groups of
    /// [`LANES`], with branch-free steps, so that their memory accesses overlap.
    fn add_probs(&self, rows: &[f64], p: usize, out: &mut [f64], k: usize) {
        let nodes = &self.nodes[..];
        let mut row_groups = rows.chunks(LANES * p);
        for out_group in out.chunks_mut(LANES * k) {
            let Some(group) = row_groups.next() else {
                break;
            };
            let lanes = out_group.len() / k;
            let mut at = [0usize; LANES];
            for step in 0..self.depth {
                for (j, i) in at.iter_mut().enumerate().take(lanes) {
                    let node = nodes[*i];
                    let x = group[j * p + node.feature as usize];
                    *i = if x <= node.threshold {
                        *i + 1
                    } else {
                        node.right as usize
                    };
                }
                // Now and then, stop early once every row has reached its leaf.
                if step % 8 == 7 && at[..lanes].iter().all(|&i| nodes[i].threshold.is_nan()) {
                    break;
                }
            }
            for (j, acc) in out_group.chunks_exact_mut(k).enumerate() {
                let leaf = self.leaf_slot[at[j]] as usize;
                for (a, q) in acc
                    .iter_mut()
                    .zip(&self.leaf_probs[leaf * k..(leaf + 1) * k])
                {
                    *a += q;
                }
            }
        }
    }
}

/// A fitted random-forest classifier. See the module docs for the algorithm.
#[derive(Debug, Clone)]
pub struct RandomForest {
    trees: Vec<Tree>,
    classes: Vec<usize>,
    n_features: usize,
    params: ForestParams,
}

impl RandomForest {
    /// Fits a forest on `x` (any [`Layout`]) with one class label per row in `y`.
    ///
    /// Labels may be any `usize` values (e.g. wine quality grades 3–8); predictions return
    /// them unchanged. Fails on invalid parameters, an empty matrix, a label count that does
    /// not match the rows, or non-finite features.
    pub fn fit(x: Features<'_>, y: &[usize], params: &ForestParams) -> Result<Self, DemoError> {
        let mtry = params.features_per_split(x.n_features())?;
        let prepared = Prepared::new(x, y)?;
        let mut builder = prepared.builder(mtry, params.min_samples_leaf, params.max_depth);
        let mut master = Rng::new(params.seed);
        let trees = (0..params.n_estimators)
            .map(|_| {
                let mut rng = Rng::new(master.next_u64());
                builder.draw_weights(&mut rng, params.bootstrap);
                builder.grow(&mut rng)
            })
            .collect();
        let p = x.n_features();
        let classes = prepared.classes;
        Ok(RandomForest {
            trees,
            classes,
            n_features: p,
            params: params.clone(),
        })
    }

    /// Average class probabilities, row-major `n_rows × n_classes` (columns in the order of
    /// [`RandomForest::classes`]).
    pub fn predict_proba(&self, x: Features<'_>) -> Result<Vec<f64>, DemoError> {
        self.check_input(&x)?;
        let k = self.classes.len();
        let p = self.n_features;
        let transposed;
        let rows: &[f64] = match x.layout {
            Layout::RowMajor => x.data,
            Layout::ColumnMajor => {
                transposed = (0..x.n_rows * p)
                    .map(|i| x.get(i / p, i % p))
                    .collect::<Vec<f64>>();
                &transposed
            }
        };
        let mut out = vec![0.0; x.n_rows() * k];
        if p == 0 {
            return Ok(out); // unreachable: fit rejects p = 0
        }
        // Tree by tree, so that each tree's nodes stay in cache while all rows pass through.
        for tree in &self.trees {
            tree.add_probs(rows, p, &mut out, k);
        }
        let scale = 1.0 / self.trees.len() as f64;
        out.iter_mut().for_each(|a| *a *= scale);
        Ok(out)
    }

    /// The predicted label of every row: the class with the highest average probability
    /// (ties go to the smallest label).
    pub fn predict(&self, x: Features<'_>) -> Result<Vec<usize>, DemoError> {
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
    pub fn accuracy(&self, x: Features<'_>, y: &[usize]) -> Result<f64, DemoError> {
        if y.len() != x.n_rows() {
            return Err(DemoError::data(format!(
                "{} labels for {} rows; pass one label per row",
                y.len(),
                x.n_rows()
            )));
        }
        if y.is_empty() {
            return Err(DemoError::data("cannot score an empty set (n_rows = 0)"));
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
        self.trees.iter().map(|t| t.nodes.len()).sum()
    }

    /// The parameters the forest was fitted with.
    pub fn params(&self) -> &ForestParams {
        &self.params
    }

    fn check_input(&self, x: &Features<'_>) -> Result<(), DemoError> {
        if x.n_features() != self.n_features {
            return Err(DemoError::data(format!(
                "the forest was trained on {} features but got {}; pass the same columns as in fit",
                self.n_features,
                x.n_features()
            )));
        }
        x.check_finite()
    }
}

/// The training data in the form the trees are grown from.
struct Prepared {
    /// Distinct labels, ascending.
    classes: Vec<usize>,
    /// Class index (into `classes`) of every row.
    y: Vec<u32>,
    /// Dense rank of every value among its feature's distinct values, column-major.
    ranks: Vec<u32>,
    /// The distinct values of every feature, ascending.
    values: Vec<Vec<f64>>,
    n: usize,
    p: usize,
}

impl Prepared {
    fn new(x: Features<'_>, y: &[usize]) -> Result<Self, DemoError> {
        let n = x.n_rows();
        let p = x.n_features();
        if n == 0 {
            return Err(DemoError::data("the training set is empty (n_rows = 0)"));
        }
        if p == 0 {
            return Err(DemoError::data(
                "the feature matrix has no features (n_features = 0)",
            ));
        }
        if n > i32::MAX as usize || p > i32::MAX as usize {
            return Err(DemoError::data(format!(
                "{n} rows × {p} features is too large for this forest (limit 2^31 - 1 each)"
            )));
        }
        if y.len() != n {
            return Err(DemoError::data(format!(
                "{} labels for {n} rows; pass one label per row",
                y.len()
            )));
        }
        x.check_finite()?;

        let mut classes = y.to_vec();
        classes.sort_unstable();
        classes.dedup();
        let y_idx = y
            .iter()
            .map(|label| classes.binary_search(label).map_or(0, |c| c as u32))
            .collect();

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
        Ok(Prepared {
            classes,
            y: y_idx,
            ranks,
            values,
            n,
            p,
        })
    }

    fn builder(&self, mtry: usize, min_leaf: usize, max_depth: Option<usize>) -> Builder<'_> {
        let (n, k) = (self.n, self.classes.len());
        Builder {
            ranks: &self.ranks,
            values: &self.values,
            y: &self.y,
            n,
            p: self.p,
            n_classes: k,
            mtry,
            min_leaf: min_leaf.max(1),
            max_depth: max_depth.unwrap_or(usize::MAX),
            weights: vec![1; n],
            samples: Vec::with_capacity(n),
            keys: Vec::with_capacity(n),
            best_keys: Vec::with_capacity(n),
            scratch: Vec::with_capacity(n),
            bucket: Vec::new(),
            features: (0..self.p as u32).collect(),
            row_info: vec![0; n],
            node_counts: vec![0; k],
            left_counts: vec![0; k],
            right_counts: vec![0; k],
            stack: Vec::new(),
        }
    }
}

/// A node waiting to be built: rows `samples[start..end]`, and where to link it.
struct Task {
    start: usize,
    end: usize,
    depth: usize,
    /// Index of the parent when this is a right child (left children directly follow their
    /// parent); `NONE` otherwise.
    right_of: u32,
}

/// Grows trees on one training set, reusing every buffer.
struct Builder<'a> {
    ranks: &'a [u32],
    values: &'a [Vec<f64>],
    y: &'a [u32],
    n: usize,
    p: usize,
    n_classes: usize,
    mtry: usize,
    min_leaf: usize,
    max_depth: usize,
    /// Bootstrap multiplicity of every training row.
    weights: Vec<u32>,
    /// Distinct in-bag rows, partitioned node by node.
    samples: Vec<u32>,
    /// `rank << 32 | row` of the node's rows for the feature being evaluated.
    keys: Vec<u64>,
    /// The same for the best feature so far (becomes the node's partition).
    best_keys: Vec<u64>,
    /// Scratch space of the counting sort.
    scratch: Vec<u64>,
    bucket: Vec<u32>,
    features: Vec<u32>,
    /// `weight << 32 | class` of every training row, for the current tree.
    row_info: Vec<u64>,
    node_counts: Vec<i64>,
    left_counts: Vec<i64>,
    right_counts: Vec<i64>,
    stack: Vec<Task>,
}

impl Builder<'_> {
    /// Sets every row's weight for the next tree: its multiplicity in a bootstrap sample of
    /// n rows drawn with replacement, or 1 for all rows without bootstrap.
    fn draw_weights(&mut self, rng: &mut Rng, bootstrap: bool) {
        let n = self.n;
        if bootstrap {
            self.weights.fill(0);
            for _ in 0..n {
                self.weights[rng.below(n)] += 1;
            }
        } else {
            self.weights.fill(1);
        }
    }

    /// Grows one tree on the rows with non-zero weight, each counting `weight` times.
    fn grow(&mut self, rng: &mut Rng) -> Tree {
        let n = self.n;
        for ((info, &w), &c) in self.row_info.iter_mut().zip(&self.weights).zip(self.y) {
            *info = (w as u64) << 32 | c as u64;
        }
        self.samples.clear();
        self.samples
            .extend((0..n as u32).filter(|&r| self.weights[r as usize] > 0));

        let k = self.n_classes;
        let mut nodes: Vec<Node> = Vec::new();
        let mut leaf_probs: Vec<f64> = Vec::new();
        let mut leaf_slot: Vec<u32> = Vec::new();
        let mut depth = 0;
        self.stack.clear();
        self.stack.push(Task {
            start: 0,
            end: self.samples.len(),
            depth: 0,
            right_of: NONE,
        });

        while let Some(task) = self.stack.pop() {
            let id = nodes.len() as u32;
            if task.right_of != NONE {
                nodes[task.right_of as usize].right = id;
            }

            // Weighted class counts of the node.
            self.node_counts.fill(0);
            for &s in &self.samples[task.start..task.end] {
                self.node_counts[self.y[s as usize] as usize] += self.weights[s as usize] as i64;
            }
            let total: i64 = self.node_counts.iter().sum();
            let pure = self.node_counts.contains(&total);
            let m = task.end - task.start;

            let split = if pure || task.depth >= self.max_depth || m < 2 * self.min_leaf {
                None
            } else {
                self.best_split(rng, task.start, task.end, total)
            };

            match split {
                None => {
                    let leaf = (leaf_probs.len() / k.max(1)) as u32;
                    let inv = 1.0 / total as f64;
                    leaf_probs.extend(self.node_counts.iter().map(|&c| c as f64 * inv));
                    nodes.push(Node {
                        threshold: f64::NAN,
                        feature: 0,
                        right: id,
                    });
                    leaf_slot.push(leaf);
                    depth = depth.max(task.depth);
                }
                Some((feature, threshold, pos)) => {
                    nodes.push(Node {
                        threshold,
                        feature,
                        right: 0,
                    });
                    leaf_slot.push(NONE);
                    let mid = task.start + pos;
                    let depth = task.depth + 1;
                    // The left child is popped next, so it is stored right after its parent.
                    self.stack.push(Task {
                        start: mid,
                        end: task.end,
                        depth,
                        right_of: id,
                    });
                    self.stack.push(Task {
                        start: task.start,
                        end: mid,
                        depth,
                        right_of: NONE,
                    });
                }
            }
        }
        Tree {
            nodes,
            leaf_slot,
            leaf_probs,
            depth,
        }
    }

    /// The best Gini split of `samples[start..end]` over up to `mtry` non-constant features
    /// drawn at random, as (feature, threshold, number of rows going left). On success the
    /// node's rows are left reordered so that the left child's rows come first.
    fn best_split(
        &mut self,
        rng: &mut Rng,
        start: usize,
        end: usize,
        total: i64,
    ) -> Option<(u32, f64, usize)> {
        let m = end - start;
        let node_sq: i64 = self.node_counts.iter().map(|&c| c * c).sum();
        // Best score so far as a fraction num / den (any real split scores >= 0).
        let (mut best_num, mut best_den) = (-1.0f64, 1.0f64);
        // Feature, ranks of the last value going left and the first going right, rows going left.
        let mut best: Option<(u32, u32, u32, usize)> = None;
        let (mut drawn, mut evaluated) = (0, 0);

        // Draw features without replacement (partial Fisher–Yates) until `mtry` have been
        // drawn, constant ones (within this node) included, and at least one was not constant
        // or all have been drawn: scikit-learn's rule.
        for i in 0..self.p {
            if drawn >= self.mtry && evaluated > 0 {
                break;
            }
            drawn += 1;
            let j = i + rng.below(self.p - i);
            self.features.swap(i, j);
            let f = self.features[i] as usize;
            let col = &self.ranks[f * self.n..(f + 1) * self.n];

            self.keys.clear();
            let mut lo = u32::MAX;
            let mut hi = 0u32;
            for &s in &self.samples[start..end] {
                let r = col[s as usize];
                lo = lo.min(r);
                hi = hi.max(r);
                self.keys.push(((r as u64) << 32) | s as u64);
            }
            if lo == hi {
                continue;
            }
            evaluated += 1;
            sort_keys(&mut self.keys, lo, hi, &mut self.scratch, &mut self.bucket);

            // Sweep the sorted rows from left to right, moving one row at a time into the left
            // child and scoring every boundary between two ranks. Maximising
            // sum_c L_c²/W_L + sum_c R_c²/W_R minimises the children's weighted Gini impurity;
            // it equals (SL·WR + SR·WL) / (WL·WR) and is compared by cross-multiplying, without
            // a division (exactly, while n⁵ < 2^53, e.g. n < 1,500 rows). All counts are
            // exact integers (bounded by n² < 2^62), so wrapping arithmetic never wraps; it
            // only spares the hot loop the overflow checks of debug-assertion builds.
            self.left_counts.fill(0);
            self.right_counts.copy_from_slice(&self.node_counts);
            let left = &mut self.left_counts[..];
            let right = &mut self.right_counts[..];
            let row_info = &self.row_info[..];
            let keys = &self.keys[..m];
            let (mut wl, mut wr) = (0i64, total);
            let (mut sql, mut sqr) = (0i64, node_sq);
            let mut improved = false;
            let mut prev_rank = (keys[0] >> 32) as u32;
            for (i, &key) in keys.iter().enumerate() {
                let rank = (key >> 32) as u32;
                if rank != prev_rank && i >= self.min_leaf && m - i >= self.min_leaf {
                    let num = sql as f64 * wr as f64 + sqr as f64 * wl as f64;
                    let den = wl as f64 * wr as f64;
                    if num * best_den > best_num * den {
                        (best_num, best_den) = (num, den);
                        best = Some((f as u32, prev_rank, rank, i));
                        improved = true;
                    }
                }
                prev_rank = rank;
                let info = row_info[key as u32 as usize];
                let c = info as u32 as usize;
                let w = (info >> 32) as i64;
                let lc = left[c];
                sql = sql.wrapping_add(w.wrapping_mul(lc.wrapping_mul(2).wrapping_add(w)));
                left[c] = lc.wrapping_add(w);
                let rc = right[c];
                sqr = sqr.wrapping_sub(w.wrapping_mul(rc.wrapping_mul(2).wrapping_sub(w)));
                right[c] = rc.wrapping_sub(w);
                wl = wl.wrapping_add(w);
                wr = wr.wrapping_sub(w);
            }
            if improved {
                std::mem::swap(&mut self.keys, &mut self.best_keys);
            }
        }

        let (feature, left_rank, right_rank, pos) = best?;
        for (slot, &key) in self.samples[start..end].iter_mut().zip(&self.best_keys) {
            *slot = key as u32;
        }
        let vals = &self.values[feature as usize];
        // Halfway between the node's two values around the split, as scikit-learn does (the
        // training set may hold other values in between, from rows not in this node).
        let (a, b) = (vals[left_rank as usize], vals[right_rank as usize]);
        let mut threshold = a / 2.0 + b / 2.0;
        if !(threshold >= a && threshold < b) {
            threshold = a;
        }
        Some((feature, threshold, pos))
    }
}

/// Sorts `rank << 32 | row` keys whose ranks lie in `lo..=hi`: by counting (stable, linear)
/// when the rank range is small next to the number of keys, as in the upper levels of a tree
/// on features with few distinct values, and by pattern-defeating quicksort otherwise. The
/// order of rows within a rank may differ between the two, which changes nothing downstream:
/// splits are only evaluated between ranks, on exact integer class counts.
fn sort_keys(keys: &mut Vec<u64>, lo: u32, hi: u32, scratch: &mut Vec<u64>, bucket: &mut Vec<u32>) {
    let m = keys.len();
    let range = (hi - lo) as usize + 1;
    if m < COUNTING_SORT_MIN_KEYS || range > COUNTING_SORT_RANGE_PER_KEY * m {
        keys.sort_unstable();
        return;
    }
    bucket.clear();
    bucket.resize(range + 1, 0);
    for &key in keys.iter() {
        bucket[((key >> 32) as u32 - lo) as usize + 1] += 1;
    }
    for b in 1..=range {
        bucket[b] += bucket[b - 1];
    }
    scratch.clear();
    scratch.resize(m, 0);
    for &key in keys.iter() {
        let slot = &mut bucket[((key >> 32) as u32 - lo) as usize];
        scratch[*slot as usize] = key;
        *slot += 1;
    }
    std::mem::swap(keys, scratch);
}

const COUNTING_SORT_MIN_KEYS: usize = 32;
const COUNTING_SORT_RANGE_PER_KEY: usize = 2;

#[cfg(test)]
mod tests {
    use super::*;

    /// Two well-separated blobs in 3 features, labels 10 and 20, plus a noise feature.
    fn blobs(n: usize, seed: u64) -> (Vec<f64>, Vec<usize>) {
        let mut rng = Rng::new(seed);
        let mut x = Vec::with_capacity(n * 3);
        let mut y = Vec::with_capacity(n);
        for i in 0..n {
            let label = if i % 2 == 0 { 10 } else { 20 };
            let centre = if label == 10 { -3.0 } else { 3.0 };
            x.push(centre + rng.normal() * 0.5);
            x.push(-centre + rng.normal() * 0.5);
            x.push(rng.normal());
            y.push(label);
        }
        (x, y)
    }

    fn transpose(x: &[f64], n: usize, p: usize) -> Vec<f64> {
        let mut t = vec![0.0; n * p];
        for r in 0..n {
            for f in 0..p {
                t[f * n + r] = x[r * p + f];
            }
        }
        t
    }

    #[test]
    fn separable_toy_set_is_fitted_perfectly() {
        let (x, y) = blobs(200, 1);
        let features = Features::row_major(&x, 200, 3).unwrap();
        let forest = RandomForest::fit(features, &y, &ForestParams::new(20).seed(3)).unwrap();
        assert_eq!(forest.classes(), &[10, 20]);
        assert_eq!(forest.predict(features).unwrap(), y);
        // New points from the same blobs are classified correctly too.
        let (x2, y2) = blobs(100, 2);
        let acc = forest
            .accuracy(Features::row_major(&x2, 100, 3).unwrap(), &y2)
            .unwrap();
        assert!(acc > 0.97, "held-out accuracy {acc}");
    }

    #[test]
    fn xor_needs_depth_and_is_learned() {
        // XOR of two features: no single split helps, trees must go two levels deep.
        let mut x = Vec::new();
        let mut y = Vec::new();
        for i in 0..400 {
            let a = (i % 20) as f64;
            let b = (i / 20) as f64;
            x.extend([a, b]);
            y.push(((a >= 10.0) ^ (b >= 10.0)) as usize);
        }
        let features = Features::row_major(&x, 400, 2).unwrap();
        let forest = RandomForest::fit(
            features,
            &y,
            &ForestParams::new(10).max_features(MaxFeatures::All),
        )
        .unwrap();
        assert_eq!(forest.accuracy(features, &y).unwrap(), 1.0);
        let stumps =
            RandomForest::fit(features, &y, &ForestParams::new(10).max_depth(Some(1))).unwrap();
        assert!(stumps.accuracy(features, &y).unwrap() < 0.9);
    }

    #[test]
    fn layouts_give_the_same_forest() {
        let (x, y) = blobs(100, 4);
        let xt = transpose(&x, 100, 3);
        let params = ForestParams::new(15).seed(9);
        let a = RandomForest::fit(Features::row_major(&x, 100, 3).unwrap(), &y, &params).unwrap();
        let b =
            RandomForest::fit(Features::column_major(&xt, 100, 3).unwrap(), &y, &params).unwrap();
        let pa = a
            .predict_proba(Features::row_major(&x, 100, 3).unwrap())
            .unwrap();
        let pb = b
            .predict_proba(Features::column_major(&xt, 100, 3).unwrap())
            .unwrap();
        assert_eq!(pa, pb);
    }

    /// A noisy problem where different seeds must give visibly different forests.
    fn noisy(n: usize) -> (Vec<f64>, Vec<usize>) {
        let mut rng = Rng::new(11);
        let mut x = Vec::new();
        let mut y = Vec::new();
        for _ in 0..n {
            let a = rng.normal();
            let b = rng.normal();
            x.extend([a, b, rng.normal(), rng.normal()]);
            y.push(((a + b + rng.normal()) > 0.0) as usize + 3 * ((a - b) > 1.0) as usize);
        }
        (x, y)
    }

    #[test]
    fn same_seed_same_forest_different_seed_different_forest() {
        let (x, y) = noisy(300);
        let features = Features::row_major(&x, 300, 4).unwrap();
        let fit =
            |seed| RandomForest::fit(features, &y, &ForestParams::new(25).seed(seed)).unwrap();
        let (a, b, c) = (fit(5), fit(5), fit(6));
        let (pa, pb, pc) = (
            a.predict_proba(features).unwrap(),
            b.predict_proba(features).unwrap(),
            c.predict_proba(features).unwrap(),
        );
        assert_eq!(pa, pb);
        assert_eq!(a.n_nodes(), b.n_nodes());
        assert_ne!(pa, pc);
    }

    #[test]
    fn probabilities_are_distributions_and_grow_to_purity() {
        let (x, y) = noisy(200);
        let features = Features::row_major(&x, 200, 4).unwrap();
        let forest =
            RandomForest::fit(features, &y, &ForestParams::new(5).bootstrap(false)).unwrap();
        assert_eq!(forest.classes(), &[0, 1, 3, 4]);
        let k = forest.classes().len();
        let proba = forest.predict_proba(features).unwrap();
        for row in proba.chunks_exact(k) {
            assert!((row.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        }
        // Without bootstrap, unlimited trees memorise distinct training points.
        assert_eq!(forest.accuracy(features, &y).unwrap(), 1.0);
        // A larger min_samples_leaf gives smaller trees.
        let coarse = RandomForest::fit(
            features,
            &y,
            &ForestParams::new(5).bootstrap(false).min_samples_leaf(20),
        )
        .unwrap();
        assert!(
            coarse.n_nodes() < forest.n_nodes() / 3,
            "{} vs {}",
            coarse.n_nodes(),
            forest.n_nodes()
        );
    }

    #[test]
    fn randomness_comes_only_from_bootstrap_and_feature_sampling() {
        let (x, y) = noisy(150);
        let features = Features::row_major(&x, 150, 4).unwrap();
        let fixed = |seed| {
            ForestParams::new(4)
                .bootstrap(false)
                .max_features(MaxFeatures::All)
                .seed(seed)
        };
        let a = RandomForest::fit(features, &y, &fixed(1)).unwrap();
        let b = RandomForest::fit(features, &y, &fixed(2)).unwrap();
        assert_eq!(
            a.predict_proba(features).unwrap(),
            b.predict_proba(features).unwrap()
        );
        let bagged = RandomForest::fit(features, &y, &fixed(1).bootstrap(true)).unwrap();
        assert_ne!(
            a.predict_proba(features).unwrap(),
            bagged.predict_proba(features).unwrap()
        );
        // Depth 0: every tree is one leaf holding its bootstrap sample's class frequencies, so
        // the forest predicts the majority class everywhere.
        let stumps = RandomForest::fit(features, &y, &fixed(1).max_depth(Some(0))).unwrap();
        assert_eq!(stumps.n_nodes(), 4);
        let majority = *forest_majority(&y);
        assert!(
            stumps
                .predict(features)
                .unwrap()
                .iter()
                .all(|&c| c == majority)
        );
    }

    fn forest_majority(y: &[usize]) -> &usize {
        y.iter()
            .max_by_key(|&&c| (y.iter().filter(|&&d| d == c).count(), std::cmp::Reverse(c)))
            .unwrap()
    }

    #[test]
    fn a_row_of_weight_k_counts_like_k_copies() {
        let (x, y) = noisy(60);
        let mut rng = Rng::new(8);
        let weights: Vec<u32> = (0..60).map(|_| rng.below(4) as u32).collect();
        let (mut x_copies, mut y_copies) = (Vec::new(), Vec::new());
        for (r, &w) in weights.iter().enumerate() {
            for _ in 0..w {
                x_copies.extend_from_slice(&x[r * 4..(r + 1) * 4]);
                y_copies.push(y[r]);
            }
        }
        // Probe on the training rows and on new points between them.
        let mut probe = x_copies.clone();
        probe.extend((0..400).map(|_| rng.normal()));
        let n_probe = probe.len() / 4;
        let grow = |x: &[f64], y: &[usize], weights: Option<&[u32]>| {
            let prepared = Prepared::new(Features::row_major(x, y.len(), 4).unwrap(), y).unwrap();
            let mut builder = prepared.builder(4, 1, None);
            if let Some(w) = weights {
                builder.weights.copy_from_slice(w);
            }
            builder.grow(&mut Rng::new(1))
        };
        let weighted = grow(&x, &y, Some(&weights));
        let copied = grow(&x_copies, &y_copies, None);
        let (mut a, mut b) = (vec![0.0; n_probe * 4], vec![0.0; n_probe * 4]);
        weighted.add_probs(&probe, 4, &mut a, 4);
        copied.add_probs(&probe, 4, &mut b, 4);
        assert_eq!(a, b);
        // And the weights matter: unweighted, the same rows give another tree.
        let unweighted = grow(&x, &y, None);
        let mut c = vec![0.0; n_probe * 4];
        unweighted.add_probs(&probe, 4, &mut c, 4);
        assert_ne!(a, c);
    }

    #[test]
    fn thresholds_sit_halfway_between_training_values() {
        let x = [0.0, 10.0];
        let forest = RandomForest::fit(
            Features::row_major(&x, 2, 1).unwrap(),
            &[0, 1],
            &ForestParams::new(1).bootstrap(false),
        )
        .unwrap();
        let probe = [4.9, 5.0, 5.1, -100.0, 100.0];
        assert_eq!(
            forest
                .predict(Features::row_major(&probe, 5, 1).unwrap())
                .unwrap(),
            vec![0, 0, 1, 0, 1]
        );
    }

    #[test]
    fn every_split_draws_its_own_features() {
        let (x, y) = noisy(200);
        let features = Features::row_major(&x, 200, 4).unwrap();
        let params = ForestParams::new(40)
            .bootstrap(false)
            .max_features(MaxFeatures::Count(1));
        let forest = RandomForest::fit(features, &y, &params).unwrap();
        let mut roots: Vec<u32> = forest.trees.iter().map(|t| t.nodes[0].feature).collect();
        roots.sort_unstable();
        roots.dedup();
        assert_eq!(roots, vec![0, 1, 2, 3]);
        // Within a tree too: the root's children do not all split on the root's feature.
        let same = forest
            .trees
            .iter()
            .filter(|t| t.nodes[1].feature == t.nodes[0].feature)
            .count();
        assert!(
            same < 30,
            "{same} of 40 trees split the left child on the root's feature"
        );
    }

    #[test]
    fn single_class_and_constant_features_do_not_break() {
        let x = vec![1.0; 20];
        let y = vec![7; 10];
        let features = Features::row_major(&x, 10, 2).unwrap();
        let forest = RandomForest::fit(features, &y, &ForestParams::new(3)).unwrap();
        assert_eq!(forest.predict(features).unwrap(), y);
        // Constant features with mixed labels: one leaf per tree, majority class wins.
        let y2 = vec![1, 1, 1, 1, 1, 1, 1, 2, 2, 2];
        let forest =
            RandomForest::fit(features, &y2, &ForestParams::new(3).bootstrap(false)).unwrap();
        assert_eq!(forest.n_nodes(), 3);
        assert_eq!(forest.predict(features).unwrap(), vec![1; 10]);
    }

    #[test]
    fn bad_parameters_and_data_are_errors_not_panics() {
        let (x, y) = blobs(10, 1);
        let features = Features::row_major(&x, 10, 3).unwrap();
        let err = |params: ForestParams| {
            RandomForest::fit(features, &y, &params)
                .unwrap_err()
                .to_string()
        };
        assert!(err(ForestParams::new(0)).contains("n_estimators"));
        for bad in [0.0, -0.5, 1.5, f64::NAN] {
            assert!(err(ForestParams::new(5).feature_fraction(bad)).contains("feature_fraction"));
        }
        assert!(
            err(ForestParams::new(5).max_features(MaxFeatures::Count(4))).contains("max_features")
        );
        assert!(err(ForestParams::new(5).min_samples_leaf(0)).contains("min_samples_leaf"));
        // Fractions at the edges are fine.
        assert!(
            RandomForest::fit(features, &y, &ForestParams::new(2).feature_fraction(1.0)).is_ok()
        );
        assert!(
            RandomForest::fit(features, &y, &ForestParams::new(2).feature_fraction(1e-9)).is_ok()
        );

        assert!(
            Features::row_major(&x, 11, 3)
                .unwrap_err()
                .to_string()
                .contains("shape")
        );
        assert!(Features::row_major(&x, usize::MAX, 2).is_err());
        let empty = Features::row_major(&[], 0, 3).unwrap();
        assert!(
            RandomForest::fit(empty, &[], &ForestParams::new(5))
                .unwrap_err()
                .to_string()
                .contains("empty")
        );
        let no_features = Features::row_major(&[], 5, 0).unwrap();
        assert!(RandomForest::fit(no_features, &[0; 5], &ForestParams::new(5)).is_err());
        assert!(
            RandomForest::fit(features, &y[..9], &ForestParams::new(5))
                .unwrap_err()
                .to_string()
                .contains("labels")
        );
        let mut with_nan = x.clone();
        with_nan[4] = f64::NAN;
        let msg = RandomForest::fit(
            Features::row_major(&with_nan, 10, 3).unwrap(),
            &y,
            &ForestParams::new(5),
        )
        .unwrap_err()
        .to_string();
        assert!(msg.contains("row 1") && msg.contains("feature 1"), "{msg}");

        let forest = RandomForest::fit(features, &y, &ForestParams::new(5)).unwrap();
        let wrong_width = Features::row_major(&x[..20], 10, 2).unwrap();
        assert!(
            forest
                .predict(wrong_width)
                .unwrap_err()
                .to_string()
                .contains("3 features")
        );
        assert!(forest.accuracy(features, &y[..3]).is_err());
    }
}
