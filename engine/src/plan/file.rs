//! Saved plan files (`plan -out=FILE`). A versioned JSON document that records what was
//! approved: the changes, the state lineage and serial they were planned against, a hash of
//! the configuration and the variable values. Sensitive values are stored as SHA-256
//! hashes, never in clear text; `apply FILE` re-plans and requires the result to hash the same.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Action, Plan, PlanMode, Reason};
use crate::lang::Value;

pub const PLAN_FORMAT: &str = "terrane-plan";
pub const PLAN_FORMAT_VERSION: u64 = 1;

/// A value as stored in a plan file: like [`Value`], with sensitive values replaced by a hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StoredValue {
    Null,
    Unknown,
    Bool(bool),
    Number(f64),
    String(String),
    List(Vec<StoredValue>),
    Tuple(Vec<StoredValue>),
    Set(Vec<StoredValue>),
    Map(BTreeMap<String, StoredValue>),
    Object(BTreeMap<String, StoredValue>),
    Sensitive { sha256: String },
}

impl StoredValue {
    pub fn from_value(v: &Value) -> StoredValue {
        let seq = |items: &[Value]| items.iter().map(StoredValue::from_value).collect();
        let map = |m: &BTreeMap<String, Value>| {
            m.iter()
                .map(|(k, v)| (k.clone(), StoredValue::from_value(v)))
                .collect()
        };
        match v {
            Value::Null => StoredValue::Null,
            Value::Unknown => StoredValue::Unknown,
            Value::Bool(b) => StoredValue::Bool(*b),
            Value::Number(n) => StoredValue::Number(*n),
            Value::String(s) => StoredValue::String(s.clone()),
            Value::List(v) => StoredValue::List(seq(v)),
            Value::Tuple(v) => StoredValue::Tuple(seq(v)),
            Value::Set(v) => StoredValue::Set(seq(v)),
            Value::Map(m) => StoredValue::Map(map(m)),
            Value::Object(m) => StoredValue::Object(map(m)),
            Value::Sensitive(inner) => {
                let (plain, _) = inner.unmark_deep();
                let canonical =
                    serde_json::to_vec(&StoredValue::from_value(&plain)).unwrap_or_default();
                StoredValue::Sensitive {
                    sha256: hex(&Sha256::digest(&canonical)),
                }
            }
        }
    }

    /// The value back, when it holds nothing sensitive (`None` otherwise).
    pub fn to_value(&self) -> Option<Value> {
        let seq = |items: &[StoredValue]| {
            items
                .iter()
                .map(StoredValue::to_value)
                .collect::<Option<Vec<_>>>()
        };
        let map = |m: &BTreeMap<String, StoredValue>| {
            m.iter()
                .map(|(k, v)| v.to_value().map(|v| (k.clone(), v)))
                .collect::<Option<BTreeMap<_, _>>>()
        };
        Some(match self {
            StoredValue::Null => Value::Null,
            StoredValue::Unknown => Value::Unknown,
            StoredValue::Bool(b) => Value::Bool(*b),
            StoredValue::Number(n) => Value::Number(*n),
            StoredValue::String(s) => Value::String(s.clone()),
            StoredValue::List(v) => Value::List(seq(v)?),
            StoredValue::Tuple(v) => Value::Tuple(seq(v)?),
            StoredValue::Set(v) => Value::Set(seq(v)?),
            StoredValue::Map(m) => Value::Map(map(m)?),
            StoredValue::Object(m) => Value::Object(map(m)?),
            StoredValue::Sensitive { .. } => return None,
        })
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredChange {
    pub address: String,
    pub action: Action,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
    pub before: Option<StoredValue>,
    pub after: Option<StoredValue>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanFile {
    pub format: String,
    pub format_version: u64,
    pub terrane_version: String,
    pub mode: PlanMode,
    pub workspace: String,
    /// Lineage and serial of the state the plan was made against (`None` when there was no state).
    pub lineage: Option<String>,
    pub serial: Option<u64>,
    /// SHA-256 over every configuration file's name and contents.
    pub config_hash: String,
    pub variables: BTreeMap<String, StoredValue>,
    #[serde(default)]
    pub targets: Vec<String>,
    #[serde(default)]
    pub replace: Vec<String>,
    /// Only the instances that change (no-ops are left out).
    pub changes: Vec<StoredChange>,
    pub output_changes: BTreeMap<String, Action>,
}

impl PlanFile {
    /// The changes of `plan` in stored form, the part `apply FILE` compares.
    pub fn changes_of(plan: &Plan) -> Vec<StoredChange> {
        plan.changes
            .iter()
            .filter(|c| c.action != Action::NoOp)
            .map(|c| StoredChange {
                address: match &c.deposed {
                    Some(d) => format!("{} (deposed object {d})", c.addr),
                    None => c.addr.to_string(),
                },
                action: c.action,
                reason: c.reason.clone(),
                before: c.before.as_ref().map(StoredValue::from_value),
                after: c.after.as_ref().map(StoredValue::from_value),
            })
            .collect()
    }

    pub fn output_changes_of(plan: &Plan) -> BTreeMap<String, Action> {
        plan.outputs
            .iter()
            .filter(|(_, o)| o.action != Action::NoOp)
            .map(|(k, o)| (k.clone(), o.action))
            .collect()
    }
}

/// Hash of a configuration: every file's path and text, in load order.
pub fn config_hash<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut h = Sha256::new();
    for (name, text) in files {
        h.update((name.len() as u64).to_le_bytes());
        h.update(name.as_bytes());
        h.update((text.len() as u64).to_le_bytes());
        h.update(text.as_bytes());
    }
    hex(&h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sensitive_values_are_hashed_not_stored() {
        let v = Value::object([("password", Value::string("hunter2").sensitive())]);
        let json = serde_json::to_string(&StoredValue::from_value(&v)).unwrap();
        assert!(!json.contains("hunter2"), "{json}");
        assert!(json.contains("sha256"));
        assert_eq!(
            StoredValue::from_value(&v),
            StoredValue::from_value(&v.clone())
        );
    }
}
