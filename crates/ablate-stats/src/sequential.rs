//! Adaptive seeds: group-sequential paired tests of each config against the baseline, with
//! early stopping both for a difference and for equivalence within a practical margin, and
//! family-wise error control over all comparisons.
//!
//! The design (a [`SequentialPlan`]) fixes in advance the numbers of seeds at which the data
//! are examined ("looks", `n_1 = min < n_2 < ... < n_K = max`), so the information fraction
//! of look `k` is `t_k = n_k / max`. At each look:
//!
//! 1. **Different.** Every open comparison gets a two-sided paired t-test on its first `n_k`
//!    differences. It is declared different when `|t|` reaches the look's t boundary
//!    ([`t_boundaries`]), i.e. when its p-value is at most the look's nominal level. The
//!    boundaries follow a Lan-DeMets alpha-spending function ([`Spending`]; Lan & DeMets 1983,
//!    Biometrika 70:659): the known-variance z boundaries are computed by exact recursive
//!    numerical integration ([`boundaries`]; Armitage, McPherson & Rowe 1969; Jennison &
//!    Turnbull 2000, *Group Sequential Methods*, ch. 19), and the t boundaries are calibrated
//!    to the same spending (see "Unknown variance" below).
//! 2. **Multiplicity.** Over `m` comparisons the boundaries are those of level `α / (m − r)`,
//!    `r` the number already declared different: the group-sequential Holm procedure (Maurer &
//!    Bretz 2013, *Stat. Biopharm. Res.* 5:311, "Multiple testing in group sequential trials
//!    using graphical approaches"; Ye, Li, Jiang & Wang 2013, *Stat. Med.* 32:1112). Within a
//!    look the step is repeated until no new rejection, and a comparison still open may be
//!    rejected on any of its looks so far against the updated boundaries (the level of a
//!    rejected comparison is recycled). It is a shortcut of a closed test whose intersection
//!    tests are weighted Bonferroni group-sequential tests, so the family-wise error rate is
//!    at most `α` under any dependence between comparisons (they share the baseline).
//! 3. **Equivalent.** When a margin is set, an open comparison is declared equivalent when the
//!    two one-sided t-tests (TOST) of `|mean difference| ≥ margin` both reject at the nominal
//!    one-sided level of a one-sided group-sequential boundary at level `α` with the same
//!    spending function, i.e. when its `1 − 2 p_k` t-interval lies inside `±margin`.
//!    Equivalence never declares a difference, so it cannot add to the family-wise error of
//!    "different"; its own error (declaring equivalence when `|effect| ≥ margin`) is at most
//!    `α` per comparison.
//! 4. **Futile** (optional, [`SequentialPlan::with_futility`]). An open comparison whose
//!    predictive power is below a floor stops: given the seeds so far, it is unlikely to
//!    reach significance even at `max` seeds. This
//!    non-binding rule only removes rejections, so it keeps the family-wise error.
//! 5. Comparisons still open at `max` seeds are [`Decision::Undecided`].
//!
//! **Unknown variance.** The usual "significance level approach" (Jennison & Turnbull 2000,
//! §3.8 and §11.3) compares each look's t-test p-value with the z boundary's nominal level
//! `2 (1 − Φ(c_k))`. With `min = 3` (2 degrees of freedom at the first look) it does not hold
//! `α`: simulated over 200,000 null comparisons (looks 3, 5, 8, 12, 20) it gave 0.0511 with
//! O'Brien-Fleming and 0.0563 with Pocock spending, because t statistics of successive looks
//! are less correlated than z statistics. The union bound over looks is always valid but
//! costs much power. So the t boundaries are calibrated to the spending function under
//! normal differences, whose t statistics have a joint law free of the unknown variance
//! ([`t_boundaries`] explains how, and why the result is deterministic). The simulation tests
//! check the error rates for normal, heavy-tailed (t, 3 df) and common-random-number noise
//! (`benches/sequential/NOTES.md` records the numbers).
//!
//! Decisions are a pure function of the stored differences: [`SequentialRule::decide`]
//! replays every look from scratch on the first `n_k` differences of each comparison, so a
//! study can be stopped and resumed and gives the same answer.

use super::correction::{Correction, multipletests};
use super::dist::{brent_root, norm_pdf, norm_ppf, norm_sf, t_sf, t_two_sided};
use super::paired::one_sample_t;
use super::{Alternative, Result, StatsError, check_unit};
use crate::rng::Rng;

/// The largest number of looks a plan may have.
pub const MAX_LOOKS: usize = 20;

/// Boundaries beyond this many standard deviations carry no probability that matters in
/// double precision; the numerical integration truncates there.
const Z_CAP: f64 = 12.0;

/// Grid points per standard deviation of the narrowest kernel in the recursive integration.
const GRID_PER_SD: f64 = 12.0;

/// A Lan-DeMets alpha-spending function: how much of the total level `α` may be spent by
/// information fraction `t` (Lan & DeMets 1983). Two-sided designs spend `α / 2` on each
/// side by the one-sided function, as R's ldbounds and gsDesign do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum Spending {
    /// O'Brien-Fleming type: one-sided at level `a`, `a(t) = 2 − 2 Φ(z_{1−a/2} / √t)`; two-sided
    /// at `α`, twice that with `a = α / 2`. Spends almost nothing early, so the last look
    /// keeps a level close to `α`. The default.
    #[default]
    #[serde(rename = "obrien-fleming")]
    OBrienFleming,
    /// Pocock type: `α(t) = α ln(1 + (e − 1) t)`. Spends more early (earlier stops for large
    /// effects) at the price of a stricter last look.
    #[serde(rename = "pocock")]
    Pocock,
    /// Hwang-Shih-DeCani with γ = −2 (Hwang, Shih & DeCani 1990):
    /// `α(t) = α (1 − e^{2t}) / (1 − e²)`, between O'Brien-Fleming (γ ≈ −4) and Pocock
    /// (γ ≈ 1): some early stopping for large effects, a last look close to `α`.
    #[serde(rename = "hwang-shih-decani")]
    HwangShihDeCaniMinus2,
}

impl Spending {
    /// Its name in captions: "O'Brien-Fleming", "Pocock", "Hwang-Shih-DeCani (γ = −2)".
    pub fn label(self) -> &'static str {
        match self {
            Spending::OBrienFleming => "O'Brien-Fleming",
            Spending::Pocock => "Pocock",
            Spending::HwangShihDeCaniMinus2 => "Hwang-Shih-DeCani (γ = −2)",
        }
    }

    /// The cumulative level spent by information fraction `t` (clamped to [0, 1]) for a test
    /// of total level `alpha` with the given number of sides.
    pub fn spent(self, alpha: f64, t: f64, sides: Sides) -> f64 {
        let t = t.clamp(0.0, 1.0);
        if t == 0.0 {
            return 0.0;
        }
        match (self, sides) {
            (Spending::OBrienFleming, Sides::One) => 2.0 * norm_sf(-norm_ppf(alpha / 2.0) / t.sqrt()),
            (Spending::OBrienFleming, Sides::Two) => 2.0 * Spending::OBrienFleming.spent(alpha / 2.0, t, Sides::One),
            (Spending::Pocock, _) => alpha * (1.0 + (std::f64::consts::E - 1.0) * t).ln(),
            (Spending::HwangShihDeCaniMinus2, _) => alpha * (1.0 - (2.0 * t).exp()) / (1.0 - 2f64.exp()),
        }
    }
}

/// One- or two-sided boundaries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sides {
    /// Reject when `|Z_k| ≥ c_k` (the default).
    #[default]
    Two,
    /// Reject when `Z_k ≥ c_k`.
    One,
}

/// Group-sequential boundaries on the z scale.
#[derive(Debug, Clone, PartialEq)]
pub struct Boundaries {
    /// Information fractions `t_1 < ... < t_K = 1`.
    pub fractions: Vec<f64>,
    /// The boundaries `c_k` (`+inf` where the spending function spends nothing).
    pub z: Vec<f64>,
    /// The nominal level of each look: `2 (1 − Φ(c_k))` two-sided, `1 − Φ(c_k)` one-sided.
    pub nominal: Vec<f64>,
    /// The cumulative level spent by each look, `α(t_k)`.
    pub spent: Vec<f64>,
    /// The total level.
    pub alpha: f64,
    /// One- or two-sided.
    pub sides: Sides,
}

/// A density of the score statistic `S_k = Z_k √t_k` on a Simpson grid over the
/// continuation region of a look (under the null hypothesis).
struct GridDensity {
    points: Vec<f64>,
    /// Density times Simpson weight at each point.
    weighted: Vec<f64>,
}

