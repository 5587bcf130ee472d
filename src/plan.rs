//! A validated study: every configuration and every (configuration, seed) trial, in a fixed
//! order, with stable ids. [`Plan::from_spec`] is the one validator: every check of a study
//! (names, metrics, seeds, designs, adaptive seeds) happens there, once, whether the
//! [`StudySpec`] came from the [`Study`](crate::Study) builder, a study file or a run
//! directory. Everything downstream reads the plan: backends, the store, results and
//! analyses. It imports nothing above the model (space, trial, design, spec).

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use crate::design::{Design, DesignKind};
use crate::error::{Error, Result};
use crate::space::{validate_name, Config, Param, Value};
use crate::spec::{AdaptiveSeeds, RoundLink, SeedsSpec, StudySpec};
use crate::stats::{SequentialPlan, SequentialRule};
use crate::trial::{replicate_seed, MetricSpec, Trial, TrialId};

pub use crate::design::MAX_TRIALS;

/// Names of the fixed columns of the results frame; parameters and metrics may not use them.
pub const RESERVED_COLUMNS: &[&str] = &[
    "trial_id", "config", "design", "varied", "replicate", "seed", "status", "error", "attempt",
    "duration_s", "started_at",
];

/// The most seeds a study may repeat each configuration with.
pub const MAX_SEEDS: u32 = 10_000;

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

/// The parts of a plan, validated by [`Plan::from_spec`].
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
    /// Validates `spec` and lists every configuration and trial: the one place a study is
    /// checked. Errors say what to change (a duplicate or reserved name, an unknown metric,
    /// a design naming an unknown param, seeds out of range, adaptive settings without
    /// adaptive seeds, ...).
    pub fn from_spec(spec: &StudySpec) -> Result<Plan> {
        if spec.name.trim().is_empty() {
            return Err(Error::InvalidName { name: spec.name.clone(), why: "a study needs a non-empty name" });
        }
        let params = spec.params.iter().map(|p| p.to_param()).collect::<Result<Vec<Param>>>()?;
        check_params(&params)?;
        let metrics = check_metrics(spec, &params)?;
        let seeds = seed_values(&spec.seeds, spec.study_seed)?;
        let mut baseline = Config::new();
        for p in &params {
            baseline.set(p.name(), p.baseline().clone());
        }
        let designs = effective_designs(spec, &params)?;
        let seeds_per_sample = check_seeds_per_sample(spec.seeds_per_sample, &designs, seeds.len())?;
        let sequential = check_adaptive(spec.adaptive.as_ref(), seeds.len(), seeds_per_sample.is_some())?;
        let grids = designs
            .iter()
            .filter_map(|d| match d {
                Design::Grid { params } => Some(params.clone()),
                _ => None,
            })
            .collect();
        let designed = Design::expand_all(&designs, &params, &baseline, spec.study_seed)?;
        let parts = PlanParts {
            name: spec.name.clone(),
            params,
            metrics,
            baseline,
            seeds,
            seeds_per_sample,
            code_version: spec.code_version.clone(),
            grids,
            round: spec.round.clone(),
            sequential,
        };
        Plan::build(parts, designed)
    }

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
            devices: Vec::new(),
        }
    }
}

fn check_params(params: &[Param]) -> Result<()> {
    for (i, p) in params.iter().enumerate() {
        if params[..i].iter().any(|q| q.name() == p.name()) {
            return Err(Error::DuplicateParam { name: p.name().to_string() });
        }
        if RESERVED_COLUMNS.contains(&p.name()) {
            return Err(Error::InvalidName {
                name: p.name().to_string(),
                why: "it is the name of a fixed results column; rename the param",
            });
        }
        p.validate()?;
    }
    Ok(())
}

