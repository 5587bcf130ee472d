//! Inline display of a plain polars [`DataFrame`] (a foreign type, hence an extension trait).
//!
//! With `use ablate::prelude::*;` in scope, a cell ending in a `DataFrame` renders as an HTML
//! table instead of polars' `Debug` text.

use polars::prelude::{AnyValue, DataFrame};

use ablate_render::display::{TEXT_HTML, TEXT_PLAIN, emit};
use ablate_render::display::{Cell, CellValue, ColumnSpec, DEFAULT_DISPLAY_ROWS, Table, format_auto, group_thousands};

/// Converts the first `max_rows` rows of `df` into a [`Table`]: one column per frame column
/// (header = name, sub-header = dtype; numeric dtypes right-aligned), floats with one
/// precision per column (enough for its shown values, at most 6 decimals), integers exact, strings as text, nulls as `—`, other values through polars'
/// `Display`. Rows past `max_rows` are not converted but counted in
/// [`Table::omitted_rows`], so the "… N more rows" note stays right and a huge frame costs
/// only `max_rows` rows of work.
pub fn frame_to_table(df: &DataFrame, max_rows: usize) -> Table {
    let columns: Vec<ColumnSpec> = df
        .columns()
        .iter()
        .map(|c| {
            let spec = if c.dtype().is_primitive_numeric() {
                ColumnSpec::number(c.name().as_str())
            } else {
                ColumnSpec::text(c.name().as_str())
            };
            spec.with_sub(c.dtype().to_string())
        })
        .collect();
    let height = df.height();
    let shown = height.min(max_rows);
    let mut table = Table::new(columns).with_display_rows(max_rows);
    // convert column by column, so float columns can share one precision (0.60, 0.61, ...)
    let by_column: Vec<Vec<Cell>> = df
        .columns()
        .iter()
        .map(|c| {
            let mut cells: Vec<Cell> =
                (0..shown).map(|i| c.get(i).map_or_else(|_| Cell::missing(), |v| any_value_cell(&v))).collect();
            if c.dtype().is_float() {
                share_precision(&mut cells);
            }
            cells
        })
        .collect();
    table.rows = (0..shown).map(|i| by_column.iter().map(|col| col[i].clone()).collect()).collect();
    table.omitted_rows = height - shown;
    table.push_note(format!(
        "{} row{} × {} column{}",
        group_thousands(height),
        plural(height),
        group_thousands(df.width()),
        plural(df.width())
    ));
    table
}

