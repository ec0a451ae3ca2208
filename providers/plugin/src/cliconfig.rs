//! The parts of Terraform's CLI configuration (`TF_CLI_CONFIG_FILE` or `~/.terraformrc`)
//! that provider installation reads: `provider_installation` with its methods
//! (`filesystem_mirror`, `network_mirror`, `direct`, each with `include`/`exclude`),
//! `host` blocks overriding service discovery, and the plugin cache.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::disco::Services;
use crate::install::{parse_hcl, InstallError, Source};

/// Where one installation method looks for packages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A directory laid out as `<host>/<ns>/<type>/...` (unpacked or zip packages).
    Filesystem(PathBuf),
    /// A network mirror's base URL (`index.json` and `<version>.json` beneath it).
    NetworkMirror(String),
    /// Each provider's origin registry.
    Direct,
}

/// One method of `provider_installation`, with the providers it may serve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Method {
    pub location: Location,
    pub include: Vec<String>,
    pub exclude: Vec<String>,
}

impl Method {
    pub fn new(location: Location) -> Method {
        Method {
            location,
            include: Vec::new(),
            exclude: Vec::new(),
        }
    }

    /// Whether this method may install `source`: listed by `include` (when given) and
    /// not by `exclude`.
    pub fn serves(&self, source: &Source) -> bool {
        (self.include.is_empty() || self.include.iter().any(|p| matches(p, source)))
            && !self.exclude.iter().any(|p| matches(p, source))
    }
}

