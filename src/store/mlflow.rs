//! MLflow export: a file store (what `mlflow` writes under `mlruns/`) that MLflow's own
//! client and UI read.
//!
//! ```text
//! DIR/<experiment id>/meta.yaml                 one experiment per study (its id is derived
//!                                               from the study name: stable across exports)
//! DIR/<experiment id>/tags/mlflow.note.content  the study in one sentence
//! DIR/<experiment id>/<trial id>/meta.yaml      one run per trial: name, status (FINISHED or
//!                                               FAILED), start and end time
//!     params/<param>      the configuration's values, as text
//!     metrics/<metric>    "<unix ms> <value> <step>" lines; learning curves as curve/<name>
//!     tags/<tag>          mlflow.runName, ablate.config (the label), ablate.seed, ...
//!     artifacts/          empty (MLflow expects it)
//! ```
//!
//! Layout and YAML keys follow MLflow's `mlflow/store/tracking/file_store.py`. Param and
//! metric names are made MLflow-safe (its rule: letters, digits, `_ - . : /` and spaces, no
//! `.` or `..` path segments, at most 250 characters); a name that collides afterwards is
//! made unique with a suffix.

use std::path::Path;

use sha2::{Digest, Sha256};

use super::export_dir::{study_description, write_tree, Exported, Format, Tree};
use super::tensorboard::CURVE_PREFIX;
use super::{Status, TrialRecord};
use crate::error::{Error, Result};
use crate::options::percent_encode;
use crate::plan::Plan;

/// MLflow's `RunStatus` numbers (mlflow/entities/run_status.py) and `SourceType.LOCAL`.
const RUN_FINISHED: u8 = 3;
const RUN_FAILED: u8 = 4;
/// MLflow's `RunStatus.KILLED`: a pruned trial, stopped on purpose.
const RUN_KILLED: u8 = 5;
const SOURCE_LOCAL: u8 = 4;
/// MLflow's limits on name and tag-value lengths (mlflow/utils/validation.py).
const MAX_KEY_LEN: usize = 250;
const MAX_TAG_VALUE_LEN: usize = 8000;

/// Writes the MLflow export of `records` (trials of `plan`) into `dir`.
pub(crate) fn export(plan: &Plan, records: &[TrialRecord], dir: &Path) -> Result<Exported> {
    let root = std::path::absolute(dir).map_err(|e| Error::Io { context: format!("cannot resolve {}", dir.display()), source: e })?;
    let tree = build(plan, records, &file_uri(&root))?;
    write_tree(dir, Format::Mlflow, plan.name(), &tree, records.len())
}

/// The MLflow experiment id of a study: a positive 62-bit number from the study name's
/// SHA-256, as decimal (MLflow's own ids are decimal numbers too).
pub(crate) fn experiment_id(study: &str) -> String {
    let digest = Sha256::digest(format!("ablate-mlflow-experiment\0{study}").as_bytes());
    let n = u64::from_be_bytes(digest[..8].try_into().unwrap_or_default()) >> 2;
    n.max(1).to_string()
}

