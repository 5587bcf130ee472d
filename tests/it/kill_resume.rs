//! Kill -9 a running study in another process, rerun it: only missing trials run, nothing
//! finished before the kill is lost, no trial id appears twice.

use std::collections::HashMap;
use std::process::Command;
use std::time::{Duration, Instant};

use ablate::prelude::*;

use crate::common::{journal_records, temp_dir};

const CHILD_ENV: &str = "ABLATE_KILL_TEST_DIR";

fn slow_study(dir: &std::path::Path) -> Study {
    Study::new("kill")
        .param(Param::int("n", 0).levels(0..10))
        .seeds(4)
        .maximize("score")
        .workers(2)
        .progress(ProgressMode::Off)
        .run_dir(dir)
}

fn score(t: &Trial) -> TrialResult {
    Ok(metrics! { "score" => t.int("n")? as f64 + (t.seed() % 97) as f64 / 97.0 })
}

/// Runs in the child process: a study of slow trials that the parent kills. Ignored in
/// normal runs; the parent starts it with `--ignored`.
#[test]
#[ignore = "child process of kill_minus_nine_then_resume"]
fn kill_child_process_study() {
    let dir = std::env::var(CHILD_ENV).expect("run by kill_minus_nine_then_resume");
    slow_study(std::path::Path::new(&dir))
        .run(|t: &Trial| {
            std::thread::sleep(Duration::from_millis(40));
            score(t)
        })
        .unwrap();
}

#[test]
fn kill_minus_nine_then_resume() {
    let dir = temp_dir("kill");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["kill_resume::kill_child_process_study", "--exact", "--ignored", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, &dir)
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while journal_records(&dir).len() < 10 {
        assert!(Instant::now() < deadline, "the child never wrote 10 records");
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();

    let before: Vec<String> = journal_records(&dir);
    let total = 10 * 4;
    assert!(before.len() < total, "the child finished before the kill ({} records)", before.len());
    let results = slow_study(&dir).run(score).unwrap();
    let stats = results.run_stats();
    // intact records were reused; a record torn by the kill (at most one) is rerun
    assert_eq!(stats.reused + stats.executed, total);
    assert!(stats.reused + stats.damaged.count() >= before.len(), "{stats:?} vs {} lines", before.len());
    assert_eq!(stats.executed, total - stats.reused);

    let ids: Vec<String> = results.records().iter().map(|r| r.id.to_string()).collect();
    let unique: std::collections::HashSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), total, "no duplicate trial ids");
    let frame_ids = results.frame().column("trial_id").unwrap().n_unique().unwrap();
    assert_eq!(frame_ids, total);

    // every record journaled before the kill is in the results with the same value
    let after: HashMap<String, Option<f64>> =
        results.records().iter().map(|r| (r.id.to_string(), r.metrics.get("score"))).collect();
    for line in &before {
        let Some(json) = line.get(9..) else { continue };
        let Ok(record) = serde_json::from_str::<serde_json::Value>(json) else { continue };
        let id = record["id"].as_str().unwrap();
        let value = record["metrics"][0][1].as_f64();
        assert_eq!(after[id], value, "trial {id} changed after the resume");
    }
}
