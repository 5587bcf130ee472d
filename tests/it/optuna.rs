//! Importing Optuna studies: the mapping, the baseline choice, states and errors, on the
//! fixtures in tests/fixtures/optuna/ (see its README). The check against a real Optuna is
//! tests/interop/optuna/run.sh.

use std::path::PathBuf;

use ablate::prelude::*;
use ablate::store::Status;

use crate::common::temp_dir;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/optuna").join(name)
}

/// A copy of the fixture journal with `extra` appended (or `edit` applied), in a fresh file.
fn journal_with(edit: impl FnOnce(String) -> String) -> PathBuf {
    let text = std::fs::read_to_string(fixture("journal.log")).unwrap();
    let path = temp_dir("optuna").join("journal.log");
    std::fs::write(&path, edit(text)).unwrap();
    path
}

fn error_of(import: OptunaImport) -> String {
    import.load().expect_err("the import should be refused").to_string()
}

const FLOAT: &str = r#"{\"name\": \"FloatDistribution\", \"attributes\": {\"step\": null, \"low\": 0.0001, \"high\": 1.0, \"log\": true}}"#;
const CATEGORICAL: &str = r#"{\"name\": \"CategoricalDistribution\", \"attributes\": {\"choices\": [\"relu\", \"gelu\"]}}"#;
const BOOL: &str = r#"{\"name\": \"CategoricalDistribution\", \"attributes\": {\"choices\": [true, false]}}"#;
const INT: &str = r#"{\"name\": \"IntDistribution\", \"attributes\": {\"log\": false, \"step\": 1, \"low\": 1, \"high\": 4}}"#;

/// Journal lines of one more trial of `lr-study` (global trial id `id`), created with its
/// params as a template (like `study.add_trial`), in `state` with `values` (JSON).
fn template_trial(params: &str, distributions: &str, state: u8, values: &str) -> String {
    format!(
        "{{\"op_code\":4,\"worker_id\":\"w\",\"study_id\":1,\"datetime_start\":\"2026-01-01T01:00:00.000000+00:00\",\"datetime_complete\":\"2026-01-01T01:00:02.000000+00:00\",\"state\":{state},\"value\":null,\"values\":{values},\"distributions\":{{{distributions}}},\"params\":{{{params}}},\"user_attrs\":{{}},\"system_attrs\":{{}},\"intermediate_values\":{{}}}}\n"
    )
}

fn full_distributions() -> String {
    format!("\"lr\":\"{FLOAT}\",\"act\":\"{CATEGORICAL}\",\"bn\":\"{BOOL}\",\"width\":\"{INT}\"")
}

#[test]
fn journal_maps_params_configs_replicates_and_states() {
    let r = Results::from_optuna_journal(fixture("journal.log")).unwrap();
    let plan = r.plan();
    assert_eq!(plan.name(), "lr-study");
    assert_eq!(plan.primary().name, "value");
    assert_eq!(plan.primary().direction, Direction::Minimize);
    let params: Vec<String> = plan.params().iter().map(|p| format!("{} {}", p.name(), p.domain())).collect();
    assert_eq!(params, ["act one of [\"relu\", \"gelu\"]", "bn true/false", "lr float [0.0001, 1] (log scale, > 0)", "width int [1, 4]"]);
    // Baseline: the configuration with the most complete trials (0, 3, 6); the others in the
    // order of their first trial, labelled by what differs.
    let labels: Vec<String> = (0..plan.configs().len()).map(|c| plan.label(c)).collect();
    assert_eq!(labels, ["baseline", "lr=0.1", "act=gelu"]);
    assert_eq!(plan.baseline().get("width"), Some(&Value::Int(2)));
    assert_eq!(plan.baseline().get("bn"), Some(&Value::Bool(true)));
    // No seed attr: each configuration's trials are its replicates 0, 1, 2 in trial order.
    assert_eq!(plan.seeds(), [0, 1, 2]);
    let values = r.values("value").unwrap();
    assert_eq!(values, vec![vec![Some(0.30), Some(0.32), Some(0.28)], vec![Some(0.40), None, Some(0.42)], vec![Some(0.31), None, None]]);
    let failures = r.failures();
    assert_eq!(failures.len(), 1);
    assert_eq!((failures[0].config.as_str(), failures[0].replicate, failures[0].error.as_str()), ("lr=0.1", 1, "trial 4 failed in Optuna"));
    // Left out: 5 (pruned), 8 (failed before setting any param), 9 (running).
    let stats = r.run_stats();
    assert_eq!((r.records().len(), stats.left_out), (7, 3));
    // Skipped: the param set with an incompatible distribution on trial 9, as Optuna skips it.
    assert_eq!(stats.skipped_import_lines, 1);
    assert!(r.run_dir().is_none());
    // Intermediate values are the trial's reports; a NaN one (trial 3) is dropped.
    let first = &r.records()[0];
    let reports: Vec<(i64, Option<f64>)> = first.reports.iter().map(|p| (p.step, p.values.get("value"))).collect();
    assert_eq!(reports, [(0, Some(0.9)), (1, Some(0.5))]);
    assert!(r.records()[1].reports.is_empty());
    assert_eq!(first.duration_s, 1.5);
    assert_eq!(first.started_at_ms, 1_767_225_600_000);
    let text = r.summary().to_string();
    assert!(text.contains("act=gelu"), "{text}");
}

