//! Every result type as a [`Table`], and through it as text, HTML (inline in evcxr),
//! Markdown and LaTeX.

use crate::analysis::{FactorialAnova, Ranking, Significance, Verdict};
use crate::stats::Decision;
use crate::ablation_path::AblationPath;
use crate::rounds::{NextRound, Rounds};
use crate::schedule::fidelity::MultiFidelity;
use crate::schedule::transfer::ScaleTransfer;
use crate::estimate::Estimate;
use crate::importance::ImportanceTable;
use super::Conclusions;
use crate::display::{Cell, ColumnSpec, Render, Stars, Table, auto_precision, escape_latex, escape_markdown, html_list, with_code_spans};
use crate::results::{Results, Summary};
use crate::store::DamageContext;
use crate::trial::Direction;

/// A type that can be shown as a table: gets `to_markdown`, `to_latex` and (through
/// [`Render`]) `to_text`, `to_html` and `evcxr_display`.
pub trait TableView {
    /// The table.
    fn to_table(&self) -> Table;

    /// A GitHub Markdown table.
    fn to_markdown(&self) -> String {
        self.to_table().to_markdown()
    }

    /// A booktabs LaTeX table (mean ± CI, best in bold, significance markers).
    fn to_latex(&self) -> String {
        self.to_table().to_latex()
    }
}

/// The one mechanism by which every result type shows itself: from its [`TableView`], a
/// [`Render`] (plain text and HTML, inline in evcxr) and a `Display` (`println!("{}", x)`
/// prints the plain-text table).
macro_rules! table_views {
    ($($t:ty),*) => {$(
        impl Render for $t {
            fn to_text(&self) -> String {
                self.to_table().to_text()
            }
            fn to_html(&self) -> String {
                self.to_table().to_html()
            }
        }

        impl std::fmt::Display for $t {
            /// The plain-text table.
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.to_table().to_text())
            }
        }
    )*};
}

table_views!(
    Summary, Significance, FactorialAnova, Ranking, Results, ImportanceTable, AblationPath, Rounds, NextRound,
    MultiFidelity, ScaleTransfer, Estimate, crate::cluster::SlurmStatus
);

impl TableView for Estimate {
    fn to_table(&self) -> Table {
        Estimate::to_table(self)
    }
}

impl TableView for ScaleTransfer {
    fn to_table(&self) -> Table {
        ScaleTransfer::to_table(self)
    }
}

impl TableView for MultiFidelity {
    fn to_table(&self) -> Table {
        MultiFidelity::to_table(self)
    }
}

impl TableView for Rounds {
    fn to_table(&self) -> Table {
        Rounds::to_table(self)
    }
}

impl TableView for NextRound {
    fn to_table(&self) -> Table {
        NextRound::to_table(self)
    }
}

impl TableView for AblationPath {
    fn to_table(&self) -> Table {
        AblationPath::to_table(self)
    }
}

impl TableView for ImportanceTable {
    fn to_table(&self) -> Table {
        ImportanceTable::to_table(self)
    }
}

fn direction_note(direction: Direction) -> &'static str {
    match direction {
        Direction::Maximize => "higher is better",
        Direction::Minimize => "lower is better",
    }
}

/// Decimals for a table's means and changes: enough for its narrowest 95% CI (two
/// significant digits of the half-width), one rule for the summary and significance tables.
fn decimals_for(half_widths: impl Iterator<Item = f64>) -> usize {
    half_widths.map(auto_precision).min().unwrap_or(4)
}

fn optional(value: Option<f64>, cell: impl Fn(f64) -> Cell) -> Cell {
    value.map_or_else(Cell::missing, cell)
}

