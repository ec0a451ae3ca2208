//! aws_cloudwatch_log_group and the IAM resources against moto through the engine: create,
//! converge (equivalent policy JSON written differently plans nothing), update in place,
//! replace, import and destroy, checked with the SDK.

mod common;

use common::{attr, changed_attrs, changes, drifted_attrs, Env};
use terrane_engine::provider::Provider;
use terrane_engine::state::State;

fn creds() -> aws_sdk_iam::config::Credentials {
    aws_sdk_iam::config::Credentials::new("test", "test", None, None, "test")
}

fn iam() -> aws_sdk_iam::Client {
    let m = terrane_test_support::moto();
    aws_sdk_iam::Client::from_conf(
        aws_sdk_iam::Config::builder()
            .behavior_version(aws_sdk_iam::config::BehaviorVersion::latest())
            .region(aws_sdk_iam::config::Region::new("us-east-1"))
            .endpoint_url(&m.endpoint)
            .credentials_provider(creds())
            .build(),
    )
}

fn logs() -> aws_sdk_cloudwatchlogs::Client {
    let m = terrane_test_support::moto();
    aws_sdk_cloudwatchlogs::Client::from_conf(
        aws_sdk_cloudwatchlogs::Config::builder()
            .behavior_version(aws_sdk_cloudwatchlogs::config::BehaviorVersion::latest())
            .region(aws_sdk_cloudwatchlogs::config::Region::new("us-east-1"))
            .endpoint_url(&m.endpoint)
            .credentials_provider(creds())
            .build(),
    )
}

const PROVIDER: &str = r#"
provider "aws" {
  region = "us-east-1"
}
"#;

async fn log_group(name: &str) -> Option<aws_sdk_cloudwatchlogs::types::LogGroup> {
    logs()
        .describe_log_groups()
        .log_group_name_prefix(name)
        .send()
        .await
        .unwrap()
        .log_groups()
        .iter()
        .find(|g| g.log_group_name() == Some(name))
        .cloned()
}

fn log_src(name: &str, days: u32, tags: &str) -> String {
    format!(
        r#"{PROVIDER}
resource "aws_cloudwatch_log_group" "g" {{
  name              = "{name}"
  retention_in_days = {days}
  tags              = {{ {tags} }}
}}
resource "aws_cloudwatch_log_group" "p" {{
  name_prefix = "/terrane/prefixed-"
}}
"#
    )
}

#[tokio::test]
async fn log_group_lifecycle() {
    let env = Env::new();
    let src = log_src("/terrane/app", 7, r#"team = "a""#);
    let state = env.apply(&src, &State::new()).await;
    assert_eq!(
        attr(&state, "aws_cloudwatch_log_group.g", "id"),
        "/terrane/app"
    );
    assert!(attr(&state, "aws_cloudwatch_log_group.g", "arn").ends_with(":log-group:/terrane/app"));
    let prefixed = attr(&state, "aws_cloudwatch_log_group.p", "name");
    assert!(prefixed.starts_with("/terrane/prefixed-"), "{prefixed}");
    assert_eq!(prefixed.len(), "/terrane/prefixed-".len() + 26);
    assert!(log_group(&prefixed).await.is_some());
    let g = log_group("/terrane/app").await.unwrap();
    assert_eq!(g.retention_in_days(), Some(7));
    let plan = env.plan(&src, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));

    // Retention and tags change in place.
    let src2 = log_src("/terrane/app", 14, r#"team = "b", env = "dev""#);
    assert_eq!(
        changes(&env.plan(&src2, &state).await),
        ["Update aws_cloudwatch_log_group.g"]
    );
    let state = env.apply(&src2, &state).await;
    assert_eq!(
        log_group("/terrane/app").await.unwrap().retention_in_days(),
        Some(14)
    );
    let arn = attr(&state, "aws_cloudwatch_log_group.g", "arn");
    let tags = logs()
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .unwrap();
    let tags = tags.tags().unwrap();
    assert_eq!(tags.get("team").map(String::as_str), Some("b"));
    assert_eq!(tags.get("env").map(String::as_str), Some("dev"));
    let plan = env.plan(&src2, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));

    // Import by name.
    let v = env
        .import("aws_cloudwatch_log_group", "/terrane/app")
        .await
        .unwrap();
    assert_eq!(
        v.get_attr("arn").and_then(|v| v.as_str()),
        Some(arn.as_str())
    );
    assert_eq!(
        v.get_attr("retention_in_days").and_then(|v| v.as_i64()),
        Some(14)
    );
    assert!(env
        .import("aws_cloudwatch_log_group", "/terrane/missing")
        .await
        .is_err());

    // A new name replaces the group.
    let src3 = log_src("/terrane/app2", 14, r#"team = "b""#);
    assert_eq!(
        changes(&env.plan(&src3, &state).await),
        ["DeleteThenCreate aws_cloudwatch_log_group.g"]
    );
    let state = env.apply(&src3, &state).await;
    assert!(log_group("/terrane/app").await.is_none());
    assert!(log_group("/terrane/app2").await.is_some());

    // Deleted outside terrane: planned for re-creation.
    logs()
        .delete_log_group()
        .log_group_name("/terrane/app2")
        .send()
        .await
        .unwrap();
    assert_eq!(
        changes(&env.plan(&src3, &state).await),
        ["Create aws_cloudwatch_log_group.g"]
    );
    let state = env.apply(&src3, &state).await;

    env.destroy(&src3, &state).await;
    assert!(log_group("/terrane/app2").await.is_none());
    assert!(log_group(&prefixed).await.is_none());
}

const TRUST_COMPACT: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
/// The same trust policy, spelled differently (key order, whitespace, a one-element list).
const TRUST_SPACED: &str = r#"{
  "Statement": [
    {
      "Action": ["sts:AssumeRole"],
      "Principal": { "Service": "ecs-tasks.amazonaws.com" },
      "Effect": "Allow"
    }
  ],
  "Version": "2012-10-17"
}"#;

