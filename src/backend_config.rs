//! Backend settings: the `backend` block's attributes, `-backend-config` overrides, and the
//! copy `terrane init` records in `.terraform/terraform.tfstate` (as Terraform does) so that
//! later commands use the same settings, `-backend-config` values included.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};
use hcl_edit::structure::Body;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use terrane_backend_local::LocalBackend;
use terrane_backend_s3::{S3Backend, S3Config};
use terrane_engine::config::{parse_file, BackendConfig, Module};
use terrane_engine::diag::{Diagnostics, SourceFile};
use terrane_engine::lang::eval_constant;
use terrane_engine::state::StateBackend;

/// Where `terrane init` records the backend, as Terraform does.
/// Where the record lives: `terraform.tfstate` in the data directory (`TF_DATA_DIR`).
fn saved_path() -> std::path::PathBuf {
    crate::environment::data_path("terraform.tfstate")
}

/// Backend arguments by name, as JSON values.
pub type Settings = BTreeMap<String, Json>;

/// A backend kind with its merged settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Selected {
    #[serde(rename = "type")]
    pub kind: String,
    pub config: Settings,
}

/// Terraform's `.terraform/terraform.tfstate` ("backend state"); only the parts terrane
/// uses. Terraform also writes a `hash` of the block, which terrane does not need: it
/// compares the settings themselves.
#[derive(Debug, Serialize, Deserialize)]
struct SavedFile {
    version: u64,
    terraform_version: String,
    backend: Selected,
}

fn first_error(diags: &Diagnostics) -> anyhow::Error {
    let Some(d) = diags.iter().find(|d| d.is_error()) else {
        return anyhow::anyhow!("invalid backend configuration");
    };
    let place = d.span.as_ref().map_or_else(String::new, |s| {
        let (line, col) = s.line_col();
        format!("{}:{line}:{col}: ", s.file.display_name())
    });
    let detail = d
        .detail
        .as_deref()
        .map_or_else(String::new, |t| format!(": {t}"));
    anyhow::anyhow!("{place}{}{detail}", d.summary)
}

/// Evaluates a body of constant attributes; a nested block (the pre-1.6 spelling of
/// `endpoints` and `assume_role`) becomes an object.
fn body_settings(body: &Body, file: &std::sync::Arc<SourceFile>) -> anyhow::Result<Settings> {
    let mut out = Settings::new();
    for a in body.attributes() {
        let v = eval_constant(&a.value, file, Path::new("."))
            .map_err(|d| first_error(&Diagnostics::from(d)))?;
        if v.contains_unknown() {
            bail!("{}: backend argument {:?} must be a constant value; backend settings cannot refer to variables or resources", file.display_name(), a.key.as_str());
        }
        out.insert(a.key.to_string(), v.unmark_deep().0.to_json());
    }
    for b in body.blocks() {
        let nested = body_settings(&b.body, file)?;
        out.insert(
            b.ident.to_string(),
            Json::Object(nested.into_iter().collect()),
        );
    }
    Ok(out)
}

/// The settings written in a `backend` block.
pub fn block_settings(b: &BackendConfig) -> anyhow::Result<Settings> {
    body_settings(&b.body.body, &b.body.file)
}

/// Parses `-backend-config` arguments, in order: `KEY=VALUE` (a string, or an HCL object or
/// list when it starts with `{` or `[`) or the path of a file of `KEY = VALUE` lines.
pub fn override_settings(args: &[String]) -> anyhow::Result<Settings> {
    let mut out = Settings::new();
    for arg in args {
        let parsed = match arg.split_once('=') {
            Some((k, v)) if !Path::new(arg).is_file() => {
                let k = k.trim();
                if k.is_empty() {
                    bail!("invalid -backend-config {arg:?}: expected KEY=VALUE or a file path");
                }
                let value = if v.starts_with('{') || v.starts_with('[') {
                    parse_settings(&format!("{k} = {v}"), PathBuf::from("-backend-config"))?
                        .remove(k)
                        .unwrap_or(Json::Null)
                } else {
                    Json::String(v.to_string())
                };
                Settings::from([(k.to_string(), value)])
            }
            _ => {
                let text = std::fs::read_to_string(arg)
                    .with_context(|| format!("cannot read the -backend-config file {arg}"))?;
                parse_settings(&text, PathBuf::from(arg))?
            }
        };
        out.extend(parsed);
    }
    Ok(out)
}

