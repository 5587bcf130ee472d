//! TensorBoard export: event files that TensorBoard's HParams tab reads.
//!
//! ```text
//! DIR/events.out.tfevents.<start>.<host>            the experiment: hparam and metric infos
//! DIR/<config>-<label>-r<replicate>/events.out...   one session per trial: its hparams and
//!                                                   group (the config label, so the seeds
//!                                                   of a config form one group), its metrics
//!                                                   as scalars, learning curves as
//!                                                   `curve/<name>` scalars, its status
//! ```
//!
//! An event file is a sequence of TFRecords (little-endian u64 length, masked CRC-32C of the
//! length, the data, masked CRC-32C of the data), each an `Event` protobuf. Field numbers
//! are those of TensorBoard's `tensorboard/compat/proto/{event,summary,tensor,
//! tensor_shape}.proto`, `tensorboard/plugins/hparams/{api,plugin_data}.proto` and
//! `google/protobuf/struct.proto`. Metrics are written as the scalars plugin's rank-0
//! `DT_FLOAT` tensors (what `tf.summary.scalar` writes, and the one scalar type TensorBoard's
//! fast Rust loader accepts), so TensorBoard shows them in float32 precision; hparam values
//! keep full double precision.

use std::collections::HashSet;
use std::path::Path;

use super::export_dir::{direction_text, file_name, study_description, write_tree, Exported, Format, Tree};
use super::files::file_safe_host;
use super::proto::Message;
use super::{Status, TrialRecord};
use crate::error::{Error, Result};
use crate::plan::Plan;
use crate::space::{Domain, Param, Value};

/// `tensorboard.Event` (event.proto).
mod event {
    pub const WALL_TIME: u32 = 1;
    pub const STEP: u32 = 2;
    pub const FILE_VERSION: u32 = 3;
    pub const SUMMARY: u32 = 5;
}

/// `tensorboard.Summary`, `Summary.Value`, `SummaryMetadata` (summary.proto).
mod summary {
    pub const VALUE: u32 = 1;
    pub const VALUE_TAG: u32 = 1;
    pub const VALUE_TENSOR: u32 = 8;
    pub const VALUE_METADATA: u32 = 9;
    pub const METADATA_PLUGIN_DATA: u32 = 1;
    pub const METADATA_DESCRIPTION: u32 = 3;
    pub const METADATA_DATA_CLASS: u32 = 4;
    pub const PLUGIN_NAME: u32 = 1;
    pub const PLUGIN_CONTENT: u32 = 2;
    pub const DATA_CLASS_SCALAR: i64 = 1;
    pub const DATA_CLASS_TENSOR: i64 = 2;
}

/// `tensorboard.TensorProto` (tensor.proto), `TensorShapeProto` (tensor_shape.proto),
/// `DataType` (types.proto).
mod tensor {
    pub const DTYPE: u32 = 1;
    pub const SHAPE: u32 = 2;
    pub const FLOAT_VAL: u32 = 5;
    pub const SHAPE_DIM: u32 = 2;
    pub const DIM_SIZE: u32 = 1;
    pub const DT_FLOAT: i64 = 1;
}

