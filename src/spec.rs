//! Study files: [`StudySpec`] is everything a [`Study`](crate::Study) builder says, as plain serde data,
//! read from TOML (`study.toml`) or JSON and written into every run directory
//! (`spec.json`), so the plan can be rebuilt later without the code that made it.
//!
//! ```toml
//! name = "digits-svm"
//! seeds = 5
//!
//! [[param]]
//! name = "C"
//! type = "float"
//! baseline = 1.0
//! log = true
//! levels = [0.1, 1.0, 10.0]
//!
//! [[param]]
//! name = "scaling"
//! type = "component"
//!
//! [[metric]]
//! name = "accuracy"
//! goal = "maximize"
//!
//! [command]
//! argv = ["python3", "train.py", "--C", "{C}", "--seed", "{seed}"]
//! timeout_s = 600
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::design::Design;
use crate::error::{Error, Result};
use crate::space::{Config, Domain, Param, Spacing, Value};
use crate::trial::Direction;

/// A whole study as data: what it is (params, designs, seeds, metrics, command) and how to
/// run it (`[run]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StudySpec {
    /// The study's name (its run directory is `runs/<name>/` unless `[run] run_dir` says).
    pub name: String,
    /// How many seeds (`5`) or which seeds (`[1, 2, 3]`) every configuration runs with.
    #[serde(default)]
    pub seeds: SeedsSpec,
    /// The seeds (the first k) each config of a random or sobol design runs with; none: all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seeds_per_sample: Option<u32>,
    /// The seed replicate seeds are derived from.
    #[serde(default)]
    pub study_seed: u64,
    /// Adaptive seeds (`[adaptive]`): every config starts with `min` seeds and gets more, up
    /// to `seeds`, only while its comparison with the baseline is undecided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adaptive: Option<AdaptiveSeeds>,
    /// Which round of an iterated ablation this study is, and the round before it (see
    /// [`Study::next_round`](crate::Study::next_round)); none: a first round.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub round: Option<RoundLink>,
    /// The hyperparameters (`[[param]]` tables).
    #[serde(default, rename = "param")]
    pub params: Vec<ParamSpec>,
    /// The metrics (`[[metric]]` tables); the first is primary unless `primary` says.
    #[serde(default, rename = "metric")]
    pub metrics: Vec<MetricEntry>,
    /// The primary metric, when not the first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary: Option<String>,
    /// The designs (`[[design]]` tables); none: OFAT over params with levels and
    /// leave-one-out over enabled components.
    #[serde(default, rename = "design", skip_serializing_if = "Vec::is_empty")]
    pub designs: Vec<DesignSpec>,
    /// A version string of the trial code, folded into trial ids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_version: Option<String>,
    /// The command each trial runs (`[command]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<CommandSpec>,
    /// How to run it (`[run]`): not part of what the study is.
    #[serde(default, skip_serializing_if = "RunSpec::is_empty")]
    pub run: RunSpec,
    /// Where it runs on a Slurm cluster (`[slurm]`, used by `ablate submit`): not part of
    /// what the study is either.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slurm: Option<Slurm>,
    /// What each trial gets on this machine (`[resources]`: GPUs, CPU threads): not part of
    /// what the study is either.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<Resources>,
    /// `[prune]`: stop command trials whose learning curve is clearly behind the baseline's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prune: Option<Prune>,
}

/// What each trial gets on this machine (`[resources]` of a study file, the builder's
/// `gpus_per_trial`, `trials_per_gpu`, `devices`, `cpus_per_trial`, or `ablate run`'s flags
/// of the same names). Not part of what the study is: none of it changes a trial id.
/// How it is handed out: [`Resources::placements`](crate::resources::Resources::placements).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resources {
    /// GPUs each trial gets, whole (1 when only `devices` or `trials_per_gpu` is given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gpus_per_trial: Option<u32>,
    /// Trials that share one GPU (a fraction of a GPU each; with one GPU per trial).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trials_per_gpu: Option<u32>,
    /// The GPUs to hand out, by the ids `CUDA_VISIBLE_DEVICES` takes (`["0", "1"]`).
    /// Default: the driver's own `CUDA_VISIBLE_DEVICES`, else every GPU `nvidia-smi -L` lists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub devices: Option<Vec<String>>,
    /// CPU threads each trial should start (`OMP_NUM_THREADS` and the like). Default: the
    /// machine's cores divided by the trials that run at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpus_per_trial: Option<u32>,
}