fn iam_src(role: &str, trust: &str, description: &str, path: &str, actions: &str) -> String {
    format!(
        r#"{PROVIDER}
resource "aws_iam_role" "r" {{
  name               = "{role}"
  path               = "{path}"
  description        = "{description}"
  assume_role_policy = <<-EOT
{trust}
EOT
  tags = {{ team = "a", step = "{description}" }}
}}
data "aws_iam_policy_document" "p" {{
  statement {{
    sid       = "Logs"
    actions   = [{actions}]
    resources = ["*"]
  }}
}}
resource "aws_iam_policy" "p" {{
  name   = "{role}-policy"
  policy = data.aws_iam_policy_document.p.json
}}
resource "aws_iam_role_policy_attachment" "a" {{
  role       = aws_iam_role.r.name
  policy_arn = aws_iam_policy.p.arn
}}
resource "aws_iam_role_policy" "i" {{
  name   = "inline"
  role   = aws_iam_role.r.id
  policy = jsonencode({{
    Version   = "2012-10-17"
    Statement = [{{ Effect = "Allow", Action = ["s3:GetObject"], Resource = "*" }}]
  }})
}}
"#
    )
}

async fn role_exists(name: &str) -> bool {
    iam().get_role().role_name(name).send().await.is_ok()
}

