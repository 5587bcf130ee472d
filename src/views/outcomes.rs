//! The tables and charts of what analyses and schedulers return: importance, multi-fidelity
//! rungs, scale transfer, rounds, the ablation path and the cost estimate. The types and their
//! numbers live where they are computed; how they look lives here (views own every table and
//! chart).

use std::fmt::Write as _;

use crate::ablation_path::AblationPath;
use crate::chart::{ComponentBar, ComponentBars, CurveChart, CurvePoint, CurveSeries, LineChart, LinePoint};
use crate::display::{Cell, ColumnSpec, Stars, Table};
use crate::error::Result;
use crate::estimate::Estimate;
use crate::error::Error;
use crate::importance::{Axis, ImportanceTable};
use crate::rounds::{NextRound, Rounds};
use crate::schedule::fidelity::{MultiFidelity, RankAgreement, Rung};
use crate::space::Value;
use crate::stats::RankCorrelation;
use crate::schedule::transfer::ScaleTransfer;

impl ImportanceTable {
    /// The main effects as a table: rank, parameter, importance (fraction of variance), its
    /// 95% interval over the surrogate's trees, and the sd across forests.
    pub fn to_table(&self) -> Table {
        let mut table = Table::new(vec![
            ColumnSpec::number("rank"),
            ColumnSpec::text("param"),
            ColumnSpec::number("importance"),
            ColumnSpec::number("95% interval"),
            ColumnSpec::number("forest sd"),
            ColumnSpec::number("PED-ANOVA"),
            ColumnSpec::number("permutation"),
        ])
        .with_title(format!("Importance of each parameter for {} ({}, {} trials of {} configs)", self.metric, self.method, self.n_trials, self.n_configs));
        for (i, m) in self.fanova.main.iter().enumerate() {
            table.push_row(vec![
                Cell::int(i as i64 + 1),
                Cell::text(&m.name),
                Cell::number(m.importance, 3),
                Cell::interval(m.low, m.high, 3),
                Cell::number(m.forest_sd, 3),
                self.ped_anova.iter().find(|(n, _)| *n == m.name).map_or_else(Cell::missing, |(_, v)| Cell::number(*v, 3)),
                self.permutation.iter().find(|i| i.name == m.name).map_or_else(Cell::missing, |i| Cell::number(i.importance, 3)),
            ]);
        }
        table.push_note(format!(
            "fraction of the variance of a random-forest surrogate explained by each parameter alone (fANOVA, exact over each tree); mean over {} trees, interval = 2.5–97.5th percentiles over trees, forest sd = spread across forests with different seeds; PED-ANOVA: share of how differently the top 10% of trials spread over each parameter (Watanabe et al. 2023), a second opinion without a model; permutation: growth of the surrogate's held-out error when the parameter is shuffled, as a fraction of the variance (interactions included)",
            self.fanova.n_trees
        ));
        if let Some(top) = self.fanova.pairs.first() {
            table.push_note(format!("largest interaction: {} {:.3} (results.importance()?.pairs_table())", top.name, top.importance));
        }
        if !self.constant.is_empty() {
            table.push_note(format!("not varied, left out: {}", self.constant.join(", ")));
        }
        table
    }

    /// The main effects as a bar chart, largest first, with the per-tree 95% intervals as
    /// whiskers (display it, or `.to_svg()` / `.save_png()`).
    pub fn chart(&self) -> ComponentBars {
        let bars = self.fanova.main.iter().map(|m| ComponentBar::new(&m.name, m.importance).ci(m.low, m.high).significant("")).collect();
        ComponentBars::importance(
            &self.metric,
            format!("Importance of each parameter for {}", self.metric),
            format!("{}: fraction of variance, with 95% interval over {} trees", self.method, self.fanova.n_trees),
            bars,
        )
    }

