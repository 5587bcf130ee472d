//! A multi-part report: headed sections of tables, SVG charts and text, composed into ONE HTML
//! block (a notebook cell keeps only its last output per MIME type) or one self-contained
//! HTML file.

use std::fmt::Write as _;
use std::path::Path;

use super::escape::{base64_encode, escape_html, plain_one_line, with_code_spans};
use super::evcxr::Render;
use super::render::CSS;
use super::table::Table;

/// Extra styles of a report, appended to the table stylesheet ([`CSS`]); all scoped by
/// `.ablate`.
pub const REPORT_CSS: &str = "\
.ablate h2{font-size:19px;font-weight:650;margin:4px 0 12px 0;border:none}
.ablate h3{font-size:15px;font-weight:600;margin:22px 0 8px 0;border:none}
.ablate p{margin:0 0 8px 0;max-width:90ch}
.ablate ul{margin:0 0 8px 0;padding-left:22px;max-width:90ch}
.ablate li{margin:0 0 4px 0}
.ablate figure{margin:0 0 14px 0}
.ablate figure svg,.ablate figure img{max-width:100%;height:auto;display:block}
.ablate figcaption{font-size:12px;opacity:.75;margin-top:4px}
.ablate .omitted{font-size:12px;opacity:.75;font-style:italic}
";

/// How charts are put into the HTML.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ChartEmbed {
    /// The default: [`ChartEmbed::DataUri`] in a notebook cell ([`Report::to_html`]), where
    /// the output must survive JupyterLab's sanitizer, and [`ChartEmbed::InlineSvg`] in a
    /// standalone file ([`Report::to_html_document`], [`Report::save_html`]).
    #[default]
    Auto,
    /// The SVG markup inline inside `<figure>`: smallest, text selectable, but JupyterLab's
    /// sanitizer removes `<svg>` from an untrusted notebook (one reopened from disk), so the
    /// charts vanish there.
    InlineSvg,
    /// An `<img src="data:image/svg+xml;base64,…">`: about a third larger, but survives HTML
    /// sanitizers that strip `<svg>` elements (JupyterLab's, for untrusted notebooks, allows
    /// `<img>` with data URIs and no `<svg>`).
    DataUri,
}

impl ChartEmbed {
    /// What `Auto` means in a notebook cell (`notebook`) or in a standalone document.
    fn resolve(self, notebook: bool) -> ChartEmbed {
        match self {
            ChartEmbed::Auto if notebook => ChartEmbed::DataUri,
            ChartEmbed::Auto => ChartEmbed::InlineSvg,
            fixed => fixed,
        }
    }
}

/// An SVG chart as an `<img>` with a base64 data URI and `alt` text (escaped here): the
/// embedding that survives JupyterLab's sanitizer for untrusted notebooks.
pub fn svg_data_uri_img(svg: &str, alt: &str) -> String {
    format!(
        "<img alt=\"{}\" src=\"data:image/svg+xml;base64,{}\">",
        escape_html(alt),
        base64_encode(strip_xml_prolog(svg).as_bytes())
    )
}

/// What a section shows.
#[derive(Clone, Debug, PartialEq)]
pub enum SectionBody {
    /// A table (display row limit applies in HTML and text).
    Table(Table),
    /// An SVG chart produced by the chart module (which escapes its own text), with an
    /// optional caption (user text, escaped).
    Chart {
        /// The `<svg …>…</svg>` markup.
        svg: String,
        /// Shown under the chart.
        caption: Option<String>,
    },
    /// A paragraph of text; blank lines separate paragraphs (escaped, never HTML).
    Text(String),
    /// A bulleted list, one item per entry (escaped; `` `name` `` spans become code).
    List(Vec<String>),
}

/// One headed part of a [`Report`].
#[derive(Clone, Debug, PartialEq)]
pub struct Section {
    /// The heading (empty: none).
    pub heading: String,
    /// The content.
    pub body: SectionBody,
}

