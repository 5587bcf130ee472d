//! Statistics benchmarks (see BENCHMARKS.md):
//! - bootstrap 95% CIs (percentile and BCa) with 50,000 resamples for 20 configs × 5 seeds;
//! - Friedman + Nemenyi on 10 configs × 10 seeds;
//! - the full significance table (paired t, Holm, effect sizes, seeds needed) for
//!   1,000 configs × 10 seeds, from a real `Results`.
//!
//! Run: `cargo bench --profile dev --bench stats`. Prints one JSON object per measurement
//! (best of several runs).

use std::hint::black_box;
use std::time::Instant;

use ablate::prelude::*;
use ablate::rng::Rng;
use ablate::stats::{self, BootstrapMethod, BootstrapOptions};

fn best_of<F: FnMut()>(runs: usize, mut f: F) -> f64 {
    (0..runs)
        .map(|_| {
            let t0 = Instant::now();
            f();
            t0.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

fn sample(rng: &mut Rng, n: usize, shift: f64) -> Vec<f64> {
    (0..n).map(|_| 0.7 + shift + 0.02 * rng.normal()).collect()
}

fn main() {
    let mut rng = Rng::new(1);
    let configs: Vec<Vec<f64>> = (0..20).map(|c| sample(&mut rng, 5, c as f64 * 0.001)).collect();
    for method in [BootstrapMethod::Percentile, BootstrapMethod::Bca] {
        let opts = BootstrapOptions { n_resamples: 50_000, level: 0.95, method, seed: 7 };
        let s = best_of(5, || {
            for c in &configs {
                black_box(stats::bootstrap_mean_ci(c, opts).expect("bootstrap"));
            }
        });
        println!(
            "{{\"bench\": \"bootstrap_{method:?}\", \"configs\": 20, \"seeds\": 5, \"resamples\": 50000, \"ms\": {:.2}}}",
            s * 1e3
        );
    }

    let data: Vec<Vec<f64>> = (0..10).map(|c| sample(&mut rng, 10, c as f64 * 0.004)).collect();
    let s = best_of(200, || {
        let f = stats::friedman(&data, true).expect("friedman");
        black_box(stats::nemenyi(&f.mean_ranks, f.n, 0.05).expect("nemenyi"));
    });
    println!("{{\"bench\": \"friedman_nemenyi\", \"configs\": 10, \"seeds\": 10, \"ms\": {:.4}}}", s * 1e3);

    let results = Study::new("bench-significance")
        .param(Param::int("i", 0).levels(0..1000))
        .seeds(10)
        .maximize("accuracy")
        .progress(ProgressMode::Off)
        .in_memory()
        .run(|t: &Trial| {
            let mut r = Rng::new(t.seed() ^ (t.int("i")? as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
            Ok(metrics! { "accuracy" => 0.7 + 0.02 * r.normal() })
        })
        .expect("study");
    let s = best_of(5, || {
        black_box(results.significance().expect("significance"));
    });
    println!("{{\"bench\": \"significance_table\", \"configs\": 1000, \"seeds\": 10, \"ms\": {:.2}}}", s * 1e3);
}
