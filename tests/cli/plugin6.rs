//! Provider plugins on protocol 6, end to end: terrane's own test provider
//! (test-support/provider6, `terrane/example`), installed as `terraform init` installs a
//! provider, serving nested attributes of every nesting, a set, a dynamic attribute, a
//! write-only attribute, private data and import. It keeps its objects in a JSON file, so
//! drift is an edit of that file.

use std::path::Path;

use terrane_test_support::plugins::{
    example_provider, EXAMPLE_PROVIDER_DIR_ENV, EXAMPLE_PROVIDER_FILE,
};

use crate::harness::Work;

const PLUGIN_DIR: &str = ".terraform/providers/registry.terraform.io/terrane/example/0.1.0";

/// A working directory with the provider installed and its own object store, `remote/`.
fn with_example(main_tf: &str) -> Work {
    let w = Work::main_tf(main_tf);
    install(w.path());
    std::fs::create_dir_all(w.path().join("remote")).unwrap();
    w
}

fn install(dir: &Path) {
    let to = dir
        .join(PLUGIN_DIR)
        .join(terrane_provider_plugin::install::platform());
    std::fs::create_dir_all(&to).unwrap();
    let bin = example_provider().unwrap_or_else(|e| panic!("{e}"));
    std::fs::copy(bin, to.join(EXAMPLE_PROVIDER_FILE)).unwrap();
}

/// Runs terrane with the provider's store in `store` (default: this directory's `remote/`).
fn run(w: &Work, args: &[&str], store: Option<&Path>) -> crate::harness::Out {
    let dir = store.map_or_else(|| w.path().join("remote"), Path::to_path_buf);
    let dir = dir.display().to_string();
    w.run_with(args, &[(EXAMPLE_PROVIDER_DIR_ENV, dir.as_str())], None)
}

fn objects(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("objects.json")).unwrap()).unwrap()
}

fn edit_objects(dir: &Path, f: impl FnOnce(&mut serde_json::Value)) {
    let mut doc = objects(dir);
    f(&mut doc);
    std::fs::write(dir.join("objects.json"), doc.to_string()).unwrap();
}

const THING: &str = r#"
terraform {
  required_providers {
    example = { source = "terrane/example" }
  }
}

variable "name" {
  default = "first"
}

variable "size" {
  default = 1
}

resource "example_thing" "a" {
  name        = var.name
  size        = var.size
  tags        = ["b", "a"]
  extra       = { answer = 42, words = ["x", "y"] }
  password_wo = "hunter2"
  settings    = { mode = "fast" }
  rules       = [{ port = 80 }, { port = 443, protocol = "tcp" }]
  members     = [{ name = "ann" }, { name = "bob" }]
  labels      = { env = { value = "prod" } }
}

output "id" {
  value = example_thing.a.id
}
"#;

#[test]
fn a_protocol_6_resource_goes_through_its_whole_lifecycle() {
    let w = with_example(THING);
    let remote = w.path().join("remote");
    let out = run(&w, &["plan"], None).code(0);
    assert!(
        out.stdout.contains("example_thing.a will be created"),
        "{out}"
    );
    let out = run(&w, &["apply", "-auto-approve"], None).code(0);
    assert!(
        out.stdout.contains("Apply complete! Resources: 1 added"),
        "{out}"
    );

    // State holds what the provider made, nested values as written, no write-only value;
    // the provider got that value at apply.
    let state = w.state();
    let r = &state["resources"][0];
    assert_eq!(
        r["provider"],
        "provider[\"registry.terraform.io/terrane/example\"]"
    );
    let attrs = &r["instances"][0]["attributes"];
    assert_eq!(attrs["id"], "thing-1", "{state:#}");
    assert_eq!(attrs["password_wo"], serde_json::Value::Null);
    assert_eq!(attrs["settings"]["mode"], "fast");
    assert_eq!(attrs["rules"][1]["port"], 443);
    // An inner computed attribute, unknown in the plan, as the plugin made it; kept by
    // the next plans (the proposed state carries it), so they change nothing.
    assert_eq!(attrs["rules"][1]["id"], "rule-443", "{state:#}");
    assert_eq!(attrs["labels"]["env"]["value"], "prod");
    assert_eq!(attrs["tags"], serde_json::json!(["a", "b"]));
    // A dynamic value is stored with its type, as Terraform's state has it.
    assert_eq!(attrs["extra"]["value"]["answer"], 42, "{state:#}");
    assert_eq!(attrs["extra"]["type"][0], "object", "{state:#}");
    assert!(r["instances"][0]["private"].is_string(), "{state:#}");
    assert!(!w.read("terraform.tfstate").contains("hunter2"));
    assert_eq!(objects(&remote)["write_only"]["thing-1"], "hunter2");
    run(&w, &["plan", "-detailed-exitcode"], None).code(0);
    // A refresh stores the private data the plugin's read returned, as Terraform does.
    // (State holds it in base64: {"owner":"example"}, then {"owner":"example","read":true}.)
    let private = |w: &Work| w.state()["resources"][0]["instances"][0]["private"].clone();
    assert_eq!(private(&w), "eyJvd25lciI6ImV4YW1wbGUifQ==");
    run(&w, &["apply", "-auto-approve", "-refresh-only"], None).code(0);
    assert_eq!(private(&w), "eyJvd25lciI6ImV4YW1wbGUiLCJyZWFkIjp0cnVlfQ==");

    // In place.
    let out = run(&w, &["apply", "-auto-approve", "-var", "size=2"], None).code(0);
    assert!(out.stdout.contains("will be updated in-place"), "{out}");
    assert!(
        out.stdout
            .contains("Resources: 0 added, 1 changed, 0 destroyed"),
        "{out}"
    );
    assert_eq!(objects(&remote)["things"]["thing-1"]["size"], 2);
    run(&w, &["plan", "-detailed-exitcode", "-var", "size=2"], None).code(0);

    // Drift: the object changed behind terrane's back; the plan puts it back.
    edit_objects(&remote, |d| d["things"]["thing-1"]["size"] = 7.into());
    let out = run(&w, &["plan", "-detailed-exitcode", "-var", "size=2"], None).code(2);
    assert!(out.stdout.contains("~ size"), "{out}");
    run(&w, &["apply", "-auto-approve", "-var", "size=2"], None).code(0);
    assert_eq!(objects(&remote)["things"]["thing-1"]["size"], 2);

    // A new name replaces the object.
    let args = ["-var", "size=2", "-var", "name=second"];
    let out = run(&w, &[&["plan"][..], &args].concat(), None).code(0);
    assert!(out.stdout.contains("must be replaced"), "{out}");
    let out = run(&w, &[&["apply", "-auto-approve"][..], &args].concat(), None).code(0);
    assert!(
        out.stdout
            .contains("Resources: 1 added, 0 changed, 1 destroyed"),
        "{out}"
    );
    let things = objects(&remote)["things"].clone();
    assert_eq!(things.as_object().unwrap().len(), 1, "{things:#}");
    assert_eq!(things["thing-2"]["name"], "second", "{things:#}");
    run(
        &w,
        &[&["plan", "-detailed-exitcode"][..], &args].concat(),
        None,
    )
    .code(0);

    // Deleted behind terrane's back: planned again.
    edit_objects(&remote, |d| d["things"] = serde_json::json!({}));
    let out = run(&w, &[&["plan"][..], &args].concat(), None).code(0);
    assert!(
        out.stdout.contains("example_thing.a will be created"),
        "{out}"
    );
    run(&w, &[&["apply", "-auto-approve"][..], &args].concat(), None).code(0);

    let out = run(
        &w,
        &[&["destroy", "-auto-approve"][..], &args].concat(),
        None,
    )
    .code(0);
    assert!(out.stdout.contains("Resources: 1 destroyed"), "{out}");
    assert_eq!(objects(&remote)["things"], serde_json::json!({}));
}

