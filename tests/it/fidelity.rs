//! Multi-fidelity ablation: every config at the cheapest fidelity, the promising ones
//! promoted, the baseline at every rung, fewer epochs than running everything at full
//! fidelity, and a resumed run that trains nothing again.

use std::sync::atomic::{AtomicUsize, Ordering};

use ablate::StudySpec;
use ablate::prelude::*;

use crate::common::temp_dir;

fn study(dir: &std::path::Path) -> Study {
    Study::new("fidelity")
        .param(Param::float("lr", 0.1).log().levels([0.01, 0.03, 0.3, 1.0]))
        .param(Param::int("width", 32).levels([8, 64]))
        .param(Param::fidelity("epochs", [3, 9, 27]))
        .seeds(4)
        .maximize("accuracy")
        .run_dir(dir)
        .progress(ProgressMode::Off)
}

/// Accuracy rises with epochs towards a ceiling set by the config, at the same speed for
/// all (cheap runs rank configs like expensive ones): lr 0.3 best, 0.01 clearly worse,
/// width 8 a bit worse; paired seed offsets plus a little own noise.
fn accuracy(t: &Trial) -> TrialResult {
    let lr = t.float("lr")?;
    let ceiling = 0.9 - 0.08 * (lr.log10() + 0.5).powi(2) - if t.int("width")? == 8 { 0.02 } else { 0.0 };
    let speed = 2.0;
    let epochs = t.int("epochs")? as f64;
    let seed_shift = (t.seed() % 101) as f64 / 101.0 * 0.02;
    let own = ((t.seed() ^ (lr * 1e4) as u64 ^ (epochs as u64) << 20) % 17) as f64 / 17.0 * 0.002;
    Ok(metrics! { "accuracy" => ceiling * (1.0 - (-speed * epochs / 10.0).exp()) + seed_shift + own })
}

#[test]
fn rungs_promote_the_promising_configs_and_keep_the_baseline() {
    let dir = temp_dir("fidelity");
    let calls = AtomicUsize::new(0);
    let f = |t: &Trial| {
        calls.fetch_add(1, Ordering::SeqCst);
        accuracy(t)
    };
    let run = study(&dir).run_with(MultiFidelityOptions::default(), f).unwrap();
    assert_eq!(run.rungs.iter().map(|r| r.fidelity).collect::<Vec<_>>(), [3, 9, 27]);
    let first = &run.rungs[0];
    assert_eq!(first.results.plan().configs().len(), 7, "baseline + 4 lr + 2 width");
    // ceil(6 / 3) = 2 go on from 6 configs (more only if too close to the best to call).
    assert_eq!(first.promoted.first().map(String::as_str), Some("lr=0.3"), "{}", run.to_text());
    assert!(first.promoted.len() >= 2 && first.promoted.len() < 6, "{}", run.to_text());
    assert!(first.dropped_worse.contains(&"lr=0.01".to_string()), "{:?}", first.dropped_worse);
    assert_eq!(run.rungs[1].results.plan().configs().len(), 1 + first.promoted.len());
    for rung in &run.rungs {
        let base = rung.results.plan().baseline();
        assert_eq!(base.get("epochs"), Some(&Value::Int(rung.fidelity)), "the baseline at every rung");
        assert_eq!(rung.results.summary().rows[0].n, 4);
    }
    let last = run.final_results().unwrap();
    assert_eq!(last.plan().baseline().get("epochs"), Some(&Value::Int(27)));
    assert!(last.summary().rows.iter().any(|r| r.config == "lr=0.3"), "the best config reaches full fidelity: {}", run.to_text());
    let (spent, full) = run.budget();
    assert_eq!(full, 7.0 * 4.0 * 27.0);
    assert!(spent < full * 0.6, "{spent} of {full}");
    let text = run.to_text();
    assert!(text.contains("Multi-fidelity ablation over epochs") && text.contains("saved"), "{text}");
    // Consistent curves: the cheap rung ranks the configs it shares with the middle one alike.
    let agreement = run.agreement().unwrap();
    assert_eq!(agreement.len(), 3, "3→9, 3→27, 9→27");
    let cheap = &agreement[0];
    assert_eq!((cheap.from, cheap.to, cheap.n), (3, 9, run.rungs[1].results.plan().configs().len()));
    let tau = cheap.kendall.as_ref().expect("at least 3 configs at both");
    assert!(tau.estimate > 0.5 && !cheap.is_low(), "{tau:?}");
    // Rerun: everything from the journal, same rungs.
    let before = calls.load(Ordering::SeqCst);
    let again = study(&dir).run_with(MultiFidelityOptions::default(), f).unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), before);
    assert_eq!(again.rungs.iter().map(|r| r.promoted.clone()).collect::<Vec<_>>(), run.rungs.iter().map(|r| r.promoted.clone()).collect::<Vec<_>>());
}

