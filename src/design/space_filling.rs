//! Space-filling designs: n configurations sampled over the params' ranges (see
//! [`sample`](super::sample) for the rules), independently at random or along a scrambled
//! Sobol' sequence, both reproducible from a seed the study derives from its study seed.

use super::sample::{self, Rule};
use super::sobol::Sobol;
use crate::error::{Error, Result};
use super::MAX_TRIALS;
use crate::rng::Rng;
use crate::space::{Config, Param};

/// `n` configurations with every sampled param drawn independently and uniformly (by its
/// rule), labelled `{prefix}#0`, `{prefix}#1`, ...
pub(super) fn random(params: &[Param], baseline: &Config, n: usize, seed: u64, prefix: &str) -> Result<Vec<(Config, Option<String>)>> {
    let rules = rules(params, n, prefix)?;
    let mut rng = Rng::new(seed);
    let points = (0..n).map(|_| rules.iter().map(|_| rng.next_f64()).collect());
    Ok(fill(baseline, &rules, points, prefix))
}

/// The first `n` points of a Sobol' sequence scrambled from `seed`, one dimension per
/// sampled param (declaration order), labelled `{prefix}#0`, `{prefix}#1`, ...
pub(super) fn sobol(params: &[Param], baseline: &Config, n: usize, seed: u64, prefix: &str) -> Result<Vec<(Config, Option<String>)>> {
    let rules = rules(params, n, prefix)?;
    let points = Sobol::scrambled(rules.len(), seed)?.points(n)?;
    Ok(fill(baseline, &rules, points, prefix))
}

fn rules(params: &[Param], n: usize, prefix: &str) -> Result<Vec<(String, Rule)>> {
    let design = format!("the {prefix} design");
    if n == 0 || n > MAX_TRIALS {
        return Err(Error::Design { message: format!("{design} asks for {n} samples: ask for 1 to {MAX_TRIALS}") });
    }
    sample::sampled(params, &design)
}

/// The baseline with each point's values set, one config per point.
fn fill(baseline: &Config, rules: &[(String, Rule)], points: impl IntoIterator<Item = Vec<f64>>, prefix: &str) -> Vec<(Config, Option<String>)> {
    points
        .into_iter()
        .enumerate()
        .map(|(i, point)| {
            let mut config = baseline.clone();
            for ((name, rule), u) in rules.iter().zip(point) {
                config.set(name, rule.value(u));
            }
            (config, Some(format!("{prefix}#{i}")))
        })
        .collect()
}