/// An ordered list of sections rendered as one HTML fragment, one text block, or one
/// self-contained HTML document (no network, no JavaScript).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Report {
    /// Shown as the report's top heading.
    pub title: Option<String>,
    /// The sections, in order.
    pub sections: Vec<Section>,
    /// How charts are embedded in HTML.
    pub chart_embed: ChartEmbed,
}

impl Report {
    /// An empty report.
    pub fn new() -> Self {
        Report::default()
    }

    /// Sets the top heading.
    pub fn with_title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Sets how charts are embedded.
    pub fn with_chart_embed(mut self, embed: ChartEmbed) -> Self {
        self.chart_embed = embed;
        self
    }

    /// Appends a section.
    pub fn push(&mut self, heading: impl Into<String>, body: SectionBody) {
        self.sections.push(Section { heading: heading.into(), body });
    }

    /// Appends a table section.
    pub fn table(mut self, heading: impl Into<String>, table: Table) -> Self {
        self.push(heading, SectionBody::Table(table));
        self
    }

    /// Appends a chart section from SVG markup.
    pub fn chart(mut self, heading: impl Into<String>, svg: impl Into<String>) -> Self {
        self.push(heading, SectionBody::Chart { svg: svg.into(), caption: None });
        self
    }

    /// Appends a chart section with a caption under the chart.
    pub fn chart_with_caption(
        mut self,
        heading: impl Into<String>,
        svg: impl Into<String>,
        caption: impl Into<String>,
    ) -> Self {
        self.push(heading, SectionBody::Chart { svg: svg.into(), caption: Some(caption.into()) });
        self
    }

    /// Appends a bulleted list.
    pub fn list(mut self, heading: impl Into<String>, items: Vec<String>) -> Self {
        self.push(heading, SectionBody::List(items));
        self
    }

    /// Appends a text section.
    pub fn text(mut self, heading: impl Into<String>, text: impl Into<String>) -> Self {
        self.push(heading, SectionBody::Text(text.into()));
        self
    }

    /// The report as one HTML fragment for a notebook cell: a `<div class="ablate">` with a
    /// single scoped `<style>`, the title, and each section (tables via
    /// [`Table::to_html_fragment`], charts in `<figure>`, text in `<p>`).
    pub fn to_html(&self) -> String {
        self.html_with_heading(self.title.as_deref(), self.chart_embed.resolve(true))
    }

    fn html_with_heading(&self, heading: Option<&str>, embed: ChartEmbed) -> String {
        let mut out = String::with_capacity(4096);
        out.push_str("<div class=\"ablate ablate-report\">\n<style>\n");
        out.push_str(CSS);
        out.push_str(REPORT_CSS);
        out.push_str("</style>\n");
        if let Some(h) = heading {
            let _ = writeln!(out, "<h2>{}</h2>", escape_html(h));
        }
        for section in &self.sections {
            out.push_str("<section>\n");
            if !section.heading.is_empty() {
                let _ = writeln!(out, "<h3>{}</h3>", escape_html(&section.heading));
            }
            match &section.body {
                SectionBody::Table(t) => out.push_str(&t.to_html_fragment()),
                SectionBody::Chart { svg, caption } => {
                    out.push_str("<figure>\n");
                    if !svg_is_safe(svg) {
                        out.push_str("<p class=\"omitted\">chart omitted: its markup contains scripts, event handlers or external references</p>\n");
                    } else {
                        if embed == ChartEmbed::DataUri {
                            let alt = caption.as_deref().unwrap_or(&section.heading);
                            out.push_str(&svg_data_uri_img(svg, alt));
                        } else {
                            out.push_str(strip_xml_prolog(svg));
                        }
                        out.push('\n');
                    }
                    if let Some(c) = caption {
                        let _ = writeln!(out, "<figcaption>{}</figcaption>", escape_html(c));
                    }
                    out.push_str("</figure>\n");
                }
                SectionBody::Text(text) => {
                    for para in paragraphs(text) {
                        let _ = writeln!(out, "<p>{}</p>", escape_html(&para));
                    }
                }
                SectionBody::List(items) => out.push_str(&html_list(items)),
            }
            out.push_str("</section>\n");
        }
        out.push_str("</div>\n");
        out
    }

