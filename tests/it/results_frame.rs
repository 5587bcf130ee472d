//! The results frame and the summary: columns, types, numbers, export.

use ablate::polars::prelude::*;
use ablate::prelude::*;

use crate::common::{fake_accuracy, small_study, temp_dir};

#[test]
fn frame_has_one_typed_row_per_trial() {
    let results = small_study("frame")
        .param(Param::categorical("opt", ["sgd", "adam"], "adam"))
        .param(Param::bool("nesterov", false))
        .in_memory()
        .run(|t: &Trial| Ok(metrics! { "accuracy" => fake_accuracy(t) }))
        .unwrap();
    let df = results.frame();
    assert_eq!(df.height(), 15);
    let names: Vec<String> = df.get_column_names().iter().map(|s| s.to_string()).collect();
    assert_eq!(
        names,
        [
            "trial_id", "config", "design", "varied", "lr", "width", "opt", "nesterov", "replicate", "seed", "status",
            "error", "attempt", "accuracy", "duration_s", "started_at"
        ]
    );
    assert_eq!(df.column("lr").unwrap().dtype(), &DataType::Float64);
    assert_eq!(df.column("width").unwrap().dtype(), &DataType::Int64);
    assert_eq!(df.column("opt").unwrap().dtype(), &DataType::String);
    assert_eq!(df.column("nesterov").unwrap().dtype(), &DataType::Boolean);
    assert_eq!(df.column("seed").unwrap().dtype(), &DataType::Int64);
    assert_eq!(df.column("accuracy").unwrap().dtype(), &DataType::Float64);
    // unique trial ids
    assert_eq!(df.column("trial_id").unwrap().n_unique().unwrap(), 15);
    // the varied column names what differs from the baseline
    let varied: Vec<Option<&str>> = df.column("varied").unwrap().str().unwrap().iter().collect();
    assert_eq!(varied[0], Some(""));
    assert!(varied.contains(&Some("lr")) && varied.contains(&Some("width")));
}

#[test]
fn summary_matches_hand_computation() {
    // accuracy = 0.5 + 0.1 * replicate for the baseline, + 0.05 for width=64
    let results = small_study("summary")
        .seed_list([10, 20, 30])
        .in_memory()
        .run(|t: &Trial| {
            let bump = if t.int("width")? == 64 { 0.05 } else { 0.0 };
            Ok(metrics! { "accuracy" => 0.5 + 0.1 * t.replicate() as f64 + bump })
        })
        .unwrap();
    let summary = results.summary();
    let base = &summary.rows[0];
    assert_eq!(base.config, "baseline");
    assert_eq!(base.n, 3);
    assert!((base.mean.unwrap() - 0.6).abs() < 1e-12);
    assert!((base.std.unwrap() - 0.1).abs() < 1e-12);
    // 95% t-interval with 2 df: 0.6 ± 4.302652729911275 * 0.1 / sqrt(3)
    let half = 4.302652729911275 * 0.1 / 3f64.sqrt();
    assert!((base.ci_high.unwrap() - (0.6 + half)).abs() < 1e-9);
    assert!((base.ci_low.unwrap() - (0.6 - half)).abs() < 1e-9);
    let wide = summary.rows.iter().find(|r| r.config == "width=64").unwrap();
    assert!((wide.change.unwrap() - 0.05).abs() < 1e-12);
    assert!((wide.change_pct.unwrap() - 0.05 / 0.6 * 100.0).abs() < 1e-9);
    assert!(wide.best, "width=64 has the highest mean");
    assert_eq!(summary.rows.iter().filter(|r| r.best).count(), 1);
    let text = summary.to_string();
    assert!(text.contains("width=64") && text.contains("◀ best") && text.contains("+8.33%"), "{text}");
    let frame = summary.frame().unwrap();
    assert_eq!(frame.height(), summary.rows.len());
}

#[test]
fn minimize_picks_the_lowest_mean() {
    let results = small_study("min")
        .metric("loss", Direction::Minimize)
        .primary("loss")
        .in_memory()
        .run(|t: &Trial| {
            let acc = fake_accuracy(t);
            Ok(metrics! { "accuracy" => acc, "loss" => 1.0 - acc })
        })
        .unwrap();
    let loss = results.summary();
    let acc = results.summary_of("accuracy").unwrap();
    assert_eq!(loss.metric.name, "loss");
    assert_eq!(loss.best().unwrap().config, acc.best().unwrap().config);
    assert!(results.summary_of("f1").is_err());
}

