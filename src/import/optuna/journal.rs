//! Optuna's JournalStorage file (`JournalFileBackend`), replayed the way Optuna replays it
//! (`JournalStorageReplayResult.apply_logs` in `optuna/storages/journal/_storage.py`, and
//! `JournalFileBackend.read_logs` in `_file.py`, Optuna 5.1):
//!
//! - one JSON object per line, each with an `op_code` (0 create study, 1 delete study, 2/3
//!   study user/system attr, 4 create trial, 5 set trial param, 6 set trial state and values,
//!   7 intermediate value, 8/9 trial user/system attr, 10 discard trials, which Optuna skips);
//! - study ids count created studies; trial ids count trials over all studies, and a trial's
//!   number counts its study's trials;
//! - like any process other than the writer, it ignores operations on a missing study or
//!   trial, on a finished trial, a second study of one name, and a parameter set with a
//!   distribution incompatible with the one an earlier trial used (another class, another
//!   log setting, other choices): Optuna raised that error in the writing process, and the
//!   line stays in the file (counted here as skipped);
//! - a last line that is torn (no newline) or not JSON is skipped and counted; any other
//!   line that is not JSON is an error, as in Optuna.
//!
//! Python writes non-finite floats as the bare words `NaN`, `Infinity` and `-Infinity`.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde_json::{Map, Value as Json};

use super::{kind_param, metric_names, metrics, outcome, parse_datetime_us, timing, Kind, OptunaImport, TrialState};
use crate::error::{io_context, Error, Result};
use crate::import::{Observed, ObservedTrial};
use crate::space::{Config, Param, Value};
use crate::trial::{Direction, Metrics, StepReport};

/// A study attribute op: the study's id and the attribute object.
type StudyAttr = (i64, Map<String, Json>);

/// The study system attr holding metric names (`optuna/study/study.py`).
const METRIC_NAMES_ATTR: &str = "study:metric_names";

/// A parameter distribution, as `optuna.distributions.json_to_distribution` reads it.
#[derive(Debug, Clone, PartialEq)]
struct Distribution {
    /// The Python class name: compatibility needs the same class.
    class: String,
    shape: Shape,
}

#[derive(Debug, Clone, PartialEq)]
enum Shape {
    Float { low: f64, high: f64, log: bool },
    Int { low: i64, high: i64, log: bool },
    Categorical(Vec<Json>),
}

impl Distribution {
    /// Parses the JSON text Optuna stores (`{"name": "FloatDistribution", "attributes": {...}}`).
    fn parse(text: &str) -> std::result::Result<Distribution, String> {
        let json: Json = serde_json::from_str(text).map_err(|e| format!("the distribution {text:?} is not JSON ({e})"))?;
        let class = json.get("name").and_then(Json::as_str).ok_or_else(|| format!("the distribution {text:?} has no class name"))?;
        let attrs = json.get("attributes").and_then(Json::as_object).ok_or_else(|| format!("the distribution {text:?} has no attributes"))?;
        let num = |key: &str| attrs.get(key).and_then(Json::as_f64).ok_or_else(|| format!("the {class} {text:?} has no number `{key}`"));
        let int = |key: &str| num(key).and_then(|x| if x.fract() == 0.0 && x.abs() < 9.0e15 { Ok(x as i64) } else { Err(format!("the {class} {text:?} has a non-integer `{key}`")) });
        let log = attrs.get("log").and_then(Json::as_bool);
        let shape = match class {
            "FloatDistribution" => Shape::Float { low: num("low")?, high: num("high")?, log: log.unwrap_or(false) },
            "UniformDistribution" | "DiscreteUniformDistribution" => Shape::Float { low: num("low")?, high: num("high")?, log: false },
            "LogUniformDistribution" => Shape::Float { low: num("low")?, high: num("high")?, log: true },
            "IntDistribution" => Shape::Int { low: int("low")?, high: int("high")?, log: log.unwrap_or(false) },
            "IntUniformDistribution" => Shape::Int { low: int("low")?, high: int("high")?, log: false },
            "IntLogUniformDistribution" => Shape::Int { low: int("low")?, high: int("high")?, log: true },
            "CategoricalDistribution" => Shape::Categorical(
                attrs.get("choices").and_then(Json::as_array).cloned().ok_or_else(|| format!("the {class} {text:?} has no choices"))?,
            ),
            other => return Err(format!("the distribution class `{other}` is not one Optuna 5 writes")),
        };
        Ok(Distribution { class: class.to_string(), shape })
    }