/// `tensorboard.hparams` messages (api.proto, plugin_data.proto).
mod hp {
    pub const PLUGIN_NAME: &str = "hparams";
    pub const EXPERIMENT_TAG: &str = "_hparams_/experiment";
    pub const SESSION_START_INFO_TAG: &str = "_hparams_/session_start_info";
    pub const SESSION_END_INFO_TAG: &str = "_hparams_/session_end_info";
    // HParamsPluginData
    pub const VERSION: u32 = 1;
    pub const EXPERIMENT: u32 = 2;
    pub const SESSION_START_INFO: u32 = 3;
    pub const SESSION_END_INFO: u32 = 4;
    // Experiment
    pub const EXPERIMENT_DESCRIPTION: u32 = 1;
    pub const EXPERIMENT_TIME_CREATED_SECS: u32 = 3;
    pub const EXPERIMENT_HPARAM_INFOS: u32 = 4;
    pub const EXPERIMENT_METRIC_INFOS: u32 = 5;
    pub const EXPERIMENT_NAME: u32 = 6;
    // HParamInfo
    pub const HPARAM_NAME: u32 = 1;
    pub const HPARAM_DESCRIPTION: u32 = 3;
    pub const HPARAM_TYPE: u32 = 4;
    pub const HPARAM_DOMAIN_DISCRETE: u32 = 5;
    pub const HPARAM_DOMAIN_INTERVAL: u32 = 6;
    pub const DATA_TYPE_STRING: i64 = 1;
    pub const DATA_TYPE_BOOL: i64 = 2;
    pub const DATA_TYPE_FLOAT64: i64 = 3;
    // Interval
    pub const INTERVAL_MIN: u32 = 1;
    pub const INTERVAL_MAX: u32 = 2;
    // MetricInfo, MetricName
    pub const METRIC_NAME: u32 = 1;
    pub const METRIC_DISPLAY_NAME: u32 = 3;
    pub const METRIC_DESCRIPTION: u32 = 4;
    pub const METRIC_NAME_TAG: u32 = 2;
    // SessionStartInfo
    pub const START_HPARAMS: u32 = 1;
    pub const START_GROUP_NAME: u32 = 4;
    pub const START_TIME_SECS: u32 = 5;
    // SessionEndInfo, Status
    pub const END_STATUS: u32 = 1;
    pub const END_TIME_SECS: u32 = 2;
    /// A pruned trial: neither a success nor a failure.
    pub const STATUS_UNKNOWN: i64 = 0;
    pub const STATUS_SUCCESS: i64 = 1;
    pub const STATUS_FAILURE: i64 = 2;
}

/// `google.protobuf.Value`, `ListValue`, and map entries (struct.proto).
mod pb {
    pub const NUMBER_VALUE: u32 = 2;
    pub const STRING_VALUE: u32 = 3;
    pub const BOOL_VALUE: u32 = 4;
    pub const LIST_VALUES: u32 = 1;
    pub const MAP_KEY: u32 = 1;
    pub const MAP_VALUE: u32 = 2;
}

/// The tag prefix of learning-curve points.
pub(crate) const CURVE_PREFIX: &str = "curve/";

/// Writes the TensorBoard export of `records` (trials of `plan`) into `dir`.
pub(crate) fn export(plan: &Plan, records: &[TrialRecord], dir: &Path) -> Result<Exported> {
    let mut host = file_safe_host();
    if host.is_empty() {
        host = "localhost".into();
    }
    let tree = build(plan, records, &host)?;
    write_tree(dir, Format::TensorBoard, plan.name(), &tree, records.len())
}

/// The export as a directory tree (nothing written yet).
fn build(plan: &Plan, records: &[TrialRecord], host: &str) -> Result<Tree> {
    let mut tree = Tree::default();
    let start_ms = records.iter().map(|r| r.started_at_ms).min().unwrap_or(0);
    let events = [file_version(secs(start_ms)), summary_event(secs(start_ms), 0, &plugin_value(hp::EXPERIMENT_TAG, hp::EXPERIMENT, &experiment(plan, start_ms)))];
    tree.file(&[&event_file_name(start_ms, host)], event_file(&events));

    let labels = group_names(plan);
    let config_width = digits(plan.configs().len().saturating_sub(1));
    let replicate_width = digits(plan.seeds().len().saturating_sub(1));
    for record in records {
        let config = plan
            .trial_index(&record.id)
            .map(|i| plan.trials()[i].config_index())
            .ok_or_else(|| Error::Invalid { message: format!("internal: trial {} does not belong to the plan", record.id) })?;
        let session = format!(
            "{config:0config_width$}-{}-r{:0replicate_width$}",
            file_name(&labels[config], 80),
            record.replicate
        );
        tree.file(&[&session, &event_file_name(record.started_at_ms, host)], event_file(&session_events(plan, record, &labels[config])));
    }
    Ok(tree)
}

