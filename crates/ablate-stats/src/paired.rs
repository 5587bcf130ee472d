//! Paired comparisons of two configs run on the same seeds: the paired t-test, the Wilcoxon
//! signed-rank test and the sign-flip permutation test. All work on the differences
//! `a[i] - b[i]`, so a positive statistic means `a` is larger.

use super::describe::mean_var_iter;
use super::dist::{norm_cdf, norm_sf, t_cdf, t_sf};
use super::{
    Alternative, PMethod, Result, StatsError, TestMethod, check_finite, check_len, check_paired, p_degenerate,
    p_from_tails,
};
use crate::rng::Rng;

/// Result of a t-test (one-sample, paired or Welch).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TTest {
    /// The t statistic. `±inf` when the spread is zero but the mean difference is not.
    pub statistic: f64,
    /// Degrees of freedom (fractional for Welch).
    pub df: f64,
    /// The p-value for the requested alternative.
    pub p_value: f64,
    /// The estimated difference: mean of `a - b` (paired), `mean(x) - mean(y)` (Welch),
    /// or `mean(x) - mu` (one-sample).
    pub estimate: f64,
    /// Standard error of `estimate`.
    pub se: f64,
}

/// Builds a t-test result, handling zero standard error (see [`paired_t`]).
pub(crate) fn t_result(estimate: f64, se: f64, df: f64, alt: Alternative) -> TTest {
    if se == 0.0 {
        let sign = if estimate > 0.0 { 1.0 } else if estimate < 0.0 { -1.0 } else { 0.0 };
        let statistic = if sign == 0.0 { 0.0 } else { sign * f64::INFINITY };
        return TTest { statistic, df, p_value: p_degenerate(sign, alt), estimate, se };
    }
    let t = estimate / se;
    let p = p_from_tails(t_cdf(t, df), t_sf(t, df), alt);
    TTest { statistic: t, df, p_value: p, estimate, se }
}

/// One-sample t-test of `mean(x) == mu`, as scipy's `ttest_1samp`.
///
/// Needs n >= 2. Zero spread: if every value equals `mu` the result is `statistic = 0`,
/// `p_value = 1`; otherwise `statistic = ±inf` and `p_value` is 0 in the direction of the
/// difference (1 against it). scipy returns NaN / inf in these cases.
pub fn one_sample_t(x: &[f64], mu: f64, alt: Alternative) -> Result<TTest> {
    check_len(x, 2, "a one-sample t-test")?;
    check_finite(x, "x")?;
    let n = x.len();
    let (m, var) = mean_var_iter(x.iter().map(|v| v - mu), n);
    Ok(t_result(m, (var / n as f64).sqrt(), (n - 1) as f64, alt))
}

/// Paired t-test on `a[i] - b[i]`, as scipy's `ttest_rel(a, b, alternative=...)`.
///
/// Needs equal lengths and n >= 2. All differences zero: `statistic = 0`, `p_value = 1`.
/// All differences equal but nonzero (zero spread): `statistic = ±inf`, `p_value = 0` for
/// `TwoSided` and for the one-sided alternative in the direction of the difference, 1 for
/// the other.
pub fn paired_t(a: &[f64], b: &[f64], alt: Alternative) -> Result<TTest> {
    check_paired(a, b, "a paired t-test")?;
    check_len(a, 2, "a paired t-test")?;
    check_finite(a, "a")?;
    check_finite(b, "b")?;
    let n = a.len();
    let (m, var) = mean_var_iter(a.iter().zip(b).map(|(x, y)| x - y), n);
    Ok(t_result(m, (var / n as f64).sqrt(), (n - 1) as f64, alt))
}

/// Options of the Wilcoxon signed-rank test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WilcoxonOptions {
    /// How the p-value is computed. `Auto` follows scipy 1.17: exact when n <= 50 with no
    /// ties and no zero differences; exact over sign flips of the ranks when n <= 13
    /// otherwise (scipy's permutation test); the normal approximation beyond.
    pub method: TestMethod,
    /// Continuity correction of the normal approximation. Default `true` (scipy's
    /// `wilcoxon` defaults to `correction=False`; pass `false` to reproduce that).
    pub continuity: bool,
}

