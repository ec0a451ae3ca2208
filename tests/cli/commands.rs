//! Terraform's command line as a whole: help, unknown commands and flags, the environment
//! variables every command reads (TF_CLI_ARGS, TF_DATA_DIR, TF_IN_AUTOMATION), and the
//! smaller commands (console, refresh, get, providers, state replace-provider,
//! login/logout, version -json).

use crate::harness::Work;
use crate::snap;

const CONFIG: &str = r#"
variable "env" {
  default = "dev"
}

locals {
  name = "app-${var.env}"
}

resource "terraform_data" "a" {
  input = local.name
}

resource "null_resource" "n" {
  count = 2
  triggers = {
    env = var.env
  }
}

output "name" {
  value = terraform_data.a.output
}
"#;

#[test]
fn help_is_laid_out_as_terraform_prints_it() {
    let w = Work::new();
    snap!(w, "help_top_level", w.run(&[]).code(127));
    snap!(w, "help_plan", w.run(&["plan", "-help"]).code(0));
    snap!(w, "help_state", w.run(&["state", "-h"]).code(0));
    let help = w.run(&["apply", "--help"]).code(0).stdout;
    assert!(help.contains("  -lock=false "), "{help}");
    assert!(help.contains("  -refresh=false "), "{help}");
    assert!(!help.contains("--"), "help shows one-dash flags:\n{help}");
    snap!(w, "help_missing_subcommand", w.run(&["workspace"]).code(1));
}

#[test]
fn unknown_commands_and_flags() {
    let w = Work::main_tf(CONFIG);
    snap!(w, "unknown_command_suggestion", w.run(&["aply"]).code(1));
    snap!(w, "unknown_command", w.run(&["frobnicate"]).code(1));
    snap!(w, "unknown_flag", w.run(&["plan", "-foo=1"]).code(1));
    snap!(
        w,
        "invalid_flag_value",
        w.run(&["plan", "-parallelism=many"]).code(1)
    );
    snap!(
        w,
        "chdir_without_equals",
        w.run(&["-chdir", "plan"]).code(1)
    );
}

#[test]
fn tf_cli_args_are_inserted_after_the_command() {
    let w = Work::main_tf(CONFIG);
    let out = w
        .run_with(
            &["plan"],
            &[
                ("TF_CLI_ARGS", "-refresh=false"),
                ("TF_CLI_ARGS_plan", "-var 'env=prod'"),
            ],
            None,
        )
        .code(0);
    assert!(out.stdout.contains("\"app-prod\""), "{out}");
    // Another command's variable does not apply.
    let out = w
        .run_with(&["plan"], &[("TF_CLI_ARGS_apply", "-var 'env=prod'")], None)
        .code(0);
    assert!(out.stdout.contains("\"app-dev\""), "{out}");
    let bad = w.run_with(&["plan"], &[("TF_CLI_ARGS", "-var 'env")], None);
    snap!(w, "tf_cli_args_unbalanced", bad.code(1));
}

#[test]
fn tf_data_dir_moves_the_working_data() {
    let w = Work::main_tf(CONFIG);
    let env = [("TF_DATA_DIR", "data")];
    w.run_with(&["workspace", "new", "blue"], &env, None)
        .code(0);
    assert!(w.exists("data/environment"));
    assert!(!w.exists(".terraform"));
    let shown = w.run_with(&["workspace", "show"], &env, None).code(0);
    assert_eq!(shown.stdout, "blue\n");
    assert_eq!(w.run(&["workspace", "show"]).code(0).stdout, "default\n");
}

#[test]
fn tf_in_automation_leaves_out_next_steps() {
    let w = Work::main_tf(CONFIG);
    let people = w.run(&["plan"]).code(0);
    assert!(people
        .stdout
        .contains("Note: You didn't use the -out option"));
    let automation = w
        .run_with(&["plan"], &[("TF_IN_AUTOMATION", "1")], None)
        .code(0);
    assert!(!automation.stdout.contains("-out option"), "{automation}");
    assert!(automation.stdout.contains("Plan: 3 to add"), "{automation}");
}

