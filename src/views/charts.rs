//! Results as charts: the numbers come from the summary and the significance table, the
//! drawing from [`crate::chart`]. Every chart shows itself inline in evcxr (SVG inside HTML).

use crate::chart::{
    AttemptOutcome, Better, ChartGrid, ComponentBar, ComponentBars, CriticalDifference, MeanCi, HeatCell, Heatmap,
    CurveChart, CurvePoint, CurveSeries, InteractionLine, InteractionPlot, LineChart, LinePoint, ParallelCoordinates,
    ParamAxis, Timeline, TimelineBar, TrialPoint,
};
use crate::error::{Error, Result};
use crate::analysis::{MeanCurves, Ranking, Significance};
use crate::results::{Results, Summary};
use crate::space::{Domain, Param, Spacing, Value};
use crate::trial::Direction;

const STARS_NOTE: &str = "stars: paired t vs baseline, Holm-adjusted p < 0.05 *, < 0.01 **, < 0.001 ***";

/// Which way of a chart's value axis is better for a metric going `direction`.
pub(crate) fn better(direction: Direction) -> Better {
    match direction {
        Direction::Maximize => Better::Higher,
        Direction::Minimize => Better::Lower,
    }
}

/// The plan's configurations that vary only `param`, plus the baseline, as
/// (config index, value), in level order.
fn one_factor_configs(results: &Results, param: &Param) -> Vec<(usize, Value)> {
    let plan = results.plan();
    let mut out = vec![(0, param.baseline().clone())];
    for c in 1..plan.configs().len() {
        let varied = plan.varied(c);
        if varied.len() == 1 && varied[0] == param.name()
            && let Some(v) = plan.configs()[c].config().get(param.name()) {
                out.push((c, v.clone()));
            }
    }
    if out.iter().all(|(_, v)| v.as_f64().is_some()) {
        out.sort_by(|a, b| a.1.as_f64().unwrap_or(0.0).total_cmp(&b.1.as_f64().unwrap_or(0.0)));
    } else if let Some(levels) = param.level_list() {
        out.sort_by_key(|(_, v)| levels.iter().position(|l| l == v).unwrap_or(usize::MAX));
    }
    out
}

/// What the charts read from results, computed once per view: the primary metric's summary,
/// its per-seed values, and each config's significance marker (adjusted p; empty where
/// untested).
pub(crate) struct ChartData {
    summary: Summary,
    values: Vec<Vec<Option<f64>>>,
    marks: Vec<String>,
}

impl ChartData {
    /// The chart inputs of `results`, with markers from `sig` when given.
    pub(crate) fn new(results: &Results, sig: Option<&Significance>) -> Result<ChartData> {
        let mut marks = vec![String::new(); results.plan().configs().len()];
        for row in sig.map_or(&[][..], |s| &s.rows[..]) {
            marks[row.config_index] = row.marker.to_string();
        }
        Ok(ChartData { summary: results.summary(), values: results.values(&results.primary().name)?, marks })
    }

    /// The primary metric's summary.
    pub(crate) fn summary(&self) -> &Summary {
        &self.summary
    }

    /// The chart inputs of `results`, computing its significance table for the markers.
    fn of(results: &Results) -> Result<ChartData> {
        ChartData::new(results, results.significance().ok().as_ref())
    }
}

impl Results {
    /// Line chart of the primary metric against one parameter varied on its own: mean with
    /// 95% CI, each seed as a faint dot, the baseline marked, significance stars; log axis for
    /// log-scale parameters, category axis for categorical ones.
    pub fn line(&self, param: &str) -> Result<LineChart> {
        self.line_from(&ChartData::of(self)?, param)
    }

