//! Saved plan files (`plan -out=FILE`). A versioned JSON document that records what was
//! approved: the changes, the state lineage and serial they were planned against, a hash of
//! the configuration and the variable values. Sensitive values are stored as SHA-256
//! hashes, never in clear text; `apply FILE` re-plans and requires the result to hash the same.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Action, Plan, PlanMode, Reason};
use crate::addr::{IndexKey, InstanceAddr};
use crate::lang::value::{number_from_json, number_to_json};
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
    /// The number's exact decimal text (serde_json keeps it with `arbitrary_precision`).
    Number(serde_json::Number),
    String(String),
    List(Vec<StoredValue>),
    Tuple(Vec<StoredValue>),
    Set(Vec<StoredValue>),
    Map(BTreeMap<String, StoredValue>),
    Object(BTreeMap<String, StoredValue>),
    Sensitive {
        sha256: String,
    },
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
            Value::Number(n) => match number_to_json(n) {
                serde_json::Value::Number(n) => StoredValue::Number(n),
                _ => StoredValue::Null,
            },
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

    /// The value for display: sensitive parts become marked placeholders, which render as
    /// "(sensitive value)".
    pub fn to_display_value(&self) -> Value {
        let seq = |items: &[StoredValue]| items.iter().map(StoredValue::to_display_value).collect();
        let map = |m: &BTreeMap<String, StoredValue>| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.to_display_value()))
                .collect()
        };
        match self {
            StoredValue::Null => Value::Null,
            StoredValue::Unknown => Value::Unknown,
            StoredValue::Bool(b) => Value::Bool(*b),
            StoredValue::Number(n) => Value::Number(number_from_json(n)),
            StoredValue::String(s) => Value::String(s.clone()),
            StoredValue::List(v) => Value::List(seq(v)),
            StoredValue::Tuple(v) => Value::Tuple(seq(v)),
            StoredValue::Set(v) => Value::Set(seq(v)),
            StoredValue::Map(m) => Value::Map(map(m)),
            StoredValue::Object(m) => Value::Object(map(m)),
            StoredValue::Sensitive { .. } => Value::Unknown.sensitive(),
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
            StoredValue::Number(n) => Value::Number(number_from_json(n)),
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
    /// "managed" or "data".
    pub mode: String,
    #[serde(rename = "type")]
    pub ty: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<IndexKey>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deposed: Option<String>,
    /// The provider address as state records it.
    pub provider: String,
    pub action: Action,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
    pub before: Option<StoredValue>,
    pub after: Option<StoredValue>,
}

impl StoredChange {
    fn new(
        addr: &InstanceAddr,
        deposed: Option<&String>,
        provider: &str,
        action: Action,
        reason: Option<Reason>,
        before: Option<&Value>,
        after: Option<&Value>,
    ) -> StoredChange {
        StoredChange {
            address: addr.to_string(),
            mode: addr.resource.mode.as_state_str().to_string(),
            ty: addr.resource.ty.clone(),
            name: addr.resource.name.clone(),
            index: addr.key.clone(),
            deposed: deposed.cloned(),
            provider: provider.to_string(),
            action,
            reason,
            before: before.map(StoredValue::from_value),
            after: after.map(StoredValue::from_value),
        }
    }
}

/// An output's planned change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredOutput {
    pub action: Action,
    pub before: Option<StoredValue>,
    pub after: Option<StoredValue>,
    pub sensitive: bool,
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
    /// Changes made outside terrane that the refresh found (action update or delete).
    #[serde(default)]
    pub drift: Vec<StoredChange>,
    /// Every output, with its planned change (no-ops included, for `show -json`).
    pub outputs: BTreeMap<String, StoredOutput>,
    /// When the plan was made (RFC 3339, the value of `plantimestamp()`); plans saved
    /// before terrane recorded it have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    /// The plan's relevant attributes, so that showing the saved plan shows the drift the
    /// plan showed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub relevant_attributes: Vec<serde_json::Value>,
}

