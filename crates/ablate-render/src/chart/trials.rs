//! The trials of a study as plain data, shared by [`ParallelCoordinates`] and [`SlicePlot`]:
//! parameter axes (numeric linear or log, categorical, component), one [`TrialPoint`] per trial
//! with a value per axis (or none, for an inactive parameter) and its metric, and the axis
//! resolution both charts use (domain, ticks, position of a value, the "n/a" slot).
//!
//! [`ParallelCoordinates`]: super::ParallelCoordinates
//! [`SlicePlot`]: super::SlicePlot

use super::line::{fmt_level, XValue};
use super::scale::{self, Scale};

/// How a parameter's values are laid out along its axis.
#[derive(Clone, Debug, PartialEq)]
pub enum AxisScale {
    /// Numbers on a linear axis.
    Linear,
    /// Numbers on a log10 axis (values ≤ 0 are shown as "n/a").
    Log,
    /// Category labels, evenly spaced in the given order; labels met in the trials but not
    /// listed are appended in order of appearance. Numbers on such an axis are shown as their
    /// labels (`32`, `0.5`).
    Categorical(Vec<String>),
}

/// One parameter axis.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamAxis {
    /// The parameter's name (axis title).
    pub name: String,
    /// Linear, log or categorical.
    pub scale: AxisScale,
}

/// The two levels of a component axis, in axis order (bottom to top in parallel coordinates).
pub const COMPONENT_LEVELS: [&str; 2] = ["removed", "enabled"];

impl ParamAxis {
    /// A numeric parameter on a linear axis.
    pub fn linear(name: impl Into<String>) -> Self {
        ParamAxis { name: name.into(), scale: AxisScale::Linear }
    }
    /// A numeric parameter on a log10 axis (learning rates, weight decay).
    pub fn log(name: impl Into<String>) -> Self {
        ParamAxis { name: name.into(), scale: AxisScale::Log }
    }
    /// A numeric parameter on a log axis when `log`, else linear.
    pub fn numeric(name: impl Into<String>, log: bool) -> Self {
        ParamAxis { name: name.into(), scale: if log { AxisScale::Log } else { AxisScale::Linear } }
    }
    /// A categorical parameter with its levels in axis order (more are added from the trials).
    pub fn categorical<S: Into<String>>(name: impl Into<String>, levels: impl IntoIterator<Item = S>) -> Self {
        ParamAxis { name: name.into(), scale: AxisScale::Categorical(levels.into_iter().map(Into::into).collect()) }
    }
    /// A component that is enabled or removed (use [`TrialPoint::component`] for its values).
    pub fn component(name: impl Into<String>) -> Self {
        Self::categorical(name, COMPONENT_LEVELS)
    }
}

/// One trial: its parameter values in axis order and its metric.
#[derive(Clone, Debug, PartialEq)]
pub struct TrialPoint {
    /// The trial's id, shown in tooltips.
    pub id: String,
    /// The configuration's label (e.g. `lr=0.01, depth=4`), shown in tooltips; may be empty.
    pub label: String,
    /// One value per axis, in the chart's axis order; `None` (or a missing tail) is an
    /// inactive or unknown parameter, drawn at the axis' "n/a" position.
    pub values: Vec<Option<XValue>>,
    /// The metric (NaN: none, e.g. a failed trial; drawn grey at "n/a").
    pub metric: f64,
    /// This trial ran the baseline configuration: drawn on top, thicker.
    pub baseline: bool,
}

