//! n-way analysis of variance for a balanced full-factorial grid with replicate seeds: every
//! main effect and every interaction, with sums of squares, degrees of freedom, F, p and
//! partial η². For a balanced grid the type I, II and III sums of squares coincide; the
//! results match statsmodels' `anova_lm(ols("y ~ C(a) * C(b) * ...").fit(), typ=2)`.
//!
//! The sums of squares are computed from centred marginal means (effects obtained by
//! inclusion-exclusion over sub-terms), which avoids the cancellation of the textbook
//! "uncorrected sums" formulas when the metric has a large mean and small effects.

use super::dist::f_sf;
use super::{Result, StatsError, check_finite};

/// One factor of the grid: its name and the names of its levels (in index order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Factor {
    /// Parameter name, e.g. "learning_rate".
    pub name: String,
    /// Level names, e.g. ["0.01", "0.1"]; observation cells refer to them by index.
    pub levels: Vec<String>,
}

impl Factor {
    /// A factor from a name and level names.
    pub fn new(name: impl Into<String>, levels: impl IntoIterator<Item = impl Into<String>>) -> Self {
        Factor { name: name.into(), levels: levels.into_iter().map(Into::into).collect() }
    }
}

/// One row of the ANOVA table: a main effect or an interaction.
#[derive(Debug, Clone, PartialEq)]
pub struct AnovaTerm {
    /// Factor names joined by ':' (statsmodels style without `C()`), e.g. "lr:batch".
    pub name: String,
    /// Indices of the factors in this term, ascending.
    pub factors: Vec<usize>,
    /// Sum of squares.
    pub ss: f64,
    /// Degrees of freedom, the product of (levels − 1) over the term's factors.
    pub df: f64,
    /// Mean square, `ss / df`.
    pub ms: f64,
    /// F statistic, `ms / residual_ms`.
    pub f: f64,
    /// p-value of F with (df, residual_df) degrees of freedom.
    pub p_value: f64,
    /// Partial η² = ss / (ss + residual_ss).
    pub partial_eta_sq: f64,
}

/// A full n-way ANOVA table.
#[derive(Debug, Clone, PartialEq)]
pub struct Anova {
    /// Main effects, then two-way interactions, ..., then the full interaction; within a
    /// order, lexicographic by factor index (statsmodels' order for `a * b * c`).
    pub terms: Vec<AnovaTerm>,
    /// Residual (within-cell) sum of squares.
    pub residual_ss: f64,
    /// Residual degrees of freedom, N − number of cells.
    pub residual_df: f64,
    /// Residual mean square.
    pub residual_ms: f64,
    /// Total sum of squares about the grand mean.
    pub total_ss: f64,
    /// Grand mean.
    pub grand_mean: f64,
    /// Replicates (seeds) per cell.
    pub replicates: usize,
}

fn cell_name(factors: &[Factor], idx: &[usize]) -> String {
    factors.iter().zip(idx).map(|(f, &l)| format!("{}={}", f.name, f.levels[l])).collect::<Vec<_>>().join(", ")
}

