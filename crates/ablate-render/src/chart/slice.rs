//! Slice plot: small multiples, one panel per parameter, each showing the metric against that
//! parameter with every trial as a point (categorical parameters as jittered columns), the
//! baseline as a vermillion diamond, and optionally a surrogate model's marginal for the
//! parameter as a line with a band. The metric axis is shared, so panels compare directly.

use super::line::XValue;
use super::scale::{self, Scale};
use super::svg::{self, Shape, Svg, Txt};
use super::theme::*;
use super::trials::{jitter, metric_decimals, value_text, MarginalPoint, ParamAxis, Resolved, TrialPoint};
use super::{Better, Chart};

/// Slice plot of a study: one panel per parameter.
#[derive(Clone, Debug, PartialEq)]
pub struct SlicePlot {
    /// Title; empty means `"<metric> against each parameter"`.
    pub title: String,
    /// Name of the metric (the shared y axis).
    pub metric: String,
    /// Which direction of the metric is better, if known (subtitle).
    pub better: Option<Better>,
    /// One panel per axis, in this order (e.g. by importance).
    pub axes: Vec<ParamAxis>,
    /// The trials; `values[i]` belongs to `axes[i]`.
    pub trials: Vec<TrialPoint>,
    /// Surrogate marginals by parameter name: drawn as a line with a band (numeric axes) or
    /// a mean tick over a band per level (categorical axes).
    pub marginals: Vec<(String, Vec<MarginalPoint>)>,
    /// How the marginal's band is described in the legend, e.g. "±1 sd over trees".
    pub band_label: String,
    /// Panels per row (at least 1).
    pub columns: usize,
    /// Footnote under the chart.
    pub note: String,
    /// Width of the SVG in pixels.
    pub width: f64,
    /// Height of one row of panels in pixels.
    pub panel_height: f64,
}

impl SlicePlot {
    /// An empty slice plot of `metric`, three panels per row.
    pub fn new(metric: impl Into<String>) -> Self {
        SlicePlot {
            title: String::new(),
            metric: metric.into(),
            better: None,
            axes: Vec::new(),
            trials: Vec::new(),
            marginals: Vec::new(),
            band_label: "band".into(),
            columns: 3,
            note: String::new(),
            width: 900.0,
            panel_height: 230.0,
        }
    }
    /// Sets the surrogate marginal of parameter `param` (its points in any order).
    pub fn marginal(mut self, param: impl Into<String>, points: Vec<MarginalPoint>) -> Self {
        let param = param.into();
        self.marginals.retain(|(p, _)| *p != param);
        self.marginals.push((param, points));
        self
    }
    /// Sets how the marginal's band is described in the legend.
    pub fn band_label(mut self, label: impl Into<String>) -> Self {
        self.band_label = label.into();
        self
    }
    /// Sets the number of panels per row.
    pub fn columns(mut self, columns: usize) -> Self {
        self.columns = columns.max(1);
        self
    }
    /// Sets the width and the height of one row of panels, in pixels.
    pub fn size(mut self, width: f64, panel_height: f64) -> Self {
        self.width = width;
        self.panel_height = panel_height;
        self
    }

    fn marginal_of(&self, param: &str) -> Option<&[MarginalPoint]> {
        self.marginals.iter().find(|(p, _)| p == param).map(|(_, m)| m.as_slice())
    }
}

/// Space between panels.
const GAP: f64 = 22.0;

