//! Parameter importance on real runs: a Sobol' study of a function whose structure is known,
//! analysed by `Results::importance`.

use ablate::prelude::*;

/// The metric depends strongly on `lr` (log scale), less on `optimizer`, a little on `norm`,
/// and not at all on `dropout`; seed noise on top.
fn study() -> Study {
    Study::new("importance")
        .param(Param::float("lr", 0.01).log().bounds(1e-4, 1.0))
        .param(Param::categorical("optimizer", ["sgd", "adam", "lion"], "adam"))
        .param(Param::component("norm"))
        .param(Param::float("dropout", 0.1).bounds(0.0, 0.5))
        .sobol(128)
        .seeds(2)
        .seeds_per_sample(1)
        .maximize("accuracy")
        .in_memory()
        .progress(ProgressMode::Off)
}

fn accuracy(t: &Trial) -> TrialResult {
    let lr = t.float("lr")?;
    let optimizer = match t.str("optimizer")? {
        "sgd" => -0.08,
        "adam" => 0.0,
        _ => 0.03,
    };
    let norm = if t.enabled("norm")? { 0.0 } else { -0.03 };
    let noise = ((t.seed() % 1000) as f64 / 1000.0 - 0.5) * 0.01;
    Ok(metrics! { "accuracy" => 0.9 - 0.05 * (lr.log10() + 2.0).powi(2) + optimizer + norm + noise })
}

#[test]
fn importance_ranks_the_parameters_of_a_sobol_study_by_their_known_effects() {
    let results = study().run(accuracy).unwrap();
    let table = results.importance().unwrap();
    assert_eq!(format!("{table}"), table.to_text(), "println!(\"{{}}\", results.importance()?) prints the table");
    let names: Vec<&str> = table.fanova.main.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["lr", "optimizer", "norm", "dropout"], "{table:?}");
    let dropout = &table.fanova.main[3];
    assert!(dropout.importance < 0.01 && dropout.low < 0.01, "{dropout:?}");
    assert!(table.fanova.main[0].importance > 0.5);
    assert_eq!(table.n_trials, 2 + 128);
    // PED-ANOVA agrees on what matters most and least.
    let ped = |name: &str| table.ped_anova.iter().find(|(n, _)| n == name).unwrap().1;
    assert!(ped("lr") > ped("optimizer") && ped("optimizer") > ped("dropout"), "{:?}", table.ped_anova);
    assert!((table.ped_anova.iter().map(|(_, v)| v).sum::<f64>() - 1.0).abs() < 1e-12);
    // So does the surrogate's permutation importance on held-out trials.
    let perm = |name: &str| table.permutation.iter().find(|i| i.name == name).unwrap().importance;
    assert!(perm("lr") > perm("optimizer") && perm("optimizer") > perm("dropout"), "{:?}", table.permutation);
    let text = table.to_text();
    assert!(text.contains("Importance of each parameter for accuracy (fANOVA"), "{text}");
    assert!(text.contains("95% interval"), "{text}");
    assert!(table.pairs_table().to_text().contains("lr × optimizer"));
    assert_eq!(results.importance_pairs().unwrap().to_text(), table.pairs_table().to_text());
    // The marginal over lr peaks near its true optimum, 0.01, on a log axis.
    let lr = table.fanova.marginals.iter().find(|m| m.name == "lr").unwrap();
    let peak = (0..lr.at.len()).max_by(|&a, &b| lr.mean[a].total_cmp(&lr.mean[b])).unwrap();
    assert!((lr.at[peak].exp().log10() + 2.0).abs() < 0.5, "peak at lr = {}", lr.at[peak].exp());
    assert!((0..lr.at.len()).all(|k| lr.low[k] <= lr.mean[k] && lr.mean[k] <= lr.high[k]));
    let marginal = table.marginal_chart("lr").unwrap();
    assert!(marginal.log_x && marginal.points.len() == 25);
    assert!(table.marginal_chart("optimizer").unwrap().to_svg().contains("lion"));
    assert!(table.marginal_chart("momentum").is_err());
    let svg = table.chart().to_svg();
    assert!(svg.contains("Importance of each parameter for accuracy") && svg.contains("dropout"));
    let report = results.report().unwrap().to_text();
    assert!(report.contains("Importance (fANOVA)"), "{report}");
}

#[test]
fn importance_says_what_is_missing_when_nothing_varies() {
    let results = Study::new("flat")
        .param(Param::float("lr", 0.01))
        .seeds(2)
        .maximize("accuracy")
        .in_memory()
        .progress(ProgressMode::Off)
        .run(|_t| Ok(metrics! { "accuracy" => 0.5 }))
        .unwrap();
    let msg = results.importance().unwrap_err().to_string();
    assert!(msg.contains("at least 3 configs") && msg.contains(".sobol(64)"), "{msg}");
}

#[test]
fn parallel_coordinates_and_the_timeline_draw_every_trial() {
    let results = study().workers(2).run(accuracy).unwrap();
    let chart = results.parallel_coordinates().unwrap();
    // Axes by importance, the most important first.
    let axes: Vec<&str> = chart.axes.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(axes, ["lr", "optimizer", "norm", "dropout"]);
    let svg = chart.to_svg();
    for record in results.records() {
        assert!(svg.contains(record.id.as_str()), "trial {} has its line (and tooltip)", record.id.as_str());
    }
    let timeline = results.timeline().unwrap();
    assert!(timeline.lanes.len() <= 2, "no more lanes than trials ran at once: {:?}", timeline.lanes);
    assert_eq!(timeline.bars.len(), results.records().len());
    if std::env::var_os("ABLATE_SAVE_CHARTS").is_some() {
        chart.save_png("/tmp/charts/results_parallel.png").unwrap();
        timeline.save_png("/tmp/charts/results_timeline.png").unwrap();
    }
    // A study that varies nothing has no axes to draw.
    let none = Study::new("none").param(Param::float("lr", 0.1)).maximize("accuracy").seeds(2).in_memory().progress(ProgressMode::Off);
    let e = none.run(|_t: &Trial| Ok(metrics! { "accuracy" => 0.5 })).unwrap().parallel_coordinates().unwrap_err();
    assert!(e.to_string().contains("no parameter varies"), "{e}");
}
