//! Installing a provider the way `terraform init` does: pick the version (the lock file's,
//! unless `-upgrade`, else the newest within the configuration's constraints among what
//! the installation methods offer), reuse the installed or cached package when the lock
//! file trusts it, else fetch it from the first method that has it (a filesystem mirror's
//! unpacked `<version>/<os_arch>/` directory or packed
//! `terraform-provider-<type>_<version>_<os_arch>.zip`, a network mirror, or the origin
//! registry), check it, and place it in `.terraform/providers` (a link to an unpacked
//! mirror or to the plugin cache, or the unpacked archive). Returns the new lock entry.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use terrane_engine::config::version::satisfies;

use crate::cliconfig::{Location, Method};
use crate::disco::Services;
use crate::install::{acceptable, hash_h1, version_key, InstallError, Locked, Source};
use crate::remote::{self, NetworkMirror, Registry, RemoteError, RemotePackage};

/// Where one version's package is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Found {
    Unpacked(PathBuf),
    Packed(PathBuf),
    Remote(RemotePackage),
}

/// What the installer did, for the caller to report as `terraform init` does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    ReusingLocked,
    Finding(Option<String>),
    UsingInstalled(String),
    UsingCached(String),
    Installing(String),
    /// Installed, with how it was authenticated ("unauthenticated", "verified checksum").
    Installed(String, String),
}

/// One provider to install.
pub struct Request<'a> {
    pub source: &'a Source,
    pub constraints: Option<&'a str>,
    pub locked: Option<&'a Locked>,
    pub upgrade: bool,
    /// Look only in filesystem mirrors: a provider built into terrane whose types the
    /// configuration all finds built in is not fetched over the network.
    pub local_only: bool,
}

pub struct Installer {
    /// The installation methods, searched in order.
    pub methods: Vec<Method>,
    /// Terraform's implied configuration: a provider that a filesystem mirror holds is
    /// not looked up in its registry.
    pub implied: bool,
    pub services: Services,
    pub cache: Option<PathBuf>,
    /// Use a cached package the lock file has no hashes for.
    pub cache_may_break_lock: bool,
    /// The working directory's `.terraform/providers` (or a staging directory).
    pub target: PathBuf,
    pub platform: String,
}

/// A method's versions of one provider.
struct Offer<'m> {
    method: &'m Method,
    versions: Vec<String>,
}

