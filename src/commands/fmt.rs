//! `terrane fmt`: rewrites configuration files in Terraform's canonical style, with
//! Terraform's flags, output and exit codes: 0 success, 2 when a file cannot be read or
//! parsed (nothing is written for that file), 3 under `-check` when some file is not
//! formatted. Files: `.tf`, `.tfvars`, `.tftest.hcl`, `.tfmock.hcl`, `.tfquery.hcl`.

use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};

use terrane_engine::diag::{Diagnostic, Diagnostics, SourceFile};

use crate::cli::FmtArgs;
use crate::output::{print_diagnostics, use_color};

const EXTENSIONS: &[&str] = &[
    ".tf",
    ".tfvars",
    ".tftest.hcl",
    ".tfmock.hcl",
    ".tfquery.hcl",
];

struct Fmt {
    list: bool,
    write: bool,
    diff: bool,
    recursive: bool,
    /// Everything for stdout; under -check it is held back and shown only with -list.
    out: Vec<u8>,
    diags: Diagnostics,
}

pub fn run(a: FmtArgs) -> anyhow::Result<u8> {
    let color = use_color(a.no_color);
    let stdin = a.targets.first().is_some_and(|t| t == "-");
    let mut f = Fmt {
        list: a.list,
        write: a.write,
        diff: a.diff,
        recursive: a.recursive,
        out: Vec::new(),
        diags: Diagnostics::new(),
    };
    if stdin {
        // Standard input goes to standard output: no file to list or write.
        f.list = false;
        f.write = false;
    }
    if a.check {
        // -check lists into the held-back buffer: anything listed means "not formatted".
        f.list = true;
        f.write = false;
    }
    if stdin {
        let mut src = Vec::new();
        match std::io::stdin().read_to_end(&mut src) {
            Ok(_) => f.process_source("<stdin>", src, None),
            Err(e) => f
                .diags
                .push(Diagnostic::error("Failed to read <stdin>").detail(e.to_string())),
        }
    } else {
        let targets = if a.targets.is_empty() {
            vec![".".to_string()]
        } else {
            a.targets.clone()
        };
        f.process_targets(&targets);
    }
    if !a.check {
        flush(&f.out);
    }
    print_diagnostics(&f.diags, color);
    if f.diags.has_errors() {
        return Ok(2);
    }
    if a.check {
        if a.list {
            flush(&f.out);
        }
        return Ok(if f.out.is_empty() { 0 } else { 3 });
    }
    Ok(0)
}

fn flush(bytes: &[u8]) {
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`terrane fmt -diff | head`) is not an error worth reporting.
    let _ = stdout.write_all(bytes);
    let _ = stdout.flush();
}

fn supported(name: &str) -> bool {
    EXTENSIONS.iter().any(|e| name.ends_with(e))
}

/// Editor backups and hidden files are skipped, as Terraform skips them when loading.
fn ignored(name: &str) -> bool {
    name.starts_with('.') || name.ends_with('~') || (name.starts_with('#') && name.ends_with('#'))
}

impl Fmt {
    fn process_targets(&mut self, targets: &[String]) {
        for target in targets {
            let path = normalize(Path::new(target));
            let Ok(meta) = std::fs::metadata(&path) else {
                // Terraform stops at the first missing target.
                self.diags.push(Diagnostic::error(format!(
                    "No file or directory at {}",
                    path.display()
                )));
                return;
            };
            if meta.is_dir() {
                self.process_dir(&path);
            } else if supported(&path.to_string_lossy()) {
                self.process_file(&path);
            } else {
                self.diags.push(Diagnostic::error(
                    "Only .tf, .tfvars, and .tftest.hcl files can be processed with terrane fmt",
                ));
            }
        }
    }