impl TrialPoint {
    /// A trial `id` with metric `metric` and no values yet (push them in axis order).
    pub fn new(id: impl Into<String>, metric: f64) -> Self {
        TrialPoint { id: id.into(), label: String::new(), values: Vec::new(), metric, baseline: false }
    }
    /// Sets the configuration label shown in tooltips.
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }
    /// Appends a numeric value (the next axis).
    pub fn num(mut self, v: f64) -> Self {
        self.values.push(Some(XValue::Num(v)));
        self
    }
    /// Appends a category (the next axis).
    pub fn cat(mut self, level: impl Into<String>) -> Self {
        self.values.push(Some(XValue::Cat(level.into())));
        self
    }
    /// Appends a component's state (the next axis, a [`ParamAxis::component`]).
    pub fn component(self, enabled: bool) -> Self {
        self.cat(COMPONENT_LEVELS[enabled as usize])
    }
    /// Appends a missing value: the parameter is inactive in this trial.
    pub fn missing(mut self) -> Self {
        self.values.push(None);
        self
    }
    /// Sets all values at once, in axis order.
    pub fn values(mut self, values: Vec<Option<XValue>>) -> Self {
        self.values = values;
        self
    }
    /// Marks this trial as a run of the baseline configuration.
    pub fn baseline(mut self) -> Self {
        self.baseline = true;
        self
    }

    /// The value on axis `i`, if any.
    pub(crate) fn value(&self, i: usize) -> Option<&XValue> {
        self.values.get(i).and_then(|v| v.as_ref())
    }

    /// The tooltip text: label, trial id, every value and the metric, on one line.
    pub(crate) fn tooltip(&self, axes: &[ParamAxis], metric: &str, metric_dec: usize) -> String {
        let mut t = String::new();
        if !self.label.is_empty() {
            t.push_str(&self.label);
            t.push_str(" · ");
        }
        if self.baseline {
            t.push_str("baseline · ");
        }
        t.push_str("trial ");
        t.push_str(&self.id);
        for (i, a) in axes.iter().enumerate() {
            t.push_str(" · ");
            t.push_str(&a.name);
            t.push_str(" = ");
            t.push_str(&value_text(self.value(i)));
        }
        t.push_str(" · ");
        t.push_str(metric);
        t.push_str(" = ");
        t.push_str(&scale::fmt_num(self.metric, metric_dec));
        t
    }
}

/// A value as tooltip or tick text; "n/a" when missing.
pub(crate) fn value_text(v: Option<&XValue>) -> String {
    match v {
        None => "n/a".into(),
        Some(XValue::Num(x)) if !x.is_finite() => scale::fmt_num(*x, 0),
        Some(XValue::Num(x)) => fmt_level(*x),
        Some(XValue::Cat(c)) => c.clone(),
    }
}

/// A point of a surrogate model's marginal for one parameter: its mean prediction at `x` with
/// a band (lo, hi), e.g. the spread over the forest's trees.
#[derive(Clone, Debug, PartialEq)]
pub struct MarginalPoint {
    /// The parameter value (a number, or a category of a categorical axis).
    pub x: XValue,
    /// The marginal's mean prediction.
    pub mean: f64,
    /// Lower end of the band.
    pub lo: f64,
    /// Upper end of the band.
    pub hi: f64,
}

impl MarginalPoint {
    /// A marginal point at numeric `x`.
    pub fn num(x: f64, mean: f64, lo: f64, hi: f64) -> Self {
        MarginalPoint { x: XValue::Num(x), mean, lo, hi }
    }
    /// A marginal point at category `level`.
    pub fn cat(level: impl Into<String>, mean: f64, lo: f64, hi: f64) -> Self {
        MarginalPoint { x: XValue::Cat(level.into()), mean, lo, hi }
    }
}

/// An axis resolved against the values shown on it: maps a value to a fraction of the axis'
/// length (0 = start, 1 = end; categories at the centres of equal slots), with ticks.
pub(crate) struct Resolved {
    kind: Kind,
    /// Tick positions (fractions) and labels.
    pub ticks: Vec<(f64, String)>,
    /// Some value could not be placed (missing, NaN, ≤ 0 on a log axis, unknown category).
    pub has_missing: bool,
}

enum Kind {
    Num(Scale),
    Cat(Vec<String>),
}

