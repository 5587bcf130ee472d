//! The study: a parameter space with its baseline, the designs to run, seeds, metrics and
//! where to keep results. [`Study::plan`] validates it and lists every trial;
//! [`Study::run`] executes them.

use std::path::PathBuf;
use std::sync::Arc;

use crate::design::{Design, PlannedConfig};
use crate::error::{Error, Result};
use crate::results::Results;
use crate::space::{validate_name, Config, Param, Value};
use crate::trial::{replicate_seed, Direction, MetricSpec, Trial, TrialId, TrialResult};

/// Names of the fixed columns of the results frame; parameters and metrics may not use them.
pub const RESERVED_COLUMNS: &[&str] = &[
    "trial_id", "config", "design", "varied", "replicate", "seed", "status", "error", "attempt",
    "duration_s", "started_at",
];

/// Where a study keeps its journal and results.
#[derive(Debug, Clone, PartialEq)]
pub enum StoreLocation {
    /// `runs/<study name>/` under the current directory.
    Default,
    /// A directory of the user's choice.
    Dir(PathBuf),
    /// Nothing on disk (tests, quick experiments): a rerun recomputes everything.
    Memory,
}

/// How progress is reported while trials run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressMode {
    /// A progress bar when stderr is a terminal, otherwise a short line per batch.
    Auto,
    /// One short line per finished batch (at most every few seconds).
    Lines,
    /// Nothing.
    Off,
}

/// The seeds every configuration is repeated with.
#[derive(Debug, Clone, PartialEq)]
enum Seeds {
    Count(u32),
    List(Vec<u64>),
}

/// An ablation study. Build it with chained calls, then [`run`](Study::run) it.
///
/// With no design given, the study runs one-factor-at-a-time over every parameter that has
/// levels, and leave-one-out over every component enabled in the baseline.
#[derive(Debug, Clone)]
pub struct Study {
    name: String,
    params: Vec<Param>,
    designs: Vec<Design>,
    seeds: Seeds,
    study_seed: u64,
    metrics: Vec<MetricSpec>,
    primary: Option<String>,
    pub(crate) workers: Option<usize>,
    pub(crate) store: StoreLocation,
    pub(crate) retries: u32,
    code_version: Option<String>,
    pub(crate) progress: ProgressMode,
}

/// One trial to run: which config, which replicate, which seed, and its id.
#[derive(Debug, Clone)]
pub struct PlannedTrial {
    /// The stable id.
    pub id: TrialId,
    /// Index into [`Plan::configs`].
    pub config_index: usize,
    /// 0-based replicate index.
    pub replicate: u32,
    /// The derived seed.
    pub seed: u64,
}

/// A validated study: every configuration and every trial, in a fixed order
/// (baseline first, then designs in the order given; replicates innermost).
#[derive(Debug, Clone)]
pub struct Plan {
    /// The study's name.
    pub name: String,
    /// The parameters (shared with every [`Trial`]).
    pub params: Arc<Vec<Param>>,
    /// Declared metrics; the primary one first.
    pub metrics: Vec<MetricSpec>,
    /// The baseline configuration.
    pub baseline: Config,
    /// Distinct configurations; index 0 is the baseline.
    pub configs: Vec<PlannedConfig>,
    /// The seed of each replicate.
    pub seeds: Vec<u64>,
    /// Every (config, seed) trial.
    pub trials: Vec<PlannedTrial>,
    /// The code version folded into trial ids.
    pub code_version: Option<String>,
    /// The parameter lists of the study's grid designs, in the order given.
    pub grids: Vec<Vec<String>>,
    pub(crate) config_arcs: Vec<Arc<Config>>,
    /// Canonical bytes of each configuration → its index (built while deduplicating).
    config_lookup: std::collections::HashMap<Vec<u8>, usize>,
}

impl Plan {
    /// The primary metric.
    pub fn primary(&self) -> &MetricSpec {
        &self.metrics[0]
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
        let parts: Vec<String> = self
            .varied(index)
            .iter()
            .filter_map(|name| {
                let param = self.params.iter().find(|p| p.name() == name)?;
                let value = planned.config.get(name)?;
                Some(format!("{name}={}", param.format_value(value)))
            })
            .collect();
        parts.join(", ")
    }

