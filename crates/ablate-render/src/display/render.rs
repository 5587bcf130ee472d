//! The four renderers of [`Table`]: aligned plain text, styled HTML, GitHub Markdown and
//! booktabs LaTeX. All are pure functions of the table returning strings.

use std::fmt::Write as _;

use super::escape::{escape_html, escape_latex, escape_markdown, plain_one_line};
use crate::stars::Stars;
use super::table::{
    Align, Cell, CellValue, MISSING, Table, format_fixed, format_number, format_p_value, group_thousands,
};

/// The scoped stylesheet every ablate HTML view uses. Every selector starts with `.ablate`, so
/// it cannot restyle the rest of a notebook. Colours are translucent or `currentColor`, so
/// tables read in light and dark themes. Alignment, emphasis and muting are *also* written
/// inline on each cell, so a view stays readable where a host strips `<style>` elements
/// (JupyterLab's sanitizer does for untrusted notebooks).
pub const CSS: &str = "\
.ablate{font-family:-apple-system,BlinkMacSystemFont,\"Segoe UI\",Roboto,\"Helvetica Neue\",Arial,sans-serif;font-size:13px;line-height:1.45}
.ablate .ablate-table{overflow-x:auto;margin:0 0 14px 0}
.ablate table{table-layout:auto;width:auto;border-collapse:collapse;border:none;border-top:2px solid currentColor;border-bottom:2px solid currentColor;margin:0;font-variant-numeric:tabular-nums;font-size:13px}
.ablate caption{caption-side:top;text-align:left;font-weight:600;font-size:14px;padding:0 0 6px 0}
.ablate th{font-weight:600;padding:5px 12px;border:none;border-bottom:1px solid currentColor;vertical-align:bottom}
.ablate td{padding:3px 12px;border:none;white-space:nowrap}
.ablate td.wrap{white-space:normal;min-width:7em}
.ablate th:first-child,.ablate td:first-child{padding-left:3px}
.ablate th:last-child,.ablate td:last-child{padding-right:3px}
.ablate tbody tr:nth-child(odd){background:transparent}
.ablate tbody tr:nth-child(even){background:rgba(127,127,127,.08)}
.ablate tbody tr:hover{background:rgba(127,127,127,.16)}
.ablate th .sub{font-weight:400;font-size:11px;opacity:.7}
.ablate sup{font-size:75%;line-height:0;vertical-align:super;padding-left:1px}
.ablate .note{font-size:12px;opacity:.75;margin:4px 0 0 0}
";

impl Table {
    /// Aligned plain text for terminals and the `text/plain` MIME type: the title, a header
    /// (and sub-header) line, a dashed rule, up to [`Table::display_rows`] rows, then the
    /// "… N more rows" note and the notes. Lines carry no trailing spaces.
    pub fn to_text(&self) -> String {
        let ncols = self.columns.len();
        let shown = &self.rows[..self.rows.len().min(self.display_rows)];
        let headers: Vec<String> = self.columns.iter().map(|c| plain_one_line(&c.header)).collect();
        let has_sub = self.columns.iter().any(|c| c.subheader.is_some());
        let subs: Vec<String> =
            self.columns.iter().map(|c| c.subheader.as_deref().map(plain_one_line).unwrap_or_default()).collect();
        let body: Vec<Vec<String>> =
            shown.iter().map(|row| (0..ncols).map(|j| text_cell(row.get(j))).collect()).collect();
        let mut widths: Vec<usize> =
            (0..ncols).map(|j| headers[j].chars().count().max(subs[j].chars().count())).collect();
        for row in &body {
            for (w, s) in widths.iter_mut().zip(row) {
                *w = (*w).max(s.chars().count());
            }
        }
        let line = |cells: &[String]| -> String {
            let mut out = String::new();
            for (j, s) in cells.iter().enumerate() {
                if j > 0 {
                    out.push_str("  ");
                }
                let pad = widths[j].saturating_sub(s.chars().count());
                match self.columns[j].align {
                    Align::Left => {
                        out.push_str(s);
                        out.extend(std::iter::repeat_n(' ', pad));
                    }
                    Align::Right => {
                        out.extend(std::iter::repeat_n(' ', pad));
                        out.push_str(s);
                    }
                }
            }
            out.trim_end().to_string()
        };
        let mut out = String::new();
        if let Some(title) = &self.title {
            out.push_str(&plain_one_line(title));
            out.push('\n');
        }
        if ncols > 0 {
            out.push_str(&line(&headers));
            out.push('\n');
            if has_sub {
                out.push_str(&line(&subs));
                out.push('\n');
            }
            let rule: Vec<String> = widths.iter().map(|w| "-".repeat((*w).max(1))).collect();
            out.push_str(&line(&rule));
            out.push('\n');
            for row in &body {
                out.push_str(&line(row));
                out.push('\n');
            }
        }
        if let Some(more) = self.more_rows_note() {
            out.push_str(&more);
            out.push('\n');
        }
        for note in &self.notes {
            out.push_str(&plain_one_line(note));
            out.push('\n');
        }
        out
    }

