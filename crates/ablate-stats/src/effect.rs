//! Effect sizes and their magnitude labels.
//!
//! - Cohen's d_z (paired): `mean(a - b) / sd(a - b)`.
//! - Hedges' g (unpaired): Cohen's d with the pooled standard deviation, times the exact
//!   small-sample correction `J(df) = Γ(df/2) / (sqrt(df/2) Γ((df-1)/2))`, `df = n1 + n2 - 2`.
//! - Cliff's δ: `(#{x > y} - #{x < y}) / (n1 n2)` over all pairs, in [-1, 1].
//!
//! Magnitude thresholds (applied to the absolute value, lower bound inclusive):
//!
//! | label       | Cohen's d_z, Hedges' g (Cohen 1988) | Cliff's δ (Romano et al. 2006) |
//! |-------------|-------------------------------------|--------------------------------|
//! | negligible  | < 0.2                               | < 0.147                        |
//! | small       | 0.2 – < 0.5                         | 0.147 – < 0.33                 |
//! | medium      | 0.5 – < 0.8                         | 0.33 – < 0.474                 |
//! | large       | >= 0.8 (including ±inf)             | >= 0.474                       |

use std::fmt;

use statrs::function::gamma::ln_gamma;

use super::describe::mean_var_iter;
use super::{Result, check_finite, check_len, check_paired};

/// A verbal magnitude for an effect size; see the module docs for the thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Magnitude {
    /// Below the "small" threshold.
    Negligible,
    /// Small.
    Small,
    /// Medium.
    Medium,
    /// Large.
    Large,
}

impl Magnitude {
    /// Thresholds for standardised mean differences (Cohen's d_z, Hedges' g).
    pub const COHEN_THRESHOLDS: [f64; 3] = [0.2, 0.5, 0.8];
    /// Thresholds for Cliff's δ (Romano et al. 2006).
    pub const CLIFF_THRESHOLDS: [f64; 3] = [0.147, 0.33, 0.474];

    fn from_thresholds(value: f64, t: [f64; 3]) -> Magnitude {
        let a = value.abs();
        if a < t[0] {
            Magnitude::Negligible
        } else if a < t[1] {
            Magnitude::Small
        } else if a < t[2] {
            Magnitude::Medium
        } else {
            Magnitude::Large
        }
    }

    /// Label of a standardised mean difference (Cohen's d_z or Hedges' g).
    pub fn of_cohen(d: f64) -> Magnitude {
        Self::from_thresholds(d, Self::COHEN_THRESHOLDS)
    }

    /// Label of Cliff's δ.
    pub fn of_cliff(delta: f64) -> Magnitude {
        Self::from_thresholds(delta, Self::CLIFF_THRESHOLDS)
    }

    /// The lower-case word: "negligible", "small", "medium" or "large".
    pub fn as_str(self) -> &'static str {
        match self {
            Magnitude::Negligible => "negligible",
            Magnitude::Small => "small",
            Magnitude::Medium => "medium",
            Magnitude::Large => "large",
        }
    }
}