    /// The pairwise interactions among the top parameters as a table.
    pub fn pairs_table(&self) -> Table {
        let mut table = Table::new(vec![ColumnSpec::text("pair"), ColumnSpec::number("interaction"), ColumnSpec::number("95% interval")])
            .with_title(format!("Interactions for {} ({})", self.metric, self.method));
        for m in &self.fanova.pairs {
            table.push_row(vec![Cell::text(&m.name), Cell::number(m.importance, 3), Cell::interval(m.low, m.high, 3)]);
        }
        table.push_note("variance of the pair's joint marginal minus both main effects, as a fraction of the total");
        table
    }
}

impl MultiFidelity {
    /// The rank agreement as a table, with a warning where it is low.
    pub fn agreement_table(&self) -> Result<Table> {
        let mut table = Table::new(vec![
            ColumnSpec::text(format!("{} pair", self.param)),
            ColumnSpec::number("configs"),
            ColumnSpec::number("Kendall τ"),
            ColumnSpec::number("95% CI"),
            ColumnSpec::number("Spearman ρ"),
            ColumnSpec::number("95% CI "),
            ColumnSpec::text("agreement"),
        ])
        .with_title(format!("Did the cheap runs rank the configs like the expensive ones? ({})", self.param));
        let agreement = self.agreement()?;
        for a in &agreement {
            let coefficient = |c: &Option<RankCorrelation>| c.as_ref().map_or_else(Cell::missing, |c| Cell::number(c.estimate, 2));
            let interval = |c: &Option<RankCorrelation>| c.as_ref().map_or_else(Cell::missing, |c| Cell::interval(c.ci.0, c.ci.1, 2));
            let verdict = match &a.kendall {
                None => "too few configs to tell".to_string(),
                Some(k) if k.estimate < 0.5 => "LOW: the cheap runs ranked differently".to_string(),
                Some(_) => "good".to_string(),
            };
            table.push_row(vec![
                Cell::text(format!("{} → {}", a.from, a.to)),
                Cell::int(a.n as i64),
                coefficient(&a.kendall),
                interval(&a.kendall),
                coefficient(&a.spearman),
                interval(&a.spearman),
                Cell::text(verdict),
            ]);
        }
        table.push_note("means over seeds of the configs observed at both fidelities (baseline included); Kendall: 95% percentile bootstrap over configs; Spearman: Fisher z (Bonett-Wright); low below τ = 0.5");
        if agreement.iter().any(RankAgreement::is_low) {
            table.push_note("Warning: where agreement is low or unknown, promotions at the cheap fidelity may have dropped configs that would win at full fidelity: check with more configs at a middle fidelity, or a larger η");
        }
        Ok(table)
    }

    /// One row per rung: its fidelity, configs and trials run, budget, and what went on.
    pub fn to_table(&self) -> Table {
        let mut table = Table::new(vec![
            ColumnSpec::text(self.param.clone()),
            ColumnSpec::number("configs"),
            ColumnSpec::number("trials"),
            ColumnSpec::number("budget"),
            ColumnSpec::text("promoted"),
            ColumnSpec::text("dropped (worse than baseline)"),
        ])
        .with_title(format!("Multi-fidelity ablation over {} (η = {})", self.param, self.eta));
        for rung in &self.rungs {
            let trials = rung.results.records().len();
            table.push_row(vec![
                Cell::int(rung.fidelity),
                Cell::int(rung.results.plan().configs().len() as i64),
                Cell::int(trials as i64),
                Cell::int(rung.spent()),
                Cell::text(if rung.promoted.is_empty() { "—".to_string() } else { rung.promoted.join(", ") }),
                Cell::text(if rung.dropped_worse.is_empty() { "—".to_string() } else { rung.dropped_worse.join(", ") }),
            ]);
        }
        let (spent, full) = self.budget();
        let saved = if full > 0.0 { 100.0 * (1.0 - spent / full) } else { 0.0 };
        let outcome = if saved >= 0.0 {
            format!("{saved:.0}% saved")
        } else {
            format!("{:.0}% more: with this few configs, or this many promoted, the cheap rungs cost more than they save", -saved)
        };
        let mut note = format!(
            "budget = {} trained (trials × level, less what a continued trial had trained at the cheaper rung): {spent:.0} spent, against {full:.0} to run every config at full fidelity ({outcome}); the baseline runs at every rung",
            self.param
        );
        note.push_str("; each rung promotes the best 1/η of its configs not detectably worse than the baseline, and any too close to the best to call (paired 95% interval)");
        table.push_note(note);
        let (offered, resumed) = self.rungs.iter().map(Rung::continued).fold((0, 0), |(o, r), (a, b)| (o + a, r + b));
        if offered > 0 {
            let from_scratch = if resumed < offered { format!("; {} trained from scratch (no checkpoint there, or the script does not read ABLATE_RESUME_FROM)", offered - resumed) } else { String::new() };
            table.push_note(format!(
                "continuation: {resumed} of the {offered} promoted trials continued from their checkpoint at the cheaper rung, so the budget counts only their new {}{from_scratch}",
                self.param
            ));
        }
        if let Some(level) = self.stopped_at() {
            table.push_note(format!(
                "stopped at {} = {level}: every change was detectably worse than the baseline there, so no config went on to full fidelity",
                self.param
            ));
        }
        table
    }
}

