//! The study: a parameter space with its baseline, the designs to run, seeds, metrics and
//! (optionally) the command each trial runs — what the study *is* — plus [`RunOptions`]
//! saying how to run it. [`Study::plan`] validates it and lists every trial;
//! [`Study::run`] runs a closure as the trial, [`Study::run_command`] the study's command.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::design::Design;
use crate::error::{Error, Result};
use crate::objective::{CommandSpec, CommandTrials, Objective};
use crate::plan::{Plan, PlanParts};
use crate::results::Results;
use crate::session::StoredSpec;
use crate::space::{validate_name, Config, Param, Value};
use crate::spec::{base_dir_of, AdaptiveSeeds, DesignSpec, Goal, MetricEntry, ParamSpec, RoundLink, RunSpec, SeedsSpec, StudySpec};
use crate::trial::{replicate_seed, Direction, MetricSpec, Trial, TrialResult};

pub use crate::options::{ProgressMode, RunOptions};
pub use crate::plan::PlannedTrial;
pub use crate::store::StoreLocation;

/// Names of the fixed columns of the results frame; parameters and metrics may not use them.
pub const RESERVED_COLUMNS: &[&str] = &[
    "trial_id", "config", "design", "varied", "replicate", "seed", "status", "error", "attempt",
    "duration_s", "started_at",
];

