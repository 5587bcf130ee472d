//! The study builder: a thin layer over [`StudySpec`], the one definition of a study (what
//! a study file or a run directory's `spec.json` holds), plus [`RunOptions`] saying how to
//! run it and the folder relative paths are taken from. Every builder method edits the spec
//! (or the options); [`Study::plan`] is [`Plan::from_spec`], the one validator;
//! [`Study::run`] runs a closure as the trial, [`Study::run_command`] the study's command.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::design::Design;
use crate::error::{Error, Result};
use crate::backend::{Backend, Local};
use crate::exec::Slurm;
use crate::objective::{CommandSpec, CommandTrials};
use crate::plan::Plan;
use crate::results::Results;
use crate::schedule::{Planned, Scheduler};
use crate::space::{Config, Param, Value};
use crate::spec::{base_dir_of, AdaptiveSeeds, DesignSpec, Prune, MetricEntry, ParamSpec, RoundLink, RunSpec, SeedsSpec, StudySpec};
use crate::trial::{Direction, Trial, TrialResult};

pub use crate::options::{ProgressMode, RunOptions};
pub use crate::plan::{PlannedTrial, MAX_SEEDS, RESERVED_COLUMNS};
pub use crate::store::StoreLocation;

/// An ablation study. Build it with chained calls, then [`run`](Study::run) it.
///
/// With no design given, the study runs one-factor-at-a-time over every parameter that has
/// levels, and leave-one-out over every component enabled in the baseline.
#[derive(Debug, Clone)]
pub struct Study {
    /// What the study is (its `[run]` table is kept in `options` instead).
    spec: StudySpec,
    /// How it runs: workers, retries, progress, where results are kept.
    options: RunOptions,
    /// The folder relative command paths are taken from (a study file's folder).
    base_dir: Option<PathBuf>,
}

impl Study {
    /// A new study named `name` (the name of its run directory under `runs/`), with
    /// 5 seeds, study seed 0, one retry for failed trials, all cores.
    pub fn new(name: &str) -> Study {
        Study { spec: StudySpec::new(name), options: RunOptions::default(), base_dir: None }
    }

    /// Adds a design (as its spec table).
    fn push_design(mut self, design: Design) -> Study {
        self.spec.designs.push(DesignSpec::from_design(&design));
        self
    }

    /// The adaptive-seeds table, created empty when missing.
    fn adaptive_mut(&mut self) -> &mut AdaptiveSeeds {
        self.spec.adaptive.get_or_insert_with(AdaptiveSeeds::default)
    }

    /// The command table, created empty when missing.
    fn command_mut(&mut self) -> &mut CommandSpec {
        self.spec.command.get_or_insert_with(CommandSpec::default)
    }

    /// Adds a hyperparameter.
    pub fn param(mut self, param: Param) -> Study {
        self.spec.params.push(ParamSpec::from_param(&param));
        self
    }

    /// Adds one-factor-at-a-time over every parameter that has levels.
    pub fn ofat(self) -> Study {
        self.push_design(Design::Ofat { params: None })
    }

    /// Adds one-factor-at-a-time over the named parameters.
    pub fn ofat_over<S: AsRef<str>>(self, params: impl IntoIterator<Item = S>) -> Study {
        self.push_design(Design::Ofat { params: Some(names(params)) })
    }

    /// Adds a full-factorial grid over two or more parameters' levels.
    pub fn grid<S: AsRef<str>>(self, params: impl IntoIterator<Item = S>) -> Study {
        self.push_design(Design::Grid { params: names(params) })
    }

    /// Adds leave-one-out over every component enabled in the baseline.
    pub fn leave_one_out(self) -> Study {
        self.push_design(Design::LeaveOneOut { components: None })
    }

    /// Adds add-one-in over every component: all removed, then each added back alone.
    pub fn add_one_in(self) -> Study {
        self.push_design(Design::AddOneIn { components: None })
    }