#[test]
fn a_run_stops_when_every_change_is_worse_at_a_cheap_rung() {
    let dir = temp_dir("fidelity-stop");
    // The baseline (lr 0.1, width 32) beats every change by 0.1 at every fidelity.
    let f = |t: &Trial| {
        let worse = (t.float("lr")? != 0.1) as u8 as f64 + (t.int("width")? != 32) as u8 as f64;
        let own = ((t.seed() ^ (t.float("lr")? * 1e4) as u64) % 17) as f64 / 17.0 * 0.002;
        Ok(metrics! { "accuracy" => 0.9 - 0.1 * worse + (t.seed() % 101) as f64 / 101.0 * 0.02 + own })
    };
    let run = study(&dir).run_with(MultiFidelityOptions::default(), f).unwrap();
    assert_eq!(run.rungs.len(), 1, "{}", run.to_text());
    assert_eq!(run.rungs[0].dropped_worse.len(), 6);
    assert_eq!(run.stopped_at(), Some(3));
    assert!(run.final_results().is_none(), "nothing ran at full fidelity");
    assert_eq!(run.budget(), (7.0 * 4.0 * 3.0, 7.0 * 4.0 * 27.0));
    assert!(run.to_text().contains("stopped at epochs = 3"), "{}", run.to_text());
}

#[test]
fn a_rung_keeps_its_level_as_the_baseline_through_its_spec() {
    // What a Slurm task and Results::load rebuild a rung from: its stored spec.
    let dir = temp_dir("rung-spec");
    let mut at = Config::new();
    at.set("epochs", Value::Int(3));
    let rung = study(&dir).with_baseline(&at).unwrap();
    let back = Study::from_spec(&rung.to_spec(), &dir).unwrap();
    assert_eq!(back.plan().unwrap().baseline().get("epochs"), Some(&Value::Int(3)));
    let ids = |s: &Study| s.plan().unwrap().trials().iter().map(|t| t.id().to_string()).collect::<Vec<_>>();
    assert_eq!(ids(&back), ids(&rung));
    // Without a baseline the top level; one that is not a level is refused, naming the levels.
    let file = |baseline: &str| format!("name = \"f\"\n[[param]]\nname = \"epochs\"\ntype = \"int\"\nfidelity = true\n{baseline}levels = [3, 9, 27]\n[[param]]\nname = \"lr\"\ntype = \"float\"\nbaseline = 0.1\nlevels = [0.01]\n[[metric]]\nname = \"a\"\ngoal = \"maximize\"\n");
    let top = Study::from_spec(&StudySpec::from_toml(&file("")).unwrap(), &dir).unwrap();
    assert_eq!(top.plan().unwrap().baseline().get("epochs"), Some(&Value::Int(27)));
    let bad = StudySpec::from_toml(&file("baseline = 5\n")).unwrap_err().to_string();
    assert!(bad.contains("`epochs` (line 2)") && bad.contains("one of its levels [3, 9, 27]"), "{bad}");
}

#[test]
fn a_plain_run_trains_at_full_fidelity_and_designs_leave_the_fidelity_alone() {
    let plan = study(&temp_dir("fidelity-plain")).plan().unwrap();
    assert!(plan.configs().iter().all(|c| c.config().get("epochs") == Some(&Value::Int(27))));
    let err = study(&temp_dir("fidelity-grid")).grid(["lr", "epochs"]).plan().unwrap_err().to_string();
    assert!(err.contains("fidelity"), "{err}");
    let none = Study::new("x").param(Param::float("lr", 0.1).levels([0.3])).maximize("a").in_memory();
    assert!(none.run_with(MultiFidelityOptions::default(), accuracy).unwrap_err().to_string().contains("Param::fidelity"));
    let bad = Study::new("x").param(Param::fidelity("epochs", [5])).maximize("a").in_memory();
    assert!(bad.plan().unwrap_err().to_string().contains("at least two"));
}

