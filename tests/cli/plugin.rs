//! Provider plugins end to end: the real terraform-provider-null 2.1.2 binary, installed
//! the way `terraform init` installs it, serving resources for terrane; and state moving
//! between Terraform 1.0.3 and terrane with no diff.

use std::path::Path;

use crate::harness::Work;
use crate::snap;

const PLUGIN_DIR: &str =
    ".terraform/providers/registry.terraform.io/hashicorp/null/2.1.2/linux_amd64";
const ONLY_PLUGIN: &[(&str, &str)] = &[("TERRANE_PLUGIN_ONLY", "hashicorp/null")];

fn null_plugin() -> std::path::PathBuf {
    terrane_test_support::plugins::null_provider().unwrap_or_else(|e| panic!("{e}"))
}

/// A working directory as `terraform init` leaves it: the plugin unpacked under
/// `.terraform/providers`.
fn with_plugin(main_tf: &str) -> Work {
    let w = Work::main_tf(main_tf);
    install(w.path());
    w
}

fn install(dir: &Path) {
    let to = dir.join(PLUGIN_DIR);
    std::fs::create_dir_all(&to).unwrap();
    let bin = to.join(terrane_test_support::plugins::NULL_PROVIDER_FILE);
    std::fs::copy(null_plugin(), &bin).unwrap();
}

const TRIGGERED: &str = r#"
variable "v" {
  default = "1"
}

resource "null_resource" "a" {
  triggers = {
    v = var.v
  }
}
"#;

#[test]
fn a_null_resource_is_created_replaced_and_destroyed_through_the_plugin() {
    let w = with_plugin(TRIGGERED);
    let out = w
        .run_with(&["apply", "-auto-approve"], ONLY_PLUGIN, None)
        .code(0);
    assert!(
        out.stdout.contains("Apply complete! Resources: 1 added"),
        "{out}"
    );
    let state = w.state();
    assert_eq!(
        state["resources"][0]["provider"],
        "provider[\"registry.terraform.io/hashicorp/null\"]"
    );
    // Nothing changed: an empty plan (refresh upgrades and reads through the plugin).
    w.run_with(&["plan", "-detailed-exitcode"], ONLY_PLUGIN, None)
        .code(0);

    // New triggers replace the object.
    let out = w
        .run_with(&["plan", "-var", "v=2"], ONLY_PLUGIN, None)
        .code(0);
    assert!(out.stdout.contains("must be replaced"), "{out}");
    // (null 2.1.2 seeds Go's random numbers the same in every process, so the new object
    // may well get the old ID: the counts are what show the replacement.)
    let out = w
        .run_with(
            &["apply", "-auto-approve", "-var", "v=2"],
            ONLY_PLUGIN,
            None,
        )
        .code(0);
    assert!(
        out.stdout
            .contains("Apply complete! Resources: 1 added, 0 changed, 1 destroyed."),
        "{out}"
    );

    let out = w
        .run_with(
            &["destroy", "-auto-approve", "-var", "v=2"],
            ONLY_PLUGIN,
            None,
        )
        .code(0);
    assert!(out.stdout.contains("Resources: 1 destroyed"), "{out}");
}

#[test]
fn types_built_in_stay_native_and_the_plugin_serves_the_rest() {
    // null_resource is built in; null_data_source exists only in the plugin.
    let w = with_plugin(
        r#"
data "null_data_source" "d" {
  inputs = { greeting = "hello" }
}

resource "null_resource" "a" {
  triggers = data.null_data_source.d.outputs
}

output "greeting" {
  value = data.null_data_source.d.outputs["greeting"]
}
"#,
    );
    w.run(&["apply", "-auto-approve"]).code(0);
    assert_eq!(
        w.run(&["output", "-raw", "greeting"]).code(0).stdout,
        "hello"
    );
    w.run(&["plan", "-detailed-exitcode"]).code(0);
}

#[test]
fn import_is_answered_by_the_plugin() {
    // null 2.1.2 predates import support for null_resource; its own error reaches the user.
    let w = with_plugin("resource \"null_resource\" \"a\" {}\n");
    let out = w
        .run_with(&["import", "null_resource.a", "4242"], ONLY_PLUGIN, None)
        .code(1);
    assert!(
        out.stderr
            .contains("resource null_resource doesn't support import"),
        "{out}"
    );
    assert!(!w.exists("terraform.tfstate"), "{out}");
}