impl TableView for Summary {
    fn to_table(&self) -> Table {
        let m = &self.metric.name;
        let precision = decimals_for(self.rows.iter().filter_map(|r| Some(r.ci_high? - r.mean?)));
        let mut table = Table::new(vec![
            ColumnSpec::text("config"),
            ColumnSpec::number("n"),
            ColumnSpec::number(m.clone()).with_sub("mean ± 95% CI"),
            ColumnSpec::number("95% CI"),
            ColumnSpec::number("change"),
            ColumnSpec::number("change %"),
            ColumnSpec::text(""),
        ])
        .with_title(format!("{m} by config ({})", direction_note(self.metric.direction)))
        .with_note("95% CI: Student t interval over seeds; change: mean minus the baseline's mean; ◀ best marks the best mean.");
        for r in &self.rows {
            let n = match (r.failed, r.pruned) {
                (0, None) => Cell::int(r.n as i64),
                (failed, pruned) => {
                    let mut why: Vec<String> = Vec::new();
                    if failed > 0 {
                        why.push(format!("{failed} failed"));
                    }
                    if let Some((k, step)) = pruned {
                        why.push(format!("{k} pruned from step {step}"));
                    }
                    Cell::text(format!("{} ({})", r.n, why.join(", ")))
                }
            };
            let mean = match (r.mean, r.ci_high) {
                (Some(m), Some(hi)) => Cell::mean_ci(m, hi - m, precision),
                (Some(m), None) => Cell::number(m, precision),
                _ => Cell::missing(),
            };
            let ci = match (r.ci_low, r.ci_high) {
                (Some(lo), Some(hi)) => Cell::interval(lo, hi, precision),
                _ => Cell::missing(),
            };
            let (change, pct) = if r.config_index == 0 {
                (Cell::text("(baseline)"), Cell::missing())
            } else {
                (optional(r.change, |c| Cell::delta(c, precision)), optional(r.change_pct, |p| Cell::percent_change(p, 2)))
            };
            let best = if r.best { Cell::text("◀ best") } else { Cell::text("") };
            table.push_row(vec![Cell::text(r.config.clone()), n, mean.with_bold(r.best), ci, change, pct, best]);
            if r.n == 0 {
                let last = table.total_rows() - 1;
                table.mute_row(last);
            }
        }
        table
    }
}

