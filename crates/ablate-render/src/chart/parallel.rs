//! Parallel coordinates: one vertical axis per parameter (in the given order, e.g. by
//! importance) and a last one for the metric; one thin, semi-transparent polyline per trial,
//! coloured by the metric on a sequential scale (darker = better, the best drawn on top); the
//! baseline thick and vermillion over everything. Categorical and component axes show their
//! levels as ticks (lines jittered a little around each level, so bundles show their size);
//! a trial without a value on an axis (an inactive parameter) passes through the axis' "n/a"
//! slot below its end.

use super::line::XValue;
use super::scale::{self, Scale};
use super::svg::{self, Svg, Txt, HALO};
use super::theme::*;
use super::trials::{jitter, metric_decimals, ParamAxis, Resolved, TrialPoint};
use super::{Better, Chart};

/// Parallel-coordinates plot of a study's trials.
#[derive(Clone, Debug, PartialEq)]
pub struct ParallelCoordinates {
    /// Title; empty means `"<metric> across <n> trials"`.
    pub title: String,
    /// Name of the metric (the last axis, and the lines' colour).
    pub metric: String,
    /// Which direction of the metric is better, if known: the darkest colour, drawn on top.
    /// Unknown: darker is higher.
    pub better: Option<Better>,
    /// Parameter axes, left to right.
    pub axes: Vec<ParamAxis>,
    /// The trials; `values[i]` belongs to `axes[i]`.
    pub trials: Vec<TrialPoint>,
    /// Footnote under the chart.
    pub note: String,
    /// Width of the SVG in pixels.
    pub width: f64,
    /// Height of the SVG in pixels.
    pub height: f64,
}

impl ParallelCoordinates {
    /// An empty plot of `metric`, with no axes or trials yet.
    pub fn new(metric: impl Into<String>) -> Self {
        ParallelCoordinates {
            title: String::new(),
            metric: metric.into(),
            better: None,
            axes: Vec::new(),
            trials: Vec::new(),
            note: String::new(),
            width: 900.0,
            height: 480.0,
        }
    }
    /// Sets the size in pixels.
    pub fn size(mut self, w: f64, h: f64) -> Self {
        self.width = w;
        self.height = h;
        self
    }
    /// Orders the axes by `scores` (one per axis, e.g. importance), highest first, moving
    /// every trial's values with them; axes without a finite score go last, in their order.
    pub fn order_axes(mut self, scores: &[f64]) -> Self {
        let key = |i: usize| scores.get(i).copied().filter(|s| s.is_finite());
        let mut order: Vec<usize> = (0..self.axes.len()).collect();
        order.sort_by(|&a, &b| match (key(a), key(b)) {
            (Some(x), Some(y)) => y.total_cmp(&x),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        });
        self.axes = order.iter().map(|&i| self.axes[i].clone()).collect();
        for t in &mut self.trials {
            let extra: Vec<Option<XValue>> = t.values.iter().skip(order.len()).cloned().collect();
            t.values = order.iter().map(|&i| t.values.get(i).cloned().flatten()).chain(extra).collect();
        }
        self
    }
}

/// Gap between an axis' end and its "n/a" slot.
const NA_GAP: f64 = 24.0;

