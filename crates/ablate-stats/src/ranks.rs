//! Comparing many configs over shared seeds (blocks): the Friedman test with the
//! Iman-Davenport F correction, average ranks (the data of a critical-difference diagram),
//! the Nemenyi post-hoc test with its critical difference, and pairwise Wilcoxon tests with
//! Holm's correction (Demšar 2006; Benavoli et al. 2016).
//!
//! Data layout: `data[config][seed]`, every config with the same seeds in the same order.

use super::correction::{Correction, adjust_p_values};
use super::dist::{chi2_sf, f_sf};
use super::paired::{WilcoxonOptions, wilcoxon};
use super::ptukey::{ptukey_sf, qtukey};
use super::{Alternative, Result, StatsError, check_finite, check_unit};

/// Average (mid) ranks of `values` into `out`, 1-based, ties sharing the mean of their ranks
/// (scipy's `rankdata(method="average")`). Returns the tie term `Σ (t³ − t)` over tie groups.
/// `order` is a scratch buffer.
pub fn rank_average(values: &[f64], out: &mut [f64], order: &mut Vec<usize>) -> f64 {
    let n = values.len();
    order.clear();
    order.extend(0..n);
    order.sort_unstable_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut tie = 0.0;
    let mut i = 0;
    while i < n {
        let mut j = i + 1;
        while j < n && values[order[j]] == values[order[i]] {
            j += 1;
        }
        let r = (i + 1 + j) as f64 / 2.0;
        for &k in &order[i..j] {
            out[k] = r;
        }
        let t = (j - i) as f64;
        tie += t * t * t - t;
        i = j;
    }
    tie
}

/// Result of the Friedman test.
#[derive(Debug, Clone, PartialEq)]
pub struct Friedman {
    /// Friedman's chi-square statistic, tie-corrected (scipy's `friedmanchisquare`).
    pub statistic: f64,
    /// Degrees of freedom, k − 1.
    pub df: f64,
    /// p-value from the chi-square distribution.
    pub p_value: f64,
    /// Iman-Davenport F = (n − 1) χ² / (n (k − 1) − χ²); `+inf` when every seed ranks the
    /// configs identically.
    pub iman_davenport: f64,
    /// Iman-Davenport degrees of freedom (k − 1, (k − 1)(n − 1)).
    pub iman_davenport_df: (f64, f64),
    /// p-value of the Iman-Davenport F (less conservative than the chi-square one).
    pub iman_davenport_p: f64,
    /// Mean rank of each config across seeds; rank 1 is the best (largest value when
    /// `higher_is_better`, smallest otherwise).
    pub mean_ranks: Vec<f64>,
    /// Number of configs k.
    pub k: usize,
    /// Number of seeds (blocks) n.
    pub n: usize,
}

fn check_blocks<S: AsRef<[f64]>>(data: &[S], min_k: usize, what: &'static str) -> Result<usize> {
    if data.len() < min_k {
        return Err(StatsError::TooFew { what, needed: min_k, got: data.len() });
    }
    let n = data[0].as_ref().len();
    for (c, col) in data.iter().enumerate() {
        let col = col.as_ref();
        if col.len() != n {
            return Err(StatsError::InvalidArgument(format!(
                "{what}: config {c} has {} seeds but config 0 has {n}; every config needs the same seeds",
                col.len()
            )));
        }
        check_finite(col, "data")?;
    }
    if n < 2 {
        return Err(StatsError::TooFew { what, needed: 2, got: n });
    }
    Ok(n)
}

