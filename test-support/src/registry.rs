//! A provider registry and a network mirror served on 127.0.0.1 by the test itself, the
//! way registry.terraform.io and a mirror answer (discovery document, version list,
//! download description, SHA256SUMS, the zip package; `index.json` and `<version>.json`),
//! with the real null provider binary packed as a release zip. Plain threads, one
//! connection per request, so synchronous CLI tests can use it; it answers until the test
//! process ends and records which paths were asked for.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use crate::signing::TestKey;

/// One document the server answers with.
#[derive(Debug, Clone)]
pub struct Doc {
    pub content_type: &'static str,
    pub body: Vec<u8>,
}

impl Doc {
    pub fn json(v: &str) -> Doc {
        Doc {
            content_type: "application/json",
            body: v.as_bytes().to_vec(),
        }
    }

    pub fn bytes(content_type: &'static str, body: Vec<u8>) -> Doc {
        Doc { content_type, body }
    }
}

#[derive(Default)]
struct Inner {
    docs: BTreeMap<String, Doc>,
    /// URL path prefix -> directory whose files are served beneath it.
    dirs: Vec<(String, PathBuf)>,
    requests: Vec<String>,
    /// The `Authorization` header of each request, in the order of `requests`.
    authorizations: Vec<Option<String>>,
}

/// A static HTTP server on a free loopback port.
#[derive(Clone)]
pub struct Server {
    pub port: u16,
    inner: Arc<Mutex<Inner>>,
}

impl Server {
    pub fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let port = listener.local_addr().expect("local address").port();
        let server = Server {
            port,
            inner: Arc::default(),
        };
        let s = server.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let s = s.clone();
                std::thread::spawn(move || s.answer(conn));
            }
        });
        server
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn add(&self, path: &str, doc: Doc) {
        self.lock().docs.insert(path.to_string(), doc);
    }

    /// Serves the files under `dir` at `prefix` (`.json` as JSON, the rest as zip).
    pub fn add_dir(&self, prefix: &str, dir: &Path) {
        self.lock()
            .dirs
            .push((prefix.to_string(), dir.to_path_buf()));
    }

    /// How many requests asked for `path`.
    pub fn requests_for(&self, path: &str) -> usize {
        self.lock().requests.iter().filter(|p| *p == path).count()
    }

    /// The `Authorization` headers sent with the requests for `path`.
    pub fn authorizations_for(&self, path: &str) -> Vec<Option<String>> {
        let inner = self.lock();
        inner
            .requests
            .iter()
            .zip(&inner.authorizations)
            .filter(|(p, _)| *p == path)
            .map(|(_, a)| a.clone())
            .collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn find(&self, path: &str) -> Option<Doc> {
        let inner = self.lock();
        if let Some(d) = inner.docs.get(path) {
            return Some(d.clone());
        }
        inner.dirs.iter().find_map(|(prefix, dir)| {
            let rel = path.strip_prefix(prefix.as_str())?;
            if rel.split('/').any(|p| p == "..") {
                return None;
            }
            let body = std::fs::read(dir.join(rel)).ok()?;
            let content_type = if rel.ends_with(".json") {
                "application/json"
            } else {
                "application/zip"
            };
            Some(Doc { content_type, body })
        })
    }

    fn answer(&self, mut conn: TcpStream) {
        let mut reader = BufReader::new(match conn.try_clone() {
            Ok(c) => c,
            Err(_) => return,
        });
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).is_err() {
            return;
        }
        // Only GET is served; of the headers only Authorization is kept.
        let mut line = String::new();
        let mut authorization = None;
        while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
            if let Some((name, value)) = line.split_once(':') {
                if name.eq_ignore_ascii_case("authorization") {
                    authorization = Some(value.trim().to_string());
                }
            }
            line.clear();
        }
        let path = request_line
            .split_whitespace()
            .nth(1)
            .unwrap_or("/")
            .to_string();
        {
            let mut inner = self.lock();
            inner.requests.push(path.clone());
            inner.authorizations.push(authorization);
        }
        let head = |status: &str, ct: &str, len: usize| {
            format!("HTTP/1.1 {status}\r\nContent-Type: {ct}\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n")
        };
        let _ = match self.find(&path) {
            Some(doc) => conn
                .write_all(head("200 OK", doc.content_type, doc.body.len()).as_bytes())
                .and_then(|()| conn.write_all(&doc.body)),
            None => conn.write_all(head("404 Not Found", "text/plain", 0).as_bytes()),
        };
    }
}

