//! Command trials: the user's own program (a Python training script, a shell-free binary in
//! any language) run as a child process per trial, never through a shell.
//!
//! The protocol:
//! - argv is a template (`["python3", "train.py", "--lr", "{lr}", "--seed", "{seed}"]`):
//!   `{<param>}`, `{seed}`, `{replicate}`, `{trial_id}` and `{trial_dir}` are replaced, `{{`
//!   and `}}` are literal braces. Every element reaches the program as one argument, whatever
//!   it contains (`; rm -rf ~` stays a string).
//! - The environment adds `ABLATE_TRIAL_ID`, `ABLATE_SEED`, `ABLATE_REPLICATE`,
//!   `ABLATE_PARAMS` (a plain JSON object of the configuration), `ABLATE_TRIAL_DIR` (the
//!   trial's own directory) and `ABLATE_RESULT_FILE`.
//! - The result is a JSON object of metrics written to `ABLATE_RESULT_FILE`, or a stdout
//!   line `ABLATE_RESULT {...}` (the last one counts); lines `ABLATE_REPORT {"step": s, ...}`
//!   are intermediate values (the learning curve).
//! - stdout and stderr go to `stdout.log` and `stderr.log` in the trial directory. A non-zero
//!   exit, a signal, a timeout, or a missing or invalid result fails the trial with the last
//!   lines of stderr.
//! - A trial promoted to a higher fidelity (more epochs) of a multi-fidelity run gets
//!   `ABLATE_RESUME_FROM`: the directory of the same config and seed at the nearest cheaper
//!   level that ran. A script that continues from a checkpoint there prints
//!   `ABLATE_RESUMED {"from": "<that dir>"}`; the record says whether it did.
//! - The child leads its own process group: a timeout or an interrupt stops the whole group,
//!   and the child is killed by the kernel if the driver dies (`PR_SET_PDEATHSIG`).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use super::{Objective, Outcome, TrialContext};
use crate::error::{Error, Result};
use crate::plan::Plan;
use crate::resources::{Placement, DEVICE_VARIABLES, THREAD_VARIABLES};
use crate::space::{Config, Value};
use crate::prune::{Curve, Decision, PruneRule};
use crate::spec::Prune;
use crate::store::{Continuation, GitState};
use crate::trial::{Metrics, StepReport, Trial, TrialId};

/// The file a command trial writes its metrics to (inside its trial directory).
pub const RESULT_FILE: &str = "result.json";
/// Prefix of the stdout line that carries the result.
pub const RESULT_PREFIX: &str = "ABLATE_RESULT ";
/// Prefix of stdout lines that carry intermediate values.
pub const REPORT_PREFIX: &str = "ABLATE_REPORT ";
/// Prefix of the stdout line that says the trial continued from `ABLATE_RESUME_FROM`.
pub const RESUMED_PREFIX: &str = "ABLATE_RESUMED ";
/// How long a stopped trial's process group gets between SIGTERM and SIGKILL by default
/// (`grace_s`): time to save a checkpoint.
const DEFAULT_GRACE: Duration = Duration::from_secs(30);
/// The longest grace a study may give (a day).
const MAX_GRACE_S: f64 = 86_400.0;
/// Lines of stderr quoted in a failure message.
const STDERR_TAIL_LINES: usize = 12;


pub use crate::spec::CommandSpec;

/// One piece of an argv template.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Piece {
    Text(String),
    Param(String),
    Seed,
    Replicate,
    TrialId,
    TrialDir,
}

/// A study's command, checked against its plan and ready to run trials.
#[derive(Debug, Clone)]
pub struct CommandTrials {
    program: PathBuf,
    args: Vec<Vec<Piece>>,
    workdir: PathBuf,
    env: BTreeMap<String, String>,
    timeout: Option<Duration>,
    /// Between SIGTERM and SIGKILL when a trial is stopped.
    grace: Duration,
    fingerprint: String,
    /// The study's fidelity levels, for `ABLATE_RESUME_FROM` (none without a fidelity).
    rungs: Option<Rungs>,
    /// The git state of the working directory, recorded with every trial.
    git: Option<GitState>,
    /// The study's pruning rule, with the baseline's trials to compare against.
    pruner: Option<Pruner>,
}

/// The pruning rule of a study and the baseline's trials whose learning curves (read from
/// their `stdout.log`, while they run or after) a trial is compared with.
#[derive(Debug, Clone)]
struct Pruner {
    rule: PruneRule,
    baseline: Config,
    /// The baseline's trials: (seed, id).
    baseline_trials: Vec<(u64, TrialId)>,
    /// The fidelity param, whose value is a trial's full budget.
    fidelity: Option<String>,
}

