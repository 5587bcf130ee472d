//! A Rust closure as the objective: `|t: &Trial| Ok(metrics! { "accuracy" => ... })`.
//! Panics and errors become failed trials with their message.

use std::panic::{catch_unwind, AssertUnwindSafe};

use super::{Objective, Outcome, TrialContext};
use crate::trial::{Trial, TrialResult};

impl<F> Objective for F
where
    F: Fn(&Trial) -> TrialResult + Sync,
{
    fn run(&self, trial: &Trial, _context: &TrialContext<'_>) -> Outcome {
        let metrics = match catch_unwind(AssertUnwindSafe(|| self(trial))) {
            Ok(Ok(metrics)) => Ok(metrics),
            Ok(Err(e)) => Err(e.to_string()),
            Err(panic) => Err(format!("panicked: {}", panic_message(&panic))),
        };
        Outcome::Finished { metrics, reports: trial.take_reports(), continuation: None }
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
