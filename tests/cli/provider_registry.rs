//! Installing providers over the network as `terraform init` does: from a provider
//! registry and from a network mirror, both served on 127.0.0.1 by the test (the real
//! null provider 2.1.2 packed as a release zip), reached through the CLI configuration's
//! `host` block and `network_mirror` method. Also `providers lock`, `providers mirror`
//! and `providers schema -json`.

use terrane_test_support::registry::{
    cli_config_for, null_download, null_provider_zip, null_sums, release_key, serve_null_registry,
    sha256_hex, Doc, Server,
};
use terrane_test_support::signing::TestKey;

use crate::harness::Work;
use crate::snap;

const PACKAGE: &str = ".terraform/providers/registry.terraform.io/hashicorp/null";

/// A configuration that needs the plugin: `null_data_source` is not built in.
const NEEDS_NULL: &str = r#"terraform {
  required_providers {
    null = { source = "hashicorp/null", version = "~> 2.1" }
  }
}

data "null_data_source" "d" {
  inputs = { greeting = "hello" }
}
"#;

/// The lock file Terraform writes for this package: the `h1:` hash it records from a
/// filesystem mirror (the same files) and, the SHA256SUMS being signed, the `zh:` hash of
/// every platform's archive they list (the other platform's is all zeros here).
fn locked(version: &str, zip: &[u8]) -> String {
    format!(
        r#"# This file is maintained automatically by "terraform init".
# Manual edits may be lost in future updates.

provider "registry.terraform.io/hashicorp/null" {{
  version     = "{version}"
  constraints = "~> 2.1"
  hashes = [
    "h1:CFnENdqQu4g3LJNevA32aDxcUz2qGkRGQpFfkI8TCdE=",
    "zh:0000000000000000000000000000000000000000000000000000000000000000",
    "zh:{}",
  ]
}}
"#,
        sha256_hex(zip)
    )
}

/// A registry offering `versions` of hashicorp/null, and a working directory whose CLI
/// configuration (`terraformrc` in it, plus `extra`) points registry.terraform.io there.
struct Setup {
    server: Server,
    zip: Vec<u8>,
    work: Work,
    rc: String,
}

impl Setup {
    fn new(versions: &[&str], tamper: bool, extra: &str) -> Setup {
        let server = Server::start();
        let zip = null_provider_zip();
        serve_null_registry(&server, versions, &zip, tamper);
        let work = Work::main_tf(NEEDS_NULL);
        work.write("terraformrc", &cli_config_for(&server, extra));
        let rc = work.path().join("terraformrc").display().to_string();
        Setup {
            server,
            zip,
            work,
            rc,
        }
    }

    fn run(&self, w: &Work, args: &[&str]) -> crate::harness::Out {
        w.run_with(args, &[("TF_CLI_CONFIG_FILE", self.rc.as_str())], None)
    }
}

#[test]
fn init_installs_the_newest_matching_version_from_a_registry_and_locks_it() {
    let s = Setup::new(&["1.0.0", "2.1.2", "2.1.3-beta1"], false, "");
    let out = s.run(&s.work, &["init"]).code(0);
    snap!(s.work, "registry_init", out);
    assert_eq!(s.work.read(".terraform.lock.hcl"), locked("2.1.2", &s.zip));
    assert!(s
        .work
        .path()
        .join(PACKAGE)
        .join("2.1.2/linux_amd64")
        .join(terrane_test_support::plugins::NULL_PROVIDER_FILE)
        .is_file());
    // The plugin it installed serves the configuration.
    let out = s.run(&s.work, &["apply", "-auto-approve"]).code(0);
    assert!(out.stdout.contains("Apply complete!"), "{out}");
}

#[test]
fn the_plugin_cache_is_filled_and_reused_and_upgrade_moves_to_a_newer_version() {
    let cache = tempfile::tempdir().unwrap();
    let extra = format!("plugin_cache_dir = \"{}\"\n", cache.path().display());
    let s = Setup::new(&["2.1.2"], false, &extra);
    s.run(&s.work, &["init"]).code(0);
    let cached = cache
        .path()
        .join("registry.terraform.io/hashicorp/null/2.1.2/linux_amd64");
    assert!(cached.is_dir());

    // Another working directory with the same lock file links the cached package
    // without downloading it again.
    let other = Work::main_tf(NEEDS_NULL);
    other.write(".terraform.lock.hcl", &s.work.read(".terraform.lock.hcl"));
    let out = s.run(&other, &["init"]).code(0);
    assert!(
        out.stdout
            .contains("- Using hashicorp/null v2.1.2 from the shared cache directory"),
        "{out}"
    );
    assert_eq!(
        std::fs::read_link(other.path().join(PACKAGE).join("2.1.2/linux_amd64")).unwrap(),
        cached
    );
    let zip_path = "/files/terraform-provider-null_2.1.2_linux_amd64.zip";
    assert_eq!(s.server.requests_for(zip_path), 1);

    // A newer release: the lock file's version stays until -upgrade.
    serve_null_registry(&s.server, &["2.1.2", "2.1.3"], &s.zip, false);
    let out = s.run(&other, &["init"]).code(0);
    assert!(
        out.stdout
            .contains("- Reusing previous version of hashicorp/null from the dependency lock file"),
        "{out}"
    );
    let out = s.run(&other, &["init", "-upgrade"]).code(0);
    assert!(
        out.stdout.contains(&format!(
            "- Installed hashicorp/null v2.1.3 (self-signed, key ID {})",
            release_key().key_id
        )),
        "{out}"
    );
    assert_eq!(other.read(".terraform.lock.hcl"), locked("2.1.3", &s.zip));
}

