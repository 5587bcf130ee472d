//! Multi-fidelity ablation (successive halving with tests): every config runs at the
//! cheapest level of the study's fidelity ([`Param::fidelity`](crate::Param::fidelity): epochs, steps); at each
//! rung the configs that are clearly worse than the baseline (Holm-adjusted paired test at
//! that fidelity) are dropped, the best `1/η` of the rest by mean are promoted to the next
//! level together with any whose paired interval against the rung's best still includes
//! zero (too close to call), and the baseline runs at every level, so every rung is an ordinary paired
//! comparison. The last rung is the full fidelity. Every rung is a study sharing the run
//! directory, so trials are journaled, resumed and reused as in any study.

use crate::design::Design;
use crate::error::{Error, Result};
use super::Scheduler;
use crate::backend::Backend;
use crate::options::RunOptions;
use crate::plan::Plan;
use crate::results::Results;
use crate::space::{Config, Role};
use crate::spec::StudySpec;
use crate::analysis::Verdict;
use crate::stats::{Alternative, RankCorrelation, kendall_tau, paired_t_interval, spearman_rho};

/// How a multi-fidelity run promotes configs.
#[derive(Debug, Clone, PartialEq)]
pub struct MultiFidelityOptions {
    /// Promotion rate η: at most `ceil(n / η)` of a rung's `n` configs go on (3, as in
    /// successive halving and Hyperband).
    pub eta: f64,
}

impl Default for MultiFidelityOptions {
    fn default() -> Self {
        MultiFidelityOptions { eta: 3.0 }
    }
}

/// One rung: a fidelity level, its results, and what went on to the next.
#[derive(Debug, Clone)]
pub struct Rung {
    /// The fidelity level (epochs, steps).
    pub fidelity: i64,
    /// The rung's results (the baseline and the configs that reached it, at this level).
    pub results: Results,
    /// Labels of the configs promoted to the next rung (empty at the last).
    pub promoted: Vec<String>,
    /// Labels of the configs dropped as clearly worse than the baseline at this rung.
    pub dropped_worse: Vec<String>,
}

impl Rung {
    /// The budget this rung spent: each trial's level (epochs, steps), less the level it
    /// continued from when it resumed a cheaper rung's checkpoint.
    pub fn spent(&self) -> i64 {
        self.results.records().iter().map(|r| self.fidelity - r.continuation.as_ref().filter(|c| c.resumed).map_or(0, |c| c.from_level)).sum()
    }

    /// Of this rung's trials: how many were offered a cheaper rung's trial directory
    /// (`ABLATE_RESUME_FROM`), and how many continued from a checkpoint there.
    pub fn continued(&self) -> (usize, usize) {
        let offered: Vec<bool> = self.results.records().iter().filter_map(|r| r.continuation.as_ref().map(|c| c.resumed)).collect();
        (offered.len(), offered.iter().filter(|&&resumed| resumed).count())
    }
}

/// A multi-fidelity run: its rungs, cheapest first.
#[derive(Debug, Clone)]
pub struct MultiFidelity {
    /// The fidelity parameter.
    pub param: String,
    /// The fidelity's levels, cheapest first; the last is the full fidelity.
    pub levels: Vec<i64>,
    /// The rungs, cheapest first: one per level, fewer when a rung sent no config on (every
    /// change detectably worse than the baseline there).
    pub rungs: Vec<Rung>,
    /// The promotion rate used.
    pub eta: f64,
}

impl Scheduler for MultiFidelityOptions {
    type Output = MultiFidelity;

    /// The multi-fidelity run (see the [module docs](crate::schedule::fidelity)): needs a
    /// [`Param::fidelity`](crate::Param::fidelity); each rung is one call of `backend`.
    fn run(&self, spec: &StudySpec, options: &RunOptions, backend: &dyn Backend) -> Result<MultiFidelity> {
        if !(self.eta.is_finite() && self.eta > 1.0) {
            return Err(Error::Invalid { message: format!("eta = {} must be above 1 (3 keeps a third of the configs at each rung)", self.eta) });
        }
        let plan = Plan::from_spec(spec)?;
        let (fidelity, levels) = super::axis(plan.params(), Role::Fidelity, "a multi-fidelity run needs a fidelity: add .param(Param::fidelity(\"epochs\", [3, 10, 30]))")?;
        let name = fidelity.name().to_string();
        let mut rungs: Vec<Rung> = Vec::new();
        // The configs (without the fidelity) still in the race, with their labels; None: all
        // of the study's designs (the first rung).
        let mut racing: Option<Vec<(String, Config)>> = None;
        for (k, &level) in levels.iter().enumerate() {
            let mut rung_spec = super::at_level(spec, &name, level)?;
            if let Some(configs) = &racing {
                let designs: Vec<Design> = configs
                    .iter()
                    .map(|(label, config)| Design::Custom { label: label.clone(), overrides: config.iter().map(|(n, v)| (n.to_string(), v.clone())).collect() })
                    .collect();
                rung_spec = rung_spec.with_designs(&designs);
            }
            crate::exec::progress::stage(format!("rung {}/{}: {name} = {level}", k + 1, levels.len()));
            let results = backend.run(&rung_spec, options, None)?;
            let last = k + 1 == levels.len();
            let (promoted, dropped_worse) = if last { (Vec::new(), Vec::new()) } else { promote(&results, &name, self.eta)? };
            let nothing_goes_on = !last && promoted.is_empty();
            racing = Some(promoted.clone());
            rungs.push(Rung { fidelity: level, results, promoted: promoted.into_iter().map(|(l, _)| l).collect(), dropped_worse });
            if nothing_goes_on {
                break;
            }
        }
        Ok(MultiFidelity { param: name, levels, rungs, eta: self.eta })
    }
}

