//! The whole study in one view: summary, significance, conclusions and every chart that
//! applies, as one HTML block for the notebook (a cell keeps only its last output per MIME
//! type) or one self-contained HTML file.

use crate::chart::Chart;
use crate::display::Report;
use crate::error::Result;
use crate::results::Results;

use super::charts::{ChartData, cd_diagram_of};
use super::tables::TableView;

/// The most configurations the report ranks and draws a critical-difference diagram for.
const MAX_RANKED_CONFIGS: usize = 30;

impl Results {
    /// A report of the study: summary, significance table, conclusions, line charts of the
    /// one-factor parameters, heatmap, interaction plot and ANOVA of each two-parameter grid,
    /// the component bar chart, the parameters' importance (fANOVA) for sampled designs and
    /// grids, and the ranking with its critical-difference diagram.
    pub fn report(&self) -> Result<Report> {
        let plan = self.plan();
        let mut report = Report::new().with_title(format!("Ablation study: {}", plan.name()));
        report = report.table("Summary", self.to_table());
        // Each statistic once; every section below reads these.
        let sig = if plan.configs().len() >= 2 { Some(self.significance()?) } else { None };
        if let Some(sig) = &sig {
            report = report.table("Significance versus the baseline", sig.to_table());
            let conclusions = self.conclusions_from(sig)?;
            if !conclusions.sentences.is_empty() {
                report = report.list("Conclusions", conclusions.sentences);
            }
        }
        let data = ChartData::new(self, sig.as_ref())?;
        if let Ok(lines) = self.lines_from(&data) {
            report = report.chart("One factor at a time", lines.to_svg());
        }
        for grid in plan.grids().iter().filter(|g| g.len() == 2) {
            let (x, y) = (&grid[0], &grid[1]);
            if let Ok(heatmap) = self.heatmap_from(&data, x, y) {
                report = report.chart(format!("Grid: {x} × {y}"), heatmap.to_svg());
            }
            if let Ok(plot) = self.interaction_from(data.summary(), x, y) {
                report = report.chart(format!("Interaction: {x} × {y}"), plot.to_svg());
            }
            if let Ok(anova) = self.anova_of(grid, None) {
                report = report.table(format!("ANOVA: {x} × {y}"), anova.to_table());
            }
        }
        if let Some(Ok(bars)) = sig.as_ref().map(|s| self.component_bars_from(s)) {
            report = report.chart("Components (leave-one-out)", bars.to_svg());
        }
        // Importance where the design spreads over the space (sampled configs or a grid).
        if plan.spans_space() && let Ok(importance) = self.importance() {
            report = report.table("Importance (fANOVA)", importance.to_table());
            report = report.chart("Importance chart", importance.chart().to_svg());
        }
        // A critical-difference diagram stops being readable beyond a few dozen configs.
        if (3..=MAX_RANKED_CONFIGS).contains(&plan.configs().len())
            && let Ok(ranking) = self.ranking()
        {
            report = report.table("Ranking", ranking.to_table());
            report = report.chart("Critical-difference diagram", cd_diagram_of(&ranking).to_svg());
        }
        Ok(report)
    }
}