    /// The index of the configuration equal to `config`, if the plan has it.
    pub fn config_index(&self, config: &Config) -> Option<usize> {
        self.config_lookup.get(&canonical_bytes(config)).copied()
    }

    /// The parameter named `name`.
    pub fn param(&self, name: &str) -> Result<&Param> {
        crate::design::find_param(&self.params, name, "this analysis")
    }

    /// The [`Trial`] value the trial function receives for `t`.
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

impl Study {
    /// A new study named `name` (the name of its run directory under `runs/`), with
    /// 5 seeds, study seed 0, one retry for failed trials, all cores.
    pub fn new(name: &str) -> Study {
        Study {
            name: name.to_string(),
            params: Vec::new(),
            designs: Vec::new(),
            seeds: Seeds::Count(5),
            study_seed: 0,
            metrics: Vec::new(),
            primary: None,
            workers: None,
            store: StoreLocation::Default,
            retries: 1,
            code_version: None,
            progress: ProgressMode::Auto,
        }
    }

    /// Adds a hyperparameter.
    pub fn param(mut self, param: Param) -> Study {
        self.params.push(param);
        self
    }

    /// Adds one-factor-at-a-time over every parameter that has levels.
    pub fn ofat(mut self) -> Study {
        self.designs.push(Design::Ofat { params: None });
        self
    }

    /// Adds one-factor-at-a-time over the named parameters.
    pub fn ofat_over<S: AsRef<str>>(mut self, params: impl IntoIterator<Item = S>) -> Study {
        self.designs.push(Design::Ofat { params: Some(names(params)) });
        self
    }

    /// Adds a full-factorial grid over two or more parameters' levels.
    pub fn grid<S: AsRef<str>>(mut self, params: impl IntoIterator<Item = S>) -> Study {
        self.designs.push(Design::Grid { params: names(params) });
        self
    }

    /// Adds leave-one-out over every component enabled in the baseline.
    pub fn leave_one_out(mut self) -> Study {
        self.designs.push(Design::LeaveOneOut { components: None });
        self
    }

    /// Adds add-one-in over every component: all removed, then each added back alone.
    pub fn add_one_in(mut self) -> Study {
        self.designs.push(Design::AddOneIn { components: None });
        self
    }

    /// Adds an explicit configuration: the baseline with `overrides` applied.
    pub fn config<S: AsRef<str>, V: Into<Value>>(mut self, label: &str, overrides: impl IntoIterator<Item = (S, V)>) -> Study {
        let overrides = overrides.into_iter().map(|(n, v)| (n.as_ref().to_string(), v.into())).collect();
        self.designs.push(Design::Custom { label: label.to_string(), overrides });
        self
    }

    /// Adds any [`Design`].
    pub fn design(mut self, design: Design) -> Study {
        self.designs.push(design);
        self
    }

    /// Repeats every configuration with `k` seeds derived from the study seed
    /// (see [`replicate_seed`]).
    pub fn seeds(mut self, k: u32) -> Study {
        self.seeds = Seeds::Count(k);
        self
    }

    /// Repeats every configuration with exactly these seeds.
    pub fn seed_list(mut self, seeds: impl IntoIterator<Item = u64>) -> Study {
        self.seeds = Seeds::List(seeds.into_iter().collect());
        self
    }

    /// The study seed from which replicate seeds are derived (default 0).
    pub fn study_seed(mut self, seed: u64) -> Study {
        self.study_seed = seed;
        self
    }

    /// Declares a metric where larger is better. The first declared metric is primary.
    pub fn maximize(self, metric: &str) -> Study {
        self.metric(metric, Direction::Maximize)
    }

    /// Declares a metric where smaller is better. The first declared metric is primary.
    pub fn minimize(self, metric: &str) -> Study {
        self.metric(metric, Direction::Minimize)
    }

    /// Declares a metric with its direction.
    pub fn metric(mut self, metric: &str, direction: Direction) -> Study {
        self.metrics.push(MetricSpec { name: metric.to_string(), direction });
        self
    }

