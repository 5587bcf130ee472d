//! A minimal SVG writer: every user string goes through [`esc`], numbers are written compactly,
//! and text widths are estimated from the metrics of the font the PNG export embeds (DejaVu Sans),
//! so layout decisions (margins, label thinning, rotation) hold in the browser and in the PNG.

use std::fmt::Write as _;

/// Font stack used by every chart. DejaVu Sans is what the PNG export embeds; Verdana has very
/// similar (wide) metrics, so layout estimates stay conservative in browsers.
pub const FONT_FAMILY: &str = "'DejaVu Sans', Verdana, Arial, sans-serif";

/// Attributes that give text a white outline drawn under its glyphs, so labels stay legible
/// over dense marks (the lines of a parallel-coordinates plot).
pub const HALO: &str = "stroke=\"#ffffff\" stroke-width=\"3\" stroke-linejoin=\"round\" paint-order=\"stroke\"";

/// XML-escape a user string for use in text content or an attribute value.
///
/// Characters XML 1.0 forbids (C0 controls) are dropped; line breaks and tabs become spaces, so a
/// label can never produce a line of its own (evcxr ends a display block at a line equal to
/// `EVCXR_END_CONTENT`).
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\r' | '\t' => out.push(' '),
            c if (c as u32) < 0x20 => {}
            '\u{FFFE}' | '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// Advance widths of ASCII 32..=126 in DejaVu Sans, in 1/1000 em.
const REGULAR: [u16; 95] = [
    318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337, 636, 636, 636,
    636, 636, 636, 636, 636, 636, 636, 337, 337, 838, 838, 838, 531, 1000, 684, 686, 698, 770, 632,
    575, 775, 752, 295, 295, 656, 557, 863, 748, 787, 603, 787, 695, 635, 611, 732, 684, 989, 685,
    611, 685, 390, 337, 390, 838, 500, 500, 613, 635, 550, 635, 615, 352, 635, 634, 278, 278, 579,
    278, 974, 634, 612, 635, 635, 411, 521, 392, 634, 592, 818, 592, 592, 525, 636, 337, 636, 838,
];
/// Advance widths of ASCII 32..=126 in DejaVu Sans Bold, in 1/1000 em.
const BOLD: [u16; 95] = [
    348, 456, 521, 838, 696, 1002, 872, 306, 457, 457, 523, 838, 380, 415, 380, 365, 696, 696, 696,
    696, 696, 696, 696, 696, 696, 696, 400, 400, 838, 838, 838, 580, 1000, 774, 762, 734, 830, 683,
    683, 821, 837, 372, 372, 775, 637, 995, 837, 850, 733, 850, 770, 720, 682, 812, 774, 1103, 771,
    724, 725, 457, 365, 457, 838, 500, 500, 675, 716, 593, 716, 678, 435, 716, 712, 343, 343, 665,
    343, 1042, 712, 687, 716, 716, 493, 595, 478, 712, 652, 924, 645, 652, 582, 712, 365, 712, 838,
];

/// Estimated rendered width of `s` at font size `size` px.
pub fn text_width(s: &str, size: f64, bold: bool) -> f64 {
    let table = if bold { &BOLD } else { &REGULAR };
    let mut units = 0u32;
    for c in s.chars() {
        let u = c as u32;
        units += if (32..=126).contains(&u) {
            table[(u - 32) as usize] as u32
        } else if u < 32 {
            0
        } else if (0x2E80..=0xFFEF).contains(&u) {
            1000 // CJK and full-width forms
        } else {
            700
        };
    }
    units as f64 / 1000.0 * size
}

/// Shorten `s` with an ellipsis so it fits in `max_w` px.
pub fn truncate_to(s: &str, size: f64, bold: bool, max_w: f64) -> String {
    if text_width(s, size, bold) <= max_w {
        return s.to_string();
    }
    let mut out = String::new();
    for c in s.chars() {
        out.push(c);
        if text_width(&out, size, bold) + text_width("…", size, bold) > max_w {
            out.pop();
            break;
        }
    }
    out.push('…');
    out
}

