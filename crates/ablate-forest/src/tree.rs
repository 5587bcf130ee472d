//! A fitted tree: nodes in depth-first order, leaf values, fast prediction of many rows, and a
//! read-only view of its splits (what fANOVA walks).

/// Rows that descend a tree together in [`Tree::add_leaf_values`].
const LANES: usize = 16;

/// One node of a flattened tree, stored in depth-first order so that an internal node's left
/// child is the next node. A numeric split (`mask == 0`) sends rows with
/// `x[feature] <= threshold` left; a categorical one sends the categories whose bit is set in
/// `mask` left. The others go to `right`. A leaf has `mask == 0`, a NaN threshold and `right`
/// pointing to itself, so a row that reached it stays there whatever further steps it takes:
/// prediction can then descend every row for up to the tree's depth without a data-dependent
/// exit.
#[derive(Debug, Clone, Copy)]
pub(super) struct Node {
    pub threshold: f64,
    pub mask: u64,
    pub feature: u32,
    pub right: u32,
}

impl Node {
    #[inline]
    fn next(&self, id: usize, x: f64) -> usize {
        let left = if self.mask != 0 { (self.mask >> (x as u32 & 63)) & 1 == 1 } else { x <= self.threshold };
        if left { id + 1 } else { self.right as usize }
    }
}

/// How an internal node divides its rows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Split {
    /// Rows with the feature `<=` the threshold go left.
    Threshold(f64),
    /// Rows whose category code `c` has bit `c` set go left.
    Categories(u64),
}

/// A node of a fitted tree, as [`Tree::node`] shows it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TreeNode<'a> {
    /// A leaf and its values (class probabilities, or one predicted value).
    Leaf(&'a [f64]),
    /// An internal node.
    Split {
        /// The feature it splits on.
        feature: usize,
        /// How.
        split: Split,
        /// The left child's node index.
        left: usize,
        /// The right child's node index.
        right: usize,
    },
}

/// One fitted tree of a forest.
#[derive(Debug, Clone)]
pub struct Tree {
    pub(super) nodes: Vec<Node>,
    /// For every node, the index of its leaf in `leaf_values` (unused for internal nodes).
    pub(super) leaf_slot: Vec<u32>,
    /// Values of the leaves, `width` per leaf.
    pub(super) leaf_values: Vec<f64>,
    pub(super) width: usize,
    /// Depth of the deepest leaf (the root has depth 0).
    pub(super) depth: usize,
}

impl Tree {
    /// Number of nodes (internal and leaves); the root is node 0.
    pub fn n_nodes(&self) -> usize {
        self.nodes.len()
    }

    /// Node `i` (`0..n_nodes()`); panics when out of range.
    pub fn node(&self, i: usize) -> TreeNode<'_> {
        let node = &self.nodes[i];
        if node.right as usize == i {
            let slot = self.leaf_slot[i] as usize;
            TreeNode::Leaf(&self.leaf_values[slot * self.width..(slot + 1) * self.width])
        } else {
            let split = if node.mask != 0 { Split::Categories(node.mask) } else { Split::Threshold(node.threshold) };
            TreeNode::Split { feature: node.feature as usize, split, left: i + 1, right: node.right as usize }
        }
    }

    /// Depth of the deepest leaf (the root has depth 0).
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// Adds this tree's leaf values for every row of the row-major matrix `rows` (`p`
    /// features a row) to `out` (`width` values a row). Rows descend in groups of [`LANES`],
    /// so that their memory accesses overlap.
    pub(super) fn add_leaf_values(&self, rows: &[f64], p: usize, out: &mut [f64]) {
        let (nodes, k) = (&self.nodes[..], self.width);
        let mut row_groups = rows.chunks(LANES * p);
        for out_group in out.chunks_mut(LANES * k) {
            let Some(group) = row_groups.next() else {
                break;
            };
            let lanes = out_group.len() / k;
            let mut at = [0usize; LANES];
            for step in 0..self.depth {
                for (j, i) in at.iter_mut().enumerate().take(lanes) {
                    let node = &nodes[*i];
                    *i = node.next(*i, group[j * p + node.feature as usize]);
                }
                // Now and then, stop early once every row has reached its leaf.
                if step % 8 == 7 && at[..lanes].iter().all(|&i| nodes[i].right as usize == i) {
                    break;
                }
            }
            for (j, acc) in out_group.chunks_exact_mut(k).enumerate() {
                let leaf = self.leaf_slot[at[j]] as usize;
                for (a, q) in acc.iter_mut().zip(&self.leaf_values[leaf * k..(leaf + 1) * k]) {
                    *a += q;
                }
            }
        }
    }
}

/// The forest-average of the trees' leaf values for every row (`width` a row), trees in
/// order, so that each tree's nodes stay in cache while all rows pass through.
pub(super) fn average_leaf_values(trees: &[Tree], rows: &[f64], p: usize, n_rows: usize, width: usize) -> Vec<f64> {
    let mut out = vec![0.0; n_rows * width];
    if p == 0 || trees.is_empty() {
        return out;
    }
    for tree in trees {
        tree.add_leaf_values(rows, p, &mut out);
    }
    let scale = 1.0 / trees.len() as f64;
    out.iter_mut().for_each(|a| *a *= scale);
    out
}
