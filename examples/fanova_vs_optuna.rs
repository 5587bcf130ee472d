//! fANOVA timing and importances on the synthetic studies of `benches/importance/`, side by
//! side with Optuna's numbers from the same CSV (issue 11's benchmark; BENCHMARKS.md).
//!
//! `cargo run --example fanova_vs_optuna -- STUDY.csv [OPTUNA.json]`: reads trials (columns
//! x0..x{d-1}, y; every x uniform in [0, 1]), runs [`ablate::importance::fanova`] with its
//! defaults (4 forests × 16 trees) five times, and prints the median wall-clock time, each
//! parameter's importance with its interval, and Optuna's fANOVA importance (unnormalised,
//! its default evaluator settings) and seconds when the JSON written by
//! `benches/importance/optuna_importance.py` is given. Runs in the dev profile, where ablate
//! itself is compiled at opt-level 2 as in a notebook.

use std::time::Instant;

use ablate::forest::Features;
use ablate::importance::{Dimension, Fanova, fanova};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(csv) = args.first() else {
        return Err("usage: fanova_vs_optuna STUDY.csv [OPTUNA.json]".into());
    };
    let text = std::fs::read_to_string(csv)?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().ok_or("empty CSV")?.split(',').collect();
    let p = header.len() - 1;
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for line in lines.filter(|l| !l.trim().is_empty()) {
        let row: Vec<f64> = line.split(',').map(str::parse).collect::<Result<_, _>>()?;
        x.extend_from_slice(&row[..p]);
        y.push(row[p]);
    }
    let n = y.len();
    let dims: Vec<Dimension> = header[..p].iter().map(|name| Dimension::continuous(name, 0.0, 1.0)).collect();
    let features = Features::row_major(&x, n, p)?;
    let settings = Fanova { pairs_among: std::env::var("PAIRS").ok().and_then(|v| v.parse().ok()).unwrap_or(5), ..Fanova::default() };
    let mut seconds = Vec::new();
    let mut result = None;
    for _ in 0..5 {
        let started = Instant::now();
        result = Some(fanova(features, &dims, &y, &settings)?);
        seconds.push(started.elapsed().as_secs_f64());
    }
    seconds.sort_by(f64::total_cmp);
    let result = result.ok_or("no run")?;
    let optuna: Option<serde_json::Value> = match args.get(1) {
        Some(path) => Some(serde_json::from_str(&std::fs::read_to_string(path)?)?),
        None => None,
    };
    println!("{csv}: {n} trials × {p} params, {} trees with variance", result.n_trees);
    println!("ablate fANOVA: median {:.3} s over 5 runs (min {:.3}, max {:.3})", seconds[2], seconds[0], seconds[4]);
    if let Some(o) = &optuna {
        let s = o["fanova"]["seconds"].as_f64().unwrap_or(f64::NAN);
        println!("Optuna {} fANOVA: {s:.1} s (one run) -> ratio {:.0}x", o["optuna_version"], s / seconds[2]);
    }
    println!("{:<6} {:>10} {:>19} {:>9} {:>10}", "param", "ablate", "95% tree interval", "forest sd", "Optuna");
    for m in &result.main {
        let theirs = optuna.as_ref().and_then(|o| o["fanova"]["raw"][&m.name].as_f64());
        let theirs = theirs.map_or("-".to_string(), |v| format!("{v:.4}"));
        println!("{:<6} {:>10.4} {:>8.4} – {:<8.4} {:>9.4} {:>10}", m.name, m.importance, m.low, m.high, m.forest_sd, theirs);
    }
    for pair in result.pairs.iter().take(3) {
        println!("{:<10} {:>6.4} ({:.4} – {:.4})", pair.name, pair.importance, pair.low, pair.high);
    }
    Ok(())
}
