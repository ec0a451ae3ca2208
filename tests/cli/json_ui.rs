//! `-json`: Terraform's machine-readable UI for plan, apply, refresh, destroy and init,
//! one message a line, each checked for Terraform's common fields and snapshotted with
//! its timestamp (and terrane's version) taken out.

use crate::harness::Work;
use crate::snap;

const CONFIG: &str = r#"
variable "name" {
  type    = string
  default = "demo"
}

resource "terraform_data" "a" {
  input = var.name
}

resource "terraform_data" "b" {
  input = terraform_data.a.output
  provisioner "local-exec" {
    command = "echo hello"
  }
}

output "name" {
  value = terraform_data.a.output
}

output "secret" {
  value     = "s"
  sensitive = true
}
"#;

/// The messages of a JSON stream, one a line, after checking what every message of
/// Terraform's UI has; the timestamp and terrane's own version are replaced so the
/// snapshot holds still.
fn messages(stdout: &str) -> String {
    let stamp = regex_lite_timestamp();
    let mut lines = Vec::new();
    for line in stdout.lines() {
        let mut m: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert_eq!(m["@module"], "terraform.ui", "{line}");
        assert!(m["@level"].is_string() && m["@message"].is_string() && m["type"].is_string());
        let ts = m["@timestamp"].as_str().expect("timestamp");
        assert!(
            stamp(ts),
            "timestamp {ts} is not RFC 3339 with microseconds"
        );
        m["@timestamp"] = "[TIMESTAMP]".into();
        // How long an operation took depends on the machine.
        if let Some(secs) = m.pointer_mut("/hook/elapsed_seconds") {
            assert!(secs.is_u64(), "{line}");
            *secs = "[N]".into();
        }
        if m["type"] == "version" {
            assert_eq!(m["ui"], "1.3");
            m["@message"] = "terrane [VERSION]".into();
            m["terrane"] = "[VERSION]".into();
        }
        lines.push(m.to_string());
    }
    lines.join("\n")
}

/// `2026-12-07T12:27:06.024269Z`
fn regex_lite_timestamp() -> impl Fn(&str) -> bool {
    |ts: &str| {
        let b = ts.as_bytes();
        ts.len() == 27
            && b[4] == b'-'
            && b[10] == b'T'
            && b[19] == b'.'
            && b[26] == b'Z'
            && ts[20..26].bytes().all(|c| c.is_ascii_digit())
    }
}

/// The whole life of a small configuration as a CI job streams it: the same message
/// types, fields and texts, in the same order, as Terraform 1.15 prints for it.
#[test]
fn json_plan_apply_refresh_destroy_stream_terraforms_messages() {
    let w = Work::main_tf(CONFIG);
    let plan = w.run(&["plan", "-json"]).code(0);
    snap!(w, "ui_json_plan", messages(&plan.stdout));
    let refused = w.run(&["apply", "-json"]).code(1);
    snap!(w, "ui_json_apply_needs_approval", messages(&refused.stdout));
    let apply = w.run(&["apply", "-json", "-auto-approve"]).code(0);
    snap!(w, "ui_json_apply", messages(&apply.stdout));
    let refresh = w.run(&["refresh", "-json"]).code(0);
    snap!(w, "ui_json_refresh", messages(&refresh.stdout));
    let again = w.run(&["plan", "-json"]).code(0);
    snap!(w, "ui_json_plan_no_changes", messages(&again.stdout));
    let destroy = w.run(&["destroy", "-json", "-auto-approve"]).code(0);
    snap!(w, "ui_json_destroy", messages(&destroy.stdout));
    assert!(
        [plan, apply, refresh, again, destroy]
            .iter()
            .all(|o| o.stderr.is_empty()),
        "-json writes everything to stdout"
    );
}

/// An error is a `diagnostic` message with Terraform's range and snippet, and the exit
/// code is still 1.
#[test]
fn json_errors_are_diagnostic_messages_with_range_and_snippet() {
    let w = Work::main_tf("resource \"terraform_data\" \"a\" {\n  input = var.missing\n}\n");
    let out = w.run(&["plan", "-json"]).code(1);
    snap!(w, "ui_json_plan_error", messages(&out.stdout));
}