    fn line_from(&self, data: &ChartData, param: &str) -> Result<LineChart> {
        let plan = self.plan();
        let param = plan.param(param)?;
        let configs = one_factor_configs(self, param);
        if configs.len() < 2 {
            return Err(Error::Invalid {
                message: format!(
                    "no configuration varies `{}` on its own: give it .levels([...]) (one-factor-at-a-time) to chart it",
                    param.name()
                ),
            });
        }
        let metric = self.primary();
        let (summary, values, marks) = (&data.summary, &data.values, &data.marks);
        let numeric = configs.iter().all(|(_, v)| v.as_f64().is_some());
        let points = configs
            .iter()
            .filter_map(|(c, value)| {
                let row = summary.rows.iter().find(|r| r.config_index == *c)?;
                let mean = row.mean?;
                let mut point = if numeric {
                    LinePoint::num(value.as_f64()?, mean)
                } else {
                    LinePoint::cat(param.format_value(value), mean)
                };
                if let (Some(lo), Some(hi)) = (row.ci_low, row.ci_high) {
                    point = point.ci(lo, hi);
                }
                point = point.seeds(values[*c].iter().flatten().copied().collect::<Vec<f64>>()).marker(marks[*c].clone());
                Some(if *c == 0 { point.baseline() } else { point })
            })
            .collect();
        Ok(LineChart::new(param.name(), metric.name.clone())
            .points(points)
            .better(better(metric.direction))
            .log_x(param.domain().spacing() == Spacing::Log && numeric)
            .note(STARS_NOTE))
    }

    /// Line charts of every parameter varied on its own, side by side (small multiples).
    pub fn lines(&self) -> Result<ChartGrid> {
        self.lines_from(&ChartData::of(self)?)
    }

    pub(crate) fn lines_from(&self, data: &ChartData) -> Result<ChartGrid> {
        let charts: Vec<LineChart> = self
            .plan()
            .params()
            .iter()
            .filter(|p| !p.is_component())
            .filter_map(|p| self.line_from(data, p.name()).ok())
            .collect();
        if charts.is_empty() {
            return Err(Error::Invalid {
                message: "no parameter is varied on its own: give parameters .levels([...]) to chart them".into(),
            });
        }
        Ok(ChartGrid::of_line_charts(&charts, charts.len().min(2), 860.0))
    }

    /// The levels of a grid parameter, formatted, and the values.
    fn grid_axis(&self, name: &str) -> Result<(Vec<String>, Vec<Value>)> {
        let param = self.plan().param(name)?;
        let levels = param.level_list().ok_or_else(|| Error::Invalid {
            message: format!("param `{name}` has no levels: give it .levels([...]) and vary it in a .grid([...])"),
        })?;
        Ok((levels.iter().map(|v| param.format_value(v)).collect(), levels.to_vec()))
    }

    /// The config index of the baseline with `x` and `y` set, if it ran.
    fn grid_cell(&self, x: &str, xv: &Value, y: &str, yv: &Value) -> Option<usize> {
        let mut config = self.plan().baseline().clone();
        config.set(x, xv.clone());
        config.set(y, yv.clone());
        self.plan().config_index(&config)
    }

    /// Heatmap of the primary metric over two grid parameters: each cell annotated with mean
    /// ± sd, a diverging palette centred on the baseline, significant cells marked.
    pub fn heatmap(&self, x: &str, y: &str) -> Result<Heatmap> {
        self.heatmap_from(&ChartData::of(self)?, x, y)
    }

