//! Store hardening: run directories stay where they belong, files ablate did not write are
//! never touched, corrupt lines are kept, claims stop duplicate executions across
//! processes, and a run directory can be read later without writing to it.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use ablate::prelude::*;
use ablate::display::Render;
use ablate::DamageContext;

use crate::common::{fake_accuracy, journal_records, small_study, temp_dir};

fn ok(t: &Trial) -> TrialResult {
    Ok(metrics! { "accuracy" => fake_accuracy(t) })
}

#[test]
fn default_run_directories_stay_inside_runs() {
    for name in [".", "..", "../x", "a/../../b", "/etc"] {
        let dir = Study::new(name).store_dir().unwrap();
        assert_eq!(dir.parent(), Some(Path::new("runs")), "{name} → {}", dir.display());
        let last = dir.file_name().unwrap().to_str().unwrap();
        assert!(last != "." && last != ".." && !last.contains('/'), "{name} → {last}");
    }
    assert_ne!(Study::new("exp/1").store_dir(), Study::new("exp 1").store_dir());
}

#[test]
fn a_run_directory_of_another_study_is_refused() {
    let dir = temp_dir("taken");
    small_study("exp/1").run_dir(&dir).run(ok).unwrap();
    let e = small_study("exp 1").run_dir(&dir).run(ok).unwrap_err().to_string();
    assert!(e.contains("belongs to the study `exp/1`, not `exp 1`") && e.contains(".run_dir("), "{e}");
}

#[test]
fn files_ablate_did_not_write_are_never_touched() {
    // A journal.jsonl that is not ablate's (no header line, no trailing newline).
    let dir = temp_dir("foreign-journal");
    std::fs::write(dir.join("journal.jsonl"), "my own notes").unwrap();
    let e = small_study("f").run_dir(&dir).run(ok).unwrap_err().to_string();
    assert!(e.contains("is not an ablate journal"), "{e}");
    assert_eq!(std::fs::read_to_string(dir.join("journal.jsonl")).unwrap(), "my own notes");

    // A folder with the user's own results.csv.
    let dir = temp_dir("foreign-dir");
    std::fs::write(dir.join("results.csv"), "precious").unwrap();
    let e = small_study("f").run_dir(&dir).run(ok).unwrap_err().to_string();
    assert!(e.contains("is not an ablate run directory"), "{e}");
    assert_eq!(std::fs::read_to_string(dir.join("results.csv")).unwrap(), "precious");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1, "nothing was added");
}

#[test]
fn corrupt_lines_are_kept_and_their_trials_rerun() {
    let dir = temp_dir("corrupt");
    let study = small_study("corrupt").run_dir(&dir);
    study.run(ok).unwrap();
    let path = dir.join("journal.jsonl");
    let mut text = std::fs::read_to_string(&path).unwrap();
    // Flip one character inside the third record: its checksum no longer matches.
    let third = text.match_indices('\n').nth(2).unwrap().0 + 20;
    text.replace_range(third..third + 1, "#");
    std::fs::write(&path, &text).unwrap();
    let again = study.run(ok).unwrap();
    let damaged = &again.run_stats().damaged;
    assert_eq!(damaged.count(), 1);
    assert_eq!(damaged.files().map(|(f, lines)| (f.to_path_buf(), lines.to_vec())).collect::<Vec<_>>(), [(path.clone(), vec![4])], "the header is line 1");
    assert_eq!(again.run_stats().executed, 1);
    let after = std::fs::read_to_string(&path).unwrap();
    assert!(after.starts_with(&text), "history is never rewritten");

    // Every reader says the same, with the file and line, and what it means for what it shows.
    let loaded = Results::load(&dir).unwrap();
    let notice = loaded.run_stats().damaged.notice(DamageContext::Reading);
    assert!(notice.starts_with("1 torn or corrupt line could not be read and was skipped (") && notice.contains("journal.jsonl line 4)"), "{notice}");
    assert!(notice.ends_with("is missing from these results, and the next run runs it again"), "{notice}");
    assert!(loaded.to_text().contains(&format!("warning: {notice}")), "the notebook display of the results says it:\n{}", loaded.to_text());
    assert!(loaded.report().unwrap().to_html().contains("journal.jsonl line 4"), "so does the report");
    assert!(again.to_text().contains("a trial whose only record was there ran again"), "{}", again.to_text());
    let status = Results::status(&dir).unwrap().to_string();
    assert!(status.contains(&format!("warning: {notice}")), "{status}");
}

