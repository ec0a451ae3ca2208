//! The RDS resources (subnet groups, parameter groups, DB instances) and the
//! `aws_db_instance` data source against moto, through the engine: create, converge,
//! update in place, replace, drift, deletion outside terrane, import, destroy; the
//! password never shown; deletion protection and the final snapshot rule; one
//! DescribeDBInstances call for many instances. Each test uses names of its own, so tests
//! share the moto server of this process and run in parallel.

mod common;

use common::{attr, calls, changed_attrs, changes, rds, Env};
use terrane_engine::plan::PlanMode;
use terrane_engine::state::State;

const PASSWORD: &str = "s3cr3t-Pa55word-xyz";

/// A VPC with two subnets in different zones, for subnet groups. `n` keeps each test's
/// CIDR apart.
fn network(n: u8) -> String {
    format!(
        r#"
provider "aws" {{
  region = "us-east-1"
}}
resource "aws_vpc" "v" {{
  cidr_block = "10.{n}.0.0/16"
}}
resource "aws_subnet" "a" {{
  vpc_id            = aws_vpc.v.id
  cidr_block        = "10.{n}.1.0/24"
  availability_zone = "us-east-1a"
}}
resource "aws_subnet" "b" {{
  vpc_id            = aws_vpc.v.id
  cidr_block        = "10.{n}.2.0/24"
  availability_zone = "us-east-1b"
}}
"#
    )
}

async fn subnet_group(name: &str) -> Option<aws_sdk_rds::types::DbSubnetGroup> {
    rds()
        .describe_db_subnet_groups()
        .db_subnet_group_name(name)
        .send()
        .await
        .ok()?
        .db_subnet_groups()
        .first()
        .cloned()
}

async fn tags_of(arn: &str) -> Vec<(String, String)> {
    let out = rds()
        .list_tags_for_resource()
        .resource_name(arn)
        .send()
        .await
        .unwrap();
    let mut t: Vec<(String, String)> = out
        .tag_list()
        .iter()
        .map(|t| {
            (
                t.key().unwrap_or_default().to_string(),
                t.value().unwrap_or_default().to_string(),
            )
        })
        .collect();
    t.sort();
    t
}

/// The plan updates `addr` in place, changing exactly `attrs`; the apply does, and the
/// next plan is empty.
async fn updated(env: &Env, src: &str, state: &State, addr: &str, attrs: &[&str]) -> State {
    let plan = env.plan(src, state).await;
    assert_eq!(changes(&plan), [format!("Update {addr}")]);
    assert_eq!(changed_attrs(&plan, addr), attrs);
    let state = env.apply(src, state).await;
    let plan = env.plan(src, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));
    state
}

/// After `addr` was deleted outside terrane: the plan re-creates it (and nothing else),
/// the apply does, and the next plan is empty.
async fn recreated(env: &Env, src: &str, state: &State, addr: &str) -> State {
    assert_eq!(
        changes(&env.plan(src, state).await),
        [format!("Create {addr}")]
    );
    let state = env.apply(src, state).await;
    let plan = env.plan(src, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));
    state
}

fn sg_src(name: &str, tags: &str) -> String {
    format!(
        r#"{}
resource "aws_db_subnet_group" "g" {{
  name       = "{name}"
  subnet_ids = [aws_subnet.a.id, aws_subnet.b.id]
  tags       = {{ {tags} }}
}}
resource "aws_db_subnet_group" "p" {{
  name_prefix = "sgp-"
  description = "prefixed"
  subnet_ids  = [aws_subnet.b.id]
}}
"#,
        network(31)
    )
}