impl Installer {
    /// Installs `req.source` and returns its lock entry.
    pub async fn install(
        &self,
        req: &Request<'_>,
        report: &mut dyn FnMut(Event),
    ) -> Result<Locked, InstallError> {
        let source = req.source;
        let methods = self.methods_for(source, req.local_only);
        let mut offers = None;
        let version = match req.locked.filter(|_| !req.upgrade) {
            Some(l) => {
                report(Event::ReusingLocked);
                if let Some(c) = req.constraints {
                    if !satisfies(c, &l.version).unwrap_or(false) {
                        return Err(InstallError::LockedConstraint {
                            provider: source.to_string(),
                            version: l.version.clone(),
                            constraint: c.to_string(),
                        });
                    }
                }
                l.version.clone()
            }
            None => {
                report(Event::Finding(req.constraints.map(str::to_string)));
                let found = self.offers(source, &methods).await?;
                let version = self.newest(source, &methods, &found, req.constraints)?;
                offers = Some(found);
                version
            }
        };
        // Hashes the lock file already trusts for this version; a package must match one.
        let trusted: Vec<String> = req
            .locked
            .filter(|l| l.version == version)
            .map(|l| l.hashes.clone())
            .unwrap_or_default();
        let dest = self.dir_of(&self.target, source, &version);
        let lock_entry = |new: Vec<String>| {
            let mut hashes = trusted.clone();
            hashes.extend(new);
            hashes.sort();
            hashes.dedup();
            Locked {
                version: version.clone(),
                constraints: req.constraints.map(str::to_string),
                hashes,
            }
        };
        if !trusted.is_empty() {
            if let Ok(h1) = hash_h1(&dest) {
                if trusted.contains(&h1) {
                    report(Event::UsingInstalled(version.clone()));
                    return Ok(lock_entry(vec![h1]));
                }
            }
        }
        let cached = self
            .cache
            .as_ref()
            .map(|c| self.dir_of(c, source, &version))
            .filter(|c| c.is_dir());
        if let Some(cached) = cached {
            let h1 = hash_h1(&cached)?;
            let usable = if trusted.is_empty() {
                self.cache_may_break_lock
            } else {
                trusted.contains(&h1)
            };
            if usable {
                report(Event::UsingCached(version.clone()));
                link(&cached, &dest)?;
                return Ok(lock_entry(vec![h1]));
            }
        }
        let found = self
            .locate(source, &version, &methods, offers.as_deref())
            .await
            .map_err(|e| match e {
                InstallError::Remote(r) => InstallError::Fetch(r),
                other => other,
            })?;
        report(Event::Installing(version.clone()));
        // The package goes to the cache when there is one, and is linked from there.
        let home = match &self.cache {
            Some(c) => self.dir_of(c, source, &version),
            None => dest.clone(),
        };
        let mismatch = || InstallError::Mismatch {
            provider: source.to_string(),
            version: version.clone(),
        };
        let (hashes, auth) = match found {
            Found::Unpacked(dir) => {
                let h1 = hash_h1(&dir)?;
                if !trusted.is_empty() && !trusted.contains(&h1) {
                    return Err(mismatch());
                }
                if self.cache.is_some() {
                    copy_dir(&dir, &home)?;
                    link(&home, &dest)?;
                } else {
                    link(&dir, &dest)?;
                }
                (vec![h1], "unauthenticated".to_string())
            }
            Found::Packed(zip) => {
                let unpacked = Unpacked::new(&zip, &home)?;
                unpacked.accept(&trusted).map_err(|()| mismatch())?;
                let h1 = unpacked.h1.clone();
                unpacked.place(&home, &dest)?;
                (vec![h1], "unauthenticated".to_string())
            }
            Found::Remote(package) => {
                let parent = parent_of(&home)?;
                let zip = tempfile::Builder::new()
                    .prefix(".download-")
                    .suffix(".zip")
                    .tempfile_in(parent)
                    .map_err(|e| io(parent, e))?;
                remote::download(&package, zip.path())
                    .await
                    .map_err(InstallError::Fetch)?;
                // The archive is checked before it is unpacked for use.
                let mut unpacked = None;
                let auth = match &package.authentication {
                    Some(a) => Some(a.check(zip.path(), &mut || {
                        let u = Unpacked::new(zip.path(), &home)?;
                        let h1 = u.h1.clone();
                        unpacked = Some(u);
                        Ok(h1)
                    })?),
                    None => None,
                };
                let unpacked = match unpacked {
                    Some(u) => u,
                    None => Unpacked::new(zip.path(), &home)?,
                };
                unpacked.accept(&trusted).map_err(|()| mismatch())?;
                // A registry's archive hash was checked against its SHA256SUMS: kept too,
                // and with a verified signature, every platform's hash the sums list.
                let mut hashes = vec![unpacked.h1.clone()];
                if let Some(remote::Authentication::Registry { .. }) = &package.authentication {
                    hashes.push(unpacked.zh.clone());
                }
                let report = match auth {
                    Some(a) => {
                        let report = a.report();
                        hashes.extend(a.signed_hashes);
                        report
                    }
                    None => "unauthenticated".to_string(),
                };
                unpacked.place(&home, &dest)?;
                (hashes, report)
            }
        };
        report(Event::Installed(version.clone(), auth));
        Ok(lock_entry(hashes))
    }

    /// `<root>/<host>/<namespace>/<type>/<version>/<os_arch>`.
    fn dir_of(&self, root: &Path, source: &Source, version: &str) -> PathBuf {
        root.join(source.rel_dir())
            .join(version)
            .join(&self.platform)
    }

    /// The methods that may install `source`.
    fn methods_for(&self, source: &Source, local_only: bool) -> Vec<&Method> {
        self.methods
            .iter()
            .filter(|m| m.serves(source))
            .filter(|m| !local_only || matches!(m.location, Location::Filesystem(_)))
            .collect()
    }