#[test]
fn a_signed_release_installs_reporting_its_signer_and_locks_every_platforms_hash() {
    let s = Setup::new(&["2.1.2"], false, "");
    let out = s.run(&s.work, &["init"]).code(0);
    let installed = format!(
        "- Installed hashicorp/null v2.1.2 (self-signed, key ID {})",
        release_key().key_id
    );
    assert!(out.stdout.contains(&installed), "{out}");
    assert!(
        out.stdout
            .contains("\nPartner and community providers are signed by their developers.\n"),
        "{out}"
    );
    assert_eq!(s.work.read(".terraform.lock.hcl"), locked("2.1.2", &s.zip));
    assert_eq!(s.server.requests_for("/files/null_2.1.2_SHA256SUMS.sig"), 1);
}

#[test]
fn checksums_that_do_not_match_their_signature_are_refused() {
    let s = Setup::new(&["2.1.2"], false, "");
    // Another platform's sum changed after signing.
    let sums = null_sums("2.1.2", &sha256_hex(&s.zip)).replace("0000", "1111");
    s.server.add(
        "/files/null_2.1.2_SHA256SUMS",
        Doc::bytes("text/plain", sums.into_bytes()),
    );
    let out = s.run(&s.work, &["init"]).code(1);
    assert!(out.stderr.contains("Failed to install provider"), "{out}");
    assert!(out.stderr.contains("error checking signature"), "{out}");
    assert!(!s.work.exists(".terraform.lock.hcl"));
    assert!(!s.work.exists(&format!("{PACKAGE}/2.1.2/linux_amd64")));
}

#[test]
fn a_signature_by_a_key_the_registry_does_not_list_is_refused() {
    let s = Setup::new(&["2.1.2"], false, "");
    // The registry lists another key than the one that signed the checksums.
    let other = TestKey::generate(2, "Someone Else <else@example.test>");
    s.server.add(
        "/v1/providers/hashicorp/null/2.1.2/download/linux/amd64",
        null_download("2.1.2", &sha256_hex(&s.zip), &other),
    );
    let out = s.run(&s.work, &["init"]).code(1);
    // (The message wraps after "unknown".)
    assert!(
        out.stderr.contains("authentication signature from unknown"),
        "{out}"
    );
    assert!(!s.work.exists(".terraform.lock.hcl"));

    // An empty signature is no signature: as for Terraform, its issuer is unknown.
    let s = Setup::new(&["2.1.2"], false, "");
    s.server.add(
        "/files/null_2.1.2_SHA256SUMS.sig",
        Doc::bytes("application/octet-stream", Vec::new()),
    );
    let out = s.run(&s.work, &["init"]).code(1);
    assert!(out.stderr.contains("signature from unknown"), "{out}");
    assert!(!s.work.exists(".terraform.lock.hcl"));
}

#[test]
fn a_package_that_does_not_match_the_registry_checksum_is_refused() {
    let s = Setup::new(&["2.1.2"], true, "");
    let out = s.run(&s.work, &["init"]).code(1);
    snap!(s.work, "registry_tampered_package", out);
    assert!(!s.work.exists(".terraform.lock.hcl"));
    assert!(!s.work.exists(&format!("{PACKAGE}/2.1.2/linux_amd64")));
}

