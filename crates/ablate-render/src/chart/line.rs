//! One varied parameter against a metric: mean with a CI band (numeric x) or whiskers
//! (categorical x), each seed as a faint dot, the baseline as a vermillion diamond with a dashed
//! reference line, and optional significance markers above points.

use super::scale::{self, Scale};
use super::svg::{self, Shape, Svg, Txt};
use super::theme::*;
use super::{Better, Chart};

/// An x position: a number (linear or log axis) or a category label (evenly spaced, in order).
#[derive(Clone, Debug, PartialEq)]
pub enum XValue {
    /// A numeric level (linear or log axis).
    Num(f64),
    /// A category label (evenly spaced, in the given order).
    Cat(String),
}

/// One level of the varied parameter.
#[derive(Clone, Debug, PartialEq)]
pub struct LinePoint {
    /// Position on the x axis.
    pub x: XValue,
    /// Tick label; defaults to the number or category.
    pub label: Option<String>,
    /// Mean of the metric over seeds.
    pub mean: f64,
    /// Confidence interval (low, high) of the mean.
    pub ci: Option<(f64, f64)>,
    /// Per-seed values, drawn as faint dots.
    pub seeds: Vec<f64>,
    /// This level is the baseline configuration.
    pub baseline: bool,
    /// Significance marker shown above the point, e.g. "*", "**" ("" for none).
    pub marker: String,
}

impl LinePoint {
    /// A point at numeric level `x` with mean `mean`.
    pub fn num(x: f64, mean: f64) -> Self {
        LinePoint { x: XValue::Num(x), label: None, mean, ci: None, seeds: Vec::new(), baseline: false, marker: String::new() }
    }
    /// A point at category `label` with mean `mean`.
    pub fn cat(label: impl Into<String>, mean: f64) -> Self {
        LinePoint { x: XValue::Cat(label.into()), ..LinePoint::num(0.0, mean) }
    }
    /// Sets the confidence interval (low, high).
    pub fn ci(mut self, lo: f64, hi: f64) -> Self {
        self.ci = Some((lo, hi));
        self
    }
    /// Sets the per-seed values drawn as faint dots.
    pub fn seeds(mut self, seeds: impl Into<Vec<f64>>) -> Self {
        self.seeds = seeds.into();
        self
    }
    /// Marks this point as the baseline configuration.
    pub fn baseline(mut self) -> Self {
        self.baseline = true;
        self
    }
    /// Sets the significance marker shown above the point.
    pub fn marker(mut self, m: impl Into<String>) -> Self {
        self.marker = m.into();
        self
    }
    /// Sets the tick label (default: the number or category).
    pub fn label(mut self, l: impl Into<String>) -> Self {
        self.label = Some(l.into());
        self
    }
    fn tick_label(&self) -> String {
        match (&self.label, &self.x) {
            (Some(l), _) => l.clone(),
            (None, XValue::Cat(c)) => c.clone(),
            (None, XValue::Num(v)) => fmt_level(*v),
        }
    }
}

/// A level value as a short label: 200, 0.5, 0.0003, 1e-5.
pub(crate) fn fmt_level(v: f64) -> String {
    let s = format!("{v}");
    if s.len() > 8 {
        let e = format!("{v:e}");
        if e.len() < s.len() { e } else { s }
    } else {
        s
    }
}

/// Line chart of one parameter against one metric.
#[derive(Clone, Debug, PartialEq)]
pub struct LineChart {
    /// Title; empty means `"<metric> vs <param>"`.
    pub title: String,
    /// Name of the varied parameter (x-axis label).
    pub param: String,
    /// Name of the metric (y-axis label).
    pub metric: String,
    /// Which direction of the metric is better, if known (colours, sorting, subtitle).
    pub better: Option<Better>,
    /// Log-scale x axis (numeric x > 0 only).
    pub log_x: bool,
    /// One point per level, in axis order.
    pub points: Vec<LinePoint>,
    /// How the interval is described in the subtitle, e.g. "95% CI".
    pub ci_label: String,
    /// Footnote, e.g. what the stars mean.
    pub note: String,
    /// Width of the SVG in pixels.
    pub width: f64,
    /// Height of the SVG in pixels.
    pub height: f64,
    /// Join category points with a line too, when their order means something (the steps
    /// of an ablation path); numeric points are always joined.
    pub join_categories: bool,
}

impl LineChart {
    /// A line chart of `metric` against `param`, with no points yet.
    pub fn new(param: impl Into<String>, metric: impl Into<String>) -> Self {
        LineChart {
            title: String::new(),
            param: param.into(),
            metric: metric.into(),
            better: None,
            log_x: false,
            points: Vec::new(),
            ci_label: "95% CI".into(),
            note: String::new(),
            width: 720.0,
            height: 440.0,
            join_categories: false,
        }
    }
    /// Sets the points.
    pub fn points(mut self, p: Vec<LinePoint>) -> Self {
        self.points = p;
        self
    }
    /// Uses a log-scale x axis (numeric levels > 0 only).
    pub fn log_x(mut self, log: bool) -> Self {
        self.log_x = log;
        self
    }
    /// Sets the size in pixels.
    pub fn size(mut self, w: f64, h: f64) -> Self {
        self.width = w;
        self.height = h;
        self
    }

