//! Conclusions in words, generated from the numbers: for each varied parameter which level
//! is best and whether the next level still helps (diminishing returns), whether a removed
//! component matters, and whether grid parameters interact.

use std::fmt;

use crate::error::Result;
use crate::results::Results;
use crate::space::{Param, Value};
use crate::stats::{self, Magnitude};

use crate::analysis::{Significance, SignificanceRow, Verdict};
use crate::display::p_relation;

/// Plain-language conclusions of a study, one sentence (or two) per finding.
#[derive(Debug, Clone, PartialEq)]
pub struct Conclusions {
    /// The sentences, in the order: parameters, components, interactions.
    pub sentences: Vec<String>,
}

impl Results {
    /// Conclusions in words from the default significance table (paired t, Holm) and, for
    /// grids, the factorial ANOVA.
    pub fn conclusions(&self) -> Result<Conclusions> {
        self.conclusions_from(&self.significance()?)
    }

    /// [`conclusions`](Results::conclusions) from an already computed significance table.
    pub(crate) fn conclusions_from(&self, sig: &Significance) -> Result<Conclusions> {
        let mut sentences = Vec::new();
        for param in self.plan().params().iter() {
            if param.is_component() {
                if let Some(s) = component_sentence(sig, param) {
                    sentences.push(s);
                }
            } else if let Some(s) = self.parameter_sentence(sig, param)? {
                sentences.push(s);
            }
        }
        for grid in self.plan().grids() {
            if let Ok(anova) = self.anova_of(grid, None) {
                let names: Vec<&str> = grid.iter().map(String::as_str).collect();
                if let Some(term) = anova.term(&names) {
                    let joined = grid.iter().map(|g| format!("`{g}`")).collect::<Vec<_>>().join(" and ");
                    sentences.push(if term.p_value < 0.05 {
                        format!(
                            "{joined} interact (ANOVA F = {:.2}, p {}, partial η² = {:.2}): the best setting of one depends on the other, so tune them together.",
                            term.f,
                            p_relation(term.p_value),
                            term.partial_eta_sq
                        )
                    } else {
                        format!(
                            "No detectable interaction between {joined} (ANOVA F = {:.2}, p {}): their effects roughly add up, so they can be tuned one at a time.",
                            term.f,
                            p_relation(term.p_value)
                        )
                    });
                }
            }
        }
        Ok(Conclusions { sentences })
    }

    /// The sentence for one non-component parameter varied on its own (OFAT).
    fn parameter_sentence(&self, sig: &Significance, param: &Param) -> Result<Option<String>> {
        let name = param.name();
        let rows: Vec<&SignificanceRow> = sig.rows.iter().filter(|r| r.varied.len() == 1 && r.varied[0] == name).collect();
        if rows.is_empty() {
            return Ok(None);
        }
        let plan = self.plan();
        // (value, config index, mean) for the baseline and each level, in level order.
        let mut levels: Vec<(Value, usize, Option<f64>)> = vec![(param.baseline().clone(), 0, sig.baseline_mean)];
        for r in &rows {
            if let Some(v) = plan.configs()[r.config_index].config().get(name) {
                levels.push((v.clone(), r.config_index, r.mean));
            }
        }
        if let Some(order) = param.level_list() {
            levels.sort_by_key(|(v, _, _)| order.iter().position(|o| o == v).unwrap_or(usize::MAX));
        }
        let sign = sig.metric.direction.sign();
        let Some(base_pos) = levels.iter().position(|l| l.1 == 0) else { return Ok(None) };
        let Some((mut top_pos, top)) = levels
            .iter()
            .enumerate()
            .filter_map(|(i, l)| l.2.map(|m| (i, m * sign)))
            .max_by(|a, b| a.1.total_cmp(&b.1))
        else {
            return Ok(None);
        };
        // A tie is no win: a level whose mean equals the baseline's (within floating-point
        // noise) leaves the baseline the reference.
        if levels[base_pos].2.is_some_and(|m| crate::results::ties(m * sign, top)) {
            top_pos = base_pos;
        }
        let metric = &sig.metric.name;
        let shown = |v: &Value| param.format_value(v);
        let mean = |m: Option<f64>| m.map_or_else(|| "—".to_string(), |m| format!("{m:.4}"));
        let baseline = shown(param.baseline());
        let worse: Vec<String> = rows
            .iter()
            .filter_map(|r| match (r.verdict, r.pruned) {
                (Verdict::Worse, _) => Some(format!("{} ({:+.2}%)", r.config, r.change_pct.unwrap_or(0.0))),
                (Verdict::Pruned, Some((_, step))) => Some(format!("{} (pruned at step {step})", r.config)),
                _ => None,
            })
            .collect();
        let worse_clause = if worse.is_empty() { String::new() } else { format!("; detectably worse: {}", worse.join(", ")) };
        let top_row = rows.iter().find(|r| r.config_index == levels[top_pos].1);
        // "Best" only where the data support it: a level detectably better than the baseline.
        let Some(best) = top_row.filter(|r| top_pos != base_pos && r.verdict == Verdict::Better) else {
            let mut text = format!("`{name}`: no level is detectably better than the baseline {baseline} ({metric} {}", mean(levels[base_pos].2));
            match top_row.filter(|_| top_pos != base_pos) {
                // The baseline has the highest mean.
                None => text.push_str(", the highest mean)"),
                Some(row) => {
                    text.push_str(&format!(
                        "); the highest mean, {} ({:+.2}%), ",
                        shown(&levels[top_pos].0),
                        row.change_pct.unwrap_or(0.0)
                    ));
                    text.push_str(&match (row.verdict, row.p_adjusted) {
                        (Verdict::Equivalent, _) => format!("is equivalent to it within the margin ({})", evidence(row)),
                        (Verdict::Open, _) => format!("is not decided yet ({})", evidence(row)),
                        (_, Some(p)) => format!("is not detectable with {} seeds (adjusted p {}){}", row.n, p_relation(p), seeds_needed_clause(row)),
                        (_, None) => format!("was not tested ({} seeds)", row.n),
                    });
                }
            }
            text.push_str(&worse_clause);
            text.push('.');
            return Ok(Some(text));
        };
        let (best_value, best_config, best_mean) = &levels[top_pos];
        let mut text = format!(
            "`{name}`: {} is best ({metric} {}, {:+.2}% vs the baseline {baseline}); the gain over the baseline is significant ({})",
            shown(best_value),
            mean(*best_mean),
            best.change_pct.unwrap_or(0.0),
            evidence(best)
        );
        text.push_str(&worse_clause);
        text.push('.');
        // Diminishing returns: does the next level beyond the best, on the side away from
        // the baseline, still change anything?
        let beyond = if top_pos > base_pos { top_pos.checked_add(1) } else { top_pos.checked_sub(1) };
        if let Some(next) = beyond.and_then(|k| levels.get(k))
            && best_value.as_f64().is_some()
            && let Some(p) = self.paired_p(*best_config, next.1, &sig.metric.name)
        {
            let verb = if p < 0.05 {
                let worse = (next.2.unwrap_or(0.0) - best_mean.unwrap_or(0.0)) * sign < 0.0;
                if worse { "is detectably worse" } else { "is detectably better" }
            } else {
                "changes nothing detectable"
            };
            text.push_str(&format!(" Going further to {} {verb} (paired t, p {}, uncorrected).", shown(&next.0), p_relation(p)));
        }
        Ok(Some(text))
    }
}

