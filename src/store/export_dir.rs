//! What the TensorBoard and MLflow exports share: a directory tree built in memory, then
//! written into a target directory that ablate owns.
//!
//! Ownership is recorded in a marker file, `.ablate-export.json`, that lists every file and
//! folder each study's export wrote. A directory that has files but no marker was not made
//! by ablate and is refused; a file the new export would write is refused too when it exists
//! and the marker does not list it. Exporting the same study again replaces its own files
//! (each written under a temporary name and renamed) and removes those the new export no
//! longer has; files of other studies and of other programs are left alone.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::files::{replace_file, write_bytes_atomically};
use crate::error::{Error, Result};
use crate::plan::Plan;
use crate::trial::Direction;

/// The marker file's name in an export directory.
pub const EXPORT_MARKER: &str = ".ablate-export.json";
const MARKER_VERSION: u32 = 1;

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exported {
    /// The directory written to.
    pub dir: PathBuf,
    /// How many trials were exported (one TensorBoard session or MLflow run each).
    pub trials: usize,
    /// How many files were written.
    pub files: usize,
}

impl fmt::Display for Exported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({} trials, {} files)", self.dir.display(), self.trials, self.files)
    }
}

/// The formats an export directory can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// TensorBoard event files: one study per directory (the HParams tab shows one
    /// experiment per log directory).
    TensorBoard,
    /// An MLflow file store: one experiment per study, any number of studies.
    Mlflow,
}

impl Format {
    fn as_str(self) -> &'static str {
        match self {
            Format::TensorBoard => "tensorboard",
            Format::Mlflow => "mlflow",
        }
    }

    fn one_study_per_dir(self) -> bool {
        self == Format::TensorBoard
    }
}

/// A directory tree to write: files with their bytes and (possibly empty) folders, by
/// relative paths whose components come from [`file_name`] or from ablate's own fixed names.
#[derive(Debug, Default)]
pub(crate) struct Tree {
    files: BTreeMap<String, Vec<u8>>,
    dirs: BTreeSet<String>,
}

impl Tree {
    /// Adds a file (a later file at the same path replaces an earlier one).
    pub fn file(&mut self, path: &[&str], bytes: impl Into<Vec<u8>>) {
        self.files.insert(path.join("/"), bytes.into());
    }

    /// Adds a folder, written even when no file goes into it.
    pub fn dir(&mut self, path: &[&str]) {
        self.dirs.insert(path.join("/"));
    }

    #[cfg(test)]
    pub fn get(&self, path: &str) -> Option<&[u8]> {
        self.files.get(path).map(Vec::as_slice)
    }

    #[cfg(test)]
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }
}

/// Makes `text` usable as one file name: ASCII letters, digits and `-_.=,+@` are kept,
/// everything else becomes `_`; a leading `.` gets a `_` before it (no hidden names, never
/// `.` or `..`); empty text becomes `_`; at most `max` bytes are kept.
pub(crate) fn file_name(text: &str, max: usize) -> String {
    let mut out: String = text
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || "-_.=,+@".contains(c) { c } else { '_' })
        .take(max.max(1))
        .collect();
    if out.is_empty() || out.starts_with('.') {
        out.insert(0, '_');
        out.truncate(max.max(2));
    }
    out
}

/// The study in one sentence, for the exported experiment's description.
pub(crate) fn study_description(plan: &Plan) -> String {
    let primary = plan.primary();
    let sampled = match plan.seeds_per_sample() {
        Some(k) if !plan.all_configs_have_all_seeds() => format!(" (sampled configurations: {k})"),
        _ => String::new(),
    };
    format!(
        "ablate study `{}`: {} configurations × {} seeds{sampled}; primary metric {} ({})",
        plan.name(),
        plan.configs().len(),
        plan.seeds().len(),
        primary.name,
        direction_text(primary.direction)
    )
}

/// How a metric's direction reads in an export.
pub(crate) fn direction_text(direction: Direction) -> &'static str {
    match direction {
        Direction::Maximize => "maximize (higher is better)",
        Direction::Minimize => "minimize (lower is better)",
    }
}

/// The files and folders one study's export owns, as relative paths.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Owned {
    files: BTreeSet<String>,
    dirs: BTreeSet<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Marker {
    ablate_export: u32,
    format: String,
    studies: BTreeMap<String, Owned>,
}

