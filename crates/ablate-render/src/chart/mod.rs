//! Charts as pure functions from plain data to standalone SVG strings.
//!
//! Every chart is a plain struct of owned data with public fields (so it can be kept between
//! notebook cells), and implements [`Chart`]: `to_svg()` returns a complete SVG document (with
//! `width`, `height` and `viewBox`); `save_svg` / `save_png` write files. Nothing here reads the rest
//! of the crate: callers convert their tables into these structs.
//!
//! | chart | struct |
//! |---|---|
//! | one parameter vs a metric (CI band/whiskers, seeds, baseline) | [`LineChart`] |
//! | several line charts side by side | [`ChartGrid`] |
//! | two grid parameters | [`Heatmap`] |
//! | interaction of two parameters | [`InteractionPlot`] |
//! | change vs baseline per removed component | [`ComponentBars`] |
//! | Demšar critical-difference diagram | [`CriticalDifference`] |
//! | learning curves per configuration (bands, baseline dashed) | [`CurveChart`] |
//! | every trial across all parameters, coloured by the metric | [`ParallelCoordinates`] |
//! | the metric against each parameter, trials as points, a surrogate's marginal | [`SlicePlot`] |
//! | trial attempts over time in lanes (workers, devices, Slurm tasks) by outcome | [`Timeline`] |
//!
//! [`ParallelCoordinates`] and [`SlicePlot`] take the same data: [`ParamAxis`] per parameter and
//! a [`TrialPoint`] per trial. Marks carry an SVG `<title>` tooltip (what the mark is: config,
//! trial id, values), which browsers show on hover.
//!
//! All user text (titles, parameter, level and metric names) is XML-escaped; no chart uses
//! `id`s, `<style>` or scripts, so several charts can be inlined in one HTML page.

/// Builder setters shared by the chart structs: `title` and `note`, and `better` for the
/// charts that colour or sort by the metric's direction.
macro_rules! chart_setters {
    ($t:ty) => {
        impl $t {
            /// Sets the title (empty: a title made from the parameter and metric names).
            pub fn title(mut self, title: impl Into<String>) -> Self {
                self.title = title.into();
                self
            }

            /// Sets the footnote under the chart.
            pub fn note(mut self, note: impl Into<String>) -> Self {
                self.note = note.into();
                self
            }
        }
    };
    ($t:ty, better) => {
        $crate::chart::chart_setters!($t);

        impl $t {
            /// Sets which direction of the metric is better (notes, colours, sort order).
            pub fn better(mut self, better: $crate::chart::Better) -> Self {
                self.better = Some(better);
                self
            }
        }
    };
}
pub(crate) use chart_setters;

mod bars;
mod cd;
mod curves;
mod heatmap;
mod interaction;
mod line;
mod parallel;
#[cfg(feature = "png")]
mod png;
pub(crate) mod scale;
mod slice;
pub(crate) mod svg;
pub(crate) mod theme;
mod timeline;
mod trials;

pub use bars::{ComponentBar, ComponentBars};
pub use cd::CriticalDifference;
pub use curves::{CurveChart, CurvePoint, CurveSeries};
pub use heatmap::{HeatCell, Heatmap};
pub use interaction::{InteractionLine, InteractionPlot};
pub use line::{LineChart, LinePoint, XValue};
pub use parallel::ParallelCoordinates;
#[cfg(feature = "png")]
pub use png::{svg_to_png, PNG_SCALE};
pub use slice::SlicePlot;
pub use timeline::{AttemptOutcome, Timeline, TimelineBar};
pub use trials::{AxisScale, MarginalPoint, ParamAxis, TrialPoint, COMPONENT_LEVELS};

use std::io;
use std::path::Path;

/// Which direction of the metric is better; drives notes, colours and sort order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Better {
    /// Larger values are better (accuracy).
    Higher,
    /// Smaller values are better (loss).
    Lower,
}

