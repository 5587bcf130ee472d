//! Time of `results.importance()` (fANOVA with the pairs among the top parameters,
//! PED-ANOVA, permutation importance) on 1,000 sampled trials × 8 params, in the profile a
//! notebook uses (dev: ablate at opt-level 2). The trials: `y = 4·x0 + 2·sin(6·x1) +
//! 3·x0·x2 + noise` over a random design, one seed each, in memory (the function of
//! `benches/importance/`). Also times the in-memory runner on the same 1,000 trials.
//!
//! Run: `cargo run --example importance_speed` (BENCHMARKS.md, "The house redesign").

use std::time::Instant;

use ablate::prelude::*;

fn main() -> Result<()> {
    let study = (0..8)
        .fold(Study::new("importance-speed"), |s, i| s.param(Param::float(&format!("x{i}"), 0.5).bounds(0.0, 1.0)))
        .random(999)
        .seeds(1)
        .maximize("y")
        .in_memory()
        .progress(ProgressMode::Off);
    let started = Instant::now();
    let results = study.run(|t: &Trial| {
        let x = |i: usize| t.float(&format!("x{i}"));
        let noise = ((t.seed() ^ t.id().as_str().len() as u64) % 97) as f64 / 97.0 * 0.1 - 0.05;
        Ok(metrics! { "y" => 4.0 * x(0)? + 2.0 * (6.0 * x(1)?).sin() + 3.0 * x(0)? * x(2)? + noise })
    })?;
    let run_s = started.elapsed().as_secs_f64();
    let mut times = Vec::new();
    let mut table = None;
    for _ in 0..5 {
        let t0 = Instant::now();
        table = Some(results.importance()?);
        times.push(t0.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    let table = table.expect("five runs");
    println!("{table}");
    println!(
        "{{\"bench\": \"importance_1000x8\", \"trials\": {}, \"median_s\": {:.4}, \"min_s\": {:.4}, \"max_s\": {:.4}, \"run_s\": {:.4}}}",
        results.records().len(),
        times[2],
        times[0],
        times[4],
        run_s
    );
    Ok(())
}