impl fmt::Display for Magnitude {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

fn standardise(diff: f64, sd: f64) -> f64 {
    if sd > 0.0 {
        diff / sd
    } else if diff == 0.0 {
        0.0
    } else {
        diff.signum() * f64::INFINITY
    }
}

/// Cohen's d_z for paired samples: `mean(a - b) / sd(a - b)` (sd with n - 1).
///
/// Needs equal lengths and n >= 2. Zero spread of the differences: 0 when they are all
/// zero, `±inf` (labelled large) when they are all equal and nonzero.
pub fn cohens_dz(a: &[f64], b: &[f64]) -> Result<f64> {
    check_paired(a, b, "Cohen's d_z")?;
    check_len(a, 2, "Cohen's d_z")?;
    check_finite(a, "a")?;
    check_finite(b, "b")?;
    let (m, v) = mean_var_iter(a.iter().zip(b).map(|(x, y)| x - y), a.len());
    Ok(standardise(m, v.sqrt()))
}

/// The exact small-sample correction factor of Hedges' g, `J(df)`.
pub fn hedges_correction(df: f64) -> f64 {
    (ln_gamma(df / 2.0) - ln_gamma((df - 1.0) / 2.0)).exp() / (df / 2.0).sqrt()
}

/// Hedges' g for independent samples: `J(df) (mean(x) - mean(y)) / s_pooled`, where
/// `s_pooled² = ((n1-1) s1² + (n2-1) s2²) / (n1 + n2 - 2)` and `J` is the exact correction
/// (see [`hedges_correction`]). Needs n >= 2 in each sample. Zero pooled spread: 0 for equal
/// means, `±inf` otherwise.
pub fn hedges_g(x: &[f64], y: &[f64]) -> Result<f64> {
    check_len(x, 2, "Hedges' g (first sample)")?;
    check_len(y, 2, "Hedges' g (second sample)")?;
    check_finite(x, "x")?;
    check_finite(y, "y")?;
    let (n1, n2) = (x.len() as f64, y.len() as f64);
    let (m1, v1) = mean_var_iter(x.iter().copied(), x.len());
    let (m2, v2) = mean_var_iter(y.iter().copied(), y.len());
    let df = n1 + n2 - 2.0;
    let sp = (((n1 - 1.0) * v1 + (n2 - 1.0) * v2) / df).sqrt();
    Ok(hedges_correction(df) * standardise(m1 - m2, sp))
}

/// Cliff's δ: the probability that a value of `x` exceeds one of `y`, minus the reverse.
/// Needs at least one value in each sample; all values tied gives 0. O((n1 + n2) log n2).
pub fn cliffs_delta(x: &[f64], y: &[f64]) -> Result<f64> {
    check_len(x, 1, "Cliff's delta (first sample)")?;
    check_len(y, 1, "Cliff's delta (second sample)")?;
    check_finite(x, "x")?;
    check_finite(y, "y")?;
    let mut ys = y.to_vec();
    ys.sort_unstable_by(f64::total_cmp);
    let mut dom: i64 = 0;
    for &v in x {
        let below = ys.partition_point(|&w| w < v) as i64;
        let not_above = ys.partition_point(|&w| w <= v) as i64;
        let above = ys.len() as i64 - not_above;
        dom += below - above;
    }
    Ok(dom as f64 / (x.len() * y.len()) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        assert_eq!(Magnitude::of_cohen(0.19), Magnitude::Negligible);
        assert_eq!(Magnitude::of_cohen(-0.2), Magnitude::Small);
        assert_eq!(Magnitude::of_cohen(0.8), Magnitude::Large);
        assert_eq!(Magnitude::of_cohen(f64::NEG_INFINITY), Magnitude::Large);
        assert_eq!(Magnitude::of_cliff(0.4), Magnitude::Medium);
        assert_eq!(Magnitude::Small.to_string(), "small");
    }

    #[test]
    fn cliff_bounds_and_ties() {
        assert_eq!(cliffs_delta(&[3.0, 4.0], &[1.0, 2.0]).unwrap(), 1.0);
        assert_eq!(cliffs_delta(&[1.0, 1.0], &[1.0, 1.0, 1.0]).unwrap(), 0.0);
    }

    #[test]
    fn dz_degenerate() {
        assert_eq!(cohens_dz(&[1.0, 2.0], &[1.0, 2.0]).unwrap(), 0.0);
        assert_eq!(cohens_dz(&[2.0, 3.0], &[1.0, 2.0]).unwrap(), f64::INFINITY);
        assert!(cohens_dz(&[1.0], &[1.0]).is_err());
        assert!(hedges_g(&[1.0, f64::NAN], &[1.0, 2.0]).is_err());
    }

    #[test]
    fn hedges_j_matches_approximation() {
        // J(df) ~ 1 - 3 / (4 df - 1)
        let j = hedges_correction(18.0);
        assert!((j - (1.0 - 3.0 / 71.0)).abs() < 2e-4);
    }
}
