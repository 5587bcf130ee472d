//! Builds the polars results frame: one row per trial, one typed column per parameter and
//! per metric.

use polars::prelude::*;

use crate::error::Result;
use crate::space::{Domain, Value};
use crate::store::TrialRecord;
use crate::plan::Plan;

/// The trials frame. `config_of[i]` is the config index of `records[i]`.
pub(crate) fn trial_frame(plan: &Plan, records: &[TrialRecord], config_of: &[usize]) -> Result<DataFrame> {
    let labels: Vec<String> = (0..plan.configs().len()).map(|c| plan.label(c)).collect();
    let varied: Vec<String> = (0..plan.configs().len()).map(|c| plan.varied(c).join(",")).collect();
    let height = records.len();
    let mut columns: Vec<Column> = vec![
        Column::new("trial_id".into(), records.iter().map(|r| r.id.as_str()).collect::<Vec<_>>()),
        Column::new("config".into(), config_of.iter().map(|&c| labels[c].as_str()).collect::<Vec<_>>()),
        Column::new("design".into(), config_of.iter().map(|&c| plan.configs()[c].design().as_str()).collect::<Vec<_>>()),
        Column::new("varied".into(), config_of.iter().map(|&c| varied[c].as_str()).collect::<Vec<_>>()),
    ];
    for param in plan.params().iter() {
        let name = param.name();
        let values = records.iter().map(|r| r.config.get(name));
        let column = match param.domain() {
            Domain::Float { .. } => Column::new(name.into(), values.map(|v| v.and_then(Value::as_f64)).collect::<Vec<_>>()),
            Domain::Int { .. } => Column::new(
                name.into(),
                values.map(|v| match v { Some(Value::Int(i)) => Some(*i), _ => None }).collect::<Vec<_>>(),
            ),
            Domain::Categorical { .. } => Column::new(
                name.into(),
                values.map(|v| match v { Some(Value::Str(s)) => Some(s.as_str()), _ => None }).collect::<Vec<_>>(),
            ),
            Domain::Bool | Domain::Component => Column::new(
                name.into(),
                values.map(|v| match v { Some(Value::Bool(b)) => Some(*b), _ => None }).collect::<Vec<_>>(),
            ),
        };
        columns.push(column);
    }
    columns.push(Column::new("replicate".into(), records.iter().map(|r| r.replicate).collect::<Vec<_>>()));
    columns.push(Column::new("seed".into(), records.iter().map(|r| r.seed as i64).collect::<Vec<_>>()));
    columns.push(Column::new("status".into(), records.iter().map(|r| r.status.as_str()).collect::<Vec<_>>()));
    columns.push(Column::new("error".into(), records.iter().map(|r| r.error.as_deref()).collect::<Vec<_>>()));
    columns.push(Column::new("attempt".into(), records.iter().map(|r| r.attempt).collect::<Vec<_>>()));
    for metric in plan.metrics() {
        columns.push(Column::new(
            metric.name.as_str().into(),
            records.iter().map(|r| r.metrics.get(&metric.name)).collect::<Vec<_>>(),
        ));
    }
    columns.push(Column::new("duration_s".into(), records.iter().map(|r| r.duration_s).collect::<Vec<_>>()));
    columns.push(Column::new(
        "started_at".into(),
        records.iter().map(|r| rfc3339_utc(r.started_at_ms)).collect::<Vec<_>>(),
    ));
    Ok(DataFrame::new(height, columns)?)
}

/// Formats milliseconds since the Unix epoch as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub(crate) fn rfc3339_utc(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let millis = ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}


/// The learning-curve frame: one row per reported step of every trial (trial_id, config,
/// replicate, seed, status, step, then one column per reported value, null where a step
/// did not report it).
pub(crate) fn curve_frame(plan: &Plan, records: &[TrialRecord], config_of: &[usize]) -> Result<DataFrame> {
    let mut names: Vec<&str> = records.iter().flat_map(|r| r.reports.iter().flat_map(|p| p.values.iter().map(|(n, _)| n))).collect();
    names.sort_unstable();
    names.dedup();
    let rows: Vec<(usize, &crate::trial::StepReport)> = records.iter().enumerate().flat_map(|(i, r)| r.reports.iter().map(move |p| (i, p))).collect();
    let mut columns: Vec<Column> = vec![
        Column::new("trial_id".into(), rows.iter().map(|&(i, _)| records[i].id.as_str()).collect::<Vec<_>>()),
        Column::new("config".into(), rows.iter().map(|&(i, _)| plan.label(config_of[i])).collect::<Vec<_>>()),
        Column::new("replicate".into(), rows.iter().map(|&(i, _)| records[i].replicate).collect::<Vec<_>>()),
        Column::new("seed".into(), rows.iter().map(|&(i, _)| records[i].seed as i64).collect::<Vec<_>>()),
        Column::new("status".into(), rows.iter().map(|&(i, _)| records[i].status.as_str()).collect::<Vec<_>>()),
        Column::new("step".into(), rows.iter().map(|(_, p)| p.step).collect::<Vec<_>>()),
    ];
    for name in names {
        columns.push(Column::new(name.into(), rows.iter().map(|(_, p)| p.values.get(name)).collect::<Vec<_>>()));
    }
    Ok(DataFrame::new(rows.len(), columns)?)
}

#[cfg(test)]
mod tests {
    use super::rfc3339_utc;

    #[test]
    fn formats_known_instants() {
        assert_eq!(rfc3339_utc(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339_utc(951_782_400_123), "2000-02-29T00:00:00.123Z");
        assert_eq!(rfc3339_utc(1_795_999_999_000), "2026-11-30T00:53:19.000Z");
    }
}
