//! The test provider starts as a go-plugin server does. (Having a test here also makes
//! `cargo test --workspace` rebuild the binary that terrane's plugin tests run.)

use std::io::BufRead as _;
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_terraform-provider-example");
const COOKIE: (&str, &str) = (
    "TF_PLUGIN_MAGIC_COOKIE",
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
);

#[test]
fn without_the_magic_cookie_it_refuses_to_run() {
    let out = Command::new(BIN).env_remove(COOKIE.0).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("This binary is a plugin"));
}

#[test]
fn it_announces_protocol_6_on_a_unix_socket() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(BIN)
        .env(COOKIE.0, COOKIE.1)
        .env("PLUGIN_PROTOCOL_VERSIONS", "5,6")
        .env("PLUGIN_UNIX_SOCKET_DIR", dir.path())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    let parts: Vec<&str> = line.trim_end().split('|').collect();
    assert_eq!(parts[..3], ["1", "6", "unix"], "{line}");
    assert!(
        parts[3].starts_with(&*dir.path().to_string_lossy()),
        "{line}"
    );
    assert_eq!(parts[4], "grpc", "{line}");
}

#[test]
fn a_client_without_protocol_6_is_refused() {
    let out = Command::new(BIN)
        .env(COOKIE.0, COOKIE.1)
        .env("PLUGIN_PROTOCOL_VERSIONS", "5")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("protocol 6"));
}
