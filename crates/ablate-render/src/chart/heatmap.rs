//! Heatmap of a metric over two grid parameters: diverging colours centred on the baseline
//! value (blue = better than baseline, orange = worse; white = same), cells annotated with
//! mean (± sd) when they are large enough, significant cells outlined in bold with their marker,
//! the baseline cell outlined dashed, and a colour bar labelled with the metric.

use super::scale::{self, Scale};
use super::svg::{self, Svg, Txt};
use super::theme::*;
use super::{Better, Chart};

/// One cell of the grid.
#[derive(Clone, Debug, PartialEq)]
pub struct HeatCell {
    /// Mean of the metric over seeds.
    pub mean: f64,
    /// Standard deviation over seeds, shown as "± sd" when the cell has room.
    pub sd: Option<f64>,
    /// Difference from baseline is significant: bold outline plus `marker`.
    pub significant: bool,
    /// Marker text for significant cells, e.g. "*" or "**" (default "*").
    pub marker: String,
}

impl HeatCell {
    /// A cell showing `mean`.
    pub fn new(mean: f64) -> Self {
        HeatCell { mean, sd: None, significant: false, marker: String::new() }
    }
    /// Sets the standard deviation shown under the mean.
    pub fn sd(mut self, sd: f64) -> Self {
        self.sd = Some(sd);
        self
    }
    /// Mark as significantly different from baseline with the given marker ("" → "*").
    pub fn significant(mut self, marker: impl Into<String>) -> Self {
        self.significant = true;
        self.marker = marker.into();
        self
    }
}

/// Heatmap over two parameters: columns are levels of `x_param`, rows levels of `y_param`.
#[derive(Clone, Debug, PartialEq)]
pub struct Heatmap {
    /// Title; empty means `"<metric> over <y_param> × <x_param>"`.
    pub title: String,
    /// Parameter on the x axis (its levels are the columns).
    pub x_param: String,
    /// Parameter on the y axis (its levels are the rows).
    pub y_param: String,
    /// Name of the metric (axis label and title).
    pub metric: String,
    /// Which direction of the metric is better, if known (colours, sorting, subtitle).
    pub better: Option<Better>,
    /// Column labels (levels of `x_param`), left to right.
    pub x_levels: Vec<String>,
    /// Row labels (levels of `y_param`), top to bottom.
    pub y_levels: Vec<String>,
    /// `cells[row][col]`; `None` (or a short row) is drawn as a grey "missing" cell.
    pub cells: Vec<Vec<Option<HeatCell>>>,
    /// Centre of the colour scale (the baseline's mean); `None`: the middle of the data range.
    pub baseline: Option<f64>,
    /// (row, col) of the baseline configuration, outlined dashed.
    pub baseline_cell: Option<(usize, usize)>,
    /// Footnote, e.g. what the stars mean.
    pub note: String,
    /// Preferred overall width; the heatmap shrinks cells to fit, down to a 14 px minimum.
    pub width: f64,
}

impl Heatmap {
    /// A heatmap of `metric` over `x_param` (columns) × `y_param` (rows) with the given
    /// level labels and no cells yet.
    pub fn new(
        x_param: impl Into<String>,
        y_param: impl Into<String>,
        metric: impl Into<String>,
        x_levels: Vec<String>,
        y_levels: Vec<String>,
    ) -> Self {
        let cells = vec![vec![None; x_levels.len()]; y_levels.len()];
        Heatmap {
            title: String::new(),
            x_param: x_param.into(),
            y_param: y_param.into(),
            metric: metric.into(),
            better: None,
            x_levels,
            y_levels,
            cells,
            baseline: None,
            baseline_cell: None,
            note: String::new(),
            width: 720.0,
        }
    }

    /// Set cell (row, col), growing the grid if needed.
    pub fn set(&mut self, row: usize, col: usize, cell: HeatCell) {
        if self.cells.len() <= row {
            self.cells.resize(row + 1, Vec::new());
        }
        if self.cells[row].len() <= col {
            self.cells[row].resize(col + 1, None);
        }
        self.cells[row][col] = Some(cell);
    }