#[test]
fn two_runs_on_one_directory_execute_each_trial_once() {
    let dir = temp_dir("claims");
    let executions = AtomicUsize::new(0);
    let f = |t: &Trial| {
        executions.fetch_add(1, Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(2));
        ok(t)
    };
    let study = small_study("claims").run_dir(&dir).seeds(40).workers(2);
    let total = study.plan().unwrap().trials().len();
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| study.run(f).unwrap());
        let b = s.spawn(|| study.run(f).unwrap());
        (a.join().unwrap(), b.join().unwrap())
    });
    assert_eq!(executions.load(Ordering::SeqCst), total, "0 duplicate executions");
    assert_eq!(a.run_stats().executed + b.run_stats().executed, total);
    // Each run waited for the other's trials: both return every trial.
    assert_eq!(a.records().len(), total);
    assert_eq!(a.records(), b.records());
    assert_eq!(journal_records(&dir).len(), total);
    assert_eq!(std::fs::read_dir(dir.join("claims")).unwrap().count(), 0, "every claim released");
}

fn write_claim(dir: &Path, id: &ablate::TrialId, host: &str, pid: u32, lease_s: f64) {
    let claims = dir.join("claims");
    std::fs::create_dir_all(&claims).unwrap();
    let body = format!(r#"{{"host":"{host}","pid":{pid},"start":1,"lease_s":{lease_s}}}"#);
    std::fs::write(claims.join(id.as_str()), body).unwrap();
}

#[test]
fn claims_of_dead_or_silent_processes_are_taken_over() {
    let dir = temp_dir("takeover");
    small_study("takeover").run_dir(&dir).seeds(1).run(ok).unwrap();
    let study = small_study("takeover").run_dir(&dir);
    let plan = study.plan().unwrap();
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap().trim().to_string();
    // A process of this host that no longer exists (pid above Linux's maximum).
    write_claim(&dir, plan.trials()[1].id(), &host, 4_194_304, 3600.0);
    // A process elsewhere that stopped renewing its claim: taken over once its lease ends.
    write_claim(&dir, plan.trials()[2].id(), "another-node", 1, 0.4);
    let started = std::time::Instant::now();
    let results = study.run(ok).unwrap();
    assert_eq!(results.run_stats().executed, plan.trials().len() - plan.configs().len());
    assert!(results.failures().is_empty());
    assert!(started.elapsed() >= Duration::from_millis(300), "the live lease was respected");
}

#[test]
fn a_newly_declared_metric_reruns_the_trials_that_lack_it() {
    let dir = temp_dir("new-metric");
    small_study("m").run_dir(&dir).run(ok).unwrap();
    let with_f1 = small_study("m").run_dir(&dir).maximize("f1");
    let results = with_f1.run(|t: &Trial| Ok(metrics! { "accuracy" => fake_accuracy(t), "f1" => 0.5 })).unwrap();
    assert_eq!(results.run_stats().executed, results.records().len());
    assert!(results.failures().is_empty());
    let summary = results.summary_of("f1").unwrap();
    assert!(summary.rows.iter().all(|r| r.n == 3 && r.failed == 0), "{summary}");
}

#[test]
fn absurd_seed_counts_are_refused() {
    let e = small_study("s").seeds(u32::MAX).in_memory().run(ok).unwrap_err().to_string();
    assert!(e.contains("seeds") && e.contains("10000"), "{e}");
}

#[test]
fn temporary_files_of_dead_writers_are_removed() {
    let dir = temp_dir("tmp-files");
    let study = small_study("tmp").run_dir(&dir);
    study.run(ok).unwrap();
    let host: String = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .unwrap()
        .trim()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' })
        .collect();
    let left = dir.join(format!("results.csv.{host}.4194304.3.tmp"));
    std::fs::write(&left, "half a file").unwrap();
    study.run(ok).unwrap();
    assert!(!left.exists());
}

fn listing(dir: &Path) -> BTreeMap<String, (u64, SystemTime)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let meta = e.metadata().unwrap();
            if meta.is_dir() {
                stack.push(e.path());
            }
            out.insert(e.path().display().to_string(), (meta.len(), meta.modified().unwrap()));
        }
    }
    out
}

#[test]
fn loading_reads_without_writing_and_shows_missing_trials() {
    let dir = temp_dir("load");
    let study = small_study("load").run_dir(&dir).seeds(4);
    let full = study.run(ok).unwrap();
    // Keep the header and the first 7 records: the rest look never run.
    let path = dir.join("journal.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    let kept: String = text.split_inclusive('\n').take(8).collect();
    std::fs::write(&path, kept).unwrap();
    let before = listing(&dir);
    let loaded = Results::load(&dir).unwrap();
    assert_eq!(listing(&dir), before, "Results::load wrote nothing");
    assert_eq!(loaded.records().len(), 7);
    assert!(loaded.records().iter().all(|r| full.records().contains(r)));
    assert!(loaded.failures().is_empty(), "missing trials are not failures");
    let status = Results::status(&dir).unwrap();
    let totals = status.totals();
    assert_eq!((totals.done, totals.failed, totals.running, totals.missing), (7, 0, 0, full.records().len() - 7));
    assert!(status.to_string().contains("missing"));
    assert_eq!(listing(&dir), before, "Results::status wrote nothing");
}
