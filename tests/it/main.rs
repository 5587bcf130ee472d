//! Integration tests of the ablate crate, in one binary (one link of polars, not many).

mod ablation_path;
mod adaptive;
mod analysis;
mod command;
mod common;
mod curves;
mod errors;
mod exports;
mod fidelity;
mod importance;
mod kill_resume;
mod optuna;
mod resume;
mod rounds;
mod results_frame;
mod runner;
mod scale;
mod space_filling;
mod spec;
mod store;
mod views;
