//! The generic table model every tabular view converts into, and the number formatting rules.
//!
//! A [`Table`] is a title, column specs, rows of [`Cell`]s and notes. Cells keep their *values*
//! (a mean and a half-width, a p-value, ...), not pre-formatted strings, so each renderer can
//! typeset them properly: `0.70 ± 0.03` in text and HTML, `$0.70 \pm 0.03$` in LaTeX.

use crate::stars::Stars;
use std::fmt;

/// The number of rows [`Table::to_text`] and [`Table::to_html`] show before a
/// "… N more rows" note (Markdown and LaTeX exports always contain every row).
pub const DEFAULT_DISPLAY_ROWS: usize = 200;

/// Horizontal alignment of a column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Align {
    /// Left-aligned (labels, names, categories).
    Left,
    /// Right-aligned (numbers, so that digits line up).
    Right,
}

/// What a column holds; decides the default alignment and helps renderers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ColumnKind {
    /// Labels: configuration names, parameter names, category values.
    Text,
    /// Numbers of any [`CellValue`] numeric kind.
    Numeric,
    /// Significance markers (`*`, `**`, `***`).
    Marker,
}

/// A column of a [`Table`]: its header, alignment and kind.
#[derive(Clone, Debug, PartialEq)]
pub struct ColumnSpec {
    /// Header text (user text: escaped by every renderer).
    pub header: String,
    /// Optional second header line, e.g. a unit or "mean ± 95% CI"; shown smaller in HTML.
    pub subheader: Option<String>,
    /// Horizontal alignment of the header and every cell.
    pub align: Align,
    /// What the column holds.
    pub kind: ColumnKind,
}

impl ColumnSpec {
    /// A left-aligned text column.
    pub fn text(header: impl Into<String>) -> Self {
        ColumnSpec { header: header.into(), subheader: None, align: Align::Left, kind: ColumnKind::Text }
    }

    /// A right-aligned numeric column.
    pub fn number(header: impl Into<String>) -> Self {
        ColumnSpec { header: header.into(), subheader: None, align: Align::Right, kind: ColumnKind::Numeric }
    }

    /// A left-aligned column of significance markers.
    pub fn marker(header: impl Into<String>) -> Self {
        ColumnSpec { header: header.into(), subheader: None, align: Align::Left, kind: ColumnKind::Marker }
    }

    /// Sets the second header line (unit, statistic).
    pub fn with_sub(mut self, subheader: impl Into<String>) -> Self {
        self.subheader = Some(subheader.into());
        self
    }

    /// Overrides the alignment.
    pub fn align(mut self, align: Align) -> Self {
        self.align = align;
        self
    }
}

/// How a plain number is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NumFormat {
    /// Digits after the decimal point; `None` chooses automatically (up to 4 significant
    /// decimals, scientific notation for very large or small magnitudes).
    pub precision: Option<usize>,
    /// Always print a sign (`+0.012`), for changes versus a baseline.
    pub signed: bool,
    /// Append `%` (the value is already in percent units).
    pub percent: bool,
}

/// The value of one table cell.
#[derive(Clone, Debug, PartialEq)]
pub enum CellValue {
    /// Free text (user text: escaped by every renderer).
    Text(String),
    /// A floating-point number.
    Number {
        /// The value; NaN renders as missing.
        value: f64,
        /// How to print it.
        format: NumFormat,
    },
    /// An integer count (trials, seeds, levels).
    Integer(i64),
    /// A mean with the half-width of its confidence interval: `0.70 ± 0.03`.
    MeanCi {
        /// The point estimate.
        mean: f64,
        /// Half the CI width (NaN prints the mean alone).
        half_width: f64,
        /// Digits after the decimal point.
        precision: usize,
    },
    /// A closed interval `[lo, hi]`.
    Interval {
        /// Lower end.
        lo: f64,
        /// Upper end.
        hi: f64,
        /// Digits after the decimal point.
        precision: usize,
    },
    /// A p-value: `0.512`, `0.0123`, `<0.001`.
    PValue(f64),
    /// A significance marker on its own.
    Stars(Stars),
    /// No value: rendered as `—`.
    Missing,
}

