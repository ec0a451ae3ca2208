//! The AWS provider as a user meets it through the `terrane` binary (issue #4): the errors
//! for a missing region or missing credentials, provider aliases, the data sources, and
//! adopting existing objects with `terrane import` and with `import {}` blocks.

use std::path::Path;

use serde_json::Value as Json;
use terrane_test_support::cli::{self, Out};

const BIN: &str = env!("CARGO_BIN_EXE_terrane");

/// Runs `terrane ARGS` in `dir` with only `env` (see [`cli::run_isolated`]).
fn terrane(dir: &Path, args: &[&str], env: &[(&str, String)]) -> Out {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    cli::run_isolated(BIN, dir, args, &env)
}

/// A scratch directory holding `main.tf`.
fn project(main_tf: &str) -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("terrane-aws-")
        .tempdir()
        .unwrap();
    std::fs::write(dir.path().join("main.tf"), main_tf).unwrap();
    dir
}

fn moto_env() -> Vec<(&'static str, String)> {
    terrane_test_support::moto().env()
}

fn ec2(region: &str) -> aws_sdk_ec2::Client {
    let m = terrane_test_support::moto();
    let conf = aws_sdk_ec2::Config::builder()
        .behavior_version(aws_sdk_ec2::config::BehaviorVersion::latest())
        .region(aws_sdk_ec2::config::Region::new(region.to_string()))
        .endpoint_url(&m.endpoint)
        .credentials_provider(aws_sdk_ec2::config::Credentials::new(
            "test", "test", None, None, "test",
        ))
        .build();
    aws_sdk_ec2::Client::from_conf(conf)
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

const ONE_VPC: &str =
    "provider \"aws\" {}\nresource \"aws_vpc\" \"v\" {\n  cidr_block = \"10.90.0.0/16\"\n}\n";

#[test]
fn a_missing_region_is_one_clear_error_before_any_plan_work() {
    let dir = project(ONE_VPC);
    terrane(dir.path(), &["init"], &[]).code(0);
    let creds = [
        ("AWS_ACCESS_KEY_ID", "test".to_string()),
        ("AWS_SECRET_ACCESS_KEY", "test".to_string()),
    ];
    let out = terrane(dir.path(), &["plan"], &creds).code(1);
    assert!(
        out.stderr.contains("No AWS region configured"),
        "{}",
        out.stderr
    );
    for hint in ["region", "AWS_REGION", "AWS_PROFILE"] {
        assert!(out.stderr.contains(hint), "{hint}: {}", out.stderr);
    }
    assert!(!out.stdout.contains("to add"), "{}", out.stdout);
}

#[test]
fn missing_credentials_are_one_clear_error_naming_what_to_set() {
    let dir = project(ONE_VPC);
    terrane(dir.path(), &["init"], &[]).code(0);
    let region = [("AWS_REGION", "us-east-1".to_string())];
    let out = terrane(dir.path(), &["plan"], &region).code(1);
    assert!(
        out.stderr.contains("No valid credential sources found"),
        "{}",
        out.stderr
    );
    for hint in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"] {
        assert!(out.stderr.contains(hint), "{hint}: {}", out.stderr);
    }
}

#[test]
fn aliases_and_data_sources() {
    let dir = project(
        r#"
provider "aws" {}
provider "aws" {
  alias  = "west"
  region = "us-west-2"
}
data "aws_availability_zones" "available" {
  state = "available"
}
data "aws_caller_identity" "me" {}
data "aws_region" "west" {
  provider = aws.west
}
resource "aws_vpc" "east" {
  cidr_block = "10.91.0.0/16"
}
resource "aws_vpc" "west" {
  provider   = aws.west
  cidr_block = "10.92.0.0/16"
}
resource "aws_subnet" "a" {
  count             = 2
  vpc_id            = aws_vpc.east.id
  cidr_block        = cidrsubnet(aws_vpc.east.cidr_block, 8, count.index)
  availability_zone = data.aws_availability_zones.available.names[count.index]
}
data "aws_vpc" "east" {
  id = aws_vpc.east.id
}
data "aws_subnets" "east" {
  filter {
    name   = "vpc-id"
    values = [aws_vpc.east.id]
  }
  depends_on = [aws_subnet.a]
}
output "azs" { value = data.aws_availability_zones.available.names }
output "account" { value = data.aws_caller_identity.me.account_id }
output "west" { value = data.aws_region.west.name }
output "cidr" { value = data.aws_vpc.east.cidr_block }
output "subnets" { value = length(data.aws_subnets.east.ids) }
output "west_vpc" { value = aws_vpc.west.id }
"#,
    );
    let env = moto_env();
    terrane(dir.path(), &["init"], &env).code(0);
    terrane(dir.path(), &["apply", "-auto-approve"], &env).code(0);
    let out = terrane(dir.path(), &["output", "-json"], &env).code(0);
    let o: Json = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(o["azs"]["value"][0], "us-east-1a", "{o}");
    assert_eq!(o["account"]["value"], "123456789012");
    assert_eq!(o["west"]["value"], "us-west-2");
    assert_eq!(o["cidr"]["value"], "10.91.0.0/16");
    assert_eq!(o["subnets"]["value"], 2);
    // The aliased VPC lives in us-west-2, not in the default region.
    let west = o["west_vpc"]["value"].as_str().unwrap().to_string();
    let found = |region: &str| {
        let c = ec2(region);
        let id = west.clone();
        block_on(async move {
            let f = aws_sdk_ec2::types::Filter::builder()
                .name("vpc-id")
                .values(id)
                .build();
            let out = c.describe_vpcs().filters(f).send().await.unwrap();
            out.vpcs().len()
        })
    };
    assert_eq!((found("us-west-2"), found("us-east-1")), (1, 0));
    terrane(dir.path(), &["plan", "-detailed-exitcode"], &env).code(0);
    terrane(dir.path(), &["destroy", "-auto-approve"], &env).code(0);
    assert_eq!(found("us-west-2"), 0);
}