    /// Adds an explicit configuration: the baseline with `overrides` applied.
    pub fn config<S: AsRef<str>, V: Into<Value>>(self, label: &str, overrides: impl IntoIterator<Item = (S, V)>) -> Study {
        let overrides = overrides.into_iter().map(|(n, v)| (n.as_ref().to_string(), v.into())).collect();
        self.push_design(Design::Custom { label: label.to_string(), overrides })
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
    pub fn random(self, n: usize) -> Study {
        self.push_design(Design::Random { n })
    }

    /// Adds `n` configurations along a scrambled Sobol' sequence over the params' ranges
    /// (the same sampling rules as [`Study::random`], at most 64 sampled params), reproducible
    /// from the [study seed](Study::study_seed): they cover the space more evenly than
    /// independent draws, which makes importance estimates steadier. Use a power of two
    /// for `n` (32, 64, 128, ...): the sequence's balance holds for those. Configs are
    /// labelled `sobol#0`, `sobol#1`, ...
    pub fn sobol(self, n: usize) -> Study {
        self.push_design(Design::Sobol { n })
    }

    /// Runs each configuration of the random and sobol designs with only the first `k` of
    /// the study's seeds (importance needs breadth more than depth); the baseline and the
    /// other designs' configs keep all seeds, and so does a sampled config another design
    /// also produced. Analyses that pair configs by seed use the seeds both ran.
    pub fn seeds_per_sample(mut self, k: u32) -> Study {
        self.spec.seeds_per_sample = Some(k);
        self
    }

    /// Adds any [`Design`].
    pub fn design(self, design: Design) -> Study {
        self.push_design(design)
    }

    /// The same study with its baseline moved to `config`: every parameter it names takes
    /// that value as its baseline (the others keep theirs). The next round of an ablation
    /// starts from what the last one found: `study.with_baseline(&results.best_config()?)`.
    pub fn with_baseline(mut self, config: &Config) -> Result<Study> {
        self.spec = self.spec.with_baseline(config)?;
        Ok(self)
    }

    /// The same study as round `link.number` of an iterated ablation, with these designs
    /// and parameters (what [`Study::next_round`] builds).
    pub(crate) fn into_round(mut self, link: RoundLink, params: Vec<Param>, designs: Vec<Design>) -> Study {
        self.spec.params = params.iter().map(ParamSpec::from_param).collect();
        self.spec = self.spec.with_designs(&designs);
        self.spec.round = Some(link);
        self
    }

    /// Which round of an iterated ablation this study is (`None`: a first round).
    pub fn round(&self) -> Option<&RoundLink> {
        self.spec.round.as_ref()
    }

    /// The parameters (typed; a table that does not convert is left out: planning reports it).
    pub fn params(&self) -> Vec<Param> {
        self.spec.params.iter().filter_map(|p| p.to_param().ok()).collect()
    }

    /// Repeats every configuration with `k` seeds derived from the study seed
    /// (see [`replicate_seed`](crate::trial::replicate_seed)).
    pub fn seeds(mut self, k: u32) -> Study {
        self.spec.seeds = SeedsSpec::Count(k);
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
        self.spec.seeds = SeedsSpec::Count(max);
        self.adaptive_mut().min = Some(min);
        self
    }

    /// The practical margin of adaptive seeds, in the primary metric's units: a change whose
    /// equivalence interval lies within ±margin stops early as "equivalent" (negligible).
    pub fn equivalence_margin(mut self, margin: f64) -> Study {
        self.adaptive_mut().equivalence_margin = Some(margin);
        self
    }

    /// The futility floor of adaptive seeds: a comparison stops early as futile when its
    /// predictive power (its chance, given the seeds so far, to become significant by the
    /// most seeds) falls below `floor`. Default [`crate::stats::DEFAULT_FUTILITY`]; `0.0`
    /// turns the rule off, so only differences and equivalence stop a comparison. It never
    /// raises the false-positive rate; it costs a little power on small effects
    /// (benches/sequential/NOTES.md has the simulated numbers).
    pub fn futility(mut self, floor: f64) -> Study {
        self.adaptive_mut().futility = Some(floor);
        self
    }

    /// The alpha-spending function of adaptive seeds' tests of difference: how much of the
    /// 5% family-wise level each look may use. O'Brien-Fleming (the default) keeps the power
    /// of the fixed design and stops large effects around half of `max`;
    /// [`Spending::HwangShihDeCaniMinus2`](crate::stats::Spending) stops them earlier for a
    /// few points of agreement with the fixed design (benches/sequential/NOTES.md).
    pub fn spending(mut self, spending: crate::stats::Spending) -> Study {
        self.adaptive_mut().spending = Some(spending);
        self
    }

    /// Repeats every configuration with exactly these seeds.
    pub fn seed_list(mut self, seeds: impl IntoIterator<Item = u64>) -> Study {
        self.spec.seeds = SeedsSpec::List(seeds.into_iter().collect());
        self
    }

    /// The study seed from which replicate seeds are derived (default 0).
    pub fn study_seed(mut self, seed: u64) -> Study {
        self.spec.study_seed = seed;
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
        self.spec.metrics.push(MetricEntry { name: metric.to_string(), goal: direction.into() });
        self
    }

    /// Chooses the primary metric (default: the first declared).
    pub fn primary(mut self, metric: &str) -> Study {
        self.spec.primary = Some(metric.to_string());
        self
    }

    /// Number of trials run at once (default: all cores).
    pub fn workers(mut self, n: usize) -> Study {
        self.options.workers = Some(n);
        self
    }

    /// Gives each trial `n` GPUs of its own (`CUDA_VISIBLE_DEVICES`, `HIP_VISIBLE_DEVICES`,
    /// `ROCR_VISIBLE_DEVICES` and `ABLATE_DEVICES` for a command; [`Trial::devices`](crate::trial::Trial::devices) for a
    /// closure). The GPUs are the driver's own `CUDA_VISIBLE_DEVICES`, else those
    /// `nvidia-smi -L` lists, else [`Study::devices`]; the trials run at once are as many as
    /// the GPUs have room for (and at most `workers`).
    pub fn gpus_per_trial(mut self, n: u32) -> Study {
        self.options.resources.gpus_per_trial = Some(n);
        self
    }

    /// Lets `n` trials share each GPU (one GPU per trial).
    pub fn trials_per_gpu(mut self, n: u32) -> Study {
        self.options.resources.trials_per_gpu = Some(n);
        self
    }

    /// The GPUs to hand out, by the ids `CUDA_VISIBLE_DEVICES` takes: `.devices(["0", "1"])`
    /// (one GPU per trial unless [`Study::gpus_per_trial`] says more).
    pub fn devices<S: AsRef<str>>(mut self, ids: impl IntoIterator<Item = S>) -> Study {
        self.options.resources.devices = Some(names(ids));
        self
    }

    /// CPU threads each trial should start: sets `OMP_NUM_THREADS`, `MKL_NUM_THREADS`,
    /// `OPENBLAS_NUM_THREADS` and the like for command trials, where neither the driver's
    /// environment nor the command's `env` set them. Default: the cores divided by the trials
    /// that run at once.
    pub fn cpus_per_trial(mut self, n: u32) -> Study {
        self.options.resources.cpus_per_trial = Some(n);
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
        self.spec.code_version = Some(version.to_string());
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
        self.command_mut().argv = argv.into_iter().map(|s| s.as_ref().to_string()).collect();
        self
    }

    /// Per-trial time limit of the command: the trial's processes are stopped and it fails.
    pub fn timeout_secs(mut self, seconds: f64) -> Study {
        self.command_mut().timeout_s = Some(seconds);
        self
    }

    /// Seconds a stopped trial (timeout, Ctrl-C, cancellation) gets between SIGTERM and
    /// SIGKILL to save a checkpoint (default 30): `python/ablate_trial.py`'s `on_stop`
    /// registers what to run then.
    pub fn grace_secs(mut self, seconds: f64) -> Study {
        self.command_mut().grace_s = Some(seconds);
        self
    }

    /// Stops command trials whose learning curve is clearly behind the baseline's on the same
    /// seed (`Prune::on("val_loss")`, see [`crate::prune`]); they are recorded as pruned.
    pub fn prune(mut self, prune: Prune) -> Study {
        self.spec.prune = Some(prune);
        self
    }

    /// The working directory of the command (default: the current directory, or the study
    /// file's folder).
    pub fn working_dir(mut self, dir: impl Into<PathBuf>) -> Study {
        self.command_mut().workdir = Some(dir.into());
        self
    }

    /// An extra environment variable for the command.
    pub fn env(mut self, name: &str, value: &str) -> Study {
        self.command_mut().env.insert(name.to_string(), value.to_string());
        self
    }

    /// Files whose contents are fingerprinted with the command, so results of changed code
    /// are not reused (default: the script named in argv; empty: the command only).
    pub fn fingerprint_files<P: Into<PathBuf>>(mut self, files: impl IntoIterator<Item = P>) -> Study {
        self.command_mut().fingerprint = Some(files.into_iter().map(Into::into).collect());
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
        &self.spec.name
    }

    /// The directory that holds this study's journal, or `None` in memory.
    pub fn store_dir(&self) -> Option<PathBuf> {
        self.options.store_dir(&self.spec.name)
    }

    /// The study's command, if it has one.
    pub fn command_spec(&self) -> Option<&CommandSpec> {
        self.spec.command.as_ref()
    }

    /// Validates the study and lists every configuration and trial, without running any
    /// ([`Plan::from_spec`] of its spec).
    pub fn plan(&self) -> Result<Plan> {
        Plan::from_spec(&self.spec)
    }

    /// Runs every trial not already in the run directory's journal and returns all results.
    ///
    /// Each trial runs `f` on a worker thread. A trial that panics, returns `Err`, or returns
    /// a metric set that does not match the declaration (missing, undeclared, NaN or
    /// infinite) is recorded as failed with its message; the study goes on. A trial counts
    /// as done once its record is in the journal on disk. With adaptive seeds, the trials
    /// run look by look ([`Planned`]).
    pub fn run<F>(&self, f: F) -> Result<Results>
    where
        F: Fn(&Trial) -> TrialResult + Sync,
    {
        self.run_with(Planned, f)
    }

    /// Runs every missing trial as the study's [`command`](Study::command): one child
    /// process per trial, `workers` at a time, and returns all results. Ctrl-C or SIGTERM
    /// stops the running trials' processes, keeps every finished trial, and returns
    /// [`Error::Interrupted`]; a rerun resumes.
    pub fn run_command(&self) -> Result<Results> {
        self.on(Local::commands()).run()
    }

    /// Runs the study with `scheduler` and `f` as the trial, on this machine:
    /// `study.run_with(MultiFidelityOptions::default(), f)`, `ScaleOptions::to(4096.0)`,
    /// `PathOptions::to(&target)`, [`Pilot`](crate::estimate::Pilot), or [`Planned`] (what
    /// [`Study::run`] does). The study's command instead of a closure:
    /// `study.on(Local::commands()).run_with(scheduler)`.
    pub fn run_with<S: Scheduler, F>(&self, scheduler: S, f: F) -> Result<S::Output>
    where
        F: Fn(&Trial) -> TrialResult + Sync,
    {
        self.on(Local::with(&f)).run_with(scheduler)
    }

    /// The study on `backend`: `study.on(Slurm::new().partition("gpu")).submit()?` (returns
    /// at once), `.run()` or `.run_with(scheduler)` (block until done);
    /// `study.on(Local::commands())` runs the study's command here.
    pub fn on<B: Backend>(&self, backend: B) -> On<'_, B> {
        On { study: self, backend }
    }