#[test]
fn a_plugin_without_its_package_is_reported_with_how_to_install_it() {
    let w = Work::main_tf(
        "terraform {\n  required_providers {\n    random = { source = \"hashicorp/random\" }\n  }\n}\n",
    );
    let out = w.run(&["validate"]).code(1);
    assert!(out.stderr.contains("terrane init"), "{out}");
}

#[test]
fn a_package_that_does_not_match_the_lock_file_is_refused() {
    let w = with_plugin(TRIGGERED);
    w.write(
        ".terraform.lock.hcl",
        "provider \"registry.terraform.io/hashicorp/null\" {\n  version = \"2.1.2\"\n  hashes = [\n    \"h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\",\n  ]\n}\n",
    );
    let out = w.run_with(&["plan"], ONLY_PLUGIN, None).code(1);
    snap!(w, "plugin_lock_mismatch", out);
}

/// Terraform 1.0.3 with a filesystem mirror holding the same plugin, in `dir`.
fn terraform(dir: &Path, mirror: &Path, args: &[&str]) -> std::process::Output {
    let rc = mirror.join("terraformrc");
    std::fs::write(
        &rc,
        format!(
            "disable_checkpoint = true\nprovider_installation {{\n  filesystem_mirror {{\n    path = \"{}\"\n  }}\n}}\n",
            mirror.join("mirror").display()
        ),
    )
    .unwrap();
    let tf = terrane_test_support::plugins::terraform_103().unwrap_or_else(|e| panic!("{e}"));
    let out = std::process::Command::new(tf)
        .args(args)
        .current_dir(dir)
        .env("TF_CLI_CONFIG_FILE", &rc)
        .env("CHECKPOINT_DISABLE", "1")
        .env("TF_IN_AUTOMATION", "1")
        .env_remove("TF_LOG")
        .output()
        .unwrap();
    out
}

fn mirror() -> tempfile::TempDir {
    let m = tempfile::tempdir().unwrap();
    let to = m
        .path()
        .join("mirror/registry.terraform.io/hashicorp/null/2.1.2/linux_amd64");
    std::fs::create_dir_all(&to).unwrap();
    std::fs::copy(
        null_plugin(),
        to.join(terrane_test_support::plugins::NULL_PROVIDER_FILE),
    )
    .unwrap();
    m
}

