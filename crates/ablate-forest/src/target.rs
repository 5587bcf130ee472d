//! What a tree predicts, as the builder sees it: per-node statistics, the values stored in a
//! leaf, and the incremental sweep that scores every boundary of a node's sorted rows.
//! [`Classes`] scores by Gini impurity, [`Values`] by squared error.

/// A prediction target for the tree builder. One scratch per builder (thread) holds the
/// node's statistics and the sweep's running sums.
pub(super) trait Target: Sync {
    /// Per-builder running statistics.
    type Scratch: Send;

    /// Values stored per leaf: class probabilities for a classifier, one mean for a regressor.
    fn leaf_width(&self) -> usize;

    /// A fresh scratch.
    fn scratch(&self) -> Self::Scratch;

    /// Sums the node's rows (each counting its weight) into the scratch; returns `true` when
    /// the node is pure (every row has the same target), so that no split can help.
    fn begin_node(&self, s: &mut Self::Scratch, rows: &[u32], weights: &[u32]) -> bool;

    /// Appends the leaf values of the node last begun.
    fn leaf_values(&self, s: &Self::Scratch, out: &mut Vec<f64>);

    /// Starts a sweep over the node last begun: every row on the right.
    fn sweep_start(&self, s: &mut Self::Scratch);

    /// Moves one row, counting `weight` times, from the right child to the left.
    fn sweep_move(&self, s: &mut Self::Scratch, row: u32, weight: u32);

    /// The current split's score as a fraction `(num, den)`, `den > 0`; larger is better.
    /// Fractions are compared by cross-multiplying, so integer scores stay exact.
    fn sweep_score(&self, s: &Self::Scratch) -> (f64, f64);

    /// The key that orders a category's rows among the node's categories for a subset split:
    /// their mean target (for classes: the share of the node's most frequent class).
    fn category_key(&self, s: &Self::Scratch, rows: &mut dyn Iterator<Item = (u32, u32)>) -> f64;
}

/// Class labels, as indices `0..n_classes`: Gini impurity.
pub(super) struct Classes<'a> {
    pub y: &'a [u32],
    pub n_classes: usize,
}

/// The running class counts of a [`Classes`] node and sweep.
pub(super) struct ClassCounts {
    node: Vec<i64>,
    total: i64,
    node_sq: i64,
    left: Vec<i64>,
    right: Vec<i64>,
    wl: i64,
    wr: i64,
    sql: i64,
    sqr: i64,
}

