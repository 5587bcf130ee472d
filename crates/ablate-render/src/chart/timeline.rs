//! Timeline of a study's trial attempts: one lane per worker, device or Slurm task, one bar per
//! attempt from its start to its end (seconds since the study started), coloured by outcome,
//! retries (attempt ≥ 2) hatched and outlined. Attempts that overlap in one lane (trials packed
//! side by side) stack in sub-rows of the lane.

use super::scale::{self, Scale};
use super::svg::{self, Svg, Txt};
use super::theme::*;
use super::Chart;

/// How a trial attempt ended (or that it is still running).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AttemptOutcome {
    /// Finished with valid metrics.
    Ok,
    /// Failed: an error, a crash, unusable metrics.
    Failed,
    /// Stopped early by the pruning rule.
    Pruned,
    /// Killed at its time limit.
    TimedOut,
    /// Still running (its bar ends at "now").
    Running,
}

impl AttemptOutcome {
    /// Every outcome, in legend order.
    pub const ALL: [AttemptOutcome; 5] =
        [AttemptOutcome::Ok, AttemptOutcome::Failed, AttemptOutcome::Pruned, AttemptOutcome::TimedOut, AttemptOutcome::Running];

    /// "ok", "failed", "pruned", "timed out" or "running".
    pub fn label(self) -> &'static str {
        match self {
            AttemptOutcome::Ok => "ok",
            AttemptOutcome::Failed => "failed",
            AttemptOutcome::Pruned => "pruned",
            AttemptOutcome::TimedOut => "timed out",
            AttemptOutcome::Running => "running",
        }
    }

    /// The bar colour (Okabe–Ito): green ok, vermillion failed, sky blue pruned, reddish
    /// purple timed out, orange running.
    fn colour(self) -> &'static str {
        match self {
            AttemptOutcome::Ok => OKABE_ITO[2],
            AttemptOutcome::Failed => OKABE_ITO[1],
            AttemptOutcome::Pruned => OKABE_ITO[5],
            AttemptOutcome::TimedOut => OKABE_ITO[4],
            AttemptOutcome::Running => OKABE_ITO[3],
        }
    }
}

/// One attempt at one trial.
#[derive(Clone, Debug, PartialEq)]
pub struct TimelineBar {
    /// Index into [`Timeline::lanes`] (a lane beyond them is added below, named by its number).
    pub lane: usize,
    /// Start, in seconds since the study started.
    pub start: f64,
    /// End, in seconds since the study started (for a running attempt: now).
    pub end: f64,
    /// How it ended.
    pub outcome: AttemptOutcome,
    /// 1 for the first attempt, 2 for the first retry, …; retries are hatched.
    pub attempt: u32,
    /// The trial's id, shown in the tooltip.
    pub trial: String,
    /// The configuration's label, shown in the tooltip.
    pub label: String,
    /// More for the tooltip, e.g. the error message of a failed attempt.
    pub detail: String,
}

impl TimelineBar {
    /// A first attempt in lane `lane` from `start` to `end` seconds that ended with `outcome`.
    pub fn new(lane: usize, start: f64, end: f64, outcome: AttemptOutcome) -> Self {
        TimelineBar { lane, start, end, outcome, attempt: 1, trial: String::new(), label: String::new(), detail: String::new() }
    }
    /// Sets the trial id.
    pub fn trial(mut self, id: impl Into<String>) -> Self {
        self.trial = id.into();
        self
    }
    /// Sets the configuration label.
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }
    /// Sets the attempt number (1 = first; 2 and more are retries, hatched).
    pub fn attempt(mut self, attempt: u32) -> Self {
        self.attempt = attempt;
        self
    }
    /// Sets extra tooltip text, e.g. the error of a failed attempt.
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = detail.into();
        self
    }

    fn tooltip(&self, lane: &str) -> String {
        let mut t = String::new();
        if !self.label.is_empty() {
            t.push_str(&self.label);
            t.push_str(" · ");
        }
        if !self.trial.is_empty() {
            t.push_str("trial ");
            t.push_str(&self.trial);
            t.push_str(", ");
        }
        t.push_str(&format!("attempt {}", self.attempt));
        t.push_str(&format!(" · {lane} · {}", self.outcome.label()));
        let dur = if self.end.is_finite() && self.start.is_finite() { self.end - self.start } else { f64::NAN };
        t.push_str(&format!(
            " · {} → {} ({})",
            scale::fmt_duration(self.start),
            scale::fmt_duration(self.end),
            scale::fmt_duration(dur)
        ));
        if !self.detail.is_empty() {
            t.push_str(" · ");
            t.push_str(&self.detail);
        }
        t
    }
}

