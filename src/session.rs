//! One run of a plan: open the store, decide what still needs running (the resume policy),
//! hand it to an executor through a claiming queue, journal every finished trial (group
//! commit), and hand back the record that stands for every planned trial.
//!
//! The resume policy, per planned trial: an `ok` record made by the same code with every
//! declared metric is reused; failed attempts are retried while they number at most
//! `retries`; records made by other code, or lacking a newly declared metric, are run again
//! (and the run says so). Trials claimed by another live process are left to it and waited
//! for, so N processes on one run directory execute each trial once.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Mutex, RwLock};
use std::time::Duration;

use crate::error::{Error, Result};
use crate::exec::progress::{self, Progress};
use crate::exec::{Executor, InterruptGuard, Task, Threads, TrialQueue};
use crate::objective::Objective;
use crate::options::RunOptions;
use crate::plan::Plan;
use crate::store::{Claim, DamageContext, DamagedLines, Loaded, Status, Store, TrialRecord};
use crate::trial::{MetricSpec, TrialId};

/// Largest number of records in one journal append.
const MAX_BATCH: usize = 4096;
/// How often a process waiting for trials claimed elsewhere looks at the journal again.
const WAIT_POLL: Duration = Duration::from_millis(200);
/// How often the run looks for a Ctrl-C or SIGTERM while trials run.
const SIGNAL_POLL: Duration = Duration::from_millis(50);

/// The study spec as stored in the run directory.
pub(crate) struct StoredSpec {
    pub json: String,
    pub hash: String,
}

/// What the journal says about one trial id (records of the current code only).
#[derive(Default)]
struct History {
    /// The final record: ok, or pruned.
    ok: Option<TrialRecord>,
    last_failure: Option<TrialRecord>,
    failures: u32,
}

/// Why a recorded result is not reused.
#[derive(Default)]
struct NotReused {
    other_code: usize,
    lacking: Vec<(String, usize)>,
}

/// What the journal says about each planned trial (by its index in the plan), counting
/// only records of the current code.
pub(crate) struct Ledger {
    by_index: Vec<History>,
    /// (trial, attempt, start) of every record taken in: this process's own records come
    /// back when it reads the journal again, and must count once.
    seen: std::collections::HashSet<(usize, u32, i64)>,
    code: Option<String>,
    metrics: Vec<MetricSpec>,
    /// Why recorded results were not reused (reported once, after the journal is loaded).
    not_reused: NotReused,
}

impl Ledger {
    pub(crate) fn new(plan: &Plan, code: Option<&str>) -> Ledger {
        Ledger {
            by_index: (0..plan.trials().len()).map(|_| History::default()).collect(),
            seen: Default::default(),
            code: code.map(str::to_string),
            metrics: plan.metrics().to_vec(),
            not_reused: NotReused::default(),
        }
    }

    /// Takes in a record (records of trials outside the plan are ignored); notes why it
    /// cannot be reused, if it cannot.
    pub(crate) fn add(&mut self, plan: &Plan, record: TrialRecord) {
        let not_reused = &mut self.not_reused;
        let Some(index) = plan.trial_index(&record.id) else { return };
        if !self.seen.insert((index, record.attempt, record.started_at_ms)) {
            return;
        }
        if record.code != self.code {
            if record.status == Status::Ok {
                not_reused.other_code += 1;
            }
            return;
        }
        let h = &mut self.by_index[index];
        match record.status {
            Status::Ok => {
                if let Some(missing) = self.metrics.iter().find(|m| record.metrics.get(&m.name).is_none()) {
                    match not_reused.lacking.iter_mut().find(|(name, _)| *name == missing.name) {
                        Some((_, n)) => *n += 1,
                        None => not_reused.lacking.push((missing.name.clone(), 1)),
                    }
                    return;
                }
                if h.ok.as_ref().is_none_or(|old| record.supersedes(old)) {
                    h.ok = Some(record);
                }
            }
            // Final without metrics: stands for the trial like an ok result, never retried.
            Status::Pruned => {
                if h.ok.as_ref().is_none_or(|old| record.supersedes(old)) {
                    h.ok = Some(record);
                }
            }
            Status::Failed => {
                h.failures += 1;
                if h.last_failure.as_ref().is_none_or(|old| record.supersedes(old)) {
                    h.last_failure = Some(record);
                }
            }
        }
    }

    pub(crate) fn is_done(&self, index: usize, retries: u32) -> bool {
        let h = &self.by_index[index];
        h.ok.is_some() || h.failures > retries
    }