#[tokio::test]
async fn subnet_group_lifecycle() {
    let env = Env::new();
    let src = sg_src("sg-main", r#"team = "a""#);
    let state = env.apply(&src, &State::new()).await;
    assert_eq!(attr(&state, "aws_db_subnet_group.g", "id"), "sg-main");
    let vpc = attr(&state, "aws_vpc.v", "id");
    assert_eq!(attr(&state, "aws_db_subnet_group.g", "vpc_id"), vpc);
    let arn = attr(&state, "aws_db_subnet_group.g", "arn");
    assert!(arn.ends_with(":subgrp:sg-main"), "{arn}");
    let g = subnet_group("sg-main").await.unwrap();
    assert_eq!(
        g.db_subnet_group_description(),
        Some("Managed by Terraform")
    );
    assert_eq!(g.subnets().len(), 2);
    assert_eq!(tags_of(&arn).await, [("team".into(), "a".into())]);
    let prefixed = attr(&state, "aws_db_subnet_group.p", "name");
    assert!(
        prefixed.starts_with("sgp-") && prefixed.len() == 4 + 26,
        "{prefixed}"
    );
    assert!(subnet_group(&prefixed).await.is_some());
    let plan = env.plan(&src, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));

    // Tags change in place.
    let src2 = sg_src("sg-main", r#"team = "b""#);
    let state = updated(
        &env,
        &src2,
        &state,
        "aws_db_subnet_group.g",
        &["tags", "tags_all"],
    )
    .await;
    assert_eq!(tags_of(&arn).await, [("team".into(), "b".into())]);

    // Drift: a tag added outside terrane is planned away, and only the tags change.
    rds()
        .add_tags_to_resource()
        .resource_name(&arn)
        .tags(
            aws_sdk_rds::types::Tag::builder()
                .key("extra")
                .value("x")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let state = updated(
        &env,
        &src2,
        &state,
        "aws_db_subnet_group.g",
        &["tags", "tags_all"],
    )
    .await;
    assert_eq!(tags_of(&arn).await, [("team".into(), "b".into())]);

    // Import by name reads the same object.
    let v = env.import("aws_db_subnet_group", "sg-main").await.unwrap();
    assert_eq!(
        v.get_attr("arn").and_then(|v| v.as_str()),
        Some(arn.as_str())
    );
    assert_eq!(
        v.get_attr("description").and_then(|v| v.as_str()),
        Some("Managed by Terraform")
    );
    assert_eq!(
        v.get_attr("subnet_ids")
            .and_then(|v| v.as_seq())
            .map(<[_]>::len),
        Some(2)
    );
    assert!(env
        .import("aws_db_subnet_group", "sg-missing")
        .await
        .is_err());

    // AWS stores names lowercased, so Terraform rejects uppercase ones before any call.
    let err = env
        .try_plan(&sg_src("SG-Main", ""), &state, PlanMode::Normal)
        .await
        .unwrap_err();
    assert!(format!("{err:?}").contains("lowercase"), "{err:?}");

    // A new name replaces the group.
    let src3 = sg_src("sg-other", r#"team = "b""#);
    assert_eq!(
        changes(&env.plan(&src3, &state).await),
        ["DeleteThenCreate aws_db_subnet_group.g"]
    );
    let state = env.apply(&src3, &state).await;
    assert!(subnet_group("sg-main").await.is_none());
    assert!(subnet_group("sg-other").await.is_some());

    // Deleted outside terrane: planned for re-creation.
    rds()
        .delete_db_subnet_group()
        .db_subnet_group_name("sg-other")
        .send()
        .await
        .unwrap();
    let state = recreated(&env, &src3, &state, "aws_db_subnet_group.g").await;

    env.destroy(&src3, &state).await;
    assert!(subnet_group("sg-other").await.is_none());
    assert!(subnet_group(&prefixed).await.is_none());
}

fn pg_src(name: &str, family: &str, value: &str) -> String {
    format!(
        r#"
provider "aws" {{
  region = "us-east-1"
}}
resource "aws_db_parameter_group" "pg" {{
  name   = "{name}"
  family = "{family}"
  parameter {{
    name  = "log_min_duration_statement"
    value = "{value}"
  }}
  parameter {{
    name         = "shared_preload_libraries"
    value        = "pg_stat_statements"
    apply_method = "pending-reboot"
  }}
  tags = {{ team = "db" }}
}}
"#
    )
}

/// The user-set parameters of a group, as `name=value`.
async fn parameters(name: &str) -> Vec<String> {
    let out = rds()
        .describe_db_parameters()
        .db_parameter_group_name(name)
        .source("user")
        .send()
        .await
        .unwrap();
    let mut p: Vec<String> = out
        .parameters()
        .iter()
        .map(|p| {
            format!(
                "{}={}",
                p.parameter_name().unwrap_or_default(),
                p.parameter_value().unwrap_or_default()
            )
        })
        .collect();
    p.sort();
    p
}

async fn parameter_group_exists(name: &str) -> bool {
    rds()
        .describe_db_parameter_groups()
        .send()
        .await
        .unwrap()
        .db_parameter_groups()
        .iter()
        .any(|g| g.db_parameter_group_name() == Some(name))
}

#[tokio::test]
async fn parameter_group_lifecycle() {
    let env = Env::new();
    let src = pg_src("pg-main", "postgres16", "100");
    let state = env.apply(&src, &State::new()).await;
    assert_eq!(attr(&state, "aws_db_parameter_group.pg", "id"), "pg-main");
    assert_eq!(
        attr(&state, "aws_db_parameter_group.pg", "description"),
        "Managed by Terraform"
    );
    assert_eq!(
        parameters("pg-main").await,
        [
            "log_min_duration_statement=100",
            "shared_preload_libraries=pg_stat_statements"
        ]
    );
    let arn = attr(&state, "aws_db_parameter_group.pg", "arn");
    assert_eq!(tags_of(&arn).await, [("team".into(), "db".into())]);
    let plan = env.plan(&src, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));

    // A parameter value changes in place.
    let src2 = pg_src("pg-main", "postgres16", "250");
    let state = updated(
        &env,
        &src2,
        &state,
        "aws_db_parameter_group.pg",
        &["parameter"],
    )
    .await;
    assert!(parameters("pg-main")
        .await
        .contains(&"log_min_duration_statement=250".to_string()));

    // Drift: a value changed outside terrane shows as a parameter change.
    rds()
        .modify_db_parameter_group()
        .db_parameter_group_name("pg-main")
        .parameters(
            aws_sdk_rds::types::Parameter::builder()
                .parameter_name("log_min_duration_statement")
                .parameter_value("999")
                .apply_method(aws_sdk_rds::types::ApplyMethod::Immediate)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let state = updated(
        &env,
        &src2,
        &state,
        "aws_db_parameter_group.pg",
        &["parameter"],
    )
    .await;
    assert!(parameters("pg-main")
        .await
        .contains(&"log_min_duration_statement=250".to_string()));

    // Import by name: the same parameters and apply methods as configured.
    let v = env
        .import("aws_db_parameter_group", "pg-main")
        .await
        .unwrap();
    assert_eq!(
        v.get_attr("family").and_then(|v| v.as_str()),
        Some("postgres16")
    );
    let ps = v.get_attr("parameter").and_then(|v| v.as_seq()).unwrap();
    assert_eq!(ps.len(), 2);
    assert!(ps
        .iter()
        .any(|p| p.get_attr("apply_method").and_then(|m| m.as_str()) == Some("pending-reboot")));

    // A bad apply_method is refused at plan time.
    let bad = src2.replace("pending-reboot", "later");
    let err = env
        .try_plan(&bad, &state, PlanMode::Normal)
        .await
        .unwrap_err();
    assert!(format!("{err:?}").contains("apply_method"), "{err:?}");

    // A new family replaces the group.
    let src3 = pg_src("pg-main", "postgres15", "250");
    let plan = env.plan(&src3, &state).await;
    assert_eq!(
        changes(&plan),
        ["DeleteThenCreate aws_db_parameter_group.pg"]
    );
    let state = env.apply(&src3, &state).await;
    assert_eq!(
        attr(&state, "aws_db_parameter_group.pg", "family"),
        "postgres15"
    );
    assert!(!env.plan(&src3, &state).await.has_changes());

    // Deleted outside terrane: planned for re-creation.
    rds()
        .delete_db_parameter_group()
        .db_parameter_group_name("pg-main")
        .send()
        .await
        .unwrap();
    let state = recreated(&env, &src3, &state, "aws_db_parameter_group.pg").await;

    env.destroy(&src3, &state).await;
    assert!(!parameter_group_exists("pg-main").await);

    // With skip_destroy, destroy only forgets the group.
    let keep =
        pg_src("pg-keep", "postgres16", "1").replace("tags = {", "skip_destroy = true\n  tags = {");
    let state = env.apply(&keep, &State::new()).await;
    env.destroy(&keep, &state).await;
    assert!(parameter_group_exists("pg-keep").await);
}

fn db_src(ident: &str, class: &str, extra: &str) -> String {
    format!(
        r#"{}
resource "aws_db_subnet_group" "g" {{
  name       = "{ident}-subnets"
  subnet_ids = [aws_subnet.a.id, aws_subnet.b.id]
}}
resource "aws_db_parameter_group" "pg" {{
  name   = "{ident}-params"
  family = "postgres16"
  parameter {{
    name  = "log_min_duration_statement"
    value = "100"
  }}
}}
resource "aws_db_instance" "db" {{
  identifier              = "{ident}"
  engine                  = "postgres"
  engine_version          = "16"
  instance_class          = "{class}"
  allocated_storage       = 20
  db_name                 = "app"
  username                = "app"
  password                = "{PASSWORD}"
  db_subnet_group_name    = aws_db_subnet_group.g.name
  parameter_group_name    = aws_db_parameter_group.pg.name
  backup_retention_period = 7
  apply_immediately       = true
  skip_final_snapshot     = true
  tags                    = {{ team = "db" }}
  {extra}
}}
"#,
        network(32)
    )
}

async fn instance(ident: &str) -> Option<aws_sdk_rds::types::DbInstance> {
    rds()
        .describe_db_instances()
        .db_instance_identifier(ident)
        .send()
        .await
        .ok()?
        .db_instances()
        .first()
        .cloned()
}

#[tokio::test]
async fn db_instance_lifecycle() {
    let env = Env::new();
    let src = db_src("app-db", "db.t3.micro", "");
    let plan = env.plan(&src, &State::new()).await;
    // The password is never shown: not in the rendered plan, nor in the plan's Debug form.
    let shown = env.render(&plan);
    assert!(
        shown.contains("password") && shown.contains("(sensitive value)"),
        "{shown}"
    );
    assert!(!shown.contains(PASSWORD));
    assert!(!format!("{plan:?}").contains(PASSWORD));

    let state = env.apply(&src, &State::new()).await;
    let d = instance("app-db").await.unwrap();
    assert_eq!(d.db_instance_class(), Some("db.t3.micro"));
    assert_eq!(d.engine(), Some("postgres"));
    assert_eq!(d.backup_retention_period(), Some(7));
    assert_eq!(
        d.db_subnet_group().and_then(|g| g.db_subnet_group_name()),
        Some("app-db-subnets")
    );
    assert_eq!(
        d.db_parameter_groups()
            .first()
            .and_then(|g| g.db_parameter_group_name()),
        Some("app-db-params")
    );
    let addr = attr(&state, "aws_db_instance.db", "address");
    assert!(addr.starts_with("app-db."), "{addr}");
    assert_eq!(
        attr(&state, "aws_db_instance.db", "endpoint"),
        format!("{addr}:5432")
    );
    assert_eq!(attr(&state, "aws_db_instance.db", "status"), "available");
    assert_eq!(
        attr(&state, "aws_db_instance.db", "id"),
        attr(&state, "aws_db_instance.db", "resource_id")
    );
    let plan = env.plan(&src, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));

    // The instance class changes in place (applied immediately).
    let src2 = db_src("app-db", "db.t3.small", "");
    let state = updated(
        &env,
        &src2,
        &state,
        "aws_db_instance.db",
        &["instance_class"],
    )
    .await;
    assert_eq!(
        instance("app-db").await.unwrap().db_instance_class(),
        Some("db.t3.small")
    );

    // Drift: backup retention changed outside terrane shows as exactly that change.
    rds()
        .modify_db_instance()
        .db_instance_identifier("app-db")
        .backup_retention_period(3)
        .apply_immediately(true)
        .send()
        .await
        .unwrap();
    let state = updated(
        &env,
        &src2,
        &state,
        "aws_db_instance.db",
        &["backup_retention_period"],
    )
    .await;
    assert_eq!(
        instance("app-db").await.unwrap().backup_retention_period(),
        Some(7)
    );

    // AWS running a longer version than configured ("16" vs "16.3", a minor upgrade) is
    // no change; engine_version_actual reports it.
    rds()
        .modify_db_instance()
        .db_instance_identifier("app-db")
        .engine_version("16.3")
        .apply_immediately(true)
        .send()
        .await
        .unwrap();
    let plan = env.plan(&src2, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));
    let state = env.apply(&src2, &state).await;
    assert_eq!(attr(&state, "aws_db_instance.db", "engine_version"), "16");
    assert_eq!(
        attr(&state, "aws_db_instance.db", "engine_version_actual"),
        "16.3"
    );

    // Import by identifier: neither the password nor apply_immediately can be read, so
    // (as in Terraform) the plan sets them; the engine version "16" names the running
    // "16.3" and plans nothing.
    let mut without = state.clone();
    without
        .resources
        .retain(|r| !(r.ty == "aws_db_instance" && r.name == "db"));
    let import = format!("{src2}\nimport {{\n  to = aws_db_instance.db\n  id = \"app-db\"\n}}\n");
    let plan = env.plan(&import, &without).await;
    assert_eq!(changes(&plan), ["Update aws_db_instance.db"]);
    assert_eq!(
        changed_attrs(&plan, "aws_db_instance.db"),
        ["apply_immediately", "password"]
    );
    let shown = env.render(&plan);
    assert!(!shown.contains(PASSWORD), "{shown}");
    let state = env.apply(&import, &without).await;
    let plan = env.plan(&src2, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));

    // Log exports and snapshot tag copying change in place too.
    let src_logs = db_src(
        "app-db",
        "db.t3.small",
        "enabled_cloudwatch_logs_exports = [\"postgresql\"]\n  copy_tags_to_snapshot = true",
    );
    let state = updated(
        &env,
        &src_logs,
        &state,
        "aws_db_instance.db",
        &["copy_tags_to_snapshot", "enabled_cloudwatch_logs_exports"],
    )
    .await;
    let d = instance("app-db").await.unwrap();
    assert_eq!(d.enabled_cloudwatch_logs_exports(), ["postgresql"]);
    assert_eq!(d.copy_tags_to_snapshot(), Some(true));

    // AWS stores identifiers lowercased, so Terraform rejects uppercase ones at plan.
    let err = env
        .try_plan(
            &db_src("App-DB", "db.t3.small", ""),
            &state,
            PlanMode::Normal,
        )
        .await
        .unwrap_err();
    assert!(format!("{err:?}").contains("identifier"), "{err:?}");

    // A new identifier replaces the instance.
    let src3 = db_src("app-db2", "db.t3.small", "");
    let plan = env.plan(&src3, &state).await;
    assert!(changes(&plan).contains(&"DeleteThenCreate aws_db_instance.db".to_string()));
    let state = env.apply(&src3, &state).await;
    assert!(instance("app-db").await.is_none());
    assert!(instance("app-db2").await.is_some());

    // Deleted outside terrane: planned for re-creation.
    rds()
        .delete_db_instance()
        .db_instance_identifier("app-db2")
        .skip_final_snapshot(true)
        .send()
        .await
        .unwrap();
    let state = recreated(&env, &src3, &state, "aws_db_instance.db").await;

    env.destroy(&src3, &state).await;
    assert!(instance("app-db2").await.is_none());
}

