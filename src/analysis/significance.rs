//! The significance table: every configuration against the baseline, with a test, an
//! adjusted p-value, an effect size, a confidence interval for the change and a verdict.

use std::fmt;

use polars::prelude::*;

use crate::error::{Error, Result};
use crate::results::Results;
use crate::stats::{Decision, 
    self, Alternative, Correction, Magnitude, MannWhitneyOptions, PermutationOptions, SeedsNeeded, WilcoxonOptions,
};

/// The largest number of seeds the "seeds needed" column searches up to: beyond it the
/// column says ">100" (a study that needs more seeds than that should rethink the question).
pub const SEEDS_NEEDED_CAP: usize = 100;
use crate::trial::{Direction, MetricSpec};

use crate::display::Stars;

/// The test used to compare a configuration with the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Test {
    /// Paired t-test on per-seed differences (the default: configs share seeds).
    #[default]
    PairedT,
    /// Wilcoxon signed-rank test on per-seed differences.
    Wilcoxon,
    /// Paired sign-flip permutation test (exact for up to 20 seeds).
    SignFlip,
    /// Welch's unpaired t-test.
    Welch,
    /// Mann-Whitney U (unpaired).
    MannWhitney,
}

impl Test {
    /// The name shown in tables.
    pub fn name(self) -> &'static str {
        match self {
            Test::PairedT => "paired t",
            Test::Wilcoxon => "Wilcoxon signed-rank",
            Test::SignFlip => "sign-flip permutation",
            Test::Welch => "Welch t",
            Test::MannWhitney => "Mann-Whitney U",
        }
    }

    /// Whether the test pairs values by seed.
    pub fn is_paired(self) -> bool {
        matches!(self, Test::PairedT | Test::Wilcoxon | Test::SignFlip)
    }

    /// The effect size reported with this test.
    pub fn effect_name(self) -> &'static str {
        match self {
            Test::PairedT | Test::Wilcoxon | Test::SignFlip => "d_z",
            Test::Welch => "g",
            Test::MannWhitney => "cliff_delta",
        }
    }
}

/// Choices for [`Results::significance_with`].
#[derive(Debug, Clone, PartialEq)]
pub struct SignificanceOptions {
    /// The metric (default: the study's primary metric).
    pub metric: Option<String>,
    /// The test (default: paired t).
    pub test: Test,
    /// The multiple-comparison correction over all configs (default: Holm).
    pub correction: Correction,
    /// Family-wise level for verdicts (default 0.05).
    pub alpha: f64,
    /// Power for the "seeds needed" column (default 0.8).
    pub power: f64,
    /// Seed for the sign-flip test when it samples (more than 20 seeds).
    pub seed: u64,
}

impl Default for SignificanceOptions {
    fn default() -> Self {
        SignificanceOptions { metric: None, test: Test::PairedT, correction: Correction::Holm, alpha: 0.05, power: 0.8, seed: 0 }
    }
}

impl SignificanceOptions {
    /// Defaults: primary metric, paired t, Holm, alpha 0.05.
    pub fn new() -> Self {
        Self::default()
    }
    /// Tests this metric instead of the primary one.
    pub fn metric(mut self, metric: &str) -> Self {
        self.metric = Some(metric.to_string());
        self
    }
    /// Uses this test.
    pub fn test(mut self, test: Test) -> Self {
        self.test = test;
        self
    }
    /// Uses this correction.
    pub fn correction(mut self, correction: Correction) -> Self {
        self.correction = correction;
        self
    }
    /// Sets the family-wise level.
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.alpha = alpha;
        self
    }
    /// Unpaired mode: Welch's t instead of a paired test (Mann-Whitney for Wilcoxon).
    pub fn unpaired(mut self) -> Self {
        self.test = match self.test {
            Test::Wilcoxon | Test::MannWhitney => Test::MannWhitney,
            _ => Test::Welch,
        };
        self
    }
}

/// What the data say about one configuration versus the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Significantly better after correction.
    Better,
    /// Significantly worse after correction.
    Worse,
    /// No difference detectable with these seeds.
    NoDetectableDifference,
    /// Not tested (too few successful seeds).
    NotTested,
    /// Adaptive seeds: the change lies within the equivalence margin.
    Equivalent,
    /// Adaptive seeds: not decided yet (the run stopped before the comparison's next look).
    Open,
    /// Stopped early: its learning curve was clearly behind the baseline's (see
    /// [`crate::prune`]). Worse by that rule, not by a full-budget test.
    Pruned,
}

