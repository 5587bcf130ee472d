//! Views: turn results and analyses into tables (and, in [`charts`], chart inputs) for
//! display. Views read numbers; they never compute statistics.

pub mod tables;

pub use tables::TableView;