#[test]
fn providers_mirror_fills_a_directory_that_serves_as_a_network_mirror() {
    let s = Setup::new(&["2.1.2"], false, "");
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().display().to_string();
    let out = s.run(&s.work, &["providers", "mirror", &target]).code(0);
    snap!(s.work, "providers_mirror", out);
    let home = dir.path().join("registry.terraform.io/hashicorp/null");
    assert_eq!(
        std::fs::read(home.join("terraform-provider-null_2.1.2_linux_amd64.zip")).unwrap(),
        s.zip
    );
    let read = |f: &str| std::fs::read_to_string(home.join(f)).unwrap();
    assert_eq!(
        read("index.json"),
        "{\n  \"versions\": {\n    \"2.1.2\": {}\n  }\n}"
    );
    assert_eq!(
        read("2.1.2.json"),
        "{\n  \"archives\": {\n    \"linux_amd64\": {\n      \"hashes\": [\n        \"h1:CFnENdqQu4g3LJNevA32aDxcUz2qGkRGQpFfkI8TCdE=\"\n      ],\n      \"url\": \"terraform-provider-null_2.1.2_linux_amd64.zip\"\n    }\n  }\n}"
    );

    // The same directory, published over HTTP, is a network mirror init installs from.
    let mirror = Server::start();
    mirror.add_dir("/mirror/", dir.path());
    let w = Work::main_tf(NEEDS_NULL);
    w.write(
        "terraformrc",
        &format!(
            "provider_installation {{\n  network_mirror {{\n    url = \"{}/mirror/\"\n  }}\n}}\n",
            mirror.base()
        ),
    );
    let rc = w.path().join("terraformrc").display().to_string();
    let out = w
        .run_with(&["init"], &[("TF_CLI_CONFIG_FILE", rc.as_str())], None)
        .code(0);
    assert!(
        out.stdout
            .contains("- Installed hashicorp/null v2.1.2 (verified checksum)"),
        "{out}"
    );
    // From a mirror, as from Terraform, only the h1: hash it checked is recorded.
    assert!(
        w.read(".terraform.lock.hcl").contains(
            "  hashes = [\n    \"h1:CFnENdqQu4g3LJNevA32aDxcUz2qGkRGQpFfkI8TCdE=\",\n  ]"
        ),
        "{}",
        w.read(".terraform.lock.hcl")
    );
}

#[test]
fn providers_lock_records_checksums_for_each_platform_asked() {
    let s = Setup::new(&["2.1.2"], false, "");
    let out = s.run(&s.work, &["providers", "lock"]).code(0);
    snap!(s.work, "providers_lock", out);
    assert_eq!(s.work.read(".terraform.lock.hcl"), locked("2.1.2", &s.zip));
    let out = s.run(&s.work, &["providers", "lock"]).code(0);
    assert!(
        out.stdout.contains(
            "Success! terrane has validated the lock file and found no need for changes."
        ),
        "{out}"
    );
    // The registry has no darwin package: nothing is written.
    let out = s
        .run(
            &s.work,
            &[
                "providers",
                "lock",
                "-platform=linux_amd64",
                "-platform=darwin_amd64",
            ],
        )
        .code(1);
    snap!(s.work, "providers_lock_missing_platform", out);
    assert_eq!(s.work.read(".terraform.lock.hcl"), locked("2.1.2", &s.zip));
}

#[test]
fn providers_schema_json_prints_the_plugin_and_built_in_schemas() {
    let s = Setup::new(&["2.1.2"], false, "");
    s.work
        .write("data.tf", "resource \"terraform_data\" \"t\" {}\n");
    s.run(&s.work, &["init"]).code(0);
    let out = s.run(&s.work, &["providers", "schema", "-json"]).code(0);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let pretty = serde_json::to_string_pretty(&json).unwrap();
    snap!(s.work, "providers_schema_json", pretty);
    let out = s.run(&s.work, &["providers", "schema"]).code(1);
    snap!(s.work, "providers_schema_needs_json", out);
}

/// Offline, a provider terrane builds in still serves the types it has: init warns,
/// naming the types that need the plugin, and validate names them as errors.
#[test]
fn an_unreachable_registry_leaves_the_built_in_provider_in_use() {
    let w = Work::main_tf(
        r#"terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = ">= 6.0" }
  }
}
provider "aws" {
  region = "us-east-1"
}
resource "aws_vpc" "v" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_gamelift_alias" "g" {
  name = "a"
}
"#,
    );
    // Nothing listens on port 1: the registry cannot be reached.
    w.write(
        "terraformrc",
        "host \"registry.terraform.io\" {\n  services = {\n    \"providers.v1\" = \"http://127.0.0.1:1/v1/providers/\"\n  }\n}\n",
    );
    let rc = w.path().join("terraformrc").display().to_string();
    let env = [("TF_CLI_CONFIG_FILE", rc.as_str())];
    snap!(
        w,
        "registry_unreachable_built_in_used",
        w.run_with(&["init", "-backend=false"], &env, None).code(0)
    );
    snap!(
        w,
        "registry_unreachable_validate",
        w.run_with(&["validate"], &env, None).code(1)
    );
}

#[test]
fn registry_requests_carry_the_token_of_the_cli_configuration_or_tf_token() {
    let s = Setup::new(
        &["2.1.2"],
        false,
        "credentials \"registry.terraform.io\" {\n  token = \"from-config\"\n}\n",
    );
    s.run(&s.work, &["init"]).code(0);
    let versions = "/v1/providers/hashicorp/null/versions";
    assert_eq!(
        s.server.authorizations_for(versions),
        [Some("Bearer from-config".to_string())]
    );

    // TF_TOKEN_<host> wins over the configuration, as in Terraform.
    let w = Work::main_tf(NEEDS_NULL);
    let env = [
        ("TF_CLI_CONFIG_FILE", s.rc.as_str()),
        ("TF_TOKEN_registry_terraform_io", "from-env"),
    ];
    w.run_with(&["init"], &env, None).code(0);
    assert_eq!(
        s.server.authorizations_for(versions)[1],
        Some("Bearer from-env".to_string())
    );
}