impl Better {
    /// `+1` when higher is better, `-1` when lower is better.
    pub fn sign(self) -> f64 {
        match self {
            Better::Higher => 1.0,
            Better::Lower => -1.0,
        }
    }
    /// "higher is better" or "lower is better".
    pub fn phrase(self) -> &'static str {
        match self {
            Better::Higher => "higher is better",
            Better::Lower => "lower is better",
        }
    }
}

/// A mean with an optional confidence interval (low, high).
#[derive(Clone, Debug, PartialEq)]
pub struct MeanCi {
    /// Mean of the metric over seeds.
    pub mean: f64,
    /// Confidence interval (low, high), if known.
    pub ci: Option<(f64, f64)>,
}

impl MeanCi {
    /// An estimate `mean` with an optional interval.
    pub fn new(mean: f64, ci: Option<(f64, f64)>) -> Self {
        MeanCi { mean, ci }
    }
    fn lo(&self) -> f64 {
        self.ci.map_or(self.mean, |c| c.0.min(c.1))
    }
    fn hi(&self) -> f64 {
        self.ci.map_or(self.mean, |c| c.0.max(c.1))
    }
}

/// A chart that renders to a standalone SVG document.
pub trait Chart {
    /// The complete SVG document.
    fn to_svg(&self) -> String;

    /// Write [`Chart::to_svg`] to `path`.
    fn save_svg<P: AsRef<Path>>(&self, path: P) -> io::Result<()>
    where
        Self: Sized,
    {
        let path = path.as_ref();
        std::fs::write(path, self.to_svg())
            .map_err(|e| io::Error::new(e.kind(), format!("writing chart SVG to {}: {e}", path.display())))
    }

    /// Rasterise to PNG bytes at [`PNG_SCALE`]× (fonts embedded, no system fonts needed).
    #[cfg(feature = "png")]
    fn to_png(&self) -> io::Result<Vec<u8>> {
        svg_to_png(&self.to_svg(), PNG_SCALE)
    }

    /// Write a PNG rendering to `path`.
    #[cfg(feature = "png")]
    fn save_png<P: AsRef<Path>>(&self, path: P) -> io::Result<()>
    where
        Self: Sized,
    {
        let path = path.as_ref();
        let bytes = self.to_png()?;
        std::fs::write(path, bytes)
            .map_err(|e| io::Error::new(e.kind(), format!("writing chart PNG to {}: {e}", path.display())))
    }
}

/// Several charts laid out in a grid in one SVG (small multiples). Each cell is the chart's own
/// SVG nested at its position, so any [`Chart`] can go in.
#[derive(Clone, Debug, Default)]
pub struct ChartGrid {
    /// Optional title above the grid.
    pub title: String,
    /// Charts per row (at least 1).
    pub columns: usize,
    cells: Vec<(f64, f64, String)>,
}

impl ChartGrid {
    /// An empty grid with `columns` charts per row.
    pub fn new(columns: usize) -> Self {
        ChartGrid { title: String::new(), columns: columns.max(1), cells: Vec::new() }
    }

    /// Sets the title above the grid.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = title.into();
        self
    }

    /// Add a chart (rendered now; the grid keeps only its SVG).
    pub fn push(&mut self, chart: &dyn Chart) {
        let svg = chart.to_svg();
        let (w, h) = svg_size(&svg);
        self.cells.push((w, h, svg));
    }

    /// Small multiples of line charts: each is resized so that `columns` of them fill about
    /// `total_width` px (typical notebook width: 860).
    pub fn of_line_charts(charts: &[LineChart], columns: usize, total_width: f64) -> Self {
        let columns = columns.max(1).min(charts.len().max(1));
        let w = ((total_width - 8.0 * (columns as f64 - 1.0)) / columns as f64).max(300.0);
        let h = (w * 0.72).clamp(260.0, 440.0);
        let mut g = ChartGrid::new(columns);
        for c in charts {
            let mut c = c.clone();
            c.width = w;
            c.height = h;
            g.push(&c);
        }
        g
    }

    /// Number of charts in the grid.
    pub fn len(&self) -> usize {
        self.cells.len()
    }

    /// Whether the grid has no chart.
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }
}