/// Pruning settings: stop a trial early when its learning curve (its `ABLATE_REPORT`
/// values) is clearly behind the baseline's on the same seed and step. The rule and its
/// measured error: [`crate::prune`]. Command trials only (their reports are read while they
/// run); the stopped trial gets SIGTERM and its `grace_s`, like a timeout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prune {
    /// The reported value compared (a name in the trials' `ABLATE_REPORT` lines, such as
    /// `val_loss`).
    pub metric: String,
    /// `minimize` or `maximize`; default: the goal of the declared metric of that name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goal: Option<Goal>,
    /// How far behind counts as clearly behind, in the baseline's seed-to-seed standard
    /// deviations at that step (default 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spreads: Option<f64>,
    /// Plus this margin, in the metric's units (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub margin: Option<f64>,
    /// Compared reports in a row that must be clearly behind, the gap not closing (default 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patience: Option<u32>,
    /// No trial is stopped before this step (default: the first report).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_step: Option<i64>,
}

/// Adaptive seeds: the seeds every config starts with, and the practical margin within
/// which a change counts as equivalent to the baseline (in the primary metric's units).
/// The most seeds a config gets is the study's `seeds`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdaptiveSeeds {
    /// Seeds every config runs before the first decision (at least 3). Required: the other
    /// settings without it are refused with a message that says to add it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<u32>,
    /// Changes whose interval lies within ±margin stop early as equivalent; none: only
    /// differences stop early.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equivalence_margin: Option<f64>,
    /// Futility floor: a comparison whose predictive power of reaching significance by the
    /// most seeds falls below it stops early as futile; 0 turns the rule off; none: the
    /// default ([`crate::stats::DEFAULT_FUTILITY`]). Specs written by a study always carry it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub futility: Option<f64>,
    /// The alpha-spending function of the tests of difference: "obrien-fleming" (the
    /// default), "hwang-shih-decani" (γ = −2: earlier stops for large effects) or "pocock".
    /// Specs written by a study always carry it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spending: Option<crate::stats::Spending>,
}

/// Where a study stands in a sequence of rounds: its number (2 for the first
/// [`next_round`](crate::Study::next_round)) and the spec hash of the round it came from
/// (kept in the run directory's `specs/`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoundLink {
    /// The round's number, from 2.
    pub number: u32,
    /// The spec hash of the previous round.
    pub previous: String,
}

/// A seed count or an explicit list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SeedsSpec {
    /// This many seeds derived from the study seed.
    Count(u32),
    /// Exactly these seeds.
    List(Vec<u64>),
}

impl Default for SeedsSpec {
    fn default() -> Self {
        SeedsSpec::Count(5)
    }
}

/// A parameter value as written in a file: `true`, `64`, `0.01`, `"adam"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
#[allow(missing_docs)]
pub enum PlainValue {
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
}

impl From<&Value> for PlainValue {
    fn from(v: &Value) -> Self {
        match v {
            Value::Bool(b) => PlainValue::Bool(*b),
            Value::Int(i) => PlainValue::Int(*i),
            Value::Float(x) => PlainValue::Float(*x),
            Value::Str(s) => PlainValue::Str(s.clone()),
        }
    }
}

/// The kind of a parameter in a file (`type = "float"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[allow(missing_docs)]
pub enum ParamKind {
    Float,
    Int,
    Categorical,
    Bool,
    Component,
}