impl Target for Classes<'_> {
    type Scratch = ClassCounts;

    fn leaf_width(&self) -> usize {
        self.n_classes
    }

    fn scratch(&self) -> ClassCounts {
        let k = self.n_classes;
        ClassCounts { node: vec![0; k], total: 0, node_sq: 0, left: vec![0; k], right: vec![0; k], wl: 0, wr: 0, sql: 0, sqr: 0 }
    }

    fn begin_node(&self, s: &mut ClassCounts, rows: &[u32], weights: &[u32]) -> bool {
        s.node.fill(0);
        for &r in rows {
            s.node[self.y[r as usize] as usize] += weights[r as usize] as i64;
        }
        s.total = s.node.iter().sum();
        s.node_sq = s.node.iter().map(|&c| c * c).sum();
        s.node.contains(&s.total)
    }

    fn leaf_values(&self, s: &ClassCounts, out: &mut Vec<f64>) {
        let inv = 1.0 / s.total as f64;
        out.extend(s.node.iter().map(|&c| c as f64 * inv));
    }

    fn sweep_start(&self, s: &mut ClassCounts) {
        s.left.fill(0);
        s.right.copy_from_slice(&s.node);
        (s.wl, s.wr, s.sql, s.sqr) = (0, s.total, 0, s.node_sq);
    }

    #[inline]
    fn sweep_move(&self, s: &mut ClassCounts, row: u32, weight: u32) {
        // Maximising sum_c L_c²/W_L + sum_c R_c²/W_R minimises the children's weighted Gini
        // impurity; the squared sums are kept incrementally. All counts are exact integers
        // (bounded by n² < 2^62), so wrapping arithmetic never wraps; it only spares the hot
        // loop the overflow checks of debug-assertion builds.
        let c = self.y[row as usize] as usize;
        let w = weight as i64;
        let lc = s.left[c];
        s.sql = s.sql.wrapping_add(w.wrapping_mul(lc.wrapping_mul(2).wrapping_add(w)));
        s.left[c] = lc.wrapping_add(w);
        let rc = s.right[c];
        s.sqr = s.sqr.wrapping_sub(w.wrapping_mul(rc.wrapping_mul(2).wrapping_sub(w)));
        s.right[c] = rc.wrapping_sub(w);
        s.wl = s.wl.wrapping_add(w);
        s.wr = s.wr.wrapping_sub(w);
    }

    #[inline]
    fn sweep_score(&self, s: &ClassCounts) -> (f64, f64) {
        // (SL·WR + SR·WL) / (WL·WR): exact while n⁵ < 2^53 (e.g. n < 1,500 rows).
        (s.sql as f64 * s.wr as f64 + s.sqr as f64 * s.wl as f64, s.wl as f64 * s.wr as f64)
    }

    fn category_key(&self, s: &ClassCounts, rows: &mut dyn Iterator<Item = (u32, u32)>) -> f64 {
        let majority = (0..self.n_classes).max_by_key(|&c| (s.node[c], std::cmp::Reverse(c))).unwrap_or(0);
        let (mut hits, mut total) = (0i64, 0i64);
        for (row, w) in rows {
            total += w as i64;
            if self.y[row as usize] as usize == majority {
                hits += w as i64;
            }
        }
        hits as f64 / total.max(1) as f64
    }
}

/// Real-valued targets: squared error (variance reduction).
pub(super) struct Values<'a> {
    /// The targets, centred on their mean (sums of squares stay well conditioned).
    pub y: &'a [f64],
}

/// The running sums of a [`Values`] node and sweep.
pub(super) struct ValueSums {
    w: f64,
    sum: f64,
    wl: f64,
    sl: f64,
}

impl Target for Values<'_> {
    type Scratch = ValueSums;

    fn leaf_width(&self) -> usize {
        1
    }

    fn scratch(&self) -> ValueSums {
        ValueSums { w: 0.0, sum: 0.0, wl: 0.0, sl: 0.0 }
    }

    fn begin_node(&self, s: &mut ValueSums, rows: &[u32], weights: &[u32]) -> bool {
        let (mut w, mut sum) = (0.0, 0.0);
        let first = rows.first().map_or(0.0, |&r| self.y[r as usize]);
        let mut pure = true;
        for &r in rows {
            let (y, k) = (self.y[r as usize], weights[r as usize] as f64);
            w += k;
            sum += k * y;
            pure &= y == first;
        }
        (s.w, s.sum) = (w, sum);
        pure
    }

    fn leaf_values(&self, s: &ValueSums, out: &mut Vec<f64>) {
        out.push(s.sum / s.w);
    }

    fn sweep_start(&self, s: &mut ValueSums) {
        (s.wl, s.sl) = (0.0, 0.0);
    }

    #[inline]
    fn sweep_move(&self, s: &mut ValueSums, row: u32, weight: u32) {
        let k = weight as f64;
        s.wl += k;
        s.sl += k * self.y[row as usize];
    }

    #[inline]
    fn sweep_score(&self, s: &ValueSums) -> (f64, f64) {
        // Maximising SL²/WL + SR²/WR minimises the children's summed squared error.
        let (wr, sr) = (s.w - s.wl, s.sum - s.sl);
        (s.sl * s.sl * wr + sr * sr * s.wl, s.wl * wr)
    }

    fn category_key(&self, _: &ValueSums, rows: &mut dyn Iterator<Item = (u32, u32)>) -> f64 {
        let (mut w, mut sum) = (0.0, 0.0);
        for (row, k) in rows {
            w += k as f64;
            sum += k as f64 * self.y[row as usize];
        }
        sum / w.max(f64::MIN_POSITIVE)
    }
}
