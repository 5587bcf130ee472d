//! Schedulers: studies whose trials are not all known up front. Each asks the session for
//! a round of trials, reads the results, and decides what to ask for next; every trial goes
//! through the same store and executors as a fixed study.
//!
//! - [`adaptive`]: adaptive seeds (sequential testing).
//! - [`fidelity`]: multi-fidelity ablation (successive halving with tests).
//! - [`scale`]: scale transfer (the ablation at several model sizes, effects extrapolated).

pub(crate) mod adaptive;
pub mod fidelity;
pub mod scale;

use crate::error::{Error, Result};
use crate::space::{Param, Role, Value};

/// The study's one parameter with `role` (its fidelity or its size axis) and its levels,
/// smallest first; an error saying how to add one (`add`), or that there are two.
pub(crate) fn axis<'a>(params: &'a [Param], role: Role, add: &str) -> Result<(&'a Param, Vec<i64>)> {
    let mut found = params.iter().filter(|p| p.role() == role);
    match (found.next(), found.next()) {
        (Some(p), None) => {
            let levels = p.level_list().unwrap_or_default().iter().filter_map(|v| if let Value::Int(i) = v { Some(*i) } else { None }).collect();
            Ok((p, levels))
        }
        (None, _) => Err(Error::Invalid { message: add.to_string() }),
        (Some(a), Some(b)) => Err(Error::Invalid { message: format!("the study has two {role:?} parameters, `{}` and `{}`: keep one", a.name(), b.name()) }),
    }
}
