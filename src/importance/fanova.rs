//! fANOVA (Hutter, Hoos & Leyton-Brown, "An Efficient Approach for Assessing Hyperparameter
//! Importance", ICML 2014): the exact functional-ANOVA decomposition of each regression tree
//! of a surrogate forest over the parameter space.
//!
//! A tree is piecewise constant over boxes (its leaves). With the uniform measure over the
//! space (Lebesgue on a continuous dimension's bounds, equal mass on each value of a discrete
//! one), the mean, the total variance and every marginal follow exactly from the leaves: the
//! marginal of parameter i over a cell of i's partition (cut at every threshold the tree uses
//! on i) is the sum over the leaves covering that cell of value × the leaf's volume in the
//! other dimensions. A parameter's importance in one tree is the variance of its marginal
//! divided by the tree's total variance; a pair's is the variance of their joint marginal
//! minus both main effects. No sampling is involved.

use super::space::{Dimension, DimensionKind};
use crate::forest::{Split, Tree, TreeNode};

/// One leaf of a tree as a box: its value and, per dimension, the extent it covers.
struct LeafBox {
    value: f64,
    /// Per dimension: `[low, high)` for continuous, a mask of values for discrete.
    extent: Vec<Extent>,
}

#[derive(Clone, Copy)]
enum Extent {
    Interval(f64, f64),
    Values(u64),
}

/// One tree decomposed over the space: its leaves as boxes, each dimension's partition and
/// marginal, the total variance and each parameter's main-effect variance (not yet divided by
/// the total). Built once per tree; interactions and curves are read from it afterwards.
pub(super) struct TreeSpace {
    leaves: Vec<LeafBox>,
    partitions: Vec<Partition>,
    /// Per leaf and dimension: the leaf's share of the dimension.
    sizes: Vec<Vec<f64>>,
    mean: f64,
    marginals: Vec<Vec<f64>>,
    pub total: f64,
    pub main: Vec<f64>,
}

/// Points at which to evaluate one parameter's marginal prediction.
pub(super) struct Probe {
    pub dim: usize,
    /// Coordinates on the dimension's scale (codes for a discrete one).
    pub at: Vec<f64>,
}

impl TreeSpace {
    /// Decomposes `tree` over `dims`: mean, total variance, marginals and main effects.
    pub(super) fn new(tree: &Tree, dims: &[Dimension]) -> TreeSpace {
        let leaves = leaf_boxes(tree, dims);
        let partitions: Vec<Partition> = (0..dims.len()).map(|d| Partition::new(&leaves, dims, d)).collect();
        let sizes: Vec<Vec<f64>> = leaves.iter().map(|l| partitions.iter().map(|p| p.size(&l.extent[p.dim])).collect()).collect();
        let volume = |i: usize| sizes[i].iter().product::<f64>();
        let mean: f64 = leaves.iter().enumerate().map(|(i, l)| volume(i) * l.value).sum();
        let total: f64 = leaves.iter().enumerate().map(|(i, l)| volume(i) * (l.value - mean).powi(2)).sum();
        // Each leaf adds value × its volume outside the dimension to every cell it covers:
        // runs of cells, accumulated as differences and summed once.
        let marginals: Vec<Vec<f64>> = partitions
            .iter()
            .map(|p| {
                let mut diff = vec![0.0; p.weights.len() + 1];
                for (i, leaf) in leaves.iter().enumerate() {
                    let add = leaf.value * product_except(&sizes[i], &[p.dim]);
                    for (from, to) in p.runs(&leaf.extent[p.dim]) {
                        diff[from] += add;
                        diff[to] -= add;
                    }
                }
                prefix_sums(&diff[..p.weights.len()])
            })
            .collect();
        let main = partitions.iter().zip(&marginals).map(|(p, m)| variance(m, &p.weights, mean)).collect();
        TreeSpace { leaves, partitions, sizes, mean, marginals, total, main }
    }

    /// The marginal prediction at each of the probe's points.
    pub(super) fn curve(&self, probe: &Probe) -> Vec<f64> {
        let (marginal, partition) = (&self.marginals[probe.dim], &self.partitions[probe.dim]);
        probe.at.iter().map(|&x| marginal[partition.cell_at(x)]).collect()
    }

    /// The interaction variance of parameters `a` and `b`: the variance of their joint
    /// marginal minus both main effects.
    pub(super) fn interaction(&self, a: usize, b: usize) -> f64 {
        let (pa, pb) = (&self.partitions[a], &self.partitions[b]);
        let (rows, cols) = (pa.weights.len(), pb.weights.len());
        let stride = cols + 1;
        let mut diff = vec![0.0; (rows + 1) * stride];
        for (i, leaf) in self.leaves.iter().enumerate() {
            let add = leaf.value * product_except(&self.sizes[i], &[a, b]);
            let runs_b = pb.runs(&leaf.extent[b]);
            for (r0, r1) in pa.runs(&leaf.extent[a]) {
                for &(c0, c1) in &runs_b {
                    diff[r0 * stride + c0] += add;
                    diff[r0 * stride + c1] -= add;
                    diff[r1 * stride + c0] -= add;
                    diff[r1 * stride + c1] += add;
                }
            }
        }
        // Two-dimensional prefix sums turn the corner updates into the joint marginal.
        let mut joint = 0.0;
        let mut above = vec![0.0; cols];
        for r in 0..rows {
            let mut running = 0.0;
            for c in 0..cols {
                running += diff[r * stride + c];
                above[c] += running;
                joint += pa.weights[r] * pb.weights[c] * (above[c] - self.mean).powi(2);
            }
        }
        joint - self.main[a] - self.main[b]
    }
}