    /// The report as plain text: the title underlined with `=`, each heading with `-`, tables
    /// as [`Table::to_text`], charts as a `[chart: …]` line, text as paragraphs.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        if let Some(title) = &self.title {
            let title = plain_one_line(title);
            let _ = writeln!(out, "{title}\n{}", "=".repeat(title.chars().count().max(1)));
        }
        for section in &self.sections {
            if !out.is_empty() {
                out.push('\n');
            }
            if !section.heading.is_empty() {
                let h = plain_one_line(&section.heading);
                let _ = writeln!(out, "{h}\n{}", "-".repeat(h.chars().count().max(1)));
            }
            match &section.body {
                SectionBody::Table(t) => out.push_str(&t.to_text()),
                SectionBody::Chart { caption, .. } => {
                    let what = caption.as_deref().unwrap_or(&section.heading);
                    let _ = writeln!(out, "[chart: {} — see the HTML output]", plain_one_line(what));
                }
                SectionBody::Text(text) => {
                    let paras = paragraphs(text);
                    out.push_str(&paras.join("\n\n"));
                    out.push('\n');
                }
                SectionBody::List(items) => out.push_str(&text_list(items)),
            }
        }
        out
    }

    /// A complete, self-contained HTML document (UTF-8, no network, no JavaScript; a
    /// Content-Security-Policy forbids both) with `title` in `<title>` and, when the report has
    /// no title of its own, as the top heading.
    pub fn to_html_document(&self, title: &str) -> String {
        let body = self.html_with_heading(Some(self.title.as_deref().unwrap_or(title)), self.chart_embed.resolve(false));
        let mut out = String::with_capacity(body.len() + 1024);
        out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        out.push_str(
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n",
        );
        out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        let _ = writeln!(out, "<title>{}</title>", escape_html(title));
        out.push_str(
            "<style>\nbody{margin:0;padding:28px 32px;background:#fff;color:#1f2328}\n\
             @media (prefers-color-scheme: dark){body{background:#0d1117;color:#e6edf3}}\n\
             .ablate-report{max-width:1100px;margin:0 auto}\n\
             .ablate-footer{max-width:1100px;margin:28px auto 0;font:12px sans-serif;opacity:.6}\n</style>\n",
        );
        out.push_str("</head>\n<body>\n");
        out.push_str(&body);
        out.push_str("<p class=\"ablate-footer\">Generated by ablate.</p>\n</body>\n</html>\n");
        out
    }

    /// Writes [`Report::to_html_document`] to `path` (the title is the report's, or the file
    /// name).
    pub fn save_html(&self, path: impl AsRef<Path>) -> std::io::Result<()> {
        let path = path.as_ref();
        let fallback =
            path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "ablate report".into());
        let title = self.title.clone().unwrap_or(fallback);
        std::fs::write(path, self.to_html_document(&title))
    }
}

impl Render for Report {
    fn to_text(&self) -> String {
        Report::to_text(self)
    }

    fn to_html(&self) -> String {
        Report::to_html(self)
    }
}

/// A bulleted list as HTML: `<ul>` with one escaped `<li>` per item, `` `name` `` as `<code>`.
pub fn html_list(items: &[String]) -> String {
    let items: String = items.iter().map(|s| format!("<li>{}</li>", with_code_spans(s, escape_html, "<code>", "</code>"))).collect();
    format!("<ul>{items}</ul>\n")
}

/// A bulleted list as plain text: one `- item` line each (backticks kept).
pub fn text_list(items: &[String]) -> String {
    items.iter().map(|s| format!("- {}\n", plain_one_line(s))).collect()
}

/// Splits text into trimmed, non-empty paragraphs at blank lines; lines inside a paragraph are
/// joined with spaces.
fn paragraphs(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            if !current.is_empty() {
                out.push(current.join(" "));
                current.clear();
            }
        } else {
            current.push(line.trim());
        }
    }
    if !current.is_empty() {
        out.push(current.join(" "));
    }
    out
}