/// One `[[param]]` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamSpec {
    /// The name (a column of the results, a `{placeholder}` of the command).
    pub name: String,
    /// `float`, `int`, `categorical`, `bool` or `component`.
    #[serde(rename = "type")]
    pub kind: ParamKind,
    /// The baseline value (components: `true` = enabled, the default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<PlainValue>,
    /// The levels to try.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub levels: Option<Vec<PlainValue>>,
    /// A log scale (numeric params).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub log: bool,
    /// Inclusive bounds `[low, high]` (numeric params).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bounds: Option<[f64; 2]>,
    /// The choices of a categorical param.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choices: Option<Vec<String>>,
    /// The study's fidelity (an int param whose levels are the rungs of a multi-fidelity run).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fidelity: bool,
    /// The study's model-size axis (an int param whose levels are the sizes of a
    /// scale-transfer run).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub scale: bool,
    /// A mistake the [`Param`] builder recorded (bounds with no integer, an axis without
    /// levels): never written to a file, reported when the spec is planned.
    #[serde(skip)]
    #[doc(hidden)]
    pub problem: Option<String>,
}

/// Whether larger or smaller is better, in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[allow(missing_docs)]
pub enum Goal {
    Maximize,
    Minimize,
}

/// One `[[metric]]` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricEntry {
    /// The metric's name, as the trial reports it.
    pub name: String,
    /// `maximize` or `minimize`.
    pub goal: Goal,
}

/// One `[[design]]` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
#[allow(missing_docs)]
pub enum DesignSpec {
    /// One-factor-at-a-time over `params` (default: every param with levels).
    Ofat {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        params: Option<Vec<String>>,
    },
    /// A full grid over two or more params' levels.
    Grid { params: Vec<String> },
    /// Each component removed alone.
    LeaveOneOut {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        components: Option<Vec<String>>,
    },
    /// All components removed, then each added back alone.
    AddOneIn {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        components: Option<Vec<String>>,
    },
    /// The baseline with some values changed, under a label.
    Custom { label: String, set: BTreeMap<String, PlainValue> },
    /// `n` configs sampled independently over the params' ranges (bounds, else levels).
    Random { n: usize },
    /// `n` configs along a scrambled Sobol' sequence over the params' ranges (n: a power
    /// of two).
    Sobol { n: usize },
}

/// The `[run]` table: how to run, not what runs.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunSpec {
    /// Trials at once (default: one per core).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workers: Option<usize>,
    /// Retries of failed trials by later runs (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<u32>,
    /// The run directory (relative to the study file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_dir: Option<PathBuf>,
}

impl RunSpec {
    fn is_empty(&self) -> bool {
        *self == RunSpec::default()
    }
}

impl StudySpec {
    /// An empty study named `name`: 5 seeds, study seed 0, nothing else (what
    /// [`Study::new`](crate::Study::new) starts from).
    pub fn new(name: &str) -> StudySpec {
        StudySpec {
            name: name.to_string(),
            seeds: SeedsSpec::default(),
            seeds_per_sample: None,
            study_seed: 0,
            adaptive: None,
            round: None,
            params: Vec::new(),
            metrics: Vec::new(),
            primary: None,
            designs: Vec::new(),
            code_version: None,
            command: None,
            run: RunSpec::default(),
            slurm: None,
            resources: None,
            prune: None,
        }
    }