/// The declared metrics, primary first.
fn check_metrics(spec: &StudySpec, params: &[Param]) -> Result<Vec<MetricSpec>> {
    if spec.metrics.is_empty() {
        return Err(Error::NoMetrics);
    }
    let mut metrics: Vec<MetricSpec> = spec.metrics.iter().map(|m| MetricSpec { name: m.name.clone(), direction: m.direction() }).collect();
    for (i, m) in metrics.iter().enumerate() {
        validate_name(&m.name)?;
        if metrics[..i].iter().any(|o| o.name == m.name) {
            return Err(Error::DuplicateMetric { metric: m.name.clone() });
        }
        if RESERVED_COLUMNS.contains(&m.name.as_str()) || params.iter().any(|p| p.name() == m.name) {
            return Err(Error::InvalidName {
                name: m.name.clone(),
                why: "a metric may not share its name with a param or a fixed results column",
            });
        }
    }
    if let Some(primary) = &spec.primary {
        let pos = metrics.iter().position(|m| &m.name == primary).ok_or_else(|| Error::UnknownMetric {
            metric: primary.clone(),
            declared: metrics.iter().map(|m| m.name.clone()).collect(),
        })?;
        let p = metrics.remove(pos);
        metrics.insert(0, p);
    }
    Ok(metrics)
}

fn seed_values(seeds: &SeedsSpec, study_seed: u64) -> Result<Vec<u64>> {
    let seeds = match seeds {
        SeedsSpec::Count(0) => return Err(Error::ZeroSeeds),
        SeedsSpec::Count(k) if *k > MAX_SEEDS => {
            return Err(Error::Invalid {
                message: format!("the study asks for {k} seeds, more than the {MAX_SEEDS} ablate allows: 5–30 seeds detect any effect worth knowing about (results.significance() says how many seeds each comparison needs for 80% power)"),
            });
        }
        SeedsSpec::Count(k) => (0..*k).map(|r| replicate_seed(study_seed, r)).collect(),
        SeedsSpec::List(list) if list.is_empty() => return Err(Error::ZeroSeeds),
        SeedsSpec::List(list) => list.clone(),
    };
    let mut sorted: Vec<u64> = seeds.clone();
    sorted.sort_unstable();
    if sorted.windows(2).any(|w| w[0] == w[1]) {
        return Err(Error::Invalid { message: "the seed list repeats a seed: give distinct seeds".into() });
    }
    Ok(seeds)
}

/// `seeds_per_sample` as a count, checked against the seeds and the designs.
fn check_seeds_per_sample(per_sample: Option<u32>, designs: &[Design], seeds: usize) -> Result<Option<usize>> {
    let Some(k) = per_sample else { return Ok(None) };
    let k = k as usize;
    if !designs.iter().any(|d| d.kind().is_sampled()) {
        return Err(Error::Design {
            message: format!("seeds_per_sample = {k} applies to random and sobol designs, and the study has neither: add .random(n) or .sobol(n), or remove seeds_per_sample"),
        });
    }
    if k == 0 || k > seeds {
        return Err(Error::Design {
            message: format!("seeds_per_sample = {k}, but the study has {seeds} seeds: give 1 to {seeds} (or raise the study's seeds)"),
        });
    }
    Ok(Some(k))
}

/// The sequential plan of adaptive seeds, checked against the study's seeds.
fn check_adaptive(adaptive: Option<&AdaptiveSeeds>, seeds: usize, per_sample: bool) -> Result<Option<SequentialPlan>> {
    let Some(adaptive) = adaptive else { return Ok(None) };
    let Some(min) = adaptive.min else {
        let stray = [
            adaptive.equivalence_margin.map(|v| format!("equivalence_margin = {v}")),
            adaptive.futility.map(|v| format!("futility = {v}")),
            adaptive.spending.map(|v| format!("spending = {}", v.label())),
        ];
        return match stray.into_iter().flatten().next() {
            Some(what) => Err(Error::Invalid { message: format!("{what} applies to adaptive seeds: add .seeds_adaptive(min, max) (or [adaptive] min = 3 in a study file), or remove it") }),
            None => Ok(None),
        };
    };
    if per_sample {
        return Err(Error::Invalid { message: "adaptive seeds and seeds_per_sample both decide how many seeds a config gets: keep one".into() });
    }
    let invalid = |e: crate::stats::StatsError| Error::Invalid { message: format!("adaptive seeds: {e}") };
    let mut plan = SequentialPlan::new(min as usize, seeds, 0.05).map_err(invalid)?.with_spending(adaptive.spending.unwrap_or_default());
    if let Some(margin) = adaptive.equivalence_margin {
        plan = plan.with_margin(margin).map_err(invalid)?;
    }
    let floor = adaptive.futility.unwrap_or(crate::stats::DEFAULT_FUTILITY);
    if floor != 0.0 {
        plan = plan.with_futility(floor).map_err(invalid)?;
    }
    Ok(Some(plan))
}

