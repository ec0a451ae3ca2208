//! Provider packages over the network: the provider registry protocol (`providers.v1`:
//! versions, then a download description naming the archive, its SHA-256 and the
//! SHA256SUMS document) and the network mirror protocol (`index.json`, then
//! `<version>.json` listing each platform's archive and hashes). Both end in a
//! [`RemotePackage`]: where the zip is and how to check it once downloaded.

use std::path::Path;

use serde::Deserialize;
use url::Url;

use crate::disco::{DiscoError, Services};
use crate::http;
use crate::install::{InstallError, Source};
use crate::installer::sha256_file;
use crate::signature::{self, SigningKey};

#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    #[error("could not connect to {host}: {reason}")]
    Unreachable { host: String, reason: String },
    #[error("host {0} does not offer a Terraform provider registry")]
    NoRegistry(String),
    #[error("provider registry {host} does not have a provider named {provider}")]
    UnknownProvider { host: String, provider: String },
    #[error("could not query provider registry for {provider}: {reason}")]
    Registry { provider: String, reason: String },
    #[error("failed to query provider mirror {mirror} for {provider}: {reason}")]
    Mirror {
        mirror: String,
        provider: String,
        reason: String,
    },
    #[error("provider {provider} {version} is not available for {platform}")]
    Platform {
        provider: String,
        version: String,
        platform: String,
    },
    #[error(
        "provider mirror {mirror} does not have a package of {provider} {version} for {platform}"
    )]
    MirrorPlatform {
        mirror: String,
        provider: String,
        version: String,
        platform: String,
    },
    #[error("provider {provider} {version} is not supported by this version of terrane (it speaks plugin protocol {protocols}; terrane speaks 5 and 6)")]
    Protocol {
        provider: String,
        version: String,
        protocols: String,
    },
    #[error("failed to download {url}: {reason}")]
    Download { url: String, reason: String },
}

impl RemoteError {
    /// The source does not have this provider, version or platform: the next
    /// installation method may.
    pub fn is_absent(&self) -> bool {
        matches!(
            self,
            RemoteError::UnknownProvider { .. }
                | RemoteError::Platform { .. }
                | RemoteError::MirrorPlatform { .. }
        )
    }
}

/// How a downloaded archive is checked before it is unpacked for use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Authentication {
    /// A registry's answer: the archive's SHA-256, and the release's SHA256SUMS document,
    /// which must list the same sum for the archive's file name.
    Registry {
        filename: String,
        sha256: String,
        sums: String,
        /// The binary detached OpenPGP signature of `sums`, and the keys it may be by.
        signature: Vec<u8>,
        keys: Vec<SigningKey>,
    },
    /// A network mirror's `hashes` (`h1:` or `zh:`); the package must match one.
    Hashes(Vec<String>),
}

/// A package to download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemotePackage {
    pub url: Url,
    pub authentication: Option<Authentication>,
}

/// A package that passed its checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticated {
    /// Terraform's name for how: "verified checksum", "self-signed", ...
    pub result: String,
    /// The ID of the key that signed, when it is not HashiCorp's.
    pub key_id: Option<String>,
    /// The `zh:` hashes of every platform's package, when a verified signature vouches
    /// for the checksums they come from: the lock file records them all.
    pub signed_hashes: Vec<String>,
}

impl Authenticated {
    fn checksum() -> Authenticated {
        Authenticated {
            result: "verified checksum".into(),
            key_id: None,
            signed_hashes: Vec::new(),
        }
    }

    /// What `init` prints after "Installed ... (": the key ID too for a third party's
    /// key.
    pub fn report(&self) -> String {
        match &self.key_id {
            Some(id) => format!("{}, key ID {id}", self.result),
            None => self.result.clone(),
        }
    }
}