/// ANOVA of `y[i]` observed at grid cell `cells[i]` (one level index per factor).
///
/// Errors, each naming what to fix: no factor, a factor with fewer than two levels, a level
/// index out of range, NaN in `y`, a cell with no observations (incomplete grid), cells with
/// different numbers of observations (unbalanced), fewer than 2 replicates per cell, and zero
/// residual variance (every seed gave the same value within every cell, so F is undefined).
pub fn factorial_anova<C: AsRef<[usize]>>(factors: &[Factor], cells: &[C], y: &[f64]) -> Result<Anova> {
    let nf = factors.len();
    if nf == 0 {
        return Err(StatsError::InvalidArgument("ANOVA needs at least one factor".into()));
    }
    if nf > 16 {
        return Err(StatsError::InvalidArgument(format!("ANOVA supports up to 16 factors, got {nf}")));
    }
    for f in factors {
        if f.levels.len() < 2 {
            return Err(StatsError::InvalidArgument(format!(
                "factor `{}` has {} level(s); a factor needs at least 2 levels to have an effect",
                f.name,
                f.levels.len()
            )));
        }
    }
    if cells.len() != y.len() {
        return Err(StatsError::LengthMismatch { what: "ANOVA (cells and values)", left: cells.len(), right: y.len() });
    }
    check_finite(y, "y")?;
    let dims: Vec<usize> = factors.iter().map(|f| f.levels.len()).collect();
    let n_cells: usize = dims.iter().product();
    let mut strides = vec![1usize; nf];
    for i in (0..nf.saturating_sub(1)).rev() {
        strides[i] = strides[i + 1] * dims[i + 1];
    }
    let mut count = vec![0usize; n_cells];
    let mut sum = vec![0.0f64; n_cells];
    for (obs, c) in cells.iter().enumerate() {
        let c = c.as_ref();
        if c.len() != nf {
            return Err(StatsError::InvalidArgument(format!(
                "observation {obs} names {} levels but there are {nf} factors",
                c.len()
            )));
        }
        let mut idx = 0;
        for (f, (&l, &d)) in c.iter().zip(&dims).enumerate() {
            if l >= d {
                return Err(StatsError::InvalidArgument(format!(
                    "observation {obs}: level index {l} of factor `{}` is out of range (it has {d} levels)",
                    factors[f].name
                )));
            }
            idx += l * strides[f];
        }
        count[idx] += 1;
        sum[idx] += y[obs];
    }
    let unravel = |mut idx: usize| -> Vec<usize> {
        let mut out = vec![0; nf];
        for f in 0..nf {
            out[f] = idx / strides[f];
            idx %= strides[f];
        }
        out
    };
    if let Some(missing) = count.iter().position(|&c| c == 0) {
        return Err(StatsError::UnbalancedGrid(format!(
            "the grid is incomplete: no observations for {}; every combination of levels needs results",
            cell_name(factors, &unravel(missing))
        )));
    }
    let r = count[0];
    if let Some(odd) = count.iter().position(|&c| c != r) {
        return Err(StatsError::UnbalancedGrid(format!(
            "the grid is unbalanced: {} has {} observations but {} has {r}; run the same seeds in every cell",
            cell_name(factors, &unravel(odd)),
            count[odd],
            cell_name(factors, &unravel(0)),
        )));
    }
    if r < 2 {
        return Err(StatsError::TooFew { what: "ANOVA (seeds per grid cell)", needed: 2, got: r });
    }
    let n = y.len();
    let grand: f64 = y.iter().sum::<f64>() / n as f64;
    let cell_mean: Vec<f64> = sum.iter().map(|s| s / r as f64).collect();
    // residual and total sums of squares
    let (mut ss_e, mut ss_tot) = (0.0, 0.0);
    let mut max_abs: f64 = 0.0;
    for (obs, c) in cells.iter().enumerate() {
        let idx: usize = c.as_ref().iter().zip(&strides).map(|(l, s)| l * s).sum();
        let e = y[obs] - cell_mean[idx];
        ss_e += e * e;
        let t = y[obs] - grand;
        ss_tot += t * t;
        max_abs = max_abs.max(y[obs].abs());
    }
    if ss_e <= (f64::EPSILON * max_abs).powi(2) * n as f64 * 16.0 {
        return Err(StatsError::Degenerate(
            "ANOVA undefined: every seed gave the same value within every grid cell, so the residual \
             variance is zero; check that the trial function uses its seed"
                .into(),
        ));
    }
    // centred marginal means for every subset of factors (bitmask)
    let n_masks = 1usize << nf;
    let centred: Vec<f64> = cell_mean.iter().map(|m| m - grand).collect();
    let mut marg_strides: Vec<Vec<usize>> = Vec::with_capacity(n_masks);
    let mut marginals: Vec<Vec<f64>> = Vec::with_capacity(n_masks);
    for mask in 0..n_masks {
        let mut st = vec![0usize; nf];
        let mut size = 1;
        for f in (0..nf).rev() {
            if mask >> f & 1 == 1 {
                st[f] = size;
                size *= dims[f];
            }
        }
        let mut m = vec![0.0; size];
        for (cidx, &v) in centred.iter().enumerate() {
            let lv = unravel(cidx);
            let j: usize = lv.iter().zip(&st).map(|(l, s)| l * s).sum();
            m[j] += v;
        }
        let per = (n_cells / size) as f64;
        for v in &mut m {
            *v /= per;
        }
        marg_strides.push(st);
        marginals.push(m);
    }
    // term order: by size, then lexicographic factor lists
    let mut masks: Vec<usize> = (1..n_masks).collect();
    let list = |m: usize| (0..nf).filter(|f| m >> f & 1 == 1).collect::<Vec<_>>();
    masks.sort_by(|&a, &b| a.count_ones().cmp(&b.count_ones()).then_with(|| list(a).cmp(&list(b))));
    let df_e = (n - n_cells) as f64;
    let ms_e = ss_e / df_e;
    let mut terms = Vec::with_capacity(masks.len());
    let levels: Vec<Vec<usize>> = (0..n_cells).map(unravel).collect();
    for &t in &masks {
        let mut ss = 0.0;
        // sum over full cells of the squared effect of term t at that cell
        for lv in &levels {
            let mut e = 0.0;
            // subsets s of t
            let mut s = t;
            loop {
                let j: usize = lv.iter().zip(&marg_strides[s]).map(|(l, st)| l * st).sum();
                let sign = if (t.count_ones() - s.count_ones()) % 2 == 0 { 1.0 } else { -1.0 };
                e += sign * marginals[s][j];
                if s == 0 {
                    break;
                }
                s = (s - 1) & t;
            }
            ss += e * e;
        }
        ss *= r as f64;
        let fl = list(t);
        let df: f64 = fl.iter().map(|&f| (dims[f] - 1) as f64).product();
        let ms = ss / df;
        let f = ms / ms_e;
        terms.push(AnovaTerm {
            name: fl.iter().map(|&f| factors[f].name.as_str()).collect::<Vec<_>>().join(":"),
            factors: fl,
            ss,
            df,
            ms,
            f,
            p_value: f_sf(f, df, df_e),
            partial_eta_sq: ss / (ss + ss_e),
        });
    }
    Ok(Anova {
        terms,
        residual_ss: ss_e,
        residual_df: df_e,
        residual_ms: ms_e,
        total_ss: ss_tot,
        grand_mean: grand,
        replicates: r,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid() -> (Vec<Factor>, Vec<[usize; 2]>, Vec<f64>) {
        let f = vec![Factor::new("a", ["x", "y"]), Factor::new("b", ["p", "q", "r"])];
        let mut cells = Vec::new();
        let mut y = Vec::new();
        for i in 0..2 {
            for j in 0..3 {
                for s in 0..3 {
                    cells.push([i, j]);
                    y.push(i as f64 + 0.5 * j as f64 + 0.1 * (s as f64 - 1.0) * (1.0 + (i * j) as f64));
                }
            }
        }
        (f, cells, y)
    }

    #[test]
    fn sums_of_squares_add_up() {
        let (f, c, y) = grid();
        let a = factorial_anova(&f, &c, &y).unwrap();
        let names: Vec<&str> = a.terms.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["a", "b", "a:b"]);
        let total: f64 = a.terms.iter().map(|t| t.ss).sum::<f64>() + a.residual_ss;
        assert!((total - a.total_ss).abs() < 1e-12);
    }

    #[test]
    fn missing_cell_is_named() {
        let (f, c, y) = grid();
        let keep: Vec<usize> = (0..c.len()).filter(|&i| c[i] != [1, 2]).collect();
        let c2: Vec<[usize; 2]> = keep.iter().map(|&i| c[i]).collect();
        let y2: Vec<f64> = keep.iter().map(|&i| y[i]).collect();
        let e = factorial_anova(&f, &c2, &y2).unwrap_err();
        assert!(e.to_string().contains("a=y, b=r"), "{e}");
    }

    #[test]
    fn unbalanced_cell_is_named() {
        let (f, mut c, mut y) = grid();
        c.pop();
        y.pop();
        let e = factorial_anova(&f, &c, &y).unwrap_err();
        assert!(e.to_string().contains("a=y, b=r has 2 observations"), "{e}");
    }

    #[test]
    fn zero_residual_is_an_error() {
        let f = vec![Factor::new("a", ["x", "y"])];
        let c = vec![[0], [0], [1], [1]];
        let e = factorial_anova(&f, &c, &[1.0, 1.0, 2.0, 2.0]).unwrap_err();
        assert!(matches!(e, StatsError::Degenerate(_)));
    }
}
