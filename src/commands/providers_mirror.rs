//! `terrane providers mirror DIR`: downloads the package of every required provider, for
//! each platform asked, from its origin registry into DIR laid out as a filesystem mirror
//! (`<host>/<ns>/<type>/terraform-provider-<type>_<version>_<os_arch>.zip`), then writes
//! the network mirror's JSON indexes (`index.json`, `<version>.json`) beside them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use terrane_engine::diag::{Diagnostic, Diagnostics};
use terrane_provider_plugin::install::{acceptable, version_key, LockFile, Source, LOCK_FILE};
use terrane_provider_plugin::remote::{self, Registry};

use super::providers_common::{load_module, load_requirements, platforms, uses_builtin_terraform};
use crate::cli::ProvidersMirrorArgs;
use crate::output::{print_diagnostics, use_color};
use crate::provider_install::{display, installer};

pub async fn run(a: ProvidersMirrorArgs) -> anyhow::Result<u8> {
    let color = use_color(false);
    let mut diags = Diagnostics::new();
    let platforms = platforms(&a.platforms, &mut diags);
    let module = load_module(&mut diags);
    let reqs = load_requirements(&mut diags);
    let lock = if a.lock_file {
        LockFile::read(Path::new(LOCK_FILE)).unwrap_or_else(|e| {
            diags.push(Diagnostic::error("Invalid dependency lock file").detail(e.to_string()));
            LockFile::default()
        })
    } else {
        LockFile::default()
    };
    let (Some(module), Some(reqs)) = (module, reqs) else {
        print_diagnostics(&diags, color);
        return Ok(1);
    };
    if diags.has_errors() {
        print_diagnostics(&diags, color);
        return Ok(1);
    }
    // Only the host blocks of the CLI configuration matter here: packages always come
    // from the origin registry.
    let services = match installer(&[], PathBuf::new()) {
        Ok(i) => i.services,
        Err(d) => {
            print_diagnostics(&d.into(), color);
            return Ok(1);
        }
    };
    let registry = Registry {
        services: &services,
    };
    let mut builtin_reported = !uses_builtin_terraform(&module);
    for r in &reqs {
        let builtin = "terraform.io/builtin/terraform";
        if !builtin_reported && r.source.to_string().as_str() > builtin {
            println!("- Skipping {builtin} because it is built in to terrane");
            builtin_reported = true;
        }
        let name = display(&r.source);
        println!("- Mirroring {name}...");
        let constraints = r.constraints.as_deref();
        let versions = match registry.versions(&r.source).await {
            Ok(v) => v,
            Err(e) => {
                diags.push(not_available(&r.source, &e.to_string()));
                continue;
            }
        };
        let newest = versions
            .iter()
            .filter(|v| acceptable(constraints, v))
            .max_by_key(|v| version_key(v));
        let Some(newest) = newest else {
            let c = constraints.unwrap_or_default();
            diags.push(not_available(
                &r.source,
                &format!("no releases match the given constraints {c}"),
            ));
            continue;
        };
        let version = match lock.providers.get(&r.source.to_string()) {
            Some(l) => {
                println!("  - Selected v{} to match dependency lock file", l.version);
                l.version.clone()
            }
            None => {
                match constraints {
                    Some(c) => println!("  - Selected v{newest} to meet constraints {c}"),
                    None => println!("  - Selected v{newest} with no constraints"),
                }
                newest.clone()
            }
        };
        for p in &platforms {
            println!("  - Downloading package for {p}...");
            if let Err(d) = fetch(&registry, &r.source, &version, p, &a.target_dir).await {
                diags.push(d);
            }
        }
    }
    if !builtin_reported {
        println!("- Skipping terraform.io/builtin/terraform because it is built in to terrane");
    }
    if let Err(d) = write_indexes(&a.target_dir, &reqs) {
        diags.push(d);
    }
    print_diagnostics(&diags, color);
    Ok(u8::from(diags.has_errors()))
}

fn not_available(source: &Source, why: &str) -> Diagnostic {
    Diagnostic::error("Provider not available").detail(format!(
        "Failed to download {source} from its origin registry: {why}."
    ))
}

