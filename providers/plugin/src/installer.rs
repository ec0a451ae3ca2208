//! Installing a provider the way `terraform init` does: pick the version (the lock file's,
//! unless `-upgrade`, within the configuration's constraints), find its package in the
//! filesystem mirrors (unpacked `<version>/<os_arch>/` directories or packed
//! `terraform-provider-<type>_<version>_<os_arch>.zip` archives), check it against the
//! lock file's hashes, and place it in `.terraform/providers` (a link to an unpacked
//! mirror or to the plugin cache, or the unpacked archive). Returns the new lock entry.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use terrane_engine::config::version::satisfies;

use crate::install::{hash_h1, version_key, InstallError, Locked, Source};

/// Where one version's package is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Location {
    Unpacked(PathBuf),
    Packed(PathBuf),
}

/// What the installer did, for the caller to report as `terraform init` does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    ReusingLocked,
    Finding(Option<String>),
    UsingInstalled(String),
    UsingCached(String),
    Installing(String),
    Installed(String),
}

pub struct Installer {
    /// Filesystem mirrors or `-plugin-dir` directories, searched in order.
    pub mirrors: Vec<PathBuf>,
    pub cache: Option<PathBuf>,
    /// The working directory's `.terraform/providers`.
    pub target: PathBuf,
    pub platform: String,
}

