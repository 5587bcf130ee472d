//! Adaptive seeds: every config runs the first look's seeds; then, look after look, only the
//! configs whose comparison with the baseline is still open (and the baseline) get the next
//! look's seeds, until every comparison is decided or has `max` seeds. The decisions are
//! replayed from the recorded trials before every round, so a rerun after a kill resumes
//! where the journal stands and decides the same. The same rule picks what a Slurm driver
//! submits next ([`wanted`]).

use crate::backend::Backend;
use crate::error::Result;
use crate::options::RunOptions;
use crate::plan::Plan;
use crate::results::{Results, RunStats};
use crate::spec::StudySpec;
use crate::stats::SequentialRule;

/// The plan indices of the trials to run now, given what `results` recorded: the next look's
/// seeds for the baseline and every comparison still open (none when all are decided). With
/// nothing recorded yet, that is the first look for every config.
pub(crate) fn wanted(plan: &Plan, rule: &SequentialRule, results: &Results) -> Result<Vec<usize>> {
    let outcome = results.decide_with(rule)?;
    let Some(seeds) = outcome.next_seeds else { return Ok(Vec::new()) };
    let include = |config: usize| config == 0 || outcome.pending.contains(&(config - 1));
    Ok(plan.trials().iter().enumerate().filter(|(_, t)| (t.replicate() as usize) < seeds && include(t.config_index())).map(|(i, _)| i).collect())
}

/// Runs `spec` (whose seeds are adaptive: `plan` is its plan, `rule` its decision rule) look
/// by look on `backend`.
pub(crate) fn run(plan: &Plan, rule: &SequentialRule, spec: &StudySpec, options: &RunOptions, backend: &dyn Backend) -> Result<Results> {
    // The first round runs nothing: it reads what the journal already has.
    let mut round: Vec<usize> = Vec::new();
    let mut executed = 0;
    let mut look = 0;
    loop {
        if !round.is_empty() {
            look += 1;
            crate::exec::progress::stage(format!("look {look}"));
        }
        let results = backend.run_plan(spec, plan.clone(), options, Some(&round))?;
        executed += results.run_stats().executed;
        let next = wanted(plan, rule, &results)?;
        // Done, or stuck (failed trials leave a comparison short of the seeds a look needs,
        // and the same round would run nothing new): the results say what was decided.
        if next.is_empty() || next == round {
            let stats = RunStats { executed, reused: results.records().len().saturating_sub(executed), ..results.run_stats() };
            return Ok(results.with_stats(stats));
        }
        round = next;
    }
}
