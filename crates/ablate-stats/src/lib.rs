//! The statistics engine behind ablate's significance tables: pure functions on slices,
//! no I/O, no data frames.
//!
//! Every function validates its input (lengths, finiteness, minimum sizes) and returns
//! [`StatsError`] with a message a person can act on, never a panic and never a silent NaN.
//! Degenerate but well-defined cases (zero variance, all differences zero, all ties) get a
//! documented result instead of an error; each function's docs say which.
//!
//! The results are checked against scipy and statsmodels (see `tests/reference/`): closed
//! forms to 1e-10 relative, asymptotic and iterative ones to 1e-6, bootstrap intervals
//! within Monte Carlo error.
//!
//! Modules, one job each:
//! - [`describe`](mod@describe): mean, variance, standard error, t-intervals.
//! - [`paired`]: paired t, Wilcoxon signed-rank, sign-flip permutation test.
//! - [`unpaired`]: Welch's t, Mann-Whitney U.
//! - [`effect`]: Cohen's d_z, Hedges' g, Cliff's delta and their magnitude labels.
//! - [`bootstrap`]: percentile and BCa bootstrap intervals for a mean or a paired difference.
//! - [`correction`]: Holm, Bonferroni, Benjamini-Hochberg (as statsmodels `multipletests`).
//! - [`correlation`]: rank agreement of two rankings (multi-fidelity ablation): Kendall's
//!   tau-b and Spearman's rho with scipy's p-values, bootstrap and Fisher-z intervals.
//! - [`ranks`]: Friedman with Iman-Davenport, Nemenyi with its critical difference,
//!   pairwise Wilcoxon with Holm, average ranks.
//! - [`ptukey`]: the studentized range distribution (CDF, survival function, quantile).
//! - [`regression`]: a weighted least-squares line (scale transfer's effect vs log size).
//! - [`anova`]: n-way ANOVA of a balanced full-factorial grid with replicates.
//! - [`power`]: the noncentral t and the number of seeds a paired t-test needs.
//! - [`sequential`]: adaptive seeds: group-sequential paired tests with alpha spending,
//!   equivalence stopping and group-sequential Holm.
//! - [`dist`]: accurate t, F, chi-square and normal tail functions used by the above.
//! - [`rng`]: the seeded generator every random step of ablate draws from.
//!
//! This crate is a leaf of the ablate workspace: it depends on no other part of ablate and
//! on no data-frame library; `ablate::stats` and `ablate::rng` re-export it.

#![warn(missing_docs)]

use std::fmt;

pub mod anova;
pub mod bootstrap;
pub mod correction;
pub mod correlation;
pub mod describe;
pub mod dist;
pub mod effect;
pub mod paired;
pub mod power;
pub mod ptukey;
pub mod ranks;
pub mod regression;
pub mod sequential;
pub mod rng;
pub mod unpaired;

#[cfg(test)]
mod reference_tests;

pub use anova::{Anova, AnovaTerm, Factor, factorial_anova};
pub use bootstrap::{
    BootstrapCi, BootstrapMethod, BootstrapOptions, bootstrap_mean_ci, bootstrap_mean_ci_with, bootstrap_paired_ci,
};
pub use correction::{Correction, Corrected, adjust_p_values, adjust_p_values_into, multipletests};
pub use correlation::{
    CiMethod, RankBootstrap, RankCorrelation, RankCorrelationOptions, RankMethod, kendall_tau, kendall_tau_with,
    spearman_fisher_ci, spearman_rho, spearman_rho_with,
};
pub use describe::{Description, TInterval, describe, mean, paired_t_interval, t_interval, variance};
pub use effect::{Magnitude, cliffs_delta, cohens_dz, hedges_correction, hedges_g};
pub use paired::{
    PermutationOptions, PermutationResult, TTest, WilcoxonOptions, WilcoxonResult, one_sample_t, paired_t,
    sign_flip_test, wilcoxon, wilcoxon_one_sample,
};
pub use power::{SampleSize, SeedsNeeded, nct_cdf, paired_t_power, seeds_for_power, seeds_needed};
pub use ptukey::{ptukey_cdf, ptukey_sf, qtukey};
pub use regression::{LineFit, wls_line};
pub use ranks::{
    Friedman, Nemenyi, PairwiseWilcoxon, friedman, nemenyi, pairwise_wilcoxon_holm, rank_average,
};
pub use sequential::{
    DEFAULT_FUTILITY,
    Boundaries, Decision, Noise, Scenario, SequentialOutcome, SequentialPlan, SequentialRule, Sides, Simulated,
    Spending, TBoundaries, boundaries, simulate, t_boundaries,
};
pub use unpaired::{MannWhitney, MannWhitneyOptions, mann_whitney_u, welch_t};

/// The alternative hypothesis of a test, with scipy's meaning.
///
/// For a comparison of `a` with `b` (or of a sample with a hypothesised value):
/// `Less` means the effect of `a - b` is below zero, `Greater` above zero, `TwoSided` either.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Alternative {
    /// The difference is not zero (the default).
    #[default]
    TwoSided,
    /// The difference `a - b` is negative (`a` tends to be smaller).
    Less,
    /// The difference `a - b` is positive (`a` tends to be larger).
    Greater,
}

/// How to compute the p-value of a rank test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TestMethod {
    /// Choose as scipy does (see each test's docs).
    #[default]
    Auto,
    /// Use the exact null distribution.
    Exact,
    /// Use the normal approximation.
    Asymptotic,
}