fn bare_db(name: &str, ident: &str, extra: &str) -> String {
    format!(
        r#"
resource "aws_db_instance" "{name}" {{
  identifier        = "{ident}"
  engine            = "postgres"
  instance_class    = "db.t3.micro"
  allocated_storage = 20
  username          = "app"
  password          = "{PASSWORD}"
  {extra}
}}
"#
    )
}

#[tokio::test]
async fn db_instance_deletion_protection_and_final_snapshot() {
    let env = Env::new();
    let provider = "provider \"aws\" {\n  region = \"us-east-1\"\n}\n";
    let src = format!(
        "{provider}{}{}",
        bare_db(
            "prot",
            "prot-db",
            "deletion_protection = true\n  skip_final_snapshot = true"
        ),
        bare_db("snap", "snap-db", "")
    );
    let state = env.apply(&src, &State::new()).await;
    assert!(!env.plan(&src, &state).await.has_changes());

    // Destroy: refused at plan time, before anything is deleted: the protected instance
    // with the way out, the other one for lacking a final snapshot name.
    let before = calls(&env, "rds");
    let err = env
        .try_plan(&src, &state, PlanMode::Destroy)
        .await
        .unwrap_err();
    let text = format!("{err:?}");
    assert!(text.contains("aws_db_instance.prot"), "{text}");
    assert!(text.contains("deletion_protection = false"), "{text}");
    assert!(text.contains("aws_db_instance.snap"), "{text}");
    assert!(
        text.contains("final_snapshot_identifier is required when skip_final_snapshot is false"),
        "{text}"
    );
    assert!(!text.contains(PASSWORD));
    assert!(instance("prot-db").await.is_some());
    assert!(instance("snap-db").await.is_some());
    // Only the destroy plan's refresh (one DescribeDBInstances) was sent.
    assert_eq!(calls(&env, "rds") - before, 1);

    // Replacing the protected instance is refused at plan time too.
    let renamed = src.replace("\"prot-db\"", "\"prot-db-2\"");
    let err = env
        .try_plan(&renamed, &state, PlanMode::Normal)
        .await
        .unwrap_err();
    let text = format!("{err:?}");
    assert!(
        text.contains("to destroy or to replace it")
            && text.contains("deletion_protection = false"),
        "{text}"
    );
    // So is replacing the one that has no final snapshot name.
    let renamed = src.replace("\"snap-db\"", "\"snap-db-2\"");
    let err = env
        .try_plan(&renamed, &state, PlanMode::Normal)
        .await
        .unwrap_err();
    let text = format!("{err:?}");
    assert!(
        text.contains("final_snapshot_identifier is required when skip_final_snapshot is false"),
        "{text}"
    );

    // Following the advice: turn protection off, name a final snapshot, then destroy.
    let src2 = format!(
        "{provider}{}{}",
        bare_db(
            "prot",
            "prot-db",
            "deletion_protection = false\n  skip_final_snapshot = true"
        ),
        bare_db(
            "snap",
            "snap-db",
            "final_snapshot_identifier = \"snap-db-final\""
        )
    );
    let plan = env.plan(&src2, &state).await;
    assert_eq!(
        changes(&plan),
        ["Update aws_db_instance.prot", "Update aws_db_instance.snap"]
    );
    let state = env.apply(&src2, &state).await;
    env.destroy(&src2, &state).await;
    assert!(instance("prot-db").await.is_none());
    assert!(instance("snap-db").await.is_none());
    let snaps = rds()
        .describe_db_snapshots()
        .db_snapshot_identifier("snap-db-final")
        .send()
        .await
        .unwrap();
    assert_eq!(snaps.db_snapshots().len(), 1);
}