#[test]
fn csv_and_parquet_round_trip() {
    let dir = temp_dir("export");
    let results = small_study("export")
        .run_dir(&dir)
        .run(|t: &Trial| Ok(metrics! { "accuracy" => fake_accuracy(t) }))
        .unwrap();
    let parquet = ParquetReader::new(std::fs::File::open(dir.join("results.parquet")).unwrap()).finish().unwrap();
    assert!(parquet.equals_missing(results.frame()), "parquet must hold the same frame");
    let csv = CsvReadOptions::default()
        .with_has_header(true)
        .try_into_reader_with_file_path(Some(dir.join("results.csv")))
        .unwrap()
        .finish()
        .unwrap();
    assert_eq!(csv.height(), results.frame().height());
    assert_eq!(csv.width(), results.frame().width());
    let summary = std::fs::read_to_string(dir.join("summary.txt")).unwrap();
    assert!(summary.contains("baseline"));
}

/// The polars a notebook user writes next works on `ablate::polars`: lazy group_by/agg,
/// filter, sort and a join over the results frame, agreeing with the summary.
#[test]
fn the_lazy_expression_api_works_on_the_results_frame() {
    let results = small_study("lazy").in_memory().run(|t: &Trial| Ok(metrics! { "accuracy" => fake_accuracy(t) })).unwrap();
    let by_config = results
        .frame()
        .clone()
        .lazy()
        .filter(col("status").eq(lit("ok")))
        .group_by([col("config")])
        .agg([col("accuracy").mean().alias("mean"), col("accuracy").std(1).alias("sd"), len().alias("n")])
        .sort(["mean"], SortMultipleOptions::default().with_order_descending(true))
        .collect()
        .unwrap();
    assert_eq!(by_config.height(), results.summary().rows.len());
    let summary = results.summary();
    let configs = by_config.column("config").unwrap().str().unwrap().clone();
    let means = by_config.column("mean").unwrap().f64().unwrap().clone();
    for (config, mean) in configs.iter().zip(means.iter()) {
        let row = summary.rows.iter().find(|r| Some(r.config.as_str()) == config).unwrap();
        assert!((row.mean.unwrap() - mean.unwrap()).abs() < 1e-12, "{config:?}");
    }
    // Sorted best first: the summary's best config leads.
    assert_eq!(configs.get(0), summary.rows.iter().find(|r| r.best).map(|r| r.config.as_str()));

    // A join back to the trials: every trial's deviation from its config's mean.
    let joined = results.frame().clone().lazy().join(by_config.clone().lazy(), [col("config")], [col("config")], JoinArgs::new(JoinType::Left)).with_column((col("accuracy") - col("mean")).alias("vs_mean")).collect().unwrap();
    assert_eq!(joined.height(), results.frame().height());
    let total: f64 = joined.column("vs_mean").unwrap().f64().unwrap().sum().unwrap();
    assert!(total.abs() < 1e-9, "deviations from config means sum to zero: {total}");
}

/// A tie is not a win (issue 21): when changed configs tie the baseline exactly (or within
/// floating-point noise), the baseline stays best, in the summary, `best_config()`, the frame's
/// `best` column and the conclusions.
#[test]
fn the_baseline_wins_ties() {
    let tied = Study::new("ties")
        .param(Param::categorical("mode", ["plain", "quote", "csv"], "plain").levels(["plain", "quote", "csv"]))
        .seeds(3)
        .maximize("accuracy")
        .progress(ProgressMode::Off)
        .in_memory();
    let results = tied.run(|t: &Trial| {
        // 0.1 + 0.2 and 0.3 differ in the last bit: noise, not a difference.
        let value = if t.str("mode")? == "csv" { 0.1 + 0.2 } else { 0.3 };
        Ok(metrics! { "accuracy" => value })
    }).unwrap();
    let summary = results.summary();
    assert_eq!(summary.best().unwrap().config, "baseline", "{summary}");
    assert_eq!(summary.rows.iter().filter(|r| r.best).count(), 1);
    assert_eq!(results.best_config().unwrap(), *results.plan().baseline());
    let conclusions = results.conclusions().unwrap().to_string();
    assert!(conclusions.contains("no level is detectably better than the baseline plain (accuracy 0.3000, the highest mean)") && !conclusions.contains("is best"), "{conclusions}");
    let better = tied.run(|t: &Trial| Ok(metrics! { "accuracy" => if t.str("mode")? == "quote" { 0.3 + 1e-9 } else { 0.3 } })).unwrap();
    assert_eq!(better.summary().best().unwrap().config, "mode=quote", "a real difference, however small, is not a tie");
}
