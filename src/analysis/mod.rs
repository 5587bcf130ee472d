//! Analyses built on [`Results`](crate::Results): significance versus the baseline, mean learning curves,
//! factorial ANOVA on grids, Friedman/Nemenyi ranking, and seeds needed (the
//! sentences that state conclusions are in [`views`](crate::views)). Each reads the results and calls the pure functions of [`crate::stats`]; none runs
//! trials or draws anything.

pub mod adaptive;
pub mod curves;
pub mod factorial;
pub mod ranking;
pub mod significance;

pub use curves::{MeanCurve, MeanCurves};
pub use factorial::FactorialAnova;
pub use ranking::Ranking;
pub use significance::{AdaptiveRun, Significance, SignificanceOptions, SignificanceRow, Test, Verdict};