    pub(crate) fn heatmap_from(&self, data: &ChartData, x: &str, y: &str) -> Result<Heatmap> {
        let (x_labels, x_values) = self.grid_axis(x)?;
        let (y_labels, y_values) = self.grid_axis(y)?;
        let metric = self.primary();
        let (summary, marks) = (&data.summary, &data.marks);
        let mut heatmap = Heatmap::new(x, y, metric.name.clone(), x_labels, y_labels).better(better(metric.direction));
        let mut found = 0;
        let mut baseline_cell = None;
        for (r, yv) in y_values.iter().enumerate() {
            for (c, xv) in x_values.iter().enumerate() {
                let Some(index) = self.grid_cell(x, xv, y, yv) else { continue };
                if index == 0 {
                    baseline_cell = Some((r, c));
                }
                let Some(row) = summary.rows.iter().find(|s| s.config_index == index) else { continue };
                let Some(mean) = row.mean else { continue };
                let mut cell = HeatCell::new(mean);
                if let Some(sd) = row.std {
                    cell = cell.sd(sd);
                }
                if !marks[index].is_empty() {
                    cell = cell.significant(marks[index].clone());
                }
                heatmap.set(r, c, cell);
                found += 1;
            }
        }
        if found == 0 {
            return Err(Error::Invalid {
                message: format!("no configuration of the grid `{x}` × `{y}` ran: add .grid([\"{x}\", \"{y}\"]) to the study"),
            });
        }
        let baseline_mean = summary.rows.first().and_then(|r| r.mean);
        if let Some(b) = baseline_mean {
            heatmap = heatmap.baseline(b, baseline_cell);
        }
        Ok(heatmap.note(format!("cells: mean ± sd over seeds; colours centred on the baseline; {STARS_NOTE}")))
    }

    /// Interaction plot: the primary metric against `x`, one line per level of `lines`, with
    /// 95% CI whiskers. Parallel lines mean no interaction.
    pub fn interaction(&self, x: &str, lines: &str) -> Result<InteractionPlot> {
        self.interaction_from(&self.summary(), x, lines)
    }

    pub(crate) fn interaction_from(&self, summary: &Summary, x: &str, lines: &str) -> Result<InteractionPlot> {
        let (x_labels, x_values) = self.grid_axis(x)?;
        let (line_labels, line_values) = self.grid_axis(lines)?;
        let metric = self.primary();
        let mut plot =
            InteractionPlot::new(x, lines, metric.name.clone(), x_labels).better(better(metric.direction));
        let mut any = false;
        for (label, lv) in line_labels.iter().zip(&line_values) {
            let points: Vec<Option<MeanCi>> = x_values
                .iter()
                .map(|xv| {
                    let index = self.grid_cell(x, xv, lines, lv)?;
                    let row = summary.rows.iter().find(|s| s.config_index == index)?;
                    let ci = row.ci_low.zip(row.ci_high);
                    Some(MeanCi::new(row.mean?, ci))
                })
                .collect();
            any |= points.iter().any(Option::is_some);
            plot = plot.line(InteractionLine::new(label.clone(), points));
        }
        if !any {
            return Err(Error::Invalid {
                message: format!("no configuration of the grid `{x}` × `{lines}` ran: add .grid([\"{x}\", \"{lines}\"]) to the study"),
            });
        }
        Ok(plot.note("points: mean over seeds with 95% CI; parallel lines = no interaction"))
    }

    /// Bar chart of the change in the primary metric when each component is removed alone
    /// (leave-one-out), with 95% CIs of the paired differences and significance stars,
    /// sorted by effect.
    pub fn component_bars(&self) -> Result<ComponentBars> {
        self.component_bars_from(&self.significance()?)
    }

    pub(crate) fn component_bars_from(&self, sig: &Significance) -> Result<ComponentBars> {
        let plan = self.plan();
        let bars: Vec<ComponentBar> = sig
            .rows
            .iter()
            .filter(|r| r.varied.len() == 1)
            .filter(|r| plan.param(&r.varied[0]).is_ok_and(|p| p.is_component()))
            .filter(|r| plan.configs()[r.config_index].config().get(&r.varied[0]) == Some(&Value::Bool(false)))
            .filter_map(|r| {
                let mut bar = ComponentBar::new(r.varied[0].clone(), r.change?);
                if let Some((lo, hi)) = r.change_ci {
                    bar = bar.ci(lo, hi);
                }
                if !r.marker.is_empty() {
                    bar = bar.significant(r.marker);
                }
                Some(bar)
            })
            .collect();
        if bars.is_empty() {
            return Err(Error::Invalid {
                message: "no component was removed on its own: declare Param::component(...) and add .leave_one_out()".into(),
            });
        }
        let metric = self.primary();
        Ok(ComponentBars::new(metric.name.clone(), bars)
            .better(better(metric.direction))
            .baseline_label("full model")
            .note(STARS_NOTE))
    }

