//! Module source addresses, read as Terraform reads them: local paths, registry addresses
//! (`[host/]namespace/name/system[//subdir]`) and remote packages (`git::...`, the
//! `github.com/...` and `git@host:...` shorthands, `https://...`), each normalized to the
//! address Terraform records in `.terraform/modules/modules.json`. Only parsing lives here;
//! downloading is the binary's job.

use std::fmt;

/// The registry a registry address without a host names.
pub const DEFAULT_REGISTRY_HOST: &str = "registry.terraform.io";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModuleSource {
    /// `./x` or `../x`, relative to the calling module's directory.
    Local(String),
    Registry(RegistrySource),
    /// A package downloaded as is: `git::https://example.com/x.git?ref=v1`.
    Remote {
        /// The normalized package address, query included, subdirectory excluded.
        package: String,
        /// The directory inside the package that holds the module.
        subdir: Option<String>,
    },
}

/// `host/namespace/name/system`, from which a registry gives a package address per version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrySource {
    pub host: String,
    pub namespace: String,
    pub name: String,
    pub system: String,
    pub subdir: Option<String>,
}

impl RegistrySource {
    /// `namespace/name/system`, the module's path in the registry API.
    pub fn module_path(&self) -> String {
        format!("{}/{}/{}", self.namespace, self.name, self.system)
    }
}

impl ModuleSource {
    /// Parses a `source` argument.
    ///
    /// # Errors
    /// A sentence saying why the address is not one Terraform accepts.
    pub fn parse(src: &str) -> Result<ModuleSource, String> {
        if ["./", "../", ".\\", "..\\"]
            .iter()
            .any(|p| src.starts_with(p))
        {
            return Ok(ModuleSource::Local(src.to_string()));
        }
        if let Some(r) = registry(src) {
            return Ok(ModuleSource::Registry(r));
        }
        remote(src)
    }
}

impl fmt::Display for ModuleSource {
    /// The address as Terraform records it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModuleSource::Local(p) => f.write_str(p),
            ModuleSource::Registry(r) => {
                write!(f, "{}/{}", r.host, r.module_path())?;
                match &r.subdir {
                    Some(d) => write!(f, "//{d}"),
                    None => Ok(()),
                }
            }
            ModuleSource::Remote { package, subdir } => match (subdir, package.split_once('?')) {
                (None, _) => f.write_str(package),
                (Some(d), Some((base, query))) => write!(f, "{base}//{d}?{query}"),
                (Some(d), None) => write!(f, "{package}//{d}"),
            },
        }
    }
}

/// Splits `pkg//subdir?query` into `pkg?query` and `subdir`, looking for `//` only after
/// a scheme's `://`, as go-getter does.
pub fn split_subdir(addr: &str) -> (String, Option<String>) {
    let scheme_end = addr.find("://").map_or(0, |i| i + 3);
    let (body, query) = match addr.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (addr, None),
    };
    let Some(at) = body[scheme_end.min(body.len())..].find("//") else {
        return (addr.to_string(), None);
    };
    let at = scheme_end + at;
    let package = match query {
        Some(q) => format!("{}?{q}", &body[..at]),
        None => body[..at].to_string(),
    };
    let sub = body[at + 2..].trim_matches('/');
    (package, (!sub.is_empty()).then(|| sub.to_string()))
}

