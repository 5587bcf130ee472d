//! Significance tables, ANOVA, ranking and conclusions on real study results.

use ablate::prelude::*;
use ablate::stats::{self, Alternative};
use ablate::{Test, Verdict};

/// Deterministic per-seed noise in [-0.01, 0.01].
fn noise(seed: u64, salt: u64) -> f64 {
    use ablate::rng::splitmix64;
    let x = splitmix64(splitmix64(seed) ^ splitmix64(salt));
    (x % 2001) as f64 / 100_000.0 - 0.01
}

fn lr_study() -> Study {
    Study::new("sig")
        .param(Param::float("lr", 0.1).log().levels([0.001, 0.01, 0.1, 1.0]))
        .seeds(8)
        .maximize("accuracy")
        .progress(ProgressMode::Off)
        .in_memory()
}

/// lr=0.01 is clearly better than the 0.1 baseline, 0.001 equal, 1.0 clearly worse.
fn lr_effect(t: &Trial) -> TrialResult {
    let lr = t.float("lr")?;
    let effect = if lr == 0.01 {
        0.05
    } else if lr == 1.0 {
        -0.2
    } else {
        0.0
    };
    Ok(metrics! { "accuracy" => 0.8 + effect + noise(t.seed(), (t.float("lr")? * 1000.0) as u64) })
}

#[test]
fn significance_verdicts_follow_the_effects() {
    let results = lr_study().run(lr_effect).unwrap();
    let sig = results.significance().unwrap();
    assert_eq!(sig.rows.len(), 3);
    assert_eq!(sig.row("lr=0.01").unwrap().verdict, Verdict::Better);
    assert_eq!(sig.row("lr=1").unwrap().verdict, Verdict::Worse);
    assert_eq!(sig.row("lr=0.001").unwrap().verdict, Verdict::NoDetectableDifference);
    assert_eq!(sig.row("lr=0.01").unwrap().marker, "***");
    assert_eq!(sig.row("lr=1").unwrap().magnitude, Some(stats::Magnitude::Large));
    let frame = sig.frame().unwrap();
    assert_eq!(frame.height(), 3);
    assert!(frame.column("p_adjusted").is_ok() && frame.column("d_z").is_ok() && frame.column("verdict").is_ok());
}

#[test]
fn significance_numbers_match_the_stats_engine() {
    let results = lr_study().run(lr_effect).unwrap();
    let sig = results.significance().unwrap();
    let values = results.values("accuracy").unwrap();
    let base: Vec<f64> = values[0].iter().flatten().copied().collect();
    let mut raw = Vec::new();
    for row in &sig.rows {
        let own: Vec<f64> = values[row.config_index].iter().flatten().copied().collect();
        let t = stats::paired_t(&own, &base, Alternative::TwoSided).unwrap();
        assert_eq!(row.p_value, Some(t.p_value));
        // The change is the difference of means (as in the summary): the paired mean
        // difference up to rounding.
        assert!((row.change.unwrap() - t.estimate).abs() < 1e-12, "{row:?} vs {t:?}");
        raw.push(t.p_value);
    }
    let holm = stats::adjust_p_values(&raw, Correction::Holm).unwrap();
    let adjusted: Vec<f64> = sig.rows.iter().map(|r| r.p_adjusted.unwrap()).collect();
    assert_eq!(adjusted, holm);
    // other tests and corrections are wired through
    let w = results.significance_with(SignificanceOptions::new().test(Test::Wilcoxon).correction(Correction::Bonferroni)).unwrap();
    assert!(w.rows.iter().all(|r| r.p_adjusted.unwrap() >= r.p_value.unwrap()));
    let u = results.significance_with(SignificanceOptions::new().unpaired()).unwrap();
    assert_eq!(u.options.test, Test::Welch);
    assert!(u.rows.iter().all(|r| r.effect_size.is_some()));
}

