//! `terrane fmt` end to end: flags, output, exit codes and which files it touches.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const UGLY: &str =
    "resource \"null_resource\" \"a\" {\ntriggers = {\nx=1\nlonger = \"${var.y}\"\n}\n}\n";
const PRETTY: &str = "resource \"null_resource\" \"a\" {\n  triggers = {\n    x      = 1\n    longer = \"${var.y}\"\n  }\n}\n";

fn terrane(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_terrane"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).to_string()
}

fn setup() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("main.tf"), UGLY).unwrap();
    std::fs::write(d.path().join("ok.tf"), PRETTY).unwrap();
    std::fs::write(d.path().join("notes.txt"), "x=1\n").unwrap();
    std::fs::create_dir(d.path().join("sub")).unwrap();
    std::fs::write(d.path().join("sub/inner.tfvars"), "a=1\nbb=2\n").unwrap();
    std::fs::create_dir(d.path().join(".terraform")).unwrap();
    std::fs::write(d.path().join(".terraform/hidden.tf"), "a=1\n").unwrap();
    d
}

fn read(d: &tempfile::TempDir, name: &str) -> String {
    std::fs::read_to_string(d.path().join(name)).unwrap()
}

#[test]
fn formats_in_place_and_lists_changed_files() {
    let d = setup();
    let out = terrane(d.path(), &["fmt"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "main.tf\n");
    assert_eq!(read(&d, "main.tf"), PRETTY);
    assert_eq!(read(&d, "ok.tf"), PRETTY);
    assert_eq!(read(&d, "notes.txt"), "x=1\n");
    // Not recursive by default.
    assert_eq!(read(&d, "sub/inner.tfvars"), "a=1\nbb=2\n");
    // A second run has nothing to do.
    let out = terrane(d.path(), &["fmt"]);
    assert_eq!(text(&out.stdout), "");
}

#[test]
fn check_exits_3_without_writing() {
    let d = setup();
    let out = terrane(d.path(), &["fmt", "-check"]);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(text(&out.stdout), "main.tf\n");
    assert_eq!(read(&d, "main.tf"), UGLY);
    let out = terrane(d.path(), &["fmt", "-check", "-list=false"]);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(text(&out.stdout), "");
    let out = terrane(d.path(), &["fmt", "-check", "ok.tf"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), "");
}

#[test]
fn diff_shows_a_unified_diff() {
    let d = setup();
    let out = terrane(d.path(), &["fmt", "-diff", "-write=false", "main.tf"]);
    assert_eq!(out.status.code(), Some(0));
    let s = text(&out.stdout);
    assert!(
        s.starts_with("main.tf\n--- old/main.tf\n+++ new/main.tf\n@@ "),
        "{s}"
    );
    assert!(
        s.contains("\n-x=1\n") && s.contains("\n+    x      = 1\n"),
        "{s}"
    );
    assert_eq!(read(&d, "main.tf"), UGLY);
}

#[test]
fn write_false_lists_only_and_list_false_prints_the_result() {
    let d = setup();
    let out = terrane(d.path(), &["fmt", "-write=false"]);
    assert_eq!(text(&out.stdout), "main.tf\n");
    assert_eq!(read(&d, "main.tf"), UGLY);
    let out = terrane(d.path(), &["fmt", "-write=false", "-list=false", "main.tf"]);
    assert_eq!(text(&out.stdout), PRETTY);
    assert_eq!(read(&d, "main.tf"), UGLY);
}

#[test]
fn recursive_visits_subdirectories_but_not_hidden_ones() {
    let d = setup();
    let out = terrane(d.path(), &["fmt", "-recursive"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), "main.tf\nsub/inner.tfvars\n");
    assert_eq!(read(&d, "sub/inner.tfvars"), "a  = 1\nbb = 2\n");
    assert_eq!(read(&d, ".terraform/hidden.tf"), "a=1\n");
    // A directory target is walked the same way.
    std::fs::write(d.path().join("sub/inner.tfvars"), "a=1\n").unwrap();
    let out = terrane(d.path(), &["fmt", "sub"]);
    assert_eq!(text(&out.stdout), "sub/inner.tfvars\n");
}

#[test]
fn stdin_to_stdout() {
    let d = setup();
    let mut child = Command::new(env!("CARGO_BIN_EXE_terrane"))
        .args(["fmt", "-"])
        .current_dir(d.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(UGLY.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), PRETTY);
}

#[test]
fn syntax_errors_exit_2_and_leave_the_file() {
    let d = setup();
    std::fs::write(d.path().join("bad.tf"), "a = \n").unwrap();
    let out = terrane(d.path(), &["fmt"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("bad.tf"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(read(&d, "bad.tf"), "a = \n");
    // Other files are still formatted, as Terraform does.
    assert_eq!(read(&d, "main.tf"), PRETTY);
}

#[test]
fn bad_targets_exit_2() {
    let d = setup();
    let out = terrane(d.path(), &["fmt", "missing.tf"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("No file or directory at missing.tf"));
    let out = terrane(d.path(), &["fmt", "notes.txt"]);
    assert_eq!(out.status.code(), Some(2));
}
