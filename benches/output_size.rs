//! Output-size benchmark (see BENCHMARKS.md): the SVG of a heatmap over a 30 × 30 grid and
//! the HTML report of a 10,000-trial study (a 30 × 30 grid plus one-factor levels, 10 seeds),
//! both with real (synthetic but noisy) results. Target: each ≤ 1 MB.
//!
//! Run: `cargo bench --profile dev --bench output_size`.

use std::time::Instant;

use ablate::prelude::*;
use ablate::rng::Rng;

fn main() {
    let levels: Vec<f64> = (0..30).map(|i| 1e-4 * 1.3f64.powi(i)).collect();
    let widths: Vec<i64> = (0..30).map(|i| 8 + 4 * i).collect();
    let t0 = Instant::now();
    let results = Study::new("size")
        .param(Param::float("lr", levels[10]).log().levels(levels.clone()))
        .param(Param::int("width", widths[10]).levels(widths.clone()))
        .param(Param::float("dropout", 0.1).levels((0..100).map(|i| i as f64 / 200.0)))
        .ofat()
        .grid(["lr", "width"])
        .seeds(10)
        .maximize("accuracy")
        .progress(ProgressMode::Off)
        .in_memory()
        .run(|t: &Trial| {
            let mut r = Rng::new(t.seed() ^ t.id().as_str().len() as u64 ^ (t.float("lr")?.to_bits()) ^ t.int("width")? as u64);
            let lr = t.float("lr")?.log10() + 2.5;
            Ok(metrics! { "accuracy" => 0.8 - 0.05 * lr * lr + 0.0005 * t.int("width")? as f64 - 0.1 * t.float("dropout")? + 0.01 * r.normal() })
        })
        .expect("study runs");
    let trials = results.records().len();
    let run_s = t0.elapsed().as_secs_f64();

    let t0 = Instant::now();
    let heatmap = results.heatmap("lr", "width").expect("heatmap").to_svg();
    let heatmap_s = t0.elapsed().as_secs_f64();
    let t0 = Instant::now();
    let report = results.report().expect("report").to_html_document("size");
    let report_s = t0.elapsed().as_secs_f64();
    println!(
        "{{\"bench\": \"heatmap_30x30_svg\", \"bytes\": {}, \"ms\": {:.1}}}",
        heatmap.len(),
        heatmap_s * 1e3
    );
    println!(
        "{{\"bench\": \"report_html\", \"trials\": {trials}, \"configs\": {}, \"bytes\": {}, \"ms\": {:.1}, \"study_run_s\": {run_s:.2}}}",
        results.plan().configs().len(),
        report.len(),
        report_s * 1e3
    );
}
