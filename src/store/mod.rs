//! Where results live: an append-only journal in a run directory (or nothing, in memory),
//! plus the results frame exported next to it.

mod journal;
mod record;

use std::path::{Path, PathBuf};

pub use journal::{Journal, Loaded, JOURNAL_VERSION};
pub use record::{Status, TrialRecord};

use crate::error::Result;

/// A study's store: the journal in a run directory, or memory only.
#[derive(Debug)]
pub enum Store {
    /// Nothing is kept between runs.
    Memory,
    /// A run directory with its journal.
    Dir {
        /// The run directory.
        dir: PathBuf,
        /// The open journal.
        journal: Journal,
    },
}

impl Store {
    /// Opens the store in `dir` (or memory for `None`) and loads what earlier runs recorded.
    pub fn open(dir: Option<&Path>, study: &str) -> Result<(Store, Loaded)> {
        match dir {
            None => Ok((Store::Memory, Loaded::default())),
            Some(dir) => {
                let (journal, loaded) = Journal::open(dir, study)?;
                Ok((Store::Dir { dir: dir.to_path_buf(), journal }, loaded))
            }
        }
    }

    /// Makes records durable (a no-op in memory).
    pub fn append(&mut self, records: &[TrialRecord]) -> Result<()> {
        match self {
            Store::Memory => Ok(()),
            Store::Dir { journal, .. } => journal.append(records),
        }
    }

    /// The run directory, if any.
    pub fn dir(&self) -> Option<&Path> {
        match self {
            Store::Memory => None,
            Store::Dir { dir, .. } => Some(dir),
        }
    }
}