impl Pruner {
    fn new(prune: &Prune, plan: &Plan) -> Result<Pruner> {
        Ok(Pruner {
            rule: PruneRule::new(prune, plan.metrics())?,
            baseline: plan.baseline().clone(),
            baseline_trials: plan.trials().iter().filter(|t| t.config_index() == 0).map(|t| (t.seed(), t.id().clone())).collect(),
            fidelity: plan.params().iter().find(|p| p.is_fidelity()).map(|p| p.name().to_string()),
        })
    }

    /// Whether to stop `trial`, whose reports so far are `own`, against the baseline's
    /// curves in their trial directories beside `trial_dir` (the baseline itself never).
    fn check(&self, trial: &Trial, own: &[StepReport], trial_dir: &Path) -> Option<Decision> {
        if *trial.config() == self.baseline {
            return None;
        }
        let trials = trial_dir.parent()?;
        let curves: Vec<(u64, Curve)> =
            self.baseline_trials.iter().map(|(seed, id)| (*seed, self.rule.curve(&read_stdout(&trials.join(id.as_str()).join("stdout.log")).reports))).collect();
        let same_seed = &curves.iter().find(|(seed, _)| *seed == trial.seed())?.1;
        let all: Vec<&Curve> = curves.iter().map(|(_, c)| c).collect();
        let fidelity = self.fidelity.as_ref().and_then(|f| if let Some(Value::Int(i)) = trial.config().get(f) { Some(*i) } else { None });
        self.rule.decide(&self.rule.curve(own), same_seed, &all, fidelity)
    }
}

/// A study's fidelity parameter and levels: where a trial of a higher level finds the
/// directory of the same config and seed at a cheaper one.
#[derive(Debug, Clone)]
struct Rungs {
    param: String,
    /// Ascending.
    levels: Vec<i64>,
    code_version: Option<String>,
}

impl Rungs {
    fn of(plan: &Plan) -> Option<Rungs> {
        let param = plan.params().iter().find(|p| p.is_fidelity())?;
        let mut levels: Vec<i64> = param.level_list()?.iter().filter_map(|v| if let Value::Int(i) = v { Some(*i) } else { None }).collect();
        levels.sort_unstable();
        Some(Rungs { param: param.name().to_string(), levels, code_version: plan.code_version().map(str::to_string) })
    }

    /// The nearest cheaper level of `trial` whose trial directory (beside `trial_dir`)
    /// exists: that trial's id, level and directory.
    fn previous(&self, trial: &Trial, trial_dir: &Path) -> Option<(TrialId, i64, PathBuf)> {
        let Some(Value::Int(level)) = trial.config().get(&self.param) else { return None };
        let trials = trial_dir.parent()?;
        self.levels.iter().rev().filter(|&&l| l < *level).find_map(|&cheaper| {
            let mut config = trial.config().clone();
            config.set(&self.param, Value::Int(cheaper));
            let id = TrialId::compute(&config, trial.seed(), self.code_version.as_deref());
            let dir = trials.join(id.as_str());
            dir.is_dir().then_some((id, cheaper, dir))
        })
    }
}