impl Chart for ChartGrid {
    fn to_svg(&self) -> String {
        let cols = self.columns.max(1);
        let gap = 8.0;
        let rows = self.cells.len().div_ceil(cols);
        let mut col_w = vec![0.0f64; cols];
        let mut row_h = vec![0.0f64; rows];
        for (i, (w, h, _)) in self.cells.iter().enumerate() {
            col_w[i % cols] = col_w[i % cols].max(*w);
            row_h[i / cols] = row_h[i / cols].max(*h);
        }
        let top = if self.title.is_empty() { 0.0 } else { theme::TITLE_SIZE + 2.0 * theme::PAD };
        let total_w = col_w.iter().sum::<f64>() + gap * (cols as f64 - 1.0).max(0.0);
        let total_h = top + row_h.iter().sum::<f64>() + gap * (rows as f64 - 1.0).max(0.0);
        let mut s = svg::Svg::new(total_w.max(1.0), total_h.max(1.0), &self.title);
        if !self.title.is_empty() {
            s.text(
                theme::PAD,
                theme::PAD + theme::TITLE_SIZE,
                &self.title,
                svg::Txt::new(theme::TITLE_SIZE).bold(),
            );
        }
        for (i, (_, _, child)) in self.cells.iter().enumerate() {
            let (c, r) = (i % cols, i / cols);
            let x: f64 = col_w[..c].iter().sum::<f64>() + gap * c as f64;
            let y: f64 = top + row_h[..r].iter().sum::<f64>() + gap * r as f64;
            // Our own documents all start with "<svg "; nest them with a position.
            let body = child.strip_prefix("<svg ").unwrap_or(child);
            s.raw(&format!("<svg x=\"{}\" y=\"{}\" ", svg::n(x), svg::n(y)));
            s.raw(body);
        }
        s.finish()
    }
}

/// Width and height attributes of one of our SVG documents.
fn svg_size(svg: &str) -> (f64, f64) {
    let attr = |name: &str| -> f64 {
        let key = format!(" {name}=\"");
        svg.find(&key)
            .and_then(|i| {
                let rest = &svg[i + key.len()..];
                rest.find('"').and_then(|j| rest[..j].parse().ok())
            })
            .unwrap_or(0.0)
    };
    (attr("width"), attr("height"))
}

/// The y just below title and subtitle (what [`draw_header`] returns).
fn header_height(subtitle: &str) -> f64 {
    theme::PAD + theme::TITLE_SIZE + if subtitle.is_empty() { 0.0 } else { theme::SUBTITLE_SIZE + 7.0 } + 10.0
}

/// Draw title and subtitle at the top-left; returns the y just below them.
fn draw_header(s: &mut svg::Svg, width: f64, title: &str, subtitle: &str) -> f64 {
    use svg::{truncate_to, Txt};
    use theme::*;
    let mut y = PAD + TITLE_SIZE;
    let t = truncate_to(title, TITLE_SIZE, true, width - 2.0 * PAD);
    s.text_attrs(PAD, y, &t, Txt::new(TITLE_SIZE).bold(), "class=\"title\"");
    if !subtitle.is_empty() {
        y += SUBTITLE_SIZE + 7.0;
        let st = truncate_to(subtitle, SUBTITLE_SIZE, false, width - 2.0 * PAD);
        s.text_attrs(PAD, y, &st, Txt::new(SUBTITLE_SIZE).fill(MUTED), "class=\"subtitle\"");
    }
    y + 10.0
}

