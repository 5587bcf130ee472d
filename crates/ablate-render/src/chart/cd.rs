//! Critical-difference diagram (Demšar 2006): configurations placed on an axis of average rank
//! (1 = best, on the left), the better half labelled on the left and the rest on the right, the
//! critical difference drawn as a bar with its value, and thick lines joining groups whose ranks
//! are not significantly different.

use super::scale::{self, Scale};
use super::svg::{self, Svg, Txt};
use super::theme::*;
use super::Chart;

/// Demšar critical-difference diagram: configurations on an axis of average ranks, with
/// bars joining those that are not significantly different.
#[derive(Clone, Debug, PartialEq)]
pub struct CriticalDifference {
    /// Title; empty means "Critical difference diagram".
    pub title: String,
    /// Configuration names, one per rank.
    pub names: Vec<String>,
    /// Average rank of each configuration (1 = best), same order as `names`.
    pub avg_ranks: Vec<f64>,
    /// Critical difference (e.g. Nemenyi at α = 0.05), in rank units.
    pub cd: f64,
    /// Groups of indices into `names` that are not significantly different. When empty, groups
    /// are derived from `cd` (|rank difference| < cd).
    pub cliques: Vec<Vec<usize>>,
    /// Footnote, e.g. "Nemenyi test, α = 0.05, 12 datasets".
    pub note: String,
    /// Width of the SVG in pixels.
    pub width: f64,
}

impl CriticalDifference {
    /// A diagram of `names` at `avg_ranks` with critical difference `cd`.
    pub fn new(names: Vec<String>, avg_ranks: Vec<f64>, cd: f64) -> Self {
        CriticalDifference { title: String::new(), names, avg_ranks, cd, cliques: Vec::new(), note: String::new(), width: 720.0 }
    }
    /// Sets the groups (indices into `names`) that are not significantly different.
    pub fn cliques(mut self, c: Vec<Vec<usize>>) -> Self {
        self.cliques = c;
        self
    }
    /// Groups from a symmetric matrix where `not_different[i][j]` says configs i and j are not
    /// significantly different (e.g. from pairwise post-hoc tests).
    pub fn not_different(mut self, not_different: &[Vec<bool>]) -> Self {
        self.cliques = cliques_from_matrix(&self.avg_ranks, not_different);
        self
    }

    /// The groups drawn: `cliques` if given, else those implied by `cd`.
    pub fn groups(&self) -> Vec<Vec<usize>> {
        if !self.cliques.is_empty() {
            return self.cliques.iter().filter(|c| c.len() > 1).cloned().collect();
        }
        let k = self.avg_ranks.len();
        let m: Vec<Vec<bool>> = (0..k).map(|i| (0..k).map(|j| (self.avg_ranks[i] - self.avg_ranks[j]).abs() < self.cd).collect()).collect();
        cliques_from_matrix(&self.avg_ranks, &m)
    }
}

/// Maximal runs of configurations (in rank order) that are pairwise not different; runs of one
/// and runs contained in an earlier run are dropped.
pub fn cliques_from_matrix(ranks: &[f64], not_different: &[Vec<bool>]) -> Vec<Vec<usize>> {
    let k = ranks.len();
    let nd = |a: usize, b: usize| a == b || not_different.get(a).and_then(|r| r.get(b)).copied().unwrap_or(false);
    let mut order: Vec<usize> = (0..k).collect();
    order.sort_by(|&a, &b| ranks[a].total_cmp(&ranks[b]));
    let mut out = Vec::new();
    let mut last_end = 0usize;
    for i in 0..k {
        let mut j = i;
        while j + 1 < k && (i..=j).all(|m| nd(order[m], order[j + 1]) && nd(order[j + 1], order[m])) {
            j += 1;
        }
        if j > i && (out.is_empty() || j > last_end) {
            out.push(order[i..=j].to_vec());
            last_end = j;
        }
    }
    out
}

