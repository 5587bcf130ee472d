//! Component ablation: leave-one-out and add-one-in over removable components.

use super::find_param;
use crate::error::{Error, Result};
use crate::space::{Config, Param, Value};

fn chosen_components<'a>(params: &'a [Param], names: Option<&[String]>, design: &str) -> Result<Vec<&'a Param>> {
    let chosen: Vec<&Param> = match names {
        Some(names) => names.iter().map(|n| find_param(params, n, design)).collect::<Result<_>>()?,
        None => params.iter().filter(|p| p.is_component()).collect(),
    };
    if let Some(p) = chosen.iter().find(|p| !p.is_component()) {
        return Err(Error::Design {
            message: format!("{design} lists `{}`, which is not a component: declare it with Param::component", p.name()),
        });
    }
    if chosen.is_empty() {
        return Err(Error::Design {
            message: format!("{design} has no component to work on: declare components with Param::component(\"name\")"),
        });
    }
    Ok(chosen)
}

/// The baseline with each chosen component, enabled at baseline, removed alone.
pub(super) fn leave_one_out(params: &[Param], baseline: &Config, names: Option<&[String]>) -> Result<Vec<(Config, Option<String>)>> {
    let design = "the leave-one-out design";
    let chosen = chosen_components(params, names, design)?;
    let enabled: Vec<&Param> = chosen.into_iter().filter(|p| *p.baseline() == Value::Bool(true)).collect();
    if enabled.is_empty() {
        return Err(Error::Design {
            message: format!("{design} has nothing to remove: every chosen component is already removed in the baseline"),
        });
    }
    Ok(enabled
        .into_iter()
        .map(|p| {
            let mut config = baseline.clone();
            config.set(p.name(), Value::Bool(false));
            (config, None)
        })
        .collect())
}

/// The baseline with every chosen component removed ("none"), then with each one added back
/// alone.
pub(super) fn add_one_in(params: &[Param], baseline: &Config, names: Option<&[String]>) -> Result<Vec<(Config, Option<String>)>> {
    let chosen = chosen_components(params, names, "the add-one-in design")?;
    let mut stripped = baseline.clone();
    for p in &chosen {
        stripped.set(p.name(), Value::Bool(false));
    }
    let mut out = vec![(stripped.clone(), Some("all components removed".to_string()))];
    for p in &chosen {
        let mut config = stripped.clone();
        config.set(p.name(), Value::Bool(true));
        out.push((config, Some(format!("only {}", p.name()))));
    }
    Ok(out)
}