/// A pattern such as `hashicorp/*` or `example.com/*/*` against a provider address.
fn matches(pattern: &str, source: &Source) -> bool {
    let parts: Vec<&str> = pattern.split('/').collect();
    let (host, ns, name) = match parts.as_slice() {
        [ns, name] => (crate::install::DEFAULT_HOST, *ns, *name),
        [host, ns, name] => (*host, *ns, *name),
        _ => return false,
    };
    let part = |p: &str, v: &str| p == "*" || p.eq_ignore_ascii_case(v);
    part(host, &source.host) && part(ns, &source.namespace) && part(name, &source.name)
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CliConfig {
    /// The installation methods in order. Without a `provider_installation` block: the
    /// implied local mirror directories that exist, then `direct`.
    pub methods: Vec<Method>,
    /// No `provider_installation` block: a provider found in an implied local directory
    /// is never looked up in its registry (Terraform's implied configuration).
    pub implied: bool,
    pub plugin_cache_dir: Option<PathBuf>,
    /// `plugin_cache_may_break_dependency_lock_file`: use a cached package that the lock
    /// file has no hashes for.
    pub cache_may_break_lock: bool,
    pub services: Services,
    /// `credentials "host" { token = "..." }` blocks, and those `terraform login` keeps in
    /// `~/.terraform.d/credentials.tfrc.json`: host (lower case) -> API token.
    pub credentials: BTreeMap<String, String>,
}

impl CliConfig {
    /// Reads `TF_CLI_CONFIG_FILE` or `~/.terraformrc`, and `TF_PLUGIN_CACHE_DIR`.
    pub fn load() -> Result<CliConfig, InstallError> {
        let home = std::env::var_os("HOME").map(PathBuf::from);
        let path = std::env::var_os("TF_CLI_CONFIG_FILE")
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
            .or_else(|| home.as_ref().map(|h| h.join(".terraformrc")));
        let text = path.as_ref().and_then(|p| std::fs::read_to_string(p).ok());
        let mut cfg = match (&path, text) {
            (Some(p), Some(text)) => {
                parse(&text).map_err(|(offset, message)| InstallError::Syntax {
                    path: p.clone(),
                    line: text[..offset.min(text.len())].matches('\n').count() + 1,
                    message,
                })?
            }
            _ => CliConfig {
                implied: true,
                ..CliConfig::default()
            },
        };
        if let Some(h) = &home {
            for (host, token) in credentials_file(&h.join(".terraform.d/credentials.tfrc.json")) {
                // The CLI configuration's own blocks win over the file.
                cfg.credentials.entry(host).or_insert(token);
            }
        }
        if let Some(dir) = std::env::var_os("TF_PLUGIN_CACHE_DIR").filter(|d| !d.is_empty()) {
            cfg.plugin_cache_dir = Some(PathBuf::from(dir));
        }
        if std::env::var("TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE")
            .is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
        {
            cfg.cache_may_break_lock = true;
        }
        if cfg.implied {
            cfg.methods = implied_mirrors(home.as_deref())
                .into_iter()
                .filter(|d| d.is_dir())
                .map(|d| Method::new(Location::Filesystem(d)))
                .chain([Method::new(Location::Direct)])
                .collect();
        }
        Ok(cfg)
    }

    /// The configuration `-plugin-dir` makes: only those directories.
    pub fn with_plugin_dirs(mut self, dirs: &[PathBuf]) -> CliConfig {
        if !dirs.is_empty() {
            self.implied = false;
            self.methods = dirs
                .iter()
                .map(|d| Method::new(Location::Filesystem(d.clone())))
                .collect();
        }
        self
    }
}

/// The tokens in a credentials file as `terraform login` writes it:
/// `{"credentials": {"host": {"token": "..."}}}`; nothing when it is missing or unreadable.
fn credentials_file(path: &Path) -> BTreeMap<String, String> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return BTreeMap::new();
    };
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    doc["credentials"]
        .as_object()
        .map(|hosts| {
            hosts
                .iter()
                .filter_map(|(host, c)| {
                    Some((host.to_ascii_lowercase(), c["token"].as_str()?.to_string()))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Terraform's implied local mirror directories on Unix.
fn implied_mirrors(home: Option<&Path>) -> Vec<PathBuf> {
    let mut dirs = vec![PathBuf::from("terraform.d/plugins")];
    if let Some(h) = home {
        dirs.push(h.join(".terraform.d/plugins"));
        dirs.push(h.join(".local/share/terraform/plugins"));
    }
    dirs.push(PathBuf::from("/usr/local/share/terraform/plugins"));
    dirs.push(PathBuf::from("/usr/share/terraform/plugins"));
    dirs
}

fn parse(text: &str) -> Result<CliConfig, (usize, String)> {
    use hcl_edit::expr::Expression;
    use hcl_edit::structure::{Body, Structure};
    let body = parse_hcl(text)?;
    let mut cfg = CliConfig {
        implied: true,
        ..CliConfig::default()
    };
    let string = |e: &Expression| match e {
        Expression::String(s) => Some(s.value().to_string()),
        _ => None,
    };
    let attr = |b: &Body, key: &str| {
        b.attributes()
            .find(|a| a.key.as_str() == key)
            .map(|a| a.value.clone())
    };
    let strings = |e: Option<Expression>| -> Vec<String> {
        match e {
            Some(Expression::Array(items)) => items.iter().filter_map(string).collect(),
            _ => Vec::new(),
        }
    };
    for s in body.iter() {
        match s {
            Structure::Attribute(a) if a.key.as_str() == "plugin_cache_dir" => {
                cfg.plugin_cache_dir = string(&a.value).map(PathBuf::from);
            }
            Structure::Attribute(a)
                if a.key.as_str() == "plugin_cache_may_break_dependency_lock_file" =>
            {
                cfg.cache_may_break_lock = matches!(&a.value, Expression::Bool(b) if *b.value());
            }
            Structure::Block(b) if b.ident.as_str() == "provider_installation" => {
                // An empty block still replaces the implied methods.
                cfg.implied = false;
                for inner in b.body.blocks() {
                    let location = match inner.ident.as_str() {
                        "filesystem_mirror" => attr(&inner.body, "path")
                            .as_ref()
                            .and_then(string)
                            .map(|p| Location::Filesystem(PathBuf::from(p))),
                        "network_mirror" => attr(&inner.body, "url")
                            .as_ref()
                            .and_then(string)
                            .map(Location::NetworkMirror),
                        "direct" => Some(Location::Direct),
                        _ => None,
                    };
                    if let Some(location) = location {
                        cfg.methods.push(Method {
                            location,
                            include: strings(attr(&inner.body, "include")),
                            exclude: strings(attr(&inner.body, "exclude")),
                        });
                    }
                }
            }
            Structure::Block(b) if b.ident.as_str() == "credentials" => {
                let (Some(host), Some(token)) = (
                    b.labels.first(),
                    attr(&b.body, "token").as_ref().and_then(string),
                ) else {
                    continue;
                };
                cfg.credentials
                    .insert(host.as_str().to_ascii_lowercase(), token);
            }
            Structure::Block(b) if b.ident.as_str() == "host" => {
                let Some(host) = b.labels.first() else {
                    continue;
                };
                let services: BTreeMap<String, String> = match attr(&b.body, "services") {
                    Some(Expression::Object(o)) => o
                        .iter()
                        .filter_map(|(k, v)| {
                            let key = match k {
                                hcl_edit::expr::ObjectKey::Ident(i) => i.to_string(),
                                hcl_edit::expr::ObjectKey::Expression(e) => string(e)?,
                            };
                            Some((key, string(v.expr())?))
                        })
                        .collect(),
                    _ => BTreeMap::new(),
                };
                cfg.services
                    .hosts
                    .insert(host.as_str().to_ascii_lowercase(), services);
            }
            _ => {}
        }
    }
    Ok(cfg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_come_from_blocks_and_the_login_file() {
        let cfg = parse(
            "credentials \"App.Terraform.io\" {\n  token = \"abc\"\n}\ncredentials \"x.example\" {}\n",
        )
        .unwrap();
        assert_eq!(
            cfg.credentials,
            BTreeMap::from([("app.terraform.io".to_string(), "abc".to_string())])
        );
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("credentials.tfrc.json");
        std::fs::write(
            &file,
            r#"{"credentials": {"registry.example.com": {"token": "xyz"}, "bad": {}}}"#,
        )
        .unwrap();
        assert_eq!(
            credentials_file(&file),
            BTreeMap::from([("registry.example.com".to_string(), "xyz".to_string())])
        );
        assert!(credentials_file(&dir.path().join("missing.json")).is_empty());
    }

    #[test]
    fn installation_methods_keep_their_order_and_patterns() {
        let cfg = parse(
            r#"plugin_cache_dir = "/cache"
provider_installation {
  filesystem_mirror {
    path    = "/m"
    include = ["example.com/*/*"]
  }
  network_mirror {
    url     = "https://mirror.example.com/providers/"
    exclude = ["hashicorp/aws"]
  }
  direct {}
}
host "example.com" {
  services = {
    "providers.v1" = "http://127.0.0.1:8080/v1/providers/"
  }
}
"#,
        )
        .unwrap();
        assert_eq!(cfg.plugin_cache_dir, Some(PathBuf::from("/cache")));
        let locations: Vec<&Location> = cfg.methods.iter().map(|m| &m.location).collect();
        assert_eq!(
            locations,
            [
                &Location::Filesystem("/m".into()),
                &Location::NetworkMirror("https://mirror.example.com/providers/".into()),
                &Location::Direct
            ]
        );
        let aws = Source::parse("hashicorp/aws").unwrap();
        let thing = Source::parse("example.com/acme/thing").unwrap();
        assert!(cfg.methods[0].serves(&thing) && !cfg.methods[0].serves(&aws));
        assert!(!cfg.methods[1].serves(&aws) && cfg.methods[1].serves(&thing));
        assert_eq!(
            cfg.services.hosts["example.com"]["providers.v1"],
            "http://127.0.0.1:8080/v1/providers/"
        );
        assert!(!cfg.implied);
    }
}