/// One table cell: a value plus emphasis flags and an optional attached significance marker.
#[derive(Clone, Debug, PartialEq)]
pub struct Cell {
    /// The value.
    pub value: CellValue,
    /// Emphasise as the best value of its column (bold).
    pub bold: bool,
    /// De-emphasise (greyed out), e.g. a failed or excluded configuration.
    pub muted: bool,
    /// A marker shown as a superscript after the value (`0.70 ± 0.03**`).
    pub stars: Option<Stars>,
}

impl Cell {
    /// A cell holding `value`, with no emphasis.
    pub fn new(value: CellValue) -> Self {
        Cell { value, bold: false, muted: false, stars: None }
    }

    /// A text cell.
    pub fn text(text: impl Into<String>) -> Self {
        Cell::new(CellValue::Text(text.into()))
    }

    /// A number with `precision` decimals.
    pub fn number(value: f64, precision: usize) -> Self {
        Cell::new(CellValue::Number {
            value,
            format: NumFormat { precision: Some(precision), signed: false, percent: false },
        })
    }

    /// A number printed with automatic precision (used for data frames).
    pub fn float(value: f64) -> Self {
        Cell::new(CellValue::Number { value, format: NumFormat { precision: None, signed: false, percent: false } })
    }

    /// A signed change with `precision` decimals: `+0.012`, `-0.004`.
    pub fn delta(value: f64, precision: usize) -> Self {
        Cell::new(CellValue::Number {
            value,
            format: NumFormat { precision: Some(precision), signed: true, percent: false },
        })
    }

    /// A percentage (value already in percent): `93.2%`.
    pub fn percent(value: f64, precision: usize) -> Self {
        Cell::new(CellValue::Number {
            value,
            format: NumFormat { precision: Some(precision), signed: false, percent: true },
        })
    }

    /// A signed relative change in percent: `+3.2%`.
    pub fn percent_change(value: f64, precision: usize) -> Self {
        Cell::new(CellValue::Number {
            value,
            format: NumFormat { precision: Some(precision), signed: true, percent: true },
        })
    }

    /// An integer.
    pub fn int(value: i64) -> Self {
        Cell::new(CellValue::Integer(value))
    }

    /// `mean ± half_width` with `precision` decimals (see [`auto_precision`]).
    pub fn mean_ci(mean: f64, half_width: f64, precision: usize) -> Self {
        Cell::new(CellValue::MeanCi { mean, half_width, precision })
    }

    /// An interval `[lo, hi]` with `precision` decimals.
    pub fn interval(lo: f64, hi: f64, precision: usize) -> Self {
        Cell::new(CellValue::Interval { lo, hi, precision })
    }

    /// A p-value.
    pub fn p_value(p: f64) -> Self {
        Cell::new(CellValue::PValue(p))
    }

    /// The significance marker for `p` on its own.
    pub fn stars_for(p: f64) -> Self {
        Cell::new(CellValue::Stars(Stars::from_p(p)))
    }

    /// A missing value (`—`).
    pub fn missing() -> Self {
        Cell::new(CellValue::Missing)
    }

    /// Marks the cell as the best of its column (bold).
    pub fn bold(mut self) -> Self {
        self.bold = true;
        self
    }

    /// Sets the bold flag.
    pub fn with_bold(mut self, bold: bool) -> Self {
        self.bold = bold;
        self
    }

    /// Greys the cell out.
    pub fn muted(mut self) -> Self {
        self.muted = true;
        self
    }

    /// Attaches a significance marker shown after the value ([`Stars::None`] shows nothing).
    pub fn with_stars(mut self, stars: Stars) -> Self {
        self.stars = Some(stars);
        self
    }

    /// The number used to compare cells (for [`Table::mark_best`]): the value, the mean, the
    /// p-value, the interval midpoint; `None` for text, markers, missing and NaN.
    pub fn sort_key(&self) -> Option<f64> {
        let v = match &self.value {
            CellValue::Number { value, .. } => *value,
            CellValue::Integer(i) => *i as f64,
            CellValue::MeanCi { mean, .. } => *mean,
            CellValue::Interval { lo, hi, .. } => (lo + hi) / 2.0,
            CellValue::PValue(p) => *p,
            CellValue::Text(_) | CellValue::Stars(_) | CellValue::Missing => return None,
        };
        if v.is_nan() { None } else { Some(v) }
    }

