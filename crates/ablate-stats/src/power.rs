//! How many seeds a paired comparison needs: the power of the paired (one-sample) t-test
//! from the noncentral t distribution, and the sample size that reaches a target power, as
//! statsmodels' `TTestPower().power(...)` and `TTestPower().solve_power(nobs=None, ...)`.
//!
//! The noncentral t CDF is Lenth's algorithm AS 243 (1989), the method of R's `pnt`
//! (series in incomplete beta functions, error bound 1e-12, normal approximation for
//! df > 4e5 or a very large noncentrality).

use statrs::function::beta::beta_reg;
use statrs::function::gamma::ln_gamma;

use super::dist::{brent_root, norm_cdf, t_cdf, t_ppf};
use super::{Alternative, Result, StatsError, check_unit};

/// CDF of the noncentral t distribution, P(T <= t) with `df > 0` degrees of freedom and
/// noncentrality `ncp` (AS 243). Absolute accuracy about 1e-12.
pub fn nct_cdf(t: f64, df: f64, ncp: f64) -> Result<f64> {
    if df.is_nan() || df <= 0.0 || t.is_nan() || !ncp.is_finite() {
        return Err(StatsError::InvalidArgument(format!(
            "noncentral t needs df > 0, finite ncp and a non-NaN t (got t={t}, df={df}, ncp={ncp})"
        )));
    }
    if t.is_infinite() {
        return Ok(if t > 0.0 { 1.0 } else { 0.0 });
    }
    if ncp == 0.0 {
        return Ok(t_cdf(t, df));
    }
    let (tt, del, negdel) = if t >= 0.0 { (t, ncp, false) } else { (-t, -ncp, true) };
    let finish = |tnc: f64| -> f64 {
        let v = tnc.clamp(0.0, 1.0);
        if negdel { 1.0 - v } else { v }
    };
    if df > 4e5 || del * del > 2.0 * std::f64::consts::LN_2 * 1021.0 {
        let s = 1.0 / (4.0 * df);
        let z = (tt * (1.0 - s) - del) / (1.0 + tt * tt * 2.0 * s).sqrt();
        return Ok(finish(norm_cdf(z)));
    }
    let x = t * t / (t * t + df);
    let mut tnc = 0.0;
    if x > 0.0 {
        let lambda = del * del;
        let mut p = 0.5 * (-0.5 * lambda).exp();
        if p == 0.0 {
            return Ok(if negdel { 1.0 } else { 0.0 });
        }
        let mut q = (2.0 / std::f64::consts::PI).sqrt() * p * del;
        let mut s = 0.5 - p;
        if s < 1e-7 {
            s = -0.5 * (-0.5 * lambda).exp_m1();
        }
        let mut a = 0.5;
        let b = 0.5 * df;
        let rxb = (df / (t * t + df)).powf(b);
        let albeta = 0.5 * std::f64::consts::PI.ln() + ln_gamma(b) - ln_gamma(0.5 + b);
        let mut xodd = beta_reg(a, b, x);
        let mut godd = 2.0 * rxb * (a * x.ln() - albeta).exp();
        let bx = b * x;
        let mut xeven = if bx < f64::EPSILON { bx } else { 1.0 - rxb };
        let mut geven = bx * rxb;
        tnc = p * xodd + q * xeven;
        for it in 1..=1000 {
            let itf = it as f64;
            a += 1.0;
            xodd -= godd;
            xeven -= geven;
            godd *= x * (a + b - 1.0) / a;
            geven *= x * (a + b - 0.5) / (a + 0.5);
            p *= lambda / (2.0 * itf);
            q *= lambda / (2.0 * itf + 1.0);
            tnc += p * xodd + q * xeven;
            s -= p;
            if s < -1e-10 || (s <= 0.0 && it > 1) {
                break;
            }
            let errbd = 2.0 * s * (xodd - godd);
            if errbd.abs() < 1e-12 {
                break;
            }
        }
    }
    tnc += norm_cdf(-del);
    Ok(finish(tnc))
}