impl Resolved {
    /// Resolves `scale` against `values` (one per trial; `None` is missing).
    pub fn new<'a>(scale: &AxisScale, values: impl Iterator<Item = Option<&'a XValue>>) -> Resolved {
        match scale {
            AxisScale::Categorical(given) => {
                let mut levels: Vec<String> = given.clone();
                let mut has_missing = false;
                for v in values {
                    match v {
                        Some(XValue::Cat(c)) if !levels.contains(c) => levels.push(c.clone()),
                        Some(XValue::Num(x)) if x.is_finite() => {
                            let l = fmt_level(*x);
                            if !levels.contains(&l) {
                                levels.push(l);
                            }
                        }
                        Some(XValue::Num(_)) | None => has_missing = true,
                        _ => {}
                    }
                }
                let k = levels.len().max(1) as f64;
                let ticks = levels.iter().enumerate().map(|(i, l)| ((i as f64 + 0.5) / k, l.clone())).collect();
                Resolved { kind: Kind::Cat(levels), ticks, has_missing }
            }
            AxisScale::Linear | AxisScale::Log => {
                let log = *scale == AxisScale::Log;
                let ok = |x: f64| x.is_finite() && (!log || x > 0.0);
                let (mut lo, mut hi, mut has_missing) = (f64::INFINITY, f64::NEG_INFINITY, false);
                for v in values {
                    match v {
                        Some(XValue::Num(x)) if ok(*x) => {
                            lo = lo.min(*x);
                            hi = hi.max(*x);
                        }
                        _ => has_missing = true,
                    }
                }
                if log {
                    let (lo, hi) = if lo.is_finite() { (lo, hi) } else { (1.0, 10.0) };
                    // out to the enclosing powers of ten when that adds little, so the axis ends
                    // on labelled ticks
                    let (a, b) = (lo.log10(), hi.log10());
                    let slack = ((b - a) * 0.2).max(0.0);
                    let (a, b) = (if a - a.floor() <= slack { a.floor() } else { a }, if b.ceil() - b <= slack { b.ceil() } else { b });
                    let (lo, hi) = (10f64.powf(a), 10f64.powf(b));
                    let sc = Scale::log(lo, hi, 0.0, 1.0);
                    let ticks = scale::log_ticks(lo, hi, 3).into_iter().map(|t| (sc.map(t), fmt_log_tick(t))).collect();
                    Resolved { kind: Kind::Num(sc), ticks, has_missing }
                } else {
                    let (lo, hi) = if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) };
                    let (a, b, ticks, step) = scale::nice_domain(lo, hi, 4);
                    let dec = scale::decimals_for_step(step);
                    let sc = Scale::linear(a, b, 0.0, 1.0);
                    let ticks = ticks.into_iter().map(|t| (sc.map(t), scale::fmt_num(t, dec))).collect();
                    Resolved { kind: Kind::Num(sc), ticks, has_missing }
                }
            }
        }
    }

    /// Where `v` sits along the axis (0..=1), or `None` when it cannot be placed (n/a).
    pub fn frac(&self, v: Option<&XValue>) -> Option<f64> {
        match (&self.kind, v?) {
            (Kind::Num(sc), XValue::Num(x)) => {
                let ok = x.is_finite() && (!sc.log || *x > 0.0);
                ok.then(|| sc.map(*x))
            }
            (Kind::Num(_), XValue::Cat(_)) => None,
            (Kind::Cat(levels), v) => {
                let l = match v {
                    XValue::Cat(c) => c.clone(),
                    XValue::Num(x) if x.is_finite() => fmt_level(*x),
                    XValue::Num(_) => return None,
                };
                let i = levels.iter().position(|x| *x == l)?;
                Some((i as f64 + 0.5) / levels.len() as f64)
            }
        }
    }

    /// The number at fraction `f` of a numeric axis (`None` on a categorical one).
    pub fn value_at(&self, f: f64) -> Option<f64> {
        match &self.kind {
            Kind::Num(sc) => {
                let v = sc.d0 + (f - sc.r0) / (sc.r1 - sc.r0) * (sc.d1 - sc.d0);
                Some(if sc.log { 10f64.powf(v) } else { v })
            }
            Kind::Cat(_) => None,
        }
    }

    /// Number of category slots (0 for a numeric axis).
    pub fn slots(&self) -> usize {
        match &self.kind {
            Kind::Cat(l) => l.len(),
            Kind::Num(_) => 0,
        }
    }
}

/// A log-axis tick: `0.001`, `0.01`, `100` as such, smaller and larger powers as `1e-5`, `1e6`.
pub(crate) fn fmt_log_tick(v: f64) -> String {
    if v.is_finite() && v > 0.0 && !(1e-3..1e5).contains(&v) {
        format!("{v:e}")
    } else {
        fmt_level(v)
    }
}

