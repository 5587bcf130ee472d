//! The append-only journal file: one header line, then one line per trial record.
//!
//! Each line is `<crc32 as 8 hex digits> <JSON>\n`. A line whose checksum does not match
//! (a record torn by a crash or power loss) is skipped and counted, never a reason to refuse
//! the rest. Appends happen under an exclusive file lock and are followed by `fsync`, so two
//! processes may append to one journal without corrupting it, and a record counts as stored
//! only once the fsync covering it returned.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::record::TrialRecord;
use crate::error::{Error, Result};

/// The journal format version this ablate writes and reads.
pub const JOURNAL_VERSION: u64 = 1;
const FORMAT_TAG: &str = "ablate-journal";

#[derive(Serialize, Deserialize)]
struct Header {
    format: String,
    version: u64,
    study: String,
}

/// What loading a journal found.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Every intact record, in file order.
    pub records: Vec<TrialRecord>,
    /// Lines skipped because they were torn or corrupt.
    pub skipped_lines: usize,
}

/// An open journal file.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: File,
    buffer: Vec<u8>,
}

impl Journal {
    /// Opens (creating if needed) `journal.jsonl` in `dir` and loads its records.
    pub fn open(dir: &Path, study: &str) -> Result<(Journal, Loaded)> {
        let run_dir_error = |source| Error::RunDir { path: dir.to_path_buf(), source };
        std::fs::create_dir_all(dir).map_err(run_dir_error)?;
        let path = dir.join("journal.jsonl");
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)
            .map_err(run_dir_error)?;
        let mut journal = Journal { path, file, buffer: Vec::new() };
        journal.file.lock().map_err(run_dir_error)?;
        let loaded = journal.load_locked(study);
        let unlocked = journal.file.unlock().map_err(run_dir_error);
        let loaded = loaded?;
        unlocked?;
        Ok((journal, loaded))
    }

    /// The journal file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn load_locked(&mut self, study: &str) -> Result<Loaded> {
        let mut bytes = Vec::new();
        self.file.seek(SeekFrom::Start(0)).map_err(|e| self.io("read", e))?;
        self.file.read_to_end(&mut bytes).map_err(|e| self.io("read", e))?;
        let complete_header = bytes.iter().position(|&b| b == b'\n');
        let Some(header_end) = complete_header else {
            // Empty, or a header torn while the journal was being created: start afresh.
            self.file.set_len(0).map_err(|e| self.io("reset", e))?;
            let header = Header { format: FORMAT_TAG.into(), version: JOURNAL_VERSION, study: study.into() };
            let mut line = Vec::new();
            encode_line(&header, &mut line);
            self.file.write_all(&line).map_err(|e| self.io("write", e))?;
            self.file.sync_all().map_err(|e| self.io("sync", e))?;
            return Ok(Loaded::default());
        };
        self.check_header(&bytes[..header_end])?;
        let mut loaded = Loaded::default();
        let body = &bytes[header_end + 1..];
        let mut lines = body.split(|&b| b == b'\n').peekable();
        while let Some(line) = lines.next() {
            let is_last = lines.peek().is_none();
            if is_last && line.is_empty() {
                break;
            }
            match decode_line::<TrialRecord>(line) {
                Some(record) if !is_last => loaded.records.push(record),
                _ => loaded.skipped_lines += 1, // torn (no newline) or corrupt
            }
        }
        Ok(loaded)
    }

    fn check_header(&self, line: &[u8]) -> Result<()> {
        let not_journal = |why: &str| Error::NotAJournal { path: self.path.clone(), why: why.to_string() };
        let header: Header = decode_line(line).ok_or_else(|| not_journal("its first line is not an ablate journal header"))?;
        if header.format != FORMAT_TAG {
            return Err(not_journal("its header names another format"));
        }
        if header.version != JOURNAL_VERSION {
            return Err(Error::IncompatibleJournal { path: self.path.clone(), found: header.version, supported: JOURNAL_VERSION });
        }
        Ok(())
    }

    /// Appends records and fsyncs them, under an exclusive lock. When this returns `Ok`,
    /// every record is on disk.
    pub fn append(&mut self, records: &[TrialRecord]) -> Result<()> {
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
        // starts on a line of its own (the torn one is then skipped as corrupt).
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

fn encode_line<T: Serialize>(value: &T, out: &mut Vec<u8>) {
    let start = out.len();
    out.extend_from_slice(b"00000000 ");
    // Serialising plain data structs into a Vec cannot fail.
    serde_json::to_writer(&mut *out, value).expect("journal records serialise");
    let crc = crc32fast::hash(&out[start + 9..]);
    out[start..start + 8].copy_from_slice(format!("{crc:08x}").as_bytes());
    out.push(b'\n');
}

fn decode_line<T: for<'de> Deserialize<'de>>(line: &[u8]) -> Option<T> {
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
        let header = Header { format: FORMAT_TAG.into(), version: 1, study: "s".into() };
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
