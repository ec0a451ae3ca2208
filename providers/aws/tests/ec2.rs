//! The EC2 resources against moto, driven through the engine (plan/apply) as a user's
//! configuration would be. Each test works in a VPC of its own, so tests can share the one
//! moto server of this process and run in parallel.

mod common;

use common::{attr, changes, ec2, Env};
use terrane_engine::plan::PlanMode;
use terrane_engine::provider::{ImportRequest, Provider};
use terrane_engine::state::State;

fn vpc_src(cidr: &str, name: &str, extra: &str) -> String {
    format!(
        r#"
provider "aws" {{
  default_tags {{
    tags = {{ Project = "terrane-test" }}
  }}
}}
resource "aws_vpc" "main" {{
  cidr_block = "{cidr}"
  tags = {{ Name = "{name}" }}
  {extra}
}}
"#
    )
}

#[tokio::test]
async fn vpc_lifecycle_update_replace_drift_delete_import() {
    let env = Env::new();
    let src = vpc_src("10.10.0.0/16", "one", "");
    let state = env.apply(&src, &State::new()).await;
    let id = attr(&state, "aws_vpc.main", "id");
    assert!(id.starts_with("vpc-"));
    assert_eq!(
        state.resources[0].instances[0].attributes.to_json()["tags_all"]["Project"],
        "terrane-test"
    );
    assert!(!env.plan(&src, &state).await.has_changes(), "converges");

    // In place: tags and DNS hostnames.
    let src2 = vpc_src("10.10.0.0/16", "two", "enable_dns_hostnames = true");
    let plan = env.plan(&src2, &state).await;
    assert_eq!(changes(&plan), ["Update aws_vpc.main"]);
    let state = env.apply(&src2, &state).await;
    assert_eq!(attr(&state, "aws_vpc.main", "id"), id);
    assert_eq!(
        state.resources[0].instances[0].attributes.to_json()["enable_dns_hostnames"],
        true
    );
    assert!(!env.plan(&src2, &state).await.has_changes());

    // Drift: a tag changed outside terrane shows up as exactly that change.
    ec2()
        .create_tags()
        .resources(&id)
        .tags(
            aws_sdk_ec2::types::Tag::builder()
                .key("Name")
                .value("changed")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let plan = env.plan(&src2, &state).await;
    assert_eq!(changes(&plan), ["Update aws_vpc.main"]);
    assert_eq!(plan.drift.len(), 1);
    let state = env.apply(&src2, &state).await;

    // Import: the same object, read back by ID.
    let imported = env
        .provider
        .import(ImportRequest {
            type_name: "aws_vpc".into(),
            id: id.clone(),
        })
        .await;
    let v = imported
        .state
        .unwrap_or_else(|| panic!("{:?}", imported.diagnostics));
    assert_eq!(
        v.get_attr("cidr_block").unwrap().as_str(),
        Some("10.10.0.0/16")
    );
    assert_eq!(
        v.get_attr("tags")
            .unwrap()
            .get_attr("Name")
            .unwrap()
            .as_str(),
        Some("two")
    );

    // A new CIDR block replaces the VPC.
    let src3 = vpc_src("10.11.0.0/16", "two", "enable_dns_hostnames = true");
    let plan = env.plan(&src3, &state).await;
    assert_eq!(changes(&plan), ["DeleteThenCreate aws_vpc.main"]);
    let state = env.apply(&src3, &state).await;
    let id2 = attr(&state, "aws_vpc.main", "id");
    assert_ne!(id2, id);

    // Deleted outside terrane: planned for re-creation.
    ec2().delete_vpc().vpc_id(&id2).send().await.unwrap();
    let plan = env.plan(&src3, &state).await;
    assert_eq!(changes(&plan), ["Create aws_vpc.main"]);
    let state = env.apply(&src3, &state).await;
    let id3 = attr(&state, "aws_vpc.main", "id");
    env.destroy(&src3, &state).await;
    let left = ec2()
        .describe_vpcs()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("vpc-id")
                .values(&id3)
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert!(left.vpcs().is_empty());
}

#[tokio::test]
async fn invalid_cidr_is_rejected_before_any_call() {
    let env = Env::new();
    let src = vpc_src("10.12.0.1/16", "bad", "");
    let before = env.ec2_calls();
    let err = env
        .try_plan(&src, &State::new(), PlanMode::Normal)
        .await
        .unwrap_err();
    let text = format!("{err:?}");
    assert!(text.contains("10.12.0.0/16"), "{text}");
    assert!(text.contains("aws_vpc.main"), "{text}");
    // The error points at the cidr_block line, not just the resource block.
    let cidr_line = src.lines().position(|l| l.contains("cidr_block")).unwrap() + 1;
    let span = err.iter().find_map(|d| d.span.clone()).expect("a location");
    assert_eq!(span.line_col(), (cidr_line, 3), "{text}");
    assert_eq!(env.ec2_calls(), before);
}

#[tokio::test]
async fn noop_plan_of_200_subnets_takes_a_handful_of_calls() {
    let env = Env::new();
    let src = r#"
resource "aws_vpc" "big" {
  cidr_block = "10.20.0.0/16"
}
resource "aws_subnet" "s" {
  count      = 200
  vpc_id     = aws_vpc.big.id
  cidr_block = cidrsubnet(aws_vpc.big.cidr_block, 8, count.index)
}
"#;
    let state = env.apply(src, &State::new()).await;
    let before = env.ec2_calls();
    let plan = env.plan(src, &state).await;
    let calls = env.ec2_calls() - before;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));
    eprintln!("no-op plan of 1 VPC + 200 subnets: {calls} EC2 calls");
    assert!(calls <= 10, "{calls} EC2 calls");

    // Subnet: CIDR replaces, map_public_ip_on_launch updates in place.
    let src2 = src.replace(
        "count.index)\n}",
        "count.index)\n  map_public_ip_on_launch = count.index == 0\n}",
    );
    let plan = env.plan(&src2, &state).await;
    assert_eq!(changes(&plan), ["Update aws_subnet.s[0]"]);
    let state = env.apply(&src2, &state).await;
    let sid = attr(&state, "aws_subnet.s[1]", "id");
    ec2().delete_subnet().subnet_id(&sid).send().await.unwrap();
    let plan = env.plan(&src2, &state).await;
    assert_eq!(changes(&plan), ["Create aws_subnet.s[1]"]);
    env.destroy(&src2, &state).await;
}