    pub(crate) fn next_attempt(&self, index: usize) -> u32 {
        self.by_index[index].failures + 1
    }

    /// The record that stands for trial `index` (its ok result, else its last failure),
    /// without taking it.
    pub(crate) fn standing(&self, index: usize) -> Option<&TrialRecord> {
        let h = &self.by_index[index];
        h.ok.as_ref().or(h.last_failure.as_ref())
    }

    /// The record that stands for trial `index`: its ok result, else its last failure.
    fn outcome(&mut self, index: usize) -> Option<TrialRecord> {
        let h = std::mem::take(&mut self.by_index[index]);
        h.ok.or(h.last_failure)
    }
}

/// What one pass over a plan leaves: the record that stands for each planned trial (in plan
/// order; none for a trial never run), the counts, and the store it used.
pub(crate) struct Ran {
    pub plan: Plan,
    pub records: Vec<TrialRecord>,
    pub stats: RunStats,
    pub store: Store,
}

/// Counts from the run that produced a [`Results`](crate::Results).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RunStats {
    /// Trials executed by this run.
    pub executed: usize,
    /// Trials whose results were reused from the journal.
    pub reused: usize,
    /// Lines of the run directory's journal and shards that could not be read (torn or
    /// corrupt) and were skipped.
    pub damaged: DamagedLines,
    /// Lines of an imported file (an Optuna journal) that were unreadable, or that the
    /// tool that wrote it ignores too.
    pub skipped_import_lines: usize,
    /// Trials of an imported study that are not in the results: Optuna's pruned, running
    /// and waiting trials, and failed ones that did not set every parameter.
    pub left_out: usize,
}

/// Runs the missing trials of `plan` through `objective` (only those with the plan indices
/// `only` when given: the others are not run, and are in the records only if the journal
/// already has them) and returns every trial's outcome. In memory, `earlier` holds the
/// records of earlier calls (a scheduler's earlier looks), taken in as the journal's would be.
pub(crate) fn run_only(plan: Plan, options: &RunOptions, spec: &StoredSpec, objective: &dyn Objective, only: Option<&[usize]>, earlier: Vec<TrialRecord>) -> Result<Ran> {
    let dir = options.store_dir(plan.name());
    let (store, loaded) = match &dir {
        Some(dir) => Store::open(dir, plan.name(), &spec.json, &spec.hash, options.lease)?,
        None => (Store::memory(), Loaded { records: earlier, damaged: DamagedLines::default() }),
    };
    let damaged = loaded.damaged.clone();
    let (mut ledger, executed) = execute(&plan, &store, loaded, options, objective, only)?;
    let records: Vec<TrialRecord> = (0..plan.trials().len()).filter_map(|i| ledger.outcome(i)).collect();
    let stats = RunStats { executed, reused: records.len().saturating_sub(executed), damaged, ..RunStats::default() };
    Ok(Ran { plan, records, stats, store })
}

/// Runs those of the trials `only` (plan indices) that still need running, as one cluster
/// task does: same resume policy, claims and group commit, into `store` (the task's shard).
/// Returns how many ran.
pub(crate) fn run_some(plan: &Plan, store: &Store, loaded: Loaded, options: &RunOptions, objective: &dyn Objective, only: &[usize]) -> Result<usize> {
    execute(plan, store, loaded, options, objective, Some(only)).map(|(_, executed)| executed)
}

/// The shared middle of a run: the resume policy over what `loaded` holds, then the
/// executor over what is left (of `only`, when given). Returns the ledger and how many
/// trials ran.
fn execute(plan: &Plan, store: &Store, loaded: Loaded, options: &RunOptions, objective: &dyn Objective, only: Option<&[usize]>) -> Result<(Ledger, usize)> {
    let executor = Threads::placed(options.resources.placements(options.workers)?)?;
    report_damaged(&loaded);
    let mut ledger = Ledger::new(plan, objective.fingerprint());
    for record in loaded.records {
        ledger.add(plan, record);
    }
    let candidates: Vec<usize> = match only {
        Some(indices) => indices.to_vec(),
        None => (0..plan.trials().len()).collect(),
    };
    let todo: VecDeque<usize> = candidates.iter().copied().filter(|&i| !ledger.is_done(i, options.retries)).collect();
    report_not_reused(&ledger.not_reused, objective.fingerprint().is_some());

    let guard = objective.spawns_processes().then(InterruptGuard::install);
    let mut queue = Queue {
        plan,
        store,
        retries: options.retries,
        ledger: Mutex::new(ledger),
        pending: Mutex::new(todo),
        deferred: Mutex::new(Vec::new()),
        cancel: AtomicBool::new(false),
        guard,
        uses_trial_dirs: objective.uses_trial_dirs(),
        code: objective.fingerprint().map(str::to_string),
        sender: RwLock::new(None),
        executed: AtomicUsize::new(0),
        running: AtomicUsize::new(0),
    };
    let total = lock(&queue.pending).len();
    let outcome = queue.run(&executor, objective, Progress::new(options.progress, total));
    let interrupted = queue.guard.as_ref().is_some_and(InterruptGuard::signalled);
    drop(queue.guard.take());
    outcome?;
    let executed = queue.executed.load(Ordering::SeqCst);
    let ledger = queue.ledger.into_inner().unwrap_or_else(|p| p.into_inner());
    if interrupted {
        let remaining = candidates.iter().filter(|&&i| !ledger.is_done(i, options.retries)).count();
        return Err(Error::Interrupted { finished: executed, remaining });
    }
    Ok((ledger, executed))
}