    /// Re-attaches to a study submitted to Slurm from `run_dir` (by this process or any
    /// other, also one that crashed): see [`SlurmRun::attach`](crate::cluster::SlurmRun::attach).
    pub fn attach(run_dir: impl AsRef<Path>) -> Result<crate::cluster::SlurmRun> {
        crate::cluster::SlurmRun::attach(run_dir)
    }

    /// The study's command checked against its plan, ready to run trials.
    pub fn command_trials(&self) -> Result<CommandTrials> {
        let spec = self.resolved_spec()?;
        CommandTrials::new(spec.require_command()?, &Plan::from_spec(&spec)?, Path::new("."), spec.prune.as_ref())
    }

    /// The `[slurm]` settings of the study file this study was read from, if it has them.
    pub fn slurm_settings(&self) -> Option<&crate::exec::Slurm> {
        self.spec.slurm.as_ref()
    }

    fn base_dir(&self) -> PathBuf {
        self.base_dir.clone().unwrap_or_else(|| PathBuf::from("."))
    }

    /// The spec as backends run it and the run directory keeps it: normalized, without
    /// `[run]` and `[slurm]`, and the command's working directory made absolute, so it does
    /// not depend on where it is read from.
    pub fn resolved_spec(&self) -> Result<StudySpec> {
        let mut spec = self.spec.normalized();
        spec.run = RunSpec::default();
        spec.slurm = None;
        if let Some(command) = &mut spec.command {
            let base = std::path::absolute(self.base_dir()).map_err(|e| Error::Io { context: "cannot resolve the current directory".into(), source: e })?;
            command.workdir = Some(match &command.workdir {
                Some(w) => base.join(w),
                None => base,
            });
        }
        Ok(spec)
    }