/// Power of the paired (one-sample) t-test at standardised effect `effect_size`
/// (mean difference / sd of differences) with `n` pairs (may be fractional), as statsmodels'
/// `TTestPower().power(effect_size, n, alpha, alternative)` (`Greater` = "larger",
/// `Less` = "smaller"). Needs n > 1 and alpha in (0, 1).
pub fn paired_t_power(effect_size: f64, n: f64, alpha: f64, alt: Alternative) -> Result<f64> {
    check_unit(alpha, "alpha")?;
    if n.is_nan() || n <= 1.0 || !n.is_finite() {
        return Err(StatsError::InvalidArgument(format!("power needs more than one pair, got n = {n}")));
    }
    if !effect_size.is_finite() {
        return Err(StatsError::InvalidArgument(format!("effect size must be finite, got {effect_size}")));
    }
    let df = n - 1.0;
    let nc = effect_size * n.sqrt();
    let a = if alt == Alternative::TwoSided { alpha / 2.0 } else { alpha };
    let mut pow = 0.0;
    if matches!(alt, Alternative::TwoSided | Alternative::Greater) {
        let crit = t_ppf(1.0 - a, df);
        pow += 1.0 - nct_cdf(crit, df, nc)?;
    }
    if matches!(alt, Alternative::TwoSided | Alternative::Less) {
        let crit = t_ppf(a, df);
        pow += nct_cdf(crit, df, nc)?;
    }
    Ok(pow)
}

/// Checks the arguments shared by [`seeds_for_power`] and [`seeds_needed`].
fn check_power_args(sd_diff: f64, target_diff: f64, alpha: f64, power: f64, alt: Alternative) -> Result<()> {
    check_unit(alpha, "alpha")?;
    check_unit(power, "power")?;
    if sd_diff.is_nan() || sd_diff < 0.0 || !sd_diff.is_finite() {
        return Err(StatsError::InvalidArgument(format!("sd of differences must be finite and >= 0, got {sd_diff}")));
    }
    if target_diff == 0.0 || !target_diff.is_finite() {
        return Err(StatsError::InvalidArgument(format!(
            "the target difference must be finite and nonzero (got {target_diff}); no number of seeds detects a zero difference"
        )));
    }
    if power <= alpha {
        return Err(StatsError::InvalidArgument(format!("power ({power}) must exceed alpha ({alpha})")));
    }
    if (alt == Alternative::Greater && target_diff < 0.0) || (alt == Alternative::Less && target_diff > 0.0) {
        return Err(StatsError::InvalidArgument(
            "a one-sided alternative needs a target difference of the same sign (positive for Greater, negative for Less)".into(),
        ));
    }
    Ok(())
}

/// The answer of [`seeds_needed`]: an exact count, or "more than `cap`".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeedsNeeded {
    /// The smallest number of seeds whose power reaches the target.
    Exactly(usize),
    /// More than this many seeds would be needed (the search stopped there).
    MoreThan(usize),
}

impl std::fmt::Display for SeedsNeeded {
    /// `12`, or `>10000`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SeedsNeeded::Exactly(n) => write!(f, "{n}"),
            SeedsNeeded::MoreThan(n) => write!(f, ">{n}"),
        }
    }
}

/// The smallest integer number of seeds at which a paired t-test reaches `power`, like
/// `seeds_for_power(..).seeds`, but fast enough for a table row: it starts from the normal
/// approximation `n ≈ ((z_{1-α/2} + z_power) / d)²` and steps to the exact answer with a few
/// power evaluations. Answers above `cap` are reported as [`SeedsNeeded::MoreThan`] without
/// searching further. Same arguments and errors as [`seeds_for_power`].
pub fn seeds_needed(sd_diff: f64, target_diff: f64, alpha: f64, power: f64, alt: Alternative, cap: usize) -> Result<SeedsNeeded> {
    check_power_args(sd_diff, target_diff, alpha, power, alt)?;
    if sd_diff == 0.0 {
        return Ok(SeedsNeeded::Exactly(2));
    }
    let d = target_diff / sd_diff;
    let a = if alt == Alternative::TwoSided { alpha / 2.0 } else { alpha };
    let z = super::dist::norm_ppf(1.0 - a) + super::dist::norm_ppf(power);
    let approx = (z / d).powi(2).ceil().max(2.0);
    if approx > cap as f64 {
        return Ok(SeedsNeeded::MoreThan(cap));
    }
    let reaches = |n: usize| -> Result<bool> { Ok(paired_t_power(d, n as f64, alpha, alt)? >= power) };
    let mut n = approx as usize;
    if reaches(n)? {
        while n > 2 && reaches(n - 1)? {
            n -= 1;
        }
    } else {
        while !reaches(n)? {
            n += 1;
            if n > cap {
                return Ok(SeedsNeeded::MoreThan(cap));
            }
        }
    }
    Ok(SeedsNeeded::Exactly(n))
}

/// How many seeds a paired t-test needs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SampleSize {
    /// Standardised effect, `target_diff / sd_diff` (inf when `sd_diff` is 0).
    pub effect_size: f64,
    /// The fractional number of pairs at which the power equals the target exactly
    /// (statsmodels' `solve_power` answer).
    pub n_exact: f64,
    /// Seeds to run: `ceil(n_exact)`, at least 2.
    pub seeds: usize,
    /// The power actually reached with `seeds` pairs.
    pub achieved_power: f64,
}