impl CommandTrials {
    /// Checks `spec` against `plan` (every placeholder names a param or a trial field, the
    /// program exists, fingerprinted files exist) with relative paths taken from `base_dir`;
    /// `prune`: the study's pruning settings.
    pub fn new(spec: &CommandSpec, plan: &Plan, base_dir: &Path, prune: Option<&Prune>) -> Result<CommandTrials> {
        let Some(program) = spec.argv.first() else {
            return Err(Error::Command { message: "the command is empty: give the program and its arguments, e.g. [\"python3\", \"train.py\"]".into() });
        };
        if let Some(seed) = plan.seeds().iter().find(|&&s| s > u64::from(u32::MAX)) {
            return Err(Error::Command {
                message: format!("seed {seed} does not fit in 32 bits: command trials get seeds below 2^32 (what numpy, scikit-learn and PyTorch accept); give smaller seeds"),
            });
        }
        let known: Vec<String> = plan.params().iter().map(|p| p.name().to_string()).collect();
        let mut args = Vec::with_capacity(spec.argv.len());
        for arg in &spec.argv[1..] {
            args.push(parse_template(arg, &known)?);
        }
        let program_pieces = parse_template(program, &known)?;
        let program = match program_pieces.as_slice() {
            [Piece::Text(p)] => p.clone(),
            [] => return Err(Error::Command { message: "the command's program name is empty".into() }),
            _ => return Err(Error::Command { message: format!("the program `{program}` may not contain placeholders: put them in the arguments") }),
        };
        let base_dir = absolute(base_dir)?;
        let workdir = match &spec.workdir {
            Some(w) => base_dir.join(w),
            None => base_dir,
        };
        if !workdir.is_dir() {
            return Err(Error::Command { message: format!("the command's working directory {} does not exist: create it or change `workdir`", workdir.display()) });
        }
        for name in spec.env.keys() {
            if name.is_empty() || name.contains('=') || name.contains('\0') || name.starts_with("ABLATE_") {
                return Err(Error::Command { message: format!("environment variable name {name:?} cannot be set by the study (empty, contains `=`, or reserved ABLATE_*)") });
            }
        }
        let path_var = spec.env.get("PATH").cloned().or_else(|| std::env::var("PATH").ok()).unwrap_or_default();
        let program = resolve_program(&program, &workdir, &path_var)?;
        let timeout = match spec.timeout_s {
            None => None,
            Some(s) if s.is_finite() && s > 0.0 => Some(Duration::try_from_secs_f64(s).map_err(|_| Error::Command {
                message: format!("timeout {s} s is longer than ablate can count: give a shorter timeout_s, or none for no limit"),
            })?),
            Some(s) => return Err(Error::Command { message: format!("timeout {s} s is not a positive number of seconds") }),
        };
        let grace = match spec.grace_s {
            None => DEFAULT_GRACE,
            Some(s) if s.is_finite() && (0.0..=MAX_GRACE_S).contains(&s) => Duration::from_secs_f64(s),
            Some(s) => return Err(Error::Command { message: format!("grace_s = {s}: give the seconds a stopped trial gets to save its work, from 0 to {MAX_GRACE_S} (a day)") }),
        };
        let fingerprint = fingerprint(spec, &program, &workdir)?;
        let git = git_state(&workdir);
        let pruner = prune.map(|p| Pruner::new(p, plan)).transpose()?;
        Ok(CommandTrials { program, args, workdir, env: spec.env.clone(), timeout, grace, fingerprint, rungs: Rungs::of(plan), git, pruner })
    }

    /// How long a stopped trial gets between SIGTERM and SIGKILL (`grace_s`).
    pub fn grace(&self) -> Duration {
        self.grace
    }

    /// The program that runs (resolved on PATH).
    pub fn program(&self) -> &Path {
        &self.program
    }

    /// The arguments for one trial, with every placeholder replaced.
    pub fn argv_for(&self, trial: &Trial, trial_dir: &Path) -> Vec<String> {
        self.args.iter().map(|pieces| render(pieces, trial, trial_dir)).collect()
    }

