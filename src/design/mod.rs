//! Designs: rules that turn a parameter space and its baseline into configurations to run.
//!
//! A study may combine several designs; their configurations are merged and identical
//! configurations are run once (the first design that produced one names it).
//!
//! The space-filling designs ([`Design::Random`], [`Design::Sobol`]) sample configurations
//! over the params' ranges from a seed derived from the study seed, so planning the same
//! study again gives the same configurations (and a rerun skips the trials already done).

mod components;
mod custom;
mod grid;
mod ofat;
mod sample;
mod sobol;
mod space_filling;

/// The most trials one study may plan: beyond this a plan would not fit in memory
/// (each trial costs a few hundred bytes in the plan and the results). Designs refuse to
/// sample more configs than this.
pub const MAX_TRIALS: usize = 10_000_000;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::rng::splitmix64;
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
    /// Sampled independently and uniformly over the params' ranges.
    Random,
    /// Sampled along a scrambled Sobol' sequence over the params' ranges.
    Sobol,
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
            DesignKind::Random => "random",
            DesignKind::Sobol => "sobol",
        }
    }

    /// Whether the design samples the space (random, sobol): its configurations run with
    /// the study's [`seeds_per_sample`](crate::Study::seeds_per_sample) seeds, when set.
    pub fn is_sampled(self) -> bool {
        matches!(self, DesignKind::Random | DesignKind::Sobol)
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
    /// `n` configurations with every samplable param drawn independently and uniformly over
    /// its range (bounds, log scale respected; else its levels; categoricals among their
    /// choices; bools and components on or off with probability 1/2), the rest at baseline.
    /// Labelled `random#0`, `random#1`, ...; samples equal to another config run once.
    Random { n: usize },
    /// Like [`Design::Random`], with the points of a scrambled Sobol' sequence (one dimension
    /// per sampled param, at most 64), which cover the space more evenly than independent
    /// draws. Its balance holds for `n` a power of two (16, 32, 64, ...). Labelled `sobol#0`,
    /// `sobol#1`, ...
    Sobol { n: usize },
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
            Design::Random { .. } => DesignKind::Random,
            Design::Sobol { .. } => DesignKind::Sobol,
        }
    }

    /// Expands every design, in order, into configurations (the baseline itself is added by
    /// the plan). The k-th random or sobol design of a study samples from its own seed,
    /// derived from `study_seed`, its kind and k, and labels its configs `sobol#i` (the
    /// first) or `sobol-{k+1}#i` (later ones).
    pub(crate) fn expand_all(designs: &[Design], params: &[Param], baseline: &Config, study_seed: u64) -> Result<Vec<(Config, DesignKind, Option<String>)>> {
        let mut out = Vec::new();
        let mut before: std::collections::HashMap<DesignKind, u64> = std::collections::HashMap::new();
        for design in designs {
            let occurrence = before.entry(design.kind()).or_default();
            out.extend(design.expand(params, baseline, &Sampling::new(design.kind(), study_seed, *occurrence))?);
            *occurrence += 1;
        }
        Ok(out)
    }

    /// Expands the design into configurations; `sampling` is read by the sampled designs.
    fn expand(&self, params: &[Param], baseline: &Config, sampling: &Sampling) -> Result<Vec<(Config, DesignKind, Option<String>)>> {
        let configs = match self {
            Design::Ofat { params: names } => ofat::expand(params, baseline, names.as_deref())?,
            Design::Grid { params: names } => grid::expand(params, baseline, names)?,
            Design::LeaveOneOut { components } => components::leave_one_out(params, baseline, components.as_deref())?,
            Design::AddOneIn { components } => components::add_one_in(params, baseline, components.as_deref())?,
            Design::Custom { label, overrides } => vec![custom::expand(params, baseline, label, overrides)?],
            Design::Random { n } => space_filling::random(params, baseline, *n, sampling.seed, &sampling.prefix)?,
            Design::Sobol { n } => space_filling::sobol(params, baseline, *n, sampling.seed, &sampling.prefix)?,
        };
        Ok(configs
            .into_iter()
            .map(|(config, label)| (config, self.kind(), label))
            .collect())
    }
}

/// The seed and label prefix of one design of a study (read by the space-filling ones).
struct Sampling {
    seed: u64,
    prefix: String,
}

impl Sampling {
    /// The `occurrence`-th (0-based) design of `kind` in a study with `study_seed`: distinct
    /// streams per kind and occurrence, so adding an OFAT or a second sobol design leaves the
    /// first sobol design's points as they were.
    fn new(kind: DesignKind, study_seed: u64, occurrence: u64) -> Sampling {
        let tag: u64 = if kind == DesignKind::Sobol { 0x0073_6f62_6f6c } else { 0x7261_6e64_6f6d };
        let seed = splitmix64(splitmix64(study_seed ^ tag).wrapping_add(occurrence));
        let prefix = if occurrence == 0 { kind.as_str().to_string() } else { format!("{}-{}", kind.as_str(), occurrence + 1) };
        Sampling { seed, prefix }
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
    if param.is_axis() {
        let (what, how) = if param.is_fidelity() { ("fidelity", "study.run_with(MultiFidelityOptions::default(), f)") } else { ("model size", "study.run_with(ScaleOptions::to(size), f)") };
        return Err(Error::Design {
            message: format!("{design} cannot vary `{}`: it is the study's {what}, which designs leave alone; {how} runs every config at each of its levels", param.name()),
        });
    }
    param.level_list().ok_or_else(|| Error::Design {
        message: format!(
            "{design} needs levels for param `{}`: add .levels([...]) to it",
            param.name()
        ),
    })
}
