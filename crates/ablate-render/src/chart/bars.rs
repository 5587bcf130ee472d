//! Component-ablation bar chart: for each removed component, the change of the metric versus the
//! full (baseline) model, as horizontal bars sorted from most harmful to most helpful removal,
//! with CI whiskers, a zero line, significance stars and the values in metric units.

use super::scale::{self, Scale};
use super::svg::{self, Svg, Txt};
use super::theme::*;
use super::{Better, Chart};

/// One removed component.
#[derive(Clone, Debug, PartialEq)]
pub struct ComponentBar {
    /// Label shown for this item (component name, line legend entry).
    pub label: String,
    /// Metric with the component removed minus baseline (metric units).
    pub delta: f64,
    /// Confidence interval of `delta`.
    pub ci: Option<(f64, f64)>,
    /// Significant after correction: full colour; otherwise pale.
    pub significant: bool,
    /// Marker after the value, e.g. "*", "**" ("" for none).
    pub marker: String,
}

impl ComponentBar {
    /// A bar for `label` with change `delta` versus the full model.
    pub fn new(label: impl Into<String>, delta: f64) -> Self {
        ComponentBar { label: label.into(), delta, ci: None, significant: false, marker: String::new() }
    }
    /// Sets the confidence interval (low, high).
    pub fn ci(mut self, lo: f64, hi: f64) -> Self {
        self.ci = Some((lo, hi));
        self
    }
    /// Marks this item as significantly different from the baseline, with its marker ("*", "**", "***").
    pub fn significant(mut self, marker: impl Into<String>) -> Self {
        self.significant = true;
        self.marker = marker.into();
        self
    }
}

/// Bar chart of the change in a metric when each component is removed alone.
#[derive(Clone, Debug, PartialEq)]
pub struct ComponentBars {
    /// Title; empty means `"Change in <metric> when a component is removed"`.
    pub title: String,
    /// Name of the metric (axis label and title).
    pub metric: String,
    /// Which direction of the metric is better, if known (colours, sorting, subtitle).
    pub better: Option<Better>,
    /// What the changes are relative to, e.g. "full model".
    pub baseline_label: String,
    /// One bar per removed component (drawn sorted by effect).
    pub bars: Vec<ComponentBar>,
    /// How the interval is described, e.g. "95% CI".
    pub ci_label: String,
    /// Footnote under the chart, e.g. what the stars mean.
    pub note: String,
    /// Width of the SVG in pixels.
    pub width: f64,
    /// Subtitle; empty means `"removed − <baseline>, with <CI>"`.
    pub subtitle: String,
    /// Values written with a sign (`+0.012`) on a `"change in <metric>"` axis, as changes are;
    /// off for shares (importance), whose axis starts at zero.
    pub signed: bool,
}

impl ComponentBars {
    /// A bar chart of `bars` for `metric`.
    pub fn new(metric: impl Into<String>, bars: Vec<ComponentBar>) -> Self {
        ComponentBars {
            title: String::new(),
            metric: metric.into(),
            better: None,
            baseline_label: "baseline".into(),
            bars,
            ci_label: "95% CI".into(),
            note: String::new(),
            width: 720.0,
            subtitle: String::new(),
            signed: true,
        }
    }

    /// The bars of a parameter-importance chart: each bar a share of variance with its
    /// interval, largest first, values without sign.
    pub fn importance(metric: impl Into<String>, title: impl Into<String>, subtitle: impl Into<String>, bars: Vec<ComponentBar>) -> Self {
        let mut chart = ComponentBars::new(metric, bars);
        (chart.title, chart.subtitle, chart.signed) = (title.into(), subtitle.into(), false);
        chart
    }
    /// Sets what the changes are relative to (default "baseline"; e.g. "full model").
    pub fn baseline_label(mut self, l: impl Into<String>) -> Self {
        self.baseline_label = l.into();
        self
    }

    /// Bars in display order: most harmful removal first (largest |delta| first when the
    /// direction is unknown).
    pub fn sorted(&self) -> Vec<&ComponentBar> {
        let mut v: Vec<&ComponentBar> = self.bars.iter().collect();
        match self.better {
            Some(b) => v.sort_by(|x, y| (b.sign() * x.delta).total_cmp(&(b.sign() * y.delta))),
            None => v.sort_by(|x, y| y.delta.abs().total_cmp(&x.delta.abs())),
        }
        v
    }
}