#[test]
fn csv_import_agrees_with_the_journal() {
    // trials.csv is what Optuna's trials_dataframe() wrote for the fixture journal.
    let journal = Results::from_optuna_journal(fixture("journal.log")).unwrap();
    let csv = Results::from_optuna_csv(fixture("trials.csv"), Direction::Minimize).unwrap();
    assert_eq!(csv.plan().name(), "trials");
    assert!(journal.frame().equals_missing(csv.frame()), "journal\n{}\ncsv\n{}", journal.frame(), csv.frame());
    assert_eq!(csv.run_stats().left_out, 3);
    // The CSV knows no log scale or bounds; pandas' "2.0" of an int column with a missing
    // cell is an int again.
    let width = csv.plan().param("width").unwrap();
    assert_eq!(width.domain().to_string(), "int [-inf, inf]");
}

#[test]
fn baseline_by_trial_or_values() {
    let r = OptunaImport::journal(fixture("journal.log")).baseline_trial(7).load().unwrap();
    let labels: Vec<String> = (0..r.plan().configs().len()).map(|c| r.plan().label(c)).collect();
    assert_eq!(labels, ["baseline", "lr=0.01", "act=gelu, lr=0.01"]);
    let by_value = OptunaImport::journal(fixture("journal.log")).baseline([("act", "gelu")]).load().unwrap();
    assert_eq!(by_value.plan().baseline().get("act"), Some(&Value::Str("gelu".into())));
    assert_eq!(by_value.plan().label(1), "act=relu");

    let ambiguous = error_of(OptunaImport::journal(fixture("journal.log")).baseline([("lr", 0.01)]));
    assert!(ambiguous.contains("2 configurations have lr=0.01") && ambiguous.contains("act=gelu"), "{ambiguous}");
    let none = error_of(OptunaImport::journal(fixture("journal.log")).baseline([("lr", 0.5)]));
    assert!(none.contains("no imported configuration has lr=0.5") && none.contains("lr=0.1"), "{none}");
    let unknown = error_of(OptunaImport::journal(fixture("journal.log")).baseline([("depth", 3)]));
    assert!(unknown.contains("`depth`") && unknown.contains("`width`"), "{unknown}");
    let pruned = error_of(OptunaImport::journal(fixture("journal.log")).baseline_trial(5));
    assert!(pruned.contains("baseline trial 5 is not one of the 7 imported trials"), "{pruned}");
}

#[test]
fn study_selection() {
    let second = "{\"op_code\":0,\"worker_id\":\"w\",\"study_name\":\"other\",\"directions\":[2]}\n";
    let path = journal_with(|t| t + second);
    let e = error_of(OptunaImport::journal(&path));
    assert!(e.contains("2 studies (`lr-study`, `other`)") && e.contains(".study(\"name\")"), "{e}");
    let e = error_of(OptunaImport::journal(&path).study("old"));
    assert!(e.contains("no study named `old`; its studies are `lr-study`, `other`"), "{e}");
    let e = error_of(OptunaImport::journal(&path).study("other"));
    assert!(e.contains("no complete or failed trial"), "{e}");
    assert_eq!(OptunaImport::journal(&path).study("lr-study").load().unwrap().records().len(), 7);
}