fn report_damaged(loaded: &Loaded) {
    if !loaded.damaged.is_empty() {
        progress::warn_once(&loaded.damaged.notice(DamageContext::Running));
    }
}

fn report_not_reused(not_reused: &NotReused, fingerprinted: bool) {
    if not_reused.other_code > 0 {
        let what = if fingerprinted { "the command or a fingerprinted file changed since" } else { "they were recorded by other code" };
        progress::warn_once(&format!("{} finished trial(s) are not reused because {what}; running them again", not_reused.other_code));
    }
    for (metric, n) in &not_reused.lacking {
        progress::warn_once(&format!("{n} finished trial(s) lack the declared metric `{metric}` (recorded before it was declared); running them again"));
    }
}

/// Sends finished trials (their record, or none when the objective produced none) to the
/// journal writer.
type RecordSender = mpsc::Sender<(TrialId, Option<TrialRecord>)>;

/// The work queue of one run: pending trials, claimed one at a time; trials claimed by other
/// processes are waited for; finished records go to the journal writer.
struct Queue<'a> {
    plan: &'a Plan,
    store: &'a Store,
    retries: u32,
    ledger: Mutex<Ledger>,
    pending: Mutex<VecDeque<usize>>,
    deferred: Mutex<Vec<usize>>,
    cancel: AtomicBool,
    guard: Option<InterruptGuard>,
    uses_trial_dirs: bool,
    code: Option<String>,
    sender: RwLock<Option<RecordSender>>,
    executed: AtomicUsize,
    /// Trials handed to the executor and not finished yet (for the progress display).
    running: AtomicUsize,
}