#[test]
fn an_object_is_imported() {
    let made = with_example(THING);
    run(&made, &["apply", "-auto-approve"], None).code(0);
    let remote = made.path().join("remote");

    // Another configuration adopts the same object (without the output, which import does
    // not record).
    let w = with_example(THING.split("output").next().unwrap());
    let out = run(&w, &["import", "example_thing.a", "thing-1"], Some(&remote)).code(0);
    assert!(out.stdout.contains("Import successful!"), "{out}");
    // It is read back as configured: no change. The private data the plugin gave at
    // import is recorded, and the plugin (which checks it on read and plan) gets it back.
    assert_eq!(w.id("example_thing.a"), "thing-1");
    assert!(w.state()["resources"][0]["instances"][0]["private"].is_string());
    run(&w, &["plan", "-detailed-exitcode"], Some(&remote)).code(0);

    let config = THING.split("output").next().unwrap();
    w.write(
        "main.tf",
        &format!("{config}resource \"example_thing\" \"b\" {{\n  name = \"b\"\n}}\n"),
    );
    let out = run(&w, &["import", "example_thing.b", "thing-9"], Some(&remote)).code(1);
    assert!(
        out.stderr
            .contains("Cannot import non-existent remote object"),
        "{out}"
    );
}

#[test]
fn an_import_block_records_the_plugins_private_data() {
    let made = with_example(THING);
    run(&made, &["apply", "-auto-approve"], None).code(0);
    let remote = made.path().join("remote");

    let config = THING.split("output").next().unwrap();
    let w = with_example(&format!(
        "{config}import {{\n  to = example_thing.a\n  id = \"thing-1\"\n}}\n"
    ));
    let out = run(&w, &["apply", "-auto-approve"], Some(&remote)).code(0);
    assert!(out.stdout.contains("Plan: 1 to import"), "{out}");
    assert_eq!(w.id("example_thing.a"), "thing-1");
    assert!(w.state()["resources"][0]["instances"][0]["private"].is_string());
    // The plugin checks its private data on read and plan; an update sends it to apply.
    run(&w, &["plan", "-detailed-exitcode"], Some(&remote)).code(0);
    let out = run(
        &w,
        &["apply", "-auto-approve", "-var", "size=3"],
        Some(&remote),
    )
    .code(0);
    assert!(out.stdout.contains("1 changed"), "{out}");
    assert_eq!(objects(&remote)["things"]["thing-1"]["size"], 3);
}

#[test]
fn an_object_stored_with_an_older_schema_version_is_upgraded_by_the_plugin() {
    let w = with_example(THING);
    run(&w, &["apply", "-auto-approve"], None).code(0);
    assert_eq!(
        w.state()["resources"][0]["instances"][0]["schema_version"],
        1
    );
    // As the provider's version 0 stored it: a bare number as the ID. The plugin renames
    // it only when told the object is of version 0.
    let mut state = w.state();
    let inst = &mut state["resources"][0]["instances"][0];
    inst["schema_version"] = 0.into();
    inst["attributes"]["id"] = "1".into();
    w.write("terraform.tfstate", &state.to_string());
    run(&w, &["plan", "-detailed-exitcode"], None).code(0);

    // Older still: the number under an attribute the current schema does not have. The
    // plugin gets the stored JSON as it is, as Terraform sends it.
    let attrs = &mut state["resources"][0]["instances"][0]["attributes"];
    attrs.as_object_mut().unwrap().remove("id");
    attrs["number"] = "1".into();
    w.write("terraform.tfstate", &state.to_string());
    run(&w, &["plan", "-detailed-exitcode"], None).code(0);
    let out = run(&w, &["apply", "-auto-approve"], None).code(0);
    assert!(
        out.stdout.contains("Resources: 0 added, 0 changed"),
        "{out}"
    );
    let state = w.state();
    let inst = &state["resources"][0]["instances"][0];
    assert_eq!(inst["attributes"]["id"], "thing-1", "{state:#}");
    assert_eq!(inst["schema_version"], 1, "{state:#}");
}