    /// The same study in its one canonical form, the form a run directory keeps and hashes:
    /// every param and design as its typed value writes it (`baseline = 1` of a float param
    /// becomes `1.0`), and adaptive seeds with their futility floor and spending function
    /// spelled out. Tables that do not convert stay as written (planning reports them).
    pub fn normalized(&self) -> StudySpec {
        let mut spec = self.clone();
        let params: Option<Vec<Param>> = self.params.iter().map(|p| p.to_param().ok()).collect();
        if let Some(params) = params {
            spec.params = params.iter().map(ParamSpec::from_param).collect();
            if let Some(designs) = self.designs.iter().map(|d| d.to_design(&params).ok()).collect::<Option<Vec<Design>>>() {
                spec.designs = designs.iter().map(DesignSpec::from_design).collect();
            }
        }
        if let Some(adaptive) = &mut spec.adaptive
            && adaptive.min.is_some()
        {
            adaptive.futility = Some(adaptive.futility.unwrap_or(crate::stats::DEFAULT_FUTILITY));
            adaptive.spending = Some(adaptive.spending.unwrap_or_default());
        }
        spec
    }

    /// The same study with its baseline moved to `config`: every parameter it names takes
    /// that value as its baseline (the others keep theirs).
    pub fn with_baseline(&self, config: &Config) -> Result<StudySpec> {
        let mut spec = self.clone();
        for (name, value) in config.iter() {
            let known = || spec.params.iter().map(|p| p.name.clone()).collect::<Vec<String>>();
            let Some(position) = spec.params.iter().position(|p| p.name == name) else {
                return Err(Error::UnknownParam { name: name.to_string(), context: "the new baseline".into(), known: known() });
            };
            let mut param = spec.params[position].to_param()?;
            param.set_baseline(value.clone())?;
            spec.params[position] = ParamSpec::from_param(&param);
        }
        Ok(spec)
    }

    /// The same study with only `designs` (and every config on all seeds): one step of an
    /// ablation path, one rung of a multi-fidelity run.
    pub fn with_designs(&self, designs: &[Design]) -> StudySpec {
        let mut spec = self.clone();
        spec.designs = designs.iter().map(DesignSpec::from_design).collect();
        spec.seeds_per_sample = None;
        spec
    }

    /// The study's command, or an error saying how to give one (or to pass a closure).
    pub(crate) fn require_command(&self) -> Result<&CommandSpec> {
        self.command.as_ref().filter(|c| !c.argv.is_empty()).ok_or_else(|| Error::Command {
            message: format!("study `{}` has no command: add .command([\"python3\", \"train.py\"]) or pass a closure to .run(...)", self.name),
        })
    }

    /// Reads a study file: TOML, or JSON when the name ends in `.json`. Errors name the
    /// file, the line and the key.
    pub fn from_file(path: &Path) -> Result<StudySpec> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::Io { context: format!("cannot read the study file {}", path.display()), source: e })?;
        let file = path.display().to_string();
        if path.extension().is_some_and(|e| e == "json") {
            StudySpec::from_json(&text).map_err(|e| Error::Spec { file, message: e.to_string() })
        } else {
            StudySpec::from_toml(&text).map_err(|e| Error::Spec { file, message: e.to_string() })
        }
    }

    /// Parses TOML.
    pub fn from_toml(text: &str) -> Result<StudySpec> {
        let spec: StudySpec = toml::from_str(text).map_err(|e| Error::Invalid { message: e.to_string().trim_end().to_string() })?;
        spec.check_tables(text)?;
        Ok(spec)
    }

    /// Parses JSON.
    pub fn from_json(text: &str) -> Result<StudySpec> {
        serde_json::from_str(text).map_err(|e| Error::Invalid { message: format!("invalid study spec: {e}") })
    }

    /// The spec as pretty JSON (what `spec.json` in a run directory holds).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// A hash of what the study is (everything but `[run]`, `[slurm]` and `[resources]`),
    /// 16 hex digits.
    pub fn hash(&self) -> String {
        let mut what = self.clone();
        what.run = RunSpec::default();
        what.slurm = None;
        what.resources = None;
        what.prune = None;
        let json = serde_json::to_vec(&what).unwrap_or_default();
        Sha256::digest(&json)[..8].iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Converts every `[[param]]` table, validating each, so an error names its table and
    /// (when the text is at hand) its line.
    fn check_tables(&self, text: &str) -> Result<()> {
        for (i, p) in self.params.iter().enumerate() {
            p.to_param().and_then(|param| param.validate()).map_err(|e| Error::Invalid {
                message: format!("[[param]] `{}` ({}): {e}", p.name, table_line(text, "[[param]]", i)),
            })?;
        }
        Ok(())
    }
}

