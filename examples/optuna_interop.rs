//! Checks ablate's Optuna import against a real Optuna: `tests/interop/optuna/run.sh` builds
//! two studies with the pinned Optuna (`tests/interop/optuna/build_study.py`: a JournalStorage
//! file, each study's `trials_dataframe()` CSV, and Optuna's own view of every trial in
//! `expected.json`) and runs this with their folder:
//!
//! `cargo run --example optuna_interop -- DIR`
//!
//! It imports the journal and the CSVs and checks the configurations, replicates, states,
//! every metric value against Optuna's (bit for bit), the significance verdicts on the effects
//! the objective builds in, and that the journal and CSV imports agree. It prints one line
//! per check, then `N passed, N failed`, and exits non-zero when a check failed.

use std::collections::HashMap;
use std::error::Error;
use std::fmt::Display;
use std::path::Path;
use std::process::ExitCode;

use ablate::analysis::Verdict;
use ablate::prelude::*;
use ablate::store::{Status, TrialRecord};
use ablate::{Config, Domain, OptunaImport, Plan, TrialId};
use serde_json::Value as Json;

#[derive(Default)]
struct Checks {
    passed: usize,
    failed: usize,
}

impl Checks {
    fn check(&mut self, what: &str, ok: bool, detail: impl Display) {
        if ok {
            self.passed += 1;
            println!("ok    {what}");
        } else {
            self.failed += 1;
            println!("FAIL  {what}: {detail}");
        }
    }
}

fn main() -> ExitCode {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: optuna_interop DIR (the folder build_study.py wrote)");
        return ExitCode::from(2);
    };
    let mut checks = Checks::default();
    if let Err(e) = run(Path::new(&dir), &mut checks) {
        checks.check("the checks ran to the end", false, e);
    }
    println!("{} passed, {} failed", checks.passed, checks.failed);
    if checks.failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

/// The configuration Optuna's params (JSON) stand for, typed as the plan types them.
fn config_of(plan: &Plan, params: &Json) -> Config {
    let mut config = Config::new();
    for p in plan.params() {
        let v = &params[p.name()];
        let value = match p.domain() {
            Domain::Float { .. } => Value::Float(v.as_f64().unwrap_or(f64::NAN)),
            Domain::Int { .. } => Value::Int(v.as_i64().unwrap_or(i64::MIN)),
            Domain::Bool | Domain::Component => Value::Bool(v.as_bool().unwrap_or_default()),
            Domain::Categorical { .. } => Value::Str(v.as_str().unwrap_or_default().to_string()),
        };
        config.set(p.name(), value);
    }
    config
}

/// Compares every complete trial Optuna reports with the imported record of its
/// configuration and seed: status, each objective value bit for bit, and (`reports`: the
/// journal has them, a default trials_dataframe() CSV not) intermediate values.
/// Returns (trials compared, mismatches).
fn compare_values(results: &Results, trials: &[Json], metrics: &[&str], reports: bool) -> (usize, Vec<String>) {
    let records: HashMap<&TrialId, &TrialRecord> = results.records().iter().map(|r| (&r.id, r)).collect();
    let mut compared = 0;
    let mut mismatches = Vec::new();
    for t in trials.iter().filter(|t| t["state"] == "COMPLETE") {
        compared += 1;
        let number = &t["number"];
        let id = TrialId::compute(&config_of(results.plan(), &t["params"]), t["seed"].as_u64().unwrap_or(u64::MAX), None);
        let Some(record) = records.get(&id) else {
            mismatches.push(format!("trial {number}: no record"));
            continue;
        };
        if record.status != Status::Ok {
            mismatches.push(format!("trial {number}: status {:?}", record.status));
        }
        for (i, name) in metrics.iter().enumerate() {
            let optuna = t["values"][i].as_f64();
            let ours = record.metrics.get(name);
            if optuna.map(f64::to_bits) != ours.map(f64::to_bits) {
                mismatches.push(format!("trial {number}: {name} = {ours:?}, Optuna {optuna:?}"));
            }
        }
        let steps: Vec<(i64, f64)> = record.reports.iter().map(|r| (r.step, r.values.get(metrics[0]).unwrap_or(f64::NAN))).collect();
        let optuna_steps: Vec<(i64, f64)> = t["intermediate_values"]
            .as_object()
            .map(|m| m.iter().map(|(k, v)| (k.parse().unwrap_or(-1), v.as_f64().unwrap_or(f64::NAN))).collect())
            .unwrap_or_default();
        if reports && steps != optuna_steps {
            mismatches.push(format!("trial {number}: reports {steps:?}, Optuna {optuna_steps:?}"));
        }
    }
    (compared, mismatches)
}