impl GridDensity {
    /// A Simpson grid of spacing at most `h` over `[lo, hi]` carrying `density`.
    fn new(lo: f64, hi: f64, h: f64, mut density: impl FnMut(f64) -> f64) -> Self {
        let intervals = (((hi - lo) / h).ceil() as usize).max(2).next_multiple_of(2);
        let step = (hi - lo) / intervals as f64;
        let mut points = Vec::with_capacity(intervals + 1);
        let mut weighted = Vec::with_capacity(intervals + 1);
        for i in 0..=intervals {
            let s = lo + step * i as f64;
            let w = if i == 0 || i == intervals {
                1.0
            } else if i % 2 == 1 {
                4.0
            } else {
                2.0
            };
            points.push(s);
            weighted.push(w * step / 3.0 * density(s));
        }
        GridDensity { points, weighted }
    }

    /// Probability of continuing to the next look and then landing beyond the boundary
    /// `c` (on the z scale at fraction `t`), the increment having variance `var`.
    fn crossing(&self, c: f64, t: f64, var: f64, sides: Sides) -> f64 {
        let sd = var.sqrt();
        let b = c * t.sqrt();
        self.points
            .iter()
            .zip(&self.weighted)
            .map(|(&s, &w)| {
                let upper = norm_sf((b - s) / sd);
                let lower = if sides == Sides::Two { norm_sf((b + s) / sd) } else { 0.0 };
                w * (upper + lower)
            })
            .sum()
    }

    /// The density one look later, on `[lo, hi]` with spacing at most `h`: the convolution of
    /// this density with a normal increment of variance `var`. Only grid points within
    /// 10 standard deviations of the increment contribute (the rest are below 1e-22).
    fn advance(&self, lo: f64, hi: f64, h: f64, var: f64) -> GridDensity {
        let sd = var.sqrt();
        GridDensity::new(lo, hi, h, |x| {
            let from = self.points.partition_point(|&s| s < x - 10.0 * sd);
            let to = self.points.partition_point(|&s| s <= x + 10.0 * sd);
            (from..to).map(|i| self.weighted[i] * norm_pdf((x - self.points[i]) / sd)).sum::<f64>() / sd
        })
    }
}

/// Group-sequential boundaries for information fractions `fractions` (strictly increasing in
/// (0, 1], the last equal to 1), total level `alpha` and a spending function, under the
/// canonical joint distribution (`Z_k` standard normal with `corr(Z_j, Z_k) = √(t_j / t_k)`).
///
/// Each `c_k` solves `P(no crossing before look k, crossing at look k) = α(t_k) − α(t_{k−1})`
/// exactly (to ~1e-7 in the boundary): the density of the score statistic on the continuation
/// region is carried from look to look by Simpson-rule convolution (Armitage, McPherson &
/// Rowe 1969; Jennison & Turnbull 2000, ch. 19), and each boundary is a root found by Brent's
/// method. No Monte Carlo. Lan-DeMets O'Brien-Fleming with five equally spaced looks at
/// two-sided `α = 0.05` gives 4.877, 3.357, 2.680, 2.290, 2.041 (as R's gsDesign / ldbounds).
///
/// Errors: fractions empty, not increasing, outside (0, 1] or not ending at 1, more than
/// [`MAX_LOOKS`] of them, or `alpha` outside (0, 1) (below 0.5 for one-sided).
pub fn boundaries(fractions: &[f64], alpha: f64, spending: Spending, sides: Sides) -> Result<Boundaries> {
    check_unit(alpha, "alpha")?;
    if sides == Sides::One && alpha >= 0.5 {
        return Err(StatsError::InvalidArgument(format!("a one-sided level must be below 0.5, got {alpha}")));
    }
    check_fractions(fractions)?;
    let spent: Vec<f64> = fractions.iter().map(|&t| spending.spent(alpha, t, sides)).collect();
    let isf = |p: f64| match sides {
        Sides::Two => -norm_ppf(p / 2.0),
        Sides::One => -norm_ppf(p),
    };
    // the grid spacing follows the narrowest increment on either side of a look
    let sds: Vec<f64> = (0..fractions.len())
        .map(|k| if k == 0 { fractions[0] } else { fractions[k] - fractions[k - 1] }.sqrt())
        .collect();
    let region = |c: f64, t: f64| {
        let hi = c.min(Z_CAP) * t.sqrt();
        let lo = if sides == Sides::Two { -hi } else { -Z_CAP * t.sqrt() };
        (lo, hi)
    };
    let spacing = |k: usize| sds[k].min(*sds.get(k + 1).unwrap_or(&sds[k])) / GRID_PER_SD;

    let mut z = Vec::with_capacity(fractions.len());
    let c1 = if spent[0] > 0.0 { isf(spent[0]) } else { f64::INFINITY };
    z.push(c1);
    let (lo, hi) = region(c1, fractions[0]);
    let sd1 = sds[0];
    let mut density = GridDensity::new(lo, hi, spacing(0), |s| norm_pdf(s / sd1) / sd1);
    for k in 1..fractions.len() {
        let (t, var) = (fractions[k], fractions[k] - fractions[k - 1]);
        let target = spent[k] - spent[k - 1];
        let c = if target > 0.0 {
            let f = |c: f64| density.crossing(c, t, var, sides) - target;
            if f(40.0) >= 0.0 { 40.0 } else { brent_root(f, -10.0, 40.0, 1e-10, 200) }
        } else {
            f64::INFINITY
        };
        z.push(c);
        if k + 1 < fractions.len() {
            let (lo, hi) = region(c, t);
            density = density.advance(lo, hi, spacing(k), var);
        }
    }
    let nominal = z.iter().map(|&c| if sides == Sides::Two { 2.0 * norm_sf(c) } else { norm_sf(c) }).collect();
    Ok(Boundaries { fractions: fractions.to_vec(), z, nominal, spent, alpha, sides })
}

fn check_fractions(fractions: &[f64]) -> Result<()> {
    if fractions.is_empty() || fractions.len() > MAX_LOOKS {
        return Err(StatsError::InvalidArgument(format!(
            "a sequential design needs between 1 and {MAX_LOOKS} looks, got {}",
            fractions.len()
        )));
    }
    let mut prev = 0.0;
    for (i, &t) in fractions.iter().enumerate() {
        if !(t.is_finite() && t > prev && t <= 1.0) {
            return Err(StatsError::InvalidArgument(format!(
                "information fractions must increase strictly within (0, 1]; fraction {i} is {t} after {prev}"
            )));
        }
        prev = t;
    }
    if prev != 1.0 {
        return Err(StatsError::InvalidArgument(format!("the last information fraction must be 1, got {prev}")));
    }
    Ok(())
}

/// Boundaries of the paired t statistic at each look, calibrated to a spending function.
#[derive(Debug, Clone, PartialEq)]
pub struct TBoundaries {
    /// Seeds at each look.
    pub looks: Vec<usize>,
    /// Critical values of the t statistic (`|t| ≥ t_k` two-sided, `t ≥ t_k` one-sided;
    /// `+inf` where nothing is spent).
    pub t: Vec<f64>,
    /// The nominal level of each look: the t-test p-value at or below which look `k`
    /// rejects (the t tail probability of `t_k` with `n_k − 1` degrees of freedom).
    pub nominal: Vec<f64>,
    /// The known-variance z boundaries of the same spending (the large-sample limit).
    pub z: Boundaries,
}

/// Paths simulated to calibrate the t boundaries.
pub const CALIBRATION_PATHS: usize = 200_000;

/// Fraction of each spent increment the calibration aims at: 2% below the spending function,
/// which covers three Monte Carlo standard errors of the calibration at `α = 0.05`.
const CALIBRATION_SHARE: f64 = 0.98;

/// The seed of the calibration stream: fixed, so a plan always gets the same boundaries.
const CALIBRATION_SEED: u64 = 0x5E9_0001;