    /// Sets the baseline value the palette is centred on, and the baseline's (row, col) cell.
    pub fn baseline(mut self, value: f64, cell: Option<(usize, usize)>) -> Self {
        self.baseline = Some(value);
        self.baseline_cell = cell;
        self
    }

    fn cell(&self, r: usize, c: usize) -> Option<&HeatCell> {
        self.cells.get(r).and_then(|row| row.get(c)).and_then(|x| x.as_ref()).filter(|x| x.mean.is_finite())
    }
}

impl Chart for Heatmap {
    fn to_svg(&self) -> String {
        let nx = self.x_levels.len().max(self.cells.iter().map(|r| r.len()).max().unwrap_or(0));
        let ny = self.y_levels.len().max(self.cells.len());
        let label = |v: &Vec<String>, i: usize| v.get(i).cloned().unwrap_or_default();
        let title = if self.title.is_empty() {
            format!("{} over {} × {}", self.metric, self.y_param, self.x_param)
        } else {
            self.title.clone()
        };

        // value range and centre
        let vals: Vec<f64> = (0..ny).flat_map(|r| (0..nx).map(move |c| (r, c))).filter_map(|(r, c)| self.cell(r, c).map(|x| x.mean)).collect();
        let (vmin, vmax) = vals.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
        let (vmin, vmax) = if vmin.is_finite() { (vmin, vmax) } else { (0.0, 1.0) };
        let centre = self.baseline.filter(|b| b.is_finite()).unwrap_or((vmin + vmax) / 2.0);
        let mut half = (vmax - centre).abs().max((vmin - centre).abs());
        if half <= 0.0 {
            half = centre.abs().max(1.0) * 1e-3;
        }
        // blue for better: flip when lower is better
        let sign = self.better.map_or(1.0, |b| b.sign());
        let colour = |v: f64| diverging(sign * (v - centre) / half);
        let dec = scale::decimals_for_spread(vmax - vmin).max(1);

        // layout
        let mut sub = String::from("colour: difference from baseline");
        if self.baseline.is_none() {
            sub = String::from("colour: difference from the middle of the range");
        }
        if let Some(b) = self.better {
            sub.push_str(" · ");
            sub.push_str(b.phrase());
        }
        let y_labels: Vec<String> = (0..ny).map(|i| svg::truncate_middle(&label(&self.y_levels, i), TICK_SIZE, false, 140.0)).collect();
        let ylw = y_labels.iter().map(|l| svg::text_width(l, TICK_SIZE, false)).fold(0.0, f64::max);
        let left = PAD + LABEL_SIZE + 12.0 + ylw + 8.0;
        let cbar_w = 16.0;
        // colour-bar tick labels and metric name sit right of the bar
        let (cticks, cstep) = scale::nice_ticks(centre - half, centre + half, 5);
        let cdec = scale::decimals_for_step(cstep).max(dec.min(4));
        let ctw = cticks.iter().map(|t| svg::text_width(&scale::fmt_num(*t, cdec), TICK_SIZE, false)).fold(0.0, f64::max);
        let right_block = CBAR_GAP + cbar_w + 6.0 + ctw + 10.0 + LABEL_SIZE + PAD;
        let avail = (self.width - left - right_block).max(14.0 * nx as f64);
        let cw = (avail / nx.max(1) as f64).clamp(14.0, 96.0);
        let ch = (cw * 0.62).clamp(14.0, 50.0);
        let gw = cw * nx as f64;
        let gh = ch * ny as f64;
        let width = (left + gw + right_block).max(360.0);
        let top = super::header_height(&sub) + 4.0;

        let mut note = String::new();
        if self.cells.iter().flatten().flatten().any(|c| c.significant) {
            note.push_str(if cw >= 26.0 { "bold outline: significantly different from baseline" } else { "dot: significantly different from baseline" });
        }
        if self.baseline_cell.is_some() {
            if !note.is_empty() {
                note.push_str("; ");
            }
            note.push_str("dashed outline: baseline");
        }
        if !self.note.is_empty() {
            if !note.is_empty() {
                note.push_str(". ");
            }
            note.push_str(&self.note);
        }
        let xs: Vec<f64> = (0..nx).map(|c| left + cw * (c as f64 + 0.5)).collect();
        let x_labels: Vec<String> = (0..nx).map(|i| label(&self.x_levels, i)).collect();
        let prio: Vec<bool> = (0..nx).map(|c| self.baseline_cell.is_some_and(|b| b.1 == c)).collect();
        let xl = super::layout_x_labels(&x_labels, &xs, &prio, 140.0, PAD, 160.0);
        let grid_bottom = top + gh;
        let cbar_h = gh.max(150.0);
        let body_bottom = (top + cbar_h).max(grid_bottom + xl.height + LABEL_SIZE + 12.0);
        let height = body_bottom + 8.0 + super::note_height(&note, width) + PAD;

        let mut s = Svg::new(width, height, &title);
        super::draw_header(&mut s, width, &title, &sub);

        // cells
        let show_sd = ch >= 36.0;
        let mut annotations = String::new();
        s.open_group("class=\"cells\" stroke=\"#ffffff\" stroke-width=\"1\"");
        for r in 0..ny {
            for c in 0..nx {
                let (x, y) = (left + cw * c as f64, top + ch * r as f64);
                match self.cell(r, c) {
                    Some(cell) => {
                        let fill = colour(cell.mean);
                        s.rect(x, y, cw, ch, &fill, "class=\"cell\"");
                        let tfill = if needs_light_text(&fill) { "#ffffff" } else { TEXT };
                        let m = scale::fmt_num(cell.mean, dec);
                        let fs = if cw >= 60.0 { ANNOT_SIZE } else { 10.5 };
                        if svg::text_width(&m, fs, false) + 6.0 <= cw && ch >= 16.0 {
                            let sd = cell.sd.filter(|v| v.is_finite()).map(|v| format!("± {}", scale::fmt_num(v, dec)));
                            let two = show_sd && sd.as_ref().is_some_and(|t| svg::text_width(t, 10.5, false) + 6.0 <= cw);
                            let yc = y + ch / 2.0;
                            let ym = if two { yc - 1.0 } else { yc + fs * 0.36 };
                            annotations.push_str(&text_el(x + cw / 2.0, ym, &m, fs, tfill, cell.significant));
                            if two {
                                annotations.push_str(&text_el(x + cw / 2.0, yc + 12.0, sd.as_deref().unwrap_or(""), 10.5, tfill, false));
                            }
                        }
                    }
                    None => s.rect(x, y, cw, ch, MISSING, "class=\"cell missing\""),
                }
            }
        }
        s.close_group();
        s.raw(&annotations);
        // significance outlines and markers on top
        for r in 0..ny {
            for c in 0..nx {
                if let Some(cell) = self.cell(r, c).filter(|x| x.significant) {
                    let (x, y) = (left + cw * c as f64, top + ch * r as f64);
                    let fill = colour(cell.mean);
                    let tfill = if needs_light_text(&fill) { "#ffffff" } else { TEXT };
                    if cw >= 26.0 {
                        s.rect(x + 1.5, y + 1.5, cw - 3.0, ch - 3.0, "none", "stroke=\"#111111\" stroke-width=\"2.5\" class=\"sig-cell\"");
                        let mk = if cell.marker.is_empty() { "*" } else { cell.marker.as_str() };
                        if ch >= 20.0 {
                            s.text_attrs(x + cw - 4.0, y + 13.0, mk, Txt::new(13.0).end().bold().fill(tfill), "class=\"sig\"");
                        }
                    } else {
                        // small cells: a dot reads better than a heavy outline
                        s.circle(x + cw / 2.0, y + ch / 2.0, (cw.min(ch) * 0.16).max(1.8), tfill, "class=\"sig-cell\"");
                    }
                }
            }
        }
        if let Some((r, c)) = self.baseline_cell.filter(|&(r, c)| r < ny && c < nx) {
            let (x, y) = (left + cw * c as f64, top + ch * r as f64);
            s.rect(x + 1.5, y + 1.5, cw - 3.0, ch - 3.0, "none", "stroke=\"#111111\" stroke-width=\"1.5\" stroke-dasharray=\"4 3\" class=\"baseline\"");
        }

        // y labels (thinned if rows are too short)
        let ys: Vec<f64> = (0..ny).map(|r| top + ch * (r as f64 + 0.5)).collect();
        let ykeep = scale::thin(&ys, &vec![TICK_SIZE + 1.0; ny], 1.0, &(0..ny).map(|r| self.baseline_cell.is_some_and(|b| b.0 == r)).collect::<Vec<_>>());
        for r in 0..ny {
            if ykeep[r] {
                s.text(left - 7.0, ys[r] + TICK_SIZE * 0.36, &y_labels[r], Txt::new(TICK_SIZE).end().fill(MUTED));
            }
        }
        super::draw_x_labels(&mut s, &xl, &xs, grid_bottom);

        // axis titles
        let xt = svg::truncate_to(&self.x_param, LABEL_SIZE, false, gw.max(120.0));
        s.text(left + gw / 2.0, grid_bottom + xl.height + LABEL_SIZE + 4.0, &xt, Txt::new(LABEL_SIZE).middle());
        let yt = svg::truncate_to(&self.y_param, LABEL_SIZE, false, gh.max(80.0));
        s.text(PAD + LABEL_SIZE, top + gh / 2.0, &yt, Txt::new(LABEL_SIZE).middle().rotate(-90.0));

        // colour bar: stacked rects (no gradient ids, so several charts can share one page)
        let bx = left + gw + CBAR_GAP;
        let steps = 48;
        let sc = Scale::linear(centre - half, centre + half, top + cbar_h, top);
        s.open_group("class=\"colorbar\"");
        for i in 0..steps {
            let v0 = centre - half + 2.0 * half * i as f64 / steps as f64;
            let v1 = centre - half + 2.0 * half * (i + 1) as f64 / steps as f64;
            let (y0, y1) = (sc.map(v1), sc.map(v0));
            s.rect(bx, y0, cbar_w, y1 - y0 + 0.6, &colour((v0 + v1) / 2.0), "");
        }
        s.close_group();
        s.rect(bx, top, cbar_w, cbar_h, "none", &format!("stroke=\"{AXIS}\" stroke-width=\"0.8\""));
        for t in &cticks {
            let y = sc.map(*t);
            s.line(bx + cbar_w, y, bx + cbar_w + 4.0, y, AXIS, 1.0, "");
            s.text(bx + cbar_w + 6.0, y + TICK_SIZE * 0.36, &scale::fmt_num(*t, cdec), Txt::new(TICK_SIZE).fill(MUTED));
        }
        if self.baseline.is_some() {
            let y = sc.map(centre);
            s.line(bx - 5.0, y, bx + cbar_w, y, TEXT, 1.5, "");
            s.text(bx - 7.0, y + 4.0, "base", Txt::new(10.5).end().fill(MUTED));
        }
        let mt = svg::truncate_to(&self.metric, LABEL_SIZE, false, cbar_h);
        s.text(bx + cbar_w + 6.0 + ctw + 8.0 + LABEL_SIZE * 0.8, top + cbar_h / 2.0, &mt, Txt::new(LABEL_SIZE).middle().rotate(90.0));

        super::draw_note(&mut s, width, height, &note);
        s.finish()
    }
}

