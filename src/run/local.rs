//! The local runner: trials on a rayon pool, records journaled by one writer thread that
//! batches whatever has finished into one append + fsync (group commit).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use rayon::prelude::*;

use super::TrialFn;
use super::progress::Progress;
use crate::error::{Error, Result};
use crate::store::{Status, Store, TrialRecord};
use crate::study::{Plan, Study};
use crate::trial::Metrics;

/// Largest number of records in one journal append.
const MAX_BATCH: usize = 4096;

/// Runs `todo` (indices into `plan.trials`, with their attempt numbers) and returns the
/// records, each already durable in `store`. If the store cannot be written, no further
/// trials start and the error is returned (what was already stored stays stored).
pub(super) fn execute(study: &Study, plan: &Plan, todo: &[(usize, u32)], store: &mut Store, f: TrialFn<'_>) -> Result<Vec<TrialRecord>> {
    if todo.is_empty() {
        return Ok(Vec::new());
    }
    let workers = match study.workers {
        Some(0) => return Err(Error::Invalid { message: "workers must be at least 1".into() }),
        Some(n) => n,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(workers)
        .thread_name(|i| format!("ablate-worker-{i}"))
        .build()
        .map_err(|e| Error::Invalid { message: format!("cannot start {workers} worker threads: {e}") })?;

    let abort = AtomicBool::new(false);
    let (tx, rx) = mpsc::channel::<TrialRecord>();
    let mut progress = Progress::new(study.progress, todo.len());

    std::thread::scope(|scope| {
        let writer = scope.spawn(|| write_records(rx, store, &mut progress, &abort));
        pool.install(|| {
            todo.par_iter().for_each_with(tx, |tx, &(index, attempt)| {
                if abort.load(Ordering::Relaxed) {
                    return;
                }
                let record = run_one(plan, index, attempt, f);
                // The writer only hangs up after a store error, when results are discarded.
                let _ = tx.send(record);
            });
        });
        writer.join().unwrap_or_else(|_| {
            Err(Error::Invalid { message: "the journal writer thread panicked".into() })
        })
    })
}

/// Runs the trial function once, turning panics, errors and bad metrics into failures.
fn run_one(plan: &Plan, index: usize, attempt: u32, f: TrialFn<'_>) -> TrialRecord {
    let planned = &plan.trials[index];
    let trial = plan.trial(planned);
    let started_at_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let clock = Instant::now();
    let outcome = catch_unwind(AssertUnwindSafe(|| f(&trial)));
    let duration_s = clock.elapsed().as_secs_f64();
    let (status, error, metrics) = match outcome {
        Ok(Ok(metrics)) => match metrics.check(&plan.metrics) {
            Ok(()) => (Status::Ok, None, metrics),
            Err(e) => (Status::Failed, Some(e.to_string()), Metrics::new()),
        },
        Ok(Err(e)) => (Status::Failed, Some(e.to_string()), Metrics::new()),
        Err(panic) => (Status::Failed, Some(format!("panicked: {}", panic_message(&panic))), Metrics::new()),
    };
    TrialRecord {
        id: trial.id,
        config: trial.config,
        seed: trial.seed,
        replicate: trial.replicate,
        status,
        error,
        metrics,
        duration_s,
        started_at_ms,
        attempt,
    }
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "(a non-string panic payload)".to_string()
    }
}

/// The writer loop: take everything that has finished, append it in one write + fsync,
/// then count it as done.
fn write_records(rx: mpsc::Receiver<TrialRecord>, store: &mut Store, progress: &mut Progress, abort: &AtomicBool) -> Result<Vec<TrialRecord>> {
    let mut done = Vec::new();
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(record) => batch.push(record),
                Err(_) => break,
            }
        }
        if let Err(e) = store.append(&batch) {
            abort.store(true, Ordering::Relaxed);
            return Err(e);
        }
        let failed = batch.iter().filter(|r| r.status == Status::Failed).count();
        progress.advance(batch.len(), failed);
        done.append(&mut batch);
    }
    progress.finish();
    Ok(done)
}