    fn spawn(&self, trial: &Trial, trial_dir: &Path, stdout: File, stderr: File, placement: Option<&Placement>, resume_from: Option<&Path>) -> std::io::Result<std::process::Child> {
        let mut command = Command::new(&self.program);
        command.args(self.argv_for(trial, trial_dir)).current_dir(&self.workdir).envs(&self.env);
        if let Some(dir) = resume_from {
            command.env("ABLATE_RESUME_FROM", dir);
        }
        if let Some(placement) = placement {
            // CPU threads where neither the driver's environment nor the command's `env` set them.
            let threads = placement.cpus.to_string();
            for name in THREAD_VARIABLES.iter().filter(|v| std::env::var_os(v).is_none() && !self.env.contains_key(**v)) {
                command.env(name, &threads);
            }
            // The trial's GPUs, whatever the driver or the command's `env` say: the pool decides.
            if !placement.devices.is_empty() {
                let devices = placement.devices.join(",");
                for name in DEVICE_VARIABLES {
                    command.env(name, &devices);
                }
                command.env("ABLATE_DEVICES", &devices);
            }
        }
        command
            .env("ABLATE_TRIAL_ID", trial.id().as_str())
            .env("ABLATE_SEED", trial.seed().to_string())
            .env("ABLATE_REPLICATE", trial.replicate().to_string())
            .env("ABLATE_PARAMS", params_json(trial.config()))
            .env("ABLATE_TRIAL_DIR", trial_dir)
            .env("ABLATE_RESULT_FILE", trial_dir.join(RESULT_FILE))
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr)
            .process_group(0);
        let parent = std::process::id() as libc::pid_t;
        // SAFETY: only async-signal-safe calls (prctl, getppid, _exit) run between fork and exec.
        unsafe {
            command.pre_exec(move || {
                // Die with the thread that spawned us (the driver's worker), even on kill -9.
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                if libc::getppid() != parent {
                    libc::_exit(137); // the driver died before prctl took effect
                }
                Ok(())
            });
        }
        command.spawn()
    }

    fn run_in(&self, trial: &Trial, dir: &Path, context: &TrialContext<'_>) -> std::result::Result<Outcome, String> {
        let result_path = dir.join(RESULT_FILE);
        let _ = std::fs::remove_file(&result_path);
        let open_log = |name: &str| File::create(dir.join(name)).map_err(|e| format!("cannot create {}: {e}", dir.join(name).display()));
        let stdout = open_log("stdout.log")?;
        let stderr = open_log("stderr.log")?;
        let previous = self.rungs.as_ref().and_then(|r| r.previous(trial, dir));
        let mut child = self
            .spawn(trial, dir, stdout, stderr, context.placement, previous.as_ref().map(|(_, _, d)| d.as_path()))
            .map_err(|e| format!("cannot start `{}`: {e}", self.program.display()))?;
        let group = child.id() as libc::pid_t;
        let (done_tx, done_rx) = mpsc::channel::<()>();
        let timeout = self.timeout;
        // The pruning rule, asked whenever the trial's stdout grew (checked twice a second).
        let stdout_log = dir.join("stdout.log");
        let mut seen_len = 0;
        let mut prune_check = || -> Option<Decision> {
            let pruner = self.pruner.as_ref()?;
            let len = std::fs::metadata(&stdout_log).map_or(0, |m| m.len());
            if len == seen_len {
                return None;
            }
            seen_len = len;
            pruner.check(trial, &read_stdout(&stdout_log).reports, dir)
        };
        let stopped = std::thread::scope(|scope| {
            let grace = self.grace;
            let watchdog = scope.spawn(move || watch(group, timeout, grace, context, &done_rx, &mut prune_check));
            let status = child.wait();
            let _ = done_tx.send(());
            (status, watchdog.join().unwrap_or(None))
        });
        let (status, stop) = stopped;
        // Whatever the trial left running in its group goes with it.
        kill_group(group, libc::SIGKILL);
        let status = status.map_err(|e| format!("cannot wait for `{}`: {e}", self.program.display()))?;
        let out = || read_stdout(&dir.join("stdout.log"));
        let continuation = |out: &TrialStdout| {
            previous.clone().map(|(from, from_level, from_dir)| {
                let resumed = out.resumed_from.iter().any(|d| Path::new(d) == from_dir);
                Continuation { from, from_level, resumed }
            })
        };
        match stop {
            Some(Stop::Cancelled) => return Ok(Outcome::Interrupted),
            Some(Stop::TimedOut(limit)) => {
                return Err(with_stderr_tail(format!("timed out after {} s: its process group was stopped", limit.as_secs_f64()), dir));
            }
            Some(Stop::Pruned(decision)) => {
                let out = out();
                let reason = self.pruner.as_ref().map_or_else(String::new, |p| decision.reason(&p.rule));
                return Ok(Outcome::Pruned { step: decision.step, reason, continuation: continuation(&out), reports: out.reports });
            }
            None => {}
        }
        if stopped_with_the_run(status, context) {
            return Ok(Outcome::Interrupted);
        }
        let out = out();
        let continuation = continuation(&out);
        if !status.success() {
            return Err(with_stderr_tail(describe_exit(status), dir));
        }
        let metrics = read_result(dir, out.result)?;
        Ok(Outcome::Finished { metrics: Ok(metrics), reports: out.reports, continuation })
    }
}

impl Objective for CommandTrials {
    fn run(&self, trial: &Trial, context: &TrialContext<'_>) -> Outcome {
        let Some(dir) = context.trial_dir else {
            return Outcome::Finished { metrics: Err("internal: a command trial needs its trial directory".into()), reports: Vec::new(), continuation: None };
        };
        match self.run_in(trial, dir, context) {
            Ok(outcome) => outcome,
            Err(message) => {
                let reports = read_stdout(&dir.join("stdout.log")).reports;
                Outcome::Finished { metrics: Err(message), reports, continuation: None }
            }
        }
    }

    fn fingerprint(&self) -> Option<&str> {
        Some(&self.fingerprint)
    }

    fn uses_trial_dirs(&self) -> bool {
        true
    }

    fn spawns_processes(&self) -> bool {
        true
    }

    fn git_state(&self) -> Option<&GitState> {
        self.git.as_ref()
    }
}

