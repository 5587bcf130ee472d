//! Bootstrap confidence intervals for a mean and for a mean paired difference:
//! percentile and BCa (bias-corrected and accelerated), following scipy's
//! `scipy.stats.bootstrap` (same bias estimate, jackknife acceleration and linear
//! interpolation between order statistics). Resamples come from [`crate::rng::Rng`], so an
//! interval is reproducible from its seed but differs from scipy's by Monte Carlo error.
//!
//! Cost: `n_resamples × n` random draws plus linear-time selection of the quantiles (no
//! full sort). Reuse a scratch buffer with [`bootstrap_mean_ci_with`] in tight loops.

use super::describe::mean_var_iter;
use super::dist::{norm_cdf, norm_ppf};
use super::{Result, StatsError, check_finite, check_len, check_paired, check_unit};
use crate::rng::Rng;

/// Which bootstrap interval to compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BootstrapMethod {
    /// The α/2 and 1-α/2 quantiles of the bootstrap distribution.
    Percentile,
    /// Bias-corrected and accelerated (Efron 1987): corrects for bias and skew. Default, as scipy.
    #[default]
    Bca,
}

/// Options of a bootstrap interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BootstrapOptions {
    /// Number of resamples (default 9,999, as scipy).
    pub n_resamples: usize,
    /// Confidence level (default 0.95). The interval is two-sided.
    pub level: f64,
    /// Percentile or BCa (default BCa).
    pub method: BootstrapMethod,
    /// Seed of the resampling generator.
    pub seed: u64,
}

impl Default for BootstrapOptions {
    fn default() -> Self {
        BootstrapOptions { n_resamples: 9_999, level: 0.95, method: BootstrapMethod::Bca, seed: 0 }
    }
}

/// A bootstrap confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BootstrapCi {
    /// The statistic on the original data (the sample mean).
    pub estimate: f64,
    /// Lower bound.
    pub lower: f64,
    /// Upper bound.
    pub upper: f64,
    /// Confidence level.
    pub level: f64,
    /// The method used.
    pub method: BootstrapMethod,
    /// Number of resamples.
    pub n_resamples: usize,
    /// Standard deviation of the bootstrap distribution (scipy's `standard_error`).
    pub standard_error: f64,
}

/// Bootstrap interval for the mean of `x`. Needs n >= 2 and `n_resamples >= 2`.
/// A constant sample gives `lower = upper = estimate` and `standard_error = 0` for both
/// methods (scipy returns NaN for BCa). BCa errors when every resample falls on one side of
/// the estimate (the bias correction is infinite); use the percentile method then.
pub fn bootstrap_mean_ci(x: &[f64], opts: BootstrapOptions) -> Result<BootstrapCi> {
    let mut scratch = Vec::new();
    bootstrap_mean_ci_with(x, opts, &mut scratch)
}

/// Bootstrap interval for the mean paired difference `mean(a - b)`: the rows (seeds) are
/// resampled together, i.e. the mean of the differences is bootstrapped. Same conventions as
/// [`bootstrap_mean_ci`]; errors on unequal lengths.
pub fn bootstrap_paired_ci(a: &[f64], b: &[f64], opts: BootstrapOptions) -> Result<BootstrapCi> {
    check_paired(a, b, "a paired bootstrap interval")?;
    check_finite(a, "a")?;
    check_finite(b, "b")?;
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
    bootstrap_mean_ci(&d, opts)
}

/// [`bootstrap_mean_ci`] reusing `scratch` for the bootstrap distribution, so repeated calls
/// do not allocate.
pub fn bootstrap_mean_ci_with(x: &[f64], opts: BootstrapOptions, scratch: &mut Vec<f64>) -> Result<BootstrapCi> {
    check_len(x, 2, "a bootstrap interval")?;
    check_finite(x, "x")?;
    check_resampling(x.len(), opts.n_resamples, opts.level)?;
    let n = x.len();
    let nf = n as f64;
    let (theta, _) = mean_var_iter(x.iter().copied(), n);
    let b = opts.n_resamples;
    let constant = x.iter().all(|&v| v == x[0]);
    if constant {
        return Ok(BootstrapCi {
            estimate: theta,
            lower: theta,
            upper: theta,
            level: opts.level,
            method: opts.method,
            n_resamples: b,
            standard_error: 0.0,
        });
    }
    let mut idx = IndexStream::new(Rng::new(opts.seed), n);
    scratch.clear();
    scratch.reserve(b);
    for _ in 0..b {
        let mut s = 0.0;
        for _ in 0..n {
            s += x[idx.next()];
        }
        scratch.push(s / nf);
    }
    let (_, var_b) = mean_var_iter(scratch.iter().copied(), b);
    let alpha = (1.0 - opts.level) / 2.0;
    let (p_lo, p_hi) = match opts.method {
        BootstrapMethod::Percentile => (alpha, 1.0 - alpha),
        BootstrapMethod::Bca => {
            let below = scratch.iter().filter(|&&t| t < theta).count();
            let not_above = scratch.iter().filter(|&&t| t <= theta).count();
            let pct = (below + not_above) as f64 / (2 * b) as f64;
            if pct <= 0.0 || pct >= 1.0 {
                return Err(StatsError::Degenerate(
                    "BCa interval undefined: every bootstrap resample falls on one side of the \
                     estimate; use the percentile method"
                        .into(),
                ));
            }
            let z0 = norm_ppf(pct);
            // jackknife acceleration for the mean: theta_i = (sum - x_i) / (n - 1)
            let sum: f64 = x.iter().sum();
            let jk_mean = x.iter().map(|&v| (sum - v) / (nf - 1.0)).sum::<f64>() / nf;
            let (mut num, mut den) = (0.0, 0.0);
            for &v in x {
                let u = (nf - 1.0) * (jk_mean - (sum - v) / (nf - 1.0));
                num += u * u * u;
                den += u * u;
            }
            let num = num / (nf * nf * nf);
            let den = den / (nf * nf);
            let a_hat = num / (6.0 * den.powf(1.5));
            let za = norm_ppf(alpha);
            let n1 = z0 + za;
            let n2 = z0 - za;
            (norm_cdf(z0 + n1 / (1.0 - a_hat * n1)), norm_cdf(z0 + n2 / (1.0 - a_hat * n2)))
        }
    };
    let [lower, upper] = quantiles(scratch, [p_lo, p_hi]);
    Ok(BootstrapCi {
        estimate: theta,
        lower,
        upper,
        level: opts.level,
        method: opts.method,
        n_resamples: b,
        standard_error: var_b.sqrt(),
    })
}

