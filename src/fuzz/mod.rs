//! The fuzz harness (issue 21, item 5), on stable Rust: a seeded mutational loop over valid
//! corpora for every parser of bytes ablate did not write itself (or wrote and may find
//! torn), run as part of the ordinary test suite.
//!
//! Each target (see `targets.rs`) feeds inputs to a parser the way ablate meets them: a
//! study file, a file in a run directory next to valid ones, a Slurm file or tool output, an
//! Optuna journal or CSV, a command trial's stdout or result file. Its corpus is what ablate
//! itself writes (a tiny study run into a temporary directory, a submission, a shard) plus
//! hand-written seeds (`tests/fuzz-corpus/`). Every input is checked for:
//!
//! - no panic: each input runs under `catch_unwind`; a panic is a finding;
//! - no abort, hang or stack overflow: these end the process, so the input in flight is
//!   written to `in-flight.bin` before it runs (a watchdog aborts after
//!   `ABLATE_FUZZ_HANG_SECONDS`, default 120, naming it);
//! - no unbounded allocation: the test binary's allocator records the largest single
//!   request while an input runs; more than 256 MiB is a finding (what a count or length
//!   read from the input may make ablate reserve must be capped);
//! - a clear error for every rejected input: not empty, not an internal error, and naming
//!   the file (or line) it is about where the target says so;
//! - properties of accepted inputs where the target states one (a study file that loads
//!   also loads from the `spec.json` a run would store).
//!
//! Findings are saved under `$TMPDIR/ablate-fuzz/<target>/` (`<kind>-<n>.bin` with a `.txt`
//! that says what happened) and fail the test. Environment:
//!
//! - `ABLATE_FUZZ_SECONDS`: seconds for all targets together (default 36: about 2.6 s a
//!   target; the CI budget is 60 s);
//! - `ABLATE_FUZZ_SEED`: the generator's seed (default 21005);
//! - `ABLATE_FUZZ_REPLAY=<file>`: run only that input (a saved finding) through the
//!   targets selected by the test filter, without catching its panic.
//!
//! A longer run: `ABLATE_FUZZ_SECONDS=600 cargo test --release --lib fuzz -- --nocapture
//! --test-threads 1` (BENCHMARKS.md, "Fuzzing").

mod alloc;
mod mutate;
mod regressions;
mod targets;

use std::cell::RefCell;
use std::collections::{BTreeMap, HashSet};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::rng::Rng;

#[global_allocator]
static ALLOCATOR: alloc::Counting = alloc::Counting;

/// How many targets share the time budget.
const TARGETS: u32 = 14;
/// A single allocation larger than this, for any input, is a finding.
const BIG_ALLOCATION: usize = 256 << 20;
/// An input that takes longer than this is a finding (slow, if not hung).
const SLOW: Duration = Duration::from_secs(10);
/// Entries a corpus grows to at most (inputs with a new outcome are added).
const CORPUS_MAX: usize = 400;

/// What a target made of one input.
pub(super) enum Outcome {
    /// Accepted; the string sums up what was read (records, trials), to tell outcomes apart.
    Accepted(String),
    /// Rejected with this message.
    Rejected(String),
    /// Something the input should not be able to cause, in words.
    Broken(String),
}

/// Which structure-aware mutation suits a target's inputs (byte-level ones always apply).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Shape {
    /// Bytes only.
    Bytes,
    /// One JSON document.
    JsonDoc,
    /// Lines, some of which carry JSON after a prefix.
    JsonLines,
    /// One TOML document.
    TomlDoc,
}

/// What a target does with one input.
pub(super) type Run = Box<dyn FnMut(&[u8]) -> Outcome>;

/// One parser under test.
pub(super) struct Target {
    pub name: &'static str,
    /// Valid inputs (and a few invalid ones) to start from.
    pub seeds: Vec<Vec<u8>>,
    /// Tokens of the format.
    pub dict: Vec<&'static [u8]>,
    pub shape: Shape,
    /// Repairs an input after mutation (the journal's line checksums), so the parser behind
    /// the check is reached; applied to three inputs in four.
    pub fixup: Option<fn(&mut Vec<u8>)>,
    /// The longest input.
    pub max_len: usize,
    /// A rejection message must contain one of these (the file or line it is about).
    pub must_name: Vec<String>,
    /// Runs one input.
    pub run: Run,
}