    /// The study as data ([`StudySpec`]), normalized, with its `[run]` table: what a study
    /// file or `spec.json` holds.
    pub fn to_spec(&self) -> StudySpec {
        let mut spec = self.spec.normalized();
        spec.resources = (self.options.resources != Default::default()).then(|| self.options.resources.clone());
        spec.run = RunSpec {
            workers: self.options.workers,
            retries: (self.options.retries != RunOptions::default().retries).then_some(self.options.retries),
            run_dir: match &self.options.store {
                StoreLocation::Dir(d) => Some(d.clone()),
                _ => None,
            },
        };
        spec
    }

    /// The spec as built, without normalizing it.
    pub fn spec(&self) -> &StudySpec {
        &self.spec
    }

    /// The study a [`StudySpec`] describes; relative paths (command, run directory, the
    /// Slurm binary) are taken from `base_dir`. Nothing is checked until it is planned.
    pub fn from_spec(spec: &StudySpec, base_dir: &Path) -> Result<Study> {
        let mut spec = spec.clone();
        let run = std::mem::take(&mut spec.run);
        let resources = spec.resources.take().unwrap_or_default();
        if let Some(slurm) = &mut spec.slurm
            && let Some(bin) = &slurm.ablate_bin
            && bin.components().count() > 1
            && bin.is_relative()
        {
            // A relative binary path is the study file's folder's, like the command's.
            slurm.ablate_bin = Some(base_dir.join(bin));
        }
        let mut study = Study { spec, options: RunOptions { resources, ..RunOptions::default() }, base_dir: Some(base_dir.to_path_buf()) };
        if let Some(n) = run.workers {
            study = study.workers(n);
        }
        if let Some(n) = run.retries {
            study = study.retries(n);
        }
        if let Some(dir) = &run.run_dir {
            study = study.run_dir(base_dir.join(dir));
        }
        Ok(study)
    }