/// A failing provisioner: `provision_errored` and `apply_errored` as it happens, the
/// diagnostic at the end, exit code 1; a slow one reports `apply_progress` (the period is
/// shortened for the test) until it completes.
#[test]
fn json_apply_reports_failures_and_progress() {
    let w = Work::main_tf(
        r#"
resource "terraform_data" "slow" {
  provisioner "local-exec" {
    command = "sleep 1"
  }
}

resource "terraform_data" "bad" {
  provisioner "local-exec" {
    command = "exit 3"
  }
}
"#,
    );
    let out = w
        .run_with(
            &["apply", "-json", "-auto-approve"],
            &[("TERRANE_PROGRESS_INTERVAL_MS", "200")],
            None,
        )
        .code(1);
    let types: Vec<String> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|m| m["type"] != "apply_progress")
        .map(|m| format!("{} {}", m["type"], m["@message"]))
        .collect();
    for expected in [
        r#""provision_errored" "terraform_data.bad: (local-exec) Provisioning errored""#,
        r#""apply_errored" "terraform_data.bad: Creation errored after "#,
        r#""provision_complete" "terraform_data.slow: (local-exec) Provisioning complete""#,
    ] {
        assert!(
            types.iter().any(|t| t.starts_with(expected)),
            "{expected} in {types:#?}"
        );
    }
    let last = types.last().expect("messages");
    assert!(
        last.starts_with(r#""diagnostic" "Error: local-exec provisioner error""#),
        "{last}"
    );
    let progress: Vec<serde_json::Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|m| m["type"] == "apply_progress")
        .collect();
    let first = progress.first().expect("a slow create reports progress");
    assert_eq!(first["hook"]["resource"]["addr"], "terraform_data.slow");
    assert_eq!(first["hook"]["action"], "create");
    assert!(first["hook"]["elapsed_seconds"].is_u64());
    let message = first["@message"].as_str().unwrap();
    assert!(
        message.starts_with("terraform_data.slow: Still creating... [")
            && message.ends_with("s elapsed]"),
        "{message}"
    );
}

/// Without a terminal, a person's apply shows Terraform's "Still creating..." lines and the
/// time each operation took, and no live summary line (no carriage returns).
#[test]
fn human_apply_shows_elapsed_time_on_plain_lines() {
    let w = Work::main_tf(
        "resource \"terraform_data\" \"slow\" {\n  provisioner \"local-exec\" {\n    command = \"sleep 1\"\n  }\n}\n",
    );
    let out = w
        .run_with(
            &["apply", "-auto-approve"],
            &[("TERRANE_PROGRESS_INTERVAL_MS", "200")],
            None,
        )
        .code(0);
    let still: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.starts_with("terraform_data.slow: Still creating... ["))
        .collect();
    let first = still
        .first()
        .unwrap_or_else(|| panic!("no progress:\n{out}"));
    let elapsed = first
        .trim_start_matches("terraform_data.slow: Still creating... [")
        .trim_end_matches(" elapsed]");
    assert!(
        elapsed.len() == 6 && &elapsed[2..3] == "m" && elapsed.ends_with('s'),
        "{first}"
    );
    assert!(
        out.stdout.lines().any(
            |l| l.starts_with("terraform_data.slow: Creation complete after ")
                && l.contains("s [id=")
        ),
        "{out}"
    );
    assert!(!out.stdout.contains('\r'), "{out}");
}

/// `init -json`: the version message, then init's own messages, in Terraform's layout.
#[test]
fn json_init_streams_terraforms_layout() {
    let w = Work::main_tf(CONFIG);
    let out = w.run(&["init", "-json"]).code(0);
    let types: Vec<String> = messages(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["type"].to_string())
        .collect();
    assert_eq!(types.first().map(String::as_str), Some("\"version\""));
    assert!(
        types
            .iter()
            .skip(1)
            .all(|t| t == "\"init_output\"" || t == "\"log\""),
        "{types:?}"
    );
}

