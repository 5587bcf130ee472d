//! Adaptive seeds on real runs: large effects and negligible ones stop early, the run
//! spends fewer trials than max seeds for all, the significance table says when each
//! comparison was decided, and a run whose journal lost its last records resumes to the
//! same decisions.

use std::sync::atomic::{AtomicUsize, Ordering};

use ablate::prelude::*;
use ablate::stats::Decision;
use ablate::Verdict;

use crate::common::temp_dir;

fn study(dir: &std::path::Path) -> Study {
    Study::new("adaptive")
        .param(Param::categorical("change", ["none", "tiny", "big", "worse"], "none").levels(["tiny", "big", "worse"]))
        .param(Param::float("dropout", 0.1).levels([0.2]))
        .seeds_adaptive(3, 20)
        .equivalence_margin(0.02)
        .maximize("accuracy")
        .run_dir(dir)
        .progress(ProgressMode::Off)
}

/// Effects: tiny +0.001 (negligible), big +0.05, worse −0.04, dropout 0.2: +0.0 (none).
/// Every seed shifts all configs alike (common random numbers) plus noise of sd ≈ 0.005.
fn accuracy(t: &Trial) -> TrialResult {
    let effect = match t.str("change")? {
        "tiny" => 0.001,
        "big" => 0.05,
        "worse" => -0.04,
        _ => 0.0,
    };
    let shared = ((t.seed() % 1000) as f64 / 1000.0 - 0.5) * 0.1;
    let mut h = t.seed() ^ (t.str("change")?.len() as u64 * 0x9E37_79B9) ^ (t.float("dropout")? * 1000.0) as u64;
    h = h.wrapping_mul(0xBF58_476D_1CE4_E5B9) ^ (h >> 31);
    let own = ((h % 10_000) as f64 / 10_000.0 - 0.5) * 0.017;
    Ok(metrics! { "accuracy" => 0.8 + effect + shared + own })
}

#[test]
fn clear_changes_stop_early_and_the_table_says_when() {
    let dir = temp_dir("adaptive");
    let calls = AtomicUsize::new(0);
    let results = study(&dir)
        .run(|t: &Trial| {
            calls.fetch_add(1, Ordering::SeqCst);
            accuracy(t)
        })
        .unwrap();
    let planned = results.plan().trials().len();
    assert_eq!(planned, 5 * 20, "the plan holds max seeds for every config");
    let ran = calls.load(Ordering::SeqCst);
    assert_eq!(ran, results.records().len());
    assert!(ran < planned * 6 / 10, "adaptive ran {ran} of {planned} trials");

    let sig = results.significance().unwrap();
    let row = |label: &str| sig.row(label).unwrap().clone();
    let (big, worse, tiny, dropout) = (row("change=big"), row("change=worse"), row("change=tiny"), row("dropout=0.2"));
    assert_eq!(big.verdict, Verdict::Better);
    assert_eq!(worse.verdict, Verdict::Worse);
    assert!(matches!(big.sequential, Some(Decision::Different { seeds, .. }) if seeds < 20), "{:?}", big.sequential);
    for negligible in [&tiny, &dropout] {
        assert_eq!(negligible.verdict, Verdict::Equivalent, "{:?}", negligible.sequential);
        assert!(negligible.sequential.unwrap().seeds() < 20);
        assert!(negligible.p_adjusted.is_none());
    }
    // A config's row uses the seeds it ran: as many pairs as its decision's seeds.
    assert_eq!(big.n, big.sequential.unwrap().seeds());
    let text = sig.to_text();
    assert!(text.contains("decided") && text.contains("equivalent (within ±0.02)") && text.contains("adaptive seeds (3 to 20)"), "{text}");
    assert!(text.contains(&format!("{ran} of 100 trials run")), "{text}");
    let frame = sig.frame().unwrap();
    assert!(frame.column("decided_at_seeds").is_ok());

    // Reopened from the run directory: the same decisions, nothing run.
    let reloaded = Results::load(&dir).unwrap().significance().unwrap();
    assert_eq!(reloaded.rows, sig.rows);
    let again = study(&dir).run(accuracy).unwrap();
    assert_eq!(again.run_stats().executed, 0);
}