/// The events of one trial's session.
fn session_events(plan: &Plan, record: &TrialRecord, group: &str) -> Vec<Message> {
    let (start, end) = (secs(record.started_at_ms), secs(record.ended_at_ms()));
    // The hparams map: one entry message per parameter, as a repeated field.
    let mut start_info = Message::new();
    for param in plan.params() {
        if let Some(value) = record.config.get(param.name()) {
            let entry = Message::new().string(pb::MAP_KEY, param.name()).message(pb::MAP_VALUE, &pb_value(value));
            start_info = start_info.message(hp::START_HPARAMS, &entry);
        }
    }
    let start_info = start_info.string(hp::START_GROUP_NAME, group).double(hp::START_TIME_SECS, start);
    let mut events = vec![file_version(start), summary_event(start, 0, &plugin_value(hp::SESSION_START_INFO_TAG, hp::SESSION_START_INFO, &start_info))];
    for report in &record.reports {
        for (name, value) in report.values.iter() {
            let point = scalar_value(&format!("{CURVE_PREFIX}{name}"), value, "learning curve reported by the trial");
            events.push(summary_event(end, report.step, &point));
        }
    }
    let final_step = record.reports.iter().map(|r| r.step).max().unwrap_or(0);
    for metric in plan.metrics() {
        if let Some(value) = record.metrics.get(&metric.name) {
            events.push(summary_event(end, final_step, &scalar_value(&metric.name, value, direction_text(metric.direction))));
        }
    }
    let status = match record.status {
        Status::Ok => hp::STATUS_SUCCESS,
        Status::Failed => hp::STATUS_FAILURE,
        Status::Pruned => hp::STATUS_UNKNOWN,
    };
    let end_info = Message::new().int(hp::END_STATUS, status).double(hp::END_TIME_SECS, end);
    events.push(summary_event(end, final_step, &plugin_value(hp::SESSION_END_INFO_TAG, hp::SESSION_END_INFO, &end_info)));
    events
}

/// The `Experiment`: one hparam info per parameter, one metric info per declared metric.
fn experiment(plan: &Plan, start_ms: i64) -> Message {
    let description = study_description(plan);
    let mut m = Message::new()
        .string(hp::EXPERIMENT_NAME, plan.name())
        .string(hp::EXPERIMENT_DESCRIPTION, &description)
        .double(hp::EXPERIMENT_TIME_CREATED_SECS, secs(start_ms));
    for param in plan.params() {
        m = m.message(hp::EXPERIMENT_HPARAM_INFOS, &hparam_info(plan, param));
    }
    for metric in plan.metrics() {
        let info = Message::new()
            .message(hp::METRIC_NAME, &Message::new().string(hp::METRIC_NAME_TAG, &metric.name))
            .string(hp::METRIC_DISPLAY_NAME, &metric.name)
            .string(hp::METRIC_DESCRIPTION, direction_text(metric.direction));
        m = m.message(hp::EXPERIMENT_METRIC_INFOS, &info);
    }
    m
}