#[tokio::test]
async fn db_instances_refresh_in_one_call() {
    let env = Env::new();
    let provider = "provider \"aws\" {\n  region = \"us-east-1\"\n}\n";
    let mut src = provider.to_string();
    for i in 0..4 {
        src.push_str(&bare_db(
            &format!("d{i}"),
            &format!("batch-db-{i}"),
            "skip_final_snapshot = true",
        ));
    }
    // One more with a generated identifier, found by the name create returned.
    src.push_str(
        &bare_db("gen", "unused", "skip_final_snapshot = true").replace(
            "identifier        = \"unused\"",
            "identifier_prefix = \"batch-gen-\"",
        ),
    );
    let state = env.apply(&src, &State::new()).await;
    let generated = attr(&state, "aws_db_instance.gen", "identifier");
    assert!(generated.starts_with("batch-gen-"), "{generated}");
    assert!(instance(&generated).await.is_some());
    let before = calls(&env, "rds");
    let plan = env.plan(&src, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));
    assert_eq!(
        calls(&env, "rds") - before,
        1,
        "one DescribeDBInstances for 5"
    );
    env.destroy(&src, &state).await;
}

#[tokio::test]
async fn db_instance_needs_engine_and_username_to_create() {
    let env = Env::new();
    let src = r#"
provider "aws" {
  region = "us-east-1"
}
resource "aws_db_instance" "x" {
  identifier     = "no-engine-db"
  instance_class = "db.t3.micro"
  password       = "whatever-123"
}
"#;
    let before = calls(&env, "rds");
    let err = env
        .try_plan(src, &State::new(), PlanMode::Normal)
        .await
        .unwrap_err();
    let text = format!("{err:?}");
    assert!(
        text.contains("\\\"engine\\\": required field is not set"),
        "{text}"
    );
    assert!(
        text.contains("\\\"username\\\": required field is not set"),
        "{text}"
    );
    let both = src.replace(
        "identifier     = \"no-engine-db\"",
        "identifier = \"no-engine-db\"\n  identifier_prefix = \"no-engine-\"",
    );
    let err = env
        .try_plan(&both, &State::new(), PlanMode::Normal)
        .await
        .unwrap_err();
    let text = format!("{err:?}");
    assert!(
        text.contains("\\\"identifier\\\": conflicts with identifier_prefix"),
        "{text}"
    );
    assert_eq!(calls(&env, "rds"), before);
}