impl Chart for ParallelCoordinates {
    fn to_svg(&self) -> String {
        let (w, h) = (super::size_or(self.width, 900.0, 360.0), super::size_or(self.height, 480.0, 260.0));
        let n = self.trials.len();
        let title = if self.title.is_empty() {
            match n {
                0 => format!("{} across trials", self.metric),
                1 => format!("{} across 1 trial", self.metric),
                _ => format!("{} across {n} trials", self.metric),
            }
        } else {
            self.title.clone()
        };
        let mut sub = format!("one line per trial, coloured by its rank in {}", self.metric);
        if self.trials.iter().any(|t| t.baseline) {
            sub.push_str("; baseline in vermillion");
        }
        if let Some(b) = self.better {
            sub.push_str(" · ");
            sub.push_str(b.phrase());
        }
        let mut s = Svg::new(w, h, &title);
        let head = super::draw_header(&mut s, w, &title, &sub);
        let note_h = super::note_height(&self.note, w);
        if n == 0 {
            super::draw_empty(&mut s, (PAD, head + 6.0, w - PAD, h - PAD - note_h), "no trials to show yet");
            super::draw_note(&mut s, w, h, &self.note);
            return s.finish();
        }

        // axes: the parameters, then the metric
        let k = self.axes.len() + 1;
        let metric_vals: Vec<Option<XValue>> = self.trials.iter().map(|t| Some(XValue::Num(t.metric))).collect();
        let mut res: Vec<Resolved> =
            (0..self.axes.len()).map(|i| Resolved::new(&self.axes[i].scale, self.trials.iter().map(|t| t.value(i)))).collect();
        res.push(Resolved::new(&super::trials::AxisScale::Linear, metric_vals.iter().map(|v| v.as_ref())));
        let names: Vec<&str> = self.axes.iter().map(|a| a.name.as_str()).chain([self.metric.as_str()]).collect();
        let dec = metric_decimals(self.trials.iter().map(|t| t.metric));

        // colour: the metric's rank among the trials, 0 = worst, 1 = best (with 1,000 trials
        // a few outliers would otherwise squeeze everyone else into a few shades)
        let mut ranked: Vec<f64> = self.trials.iter().map(|t| t.metric).filter(|m| m.is_finite()).collect();
        ranked.sort_by(f64::total_cmp);
        let sign = self.better.map_or(1.0, |b| b.sign());
        let shade = |m: f64| -> Option<f64> {
            if !m.is_finite() {
                return None;
            }
            let below = ranked.partition_point(|&x| x < m) as f64;
            let upto = ranked.partition_point(|&x| x <= m) as f64;
            let f = if ranked.len() > 1 { ((below + upto - 1.0) / 2.0 / (ranked.len() - 1) as f64).clamp(0.0, 1.0) } else { 0.75 };
            Some(if sign < 0.0 { 1.0 - f } else { f })
        };

        // horizontal layout: tick labels of the first axis on its left
        let first_w = res[0].ticks.iter().map(|(_, l)| svg::text_width(l, TICK_SIZE, false)).fold(0.0, f64::max).min(110.0);
        let name_w = |i: usize| svg::text_width(names[i], TICK_SIZE, true);
        let left = PAD + first_w.max(name_w(0) / 2.0 - 8.0).max(16.0) + 10.0;
        let right = w - PAD - (name_w(k - 1) / 2.0).clamp(14.0, 60.0);
        let spacing = if k > 1 { (right - left) / (k - 1) as f64 } else { 0.0 };
        let xs: Vec<f64> = (0..k).map(|i| if k > 1 { left + spacing * i as f64 } else { (left + right) / 2.0 }).collect();
        let room = if k > 1 { spacing } else { right - left };
        // names stagger over two rows when neighbours would collide
        let stagger = (0..k.saturating_sub(1)).any(|i| (name_w(i) + name_w(i + 1)) / 2.0 + 8.0 > room);
        let name_max = if stagger { 2.0 * room - 12.0 } else { room - 8.0 }.max(40.0);

        // vertical layout
        let legend_y = head + 8.0;
        let names_h = if stagger { 2.0 * (TICK_SIZE + 5.0) } else { TICK_SIZE + 5.0 };
        let axis_top = legend_y + 16.0 + names_h + 8.0;
        let any_na = res.iter().any(|r| r.has_missing);
        let axis_bottom = h - PAD - note_h - 8.0 - if any_na { NA_GAP + 8.0 } else { 0.0 };
        let na_y = axis_bottom + NA_GAP;
        let ysc = Scale::linear(0.0, 1.0, axis_bottom, axis_top);

        // legend: colour ramp and baseline
        {
            let mut x = PAD;
            for j in 0..12 {
                let t = j as f64 / 11.0;
                s.rect(x + 5.0 * j as f64, legend_y - 5.0, 5.4, 10.0, &sequential(t), "");
            }
            x += 66.0;
            let dir = match self.better {
                Some(_) => "darker = better",
                None => "darker = higher",
            };
            let t = svg::truncate_to(&format!("rank in {}: {dir}", self.metric), LEGEND_SIZE, false, w * 0.45);
            s.text(x, legend_y + 4.5, &t, Txt::new(LEGEND_SIZE));
            x += svg::text_width(&t, LEGEND_SIZE, false) + 22.0;
            if let Some(b) = self.trials.iter().find(|t| t.baseline) {
                s.line(x, legend_y, x + 24.0, legend_y, "#ffffff", 5.0, "");
                s.line(x, legend_y, x + 24.0, legend_y, BASELINE, 2.6, "");
                let bl = if b.label.is_empty() || b.label.eq_ignore_ascii_case("baseline") {
                    "baseline".to_string()
                } else {
                    format!("baseline ({})", b.label)
                };
                let bl = svg::truncate_to(&bl, LEGEND_SIZE, false, (w - PAD - x - 32.0).max(30.0));
                s.text(x + 32.0, legend_y + 4.5, &bl, Txt::new(LEGEND_SIZE));
            }
        }

        // where each trial crosses each axis
        let amp: Vec<f64> = res
            .iter()
            .map(|r| if r.slots() > 0 { ((axis_bottom - axis_top) / r.slots() as f64 * 0.4).min(24.0) } else { 0.0 })
            .collect();
        let point = |ti: usize, t: &TrialPoint, i: usize, jit: bool| -> (f64, f64) {
            let v = if i + 1 == k { metric_vals[ti].as_ref() } else { t.value(i) };
            let j = if jit { jitter(ti, i) } else { 0.0 };
            match res[i].frac(v) {
                Some(f) => (xs[i], ysc.map(f) + j * amp[i]),
                None => (xs[i], na_y + j * 14.0),
            }
        };

        // lines, worst first so the best end up on top; the baseline last
        let mut order: Vec<usize> = (0..n).filter(|&i| !self.trials[i].baseline).collect();
        order.sort_by(|&a, &b| {
            let (x, y) = (shade(self.trials[a].metric), shade(self.trials[b].metric));
            x.unwrap_or(-1.0).total_cmp(&y.unwrap_or(-1.0))
        });
        let opacity = if n <= 40 { 0.85 } else { (6.0 / (n as f64).sqrt()).clamp(0.2, 0.85) };
        let width = if n <= 100 { 1.5 } else if n <= 400 { 1.1 } else { 0.9 };
        s.open_group(&format!("class=\"trials\" stroke-opacity=\"{}\"", svg::n(opacity)));
        for &ti in &order {
            let t = &self.trials[ti];
            let pts: Vec<(f64, f64)> = (0..k).map(|i| point(ti, t, i, true)).collect();
            let col = shade(t.metric).map_or_else(|| MISSING.to_string(), sequential);
            s.tip(&t.tooltip(&self.axes, &self.metric, dec));
            if k == 1 {
                s.circle(pts[0].0, pts[0].1, 2.5, &col, "class=\"trial\"");
            } else {
                s.polyline(&pts, &col, width, "class=\"trial\"");
            }
        }
        s.close_group();

        // the baseline over the trials (a white casing under a thick vermillion line); axes
        // and labels go over both
        for (ti, t) in self.trials.iter().enumerate().filter(|(_, t)| t.baseline) {
            let pts: Vec<(f64, f64)> = (0..k).map(|i| point(ti, t, i, false)).collect();
            if k == 1 {
                s.tip(&t.tooltip(&self.axes, &self.metric, dec));
                s.marker(svg::Shape::Diamond, pts[0].0, pts[0].1, 5.0, BASELINE, "class=\"baseline\"");
                continue;
            }
            s.polyline(&pts, "#ffffff", 5.0, "stroke-opacity=\"0.9\"");
            s.tip(&t.tooltip(&self.axes, &self.metric, dec));
            s.polyline(&pts, BASELINE, 2.6, "class=\"baseline\"");
        }

        // axes, ticks and names over the lines
        for i in 0..k {
            let x = xs[i];
            let is_metric = i + 1 == k;
            if is_metric {
                // the metric axis doubles as the colour bar
                let steps = 40;
                for j in 0..steps {
                    let (f0, f1) = (j as f64 / steps as f64, (j + 1) as f64 / steps as f64);
                    let m = res[i].value_at((f0 + f1) / 2.0).unwrap_or(f64::NAN);
                    let col = shade(m).map_or_else(|| MISSING.to_string(), sequential);
                    s.rect(x - 4.0, ysc.map(f1), 8.0, ysc.map(f0) - ysc.map(f1) + 0.5, &col, "");
                }
                s.rect(x - 4.0, axis_top, 8.0, axis_bottom - axis_top, "none", &format!("stroke=\"{AXIS}\" stroke-width=\"0.8\" class=\"axis\""));
            } else {
                s.line(x, axis_top, x, axis_bottom, AXIS, 1.2, "class=\"axis\"");
            }
            let tick_room = if i == 0 { first_w } else { (room - 18.0).max(24.0) };
            let ys: Vec<f64> = res[i].ticks.iter().map(|(f, _)| ysc.map(*f)).collect();
            let keep = scale::thin(&ys, &vec![TICK_SIZE + 1.0; ys.len()], 1.0, &[]);
            let dx = if is_metric { 4.0 } else { 0.0 };
            for (j, (_, label)) in res[i].ticks.iter().enumerate() {
                if !keep[j] {
                    continue;
                }
                s.line(x - dx - 4.0, ys[j], x - dx, ys[j], AXIS, 1.0, "");
                let l = svg::truncate_middle(label, TICK_SIZE, false, tick_room);
                s.text_attrs(x - dx - 6.0, ys[j] + TICK_SIZE * 0.35, &l, Txt::new(TICK_SIZE).end().fill(MUTED), HALO);
            }
            if res[i].has_missing {
                s.line(x - 4.0, na_y, x + 4.0, na_y, AXIS, 1.2, "class=\"na\"");
                s.text_attrs(x - 7.0, na_y + TICK_SIZE * 0.35, "n/a", Txt::new(TICK_SIZE).end().fill(MUTED), HALO);
            }
            let row = if stagger && i % 2 == 0 { 1.0 } else { 0.0 };
            let ny = axis_top - 10.0 - row * (TICK_SIZE + 5.0);
            let name = svg::truncate_middle(names[i], TICK_SIZE, true, name_max);
            let anchor = if k > 1 && i == 0 && svg::text_width(&name, TICK_SIZE, true) / 2.0 > x - PAD {
                Txt::new(TICK_SIZE).bold()
            } else {
                Txt::new(TICK_SIZE).bold().middle()
            };
            let nx = if anchor.anchor == svg::Anchor::Start { PAD } else { x };
            s.text_attrs(nx, ny, &name, anchor, "class=\"axis-name\"");
        }

        super::draw_note(&mut s, w, h, &self.note);
        s.finish()
    }
}