fn run(dir: &Path, c: &mut Checks) -> Result<(), Box<dyn Error>> {
    let expected: Json = serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json"))?)?;
    let journal = dir.join("journal.log");
    let trials = |study: &str| expected[study]["trials"].as_array().cloned().unwrap_or_default();

    match Results::from_optuna_journal(&journal) {
        Err(e) => {
            let m = e.to_string();
            c.check("a journal with two studies asks which one, naming both", m.contains("`ablation`") && m.contains("`other`"), m);
        }
        Ok(_) => c.check("a journal with two studies asks which one, naming both", false, "it imported one"),
    }

    // The ablation study, from the journal.
    let j = OptunaImport::journal(&journal).study("ablation").load()?;
    let plan = j.plan();
    let mut labels: Vec<String> = (0..plan.configs().len()).map(|i| plan.label(i)).collect();
    labels.sort();
    c.check("4 configurations, labelled by their change", labels == ["baseline", "dropout=0.5", "layers=1", "optimizer=sgd"], format!("{labels:?}"));
    let kinds: Vec<String> = plan.params().iter().map(|p| format!("{}: {}", p.name(), p.domain())).collect();
    c.check(
        "params map to typed columns (log float, int, categorical, bool, float choices)",
        kinds == ["batch_norm: true/false", "dropout: float [0, 0.5]", "layers: int [1, 8]", "lr: float [0.0001, 0.1] (log scale, > 0)", "optimizer: one of [\"adam\", \"sgd\"]"],
        format!("{kinds:?}"),
    );
    c.check("the metric is Optuna's metric name, maximized", plan.metrics() == [ablate::trial::MetricSpec { name: "accuracy".into(), direction: Direction::Maximize }], format!("{:?}", plan.metrics()));
    let mut seeds = plan.seeds().to_vec();
    seeds.sort();
    c.check("the seeds are the trials' `seed` user attrs", seeds == [11, 22, 33, 44, 55, 66, 77, 88, 99, 111], format!("{seeds:?}"));
    let summary = j.summary();
    let n: HashMap<&str, (usize, usize)> = summary.rows.iter().map(|r| (r.config.as_str(), (r.n, r.failed))).collect();
    c.check(
        "replicates per configuration: 8 complete (baseline: + the retried seed; layers=1: + 1 failed)",
        n.get("baseline") == Some(&(9, 0)) && n.get("layers=1") == Some(&(8, 1)) && n.get("optimizer=sgd") == Some(&(8, 0)) && n.get("dropout=0.5") == Some(&(8, 0)),
        format!("{n:?}"),
    );
    let (compared, mismatches) = compare_values(&j, &trials("ablation"), &["accuracy"], true);
    c.check(&format!("every complete trial's value and intermediate values equal Optuna's exactly ({compared} trials)"), compared == 33 && mismatches.is_empty(), format!("{mismatches:?}"));
    let failures = j.failures();
    c.check(
        "the failed trial is failed, with its replicate",
        failures.len() == 1 && failures[0].config == "layers=1" && failures[0].error.contains("failed in Optuna"),
        format!("{failures:?}"),
    );
    let retried: Vec<u32> = j.records().iter().filter(|r| r.seed == 111).map(|r| r.attempt).collect();
    c.check("a failed trial run again with the same seed counts as attempt 2", retried == [2], format!("{retried:?}"));
    c.check("pruned, running and waiting trials are left out and counted (3)", j.run_stats().left_out == 3 && j.records().len() == 34, format!("{:?}, {} records", j.run_stats(), j.records().len()));

    let by_trial = OptunaImport::journal(&journal).study("ablation").baseline_trial(1).load()?;
    let by_values = OptunaImport::journal(&journal).study("ablation").baseline([("layers", 1)]).load()?;
    let labels_of = |r: &Results| (0..r.plan().configs().len()).map(|i| r.plan().label(i)).collect::<Vec<_>>();
    c.check(
        "a chosen baseline (trial 1, or layers=1) relabels the others against it",
        labels_of(&by_trial) == ["baseline", "layers=4", "layers=4, optimizer=sgd", "dropout=0.5, layers=4"] && labels_of(&by_values) == labels_of(&by_trial),
        format!("{:?} / {:?}", labels_of(&by_trial), labels_of(&by_values)),
    );

    let sig = j.significance()?;
    println!("\n{sig}\n");
    let verdict = |config: &str| sig.row(config).map(|r| (r.verdict, r.p_adjusted));
    c.check("the significance table finds the large effect (layers=1: worse)", matches!(verdict("layers=1"), Some((Verdict::Worse, Some(p))) if p < 0.001), format!("{:?}", verdict("layers=1")));
    c.check("and not the zero one (optimizer=sgd)", matches!(verdict("optimizer=sgd"), Some((Verdict::NoDetectableDifference, _))), format!("{:?}", verdict("optimizer=sgd")));

    // The same study from its CSV.
    let csv = dir.join("ablation.csv");
    match Results::from_optuna_csv(&csv, Direction::Maximize).map(|r| r.plan().name().to_string()) {
        Ok(name) => c.check("the CSV import names the study after the file", name == "ablation", name),
        Err(e) => c.check("the CSV imports with a direction", false, e),
    }
    let k = OptunaImport::csv(&csv).study("ablation").direction(Direction::Maximize).load()?;
    let (compared, mismatches) = compare_values(&k, &trials("ablation"), &["accuracy"], false);
    c.check(&format!("CSV: every complete trial's value equals Optuna's exactly ({compared} trials)"), compared == 33 && mismatches.is_empty(), format!("{mismatches:?}"));
    c.check("the journal and CSV imports give the same frame", j.frame().equals_missing(k.frame()), format!("journal\n{}\ncsv\n{}", j.frame(), k.frame()));
    c.check("and the same significance table", sig.frame()?.equals_missing(&k.significance()?.frame()?), "tables differ");
    match OptunaImport::csv(&csv).load() {
        Err(e) => c.check("a CSV without a direction asks for one", e.to_string().contains(".direction("), e),
        Ok(_) => c.check("a CSV without a direction asks for one", false, "it imported"),
    }

    // The multi-objective study.
    let o = OptunaImport::journal(&journal).study("other").load()?;
    let metrics: Vec<(String, Direction)> = o.plan().metrics().iter().map(|m| (m.name.clone(), m.direction)).collect();
    c.check(
        "two objectives become values_0 (minimize) and values_1 (maximize)",
        metrics == [("values_0".to_string(), Direction::Minimize), ("values_1".to_string(), Direction::Maximize)],
        format!("{metrics:?}"),
    );
    let (compared, mismatches) = compare_values(&o, &trials("other"), &["values_0", "values_1"], true);
    c.check(&format!("multi-objective values equal Optuna's exactly ({compared} trials)"), compared == 6 && o.plan().configs().len() == 2 && mismatches.is_empty(), format!("{mismatches:?}"));
    let oc = OptunaImport::csv(dir.join("other.csv")).study("other").directions([Direction::Minimize, Direction::Maximize]).load()?;
    c.check("and its CSV import agrees", o.frame().equals_missing(oc.frame()), format!("journal\n{}\ncsv\n{}", o.frame(), oc.frame()));
    Ok(())
}
