//! Learning curves: a metric against the training step, one mean curve per configuration
//! with a band (its interval over seeds at each step), the baseline dashed, legend on the
//! right.

use super::scale::{self, Scale};
use super::svg::{self, Svg, Txt};
use super::theme::*;
use super::{Better, Chart};

/// One point of a mean curve: the step, the mean over seeds, and its interval.
#[derive(Clone, Debug, PartialEq)]
pub struct CurvePoint {
    /// The training step.
    pub step: f64,
    /// Mean of the metric over the seeds that reported this step.
    pub mean: f64,
    /// Interval of the mean (none with fewer than two seeds).
    pub band: Option<(f64, f64)>,
}

/// One configuration's mean curve.
#[derive(Clone, Debug, PartialEq)]
pub struct CurveSeries {
    /// The legend entry (the configuration's label).
    pub label: String,
    /// Points in step order.
    pub points: Vec<CurvePoint>,
    /// Drawn dashed in black: the baseline every other curve is read against.
    pub baseline: bool,
    /// Drawn dashed in its colour (a fitted or extrapolated line) and left out of the legend.
    pub dashed: bool,
    /// The palette colour to use (to pair a fit with its points); `None`: the next one.
    pub colour: Option<usize>,
}

impl CurveSeries {
    /// A solid curve in the next palette colour.
    pub fn new(label: impl Into<String>, points: Vec<CurvePoint>) -> Self {
        CurveSeries { label: label.into(), points, baseline: false, dashed: false, colour: None }
    }
}

/// Mean learning curves of several configurations.
#[derive(Clone, Debug, PartialEq)]
pub struct CurveChart {
    /// Title; empty means `"<metric> during training"`.
    pub title: String,
    /// The metric on the y axis.
    pub metric: String,
    /// The x axis label ("step", "epoch").
    pub step_label: String,
    /// Which direction of the metric is better, if known.
    pub better: Option<Better>,
    /// The curves.
    pub series: Vec<CurveSeries>,
    /// How the band is described, e.g. "95% CI over seeds".
    pub ci_label: String,
    /// Footnote under the chart.
    pub note: String,
    /// A log-scale x axis (model sizes), ticked at the steps the curves have.
    pub log_x: bool,
    /// Width of the SVG in pixels.
    pub width: f64,
    /// Height of the SVG in pixels.
    pub height: f64,
}

impl CurveChart {
    /// An empty chart of `metric` against `step_label`.
    pub fn new(metric: impl Into<String>, step_label: impl Into<String>) -> Self {
        CurveChart {
            title: String::new(),
            metric: metric.into(),
            step_label: step_label.into(),
            better: None,
            series: Vec::new(),
            ci_label: "95% CI over seeds".into(),
            note: String::new(),
            log_x: false,
            width: 760.0,
            height: 440.0,
        }
    }

    /// Adds a curve.
    pub fn series(mut self, series: CurveSeries) -> Self {
        self.series.push(series);
        self
    }
}