impl Chart for SlicePlot {
    fn to_svg(&self) -> String {
        let w = super::size_or(self.width, 900.0, 320.0);
        let panel_h = super::size_or(self.panel_height, 230.0, 140.0);
        let k = self.axes.len();
        let n = self.trials.len();
        let title = if self.title.is_empty() { format!("{} against each parameter", self.metric) } else { self.title.clone() };
        let mut sub = String::from("each point a trial");
        if self.axes.iter().any(|a| matches!(a.scale, super::trials::AxisScale::Categorical(_))) {
            sub.push_str(" (jittered within categories)");
        }
        let has_marginal = self.axes.iter().any(|a| self.marginal_of(&a.name).is_some_and(|m| !m.is_empty()));
        if has_marginal {
            sub.push_str("; line: the surrogate's marginal");
        }
        if let Some(b) = self.better {
            sub.push_str(" · ");
            sub.push_str(b.phrase());
        }
        let cols = self.columns.clamp(1, k.max(1));
        let rows = k.div_ceil(cols).max(1);
        let head = super::header_height(&sub);
        let no_metric = self.trials.iter().filter(|t| !t.metric.is_finite()).count();
        let mut note = self.note.clone();
        if no_metric > 0 {
            let m = format!("{no_metric} trial{} without a finite {} not shown", if no_metric == 1 { "" } else { "s" }, self.metric);
            note = if note.is_empty() { m } else { format!("{m}. {note}") };
        }
        let note_h = super::note_height(&note, w);
        let legend_h = 24.0;
        if k == 0 || (n == 0 && !has_marginal) {
            let h = head + 160.0 + note_h + PAD;
            let mut s = Svg::new(w, h, &title);
            super::draw_header(&mut s, w, &title, &sub);
            let msg = if k == 0 { "no parameters to show" } else { "no trials to show yet" };
            super::draw_empty(&mut s, (PAD, head, w - PAD, h - PAD - note_h), msg);
            super::draw_note(&mut s, w, h, &note);
            return s.finish();
        }
        let h = head + legend_h + rows as f64 * panel_h + (rows - 1) as f64 * GAP + note_h + PAD + 4.0;
        let mut s = Svg::new(w, h, &title);
        super::draw_header(&mut s, w, &title, &sub);
        let dec = metric_decimals(self.trials.iter().map(|t| t.metric));

        // legend
        {
            let ly = head + 6.0;
            let mut x = PAD;
            s.circle(x + 5.0, ly, 3.2, MAIN, "fill-opacity=\"0.6\"");
            s.text(x + 14.0, ly + 4.5, "trial", Txt::new(LEGEND_SIZE));
            x += 14.0 + svg::text_width("trial", LEGEND_SIZE, false) + 18.0;
            if self.trials.iter().any(|t| t.baseline) {
                s.marker(Shape::Diamond, x + 5.0, ly, 5.0, BASELINE, "stroke=\"#fff\" stroke-width=\"1\"");
                s.text(x + 14.0, ly + 4.5, "baseline", Txt::new(LEGEND_SIZE));
                x += 14.0 + svg::text_width("baseline", LEGEND_SIZE, false) + 18.0;
            }
            if has_marginal {
                s.rect(x, ly - 6.0, 22.0, 12.0, MARGINAL, "fill-opacity=\"0.13\"");
                s.line(x, ly, x + 22.0, ly, MARGINAL, 2.0, "");
                let t = format!("surrogate marginal, {}", self.band_label);
                let t = svg::truncate_to(&t, LEGEND_SIZE, false, (w - PAD - x - 30.0).max(40.0));
                s.text(x + 30.0, ly + 4.5, &t, Txt::new(LEGEND_SIZE));
            }
        }

        // the shared metric axis
        let (lo, hi, span) = super::value_range(
            self.trials
                .iter()
                .map(|t| t.metric)
                .chain(self.marginals.iter().flat_map(|(_, m)| m.iter().flat_map(|p| [p.mean, p.lo, p.hi]))),
        );
        let (ylo, yhi, yticks, ystep) = scale::nice_domain(lo - span * 0.03, hi + span * 0.03, 4);
        let ydec = scale::decimals_for_step(ystep);
        let left = PAD + LABEL_SIZE + 12.0 + super::y_label_width(&yticks, ydec) + 8.0;
        let right = w - PAD;
        let pw = ((right - left - GAP * (cols - 1) as f64) / cols as f64).max(60.0);
        let top0 = head + legend_h;

        let opacity = if n <= 50 { 0.75 } else { (9.0 / (n as f64).sqrt()).clamp(0.25, 0.75) };
        let r = if n <= 200 { 3.2 } else { 2.5 };
        for (i, axis) in self.axes.iter().enumerate() {
            let (c, row) = (i % cols, i / cols);
            let px0 = left + c as f64 * (pw + GAP);
            let px1 = px0 + pw;
            let ptop = top0 + row as f64 * (panel_h + GAP);
            // panel: name row, plot, tick labels
            let plot_top = ptop + TICK_SIZE + 8.0;
            let plot_bottom = ptop + panel_h - TICK_SIZE - 12.0;
            let ysc = Scale::linear(ylo, yhi, plot_bottom, plot_top);
            let marginal = self.marginal_of(&axis.name).unwrap_or(&[]);
            let res = Resolved::new(&axis.scale, self.trials.iter().map(|t| t.value(i)).chain(marginal.iter().map(|m| Some(&m.x))));
            let (x0, x1) = (px0 + 8.0, px1 - 8.0);
            let xsc = Scale::linear(0.0, 1.0, x0, x1);

            s.open_group("class=\"panel\"");
            // frame: y grid, labels in the first column, the x axis
            for &t in &yticks {
                let y = ysc.map(t);
                s.line(px0, y, px1, y, GRID, 1.0, "");
                if c == 0 {
                    s.text(px0 - 7.0, y + TICK_SIZE * 0.35, &scale::fmt_num(t, ydec), Txt::new(TICK_SIZE).end().fill(MUTED));
                }
            }
            s.line(px0, plot_bottom, px1, plot_bottom, AXIS, 1.0, "");
            s.line(px0, plot_top, px0, plot_bottom, AXIS, 1.0, "");
            let txs: Vec<f64> = res.ticks.iter().map(|(f, _)| xsc.map(*f)).collect();
            let tl: Vec<String> = res.ticks.iter().map(|(_, l)| l.clone()).collect();
            let room = if res.slots() > 0 { pw / res.slots() as f64 - 4.0 } else { 90.0 };
            let tl: Vec<String> = tl.iter().map(|l| svg::truncate_middle(l, TICK_SIZE, false, room.max(18.0))).collect();
            let widths: Vec<f64> = tl.iter().map(|l| svg::text_width(l, TICK_SIZE, false)).collect();
            let keep = scale::thin(&txs, &widths, 6.0, &[]);
            for (j, l) in tl.iter().enumerate() {
                if keep[j] {
                    s.line(txs[j], plot_bottom, txs[j], plot_bottom + 4.0, AXIS, 1.0, "");
                    s.text(txs[j], plot_bottom + 6.0 + TICK_SIZE, l, Txt::new(TICK_SIZE).middle().fill(MUTED));
                }
            }
            let name = svg::truncate_middle(&axis.name, TICK_SIZE, true, pw * 0.7);
            s.text_attrs(px0, ptop + TICK_SIZE, &name, Txt::new(TICK_SIZE).bold(), "class=\"panel-name\"");
            let na = self.trials.iter().enumerate().filter(|(_, t)| t.metric.is_finite() && res.frac(t.value(i)).is_none()).count();
            if na > 0 {
                s.text(px1, ptop + TICK_SIZE, &format!("{na} n/a"), Txt::new(TICK_SIZE - 1.0).end().fill(MUTED));
            }

            // the marginal's band under the points
            let slot_px = if res.slots() > 0 { (x1 - x0) / res.slots() as f64 } else { 0.0 };
            let mut mpts: Vec<(f64, &MarginalPoint)> = marginal
                .iter()
                .filter(|m| m.mean.is_finite())
                .filter_map(|m| res.frac(Some(&m.x)).map(|f| (xsc.map(f), m)))
                .collect();
            mpts.sort_by(|a, b| a.0.total_cmp(&b.0));
            let band_ok = |m: &MarginalPoint| m.lo.is_finite() && m.hi.is_finite();
            if res.slots() == 0 {
                let banded: Vec<&(f64, &MarginalPoint)> = mpts.iter().filter(|(_, m)| band_ok(m)).collect();
                let mut poly: Vec<(f64, f64)> = banded.iter().map(|(x, m)| (*x, ysc.map(m.hi.max(m.lo)))).collect();
                poly.extend(banded.iter().rev().map(|(x, m)| (*x, ysc.map(m.lo.min(m.hi)))));
                s.tip(&format!("surrogate marginal of {}: {}", axis.name, self.band_label));
                s.polygon(&poly, MARGINAL, "fill-opacity=\"0.16\" class=\"band\"");
            } else {
                for (x, m) in mpts.iter().filter(|(_, m)| band_ok(m)) {
                    let (ya, yb) = (ysc.map(m.hi.max(m.lo)), ysc.map(m.lo.min(m.hi)));
                    s.tip(&marginal_tip(&axis.name, m, dec));
                    s.rect(x - slot_px * 0.35, ya, slot_px * 0.7, yb - ya, MARGINAL, "fill-opacity=\"0.16\" class=\"band\"");
                }
            }

            // trials
            s.open_group(&format!("fill=\"{MAIN}\" fill-opacity=\"{}\" class=\"trials\"", svg::n(opacity)));
            let mut bases: Vec<(f64, f64, &TrialPoint)> = Vec::new();
            for (ti, t) in self.trials.iter().enumerate() {
                let Some(f) = res.frac(t.value(i)) else { continue };
                if !t.metric.is_finite() {
                    continue;
                }
                let (x, y) = (xsc.map(f), ysc.map(t.metric));
                if t.baseline {
                    bases.push((x, y, t));
                    continue;
                }
                let dx = if res.slots() > 0 { jitter(ti, i) * (slot_px * 0.6).min(40.0) } else { 0.0 };
                s.tip(&point_tip(t, &axis.name, t.value(i), &self.metric, dec));
                s.circle(x + dx, y, r, MAIN, "class=\"trial\"");
            }
            s.close_group();

            // the marginal's line (or level ticks) over the points
            if res.slots() == 0 {
                let line: Vec<(f64, f64)> = mpts.iter().map(|(x, m)| (*x, ysc.map(m.mean))).collect();
                s.tip(&format!("surrogate marginal of {} ({} points)", axis.name, line.len()));
                s.polyline(&line, MARGINAL, 2.0, "class=\"marginal\"");
            } else {
                for (x, m) in &mpts {
                    let y = ysc.map(m.mean);
                    s.tip(&marginal_tip(&axis.name, m, dec));
                    s.line(x - slot_px * 0.35, y, x + slot_px * 0.35, y, MARGINAL, 2.2, "class=\"marginal\"");
                }
            }
            for (x, y, t) in bases {
                s.tip(&point_tip(t, &axis.name, t.value(i), &self.metric, dec));
                s.marker(Shape::Diamond, x, y, 5.5, BASELINE, "stroke=\"#fff\" stroke-width=\"1.2\" class=\"baseline\"");
            }
            s.close_group();
        }

        // the shared y axis title, centred on the panels
        let (t, b) = (top0, top0 + rows as f64 * panel_h + (rows - 1) as f64 * GAP);
        let yt = svg::truncate_to(&self.metric, LABEL_SIZE, false, b - t);
        s.text(PAD + LABEL_SIZE, (t + b) / 2.0, &yt, Txt::new(LABEL_SIZE).middle().rotate(-90.0));
        super::draw_note(&mut s, w, h, &note);
        s.finish()
    }
}