    /// The value as plain text without emphasis or marker (`0.70 ± 0.03`, `<0.001`, `—`).
    /// User text is returned unescaped.
    pub fn plain(&self) -> String {
        match &self.value {
            CellValue::Text(t) => t.clone(),
            CellValue::Number { value, format } => format_number(*value, *format),
            CellValue::Integer(i) => i.to_string(),
            CellValue::MeanCi { mean, half_width, precision } => {
                if mean.is_nan() {
                    MISSING.to_string()
                } else if half_width.is_nan() {
                    format_fixed(*mean, *precision)
                } else {
                    format!("{} ± {}", format_fixed(*mean, *precision), format_fixed(*half_width, *precision))
                }
            }
            CellValue::Interval { lo, hi, precision } => {
                if lo.is_nan() && hi.is_nan() {
                    MISSING.to_string()
                } else {
                    format!("[{}, {}]", format_fixed(*lo, *precision), format_fixed(*hi, *precision))
                }
            }
            CellValue::PValue(p) => format_p_value(*p),
            CellValue::Stars(s) => s.as_str().to_string(),
            CellValue::Missing => MISSING.to_string(),
        }
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Self {
        Cell::text(text)
    }
}

impl From<String> for Cell {
    fn from(text: String) -> Self {
        Cell::text(text)
    }
}

impl From<i64> for Cell {
    fn from(value: i64) -> Self {
        Cell::int(value)
    }
}

impl From<f64> for Cell {
    fn from(value: f64) -> Self {
        Cell::float(value)
    }
}

/// What a missing value looks like in text, HTML and Markdown.
pub const MISSING: &str = "—";

/// Formats `v` with exactly `precision` decimals; NaN → `—`, ±∞ → `∞`/`-∞`, `-0.00` → `0.00`.
pub fn format_fixed(v: f64, precision: usize) -> String {
    if v.is_nan() {
        return MISSING.to_string();
    }
    if v.is_infinite() {
        return if v > 0.0 { "∞".into() } else { "-∞".into() };
    }
    let s = format!("{v:.precision$}");
    if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') { s[1..].to_string() } else { s }
}

/// Formats a number with automatic precision: integers without decimals, otherwise about four
/// significant digits (at least one decimal, at most six) with trailing zeros trimmed, and
/// scientific notation below 1e-4 or from 1e9.
pub fn format_auto(v: f64) -> String {
    if !v.is_finite() {
        return format_fixed(v, 0);
    }
    let a = v.abs();
    if a == 0.0 {
        return "0".into();
    }
    if !(1e-4..1e9).contains(&a) {
        return format!("{v:.3e}");
    }
    if v.fract() == 0.0 {
        return format!("{v:.0}");
    }
    let decimals = (3 - a.log10().floor() as i64).clamp(1, 6) as usize;
    let s = format_fixed(v, decimals);
    if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s }
}

/// Formats a number per [`NumFormat`].
pub fn format_number(v: f64, format: NumFormat) -> String {
    let mut s = match format.precision {
        Some(p) => format_fixed(v, p),
        None => format_auto(v),
    };
    if v.is_nan() {
        return s;
    }
    if format.signed && !s.starts_with('-') && v != 0.0 && s.chars().any(|c| c.is_ascii_digit() && c != '0' || c == '∞')
    {
        s.insert(0, '+');
    }
    if format.percent {
        s.push('%');
    }
    s
}

/// Writes a count with thousands separators: `10000` → `10,000`.
pub fn group_thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// Formats a p-value: `<0.001` below 0.001, four decimals below 0.1 (`0.0123`), three above
/// (`0.512`); NaN → `—`.
pub fn format_p_value(p: f64) -> String {
    if p.is_nan() {
        MISSING.to_string()
    } else if p < 0.001 {
        "<0.001".to_string()
    } else if p < 0.1 {
        format!("{p:.4}")
    } else {
        format!("{:.3}", p.min(1.0))
    }
}

/// A p-value as it reads in a sentence after "p": `= 0.0123`, or `< 0.001` (never `= <0.001`).
pub fn p_relation(p: f64) -> String {
    let shown = format_p_value(p);
    match shown.strip_prefix('<') {
        Some(bound) => format!("< {bound}"),
        None => format!("= {shown}"),
    }
}

