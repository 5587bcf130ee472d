//! Progress reporting: one display per run, however many batches its scheduler asks for.
//!
//! Where it goes depends on where ablate runs ([`Sink::detect`]):
//! - a terminal: an indicatif bar on stderr that fills and ends in place;
//! - an evcxr notebook: short lines on **stdout**, rarely (the kernel forwards a cell's
//!   output line by line and cannot update an earlier output in place, and Jupyter paints
//!   stderr as an error), ending in one summary line;
//! - a log (neither): the same short lines on stderr.
//!
//! A scheduler that runs several batches (adaptive looks, rungs, path steps) opens a
//! [`scope`] around the whole run; every batch run inside it reports into the scope's one
//! display and names its [`stage`] ("look 2", "step 3 of 5"). A batch run outside any scope
//! gets a display of its own.

use std::cell::RefCell;
use std::collections::HashSet;
use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use crate::options::ProgressMode;

/// The shortest time between two progress lines: logs, and notebooks, where every line
/// stays in the cell's output.
const LOG_INTERVAL: Duration = Duration::from_secs(3);
const NOTEBOOK_INTERVAL: Duration = Duration::from_secs(5);
/// Lines get rarer as a run gets longer: the next comes after at least this fraction of the
/// time elapsed so far, so an hour-long run prints tens of lines, not a thousand.
const INTERVAL_GROWTH: f64 = 0.1;

/// Where progress goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sink {
    /// A bar on stderr (a terminal).
    Bar,
    /// Lines on stdout (an evcxr notebook).
    Notebook,
    /// Lines on stderr (a log file, a pipe).
    Log,
    /// Nothing.
    Off,
}

impl Sink {
    /// The sink for `mode` here: [`ProgressMode::Auto`] picks the bar in a terminal; both
    /// `Auto` and `Lines` write to stdout inside an evcxr notebook (detected by the
    /// `EVCXR_IS_RUNTIME` variable evcxr sets for the process that runs cells).
    pub(crate) fn detect(mode: ProgressMode) -> Sink {
        let notebook = std::env::var_os("EVCXR_IS_RUNTIME").is_some();
        match mode {
            ProgressMode::Off => Sink::Off,
            _ if notebook => Sink::Notebook,
            ProgressMode::Auto if std::io::stderr().is_terminal() => Sink::Bar,
            ProgressMode::Auto | ProgressMode::Lines => Sink::Log,
        }
    }

    /// Writes one line where this sink's lines go (nothing for the bar and `Off`).
    pub(crate) fn write_line(self, line: &str) {
        match self {
            Sink::Notebook => {
                let mut out = std::io::stdout().lock();
                let _ = writeln!(out, "{line}");
                let _ = out.flush();
            }
            Sink::Log => eprintln!("{line}"),
            Sink::Bar | Sink::Off => {}
        }
    }

    fn min_interval(self) -> Duration {
        if self == Sink::Notebook { NOTEBOOK_INTERVAL } else { LOG_INTERVAL }
    }
}

/// Decides when the next line of a stream of lines is due: at most one every few seconds,
/// rarer as the run goes on.
#[derive(Debug)]
pub(crate) struct Throttle {
    start: Instant,
    last: Option<Instant>,
    min: Duration,
}

impl Throttle {
    /// A throttle for `sink`'s lines, starting now.
    pub(crate) fn new(sink: Sink) -> Throttle {
        Throttle { start: Instant::now(), last: None, min: sink.min_interval() }
    }

    /// Whether a line is due now (and if so, counts it as written).
    pub(crate) fn due(&mut self) -> bool {
        let now = Instant::now();
        let since = self.last.unwrap_or(self.start);
        let interval = self.min.max((now - self.start).mul_f64(INTERVAL_GROWTH));
        let due = now - since >= interval;
        if due {
            self.last = Some(now);
        }
        due
    }
}

/// The one display of a run: trial counts over every batch, the current stage.
struct Display {
    sink: Sink,
    bar: Option<ProgressBar>,
    state: Mutex<State>,
}

struct State {
    total: usize,
    done: usize,
    failed: usize,
    /// Trials running at the last report.
    running: usize,
    start: Instant,
    throttle: Throttle,
    /// The stage the run is at ("look 2").
    stage: Option<String>,
    /// Warnings already printed in this scope.
    warned: HashSet<String>,
}

