//! Downloading a module package (a go-getter address, as Terraform records it) into a
//! directory: git repositories with the `git` command, HTTP addresses by following the
//! `X-Terraform-Get` header or `terraform-get` meta tag to the real package.

use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{bail, Context as _};
use url::Url;

use terrane_provider_plugin::http;

/// How many `X-Terraform-Get` indirections are followed before giving up.
const MAX_INDIRECTIONS: usize = 5;

/// Downloads `package` into `dest` (which must not exist yet).
pub async fn package(package: &str, dest: &Path) -> anyhow::Result<()> {
    let mut current = package.to_string();
    for _ in 0..MAX_INDIRECTIONS {
        let (getter, addr) = match current.split_once("::") {
            Some((g, a)) => (g.to_string(), a.to_string()),
            None if current.starts_with("http://") || current.starts_with("https://") => {
                ("http".to_string(), current.clone())
            }
            None => bail!("{current:?} is not an address terrane can download"),
        };
        match getter.as_str() {
            "git" => return git(&addr, dest),
            "http" | "https" => {
                let url = Url::parse(&addr).with_context(|| format!("invalid URL {addr:?}"))?;
                if is_archive(url.path()) {
                    bail!("{addr}: downloading module archives (.zip, .tar.gz) is not supported yet; terrane installs modules from git repositories and module registries");
                }
                current = http_indirection(&url).await?;
            }
            other => bail!("{current:?}: the {other:?} module source type is not supported yet; terrane installs modules from git repositories and module registries"),
        }
    }
    bail!("{package}: too many X-Terraform-Get indirections")
}

/// The package an HTTP address points at, from its `X-Terraform-Get` header or its
/// `<meta name="terraform-get" content="...">` tag, resolved against the address.
async fn http_indirection(url: &Url) -> anyhow::Result<String> {
    let resp = http::get(url, None).await?;
    if !(200..300).contains(&resp.status) {
        bail!("bad response code: {} from {url}", resp.status);
    }
    let target = match resp.terraform_get {
        Some(t) => t,
        None => meta_terraform_get(&String::from_utf8_lossy(&resp.body))
            .with_context(|| format!("{url} names no module package (no X-Terraform-Get header or terraform-get meta tag)"))?,
    };
    Ok(resolve(&resp.url, &target))
}

/// A relative `X-Terraform-Get` value is relative to the URL that returned it; a value
/// with a getter prefix or a scheme stands alone.
pub fn resolve(base: &Url, target: &str) -> String {
    if target.contains("::") || target.contains("://") {
        return target.to_string();
    }
    base.join(target)
        .map_or_else(|_| target.to_string(), |u| u.to_string())
}

fn meta_terraform_get(html: &str) -> Option<String> {
    let at = html.find("name=\"terraform-get\"")?;
    let tag_start = html[..at].rfind('<')?;
    let tag_end = at + html[at..].find('>')?;
    let tag = &html[tag_start..tag_end];
    let content = tag.split("content=\"").nth(1)?;
    Some(content.split('"').next()?.replace("&amp;", "&"))
}

fn is_archive(path: &str) -> bool {
    [
        ".zip", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".tar",
    ]
    .iter()
    .any(|e| path.ends_with(e))
}

/// `git clone` the repository (a `?ref=` is checked out, `?depth=` makes a shallow clone),
/// as go-getter does.
fn git(addr: &str, dest: &Path) -> anyhow::Result<()> {
    let (repo, query) = match addr.split_once('?') {
        Some((r, q)) => (r, q),
        None => (addr, ""),
    };
    let mut reference = None;
    let mut depth = None;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=').unwrap_or((pair, "")) {
            ("ref", v) => reference = Some(v.to_string()),
            ("depth", v) => depth = Some(v.to_string()),
            (other, _) => {
                bail!("git module address {addr:?}: the {other:?} option is not supported")
            }
        }
    }
    let mut clone = Command::new("git");
    clone.arg("clone");
    if let Some(d) = &depth {
        clone.arg("--depth").arg(d);
        if let Some(r) = &reference {
            clone.arg("--branch").arg(r);
        }
    }
    clone.arg("--").arg(repo).arg(dest);
    run_git(clone, addr)?;
    if let (Some(r), None) = (&reference, &depth) {
        let mut checkout = Command::new("git");
        checkout.arg("-C").arg(dest).args(["checkout", "-q", r]);
        run_git(checkout, addr)?;
    }
    Ok(())
}

fn run_git(mut cmd: Command, addr: &str) -> anyhow::Result<()> {
    let out = cmd
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("error downloading {addr:?}: running git (is git installed?)"))?;
    if !out.status.success() {
        bail!(
            "error downloading {addr:?}: git exited with {}: {}",
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).trim_end()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terraform_get_targets_resolve_against_the_answering_url() {
        let base = Url::parse("https://example.com/v1/modules/a/b/c/1.0.0/download").unwrap();
        assert_eq!(
            resolve(&base, "/archive/x.git"),
            "https://example.com/archive/x.git"
        );
        assert_eq!(
            resolve(&base, "git::https://h/r.git?ref=v1"),
            "git::https://h/r.git?ref=v1"
        );
    }

    #[test]
    fn meta_tags_name_the_package() {
        let html = r#"<html><head><meta name="terraform-get" content="git::https://h/r.git?ref=v1&amp;depth=1"></head></html>"#;
        assert_eq!(
            meta_terraform_get(html).as_deref(),
            Some("git::https://h/r.git?ref=v1&depth=1")
        );
    }
}
