//! Full-factorial grids over two or more parameters, the rest at baseline.

use super::{find_param, levels_of};
use crate::error::{Error, Result};
use crate::space::{Config, Param};

/// Every combination of the chosen parameters' levels (row-major: the last parameter
/// varies fastest).
pub(super) fn expand(params: &[Param], baseline: &Config, names: &[String]) -> Result<Vec<(Config, Option<String>)>> {
    if names.len() < 2 {
        return Err(Error::Design {
            message: format!(
                "a grid needs two or more params to vary together, got {}; for one param use the one-factor-at-a-time design",
                names.len()
            ),
        });
    }
    for (i, name) in names.iter().enumerate() {
        if names[..i].contains(name) {
            return Err(Error::Design { message: format!("the grid lists param `{name}` twice: list each param once") });
        }
    }
    let axes: Vec<(&Param, &[crate::space::Value])> = names
        .iter()
        .map(|n| {
            let p = find_param(params, n, "the grid design")?;
            Ok((p, levels_of(p, "the grid design")?))
        })
        .collect::<Result<_>>()?;
    let total: usize = axes.iter().map(|(_, levels)| levels.len()).product();
    let mut out = Vec::with_capacity(total);
    let mut index = vec![0usize; axes.len()];
    for _ in 0..total {
        let mut config = baseline.clone();
        for (axis, &i) in axes.iter().zip(&index) {
            config.set(axis.0.name(), axis.1[i].clone());
        }
        out.push((config, None));
        // odometer increment, last axis fastest
        for pos in (0..axes.len()).rev() {
            index[pos] += 1;
            if index[pos] < axes[pos].1.len() {
                break;
            }
            index[pos] = 0;
        }
    }
    Ok(out)
}