    /// Chooses the primary metric (default: the first declared).
    pub fn primary(mut self, metric: &str) -> Study {
        self.primary = Some(metric.to_string());
        self
    }

    /// Number of trials run at once (default: all cores).
    pub fn workers(mut self, n: usize) -> Study {
        self.workers = Some(n);
        self
    }

    /// Keeps the journal and results in `dir` instead of `runs/<name>/`.
    pub fn run_dir(mut self, dir: impl Into<PathBuf>) -> Study {
        self.store = StoreLocation::Dir(dir.into());
        self
    }

    /// Keeps nothing on disk.
    pub fn in_memory(mut self) -> Study {
        self.store = StoreLocation::Memory;
        self
    }

    /// How many times a failed trial is retried by a later run (default 1).
    pub fn retries(mut self, n: u32) -> Study {
        self.retries = n;
        self
    }

    /// A version string for the trial code, folded into trial ids: change it when the
    /// training code changes so old results are not reused.
    pub fn code_version(mut self, version: &str) -> Study {
        self.code_version = Some(version.to_string());
        self
    }

    /// How progress is shown (default [`ProgressMode::Auto`]).
    pub fn progress(mut self, mode: ProgressMode) -> Study {
        self.progress = mode;
        self
    }

    /// The study's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The directory that holds this study's journal, or `None` in memory.
    pub fn store_dir(&self) -> Option<PathBuf> {
        match &self.store {
            StoreLocation::Default => Some(PathBuf::from("runs").join(dir_name(&self.name))),
            StoreLocation::Dir(d) => Some(d.clone()),
            StoreLocation::Memory => None,
        }
    }

    /// Validates the study and lists every configuration and trial, without running any.
    pub fn plan(&self) -> Result<Plan> {
        if self.name.trim().is_empty() {
            return Err(Error::InvalidName { name: self.name.clone(), why: "a study needs a non-empty name" });
        }
        self.check_params()?;
        let metrics = self.check_metrics()?;
        let seeds = self.seed_values()?;

        let mut baseline = Config::new();
        for p in &self.params {
            baseline.set(p.name(), p.baseline().clone());
        }
        let mut configs = vec![PlannedConfig { config: baseline.clone(), design: "baseline".into(), label: None }];
        let mut config_lookup = std::collections::HashMap::from([(canonical_bytes(&baseline), 0)]);
        let designs = self.effective_designs();
        let grids = designs
            .iter()
            .filter_map(|d| match d {
                Design::Grid { params } => Some(params.clone()),
                _ => None,
            })
            .collect();
        for design in designs {
            for planned in design.expand(&self.params, &baseline)? {
                if let std::collections::hash_map::Entry::Vacant(slot) = config_lookup.entry(canonical_bytes(&planned.config)) {
                    slot.insert(configs.len());
                    configs.push(planned);
                }
            }
        }

        let config_arcs: Vec<Arc<Config>> = configs.iter().map(|c| Arc::new(c.config.clone())).collect();
        let mut trials = Vec::with_capacity(configs.len() * seeds.len());
        for (config_index, config) in config_arcs.iter().enumerate() {
            for (replicate, &seed) in seeds.iter().enumerate() {
                trials.push(PlannedTrial {
                    id: TrialId::compute(config, seed, self.code_version.as_deref()),
                    config_index,
                    replicate: replicate as u32,
                    seed,
                });
            }
        }
        Ok(Plan {
            name: self.name.clone(),
            params: Arc::new(self.params.clone()),
            metrics,
            baseline,
            configs,
            seeds,
            trials,
            code_version: self.code_version.clone(),
            grids,
            config_arcs,
            config_lookup,
        })
    }

    /// Runs every trial not already in the run directory's journal and returns all results.
    ///
    /// Each trial runs `f` on a worker thread. A trial that panics, returns `Err`, or returns
    /// a metric set that does not match the declaration (missing, undeclared, NaN or
    /// infinite) is recorded as failed with its message; the study goes on. A trial counts
    /// as done once its record is in the journal on disk.
    pub fn run<F>(&self, f: F) -> Result<Results>
    where
        F: Fn(&Trial) -> TrialResult + Sync,
    {
        let plan = self.plan()?;
        crate::run::run_plan(self, plan, &f)
    }

