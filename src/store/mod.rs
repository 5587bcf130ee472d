//! Where results live: a run directory (or nothing, in memory). The store is the only part
//! of ablate that touches the run directory:
//!
//! ```text
//! runs/<study>/
//!   journal.jsonl     header (study name, spec hash) + one checksummed line per attempt
//!   spec.json         the study spec of the latest run (what Results::load rebuilds from)
//!   specs/<hash>.json every spec that ever ran here
//!   claims/<id>       trials being run right now, by whom (leases)
//!   shards/<task>.jsonl  records written by cluster tasks (one file per task), merged on read
//!   slurm/            submissions to Slurm: batch scripts, task → trial maps, job ids, logs
//!   trials/<id>/      a command trial's own directory: stdout.log, stderr.log, result.json
//!   results.csv, results.parquet, summary.txt   exports of the latest results
//! ```
//!
//! Exports to other tools' formats go to directories of the user's choice: TensorBoard
//! event files with the HParams plugin's data (`tensorboard.rs`, protobuf encoding in
//! `proto.rs`) and an MLflow file store (`mlflow.rs`); `export_dir.rs` keeps them from
//! writing over anything ablate did not write.

mod claims;
mod damaged;
mod export;
mod export_dir;
pub(crate) mod files;
mod journal;
pub(crate) mod mlflow;
mod proto;
mod record;
mod shards;
pub(crate) mod tensorboard;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

pub(crate) use claims::{Claim, Claims};
pub use claims::{CLAIMS_DIR, DEFAULT_LEASE};
pub use damaged::{DamageContext, DamagedLines};
pub use export::{write_csv, write_parquet};
pub use export_dir::{Exported, EXPORT_MARKER};
pub(crate) use journal::{Header, Journal, Loaded};
pub use journal::{JOURNAL_FILE, JOURNAL_VERSION};
pub use record::{Continuation, Device, GitState, Provenance, Status, TrialRecord};
pub use shards::SHARDS_DIR;

use crate::error::{Error, Result};
use crate::trial::TrialId;

/// The spec file's name inside a run directory.
pub const SPEC_FILE: &str = "spec.json";
/// The folder of per-trial directories inside a run directory.
pub const TRIALS_DIR: &str = "trials";

/// Where a study keeps its journal and results.
#[derive(Debug, Clone, PartialEq)]
pub enum StoreLocation {
    /// `runs/<study name>/` under the current directory.
    Default,
    /// A directory of the user's choice.
    Dir(PathBuf),
    /// Nothing on disk (tests, quick experiments): a rerun recomputes everything.
    Memory,
}

/// A study's store: a run directory, or memory only. Safe to share between threads.
#[derive(Debug)]
pub struct Store {
    run: Option<RunDir>,
}

#[derive(Debug)]
struct RunDir {
    dir: PathBuf,
    /// Appends (the journal writer).
    journal: Mutex<Journal>,
    /// Reads of what other processes appended; a handle of its own, so a read never waits
    /// for an append's fsync.
    reader: Mutex<Journal>,
    /// Reads of the cluster tasks' shards.
    shards: Mutex<shards::ShardReader>,
    /// Where this process's records go when it is a cluster task: its own shard, not the
    /// journal (no lock needed on a shared filesystem).
    shard_out: Option<Mutex<shards::ShardWriter>>,
    claims: Claims,
}

/// What a run directory holds, read without writing anything (a read-only mount works).
#[derive(Debug)]
pub struct Snapshot {
    /// The run directory.
    pub dir: PathBuf,
    /// The journal's header.
    pub header: Header,
    /// The stored spec (JSON), as the latest run wrote it.
    pub spec_json: String,
    /// Every intact record.
    pub loaded: Loaded,
    /// Trials claimed right now by a live process (running somewhere).
    pub claimed: Vec<TrialId>,
}

impl Store {
    /// A store that keeps nothing.
    pub fn memory() -> Store {
        Store { run: None }
    }

    /// Opens (creating if needed) the run directory `dir` for study `study`, records the
    /// spec, and loads what earlier runs recorded. A directory that has files but no journal
    /// was not made by ablate and is refused; a journal of another study is refused.
    pub fn open(dir: &Path, study: &str, spec_json: &str, spec_hash: &str, lease: Duration) -> Result<(Store, Loaded)> {
        let run_dir_error = |source| Error::RunDir { path: dir.to_path_buf(), source };
        if dir.is_dir() && !dir.join(JOURNAL_FILE).exists() {
            // Another process may be creating the journal right now: its temporary file is
            // the one thing a new run directory may hold.
            let journal_tmp = format!("{JOURNAL_FILE}.");
            let foreign = std::fs::read_dir(dir).map_err(run_dir_error)?.flatten().any(|e| {
                let name = e.file_name();
                let name = name.to_string_lossy();
                !(name.starts_with(&journal_tmp) && name.ends_with(".tmp"))
            });
            if foreign && !dir.join(JOURNAL_FILE).exists() {
                return Err(Error::NotARunDir { path: dir.to_path_buf() });
            }
        }
        std::fs::create_dir_all(dir).map_err(run_dir_error)?;
        files::remove_stale_tmp_files(dir);
        let (journal, loaded) = Journal::open(dir, study, spec_hash)?;
        if journal.header().study != study {
            return Err(Error::RunDirTaken {
                path: dir.to_path_buf(),
                found: journal.header().study.clone(),
                wanted: study.to_string(),
            });
        }
        let specs = dir.join("specs");
        std::fs::create_dir_all(&specs).map_err(run_dir_error)?;
        files::create_new_atomically(&specs.join(format!("{spec_hash}.json")), spec_json.as_bytes())?;
        files::write_bytes_atomically(&dir.join(SPEC_FILE), spec_json.as_bytes())?;
        Store::assemble(dir, journal, loaded, None, lease)
    }