#[test]
fn version_json_has_terraform_keys() {
    let w = Work::new();
    let out = w.run(&["version", "-json"]).code(0);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert!(v["terraform_version"]
        .as_str()
        .is_some_and(|t| t.starts_with("1.")));
    assert_eq!(v["platform"].as_str().map(|p| p.contains('_')), Some(true));
    assert_eq!(v["provider_selections"], serde_json::json!({}));
    assert_eq!(v["terraform_outdated"], false);
    assert_eq!(w.run(&["-version", "-json"]).code(0).stdout, out.stdout);
}

#[test]
fn console_evaluates_against_configuration_and_state() {
    let w = Work::main_tf(CONFIG);
    let before = w.run_with(&["console"], &[], Some("terraform_data.a.output\n"));
    assert_eq!(before.code(0).stdout, "(known after apply)\n");
    w.run(&["apply", "-auto-approve"]).code(0);
    let input = "var.env\nlocal.name\nterraform_data.a.output\n";
    assert_eq!(
        w.run_with(&["console"], &[], Some(input)).code(0).stdout,
        "\"app-dev\"\n",
        "piped input prints the last result only"
    );
    let exprs = [
        "null_resource.n[1].triggers",
        "[for n in null_resource.n : n.triggers.env]",
        "upper(local.name)",
        "{ a = [1, 2], b = toset([\"x\"]) }",
    ];
    let out: Vec<String> = exprs
        .iter()
        .map(|e| {
            let o = w.run_with(&["console"], &[], Some(&format!("{e}\n")));
            format!("> {e}\n{}", o.code(0).stdout)
        })
        .collect();
    snap!(w, "console_values", out.join(""));
    snap!(
        w,
        "console_error",
        w.run_with(&["console"], &[], Some("var.nope\n1 + 1\n"))
            .code(1)
    );
    snap!(
        w,
        "console_syntax_error",
        w.run_with(&["console"], &[], Some("1 +\n")).code(1)
    );
}

/// `console -plan` evaluates against the planned state: planned values as the plan gives
/// them (a change not applied yet shows), what only an apply knows as
/// `(known after apply)`; the plan itself prints nothing, as in Terraform.
#[test]
fn console_plan_evaluates_against_the_planned_state() {
    let w = Work::main_tf(CONFIG);
    w.run(&["apply", "-auto-approve"]).code(0);
    let planned = |input: &str| {
        w.run_with(&["console", "-plan", "-var=env=prod"], &[], Some(input))
            .code(0)
            .stdout
    };
    assert_eq!(planned("local.name\n"), "\"app-prod\"\n");
    snap!(
        w,
        "console_plan_resource",
        planned("null_resource.n[0]\n") + &planned("terraform_data.a.output\n")
    );
    // Without -plan the same expressions read the state, which still says dev.
    let current = w.run_with(
        &["console", "-var=env=prod"],
        &[],
        Some("null_resource.n[0].triggers.env\n"),
    );
    assert_eq!(current.code(0).stdout, "\"dev\"\n");
}

#[test]
fn refresh_updates_state_and_prints_outputs() {
    let w = Work::main_tf(CONFIG);
    w.run(&["apply", "-auto-approve"]).code(0);
    let serial = w.state()["serial"].as_u64();
    snap!(w, "refresh", w.run(&["refresh"]).code(0));
    assert!(w.state()["serial"].as_u64() >= serial);
    let help = w.run(&["refresh", "-help"]).code(0).stdout;
    assert!(help.contains("deprecated"), "{help}");
}

#[test]
fn get_installs_modules_only() {
    let w = Work::main_tf("module \"net\" {\n  source = \"./modules/net\"\n}\n");
    w.write(
        "modules/net/main.tf",
        "resource \"terraform_data\" \"x\" {}\n",
    );
    snap!(w, "get", w.run(&["get"]).code(0));
    assert!(w.exists(".terraform/modules/modules.json"));
    assert!(!w.exists(".terraform/terraform.tfstate"));
}

#[test]
fn providers_tree() {
    let w = Work::main_tf(
        r#"
terraform {
  required_providers {
    null = {
      source  = "hashicorp/null"
      version = ">= 3.2"
    }
  }
}

resource "terraform_data" "a" {}

module "net" {
  source = "./modules/net"
}
"#,
    );
    w.write(
        "modules/net/main.tf",
        "resource \"null_resource\" \"x\" {}\nresource \"aws_vpc\" \"v\" {\n  cidr_block = \"10.0.0.0/16\"\n}\n",
    );
    snap!(w, "providers_before_apply", w.run(&["providers"]).code(0));
}

