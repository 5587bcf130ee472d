//! Unpaired comparisons (configs run on different seeds): Welch's t-test and the
//! Mann-Whitney U test. A positive effect means the first sample `x` is larger.

use super::describe::mean_var_iter;
use super::dist::norm_sf;
use super::paired::{TTest, t_result};
use super::{Alternative, PMethod, Result, TestMethod, check_finite, check_len};

/// Welch's t-test (unequal variances) of `mean(x) == mean(y)`, as scipy's
/// `ttest_ind(x, y, equal_var=False, alternative=...)`.
///
/// Needs n >= 2 in each sample. When both samples are constant the standard error is zero:
/// equal means give `statistic = 0`, `p_value = 1`, `df = n_x + n_y - 2`; different means
/// give `statistic = ±inf` with `p_value` 0 in the direction of the difference.
pub fn welch_t(x: &[f64], y: &[f64], alt: Alternative) -> Result<TTest> {
    check_len(x, 2, "Welch's t-test (first sample)")?;
    check_len(y, 2, "Welch's t-test (second sample)")?;
    check_finite(x, "x")?;
    check_finite(y, "y")?;
    let (nx, ny) = (x.len() as f64, y.len() as f64);
    let (mx, vx) = mean_var_iter(x.iter().copied(), x.len());
    let (my, vy) = mean_var_iter(y.iter().copied(), y.len());
    let (ax, ay) = (vx / nx, vy / ny);
    let se2 = ax + ay;
    let df = if se2 > 0.0 {
        se2 * se2 / (ax * ax / (nx - 1.0) + ay * ay / (ny - 1.0))
    } else {
        nx + ny - 2.0
    };
    Ok(t_result(mx - my, se2.sqrt(), df, alt))
}

/// Options of the Mann-Whitney U test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MannWhitneyOptions {
    /// `Auto` follows scipy: exact when either sample has at most 8 values and there are no
    /// ties, the normal approximation (tie-corrected) otherwise.
    pub method: TestMethod,
    /// Continuity correction of the normal approximation (default `true`, as scipy).
    pub continuity: bool,
}

impl Default for MannWhitneyOptions {
    fn default() -> Self {
        MannWhitneyOptions { method: TestMethod::Auto, continuity: true }
    }
}

/// Result of a Mann-Whitney U test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MannWhitney {
    /// U of the first sample, `U1 = R1 - n1 (n1 + 1) / 2` (scipy's statistic).
    pub statistic: f64,
    /// The standardised statistic used for the p-value, when the normal approximation was used.
    pub z: Option<f64>,
    /// The p-value for the requested alternative.
    pub p_value: f64,
    /// How the p-value was computed.
    pub method: PMethod,
}

/// Mann-Whitney U test, as scipy's `mannwhitneyu(x, y, use_continuity=..., alternative=...)`.
///
/// Needs at least one value in each sample. The exact distribution ignores ties (as scipy);
/// `Auto` never picks it when there are ties. When every value in both samples is the same
/// the test has no information: `statistic = n1 n2 / 2`, `p_value = 1`, `method = Degenerate`.
pub fn mann_whitney_u(x: &[f64], y: &[f64], alt: Alternative, opts: MannWhitneyOptions) -> Result<MannWhitney> {
    check_len(x, 1, "a Mann-Whitney U test (first sample)")?;
    check_len(y, 1, "a Mann-Whitney U test (second sample)")?;
    check_finite(x, "x")?;
    check_finite(y, "y")?;
    let (n1, n2) = (x.len(), y.len());
    let n = n1 + n2;
    let mut all: Vec<(f64, bool)> = x.iter().map(|&v| (v, true)).chain(y.iter().map(|&v| (v, false))).collect();
    all.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    let mut r1 = 0.0;
    let mut tie_term = 0.0;
    let mut i = 0;
    while i < n {
        let mut j = i + 1;
        while j < n && all[j].0 == all[i].0 {
            j += 1;
        }
        let t = (j - i) as f64;
        if j - i > 1 {
            tie_term += t * t * t - t;
        }
        let rank = (i + 1 + j) as f64 / 2.0;
        r1 += rank * all[i..j].iter().filter(|e| e.1).count() as f64;
        i = j;
    }
    let (n1f, n2f, nf) = (n1 as f64, n2 as f64, n as f64);
    let u1 = r1 - n1f * (n1f + 1.0) / 2.0;
    let u2 = n1f * n2f - u1;
    if tie_term == nf * nf * nf - nf {
        return Ok(MannWhitney { statistic: u1, z: None, p_value: 1.0, method: PMethod::Degenerate });
    }
    let (u, factor) = match alt {
        Alternative::Greater => (u1, 1.0),
        Alternative::Less => (u2, 1.0),
        Alternative::TwoSided => (u1.max(u2), 2.0),
    };
    let exact = match opts.method {
        TestMethod::Exact => true,
        TestMethod::Asymptotic => false,
        TestMethod::Auto => (n1 <= 8 || n2 <= 8) && tie_term == 0.0,
    };
    if exact {
        let p = (factor * mwu_exact_sf(n1, n2, u)).clamp(0.0, 1.0);
        return Ok(MannWhitney { statistic: u1, z: None, p_value: p, method: PMethod::Exact });
    }
    let mu = n1f * n2f / 2.0;
    let s = (n1f * n2f / 12.0 * ((nf + 1.0) - tie_term / (nf * (nf - 1.0)))).sqrt();
    let mut num = u - mu;
    if opts.continuity {
        num -= 0.5;
    }
    let z = num / s;
    let p = (factor * norm_sf(z)).clamp(0.0, 1.0);
    Ok(MannWhitney { statistic: u1, z: Some(z), p_value: p, method: PMethod::Asymptotic })
}