impl Verdict {
    /// The words shown in tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Better => "better",
            Verdict::Worse => "worse",
            Verdict::NoDetectableDifference => "no detectable difference",
            Verdict::NotTested => "not tested",
            Verdict::Equivalent => "equivalent",
            Verdict::Open => "open",
            Verdict::Pruned => "worse (pruned)",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One configuration compared with the baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct SignificanceRow {
    /// Index of the configuration in the plan.
    pub config_index: usize,
    /// The configuration's label.
    pub config: String,
    /// Parameters that differ from the baseline.
    pub varied: Vec<String>,
    /// Observations used: seed pairs (paired tests) or the config's successful seeds.
    pub n: usize,
    /// The configuration's mean.
    pub mean: Option<f64>,
    /// 95% t-interval of the configuration's mean.
    pub ci: Option<(f64, f64)>,
    /// Change versus baseline (mean of per-seed differences when paired).
    pub change: Option<f64>,
    /// 95% t-interval of the change (paired or Welch).
    pub change_ci: Option<(f64, f64)>,
    /// Change as a percentage of the baseline mean.
    pub change_pct: Option<f64>,
    /// Test statistic.
    pub statistic: Option<f64>,
    /// Raw p-value (two-sided).
    pub p_value: Option<f64>,
    /// p-value adjusted for multiple comparisons.
    pub p_adjusted: Option<f64>,
    /// Effect size (d_z, Hedges' g or Cliff's δ; see [`Test::effect_name`]), config − baseline.
    pub effect_size: Option<f64>,
    /// Its magnitude label.
    pub magnitude: Option<Magnitude>,
    /// `*`, `**`, `***` on the adjusted p-value.
    pub marker: &'static str,
    /// Better / worse / no detectable difference / not tested.
    pub verdict: Verdict,
    /// Pruned trials of this config and the earliest step one was stopped at (`None`: none
    /// pruned). A config with a pruned trial gets [`Verdict::Pruned`] and no test.
    pub pruned: Option<(usize, i64)>,
    /// Seeds a paired t-test would need to detect a change of the observed size with the
    /// configured power (paired tests only; searched up to [`SEEDS_NEEDED_CAP`]).
    pub seeds_needed: Option<SeedsNeeded>,
    /// Why something could not be computed.
    pub note: Option<String>,
    /// With adaptive seeds: the sequential decision this row's verdict comes from (the
    /// fixed-design `p_adjusted` is then left out: the sequential test controls the error).
    pub sequential: Option<Decision>,
}

/// The significance table of one metric: every configuration against the baseline.
#[derive(Debug, Clone)]
pub struct Significance {
    /// The tested metric.
    pub metric: MetricSpec,
    /// The options used.
    pub options: SignificanceOptions,
    /// Baseline mean and its successful seeds.
    pub baseline_mean: Option<f64>,
    /// Number of successful baseline seeds.
    pub baseline_n: usize,
    /// 95% t-interval of the baseline mean (as in the summary).
    pub baseline_ci: Option<(f64, f64)>,
    /// One row per non-baseline configuration, plan order.
    pub rows: Vec<SignificanceRow>,
    /// With adaptive seeds: how the verdicts were decided and what it cost.
    pub adaptive: Option<AdaptiveRun>,
    /// The GPU models the compared trials ran on, with their trial counts (from each
    /// record's provenance; empty when none ran on a known GPU). More than one: the
    /// comparisons mix hardware.
    pub gpu_models: Vec<(String, usize)>,
}

/// The adaptive-seed side of a significance table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdaptiveRun {
    /// Seeds every config started with.
    pub min: usize,
    /// The most seeds a config could get.
    pub max: usize,
    /// The equivalence margin, if any.
    pub margin: Option<f64>,
    /// The futility floor (predictive power), if any.
    pub futility: Option<f64>,
    /// The alpha-spending function of the tests of difference.
    pub spending: crate::stats::Spending,
    /// Trials the decisions used (with a result).
    pub trials_run: usize,
    /// Trials of the fixed design with `max` seeds for every config.
    pub trials_max: usize,
}

