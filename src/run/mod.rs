//! Running trials: decide what still needs running (resume), run it on a thread pool,
//! journal each finished trial (group commit), and assemble [`Results`].

mod local;
mod progress;

use std::collections::HashMap;

use crate::error::Result;
use crate::results::{Results, RunStats};
use crate::store::{Status, Store, TrialRecord};
use crate::study::{Plan, Study};
use crate::trial::{Trial, TrialId, TrialResult};

/// What earlier runs recorded for one trial id.
#[derive(Default)]
struct History {
    ok: Option<TrialRecord>,
    last_failure: Option<TrialRecord>,
    failures: u32,
}

/// The trial function as the runner sees it. Taking it as a trait object keeps the runner
/// compiled once inside ablate instead of once per caller (in evcxr, once per cell).
pub(crate) type TrialFn<'a> = &'a (dyn Fn(&Trial) -> TrialResult + Sync);

/// Runs the missing trials of `plan` and returns every trial's latest outcome.
pub(crate) fn run_plan(study: &Study, plan: Plan, f: TrialFn<'_>) -> Result<Results> {
    let dir = study.store_dir();
    let (mut store, loaded) = Store::open(dir.as_deref(), &plan.name)?;
    let mut history: HashMap<TrialId, History> = HashMap::new();
    for record in loaded.records {
        remember(&mut history, record);
    }

    let mut todo = Vec::new();
    for (index, t) in plan.trials.iter().enumerate() {
        match history.get(&t.id) {
            Some(h) if h.ok.is_some() => {}
            Some(h) if h.failures > study.retries => {}
            Some(h) => todo.push((index, h.failures + 1)),
            None => todo.push((index, 1)),
        }
    }
    let executed = todo.len();
    let new_records = local::execute(study, &plan, &todo, &mut store, f)?;
    for record in new_records {
        remember(&mut history, record);
    }

    let mut records = Vec::with_capacity(plan.trials.len());
    for t in &plan.trials {
        let h = history.remove(&t.id);
        // Every planned trial either ran now or was found in the journal.
        let record = h.and_then(|h| h.ok.or(h.last_failure));
        if let Some(record) = record {
            records.push(record);
        }
    }
    let stats = RunStats {
        executed,
        reused: plan.trials.len() - executed,
        skipped_journal_lines: loaded.skipped_lines,
    };
    let results = Results::new(plan, records, stats, store.dir().map(|d| d.to_path_buf()))?;
    if store.dir().is_some() {
        results.save()?;
    }
    results.report_failures();
    Ok(results)
}

fn remember(history: &mut HashMap<TrialId, History>, record: TrialRecord) {
    let h = history.entry(record.id.clone()).or_default();
    match record.status {
        Status::Ok => {
            if h.ok.is_none() {
                h.ok = Some(record);
            }
        }
        Status::Failed => {
            h.failures += 1;
            h.last_failure = Some(record);
        }
    }
}
