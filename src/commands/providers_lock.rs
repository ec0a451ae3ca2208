//! `terrane providers lock`: fetches the package of every required provider (or of those
//! named) for each platform asked, from the origin registry or the mirror given, into a
//! scratch directory, and records their checksums in `.terraform.lock.hcl`.

use std::collections::BTreeMap;
use std::path::Path;

use terrane_engine::diag::{Diagnostic, Diagnostics};
use terrane_provider_plugin::cliconfig::{Location, Method};
use terrane_provider_plugin::install::{platform, LockFile, Locked, Source, LOCK_FILE};
use terrane_provider_plugin::installer::{Event, Request};

use super::providers_common::{load_requirements, platforms};
use crate::cli::ProvidersLockArgs;
use crate::output::{print_diagnostics, use_color};
use crate::provider_install::{display, installer};

pub async fn run(a: ProvidersLockArgs) -> anyhow::Result<u8> {
    let color = use_color(false);
    let fail = |diags: Diagnostics| {
        print_diagnostics(&diags, color);
        Ok(1)
    };
    let mut diags = Diagnostics::new();
    let platforms = platforms(&a.platforms, &mut diags);
    let methods = match methods(&a) {
        Ok(m) => m,
        Err(d) => return fail(d.into()),
    };
    let Some(mut reqs) = load_requirements(&mut diags) else {
        return fail(diags);
    };
    if !a.providers.is_empty() {
        let mut named = Vec::new();
        for raw in &a.providers {
            match Source::parse(raw) {
                Ok(s) if reqs.iter().any(|r| r.source == s) => named.push(s),
                Ok(s) => diags.push(Diagnostic::error("Invalid provider argument").detail(
                    format!("The provider {s} is not required by the current configuration."),
                )),
                Err(e) => diags.push(
                    Diagnostic::error("Invalid provider source address").detail(e.to_string()),
                ),
            }
        }
        reqs.retain(|r| named.contains(&r.source));
    }
    let old = match LockFile::read(Path::new(LOCK_FILE)) {
        Ok(l) => l,
        Err(e) => {
            diags.push(Diagnostic::error("Invalid dependency lock file").detail(e.to_string()));
            LockFile::default()
        }
    };
    if diags.has_errors() {
        return fail(diags);
    }

    // Each platform's packages are fetched into a scratch directory of their own.
    let mut per_platform: Vec<(String, BTreeMap<String, Locked>)> = Vec::new();
    for p in &platforms {
        let scratch = tempfile::Builder::new()
            .prefix("terrane-providers-lock")
            .tempdir()?;
        let mut inst = match installer(&[], scratch.path().to_path_buf()) {
            Ok(i) => i,
            Err(d) => return fail(d.into()),
        };
        inst.methods = methods.clone();
        inst.implied = false;
        inst.platform = p.clone();
        if !a.enable_plugin_cache {
            inst.cache = None;
        }
        let mut locks = BTreeMap::new();
        let mut failures = Vec::new();
        for r in &reqs {
            let key = r.source.to_string();
            let name = display(&r.source);
            // The lock file's version stays chosen; its hashes are checked only for the
            // platform they were recorded on (this one).
            let locked = old.providers.get(&key).map(|l| Locked {
                hashes: if *p == platform() {
                    l.hashes.clone()
                } else {
                    Vec::new()
                },
                ..l.clone()
            });
            let mut report = |e: Event| match e {
                Event::Installing(v) => println!("- Fetching {name} {v} for {p}..."),
                Event::Installed(v, auth) => println!("- Retrieved {name} {v} for {p} ({auth})"),
                _ => {}
            };
            let req = Request {
                source: &r.source,
                constraints: r.constraints.as_deref(),
                locked: locked.as_ref(),
                upgrade: false,
                local_only: false,
            };
            match inst.install(&req, &mut report).await {
                Ok(l) => {
                    locks.insert(key, l);
                }
                Err(e) => failures.push(format!("- {key}: {e}")),
            }
        }
        if !failures.is_empty() {
            diags.push(Diagnostic::error("Could not retrieve providers for locking").detail(format!(
                "terrane failed to fetch the requested providers for {p} in order to calculate their checksums: some providers could not be installed:\n{}.",
                failures.join("\n")
            )));
            return fail(diags);
        }
        per_platform.push((p.clone(), locks));
    }

    let mut new = old.clone();
    let mut changed = false;
    for r in &reqs {
        let key = r.source.to_string();
        let name = display(&r.source);
        let before = old.providers.get(&key);
        let mut entry = before.cloned().unwrap_or_default();
        for (p, locks) in &per_platform {
            let Some(got) = locks.get(&key) else { continue };
            let change = match before {
                None => "This was a new provider and the checksums for this platform are now tracked in the lock file",
                Some(b) if got.hashes.iter().all(|h| b.hashes.contains(h)) => {
                    "All checksums for this platform were already tracked in the lock file"
                }
                Some(_) => "Additional checksums for this platform are now tracked in the lock file",
            };
            changed |= before.is_none_or(|b| !got.hashes.iter().all(|h| b.hashes.contains(h)));
            println!("- Obtained {name} checksums for {p}; {change}");
            entry.version.clone_from(&got.version);
            entry.constraints.clone_from(&got.constraints);
            entry.hashes.extend(got.hashes.iter().cloned());
        }
        entry.hashes.sort();
        entry.hashes.dedup();
        new.providers.insert(key, entry);
    }
    if let Err(e) = new.write(Path::new(LOCK_FILE)) {
        diags
            .push(Diagnostic::error("Failed to update dependency lock file").detail(e.to_string()));
        return fail(diags);
    }
    print_diagnostics(&diags, color);
    if changed {
        println!("\nSuccess! terrane has updated the lock file.\n\nReview the changes in {LOCK_FILE} and then commit to your\nversion control system to retain the new checksums.\n");
    } else {
        println!("\nSuccess! terrane has validated the lock file and found no need for changes.");
    }
    Ok(0)
}

/// Where packages come from: the mirror given, else each provider's origin registry.
fn methods(a: &ProvidersLockArgs) -> Result<Vec<Method>, Diagnostic> {
    let location = match (&a.fs_mirror, &a.net_mirror) {
        (Some(dir), _) => Location::Filesystem(dir.clone()),
        (None, Some(url)) => {
            terrane_provider_plugin::remote::NetworkMirror::new(url).map_err(|_| {
                Diagnostic::error("Invalid network mirror URL").detail(
                    "The -net-mirror option requires a valid https: URL as the mirror base URL.",
                )
            })?;
            Location::NetworkMirror(url.clone())
        }
        (None, None) => Location::Direct,
    };
    Ok(vec![Method::new(location)])
}
