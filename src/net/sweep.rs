//! Defence sweeps: run the same scenario for each value of one merchant, network or attack
//! parameter (`[sweep] parameter = "merchant.listening_period" values = [0, 5, 15]`).
//! A value is applied by writing it into the scenario's own table and reading the table
//! back, so the swept key is checked exactly like a key in the file.

use serde::{Deserialize, Serialize};

use crate::error::usage;

/// One swept parameter and its values.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Sweep {
    /// `table.key`, e.g. `merchant.listening_period`, `merchant.incoming`,
    /// `merchant.observers`, `network.rbf_share`, `network.alerts`, `race.replace_after`.
    pub parameter: String,
    /// The values, in output order.
    pub values: Vec<toml::Value>,
}

impl Sweep {
    /// Split `parameter` into (table, key), checking its shape.
    pub fn split(&self) -> anyhow::Result<(&str, &str)> {
        let fix = "name a key as table.key, e.g. merchant.listening_period";
        let (table, key) = self
            .parameter
            .split_once('.')
            .ok_or_else(|| usage("sweep.parameter", &self.parameter, fix))?;
        if self.values.is_empty() {
            return Err(usage("sweep.values", "[]", "give at least one value"));
        }
        Ok((table, key))
    }
}

/// The value as it appears in the CSV's `sweep_value` column.
pub fn show(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `spec` with `key` set to `value` (checked by deserialising the table back).
pub fn apply<T>(spec: &T, table: &str, key: &str, value: &toml::Value) -> anyhow::Result<T>
where
    T: Serialize + for<'de> Deserialize<'de>,
{
    let mut v = toml::Value::try_from(spec)?;
    let t = v
        .as_table_mut()
        .ok_or_else(|| anyhow::anyhow!("{table} is not a table"))?;
    t.insert(key.to_string(), value.clone());
    v.try_into::<T>().map_err(|e| {
        usage(
            "sweep.parameter",
            format!("{table}.{key} = {}", show(value)),
            &format!("not a valid value for this key: {}", e.message()),
        )
    })
}
