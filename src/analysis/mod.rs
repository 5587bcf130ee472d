//! Analyses built on [`Results`](crate::Results): significance versus the baseline,
//! factorial ANOVA on grids, Friedman/Nemenyi ranking, seeds needed, and conclusions in
//! words. Each reads the results and calls the pure functions of [`crate::stats`]; none runs
//! trials or draws anything.

pub mod conclusions;
pub mod factorial;
pub mod ranking;
pub mod significance;

pub use conclusions::Conclusions;
pub use factorial::FactorialAnova;
pub use ranking::Ranking;
pub use significance::{Significance, SignificanceOptions, SignificanceRow, Test, Verdict};

/// Significance marker for an (adjusted) p-value: `***` below 0.001, `**` below 0.01, `*`
/// below 0.05, empty otherwise.
pub fn marker(p: Option<f64>) -> &'static str {
    match p {
        Some(p) if p < 0.001 => "***",
        Some(p) if p < 0.01 => "**",
        Some(p) if p < 0.05 => "*",
        _ => "",
    }
}

/// Formats a p-value for tables and sentences: `<0.001` or three significant decimals.
pub fn format_p(p: f64) -> String {
    if p < 0.001 {
        "<0.001".to_string()
    } else {
        format!("{p:.3}")
    }
}