impl ScaleTransfer {
    /// One row per change: its effect at each size, the slope per doubling, the
    /// extrapolation to the target with its interval, and the flags.
    pub fn to_table(&self) -> Table {
        let sizes: Vec<i64> = self.per_size.iter().map(|(s, _)| *s).collect();
        let mut columns = vec![ColumnSpec::text("change")];
        columns.extend(sizes.iter().map(|s| ColumnSpec::number(format!("{}={s}", self.param))));
        columns.push(ColumnSpec::number("per doubling"));
        columns.push(ColumnSpec::number(format!("at {}", self.target)));
        columns.push(ColumnSpec::number("95% CI"));
        columns.push(ColumnSpec::text("transfer"));
        let mut table = Table::new(columns).with_title(format!("Scale transfer of {}: effects against {} and extrapolated to {}", self.metric, self.param, self.target));
        for e in &self.effects {
            let mut cells = vec![Cell::text(e.config.clone())];
            for size in &sizes {
                cells.push(e.points.iter().find(|p| p.size == *size).map_or_else(Cell::missing, |p| Cell::delta(p.change, 4)));
            }
            cells.push(e.fit.map_or_else(Cell::missing, |f| Cell::delta(f.slope * std::f64::consts::LN_2, 4)));
            cells.push(e.at_target.map_or_else(Cell::missing, |v| Cell::delta(v, 4)));
            cells.push(e.target_ci.map_or_else(Cell::missing, |(lo, hi)| Cell::interval(lo, hi, 4)));
            let verdict = if e.sign_flips {
                "sign flips across sizes"
            } else if e.target_ci.is_none() {
                "no interval (needs 3 sizes)"
            } else if e.uncertain_at_target() {
                "interval at target includes 0"
            } else {
                "persists"
            };
            cells.push(Cell::text(verdict));
            table.push_row(cells);
        }
        table.push_note(format!(
            "effect = change against the baseline at each size (paired over seeds); fit: weighted least squares of effect on ln({}) (weights 1/se²), extrapolated with the 95% interval of the line. The fit assumes the effect keeps changing linearly in log size: it cannot foresee a change of regime beyond the sizes run",
            self.param
        ));
        table
    }

    /// Effect against size per change (log x): the measured effects with their 95%
    /// intervals, and the fitted line extended to the target size with its band (dashed).
    pub fn chart(&self) -> CurveChart {
        let mut chart = CurveChart::new(format!("change in {}", self.metric), self.param.clone());
        chart.title = format!("Does the effect persist at {} = {}?", self.param, self.target);
        chart.log_x = true;
        chart.ci_label = "95% CI (change against the baseline at each size)".into();
        for (k, e) in self.effects.iter().enumerate() {
            let points = e.points.iter().map(|p| CurvePoint { step: p.size as f64, mean: p.change, band: Some(p.ci) }).collect();
            chart = chart.series(CurveSeries { colour: Some(k), ..CurveSeries::new(e.config.clone(), points) });
            if let Some(fit) = e.fit {
                let first = e.points.first().map_or(self.target, |p| p.size as f64);
                let steps = 12;
                let fitted = (0..=steps)
                    .map(|i| {
                        let x = first.ln() + (self.target.ln() - first.ln()) * i as f64 / steps as f64;
                        CurvePoint { step: x.exp(), mean: fit.predict(x), band: fit.interval(x, 0.95) }
                    })
                    .collect();
                chart = chart.series(CurveSeries { colour: Some(k), dashed: true, ..CurveSeries::new(format!("{} (fit)", e.config), fitted) });
            }
        }
        chart.note = "solid: measured effect with its 95% CI; dashed: weighted fit in log size extended to the target, with the 95% interval of the line (it assumes no change of regime beyond the sizes run)".into();
        chart
    }
}