#[test]
fn state_replace_provider() {
    let w = Work::main_tf(CONFIG);
    w.run(&["apply", "-auto-approve"]).code(0);
    let declined = w.run_with(
        &["state", "replace-provider", "hashicorp/null", "acme/null"],
        &[],
        Some("no\n"),
    );
    snap!(w, "replace_provider_declined", declined.code(1));
    snap!(
        w,
        "replace_provider",
        w.run(&[
            "state",
            "replace-provider",
            "-auto-approve",
            "hashicorp/null",
            "registry.acme.corp/acme/null"
        ])
        .code(0)
    );
    let state = w.state();
    let providers: Vec<&str> = state["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["provider"].as_str().unwrap())
        .collect();
    assert_eq!(
        providers,
        [
            "provider[\"registry.acme.corp/acme/null\"]",
            "provider[\"terraform.io/builtin/terraform\"]"
        ]
    );
    snap!(
        w,
        "replace_provider_none",
        w.run(&[
            "state",
            "replace-provider",
            "-auto-approve",
            "nope",
            "acme/null"
        ])
        .code(0)
    );
    snap!(
        w,
        "replace_provider_invalid",
        w.run(&["state", "replace-provider", "hashicorp/n ull", "acme/null"])
            .code(1)
    );
}

#[test]
fn login_and_logout_are_refused() {
    let w = Work::new();
    snap!(w, "login", w.run(&["login"]).code(1));
    assert!(w
        .run(&["logout", "app.terraform.io"])
        .code(1)
        .stderr
        .contains("not supported"));
}

#[test]
fn show_json_has_bare_values_and_marks_sensitive_ones() {
    let w = Work::main_tf(
        r#"
variable "pw" {
  default   = "hunter2"
  sensitive = true
}

resource "terraform_data" "a" {
  input = { name = "x", list = [1, 2] }
}

resource "null_resource" "n" {
  triggers = { pw = var.pw }
}

module "m" {
  source = "./m"
}
"#,
    );
    w.write(
        "m/main.tf",
        "resource \"terraform_data\" \"in\" {\n  input = \"y\"\n}\n",
    );
    w.run(&["apply", "-auto-approve"]).code(0);
    let out = w.run(&["show", "-json"]).code(0);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    snap!(
        w,
        "show_json_state",
        serde_json::to_string_pretty(&v).unwrap()
    );
}

/// A saved plan's JSON as Terraform's `show -json` has it: unknown attributes left out of
/// `after` (and flagged in `after_unknown`), the attributes that force a replacement in
/// `replace_paths`, a wholly known output's `after_unknown` as `false`, empty sections
/// left out, the plan's timestamp and the provider configurations.
#[test]
fn show_json_of_a_plan_leaves_unknowns_out() {
    let v1 = r#"
resource "null_resource" "n" {
  triggers = { v = "one" }
}
output "list" {
  value = ["a", "b"]
}
"#;
    let w = Work::main_tf(v1);
    w.run(&["apply", "-auto-approve"]).code(0);
    w.write(
        "main.tf",
        &v1.replace("\"one\"", "\"two\"").replace("\"b\"]", "\"c\"]"),
    );
    w.run(&["plan", "-out=p.tfplan"]).code(0);
    let out = w.run(&["show", "-json", "p.tfplan"]).code(0);
    let mut v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    // The provider configurations the resources use, as Terraform names them.
    assert_eq!(
        v["configuration"]["provider_config"]["null"],
        serde_json::json!({"name": "null", "full_name": "registry.terraform.io/hashicorp/null"})
    );
    assert_eq!(
        v["configuration"]["root_module"]["resources"][0]["provider_config_key"],
        "null"
    );
    // When the plan was made, as Terraform records it (RFC 3339, whole seconds).
    let ts = v["timestamp"].as_str().unwrap_or_default().to_string();
    assert!(
        ts.len() == 20 && ts.ends_with('Z') && ts.as_bytes()[10] == b'T',
        "{ts}"
    );
    for k in ["configuration", "terraform_version", "timestamp"] {
        v.as_object_mut().unwrap().remove(k);
    }
    snap!(
        w,
        "show_json_plan",
        serde_json::to_string_pretty(&v).unwrap()
    );
}

/// A saved plan's `configuration` as Terraform 1.15.5 writes it for the same directory
/// (the expected document is Terraform's own output): provider configurations with
/// their version constraints, each argument's constant or references (unwrapped step by
/// step), count and for_each expressions, `depends_on`, outputs, variables' converted
/// defaults, and a module call with its source, arguments and nested module whose
/// resources name the inherited provider configuration; then `relevant_attributes`.
#[test]
fn show_json_of_a_plan_has_the_configurations_expressions() {
    let w = Work::fixture("plan-configuration");
    w.run(&["plan", "-out=p.tfplan"]).code(0);
    let out = w.run(&["show", "-json", "p.tfplan"]).code(0);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let want: serde_json::Value =
        serde_json::from_str(&w.read("terraform-1.15.5-configuration.json")).unwrap();
    assert_eq!(
        serde_json::to_string_pretty(&v["configuration"]).unwrap(),
        serde_json::to_string_pretty(&want).unwrap()
    );
    // The attributes the changes read, per module instance, as Terraform 1.15.5 lists
    // them for the same plan.
    assert_eq!(
        v["relevant_attributes"],
        serde_json::json!([
            {"resource": "null_resource.each[0]", "attribute": ["triggers", "name"]},
            {"resource": "module.child[\"a\"].null_resource.inner", "attribute": ["id"]},
            {"resource": "module.child[\"a\"].null_resource.inner", "attribute": ["triggers", "name"]},
            {"resource": "module.child[\"b\"].null_resource.inner", "attribute": ["id"]},
            {"resource": "module.child[\"b\"].null_resource.inner", "attribute": ["triggers", "name"]}
        ])
    );
}

/// A saved plan's `prior_state` as Terraform 1.15.5 shows it for the same steps: the state
/// the plan was made from in the state document's shape (outputs first), written by this
/// version, with the outputs the plan evaluated; between `output_changes` and
/// `configuration`. Once the state has moved on, the plan's prior state is not at hand and
/// is left out.
#[test]
fn show_json_of_a_plan_has_its_prior_state() {
    let v1 = r#"
resource "null_resource" "a" {
  triggers = { x = "1" }
}
output "o" {
  value = "v"
}
"#;
    let w = Work::main_tf(v1);
    w.run(&["apply", "-auto-approve"]).code(0);
    w.write(
        "main.tf",
        &v1.replace("\"1\"", "\"2\"").replace("\"v\"", "\"w\""),
    );
    w.run(&["plan", "-out=p.tfplan"]).code(0);
    let out = w.run(&["show", "-json", "p.tfplan"]).code(0);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    let at = |k: &str| keys.iter().position(|x| *x == k).unwrap();
    assert_eq!(at("prior_state"), at("output_changes") + 1, "{keys:?}");
    assert_eq!(at("configuration"), at("prior_state") + 1, "{keys:?}");
    let prior = &v["prior_state"];
    let id = prior["values"]["root_module"]["resources"][0]["values"]["id"].clone();
    assert!(id.is_string(), "{prior}");
    let want = serde_json::json!({
        "format_version": "1.0",
        "terraform_version": "1.15.5",
        "values": {
            "outputs": {"o": {"sensitive": false, "value": "w", "type": "string"}},
            "root_module": {"resources": [{
                "address": "null_resource.a",
                "mode": "managed",
                "type": "null_resource",
                "name": "a",
                "provider_name": "registry.terraform.io/hashicorp/null",
                "schema_version": 0,
                "values": {"id": id, "triggers": {"x": "1"}},
                "sensitive_values": {"triggers": {}}
            }]}
        }
    });
    assert_eq!(
        serde_json::to_string(prior).unwrap(),
        serde_json::to_string(&want).unwrap()
    );
    w.run(&["apply", "-auto-approve"]).code(0);
    let out = w.run(&["show", "-json", "p.tfplan"]).code(0);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert!(v.get("prior_state").is_none(), "{v}");
}

/// A plan without outputs has no `outputs` in `planned_values` and no `output_changes`, as
/// Terraform leaves out what is empty.
#[test]
fn show_json_of_a_plan_without_outputs_leaves_them_out() {
    let w = Work::main_tf("resource \"terraform_data\" \"a\" {\n  input = \"x\"\n}\n");
    w.run(&["plan", "-out=p.tfplan"]).code(0);
    let out = w.run(&["show", "-json", "p.tfplan"]).code(0);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert!(v["planned_values"].get("outputs").is_none(), "{v}");
    assert!(v.get("output_changes").is_none(), "{v}");
    // Nor a prior state, with no state and no outputs.
    assert!(v.get("prior_state").is_none(), "{v}");
    assert_eq!(
        v["configuration"]["provider_config"]["terraform"]["full_name"],
        "terraform.io/builtin/terraform"
    );
}

#[test]
fn plan_as_markdown_for_a_pull_request() {
    let v1 = r#"
variable "pw" {
  default   = "one"
  sensitive = true
}

resource "terraform_data" "update" {
  input = "one"
}

resource "null_resource" "replace" {
  triggers = { v = "one" }
}

resource "terraform_data" "gone" {}

resource "terraform_data" "secret" {
  input = var.pw
}
"#;
    let w = Work::main_tf(v1);
    w.run(&["apply", "-auto-approve"]).code(0);
    let v2 = v1
        .replace("input = \"one\"", "input = \"two\"")
        .replace("v = \"one\"", "v = \"two\"")
        .replace("default   = \"one\"", "default   = \"two\"")
        .replace(
            "resource \"terraform_data\" \"gone\" {}",
            "resource \"terraform_data\" \"new\" {}",
        );
    w.write("main.tf", &v2);
    let md = w.run(&["plan", "-markdown", "-out=p.tfplan"]).code(0);
    snap!(w, "plan_markdown", md);
    let shown = w.run(&["show", "-markdown", "p.tfplan"]).code(0);
    assert!(
        shown
            .stdout
            .starts_with("### terrane plan: 2 to add, 2 to change, 2 to destroy"),
        "{shown}"
    );
    w.run(&["apply", "p.tfplan"]).code(0);
    snap!(
        w,
        "plan_markdown_no_changes",
        w.run(&["plan", "-markdown"]).code(0)
    );
}

/// The shell runs terrane to complete a word (`complete -C terrane terrane`), and
/// `-install-autocomplete` adds that hook to the user's shell start-up file.
#[test]
fn shell_completion_and_its_installation() {
    let w = Work::new();
    let out = w
        .run_with(&[], &[("COMP_LINE", "terrane workspace s")], None)
        .code(0);
    assert_eq!(out.stdout, "select\nshow\n");
    let home = w.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::write(home.join(".bashrc"), "").unwrap();
    let home_env = home.display().to_string();
    w.run_with(&["-install-autocomplete"], &[("HOME", &home_env)], None)
        .code(0);
    let bashrc = std::fs::read_to_string(home.join(".bashrc")).unwrap();
    assert!(
        bashrc.starts_with("\ncomplete -C /") && bashrc.ends_with(" terrane\n"),
        "{bashrc}"
    );
    let again = w
        .run_with(&["-install-autocomplete"], &[("HOME", &home_env)], None)
        .code(1);
    assert!(
        again.stderr.contains("already installed in"),
        "{}",
        again.stderr
    );
    w.run_with(&["-uninstall-autocomplete"], &[("HOME", &home_env)], None)
        .code(0);
}

/// The one-line installer takes the archive for this machine from a release directory,
/// installs it only when it matches SHA256SUMS, and the installed binary runs.
#[test]
fn install_script_checks_the_archive_against_sha256sums() {
    use std::process::Command;
    let w = Work::new();
    let dist = w.path().join("dist");
    let stage = w.path().join("stage");
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::create_dir_all(&stage).unwrap();
    std::fs::copy(env!("CARGO_BIN_EXE_terrane"), stage.join("terrane")).unwrap();
    let archive = "terrane-test-target.tar.gz";
    let sh = |script: &str, env: &[(&str, String)]| {
        let mut c = Command::new("sh");
        c.arg("-c").arg(script).current_dir(w.path());
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().unwrap()
    };
    let packed = sh(
        &format!("tar -czf dist/{archive} -C stage terrane && cd dist && sha256sum {archive} > SHA256SUMS"),
        &[],
    );
    assert!(packed.status.success(), "{packed:?}");
    let installer = concat!(env!("CARGO_MANIFEST_DIR"), "/install.sh");
    let install = |into: &str| {
        sh(
            &format!("sh {installer}"),
            &[
                ("TERRANE_RELEASES", format!("file://{}", dist.display())),
                ("TERRANE_TARGET", "test-target".into()),
                (
                    "TERRANE_INSTALL_DIR",
                    w.path().join(into).display().to_string(),
                ),
            ],
        )
    };
    let ok = install("bin");
    assert!(ok.status.success(), "{ok:?}");
    let version = Command::new(w.path().join("bin/terrane"))
        .arg("version")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&version.stdout).starts_with("terrane v"));

    // One changed digit in SHA256SUMS: nothing is installed.
    let sums = std::fs::read_to_string(dist.join("SHA256SUMS")).unwrap();
    let flipped = if sums.starts_with('0') { "1" } else { "0" };
    std::fs::write(dist.join("SHA256SUMS"), format!("{flipped}{}", &sums[1..])).unwrap();
    let refused = install("bin2");
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("checksum mismatch"));
    assert!(!w.path().join("bin2/terrane").exists());
}

