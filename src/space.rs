//! The parameter space: typed hyperparameters with a baseline value, a domain and optional
//! levels to try, and the configurations ([`Config`]) built from them.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// How a numeric parameter is spaced: decides chart axes and how levels are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Spacing {
    /// Evenly spaced values (`n_estimators`, dropout rate).
    Linear,
    /// Values that vary over orders of magnitude (learning rate, weight decay); must be > 0.
    Log,
}

/// The set of values a parameter may take.
// The fields of each variant are named for what they hold and described by the variant.
#[allow(missing_docs)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Domain {
    /// A real number, optionally bounded (inclusive).
    Float { low: Option<f64>, high: Option<f64>, spacing: Spacing },
    /// An integer, optionally bounded (inclusive).
    Int { low: Option<i64>, high: Option<i64>, spacing: Spacing },
    /// One of a fixed list of strings.
    Categorical { choices: Vec<String> },
    /// `true` or `false`.
    Bool,
    /// A model component that is either enabled (`true`) or removed (`false`).
    Component,
}

impl Domain {
    /// The type name used in messages ("a float", "an int", ...).
    pub fn type_name(&self) -> &'static str {
        match self {
            Domain::Float { .. } => "a float",
            Domain::Int { .. } => "an int",
            Domain::Categorical { .. } => "a categorical (string)",
            Domain::Bool => "a bool",
            Domain::Component => "a component (enabled/removed)",
        }
    }

    /// The spacing of a numeric domain (linear or log); `Linear` for the others.
    pub fn spacing(&self) -> Spacing {
        match self {
            Domain::Float { spacing, .. } | Domain::Int { spacing, .. } => *spacing,
            _ => Spacing::Linear,
        }
    }
}

impl fmt::Display for Domain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn bound<T: fmt::Display>(b: &Option<T>, inf: &str) -> String {
            b.as_ref().map_or(inf.to_string(), |v| v.to_string())
        }
        match self {
            Domain::Float { low, high, spacing } => {
                write!(f, "float [{}, {}]", bound(low, "-inf"), bound(high, "inf"))?;
                if *spacing == Spacing::Log {
                    write!(f, " (log scale, > 0)")?;
                }
                Ok(())
            }
            Domain::Int { low, high, spacing } => {
                write!(f, "int [{}, {}]", bound(low, "-inf"), bound(high, "inf"))?;
                if *spacing == Spacing::Log {
                    write!(f, " (log scale, > 0)")?;
                }
                Ok(())
            }
            Domain::Categorical { choices } => write!(f, "one of {choices:?}"),
            Domain::Bool => write!(f, "true/false"),
            Domain::Component => write!(f, "enabled/removed"),
        }
    }
}

/// One hyperparameter value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Value {
    /// A real number (always finite).
    Float(f64),
    /// An integer.
    Int(i64),
    /// A categorical choice.
    Str(String),
    /// A bool, or a component's enabled (`true`) / removed (`false`) state.
    Bool(bool),
}

impl Value {
    /// The value as f64 when it is numeric.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Float(x) => Some(*x),
            Value::Int(i) => Some(*i as f64),
            _ => None,
        }
    }

    /// A short type name for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Float(_) => "a float",
            Value::Int(_) => "an int",
            Value::Str(_) => "a string",
            Value::Bool(_) => "a bool",
        }
    }

    /// Exact, unambiguous encoding used for trial identity: floats by their bit pattern
    /// (so 0.1 and 0.1000000001 differ, and -0.0 differs from 0.0), strings length-prefixed.
    pub(crate) fn canonical(&self, out: &mut Vec<u8>) {
        match self {
            Value::Float(x) => {
                out.push(b'f');
                out.extend_from_slice(&x.to_bits().to_be_bytes());
            }
            Value::Int(i) => {
                out.push(b'i');
                out.extend_from_slice(&i.to_be_bytes());
            }
            Value::Str(s) => {
                out.push(b's');
                out.extend_from_slice(&(s.len() as u64).to_be_bytes());
                out.extend_from_slice(s.as_bytes());
            }
            Value::Bool(b) => {
                out.push(b'b');
                out.push(u8::from(*b));
            }
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Float(x) => write!(f, "{x}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Str(s) => write!(f, "{s}"),
            Value::Bool(b) => write!(f, "{b}"),
        }
    }
}