#[test]
fn crossing_learning_curves_show_as_low_rank_agreement() {
    // Fast learners lead after 3 epochs, slow ones with a higher ceiling win at 27: the cheap
    // rung ranks the configs the other way round.
    let crossing = |t: &Trial| -> TrialResult {
        let lr = t.float("lr")?;
        let ceiling = 0.9 - 0.05 * (lr.log10() + 2.0);
        let speed = 3.0 * lr.sqrt();
        let epochs = t.int("epochs")? as f64;
        let seed_shift = (t.seed() % 101) as f64 / 101.0 * 0.02;
        Ok(metrics! { "accuracy" => ceiling * (1.0 - (-speed * epochs / 3.0).exp()) + seed_shift })
    };
    let dir = temp_dir("fidelity-crossing");
    let options = MultiFidelityOptions { eta: 1.01 };
    let run = study(&dir).run_with(options, crossing).unwrap();
    let agreement = run.agreement().unwrap();
    let first_last = agreement.iter().find(|a| a.from == 3 && a.to == 27).unwrap();
    assert!(first_last.n >= 4, "{first_last:?}");
    let tau = first_last.kendall.as_ref().unwrap();
    assert!(tau.estimate < 0.0 && first_last.is_low(), "{tau:?}");
    let text = run.agreement_table().unwrap().to_text();
    assert!(text.contains("LOW: the cheap runs ranked differently") && text.contains("Warning"), "{text}");
}

#[test]
fn a_pilot_gives_the_estimate_its_durations() {
    let dir = temp_dir("fidelity-estimate");
    let s = study(&dir).seeds_adaptive(3, 4);
    let before = s.estimate().unwrap();
    assert!(before.seconds.is_none() && before.to_text().contains("study.run_with(Pilot, f)"));
    assert_eq!(before.lines[0].trials, 7 * 4);
    let pilot = s.run_with(Pilot, |t: &Trial| {
        std::thread::sleep(std::time::Duration::from_millis(20));
        accuracy(t)
    })
    .unwrap();
    assert_eq!(pilot.records().len(), 1);
    let after = s.estimate().unwrap();
    let per_epoch = after.seconds.unwrap();
    assert!(per_epoch > 0.02 / 27.0 * 0.9, "{per_epoch}");
    let line = |prefix: &str| after.lines.iter().find(|l| l.what.starts_with(prefix)).unwrap().clone();
    assert_eq!(line("adaptive seeds, at least").trials, 7 * 3);
    let expected = line("adaptive seeds, expected if no change matters").trials;
    assert!(expected > 7 * 3 && expected <= 7 * 4, "{expected}");
    assert_eq!(line("multi-fidelity rung 1").trials, 7 * 4);
    assert_eq!(line("multi-fidelity rung 2").trials, 3 * 4, "ceil(6/3) configs and the baseline");
    let fixed = line("fixed design");
    assert!((fixed.hours.unwrap() - per_epoch * 27.0 * 28.0 / 3600.0).abs() < 1e-12);
    // The study reuses the pilot's trial.
    let results = s.run(accuracy).unwrap();
    assert_eq!(results.run_stats().executed + 1, results.records().len());
}

/// A training script that checkpoints every epoch and, through the Python helper, continues
/// from the cheaper rung's checkpoint (`resume_from`), or ignores it (`CONTINUE=0`). Its
/// accuracy depends only on the config, the seed and the epochs trained in all, so a
/// continued trial must score what a trial trained from scratch scores.
const CHECKPOINTING: &str = r#"
import json, os, sys
sys.path.insert(0, os.environ["HELPER_DIR"])
import ablate_trial as ab
p = ab.params()
seed = ab.seed()
start = 0
if os.environ.get("CONTINUE") == "1":
    found = ab.resume_from("ckpt.json")
    if found:
        start = json.loads(found.read_text())["epoch"]
