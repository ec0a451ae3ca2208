//! Where provider plugins live, as `terraform init` lays them out: the working directory's
//! `.terraform/providers/<host>/<namespace>/<type>/<version>/<os_arch>/`, filesystem mirrors
//! (the CLI configuration's `provider_installation` and the implied local directories), and
//! `.terraform.lock.hcl`, whose `h1:` hashes an installed package must match.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use sha2::{Digest, Sha256};

/// The registry a provider source without a host comes from.
pub const DEFAULT_HOST: &str = "registry.terraform.io";

#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    #[error("invalid provider source address {0:?}")]
    Source(String),
    #[error("{path}: {source}", path = .0.display(), source = .1)]
    Io(PathBuf, #[source] std::io::Error),
    #[error("{}:{line}: {message}", .path.display())]
    Syntax {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("the cached package for {provider} {version} does not match any of the checksums recorded in the dependency lock file ({lock}); run \"terrane init -upgrade\" or restore the lock file")]
    Checksum {
        provider: String,
        version: String,
        lock: String,
    },
    #[error("{path}: {1}", path = .0.display())]
    Archive(PathBuf, String),
    #[error("provider {provider} was not found in any of the search locations\n\n{searched}")]
    NotFound { provider: String, searched: String },
    #[error("no available releases match the given constraints {constraint}")]
    NoMatch { constraint: String },
    #[error("locked provider {provider} {version} does not match configured version constraint {constraint}; must use terrane init -upgrade to allow selection of new versions")]
    LockedConstraint {
        provider: String,
        version: String,
        constraint: String,
    },
    #[error("the current package for {provider} {version} doesn't match any of the checksums previously recorded in the dependency lock file")]
    Mismatch { provider: String, version: String },
    /// A downloaded package failed its source's checks (checksums).
    #[error("{0}")]
    Authentication(String),
    /// Asking the installation methods which versions they have failed.
    #[error(transparent)]
    Remote(#[from] crate::remote::RemoteError),
    /// Fetching the chosen version's package failed.
    #[error(transparent)]
    Fetch(crate::remote::RemoteError),
    #[error("invalid network mirror: {0}")]
    Mirror(String),
    #[error("provider {provider} {version} is locked in {lock}, but {installed} is installed")]
    Version {
        provider: String,
        version: String,
        installed: String,
        lock: String,
    },
}

/// A fully qualified provider source address: `registry.terraform.io/hashicorp/null`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Source {
    pub host: String,
    pub namespace: String,
    pub name: String,
}

impl Source {
    /// Parses `null`, `hashicorp/null` or `registry.terraform.io/hashicorp/null`.
    pub fn parse(s: &str) -> Result<Source, InstallError> {
        let parts: Vec<&str> = s.split('/').collect();
        let (host, ns, name) = match parts.as_slice() {
            [name] => (DEFAULT_HOST, "hashicorp", *name),
            [ns, name] => (DEFAULT_HOST, *ns, *name),
            [host, ns, name] => (*host, *ns, *name),
            _ => return Err(InstallError::Source(s.to_string())),
        };
        if [host, ns, name].iter().any(|p| p.is_empty()) {
            return Err(InstallError::Source(s.to_string()));
        }
        Ok(Source {
            host: host.to_ascii_lowercase(),
            namespace: ns.to_ascii_lowercase(),
            name: name.to_ascii_lowercase(),
        })
    }

    /// `<host>/<namespace>/<type>`, the directory of its versions in a provider tree.
    pub fn rel_dir(&self) -> PathBuf {
        [&self.host, &self.namespace, &self.name].iter().collect()
    }
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}/{}", self.host, self.namespace, self.name)
    }
}

/// This machine's platform as provider packages name it: `linux_amd64`.
pub fn platform() -> String {
    let os = match std::env::consts::OS {
        "macos" => "darwin",
        other => other,
    };
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    };
    format!("{os}_{arch}")
}

/// One unpacked provider package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    pub source: Source,
    pub version: String,
    /// The `<os_arch>` directory holding the package's files.
    pub dir: PathBuf,
    /// The plugin executable (`terraform-provider-<type>...`) in `dir`.
    pub executable: PathBuf,
}

/// Packages of `source` in an unpacked directory tree (`.terraform/providers` or a
/// filesystem mirror), newest version first.
pub fn packages_in(root: &Path, source: &Source) -> Vec<Package> {
    let base = root.join(source.rel_dir());
    let Ok(entries) = std::fs::read_dir(&base) else {
        return Vec::new();
    };
    let mut found: Vec<Package> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let version = e.file_name().to_string_lossy().into_owned();
            let dir = e.path().join(platform());
            let executable = executable_in(&dir, &source.name)?;
            Some(Package {
                source: source.clone(),
                version,
                dir,
                executable,
            })
        })
        .collect();
    found.sort_by_key(|p| std::cmp::Reverse(version_key(&p.version)));
    found
}