/// P(U >= u) under the exact null distribution of U for sample sizes n1, n2 (no ties).
/// Recursion p(m, n; u) = m/(m+n) p(m-1, n; u-n) + n/(m+n) p(m, n-1; u) over the smaller
/// sample size, which keeps every term a probability.
fn mwu_exact_sf(n1: usize, n2: usize, u: f64) -> f64 {
    let (m, big) = if n1 <= n2 { (n1, n2) } else { (n2, n1) };
    // rows[mm][nn] distributions; keep the previous m-row for all nn.
    // prev[nn] = distribution of U for (mm-1, nn), length (mm-1)*nn + 1
    let mut prev: Vec<Vec<f64>> = (0..=big).map(|_| vec![1.0]).collect();
    for mm in 1..=m {
        let mut cur: Vec<Vec<f64>> = Vec::with_capacity(big + 1);
        cur.push(vec![1.0]); // (mm, 0): U = 0
        for nn in 1..=big {
            let len = mm * nn + 1;
            let mut dist = vec![0.0; len];
            let w1 = mm as f64 / (mm + nn) as f64;
            let w2 = nn as f64 / (mm + nn) as f64;
            for (k, &p) in prev[nn].iter().enumerate() {
                dist[k + nn] += w1 * p;
            }
            for (k, &p) in cur[nn - 1].iter().enumerate() {
                dist[k] += w2 * p;
            }
            cur.push(dist);
        }
        prev = cur;
    }
    let dist = &prev[big];
    let start = u.ceil().max(0.0) as usize;
    if start >= dist.len() {
        return 0.0;
    }
    // sum the smaller tail for accuracy
    let upper: f64 = dist[start..].iter().sum();
    upper.min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::StatsError;

    #[test]
    fn welch_basic_and_degenerate() {
        let r = welch_t(&[1.0, 2.0, 3.0, 4.0], &[2.0, 4.0, 6.0], Alternative::TwoSided).unwrap();
        assert!(r.statistic < 0.0 && r.p_value > 0.0 && r.p_value < 1.0);
        let r = welch_t(&[1.0, 1.0], &[1.0, 1.0, 1.0], Alternative::TwoSided).unwrap();
        assert_eq!((r.statistic, r.p_value), (0.0, 1.0));
        let r = welch_t(&[2.0, 2.0], &[1.0, 1.0, 1.0], Alternative::Greater).unwrap();
        assert_eq!((r.statistic, r.p_value), (f64::INFINITY, 0.0));
        assert!(matches!(welch_t(&[1.0], &[1.0, 2.0], Alternative::TwoSided), Err(StatsError::TooFew { .. })));
    }

    #[test]
    fn mwu_exact_textbook() {
        // scipy docs example: U1 = 17, exact two-sided p = 1/9
        let r = mann_whitney_u(&[19., 22., 16., 29., 24.], &[20., 11., 17., 12.], Alternative::TwoSided, Default::default()).unwrap();
        assert_eq!(r.statistic, 17.0);
        assert!((r.p_value - 1.0 / 9.0).abs() < 1e-14);
    }

    #[test]
    fn mwu_all_ties() {
        let r = mann_whitney_u(&[1.0; 4], &[1.0; 5], Alternative::TwoSided, Default::default()).unwrap();
        assert_eq!((r.statistic, r.p_value, r.method), (10.0, 1.0, PMethod::Degenerate));
    }

    #[test]
    fn mwu_nan() {
        let e = mann_whitney_u(&[1.0, 2.0], &[f64::NAN], Alternative::TwoSided, Default::default()).unwrap_err();
        assert!(matches!(e, StatsError::NonFinite { input: "y", index: 0, .. }));
    }
}