impl Results {
    /// Every configuration against the baseline on the primary metric: paired t-tests
    /// (configs share seeds), Holm-corrected, with effect sizes and verdicts.
    pub fn significance(&self) -> Result<Significance> {
        self.significance_with(SignificanceOptions::default())
    }

    /// [`significance`](Results::significance) with other options (metric, test,
    /// correction, unpaired mode, alpha).
    pub fn significance_with(&self, options: SignificanceOptions) -> Result<Significance> {
        Significance::compute(self, options)
    }
}

impl Significance {
    fn compute(results: &Results, options: SignificanceOptions) -> Result<Significance> {
        let metric = match &options.metric {
            Some(m) => results.metric(m)?.clone(),
            None => results.primary().clone(),
        };
        if !(options.alpha > 0.0 && options.alpha < 1.0) {
            return Err(Error::Invalid { message: format!("alpha must be in (0, 1), got {}", options.alpha) });
        }
        let mut values = results.values(&metric.name)?;
        let plan = results.plan();
        // Adaptive seeds: each comparison on the seeds its decision rests on (a run directory
        // may hold more, from another study sharing it), and the verdicts from the decisions.
        let outcome = if metric == *results.primary() && options.test.is_paired() { results.sequential()? } else { None };
        let trials_used = outcome.as_ref().map(|o| keep_decided_seeds(&mut values, &o.decisions));
        if plan.configs().len() < 2 {
            return Err(Error::Invalid {
                message: "the study has only the baseline: add levels, a grid or components to compare against it".into(),
            });
        }
        let baseline: Vec<f64> = values[0].iter().flatten().copied().collect();
        let baseline_mean = stats::mean(&baseline).ok();
        let baseline_ci = stats::t_interval(&baseline, 0.95, Alternative::TwoSided).ok().map(|t| (t.lower, t.upper));
        let pruned = results.pruned_by_config();
        let mut rows: Vec<SignificanceRow> = (1..plan.configs().len())
            .map(|c| compare(c, plan.label(c), plan.varied(c), &values[c], &values[0], baseline_mean, &options))
            .collect();
        // A pruned config is out of the tests: its surviving seeds are a biased sample.
        for row in rows.iter_mut() {
            if let Some(p) = pruned[row.config_index] {
                row.pruned = Some(p);
                row.verdict = Verdict::Pruned;
                row.p_value = None;
            }
        }

        let tested: Vec<usize> = rows.iter().enumerate().filter(|(_, r)| r.p_value.is_some()).map(|(i, _)| i).collect();
        let raw: Vec<f64> = tested.iter().filter_map(|&i| rows[i].p_value).collect();
        let adjusted = stats::adjust_p_values(&raw, options.correction)?;
        for (&i, p_adj) in tested.iter().zip(adjusted) {
            let row = &mut rows[i];
            row.p_adjusted = Some(p_adj);
            row.marker = Stars::from_p(p_adj).as_str();
            let improvement = row.change.unwrap_or(0.0) * metric.direction.sign();
            row.verdict = if p_adj >= options.alpha || improvement == 0.0 {
                Verdict::NoDetectableDifference
            } else if improvement > 0.0 {
                Verdict::Better
            } else {
                Verdict::Worse
            };
        }
        let mut adaptive = None;
        if let (Some(outcome), Some(trials_run), Some(sequential)) = (outcome, trials_used, plan.sequential()) {
            for (row, decision) in rows.iter_mut().zip(outcome.decisions) {
                apply_sequential(row, decision, metric.direction);
            }
            adaptive = Some(AdaptiveRun { min: sequential.min(), max: sequential.max(), margin: sequential.margin(), futility: sequential.futility(), spending: sequential.spending(), trials_run, trials_max: plan.trials().len() });
        }
        let mut gpu_models: Vec<(String, usize)> = Vec::new();
        for model in results.records().iter().filter(|r| r.status == crate::store::Status::Ok).filter_map(|r| r.provenance.gpu_models()) {
            match gpu_models.iter_mut().find(|(m, _)| *m == model) {
                Some((_, n)) => *n += 1,
                None => gpu_models.push((model, 1)),
            }
        }
        Ok(Significance { metric, options, baseline_mean, baseline_n: baseline.len(), baseline_ci, rows, adaptive, gpu_models })
    }

    /// The row of a configuration, by label.
    pub fn row(&self, config: &str) -> Option<&SignificanceRow> {
        self.rows.iter().find(|r| r.config == config)
    }