#[test]
fn a_plugin_that_crashes_mid_apply_leaves_state_consistent() {
    let config = |crash: bool| {
        format!(
            "terraform {{\n  required_providers {{\n    example = {{ source = \"terrane/example\" }}\n  }}\n}}\n\
             resource \"example_thing\" \"a\" {{\n  name = \"a\"\n}}\n\
             resource \"example_thing\" \"b\" {{\n  name  = \"b-${{example_thing.a.id}}\"\n  crash = {crash}\n}}\n"
        )
    };
    let w = with_example(&config(true));
    let out = run(&w, &["apply", "-auto-approve"], None).code(1);
    assert!(out.stderr.contains("example_thing.b"), "{out}");
    assert!(out.stderr.contains("crash mid-apply"), "{out}");
    // What was made before the crash is in state; the crashed object is not.
    let ids = w.state_ids();
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert_eq!(ids[0].0, "example_thing.a");

    w.write("main.tf", &config(false));
    let out = run(&w, &["apply", "-auto-approve"], None).code(0);
    assert!(
        out.stdout
            .contains("Resources: 1 added, 0 changed, 0 destroyed"),
        "{out}"
    );
    run(&w, &["plan", "-detailed-exitcode"], None).code(0);
}

#[test]
fn the_plugins_validation_errors_point_at_the_configuration() {
    let w = with_example(
        "terraform {\n  required_providers {\n    example = { source = \"terrane/example\" }\n  }\n}\n\
         resource \"example_thing\" \"a\" {\n  name = \"a\"\n  size = -1\n}\n",
    );
    let out = run(&w, &["plan"], None).code(1);
    assert!(out.stderr.contains("Error: Invalid size"), "{out}");
    assert!(out.stderr.contains("main.tf line 8"), "{out}");
    // validate asks the plugin too (ValidateResourceConfig), as Terraform's does.
    let out = run(&w, &["validate"], None).code(1);
    assert!(out.stderr.contains("Error: Invalid size"), "{out}");
    assert!(out.stderr.contains("main.tf line 8"), "{out}");
    assert!(out.stderr.contains("example_thing.a"), "{out}");
    let out = run(&w, &["validate", "-json"], None).code(1);
    assert!(
        out.stdout.contains("\"summary\": \"Invalid size\""),
        "{out}"
    );
    w.write("main.tf", &w.read("main.tf").replace("-1", "var.size"));
    w.write("vars.tf", "variable \"size\" {\n  type = number\n}\n");
    // An unknown value is not refused.
    let out = run(&w, &["validate"], None).code(0);
    assert!(out.stdout.contains("Success!"), "{out}");
}

#[test]
fn a_legacy_sdk_result_that_departs_from_its_plan_is_tolerated_and_logged() {
    // As an SDKv2 provider (legacy_type_system) may: the name is planned as written
    // but stored in lower case, and later plans suppress the difference.
    let w = with_example(
        "terraform {\n  required_providers {\n    example = { source = \"terrane/example\" }\n  }\n}\n\
         resource \"example_thing\" \"a\" {\n  name   = \"Mixed-Case\"\n  legacy = true\n}\n",
    );
    let log = w.path().join("terraform.log").display().to_string();
    let remote = w.path().join("remote").display().to_string();
    let env = [
        (EXAMPLE_PROVIDER_DIR_ENV, remote.as_str()),
        ("TF_LOG", "WARN"),
        ("TF_LOG_PATH", log.as_str()),
    ];
    let out = w.run_with(&["apply", "-auto-approve"], &env, None).code(0);
    assert!(out.stdout.contains("Resources: 1 added"), "{out}");
    assert!(!out.stderr.contains("inconsistent result"), "{out}");
    let state = w.state();
    assert_eq!(
        state["resources"][0]["instances"][0]["attributes"]["name"],
        "mixed-case"
    );
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.lines().any(|l| l.contains("[WARN]")
            && l.contains("unexpected new value for example_thing.a")
            && l.contains("tolerating it because it is using the legacy plugin SDK")),
        "{text}"
    );
    w.run_with(&["plan", "-detailed-exitcode"], &env, None)
        .code(0);
}

#[test]
fn providers_schema_json_prints_the_plugins_schema_as_terraform_does() {
    let w = with_example(
        "terraform {\n  required_providers {\n    example = { source = \"terrane/example\" }\n  }\n}\n",
    );
    let out = run(&w, &["providers", "schema", "-json"], None).code(0);
    // What Terraform 1.15.5 prints for this provider: descriptions (plain and markdown),
    // deprecation, write-only, nested attributes of every nesting as `nested_type`, the
    // ephemeral resource and the action.
    assert_eq!(out.stdout, include_str!("plugin6_schema.json"));
}

#[test]
fn what_the_plugin_prints_to_its_stdio_stream_is_logged_as_unexpected_data() {
    let w = with_example(
        "terraform {\n  required_providers {\n    example = { source = \"terrane/example\" }\n  }\n}\n\
         resource \"example_thing\" \"a\" {\n  name = \"a\"\n}\n",
    );
    let log = w.path().join("terraform.log").display().to_string();
    let remote = w.path().join("remote").display().to_string();
    let env = [
        (EXAMPLE_PROVIDER_DIR_ENV, remote.as_str()),
        ("TF_LOG", "WARN"),
        ("TF_LOG_PATH", log.as_str()),
    ];
    w.run_with(&["plan"], &env, None).code(0);
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.lines().any(|l| l
            .contains(" [WARN]  provider.terraform-provider-example_v0.1.0: unexpected data: ")
            && l.contains(":stdout=example: hello from stdout")),
        "{text}"
    );
}