/// The most seeds a study may repeat each configuration with.
pub const MAX_SEEDS: u32 = 10_000;

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
    seeds_per_sample: Option<u32>,
    study_seed: u64,
    metrics: Vec<MetricSpec>,
    primary: Option<String>,
    code_version: Option<String>,
    command: Option<CommandSpec>,
    /// The folder relative command paths are taken from (a study file's folder).
    base_dir: Option<PathBuf>,
    options: RunOptions,
    /// The `[slurm]` table of a study file (what `ablate submit` uses).
    slurm: Option<crate::exec::Slurm>,
    /// Which round this is (set by [`Study::next_round`]).
    round: Option<RoundLink>,
    /// The seeds every config starts with, when seeds are adaptive.
    adaptive_min: Option<u32>,
    /// The equivalence margin of adaptive seeds.
    equivalence_margin: Option<f64>,
    futility: Option<f64>,
    spending: Option<crate::stats::Spending>,
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
            seeds_per_sample: None,
            study_seed: 0,
            metrics: Vec::new(),
            primary: None,
            code_version: None,
            command: None,
            base_dir: None,
            options: RunOptions::default(),
            slurm: None,
            round: None,
            adaptive_min: None,
            equivalence_margin: None,
            futility: None,
            spending: None,
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

    /// Adds `n` configurations sampled independently and uniformly over the params' ranges,
    /// reproducible from the [study seed](Study::study_seed). Each param with `.bounds(low,
    /// high)` is drawn between them (in log space for `.log()` params; ints take each integer
    /// equally often); a numeric param without both bounds but with levels, among its levels;
    /// categoricals among their choices; bools and components on or off with probability
    /// 1/2. A numeric param with neither bounds nor levels stays at baseline (planning fails
    /// when no param can be sampled). Configs are labelled `random#0`, `random#1`, ...;
    /// samples equal to another config (likely in small discrete spaces) run once, so the
    /// plan may hold fewer than `n`. See [`Study::seeds_per_sample`].
    pub fn random(mut self, n: usize) -> Study {
        self.designs.push(Design::Random { n });
        self
    }

    /// Adds `n` configurations along a scrambled Sobol' sequence over the params' ranges
    /// (the same sampling rules as [`Study::random`], at most 64 sampled params), reproducible
    /// from the [study seed](Study::study_seed): they cover the space more evenly than
    /// independent draws, which makes importance estimates steadier. Use a power of two
    /// for `n` (32, 64, 128, ...): the sequence's balance holds for those. Configs are
    /// labelled `sobol#0`, `sobol#1`, ...
    pub fn sobol(mut self, n: usize) -> Study {
        self.designs.push(Design::Sobol { n });
        self
    }

    /// Runs each configuration of the random and sobol designs with only the first `k` of
    /// the study's seeds (importance needs breadth more than depth); the baseline and the
    /// other designs' configs keep all seeds, and so does a sampled config another design
    /// also produced. Analyses that pair configs by seed use the seeds both ran.
    pub fn seeds_per_sample(mut self, k: u32) -> Study {
        self.seeds_per_sample = Some(k);
        self
    }

    /// Adds any [`Design`].
    pub fn design(mut self, design: Design) -> Study {
        self.designs.push(design);
        self
    }

    /// The same study with its baseline moved to `config`: every parameter it names takes
    /// that value as its baseline (the others keep theirs). The next round of an ablation
    /// starts from what the last one found: `study.with_baseline(&results.best_config()?)`.
    pub fn with_baseline(mut self, config: &Config) -> Result<Study> {
        for (name, value) in config.iter() {
            let known: Vec<String> = self.params.iter().map(|p| p.name().to_string()).collect();
            let param = self.params.iter_mut().find(|p| p.name() == name).ok_or_else(|| Error::UnknownParam {
                name: name.to_string(),
                context: "the new baseline".into(),
                known,
            })?;
            param.set_baseline(value.clone())?;
        }
        Ok(self)
    }

    /// The same study with only `designs` (and every config on all seeds): one step of an
    /// ablation path.
    pub(crate) fn with_designs(mut self, designs: Vec<Design>) -> Study {
        self.designs = designs;
        self.seeds_per_sample = None;
        self
    }

    /// The same study as round `link.number` of an iterated ablation, with these designs
    /// and parameters (what [`Study::next_round`] builds).
    pub(crate) fn as_round(mut self, link: RoundLink, params: Vec<Param>, designs: Vec<Design>) -> Study {
        self.round = Some(link);
        self.params = params;
        self.designs = designs;
        self.seeds_per_sample = None;
        self
    }

    /// Which round of an iterated ablation this study is (`None`: a first round).
    pub fn round(&self) -> Option<&RoundLink> {
        self.round.as_ref()
    }

    /// The parameters.
    pub fn params(&self) -> &[Param] {
        &self.params
    }

    /// Repeats every configuration with `k` seeds derived from the study seed
    /// (see [`replicate_seed`]).
    pub fn seeds(mut self, k: u32) -> Study {
        self.seeds = Seeds::Count(k);
        self
    }

    /// Adaptive seeds (sequential testing): every config runs `min` seeds, then seeds are
    /// added in rounds (looks at about ×1.5 per round) only to the configs whose comparison
    /// with the baseline is still undecided, up to `max`. A comparison is decided when it
    /// differs from the baseline (group-sequential paired t-tests with O'Brien-Fleming
    /// alpha spending, Holm over the comparisons: the family-wise error stays at 5%), with
    /// an [`equivalence_margin`](Study::equivalence_margin) when its interval lies within
    /// the margin, or as futile when it has little chance to become significant by `max`
    /// ([`futility`](Study::futility)). The significance table says at how many seeds and how each was decided; see
    /// [`crate::stats::sequential`] for the method and its simulated error rates.
    pub fn seeds_adaptive(mut self, min: u32, max: u32) -> Study {
        self.seeds = Seeds::Count(max);
        self.adaptive_min = Some(min);
        self
    }

    /// The same study with fixed seeds (what a pilot runs).
    pub(crate) fn without_adaptive(mut self) -> Study {
        self.adaptive_min = None;
        self.equivalence_margin = None;
        self.futility = None;
        self.spending = None;
        self
    }

    /// The practical margin of adaptive seeds, in the primary metric's units: a change whose
    /// equivalence interval lies within ±margin stops early as "equivalent" (negligible).
    pub fn equivalence_margin(mut self, margin: f64) -> Study {
        self.equivalence_margin = Some(margin);
        self
    }

    /// The futility floor of adaptive seeds: a comparison stops early as futile when its
    /// predictive power (its chance, given the seeds so far, to become significant by the
    /// most seeds) falls below `floor`. Default [`crate::stats::DEFAULT_FUTILITY`]; `0.0`
    /// turns the rule off, so only differences and equivalence stop a comparison. It never
    /// raises the false-positive rate; it costs a little power on small effects
    /// (benches/sequential/NOTES.md has the simulated numbers).
    pub fn futility(mut self, floor: f64) -> Study {
        self.futility = Some(floor);
        self
    }

    /// The alpha-spending function of adaptive seeds' tests of difference: how much of the
    /// 5% family-wise level each look may use. O'Brien-Fleming (the default) keeps the power
    /// of the fixed design and stops large effects around half of `max`;
    /// [`Spending::HwangShihDeCaniMinus2`](crate::stats::Spending) stops them earlier for a
    /// few points of agreement with the fixed design (benches/sequential/NOTES.md).
    pub fn spending(mut self, spending: crate::stats::Spending) -> Study {
        self.spending = Some(spending);
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
        self.options.workers = Some(n);
        self
    }

    /// Keeps the journal and results in `dir` instead of `runs/<name>/`.
    pub fn run_dir(mut self, dir: impl Into<PathBuf>) -> Study {
        self.options.store = StoreLocation::Dir(dir.into());
        self
    }

    /// Keeps nothing on disk.
    pub fn in_memory(mut self) -> Study {
        self.options.store = StoreLocation::Memory;
        self
    }

    /// How many times a failed trial is retried by a later run (default 1).
    pub fn retries(mut self, n: u32) -> Study {
        self.options.retries = n;
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
        self.options.progress = mode;
        self
    }

    /// Replaces all run options at once.
    pub fn with_options(mut self, options: RunOptions) -> Study {
        self.options = options;
        self
    }

    /// How this study runs (workers, retries, progress, store).
    pub fn options(&self) -> &RunOptions {
        &self.options
    }

    /// The command each trial runs, as an argv template executed directly (never through a
    /// shell): `["python3", "train.py", "--lr", "{lr}", "--seed", "{seed}"]`. Placeholders:
    /// `{<param>}`, `{seed}`, `{replicate}`, `{trial_id}`, `{trial_dir}`. The program also
    /// gets the trial in its environment (`ABLATE_PARAMS`, `ABLATE_SEED`, ...) and returns
    /// its metrics in `ABLATE_RESULT_FILE` or a last stdout line `ABLATE_RESULT {json}`.
    /// Run it with [`Study::run_command`].
    pub fn command<S: AsRef<str>>(mut self, argv: impl IntoIterator<Item = S>) -> Study {
        let spec = self.command.get_or_insert_with(CommandSpec::default);
        spec.argv = argv.into_iter().map(|s| s.as_ref().to_string()).collect();
        self
    }

    /// Per-trial time limit of the command: the trial's processes are stopped and it fails.
    pub fn timeout_secs(mut self, seconds: f64) -> Study {
        self.command.get_or_insert_with(CommandSpec::default).timeout_s = Some(seconds);
        self
    }

    /// The working directory of the command (default: the current directory, or the study
    /// file's folder).
    pub fn working_dir(mut self, dir: impl Into<PathBuf>) -> Study {
        self.command.get_or_insert_with(CommandSpec::default).workdir = Some(dir.into());
        self
    }

    /// An extra environment variable for the command.
    pub fn env(mut self, name: &str, value: &str) -> Study {
        self.command.get_or_insert_with(CommandSpec::default).env.insert(name.to_string(), value.to_string());
        self
    }

    /// Files whose contents are fingerprinted with the command, so results of changed code
    /// are not reused (default: the script named in argv; empty: the command only).
    pub fn fingerprint_files<P: Into<PathBuf>>(mut self, files: impl IntoIterator<Item = P>) -> Study {
        self.command.get_or_insert_with(CommandSpec::default).fingerprint = Some(files.into_iter().map(Into::into).collect());
        self
    }

    /// How long a claim on a running trial lasts without renewal (default 60 s): after
    /// this, a trial whose process vanished without a trace is taken over by another.
    pub fn lease(mut self, lease: Duration) -> Study {
        self.options.lease = lease;
        self
    }

    /// The study's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The directory that holds this study's journal, or `None` in memory.
    pub fn store_dir(&self) -> Option<PathBuf> {
        self.options.store_dir(&self.name)
    }

    /// The study's command, if it has one.
    pub fn command_spec(&self) -> Option<&CommandSpec> {
        self.command.as_ref()
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
        let designs = self.effective_designs();
        let seeds_per_sample = self.check_seeds_per_sample(&designs, seeds.len())?;
        let sequential = self.check_adaptive(seeds.len(), seeds_per_sample.is_some())?;
        let grids = designs
            .iter()
            .filter_map(|d| match d {
                Design::Grid { params } => Some(params.clone()),
                _ => None,
            })
            .collect();
        let designed = Design::expand_all(&designs, &self.params, &baseline, self.study_seed)?;
        let parts = PlanParts {
            name: self.name.clone(),
            params: self.params.clone(),
            metrics,
            baseline,
            seeds,
            seeds_per_sample,
            code_version: self.code_version.clone(),
            grids,
            round: self.round.clone(),
            sequential,
        };
        Plan::build(parts, designed)
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
        self.run_objective(&f)
    }

    /// Runs every missing trial as the study's [`command`](Study::command): one child
    /// process per trial, `workers` at a time, and returns all results. Ctrl-C or SIGTERM
    /// stops the running trials' processes, keeps every finished trial, and returns
    /// [`Error::Interrupted`]; a rerun resumes.
    pub fn run_command(&self) -> Result<Results> {
        let plan = self.plan()?;
        let objective = self.command_trials_for(&plan)?;
        self.run_plan(plan, &objective)
    }

    /// The study's command checked against its plan, ready to run trials.
    pub fn command_trials(&self) -> Result<CommandTrials> {
        self.command_trials_for(&self.plan()?)
    }

    /// The study's command checked against `plan` (already built: no second planning).
    pub(crate) fn command_trials_for(&self, plan: &Plan) -> Result<CommandTrials> {
        let spec = self.command.as_ref().filter(|c| !c.argv.is_empty()).ok_or_else(|| Error::Command {
            message: format!("study `{}` has no command: add .command([\"python3\", \"train.py\"]) or pass a closure to .run(...)", self.name),
        })?;
        CommandTrials::new(spec, plan, &self.base_dir())
    }

    /// The `[slurm]` settings of the study file this study was read from, if it has them.
    pub fn slurm_settings(&self) -> Option<&crate::exec::Slurm> {
        self.slurm.as_ref()
    }

    /// This study on a Slurm cluster: `.on(Slurm::new().partition("gpu").gpus(1)).submit()?`
    /// turns its missing command trials into a job array (see [`crate::cluster`]). The same
    /// study runs locally with [`Study::run_command`].
    pub fn on(&self, slurm: crate::exec::Slurm) -> crate::cluster::OnSlurm<'_> {
        crate::cluster::OnSlurm::new(self, slurm)
    }

    /// Re-attaches to a study submitted to Slurm from `run_dir` (by this process or any
    /// other, also one that crashed): see [`SlurmRun::attach`](crate::cluster::SlurmRun::attach).
    pub fn attach(run_dir: impl AsRef<Path>) -> Result<crate::cluster::SlurmRun> {
        crate::cluster::SlurmRun::attach(run_dir)
    }

    /// Runs every missing trial through any [`Objective`].
    pub fn run_objective(&self, objective: &dyn Objective) -> Result<Results> {
        self.run_plan(self.plan()?, objective)
    }

    fn run_plan(&self, plan: Plan, objective: &dyn Objective) -> Result<Results> {
        let spec = self.stored_spec()?;
        match plan.sequential() {
            Some(_) => crate::schedule::adaptive::run(plan, &self.options, &spec, objective),
            None => crate::session::run(plan, &self.options, &spec, objective),
        }
    }

    /// Makes this study's spec the run directory's current one again, with its exported
    /// frame and summary, after other specs ran there (the steps of an ablation path).
    pub(crate) fn restore_stored_spec(&self) -> Result<()> {
        let Some(dir) = self.store_dir() else { return Ok(()) };
        let spec = self.stored_spec()?;
        let (store, _) = crate::store::Store::open(&dir, &self.name, &spec.json, &spec.hash, self.options.lease)?;
        let results = Results::load(&dir)?;
        store.save_exports(results.frame(), &results.summary().to_string())
    }

    fn base_dir(&self) -> PathBuf {
        self.base_dir.clone().unwrap_or_else(|| PathBuf::from("."))
    }

    /// The spec as the run directory keeps it: the command's working directory made
    /// absolute, so the stored spec does not depend on where it is read from.
    pub(crate) fn stored_spec(&self) -> Result<StoredSpec> {
        let mut spec = self.to_spec();
        spec.run = RunSpec::default();
        spec.slurm = None;
        if let Some(command) = &mut spec.command {
            let base = std::path::absolute(self.base_dir()).map_err(|e| Error::Io { context: "cannot resolve the current directory".into(), source: e })?;
            command.workdir = Some(match &command.workdir {
                Some(w) => base.join(w),
                None => base,
            });
        }
        Ok(StoredSpec { json: spec.to_json(), hash: spec.hash() })
    }

    /// The study as data ([`StudySpec`]): what a study file or `spec.json` holds.
    pub fn to_spec(&self) -> StudySpec {
        StudySpec {
            name: self.name.clone(),
            seeds: match &self.seeds {
                Seeds::Count(k) => SeedsSpec::Count(*k),
                Seeds::List(l) => SeedsSpec::List(l.clone()),
            },
            seeds_per_sample: self.seeds_per_sample,
            study_seed: self.study_seed,
            round: self.round.clone(),
            adaptive: self.adaptive_min.map(|min| AdaptiveSeeds {
                min,
                equivalence_margin: self.equivalence_margin,
                futility: Some(self.futility.unwrap_or(crate::stats::DEFAULT_FUTILITY)),
                spending: Some(self.spending.unwrap_or_default()),
            }),
            params: self.params.iter().map(ParamSpec::from_param).collect(),
            metrics: self
                .metrics
                .iter()
                .map(|m| MetricEntry {
                    name: m.name.clone(),
                    goal: match m.direction {
                        Direction::Maximize => Goal::Maximize,
                        Direction::Minimize => Goal::Minimize,
                    },
                })
                .collect(),
            primary: self.primary.clone(),
            designs: self.designs.iter().map(DesignSpec::from_design).collect(),
            code_version: self.code_version.clone(),
            command: self.command.clone(),
            run: RunSpec {
                workers: self.options.workers,
                retries: (self.options.retries != RunOptions::default().retries).then_some(self.options.retries),
                run_dir: match &self.options.store {
                    StoreLocation::Dir(d) => Some(d.clone()),
                    _ => None,
                },
            },
            slurm: self.slurm.clone(),
        }
    }

    /// The study a [`StudySpec`] describes; relative paths (command, run directory) are
    /// taken from `base_dir`.
    pub fn from_spec(spec: &StudySpec, base_dir: &Path) -> Result<Study> {
        let mut study = Study::new(&spec.name);
        for p in &spec.params {
            study = study.param(p.to_param()?);
        }
        for d in &spec.designs {
            let design = d.to_design(&study.params)?;
            study = study.design(design);
        }
        study.seeds = match &spec.seeds {
            SeedsSpec::Count(k) => Seeds::Count(*k),
            SeedsSpec::List(l) => Seeds::List(l.clone()),
        };
        study.study_seed = spec.study_seed;
        study.round = spec.round.clone();
        study.adaptive_min = spec.adaptive.as_ref().map(|a| a.min);
        study.equivalence_margin = spec.adaptive.as_ref().and_then(|a| a.equivalence_margin);
        study.futility = spec.adaptive.as_ref().and_then(|a| a.futility);
        study.spending = spec.adaptive.as_ref().and_then(|a| a.spending);
        study.seeds_per_sample = spec.seeds_per_sample;
        for m in &spec.metrics {
            study = study.metric(&m.name, m.direction());
        }
        study.primary = spec.primary.clone();
        study.code_version = spec.code_version.clone();
        study.command = spec.command.clone();
        study.base_dir = Some(base_dir.to_path_buf());
        if let Some(n) = spec.run.workers {
            study = study.workers(n);
        }
        if let Some(n) = spec.run.retries {
            study = study.retries(n);
        }
        if let Some(dir) = &spec.run.run_dir {
            study = study.run_dir(base_dir.join(dir));
        }
        study.slurm = spec.slurm.clone().map(|mut slurm| {
            // A relative binary path is the study file's folder's, like the command's.
            if let Some(bin) = &slurm.ablate_bin
                && bin.components().count() > 1
                && bin.is_relative()
            {
                slurm.ablate_bin = Some(base_dir.join(bin));
            }
            slurm
        });
        Ok(study)
    }

    /// Reads a study file (TOML, or JSON by its extension); relative paths in it are taken
    /// from the file's folder, and its default run directory is `runs/<name>/` there.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Study> {
        let path = path.as_ref();
        let spec = StudySpec::from_file(path)?;
        let base = base_dir_of(path);
        let mut study = Study::from_spec(&spec, &base).map_err(|e| Error::Spec { file: path.display().to_string(), message: e.to_string() })?;
        if spec.run.run_dir.is_none() {
            study = study.run_dir(base.join("runs").join(crate::options::dir_name(&spec.name)));
        }
        // Every mistake a plan finds (a design naming an unknown param, no metric) is
        // reported against the file now, not later.
        study.plan().map_err(|e| Error::Spec { file: path.display().to_string(), message: e.to_string() })?;
        Ok(study)
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
            Seeds::Count(k) if *k > MAX_SEEDS => {
                return Err(Error::Invalid {
                    message: format!("the study asks for {k} seeds, more than the {MAX_SEEDS} ablate allows: 5–30 seeds detect any effect worth knowing about (see Results::seeds_needed)"),
                });
            }
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

    /// `seeds_per_sample` as a count, checked against the seeds and the designs.
    fn check_seeds_per_sample(&self, designs: &[Design], seeds: usize) -> Result<Option<usize>> {
        let Some(k) = self.seeds_per_sample else { return Ok(None) };
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
    fn check_adaptive(&self, seeds: usize, per_sample: bool) -> Result<Option<crate::stats::SequentialPlan>> {
        let Some(min) = self.adaptive_min else {
            let stray = [
                self.equivalence_margin.map(|v| format!("equivalence_margin = {v}")),
                self.futility.map(|v| format!("futility = {v}")),
                self.spending.map(|v| format!("spending = {}", v.label())),
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
        let mut plan = crate::stats::SequentialPlan::new(min as usize, seeds, 0.05)
            .map_err(invalid)?
            .with_spending(self.spending.unwrap_or_default());
        if let Some(margin) = self.equivalence_margin {
            plan = plan.with_margin(margin).map_err(invalid)?;
        }
        let floor = self.futility.unwrap_or(crate::stats::DEFAULT_FUTILITY);
        if floor != 0.0 {
            plan = plan.with_futility(floor).map_err(invalid)?;
        }
        Ok(Some(plan))
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

fn names<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> Vec<String> {
    items.into_iter().map(|s| s.as_ref().to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::design::DesignKind;

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