    /// `optuna.distributions.check_distribution_compatibility`, as a yes/no.
    fn compatible(&self, newer: &Distribution) -> bool {
        self.class == newer.class
            && match (&self.shape, &newer.shape) {
                (Shape::Float { log: a, .. }, Shape::Float { log: b, .. }) | (Shape::Int { log: a, .. }, Shape::Int { log: b, .. }) => a == b,
                (Shape::Categorical(a), Shape::Categorical(b)) => a == b,
                _ => false,
            }
    }

    /// How a value of this distribution is typed in ablate.
    fn kind(&self) -> Kind {
        match &self.shape {
            Shape::Float { .. } => Kind::Float,
            Shape::Int { .. } => Kind::Int,
            Shape::Categorical(choices) if choices.iter().all(Json::is_boolean) => Kind::Bool,
            Shape::Categorical(choices) if choices.iter().all(|c| c.is_i64() || c.is_u64()) => Kind::Int,
            Shape::Categorical(choices) if choices.iter().all(|c| number(c).is_some()) => Kind::Float,
            Shape::Categorical(_) => Kind::Str,
        }
    }

    /// The external value of an internal one (`to_external_repr`), typed as `kind()`.
    fn value(&self, internal: f64) -> std::result::Result<Value, String> {
        Ok(match &self.shape {
            Shape::Float { .. } => Value::Float(internal),
            Shape::Int { .. } if internal.is_finite() => Value::Int(internal.trunc() as i64),
            Shape::Int { .. } => return Err(format!("the int value {internal} is not finite")),
            Shape::Categorical(choices) => {
                let choice = (internal >= 0.0).then(|| choices.get(internal as usize)).flatten().ok_or_else(|| format!("the choice index {internal} is not one of the {} choices", choices.len()))?;
                match (self.kind(), choice) {
                    (Kind::Bool, Json::Bool(b)) => Value::Bool(*b),
                    (Kind::Int, c) if c.as_i64().is_some() => Value::Int(c.as_i64().unwrap_or_default()),
                    (Kind::Float | Kind::Int, c) => Value::Float(number(c).unwrap_or(f64::NAN)),
                    (_, c) => Value::Str(python_text(c)),
                }
            }
        })
    }
}

/// A number, including Python's non-finite words (see [`parse_line`]).
fn number(json: &Json) -> Option<f64> {
    match json {
        Json::Number(n) => n.as_f64(),
        Json::String(s) => NON_FINITE.iter().find(|(tag, _)| tag == s).map(|(_, x)| *x),
        _ => None,
    }
}

/// A categorical choice as Python prints it (`None`, `True`, `0.5`, `adam`).
fn python_text(json: &Json) -> String {
    match json {
        Json::Null => "None".into(),
        Json::Bool(true) => "True".into(),
        Json::Bool(false) => "False".into(),
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

struct JournalStudy {
    name: String,
    directions: Vec<i64>,
    system_attrs: Map<String, Json>,
    /// Global trial ids, in trial-number order.
    trials: Vec<usize>,
}

struct JournalTrial {
    study: i64,
    number: u64,
    state: TrialState,
    params: BTreeMap<String, (f64, Distribution)>,
    values: Option<Vec<f64>>,
    intermediate: BTreeMap<i64, f64>,
    user_attrs: Map<String, Json>,
    system_attrs: Map<String, Json>,
    start_us: Option<i64>,
    complete_us: Option<i64>,
}

/// The state of the journal after the lines read so far.
#[derive(Default)]
struct Replay {
    studies: BTreeMap<i64, JournalStudy>,
    next_study_id: i64,
    trials: Vec<JournalTrial>,
    /// Lines Optuna ignores for a reason worth counting (incompatible distributions).
    ignored: usize,
}

type Log = Map<String, Json>;
type Step = std::result::Result<(), String>;

fn field<'a>(log: &'a Log, key: &str) -> std::result::Result<&'a Json, String> {
    log.get(key).ok_or_else(|| format!("it has no `{key}`"))
}

