//! Inline display of every chart: an `<img>` with a data URI (it survives JupyterLab's
//! sanitizer in untrusted notebooks, where inline `<svg>` is removed), scaled down to the
//! cell width, with `alt` describing it; the plain-text form names the chart.

use super::evcxr::Render;
use super::report::svg_data_uri_img;
use crate::chart::{
    Chart, ChartGrid, ComponentBars, CriticalDifference, CurveChart, Heatmap, InteractionPlot, LineChart,
    ParallelCoordinates, SlicePlot, Timeline,
};

/// A chart's SVG as the HTML a notebook cell shows.
pub fn chart_html(svg: &str, alt: &str) -> String {
    format!("<div class=\"ablate-chart\" style=\"max-width:100%;overflow-x:auto\">{}</div>", svg_data_uri_img(svg, alt))
}

macro_rules! render_as_chart {
    ($($t:ty => $describe:expr),* $(,)?) => {$(
        impl Render for $t {
            fn to_text(&self) -> String {
                let describe: fn(&$t) -> String = $describe;
                format!("[chart: {}]", describe(self))
            }
            fn to_html(&self) -> String {
                let describe: fn(&$t) -> String = $describe;
                chart_html(&self.to_svg(), &describe(self))
            }
        }
    )*};
}

render_as_chart!(
    LineChart => |c| format!("{} vs {}, {} levels", c.metric, c.param, c.points.len()),
    ChartGrid => |g| format!("{} charts", g.len()),
    Heatmap => |h| format!("{} over {} × {}", h.metric, h.x_param, h.y_param),
    InteractionPlot => |p| format!("{}: {} × {}", p.metric, p.x_param, p.line_param),
    ComponentBars => |b| if b.title.is_empty() { format!("change in {} per removed component", b.metric) } else { b.title.clone() },
    CriticalDifference => |c| format!("critical-difference diagram of {} configs", c.names.len()),
    CurveChart => |c| if c.title.is_empty() { format!("{} during training, {} configs", c.metric, c.series.len()) } else { c.title.clone() },
    ParallelCoordinates => |p| format!("parallel coordinates of {} over {} parameters, {} trials", p.metric, p.axes.len(), p.trials.len()),
    SlicePlot => |p| format!("slice plot of {} against {} parameters, {} trials", p.metric, p.axes.len(), p.trials.len()),
    Timeline => |t| format!("timeline of {} trial attempts in {} lanes", t.bars.len(), t.lanes.len()),
);