#[test]
fn a_journal_cut_short_resumes_to_the_same_decisions() {
    let dir = temp_dir("adaptive-cut");
    let full = study(&dir).run(accuracy).unwrap();
    let decisions: Vec<Option<Decision>> = full.significance().unwrap().rows.iter().map(|r| r.sequential).collect();
    // As if the driver died before its last 12 records reached the journal.
    let journal = dir.join("journal.jsonl");
    let text = std::fs::read_to_string(&journal).unwrap();
    let records: usize = text.matches("\"status\":").count();
    let mut kept = String::new();
    let mut seen = 0;
    for line in text.lines() {
        seen += line.matches("\"status\":").count();
        if seen > records - 12 {
            break;
        }
        kept.push_str(line);
        kept.push('\n');
    }
    std::fs::write(&journal, &kept).unwrap();
    let calls = AtomicUsize::new(0);
    let resumed = study(&dir)
        .run(|t: &Trial| {
            calls.fetch_add(1, Ordering::SeqCst);
            accuracy(t)
        })
        .unwrap();
    let lost = records - kept.matches("\"status\":").count();
    assert!(lost >= 12);
    assert_eq!(calls.load(Ordering::SeqCst), lost, "reran exactly what was lost");
    assert_eq!(resumed.records().len(), records);
    let again: Vec<Option<Decision>> = resumed.significance().unwrap().rows.iter().map(|r| r.sequential).collect();
    assert_eq!(again, decisions);
}

#[test]
fn adaptive_settings_are_checked() {
    let dir = temp_dir("adaptive-bad");
    let err = study(&dir).seeds_adaptive(2, 20).plan().unwrap_err().to_string();
    assert!(err.contains("adaptive seeds") && err.contains('3'), "{err}");
    let err = Study::new("m").param(Param::float("x", 1.0).levels([2.0])).maximize("a").equivalence_margin(0.01).plan().unwrap_err().to_string();
    assert!(err.contains("seeds_adaptive"), "{err}");
    let err = study(&dir).equivalence_margin(-1.0).plan().unwrap_err().to_string();
    assert!(err.contains("margin"), "{err}");
}

/// Four changes that do nothing and one clear effect, with independent noise per trial.
fn nulls(t: &Trial) -> TrialResult {
    let variant = t.str("variant")?;
    let mut h = t.seed().wrapping_add(variant.bytes().map(u64::from).sum::<u64>() * 0x9E37_79B9);
    h = (h ^ (h >> 33)).wrapping_mul(0xFF51_AFD7_ED55_8CCD);
    h ^= h >> 33;
    let noise = ((h % 10_000) as f64 / 10_000.0 - 0.5) * 0.03;
    let effect = if variant == "e" { 0.05 } else { 0.0 };
    Ok(metrics! { "accuracy" => 0.8 + effect + noise })
}

#[test]
fn a_change_with_no_difference_in_sight_stops_as_futile_unless_told_not_to() {
    // No margin, so only a difference or the futility rule can stop a comparison early.
    let dir = temp_dir("adaptive-futile");
    let base = |name: &str| {
        Study::new("futile")
            .param(Param::categorical("variant", ["base", "a", "b", "c", "d", "e"], "base").levels(["a", "b", "c", "d", "e"]))
            .maximize("accuracy")
            .progress(ProgressMode::Off)
            .seeds_adaptive(3, 20)
            .run_dir(dir.join(name))
    };
    let default = base("default").run(nulls).unwrap();
    let sig = default.significance().unwrap();
    let text = sig.to_text();
    let futile: Vec<_> = sig.rows.iter().filter(|r| matches!(r.sequential, Some(Decision::Futile { .. }))).collect();
    assert!(futile.len() >= 2, "null changes stop as futile: {text}");
    for row in &futile {
        assert_eq!(row.verdict, Verdict::NoDetectableDifference);
        let Some(Decision::Futile { seeds, predictive_power, .. }) = row.sequential else { unreachable!() };
        assert!(seeds < 20 && predictive_power < ablate::stats::DEFAULT_FUTILITY, "{text}");
        assert_eq!(row.n, seeds);
    }
    assert_eq!(sig.row("variant=e").unwrap().verdict, Verdict::Better, "{text}");
    assert!(text.contains("futile (no difference in sight)") && text.contains("predictive power") && text.contains("below 20%"), "{text}");

    let patient = base("off").futility(0.0).run(nulls).unwrap();
    let sig_off = patient.significance().unwrap();
    assert!(sig_off.rows.iter().all(|r| !matches!(r.sequential, Some(Decision::Futile { .. }))));
    assert!(patient.records().len() > default.records().len(), "the rule saved trials");
    assert_eq!(sig_off.row("variant=e").unwrap().verdict, Verdict::Better);
}

