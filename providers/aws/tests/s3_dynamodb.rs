//! aws_s3_bucket, its versioning, encryption and public access block, and
//! aws_dynamodb_table against moto through the engine (issue #14: the state bucket and
//! lock table bootstrapped with terrane itself): create, converge, update in place, import,
//! drift made with the SDK, destroy, checked with the SDK.

mod common;

use common::{attr, changes, drifted_attrs, Env};
use terrane_engine::plan::PlanMode;
use terrane_engine::state::State;

fn s3() -> aws_sdk_s3::Client {
    let m = terrane_test_support::moto();
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::Config::builder()
            .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
            .region(aws_sdk_s3::config::Region::new("us-east-1"))
            .endpoint_url(&m.endpoint)
            .force_path_style(true)
            .credentials_provider(aws_sdk_s3::config::Credentials::new(
                "test", "test", None, None, "test",
            ))
            .build(),
    )
}

fn ddb() -> aws_sdk_dynamodb::Client {
    let m = terrane_test_support::moto();
    aws_sdk_dynamodb::Client::from_conf(
        aws_sdk_dynamodb::Config::builder()
            .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
            .region(aws_sdk_dynamodb::config::Region::new("us-east-1"))
            .endpoint_url(&m.endpoint)
            .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
                "test", "test", None, None, "test",
            ))
            .build(),
    )
}

const PROVIDER: &str = r#"
provider "aws" {
  region            = "us-east-1"
  s3_use_path_style = true
}
"#;

#[track_caller]
fn assert_converged(plan: &terrane_engine::plan::Plan) {
    assert!(!plan.has_changes(), "{:?}", changes(plan));
}

async fn bucket_exists(name: &str) -> bool {
    s3().head_bucket().bucket(name).send().await.is_ok()
}

async fn bucket_tags(name: &str) -> Vec<(String, String)> {
    let out = s3().get_bucket_tagging().bucket(name).send().await.unwrap();
    out.tag_set()
        .iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect()
}

/// The versioning status as moto stores it (the SDK cannot parse moto's reply, so the
/// raw XML is read).
fn versioning_status(bucket: &str) -> String {
    let (code, body) = terrane_test_support::moto()
        .http("GET", &format!("/{bucket}?versioning"))
        .unwrap();
    assert_eq!(code, 200, "{body}");
    body.split("<Status>")
        .nth(1)
        .and_then(|s| s.split("</Status>").next())
        .unwrap_or_default()
        .to_string()
}

fn bucket_src(team: &str, force_destroy: bool) -> String {
    format!(
        r#"{PROVIDER}
resource "aws_s3_bucket" "b" {{
  bucket        = "terrane-state-a"
  force_destroy = {force_destroy}
  tags          = {{ team = "{team}" }}
}}
resource "aws_s3_bucket" "p" {{
  bucket_prefix = "terrane-pre-"
}}
"#
    )
}

fn one_tag(k: &str, v: &str) -> Vec<(String, String)> {
    vec![(k.to_string(), v.to_string())]
}