#[test]
fn init_installs_the_protocol_6_provider_from_a_filesystem_mirror() {
    let w = Work::main_tf(THING);
    std::fs::create_dir_all(w.path().join("remote")).unwrap();
    let mirror = w
        .path()
        .join("mirror/registry.terraform.io/terrane/example/0.1.0")
        .join(terrane_provider_plugin::install::platform());
    std::fs::create_dir_all(&mirror).unwrap();
    let bin = example_provider().unwrap_or_else(|e| panic!("{e}"));
    std::fs::copy(bin, mirror.join(EXAMPLE_PROVIDER_FILE)).unwrap();
    w.write(
        "terraformrc",
        &format!(
            "provider_installation {{\n  filesystem_mirror {{\n    path = \"{}\"\n  }}\n}}\n",
            w.path().join("mirror").display()
        ),
    );
    let rc = w.path().join("terraformrc").display().to_string();
    let remote = w.path().join("remote").display().to_string();
    let env = [
        ("TF_CLI_CONFIG_FILE", rc.as_str()),
        (EXAMPLE_PROVIDER_DIR_ENV, remote.as_str()),
    ];
    let out = w.run_with(&["init"], &env, None).code(0);
    assert!(
        out.stdout
            .contains("- Installed terrane/example v0.1.0 (unauthenticated)"),
        "{out}"
    );
    let lock = w.read(".terraform.lock.hcl");
    assert!(
        lock.contains("provider \"registry.terraform.io/terrane/example\"") && lock.contains("h1:"),
        "{lock}"
    );
    w.run_with(&["apply", "-auto-approve"], &env, None).code(0);
    w.run_with(&["plan", "-detailed-exitcode"], &env, None)
        .code(0);
}

/// An ephemeral resource served by a plugin, feeding a write-only argument: the plan and
/// the apply each open it (a lease at the provider) and close it before they end; the
/// token reaches the provider's apply and never terrane's state.
#[test]
fn a_plugin_ephemeral_resource_is_opened_and_closed_by_each_run() {
    let w = with_example(
        r#"
terraform {
  required_providers {
    example = { source = "terrane/example" }
  }
}

ephemeral "example_token" "t" {
  name = "db"
}

resource "example_thing" "a" {
  name        = "a"
  size        = 1
  password_wo = ephemeral.example_token.t.value
}
"#,
    );
    let remote = w.path().join("remote");
    let out = run(&w, &["apply", "-auto-approve"], None).code(0);
    for line in [
        "ephemeral.example_token.t: Opening...",
        "ephemeral.example_token.t: Closing...",
    ] {
        assert!(out.stdout.contains(line), "{line:?}: {out}");
    }
    let store = objects(&remote);
    let leases = store["leases"].as_object().expect("leases");
    assert_eq!(
        leases.len(),
        2,
        "one for the plan, one for the apply: {store:#}"
    );
    assert!(leases.values().all(|l| l == "closed"), "{store:#}");
    // Leases and objects share one sequence: the object is the third thing made.
    let token = store["write_only"]["thing-3"].as_str().expect("a token");
    assert!(token.starts_with("token-db-"), "{token}");
    assert!(!w.read("terraform.tfstate").contains(token));
    run(&w, &["plan", "-detailed-exitcode"], None).code(0);
    // Under -json the opening and closing are Terraform's ephemeral_op messages.
    let out = run(&w, &["plan", "-json"], None).code(0);
    let ops: Vec<String> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("JSON"))
        .filter(|m| {
            m["type"]
                .as_str()
                .is_some_and(|t| t.starts_with("ephemeral_op_"))
        })
        .map(|m| format!("{} {} {}", m["type"], m["hook"]["action"], m["@message"]))
        .collect();
    assert_eq!(
        ops.iter()
            .map(|o| o.rsplit_once(" after ").map_or(o.as_str(), |p| p.0))
            .collect::<Vec<_>>(),
        [
            r#""ephemeral_op_start" "open" "ephemeral.example_token.t: Opening...""#,
            r#""ephemeral_op_complete" "open" "ephemeral.example_token.t: Opening complete"#,
            r#""ephemeral_op_start" "close" "ephemeral.example_token.t: Closing...""#,
            r#""ephemeral_op_complete" "close" "ephemeral.example_token.t: Closing complete"#,
        ],
        "{}",
        out.stdout
    );
}

/// An action served by a plugin, started by `action_trigger`: the plan lists it under the
/// change and counts it, the apply invokes it after the create with the plugin's progress
/// lines, and an apply that changes nothing invokes nothing.
#[test]
fn a_plugin_action_runs_after_the_create_that_triggers_it() {
    let w = with_example(
        r#"
terraform {
  required_providers {
    example = { source = "terrane/example" }
  }
}

action "example_marker" "m" {
  config {
    path = "${path.module}/marker.txt"
    text = "done"
  }
}

resource "example_thing" "a" {
  name = "a"
  size = 1
  lifecycle {
    action_trigger {
      events  = [after_create]
      actions = [action.example_marker.m]
    }
  }
}
"#,
    );
    let plan = run(&w, &["plan"], None).code(0);
    for want in [
        "# Actions to be invoked after this change in order:",
        "action \"example_marker\" \"m\" {",
        "text = \"done\"",
        "Plan: 1 to add, 0 to change, 0 to destroy. Actions: 1 to invoke.",
    ] {
        assert!(plan.stdout.contains(want), "{want:?}: {plan}");
    }
    let out = run(&w, &["apply", "-auto-approve"], None).code(0);
    let who = "action.example_marker.m (triggered by example_thing.a)";
    for want in [
        format!("Action started: {who}"),
        format!("Action {who}: wrote 4 bytes"),
        format!("Action complete: {who}"),
        "Resources: 1 added, 0 changed, 0 destroyed. Actions: 1 invoked.".to_string(),
    ] {
        assert!(out.stdout.contains(&want), "{want:?}: {out}");
    }
    assert_eq!(w.read("marker.txt"), "done");
    let again = run(&w, &["apply", "-auto-approve"], None).code(0);
    assert!(!again.stdout.contains("Action started"), "{again}");
}