/// Group-sequential boundaries for the paired t statistic with unknown variance, looks at
/// `looks` seeds (strictly increasing, first at least 3), level `alpha`, calibrated to the
/// spending function.
///
/// Why not the z boundaries' nominal levels: comparing each look's t p-value with
/// `2 (1 − Φ(c_k))` spends the right level at each look marginally, but with few degrees of
/// freedom the t statistics of successive looks are less correlated than the z statistics
/// (each look re-estimates the variance), so more paths cross somewhere. Simulated with 3 to
/// 20 seeds (looks 3, 5, 8, 12, 20) and 200,000 null comparisons: 0.0511 (O'Brien-Fleming)
/// and 0.0563 (Pocock) instead of 0.05. The union bound over looks (nominal level
/// `α(t_k) − α(t_{k−1})` at look `k`) is always valid but leaves the last look 0.0216 of
/// 0.05 with O'Brien-Fleming spending, costing much power.
///
/// Instead the t critical values are calibrated to the spending function under normal
/// differences, where the joint law of `(t_1, ..., t_K)` does not depend on the unknown
/// mean-zero variance: [`CALIBRATION_PATHS`] null paths are simulated from a fixed seed through
/// their exact per-look sufficient statistics (the sum of the new differences is normal, their
/// within-look sum of squares chi-square), and `t_k` is the threshold that makes the paths
/// crossing first at look `k` a fraction `0.98 (α(t_k) − α(t_{k−1}))` of all paths (the 2%
/// covers the calibration's Monte Carlo error, three standard errors at `α = 0.05`). The
/// result is deterministic (a pure function of the looks, level and spending). For many degrees of freedom the
/// nominal levels approach those of the exact z boundaries ([`boundaries`]). Heavy-tailed
/// symmetric differences make the t-test conservative (Efron 1969), which the simulation
/// tests confirm for t noise with 3 df.
///
/// Errors: as [`boundaries`], plus looks not strictly increasing or starting below 3.
pub fn t_boundaries(looks: &[usize], alpha: f64, spending: Spending, sides: Sides) -> Result<TBoundaries> {
    if looks.first().is_none_or(|&n| n < MIN_SEEDS) || looks.windows(2).any(|w| w[1] <= w[0]) {
        return Err(StatsError::InvalidArgument(format!(
            "looks must increase strictly from at least {MIN_SEEDS} seeds, got {looks:?}"
        )));
    }
    let max = looks[looks.len() - 1] as f64;
    let fractions: Vec<f64> = looks.iter().map(|&n| n as f64 / max).collect();
    let z = boundaries(&fractions, alpha, spending, sides)?;
    let mut rng = Rng::new(CALIBRATION_SEED);
    // per path: sum of differences, within sum of squares; `None` once it crossed
    let mut paths: Vec<Option<(f64, f64)>> = vec![Some((0.0, 0.0)); CALIBRATION_PATHS];
    let mut stats = Vec::with_capacity(CALIBRATION_PATHS);
    let (mut t, mut nominal) = (Vec::with_capacity(looks.len()), Vec::with_capacity(looks.len()));
    let (mut prev_n, mut crossed_so_far) = (0usize, 0usize);
    for (&n, &spent) in looks.iter().zip(&z.spent) {
        let g = n - prev_n;
        stats.clear();
        for (i, path) in paths.iter_mut().enumerate() {
            let Some((sum, ss)) = path else { continue };
            let add = (g as f64).sqrt() * rng.normal();
            let within = chi_square(&mut rng, g - 1);
            let cross = if prev_n == 0 { 0.0 } else {
                let gap = add / g as f64 - *sum / prev_n as f64;
                prev_n as f64 * g as f64 / n as f64 * gap * gap
            };
            *sum += add;
            *ss += within + cross;
            let nf = n as f64;
            let stat = (*sum / nf) / (*ss / ((nf - 1.0) * nf)).sqrt();
            stats.push((if sides == Sides::Two { stat.abs() } else { stat }, i));
        }
        // paths that cross first here: the `count` largest statistics
        let target = (CALIBRATION_SHARE * spent * CALIBRATION_PATHS as f64).floor() as usize;
        let count = target.saturating_sub(crossed_so_far).min(stats.len());
        let critical = if count == 0 {
            f64::INFINITY
        } else {
            stats.select_nth_unstable_by(count - 1, |a, b| b.0.total_cmp(&a.0));
            let last_in = stats[count - 1].0;
            let first_out = stats[count..].iter().map(|s| s.0).fold(f64::NEG_INFINITY, f64::max);
            for &(_, i) in &stats[..count] {
                paths[i] = None;
            }
            if first_out.is_finite() { 0.5 * (last_in + first_out) } else { last_in }
        };
        crossed_so_far += count;
        let df = (n - 1) as f64;
        t.push(critical);
        nominal.push(match sides {
            Sides::Two => t_two_sided(critical, df),
            Sides::One => t_sf(critical, df),
        });
        prev_n = n;
    }
    Ok(TBoundaries { looks: looks.to_vec(), t, nominal, z })
}

/// A chi-square draw with `k` degrees of freedom (0 for `k = 0`): Marsaglia & Tsang's gamma
/// sampler (2000), boosted for shape below 1.
fn chi_square(rng: &mut Rng, k: usize) -> f64 {
    if k == 0 {
        return 0.0;
    }
    let shape = k as f64 / 2.0;
    let (a, boost) = if shape < 1.0 { (shape + 1.0, true) } else { (shape, false) };
    let d = a - 1.0 / 3.0;
    let c = 1.0 / (9.0 * d).sqrt();
    let g = loop {
        let x = rng.normal();
        let v = (1.0 + c * x).powi(3);
        if v <= 0.0 {
            continue;
        }
        let u = 1.0 - rng.next_f64();
        if u.ln() < 0.5 * x * x + d - d * v + d * v.ln() {
            break d * v;
        }
    };
    let g = if boost { g * (1.0 - rng.next_f64()).powf(1.0 / shape) } else { g };
    2.0 * g
}

/// The design of an adaptive-seeds study: the looks (numbers of seeds at which every open
/// comparison is examined), the family-wise level, the spending function and the optional
/// equivalence margin. Built by [`SequentialPlan::new`], which validates everything.
#[derive(Debug, Clone, PartialEq)]
pub struct SequentialPlan {
    looks: Vec<usize>,
    alpha: f64,
    margin: Option<f64>,
    spending: Spending,
    /// Spending of the equivalence tests (their own α: stopping as equivalent never rejects,
    /// so it cannot raise the error of a "different" verdict).
    equivalence_spending: Spending,
    /// Futility floor: an open comparison whose predictive power is below it stops as [`Decision::Futile`] (`None`: never).
    futility: Option<f64>,
}

/// The futility floor studies use unless told otherwise (a predictive power of 20%; see
/// [`SequentialPlan::with_futility`]).
pub const DEFAULT_FUTILITY: f64 = 0.2;

/// The smallest `min` a plan accepts: a paired t-test on 3 seeds has 2 degrees of freedom.
pub const MIN_SEEDS: usize = 3;

impl SequentialPlan {
    /// A plan that runs `min` seeds for every comparison, then adds seeds in rounds up to
    /// `max`, at family-wise level `alpha`, with O'Brien-Fleming-type spending, no
    /// equivalence margin and the looks of [`SequentialPlan::default_looks`].
    ///
    /// Errors: `min < 3`, `max < min`, more than 100,000 seeds, `alpha` outside (0, 1).
    pub fn new(min: usize, max: usize, alpha: f64) -> Result<Self> {
        check_unit(alpha, "alpha")?;
        if min < MIN_SEEDS {
            return Err(StatsError::InvalidArgument(format!(
                "adaptive seeds need at least {MIN_SEEDS} seeds before the first look, got min = {min}"
            )));
        }
        if max < min {
            return Err(StatsError::InvalidArgument(format!("max seeds ({max}) must be at least min seeds ({min})")));
        }
        if max > 100_000 {
            return Err(StatsError::InvalidArgument(format!("max seeds must be at most 100,000, got {max}")));
        }
        Ok(SequentialPlan {
            looks: Self::default_looks(min, max),
            alpha,
            margin: None,
            spending: Spending::default(),
            equivalence_spending: Spending::Pocock,
            futility: None,
        })
    }

    /// The default looks: `min`, then each about 1.5 times the previous (at least one more
    /// seed), jumping to `max` once a look would reach 85% of it, and at most
    /// [`MAX_LOOKS`] looks. For 3 to 20 seeds: 3, 5, 8, 12, 20. Assumes `3 <= min <= max`.
    pub fn default_looks(min: usize, max: usize) -> Vec<usize> {
        let mut looks = vec![min];
        let mut n = min;
        while n < max {
            let next = (n + n.div_ceil(2)).max(n + 1);
            n = if next as f64 >= 0.85 * max as f64 || looks.len() + 1 == MAX_LOOKS { max } else { next };
            looks.push(n);
        }
        looks
    }

    /// Replaces the looks: strictly increasing seed counts, the first `min`, the last `max`,
    /// at most [`MAX_LOOKS`] of them.
    pub fn with_looks(mut self, looks: Vec<usize>) -> Result<Self> {
        let (min, max) = (self.min(), self.max());
        if looks.first() != Some(&min) || looks.last() != Some(&max) {
            return Err(StatsError::InvalidArgument(format!(
                "looks must start at min ({min}) and end at max ({max}), got {looks:?}"
            )));
        }
        if looks.windows(2).any(|w| w[1] <= w[0]) || looks.len() > MAX_LOOKS {
            return Err(StatsError::InvalidArgument(format!(
                "looks must increase strictly and number at most {MAX_LOOKS}, got {looks:?}"
            )));
        }
        self.looks = looks;
        Ok(self)
    }