    /// A self-contained, styled HTML table: a `<div class="ablate">` holding a scoped
    /// `<style>` ([`CSS`]) and [`Table::to_html_fragment`]. No JavaScript, no network. Every
    /// user string is escaped.
    pub fn to_html(&self) -> String {
        let fragment = self.to_html_fragment();
        let mut out = String::with_capacity(fragment.len() + CSS.len() + 64);
        out.push_str("<div class=\"ablate\">\n<style>\n");
        out.push_str(CSS);
        out.push_str("</style>\n");
        out.push_str(&fragment);
        out.push_str("</div>\n");
        out
    }

    /// The table as HTML without the `<style>` element, for composing several tables under one
    /// stylesheet (see `Report`): `<div class="ablate-table">` with the `<table>` (title as
    /// `<caption>`, numbers right-aligned, best values in `<strong>`, muted cells faded, up to
    /// [`Table::display_rows`] rows) and the notes.
    pub fn to_html_fragment(&self) -> String {
        let ncols = self.columns.len();
        let shown = &self.rows[..self.rows.len().min(self.display_rows)];
        let mut out = String::with_capacity(256 + shown.len() * ncols * 48);
        out.push_str("<div class=\"ablate-table\">\n<table>\n");
        if let Some(title) = &self.title {
            let _ = writeln!(out, "<caption>{}</caption>", escape_html(title));
        }
        out.push_str("<thead><tr>");
        for col in &self.columns {
            let _ = write!(out, "<th style=\"text-align:{}\">{}", align_css(col.align), escape_html(&col.header));
            if let Some(sub) = &col.subheader {
                let _ = write!(out, "<br><span class=\"sub\">{}</span>", escape_html(sub));
            }
            out.push_str("</th>");
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for row in shown {
            out.push_str("<tr>");
            for (j, col) in self.columns.iter().enumerate() {
                let cell = row.get(j);
                let muted = cell.is_some_and(|c| c.muted);
                // Numbers never break; words may, where the page is narrow (headers too).
                let _ = write!(
                    out,
                    "<td{} style=\"text-align:{}{}\">{}</td>",
                    if col.align == Align::Left && j > 0 { " class=\"wrap\"" } else { "" },
                    align_css(col.align),
                    if muted { ";opacity:.5" } else { "" },
                    html_cell(cell)
                );
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n</table>\n");
        if let Some(more) = self.more_rows_note() {
            let _ = writeln!(out, "<p class=\"note\">{}</p>", escape_html(&more));
        }
        for note in &self.notes {
            let _ = writeln!(out, "<p class=\"note\">{}</p>", escape_html(note));
        }
        out.push_str("</div>\n");
        out
    }

    /// A GitHub-flavoured Markdown pipe table with every row: the title as a bold line above,
    /// `:--`/`--:` alignment, best values in `**bold**`, markers escaped (`\*\*`), `|` and other
    /// Markdown characters in user text escaped, notes as paragraphs below.
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        if let Some(title) = &self.title {
            let _ = writeln!(out, "**{}**\n", escape_markdown(title));
        }
        if !self.columns.is_empty() {
            out.push('|');
            for col in &self.columns {
                let mut h = escape_markdown(&col.header);
                if let Some(sub) = &col.subheader {
                    let _ = write!(h, " ({})", escape_markdown(sub));
                }
                let _ = write!(out, " {h} |");
            }
            out.push_str("\n|");
            for col in &self.columns {
                out.push_str(match col.align {
                    Align::Left => ":---|",
                    Align::Right => "---:|",
                });
            }
            out.push('\n');
            for row in &self.rows {
                out.push('|');
                for j in 0..self.columns.len() {
                    let _ = write!(out, " {} |", markdown_cell(row.get(j)));
                }
                out.push('\n');
            }
        }
        if self.omitted_rows > 0 {
            let _ = writeln!(out, "\n… {} more rows not included", group_thousands(self.omitted_rows));
        }
        for note in &self.notes {
            let _ = writeln!(out, "\n{}", escape_markdown(note));
        }
        out
    }

    /// A booktabs LaTeX table with every row (`\usepackage{booktabs}` required): `\toprule`,
    /// `\midrule`, `\bottomrule`, `$0.70 \pm 0.03$` for mean ± CI, best values in `\textbf{}`
    /// (`\mathbf{}` inside math), markers as `\textsuperscript{**}`, `---` for missing values,
    /// every LaTeX special character in user text escaped. With a title or notes the tabular
    /// is wrapped in a `table` float with `\caption{}` and the notes in `\footnotesize` below;
    /// otherwise the bare `tabular` is returned. Muted cells are not marked in LaTeX.
    pub fn to_latex(&self) -> String {
        let float = self.title.is_some() || !self.notes.is_empty() || self.omitted_rows > 0;
        let mut out = String::new();
        if float {
            out.push_str("\\begin{table}[ht]\n\\centering\n");
            if let Some(title) = &self.title {
                let _ = writeln!(out, "\\caption{{{}}}", escape_latex(title));
            }
        }
        let spec: String = self
            .columns
            .iter()
            .map(|c| match c.align {
                Align::Left => 'l',
                Align::Right => 'r',
            })
            .collect();
        let _ = writeln!(out, "\\begin{{tabular}}{{@{{}}{spec}@{{}}}}");
        out.push_str("\\toprule\n");
        let headers: Vec<String> = self.columns.iter().map(|c| escape_latex(&c.header)).collect();
        let _ = writeln!(out, "{} \\\\", headers.join(" & "));
        if self.columns.iter().any(|c| c.subheader.is_some()) {
            let subs: Vec<String> =
                self.columns.iter().map(|c| c.subheader.as_deref().map(escape_latex).unwrap_or_default()).collect();
            let _ = writeln!(out, "{} \\\\", subs.join(" & "));
        }
        out.push_str("\\midrule\n");
        for row in &self.rows {
            let cells: Vec<String> = (0..self.columns.len()).map(|j| latex_cell(row.get(j))).collect();
            let _ = writeln!(out, "{} \\\\", cells.join(" & "));
        }
        out.push_str("\\bottomrule\n\\end{tabular}\n");
        if float {
            if self.omitted_rows > 0 {
                let _ = writeln!(
                    out,
                    "\\par\\smallskip{{\\footnotesize \\ldots{{}} {} more rows not included}}",
                    group_thousands(self.omitted_rows)
                );
            }
            for note in &self.notes {
                let _ = writeln!(out, "\\par\\smallskip{{\\footnotesize {}}}", escape_latex(note));
            }
            out.push_str("\\end{table}\n");
        }
        out
    }
}

fn align_css(align: Align) -> &'static str {
    match align {
        Align::Left => "left",
        Align::Right => "right",
    }
}

fn stars_suffix(cell: &Cell) -> &'static str {
    cell.stars.map_or("", Stars::as_str)
}