impl Chart for ComponentBars {
    fn to_svg(&self) -> String {
        let bars = self.sorted();
        let n = bars.len();
        let w = self.width.max(360.0);
        let title = if self.title.is_empty() {
            format!("Change in {} when a component is removed", self.metric)
        } else {
            self.title.clone()
        };
        let mut sub = if self.subtitle.is_empty() {
            format!("removed − {}, with {}", self.baseline_label, self.ci_label)
        } else {
            self.subtitle.clone()
        };
        if let Some(b) = self.better {
            sub.push_str(" · ");
            sub.push_str(b.phrase());
        }

        let mut lo = 0.0f64;
        let mut hi = 0.0f64;
        for b in &bars {
            for v in [b.delta, b.ci.map_or(b.delta, |c| c.0), b.ci.map_or(b.delta, |c| c.1)] {
                if v.is_finite() {
                    lo = lo.min(v);
                    hi = hi.max(v);
                }
            }
        }
        if hi - lo <= 0.0 {
            hi = lo + 1.0;
        }
        let span = hi - lo;
        // Unsigned values (shares) start at zero; changes get room on both sides.
        let pad_low = if self.signed { lo - span * 0.03 } else { lo };
        let (dlo, dhi, ticks, step) = scale::nice_domain(pad_low, hi + span * 0.03, 5);
        let tdec = scale::decimals_for_step(step);
        let vdec = (scale::decimals_for_spread(span) + 1).max(tdec);

        let labels: Vec<String> = bars.iter().map(|b| svg::truncate_to(&b.label, LABEL_SIZE - 1.0, false, 220.0)).collect();
        let lw = labels.iter().map(|l| svg::text_width(l, LABEL_SIZE - 1.0, false)).fold(0.0, f64::max);
        let values: Vec<String> = bars
            .iter()
            .map(|b| {
                let mut v = if self.signed { scale::fmt_signed(b.delta, vdec) } else { scale::fmt_num(b.delta, vdec) };
                if !b.marker.is_empty() {
                    v.push(' ');
                    v.push_str(&b.marker);
                }
                v
            })
            .collect();
        let vw = values.iter().map(|v| svg::text_width(v, ANNOT_SIZE, true)).fold(0.0, f64::max);

        let mut note = String::new();
        if bars.iter().any(|b| !b.significant) && bars.iter().any(|b| b.significant) {
            note.push_str("pale bars: not significant");
        }
        if !self.note.is_empty() {
            if !note.is_empty() {
                note.push_str(". ");
            }
            note.push_str(&self.note);
        }
        let left = PAD + lw + 12.0;
        let right = w - PAD - vw - 14.0;
        let row = 34.0;
        let top = super::header_height(&sub) + 22.0;
        let plot_bottom = top + row * n.max(1) as f64;
        let axis_h = TICK_SIZE + 10.0 + LABEL_SIZE + 10.0;
        let h = plot_bottom + axis_h + super::note_height(&note, w) + PAD + 4.0;

        let mut s = Svg::new(w, h, &title);
        super::draw_header(&mut s, w, &title, &sub);
        let sc = Scale::linear(dlo, dhi, left, right);

        // grid and ticks
        for t in &ticks {
            let x = sc.map(*t);
            s.line(x, top, x, plot_bottom, GRID, 1.0, "");
            s.text(x, plot_bottom + 6.0 + TICK_SIZE, &scale::fmt_num(*t, tdec), Txt::new(TICK_SIZE).middle().fill(MUTED));
        }
        s.line(left, plot_bottom, right, plot_bottom, AXIS, 1.0, "");

        // which side is better
        if let Some(b) = self.better {
            let (lt, rt) = if b == Better::Higher { ("← worse", "better →") } else { ("← better", "worse →") };
            let x0 = sc.map(0.0);
            s.text(x0 - 6.0, top - 6.0, lt, Txt::new(NOTE_SIZE).end().fill(MUTED));
            s.text(x0 + 6.0, top - 6.0, rt, Txt::new(NOTE_SIZE).fill(MUTED));
        }

        let x0 = sc.map(0.0);
        for (i, b) in bars.iter().enumerate() {
            let yc = top + row * (i as f64 + 0.5);
            s.text_attrs(left - 10.0, yc + 4.5, &labels[i], Txt::new(LABEL_SIZE - 1.0).end(), "class=\"bar-label\"");
            if !b.delta.is_finite() {
                s.text(x0 + 6.0, yc + 4.5, "n/a", Txt::new(ANNOT_SIZE).fill(MUTED));
                continue;
            }
            let good = match self.better {
                Some(bt) => bt.sign() * b.delta >= 0.0,
                None => b.delta >= 0.0,
            };
            let col = if good { BETTER } else { WORSE };
            let op = if b.significant { "1" } else { "0.4" };
            let xb = sc.map(b.delta);
            s.rect(x0.min(xb), yc - 10.0, (xb - x0).abs().max(1.0), 20.0, col, &format!("fill-opacity=\"{op}\" class=\"bar\""));
            if let Some((a, c)) = b.ci {
                let (xa, xc) = (sc.map(a.min(c)), sc.map(a.max(c)));
                s.line(xa, yc, xc, yc, TEXT, 1.4, "class=\"ci-whisker\"");
                s.line(xa, yc - 5.0, xa, yc + 5.0, TEXT, 1.4, "");
                s.line(xc, yc - 5.0, xc, yc + 5.0, TEXT, 1.4, "");
            }
            let t = if b.significant { Txt::new(ANNOT_SIZE).bold() } else { Txt::new(ANNOT_SIZE).fill(MUTED) };
            s.text_attrs(w - PAD, yc + 4.5, &values[i], t.end(), "class=\"bar-value\"");
        }
        // zero line on top of the bars
        s.line(x0, top - 2.0, x0, plot_bottom, TEXT, 1.5, "class=\"zero\"");

        let xt = if self.signed {
            format!("change in {} vs {}", self.metric, self.baseline_label)
        } else {
            format!("share of the variance of {}", self.metric)
        };
        let xt = svg::truncate_to(&xt, LABEL_SIZE, false, w - 2.0 * PAD);
        s.text((left + right) / 2.0, plot_bottom + TICK_SIZE + 12.0 + LABEL_SIZE, &xt, Txt::new(LABEL_SIZE).middle());
        super::draw_note(&mut s, w, h, &note);
        s.finish()
    }
}

