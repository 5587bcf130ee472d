//! The CSV of `study.trials_dataframe()` as pandas writes it (`to_csv`, with or without the
//! index column): columns `number`, `value` (or `values_<i>`, or `value_<name>` /
//! `values_<name>` when the study set metric names), `datetime_start`, `datetime_complete`,
//! `duration`, `params_<name>`, `user_attrs_<name>`, `system_attrs_<name>`, `state`, and
//! `intermediate_values_<step>` when asked for (`optuna/study/_dataframe.py`). Other columns
//! are ignored. The CSV records neither the study's name (the file's stem stands in, or
//! [`OptunaImport::study`]) nor its directions (given to the import).

use std::path::Path;

use super::{kind_param, metrics, outcome, parse_datetime_us, timing, Kind, OptunaImport, TrialState};
use crate::error::{io_context, Error, Result};
use crate::import::{Observed, ObservedTrial};
use crate::space::{Config, Value};
use crate::trial::{Metrics, StepReport};

/// Splits CSV text into rows of fields (RFC 4180: quoted fields may hold commas, quotes
/// written twice, and newlines). Blank lines are skipped.
fn parse_csv(text: &str) -> std::result::Result<Vec<Vec<String>>, String> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let (mut in_quotes, mut quoted_at, mut line) = (false, 0, 1);
    let mut chars = text.trim_start_matches('\u{feff}').chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\n' {
            line += 1;
        }
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => in_quotes = false,
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => (in_quotes, quoted_at) = (true, line),
            ',' => row.push(std::mem::take(&mut field)),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            _ => field.push(c),
        }
    }
    if in_quotes {
        return Err(format!("the quoted field that starts on line {quoted_at} is never closed: the file is truncated"));
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows.retain(|r| !(r.len() == 1 && r[0].is_empty()));
    Ok(rows)
}

/// The type of a parameter column, from its non-empty cells. pandas writes an int column
/// with a missing cell (a waiting or running trial has no params yet) as floats (`4.0`):
/// whole numbers written so in a column with missing cells are ints.
fn column_kind(cells: &[&str], has_missing: bool) -> Kind {
    let upcast_int = |c: &str| c.strip_suffix(".0").is_some_and(|i| i.parse::<i64>().is_ok());
    if cells.iter().all(|c| matches!(*c, "True" | "False")) {
        Kind::Bool
    } else if cells.iter().all(|c| c.parse::<i64>().is_ok() || (has_missing && upcast_int(c))) {
        Kind::Int
    } else if cells.iter().all(|c| c.parse::<f64>().is_ok()) {
        Kind::Float
    } else {
        Kind::Str
    }
}

fn cell_value(kind: Kind, cell: &str) -> Value {
    match kind {
        Kind::Bool => Value::Bool(cell == "True"),
        Kind::Int => Value::Int(cell.strip_suffix(".0").unwrap_or(cell).parse().unwrap_or_default()),
        Kind::Float => Value::Float(cell.parse().unwrap_or(f64::NAN)),
        Kind::Str => Value::Str(cell.to_string()),
    }
}

/// The metric a value column holds: `value`, `values_<i>`, or the study's metric name.
fn metric_column(column: &str) -> Option<String> {
    match column.split_once('_') {
        None if column == "value" => Some("value".into()),
        Some(("values", i)) if !i.is_empty() && i.bytes().all(|b| b.is_ascii_digit()) => Some(column.to_string()),
        Some(("value" | "values", name)) if !name.is_empty() => Some(name.to_string()),
        _ => None,
    }
}