/// "line 12" for the `index`-th occurrence of a table header, or "table N" without one.
fn table_line(text: &str, header: &str, index: usize) -> String {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.trim_start().starts_with(header))
        .nth(index)
        .map_or_else(|| format!("table {}", index + 1), |(n, _)| format!("line {}", n + 1))
}

impl ParamSpec {
    /// The [`Param`] this table describes.
    pub fn to_param(&self) -> Result<Param> {
        if let Some(problem) = &self.problem {
            return Err(Error::Invalid { message: problem.clone() });
        }
        let name = self.name.as_str();
        if self.fidelity || self.scale {
            // An axis: its levels are all it needs (the baseline is the top level unless given).
            let levels = match (self.kind, &self.levels) {
                (ParamKind::Int, Some(levels)) => levels.iter().map(|l| match self.value_of(l)? {
                    Value::Int(i) => Ok(i),
                    other => Err(Error::Invalid { message: format!("`{name}` has the level {other}: give whole numbers (epochs, steps, sizes)") }),
                }).collect::<Result<Vec<i64>>>()?,
                _ => return Err(Error::Invalid { message: format!("axis param `{name}` (fidelity or scale) must be an int with levels, e.g. type = \"int\", fidelity = true, levels = [3, 10, 30]") }),
            };
            let mut param = if self.fidelity { Param::fidelity(name, levels.iter().copied()) } else { Param::scale(name, levels.iter().copied()) };
            // A baseline other than the top level: a rung or a size of a run (or the user's).
            if let Some(baseline) = &self.baseline {
                match self.value_of(baseline)? {
                    Value::Int(level) if levels.contains(&level) => param.set_baseline(Value::Int(level))?,
                    other => return Err(Error::Invalid { message: format!("the baseline of `{name}` ({other}) must be one of its levels {levels:?}, or left out (the top level)") }),
                }
            }
            return Ok(param);
        }
        let need_baseline = || Error::Invalid { message: format!("param `{name}` needs a `baseline` value") };
        let mut param = match self.kind {
            ParamKind::Float => Param::float(name, 0.0).with_baseline(self.value_of(self.baseline.as_ref().ok_or_else(need_baseline)?)?),
            ParamKind::Int => Param::int(name, 0).with_baseline(self.value_of(self.baseline.as_ref().ok_or_else(need_baseline)?)?),
            ParamKind::Bool => Param::bool(name, false).with_baseline(self.value_of(self.baseline.as_ref().ok_or_else(need_baseline)?)?),
            ParamKind::Categorical => {
                let choices = self.choices.clone().ok_or_else(|| Error::Invalid { message: format!("categorical param `{name}` needs `choices = [...]`") })?;
                let baseline = match self.baseline.as_ref().ok_or_else(need_baseline)? {
                    PlainValue::Str(s) => s.clone(),
                    other => return Err(Error::Invalid { message: format!("the baseline of categorical param `{name}` must be a string, not {other:?}") }),
                };
                Param::categorical(name, choices, &baseline)
            }
            ParamKind::Component => match &self.baseline {
                None | Some(PlainValue::Bool(true)) => Param::component(name),
                Some(PlainValue::Bool(false)) => Param::component_removed(name),
                Some(other) => return Err(Error::Invalid { message: format!("the baseline of component `{name}` is true (enabled) or false (removed), not {other:?}") }),
            },
        };
        if self.log {
            param = param.log();
        }
        if let Some([low, high]) = self.bounds {
            param = param.bounds(low, high);
        }
        if let Some(levels) = &self.levels {
            param = param.levels(levels.iter().map(|l| self.value_of(l)).collect::<Result<Vec<Value>>>()?);
        }
        Ok(param)
    }