impl Chart for CurveChart {
    fn to_svg(&self) -> String {
        let (w, h) = (self.width.max(320.0), self.height.max(220.0));
        let title = if self.title.is_empty() { format!("{} during training", self.metric) } else { self.title.clone() };
        let mut sub = format!("mean per config with its {}", self.ci_label);
        if self.series.iter().any(|c| c.baseline) {
            sub.push_str("; baseline dashed");
        }
        if self.series.iter().any(|c| c.dashed) {
            sub.push_str("; dashed in a curve's colour: its fit");
        }
        if let Some(b) = self.better {
            sub.push_str(" · ");
            sub.push_str(b.phrase());
        }
        let mut s = Svg::new(w, h, &title);
        let top = super::draw_header(&mut s, w, &title, &sub) + 8.0;

        let points = || self.series.iter().flat_map(|c| c.points.iter()).filter(|p| p.step.is_finite() && p.mean.is_finite());
        let (lo, hi, span) = super::value_range(points().flat_map(|p| {
            let (a, b) = p.band.unwrap_or((p.mean, p.mean));
            [p.mean, a, b]
        }));
        let (ylo, yhi, yticks, ystep) = scale::nice_domain(lo - span * 0.04, hi + span * 0.04, 5);
        let ydec = scale::decimals_for_step(ystep);
        let (slo, shi, _) = super::value_range(points().map(|p| p.step).filter(|s| !self.log_x || *s > 0.0));
        let (xticks, xdec) = if self.log_x {
            // Ticks at the measured steps, and where each fitted line ends.
            let measured = self.series.iter().filter(|c| !c.dashed).flat_map(|c| c.points.iter().map(|p| p.step));
            let ends = self.series.iter().filter(|c| c.dashed).filter_map(|c| c.points.last().map(|p| p.step));
            let mut steps: Vec<f64> = measured.chain(ends).filter(|s| s.is_finite() && *s > 0.0).collect();
            steps.sort_by(f64::total_cmp);
            steps.dedup();
            (steps, 0)
        } else {
            let (ticks, step) = scale::nice_ticks(slo, shi, 6);
            (ticks, scale::decimals_for_step(step))
        };

        let labels: Vec<String> = self.series.iter().map(|c| svg::truncate_middle(&c.label, LEGEND_SIZE, false, 170.0)).collect();
        let legend_w = labels.iter().map(|l| 34.0 + svg::text_width(l, LEGEND_SIZE, false)).fold(0.0, f64::max) + 12.0;
        let left = PAD + LABEL_SIZE + 12.0 + super::y_label_width(&yticks, ydec) + 8.0;
        let right = w - PAD - legend_w - 8.0;
        let xsc = if self.log_x && slo > 0.0 && shi > slo {
            Scale::log(slo, shi, left, right)
        } else {
            Scale::linear(slo.min(*xticks.first().unwrap_or(&slo)), shi.max(*xticks.last().unwrap_or(&shi)), left, right)
        };
        let xs: Vec<f64> = xticks.iter().map(|&t| xsc.map(t)).collect();
        let tick_labels: Vec<String> = xticks.iter().map(|&t| scale::fmt_num(t, xdec)).collect();
        let xl = super::layout_x_labels(&tick_labels, &xs, &vec![false; xs.len()], 80.0, PAD, (h - top) * 0.2);
        let bottom = h - PAD - super::note_height(&self.note, w) - LABEL_SIZE - 10.0 - xl.height;
        let ysc = Scale::linear(ylo, yhi, bottom, top);
        super::draw_axes(&mut s, &ysc, &yticks, ydec, (left, right, top, bottom), &xl, &xs);

        let mut next = 0;
        // Each curve's colour, and its stroke: dashed for the baseline and fits, dotted once
        // the palette has come round (so no two curves look alike), else solid.
        let styles: Vec<(&str, &str)> = self
            .series
            .iter()
            .map(|c| {
                let k = match (c.baseline, c.colour) {
                    (true, _) => return ("#000000", DASHED),
                    (false, Some(k)) => k,
                    (false, None) => {
                        next += 1;
                        next - 1
                    }
                };
                let stroke = if c.dashed { DASHED } else if k >= PALETTE_SIZE { DOTTED } else { "" };
                (curve_colour(k), stroke)
            })
            .collect();
        for (curve, &(col, dash)) in self.series.iter().zip(&styles) {
            let pts: Vec<&CurvePoint> = curve.points.iter().filter(|p| p.step.is_finite() && p.mean.is_finite() && (!self.log_x || p.step > 0.0)).collect();
            s.open_group(&format!("class=\"curve\" stroke=\"{col}\" fill=\"{col}\""));
            let banded: Vec<(f64, (f64, f64))> = pts.iter().filter_map(|p| p.band.map(|b| (xsc.map(p.step), b))).collect();
            if banded.len() >= 2 {
                let mut outline: Vec<(f64, f64)> = banded.iter().map(|(x, (_, b))| (*x, ysc.map(*b))).collect();
                outline.extend(banded.iter().rev().map(|(x, (a, _))| (*x, ysc.map(*a))));
                s.polygon(&outline, col, "fill-opacity=\"0.14\" stroke=\"none\" class=\"band\"");
            }
            let line: Vec<(f64, f64)> = pts.iter().map(|p| (xsc.map(p.step), ysc.map(p.mean))).collect();
            if line.len() == 1 {
                s.circle(line[0].0, line[0].1, 3.0, col, "");
            }
            s.polyline(&line, col, 2.0, dash);
            s.close_group();
        }

        let lx = right + 18.0;
        let mut ly = top + 4.0;
        for ((label, &(col, dash)), _) in labels.iter().zip(&styles).zip(&self.series).filter(|(_, c)| !c.dashed) {
            s.line(lx, ly, lx + 24.0, ly, col, 2.0, dash);
            s.text_attrs(lx + 32.0, ly + 4.5, label, Txt::new(LEGEND_SIZE), "class=\"legend-entry\"");
            ly += LEGEND_SIZE + 10.0;
        }
        let xt = svg::truncate_to(&self.step_label, LABEL_SIZE, false, right - left);
        s.text((left + right) / 2.0, bottom + xl.height + LABEL_SIZE + 4.0, &xt, Txt::new(LABEL_SIZE).middle());
        let yt = svg::truncate_to(&self.metric, LABEL_SIZE, false, bottom - top);
        s.text(PAD + LABEL_SIZE, (top + bottom) / 2.0, &yt, Txt::new(LABEL_SIZE).middle().rotate(-90.0));
        super::draw_note(&mut s, w, h, &self.note);
        s.finish()
    }
}