    /// Critical-difference diagram (Demšar 2006) from [`Results::ranking`]: configs by mean
    /// rank, bars joining those the Nemenyi test cannot tell apart.
    pub fn cd_diagram(&self) -> Result<CriticalDifference> {
        Ok(cd_diagram_of(&self.ranking()?))
    }
}

/// The critical-difference diagram of a ranking.
pub(crate) fn cd_diagram_of(ranking: &Ranking) -> CriticalDifference {
    CriticalDifference::new(ranking.configs.clone(), ranking.friedman.mean_ranks.clone(), ranking.nemenyi.critical_difference)
        .cliques(ranking.cliques())
        .note(format!(
            "mean rank over {} seeds (1 = best); CD = Nemenyi critical difference at α = 0.05; Friedman p {}",
            ranking.n_seeds,
            crate::display::p_relation(ranking.friedman.p_value)
        ))
}

impl MeanCurves {
    /// The curves as a chart: one mean line per configuration with its 95% band over seeds,
    /// the baseline dashed. `better` colours nothing; it only labels the axis's direction.
    pub fn chart(&self) -> CurveChart {
        let mut chart = CurveChart::new(self.name.clone(), "step");
        for curve in &self.curves {
            let points = curve.points.iter().map(|&(step, mean, band, _)| CurvePoint { step: step as f64, mean, band }).collect();
            chart = chart.series(CurveSeries { baseline: curve.config_index == 0, ..CurveSeries::new(curve.label.clone(), points) });
        }
        let fewest = self.curves.iter().flat_map(|c| c.points.iter().map(|p| p.3)).min().unwrap_or(0);
        chart.note = format!("{} configs; band: 95% t-interval over the seeds that reported the step (at least {fewest} per point)", self.curves.len());
        chart
    }
}

impl Results {
    /// The mean learning curves of the reported value `name` as a chart
    /// (`results.curve_chart("val_loss")?`): see [`Results::mean_curves`].
    pub fn curve_chart(&self, name: &str) -> Result<CurveChart> {
        let mut chart = self.mean_curves(name)?.chart();
        chart.better = self.metric(name).ok().map(|m| better(m.direction));
        Ok(chart)
    }
}

impl Results {
    /// Every trial at once: one line per finished trial through an axis per parameter the
    /// study varies (log axes for log params, levels for categories, enabled/removed for
    /// components) and the primary metric, coloured by it, the baseline on top. Axes are
    /// ordered by fANOVA importance when the study has enough configurations to fit it,
    /// else in the study's order.
    pub fn parallel_coordinates(&self) -> Result<ParallelCoordinates> {
        let plan = self.plan();
        let metric = self.primary();
        let params: Vec<&Param> = plan.params().iter().filter(|p| (1..plan.configs().len()).any(|c| plan.varied(c).iter().any(|v| v == p.name()))).collect();
        if params.is_empty() {
            return Err(Error::Invalid { message: "no parameter varies in this study: parallel coordinates need at least one".into() });
        }
        let axes: Vec<ParamAxis> = params
            .iter()
            .map(|p| match p.domain() {
                Domain::Component => ParamAxis::component(p.name()),
                Domain::Bool => ParamAxis::categorical(p.name(), ["false", "true"]),
                Domain::Categorical { choices } => ParamAxis::categorical(p.name(), choices.iter().cloned()),
                _ => ParamAxis::numeric(p.name(), p.domain().spacing() == Spacing::Log),
            })
            .collect();
        let mut chart = ParallelCoordinates::new(metric.name.clone()).axes(axes).better(better(metric.direction));
        for record in self.records().iter().filter(|r| r.status == crate::store::Status::Ok) {
            let Some(c) = plan.config_index(&record.config) else { continue };
            let mut point = TrialPoint::new(record.id.as_str(), record.metrics.get(&metric.name).unwrap_or(f64::NAN)).label(plan.label(c));
            for p in &params {
                point = match record.config.get(p.name()) {
                    Some(Value::Float(x)) => point.num(*x),
                    Some(Value::Int(i)) => point.num(*i as f64),
                    Some(Value::Bool(b)) if p.is_component() => point.component(*b),
                    Some(Value::Bool(b)) => point.cat(b.to_string()),
                    Some(Value::Str(s)) => point.cat(s.clone()),
                    None => point.missing(),
                };
            }
            chart = chart.trial(if c == 0 { point.baseline() } else { point });
        }
        // Importance needs a design that varies parameters together; OFAT studies often cannot
        // fit it, and then the study's order stands.
        if let Ok(importance) = self.importance() {
            let scores: Vec<f64> = params.iter().map(|p| importance.fanova.main.iter().find(|m| m.name == p.name()).map_or(f64::NAN, |m| m.importance)).collect();
            chart = chart.order_axes(&scores).note("axes ordered by fANOVA importance, most important first");
        }
        Ok(chart)
    }

