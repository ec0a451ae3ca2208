//! The module registry protocol: service discovery (`/.well-known/terraform.json`), the
//! version list, and the download endpoint whose `X-Terraform-Get` names the package.

use anyhow::{bail, Context as _};
use serde::Deserialize;
use terrane_engine::config::module_source::RegistrySource;
use terrane_engine::config::version::satisfies;
use url::Url;

use terrane_provider_plugin::cliconfig::CliConfig;
use terrane_provider_plugin::disco::{token_for, DiscoError};
use terrane_provider_plugin::http;

use super::fetch::resolve;

/// A registry module version chosen for a constraint, and where its package is.
pub struct Resolved {
    pub version: String,
    pub package: String,
}

#[derive(Deserialize)]
struct Versions {
    modules: Vec<ModuleVersions>,
}

#[derive(Deserialize)]
struct ModuleVersions {
    versions: Vec<VersionEntry>,
}

#[derive(Deserialize)]
struct VersionEntry {
    version: String,
}

#[derive(Deserialize)]
struct DownloadJson {
    location: Option<String>,
}

/// Picks the newest version of `src` that satisfies `constraint` and asks the registry
/// where its package is.
pub async fn resolve_version(
    src: &RegistrySource,
    constraint: Option<&str>,
) -> anyhow::Result<Resolved> {
    let token = token_for(&src.host);
    let base = modules_endpoint(&src.host).await?;
    let versions_url = base.join(&format!("{}/versions", src.module_path()))?;
    let resp = http::get(&versions_url, token.as_deref()).await?;
    if resp.status == 404 {
        bail!(
            "module {} not found in the registry at {}",
            src.module_path(),
            src.host
        );
    }
    if resp.status != 200 {
        bail!(
            "error looking up module versions: {} returned {}",
            versions_url,
            resp.status
        );
    }
    let list: Versions = serde_json::from_slice(&resp.body)
        .with_context(|| format!("invalid version list from {versions_url}"))?;
    let mut candidates: Vec<(Vec<u64>, String)> = list
        .modules
        .iter()
        .flat_map(|m| &m.versions)
        .filter(|v| match constraint {
            Some(c) => satisfies(c, &v.version).unwrap_or(false),
            // Without a constraint, pre-releases are never chosen.
            None => !v.version.contains('-'),
        })
        .map(|v| (numeric(&v.version), v.version.clone()))
        .collect();
    candidates.sort();
    let Some((_, version)) = candidates.pop() else {
        bail!(
            "no available version of {} matches the given version constraint {:?}",
            src.module_path(),
            constraint.unwrap_or("(any)")
        );
    };
    let download = base.join(&format!("{}/{version}/download", src.module_path()))?;
    let resp = http::get(&download, token.as_deref()).await?;
    let location = match resp.terraform_get.clone() {
        Some(l) => Some(l),
        None if resp.status == 200 => serde_json::from_slice::<DownloadJson>(&resp.body)
            .ok()
            .and_then(|d| d.location),
        None => None,
    };
    let Some(location) = location else {
        bail!(
            "the registry at {} gave no download location for {} {version} (status {})",
            src.host,
            src.module_path(),
            resp.status
        );
    };
    Ok(Resolved {
        version,
        package: resolve(&resp.url, &location),
    })
}

/// The `modules.v1` endpoint of `host`, from its discovery document or the CLI
/// configuration's `host` block.
async fn modules_endpoint(host: &str) -> anyhow::Result<Url> {
    let services = CliConfig::load()?.services;
    match services.url(host, "modules.v1").await {
        Ok(url) => Ok(url),
        Err(DiscoError::NotProvided { .. }) => {
            bail!("host {host} does not provide a module registry")
        }
        Err(e) => Err(e.into()),
    }
}

/// `1.10.2` sorts after `1.9.0`.
fn numeric(v: &str) -> Vec<u64> {
    v.trim_start_matches('v')
        .split(['-', '+'])
        .next()
        .unwrap_or_default()
        .split('.')
        .map(|p| p.parse().unwrap_or(0))
        .collect()
}
