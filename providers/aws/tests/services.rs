//! ElastiCache and Redshift subnet groups, KMS keys and aliases, SSM parameters and ECR
//! repositories against moto, through the engine: create, converge, update in place,
//! replace, import, deletion outside terrane, destroy. Each test uses names of its own, so
//! tests share the moto server of this process and run in parallel.

mod common;

use common::{attr, changed_attrs, changes, converged, found_by_identity, updated, Env};
use terrane_engine::state::State;

/// A client of one SDK crate for the process's moto server, for out-of-band changes.
macro_rules! moto_client {
    ($sdk:ident) => {{
        let m = terrane_test_support::moto();
        $sdk::Client::from_conf(
            $sdk::Config::builder()
                .behavior_version($sdk::config::BehaviorVersion::latest())
                .region($sdk::config::Region::new("us-east-1"))
                .endpoint_url(&m.endpoint)
                .credentials_provider($sdk::config::Credentials::new(
                    "test", "test", None, None, "test",
                ))
                .build(),
        )
    }};
}

/// A VPC with two subnets; `n` keeps each test's CIDR apart.
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

/// moto serves CreateCacheSubnetGroup, DescribeCacheSubnetGroups and the tag calls, but
/// not ModifyCacheSubnetGroup or DeleteCacheSubnetGroup: the description and subnet
/// updates, the replacement and the destroy are planned here, not applied.
#[tokio::test]
async fn elasticache_subnet_group() {
    let env = Env::new();
    let src = |name: &str, team: &str| {
        format!(
            r#"{}
resource "aws_elasticache_subnet_group" "g" {{
  name       = "{name}"
  subnet_ids = [aws_subnet.a.id, aws_subnet.b.id]
  tags       = {{ team = "{team}" }}
}}
"#,
            network(61)
        )
    };
    let addr = "aws_elasticache_subnet_group.g";
    // AWS stores the name lowercased; the configured spelling stays in state.
    let state = env.apply(&src("Cache-Net", "a"), &State::new()).await;
    assert_eq!(attr(&state, addr, "id"), "cache-net");
    assert_eq!(attr(&state, addr, "name"), "Cache-Net");
    assert!(attr(&state, addr, "arn").ends_with(":subnetgroup:cache-net"));
    assert_eq!(
        attr(&state, addr, "vpc_id"),
        attr(&state, "aws_vpc.v", "id")
    );
    assert_eq!(attr(&state, addr, "description"), "Managed by Terraform");
    converged(&env, &src("Cache-Net", "a"), &state).await;
    found_by_identity(&env, &state, addr).await;

    let state = updated(
        &env,
        &src("Cache-Net", "b"),
        &state,
        addr,
        &["tags", "tags_all"],
    )
    .await;
    let ec = moto_client!(aws_sdk_elasticache);
    let tags = ec
        .list_tags_for_resource()
        .resource_name(attr(&state, addr, "arn"))
        .send()
        .await
        .unwrap();
    let tags: Vec<_> = tags
        .tag_list()
        .iter()
        .map(|t| (t.key().unwrap(), t.value().unwrap()))
        .collect();
    assert_eq!(tags, [("team", "b")]);

    // Description and subnets change in place; a new name replaces.
    let described = src("Cache-Net", "b").replace(
        "subnet_ids = [aws_subnet.a.id, aws_subnet.b.id]",
        "subnet_ids = [aws_subnet.a.id]\n  description = \"cache\"",
    );
    let plan = env.plan(&described, &state).await;
    assert_eq!(changes(&plan), [format!("Update {addr}")]);
    assert_eq!(changed_attrs(&plan, addr), ["description", "subnet_ids"]);
    let plan = env.plan(&src("other-net", "b"), &state).await;
    assert_eq!(changes(&plan), [format!("DeleteThenCreate {addr}")]);

    // Import by name (any case) converges.
    let imported = env.import_into(&state, addr, "cache-net").await;
    assert_eq!(
        attr(&imported, addr, "vpc_id"),
        attr(&state, addr, "vpc_id")
    );
    assert!(env
        .import_refreshed("aws_elasticache_subnet_group", "no-such-group")
        .await
        .is_none());
}

