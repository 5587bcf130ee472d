//! One-factor-at-a-time: vary each parameter alone, everything else at baseline.

use super::{find_param, levels_of};
use crate::error::{Error, Result};
use crate::space::{Config, Param};

/// For each chosen parameter and each of its levels other than the baseline value, the
/// baseline with that one value changed.
pub(super) fn expand(params: &[Param], baseline: &Config, names: Option<&[String]>) -> Result<Vec<(Config, Option<String>)>> {
    let chosen: Vec<&Param> = match names {
        Some(names) => names
            .iter()
            .map(|n| find_param(params, n, "the one-factor-at-a-time design"))
            .collect::<Result<_>>()?,
        None => params.iter().filter(|p| p.level_list().is_some() && !p.is_axis()).collect(),
    };
    if chosen.is_empty() {
        return Err(Error::Design {
            message: "the one-factor-at-a-time design has no parameter to vary: give some param .levels([...])".into(),
        });
    }
    let mut out = Vec::new();
    for param in chosen {
        for level in levels_of(param, "the one-factor-at-a-time design")? {
            if level != param.baseline() {
                let mut config = baseline.clone();
                config.set(param.name(), level.clone());
                out.push((config, None));
            }
        }
    }
    Ok(out)
}
