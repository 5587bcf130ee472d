//! The driver side of a Slurm run: submit a study's missing trials as a job array, and —
//! from the same process or any later one — poll the scheduler, take in the tasks' shards,
//! turn tasks that ended without recording their trials into failed attempts (so the retry
//! policy resubmits them, and nothing is silently dropped), and report progress.
//!
//! Every step that decides what to submit runs under an exclusive lock on
//! `slurm/.driver.lock`, so two drivers attached to one run directory never submit the same
//! trials; the tasks' claims make sure no trial runs twice even then.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::exec::slurm::scheduler::{self, TaskState, TaskStates};
use crate::exec::slurm::submission::{self, Job, Submission, SubmittedTrial};
use crate::exec::progress::{Sink, Throttle};
use crate::exec::slurm::{script, slurm_error, Slurm};
use crate::objective::{find_on_path, Objective};
use crate::plan::Plan;
use crate::results::{ConfigProgress, Results, RunStats};
use crate::stats::SequentialRule;
use crate::session::Ledger;
use crate::space::Role;
use crate::spec::StudySpec;
use crate::store::{DamageContext, Loaded, Status, Store, TrialRecord};
use crate::objective::CommandTrials;
use crate::options::{ProgressMode, RunOptions};
use crate::store::StoreLocation;

/// A study submitted to Slurm, as seen from one driver process. Displaying it in a notebook
/// polls the scheduler and shows queued / running / done / failed trials per configuration.
pub struct SlurmRun {
    run_dir: PathBuf,
    /// The study as data: the run directory may hold other specs too (the rungs of a
    /// multi-fidelity run, the sizes of a scale transfer), so its results are read with this.
    spec: StudySpec,
    plan: Plan,
    store: Store,
    settings: Slurm,
    retries: u32,
    /// How [`SlurmRun::wait`] shows progress.
    progress: ProgressMode,
    /// What a stopped trial gets before SIGKILL (the batch script's early signal).
    grace: std::time::Duration,
    /// What each trial gets on its node (`[resources]`), requested per task.
    resources: crate::resources::Resources,
    code: Option<String>,
    spec_hash: String,
    state: Mutex<DriverState>,
    /// Adaptive seeds: the rule that decides which trials a submission may include.
    adaptive: Option<SequentialRule>,
}

struct DriverState {
    ledger: Ledger,
    /// Submissions read so far (they never change once written).
    submissions: BTreeMap<u32, Submission>,
}

impl std::fmt::Debug for SlurmRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SlurmRun").field("study", &self.plan.name()).field("run_dir", &self.run_dir).field("settings", &self.settings).finish()
    }
}

/// Where a Slurm run stands: per configuration (the [`ConfigProgress`] rows of every run's
/// progress, with the queue), and per submitted array.
#[derive(Debug, Clone, PartialEq)]
pub struct SlurmStatus {
    /// The study's name.
    pub study: String,
    /// The run directory.
    pub run_dir: PathBuf,
    /// One row per configuration, in plan order.
    pub rows: Vec<ConfigProgress>,
    /// One entry per submitted job array.
    pub jobs: Vec<JobStatus>,
    /// Trials whose task ended without recording them, found by this poll (now recorded
    /// as failed attempts, with the reason).
    pub vanished: usize,
    /// Trials submitted by this poll.
    pub submitted: usize,
}

/// One submitted job array.
#[derive(Debug, Clone, PartialEq)]
pub struct JobStatus {
    /// The submission's number in the run directory.
    pub submission: u32,
    /// The Slurm array job id (`None` if it never reached the scheduler).
    pub job_id: Option<String>,
    /// Array tasks in it.
    pub tasks: usize,
    /// Of those, queued and running right now.
    pub in_flight: usize,
    /// Cancelled with [`SlurmRun::cancel`].
    pub cancelled: bool,
}

impl SlurmStatus {
    /// Totals over all configurations.
    pub fn totals(&self) -> ConfigProgress {
        ConfigProgress::total(&self.rows)
    }

    /// Nothing queued or running.
    pub fn is_idle(&self) -> bool {
        let t = self.totals();
        t.queued + t.running == 0
    }

