//! Schedulers: studies whose trials are not all known up front. Each asks the session for
//! a round of trials, reads the results, and decides what to ask for next; every trial goes
//! through the same store and executors as a fixed study.
//!
//! - [`adaptive`]: adaptive seeds (sequential testing).
//! - [`fidelity`]: multi-fidelity ablation (successive halving with tests).
//! - [`scale`]: scale transfer (the ablation at several model sizes, effects extrapolated).

pub(crate) mod adaptive;
pub mod fidelity;
pub mod scale;