/// Gives every automatically formatted number of a column the largest number of decimals any
/// of them needs (at most 6), unless one needs scientific notation.
fn share_precision(cells: &mut [Cell]) {
    let mut decimals = 0usize;
    for cell in cells.iter() {
        if let CellValue::Number { value, format } = &cell.value
            && format.precision.is_none()
            && value.is_finite()
        {
            let s = format_auto(*value);
            if s.contains('e') {
                return;
            }
            decimals = decimals.max(s.split_once('.').map_or(0, |(_, d)| d.len()));
        }
    }
    for cell in cells.iter_mut() {
        if let CellValue::Number { format, .. } = &mut cell.value
            && format.precision.is_none()
        {
            format.precision = Some(decimals.min(6));
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// One polars value as a table cell (floats with automatic precision).
pub fn any_value_cell(v: &AnyValue<'_>) -> Cell {
    match v {
        AnyValue::Null => Cell::missing(),
        AnyValue::Boolean(b) => Cell::text(b.to_string()),
        AnyValue::String(s) => Cell::text(*s),
        AnyValue::StringOwned(s) => Cell::text(s.as_str()),
        AnyValue::Float64(x) => Cell::float(*x),
        AnyValue::Float32(x) => Cell::float(f64::from(*x)),
        AnyValue::Int8(x) => Cell::int(i64::from(*x)),
        AnyValue::Int16(x) => Cell::int(i64::from(*x)),
        AnyValue::Int32(x) => Cell::int(i64::from(*x)),
        AnyValue::Int64(x) => Cell::int(*x),
        AnyValue::UInt8(x) => Cell::int(i64::from(*x)),
        AnyValue::UInt16(x) => Cell::int(i64::from(*x)),
        AnyValue::UInt32(x) => Cell::int(i64::from(*x)),
        AnyValue::UInt64(x) => i64::try_from(*x).map_or_else(|_| Cell::text(x.to_string()), Cell::int),
        other => Cell::text(other.to_string()),
    }
}

/// Inline display for polars' [`DataFrame`]: `text/plain` and an HTML table with at most
/// [`DEFAULT_DISPLAY_ROWS`] rows (then a "… N more rows" note).
pub trait DataFrameDisplay {
    /// The frame as a [`Table`] of at most `max_rows` rows (see [`frame_to_table`]).
    fn to_display_table(&self, max_rows: usize) -> Table;

    /// The frame as a styled, self-contained HTML table (first [`DEFAULT_DISPLAY_ROWS`] rows).
    fn to_html_table(&self) -> String {
        self.to_display_table(DEFAULT_DISPLAY_ROWS).to_html()
    }

    /// Called by evcxr for a cell ending in a frame: prints `text/plain` and `text/html`.
    fn evcxr_display(&self) {
        let table = self.to_display_table(DEFAULT_DISPLAY_ROWS);
        emit(&[(TEXT_PLAIN, table.to_text()), (TEXT_HTML, table.to_html())]);
    }
}

impl DataFrameDisplay for DataFrame {
    fn to_display_table(&self, max_rows: usize) -> Table {
        frame_to_table(self, max_rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::Column;

    fn frame(n: usize) -> DataFrame {
        let ids: Vec<i64> = (0..n as i64).collect();
        let acc: Vec<Option<f64>> = (0..n).map(|i| if i == 1 { None } else { Some(0.5 + i as f64 / 1000.0) }).collect();
        let names: Vec<String> =
            (0..n).map(|i| if i == 0 { "&\"'<>".to_string() } else { format!("cfg{i}") }).collect();
        DataFrame::new(
            n,
            vec![
                Column::new("trial".into(), ids),
                Column::new("<script>alert(1)</script>".into(), names),
                Column::new("accuracy".into(), acc),
            ],
        )
        .unwrap()
    }

    #[test]
    fn frame_converts_with_nulls_and_dtypes() {
        let t = frame_to_table(&frame(3), 200);
        assert_eq!(t.columns.len(), 3);
        assert_eq!(t.columns[0].subheader.as_deref(), Some("i64"));
        assert_eq!(t.columns[2].align, ablate_render::display::Align::Right);
        assert_eq!(t.columns[1].align, ablate_render::display::Align::Left);
        assert_eq!(t.cell(1, 2).unwrap().plain(), "—");
        assert_eq!(t.cell(2, 2).unwrap().plain(), "0.502");
        assert_eq!(t.cell(0, 2).unwrap().plain(), "0.500"); // shares the column's precision
        assert_eq!(t.cell(0, 1).unwrap().plain(), "&\"'<>");
        assert_eq!(t.cell(2, 0).unwrap().plain(), "2");
    }

    #[test]
    fn frame_html_is_escaped_and_limited() {
        let df = frame(1000);
        let html = df.to_html_table();
        assert!(!html.contains("<script"));
        assert!(html.contains("&amp;&quot;&#39;&lt;&gt;"));
        assert_eq!(html.matches("<tr><td").count(), 200);
        assert!(html.contains("… 800 more rows (showing 200 of 1,000)"));
        assert!(html.contains("1,000 rows × 3 columns"));
        let small = df.to_display_table(5);
        assert_eq!(small.rows.len(), 5);
        assert_eq!(small.omitted_rows, 995);
    }

    #[test]
    fn empty_frame_renders() {
        let df = DataFrame::new(0, vec![]).unwrap();
        let t = df.to_display_table(10);
        assert!(t.to_html().contains("0 rows × 0 columns"));
    }
}