async fn attached(role: &str) -> Vec<String> {
    iam()
        .list_attached_role_policies()
        .role_name(role)
        .send()
        .await
        .unwrap()
        .attached_policies()
        .iter()
        .filter_map(|p| p.policy_arn().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn iam_lifecycle() {
    let env = Env::new();
    let one = r#""logs:PutLogEvents""#;
    let src = iam_src("terrane-task", TRUST_COMPACT, "first", "/", one);
    let state = env.apply(&src, &State::new()).await;
    assert_eq!(attr(&state, "aws_iam_role.r", "id"), "terrane-task");
    assert!(attr(&state, "aws_iam_role.r", "arn").ends_with(":role/terrane-task"));
    assert!(!attr(&state, "aws_iam_role.r", "unique_id").is_empty());
    assert!(!attr(&state, "aws_iam_role.r", "create_date").is_empty());
    let policy_arn = attr(&state, "aws_iam_policy.p", "arn");
    assert_eq!(attr(&state, "aws_iam_policy.p", "id"), policy_arn);
    assert_eq!(attached("terrane-task").await, vec![policy_arn.clone()]);
    assert!(attr(&state, "aws_iam_role_policy_attachment.a", "id").starts_with("terrane-task-"));
    assert_eq!(
        attr(&state, "aws_iam_role_policy.i", "id"),
        "terrane-task:inline"
    );
    let role = iam()
        .get_role()
        .role_name("terrane-task")
        .send()
        .await
        .unwrap();
    assert_eq!(role.role().unwrap().description(), Some("first"));
    let plan = env.plan(&src, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));

    // The same trust policy written differently: no change.
    let spaced = iam_src("terrane-task", TRUST_SPACED, "first", "/", one);
    let plan = env.plan(&spaced, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));

    // Description and the managed policy's document change in place.
    let two = r#""logs:PutLogEvents", "logs:CreateLogStream""#;
    let src2 = iam_src("terrane-task", TRUST_SPACED, "second", "/", two);
    assert_eq!(
        changes(&env.plan(&src2, &state).await),
        ["Update aws_iam_policy.p", "Update aws_iam_role.r"]
    );
    let state = env.apply(&src2, &state).await;
    let role = iam()
        .get_role()
        .role_name("terrane-task")
        .send()
        .await
        .unwrap();
    assert_eq!(role.role().unwrap().description(), Some("second"));
    // The tag change went through the framework's TagRole (the value changed in place).
    let tags = iam()
        .list_role_tags()
        .role_name("terrane-task")
        .send()
        .await
        .unwrap();
    let step: Vec<(&str, &str)> = tags
        .tags()
        .iter()
        .map(|t| (t.key(), t.value()))
        .filter(|(k, _)| *k != "Project")
        .collect();
    assert_eq!(step, [("step", "second"), ("team", "a")]);
    let p = iam()
        .get_policy()
        .policy_arn(&policy_arn)
        .send()
        .await
        .unwrap();
    let v = iam()
        .get_policy_version()
        .policy_arn(&policy_arn)
        .version_id(p.policy().unwrap().default_version_id().unwrap())
        .send()
        .await
        .unwrap();
    let doc = v.policy_version().unwrap().document().unwrap().to_string();
    assert!(
        terrane_provider_aws::iam::decode_document(&doc).contains("logs:CreateLogStream"),
        "{doc}"
    );
    let plan = env.plan(&src2, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));

    // Imports.
    let v = env.import("aws_iam_role", "terrane-task").await.unwrap();
    assert_eq!(
        v.get_attr("description").and_then(|v| v.as_str()),
        Some("second")
    );
    let trust = v
        .get_attr("assume_role_policy")
        .and_then(|v| v.as_str())
        .unwrap();
    assert!(
        terrane_provider_aws::iam::equivalent(trust, TRUST_COMPACT),
        "{trust}"
    );
    let v = env.import("aws_iam_policy", &policy_arn).await.unwrap();
    assert_eq!(
        v.get_attr("name").and_then(|v| v.as_str()),
        Some("terrane-task-policy")
    );
    let v = env
        .import(
            "aws_iam_role_policy_attachment",
            &format!("terrane-task/{policy_arn}"),
        )
        .await
        .unwrap();
    assert_eq!(
        v.get_attr("policy_arn").and_then(|v| v.as_str()),
        Some(policy_arn.as_str())
    );
    let v = env
        .import("aws_iam_role_policy", "terrane-task:inline")
        .await
        .unwrap();
    assert_eq!(
        v.get_attr("role").and_then(|v| v.as_str()),
        Some("terrane-task")
    );
    assert!(env.import("aws_iam_role", "terrane-missing").await.is_err());
    assert!(env
        .import("aws_iam_role_policy_attachment", "nonsense")
        .await
        .is_err());

    // A new name and path replace the role, and with it what hangs off it (deleted first:
    // IAM refuses to delete a role with policies).
    let src3 = iam_src("terrane-task2", TRUST_SPACED, "second", "/svc/", two);
    let plan = changes(&env.plan(&src3, &state).await);
    for r in [
        "aws_iam_role.r",
        "aws_iam_role_policy_attachment.a",
        "aws_iam_role_policy.i",
        "aws_iam_policy.p",
    ] {
        assert!(plan.contains(&format!("DeleteThenCreate {r}")), "{plan:?}");
    }
    let state = env.apply(&src3, &state).await;
    assert!(attr(&state, "aws_iam_role.r", "arn").ends_with(":role/svc/terrane-task2"));
    assert!(!role_exists("terrane-task").await);
    let policy_arn = attr(&state, "aws_iam_policy.p", "arn");
    assert_eq!(attached("terrane-task2").await, vec![policy_arn.clone()]);
    let plan = env.plan(&src3, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));

    // The attachment removed outside terrane: planned for re-creation.
    iam()
        .detach_role_policy()
        .role_name("terrane-task2")
        .policy_arn(&policy_arn)
        .send()
        .await
        .unwrap();
    assert_eq!(
        changes(&env.plan(&src3, &state).await),
        ["Create aws_iam_role_policy_attachment.a"]
    );
    let state = env.apply(&src3, &state).await;

    env.destroy(&src3, &state).await;
    assert!(!role_exists("terrane-task2").await);
    assert!(iam()
        .get_policy()
        .policy_arn(&policy_arn)
        .send()
        .await
        .is_err());
}