    fn process_dir(&mut self, dir: &Path) {
        let entries = match std::fs::read_dir(dir) {
            Ok(rd) => rd,
            Err(e) => {
                let summary = if e.kind() == std::io::ErrorKind::NotFound {
                    format!("There is no configuration directory at {}", dir.display())
                } else {
                    format!("Cannot read directory {}", dir.display())
                };
                self.diags.push(Diagnostic::error(summary));
                return;
            }
        };
        // Sorted by name, so output and error order do not depend on the file system.
        let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
        entries.sort_by_key(std::fs::DirEntry::file_name);
        for entry in entries {
            let name = entry.file_name().to_string_lossy().to_string();
            if ignored(&name) {
                continue;
            }
            let path = normalize(&dir.join(&name));
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                // Like plan, fmt works on one module at a time unless asked to recurse.
                if self.recursive {
                    self.process_dir(&path);
                }
                continue;
            }
            if supported(&name) {
                self.process_file(&path);
            }
        }
    }

    fn process_file(&mut self, path: &Path) {
        match std::fs::read(path) {
            Ok(src) => self.process_source(&path.display().to_string(), src, Some(path)),
            Err(e) => self.diags.push(
                Diagnostic::error(format!("Failed to read file {}", path.display()))
                    .detail(e.to_string()),
            ),
        }
    }

    /// Formats one file's bytes; writes it back (`path`) and reports as the flags say.
    fn process_source(&mut self, name: &str, src: Vec<u8>, path: Option<&Path>) {
        let text = match String::from_utf8(src) {
            Ok(t) => t,
            Err(e) => {
                self.diags.push(
                    Diagnostic::error("Invalid character encoding")
                        .detail(format!("{name} is not valid UTF-8: {e}")),
                );
                return;
            }
        };
        let file = SourceFile::new(name, text);
        let result = match terrane_engine::fmt::format_file(&file) {
            Ok(r) => r,
            Err(d) => {
                self.diags.push(d);
                return;
            }
        };
        if result != file.text {
            if self.list {
                self.out.extend_from_slice(format!("{name}\n").as_bytes());
            }
            if self.write {
                if let Some(p) = path {
                    if let Err(e) = std::fs::write(p, &result) {
                        self.diags.push(
                            Diagnostic::error(format!("Failed to write {name}"))
                                .detail(e.to_string()),
                        );
                        return;
                    }
                }
            }
            if self.diff {
                self.out
                    .extend_from_slice(unified_diff(&file.text, &result, name).as_bytes());
            }
        }
        if !self.list && !self.write && !self.diff {
            self.out.extend_from_slice(result.as_bytes());
        }
    }
}

/// A unified diff with `old/` and `new/` labels, as Terraform prints (via `diff -u`).
fn unified_diff(old: &str, new: &str, name: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("old/{name}"), &format!("new/{name}"))
        .to_string()
}

/// Terraform's path display: lexically cleaned (`./a//b.tf` -> `a/b.tf`), and relative
/// to the working directory when an absolute path lies under it.
fn normalize(p: &Path) -> PathBuf {
    let p = match std::env::current_dir() {
        Ok(cwd) if p.is_absolute() => p.strip_prefix(&cwd).map_or(p, |r| r).to_path_buf(),
        _ => p.to_path_buf(),
    };
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            other => out.push(other),
        }
    }
    if out.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_cleaned_like_go() {
        assert_eq!(normalize(Path::new("./a//b.tf")), PathBuf::from("a/b.tf"));
        assert_eq!(normalize(Path::new(".")), PathBuf::from("."));
        assert_eq!(normalize(Path::new("a/../b")), PathBuf::from("b"));
        assert_eq!(normalize(Path::new("../x")), PathBuf::from("../x"));
    }

    #[test]
    fn ignored_and_supported_names() {
        assert!(ignored(".terraform"));
        assert!(ignored("main.tf~"));
        assert!(ignored("#main.tf#"));
        assert!(!ignored("main.tf"));
        assert!(supported("a.tftest.hcl") && supported("x.tfvars") && !supported("a.tf.json"));
    }
}