/// A parameter's `HParamInfo`: categorical, bool and component parameters, and numeric ones
/// with levels, get a discrete domain (the values the plan uses, for numbers); other numeric
/// parameters an interval (their bounds, else the range the plan uses).
fn hparam_info(plan: &Plan, param: &Param) -> Message {
    let description = format!("{}; baseline {}", param.domain(), param.format_value(param.baseline()));
    let m = Message::new().string(hp::HPARAM_NAME, param.name()).string(hp::HPARAM_DESCRIPTION, &description);
    let discrete = |m: Message, kind: i64, values: &[Value]| {
        let list = values.iter().fold(Message::new(), |list, v| list.message(pb::LIST_VALUES, &pb_value(v)));
        m.int(hp::HPARAM_TYPE, kind).message(hp::HPARAM_DOMAIN_DISCRETE, &list)
    };
    let mut used: Vec<f64> = plan.configs().iter().filter_map(|c| c.config().get(param.name()).and_then(Value::as_f64)).collect();
    used.sort_by(f64::total_cmp);
    used.dedup();
    let (low, high) = match param.domain() {
        Domain::Categorical { choices } => {
            let values: Vec<Value> = choices.iter().map(|c| Value::Str(c.clone())).collect();
            return discrete(m, hp::DATA_TYPE_STRING, &values);
        }
        Domain::Bool | Domain::Component => return discrete(m, hp::DATA_TYPE_BOOL, &[Value::Bool(false), Value::Bool(true)]),
        _ if param.level_list().is_some() => {
            let values: Vec<Value> = used.into_iter().map(Value::Float).collect();
            return discrete(m, hp::DATA_TYPE_FLOAT64, &values);
        }
        Domain::Float { low, high, .. } => (*low, *high),
        Domain::Int { low, high, .. } => (low.map(|v| v as f64), high.map(|v| v as f64)),
    };
    let low = low.or(used.first().copied()).unwrap_or(0.0);
    let high = high.or(used.last().copied()).unwrap_or(0.0);
    let interval = Message::new().double(hp::INTERVAL_MIN, low).double(hp::INTERVAL_MAX, high);
    m.int(hp::HPARAM_TYPE, hp::DATA_TYPE_FLOAT64).message(hp::HPARAM_DOMAIN_INTERVAL, &interval)
}

/// A hyperparameter value as a `google.protobuf.Value` (integers as numbers: the HParams
/// plugin knows strings, bools and float64).
fn pb_value(value: &Value) -> Message {
    match value {
        Value::Float(x) => Message::new().double(pb::NUMBER_VALUE, *x),
        Value::Int(i) => Message::new().double(pb::NUMBER_VALUE, *i as f64),
        Value::Str(s) => Message::new().string(pb::STRING_VALUE, s),
        Value::Bool(b) => Message::new().bool(pb::BOOL_VALUE, *b),
    }
}

/// A `Summary.Value` of the HParams plugin: its data in the metadata, and the empty float
/// tensor the plugin's own summary writer attaches.
fn plugin_value(tag: &str, data_field: u32, data: &Message) -> Message {
    let content = Message::new().int(hp::VERSION, 0).message(data_field, data);
    let plugin = Message::new().string(summary::PLUGIN_NAME, hp::PLUGIN_NAME).bytes(summary::PLUGIN_CONTENT, content.as_bytes());
    let metadata = Message::new().message(summary::METADATA_PLUGIN_DATA, &plugin).int(summary::METADATA_DATA_CLASS, summary::DATA_CLASS_TENSOR);
    let shape = Message::new().message(tensor::SHAPE_DIM, &Message::new().int(tensor::DIM_SIZE, 0));
    let null_tensor = Message::new().int(tensor::DTYPE, tensor::DT_FLOAT).message(tensor::SHAPE, &shape);
    Message::new().string(summary::VALUE_TAG, tag).message(summary::VALUE_METADATA, &metadata).message(summary::VALUE_TENSOR, &null_tensor)
}

/// A `Summary.Value` of the scalars plugin: a rank-0 float tensor.
fn scalar_value(tag: &str, value: f64, description: &str) -> Message {
    let plugin = Message::new().string(summary::PLUGIN_NAME, "scalars").bytes(summary::PLUGIN_CONTENT, &[]);
    let metadata = Message::new()
        .message(summary::METADATA_PLUGIN_DATA, &plugin)
        .string(summary::METADATA_DESCRIPTION, description)
        .int(summary::METADATA_DATA_CLASS, summary::DATA_CLASS_SCALAR);
    let scalar = Message::new().int(tensor::DTYPE, tensor::DT_FLOAT).message(tensor::SHAPE, &Message::new()).packed_floats(tensor::FLOAT_VAL, &[value as f32]);
    Message::new().string(summary::VALUE_TAG, tag).message(summary::VALUE_METADATA, &metadata).message(summary::VALUE_TENSOR, &scalar)
}