/// Draw a footnote at the bottom-left (e.g. what the stars mean), wrapped to two lines.
fn draw_note(s: &mut svg::Svg, width: f64, height: f64, note: &str) {
    let lines = svg::wrap(note, theme::NOTE_SIZE, width - 2.0 * theme::PAD, 2);
    let k = lines.len();
    for (i, l) in lines.iter().enumerate() {
        let y = height - theme::PAD + 2.0 - (k - 1 - i) as f64 * (theme::NOTE_SIZE + 4.0);
        s.text_attrs(theme::PAD, y, l, svg::Txt::new(theme::NOTE_SIZE).fill(theme::MUTED), "class=\"note\"");
    }
}

/// The empty state of a chart with nothing to draw: a light dashed frame over the area
/// (left, top, right, bottom) with `message` centred in it, so an empty chart says why instead
/// of showing bare axes.
fn draw_empty(s: &mut svg::Svg, area: (f64, f64, f64, f64), message: &str) {
    let (l, t, r, b) = area;
    s.rect(l, t, r - l, b - t, "#fafafa", &format!("stroke=\"{}\" stroke-dasharray=\"4 3\" class=\"empty\"", theme::GRID));
    let m = svg::truncate_to(message, theme::LABEL_SIZE, false, (r - l - 20.0).max(40.0));
    s.text((l + r) / 2.0, (t + b) / 2.0 + theme::LABEL_SIZE * 0.35, &m, svg::Txt::new(theme::LABEL_SIZE).middle().fill(theme::MUTED));
}

/// A requested size in pixels made safe: at least `min`, at most 20,000; `default` when it is
/// not finite.
fn size_or(v: f64, default: f64, min: f64) -> f64 {
    if v.is_finite() { v.clamp(min, 20_000.0) } else { default }
}

/// Height a note takes at the bottom (0 when empty).
fn note_height(note: &str, width: f64) -> f64 {
    let k = svg::wrap(note, theme::NOTE_SIZE, width - 2.0 * theme::PAD, 2).len();
    if k == 0 { 0.0 } else { k as f64 * (theme::NOTE_SIZE + 4.0) + 6.0 }
}

/// Horizontal grid lines and labels of a y axis; labels right-aligned at `x0 - 7`.
/// The finite range (lo, hi) of `values` and a span to pad it by, never zero; (0, 1) when
/// there is no finite value.
fn value_range(values: impl IntoIterator<Item = f64>) -> (f64, f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.into_iter().filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        (lo, hi) = (0.0, 1.0);
    }
    (lo, hi, (hi - lo).max(hi.abs().max(1e-9) * 1e-3))
}

/// The frame of an x/y chart: y grid and ticks, both axis lines, x tick marks and x labels.
/// `frame` is (left, right, top, bottom) of the plot area.
fn draw_axes(
    s: &mut svg::Svg,
    ysc: &scale::Scale,
    yticks: &[f64],
    ydec: usize,
    frame: (f64, f64, f64, f64),
    xl: &XLabels,
    xs: &[f64],
) {
    let (left, right, top, bottom) = frame;
    draw_y_axis(s, ysc, yticks, ydec, left, right);
    s.line(left, bottom, right, bottom, theme::AXIS, 1.0, "");
    s.line(left, top, left, bottom, theme::AXIS, 1.0, "");
    for (i, x) in xs.iter().enumerate() {
        if xl.keep[i] {
            s.line(*x, bottom, *x, bottom + 5.0, theme::AXIS, 1.0, "");
        }
    }
    draw_x_labels(s, xl, xs, bottom);
}

fn draw_y_axis(s: &mut svg::Svg, sc: &scale::Scale, ticks: &[f64], dec: usize, x0: f64, x1: f64) {
    use theme::*;
    for &t in ticks {
        let y = sc.map(t);
        s.line(x0, y, x1, y, GRID, 1.0, "");
        s.text(x0 - 7.0, y + TICK_SIZE * 0.35, &scale::fmt_num(t, dec), svg::Txt::new(TICK_SIZE).end().fill(MUTED));
    }
}

