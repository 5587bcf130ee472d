//! How a study is run, as opposed to what it is: workers, retries, progress display and
//! where results are kept. None of these change a trial id or a result.

use std::path::PathBuf;
use std::time::Duration;

use crate::resources::Resources;
use crate::store::{StoreLocation, DEFAULT_LEASE};

/// How progress is reported while trials run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressMode {
    /// A progress bar when stderr is a terminal, otherwise a short line per batch.
    Auto,
    /// One short line per finished batch (at most every few seconds).
    Lines,
    /// Nothing.
    Off,
}

/// How to run a study.
#[derive(Debug, Clone, PartialEq)]
pub struct RunOptions {
    /// Trials run at once (`None`: one per core).
    pub workers: Option<usize>,
    /// How many times a failed trial is retried by a later run.
    pub retries: u32,
    /// How progress is shown.
    pub progress: ProgressMode,
    /// Where the journal and results live.
    pub store: StoreLocation,
    /// How long a claim on a running trial lasts without renewal: a process that dies
    /// without a trace on another host is taken over after this.
    pub lease: Duration,
    /// What each trial gets on this machine: GPUs, CPU threads.
    pub resources: Resources,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions { workers: None, retries: 1, progress: ProgressMode::Auto, store: StoreLocation::Default, lease: DEFAULT_LEASE, resources: Resources::default() }
    }
}

impl RunOptions {
    /// The run directory of study `name` under these options, or `None` in memory.
    pub fn store_dir(&self, name: &str) -> Option<PathBuf> {
        match &self.store {
            StoreLocation::Default => Some(PathBuf::from("runs").join(dir_name(name))),
            StoreLocation::Dir(d) => Some(d.clone()),
            StoreLocation::Memory => None,
        }
    }
}

/// A directory name for a study, one-to-one: letters, digits, `-`, `_` and (except in
/// first place) `.` stay; every other byte becomes `%XX`. So `exp/1` and `exp 1` get
/// different directories, and `.` or `..` never leave `runs/`.
pub fn dir_name(name: &str) -> String {
    percent_encode(name.as_bytes(), |i, b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || (b == b'.' && i > 0))
}

/// `bytes` with every byte that `keep(index, byte)` rejects written as `%XX`.
pub(crate) fn percent_encode(bytes: &[u8], keep: impl Fn(usize, u8) -> bool) -> String {
    let mut out = String::with_capacity(bytes.len());
    for (i, &b) in bytes.iter().enumerate() {
        if keep(i, b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::dir_name;

    #[test]
    fn dir_names_are_one_to_one_and_stay_inside() {
        assert_eq!(dir_name("wine-forest"), "wine-forest");
        assert_eq!(dir_name("v1.2"), "v1.2");
        assert_ne!(dir_name("exp/1"), dir_name("exp 1"));
        assert_eq!(dir_name("exp/1"), "exp%2F1");
        assert_eq!(dir_name(".."), "%2E.");
        assert_eq!(dir_name("."), "%2E");
        assert_ne!(dir_name("%2E"), dir_name("."));
        assert!(!dir_name("a/../../b").contains('/'));
    }
}