fn executable_in(dir: &Path, name: &str) -> Option<PathBuf> {
    let prefix = format!("terraform-provider-{name}");
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
        .map(|e| e.path())
        .collect();
    names.sort();
    names.into_iter().next()
}

/// Orders versions numerically (`2.10.0` after `2.9.1`); pre-releases before releases.
pub fn version_key(v: &str) -> (Vec<u64>, bool, String) {
    let (core, pre) = v.split_once('-').unwrap_or((v, ""));
    let nums = core.split('.').map(|n| n.parse().unwrap_or(0)).collect();
    (nums, pre.is_empty(), pre.to_string())
}

/// Whether `version` may be chosen under `constraints`. As in Terraform, a pre-release
/// is chosen only when a constraint names it exactly.
pub fn acceptable(constraints: Option<&str>, version: &str) -> bool {
    if version.contains('-') {
        return constraints.is_some_and(|c| {
            c.split(',')
                .any(|part| part.trim().trim_start_matches('=').trim() == version)
        });
    }
    match constraints {
        Some(c) => terrane_engine::config::version::satisfies(c, version).unwrap_or(false),
        None => true,
    }
}

/// Terraform's `h1:` package hash: SHA-256 over the sorted "<sha256>  <file>" lines of
/// every file in the package directory (Go's dirhash Hash1).
pub fn hash_h1(dir: &Path) -> Result<String, InstallError> {
    let mut files = Vec::new();
    collect_files(dir, dir, &mut files)?;
    files.sort();
    let mut summary = String::new();
    for rel in &files {
        let path = dir.join(rel);
        let bytes = std::fs::read(&path).map_err(|e| InstallError::Io(path.clone(), e))?;
        let digest = Sha256::digest(&bytes);
        summary.push_str(&format!("{}  {rel}\n", hex(&digest)));
    }
    let sum = Sha256::digest(summary.as_bytes());
    Ok(format!(
        "h1:{}",
        base64::engine::general_purpose::STANDARD.encode(sum)
    ))
}

fn collect_files(root: &Path, dir: &Path, out: &mut Vec<String>) -> Result<(), InstallError> {
    let entries = std::fs::read_dir(dir).map_err(|e| InstallError::Io(dir.to_path_buf(), e))?;
    for e in entries {
        let e = e.map_err(|e| InstallError::Io(dir.to_path_buf(), e))?;
        let path = e.path();
        // Follows symbolic links, as Terraform's hash of a linked cache entry does.
        if path.is_dir() {
            collect_files(root, &path, out)?;
        } else if let Ok(rel) = path.strip_prefix(root) {
            let rel: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            out.push(rel.join("/"));
        }
    }
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// One `provider` block of `.terraform.lock.hcl`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Locked {
    pub version: String,
    pub constraints: Option<String>,
    pub hashes: Vec<String>,
}

/// The dependency lock file: provider source (`registry.terraform.io/hashicorp/null`) to
/// the version and hashes chosen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LockFile {
    pub providers: BTreeMap<String, Locked>,
}

pub const LOCK_FILE: &str = ".terraform.lock.hcl";

impl LockFile {
    /// Reads the lock file; a missing file is an empty lock.
    pub fn read(path: &Path) -> Result<LockFile, InstallError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(LockFile::default()),
            Err(e) => return Err(InstallError::Io(path.to_path_buf(), e)),
        };
        parse_lock(&text).map_err(|(offset, message)| InstallError::Syntax {
            path: path.to_path_buf(),
            line: text[..offset.min(text.len())].matches('\n').count() + 1,
            message,
        })
    }

    /// Writes the file whole: into a temporary file beside it, then renamed over it.
    pub fn write(&self, path: &Path) -> Result<(), InstallError> {
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let io = |e| InstallError::Io(path.to_path_buf(), e);
        let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
        std::io::Write::write_all(&mut tmp, self.render().as_bytes()).map_err(io)?;
        tmp.persist(path).map_err(|e| io(e.error))?;
        Ok(())
    }

    /// The file as `terraform init` writes it (hashes sorted, one per line).
    pub fn render(&self) -> String {
        let mut out = String::from("# This file is maintained automatically by \"terraform init\".\n# Manual edits may be lost in future updates.\n");
        for (source, l) in &self.providers {
            out.push_str(&format!("\nprovider \"{source}\" {{\n"));
            match &l.constraints {
                Some(c) => {
                    out.push_str(&format!("  version     = \"{}\"\n", l.version));
                    out.push_str(&format!("  constraints = \"{c}\"\n"));
                }
                None => out.push_str(&format!("  version = \"{}\"\n", l.version)),
            }
            let mut hashes = l.hashes.clone();
            hashes.sort();
            hashes.dedup();
            out.push_str("  hashes = [\n");
            for h in hashes {
                out.push_str(&format!("    \"{h}\",\n"));
            }
            out.push_str("  ]\n}\n");
        }
        out
    }

    /// Refuses a package whose version or `h1:` hash is not what the lock records.
    pub fn verify(&self, pkg: &Package) -> Result<(), InstallError> {
        let key = pkg.source.to_string();
        let Some(locked) = self.providers.get(&key) else {
            return Ok(());
        };
        if locked.version != pkg.version {
            return Err(InstallError::Version {
                provider: key,
                version: locked.version.clone(),
                installed: pkg.version.clone(),
                lock: LOCK_FILE.into(),
            });
        }
        let h1: Vec<&String> = locked
            .hashes
            .iter()
            .filter(|h| h.starts_with("h1:"))
            .collect();
        if h1.is_empty() {
            return Ok(());
        }
        let actual = hash_h1(&pkg.dir)?;
        if h1.iter().any(|h| **h == actual) {
            Ok(())
        } else {
            Err(InstallError::Checksum {
                provider: key,
                version: pkg.version.clone(),
                lock: LOCK_FILE.into(),
            })
        }
    }
}