    /// The study whose latest run wrote `run_dir` (its stored spec), keeping its results
    /// there: what `ablate path RUN_DIR` runs more trials of.
    pub fn from_run_dir(run_dir: impl AsRef<Path>) -> Result<Study> {
        let (spec, found) = crate::reopen::latest_spec(run_dir.as_ref())?;
        Ok(Study::from_spec(&spec, &found)?.run_dir(found))
    }

    /// Trials and trial-hours of this study, from the durations its run directory has
    /// recorded: for the fixed design, an adaptive one (its range: every config decided at
    /// the first look, or none before the last; and, with the futility rule, the trials
    /// expected when no change matters, by simulation), and a multi-fidelity run (its rungs
    /// when η promotes the fewest). Run a [`Pilot`](crate::estimate::Pilot) first when
    /// nothing is recorded yet.
    pub fn estimate(&self) -> Result<crate::estimate::Estimate> {
        crate::estimate::estimate(&self.plan()?, self.store_dir().as_deref())
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
}

fn names<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> Vec<String> {
    items.into_iter().map(|s| s.as_ref().to_string()).collect()
}

/// A study on a backend: `study.on(backend)`. Run it with [`On::run`] or [`On::run_with`];
/// on Slurm, [`On::submit`] returns at once.
#[derive(Debug)]
pub struct On<'a, B> {
    study: &'a Study,
    backend: B,
}

impl<B: Backend> On<'_, B> {
    /// Runs the study as its spec says ([`Planned`]) and returns the results.
    pub fn run(self) -> Result<Results> {
        self.run_with(Planned)
    }

    /// Runs the study with `scheduler` (multi-fidelity, scale transfer, an ablation path,
    /// a pilot) on the backend and returns what the scheduler returns.
    pub fn run_with<S: Scheduler>(self, scheduler: S) -> Result<S::Output> {
        // One progress display for the whole run, however many batches the scheduler asks for.
        let _progress = crate::exec::progress::scope(self.study.options.progress);
        scheduler.run(&self.study.resolved_spec()?, &self.study.options, &self.backend)
    }
}

impl On<'_, Slurm> {
    /// Submits the study's missing trials as one job array and returns at once; the value
    /// displays progress, [`SlurmRun::wait`](crate::cluster::SlurmRun::wait) blocks,
    /// [`SlurmRun::results`](crate::cluster::SlurmRun::results) analyses what has finished.
    /// Running the same cell again submits nothing that is queued or running.
    pub fn submit(self) -> Result<crate::cluster::SlurmRun> {
        let spec = self.study.resolved_spec()?;
        crate::cluster::submit(&spec, Plan::from_spec(&spec)?, &self.study.options, &self.backend, None)
    }
}
