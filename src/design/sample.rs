//! Sampling rules of the space-filling designs: how a number u in [0, 1) becomes a value of
//! a parameter.
//!
//! - a float or int with both bounds: uniform between them, in log space for `.log()`
//!   params; an int takes each integer in range with equal probability (on a log scale, with
//!   probability proportional to its width in log space, [i - 1/2, i + 1/2]);
//! - a numeric param with levels but without both bounds: uniform among its levels;
//! - a categorical: uniform among its choices; a bool or a component: each value with
//!   probability 1/2;
//! - any other param (numeric, without bounds or levels): not sampled, it stays at baseline.
//!
//! Sampled floats are rounded to 6 significant digits (and kept inside the bounds): the
//! values read well in labels and tables, and a configuration, with the trial ids a rerun
//! looks up in the journal, does not hang on the last bit of a platform's `ln` or `exp`.

use crate::error::{Error, Result};
use crate::space::{Domain, Param, Spacing, Value};

/// How one parameter is sampled.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Rule {
    /// Uniform in [low, high], in log space when `log`.
    Float { low: f64, high: f64, log: bool },
    /// Uniform over the integers of [low, high], in log space when `log`.
    Int { low: i64, high: i64, log: bool },
    /// Uniform among these values (levels, or a categorical's choices).
    Among(Vec<Value>),
    /// `false` or `true`, each with probability 1/2.
    Coin,
}

impl Rule {
    /// The rule for `param`, or `None` when it cannot be sampled (it stays at baseline).
    pub(crate) fn of(param: &Param) -> Option<Rule> {
        let levels = || param.level_list().map(|l| Rule::Among(l.to_vec()));
        match param.domain() {
            Domain::Float { low: Some(low), high: Some(high), spacing } => Some(Rule::Float { low: *low, high: *high, log: *spacing == Spacing::Log }),
            Domain::Int { low: Some(low), high: Some(high), spacing } => Some(Rule::Int { low: *low, high: *high, log: *spacing == Spacing::Log }),
            Domain::Float { .. } | Domain::Int { .. } => levels(),
            Domain::Categorical { choices } => Some(Rule::Among(choices.iter().cloned().map(Value::Str).collect())),
            Domain::Bool | Domain::Component => Some(Rule::Coin),
        }
    }

    /// The value at `u` in [0, 1).
    pub(crate) fn value(&self, u: f64) -> Value {
        match self {
            Rule::Float { low, high, log } => {
                let x = if *log { (low.ln() + u * (high.ln() - low.ln())).exp() } else { low + u * (high - low) };
                Value::Float(round_significant(x).clamp(*low, *high))
            }
            Rule::Int { low, high, log: false } => {
                let count = (*high as i128 - *low as i128 + 1) as f64;
                let offset = ((u * count) as i128).min(*high as i128 - *low as i128);
                Value::Int((*low as i128 + offset) as i64)
            }
            Rule::Int { low, high, log: true } => {
                // a log param's bounds are > 0 (validated), so low - 1/2 > 0
                let (a, b) = ((*low as f64 - 0.5).ln(), (*high as f64 + 0.5).ln());
                let x = (a + u * (b - a)).exp().round();
                Value::Int((x as i64).clamp(*low, *high))
            }
            Rule::Among(values) => values[index(u, values.len())].clone(),
            Rule::Coin => Value::Bool(u >= 0.5),
        }
    }
}

/// The parameters a space-filling design samples, with their rules (declaration order), or
/// an error naming the params that need bounds or levels when none can be sampled.
pub(crate) fn sampled(params: &[Param], design: &str) -> Result<Vec<(String, Rule)>> {
    let rules: Vec<(String, Rule)> = params.iter().filter(|p| !p.is_axis()).filter_map(|p| Some((p.name().to_string(), Rule::of(p)?))).collect();
    if rules.is_empty() {
        let fixed: Vec<String> = params.iter().map(|p| format!("`{}`", p.name())).collect();
        let message = if fixed.is_empty() {
            format!("{design} has no param to sample: add params with .bounds(low, high) or .levels([...])")
        } else {
            format!("{design} has no param to sample: give {} .bounds(low, high) or .levels([...])", fixed.join(", "))
        };
        return Err(Error::Design { message });
    }
    Ok(rules)
}

/// The index in 0..len that u in [0, 1) falls on (len > 0).
fn index(u: f64, len: usize) -> usize {
    ((u * len as f64) as usize).min(len - 1)
}