trained = []
for epoch in range(start + 1, p["epochs"] + 1):
    trained.append(epoch)
    (ab.checkpoint_dir() / "ckpt.json").write_text(json.dumps({"epoch": epoch}))
    ab.report(epoch, acc=epoch / (epoch + 1))
(ab.checkpoint_dir() / "trained.json").write_text(json.dumps(trained))
ceiling = 0.9 - 0.3 * abs(p["lr"] - 0.3)
own = (seed * 7919 + int(p["lr"] * 1000)) % 11 * 0.003
ab.result(accuracy=ceiling * (1 - 0.5 ** p["epochs"]) + (seed % 7) * 0.001 + own)
"#;

fn checkpointing_study(dir: &std::path::Path, resumes: bool) -> Study {
    std::fs::write(dir.join("train.py"), CHECKPOINTING).unwrap();
    let helper = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("python");
    Study::new("continuation")
        .param(Param::float("lr", 0.3).levels([0.29, 0.31, 1.0]))
        .param(Param::fidelity("epochs", [2, 4, 8]))
        .seeds(3)
        .maximize("accuracy")
        .command(["python3", "train.py"])
        .env("HELPER_DIR", helper.to_str().unwrap())
        .env("CONTINUE", if resumes { "1" } else { "0" })
        .working_dir(dir)
        .run_dir(dir.join("run"))
        .workers(2)
        .progress(ProgressMode::Off)
}

fn trained(results: &Results, record: &ablate::store::TrialRecord) -> Vec<i64> {
    let path = results.run_dir().unwrap().join("trials").join(record.id.as_str()).join("trained.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn promoted_command_trials_continue_from_the_cheaper_rungs_checkpoint() {
    let dir = temp_dir("fidelity-continue");
    let run = checkpointing_study(&dir, true).on(Local::commands()).run_with(MultiFidelityOptions::default()).unwrap();
    assert_eq!(run.rungs.len(), 3, "{}", run.to_text());
    let mut new_epochs = 0;
    for (k, rung) in run.rungs.iter().enumerate() {
        assert!(rung.results.failures().is_empty(), "{:?}", rung.results.failures());
        for record in rung.results.records() {
            let epochs = trained(&rung.results, record);
            new_epochs += epochs.len() as i64;
            match (k, &record.continuation) {
                (0, None) => assert_eq!(epochs, (1..=2).collect::<Vec<_>>()),
                (0, Some(c)) => panic!("the cheapest rung has nothing to continue from: {c:?}"),
                (_, Some(c)) => {
                    let before = run.rungs[k - 1].fidelity;
                    assert!(c.resumed && c.from_level == before, "{c:?}");
                    assert!(run.rungs[k - 1].results.records().iter().any(|r| r.id == c.from && r.seed == record.seed));
                    assert_eq!(epochs, (before + 1..=rung.fidelity).collect::<Vec<_>>(), "only the new epochs are trained");
                }
                (_, None) => panic!("a promoted trial was not offered its cheaper rung: {record:?}"),
            }
        }
    }
    assert_eq!(run.budget().0, new_epochs as f64, "the budget counts the epochs trained");
    let text = run.to_text();
    assert!(text.contains("continuation: ") && !text.contains("from scratch"), "{text}");

    // The same study from scratch (a script that ignores the checkpoint): same verdicts and
    // metrics, more epochs, and the record says it trained from scratch.
    let scratch_dir = temp_dir("fidelity-scratch");
    let scratch = checkpointing_study(&scratch_dir, false).on(Local::commands()).run_with(MultiFidelityOptions::default()).unwrap();
    assert!(scratch.budget().0 > run.budget().0, "{:?} vs {:?}", scratch.budget(), run.budget());
    let last = |m: &MultiFidelity| m.final_results().unwrap().summary().rows.iter().map(|r| (r.config.clone(), r.mean)).collect::<Vec<_>>();
    assert_eq!(last(&scratch), last(&run));
    let promoted = scratch.rungs[1].results.records();
    assert!(promoted.iter().all(|r| r.continuation.as_ref().is_some_and(|c| !c.resumed)), "{promoted:?}");
    assert!(scratch.to_text().contains("trained from scratch"), "{}", scratch.to_text());
    // Provenance: the host of every trial.
    assert!(run.rungs[0].results.records().iter().all(|r| r.provenance.host.is_some()));
}