#[tokio::test]
async fn redshift_subnet_group() {
    let env = Env::new();
    let src = |name: &str, team: &str| {
        format!(
            r#"{}
resource "aws_redshift_subnet_group" "g" {{
  name        = "{name}"
  description = "warehouse"
  subnet_ids  = [aws_subnet.a.id, aws_subnet.b.id]
  tags        = {{ team = "{team}" }}
}}
"#,
            network(62)
        )
    };
    let addr = "aws_redshift_subnet_group.g";
    let state = env.apply(&src("rs-net", "a"), &State::new()).await;
    assert_eq!(attr(&state, addr, "id"), "rs-net");
    assert_eq!(
        attr(&state, addr, "arn"),
        "arn:aws:redshift:us-east-1:123456789012:subnetgroup:rs-net"
    );
    assert_eq!(attr(&state, addr, "description"), "warehouse");
    converged(&env, &src("rs-net", "a"), &state).await;
    found_by_identity(&env, &state, addr).await;

    let state = updated(
        &env,
        &src("rs-net", "b"),
        &state,
        addr,
        &["tags", "tags_all"],
    )
    .await;
    let rs = moto_client!(aws_sdk_redshift);
    let group = |name: &'static str| {
        let rs = rs.clone();
        async move {
            rs.describe_cluster_subnet_groups()
                .cluster_subnet_group_name(name)
                .send()
                .await
                .ok()
                .and_then(|o| o.cluster_subnet_groups().first().cloned())
        }
    };
    let g = group("rs-net").await.unwrap();
    let tags: Vec<_> = g
        .tags()
        .iter()
        .map(|t| (t.key().unwrap(), t.value().unwrap()))
        .collect();
    assert_eq!(tags, [("team", "b")]);
    assert_eq!(g.subnets().len(), 2);

    // moto has no ModifyClusterSubnetGroup: the in-place update is planned only.
    let plan = env
        .plan(&src("rs-net", "b").replace("warehouse", "lake"), &state)
        .await;
    assert_eq!(changes(&plan), [format!("Update {addr}")]);
    assert_eq!(changed_attrs(&plan, addr), ["description"]);

    let imported = env.import_into(&state, addr, "rs-net").await;
    converged(&env, &src("rs-net", "b"), &imported).await;

    // Deleted outside terrane: planned as a create, and made again.
    rs.delete_cluster_subnet_group()
        .cluster_subnet_group_name("rs-net")
        .send()
        .await
        .unwrap();
    let plan = env.plan(&src("rs-net", "b"), &state).await;
    assert_eq!(changes(&plan), [format!("Create {addr}")]);
    let state = env.apply(&src("rs-net", "b"), &state).await;

    // A new name replaces; destroy leaves nothing.
    let plan = env.plan(&src("rs-net-2", "b"), &state).await;
    assert_eq!(changes(&plan), [format!("DeleteThenCreate {addr}")]);
    let state = env.apply(&src("rs-net-2", "b"), &state).await;
    assert!(group("rs-net").await.is_none());
    assert!(group("rs-net-2").await.is_some());
    env.destroy(&src("rs-net-2", "b"), &state).await;
    assert!(group("rs-net-2").await.is_none());

    // A name AWS would refuse is refused before any call.
    let bad = src("Upper", "b");
    let err = env
        .try_plan(&bad, &State::new(), terrane_engine::plan::PlanMode::Normal)
        .await
        .err()
        .map(|d| format!("{d:?}"))
        .unwrap_or_default();
    assert!(err.contains("lowercase alphanumeric"), "{err}");
}

fn kms_src(description: &str, rotation: bool, enabled: bool, target: &str) -> String {
    format!(
        r#"
provider "aws" {{
  region = "us-east-1"
}}
resource "aws_kms_key" "k" {{
  description             = "{description}"
  deletion_window_in_days = 7
  enable_key_rotation     = {rotation}
  is_enabled              = {enabled}
  tags                    = {{ team = "a" }}
}}
resource "aws_kms_key" "other" {{
  description             = "other"
  deletion_window_in_days = 7
}}
resource "aws_kms_alias" "a" {{
  name          = "alias/terrane-test"
  target_key_id = aws_kms_key.{target}.key_id
}}
"#
    )
}