/// `x` rounded to 6 significant digits (exactly: through the decimal representation).
fn round_significant(x: f64) -> f64 {
    format!("{x:.5e}").parse().unwrap_or(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(n: usize) -> impl Iterator<Item = f64> {
        (0..n).map(move |i| (i as f64 + 0.5) / n as f64)
    }

    #[test]
    fn ints_take_each_value_equally_often() {
        let rule = Rule::of(&Param::int("n", 3).bounds(1.0, 5.0)).unwrap();
        let mut counts = [0; 5];
        for u in grid(1000) {
            match rule.value(u) {
                Value::Int(i) => counts[(i - 1) as usize] += 1,
                v => panic!("not an int: {v:?}"),
            }
        }
        assert_eq!(counts, [200; 5]);
        assert_eq!(rule.value(0.0), Value::Int(1));
        assert_eq!(rule.value(0.999_999_999), Value::Int(5));
    }

    #[test]
    fn log_floats_spread_evenly_in_log_space() {
        let rule = Rule::of(&Param::float("lr", 0.01).log().bounds(1e-4, 1.0)).unwrap();
        let mut decades = [0; 4];
        for u in grid(400) {
            let x = rule.value(u).as_f64().unwrap();
            assert!((1e-4..=1.0).contains(&x));
            decades[((x.log10() + 4.0).floor() as usize).min(3)] += 1;
        }
        assert_eq!(decades, [100; 4], "each decade gets a quarter of the points");
        assert_eq!(rule.value(0.5), Value::Float(0.01));
    }

    #[test]
    fn log_ints_follow_their_width_in_log_space() {
        let rule = Rule::of(&Param::int("width", 8).log().bounds(1.0, 1000.0)).unwrap();
        let below_32 = grid(10_000).filter(|&u| matches!(rule.value(u), Value::Int(i) if i < 32)).count();
        // P(i < 32) = (ln 31.5 - ln 0.5) / (ln 1000.5 - ln 0.5)
        let expected = (31.5f64 / 0.5).ln() / (1000.5f64 / 0.5).ln() * 10_000.0;
        assert!((below_32 as f64 - expected).abs() < 2.0, "{below_32} vs {expected}");
    }

    #[test]
    fn floats_are_rounded_and_stay_in_bounds() {
        // both bounds have 7 significant digits: rounding would step outside them
        let rule = Rule::of(&Param::float("x", 0.5).bounds(0.1234561, 0.7654329)).unwrap();
        assert_eq!(rule.value(0.0), Value::Float(0.1234561));
        assert_eq!(rule.value(0.999_999_999_9), Value::Float(0.7654329));
        for u in grid(100) {
            let x = rule.value(u).as_f64().unwrap();
            assert!((0.1234561..=0.7654329).contains(&x));
            assert_eq!(format!("{x:.5e}").parse::<f64>().unwrap(), x, "{x} has more than 6 significant digits");
        }
    }

    #[test]
    fn levels_choices_and_coins() {
        let levels = Rule::of(&Param::float("x", 1.0).levels([1.0, 2.0, 4.0])).unwrap();
        let values: Vec<Value> = grid(3).map(|u| levels.value(u)).collect();
        assert_eq!(values, [Value::Float(1.0), Value::Float(2.0), Value::Float(4.0)]);
        let cat = Rule::of(&Param::categorical("opt", ["sgd", "adam"], "adam").levels(["adam"])).unwrap();
        assert_eq!(cat.value(0.1), Value::from("sgd"), "choices, not levels");
        assert_eq!(cat.value(0.9), Value::from("adam"));
        let coin = Rule::of(&Param::component("norm")).unwrap();
        assert_eq!((coin.value(0.49), coin.value(0.5)), (Value::Bool(false), Value::Bool(true)));
        assert_eq!(Rule::of(&Param::bool("flag", true)), Some(Rule::Coin));
        // one bound only, or none, and no levels: not sampled
        assert_eq!(Rule::of(&Param::float("x", 1.0)), None);
        assert_eq!(Rule::of(&Param::int("n", 1)), None);
    }

    #[test]
    fn no_sampled_param_names_the_params_to_fix() {
        let params = [Param::float("lr", 0.1), Param::int("width", 32)];
        let e = sampled(&params, "the sobol design").unwrap_err().to_string();
        assert!(e.contains("`lr`, `width`") && e.contains(".bounds(low, high)") && e.contains(".levels"), "{e}");
        let e = sampled(&[], "the random design").unwrap_err().to_string();
        assert!(e.contains("add params"), "{e}");
        let ok = sampled(&[Param::float("lr", 0.1), Param::component("norm")], "d").unwrap();
        assert_eq!(ok.len(), 1);
        assert_eq!(ok[0].0, "norm");
    }
}