fn int(log: &Log, key: &str) -> std::result::Result<i64, String> {
    field(log, key)?.as_i64().ok_or_else(|| format!("its `{key}` is not an integer"))
}

fn float(json: &Json, what: &str) -> std::result::Result<f64, String> {
    number(json).ok_or_else(|| format!("its {what} is not a number"))
}

fn floats(json: &Json, what: &str) -> std::result::Result<Option<Vec<f64>>, String> {
    match json {
        Json::Null => Ok(None),
        Json::Array(items) => items.iter().map(|v| float(v, what)).collect::<std::result::Result<_, _>>().map(Some),
        _ => Err(format!("its {what} is not a list")),
    }
}

fn datetime(json: Option<&Json>, key: &str) -> std::result::Result<Option<i64>, String> {
    match json {
        None | Some(Json::Null) => Ok(None),
        Some(Json::String(s)) => parse_datetime_us(s).map(Some).ok_or_else(|| format!("its `{key}` {s:?} is not an ISO date and time")),
        Some(_) => Err(format!("its `{key}` is not a string")),
    }
}

fn object(json: Option<&Json>, key: &str) -> std::result::Result<Map<String, Json>, String> {
    match json {
        None => Ok(Map::new()),
        Some(Json::Object(m)) => Ok(m.clone()),
        Some(_) => Err(format!("its `{key}` is not an object")),
    }
}

fn state(json: Option<&Json>) -> std::result::Result<TrialState, String> {
    let code = json.map_or(Some(0), Json::as_i64).ok_or("its `state` is not an integer")?;
    TrialState::from_code(code).ok_or_else(|| format!("its state {code} is not an Optuna TrialState (0-4)"))
}

impl Replay {
    fn apply(&mut self, log: &Log, op: i64) -> Step {
        match op {
            0 => self.create_study(log),
            1 => {
                self.studies.remove(&int(log, "study_id")?);
                Ok(())
            }
            2 => self.study_attr(log, "user_attr").map(|_| ()),
            3 => {
                if let Some((id, attr)) = self.study_attr(log, "system_attr")?
                    && let Some(study) = self.studies.get_mut(&id)
                {
                    study.system_attrs.extend(attr);
                }
                Ok(())
            }
            4 => self.create_trial(log),
            5 => self.set_param(log),
            6 => self.set_state(log),
            7 => {
                let step = int(log, "step")?;
                let value = float(field(log, "intermediate_value")?, "intermediate value")?;
                if let Some(trial) = self.updatable(log)? {
                    trial.intermediate.insert(step, value);
                }
                Ok(())
            }
            8 | 9 => {
                let key = if op == 8 { "user_attr" } else { "system_attr" };
                let attr = object(Some(field(log, key)?), key)?;
                if let Some(trial) = self.updatable(log)? {
                    if op == 8 { &mut trial.user_attrs } else { &mut trial.system_attrs }.extend(attr);
                }
                Ok(())
            }
            10 => Ok(()),
            other => Err(format!("its op_code {other} is not one Optuna 5 writes (0-10): the journal was written by a newer Optuna than ablate reads; import its trials_dataframe() CSV instead")),
        }
    }

    fn create_study(&mut self, log: &Log) -> Step {
        let name = field(log, "study_name")?.as_str().ok_or("its `study_name` is not a string")?.to_string();
        let directions = field(log, "directions")?.as_array().and_then(|d| d.iter().map(Json::as_i64).collect::<Option<Vec<_>>>()).ok_or("its `directions` is not a list of integers")?;
        if self.studies.values().all(|s| s.name != name) {
            self.studies.insert(self.next_study_id, JournalStudy { name, directions, system_attrs: Map::new(), trials: Vec::new() });
            self.next_study_id += 1;
        }
        Ok(())
    }