#[tokio::test]
async fn kms_key_and_alias() {
    let env = Env::new();
    let kms = moto_client!(aws_sdk_kms);
    let key = "aws_kms_key.k";
    let alias = "aws_kms_alias.a";
    let src = kms_src("app key", false, true, "k");
    let state = env.apply(&src, &State::new()).await;
    let id = attr(&state, key, "id");
    assert_eq!(attr(&state, key, "key_id"), id);
    assert!(attr(&state, key, "arn").ends_with(&format!(":key/{id}")));
    assert_eq!(attr(&state, key, "key_usage"), "ENCRYPT_DECRYPT");
    assert_eq!(
        attr(&state, key, "customer_master_key_spec"),
        "SYMMETRIC_DEFAULT"
    );
    assert_eq!(attr(&state, key, "is_enabled"), "true");
    assert!(attr(&state, key, "policy").contains("kms:*"));
    assert_eq!(attr(&state, alias, "id"), "alias/terrane-test");
    assert!(attr(&state, alias, "arn").ends_with(":alias/terrane-test"));
    assert_eq!(
        attr(&state, alias, "target_key_arn"),
        attr(&state, key, "arn")
    );
    converged(&env, &src, &state).await;
    found_by_identity(&env, &state, alias).await;

    // Description, rotation and enablement change in place; the alias moves to the other
    // key in place.
    let src2 = kms_src("app key v2", true, false, "other");
    let plan = env.plan(&src2, &state).await;
    let mut got = changes(&plan);
    got.sort();
    assert_eq!(got, [format!("Update {alias}"), format!("Update {key}")]);
    assert_eq!(
        changed_attrs(&plan, key),
        [
            "description",
            "enable_key_rotation",
            "is_enabled",
            "rotation_period_in_days"
        ]
    );
    let state = env.apply(&src2, &state).await;
    converged(&env, &src2, &state).await;
    let meta = kms.describe_key().key_id(&id).send().await.unwrap();
    let meta = meta.key_metadata().unwrap();
    assert_eq!(meta.description(), Some("app key v2"));
    assert!(!meta.enabled());
    let rot = kms
        .get_key_rotation_status()
        .key_id(&id)
        .send()
        .await
        .unwrap();
    assert!(rot.key_rotation_enabled());
    let other = attr(&state, "aws_kms_key.other", "id");
    let aliases = kms.list_aliases().key_id(&other).send().await.unwrap();
    assert_eq!(
        aliases.aliases()[0].alias_name(),
        Some("alias/terrane-test")
    );

    // Import converges; a new key usage replaces the key.
    // AWS does not hold the deletion window: after an import the plan sets it, as the
    // Terraform provider's does.
    let imported = env.import_into(&state, key, &id).await;
    let plan = env.plan(&src2, &imported).await;
    assert_eq!(changes(&plan), [format!("Update {key}")]);
    assert_eq!(changed_attrs(&plan, key), ["deletion_window_in_days"]);
    let imported = env.import_into(&state, alias, "alias/terrane-test").await;
    converged(&env, &src2, &imported).await;
    let plan = env
        .plan(
            &src2.replace(
                "deletion_window_in_days = 7\n  enable_key_rotation",
                "deletion_window_in_days = 7\n  key_usage = \"SIGN_VERIFY\"\n  customer_master_key_spec = \"RSA_2048\"\n  enable_key_rotation",
            ),
            &state,
        )
        .await;
    assert!(
        changes(&plan).contains(&format!("DeleteThenCreate {key}")),
        "{:?}",
        changes(&plan)
    );

    // Destroy schedules the keys' deletion and removes the alias.
    env.destroy(&src2, &state).await;
    let meta = kms.describe_key().key_id(&id).send().await.unwrap();
    assert_eq!(
        meta.key_metadata().unwrap().key_state(),
        Some(&aws_sdk_kms::types::KeyState::PendingDeletion)
    );
    assert!(env
        .import_refreshed("aws_kms_alias", "alias/terrane-test")
        .await
        .is_none());
    assert!(env.import_refreshed("aws_kms_key", &id).await.is_none());
}