/// Parses HCL; an error carries the byte offset of its line.
pub(crate) fn parse_hcl(text: &str) -> Result<hcl_edit::structure::Body, (usize, String)> {
    hcl_edit::parser::parse_body(text).map_err(|e| {
        let offset = text
            .split_inclusive('\n')
            .take(e.location().line().saturating_sub(1))
            .map(str::len)
            .sum();
        (offset, e.message().to_string())
    })
}

/// Parses the lock file's HCL; errors carry a byte offset.
fn parse_lock(text: &str) -> Result<LockFile, (usize, String)> {
    use hcl_edit::expr::Expression;
    use hcl_edit::structure::Structure;
    use hcl_edit::Span as _;
    let body = parse_hcl(text)?;
    let mut lock = LockFile::default();
    let string = |e: &Expression| match e {
        Expression::String(s) => Some(s.value().to_string()),
        _ => None,
    };
    for s in body.iter() {
        let Structure::Block(b) = s else { continue };
        if b.ident.as_str() != "provider" {
            continue;
        }
        let at = b.span().map_or(0, |r| r.start);
        let Some(source) = b.labels.first().map(|l| l.as_str().to_string()) else {
            return Err((
                at,
                "a provider block needs its source address as label".into(),
            ));
        };
        let mut locked = Locked::default();
        for a in b.body.attributes() {
            match a.key.as_str() {
                "version" => locked.version = string(&a.value).unwrap_or_default(),
                "constraints" => locked.constraints = string(&a.value),
                "hashes" => {
                    if let Expression::Array(items) = &a.value {
                        locked.hashes = items.iter().filter_map(string).collect();
                    }
                }
                _ => {}
            }
        }
        let key = Source::parse(&source).map_or(source, |s| s.to_string());
        lock.providers.insert(key, locked);
    }
    Ok(lock)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_default_to_the_public_registry() {
        assert_eq!(
            Source::parse("hashicorp/null").unwrap().to_string(),
            "registry.terraform.io/hashicorp/null"
        );
        assert_eq!(
            Source::parse("Example.com/Acme/Thing").unwrap().to_string(),
            "example.com/acme/thing"
        );
        assert!(Source::parse("a/b/c/d").is_err());
    }

    #[test]
    fn lock_files_round_trip() {
        let text = r#"# This file is maintained automatically by "terraform init".
# Manual edits may be lost in future updates.

provider "registry.terraform.io/hashicorp/null" {
  version     = "2.1.2"
  constraints = "2.1.2"
  hashes = [
    "h1:abc=",
    "zh:0123",
  ]
}
"#;
        let lock = parse_lock(text).unwrap();
        assert_eq!(
            lock.providers["registry.terraform.io/hashicorp/null"]
                .hashes
                .len(),
            2
        );
        assert_eq!(lock.render(), text);
    }

    #[test]
    fn pre_releases_are_chosen_only_by_name() {
        assert!(acceptable(Some("~> 2.1"), "2.1.2"));
        assert!(!acceptable(Some("~> 2.1"), "2.1.3-beta1"));
        assert!(!acceptable(None, "2.1.3-beta1"));
        assert!(acceptable(Some("= 2.1.3-beta1"), "2.1.3-beta1"));
        assert!(!acceptable(Some(">= 3.0"), "2.1.2"));
    }

    #[test]
    fn h1_hashes_cover_names_and_contents() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("terraform-provider-x"), b"binary").unwrap();
        let a = hash_h1(dir.path()).unwrap();
        std::fs::write(dir.path().join("terraform-provider-x"), b"binarY").unwrap();
        let b = hash_h1(dir.path()).unwrap();
        assert!(a.starts_with("h1:"));
        assert_ne!(a, b);
    }
}
