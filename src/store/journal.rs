//! The append-only journal file: one header line, then one line per trial record.
//!
//! Each line is `<crc32 as 8 hex digits> <JSON>\n`. A line whose checksum does not match
//! (a record torn by a crash or power loss) is skipped and counted, never a reason to refuse
//! the rest. Appends happen under an exclusive file lock and are followed by `fsync`, so two
//! processes may append to one journal without corrupting it, and a record counts as stored
//! only once the fsync covering it returned.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::damaged::DamagedLines;
use super::record::TrialRecord;
use crate::error::{Error, Result};

/// The journal format version this ablate writes and reads.
pub const JOURNAL_VERSION: u64 = 1;
const FORMAT_TAG: &str = "ablate-journal";

/// The first line of a journal: what it is and which study it belongs to.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Header {
    format: String,
    version: u64,
    /// The name of the study that created the run directory.
    pub study: String,
    /// The spec hash of the study that created it (absent in journals of ablate 0.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spec_hash: Option<String>,
}

/// What loading a journal found.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Every intact record, in file order.
    pub records: Vec<TrialRecord>,
    /// Lines skipped as torn or corrupt.
    pub damaged: DamagedLines,
}

impl Loaded {
    /// Takes in what another read (of another file) found.
    pub fn extend(&mut self, other: Loaded) {
        self.records.extend(other.records);
        self.damaged.extend(other.damaged);
    }
}

/// An open journal file. Reading is incremental: [`Journal::read_new`] returns the records
/// appended (by this or any other process) since the last read.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: File,
    header: Header,
    /// Byte offset up to which the file has been read (always just after a newline).
    read_to: u64,
    /// Lines read so far (for the line numbers of skipped lines).
    lines_read: usize,
    buffer: Vec<u8>,
    writable: bool,
}

impl Journal {
    /// Opens `journal.jsonl` in `dir` for appending, creating it with a header for `study`
    /// if there is none, and loads its records. A journal is created complete or not at all
    /// (written under a temporary name, then linked into place), so an existing file that
    /// does not start with a journal header was not written by ablate and is never touched.
    pub fn open(dir: &Path, study: &str, spec_hash: &str) -> Result<(Journal, Loaded)> {
        let path = dir.join(JOURNAL_FILE);
        if !path.exists() {
            let header = Header { format: FORMAT_TAG.into(), version: JOURNAL_VERSION, study: study.into(), spec_hash: Some(spec_hash.into()) };
            let mut line = Vec::new();
            encode_line(&header, &mut line);
            super::files::create_new_atomically(&path, &line)?;
        }
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .open(&path)
            .map_err(|e| Error::Io { context: format!("cannot open the journal {}", path.display()), source: e })?;
        Journal::load(path, file, true)
    }

    /// Opens an existing journal read-only (works on a read-only mount).
    pub fn open_read_only(dir: &Path) -> Result<(Journal, Loaded)> {
        let path = dir.join(JOURNAL_FILE);
        let file = File::open(&path).map_err(|e| Error::Io {
            context: format!("cannot open the journal {} (is this a run directory?)", path.display()),
            source: e,
        })?;
        Journal::load(path, file, false)
    }

    fn load(path: PathBuf, file: File, writable: bool) -> Result<(Journal, Loaded)> {
        let placeholder = Header { format: String::new(), version: 0, study: String::new(), spec_hash: None };
        let mut journal = Journal { path, file, header: placeholder, read_to: 0, lines_read: 0, buffer: Vec::new(), writable };
        // Read under the lock, so no append is seen half-written. A read-only mount may refuse
        // locks; reading without one is then the best there is.
        let locked = journal.file.lock_shared().is_ok();
        let mut bytes = Vec::new();
        let read = journal.file.read_to_end(&mut bytes).map_err(|e| journal.io("read", e));
        if locked {
            let _ = journal.file.unlock();
        }
        read?;
        let Some(header_end) = bytes.iter().position(|&b| b == b'\n') else {
            return Err(journal.not_journal("its first line is not a complete ablate journal header"));
        };
        journal.header = journal.check_header(&bytes[..header_end])?;
        journal.read_to = header_end as u64 + 1;
        journal.lines_read = 1;
        let loaded = journal.parse_body(&bytes[header_end + 1..]);
        Ok((journal, loaded))
    }

    /// A second, read-only handle that continues reading where this one stands: reads then
    /// never wait for an append (and its fsync) under way on this handle.
    pub fn reader(&self) -> Result<Journal> {
        let file = File::open(&self.path).map_err(|e| self.io("open", e))?;
        Ok(Journal {
            path: self.path.clone(),
            file,
            header: self.header.clone(),
            read_to: self.read_to,
            lines_read: self.lines_read,
            buffer: Vec::new(),
            writable: false,
        })
    }