    /// What each method offers of `source`. Under the implied configuration, a provider
    /// found in a local directory is not looked up over the network.
    async fn offers<'m>(
        &self,
        source: &Source,
        methods: &[&'m Method],
    ) -> Result<Vec<Offer<'m>>, InstallError> {
        let mut out: Vec<Offer<'m>> = Vec::new();
        for m in methods {
            let versions = match &m.location {
                Location::Filesystem(dir) => self
                    .in_directory(dir, source)
                    .into_iter()
                    .map(|(v, _)| v)
                    .collect(),
                _ if self.implied && out.iter().any(|o| !o.versions.is_empty()) => Vec::new(),
                Location::NetworkMirror(url) => mirror(url)?.versions(source).await?,
                Location::Direct => match self.registry().versions(source).await {
                    Ok(v) => v,
                    Err(e) if e.is_absent() && methods.len() > 1 => Vec::new(),
                    Err(e) => return Err(e.into()),
                },
            };
            out.push(Offer {
                method: m,
                versions,
            });
        }
        Ok(out)
    }

    fn registry(&self) -> Registry<'_> {
        Registry {
            services: &self.services,
        }
    }

    /// Where `version` of `source` is: in the first method that offers it (any method,
    /// when the offers were not asked for because the lock file chose the version).
    async fn locate(
        &self,
        source: &Source,
        version: &str,
        methods: &[&Method],
        offers: Option<&[Offer<'_>]>,
    ) -> Result<Found, InstallError> {
        let candidates: Vec<&Method> = match offers {
            Some(list) => list
                .iter()
                .filter(|o| o.versions.iter().any(|v| v == version))
                .map(|o| o.method)
                .collect(),
            None => methods.to_vec(),
        };
        let mut absent: Option<RemoteError> = None;
        for m in candidates {
            let found = match &m.location {
                Location::Filesystem(dir) => {
                    let here = self.in_directory(dir, source).into_iter();
                    match here.into_iter().find(|(v, _)| v == version) {
                        Some((_, f)) => return Ok(f),
                        None => continue,
                    }
                }
                Location::NetworkMirror(url) => {
                    mirror(url)?.package(source, version, &self.platform).await
                }
                Location::Direct => {
                    self.registry()
                        .package(source, version, &self.platform)
                        .await
                }
            };
            match found {
                Ok(p) => return Ok(Found::Remote(p)),
                Err(e) if e.is_absent() => absent = Some(e),
                Err(e) => return Err(e.into()),
            }
        }
        Err(match absent {
            Some(e) => e.into(),
            None => self.not_found(source),
        })
    }

    /// The versions of `source` a filesystem mirror holds for this platform.
    fn in_directory(&self, mirror: &Path, source: &Source) -> Vec<(String, Found)> {
        let mut out: Vec<(String, Found)> = Vec::new();
        let packed_prefix = format!("terraform-provider-{}_", source.name);
        let packed_suffix = format!("_{}.zip", self.platform);
        let Ok(entries) = std::fs::read_dir(mirror.join(source.rel_dir())) else {
            return out;
        };
        for e in entries.filter_map(Result::ok) {
            let name = e.file_name().to_string_lossy().into_owned();
            let found = match name
                .strip_prefix(&packed_prefix)
                .and_then(|r| r.strip_suffix(&packed_suffix))
            {
                Some(v) => Some((v.to_string(), Found::Packed(e.path()))),
                None => {
                    let dir = e.path().join(&self.platform);
                    dir.is_dir().then(|| (name.clone(), Found::Unpacked(dir)))
                }
            };
            if let Some((v, f)) = found {
                if !out.iter().any(|(x, _)| *x == v) {
                    out.push((v, f));
                }
            }
        }
        out
    }

    fn newest(
        &self,
        source: &Source,
        methods: &[&Method],
        offers: &[Offer<'_>],
        constraints: Option<&str>,
    ) -> Result<String, InstallError> {
        let all: Vec<&String> = offers.iter().flat_map(|o| &o.versions).collect();
        if all.is_empty() {
            return Err(self.not_found_in(source, methods));
        }
        all.into_iter()
            .filter(|v| acceptable(constraints, v))
            .max_by_key(|v| version_key(v))
            .cloned()
            .ok_or_else(|| InstallError::NoMatch {
                constraint: constraints.unwrap_or("(any version)").to_string(),
            })
    }

    fn not_found(&self, source: &Source) -> InstallError {
        let methods: Vec<&Method> = self.methods.iter().collect();
        self.not_found_in(source, &methods)
    }

    fn not_found_in(&self, source: &Source, methods: &[&Method]) -> InstallError {
        let searched: Vec<String> = methods
            .iter()
            .map(|m| match &m.location {
                Location::Filesystem(d) => format!("  - {}", d.display()),
                Location::NetworkMirror(u) => format!("  - provider mirror at {u}"),
                Location::Direct => format!("  - registry {}", source.host),
            })
            .collect();
        InstallError::NotFound {
            provider: source.to_string(),
            searched: searched.join("\n"),
        }
    }
}

fn mirror(url: &str) -> Result<NetworkMirror, InstallError> {
    NetworkMirror::new(url).map_err(InstallError::Mirror)
}

/// An archive unpacked into a staging directory beside its final place.
struct Unpacked {
    stage: tempfile::TempDir,
    h1: String,
    zh: String,
}

impl Unpacked {
    fn new(zip: &Path, home: &Path) -> Result<Unpacked, InstallError> {
        let parent = parent_of(home)?;
        let stage = tempfile::Builder::new()
            .prefix(".unpacking-")
            .tempdir_in(parent)
            .map_err(|e| io(parent, e))?;
        crate::zip::extract(zip, stage.path())?;
        let h1 = hash_h1(stage.path())?;
        let zh = format!("zh:{}", sha256_file(zip)?);
        Ok(Unpacked { stage, h1, zh })
    }

    /// Whether the lock file (when it has hashes for this version) trusts the package:
    /// its unpacked `h1:` hash or its archive's `zh:` hash is listed.
    fn accept(&self, trusted: &[String]) -> Result<(), ()> {
        if trusted.is_empty() || trusted.contains(&self.h1) || trusted.contains(&self.zh) {
            Ok(())
        } else {
            Err(())
        }
    }

    /// Moves the unpacked package to `home` and links `dest` to it if they differ.
    fn place(self, home: &Path, dest: &Path) -> Result<(), InstallError> {
        remove(home)?;
        let staged = self.stage.keep();
        std::fs::rename(&staged, home).map_err(|e| io(home, e))?;
        if home != dest {
            link(home, dest)?;
        }
        Ok(())
    }
}

/// The parent directory of `path`, created if missing.
fn parent_of(path: &Path) -> Result<&Path, InstallError> {
    let parent = path.parent().unwrap_or(path);
    std::fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
    Ok(parent)
}

fn io(p: &Path, e: std::io::Error) -> InstallError {
    InstallError::Io(p.to_path_buf(), e)
}

/// Removes whatever is at `path`: a link, a file or a directory.
fn remove(path: &Path) -> Result<(), InstallError> {
    match std::fs::symlink_metadata(path) {
        Err(_) => Ok(()),
        Ok(m) if m.is_dir() => std::fs::remove_dir_all(path).map_err(|e| io(path, e)),
        Ok(_) => std::fs::remove_file(path).map_err(|e| io(path, e)),
    }
}

/// Makes `at` a symbolic link to the directory `to` (absolute), as Terraform links
/// unpacked mirrors and cache entries.
fn link(to: &Path, at: &Path) -> Result<(), InstallError> {
    remove(at)?;
    if let Some(parent) = at.parent() {
        std::fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
    }
    let to = std::path::absolute(to).map_err(|e| io(to, e))?;
    std::os::unix::fs::symlink(&to, at).map_err(|e| io(at, e))
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), InstallError> {
    remove(to)?;
    std::fs::create_dir_all(to).map_err(|e| io(to, e))?;
    for e in std::fs::read_dir(from).map_err(|e| io(from, e))? {
        let e = e.map_err(|e| io(from, e))?;
        let (src, dst) = (e.path(), to.join(e.file_name()));
        if src.is_dir() {
            copy_dir(&src, &dst)?;
        } else {
            std::fs::copy(&src, &dst).map_err(|e| io(&src, e))?;
        }
    }
    Ok(())
}

/// The lowercase hex SHA-256 of a file, as `zh:` hashes and SHA256SUMS spell it.
pub fn sha256_file(path: &Path) -> Result<String, InstallError> {
    let bytes = std::fs::read(path).map_err(|e| io(path, e))?;
    Ok(Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Setup {
        dir: tempfile::TempDir,
    }

    impl Setup {
        /// A mirror holding null 2.1.2 unpacked (the CLI tests install a packed one).
        fn new() -> Setup {
            let dir = tempfile::tempdir().unwrap();
            let null = dir
                .path()
                .join("mirror/registry.terraform.io/hashicorp/null");
            std::fs::create_dir_all(null.join("2.1.2/linux_amd64")).unwrap();
            std::fs::write(null.join("2.1.2/linux_amd64/terraform-provider-null"), b"x").unwrap();
            Setup { dir }
        }

        fn installer(&self, cache: bool) -> Installer {
            Installer {
                methods: vec![Method::new(Location::Filesystem(
                    self.dir.path().join("mirror"),
                ))],
                implied: false,
                services: Services::default(),
                cache: cache.then(|| self.dir.path().join("cache")),
                cache_may_break_lock: false,
                target: self.dir.path().join("work/.terraform/providers"),
                platform: "linux_amd64".into(),
            }
        }

        async fn install(
            &self,
            cache: bool,
            constraints: Option<&str>,
            locked: Option<&Locked>,
        ) -> (Result<Locked, InstallError>, Vec<Event>) {
            let mut events = Vec::new();
            let null = Source::parse("hashicorp/null").unwrap();
            let req = Request {
                source: &null,
                constraints,
                locked,
                upgrade: false,
                local_only: false,
            };
            let r = self
                .installer(cache)
                .install(&req, &mut |e| events.push(e))
                .await;
            (r, events)
        }
    }

    #[tokio::test]
    async fn an_unpacked_mirror_is_linked_and_locked_by_its_h1_hash() {
        let s = Setup::new();
        let (locked, events) = s.install(false, Some("~> 2.1"), None).await;
        let locked = locked.unwrap();
        assert_eq!(locked.version, "2.1.2");
        assert_eq!(locked.constraints.as_deref(), Some("~> 2.1"));
        let dest = s.dir.path().join(
            "work/.terraform/providers/registry.terraform.io/hashicorp/null/2.1.2/linux_amd64",
        );
        assert!(std::fs::symlink_metadata(&dest)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(locked.hashes, vec![hash_h1(&dest).unwrap()]);
        assert_eq!(
            events,
            vec![
                Event::Finding(Some("~> 2.1".into())),
                Event::Installing("2.1.2".into()),
                Event::Installed("2.1.2".into(), "unauthenticated".into())
            ]
        );

        // Installed and locked: reused as is.
        let (again, events) = s.install(false, None, Some(&locked)).await;
        assert_eq!(again.unwrap().hashes, locked.hashes);
        assert_eq!(
            events,
            vec![Event::ReusingLocked, Event::UsingInstalled("2.1.2".into())]
        );
    }

    #[tokio::test]
    async fn a_package_the_lock_file_does_not_trust_is_refused() {
        let s = Setup::new();
        let lock = Locked {
            version: "2.1.2".into(),
            constraints: None,
            hashes: vec!["h1:AAAA".into()],
        };
        let (r, _) = s.install(false, None, Some(&lock)).await;
        assert_eq!(r.unwrap_err().to_string(), "the current package for registry.terraform.io/hashicorp/null 2.1.2 doesn't match any of the checksums previously recorded in the dependency lock file");
        assert!(!s
            .dir
            .path()
            .join("work/.terraform/providers/registry.terraform.io/hashicorp/null/2.1.2")
            .exists());
    }

    #[tokio::test]
    async fn versions_are_chosen_within_constraints_and_the_lock() {
        let s = Setup::new();
        let (r, _) = s.install(false, Some(">= 3.0"), None).await;
        assert_eq!(
            r.unwrap_err().to_string(),
            "no available releases match the given constraints >= 3.0"
        );
        let lock = Locked {
            version: "2.1.2".into(),
            ..Locked::default()
        };
        let (r, _) = s.install(false, Some(">= 3.0"), Some(&lock)).await;
        assert!(r.unwrap_err().to_string().starts_with("locked provider registry.terraform.io/hashicorp/null 2.1.2 does not match configured version constraint >= 3.0; must use terrane init -upgrade"));
    }

    #[tokio::test]
    async fn the_plugin_cache_holds_the_package_and_the_work_directory_links_to_it() {
        let s = Setup::new();
        let locked = s.install(true, None, None).await.0.unwrap();
        let cached = s
            .dir
            .path()
            .join("cache/registry.terraform.io/hashicorp/null/2.1.2/linux_amd64");
        assert!(cached.join("terraform-provider-null").is_file());
        let dest = s.dir.path().join(
            "work/.terraform/providers/registry.terraform.io/hashicorp/null/2.1.2/linux_amd64",
        );
        assert_eq!(std::fs::read_link(&dest).unwrap(), cached);
        std::fs::remove_file(&dest).unwrap();
        // The lock file trusts the cached package: it is linked again, not copied.
        let (_, events) = s.install(true, None, Some(&locked)).await;
        assert_eq!(
            events,
            vec![Event::ReusingLocked, Event::UsingCached("2.1.2".into())]
        );
    }
}