impl TableView for Significance {
    fn to_table(&self) -> Table {
        let m = &self.metric.name;
        // The same configurations as the summary's (baseline included), so both tables round
        // every mean and change to the same decimals.
        let baseline_half_width = self.baseline_ci.zip(self.baseline_mean).map(|((_, hi), m)| hi - m);
        let precision = decimals_for(self.rows.iter().filter_map(|r| Some(r.ci?.1 - r.mean?)).chain(baseline_half_width));
        let effect = self.options.test.effect_name();
        let mut columns = vec![
            ColumnSpec::text("config"),
            ColumnSpec::number("n"),
            ColumnSpec::number(m.clone()).with_sub("mean ± 95% CI"),
            ColumnSpec::number("change").with_sub("vs baseline"),
            ColumnSpec::number("change 95% CI"),
            ColumnSpec::number("change %"),
            ColumnSpec::number("p"),
            ColumnSpec::number("p adj"),
            ColumnSpec::number(effect),
            ColumnSpec::text("effect"),
            ColumnSpec::text("verdict"),
            ColumnSpec::number("seeds for 80% power"),
        ];
        let adaptive = self.rows.iter().any(|r| r.sequential.is_some());
        if adaptive {
            columns.insert(columns.len() - 1, ColumnSpec::text("decided"));
        }
        let mut table = Table::new(columns)
        .with_title(format!("Significance vs baseline: {m} ({})", direction_note(self.metric.direction)))
        .with_note(self.method());
        if let Some(base) = self.baseline_mean {
            table.push_note(format!("baseline mean {base:.precision$} over {} seeds", self.baseline_n));
        }
        if self.gpu_models.len() > 1 {
            let models: Vec<String> = self.gpu_models.iter().map(|(m, n)| format!("{m}: {n}")).collect();
            table.push_note(format!(
                "warning: the trials compared ran on different GPU models ({} trials): numerics and speed can differ between them, so a difference may be the hardware's; rerun on one model, or check that each config's seeds ran on the same",
                models.join(", ")
            ));
        }
        for r in &self.rows {
            let stars = r.p_adjusted.map(Stars::from_p);
            let mean = match (r.mean, r.ci) {
                (Some(mean), Some((_, hi))) => Cell::mean_ci(mean, hi - mean, precision),
                (Some(mean), None) => Cell::number(mean, precision),
                _ => Cell::missing(),
            };
            let mut change = optional(r.change, |c| Cell::delta(c, precision));
            if let Some(s) = stars {
                change = change.with_stars(s);
            }
            let verdict = match (r.verdict, r.sequential) {
                (Verdict::NotTested, _) => format!("not tested: {}", r.note.as_deref().unwrap_or("too few seeds")),
                (Verdict::Equivalent, _) => format!("equivalent (within ±{})", self.adaptive.and_then(|a| a.margin).unwrap_or(f64::NAN)),
                (_, Some(Decision::Futile { .. })) => "futile (no difference in sight)".to_string(),
                (Verdict::NoDetectableDifference, Some(_)) => "undecided at the most seeds".to_string(),
                (Verdict::Pruned, _) => match r.pruned {
                    Some((k, step)) => format!("worse (pruned at step {step}; {k} trial(s))"),
                    None => "worse (pruned)".to_string(),
                },
                (v, _) => v.as_str().to_string(),
            };
            let verdict_cell = Cell::text(verdict);
            let verdict_cell = if matches!(r.verdict, Verdict::Better | Verdict::Worse | Verdict::Pruned) { verdict_cell.bold() } else { verdict_cell };
            let mut cells = vec![
                Cell::text(r.config.clone()),
                Cell::int(r.n as i64),
                mean,
                change,
                optional(r.change_ci.map(|c| c.0), |lo| Cell::interval(lo, r.change_ci.map_or(lo, |c| c.1), precision)),
                optional(r.change_pct, |p| Cell::percent_change(p, 2)),
                optional(r.p_value, Cell::p_value),
                optional(r.p_adjusted, Cell::p_value),
                optional(r.effect_size, |d| Cell::number(d, 2)),
                r.magnitude.map_or_else(Cell::missing, |mag| Cell::text(mag.as_str())),
                verdict_cell,
                r.seeds_needed.map_or_else(Cell::missing, |s| match s {
                    crate::stats::SeedsNeeded::Exactly(n) => Cell::int(n as i64),
                    more => Cell::text(more.to_string()),
                }),
            ];
            if adaptive {
                cells.insert(cells.len() - 1, r.sequential.map_or_else(Cell::missing, |d| Cell::text(decided(&d))));
            }
            table.push_row(cells);
            if r.verdict == Verdict::NotTested {
                let last = table.total_rows() - 1;
                table.mute_row(last);
            }
        }
        table
    }
}

/// "at 8 seeds", "at 5 seeds (predictive power 3%)", "open, needs 12 seeds": when
/// and how an adaptive-seed comparison was decided.
fn decided(decision: &Decision) -> String {
    match decision {
        Decision::Open { seeds_needed } => format!("open, needs {seeds_needed} seeds"),
        Decision::Futile { seeds, predictive_power, .. } => {
            format!("at {seeds} seeds (predictive power {:.0}%)", 100.0 * predictive_power)
        }
        d => format!("at {} seeds", d.seeds()),
    }
}