super::chart_setters!(ComponentBars, better);

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::*;

    fn mlp() -> ComponentBars {
        ComponentBars::new(
            "accuracy",
            vec![
                ComponentBar::new("dropout", -0.004).ci(-0.012, 0.004),
                ComponentBar::new("layer norm", -0.081).ci(-0.1, -0.06).significant("***"),
                ComponentBar::new("residual", -0.035).ci(-0.05, -0.02).significant("**"),
                ComponentBar::new("warmup", 0.003).ci(-0.005, 0.011),
                ComponentBar::new("weight decay", -0.012).ci(-0.02, -0.004).significant("*"),
            ],
        )
        .better(Better::Higher)
        .baseline_label("full model")
    }

    #[test]
    fn bars_sorted_by_effect_with_whiskers_and_stars() {
        let svg = mlp().to_svg();
        assert_well_formed(&svg);
        assert_eq!(count(&svg, "class=\"bar\""), 5);
        assert_eq!(count(&svg, "class=\"ci-whisker\""), 5);
        assert_eq!(count(&svg, "class=\"zero\""), 1);
        let order: Vec<usize> = ["layer norm", "residual", "weight decay", "dropout", "warmup"].iter().map(|l| svg.find(&format!(">{l}<")).unwrap()).collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
        assert!(svg.contains("−0.081 ***"));
        assert!(svg.contains("+0.003"));
        assert!(svg.contains("change in accuracy vs full model"));
    }

    #[test]
    fn lower_is_better_sorts_the_other_way() {
        let b = ComponentBars::new("loss", vec![ComponentBar::new("a", -0.1), ComponentBar::new("b", 0.2)]).better(Better::Lower);
        let order: Vec<&str> = b.sorted().iter().map(|x| x.label.as_str()).collect();
        assert_eq!(order, ["b", "a"]);
    }

    #[test]
    fn escapes_user_text() {
        let b = ComponentBars::new(NASTY_PARAM, vec![ComponentBar::new(NASTY_LEVEL, 0.1).significant("<*>")])
            .title(NASTY_PARAM)
            .baseline_label(NASTY_LEVEL);
        assert_escaped(&b.to_svg());
    }
}