impl Rounds {
    /// One row per round: what moved, the baseline's mean, its gain over the round before
    /// with the paired 95% interval and Holm-adjusted p, the best config, and trials shared.
    pub fn to_table(&self) -> Table {
        let mut table = Table::new(vec![
            ColumnSpec::number("round"),
            ColumnSpec::text("baseline moved"),
            ColumnSpec::number("baseline mean"),
            ColumnSpec::number("gain"),
            ColumnSpec::number("95% CI"),
            ColumnSpec::number("p (Holm)"),
            ColumnSpec::text("best config"),
            ColumnSpec::number("trials"),
            ColumnSpec::number("shared"),
        ])
        .with_title(format!("Rounds on {}", self.metric.name));
        for r in &self.rounds {
            let moved = if r.moved.is_empty() {
                if r.number == 1 { "(first round)".to_string() } else { "(stayed)".to_string() }
            } else {
                r.moved.iter().map(|(n, a, b)| format!("{n}: {a} → {b}")).collect::<Vec<_>>().join(", ")
            };
            table.push_row(vec![
                Cell::int(r.number as i64),
                Cell::text(moved),
                r.baseline_mean.map_or_else(Cell::missing, |m| Cell::number(m, 4)),
                r.gain.map_or_else(Cell::missing, |g| Cell::delta(g, 4)),
                r.gain_ci.map_or_else(Cell::missing, |(lo, hi)| Cell::interval(lo, hi, 4)),
                r.gain_p.map_or_else(Cell::missing, Cell::p_value),
                r.best.as_ref().map_or_else(Cell::missing, |(label, _)| Cell::text(label.clone())),
                Cell::int(r.trials as i64),
                Cell::int(r.shared as i64),
            ]);
        }
        table.push_note(
            "gain: the round's baseline against the previous round's, run again on the same seeds (paired; positive is better); shared: trials an earlier round had planned, run once",
        );
        table
    }

    /// The baseline's mean per round with its 95% interval: how far the rounds took it.
    pub fn chart(&self) -> LineChart {
        let points = self
            .rounds
            .iter()
            .filter_map(|r| {
                let mut point = LinePoint::cat(format!("round {}", r.number), r.baseline_mean?);
                if let Some((lo, hi)) = r.baseline_ci {
                    point = point.ci(lo, hi);
                }
                Some(point)
            })
            .collect();
        let mut chart = LineChart::new("round", self.metric.name.clone()).points(points);
        chart.title = format!("Baseline {} over the rounds", self.metric.name);
        chart.join_categories = true;
        chart.better = Some(crate::views::charts::better(self.metric.direction));
        chart
    }
}

impl NextRound {
    /// What the next round changes: the baseline's moves and why, the parameters varied
    /// again with their levels, and the ones fixed.
    pub fn to_table(&self) -> Table {
        let mut table = Table::new(vec![ColumnSpec::text("parameter"), ColumnSpec::text("next round"), ColumnSpec::text("levels")])
            .with_title(format!("Round {} of `{}`", self.number, self.study.name()));
        for (name, levels) in &self.varied {
            let text: Vec<String> = levels.iter().map(Value::to_string).collect();
            table.push_row(vec![Cell::text(name.clone()), Cell::text("varied"), Cell::text(text.join(", "))]);
        }
        for name in &self.fixed {
            table.push_row(vec![Cell::text(name.clone()), Cell::text("fixed"), Cell::missing()]);
        }
        table.push_note(format!("Baseline: {}", self.baseline_reason));
        for (name, old, new) in &self.moved {
            table.push_note(format!("{name}: {old} → {new}"));
        }
        table
    }
}

