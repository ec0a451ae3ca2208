//! Shared harness for tests that talk to AWS: starts `moto_server` (the AWS emulator, see
//! `../shared/MOTO.md`) on 127.0.0.1 on a free port, once per test process, installing
//! moto into a virtualenv first if it is missing. The server is stopped by a watchdog when
//! the test process exits. Tests never skip because moto is missing: they install it or
//! fail with a message saying how.

pub mod cli;
pub mod fault;
pub mod plugins;
pub mod registry;
pub mod signing;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The moto version the tests are written against.
pub const MOTO_VERSION: &str = "5.2.5";

/// A running moto server.
#[derive(Debug)]
pub struct Moto {
    pub port: u16,
    pub endpoint: String,
}

/// The moto server of this test process, started on first use.
pub fn moto() -> &'static Moto {
    static MOTO: OnceLock<Moto> = OnceLock::new();
    MOTO.get_or_init(|| start().unwrap_or_else(|e| panic!("{e}")))
}

impl Moto {
    /// Environment variables that point the AWS SDK (and terrane) at this server.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.endpoint.clone()),
            ("AWS_ACCESS_KEY_ID", "test".into()),
            ("AWS_SECRET_ACCESS_KEY", "test".into()),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_DEFAULT_REGION", "us-east-1".into()),
            ("AWS_EC2_METADATA_DISABLED", "true".into()),
        ]
    }

    /// Sets the variables from [`Moto::env`] in this process (for SDK clients built here).
    pub fn export_env(&self) {
        for (k, v) in self.env() {
            // Tests in one process share one server, so every test sets the same values.
            std::env::set_var(k, v);
        }
    }

    /// Sends a raw HTTP request to the server and returns the response status and body.
    pub fn http(&self, method: &str, path: &str) -> std::io::Result<(u16, String)> {
        http(self.port, method, path)
    }
}

fn http(port: u16, method: &str, path: &str) -> std::io::Result<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(s, "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")?;
    let mut buf = String::new();
    s.read_to_string(&mut buf)?;
    let status = buf
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = buf
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Ok((status, body))
}

fn home() -> PathBuf {
    std::env::var_os("HOME").map_or_else(|| PathBuf::from("/tmp"), PathBuf::from)
}

/// Where the virtualenv lives: `TERRANE_MOTO_VENV`, or `~/.cache/terrane-venv`.
pub fn venv_dir() -> PathBuf {
    std::env::var_os("TERRANE_MOTO_VENV")
        .map_or_else(|| home().join(".cache").join("terrane-venv"), PathBuf::from)
}

/// Finds `moto_server`, installing moto into the virtualenv if it is not there yet.
///
/// # Errors
/// A message saying what failed and how to install moto by hand.
pub fn moto_server_path() -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os("TERRANE_MOTO_SERVER") {
        return Ok(PathBuf::from(p));
    }
    let bin = venv_dir().join("bin").join("moto_server");
    pip_install(&format!("moto[server]=={MOTO_VERSION}"), || {
        bin.exists().then(|| bin.clone())
    })
}

/// Runs `found`, and when it finds nothing installs `spec` into the virtualenv with pip
/// and runs it again. Several test binaries may start at once: one installs, the others
/// wait for it.
///
/// # Errors
/// A message saying what failed and how to install the package by hand.
pub fn pip_install(spec: &str, found: impl Fn() -> Option<PathBuf>) -> Result<PathBuf, String> {
    if let Some(p) = found() {
        return Ok(p);
    }
    let venv = venv_dir();
    std::fs::create_dir_all(venv.parent().unwrap_or(&venv)).map_err(|e| e.to_string())?;
    let lock_path = venv.with_extension("lock");
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| format!("{}: {e}", lock_path.display()))?;
    fs4::fs_std::FileExt::lock_exclusive(&lock)
        .map_err(|e| format!("{}: {e}", lock_path.display()))?;
    if let Some(p) = found() {
        return Ok(p);
    }
    let how = format!(
        "Install it by hand with: python3 -m venv {v} && {v}/bin/pip install '{spec}'.",
        v = venv.display()
    );
    let python = venv.join("bin").join("python");
    if !python.exists() {
        let ok = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if !ok {
            return Err(format!(
                "could not create a Python virtualenv at {}. {how}",
                venv.display()
            ));
        }
    }
    let pip = venv.join("bin").join("pip");
    let out = Command::new(&pip)
        .args(["install", "--quiet", spec])
        .output()
        .map_err(|e| format!("could not run pip: {e}. {how}"))?;
    if !out.status.success() {
        return Err(format!(
            "installing {spec} failed:\n{}\n{how}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    found().ok_or_else(|| format!("{spec} was installed but not found. {how}"))
}

fn free_port() -> Result<u16, String> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
    l.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}

fn start() -> Result<Moto, String> {
    let bin = moto_server_path()?;
    let port = free_port()?;
    let me = std::process::id();
    // MOTO_ACM_VALIDATION_WAIT: moto marks a requested certificate ISSUED once that many
    // seconds have passed (60 by default); 3 lets certificate validation tests wait
    // seconds, not a minute.
    // A watchdog shell owns the server and stops it once this test process is gone, so no
    // moto_server outlives the tests (OnceLock statics are never dropped).
    let script = format!(
        "MOTO_IAM_LOAD_MANAGED_POLICIES=true MOTO_ACM_VALIDATION_WAIT=3 '{bin}' -H 127.0.0.1 -p {port} >/dev/null 2>&1 & m=$!; \
         trap 'kill $m 2>/dev/null' EXIT; while kill -0 {me} 2>/dev/null && kill -0 $m 2>/dev/null; do sleep 1; done",
        bin = bin.display()
    );
    Command::new("bash")
        .args(["-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("could not start moto_server: {e}"))?;
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if matches!(http(port, "GET", "/moto-api/"), Ok((200, _))) {
            return Ok(Moto {
                port,
                endpoint: format!("http://127.0.0.1:{port}"),
            });
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    Err(format!(
        "moto_server ({}) did not answer on 127.0.0.1:{port} within 60 s",
        bin.display()
    ))
}