impl TableView for FactorialAnova {
    fn to_table(&self) -> Table {
        let a = &self.anova;
        let mut table = Table::new(vec![
            ColumnSpec::text("source"),
            ColumnSpec::number("sum sq"),
            ColumnSpec::number("df"),
            ColumnSpec::number("mean sq"),
            ColumnSpec::number("F"),
            ColumnSpec::number("p"),
            ColumnSpec::number("partial η²"),
        ])
        .with_title(format!("ANOVA of {} over {}", self.metric.name, self.factors.join(" × ")))
        .with_note(format!(
            "{} seeds per cell; rows named a:b are interactions; partial η² = SS / (SS + SS residual)",
            a.replicates
        ));
        for t in &a.terms {
            let p = Cell::p_value(t.p_value);
            table.push_row(vec![
                Cell::text(t.name.replace(':', " × ")),
                Cell::float(t.ss),
                Cell::number(t.df, 0),
                Cell::float(t.ms),
                Cell::number(t.f, 2),
                if t.p_value < 0.05 { p.bold() } else { p },
                Cell::number(t.partial_eta_sq, 3),
            ]);
        }
        table.push_row(vec![
            Cell::text("residual"),
            Cell::float(a.residual_ss),
            Cell::number(a.residual_df, 0),
            Cell::float(a.residual_ms),
            Cell::missing(),
            Cell::missing(),
            Cell::missing(),
        ]);
        table
    }
}

impl TableView for Ranking {
    fn to_table(&self) -> Table {
        let fr = &self.friedman;
        let mut table = Table::new(vec![ColumnSpec::number("rank"), ColumnSpec::text("config"), ColumnSpec::number("mean rank")])
            .with_title(format!("Ranking on {} ({} configs × {} seeds; rank 1 = best)", self.metric.name, fr.k, fr.n))
            .with_note(format!(
                "Friedman χ² = {:.3}, p {}; Iman-Davenport F = {:.3}, p {}; Nemenyi critical difference (α = 0.05) = {:.3}",
                fr.statistic,
                crate::display::p_relation(fr.p_value),
                fr.iman_davenport,
                crate::display::p_relation(fr.iman_davenport_p),
                self.nemenyi.critical_difference
            ));
        for (i, (config, rank)) in self.ordered().iter().enumerate() {
            let row = vec![Cell::int(i as i64 + 1), Cell::text(*config), Cell::number(*rank, 2)];
            table.push_row(if i == 0 { row.into_iter().map(Cell::bold).collect() } else { row });
        }
        table
    }
}

impl TableView for Results {
    /// The summary of the primary metric, with a note on what ran.
    fn to_table(&self) -> Table {
        let stats = self.run_stats();
        let mut table = self.summary().to_table();
        let left_out = match stats.left_out {
            0 => String::new(),
            n => format!(", {n} left out (pruned or unfinished)"),
        };
        table.push_note(format!(
            "{} trials ({} run now, {} reused from the journal, {} failed{left_out}); the full frame is results.frame()",
            self.records().len(),
            stats.executed,
            stats.reused,
            self.failures().len()
        ));
        if !stats.damaged.is_empty() {
            let context = if stats.executed > 0 { DamageContext::Ran } else { DamageContext::Reading };
            table.push_note(format!("warning: {}", stats.damaged.notice(context)));
        }
        table
    }
}

impl Render for Conclusions {
    fn to_text(&self) -> String {
        self.to_string()
    }

    fn to_html(&self) -> String {
        format!("<div class=\"ablate\"><h4>Conclusions</h4>{}</div>", html_list(&self.sentences))
    }
}

impl Conclusions {
    /// The sentences as a Markdown list (`` `name` `` spans kept as code).
    pub fn to_markdown(&self) -> String {
        self.sentences.iter().map(|s| format!("- {}\n", with_code_spans(s, escape_markdown, "`", "`"))).collect()
    }

    /// The sentences as a LaTeX `itemize` list (`` `name` `` as `\texttt`).
    pub fn to_latex(&self) -> String {
        let items: String = self.sentences.iter().map(|s| format!("  \\item {}\n", with_code_spans(s, escape_latex, "\\texttt{", "}"))).collect();
        format!("\\begin{{itemize}}\n{items}\\end{{itemize}}\n")
    }
}