impl AblationPath {
    /// The path as a table: one row per step with the flip, the mean after it, the change
    /// with its paired 95% interval and Holm-adjusted p.
    pub fn to_table(&self) -> Table {
        let mut table = Table::new(vec![
            ColumnSpec::number("step"),
            ColumnSpec::text("flip"),
            ColumnSpec::number("mean"),
            ColumnSpec::number("change"),
            ColumnSpec::number("95% CI"),
            ColumnSpec::number("p (Holm)"),
            ColumnSpec::number("candidates"),
        ])
        .with_title(format!("{} on {} from the baseline", self.kind(), self.metric.name));
        let start = self.start_mean.map_or_else(Cell::missing, |m| Cell::number(m, 4));
        table.push_row(vec![Cell::int(0), Cell::text("baseline"), start, Cell::missing(), Cell::missing(), Cell::missing(), Cell::missing()]);
        for (i, s) in self.steps.iter().enumerate() {
            table.push_row(vec![
                Cell::int(i as i64 + 1),
                Cell::text(format!("{}: {} → {}", s.param, s.from, s.to)),
                s.mean.map_or_else(Cell::missing, |m| Cell::number(m, 4)),
                s.change.map_or_else(Cell::missing, |c| Cell::delta(c, 4)),
                s.change_ci.map_or_else(Cell::missing, |(lo, hi)| Cell::interval(lo, hi, 4)),
                s.p_adjusted.map_or_else(Cell::missing, Cell::p_value),
                if s.raced_out > 0 { Cell::text(format!("{} ({} raced out)", s.candidates, s.raced_out)) } else { Cell::int(s.candidates as i64) },
            ]);
        }
        table.push_note(self.summary_note());
        table
    }

    /// The path as a line over the steps, joined in order: the metric's mean with its 95% interval at the baseline and after
    /// each flip, the flips labelled in order, stars for each step's Holm-adjusted test.
    pub fn chart(&self) -> LineChart {
        let mut points = Vec::new();
        if let Some(mean) = self.start_mean {
            let mut start = LinePoint::cat("baseline", mean).baseline();
            if let Some((lo, hi)) = self.start_ci {
                start = start.ci(lo, hi);
            }
            points.push(start);
        }
        for (i, s) in self.steps.iter().enumerate() {
            let Some(mean) = s.mean else { continue };
            let mut point = LinePoint::cat(format!("{}. {} → {}", i + 1, s.param, s.to), mean);
            if let Some((lo, hi)) = s.mean_ci {
                point = point.ci(lo, hi);
            }
            if let Some(p) = s.p_adjusted {
                point = point.marker(Stars::from_p(p).as_str());
            }
            points.push(point);
        }
        let mut chart = LineChart::new("step", self.metric.name.clone()).points(points);
        chart.title = format!("{} on {}", self.kind(), self.metric.name);
        chart.join_categories = true;
        chart.better = Some(crate::views::charts::better(self.metric.direction));
        chart.note = match self.predicted {
            Some(_) => self.summary_note(),
            None => format!("stars: paired t of each step against the one before, Holm over its candidates; {}", Stars::legend()),
        };
        if !self.undetectable.is_empty() {
            chart.note.push_str(&format!(". Not detectable, left out: {}", self.undetectable.join(", ")));
        }
        chart
    }
}

