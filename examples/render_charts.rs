//! Renders every chart kind from real studies to PNG and SVG files, plus the HTML report of
//! each study, so they can be looked at: the seed study (random forest, n_estimators), a
//! learning rate × batch size grid, a component ablation and a Sobol' study (with the
//! parameters' importance) of the demo MLP, its learning curves and a scale transfer over
//! its width.
//!
//! Run: `cargo run --features png --example render_charts -- OUT_DIR`

use ablate_demo::{MlpConfig, WineData, wine_forest, wine_mlp_with};
use ablate::prelude::*;

fn save(chart: &impl Chart, dir: &std::path::Path, name: &str) -> Result<()> {
    let io = |e: std::io::Error| Error::Invalid { message: format!("cannot write {name}: {e}") };
    chart.save_svg(dir.join(format!("{name}.svg"))).map_err(io)?;
    chart.save_png(dir.join(format!("{name}.png"))).map_err(io)?;
    println!("wrote {name}.png ({} bytes of SVG)", chart.to_svg().len());
    Ok(())
}

fn main() -> Result<()> {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "charts".into()));
    std::fs::create_dir_all(&dir).map_err(|e| Error::Invalid { message: format!("cannot create {}: {e}", dir.display()) })?;
    let quiet = |s: Study| s.progress(ProgressMode::Off).in_memory();

    let forest = quiet(
        Study::new("wine-forest")
            .param(Param::int("n_estimators", 100).levels([50, 100, 200, 300]))
            .seeds(5)
            .maximize("accuracy"),
    )
    .run(|t: &Trial| Ok(metrics! { "accuracy" => wine_forest(t.int("n_estimators")?, 0.3, t.seed())?.test_accuracy }))?;
    save(&forest.line("n_estimators")?, &dir, "forest_line")?;
    save(&forest.cd_diagram()?, &dir, "forest_cd")?;
    forest.report()?.save_html(dir.join("forest_report.html")).map_err(|e| Error::Invalid { message: e.to_string() })?;

    let data = WineData::load();
    let grid = quiet(
        Study::new("mlp-grid")
            .param(Param::float("learning_rate", 0.1).log().levels([0.003, 0.01, 0.03, 0.1, 0.3]))
            .param(Param::int("batch_size", 32).log().levels([16, 32, 64, 128]))
            .grid(["learning_rate", "batch_size"])
            .seeds(4)
            .maximize("accuracy"),
    )
    .run(|t: &Trial| {
        let config = MlpConfig { learning_rate: t.float("learning_rate")?, batch_size: t.int("batch_size")? as usize, ..MlpConfig::default() };
        Ok(metrics! { "accuracy" => wine_mlp_with(&data, &config, t.seed())?.test_accuracy })
    })?;
    save(&grid.heatmap("learning_rate", "batch_size")?, &dir, "mlp_heatmap")?;

    let curves = quiet(
        Study::new("mlp-curves")
            .param(Param::float("learning_rate", 0.1).log().levels([0.01, 0.3]))
            .seeds(5)
            .maximize("accuracy"),
    )
    .run(|t: &Trial| {
        let config = MlpConfig { learning_rate: t.float("learning_rate")?, ..MlpConfig::default() };
        let scores = wine_mlp_with(&data, &config, t.seed())?;
        for point in &scores.curve {
            t.report(point.epoch as i64, metrics! { "train_loss" => point.train_loss, "test_accuracy" => point.test_accuracy })?;
        }
        Ok(metrics! { "accuracy" => scores.test_accuracy })
    })?;
    save(&curves.curve_chart("train_loss")?, &dir, "mlp_curves_loss")?;
    save(&curves.curve_chart("test_accuracy")?, &dir, "mlp_curves_accuracy")?;

    let transfer = quiet(
        Study::new("mlp-scale")
            .param(Param::scale("hidden", [4, 8, 16, 32, 64]))
            .param(Param::float("learning_rate", 0.1).log().levels([0.3]))
            .param(Param::float("dropout", 0.0).levels([0.3]))
            .param(Param::component_removed("layer_norm"))
            .ofat()
            .add_one_in()
            .seeds(8)
            .maximize("accuracy"),
    )
    .run_with(ScaleOptions::to(256.0), |t: &Trial| {
        let config = MlpConfig {
            hidden: t.int("hidden")? as usize,
            learning_rate: t.float("learning_rate")?,
            dropout: t.float("dropout")?,
            layer_norm: t.enabled("layer_norm")?,
            ..MlpConfig::default()
        };
        Ok(metrics! { "accuracy" => wine_mlp_with(&data, &config, t.seed())?.test_accuracy })
    })?;
    println!("{}", transfer.to_text());
    save(&transfer.chart(), &dir, "mlp_scale_transfer")?;
    save(&grid.interaction("learning_rate", "batch_size")?, &dir, "mlp_interaction")?;
    save(&grid.lines()?, &dir, "mlp_lines")?;
    grid.report()?.save_html(dir.join("mlp_grid_report.html")).map_err(|e| Error::Invalid { message: e.to_string() })?;

    let components = quiet(
        ["standardize", "residual", "layer_norm", "dropout", "weight_decay"]
            .iter()
            .fold(Study::new("mlp-components"), |s, c| s.param(Param::component(c)))
            .leave_one_out()
            .seeds(8)
            .maximize("accuracy"),
    )
    .run(|t: &Trial| {
        let d = MlpConfig::default();
        let config = MlpConfig {
            standardize: t.enabled("standardize")?,
            residual: t.enabled("residual")?,
            layer_norm: t.enabled("layer_norm")?,
            dropout: if t.enabled("dropout")? { d.dropout } else { 0.0 },
            weight_decay: if t.enabled("weight_decay")? { d.weight_decay } else { 0.0 },
            ..d
        };
        Ok(metrics! { "accuracy" => wine_mlp_with(&data, &config, t.seed())?.test_accuracy })
    })?;
    save(&components.component_bars()?, &dir, "mlp_components")?;

    // One space of five hyperparameters: sampled for importance, then walked along a path.
    let space = quiet(
        Study::new("mlp-sobol")
            .param(Param::float("learning_rate", 0.1).log().bounds(0.001, 0.5))
            .param(Param::int("batch_size", 32).log().bounds(16.0, 128.0))
            .param(Param::int("hidden", 32).bounds(8.0, 64.0))
            .param(Param::float("dropout", 0.1).bounds(0.0, 0.5))
            .param(Param::component("layer_norm"))
            .maximize("accuracy"),
    );
    let train = |t: &Trial| {
        let config = MlpConfig {
            learning_rate: t.float("learning_rate")?,
            batch_size: t.int("batch_size")? as usize,
            hidden: t.int("hidden")? as usize,
            dropout: t.float("dropout")?,
            layer_norm: t.enabled("layer_norm")?,
            ..MlpConfig::default()
        };
        Ok(metrics! { "accuracy" => wine_mlp_with(&data, &config, t.seed())?.test_accuracy })
    };
    let sampled = space.clone().sobol(64).seeds(2).seeds_per_sample(1).run(train)?;
    let importance = sampled.importance()?;
    let summary = sampled.summary();
    let worst = summary.rows.iter().filter(|r| r.mean.is_some()).min_by(|a, b| a.mean.partial_cmp(&b.mean).unwrap_or(std::cmp::Ordering::Equal));
    if let Some(worst) = worst {
        let from = sampled.plan().configs()[worst.config_index].config().clone();
        let default = sampled.plan().baseline().clone();
        let path = space.clone().seeds(10).with_baseline(&from)?.run_with(PathOptions::to(&default), train)?;
        println!("{}", path.to_text());
        save(&path.chart(), &dir, "mlp_path")?;
    }
    println!("{}", importance.to_text());
    println!("{}", importance.pairs_table().to_text());
    save(&importance.chart(), &dir, "mlp_importance")?;
    save(&importance.marginal_chart("learning_rate")?, &dir, "mlp_marginal_learning_rate")?;
    sampled.report()?.save_html(dir.join("mlp_sobol_report.html")).map_err(|e| Error::Invalid { message: e.to_string() })?;
    Ok(())
}