#[tokio::test]
async fn db_instance_data_source_and_managed_password() {
    let env = Env::new();
    let src = r#"
provider "aws" {
  region = "us-east-1"
}
resource "aws_db_instance" "m" {
  identifier                  = "managed-db"
  engine                      = "postgres"
  instance_class              = "db.t3.micro"
  allocated_storage           = 20
  username                    = "app"
  manage_master_user_password = true
  skip_final_snapshot         = true
}
data "aws_db_instance" "m" {
  db_instance_identifier = aws_db_instance.m.identifier
}
"#;
    let state = env.apply(src, &State::new()).await;
    let r = state
        .resources
        .iter()
        .find(|r| r.ty == "aws_db_instance" && r.mode == "managed")
        .unwrap();
    let secret = &r.instances[0].attributes.to_json()["master_user_secret"];
    let arn = secret[0]["secret_arn"].as_str().unwrap_or_default();
    assert!(arn.contains(":secret:"), "{secret}");
    let data = state
        .resources
        .iter()
        .find(|r| r.ty == "aws_db_instance" && r.mode == "data")
        .unwrap();
    let a = &data.instances[0].attributes.to_json();
    assert_eq!(a["db_instance_class"].as_str(), Some("db.t3.micro"));
    assert_eq!(a["master_username"].as_str(), Some("app"));
    assert_eq!(
        a["endpoint"].as_str(),
        Some(attr(&state, "aws_db_instance.m", "endpoint").as_str())
    );
    let plan = env.plan(src, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));
    env.destroy(src, &state).await;
}

/// `password_wo` reaches AWS (seen through the fault proxy, since no API returns a
/// password) and never reaches state; changing it alone plans nothing, a new
/// `password_wo_version` sends it again.
#[tokio::test]
async fn db_instance_write_only_password() {
    let env = Env::new();
    let proxy = terrane_test_support::fault::FaultProxy::for_moto();
    let src = |password: &str, version: u32| {
        format!(
            r#"
provider "aws" {{
  region = "us-east-1"
  endpoints {{
    rds = "{}"
  }}
}}
resource "aws_db_instance" "db" {{
  identifier          = "wo-db"
  engine              = "postgres"
  instance_class      = "db.t3.micro"
  allocated_storage   = 20
  username            = "app"
  password_wo         = "{password}"
  password_wo_version = {version}
  apply_immediately   = true
  skip_final_snapshot = true
}}
"#,
            proxy.endpoint
        )
    };
    let plan = env.plan(&src("first-Pa55word", 1), &State::new()).await;
    let shown = env.render(&plan);
    assert!(
        shown.contains("+ password_wo") && shown.contains("(write-only attribute)"),
        "{shown}"
    );
    assert!(!format!("{plan:?}").contains("first-Pa55word"));
    let state = env.apply(&src("first-Pa55word", 1), &State::new()).await;
    let sent = proxy.last_body("CreateDBInstance").unwrap_or_default();
    assert!(sent.contains("MasterUserPassword=first-Pa55word"), "{sent}");
    let stored = serde_json::to_value(&state).unwrap();
    assert_eq!(
        stored["resources"][0]["instances"][0]["attributes"]["password_wo"],
        serde_json::Value::Null
    );
    assert!(!stored.to_string().contains("first-Pa55word"));
    // A new value alone is not a change: the old one is not known to compare with.
    let plan = env.plan(&src("second-Pa55word", 1), &state).await;
    assert!(changes(&plan).is_empty(), "{:?}", changes(&plan));
    let plan = env.plan(&src("second-Pa55word", 2), &state).await;
    assert_eq!(
        changed_attrs(&plan, "aws_db_instance.db"),
        ["password_wo_version"]
    );
    let state = env.apply(&src("second-Pa55word", 2), &state).await;
    let sent = proxy.last_body("ModifyDBInstance").unwrap_or_default();
    assert!(
        sent.contains("MasterUserPassword=second-Pa55word"),
        "{sent}"
    );
    env.destroy(&src("second-Pa55word", 2), &state).await;
}

