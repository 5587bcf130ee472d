//! The local executor: `workers` threads, each taking the next trial from the queue until
//! none is left.

use std::sync::atomic::Ordering;

use super::{run_task, Executor, TrialQueue};
use crate::error::{Error, Result};
use crate::objective::Objective;
use crate::resources::Placement;

/// Runs trials on worker threads of this process: one per placement, each worker's trials
/// getting that placement's GPUs and CPU threads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Threads {
    placements: Vec<Placement>,
}

impl Threads {
    /// One worker per placement (at least one).
    pub fn placed(placements: Vec<Placement>) -> Result<Threads> {
        if placements.is_empty() {
            return Err(Error::Invalid { message: "workers must be at least 1".into() });
        }
        Ok(Threads { placements })
    }
}

impl Executor for Threads {
    fn execute(&self, queue: &dyn TrialQueue, objective: &dyn Objective) -> Result<()> {
        std::thread::scope(|scope| {
            let mut handles = Vec::with_capacity(self.placements.len());
            for (i, placement) in self.placements.iter().enumerate() {
                let worker = std::thread::Builder::new().name(format!("ablate-worker-{i}"));
                let spawned = worker.spawn_scoped(scope, move || {
                    while !queue.cancel_flag().load(Ordering::Relaxed) {
                        let Some(task) = queue.next() else { break };
                        let record = run_task(&task, queue, objective, Some(placement));
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
