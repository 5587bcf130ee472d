//! A validated study: every configuration and every (configuration, seed) trial, in a fixed
//! order, with stable ids. A [`Plan`] is built by [`Study::plan`](crate::Study::plan) (or
//! rebuilt from the spec stored in a run directory) and read by everything downstream:
//! executors, the store, results and analyses. It imports nothing above it.

use std::collections::HashMap;
use std::sync::Arc;

use crate::design::DesignKind;
use crate::error::{Error, Result};
use crate::space::{Config, Param};
use crate::trial::{MetricSpec, Trial, TrialId};

/// A configuration chosen by a design, before seeds are attached.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedConfig {
    config: Config,
    design: DesignKind,
    label: Option<String>,
}

impl PlannedConfig {
    /// The full configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Which design produced it (the first one, when several designs produced it).
    pub fn design(&self) -> DesignKind {
        self.design
    }

    /// An explicit label (custom configs, add-one-in's starting point), if any.
    pub fn label(&self) -> Option<&str> {
        self.label.as_deref()
    }
}

/// One trial to run: which config, which replicate, which seed, and its id.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedTrial {
    id: TrialId,
    config_index: usize,
    replicate: u32,
    seed: u64,
}

impl PlannedTrial {
    /// The stable id.
    pub fn id(&self) -> &TrialId {
        &self.id
    }

    /// Index into [`Plan::configs`].
    pub fn config_index(&self) -> usize {
        self.config_index
    }

    /// 0-based replicate index.
    pub fn replicate(&self) -> u32 {
        self.replicate
    }

    /// The derived seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }
}

/// The parts of a plan, as the study hands them over after validating them.
pub(crate) struct PlanParts {
    pub name: String,
    pub params: Vec<Param>,
    pub metrics: Vec<MetricSpec>,
    pub baseline: Config,
    pub seeds: Vec<u64>,
    pub code_version: Option<String>,
    pub grids: Vec<Vec<String>>,
}

/// A validated study: every configuration and every trial, in a fixed order
/// (baseline first, then designs in the order given; replicates innermost).
#[derive(Debug, Clone)]
pub struct Plan {
    name: String,
    params: Arc<Vec<Param>>,
    metrics: Vec<MetricSpec>,
    baseline: Config,
    configs: Vec<PlannedConfig>,
    seeds: Vec<u64>,
    trials: Vec<PlannedTrial>,
    code_version: Option<String>,
    grids: Vec<Vec<String>>,
    config_arcs: Vec<Arc<Config>>,
    /// Canonical bytes of each configuration → its index (built while deduplicating).
    config_lookup: HashMap<Vec<u8>, usize>,
    /// Trial id → index into `trials`.
    trial_lookup: HashMap<TrialId, usize>,
}

impl Plan {
    /// Builds the plan from validated parts and the designs' configurations, merging
    /// identical configurations (the first design that produced one names it).
    pub(crate) fn build(parts: PlanParts, designed: impl IntoIterator<Item = (Config, DesignKind, Option<String>)>) -> Result<Plan> {
        let PlanParts { name, params, metrics, baseline, seeds, code_version, grids } = parts;
        let mut configs = vec![PlannedConfig { config: baseline.clone(), design: DesignKind::Baseline, label: None }];
        let mut config_lookup = HashMap::from([(canonical_bytes(&baseline), 0)]);
        for (config, design, label) in designed {
            if let std::collections::hash_map::Entry::Vacant(slot) = config_lookup.entry(canonical_bytes(&config)) {
                slot.insert(configs.len());
                configs.push(PlannedConfig { config, design, label });
            }
        }
        let total = configs.len().checked_mul(seeds.len()).filter(|&n| n <= MAX_TRIALS).ok_or_else(|| Error::Invalid {
            message: format!(
                "the study has {} configs × {} seeds, more than the {MAX_TRIALS} trials one study can hold: use fewer levels or seeds, or split it into several studies",
                configs.len(),
                seeds.len()
            ),
        })?;
        let config_arcs: Vec<Arc<Config>> = configs.iter().map(|c| Arc::new(c.config.clone())).collect();
        let mut trials = Vec::with_capacity(total);
        let mut trial_lookup = HashMap::with_capacity(total);
        for (config_index, config) in config_arcs.iter().enumerate() {
            for (replicate, &seed) in seeds.iter().enumerate() {
                let id = TrialId::compute(config, seed, code_version.as_deref());
                trial_lookup.insert(id.clone(), trials.len());
                trials.push(PlannedTrial { id, config_index, replicate: replicate as u32, seed });
            }
        }
        Ok(Plan {
            name,
            params: Arc::new(params),
            metrics,
            baseline,
            configs,
            seeds,
            trials,
            code_version,
            grids,
            config_arcs,
            config_lookup,
            trial_lookup,
        })
    }