impl Authentication {
    /// Checks the downloaded `archive` before it is used; `h1` unpacks it and hashes its
    /// contents, asked for only when a listed `h1:` hash is what remains to compare.
    pub fn check(
        &self,
        archive: &Path,
        h1: &mut dyn FnMut() -> Result<String, InstallError>,
    ) -> Result<Authenticated, InstallError> {
        let refused = |why: String| Err(InstallError::Authentication(why));
        match self {
            Authentication::Registry {
                filename,
                sha256,
                sums,
                signature,
                keys,
            } => {
                let listed = sums.lines().find_map(|l| {
                    let (sum, name) = l.split_once("  ")?;
                    (name.trim() == filename).then(|| sum.trim().to_ascii_lowercase())
                });
                match listed {
                    None => {
                        return refused(format!(
                            "checksum list has no SHA-256 hash for {filename:?}"
                        ))
                    }
                    Some(l) if l != *sha256 => {
                        return refused(format!(
                            "checksum list has unexpected SHA-256 hash {l} (expected {sha256})"
                        ))
                    }
                    Some(_) => {}
                }
                let actual = sha256_file(archive)?;
                if actual != *sha256 {
                    return refused(format!(
                        "archive has incorrect checksum zh:{actual} (expected zh:{sha256})"
                    ));
                }
                let signer = signature::verify(sums.as_bytes(), signature, keys)
                    .map_err(InstallError::Authentication)?;
                Ok(Authenticated {
                    result: signer.to_string(),
                    key_id: signer.third_party_key_id().map(str::to_string),
                    signed_hashes: checksum_hashes(sums),
                })
            }
            Authentication::Hashes(hashes) => {
                let zh = format!("zh:{}", sha256_file(archive)?);
                if hashes.contains(&zh) {
                    return Ok(Authenticated::checksum());
                }
                if hashes.iter().any(|h| h.starts_with("h1:")) && hashes.contains(&h1()?) {
                    return Ok(Authenticated::checksum());
                }
                match hashes.as_slice() {
                    [one] => refused(format!(
                        "provider package doesn't match the expected checksum {one:?}"
                    )),
                    _ => refused(
                        "provider package doesn't match the any of the expected checksums".into(),
                    ),
                }
            }
        }
    }
}

/// Every package's hash in a SHA256SUMS document, as `zh:` hashes; none when a line
/// does not look like a checksum, as then the document is not a list of checksums.
fn checksum_hashes(sums: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in sums.lines().filter(|l| !l.trim().is_empty()) {
        let sum = line.split_whitespace().next().unwrap_or_default();
        let name = line.split_whitespace().nth(1);
        if name.is_none() || sum.len() != 64 || !sum.chars().all(|c| c.is_ascii_hexdigit()) {
            return Vec::new();
        }
        out.push(format!("zh:{}", sum.to_ascii_lowercase()));
    }
    out
}

/// A provider registry, found through service discovery of the provider's host.
pub struct Registry<'a> {
    pub services: &'a Services,
}

#[derive(Deserialize)]
struct VersionList {
    #[serde(default)]
    versions: Vec<VersionEntry>,
}

#[derive(Deserialize)]
struct VersionEntry {
    version: String,
}

#[derive(Deserialize)]
struct Download {
    #[serde(default)]
    protocols: Vec<String>,
    os: String,
    arch: String,
    filename: String,
    download_url: String,
    shasum: String,
    shasums_url: String,
    #[serde(default)]
    shasums_signature_url: String,
    #[serde(default)]
    signing_keys: SigningKeys,
}

#[derive(Deserialize, Default)]
struct SigningKeys {
    #[serde(default)]
    gpg_public_keys: Vec<SigningKey>,
}