/// The export as a directory tree; `root_uri` is the store's `file://` URI (for the
/// artifact locations MLflow expects in its YAML).
fn build(plan: &Plan, records: &[TrialRecord], root_uri: &str) -> Result<Tree> {
    let mut tree = Tree::default();
    let exp = experiment_id(plan.name());
    let exp_uri = format!("{root_uri}/{exp}");
    let created = records.iter().map(|r| r.started_at_ms).min().unwrap_or(0);
    let updated = records.iter().map(TrialRecord::ended_at_ms).max().unwrap_or(created);
    let meta = yaml(&[
        ("artifact_location", yaml_str(&exp_uri)),
        ("creation_time", created.to_string()),
        ("experiment_id", yaml_str(&exp)),
        ("last_update_time", updated.to_string()),
        ("lifecycle_stage", "active".into()),
        ("name", yaml_str(plan.name())),
    ]);
    tree.file(&[&exp, "meta.yaml"], meta);
    let note = study_description(plan);
    tree.file(&[&exp, "tags", "mlflow.note.content"], note);
    tree.file(&[&exp, "tags", "ablate.study"], plan.name());

    let param_keys = unique_keys(plan.params().iter().map(|p| p.name()));
    for record in records {
        let config = plan
            .trial_index(&record.id)
            .map(|i| plan.trials()[i].config_index())
            .ok_or_else(|| Error::Invalid { message: format!("internal: trial {} does not belong to the plan", record.id) })?;
        let run = record.id.as_str();
        let label = plan.label(config);
        let run_name = format!("{label} (seed {})", record.seed);
        let (status, status_code) = match record.status {
            Status::Ok => ("ok", RUN_FINISHED),
            Status::Failed => ("failed", RUN_FAILED),
            Status::Pruned => ("pruned", RUN_KILLED),
        };
        let meta = yaml(&[
            ("artifact_uri", yaml_str(&format!("{exp_uri}/{run}/artifacts"))),
            ("end_time", record.ended_at_ms().to_string()),
            ("entry_point_name", "''".into()),
            ("experiment_id", yaml_str(&exp)),
            ("lifecycle_stage", "active".into()),
            ("run_id", yaml_str(run)),
            ("run_name", yaml_str(&run_name)),
            ("source_name", "''".into()),
            ("source_type", SOURCE_LOCAL.to_string()),
            ("source_version", "''".into()),
            ("start_time", record.started_at_ms.to_string()),
            ("status", status_code.to_string()),
            ("tags", "[]".into()),
            ("user_id", "ablate".into()),
        ]);
        tree.file(&[&exp, run, "meta.yaml"], meta);
        for folder in ["params", "metrics", "tags", "artifacts"] {
            tree.dir(&[&exp, run, folder]);
        }
        for (param, key) in plan.params().iter().zip(&param_keys) {
            if let Some(value) = record.config.get(param.name()) {
                tree.file(&[&exp, run, "params", key], value.to_string());
            }
        }
        for (key, lines) in metric_files(plan, record) {
            tree.file(&[&exp, run, "metrics", &key], lines);
        }
        let mut tags = vec![
            ("mlflow.runName", run_name.clone()),
            ("ablate.trial_id", run.to_string()),
            ("ablate.config", label),
            ("ablate.config_index", config.to_string()),
            ("ablate.design", plan.configs()[config].design().as_str().to_string()),
            ("ablate.varied", plan.varied(config).join(",")),
            ("ablate.seed", record.seed.to_string()),
            ("ablate.replicate", record.replicate.to_string()),
            ("ablate.attempt", record.attempt.to_string()),
            ("ablate.status", status.to_string()),
            ("ablate.duration_s", record.duration_s.to_string()),
        ];
        if let Some(error) = &record.error {
            tags.push(("ablate.error", error.chars().take(MAX_TAG_VALUE_LEN).collect()));
        }
        for (key, value) in tags {
            tree.file(&[&exp, run, "tags", key], value);
        }
    }
    Ok(tree)
}

/// A trial's metric files: each declared metric it returned (one line at the last reported
/// step), then each learning curve it reported (`curve/<name>`, one line per step). Reports
/// carry no time of their own: every line has the trial's end time.
fn metric_files(plan: &Plan, record: &TrialRecord) -> Vec<(String, String)> {
    let end = record.ended_at_ms();
    let final_step = record.reports.iter().map(|r| r.step).max().unwrap_or(0);
    let mut names: Vec<String> = Vec::new();
    let mut lines: Vec<String> = Vec::new();
    for metric in plan.metrics() {
        if let Some(value) = record.metrics.get(&metric.name) {
            names.push(metric.name.clone());
            lines.push(format!("{end} {value} {final_step}\n"));
        }
    }
    for report in &record.reports {
        for (name, value) in report.values.iter() {
            let curve = format!("{CURVE_PREFIX}{name}");
            let i = names.iter().position(|n| *n == curve).unwrap_or_else(|| {
                names.push(curve);
                lines.push(String::new());
                names.len() - 1
            });
            lines[i].push_str(&format!("{end} {value} {}\n", report.step));
        }
    }
    unique_keys(names.iter().map(String::as_str)).into_iter().zip(lines).collect()
}