    /// The header: which study created this run directory.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// Records appended since the last read (by any process). A line still being written
    /// (no newline yet) is left for the next read.
    pub fn read_new(&mut self) -> Result<Loaded> {
        let len = self.file.metadata().map_err(|e| self.io("stat", e))?.len();
        if len <= self.read_to {
            return Ok(Loaded::default());
        }
        let mut bytes = vec![0u8; (len - self.read_to) as usize];
        self.file.read_exact_at(&mut bytes, self.read_to).map_err(|e| self.io("read", e))?;
        let complete = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        Ok(self.parse_body(&bytes[..complete]))
    }

    /// Parses complete lines (and a torn last line, which is counted as skipped only when it
    /// is followed by nothing else in the file at load time).
    fn parse_body(&mut self, body: &[u8]) -> Loaded {
        let mut loaded = Loaded::default();
        let mut consumed = 0usize;
        for line in body.split_inclusive(|&b| b == b'\n') {
            let complete = line.ends_with(b"\n");
            self.lines_read += 1;
            consumed += line.len();
            let content = if complete { &line[..line.len() - 1] } else { line };
            if content.is_empty() {
                continue; // the newline that ends a torn line
            }
            match decode_line::<TrialRecord>(content) {
                Some(record) if complete => loaded.records.push(record),
                _ => loaded.damaged.add(&self.path, self.lines_read), // torn (no newline) or corrupt
            }
        }
        self.read_to += consumed as u64;
        loaded
    }

    fn check_header(&self, line: &[u8]) -> Result<Header> {
        let header: Header = decode_line(line).ok_or_else(|| self.not_journal("its first line is not an ablate journal header"))?;
        if header.format != FORMAT_TAG {
            return Err(self.not_journal("its header names another format"));
        }
        if header.version != JOURNAL_VERSION {
            return Err(Error::IncompatibleJournal { path: self.path.clone(), found: header.version, supported: JOURNAL_VERSION });
        }
        Ok(header)
    }

    fn not_journal(&self, why: &str) -> Error {
        Error::NotAJournal { path: self.path.clone(), why: why.to_string() }
    }

    /// Appends records and fsyncs them, under an exclusive lock. When this returns `Ok`,
    /// every record is on disk.
    pub fn append(&mut self, records: &[TrialRecord]) -> Result<()> {
        if !self.writable {
            return Err(Error::Invalid { message: format!("internal: the journal {} was opened read-only", self.path.display()) });
        }
        self.buffer.clear();
        for record in records {
            encode_line(record, &mut self.buffer);
        }
        self.file.lock().map_err(|e| self.io("lock", e))?;
        let written = self.write_locked();
        let unlocked = self.file.unlock().map_err(|e| self.io("unlock", e));
        written?;
        unlocked
    }

    fn write_locked(&mut self) -> Result<()> {
        // A crash may have left a torn line without its newline: end it, so the next record
        // starts on a line of its own (the torn one is then skipped as corrupt, and kept).
        let len = self.file.metadata().map_err(|e| self.io("stat", e))?.len();
        if len > 0 {
            let mut last = [0u8; 1];
            self.file.read_exact_at(&mut last, len - 1).map_err(|e| self.io("read", e))?;
            if last[0] != b'\n' {
                self.file.write_all(b"\n").map_err(|e| self.io("write", e))?;
            }
        }
        self.file.write_all(&self.buffer).map_err(|e| self.io("write", e))?;
        self.file.sync_data().map_err(|e| self.io("sync", e))
    }

    fn io(&self, what: &str, source: std::io::Error) -> Error {
        Error::Io { context: format!("cannot {what} the journal {}", self.path.display()), source }
    }
}

/// The journal's file name inside a run directory.
pub const JOURNAL_FILE: &str = "journal.jsonl";

pub(super) fn encode_line<T: Serialize>(value: &T, out: &mut Vec<u8>) {
    let start = out.len();
    out.extend_from_slice(b"00000000 ");
    // Serialising plain data structs into a Vec cannot fail.
    serde_json::to_writer(&mut *out, value).expect("journal records serialise");
    let crc = crc32fast::hash(&out[start + 9..]);
    out[start..start + 8].copy_from_slice(format!("{crc:08x}").as_bytes());
    out.push(b'\n');
}

pub(super) fn decode_line<T: for<'de> Deserialize<'de>>(line: &[u8]) -> Option<T> {
    if line.len() < 10 || line[8] != b' ' {
        return None;
    }
    let crc = u32::from_str_radix(std::str::from_utf8(&line[..8]).ok()?, 16).ok()?;
    let json = &line[9..];
    if crc32fast::hash(json) != crc {
        return None;
    }
    serde_json::from_slice(json).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_round_trip_and_detect_corruption() {
        let header = Header { format: FORMAT_TAG.into(), version: 1, study: "s".into(), spec_hash: None };
        let mut line = Vec::new();
        encode_line(&header, &mut line);
        assert_eq!(*line.last().unwrap(), b'\n');
        let body = &line[..line.len() - 1];
        let back: Header = decode_line(body).unwrap();
        assert_eq!(back.study, "s");
        let mut flipped = body.to_vec();
        let n = flipped.len();
        flipped[n - 3] ^= 1;
        assert!(decode_line::<Header>(&flipped).is_none());
        assert!(decode_line::<Header>(&body[..body.len() / 2]).is_none());
    }
}