    /// Sets the equivalence margin: a comparison whose mean difference is shown to lie within
    /// `±margin` stops as [`Decision::Equivalent`]. Errors unless `margin` is positive and finite.
    pub fn with_margin(mut self, margin: f64) -> Result<Self> {
        if !(margin.is_finite() && margin > 0.0) {
            return Err(StatsError::InvalidArgument(format!(
                "the equivalence margin must be positive and finite, got {margin}"
            )));
        }
        self.margin = Some(margin);
        Ok(self)
    }

    /// The same plan without an equivalence margin.
    pub fn without_margin(mut self) -> Self {
        self.margin = None;
        self
    }

    /// The same plan with another spending function for the equivalence tests (Pocock, the
    /// default, lets negligible changes stop early; O'Brien-Fleming waits for more seeds).
    pub fn with_equivalence_spending(mut self, spending: Spending) -> Self {
        self.equivalence_spending = spending;
        self
    }

    /// Stops a comparison for futility when its predictive power falls below `floor`: the
    /// probability, given the seeds so far (flat prior on the mean difference, spread as
    /// observed), that the paired t-test at `max` seeds would reach the last boundary at the
    /// most lenient Holm level (`α`, the level a comparison gets once every other one is
    /// rejected). This is stochastic curtailment (Lan, Simon & Halperin 1982, *Commun. Stat.
    /// C* 1:207; Jennison & Turnbull 2000, ch. 10) with predictive rather than conditional
    /// power, which accounts for the uncertainty of the trend. The rule is non-binding:
    /// it only ever removes rejections, and Holm's rejections are monotone in the rejections
    /// of the other comparisons, so the family-wise error stays at most `α`. What it costs
    /// is power on effects too small to show at the first looks; the simulation tests measure
    /// it. Errors unless `0 < floor < 1`.
    pub fn with_futility(mut self, floor: f64) -> Result<Self> {
        if !(floor > 0.0 && floor < 1.0) {
            return Err(StatsError::InvalidArgument(format!(
                "the futility floor is a predictive power strictly between 0 and 1 (e.g. 0.1), got {floor}"
            )));
        }
        self.futility = Some(floor);
        Ok(self)
    }

    /// The futility floor, if any.
    pub fn futility(&self) -> Option<f64> {
        self.futility
    }

    /// The spending of the equivalence tests.
    pub fn equivalence_spending(&self) -> Spending {
        self.equivalence_spending
    }

    /// The same plan with another spending function for the tests of difference.
    pub fn with_spending(mut self, spending: Spending) -> Self {
        self.spending = spending;
        self
    }

    /// Seeds at the first look.
    pub fn min(&self) -> usize {
        self.looks[0]
    }

    /// Seeds at the last look.
    pub fn max(&self) -> usize {
        self.looks[self.looks.len() - 1]
    }

    /// The looks (seed counts).
    pub fn looks(&self) -> &[usize] {
        &self.looks
    }

    /// The family-wise level.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    /// The equivalence margin, if any.
    pub fn margin(&self) -> Option<f64> {
        self.margin
    }

    /// The spending function.
    pub fn spending(&self) -> Spending {
        self.spending
    }

    /// Information fractions `n_k / max`.
    pub fn fractions(&self) -> Vec<f64> {
        let max = self.max() as f64;
        self.looks.iter().map(|&n| n as f64 / max).collect()
    }

    /// The plan made ready for `comparisons` comparisons: boundaries at every Holm level
    /// `α / j`, `j = 1..=comparisons`, and the equivalence boundaries. Computing them takes
    /// some 50 milliseconds per level (the t calibration of [`t_boundaries`]); reuse the rule
    /// for repeated decisions.
    pub fn rule(&self, comparisons: usize) -> Result<SequentialRule> {
        let different = (1..=comparisons)
            .map(|j| t_boundaries(&self.looks, self.alpha / j as f64, self.spending, Sides::Two))
            .collect::<Result<Vec<_>>>()?;
        let equivalence_t = match self.margin {
            Some(_) => t_boundaries(&self.looks, self.alpha, self.equivalence_spending, Sides::One)?.t,
            None => Vec::new(),
        };
        Ok(SequentialRule { plan: self.clone(), different, equivalence_t })
    }

    /// Decides every comparison from its paired differences (config minus baseline, ordered
    /// by seed); see [`SequentialRule::decide`]. Builds the rule each time: use
    /// [`SequentialPlan::rule`] to decide repeatedly.
    pub fn decide(&self, differences: &[&[f64]]) -> Result<SequentialOutcome> {
        self.rule(differences.len())?.decide(differences)
    }
}

/// A [`SequentialPlan`] with its boundaries computed for a fixed number of comparisons.
#[derive(Debug, Clone, PartialEq)]
pub struct SequentialRule {
    plan: SequentialPlan,
    /// Two-sided t boundaries at level `α / j` for `j = 1..=m` (index `j − 1`).
    different: Vec<TBoundaries>,
    /// One-sided t critical values of the equivalence test at each look (empty: no margin).
    equivalence_t: Vec<f64>,
}

/// What the data say about one comparison (config vs baseline).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Decision {
    /// The config differs from the baseline (family-wise error controlled).
    Different {
        /// Seeds the comparison ran (the look at which it was decided).
        seeds: usize,
        /// Seeds at the look whose test crossed the boundary (equal to `seeds` unless the
        /// rejection came from an earlier look re-tested at a level recycled from another
        /// comparison).
        crossed_at: usize,
        /// The paired t-test p-value at `crossed_at` seeds.
        p_value: f64,
        /// The nominal level it was compared with.
        nominal: f64,
        /// The Holm level `α / (m − r)` whose boundaries were used.
        level: f64,
        /// Mean difference at `seeds`.
        estimate: f64,
    },
    /// The mean difference lies within `±margin` (TOST at the look's nominal level).
    Equivalent {
        /// Seeds the comparison ran.
        seeds: usize,
        /// Lower end of the t-interval of the mean difference used by the TOST.
        lower: f64,
        /// Upper end of that interval.
        upper: f64,
        /// Mean difference.
        estimate: f64,
    },
    /// Stopped for futility: even at `max` seeds and the most lenient level, its predictive
    /// power given the seeds so far was below the plan's floor. Not a claim that the change
    /// does nothing (that is [`Decision::Equivalent`]): the study was unlikely to show it.
    Futile {
        /// Seeds the comparison ran.
        seeds: usize,
        /// The paired t-test p-value at `seeds`.
        p_value: f64,
        /// Mean difference.
        estimate: f64,
        /// The predictive power that stopped it.
        predictive_power: f64,
    },
    /// Not decided yet: run the comparison (and the baseline) up to `seeds_needed` seeds.
    Open {
        /// Seeds the next look needs.
        seeds_needed: usize,
    },
    /// Reached `max` seeds without a decision.
    Undecided {
        /// Seeds run (`max`).
        seeds: usize,
        /// The last paired t-test p-value.
        p_value: f64,
        /// Mean difference.
        estimate: f64,
    },
}

impl Decision {
    /// Seeds the decision rests on (for `Open`, the seeds needed next).
    pub fn seeds(&self) -> usize {
        match *self {
            Decision::Different { seeds, .. }
            | Decision::Equivalent { seeds, .. }
            | Decision::Futile { seeds, .. }
            | Decision::Undecided { seeds, .. } => seeds,
            Decision::Open { seeds_needed } => seeds_needed,
        }
    }

    /// Whether the comparison is finished (anything but `Open`).
    pub fn is_final(&self) -> bool {
        !matches!(self, Decision::Open { .. })
    }
}

/// The decisions of a [`SequentialRule`] on the data available.
#[derive(Debug, Clone, PartialEq)]
pub struct SequentialOutcome {
    /// One decision per comparison, in input order.
    pub decisions: Vec<Decision>,
    /// Number of looks evaluated (a look is evaluated once every comparison open at it has
    /// its seeds).
    pub looks_done: usize,
    /// Seeds the next look needs, if any comparison is open.
    pub next_seeds: Option<usize>,
    /// Comparisons that need the next look's seeds (in input order).
    pub pending: Vec<usize>,
}

/// Per-comparison state while replaying the looks.
struct Track {
    decision: Option<Decision>,
    /// `(seeds, p-value)` of every look evaluated while open.
    history: Vec<(usize, f64)>,
    estimate: f64,
}

impl SequentialRule {
    /// The plan.
    pub fn plan(&self) -> &SequentialPlan {
        &self.plan
    }

    /// Number of comparisons the rule was built for.
    pub fn comparisons(&self) -> usize {
        self.different.len()
    }

