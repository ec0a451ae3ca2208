//! Drift detection and approved apply (issue #6), end to end: the real `terrane` binary
//! against the moto AWS emulator, with changes made out of band through the AWS SDK.
//!
//! Every test works in a scratch directory and a VPC of its own (its own CIDR and name), so
//! the tests can share the one moto server of this process and run in parallel.

use std::net::TcpListener;
use std::path::Path;

use aws_sdk_ec2::types::{Filter, IpPermission, IpRange, Tag};
use serde_json::Value as Json;
use terrane_test_support::cli::{self, Out};

const BIN: &str = env!("CARGO_BIN_EXE_terrane");

/// The JSON a run printed.
fn json(o: &Out) -> Json {
    serde_json::from_str(&o.stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{o}"))
}

/// One test's stack: a scratch directory with a `main.tf` and the VPC name and CIDR the
/// configuration uses.
struct Stack {
    dir: tempfile::TempDir,
    name: String,
    cidr: String,
    /// The body of the `provider "aws"` block.
    provider: String,
    /// Environment for terrane runs (moto's, unless a test points it elsewhere).
    env: Vec<(&'static str, String)>,
}

impl Stack {
    /// A stack named `terrane-drift-<name>` in 10.<octet>.0.0/16; `vpc_extra` goes inside
    /// the aws_vpc block and `extra` at the end of main.tf.
    fn new(name: &str, octet: u8, vpc_extra: &str, extra: &str) -> Stack {
        Stack::with_provider(name, octet, "", vpc_extra, extra)
    }

    fn with_provider(name: &str, octet: u8, provider: &str, vpc_extra: &str, extra: &str) -> Stack {
        let s = Stack {
            dir: tempfile::Builder::new()
                .prefix("terrane-drift-")
                .tempdir()
                .unwrap(),
            name: format!("terrane-drift-{name}"),
            cidr: format!("10.{octet}.0.0/16"),
            provider: provider.to_string(),
            env: terrane_test_support::moto().env(),
        };
        s.write_config(&s.name.clone(), vpc_extra, extra);
        s.run(&["init"]).code(0);
        s
    }

    /// (Re)writes main.tf with the VPC's Name tag `vpc_name`.
    fn write_config(&self, vpc_name: &str, vpc_extra: &str, extra: &str) {
        let text = format!(
            r#"provider "aws" {{{provider}}}

resource "aws_vpc" "main" {{
  cidr_block = "{cidr}"
  tags       = {{ Name = "{vpc_name}" }}
{vpc_extra}
}}

resource "aws_subnet" "a" {{
  vpc_id     = aws_vpc.main.id
  cidr_block = cidrsubnet(aws_vpc.main.cidr_block, 8, 1)
  tags       = {{ Name = "{name}-a" }}
}}

resource "aws_security_group" "web" {{
  name   = "{name}-web"
  vpc_id = aws_vpc.main.id
  ingress {{
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }}
}}
{extra}
"#,
            cidr = self.cidr,
            name = self.name,
            provider = self.provider,
        );
        self.write("main.tf", &text);
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn write(&self, file: &str, text: &str) {
        let p = self.path().join(file);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    fn run(&self, args: &[&str]) -> Out {
        self.run_with(args, &[])
    }

    /// `terrane SUB -no-color REST...` here, with the stack's environment plus `env`.
    fn run_with(&self, args: &[&str], env: &[(&str, &str)]) -> Out {
        let mut all: Vec<(&str, &str)> = self.env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        all.extend_from_slice(env);
        cli::run(BIN, self.path(), args, &all)
    }

    fn state_bytes(&self) -> Vec<u8> {
        std::fs::read(self.path().join("terraform.tfstate")).expect("state file")
    }

    /// The id of a resource in state.
    fn id(&self, addr: &str) -> String {
        let state: Json = serde_json::from_slice(&self.state_bytes()).unwrap();
        let (ty, name) = addr.split_once('.').unwrap();
        state["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["type"] == ty && r["name"] == name)
            .and_then(|r| r["instances"][0]["attributes"]["id"].as_str())
            .unwrap_or_else(|| panic!("{addr} is not in state"))
            .to_string()
    }
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

/// An EC2 client on the moto server, for out-of-band changes and checks.
fn ec2() -> aws_sdk_ec2::Client {
    let m = terrane_test_support::moto();
    let conf = block_on(
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .endpoint_url(&m.endpoint)
            .region(aws_config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_ec2::config::Credentials::new(
                "test", "test", None, None, "test",
            ))
            .load(),
    );
    aws_sdk_ec2::Client::new(&conf)
}

fn set_name_tag(c: &aws_sdk_ec2::Client, id: &str, value: &str) {
    block_on(
        c.create_tags()
            .resources(id)
            .tags(Tag::builder().key("Name").value(value).build())
            .send(),
    )
    .expect("CreateTags");
}

/// The Name tag of a VPC, read with the SDK.
fn vpc_name_tag(c: &aws_sdk_ec2::Client, id: &str) -> String {
    let out = block_on(c.describe_vpcs().vpc_ids(id).send()).expect("DescribeVpcs");
    out.vpcs()[0]
        .tags()
        .iter()
        .find(|t| t.key() == Some("Name"))
        .and_then(|t| t.value())
        .unwrap_or_default()
        .to_string()
}

/// How many VPCs have this Name tag.
fn vpcs_named(c: &aws_sdk_ec2::Client, name: &str) -> usize {
    let f = Filter::builder().name("tag:Name").values(name).build();
    block_on(c.describe_vpcs().filters(f).send())
        .expect("DescribeVpcs")
        .vpcs()
        .len()
}

/// Adds an SSH rule from 10.0.0.0/8 to a security group.
fn add_ssh_rule(c: &aws_sdk_ec2::Client, sg: &str) {
    block_on(
        c.authorize_security_group_ingress()
            .group_id(sg)
            .ip_permissions(
                IpPermission::builder()
                    .ip_protocol("tcp")
                    .from_port(22)
                    .to_port(22)
                    .ip_ranges(IpRange::builder().cidr_ip("10.0.0.0/8").build())
                    .build(),
            )
            .send(),
    )
    .expect("AuthorizeSecurityGroupIngress");
}

/// The drifted entries of the only workspace of a JSON drift report, by address.
fn drifted(report: &Json) -> Vec<(String, Json)> {
    let ws = report["workspaces"].as_array().unwrap();
    assert_eq!(ws.len(), 1, "{report:#}");
    ws[0]["drifted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["address"].as_str().unwrap().to_string(), d.clone()))
        .collect()
}

fn find<'a>(entries: &'a [(String, Json)], addr: &str) -> Option<&'a Json> {
    entries.iter().find(|(a, _)| a == addr).map(|(_, d)| d)
}

fn attribute<'a>(entry: &'a Json, path: &str) -> Option<&'a Json> {
    entry["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["path"] == path)
}

#[test]
fn drift_reports_changes_made_outside_terrane() {
    let s = Stack::new("report", 61, "", "");
    s.run(&["apply", "-auto-approve"]).code(0);
    let in_sync = s.run(&["drift"]).code(0);
    assert!(in_sync.stdout.contains("No drift"), "{in_sync}");
    let in_sync = json(&s.run(&["drift", "-json"]).code(0));
    assert_eq!(in_sync["in_sync"], true, "{in_sync:#}");

    let c = ec2();
    let (vpc, subnet, sg) = (
        s.id("aws_vpc.main"),
        s.id("aws_subnet.a"),
        s.id("aws_security_group.web"),
    );
    set_name_tag(&c, &vpc, "edited-out-of-band");
    add_ssh_rule(&c, &sg);
    block_on(c.delete_subnet().subnet_id(&subnet).send()).expect("DeleteSubnet");

    let human = s.run(&["drift"]).code(2);
    for line in [
        "# aws_vpc.main has changed outside terrane",
        "~ \"Name\" = \"terrane-drift-report\" -> \"edited-out-of-band\"",
        "# aws_security_group.web has changed outside terrane",
        "# aws_subnet.a has been deleted outside terrane",
    ] {
        assert!(human.stdout.contains(line), "missing {line:?}:\n{human}");
    }

    let out = s.run(&["drift", "-json"]).code(2);
    let report = json(&out);
    assert_eq!(report["format_version"], "1.0");
    assert_eq!(report["in_sync"], false);
    let d = drifted(&report);
    let v = find(&d, "aws_vpc.main").unwrap_or_else(|| panic!("{report:#}"));
    assert_eq!(v["change"], "changed");
    let name = attribute(v, "tags.Name").unwrap_or_else(|| panic!("{v:#}"));
    assert_eq!(name["before"], "terrane-drift-report");
    assert_eq!(name["after"], "edited-out-of-band");
    assert_eq!(name["sensitive"], false);
    let g = find(&d, "aws_security_group.web").unwrap_or_else(|| panic!("{report:#}"));
    assert_eq!(g["change"], "changed");
    let ingress = g["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["path"].as_str().unwrap().starts_with("ingress"))
        .unwrap_or_else(|| panic!("no ingress change: {g:#}"));
    assert!(
        ingress["after"].to_string().contains("10.0.0.0/8")
            && !ingress["before"].to_string().contains("10.0.0.0/8"),
        "{ingress:#}"
    );
    let sub = find(&d, "aws_subnet.a").unwrap_or_else(|| panic!("{report:#}"));
    assert_eq!(sub["change"], "deleted");
    assert_eq!(sub["attributes"], serde_json::json!([]));

    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.add_filter(r"\b(vpc|subnet|sg)-[0-9a-f]{8,17}\b", "$1-[ID]");
    settings.bind(|| {
        insta::assert_snapshot!("drift_report_json", out.stdout);
        // The human report shows each object's diff as the plan does: the added rule as
        // one `+ ingress` block, the other rule hidden as unchanged.
        insta::assert_snapshot!("drift_report_human", human.stdout);
    });

    let md = s.run(&["drift", "-markdown"]).code(2);
    assert!(
        md.stdout.contains(
            "| `aws_vpc.main` | changed | `tags.Name` | `\"terrane-drift-report\"` | `\"edited-out-of-band\"` |"
        ),
        "{md}"
    );
    assert!(
        md.stdout
            .contains("| `aws_subnet.a` | deleted outside terrane | | | |"),
        "{md}"
    );
    // The added rule's row shows the rules the group had before, not `null`.
    let ingress_row = md
        .stdout
        .lines()
        .find(|l| l.contains("| `ingress` |"))
        .unwrap_or_else(|| panic!("{md}"));
    assert!(
        !ingress_row.contains("| `null` |") && ingress_row.matches("10.0.0.0/8").count() == 1,
        "{ingress_row}"
    );
    assert!(
        md.stdout
            .contains("<details><summary>Changes outside terrane</summary>"),
        "{md}"
    );

    s.run(&["plan", "-detailed-exitcode"]).code(2);
}

#[test]
fn drift_honours_ignore_changes_and_the_ignore_file() {
    let s = Stack::new(
        "ignore",
        62,
        "  lifecycle {\n    ignore_changes = [tags]\n  }",
        "",
    );
    s.run(&["apply", "-auto-approve"]).code(0);
    let c = ec2();
    set_name_tag(&c, &s.id("aws_vpc.main"), "renamed-by-someone");
    // ignore_changes = [tags]: no tags.* drift, and plan would not change the VPC.
    let report = json(&s.run(&["drift", "-json"]));
    for (_, d) in drifted(&report) {
        assert!(attribute(&d, "tags.Name").is_none(), "{report:#}");
    }
    assert_eq!(
        report["workspaces"][0]["config_changes"],
        serde_json::json!([]),
        "{report:#}"
    );
    s.write(".terrane/drift-ignore", "*   tags_all.*\n");
    let out = s.run(&["drift"]).code(0);
    assert!(out.stdout.contains("No drift"), "{out}");

    add_ssh_rule(&c, &s.id("aws_security_group.web"));
    let out = s.run(&["drift", "-json"]).code(2);
    let d = drifted(&json(&out));
    assert!(find(&d, "aws_security_group.web").is_some(), "{out}");
    assert!(find(&d, "aws_vpc.main").is_none(), "{out}");

    s.write(
        ".terrane/drift-ignore",
        "*   tags_all.*\n# rules added by hand in the console\naws_security_group.*   ingress*\n",
    );
    let out = s.run(&["drift", "-json"]);
    let report = json(&out);
    assert!(drifted(&report).is_empty(), "{out}");
    let ignored = out.code(0);
    assert!(!ignored.stdout.contains("aws_security_group"), "{ignored}");
    // Without the ignore file (-ignore-file names an empty one) both changes are reported.
    s.write("empty-ignore", "");
    let out = s.run(&["drift", "-ignore-file=empty-ignore"]).code(2);
    assert!(
        out.stdout
            .contains("# aws_security_group.web has changed outside terrane"),
        "{out}"
    );
}

#[test]
fn drift_is_an_error_when_the_api_is_unreachable() {
    // The provider's default of 25 retries with backoff would take minutes to give up.
    let mut s = Stack::with_provider("unreachable", 63, " max_retries = 1 ", "", "");
    s.run(&["apply", "-auto-approve"]).code(0);
    let before = s.state_bytes();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    for (k, v) in &mut s.env {
        if *k == "AWS_ENDPOINT_URL" {
            *v = format!("http://127.0.0.1:{port}");
        }
    }
    for args in [&["drift"][..], &["drift", "-json"], &["drift", "-markdown"]] {
        let out = s.run(args).code(1);
        // No report at all (so nothing that could read as "in sync"), and the cause.
        assert_eq!(out.stdout, "", "{out}");
        assert!(out.stderr.contains("Connection refused"), "{out}");
    }
    assert_eq!(s.state_bytes(), before, "drift must not write state");
    assert!(!s.path().join(".terraform.tfstate.lock.info").exists());
}

#[test]
fn saved_plan_is_refused_when_the_world_moved() {
    let s = Stack::new("saved", 64, "", "");
    s.run(&["apply", "-auto-approve"]).code(0);
    let c = ec2();
    let vpc = s.id("aws_vpc.main");

    // The world moved: the approved tag change no longer matches what re-reading shows.
    s.write_config("approved-v2", "", "");
    s.run(&["plan", "-out=tfplan"]).code(0);
    set_name_tag(&c, &vpc, "changed-by-hand");
    let serial = s.state_bytes();
    let out = s.run(&["apply", "tfplan"]).code(1);
    assert!(
        out.stderr.contains("Saved plan no longer matches reality"),
        "{out}"
    );
    assert!(out.stderr.contains("aws_vpc.main"), "{out}");
    assert!(out.stderr.contains("Nothing was changed"), "{out}");
    assert_eq!(vpc_name_tag(&c, &vpc), "changed-by-hand");
    assert_eq!(
        s.state_bytes(),
        serial,
        "a refused apply must not write state"
    );
    assert!(!s.path().join(".terraform.tfstate.lock.info").exists());

    // The state moved: another apply ran after the plan was made.
    s.run(&["plan", "-out=tfplan"]).code(0);
    s.run(&["apply", "-auto-approve"]).code(0);
    assert_eq!(vpc_name_tag(&c, &vpc), "approved-v2");
    let out = s.run(&["apply", "tfplan"]).code(1);
    assert!(out.stderr.contains("Saved plan is stale"), "{out}");
    assert!(out.stderr.contains("serial"), "{out}");

    // Nothing moved: the saved plan is applied, exactly.
    s.write_config("approved-v3", "", "");
    let plan = s.run(&["plan", "-out=tfplan"]).code(0);
    assert!(
        plan.stdout
            .contains("Plan: 0 to add, 1 to change, 0 to destroy."),
        "{plan}"
    );
    let out = s.run(&["apply", "tfplan"]).code(0);
    assert!(
        out.stdout
            .contains("Apply complete! Resources: 0 added, 1 changed, 0 destroyed."),
        "{out}"
    );
    assert_eq!(vpc_name_tag(&c, &vpc), "approved-v3");
    s.run(&["plan", "-detailed-exitcode"]).code(0);
    s.run(&["drift"]).code(0);
}

#[test]
fn no_secret_in_plan_files_or_outputs() {
    const SECRET: &str = "s3cr3t-Pa55w0rd-for-drift-e2e";
    let extra = r#"
variable "db_password" {
  type      = string
  sensitive = true
}

resource "terraform_data" "db" {
  input = { password = var.db_password, vpc = aws_vpc.main.id }
}
"#;
    let s = Stack::new("secret", 65, "", extra);
    let secret = [("TF_VAR_db_password", SECRET)];
    let other = [("TF_VAR_db_password", "another-password")];
    let no_secret = |what: &str, text: &[u8]| {
        let text = String::from_utf8_lossy(text);
        assert!(
            !text.contains(SECRET),
            "{what} contains the secret:\n{text}"
        );
    };

    let plan = s.run_with(&["plan", "-out=tfplan"], &secret).code(0);
    no_secret("plan output", plan.to_string().as_bytes());
    no_secret(
        "the plan file",
        &std::fs::read(s.path().join("tfplan")).unwrap(),
    );
    let show = s.run_with(&["show", "-json", "tfplan"], &secret).code(0);
    json(&show);
    no_secret("show -json tfplan", show.to_string().as_bytes());
    let show = s.run(&["show", "tfplan"]).code(0);
    no_secret("show tfplan", show.to_string().as_bytes());

    // A sensitive variable must be supplied again: without it, or with a different value,
    // the saved plan is refused; with the same value it is applied.
    let out = s.run(&["apply", "tfplan"]).code(1);
    no_secret("apply output", out.to_string().as_bytes());
    let out = s.run_with(&["apply", "tfplan"], &other).code(1);
    assert!(out.stderr.contains("Saved plan is stale"), "{out}");
    assert!(out.stderr.contains("\"db_password\""), "{out}");
    no_secret("apply output", out.to_string().as_bytes());
    assert_eq!(
        vpcs_named(&ec2(), "terrane-drift-secret"),
        0,
        "a refused plan created a VPC"
    );
    let out = s.run_with(&["apply", "tfplan"], &secret).code(0);
    no_secret("apply output", out.to_string().as_bytes());

    let drift = s.run_with(&["drift", "-json"], &secret).code(0);
    no_secret("drift -json", drift.to_string().as_bytes());
    // With another value the configuration no longer matches: reported, still no secret.
    let drift = s.run_with(&["drift", "-json"], &other).code(2);
    no_secret("drift -json", drift.to_string().as_bytes());
    assert!(!drift.stdout.contains("another-password"), "{drift}");
    let report = json(&drift);
    assert_eq!(
        report["workspaces"][0]["config_changes"][0]["address"], "terraform_data.db",
        "{report:#}"
    );
    let drift = s.run_with(&["drift"], &other).code(2);
    no_secret("drift", drift.to_string().as_bytes());
    let drift = s.run_with(&["drift", "-markdown"], &other).code(2);
    no_secret("drift -markdown", drift.to_string().as_bytes());

    // A second saved plan, made with the secret, refused with another value.
    s.write_config("secret-v2", "", extra);
    let plan = s.run_with(&["plan", "-out=tfplan2"], &secret).code(0);
    no_secret("plan output", plan.to_string().as_bytes());
    no_secret(
        "the plan file",
        &std::fs::read(s.path().join("tfplan2")).unwrap(),
    );
    let out = s.run_with(&["apply", "tfplan2"], &other).code(1);
    assert!(out.stderr.contains("Saved plan is stale"), "{out}");
    assert!(out.stderr.contains("\"db_password\""), "{out}");
    no_secret("apply output", out.to_string().as_bytes());
    let c = ec2();
    assert_eq!(
        vpc_name_tag(&c, &s.id("aws_vpc.main")),
        "terrane-drift-secret"
    );
    s.run_with(&["apply", "tfplan2"], &secret).code(0);
    assert_eq!(vpc_name_tag(&c, &s.id("aws_vpc.main")), "secret-v2");
}
