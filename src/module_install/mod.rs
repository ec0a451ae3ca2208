//! Installing the modules a configuration calls, as `terraform init` (and `get`) does:
//! registry and remote packages are downloaded into `.terraform/modules/<key>`, and every
//! module call, local ones included, is recorded in `.terraform/modules/modules.json` in
//! Terraform's layout. A call whose recorded source and version still match is not
//! downloaded again (unless `-upgrade`), so a directory `terraform init` populated is used
//! as is, without network access.

mod fetch;
mod registry;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use terrane_engine::config::manifest::{Manifest, ManifestEntry, MANIFEST_PATH};
use terrane_engine::config::module_source::{split_subdir, ModuleSource};
use terrane_engine::config::{load_dir, Module, ModuleCall};

/// Where installed packages go, relative to the root module.
const MODULES_DIR: &str = ".terraform/modules";

/// What installing modules reports as it goes, for the command to print.
pub enum Progress<'a> {
    /// The first module is reached (Terraform's "Initializing modules..." header).
    Started,
    /// A line about one module: "- vpc in modules/vpc", "Downloading ... for vpc...".
    Line(&'a str),
}

/// Installs what `root`'s module calls need and rewrites the manifest, reporting
/// Terraform's progress lines. `upgrade` downloads every remote module again (newest
/// allowed version).
pub async fn install(
    root: &Path,
    upgrade: bool,
    report: &dyn Fn(Progress<'_>),
) -> anyhow::Result<()> {
    let mut manifest = Manifest::read(root);
    let mut fresh: BTreeSet<String> = BTreeSet::new();
    let mut shown: BTreeSet<String> = BTreeSet::new();
    let mut header = false;
    // Each pass loads the tree as far as it is installed; modules downloaded in one pass
    // may call further remote modules, found in the next.
    loop {
        let (tree, _) = load_dir(root);
        let mut todo: Vec<(String, ModuleCall)> = Vec::new();
        for m in tree.all() {
            for call in m.module_calls.values() {
                let key = key_of(m, call);
                let remote = !matches!(
                    ModuleSource::parse(&call.source),
                    Ok(ModuleSource::Local(_)) | Err(_)
                );
                let installed = manifest
                    .current(&key, call)
                    .is_some_and(|e| root.join(&e.dir).is_dir());
                if remote && !fresh.contains(&key) && (upgrade || !installed) {
                    todo.push((key, call.clone()));
                }
            }
        }
        if todo.is_empty() {
            break;
        }
        for (key, call) in todo {
            if !std::mem::replace(&mut header, true) {
                report(Progress::Started);
            }
            let entry = download(root, &key, &call, report).await?;
            report(Progress::Line(&format!("- {key} in {}", entry.dir)));
            shown.insert(key.clone());
            fresh.insert(key.clone());
            manifest.entries.insert(key, entry);
        }
        write(root, &manifest)?;
    }
    // Record local modules too, and drop entries of calls that are gone.
    let (tree, _) = load_dir(root);
    let mut keep: BTreeSet<String> = BTreeSet::new();
    for m in tree.all().into_iter().skip(1) {
        let key = m.path.join(".");
        keep.insert(key.clone());
        let Some(call) = tree
            .at(&m.path[..m.path.len() - 1])
            .and_then(|p| p.module_calls.get(m.path.last()?))
        else {
            continue;
        };
        if let Ok(ModuleSource::Local(_)) = ModuleSource::parse(&call.source) {
            manifest.entries.insert(
                key.clone(),
                ManifestEntry {
                    key: key.clone(),
                    source: call.source.clone(),
                    version: None,
                    dir: relative(root, &m.dir),
                },
            );
        }
        if !shown.contains(&key) {
            if !std::mem::replace(&mut header, true) {
                report(Progress::Started);
            }
            report(Progress::Line(&format!(
                "- {key} in {}",
                relative(root, &m.dir)
            )));
        }
    }
    manifest
        .entries
        .retain(|k, _| k.is_empty() || keep.contains(k));
    write(root, &manifest)
}

/// The dotted call path Terraform keys modules by (`vpc.subnets`).
fn key_of(m: &Module, call: &ModuleCall) -> String {
    let mut path = m.path.clone();
    path.push(call.name.clone());
    path.join(".")
}

/// Downloads one call's package into `.terraform/modules/<key>`.
async fn download(
    root: &Path,
    key: &str,
    call: &ModuleCall,
    report: &dyn Fn(Progress<'_>),
) -> anyhow::Result<ManifestEntry> {
    let src = ModuleSource::parse(&call.source).map_err(anyhow::Error::msg)?;
    let dest_rel = format!("{MODULES_DIR}/{key}");
    let dest = root.join(&dest_rel);
    if dest.exists() {
        std::fs::remove_dir_all(&dest).with_context(|| format!("removing {}", dest.display()))?;
    }
    std::fs::create_dir_all(root.join(MODULES_DIR))?;
    let failed = |e: anyhow::Error| {
        anyhow::anyhow!(
            "Failed to download module: could not download module {key:?} source code from {:?}: {e:#}",
            call.source
        )
    };
    let (package, subdir, version) = match &src {
        ModuleSource::Registry(r) => {
            let resolved = registry::resolve_version(r, call.version.as_deref())
                .await
                .map_err(failed)?;
            report(Progress::Line(&format!(
                "Downloading {src} {} for {key}...",
                resolved.version
            )));
            // The registry's package may name a subdirectory; the user's is inside it.
            let (package, given) = split_subdir(&resolved.package);
            let subdir = match (given, &r.subdir) {
                (Some(a), Some(b)) => Some(format!("{a}/{b}")),
                (a, b) => a.or_else(|| b.clone()),
            };
            (package, subdir, Some(resolved.version))
        }
        ModuleSource::Remote { package, subdir } => {
            report(Progress::Line(&format!(
                "Downloading {package} for {key}..."
            )));
            (package.clone(), subdir.clone(), None)
        }
        ModuleSource::Local(_) => anyhow::bail!("module {key:?} is local; nothing to download"),
    };
    fetch::package(&package, &dest).await.map_err(failed)?;
    let dir = match subdir {
        Some(s) => format!("{dest_rel}/{s}"),
        None => dest_rel,
    };
    if !root.join(&dir).is_dir() {
        anyhow::bail!("Failed to download module: module {key:?} ({}) has no directory {dir:?} in its package", call.source);
    }
    Ok(ManifestEntry {
        key: key.to_string(),
        source: src.to_string(),
        version,
        dir,
    })
}

fn write(root: &Path, manifest: &Manifest) -> anyhow::Result<()> {
    let path = root.join(MANIFEST_PATH);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&path, manifest.to_json()).with_context(|| format!("writing {}", path.display()))
}

/// `dir` as the manifest records it: relative to the root module.
fn relative(root: &Path, dir: &Path) -> String {
    let rel: PathBuf = dir
        .strip_prefix(root)
        .map_or_else(|_| dir.to_path_buf(), Path::to_path_buf);
    let s = rel.display().to_string();
    if s.is_empty() {
        ".".into()
    } else {
        s
    }
}