impl Default for WilcoxonOptions {
    fn default() -> Self {
        WilcoxonOptions { method: TestMethod::Auto, continuity: true }
    }
}

/// Result of a Wilcoxon signed-rank test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WilcoxonResult {
    /// scipy's statistic: `min(r_plus, r_minus)` for `TwoSided`, `r_plus` otherwise.
    pub statistic: f64,
    /// Sum of the ranks of the positive differences.
    pub r_plus: f64,
    /// Sum of the ranks of the negative differences.
    pub r_minus: f64,
    /// Differences that are not zero (zeros are dropped, scipy's `zero_method="wilcox"`).
    pub n_nonzero: usize,
    /// Differences that are exactly zero.
    pub n_zero: usize,
    /// The standardised statistic (after the continuity correction), when the normal
    /// approximation was used.
    pub z: Option<f64>,
    /// The p-value for the requested alternative.
    pub p_value: f64,
    /// How the p-value was computed.
    pub method: PMethod,
}

/// Wilcoxon signed-rank test on `a[i] - b[i]`, as scipy's
/// `wilcoxon(a, b, zero_method="wilcox", correction=opts.continuity, alternative=...)`.
///
/// Zero differences are dropped from the ranking (scipy's default). Ties get average
/// ranks; the exact distribution then runs over sign flips of those ranks (as scipy's
/// permutation fallback does) and the normal approximation uses the tie-corrected variance.
/// Degenerate: n < 1 is an error; all differences zero gives `statistic = 0`,
/// `p_value = 1`, `method = Degenerate` (scipy returns NaN for n > 13).
pub fn wilcoxon(a: &[f64], b: &[f64], alt: Alternative, opts: WilcoxonOptions) -> Result<WilcoxonResult> {
    check_paired(a, b, "a Wilcoxon signed-rank test")?;
    check_len(a, 1, "a Wilcoxon signed-rank test")?;
    check_finite(a, "a")?;
    check_finite(b, "b")?;
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
    wilcoxon_core(d, alt, opts)
}

/// Wilcoxon signed-rank test of one sample against zero (for example precomputed paired
/// differences), as scipy's `wilcoxon(x)`. Same conventions as [`wilcoxon`].
pub fn wilcoxon_one_sample(x: &[f64], alt: Alternative, opts: WilcoxonOptions) -> Result<WilcoxonResult> {
    check_len(x, 1, "a Wilcoxon signed-rank test")?;
    check_finite(x, "x")?;
    wilcoxon_core(x.to_vec(), alt, opts)
}