fn og_src(name: &str, setting: &str, tags: &str) -> String {
    format!(
        r#"
provider "aws" {{
  region = "us-east-1"
}}
resource "aws_db_option_group" "og" {{
  name                 = "{name}"
  engine_name          = "mysql"
  major_engine_version = "8.0"
  option {{
    option_name = "MARIADB_AUDIT_PLUGIN"
    option_settings {{
      name  = "SERVER_AUDIT_EVENTS"
      value = "{setting}"
    }}
  }}
  option {{
    option_name = "MEMCACHED"
    port        = 11211
    version     = "1.0"
  }}
  tags = {{ {tags} }}
}}
resource "aws_db_option_group" "p" {{
  name_prefix              = "ogp-"
  option_group_description = "prefixed"
  engine_name              = "mysql"
  major_engine_version     = "5.7"
}}
"#
    )
}

async fn option_group(name: &str) -> Option<aws_sdk_rds::types::OptionGroup> {
    rds()
        .describe_option_groups()
        .option_group_name(name)
        .send()
        .await
        .ok()?
        .option_groups_list()
        .first()
        .cloned()
}

/// The options of a group as "NAME" or "NAME:SETTING=VALUE".
async fn options_of(name: &str) -> Vec<String> {
    let g = option_group(name).await.unwrap();
    let mut out: Vec<String> = g
        .options()
        .iter()
        .flat_map(|o| {
            let n = o.option_name().unwrap_or_default().to_string();
            if o.option_settings().is_empty() {
                return vec![n];
            }
            o.option_settings()
                .iter()
                .map(|s| {
                    format!(
                        "{n}:{}={}",
                        s.name().unwrap_or_default(),
                        s.value().unwrap_or_default()
                    )
                })
                .collect()
        })
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn option_group_lifecycle() {
    let env = Env::new();
    let addr = "aws_db_option_group.og";
    let src = og_src("og-main", "CONNECT", r#"team = "a""#);
    let state = env.apply(&src, &State::new()).await;
    assert_eq!(attr(&state, addr, "id"), "og-main");
    assert!(attr(&state, addr, "arn").ends_with(":og:og-main"));
    assert_eq!(
        attr(&state, addr, "option_group_description"),
        "Managed by Terraform"
    );
    assert_eq!(
        options_of("og-main").await,
        [
            "MARIADB_AUDIT_PLUGIN:SERVER_AUDIT_EVENTS=CONNECT",
            "MEMCACHED"
        ]
    );
    let arn = attr(&state, addr, "arn");
    assert_eq!(tags_of(&arn).await, [("team".into(), "a".into())]);
    let prefixed = attr(&state, "aws_db_option_group.p", "name");
    assert!(prefixed.starts_with("ogp-"), "{prefixed}");
    assert!(option_group(&prefixed).await.is_some());
    let plan = env.plan(&src, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));

    // A setting and the tags change in place.
    let src2 = og_src("og-main", "QUERY", r#"team = "b""#);
    let state = updated(&env, &src2, &state, addr, &["option", "tags", "tags_all"]).await;
    assert_eq!(
        options_of("og-main").await,
        [
            "MARIADB_AUDIT_PLUGIN:SERVER_AUDIT_EVENTS=QUERY",
            "MEMCACHED"
        ]
    );
    assert_eq!(tags_of(&arn).await, [("team".into(), "b".into())]);

    // An option removed from the configuration is removed from the group.
    let without = src2.replace(
        "  option {\n    option_name = \"MEMCACHED\"\n    port        = 11211\n    version     = \"1.0\"\n  }\n",
        "",
    );
    assert_ne!(without, src2);
    let state = updated(&env, &without, &state, addr, &["option"]).await;
    assert_eq!(
        options_of("og-main").await,
        ["MARIADB_AUDIT_PLUGIN:SERVER_AUDIT_EVENTS=QUERY"]
    );

    // Import by name into a fresh state: no change. (Done while no option has a port or
    // version: moto reports neither, so after an import nothing would know them.)
    let imported = env.import_into(&state, addr, "og-main").await;
    let plan = env.plan(&without, &imported).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));
    let state = updated(&env, &src2, &state, addr, &["option"]).await;
    let v = env.import("aws_db_option_group", "og-main").await.unwrap();
    assert_eq!(v.get_attr("name").and_then(|v| v.as_str()), Some("og-main"));
    assert!(env
        .import_refreshed("aws_db_option_group", "og-missing")
        .await
        .is_none());

    // Drift: an option removed outside terrane is seen and added back.
    rds()
        .modify_option_group()
        .option_group_name("og-main")
        .options_to_remove("MEMCACHED")
        .apply_immediately(true)
        .send()
        .await
        .unwrap();
    let plan = env.plan(&src2, &state).await;
    assert_eq!(changes(&plan), [format!("Update {addr}")]);
    assert_eq!(common::drifted_attrs(&plan, addr), ["option"]);
    let state = updated(&env, &src2, &state, addr, &["option"]).await;
    assert!(options_of("og-main")
        .await
        .contains(&"MEMCACHED".to_string()));

    // A new engine version replaces the group.
    let src3 = src2.replace("\"8.0\"", "\"5.7\"");
    assert_eq!(
        changes(&env.plan(&src3, &state).await),
        [format!("DeleteThenCreate {addr}")]
    );
    let state = env.apply(&src3, &state).await;
    assert_eq!(
        option_group("og-main")
            .await
            .unwrap()
            .major_engine_version(),
        Some("5.7")
    );
    assert!(!env.plan(&src3, &state).await.has_changes());

    // Deleted outside terrane: planned for re-creation.
    rds()
        .delete_option_group()
        .option_group_name("og-main")
        .send()
        .await
        .unwrap();
    let state = recreated(&env, &src3, &state, addr).await;

    env.destroy(&src3, &state).await;
    assert!(option_group("og-main").await.is_none());
    assert!(option_group(&prefixed).await.is_none());

    // With skip_destroy, destroy only forgets the group.
    let keep = og_src("og-keep", "CONNECT", "").replace("tags = {  }", "skip_destroy = true");
    let state = env.apply(&keep, &State::new()).await;
    env.destroy(&keep, &state).await;
    assert!(option_group("og-keep").await.is_some());
}