impl Estimate {
    /// One row per way to run the study: trials and trial-hours.
    pub fn to_table(&self) -> Table {
        let mut table = Table::new(vec![ColumnSpec::text("how"), ColumnSpec::number("trials"), ColumnSpec::number("trial-hours")])
            .with_title(format!("Cost of `{}`", self.study));
        for line in &self.lines {
            table.push_row(vec![Cell::text(line.what.clone()), Cell::int(line.trials as i64), line.hours.map_or_else(Cell::missing, |h| Cell::number(h, 3))]);
        }
        table.push_note(match self.seconds {
            Some(s) => format!("durations: mean {s:.3} s per trial (per unit of fidelity when the study has one) over {} recorded trials; trial-hours × the CPUs or GPUs one trial holds = resource-hours", self.measured),
            None => "no trial durations recorded yet: run study.run_with(Pilot, f) (one baseline trial) or part of the study first".into(),
        });
        table
    }
}

impl AblationPath {
    /// "Ablation path", or "Predicted ablation path" for a surrogate's preview.
    fn kind(&self) -> &'static str {
        if self.predicted.is_some() { "Predicted ablation path" } else { "Ablation path" }
    }

    fn summary_note(&self) -> String {
        if let Some(n) = self.predicted {
            return format!(
                "PREDICTED, nothing run: a random forest fitted on {n} trials predicts each flip (a full path would run up to {} configs); no intervals or tests until the path runs",
                self.bound
            );
        }
        let mut note = format!(
            "{} configs run for {} step{} (a full path needs at most {}); {} candidate trials of {} × {} seeds{}; each step keeps the flip with the best mean; change, CI and p against the config before it, paired over seeds",
            self.configs_run,
            self.steps.len(),
            if self.steps.len() == 1 { "" } else { "s" },
            self.bound,
            self.trials_run,
            self.configs_run,
            self.seeds,
            if self.trials_run < self.configs_run * self.seeds { " (racing dropped the rest)" } else { "" },
        );
        if !self.undetectable.is_empty() {
            let _ = write!(
                note,
                ". Stopped: no remaining flip ({}) differs detectably from the current config (every Holm-adjusted p ≥ {})",
                self.undetectable.join(", "),
                self.alpha
            );
        }
        note
    }
}

impl ImportanceTable {
    /// The surrogate's marginal prediction of the metric over one parameter's range (averaged
    /// over all other parameters), with the 2.5–97.5th percentile band over the trees: where in
    /// its range a parameter is good. Fails for a parameter that was not analysed.
    pub fn marginal_chart(&self, param: &str) -> Result<LineChart> {
        let index = self.fanova.marginals.iter().position(|m| m.name == param).ok_or_else(|| Error::UnknownParam {
            name: param.to_string(),
            context: "the importance analysis (constant parameters are left out)".into(),
            known: self.fanova.marginals.iter().map(|m| m.name.clone()).collect(),
        })?;
        let (m, axis) = (&self.fanova.marginals[index], &self.axes[index]);
        let points = (0..m.at.len())
            .map(|k| {
                // A tick label at every sixth of the 25 points: five readable numbers.
                let numeric = |x: f64| LinePoint::num(x, m.mean[k]).label(if k % 6 == 0 { three_digits(x) } else { String::new() });
                let point = match axis {
                    Axis::Numeric { log: true } => numeric(m.at[k].exp()),
                    Axis::Numeric { log: false } => numeric(m.at[k]),
                    Axis::Values(labels) => LinePoint::cat(labels.get(k).cloned().unwrap_or_default(), m.mean[k]),
                };
                point.ci(m.low[k], m.high[k])
            })
            .collect();
        let mut chart = LineChart::new(param, self.metric.clone()).points(points).log_x(matches!(axis, Axis::Numeric { log: true }));
        chart.title = format!("Predicted {} over {}", self.metric, param);
        chart.ci_label = format!("band: 2.5–97.5th percentiles over {} trees", self.fanova.n_trees);
        chart.note = "the surrogate's prediction averaged over every other parameter (fANOVA marginal)".into();
        Ok(chart)
    }
}

/// A tick label with three significant digits (0.00108, 0.0224, 0.5, 64).
fn three_digits(x: f64) -> String {
    let decimals = if x == 0.0 { 0 } else { (2 - x.abs().log10().floor() as i32).clamp(0, 8) as usize };
    let text = format!("{x:.decimals$}");
    if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.').to_string() } else { text }
}