/// What a run of one target found.
#[derive(Debug, Default)]
pub(super) struct Report {
    pub target: String,
    pub inputs: u64,
    pub accepted: u64,
    pub rejected: u64,
    pub corpus: usize,
    pub elapsed: Duration,
    pub slowest: Duration,
    /// Time spent on accepted and on rejected inputs.
    pub time_accepted: Duration,
    pub time_rejected: Duration,
    pub largest_allocation: usize,
    /// The most bytes one input requested in all.
    pub most_allocated: usize,
    /// Distinct rejection messages (digits and quoted parts masked), with a count and an
    /// example.
    pub errors: BTreeMap<String, (u64, String)>,
    /// What was found, each with the file it was saved to.
    pub findings: Vec<String>,
}

thread_local! {
    static FUZZING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    static PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Installs (once) a panic hook that, on a fuzzing thread, records the message and where
/// it was raised instead of printing it; other threads keep the usual report.
fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if FUZZING.with(std::cell::Cell::get) {
                let location = info.location().map(|l| format!("{}:{}", l.file(), l.line())).unwrap_or_default();
                let message = payload_text(info.payload());
                PANIC.with(|p| *p.borrow_mut() = Some(format!("{message} at {location}")));
            } else {
                previous(info);
            }
        }));
    });
}

fn payload_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(a panic without a message)".into())
}

/// Writes `bytes` over the file at `path` in place: without `O_TRUNC`, which on ext4 makes
/// the next write wait for the old data to reach the disk (milliseconds an input).
pub(super) fn overwrite(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::FileExt;
    let file = std::fs::OpenOptions::new().write(true).create(true).truncate(false).open(path)?;
    file.write_all_at(bytes, 0)?;
    file.set_len(bytes.len() as u64)
}

fn env_number<T: std::str::FromStr>(name: &str) -> Option<T> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

/// Where a target's findings and in-flight input go.
fn findings_dir(target: &str) -> PathBuf {
    std::env::temp_dir().join("ablate-fuzz").join(target)
}

/// A message with its variable parts masked: digits, and text in quotes or backticks.
fn shape_of(message: &str) -> String {
    let mut out = String::new();
    let mut quote: Option<char> = None;
    for c in message.chars() {
        match quote {
            Some(q) if c == q => {
                quote = None;
                out.push(c);
            }
            Some(_) => {}
            None if c == '`' || c == '"' => {
                quote = Some(c);
                out.push(c);
                out.push('…');
            }
            None if c.is_ascii_digit() => {
                if !out.ends_with('#') {
                    out.push('#');
                }
            }
            None => out.push(c),
        }
        if out.chars().count() >= 120 {
            break;
        }
    }
    out
}

/// What is unclear about a rejection message, if anything.
fn unclear(message: &str, must_name: &[String]) -> Option<String> {
    let trimmed = message.trim();
    if trimmed.chars().count() < 12 {
        return Some(format!("the message {message:?} is empty or too short to say what is wrong"));
    }
    if trimmed.contains("internal:") || trimmed.contains("internal error") {
        return Some("the message reports an internal error for bad input".into());
    }
    if !must_name.is_empty() && !must_name.iter().any(|n| message.contains(n.as_str())) {
        return Some(format!("the message does not name what it is about (one of {must_name:?})"));
    }
    None
}