    /// When each trial attempt ran, from the records' start times and durations: one lane per
    /// GPU when the trials had GPUs, else lanes filled as trials overlapped (at most as many
    /// as ran at once), coloured by how each attempt ended; retries hatched.
    pub fn timeline(&self) -> Result<Timeline> {
        let plan = self.plan();
        let mut attempts: Vec<&crate::store::TrialRecord> = self.records().iter().collect();
        if attempts.is_empty() {
            return Err(Error::Invalid { message: "no trial has finished yet: the timeline draws finished attempts".into() });
        }
        attempts.sort_by_key(|r| (r.started_at_ms, r.ended_at_ms()));
        let t0 = attempts[0].started_at_ms;
        let secs = |ms: i64| (ms - t0) as f64 / 1000.0;
        let by_device = attempts.iter().all(|r| !r.provenance.devices.is_empty());
        let mut lanes: Vec<String> = Vec::new();
        // Without devices: the first lane free at the attempt's start (interval partitioning).
        let mut free_at: Vec<i64> = Vec::new();
        let mut bars = Vec::with_capacity(attempts.len());
        for r in attempts {
            let lane = if by_device {
                let name = format!("GPU {}", r.provenance.devices.iter().map(|d| d.id.as_str()).collect::<Vec<_>>().join("+"));
                lanes.iter().position(|l| *l == name).unwrap_or_else(|| {
                    lanes.push(name);
                    lanes.len() - 1
                })
            } else {
                match free_at.iter().position(|&end| end <= r.started_at_ms) {
                    Some(i) => {
                        free_at[i] = r.ended_at_ms();
                        i
                    }
                    None => {
                        free_at.push(r.ended_at_ms());
                        lanes.push(format!("slot {}", lanes.len() + 1));
                        lanes.len() - 1
                    }
                }
            };
            let outcome = match r.status {
                crate::store::Status::Ok => AttemptOutcome::Ok,
                crate::store::Status::Pruned => AttemptOutcome::Pruned,
                crate::store::Status::Failed if r.error.as_deref().is_some_and(|e| e.starts_with("timed out")) => AttemptOutcome::TimedOut,
                crate::store::Status::Failed => AttemptOutcome::Failed,
            };
            let label = plan.config_index(&r.config).map(|c| plan.label(c)).unwrap_or_default();
            bars.push(TimelineBar::new(lane, secs(r.started_at_ms), secs(r.ended_at_ms()), outcome).trial(r.id.as_str()).label(label).attempt(r.attempt).detail(r.error.clone().unwrap_or_default()));
        }
        Ok(Timeline::new(lanes).bars(bars).title(format!("{}: trials over time", plan.name())))
    }
}