impl Chart for CriticalDifference {
    fn to_svg(&self) -> String {
        let k = self.names.len().min(self.avg_ranks.len());
        let w = self.width.max(400.0);
        let title = if self.title.is_empty() { "Critical difference diagram".to_string() } else { self.title.clone() };
        let sub = "average rank (1 = best); configurations joined by a bar are not significantly different";
        let mut order: Vec<usize> = (0..k).filter(|&i| self.avg_ranks[i].is_finite()).collect();
        order.sort_by(|&a, &b| self.avg_ranks[a].total_cmp(&self.avg_ranks[b]));
        let k = order.len();
        let n_left = k.div_ceil(2);
        let groups = self.groups();

        let name_size = LABEL_SIZE - 1.0;
        let name = |i: usize| svg::truncate_to(&self.names[i], name_size, false, 200.0);
        let rank_txt = |i: usize| format!("{:.2}", self.avg_ranks[i]);
        let side_w = |idx: &[usize]| {
            idx.iter()
                .map(|&i| svg::text_width(&name(i), name_size, false) + 6.0 + svg::text_width(&rank_txt(i), NOTE_SIZE, false))
                .fold(0.0, f64::max)
        };
        let lw = side_w(&order[..n_left]);
        let rw = side_w(&order[n_left..]);
        let ax_l = PAD + lw + 22.0;
        let ax_r = w - PAD - rw - 22.0;

        let rmin = order.first().map_or(1.0, |&i| self.avg_ranks[i]).min(1.0).floor();
        let rmax = order.last().map_or(2.0, |&i| self.avg_ranks[i]).max(k as f64).ceil().max(rmin + 1.0);
        let sc = Scale::linear(rmin, rmax, ax_l, ax_r);

        let top = super::header_height(sub) + 8.0;
        let cd_y = top + 18.0;
        let axis_y = cd_y + 40.0;
        let clique_y0 = axis_y + 14.0;
        let row = 24.0;
        let lab_y0 = clique_y0 + groups.len() as f64 * 9.0 + 14.0;
        let rows = n_left.max(k - n_left);
        let h = lab_y0 + rows.saturating_sub(1) as f64 * row + 18.0 + super::note_height(&self.note, w) + PAD;

        let mut s = Svg::new(w, h, &title);
        super::draw_header(&mut s, w, &title, sub);

        // CD bar
        if self.cd.is_finite() && self.cd > 0.0 {
            let (x0, x1) = (sc.map(rmin), sc.map((rmin + self.cd).min(rmax)));
            s.line(x0, cd_y, x1, cd_y, TEXT, 2.0, "class=\"cd-bar\"");
            s.line(x0, cd_y - 5.0, x0, cd_y + 5.0, TEXT, 1.5, "");
            s.line(x1, cd_y - 5.0, x1, cd_y + 5.0, TEXT, 1.5, "");
            let t = format!("CD = {}", scale::fmt_num(self.cd, 2));
            s.text((x0 + x1) / 2.0, cd_y - 8.0, &t, Txt::new(ANNOT_SIZE).middle());
        }

        // axis with integer ticks (and half ticks)
        s.line(ax_l, axis_y, ax_r, axis_y, AXIS, 1.5, "");
        let mut r = rmin;
        while r <= rmax + 1e-9 {
            let x = sc.map(r);
            s.line(x, axis_y - 7.0, x, axis_y, AXIS, 1.2, "");
            s.text(x, axis_y - 11.0, &format!("{}", r as i64), Txt::new(TICK_SIZE).middle().fill(MUTED));
            if r + 0.5 <= rmax {
                let xh = sc.map(r + 0.5);
                s.line(xh, axis_y - 4.0, xh, axis_y, AXIS, 1.0, "");
            }
            r += 1.0;
        }

        // groups
        for (g, grp) in groups.iter().enumerate() {
            let lo = grp.iter().map(|&i| self.avg_ranks[i]).fold(f64::INFINITY, f64::min);
            let hi = grp.iter().map(|&i| self.avg_ranks[i]).fold(f64::NEG_INFINITY, f64::max);
            let y = clique_y0 + g as f64 * 9.0;
            s.line(sc.map(lo) - 4.0, y, sc.map(hi) + 4.0, y, TEXT, 4.0, "stroke-linecap=\"round\" class=\"clique\"");
        }

        // elbows and labels
        for (pos, &i) in order.iter().enumerate() {
            let x = sc.map(self.avg_ranks[i]);
            let (y, left_side) = if pos < n_left { (lab_y0 + pos as f64 * row, true) } else { (lab_y0 + (k - 1 - pos) as f64 * row, false) };
            let xe = if left_side { ax_l - 14.0 } else { ax_r + 14.0 };
            s.polyline(&[(x, axis_y), (x, y), (xe, y)], AXIS, 1.1, "");
            let rt = rank_txt(i);
            let nm = name(i);
            if left_side {
                s.text(xe - 4.0, y + 4.5, &rt, Txt::new(NOTE_SIZE).end().fill(MUTED));
                let nx = xe - 4.0 - svg::text_width(&rt, NOTE_SIZE, false) - 6.0;
                s.text_attrs(nx, y + 4.5, &nm, Txt::new(name_size).end(), "class=\"cd-label\"");
            } else {
                s.text(xe + 4.0, y + 4.5, &rt, Txt::new(NOTE_SIZE).fill(MUTED));
                let nx = xe + 4.0 + svg::text_width(&rt, NOTE_SIZE, false) + 6.0;
                s.text_attrs(nx, y + 4.5, &nm, Txt::new(name_size), "class=\"cd-label\"");
            }
        }
        super::draw_note(&mut s, w, h, &self.note);
        s.finish()
    }
}

