//! Growing trees: bootstrap weights, the depth-first node loop, and the best split of a node
//! over a random subset of features, for any [`Target`].

use rayon::prelude::*;

use super::data::{FeatureKind, Ranked};
use super::params::ForestParams;
use super::target::Target;
use super::tree::{Node, Tree};
use ablate_stats::rng::Rng;

/// "No node" in the builder's parent links.
const NONE: u32 = u32::MAX;

/// Grows `params.n_estimators` trees on `data` for `target`, in parallel, each from its own
/// seed drawn in order from `params.seed` (the forest does not depend on the thread count).
pub(super) fn grow_forest<T: Target>(
    data: &Ranked,
    kinds: &[FeatureKind],
    target: &T,
    params: &ForestParams,
    mtry: usize,
) -> Vec<Tree> {
    let mut master = Rng::new(params.seed);
    let seeds: Vec<u64> = (0..params.n_estimators).map(|_| master.next_u64()).collect();
    seeds
        .par_iter()
        .map_init(
            || Builder::new(data, kinds, target, mtry, params.min_samples_leaf, params.max_depth),
            |builder, &seed| {
                let mut rng = Rng::new(seed);
                builder.draw_weights(&mut rng, params.bootstrap);
                builder.grow(&mut rng)
            },
        )
        .collect()
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

/// The best split found for a node: the feature, how it divides, and the number of rows that
/// go left (the node's rows are left reordered with those first).
struct Found {
    feature: u32,
    threshold: f64,
    mask: u64,
    left_rows: usize,
}

/// Grows trees on one training set, reusing every buffer.
pub(super) struct Builder<'a, T: Target> {
    data: &'a Ranked,
    kinds: &'a [FeatureKind],
    target: &'a T,
    scratch_target: T::Scratch,
    mtry: usize,
    min_leaf: usize,
    max_depth: usize,
    /// Bootstrap multiplicity of every training row.
    pub(super) weights: Vec<u32>,
    /// Distinct in-bag rows, partitioned node by node.
    samples: Vec<u32>,
    /// `rank << 32 | row` of the node's rows for the feature being evaluated (for a
    /// categorical feature, the category's position in the node's order instead of a rank).
    keys: Vec<u64>,
    /// The same for the best feature so far (becomes the node's partition).
    best_keys: Vec<u64>,
    /// Scratch space of the counting sort.
    scratch: Vec<u64>,
    bucket: Vec<u32>,
    features: Vec<u32>,
    /// Per category rank: its position in the node's order (categorical features).
    position: Vec<u32>,
    /// Categories of the node by position: their ranks, in order.
    by_position: Vec<u32>,
    stack: Vec<Task>,
}

impl<'a, T: Target> Builder<'a, T> {
    pub(super) fn new(data: &'a Ranked, kinds: &'a [FeatureKind], target: &'a T, mtry: usize, min_leaf: usize, max_depth: Option<usize>) -> Self {
        let n = data.n;
        Builder {
            data,
            kinds,
            target,
            scratch_target: target.scratch(),
            mtry,
            min_leaf: min_leaf.max(1),
            max_depth: max_depth.unwrap_or(usize::MAX),
            weights: vec![1; n],
            samples: Vec::with_capacity(n),
            keys: Vec::with_capacity(n),
            best_keys: Vec::with_capacity(n),
            scratch: Vec::with_capacity(n),
            bucket: Vec::new(),
            features: (0..data.p as u32).collect(),
            position: Vec::new(),
            by_position: Vec::new(),
            stack: Vec::new(),
        }
    }

