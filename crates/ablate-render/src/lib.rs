//! How ablate shows things, as pure functions from plain data to strings: [`chart`] draws
//! standalone SVG charts, [`display`] holds the table model with its text, HTML, Markdown and
//! LaTeX renderers, the HTML report, escaping, and the evcxr display protocol ([`display::Render`]).
//!
//! A leaf of the ablate workspace: it depends on no other part of ablate (and on nothing at
//! all without the `png` feature); `ablate::chart` and `ablate::display` re-export it.

#![warn(missing_docs)]

pub mod chart;
pub mod display;
mod stars;

pub use stars::Stars;
