//! Adaptive seeds: every config runs the first look's seeds; then, look after look, only the
//! configs whose comparison with the baseline is still open (and the baseline) get the next
//! look's seeds, until every comparison is decided or has `max` seeds. The decisions are
//! replayed from the recorded trials before every round, so a rerun after a kill resumes
//! where the journal stands and decides the same.

use crate::error::Result;
use crate::objective::Objective;
use crate::options::RunOptions;
use crate::plan::Plan;
use crate::results::{Results, RunStats};
use crate::session::{self, StoredSpec};
use crate::stats::SequentialPlan;

/// Runs `plan` (whose seeds are adaptive, see [`Plan::sequential`]) round by round.
pub(crate) fn run(plan: Plan, sequential: &SequentialPlan, options: &RunOptions, spec: &StoredSpec, objective: &dyn Objective) -> Result<Results> {
    let comparisons = plan.configs().len().saturating_sub(1);
    if comparisons == 0 {
        return session::run(plan, options, spec, objective);
    }
    let rule = sequential.rule(comparisons)?;
    let first = sequential.looks().first().copied().unwrap_or(sequential.min());
    let mut wanted = trials_up_to(&plan, first, |_| true);
    let mut executed = 0;
    loop {
        let results = session::run_only(plan.clone(), options, spec, objective, Some(&wanted))?;
        executed += results.run_stats().executed;
        let outcome = results.decide_with(&rule)?;
        let next = match outcome.next_seeds {
            Some(seeds) => trials_up_to(&plan, seeds, |config| config == 0 || outcome.pending.contains(&(config - 1))),
            None => Vec::new(),
        };
        // Done, or stuck (failed trials leave a comparison short of the seeds a look needs,
        // and every trial it could run has run): the results say what was decided.
        if next.is_empty() || next.iter().all(|i| wanted.contains(i)) {
            let stats = RunStats { executed, reused: results.records().len().saturating_sub(executed), ..results.run_stats() };
            return Ok(results.with_stats(stats));
        }
        wanted = next;
    }
}

/// The plan indices of the trials of the configs `include` accepts, on their first `seeds`
/// replicates.
fn trials_up_to(plan: &Plan, seeds: usize, include: impl Fn(usize) -> bool) -> Vec<usize> {
    plan.trials().iter().enumerate().filter(|(_, t)| (t.replicate() as usize) < seeds && include(t.config_index())).map(|(i, _)| i).collect()
}