#[test]
fn failed_seeds_are_left_out_of_pairs() {
    let results = lr_study()
        .run(|t: &Trial| {
            if t.float("lr")? == 1.0 && t.replicate() < 7 {
                return Err("diverged".into());
            }
            lr_effect(t)
        })
        .unwrap();
    let sig = results.significance().unwrap();
    let row = sig.row("lr=1").unwrap();
    assert_eq!(row.n, 1);
    assert_eq!(row.verdict, Verdict::NotTested);
    assert_eq!(row.note.as_deref(), Some("1 paired seed, a test needs 2"));
    // the others are still tested and corrected among themselves
    assert!(sig.row("lr=0.01").unwrap().p_adjusted.is_some());
}

#[test]
fn only_a_baseline_is_a_clear_error() {
    let results = Study::new("one")
        .param(Param::float("lr", 0.1))
        .seeds(3)
        .maximize("accuracy")
        .progress(ProgressMode::Off)
        .in_memory()
        .run(|_t: &Trial| Ok(metrics! { "accuracy" => 0.5 }))
        .unwrap();
    let e = results.significance().unwrap_err().to_string();
    assert!(e.contains("only the baseline"), "{e}");
}

fn grid_study() -> Study {
    Study::new("grid")
        .param(Param::float("lr", 0.01).log().levels([0.001, 0.01, 0.1]))
        .param(Param::int("batch", 64).levels([32, 64, 128]))
        .grid(["lr", "batch"])
        .seeds(4)
        .maximize("accuracy")
        .progress(ProgressMode::Off)
        .in_memory()
}

#[test]
fn anova_finds_an_interaction() {
    // Large batches need a large learning rate: a crossed (interacting) pattern.
    let results = grid_study()
        .run(|t: &Trial| {
            let lr = t.float("lr")?.log10() + 2.0; // -1, 0, 1
            let batch = (t.int("batch")? as f64 / 64.0).log2(); // -1, 0, 1
            Ok(metrics! { "accuracy" => 0.8 + 0.03 * lr * batch + noise(t.seed(), t.int("batch")? as u64) })
        })
        .unwrap();
    let anova = results.anova().unwrap();
    assert_eq!(anova.anova.replicates, 4);
    let interaction = anova.term(&["lr", "batch"]).unwrap();
    assert!(interaction.p_value < 1e-6, "{interaction:?}");
    let lr = anova.term(&["lr"]).unwrap();
    assert!(lr.p_value > 0.01, "no main effect was built in: {lr:?}");
    assert_eq!(anova.frame().unwrap().height(), 4);
    let conclusions = results.conclusions().unwrap();
    assert!(conclusions.sentences.iter().any(|s| s.contains("`lr` and `batch` interact")), "{conclusions}");
}

#[test]
fn anova_without_a_full_grid_names_the_missing_cell() {
    let results = lr_study().param(Param::int("batch", 64).levels([32, 64])).run(lr_effect).unwrap();
    let e = results.anova().unwrap_err().to_string();
    assert!(e.contains("no grid"), "{e}");
    let e = results.anova_of(&["lr", "batch"], None).unwrap_err().to_string();
    assert!(e.contains("grid cell") && e.contains("was not run"), "{e}");
}

#[test]
fn ranking_orders_configs_by_mean_rank() {
    let results = lr_study().run(lr_effect).unwrap();
    let ranking = results.ranking().unwrap();
    let ordered = ranking.ordered();
    assert_eq!(ordered[0].0, "lr=0.01");
    assert_eq!(ordered.last().unwrap().0, "lr=1");
    assert!((ordered[0].1 - 1.0).abs() < 1e-12 && (ordered[3].1 - 4.0).abs() < 1e-12);
    assert!(ranking.friedman.p_value < 0.001);
    assert!(ranking.nemenyi.critical_difference > 0.0);
    // baseline and lr=0.001 are equal: they share a clique
    let cliques = ranking.cliques();
    assert!(cliques.iter().any(|c| c.contains(&0) && c.contains(&1)), "{cliques:?}");
}