    /// The two-sided boundaries used when `open` comparisons are not yet rejected
    /// (level `α / open`); `None` unless `1 <= open <= comparisons`.
    pub fn boundaries_for(&self, open: usize) -> Option<&TBoundaries> {
        open.checked_sub(1).and_then(|j| self.different.get(j))
    }

    /// Decides every comparison from its paired differences `config − baseline`, ordered by
    /// seed (one slice per comparison, the comparisons the rule was built for).
    ///
    /// Replays the looks from the first: look `k` uses only the first `n_k` differences of each
    /// comparison open at it, so the result is a pure function of the data and extra seeds
    /// beyond a comparison's decision are ignored. Look `k` is evaluated only when every
    /// comparison open at it has at least `n_k` differences; otherwise the open comparisons
    /// are reported as [`Decision::Open`] with the seeds they need, and the outcome lists them
    /// in `pending`. At each evaluated look: the Holm step (repeated until no new rejection,
    /// each open comparison tested on all its looks so far against the current level's
    /// boundaries), then the equivalence test of the comparisons still open, then the futility
    /// rule (if the plan has one) before the last look, or [`Decision::Undecided`] for the rest
    /// at it.
    ///
    /// Errors: a number of slices other than [`SequentialRule::comparisons`], or a non-finite
    /// difference (named by comparison and position). Degenerate data follow
    /// [`one_sample_t`]: all differences zero never reject; equal nonzero differences reject.
    pub fn decide(&self, differences: &[&[f64]]) -> Result<SequentialOutcome> {
        let m = self.comparisons();
        if differences.len() != m {
            return Err(StatsError::InvalidArgument(format!(
                "the rule was built for {m} comparisons but got differences for {}",
                differences.len()
            )));
        }
        for (i, d) in differences.iter().enumerate() {
            if let Some(j) = d.iter().position(|v| !v.is_finite()) {
                return Err(StatsError::InvalidArgument(format!(
                    "comparison {i} has difference {} at seed position {j}; drop or re-run the failed trial",
                    d[j]
                )));
            }
        }
        let looks = &self.plan.looks;
        let mut tracks: Vec<Track> =
            (0..m).map(|_| Track { decision: None, history: Vec::new(), estimate: f64::NAN }).collect();
        let mut rejected = 0usize;
        let mut looks_done = 0;
        for (k, &n) in looks.iter().enumerate() {
            let open: Vec<usize> = (0..m).filter(|&i| tracks[i].decision.is_none()).collect();
            if open.is_empty() {
                break;
            }
            if open.iter().any(|&i| differences[i].len() < n) {
                return Ok(self.pending(tracks, looks_done, n));
            }
            looks_done = k + 1;
            let mut tests = Vec::with_capacity(open.len());
            for &i in &open {
                let t = one_sample_t(&differences[i][..n], 0.0, Alternative::TwoSided)?;
                tracks[i].history.push((n, t.p_value));
                tracks[i].estimate = t.estimate;
                tests.push(t);
            }
            // Holm step, repeated within the look until no new rejection: every comparison
            // crossing the current level's boundaries (on any of its looks so far) is
            // rejected, then the level grows to α / (m − r) with the new r
            loop {
                let b = &self.different[m - rejected - 1];
                let mut crossed = Vec::new();
                for &i in &open {
                    let track = &tracks[i];
                    if track.decision.is_some() {
                        continue;
                    }
                    if let Some((l, &(at, p))) = track.history.iter().enumerate().find(|&(l, &(_, p))| p <= b.nominal[l]) {
                        crossed.push((i, at, p, b.nominal[l]));
                    }
                }
                for &(i, crossed_at, p_value, nominal) in &crossed {
                    let estimate = tracks[i].estimate;
                    tracks[i].decision =
                        Some(Decision::Different { seeds: n, crossed_at, p_value, nominal, level: b.z.alpha, estimate });
                }
                rejected += crossed.len();
                if crossed.is_empty() || rejected == m {
                    break;
                }
            }
            for (&i, t) in open.iter().zip(&tests) {
                if tracks[i].decision.is_some() {
                    continue;
                }
                if let (Some(margin), Some(&q)) = (self.plan.margin, self.equivalence_t.get(k)) {
                    let (lower, upper) = (t.estimate - q * t.se, t.estimate + q * t.se);
                    if lower > -margin && upper < margin {
                        tracks[i].decision = Some(Decision::Equivalent { seeds: n, lower, upper, estimate: t.estimate });
                        continue;
                    }
                }
                if k + 1 == looks.len() {
                    tracks[i].decision = Some(Decision::Undecided { seeds: n, p_value: t.p_value, estimate: t.estimate });
                } else if let Some(floor) = self.plan.futility {
                    let predictive_power = self.predictive_power(t.statistic, n);
                    if predictive_power < floor {
                        tracks[i].decision =
                            Some(Decision::Futile { seeds: n, p_value: t.p_value, estimate: t.estimate, predictive_power });
                    }
                }
            }
        }
        let next = looks.get(looks_done).copied().unwrap_or(self.plan.max());
        Ok(self.pending(tracks, looks_done, next))
    }

    /// Predictive power of a comparison with paired t statistic `t` at `n` seeds: the chance
    /// that the two-sided test at `N = max` seeds reaches the last boundary at level `α`,
    /// averaged over the flat-prior posterior of the mean difference (Spiegelhalter, Freedman
    /// & Blackburn 1986, *Control. Clin. Trials* 7:8), the spread taken as observed. The final
    /// statistic is then about normal with mean `t sqrt(N / n)` (the current trend) and
    /// variance `(N − n) / n`: the trend's own uncertainty, which is large at the first looks,
    /// so a few noisy seeds rarely stop a comparison. (Conditional power at the trend, the
    /// same mean with variance `1 − n / N`, stopped too many real effects early in simulation:
    /// benches/sequential/NOTES.md.)
    fn predictive_power(&self, t: f64, n: usize) -> f64 {
        if t.is_infinite() {
            return 1.0;
        }
        let (n, max) = (n as f64, self.plan.max() as f64);
        let critical = self.different[0].t.last().copied().unwrap_or(f64::INFINITY);
        let mean = t * (max / n).sqrt();
        let sd = ((max - n) / n).sqrt();
        norm_sf((critical - mean) / sd) + norm_sf((critical + mean) / sd)
    }

    /// The outcome with every comparison still open reported as needing `next` seeds.
    fn pending(&self, tracks: Vec<Track>, looks_done: usize, next: usize) -> SequentialOutcome {
        let pending: Vec<usize> = tracks.iter().enumerate().filter(|(_, t)| t.decision.is_none()).map(|(i, _)| i).collect();
        let decisions =
            tracks.into_iter().map(|t| t.decision.unwrap_or(Decision::Open { seeds_needed: next })).collect();
        let next_seeds = if pending.is_empty() { None } else { Some(next) };
        SequentialOutcome { decisions, looks_done, next_seeds, pending }
    }
}

/// The noise of one simulated run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Noise {
    /// Standard normal.
    Normal,
    /// Student's t with the given (integer, at least 3) degrees of freedom, scaled to unit
    /// variance: heavy tails.
    StudentT(u32),
}

impl Noise {
    fn draw(self, rng: &mut Rng) -> f64 {
        match self {
            Noise::Normal => rng.normal(),
            Noise::StudentT(df) => {
                let chi2: f64 = (0..df).map(|_| rng.normal().powi(2)).sum();
                let df = df as f64;
                rng.normal() / (chi2 / df).sqrt() * ((df - 2.0) / df).sqrt()
            }
        }
    }
}

/// A simulated study: one baseline and one config per effect, each run on the same seeds.
/// Run `s` of config `j` is `u_s + effects[j] + e_js` and of the baseline `u_s + e_0s`, with
/// independent noise `e` of unit variance and a per-seed offset `u_s` of standard deviation
/// `crn_sd` shared by all configs of the seed (common random numbers; it cancels in the
/// paired differences, which share the baseline's noise).
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// True mean difference of each config from the baseline, in units of the run noise.
    pub effects: Vec<f64>,
    /// The run noise.
    pub noise: Noise,
    /// Standard deviation of the shared per-seed offset (0 for none).
    pub crn_sd: f64,
}