impl From<f64> for Value {
    fn from(x: f64) -> Self {
        Value::Float(x)
    }
}
impl From<f32> for Value {
    fn from(x: f32) -> Self {
        Value::Float(x as f64)
    }
}
impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}
impl From<i32> for Value {
    fn from(i: i32) -> Self {
        Value::Int(i as i64)
    }
}
impl From<u32> for Value {
    fn from(i: u32) -> Self {
        Value::Int(i as i64)
    }
}
impl From<usize> for Value {
    fn from(i: usize) -> Self {
        Value::Int(i as i64)
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}
impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Str(s.to_string())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Str(s)
    }
}

/// What a parameter is to a study: varied by designs, or an axis the study runs along.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Role {
    /// Varied by the designs.
    #[default]
    Ordinary,
    /// The training budget of a multi-fidelity run ([`Param::fidelity`]).
    Fidelity,
    /// The model size of a scale-transfer run ([`Param::scale`]).
    Size,
}

impl Role {
    fn is_ordinary(&self) -> bool {
        *self == Role::Ordinary
    }
}

/// A hyperparameter: name, domain, baseline value, and the levels an ablation tries.
///
/// Builders never fail: problems (a baseline outside the bounds, an empty level list) are
/// reported with a clear [`Error`] when the study is validated or run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Param {
    name: String,
    domain: Domain,
    baseline: Value,
    levels: Option<Vec<Value>>,
    /// Whether it is an axis the study is run along rather than a design's parameter.
    #[serde(default, skip_serializing_if = "Role::is_ordinary")]
    role: Role,
    /// A mistake made while building (reported by [`Param::validate`]).
    #[serde(skip)]
    problem: Option<String>,
}

impl Param {
    /// A real-valued parameter with its baseline value (linear scale, unbounded).
    pub fn float(name: &str, baseline: f64) -> Param {
        Param::with(name, Domain::Float { low: None, high: None, spacing: Spacing::Linear }, Value::Float(baseline))
    }

    /// An integer parameter with its baseline value (linear scale, unbounded).
    pub fn int(name: &str, baseline: i64) -> Param {
        Param::with(name, Domain::Int { low: None, high: None, spacing: Spacing::Linear }, Value::Int(baseline))
    }

    /// A categorical parameter: its choices and the baseline choice.
    pub fn categorical<S: AsRef<str>>(name: &str, choices: impl IntoIterator<Item = S>, baseline: &str) -> Param {
        let choices = choices.into_iter().map(|s| s.as_ref().to_string()).collect();
        Param::with(name, Domain::Categorical { choices }, Value::Str(baseline.to_string()))
    }

    /// The study's fidelity: an integer training budget (epochs, steps) with the levels a
    /// multi-fidelity run climbs, cheapest first (`Param::fidelity("epochs", [3, 10, 30])`).
    /// Its baseline is the highest level: a plain run trains everything at full fidelity.
    /// Designs never vary it; `study.run_with(MultiFidelityOptions::default(), f)`
    /// runs every config at the lowest level and promotes the promising ones.
    pub fn fidelity(name: &str, levels: impl IntoIterator<Item = i64>) -> Param {
        let mut levels: Vec<i64> = levels.into_iter().collect();
        levels.sort_unstable();
        levels.dedup();
        let top = levels.last().copied().unwrap_or(0);
        Param::axis(name, levels, top, Role::Fidelity, "fidelity", "[3, 10, 30]")
    }

    /// The study's model-size axis (hidden width, layers, parameters): the same ablation is
    /// run at every size (`Param::scale("hidden", [32, 64, 128, 256])`) and each change's
    /// effect is followed across sizes (`study.run_with(ScaleOptions::to(target), f)`).
    /// Its baseline is the smallest size; designs never vary it.
    pub fn scale(name: &str, sizes: impl IntoIterator<Item = i64>) -> Param {
        let mut sizes: Vec<i64> = sizes.into_iter().collect();
        sizes.sort_unstable();
        sizes.dedup();
        let smallest = sizes.first().copied().unwrap_or(0);
        Param::axis(name, sizes, smallest, Role::Size, "scale", "[32, 64, 128, 256]")
    }

