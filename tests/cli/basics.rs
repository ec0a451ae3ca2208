//! The everyday workflow: plan, apply, no-op plan, updates, replacements, destroy, and the
//! read-only commands.

use crate::harness::Work;
use crate::snap;

#[test]
fn lifecycle_plan_apply_noop_destroy() {
    let w = Work::fixture("hello");
    snap!(w, "lifecycle_init", w.run(&["init"]).code(0));
    snap!(w, "lifecycle_plan", w.run(&["plan"]).code(0));
    assert!(!w.exists("terraform.tfstate"), "plan must not write state");
    snap!(
        w,
        "lifecycle_apply",
        w.run(&["apply", "-auto-approve"]).code(0).sorted()
    );
    assert_eq!(w.state_ids().len(), 5);
    assert_eq!(w.state()["serial"], 1);
    snap!(
        w,
        "lifecycle_noop_plan",
        w.run(&["plan", "-detailed-exitcode"]).code(0)
    );
    // A no-op apply changes nothing and does not bump the serial.
    let noop = w.run(&["apply", "-auto-approve"]).code(0);
    assert!(noop
        .stdout
        .contains("Apply complete! Resources: 0 added, 0 changed, 0 destroyed."));
    assert_eq!(w.state()["serial"], 1);
    snap!(
        w,
        "lifecycle_destroy",
        w.run(&["destroy", "-auto-approve"]).code(0).sorted()
    );
    assert!(w.state_ids().is_empty());
    assert!(w.state()["outputs"].as_object().unwrap().is_empty());
    assert_eq!(w.run(&["plan", "-destroy", "-detailed-exitcode"]).code, 0);
}

#[test]
fn update_in_place() {
    let w = Work::main_tf(
        r#"
variable "v" {
  default = "one"
}

resource "terraform_data" "d" {
  input = var.v
}
"#,
    );
    w.run(&["apply", "-auto-approve"]).code(0);
    let id = w.id("terraform_data.d");
    snap!(
        w,
        "update_in_place_plan",
        w.run(&["plan", "-var", "v=two", "-detailed-exitcode"])
            .code(2)
    );
    snap!(
        w,
        "update_in_place_apply",
        w.run(&["apply", "-auto-approve", "-var", "v=two"]).code(0)
    );
    assert_eq!(w.id("terraform_data.d"), id, "an update keeps the id");
    // Dynamic-typed attributes are stored as Terraform stores them: value plus type.
    assert_eq!(
        w.state()["resources"][0]["instances"][0]["attributes"]["output"],
        serde_json::json!({"value": "two", "type": "string"})
    );
    assert_eq!(
        w.run(&["plan", "-var", "v=two", "-detailed-exitcode"]).code,
        0
    );
}

#[test]
fn replace_when_null_resource_triggers_change() {
    let w = Work::main_tf(
        r#"
variable "v" {
  default = "one"
}

resource "null_resource" "n" {
  triggers = {
    v = var.v
  }
}
"#,
    );
    w.run(&["apply", "-auto-approve"]).code(0);
    let id = w.id("null_resource.n");
    snap!(
        w,
        "replace_triggers_plan",
        w.run(&["plan", "-var", "v=two"]).code(0)
    );
    let out = w.run(&["apply", "-auto-approve", "-var", "v=two"]).code(0);
    snap!(w, "replace_triggers_apply", out);
    assert_ne!(w.id("null_resource.n"), id);
    assert_eq!(w.state_ids().len(), 1);
}

#[test]
fn replace_when_terraform_data_triggers_replace_changes() {
    let w = Work::main_tf(
        r#"
variable "v" {
  default = 1
}

resource "terraform_data" "d" {
  input            = "same"
  triggers_replace = [var.v]
}
"#,
    );
    w.run(&["apply", "-auto-approve"]).code(0);
    let id = w.id("terraform_data.d");
    snap!(
        w,
        "replace_triggers_replace_plan",
        w.run(&["plan", "-var", "v=2"]).code(0)
    );
    w.run(&["apply", "-auto-approve", "-var", "v=2"]).code(0);
    assert_ne!(w.id("terraform_data.d"), id);
    assert_eq!(
        w.run(&["plan", "-var", "v=2", "-detailed-exitcode"]).code,
        0
    );
}

