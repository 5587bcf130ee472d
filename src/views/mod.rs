//! Views: turn results and analyses into tables, charts and reports for display. Views read
//! numbers; they never compute statistics.

pub mod charts;
pub mod cluster;
pub mod conclusions;
mod outcomes;
pub mod report;
pub mod tables;

pub use conclusions::Conclusions;
pub use tables::TableView;