    fn value_of(&self, v: &PlainValue) -> Result<Value> {
        let wrong = |what: &str| Error::Invalid { message: format!("param `{}` is {what}, but got {v:?}", self.name) };
        Ok(match (self.kind, v) {
            (ParamKind::Float, PlainValue::Float(x)) => Value::Float(*x),
            (ParamKind::Float, PlainValue::Int(i)) => Value::Float(*i as f64),
            (ParamKind::Int, PlainValue::Int(i)) => Value::Int(*i),
            (ParamKind::Bool | ParamKind::Component, PlainValue::Bool(b)) => Value::Bool(*b),
            (ParamKind::Categorical, PlainValue::Str(s)) => Value::Str(s.clone()),
            (ParamKind::Float, _) => return Err(wrong("a float")),
            (ParamKind::Int, _) => return Err(wrong("an int")),
            (ParamKind::Bool | ParamKind::Component, _) => return Err(wrong("true/false")),
            (ParamKind::Categorical, _) => return Err(wrong("a string choice")),
        })
    }

    /// The table that describes `param`.
    pub fn from_param(param: &Param) -> ParamSpec {
        let (kind, log, bounds, choices) = match param.domain() {
            Domain::Float { low, high, spacing } => (ParamKind::Float, *spacing == Spacing::Log, low.zip(*high).map(|(l, h)| [l, h]), None),
            Domain::Int { low, high, spacing } => (ParamKind::Int, *spacing == Spacing::Log, low.zip(*high).map(|(l, h)| [l as f64, h as f64]), None),
            Domain::Categorical { choices } => (ParamKind::Categorical, false, None, Some(choices.clone())),
            Domain::Bool => (ParamKind::Bool, false, None, None),
            Domain::Component => (ParamKind::Component, false, None, None),
        };
        ParamSpec {
            name: param.name().to_string(),
            kind,
            baseline: Some(param.baseline().into()),
            levels: param.level_list().map(|l| l.iter().map(PlainValue::from).collect()),
            log,
            bounds,
            choices,
            fidelity: param.is_fidelity(),
            scale: param.is_scale(),
            problem: param.problem().map(str::to_string),
        }
    }
}

impl From<Direction> for Goal {
    fn from(direction: Direction) -> Goal {
        match direction {
            Direction::Maximize => Goal::Maximize,
            Direction::Minimize => Goal::Minimize,
        }
    }
}

impl MetricEntry {
    /// The direction.
    pub fn direction(&self) -> Direction {
        match self.goal {
            Goal::Maximize => Direction::Maximize,
            Goal::Minimize => Direction::Minimize,
        }
    }
}

impl DesignSpec {
    /// The [`Design`] this table describes (values typed by the params).
    pub fn to_design(&self, params: &[Param]) -> Result<Design> {
        Ok(match self {
            DesignSpec::Ofat { params } => Design::Ofat { params: params.clone() },
            DesignSpec::Grid { params } => Design::Grid { params: params.clone() },
            DesignSpec::LeaveOneOut { components } => Design::LeaveOneOut { components: components.clone() },
            DesignSpec::AddOneIn { components } => Design::AddOneIn { components: components.clone() },
            DesignSpec::Custom { label, set } => {
                let mut overrides = Vec::with_capacity(set.len());
                for (name, value) in set {
                    let param = crate::design::find_param(params, name, &format!("custom design `{label}`"))?;
                    let spec = ParamSpec::from_param(param);
                    overrides.push((name.clone(), spec.value_of(value)?));
                }
                Design::Custom { label: label.clone(), overrides }
            }
            DesignSpec::Random { n } => Design::Random { n: *n },
            DesignSpec::Sobol { n } => Design::Sobol { n: *n },
        })
    }