#[tokio::test]
async fn s3_bucket_lifecycle() {
    let env = Env::new();
    let src = bucket_src("a", false);
    let state = env.apply(&src, &State::new()).await;
    let b = "aws_s3_bucket.b";
    assert_eq!(attr(&state, b, "id"), "terrane-state-a");
    assert_eq!(attr(&state, b, "arn"), "arn:aws:s3:::terrane-state-a");
    assert_eq!(
        attr(&state, b, "bucket_domain_name"),
        "terrane-state-a.s3.amazonaws.com"
    );
    assert_eq!(
        attr(&state, b, "bucket_regional_domain_name"),
        "terrane-state-a.s3.us-east-1.amazonaws.com"
    );
    assert_eq!(attr(&state, b, "hosted_zone_id"), "Z3AQBSTGFYJSTF");
    assert_eq!(attr(&state, b, "bucket_region"), "us-east-1");
    assert_eq!(attr(&state, b, "region"), "us-east-1");
    assert_eq!(attr(&state, b, "object_lock_enabled"), "false");
    let prefixed = attr(&state, "aws_s3_bucket.p", "bucket");
    assert!(prefixed.starts_with("terrane-pre-"), "{prefixed}");
    assert_eq!(
        attr(&state, "aws_s3_bucket.p", "bucket_prefix"),
        "terrane-pre-"
    );
    assert!(bucket_exists("terrane-state-a").await);
    assert!(bucket_exists(&prefixed).await);
    assert_eq!(bucket_tags("terrane-state-a").await, one_tag("team", "a"));
    assert_converged(&env.plan(&src, &state).await);

    // Tags change in place.
    let src = bucket_src("b", false);
    assert_eq!(
        changes(&env.plan(&src, &state).await),
        [format!("Update {b}")]
    );
    let state = env.apply(&src, &state).await;
    assert_eq!(bucket_tags("terrane-state-a").await, one_tag("team", "b"));
    assert_converged(&env.plan(&src, &state).await);

    // Imported by name into a state that knows only the ID: no change.
    let imported = env.import_into(&state, b, "terrane-state-a").await;
    assert_eq!(attr(&imported, b, "arn"), "arn:aws:s3:::terrane-state-a");
    assert_converged(&env.plan(&src, &imported).await);
    let missing = env.import("aws_s3_bucket", "terrane-no-such-bucket").await;
    assert!(
        format!("{missing:?}").contains("Cannot import non-existent remote object"),
        "{missing:?}"
    );

    // Tags changed outside terrane: drift, and apply puts them back.
    let tag = aws_sdk_s3::types::Tag::builder()
        .key("team")
        .value("x")
        .build()
        .unwrap();
    let tagging = aws_sdk_s3::types::Tagging::builder()
        .tag_set(tag)
        .build()
        .unwrap();
    s3().put_bucket_tagging()
        .bucket("terrane-state-a")
        .tagging(tagging)
        .send()
        .await
        .unwrap();
    let plan = env.plan(&src, &state).await;
    assert_eq!(changes(&plan), [format!("Update {b}")]);
    assert_eq!(drifted_attrs(&plan, b), ["tags", "tags_all"]);
    let state = env.apply(&src, &state).await;
    assert_eq!(bucket_tags("terrane-state-a").await, one_tag("team", "b"));

    // A bucket holding objects is not destroyed without force_destroy; the error names it.
    s3().put_object()
        .bucket("terrane-state-a")
        .key("env/terraform.tfstate")
        .body(b"{}".to_vec().into())
        .send()
        .await
        .unwrap();
    let (kept, diags) = env.apply_mode(&src, &state, PlanMode::Destroy).await;
    let text = format!("{diags:?}");
    assert!(
        text.contains("terrane-state-a") && text.contains("force_destroy"),
        "{text}"
    );
    assert!(bucket_exists("terrane-state-a").await);
    assert!(!bucket_exists(&prefixed).await, "the empty bucket went");

    // force_destroy updates in place; then destroy deletes every version and marker.
    let src = bucket_src("b", true);
    let state = env.apply(&src, &kept).await;
    assert_eq!(attr(&state, b, "force_destroy"), "true");
    s3().put_bucket_versioning()
        .bucket("terrane-state-a")
        .versioning_configuration(
            aws_sdk_s3::types::VersioningConfiguration::builder()
                .status(aws_sdk_s3::types::BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .unwrap();
    for body in ["one", "two"] {
        s3().put_object()
            .bucket("terrane-state-a")
            .key("env/terraform.tfstate")
            .body(body.as_bytes().to_vec().into())
            .send()
            .await
            .unwrap();
    }
    s3().delete_object()
        .bucket("terrane-state-a")
        .key("env/terraform.tfstate")
        .send()
        .await
        .unwrap();
    env.destroy(&src, &state).await;
    assert!(!bucket_exists("terrane-state-a").await);
}

#[tokio::test]
async fn deprecated_inline_bucket_blocks_are_refused() {
    let env = Env::new();
    let src = format!(
        "{PROVIDER}\nresource \"aws_s3_bucket\" \"b\" {{\n  bucket = \"terrane-x\"\n  versioning {{\n    enabled = true\n  }}\n}}\n"
    );
    let refused = env
        .try_plan(&src, &State::new(), PlanMode::Normal)
        .await
        .unwrap_err();
    let text = format!("{refused:?}");
    assert!(text.contains("versioning"), "{text}");
    assert!(!bucket_exists("terrane-x").await);
}

fn config_src(status: &str, sse: &str, restrict: bool, with_versioning: bool) -> String {
    let versioning = if with_versioning {
        format!(
            r#"
resource "aws_s3_bucket_versioning" "v" {{
  bucket = aws_s3_bucket.b.id
  versioning_configuration {{
    status = "{status}"
  }}
}}"#
        )
    } else {
        String::new()
    };
    format!(
        r#"{PROVIDER}
resource "aws_s3_bucket" "b" {{
  bucket = "terrane-state-c"
}}
{versioning}
resource "aws_s3_bucket_server_side_encryption_configuration" "e" {{
  bucket = aws_s3_bucket.b.id
  rule {{
    apply_server_side_encryption_by_default {{
      sse_algorithm = "{sse}"
    }}
  }}
}}
resource "aws_s3_bucket_public_access_block" "p" {{
  bucket                  = aws_s3_bucket.b.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = {restrict}
}}
"#
    )
}

async fn encryption_algorithm(bucket: &str) -> Option<String> {
    let out = s3()
        .get_bucket_encryption()
        .bucket(bucket)
        .send()
        .await
        .ok()?;
    let rule = out
        .server_side_encryption_configuration()?
        .rules()
        .first()?;
    let d = rule.apply_server_side_encryption_by_default()?;
    Some(d.sse_algorithm().as_str().to_string())
}

async fn public_access(bucket: &str) -> Option<aws_sdk_s3::types::PublicAccessBlockConfiguration> {
    let out = s3()
        .get_public_access_block()
        .bucket(bucket)
        .send()
        .await
        .ok()?;
    out.public_access_block_configuration().cloned()
}

#[tokio::test]
async fn s3_bucket_configuration_types() {
    let env = Env::new();
    let bucket = "terrane-state-c";
    let (v, e, p) = (
        "aws_s3_bucket_versioning.v",
        "aws_s3_bucket_server_side_encryption_configuration.e",
        "aws_s3_bucket_public_access_block.p",
    );
    let src = config_src("Enabled", "AES256", true, true);
    let state = env.apply(&src, &State::new()).await;
    for addr in [v, e, p] {
        assert_eq!(attr(&state, addr, "id"), bucket, "{addr}");
    }
    assert_eq!(versioning_status(bucket), "Enabled");
    assert_eq!(
        encryption_algorithm(bucket).await.as_deref(),
        Some("AES256")
    );
    let pab = public_access(bucket).await.unwrap();
    assert_eq!(pab.restrict_public_buckets(), Some(true));
    assert_eq!(pab.block_public_acls(), Some(true));
    assert_converged(&env.plan(&src, &state).await);

    // Each changes in place.
    let src = config_src("Suspended", "aws:kms", false, true);
    let mut planned = changes(&env.plan(&src, &state).await);
    planned.sort();
    assert_eq!(
        planned,
        [
            format!("Update {p}"),
            format!("Update {e}"),
            format!("Update {v}")
        ]
    );
    let state = env.apply(&src, &state).await;
    assert_eq!(versioning_status(bucket), "Suspended");
    assert_eq!(
        encryption_algorithm(bucket).await.as_deref(),
        Some("aws:kms")
    );
    let pab = public_access(bucket).await.unwrap();
    assert_eq!(pab.restrict_public_buckets(), Some(false));
    assert_converged(&env.plan(&src, &state).await);

    // Imported by bucket name: no change.
    let mut imported = state.clone();
    for addr in [v, e, p] {
        imported = env.import_into(&imported, addr, bucket).await;
    }
    assert_converged(&env.plan(&src, &imported).await);

    // Changes outside terrane: drift on the public access block, and an encryption
    // configuration deleted outside is planned again.
    s3().put_public_access_block()
        .bucket(bucket)
        .public_access_block_configuration(
            aws_sdk_s3::types::PublicAccessBlockConfiguration::builder()
                .block_public_acls(false)
                .block_public_policy(true)
                .ignore_public_acls(true)
                .restrict_public_buckets(false)
                .build(),
        )
        .send()
        .await
        .unwrap();
    s3().delete_bucket_encryption()
        .bucket(bucket)
        .send()
        .await
        .unwrap();
    let plan = env.plan(&src, &state).await;
    let mut planned = changes(&plan);
    planned.sort();
    assert_eq!(planned, [format!("Create {e}"), format!("Update {p}")]);
    assert_eq!(drifted_attrs(&plan, p), ["block_public_acls"]);
    let state = env.apply(&src, &state).await;
    let pab = public_access(bucket).await.unwrap();
    assert_eq!(pab.block_public_acls(), Some(true));
    assert!(encryption_algorithm(bucket).await.is_some());
    assert_converged(&env.plan(&src, &state).await);

    // Destroying the versioning resource suspends versioning, as Terraform does.
    let src = config_src("Enabled", "aws:kms", false, true);
    let state = env.apply(&src, &state).await;
    assert_eq!(versioning_status(bucket), "Enabled");
    let src = config_src("Enabled", "aws:kms", false, false);
    assert_eq!(
        changes(&env.plan(&src, &state).await),
        [format!("Delete {v}")]
    );
    let state = env.apply(&src, &state).await;
    assert_eq!(versioning_status(bucket), "Suspended");
    assert!(bucket_exists(bucket).await);

    env.destroy(&src, &state).await;
    assert!(!bucket_exists(bucket).await);
}

fn table_src(lock_billing: &str, prov_capacity: u32, protect: bool, stream: bool) -> String {
    let capacity = if lock_billing == "PROVISIONED" {
        "read_capacity  = 2\n  write_capacity = 3"
    } else {
        ""
    };
    let view = if stream { "\"NEW_IMAGE\"" } else { "null" };
    format!(
        r#"{PROVIDER}
resource "aws_dynamodb_table" "lock" {{
  name         = "terrane-locks"
  billing_mode = "{lock_billing}"
  {capacity}
  hash_key     = "LockID"
  attribute {{
    name = "LockID"
    type = "S"
  }}
  point_in_time_recovery {{
    enabled = true
  }}
  server_side_encryption {{
    enabled = true
  }}
  ttl {{
    attribute_name = "expires"
    enabled        = true
  }}
  deletion_protection_enabled = {protect}
  tags = {{ team = "platform" }}
}}
resource "aws_dynamodb_table" "prov" {{
  name           = "terrane-orders"
  read_capacity  = {prov_capacity}
  write_capacity = {prov_capacity}
  hash_key       = "pk"
  range_key      = "sk"
  attribute {{
    name = "pk"
    type = "S"
  }}
  attribute {{
    name = "sk"
    type = "N"
  }}
  stream_enabled   = {stream}
  stream_view_type = {view}
}}
"#
    )
}

async fn describe_table(name: &str) -> Option<aws_sdk_dynamodb::types::TableDescription> {
    let out = ddb().describe_table().table_name(name).send().await.ok()?;
    out.table().cloned()
}

#[tokio::test]
async fn dynamodb_table_lifecycle() {
    let env = Env::new();
    let (lock, prov) = ("aws_dynamodb_table.lock", "aws_dynamodb_table.prov");
    let src = table_src("PAY_PER_REQUEST", 5, false, true);
    let state = env.apply(&src, &State::new()).await;
    assert_eq!(attr(&state, lock, "id"), "terrane-locks");
    assert!(attr(&state, lock, "arn").ends_with(":table/terrane-locks"));
    assert_eq!(attr(&state, lock, "billing_mode"), "PAY_PER_REQUEST");
    assert!(!attr(&state, prov, "stream_arn").is_empty());
    assert!(!attr(&state, prov, "stream_label").is_empty());
    assert_eq!(attr(&state, prov, "stream_view_type"), "NEW_IMAGE");
    let t = describe_table("terrane-locks").await.unwrap();
    assert_eq!(t.key_schema()[0].attribute_name(), "LockID");
    let ttl = ddb()
        .describe_time_to_live()
        .table_name("terrane-locks")
        .send()
        .await
        .unwrap();
    let ttl = ttl.time_to_live_description().unwrap();
    assert_eq!(ttl.attribute_name(), Some("expires"));
    assert_converged(&env.plan(&src, &state).await);

    // Billing mode, capacity and streams change in place.
    let src = table_src("PROVISIONED", 10, false, false);
    assert_eq!(
        changes(&env.plan(&src, &state).await),
        [format!("Update {lock}"), format!("Update {prov}")]
    );
    let state = env.apply(&src, &state).await;
    let t = describe_table("terrane-locks").await.unwrap();
    let tp = t.provisioned_throughput().unwrap();
    assert_eq!(
        (tp.read_capacity_units(), tp.write_capacity_units()),
        (Some(2), Some(3))
    );
    let t = describe_table("terrane-orders").await.unwrap();
    let tp = t.provisioned_throughput().unwrap();
    assert_eq!(tp.read_capacity_units(), Some(10));
    assert_eq!(attr(&state, prov, "stream_enabled"), "false");
    assert_converged(&env.plan(&src, &state).await);

    // Imported by name: no change.
    let imported = env.import_into(&state, lock, "terrane-locks").await;
    let imported = env.import_into(&imported, prov, "terrane-orders").await;
    assert_converged(&env.plan(&src, &imported).await);

    // Capacity changed outside terrane: drift, put back by apply.
    let capacity = aws_sdk_dynamodb::types::ProvisionedThroughput::builder()
        .read_capacity_units(7)
        .write_capacity_units(10)
        .build()
        .unwrap();
    ddb()
        .update_table()
        .table_name("terrane-orders")
        .provisioned_throughput(capacity)
        .send()
        .await
        .unwrap();
    let plan = env.plan(&src, &state).await;
    assert_eq!(changes(&plan), [format!("Update {prov}")]);
    assert_eq!(drifted_attrs(&plan, prov), ["read_capacity"]);
    let state = env.apply(&src, &state).await;
    assert_converged(&env.plan(&src, &state).await);

    // Deletion protection refuses the destroy at plan time, before anything is deleted.
    let src = table_src("PROVISIONED", 10, true, false);
    let state = env.apply(&src, &state).await;
    let t = describe_table("terrane-locks").await.unwrap();
    assert_eq!(t.deletion_protection_enabled(), Some(true));
    let refused = env
        .try_plan(&src, &state, PlanMode::Destroy)
        .await
        .unwrap_err();
    let text = format!("{refused:?}");
    assert!(text.contains("deletion_protection_enabled"), "{text}");
    assert!(describe_table("terrane-orders").await.is_some());

    let src = table_src("PROVISIONED", 10, false, false);
    let state = env.apply(&src, &state).await;
    env.destroy(&src, &state).await;
    assert!(describe_table("terrane-locks").await.is_none());
    assert!(describe_table("terrane-orders").await.is_none());
}

/// A provisioned table with a local index and the global indexes `gsis` (name, hash key,
/// capacity); every key attribute is declared.
fn indexed_src(gsis: &[(&str, &str, u32)], lsi_projection: &str) -> String {
    let mut attrs: Vec<&str> = vec!["pk", "sk", "created"];
    let mut blocks = String::new();
    for (name, hash, cap) in gsis {
        if !attrs.contains(hash) {
            attrs.push(hash);
        }
        blocks.push_str(&format!(
            r#"  global_secondary_index {{
    name               = "{name}"
    hash_key           = "{hash}"
    range_key          = "sk"
    projection_type    = "INCLUDE"
    non_key_attributes = ["total"]
    read_capacity      = {cap}
    write_capacity     = {cap}
  }}
"#
        ));
    }
    let attrs: String = attrs
        .iter()
        .map(|a| format!("  attribute {{\n    name = \"{a}\"\n    type = \"S\"\n  }}\n"))
        .collect();
    format!(
        r#"{PROVIDER}
resource "aws_dynamodb_table" "idx" {{
  name           = "terrane-indexed"
  read_capacity  = 2
  write_capacity = 2
  hash_key       = "pk"
  range_key      = "sk"
{attrs}{blocks}  local_secondary_index {{
    name            = "by-created"
    range_key       = "created"
    projection_type = "{lsi_projection}"
  }}
}}
"#
    )
}