/// The marginal's colour: near-black, apart from the blue points and the vermillion baseline.
const MARGINAL: &str = "#222222";

/// A point's tooltip: configuration, trial, this parameter's value and the metric.
fn point_tip(t: &TrialPoint, param: &str, v: Option<&XValue>, metric: &str, dec: usize) -> String {
    let mut s = String::new();
    if !t.label.is_empty() {
        s.push_str(&t.label);
        s.push_str(" · ");
    }
    if t.baseline {
        s.push_str("baseline · ");
    }
    format!("{s}trial {} · {param} = {} · {metric} = {}", t.id, value_text(v), scale::fmt_num(t.metric, dec))
}

/// A categorical marginal's tooltip: level, mean and band.
fn marginal_tip(param: &str, m: &MarginalPoint, dec: usize) -> String {
    format!(
        "surrogate marginal at {param} = {}: {} [{}, {}]",
        value_text(Some(&m.x)),
        scale::fmt_num(m.mean, dec),
        scale::fmt_num(m.lo, dec),
        scale::fmt_num(m.hi, dec)
    )
}

super::chart_setters!(SlicePlot, better);
super::trials::trial_setters!(SlicePlot, "parameter (a panel)", "parameters (panels), in order");

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::*;

    fn plot(n: usize) -> SlicePlot {
        let mut p = SlicePlot::new("accuracy")
            .better(Better::Higher)
            .axis(ParamAxis::log("lr"))
            .axis(ParamAxis::categorical("optimizer", ["sgd", "adam"]))
            .axis(ParamAxis::linear("momentum"));
        for i in 0..n {
            let lr = 10f64.powf(-4.0 + 3.0 * (i % 13) as f64 / 12.0);
            let t = TrialPoint::new(i.to_string(), 0.5 + 0.04 * (i % 9) as f64).label(format!("cfg{i}")).num(lr);
            let t = if i % 2 == 0 { t.cat("adam").missing() } else { t.cat("sgd").num(0.1 * (i % 10) as f64) };
            p = p.trial(t);
        }
        p.trial(TrialPoint::new("b", 0.7).num(1e-3).cat("adam").missing().baseline())
    }

    fn cxs(svg: &str, class: &str) -> Vec<f64> {
        svg.lines()
            .filter(|l| l.contains(&format!("class=\"{class}\"")) && l.starts_with("<circle"))
            .map(|l| l.split("cx=\"").nth(1).unwrap().split('"').next().unwrap().parse().unwrap())
            .collect()
    }

    #[test]
    fn one_panel_per_parameter_and_one_point_per_placed_trial() {
        let svg = plot(20).to_svg();
        assert_well_formed(&svg);
        assert_eq!(count(&svg, "class=\"panel\""), 3);
        // lr and optimizer: all 20; momentum: the 10 sgd trials
        assert_eq!(cxs(&svg, "trial").len(), 20 + 20 + 10);
        assert_eq!(count(&svg, "class=\"baseline\""), 2, "the baseline is n/a on momentum");
        assert!(svg.contains(">11 n/a<"), "ten adam trials and the baseline");
        assert!(svg.contains("<title>cfg3 · trial 3 · lr = "));
        assert!(svg.contains(">lr<") && svg.contains(">optimizer<") && svg.contains(">momentum<"));
    }

    #[test]
    fn categories_are_jittered_columns_and_log_x_spaces_decades_evenly() {
        let p = SlicePlot::new("m")
            .axis(ParamAxis::categorical("opt", ["a", "b"]))
            .axis(ParamAxis::log("lr"))
            .trials((0..40).map(|i| TrialPoint::new(i.to_string(), i as f64).cat(if i < 20 { "a" } else { "b" }).num(10f64.powi(-(i % 3)))).collect())
            .columns(2);
        let svg = p.to_svg();
        let xs = cxs(&svg, "trial");
        let (cat, lr) = xs.split_at(40);
        let (a, b) = cat.split_at(20);
        let spread = |v: &[f64]| v.iter().cloned().fold(f64::NEG_INFINITY, f64::max) - v.iter().cloned().fold(f64::INFINITY, f64::min);
        assert!(spread(a) > 5.0 && spread(a) < 100.0, "jittered: {}", spread(a));
        assert!(a.iter().cloned().fold(f64::NEG_INFINITY, f64::max) < b.iter().cloned().fold(f64::INFINITY, f64::min), "columns apart");
        let mut u: Vec<f64> = lr.to_vec();
        u.sort_by(f64::total_cmp);
        u.dedup();
        assert_eq!(u.len(), 3);
        assert!(((u[1] - u[0]) - (u[2] - u[1])).abs() < 0.1, "{u:?}");
        assert!(svg.contains(">0.01<") && svg.contains(">1<"));
    }

    #[test]
    fn marginals_draw_a_line_with_a_band_or_level_ticks() {
        let p = plot(10)
            .marginal("lr", (0..=6).map(|j| {
                let x = 10f64.powf(-4.0 + 0.5 * j as f64);
                MarginalPoint::num(x, 0.6, 0.55, 0.65)
            }).collect())
            .marginal("optimizer", vec![MarginalPoint::cat("sgd", 0.6, 0.5, 0.7), MarginalPoint::cat("adam", 0.7, 0.6, 0.8)])
            .marginal("momentum", vec![MarginalPoint::num(f64::NAN, f64::NAN, 0.0, 1.0)]);
        let svg = p.to_svg();
        assert_well_formed(&svg);
        assert_eq!(count(&svg, "<polyline"), 1);
        assert_eq!(count(&svg, "class=\"band\""), 1 + 2);
        assert_eq!(count(&svg, "class=\"marginal\""), 1 + 2);
        assert!(svg.contains("surrogate marginal at optimizer = adam: 0.700 [0.600, 0.800]"), "{}", svg.lines().find(|l| l.contains("surrogate marginal at")).unwrap_or(""));
    }

    #[test]
    fn escapes_user_text() {
        let p = SlicePlot::new(NASTY_PARAM)
            .title(NASTY_PARAM)
            .note(NASTY_LEVEL)
            .band_label(NASTY_LEVEL)
            .axis(ParamAxis::categorical(NASTY_PARAM, [NASTY_LEVEL]))
            .trial(TrialPoint::new("<script>&\"", 1.0).label(NASTY_LEVEL).cat(NASTY_LEVEL))
            .marginal(NASTY_PARAM, vec![MarginalPoint::cat(NASTY_LEVEL, 1.0, 0.5, 1.5)]);
        let svg = p.to_svg();
        assert_escaped(&svg);
        assert!(svg.contains("trial &lt;script&gt;&amp;&quot;"));
    }

    #[test]
    fn empty_one_and_degenerate_inputs_render() {
        let none = SlicePlot::new("m").to_svg();
        assert_well_formed(&none);
        assert!(none.contains("no parameters to show"));
        let empty = SlicePlot::new("m").axis(ParamAxis::linear("x")).to_svg();
        assert!(empty.contains("no trials to show yet") && empty.contains("class=\"empty\""));
        let one = SlicePlot::new("m").axis(ParamAxis::log("x")).trial(TrialPoint::new("1", 0.5).num(3.0)).to_svg();
        assert_well_formed(&one);
        assert_eq!(cxs(&one, "trial").len(), 1);
        let odd = SlicePlot::new("m")
            .axis(ParamAxis::log("x"))
            .axis(ParamAxis::categorical("c", Vec::<String>::new()))
            .trials(vec![
                TrialPoint::new("a", f64::NAN).num(1.0).cat("x"),
                TrialPoint::new("b", 1.0).num(-2.0),
                TrialPoint::new("c", f64::INFINITY).num(f64::NAN).num(2.0),
            ])
            .columns(0)
            .size(f64::NAN, f64::INFINITY);
        let svg = odd.to_svg();
        assert_well_formed(&svg);
        assert!(svg.contains("2 trials without a finite m not shown"));
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
    }
}