/// A relative path from a marker as a path under `root`, or `None` when it is not a plain
/// relative path (a hand-edited marker never makes ablate touch anything outside `root`).
fn inside(root: &Path, rel: &str) -> Option<PathBuf> {
    let mut path = root.to_path_buf();
    for part in rel.split('/') {
        if part.is_empty() || part == "." || part == ".." || part.contains('\0') {
            return None;
        }
        path.push(part);
    }
    Some(path)
}

fn refuse(dir: &Path, message: String) -> Error {
    Error::ExportDir { path: dir.to_path_buf(), message }
}

fn io(context: String) -> impl FnOnce(std::io::Error) -> Error {
    move |source| Error::Io { context, source }
}

/// Reads the marker of `dir` (`None` for a new or empty directory) and refuses a directory
/// ablate did not write, or one that holds another format (or, for TensorBoard, another
/// study).
fn check_ownership(dir: &Path, format: Format, study: &str) -> Result<Option<Marker>> {
    if !dir.exists() {
        return Ok(None);
    }
    if !dir.is_dir() {
        return Err(refuse(dir, "it exists and is not a directory: give the path of a new or empty directory".into()));
    }
    let marker_path = dir.join(EXPORT_MARKER);
    if !marker_path.is_file() {
        let mut entries = std::fs::read_dir(dir).map_err(io(format!("cannot read {}", dir.display())))?;
        if entries.next().is_none() {
            return Ok(None);
        }
        return Err(refuse(
            dir,
            format!("it has files and was not written by ablate (it has no {EXPORT_MARKER}): export to a new or empty directory (ablate never writes into a directory it did not make)"),
        ));
    }
    let text = std::fs::read_to_string(&marker_path).map_err(io(format!("cannot read {}", marker_path.display())))?;
    let marker: Marker = serde_json::from_str(&text).map_err(|e| {
        refuse(dir, format!("its {EXPORT_MARKER} cannot be read ({e}): export to a new or empty directory, or delete the directory if it only holds an earlier export"))
    })?;
    if marker.ablate_export > MARKER_VERSION {
        return Err(refuse(dir, format!("it was written by a newer ablate (export marker version {}): use that version, or export to another directory", marker.ablate_export)));
    }
    if marker.format != format.as_str() {
        return Err(refuse(dir, format!("it holds ablate's {} export; export {} to another directory", marker.format, format.as_str())));
    }
    if format.one_study_per_dir()
        && let Some(other) = marker.studies.keys().find(|s| s.as_str() != study)
    {
        return Err(refuse(
            dir,
            format!("it holds the {} export of the study `{other}`, and TensorBoard shows one HParams experiment per log directory: export `{study}` to another directory", format.as_str()),
        ));
    }
    Ok(Some(marker))
}

fn save_marker(dir: &Path, marker: &Marker) -> Result<()> {
    let json = serde_json::to_string_pretty(marker).map_err(|e| Error::Invalid { message: format!("internal: cannot encode the export marker: {e}") })?;
    write_bytes_atomically(&dir.join(EXPORT_MARKER), json.as_bytes())
}

/// Writes `tree` for `study` into `dir` (see the module documentation for what is refused
/// and what is replaced).
pub(crate) fn write_tree(dir: &Path, format: Format, study: &str, tree: &Tree, trials: usize) -> Result<Exported> {
    let mut marker = check_ownership(dir, format, study)?.unwrap_or_else(|| Marker {
        ablate_export: MARKER_VERSION,
        format: format.as_str().to_string(),
        studies: BTreeMap::new(),
    });
    let old = marker.studies.get(study).cloned().unwrap_or_default();
    let resolve = |rel: &str| inside(dir, rel).ok_or_else(|| Error::Invalid { message: format!("internal: export path {rel:?} is not a plain relative path") });
    for rel in tree.files.keys() {
        let path = resolve(rel)?;
        if !old.files.contains(rel) && path.symlink_metadata().is_ok() {
            return Err(refuse(
                dir,
                format!("{} exists and was not written by ablate's export of `{study}`: move it away, or export to another directory", path.display()),
            ));
        }
    }
    std::fs::create_dir_all(dir).map_err(io(format!("cannot create the export directory {}", dir.display())))?;
    // Listed before anything is written: an export stopped half way is still known as ours.
    let new = Owned { files: tree.files.keys().cloned().collect(), dirs: tree.dirs.clone() };
    let both = Owned { files: old.files.union(&new.files).cloned().collect(), dirs: old.dirs.union(&new.dirs).cloned().collect() };
    marker.studies.insert(study.to_string(), both);
    save_marker(dir, &marker)?;
    for rel in &tree.dirs {
        let path = resolve(rel)?;
        std::fs::create_dir_all(&path).map_err(io(format!("cannot create {}", path.display())))?;
    }
    for (rel, bytes) in &tree.files {
        let path = resolve(rel)?;
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io(format!("cannot create {}", parent.display())))?;
        }
        replace_file(&path, bytes)?;
    }
    remove_stale(dir, &old, &new);
    marker.studies.insert(study.to_string(), new);
    save_marker(dir, &marker)?;
    Ok(Exported { dir: dir.to_path_buf(), trials, files: tree.files.len() })
}

