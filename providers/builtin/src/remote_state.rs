//! `data "terraform_remote_state"`: the root outputs of another configuration's latest
//! state, the way one component reads another's in a layered setup. Reading a backend is
//! the binary's business (this crate knows no AWS), so the binary hands the provider a
//! [`StateReader`]; without one every read is refused.

use std::collections::BTreeMap;

use async_trait::async_trait;
use terrane_engine::diag::Diagnostic;
use terrane_engine::lang::types::type_from_json;
use terrane_engine::lang::{convert, Type, Value};
use terrane_engine::provider::{AttributeSchema, BlockSchema, ReadDataResponse};
use terrane_engine::state::State;

/// Why a backend's state could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// The backend type is not one the reader knows; the text says what is supported.
    UnknownBackend(String),
    /// The `config` object is not valid for the backend.
    InvalidConfig(String),
    /// The backend could not be reached or its state could not be read.
    Load(String),
}

/// Reads the latest state of a workspace from a backend, as `terraform init` would
/// configure it from a `backend` block of that type with `config`'s arguments.
#[async_trait]
pub trait StateReader: Send + Sync {
    /// `None` when the workspace has no state.
    async fn read(
        &self,
        backend: &str,
        config: &serde_json::Map<String, serde_json::Value>,
        workspace: &str,
    ) -> Result<Option<State>, ReadError>;
}

/// The data source's arguments and attributes, as Terraform's builtin provider has them.
pub(crate) fn schema() -> BlockSchema {
    let mut block = BlockSchema::default();
    block
        .attributes
        .insert("backend".into(), AttributeSchema::required(Type::String));
    for optional in ["config", "defaults"] {
        block
            .attributes
            .insert(optional.into(), AttributeSchema::optional(Type::Any));
    }
    block
        .attributes
        .insert("workspace".into(), AttributeSchema::optional(Type::String));
    block
        .attributes
        .insert("outputs".into(), AttributeSchema::computed(Type::Any));
    block
}

/// Reads the outputs for a `terraform_remote_state` configuration: `defaults` first, each
/// overridden by the output of the same name in the state.
pub(crate) async fn read(reader: Option<&dyn StateReader>, config: &Value) -> ReadDataResponse {
    match read_outputs(reader, config).await {
        Ok(outputs) => {
            let mut state = config.as_map().cloned().unwrap_or_default();
            state.insert("outputs".into(), outputs);
            ReadDataResponse {
                state: Value::Object(state),
                diagnostics: Default::default(),
            }
        }
        Err(d) => ReadDataResponse {
            state: Value::Null,
            diagnostics: d.into(),
        },
    }
}

async fn read_outputs(
    reader: Option<&dyn StateReader>,
    config: &Value,
) -> Result<Value, Diagnostic> {
    let attr = |name: &str| config.get_attr(name).cloned().unwrap_or(Value::Null);
    let backend = attr("backend");
    let backend = backend.as_str().unwrap_or_default();
    // Terraform's name for the local backend before 0.9.
    let backend = if backend == "_local" {
        "local"
    } else {
        backend
    };
    let settings = match attr("config").unmark_deep().0 {
        Value::Null => serde_json::Map::new(),
        v @ (Value::Object(_) | Value::Map(_)) => match v.to_json() {
            serde_json::Value::Object(m) => m,
            _ => serde_json::Map::new(),
        },
        _ => {
            return Err(Diagnostic::error("Invalid backend configuration")
                .detail("The configuration must be an object value.")
                .attribute("config"))
        }
    };
    let mut outputs: BTreeMap<String, Value> = match attr("defaults") {
        Value::Null => BTreeMap::new(),
        Value::Object(m) | Value::Map(m) => m,
        _ => {
            return Err(Diagnostic::error("Invalid default values")
                .detail("Defaults must be given in an object value.")
                .attribute("defaults"))
        }
    };
    let workspace = attr("workspace");
    let workspace = workspace.as_str().unwrap_or("default");
    let Some(reader) = reader else {
        return Err(Diagnostic::error("Remote state is not available")
            .detail("This build of the terraform provider was made without a state reader, so terraform_remote_state cannot read any backend.")
            .attribute("backend"));
    };
    let state = match reader.read(backend, &settings, workspace).await {
        Ok(Some(s)) => s,
        Ok(None) => {
            return Err(Diagnostic::error("Unable to find remote state")
                .detail("No stored state was found for the given workspace in the given backend.")
                .attribute("workspace"))
        }
        Err(ReadError::UnknownBackend(detail)) => {
            return Err(Diagnostic::error("Invalid backend configuration")
                .detail(detail)
                .attribute("backend"))
        }
        Err(ReadError::InvalidConfig(why)) => {
            return Err(Diagnostic::error("Invalid backend configuration")
                .detail(format!(
                    "The given configuration is not valid for backend {backend:?}: {why}."
                ))
                .attribute("config"))
        }
        Err(ReadError::Load(why)) => {
            return Err(Diagnostic::error("Error loading state error")
                .detail(format!("error loading the remote state: {why}"))
                .attribute("backend"))
        }
    };
    for (name, o) in state.outputs {
        // Terraform hands the values over without their sensitive marks.
        let v = Value::from_json(&o.value);
        let v = match type_from_json(&o.ty) {
            Some(ty) => convert(&v, &ty).unwrap_or(v),
            None => v,
        };
        outputs.insert(name, v);
    }
    Ok(Value::Object(outputs))
}
