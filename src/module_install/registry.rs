//! The module registry protocol: service discovery (`/.well-known/terraform.json`), the
//! version list, and the download endpoint whose `X-Terraform-Get` names the package.

use anyhow::{bail, Context as _};
use serde::Deserialize;
use terrane_engine::config::module_source::RegistrySource;
use terrane_engine::config::version::satisfies;
use url::Url;

use super::fetch::resolve;
use super::http;

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
    let base = modules_endpoint(&src.host, token.as_deref()).await?;
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

/// The `modules.v1` endpoint the host's discovery document names.
async fn modules_endpoint(host: &str, token: Option<&str>) -> anyhow::Result<Url> {
    let scheme = if is_local(host) { "http" } else { "https" };
    let disco = Url::parse(&format!("{scheme}://{host}/.well-known/terraform.json"))
        .with_context(|| format!("invalid registry host {host:?}"))?;
    let resp = http::get(&disco, token).await?;
    if resp.status != 200 {
        bail!(
            "failed to discover the services of {host}: {disco} returned {}",
            resp.status
        );
    }
    let doc: serde_json::Value = serde_json::from_slice(&resp.body)
        .with_context(|| format!("invalid service discovery document at {disco}"))?;
    let Some(path) = doc.get("modules.v1").and_then(|v| v.as_str()) else {
        bail!("host {host} does not provide a module registry");
    };
    let mut url = resp.url.join(path)?;
    if !url.path().ends_with('/') {
        url.set_path(&format!("{}/", url.path()));
    }
    Ok(url)
}

/// A registry on this machine is spoken to over plain HTTP (a mirror or a test server).
fn is_local(host: &str) -> bool {
    let name = host.rsplit_once(':').map_or(host, |(h, _)| h);
    name == "localhost" || name == "127.0.0.1" || name == "[::1]"
}

/// `TF_TOKEN_app_terraform_io` for `app.terraform.io`, as Terraform reads credentials.
fn token_for(host: &str) -> Option<String> {
    let var = format!("TF_TOKEN_{}", host.replace('.', "_").replace('-', "__"));
    std::env::var(var).ok().filter(|t| !t.is_empty())
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