/// Shorten `s` by replacing its middle with an ellipsis so it fits in `max_w` px; keeps the
/// distinguishing ends of labels that share a prefix ("augmentation-policy-12" → "augme…cy-12").
pub fn truncate_middle(s: &str, size: f64, bold: bool, max_w: f64) -> String {
    if text_width(s, size, bold) <= max_w {
        return s.to_string();
    }
    let cs: Vec<char> = s.chars().collect();
    let (mut head, mut tail) = (0usize, 0usize);
    let fits = |h: usize, t: usize| {
        let c: String = cs[..h].iter().chain(std::iter::once(&'…')).chain(cs[cs.len() - t..].iter()).collect();
        text_width(&c, size, bold) <= max_w
    };
    // grow the tail first (it usually carries the distinguishing part), then alternate
    while head + tail < cs.len() {
        let grow_tail = tail <= head;
        let (h, t) = if grow_tail { (head, tail + 1) } else { (head + 1, tail) };
        if !fits(h, t) {
            break;
        }
        (head, tail) = (h, t);
    }
    cs[..head].iter().chain(std::iter::once(&'…')).chain(cs[cs.len() - tail..].iter()).collect()
}

/// Greedy word wrap into at most `max_lines` lines of width `max_w`; the last line is truncated
/// with an ellipsis if text remains.
pub fn wrap(s: &str, size: f64, max_w: f64, max_lines: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in s.split_whitespace() {
        match lines.last_mut() {
            Some(cur) if text_width(cur, size, false) + text_width(" ", size, false) + text_width(word, size, false) <= max_w => {
                cur.push(' ');
                cur.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    if lines.len() > max_lines && max_lines > 0 {
        let rest = lines[max_lines - 1..].join(" ");
        lines.truncate(max_lines - 1);
        lines.push(rest);
    }
    lines.truncate(max_lines);
    lines.into_iter().map(|l| truncate_to(&l, size, false, max_w)).collect()
}

/// A number written compactly for coordinates (at most 2 decimals, no trailing zeros).
pub fn n(v: f64) -> String {
    if !v.is_finite() {
        return "0".into();
    }
    let r = (v * 100.0).round() / 100.0;
    if r == r.trunc() {
        format!("{}", r as i64)
    } else {
        let s = format!("{r:.2}");
        s.trim_end_matches('0').to_string()
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    Start,
    Middle,
    End,
}

impl Anchor {
    fn as_str(self) -> &'static str {
        match self {
            Anchor::Start => "start",
            Anchor::Middle => "middle",
            Anchor::End => "end",
        }
    }
}

/// Text style: size in px, anchor, weight, colour, optional rotation (degrees about (x, y)).
#[derive(Clone, Copy)]
pub struct Txt {
    pub size: f64,
    pub anchor: Anchor,
    pub bold: bool,
    pub fill: &'static str,
    pub rotate: f64,
}

impl Txt {
    pub fn new(size: f64) -> Self {
        Txt { size, anchor: Anchor::Start, bold: false, fill: super::theme::TEXT, rotate: 0.0 }
    }
    pub fn anchor(mut self, a: Anchor) -> Self {
        self.anchor = a;
        self
    }
    pub fn middle(self) -> Self {
        self.anchor(Anchor::Middle)
    }
    pub fn end(self) -> Self {
        self.anchor(Anchor::End)
    }
    pub fn bold(mut self) -> Self {
        self.bold = true;
        self
    }
    pub fn fill(mut self, f: &'static str) -> Self {
        self.fill = f;
        self
    }
    pub fn rotate(mut self, deg: f64) -> Self {
        self.rotate = deg;
        self
    }
}

/// An SVG document under construction.
pub struct Svg {
    buf: String,
    /// The tooltip the next shape carries (see [`Svg::tip`]).
    tip: Option<String>,
}

impl Svg {
    /// Start a document of `w`×`h` px with a white background and an accessible `<title>`.
    pub fn new(w: f64, h: f64, title: &str) -> Self {
        let mut buf = String::with_capacity(8 * 1024);
        let (w, h) = (w.ceil(), h.ceil());
        let _ = write!(
            buf,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" \
             font-family=\"{FONT_FAMILY}\" role=\"img\">\n<title>{}</title>\n\
             <rect width=\"{w}\" height=\"{h}\" fill=\"#ffffff\"/>\n",
            esc(title)
        );
        Svg { buf, tip: None }
    }

    /// Gives the next shape (rect, line, polyline, polygon, circle, path, or the one element a
    /// [`Svg::marker`] draws) a tooltip: an SVG `<title>` child, escaped, which browsers show on
    /// hover. Text elements do not take it; an empty `tip` sets none.
    pub fn tip(&mut self, tip: &str) -> &mut Self {
        self.tip = if tip.is_empty() { None } else { Some(tip.to_string()) };
        self
    }

    /// Closes the element `tag` whose attributes were just written: `/>`, or the pending
    /// tooltip as a `<title>` child.
    fn end(&mut self, tag: &str) {
        match self.tip.take() {
            Some(t) => {
                let _ = writeln!(self.buf, "><title>{}</title></{tag}>", esc(&t));
            }
            None => self.buf.push_str("/>\n"),
        }
    }

    /// `<path>` with path data `d` (built from numbers, never user text) and trusted attributes.
    pub fn path(&mut self, d: &str, extra: &str) {
        if d.is_empty() {
            self.tip = None;
            return;
        }
        let _ = write!(self.buf, "<path d=\"{d}\"{}{extra}", if extra.is_empty() { "" } else { " " });
        self.end("path");
    }

    /// Diagonal hatching (lower-left to upper-right) inside the rectangle (x, y, w, h), lines
    /// `spacing` px apart, as one `<path>`; computed, so it needs no `<pattern>` id and several
    /// charts can share a page.
    #[allow(clippy::too_many_arguments)]
    pub fn hatch(&mut self, x: f64, y: f64, w: f64, h: f64, spacing: f64, stroke: &str, width: f64, extra: &str) {
        let (w, h) = (w.max(0.0), h.max(0.0));
        let spacing = if spacing.is_finite() && spacing > 0.5 { spacing } else { 4.0 };
        let mut d = String::new();
        // lines x' + y' = c (rect-local, y' down) for c in (0, w + h)
        let mut c = spacing;
        while c < w + h && d.len() < 100_000 {
            let (x0, y0) = (c.min(w), c - c.min(w));
            let (x1, y1) = (c - c.min(h), c.min(h));
            let _ = write!(d, "M{} {}L{} {}", n(x + x0), n(y + y0), n(x + x1), n(y + y1));
            c += spacing;
        }
        if d.is_empty() {
            self.tip = None;
            return;
        }
        let extra = format!("fill=\"none\" stroke=\"{stroke}\" stroke-width=\"{}\"{}{extra}", n(width), if extra.is_empty() { "" } else { " " });
        self.path(&d, &extra);
    }

    /// Append raw, already-safe markup (never user text).
    pub fn raw(&mut self, s: &str) {
        self.buf.push_str(s);
    }

    pub fn open_group(&mut self, attrs: &str) {
        let _ = writeln!(self.buf, "<g {attrs}>");
    }

    pub fn close_group(&mut self) {
        self.buf.push_str("</g>\n");
    }

    /// `<rect>`; `extra` is trusted attribute text (colours, classes), never user text.
    pub fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, fill: &str, extra: &str) {
        let _ = write!(
            self.buf,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{fill}\"{}{extra}",
            n(x),
            n(y),
            n(w.max(0.0)),
            n(h.max(0.0)),
            if extra.is_empty() { "" } else { " " }
        );
        self.end("rect");
    }

    #[allow(clippy::too_many_arguments)]
    pub fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, stroke: &str, width: f64, extra: &str) {
        let _ = write!(
            self.buf,
            "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{stroke}\" stroke-width=\"{}\"{}{extra}",
            n(x1),
            n(y1),
            n(x2),
            n(y2),
            n(width),
            if extra.is_empty() { "" } else { " " }
        );
        self.end("line");
    }

    pub fn polyline(&mut self, pts: &[(f64, f64)], stroke: &str, width: f64, extra: &str) {
        if pts.len() < 2 {
            self.tip = None;
            return;
        }
        let p: Vec<String> = pts.iter().map(|(x, y)| format!("{},{}", n(*x), n(*y))).collect();
        let _ = write!(
            self.buf,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{stroke}\" stroke-width=\"{}\" stroke-linejoin=\"round\"{}{extra}",
            p.join(" "),
            n(width),
            if extra.is_empty() { "" } else { " " }
        );
        self.end("polyline");
    }

    pub fn polygon(&mut self, pts: &[(f64, f64)], fill: &str, extra: &str) {
        if pts.len() < 3 {
            self.tip = None;
            return;
        }
        let p: Vec<String> = pts.iter().map(|(x, y)| format!("{},{}", n(*x), n(*y))).collect();
        let _ = write!(
            self.buf,
            "<polygon points=\"{}\" fill=\"{fill}\"{}{extra}",
            p.join(" "),
            if extra.is_empty() { "" } else { " " }
        );
        self.end("polygon");
    }

    pub fn circle(&mut self, cx: f64, cy: f64, r: f64, fill: &str, extra: &str) {
        let _ = write!(
            self.buf,
            "<circle cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"{fill}\"{}{extra}",
            n(cx),
            n(cy),
            n(r),
            if extra.is_empty() { "" } else { " " }
        );
        self.end("circle");
    }

    /// A point marker of the given shape centred at (x, y) with half-size `r`.
    pub fn marker(&mut self, shape: Shape, x: f64, y: f64, r: f64, fill: &str, extra: &str) {
        match shape {
            Shape::Circle => self.circle(x, y, r, fill, extra),
            Shape::Square => {
                let s = r * 0.9;
                self.rect(x - s, y - s, 2.0 * s, 2.0 * s, fill, extra)
            }
            Shape::Diamond => {
                let s = r * 1.3;
                self.polygon(&[(x, y - s), (x + s, y), (x, y + s), (x - s, y)], fill, extra)
            }
            Shape::Triangle => {
                let s = r * 1.25;
                self.polygon(&[(x, y - s), (x + s, y + s * 0.8), (x - s, y + s * 0.8)], fill, extra)
            }
            Shape::TriangleDown => {
                let s = r * 1.25;
                self.polygon(&[(x, y + s), (x + s, y - s * 0.8), (x - s, y - s * 0.8)], fill, extra)
            }
        }
    }

    /// Text with user content: always escaped.
    pub fn text(&mut self, x: f64, y: f64, s: &str, t: Txt) {
        self.text_attrs(x, y, s, t, "");
    }

    /// Text with user content and extra trusted attributes.
    pub fn text_attrs(&mut self, x: f64, y: f64, s: &str, t: Txt, extra: &str) {
        let mut a = format!("x=\"{}\" y=\"{}\" font-size=\"{}\"", n(x), n(y), n(t.size));
        if t.anchor != Anchor::Start {
            let _ = write!(a, " text-anchor=\"{}\"", t.anchor.as_str());
        }
        if t.bold {
            a.push_str(" font-weight=\"bold\"");
        }
        let _ = write!(a, " fill=\"{}\"", t.fill);
        if t.rotate != 0.0 {
            let _ = write!(a, " transform=\"rotate({} {} {})\"", n(t.rotate), n(x), n(y));
        }
        if !extra.is_empty() {
            a.push(' ');
            a.push_str(extra);
        }
        let _ = writeln!(self.buf, "<text {a}>{}</text>", esc(s));
    }

    pub fn finish(mut self) -> String {
        self.buf.push_str("</svg>\n");
        self.buf
    }
}

/// Marker shapes, used with colour so series differ for readers who cannot tell the colours apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    Circle,
    Square,
    Diamond,
    Triangle,
    TriangleDown,
}