/// The examples/vpc fixture with its own CIDR and name, so it can run beside other tests.
fn fixture(cidr: &str, name: &str) -> String {
    let src = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/vpc/main.tf"
    ))
    .unwrap();
    src.replace("10.30.0.0/16", cidr)
        .replace("\"terrane-example\"", &format!("{name:?}"))
}

#[tokio::test]
async fn vpc_fixture_applies_converges_and_destroys_cleanly() {
    let env = Env::new();
    let src = fixture("10.40.0.0/16", "fixture-e2e");
    let state = env.apply(&src, &State::new()).await;
    let vpc = attr(&state, "aws_vpc.main", "id");
    let plan = env.plan(&src, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));

    // Drift on a security group: a rule removed outside terrane is put back.
    let lb = attr(&state, "aws_security_group.lb", "id");
    ec2()
        .revoke_security_group_ingress()
        .group_id(&lb)
        .ip_permissions(
            aws_sdk_ec2::types::IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(443)
                .to_port(443)
                .ip_ranges(
                    aws_sdk_ec2::types::IpRange::builder()
                        .cidr_ip("0.0.0.0/0")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    let plan = env.plan(&src, &state).await;
    assert_eq!(changes(&plan), ["Update aws_security_group.lb"]);
    let state = env.apply(&src, &state).await;
    assert!(!env.plan(&src, &state).await.has_changes());

    // In-place rule change, and a replacement (a new name replaces the group).
    let src2 = src.replace(
        "from_port   = 443\n    to_port     = 443",
        "from_port   = 8443\n    to_port     = 8443",
    );
    assert_eq!(
        changes(&env.plan(&src2, &state).await),
        ["Update aws_security_group.lb"]
    );
    let state = env.apply(&src2, &state).await;
    assert!(!env.plan(&src2, &state).await.has_changes());

    // Import of each kind of object gives back what state holds.
    for (ty, addr) in [
        ("aws_security_group", "aws_security_group.app"),
        ("aws_subnet", "aws_subnet.public[1]"),
        ("aws_internet_gateway", "aws_internet_gateway.main"),
        ("aws_route_table", "aws_route_table.private"),
        ("aws_nat_gateway", "aws_nat_gateway.main"),
        ("aws_eip", "aws_eip.nat"),
    ] {
        let id = attr(&state, addr, "id");
        let got = env
            .provider
            .import(ImportRequest {
                type_name: ty.into(),
                id: id.clone(),
            })
            .await;
        let v = got
            .state
            .unwrap_or_else(|| panic!("{addr}: {:?}", got.diagnostics));
        assert_eq!(
            v.get_attr("id").and_then(|v| v.as_str()),
            Some(id.as_str()),
            "{addr}"
        );
    }
    // The separate route and rule of the fixture, by their own import IDs.
    let rtb = attr(&state, "aws_route_table.private", "id");
    let route = env
        .import("aws_route", &format!("{rtb}_0.0.0.0/0"))
        .await
        .unwrap();
    assert_eq!(
        route.get_attr("nat_gateway_id").and_then(|v| v.as_str()),
        Some(attr(&state, "aws_nat_gateway.main", "id").as_str())
    );
    let rule = attr(
        &state,
        "aws_vpc_security_group_ingress_rule.db_from_app",
        "id",
    );
    let got = env
        .import("aws_vpc_security_group_ingress_rule", &rule)
        .await
        .unwrap();
    assert_eq!(
        got.get_attr("referenced_security_group_id")
            .and_then(|v| v.as_str()),
        Some(attr(&state, "aws_security_group.app", "id").as_str())
    );
    let rta_subnet = attr(
        &state,
        "aws_route_table_association.private[0]",
        "subnet_id",
    );
    let rtb = attr(&state, "aws_route_table.private", "id");
    let got = env
        .provider
        .import(ImportRequest {
            type_name: "aws_route_table_association".into(),
            id: format!("{rta_subnet}/{rtb}"),
        })
        .await;
    assert_eq!(
        got.state.and_then(|v| v
            .get_attr("id")
            .and_then(|v| v.as_str())
            .map(str::to_string)),
        Some(attr(&state, "aws_route_table_association.private[0]", "id"))
    );

    env.destroy(&src2, &state).await;
    let f = |n: &str, v: &str| {
        aws_sdk_ec2::types::Filter::builder()
            .name(n)
            .values(v)
            .build()
    };
    let c = ec2();
    assert!(c
        .describe_vpcs()
        .filters(f("vpc-id", &vpc))
        .send()
        .await
        .unwrap()
        .vpcs()
        .is_empty());
    assert!(c
        .describe_subnets()
        .filters(f("vpc-id", &vpc))
        .send()
        .await
        .unwrap()
        .subnets()
        .is_empty());
    assert!(c
        .describe_internet_gateways()
        .filters(f("tag:Project", "fixture-e2e"))
        .send()
        .await
        .unwrap()
        .internet_gateways()
        .is_empty());
    assert!(c
        .describe_addresses()
        .filters(f("tag:Project", "fixture-e2e"))
        .send()
        .await
        .unwrap()
        .addresses()
        .is_empty());
    let nats = c
        .describe_nat_gateways()
        .filter(f("vpc-id", &vpc))
        .send()
        .await
        .unwrap();
    assert!(nats
        .nat_gateways()
        .iter()
        .all(|g| g.state().map(|s| s.as_str()) == Some("deleted")));
}

/// Provider blocks see the locals built from variables, as in Terraform: a common way to
/// write default_tags.
#[tokio::test]
async fn provider_blocks_may_use_locals() {
    let env = Env::new();
    let src = r#"
variable "team" {
  default = "payments"
}
locals {
  common = { Team = var.team, Stack = "locals-${terraform.workspace}" }
}
provider "aws" {
  region = "us-east-1"
  default_tags {
    tags = local.common
  }
}
resource "aws_vpc" "tagged" {
  cidr_block = "10.31.0.0/16"
}
"#;
    let state = env.apply(src, &State::new()).await;
    let id = attr(&state, "aws_vpc.tagged", "id");
    let vpcs = ec2().describe_vpcs().vpc_ids(&id).send().await.unwrap();
    let mut tags: Vec<(String, String)> = vpcs.vpcs()[0]
        .tags()
        .iter()
        .map(|t| (t.key().unwrap().to_string(), t.value().unwrap().to_string()))
        .collect();
    tags.sort();
    assert_eq!(
        tags,
        [
            ("Stack".to_string(), "locals-default".to_string()),
            ("Team".to_string(), "payments".to_string())
        ]
    );
    assert!(!env.plan(src, &state).await.has_changes());
    env.destroy(src, &state).await;
}

/// An EC2 client of another region on the same moto server.
fn ec2_in(region: &'static str) -> aws_sdk_ec2::Client {
    let conf = common::sdk_config()
        .to_builder()
        .region(aws_sdk_ec2::config::Region::new(region))
        .build();
    aws_sdk_ec2::Client::from_conf(conf)
}

async fn vpcs_with_cidr(client: &aws_sdk_ec2::Client, cidr: &str) -> usize {
    client
        .describe_vpcs()
        .filters(common::filter("cidr-block", cidr))
        .send()
        .await
        .unwrap()
        .vpcs()
        .len()
}

fn regions_src(away: &str) -> String {
    format!(
        r#"
provider "aws" {{
  region = "us-east-1"
}}
resource "aws_vpc" "home" {{
  cidr_block = "10.61.0.0/16"
}}
resource "aws_vpc" "away" {{
  region     = "{away}"
  cidr_block = "10.62.0.0/16"
}}
resource "aws_subnet" "away" {{
  region     = aws_vpc.away.region
  vpc_id     = aws_vpc.away.id
  cidr_block = "10.62.1.0/24"
}}
data "aws_availability_zones" "away" {{
  region = "{away}"
}}
"#
    )
}

/// Provider 6.x's `region` argument: an object is created, read and deleted in the region
/// it names, state records every object's region (the provider's when unset), the next
/// plan is empty, a change of region replaces, data sources read the region they name,
/// and an import ID ending in `@REGION` imports from that region.
#[tokio::test]
async fn region_argument_manages_objects_in_that_region() {
    let env = Env::new();
    let src = regions_src("eu-west-1");
    let state = env.apply(&src, &State::new()).await;
    assert_eq!(attr(&state, "aws_vpc.home", "region"), "us-east-1");
    assert_eq!(attr(&state, "aws_vpc.away", "region"), "eu-west-1");
    assert!(attr(&state, "aws_vpc.away", "arn").contains(":eu-west-1:"));
    assert!(attr(&state, "aws_subnet.away", "availability_zone").starts_with("eu-west-1"));
    let zones = &state
        .resources
        .iter()
        .find(|r| r.ty == "aws_availability_zones")
        .unwrap()
        .instances[0]
        .attributes
        .to_json();
    assert_eq!(zones["region"], "eu-west-1");
    assert!(zones["names"][0].as_str().unwrap().starts_with("eu-west-1"));
    assert_eq!(
        vpcs_with_cidr(&ec2_in("eu-west-1"), "10.62.0.0/16").await,
        1
    );
    assert_eq!(vpcs_with_cidr(&ec2(), "10.62.0.0/16").await, 0);
    assert!(!env.plan(&src, &state).await.has_changes(), "converges");

    let away = attr(&state, "aws_vpc.away", "id");
    let imported = env
        .import("aws_vpc", &format!("{away}@eu-west-1"))
        .await
        .unwrap();
    assert_eq!(
        imported.get_attr("region").and_then(|r| r.as_str()),
        Some("eu-west-1")
    );
    assert!(
        env.import("aws_vpc", &away).await.is_err(),
        "not in us-east-1"
    );

    let moved = regions_src("eu-central-1");
    let plan = env.plan(&moved, &state).await;
    assert_eq!(
        changes(&plan),
        [
            "DeleteThenCreate aws_subnet.away",
            "DeleteThenCreate aws_vpc.away"
        ]
    );
    let state = env.apply(&moved, &state).await;
    assert_eq!(
        vpcs_with_cidr(&ec2_in("eu-west-1"), "10.62.0.0/16").await,
        0
    );
    assert_eq!(
        vpcs_with_cidr(&ec2_in("eu-central-1"), "10.62.0.0/16").await,
        1
    );
    env.destroy(&moved, &state).await;
    assert_eq!(
        vpcs_with_cidr(&ec2_in("eu-central-1"), "10.62.0.0/16").await,
        0
    );
}

#[tokio::test]
async fn subnet_and_endpoint_service_data_sources() {
    use common::data_attr;
    let env = Env::new();
    let src = r#"
provider "aws" {
  region = "us-east-1"
}
resource "aws_vpc" "v" {
  cidr_block = "10.91.0.0/16"
}
resource "aws_subnet" "s" {
  vpc_id                  = aws_vpc.v.id
  cidr_block              = "10.91.1.0/24"
  availability_zone       = "us-east-1b"
  map_public_ip_on_launch = true
  tags                    = { Name = "data-subnet", tier = "public" }
}
resource "aws_subnet" "other" {
  vpc_id     = aws_vpc.v.id
  cidr_block = "10.91.2.0/24"
}
data "aws_subnet" "by_id" {
  id = aws_subnet.s.id
}
data "aws_subnet" "by_filter" {
  vpc_id = aws_subnet.s.vpc_id
  filter {
    name   = "tag:tier"
    values = ["public"]
  }
}
data "aws_vpc_endpoint_service" "s3" {
  service      = "s3"
  service_type = "Gateway"
}
"#;
    let state = env.apply(src, &State::new()).await;
    let id = attr(&state, "aws_subnet.s", "id");
    for name in ["by_id", "by_filter"] {
        let a = |k| data_attr(&state, "aws_subnet", name, k);
        assert_eq!(a("id"), id.as_str(), "{name}");
        assert_eq!(a("cidr_block"), "10.91.1.0/24", "{name}");
        assert_eq!(a("availability_zone"), "us-east-1b", "{name}");
        assert_eq!(a("vpc_id"), attr(&state, "aws_vpc.v", "id").as_str());
        assert_eq!(a("map_public_ip_on_launch"), true, "{name}");
        assert_eq!(a("arn"), attr(&state, "aws_subnet.s", "arn").as_str());
        assert_eq!(a("state"), "available", "{name}");
        assert_eq!(a("default_for_az"), false, "{name}");
        assert_eq!(a("tags")["tier"], "public", "{name}");
        assert!(
            a("available_ip_address_count").as_i64().unwrap() > 200,
            "{name}"
        );
    }
    let e = |k| data_attr(&state, "aws_vpc_endpoint_service", "s3", k);
    assert_eq!(e("service_name"), "com.amazonaws.us-east-1.s3");
    assert_eq!(e("service_type"), "Gateway");
    assert!(
        e("service_id").as_str().unwrap().starts_with("vpce-svc-"),
        "{}",
        e("service_id")
    );
    // The Terraform provider's ID: the CRC-32 of the service name.
    assert_eq!(e("id"), "195798706");
    assert!(e("arn")
        .as_str()
        .unwrap()
        .contains(":vpc-endpoint-service/vpce-svc-"));
    assert!(!e("availability_zones").as_array().unwrap().is_empty());
    assert_eq!(e("owner"), "amazon");
    let plan = env.plan(src, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));

    // No match: the data source's error names what was searched.
    let none = src.replace(r#"values = ["public"]"#, r#"values = ["none"]"#);
    let err = env.try_plan(&none, &state, PlanMode::Normal).await;
    let err = match err {
        Err(d) => format!("{d:?}"),
        Ok(_) => {
            let (_, d) = env.apply_mode(&none, &state, PlanMode::Normal).await;
            format!("{d:?}")
        }
    };
    assert!(err.contains("no matching EC2 Subnet found"), "{err}");
    env.destroy(src, &state).await;
}

/// A read that the service keeps answering with a server error fails within seconds,
/// naming the call, rather than retrying for minutes: moto answers a `service-name` filter
/// on DescribeVpcEndpointServices with a 500 every time.
#[tokio::test]
async fn read_answered_with_server_errors_fails_fast() {
    let env = Env::new();
    let src = r#"
provider "aws" {
  region = "us-east-1"
}
data "aws_vpc_endpoint_service" "filtered" {
  filter {
    name   = "service-name"
    values = ["com.amazonaws.us-east-1.s3"]
  }
}
"#;
    let start = std::time::Instant::now();
    let err = match env.try_plan(src, &State::new(), PlanMode::Normal).await {
        Err(d) => format!("{d:?}"),
        Ok(p) => panic!("the plan should fail: {:?}", changes(&p)),
    };
    let took = start.elapsed();
    assert!(err.contains("DescribeVpcEndpointServices"), "{err}");
    assert!(took < std::time::Duration::from_secs(30), "took {took:?}");
    // Three attempts, not the 26 the provider's retry count allows for throttling.
    assert_eq!(common::calls(&env, "ec2"), 3);
}
