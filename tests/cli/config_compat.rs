//! Configurations written for Terraform load as Terraform loads them: the `terraform {}`
//! settings terrane accepts or refuses, HCL that Terraform's parser accepts, override
//! files, legacy spellings with their warnings, and init's flags.

use crate::harness::Work;
use crate::snap;

#[test]
fn terraform_block_settings() {
    let w = Work::main_tf(
        r#"
terraform {
  language = TF2021
  provider_meta "aws" {
    module_name = "vpc"
  }
}
resource "null_resource" "a" {}
"#,
    );
    w.run(&["validate"]).code(0);
    let w = Work::main_tf(
        r#"
terraform {
  experiments = [example]
  language    = TF2038
  cloud {
    organization = "example"
  }
  provider_meta "aws" {
    module_name = var.name
  }
}
variable "name" {}
"#,
    );
    snap!(
        w,
        "config_terraform_block_refused",
        w.run(&["validate"]).code(1)
    );
}

#[test]
fn repeated_object_keys_and_empty_heredocs_parse_as_terraform_parses_them() {
    let w = Work::main_tf(
        r#"
locals {
  listener = { port = 80, protocol = "HTTP", port = 443 }
  empty    = <<EOT
EOT
  after    = <<EOT
kept
EOT
}
output "listener" { value = local.listener }
output "empty" { value = local.empty }
output "after" { value = local.after }
"#,
    );
    snap!(
        w,
        "config_lenient_hcl",
        w.run(&["apply", "-auto-approve"]).code(0)
    );
}

#[test]
fn override_files_merge_per_argument() {
    let w = Work::main_tf(
        r#"
variable "greeting" {
  type    = string
  default = "hello"
}
locals {
  a = "base"
  b = "base"
}
resource "terraform_data" "x" {
  input = var.greeting
  lifecycle {
    create_before_destroy = true
  }
}
output "a" { value = local.a }
output "b" { value = local.b }
output "x" {
  value       = terraform_data.x.input
  description = "kept"
}
"#,
    );
    w.write(
        "override.tf",
        r#"
variable "greeting" {
  default = "overridden"
}
locals {
  b = "override"
}
"#,
    );
    w.write(
        "x_override.tf",
        "output \"a\" {\n  value = \"from x_override\"\n}\n",
    );
    snap!(
        w,
        "config_override_apply",
        w.run(&["apply", "-auto-approve"]).code(0)
    );
    w.write("bad_override.tf", "locals {\n  missing = 1\n}\n");
    snap!(
        w,
        "config_override_missing_base",
        w.run(&["validate"]).code(1)
    );
}

#[test]
fn legacy_quoted_references_warn() {
    let w = Work::main_tf(
        r#"
variable "names" {
  type    = list
  default = ["a"]
}
provider "null" {
  alias = "foo"
}
resource "null_resource" "a" {}
resource "null_resource" "b" {
  depends_on = ["null_resource.a"]
  lifecycle {
    ignore_changes = ["triggers"]
  }
}
# `null` is a keyword, and HCL lets a reference start with it.
resource "null_resource" "quoted" {
  provider = "null.foo"
}
resource "null_resource" "bare" {
  provider = null.foo
}
"#,
    );
    snap!(
        w,
        "config_legacy_quoted_references",
        w.run(&["validate"]).code(0)
    );
    let w = Work::main_tf("variable \"x\" {\n  type = \"string\"\n}\n");
    snap!(w, "config_legacy_quoted_type", w.run(&["validate"]).code(1));
}

#[test]
fn ignore_changes_must_name_an_attribute() {
    let w = Work::main_tf(
        r#"
resource "null_resource" "a" {
  lifecycle {
    ignore_changes = [trigers]
  }
}
"#,
    );
    snap!(
        w,
        "config_ignore_changes_unknown",
        w.run(&["validate"]).code(1)
    );
    w.run(&["plan"]).code(1);
}

#[test]
fn invalid_default_names_the_variable() {
    let w = Work::main_tf("variable \"port\" {\n  type    = number\n  default = \"eighty\"\n}\n");
    snap!(w, "config_invalid_default", w.run(&["validate"]).code(1));
}

#[test]
fn empty_module_directory_is_an_empty_module() {
    let w = Work::main_tf("module \"nothing\" {\n  source = \"./nothing\"\n}\n");
    std::fs::create_dir_all(w.path().join("nothing")).unwrap();
    w.run(&["validate"]).code(0);
}