/// Downloads one package into the mirror, checked before it takes its final name.
async fn fetch(
    registry: &Registry<'_>,
    source: &Source,
    version: &str,
    platform: &str,
    dir: &Path,
) -> Result<(), Diagnostic> {
    let failed = |summary: &str, why: String| {
        Diagnostic::error(summary).detail(format!(
            "Failed to download {source} v{version} for {platform}: {why}."
        ))
    };
    let package = registry
        .package(source, version, platform)
        .await
        .map_err(|e| failed("Provider release not available", e.to_string()))?;
    let home = dir.join(source.rel_dir());
    let target = home.join(format!(
        "terraform-provider-{}_{version}_{platform}.zip",
        source.name
    ));
    std::fs::create_dir_all(&home)
        .map_err(|e| failed("Cannot download provider release", e.to_string()))?;
    let staging = tempfile::Builder::new()
        .prefix(".terraform-provider-")
        .tempfile_in(&home)
        .map_err(|e| failed("Cannot download provider release", e.to_string()))?;
    remote::download(&package, staging.path())
        .await
        .map_err(|e| failed("Cannot download provider release", e.to_string()))?;
    if let Some(auth) = &package.authentication {
        let mut h1 = || terrane_provider_plugin::zip::unpacked_h1(staging.path());
        let result = auth.check(staging.path(), &mut h1).map_err(|e| {
            Diagnostic::error("Invalid provider package").detail(format!(
                "Failed to authenticate {source} v{version} for {platform}: {e}."
            ))
        })?;
        println!("  - Package authenticated: {}", result.result);
    }
    staging.persist(&target).map_err(|e| {
        Diagnostic::error("Cannot download provider release").detail(format!(
            "Failed to place {source} package into mirror directory: {}.",
            e.error
        ))
    })?;
    Ok(())
}

/// Writes `index.json` and one `<version>.json` for every provider with packages in the
/// mirror, as a network mirror serves them.
fn write_indexes(
    dir: &Path,
    reqs: &[super::providers_common::Requirement],
) -> Result<(), Diagnostic> {
    let failed = |what: String, why: String| {
        Diagnostic::error("Failed to update indexes").detail(format!("{what}: {why}."))
    };
    for r in reqs {
        let home = dir.join(r.source.rel_dir());
        let prefix = format!("terraform-provider-{}_", r.source.name);
        let Ok(entries) = std::fs::read_dir(&home) else {
            continue;
        };
        // version -> platform -> (file name, hash)
        let mut archives: BTreeMap<String, BTreeMap<String, (String, String)>> = BTreeMap::new();
        for e in entries.filter_map(Result::ok) {
            let file = e.file_name().to_string_lossy().into_owned();
            let Some((version, platform)) = file
                .strip_prefix(&prefix)
                .and_then(|rest| rest.strip_suffix(".zip"))
                .and_then(|rest| rest.split_once('_'))
            else {
                continue;
            };
            let h1 = terrane_provider_plugin::zip::unpacked_h1(&e.path()).map_err(|err| {
                failed(
                    format!(
                        "Failed to determine a hash value for {} v{version} on {platform}",
                        r.source
                    ),
                    err.to_string(),
                )
            })?;
            archives
                .entry(version.to_string())
                .or_default()
                .insert(platform.to_string(), (file.clone(), h1));
        }
        if archives.is_empty() {
            continue;
        }
        let index = serde_json::json!({
            "versions": archives.keys().map(|v| (v.clone(), serde_json::json!({}))).collect::<serde_json::Map<_, _>>()
        });
        write_json(&home.join("index.json"), &index).map_err(|e| {
            failed(
                format!("Failed to write an updated JSON index for {}", r.source),
                e,
            )
        })?;
        for (version, platforms) in &archives {
            let listed: serde_json::Map<String, serde_json::Value> = platforms
                .iter()
                .map(|(p, (file, h1))| {
                    (
                        p.clone(),
                        serde_json::json!({ "hashes": [h1], "url": file }),
                    )
                })
                .collect();
            write_json(
                &home.join(format!("{version}.json")),
                &serde_json::json!({ "archives": listed }),
            )
            .map_err(|e| {
                failed(
                    format!(
                        "Failed to write an updated JSON index for {} v{version}",
                        r.source
                    ),
                    e,
                )
            })?;
        }
    }
    Ok(())
}

/// JSON indented by two spaces with no final newline, as Go's `json.MarshalIndent`.
fn write_json(path: &Path, value: &serde_json::Value) -> Result<(), String> {
    let text = serde_json::to_string_pretty(value).map_err(|e| e.to_string())?;
    std::fs::write(path, text).map_err(|e| e.to_string())
}