/// A deterministic offset in [-0.5, 0.5) for trial `i` (categorical jitter): the same trial
/// lands at the same place in every rendering.
pub(crate) fn jitter(i: usize, salt: usize) -> f64 {
    let mut x = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (salt as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
    x ^= x >> 31;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 29;
    (x >> 11) as f64 / (1u64 << 53) as f64 - 0.5
}

/// Decimals for metric values in tooltips and ticks: two significant digits of their spread,
/// plus one.
pub(crate) fn metric_decimals(values: impl IntoIterator<Item = f64>) -> usize {
    let (lo, hi, _) = super::value_range(values);
    (scale::decimals_for_spread(hi - lo) + 1).min(6)
}

/// The `axis`, `axes`, `trial` and `trials` setters of a chart of trials over parameter axes
/// (fields `axes: Vec<ParamAxis>` and `trials: Vec<TrialPoint>`), with what one axis is and
/// what the list of them is, for their docs.
macro_rules! trial_setters {
    ($t:ty, $one:literal, $all:literal) => {
        impl $t {
            #[doc = concat!("Adds a ", $one, ".")]
            pub fn axis(mut self, axis: $crate::chart::ParamAxis) -> Self {
                self.axes.push(axis);
                self
            }

            #[doc = concat!("Sets the ", $all, ".")]
            pub fn axes(mut self, axes: Vec<$crate::chart::ParamAxis>) -> Self {
                self.axes = axes;
                self
            }

            /// Adds a trial.
            pub fn trial(mut self, trial: $crate::chart::TrialPoint) -> Self {
                self.trials.push(trial);
                self
            }

            /// Sets the trials.
            pub fn trials(mut self, trials: Vec<$crate::chart::TrialPoint>) -> Self {
                self.trials = trials;
                self
            }
        }
    };
}
pub(crate) use trial_setters;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categorical_axes_add_unlisted_levels_and_place_numbers_by_label() {
        let vals = [Some(XValue::Cat("b".into())), Some(XValue::Num(32.0)), None, Some(XValue::Cat("a".into()))];
        let r = Resolved::new(&AxisScale::Categorical(vec!["a".into()]), vals.iter().map(|v| v.as_ref()));
        assert_eq!(r.slots(), 3);
        assert!(r.has_missing);
        assert_eq!(r.frac(vals[3].as_ref()), Some(0.5 / 3.0));
        assert_eq!(r.frac(vals[1].as_ref()), Some(2.5 / 3.0));
        assert_eq!(r.frac(None), None);
        assert_eq!(r.ticks.iter().map(|t| t.1.as_str()).collect::<Vec<_>>(), ["a", "b", "32"]);
    }

    #[test]
    fn log_axes_put_non_positive_values_at_na() {
        let vals = [Some(XValue::Num(1e-4)), Some(XValue::Num(1e-2)), Some(XValue::Num(0.0)), Some(XValue::Num(f64::NAN))];
        let r = Resolved::new(&AxisScale::Log, vals.iter().map(|v| v.as_ref()));
        assert!(r.has_missing);
        assert!(r.frac(vals[0].as_ref()).unwrap().abs() < 1e-12);
        assert!((r.frac(vals[1].as_ref()).unwrap() - 1.0).abs() < 1e-12);
        assert!((r.frac(Some(&XValue::Num(1e-3))).unwrap() - 0.5).abs() < 1e-12);
        assert!((r.value_at(0.5).unwrap() - 1e-3).abs() < 1e-12);
        assert_eq!(r.frac(vals[2].as_ref()), None);
        assert_eq!(r.ticks.iter().map(|t| t.1.as_str()).collect::<Vec<_>>(), ["1e-4", "0.001", "0.01"]);
        // a range just inside the decades is widened to them
        let vals = [Some(XValue::Num(1.2e-5)), Some(XValue::Num(0.09))];
        let r = Resolved::new(&AxisScale::Log, vals.iter().map(|v| v.as_ref()));
        assert_eq!(r.ticks.first().map(|t| t.1.as_str()), Some("1e-5"));
        assert_eq!(r.ticks.last().map(|t| (t.0, t.1.as_str())), Some((1.0, "0.1")));
    }

    #[test]
    fn empty_and_constant_axes_resolve() {
        let none: [Option<XValue>; 0] = [];
        let r = Resolved::new(&AxisScale::Linear, none.iter().map(|v| v.as_ref()));
        assert!(!r.has_missing && !r.ticks.is_empty());
        let one = [Some(XValue::Num(3.0))];
        let r = Resolved::new(&AxisScale::Linear, one.iter().map(|v| v.as_ref()));
        let f = r.frac(one[0].as_ref()).unwrap();
        assert!(f.is_finite() && (0.0..=1.0).contains(&f));
        let r = Resolved::new(&AxisScale::Log, one.iter().map(|v| v.as_ref()));
        assert!(r.frac(one[0].as_ref()).unwrap().is_finite());
        assert!(Resolved::new(&AxisScale::Categorical(vec![]), none.iter().map(|v| v.as_ref())).ticks.is_empty());
    }

    #[test]
    fn jitter_is_deterministic_and_bounded() {
        let j: Vec<f64> = (0..1000).map(|i| jitter(i, 3)).collect();
        assert!(j.iter().all(|v| (-0.5..0.5).contains(v)));
        assert_eq!(j[7], jitter(7, 3));
        let mean = j.iter().sum::<f64>() / j.len() as f64;
        assert!(mean.abs() < 0.05, "{mean}");
    }
}