super::chart_setters!(ParallelCoordinates, better);
super::trials::trial_setters!(ParallelCoordinates, "parameter axis (to the right of those already there)", "parameter axes, left to right");

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::super::trials::AxisScale;
    use super::*;

    fn study(n: usize) -> ParallelCoordinates {
        let mut pc = ParallelCoordinates::new("accuracy")
            .better(Better::Higher)
            .axis(ParamAxis::log("lr"))
            .axis(ParamAxis::categorical("optimizer", ["sgd", "adam"]))
            .axis(ParamAxis::component("dropout"))
            .axis(ParamAxis::linear("momentum"));
        for i in 0..n {
            let lr = 10f64.powf(-4.0 + 3.0 * (i % 17) as f64 / 16.0);
            let adam = i % 3 == 0;
            let mut t = TrialPoint::new(format!("t{i}"), 0.6 + 0.3 * (i % 11) as f64 / 10.0)
                .label(format!("cfg{i}"))
                .num(lr)
                .cat(if adam { "adam" } else { "sgd" })
                .component(i % 2 == 0);
            t = if adam { t.missing() } else { t.num(0.5 + 0.4 * (i % 5) as f64 / 4.0) };
            pc = pc.trial(t);
        }
        pc.trial(TrialPoint::new("base", 0.8).label("baseline cfg").num(1e-3).cat("sgd").component(true).num(0.9).baseline())
    }

    fn polylines(svg: &str, class: &str) -> Vec<Vec<(f64, f64)>> {
        svg.lines()
            .filter(|l| l.starts_with("<polyline") && l.contains(&format!("class=\"{class}\"")))
            .map(|l| {
                l.split("points=\"").nth(1).unwrap().split('"').next().unwrap()
                    .split(' ')
                    .map(|p| {
                        let (x, y) = p.split_once(',').unwrap();
                        (x.parse().unwrap(), y.parse().unwrap())
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn one_line_per_trial_with_the_baseline_on_top() {
        let svg = study(60).to_svg();
        assert_well_formed(&svg);
        let lines = polylines(&svg, "trial");
        assert_eq!(lines.len(), 60);
        assert!(lines.iter().all(|l| l.len() == 5), "four parameters and the metric");
        assert_eq!(count(&svg, "class=\"baseline\""), 1);
        assert!(svg.rfind("class=\"baseline\"").unwrap() > svg.rfind("class=\"trial\"").unwrap(), "baseline drawn last");
        assert_eq!(count(&svg, "class=\"axis\""), 5);
        assert_eq!(count(&svg, "<title>"), 1 + 61, "document title and one tooltip per trial");
        assert!(svg.contains("<title>cfg3 · trial t3 · lr = "), "tooltip names config and trial");
        assert!(svg.contains("momentum = n/a"));
        for l in [">adam<", ">sgd<", ">enabled<", ">removed<", ">n/a<", ">0.001<", ">momentum<", ">accuracy<"] {
            assert!(svg.contains(l), "missing {l}");
        }
    }

    #[test]
    fn log_axis_spaces_decades_evenly_and_missing_values_sit_below_the_axis() {
        let pc = ParallelCoordinates::new("m")
            .axis(ParamAxis::log("lr"))
            .axis(ParamAxis::linear("x"))
            .trial(TrialPoint::new("a", 1.0).num(1e-4).num(1.0))
            .trial(TrialPoint::new("b", 2.0).num(1e-3).missing())
            .trial(TrialPoint::new("c", 3.0).num(1e-2).num(2.0));
        let svg = pc.to_svg();
        let lines = polylines(&svg, "trial");
        let y_lr: Vec<f64> = lines.iter().map(|l| l[0].1).collect();
        let mut sorted = y_lr.clone();
        sorted.sort_by(f64::total_cmp);
        assert!(((sorted[1] - sorted[0]) - (sorted[2] - sorted[1])).abs() < 0.1, "{y_lr:?}");
        // trial b is n/a on x: below every placed value
        let b = lines.iter().find(|l| l[0].1 == sorted[1]).unwrap();
        assert!(lines.iter().filter(|l| l[0].1 != sorted[1]).all(|l| l[1].1 < b[1].1 - 10.0));
        assert!(svg.contains(">1e-4<") && svg.contains(">0.01<") && svg.contains(">n/a<"));
    }

    #[test]
    fn colours_follow_the_direction_and_the_best_is_drawn_last() {
        let mk = |b: Better| {
            ParallelCoordinates::new("loss").better(b).axis(ParamAxis::linear("x")).trials(vec![
                TrialPoint::new("lo", 0.1).num(1.0),
                TrialPoint::new("hi", 0.9).num(2.0),
            ])
        };
        let svg = mk(Better::Lower).to_svg();
        let darkest = sequential(1.0);
        let last = svg.lines().rfind(|l| l.contains("class=\"trial\"")).unwrap();
        assert!(last.contains(&darkest) && last.contains("trial lo"), "{last}");
        let svg = mk(Better::Higher).to_svg();
        let last = svg.lines().rfind(|l| l.contains("class=\"trial\"")).unwrap();
        assert!(last.contains(&darkest) && last.contains("trial hi"));
    }

    #[test]
    fn a_thousand_trials_stay_light() {
        let pc = study(1000);
        let svg = pc.to_svg();
        assert_eq!(polylines(&svg, "trial").len(), 1000);
        assert!(svg.contains("stroke-opacity=\"0.2\""));
        assert!(svg.len() < 700_000, "{} bytes", svg.len());
    }

    #[test]
    fn order_axes_moves_values_with_their_axes() {
        let pc = study(3).order_axes(&[0.1, f64::NAN, 0.5, 0.3]);
        let names: Vec<&str> = pc.axes.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["dropout", "momentum", "lr", "optimizer"]);
        assert_eq!(pc.axes[0].scale, AxisScale::Categorical(vec!["removed".into(), "enabled".into()]));
        let base = pc.trials.last().unwrap();
        assert_eq!(base.values[0], Some(XValue::Cat("enabled".into())));
        assert_eq!(base.values[1], Some(XValue::Num(0.9)));
        assert_eq!(base.values[3], Some(XValue::Cat("sgd".into())));
    }

    #[test]
    fn escapes_user_text() {
        let pc = ParallelCoordinates::new(NASTY_PARAM)
            .title(NASTY_PARAM)
            .note(NASTY_LEVEL)
            .axis(ParamAxis::categorical(NASTY_PARAM, [NASTY_LEVEL]))
            .trial(TrialPoint::new(NASTY_LEVEL, 1.0).label("<script>&\"").cat(NASTY_LEVEL).baseline())
            .trial(TrialPoint::new("x", 2.0).cat("<b>"));
        let svg = pc.to_svg();
        assert_escaped(&svg);
        assert!(svg.contains("&lt;script&gt;&amp;&quot;"));
        assert!(svg.contains("a&amp;&quot;&#39;&lt;&gt;b"));
    }

    #[test]
    fn empty_one_and_degenerate_inputs_render() {
        let empty = ParallelCoordinates::new("m").axis(ParamAxis::log("lr")).to_svg();
        assert_well_formed(&empty);
        assert!(empty.contains("no trials to show yet") && empty.contains("class=\"empty\""));
        let one = ParallelCoordinates::new("m").axis(ParamAxis::log("lr")).trial(TrialPoint::new("1", 0.5).num(0.01)).to_svg();
        assert_well_formed(&one);
        assert_eq!(count(&one, "class=\"trial\""), 1);
        let odd = ParallelCoordinates::new("m")
            .axis(ParamAxis::log("lr"))
            .axis(ParamAxis::categorical("c", Vec::<String>::new()))
            .trials(vec![
                TrialPoint::new("nan", f64::NAN).num(f64::NAN).num(f64::INFINITY),
                TrialPoint::new("neg", 1.0).num(-1.0),
                TrialPoint::new("ok", f64::INFINITY).num(0.1).cat("a").num(7.0),
            ])
            .size(f64::NAN, -5.0);
        let svg = odd.to_svg();
        assert_well_formed(&svg);
        assert_eq!(count(&svg, "class=\"trial\""), 3);
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
        let metric_only = ParallelCoordinates::new("m").trials(vec![TrialPoint::new("a", 1.0).baseline(), TrialPoint::new("b", 2.0)]).to_svg();
        assert_well_formed(&metric_only);
    }
}