/// Decimals that show a confidence half-width with two significant digits (0.031 → 3,
/// 0.0042 → 4, 1.7 → 1), clamped to 0..=6; 2 when the half-width is zero or not finite.
pub fn auto_precision(half_width: f64) -> usize {
    if !half_width.is_finite() || half_width <= 0.0 {
        return 2;
    }
    (1 - half_width.log10().floor() as i64).clamp(0, 6) as usize
}

/// A table: title, column specs, rows of cells and notes, rendered by `to_text`, `to_html`,
/// `to_markdown` and `to_latex`.
///
/// Rows shorter than the column list render their missing cells as `—`; extra cells are
/// ignored. Build it with [`Table::new`] and [`Table::push_row`], or fill the public fields.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// Shown above the table (caption in HTML and LaTeX).
    pub title: Option<String>,
    /// Lines shown below the table: legends, corrections used, caveats.
    pub notes: Vec<String>,
    /// The columns.
    pub columns: Vec<ColumnSpec>,
    /// The rows.
    pub rows: Vec<Vec<Cell>>,
    /// How many rows `to_text` and `to_html` show (default [`DEFAULT_DISPLAY_ROWS`]).
    pub display_rows: usize,
    /// Rows that exist in the source but were not converted into `rows` (e.g. a data frame
    /// was cut before conversion); counted in the "… N more rows" note.
    pub omitted_rows: usize,
}

impl Table {
    /// An empty table with these columns.
    pub fn new(columns: Vec<ColumnSpec>) -> Self {
        Table {
            title: None,
            notes: Vec::new(),
            columns,
            rows: Vec::new(),
            display_rows: DEFAULT_DISPLAY_ROWS,
            omitted_rows: 0,
        }
    }

    /// Sets the title.
    pub fn with_title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Adds a note line below the table.
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// Sets how many rows the display renderers show.
    pub fn with_display_rows(mut self, rows: usize) -> Self {
        self.display_rows = rows;
        self
    }

    /// Appends a row.
    pub fn push_row(&mut self, row: Vec<Cell>) {
        self.rows.push(row);
    }

    /// Appends a note line.
    pub fn push_note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }

    /// Total rows of the source: `rows.len() + omitted_rows`.
    pub fn total_rows(&self) -> usize {
        self.rows.len() + self.omitted_rows
    }

    /// The index of the column whose header equals `header`.
    pub fn column_index(&self, header: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.header == header)
    }

    /// Bolds the best cell(s) of column `col` by [`Cell::sort_key`]: the largest when
    /// `higher_is_better`, else the smallest; ties are all bolded. Muted cells do not compete.
    pub fn mark_best(&mut self, col: usize, higher_is_better: bool) {
        let best = self.rows.iter().filter_map(|r| r.get(col)).filter(|c| !c.muted).filter_map(Cell::sort_key).fold(
            None,
            |acc: Option<f64>, v| match acc {
                None => Some(v),
                Some(b) if (higher_is_better && v > b) || (!higher_is_better && v < b) => Some(v),
                keep => keep,
            },
        );
        if let Some(best) = best {
            for row in &mut self.rows {
                if let Some(cell) = row.get_mut(col)
                    && !cell.muted
                    && cell.sort_key() == Some(best)
                {
                    cell.bold = true;
                }
            }
        }
    }

    /// Mutes every cell of row `row` (no-op when out of range).
    pub fn mute_row(&mut self, row: usize) {
        if let Some(r) = self.rows.get_mut(row) {
            for cell in r {
                cell.muted = true;
            }
        }
    }

    /// The cell at (`row`, `col`), or `None` past a short row's end.
    pub fn cell(&self, row: usize, col: usize) -> Option<&Cell> {
        self.rows.get(row).and_then(|r| r.get(col))
    }

    /// The "… N more rows" sentence for the display renderers, if rows are hidden.
    pub(super) fn more_rows_note(&self) -> Option<String> {
        let shown = self.rows.len().min(self.display_rows);
        let hidden = self.total_rows() - shown;
        (hidden > 0).then(|| {
            format!(
                "… {} more row{} (showing {} of {})",
                group_thousands(hidden),
                if hidden == 1 { "" } else { "s" },
                group_thousands(shown),
                group_thousands(self.total_rows())
            )
        })
    }
}