/// Checks the arguments of a bootstrap over `n` values (or pairs): fewer than 2^32 values
/// (the reach of [`IndexStream`]), a confidence level in (0, 1), at least 2 resamples.
pub(crate) fn check_resampling(n: usize, n_resamples: usize, level: f64) -> Result<()> {
    if n > u32::MAX as usize {
        return Err(StatsError::InvalidArgument("bootstrap supports fewer than 2^32 values".into()));
    }
    check_unit(level, "confidence level")?;
    if n_resamples < 2 {
        return Err(StatsError::InvalidArgument(format!("n_resamples must be at least 2, got {n_resamples}")));
    }
    Ok(())
}

/// Uniform indices in `0..n`, two per 64-bit draw (Lemire's multiply-shift on 32-bit halves
/// with rejection, so unbiased). Needs n < 2^32.
pub(crate) struct IndexStream {
    rng: Rng,
    n: u64,
    threshold: u32,
    spare: Option<u32>,
}

impl IndexStream {
    pub(crate) fn new(rng: Rng, n: usize) -> Self {
        let n = n as u64;
        let threshold = ((1u64 << 32) % n) as u32;
        IndexStream { rng, n, threshold, spare: None }
    }

    #[inline]
    pub(crate) fn next(&mut self) -> usize {
        loop {
            let r = match self.spare.take() {
                Some(r) => r,
                None => {
                    let v = self.rng.next_u64();
                    self.spare = Some((v >> 32) as u32);
                    v as u32
                }
            };
            let m = r as u64 * self.n;
            if (m as u32) >= self.threshold {
                return (m >> 32) as usize;
            }
        }
    }
}

/// Linear-interpolation quantiles (numpy's default) at two probabilities, by selection.
pub(crate) fn quantiles(buf: &mut [f64], probs: [f64; 2]) -> [f64; 2] {
    let last = (buf.len() - 1) as f64;
    let mut need: Vec<usize> = Vec::with_capacity(4);
    let pos: Vec<(usize, f64)> = probs
        .iter()
        .map(|&p| {
            let h = (p.clamp(0.0, 1.0)) * last;
            let lo = h.floor() as usize;
            (lo, h - lo as f64)
        })
        .collect();
    for &(lo, _) in &pos {
        need.push(lo);
        if lo + 1 < buf.len() {
            need.push(lo + 1);
        }
    }
    need.sort_unstable();
    need.dedup();
    let mut start = 0;
    let mut vals = [0.0f64; 4];
    for (k, &i) in need.iter().enumerate() {
        let (_, v, _) = buf[start..].select_nth_unstable_by(i - start, f64::total_cmp);
        vals[k] = *v;
        start = i + 1;
    }
    let get = |i: usize| vals[need.iter().position(|&j| j == i).unwrap()];
    let mut out = [0.0; 2];
    for (o, &(lo, frac)) in out.iter_mut().zip(&pos) {
        let a = get(lo);
        *o = if frac > 0.0 && lo + 1 < buf.len() { a + (get(lo + 1) - a) * frac } else { a };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_sample_gives_point_interval() {
        let ci = bootstrap_mean_ci(&[1.5, 1.5, 1.5], BootstrapOptions::default()).unwrap();
        assert_eq!((ci.lower, ci.upper, ci.standard_error), (1.5, 1.5, 0.0));
    }

    #[test]
    fn n_below_two() {
        assert!(matches!(bootstrap_mean_ci(&[1.0], BootstrapOptions::default()), Err(StatsError::TooFew { .. })));
        assert!(bootstrap_paired_ci(&[1.0, 2.0], &[1.0], BootstrapOptions::default()).is_err());
    }

    #[test]
    fn quantiles_match_sorting() {
        let mut v: Vec<f64> = (0..101).map(|i| ((i * 37) % 101) as f64).collect();
        let q = quantiles(&mut v, [0.025, 0.975]);
        assert!((q[0] - 2.5).abs() < 1e-12 && (q[1] - 97.5).abs() < 1e-12);
    }

    #[test]
    fn interval_covers_the_mean_and_is_reproducible() {
        let x = [0.81, 0.84, 0.79, 0.86, 0.83];
        for method in [BootstrapMethod::Percentile, BootstrapMethod::Bca] {
            let o = BootstrapOptions { method, seed: 3, ..Default::default() };
            let ci = bootstrap_mean_ci(&x, o).unwrap();
            assert!(ci.lower < ci.estimate && ci.estimate < ci.upper);
            assert_eq!(ci, bootstrap_mean_ci(&x, o).unwrap());
        }
    }
}