    /// The table as a polars DataFrame.
    pub fn frame(&self) -> Result<DataFrame> {
        let rows = &self.rows;
        let f = |name: &str, get: &dyn Fn(&SignificanceRow) -> Option<f64>| {
            Column::new(name.into(), rows.iter().map(get).collect::<Vec<_>>())
        };
        let columns = vec![
            Column::new("config".into(), rows.iter().map(|r| r.config.as_str()).collect::<Vec<_>>()),
            Column::new("varied".into(), rows.iter().map(|r| r.varied.join(",")).collect::<Vec<_>>()),
            Column::new("n".into(), rows.iter().map(|r| r.n as u32).collect::<Vec<_>>()),
            f("mean", &|r| r.mean),
            f("ci95_low", &|r| r.ci.map(|c| c.0)),
            f("ci95_high", &|r| r.ci.map(|c| c.1)),
            f("change", &|r| r.change),
            f("change_ci95_low", &|r| r.change_ci.map(|c| c.0)),
            f("change_ci95_high", &|r| r.change_ci.map(|c| c.1)),
            f("change_pct", &|r| r.change_pct),
            Column::new("test".into(), rows.iter().map(|_| self.options.test.name()).collect::<Vec<_>>()),
            f("statistic", &|r| r.statistic),
            f("p", &|r| r.p_value),
            f("p_adjusted", &|r| r.p_adjusted),
            f(self.options.test.effect_name(), &|r| r.effect_size),
            Column::new("magnitude".into(), rows.iter().map(|r| r.magnitude.map(|m| m.as_str())).collect::<Vec<_>>()),
            Column::new("marker".into(), rows.iter().map(|r| r.marker).collect::<Vec<_>>()),
            Column::new("verdict".into(), rows.iter().map(|r| r.verdict.as_str()).collect::<Vec<_>>()),
            Column::new("decided_at_seeds".into(), rows.iter().map(|r| r.sequential.filter(Decision::is_final).map(|d| d.seeds() as u32)).collect::<Vec<_>>()),
            Column::new(
                "seeds_needed".into(),
                rows.iter().map(|r| r.seeds_needed.map(|s| s.to_string())).collect::<Vec<_>>(),
            ),
        ];
        Ok(DataFrame::new(rows.len(), columns)?)
    }

    /// A one-line description of the method, for captions.
    pub fn method(&self) -> String {
        if let Some(a) = &self.adaptive {
            let margin = a.margin.map_or(String::new(), |m| format!(", equivalent when the TOST interval lies within ±{m} (Pocock spending)"));
            let futility = a.futility.map_or(String::new(), |f| {
                format!(", futile when the predictive power of a difference by {} seeds fell below {:.0}%", a.max, 100.0 * f)
            });
            return format!(
                "adaptive seeds ({} to {}): group-sequential paired t vs baseline on {} ({} spending, Holm; family-wise alpha 0.05){margin}{futility}; * = decided different; {} of {} trials run, {:.0}% fewer than {} seeds for every config",
                a.min,
                a.max,
                self.metric.name,
                a.spending.label(),
                a.trials_run,
                a.trials_max,
                100.0 * (1.0 - a.trials_run as f64 / a.trials_max.max(1) as f64),
                a.max
            );
        }
        format!(
            "{} vs baseline on {} ({} correction, alpha {}); effect size {}; markers on adjusted p: * < 0.05, ** < 0.01, *** < 0.001",
            self.options.test.name(),
            self.metric.name,
            self.options.correction.name(),
            self.options.alpha,
            self.options.test.effect_name()
        )
    }
}

/// Keeps, per config, the seed pairs its adaptive decision rests on (all it has while open)
/// and the baseline seeds those pairs use; the other values become missing. Returns the
/// trials kept.
fn keep_decided_seeds(values: &mut [Vec<Option<f64>>], decisions: &[Decision]) -> usize {
    let mut baseline_needed = 0;
    for (c, decision) in decisions.iter().enumerate() {
        let limit = if decision.is_final() { decision.seeds() } else { usize::MAX };
        let mut pairs = 0;
        for r in 0..values[c + 1].len() {
            if pairs >= limit {
                values[c + 1][r] = None;
            } else if values[c + 1][r].is_some() && values[0][r].is_some() {
                pairs += 1;
                baseline_needed = baseline_needed.max(r + 1);
            }
        }
    }
    for value in values[0].iter_mut().skip(baseline_needed) {
        *value = None;
    }
    values.iter().flatten().filter(|v| v.is_some()).count()
}