fn ssm_src(secret: &str, description: &str) -> String {
    format!(
        r#"
provider "aws" {{
  region = "us-east-1"
}}
resource "aws_ssm_parameter" "secret" {{
  name  = "/terrane/db/password"
  type  = "SecureString"
  value = "{secret}"
  tags  = {{ team = "a" }}
}}
resource "aws_ssm_parameter" "plain" {{
  name           = "/terrane/db/host"
  type           = "String"
  insecure_value = "db.local"
  description    = "{description}"
}}
data "aws_ssm_parameter" "read" {{
  name = aws_ssm_parameter.secret.name
}}
"#
    )
}

#[tokio::test]
async fn ssm_parameter_and_data_source() {
    let env = Env::new();
    let ssm = moto_client!(aws_sdk_ssm);
    let secret = "aws_ssm_parameter.secret";
    let plain = "aws_ssm_parameter.plain";
    let src = ssm_src("hunter2", "db host");
    let state = env.apply(&src, &State::new()).await;
    assert_eq!(attr(&state, secret, "id"), "/terrane/db/password");
    assert_eq!(attr(&state, secret, "value"), "hunter2");
    assert_eq!(attr(&state, secret, "version"), "1");
    assert!(attr(&state, secret, "arn").ends_with(":parameter/terrane/db/password"));
    assert_eq!(attr(&state, plain, "insecure_value"), "db.local");
    assert_eq!(attr(&state, plain, "tier"), "Standard");
    let data = |k| common::data_attr(&state, "aws_ssm_parameter", "read", k);
    assert_eq!(data("value"), "hunter2");
    assert_eq!(data("type"), "SecureString");
    assert!(data("insecure_value").is_null());
    converged(&env, &src, &state).await;
    found_by_identity(&env, &state, secret).await;

    // A new value is an in-place update that makes version 2; the plan never shows it.
    let src2 = ssm_src("correct-horse", "db host");
    let plan = env.plan(&src2, &state).await;
    // (The data source that depends on it is read again after the apply.)
    assert_eq!(
        changes(&plan),
        [
            "Read data.aws_ssm_parameter.read".to_string(),
            format!("Update {secret}")
        ]
    );
    assert_eq!(changed_attrs(&plan, secret), ["value", "version"]);
    let shown = env.render(&plan);
    assert!(
        !shown.contains("correct-horse") && !shown.contains("hunter2"),
        "{shown}"
    );
    let state = env.apply(&src2, &state).await;
    assert_eq!(attr(&state, secret, "version"), "2");
    let data = |k| common::data_attr(&state, "aws_ssm_parameter", "read", k);
    assert_eq!(data("value"), "correct-horse");
    assert_eq!(data("version"), 2);
    let got = ssm
        .get_parameter()
        .name("/terrane/db/password")
        .with_decryption(true)
        .send()
        .await
        .unwrap();
    assert_eq!(got.parameter().unwrap().value(), Some("correct-horse"));
    converged(&env, &src2, &state).await;
    let state = updated(
        &env,
        &ssm_src("correct-horse", "primary"),
        &state,
        plain,
        &["description", "version"],
    )
    .await;

    // Import converges; a new type replaces.
    let src3 = ssm_src("correct-horse", "primary");
    let imported = env
        .import_into(&state, secret, "/terrane/db/password")
        .await;
    converged(&env, &src3, &imported).await;
    let plan = env
        .plan(&src3.replace("\"String\"", "\"StringList\""), &state)
        .await;
    assert_eq!(changes(&plan), [format!("DeleteThenCreate {plain}")]);

    // Deleted outside terrane: planned as a create.
    ssm.delete_parameter()
        .name("/terrane/db/host")
        .send()
        .await
        .unwrap();
    let plan = env.plan(&src3, &state).await;
    assert_eq!(changes(&plan), [format!("Create {plain}")]);
    let state = env.apply(&src3, &state).await;

    env.destroy(&src3, &state).await;
    for name in ["/terrane/db/password", "/terrane/db/host"] {
        assert!(
            ssm.get_parameter().name(name).send().await.is_err(),
            "{name}"
        );
    }
}

