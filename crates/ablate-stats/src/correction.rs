//! Multiple-comparison corrections, computed exactly as statsmodels'
//! `statsmodels.stats.multitest.multipletests`: Holm (step-down, the default), Bonferroni and
//! Benjamini-Hochberg (`fdr_bh`). Adjusted p-values are capped at 1 and returned in the
//! input order.

use super::{Result, StatsError, check_finite};

/// A multiple-comparison correction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Correction {
    /// Holm's step-down method: controls the family-wise error rate, uniformly more powerful
    /// than Bonferroni. The default.
    #[default]
    Holm,
    /// Bonferroni: `min(1, m p)`.
    Bonferroni,
    /// Benjamini-Hochberg: controls the false discovery rate.
    BenjaminiHochberg,
    /// No correction (adjusted p = p).
    None,
}

impl Correction {
    /// statsmodels' name of the method ("holm", "bonferroni", "fdr_bh", "none").
    pub fn name(self) -> &'static str {
        match self {
            Correction::Holm => "holm",
            Correction::Bonferroni => "bonferroni",
            Correction::BenjaminiHochberg => "fdr_bh",
            Correction::None => "none",
        }
    }
}

/// Adjusted p-values and rejection decisions.
#[derive(Debug, Clone, PartialEq)]
pub struct Corrected {
    /// Adjusted p-values, in input order.
    pub p_adjusted: Vec<f64>,
    /// Whether each hypothesis is rejected at the family level `alpha`.
    pub reject: Vec<bool>,
}

fn validate(p: &[f64]) -> Result<()> {
    check_finite(p, "p-values")?;
    if let Some(i) = p.iter().position(|&v| !(0.0..=1.0).contains(&v)) {
        return Err(StatsError::InvalidArgument(format!("p-value at position {i} is {} (outside [0, 1])", p[i])));
    }
    Ok(())
}

/// Adjusted p-values into `out` (same length as `p`), without allocating beyond an index
/// buffer. An empty input gives an empty output.
pub fn adjust_p_values_into(p: &[f64], method: Correction, out: &mut [f64], order: &mut Vec<usize>) -> Result<()> {
    validate(p)?;
    if out.len() != p.len() {
        return Err(StatsError::InvalidArgument("output buffer length differs from the p-values".into()));
    }
    let m = p.len();
    let mf = m as f64;
    match method {
        Correction::None => out.copy_from_slice(p),
        Correction::Bonferroni => {
            for (o, &v) in out.iter_mut().zip(p) {
                *o = (v * mf).min(1.0);
            }
        }
        Correction::Holm => {
            sorted_order(p, order);
            let mut run = 0.0f64;
            for (i, &k) in order.iter().enumerate() {
                run = run.max((mf - i as f64) * p[k]);
                out[k] = run.min(1.0);
            }
        }
        Correction::BenjaminiHochberg => {
            sorted_order(p, order);
            let mut run = f64::INFINITY;
            for (i, &k) in order.iter().enumerate().rev() {
                run = run.min(p[k] / ((i + 1) as f64 / mf));
                out[k] = run.min(1.0);
            }
        }
    }
    Ok(())
}

fn sorted_order(p: &[f64], order: &mut Vec<usize>) {
    order.clear();
    order.extend(0..p.len());
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
}

/// Adjusted p-values for `method`, in input order.
pub fn adjust_p_values(p: &[f64], method: Correction) -> Result<Vec<f64>> {
    let mut out = vec![0.0; p.len()];
    let mut order = Vec::new();
    adjust_p_values_into(p, method, &mut out, &mut order)?;
    Ok(out)
}

/// statsmodels' `multipletests(p, alpha, method)`: adjusted p-values and the rejection
/// decisions, the latter computed from the raw p-values as statsmodels does (Holm: step down
/// against `alpha / (m - i)`; Bonferroni: `p <= alpha / m`; BH: step up against
/// `alpha i / m`). `alpha` must lie in (0, 1).
pub fn multipletests(p: &[f64], alpha: f64, method: Correction) -> Result<Corrected> {
    super::check_unit(alpha, "alpha")?;
    let p_adjusted = adjust_p_values(p, method)?;
    let m = p.len();
    let mf = m as f64;
    let mut reject = vec![false; m];
    let mut order = Vec::new();
    match method {
        Correction::None => {
            for (r, &v) in reject.iter_mut().zip(p) {
                *r = v <= alpha;
            }
        }
        Correction::Bonferroni => {
            for (r, &v) in reject.iter_mut().zip(p) {
                *r = v <= alpha / mf;
            }
        }
        Correction::Holm => {
            sorted_order(p, &mut order);
            for (i, &k) in order.iter().enumerate() {
                if p[k] > alpha / (mf - i as f64) {
                    break;
                }
                reject[k] = true;
            }
        }
        Correction::BenjaminiHochberg => {
            sorted_order(p, &mut order);
            let last = order.iter().enumerate().filter(|&(i, &k)| p[k] <= (i + 1) as f64 / mf * alpha).map(|(i, _)| i).next_back();
            if let Some(last) = last {
                for &k in &order[..=last] {
                    reject[k] = true;
                }
            }
        }
    }
    Ok(Corrected { p_adjusted, reject })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holm_small() {
        let a = adjust_p_values(&[0.01, 0.04, 0.03], Correction::Holm).unwrap();
        assert_eq!(a, vec![0.03, 0.06, 0.06]);
        let bh = adjust_p_values(&[0.01, 0.04, 0.03], Correction::BenjaminiHochberg).unwrap();
        assert!((bh[0] - 0.03).abs() < 1e-15 && (bh[1] - 0.04).abs() < 1e-15 && (bh[2] - 0.04).abs() < 1e-15);
    }

    #[test]
    fn invalid_p() {
        assert!(adjust_p_values(&[0.1, f64::NAN], Correction::Holm).is_err());
        assert!(adjust_p_values(&[1.5], Correction::Holm).is_err());
        assert_eq!(adjust_p_values(&[], Correction::Holm).unwrap(), Vec::<f64>::new());
    }
}