fn wilcoxon_core(mut d: Vec<f64>, alt: Alternative, opts: WilcoxonOptions) -> Result<WilcoxonResult> {
    let n_total = d.len();
    d.retain(|&v| v != 0.0);
    let n = d.len();
    let n_zero = n_total - n;
    if n == 0 {
        return Ok(WilcoxonResult {
            statistic: 0.0,
            r_plus: 0.0,
            r_minus: 0.0,
            n_nonzero: 0,
            n_zero,
            z: None,
            p_value: 1.0,
            method: PMethod::Degenerate,
        });
    }
    d.sort_unstable_by(|x, y| x.abs().total_cmp(&y.abs()));
    // average ranks of |d|, doubled so they are integers
    let mut ranks2 = vec![0usize; n];
    let mut tie_term = 0.0;
    let mut has_ties = false;
    let mut i = 0;
    while i < n {
        let mut j = i + 1;
        while j < n && d[j].abs() == d[i].abs() {
            j += 1;
        }
        let t = (j - i) as f64;
        if j - i > 1 {
            has_ties = true;
            tie_term += t * t * t - t;
        }
        // ranks i+1..=j averaged, doubled: (i+1+j)
        for r in &mut ranks2[i..j] {
            *r = i + 1 + j;
        }
        i = j;
    }
    let mut rp2 = 0usize;
    for (v, &r) in d.iter().zip(&ranks2) {
        if *v > 0.0 {
            rp2 += r;
        }
    }
    let total2 = n * (n + 1);
    let r_plus = rp2 as f64 / 2.0;
    let r_minus = (total2 - rp2) as f64 / 2.0;
    let statistic = if alt == Alternative::TwoSided { r_plus.min(r_minus) } else { r_plus };

    let exact = match opts.method {
        TestMethod::Exact => true,
        TestMethod::Asymptotic => false,
        TestMethod::Auto => n_total <= 50 && ((!has_ties && n_zero == 0) || n_total <= 13),
    };
    if exact {
        // distribution of the doubled positive-rank sum over all 2^n sign patterns
        let mut prob = vec![0.0f64; total2 + 1];
        prob[0] = 1.0;
        let mut reach = 0usize;
        for &r in &ranks2 {
            reach += r;
            for s in (0..=reach).rev() {
                let keep = prob[s] * 0.5;
                let add = if s >= r { prob[s - r] * 0.5 } else { 0.0 };
                prob[s] = keep + add;
            }
        }
        let cdf: f64 = prob[..=rp2].iter().sum();
        let sf: f64 = prob[rp2..].iter().sum();
        let p = p_from_tails(cdf.min(1.0), sf.min(1.0), alt);
        return Ok(WilcoxonResult {
            statistic,
            r_plus,
            r_minus,
            n_nonzero: n,
            n_zero,
            z: None,
            p_value: p,
            method: PMethod::Exact,
        });
    }
    let nf = n as f64;
    let mn = nf * (nf + 1.0) * 0.25;
    let se = ((nf * (nf + 1.0) * (2.0 * nf + 1.0) - tie_term / 2.0) / 24.0).sqrt();
    let mut z = (r_plus - mn) / se;
    if opts.continuity {
        let sign = match alt {
            Alternative::Greater => 1.0,
            Alternative::Less => -1.0,
            Alternative::TwoSided => {
                if z > 0.0 { 1.0 } else if z < 0.0 { -1.0 } else { 0.0 }
            }
        };
        z -= sign * 0.5 / se;
    }
    let p = p_from_tails(norm_cdf(z), norm_sf(z), alt);
    Ok(WilcoxonResult {
        statistic,
        r_plus,
        r_minus,
        n_nonzero: n,
        n_zero,
        z: Some(z),
        p_value: p,
        method: PMethod::Asymptotic,
    })
}

/// Options of the sign-flip permutation test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PermutationOptions {
    /// Enumerate all 2^n sign patterns when n <= this (default 20; the enumeration meets
    /// in the middle, so n = 20 costs about 2,000 sums). Above it, sample.
    pub max_exact_n: usize,
    /// Number of random sign patterns when sampling (default 9,999, as scipy).
    pub n_resamples: usize,
    /// Seed of the sampling generator ([`crate::rng::Rng`]); same seed, same p-value.
    pub seed: u64,
}

impl Default for PermutationOptions {
    fn default() -> Self {
        PermutationOptions { max_exact_n: 20, n_resamples: 9_999, seed: 0 }
    }
}

/// Result of the sign-flip permutation test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PermutationResult {
    /// The observed mean difference `mean(a - b)`.
    pub statistic: f64,
    /// The p-value for the requested alternative.
    pub p_value: f64,
    /// `Exact` (all 2^n patterns) or `Sampled`.
    pub method: PMethod,
    /// Number of sign patterns the p-value is based on (2^n when exact).
    pub n_resamples: u64,
}