/// Runs `target` for its share of the time budget (or replays one input) and returns what
/// it found.
pub(super) fn fuzz(mut target: Target) -> Report {
    install_panic_hook();
    let dir = findings_dir(target.name);
    let _ = std::fs::create_dir_all(&dir);
    if let Ok(replay) = std::env::var("ABLATE_FUZZ_REPLAY") {
        let input = std::fs::read(&replay).unwrap_or_else(|e| panic!("cannot read ABLATE_FUZZ_REPLAY={replay}: {e}"));
        let outcome = (target.run)(&input);
        let said = match outcome {
            Outcome::Accepted(s) => format!("accepted ({s})"),
            Outcome::Rejected(m) => format!("rejected: {m}"),
            Outcome::Broken(m) => format!("BROKEN: {m}"),
        };
        eprintln!("{}: {replay}: {said}", target.name);
        return Report { target: target.name.into(), inputs: 1, ..Report::default() };
    }
    let total: f64 = env_number("ABLATE_FUZZ_SECONDS").unwrap_or(36.0);
    let budget = Duration::from_secs_f64((total / f64::from(TARGETS)).max(0.05));
    let seed: u64 = env_number("ABLATE_FUZZ_SEED").unwrap_or(21_005);
    let name_hash = target.name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    let mut mutator = mutate::Mutator { rng: Rng::new(seed ^ name_hash), dict: &[], max_len: target.max_len };
    let dict = std::mem::take(&mut target.dict);
    mutator.dict = &dict;

    // The watchdog: an input that runs past the limit ends the process, naming the input.
    let in_flight = dir.join("in-flight.bin");
    let started_ms = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let hang = Duration::from_secs(env_number("ABLATE_FUZZ_HANG_SECONDS").unwrap_or(120));
    let epoch = Instant::now();
    let watchdog = {
        let (started_ms, done, name, in_flight) = (started_ms.clone(), done.clone(), target.name, in_flight.clone());
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(200));
                let at = started_ms.load(Ordering::Relaxed);
                if at > 0 && epoch.elapsed().saturating_sub(Duration::from_millis(at)) > hang {
                    eprintln!("fuzz {name}: an input ran for more than {} s (a hang): it is {}", hang.as_secs(), in_flight.display());
                    std::process::abort();
                }
            }
        })
    };

    let mut corpus: Vec<Vec<u8>> = target.seeds.clone();
    assert!(!corpus.is_empty(), "target {} has no seeds", target.name);
    let mut report = Report { target: target.name.into(), ..Report::default() };
    let mut seen_outcomes: HashSet<String> = HashSet::new();
    let mut seen_findings: HashSet<String> = HashSet::new();
    let start = Instant::now();
    // The seeds first, unchanged; then mutations.
    let mut next_seed = 0;
    while start.elapsed() < budget || next_seed < target.seeds.len() {
        let input = if next_seed < target.seeds.len() {
            next_seed += 1;
            target.seeds[next_seed - 1].clone()
        } else {
            let base = corpus[mutator.rng.below(corpus.len())].clone();
            let structured = match target.shape {
                _ if mutator.rng.below(3) != 0 => None,
                Shape::Bytes => None,
                Shape::JsonDoc => mutator.json_doc(&base),
                Shape::JsonLines => mutator.json_line(&base),
                Shape::TomlDoc => mutator.toml_doc(&base),
            };
            let mut input = match structured {
                Some(s) if mutator.rng.below(4) == 0 => mutator.bytes(&s, &corpus),
                Some(s) => s,
                None => mutator.bytes(&base, &corpus),
            };
            if let Some(fixup) = target.fixup
                && mutator.rng.below(4) != 0
            {
                fixup(&mut input);
            }
            input
        };
        let _ = overwrite(&in_flight, &input);
        started_ms.store(epoch.elapsed().as_millis() as u64 + 1, Ordering::Relaxed);
        let began = Instant::now();
        FUZZING.with(|f| f.set(true));
        let watch = alloc::Watch::start();
        let result = catch_unwind(AssertUnwindSafe(|| (target.run)(&input)));
        let allocated = watch.stop();
        FUZZING.with(|f| f.set(false));
        let took = began.elapsed();
        started_ms.store(0, Ordering::Relaxed);
        report.inputs += 1;
        if took > report.slowest {
            report.slowest = took;
            let _ = std::fs::write(dir.join("slowest.bin"), &input);
        }
        report.largest_allocation = report.largest_allocation.max(allocated.largest);
        report.most_allocated = report.most_allocated.max(allocated.total);

        let mut found: Vec<(&str, String)> = Vec::new();
        let outcome_key = match result {
            Err(payload) => {
                let message = PANIC.with(|p| p.borrow_mut().take()).unwrap_or_else(|| payload_text(payload.as_ref()));
                found.push(("panic", message));
                None
            }
            Ok(Outcome::Accepted(summary)) => {
                report.accepted += 1;
                report.time_accepted += took;
                Some(format!("ok {summary}"))
            }
            Ok(Outcome::Rejected(message)) => {
                report.rejected += 1;
                report.time_rejected += took;
                let shape = shape_of(&message);
                report.errors.entry(shape.clone()).or_insert_with(|| (0, message.clone())).0 += 1;
                if let Some(why) = unclear(&message, &target.must_name) {
                    found.push(("unclear", format!("{why}: {message}")));
                }
                Some(format!("err {shape}"))
            }
            Ok(Outcome::Broken(what)) => {
                found.push(("broken", what));
                None
            }
        };
        if allocated.largest > BIG_ALLOCATION {
            found.push(("allocation", format!("one allocation of {} MiB for an input of {} bytes", allocated.largest >> 20, input.len())));
        }
        if took > SLOW {
            found.push(("slow", format!("took {:.1} s", took.as_secs_f64())));
        }
        for (kind, what) in found {
            let what: String = if what.chars().count() > 600 { what.chars().take(600).chain("…".chars()).collect() } else { what };
            // One file per distinct finding (its message with the variable parts masked).
            if seen_findings.insert(format!("{kind} {}", shape_of(&what))) {
                let n = seen_findings.len();
                let path = dir.join(format!("{kind}-{n}.bin"));
                let _ = std::fs::write(&path, &input);
                let _ = std::fs::write(path.with_extension("txt"), format!("{kind}: {what}\nreplay: ABLATE_FUZZ_REPLAY={} cargo test --lib fuzz::tests::{}\n", path.display(), target.name));
                report.findings.push(format!("{kind}: {what} (input saved to {})", path.display()));
            }
        }
        if let Some(key) = outcome_key
            && seen_outcomes.insert(key)
            && corpus.len() < CORPUS_MAX
        {
            corpus.push(input);
        }
    }
    report.elapsed = start.elapsed();
    report.corpus = corpus.len();
    done.store(true, Ordering::Relaxed);
    let _ = watchdog.join();
    let _ = std::fs::remove_file(&in_flight);
    let name = target.name;
    drop(target);
    let scratch = targets::scratch_dir(name);
    let _ = std::fs::remove_dir_all(&scratch);
    // The process's folder goes with its last target (removing a folder others still use fails).
    let _ = scratch.parent().map(std::fs::remove_dir);
    report
}