fn ecr_src(mutability: &str, scan: bool) -> String {
    format!(
        r#"
provider "aws" {{
  region = "us-east-1"
}}
resource "aws_ecr_repository" "r" {{
  name                 = "terrane/app"
  image_tag_mutability = "{mutability}"
  force_delete         = true
  image_scanning_configuration {{
    scan_on_push = {scan}
  }}
  tags = {{ team = "a" }}
}}
resource "aws_ecr_repository" "bare" {{
  name = "terrane/bare"
}}
"#
    )
}

#[tokio::test]
async fn ecr_repository() {
    let env = Env::new();
    let ecr = moto_client!(aws_sdk_ecr);
    let addr = "aws_ecr_repository.r";
    let src = ecr_src("MUTABLE", false);
    let state = env.apply(&src, &State::new()).await;
    assert_eq!(attr(&state, addr, "id"), "terrane/app");
    assert_eq!(attr(&state, addr, "registry_id"), "123456789012");
    assert!(attr(&state, addr, "repository_url").ends_with("/terrane/app"));
    assert!(attr(&state, addr, "arn").ends_with(":repository/terrane/app"));
    converged(&env, &src, &state).await;
    found_by_identity(&env, &state, addr).await;

    let src2 = ecr_src("IMMUTABLE", true);
    let state = updated(
        &env,
        &src2,
        &state,
        addr,
        &["image_scanning_configuration", "image_tag_mutability"],
    )
    .await;
    let repo = |name: &'static str| {
        let ecr = ecr.clone();
        async move {
            ecr.describe_repositories()
                .repository_names(name)
                .send()
                .await
                .ok()
                .and_then(|o| o.repositories().first().cloned())
        }
    };
    let r = repo("terrane/app").await.unwrap();
    assert_eq!(
        r.image_tag_mutability().map(|m| m.as_str()),
        Some("IMMUTABLE")
    );
    assert!(r.image_scanning_configuration().unwrap().scan_on_push());

    // AWS does not hold `force_delete`: after an import the plan sets it, as the
    // Terraform provider's does.
    let imported = env.import_into(&state, addr, "terrane/app").await;
    let plan = env.plan(&src2, &imported).await;
    assert_eq!(changes(&plan), [format!("Update {addr}")]);
    assert_eq!(changed_attrs(&plan, addr), ["force_delete"]);

    // New encryption settings replace.
    let plan = env
        .plan(
            &src2.replace(
                "force_delete         = true",
                "force_delete = true\n  encryption_configuration {\n    encryption_type = \"KMS\"\n  }",
            ),
            &state,
        )
        .await;
    assert_eq!(changes(&plan), [format!("DeleteThenCreate {addr}")]);

    // Deleted outside terrane: planned as a create.
    ecr.delete_repository()
        .repository_name("terrane/bare")
        .send()
        .await
        .unwrap();
    let plan = env.plan(&src2, &state).await;
    assert_eq!(changes(&plan), ["Create aws_ecr_repository.bare"]);
    let state = env.apply(&src2, &state).await;

    env.destroy(&src2, &state).await;
    assert!(repo("terrane/app").await.is_none());
    assert!(repo("terrane/bare").await.is_none());
}

