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
