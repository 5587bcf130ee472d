//! Study files: everything the builder says can be said in TOML, the spec survives a round
//! trip through the JSON a run directory keeps, and mistakes are reported with the line.

use ablate::prelude::*;
use ablate::StudySpec;

use crate::common::temp_dir;

const FULL: &str = r#"
name = "full"
seeds = [11, 22, 33]
study_seed = 4
primary = "loss"
code_version = "v3"

[[param]]
name = "lr"
type = "float"
baseline = 0.01
log = true
bounds = [1e-5, 1.0]
levels = [0.001, 0.01, 0.1]

[[param]]
name = "batch"
type = "int"
baseline = 64
levels = [32, 64, 128]

[[param]]
name = "optimizer"
type = "categorical"
choices = ["sgd", "adam"]
baseline = "adam"
levels = ["sgd"]

[[param]]
name = "augment"
type = "bool"
baseline = false

[[param]]
name = "layer_norm"
type = "component"

[[param]]
name = "dropout"
type = "component"
baseline = false

[[metric]]
name = "accuracy"
goal = "maximize"

[[metric]]
name = "loss"
goal = "minimize"

[[design]]
kind = "ofat"

[[design]]
kind = "grid"
params = ["lr", "batch"]

[[design]]
kind = "leave_one_out"

[[design]]
kind = "add_one_in"
components = ["layer_norm", "dropout"]

[[design]]
kind = "custom"
label = "big and fast"
set = { lr = 0.1, batch = 128, augment = true }

[command]
argv = ["python3", "train.py", "--lr", "{lr}"]
workdir = "."
timeout_s = 30.5
env = { OMP_NUM_THREADS = "1" }
fingerprint = []

[run]
workers = 3
retries = 2
run_dir = "elsewhere"

[resources]
gpus_per_trial = 2
devices = ["0", "1", "2", "3"]
cpus_per_trial = 4
"#;

fn same_builder_study() -> Study {
    Study::new("full")
        .param(Param::float("lr", 0.01).log().bounds(1e-5, 1.0).levels([0.001, 0.01, 0.1]))
        .param(Param::int("batch", 64).levels([32, 64, 128]))
        .param(Param::categorical("optimizer", ["sgd", "adam"], "adam").levels(["sgd"]))
        .param(Param::bool("augment", false))
        .param(Param::component("layer_norm"))
        .param(Param::component_removed("dropout"))
        .maximize("accuracy")
        .minimize("loss")
        .primary("loss")
        .seed_list([11, 22, 33])
        .study_seed(4)
        .code_version("v3")
        .ofat()
        .grid(["lr", "batch"])
        .leave_one_out()
        .design(ablate::design::Design::AddOneIn { components: Some(vec!["layer_norm".into(), "dropout".into()]) })
        .config("big and fast", [("lr", Value::Float(0.1)), ("batch", Value::Int(128)), ("augment", Value::Bool(true))])
}

fn ids(study: &Study) -> Vec<String> {
    study.plan().unwrap().trials().iter().map(|t| t.id().to_string()).collect()
}

#[test]
fn a_study_file_says_everything_the_builder_does() {
    let dir = temp_dir("spec-full");
    std::fs::write(dir.join("study.toml"), FULL).unwrap();
    let from_file = Study::from_file(dir.join("study.toml")).unwrap();
    let built = same_builder_study();
    assert_eq!(ids(&from_file), ids(&built), "same configs, seeds and ids");
    let plan = from_file.plan().unwrap();
    assert_eq!(plan.primary().name, "loss");
    assert_eq!(plan.seeds(), &[11, 22, 33]);
    assert!((0..plan.configs().len()).any(|c| plan.label(c) == "big and fast"));
    assert_eq!(from_file.options().workers, Some(3));
    assert_eq!(from_file.options().retries, 2);
    assert_eq!(from_file.store_dir(), Some(dir.join("elsewhere")));
    let resources = &from_file.options().resources;
    assert_eq!((resources.gpus_per_trial, resources.cpus_per_trial, resources.devices.as_ref().map(Vec::len)), (Some(2), Some(4), Some(4)));
    assert_eq!(resources.placements(None).unwrap().len(), 2, "two pairs of GPUs");
    let command = from_file.command_spec().unwrap();
    assert_eq!(command.timeout_s, Some(30.5));
    assert_eq!(command.env.get("OMP_NUM_THREADS").map(String::as_str), Some("1"));
    assert_eq!(command.fingerprint.as_deref(), Some(&[][..]));

    // The spec survives the JSON a run directory keeps, and says the same study.
    let spec = from_file.to_spec();
    let back = StudySpec::from_json(&spec.to_json()).unwrap();
    assert_eq!(back, spec);
    assert_eq!(back.hash(), spec.hash());
    assert_eq!(ids(&Study::from_spec(&back, &dir).unwrap()), ids(&built));
    assert_eq!(Study::from_spec(&back, &dir).unwrap().options().resources, *resources, "[resources] survives spec.json");
    // The builder's own study gives the same spec (but for how it runs: [run], [resources]).
    let mut built_spec = built.to_spec();
    built_spec.command = spec.command.clone();
    assert_eq!(built_spec.hash(), spec.hash());
}

