//! Display: tables, reports and the evcxr protocol, from the `ablate-render` crate (see
//! [`ablate_render::display`]), plus [`DataFrameDisplay`], the one display that needs polars.

pub use ablate_render::display::*;

mod frame;

pub use frame::{DataFrameDisplay, any_value_cell, frame_to_table};