impl Queue<'_> {
    /// Runs the executor with a journal writer and a claim-renewal thread beside it.
    fn run(&self, executor: &dyn Executor, objective: &dyn Objective, mut progress: Progress) -> Result<()> {
        let (tx, rx) = mpsc::channel();
        *self.sender.write().unwrap_or_else(|p| p.into_inner()) = Some(tx);
        let (stop_renewal, renewal_stopped) = mpsc::channel::<()>();
        std::thread::scope(|scope| {
            let writer = scope.spawn(|| {
                let written = self.write_records(rx, &mut progress);
                progress.finish();
                written
            });
            // Renews this process's claims, and turns a signal into the cancel flag that
            // the trials' watchdogs read.
            scope.spawn(move || {
                let mut interval = self.store.renew_claims();
                let mut renewed = std::time::Instant::now();
                while let Err(mpsc::RecvTimeoutError::Timeout) = renewal_stopped.recv_timeout(SIGNAL_POLL) {
                    self.stopping();
                    if renewed.elapsed() >= interval {
                        interval = self.store.renew_claims();
                        renewed = std::time::Instant::now();
                    }
                }
            });
            let executed = executor.execute(self, objective);
            self.sender.write().unwrap_or_else(|p| p.into_inner()).take(); // the writer ends once every record is written
            let written = writer.join().unwrap_or_else(|_| Err(Error::Invalid { message: "internal: the journal writer panicked".into() }));
            let _ = stop_renewal.send(());
            executed.and(written)
        })
    }

    /// The writer loop: take everything that has finished, append it in one write + fsync,
    /// then count it as done and release its claims.
    fn write_records(&self, rx: mpsc::Receiver<(TrialId, Option<TrialRecord>)>, progress: &mut Progress) -> Result<()> {
        while let Ok(first) = rx.recv() {
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match rx.try_recv() {
                    Ok(item) => batch.push(item),
                    Err(_) => break,
                }
            }
            let records: Vec<TrialRecord> = batch.iter().filter_map(|(_, r)| r.clone()).collect();
            if let Err(e) = self.store.append(&records) {
                self.cancel.store(true, Ordering::SeqCst);
                for (id, _) in &batch {
                    self.store.release(id);
                }
                return Err(e);
            }
            for (id, _) in &batch {
                self.store.release(id);
            }
            let failed = records.iter().filter(|r| r.status == Status::Failed).count();
            self.executed.fetch_add(records.len(), Ordering::SeqCst);
            progress.advance(records.len(), failed, self.running.load(Ordering::SeqCst));
            let mut ledger = lock(&self.ledger);
            for record in records {
                ledger.add(self.plan, record);
            }
        }
        Ok(())
    }

    fn stopping(&self) -> bool {
        if self.guard.as_ref().is_some_and(InterruptGuard::signalled) {
            self.cancel.store(true, Ordering::SeqCst);
        }
        self.cancel.load(Ordering::SeqCst)
    }

    /// Reads what other processes journaled since the last look. The ledger stays locked
    /// from the read to the last record taken in, so no thread sees the journal read but
    /// the ledger not yet updated.
    fn refresh(&self) -> std::sync::MutexGuard<'_, Ledger> {
        let mut ledger = lock(&self.ledger);
        if let Ok(loaded) = self.store.read_new()
            && !loaded.records.is_empty()
        {
            for record in loaded.records {
                ledger.add(self.plan, record);
            }
        }
        ledger
    }

    fn task(&self, index: usize, attempt: u32) -> Option<Task> {
        let planned = &self.plan.trials()[index];
        let trial_dir = if self.uses_trial_dirs {
            match self.store.trial_dir(planned.id()) {
                Ok(d) => Some(d),
                Err(e) => {
                    eprintln!("ablate: {e}");
                    self.cancel.store(true, Ordering::SeqCst);
                    self.store.release(planned.id());
                    return None;
                }
            }
        } else {
            None
        };
        Some(Task { trial: self.plan.trial(planned), attempt, trial_dir })
    }

    /// Claims the next pending trial that still needs running.
    fn claim_pending(&self) -> Option<Task> {
        loop {
            let index = lock(&self.pending).pop_front()?;
            let id = self.plan.trials()[index].id();
            match self.store.claim(id) {
                Ok(Claim::Won) => {
                    // Another process may have finished it between our load and our claim.
                    let attempt = {
                        let ledger = self.refresh();
                        (!ledger.is_done(index, self.retries)).then(|| ledger.next_attempt(index))
                    };
                    match attempt {
                        Some(attempt) => return self.task(index, attempt),
                        None => {
                            self.store.release(id);
                            continue;
                        }
                    }
                }
                Ok(Claim::HeldElsewhere) => lock(&self.deferred).push(index),
                Err(e) => {
                    eprintln!("ablate: {e}");
                    self.cancel.store(true, Ordering::SeqCst);
                    return None;
                }
            }
        }
    }
}

impl TrialQueue for Queue<'_> {
    fn next(&self) -> Option<Task> {
        loop {
            if self.stopping() {
                return None;
            }
            if let Some(task) = self.claim_pending() {
                self.running.fetch_add(1, Ordering::SeqCst);
                return Some(task);
            }
            if self.stopping() || lock(&self.deferred).is_empty() {
                return None;
            }
            // Everything left is claimed by other processes: wait for them, and take over
            // what a dead one leaves behind.
            std::thread::sleep(WAIT_POLL);
            let ledger = self.refresh();
            let mut deferred = lock(&self.deferred);
            let mut pending = lock(&self.pending);
            deferred.retain(|&i| {
                if ledger.is_done(i, self.retries) {
                    return false;
                }
                if self.store.claimed_elsewhere(self.plan.trials()[i].id()) {
                    return true;
                }
                pending.push_back(i);
                false
            });
        }
    }

    fn finish(&self, task: Task, record: Option<TrialRecord>) {
        self.running.fetch_sub(1, Ordering::SeqCst);
        let id = task.trial.id().clone();
        let sent = self.sender.read().unwrap_or_else(|p| p.into_inner()).as_ref().is_some_and(|tx| tx.send((id.clone(), record)).is_ok());
        if !sent {
            self.store.release(&id);
        }
    }

    fn cancel_flag(&self) -> &AtomicBool {
        &self.cancel
    }

    fn metrics(&self) -> &[MetricSpec] {
        self.plan.metrics()
    }

    fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