impl fmt::Display for Table {
    /// The aligned plain-text rendering ([`Table::to_text`]).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p_values_format_like_papers() {
        assert_eq!(format_p_value(0.0123), "0.0123");
        assert_eq!(format_p_value(0.0004), "<0.001");
        assert_eq!(format_p_value(0.5123), "0.512");
        assert_eq!(format_p_value(1.0000001), "1.000");
        assert_eq!(format_p_value(f64::NAN), "—");
    }

    #[test]
    fn stars_follow_thresholds() {
        assert_eq!(Stars::from_p(0.0001), Stars::Three);
        assert_eq!(Stars::from_p(0.005), Stars::Two);
        assert_eq!(Stars::from_p(0.04), Stars::One);
        assert_eq!(Stars::from_p(0.05), Stars::None);
        assert_eq!(Stars::from_p(f64::NAN), Stars::None);
    }

    #[test]
    fn numbers_format() {
        assert_eq!(format_fixed(-0.0001, 2), "0.00");
        assert_eq!(format_fixed(f64::NAN, 2), "—");
        assert_eq!(format_fixed(f64::NEG_INFINITY, 2), "-∞");
        assert_eq!(Cell::delta(0.0123, 3).plain(), "+0.012");
        assert_eq!(Cell::delta(-0.0123, 3).plain(), "-0.012");
        assert_eq!(Cell::delta(0.0, 3).plain(), "0.000");
        assert_eq!(Cell::delta(0.0001, 3).plain(), "0.000");
        assert_eq!(Cell::percent_change(3.21, 1).plain(), "+3.2%");
        assert_eq!(Cell::mean_ci(0.7, 0.031, 2).plain(), "0.70 ± 0.03");
        assert_eq!(Cell::mean_ci(0.7, f64::NAN, 2).plain(), "0.70");
        assert_eq!(Cell::interval(0.671, 0.729, 2).plain(), "[0.67, 0.73]");
        assert_eq!(format_auto(0.5), "0.5");
        assert_eq!(format_auto(0.123456), "0.1235");
        assert_eq!(format_auto(1234.5678), "1234.6");
        assert_eq!(format_auto(12.345678), "12.35");
        assert_eq!(format_auto(300.0), "300");
        assert_eq!(format_auto(1.5e-7), "1.500e-7");
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(1000), "1,000");
        assert_eq!(group_thousands(1234567), "1,234,567");
    }

    #[test]
    fn auto_precision_gives_two_significant_digits() {
        assert_eq!(auto_precision(0.031), 3);
        assert_eq!(auto_precision(0.0042), 4);
        assert_eq!(auto_precision(1.7), 1);
        assert_eq!(auto_precision(17.0), 0);
        assert_eq!(auto_precision(0.0), 2);
    }

    #[test]
    fn mark_best_bolds_max_or_min_and_ties() {
        let mut t = Table::new(vec![ColumnSpec::text("c"), ColumnSpec::number("v")]);
        t.push_row(vec![Cell::text("a"), Cell::mean_ci(0.7, 0.1, 2)]);
        t.push_row(vec![Cell::text("b"), Cell::number(0.9, 2)]);
        t.push_row(vec![Cell::text("c"), Cell::number(0.9, 2)]);
        t.push_row(vec![Cell::text("d"), Cell::number(0.95, 2).muted()]);
        t.push_row(vec![Cell::text("e")]);
        t.mark_best(1, true);
        let bold: Vec<bool> = t.rows.iter().map(|r| r.get(1).is_some_and(|c| c.bold)).collect();
        assert_eq!(bold, [false, true, true, false, false]);
        t.mark_best(1, false);
        assert!(t.rows[0][1].bold);
    }

    #[test]
    fn more_rows_note_counts_hidden_and_omitted() {
        let mut t = Table::new(vec![ColumnSpec::number("x")]).with_display_rows(2);
        for i in 0..5 {
            t.push_row(vec![Cell::int(i)]);
        }
        assert_eq!(t.more_rows_note().unwrap(), "… 3 more rows (showing 2 of 5)");
        t.omitted_rows = 10;
        assert_eq!(t.more_rows_note().unwrap(), "… 13 more rows (showing 2 of 15)");
        t.display_rows = 100;
        t.omitted_rows = 1;
        assert_eq!(t.more_rows_note().unwrap(), "… 1 more row (showing 5 of 6)");
    }
}
