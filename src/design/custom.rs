//! Explicit configurations: the baseline with some values overridden.

use super::find_param;
use crate::error::{Error, Result};
use crate::space::{coerce, Config, Param, Value};

/// The baseline with `overrides` applied, each checked against its parameter's domain.
pub(super) fn expand(params: &[Param], baseline: &Config, label: &str, overrides: &[(String, Value)]) -> Result<(Config, Option<String>)> {
    if label.trim().is_empty() {
        return Err(Error::Design { message: "a custom config needs a non-empty label".into() });
    }
    let mut config = baseline.clone();
    for (name, value) in overrides {
        let param = find_param(params, name, &format!("custom config `{label}`"))?;
        let value = coerce(param.domain(), value.clone());
        param.check_value(&value)?;
        config.set(name, value);
    }
    Ok((config, Some(label.to_string())))
}