#[test]
fn mistakes_name_the_file_line_and_key() {
    let dir = temp_dir("spec-errors");
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        Study::from_file(&path).unwrap_err().to_string()
    };
    let e = write("unknown-key.toml", "name = \"x\"\n[[param]]\nname = \"lr\"\ntype = \"float\"\nbaseline = 0.1\nlevls = [1]\n");
    assert!(e.contains("unknown-key.toml") && e.contains("line 6") && e.contains("levls"), "{e}");
    let e = write("bad-type.toml", "name = \"x\"\n[[param]]\nname = \"lr\"\ntype = \"decimal\"\nbaseline = 0.1\n");
    assert!(e.contains("line 4") && e.contains("decimal"), "{e}");
    let e = write("wrong-value.toml", "name = \"x\"\n[[metric]]\nname = \"a\"\ngoal = \"maximize\"\n[[param]]\nname = \"n\"\ntype = \"int\"\nbaseline = 1\n\n[[param]]\nname = \"k\"\ntype = \"int\"\nbaseline = 2\nlevels = [0.5]\n");
    assert!(e.contains("`k`") && e.contains("line 10") && e.contains("an int"), "{e}");
    let e = write("grid.toml", "name = \"x\"\n[[metric]]\nname = \"a\"\ngoal = \"maximize\"\n[[param]]\nname = \"n\"\ntype = \"int\"\nbaseline = 1\nlevels = [1, 2]\n[[design]]\nkind = \"grid\"\nparams = [\"n\", \"depth\"]\n");
    assert!(e.contains("grid.toml") && e.contains("`depth`"), "{e}");
    let e = write("no-metric.toml", "name = \"x\"\n[[param]]\nname = \"n\"\ntype = \"int\"\nbaseline = 1\nlevels = [1, 2]\n");
    assert!(e.contains("no-metric.toml") && e.contains("declares no metric"), "{e}");
    let e = Study::from_file(dir.join("missing.toml")).unwrap_err().to_string();
    assert!(e.contains("missing.toml"), "{e}");
}

/// The full study with seeds_per_sample and a sobol and a random design added.
fn sampled_file() -> String {
    let sampled = FULL
        .replace("study_seed = 4\n", "study_seed = 4\nseeds_per_sample = 2\n")
        .replace("[command]", "[[design]]\nkind = \"sobol\"\nn = 16\n\n[[design]]\nkind = \"random\"\nn = 4\n\n[command]");
    assert_ne!(sampled, FULL);
    sampled
}

#[test]
fn a_study_file_says_random_sobol_and_seeds_per_sample() {
    let dir = temp_dir("spec-sampled");
    std::fs::write(dir.join("study.toml"), sampled_file()).unwrap();
    let from_file = Study::from_file(dir.join("study.toml")).unwrap();
    let built = same_builder_study().seeds_per_sample(2).sobol(16).random(4);
    assert_eq!(ids(&from_file), ids(&built), "same sampled configs, seeds and ids");
    let plan = from_file.plan().unwrap();
    let first = (0..plan.configs().len()).find(|&c| plan.label(c) == "sobol#0").unwrap();
    assert_eq!(plan.configs()[first].replicates(), 2);
    assert!((0..plan.configs().len()).any(|c| plan.label(c) == "random#3"));
    let spec = from_file.to_spec();
    assert_eq!(spec.seeds_per_sample, Some(2));
    let back = StudySpec::from_json(&spec.to_json()).unwrap();
    assert_eq!(back, spec);
    assert_eq!(ids(&Study::from_spec(&back, &dir).unwrap()), ids(&built));
    assert!(spec.to_json().contains("\"kind\": \"sobol\""));

    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        Study::from_file(&path).unwrap_err().to_string()
    };
    let e = write("no-n.toml", &sampled_file().replace("n = 16\n", ""));
    assert!(e.contains("no-n.toml") && e.contains("missing field `n`"), "{e}");
    let e = write("too-many.toml", &sampled_file().replace("seeds_per_sample = 2", "seeds_per_sample = 9"));
    assert!(e.contains("too-many.toml") && e.contains("seeds_per_sample = 9") && e.contains("3 seeds"), "{e}");
}
