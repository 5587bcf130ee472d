//! Designs: rules that turn a parameter space and its baseline into configurations to run.
//!
//! A study may combine several designs; their configurations are merged and identical
//! configurations are run once (the first design that produced one names it).

mod components;
mod custom;
mod grid;
mod ofat;

use crate::error::{Error, Result};
use crate::space::{Config, Param, Value};

/// One way of choosing configurations to compare with the baseline.
// The fields of each variant are named for what they hold and described by the variant.
#[allow(missing_docs)]
#[derive(Debug, Clone, PartialEq)]
pub enum Design {
    /// One-factor-at-a-time: each listed parameter (all parameters with levels when `None`)
    /// takes each of its levels while everything else stays at baseline.
    Ofat { params: Option<Vec<String>> },
    /// Full-factorial grid over two or more parameters' levels, the rest at baseline.
    Grid { params: Vec<String> },
    /// Remove each listed component (all components enabled at baseline when `None`) alone.
    LeaveOneOut { components: Option<Vec<String>> },
    /// Start with every listed component removed, then enable one at a time.
    AddOneIn { components: Option<Vec<String>> },
    /// An explicit configuration: the baseline with some values overridden.
    Custom { label: String, overrides: Vec<(String, Value)> },
}

impl Design {
    /// The short name of the design kind, as written in the results' `design` column.
    pub fn kind(&self) -> &'static str {
        match self {
            Design::Ofat { .. } => "ofat",
            Design::Grid { .. } => "grid",
            Design::LeaveOneOut { .. } => "leave_one_out",
            Design::AddOneIn { .. } => "add_one_in",
            Design::Custom { .. } => "custom",
        }
    }

    /// Expands the design into configurations (the baseline itself is added by the study).
    pub(crate) fn expand(&self, params: &[Param], baseline: &Config) -> Result<Vec<PlannedConfig>> {
        let configs = match self {
            Design::Ofat { params: names } => ofat::expand(params, baseline, names.as_deref())?,
            Design::Grid { params: names } => grid::expand(params, baseline, names)?,
            Design::LeaveOneOut { components } => components::leave_one_out(params, baseline, components.as_deref())?,
            Design::AddOneIn { components } => components::add_one_in(params, baseline, components.as_deref())?,
            Design::Custom { label, overrides } => vec![custom::expand(params, baseline, label, overrides)?],
        };
        Ok(configs
            .into_iter()
            .map(|(config, label)| PlannedConfig { config, design: self.kind().to_string(), label })
            .collect())
    }
}

/// A configuration chosen by a design, before seeds are attached.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedConfig {
    /// The full configuration.
    pub config: Config,
    /// Which design produced it ("baseline", "ofat", "grid", ...).
    pub design: String,
    /// An explicit label (custom configs, add-one-in's starting point), if any.
    pub label: Option<String>,
}

/// Finds a parameter by name, or says which names exist.
pub(crate) fn find_param<'a>(params: &'a [Param], name: &str, context: &str) -> Result<&'a Param> {
    params.iter().find(|p| p.name() == name).ok_or_else(|| Error::UnknownParam {
        name: name.to_string(),
        context: context.to_string(),
        known: params.iter().map(|p| p.name().to_string()).collect(),
    })
}

/// The levels of a parameter that a design needs, or an error saying how to give them.
pub(crate) fn levels_of<'a>(param: &'a Param, design: &str) -> Result<&'a [Value]> {
    param.level_list().ok_or_else(|| Error::Design {
        message: format!(
            "{design} needs levels for param `{}`: add .levels([...]) to it",
            param.name()
        ),
    })
}