/// Makes a row's verdict the adaptive-seed decision (row k is comparison k: plan order).
fn apply_sequential(row: &mut SignificanceRow, decision: Decision, direction: Direction) {
    row.p_adjusted = None;
    row.marker = "";
    row.verdict = match decision {
        Decision::Different { estimate, .. } => {
            row.marker = "*";
            if estimate * direction.sign() > 0.0 { Verdict::Better } else { Verdict::Worse }
        }
        Decision::Equivalent { .. } => Verdict::Equivalent,
        Decision::Undecided { .. } | Decision::Futile { .. } => Verdict::NoDetectableDifference,
        Decision::Open { .. } => Verdict::Open,
    };
    row.sequential = Some(decision);
}

/// Compares one configuration with the baseline (before correction).
fn compare(
    config_index: usize,
    config: String,
    varied: Vec<String>,
    values: &[Option<f64>],
    baseline: &[Option<f64>],
    baseline_mean: Option<f64>,
    options: &SignificanceOptions,
) -> SignificanceRow {
    let own: Vec<f64> = values.iter().flatten().copied().collect();
    let mean = stats::mean(&own).ok();
    let ci = stats::t_interval(&own, 0.95, Alternative::TwoSided).ok().map(|t| (t.lower, t.upper));
    let mut row = SignificanceRow {
        config_index,
        config,
        varied,
        n: own.len(),
        mean,
        ci,
        change: None,
        change_ci: None,
        change_pct: None,
        statistic: None,
        p_value: None,
        p_adjusted: None,
        effect_size: None,
        magnitude: None,
        marker: "",
        verdict: Verdict::NotTested,
        pruned: None,
        seeds_needed: None,
        note: None,
        sequential: None,
    };
    let outcome = if options.test.is_paired() {
        let (a, b): (Vec<f64>, Vec<f64>) = values
            .iter()
            .zip(baseline)
            .filter_map(|(a, b)| Some(((*a)?, (*b)?)))
            .unzip();
        row.n = a.len();
        paired(&mut row, &a, &b, options)
    } else {
        let b: Vec<f64> = baseline.iter().flatten().copied().collect();
        unpaired(&mut row, &own, &b, options)
    };
    if let Err(e) = outcome {
        row.note = Some(if row.n < 2 {
            format!("{} paired seed{}, a test needs 2", row.n, if row.n == 1 { "" } else { "s" })
        } else {
            e.to_string()
        });
    }
    if let (Some(change), Some(base)) = (row.change, baseline_mean)
        && base != 0.0 {
            row.change_pct = Some(change / base.abs() * 100.0);
        }
    row
}

/// Differences smaller than this fraction of the values' magnitude are floating-point
/// rounding, not measurement: a config whose metric equals the baseline's up to rounding
/// has differences of ~1e-17, whose spread would otherwise give a d_z of 1e15.
const ROUNDING_NOISE: f64 = 1e-12;

fn paired(row: &mut SignificanceRow, a: &[f64], b: &[f64], options: &SignificanceOptions) -> Result<()> {
    // The change is the difference of the two means, computed as the summary computes it, so
    // both tables show the same number (the mean paired difference equals it only up to
    // rounding, which can flip the last shown digit).
    let change = stats::mean(a)? - stats::mean(b)?;
    let noise = ROUNDING_NOISE * a.iter().chain(b).fold(0.0_f64, |m, x| m.max(x.abs()));
    let spread = stats::describe(&a.iter().zip(b).map(|(x, y)| x - y).collect::<Vec<_>>())?.sd;
    let noise_free = spread <= noise;
    // Differences that are all rounding noise are no difference: every test sees zeros.
    let no_difference = noise_free && change.abs() <= noise;
    let a = if no_difference { b } else { a };
    let t = stats::paired_t(a, b, Alternative::TwoSided)?;
    row.change = Some(if no_difference { 0.0 } else { change });
    let ci = stats::paired_t_interval(a, b, 0.95, Alternative::TwoSided)?;
    row.change_ci = Some((ci.lower, ci.upper));
    // A real change with a spread at noise level: the standardised effect is infinite.
    let d = if noise_free && !no_difference { f64::INFINITY.copysign(change) } else { stats::cohens_dz(a, b)? };
    row.effect_size = Some(d);
    row.magnitude = Some(Magnitude::of_cohen(d));
    let (statistic, p) = match options.test {
        Test::Wilcoxon => {
            let w = stats::wilcoxon(a, b, Alternative::TwoSided, WilcoxonOptions::default())?;
            (w.statistic, w.p_value)
        }
        Test::SignFlip => {
            let opts = PermutationOptions { seed: options.seed, ..PermutationOptions::default() };
            let s = stats::sign_flip_test(a, b, Alternative::TwoSided, opts)?;
            (s.statistic, s.p_value)
        }
        _ => (t.statistic, t.p_value),
    };
    row.statistic = Some(statistic);
    row.p_value = Some(p);
    if !no_difference {
        let sd_diff = if noise_free { 0.0 } else { spread };
        row.seeds_needed =
            stats::seeds_needed(sd_diff, change, options.alpha, options.power, Alternative::TwoSided, SEEDS_NEEDED_CAP).ok();
    }
    Ok(())
}