/// Drops a leading `<?xml …?>` declaration (invalid inside HTML) and surrounding whitespace.
fn strip_xml_prolog(svg: &str) -> &str {
    let s = svg.trim();
    if s.starts_with("<?xml")
        && let Some(end) = s.find("?>")
    {
        return s[end + 2..].trim_start();
    }
    s
}

/// A defensive check on chart markup (which is not escaped): no scripts, no event-handler
/// attributes, no embedded foreign HTML, no external references. The chart module never
/// produces these; a chart that does is left out rather than run or fetched.
pub fn svg_is_safe(svg: &str) -> bool {
    let lower = svg.to_ascii_lowercase();
    const BANNED: [&str; 11] = [
        "<script",
        "javascript:",
        "<foreignobject",
        "<iframe",
        "<object",
        "<embed",
        "href=\"http",
        "href='http",
        "url(http",
        "url('http",
        "@import",
    ];
    if BANNED.iter().any(|b| lower.contains(b)) || lower.contains("url(\"http") {
        return false;
    }
    // event handlers: whitespace, "on", letters, optional whitespace, "="
    let bytes = lower.as_bytes();
    let mut i = 0;
    while let Some(pos) = lower[i..].find("on") {
        let at = i + pos;
        let before_ok = at > 0
            && (bytes[at - 1].is_ascii_whitespace()
                || bytes[at - 1] == b'/'
                || bytes[at - 1] == b'"'
                || bytes[at - 1] == b'\'');
        if before_ok {
            let mut j = at + 2;
            while j < bytes.len() && bytes[j].is_ascii_alphabetic() {
                j += 1;
            }
            let letters = j - (at + 2);
            while j < bytes.len() && bytes[j].is_ascii_whitespace() {
                j += 1;
            }
            if letters > 0 && j < bytes.len() && bytes[j] == b'=' && inside_tag(&lower, at) {
                return false;
            }
        }
        i = at + 2;
    }
    true
}