    /// An int axis parameter with sorted `levels` and `baseline`, checked for two positive levels.
    fn axis(name: &str, levels: Vec<i64>, baseline: i64, role: Role, what: &str, example: &str) -> Param {
        let mut param = Param::int(name, baseline).levels(levels.clone());
        param.role = role;
        if levels.len() < 2 || levels[0] < 1 {
            param.problem = Some(format!("{what} `{name}` needs at least two positive levels, smallest first: e.g. {example}"));
        }
        param
    }

    /// What the parameter is to the study: varied by designs, or an axis it runs along.
    pub fn role(&self) -> Role {
        self.role
    }

    /// Whether this is the study's fidelity ([`Param::fidelity`]).
    pub fn is_fidelity(&self) -> bool {
        self.role == Role::Fidelity
    }

    /// Whether this is the study's model-size axis ([`Param::scale`]).
    pub fn is_scale(&self) -> bool {
        self.role == Role::Size
    }

    /// Whether the study runs along this parameter (fidelity or scale) instead of designs
    /// varying it.
    pub fn is_axis(&self) -> bool {
        self.role != Role::Ordinary
    }

    /// A boolean switch with its baseline value.
    pub fn bool(name: &str, baseline: bool) -> Param {
        Param::with(name, Domain::Bool, Value::Bool(baseline))
    }

    /// A model component, enabled in the baseline. Component ablations remove it.
    pub fn component(name: &str) -> Param {
        Param::with(name, Domain::Component, Value::Bool(true))
    }

    /// A model component that the baseline leaves removed (add-one-in can enable it).
    pub fn component_removed(name: &str) -> Param {
        Param::with(name, Domain::Component, Value::Bool(false))
    }

    fn with(name: &str, domain: Domain, baseline: Value) -> Param {
        Param { name: name.to_string(), domain, baseline, levels: None, role: Role::Ordinary, problem: None }
    }

    /// The same parameter with another baseline value (converted to the domain's type).
    pub(crate) fn with_baseline(mut self, baseline: Value) -> Param {
        self.baseline = coerce(&self.domain, baseline);
        self
    }

    /// Puts a numeric parameter on a log scale (values must be > 0).
    pub fn log(mut self) -> Param {
        match &mut self.domain {
            Domain::Float { spacing, .. } | Domain::Int { spacing, .. } => *spacing = Spacing::Log,
            _ => {}
        }
        self
    }

    /// Inclusive bounds for a numeric parameter. Ignored for other kinds.
    pub fn bounds(mut self, low: f64, high: f64) -> Param {
        match &mut self.domain {
            Domain::Float { low: l, high: h, .. } => {
                *l = Some(low);
                *h = Some(high);
            }
            Domain::Int { low: l, high: h, .. } => {
                if !low.is_finite() || !high.is_finite() {
                    self.problem = Some(format!("int param `{}` has the non-finite bound {}: bounds must be finite numbers", self.name, if low.is_finite() { high } else { low }));
                } else if low.ceil() > high.floor() {
                    let hint = if low > high { "swap them" } else { "widen them" };
                    self.problem = Some(format!("int param `{}` has bounds [{low}, {high}], which contain no integer: {hint}", self.name));
                } else {
                    *l = Some(low.ceil() as i64);
                    *h = Some(high.floor() as i64);
                }
            }
            _ => {}
        }
        self
    }

    /// The levels a one-factor-at-a-time or grid design tries. The baseline value may be
    /// among them; it is run once either way.
    pub fn levels<V: Into<Value>>(mut self, levels: impl IntoIterator<Item = V>) -> Param {
        let domain = self.domain.clone();
        self.levels = Some(levels.into_iter().map(|v| coerce(&domain, v.into())).collect());
        self
    }

    /// The parameter's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The parameter's domain.
    pub fn domain(&self) -> &Domain {
        &self.domain
    }

    /// The baseline value.
    pub fn baseline(&self) -> &Value {
        &self.baseline
    }

    /// Moves the baseline to `value` (checked against the domain; an int given for a float is
    /// converted as in study files).
    pub fn set_baseline(&mut self, value: Value) -> Result<()> {
        let value = coerce(&self.domain, value);
        self.check_value(&value)?;
        self.baseline = value;
        Ok(())
    }

    /// The levels to try, if any were given.
    pub fn level_list(&self) -> Option<&[Value]> {
        self.levels.as_deref()
    }