/// Operating characteristics of a plan on a [`Scenario`], estimated by simulation.
#[derive(Debug, Clone, PartialEq)]
pub struct Simulated {
    /// Studies simulated.
    pub studies: usize,
    /// Per comparison: fraction of studies declaring it different.
    pub different: Vec<f64>,
    /// Per comparison: fraction declaring it equivalent.
    pub equivalent: Vec<f64>,
    /// Per comparison: fraction stopped for futility.
    pub futile: Vec<f64>,
    /// Per comparison: fraction declaring it different with the fixed design (every
    /// comparison run at `max` seeds, paired t-tests, Holm at `α`).
    pub fixed_different: Vec<f64>,
    /// Per comparison: mean number of seeds run.
    pub expected_seeds: Vec<f64>,
    /// Fraction of studies with at least one comparison of zero effect declared different
    /// (the family-wise error when every effect is zero).
    pub any_false_different: f64,
    /// The same for the fixed design.
    pub fixed_any_false_different: f64,
    /// Mean trials per study: the baseline runs the most seeds any comparison needs, each
    /// config its own.
    pub expected_trials: f64,
    /// Trials of the fixed design: `(comparisons + 1) · max`.
    pub fixed_trials: f64,
    /// Fraction of studies in which every comparison got the same verdict as the fixed
    /// design (different there ⇔ different here).
    pub same_verdicts: f64,
}