/// The spec's designs, typed; none given: OFAT over params with levels and leave-one-out
/// over enabled components.
fn effective_designs(spec: &StudySpec, params: &[Param]) -> Result<Vec<Design>> {
    if !spec.designs.is_empty() {
        return spec.designs.iter().map(|d| d.to_design(params)).collect();
    }
    let mut designs = Vec::new();
    if params.iter().any(|p| p.level_list().is_some()) {
        designs.push(Design::Ofat { params: None });
    }
    if params.iter().any(|p| p.is_component() && *p.baseline() == Value::Bool(true)) {
        designs.push(Design::LeaveOneOut { components: None });
    }
    Ok(designs)
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Study;

    fn forest() -> Study {
        Study::new("wine")
            .param(Param::int("n_estimators", 100).levels([50, 100, 200, 300]))
            .param(Param::float("feature_fraction", 0.5).levels([0.3, 0.5]))
            .seeds(3)
            .maximize("accuracy")
    }

    #[test]
    fn ofat_runs_baseline_once() {
        let plan = forest().plan().unwrap();
        // baseline + 3 other n_estimators + 1 other feature_fraction
        assert_eq!(plan.configs().len(), 5);
        assert_eq!(plan.trials().len(), 15);
        assert_eq!(plan.configs()[0].design(), "baseline");
    }

    #[test]
    fn designs_deduplicate() {
        let plan = forest().ofat().grid(["n_estimators", "feature_fraction"]).plan().unwrap();
        // grid has 8 cells, of which baseline and the 4 OFAT ones already exist
        assert_eq!(plan.configs().len(), 8);
        let ids: std::collections::HashSet<_> = plan.trials().iter().map(|t| t.id().clone()).collect();
        assert_eq!(ids.len(), plan.trials().len());
    }

    #[test]
    fn same_seeds_for_every_config() {
        let plan = forest().plan().unwrap();
        for c in 0..plan.configs().len() {
            let seeds: Vec<u64> = plan.trials().iter().filter(|t| t.config_index() == c).map(|t| t.seed()).collect();
            assert_eq!(seeds, plan.seeds());
        }
    }

    #[test]
    fn components() {
        let s = Study::new("mlp")
            .param(Param::component("layer_norm"))
            .param(Param::component("residual"))
            .param(Param::float("lr", 0.01))
            .maximize("acc")
            .leave_one_out()
            .add_one_in();
        let plan = s.plan().unwrap();
        // baseline, -ln, -res, none (both removed), only ln (= -res), only res (= -ln)
        assert_eq!(plan.configs().len(), 4);
        assert_eq!(plan.configs()[3].label(), Some("all components removed"));
    }

    /// lr (log bounds), width (int bounds), optimizer (categorical), norm (component),
    /// momentum (levels only) and a fixed param.
    fn space() -> Study {
        Study::new("space")
            .param(Param::float("lr", 0.01).log().bounds(1e-4, 1.0).levels([0.001, 0.1]))
            .param(Param::int("width", 32).bounds(8.0, 128.0))
            .param(Param::categorical("optimizer", ["sgd", "adam", "rmsprop"], "adam"))
            .param(Param::component("norm"))
            .param(Param::float("momentum", 0.9).levels([0.0, 0.5, 0.9]))
            .param(Param::float("fixed", 3.0))
            .seeds(4)
            .maximize("acc")
    }

    fn sampled_configs(plan: &Plan) -> Vec<Config> {
        plan.configs().iter().filter(|c| c.design().is_sampled()).map(|c| c.config().clone()).collect()
    }

    #[test]
    fn sampled_designs_are_reproducible_from_the_study_seed() {
        let a = space().sobol(16).random(16).plan().unwrap();
        let b = space().sobol(16).random(16).plan().unwrap();
        assert_eq!(sampled_configs(&a).len(), 32);
        assert_eq!(a.trials(), b.trials(), "planning again gives the same trials");
        let other = space().study_seed(1).sobol(16).random(16).plan().unwrap();
        assert_ne!(sampled_configs(&a), sampled_configs(&other));
        // another design before it, or more points after, leave the sobol points as they were
        let with_ofat = space().ofat().sobol(16).random(16).plan().unwrap();
        assert_eq!(sampled_configs(&a), sampled_configs(&with_ofat));
        let longer = space().sobol(32).plan().unwrap();
        assert_eq!(sampled_configs(&longer)[..16], sampled_configs(&a)[..16]);
        // random and sobol points differ, and so do a second sobol design's
        let two = space().sobol(16).sobol(16).plan().unwrap();
        assert_eq!(sampled_configs(&two).len(), 32);
        assert_eq!(two.label(1), "sobol#0");
        assert_eq!(two.label(17), "sobol-2#0");
        assert_eq!(a.configs()[17].design(), "random");
        assert_eq!(a.label(17), "random#0");
    }

    #[test]
    fn sampled_values_follow_the_rules() {
        let plan = space().sobol(64).plan().unwrap();
        let configs = sampled_configs(&plan);
        assert_eq!(configs.len(), 64);
        let mut optimizers = std::collections::BTreeMap::new();
        let (mut norm_on, mut low_lr) = (0, 0);
        for c in &configs {
            let lr = c.get("lr").and_then(Value::as_f64).unwrap();
            assert!((1e-4..=1.0).contains(&lr));
            low_lr += usize::from(lr < 0.01);
            assert!(matches!(c.get("width"), Some(Value::Int(w)) if (8..=128).contains(w)));
            *optimizers.entry(c.get("optimizer").unwrap().to_string()).or_insert(0) += 1;
            norm_on += usize::from(c.get("norm") == Some(&Value::Bool(true)));
            assert!([0.0, 0.5, 0.9].contains(&c.get("momentum").and_then(Value::as_f64).unwrap()));
            assert_eq!(c.get("fixed"), Some(&Value::Float(3.0)), "a param without bounds or levels stays at baseline");
        }
        assert_eq!(low_lr, 32, "half the points below the geometric middle of [1e-4, 1]");
        assert_eq!(norm_on, 32);
        assert_eq!(optimizers.len(), 3);
        assert!(optimizers.values().all(|&n| (21..=22).contains(&n)), "{optimizers:?}");
    }

    #[test]
    fn sampled_configs_deduplicate_with_other_designs() {
        // 2 × 2 × 2 configs in all: samples repeat, and meet the grid's and OFAT's
        let small = Study::new("small")
            .param(Param::int("a", 1).levels([1, 2]))
            .param(Param::categorical("b", ["x", "y"], "x"))
            .param(Param::component("c"))
            .seeds(3)
            .maximize("acc");
        let plan = small.clone().ofat().random(40).sobol(16).plan().unwrap();
        assert_eq!(plan.configs().len(), 8);
        let distinct: std::collections::HashSet<Vec<u8>> = plan.configs().iter().map(|c| crate::plan::canonical_bytes(c.config())).collect();
        assert_eq!(distinct.len(), 8);
        assert_eq!(plan.configs()[1].design(), "ofat", "the first design that produced a config names it");
        // seeds_per_sample: a config only sampled designs produced runs with the first k
        // seeds; one another design also produced keeps all of them
        let plan = small.ofat().random(40).seeds_per_sample(1).plan().unwrap();
        for (c, planned) in plan.configs().iter().enumerate() {
            let want = if planned.design().is_sampled() { 1 } else { 3 };
            assert_eq!(planned.replicates(), want, "{}", plan.label(c));
            let seeds: Vec<u64> = plan.trials().iter().filter(|t| t.config_index() == c).map(|t| t.seed()).collect();
            assert_eq!(seeds, plan.seeds_of(c));
            assert_eq!(seeds, plan.seeds()[..want]);
        }
        assert!(!plan.all_configs_have_all_seeds());
        assert_eq!(plan.seeds_per_sample(), Some(1));
        let sampled_first = Study::new("s").param(Param::int("a", 1).levels([1, 2])).seeds(3).maximize("acc").random(10).ofat();
        let plan = sampled_first.seeds_per_sample(2).plan().unwrap();
        assert_eq!(plan.configs().len(), 2);
        assert_eq!((plan.configs()[1].design(), plan.configs()[1].replicates()), (DesignKind::Random, 3), "OFAT asked for all seeds");
    }

    #[test]
    fn sampled_designs_explain_their_mistakes() {
        let fixed = Study::new("f").param(Param::float("lr", 0.1)).param(Param::int("n", 3)).maximize("acc");
        let e = fixed.clone().sobol(8).plan().unwrap_err().to_string();
        assert!(e.contains("sobol design") && e.contains("`lr`, `n`") && e.contains(".bounds(low, high)"), "{e}");
        let e = fixed.clone().random(8).plan().unwrap_err().to_string();
        assert!(e.contains("random design"), "{e}");
        let e = space().sobol(0).plan().unwrap_err().to_string();
        assert!(e.contains("0 samples"), "{e}");
        let e = space().sobol(8).seeds_per_sample(5).plan().unwrap_err().to_string();
        assert!(e.contains("seeds_per_sample = 5") && e.contains("4 seeds"), "{e}");
        let e = space().sobol(8).seeds_per_sample(0).plan().unwrap_err().to_string();
        assert!(e.contains("1 to 4"), "{e}");
        let e = space().ofat().seeds_per_sample(2).plan().unwrap_err().to_string();
        assert!(e.contains("random and sobol designs") && e.contains("has neither"), "{e}");
        let wide = (0..65).fold(Study::new("w").maximize("acc"), |s, i| s.param(Param::float(&format!("x{i}"), 0.5).bounds(0.0, 1.0)));
        let e = wide.clone().sobol(8).plan().unwrap_err().to_string();
        assert!(e.contains("1 to 64") && e.contains("65") && e.contains("random design"), "{e}");
        assert_eq!(wide.random(8).plan().unwrap().configs().len(), 9);
    }

    #[test]
    fn errors() {
        let zero = forest().seeds(0).plan().unwrap_err();
        assert!(matches!(zero, Error::ZeroSeeds), "{zero}");
        let dup = forest().param(Param::int("n_estimators", 1)).plan().unwrap_err();
        assert!(matches!(dup, Error::DuplicateParam { .. }));
        let unknown = forest().grid(["n_estimators", "depth"]).plan().unwrap_err();
        assert!(unknown.to_string().contains("`depth`"), "{unknown}");
        let no_metric = Study::new("x").param(Param::int("a", 1).levels([1, 2])).plan().unwrap_err();
        assert!(matches!(no_metric, Error::NoMetrics));
        let reserved = forest().param(Param::int("seed", 1)).plan().unwrap_err();
        assert!(matches!(reserved, Error::InvalidName { .. }));
        let one_axis_grid = forest().grid(["n_estimators"]).plan().unwrap_err();
        assert!(one_axis_grid.to_string().contains("two or more"));
    }
}