fn text_cell(cell: Option<&Cell>) -> String {
    match cell {
        None => MISSING.to_string(),
        Some(c) => {
            let mut s = plain_one_line(&c.plain());
            s.push_str(stars_suffix(c));
            s
        }
    }
}

fn html_cell(cell: Option<&Cell>) -> String {
    let Some(c) = cell else { return MISSING.to_string() };
    // non-breaking spaces keep "0.70 ± 0.03" on one line even without the stylesheet
    let mut inner = escape_html(&c.plain());
    if matches!(c.value, CellValue::MeanCi { .. }) {
        inner = inner.replace(" ± ", "&nbsp;±&nbsp;");
    }
    if c.bold && !inner.is_empty() {
        inner = format!("<strong>{inner}</strong>");
    }
    let stars = stars_suffix(c);
    if !stars.is_empty() {
        let _ = write!(inner, "<sup>{stars}</sup>");
    }
    inner
}

fn markdown_cell(cell: Option<&Cell>) -> String {
    let Some(c) = cell else { return MISSING.to_string() };
    // only user text needs escaping; computed values (digits, signs, brackets, `<0.001`) are
    // left readable, and markers are escaped below so `***` is not read as emphasis
    let mut s = match &c.value {
        CellValue::Text(t) => escape_markdown(t),
        CellValue::Stars(st) => escape_markdown(st.as_str()),
        _ => c.plain(),
    };
    if c.bold && !s.is_empty() {
        s = format!("**{s}**");
    }
    s.push_str(&escape_markdown(stars_suffix(c)));
    s
}

