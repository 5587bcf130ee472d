//! Exports to TensorBoard and MLflow from a real (in-memory) run: the files written, the
//! same files again on a second export, and directories ablate did not write left alone.
//! (tests/interop/run.sh reads the exports with the real TensorBoard and MLflow.)

use std::collections::BTreeMap;
use std::path::Path;

use ablate::prelude::*;
use ablate::store::EXPORT_MARKER;

use crate::common::{fake_accuracy, small_study, temp_dir};

fn study_results(name: &str) -> Results {
    small_study(name)
        .in_memory()
        .run(|t: &Trial| {
            if t.float("lr")? > 0.5 && t.replicate() == 2 {
                return Err("diverged".into());
            }
            Ok(metrics! { "accuracy" => fake_accuracy(t) })
        })
        .unwrap()
}

/// Every file under `dir` (relative path → bytes).
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.insert(path.strip_prefix(dir).unwrap().to_string_lossy().into_owned(), std::fs::read(&path).unwrap());
            }
        }
    }
    out
}

#[test]
fn exports_write_one_session_or_run_per_trial_and_are_idempotent() {
    let results = study_results("export/study");
    let dir = temp_dir("exports");
    let tb = dir.join("tb");
    let done = results.export_tensorboard(&tb).unwrap();
    assert_eq!(done.trials, 15);
    let first = snapshot(&tb);
    // The experiment file, one event file per trial, and the marker.
    assert_eq!(first.len(), 1 + 15 + 1, "{:?}", first.keys().collect::<Vec<_>>());
    assert_eq!(first.keys().filter(|k| k.contains("tfevents") && !k.contains('/')).count(), 1);
    assert!(first.keys().any(|k| k.starts_with("0-baseline-r0/events.out.tfevents.")), "{:?}", first.keys().collect::<Vec<_>>());
    results.export_tensorboard(&tb).unwrap();
    assert_eq!(snapshot(&tb), first, "a second export writes the same files");

    let ml = dir.join("mlruns");
    let done = results.export_mlflow(&ml).unwrap();
    let first = snapshot(&ml);
    assert_eq!(first.len(), done.files + 1);
    let failed: Vec<&String> = first.iter().filter(|(k, v)| k.ends_with("/tags/ablate.status") && v.as_slice() == b"failed").map(|(k, _)| k).collect();
    assert_eq!(failed.len(), 1, "lr=1 replicate 2 failed");
    let run = failed[0].trim_end_matches("/tags/ablate.status");
    let meta = String::from_utf8(first[&format!("{run}/meta.yaml")].clone()).unwrap();
    assert!(meta.contains("\nstatus: 4\n"), "{meta}");
    assert_eq!(first[&format!("{run}/params/lr")], b"1");
    assert!(!first.contains_key(&format!("{run}/metrics/accuracy")));
    results.export_mlflow(&ml).unwrap();
    assert_eq!(snapshot(&ml), first);

    // Another study goes into the same MLflow store as a second experiment; into the
    // TensorBoard directory it does not (one HParams experiment per log directory).
    let other = study_results("another");
    other.export_mlflow(&ml).unwrap();
    let experiments = std::fs::read_dir(&ml).unwrap().flatten().filter(|e| e.path().is_dir()).count();
    assert_eq!(experiments, 2);
    let e = other.export_tensorboard(&tb).unwrap_err().to_string();
    assert!(e.contains("study `export/study`") && e.contains("export `another` to another directory"), "{e}");
    // Re-exporting the first study leaves the second one's experiment alone.
    results.export_mlflow(&ml).unwrap();
    assert_eq!(std::fs::read_dir(&ml).unwrap().flatten().filter(|e| e.path().is_dir()).count(), 2);
}

#[test]
fn exports_never_write_into_directories_ablate_did_not_write() {
    let results = study_results("careful");
    let dir = temp_dir("foreign-export");
    std::fs::write(dir.join("notes.txt"), "precious").unwrap();
    for e in [results.export_tensorboard(&dir).unwrap_err(), results.export_mlflow(&dir).unwrap_err()] {
        let e = e.to_string();
        assert!(e.contains("was not written by ablate") && e.contains("new or empty directory"), "{e}");
    }
    assert_eq!(snapshot(&dir).len(), 1, "nothing was added");
    assert_eq!(std::fs::read_to_string(dir.join("notes.txt")).unwrap(), "precious");

    // A file where the directory should be.
    let e = results.export_mlflow(dir.join("notes.txt")).unwrap_err().to_string();
    assert!(e.contains("is not a directory"), "{e}");

    // An empty directory is fine, and the marker says the export is ablate's.
    let empty = dir.join("empty");
    std::fs::create_dir(&empty).unwrap();
    results.export_mlflow(&empty).unwrap();
    assert!(empty.join(EXPORT_MARKER).is_file());
    // A TensorBoard export does not go into an MLflow export's directory.
    let e = results.export_tensorboard(&empty).unwrap_err().to_string();
    assert!(e.contains("holds ablate's mlflow export"), "{e}");
}