impl Registry<'_> {
    async fn base(&self, source: &Source) -> Result<Url, RemoteError> {
        self.services
            .url(&source.host, "providers.v1")
            .await
            .map_err(|e| match e {
                DiscoError::Unreachable { host, reason } => {
                    RemoteError::Unreachable { host, reason }
                }
                DiscoError::NotProvided { host, .. } => RemoteError::NoRegistry(host),
            })
    }

    fn failed(source: &Source, reason: impl ToString) -> RemoteError {
        RemoteError::Registry {
            provider: source.to_string(),
            reason: reason.to_string(),
        }
    }

    /// GETs the JSON document at `path` beneath the host's `providers.v1` URL, with the
    /// URL it came from; `absent` is the error for a 404.
    async fn json<T: serde::de::DeserializeOwned>(
        source: &Source,
        base: &Url,
        path: &str,
        absent: RemoteError,
    ) -> Result<(T, Url), RemoteError> {
        let url = join(base, path).map_err(|e| Self::failed(source, e))?;
        let resp = get(&url, &source.host)
            .await
            .map_err(|e| Self::failed(source, e))?;
        match resp.status {
            200 => {}
            404 => return Err(absent),
            s => return Err(Self::failed(source, format!("{url} returned status {s}"))),
        }
        let doc = serde_json::from_slice(&resp.body).map_err(|e| Self::failed(source, e))?;
        Ok((doc, resp.url))
    }

    /// Every version the registry offers.
    pub async fn versions(&self, source: &Source) -> Result<Vec<String>, RemoteError> {
        let base = self.base(source).await?;
        let path = format!("{}/{}/versions", source.namespace, source.name);
        let absent = RemoteError::UnknownProvider {
            host: source.host.clone(),
            provider: source.to_string(),
        };
        let (list, _): (VersionList, _) = Self::json(source, &base, &path, absent).await?;
        Ok(list.versions.into_iter().map(|v| v.version).collect())
    }

    /// Where the package of `version` for `platform` is, and how to check it.
    pub async fn package(
        &self,
        source: &Source,
        version: &str,
        platform: &str,
    ) -> Result<RemotePackage, RemoteError> {
        let base = self.base(source).await?;
        let (os, arch) = platform.split_once('_').unwrap_or((platform, ""));
        let path = format!(
            "{}/{}/{version}/download/{os}/{arch}",
            source.namespace, source.name
        );
        let absent = RemoteError::Platform {
            provider: source.to_string(),
            version: version.to_string(),
            platform: platform.to_string(),
        };
        let (d, at): (Download, Url) = Self::json(source, &base, &path, absent).await?;
        let speaks = |p: &String| matches!(p.split('.').next(), Some("5" | "6"));
        if !d.protocols.is_empty() && !d.protocols.iter().any(speaks) {
            return Err(RemoteError::Protocol {
                provider: source.to_string(),
                version: version.to_string(),
                protocols: d.protocols.join(", "),
            });
        }
        if format!("{}_{}", d.os, d.arch) != platform {
            return Err(Self::failed(
                source,
                format!(
                    "registry response to request for {platform} archive has incorrect target {}_{}",
                    d.os, d.arch
                ),
            ));
        }
        let sha256 = d.shasum.to_ascii_lowercase();
        if sha256.len() != 64 || !sha256.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(Self::failed(
                source,
                format!(
                    "registry response includes invalid SHA256 hash {:?}",
                    d.shasum
                ),
            ));
        }
        let download =
            http_url(&at, &d.download_url, "download URL").map_err(|e| Self::failed(source, e))?;
        let sums_url =
            http_url(&at, &d.shasums_url, "SHASUMS URL").map_err(|e| Self::failed(source, e))?;
        let sums = Self::file(source, &sums_url, "authentication checksums").await?;
        let signature_url = http_url(&at, &d.shasums_signature_url, "SHASUMS signature URL")
            .map_err(|e| Self::failed(source, e))?;
        let signature = Self::file(source, &signature_url, "cryptographic signature").await?;
        Ok(RemotePackage {
            url: download,
            authentication: Some(Authentication::Registry {
                filename: d.filename,
                sha256,
                sums: String::from_utf8_lossy(&sums).into_owned(),
                signature,
                keys: d.signing_keys.gpg_public_keys,
            }),
        })
    }

    /// The body of the file at `url`, one of the package's `what` (for the error).
    async fn file(source: &Source, url: &Url, what: &str) -> Result<Vec<u8>, RemoteError> {
        let resp = get(url, &source.host)
            .await
            .map_err(|e| Self::failed(source, e))?;
        if resp.status != 200 {
            return Err(Self::failed(
                source,
                format!(
                    "failed to retrieve {what} for provider: {url} returned status {}",
                    resp.status
                ),
            ));
        }
        Ok(resp.body)
    }
}

/// A network mirror at a base URL.
pub struct NetworkMirror {
    pub base: Url,
}

#[derive(Deserialize)]
struct MirrorIndex {
    #[serde(default)]
    versions: serde_json::Map<String, serde_json::Value>,
}

#[derive(Deserialize)]
struct MirrorVersion {
    #[serde(default)]
    archives: std::collections::BTreeMap<String, MirrorArchive>,
}

#[derive(Deserialize)]
struct MirrorArchive {
    url: String,
    #[serde(default)]
    hashes: Vec<String>,
}