#[test]
fn init_takes_terraforms_flags() {
    let w = Work::main_tf(
        "terraform {\n  backend \"local\" {}\n}\nresource \"null_resource\" \"a\" {}\n",
    );
    w.run(&[
        "init",
        "-backend=false",
        "-get=false",
        "-upgrade",
        "-input=false",
        "-plugin-dir=/nonexistent",
    ])
    .code(0);
    assert!(!w.exists(".terraform/terraform.tfstate"), "-backend=false");
    let out = w.run(&["init", "-json", "-backend=false"]).code(0);
    for line in out.stdout.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
        assert!(v["@message"].is_string() && v["type"].is_string(), "{line}");
    }
    snap!(
        w,
        "config_init_lockfile_conflict",
        w.run(&["init", "-upgrade", "-lockfile=readonly"]).code(1)
    );
}

#[test]
fn descriptions_are_constants_written_any_way_hcl_allows() {
    // The RDS community module writes its descriptions as heredocs.
    let w = Work::main_tf(
        r#"
variable "a" {
  description = <<EOF
  The key ARN, key ID, alias ARN or alias name.
EOF
}
variable "b" {
  description = "x ${"y"}"
}
output "o" {
  value       = 1
  description = <<-EOT
    Indented.
  EOT
}
"#,
    );
    w.run(&["validate"]).code(0);
    let w = Work::main_tf(
        r#"
variable "a" {}
variable "c" {
  description = var.a
}
output "o" {
  value       = 1
  description = upper("a")
}
"#,
    );
    snap!(w, "description_not_constant", w.run(&["validate"]).code(1));
}

#[test]
fn replace_triggered_by_entries_are_checked_as_terraform_checks_them() {
    let w = Work::main_tf(
        r#"
variable "v" {
  default = "x"
}
resource "terraform_data" "a" {
  for_each = toset(["p"])
}
resource "terraform_data" "b" {
  for_each = toset(["p"])
  lifecycle {
    replace_triggered_by = [
      terraform_data.a[each.key].output,
      var.v,
      terraform_data.a[each.value],
    ]
  }
}
"#,
    );
    // Terraform reports the first entry in error only.
    snap!(
        w,
        "replace_triggered_by_invalid",
        w.run(&["validate"]).code(1)
    );
}

#[test]
fn provider_blocks_refuse_the_names_terraform_reserves() {
    let w = Work::main_tf(
        r#"
provider "null" {
  alias      = "foo"
  count      = 3
  depends_on = ["foo.bar"]
  for_each   = ["a", "b"]
  source     = "foo.example.com/baz/bar"
  lifecycle {}
  locals {}
}
"#,
    );
    snap!(w, "provider_reserved_names", w.run(&["validate"]).code(1));
}

#[test]
fn validate_reports_outputs_a_called_module_does_not_declare() {
    let w = Work::main_tf(
        r#"
module "m" {
  source = "./m"
}
module "c" {
  source = "./m"
  count  = 2
}
output "x" {
  value = module.m.nope
}
output "z" {
  value = module.c[0].nope
}
"#,
    );
    w.write(
        "m/main.tf",
        "output \"a\" { value = 1 }\noutput \"b\" { value = 2 }\n",
    );
    w.run(&["init"]).code(0);
    snap!(w, "module_output_undeclared", w.run(&["validate"]).code(1));
}

#[test]
fn ephemeral_and_action_blocks_load_and_are_reported_unsupported() {
    // Well formed: Terraform loads these; no provider here serves either type, so
    // validate names each (not "Unsupported block type"), and checks action_trigger
    // references.
    let w = Work::main_tf(
        r#"
action "null_reboot" "now" {
  config {
    force = true
  }
}
ephemeral "null_token" "t" {
  count = 1
  lifecycle {
    precondition {
      condition     = true
      error_message = "never"
    }
  }
}
resource "null_resource" "a" {
  lifecycle {
    action_trigger {
      events  = [after_create, after_update]
      actions = [action.null_reboot.now, action.null_reboot.later]
    }
  }
}
"#,
    );
    snap!(
        w,
        "config_ephemeral_action_unsupported",
        w.run(&["validate"]).code(1)
    );
    // Malformed: Terraform's loader errors.
    let w = Work::main_tf(
        r#"
action "null_reboot" "now" {
  count    = 1
  for_each = {}
}
ephemeral "null_token" "t" {
  lifecycle {
    create_before_destroy = true
  }
}
data "null_data_source" "d" {
  lifecycle {
    action_trigger {
      events  = [after_create]
      actions = [action.null_reboot.now]
    }
  }
}
resource "null_resource" "a" {
  lifecycle {
    action_trigger {
      events  = [after_create, after_create, on_tuesday]
      actions = [null_resource.b]
    }
  }
}
"#,
    );
    snap!(
        w,
        "config_ephemeral_action_malformed",
        w.run(&["validate"]).code(1)
    );
}