super::chart_setters!(CriticalDifference);

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::*;

    fn six() -> CriticalDifference {
        let names = ["baseline", "no-dropout", "lr=3e-3", "wide", "deep", "no-norm"].iter().map(|s| s.to_string()).collect();
        CriticalDifference::new(names, vec![2.1, 3.4, 1.8, 2.9, 4.2, 6.0], 1.5).note("Nemenyi, α = 0.05, 10 datasets")
    }

    #[test]
    fn cliques_follow_the_critical_difference() {
        let c = six();
        let g = c.groups();
        // sorted: lr(1.8) base(2.1) wide(2.9) no-drop(3.4) deep(4.2) no-norm(6.0)
        assert_eq!(g, vec![vec![2, 0, 3], vec![0, 3, 1], vec![3, 1, 4]]);
        let svg = c.to_svg();
        assert_well_formed(&svg);
        assert_eq!(count(&svg, "class=\"clique\""), 3);
        assert_eq!(count(&svg, "class=\"cd-label\""), 6);
        assert!(svg.contains("CD = 1.50"));
        // best three on the left: their labels are right-aligned
        let line = svg.lines().find(|l| l.contains(">lr=3e-3<")).unwrap();
        assert!(line.contains("text-anchor=\"end\""));
        let line = svg.lines().find(|l| l.contains(">no-norm<")).unwrap();
        assert!(!line.contains("text-anchor"));
    }

    #[test]
    fn explicit_matrix_overrides_cd() {
        let mut m = vec![vec![false; 3]; 3];
        m[0][1] = true;
        m[1][0] = true;
        let c = CriticalDifference::new(vec!["a".into(), "b".into(), "c".into()], vec![1.0, 2.0, 3.0], 5.0).not_different(&m);
        assert_eq!(c.groups(), vec![vec![0, 1]]);
    }

    #[test]
    fn escapes_user_text() {
        let c = CriticalDifference::new(vec![NASTY_PARAM.into(), NASTY_LEVEL.into()], vec![1.2, 1.8], 1.0).title(NASTY_PARAM);
        assert_escaped(&c.to_svg());
    }
}