    /// The table that describes `design`.
    pub fn from_design(design: &Design) -> DesignSpec {
        match design {
            Design::Ofat { params } => DesignSpec::Ofat { params: params.clone() },
            Design::Grid { params } => DesignSpec::Grid { params: params.clone() },
            Design::LeaveOneOut { components } => DesignSpec::LeaveOneOut { components: components.clone() },
            Design::AddOneIn { components } => DesignSpec::AddOneIn { components: components.clone() },
            Design::Custom { label, overrides } => DesignSpec::Custom {
                label: label.clone(),
                set: overrides.iter().map(|(n, v)| (n.clone(), PlainValue::from(v))).collect(),
            },
            Design::Random { n } => DesignSpec::Random { n: *n },
            Design::Sobol { n } => DesignSpec::Sobol { n: *n },
        }
    }
}

/// The directory relative paths of a study file are taken from: the file's own folder.
pub fn base_dir_of(file: &Path) -> PathBuf {
    match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// A study's command, as written in a study file (`[command]`) or by
/// [`Study::command`](crate::Study::command).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommandSpec {
    /// The program and its arguments, with `{placeholders}`.
    pub argv: Vec<String>,
    /// The working directory of every trial (relative to the study file, or to the current
    /// directory for a study built in code). Default: that directory itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workdir: Option<PathBuf>,
    /// Extra environment variables.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,
    /// Per-trial time limit in seconds: the trial's process group is stopped and it fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_s: Option<f64>,
    /// Seconds a stopped trial (a timeout, Ctrl-C, cancellation) gets between SIGTERM and
    /// SIGKILL, to save a checkpoint (default 30; at most a day).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grace_s: Option<f64>,
    /// Files whose contents are fingerprinted with the command (relative to the working
    /// directory). Default: the script named in argv. `[]`: only the command template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<Vec<PathBuf>>,
}

/// Where and how a study's trials run on Slurm: the `#SBATCH` resources of each array task,
/// how many trials one task runs, and how a task reaches ablate on the node. Also the
/// `[slurm]` table of a study file. As a [`Backend`](crate::backend::Backend) it runs each
/// call of a scheduler as a job array (its builder and the batch script: `exec::slurm`).
///
/// ```no_run
/// use ablate::exec::Slurm;
/// let slurm = Slurm::new().partition("gpu").gpus(1).time("4:00:00").mem("16G").max_parallel(8);
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Slurm {
    /// `--partition`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition: Option<String>,
    /// `--account`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// `--qos`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qos: Option<String>,
    /// `--time`, the time limit of one array task (`"30"`, `"4:00:00"`, `"1-00:00:00"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    /// `--cpus-per-task`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpus_per_task: Option<u32>,
    /// `--mem` (`"16G"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mem: Option<String>,
    /// GPUs per task as `--gres=gpu:N`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gpus: Option<u32>,
    /// GPUs per task as `--gpus-per-task=N` (clusters configured for it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gpus_per_task: Option<u32>,
    /// `--constraint` (node features, `"a100"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub constraint: Option<String>,
    /// At most this many array tasks run at once (`--array=0-N%K`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_parallel: Option<u32>,
    /// Trials one array task runs, one after the other (default 1), so 10,000 short trials
    /// do not become 10,000 jobs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trials_per_task: Option<u32>,
    /// More `#SBATCH` options, one per entry (`"--mail-type=END"`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sbatch: Vec<String>,
    /// Shell lines the batch script runs before the worker (`"module load cuda/12"`,
    /// `"source ~/venv/bin/activate"`): your own shell code, written into the script as is.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub setup: Vec<String>,
    /// The `ablate` binary as the nodes see it (on the shared filesystem). Default: `ablate`
    /// found on PATH when submitting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ablate_bin: Option<PathBuf>,
    /// Submit with `--no-requeue` (default: `--requeue`, so a preempted or failed node's task
    /// goes back to the queue).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_requeue: bool,
    /// Seconds between scheduler polls while waiting (default 5; at most a day).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poll_s: Option<f64>,
}