/// The commit checked out in `dir`'s git working tree and whether tracked files changed
/// (`None`: not in a repository, or git is not installed). git runs directly, never
/// through a shell.
fn git_state(dir: &Path) -> Option<GitState> {
    let git = |args: &[&str]| -> Option<String> {
        let out = Command::new("git").arg("-C").arg(dir).args(args).stdin(Stdio::null()).stderr(Stdio::null()).output().ok()?;
        out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    let commit = git(&["rev-parse", "--verify", "HEAD"])?;
    let dirty = !git(&["status", "--porcelain", "--untracked-files=no"])?.is_empty();
    Some(GitState { commit, dirty })
}

/// Whether a trial killed by SIGTERM, SIGINT or SIGHUP went down with the run: a terminal's
/// Ctrl-C, or Slurm's `scancel` or time limit, which signal every process of the job at once.
/// The run learns of its own signal within a few polls, so that long is waited for.
fn stopped_with_the_run(status: ExitStatus, context: &TrialContext<'_>) -> bool {
    if !matches!(status.signal(), Some(libc::SIGTERM | libc::SIGINT | libc::SIGHUP)) {
        return false;
    }
    let started = Instant::now();
    while started.elapsed() < Duration::from_millis(500) {
        if context.cancelled() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    false
}

/// Why the watchdog stopped a trial.
enum Stop {
    TimedOut(Duration),
    Cancelled,
    Pruned(Decision),
}

/// Waits until the trial ends (`done` fires), its time limit passes, the run is cancelled,
/// or `prune` (asked every half second) says to stop it; in all but the first case stops
/// the process group: SIGTERM, then SIGKILL after `grace` if it is still running (a script
/// saves its checkpoint in between).
fn watch(
    group: libc::pid_t,
    timeout: Option<Duration>,
    grace: Duration,
    context: &TrialContext<'_>,
    done: &mpsc::Receiver<()>,
    prune: &mut dyn FnMut() -> Option<Decision>,
) -> Option<Stop> {
    const POLL: Duration = Duration::from_millis(50);
    const PRUNE_EVERY: Duration = Duration::from_millis(500);
    let started = Instant::now();
    let mut asked = Instant::now();
    let stop = loop {
        let wait = match timeout {
            Some(limit) => limit.saturating_sub(started.elapsed()).min(POLL),
            None => POLL,
        };
        match done.recv_timeout(wait) {
            Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected) => return None,
            Err(mpsc::RecvTimeoutError::Timeout) => {}
        }
        if context.cancelled() {
            break Stop::Cancelled;
        }
        if asked.elapsed() >= PRUNE_EVERY {
            asked = Instant::now();
            if let Some(decision) = prune() {
                break Stop::Pruned(decision);
            }
        }
        if let Some(limit) = timeout
            && started.elapsed() >= limit
        {
            break Stop::TimedOut(limit);
        }
    };
    kill_group(group, libc::SIGTERM);
    if done.recv_timeout(grace).is_err() {
        kill_group(group, libc::SIGKILL);
    }
    Some(stop)
}

fn kill_group(group: libc::pid_t, signal: libc::c_int) {
    // SAFETY: kill has no memory-safety preconditions; a negative pid names a process group.
    unsafe {
        libc::kill(-group, signal);
    }
}

/// "exited with code 2", "killed by signal 9 (SIGKILL: out of memory, or killed by hand)".
fn describe_exit(status: ExitStatus) -> String {
    if let Some(code) = status.code() {
        return format!("exited with code {code}");
    }
    match status.signal() {
        Some(9) => "killed by signal 9 (SIGKILL: out of memory, or killed from outside)".into(),
        Some(11) => "killed by signal 11 (SIGSEGV: the program crashed)".into(),
        Some(15) => "killed by signal 15 (SIGTERM)".into(),
        Some(s) => format!("killed by signal {s}"),
        None => format!("ended with status {status}"),
    }
}

/// Appends the last lines of the trial's stderr to a failure message.
fn with_stderr_tail(message: String, dir: &Path) -> String {
    let tail = stderr_tail(&dir.join("stderr.log"));
    if tail.is_empty() {
        format!("{message} (stderr was empty)")
    } else {
        format!("{message}; last lines of stderr:\n{tail}")
    }
}

/// The last lines of a log file, at most 12 lines and 4 KiB.
pub fn stderr_tail(path: &Path) -> String {
    const MAX: u64 = 4096;
    let Ok(mut file) = File::open(path) else { return String::new() };
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let start = len.saturating_sub(MAX);
    if file.seek(SeekFrom::Start(start)).is_err() {
        return String::new();
    }
    let mut bytes = Vec::new();
    let _ = file.read_to_end(&mut bytes);
    let text = String::from_utf8_lossy(&bytes);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let from = lines.len().saturating_sub(STDERR_TAIL_LINES);
    lines[from..].iter().map(|l| format!("  {l}")).collect::<Vec<_>>().join("\n")
}

/// The longest stdout line read whole (longer lines keep their first MiB: no `ABLATE_`
/// line is that long, and a program that prints gigabytes without a newline must not make
/// ablate hold them).
const MAX_LINE: usize = 1 << 20;
/// The largest result file read (a result is one small JSON object of metrics).
const MAX_RESULT_FILE: u64 = 16 << 20;

/// The last `ABLATE_RESULT` line of a trial's stdout: its JSON, or why it cannot be read.
pub(crate) type ResultLine = std::result::Result<String, String>;

/// The metrics a finished trial left in its directory `dir`: its result file when there is
/// one, else its last `ABLATE_RESULT` line; otherwise the message the trial fails with.
pub(crate) fn read_result(dir: &Path, result_line: Option<ResultLine>) -> std::result::Result<Metrics, String> {
    let path = dir.join(RESULT_FILE);
    let mut bytes = Vec::new();
    match File::open(&path).and_then(|file| file.take(MAX_RESULT_FILE + 1).read_to_end(&mut bytes)) {
        Ok(_) if bytes.len() as u64 > MAX_RESULT_FILE => {
            Err(format!("{} is larger than {} MiB: write one JSON object of metrics such as {{\"accuracy\": 0.91}}", path.display(), MAX_RESULT_FILE >> 20))
        }
        Ok(_) => {
            let text = String::from_utf8(bytes).map_err(|_| format!("{} is not UTF-8 text: write one JSON object of metrics such as {{\"accuracy\": 0.91}}", path.display()))?;
            parse_metrics(&text).map_err(|e| format!("{} is not a JSON object of metrics: {e}", path.display()))
        }
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(format!("cannot read {}: {e}", path.display())),
        Err(_) => match result_line {
            Some(line) => parse_metrics(&line?).map_err(|e| format!("the ABLATE_RESULT line is not a JSON object of metrics: {e}")),
            None => Err(with_stderr_tail(
                "finished without a result: write a JSON object of metrics to $ABLATE_RESULT_FILE, or print a last line `ABLATE_RESULT {\"accuracy\": 0.91}`".into(),
                dir,
            )),
        },
    }
}

/// What ablate reads from a trial's stdout.
#[derive(Debug, Default)]
pub(crate) struct TrialStdout {
    /// The `ABLATE_REPORT` values, in order.
    pub reports: Vec<StepReport>,
    /// The last `ABLATE_RESULT` line.
    pub result: Option<ResultLine>,
    /// The directories `ABLATE_RESUMED` lines name.
    pub resumed_from: Vec<String>,
}

/// Reads a trial's stdout: its `ABLATE_REPORT` values, its last `ABLATE_RESULT` line and
/// its `ABLATE_RESUMED` lines.
pub(crate) fn read_stdout(path: &Path) -> TrialStdout {
    let mut out = TrialStdout::default();
    let Ok(file) = File::open(path) else { return out };
    for_each_line(BufReader::new(file), MAX_LINE, |line, cut| {
        let line = String::from_utf8_lossy(line);
        let line = line.trim_end_matches('\r');
        if let Some(rest) = line.strip_prefix(RESULT_PREFIX) {
            out.result = Some(if cut { Err(format!("the ABLATE_RESULT line is longer than {} MiB: print one small JSON object of metrics", MAX_LINE >> 20)) } else { Ok(rest.to_string()) });
        } else if let Some(rest) = line.strip_prefix(REPORT_PREFIX)
            && !cut
            && let Some(report) = parse_report(rest)
        {
            out.reports.push(report);
        } else if let Some(rest) = line.strip_prefix(RESUMED_PREFIX)
            && !cut
            && let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(rest)
            && let Some(serde_json::Value::String(from)) = map.get("from")
        {
            out.resumed_from.push(from.clone());
        }
    });
    out
}

/// Calls `f` with each line of `reader` (without its newline), at most `max` bytes of it,
/// and whether the line was longer. A read error ends the lines.
fn for_each_line(mut reader: impl BufRead, max: usize, mut f: impl FnMut(&[u8], bool)) {
    let (mut line, mut cut) = (Vec::new(), false);
    while let Ok(buffer) = reader.fill_buf() {
        if buffer.is_empty() {
            if !line.is_empty() || cut {
                f(&line, cut);
            }
            break;
        }
        let newline = buffer.iter().position(|&b| b == b'\n');
        let chunk = &buffer[..newline.unwrap_or(buffer.len())];
        let room = max - line.len();
        line.extend_from_slice(&chunk[..chunk.len().min(room)]);
        cut |= chunk.len() > room;
        let used = newline.map_or(buffer.len(), |i| i + 1);
        reader.consume(used);
        if newline.is_some() {
            f(&line, cut);
            line.clear();
            cut = false;
        }
    }
}

fn parse_report(text: &str) -> Option<StepReport> {
    let mut values = parse_metrics(text).ok()?;
    let step = values.get("step")?;
    if step.fract() != 0.0 {
        return None;
    }
    values.0.retain(|(name, _)| name != "step");
    Some(StepReport { step: step as i64, values })
}

/// Parses a JSON object of numbers. Python's `NaN`/`Infinity` (which `json.dumps` writes)
/// are read as such, so the study can say which metric was not finite.
fn parse_metrics(text: &str) -> std::result::Result<Metrics, String> {
    let relaxed = text.replace("-Infinity", "\"-inf\"").replace("Infinity", "\"inf\"").replace("NaN", "\"nan\"");
    let value: serde_json::Value = serde_json::from_str(relaxed.trim()).map_err(|e| e.to_string())?;
    let serde_json::Value::Object(map) = value else {
        return Err("expected an object such as {\"accuracy\": 0.91}".into());
    };
    let mut metrics = Metrics::new();
    for (name, value) in map {
        let number = match &value {
            serde_json::Value::Number(n) => n.as_f64().ok_or_else(|| format!("metric `{name}` is not a number"))?,
            serde_json::Value::String(s) if s == "nan" => f64::NAN,
            serde_json::Value::String(s) if s == "inf" => f64::INFINITY,
            serde_json::Value::String(s) if s == "-inf" => f64::NEG_INFINITY,
            other => return Err(format!("metric `{name}` is {other}, not a number")),
        };
        metrics.insert(&name, number);
    }
    Ok(metrics)
}

/// A value as it appears in argv: floats as shortest round-trip JSON numbers (`0.001`,
/// `100.0`, `1e-8`), ints, strings as they are, bools as `true`/`false`.
pub fn format_arg(value: &Value) -> String {
    match value {
        Value::Float(x) => serde_json::Number::from_f64(*x).map_or_else(|| x.to_string(), |n| n.to_string()),
        Value::Int(i) => i.to_string(),
        Value::Str(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
    }
}

/// `ABLATE_PARAMS`: the configuration as a plain JSON object.
pub fn params_json(config: &Config) -> String {
    let mut map = serde_json::Map::new();
    for (name, value) in config.iter() {
        let json = match value {
            Value::Float(x) => serde_json::Number::from_f64(*x).map_or(serde_json::Value::Null, serde_json::Value::Number),
            Value::Int(i) => serde_json::Value::from(*i),
            Value::Str(s) => serde_json::Value::from(s.as_str()),
            Value::Bool(b) => serde_json::Value::from(*b),
        };
        map.insert(name.to_string(), json);
    }
    serde_json::Value::Object(map).to_string()
}

fn render(pieces: &[Piece], trial: &Trial, trial_dir: &Path) -> String {
    let mut out = String::new();
    for piece in pieces {
        match piece {
            Piece::Text(t) => out.push_str(t),
            Piece::Param(name) => out.push_str(&trial.config().get(name).map(format_arg).unwrap_or_default()),
            Piece::Seed => {
                let _ = write!(out, "{}", trial.seed());
            }
            Piece::Replicate => {
                let _ = write!(out, "{}", trial.replicate());
            }
            Piece::TrialId => out.push_str(trial.id().as_str()),
            Piece::TrialDir => out.push_str(&trial_dir.to_string_lossy()),
        }
    }
    out
}

/// Splits a template into text and placeholders; every placeholder must be known.
pub(crate) fn parse_template(template: &str, params: &[String]) -> Result<Vec<Piece>> {
    let mut pieces = Vec::new();
    let mut text = String::new();
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                text.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                text.push('}');
            }
            '{' => {
                let mut name = String::new();
                let mut closed = false;
                for c in chars.by_ref() {
                    if c == '}' {
                        closed = true;
                        break;
                    }
                    name.push(c);
                }
                if !closed {
                    return Err(Error::Command { message: format!("argument {template:?} has a `{{` without its `}}`: write `{{{{` for a literal brace") });
                }
                if !text.is_empty() {
                    pieces.push(Piece::Text(std::mem::take(&mut text)));
                }
                pieces.push(match name.as_str() {
                    "seed" => Piece::Seed,
                    "replicate" => Piece::Replicate,
                    "trial_id" => Piece::TrialId,
                    "trial_dir" => Piece::TrialDir,
                    n if params.iter().any(|p| p == n) => Piece::Param(name),
                    _ => {
                        return Err(Error::Command {
                            message: format!(
                                "argument {template:?} names `{{{name}}}`, which is neither a param nor one of {{seed}}, {{replicate}}, {{trial_id}}, {{trial_dir}}; params: {}",
                                params.join(", ")
                            ),
                        });
                    }
                });
            }
            '}' => return Err(Error::Command { message: format!("argument {template:?} has a `}}` without its `{{`: write `}}}}` for a literal brace") }),
            c => text.push(c),
        }
    }
    if !text.is_empty() {
        pieces.push(Piece::Text(text));
    }
    Ok(pieces)
}