#[test]
fn futility_and_spending_come_from_a_study_file_and_are_checked() {
    let dir = temp_dir("adaptive-file");
    let file = |adaptive: &str| {
        format!(
            "name = \"f\"\nseeds = 12\n\n[[param]]\nname = \"x\"\ntype = \"float\"\nbaseline = 1.0\nlevels = [2.0]\n\n[[metric]]\nname = \"a\"\ngoal = \"maximize\"\n\n[[design]]\nkind = \"ofat\"\n\n[adaptive]\nmin = 3\n{adaptive}\n"
        )
    };
    std::fs::write(dir.join("study.toml"), file("futility = 0.3\nspending = \"hwang-shih-decani\"")).unwrap();
    let study = Study::from_file(dir.join("study.toml")).unwrap();
    let plan = study.plan().unwrap();
    let sequential = plan.sequential().unwrap();
    assert_eq!(sequential.futility(), Some(0.3));
    assert_eq!(sequential.spending(), ablate::stats::Spending::HwangShihDeCaniMinus2);
    // The spec a run directory keeps carries the rule, whether given or not.
    let spec = study.to_spec();
    assert_eq!(spec.adaptive.as_ref().and_then(|a| a.futility), Some(0.3));
    std::fs::write(dir.join("default.toml"), file("")).unwrap();
    let spec = Study::from_file(dir.join("default.toml")).unwrap().to_spec();
    let adaptive = spec.adaptive.unwrap();
    assert_eq!((adaptive.futility, adaptive.spending), (Some(ablate::stats::DEFAULT_FUTILITY), Some(ablate::stats::Spending::OBrienFleming)));

    std::fs::write(dir.join("bad.toml"), file("spending = \"fast\"")).unwrap();
    let err = Study::from_file(dir.join("bad.toml")).unwrap_err().to_string();
    assert!(err.contains("spending") && err.contains("obrien-fleming"), "{err}");
    let err = Study::from_file(dir.join("default.toml")).unwrap().futility(1.5).plan().unwrap_err().to_string();
    assert!(err.contains("futility") && err.contains("between 0 and 1"), "{err}");
    let err = Study::new("m").param(Param::float("x", 1.0).levels([2.0])).maximize("a").futility(0.1).plan().unwrap_err().to_string();
    assert!(err.contains("futility = 0.1") && err.contains("seeds_adaptive"), "{err}");
}

/// In memory, adaptive seeds keep what every look ran: each (config, seed) trial runs once,
/// the study ends, and it decides as the same study with a run directory does.
#[test]
fn in_memory_adaptive_runs_each_trial_once_and_ends() {
    let calls = std::sync::atomic::AtomicUsize::new(0);
    let f = |t: &Trial| -> TrialResult {
        calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let shift = match t.str("mode")? {
            "fast" => 0.3,
            "slow" => -0.3,
            _ => 0.0,
        };
        Ok(metrics! { "score" => shift + (t.seed() % 7) as f64 * 0.01 })
    };
    let study = |name: &str| {
        Study::new(name)
            .param(Param::categorical("mode", ["plain", "fast", "slow", "odd"], "plain").levels(["plain", "fast", "slow", "odd"]))
            .seeds_adaptive(3, 20)
            .maximize("score")
            .progress(ProgressMode::Off)
    };
    let memory = study("adaptive-memory").in_memory().run(f).unwrap();
    let ran = calls.load(std::sync::atomic::Ordering::SeqCst);
    assert_eq!(ran, memory.records().len(), "every trial ran once");
    let ids: std::collections::HashSet<_> = memory.records().iter().map(|r| r.id.clone()).collect();
    assert_eq!(ids.len(), ran);
    let dir = crate::common::temp_dir("adaptive-memory-dir");
    calls.store(0, std::sync::atomic::Ordering::SeqCst);
    let on_disk = study("adaptive-memory").run_dir(&dir).run(f).unwrap();
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), ran, "the same trials as with a run directory");
    let verdicts = |r: &Results| r.significance().unwrap().rows.iter().map(|row| (row.config.clone(), row.verdict, row.n)).collect::<Vec<_>>();
    assert_eq!(verdicts(&memory), verdicts(&on_disk));
}