#[test]
fn terraform_data_without_input_plans_no_output() {
    // Terraform plans `output` as null when `input` is null, so neither the create nor a
    // trigger replacement shows it; a literal input's output is known only after apply.
    let w = Work::main_tf(
        r#"
variable "v" {
  default = 1
}

resource "terraform_data" "bare" {
  triggers_replace = [var.v]
}

resource "terraform_data" "fed" {
  input = "x"
}
"#,
    );
    let create = w.run(&["plan"]).code(0).stdout;
    let bare = create
        .split("# terraform_data.fed")
        .next()
        .expect("the plan lists terraform_data.bare first");
    assert!(
        bare.contains("terraform_data.bare will be created"),
        "{create}"
    );
    assert!(!bare.contains("output"), "{create}");
    assert!(
        create.contains("+ output = (known after apply)"),
        "{create}"
    );
    w.run(&["apply", "-auto-approve"]).code(0);
    let replace = w.run(&["plan", "-var", "v=2"]).code(0).stdout;
    assert!(
        replace.contains("terraform_data.bare must be replaced"),
        "{replace}"
    );
    assert!(!replace.contains("output"), "{replace}");
}

#[test]
fn replace_flag_forces_replacement() {
    let w = Work::main_tf(
        r#"
resource "null_resource" "a" {}

resource "null_resource" "b" {}
"#,
    );
    w.run(&["apply", "-auto-approve"]).code(0);
    let (a, b) = (w.id("null_resource.a"), w.id("null_resource.b"));
    snap!(
        w,
        "replace_flag_plan",
        w.run(&["plan", "-replace=null_resource.a"]).code(0)
    );
    w.run(&["apply", "-auto-approve", "-replace=null_resource.a"])
        .code(0);
    assert_ne!(w.id("null_resource.a"), a);
    assert_eq!(w.id("null_resource.b"), b);
}

#[test]
fn create_before_destroy_replacement() {
    let w = Work::main_tf(
        r#"
variable "v" {
  default = "one"
}

resource "null_resource" "n" {
  triggers = {
    v = var.v
  }

  lifecycle {
    create_before_destroy = true
  }
}
"#,
    );
    w.run(&["apply", "-auto-approve"]).code(0);
    let old = w.id("null_resource.n");
    snap!(
        w,
        "create_before_destroy_plan",
        w.run(&["plan", "-var", "v=two"]).code(0)
    );
    let out = w.run(&["apply", "-auto-approve", "-var", "v=two"]).code(0);
    snap!(w, "create_before_destroy_apply", out);
    let steps = out.progress_of("null_resource.n");
    let created = steps
        .iter()
        .position(|l| l.contains("Creation complete"))
        .unwrap();
    let destroying = steps.iter().position(|l| l.contains("Destroying")).unwrap();
    assert!(
        created < destroying,
        "the replacement must exist before the old object goes: {steps:?}"
    );
    assert_ne!(w.id("null_resource.n"), old);
    assert_eq!(w.state_ids().len(), 1);
    assert_eq!(
        w.run(&["plan", "-var", "v=two", "-detailed-exitcode"]).code,
        0
    );
}

#[test]
fn count_grows_and_shrinks() {
    let w = Work::main_tf(
        r#"
variable "n" {
  type    = number
  default = 2
}

resource "null_resource" "c" {
  count = var.n
}
"#,
    );
    w.run(&["apply", "-auto-approve"]).code(0);
    let first = w.id("null_resource.c[0]");
    snap!(
        w,
        "count_grow_plan",
        w.run(&["plan", "-var", "n=4"]).code(0)
    );
    w.run(&["apply", "-auto-approve", "-var", "n=4"]).code(0);
    assert_eq!(w.state_ids().len(), 4);
    assert_eq!(w.id("null_resource.c[0]"), first);
    snap!(
        w,
        "count_shrink_plan",
        w.run(&["plan", "-var", "n=1"]).code(0)
    );
    w.run(&["apply", "-auto-approve", "-var", "n=1"]).code(0);
    let ids = w.state_ids();
    assert_eq!(ids, vec![("null_resource.c[0]".to_string(), first)]);
}

