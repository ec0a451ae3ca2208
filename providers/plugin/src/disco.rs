//! Terraform's service discovery: a host names the base URL of each service it offers
//! (`providers.v1`, `modules.v1`) in `https://<host>/.well-known/terraform.json`. A `host`
//! block of the CLI configuration answers for its host instead, with no request, which is
//! how a registry is moved (or served on this machine for tests).

use std::collections::BTreeMap;

use url::Url;

use crate::http::{self, HttpError};

#[derive(Debug, thiserror::Error)]
pub enum DiscoError {
    #[error("could not connect to {host}: {reason}")]
    Unreachable { host: String, reason: String },
    #[error("host {host} does not offer the {service} service")]
    NotProvided { host: String, service: String },
}

/// Services of the hosts the CLI configuration describes in `host` blocks, by lowercase
/// host name (with its port, if any), then service id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Services {
    pub hosts: BTreeMap<String, BTreeMap<String, String>>,
}

impl Services {
    /// The base URL of `service` on `host`, ending in `/` so that relative paths join
    /// beneath it.
    pub async fn url(&self, host: &str, service: &str) -> Result<Url, DiscoError> {
        let host = host.to_ascii_lowercase();
        let unreachable = |reason: String| DiscoError::Unreachable {
            host: host.clone(),
            reason,
        };
        let (document, base) = match self.hosts.get(&host) {
            Some(services) => {
                let doc: serde_json::Map<String, serde_json::Value> = services
                    .iter()
                    .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                    .collect();
                (doc, discovery_url(&host).map_err(unreachable)?)
            }
            None => fetch(&host).await.map_err(unreachable)?,
        };
        let Some(found) = document.get(service).and_then(|v| v.as_str()) else {
            return Err(DiscoError::NotProvided {
                host,
                service: service.to_string(),
            });
        };
        let mut url = base
            .join(found)
            .map_err(|e| unreachable(format!("invalid {service} URL {found:?}: {e}")))?;
        if !url.path().ends_with('/') {
            url.set_path(&format!("{}/", url.path()));
        }
        Ok(url)
    }
}

/// The discovery document's address: HTTPS, or plain HTTP for a host on this machine.
fn discovery_url(host: &str) -> Result<Url, String> {
    let scheme = if is_local(host) { "http" } else { "https" };
    Url::parse(&format!("{scheme}://{host}/.well-known/terraform.json"))
        .map_err(|e| format!("invalid host name {host:?}: {e}"))
}

/// Reads the host's discovery document; returns it with the URL it came from.
async fn fetch(host: &str) -> Result<(serde_json::Map<String, serde_json::Value>, Url), String> {
    let url = discovery_url(host)?;
    let resp = http::get(&url, token_for(host).as_deref())
        .await
        .map_err(|e: HttpError| format!("failed to request discovery document: {e}"))?;
    if resp.status != 200 {
        return Err(format!(
            "failed to request discovery document: {url} returned status {}",
            resp.status
        ));
    }
    let doc = serde_json::from_slice(&resp.body)
        .map_err(|e| format!("invalid discovery document at {url}: {e}"))?;
    Ok((doc, resp.url))
}

/// A host on this machine (`localhost:8080`, `127.0.0.1:5000`, `[::1]`).
pub fn is_local(host: &str) -> bool {
    let name = match host.rsplit_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
        _ => host,
    };
    matches!(name, "localhost" | "127.0.0.1" | "[::1]")
}

/// The credential for `host`, sent as `Authorization: Bearer`, in Terraform's order:
/// `TF_TOKEN_<host>` (dots as `_`, dashes as `__`), then a `credentials "host"` block of
/// the CLI configuration, then `~/.terraform.d/credentials.tfrc.json`.
pub fn token_for(host: &str) -> Option<String> {
    let var = format!("TF_TOKEN_{}", host.replace('.', "_").replace('-', "__"));
    std::env::var(var)
        .ok()
        .filter(|t| !t.is_empty())
        .or_else(|| {
            let mut cfg = crate::cliconfig::CliConfig::load().ok()?;
            cfg.credentials.remove(&host.to_ascii_lowercase())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_host_block_answers_without_a_request() {
        let mut services = Services::default();
        services.hosts.insert(
            "registry.terraform.io".into(),
            BTreeMap::from([(
                "providers.v1".to_string(),
                "http://127.0.0.1:1/v1/providers".to_string(),
            )]),
        );
        let url = services
            .url("Registry.Terraform.io", "providers.v1")
            .await
            .unwrap();
        assert_eq!(url.as_str(), "http://127.0.0.1:1/v1/providers/");
        let err = services
            .url("registry.terraform.io", "modules.v1")
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "host registry.terraform.io does not offer the modules.v1 service"
        );
    }

    #[test]
    fn only_hosts_on_this_machine_are_local() {
        assert!(is_local("localhost:8080"));
        assert!(is_local("127.0.0.1"));
        assert!(!is_local("registry.terraform.io"));
        assert!(!is_local("localhost.example.com"));
    }
}