fn index_names(t: &aws_sdk_dynamodb::types::TableDescription) -> Vec<String> {
    let mut names: Vec<String> = t
        .global_secondary_indexes()
        .iter()
        .filter_map(|g| g.index_name().map(str::to_string))
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn dynamodb_table_secondary_indexes() {
    let env = Env::new();
    let idx = "aws_dynamodb_table.idx";
    let src = indexed_src(&[("by-customer", "customer", 1)], "KEYS_ONLY");
    let state = env.apply(&src, &State::new()).await;
    let t = describe_table("terrane-indexed").await.unwrap();
    assert_eq!(index_names(&t), ["by-customer"]);
    let lsi = &t.local_secondary_indexes()[0];
    assert_eq!(lsi.index_name(), Some("by-created"));
    assert_eq!(lsi.key_schema()[1].attribute_name(), "created");
    assert_converged(&env.plan(&src, &state).await);

    // A second global index is added in place, and the first one's capacity changes.
    let src = indexed_src(
        &[("by-customer", "customer", 3), ("by-status", "status", 1)],
        "KEYS_ONLY",
    );
    assert_eq!(
        changes(&env.plan(&src, &state).await),
        [format!("Update {idx}")]
    );
    let state = env.apply(&src, &state).await;
    let t = describe_table("terrane-indexed").await.unwrap();
    assert_eq!(index_names(&t), ["by-customer", "by-status"]);
    let customer = t
        .global_secondary_indexes()
        .iter()
        .find(|g| g.index_name() == Some("by-customer"))
        .unwrap();
    let cap = customer.provisioned_throughput().unwrap();
    assert_eq!(cap.read_capacity_units(), Some(3));
    let status = t
        .global_secondary_indexes()
        .iter()
        .find(|g| g.index_name() == Some("by-status"))
        .unwrap();
    assert_eq!(status.key_schema()[0].attribute_name(), "status");
    assert_eq!(status.projection().unwrap().non_key_attributes(), ["total"]);
    assert_converged(&env.plan(&src, &state).await);

    // Imported by name: the indexes read back as configured.
    let imported = env.import_into(&state, idx, "terrane-indexed").await;
    assert_converged(&env.plan(&src, &imported).await);

    // Removing a global index deletes it in place; its key attribute goes with it.
    let src = indexed_src(&[("by-status", "status", 1)], "KEYS_ONLY");
    assert_eq!(
        changes(&env.plan(&src, &state).await),
        [format!("Update {idx}")]
    );
    let state = env.apply(&src, &state).await;
    let t = describe_table("terrane-indexed").await.unwrap();
    assert_eq!(index_names(&t), ["by-status"]);
    assert_converged(&env.plan(&src, &state).await);

    // A local index can only be made with the table: a change replaces it.
    let src = indexed_src(&[("by-status", "status", 1)], "ALL");
    assert_eq!(
        changes(&env.plan(&src, &state).await),
        [format!("DeleteThenCreate {idx}")]
    );

    env.destroy(&src, &state).await;
    assert!(describe_table("terrane-indexed").await.is_none());
}

/// An on-demand table with the given warm throughput block (empty: none) and extra
/// arguments, and two provisioned tables without one: the second's capacity gives it a
/// warm throughput above AWS's defaults.
fn warm_src(warm: &str, extra: &str) -> String {
    format!(
        r#"{PROVIDER}
resource "aws_dynamodb_table" "warm" {{
  name         = "terrane-warm"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"
  table_class  = "STANDARD"
  attribute {{
    name = "pk"
    type = "S"
  }}
  {warm}
  {extra}
}}
resource "aws_dynamodb_table" "plain" {{
  name           = "terrane-plain"
  read_capacity  = 5
  write_capacity = 5
  hash_key       = "pk"
  attribute {{
    name = "pk"
    type = "S"
  }}
}}
resource "aws_dynamodb_table" "busy" {{
  name           = "terrane-busy"
  read_capacity  = 5
  write_capacity = 5000
  hash_key       = "pk"
  attribute {{
    name = "pk"
    type = "S"
  }}
}}
"#
    )
}

fn warm_block(read: u32, write: u32) -> String {
    format!("warm_throughput {{\n    read_units_per_second  = {read}\n    write_units_per_second = {write}\n  }}")
}

/// The warm throughput DescribeTable reports.
async fn warm_of(name: &str) -> (Option<i64>, Option<i64>) {
    let t = describe_table(name).await.unwrap();
    let w = t.warm_throughput().unwrap();
    (w.read_units_per_second(), w.write_units_per_second())
}

#[track_caller]
fn warm_in_state(state: &State, addr: &str) -> String {
    attr(state, addr, "warm_throughput")
}

#[tokio::test]
async fn dynamodb_table_warm_throughput_and_table_class() {
    let env = Env::new();
    let (warm, plain) = ("aws_dynamodb_table.warm", "aws_dynamodb_table.plain");
    let src = warm_src(&warm_block(13000, 5000), "");
    let state = env.apply(&src, &State::new()).await;
    assert_eq!(warm_of("terrane-warm").await, (Some(13000), Some(5000)));
    assert_eq!(
        warm_in_state(&state, warm),
        r#"[{"read_units_per_second":13000,"write_units_per_second":5000}]"#
    );
    assert_eq!(attr(&state, warm, "table_class"), "STANDARD");
    // AWS's own warm throughput (here the provisioned capacity) is not configuration: none
    // at the defaults, and what AWS has above them, planned as unknown for a new table.
    assert_eq!(warm_in_state(&state, plain), "[]");
    assert_eq!(
        warm_in_state(&state, "aws_dynamodb_table.busy"),
        r#"[{"read_units_per_second":5,"write_units_per_second":5000}]"#
    );
    assert_converged(&env.plan(&src, &state).await);

    // Raised in place.
    let src = warm_src(&warm_block(14000, 6000), "");
    assert_eq!(
        changes(&env.plan(&src, &state).await),
        [format!("Update {warm}")]
    );
    let state = env.apply(&src, &state).await;
    assert_eq!(warm_of("terrane-warm").await, (Some(14000), Some(6000)));
    assert_converged(&env.plan(&src, &state).await);

    // Left out of the configuration, the table's value is kept.
    let unset = warm_src("", "");
    assert_converged(&env.plan(&unset, &state).await);

    // Raised outside terrane: drift, and AWS cannot lower it, so the table is replaced.
    let raised = aws_sdk_dynamodb::types::WarmThroughput::builder()
        .read_units_per_second(15000)
        .write_units_per_second(6000)
        .build();
    ddb()
        .update_table()
        .table_name("terrane-warm")
        .warm_throughput(raised)
        .send()
        .await
        .unwrap();
    let plan = env.plan(&src, &state).await;
    assert_eq!(drifted_attrs(&plan, warm), ["warm_throughput"]);
    assert_eq!(changes(&plan), [format!("DeleteThenCreate {warm}")]);
    let state = env.apply(&src, &state).await;
    assert_eq!(warm_of("terrane-warm").await, (Some(14000), Some(6000)));
    assert_converged(&env.plan(&src, &state).await);

    env.destroy(&src, &state).await;
    assert!(describe_table("terrane-warm").await.is_none());
    assert!(describe_table("terrane-plain").await.is_none());
    assert!(describe_table("terrane-busy").await.is_none());
}

/// What moto cannot keep is refused at plan time, naming the argument, before any call;
/// a warm throughput below the provider's minimum likewise.
#[tokio::test]
async fn dynamodb_table_arguments_moto_cannot_keep_are_refused() {
    let env = Env::new();
    let cases = [
        (
            "table_class",
            warm_src("", "").replace("\"STANDARD\"", "\"STANDARD_INFREQUENT_ACCESS\""),
        ),
        (
            "replica",
            warm_src("", "replica {\n    region_name = \"us-west-2\"\n  }"),
        ),
        (
            "on_demand_throughput",
            warm_src(
                "",
                "on_demand_throughput {\n    max_read_request_units = 100\n  }",
            ),
        ),
        (
            "read_units_per_second",
            warm_src(&warm_block(100, 5000), ""),
        ),
    ];
    for (arg, src) in cases {
        let refused = env
            .try_plan(&src, &State::new(), PlanMode::Normal)
            .await
            .unwrap_err();
        let text = format!("{refused:?}");
        assert!(text.contains(arg), "{arg}: {text}");
    }
    assert!(describe_table("terrane-warm").await.is_none());
}