/// A change made outside terrane is a `resource_drift` message under -json, before the
/// planned changes, as Terraform streams it.
#[test]
fn json_plan_reports_drift() {
    let w = with_example(THING);
    run(&w, &["apply", "-auto-approve"], None).code(0);
    let remote = w.path().join("remote");
    edit_objects(&remote, |doc| doc["things"]["thing-1"]["size"] = 7.into());
    let out = run(&w, &["plan", "-json", "-refresh-only"], None).code(0);
    let drift: Vec<serde_json::Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("JSON"))
        .filter(|m| m["type"] == "resource_drift")
        .collect();
    assert_eq!(drift.len(), 1, "{}", out.stdout);
    assert_eq!(
        drift[0]["@message"],
        "example_thing.a: Drift detected (update)"
    );
    assert_eq!(drift[0]["change"]["action"], "update");
    assert_eq!(drift[0]["change"]["resource"]["addr"], "example_thing.a");
}

/// `show -json` of a saved plan with drift and variables has them where Terraform's plan
/// JSON puts them: `variables` after the versions, `resource_drift` before
/// `resource_changes`.
#[test]
fn show_json_places_drift_in_terraforms_key_order() {
    let w = with_example(THING);
    run(&w, &["apply", "-auto-approve"], None).code(0);
    let remote = w.path().join("remote");
    edit_objects(&remote, |doc| doc["things"]["thing-1"]["size"] = 7.into());
    run(&w, &["plan", "-var=name=second", "-out=p.tfplan"], None).code(0);
    let out = run(&w, &["show", "-json", "p.tfplan"], None).code(0);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    let keys: Vec<&str> = doc
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys[..6],
        [
            "format_version",
            "terraform_version",
            "variables",
            "planned_values",
            "resource_drift",
            "resource_changes"
        ],
        "{}",
        out.stdout
    );
    assert_eq!(doc["resource_drift"][0]["address"], "example_thing.a");
}

/// Blocks as SDKv2 providers declare them: `endpoint` blocks form a map keyed by their
/// label, and `options` is a group block, an object even when absent.
const BLOCKS: &str = r#"
terraform {
  required_providers {
    example = { source = "terrane/example" }
  }
}

variable "weight" {
  default = 1
}

resource "example_thing" "a" {
  name = "blocks"

  endpoint "primary" {
    url    = "https://one.example"
    weight = var.weight
  }

  dynamic "endpoint" {
    for_each = { backup = "https://two.example" }
    labels   = [endpoint.key]
    content {
      url = endpoint.value
    }
  }
}
"#;

#[test]
fn map_and_group_blocks_are_planned_applied_and_replanned_unchanged() {
    let w = with_example(BLOCKS);
    let remote = w.path().join("remote");
    let out = run(&w, &["plan"], None).code(0);
    assert!(out.stdout.contains("+ endpoint \"primary\" {"), "{out}");
    assert!(
        out.stdout.contains("+ url    = \"https://one.example\""),
        "{out}"
    );
    run(&w, &["apply", "-auto-approve"], None).code(0);

    // The map as an object keyed by label, the absent group as an object of nulls: in
    // state and as the provider received them.
    let state = w.state();
    let attrs = &state["resources"][0]["instances"][0]["attributes"];
    assert_eq!(
        attrs["endpoint"]["primary"]["url"], "https://one.example",
        "{state:#}"
    );
    assert_eq!(
        attrs["endpoint"]["backup"]["weight"],
        serde_json::Value::Null
    );
    assert_eq!(
        attrs["options"],
        serde_json::json!({"retries": null, "verbose": null}),
        "{state:#}"
    );
    let stored = &objects(&remote)["things"]["thing-1"];
    assert_eq!(stored["endpoint"]["backup"]["url"], "https://two.example");
    assert!(stored["options"].is_object(), "{stored:#}");
    run(&w, &["plan", "-detailed-exitcode"], None).code(0);

    // One block of the map changes; the plan names it by its key.
    let out = run(&w, &["apply", "-auto-approve", "-var", "weight=5"], None).code(0);
    assert!(out.stdout.contains("~ endpoint \"primary\" {"), "{out}");
    assert!(out.stdout.contains("~ weight = 1 -> 5"), "{out}");
    assert_eq!(
        objects(&remote)["things"]["thing-1"]["endpoint"]["primary"]["weight"],
        5
    );

    // A group block written: it changes from its empty value in place.
    let with_options = BLOCKS.replace(
        "  dynamic",
        "  options {\n    retries = 3\n  }\n\n  dynamic",
    );
    w.write("main.tf", &with_options);
    let out = run(&w, &["apply", "-auto-approve", "-var", "weight=5"], None).code(0);
    assert!(out.stdout.contains("~ options {"), "{out}");
    assert!(out.stdout.contains("+ retries = 3"), "{out}");
    assert_eq!(
        objects(&remote)["things"]["thing-1"]["options"]["retries"],
        3
    );
    run(
        &w,
        &["plan", "-detailed-exitcode", "-var", "weight=5"],
        None,
    )
    .code(0);
}