/// Whether byte offset `at` lies inside a markup tag (after a `<` with no `>` in between).
fn inside_tag(s: &str, at: usize) -> bool {
    match (s[..at].rfind('<'), s[..at].rfind('>')) {
        (Some(lt), Some(gt)) => lt > gt,
        (Some(_), None) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::super::table::{Cell, ColumnSpec};
    use super::*;

    const SVG: &str = "<?xml version=\"1.0\"?>\n<svg width=\"200\" height=\"100\" viewBox=\"0 0 200 100\" xmlns=\"http://www.w3.org/2000/svg\"><rect x=\"0\" y=\"0\" width=\"200\" height=\"100\" fill=\"#eee\"/><text x=\"10\" y=\"50\">acc &amp; loss</text></svg>";

    fn table() -> Table {
        let mut t = Table::new(vec![ColumnSpec::text("<script>alert(1)</script>"), ColumnSpec::number("acc")])
            .with_title("Summary");
        t.push_row(vec![Cell::text("&\"'<>"), Cell::mean_ci(0.7, 0.03, 2)]);
        t
    }

    fn report() -> Report {
        Report::new()
            .with_title("Study <script>alert(1)</script>")
            .table("Summary", table())
            .chart_with_caption("Accuracy vs n_estimators", SVG, "caption & <b>")
            .text("Conclusion", "200 trees is best.\n\n<script>alert(1)</script> changes nothing.")
    }

    #[test]
    fn report_html_is_one_escaped_fragment() {
        let html = report().with_chart_embed(ChartEmbed::InlineSvg).to_html();
        assert!(!html.contains("<script"));
        assert_eq!(html.matches("<style>").count(), 1);
        assert!(html.contains("<figure>\n<svg width=\"200\""));
        assert!(!html.contains("<?xml"));
        assert!(html.contains("<figcaption>caption &amp; &lt;b&gt;</figcaption>"));
        assert!(html.contains("<p>200 trees is best.</p>"));
        assert!(html.contains("&amp;&quot;&#39;&lt;&gt;"));
        assert_eq!(html.matches("<section>").count(), 3);
    }

    #[test]
    fn report_text_lists_sections() {
        let text = report().to_text();
        assert!(text.starts_with("Study <script>alert(1)</script>\n=============================="));
        assert!(text.contains("Summary\n-------\n"));
        assert!(text.contains("[chart: caption & <b> — see the HTML output]"));
        assert!(text.contains("200 trees is best.\n\n<script>"));
    }

    #[test]
    fn document_is_self_contained() {
        let doc = Report::new().table("t", table()).to_html_document("My <study>");
        assert!(doc.starts_with("<!DOCTYPE html>"));
        assert!(doc.contains("<title>My &lt;study&gt;</title>"));
        assert!(doc.contains("<h2>My &lt;study&gt;</h2>"));
        assert!(doc.contains("default-src 'none'"));
        let lower = doc.to_lowercase();
        assert!(!lower.contains("<script") && !lower.contains("<link") && !lower.contains("src=\"http"));
        assert!(doc.trim_end().ends_with("</html>"));
    }

    #[test]
    fn data_uri_embedding_is_the_notebook_default() {
        for html in [report().to_html(), report().with_chart_embed(ChartEmbed::DataUri).to_html()] {
            assert!(html.contains("<img alt=\"caption &amp; &lt;b&gt;\" src=\"data:image/svg+xml;base64,PHN2ZyB3aWR0aD0i"));
            assert!(!html.contains("<svg"));
        }
    }

    #[test]
    fn files_get_inline_svg_unless_told_otherwise() {
        let doc = report().to_html_document("t");
        assert!(doc.contains("<figure>\n<svg width=\"200\"") && !doc.contains("data:image/svg+xml"));
        let doc = report().with_chart_embed(ChartEmbed::DataUri).to_html_document("t");
        assert!(doc.contains("data:image/svg+xml;base64,") && !doc.contains("<svg"));
    }

    #[test]
    fn unsafe_svg_is_left_out() {
        assert!(svg_is_safe(SVG));
        assert!(svg_is_safe("<svg><text>onion = 3</text></svg>"));
        assert!(!svg_is_safe("<svg onload=\"alert(1)\"></svg>"));
        assert!(!svg_is_safe("<svg><rect onclick = 'x'/></svg>"));
        assert!(!svg_is_safe("<svg><script>alert(1)</script></svg>"));
        assert!(!svg_is_safe("<svg><image href=\"https://example.com/x.png\"/></svg>"));
        let html = Report::new().chart("bad", "<svg onload=\"alert(1)\"></svg>").to_html();
        assert!(html.contains("chart omitted"));
        assert!(!html.contains("onload"));
    }

    #[test]
    fn big_report_stays_under_one_megabyte() {
        let mut t = Table::new(vec![
            ColumnSpec::number("trial"),
            ColumnSpec::text("config"),
            ColumnSpec::number("seed"),
            ColumnSpec::number("accuracy"),
            ColumnSpec::number("loss"),
            ColumnSpec::number("f1"),
        ]);
        for i in 0..10_000 {
            t.push_row(vec![
                Cell::int(i),
                Cell::text(format!("n_estimators={} feature_fraction=0.{}", i % 7, i % 9)),
                Cell::int(i % 5),
                Cell::float(0.9 - i as f64 * 1e-5),
                Cell::float(0.3 + i as f64 * 1e-5),
                Cell::float(0.8),
            ]);
        }
        let chart = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\">{}</svg>",
            "<circle cx=\"1\" cy=\"2\" r=\"3\"/>".repeat(2000)
        );
        let r = Report::new()
            .with_title("big")
            .table("Trials", t.clone())
            .table("Again", t)
            .chart("c1", chart.clone())
            .chart("c2", chart);
        let html = r.to_html_document("big");
        assert!(html.len() < 1_000_000, "{} bytes", html.len());
        assert!(html.contains("… 9,800 more rows"));
    }

    #[test]
    fn save_html_writes_the_document() {
        let dir = std::env::temp_dir().join(format!("ablate-display-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("study.html");
        Report::new().text("", "hello").save_html(&path).unwrap();
        let doc = std::fs::read_to_string(&path).unwrap();
        assert!(doc.contains("<title>study</title>") && doc.contains("<p>hello</p>"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