/// Reads the CSV at `path`.
pub(super) fn read(path: &Path, options: &OptunaImport) -> Result<Observed> {
    let file = path.display().to_string();
    let error = |message: String| Error::Import { file: file.clone(), message };
    let bytes = std::fs::read(path).map_err(io_context(format!("cannot read the Optuna trials CSV {file}")))?;
    let text = String::from_utf8(bytes).map_err(|_| error("it is not UTF-8 text: give the CSV written by study.trials_dataframe().to_csv(path)".into()))?;
    let rows = parse_csv(&text).map_err(error)?;
    let Some((header, body)) = rows.split_first() else {
        return Err(error("it is empty: give the CSV written by study.trials_dataframe().to_csv(path)".into()));
    };
    let column = |name: &str| header.iter().position(|h| h == name);
    if header.iter().any(|h| h == "params" || h == "user_attrs") {
        return Err(error("it was written with multi_index=True (two header rows): write it with study.trials_dataframe().to_csv(path)".into()));
    }
    let (Some(number_col), Some(state_col)) = (column("number"), column("state")) else {
        return Err(error("it has no `number` and `state` columns: this is not the CSV of an Optuna study's trials_dataframe()".into()));
    };
    let value_cols: Vec<(usize, String)> = header.iter().enumerate().filter_map(|(i, h)| metric_column(h).map(|m| (i, m))).collect();
    if value_cols.is_empty() {
        return Err(error("it has no `value` or `values_<i>` column: write it with the default attrs of study.trials_dataframe()".into()));
    }
    let metrics = metrics(&file, value_cols.iter().map(|(_, m)| m.clone()).collect(), None, &options.directions)?;
    let prefixed = |prefix: &str| -> Vec<(usize, String)> { header.iter().enumerate().filter_map(|(i, h)| h.strip_prefix(prefix).map(|n| (i, n.to_string()))).collect() };
    let param_cols = prefixed("params_");
    let steps: Vec<(usize, i64)> = prefixed("intermediate_values_").into_iter().filter_map(|(i, s)| s.parse().ok().map(|s| (i, s))).collect();
    let seed_col = options.seed_attr.as_ref().and_then(|a| column(&format!("user_attrs_{a}")));
    let fail_col = column("system_attrs_fail_reason");
    let (start_col, complete_col) = (column("datetime_start"), column("datetime_complete"));

    for (r, row) in body.iter().enumerate() {
        if row.len() != header.len() {
            return Err(error(format!("row {} has {} fields but the header has {}: the file is truncated or not one CSV", r + 1, row.len(), header.len())));
        }
    }
    fn cell(row: &[String], col: usize) -> Option<&str> {
        Some(row[col].as_str()).filter(|c| !c.is_empty())
    }
    let kinds: Vec<Kind> = param_cols
        .iter()
        .map(|(col, _)| {
            let cells: Vec<&str> = body.iter().filter_map(|row| cell(row, *col)).collect();
            column_kind(&cells, cells.len() < body.len())
        })
        .collect();
    let params = param_cols
        .iter()
        .zip(&kinds)
        .map(|((col, name), &kind)| {
            let mut choices: Vec<String> = Vec::new();
            for c in body.iter().filter_map(|row| cell(row, *col)) {
                if !choices.iter().any(|x| x == c) {
                    choices.push(c.to_string());
                }
            }
            kind_param(name, kind, &choices)
        })
        .collect();

    let mut trials = Vec::with_capacity(body.len());
    for row in body {
        let number: u64 = row[number_col].parse().map_err(|_| error(format!("the trial number {:?} is not a number", row[number_col])))?;
        let bad = |what: String| error(format!("trial {number}: {what}"));
        let state = TrialState::from_name(&row[state_col]).ok_or_else(|| bad(format!("the state {:?} is not an Optuna TrialState", row[state_col])))?;
        let values: Option<Vec<f64>> = value_cols
            .iter()
            .map(|(col, _)| cell(row, *col).map(|c| c.parse::<f64>().map_err(|_| bad(format!("the value {c:?} is not a number")))).transpose())
            .collect::<Result<Option<Vec<f64>>>>()?;
        let mut config = Config::new();
        for ((col, name), &kind) in param_cols.iter().zip(&kinds) {
            if let Some(c) = cell(row, *col) {
                config.set(name, cell_value(kind, c));
            }
        }
        let fail_reason = fail_col.and_then(|c| cell(row, c)).map(String::from);
        let outcome = outcome(&file, number, state, values.as_deref(), &metrics, fail_reason)?;
        let seed = seed_col
            .and_then(|c| cell(row, c))
            .map(|c| {
                c.parse::<u64>().ok().or_else(|| c.parse::<f64>().ok().filter(|x| *x >= 0.0 && x.fract() == 0.0 && *x < 1.8e19).map(|x| x as u64)).ok_or_else(|| {
                    bad(format!("its seed {c:?} is not a non-negative integer: fix it, or import with .seeds_by_order()"))
                })
            })
            .transpose()?;
        let time = |col: Option<usize>| -> Result<Option<i64>> {
            col.and_then(|c| cell(row, c)).map(|c| parse_datetime_us(c).ok_or_else(|| bad(format!("{c:?} is not a date and time")))).transpose()
        };
        let (started_at_ms, duration_s) = timing(time(start_col)?, time(complete_col)?);
        let reports = steps
            .iter()
            .filter_map(|(col, step)| cell(row, *col).and_then(|c| c.parse::<f64>().ok()).filter(|v| v.is_finite()).map(|v| StepReport { step: *step, values: Metrics::new().with(&metrics[0].name, v) }))
            .collect();
        trials.push(ObservedTrial { number, config, outcome, seed, started_at_ms, duration_s, reports });
    }
    let name = options.study.clone().unwrap_or_else(|| path.file_stem().map_or("optuna".into(), |s| s.to_string_lossy().into_owned()));
    Ok(Observed { file, name, params, metrics, trials, skipped_lines: 0, seed_source: options.seed_source() })
}

#[cfg(test)]
mod tests {
    use super::{column_kind, metric_column, parse_csv, Kind};

    #[test]
    fn splits_quoted_fields() {
        let rows = parse_csv("a,b,c\r\n1,\"x, \"\"y\"\"\nz\",\n\n2,,3").unwrap();
        assert_eq!(rows, vec![vec!["a", "b", "c"], vec!["1", "x, \"y\"\nz", ""], vec!["2", "", "3"]]);
        assert!(parse_csv("a,b\n1,\"open").unwrap_err().contains("line 2"));
    }

    #[test]
    fn types_columns() {
        assert_eq!(column_kind(&["True", "False"], false), Kind::Bool);
        assert_eq!(column_kind(&["1", "-2"], false), Kind::Int);
        assert_eq!(column_kind(&["1", "2.5", "1e-05"], false), Kind::Float);
        assert_eq!(column_kind(&["adam", "1"], false), Kind::Str);
        // pandas' int column with a missing cell, and a float column without one
        assert_eq!(column_kind(&["4.0", "-1.0"], true), Kind::Int);
        assert_eq!(column_kind(&["4.0", "-1.0"], false), Kind::Float);
        assert_eq!(column_kind(&["4.0", "1.5"], true), Kind::Float);
        assert_eq!(metric_column("value").as_deref(), Some("value"));
        assert_eq!(metric_column("values_1").as_deref(), Some("values_1"));
        assert_eq!(metric_column("value_accuracy").as_deref(), Some("accuracy"));
        assert_eq!(metric_column("values_f1_score").as_deref(), Some("f1_score"));
        assert_eq!(metric_column("valuex"), None);
        assert_eq!(metric_column("params_value"), None);
    }
}