    /// Opens an existing run directory as a cluster task: the journal is only read, and this
    /// process's records go to its own shard `shards/<shard>.jsonl`.
    pub fn open_task(dir: &Path, shard: &str, lease: Duration) -> Result<(Store, Loaded)> {
        let (journal, loaded) = Journal::open_read_only(dir)?;
        let writer = shards::ShardWriter::open(dir, shard)?;
        Store::assemble(dir, journal, loaded, Some(writer), lease)
    }

    fn assemble(dir: &Path, journal: Journal, mut loaded: Loaded, shard_out: Option<shards::ShardWriter>, lease: Duration) -> Result<(Store, Loaded)> {
        let claims = Claims::open(dir, lease)?;
        let reader = journal.reader()?;
        let mut shard_reader = shards::ShardReader::default();
        loaded.extend(shard_reader.read_new(dir));
        let run = RunDir {
            dir: dir.to_path_buf(),
            journal: Mutex::new(journal),
            reader: Mutex::new(reader),
            shards: Mutex::new(shard_reader),
            shard_out: shard_out.map(Mutex::new),
            claims,
        };
        Ok((Store { run: Some(run) }, loaded))
    }

    /// Reads a run directory without writing to it.
    pub fn snapshot(dir: &Path) -> Result<Snapshot> {
        if !dir.join(JOURNAL_FILE).is_file() {
            return Err(Error::Invalid {
                message: format!("{} is not a run directory (it has no {JOURNAL_FILE}): give a run directory such as runs/<study>/, or the study file", dir.display()),
            });
        }
        let spec_path = dir.join(SPEC_FILE);
        let (journal, mut loaded) = Journal::open_read_only(dir)?;
        loaded.extend(shards::ShardReader::default().read_new(dir));
        let spec_json = std::fs::read_to_string(&spec_path).map_err(|e| Error::Io {
            context: format!("cannot read the study spec {} (written by every run since ablate 0.2)", spec_path.display()),
            source: e,
        })?;
        let claimed = claims::live_claims(dir);
        Ok(Snapshot { dir: dir.to_path_buf(), header: journal.header().clone(), spec_json, loaded, claimed })
    }

    /// Makes records durable (a no-op in memory).
    pub fn append(&self, records: &[TrialRecord]) -> Result<()> {
        match &self.run {
            None => Ok(()),
            Some(run) => match &run.shard_out {
                Some(shard) => lock(shard).append(records),
                None => lock(&run.journal).append(records),
            },
        }
    }

    /// Records other processes appended since the last read, to the journal or to a shard
    /// (nothing in memory).
    pub fn read_new(&self) -> Result<Loaded> {
        match &self.run {
            None => Ok(Loaded::default()),
            Some(run) => {
                let mut loaded = lock(&run.reader).read_new()?;
                loaded.extend(lock(&run.shards).read_new(&run.dir));
                Ok(loaded)
            }
        }
    }

    /// Claims trial `id` for this process (always won in memory).
    pub fn claim(&self, id: &TrialId) -> Result<Claim> {
        match &self.run {
            None => Ok(Claim::Won),
            Some(run) => run.claims.try_claim(id),
        }
    }

    /// Whether another process holds a live claim on `id`.
    pub fn claimed_elsewhere(&self, id: &TrialId) -> bool {
        self.run.as_ref().is_some_and(|run| run.claims.is_claimed(id))
    }

    /// Releases this process's claim on `id`.
    pub fn release(&self, id: &TrialId) {
        if let Some(run) = &self.run {
            run.claims.release(id);
        }
    }

    /// Renews this process's claims; returns how long until the next renewal is due.
    pub fn renew_claims(&self) -> Duration {
        match &self.run {
            None => Duration::from_secs(3600),
            Some(run) => {
                run.claims.renew();
                run.claims.renew_interval()
            }
        }
    }

    /// The run directory, if any.
    pub fn dir(&self) -> Option<&Path> {
        self.run.as_ref().map(|r| r.dir.as_path())
    }

    /// The journal's path, if any.
    pub fn journal_path(&self) -> Option<PathBuf> {
        self.dir().map(|d| d.join(JOURNAL_FILE))
    }

    /// The own directory of trial `id` (created): `trials/<id>/` in the run directory.
    /// In memory, a directory under the system's temporary directory.
    pub fn trial_dir(&self, id: &TrialId) -> Result<PathBuf> {
        let dir = match self.dir() {
            // Absolute: the trial's program runs in its own working directory.
            Some(d) => std::path::absolute(d).unwrap_or_else(|_| d.to_path_buf()).join(TRIALS_DIR).join(id.as_str()),
            None => std::env::temp_dir().join(format!("ablate-{}", std::process::id())).join(id.as_str()),
        };
        std::fs::create_dir_all(&dir).map_err(|e| Error::RunDir { path: dir.clone(), source: e })?;
        Ok(dir)
    }

    /// Writes `results.csv`, `results.parquet` and `summary.txt` into the run directory. The
    /// CSV and the Parquet file are written side by side (each writer is mostly serial).
    pub fn save_exports(&self, frame: &polars::prelude::DataFrame, summary: &str) -> Result<()> {
        let Some(dir) = self.dir() else { return Ok(()) };
        let csv = dir.join("results.csv");
        let csv_written = std::thread::scope(|scope| {
            let csv = scope.spawn(|| write_csv(frame, &csv));
            write_parquet(frame, &dir.join("results.parquet"))?;
            csv.join().unwrap_or_else(|_| Err(Error::Invalid { message: "internal: the CSV export panicked".into() }))
        });
        csv_written?;
        files::write_bytes_atomically(&dir.join("summary.txt"), summary.as_bytes())
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