/// Removes the files of the previous export that this one no longer has, then the folders
/// that became empty (deepest first). Best effort: what cannot be removed stays.
fn remove_stale(dir: &Path, old: &Owned, new: &Owned) {
    let mut folders: BTreeSet<&str> = old.dirs.difference(&new.dirs).map(String::as_str).collect();
    for rel in old.files.difference(&new.files) {
        if let Some(path) = inside(dir, rel) {
            let _ = std::fs::remove_file(path);
        }
        let mut parent = rel.as_str();
        while let Some((up, _)) = parent.rsplit_once('/') {
            folders.insert(up);
            parent = up;
        }
    }
    // Longer paths first: a folder's children go before it.
    let mut folders: Vec<&str> = folders.into_iter().collect();
    folders.sort_by_key(|f| std::cmp::Reverse(f.len()));
    for rel in folders {
        if let Some(path) = inside(dir, rel) {
            let _ = std::fs::remove_dir(path);
        }
    }
}

/// A small study with hand-made records, for the exports' unit tests.
#[cfg(test)]
pub(crate) mod fixture {
    use std::sync::Arc;

    use crate::plan::Plan;
    use crate::space::{Param, Value};
    use crate::store::{Status, TrialRecord};
    use crate::study::Study;
    use crate::trial::{Metrics, StepReport};