#[test]
fn state_moves_between_terraform_103_and_terrane_with_no_diff() {
    let m = mirror();
    let config = format!(
        "terraform {{\n  required_providers {{\n    null = {{ source = \"hashicorp/null\", version = \"2.1.2\" }}\n  }}\n}}\n{TRIGGERED}"
    );

    // Terraform creates; terrane, using the plugin and lock file terraform init left,
    // plans no change.
    let w = Work::main_tf(&config);
    for args in [
        &["init", "-no-color"][..],
        &["apply", "-auto-approve", "-no-color"],
    ] {
        let out = terraform(w.path(), m.path(), args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert!(w.read(".terraform.lock.hcl").contains("h1:"));
    w.run_with(&["plan", "-detailed-exitcode"], ONLY_PLUGIN, None)
        .code(0);

    // terrane creates; Terraform plans no change.
    let w = Work::main_tf(&config);
    let out = terraform(w.path(), m.path(), &["init", "-no-color"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    w.run_with(&["apply", "-auto-approve"], ONLY_PLUGIN, None)
        .code(0);
    let out = terraform(
        w.path(),
        m.path(),
        &["plan", "-detailed-exitcode", "-no-color"],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The lock file Terraform 1.15.5 writes for null 2.1.2 from a filesystem mirror.
const LOCKED_NULL: &str = r#"# This file is maintained automatically by "terraform init".
# Manual edits may be lost in future updates.

provider "registry.terraform.io/hashicorp/null" {
  version     = "2.1.2"
  constraints = "~> 2.1"
  hashes = [
    "h1:CFnENdqQu4g3LJNevA32aDxcUz2qGkRGQpFfkI8TCdE=",
  ]
}
"#;

#[test]
fn init_installs_from_a_filesystem_mirror_and_locks_as_terraform_does() {
    let m = mirror();
    let rc = m.path().join("terraformrc");
    std::fs::write(
        &rc,
        format!(
            "provider_installation {{\n  filesystem_mirror {{\n    path = \"{}\"\n  }}\n}}\n",
            m.path().join("mirror").display()
        ),
    )
    .unwrap();
    let rc = rc.to_string_lossy().into_owned();
    let env = [("TF_CLI_CONFIG_FILE", rc.as_str()), ONLY_PLUGIN[0]];
    let w = Work::main_tf(&format!(
        "terraform {{\n  required_providers {{\n    null = {{ source = \"hashicorp/null\", version = \"~> 2.1\" }}\n  }}\n}}\n{TRIGGERED}"
    ));
    let out = w.run_with(&["init"], &env, None).code(0);
    assert!(
        out.stdout
            .contains("- Installed hashicorp/null v2.1.2 (unauthenticated)"),
        "{out}"
    );
    assert_eq!(w.read(".terraform.lock.hcl"), LOCKED_NULL);
    w.run_with(&["apply", "-auto-approve"], &env, None).code(0);

    // Locked and installed: reused; a constraint the lock does not meet needs -upgrade,
    // and a read-only lock file is never changed.
    let out = w.run_with(&["init"], &env, None).code(0);
    assert!(
        out.stdout
            .contains("- Using previously-installed hashicorp/null v2.1.2"),
        "{out}"
    );
    w.write(
        "main.tf",
        "terraform {\n  required_providers {\n    null = { source = \"hashicorp/null\", version = \">= 3.0\" }\n  }\n}\n",
    );
    let out = w.run_with(&["init"], &env, None).code(1);
    assert!(
        out.stderr
            .contains("Error: Failed to query available provider packages"),
        "{out}"
    );
    w.write(
        "main.tf",
        "terraform {\n  required_providers {\n    null = { source = \"hashicorp/null\", version = \"2.1.2\" }\n  }\n}\n",
    );
    let out = w
        .run_with(&["init", "-lockfile=readonly"], &env, None)
        .code(1);
    assert!(
        out.stderr
            .contains("Error: Provider dependency changes detected"),
        "{out}"
    );
    assert_eq!(w.read(".terraform.lock.hcl"), LOCKED_NULL);
}

#[test]
fn plugin_logs_go_to_tf_log_path_as_terraform_writes_them() {
    let w = with_plugin(TRIGGERED);
    let log = w.path().join("terraform.log");
    let log_path = log.display().to_string();
    let env = [
        ONLY_PLUGIN[0],
        ("TF_LOG", "DEBUG"),
        ("TF_LOG_PATH", log_path.as_str()),
    ];
    let out = w.run_with(&["plan"], &env, None).code(0);
    assert!(
        !out.stderr.contains("provider.terraform-provider-null"),
        "{out}"
    );
    let text = std::fs::read_to_string(&log).unwrap();
    let line = text
        .lines()
        .find(|l| l.contains("provider.terraform-provider-null_v2.1.2_x4: "))
        .unwrap_or_else(|| panic!("no plugin log line in:\n{text}"));
    assert!(
        line.contains(" [INFO]  ") || line.contains(" [DEBUG] "),
        "{line}"
    );
    assert!(!text.contains("[TRACE]"), "{text}");
}

/// A resource removed from the configuration whose provider is a plugin only the state
/// names: the plan starts that plugin (its log shows it) and destroys the object with it,
/// as Terraform does.
#[test]
fn a_provider_only_the_state_names_destroys_its_resources_through_the_plugin() {
    let w = with_plugin(TRIGGERED);
    w.run_with(&["apply", "-auto-approve"], ONLY_PLUGIN, None)
        .code(0);
    w.write("main.tf", "resource \"terraform_data\" \"d\" {}\n");
    let log = w.path().join("terraform.log");
    let log_path = log.display().to_string();
    let env = [
        ONLY_PLUGIN[0],
        ("TF_LOG", "DEBUG"),
        ("TF_LOG_PATH", log_path.as_str()),
    ];
    let out = w.run_with(&["plan", "-no-color"], &env, None).code(0);
    assert!(
        out.stdout
            .contains("# null_resource.a will be destroyed\n  # (because null_resource.a is not in configuration)"),
        "{out}"
    );
    assert!(
        out.stdout
            .contains("Plan: 1 to add, 0 to change, 1 to destroy."),
        "{out}"
    );
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.contains("provider.terraform-provider-null_v2.1.2_x4: "),
        "the plugin was not started:\n{text}"
    );
    let out = w
        .run_with(&["apply", "-auto-approve"], ONLY_PLUGIN, None)
        .code(0);
    assert!(
        out.stdout
            .contains("Apply complete! Resources: 1 added, 0 changed, 1 destroyed."),
        "{out}"
    );
    let types: Vec<String> = w.state()["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["type"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(types, ["terraform_data"]);
}
