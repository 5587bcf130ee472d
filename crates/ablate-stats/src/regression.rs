//! A straight line fitted by weighted least squares, as statsmodels' `WLS(y, [1, x],
//! weights=w).fit()` with its default scale: what scale transfer fits to an effect measured
//! at several model sizes (x = log size, w = 1 / se²), and the confidence interval of the
//! fitted line at a new x (`get_prediction(...).conf_int()`, `obs=False`).

use super::dist::t_ppf;
use super::{StatsError, check_finite, check_len};

/// A fitted line `y = intercept + slope · x`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LineFit {
    /// The intercept.
    pub intercept: f64,
    /// The slope.
    pub slope: f64,
    /// Standard error of the intercept.
    pub se_intercept: f64,
    /// Standard error of the slope.
    pub se_slope: f64,
    /// The residual scale: weighted sum of squared residuals over `df` (statsmodels'
    /// `scale`); `NaN` with no residual degrees of freedom.
    pub scale: f64,
    /// Residual degrees of freedom, n − 2.
    pub df: usize,
    /// Entries of (XᵀWX)⁻¹ (before scaling): [a, b, c] for [[a, b], [b, c]].
    inverse: [f64; 3],
}

/// Fits `y = a + b·x` by weighted least squares with weights `w` (positive, e.g. 1 / se²).
/// Needs at least two distinct x values; with exactly two points the line is exact and its
/// standard errors are `NaN` (no residual degrees of freedom).
pub fn wls_line(x: &[f64], y: &[f64], w: &[f64]) -> Result<LineFit, StatsError> {
    if x.len() != y.len() || x.len() != w.len() {
        return Err(StatsError::InvalidArgument(format!("a line fit needs as many x ({}), y ({}) and weights ({})", x.len(), y.len(), w.len())));
    }
    check_len(x, 2, "a line fit")?;
    check_finite(x, "x")?;
    check_finite(y, "y")?;
    check_finite(w, "weights")?;
    if let Some(i) = w.iter().position(|&v| v <= 0.0) {
        return Err(StatsError::InvalidArgument(format!("weight {i} is {}; weights must be positive (1 / se²)", w[i])));
    }
    let sw: f64 = w.iter().sum();
    let sx: f64 = w.iter().zip(x).map(|(w, x)| w * x).sum();
    let sxx: f64 = w.iter().zip(x).map(|(w, x)| w * x * x).sum();
    let sy: f64 = w.iter().zip(y).map(|(w, y)| w * y).sum();
    let sxy: f64 = w.iter().zip(x).zip(y).map(|((w, x), y)| w * x * y).sum();
    let det = sw * sxx - sx * sx;
    if det.partial_cmp(&(1e-12 * sw * sxx.max(1.0))) != Some(std::cmp::Ordering::Greater) {
        return Err(StatsError::InvalidArgument("a line fit needs at least two distinct x values".into()));
    }
    let slope = (sw * sxy - sx * sy) / det;
    let intercept = (sy - slope * sx) / sw;
    let inverse = [sxx / det, -sx / det, sw / det];
    let df = x.len() - 2;
    let ssr: f64 = w.iter().zip(x).zip(y).map(|((w, x), y)| w * (y - intercept - slope * x).powi(2)).sum();
    let scale = if df > 0 { ssr / df as f64 } else { f64::NAN };
    Ok(LineFit { intercept, slope, se_intercept: (inverse[0] * scale).sqrt(), se_slope: (inverse[2] * scale).sqrt(), scale, df, inverse })
}

impl LineFit {
    /// The fitted value at `x0`.
    pub fn predict(&self, x0: f64) -> f64 {
        self.intercept + self.slope * x0
    }

    /// The `level` confidence interval of the fitted line at `x0` (t with `df` degrees of
    /// freedom); `None` without residual degrees of freedom.
    pub fn interval(&self, x0: f64, level: f64) -> Option<(f64, f64)> {
        if self.df == 0 || !(level > 0.0 && level < 1.0) {
            return None;
        }
        let [a, b, c] = self.inverse;
        let se = ((a + 2.0 * b * x0 + c * x0 * x0) * self.scale).sqrt();
        let q = t_ppf(0.5 + level / 2.0, self.df as f64);
        let mean = self.predict(x0);
        Some((mean - q * se, mean + q * se))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// statsmodels WLS on the cases of tests/reference/regression_reference.py.
    #[test]
    fn matches_statsmodels_wls() {
        let reference: serde_json::Value = serde_json::from_str(include_str!("../../../tests/reference/regression_reference.json")).unwrap();
        let num = |v: &serde_json::Value| v.as_f64().unwrap();
        let list = |v: &serde_json::Value| v.as_array().unwrap().iter().map(num).collect::<Vec<f64>>();
        for case in reference["cases"].as_array().unwrap() {
            let x: Vec<f64> = list(&case["sizes"]).iter().map(|s| s.ln()).collect();
            let w: Vec<f64> = list(&case["ses"]).iter().map(|s| 1.0 / (s * s)).collect();
            let fit = wls_line(&x, &list(&case["effects"]), &w).unwrap();
            let close = |ours: f64, theirs: f64, what: &str| assert!(((ours - theirs) / theirs).abs() < 1e-8, "{what}: {ours} vs statsmodels {theirs}");
            close(fit.intercept, num(&case["intercept"]), "intercept");
            close(fit.slope, num(&case["slope"]), "slope");
            close(fit.se_intercept, num(&case["se_intercept"]), "se_intercept");
            close(fit.se_slope, num(&case["se_slope"]), "se_slope");
            close(fit.scale, num(&case["scale"]), "scale");
            let x0 = num(&case["target"]).ln();
            close(fit.predict(x0), num(&case["predicted"]), "prediction");
            let (lo, hi) = fit.interval(x0, 0.95).unwrap();
            let ci = list(&case["ci"]);
            close(lo, ci[0], "ci low");
            close(hi, ci[1], "ci high");
        }
    }

    #[test]
    fn bad_input_is_an_error_and_two_points_have_no_interval() {
        assert!(wls_line(&[1.0, 1.0], &[0.0, 1.0], &[1.0, 1.0]).is_err());
        assert!(wls_line(&[1.0, 2.0], &[0.0, 1.0], &[1.0, 0.0]).is_err());
        assert!(wls_line(&[1.0], &[0.0], &[1.0]).is_err());
        let exact = wls_line(&[1.0, 2.0], &[0.0, 1.0], &[1.0, 4.0]).unwrap();
        assert!((exact.slope - 1.0).abs() < 1e-12 && exact.interval(3.0, 0.95).is_none());
    }
}