fn file_version(wall_time: f64) -> Message {
    Message::new().double(event::WALL_TIME, wall_time).string(event::FILE_VERSION, "brain.Event:2")
}

fn summary_event(wall_time: f64, step: i64, value: &Message) -> Message {
    let summary = Message::new().message(summary::VALUE, value);
    Message::new().double(event::WALL_TIME, wall_time).int(event::STEP, step).message(event::SUMMARY, &summary)
}

/// Config labels as session group names, made unique (a custom label may repeat another
/// configuration's label; the seeds of two configurations must not form one group).
fn group_names(plan: &Plan) -> Vec<String> {
    let mut seen = HashSet::new();
    (0..plan.configs().len())
        .map(|c| {
            let label = plan.label(c);
            if seen.insert(label.clone()) { label } else { format!("{label} (config {c})") }
        })
        .collect()
}

fn secs(ms: i64) -> f64 {
    ms as f64 / 1000.0
}

fn digits(n: usize) -> usize {
    n.to_string().len()
}

fn event_file_name(start_ms: i64, host: &str) -> String {
    format!("events.out.tfevents.{}.{}", start_ms.div_euclid(1000), file_name(host, 100))
}

/// Events framed as TFRecords.
fn event_file(events: &[Message]) -> Vec<u8> {
    let mut out = Vec::new();
    for event in events {
        let data = event.as_bytes();
        let len = (data.len() as u64).to_le_bytes();
        out.extend_from_slice(&len);
        out.extend_from_slice(&masked_crc32c(&len).to_le_bytes());
        out.extend_from_slice(data);
        out.extend_from_slice(&masked_crc32c(data).to_le_bytes());
    }
    out
}

/// The CRC-32C (Castagnoli) table, reflected polynomial 0x82F63B78.
const CRC32C_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 { (c >> 1) ^ 0x82F6_3B78 } else { c >> 1 };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
};

fn crc32c(data: &[u8]) -> u32 {
    !data.iter().fold(!0u32, |c, &b| CRC32C_TABLE[((c ^ u32::from(b)) & 0xff) as usize] ^ (c >> 8))
}

/// TFRecord's masked CRC: rotated right by 15 bits, plus a constant.
fn masked_crc32c(data: &[u8]) -> u32 {
    crc32c(data).rotate_right(15).wrapping_add(0xa282_ead8)
}

#[cfg(test)]
mod tests {
    use super::super::export_dir::fixture;
    use super::super::proto::decode::{all, one};
    use super::*;

    #[test]
    fn crc32c_matches_the_standard_check_values() {
        assert_eq!(crc32c(b"123456789"), 0xE306_9283);
        assert_eq!(crc32c(b""), 0);
        // RFC 3720 (iSCSI) B.4: 32 bytes of zeros, and of 0xff.
        assert_eq!(crc32c(&[0u8; 32]), 0x8A91_36AA);
        assert_eq!(crc32c(&[0xffu8; 32]), 0x62A8_AB43);
    }

    /// Reads TFRecords, checking both CRCs of each.
    fn tf_records(mut bytes: &[u8]) -> Vec<&[u8]> {
        let mut out = Vec::new();
        while !bytes.is_empty() {
            let (len, rest) = bytes.split_at(8);
            let n = u64::from_le_bytes(len.try_into().unwrap()) as usize;
            assert_eq!(rest[..4], masked_crc32c(len).to_le_bytes(), "length CRC");
            let (data, rest) = rest[4..].split_at(n);
            assert_eq!(rest[..4], masked_crc32c(data).to_le_bytes(), "data CRC");
            out.push(data);
            bytes = &rest[4..];
        }
        out
    }