    fn study_attr(&self, log: &Log, key: &str) -> std::result::Result<Option<StudyAttr>, String> {
        let id = int(log, "study_id")?;
        let attr = object(Some(field(log, key)?), key)?;
        Ok(self.studies.contains_key(&id).then_some((id, attr)))
    }

    fn create_trial(&mut self, log: &Log) -> Step {
        let study_id = int(log, "study_id")?;
        let Some(study) = self.studies.get_mut(&study_id) else { return Ok(()) };
        let mut distributions = HashMap::new();
        for (name, text) in object(log.get("distributions"), "distributions")? {
            let text = text.as_str().ok_or_else(|| format!("the distribution of `{name}` is not a JSON string"))?;
            distributions.insert(name, Distribution::parse(text)?);
        }
        let mut params = BTreeMap::new();
        for (name, internal) in object(log.get("params"), "params")? {
            let dist = distributions.get(&name).ok_or_else(|| format!("its param `{name}` has no distribution"))?;
            params.insert(name.clone(), (float(&internal, &format!("param `{name}`"))?, dist.clone()));
        }
        // FrozenTrial(value=..., values=...): a template trial has one or the other.
        let values = match (log.get("values"), log.get("value")) {
            (Some(v), _) if !v.is_null() => floats(v, "values")?,
            (_, Some(v)) if !v.is_null() => Some(vec![float(v, "value")?]),
            _ => None,
        };
        let mut intermediate = BTreeMap::new();
        for (step, v) in object(log.get("intermediate_values"), "intermediate_values")? {
            let step: i64 = step.parse().map_err(|_| format!("its intermediate step {step:?} is not an integer"))?;
            intermediate.insert(step, float(&v, "intermediate value")?);
        }
        study.trials.push(self.trials.len());
        self.trials.push(JournalTrial {
            study: study_id,
            number: study.trials.len() as u64 - 1,
            state: state(log.get("state"))?,
            params,
            values,
            intermediate,
            user_attrs: object(log.get("user_attrs"), "user_attrs")?,
            system_attrs: object(log.get("system_attrs"), "system_attrs")?,
            start_us: datetime(Some(field(log, "datetime_start")?), "datetime_start")?,
            complete_us: datetime(log.get("datetime_complete"), "datetime_complete")?,
        });
        Ok(())
    }

    /// The trial a trial operation names, when it exists and has not finished.
    fn updatable(&mut self, log: &Log) -> std::result::Result<Option<&mut JournalTrial>, String> {
        let id = int(log, "trial_id")?;
        let trial = usize::try_from(id).ok().and_then(|id| self.trials.get_mut(id));
        Ok(trial.filter(|t| !t.state.is_finished()))
    }

    fn set_param(&mut self, log: &Log) -> Step {
        let name = field(log, "param_name")?.as_str().ok_or("its `param_name` is not a string")?.to_string();
        let internal = float(field(log, "param_value_internal")?, "param value")?;
        let dist = Distribution::parse(field(log, "distribution")?.as_str().ok_or("its `distribution` is not a JSON string")?)?;
        let Some(study) = self.updatable(log)?.map(|t| t.study) else { return Ok(()) };
        // Against the first trial of the same study that has this param, as Optuna checks.
        let earlier = self.studies.get(&study).and_then(|s| s.trials.iter().find_map(|&t| self.trials[t].params.get(&name)));
        if earlier.is_some_and(|(_, old)| !old.compatible(&dist)) {
            self.ignored += 1;
            return Ok(());
        }
        if let Some(trial) = self.updatable(log)? {
            trial.params.insert(name, (internal, dist));
        }
        Ok(())
    }