fn secrets() -> aws_sdk_secretsmanager::Client {
    let m = terrane_test_support::moto();
    aws_sdk_secretsmanager::Client::from_conf(
        aws_sdk_secretsmanager::Config::builder()
            .behavior_version(aws_sdk_secretsmanager::config::BehaviorVersion::latest())
            .region(aws_sdk_secretsmanager::config::Region::new("us-east-1"))
            .endpoint_url(&m.endpoint)
            .credentials_provider(creds())
            .build(),
    )
}

fn secret_src(description: &str, value: &str) -> String {
    format!(
        r#"{PROVIDER}
resource "aws_secretsmanager_secret" "s" {{
  name                    = "terrane/db"
  description             = "{description}"
  recovery_window_in_days = 0
  tags                    = {{ team = "a" }}
}}
resource "aws_secretsmanager_secret_version" "v" {{
  secret_id     = aws_secretsmanager_secret.s.id
  secret_string = "{value}"
}}
"#
    )
}

#[tokio::test]
async fn secrets_lifecycle() {
    let env = Env::new();
    let schema = &env.provider.schema().resources["aws_secretsmanager_secret_version"];
    assert!(schema.block.attributes["secret_string"].sensitive);

    let src = secret_src("first", "hunter2");
    let state = env.apply(&src, &State::new()).await;
    let arn = attr(&state, "aws_secretsmanager_secret.s", "arn");
    assert_eq!(attr(&state, "aws_secretsmanager_secret.s", "id"), arn);
    let version = attr(&state, "aws_secretsmanager_secret_version.v", "version_id");
    assert_eq!(
        attr(&state, "aws_secretsmanager_secret_version.v", "id"),
        format!("{arn}|{version}")
    );
    let got = secrets()
        .get_secret_value()
        .secret_id(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(got.secret_string(), Some("hunter2"));
    let plan = env.plan(&src, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));

    // The description changes in place; a new value is a new version.
    let src2 = secret_src("second", "correct horse");
    assert_eq!(
        changes(&env.plan(&src2, &state).await),
        [
            "Update aws_secretsmanager_secret.s",
            "DeleteThenCreate aws_secretsmanager_secret_version.v"
        ]
    );
    let state = env.apply(&src2, &state).await;
    let d = secrets()
        .describe_secret()
        .secret_id(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(d.description(), Some("second"));
    let got = secrets()
        .get_secret_value()
        .secret_id(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(got.secret_string(), Some("correct horse"));
    let version = attr(&state, "aws_secretsmanager_secret_version.v", "version_id");
    assert_eq!(got.version_id(), Some(version.as_str()));
    let plan = env.plan(&src2, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));

    // Imports.
    let v = env.import("aws_secretsmanager_secret", &arn).await.unwrap();
    assert_eq!(
        v.get_attr("name").and_then(|v| v.as_str()),
        Some("terrane/db")
    );
    let v = env
        .import(
            "aws_secretsmanager_secret_version",
            &format!("{arn}|{version}"),
        )
        .await
        .unwrap();
    assert_eq!(
        v.get_attr("secret_string").and_then(|v| v.as_str()),
        Some("correct horse")
    );
    assert!(env
        .import("aws_secretsmanager_secret_version", "nonsense")
        .await
        .is_err());

    env.destroy(&src2, &state).await;
    let gone = secrets().describe_secret().secret_id(&arn).send().await;
    assert!(
        gone.as_ref().map_or(true, |d| d.deleted_date().is_some()),
        "{gone:?}"
    );
}

/// Generated names, out-of-band changes to policy documents (planned back), and a
/// refresh of many log groups listing them rather than describing each.
#[tokio::test]
async fn drift_and_generated_names() {
    let env = Env::new();
    let src = format!(
        r#"{PROVIDER}
resource "aws_iam_role" "gen" {{
  name_prefix        = "terrane-gen-"
  assume_role_policy = {TRUST_COMPACT:?}
}}
resource "aws_iam_role_policy" "i" {{
  role   = aws_iam_role.gen.name
  policy = jsonencode({{
    Version   = "2012-10-17"
    Statement = [{{ Effect = "Allow", Action = "s3:GetObject", Resource = "*" }}]
  }})
}}
resource "aws_cloudwatch_log_group" "many" {{
  count = 5
  name  = "/terrane/many/${{count.index}}"
}}
"#
    );
    let state = env.apply(&src, &State::new()).await;
    let name = attr(&state, "aws_iam_role.gen", "name");
    assert!(name.starts_with("terrane-gen-"), "{name}");
    let inline = attr(&state, "aws_iam_role_policy.i", "name");
    assert!(inline.starts_with("terraform-"), "{inline}");
    let plan = env.plan(&src, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));

    // Five log groups are read with one DescribeLogGroups listing (plus their tags).
    let before = env
        .provider
        .api_call_counts()
        .get("logs")
        .copied()
        .unwrap_or(0);
    env.plan(&src, &state).await;
    let after = env
        .provider
        .api_call_counts()
        .get("logs")
        .copied()
        .unwrap_or(0);
    assert!(after - before <= 6, "{} logs calls", after - before);

    // Documents changed outside terrane are planned back.
    iam()
        .update_assume_role_policy()
        .role_name(&name)
        .policy_document(TRUST_COMPACT.replace("ecs-tasks", "lambda"))
        .send()
        .await
        .unwrap();
    iam()
        .put_role_policy()
        .role_name(&name)
        .policy_name(&inline)
        .policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}"#,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        changes(&env.plan(&src, &state).await),
        ["Update aws_iam_role.gen", "Update aws_iam_role_policy.i"]
    );
    let state = env.apply(&src, &state).await;
    let role = iam().get_role().role_name(&name).send().await.unwrap();
    let doc = terrane_provider_aws::iam::decode_document(
        role.role().unwrap().assume_role_policy_document().unwrap(),
    );
    assert!(doc.contains("ecs-tasks"), "{doc}");
    let plan = env.plan(&src, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));

    env.destroy(&src, &state).await;
    assert!(!role_exists(&name).await);
    assert!(log_group("/terrane/many/0").await.is_none());
}