/// Friedman test over `data[config][seed]` (k >= 2 configs, n >= 2 seeds), with the
/// Iman-Davenport F and mean ranks. Matches scipy's `friedmanchisquare(*data)` (which itself
/// requires k >= 3). When every value in every seed is tied the test has no information:
/// statistic 0, p 1, F 0, F p 1. A single config is an error.
pub fn friedman<S: AsRef<[f64]>>(data: &[S], higher_is_better: bool) -> Result<Friedman> {
    let n = check_blocks(data, 2, "the Friedman test (configs)")?;
    let k = data.len();
    let (kf, nf) = (k as f64, n as f64);
    let mut rank_sums = vec![0.0; k];
    let mut row = vec![0.0; k];
    let mut ranks = vec![0.0; k];
    let mut order = Vec::with_capacity(k);
    let mut tie_total = 0.0;
    for s in 0..n {
        for (c, col) in data.iter().enumerate() {
            row[c] = col.as_ref()[s];
        }
        tie_total += rank_average(&row, &mut ranks, &mut order);
        for (sum, &r) in rank_sums.iter_mut().zip(&ranks) {
            *sum += r;
        }
    }
    let ssbn: f64 = rank_sums.iter().map(|r| r * r).sum();
    let c = 1.0 - tie_total / (kf * (kf * kf - 1.0) * nf);
    let mean_ranks: Vec<f64> = rank_sums
        .iter()
        .map(|&r| {
            let m = r / nf;
            if higher_is_better { kf + 1.0 - m } else { m }
        })
        .collect();
    let df = kf - 1.0;
    let id_df = (kf - 1.0, (kf - 1.0) * (nf - 1.0));
    if c <= 0.0 {
        return Ok(Friedman {
            statistic: 0.0,
            df,
            p_value: 1.0,
            iman_davenport: 0.0,
            iman_davenport_df: id_df,
            iman_davenport_p: 1.0,
            mean_ranks,
            k,
            n,
        });
    }
    let chi2 = ((12.0 / (kf * nf * (kf + 1.0)) * ssbn - 3.0 * nf * (kf + 1.0)) / c).max(0.0);
    let p = chi2_sf(chi2, df);
    let denom = nf * (kf - 1.0) - chi2;
    let (f, fp) = if denom <= 1e-12 * nf * kf {
        (f64::INFINITY, 0.0)
    } else {
        let f = (nf - 1.0) * chi2 / denom;
        (f, f_sf(f, id_df.0, id_df.1))
    };
    Ok(Friedman {
        statistic: chi2,
        df,
        p_value: p,
        iman_davenport: f,
        iman_davenport_df: id_df,
        iman_davenport_p: fp,
        mean_ranks,
        k,
        n,
    })
}

/// Result of the Nemenyi post-hoc test.
#[derive(Debug, Clone, PartialEq)]
pub struct Nemenyi {
    /// Critical value q_α = qtukey(1 − α, k, ∞) / √2.
    pub q_alpha: f64,
    /// Critical difference of mean ranks: q_α √(k (k + 1) / (6 n)). Two configs whose mean
    /// ranks differ by more than this differ significantly at level α.
    pub critical_difference: f64,
    /// Pairwise p-values, row-major k × k (diagonal 1): P(Q >= |R_i − R_j| / se · √2) for the
    /// studentized range with k groups and df = ∞ (as scikit-posthocs'
    /// `posthoc_nemenyi_friedman`).
    pub p_values: Vec<f64>,
    /// Number of configs k.
    pub k: usize,
}

impl Nemenyi {
    /// The p-value of configs `i` and `j`.
    pub fn p(&self, i: usize, j: usize) -> f64 {
        self.p_values[i * self.k + j]
    }
}

/// Nemenyi post-hoc test from the mean ranks of k configs over `n` seeds (as returned by
/// [`friedman`]) at family level `alpha`. Needs k >= 2 and n >= 1.
pub fn nemenyi(mean_ranks: &[f64], n: usize, alpha: f64) -> Result<Nemenyi> {
    check_unit(alpha, "alpha")?;
    let k = mean_ranks.len();
    if k < 2 {
        return Err(StatsError::TooFew { what: "the Nemenyi test (configs)", needed: 2, got: k });
    }
    if n < 1 {
        return Err(StatsError::TooFew { what: "the Nemenyi test (seeds)", needed: 1, got: n });
    }
    check_finite(mean_ranks, "mean_ranks")?;
    let kf = k as f64;
    let se = (kf * (kf + 1.0) / (6.0 * n as f64)).sqrt();
    let q_alpha = qtukey(1.0 - alpha, k, f64::INFINITY)? / std::f64::consts::SQRT_2;
    let mut p_values = vec![1.0; k * k];
    // rank differences repeat (ranks are multiples of 1/(2n)): evaluate each distinct one once
    let mut memo: Vec<(f64, f64)> = Vec::new();
    for i in 0..k {
        for j in (i + 1)..k {
            let q = (mean_ranks[i] - mean_ranks[j]).abs() / se * std::f64::consts::SQRT_2;
            let p = match memo.iter().find(|m| (m.0 - q).abs() <= 1e-13 * q.max(1.0)) {
                Some(m) => m.1,
                None => {
                    let p = ptukey_sf(q, k, f64::INFINITY)?;
                    memo.push((q, p));
                    p
                }
            };
            p_values[i * k + j] = p;
            p_values[j * k + i] = p;
        }
    }
    Ok(Nemenyi { q_alpha, critical_difference: q_alpha * se, p_values, k })
}

