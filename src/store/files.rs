//! File primitives of the run directory that are safe on a shared filesystem: a file is
//! written whole under a temporary name and renamed (or linked) into place, and a
//! temporary file left by a process that died is recognised and removed.

use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{io_context, Error, Result};

/// Suffix of every temporary file ablate writes.
const TMP_SUFFIX: &str = ".tmp";

/// This process, as other processes see it: `host`, `pid` and the process start time, so a
/// reused pid is not mistaken for the same process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Owner {
    pub host: String,
    pub pid: u32,
    pub start: u64,
}

impl Owner {
    /// The current process.
    pub fn current() -> Owner {
        let pid = std::process::id();
        Owner { host: host_name(), pid, start: process_start(pid).unwrap_or(0) }
    }

    /// Whether this owner is certainly gone: it ran on this host and its process no longer
    /// exists (or the pid now belongs to a process started at another time). For an owner
    /// on another host nothing is certain, so this says `false`.
    pub fn is_dead_here(&self) -> bool {
        if self.host != host_name() {
            return false;
        }
        match process_start(self.pid) {
            None => true,
            Some(start) => self.start != 0 && start != self.start,
        }
    }
}

/// The machine's host name (empty if it cannot be read).
pub(crate) fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

/// The host name with every character other than letters, digits and `-` as `_`, for
/// file names.
pub(crate) fn file_safe_host() -> String {
    host_name().chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect()
}

/// The start time of process `pid` in clock ticks since boot (field 22 of
/// `/proc/<pid>/stat`), or `None` when there is no such process.
fn process_start(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may contain spaces.
    let after = &stat[stat.rfind(')')? + 1..];
    after.split_whitespace().nth(19)?.parse().ok()
}

/// A temporary name beside `path`, unique to this process and call:
/// `<name>.<host>.<pid>.<n>.tmp`.
fn tmp_path(path: &Path) -> std::path::PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let host = file_safe_host();
    path.with_file_name(format!("{name}.{host}.{}.{n}{TMP_SUFFIX}", std::process::id()))
}

fn write_tmp(path: &Path, sync: bool, write: impl FnOnce(&mut std::fs::File) -> Result<()>) -> Result<std::path::PathBuf> {
    let tmp = tmp_path(path);
    let result = (|| {
        let mut file = std::fs::File::create_new(&tmp).map_err(io_context(format!("cannot create {}", tmp.display())))?;
        write(&mut file)?;
        if sync {
            file.sync_all().map_err(io_context(format!("cannot sync {}", tmp.display())))?;
        }
        Ok(())
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    Ok(tmp)
}

/// Writes a file through a temporary sibling and a rename, so readers never see half of it.
pub(crate) fn write_atomically(path: &Path, write: impl FnOnce(&mut std::fs::File) -> Result<()>) -> Result<()> {
    rename_into_place(write_tmp(path, true, write)?, path)
}

/// Like [`write_bytes_atomically`] (readers see the old file or the new one, never half of
/// one), without waiting for the disk: for files that can be written again from the run
/// directory (exports), where one fsync per file would cost more than the export itself.
pub(crate) fn replace_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = write_tmp(path, false, |f| f.write_all(bytes).map_err(io_context(format!("cannot write {}", path.display()))))?;
    rename_into_place(tmp, path)
}

fn rename_into_place(tmp: std::path::PathBuf, path: &Path) -> Result<()> {
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::Io { context: format!("cannot rename {} to {}", tmp.display(), path.display()), source: e }
    })
}

/// Writes bytes to a file atomically (see [`write_atomically`]).
pub(crate) fn write_bytes_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomically(path, |f| f.write_all(bytes).map_err(io_context(format!("cannot write {}", path.display()))))
}

/// Creates `path` with `bytes` unless it exists: the content is written under a temporary
/// name, then hard-linked into place (atomic and exclusive, also on NFS). Returns whether
/// this call created it; an existing file is left as it is.
pub(crate) fn create_new_atomically(path: &Path, bytes: &[u8]) -> Result<bool> {
    let tmp = write_tmp(path, true, |f| f.write_all(bytes).map_err(io_context(format!("cannot write {}", path.display()))))?;
    let linked = std::fs::hard_link(&tmp, path);
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(Error::Io { context: format!("cannot create {}", path.display()), source: e }),
    }
}

/// Removes temporary files in `dir` left behind by processes of this host that have died
/// (a kill during a final write). Files of live processes and of other hosts are kept.
/// Returns how many were removed.
pub(crate) fn remove_stale_tmp_files(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    let host = file_safe_host();
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let Some(stem) = name.strip_suffix(TMP_SUFFIX) else { continue };
        // <name>.<host>.<pid>.<n>
        let mut parts = stem.rsplitn(4, '.');
        let (Some(_n), Some(pid), Some(file_host)) = (parts.next(), parts.next(), parts.next()) else { continue };
        let Ok(pid) = pid.parse::<u32>() else { continue };
        if file_host != host || process_start(pid).is_some() {
            continue;
        }
        if std::fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_new_never_replaces() {
        let dir = std::env::temp_dir().join(format!("ablate-files-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("x.txt");
        let _ = std::fs::remove_file(&path);
        assert!(create_new_atomically(&path, b"first").unwrap());
        assert!(!create_new_atomically(&path, b"second").unwrap());
        assert_eq!(std::fs::read(&path).unwrap(), b"first");
        // no temporary file is left either way
        let left: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().filter(|e| e.file_name().to_string_lossy().ends_with(".tmp")).collect();
        assert!(left.is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn stale_tmp_files_of_dead_processes_are_removed() {
        let dir = std::env::temp_dir().join(format!("ablate-stale-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let host = file_safe_host();
        // pid 4194304 is above Linux's pid_max limit: certainly not running.
        let dead = dir.join(format!("results.csv.{host}.4194304.0.tmp"));
        let alive = dir.join(format!("results.csv.{host}.{}.0.tmp", std::process::id()));
        let foreign = dir.join("results.csv.otherhost.4194304.0.tmp");
        for p in [&dead, &alive, &foreign] {
            std::fs::write(p, "x").unwrap();
        }
        assert_eq!(remove_stale_tmp_files(&dir), 1);
        assert!(!dead.exists() && alive.exists() && foreign.exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_current_process_is_alive() {
        let me = Owner::current();
        assert!(!me.is_dead_here());
        let gone = Owner { pid: 4_194_304, ..me.clone() };
        assert!(gone.is_dead_here());
        let elsewhere = Owner { host: format!("{}-other", me.host), pid: 4_194_304, start: 1 };
        assert!(!elsewhere.is_dead_here());
    }
}