/// An id longer than 80 characters is shown whole when the operation starts, and with its
/// middle cut to `...` in the "Still destroying..." lines, as Terraform shortens it.
#[test]
fn a_long_id_is_shortened_in_the_still_running_lines() {
    let w = Work::main_tf(
        "resource \"terraform_data\" \"slow\" {\n  provisioner \"local-exec\" {\n    when    = destroy\n    command = \"sleep 1\"\n  }\n}\n",
    );
    let id = format!("arn-{}-{}", "x".repeat(40), "y".repeat(50));
    w.run(&["import", "terraform_data.slow", &id]).code(0);
    let out = w
        .run_with(
            &["destroy", "-auto-approve"],
            &[("TERRANE_PROGRESS_INTERVAL_MS", "200")],
            None,
        )
        .code(0);
    let starting = format!("terraform_data.slow: Destroying... [id={id}]");
    assert!(out.stdout.lines().any(|l| l == starting), "{out}");
    let shortened = format!("arn-{}...{}", "x".repeat(35), "y".repeat(38));
    assert_eq!(shortened.chars().count(), 80);
    let still = format!("terraform_data.slow: Still destroying... [id={shortened}, 00m0");
    assert!(
        out.stdout.lines().any(|l| l.starts_with(&still)),
        "no shortened id in the progress lines:\n{out}"
    );
}

/// Under `plan -json` each object in state gets a `refresh_start` and `refresh_complete`
/// pair (with its id) once the batched refresh has read them all, before the data sources
/// are read and the plan is summed up, as Terraform streams them.
#[test]
fn json_refresh_messages_pair_up_after_the_batched_refresh() {
    let w = Work::main_tf(
        "resource \"terraform_data\" \"a\" {}\n\nresource \"terraform_data\" \"b\" {\n  count = 2\n}\n\ndata \"terraform_remote_state\" \"s\" {\n  backend = \"local\"\n  config = {\n    path = \"other.tfstate\"\n  }\n}\n",
    );
    w.write(
        "other.tfstate",
        r#"{"version":4,"terraform_version":"1.15.5","serial":1,"lineage":"x","outputs":{},"resources":[]}"#,
    );
    w.run(&["apply", "-auto-approve"]).code(0);
    let out = w.run(&["plan", "-json"]).code(0);
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
            "refresh_start",
            "refresh_complete",
            "refresh_start",
            "refresh_complete",
            "refresh_start",
            "refresh_complete",
            "apply_start",
            "apply_complete",
            "change_summary"
        ]
    );
    let state = w.state();
    let ids: Vec<&str> = state["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["mode"] == "managed")
        .flat_map(|r| r["instances"].as_array().unwrap())
        .map(|i| i["attributes"]["id"].as_str().unwrap())
        .collect();
    let addrs = [
        "terraform_data.a",
        "terraform_data.b[0]",
        "terraform_data.b[1]",
    ];
    for (addr, id) in addrs.into_iter().zip(ids) {
        let of = |kind: &str| {
            messages
                .iter()
                .find(|m| m["type"] == kind && m["hook"]["resource"]["addr"] == addr)
                .unwrap_or_else(|| panic!("{kind} for {addr}: {out}"))
        };
        let (start, complete) = (of("refresh_start"), of("refresh_complete"));
        assert_eq!(
            start["@message"],
            format!("{addr}: Refreshing state... [id={id}]")
        );
        assert_eq!(
            complete["@message"],
            format!("{addr}: Refresh complete [id={id}]")
        );
        for m in [start, complete] {
            assert_eq!(m["hook"]["id_key"], "id");
            assert_eq!(m["hook"]["id_value"], id);
        }
    }
}

/// `init -json` in Terraform 1.15.5's order and with its message codes and wording:
/// modules, the providers the configuration names (the built-in `terraform` provider
/// said to be built in), the backend, then the lock file note and the success messages.
#[test]
fn json_init_messages_in_terraform_order() {
    let w = Work::main_tf(
        "module \"m\" {\n  source = \"./m\"\n}\n\nresource \"terraform_data\" \"d\" {}\n",
    );
    w.write("m/main.tf", "variable \"x\" {\n  default = 1\n}\n");
    let out = w.run(&["init", "-json"]).code(0);
    snap!(w, "json_init_builtin_and_module", messages(&out.stdout));
}