/// `metadata functions -json`: every function terrane has, in Terraform's layout (names,
/// types and nullability as the reference binary prints them).
#[test]
fn metadata_functions_lists_every_signature() {
    let w = Work::new();
    let out = w.run(&["metadata", "functions", "-json"]).code(0);
    let all: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(all["format_version"], "1.0");
    let sigs = all["function_signatures"].as_object().unwrap();
    assert_eq!(sigs.len(), 118, "116 registered functions plus can and try");
    assert_eq!(
        sigs["lookup"]["parameters"],
        serde_json::json!([
            {"name": "inputMap", "type": "dynamic"},
            {"name": "key", "type": "string"}
        ])
    );
    assert_eq!(
        sigs["lookup"]["variadic_parameter"],
        serde_json::json!({"name": "default", "is_nullable": true, "type": "dynamic"})
    );
    assert_eq!(
        sigs["cidrsubnets"]["return_type"],
        serde_json::json!(["list", "string"])
    );
    assert!(sigs.values().all(|s| s["description"].is_string()));
    let refused = w.run(&["metadata", "functions"]).code(1);
    assert!(
        refused.stderr.contains("requires the `-json` flag"),
        "{refused}"
    );
}

#[test]
fn tf_log_writes_the_core_log_without_values() {
    let w = Work::main_tf(
        r#"
variable "token" {
  sensitive = true
}

resource "terraform_data" "a" {
  input = var.token
}
"#,
    );
    let log = w.path().join("core.log");
    let log_path = log.display().to_string();
    w.run_with(
        &["apply", "-auto-approve", "-var", "token=tok-secret-42"],
        &[("TF_LOG", "debug"), ("TF_LOG_PATH", log_path.as_str())],
        None,
    )
    .code(0);
    let text = std::fs::read_to_string(&log).expect("TF_LOG_PATH written");
    for line in [
        "[INFO]  terrane version: ",
        "[INFO]  Starting apply for terraform_data.a (Create)",
        "[INFO]  state written: local file ./terraform.tfstate: serial 1, 1 resource(s)",
        "acquired for OperationTypeApply",
        "[DEBUG] exit code 0",
    ] {
        assert!(
            text.contains(line),
            "{line:?} missing from the log:\n{text}"
        );
    }
    assert!(text.contains("\"token=(hidden)\""), "{text}");
    assert!(
        !text.contains("tok-secret-42"),
        "the log holds the secret:\n{text}"
    );

    // Below the level asked nothing is written; JSON gives hclog's lines on stderr.
    std::fs::remove_file(&log).unwrap();
    w.run_with(
        &["plan", "-var", "token=x"],
        &[("TF_LOG", "warn"), ("TF_LOG_PATH", log_path.as_str())],
        None,
    )
    .code(0);
    assert!(!log.exists(), "nothing at warn or above happened");
    let json = w
        .run_with(&["plan", "-var", "token=x"], &[("TF_LOG", "json")], None)
        .code(0);
    let first: serde_json::Value =
        serde_json::from_str(json.stderr.lines().next().unwrap_or_default()).expect("JSON line");
    assert_eq!(first["@level"], "info");
    assert!(first["@message"]
        .as_str()
        .unwrap()
        .starts_with("terrane version"));
}

