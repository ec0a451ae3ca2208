//! `.terraform/modules/modules.json`: where `init` put each module call's code. Written by
//! terrane's installer and by `terraform init` alike (same layout), and read by the loader
//! so that registry and remote modules load from their installed directories without any
//! network access.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::module_source::ModuleSource;
use super::ModuleCall;
use crate::diag::Diagnostic;

/// The manifest's path, relative to the root module's directory.
pub const MANIFEST_PATH: &str = ".terraform/modules/modules.json";

/// One installed module call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestEntry {
    /// The dotted path of module call names (`vpc.subnets`); empty for the root.
    #[serde(rename = "Key")]
    pub key: String,
    /// The source address, normalized as Terraform records it.
    #[serde(rename = "Source")]
    pub source: String,
    /// The version chosen from a registry.
    #[serde(rename = "Version", default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The module's directory, relative to the root module's directory.
    #[serde(rename = "Dir")]
    pub dir: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Manifest {
    pub entries: BTreeMap<String, ManifestEntry>,
}

#[derive(Serialize, Deserialize)]
struct ManifestFile {
    #[serde(rename = "Modules")]
    modules: Vec<ManifestEntry>,
}

impl Manifest {
    /// The manifest of the root module in `root`; empty when there is none or it cannot
    /// be read (the loader then reports each remote module as not installed).
    pub fn read(root: &Path) -> Manifest {
        let Ok(text) = std::fs::read_to_string(root.join(MANIFEST_PATH)) else {
            return Manifest::default();
        };
        let Ok(file) = serde_json::from_str::<ManifestFile>(&text) else {
            return Manifest::default();
        };
        Manifest {
            entries: file
                .modules
                .into_iter()
                .map(|e| (e.key.clone(), e))
                .collect(),
        }
    }

    /// The manifest as Terraform writes it, root entry first.
    pub fn to_json(&self) -> String {
        let mut modules: Vec<ManifestEntry> = self.entries.values().cloned().collect();
        if !self.entries.contains_key("") {
            modules.insert(
                0,
                ManifestEntry {
                    key: String::new(),
                    source: String::new(),
                    version: None,
                    dir: ".".into(),
                },
            );
        }
        serde_json::to_string(&ManifestFile { modules }).unwrap_or_default()
    }

    /// The installed entry for the call at `key` if it still matches the call's source
    /// and version constraint.
    pub fn current(&self, key: &str, call: &ModuleCall) -> Option<&ManifestEntry> {
        let e = self.entries.get(key)?;
        if normalized(&call.source) != normalized(&e.source) {
            return None;
        }
        match (&call.version, &e.version) {
            (Some(c), Some(v)) if !super::version::satisfies(c, v).unwrap_or(false) => None,
            _ => Some(e),
        }
    }

    /// The directory a remote or registry module call at `key` was installed in, for the
    /// loader; the error says how to install it.
    ///
    /// # Errors
    /// The module was never installed, or its source or version changed since.
    pub fn installed_dir(
        &self,
        root: &Path,
        key: &str,
        call: &ModuleCall,
    ) -> Result<PathBuf, Diagnostic> {
        let reinstall = |summary: &str, why: &str| {
            Diagnostic::error(summary.to_string())
                .detail(format!("{why} Run \"terrane init\" to install all modules required by this configuration."))
                .span(call.span.clone())
        };
        let Some(e) = self.entries.get(key) else {
            return Err(reinstall(
                "Module not installed",
                "This module is not yet installed.",
            ));
        };
        if self.current(key, call).is_none() {
            return Err(if normalized(&call.source) == normalized(&e.source) {
                reinstall("Module version requirements have changed", "The version requirements have changed since this module was installed and the installed version is no longer acceptable.")
            } else {
                reinstall(
                    "Module source has changed",
                    "The source address was changed since this module was installed.",
                )
            });
        }
        let dir = root.join(&e.dir);
        if !dir.is_dir() {
            return Err(reinstall(
                "Module not installed",
                &format!(
                    "The directory {} recorded for this module does not exist.",
                    e.dir
                ),
            ));
        }
        Ok(dir)
    }
}

/// A source address as Terraform records it (unparsable ones as written).
fn normalized(src: &str) -> String {
    ModuleSource::parse(src).map_or_else(|_| src.to_string(), |s| s.to_string())
}