#[test]
fn a_map_block_without_its_key_or_with_a_duplicate_key_is_refused() {
    let missing = BLOCKS.replace("endpoint \"primary\"", "endpoint");
    let w = with_example(&missing);
    let out = run(&w, &["validate"], None).code(1);
    assert!(out.stderr.contains("Missing key for endpoint"), "{out}");

    let duplicate = BLOCKS.replace("backup =", "primary =");
    let w = with_example(&duplicate);
    let out = run(&w, &["validate"], None).code(1);
    assert!(out.stderr.contains("Duplicate endpoint block"), "{out}");
}

/// `plan -json` streams a `planned_action_invocation` for each action an
/// `action_trigger` starts, after the planned changes and before the summary that counts
/// it, in Terraform's layout.
#[test]
fn json_plan_streams_the_planned_action_invocations() {
    let w = with_example(
        r#"
terraform {
  required_providers {
    example = { source = "terrane/example" }
  }
}

action "example_marker" "m" {
  config {
    path = "${path.module}/marker.txt"
    text = "done"
  }
}

resource "example_thing" "a" {
  name = "a"
  size = 1
  lifecycle {
    action_trigger {
      events  = [before_create]
      actions = [action.example_marker.m]
    }
    action_trigger {
      events  = [after_create]
      actions = [action.example_marker.m, action.example_marker.m]
    }
  }
}
"#,
    );
    let out = run(&w, &["plan", "-json"], None).code(0);
    let messages: Vec<serde_json::Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    let types: Vec<&str> = messages.iter().filter_map(|m| m["type"].as_str()).collect();
    assert_eq!(
        types,
        [
            "version",
            "planned_change",
            "planned_action_invocation",
            "planned_action_invocation",
            "planned_action_invocation",
            "change_summary"
        ]
    );
    let invocations: Vec<serde_json::Value> = messages
        .iter()
        .filter(|m| m["type"] == "planned_action_invocation")
        .map(|m| {
            let mut m = m.clone();
            m["@timestamp"] = "[TIMESTAMP]".into();
            m
        })
        .collect();
    crate::snap!(
        w,
        "json_planned_action_invocations",
        serde_json::to_string_pretty(&invocations).unwrap()
    );
}

/// An ephemeral resource the provider fails to open: under -json an
/// `ephemeral_op_errored` follows the start, before the error's diagnostic; a person
/// reads only the "Opening..." line and the error, as Terraform shows it.
#[test]
fn an_ephemeral_resource_that_fails_to_open_is_reported_as_errored() {
    let w = with_example(
        "terraform {\n  required_providers {\n    example = { source = \"terrane/example\" }\n  }\n}\n\nephemeral \"example_token\" \"t\" {\n  name = \"db\"\n}\n",
    );
    // Without the directory of its store, the provider cannot open a token.
    let out = w.run(&["plan", "-json"]).code(1);
    let ops: Vec<String> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("JSON"))
        .filter(|m| {
            m["type"]
                .as_str()
                .is_some_and(|t| t.starts_with("ephemeral_op_") || t == "diagnostic")
        })
        .map(|m| format!("{} {} {}", m["type"], m["hook"]["action"], m["@message"]))
        .collect();
    assert_eq!(
        ops,
        [
            r#""ephemeral_op_start" "open" "ephemeral.example_token.t: Opening...""#,
            r#""ephemeral_op_errored" "open" "ephemeral.example_token.t: Opening errored after 0s""#,
            r#""diagnostic" null "Error: Cannot open the token""#,
        ],
        "{out}"
    );
    let human = w.run(&["plan"]).code(1);
    assert!(
        human
            .stdout
            .contains("ephemeral.example_token.t: Opening...")
            && !human.stdout.contains("errored"),
        "{human}"
    );
    assert!(
        human.stderr.contains("Error: Cannot open the token"),
        "{human}"
    );
}

/// Rewrites the first instance in state with `f`.
fn edit_instance(w: &Work, f: impl FnOnce(&mut serde_json::Value)) {
    let mut state = w.state();
    f(&mut state["resources"][0]["instances"][0]);
    w.write("terraform.tfstate", &state.to_string());
}

/// As the provider's version 0 stored the object: a bare number as its ID, which the
/// plugin renames only when told the object is of version 0.
fn as_version_0(inst: &mut serde_json::Value) {
    inst["schema_version"] = 0.into();
    inst["attributes"]["id"] = "1".into();
}

#[test]
fn a_plan_without_refresh_still_sends_stored_objects_through_the_plugins_upgrade() {
    let w = with_example(THING);
    let remote = w.path().join("remote");
    run(&w, &["apply", "-auto-approve"], None).code(0);
    edit_instance(&w, as_version_0);

    // Not read, but upgraded: the plan works with `thing-1`, and applying it records the
    // object in the current schema.
    run(&w, &["plan", "-refresh=false", "-detailed-exitcode"], None).code(0);
    assert_eq!(objects(&remote)["upgrades"]["thing-1"]["version"], 0);
    run(&w, &["apply", "-refresh=false", "-auto-approve"], None).code(0);
    let state = w.state();
    let inst = &state["resources"][0]["instances"][0];
    assert_eq!(inst["attributes"]["id"], "thing-1", "{state:#}");
    assert_eq!(inst["schema_version"], 1, "{state:#}");

    // So does applying a saved plan made without refresh: its prior state is the upgraded.
    edit_instance(&w, as_version_0);
    run(&w, &["plan", "-refresh=false", "-out=tfplan"], None).code(0);
    run(&w, &["apply", "tfplan"], None).code(0);
    let state = w.state();
    let inst = &state["resources"][0]["instances"][0];
    assert_eq!(inst["attributes"]["id"], "thing-1", "{state:#}");
    assert_eq!(inst["schema_version"], 1, "{state:#}");

    // An object of a version the plugin does not know yet is refused, as Terraform does.
    edit_instance(&w, |inst| inst["schema_version"] = 5.into());
    let out = run(&w, &["plan", "-refresh=false"], None).code(1);
    assert!(
        out.stderr
            .contains("Resource instance managed by newer provider version"),
        "{out}"
    );

    // A destroy without refresh deletes the object the upgrade names.
    edit_instance(&w, as_version_0);
    run(&w, &["destroy", "-refresh=false", "-auto-approve"], None).code(0);
    assert_eq!(objects(&remote)["things"], serde_json::json!({}));
}