/// A timeline of trial attempts in lanes.
#[derive(Clone, Debug, PartialEq)]
pub struct Timeline {
    /// Title; empty means `"Trials over time"`.
    pub title: String,
    /// Lane labels (workers, devices, Slurm tasks), top to bottom.
    pub lanes: Vec<String>,
    /// The attempts.
    pub bars: Vec<TimelineBar>,
    /// The current time of a running study (seconds since its start): a dashed "now" line.
    pub now: Option<f64>,
    /// Footnote under the chart.
    pub note: String,
    /// Width of the SVG in pixels (the height follows from the lanes).
    pub width: f64,
}

impl Timeline {
    /// A timeline with the given lanes and no attempts yet.
    pub fn new<S: Into<String>>(lanes: impl IntoIterator<Item = S>) -> Self {
        Timeline {
            title: String::new(),
            lanes: lanes.into_iter().map(Into::into).collect(),
            bars: Vec::new(),
            now: None,
            note: String::new(),
            width: 900.0,
        }
    }
    /// Adds an attempt.
    pub fn bar(mut self, bar: TimelineBar) -> Self {
        self.bars.push(bar);
        self
    }
    /// Sets the attempts.
    pub fn bars(mut self, bars: Vec<TimelineBar>) -> Self {
        self.bars = bars;
        self
    }
    /// Marks the current time of a running study.
    pub fn now(mut self, seconds: f64) -> Self {
        self.now = Some(seconds);
        self
    }
    /// Sets the width in pixels.
    pub fn width(mut self, w: f64) -> Self {
        self.width = w;
        self
    }

    fn lane_label(&self, i: usize) -> String {
        self.lanes.get(i).cloned().unwrap_or_else(|| format!("lane {i}"))
    }
}

/// The attempts that can be drawn, with their end mended (an end before the start, or none,
/// becomes the start).
fn drawable(bars: &[TimelineBar]) -> Vec<(usize, f64, f64)> {
    bars.iter()
        .enumerate()
        .filter(|(_, b)| b.start.is_finite())
        .map(|(i, b)| (i, b.start, if b.end.is_finite() && b.end >= b.start { b.end } else { b.start }))
        .collect()
}