/// Paired sign-flip permutation test of `mean(a - b) == 0`: under the null each difference
/// is as likely to have had the opposite sign. Matches scipy's
/// `permutation_test((a, b), lambda x, y: np.mean(x - y), permutation_type="samples")`:
/// exact p-values count patterns at least as extreme (with scipy's relative tolerance of
/// 100 machine epsilons for ties); sampled p-values are `(count + 1) / (n_resamples + 1)`.
/// Two-sided p is twice the smaller one-sided p, capped at 1.
///
/// scipy enumerates only while 2^n <= n_resamples (n <= 13 by default); this enumerates up to
/// `max_exact_n`. All differences zero gives `statistic = 0`, `p_value = 1`.
pub fn sign_flip_test(a: &[f64], b: &[f64], alt: Alternative, opts: PermutationOptions) -> Result<PermutationResult> {
    check_paired(a, b, "a sign-flip permutation test")?;
    check_len(a, 1, "a sign-flip permutation test")?;
    check_finite(a, "a")?;
    check_finite(b, "b")?;
    if opts.max_exact_n > 40 {
        return Err(StatsError::InvalidArgument(format!(
            "max_exact_n must be at most 40 (2^40 patterns), got {}",
            opts.max_exact_n
        )));
    }
    let n = a.len();
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
    let obs: f64 = d.iter().sum();
    let statistic = obs / n as f64;
    if d.iter().all(|&v| v == 0.0) {
        return Ok(PermutationResult { statistic, p_value: 1.0, method: PMethod::Degenerate, n_resamples: 1 });
    }
    let gamma = (100.0 * f64::EPSILON * obs).abs();
    let (count_less, count_greater, total, method) = if n <= opts.max_exact_n {
        let h = n / 2;
        let left = subset_sums(&d[..h]);
        let mut right = subset_sums(&d[h..]);
        right.sort_unstable_by(f64::total_cmp);
        let (mut le, mut ge) = (0u64, 0u64);
        for &l in &left {
            let hi = obs + gamma - l;
            le += right.partition_point(|&r| r <= hi) as u64;
            let lo = obs - gamma - l;
            ge += (right.len() - right.partition_point(|&r| r < lo)) as u64;
        }
        (le, ge, 1u64 << n, PMethod::Exact)
    } else {
        if opts.n_resamples == 0 {
            return Err(StatsError::InvalidArgument("n_resamples must be positive".into()));
        }
        let mut rng = Rng::new(opts.seed);
        let (mut le, mut ge) = (1u64, 1u64);
        for _ in 0..opts.n_resamples {
            let mut s = 0.0;
            for chunk in d.chunks(64) {
                let bits = rng.next_u64();
                for (k, &v) in chunk.iter().enumerate() {
                    s += if (bits >> k) & 1 == 1 { -v } else { v };
                }
            }
            if s <= obs + gamma {
                le += 1;
            }
            if s >= obs - gamma {
                ge += 1;
            }
        }
        (le, ge, opts.n_resamples as u64 + 1, PMethod::Sampled)
    };
    let p = p_from_tails(count_less as f64 / total as f64, count_greater as f64 / total as f64, alt);
    let n_resamples = if method == PMethod::Exact { total } else { total - 1 };
    Ok(PermutationResult { statistic, p_value: p, method, n_resamples })
}

