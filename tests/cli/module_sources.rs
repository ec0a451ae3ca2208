//! `init` installs git and registry modules into `.terraform/modules` in Terraform's layout
//! (a local git repository and a module registry served on loopback stand in for the
//! network), and later commands load them from there without downloading again.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};

use crate::harness::Work;
use crate::snap;

/// A git repository with a module at its root (calling `./modules/sub`) tagged `v1`, and a
/// second commit changing the submodule's output.
fn upstream_repo(w: &Work) -> String {
    w.write(
        "upstream/main.tf",
        "variable \"name\" {\n  default = \"root\"\n}\n\noutput \"name\" {\n  value = \"repo-${var.name}\"\n}\n\nmodule \"inner\" {\n  source = \"./modules/sub\"\n}\n\noutput \"inner\" {\n  value = module.inner.v\n}\n",
    );
    w.write(
        "upstream/modules/sub/main.tf",
        "output \"v\" {\n  value = \"sub-v1\"\n}\n",
    );
    let dir = w.path().join("upstream");
    let git = |args: &[&str]| {
        let st = Command::new("git")
            .args(["-c", "user.email=t@example.com", "-c", "user.name=t"])
            .args(args)
            .current_dir(&dir)
            .output()
            .expect("git runs");
        assert!(
            st.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&st.stderr)
        );
    };
    git(&["init", "-q", "-b", "main", "."]);
    git(&["add", "-A"]);
    git(&["commit", "-qm", "one"]);
    git(&["tag", "v1"]);
    w.write(
        "upstream/modules/sub/main.tf",
        "output \"v\" {\n  value = \"sub-v2\"\n}\n",
    );
    git(&["commit", "-qam", "two"]);
    format!("file://{}", dir.display())
}

fn manifest(w: &Work) -> serde_json::Value {
    serde_json::from_str(&w.read(".terraform/modules/modules.json")).unwrap()
}

#[test]
fn git_modules_install_like_terraform_and_load_offline() {
    let w = Work::new();
    let repo = upstream_repo(&w);
    w.write(
        "main.tf",
        &format!(
            "module \"pinned\" {{\n  source = \"git::{repo}?ref=v1\"\n}}\n\nmodule \"sub\" {{\n  source = \"git::{repo}//modules/sub\"\n}}\n\noutput \"pinned\" {{\n  value = \"${{module.pinned.name}} ${{module.pinned.inner}}\"\n}}\n\noutput \"sub\" {{\n  value = module.sub.v\n}}\n"
        ),
    );
    snap!(w, "git_modules_init", w.run(&["init"]).code(0));
    assert_eq!(
        manifest(&w)["Modules"],
        serde_json::json!([
            {"Key": "", "Source": "", "Dir": "."},
            {"Key": "pinned", "Source": format!("git::{repo}?ref=v1"), "Dir": ".terraform/modules/pinned"},
            {"Key": "pinned.inner", "Source": "./modules/sub", "Dir": ".terraform/modules/pinned/modules/sub"},
            {"Key": "sub", "Source": format!("git::{repo}//modules/sub"), "Dir": ".terraform/modules/sub/modules/sub"},
        ])
    );
    // The installed copies are used as they are: the upstream repository can go away.
    std::fs::rename(w.path().join("upstream"), w.path().join("gone")).unwrap();
    w.run(&["apply", "-auto-approve"]).code(0);
    let out = w.run(&["output", "-json"]).code(0);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["pinned"]["value"], "repo-root sub-v1");
    assert_eq!(v["sub"]["value"], "sub-v2");
    // A second init finds everything installed and downloads nothing.
    let again = w.run(&["init"]).code(0);
    assert!(!again.stdout.contains("Downloading"), "{}", again.stdout);
}

/// Serves the module registry protocol for `acme/net/aws` on loopback, with its package at
/// `package`; returns the address and the paths requested.
fn registry(package: String) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request = String::new();
            if reader.read_line(&mut request).is_err() {
                continue;
            }
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
                    break;
                }
            }
            let path = request.split(' ').nth(1).unwrap_or_default().to_string();
            log.lock().unwrap().push(path.clone());
            let (status, extra, body) = match path.as_str() {
                "/.well-known/terraform.json" => ("200 OK", String::new(), r#"{"modules.v1":"/v1/modules/"}"#.to_string()),
                "/v1/modules/acme/net/aws/versions" => ("200 OK", String::new(), r#"{"modules":[{"versions":[{"version":"1.0.0"},{"version":"1.2.0"},{"version":"2.0.0"}]}]}"#.to_string()),
                "/v1/modules/acme/net/aws/1.2.0/download" => ("204 No Content", format!("X-Terraform-Get: {package}\r\n"), String::new()),
                _ => ("404 Not Found", String::new(), String::new()),
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (addr, seen)
}

#[test]
fn registry_modules_resolve_the_newest_allowed_version() {
    let w = Work::new();
    let repo = upstream_repo(&w);
    let (host, seen) = registry(format!("git::{repo}?ref=v1"));
    w.write(
        "main.tf",
        &format!("module \"net\" {{\n  source  = \"{host}/acme/net/aws\"\n  version = \"~> 1.0\"\n}}\n\noutput \"name\" {{\n  value = module.net.name\n}}\n"),
    );
    let init = w.run(&["init"]).code(0);
    assert!(
        init.stdout
            .contains(&format!("Downloading {host}/acme/net/aws 1.2.0 for net...")),
        "{}",
        init.stdout
    );
    assert_eq!(
        *seen.lock().unwrap(),
        [
            "/.well-known/terraform.json",
            "/v1/modules/acme/net/aws/versions",
            "/v1/modules/acme/net/aws/1.2.0/download",
        ]
    );
    let entry = manifest(&w)["Modules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["Key"] == "net")
        .cloned()
        .unwrap();
    assert_eq!(entry["Source"], format!("{host}/acme/net/aws"));
    assert_eq!(entry["Version"], "1.2.0");
    assert_eq!(entry["Dir"], ".terraform/modules/net");
    w.run(&["apply", "-auto-approve"]).code(0);
    assert!(w
        .run(&["output", "name"])
        .code(0)
        .stdout
        .contains("repo-root"));
    // A constraint no version meets is a clear init error.
    w.write(
        "main.tf",
        &format!(
            "module \"net\" {{\n  source  = \"{host}/acme/net/aws\"\n  version = \">= 3.0\"\n}}\n"
        ),
    );
    let refused = w.run(&["init"]).code(1);
    let text = refused.stderr.replace(&host, "[REGISTRY]");
    snap!(w, "registry_module_no_version", text);
}

#[test]
fn changed_module_source_needs_init_again() {
    let w = Work::new();
    let repo = upstream_repo(&w);
    w.write(
        "main.tf",
        &format!("module \"m\" {{\n  source = \"git::{repo}?ref=v1\"\n}}\n"),
    );
    w.run(&["init"]).code(0);
    w.write(
        "main.tf",
        &format!("module \"m\" {{\n  source = \"git::{repo}?ref=main\"\n}}\n"),
    );
    let out = w.run(&["validate"]).code(1);
    assert!(
        out.stderr.contains("Module source has changed"),
        "{}",
        out.stderr
    );
    assert!(Path::new(&w.path().join(".terraform/modules/m")).is_dir());
}
