//! Scale transfer: does an effect measured on small models persist at the size you care
//! about? The same ablation runs at every size of the study's [`Param::scale`](crate::Param::scale) (each size a
//! study of its own against the baseline at that size, sharing the run directory); each
//! change's effect (paired change against the baseline, with its standard error) is fitted
//! against log(size) by weighted least squares (weights 1 / se², statsmodels' WLS, see
//! [`crate::stats::wls_line`]) and extrapolated to a target size with the 95% interval of
//! the fitted line.
//!
//! What extrapolation can and cannot promise: the fit assumes the effect changes linearly in
//! log(size) over and beyond the sizes run. It cannot foresee a regime change (an effect that
//! appears only past some width, a capacity threshold, a different optimum learning rate at
//! scale); the interval covers the uncertainty of the line through the measured sizes, not
//! that. Each change is flagged when its effect is detectably positive at one size and
//! detectably negative at another, or when
//! the interval at the target includes zero: then the small models do not tell what happens
//! at the target size.

use crate::error::{Error, Result};
use super::Scheduler;
use crate::backend::Backend;
use crate::options::RunOptions;
use crate::plan::Plan;
use crate::results::Results;
use crate::space::Role;
use crate::spec::StudySpec;
use crate::stats::dist::t_ppf;
use crate::stats::{LineFit, wls_line};

/// One change's effect at one size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SizeEffect {
    /// The model size.
    pub size: i64,
    /// Change against the baseline at this size (paired over seeds).
    pub change: f64,
    /// Its standard error.
    pub se: f64,
    /// Its 95% interval.
    pub ci: (f64, f64),
}

/// One change followed across sizes.
#[derive(Debug, Clone, PartialEq)]
pub struct TransferEffect {
    /// The change (its config label).
    pub config: String,
    /// Its effect at each size where it was measured.
    pub points: Vec<SizeEffect>,
    /// The weighted line of effect against ln(size) (none with fewer than two sizes).
    pub fit: Option<LineFit>,
    /// The fitted effect at the target size.
    pub at_target: Option<f64>,
    /// Its 95% interval (none with fewer than three sizes: no residual degrees of freedom).
    pub target_ci: Option<(f64, f64)>,
    /// The effect is detectably positive at one size and detectably negative at another
    /// (95% intervals on opposite sides of zero).
    pub sign_flips: bool,
}

impl TransferEffect {
    /// Whether the small models say nothing reliable about the target size: the sign flips,
    /// there is no interval, or the interval includes zero.
    pub fn uncertain_at_target(&self) -> bool {
        self.sign_flips || self.target_ci.is_none_or(|(lo, hi)| lo <= 0.0 && hi >= 0.0)
    }
}

/// A scale-transfer run: the ablation at every size and each change's trend.
#[derive(Debug, Clone)]
pub struct ScaleTransfer {
    /// The size parameter.
    pub param: String,
    /// The metric followed.
    pub metric: String,
    /// The size the effects are extrapolated to.
    pub target: f64,
    /// The results at each size, smallest first.
    pub per_size: Vec<(i64, Results)>,
    /// One entry per change, in plan order.
    pub effects: Vec<TransferEffect>,
}

/// A scale transfer to `target` size: `study.run_with(ScaleOptions::to(4096.0), f)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScaleOptions {
    /// The size each change's effect is extrapolated to.
    pub target: f64,
}

impl ScaleOptions {
    /// Extrapolate to `target` size.
    pub fn to(target: f64) -> ScaleOptions {
        ScaleOptions { target }
    }
}

impl Scheduler for ScaleOptions {
    type Output = ScaleTransfer;

    /// Runs the study's ablation at every size of its [`Param::scale`](crate::Param::scale)
    /// (one study per size, smallest first, all handed to `backend` at once) and
    /// extrapolates each change's effect to the target size (see the
    /// [module docs](crate::schedule::transfer), also for what extrapolation cannot promise).
    fn run(&self, spec: &StudySpec, options: &RunOptions, backend: &dyn Backend) -> Result<ScaleTransfer> {
        let target = self.target;
        let plan = Plan::from_spec(spec)?;
        let (param, sizes) = super::axis(plan.params(), Role::Size, "scale transfer needs a size axis: add .param(Param::scale(\"hidden\", [32, 64, 128, 256]))")?;
        if !(target.is_finite() && target > 0.0) {
            return Err(Error::Invalid { message: format!("the target size {target} must be a positive number, e.g. 4096") });
        }
        let name = param.name().to_string();
        let specs = sizes.iter().map(|&size| super::at_level(spec, &name, size)).collect::<Result<Vec<StudySpec>>>()?;
        let per_size: Vec<(i64, Results)> = sizes.iter().copied().zip(backend.run_all(&specs, options)?).collect();
        let metric = plan.primary().name.clone();
        let effects = trends(&per_size, target)?;
        Ok(ScaleTransfer { param: name, metric, target, per_size, effects })
    }
}

/// Each change's effect per size and its weighted trend in ln(size).
fn trends(per_size: &[(i64, Results)], target: f64) -> Result<Vec<TransferEffect>> {
    let mut effects: Vec<TransferEffect> = Vec::new();
    for (size, results) in per_size {
        for row in results.significance()?.rows {
            let (Some(change), Some((lo, hi))) = (row.change, row.change_ci) else { continue };
            let q = t_ppf(0.975, row.n.saturating_sub(1).max(1) as f64);
            // A change with no spread at all still gets a finite weight.
            let se = ((hi - lo) / (2.0 * q)).max(1e-12 * change.abs().max(1e-12));
            let point = SizeEffect { size: *size, change, se, ci: (lo, hi) };
            match effects.iter_mut().find(|e| e.config == row.config) {
                Some(effect) => effect.points.push(point),
                None => effects.push(TransferEffect { config: row.config.clone(), points: vec![point], fit: None, at_target: None, target_ci: None, sign_flips: false }),
            }
        }
    }
    for effect in &mut effects {
        let x: Vec<f64> = effect.points.iter().map(|p| (p.size as f64).ln()).collect();
        let y: Vec<f64> = effect.points.iter().map(|p| p.change).collect();
        let w: Vec<f64> = effect.points.iter().map(|p| 1.0 / (p.se * p.se)).collect();
        effect.sign_flips = effect.points.iter().any(|p| p.ci.0 > 0.0) && effect.points.iter().any(|p| p.ci.1 < 0.0);
        if let Ok(fit) = wls_line(&x, &y, &w) {
            effect.at_target = Some(fit.predict(target.ln()));
            effect.target_ci = fit.interval(target.ln(), 0.95);
            effect.fit = Some(fit);
        }
    }
    Ok(effects)
}