#[test]
fn unset_required_variables_are_asked_for_in_name_order() {
    let w = Work::main_tf(
        r#"
variable "zone" {}

variable "app" {
  description = "The application's name"
}

output "o" {
  value = "${var.app}-${var.zone}"
}
"#,
    );
    let out = w.run_with(&["plan"], &[], Some("web\neu-1\n")).code(0);
    assert!(
        out.stdout.starts_with(
            "var.app\n  The application's name\n\n  Enter a value: \nvar.zone\n  Enter a value: \n"
        ),
        "{out}"
    );
    assert!(out.stdout.contains("+ o = \"web-eu-1\""), "{out}");
    // Without input, or at the end of it, an unset variable is the usual error.
    for (args, env) in [
        (vec!["plan", "-input=false"], vec![]),
        (vec!["plan"], vec![("TF_INPUT", "0")]),
    ] {
        let out = w.run_with(&args, &env, Some("web\neu-1\n")).code(1);
        assert!(!out.stdout.contains("Enter a value"), "{out}");
        assert!(
            out.stderr.contains("No value for required variable"),
            "{out}"
        );
    }
    let out = w.run_with(&["plan"], &[], Some("web\n")).code(1);
    assert!(
        out.stderr.contains("input variable \"zone\" is not set"),
        "{out}"
    );
}