    fn check_params(&self) -> Result<()> {
        for (i, p) in self.params.iter().enumerate() {
            if self.params[..i].iter().any(|q| q.name() == p.name()) {
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

    fn check_metrics(&self) -> Result<Vec<MetricSpec>> {
        if self.metrics.is_empty() {
            return Err(Error::NoMetrics);
        }
        let mut metrics = self.metrics.clone();
        for (i, m) in metrics.iter().enumerate() {
            validate_name(&m.name)?;
            if metrics[..i].iter().any(|o| o.name == m.name) {
                return Err(Error::DuplicateMetric { metric: m.name.clone() });
            }
            if RESERVED_COLUMNS.contains(&m.name.as_str()) || self.params.iter().any(|p| p.name() == m.name) {
                return Err(Error::InvalidName {
                    name: m.name.clone(),
                    why: "a metric may not share its name with a param or a fixed results column",
                });
            }
        }
        if let Some(primary) = &self.primary {
            let pos = metrics.iter().position(|m| &m.name == primary).ok_or_else(|| Error::UnknownMetric {
                metric: primary.clone(),
                declared: metrics.iter().map(|m| m.name.clone()).collect(),
            })?;
            let p = metrics.remove(pos);
            metrics.insert(0, p);
        }
        Ok(metrics)
    }

    fn seed_values(&self) -> Result<Vec<u64>> {
        let seeds = match &self.seeds {
            Seeds::Count(0) => return Err(Error::ZeroSeeds),
            Seeds::Count(k) => (0..*k).map(|r| replicate_seed(self.study_seed, r)).collect(),
            Seeds::List(list) if list.is_empty() => return Err(Error::ZeroSeeds),
            Seeds::List(list) => list.clone(),
        };
        let mut sorted = seeds.clone();
        sorted.sort_unstable();
        if sorted.windows(2).any(|w| w[0] == w[1]) {
            return Err(Error::Invalid { message: "the seed list repeats a seed: give distinct seeds".into() });
        }
        Ok(seeds)
    }

    fn effective_designs(&self) -> Vec<Design> {
        if !self.designs.is_empty() {
            return self.designs.clone();
        }
        let mut designs = Vec::new();
        if self.params.iter().any(|p| p.level_list().is_some()) {
            designs.push(Design::Ofat { params: None });
        }
        if self.params.iter().any(|p| p.is_component() && *p.baseline() == Value::Bool(true)) {
            designs.push(Design::LeaveOneOut { components: None });
        }
        designs
    }
}

fn canonical_bytes(config: &Config) -> Vec<u8> {
    let mut bytes = Vec::new();
    config.canonical(&mut bytes);
    bytes
}

fn names<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> Vec<String> {
    items.into_iter().map(|s| s.as_ref().to_string()).collect()
}

/// A directory name for a study: characters other than letters, digits, `-`, `_`, `.`
/// become `_`.
pub(crate) fn dir_name(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(plan.configs.len(), 5);
        assert_eq!(plan.trials.len(), 15);
        assert_eq!(plan.configs[0].design, "baseline");
    }

    #[test]
    fn designs_deduplicate() {
        let plan = forest().ofat().grid(["n_estimators", "feature_fraction"]).plan().unwrap();
        // grid has 8 cells, of which baseline and the 4 OFAT ones already exist
        assert_eq!(plan.configs.len(), 8);
        let ids: std::collections::HashSet<_> = plan.trials.iter().map(|t| t.id.clone()).collect();
        assert_eq!(ids.len(), plan.trials.len());
    }

    #[test]
    fn same_seeds_for_every_config() {
        let plan = forest().plan().unwrap();
        for c in 0..plan.configs.len() {
            let seeds: Vec<u64> = plan.trials.iter().filter(|t| t.config_index == c).map(|t| t.seed).collect();
            assert_eq!(seeds, plan.seeds);
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
        assert_eq!(plan.configs.len(), 4);
        assert_eq!(plan.configs[3].label.as_deref(), Some("all components removed"));
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