    /// (tag, plugin name, plugin content, tensor) of an event's single summary value.
    fn summary_value(event: &[u8]) -> (&str, &str, &[u8], &[u8]) {
        let summary = one(event, event::SUMMARY).bytes();
        let value = one(summary, summary::VALUE).bytes();
        let metadata = one(value, summary::VALUE_METADATA).bytes();
        let plugin = one(metadata, summary::METADATA_PLUGIN_DATA).bytes();
        (
            one(value, summary::VALUE_TAG).str(),
            one(plugin, summary::PLUGIN_NAME).str(),
            one(plugin, summary::PLUGIN_CONTENT).bytes(),
            one(value, summary::VALUE_TENSOR).bytes(),
        )
    }

    #[test]
    fn event_files_hold_the_experiment_and_one_session_per_trial() {
        let (plan, records) = fixture::study();
        let tree = build(&plan, &records, "host").unwrap();
        let start = records.iter().map(|r| r.started_at_ms).min().unwrap() / 1000;
        let top = tree.get(&format!("events.out.tfevents.{start}.host")).expect("the experiment's event file");
        let events = tf_records(top);
        assert_eq!(one(events[0], event::FILE_VERSION).str(), "brain.Event:2");
        let (tag, plugin, content, _) = summary_value(events[1]);
        assert_eq!((tag, plugin), (hp::EXPERIMENT_TAG, "hparams"));
        assert_eq!(one(content, hp::VERSION).varint(), 0);
        let experiment = one(content, hp::EXPERIMENT).bytes();
        let infos = all(experiment, hp::EXPERIMENT_HPARAM_INFOS);
        let names: Vec<&str> = infos.iter().map(|i| one(i.bytes(), hp::HPARAM_NAME).str()).collect();
        assert_eq!(names, ["lr", "opt", "norm/layer", "width"]);
        // lr has levels: discrete, the values the plan uses; width has bounds: an interval.
        let lr = infos[0].bytes();
        assert_eq!(one(lr, hp::HPARAM_TYPE).varint(), hp::DATA_TYPE_FLOAT64 as u64);
        let levels: Vec<f64> = all(one(lr, hp::HPARAM_DOMAIN_DISCRETE).bytes(), pb::LIST_VALUES).iter().map(|v| one(v.bytes(), pb::NUMBER_VALUE).double()).collect();
        assert_eq!(levels, [0.01, 0.1, 1.0]);
        let width = one(infos[3].bytes(), hp::HPARAM_DOMAIN_INTERVAL).bytes();
        assert_eq!((one(width, hp::INTERVAL_MIN).double(), one(width, hp::INTERVAL_MAX).double()), (8.0, 128.0));
        assert_eq!(one(infos[2].bytes(), hp::HPARAM_TYPE).varint(), hp::DATA_TYPE_BOOL as u64);
        let metrics: Vec<&str> = all(experiment, hp::EXPERIMENT_METRIC_INFOS).iter().map(|m| one(one(m.bytes(), hp::METRIC_NAME).bytes(), hp::METRIC_NAME_TAG).str()).collect();
        assert_eq!(metrics, ["accuracy", "loss"]);

        let sessions: Vec<&str> = tree.paths().filter(|p| p.contains('/')).collect();
        assert_eq!(sessions.len(), records.len());
        assert!(sessions.contains(&"0-baseline-r0/events.out.tfevents.1700000000.host"), "{sessions:?}");
        assert!(sessions.iter().any(|s| s.starts_with("4-fast_.._sgd-r1/")), "a custom label, made a file name: {sessions:?}");
    }