fn profile_src(role: &str, tags: &str) -> String {
    format!(
        r#"{PROVIDER}
resource "aws_iam_role" "one" {{
  name               = "ip-role-one"
  assume_role_policy = jsonencode({{
    Version   = "2012-10-17"
    Statement = [{{ Effect = "Allow", Principal = {{ Service = "ec2.amazonaws.com" }}, Action = "sts:AssumeRole" }}]
  }})
}}
resource "aws_iam_role" "two" {{
  name               = "ip-role-two"
  assume_role_policy = aws_iam_role.one.assume_role_policy
}}
resource "aws_iam_instance_profile" "p" {{
  name = "ip-main"
  path = "/app/"
  role = aws_iam_role.{role}.name
  tags = {{ {tags} }}
}}
resource "aws_iam_instance_profile" "prefixed" {{
  name_prefix = "ip-pre-"
}}
"#
    )
}

async fn profile(name: &str) -> Option<aws_sdk_iam::types::InstanceProfile> {
    iam()
        .get_instance_profile()
        .instance_profile_name(name)
        .send()
        .await
        .ok()?
        .instance_profile()
        .cloned()
}

fn profile_roles(p: &aws_sdk_iam::types::InstanceProfile) -> Vec<&str> {
    p.roles().iter().map(|r| r.role_name()).collect()
}

