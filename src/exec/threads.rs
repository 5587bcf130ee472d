//! The local executor: `workers` threads, each taking the next trial from the queue until
//! none is left.

use std::sync::atomic::Ordering;

use super::{run_task, Executor, TrialQueue};
use crate::error::{Error, Result};
use crate::objective::Objective;

/// Runs trials on worker threads of this process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Threads {
    workers: usize,
}

impl Threads {
    /// `workers` threads (at least 1).
    pub fn new(workers: usize) -> Result<Threads> {
        if workers == 0 {
            return Err(Error::Invalid { message: "workers must be at least 1".into() });
        }
        Ok(Threads { workers })
    }

    /// One thread per core.
    pub fn all_cores() -> Threads {
        Threads { workers: std::thread::available_parallelism().map_or(1, |n| n.get()) }
    }
}

impl Executor for Threads {
    fn execute(&self, queue: &dyn TrialQueue, objective: &dyn Objective) -> Result<()> {
        std::thread::scope(|scope| {
            let mut handles = Vec::with_capacity(self.workers);
            for i in 0..self.workers {
                let worker = std::thread::Builder::new().name(format!("ablate-worker-{i}"));
                let spawned = worker.spawn_scoped(scope, || {
                    while !queue.cancel_flag().load(Ordering::Relaxed) {
                        let Some(task) = queue.next() else { break };
                        let record = run_task(&task, queue, objective);
                        queue.finish(task, record);
                    }
                });
                match spawned {
                    Ok(h) => handles.push(h),
                    Err(e) if handles.is_empty() => {
                        return Err(Error::Invalid { message: format!("cannot start a worker thread: {e}") });
                    }
                    Err(_) => break, // run with the threads that did start
                }
            }
            for h in handles {
                if h.join().is_err() {
                    queue.cancel_flag().store(true, Ordering::Relaxed);
                    return Err(Error::Invalid { message: "internal: a worker thread panicked".into() });
                }
            }
            Ok(())
        })
    }
}