fn instance_src(ty: &str, sg: &str, profile: &str, size: u32) -> String {
    format!(
        r#"{}
resource "aws_security_group" "one" {{
  name   = "inst-one"
  vpc_id = aws_vpc.v.id
}}
resource "aws_security_group" "two" {{
  name   = "inst-two"
  vpc_id = aws_vpc.v.id
}}
resource "aws_iam_role" "r" {{
  name               = "inst-role"
  assume_role_policy = jsonencode({{
    Version   = "2012-10-17"
    Statement = [{{ Effect = "Allow", Principal = {{ Service = "ec2.amazonaws.com" }}, Action = "sts:AssumeRole" }}]
  }})
}}
resource "aws_iam_instance_profile" "one" {{
  name = "inst-profile-one"
  role = aws_iam_role.r.name
}}
resource "aws_iam_instance_profile" "two" {{
  name = "inst-profile-two"
  role = aws_iam_role.r.name
}}
resource "aws_instance" "i" {{
  ami                         = "ami-12c6146b"
  instance_type               = "{ty}"
  subnet_id                   = aws_subnet.a.id
  vpc_security_group_ids      = [aws_security_group.{sg}.id]
  associate_public_ip_address = true
  iam_instance_profile        = aws_iam_instance_profile.{profile}.name
  user_data                   = "echo hi"
  root_block_device {{
    volume_size = {size}
    volume_type = "gp3"
  }}
  tags = {{ Name = "web" }}
}}
"#,
        network(63)
    )
}

#[tokio::test]
async fn ec2_instance() {
    let env = Env::new();
    let ec2 = common::ec2();
    let addr = "aws_instance.i";
    let src = instance_src("t3.micro", "one", "one", 20);
    let state = env.apply(&src, &State::new()).await;
    let id = attr(&state, addr, "id");
    assert!(id.starts_with("i-"), "{id}");
    assert!(attr(&state, addr, "arn").ends_with(&format!(":instance/{id}")));
    assert_eq!(attr(&state, addr, "instance_state"), "running");
    assert_eq!(
        attr(&state, addr, "subnet_id"),
        attr(&state, "aws_subnet.a", "id")
    );
    assert_eq!(attr(&state, addr, "availability_zone"), "us-east-1a");
    assert!(!attr(&state, addr, "public_ip").is_empty());
    assert!(!attr(&state, addr, "private_ip").is_empty());
    assert_eq!(
        attr(&state, addr, "iam_instance_profile"),
        "inst-profile-one"
    );
    converged(&env, &src, &state).await;
    let describe = || async {
        ec2.describe_instances()
            .instance_ids(&id)
            .send()
            .await
            .unwrap()
            .reservations()[0]
            .instances()[0]
            .clone()
    };
    // (moto lists groups given at launch on the network interface only.)
    let i = describe().await;
    let groups: Vec<_> = i.network_interfaces()[0]
        .groups()
        .iter()
        .filter_map(|g| g.group_name())
        .collect();
    assert_eq!(groups, ["inst-one"]);

    // Type, groups, profile and root volume change in place (the type by stop and start).
    let src2 = instance_src("t3.small", "two", "two", 30);
    let state = updated(
        &env,
        &src2,
        &state,
        addr,
        &[
            "iam_instance_profile",
            "instance_type",
            "public_dns",
            "public_ip",
            "root_block_device",
            "vpc_security_group_ids",
        ],
    )
    .await;
    let i = describe().await;
    assert_eq!(i.instance_type().map(|t| t.as_str()), Some("t3.small"));
    let groups: Vec<_> = i
        .security_groups()
        .iter()
        .filter_map(|g| g.group_name())
        .collect();
    assert_eq!(groups, ["inst-two"]);
    assert_eq!(attr(&state, addr, "instance_state"), "running");

    // Import converges but for the arguments AWS does not list with the instance.
    let imported = env.import_into(&state, addr, &id).await;
    let plan = env.plan(&src2, &imported).await;
    assert_eq!(changes(&plan), [format!("Update {addr}")]);

    // A new AMI replaces; destroy terminates.
    let plan = env
        .plan(&src2.replace("ami-12c6146b", "ami-03cf127a"), &state)
        .await;
    assert_eq!(changes(&plan), [format!("DeleteThenCreate {addr}")]);
    env.destroy(&src2, &state).await;
    let i = describe().await;
    assert_eq!(
        i.state().and_then(|s| s.name()).map(|n| n.as_str()),
        Some("terminated")
    );
}