    /// The study's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The parameters.
    pub fn params(&self) -> &[Param] {
        &self.params
    }

    /// Declared metrics; the primary one first.
    pub fn metrics(&self) -> &[MetricSpec] {
        &self.metrics
    }

    /// The primary metric.
    pub fn primary(&self) -> &MetricSpec {
        &self.metrics[0]
    }

    /// The baseline configuration.
    pub fn baseline(&self) -> &Config {
        &self.baseline
    }

    /// Distinct configurations; index 0 is the baseline.
    pub fn configs(&self) -> &[PlannedConfig] {
        &self.configs
    }

    /// The seed of each replicate.
    pub fn seeds(&self) -> &[u64] {
        &self.seeds
    }

    /// Every (config, seed) trial.
    pub fn trials(&self) -> &[PlannedTrial] {
        &self.trials
    }

    /// The code version folded into trial ids.
    pub fn code_version(&self) -> Option<&str> {
        self.code_version.as_deref()
    }

    /// The parameter lists of the study's grid designs, in the order given.
    pub fn grids(&self) -> &[Vec<String>] {
        &self.grids
    }

    /// Names of the parameters whose value in config `index` differs from the baseline.
    pub fn varied(&self, index: usize) -> Vec<String> {
        let config = &self.configs[index].config;
        config
            .iter()
            .filter(|(name, value)| self.baseline.get(name) != Some(*value))
            .map(|(name, _)| name.to_string())
            .collect()
    }

    /// A readable label for config `index`: "baseline", the custom label, or the changed
    /// values ("n_estimators=200", "layer_norm=removed").
    pub fn label(&self, index: usize) -> String {
        let planned = &self.configs[index];
        if index == 0 {
            return "baseline".to_string();
        }
        if let Some(label) = &planned.label {
            return label.clone();
        }
        change_label(&self.params, &self.baseline, &planned.config)
    }

    /// The index of the configuration equal to `config`, if the plan has it.
    pub fn config_index(&self, config: &Config) -> Option<usize> {
        self.config_lookup.get(&canonical_bytes(config)).copied()
    }

    /// The index into [`Plan::trials`] of the trial with this id, if the plan has it.
    pub fn trial_index(&self, id: &TrialId) -> Option<usize> {
        self.trial_lookup.get(id).copied()
    }

    /// The parameter named `name`.
    pub fn param(&self, name: &str) -> Result<&Param> {
        crate::design::find_param(&self.params, name, "this analysis")
    }

    /// The [`Trial`] value an objective receives for `t`.
    pub fn trial(&self, t: &PlannedTrial) -> Trial {
        Trial {
            id: t.id.clone(),
            config: Arc::clone(&self.config_arcs[t.config_index]),
            params: Arc::clone(&self.params),
            seed: t.seed,
            replicate: t.replicate,
        }
    }
}

/// The most trials one study may plan: beyond this a plan would not fit in memory
/// (each trial costs a few hundred bytes in the plan and the results).
pub const MAX_TRIALS: usize = 10_000_000;

/// The values of `config` that differ from `baseline`, as a label: "n_estimators=200",
/// "layer_norm=removed, lr=0.1" (parameters in name order).
pub(crate) fn change_label(params: &[Param], baseline: &Config, config: &Config) -> String {
    let parts: Vec<String> = config
        .iter()
        .filter(|(name, value)| baseline.get(name) != Some(*value))
        .filter_map(|(name, value)| {
            let param = params.iter().find(|p| p.name() == name)?;
            Some(format!("{name}={}", param.format_value(value)))
        })
        .collect();
    parts.join(", ")
}

pub(crate) fn canonical_bytes(config: &Config) -> Vec<u8> {
    let mut bytes = Vec::new();
    config.canonical(&mut bytes);
    bytes
}