/// Seeds needed for a paired t-test to detect a true mean difference `target_diff` with
/// probability `power` (e.g. 0.8) at level `alpha`, when the paired differences have standard
/// deviation `sd_diff` (e.g. observed in a pilot run). Matches statsmodels'
/// `TTestPower().solve_power(effect_size=target_diff / sd_diff, nobs=None, alpha, power, alternative)`.
///
/// `sd_diff = 0` (differences without spread) gives `seeds = 2`, `n_exact = 2`,
/// `achieved_power = 1`. Errors: a zero or non-finite target, a negative `sd_diff`, power not
/// above alpha, or a one-sided alternative pointing away from the sign of `target_diff`.
pub fn seeds_for_power(sd_diff: f64, target_diff: f64, alpha: f64, power: f64, alt: Alternative) -> Result<SampleSize> {
    check_power_args(sd_diff, target_diff, alpha, power, alt)?;
    if sd_diff == 0.0 {
        return Ok(SampleSize { effect_size: target_diff.signum() * f64::INFINITY, n_exact: 2.0, seeds: 2, achieved_power: 1.0 });
    }
    let d = target_diff / sd_diff;
    let f = |n: f64| paired_t_power(d, n, alpha, alt).unwrap_or(f64::NAN) - power;
    let (mut lo, mut hi) = (2.0, 4.0);
    if f(lo) >= 0.0 {
        hi = 2.0;
        lo = 1.0 + 1e-6;
        if f(lo) >= 0.0 {
            return Ok(SampleSize { effect_size: d, n_exact: lo, seeds: 2, achieved_power: paired_t_power(d, 2.0, alpha, alt)? });
        }
    } else {
        while f(hi) < 0.0 {
            lo = hi;
            hi *= 2.0;
            if hi > 1e9 {
                return Err(StatsError::InvalidArgument(format!(
                    "effect size {d} is too small: more than 1e9 seeds would be needed"
                )));
            }
        }
    }
    let n_exact = brent_root(f, lo, hi, 1e-12 * hi, 200);
    let seeds = (n_exact - 1e-9).ceil().max(2.0) as usize;
    Ok(SampleSize { effect_size: d, n_exact, seeds, achieved_power: paired_t_power(d, seeds as f64, alpha, alt)? })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nct_reduces_to_t() {
        assert!((nct_cdf(1.3, 7.0, 0.0).unwrap() - t_cdf(1.3, 7.0)).abs() < 1e-15);
    }

    #[test]
    fn power_at_zero_effect_is_alpha() {
        let p = paired_t_power(0.0, 10.0, 0.05, Alternative::TwoSided).unwrap();
        assert!((p - 0.05).abs() < 1e-12);
    }

    #[test]
    fn fast_search_agrees_with_the_exact_solver() {
        for &(sd, diff) in &[(1.0, 0.5), (0.02, 0.005), (0.03, -0.01), (1.0, 2.5), (0.1, 0.001)] {
            for alt in [Alternative::TwoSided, if diff > 0.0 { Alternative::Greater } else { Alternative::Less }] {
                let exact = seeds_for_power(sd, diff, 0.05, 0.8, alt).unwrap().seeds;
                let fast = seeds_needed(sd, diff, 0.05, 0.8, alt, 1_000_000).unwrap();
                assert_eq!(fast, SeedsNeeded::Exactly(exact), "sd {sd} diff {diff} {alt:?}");
            }
        }
        assert_eq!(seeds_needed(1.0, 0.001, 0.05, 0.8, Alternative::TwoSided, 1000).unwrap(), SeedsNeeded::MoreThan(1000));
        assert_eq!(seeds_needed(0.0, 0.1, 0.05, 0.8, Alternative::TwoSided, 1000).unwrap(), SeedsNeeded::Exactly(2));
        assert!(seeds_needed(1.0, 0.0, 0.05, 0.8, Alternative::TwoSided, 1000).is_err());
    }

    #[test]
    fn seeds_reach_target() {
        let s = seeds_for_power(1.0, 0.5, 0.05, 0.8, Alternative::TwoSided).unwrap();
        assert!(s.achieved_power >= 0.8);
        assert!(paired_t_power(0.5, (s.seeds - 1) as f64, 0.05, Alternative::TwoSided).unwrap() < 0.8);
    }

    #[test]
    fn degenerate_inputs() {
        assert!(seeds_for_power(1.0, 0.0, 0.05, 0.8, Alternative::TwoSided).is_err());
        assert!(seeds_for_power(1.0, -0.5, 0.05, 0.8, Alternative::Greater).is_err());
        let s = seeds_for_power(0.0, 0.5, 0.05, 0.8, Alternative::TwoSided).unwrap();
        assert_eq!(s.seeds, 2);
    }
}