fn unpaired(row: &mut SignificanceRow, a: &[f64], b: &[f64], options: &SignificanceOptions) -> Result<()> {
    let t = stats::welch_t(a, b, Alternative::TwoSided)?;
    row.change = Some(t.estimate);
    let q = stats::dist::t_ppf(0.975, t.df);
    row.change_ci = Some((t.estimate - q * t.se, t.estimate + q * t.se));
    match options.test {
        Test::MannWhitney => {
            let u = stats::mann_whitney_u(a, b, Alternative::TwoSided, MannWhitneyOptions::default())?;
            let delta = stats::cliffs_delta(a, b)?;
            row.statistic = Some(u.statistic);
            row.p_value = Some(u.p_value);
            row.effect_size = Some(delta);
            row.magnitude = Some(Magnitude::of_cliff(delta));
        }
        _ => {
            let g = stats::hedges_g(a, b)?;
            row.statistic = Some(t.statistic);
            row.p_value = Some(t.p_value);
            row.effect_size = Some(g);
            row.magnitude = Some(Magnitude::of_cohen(g));
        }
    }
    Ok(())
}

impl Results {
    /// Two-sided paired t-test p-value between two configs over their common seeds.
    pub(crate) fn paired_p(&self, a: usize, b: usize, metric: &str) -> Option<f64> {
        let values = self.values(metric).ok()?;
        let (x, y): (Vec<f64>, Vec<f64>) =
            values[a].iter().zip(&values[b]).filter_map(|(x, y)| Some(((*x)?, (*y)?))).unzip();
        stats::paired_t(&x, &y, Alternative::TwoSided).ok().map(|t| t.p_value)
    }
}

#[cfg(test)]
mod tests {
    use crate::prelude::*;
    use crate::results::Results;
    use crate::store::Device;

    #[test]
    fn comparisons_across_gpu_models_are_warned_about() {
        let study = Study::new("gpus").param(Param::float("lr", 0.1).levels([0.3])).seeds(4).maximize("accuracy").in_memory().progress(ProgressMode::Off);
        let ran = study.run(|t: &Trial| Ok(metrics! { "accuracy" => t.float("lr")? + (t.seed() % 13) as f64 * 0.01 })).unwrap();
        let on = |models: &[&str]| -> String {
            let mut records = ran.records().to_vec();
            for (i, r) in records.iter_mut().enumerate() {
                r.provenance.devices = vec![Device { id: "0".into(), model: Some(models[i % models.len()].to_string()), driver: None }];
            }
            let results = Results::new(ran.plan().clone(), records, ran.run_stats(), None).unwrap();
            results.significance().unwrap().to_string()
        };
        let mixed = on(&["NVIDIA A100-SXM4-40GB", "NVIDIA H100 80GB HBM3"]);
        assert!(mixed.contains("warning: the trials compared ran on different GPU models (NVIDIA A100-SXM4-40GB: 4, NVIDIA H100 80GB HBM3: 4 trials)"), "{mixed}");
        assert!(!on(&["NVIDIA H100 80GB HBM3"]).contains("different GPU models"));
        assert!(!ran.significance().unwrap().to_string().contains("GPU"), "no GPU, no note");
    }
}