/// A provider from a filesystem mirror: the installer's progress as Terraform's `log`
/// messages, and the lock file note (`lock_info`) after the backend, where Terraform
/// gives it; a second init reuses the locked version.
#[test]
fn json_init_of_a_provider_from_a_mirror() {
    let mirror = null_mirror();
    let rc = mirror.path().join("terraformrc");
    let env = [
        ("TF_CLI_CONFIG_FILE", rc.to_str().unwrap()),
        ("TERRANE_PLUGIN_ONLY", "hashicorp/null"),
    ];
    let w = Work::main_tf(
        "terraform {\n  required_providers {\n    null = { source = \"hashicorp/null\" }\n  }\n}\n\nresource \"null_resource\" \"n\" {}\n",
    );
    let first = w.run_with(&["init", "-json"], &env, None).code(0);
    let again = w.run_with(&["init", "-json"], &env, None).code(0);
    snap!(
        w,
        "json_init_provider_from_mirror",
        format!(
            "{}\n--- again\n{}",
            messages(&first.stdout),
            messages(&again.stdout)
        )
    );
}

/// A filesystem mirror holding the null provider's plugin, with a CLI configuration
/// (`terraformrc` in it) that installs from it.
fn null_mirror() -> tempfile::TempDir {
    let mirror = tempfile::tempdir().unwrap();
    let to = mirror
        .path()
        .join("registry.terraform.io/hashicorp/null/2.1.2/linux_amd64");
    std::fs::create_dir_all(&to).unwrap();
    let plugin = terrane_test_support::plugins::null_provider().unwrap_or_else(|e| panic!("{e}"));
    std::fs::copy(
        plugin,
        to.join(terrane_test_support::plugins::NULL_PROVIDER_FILE),
    )
    .unwrap();
    std::fs::write(
        mirror.path().join("terraformrc"),
        format!(
            "provider_installation {{\n  filesystem_mirror {{\n    path = \"{}\"\n  }}\n}}\n",
            mirror.path().display()
        ),
    )
    .unwrap();
    mirror
}

/// A provider only the state names (its resources were removed from the configuration)
/// is installed in Terraform 1.15's second step, after the backend, then reused from the
/// lock file; the lock file, holding only this platform's checksum after a mirror
/// install, draws Terraform's "Incomplete lock file information" warning.
#[test]
fn init_installs_the_providers_only_the_state_names() {
    let mirror = null_mirror();
    let rc = mirror.path().join("terraformrc");
    let env = [
        ("TF_CLI_CONFIG_FILE", rc.to_str().unwrap()),
        ("TERRANE_PLUGIN_ONLY", "hashicorp/null"),
    ];
    let w = Work::main_tf("resource \"terraform_data\" \"d\" {}\n");
    w.write(
        "terraform.tfstate",
        r#"{"version": 4, "terraform_version": "1.15.5", "serial": 1, "lineage": "3f1c9a5e-0000-4000-8000-000000000001", "outputs": {}, "resources": [{"mode": "managed", "type": "null_resource", "name": "n", "provider": "provider[\"registry.terraform.io/hashicorp/null\"]", "instances": [{"schema_version": 0, "attributes": {"id": "1", "triggers": null}, "sensitive_attributes": []}]}]}"#,
    );
    let first = w.run_with(&["init", "-json"], &env, None).code(0);
    let again = w.run_with(&["init", "-no-color"], &env, None).code(0);
    snap!(
        w,
        "init_state_providers",
        format!("{}\n--- again\n{}", messages(&first.stdout), again.stdout)
    );
}

/// `init -backend=false` still reads the state of the backend a previous init chose (the
/// local one when there was none) for the providers only it names, as Terraform 1.15.5
/// does; the output, spaced as Terraform's for the same directory: each step ends with
/// an empty line, the skipped backend's too, and no heading starts with one.
#[test]
fn init_without_backend_installs_the_providers_only_the_state_names() {
    let mirror = null_mirror();
    let rc = mirror.path().join("terraformrc");
    let env = [
        ("TF_CLI_CONFIG_FILE", rc.to_str().unwrap()),
        ("TERRANE_PLUGIN_ONLY", "hashicorp/null"),
    ];
    let w = Work::main_tf("resource \"terraform_data\" \"d\" {}\n");
    w.write(
        "terraform.tfstate",
        r#"{"version": 4, "terraform_version": "1.15.5", "serial": 1, "lineage": "3f1c9a5e-0000-4000-8000-000000000001", "outputs": {}, "resources": [{"mode": "managed", "type": "null_resource", "name": "n", "provider": "provider[\"registry.terraform.io/hashicorp/null\"]", "instances": [{"schema_version": 0, "attributes": {"id": "1", "triggers": null}, "sensitive_attributes": []}]}]}"#,
    );
    let out = w
        .run_with(&["init", "-backend=false", "-no-color"], &env, None)
        .code(0);
    assert!(
        w.read(".terraform.lock.hcl")
            .contains("provider \"registry.terraform.io/hashicorp/null\""),
        "the state's provider is locked"
    );
    snap!(w, "init_without_backend_state_providers", out.stdout);
}