/// Running sums of `diff`.
fn prefix_sums(diff: &[f64]) -> Vec<f64> {
    diff.iter().scan(0.0, |acc, d| {
        *acc += d;
        Some(*acc)
    }).collect()
}

/// `Σ w (value − mean)²`.
fn variance(values: &[f64], weights: &[f64], mean: f64) -> f64 {
    values.iter().zip(weights).map(|(v, w)| w * (v - mean).powi(2)).sum()
}

fn product_except(sizes: &[f64], skip: &[usize]) -> f64 {
    sizes.iter().enumerate().filter(|(d, _)| !skip.contains(d)).map(|(_, s)| s).product()
}

/// The leaves of `tree` with their boxes, from a depth-first walk that narrows the box at
/// every split.
fn leaf_boxes(tree: &Tree, dims: &[Dimension]) -> Vec<LeafBox> {
    let root: Vec<Extent> = dims
        .iter()
        .map(|d| match d.kind {
            DimensionKind::Continuous { low, high } => Extent::Interval(low, high),
            DimensionKind::Discrete { n_values, .. } => Extent::Values(all_values(n_values)),
        })
        .collect();
    let mut out = Vec::new();
    let mut stack = vec![(0usize, root)];
    while let Some((node, extent)) = stack.pop() {
        match tree.node(node) {
            TreeNode::Leaf(values) => out.push(LeafBox { value: values[0], extent }),
            TreeNode::Split { feature, split, left, right } => {
                let (mut l, mut r) = (extent.clone(), extent);
                match (split, l[feature]) {
                    (Split::Threshold(t), Extent::Interval(lo, hi)) => {
                        l[feature] = Extent::Interval(lo, t.clamp(lo, hi));
                        r[feature] = Extent::Interval(t.clamp(lo, hi), hi);
                    }
                    (Split::Threshold(t), Extent::Values(mask)) => {
                        // Ordered discrete values are encoded as their index 0, 1, …
                        let below = values_up_to(t);
                        l[feature] = Extent::Values(mask & below);
                        r[feature] = Extent::Values(mask & !below);
                    }
                    (Split::Categories(go_left), Extent::Values(mask)) => {
                        l[feature] = Extent::Values(mask & go_left);
                        r[feature] = Extent::Values(mask & !go_left);
                    }
                    // A categorical split on a continuous dimension cannot come from a forest
                    // fitted on these dimensions; keep the whole extent on both sides.
                    (Split::Categories(_), Extent::Interval(..)) => {}
                }
                stack.push((right, r));
                stack.push((left, l));
            }
        }
    }
    out
}

/// The mask of the first `n` values.
fn all_values(n: u32) -> u64 {
    if n >= 64 { u64::MAX } else { (1u64 << n) - 1 }
}

/// The mask of the value indices `<= t`.
fn values_up_to(t: f64) -> u64 {
    if t < 0.0 {
        0
    } else if t >= 63.0 {
        u64::MAX
    } else {
        all_values(t.floor() as u32 + 1)
    }
}

/// A dimension's partition into cells by every split the tree makes on it, with each cell's
/// share of the dimension (the weights sum to 1).
struct Partition {
    dim: usize,
    /// Continuous: the cell boundaries, ascending, from low to high.
    edges: Vec<f64>,
    weights: Vec<f64>,
}

impl Partition {
    fn new(leaves: &[LeafBox], dims: &[Dimension], dim: usize) -> Partition {
        match dims[dim].kind {
            DimensionKind::Discrete { n_values, .. } => {
                let n = n_values.clamp(1, 64) as usize;
                Partition { dim, edges: Vec::new(), weights: vec![1.0 / n as f64; n] }
            }
            DimensionKind::Continuous { low, high } => {
                let mut edges: Vec<f64> = vec![low, high];
                for leaf in leaves {
                    if let Extent::Interval(lo, hi) = leaf.extent[dim] {
                        edges.extend([lo, hi]);
                    }
                }
                edges.sort_by(f64::total_cmp);
                edges.dedup();
                let span = high - low;
                let weights = edges.windows(2).map(|w| if span > 0.0 { (w[1] - w[0]) / span } else { 0.0 }).collect();
                Partition { dim, edges, weights }
            }
        }
    }

    /// The share of the dimension an extent covers.
    fn size(&self, extent: &Extent) -> f64 {
        match *extent {
            Extent::Values(mask) => mask.count_ones() as f64 / self.weights.len() as f64,
            Extent::Interval(lo, hi) => {
                let span = self.edges[self.edges.len() - 1] - self.edges[0];
                if span > 0.0 { (hi - lo) / span } else { 1.0 }
            }
        }
    }

    /// The cell holding coordinate `x` (a code for a discrete dimension), clamped to the cells.
    fn cell_at(&self, x: f64) -> usize {
        let last = self.weights.len() - 1;
        if self.edges.is_empty() {
            (x.max(0.0) as usize).min(last)
        } else {
            self.edges.partition_point(|&e| e <= x).saturating_sub(1).min(last)
        }
    }

    /// The cells an extent covers, as runs `[from, to)` of consecutive cells.
    fn runs(&self, extent: &Extent) -> Vec<(usize, usize)> {
        match *extent {
            Extent::Values(mask) => {
                let n = self.weights.len();
                let mut runs = Vec::new();
                let mut c = 0;
                while c < n {
                    if mask >> c & 1 == 1 {
                        let start = c;
                        while c < n && mask >> c & 1 == 1 {
                            c += 1;
                        }
                        runs.push((start, c));
                    } else {
                        c += 1;
                    }
                }
                runs
            }
            Extent::Interval(lo, hi) => {
                let first = self.edges.partition_point(|&e| e < lo);
                let last = self.edges.partition_point(|&e| e < hi).min(self.weights.len());
                if first < last { vec![(first, last)] } else { Vec::new() }
            }
        }
    }
}