pub const SHAPES: [Shape; 5] =
    [Shape::Circle, Shape::Square, Shape::Triangle, Shape::Diamond, Shape::TriangleDown];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_controls() {
        assert_eq!(esc("<a href='x'>&\"</a>"), "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;");
        assert_eq!(esc("a\nEVCXR_END_CONTENT\nb\u{1}"), "a EVCXR_END_CONTENT b");
    }

    #[test]
    fn tooltips_attach_to_the_next_shape_only() {
        let mut s = Svg::new(10.0, 10.0, "t");
        s.tip("trial <1> & \"x\"").circle(1.0, 1.0, 1.0, "#000", "");
        s.rect(0.0, 0.0, 1.0, 1.0, "#000", "");
        s.tip("dropped").polyline(&[(0.0, 0.0)], "#000", 1.0, "");
        s.line(0.0, 0.0, 1.0, 1.0, "#000", 1.0, "");
        s.tip("hatched").hatch(0.0, 0.0, 20.0, 6.0, 4.0, "#000", 1.0, "");
        let out = s.finish();
        assert!(out.contains("<circle cx=\"1\" cy=\"1\" r=\"1\" fill=\"#000\"><title>trial &lt;1&gt; &amp; &quot;x&quot;</title></circle>"), "{out}");
        assert!(out.contains("<rect x=\"0\" y=\"0\" width=\"1\" height=\"1\" fill=\"#000\"/>"));
        assert!(!out.contains("dropped") && out.contains("<line x1=\"0\" y1=\"0\" x2=\"1\" y2=\"1\" stroke=\"#000\" stroke-width=\"1\"/>"));
        assert!(out.contains("<path d=\"M") && out.contains("<title>hatched</title></path>"));
        super::super::testutil::assert_well_formed(&out);
    }

    #[test]
    fn compact_numbers() {
        assert_eq!(n(1.0), "1");
        assert_eq!(n(1.256), "1.26");
        assert_eq!(n(-0.5), "-0.5");
        assert_eq!(n(f64::NAN), "0");
    }

    #[test]
    fn widths_scale_with_size_and_weight() {
        let w = text_width("accuracy", 12.0, false);
        assert!(w > 40.0 && w < 70.0, "{w}");
        assert!(text_width("accuracy", 12.0, true) > w);
        assert!(text_width("accuracy", 24.0, false) > 1.9 * w);
        let t = truncate_to("a very long category label indeed", 12.0, false, 60.0);
        assert!(t.ends_with('…') && text_width(&t, 12.0, false) <= 60.0 + 1e-9);
        let m = truncate_middle("augmentation-policy-12", 12.0, false, 80.0);
        assert!(m.ends_with("-12") && m.contains('…') && text_width(&m, 12.0, false) <= 80.0, "{m}");
        assert_eq!(truncate_middle("ok", 12.0, false, 80.0), "ok");
    }

    #[test]
    fn wraps_into_lines() {
        let w = wrap("one two three four five six seven eight nine ten", 12.0, 80.0, 2);
        assert_eq!(w.len(), 2);
        assert!(w[1].ends_with('…'));
        assert!(w.iter().all(|l| text_width(l, 12.0, false) <= 80.0 + 1e-9));
        assert_eq!(wrap("short", 12.0, 200.0, 2), vec!["short".to_string()]);
        assert!(wrap("", 12.0, 200.0, 2).is_empty());
    }
}