super::chart_setters!(CurveChart, better);

/// The baseline's and the fits' stroke.
const DASHED: &str = "stroke-dasharray=\"6 4\"";
/// The stroke of curves after the palette's first round.
const DOTTED: &str = "stroke-dasharray=\"1.5 3\" stroke-linecap=\"round\"";
/// Curve colours: the palette without black, which marks the baseline.
const PALETTE_SIZE: usize = OKABE_ITO.len() - 1;

/// The `k`-th curve's colour: the palette without black, which marks the baseline.
fn curve_colour(k: usize) -> &'static str {
    let palette: Vec<&'static str> = OKABE_ITO.iter().copied().filter(|c| *c != "#000000").collect();
    palette[k % palette.len()]
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::*;

    fn curve(label: &str, baseline: bool, offset: f64) -> CurveSeries {
        let points = (1..=10).map(|k| CurvePoint { step: k as f64, mean: 1.0 / k as f64 + offset, band: Some((0.9 / k as f64 + offset, 1.1 / k as f64 + offset)) }).collect();
        CurveSeries { baseline, ..CurveSeries::new(label, points) }
    }

    #[test]
    fn one_curve_and_band_per_config_with_the_baseline_dashed() {
        let chart = CurveChart::new("val_loss", "epoch").series(curve("baseline", true, 0.0)).series(curve("lr=0.01", false, 0.1)).series(curve("lr=1", false, 0.3));
        let svg = chart.to_svg();
        assert_well_formed(&svg);
        assert_eq!(count(&svg, "class=\"curve\""), 3);
        assert_eq!(count(&svg, "class=\"band\""), 3);
        assert_eq!(count(&svg, "class=\"legend-entry\""), 3);
        assert_eq!(count(&svg, "stroke-dasharray"), 2, "the baseline's line and its legend swatch");
        assert!(svg.contains(">epoch</text>") && svg.contains("val_loss during training"));
    }

    #[test]
    fn only_the_baseline_is_black_however_many_curves() {
        let mut chart = CurveChart::new("loss", "epoch").series(curve("baseline", true, 0.0));
        for k in 0..10 {
            chart = chart.series(curve(&format!("c{k}"), false, 0.01 * k as f64));
        }
        let svg = chart.to_svg();
        assert_eq!(count(&svg, "class=\"curve\" stroke=\"#000000\""), 1);
        // Seven colours for ten curves: the last three are dotted, in the plot and the legend.
        assert_eq!(PALETTE_SIZE, 7);
        assert_eq!(count(&svg, DOTTED), 2 * 3);
        assert_eq!(count(&svg, DASHED), 2, "the baseline's line and swatch");
    }

    #[test]
    fn escapes_user_text() {
        let chart = CurveChart::new(NASTY_PARAM, NASTY_LEVEL).title(NASTY_PARAM).series(curve(NASTY_LEVEL, false, 0.0));
        assert_escaped(&chart.to_svg());
    }
}
