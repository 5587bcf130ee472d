//! Descriptive statistics of one sample: mean, variance, standard deviation, standard error,
//! and the Student t confidence interval for the mean (scipy's
//! `ttest_1samp(...).confidence_interval`).

use super::dist::t_ppf;
use super::{Alternative, Result, StatsError, check_finite, check_len, check_paired, check_unit};

/// Mean, spread and size of one sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Description {
    /// Number of observations.
    pub n: usize,
    /// Arithmetic mean.
    pub mean: f64,
    /// Sample variance with n - 1 in the denominator.
    pub var: f64,
    /// Sample standard deviation, `var.sqrt()`.
    pub sd: f64,
    /// Standard error of the mean, `sd / sqrt(n)`.
    pub se: f64,
}

/// A t-based confidence interval for a mean (or a mean paired difference).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TInterval {
    /// The point estimate (the sample mean).
    pub estimate: f64,
    /// Lower bound; `-inf` for a one-sided `Less` interval.
    pub lower: f64,
    /// Upper bound; `+inf` for a one-sided `Greater` interval.
    pub upper: f64,
    /// Confidence level, e.g. 0.95.
    pub level: f64,
    /// Degrees of freedom, n - 1.
    pub df: f64,
    /// Standard error of the mean.
    pub se: f64,
}

/// Mean and variance in two passes (the second pass corrects rounding of the first).
pub(crate) fn mean_var_iter<I: Iterator<Item = f64> + Clone>(it: I, n: usize) -> (f64, f64) {
    let nf = n as f64;
    let m0 = it.clone().sum::<f64>() / nf;
    let (mut s, mut s2) = (0.0, 0.0);
    for v in it {
        let d = v - m0;
        s += d;
        s2 += d * d;
    }
    let mean = m0 + s / nf;
    let var = if n > 1 { (s2 - s * s / nf) / (nf - 1.0) } else { 0.0 };
    (mean, var.max(0.0))
}

/// The arithmetic mean. Errors on an empty slice or a non-finite value.
pub fn mean(x: &[f64]) -> Result<f64> {
    check_len(x, 1, "a mean")?;
    check_finite(x, "x")?;
    Ok(mean_var_iter(x.iter().copied(), x.len()).0)
}

/// The sample variance (denominator n - 1). Needs n >= 2; zero for a constant sample.
pub fn variance(x: &[f64]) -> Result<f64> {
    check_len(x, 2, "a variance")?;
    check_finite(x, "x")?;
    Ok(mean_var_iter(x.iter().copied(), x.len()).1)
}

/// Mean, variance, standard deviation and standard error. Needs n >= 2 (one seed has no
/// spread to report); a constant sample gives `var = sd = se = 0`.
pub fn describe(x: &[f64]) -> Result<Description> {
    check_len(x, 2, "a standard deviation")?;
    check_finite(x, "x")?;
    let n = x.len();
    let (mean, var) = mean_var_iter(x.iter().copied(), n);
    let sd = var.sqrt();
    Ok(Description { n, mean, var, sd, se: sd / (n as f64).sqrt() })
}

fn interval(mean: f64, se: f64, n: usize, level: f64, alt: Alternative) -> TInterval {
    let df = (n - 1) as f64;
    let (lower, upper) = match alt {
        Alternative::TwoSided => {
            let q = t_ppf(0.5 + 0.5 * level, df);
            (mean - q * se, mean + q * se)
        }
        Alternative::Less => (f64::NEG_INFINITY, mean + t_ppf(level, df) * se),
        Alternative::Greater => (mean - t_ppf(level, df) * se, f64::INFINITY),
    };
    TInterval { estimate: mean, lower, upper, level, df, se }
}

/// Student t confidence interval for the mean of `x` at `level` (e.g. 0.95), as scipy's
/// `ttest_1samp(x, 0, alternative=...).confidence_interval(level)`. One-sided alternatives
/// give a half-infinite interval. Needs n >= 2; a constant sample gives `lower = upper = mean`.
pub fn t_interval(x: &[f64], level: f64, alt: Alternative) -> Result<TInterval> {
    check_unit(level, "confidence level")?;
    let s = describe(x)?;
    Ok(interval(s.mean, s.se, s.n, level, alt))
}

/// Student t confidence interval for the mean paired difference `a[i] - b[i]`, as scipy's
/// `ttest_rel(a, b).confidence_interval(level)`. Errors on unequal lengths or n < 2.
pub fn paired_t_interval(a: &[f64], b: &[f64], level: f64, alt: Alternative) -> Result<TInterval> {
    check_unit(level, "confidence level")?;
    check_paired(a, b, "a paired interval")?;
    check_len(a, 2, "a paired interval")?;
    check_finite(a, "a")?;
    check_finite(b, "b")?;
    let n = a.len();
    let (mean, var) = mean_var_iter(a.iter().zip(b).map(|(x, y)| x - y), n);
    Ok(interval(mean, (var / n as f64).sqrt(), n, level, alt))
}

impl Description {
    /// Error unless the sample has spread; used where a standardised effect needs it.
    pub fn require_spread(&self, what: &str) -> Result<()> {
        if self.sd > 0.0 {
            Ok(())
        } else {
            Err(StatsError::Degenerate(format!("{what}: all values are identical, so there is no spread")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic() {
        let s = describe(&[1.0, 2.0, 3.0, 4.0]).unwrap();
        assert_eq!(s.mean, 2.5);
        assert!((s.var - 5.0 / 3.0).abs() < 1e-15);
    }

    #[test]
    fn n_below_two_is_an_error() {
        assert!(matches!(describe(&[1.0]), Err(StatsError::TooFew { needed: 2, got: 1, .. })));
        assert!(matches!(mean(&[]), Err(StatsError::TooFew { .. })));
        assert_eq!(mean(&[3.0]).unwrap(), 3.0);
    }

    #[test]
    fn nan_is_named() {
        let e = describe(&[1.0, f64::NAN, 2.0]).unwrap_err();
        assert!(matches!(e, StatsError::NonFinite { input: "x", index: 1, .. }));
        assert!(e.to_string().contains("NaN at position 1"));
    }

    #[test]
    fn constant_sample_gives_point_interval() {
        let ci = t_interval(&[2.0, 2.0, 2.0], 0.95, Alternative::TwoSided).unwrap();
        assert_eq!((ci.lower, ci.upper), (2.0, 2.0));
    }

    #[test]
    fn paired_unequal_lengths() {
        let e = paired_t_interval(&[1.0, 2.0], &[1.0], 0.95, Alternative::TwoSided).unwrap_err();
        assert!(matches!(e, StatsError::LengthMismatch { left: 2, right: 1, .. }));
    }
}