    /// Whether this parameter is a removable component.
    pub fn is_component(&self) -> bool {
        self.domain == Domain::Component
    }

    /// Formats a value of this parameter for labels ("removed" for a disabled component).
    pub fn format_value(&self, value: &Value) -> String {
        match (&self.domain, value) {
            (Domain::Component, Value::Bool(true)) => "enabled".to_string(),
            (Domain::Component, Value::Bool(false)) => "removed".to_string(),
            _ => value.to_string(),
        }
    }

    /// A mistake made while building it, if any (reported by [`Param::validate`]).
    pub(crate) fn problem(&self) -> Option<&str> {
        self.problem.as_deref()
    }

    /// Checks the name, the baseline and every level against the domain.
    pub fn validate(&self) -> Result<()> {
        validate_name(&self.name)?;
        if let Some(problem) = &self.problem {
            return Err(Error::Invalid { message: problem.clone() });
        }
        if let Domain::Categorical { choices } = &self.domain
            && choices.is_empty() {
                return Err(Error::Invalid {
                    message: format!("categorical param `{}` has no choices: list at least one", self.name),
                });
            }
        self.check_bounds()?;
        self.check_value(&self.baseline)?;
        if let Some(levels) = &self.levels {
            if levels.is_empty() {
                return Err(Error::EmptyLevels { param: self.name.clone() });
            }
            for level in levels {
                self.check_value(level)?;
            }
        }
        Ok(())
    }

    fn check_bounds(&self) -> Result<()> {
        let (low, high, scale) = match &self.domain {
            Domain::Float { low, high, spacing } => (*low, *high, *spacing),
            Domain::Int { low, high, spacing } => (low.map(|v| v as f64), high.map(|v| v as f64), *spacing),
            _ => return Ok(()),
        };
        for b in [low, high].into_iter().flatten() {
            if !b.is_finite() {
                return Err(Error::Invalid {
                    message: format!("param `{}` has a non-finite bound {b}: bounds must be finite numbers", self.name),
                });
            }
            if scale == Spacing::Log && b <= 0.0 {
                return Err(Error::LogScaleNonPositive { param: self.name.clone(), value: b.to_string() });
            }
        }
        if let (Some(l), Some(h)) = (low, high)
            && l > h {
                return Err(Error::Invalid {
                    message: format!("param `{}` has bounds [{l}, {h}] with low > high: swap them", self.name),
                });
            }
        Ok(())
    }

    /// Checks one value against the domain.
    pub fn check_value(&self, value: &Value) -> Result<()> {
        let out_of_domain = || Error::OutOfDomain {
            param: self.name.clone(),
            value: match value {
                Value::Str(s) => format!("{s:?} (a string)"),
                v => format!("{v} ({})", v.type_name()),
            },
            domain: self.domain.to_string(),
        };
        match (&self.domain, value) {
            (Domain::Float { low, high, spacing }, Value::Float(x)) => {
                if !x.is_finite() {
                    return Err(Error::Invalid {
                        message: format!("param `{}` has the value {x}, which is not a finite number: give finite values", self.name),
                    });
                }
                if *spacing == Spacing::Log && *x <= 0.0 {
                    return Err(Error::LogScaleNonPositive { param: self.name.clone(), value: x.to_string() });
                }
                if low.is_some_and(|l| *x < l) || high.is_some_and(|h| *x > h) {
                    return Err(out_of_domain());
                }
                Ok(())
            }
            (Domain::Int { low, high, spacing }, Value::Int(i)) => {
                if *spacing == Spacing::Log && *i <= 0 {
                    return Err(Error::LogScaleNonPositive { param: self.name.clone(), value: i.to_string() });
                }
                if low.is_some_and(|l| *i < l) || high.is_some_and(|h| *i > h) {
                    return Err(out_of_domain());
                }
                Ok(())
            }
            (Domain::Categorical { choices }, Value::Str(s)) if choices.contains(s) => Ok(()),
            (Domain::Bool | Domain::Component, Value::Bool(_)) => Ok(()),
            _ => Err(out_of_domain()),
        }
    }
}

/// Converts a value given in a convenient Rust type to the domain's type (an integer level
/// for a float parameter becomes a float; other mismatches are left for validation).
pub(crate) fn coerce(domain: &Domain, value: Value) -> Value {
    match (domain, value) {
        (Domain::Float { .. }, Value::Int(i)) => Value::Float(i as f64),
        (_, v) => v,
    }
}

