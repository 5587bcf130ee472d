//! Exports of a results frame as files (CSV, Parquet), written atomically.

use std::path::Path;

use polars::prelude::*;

use super::files::write_atomically;
use crate::error::Result;

/// Writes a frame as CSV (through a temporary file and a rename).
pub fn write_csv(frame: &DataFrame, path: &Path) -> Result<()> {
    write_atomically(path, |file| {
        CsvWriter::new(file).finish(&mut frame.clone())?;
        Ok(())
    })
}

/// Writes a frame as Parquet (through a temporary file and a rename).
pub fn write_parquet(frame: &DataFrame, path: &Path) -> Result<()> {
    write_atomically(path, |file| {
        ParquetWriter::new(file).finish(&mut frame.clone())?;
        Ok(())
    })
}
