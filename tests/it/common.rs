//! Helpers shared by the integration tests.

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use ablate::prelude::*;

/// A fresh, empty directory for one test.
pub fn temp_dir(name: &str) -> PathBuf {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos();
    let dir = std::env::temp_dir().join("ablate-tests").join(format!("{name}-{}-{nanos}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A cheap deterministic "training run": a score that depends on the config and the seed.
pub fn fake_accuracy(t: &Trial) -> f64 {
    let lr = t.float("lr").unwrap_or(0.1);
    let width = t.int("width").unwrap_or(32) as f64;
    let noise = (t.seed() % 1000) as f64 / 1000.0 * 0.01;
    0.9 - (lr.log10() + 1.0).powi(2) * 0.05 + width.ln() * 0.01 + noise
}

/// A two-param study used across tests: lr (log scale) and width, OFAT.
pub fn small_study(name: &str) -> Study {
    Study::new(name)
        .param(Param::float("lr", 0.1).log().levels([0.01, 0.1, 1.0]))
        .param(Param::int("width", 32).levels([16, 32, 64]))
        .seeds(3)
        .maximize("accuracy")
        .progress(ProgressMode::Off)
}

/// Journal lines after the header.
pub fn journal_records(dir: &std::path::Path) -> Vec<String> {
    let text = std::fs::read_to_string(dir.join("journal.jsonl")).unwrap_or_default();
    text.lines().skip(1).map(str::to_string).collect()
}
