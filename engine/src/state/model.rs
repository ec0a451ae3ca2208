//! Terraform's state file, format version 4, as serde types.
//!
//! The field order and names follow the file Terraform writes so a `terraform.tfstate`
//! written by Terraform is read as is, and ours diff cleanly against it. Maps are `BTreeMap`
//! and resources are kept sorted so the output is deterministic.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use super::attributes::Attributes;

/// The only state format version this build reads and writes.
pub const STATE_FORMAT_VERSION: u64 = 4;

/// The Terraform version terrane writes into state, so Terraform accepts our files.
pub const COMPATIBLE_TERRAFORM_VERSION: &str = "1.15.5";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub version: u64,
    pub terraform_version: String,
    pub serial: u64,
    pub lineage: String,
    #[serde(default)]
    pub outputs: BTreeMap<String, OutputState>,
    #[serde(default)]
    pub resources: Vec<ResourceState>,
    #[serde(default)]
    pub check_results: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputState {
    pub value: serde_json::Value,
    #[serde(rename = "type")]
    pub ty: serde_json::Value,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sensitive: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceState {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub module: Option<String>,
    /// "managed" or "data".
    pub mode: String,
    #[serde(rename = "type")]
    pub ty: String,
    pub name: String,
    /// For example `provider["registry.terraform.io/hashicorp/null"]`.
    pub provider: String,
    pub instances: Vec<InstanceState>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstanceState {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index_key: Option<IndexKey>,
    /// `"tainted"`: the object exists but did not finish setting up (a create-time
    /// provisioner failed); the next plan replaces it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ObjectStatus>,
    #[serde(default)]
    pub schema_version: u64,
    pub attributes: Attributes,
    #[serde(default)]
    pub sensitive_attributes: Vec<serde_json::Value>,
    /// The version of the provider's identity schema `identity` follows; Terraform 1.12 and
    /// later write it for every object (0 when the provider has no identities).
    #[serde(default)]
    pub identity_schema_version: u64,
    /// The object's resource identity as its provider reported it (kept as read: terrane
    /// does not ask providers for identities, but keeps what Terraform recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<Box<serde_json::Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private: Option<String>,
    /// Direct dependencies only, as absolute resource addresses (`null_resource.a`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub create_before_destroy: bool,
    /// Set on an object that a create-before-destroy replacement has superseded and that
    /// still has to be deleted (Terraform's "deposed" objects).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deposed: Option<String>,
}

/// The status Terraform records for an object that is not fully usable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ObjectStatus {
    Tainted,
}

/// The key of one instance of a resource with `count` (a number) or `for_each` (a string).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum IndexKey {
    Int(i64),
    Str(String),
}

impl std::fmt::Display for IndexKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IndexKey::Int(i) => write!(f, "[{i}]"),
            IndexKey::Str(s) => write!(f, "[{}]", crate::lang::value::quote(s)),
        }
    }
}

impl ResourceState {
    /// The address of one of this resource's instances, as users write it
    /// (`module.a["x"].data.aws_vpc.main[0]`).
    pub fn instance_address(&self, i: &InstanceState) -> String {
        let module = self
            .module
            .as_deref()
            .filter(|m| !m.is_empty())
            .map(|m| format!("{m}."))
            .unwrap_or_default();
        let data = if self.mode == "data" { "data." } else { "" };
        let key = i
            .index_key
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default();
        format!("{module}{data}{}.{}{key}", self.ty, self.name)
    }
}

impl State {
    /// A new, empty state with a fresh lineage.
    pub fn new() -> State {
        State {
            version: STATE_FORMAT_VERSION,
            terraform_version: COMPATIBLE_TERRAFORM_VERSION.to_string(),
            serial: 0,
            lineage: uuid::Uuid::new_v4().to_string(),
            outputs: BTreeMap::new(),
            resources: Vec::new(),
            check_results: None,
        }
    }

    /// Sorts resources and instances into their canonical order (module, mode, type, name;
    /// then index key), so that serialization is deterministic.
    pub fn normalize(&mut self) {
        self.resources
            .sort_by(|a, b| resource_order(a).cmp(&resource_order(b)));
        for r in &mut self.resources {
            r.instances
                .sort_by(|a, b| (&a.index_key, &a.deposed).cmp(&(&b.index_key, &b.deposed)));
        }
        self.resources.retain(|r| !r.instances.is_empty());
    }