/// MLflow-safe keys for `names`, in order, distinct, and never a file where another key
/// needs a folder (`a` and `a/b`).
fn unique_keys<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let clashes = |key: &str, used: &[String]| {
        used.iter().any(|u| u == key || u.starts_with(&format!("{key}/")) || key.starts_with(&format!("{u}/")))
    };
    let mut used: Vec<String> = Vec::new();
    for name in names {
        let mut key = mlflow_key(name);
        if clashes(&key, &used) {
            let base = flat_key(name, MAX_KEY_LEN - 6);
            key = base.clone();
            let mut n = 2;
            while clashes(&key, &used) {
                key = format!("{base}_{n}");
                n += 1;
            }
        }
        used.push(key);
    }
    used
}

fn mlflow_char(c: char) -> char {
    if c.is_ascii_alphanumeric() || "_-.: ".contains(c) { c } else { '_' }
}

/// `name` as an MLflow key that keeps its `/` folders when they are valid, else
/// [`flat_key`].
fn mlflow_key(name: &str) -> String {
    let segments: Vec<String> = name.split('/').map(|s| s.chars().map(mlflow_char).collect()).collect();
    let valid = segments.iter().all(|s| !s.is_empty() && s != "." && s != "..") && !segments[0].starts_with("..");
    let key = segments.join("/");
    if valid && key.len() <= MAX_KEY_LEN { key } else { flat_key(name, MAX_KEY_LEN) }
}

/// `name` as a key without folders: `/` and other characters MLflow refuses become `_`, a
/// leading `.` gets a `_` before it, at most `max` characters.
fn flat_key(name: &str, max: usize) -> String {
    let mut key: String = name.chars().map(|c| if c == '/' { '_' } else { mlflow_char(c) }).collect();
    if key.is_empty() || key.starts_with('.') {
        key.insert(0, '_');
    }
    key.truncate(max);
    key
}

/// A YAML mapping of scalars already written as YAML, one per line.
fn yaml(entries: &[(&str, String)]) -> String {
    entries.iter().map(|(k, v)| format!("{k}: {v}\n")).collect()
}

/// `s` as a YAML double-quoted scalar: `"` and `\` escaped, and every character YAML does
/// not allow in a stream (controls, U+FFFE, U+FFFF) as `\uXXXX`.
fn yaml_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() || c == '\u{fffe}' || c == '\u{ffff}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A local path as a `file://` URI, percent-encoding all but unreserved characters and `/`
/// (as Python's `pathlib.Path.as_uri`, which MLflow uses).
fn file_uri(path: &Path) -> String {
    let path = percent_encode(path.as_os_str().as_encoded_bytes(), |_, b| b.is_ascii_alphanumeric() || b"/-._~".contains(&b));
    format!("file://{path}")
}

#[cfg(test)]
mod tests {
    use super::super::export_dir::fixture;
    use super::*;

    /// MLflow's own check (mlflow/utils/validation.py): `^[/\w.\- :]*$`, and the name must
    /// equal its `posixpath.normpath`, not be `.`, not start with `..` or `/`.
    fn mlflow_accepts(key: &str) -> bool {
        let chars = key.chars().all(|c| c.is_ascii_alphanumeric() || "/_.- :".contains(c));
        let segments: Vec<&str> = key.split('/').collect();
        let normal = !key.is_empty() && segments.iter().all(|s| !s.is_empty() && *s != "." && *s != "..");
        chars && normal && !key.starts_with("..") && key.len() <= MAX_KEY_LEN
    }