#[test]
fn existing_objects_are_adopted_by_import_command_and_import_blocks() {
    // Made outside terrane: a VPC and a security group in it.
    let c = ec2("us-east-1");
    let (vpc, sg) = block_on(async {
        let v = c
            .create_vpc()
            .cidr_block("10.93.0.0/16")
            .send()
            .await
            .unwrap();
        let vpc = v.vpc().and_then(|v| v.vpc_id()).unwrap().to_string();
        let g = c
            .create_security_group()
            .group_name("adopted-sg")
            .description("made by hand")
            .vpc_id(&vpc)
            .send()
            .await
            .unwrap();
        (vpc, g.group_id().unwrap().to_string())
    });
    let dir = project(&format!(
        r#"
provider "aws" {{}}
import {{
  to = aws_vpc.v
  id = "{vpc}"
}}
resource "aws_vpc" "v" {{
  cidr_block = "10.93.0.0/16"
}}
resource "aws_security_group" "sg" {{
  name        = "adopted-sg"
  description = "made by hand"
  vpc_id      = aws_vpc.v.id
}}
"#
    ));
    let env = moto_env();
    terrane(dir.path(), &["init"], &env).code(0);
    let out = terrane(dir.path(), &["import", "aws_security_group.sg", &sg], &env).code(0);
    assert!(out.stdout.contains("Import successful"), "{}", out.stdout);
    // The import block is planned as an import with no change; the group is in state.
    let out = terrane(dir.path(), &["plan", "-no-color"], &env).code(0);
    assert!(out.stdout.contains("1 to import"), "{}", out.stdout);
    assert!(
        out.stdout.contains("0 to add, 0 to change, 0 to destroy"),
        "{}",
        out.stdout
    );
    terrane(dir.path(), &["apply", "-auto-approve"], &env).code(0);
    terrane(dir.path(), &["plan", "-detailed-exitcode"], &env).code(0);
    terrane(dir.path(), &["destroy", "-auto-approve"], &env).code(0);
    let left = block_on(async {
        let f = aws_sdk_ec2::types::Filter::builder()
            .name("vpc-id")
            .values(&vpc)
            .build();
        c.describe_vpcs()
            .filters(f)
            .send()
            .await
            .unwrap()
            .vpcs()
            .len()
    });
    assert_eq!(left, 0);
}

#[test]
fn a_profile_and_an_assumed_role_supply_region_and_credentials() {
    let dir = project(ONE_VPC);
    // Only a named profile in ~/.aws (HOME is the project directory here), and EC2's own
    // endpoint variable.
    let aws = dir.path().join(".aws");
    std::fs::create_dir_all(&aws).unwrap();
    std::fs::write(
        aws.join("credentials"),
        "[dev]\naws_access_key_id = test\naws_secret_access_key = test\n",
    )
    .unwrap();
    std::fs::write(aws.join("config"), "[profile dev]\nregion = us-east-1\n").unwrap();
    let endpoint = terrane_test_support::moto().endpoint.clone();
    let env = [
        ("AWS_PROFILE", "dev".to_string()),
        ("AWS_ENDPOINT_URL_EC2", endpoint.clone()),
    ];
    terrane(dir.path(), &["init"], &env).code(0);
    let out = terrane(dir.path(), &["plan", "-detailed-exitcode"], &env).code(2);
    assert!(out.stdout.contains("1 to add"), "{}", out.stdout);

    // The same through the provider block, assuming a role (STS on moto).
    let with_role = ONE_VPC.replace(
        "provider \"aws\" {}",
        "provider \"aws\" {\n  profile = \"dev\"\n  assume_role {\n    role_arn = \"arn:aws:iam::123456789012:role/terrane-test\"\n  }\n}",
    );
    std::fs::write(dir.path().join("main.tf"), with_role).unwrap();
    let env = [("AWS_ENDPOINT_URL", endpoint)];
    let out = terrane(dir.path(), &["plan", "-detailed-exitcode"], &env).code(2);
    assert!(out.stdout.contains("1 to add"), "{}", out.stdout);
}