    #[test]
    fn a_session_has_its_hparams_group_metrics_curve_and_status() {
        let (plan, records) = fixture::study();
        let tree = build(&plan, &records, "h").unwrap();
        for (i, record) in records.iter().enumerate() {
            let path = tree.paths().find(|p| p.contains('/') && p.ends_with(&format!(".{}.h", record.started_at_ms / 1000))).unwrap_or_else(|| panic!("session of record {i}"));
            let events = tf_records(tree.get(path).unwrap());
            let (tag, plugin, content, _) = summary_value(events[1]);
            assert_eq!((tag, plugin), (hp::SESSION_START_INFO_TAG, "hparams"));
            let start = one(content, hp::SESSION_START_INFO).bytes();
            let config = plan.trial_index(&record.id).map(|t| plan.trials()[t].config_index()).unwrap();
            assert_eq!(one(start, hp::START_GROUP_NAME).str(), plan.label(config));
            assert_eq!(one(start, hp::START_TIME_SECS).double(), record.started_at_ms as f64 / 1000.0);
            let mut hparams = std::collections::BTreeMap::new();
            for entry in all(start, hp::START_HPARAMS) {
                let value = one(entry.bytes(), pb::MAP_VALUE).bytes();
                let (kind, v) = super::super::proto::decode::fields(value).unwrap()[0];
                hparams.insert(one(entry.bytes(), pb::MAP_KEY).str().to_string(), (kind, v));
            }
            assert_eq!(hparams.len(), 4);
            assert_eq!(hparams["lr"].1.double(), record.config.get("lr").unwrap().as_f64().unwrap());
            assert_eq!(hparams["width"].1.double(), record.config.get("width").unwrap().as_f64().unwrap());
            assert_eq!((hparams["opt"].0, hparams["opt"].1.str()), (pb::STRING_VALUE, record.config.get("opt").unwrap().to_string().as_str()));
            assert_eq!((hparams["norm/layer"].0, hparams["norm/layer"].1.varint() == 1), (pb::BOOL_VALUE, record.config.get("norm/layer") == Some(&Value::Bool(true))));

            let scalars: Vec<(&str, i64, f32)> = events[2..events.len() - 1]
                .iter()
                .map(|e| {
                    let (tag, plugin, _, tensor) = summary_value(e);
                    assert_eq!(plugin, "scalars");
                    assert_eq!(one(tensor, tensor::DTYPE).varint(), tensor::DT_FLOAT as u64);
                    let v = f32::from_le_bytes(one(tensor, tensor::FLOAT_VAL).bytes().try_into().unwrap());
                    (tag, one(e, event::STEP).varint() as i64, v)
                })
                .collect();
            let (_, _, content, _) = summary_value(events[events.len() - 1]);
            let status = one(one(content, hp::SESSION_END_INFO).bytes(), hp::END_STATUS).varint() as i64;
            if record.status == Status::Ok {
                assert_eq!(status, hp::STATUS_SUCCESS);
                let accuracy = record.metrics.get("accuracy").unwrap() as f32;
                assert!(scalars.contains(&("accuracy", 2, accuracy)), "{scalars:?}");
                assert!(scalars.contains(&("curve/train_loss", 2, 0.5)), "{scalars:?}");
            } else {
                assert_eq!(status, hp::STATUS_FAILURE);
                assert!(scalars.iter().all(|(tag, ..)| tag.starts_with(CURVE_PREFIX)), "a failed trial has no metrics: {scalars:?}");
            }
        }
    }

    #[test]
    fn group_names_are_unique() {
        // A custom config labelled like an OFAT config: two configs, two groups.
        let plan = crate::study::Study::new("g")
            .param(Param::float("lr", 0.1).levels([0.01, 0.1]))
            .ofat()
            .config("lr=0.01", [("lr", 0.02)])
            .maximize("acc")
            .plan()
            .unwrap();
        assert_eq!(group_names(&plan), ["baseline", "lr=0.01", "lr=0.01 (config 2)"]);
    }
}
