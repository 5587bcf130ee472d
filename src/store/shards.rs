//! Journal shards: records written by cluster tasks. Each task writes a file of its own,
//! `shards/<name>.jsonl`, in the journal's line format, and replaces it whole (a temporary
//! file, then a rename) after every trial: readers never see half a shard, and no lock is
//! needed, which matters on NFS and Lustre where locks are unreliable. The driver and
//! [`Results::load`](crate::Results::load) merge every shard with the journal.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::files;
use super::journal::{decode_line, encode_line, Loaded};
use super::record::TrialRecord;
use crate::error::{Error, Result};

/// The shards folder's name inside a run directory.
pub const SHARDS_DIR: &str = "shards";
const SHARD_SUFFIX: &str = ".jsonl";

/// One task's shard: every record it wrote, rewritten atomically on each append.
#[derive(Debug)]
pub(crate) struct ShardWriter {
    path: PathBuf,
    bytes: Vec<u8>,
}

impl ShardWriter {
    /// A shard `name` in `run_dir/shards/`. An existing shard of that name (a requeued task
    /// on the same name) is continued, never truncated.
    pub fn open(run_dir: &Path, name: &str) -> Result<ShardWriter> {
        let dir = run_dir.join(SHARDS_DIR);
        std::fs::create_dir_all(&dir).map_err(|e| Error::RunDir { path: dir.clone(), source: e })?;
        let path = dir.join(format!("{name}{SHARD_SUFFIX}"));
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(Error::Io { context: format!("cannot read the shard {}", path.display()), source: e }),
        };
        Ok(ShardWriter { path, bytes })
    }

    /// Adds records; when this returns `Ok`, the shard on disk holds them (synced, renamed).
    pub fn append(&mut self, records: &[TrialRecord]) -> Result<()> {
        if records.is_empty() {
            return Ok(());
        }
        let before = self.bytes.len();
        for record in records {
            encode_line(record, &mut self.bytes);
        }
        let written = files::write_bytes_atomically(&self.path, &self.bytes);
        if written.is_err() {
            self.bytes.truncate(before);
        }
        written
    }
}

/// Reads the shards of a run directory incrementally: each call returns the records that
/// appeared since the last one.
#[derive(Debug, Default)]
pub(crate) struct ShardReader {
    /// Per shard file: what the last read saw.
    seen: HashMap<String, Seen>,
}

/// What a read of one shard saw.
#[derive(Debug, Default, Clone, Copy)]
struct Seen {
    len: u64,
    records: usize,
    damaged: usize,
}

impl ShardReader {
    /// Records added to any shard of `run_dir` since the last read, and lines found damaged
    /// since (a shard is replaced whole, never torn by its writer: a line that does not
    /// decode is damage). A shard that cannot be read right now (being replaced) is read
    /// next time.
    pub fn read_new(&mut self, run_dir: &Path) -> Loaded {
        let mut loaded = Loaded::default();
        let Ok(entries) = std::fs::read_dir(run_dir.join(SHARDS_DIR)) else { return loaded };
        let mut names: Vec<String> = entries
            .flatten()
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|n| n.ends_with(SHARD_SUFFIX))
            .collect();
        names.sort();
        for name in names {
            let path = run_dir.join(SHARDS_DIR).join(&name);
            let Ok(len) = std::fs::metadata(&path).map(|m| m.len()) else { continue };
            let seen = self.seen.get(&name).copied().unwrap_or_default();
            if len == seen.len {
                continue;
            }
            let Ok(bytes) = std::fs::read(&path) else { continue };
            let (mut records, mut damaged) = (Vec::new(), Vec::new());
            for (number, line) in bytes.split(|&b| b == b'\n').enumerate().filter(|(_, line)| !line.is_empty()) {
                match decode_line::<TrialRecord>(line) {
                    Some(record) => records.push(record),
                    None => damaged.push(number + 1),
                }
            }
            let (count, damaged_count) = (records.len(), damaged.len());
            loaded.records.extend(records.into_iter().skip(seen.records));
            for line in damaged.into_iter().skip(seen.damaged) {
                loaded.damaged.add(&path, line);
            }
            self.seen.insert(name, Seen { len: bytes.len() as u64, records: count.max(seen.records), damaged: damaged_count.max(seen.damaged) });
        }
        loaded
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::space::Config;
    use crate::store::Status;
    use crate::trial::{Metrics, TrialId};
    use std::sync::Arc;

    fn record(seed: u64) -> TrialRecord {
        TrialRecord {
            id: TrialId::compute(&Config::new(), seed, None),
            config: Arc::new(Config::new()),
            seed,
            replicate: 0,
            status: Status::Ok,
            error: None,
            metrics: Metrics::new(),
            duration_s: 0.1,
            started_at_ms: 1,
            attempt: 1,
            reports: Vec::new(),
            continuation: None,
            provenance: Default::default(),
            pruned_at: None,
            code: None,
        }
    }

    #[test]
    fn a_damaged_shard_line_is_reported_once_with_its_file_and_line() {
        let dir = std::env::temp_dir().join(format!("ablate-shards-damaged-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        ShardWriter::open(&dir, "0-0").unwrap().append(&[record(11), record(12), record(13)]).unwrap();
        let path = dir.join(SHARDS_DIR).join(format!("0-0{SHARD_SUFFIX}"));
        let text = std::fs::read_to_string(&path).unwrap();
        let second = text.find('\n').unwrap() + 10;
        let mut damaged = text.clone();
        damaged.replace_range(second..second + 1, "#");
        std::fs::write(&path, &damaged).unwrap();
        let mut reader = ShardReader::default();
        let loaded = reader.read_new(&dir);
        assert_eq!(loaded.records.len(), 2);
        assert_eq!(loaded.damaged.files().map(|(f, l)| (f.to_path_buf(), l.to_vec())).collect::<Vec<_>>(), [(path.clone(), vec![2])]);
        // The shard grows by a record and keeps its damaged line: the damage is not
        // reported twice, the new record is.
        let mut grown = damaged.into_bytes();
        encode_line(&record(14), &mut grown);
        std::fs::write(&path, &grown).unwrap();
        let again = reader.read_new(&dir);
        assert!(again.damaged.is_empty(), "{:?}", again.damaged);
        assert_eq!(again.records.iter().map(|r| r.seed).collect::<Vec<_>>(), [14]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn readers_see_each_record_once_across_shards_and_rewrites() {
        let dir = std::env::temp_dir().join(format!("ablate-shards-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut a = ShardWriter::open(&dir, "0-0").unwrap();
        let mut b = ShardWriter::open(&dir, "0-1").unwrap();
        let mut reader = ShardReader::default();
        assert!(reader.read_new(&dir).records.is_empty());
        a.append(&[record(11)]).unwrap();
        b.append(&[record(21)]).unwrap();
        assert_eq!(reader.read_new(&dir).records.len(), 2);
        assert!(reader.read_new(&dir).records.is_empty());
        a.append(&[record(12), record(13)]).unwrap();
        let new: Vec<u64> = reader.read_new(&dir).records.iter().map(|r| r.seed).collect();
        assert_eq!(new, [12, 13]);
        // A requeued task continues its shard instead of truncating it.
        let mut again = ShardWriter::open(&dir, "0-0").unwrap();
        again.append(&[record(14)]).unwrap();
        let mut fresh = ShardReader::default();
        assert_eq!(fresh.read_new(&dir).records.len(), 5);
        let names: Vec<_> = std::fs::read_dir(dir.join(SHARDS_DIR)).unwrap().flatten().map(|e| e.file_name()).collect();
        assert_eq!(names.len(), 2, "no temporary files left: {names:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