    #[test]
    fn keys_are_valid_distinct_and_stay_in_their_folder() {
        let long = "x".repeat(300);
        let names = ["lr", "train/loss", "..", "../etc/passwd", "a/../b", "/abs", "a//b", "x?y", "x!y", "a", "a/b", "é", "", ".hidden", long.as_str(), "sp ace:colon"];
        let keys = unique_keys(names);
        for (name, key) in names.iter().zip(&keys) {
            assert!(mlflow_accepts(key), "{name:?} → {key:?}");
        }
        assert_eq!(&keys[..2], ["lr", "train/loss"]);
        assert_eq!(keys[3], "_.._etc_passwd");
        assert_eq!((keys[7].as_str(), keys[8].as_str()), ("x_y", "x_y_2"));
        assert_eq!((keys[9].as_str(), keys[10].as_str()), ("a", "a_b"), "a file `a` and a folder `a/` cannot both exist");
        assert_eq!(keys[15], "sp ace:colon");
        let mut distinct = keys.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), keys.len());
    }

    #[test]
    fn yaml_and_uris_are_escaped() {
        assert_eq!(yaml_str("a \"b\" \\ c\n\u{7f}é"), "\"a \\\"b\\\" \\\\ c\\u000a\\u007fé\"");
        assert_eq!(file_uri(Path::new("/tmp/a b/ü")), "file:///tmp/a%20b/%C3%BC");
        let id = experiment_id("wine");
        assert_eq!(id, experiment_id("wine"));
        assert_ne!(id, experiment_id("wine2"));
        assert!(id.parse::<i64>().unwrap() > 0);
    }

    #[test]
    fn runs_have_params_metrics_tags_and_status() {
        let (plan, records) = fixture::study();
        let tree = build(&plan, &records, "file:///x").unwrap();
        let exp = experiment_id(plan.name());
        let text = |path: String| String::from_utf8(tree.get(&path).unwrap_or_else(|| panic!("{path}")).to_vec()).unwrap();
        let meta = text(format!("{exp}/meta.yaml"));
        assert!(meta.contains(&format!("experiment_id: \"{exp}\"\n")) && meta.contains("name: \"fixture/../study\"\n"), "{meta}");
        assert!(tree.paths().all(|p| p.starts_with(&format!("{exp}/"))), "one experiment folder");
        for record in &records {
            let run = format!("{exp}/{}", record.id);
            let meta = text(format!("{run}/meta.yaml"));
            let status = if record.status == Status::Ok { 3 } else { 4 };
            assert!(meta.contains(&format!("\nstatus: {status}\n")) && meta.contains(&format!("start_time: {}\n", record.started_at_ms)), "{meta}");
            assert!(meta.contains(&format!("end_time: {}\n", record.started_at_ms + 250)), "{meta}");
            assert_eq!(text(format!("{run}/params/lr")), record.config.get("lr").unwrap().to_string());
            assert_eq!(text(format!("{run}/params/norm/layer")), record.config.get("norm/layer").unwrap().to_string());
            assert_eq!(text(format!("{run}/tags/ablate.seed")), record.seed.to_string());
            assert_eq!(text(format!("{run}/tags/ablate.trial_id")), record.id.as_str());
            let end = record.started_at_ms + 250;
            assert_eq!(text(format!("{run}/metrics/curve/train_loss")), format!("{end} 0.9 1\n{end} 0.5 2\n"));
            match record.metrics.get("accuracy") {
                Some(acc) => assert_eq!(text(format!("{run}/metrics/accuracy")), format!("{end} {acc} 2\n")),
                None => {
                    assert!(tree.get(&format!("{run}/metrics/accuracy")).is_none());
                    assert_eq!(text(format!("{run}/tags/ablate.error")), "exit code 3: boom");
                }
            }
        }
        let custom = records.iter().find(|r| r.config.get("opt").is_some_and(|v| v.to_string() == "sgd")).unwrap();
        assert_eq!(text(format!("{exp}/{}/tags/ablate.config", custom.id)), "fast/../sgd");
        assert_eq!(text(format!("{exp}/{}/tags/mlflow.runName", custom.id)), format!("fast/../sgd (seed {})", custom.seed));
    }
}
