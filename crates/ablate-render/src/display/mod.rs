//! Display: tables, reports and the evcxr protocol.
//!
//! Everything here is a pure function returning a string, except [`emit`] (and the
//! `evcxr_display` methods that call it), the single place that prints.
//!
//! - [`Table`] is the generic table model: statistics views (summary, significance, ANOVA,
//!   ranking) convert into it and get four renderers for free: [`Table::to_text`],
//!   [`Table::to_html`], [`Table::to_markdown`], [`Table::to_latex`].
//! - [`Report`] composes tables, SVG charts and text into one HTML block (a notebook cell keeps
//!   only its last output per MIME type) or one self-contained HTML file.
//! - [`Render`] gives any type with `to_text` + `to_html` an `evcxr_display`, so it shows
//!   itself inline (every chart of [`crate::chart`] too); `ablate_render::display::DataFrameDisplay`
//!   does the same for a plain polars `DataFrame`.
//! - [`escape_html`], [`escape_markdown`], [`escape_latex`] escape every user string.
//!
//! ```ignore
//! use ablate_render::display::{Cell, ColumnSpec, Render, Stars, Table};
//!
//! let mut t = Table::new(vec![ColumnSpec::text("config"), ColumnSpec::number("accuracy")])
//!     .with_title("Summary");
//! t.push_row(vec![Cell::text("baseline"), Cell::mean_ci(0.70, 0.031, 2)]);
//! t.push_row(vec![Cell::text("n_estimators=200"), Cell::mean_ci(0.74, 0.02, 2).with_stars(Stars::Two)]);
//! t.mark_best(1, true);
//! t.evcxr_display(); // or leave `t` as a cell's last expression
//! ```

mod escape;
mod evcxr;
mod inline_charts;
mod render;
mod report;
mod table;

pub use escape::{base64_encode, escape_html, escape_latex, escape_markdown, plain_one_line, with_code_spans};
pub use evcxr::{Render, TEXT_HTML, TEXT_PLAIN, emit, evcxr_blocks, guard_content};
pub use inline_charts::chart_html;
pub use render::CSS;
pub use report::{ChartEmbed, REPORT_CSS, Report, Section, SectionBody, html_list, svg_data_uri_img, svg_is_safe, text_list};
pub use table::{
    Align, Cell, CellValue, ColumnKind, ColumnSpec, DEFAULT_DISPLAY_ROWS, MISSING, NumFormat, Table,
    auto_precision, format_auto, format_fixed, format_number, format_p_value, group_thousands, p_relation,
};
pub use crate::stars::Stars;
