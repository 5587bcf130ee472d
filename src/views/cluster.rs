//! A Slurm run's progress as a table: inline in a notebook (the value of a cell that holds a
//! [`SlurmRun`] polls the scheduler and shows it), and as text for `ablate status`.

use crate::cluster::{SlurmRun, SlurmStatus};
use crate::display::{Cell, ColumnSpec, Render, Table, escape_html};

use super::TableView;

impl TableView for SlurmStatus {
    fn to_table(&self) -> Table {
        let mut table = Table::new(vec![
            ColumnSpec::text("config"),
            ColumnSpec::number("queued"),
            ColumnSpec::number("running"),
            ColumnSpec::number("done"),
            ColumnSpec::number("failed"),
            ColumnSpec::number("missing"),
        ]);
        let total = self.totals();
        for row in self.rows.iter().chain(std::iter::once(&total)) {
            let n = |v: usize| Cell::int(v as i64);
            table.push_row(vec![Cell::text(row.config.clone()), n(row.queued), n(row.running), n(row.done), n(row.failed), n(row.missing)]);
        }
        let jobs: Vec<String> = self
            .jobs
            .iter()
            .map(|j| {
                let id = j.job_id.clone().unwrap_or_else(|| "never submitted".into());
                let cancelled = if j.cancelled { ", cancelled" } else { "" };
                format!("#{} job {id}: {} of {} tasks in flight{cancelled}", j.submission, j.in_flight, j.tasks)
            })
            .collect();
        let mut note = format!("run directory {}", self.run_dir.display());
        if !jobs.is_empty() {
            note.push_str(&format!("; {}", jobs.join("; ")));
        }
        if self.submitted > 0 {
            note.push_str(&format!("; {} trials submitted now", self.submitted));
        }
        if self.vanished > 0 {
            note.push_str(&format!("; {} trials whose task ended without a result were recorded as failed (resubmitted while retries are left)", self.vanished));
        }
        table.with_title(format!("Study `{}` on Slurm", self.study)).with_note(note)
    }
}

impl Render for SlurmRun {
    /// Polls the scheduler once and shows where the run stands.
    fn to_text(&self) -> String {
        match self.status() {
            Ok(status) => status.to_text(),
            Err(e) => format!("ablate: cannot read the Slurm run in {}: {e}", self.run_dir().display()),
        }
    }

    fn to_html(&self) -> String {
        match self.status() {
            Ok(status) => status.to_html(),
            Err(e) => format!("<div class=\"ablate\"><p>cannot read the Slurm run in {}: {}</p></div>", escape_html(&self.run_dir().display().to_string()), escape_html(&e.to_string())),
        }
    }

    fn mime_blocks(&self) -> Vec<(&'static str, String)> {
        // One poll for both blocks.
        match self.status() {
            Ok(status) => status.mime_blocks(),
            Err(_) => vec![(crate::display::TEXT_PLAIN, self.to_text())],
        }
    }
}

impl std::fmt::Display for SlurmRun {
    /// Polls the scheduler once and prints where the run stands.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_text())
    }
}