    /// Whether [`State::normalize`] would leave the state as it is.
    fn is_normalized(&self) -> bool {
        self.resources
            .is_sorted_by(|a, b| resource_order(a) <= resource_order(b))
            && self.resources.iter().all(|r| {
                !r.instances.is_empty()
                    && r.instances.is_sorted_by(|a, b| {
                        (&a.index_key, &a.deposed) <= (&b.index_key, &b.deposed)
                    })
            })
    }

    /// Serializes as Terraform does: two-space indented JSON with a trailing newline.
    pub fn to_bytes(&self) -> Vec<u8> {
        // The states terrane builds are normalized already; cloning a large state only to
        // sort it costs about as much as serializing it, so clone only when needed.
        let sorted;
        let s = if self.is_normalized() {
            self
        } else {
            let mut copy = self.clone();
            copy.normalize();
            sorted = copy;
            &sorted
        };
        let mut out = super::attributes::write_pretty(s).expect("state is always serializable");
        out.push(b'\n');
        out
    }

    /// Parses a state file, refusing versions this build does not understand.
    ///
    /// # Errors
    /// [`StateError::Corrupt`] for invalid JSON, [`StateError::UnsupportedVersion`] for a
    /// format other than 4.
    pub fn from_bytes(bytes: &[u8]) -> Result<State, StateError> {
        #[derive(Deserialize)]
        struct Probe {
            version: Option<u64>,
        }
        // The whole file is read once; only a file that is not a v4 state is read again,
        // for its version, so the error says what is wrong.
        let parsed = serde_json::from_slice::<State>(bytes);
        let version = match &parsed {
            Ok(s) => Some(s.version),
            Err(_) => {
                serde_json::from_slice::<Probe>(bytes)
                    .map_err(|e| StateError::Corrupt {
                        reason: e.to_string(),
                    })?
                    .version
            }
        };
        match version {
            Some(STATE_FORMAT_VERSION) => {}
            Some(v) => return Err(StateError::UnsupportedVersion { version: v }),
            None => {
                return Err(StateError::Corrupt {
                    reason: "missing \"version\" field".into(),
                })
            }
        }
        parsed.map_err(|e| StateError::Corrupt {
            reason: e.to_string(),
        })
    }
}

/// The canonical order of resources: module, mode (data first), type, name.
fn resource_order(r: &ResourceState) -> (&str, bool, &String, &String) {
    (
        r.module.as_deref().unwrap_or(""),
        r.mode == "managed",
        &r.ty,
        &r.name,
    )
}

impl Default for State {
    fn default() -> Self {
        State::new()
    }
}

/// Errors reading or decoding a state snapshot.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("the state is not valid: {reason}")]
    Corrupt { reason: String },
    #[error(
        "the state uses format version {version}, which this version of terrane does not \
         support (it reads version 4)"
    )]
    UnsupportedVersion { version: u64 },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newer_version_is_refused() {
        let err = State::from_bytes(br#"{"version": 5, "serial": 1}"#).unwrap_err();
        assert!(matches!(err, StateError::UnsupportedVersion { version: 5 }));
    }

    #[test]
    fn garbage_is_corrupt() {
        assert!(matches!(
            State::from_bytes(b"{nope"),
            Err(StateError::Corrupt { .. })
        ));
    }

    #[test]
    fn to_bytes_sorts_an_unsorted_state() {
        let instance = |key: i64| InstanceState {
            index_key: Some(IndexKey::Int(key)),
            status: None,
            schema_version: 0,
            attributes: serde_json::json!({ "id": key.to_string() }).into(),
            sensitive_attributes: Vec::new(),
            identity_schema_version: 0,
            identity: None,
            private: None,
            dependencies: Vec::new(),
            create_before_destroy: false,
            deposed: None,
        };
        let resource = |name: &str, keys: &[i64]| ResourceState {
            module: None,
            mode: "managed".into(),
            ty: "null_resource".into(),
            name: name.into(),
            provider: "provider[\"registry.terraform.io/hashicorp/null\"]".into(),
            instances: keys.iter().map(|k| instance(*k)).collect(),
        };
        let mut s = State::new();
        s.resources = vec![
            resource("b", &[1, 0]),
            resource("a", &[0]),
            resource("c", &[]),
        ];
        assert!(!s.is_normalized());
        let mut sorted = s.clone();
        sorted.normalize();
        assert!(sorted.is_normalized());
        assert_eq!(sorted.resources.len(), 2);
        assert_eq!(s.to_bytes(), sorted.to_bytes());
    }

    #[test]
    fn round_trip_is_stable() {
        let s = State::new();
        let bytes = s.to_bytes();
        assert_eq!(State::from_bytes(&bytes).unwrap().to_bytes(), bytes);
    }
}