    fn line(&self) -> String {
        let t = self.totals();
        format!("{} queued, {} running, {} done, {} failed, {} missing", t.queued, t.running, t.done, t.failed, t.missing)
    }
}

/// Which trials a poll submits.
#[derive(Clone, Copy, PartialEq)]
enum Submit {
    /// Nothing: only look.
    Nothing,
    /// Trials with a failed attempt and retries left (what waiting does).
    Retries,
    /// Every trial that needs running (what `submit` does).
    Missing,
}

/// Says which lines of the journal or the shards could not be read (each once: the
/// readers return only what is new).
fn warn_damaged(loaded: &Loaded) {
    if !loaded.damaged.is_empty() {
        crate::exec::progress::warn_once(&loaded.damaged.notice(DamageContext::Running));
    }
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

impl SlurmRun {
    /// Opens the run directory of the study `spec` (its plan: `plan`; resolved: see
    /// [`Study::resolved_spec`](crate::Study::resolved_spec)) for driving it on Slurm with
    /// `settings`.
    pub(crate) fn open(spec: &StudySpec, plan: Plan, options: &RunOptions, settings: Slurm) -> Result<SlurmRun> {
        let command = spec.command.as_ref().filter(|c| !c.argv.is_empty()).ok_or_else(|| {
            slurm_error(format!(
                "study `{}` has no command: a closure cannot travel to cluster nodes; give the trial as a program with .command([\"python3\", \"train.py\", ...]) (run closures locally with .run(...))",
                spec.name
            ))
        })?;
        // The resolved spec's working directory is absolute: no base to resolve against.
        let objective = CommandTrials::new(command, &plan, Path::new("."), spec.prune.as_ref())?;
        settings.sbatch_options()?; // every setting checked before anything is written
        let run_dir = options.store_dir(&spec.name).ok_or_else(|| slurm_error("a study on Slurm needs a run directory on the shared filesystem: remove .in_memory()".into()))?;
        let run_dir = std::path::absolute(&run_dir).map_err(|e| Error::Io { context: "cannot resolve the run directory".into(), source: e })?;
        let (json, hash) = (spec.to_json(), spec.hash());
        let (store, loaded) = Store::open(&run_dir, plan.name(), &json, &hash, options.lease)?;
        warn_damaged(&loaded);
        let mut ledger = Ledger::new(&plan, objective.fingerprint());
        for record in loaded.records {
            ledger.add(&plan, record);
        }
        Ok(SlurmRun {
            run_dir,
            code: objective.fingerprint().map(str::to_string),
            retries: options.retries,
            progress: options.progress,
            grace: objective.grace(),
            resources: options.resources.clone(),
            spec_hash: hash,
            store,
            settings,
            state: Mutex::new(DriverState { ledger, submissions: BTreeMap::new() }),
            adaptive: plan.sequential_rule()?.cloned(),
            spec: spec.clone(),
            plan,
        })
    }

    /// Submits every trial that needs running (not done, not queued or running already) as
    /// one job array, and returns at once. Submitting again submits nothing new while the
    /// earlier array is in flight. With `only`, just the trials with those plan indices (a
    /// scheduler's look; `Some(&[])` submits nothing).
    pub(crate) fn submit_only(&self, only: Option<&[usize]>) -> Result<SlurmStatus> {
        let only: Option<HashSet<usize>> = only.map(|o| o.iter().copied().collect());
        self.poll_some(Submit::Missing, only.as_ref())
    }

    /// Re-attaches to a run directory a study was submitted from (by this or any other
    /// process, also after a crash): the study comes from the stored spec, the Slurm
    /// settings and retries from the latest submission.
    pub fn attach(run_dir: impl AsRef<Path>) -> Result<SlurmRun> {
        let run_dir = run_dir.as_ref();
        let latest = submission::numbers(run_dir).last().copied().ok_or_else(|| {
            slurm_error(format!("nothing was submitted from {} (no {}/submission-*.json): submit the study first", run_dir.display(), submission::dir(run_dir).display()))
        })?;
        let latest = submission::load(run_dir, latest)?;
        let spec = super::submitted_spec(run_dir, &latest.spec_hash)?;
        let options = RunOptions { retries: latest.retries, resources: latest.resources.clone(), store: StoreLocation::Dir(run_dir.to_path_buf()), ..RunOptions::default() };
        SlurmRun::open(&spec, Plan::from_spec(&spec)?, &options, latest.settings)
    }

    /// The run directory.
    pub fn run_dir(&self) -> &Path {
        &self.run_dir
    }

    /// Polls the scheduler once (one `squeue` call for every array), takes in finished
    /// trials, records tasks that ended without their trials, and says where things stand.
    /// Submits nothing.
    pub fn status(&self) -> Result<SlurmStatus> {
        self.poll(Submit::Nothing)
    }

    /// Waits until nothing is queued or running, showing progress (a line when the counts
    /// change, at most every few seconds: on stdout in a notebook, stderr elsewhere), and
    /// resubmitting trials whose task vanished or failed while they have retries left
    /// (`.retries(n)` of the study, default 1). Returns the results. Trials that were never
    /// submitted (a driver killed before `sbatch` accepted them) are submitted by the next
    /// `submit`, not by waiting.
    pub fn wait(&self) -> Result<Results> {
        // A terminal gets lines too: the bar counts trials this process runs.
        let sink = match Sink::detect(self.progress) {
            Sink::Bar => Sink::Log,
            sink => sink,
        };
        let mut throttle = Throttle::new(sink);
        let mut shown = String::new();
        // Adaptive seeds: waiting also submits each next look's trials once the decisions
        // ask for them, until every comparison is decided.
        let submit = if self.adaptive.is_some() { Submit::Missing } else { Submit::Retries };
        loop {
            let status = self.poll(submit)?;
            let line = format!("ablate: {}: {}", run_label(&self.plan), status.line());
            let done = status.is_idle() && status.submitted == 0;
            // A changed line when one is due, and the last one always.
            if line != shown && (done || shown.is_empty() || throttle.due()) {
                sink.write_line(&line);
                shown = line;
            }
            if done {
                break;
            }
            std::thread::sleep(self.settings.poll_interval());
        }
        self.results()
    }

    /// Results of every trial finished so far (the summary's `n` says how many seeds each
    /// configuration has).
    pub fn results(&self) -> Result<Results> {
        self.status()?;
        Results::load_spec(&self.run_dir, &self.spec)
    }

    /// Cancels every array still queued or running (`scancel`). Their unfinished trials are
    /// not resubmitted by waiting; submitting the study again submits them.
    pub fn cancel(&self) -> Result<()> {
        let _lock = self.lock()?;
        let mut jobs = Vec::new();
        for n in submission::numbers(&self.run_dir) {
            if let Job::Id(id) = submission::job(&self.run_dir, n)
                && !submission::is_cancelled(&self.run_dir, n)
            {
                submission::mark_cancelled(&self.run_dir, n)?;
                jobs.push(id);
            }
        }
        scheduler::scancel(&jobs)
    }

    fn lock(&self) -> Result<File> {
        let dir = submission::dir(&self.run_dir);
        std::fs::create_dir_all(&dir).map_err(|e| Error::RunDir { path: dir.clone(), source: e })?;
        let path = dir.join(".driver.lock");
        let file = File::options().create(true).truncate(false).write(true).open(&path).map_err(|e| Error::Io { context: format!("cannot open {}", path.display()), source: e })?;
        file.lock().map_err(|e| Error::Io { context: format!("cannot lock {}", path.display()), source: e })?;
        Ok(file)
    }

    fn poll(&self, submit: Submit) -> Result<SlurmStatus> {
        self.poll_some(submit, None)
    }

    /// [`SlurmRun::poll`] submitting only trials in `only`, when given.
    fn poll_some(&self, submit: Submit, only: Option<&HashSet<usize>>) -> Result<SlurmStatus> {
        let _lock = self.lock()?;
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let state = &mut *state;
        for n in submission::numbers(&self.run_dir) {
            if let std::collections::btree_map::Entry::Vacant(slot) = state.submissions.entry(n) {
                slot.insert(submission::load(&self.run_dir, n)?);
            }
        }
        let mut jobs = self.job_ids(&state.submissions)?;
        let active: Vec<String> = jobs.values().filter_map(|j| j.clone()).collect();
        let queue = scheduler::squeue(&active)?;
        // An array is held only while its driver records the job id, under this lock: one
        // held now lost its driver in between.
        for job in &queue.held {
            scheduler::release(job)?;
        }
        let states = queue.states;
        // Read the shards after the scheduler: a task seen ended has written its records.
        let loaded = self.store.read_new()?;
        warn_damaged(&loaded);
        for record in loaded.records {
            state.ledger.add(&self.plan, record);
        }
        let (mut queued, running, vanished) = self.classify(state, &jobs, &states)?;
        let mut fresh = None;
        if submit != Submit::Nothing {
            let in_flight: HashSet<usize> = queued.union(&running).copied().collect();
            // Adaptive seeds: only the trials the decisions so far ask for.
            let wanted: Option<HashSet<usize>> = match &self.adaptive {
                Some(rule) => Some(crate::schedule::adaptive::wanted(&self.plan, rule, &self.recorded(&state.ledger)?)?.into_iter().collect()),
                None => None,
            };
            let todo: Vec<usize> = (0..self.plan.trials().len())
                .filter(|i| wanted.as_ref().is_none_or(|w| w.contains(i)) && only.is_none_or(|o| o.contains(i)))
                .filter(|i| !in_flight.contains(i) && !state.ledger.is_done(*i, self.retries))
                .filter(|&i| submit == Submit::Missing || state.ledger.next_attempt(i) > 1)
                .filter(|&i| !self.store.claimed_elsewhere(self.plan.trials()[i].id()))
                .collect();
            if !todo.is_empty() {
                let (sub, job) = self.submit_trials(&state.ledger, &todo)?;
                fresh = Some((sub.number, todo.len()));
                jobs.insert(sub.number, Some(job));
                queued.extend(todo);
                state.submissions.insert(sub.number, sub);
            }
        }
        Ok(self.progress(state, &jobs, &states, Flight { queued, running, vanished, fresh }))
    }

    /// The results of every trial the ledger has a record for.
    fn recorded(&self, ledger: &Ledger) -> Result<Results> {
        let records = (0..self.plan.trials().len()).filter_map(|i| ledger.standing(i).cloned()).collect();
        Results::new(self.plan.clone(), records, RunStats::default(), Some(self.run_dir.clone()))
    }

    /// The job id of each submission; a submission whose driver died before recording it is
    /// looked up by its job name (and released: it was submitted held).
    fn job_ids(&self, submissions: &BTreeMap<u32, Submission>) -> Result<BTreeMap<u32, Option<String>>> {
        let mut ids = BTreeMap::new();
        for (&n, sub) in submissions {
            let job = match submission::job(&self.run_dir, n) {
                Job::Unknown => {
                    let found = match scheduler::job_named(&sub.job_name)? {
                        Some(id) => Job::Id(id),
                        None => Job::Never,
                    };
                    submission::record_job(&self.run_dir, n, &found)?;
                    if let Job::Id(id) = &found {
                        scheduler::release(id)?;
                    }
                    found
                }
                known => known,
            };
            ids.insert(n, if let Job::Id(id) = job { Some(id) } else { None });
        }
        Ok(ids)
    }

    /// Sorts every submitted trial into queued, running, or ended; records trials whose task
    /// ended without recording them as failed attempts that say why. Returns (queued,
    /// running, vanished count).
    fn classify(&self, state: &mut DriverState, jobs: &BTreeMap<u32, Option<String>>, states: &TaskStates) -> Result<(HashSet<usize>, HashSet<usize>, usize)> {
        let (mut queued, mut running) = (HashSet::new(), HashSet::new());
        // (submission, task, trial index, attempt) of trials whose task ended unrecorded.
        let mut unrecorded: Vec<(u32, usize, usize, u32)> = Vec::new();
        for (&n, sub) in &state.submissions {
            let Some(Some(job)) = jobs.get(&n) else { continue };
            let cancelled = submission::is_cancelled(&self.run_dir, n);
            for (k, trials) in sub.tasks.iter().enumerate() {
                let task_state = states.get(&(job.clone(), k));
                let indices = trials.iter().filter_map(|t| Some((self.plan.trial_index(&t.id)?, t.attempt)));
                match task_state {
                    Some(TaskState::Pending) => queued.extend(indices.map(|(i, _)| i)),
                    Some(TaskState::Running) => running.extend(indices.map(|(i, _)| i)),
                    _ if cancelled => {}
                    _ => {
                        for (i, attempt) in indices {
                            if !state.ledger.is_done(i, self.retries) && state.ledger.next_attempt(i) <= attempt {
                                unrecorded.push((n, k, i, attempt));
                            }
                        }
                    }
                }
            }
        }
        if unrecorded.is_empty() {
            return Ok((queued, running, 0));
        }
        // How those tasks ended: the controller's memory, else accounting (one call), else
        // the worker's own exit record.
        let gone: Vec<String> = unrecorded
            .iter()
            .filter_map(|(n, k, _, _)| {
                let job = jobs.get(n)?.as_ref()?;
                (!states.contains_key(&(job.clone(), *k))).then(|| job.clone())
            })
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let accounted = if gone.is_empty() { Some(TaskStates::new()) } else { scheduler::sacct(&gone)? };
        let mut records = Vec::new();
        for (n, k, i, attempt) in unrecorded {
            let job = jobs[&n].clone().unwrap_or_default();
            let key = (job.clone(), k);
            let ended = states.get(&key).or_else(|| accounted.as_ref()?.get(&key)).cloned();
            let why = match (ended, submission::read_exit(&self.run_dir, n, k)) {
                // The batch script's early warning (--signal=B:TERM before the time limit): the
                // worker stopped its trials and exited with an error, which Slurm calls FAILED.
                (Some(TaskState::Failed), Some(exit)) if exit.signalled => {
                    "stopped by a signal before its time limit (Slurm's early warning of the limit, scancel, or preemption): its trials got SIGTERM and their grace to save a checkpoint".into()
                }
                (Some(s), _) => s.describe(),
                (None, Some(exit)) if exit.signalled => "stopped by a signal (scancel, its time limit, or preemption; Slurm accounting is off, so which one is unknown)".into(),
                (None, Some(exit)) => format!("ended: {}", exit.error.unwrap_or_else(|| "the worker exited".into())),
                (None, None) => "gone from the scheduler without a trace (node failure?)".into(),
            };
            let log = submission::logs_dir(&self.run_dir).join(format!("{job}_{k}.out"));
            let planned = &self.plan.trials()[i];
            let trial = self.plan.trial(planned);
            records.push(TrialRecord {
                id: trial.id.clone(),
                config: trial.config.clone(),
                seed: trial.seed,
                replicate: trial.replicate,
                status: Status::Failed,
                error: Some(format!("Slurm task {job}_{k} was {why} before this trial recorded a result; its output: {}", log.display())),
                metrics: Default::default(),
                duration_s: 0.0,
                started_at_ms: state.submissions[&n].created_ms,
                attempt,
                reports: Vec::new(),
                continuation: None,
                provenance: Default::default(),
                pruned_at: None,
                code: self.code.clone(),
            });
        }
        self.store.append(&records)?;
        let vanished = records.len();
        for record in records {
            state.ledger.add(&self.plan, record);
        }
        Ok((queued, running, vanished))
    }

    /// Writes a submission for `todo` (plan indices), its batch script, and submits it held,
    /// records the job id, then releases it: no task runs before its job id is on disk.
    fn submit_trials(&self, ledger: &Ledger, todo: &[usize]) -> Result<(Submission, String)> {
        let ablate_bin = match &self.settings.ablate_bin {
            Some(bin) => bin.clone(),
            None => find_on_path("ablate").ok_or_else(|| {
                slurm_error("the `ablate` binary is not on PATH: install it where the nodes see it (cargo install --path cli --root /shared/tools) and set .ablate_bin(\"/shared/tools/bin/ablate\") or `ablate_bin` in [slurm]".into())
            })?,
        };
        let tasks: Vec<Vec<SubmittedTrial>> = todo
            .chunks(self.settings.chunk())
            .map(|chunk| chunk.iter().map(|&i| SubmittedTrial { id: self.plan.trials()[i].id().clone(), attempt: ledger.next_attempt(i) }).collect())
            .collect();
        let draft = Submission {
            number: 0,
            created_ms: now_ms(),
            job_name: String::new(),
            retries: self.retries,
            spec_hash: self.spec_hash.clone(),
            settings: self.settings.clone(),
            resources: self.resources.clone(),
            tasks,
        };
        let dir_hash: String = Sha256::digest(self.run_dir.display().to_string().as_bytes())[..4].iter().map(|b| format!("{b:02x}")).collect();
        let sub = submission::create(&self.run_dir, draft, |n| format!("ablate-{dir_hash}-{n}"))?;
        let script_path = submission::script_path(&self.run_dir, sub.number);
        let text = script::batch_script(self.plan.name(), &self.settings, &self.resources, &ablate_bin, &self.run_dir, sub.number, self.grace)?;
        crate::store::files::write_bytes_atomically(&script_path, text.as_bytes())?;
        let last = sub.tasks.len() - 1;
        let array = match self.settings.max_parallel {
            Some(k) => format!("--array=0-{last}%{k}"),
            None => format!("--array=0-{last}"),
        };
        let args = vec![
            "--hold".to_string(),
            array,
            format!("--job-name={}", sub.job_name),
            format!("--output={}", submission::logs_dir(&self.run_dir).join("%A_%a.out").display()),
            "--open-mode=append".into(),
            if self.settings.no_requeue { "--no-requeue".into() } else { "--requeue".into() },
        ];
        let job = match scheduler::sbatch(&script_path, &args) {
            Ok(id) => id,
            Err(e) => {
                submission::record_job(&self.run_dir, sub.number, &Job::Never)?;
                return Err(e);
            }
        };
        submission::record_job(&self.run_dir, sub.number, &Job::Id(job.clone()))?;
        scheduler::release(&job)?;
        Ok((sub, job))
    }

    fn progress(&self, state: &DriverState, jobs: &BTreeMap<u32, Option<String>>, states: &TaskStates, flight: Flight) -> SlurmStatus {
        let mut rows: Vec<ConfigProgress> = (0..self.plan.configs().len()).map(|c| ConfigProgress { config: self.plan.label(c), ..Default::default() }).collect();
        for (i, t) in self.plan.trials().iter().enumerate() {
            let row = &mut rows[t.config_index()];
            if state.ledger.standing(i).is_some_and(|r| r.status == Status::Ok) {
                row.done += 1;
            } else if flight.running.contains(&i) {
                row.running += 1;
            } else if flight.queued.contains(&i) {
                row.queued += 1;
            } else if state.ledger.is_done(i, self.retries) {
                row.failed += 1;
            } else {
                row.missing += 1;
            }
        }
        let job_rows = state
            .submissions
            .iter()
            .map(|(&n, sub)| {
                let job_id = jobs.get(&n).cloned().flatten();
                // The scheduler was asked before this poll's own submission: all of its tasks are queued.
                let in_flight = match (&job_id, flight.fresh) {
                    (_, Some((fresh, _))) if fresh == n => sub.tasks.len(),
                    (Some(j), _) => (0..sub.tasks.len()).filter(|&k| states.get(&(j.clone(), k)).is_some_and(TaskState::in_flight)).count(),
                    (None, _) => 0,
                };
                JobStatus { submission: n, job_id, tasks: sub.tasks.len(), in_flight, cancelled: submission::is_cancelled(&self.run_dir, n) }
            })
            .collect();
        SlurmStatus {
            study: self.plan.name().to_string(),
            run_dir: self.run_dir.clone(),
            rows,
            jobs: job_rows,
            vanished: flight.vanished,
            submitted: flight.fresh.map_or(0, |(_, n)| n),
        }
    }
}

/// How progress lines name a run: the study, with the level of its fidelity or size axis
/// when it has one ("mlp (epochs=10)"), since the rungs of a multi-fidelity run and the sizes
/// of a scale transfer share the study's name and run directory.
fn run_label(plan: &Plan) -> String {
    match plan.params().iter().find(|p| p.role() != Role::Ordinary) {
        Some(axis) => format!("{} ({}={})", plan.name(), axis.name(), axis.baseline()),
        None => plan.name().to_string(),
    }
}

/// What one poll found in flight, and what it did.
struct Flight {
    queued: HashSet<usize>,
    running: HashSet<usize>,
    vanished: usize,
    /// The submission this poll made, and how many trials it holds.
    fresh: Option<(u32, usize)>,
}