impl NetworkMirror {
    /// The mirror at `url`: HTTPS, or plain HTTP on this machine.
    pub fn new(url: &str) -> Result<NetworkMirror, String> {
        let mut base = Url::parse(url).map_err(|e| format!("invalid URL {url:?}: {e}"))?;
        if base.scheme() != "https" && !(base.scheme() == "http" && http::is_loopback(&base)) {
            return Err(format!(
                "network mirror URL {url:?} must use https (plain http only on this machine)"
            ));
        }
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        Ok(NetworkMirror { base })
    }

    fn failed(&self, source: &Source, reason: impl ToString) -> RemoteError {
        RemoteError::Mirror {
            mirror: self.base.to_string(),
            provider: source.to_string(),
            reason: reason.to_string(),
        }
    }

    /// GETs a JSON document of the mirror; `None` when it has no such document.
    async fn json<T: serde::de::DeserializeOwned>(
        &self,
        source: &Source,
        file: &str,
    ) -> Result<Option<(T, Url)>, RemoteError> {
        let url = join(
            &self.base,
            &format!("{}/{file}", source.rel_dir().display()),
        )
        .map_err(|e| self.failed(source, e))?;
        let host = self.base.host_str().unwrap_or_default().to_string();
        let resp = get(&url, &host).await.map_err(|e| self.failed(source, e))?;
        match resp.status {
            200 => {}
            404 => return Ok(None),
            s => {
                return Err(self.failed(source, format!("server returned unsuccessful status {s}")))
            }
        }
        let json = resp
            .content_type
            .as_deref()
            .is_some_and(|t| t.split(';').next().unwrap_or("").trim() == "application/json");
        if !json {
            return Err(self.failed(
                source,
                "response has invalid Content-Type: must be application/json",
            ));
        }
        let doc = serde_json::from_slice(&resp.body).map_err(|e| {
            self.failed(
                source,
                format!("invalid response content from mirror server: {e}"),
            )
        })?;
        Ok(Some((doc, resp.url)))
    }

    /// Every version the mirror holds (none when it does not know the provider).
    pub async fn versions(&self, source: &Source) -> Result<Vec<String>, RemoteError> {
        let index: Option<(MirrorIndex, Url)> = self.json(source, "index.json").await?;
        Ok(index
            .map(|(i, _)| i.versions.keys().cloned().collect())
            .unwrap_or_default())
    }

    pub async fn package(
        &self,
        source: &Source,
        version: &str,
        platform: &str,
    ) -> Result<RemotePackage, RemoteError> {
        let Some((index, at)) = self
            .json::<MirrorVersion>(source, &format!("{version}.json"))
            .await?
        else {
            return Err(self.failed(
                source,
                format!("provider mirror does not have archive index for previously-reported {source} version {version}"),
            ));
        };
        let Some(archive) = index.archives.get(platform) else {
            return Err(RemoteError::MirrorPlatform {
                mirror: self.base.to_string(),
                provider: source.to_string(),
                version: version.to_string(),
                platform: platform.to_string(),
            });
        };
        let url = at.join(&archive.url).map_err(|e| {
            self.failed(
                source,
                format!(
                    "provider mirror returned invalid URL {:?}: {e}",
                    archive.url
                ),
            )
        })?;
        Ok(RemotePackage {
            url,
            authentication: (!archive.hashes.is_empty())
                .then(|| Authentication::Hashes(archive.hashes.clone())),
        })
    }
}

/// Downloads a package into `to` (a file).
pub async fn download(package: &RemotePackage, to: &Path) -> Result<(), RemoteError> {
    let failed = |reason: String| RemoteError::Download {
        url: package.url.to_string(),
        reason,
    };
    match http::download(&package.url, to).await {
        Ok(200) => Ok(()),
        Ok(status) => Err(failed(format!("server returned status {status}"))),
        Err(e) => Err(failed(e.to_string())),
    }
}

/// GETs with the host's credential, if any.
async fn get(url: &Url, host: &str) -> Result<http::Response, http::HttpError> {
    http::get(url, crate::disco::token_for(host).as_deref()).await
}

fn join(base: &Url, path: &str) -> Result<Url, String> {
    base.join(path)
        .map_err(|e| format!("invalid URL {base}{path}: {e}"))
}

/// A URL from a registry answer, relative to the answer's own URL; http or https only.
fn http_url(at: &Url, given: &str, what: &str) -> Result<Url, String> {
    let url = at
        .join(given)
        .map_err(|e| format!("registry response includes invalid {what}: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "registry response includes invalid {what}: must use http or https scheme"
        ));
    }
    Ok(url)
}