/// Width of the widest y tick label.
fn y_label_width(ticks: &[f64], dec: usize) -> f64 {
    ticks
        .iter()
        .map(|&t| svg::text_width(&scale::fmt_num(t, dec), theme::TICK_SIZE, false))
        .fold(0.0, f64::max)
}

/// Labels along an x axis at given pixel positions: horizontal when they fit; otherwise rotated
/// by 40° when that shows clearly more of them, truncated so they stay inside the chart
/// (`left_limit`) and within `max_height`; labels that still overlap are thinned to a regular
/// stride (priority ones, e.g. the baseline, kept).
struct XLabels {
    rotated: bool,
    keep: Vec<bool>,
    height: f64,
    labels: Vec<String>,
}

const ROT: f64 = 40.0;

fn layout_x_labels(labels: &[String], pos: &[f64], priority: &[bool], max_label_w: f64, left_limit: f64, max_height: f64) -> XLabels {
    use theme::TICK_SIZE;
    let n = labels.len();
    let hl: Vec<String> = labels.iter().map(|l| svg::truncate_middle(l, TICK_SIZE, false, max_label_w)).collect();
    let widths: Vec<f64> = hl.iter().map(|l| svg::text_width(l, TICK_SIZE, false)).collect();
    let keep_h = scale::thin(pos, &widths, 8.0, priority);
    let kh = keep_h.iter().filter(|&&k| k).count();
    let horizontal = XLabels { rotated: false, keep: keep_h, height: TICK_SIZE + 8.0, labels: hl };
    if kh == n {
        return horizontal;
    }
    let (sin, cos) = (ROT.to_radians().sin(), ROT.to_radians().cos());
    let cap = ((max_height - TICK_SIZE - 8.0) / sin).max(30.0);
    let rl: Vec<String> = labels
        .iter()
        .zip(pos)
        .map(|(l, &p)| {
            let room = ((p + 3.0 - left_limit) / cos).max(24.0);
            svg::truncate_middle(l, TICK_SIZE, false, max_label_w.min(cap).min(room))
        })
        .collect();
    // rotated labels need about one line height of horizontal room each
    let rot_w = vec![TICK_SIZE * 1.25 / sin; n];
    let keep_r = scale::thin(pos, &rot_w, 0.0, priority);
    let kr = keep_r.iter().filter(|&&k| k).count();
    if kr < n && kr < 2 * kh {
        return horizontal;
    }
    let maxw = rl.iter().zip(&keep_r).filter(|(_, k)| **k).map(|(l, _)| svg::text_width(l, TICK_SIZE, false)).fold(0.0, f64::max);
    XLabels { rotated: true, keep: keep_r, height: maxw * sin + TICK_SIZE + 8.0, labels: rl }
}

fn draw_x_labels(s: &mut svg::Svg, xl: &XLabels, pos: &[f64], y: f64) {
    use theme::*;
    for (i, l) in xl.labels.iter().enumerate() {
        if !xl.keep[i] {
            continue;
        }
        if xl.rotated {
            s.text(pos[i] + 3.0, y + 6.0 + TICK_SIZE * 0.6, l, svg::Txt::new(TICK_SIZE).end().fill(MUTED).rotate(-ROT));
        } else {
            s.text(pos[i], y + 6.0 + TICK_SIZE, l, svg::Txt::new(TICK_SIZE).middle().fill(MUTED));
        }
    }
}

#[cfg(test)]
pub(crate) mod testutil {
    //! A small structural XML checker: balanced tags, quoted attributes, only known entities.

