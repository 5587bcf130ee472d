//! Command-trial overhead (see BENCHMARKS.md): the time ablate adds to each command trial
//! over a bare spawn of the same program. The program is `sh -c 'echo ABLATE_RESULT ...'`
//! (it prints a result, as a trial must); the bare side spawns it with
//! `std::process::Command` and waits, the ablate side runs it as the trials of a study
//! with one worker (trial directory, logs, environment, process group, watchdog, result
//! parsing, journal with claims). Both run serially; the difference per trial is ablate's
//! overhead.
//!
//! Run: `cargo bench --profile dev --bench command`. Prints one JSON object.

use std::process::{Command, Stdio};
use std::time::Instant;

use ablate::prelude::*;

const SCRIPT: &str = "echo 'ABLATE_RESULT {\"score\": 1.0}'";
/// The same script as an argv template (literal braces doubled).
const SCRIPT_TEMPLATE: &str = "echo 'ABLATE_RESULT {{\"score\": 1.0}}'";
const TRIALS: usize = 400;

fn bare(n: usize) -> f64 {
    let started = Instant::now();
    for _ in 0..n {
        let status = Command::new("sh")
            .args(["-c", SCRIPT])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("sh runs");
        assert!(status.success());
    }
    started.elapsed().as_secs_f64() / n as f64
}

fn with_ablate(n: usize) -> f64 {
    let dir = std::env::temp_dir().join(format!("ablate-bench-command-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let study = Study::new("bench-command")
        .param(Param::int("i", 0).levels(0..(n as i64 / 4)))
        .seeds(4)
        .maximize("score")
        .workers(1)
        .progress(ProgressMode::Off)
        .command(["sh", "-c", SCRIPT_TEMPLATE])
        .run_dir(&dir);
    let started = Instant::now();
    let results = study.run_command().expect("study runs");
    let per_trial = started.elapsed().as_secs_f64() / n as f64;
    assert!(results.failures().is_empty(), "{:?}", results.failures().first());
    assert_eq!(results.records().len(), n);
    let _ = std::fs::remove_dir_all(&dir);
    per_trial
}

fn main() {
    // Interleave the two sides and keep the best of three, against noise on a shared disk.
    let mut best_bare = f64::INFINITY;
    let mut best_ablate = f64::INFINITY;
    for _ in 0..3 {
        best_bare = best_bare.min(bare(TRIALS));
        best_ablate = best_ablate.min(with_ablate(TRIALS));
    }
    println!(
        "{{\"bench\": \"command_overhead\", \"trials\": {TRIALS}, \"bare_spawn_ms\": {:.3}, \"ablate_trial_ms\": {:.3}, \"overhead_ms\": {:.3}}}",
        best_bare * 1e3,
        best_ablate * 1e3,
        (best_ablate - best_bare) * 1e3
    );
}