#[test]
fn a_torn_or_unreadable_last_line_is_skipped_and_counted() {
    for tail in ["{\"op_code\":4,\"worker_id\":\"w\",\"stu", "not json\n"] {
        let r = Results::from_optuna_journal(journal_with(|t| t + tail)).unwrap();
        assert_eq!(r.run_stats().skipped_import_lines, 2, "{tail:?}");
        assert_eq!(r.records().len(), 7);
    }
}

#[test]
fn bad_journals_are_refused_with_what_to_fix() {
    type Case = (Box<dyn FnOnce(String) -> String>, &'static str);
    let cases: Vec<Case> = vec![
        (Box::new(|t: String| t.replacen('\n', "\nnot json\n", 2)), "line 2 is not JSON"),
        (Box::new(|t| t + "{\"op_code\":42,\"worker_id\":\"w\"}\n"), "op_code 42 is not one Optuna 5 writes"),
        (Box::new(|t| t + "[1, 2]\n"), "is not a JSON object"),
        (Box::new(|t| t + "{\"worker_id\":\"w\"}\n"), "has no integer `op_code`"),
        (Box::new(|t| t + "{\"op_code\":6,\"trial_id\":3}\n"), "(op_code 6): it has no `state`"),
        (Box::new(|_| String::new()), "it holds no study"),
        (Box::new(|t| t.replace("\"lr-study\",\"directions\":[1]", "\"lr-study\",\"directions\":[]")), "the study has no objective"),
        (Box::new(|_| std::fs::read_to_string(fixture("trials.csv")).unwrap()), "line 1 is not JSON"),
        (Box::new(|t| t + &template_trial("\"lr\":0.01,\"act\":0,\"bn\":0,\"width\":2", &full_distributions(), 1, "[NaN]")), "COMPLETE with the value NaN"),
        (Box::new(|t| t + &template_trial("\"lr\":0.01,\"act\":0,\"bn\":0", &full_distributions(), 1, "[0.3]")), "no value for the parameter(s) [\"width\"]"),
        (
            Box::new(|t| t + &template_trial("\"lr\":0.01,\"act\":0,\"bn\":0,\"width\":2", &full_distributions().replace(INT, FLOAT), 1, "[0.3]")),
            "the param `width` has two incompatible distributions (IntDistribution and FloatDistribution)",
        ),
        (Box::new(|t| t + &template_trial("\"lr\":0.01,\"act\":7,\"bn\":0,\"width\":2", &full_distributions(), 1, "[0.3]")), "the choice index 7 is not one of the 2 choices"),
        (Box::new(|t| t + &template_trial("\"lr\":0.01,\"act\":0,\"bn\":0,\"width\":2", &full_distributions(), 1, "[0.3, 0.4]")), "2 value(s) for 1 objective(s)"),
    ];
    for (edit, expected) in cases {
        let e = Results::from_optuna_journal(journal_with(edit)).expect_err(expected).to_string();
        assert!(e.contains(expected) && e.contains("cannot import"), "expected {expected:?} in: {e}");
    }
    let missing = Results::from_optuna_journal(fixture("no-such.log")).unwrap_err().to_string();
    assert!(missing.contains("cannot read the Optuna journal"), "{missing}");
}

#[test]
fn an_infinite_value_is_a_failed_trial() {
    let trial = template_trial("\"lr\":0.01,\"act\":0,\"bn\":0,\"width\":2", &full_distributions(), 1, "[Infinity]");
    let r = Results::from_optuna_journal(journal_with(|t| t + &trial)).unwrap();
    let failed: Vec<_> = r.records().iter().filter(|rec| rec.status == Status::Failed).map(|rec| rec.error.clone().unwrap_or_default()).collect();
    assert_eq!(failed.len(), 2);
    assert!(failed.iter().any(|e| e.contains("non-finite value inf")), "{failed:?}");
}

#[test]
fn seed_attrs_pair_configurations_and_a_retry_is_an_attempt() {
    let dir = temp_dir("optuna-seeds");
    let path = dir.join("seeded.csv");
    let csv = "number,value,params_x,params_opt,user_attrs_seed,state\n\
               0,1.0,1,adam,7,COMPLETE\n\
               1,2.0,2,adam,7,COMPLETE\n\
               2,,1,adam,9,FAIL\n\
               3,1.5,1,adam,9,COMPLETE\n\
               4,2.5,2,adam,9,COMPLETE\n\
               5,3.0,2,\"sgd, nesterov\",9,COMPLETE\n";
    std::fs::write(&path, csv).unwrap();
    let r = OptunaImport::csv(&path).study("seeded").direction(Direction::Maximize).load().unwrap();
    assert_eq!(r.plan().seeds(), [7, 9]);
    assert_eq!(r.plan().label(2), "opt=sgd, nesterov, x=2");
    assert_eq!(r.values("value").unwrap(), vec![vec![Some(1.0), Some(1.5)], vec![Some(2.0), Some(2.5)], vec![None, Some(3.0)]]);
    let retried = r.records().iter().find(|rec| rec.seed == 9 && rec.config.get("x") == Some(&Value::Int(1))).unwrap();
    assert_eq!((retried.status, retried.attempt), (Status::Ok, 2));
    assert!(r.failures().is_empty());
    // Ignoring the attr numbers each configuration's trials instead.
    let by_order = OptunaImport::csv(&path).direction(Direction::Maximize).seeds_by_order().load().unwrap();
    assert_eq!(by_order.plan().seeds(), [0, 1, 2]);
    assert_eq!(by_order.failures().len(), 1);

    std::fs::write(&path, csv.replace("4,2.5,2,adam,9,", "4,2.5,2,adam,,")).unwrap();
    let e = error_of(OptunaImport::csv(&path).direction(Direction::Maximize));
    assert!(e.contains("trial 4 has no user attr `seed` while trial 0 has one") && e.contains(".seeds_by_order()"), "{e}");
    std::fs::write(&path, csv.replace("4,2.5,2,adam,9,", "4,2.5,2,adam,-1,")).unwrap();
    let e = error_of(OptunaImport::csv(&path).direction(Direction::Maximize));
    assert!(e.contains("its seed \"-1\" is not a non-negative integer"), "{e}");
}

#[test]
fn bad_csvs_are_refused_with_what_to_fix() {
    let dir = temp_dir("optuna-csv");
    let good = std::fs::read_to_string(fixture("trials.csv")).unwrap();
    let cases = [
        (",number,value,params,state\n,,,lr,\n0,0,0.3,0.01,COMPLETE\n".to_string(), "multi_index=True"),
        ("a,b\n1,2\n".to_string(), "no `number` and `state` columns"),
        ("number,params_x,state\n0,1,COMPLETE\n".to_string(), "no `value` or `values_<i>` column"),
        (good.replacen(",relu,True,0.01,2.0,COMPLETE\n", ",relu\n", 1), "row 1 has 7 fields but the header has 11"),
        (good.clone() + "10,10,0.3,\"2026", "never closed"),
        (good.replacen("COMPLETE", "DONE", 1), "trial 0: the state \"DONE\" is not an Optuna TrialState"),
        (good.replacen(",0.3,", ",abc,", 1), "trial 0: the value \"abc\" is not a number"),
        (good.replacen(",0.3,", ",,", 1), "it is COMPLETE but has no value"),
        (good.replacen("2026-01-01 00:00:00,", "yesterday,", 1), "\"yesterday\" is not a date and time"),
        (String::new(), "it is empty"),
    ];
    for (i, (text, expected)) in cases.into_iter().enumerate() {
        let path = dir.join(format!("case{i}.csv"));
        std::fs::write(&path, text).unwrap();
        let e = Results::from_optuna_csv(&path, Direction::Minimize).expect_err(expected).to_string();
        assert!(e.contains(expected), "expected {expected:?} in: {e}");
    }
    let two = error_of(OptunaImport::csv(fixture("trials.csv")).directions([Direction::Minimize, Direction::Maximize]));
    assert!(two.contains("1 objective(s) (value) but 2 direction(s)"), "{two}");
    let none = error_of(OptunaImport::csv(fixture("trials.csv")));
    assert!(none.contains("give .direction(Direction::Maximize)"), "{none}");
    let path = dir.join("binary.csv");
    std::fs::write(&path, [0xff, 0xfe, 0x00]).unwrap();
    assert!(error_of(OptunaImport::csv(&path).direction(Direction::Minimize)).contains("not UTF-8"));
}
