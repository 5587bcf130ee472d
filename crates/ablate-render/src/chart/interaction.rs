//! Interaction plot: levels of parameter A on the x axis (evenly spaced), one line per level of
//! parameter B, means with CI whiskers, colour and marker shape per line, legend on the right.
//! Parallel lines mean no interaction; crossing or diverging lines mean the effect of A depends
//! on B.

use super::scale::{self, Scale};
use super::svg::{self, Svg, Txt, SHAPES};
use super::theme::*;
use super::{Better, Chart, MeanCi};

/// One line: a level of the second parameter, with one estimate per level of the first
/// (`None` where the grid has no result).
#[derive(Clone, Debug, PartialEq)]
pub struct InteractionLine {
    /// Label shown for this item (component name, line legend entry).
    pub label: String,
    /// One estimate per x level (`None` where the grid has no result).
    pub points: Vec<Option<MeanCi>>,
}

impl InteractionLine {
    /// A line labelled `label` through `points`.
    pub fn new(label: impl Into<String>, points: Vec<Option<MeanCi>>) -> Self {
        InteractionLine { label: label.into(), points }
    }
}

/// Interaction plot: the metric against one parameter, one line per level of another.
#[derive(Clone, Debug, PartialEq)]
pub struct InteractionPlot {
    /// Title; empty means `"<metric>: <x_param> × <line_param>"`.
    pub title: String,
    /// Parameter on the x axis.
    pub x_param: String,
    /// Parameter whose levels are the lines.
    pub line_param: String,
    /// Name of the metric (axis label and title).
    pub metric: String,
    /// Which direction of the metric is better, if known (colours, sorting, subtitle).
    pub better: Option<Better>,
    /// Labels of the x-axis levels, in order.
    pub x_levels: Vec<String>,
    /// One line per level of `line_param`.
    pub lines: Vec<InteractionLine>,
    /// How the interval is described, e.g. "95% CI".
    pub ci_label: String,
    /// Footnote under the chart, e.g. what the stars mean.
    pub note: String,
    /// Width of the SVG in pixels.
    pub width: f64,
    /// Height of the SVG in pixels.
    pub height: f64,
}

impl InteractionPlot {
    /// An interaction plot of `metric` against `x_param` (levels `x_levels`), one line per level of `line_param`.
    pub fn new(x_param: impl Into<String>, line_param: impl Into<String>, metric: impl Into<String>, x_levels: Vec<String>) -> Self {
        InteractionPlot {
            title: String::new(),
            x_param: x_param.into(),
            line_param: line_param.into(),
            metric: metric.into(),
            better: None,
            x_levels,
            lines: Vec::new(),
            ci_label: "95% CI".into(),
            note: String::new(),
            width: 720.0,
            height: 440.0,
        }
    }
    /// Adds a line.
    pub fn line(mut self, l: InteractionLine) -> Self {
        self.lines.push(l);
        self
    }
}

