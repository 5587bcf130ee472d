//! A validated study: every configuration and every (configuration, seed) trial, in a fixed
//! order, with stable ids. A [`Plan`] is built by [`Study::plan`](crate::Study::plan) (or
//! rebuilt from the spec stored in a run directory) and read by everything downstream:
//! executors, the store, results and analyses. It imports nothing above it.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use crate::design::DesignKind;
use crate::error::{Error, Result};
use crate::space::{Config, Param};
use crate::spec::RoundLink;
use crate::stats::{SequentialPlan, SequentialRule};
use crate::trial::{MetricSpec, Trial, TrialId};

/// A configuration chosen by a design, before seeds are attached.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedConfig {
    config: Config,
    design: DesignKind,
    label: Option<String>,
    replicates: usize,
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

    /// An explicit label (custom configs, add-one-in's starting point, `sobol#3`), if any.
    pub fn label(&self) -> Option<&str> {
        self.label.as_deref()
    }

    /// How many seeds it runs with: the first this many of [`Plan::seeds`]. Every seed,
    /// except for configs only a random or sobol design produced when the study sets
    /// [`seeds_per_sample`](crate::Study::seeds_per_sample).
    pub fn replicates(&self) -> usize {
        self.replicates
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
    /// Seeds of the configs only sampled designs produced (`None`: all).
    pub seeds_per_sample: Option<usize>,
    pub code_version: Option<String>,
    pub grids: Vec<Vec<String>>,
    pub round: Option<RoundLink>,
    pub sequential: Option<SequentialPlan>,
}

/// A validated study: every configuration and every trial, in a fixed order
/// (baseline first, then designs in the order given; replicates innermost). Every config
/// runs with the first [`PlannedConfig::replicates`] seeds: all of them, or fewer for
/// sampled configs when the study sets `seeds_per_sample`.
#[derive(Debug, Clone)]
pub struct Plan {
    name: String,
    params: Arc<Vec<Param>>,
    metrics: Vec<MetricSpec>,
    baseline: Config,
    configs: Vec<PlannedConfig>,
    seeds: Vec<u64>,
    seeds_per_sample: Option<usize>,
    trials: Vec<PlannedTrial>,
    code_version: Option<String>,
    grids: Vec<Vec<String>>,
    round: Option<RoundLink>,
    sequential: Option<SequentialPlan>,
    /// The rule of adaptive seeds for every comparison, computed on first use (its t
    /// calibration takes ~50 ms per Holm level) and kept.
    sequential_rule: OnceLock<SequentialRule>,
    config_arcs: Vec<Arc<Config>>,
    /// Canonical bytes of each configuration → its index (built while deduplicating).
    config_lookup: HashMap<Vec<u8>, usize>,
    /// Trial id → index into `trials`.
    trial_lookup: HashMap<TrialId, usize>,
}

impl Plan {
    /// Builds the plan from validated parts and the designs' configurations, merging
    /// identical configurations (the first design that produced one names it; it runs with
    /// the most seeds any of them asks for).
    pub(crate) fn build(parts: PlanParts, designed: impl IntoIterator<Item = (Config, DesignKind, Option<String>)>) -> Result<Plan> {
        let PlanParts { name, params, metrics, baseline, seeds, seeds_per_sample, code_version, grids, round, sequential } = parts;
        let all = seeds.len();
        let replicates_of = |design: DesignKind| if design.is_sampled() { seeds_per_sample.map_or(all, |k| k.min(all)) } else { all };
        let mut configs = vec![PlannedConfig { config: baseline.clone(), design: DesignKind::Baseline, label: None, replicates: all }];
        let mut config_lookup = HashMap::from([(canonical_bytes(&baseline), 0)]);
        for (config, design, label) in designed {
            match config_lookup.entry(canonical_bytes(&config)) {
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(configs.len());
                    configs.push(PlannedConfig { config, design, label, replicates: replicates_of(design) });
                }
                std::collections::hash_map::Entry::Occupied(slot) => {
                    let existing = &mut configs[*slot.get()];
                    existing.replicates = existing.replicates.max(replicates_of(design));
                }
            }
        }
        let total = configs
            .iter()
            .try_fold(0usize, |sum, c| sum.checked_add(c.replicates))
            .filter(|&n| n <= MAX_TRIALS)
            .ok_or_else(|| Error::Invalid {
                message: format!(
                    "the study has {} configs × up to {} seeds, more than the {MAX_TRIALS} trials one study can hold: use fewer levels, samples or seeds, or split it into several studies",
                    configs.len(),
                    seeds.len()
                ),
            })?;
        let config_arcs: Vec<Arc<Config>> = configs.iter().map(|c| Arc::new(c.config.clone())).collect();
        let mut trials = Vec::with_capacity(total);
        let mut trial_lookup = HashMap::with_capacity(total);
        for (config_index, config) in config_arcs.iter().enumerate() {
            for (replicate, &seed) in seeds[..configs[config_index].replicates].iter().enumerate() {
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
            seeds_per_sample,
            trials,
            code_version,
            grids,
            round,
            sequential,
            sequential_rule: OnceLock::new(),
            config_arcs,
            config_lookup,
            trial_lookup,
        })
    }

    /// The study's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Which round this plan's study is, when it came from
    /// [`Study::next_round`](crate::Study::next_round).
    pub fn round(&self) -> Option<&RoundLink> {
        self.round.as_ref()
    }

    /// The sequential plan of adaptive seeds ([`Study::seeds_adaptive`](crate::Study::seeds_adaptive)):
    /// `None` when every config runs every seed.
    pub fn sequential(&self) -> Option<&SequentialPlan> {
        self.sequential.as_ref()
    }

    /// The decision rule of adaptive seeds for every non-baseline config against the
    /// baseline, computed once per plan; `None` when seeds are fixed or there is nothing to
    /// compare.
    pub fn sequential_rule(&self) -> Result<Option<&SequentialRule>> {
        let Some(sequential) = &self.sequential else { return Ok(None) };
        let comparisons = self.configs.len().saturating_sub(1);
        if comparisons == 0 {
            return Ok(None);
        }
        if self.sequential_rule.get().is_none() {
            // Two threads may both compute it; the rule is deterministic, either copy serves.
            let _ = self.sequential_rule.set(sequential.rule(comparisons)?);
        }
        Ok(self.sequential_rule.get())
    }

    /// Whether a design spreads configs over the space (random or sobol samples, or a grid):
    /// what an importance analysis needs.
    pub fn spans_space(&self) -> bool {
        self.configs.iter().any(|c| c.design.is_sampled()) || !self.grids.is_empty()
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

    /// The seed of each replicate. Every config runs with a prefix of this list (all of
    /// it unless [`PlannedConfig::replicates`] says fewer): see [`Plan::seeds_of`].
    pub fn seeds(&self) -> &[u64] {
        &self.seeds
    }

    /// The seeds config `index` runs with: the first [`PlannedConfig::replicates`] of
    /// [`Plan::seeds`].
    pub fn seeds_of(&self, index: usize) -> &[u64] {
        &self.seeds[..self.configs[index].replicates]
    }

    /// The seeds each config that only random or sobol designs produced runs with, when the
    /// study limits them (`seeds_per_sample`); `None`: every config runs with every seed.
    pub fn seeds_per_sample(&self) -> Option<usize> {
        self.seeds_per_sample
    }

    /// Whether every config runs with every seed (false when some sampled configs run with
    /// fewer, see [`Plan::seeds_per_sample`]).
    pub fn all_configs_have_all_seeds(&self) -> bool {
        self.configs.iter().all(|c| c.replicates == self.seeds.len())
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
            reports: Default::default(),
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