    fn is_categorical(&self) -> bool {
        self.points.iter().any(|p| match p.x {
            XValue::Cat(_) => true,
            XValue::Num(v) => !v.is_finite() || (self.log_x && v <= 0.0),
        })
    }
}

impl Chart for LineChart {
    fn to_svg(&self) -> String {
        let (w, h) = (self.width.max(240.0), self.height.max(200.0));
        let cat = self.is_categorical();
        let log = self.log_x && !cat;
        // order: numeric by x, categories as given
        let mut pts: Vec<&LinePoint> = self.points.iter().collect();
        if !cat {
            pts.sort_by(|a, b| xnum(a).total_cmp(&xnum(b)));
        }
        let title = if self.title.is_empty() { format!("{} vs {}", self.metric, self.param) } else { self.title.clone() };
        let mut sub = format!("mean with {}", self.ci_label);
        if pts.iter().any(|p| !p.seeds.is_empty()) {
            sub.push_str("; dots: individual seeds");
        }
        if let Some(b) = self.better {
            sub.push_str(" · ");
            sub.push_str(b.phrase());
        }
        let mut s = Svg::new(w, h, &title);
        let mut top = super::draw_header(&mut s, w, &title, &sub);

        // legend row
        let base = pts.iter().find(|p| p.baseline).copied();
        {
            let ly = top + 6.0;
            let mut x = PAD;
            if !cat && pts.iter().filter(|p| p.ci.is_some()).count() >= 2 {
                s.rect(x, ly - 6.0, 22.0, 12.0, MAIN, "fill-opacity=\"0.18\"");
                s.line(x, ly, x + 22.0, ly, MAIN, 2.0, "");
            } else {
                s.line(x + 11.0, ly - 7.0, x + 11.0, ly + 7.0, MAIN, 1.6, "");
                s.line(x + 7.0, ly - 7.0, x + 15.0, ly - 7.0, MAIN, 1.6, "");
                s.line(x + 7.0, ly + 7.0, x + 15.0, ly + 7.0, MAIN, 1.6, "");
            }
            s.marker(Shape::Circle, x + 11.0, ly, 4.0, MAIN, "");
            x += 28.0;
            let t = format!("mean ± {}", self.ci_label);
            s.text(x, ly + 4.5, &t, Txt::new(LEGEND_SIZE));
            x += svg::text_width(&t, LEGEND_SIZE, false) + 18.0;
            if let Some(b) = base {
                s.line(x, ly, x + 22.0, ly, REFERENCE, 1.2, "stroke-dasharray=\"4 3\"");
                s.marker(Shape::Diamond, x + 11.0, ly, 5.0, BASELINE, "stroke=\"#fff\" stroke-width=\"1\"");
                let t = format!("baseline ({} = {})", self.param, b.tick_label());
                let t = svg::truncate_to(&t, LEGEND_SIZE, false, w - PAD - x - 28.0);
                s.text(x + 28.0, ly + 4.5, &t, Txt::new(LEGEND_SIZE));
            }
            top = ly + 18.0;
        }

        // y domain
        let (lo, hi, span) = super::value_range(pts.iter().flat_map(|p| {
            [p.mean, p.ci.map_or(p.mean, |c| c.0), p.ci.map_or(p.mean, |c| c.1)].into_iter().chain(p.seeds.iter().copied())
        }));
        let has_markers = pts.iter().any(|p| !p.marker.is_empty());
        let (lo, hi) = (lo - span * 0.04, hi + span * if has_markers { 0.14 } else { 0.04 });
        let (ylo, yhi, yticks, ystep) = scale::nice_domain(lo, hi, 5);
        let ydec = scale::decimals_for_step(ystep);

        let left = PAD + LABEL_SIZE + 12.0 + super::y_label_width(&yticks, ydec) + 8.0;
        let right = w - PAD - 8.0;

        // x positions
        let n = pts.len();
        let xs: Vec<f64> = if cat || n == 0 {
            let sc = Scale::linear(-0.5, n.max(1) as f64 - 0.5, left, right);
            (0..n).map(|i| sc.map(i as f64)).collect()
        } else {
            let (a, b) = (xnum(pts[0]), xnum(pts[n - 1]));
            // inset so end points, their seed dots (drawn right of the mean) and labels fit
            let (r0, r1) = (left + 24.0, right - 28.0);
            let sc = if log {
                Scale::log(a, b, r0, r1)
            } else {
                Scale::linear(a, b, r0, r1)
            };
            pts.iter().map(|p| sc.map(xnum(p))).collect()
        };
        let labels: Vec<String> = pts.iter().map(|p| p.tick_label()).collect();
        let prio: Vec<bool> = pts.iter().map(|p| p.baseline).collect();
        let xl = super::layout_x_labels(&labels, &xs, &prio, 150.0, PAD, (h - top) * 0.3);

        let bottom = h - PAD - super::note_height(&self.note, w) - LABEL_SIZE - 10.0 - xl.height;
        let ysc = Scale::linear(ylo, yhi, bottom, top);

        super::draw_axes(&mut s, &ysc, &yticks, ydec, (left, right, top, bottom), &xl, &xs);

        // baseline reference line
        if let Some(b) = base {
            let y = ysc.map(b.mean);
            s.line(left, y, right, y, REFERENCE, 1.0, "stroke-dasharray=\"5 4\" class=\"baseline-ref\"");
        }

        let with_ci: Vec<usize> = (0..n).filter(|&i| pts[i].ci.is_some()).collect();
        let band = !cat && with_ci.len() >= 2;
        if band {
            let mut poly: Vec<(f64, f64)> = with_ci.iter().map(|&i| (xs[i], ysc.map(pts[i].ci.unwrap().1.max(pts[i].ci.unwrap().0)))).collect();
            poly.extend(with_ci.iter().rev().map(|&i| (xs[i], ysc.map(pts[i].ci.unwrap().0.min(pts[i].ci.unwrap().1)))));
            s.polygon(&poly, MAIN, "fill-opacity=\"0.18\" class=\"ci-band\"");
        } else {
            for &i in &with_ci {
                let (a, b) = pts[i].ci.unwrap();
                let (ya, yb) = (ysc.map(a), ysc.map(b));
                s.line(xs[i], ya, xs[i], yb, MAIN, 1.6, "class=\"ci-whisker\"");
                s.line(xs[i] - 5.0, ya, xs[i] + 5.0, ya, MAIN, 1.6, "");
                s.line(xs[i] - 5.0, yb, xs[i] + 5.0, yb, MAIN, 1.6, "");
            }
        }

        // seeds
        s.open_group(&format!("fill=\"{MAIN}\" fill-opacity=\"0.35\" class=\"seeds\""));
        for (i, p) in pts.iter().enumerate() {
            let k = p.seeds.len();
            let step = if k > 1 { (16.0 / (k - 1) as f64).min(3.0) } else { 0.0 };
            for (j, v) in p.seeds.iter().enumerate() {
                if v.is_finite() {
                    let dx = (j as f64 - (k as f64 - 1.0) / 2.0) * step;
                    s.raw(&format!("<circle cx=\"{}\" cy=\"{}\" r=\"2.6\" class=\"seed\"/>\n", svg::n(xs[i] + dx + 9.0), svg::n(ysc.map(*v))));
                }
            }
        }
        s.close_group();

        if !cat || self.join_categories {
            let line: Vec<(f64, f64)> = (0..n).filter(|&i| pts[i].mean.is_finite()).map(|i| (xs[i], ysc.map(pts[i].mean))).collect();
            s.polyline(&line, MAIN, 2.2, "class=\"mean-line\"");
        }

        for (i, p) in pts.iter().enumerate() {
            if !p.mean.is_finite() {
                continue;
            }
            let y = ysc.map(p.mean);
            if p.baseline {
                s.marker(Shape::Diamond, xs[i], y, 6.0, BASELINE, "stroke=\"#fff\" stroke-width=\"1.2\" class=\"baseline\"");
            } else {
                s.marker(Shape::Circle, xs[i], y, 4.6, MAIN, "stroke=\"#fff\" stroke-width=\"1.2\" class=\"point\"");
            }
            if !p.marker.is_empty() {
                let top_v = p.seeds.iter().copied().filter(|v| v.is_finite()).fold(p.ci.map_or(p.mean, |c| c.0.max(c.1)).max(p.mean), f64::max);
                s.text_attrs(xs[i], ysc.map(top_v) - 6.0, &p.marker, Txt::new(15.0).middle().bold(), "class=\"sig\"");
            }
        }

        // axis titles
        let xt = svg::truncate_to(&self.param, LABEL_SIZE, false, right - left);
        s.text((left + right) / 2.0, bottom + xl.height + LABEL_SIZE + 4.0, &xt, Txt::new(LABEL_SIZE).middle());
        let yt = svg::truncate_to(&self.metric, LABEL_SIZE, false, bottom - top);
        s.text(PAD + LABEL_SIZE, (top + bottom) / 2.0, &yt, Txt::new(LABEL_SIZE).middle().rotate(-90.0));
        super::draw_note(&mut s, w, h, &self.note);
        s.finish()
    }
}