fn parse_settings(text: &str, path: PathBuf) -> anyhow::Result<Settings> {
    let file = SourceFile::new(path, text);
    let mut diags = Diagnostics::new();
    let Some((body, file)) = parse_file(&file, &mut diags) else {
        return Err(first_error(&diags));
    };
    body_settings(&body, &file)
}

/// What the configuration selects now: the block merged with `overrides`; `None` without a
/// backend block (the implicit local backend).
pub fn selected(module: &Module, overrides: &Settings) -> anyhow::Result<Option<Selected>> {
    let Some(b) = &module.terraform.backend else {
        if !overrides.is_empty() {
            bail!("-backend-config was given, but the configuration has no backend block; add one (for example terraform {{ backend \"s3\" {{}} }}) first");
        }
        return Ok(None);
    };
    let mut config = block_settings(b)?;
    config.extend(overrides.clone());
    Ok(Some(Selected {
        kind: b.kind.clone(),
        config,
    }))
}

/// The backend `terrane init` recorded, if any.
pub fn saved() -> anyhow::Result<Option<Selected>> {
    let text = match std::fs::read_to_string(saved_path()) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| saved_path().display().to_string()),
    };
    #[derive(Deserialize)]
    struct Probe {
        backend: Option<Selected>,
    }
    let probe: Probe = serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is damaged; run terrane init -reconfigure",
            saved_path().display()
        )
    })?;
    Ok(probe.backend)
}

/// Records the backend for later commands; `None` removes the record (implicit local).
pub fn save(sel: Option<&Selected>) -> anyhow::Result<()> {
    let Some(sel) = sel else {
        return match std::fs::remove_file(saved_path()) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(e).with_context(|| saved_path().display().to_string())
            }
            _ => Ok(()),
        };
    };
    std::fs::create_dir_all(crate::environment::data_dir())?;
    let file = SavedFile {
        version: 3,
        terraform_version: terrane_engine::state::model::COMPATIBLE_TERRAFORM_VERSION.into(),
        backend: sel.clone(),
    };
    let mut bytes = serde_json::to_vec_pretty(&file)?;
    bytes.push(b'\n');
    std::fs::write(saved_path(), bytes).with_context(|| saved_path().display().to_string())?;
    // The settings may hold credentials passed with -backend-config.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(saved_path(), std::fs::Permissions::from_mode(0o600))
            .with_context(|| saved_path().display().to_string())?;
    }
    Ok(())
}

/// Builds a backend from its kind and settings.
pub fn build(sel: Option<&Selected>) -> anyhow::Result<Box<dyn StateBackend>> {
    build_unlogged(sel).map(crate::logged_backend::wrap)
}

fn build_unlogged(sel: Option<&Selected>) -> anyhow::Result<Box<dyn StateBackend>> {
    let Some(sel) = sel else {
        return Ok(Box::new(LocalBackend::new(PathBuf::from("."), None)));
    };
    match sel.kind.as_str() {
        "local" => {
            let mut path = None;
            for (k, v) in &sel.config {
                match (k.as_str(), v) {
                    ("path", Json::String(s)) => path = Some(PathBuf::from(s)),
                    ("path", _) => bail!("the local backend's \"path\" must be a string"),
                    ("workspace_dir", _) => {}
                    (other, _) => bail!("the local backend has no argument {other:?} (it accepts path and workspace_dir)"),
                }
            }
            Ok(Box::new(LocalBackend::new(PathBuf::from("."), path)))
        }
        "s3" => Ok(Box::new(S3Backend::new(S3Config::from_settings(
            &sel.config,
        )?))),
        other => bail!(
            "the {other:?} backend is not supported; terrane supports the local and s3 backends"
        ),
    }
}