#[tokio::test]
async fn db_instance_role_association() {
    let env = Env::new();
    let src = r#"
provider "aws" {
  region = "us-east-1"
}
resource "aws_iam_role" "s3" {
  name               = "rds-s3-import"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = "rds.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
}
resource "aws_db_instance" "db" {
  identifier          = "role-db"
  engine              = "postgres"
  instance_class      = "db.t3.micro"
  allocated_storage   = 20
  username            = "app"
  password            = "s3cr3t-Pa55word-xyz"
  skip_final_snapshot = true
}
resource "aws_db_instance_role_association" "a" {
  db_instance_identifier = aws_db_instance.db.identifier
  feature_name           = "s3Import"
  role_arn               = aws_iam_role.s3.arn
}
"#;
    let addr = "aws_db_instance_role_association.a";
    let state = env.apply(src, &State::new()).await;
    let arn = attr(&state, "aws_iam_role.s3", "arn");
    assert_eq!(attr(&state, addr, "id"), format!("role-db,{arn}"));
    let held = instance("role-db").await.unwrap();
    let roles: Vec<(&str, &str)> = held
        .associated_roles()
        .iter()
        .map(|r| {
            (
                r.role_arn().unwrap_or_default(),
                r.feature_name().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(roles, [(arn.as_str(), "s3Import")]);
    let plan = env.plan(src, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));

    // Import by `IDENTIFIER,ROLE_ARN` into a fresh state: the feature is read back.
    let imported = env
        .import_into(&state, addr, &format!("role-db,{arn}"))
        .await;
    assert_eq!(attr(&imported, addr, "feature_name"), "s3Import");
    let plan = env.plan(src, &imported).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));
    assert!(env
        .import("aws_db_instance_role_association", "role-db")
        .await
        .is_err());

    // A new feature replaces the association.
    let other = src.replace("s3Import", "Lambda");
    assert_eq!(
        changes(&env.plan(&other, &state).await),
        [format!("DeleteThenCreate {addr}")]
    );

    // moto has no RemoveRoleFromDBInstance: the association is forgotten (as
    // `terrane state rm` would) before the rest is destroyed.
    let mut rest = state.clone();
    rest.resources
        .retain(|r| r.ty != "aws_db_instance_role_association");
    let without = src
        .split("resource \"aws_db_instance_role_association\"")
        .next()
        .unwrap()
        .to_string();
    env.destroy(&without, &rest).await;
    assert!(instance("role-db").await.is_none());
}

/// The arguments the RDS community module passes: extended support, Database Insights,
/// domain membership and a dedicated log volume are sent on create and changed in place;
/// the other ways of creating an instance are refused with a clear message.
#[tokio::test]
async fn db_instance_module_arguments() {
    let env = Env::new();
    let addr = "aws_db_instance.mod";
    let provider = "provider \"aws\" {\n  region = \"us-east-1\"\n}\n";
    let src = |support: &str, insights: &str| {
        let extra = format!(
            r#"skip_final_snapshot      = true
  engine_lifecycle_support = "{support}"
  database_insights_mode   = "{insights}"
  dedicated_log_volume     = false
  # moto keeps no Performance Insights settings: read back as configured.
  performance_insights_enabled          = true
  performance_insights_retention_period = 7
  domain                   = "d-1234567890"
  domain_iam_role_name     = "rds-ad"
  blue_green_update {{
    enabled = false
  }}"#
        );
        format!("{provider}{}", bare_db("mod", "mod-db", &extra))
    };
    let first = src("open-source-rds-extended-support-disabled", "standard");
    let state = env.apply(&first, &State::new()).await;
    let d = instance("mod-db").await.unwrap();
    let m = &d.domain_memberships()[0];
    assert_eq!(m.domain(), Some("d-1234567890"));
    assert_eq!(m.iam_role_name(), Some("rds-ad"));
    assert_eq!(
        attr(&state, addr, "engine_lifecycle_support"),
        "open-source-rds-extended-support-disabled"
    );
    assert!(!env.plan(&first, &state).await.has_changes());

    // Changed in place with ModifyDBInstance (moto keeps neither: they read back as
    // configured). moto does not change a domain membership on modify, so that is not
    // tested here.
    let second = src("open-source-rds-extended-support", "advanced");
    let state = updated(
        &env,
        &second,
        &state,
        addr,
        &["database_insights_mode", "engine_lifecycle_support"],
    )
    .await;

    // Ways of creating an instance terrane does not have are refused before any call.
    for extra in [
        "snapshot_identifier = \"snap-1\"",
        "replicate_source_db = \"mod-db\"",
        "s3_import {\n    bucket_name = \"b\"\n    ingestion_role = \"r\"\n    source_engine = \"mysql\"\n    source_engine_version = \"8.0\"\n  }",
    ] {
        let bad = format!("{provider}{}", bare_db("other", "other-db", extra));
        let err = env
            .try_plan(&bad, &State::new(), PlanMode::Normal)
            .await
            .unwrap_err();
        let text = format!("{err:?}");
        assert!(text.contains("does not support"), "{text}");
    }
    assert!(instance("other-db").await.is_none());

    env.destroy(&second, &state).await;
    assert!(instance("mod-db").await.is_none());
}