#[test]
fn conclusions_name_the_best_level_and_diminishing_returns() {
    let results = lr_study().run(lr_effect).unwrap();
    let c = results.conclusions().unwrap();
    let s = &c.sentences[0];
    assert!(s.starts_with("`lr`: 0.01 is best"), "{s}");
    assert!(s.contains("significant"), "{s}");
    // The baseline is 0.1: "further" is away from it, past the best (0.01), never back to it.
    assert!(s.contains("Going further to 0.001 is detectably worse") && !s.contains("Going further to 0.1"), "{s}");
}

#[test]
fn an_undetectable_gain_is_not_called_best_and_every_format_keeps_the_list() {
    // batch = 32 has the highest mean, by less than the noise: no level is supported as best.
    let results = Study::new("batch")
        .param(Param::int("batch", 64).levels([16, 32, 64, 128]))
        .param(Param::component("warmup"))
        .seeds(5)
        .maximize("accuracy")
        .progress(ProgressMode::Off)
        .in_memory()
        .run(|t: &Trial| {
            let bump = match t.int("batch")? {
                32 => 0.001,
                128 => -0.2,
                _ => 0.0,
            };
            Ok(metrics! { "accuracy" => 0.8 + bump + noise(t.seed(), t.int("batch")? as u64) })
        })
        .unwrap();
    let c = results.conclusions().unwrap();
    let s = &c.sentences[0];
    assert!(s.starts_with("`batch`: no level is detectably better than the baseline 64 (accuracy 0."), "{s}");
    assert!(s.contains("the highest mean, 32 (+0.") && s.contains("is not detectable with 5 seeds (adjusted p"), "{s}");
    assert!(s.contains("detectably worse: batch=128") && !s.contains("is best") && !s.contains("Going further"), "{s}");
    // A list stays a list in every output.
    assert_eq!(c.to_string().lines().filter(|l| l.starts_with("- ")).count(), c.sentences.len());
    assert!(c.to_markdown().starts_with("- `batch`: no level"), "{}", c.to_markdown());
    assert!(c.to_latex().starts_with("\\begin{itemize}\n  \\item \\texttt{batch}: no level"), "{}", c.to_latex());
    let html = results.report().unwrap().to_html();
    assert!(html.contains("<h3>Conclusions</h3>") && html.contains("<ul><li><code>batch</code>: no level"), "the report lists the conclusions");
    assert_eq!(html.matches("<li>").count(), c.sentences.len());
}

#[test]
fn conclusions_for_components() {
    let results = Study::new("components")
        .param(Param::component("layer_norm"))
        .param(Param::component("dropout"))
        .seeds(6)
        .maximize("accuracy")
        .progress(ProgressMode::Off)
        .in_memory()
        .run(|t: &Trial| {
            let ln = if t.enabled("layer_norm")? { 0.1 } else { 0.0 };
            Ok(metrics! { "accuracy" => 0.7 + ln + noise(t.seed(), u64::from(t.enabled("dropout")?)) })
        })
        .unwrap();
    let c = results.conclusions().unwrap();
    assert!(c.sentences.iter().any(|s| s.contains("Removing `layer_norm` makes accuracy worse") && s.contains("matters")), "{c}");
    assert!(c.sentences.iter().any(|s| s.contains("Removing `dropout`") && s.contains("may be unnecessary")), "{c}");
}