/// A provider release zip holding one executable file, stored (not compressed), with a
/// fixed date so its hash is the same on every run.
pub fn provider_zip(file_name: &str, contents: &[u8]) -> Vec<u8> {
    let mut crc = flate2::Crc::new();
    crc.update(contents);
    let size = u32::try_from(contents.len()).expect("under 4 GiB");
    let name = file_name.as_bytes();
    let name_len = u16::try_from(name.len()).expect("short name");
    // Version 2.0, no flags, stored, 2020-01-01 00:00 in DOS time.
    let common = |d: &mut Vec<u8>| {
        d.extend(20u16.to_le_bytes());
        d.extend([0, 0, 0, 0]);
        d.extend(0u16.to_le_bytes());
        d.extend(((40u16 << 9) | (1 << 5) | 1).to_le_bytes());
        d.extend(crc.sum().to_le_bytes());
        d.extend(size.to_le_bytes());
        d.extend(size.to_le_bytes());
        d.extend(name_len.to_le_bytes());
    };
    let mut d = Vec::new();
    d.extend(0x0403_4b50u32.to_le_bytes());
    common(&mut d);
    d.extend(0u16.to_le_bytes());
    d.extend(name);
    d.extend(contents);
    let central = u32::try_from(d.len()).expect("under 4 GiB");
    d.extend(0x0201_4b50u32.to_le_bytes());
    d.extend(0x031eu16.to_le_bytes()); // made on Unix, so the mode below counts
    common(&mut d);
    d.extend([0; 8]); // extra, comment, disk, internal attributes
    d.extend((0o100_755u32 << 16).to_le_bytes());
    d.extend(0u32.to_le_bytes());
    d.extend(name);
    let central_size = u32::try_from(d.len()).expect("under 4 GiB") - central;
    d.extend(0x0605_4b50u32.to_le_bytes());
    d.extend([0, 0, 0, 0, 1, 0, 1, 0]);
    d.extend(central_size.to_le_bytes());
    d.extend(central.to_le_bytes());
    d.extend([0, 0]);
    d
}

/// The release zip of the null provider 2.1.2 (the real binary), as the registry would
/// name it for `platform`.
pub fn null_provider_zip() -> Vec<u8> {
    let bin = crate::plugins::null_provider().unwrap_or_else(|e| panic!("{e}"));
    let contents = std::fs::read(&bin).expect("read the null provider");
    provider_zip(crate::plugins::NULL_PROVIDER_FILE, &contents)
}

/// The key the test registry's releases are signed with (a self-signed key: not
/// HashiCorp's).
pub fn release_key() -> &'static TestKey {
    static KEY: OnceLock<TestKey> = OnceLock::new();
    KEY.get_or_init(|| TestKey::generate(1, "Example Releases <releases@example.test>"))
}

/// The SHA256SUMS document of release `version` whose linux_amd64 package has `sha`, with
/// another platform's line, as a release lists every platform.
pub fn null_sums(version: &str, sha: &str) -> String {
    format!(
        "{sha}  terraform-provider-null_{version}_linux_amd64.zip
{}  terraform-provider-null_{version}_darwin_arm64.zip
",
        "0".repeat(64)
    )
}

/// The registry's download description of the linux_amd64 package of `version`, whose
/// SHA256SUMS are signed by `key`.
pub fn null_download(version: &str, sha: &str, key: &TestKey) -> Doc {
    let file = format!("terraform-provider-null_{version}_linux_amd64.zip");
    let keys = serde_json::json!({"gpg_public_keys": [{
        "key_id": key.key_id,
        "ascii_armor": key.armored_public,
        "trust_signature": "",
        "source": "Example",
        "source_url": null,
    }]});
    Doc::json(&format!(
        r#"{{"protocols":["4.0","5.1"],"os":"linux","arch":"amd64","filename":"{file}","download_url":"/files/{file}","shasums_url":"/files/null_{version}_SHA256SUMS","shasums_signature_url":"/files/null_{version}_SHA256SUMS.sig","shasum":"{sha}","signing_keys":{keys}}}"#
    ))
}

/// Serves hashicorp/null from `server` as a provider registry: every version in
/// `versions` is the same real package (a version is only the registry's label), its
/// SHA256SUMS signed by [`release_key`]. `tamper` serves a zip whose bytes differ from
/// the SHA-256 the registry states.
pub fn serve_null_registry(server: &Server, versions: &[&str], zip: &[u8], tamper: bool) {
    let sha = sha256_hex(zip);
    server.add(
        "/.well-known/terraform.json",
        Doc::json(r#"{"providers.v1":"/v1/providers/"}"#),
    );
    let listed: Vec<String> = versions
        .iter()
        .map(|v| format!(r#"{{"version":"{v}","protocols":["4.0","5.1"],"platforms":[{{"os":"linux","arch":"amd64"}}]}}"#))
        .collect();
    server.add(
        "/v1/providers/hashicorp/null/versions",
        Doc::json(&format!(r#"{{"versions":[{}]}}"#, listed.join(","))),
    );
    let mut served = zip.to_vec();
    if tamper {
        let at = served.len() / 2;
        served[at] ^= 1;
    }
    for v in versions {
        let file = format!("terraform-provider-null_{v}_linux_amd64.zip");
        server.add(
            &format!("/v1/providers/hashicorp/null/{v}/download/linux/amd64"),
            null_download(v, &sha, release_key()),
        );
        let sums = null_sums(v, &sha);
        server.add(
            &format!("/files/null_{v}_SHA256SUMS.sig"),
            Doc::bytes(
                "application/octet-stream",
                release_key().sign(sums.as_bytes()),
            ),
        );
        server.add(
            &format!("/files/null_{v}_SHA256SUMS"),
            Doc::bytes("text/plain", sums.into_bytes()),
        );
        server.add(
            &format!("/files/{file}"),
            Doc::bytes("application/zip", served.clone()),
        );
    }
}

/// Lowercase hex SHA-256, as SHA256SUMS and `zh:` hashes spell it.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A CLI configuration whose `host` block points registry.terraform.io's provider
/// registry at `server` (Terraform's way to move a registry; no discovery request),
/// plus `extra` lines.
pub fn cli_config_for(server: &Server, extra: &str) -> String {
    format!(
        "host \"registry.terraform.io\" {{\n  services = {{\n    \"providers.v1\" = \"{}/v1/providers/\"\n  }}\n}}\n{extra}",
        server.base()
    )
}