#[test]
fn the_plugin_upgrades_an_object_of_the_current_version_from_its_json_as_stored() {
    let w = with_example(THING);
    let remote = w.path().join("remote");
    run(&w, &["apply", "-auto-approve"], None).code(0);
    // A number as another writer wrote it, and an attribute the schema no longer has.
    edit_instance(&w, |inst| {
        inst["attributes"]["size"] = serde_json::from_str("1.0").unwrap();
        inst["attributes"]["retired"] = true.into();
    });
    run(&w, &["plan", "-detailed-exitcode"], None).code(0);
    let upgrade = &objects(&remote)["upgrades"]["thing-1"];
    assert_eq!(upgrade["version"], 1);
    let sent = upgrade["json"].as_str().unwrap();
    assert!(sent.contains(r#""size":1.0,"#), "{sent}");
    // As Terraform does, the attribute the schema lacks is left out; the rest is as stored.
    let mut expected = w.state()["resources"][0]["instances"][0]["attributes"].clone();
    expected.as_object_mut().unwrap().remove("retired");
    let sent: serde_json::Value = serde_json::from_str(sent).unwrap();
    assert_eq!(sent, expected);
}

#[test]
fn an_unchanged_upgrade_without_refresh_records_the_object_without_removed_attributes() {
    let w = with_example(THING);
    run(&w, &["apply", "-auto-approve"], None).code(0);
    let attributes = |w: &Work| w.state()["resources"][0]["instances"][0]["attributes"].clone();
    // Of the current version, with an attribute the schema no longer has; then of
    // version 0, whose `number` the upgrade turns into the ID the object has already.
    // Either way the upgraded object is the prior one, and the plan changes nothing.
    let stored: [fn(&mut serde_json::Value); 2] = [
        |inst| inst["attributes"]["retired"] = true.into(),
        |inst| {
            inst["schema_version"] = 0.into();
            inst["attributes"]["number"] = "1".into();
        },
    ];
    for edit in stored {
        edit_instance(&w, edit);
        let out = run(&w, &["apply", "-refresh=false", "-auto-approve"], None).code(0);
        assert!(out.stdout.contains("No changes."), "{out}");
        // As Terraform does, state records the upgraded object.
        let now = attributes(&w);
        assert_eq!(now["id"], "thing-1", "{now:#}");
        assert!(
            now.get("retired").is_none() && now.get("number").is_none(),
            "{now:#}"
        );
        assert_eq!(
            w.state()["resources"][0]["instances"][0]["schema_version"],
            1
        );
    }
}

#[test]
fn empty_private_data_from_a_read_clears_the_stored_private_data() {
    let w = with_example(THING);
    let remote = w.path().join("remote");
    run(&w, &["apply", "-auto-approve"], None).code(0);
    let private = |w: &Work| w.state()["resources"][0]["instances"][0]["private"].clone();
    assert!(private(&w).is_string());
    edit_objects(&remote, |d| {
        d["forget_private"] = serde_json::json!({"thing-1": true});
    });
    run(&w, &["apply", "-auto-approve", "-refresh-only"], None).code(0);
    assert_eq!(private(&w), serde_json::Value::Null, "{:#}", w.state());
    // The plugin now expects no private data, and gets none.
    run(&w, &["plan", "-detailed-exitcode"], None).code(0);
}

#[test]
fn a_plugin_with_plan_destroy_plans_each_destroy() {
    let config = |name: &str| THING.replace("var.name", &format!("\"{name}\""));
    let w = with_example(&config("plain"));
    let remote = w.path().join("remote");
    run(&w, &["apply", "-auto-approve"], None).code(0);
    // The delete gets the private data the destroy's plan returned.
    run(&w, &["destroy", "-auto-approve"], None).code(0);
    assert_eq!(
        objects(&remote)["deletes"]["thing-1"],
        r#"{"owner":"example","destroy":true}"#
    );

    // The plugin refuses to destroy this one: the plan stops, nothing is deleted.
    w.write("main.tf", &config("protected"));
    run(&w, &["apply", "-auto-approve"], None).code(0);
    let out = run(&w, &["destroy", "-auto-approve"], None).code(1);
    assert!(
        out.stderr.contains("Cannot destroy a protected thing"),
        "{out}"
    );
    assert!(out.stderr.contains("example_thing.a"), "{out}");
    assert!(objects(&remote)["things"]["thing-2"].is_object());
    // So is a delete of an object whose block is gone.
    w.write("main.tf", THING.split("resource").next().unwrap());
    let out = run(&w, &["plan"], None).code(1);
    assert!(
        out.stderr.contains("Cannot destroy a protected thing"),
        "{out}"
    );
}

/// Processes (still running) whose environment has `EXAMPLE_PROVIDER_DIR` set to `dir`:
/// the plugins a run of this test started.
fn plugins_serving(dir: &Path) -> Vec<String> {
    let needle = format!("{EXAMPLE_PROVIDER_DIR_ENV}={}", dir.display());
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().parse::<u32>().is_ok())
        .filter(|e| {
            std::fs::read(e.path().join("environ"))
                .is_ok_and(|env| env.split(|b| *b == 0).any(|var| var == needle.as_bytes()))
        })
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn no_plugin_process_or_socket_outlives_the_run() {
    let w = with_example(THING);
    let remote = w.path().join("remote");
    // Plugins put their sockets under TMPDIR (terrane points it at a directory of its own).
    let tmp = w.path().join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let env = [
        (EXAMPLE_PROVIDER_DIR_ENV, remote.to_str().unwrap()),
        ("TMPDIR", tmp.to_str().unwrap()),
    ];
    // The check sees a plugin that is running.
    let mut running = std::process::Command::new(example_provider().unwrap())
        .env(
            terrane_provider_plugin::handshake::MAGIC_COOKIE_KEY,
            terrane_provider_plugin::handshake::MAGIC_COOKIE_VALUE,
        )
        .env("PLUGIN_PROTOCOL_VERSIONS", "6")
        .env(EXAMPLE_PROVIDER_DIR_ENV, &remote)
        .env("PLUGIN_UNIX_SOCKET_DIR", w.path())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let seen = plugins_serving(&remote);
    running.kill().unwrap();
    running.wait().unwrap();
    assert_eq!(seen, vec![running.id().to_string()]);

    w.run_with(&["apply", "-auto-approve"], &env, None).code(0);
    w.run_with(&["plan", "-detailed-exitcode"], &env, None)
        .code(0);
    let out = w.run_with(&["apply", "-auto-approve", "-var", "size=-1"], &env, None);
    out.code(1);
    assert_eq!(plugins_serving(&remote), Vec::<String>::new());
    let left: Vec<_> = std::fs::read_dir(&tmp).unwrap().flatten().collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn ctrl_c_asks_the_plugin_to_stop_what_it_is_doing() {
    let w = with_example(&THING.replace("var.name", "\"slow\""));
    let remote = w.path().join("remote");
    let store = remote.display().to_string();
    let run = w.spawn(
        &["apply", "-auto-approve"],
        &[(EXAMPLE_PROVIDER_DIR_ENV, store.as_str())],
    );
    run.wait_for("the create to start", |o| o.contains("Creating..."));
    // The plugin holds the create until it is stopped; wait until it is holding it.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while std::fs::read_to_string(remote.join("objects.json"))
        .map_or(true, |t| !t.contains("holding"))
    {
        assert!(std::time::Instant::now() < deadline, "{}", run.stdout());
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    run.signal("INT");
    // StopProvider reaches the plugin, whose create fails with its own error at once.
    let out = run.wait().code(1);
    assert!(out.stderr.contains("Interrupt received"), "{out}");
    assert!(out.stderr.contains("Apply stopped"), "{out}");
    assert!(out.stderr.contains("example_thing.a"), "{out}");
    assert_eq!(objects(&remote)["things"], serde_json::Value::Null);
}

#[test]
fn a_plan_keeping_the_prior_value_for_an_equal_configuration_is_valid() {
    // The plugin judges "FIRST" equal to the stored "first" and plans the stored value, as
    // the framework's semantic equality does; Terraform accepts that from any provider.
    let w = with_example(THING);
    run(&w, &["apply", "-auto-approve"], None).code(0);
    let out = run(
        &w,
        &["plan", "-detailed-exitcode", "-var", "name=FIRST"],
        None,
    )
    .code(0);
    assert!(out.stdout.contains("No changes."), "{out}");
}

#[test]
fn a_plan_filling_in_an_inner_argument_that_is_not_computed_is_refused() {
    // `protocol`, inside the nested attribute `rules`, is optional but not computed: the
    // plugin may not plan a value the configuration leaves unset, inner argument or not.
    let w = with_example(THING);
    let out = run(&w, &["plan", "-var", "name=misplan"], None).code(1);
    assert!(
        out.stderr.contains("Provider produced invalid plan"),
        "{out}"
    );
    let words = out.stderr.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        words.contains("planned an invalid value for rules[0].protocol:"),
        "{out}"
    );
    // The rule that sets it is planned as written.
    assert!(!out.stderr.contains("rules[1]"), "{out}");
}

#[test]
fn a_deposed_object_is_upgraded_before_it_is_deleted() {
    let config = "terraform {\n  required_providers {\n    example = { source = \"terrane/example\" }\n  }\n}\n\
                  resource \"example_thing\" \"a\" {\n  name = \"a\"\n}\n";
    let w = with_example(&format!(
        "{config}resource \"example_thing\" \"b\" {{\n  name = \"b\"\n}}\n"
    ));
    let remote = w.path().join("remote");
    run(&w, &["apply", "-auto-approve"], None).code(0);
    // b's object, as version 0 stored it (a bare number as its ID), is left deposed under
    // a by an interrupted create-before-destroy replacement.
    let mut state = w.state();
    let resources = state["resources"].as_array_mut().unwrap();
    let b = resources.remove(1);
    let mut deposed = b["instances"][0].clone();
    deposed["deposed"] = "00000001".into();
    as_version_0(&mut deposed);
    deposed["attributes"]["id"] = "2".into();
    resources[0]["instances"]
        .as_array_mut()
        .unwrap()
        .push(deposed);
    w.write("terraform.tfstate", &state.to_string());
    w.write("main.tf", config);

    let out = run(&w, &["apply", "-auto-approve"], None).code(0);
    assert!(out.stdout.contains("1 destroyed"), "{out}");
    let things = objects(&remote)["things"].clone();
    assert!(things["thing-1"].is_object(), "{things:#}");
    assert_eq!(things["thing-2"], serde_json::Value::Null, "{things:#}");
}