    fn set_state(&mut self, log: &Log) -> Step {
        let new = state(Some(field(log, "state")?))?;
        let values = floats(field(log, "values")?, "values")?;
        let Some(trial) = self.updatable(log)? else { return Ok(()) };
        if new == TrialState::Running && trial.state == TrialState::Running {
            return Ok(());
        }
        if new == TrialState::Running {
            trial.start_us = datetime(Some(field(log, "datetime_start")?), "datetime_start")?;
        }
        if new.is_finished() {
            trial.complete_us = datetime(Some(field(log, "datetime_complete")?), "datetime_complete")?;
        }
        trial.state = new;
        if values.is_some() {
            trial.values = values;
        }
        Ok(())
    }
}

/// The words Python's `json` writes for non-finite floats, and the tagged strings
/// [`parse_line`] turns them into (a NUL never appears in Optuna's own strings).
const NON_FINITE: [(&str, f64); 3] = [("\u{0}NaN", f64::NAN), ("\u{0}-Infinity", f64::NEG_INFINITY), ("\u{0}Infinity", f64::INFINITY)];

/// Parses one line as Python's `json.loads` does, with `NaN`, `Infinity` and `-Infinity`
/// outside strings read as tagged strings that [`number`] understands.
fn parse_line(line: &[u8]) -> std::result::Result<Json, String> {
    let text = std::str::from_utf8(line).map_err(|_| "it is not UTF-8 text".to_string())?;
    let rewritten;
    let text = if text.contains("NaN") || text.contains("Infinity") {
        let mut out = String::with_capacity(text.len() + 16);
        let (mut in_string, mut escaped) = (false, false);
        let mut rest = text;
        while let Some(c) = rest.chars().next() {
            if !in_string
                && let Some(word) = ["NaN", "-Infinity", "Infinity"].into_iter().find(|w| rest.starts_with(w))
            {
                out.push_str(&format!("\"\\u0000{word}\""));
                rest = &rest[word.len()..];
                continue;
            }
            match c {
                '"' if !escaped => in_string = !in_string,
                _ => {}
            }
            escaped = in_string && c == '\\' && !escaped;
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
        rewritten = out;
        rewritten.as_str()
    } else {
        text
    };
    serde_json::from_str(text).map_err(|e| e.to_string())
}

/// Reads the journal at `path` and returns the chosen study.
pub(super) fn read(path: &Path, options: &OptunaImport) -> Result<Observed> {
    let file = path.display().to_string();
    let error = |message: String| Error::Import { file: file.clone(), message };
    let bytes = std::fs::read(path).map_err(io_context(format!("cannot read the Optuna journal {file}")))?;
    let mut replay = Replay::default();
    // An unreadable line is fatal once another line follows it (Optuna's read_logs).
    let mut unreadable: Option<String> = None;
    for (index, line) in bytes.split_inclusive(|&b| b == b'\n').enumerate() {
        let n = index + 1;
        if let Some(why) = unreadable.take() {
            return Err(error(format!(
                "{why}: this is not an Optuna JournalStorage file (JournalFileBackend), or it is corrupt (an RDB storage such as sqlite is not a journal: export the study with study.trials_dataframe().to_csv(...) and import the CSV)"
            )));
        }
        if !line.ends_with(b"\n") {
            unreadable = Some(format!("line {n} is torn (it has no newline)"));
            continue;
        }
        let log = match parse_line(line) {
            Ok(Json::Object(log)) => log,
            Ok(_) => return Err(error(format!("line {n} is not a JSON object: this is not an Optuna journal"))),
            Err(why) => {
                unreadable = Some(format!("line {n} is not JSON ({why})"));
                continue;
            }
        };
        let op = log.get("op_code").and_then(Json::as_i64).ok_or_else(|| error(format!("line {n} has no integer `op_code`: this is not an Optuna journal")))?;
        replay.apply(&log, op).map_err(|why| error(format!("line {n} (op_code {op}): {why}; the journal is corrupt or not Optuna's")))?;
    }
    let skipped = replay.ignored + usize::from(unreadable.is_some());
    let names: Vec<&str> = replay.studies.values().map(|s| s.name.as_str()).collect();
    let listed = names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ");
    let study = match &options.study {
        Some(wanted) => replay.studies.values().find(|s| &s.name == wanted).ok_or_else(|| {
            error(if names.is_empty() { format!("it holds no study, so none named `{wanted}`") } else { format!("it holds no study named `{wanted}`; its studies are {listed}") })
        })?,
        None => match names.len() {
            1 => replay.studies.values().next().ok_or_else(|| error("it holds no study".into()))?,
            0 => return Err(error(format!("it holds no study{}", if skipped > 0 { " (its only line was unreadable)" } else { "" }))),
            _ => return Err(error(format!("it holds {} studies ({listed}): choose one with OptunaImport::journal(path).study(\"name\")", names.len()))),
        },
    };
    observe(&file, study, &replay.trials, skipped, options)
}

/// The study as ablate's import sees it.
fn observe(file: &str, study: &JournalStudy, trials: &[JournalTrial], skipped: usize, options: &OptunaImport) -> Result<Observed> {
    let error = |message: String| Error::Import { file: file.to_string(), message };
    let names = study.system_attrs.get(METRIC_NAMES_ATTR).and_then(Json::as_array).and_then(|a| a.iter().map(|n| n.as_str().map(String::from)).collect());
    let own: Option<Vec<Direction>> = study
        .directions
        .iter()
        .map(|d| match d {
            1 => Some(Direction::Minimize),
            2 => Some(Direction::Maximize),
            _ => None,
        })
        .collect();
    let metrics = metrics(file, metric_names(names, study.directions.len()), own, &options.directions)?;
    let trials: Vec<&JournalTrial> = study.trials.iter().map(|&t| &trials[t]).collect();

    // One parameter per name; its distributions share a class (Optuna's check), so the
    // first gives the type and the bounds cover them all.
    let mut dists: BTreeMap<&str, Vec<&Distribution>> = BTreeMap::new();
    for (name, (_, dist)) in trials.iter().flat_map(|t| &t.params) {
        dists.entry(name).or_default().push(dist);
    }
    let mut params = Vec::with_capacity(dists.len());
    for (name, list) in dists {
        params.push(param(name, &list).map_err(error)?);
    }

    let mut observed = Vec::with_capacity(trials.len());
    for t in trials {
        let mut config = Config::new();
        for (name, (internal, dist)) in &t.params {
            config.set(name, dist.value(*internal).map_err(|why| error(format!("trial {}, param `{name}`: {why}", t.number)))?);
        }
        let fail_reason = t.system_attrs.get("fail_reason").and_then(Json::as_str).map(String::from);
        let outcome = outcome(file, t.number, t.state, t.values.as_deref(), &metrics, fail_reason)?;
        let seed = match &options.seed_attr {
            Some(attr) => t.user_attrs.get(attr).map(|v| seed(v).ok_or_else(|| error(format!("trial {} has the user attr `{attr}` = {v}, which is not a seed (a non-negative integer): fix it, or import with .seeds_by_order()", t.number)))).transpose()?,
            None => None,
        };
        let (started_at_ms, duration_s) = timing(t.start_us, t.complete_us);
        let reports = t
            .intermediate
            .iter()
            .filter(|(_, v)| v.is_finite())
            .map(|(&step, &v)| StepReport { step, values: Metrics::new().with(&metrics[0].name, v) })
            .collect();
        observed.push(ObservedTrial { number: t.number, config, outcome, seed, started_at_ms, duration_s, reports });
    }
    Ok(Observed { file: file.to_string(), name: study.name.clone(), params, metrics, trials: observed, skipped_lines: skipped, seed_source: options.seed_source() })
}

/// A seed from a JSON user attr: a non-negative integer (also written as `3.0`).
fn seed(json: &Json) -> Option<u64> {
    json.as_u64().or_else(|| json.as_f64().filter(|x| *x >= 0.0 && x.fract() == 0.0 && *x < 1.8e19).map(|x| x as u64))
}

/// The ablate parameter for a name's distributions.
fn param(name: &str, dists: &[&Distribution]) -> std::result::Result<Param, String> {
    let first = dists[0];
    if let Some(other) = dists.iter().find(|d| !first.compatible(d)) {
        return Err(format!(
            "the param `{name}` has two incompatible distributions ({} and {}), which Optuna does not allow in one study: the journal is corrupt",
            first.class, other.class
        ));
    }
    let range = |lows: Vec<f64>, highs: Vec<f64>| (lows.into_iter().fold(f64::INFINITY, f64::min), highs.into_iter().fold(f64::NEG_INFINITY, f64::max));
    Ok(match &first.shape {
        Shape::Float { log, .. } | Shape::Int { log, .. } => {
            let (lows, highs) = dists
                .iter()
                .map(|d| match d.shape {
                    Shape::Float { low, high, .. } => (low, high),
                    Shape::Int { low, high, .. } => (low as f64, high as f64),
                    Shape::Categorical(_) => (f64::NAN, f64::NAN),
                })
                .unzip();
            let (low, high) = range(lows, highs);
            let p = kind_param(name, first.kind(), &[]).bounds(low, high);
            if *log { p.log() } else { p }
        }
        Shape::Categorical(choices) => {
            let texts: Vec<String> = choices.iter().map(python_text).collect();
            let p = kind_param(name, first.kind(), &texts);
            match first.kind() {
                Kind::Int | Kind::Float => {
                    let numbers: Vec<f64> = choices.iter().filter_map(number).collect();
                    let (low, high) = range(numbers.clone(), numbers);
                    p.bounds(low, high)
                }
                Kind::Bool | Kind::Str => p,
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::{number, parse_line, Distribution, Kind};
    use crate::space::Value;

    #[test]
    fn reads_python_non_finite_words_outside_strings_only() {
        let json = parse_line(br#"{"a":[NaN,-Infinity,Infinity,1.5],"s":"NaN \"Infinity\"","t":"\\"}"#).unwrap();
        let a: Vec<f64> = json["a"].as_array().unwrap().iter().map(|v| number(v).unwrap()).collect();
        assert!(a[0].is_nan() && a[1] == f64::NEG_INFINITY && a[2] == f64::INFINITY && a[3] == 1.5);
        assert_eq!(json["s"], "NaN \"Infinity\"");
        assert_eq!(json["t"], "\\");
        assert!(parse_line(b"{\"a\":NaNa}").is_err());
        assert!(parse_line(b"\xff").unwrap_err().contains("UTF-8"));
    }

    #[test]
    fn distributions_as_optuna_writes_them() {
        let d = |text: &str| Distribution::parse(text).unwrap();
        let float = d(r#"{"name": "FloatDistribution", "attributes": {"step": null, "low": 1e-05, "high": 0.1, "log": true}}"#);
        assert_eq!((float.kind(), float.value(0.01).unwrap()), (Kind::Float, Value::Float(0.01)));
        let legacy = d(r#"{"name": "IntLogUniformDistribution", "attributes": {"low": 1, "high": 64, "step": 1}}"#);
        assert_eq!(legacy.value(8.0).unwrap(), Value::Int(8));
        assert!(!legacy.compatible(&d(r#"{"name": "IntDistribution", "attributes": {"log": true, "step": 1, "low": 1, "high": 64}}"#)));
        let mixed = d(r#"{"name": "CategoricalDistribution", "attributes": {"choices": [null, true, 2, 0.5, "x"]}}"#);
        let values: Vec<Value> = (0..5).map(|i| mixed.value(i as f64).unwrap()).collect();
        assert_eq!(values, ["None", "True", "2", "0.5", "x"].map(|s| Value::Str(s.into())));
        let numbers = d(r#"{"name": "CategoricalDistribution", "attributes": {"choices": [1, 0.5]}}"#);
        assert_eq!((numbers.kind(), numbers.value(0.0).unwrap()), (Kind::Float, Value::Float(1.0)));
        assert!(Distribution::parse(r#"{"name": "Mystery", "attributes": {}}"#).unwrap_err().contains("`Mystery`"));
        assert!(numbers.value(-1.0).is_err() && numbers.value(2.0).is_err());
    }
}
