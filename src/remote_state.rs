//! The backends `data "terraform_remote_state"` can read: `local` (state files on disk,
//! laid out as Terraform's local backend lays them out) and `s3` (the same arguments and
//! object keys as the `backend "s3"` block). Registered into the builtin terraform provider,
//! which knows no backend itself.

use std::collections::BTreeMap;
use std::path::PathBuf;

use async_trait::async_trait;
use serde_json::{Map, Value as Json};
use terrane_backend_local::{DEFAULT_STATE_FILENAME, WORKSPACE_DIR};
use terrane_backend_s3::{S3Backend, S3Config};
use terrane_engine::state::{State, StateBackend, DEFAULT_WORKSPACE};
use terrane_provider_builtin::{ReadError, StateReader};

/// Backend types Terraform has and terrane cannot read state from.
const OTHER_TERRAFORM_BACKENDS: &[&str] = &[
    "remote",
    "azurerm",
    "consul",
    "cos",
    "gcs",
    "http",
    "kubernetes",
    "oss",
    "pg",
    "cloud",
];

pub struct BackendStateReader;

#[async_trait]
impl StateReader for BackendStateReader {
    async fn read(
        &self,
        backend: &str,
        config: &Map<String, Json>,
        workspace: &str,
    ) -> Result<Option<State>, ReadError> {
        match backend {
            "local" => read_local(config, workspace),
            "s3" => {
                let settings: BTreeMap<String, Json> =
                    config.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
                let cfg = S3Config::from_settings(&settings)
                    .map_err(|e| ReadError::InvalidConfig(e.to_string()))?;
                let read = S3Backend::new(cfg).read(workspace).await;
                read.map(|v| v.map(|v| v.state))
                    .map_err(|e| ReadError::Load(e.to_string()))
            }
            other if OTHER_TERRAFORM_BACKENDS.contains(&other) => Err(ReadError::UnknownBackend(format!("terrane reads remote state from the \"local\" and \"s3\" backends only, not from {other:?}."))),
            other => Err(ReadError::UnknownBackend(format!(
                "There is no backend type named {other:?}."
            ))),
        }
    }
}

/// The local backend's files: `path` (default `terraform.tfstate`) for the default
/// workspace, `<workspace_dir>/<name>/terraform.tfstate` for the others; relative paths
/// are relative to the working directory, as in Terraform.
fn read_local(config: &Map<String, Json>, workspace: &str) -> Result<Option<State>, ReadError> {
    let mut path = PathBuf::from(DEFAULT_STATE_FILENAME);
    let mut workspace_dir = PathBuf::from(WORKSPACE_DIR);
    for (k, v) in config {
        let Some(s) = v.as_str() else {
            return Err(ReadError::InvalidConfig(format!(
                "attribute {k:?}: string required"
            )));
        };
        match k.as_str() {
            "path" => path = PathBuf::from(s),
            "workspace_dir" => workspace_dir = PathBuf::from(s),
            other => {
                return Err(ReadError::InvalidConfig(format!(
                    "unexpected attribute {other:?}"
                )))
            }
        }
    }
    if workspace != DEFAULT_WORKSPACE {
        path = workspace_dir.join(workspace).join(DEFAULT_STATE_FILENAME);
    }
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(ReadError::Load(format!("{}: {e}", path.display()))),
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    State::from_bytes(&bytes)
        .map(Some)
        .map_err(|e| ReadError::Load(format!("{}: {e}", path.display())))
}