    /// Sets every row's weight for the next tree: its multiplicity in a bootstrap sample of
    /// n rows drawn with replacement, or 1 for all rows without bootstrap.
    fn draw_weights(&mut self, rng: &mut Rng, bootstrap: bool) {
        let n = self.data.n;
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
    pub(super) fn grow(&mut self, rng: &mut Rng) -> Tree {
        let n = self.data.n;
        // Each tree starts from the same feature order, so that a tree depends only on its
        // seed, not on which trees this builder grew before (trees grow in parallel).
        self.features.iter_mut().enumerate().for_each(|(i, f)| *f = i as u32);
        self.samples.clear();
        self.samples.extend((0..n as u32).filter(|&r| self.weights[r as usize] > 0));

        let width = self.target.leaf_width();
        let mut nodes: Vec<Node> = Vec::new();
        let mut leaf_values: Vec<f64> = Vec::new();
        let mut leaf_slot: Vec<u32> = Vec::new();
        let mut depth = 0;
        self.stack.clear();
        self.stack.push(Task { start: 0, end: self.samples.len(), depth: 0, right_of: NONE });

        while let Some(task) = self.stack.pop() {
            let id = nodes.len() as u32;
            if task.right_of != NONE {
                nodes[task.right_of as usize].right = id;
            }
            let rows = &self.samples[task.start..task.end];
            let pure = self.target.begin_node(&mut self.scratch_target, rows, &self.weights);
            let m = task.end - task.start;

            let split = if pure || task.depth >= self.max_depth || m < 2 * self.min_leaf {
                None
            } else {
                self.best_split(rng, task.start, task.end)
            };

            match split {
                None => {
                    let leaf = (leaf_values.len() / width.max(1)) as u32;
                    self.target.leaf_values(&self.scratch_target, &mut leaf_values);
                    nodes.push(Node { threshold: f64::NAN, mask: 0, feature: 0, right: id });
                    leaf_slot.push(leaf);
                    depth = depth.max(task.depth);
                }
                Some(found) => {
                    nodes.push(Node { threshold: found.threshold, mask: found.mask, feature: found.feature, right: 0 });
                    leaf_slot.push(NONE);
                    let mid = task.start + found.left_rows;
                    let depth = task.depth + 1;
                    // The left child is popped next, so it is stored right after its parent.
                    self.stack.push(Task { start: mid, end: task.end, depth, right_of: id });
                    self.stack.push(Task { start: task.start, end: mid, depth, right_of: NONE });
                }
            }
        }
        Tree { nodes, leaf_slot, leaf_values, width, depth }
    }

    /// Fills `keys` with `rank << 32 | row` for the node's rows on feature `f` (for a
    /// categorical feature, the rank is the category's position in the node's order by the
    /// target's category key). Returns the lowest and highest key rank.
    fn fill_keys(&mut self, f: usize, start: usize, end: usize) -> (u32, u32) {
        let data = self.data;
        let col = &data.ranks[f * data.n..(f + 1) * data.n];
        let categorical = matches!(self.kinds[f], FeatureKind::Categorical { .. });
        if categorical {
            self.order_categories(col, data.values[f].len(), start, end);
        }
        let rows = &self.samples[start..end];
        self.keys.clear();
        let (mut lo, mut hi) = (u32::MAX, 0u32);
        for &s in rows {
            let r = if categorical { self.position[col[s as usize] as usize] } else { col[s as usize] };
            lo = lo.min(r);
            hi = hi.max(r);
            self.keys.push(((r as u64) << 32) | s as u64);
        }
        (lo, hi)
    }

    /// Orders the categories present in the node by the target's category key and records
    /// each one's position (`position`, indexed by rank) and the order (`by_position`).
    fn order_categories(&mut self, col: &[u32], n_ranks: usize, start: usize, end: usize) {
        // The node's rows grouped by category (reusing the key buffer), then one key per group.
        self.keys.clear();
        self.keys.extend(self.samples[start..end].iter().map(|&s| (col[s as usize] as u64) << 32 | s as u64));
        self.keys.sort_unstable();
        let mut present: Vec<(f64, u32)> = Vec::new();
        for group in self.keys.chunk_by(|a, b| a >> 32 == b >> 32) {
            let weights = &self.weights;
            let mut rows = group.iter().map(|&k| (k as u32, weights[k as u32 as usize]));
            present.push((self.target.category_key(&self.scratch_target, &mut rows), (group[0] >> 32) as u32));
        }
        present.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        self.position.clear();
        self.position.resize(n_ranks, u32::MAX);
        self.by_position.clear();
        for (pos, &(_, rank)) in present.iter().enumerate() {
            self.position[rank as usize] = pos as u32;
            self.by_position.push(rank);
        }
    }

    /// The best split of `samples[start..end]` over up to `mtry` non-constant features drawn
    /// at random. On success the node's rows are left reordered so that the left child's rows
    /// come first.
    fn best_split(&mut self, rng: &mut Rng, start: usize, end: usize) -> Option<Found> {
        let m = end - start;
        let p = self.data.p;
        // Best score so far as a fraction num / den (any real split scores >= 0).
        let (mut best_num, mut best_den) = (-1.0f64, 1.0f64);
        // Feature, key ranks of the last row going left and the first going right, rows left,
        // and (categorical) the categories going left.
        let mut best: Option<(u32, u32, u32, usize, u64)> = None;
        let (mut drawn, mut evaluated) = (0, 0);

        // Draw features without replacement (partial Fisher–Yates) until `mtry` have been
        // drawn, constant ones (within this node) included, and at least one was not constant
        // or all have been drawn: scikit-learn's rule.
        for i in 0..p {
            if drawn >= self.mtry && evaluated > 0 {
                break;
            }
            drawn += 1;
            let j = i + rng.below(p - i);
            self.features.swap(i, j);
            let f = self.features[i] as usize;
            let (lo, hi) = self.fill_keys(f, start, end);
            if lo == hi {
                continue;
            }
            evaluated += 1;
            sort_keys(&mut self.keys, lo, hi, &mut self.scratch, &mut self.bucket);

            // Sweep the sorted rows from left to right, moving one row at a time into the left
            // child and scoring every boundary between two key ranks.
            self.target.sweep_start(&mut self.scratch_target);
            let keys = &self.keys[..m];
            let mut improved = false;
            let mut prev_rank = (keys[0] >> 32) as u32;
            for (i, &key) in keys.iter().enumerate() {
                let rank = (key >> 32) as u32;
                if rank != prev_rank && i >= self.min_leaf && m - i >= self.min_leaf {
                    let (num, den) = self.target.sweep_score(&self.scratch_target);
                    if num * best_den > best_num * den {
                        (best_num, best_den) = (num, den);
                        let mask = self.left_categories(f, rank);
                        best = Some((f as u32, prev_rank, rank, i, mask));
                        improved = true;
                    }
                }
                prev_rank = rank;
                let row = key as u32;
                self.target.sweep_move(&mut self.scratch_target, row, self.weights[row as usize]);
            }
            if improved {
                std::mem::swap(&mut self.keys, &mut self.best_keys);
            }
        }

        let (feature, left_rank, right_rank, left_rows, mask) = best?;
        for (slot, &key) in self.samples[start..end].iter_mut().zip(&self.best_keys) {
            *slot = key as u32;
        }
        if mask != 0 {
            return Some(Found { feature, threshold: f64::NAN, mask, left_rows });
        }
        let vals = &self.data.values[feature as usize];
        // Halfway between the node's two values around the split, as scikit-learn does (the
        // training set may hold other values in between, from rows not in this node).
        let (a, b) = (vals[left_rank as usize], vals[right_rank as usize]);
        let mut threshold = a / 2.0 + b / 2.0;
        if !(threshold >= a && threshold < b) {
            threshold = a;
        }
        Some(Found { feature, threshold, mask: 0, left_rows })
    }

    /// For a categorical feature `f`, the mask of the category codes before position
    /// `first_right` in the node's order (the left child's); 0 for a numeric feature.
    fn left_categories(&self, f: usize, first_right: u32) -> u64 {
        if !matches!(self.kinds[f], FeatureKind::Categorical { .. }) {
            return 0;
        }
        let values = &self.data.values[f];
        self.by_position[..first_right as usize].iter().fold(0u64, |mask, &rank| mask | 1u64 << (values[rank as usize] as u32 & 63))
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