#[tokio::test]
async fn instance_profile_lifecycle() {
    let env = Env::new();
    let src = profile_src("one", r#"team = "a""#);
    let state = env.apply(&src, &State::new()).await;
    let addr = "aws_iam_instance_profile.p";
    assert_eq!(attr(&state, addr, "id"), "ip-main");
    assert!(attr(&state, addr, "arn").ends_with(":instance-profile/app/ip-main"));
    assert!(!attr(&state, addr, "unique_id").is_empty());
    assert!(!attr(&state, addr, "create_date").is_empty());
    assert_eq!(attr(&state, addr, "role"), "ip-role-one");
    let prefixed = attr(&state, "aws_iam_instance_profile.prefixed", "name");
    assert!(prefixed.starts_with("ip-pre-"), "{prefixed}");
    assert!(profile(&prefixed).await.is_some());
    let p = profile("ip-main").await.unwrap();
    assert_eq!(profile_roles(&p), ["ip-role-one"]);
    assert_eq!(p.path(), "/app/");
    let plan = env.plan(&src, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));

    // The role and the tags change in place.
    let src2 = profile_src("two", r#"team = "b""#);
    let plan = env.plan(&src2, &state).await;
    assert_eq!(changes(&plan), [format!("Update {addr}")]);
    assert_eq!(changed_attrs(&plan, addr), ["role", "tags", "tags_all"]);
    let state = env.apply(&src2, &state).await;
    assert_eq!(attr(&state, addr, "id"), "ip-main");
    let p = profile("ip-main").await.unwrap();
    assert_eq!(profile_roles(&p), ["ip-role-two"]);
    // (moto answers ListInstanceProfileTags with a 500; GetInstanceProfile has the tags.)
    let tags: Vec<(&str, &str)> = p.tags().iter().map(|t| (t.key(), t.value())).collect();
    assert_eq!(tags, [("team", "b")]);
    let plan = env.plan(&src2, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));

    // Import by name into a fresh state: no change; the generated name's prefix is
    // recovered.
    let imported = env.import_into(&state, addr, "ip-main").await;
    let plan = env.plan(&src2, &imported).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));
    let imported = env
        .import_into(&state, "aws_iam_instance_profile.prefixed", &prefixed)
        .await;
    let plan = env.plan(&src2, &imported).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));
    assert!(env
        .import_refreshed("aws_iam_instance_profile", "ip-missing")
        .await
        .is_none());

    // Drift: the role removed outside terrane is seen and put back.
    iam()
        .remove_role_from_instance_profile()
        .instance_profile_name("ip-main")
        .role_name("ip-role-two")
        .send()
        .await
        .unwrap();
    let plan = env.plan(&src2, &state).await;
    assert_eq!(changes(&plan), [format!("Update {addr}")]);
    assert_eq!(drifted_attrs(&plan, addr), ["role"]);
    assert_eq!(changed_attrs(&plan, addr), ["role"]);
    let state = env.apply(&src2, &state).await;
    assert_eq!(
        profile_roles(&profile("ip-main").await.unwrap()),
        ["ip-role-two"]
    );
    let plan = env.plan(&src2, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));

    // A new path replaces the profile.
    let src3 = src2.replace(r#"path = "/app/""#, r#"path = "/other/""#);
    assert_eq!(
        changes(&env.plan(&src3, &state).await),
        [format!("DeleteThenCreate {addr}")]
    );
    let state = env.apply(&src3, &state).await;
    assert_eq!(profile("ip-main").await.unwrap().path(), "/other/");

    // Destroy removes the role from the profile first, then both are gone.
    env.destroy(&src3, &state).await;
    assert!(profile("ip-main").await.is_none());
    assert!(profile(&prefixed).await.is_none());
    assert!(!role_exists("ip-role-two").await);
}

#[tokio::test]
async fn secret_data_source() {
    let env = Env::new();
    let src = format!(
        r#"{PROVIDER}
resource "aws_secretsmanager_secret" "s" {{
  name                    = "data/secret"
  description             = "read back"
  recovery_window_in_days = 0
  tags                    = {{ team = "a" }}
}}
data "aws_secretsmanager_secret" "by_name" {{
  name = aws_secretsmanager_secret.s.name
}}
data "aws_secretsmanager_secret" "by_arn" {{
  arn = aws_secretsmanager_secret.s.arn
}}
"#
    );
    let state = env.apply(&src, &State::new()).await;
    let arn = attr(&state, "aws_secretsmanager_secret.s", "arn");
    for name in ["by_name", "by_arn"] {
        let a = |k| common::data_attr(&state, "aws_secretsmanager_secret", name, k);
        assert_eq!(a("arn"), arn.as_str(), "{name}");
        assert_eq!(a("id"), arn.as_str(), "{name}");
        assert_eq!(a("name"), "data/secret", "{name}");
        assert_eq!(a("description"), "read back", "{name}");
        assert_eq!(a("tags")["team"], "a", "{name}");
        assert!(!a("created_date").as_str().unwrap().is_empty(), "{name}");
    }
    let plan = env.plan(&src, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));
    env.destroy(&src, &state).await;
}