/// Checks a parameter or metric name: non-empty, no control characters.
pub(crate) fn validate_name(name: &str) -> Result<()> {
    if name.trim().is_empty() {
        return Err(Error::InvalidName { name: name.to_string(), why: "names must not be empty" });
    }
    if name.chars().any(char::is_control) {
        return Err(Error::InvalidName { name: name.to_string(), why: "names must not contain control characters" });
    }
    Ok(())
}

/// A full configuration: one value per parameter, ordered by name (canonical order).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Config {
    values: BTreeMap<String, Value>,
}

impl Config {
    /// An empty configuration.
    pub fn new() -> Config {
        Config::default()
    }

    /// Sets one value.
    pub fn set(&mut self, name: &str, value: Value) {
        self.values.insert(name.to_string(), value);
    }

    /// The value of `name`, if present.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.values.get(name)
    }

    /// (name, value) pairs in canonical (name) order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.values.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Parameter names in canonical order.
    pub fn names(&self) -> Vec<String> {
        self.values.keys().cloned().collect()
    }

    /// Exact byte encoding of the configuration (sorted names, exact values).
    pub(crate) fn canonical(&self, out: &mut Vec<u8>) {
        for (name, value) in &self.values {
            out.extend_from_slice(&(name.len() as u64).to_be_bytes());
            out.extend_from_slice(name.as_bytes());
            value.canonical(out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn baseline_outside_bounds_is_rejected() {
        let p = Param::float("lr", 2.0).bounds(0.0, 1.0);
        let e = p.validate().unwrap_err().to_string();
        assert!(e.contains("lr") && e.contains("outside its domain"), "{e}");
    }

    #[test]
    fn log_scale_rejects_non_positive() {
        let p = Param::float("lr", 0.1).log().levels([0.0, 0.1]);
        assert!(matches!(p.validate(), Err(Error::LogScaleNonPositive { .. })));
        let p = Param::float("lr", 0.1).log().bounds(-1.0, 1.0);
        assert!(matches!(p.validate(), Err(Error::LogScaleNonPositive { .. })));
    }

    #[test]
    fn empty_levels_rejected() {
        let p = Param::int("n", 1).levels(Vec::<i64>::new());
        assert!(matches!(p.validate(), Err(Error::EmptyLevels { .. })));
    }

    #[test]
    fn int_levels_coerce_to_float() {
        let p = Param::float("x", 1.0).levels([1, 2]);
        assert_eq!(p.level_list().unwrap(), &[Value::Float(1.0), Value::Float(2.0)]);
        p.validate().unwrap();
    }

    #[test]
    fn categorical_checks_choices() {
        let p = Param::categorical("opt", ["sgd", "adam"], "adam").levels(["sgd", "rmsprop"]);
        let e = p.validate().unwrap_err().to_string();
        assert!(e.contains("rmsprop"), "{e}");
    }

    #[test]
    fn wrong_kind_of_level_is_out_of_domain() {
        let p = Param::int("n", 1).levels([0.5]);
        assert!(matches!(p.validate(), Err(Error::OutOfDomain { .. })));
    }

    #[test]
    fn nan_float_rejected() {
        assert!(Param::float("x", f64::NAN).validate().is_err());
        let e = Param::float("x", f64::INFINITY).validate().unwrap_err().to_string();
        assert!(e.contains("not a finite number") && !e.contains("[-inf, inf]"), "{e}");
    }

    #[test]
    fn int_bounds_without_an_integer_or_with_nan_are_rejected() {
        let e = Param::int("n", 1).bounds(0.5, 0.6).validate().unwrap_err().to_string();
        assert!(e.contains("contain no integer") && e.contains("widen"), "{e}");
        let e = Param::int("n", 1).bounds(f64::NAN, 10.0).validate().unwrap_err().to_string();
        assert!(e.contains("non-finite bound NaN"), "{e}");
        let e = Param::int("n", 1).bounds(5.0, 2.0).validate().unwrap_err().to_string();
        assert!(e.contains("swap"), "{e}");
        Param::int("n", 1).bounds(0.5, 10.0).validate().unwrap();
    }
}