/// A formatted number (digits, `.`, `+`, `-`, `e`, `∞`, `%`, `—`) in LaTeX text mode.
fn latex_number_text(s: &str) -> String {
    if s == MISSING {
        return "---".into();
    }
    let mut out = String::new();
    for ch in s.chars() {
        match ch {
            '-' => out.push_str("$-$"),
            '∞' => out.push_str("$\\infty$"),
            '%' => out.push_str("\\%"),
            '<' => out.push_str("$<$"),
            c => out.push(c),
        }
    }
    out
}

/// A formatted number in LaTeX math mode.
fn latex_number_math(s: &str) -> String {
    s.replace('∞', "\\infty ").replace('—', "\\mathrm{---}")
}

fn latex_cell(cell: Option<&Cell>) -> String {
    let Some(c) = cell else { return "---".into() };
    let bold_text = |s: String| if c.bold && !s.is_empty() { format!("\\textbf{{{s}}}") } else { s };
    let math = |s: String| if c.bold { format!("$\\mathbf{{{s}}}$") } else { format!("${s}$") };
    let mut out = match &c.value {
        CellValue::Text(t) => bold_text(escape_latex(t)),
        CellValue::Number { value, format } => bold_text(latex_number_text(&format_number(*value, *format))),
        CellValue::Integer(i) => bold_text(latex_number_text(&i.to_string())),
        CellValue::PValue(p) => bold_text(latex_number_text(&format_p_value(*p))),
        CellValue::MeanCi { mean, half_width, precision } => {
            if mean.is_nan() {
                "---".into()
            } else if half_width.is_nan() {
                math(latex_number_math(&format_fixed(*mean, *precision)))
            } else {
                math(format!(
                    "{} \\pm {}",
                    latex_number_math(&format_fixed(*mean, *precision)),
                    latex_number_math(&format_fixed(*half_width, *precision))
                ))
            }
        }
        CellValue::Interval { lo, hi, precision } => {
            if lo.is_nan() && hi.is_nan() {
                "---".into()
            } else {
                math(format!(
                    "[{}, {}]",
                    latex_number_math(&format_fixed(*lo, *precision)),
                    latex_number_math(&format_fixed(*hi, *precision))
                ))
            }
        }
        CellValue::Stars(s) => {
            if s.as_str().is_empty() {
                String::new()
            } else {
                format!("\\textsuperscript{{{}}}", s.as_str())
            }
        }
        CellValue::Missing => "---".into(),
    };
    let stars = stars_suffix(c);
    if !stars.is_empty() {
        let _ = write!(out, "\\textsuperscript{{{stars}}}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::table::ColumnSpec;
    use crate::stars::Stars;
    use super::*;

    const EVIL_PARAM: &str = "<script>alert(1)</script>";
    const EVIL_VALUE: &str = "&\"'<>";

    fn sample() -> Table {
        let mut t = Table::new(vec![
            ColumnSpec::text("config"),
            ColumnSpec::text(EVIL_PARAM),
            ColumnSpec::number("accuracy").with_sub("mean ± 95% CI"),
            ColumnSpec::number("Δ vs baseline"),
            ColumnSpec::number("p (Holm)"),
            ColumnSpec::marker("sig"),
        ])
        .with_title("Significance | 50% & more_{x}")
        .with_note(Stars::legend());
        t.push_row(vec![
            Cell::text("baseline"),
            Cell::text(EVIL_VALUE),
            Cell::mean_ci(0.70, 0.031, 2),
            Cell::missing(),
            Cell::missing(),
            Cell::new(CellValue::Stars(Stars::None)),
        ]);
        t.push_row(vec![
            Cell::text("lr=0.1|x"),
            Cell::text("a\\b~c^d#e$f"),
            Cell::mean_ci(0.74, 0.02, 2).with_stars(Stars::Two),
            Cell::delta(0.04, 3),
            Cell::p_value(0.0042),
            Cell::stars_for(0.0042),
        ]);
        t.push_row(vec![
            Cell::text("lr=1.0"),
            Cell::text("{braces}"),
            Cell::mean_ci(0.61, 0.05, 2),
            Cell::delta(-0.09, 3),
            Cell::p_value(0.0002),
            Cell::stars_for(0.0002),
        ]);
        t.push_row(vec![Cell::text("failed").muted(), Cell::text("short row")]);
        t.mark_best(2, true);
        t
    }

    #[test]
    fn text_is_aligned() {
        let text = sample().to_text();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "Significance | 50% & more_{x}");
        assert!(lines[1].starts_with("config    "));
        assert!(lines[3].starts_with("--------  "));
        // right-aligned numeric column: the "accuracy" cells of rows without markers end together
        let end = |l: &str, pat: &str| l.find(pat).unwrap() + pat.len();
        assert_eq!(end(lines[4], "0.70 ± 0.03"), end(lines[6], "0.61 ± 0.05"));
        assert!(text.contains("0.74 ± 0.02**"));
        assert!(text.contains("<0.001"));
        assert!(text.lines().all(|l| l == l.trim_end()));
        assert!(text.contains(Stars::legend()));
    }

    #[test]
    fn html_escapes_user_text() {
        let html = sample().to_html();
        assert!(!html.contains("<script"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("&amp;&quot;&#39;&lt;&gt;"));
        assert!(html.contains("<strong>0.74&nbsp;±&nbsp;0.02</strong><sup>**</sup>"));
        assert!(html.contains("opacity:.5"));
        assert!(html.contains("<caption>Significance | 50% &amp; more_{x}</caption>"));
        assert!(!html.to_lowercase().contains("javascript"));
        assert!(!html.contains("http"));
        // every row has one td per column
        for line in html.lines().filter(|l| l.starts_with("<tr><td")) {
            assert_eq!(line.matches("<td ").count(), 6, "{line}");
        }
    }

    #[test]
    fn html_limits_rows() {
        let mut t = Table::new(vec![ColumnSpec::number("i"), ColumnSpec::text("name")]);
        for i in 0..10_000 {
            t.push_row(vec![Cell::int(i), Cell::text(format!("config {i}"))]);
        }
        let html = t.to_html();
        assert_eq!(html.matches("<tr><td").count(), DEFAULT_DISPLAY_ROWS);
        assert!(html.contains("… 9,800 more rows (showing 200 of 10,000)"));
        assert!(html.len() < 100_000);
        let text = t.to_text();
        assert_eq!(text.lines().count(), 2 + 200 + 1);
    }

    use super::super::table::DEFAULT_DISPLAY_ROWS;

    /// Splits a Markdown table line into cells, honouring `\|` escapes.
    fn md_cells(line: &str) -> Vec<String> {
        assert!(line.starts_with('|') && line.ends_with('|'), "{line}");
        let inner = &line[1..line.len() - 1];
        let mut cells = vec![String::new()];
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => {
                    cells.last_mut().unwrap().push(c);
                    if let Some(n) = chars.next() {
                        cells.last_mut().unwrap().push(n);
                    }
                }
                '|' => cells.push(String::new()),
                c => cells.last_mut().unwrap().push(c),
            }
        }
        cells
    }

    #[test]
    fn markdown_parses_structurally() {
        let md = sample().to_markdown();
        assert!(!md.contains("<script"));
        let lines: Vec<&str> = md.lines().filter(|l| l.starts_with('|')).collect();
        assert_eq!(lines.len(), 2 + 4);
        let widths: Vec<usize> = lines.iter().map(|l| md_cells(l).len()).collect();
        assert!(widths.iter().all(|w| *w == 6), "{widths:?}\n{md}");
        let sep = md_cells(lines[1]);
        assert!(sep.iter().all(|c| c == ":---" || c == "---:"));
        assert!(md.contains("lr=0.1\\|x"));
        assert!(md.contains("**0.74 ± 0.02**\\*\\*"));
        assert!(md.starts_with("**Significance \\| 50% &amp; more\\_{x}**"));
    }

    /// Checks that braces balance, ignoring escaped `\{` and `\}`.
    fn braces_balance(s: &str) -> bool {
        let mut depth = 0i64;
        let mut chars = s.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => {
                    chars.next();
                }
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth < 0 {
                        return false;
                    }
                }
                _ => {}
            }
        }
        depth == 0
    }

    /// Splits a LaTeX row at unescaped `&`.
    fn latex_cells(row: &str) -> usize {
        let mut n = 1;
        let mut chars = row.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => {
                    chars.next();
                }
                '&' => n += 1,
                _ => {}
            }
        }
        n
    }

    #[test]
    fn latex_parses_structurally() {
        let tex = sample().to_latex();
        assert!(braces_balance(&tex), "{tex}");
        assert!(tex.contains("\\toprule") && tex.contains("\\midrule") && tex.contains("\\bottomrule"));
        assert!(tex.contains("\\caption{Significance \\textbar{} 50\\% \\& more\\_\\{x\\}}"));
        let lines: Vec<&str> = tex.lines().collect();
        let start = lines.iter().position(|l| *l == "\\toprule").unwrap() + 1;
        let end = lines.iter().position(|l| *l == "\\bottomrule").unwrap();
        let rows: Vec<&str> = lines[start..end].iter().copied().filter(|l| *l != "\\midrule").collect();
        assert_eq!(rows.len(), 2 + 4); // header, sub-header, four rows
        for row in &rows {
            assert!(row.ends_with(" \\\\"), "{row}");
            assert_eq!(latex_cells(row), 6, "{row}");
            // $ signs pair up within each cell row
            assert_eq!(row.replace("\\$", "").matches('$').count() % 2, 0, "{row}");
        }
        assert!(tex.contains("$0.70 \\pm 0.03$"));
        assert!(tex.contains("$\\mathbf{0.74 \\pm 0.02}$\\textsuperscript{**}"));
        assert!(tex.contains("$-$0.090"));
        assert!(tex.contains("$<$0.001"));
        assert!(tex.contains("\\textsuperscript{***}"));
        assert!(tex.contains("\\textless{}script\\textgreater{}"));
        assert!(tex.contains("\\&\"'\\textless{}\\textgreater{}"));
        assert!(tex.contains("a\\textbackslash{}b\\textasciitilde{}c\\textasciicircum{}d\\#e\\$f"));
        assert!(!tex.contains("<script"));
    }

    #[test]
    fn latex_without_title_is_a_bare_tabular() {
        let mut t = Table::new(vec![ColumnSpec::text("a"), ColumnSpec::number("b")]);
        t.push_row(vec![Cell::text("x"), Cell::number(1.5, 1).bold()]);
        let tex = t.to_latex();
        assert!(tex.starts_with("\\begin{tabular}{@{}lr@{}}\n\\toprule\n"));
        assert!(tex.contains("x & \\textbf{1.5} \\\\"));
        assert!(!tex.contains("\\begin{table}"));
    }

    #[test]
    fn empty_table_renders() {
        let t = Table::new(vec![]);
        assert_eq!(t.to_text(), "");
        assert!(t.to_html().contains("<table>"));
        let t = Table::new(vec![ColumnSpec::text("only header")]);
        assert!(t.to_text().contains("only header"));
        assert!(braces_balance(&t.to_latex()));
    }
}