impl PlanFile {
    /// The changes of `plan` in stored form, the part `apply FILE` compares.
    pub fn changes_of(plan: &Plan) -> Vec<StoredChange> {
        plan.changes
            .iter()
            .filter(|c| c.action != Action::NoOp)
            .map(|c| {
                StoredChange::new(
                    &c.addr,
                    c.deposed.as_ref(),
                    &c.provider,
                    c.action,
                    c.reason.clone(),
                    c.before.as_ref(),
                    c.after.as_ref(),
                )
            })
            .collect()
    }

    /// The refresh's findings in stored form.
    pub fn drift_of(plan: &Plan) -> Vec<StoredChange> {
        let provider_of = |addr: &InstanceAddr| {
            plan.changes
                .iter()
                .find(|c| &c.addr == addr)
                .map(|c| c.provider.clone())
                .unwrap_or_default()
        };
        plan.drift
            .iter()
            .map(|d| {
                let action = if d.after.is_some() {
                    Action::Update
                } else {
                    Action::Delete
                };
                StoredChange::new(
                    &d.addr,
                    None,
                    &provider_of(&d.addr),
                    action,
                    None,
                    Some(&d.before),
                    d.after.as_ref(),
                )
            })
            .collect()
    }

    pub fn outputs_of(plan: &Plan) -> BTreeMap<String, StoredOutput> {
        plan.outputs
            .iter()
            .map(|(k, o)| {
                let store = |v: &Option<Value>| {
                    v.as_ref().map(|v| {
                        StoredValue::from_value(&if o.sensitive {
                            v.clone().sensitive()
                        } else {
                            v.clone()
                        })
                    })
                };
                (
                    k.clone(),
                    StoredOutput {
                        action: o.action,
                        before: store(&o.before),
                        after: store(&o.after),
                        sensitive: o.sensitive,
                    },
                )
            })
            .collect()
    }
}

impl PlanFile {
    /// The saved plan as a [`Plan`] for rendering (`terrane show PLANFILE`).
    pub fn to_display_plan(&self) -> Plan {
        let addr_of = |c: &StoredChange| {
            // The address keeps the module path, which mode, type and name alone lose.
            if let Ok(addr) = c.address.parse::<crate::addr::InstanceAddr>() {
                return addr;
            }
            let mode = if c.mode == "data" {
                crate::addr::Mode::Data
            } else {
                crate::addr::Mode::Managed
            };
            crate::addr::ResourceAddr::new(mode, c.ty.clone(), c.name.clone())
                .instance(c.index.clone())
        };
        let changes = self
            .changes
            .iter()
            .map(|c| super::ResourceChange {
                addr: addr_of(c),
                action: c.action,
                reason: c.reason.clone(),
                before: c.before.as_ref().map(StoredValue::to_display_value),
                after: c.after.as_ref().map(StoredValue::to_display_value),
                provider: c.provider.clone(),
                dependencies: Vec::new(),
                create_before_destroy: c.action == Action::CreateThenDelete,
                private: None,
                deposed: c.deposed.clone(),
                moved_from: None,
                importing: None,
                actions: Vec::new(),
            })
            .collect();
        let drift = self
            .drift
            .iter()
            .map(|c| super::Drift {
                addr: addr_of(c),
                before: c
                    .before
                    .as_ref()
                    .map_or(Value::Null, StoredValue::to_display_value),
                after: c.after.as_ref().map(StoredValue::to_display_value),
            })
            .collect();
        let outputs = self
            .outputs
            .iter()
            .map(|(k, o)| {
                (
                    k.clone(),
                    super::OutputChange {
                        action: o.action,
                        before: o.before.as_ref().map(StoredValue::to_display_value),
                        after: o.after.as_ref().map(StoredValue::to_display_value),
                        sensitive: o.sensitive,
                    },
                )
            })
            .collect();
        Plan {
            mode: self.mode.clone(),
            changes,
            drift,
            outputs,
            prior_state: crate::state::State::new(),
            variables: BTreeMap::new(),
            relevant_attributes: self.relevant_attributes.clone(),
        }
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