impl Chart for InteractionPlot {
    fn to_svg(&self) -> String {
        let (w, h) = (self.width.max(300.0), self.height.max(220.0));
        let title = if self.title.is_empty() {
            format!("{}: {} × {}", self.metric, self.x_param, self.line_param)
        } else {
            self.title.clone()
        };
        let mut sub = format!("mean with {} per level of {}", self.ci_label, self.line_param);
        if let Some(b) = self.better {
            sub.push_str(" · ");
            sub.push_str(b.phrase());
        }
        let mut s = Svg::new(w, h, &title);
        let top = super::draw_header(&mut s, w, &title, &sub) + 8.0;

        let nx = self.x_levels.len().max(self.lines.iter().map(|l| l.points.len()).max().unwrap_or(0));
        let (lo, hi, span) =
            super::value_range(self.lines.iter().flat_map(|l| l.points.iter().flatten()).flat_map(|e| [e.mean, e.lo(), e.hi()]));
        let (ylo, yhi, yticks, ystep) = scale::nice_domain(lo - span * 0.04, hi + span * 0.04, 5);
        let ydec = scale::decimals_for_step(ystep);

        // legend on the right
        let legend_labels: Vec<String> = self.lines.iter().map(|l| svg::truncate_middle(&l.label, LEGEND_SIZE, false, 150.0)).collect();
        let lt = svg::truncate_to(&self.line_param, LEGEND_SIZE, true, 170.0);
        let legend_w = legend_labels
            .iter()
            .map(|l| 34.0 + svg::text_width(l, LEGEND_SIZE, false))
            .fold(svg::text_width(&lt, LEGEND_SIZE, true), f64::max)
            + 12.0;
        let left = PAD + LABEL_SIZE + 12.0 + super::y_label_width(&yticks, ydec) + 8.0;
        let right = w - PAD - legend_w - 8.0;

        let xsc = Scale::linear(-0.5, nx.max(1) as f64 - 0.5, left, right);
        let xs: Vec<f64> = (0..nx).map(|i| xsc.map(i as f64)).collect();
        let labels: Vec<String> = (0..nx).map(|i| self.x_levels.get(i).cloned().unwrap_or_default()).collect();
        let xl = super::layout_x_labels(&labels, &xs, &vec![false; nx], 140.0, PAD, (h - top) * 0.3);
        let bottom = h - PAD - super::note_height(&self.note, w) - LABEL_SIZE - 10.0 - xl.height;
        let ysc = Scale::linear(ylo, yhi, bottom, top);

        super::draw_axes(&mut s, &ysc, &yticks, ydec, (left, right, top, bottom), &xl, &xs);

        // dodge lines horizontally so whiskers do not sit on top of each other
        let k = self.lines.len();
        let slot = if nx > 0 { (right - left) / nx as f64 } else { 0.0 };
        let dodge = if k > 1 { (slot * 0.3 / (k - 1) as f64).min(8.0) } else { 0.0 };
        for (li, line) in self.lines.iter().enumerate() {
            let col = series_color(li);
            let shape = SHAPES[li % SHAPES.len()];
            let dx = (li as f64 - (k as f64 - 1.0) / 2.0) * dodge;
            s.open_group(&format!("class=\"series\" stroke=\"{col}\" fill=\"{col}\""));
            let pts: Vec<(usize, &MeanCi)> = line.points.iter().enumerate().filter_map(|(i, e)| e.as_ref().filter(|e| e.mean.is_finite()).map(|e| (i, e))).collect();
            // polyline breaks at missing levels
            let mut run: Vec<(f64, f64)> = Vec::new();
            let mut prev: Option<usize> = None;
            for &(i, e) in &pts {
                if prev.is_some_and(|p| p + 1 != i) {
                    s.polyline(&run, col, 2.0, "");
                    run.clear();
                }
                run.push((xs[i] + dx, ysc.map(e.mean)));
                prev = Some(i);
            }
            s.polyline(&run, col, 2.0, "");
            for &(i, e) in &pts {
                let x = xs[i] + dx;
                if let Some((a, b)) = e.ci {
                    let (ya, yb) = (ysc.map(a), ysc.map(b));
                    s.line(x, ya, x, yb, col, 1.4, "");
                    s.line(x - 4.0, ya, x + 4.0, ya, col, 1.4, "");
                    s.line(x - 4.0, yb, x + 4.0, yb, col, 1.4, "");
                }
                s.marker(shape, x, ysc.map(e.mean), 4.5, col, "stroke=\"#fff\" stroke-width=\"1\" class=\"point\"");
            }
            s.close_group();
        }

        // legend
        let lx = right + 18.0;
        let mut ly = top + 4.0;
        s.text(lx, ly + LEGEND_SIZE * 0.8, &lt, Txt::new(LEGEND_SIZE).bold());
        ly += LEGEND_SIZE + 12.0;
        for (li, l) in legend_labels.iter().enumerate() {
            let col = series_color(li);
            s.line(lx, ly, lx + 24.0, ly, col, 2.0, "");
            s.marker(SHAPES[li % SHAPES.len()], lx + 12.0, ly, 4.5, col, "stroke=\"#fff\" stroke-width=\"1\"");
            s.text_attrs(lx + 32.0, ly + 4.5, l, Txt::new(LEGEND_SIZE), "class=\"legend-entry\"");
            ly += LEGEND_SIZE + 10.0;
        }

        let xt = svg::truncate_to(&self.x_param, LABEL_SIZE, false, right - left);
        s.text((left + right) / 2.0, bottom + xl.height + LABEL_SIZE + 4.0, &xt, Txt::new(LABEL_SIZE).middle());
        let yt = svg::truncate_to(&self.metric, LABEL_SIZE, false, bottom - top);
        s.text(PAD + LABEL_SIZE, (top + bottom) / 2.0, &yt, Txt::new(LABEL_SIZE).middle().rotate(-90.0));
        super::draw_note(&mut s, w, h, &self.note);
        s.finish()
    }
}

super::chart_setters!(InteractionPlot, better);

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::*;

    #[test]
    fn one_series_per_line_level_with_a_legend() {
        let lv: Vec<String> = ["1e-4", "1e-3", "1e-2"].iter().map(|s| s.to_string()).collect();
        let mut p = InteractionPlot::new("lr", "batch_size", "accuracy", lv);
        for (b, off) in [("32", 0.0), ("64", 0.01), ("128", -0.02)] {
            p = p.line(InteractionLine::new(b, (0..3).map(|i| Some(MeanCi::new(0.6 + off + 0.02 * i as f64, Some((0.58, 0.7))))).collect()));
        }
        let svg = p.to_svg();
        assert_well_formed(&svg);
        assert_eq!(count(&svg, "class=\"series\""), 3);
        assert_eq!(count(&svg, "class=\"point\""), 9);
        assert_eq!(count(&svg, "class=\"legend-entry\""), 3);
        assert!(svg.contains(">batch_size</text>") && svg.contains(">lr</text>"));
    }

    #[test]
    fn missing_points_break_the_line() {
        let p = InteractionPlot::new("a", "b", "m", vec!["1".into(), "2".into(), "3".into()]).line(InteractionLine::new(
            "x",
            vec![Some(MeanCi::new(1.0, None)), None, Some(MeanCi::new(2.0, None))],
        ));
        let svg = p.to_svg();
        assert_eq!(count(&svg, "class=\"point\""), 2);
        assert_eq!(count(&svg, "<polyline"), 0);
    }

    #[test]
    fn escapes_user_text() {
        let p = InteractionPlot::new(NASTY_PARAM, NASTY_LEVEL, NASTY_PARAM, vec![NASTY_LEVEL.into()])
            .title(NASTY_PARAM)
            .line(InteractionLine::new(NASTY_LEVEL, vec![Some(MeanCi::new(1.0, Some((0.5, 1.5))))]));
        assert_escaped(&p.to_svg());
    }
}