fn directory_src(sso: bool, team: &str) -> String {
    format!(
        r#"
provider "aws" {{
  region = "us-east-1"
}}
resource "aws_vpc" "ad" {{
  cidr_block = "10.93.0.0/16"
}}
resource "aws_subnet" "a" {{
  vpc_id            = aws_vpc.ad.id
  cidr_block        = "10.93.1.0/24"
  availability_zone = "us-east-1a"
}}
resource "aws_subnet" "b" {{
  vpc_id            = aws_vpc.ad.id
  cidr_block        = "10.93.2.0/24"
  availability_zone = "us-east-1b"
}}
resource "aws_directory_service_directory" "ad" {{
  name        = "corp.example.com"
  password    = "SuperSecretPassw0rd"
  size        = "Small"
  description = "SQL Server auth"
  alias       = "corp-sql"
  enable_sso  = {sso}
  tags = {{
    team = "{team}"
  }}
  vpc_settings {{
    vpc_id     = aws_vpc.ad.id
    subnet_ids = [aws_subnet.a.id, aws_subnet.b.id]
  }}
}}
"#
    )
}

fn directory_service() -> aws_sdk_directory::Client {
    let m = terrane_test_support::moto();
    aws_sdk_directory::Client::from_conf(
        aws_sdk_directory::Config::builder()
            .behavior_version(aws_sdk_directory::config::BehaviorVersion::latest())
            .region(aws_sdk_directory::config::Region::new("us-east-1"))
            .endpoint_url(&m.endpoint)
            .credentials_provider(aws_sdk_directory::config::Credentials::new(
                "test", "test", None, None, "test",
            ))
            .build(),
    )
}

async fn directory(id: &str) -> Option<aws_sdk_directory::types::DirectoryDescription> {
    let out = directory_service()
        .describe_directories()
        .send()
        .await
        .unwrap();
    let found = out
        .directory_descriptions()
        .iter()
        .find(|d| d.directory_id() == Some(id));
    found.cloned()
}

/// The RDS module's SQL Server example joins its instance to a directory.
#[tokio::test]
async fn directory_service_directory() {
    let env = Env::new();
    let addr = "aws_directory_service_directory.ad";
    let src = directory_src(false, "db");
    let state = env.apply(&src, &State::new()).await;
    let id = attr(&state, addr, "id");
    assert!(id.starts_with("d-"), "{id}");
    let d = directory(&id).await.expect("the directory exists");
    assert_eq!(d.name(), Some("corp.example.com"));
    assert_eq!(d.size().map(|s| s.as_str()), Some("Small"));
    assert_eq!(attr(&state, addr, "type"), "SimpleAD");
    // The alias is created after the directory (SSO needs it), and names its URL.
    assert_eq!(d.alias(), Some("corp-sql"));
    assert_eq!(attr(&state, addr, "access_url"), "corp-sql.awsapps.com");
    // The password is sent, kept as configured (sensitive), never read back.
    assert_eq!(attr(&state, addr, "password"), "SuperSecretPassw0rd");
    common::converged(&env, &src, &state).await;
    common::found_by_identity(&env, &state, addr).await;

    // SSO and tags change in place; the directory stays.
    let src = directory_src(true, "data");
    let plan = env.plan(&src, &state).await;
    assert_eq!(changes(&plan), [format!("Update {addr}")]);
    let state = env.apply(&src, &state).await;
    assert_eq!(attr(&state, addr, "id"), id);
    assert!(directory(&id).await.unwrap().sso_enabled());
    let tags = directory_service()
        .list_tags_for_resource()
        .resource_id(&id)
        .send()
        .await
        .unwrap();
    let tags: Vec<_> = tags.tags().iter().map(|t| (t.key(), t.value())).collect();
    assert_eq!(tags, [("team", "data")]);
    common::converged(&env, &src, &state).await;

    // Imported by ID: the password is never read back, so the configured one is a
    // change, and it replaces (as in Terraform, whose import leaves it out too).
    let imported = env.import_into(&state, addr, &id).await;
    assert_eq!(attr(&imported, addr, "name"), "corp.example.com");
    let plan = env.plan(&src, &imported).await;
    assert_eq!(changes(&plan), [format!("DeleteThenCreate {addr}")]);
    assert!(changed_attrs(&plan, addr).contains(&"password".to_string()));

    // A new name replaces.
    let renamed = src.replace("corp.example.com", "corp2.example.com");
    let plan = env.plan(&renamed, &state).await;
    assert_eq!(changes(&plan), [format!("DeleteThenCreate {addr}")]);

    env.destroy(&src, &state).await;
    assert!(directory(&id).await.is_none());
}