/// A state written by Terraform 1.12+ records each object's identity (and every object's
/// `identity_schema_version`): terrane writes the field as Terraform 1.15 does, keeps the
/// identities it reads, and `state identities -json` lists them as Terraform prints them.
#[test]
fn state_identities_lists_the_identities_terraform_recorded() {
    let w = Work::main_tf(
        "resource \"terraform_data\" \"a\" {\n  input = \"x\"\n}\nresource \"terraform_data\" \"b\" {}\n",
    );
    w.run(&["apply", "-auto-approve"]).code(0);
    let state = w.state();
    let inst = &state["resources"][0]["instances"][0];
    assert_eq!(inst["identity_schema_version"], 0, "{inst}");
    assert!(inst.get("identity").is_none(), "{inst}");

    // As a provider with identities would have recorded it (keys in any order).
    let a_id = w.id("terraform_data.a");
    let mut state = w.state();
    state["resources"][0]["instances"][0]["identity"] =
        serde_json::json!({"zone": "eu", "id": a_id});
    state["resources"][0]["instances"][0]["identity_schema_version"] = 2.into();
    w.write(
        "terraform.tfstate",
        &serde_json::to_string_pretty(&state).unwrap(),
    );

    let out = w.run(&["state", "identities", "-json"]).code(0);
    let want = format!(
        "{{\n  \"terraform_data.a\": {{\n    \"id\": \"{a_id}\",\n    \"zone\": \"eu\"\n  }}\n}}\n"
    );
    assert_eq!(out.stdout, want);
    let by_id = w
        .run(&["state", "identities", "-json", &format!("-id={a_id}")])
        .code(0);
    assert_eq!(by_id.stdout, want);
    let other = w.run(&["state", "identities", "-json", "-id=nope"]).code(0);
    assert_eq!(other.stdout, "{}\n");
    let only_b = w
        .run(&["state", "identities", "-json", "terraform_data.b"])
        .code(0);
    assert_eq!(only_b.stdout, "{}\n");
    let missing = w
        .run(&["state", "identities", "-json", "terraform_data.c"])
        .code(1);
    assert!(missing.stderr.contains("Unknown resource"), "{missing}");
    let no_json = w.run(&["state", "identities"]).code(1);
    assert!(
        no_json.stderr.contains("requires the `-json` flag"),
        "{no_json}"
    );

    // A run that rewrites the state keeps the identity it read.
    w.write(
        "main.tf",
        "resource \"terraform_data\" \"a\" {\n  input = \"x\"\n}\nresource \"terraform_data\" \"b\" {\n  input = \"new\"\n}\n",
    );
    w.run(&["apply", "-auto-approve"]).code(0);
    let inst = &w.state()["resources"][0]["instances"][0];
    assert_eq!(inst["identity"]["zone"], "eu", "{inst}");
    assert_eq!(inst["identity_schema_version"], 2, "{inst}");
}