/// How a p-value was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PMethod {
    /// From the exact null distribution (complete enumeration or exact recursion).
    Exact,
    /// From a normal (or other large-sample) approximation.
    Asymptotic,
    /// From random resamples (Monte Carlo), reproducible through a seed.
    Sampled,
    /// No test was needed: the data fix the answer (for example all differences are zero).
    Degenerate,
}

/// Why a statistic could not be computed. Every message says what was wrong and what to do.
#[derive(Debug, Clone, PartialEq)]
pub enum StatsError {
    /// Too few observations for the requested statistic.
    TooFew {
        /// What was being computed, e.g. "paired t-test".
        what: &'static str,
        /// The minimum number of observations it needs.
        needed: usize,
        /// The number it got.
        got: usize,
    },
    /// An input contains NaN or an infinity.
    NonFinite {
        /// Which input, e.g. "a" or "differences".
        input: &'static str,
        /// The zero-based position of the first offending value.
        index: usize,
        /// The offending value.
        value: f64,
    },
    /// Two inputs of a paired computation have different lengths.
    LengthMismatch {
        /// What was being computed.
        what: &'static str,
        /// Length of the first input.
        left: usize,
        /// Length of the second input.
        right: usize,
    },
    /// A parameter is outside its valid range (alpha, confidence level, power, ...).
    InvalidArgument(String),
    /// A factorial grid is incomplete or unbalanced; the message names the cell.
    UnbalancedGrid(String),
    /// The data have no spread where a finite answer needs some (the message says where).
    Degenerate(String),
}

impl fmt::Display for StatsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StatsError::TooFew { what, needed, got } => write!(
                f,
                "{what} needs at least {needed} observations but got {got}; run more seeds"
            ),
            StatsError::NonFinite { input, index, value } => write!(
                f,
                "input `{input}` has {value} at position {index}; drop or re-run the failed \
                 trial before computing statistics"
            ),
            StatsError::LengthMismatch { what, left, right } => write!(
                f,
                "{what} needs inputs of equal length (one value per seed on each side) but got \
                 {left} and {right}; use only the seeds both configs completed"
            ),
            StatsError::InvalidArgument(msg) => write!(f, "invalid argument: {msg}"),
            StatsError::UnbalancedGrid(msg) => write!(f, "{msg}"),
            StatsError::Degenerate(msg) => write!(f, "{msg}"),
        }
    }
}

impl std::error::Error for StatsError {}

/// Shorthand for results of this module.
pub type Result<T> = std::result::Result<T, StatsError>;

/// Checks that every value is finite; names the first offending position.
pub(crate) fn check_finite(x: &[f64], input: &'static str) -> Result<()> {
    match x.iter().position(|v| !v.is_finite()) {
        Some(index) => Err(StatsError::NonFinite { input, index, value: x[index] }),
        None => Ok(()),
    }
}

/// Checks `x.len() >= needed`.
pub(crate) fn check_len(x: &[f64], needed: usize, what: &'static str) -> Result<()> {
    if x.len() < needed {
        Err(StatsError::TooFew { what, needed, got: x.len() })
    } else {
        Ok(())
    }
}

/// Checks that two paired inputs have equal length.
pub(crate) fn check_paired(a: &[f64], b: &[f64], what: &'static str) -> Result<()> {
    if a.len() != b.len() {
        Err(StatsError::LengthMismatch { what, left: a.len(), right: b.len() })
    } else {
        Ok(())
    }
}

/// Checks a probability-like parameter lies strictly inside (0, 1).
pub(crate) fn check_unit(value: f64, name: &str) -> Result<()> {
    if value.is_finite() && value > 0.0 && value < 1.0 {
        Ok(())
    } else {
        Err(StatsError::InvalidArgument(format!("{name} must lie strictly between 0 and 1, got {value}")))
    }
}

/// The p-value of a statistic whose null distribution is symmetric with the given tails.
/// `cdf` is P(T <= t), `sf` is P(T >= t).
pub(crate) fn p_from_tails(cdf: f64, sf: f64, alt: Alternative) -> f64 {
    match alt {
        Alternative::TwoSided => (2.0 * cdf.min(sf)).min(1.0),
        Alternative::Less => cdf,
        Alternative::Greater => sf,
    }
}

/// The p-value when the statistic is infinite (zero spread, nonzero effect), given the sign
/// of the effect, or exactly zero (no effect at all).
pub(crate) fn p_degenerate(sign: f64, alt: Alternative) -> f64 {
    if sign == 0.0 {
        return 1.0;
    }
    match alt {
        Alternative::TwoSided => 0.0,
        Alternative::Less => {
            if sign < 0.0 { 0.0 } else { 1.0 }
        }
        Alternative::Greater => {
            if sign > 0.0 { 0.0 } else { 1.0 }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_read_well() {
        let e = StatsError::NonFinite { input: "a", index: 3, value: f64::NAN };
        assert_eq!(
            e.to_string(),
            "input `a` has NaN at position 3; drop or re-run the failed trial before computing statistics"
        );
        let e = StatsError::TooFew { what: "paired t-test", needed: 2, got: 1 };
        assert!(e.to_string().contains("at least 2"));
        let e: Box<dyn std::error::Error> = Box::new(StatsError::InvalidArgument("x".into()));
        assert!(e.to_string().contains("invalid"));
    }

    #[test]
    fn degenerate_p_values() {
        assert_eq!(p_degenerate(0.0, Alternative::Greater), 1.0);
        assert_eq!(p_degenerate(1.0, Alternative::Greater), 0.0);
        assert_eq!(p_degenerate(1.0, Alternative::Less), 1.0);
        assert_eq!(p_degenerate(-1.0, Alternative::TwoSided), 0.0);
    }
}