/// Prints a report and fails on any finding.
fn check(report: Report) {
    eprintln!(
        "fuzz {}: {} inputs in {:.1} s ({} accepted in {:.1} s, {} rejected in {:.1} s with {} distinct messages), corpus {}, slowest input {:.0} ms, largest allocation {} KiB (most by one input {} KiB)",
        report.target,
        report.inputs,
        report.elapsed.as_secs_f64(),
        report.accepted,
        report.time_accepted.as_secs_f64(),
        report.rejected,
        report.time_rejected.as_secs_f64(),
        report.errors.len(),
        report.corpus,
        report.slowest.as_secs_f64() * 1000.0,
        report.largest_allocation >> 10,
        report.most_allocated >> 10
    );
    if std::env::var_os("ABLATE_FUZZ_MESSAGES").is_some() {
        let mut by_count: Vec<_> = report.errors.iter().collect();
        by_count.sort_by_key(|(_, (count, _))| std::cmp::Reverse(*count));
        for (_, (count, example)) in by_count {
            eprintln!("  {count:>7}  {}", example.chars().take(300).collect::<String>().replace('\n', "⏎"));
        }
    }
    assert!(report.findings.is_empty(), "fuzz {} found:\n{}", report.target, report.findings.join("\n"));
}

#[cfg(test)]
mod tests {
    use super::{check, fuzz, targets};

    #[test]
    fn study_toml() {
        check(fuzz(targets::study_file("study_toml", "toml")));
    }

    #[test]
    fn study_json() {
        check(fuzz(targets::study_file("study_json", "json")));
    }

    #[test]
    fn run_journal() {
        check(fuzz(targets::run_journal()));
    }

    #[test]
    fn run_shard() {
        check(fuzz(targets::run_shard()));
    }

    #[test]
    fn run_spec() {
        check(fuzz(targets::run_spec()));
    }

    #[test]
    fn run_claim() {
        check(fuzz(targets::run_claim()));
    }

    #[test]
    fn slurm_submission() {
        check(fuzz(targets::slurm_submission()));
    }

    #[test]
    fn slurm_exit() {
        check(fuzz(targets::slurm_exit()));
    }

    #[test]
    fn slurm_states() {
        check(fuzz(targets::slurm_states()));
    }

    #[test]
    fn optuna_journal() {
        check(fuzz(targets::optuna_journal()));
    }

    #[test]
    fn optuna_csv() {
        check(fuzz(targets::optuna_csv()));
    }

    #[test]
    fn command_stdout() {
        check(fuzz(targets::command_stdout()));
    }

    #[test]
    fn command_result_file() {
        check(fuzz(targets::command_result_file()));
    }

    #[test]
    fn command_template() {
        check(fuzz(targets::command_template()));
    }
}