impl Display {
    fn new(mode: ProgressMode) -> Display {
        let sink = Sink::detect(mode);
        let bar = (sink == Sink::Bar).then(|| {
            let bar = ProgressBar::new(0);
            if let Ok(s) = ProgressStyle::with_template("{bar:40} {pos}/{len} trials {msg} [{elapsed}, ETA {eta}]") {
                bar.set_style(s);
            }
            bar
        });
        let now = Instant::now();
        Display {
            sink,
            bar,
            state: Mutex::new(State { total: 0, done: 0, failed: 0, running: 0, start: now, throttle: Throttle::new(sink), stage: None, warned: HashSet::new() }),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A batch of `n` more trials begins.
    fn add(&self, n: usize) {
        let mut state = self.state();
        state.total += n;
        if let Some(bar) = &self.bar {
            bar.set_length(state.total as u64);
        }
    }

    /// `n` trials finished, `failed` of them failed; `running` are still running.
    fn advance(&self, n: usize, failed: usize, running: usize) {
        let mut state = self.state();
        state.done += n;
        state.failed += failed;
        state.running = running;
        match &self.bar {
            Some(bar) => {
                bar.set_position(state.done as u64);
                bar.set_message(state.message());
            }
            // The last trial's line is the summary's job.
            None if self.sink != Sink::Off && state.done < state.total && state.throttle.due() => self.sink.write_line(&state.line()),
            None => {}
        }
    }

    fn set_stage(&self, label: String) {
        let mut state = self.state();
        state.stage = Some(label);
        if let Some(bar) = &self.bar {
            bar.set_message(state.message());
        }
    }

    /// Ends the display: a bar that counted any trial stays as it is (one that counted none
    /// goes); lines end with one summary line when any trial ran.
    fn finish(&self) {
        let state = self.state();
        match &self.bar {
            Some(bar) if state.done > 0 => bar.finish(),
            Some(bar) => bar.finish_and_clear(),
            None if self.sink != Sink::Off && state.total > 0 => self.sink.write_line(&state.summary()),
            None => {}
        }
    }
}

impl State {
    /// The bar's message: the stage and failures.
    fn message(&self) -> String {
        let stage = self.stage.clone();
        let failed = (self.failed > 0).then(|| format!("{} failed", self.failed));
        let parts: Vec<String> = stage.into_iter().chain(failed).collect();
        if parts.is_empty() { String::new() } else { format!("({})", parts.join(", ")) }
    }

    /// A progress line: `ablate: look 2 · 12/30 trials done, 1 failed, 2 running, 4.0 s
    /// elapsed, ETA 6.0 s`.
    fn line(&self) -> String {
        let elapsed = self.start.elapsed().as_secs_f64();
        let stage = self.stage.as_ref().map_or_else(String::new, |s| format!("{s} · "));
        let mut counts = if self.failed > 0 { format!(", {} failed", self.failed) } else { String::new() };
        if self.running > 0 {
            counts.push_str(&format!(", {} running", self.running));
        }
        let eta = if self.done < self.total && self.done > 0 {
            let rest = elapsed / self.done as f64 * (self.total - self.done) as f64;
            format!(", ETA {}", seconds(rest))
        } else {
            String::new()
        };
        format!("ablate: {stage}{}/{} trials done{counts}, {} elapsed{eta}", self.done, self.total, seconds(elapsed))
    }

    /// The closing line: `ablate: 30 trials done in 4.2 s (look 3)` (the last stage), or how
    /// far a stopped run got.
    fn summary(&self) -> String {
        let elapsed = seconds(self.start.elapsed().as_secs_f64());
        let failed = if self.failed > 0 { format!(", {} failed", self.failed) } else { String::new() };
        let stages = self.stage.as_ref().map_or_else(String::new, |s| format!(" ({s})"));
        if self.done < self.total {
            format!("ablate: stopped with {}/{} trials done{failed}, {elapsed}{stages}", self.done, self.total)
        } else {
            format!("ablate: {} done{failed} in {elapsed}{stages}", trials(self.done))
        }
    }
}

thread_local! {
    /// The display of the run this thread is inside, if a scope is open.
    static CURRENT: RefCell<Option<Arc<Display>>> = const { RefCell::new(None) };
}

/// An open progress scope: every batch run on this thread until it drops reports into one
/// display. Scopes nest: an inner one (a scheduler inside a scheduler) joins the outer.
#[must_use = "the scope ends when this value drops"]
pub(crate) struct Scope {
    owned: Option<Arc<Display>>,
}

/// Opens a progress scope for a whole run on this thread (see [`Scope`]).
pub(crate) fn scope(mode: ProgressMode) -> Scope {
    CURRENT.with(|current| {
        let mut current = current.borrow_mut();
        if current.is_some() {
            return Scope { owned: None };
        }
        let display = Arc::new(Display::new(mode));
        *current = Some(display.clone());
        Scope { owned: Some(display) }
    })
}

impl Drop for Scope {
    fn drop(&mut self) {
        if let Some(display) = self.owned.take() {
            CURRENT.with(|current| current.borrow_mut().take());
            display.finish();
        }
    }
}

/// Prints a warning, `ablate: warning: {message}`, on stderr: warnings stay distinct from progress
/// (on a terminal, above the bar). Inside a scope, each distinct message once: a scheduler's
/// batches that find the same thing (a damaged journal read at every look) say it once.
pub(crate) fn warn_once(message: &str) {
    let display = CURRENT.with(|c| c.borrow().clone());
    let Some(display) = display else {
        eprintln!("ablate: warning: {message}");
        return;
    };
    let first = display.state().warned.insert(message.to_string());
    if first {
        match &display.bar {
            Some(bar) => bar.suspend(|| eprintln!("ablate: warning: {message}")),
            None => eprintln!("ablate: warning: {message}"),
        }
    }
}

/// Names the stage the current scope's run is at (`stage("look 2")`); progress lines and
/// the summary show the latest. Nothing outside a scope.
pub(crate) fn stage(label: impl Into<String>) {
    CURRENT.with(|current| {
        if let Some(display) = current.borrow().as_ref() {
            display.set_stage(label.into());
        }
    });
}

/// The progress of one batch of trials: part of the open scope's display, or a display
/// of its own.
pub(crate) struct Progress {
    display: Arc<Display>,
    own: bool,
}

impl Progress {
    /// A reporter for a batch of `total` trials in the given mode (the mode of an open
    /// scope wins).
    pub(crate) fn new(mode: ProgressMode, total: usize) -> Progress {
        let (display, own) = match CURRENT.with(|c| c.borrow().clone()) {
            Some(display) => (display, false),
            None => (Arc::new(Display::new(mode)), true),
        };
        display.add(total);
        Progress { display, own }
    }

    /// Records a finished batch of `n` trials, `failed` of which failed, with `running`
    /// trials still running.
    pub(crate) fn advance(&mut self, n: usize, failed: usize, running: usize) {
        self.display.advance(n, failed, running);
    }

    /// Ends the batch; a display of its own ends with it.
    pub(crate) fn finish(&self) {
        if self.own {
            self.display.finish();
        }
    }
}

/// `1 trial`, `30 trials`.
fn trials(n: usize) -> String {
    if n == 1 { "1 trial".to_string() } else { format!("{n} trials") }
}

fn seconds(s: f64) -> String {
    if s < 60.0 {
        format!("{s:.1} s")
    } else if s < 3600.0 {
        format!("{}m{:02}s", (s / 60.0) as u64, (s % 60.0) as u64)
    } else {
        format!("{}h{:02}m", (s / 3600.0) as u64, ((s % 3600.0) / 60.0) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(total: usize, done: usize, failed: usize, stage: Option<&str>) -> State {
        State {
            total,
            done,
            failed,
            running: 2,
            start: Instant::now(),
            throttle: Throttle::new(Sink::Log),
            stage: stage.map(str::to_string),
            warned: HashSet::new(),
        }
    }

    #[test]
    fn lines_and_the_summary_name_the_stage() {
        let s = state(30, 12, 1, Some("look 2"));
        assert!(s.line().starts_with("ablate: look 2 · 12/30 trials done, 1 failed, 2 running, "), "{}", s.line());
        assert!(s.line().contains("ETA"));
        let done = state(30, 30, 0, Some("look 3"));
        assert!(done.summary().starts_with("ablate: 30 trials done in ") && done.summary().ends_with(" (look 3)"), "{}", done.summary());
        let stopped = state(30, 12, 0, None);
        assert!(stopped.summary().starts_with("ablate: stopped with 12/30 trials done, "), "{}", stopped.summary());
    }

    #[test]
    fn a_throttle_lets_one_line_through_per_interval() {
        let mut t = Throttle { start: Instant::now() - Duration::from_secs(10), last: None, min: Duration::from_secs(3) };
        assert!(t.due());
        assert!(!t.due(), "a second line right after the first is not due");
        // After an hour, lines come at most every 6 minutes.
        let mut late = Throttle { start: Instant::now() - Duration::from_secs(3600), last: Some(Instant::now() - Duration::from_secs(300)), min: Duration::from_secs(3) };
        assert!(!late.due());
    }

    #[test]
    fn scopes_nest_and_batches_join_the_open_scope() {
        let outer = scope(ProgressMode::Off);
        {
            let inner = scope(ProgressMode::Off);
            assert!(inner.owned.is_none(), "an inner scope joins the outer one");
        }
        let mut a = Progress::new(ProgressMode::Off, 4);
        a.advance(4, 1, 0);
        a.finish();
        stage("path step 2/3");
        let b = Progress::new(ProgressMode::Off, 6);
        assert!(!b.own);
        let display = outer.owned.clone().expect("the outer scope owns the display");
        {
            let s = display.state();
            assert_eq!((s.total, s.done, s.failed), (10, 4, 1));
            assert_eq!(s.stage.as_deref(), Some("path step 2/3"));
        }
        drop(outer);
        assert!(CURRENT.with(|c| c.borrow().is_none()), "the scope is closed");
        assert!(Progress::new(ProgressMode::Off, 1).own, "outside a scope a batch has its own display");
    }
}
