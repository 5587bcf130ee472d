//! Designs: rules that turn a parameter space and its baseline into configurations to run.
//!
//! A study may combine several designs; their configurations are merged and identical
//! configurations are run once (the first design that produced one names it).

mod components;
mod custom;
mod grid;
mod ofat;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::space::{Config, Param, Value};

/// Which kind of design produced a configuration, as written in the results' `design` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DesignKind {
    /// The baseline configuration itself.
    Baseline,
    /// One-factor-at-a-time.
    Ofat,
    /// A full-factorial grid.
    Grid,
    /// A component removed alone.
    LeaveOneOut,
    /// Components added back one at a time.
    AddOneIn,
    /// An explicit configuration.
    Custom,
}

impl DesignKind {
    /// The name as written in the results' `design` column ("baseline", "ofat", ...).
    pub fn as_str(self) -> &'static str {
        match self {
            DesignKind::Baseline => "baseline",
            DesignKind::Ofat => "ofat",
            DesignKind::Grid => "grid",
            DesignKind::LeaveOneOut => "leave_one_out",
            DesignKind::AddOneIn => "add_one_in",
            DesignKind::Custom => "custom",
        }
    }
}

impl std::fmt::Display for DesignKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for DesignKind {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

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
    /// The kind of design, as written in the results' `design` column.
    pub fn kind(&self) -> DesignKind {
        match self {
            Design::Ofat { .. } => DesignKind::Ofat,
            Design::Grid { .. } => DesignKind::Grid,
            Design::LeaveOneOut { .. } => DesignKind::LeaveOneOut,
            Design::AddOneIn { .. } => DesignKind::AddOneIn,
            Design::Custom { .. } => DesignKind::Custom,
        }
    }

    /// Expands the design into configurations (the baseline itself is added by the study).
    pub(crate) fn expand(&self, params: &[Param], baseline: &Config) -> Result<Vec<(Config, DesignKind, Option<String>)>> {
        let configs = match self {
            Design::Ofat { params: names } => ofat::expand(params, baseline, names.as_deref())?,
            Design::Grid { params: names } => grid::expand(params, baseline, names)?,
            Design::LeaveOneOut { components } => components::leave_one_out(params, baseline, components.as_deref())?,
            Design::AddOneIn { components } => components::add_one_in(params, baseline, components.as_deref())?,
            Design::Custom { label, overrides } => vec![custom::expand(params, baseline, label, overrides)?],
        };
        Ok(configs
            .into_iter()
            .map(|(config, label)| (config, self.kind(), label))
            .collect())
    }
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