#[test]
fn a_large_drop_the_seeds_cannot_confirm_is_not_called_unnecessary() {
    // Removing `norm` costs 0.3, 0.05 and 0.25 on the three seeds: a large effect (d_z ≈ -1.5)
    // that three seeds cannot confirm (p ≈ 0.12).
    let drop = [0.3, 0.05, 0.25];
    let results = Study::new("noisy-component")
        .param(Param::component("norm"))
        .seeds(3)
        .maximize("accuracy")
        .progress(ProgressMode::Off)
        .in_memory()
        .run(|t: &Trial| {
            let removed = if t.enabled("norm")? { 0.0 } else { drop[t.replicate() as usize] };
            Ok(metrics! { "accuracy" => 0.9 - removed })
        })
        .unwrap();
    let c = results.conclusions().unwrap();
    let sentence = c.sentences.iter().find(|s| s.contains("Removing `norm`")).unwrap();
    assert!(sentence.contains("a large effect") && sentence.contains("run more seeds"), "{sentence}");
    assert!(!sentence.contains("may be unnecessary"), "{sentence}");
}

/// `width` changes nothing but rounding (the metric is computed through a different float
/// path), `shift` adds a constant: paired differences are rounding noise plus a constant.
fn noise_free_study() -> Study {
    Study::new("noise-free")
        .param(Param::categorical("path", ["direct", "rounded", "shifted"], "direct").levels(["direct", "rounded", "shifted"]))
        .seeds(6)
        .maximize("accuracy")
        .progress(ProgressMode::Off)
        .in_memory()
}

fn noise_free_trial(t: &Trial) -> TrialResult {
    let v = 0.7 + noise(t.seed(), 1);
    let value = match t.str("path")? {
        "direct" => v,
        "rounded" => (v + 0.1) * 3.0 / 3.0 - 0.1,
        _ => v + 0.05,
    };
    Ok(metrics! { "accuracy" => value })
}

#[test]
fn differences_at_rounding_noise_are_no_difference_and_a_constant_shift_is_an_infinite_effect() {
    let results = noise_free_study().run(noise_free_trial).unwrap();
    let sig = results.significance().unwrap();
    let rounded = sig.row("path=rounded").unwrap();
    // The values really differ in their last bits (else the test proves nothing).
    let values = results.values("accuracy").unwrap();
    assert!(values[0].iter().zip(&values[1]).any(|(a, b)| a != b), "the rounded path should differ in the last bits");
    assert_eq!((rounded.change, rounded.effect_size, rounded.p_value), (Some(0.0), Some(0.0), Some(1.0)));
    assert_eq!(rounded.verdict, Verdict::NoDetectableDifference);
    let shifted = sig.row("path=shifted").unwrap();
    assert_eq!(shifted.effect_size, Some(f64::INFINITY));
    assert_eq!(shifted.verdict, Verdict::Better);
    let text = sig.to_string();
    assert!(!text.contains("e1") && !text.contains("0000000"), "no effect size of 1e15 or sixteen digits:\n{text}");
}

#[test]
fn summary_and_significance_show_the_same_change_and_sentences_say_p_below() {
    let results = lr_study().run(lr_effect).unwrap();
    let summary = results.summary();
    let sig = results.significance().unwrap();
    // The tables' rendered change column agrees digit for digit, config by config.
    let summary_text = summary.to_string();
    let sig_text = sig.to_string();
    for row in &sig.rows {
        let s = summary.rows.iter().find(|r| r.config == row.config).unwrap();
        assert_eq!(s.change, row.change, "{}", row.config);
        let line_of = |text: &str| text.lines().find(|l| l.starts_with(&row.config)).unwrap().split_whitespace().map(str::to_string).collect::<Vec<_>>();
        let (a, b) = (line_of(&summary_text), line_of(&sig_text));
        // summary: config n mean ± ci [lo, hi] change …; significance: config n mean ± ci change*** …
        assert_eq!(a[7], b[5].trim_end_matches('*'), "change of {}:\n{summary_text}\n{sig_text}", row.config);
    }
    assert!(!summary_text.contains("bold"), "plain text has no bold:\n{summary_text}");
    let conclusions = results.conclusions().unwrap().to_string();
    assert!(conclusions.contains("p < 0.001") && !conclusions.contains("= <"), "{conclusions}");
}