/// The sentence for a component removed on its own (leave-one-out).
fn component_sentence(sig: &Significance, param: &Param) -> Option<String> {
    let name = param.name();
    let row = sig.rows.iter().find(|r| r.varied.len() == 1 && r.varied[0] == name)?;
    let metric = &sig.metric.name;
    if let (Verdict::Pruned, Some((k, step))) = (row.verdict, row.pruned) {
        return Some(format!(
            "Removing `{name}` puts {metric} clearly behind the baseline's learning curve: {k} trial(s) pruned from step {step}, so `{name}` matters (by the pruning rule, not a full-budget test)."
        ));
    }
    let change = row.change?;
    let pct = row.change_pct.map(|p| format!(" ({p:+.2}%)")).unwrap_or_default();
    let p = evidence(row);
    Some(match row.verdict {
        Verdict::Worse => format!(
            "Removing `{name}` makes {metric} worse by {:.4}{pct} ({p}): `{name}` matters.",
            change.abs()
        ),
        Verdict::Better => format!(
            "Removing `{name}` makes {metric} better by {:.4}{pct} ({p}): consider dropping `{name}`.",
            change.abs()
        ),
        // A medium or large change that the seeds cannot confirm is no sign that the
        // component is unnecessary: say that more seeds would tell.
        _ if matches!(row.magnitude, Some(Magnitude::Medium | Magnitude::Large)) => format!(
            "Removing `{name}` changes {metric} by {change:+.4}{pct}, a {} effect, but not detectable with {} seeds ({p}){}: run more seeds before dropping `{name}`.",
            if row.magnitude == Some(Magnitude::Large) { "large" } else { "medium" },
            row.n,
            seeds_needed_clause(row)
        ),
        _ => format!(
            "Removing `{name}` changes {metric} by {change:+.4}{pct}, not detectable with {} seeds ({p}): `{name}` may be unnecessary.",
            row.n
        ),
    })
}

/// What a verdict rests on: "adjusted p = 0.003", or for adaptive seeds "sequential test,
/// decided at 8 seeds".
fn evidence(row: &SignificanceRow) -> String {
    match (row.sequential, row.p_adjusted) {
        (Some(d), _) if d.is_final() => format!("sequential test, decided at {} seeds", d.seeds()),
        (Some(d), _) => format!("sequential test, open: needs {} seeds", d.seeds()),
        (None, Some(p)) => format!("adjusted p {}", p_relation(p)),
        (None, None) => "adjusted p = —".into(),
    }
}

/// ", about 13 seeds would be needed to detect a change this size" (or nothing).
fn seeds_needed_clause(row: &SignificanceRow) -> String {
    match row.seeds_needed {
        // With a correction for several comparisons, a change can need more seeds than the
        // uncorrected count says; then the count is no help.
        Some(stats::SeedsNeeded::Exactly(k)) if k <= row.n => String::new(),
        Some(stats::SeedsNeeded::Exactly(k)) => format!(", about {k} seeds would be needed to detect a change this size"),
        Some(stats::SeedsNeeded::MoreThan(k)) => format!(", more than {k} seeds would be needed to detect a change this size"),
        None => String::new(),
    }
}

impl fmt::Display for Conclusions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::display::text_list(&self.sentences))
    }
}