/// Whether the configuration still says what was recorded: the same kind, and every
/// argument written in the block has the recorded value (the record may hold more, from
/// `-backend-config`).
pub fn consistent(current: &Selected, saved: &Selected) -> bool {
    current.kind == saved.kind
        && current
            .config
            .iter()
            .all(|(k, v)| saved.config.get(k) == Some(v))
}

/// The backend later commands use: the configuration's, with the settings `terrane init`
/// recorded (which include `-backend-config` values). A remote backend must have been
/// initialized, and a configuration that changed since then must be initialized again, so
/// that no command silently reads or writes state somewhere else than the last init chose.
pub fn open(module: &Module) -> anyhow::Result<Box<dyn StateBackend>> {
    let current = selected(module, &Settings::new())?;
    let saved = saved()?;
    let chosen = match (&current, &saved) {
        (None, None) => None,
        (Some(cur), None) if cur.kind == "local" => Some(cur.clone()),
        (Some(cur), None) => bail!("Backend initialization required: the configuration uses the {:?} backend, which has not been initialized in this directory. Run \"terrane init\" (with the same -backend-config options as before, if any).", cur.kind),
        (None, Some(s)) => bail!("Backend configuration changed: the {:?} backend was removed from the configuration. Run \"terrane init -migrate-state\" to copy the state to the local backend, or \"terrane init -reconfigure\" to use the local backend without copying.", s.kind),
        (Some(cur), Some(s)) => {
            if !consistent(cur, s) {
                bail!("Backend configuration changed since \"terrane init\". Run \"terrane init -migrate-state\" to copy the existing state to the new backend, or \"terrane init -reconfigure\" to use it without copying.");
            }
            Some(s.clone())
        }
    };
    build(chosen.as_ref())
}

/// Builds the backend `terrane init` selected and checks that it can be used: for S3, that
/// the bucket and lock table exist (the errors say how to create them). Returns warnings
/// worth printing.
pub async fn build_checked(
    sel: Option<&Selected>,
) -> anyhow::Result<(Box<dyn StateBackend>, Vec<String>)> {
    let Some(s) = sel.filter(|s| s.kind == "s3") else {
        return Ok((build(sel)?, Vec::new()));
    };
    let cfg = S3Config::from_settings(&s.config)?;
    let mut warnings = Vec::new();
    if cfg.dynamodb_table.is_none() && !cfg.use_lockfile {
        warnings.push("The s3 backend has no lock: two runs could change the same state at once. Set use_lockfile = true (an S3 lock file) or dynamodb_table (a DynamoDB lock table), as in Terraform.".to_string());
    }
    let backend = S3Backend::new(cfg);
    backend.check().await?;
    Ok((Box::new(backend), warnings))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn backend_config_flags_and_files() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("prod.s3.tfbackend");
        std::fs::write(
            &file,
            "bucket = \"from-file\"\nencrypt = true\nendpoints {\n  s3 = \"http://x\"\n}\n",
        )
        .unwrap();
        let got = override_settings(&[
            "key=a/b=c.tfstate".into(),
            file.display().to_string(),
            "bucket=from-flag".into(),
            "assume_role={ role_arn = \"arn:r\" }".into(),
        ])
        .unwrap();
        assert_eq!(got["key"], "a/b=c.tfstate");
        assert_eq!(got["bucket"], "from-flag", "later arguments win");
        assert_eq!(got["encrypt"], true);
        assert_eq!(got["endpoints"], json!({"s3": "http://x"}));
        assert_eq!(got["assume_role"], json!({"role_arn": "arn:r"}));
        assert!(override_settings(&["=x".into()]).is_err());
        assert!(override_settings(&["no-such-file".into()]).is_err());
        let err = override_settings(&["a=[".into()]).unwrap_err().to_string();
        assert!(err.contains("-backend-config"), "{err}");
    }

    #[test]
    fn recorded_settings_may_add_to_the_block() {
        let cur = Selected {
            kind: "s3".into(),
            config: Settings::from([("key".into(), json!("k"))]),
        };
        let mut saved = cur.clone();
        saved.config.insert("bucket".into(), json!("b"));
        assert!(consistent(&cur, &saved));
        saved.config.insert("key".into(), json!("other"));
        assert!(!consistent(&cur, &saved));
    }
}