fn ident(p: &str) -> bool {
    !p.is_empty()
        && p.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// A registry address, or `None` when `src` has another shape. GitHub and Bitbucket
/// addresses are git shorthands, never registries.
fn registry(src: &str) -> Option<RegistrySource> {
    if src.contains("::") || src.contains("://") {
        return None;
    }
    let (path, subdir) = match src.split_once("//") {
        Some((p, s)) => (
            p,
            Some(s.trim_matches('/').to_string()).filter(|s| !s.is_empty()),
        ),
        None => (src, None),
    };
    let parts: Vec<&str> = path.split('/').collect();
    let (host, rest) = match parts.as_slice() {
        [ns, name, system] => (DEFAULT_REGISTRY_HOST.to_string(), [*ns, *name, *system]),
        [host, ns, name, system] => {
            let h = host.to_ascii_lowercase();
            let hostlike = h.contains('.') || h.starts_with("localhost");
            if !hostlike || h == "github.com" || h == "bitbucket.org" {
                return None;
            }
            (h, [*ns, *name, *system])
        }
        _ => return None,
    };
    if !rest.iter().all(|p| ident(p)) {
        return None;
    }
    Some(RegistrySource {
        host,
        namespace: rest[0].to_string(),
        name: rest[1].to_string(),
        system: rest[2].to_ascii_lowercase(),
        subdir,
    })
}

/// A remote package address, normalized as Terraform's go-getter detectors do.
fn remote(src: &str) -> Result<ModuleSource, String> {
    let (package, subdir) = split_subdir(src);
    let package = if let Some(rest) = package.strip_prefix("github.com/") {
        // github.com/owner/repo[.git][?query]
        let (path, query) = split_query(rest);
        let path = path.trim_end_matches(".git");
        if path.split('/').count() < 2 {
            return Err(format!("GitHub shorthand {src:?} must name an owner and a repository, like github.com/owner/repo."));
        }
        format!("git::https://github.com/{path}.git{query}")
    } else if let Some(rest) = package.strip_prefix("git@") {
        // git@host:owner/repo.git -> ssh URL
        let (host, path) = rest
            .split_once(':')
            .ok_or_else(|| format!("{src:?} is not a valid git SSH address (git@host:path)."))?;
        format!("git::ssh://git@{host}/{path}")
    } else if package.starts_with("bitbucket.org/") {
        format!("git::https://{package}")
    } else if package.contains("::")
        || package.starts_with("http://")
        || package.starts_with("https://")
    {
        package
    } else if package.starts_with('/') {
        return Err(format!("A local path must begin with either ./ or ../; {src:?} looks like an absolute path, which Terraform does not accept as a module source."));
    } else {
        return Err(format!(
            "Terraform cannot detect a supported external module source type for {src}."
        ));
    };
    Ok(ModuleSource::Remote { package, subdir })
}

fn split_query(s: &str) -> (&str, String) {
    match s.split_once('?') {
        Some((p, q)) => (p, format!("?{q}")),
        None => (s, String::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(src: &str) -> String {
        ModuleSource::parse(src).map_or_else(|e| format!("error: {e}"), |s| s.to_string())
    }

    #[test]
    fn addresses_normalize_as_terraform_records_them() {
        assert_eq!(shown("./a"), "./a");
        assert_eq!(
            shown("terraform-aws-modules/vpc/aws"),
            "registry.terraform.io/terraform-aws-modules/vpc/aws"
        );
        assert_eq!(
            shown("app.terraform.io/org/vpc/AWS//modules/sub"),
            "app.terraform.io/org/vpc/aws//modules/sub"
        );
        assert_eq!(
            shown("github.com/hashicorp/example?ref=v1"),
            "git::https://github.com/hashicorp/example.git?ref=v1"
        );
        assert_eq!(
            shown("git::https://example.com/x.git//modules/a?ref=v2"),
            "git::https://example.com/x.git//modules/a?ref=v2"
        );
        assert_eq!(
            shown("git@github.com:org/repo.git"),
            "git::ssh://git@github.com/org/repo.git"
        );
        assert!(shown("/abs/path").starts_with("error"));
    }

    #[test]
    fn subdirectories_split_after_the_scheme() {
        assert_eq!(
            split_subdir("git::https://h/x.git//sub/dir?ref=v1"),
            ("git::https://h/x.git?ref=v1".into(), Some("sub/dir".into()))
        );
        assert_eq!(
            split_subdir("https://h/x.zip"),
            ("https://h/x.zip".into(), None)
        );
    }
}