/// Simulates `studies` studies of `scenario` under `plan` from `seed` (reproducible) and
/// reports rejection, equivalence and seed counts next to the fixed design with `max` seeds.
/// Errors: no studies or comparisons, a non-finite effect, a negative or non-finite
/// `crn_sd`, t noise with fewer than 3 degrees of freedom.
pub fn simulate(plan: &SequentialPlan, scenario: &Scenario, studies: usize, seed: u64) -> Result<Simulated> {
    let m = scenario.effects.len();
    if studies == 0 || m == 0 {
        return Err(StatsError::InvalidArgument("a simulation needs at least one study and one comparison".into()));
    }
    super::check_finite(&scenario.effects, "effects")?;
    if !(scenario.crn_sd.is_finite() && scenario.crn_sd >= 0.0) {
        return Err(StatsError::InvalidArgument(format!("crn_sd must be finite and >= 0, got {}", scenario.crn_sd)));
    }
    if let Noise::StudentT(df) = scenario.noise
        && df < 3
    {
        return Err(StatsError::InvalidArgument(format!("t noise needs at least 3 df (finite variance), got {df}")));
    }
    let rule = plan.rule(m)?;
    let max = plan.max();
    let mut rng = Rng::new(seed);
    let mut out = Simulated {
        studies,
        different: vec![0.0; m],
        equivalent: vec![0.0; m],
        futile: vec![0.0; m],
        fixed_different: vec![0.0; m],
        expected_seeds: vec![0.0; m],
        any_false_different: 0.0,
        fixed_any_false_different: 0.0,
        expected_trials: 0.0,
        fixed_trials: ((m + 1) * max) as f64,
        same_verdicts: 0.0,
    };
    let mut diffs = vec![vec![0.0; max]; m];
    let mut fixed_p = vec![0.0; m];
    for _ in 0..studies {
        for s in 0..max {
            let u = scenario.crn_sd * rng.normal();
            let base = u + scenario.noise.draw(&mut rng);
            for (j, d) in diffs.iter_mut().enumerate() {
                d[s] = u + scenario.effects[j] + scenario.noise.draw(&mut rng) - base;
            }
        }
        let slices: Vec<&[f64]> = diffs.iter().map(|d| d.as_slice()).collect();
        let outcome = rule.decide(&slices)?;
        for (p, d) in fixed_p.iter_mut().zip(&diffs) {
            *p = one_sample_t(d, 0.0, Alternative::TwoSided)?.p_value;
        }
        let fixed = multipletests(&fixed_p, plan.alpha, Correction::Holm)?;
        let (mut false_seq, mut false_fixed, mut same, mut most) = (false, false, true, 0);
        for (j, d) in outcome.decisions.iter().enumerate() {
            let diff = matches!(d, Decision::Different { .. });
            out.different[j] += diff as u8 as f64;
            out.equivalent[j] += matches!(d, Decision::Equivalent { .. }) as u8 as f64;
            out.futile[j] += matches!(d, Decision::Futile { .. }) as u8 as f64;
            out.fixed_different[j] += fixed.reject[j] as u8 as f64;
            out.expected_seeds[j] += d.seeds() as f64;
            out.expected_trials += d.seeds() as f64;
            most = most.max(d.seeds());
            let null = scenario.effects[j] == 0.0;
            false_seq |= null && diff;
            false_fixed |= null && fixed.reject[j];
            same &= diff == fixed.reject[j];
        }
        out.expected_trials += most as f64;
        out.any_false_different += false_seq as u8 as f64;
        out.fixed_any_false_different += false_fixed as u8 as f64;
        out.same_verdicts += same as u8 as f64;
    }
    let n = studies as f64;
    for v in out.different.iter_mut().chain(&mut out.equivalent).chain(&mut out.futile).chain(&mut out.fixed_different).chain(&mut out.expected_seeds) {
        *v /= n;
    }
    for v in [&mut out.any_false_different, &mut out.fixed_any_false_different, &mut out.expected_trials, &mut out.same_verdicts] {
        *v /= n;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Upper Monte Carlo bound used by the simulation tests: a rate estimated from `n`
    /// independent trials passes if it is at most `p + 3 sqrt(p (1 − p) / n)` (three standard
    /// errors above the nominal rate: a valid procedure fails with probability about 0.1%).
    fn mc_bound(p: f64, n: usize) -> f64 {
        p + 3.0 * (p * (1.0 - p) / n as f64).sqrt()
    }

    fn plan_3_20() -> SequentialPlan {
        SequentialPlan::new(3, 20, 0.05).unwrap()
    }

    #[test]
    fn obrien_fleming_five_equal_looks_match_published() {
        // R gsDesign (sfLDOF, test.type = 2, alpha = 0.025 per side) / ldbounds:
        // 4.8769, 3.3569, 2.6803, 2.2898, 2.0310
        let t: Vec<f64> = (1..=5).map(|k| k as f64 / 5.0).collect();
        let b = boundaries(&t, 0.05, Spending::OBrienFleming, Sides::Two).unwrap();
        for (c, p) in b.z.iter().zip([4.8769, 3.3569, 2.6803, 2.2898, 2.0310]) {
            assert!((c - p).abs() < 2e-4, "{c} vs {p}");
        }
        // Pocock type, same looks: 2.438, 2.427, 2.410, 2.397, 2.386
        let b = boundaries(&t, 0.05, Spending::Pocock, Sides::Two).unwrap();
        for (c, p) in b.z.iter().zip([2.438, 2.427, 2.410, 2.397, 2.386]) {
            assert!((c - p).abs() < 1e-3, "{c} vs {p}");
        }
        // one look: the fixed-design critical value
        let b = boundaries(&[1.0], 0.05, Spending::Pocock, Sides::Two).unwrap();
        assert!((b.z[0] - 1.959963984540054).abs() < 1e-9 && (b.nominal[0] - 0.05).abs() < 1e-11);
    }

    #[test]
    fn t_calibration_approaches_the_z_boundaries_with_many_seeds() {
        // 100 to 400 seeds: the t statistic is nearly normal, so the calibrated nominal levels
        // match the exact z ones within the calibration's Monte Carlo error (and its 2% margin)
        let looks = [100, 200, 300, 400];
        for sp in [Spending::OBrienFleming, Spending::Pocock, Spending::HwangShihDeCaniMinus2] {
            let b = t_boundaries(&looks, 0.05, sp, Sides::Two).unwrap();
            // O'Brien-Fleming's first look spends 1.5e-5 (3 calibration paths): skipped
            let first = if sp == Spending::OBrienFleming { 1 } else { 0 };
            for k in first..looks.len() {
                assert!((b.nominal[k] / b.z.nominal[k] - 1.0).abs() < 0.12, "{sp:?} look {k}: {:?} vs {:?}", b.nominal, b.z.nominal);
            }
            // and with 3 seeds at the first look the t boundary is far above the z one
            let small = t_boundaries(&[3, 5, 8, 12, 20], 0.05, sp, Sides::Two).unwrap();
            assert!(small.t[0] > 2.0 * small.z.z[0] || small.t[0] == f64::INFINITY);
            println!("{sp:?} t boundaries {:?} nominal {:?} (z nominal {:?})", small.t, small.nominal, small.z.nominal);
        }
        // deterministic
        assert_eq!(t_boundaries(&[3, 5, 8], 0.05, Spending::Pocock, Sides::One), t_boundaries(&[3, 5, 8], 0.05, Spending::Pocock, Sides::One));
        assert!(t_boundaries(&[2, 5], 0.05, Spending::Pocock, Sides::Two).is_err());
        assert!(t_boundaries(&[5, 5], 0.05, Spending::Pocock, Sides::Two).is_err());
    }

    #[test]
    fn spending_functions() {
        for s in [Spending::OBrienFleming, Spending::Pocock, Spending::HwangShihDeCaniMinus2] {
            for sides in [Sides::One, Sides::Two] {
                assert!((s.spent(0.05, 1.0, sides) - 0.05).abs() < 1e-9);
                assert_eq!(s.spent(0.05, 0.0, sides), 0.0);
                let mut prev = 0.0;
                for k in 1..=10 {
                    let a = s.spent(0.05, k as f64 / 10.0, sides);
                    assert!(a > prev);
                    prev = a;
                }
            }
        }
        assert!((Spending::Pocock.spent(0.05, 0.5, Sides::Two) - 0.05 * (1.0 + (std::f64::consts::E - 1.0) / 2.0).ln()).abs() < 1e-16);
        // Hwang-Shih-DeCani, γ = −2, at t = 0.5: α (1 − e) / (1 − e²) = α / (1 + e)
        assert!((Spending::HwangShihDeCaniMinus2.spent(0.05, 0.5, Sides::Two) - 0.05 / (1.0 + std::f64::consts::E)).abs() < 1e-15);
    }

    #[test]
    fn boundaries_fall_as_the_level_rises() {
        // the Holm shortcut needs boundaries monotone in the level at every look
        let t = plan_3_20().fractions();
        for s in [Spending::OBrienFleming, Spending::Pocock, Spending::HwangShihDeCaniMinus2] {
            let mut prev: Option<Boundaries> = None;
            for j in (1..=8).rev() {
                let b = boundaries(&t, 0.05 / j as f64, s, Sides::Two).unwrap();
                if let Some(p) = &prev {
                    assert!(b.z.iter().zip(&p.z).all(|(a, b)| a < b), "{s:?} {:?} vs {:?}", b.z, p.z);
                }
                prev = Some(b);
            }
        }
    }

    #[test]
    fn invalid_input_is_an_error_not_a_panic() {
        assert!(SequentialPlan::new(2, 20, 0.05).is_err());
        assert!(SequentialPlan::new(5, 4, 0.05).is_err());
        assert!(SequentialPlan::new(3, 20, 0.0).is_err());
        assert!(SequentialPlan::new(3, 20, f64::NAN).is_err());
        assert!(SequentialPlan::new(3, 200_000, 0.05).is_err());
        assert!(plan_3_20().with_margin(0.0).is_err());
        assert!(plan_3_20().with_margin(f64::INFINITY).is_err());
        for floor in [0.0, 1.0, -0.1, f64::NAN] {
            assert!(plan_3_20().with_futility(floor).is_err(), "{floor}");
        }
        assert!(plan_3_20().with_looks(vec![3, 10]).is_err());
        assert!(plan_3_20().with_looks(vec![3, 10, 10, 20]).is_err());
        assert!(plan_3_20().with_looks(vec![4, 10, 20]).is_err());
        assert!(plan_3_20().with_looks(vec![3, 10, 20]).is_ok());
        assert!(boundaries(&[], 0.05, Spending::Pocock, Sides::Two).is_err());
        assert!(boundaries(&[0.5, 0.4, 1.0], 0.05, Spending::Pocock, Sides::Two).is_err());
        assert!(boundaries(&[0.5, 0.9], 0.05, Spending::Pocock, Sides::Two).is_err());
        assert!(boundaries(&[1.0], 0.6, Spending::Pocock, Sides::One).is_err());
        let rule = plan_3_20().rule(2).unwrap();
        assert!(rule.decide(&[&[1.0, 2.0, 3.0]]).is_err());
        let e = rule.decide(&[&[1.0, 2.0, 3.0], &[1.0, f64::NAN, 3.0]]).unwrap_err();
        assert!(e.to_string().contains("comparison 1") && e.to_string().contains("position 1"), "{e}");
        let sc = Scenario { effects: vec![0.0], noise: Noise::StudentT(2), crn_sd: 0.0 };
        assert!(simulate(&plan_3_20(), &sc, 10, 1).is_err());
        // no comparisons: nothing to decide
        let out = plan_3_20().decide(&[]).unwrap();
        assert!(out.decisions.is_empty() && out.next_seeds.is_none());
    }

    #[test]
    fn default_looks() {
        assert_eq!(SequentialPlan::default_looks(3, 20), vec![3, 5, 8, 12, 20]);
        assert_eq!(SequentialPlan::default_looks(5, 50), vec![5, 8, 12, 18, 27, 41, 50]);
        assert_eq!(SequentialPlan::default_looks(10, 10), vec![10]);
        assert_eq!(SequentialPlan::default_looks(3, 4), vec![3, 4]);
        let many = SequentialPlan::default_looks(3, 100_000);
        assert!(many.len() <= MAX_LOOKS && many[many.len() - 1] == 100_000);
        assert!(SequentialPlan::new(3, 100_000, 0.05).unwrap().rule(1).is_ok());
    }

    #[test]
    fn replay_is_resumable_and_ignores_extra_seeds() {
        // Pocock spending: O'Brien-Fleming spends nothing usable at 3 seeds
        let plan = plan_3_20().with_margin(0.5).unwrap().with_spending(Spending::Pocock);
        let rule = plan.rule(3).unwrap();
        let big: Vec<f64> = (0..20).map(|i| 3.0 + 0.1 * (i % 3) as f64).collect();
        let tiny: Vec<f64> = (0..20).map(|i| 0.01 * ((i % 5) as f64 - 2.0)).collect();
        let noisy: Vec<f64> = (0..20).map(|i| if i % 2 == 0 { 1.0 } else { -0.8 }).collect();
        // only the first look's seeds: the large effect and the negligible one are decided,
        // the noisy one needs 5 seeds
        let first = rule.decide(&[&big[..3], &tiny[..3], &noisy[..3]]).unwrap();
        assert_eq!(first.looks_done, 1);
        assert!(matches!(first.decisions[0], Decision::Different { seeds: 3, .. }), "{:?}", first.decisions[0]);
        assert_eq!(first.next_seeds, Some(5));
        assert!(matches!(first.decisions[1], Decision::Equivalent { seeds: 3, .. }), "{:?}", first.decisions[1]);
        assert_eq!(first.pending, vec![2]);
        // a look is evaluated only when every open comparison has its seeds
        let partial = rule.decide(&[&big[..3], &tiny[..5], &noisy[..4]]).unwrap();
        assert_eq!(partial.looks_done, 1);
        assert_eq!(partial.decisions[2], Decision::Open { seeds_needed: 5 });
        // everything at once gives the same decisions as feeding look by look
        let all = rule.decide(&[&big, &tiny, &noisy]).unwrap();
        let mut lens = [3usize, 3, 3];
        let stepwise = loop {
            let out = rule.decide(&[&big[..lens[0]], &tiny[..lens[1]], &noisy[..lens[2]]]).unwrap();
            match out.next_seeds {
                Some(n) => {
                    for &i in &out.pending {
                        lens[i] = n;
                    }
                }
                None => break out,
            }
        };
        assert_eq!(all.decisions, stepwise.decisions);
        assert!(all.next_seeds.is_none() && all.pending.is_empty());
        assert!(matches!(all.decisions[1], Decision::Equivalent { .. }), "{:?}", all.decisions[1]);
        assert!(all.decisions.iter().all(Decision::is_final));
        // same data, same answer (pure function)
        assert_eq!(rule.decide(&[&big, &tiny, &noisy]).unwrap(), all);
    }

    #[test]
    fn holm_recycles_the_level_of_rejected_comparisons() {
        // at the last look of a 2-comparison rule, alone the second p-value misses the
        // boundary at alpha/2 but clears the one at alpha once the first is rejected
        let plan = SequentialPlan::new(10, 10, 0.05).unwrap();
        let rule = plan.rule(2).unwrap();
        let strong: Vec<f64> = (0..10).map(|i| 5.0 + 0.1 * i as f64).collect();
        // mean 0.5: p about 0.035 (between the boundaries at 0.025 and 0.05)
        let weak: Vec<f64> =
            [1.2, -0.2, 0.9, 0.1, 1.1, -0.1, 0.8, 0.3, 0.6, 0.3].iter().map(|x| 0.5 + 1.28 * (x - 0.5)).collect();
        let p = one_sample_t(&weak, 0.0, Alternative::TwoSided).unwrap().p_value;
                let nominal = rule.boundaries_for(1).unwrap().nominal[0];
        assert!(p < nominal && p > rule.boundaries_for(2).unwrap().nominal[0], "{p} {nominal}");
        let out = rule.decide(&[&strong, &weak]).unwrap();
        match out.decisions[1] {
            Decision::Different { level, .. } => assert_eq!(level, 0.05),
            d => panic!("{d:?}"),
        }
        let alone = rule.decide(&[&[0.0; 10], &weak]).unwrap();
        assert!(matches!(alone.decisions[1], Decision::Undecided { seeds: 10, .. }));
        // the fixed design (one look) agrees with statsmodels-style Holm
        let fixed = multipletests(&[p, 1.0], 0.05, Correction::Holm).unwrap();
        assert!(!fixed.reject[0]);
    }

    #[test]
    fn degenerate_differences() {
        let plan = plan_3_20().with_margin(0.1).unwrap().with_spending(Spending::Pocock);
        let rule = plan.rule(2).unwrap();
        let out = rule.decide(&[&[0.0; 3], &[0.5; 3]]).unwrap();
        assert!(matches!(out.decisions[0], Decision::Equivalent { seeds: 3, .. }));
        assert!(matches!(out.decisions[1], Decision::Different { seeds: 3, p_value, .. } if p_value == 0.0));
    }

    /// Runs a scenario and prints its operating characteristics (the numbers quoted in
    /// benches/sequential/NOTES.md).
    fn run(name: &str, plan: &SequentialPlan, sc: &Scenario, studies: usize, seed: u64) -> Simulated {
        let s = simulate(plan, sc, studies, seed).unwrap();
        println!(
            "{name}: studies {studies}, different {:?}, fixed {:?}, equivalent {:?}, futile {:?}, seeds {:?}, \
             any false {:.4} (fixed {:.4}), trials {:.1} of {:.0} ({:.1}% saved), same verdicts {:.3}",
            s.different.iter().map(|v| format!("{v:.4}")).collect::<Vec<_>>(),
            s.fixed_different.iter().map(|v| format!("{v:.4}")).collect::<Vec<_>>(),
            s.equivalent.iter().map(|v| format!("{v:.4}")).collect::<Vec<_>>(),
            s.futile.iter().map(|v| format!("{v:.4}")).collect::<Vec<_>>(),
            s.expected_seeds.iter().map(|v| format!("{v:.2}")).collect::<Vec<_>>(),
            s.any_false_different,
            s.fixed_any_false_different,
            s.expected_trials,
            s.fixed_trials,
            100.0 * (1.0 - s.expected_trials / s.fixed_trials),
            s.same_verdicts,
        );
        s
    }

    #[test]
    fn null_false_positive_rate_per_comparison() {
        // m = 1, 10,000 comparisons per noise model; min = 3 (df = 2 at the first look)
        let n = 10_000;
        let bound = mc_bound(0.05, n);
        for (name, noise, crn) in
            [("normal", Noise::Normal, 0.0), ("crn", Noise::Normal, 5.0), ("t3", Noise::StudentT(3), 0.0)]
        {
            for (sp, seed) in [(Spending::OBrienFleming, 11), (Spending::Pocock, 12), (Spending::HwangShihDeCaniMinus2, 13)] {
                let plan = plan_3_20().with_spending(sp);
                let sc = Scenario { effects: vec![0.0], noise, crn_sd: crn };
                let s = run(&format!("null m=1 {name} {sp:?}"), &plan, &sc, n, seed);
                assert!(s.different[0] <= bound, "{name} {sp:?}: {} > {bound}", s.different[0]);
            }
            // the futility rule only removes rejections
            let plan = plan_3_20().with_futility(DEFAULT_FUTILITY).unwrap();
            let s = run(&format!("null m=1 {name} futility"), &plan, &Scenario { effects: vec![0.0], noise, crn_sd: crn }, n, 14);
            assert!(s.different[0] <= bound, "{name} futility: {} > {bound}", s.different[0]);
            assert!(s.futile[0] > 0.5 && s.expected_seeds[0] < 13.0, "{name}: null comparisons stop as futile: {:?} {:?}", s.futile, s.expected_seeds);
        }
    }

    #[test]
    fn null_family_wise_error() {
        // m = 5 comparisons sharing the baseline, all null, 2,500 studies (12,500 comparisons);
        // the bound is on the family-wise rate over the 2,500 studies. A margin is set so
        // that equivalence stopping is part of the run.
        let studies = 2_500;
        let bound = mc_bound(0.05, studies);
        for (name, noise, crn, seed) in
            [("normal", Noise::Normal, 0.0, 21), ("crn", Noise::Normal, 5.0, 22), ("t3", Noise::StudentT(3), 0.0, 23)]
        {
            // the margin, then the margin with the study's default futility rule
            for futility in [false, true] {
                let mut plan = plan_3_20().with_margin(0.8).unwrap();
                if futility {
                    plan = plan.with_futility(DEFAULT_FUTILITY).unwrap();
                }
                let sc = Scenario { effects: vec![0.0; 5], noise, crn_sd: crn };
                let s = run(&format!("null m=5 {name} futility {futility}"), &plan, &sc, studies, seed);
                assert!(s.any_false_different <= bound, "{name} {futility}: FWER {} > {bound}", s.any_false_different);
            }
        }
    }

    #[test]
    fn power_close_to_the_fixed_design() {
        // effects of 1 and 0.5 standard deviations of the paired differences (sd √2 here),
        // with two null comparisons; with O'Brien-Fleming spending (the default) power stays
        // within 5 points of the fixed design with max seeds and Holm. Pocock spending loses
        // more (7 and 12 points with min = 3: its early looks spend level where the t-test
        // has 2 to 4 degrees of freedom); its numbers are printed, and only bounded at 15.
        let sd = std::f64::consts::SQRT_2;
        for (name, noise, seed) in [("normal", Noise::Normal, 31), ("t3", Noise::StudentT(3), 32)] {
            for sp in [Spending::OBrienFleming, Spending::Pocock] {
                let plan = plan_3_20().with_spending(sp);
                let sc = Scenario { effects: vec![1.0 * sd, 0.5 * sd, 0.0, 0.0], noise, crn_sd: 2.0 };
                let s = run(&format!("power {name} {sp:?}"), &plan, &sc, 2_000, seed);
                let allowed = if sp == Spending::OBrienFleming { 0.05 } else { 0.15 };
                for j in 0..2 {
                    assert!(s.different[j] >= s.fixed_different[j] - allowed, "{name} {sp:?} comparison {j}");
                }
                assert!(s.expected_seeds[0] < 19.5, "a large effect stops early: {:?}", s.expected_seeds);
            }
            // the default futility rule (predictive power 20%) costs at most 5 points with
            // O'Brien-Fleming; with Hwang-Shih-DeCani spending its numbers are printed and
            // bounded at 10
            for (sp, allowed) in [(Spending::OBrienFleming, 0.05), (Spending::HwangShihDeCaniMinus2, 0.10)] {
                let plan = plan_3_20().with_spending(sp).with_futility(DEFAULT_FUTILITY).unwrap();
                let sc = Scenario { effects: vec![1.0 * sd, 0.5 * sd, 0.0, 0.0], noise, crn_sd: 2.0 };
                let s = run(&format!("power {name} {sp:?} futility"), &plan, &sc, 2_000, seed);
                for j in 0..2 {
                    assert!(s.different[j] >= s.fixed_different[j] - allowed, "{name} {sp:?} futility comparison {j}");
                }
                assert!(s.expected_seeds[2] < 14.0, "null comparisons stop early: {:?}", s.expected_seeds);
            }
        }
    }

    #[test]
    fn equivalence_error() {
        // declaring equivalence when |effect| >= margin: at most alpha per comparison
        let margin = 0.8;
        let plan = plan_3_20().with_margin(margin).unwrap();
        let n = 10_000;
        for (name, noise, seed) in [("normal", Noise::Normal, 41), ("t3", Noise::StudentT(3), 42)] {
            for factor in [1.0, 1.5] {
                let sc = Scenario { effects: vec![factor * margin], noise, crn_sd: 1.0 };
                let s = run(&format!("equivalence |effect| = {factor} margin {name}"), &plan, &sc, n, seed);
                assert!(s.equivalent[0] <= mc_bound(0.05, n), "{name} {factor}: {}", s.equivalent[0]);
            }
            // and it does stop null comparisons
            let sc = Scenario { effects: vec![0.0], noise, crn_sd: 1.0 };
            let s = run(&format!("equivalence effect 0 {name}"), &plan, &sc, 2_000, seed + 10);
            assert!(s.equivalent[0] > 0.3, "{}", s.equivalent[0]);
        }
    }

    #[test]
    fn mixed_study_saves_seeds() {
        // three null configs (margin 0.8 run-sd), one small and two large effects
        let plan = plan_3_20().with_margin(0.8).unwrap();
        let sc = Scenario { effects: vec![0.0, 0.0, 0.0, 0.8, 3.0, 3.0], noise: Noise::Normal, crn_sd: 1.0 };
        let s = run("mixed", &plan, &sc, 2_000, 51);
        assert!(s.expected_trials < s.fixed_trials);
        let with_futility = run("mixed futility", &plan.with_futility(DEFAULT_FUTILITY).unwrap(), &sc, 2_000, 51);
        assert!(with_futility.expected_trials < 0.85 * s.expected_trials, "{} vs {}", with_futility.expected_trials, s.expected_trials);
    }
}