/// What a rung sends on (label, config without the fidelity) and the labels it dropped.
type Promotion = (Vec<(String, Config)>, Vec<String>);

/// The configs of a rung that go on (label, config without the fidelity), and the labels of
/// those dropped as clearly worse than the baseline. Of the configs not detectably worse than
/// the baseline, the best `ceil(n / η)` by mean go on, and so does every config whose paired
/// 95% interval against the rung's best still includes zero (too close to call).
fn promote(results: &Results, fidelity: &str, eta: f64) -> Result<Promotion> {
    let sig = results.significance()?;
    let sign = sig.metric.direction.sign();
    let values = results.values(&sig.metric.name)?;
    let out = |r: &&crate::analysis::SignificanceRow| matches!(r.verdict, Verdict::Worse | Verdict::Pruned);
    let dropped_worse: Vec<String> = sig.rows.iter().filter(out).map(|r| r.config.clone()).collect();
    let mut candidates: Vec<(f64, usize, String)> =
        sig.rows.iter().filter(|r| !out(r)).filter_map(|r| Some((sign * r.mean?, r.config_index, r.config.clone()))).collect();
    candidates.sort_by(|a, b| b.0.total_cmp(&a.0));
    let keep = (sig.rows.len() as f64 / eta).ceil() as usize;
    let close_to_best = |index: usize| -> bool {
        let Some(&(_, best, _)) = candidates.first() else { return false };
        let (a, b): (Vec<f64>, Vec<f64>) = values[best].iter().zip(&values[index]).filter_map(|(x, y)| Some((sign * (*x)?, sign * (*y)?))).unzip();
        paired_t_interval(&a, &b, 0.95, Alternative::TwoSided).is_ok_and(|ci| ci.lower <= 0.0)
    };
    let promoted = candidates
        .iter()
        .enumerate()
        .filter(|&(rank, &(_, index, _))| rank < keep || close_to_best(index))
        .map(|(_, (_, index, label))| {
            let mut config = Config::new();
            for (name, value) in results.plan().configs()[*index].config().iter().filter(|(n, _)| *n != fidelity) {
                config.set(name, value.clone());
            }
            (label.clone(), config)
        })
        .collect();
    Ok((promoted, dropped_worse))
}

/// How well one rung's ranking of the configs predicted another's.
#[derive(Debug, Clone, PartialEq)]
pub struct RankAgreement {
    /// The cheaper fidelity level.
    pub from: i64,
    /// The more expensive one.
    pub to: i64,
    /// Configs observed at both (the baseline included).
    pub n: usize,
    /// Kendall's tau-b of their means, with its 95% interval (`None` with fewer than 3
    /// configs, or a constant ranking).
    pub kendall: Option<RankCorrelation>,
    /// Spearman's rho, with its 95% interval.
    pub spearman: Option<RankCorrelation>,
}

impl RankAgreement {
    /// Low agreement: Kendall's tau below 0.5 (the cheap runs ranked the configs
    /// differently), or too few configs to tell.
    pub fn is_low(&self) -> bool {
        self.kendall.as_ref().is_none_or(|k| k.estimate < 0.5)
    }
}

impl MultiFidelity {
    /// The rank agreement of every pair of rungs, on the configs observed at both (means of
    /// the primary metric over seeds). Successive halving promotes few configs, so the pairs
    /// with the first rung carry the most configs.
    pub fn agreement(&self) -> Result<Vec<RankAgreement>> {
        let means = |rung: &Rung| -> Vec<(String, f64)> { rung.results.summary().rows.iter().filter_map(|r| Some((r.config.clone(), r.mean?))).collect() };
        let mut out = Vec::new();
        for (i, a) in self.rungs.iter().enumerate() {
            for b in &self.rungs[i + 1..] {
                let (ma, mb) = (means(a), means(b));
                let (x, y): (Vec<f64>, Vec<f64>) = ma.iter().filter_map(|(label, va)| Some((*va, mb.iter().find(|(l, _)| l == label)?.1))).unzip();
                out.push(RankAgreement { from: a.fidelity, to: b.fidelity, n: x.len(), kendall: kendall_tau(&x, &y).ok(), spearman: spearman_rho(&x, &y).ok() });
            }
        }
        Ok(out)
    }


    /// The full-fidelity rung's results: the final comparison (`None` when the run stopped
    /// before it, see [`MultiFidelity::stopped_at`]).
    pub fn final_results(&self) -> Option<&Results> {
        self.rungs.last().filter(|r| Some(&r.fidelity) == self.levels.last()).map(|r| &r.results)
    }

    /// The level where the run stopped before full fidelity, because no config was left to
    /// promote (every change detectably worse than the baseline there); `None` when it ran
    /// every level.
    pub fn stopped_at(&self) -> Option<i64> {
        let last = self.rungs.last()?;
        (Some(&last.fidelity) != self.levels.last()).then_some(last.fidelity)
    }

    /// Budget spent (e.g. epochs: each trial's level, less the level of the checkpoint it
    /// continued from), and what running every config of the first rung at full fidelity
    /// would have spent.
    pub fn budget(&self) -> (f64, f64) {
        let spent = self.rungs.iter().map(|r| r.spent() as f64).sum();
        let full = match (self.rungs.first(), self.levels.last()) {
            (Some(first), Some(&top)) => first.results.plan().trials().len() as f64 * top as f64,
            _ => 0.0,
        };
        (spent, full)
    }

}