impl Installer {
    /// Installs `source` and returns its lock entry.
    pub fn install(
        &self,
        source: &Source,
        constraints: Option<&str>,
        locked: Option<&Locked>,
        upgrade: bool,
        report: &mut dyn FnMut(Event),
    ) -> Result<Locked, InstallError> {
        let available = self.available(source);
        let version = match locked.filter(|_| !upgrade) {
            Some(l) => {
                report(Event::ReusingLocked);
                if let Some(c) = constraints {
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
                report(Event::Finding(constraints.map(str::to_string)));
                self.newest(source, &available, constraints)?
            }
        };
        let Some((_, location)) = available.iter().find(|(v, _)| *v == version) else {
            return Err(self.not_found(source));
        };
        // Hashes the lock file already trusts for this version; a package must match one.
        let trusted: Vec<String> = locked
            .filter(|l| l.version == version)
            .map(|l| l.hashes.clone())
            .unwrap_or_default();
        let dest = self.dir_of(&self.target, source, &version);
        let lock_entry = |h1: String| {
            let mut hashes = trusted.clone();
            hashes.push(h1);
            hashes.sort();
            hashes.dedup();
            Locked {
                version: version.clone(),
                constraints: constraints.map(str::to_string),
                hashes,
            }
        };
        if !trusted.is_empty() {
            if let Ok(h1) = hash_h1(&dest) {
                if trusted.contains(&h1) {
                    report(Event::UsingInstalled(version.clone()));
                    return Ok(lock_entry(h1));
                }
            }
        }
        let mismatch = || InstallError::Mismatch {
            provider: source.to_string(),
            version: version.clone(),
        };
        let cached = self
            .cache
            .as_ref()
            .map(|c| self.dir_of(c, source, &version))
            .filter(|c| c.is_dir());
        if let Some(cached) = cached {
            let h1 = hash_h1(&cached)?;
            if trusted.is_empty() || trusted.contains(&h1) {
                report(Event::UsingCached(version.clone()));
                link(&cached, &dest)?;
                return Ok(lock_entry(h1));
            }
        }
        report(Event::Installing(version.clone()));
        // The package goes to the cache when there is one, and is linked from there.
        let home = match &self.cache {
            Some(c) => self.dir_of(c, source, &version),
            None => dest.clone(),
        };
        let h1 = match location {
            Location::Unpacked(dir) => {
                let h1 = hash_h1(dir)?;
                if !trusted.is_empty() && !trusted.contains(&h1) {
                    return Err(mismatch());
                }
                if self.cache.is_some() {
                    copy_dir(dir, &home)?;
                    link(&home, &dest)?;
                } else {
                    link(dir, &dest)?;
                }
                h1
            }
            Location::Packed(zip) => {
                let zh = format!("zh:{}", sha256_file(zip)?);
                let parent = home.parent().unwrap_or(&home);
                std::fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
                let stage = tempfile::Builder::new()
                    .prefix(".unpacking-")
                    .tempdir_in(parent)
                    .map_err(|e| io(parent, e))?;
                crate::zip::extract(zip, stage.path())?;
                let h1 = hash_h1(stage.path())?;
                if !trusted.is_empty() && !trusted.contains(&h1) && !trusted.contains(&zh) {
                    return Err(mismatch());
                }
                remove(&home)?;
                let staged = stage.keep();
                std::fs::rename(&staged, &home).map_err(|e| io(&home, e))?;
                if home != dest {
                    link(&home, &dest)?;
                }
                h1
            }
        };
        report(Event::Installed(version.clone()));
        Ok(lock_entry(h1))
    }

    /// `<root>/<host>/<namespace>/<type>/<version>/<os_arch>`.
    fn dir_of(&self, root: &Path, source: &Source, version: &str) -> PathBuf {
        root.join(source.rel_dir())
            .join(version)
            .join(&self.platform)
    }

    /// Every version the mirrors hold for this platform; the first mirror holding a
    /// version provides it.
    fn available(&self, source: &Source) -> Vec<(String, Location)> {
        let mut out: Vec<(String, Location)> = Vec::new();
        let packed_prefix = format!("terraform-provider-{}_", source.name);
        let packed_suffix = format!("_{}.zip", self.platform);
        for mirror in &self.mirrors {
            let base = mirror.join(source.rel_dir());
            let Ok(entries) = std::fs::read_dir(&base) else {
                continue;
            };
            for e in entries.filter_map(Result::ok) {
                let name = e.file_name().to_string_lossy().into_owned();
                let found = match name
                    .strip_prefix(&packed_prefix)
                    .and_then(|r| r.strip_suffix(&packed_suffix))
                {
                    Some(v) => Some((v.to_string(), Location::Packed(e.path()))),
                    None => {
                        let dir = e.path().join(&self.platform);
                        dir.is_dir()
                            .then(|| (name.clone(), Location::Unpacked(dir)))
                    }
                };
                if let Some((v, loc)) = found {
                    if !out.iter().any(|(x, _)| *x == v) {
                        out.push((v, loc));
                    }
                }
            }
        }
        out
    }

    fn newest(
        &self,
        source: &Source,
        available: &[(String, Location)],
        constraints: Option<&str>,
    ) -> Result<String, InstallError> {
        if available.is_empty() {
            return Err(self.not_found(source));
        }
        available
            .iter()
            .map(|(v, _)| v)
            .filter(|v| match constraints {
                Some(c) => satisfies(c, v).unwrap_or(false),
                // Without a constraint, pre-releases are never chosen.
                None => !v.contains('-'),
            })
            .max_by_key(|v| version_key(v))
            .cloned()
            .ok_or_else(|| InstallError::NoMatch {
                constraint: constraints.unwrap_or("(any version)").to_string(),
            })
    }

    fn not_found(&self, source: &Source) -> InstallError {
        let searched: Vec<String> = self
            .mirrors
            .iter()
            .map(|m| format!("  - {}", m.display()))
            .collect();
        InstallError::NotFound {
            provider: source.to_string(),
            searched: searched.join("\n"),
        }
    }
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
                mirrors: vec![self.dir.path().join("mirror")],
                cache: cache.then(|| self.dir.path().join("cache")),
                target: self.dir.path().join("work/.terraform/providers"),
                platform: "linux_amd64".into(),
            }
        }

        fn install(
            &self,
            cache: bool,
            constraints: Option<&str>,
            locked: Option<&Locked>,
        ) -> (Result<Locked, InstallError>, Vec<Event>) {
            let mut events = Vec::new();
            let null = Source::parse("hashicorp/null").unwrap();
            let r = self
                .installer(cache)
                .install(&null, constraints, locked, false, &mut |e| events.push(e));
            (r, events)
        }
    }

    #[test]
    fn an_unpacked_mirror_is_linked_and_locked_by_its_h1_hash() {
        let s = Setup::new();
        let (locked, events) = s.install(false, Some("~> 2.1"), None);
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
                Event::Installed("2.1.2".into())
            ]
        );

        // Installed and locked: reused as is.
        let (again, events) = s.install(false, None, Some(&locked));
        assert_eq!(again.unwrap().hashes, locked.hashes);
        assert_eq!(
            events,
            vec![Event::ReusingLocked, Event::UsingInstalled("2.1.2".into())]
        );
    }

    #[test]
    fn a_package_the_lock_file_does_not_trust_is_refused() {
        let s = Setup::new();
        let lock = Locked {
            version: "2.1.2".into(),
            constraints: None,
            hashes: vec!["h1:AAAA".into()],
        };
        let (r, _) = s.install(false, None, Some(&lock));
        assert_eq!(r.unwrap_err().to_string(), "the current package for registry.terraform.io/hashicorp/null 2.1.2 doesn't match any of the checksums previously recorded in the dependency lock file");
        assert!(!s
            .dir
            .path()
            .join("work/.terraform/providers/registry.terraform.io/hashicorp/null/2.1.2")
            .exists());
    }

    #[test]
    fn versions_are_chosen_within_constraints_and_the_lock() {
        let s = Setup::new();
        let (r, _) = s.install(false, Some(">= 3.0"), None);
        assert_eq!(
            r.unwrap_err().to_string(),
            "no available releases match the given constraints >= 3.0"
        );
        let lock = Locked {
            version: "2.1.2".into(),
            ..Locked::default()
        };
        let (r, _) = s.install(false, Some(">= 3.0"), Some(&lock));
        assert!(r.unwrap_err().to_string().starts_with("locked provider registry.terraform.io/hashicorp/null 2.1.2 does not match configured version constraint >= 3.0; must use terrane init -upgrade"));
    }

    #[test]
    fn the_plugin_cache_holds_the_package_and_the_work_directory_links_to_it() {
        let s = Setup::new();
        s.install(true, None, None).0.unwrap();
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
        let (_, events) = s.install(true, None, None);
        assert_eq!(
            events,
            vec![Event::Finding(None), Event::UsingCached("2.1.2".into())]
        );
    }
}