    /// Panics unless `s` is one well-formed XML element tree (no DTD, no CDATA).
    pub fn assert_well_formed(s: &str) {
        let b = s.as_bytes();
        let mut stack: Vec<String> = Vec::new();
        let mut i = 0;
        let mut roots = 0;
        while i < b.len() {
            match b[i] {
                b'<' => {
                    let end = s[i..].find('>').map(|j| i + j).expect("unclosed '<'");
                    let tag = &s[i + 1..end];
                    assert!(!tag.contains('<'), "'<' inside a tag: {tag}");
                    check_attrs(tag);
                    if let Some(name) = tag.strip_prefix('/') {
                        let open = stack.pop().unwrap_or_else(|| panic!("stray </{name}>"));
                        assert_eq!(open, name.trim(), "mismatched close tag");
                    } else if !tag.ends_with('/') {
                        if stack.is_empty() {
                            roots += 1;
                        }
                        stack.push(tag.split_whitespace().next().unwrap_or("").to_string());
                    } else if stack.is_empty() {
                        roots += 1;
                    }
                    i = end + 1;
                }
                b'&' => {
                    let end = s[i..].find(';').map(|j| i + j).expect("unterminated entity");
                    let ent = &s[i + 1..end];
                    assert!(
                        matches!(ent, "amp" | "lt" | "gt" | "quot" | "apos" | "#39"),
                        "unknown entity &{ent};"
                    );
                    i = end + 1;
                }
                b'>' => panic!("raw '>' in text at byte {i}"),
                _ => i += 1,
            }
        }
        assert!(stack.is_empty(), "unclosed elements: {stack:?}");
        assert_eq!(roots, 1, "expected one root element");
    }

    fn check_attrs(tag: &str) {
        // every '=' must be followed by a quote, and quotes must pair up
        let q = tag.matches('"').count();
        assert!(q.is_multiple_of(2), "unbalanced quotes in <{tag}>");
        let mut in_q = false;
        let cs: Vec<char> = tag.chars().collect();
        for (k, &c) in cs.iter().enumerate() {
            if c == '"' {
                in_q = !in_q;
            } else if c == '=' && !in_q {
                assert_eq!(cs.get(k + 1), Some(&'"'), "unquoted attribute in <{tag}>");
            } else if in_q {
                assert!(c != '<', "'<' in attribute of <{tag}>");
            }
        }
    }

    pub fn count(s: &str, needle: &str) -> usize {
        s.matches(needle).count()
    }

    pub const NASTY_PARAM: &str = "<script>alert(1)</script>";
    pub const NASTY_LEVEL: &str = "a&\"'<>b";

    /// The escaping contract every chart must meet.
    pub fn assert_escaped(svg: &str) {
        assert!(!svg.contains("<script"), "raw <script> in output");
        assert!(svg.contains("&lt;script&gt;"), "param name missing (escaped)");
        assert_well_formed(svg);
    }
}

#[cfg(test)]
mod tests {
    use super::testutil::*;
    use super::*;

    #[test]
    fn checker_rejects_bad_xml() {
        assert!(std::panic::catch_unwind(|| assert_well_formed("<a><b></a>")).is_err());
        assert!(std::panic::catch_unwind(|| assert_well_formed("<a>x<y</a>")).is_err());
        assert!(std::panic::catch_unwind(|| assert_well_formed("<a t=\"1>x</a>")).is_err());
        assert!(std::panic::catch_unwind(|| assert_well_formed("<a>&nbsp;</a>")).is_err());
        assert_well_formed("<a b=\"1\"><c/>t &amp; u</a>\n");
    }

    #[test]
    fn grid_nests_charts_side_by_side() {
        let mk = |p: &str| LineChart::new(p, "accuracy").points(vec![
            LinePoint::num(1.0, 0.5),
            LinePoint::num(2.0, 0.6).baseline(),
        ]);
        let g = ChartGrid::of_line_charts(&[mk("a"), mk("b"), mk(NASTY_PARAM)], 2, 860.0).title("study");
        let svg = g.to_svg();
        assert_eq!(count(&svg, "<svg "), 4);
        assert_escaped(&svg);
        let (w, h) = svg_size(&svg);
        assert!((800.0..=870.0).contains(&w), "{w}");
        assert!(h > 500.0, "{h}");
    }
}