/// Applying a saved plan under -json streams what Terraform does: the planned changes
/// (no summary of the plan), the operations, the summary and the outputs, even when there
/// are none.
#[test]
fn json_apply_of_a_saved_plan() {
    let w = Work::main_tf("resource \"terraform_data\" \"a\" {\n  input = 1\n}\n");
    w.run(&["plan", "-out", "p.tfplan"]).code(0);
    let out = w.run(&["apply", "-json", "p.tfplan"]).code(0);
    let types: Vec<String> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["type"].to_string())
        .collect();
    assert_eq!(
        types,
        [
            "\"version\"",
            "\"planned_change\"",
            "\"apply_start\"",
            "\"apply_complete\"",
            "\"change_summary\"",
            "\"outputs\""
        ],
        "{out}"
    );
}

/// Under -json an unset required variable is an error diagnostic, never a prompt in the
/// middle of the stream (as Terraform).
#[test]
fn json_never_prompts() {
    let w = Work::main_tf("variable \"v\" {}\n");
    let out = w.run_with(&["plan", "-json"], &[], Some("typed\n")).code(1);
    assert!(!out.stdout.contains("Enter a value"), "{out}");
    assert!(
        out.stdout
            .contains(r#""@message":"Error: No value for required variable""#),
        "{out}"
    );
}

/// `terrane test -json`: Terraform's test messages (the abstract, each file and run as it
/// starts and ends, the teardown of the runs that made objects, a failed assertion's
/// diagnostic with both sides, the summary), the same as Terraform 1.15.5 streams for
/// these files.
#[test]
fn json_test_streams_terraforms_test_messages() {
    let w = Work::main_tf(
        r#"
variable "name" {
  type    = string
  default = "demo"
}
resource "terraform_data" "a" {
  input = var.name
}
output "name" {
  value = terraform_data.a.output
}
"#,
    );
    w.write("ok.tftest.hcl", "run \"ok\" {\n  command = apply\n}\n");
    w.write(
        "tests/main.tftest.hcl",
        r#"run "passes" {
  command = plan
  assert {
    condition     = var.name == "demo"
    error_message = "wrong name"
  }
}

run "fails" {
  command = apply
  variables {
    name = "other"
  }
  assert {
    condition     = output.name == "demo"
    error_message = "name is not demo"
  }
}

run "after" {
  command = plan
}
"#,
    );
    let out = w.run(&["test", "-json"]).code(1);
    snap!(w, "ui_json_test", messages(&out.stdout));
}

/// A data source read while planning: Terraform's `apply_start` and `apply_complete`
/// with action `read` under -json, "Reading..." and "Read complete" lines for people.
#[test]
fn data_source_reads_are_reported_while_planning() {
    let w = Work::main_tf(
        r#"
data "terraform_remote_state" "other" {
  backend = "local"
  config = {
    path = "other.tfstate"
  }
}
"#,
    );
    w.write(
        "other.tfstate",
        r#"{"version": 4, "terraform_version": "1.15.5", "serial": 1, "lineage": "l", "outputs": {"x": {"value": "y", "type": "string"}}, "resources": []}"#,
    );
    let out = w.run(&["plan", "-json"]).code(0);
    let reads: Vec<String> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|m| m["hook"]["action"] == "read")
        .map(|m| format!("{} {}", m["type"], m["@message"]))
        .collect();
    assert_eq!(reads.len(), 2, "{}", out.stdout);
    assert_eq!(
        reads[0],
        r#""apply_start" "data.terraform_remote_state.other: Refreshing...""#
    );
    assert!(
        reads[1].starts_with(
            r#""apply_complete" "data.terraform_remote_state.other: Refresh complete after "#
        ),
        "{reads:?}"
    );
    let human = w.run(&["plan"]).code(0);
    assert!(
        human
            .stdout
            .starts_with("data.terraform_remote_state.other: Reading...\ndata.terraform_remote_state.other: Read complete after "),
        "{human}"
    );
}