fn absolute(path: &Path) -> Result<PathBuf> {
    std::path::absolute(path).map_err(|e| Error::Io { context: format!("cannot resolve the path {}", path.display()), source: e })
}

/// The program to execute: a path (relative to the working directory) when it contains a
/// `/`, otherwise the first executable of that name on PATH.
fn resolve_program(program: &str, workdir: &Path, path_var: &str) -> Result<PathBuf> {
    if program.contains('/') {
        let path = workdir.join(program);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(Error::Command { message: format!("the command's program {} does not exist", path.display()) })
        };
    }
    find_in(program, path_var).ok_or_else(|| Error::Command {
            message: format!("the command's program `{program}` is not on PATH: install it, give its full path, or set PATH in the command's env"),
        })
}

/// The first executable named `program` in the directories of `path_var`.
fn find_in(program: &str, path_var: &str) -> Option<PathBuf> {
    std::env::split_paths(path_var).map(|dir| dir.join(program)).find(|candidate| is_executable(candidate))
}

/// The first executable named `program` on this process's PATH.
pub fn find_on_path(program: &str) -> Option<PathBuf> {
    find_in(program, &std::env::var("PATH").unwrap_or_default())
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// The fingerprint of the code a command runs: SHA-256 over the argv template and the
/// contents of the fingerprinted files, 16 hex digits.
fn fingerprint(spec: &CommandSpec, program: &Path, workdir: &Path) -> Result<String> {
    let files: Vec<PathBuf> = match &spec.fingerprint {
        Some(files) => files.iter().map(|f| workdir.join(f)).collect(),
        None => default_fingerprint_files(spec, program, workdir),
    };
    let mut hash = Sha256::new();
    hash.update(b"ablate-command-v1\0");
    for arg in &spec.argv {
        hash.update((arg.len() as u64).to_be_bytes());
        hash.update(arg.as_bytes());
    }
    for file in &files {
        let bytes = std::fs::read(file).map_err(|e| Error::Command {
            message: format!("cannot read {} to fingerprint the trial code: {e}; fix the path in `fingerprint`", file.display()),
        })?;
        hash.update((bytes.len() as u64).to_be_bytes());
        hash.update(&bytes);
    }
    Ok(hash.finalize()[..8].iter().map(|b| format!("{b:02x}")).collect())
}

/// The script named in argv: the program itself when it is a path into the working
/// directory's tree, otherwise the first plain argument that names an existing file.
fn default_fingerprint_files(spec: &CommandSpec, program: &Path, workdir: &Path) -> Vec<PathBuf> {
    if spec.argv[0].contains('/') {
        return vec![program.to_path_buf()];
    }
    spec.argv[1..]
        .iter()
        .filter(|a| !a.contains('{') && !a.starts_with('-'))
        .map(|a| workdir.join(a))
        .find(|p| p.is_file())
        .into_iter()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_parse_and_reject_unknown_names() {
        let params = vec!["lr".to_string()];
        let pieces = parse_template("--lr={lr}/{seed}{{x}}", &params).unwrap();
        assert_eq!(
            pieces,
            vec![Piece::Text("--lr=".into()), Piece::Param("lr".into()), Piece::Text("/".into()), Piece::Seed, Piece::Text("{x}".into())]
        );
        let e = parse_template("{batch}", &params).unwrap_err().to_string();
        assert!(e.contains("`{batch}`") && e.contains("lr"), "{e}");
        assert!(parse_template("{lr", &params).is_err());
        assert!(parse_template("lr}", &params).is_err());
    }

    #[test]
    fn values_format_as_plain_arguments_and_json() {
        assert_eq!(format_arg(&Value::Float(0.001)), "0.001");
        assert_eq!(format_arg(&Value::Float(100.0)), "100.0");
        assert_eq!(format_arg(&Value::Float(1e-8)), "1e-8");
        assert_eq!(format_arg(&Value::Int(64)), "64");
        assert_eq!(format_arg(&Value::Bool(true)), "true");
        let mut c = Config::new();
        c.set("lr", Value::Float(0.01));
        c.set("batch", Value::Int(64));
        c.set("dropout", Value::Bool(true));
        c.set("optimizer", Value::Str("adam".into()));
        assert_eq!(params_json(&c), r#"{"batch":64,"dropout":true,"lr":0.01,"optimizer":"adam"}"#);
    }

    #[test]
    fn metrics_parse_with_python_non_finite_tokens() {
        let m = parse_metrics(r#"{"accuracy": 0.91, "loss": NaN}"#).unwrap();
        assert_eq!(m.get("accuracy"), Some(0.91));
        assert!(m.get("loss").unwrap().is_nan());
        assert!(parse_metrics("[1, 2]").is_err());
        assert!(parse_metrics(r#"{"accuracy": "high"}"#).unwrap_err().contains("accuracy"));
        let r = parse_report(r#"{"step": 100, "val_loss": 0.42}"#).unwrap();
        assert_eq!(r.step, 100);
        assert_eq!(r.values.get("val_loss"), Some(0.42));
        assert!(r.values.get("step").is_none());
        assert!(parse_report(r#"{"val_loss": 0.42}"#).is_none());
    }
}
