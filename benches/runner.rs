//! Runner benchmarks (see BENCHMARKS.md):
//! - overhead per trial for 10,000 no-op trials (1,000 configs × 10 seeds), in memory and
//!   with the on-disk journal (append + fsync, group commit), split into planning, running
//!   and building the results frame;
//! - parallel speedup of CPU-bound trials on all cores versus one worker.
//!
//! Run: `cargo bench --profile dev --bench runner` (the dev profile optimises ablate and the
//! per-trial dependencies; see Cargo.toml). Prints one JSON object per measurement.

use std::hint::black_box;
use std::time::Instant;

use ablate::prelude::*;

fn noop_study(name: &str) -> Study {
    Study::new(name)
        .param(Param::int("i", 0).levels(0..1000))
        .seeds(10)
        .maximize("score")
        .progress(ProgressMode::Off)
}

fn overhead(label: &str, study: Study, runs: usize) {
    let mut best_total = f64::INFINITY;
    let mut best_plan = f64::INFINITY;
    for _ in 0..runs {
        if let Some(dir) = study.store_dir() {
            let _ = std::fs::remove_dir_all(dir);
        }
        let t0 = Instant::now();
        let plan = study.plan().expect("valid study");
        let plan_s = t0.elapsed().as_secs_f64();
        black_box(plan);
        let t0 = Instant::now();
        let results = study.run(|t: &Trial| Ok(metrics! { "score" => t.seed() as f64 })).expect("run");
        let total = t0.elapsed().as_secs_f64();
        assert_eq!(results.records().len(), 10_000);
        best_total = best_total.min(total);
        best_plan = best_plan.min(plan_s);
    }
    println!(
        "{{\"bench\": \"overhead_{label}\", \"trials\": 10000, \"total_s\": {best_total:.4}, \"plan_s\": {best_plan:.4}, \"us_per_trial\": {:.2}}}",
        best_total / 10_000.0 * 1e6
    );
}

/// About 20 ms of floating-point work.
fn burn(seed: u64) -> f64 {
    let mut x = seed as f64 * 1e-9 + 0.5;
    for i in 0..6_000_000u64 {
        x = (x * 1.000_000_1 + (i as f64) * 1e-12).fract() + 0.25;
    }
    x
}

fn speedup() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let study = |workers: usize| {
        Study::new("speedup")
            .param(Param::int("i", 0).levels(0..20))
            .seeds(2)
            .maximize("score")
            .progress(ProgressMode::Off)
            .in_memory()
            .workers(workers)
    };
    let time = |workers: usize| {
        let t0 = Instant::now();
        let r = study(workers).run(|t: &Trial| Ok(metrics! { "score" => burn(t.seed()) })).expect("run");
        black_box(r);
        t0.elapsed().as_secs_f64()
    };
    let t1 = time(1);
    let tn = time(cores);
    println!(
        "{{\"bench\": \"parallel_speedup\", \"trials\": 40, \"cores\": {cores}, \"one_worker_s\": {t1:.3}, \"all_cores_s\": {tn:.3}, \"speedup\": {:.3}, \"speedup_per_core\": {:.3}}}",
        t1 / tn,
        t1 / tn / cores as f64
    );
}

fn main() {
    overhead("in_memory", noop_study("bench-memory").in_memory(), 5);
    let dir = std::env::temp_dir().join("ablate-bench-journal");
    overhead("journal", noop_study("bench-journal").run_dir(&dir), 3);
    let _ = std::fs::remove_dir_all(&dir);
    speedup();
}