    /// Five configs (baseline, lr=0.01, lr=1, norm/layer removed, the custom "fast/../sgd")
    /// × two seeds; trial 5 (lr=1, replicate 1) failed; every trial reported a curve.
    pub fn study() -> (Plan, Vec<TrialRecord>) {
        let plan = Study::new("fixture/../study")
            .param(Param::float("lr", 0.1).log().levels([0.01, 0.1, 1.0]))
            .param(Param::categorical("opt", ["adam", "sgd"], "adam"))
            .param(Param::component("norm/layer"))
            .param(Param::int("width", 32).bounds(8.0, 128.0))
            .ofat()
            .leave_one_out()
            .config("fast/../sgd", [("opt", Value::from("sgd")), ("width", Value::from(64))])
            .seeds(2)
            .maximize("accuracy")
            .minimize("loss")
            .plan()
            .unwrap();
        let records = plan
            .trials()
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let failed = i == 5;
                let curve = |step: i64, v: f64| StepReport { step, values: Metrics::new().with("train_loss", v) };
                TrialRecord {
                    id: t.id().clone(),
                    config: Arc::new(plan.configs()[t.config_index()].config().clone()),
                    seed: t.seed(),
                    replicate: t.replicate(),
                    status: if failed { Status::Failed } else { Status::Ok },
                    error: failed.then(|| "exit code 3: boom".to_string()),
                    metrics: if failed { Metrics::new() } else { Metrics::new().with("accuracy", 0.623456789 + 0.01 * i as f64).with("loss", 1.0 / (i + 1) as f64) },
                    duration_s: 0.25,
                    started_at_ms: 1_700_000_000_000 + 1000 * i as i64,
                    attempt: 1,
                    reports: vec![curve(1, 0.9), curve(2, 0.5)],
                    continuation: None,
                    provenance: Default::default(),
                    pruned_at: None,
                    code: None,
                }
            })
            .collect();
        (plan, records)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("ablate-export-dir-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn file_names_never_leave_their_folder() {
        for (text, want) in [("..", "_.."), (".", "_."), ("", "_"), ("a/../b", "a_.._b"), ("/etc/passwd", "_etc_passwd"), ("lr=0.1, bs=32", "lr=0.1,_bs=32"), ("é", "_")] {
            assert_eq!(file_name(text, 100), want, "{text:?}");
        }
        assert_eq!(file_name("abcdef", 3), "abc");
        assert_eq!(file_name(".hidden", 3), "_.h");
        assert!(inside(Path::new("/x"), "a/../b").is_none() && inside(Path::new("/x"), "/a").is_none() && inside(Path::new("/x"), "a//b").is_none());
        assert_eq!(inside(Path::new("/x"), "a/b"), Some(PathBuf::from("/x/a/b")));
    }

    #[test]
    fn foreign_directories_and_files_are_refused_and_own_files_replaced() {
        let dir = temp("owner");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("notes.txt"), "mine").unwrap();
        let mut tree = Tree::default();
        tree.file(&["a", "one"], "1");
        tree.file(&["a", "two"], "2");
        tree.dir(&["empty"]);
        let e = write_tree(&dir, Format::Mlflow, "s", &tree, 2).unwrap_err().to_string();
        assert!(e.contains("was not written by ablate") && e.contains("new or empty directory"), "{e}");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1, "nothing was written");

        std::fs::remove_file(dir.join("notes.txt")).unwrap();
        let done = write_tree(&dir, Format::Mlflow, "s", &tree, 2).unwrap();
        assert_eq!((done.files, done.trials), (2, 2));
        assert!(dir.join("empty").is_dir() && dir.join(EXPORT_MARKER).is_file());

        // Someone else's file inside the export, then a new export that drops `a/two`.
        std::fs::write(dir.join("a").join("theirs"), "keep").unwrap();
        let mut smaller = Tree::default();
        smaller.file(&["a", "one"], "1 again");
        write_tree(&dir, Format::Mlflow, "s", &smaller, 1).unwrap();
        assert_eq!(std::fs::read_to_string(dir.join("a/one")).unwrap(), "1 again");
        assert!(!dir.join("a/two").exists() && !dir.join("empty").exists());
        assert_eq!(std::fs::read_to_string(dir.join("a/theirs")).unwrap(), "keep");

        // A path the export wants that exists and is not listed as this study's.
        let mut clash = Tree::default();
        clash.file(&["a", "theirs"], "x");
        let e = write_tree(&dir, Format::Mlflow, "other", &clash, 1).unwrap_err().to_string();
        assert!(e.contains("theirs") && e.contains("was not written by ablate's export of `other`"), "{e}");
        assert_eq!(std::fs::read_to_string(dir.join("a/theirs")).unwrap(), "keep");

        // Another format, or (TensorBoard) another study, is refused.
        let e = write_tree(&dir, Format::TensorBoard, "s", &smaller, 1).unwrap_err().to_string();
        assert!(e.contains("holds ablate's mlflow export"), "{e}");
        let tb = temp("tb-owner");
        write_tree(&tb, Format::TensorBoard, "s", &smaller, 1).unwrap();
        let e = write_tree(&tb, Format::TensorBoard, "t", &smaller, 1).unwrap_err().to_string();
        assert!(e.contains("study `s`") && e.contains("export `t` to another directory"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
        std::fs::remove_dir_all(&tb).unwrap();
    }

    #[test]
    fn a_tampered_marker_never_removes_files_outside() {
        let dir = temp("tampered");
        let outside = temp("tampered-outside");
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(outside.join("victim"), "safe").unwrap();
        let mut tree = Tree::default();
        tree.file(&["x"], "1");
        write_tree(&dir, Format::Mlflow, "s", &tree, 1).unwrap();
        let rel = format!("../{}/victim", outside.file_name().unwrap().to_str().unwrap());
        let marker = format!(r#"{{"ablate_export":1,"format":"mlflow","studies":{{"s":{{"files":["x",{rel:?}],"dirs":[".."]}}}}}}"#);
        std::fs::write(dir.join(EXPORT_MARKER), marker).unwrap();
        let mut other = Tree::default();
        other.file(&["y"], "2");
        write_tree(&dir, Format::Mlflow, "s", &other, 1).unwrap();
        assert_eq!(std::fs::read_to_string(outside.join("victim")).unwrap(), "safe");
        assert!(!dir.join("x").exists() && dir.join("y").exists());
        std::fs::remove_dir_all(&dir).unwrap();
        std::fs::remove_dir_all(&outside).unwrap();
    }
}
