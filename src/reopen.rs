//! Opening a run directory later: [`Results::load`] rebuilds the plan from the spec stored
//! in the run directory and reads the journal, without writing anything, so a notebook can
//! analyse a study that a terminal or a cluster ran (or is still running), also from a
//! read-only mount. [`Results::status`] counts done, failed, running and missing trials
//! per configuration.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use crate::error::{Error, Result};
use crate::plan::Plan;
use crate::results::{ConfigProgress, Results, RunProgress, RunStats};
use crate::spec::StudySpec;
use crate::store::{DamagedLines, Snapshot, Status, Store, TrialRecord};
use crate::trial::TrialId;

/// A run directory read back: its plan, and per planned trial the record that stands for it.
struct Reopened {
    plan: Plan,
    records: Vec<TrialRecord>,
    claimed: HashSet<TrialId>,
    snapshot_dir: std::path::PathBuf,
    damaged: DamagedLines,
}

fn reopen(run_dir: &Path) -> Result<Reopened> {
    reopen_as(run_dir, None)
}

/// The stored spec of the run directory `dir`.
fn parse_spec(dir: &Path, json: &str) -> Result<StudySpec> {
    StudySpec::from_json(json).map_err(|e| Error::Spec { file: dir.join(crate::store::SPEC_FILE).display().to_string(), message: e.to_string() })
}

/// A run directory read back as the plan of `spec` (the latest stored spec when `None`).
fn reopen_as(run_dir: &Path, spec: Option<&StudySpec>) -> Result<Reopened> {
    let Snapshot { dir, header, spec_json, loaded, claimed } = Store::snapshot(run_dir)?;
    let plan = match spec {
        Some(spec) if spec.name != header.study => {
            return Err(Error::RunDirTaken { path: dir.clone(), found: header.study, wanted: spec.name.clone() });
        }
        Some(spec) => crate::plan::Plan::from_spec(spec)?,
        None => stored_plan(&dir, &header.study, &spec_json)?,
    };
    // Per trial id: the record that stands for it (the latest ok one, else the latest failure).
    let mut latest: HashMap<TrialId, TrialRecord> = HashMap::new();
    for record in loaded.records {
        if latest.get(&record.id).is_none_or(|old| record.supersedes(old)) {
            latest.insert(record.id.clone(), record);
        }
    }
    let records = plan.trials().iter().filter_map(|t| latest.remove(t.id())).collect();
    Ok(Reopened { plan, records, claimed: claimed.into_iter().collect(), snapshot_dir: dir, damaged: loaded.damaged })
}

/// The plan of the spec the run directory `dir` stored, whose journal belongs to `study`:
/// what is wrong with it is the file's to say, not a study's the user gave.
fn stored_plan(dir: &Path, study: &str, spec_json: &str) -> Result<Plan> {
    let spec = parse_spec(dir, spec_json)?;
    let file = dir.join(crate::store::SPEC_FILE).display().to_string();
    if spec.name != study {
        let journal = dir.join(crate::store::JOURNAL_FILE);
        let message = format!(
            "it names the study `{}`, but the journal {} belongs to the study `{study}`: one of the two was edited or copied from another run directory (every spec that ran here is kept in specs/)",
            spec.name,
            journal.display()
        );
        return Err(Error::Spec { file, message });
    }
    crate::plan::Plan::from_spec(&spec).map_err(|e| Error::Spec { file, message: e.to_string() })
}

/// The spec the latest run of `run_dir` stored, and the run directory it was found in.
pub(crate) fn latest_spec(run_dir: &Path) -> Result<(StudySpec, std::path::PathBuf)> {
    let Snapshot { dir: found, spec_json, .. } = Store::snapshot(run_dir)?;
    Ok((parse_spec(&found, &spec_json)?, found))
}

impl Results {
    /// Opens the results in a run directory, as a terminal, another notebook or a cluster
    /// recorded them, without running anything and without writing (a read-only mount
    /// works). The plan is rebuilt from the stored spec; trials not run yet are simply
    /// absent (see [`Results::status`]), not failed.
    pub fn load(run_dir: impl AsRef<Path>) -> Result<Results> {
        Results::from_reopened(reopen(run_dir.as_ref())?)
    }

    /// The results of the study `spec` describes, from a run directory it shares with
    /// other specs (the rounds of an iterated ablation, the steps of an ablation path).
    pub(crate) fn load_spec(run_dir: &Path, spec: &StudySpec) -> Result<Results> {
        Results::from_reopened(reopen_as(run_dir, Some(spec))?)
    }

    fn from_reopened(r: Reopened) -> Result<Results> {
        let stats = RunStats { reused: r.records.len(), damaged: r.damaged, ..RunStats::default() };
        Results::new(r.plan, r.records, stats, Some(r.snapshot_dir))
    }

    /// Done / failed / running / missing trials per configuration of a run directory.
    pub fn status(run_dir: impl AsRef<Path>) -> Result<RunProgress> {
        let r = reopen(run_dir.as_ref())?;
        let mut rows: Vec<ConfigProgress> = (0..r.plan.configs().len())
            .map(|c| ConfigProgress { config: r.plan.label(c), ..ConfigProgress::default() })
            .collect();
        let by_id: HashMap<&TrialId, &TrialRecord> = r.records.iter().map(|rec| (&rec.id, rec)).collect();
        for t in r.plan.trials() {
            let row = &mut rows[t.config_index()];
            match by_id.get(t.id()) {
                Some(rec) if rec.status == Status::Ok => row.done += 1,
                _ if r.claimed.contains(t.id()) => row.running += 1,
                Some(_) => row.failed += 1,
                None => row.missing += 1,
            }
        }
        Ok(RunProgress { study: r.plan.name().to_string(), rows, damaged: r.damaged })
    }
}