/// All 2^len signed sums `±v[0] ± v[1] ...`.
fn subset_sums(v: &[f64]) -> Vec<f64> {
    let mut out = Vec::with_capacity(1 << v.len());
    out.push(0.0);
    for &x in v {
        let len = out.len();
        for i in 0..len {
            let s = out[i];
            out[i] = s + x;
            out.push(s - x);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paired_t_all_zero_differences() {
        let r = paired_t(&[1.0, 2.0, 3.0], &[1.0, 2.0, 3.0], Alternative::TwoSided).unwrap();
        assert_eq!((r.statistic, r.p_value), (0.0, 1.0));
    }

    #[test]
    fn paired_t_zero_variance_nonzero_mean() {
        let r = paired_t(&[2.0, 3.0, 4.0], &[1.0, 2.0, 3.0], Alternative::TwoSided).unwrap();
        assert_eq!(r.statistic, f64::INFINITY);
        assert_eq!(r.p_value, 0.0);
        let r = paired_t(&[2.0, 3.0, 4.0], &[1.0, 2.0, 3.0], Alternative::Less).unwrap();
        assert_eq!(r.p_value, 1.0);
    }

    #[test]
    fn paired_t_n_below_two() {
        assert!(matches!(paired_t(&[1.0], &[2.0], Alternative::TwoSided), Err(StatsError::TooFew { .. })));
    }

    #[test]
    fn paired_unequal_lengths_error() {
        let e = paired_t(&[1.0, 2.0, 3.0], &[1.0, 2.0], Alternative::TwoSided).unwrap_err();
        assert!(matches!(e, StatsError::LengthMismatch { left: 3, right: 2, .. }));
        assert!(wilcoxon(&[1.0], &[], Alternative::TwoSided, Default::default()).is_err());
        assert!(sign_flip_test(&[1.0], &[], Alternative::TwoSided, Default::default()).is_err());
    }

    #[test]
    fn nan_names_position() {
        let e = paired_t(&[1.0, 2.0, 3.0], &[1.0, f64::NAN, 2.0], Alternative::TwoSided).unwrap_err();
        assert!(matches!(e, StatsError::NonFinite { input: "b", index: 1, .. }));
        let e = wilcoxon(&[1.0, f64::NAN], &[0.0, 0.0], Alternative::TwoSided, Default::default()).unwrap_err();
        assert!(matches!(e, StatsError::NonFinite { input: "a", index: 1, .. }));
    }

    #[test]
    fn wilcoxon_all_zero_differences() {
        let x = [1.0; 20];
        let r = wilcoxon(&x, &x, Alternative::TwoSided, Default::default()).unwrap();
        assert_eq!((r.statistic, r.p_value, r.method), (0.0, 1.0, PMethod::Degenerate));
    }

    #[test]
    fn wilcoxon_all_ties() {
        // every |difference| equal: one tie group
        let a = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0];
        let b = [0.0, 0.0, 0.0, 0.0, 0.0, 2.0];
        let r = wilcoxon(&a, &b, Alternative::TwoSided, Default::default()).unwrap();
        assert_eq!(r.r_plus, 17.5);
        assert!(r.p_value > 0.0 && r.p_value <= 1.0);
    }

    #[test]
    fn wilcoxon_exact_small() {
        // n = 5 all positive: P = 2 / 32
        let r = wilcoxon_one_sample(&[1.0, 2.0, 3.0, 4.0, 5.0], Alternative::TwoSided, Default::default()).unwrap();
        assert!((r.p_value - 0.0625).abs() < 1e-15);
    }

    #[test]
    fn sign_flip_exact_small() {
        let r = sign_flip_test(&[1.0, 2.0, 3.0], &[0.0; 3], Alternative::Greater, Default::default()).unwrap();
        assert!((r.p_value - 0.125).abs() < 1e-15);
        assert_eq!(r.n_resamples, 8);
        let z = sign_flip_test(&[1.0, 2.0], &[1.0, 2.0], Alternative::TwoSided, Default::default()).unwrap();
        assert_eq!(z.p_value, 1.0);
    }

    #[test]
    fn sign_flip_sampled_is_reproducible() {
        let a: Vec<f64> = (0..30).map(|i| (i as f64 * 0.37).sin() + 0.2).collect();
        let b = vec![0.0; 30];
        let o = PermutationOptions { seed: 5, ..Default::default() };
        let r1 = sign_flip_test(&a, &b, Alternative::TwoSided, o).unwrap();
        let r2 = sign_flip_test(&a, &b, Alternative::TwoSided, o).unwrap();
        assert_eq!(r1, r2);
        assert_eq!(r1.method, PMethod::Sampled);
    }
}