impl Chart for Timeline {
    fn to_svg(&self) -> String {
        let w = super::size_or(self.width, 900.0, 360.0);
        let title = if self.title.is_empty() { "Trials over time".to_string() } else { self.title.clone() };
        let ok = drawable(&self.bars);
        let skipped = self.bars.len() - ok.len();
        // the labelled lanes, then any other lane an attempt names, in order
        let mut lane_ids: Vec<usize> = (0..self.lanes.len()).collect();
        let mut extra: Vec<usize> = ok.iter().map(|&(i, ..)| self.bars[i].lane).filter(|&l| l >= self.lanes.len()).collect();
        extra.sort_unstable();
        extra.dedup();
        lane_ids.extend(extra);
        let slot_of = |lane: usize| lane_ids.binary_search(&lane).unwrap_or(0);
        let nlanes = lane_ids.len();
        let sub = format!(
            "{} attempt{} in {} lane{}; bar: start to end of an attempt",
            ok.len(),
            if ok.len() == 1 { "" } else { "s" },
            nlanes,
            if nlanes == 1 { "" } else { "s" }
        );
        let mut note = self.note.clone();
        if skipped > 0 {
            let m = format!("{skipped} attempt{} without a start time not shown", if skipped == 1 { "" } else { "s" });
            note = if note.is_empty() { m } else { format!("{m}. {note}") };
        }
        let head = super::header_height(&sub);
        let note_h = super::note_height(&note, w);
        if ok.is_empty() {
            let h = head + 160.0 + note_h + PAD;
            let mut s = Svg::new(w, h, &title);
            super::draw_header(&mut s, w, &title, &sub);
            super::draw_empty(&mut s, (PAD, head, w - PAD, h - PAD - note_h), "no trial attempts yet");
            super::draw_note(&mut s, w, h, &note);
            return s.finish();
        }

        // pack each lane's attempts into sub-rows: an attempt goes into the first row free at
        // its start
        let mut by_lane: Vec<Vec<(usize, f64, f64)>> = vec![Vec::new(); nlanes];
        for &(i, a, b) in &ok {
            by_lane[slot_of(self.bars[i].lane)].push((i, a, b));
        }
        let mut row_of = vec![0usize; self.bars.len()];
        let mut rows_in: Vec<usize> = vec![1; nlanes];
        for (lane, list) in by_lane.iter_mut().enumerate() {
            list.sort_by(|x, y| x.1.total_cmp(&y.1).then(x.0.cmp(&y.0)));
            let mut ends: Vec<f64> = Vec::new();
            for &(i, a, b) in list.iter() {
                let r = match ends.iter().position(|&e| e <= a + 1e-9) {
                    Some(r) => r,
                    None => {
                        ends.push(f64::NEG_INFINITY);
                        ends.len() - 1
                    }
                };
                ends[r] = b;
                row_of[i] = r;
            }
            rows_in[lane] = ends.len().max(1);
        }
        let total_rows: usize = rows_in.iter().sum();
        let row_h = (340.0 / total_rows as f64).clamp(6.0, 20.0);
        let lane_gap = if row_h >= 10.0 { 4.0 } else { 2.0 };

        // time axis (at least a second long: a study of instant trials still reads 0 … 1 s)
        let t0 = ok.iter().map(|&(_, a, _)| a).fold(0.0f64, f64::min);
        let t1 = ok.iter().map(|&(_, _, b)| b).chain(self.now.filter(|n| n.is_finite())).fold(f64::NEG_INFINITY, f64::max);
        let (div, unit) = scale::time_unit(t1 - t0);
        let (dlo, dhi, ticks, step) = scale::nice_domain(t0 / div, t1.max(t0 + 1.0) / div, 6);
        let tdec = scale::decimals_for_step(step);

        // layout
        let labels: Vec<String> = lane_ids.iter().map(|&i| svg::truncate_middle(&self.lane_label(i), TICK_SIZE, false, 160.0)).collect();
        let lw = labels.iter().map(|l| svg::text_width(l, TICK_SIZE, false)).fold(0.0, f64::max);
        let left = PAD + lw + 10.0;
        let right = w - PAD - 8.0;
        let legend_y = head + 6.0;
        let top = legend_y + 20.0;
        let lane_top: Vec<f64> = rows_in
            .iter()
            .scan(top, |y, &r| {
                let t = *y;
                *y += r as f64 * row_h + lane_gap;
                Some(t)
            })
            .collect();
        let bottom = top + total_rows as f64 * row_h + lane_gap * nlanes as f64;
        let h = bottom + 6.0 + TICK_SIZE + 8.0 + LABEL_SIZE + 8.0 + note_h + PAD;
        let xsc = Scale::linear(dlo * div, dhi * div, left, right);

        let mut s = Svg::new(w, h, &title);
        super::draw_header(&mut s, w, &title, &sub);

        // legend: the outcomes present, with counts, and the retry hatching
        {
            let mut x = PAD;
            for o in AttemptOutcome::ALL {
                let c = ok.iter().filter(|&&(i, ..)| self.bars[i].outcome == o).count();
                if c == 0 {
                    continue;
                }
                s.rect(x, legend_y - 6.0, 16.0, 12.0, o.colour(), "");
                let t = format!("{} ({c})", o.label());
                s.text_attrs(x + 22.0, legend_y + 4.5, &t, Txt::new(LEGEND_SIZE), "class=\"legend-entry\"");
                x += 22.0 + svg::text_width(&t, LEGEND_SIZE, false) + 16.0;
            }
            let retries = ok.iter().filter(|&&(i, ..)| self.bars[i].attempt >= 2).count();
            if retries > 0 {
                s.rect(x, legend_y - 6.0, 16.0, 12.0, "#999999", "");
                s.hatch(x, legend_y - 6.0, 16.0, 12.0, 4.0, "#ffffff", 1.3, "");
                s.rect(x, legend_y - 6.0, 16.0, 12.0, "none", RETRY_OUTLINE);
                let t = format!("hatched: retry, attempt ≥ 2 ({retries})");
                s.text_attrs(x + 22.0, legend_y + 4.5, &t, Txt::new(LEGEND_SIZE), "class=\"legend-entry\"");
            }
        }

        // lanes: alternate shading, labels (thinned when rows are thin)
        let centres: Vec<f64> = (0..nlanes).map(|l| lane_top[l] + rows_in[l] as f64 * row_h / 2.0).collect();
        let keep = scale::thin(&centres, &vec![TICK_SIZE + 1.0; nlanes], 1.0, &[]);
        for l in 0..nlanes {
            let lh = rows_in[l] as f64 * row_h;
            if l % 2 == 0 {
                s.rect(left, lane_top[l] - lane_gap / 2.0, right - left, lh + lane_gap, "#f6f6f6", "");
            }
            if keep[l] {
                s.text_attrs(left - 7.0, centres[l] + TICK_SIZE * 0.35, &labels[l], Txt::new(TICK_SIZE).end().fill(MUTED), "class=\"lane\"");
            }
        }
        // time grid and axis
        for &t in &ticks {
            let x = xsc.map(t * div);
            s.line(x, top - 2.0, x, bottom, GRID, 1.0, "");
            s.line(x, bottom, x, bottom + 5.0, AXIS, 1.0, "");
            s.text(x, bottom + 6.0 + TICK_SIZE, &scale::fmt_num(t, tdec), Txt::new(TICK_SIZE).middle().fill(MUTED));
        }
        s.line(left, bottom, right, bottom, AXIS, 1.0, "");
        let xt = format!("time since the study started ({unit})");
        s.text((left + right) / 2.0, bottom + TICK_SIZE + LABEL_SIZE + 16.0, &xt, Txt::new(LABEL_SIZE).middle());

        // bars
        let bh = (row_h - if row_h >= 10.0 { 3.0 } else { 1.0 }).max(2.0);
        s.open_group("class=\"bars\"");
        for &(i, a, b) in &ok {
            let bar = &self.bars[i];
            let lane = slot_of(bar.lane);
            let x0 = xsc.map(a);
            let bw = (xsc.map(b) - x0).max(1.5);
            let y = lane_top[lane] + row_of[i] as f64 * row_h + (row_h - bh) / 2.0;
            let running = bar.outcome == AttemptOutcome::Running;
            let class = if bar.attempt >= 2 { "class=\"attempt retry\"" } else { "class=\"attempt\"" };
            let extra = if running { format!("fill-opacity=\"0.75\" {class}") } else { class.to_string() };
            s.tip(&bar.tooltip(&self.lane_label(bar.lane)));
            s.rect(x0, y, bw, bh, bar.outcome.colour(), &extra);
            if bar.attempt >= 2 {
                // hatching and outline pass the pointer through to the bar and its tooltip
                s.hatch(x0, y, bw, bh, 4.0, "#ffffff", 1.2, "pointer-events=\"none\"");
                s.rect(x0, y, bw, bh, "none", &format!("{RETRY_OUTLINE} pointer-events=\"none\""));
            }
        }
        s.close_group();

        if let Some(now) = self.now.filter(|n| n.is_finite()) {
            let x = xsc.map(now);
            s.line(x, top - 4.0, x, bottom, TEXT, 1.2, "stroke-dasharray=\"4 3\" class=\"now\"");
            s.text(x, top - 6.0, "now", Txt::new(TICK_SIZE - 1.0).middle().fill(MUTED));
        }
        super::draw_note(&mut s, w, h, &note);
        s.finish()
    }
}