/// Space between the grid and the colour bar (room for the "base" mark).
const CBAR_GAP: f64 = 40.0;

fn text_el(x: f64, y: f64, t: &str, size: f64, fill: &str, bold: bool) -> String {
    format!(
        "<text x=\"{}\" y=\"{}\" font-size=\"{}\" text-anchor=\"middle\" fill=\"{fill}\"{}>{}</text>\n",
        svg::n(x),
        svg::n(y),
        svg::n(size),
        if bold { " font-weight=\"bold\"" } else { "" },
        svg::esc(t)
    )
}

super::chart_setters!(Heatmap, better);

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::*;

    fn grid(nx: usize, ny: usize) -> Heatmap {
        let xl = (0..nx).map(|i| format!("x{i}")).collect();
        let yl = (0..ny).map(|i| format!("y{i}")).collect();
        let mut h = Heatmap::new("batch_size", "lr", "accuracy", xl, yl).better(Better::Higher).baseline(0.7, Some((0, 0)));
        for r in 0..ny {
            for c in 0..nx {
                let mut cell = HeatCell::new(0.6 + 0.01 * ((r * 7 + c * 3) % 20) as f64).sd(0.012);
                if (r + c) % 5 == 1 {
                    cell = cell.significant("**");
                }
                h.set(r, c, cell);
            }
        }
        h
    }

    #[test]
    fn a_by_b_grid_has_a_times_b_cells_and_labels() {
        let svg = grid(4, 3).to_svg();
        assert_well_formed(&svg);
        assert_eq!(count(&svg, "class=\"cell\""), 12);
        for l in ["x0", "x1", "x2", "x3", "y0", "y1", "y2"] {
            assert!(svg.contains(&format!(">{l}</text>")), "missing {l}");
        }
        let sig = (0..3).flat_map(|r| (0..4).map(move |c| (r, c))).filter(|(r, c)| (r + c) % 5 == 1).count();
        assert_eq!(count(&svg, "class=\"sig-cell\""), sig);
        assert_eq!(count(&svg, "class=\"baseline\""), 1);
        assert!(svg.contains("± 0.01"), "sd annotation");
        assert!(svg.contains("class=\"colorbar\""));
        assert!(svg.contains(">accuracy</text>"));
    }

    #[test]
    fn missing_cells_are_grey() {
        let mut h = Heatmap::new("a", "b", "m", vec!["1".into(), "2".into()], vec!["p".into(), "q".into()]);
        h.set(0, 0, HeatCell::new(1.0));
        h.set(1, 1, HeatCell::new(2.0));
        let svg = h.to_svg();
        assert_eq!(count(&svg, "class=\"cell\""), 2);
        assert_eq!(count(&svg, "class=\"cell missing\""), 2);
    }

    #[test]
    fn palette_is_centred_on_baseline_and_follows_direction() {
        let mut h = Heatmap::new("a", "b", "loss", vec!["1".into(), "2".into(), "3".into()], vec!["r".into()]).baseline(1.0, None);
        h.set(0, 0, HeatCell::new(0.5));
        h.set(0, 1, HeatCell::new(1.0));
        h.set(0, 2, HeatCell::new(1.5));
        let lower = h.clone().better(Better::Lower).to_svg();
        let cells = |svg: &str| -> Vec<String> {
            svg.lines().filter(|l| l.contains("class=\"cell\"")).map(|l| l.split("fill=\"").nth(1).unwrap()[..7].to_string()).collect()
        };
        let c = cells(&lower);
        assert_eq!(c[1], "#f7f7f7");
        assert_eq!(c[0], diverging(1.0), "lower loss is better: blue");
        assert_eq!(c[2], diverging(-1.0));
        let higher = cells(&h.better(Better::Higher).to_svg());
        assert_eq!(higher[2], diverging(1.0));
    }

    #[test]
    fn thirty_by_thirty_stays_under_a_megabyte() {
        let svg = grid(30, 30).to_svg();
        assert_well_formed(&svg);
        assert_eq!(count(&svg, "class=\"cell\""), 900);
        assert!(svg.len() <= 1_000_000, "{} bytes", svg.len());
        assert!(svg.len() <= 300_000, "heatmap grew: {} bytes", svg.len());
    }

    #[test]
    fn escapes_user_text() {
        let mut h = Heatmap::new(NASTY_PARAM, NASTY_LEVEL, NASTY_PARAM, vec![NASTY_LEVEL.into()], vec![NASTY_PARAM.into()]).title(NASTY_PARAM).note(NASTY_LEVEL);
        h.set(0, 0, HeatCell::new(1.0).significant("<i>"));
        let svg = h.to_svg();
        assert_escaped(&svg);
        assert!(svg.contains("a&amp;&quot;&#39;&lt;&gt;b"));
    }
}
