//! Lines of a run directory that could not be read, and the one way every reader reports them.

use std::path::{Path, PathBuf};

/// How many line numbers a message lists per file before "…".
const LISTED_LINES: usize = 10;

/// Lines of a run directory's journal or shards that could not be read: torn by a crash or
/// power loss, or corrupted. They stay in their files, untouched; a trial whose only record
/// they held counts as not run, so the next run runs it again.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DamagedLines {
    files: Vec<(PathBuf, Vec<usize>)>,
}

/// What the reader that found damaged lines does about them, for the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DamageContext {
    /// A run (or a Slurm driver) found them: the trials they held run again now.
    Running,
    /// The results of a run that found them: the trials they held ran again.
    Ran,
    /// Results read without running (load, report, export, status): the trials are missing
    /// from what is shown until the study runs again.
    Reading,
}

impl DamagedLines {
    /// Notes that line `line` (1-based) of `file` could not be read.
    pub(crate) fn add(&mut self, file: &Path, line: usize) {
        match self.files.iter_mut().find(|(f, _)| f == file) {
            Some((_, lines)) => lines.push(line),
            None => self.files.push((file.to_path_buf(), vec![line])),
        }
    }

    /// Takes in what another read found.
    pub(crate) fn extend(&mut self, other: DamagedLines) {
        for (file, lines) in other.files {
            for line in lines {
                self.add(&file, line);
            }
        }
    }

    /// How many lines could not be read.
    pub fn count(&self) -> usize {
        self.files.iter().map(|(_, lines)| lines.len()).sum()
    }

    /// Whether every line was read.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Each file with damaged lines, and their line numbers (1-based; the journal's header is
    /// line 1).
    pub fn files(&self) -> impl Iterator<Item = (&Path, &[usize])> {
        self.files.iter().map(|(f, lines)| (f.as_path(), lines.as_slice()))
    }

    /// Which lines: `runs/demo/journal.jsonl line 7 and 9` (files joined by "; ").
    pub fn describe(&self) -> String {
        self.files
            .iter()
            .map(|(file, lines)| {
                let mut shown: Vec<String> = lines.iter().take(LISTED_LINES).map(usize::to_string).collect();
                if lines.len() > LISTED_LINES {
                    shown.push(format!("… ({} more)", lines.len() - LISTED_LINES));
                }
                let word = if lines.len() == 1 { "line" } else { "lines" };
                format!("{} {word} {}", file.display(), shown.join(", "))
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The one message every reader gives (empty when nothing is damaged): how many lines,
    /// where, and what ablate does about them.
    pub fn notice(&self, context: DamageContext) -> String {
        if self.is_empty() {
            return String::new();
        }
        let n = self.count();
        let what = if n == 1 { "1 torn or corrupt line".to_string() } else { format!("{n} torn or corrupt lines") };
        let it = if n == 1 { "it stays in its file" } else { "they stay in their files" };
        let then = match context {
            DamageContext::Running => "a trial whose only record was there runs again now",
            DamageContext::Ran => "a trial whose only record was there ran again",
            DamageContext::Reading => "a trial whose only record was there is missing from these results, and the next run runs it again",
        };
        format!("{what} could not be read and {} skipped ({}): {it}, untouched; {then}", if n == 1 { "was" } else { "were" }, self.describe())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_notice_says_how_many_where_and_what_happens() {
        let mut d = DamagedLines::default();
        assert_eq!(d.notice(DamageContext::Reading), "");
        d.add(Path::new("runs/x/journal.jsonl"), 7);
        d.add(Path::new("runs/x/journal.jsonl"), 9);
        let mut shard = DamagedLines::default();
        shard.add(Path::new("runs/x/shards/1-0.jsonl"), 2);
        d.extend(shard);
        assert_eq!(d.count(), 3);
        assert_eq!(
            d.notice(DamageContext::Running),
            "3 torn or corrupt lines could not be read and were skipped (runs/x/journal.jsonl lines 7, 9; runs/x/shards/1-0.jsonl line 2): they stay in their files, untouched; a trial whose only record was there runs again now"
        );
        assert!(d.notice(DamageContext::Reading).ends_with("is missing from these results, and the next run runs it again"));
        let mut many = DamagedLines::default();
        for line in 2..20 {
            many.add(Path::new("j"), line);
        }
        assert_eq!(many.describe(), "j lines 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, … (8 more)");
    }
}