/// The outline of a retried attempt.
const RETRY_OUTLINE: &str = "stroke=\"#222222\" stroke-width=\"1\"";

super::chart_setters!(Timeline);

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::*;

    fn rects(svg: &str) -> Vec<(f64, f64, f64)> {
        let attr = |l: &str, a: &str| -> f64 { l.split(&format!(" {a}=\"")).nth(1).unwrap().split('"').next().unwrap().parse().unwrap() };
        svg.lines().filter(|l| l.contains("class=\"attempt")).map(|l| (attr(l, "x"), attr(l, "y"), attr(l, "width"))).collect()
    }

    fn cluster() -> Timeline {
        Timeline::new(["gpu0", "gpu1"]).bars(vec![
            TimelineBar::new(0, 0.0, 60.0, AttemptOutcome::Ok).trial("1").label("lr=0.1"),
            TimelineBar::new(0, 60.0, 90.0, AttemptOutcome::Failed).trial("2").detail("CUDA out of memory"),
            TimelineBar::new(0, 90.0, 150.0, AttemptOutcome::Ok).trial("2").attempt(2),
            TimelineBar::new(1, 0.0, 40.0, AttemptOutcome::Pruned).trial("3"),
            TimelineBar::new(1, 40.0, 160.0, AttemptOutcome::TimedOut).trial("4"),
        ])
    }

    #[test]
    fn one_bar_per_attempt_coloured_by_outcome_with_retries_hatched() {
        let svg = cluster().to_svg();
        assert_well_formed(&svg);
        assert_eq!(rects(&svg).len(), 5);
        assert_eq!(count(&svg, "class=\"attempt retry\""), 1);
        assert_eq!(count(&svg, "pointer-events=\"none\""), 2, "hatching and outline of the retry");
        for (o, c) in [("ok", 2), ("failed", 1), ("pruned", 1), ("timed out", 1)] {
            assert!(svg.contains(&format!(">{o} ({c})<")), "legend {o}");
        }
        assert!(!svg.contains(">running ("));
        assert!(svg.contains("hatched: retry, attempt ≥ 2 (1)"));
        assert!(svg.contains("<title>trial 2, attempt 1 · gpu0 · failed · 60 s → 90 s (30 s) · CUDA out of memory</title>"));
        assert!(svg.contains("<title>lr=0.1 · trial 1, attempt 1 · gpu0 · ok"));
        assert!(svg.contains("time since the study started (min)"));
        // lane order and positions: lane 0 above lane 1, bars in time order left to right
        let r = rects(&svg);
        assert!(r[0].1 < r[3].1 && r[0].0 < r[1].0 && r[1].0 < r[2].0);
        assert!((r[0].0 - r[3].0).abs() < 1e-9, "both lanes start at 0");
    }

    #[test]
    fn overlapping_attempts_stack_within_a_lane() {
        let t = Timeline::new(["task 0"]).bars(vec![
            TimelineBar::new(0, 0.0, 100.0, AttemptOutcome::Ok),
            TimelineBar::new(0, 10.0, 50.0, AttemptOutcome::Ok),
            TimelineBar::new(0, 60.0, 90.0, AttemptOutcome::Ok),
            TimelineBar::new(0, 100.0, 120.0, AttemptOutcome::Ok),
        ]);
        let r = rects(&t.to_svg());
        let ys: Vec<f64> = r.iter().map(|x| x.1).collect();
        assert_eq!(ys[0], ys[3], "free again at 100");
        assert_eq!(ys[1], ys[2], "second row reused");
        assert!(ys[1] > ys[0]);
    }

    #[test]
    fn lanes_beyond_the_labels_and_hours_and_now() {
        let t = Timeline::new(["a"])
            .bar(TimelineBar::new(3, 0.0, 7_200.0, AttemptOutcome::Running))
            .bar(TimelineBar::new(0, 100.0, 50.0, AttemptOutcome::Ok))
            .now(10_000.0);
        let svg = t.to_svg();
        assert_well_formed(&svg);
        assert!(svg.contains(">lane 3<") && !svg.contains(">lane 1<"), "only the lanes used");
        assert!(svg.contains("(h)") && svg.contains("class=\"now\""));
        assert!(rects(&svg).iter().all(|r| r.2 >= 1.5), "an end before the start: a thin bar");
        assert!(svg.contains(">running (1)<"));
    }

    #[test]
    fn escapes_user_text() {
        let t = Timeline::new([NASTY_PARAM])
            .title(NASTY_PARAM)
            .note(NASTY_LEVEL)
            .bar(TimelineBar::new(0, 0.0, 1.0, AttemptOutcome::Failed).trial("<script>&\"").label(NASTY_LEVEL).detail("</title><script>"));
        let svg = t.to_svg();
        assert_escaped(&svg);
        assert!(svg.contains("trial &lt;script&gt;&amp;&quot;") && svg.contains("&lt;/title&gt;"));
    }

    #[test]
    fn empty_one_and_degenerate_inputs_render() {
        let e = Timeline::new(["w0", "w1"]).to_svg();
        assert_well_formed(&e);
        assert!(e.contains("no trial attempts yet") && e.contains("class=\"empty\""));
        let one = Timeline::new(Vec::<String>::new()).bar(TimelineBar::new(0, 5.0, 5.0, AttemptOutcome::Ok)).to_svg();
        assert_well_formed(&one);
        assert_eq!(rects(&one).len(), 1);
        let odd = Timeline::new(["x"])
            .bars(vec![
                TimelineBar::new(0, f64::NAN, 1.0, AttemptOutcome::Ok),
                TimelineBar::new(0, 1.0, f64::INFINITY, AttemptOutcome::Failed).attempt(0),
                TimelineBar::new(usize::MAX, -5.0, -1.0, AttemptOutcome::Pruned),
                TimelineBar::new(2, 1e300, 1e301, AttemptOutcome::Ok).attempt(u32::MAX),
            ])
            .now(f64::NAN)
            .width(f64::INFINITY);
        let svg = odd.to_svg();
        assert_well_formed(&svg);
        assert!(svg.contains("1 attempt without a start time not shown"));
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
        // many lanes stay legible: thin rows, thinned labels
        let many = Timeline::new((0..200).map(|i| format!("task {i}")))
            .bars((0..400).map(|i| TimelineBar::new(i % 200, i as f64, i as f64 + 30.0, AttemptOutcome::Ok)).collect());
        let svg = many.to_svg();
        assert_eq!(rects(&svg).len(), 400);
        assert!(count(&svg, "class=\"lane\"") < 200);
    }
}
