//! Progress reporting: a bar in a terminal, otherwise a short line per finished batch
//! (at most one every few seconds, plus the last), never a flood.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use crate::options::ProgressMode;

const LINE_INTERVAL: Duration = Duration::from_secs(3);

/// Reports finished trials out of a total.
pub(crate) struct Progress {
    total: usize,
    done: usize,
    failed: usize,
    start: Instant,
    last_line: Option<Instant>,
    style: Style,
}

enum Style {
    Bar(ProgressBar),
    Lines,
    Off,
}

impl Progress {
    /// A reporter for `total` trials in the given mode.
    pub(crate) fn new(mode: ProgressMode, total: usize) -> Progress {
        let style = match mode {
            ProgressMode::Off => Style::Off,
            ProgressMode::Lines => Style::Lines,
            ProgressMode::Auto if std::io::stderr().is_terminal() => {
                let bar = ProgressBar::new(total as u64);
                if let Ok(s) = ProgressStyle::with_template("{bar:40} {pos}/{len} trials {msg} [{elapsed}, ETA {eta}]") {
                    bar.set_style(s);
                }
                Style::Bar(bar)
            }
            ProgressMode::Auto => Style::Lines,
        };
        Progress { total, done: 0, failed: 0, start: Instant::now(), last_line: None, style }
    }

    /// Records a finished batch of `n` trials, `failed` of which failed.
    pub(crate) fn advance(&mut self, n: usize, failed: usize) {
        self.done += n;
        self.failed += failed;
        match &self.style {
            Style::Bar(bar) => {
                bar.set_position(self.done as u64);
                if self.failed > 0 {
                    bar.set_message(format!("({} failed)", self.failed));
                }
            }
            Style::Lines => {
                let now = Instant::now();
                // Nothing for runs shorter than the interval but the final line.
                let since = self.last_line.unwrap_or(self.start);
                let due = now - since >= LINE_INTERVAL;
                if due || self.done == self.total {
                    self.last_line = Some(now);
                    eprintln!("{}", self.line());
                }
            }
            Style::Off => {}
        }
    }

    fn line(&self) -> String {
        let elapsed = self.start.elapsed().as_secs_f64();
        let failed = if self.failed > 0 { format!(", {} failed", self.failed) } else { String::new() };
        let eta = if self.done < self.total && self.done > 0 {
            let rest = elapsed / self.done as f64 * (self.total - self.done) as f64;
            format!(", ETA {}", seconds(rest))
        } else {
            String::new()
        };
        format!("ablate: {}/{} trials done{failed}, {} elapsed{eta}", self.done, self.total, seconds(elapsed))
    }

    /// Ends the display.
    pub(crate) fn finish(&self) {
        if let Style::Bar(bar) = &self.style {
            bar.finish();
        }
    }
}

fn seconds(s: f64) -> String {
    if s < 60.0 {
        format!("{s:.1} s")
    } else {
        format!("{}m{:02}s", (s / 60.0) as u64, (s % 60.0) as u64)
    }
}