fn xnum(p: &LinePoint) -> f64 {
    match p.x {
        XValue::Num(v) => v,
        XValue::Cat(_) => 0.0,
    }
}

super::chart_setters!(LineChart, better);

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::*;

    fn wine() -> LineChart {
        LineChart::new("n_estimators", "accuracy")
            .better(Better::Higher)
            .points(vec![
                LinePoint::num(50.0, 0.690).ci(0.66, 0.72).seeds([0.67, 0.70, 0.69, 0.71, 0.68]).baseline(),
                LinePoint::num(100.0, 0.695).ci(0.665, 0.725).seeds([0.68, 0.70, 0.70, 0.71, 0.685]),
                LinePoint::num(200.0, 0.705).ci(0.68, 0.73).seeds([0.69, 0.71, 0.72, 0.70, 0.705]).marker("*"),
                LinePoint::num(300.0, 0.70).ci(0.675, 0.725).seeds([0.69, 0.71, 0.70, 0.70, 0.70]),
            ])
    }

    #[test]
    fn one_point_per_level_and_a_baseline_marker() {
        let svg = wine().to_svg();
        assert_well_formed(&svg);
        assert_eq!(count(&svg, "class=\"point\""), 3);
        assert_eq!(count(&svg, "class=\"baseline\""), 1);
        assert_eq!(count(&svg, "class=\"seed\""), 20);
        assert_eq!(count(&svg, "class=\"sig\""), 1);
        assert_eq!(count(&svg, "class=\"ci-band\""), 1);
        assert!(svg.contains("baseline (n_estimators = 50)"));
        assert!(svg.contains("higher is better"));
        for l in ["50", "100", "200", "300"] {
            assert!(svg.contains(&format!(">{l}</text>")), "missing tick {l}");
        }
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"720\" height=\"440\" viewBox=\"0 0 720 440\""));
    }

    #[test]
    fn categorical_axis_uses_whiskers_and_keeps_order() {
        let c = LineChart::new("optimizer", "loss").better(Better::Lower).points(vec![
            LinePoint::cat("sgd", 0.9).ci(0.8, 1.0),
            LinePoint::cat("adam", 0.5).ci(0.45, 0.55).baseline(),
            LinePoint::cat("adamw", 0.48).ci(0.44, 0.52),
        ]);
        let svg = c.to_svg();
        assert_well_formed(&svg);
        assert_eq!(count(&svg, "class=\"ci-whisker\""), 3);
        assert!(!svg.contains("ci-band") && !svg.contains("mean-line"));
        let (a, b, d) = (svg.find(">sgd<").unwrap(), svg.find(">adam<").unwrap(), svg.find(">adamw<").unwrap());
        assert!(a < b && b < d);
    }

    #[test]
    fn log_axis_spaces_decades_evenly() {
        let c = LineChart::new("lr", "accuracy").log_x(true).points(vec![
            LinePoint::num(1e-4, 0.5),
            LinePoint::num(1e-3, 0.6),
            LinePoint::num(1e-2, 0.7),
        ]);
        let svg = c.to_svg();
        let xs: Vec<f64> = svg
            .lines()
            .filter(|l| l.contains("class=\"point\""))
            .map(|l| l.split("cx=\"").nth(1).unwrap().split('"').next().unwrap().parse().unwrap())
            .collect();
        assert_eq!(xs.len(), 3);
        assert!(((xs[1] - xs[0]) - (xs[2] - xs[1])).abs() < 0.1, "{xs:?}");
        assert!(svg.contains(">0.0001<"));
    }

    #[test]
    fn many_long_categories_are_rotated_or_thinned() {
        let pts = (0..40).map(|i| LinePoint::cat(format!("category-{i}-long"), i as f64)).collect();
        let svg = LineChart::new("p", "m").points(pts).to_svg();
        assert_well_formed(&svg);
        assert!(svg.contains("rotate(-40"));
    }

    #[test]
    fn escapes_user_text() {
        let c = LineChart::new(NASTY_PARAM, NASTY_LEVEL)
            .title(NASTY_PARAM)
            .note(NASTY_LEVEL)
            .points(vec![LinePoint::cat(NASTY_LEVEL, 1.0).baseline().marker("<b>"), LinePoint::cat("x", 2.0)]);
        let svg = c.to_svg();
        assert_escaped(&svg);
        assert!(svg.contains("a&amp;&quot;&#39;&lt;&gt;b"));
    }

    #[test]
    fn empty_and_degenerate_inputs_still_render() {
        assert_well_formed(&LineChart::new("p", "m").to_svg());
        let one = LineChart::new("p", "m").points(vec![LinePoint::num(1.0, f64::NAN), LinePoint::num(1.0, 2.0)]);
        assert_well_formed(&one.to_svg());
    }
}