#[test]
fn for_each_grows_and_shrinks() {
    let w = Work::main_tf(
        r#"
variable "names" {
  type    = set(string)
  default = ["a", "b"]
}

resource "terraform_data" "e" {
  for_each = var.names
  input    = "hi ${each.key}"
}
"#,
    );
    w.run(&["apply", "-auto-approve"]).code(0);
    let a = w.id("terraform_data.e[\"a\"]");
    snap!(
        w,
        "for_each_grow_plan",
        w.run(&["plan", "-var", r#"names=["a","b","c"]"#]).code(0)
    );
    snap!(
        w,
        "for_each_shrink_plan",
        w.run(&["plan", "-var", r#"names=["a"]"#]).code(0)
    );
    w.run(&["apply", "-auto-approve", "-var", r#"names=["a"]"#])
        .code(0);
    assert_eq!(
        w.state_ids(),
        vec![("terraform_data.e[\"a\"]".to_string(), a)]
    );
}

#[test]
fn removed_resource_block_is_destroyed() {
    let w = Work::main_tf(
        r#"
resource "null_resource" "keep" {}

resource "null_resource" "gone" {}
"#,
    );
    w.run(&["apply", "-auto-approve"]).code(0);
    w.write("main.tf", "resource \"null_resource\" \"keep\" {}\n");
    snap!(
        w,
        "removed_block_plan",
        w.run(&["plan", "-detailed-exitcode"]).code(2)
    );
    w.run(&["apply", "-auto-approve"]).code(0);
    assert_eq!(w.state_ids().len(), 1);
}

const OUTPUTS: &str = r#"
resource "terraform_data" "d" {
  input = "hello"
}

output "text" {
  value = terraform_data.d.output
}

output "number" {
  value = 42
}

output "list" {
  value = ["a", "b"]
}

output "secret" {
  value     = "hunter2"
  sensitive = true
}
"#;

#[test]
fn outputs() {
    let w = Work::main_tf(OUTPUTS);
    snap!(w, "outputs_before_apply", w.run(&["output"]).code(0));
    snap!(
        w,
        "outputs_apply",
        w.run(&["apply", "-auto-approve"]).code(0)
    );
    snap!(w, "outputs_all", w.run(&["output"]).code(0));
    snap!(w, "outputs_json", w.run(&["output", "-json"]).code(0));
    snap!(w, "outputs_name", w.run(&["output", "list"]).code(0));
    snap!(
        w,
        "outputs_secret_by_name",
        w.run(&["output", "secret"]).code(0)
    );
    let raw = w.run(&["output", "-raw", "text"]).code(0);
    assert_eq!(raw.stdout, "hello");
    assert_eq!(w.run(&["output", "-raw", "number"]).code(0).stdout, "42");
    assert_eq!(
        w.run(&["output", "-raw", "secret"]).code(0).stdout,
        "hunter2"
    );
    assert_eq!(
        w.run(&["output", "-json", "list"]).code(0).stdout,
        "[\"a\",\"b\"]\n"
    );
    snap!(
        w,
        "outputs_raw_list",
        w.run(&["output", "-raw", "list"]).code(1)
    );
    snap!(w, "outputs_missing", w.run(&["output", "nope"]).code(1));
}

#[test]
fn null_outputs_are_not_stored_and_becoming_null_removes_one() {
    let w = Work::main_tf(
        r#"
variable "on" {
  default = false
}
output "maybe" { value = var.on ? "x" : null }
output "always" { value = "k" }
"#,
    );
    // As Terraform: a null output is no change and never reaches state.
    let plan = w.run(&["plan"]).code(0);
    assert!(!plan.stdout.contains("maybe"), "{plan}");
    w.run(&["apply", "-auto-approve"]).code(0);
    assert!(w.state()["outputs"].get("maybe").is_none());
    w.run(&["apply", "-auto-approve", "-var", "on=true"])
        .code(0);
    assert_eq!(w.state()["outputs"]["maybe"]["value"], "x");
    snap!(
        w,
        "outputs_becoming_null",
        w.run(&["apply", "-auto-approve", "-var", "on=false"])
            .code(0)
    );
    assert!(w.state()["outputs"].get("maybe").is_none());
    w.run(&["output", "maybe"]).code(1);
    w.run(&["plan", "-detailed-exitcode", "-var", "on=false"])
        .code(0);
}

#[test]
fn output_json_types_match_terraform() {
    let w = Work::main_tf(
        r#"
variable "l" {
  type    = list(string)
  default = ["a"]
}
output "keys_of_object" { value = keys({ a = 1 }) }
output "keys_of_map" { value = keys(tomap({ a = 1 })) }
output "splat_of_list" { value = var.l[*] }
output "splat_of_set" { value = toset(["b"])[*] }
output "splat_of_tuple" { value = ["x"][*] }
output "whole" { value = 9007199254740992 }
"#,
    );
    w.run(&["apply", "-auto-approve"]).code(0);
    let out: serde_json::Value =
        serde_json::from_str(&w.run(&["output", "-json"]).code(0).stdout).unwrap();
    let ty = |name: &str| out[name]["type"].to_string();
    // What Terraform 1.15.5 reports for the same outputs.
    assert_eq!(ty("keys_of_object"), r#"["tuple",["string"]]"#);
    assert_eq!(ty("keys_of_map"), r#"["list","string"]"#);
    assert_eq!(ty("splat_of_list"), r#"["list","string"]"#);
    assert_eq!(ty("splat_of_set"), r#"["list","string"]"#);
    assert_eq!(ty("splat_of_tuple"), r#"["tuple",["string"]]"#);
    assert!(w
        .run(&["output", "-json", "whole"])
        .code(0)
        .stdout
        .starts_with("9007199254740992\n"));
}

#[test]
fn output_type_constraints_convert_or_refuse() {
    let w = Work::main_tf(
        r#"
output "string" {
  type  = string
  value = 5
}
output "object" {
  type = object({
    name = optional(string, "Bart"),
  })
  value = {}
}
"#,
    );
    w.run(&["apply", "-auto-approve"]).code(0);
    let out: serde_json::Value =
        serde_json::from_str(&w.run(&["output", "-json"]).code(0).stdout).unwrap();
    // What Terraform 1.15.5 stores for the same outputs.
    assert_eq!(out["string"]["value"], "5");
    assert_eq!(out["object"]["value"]["name"], "Bart");
    w.write(
        "bad.tf",
        "output \"bad\" {\n  type  = number\n  value = \"abc\"\n}\n",
    );
    let bad = w.run(&["plan"]).code(1);
    assert!(bad.stderr.contains("Error: Invalid output value"), "{bad}");
}

#[test]
fn output_json_of_nested_values() {
    let w = Work::main_tf(
        r#"
output "object" {
  value = {
    name  = "x"
    count = 2
    tags  = { env = "dev" }
  }
}
"#,
    );
    w.run(&["apply", "-auto-approve"]).code(0);
    snap!(
        w,
        "outputs_json_nested",
        w.run(&["output", "-json"]).code(0)
    );
    assert_eq!(
        w.run(&["output", "-json", "object"]).code(0).stdout,
        "{\"count\":2,\"name\":\"x\",\"tags\":{\"env\":\"dev\"}}\n"
    );
}

#[test]
fn show_and_state_commands() {
    let w = Work::main_tf(
        r#"
resource "null_resource" "after" {
  count = 2
}

resource "terraform_data" "per_person" {
  for_each = toset(["ada", "grace"])
  input    = "hello, ${each.key}"
}

output "people" {
  value = [for k, v in terraform_data.per_person : v.output]
}
"#,
    );
    snap!(w, "show_no_state", w.run(&["show"]).code(0));
    w.run(&["apply", "-auto-approve"]).code(0);
    snap!(w, "show_state", w.run(&["show"]).code(0));
    snap!(w, "state_list", w.run(&["state", "list"]).code(0));
    snap!(
        w,
        "state_list_filtered",
        w.run(&["state", "list", "terraform_data.per_person"])
            .code(0)
    );
    snap!(
        w,
        "state_show",
        w.run(&["state", "show", "null_resource.after[1]"]).code(0)
    );
    snap!(
        w,
        "state_show_for_each",
        w.run(&["state", "show", "terraform_data.per_person[\"ada\"]"])
            .code(0)
    );
    snap!(
        w,
        "state_show_missing",
        w.run(&["state", "show", "null_resource.after[7]"]).code(1)
    );
    let json: serde_json::Value =
        serde_json::from_str(&w.run(&["show", "-json"]).code(0).stdout).unwrap();
    // Terraform's JSON values representation of state.
    assert_eq!(json["format_version"], "1.0");
    assert!(!json["values"]["root_module"]["resources"]
        .as_array()
        .unwrap()
        .is_empty());
}

/// `show` prints state as Terraform 1.15.5 does (text taken from it on the same
/// configuration): data sources as `data "t" "n"`, four spaces per nesting level, map keys
/// quoted, a dynamic attribute's maps as objects. (`-no-color` is given twice here, the
/// harness adds it too: Go's flag parsing, which Terraform uses, lets the last one win.)
#[test]
fn show_prints_state_as_terraform() {
    let w = Work::main_tf(
        r#"data "terraform_remote_state" "x" {
  backend  = "local"
  config   = { path = "other.tfstate" }
  defaults = { a = 1 }
}

resource "terraform_data" "a" {
  input = { a = [1, 2], b = { c = "d" }, "x y" = "z" }
}

output "o" {
  value = { a = [1, 2], m = tomap({ k1 = "v" }) }
}
"#,
    );
    w.write("other.tfstate", r#"{"version":4,"terraform_version":"1.15.5","serial":1,"lineage":"abc","outputs":{"o":{"value":"v","type":"string"}},"resources":[]}"#);
    w.run(&["apply", "-auto-approve"]).code(0);
    let shown = w.run(&["show", "-no-color"]).code(0).stdout;
    let state = w.state();
    let data = state["resources"].as_array().unwrap().iter();
    let id = data
        .filter(|r| r["type"] == "terraform_data")
        .map(|r| {
            r["instances"][0]["attributes"]["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .next()
        .unwrap();
    assert_eq!(
        shown.replace(&id, "ID"),
        r#"# data.terraform_remote_state.x:
data "terraform_remote_state" "x" {
    backend  = "local"
    config   = {
        path = "other.tfstate"
    }
    defaults = {
        a = 1
    }
    outputs  = {
        a = 1
        o = "v"
    }
}

# terraform_data.a:
resource "terraform_data" "a" {
    id     = "ID"
    input  = {
        a     = [
            1,
            2,
        ]
        b     = {
            c = "d"
        }
        "x y" = "z"
    }
    output = {
        a     = [
            1,
            2,
        ]
        b     = {
            c = "d"
        }
        "x y" = "z"
    }
}


Outputs:

o = {
    a = [
        1,
        2,
    ]
    m = {
        "k1" = "v"
    }
}
"#
    );
}

#[test]
fn graph_is_dot() {
    let w = Work::fixture("hello");
    snap!(w, "graph", w.run(&["graph"]).code(0));
    // -type gives the whole dependency graph; an unknown type is Terraform's error.
    snap!(
        w,
        "graph_type_plan",
        w.run(&["graph", "-type=plan"]).code(0)
    );
    let bad = w.run(&["graph", "-type=nope"]).code(1);
    assert!(bad.stderr.contains("Unsupported graph type"), "{bad}");
}

/// The resource graph across modules, byte for byte as Terraform 1.15.5 prints it for the
/// same configuration: one cluster per module path, edges through module outputs, and the
/// edge `c -> a` left out because `c -> b -> a` implies it.
#[test]
fn graph_of_modules_is_terraforms_resource_graph() {
    let w = Work::main_tf(
        r#"
resource "terraform_data" "a" {}
resource "terraform_data" "b" { input = terraform_data.a.id }
resource "terraform_data" "c" { input = [terraform_data.a.id, terraform_data.b.id] }
module "m" {
  source = "./mod"
}
"#,
    );
    w.write(
        "mod/main.tf",
        "module \"n\" { source = \"./sub\" }\nresource \"terraform_data\" \"q\" { input = module.n.o }\n",
    );
    w.write(
        "mod/sub/main.tf",
        "resource \"terraform_data\" \"deep\" {}\noutput \"o\" { value = terraform_data.deep.id }\n",
    );
    w.run(&["init", "-backend=false"]).code(0);
    let got = w.run(&["graph"]).code(0);
    assert_eq!(
        got.stdout,
        r#"digraph G {
  rankdir = "RL";
  node [shape = rect, fontname = "sans-serif"];
  "terraform_data.a" [label="terraform_data.a"];
  "terraform_data.b" [label="terraform_data.b"];
  "terraform_data.c" [label="terraform_data.c"];
  subgraph "cluster_module.m" {
    label = "module.m"
    fontname = "sans-serif"
    "module.m.terraform_data.q" [label="terraform_data.q"];
  }
  subgraph "cluster_module.m.module.n" {
    label = "module.m.module.n"
    fontname = "sans-serif"
    "module.m.module.n.terraform_data.deep" [label="terraform_data.deep"];
  }
  "terraform_data.b" -> "terraform_data.a";
  "terraform_data.c" -> "terraform_data.b";
  "module.m.terraform_data.q" -> "module.m.module.n.terraform_data.deep";
}
"#
    );
}

#[test]
fn version() {
    let w = Work::new();
    let out = w.run(&["version"]).code(0);
    assert!(out
        .stdout
        .starts_with(&format!("terrane v{}\n", env!("CARGO_PKG_VERSION"))));
    assert_eq!(w.run(&["-version"]).code(0).stdout, out.stdout);
    let json: serde_json::Value =
        serde_json::from_str(&w.run(&["version", "-json"]).code(0).stdout).unwrap();
    assert_eq!(json["terrane_version"], env!("CARGO_PKG_VERSION"));
}

#[test]
fn validate_success() {
    let w = Work::fixture("hello");
    snap!(w, "validate_ok", w.run(&["validate"]).code(0));
    let json: serde_json::Value =
        serde_json::from_str(&w.run(&["validate", "-json"]).code(0).stdout).unwrap();
    assert_eq!(json["valid"], true);
    assert!(!w.exists("terraform.tfstate"));
}

#[test]
fn workspaces_keep_separate_state() {
    let w =
        Work::main_tf("resource \"terraform_data\" \"a\" {\n  input = terraform.workspace\n}\n");
    w.run(&["apply", "-auto-approve"]).code(0);
    w.run(&["workspace", "new", "dev"]).code(0);
    assert_eq!(w.run(&["workspace", "show"]).code(0).stdout.trim(), "dev");
    assert!(
        w.run(&["state", "list"]).code(0).stdout.trim().is_empty(),
        "a new workspace starts empty"
    );
    w.run(&["apply", "-auto-approve"]).code(0);
    assert!(w.exists("terraform.tfstate.d/dev/terraform.tfstate"));
    assert_eq!(
        w.run(&["workspace", "list"]).code(0).stdout,
        "  default\n* dev\n"
    );
    // The active workspace cannot be deleted, nor one that still tracks resources.
    w.run(&["workspace", "delete", "dev"]).code(1);
    w.run(&["workspace", "select", "default"]).code(0);
    w.run(&["workspace", "delete", "dev"]).code(1);
    w.run(&["workspace", "delete", "-force", "dev"]).code(0);
    assert!(!w.exists("terraform.tfstate.d/dev"));
    w.run(&["workspace", "select", "nope"]).code(1);
    assert_eq!(
        w.run(&["state", "list"]).code(0).stdout.trim(),
        "terraform_data.a"
    );
}