/// Pairwise Wilcoxon signed-rank tests of every pair of configs, Holm-corrected.
#[derive(Debug, Clone, PartialEq)]
pub struct PairwiseWilcoxon {
    /// The pairs (i, j), i < j, in row-major order.
    pub pairs: Vec<(usize, usize)>,
    /// Wilcoxon statistic of each pair (scipy's convention).
    pub statistics: Vec<f64>,
    /// Raw p-values.
    pub p_values: Vec<f64>,
    /// Holm-adjusted p-values.
    pub p_adjusted: Vec<f64>,
}

/// Wilcoxon signed-rank test (two-sided, `opts`) for every pair of configs in
/// `data[config][seed]`, then Holm's correction over all k (k − 1) / 2 pairs.
pub fn pairwise_wilcoxon_holm<S: AsRef<[f64]>>(data: &[S], opts: WilcoxonOptions) -> Result<PairwiseWilcoxon> {
    check_blocks(data, 2, "pairwise Wilcoxon tests (configs)")?;
    let k = data.len();
    let mut pairs = Vec::with_capacity(k * (k - 1) / 2);
    let mut statistics = Vec::with_capacity(pairs.capacity());
    let mut p_values = Vec::with_capacity(pairs.capacity());
    for i in 0..k {
        for j in (i + 1)..k {
            let r = wilcoxon(data[i].as_ref(), data[j].as_ref(), Alternative::TwoSided, opts)?;
            pairs.push((i, j));
            statistics.push(r.statistic);
            p_values.push(r.p_value);
        }
    }
    let p_adjusted = adjust_p_values(&p_values, Correction::Holm)?;
    Ok(PairwiseWilcoxon { pairs, statistics, p_values, p_adjusted })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_config_is_an_error() {
        let e = friedman(&[vec![1.0, 2.0, 3.0]], true).unwrap_err();
        assert!(matches!(e, StatsError::TooFew { needed: 2, got: 1, .. }));
        assert!(nemenyi(&[1.0], 5, 0.05).is_err());
    }

    #[test]
    fn all_tied_gives_no_evidence() {
        let d = vec![vec![1.0; 4], vec![1.0; 4], vec![1.0; 4]];
        let f = friedman(&d, true).unwrap();
        assert_eq!((f.statistic, f.p_value, f.iman_davenport_p), (0.0, 1.0, 1.0));
        assert_eq!(f.mean_ranks, vec![2.0, 2.0, 2.0]);
    }

    #[test]
    fn perfect_agreement_gives_infinite_f() {
        let d = vec![vec![1.0, 2.0, 3.0], vec![2.0, 3.0, 4.0], vec![3.0, 4.0, 5.0]];
        let f = friedman(&d, true).unwrap();
        assert_eq!(f.iman_davenport, f64::INFINITY);
        assert_eq!(f.mean_ranks, vec![3.0, 2.0, 1.0]);
    }

    #[test]
    fn ragged_and_nan() {
        let d = vec![vec![1.0, 2.0], vec![1.0]];
        assert!(friedman(&d, true).is_err());
        let d = vec![vec![1.0, 2.0], vec![1.0, f64::NAN]];
        assert!(matches!(friedman(&d, true), Err(StatsError::NonFinite { index: 1, .. })));
    }

    #[test]
    fn nemenyi_two_configs() {
        let n = nemenyi(&[1.0, 2.0], 10, 0.05).unwrap();
        assert!((n.q_alpha - 1.959963984540054).abs() < 1e-8);
    }
}