fn secrets() -> aws_sdk_secretsmanager::Client {
    let m = terrane_test_support::moto();
    let conf = aws_sdk_secretsmanager::Config::builder()
        .behavior_version(aws_sdk_secretsmanager::config::BehaviorVersion::latest())
        .region(aws_sdk_secretsmanager::config::Region::new("us-east-1"))
        .endpoint_url(&m.endpoint)
        .credentials_provider(aws_sdk_secretsmanager::config::Credentials::new(
            "test", "test", None, None, "test",
        ))
        .build();
    aws_sdk_secretsmanager::Client::from_conf(conf)
}

/// The current value of secret `name`, read straight from Secrets Manager.
fn secret_value(name: &str) -> String {
    block_on(secrets().get_secret_value().secret_id(name).send())
        .unwrap_or_else(|e| panic!("reading {name}: {e:?}"))
        .secret_string()
        .unwrap_or_default()
        .to_string()
}

/// Ephemeral resources as users write them: a secret read with
/// `ephemeral "aws_secretsmanager_secret_version"` and a password made by
/// `ephemeral "aws_secretsmanager_random_password"`, each written into another secret
/// through the write-only `secret_string_wo`. Both values reach AWS and neither reaches
/// state; the next plan has nothing to do.
#[test]
fn ephemeral_secrets_reach_write_only_arguments_and_never_state() {
    let config = r#"
provider "aws" {}

resource "aws_secretsmanager_secret" "source" { name = "eph-source" }
resource "aws_secretsmanager_secret_version" "source" {
  secret_id     = aws_secretsmanager_secret.source.id
  secret_string = "opened-not-stored"
}

ephemeral "aws_secretsmanager_secret_version" "read" {
  secret_id  = aws_secretsmanager_secret.source.id
  depends_on = [aws_secretsmanager_secret_version.source]
}
ephemeral "aws_secretsmanager_random_password" "pw" {
  password_length     = 24
  exclude_punctuation = true
}

resource "aws_secretsmanager_secret" "copy" { name = "eph-copy" }
resource "aws_secretsmanager_secret_version" "copy" {
  secret_id                = aws_secretsmanager_secret.copy.id
  secret_string_wo         = ephemeral.aws_secretsmanager_secret_version.read.secret_string
  secret_string_wo_version = 1
}

resource "aws_secretsmanager_secret" "generated" { name = "eph-generated" }
resource "aws_secretsmanager_secret_version" "generated" {
  secret_id                = aws_secretsmanager_secret.generated.id
  secret_string_wo         = ephemeral.aws_secretsmanager_random_password.pw.random_password
  secret_string_wo_version = 1
}
"#;
    let dir = project(config);
    let env = moto_env();
    terrane(dir.path(), &["init"], &env).code(0);
    terrane(dir.path(), &["validate"], &env).code(0);
    let out = terrane(dir.path(), &["apply", "-auto-approve"], &env).code(0);
    for line in [
        "ephemeral.aws_secretsmanager_secret_version.read: Opening...",
        "ephemeral.aws_secretsmanager_secret_version.read: Closing...",
        "ephemeral.aws_secretsmanager_random_password.pw: Opening complete after",
    ] {
        assert!(out.stdout.contains(line), "{line:?} in:\n{}", out.stdout);
    }

    assert_eq!(secret_value("eph-copy"), "opened-not-stored");
    let generated = secret_value("eph-generated");
    assert_eq!(generated.len(), 24, "{generated:?}");
    assert!(
        generated.chars().all(char::is_alphanumeric),
        "{generated:?}"
    );

    let state = std::fs::read_to_string(dir.path().join("terraform.tfstate")).unwrap();
    // The source secret's own value is an ordinary (sensitive) argument, stored as
    // Terraform stores it; the values that only passed through ephemeral resources are
    // not.
    assert_eq!(state.matches("opened-not-stored").count(), 1, "{state}");
    assert!(!state.contains(&generated), "{state}");
    assert!(!state.contains("\"mode\": \"ephemeral\""), "{state}");

    terrane(dir.path(), &["plan", "-detailed-exitcode"], &env).code(0);
    terrane(dir.path(), &["destroy", "-auto-approve"], &env).code(0);
}

#[test]
fn an_ephemeral_value_in_a_stored_argument_is_refused_at_validate() {
    let dir = project(
        r#"
provider "aws" {}
ephemeral "aws_secretsmanager_random_password" "pw" {}
resource "aws_secretsmanager_secret" "s" {
  name        = "eph-refused"
  description = ephemeral.aws_secretsmanager_random_password.pw.random_password
}
"#,
    );
    let env = moto_env();
    terrane(dir.path(), &["init"], &env).code(0);
    let out = terrane(dir.path(), &["validate"], &env).code(1);
    assert!(
        out.stderr.contains("Invalid use of ephemeral value"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("\"description\""), "{}", out.stderr);
}
