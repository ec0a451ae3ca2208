//! aws_route, aws_vpc_security_group_{ingress,egress}_rule and aws_security_group_rule
//! against moto through the engine: create, converge, update in place, replace, drift or
//! out-of-band deletion, import and destroy. Each test has a VPC of its own.

mod common;

use aws_sdk_ec2::types::{Filter, IpPermission, IpRange};
use common::{attr, changes, ec2, Env};
use terrane_engine::plan::PlanMode;
use terrane_engine::state::State;

fn f(name: &str, v: &str) -> Filter {
    Filter::builder().name(name).values(v).build()
}

/// The destinations of a route table's routes.
async fn routes(rtb: &str) -> Vec<(String, String)> {
    let out = ec2()
        .describe_route_tables()
        .filters(f("route-table-id", rtb))
        .send()
        .await
        .unwrap();
    out.route_tables()
        .iter()
        .flat_map(|t| t.routes())
        .map(|r| {
            (
                r.destination_cidr_block().unwrap_or_default().to_string(),
                r.gateway_id()
                    .or(r.nat_gateway_id())
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect()
}

async fn group_rules(sg: &str) -> Vec<aws_sdk_ec2::types::SecurityGroupRule> {
    ec2()
        .describe_security_group_rules()
        .filters(f("group-id", sg))
        .send()
        .await
        .unwrap()
        .security_group_rules()
        .to_vec()
}

fn route_src(cidr: &str, dest: &str, target: &str) -> String {
    format!(
        r#"
resource "aws_vpc" "v" {{
  cidr_block = "{cidr}"
}}
resource "aws_subnet" "s" {{
  vpc_id     = aws_vpc.v.id
  cidr_block = cidrsubnet(aws_vpc.v.cidr_block, 8, 0)
}}
resource "aws_internet_gateway" "igw" {{
  vpc_id = aws_vpc.v.id
}}
resource "aws_eip" "nat" {{
  domain = "vpc"
}}
resource "aws_nat_gateway" "nat" {{
  allocation_id = aws_eip.nat.id
  subnet_id     = aws_subnet.s.id
}}
resource "aws_route_table" "rt" {{
  vpc_id = aws_vpc.v.id
}}
resource "aws_route" "r" {{
  route_table_id         = aws_route_table.rt.id
  destination_cidr_block = "{dest}"
  {target}
}}
"#
    )
}

#[tokio::test]
async fn route_lifecycle() {
    let env = Env::new();
    let igw = "gateway_id = aws_internet_gateway.igw.id";
    let src = route_src("10.50.0.0/16", "0.0.0.0/0", igw);
    let state = env.apply(&src, &State::new()).await;
    let rtb = attr(&state, "aws_route_table.rt", "id");
    let id = attr(&state, "aws_route.r", "id");
    // Terraform's ID: r-<table><crc32 of the destination>.
    assert_eq!(id, format!("r-{rtb}1080289494"));
    assert_eq!(attr(&state, "aws_route.r", "state"), "active");
    assert!(routes(&rtb).await.contains(&(
        "0.0.0.0/0".into(),
        attr(&state, "aws_internet_gateway.igw", "id")
    )));
    let plan = env.plan(&src, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));

    // A new target is an in-place ReplaceRoute.
    let src2 = route_src(
        "10.50.0.0/16",
        "0.0.0.0/0",
        "nat_gateway_id = aws_nat_gateway.nat.id",
    );
    assert_eq!(
        changes(&env.plan(&src2, &state).await),
        ["Update aws_route.r"]
    );
    let state = env.apply(&src2, &state).await;
    assert_eq!(attr(&state, "aws_route.r", "id"), id);
    let nat = attr(&state, "aws_nat_gateway.nat", "id");
    assert!(routes(&rtb)
        .await
        .contains(&("0.0.0.0/0".into(), nat.clone())));
    let plan = env.plan(&src2, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));

    // A new destination replaces the route.
    let src3 = route_src(
        "10.50.0.0/16",
        "192.168.0.0/16",
        "nat_gateway_id = aws_nat_gateway.nat.id",
    );
    assert_eq!(
        changes(&env.plan(&src3, &state).await),
        ["DeleteThenCreate aws_route.r"]
    );
    let state = env.apply(&src3, &state).await;
    let dests: Vec<String> = routes(&rtb).await.into_iter().map(|r| r.0).collect();
    assert!(dests.contains(&"192.168.0.0/16".to_string()), "{dests:?}");
    assert!(!dests.contains(&"0.0.0.0/0".to_string()), "{dests:?}");

    // Import by ROUTETABLEID_DESTINATION gives the same object.
    let v = env
        .import("aws_route", &format!("{rtb}_192.168.0.0/16"))
        .await
        .unwrap();
    assert_eq!(
        v.get_attr("id").and_then(|v| v.as_str()),
        Some(attr(&state, "aws_route.r", "id").as_str())
    );
    assert_eq!(
        v.get_attr("nat_gateway_id").and_then(|v| v.as_str()),
        Some(nat.as_str())
    );
    assert!(env
        .import("aws_route", &format!("{rtb}_10.9.0.0/16"))
        .await
        .is_err());
    assert!(env.import("aws_route", "nonsense").await.is_err());

    // Deleted outside terrane: planned for re-creation.
    ec2()
        .delete_route()
        .route_table_id(&rtb)
        .destination_cidr_block("192.168.0.0/16")
        .send()
        .await
        .unwrap();
    assert_eq!(
        changes(&env.plan(&src3, &state).await),
        ["Create aws_route.r"]
    );
    let state = env.apply(&src3, &state).await;

    env.destroy(&src3, &state).await;
    assert!(routes(&rtb).await.is_empty());
}

fn vpc_rule_src(cidr: &str, ingress: &str, egress: &str) -> String {
    format!(
        r#"
resource "aws_vpc" "v" {{
  cidr_block = "{cidr}"
}}
resource "aws_security_group" "a" {{
  name   = "rules-a-{cidr}"
  vpc_id = aws_vpc.v.id
}}
resource "aws_security_group" "b" {{
  name   = "rules-b-{cidr}"
  vpc_id = aws_vpc.v.id
}}
resource "aws_vpc_security_group_ingress_rule" "in" {{
  {ingress}
}}
resource "aws_vpc_security_group_egress_rule" "out" {{
  {egress}
}}
"#
    )
}

#[tokio::test]
async fn vpc_security_group_rules_lifecycle() {
    let env = Env::new();
    let ingress = r#"security_group_id = aws_security_group.a.id
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "10.0.0.0/8"
  description       = "https"
  tags              = { Name = "in" }"#;
    let egress = r#"security_group_id            = aws_security_group.a.id
  ip_protocol                  = "-1"
  referenced_security_group_id = aws_security_group.b.id"#;
    let src = vpc_rule_src("10.51.0.0/16", ingress, egress);
    let state = env.apply(&src, &State::new()).await;
    let sg = attr(&state, "aws_security_group.a", "id");
    let id = attr(&state, "aws_vpc_security_group_ingress_rule.in", "id");
    let out_id = attr(&state, "aws_vpc_security_group_egress_rule.out", "id");
    assert!(id.starts_with("sgr-"), "{id}");
    assert_eq!(
        attr(
            &state,
            "aws_vpc_security_group_ingress_rule.in",
            "security_group_rule_id"
        ),
        id
    );
    assert!(
        attr(&state, "aws_vpc_security_group_ingress_rule.in", "arn")
            .ends_with(&format!("security-group-rule/{id}"))
    );
    let rules = group_rules(&sg).await;
    assert_eq!(rules.len(), 2, "{rules:?}");
    let plan = env.plan(&src, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));

    // Ports, CIDR, description and tags change in place (ModifySecurityGroupRules), the
    // rule keeping its ID.
    let ingress2 = ingress
        .replace("443", "8443")
        .replace("10.0.0.0/8", "10.1.0.0/16")
        .replace("\"https\"", "\"alt https\"")
        .replace("\"in\"", "\"in2\"");
    let src2 = vpc_rule_src("10.51.0.0/16", &ingress2, egress);
    assert_eq!(
        changes(&env.plan(&src2, &state).await),
        ["Update aws_vpc_security_group_ingress_rule.in"]
    );
    let state = env.apply(&src2, &state).await;
    assert_eq!(
        attr(&state, "aws_vpc_security_group_ingress_rule.in", "id"),
        id
    );
    let r = group_rules(&sg)
        .await
        .into_iter()
        .find(|r| r.security_group_rule_id() == Some(id.as_str()))
        .unwrap();
    assert_eq!(r.from_port(), Some(8443));
    assert_eq!(r.cidr_ipv4(), Some("10.1.0.0/16"));
    assert_eq!(r.description(), Some("alt https"));
    let plan = env.plan(&src2, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));

    // Drift: the description changed outside terrane is planned back.
    ec2()
        .modify_security_group_rules()
        .group_id(&sg)
        .security_group_rules(
            aws_sdk_ec2::types::SecurityGroupRuleUpdate::builder()
                .security_group_rule_id(&id)
                .security_group_rule(
                    aws_sdk_ec2::types::SecurityGroupRuleRequest::builder()
                        .ip_protocol("tcp")
                        .from_port(8443)
                        .to_port(8443)
                        .cidr_ipv4("10.1.0.0/16")
                        .description("changed")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    let plan = env.plan(&src2, &state).await;
    assert_eq!(
        changes(&plan),
        ["Update aws_vpc_security_group_ingress_rule.in"]
    );
    let state = env.apply(&src2, &state).await;
    assert!(!env.plan(&src2, &state).await.has_changes());

    // Import by rule ID; the wrong direction is not found.
    let v = env
        .import("aws_vpc_security_group_ingress_rule", &id)
        .await
        .unwrap();
    assert_eq!(
        v.get_attr("description").and_then(|v| v.as_str()),
        Some("alt https")
    );
    assert_eq!(v.get_attr("from_port").and_then(|v| v.as_i64()), Some(8443));
    let v = env
        .import("aws_vpc_security_group_egress_rule", &out_id)
        .await
        .unwrap();
    assert!(v.get_attr("from_port").is_some_and(|v| v.is_null()));
    assert!(env
        .import("aws_vpc_security_group_egress_rule", &id)
        .await
        .is_err());

    // Another group replaces the rule.
    let sg_b = attr(&state, "aws_security_group.b", "id");
    let src3 = vpc_rule_src(
        "10.51.0.0/16",
        &ingress2.replace("aws_security_group.a.id", "aws_security_group.b.id"),
        egress,
    );
    assert_eq!(
        changes(&env.plan(&src3, &state).await),
        ["DeleteThenCreate aws_vpc_security_group_ingress_rule.in"]
    );
    let state = env.apply(&src3, &state).await;
    let id2 = attr(&state, "aws_vpc_security_group_ingress_rule.in", "id");
    assert_ne!(id2, id);
    assert_eq!(group_rules(&sg).await.len(), 1);
    assert!(!env.plan(&src3, &state).await.has_changes());

    // Deleted outside terrane: planned for re-creation.
    ec2()
        .revoke_security_group_ingress()
        .group_id(&sg_b)
        .security_group_rule_ids(&id2)
        .send()
        .await
        .unwrap();
    assert_eq!(
        changes(&env.plan(&src3, &state).await),
        ["Create aws_vpc_security_group_ingress_rule.in"]
    );
    let state = env.apply(&src3, &state).await;

    env.destroy(&src3, &state).await;
    assert!(group_rules(&sg).await.is_empty());
    assert!(group_rules(&sg_b).await.is_empty());
}

#[tokio::test]
async fn invalid_rules_are_rejected_before_any_call() {
    let env = Env::new();
    for (ty, body) in [
        (
            "aws_vpc_security_group_ingress_rule",
            r#"security_group_id = "sg-12345678"
  ip_protocol = "tcpp"
  cidr_ipv4 = "10.0.0.0/8""#,
        ),
        (
            "aws_vpc_security_group_ingress_rule",
            r#"security_group_id = "sg-12345678"
  ip_protocol = "tcp"
  from_port = 1
  to_port = 1
  cidr_ipv4 = "10.0.0.1/8""#,
        ),
        (
            "aws_security_group_rule",
            r#"type = "sideways"
  security_group_id = "sg-12345678"
  protocol = "tcp"
  from_port = 1
  to_port = 1
  cidr_blocks = ["10.0.0.0/8"]"#,
        ),
        (
            "aws_route",
            r#"route_table_id = "rtb-12345678"
  destination_cidr_block = "0.0.0.0/0""#,
        ),
    ] {
        let src = format!("resource \"{ty}\" \"x\" {{\n  {body}\n}}\n");
        let before = env.ec2_calls();
        let err = env
            .try_plan(&src, &State::new(), PlanMode::Normal)
            .await
            .unwrap_err();
        assert!(format!("{err:?}").contains("Invalid value"), "{err:?}");
        assert_eq!(env.ec2_calls(), before, "{src}");
    }
}

fn legacy_src(cidr: &str, ssh: &str, desc: &str) -> String {
    format!(
        r#"
resource "aws_vpc" "v" {{
  cidr_block = "{cidr}"
}}
resource "aws_security_group" "a" {{
  name   = "legacy-a"
  vpc_id = aws_vpc.v.id
}}
resource "aws_security_group" "b" {{
  name   = "legacy-b"
  vpc_id = aws_vpc.v.id
}}
resource "aws_security_group_rule" "ssh" {{
  type              = "ingress"
  security_group_id = aws_security_group.a.id
  protocol          = "tcp"
  from_port         = {ssh}
  to_port           = {ssh}
  cidr_blocks       = ["10.0.0.0/8", "192.168.0.0/16"]
  description       = "{desc}"
}}
resource "aws_security_group_rule" "self" {{
  type              = "ingress"
  security_group_id = aws_security_group.a.id
  protocol          = "all"
  from_port         = 0
  to_port           = 0
  self              = true
}}
resource "aws_security_group_rule" "to_b" {{
  type                     = "egress"
  security_group_id        = aws_security_group.a.id
  protocol                 = "6"
  from_port                = 5432
  to_port                  = 5432
  source_security_group_id = aws_security_group.b.id
}}
"#
    )
}

#[tokio::test]
async fn legacy_security_group_rule_lifecycle() {
    let env = Env::new();
    let src = legacy_src("10.52.0.0/16", "22", "ssh");
    let state = env.apply(&src, &State::new()).await;
    let sg = attr(&state, "aws_security_group.a", "id");
    let ssh = attr(&state, "aws_security_group_rule.ssh", "id");
    assert!(ssh.starts_with("sgrule-"), "{ssh}");
    // One source: the rule's own sgr- ID; two sources: none.
    assert!(attr(
        &state,
        "aws_security_group_rule.self",
        "security_group_rule_id"
    )
    .starts_with("sgr-"));
    assert_eq!(
        attr(
            &state,
            "aws_security_group_rule.ssh",
            "security_group_rule_id"
        ),
        ""
    );
    // 2 CIDRs + self + one egress rule.
    assert_eq!(group_rules(&sg).await.len(), 4);
    let plan = env.plan(&src, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));

    // The description changes in place.
    let src2 = legacy_src("10.52.0.0/16", "22", "ssh from the office");
    assert_eq!(
        changes(&env.plan(&src2, &state).await),
        ["Update aws_security_group_rule.ssh"]
    );
    let state = env.apply(&src2, &state).await;
    assert_eq!(attr(&state, "aws_security_group_rule.ssh", "id"), ssh);
    assert!(group_rules(&sg)
        .await
        .iter()
        .filter(|r| r.cidr_ipv4().is_some())
        .all(|r| r.description() == Some("ssh from the office")));
    assert!(!env.plan(&src2, &state).await.has_changes());

    // Import by SGID_TYPE_PROTOCOL_FROMPORT_TOPORT_SOURCES gives the same ID.
    let v = env
        .import(
            "aws_security_group_rule",
            &format!("{sg}_ingress_tcp_22_22_10.0.0.0/8_192.168.0.0/16"),
        )
        .await
        .unwrap();
    assert_eq!(
        v.get_attr("id").and_then(|v| v.as_str()),
        Some(ssh.as_str())
    );
    assert_eq!(
        v.get_attr("description").and_then(|v| v.as_str()),
        Some("ssh from the office")
    );
    let v = env
        .import(
            "aws_security_group_rule",
            &format!("{sg}_ingress_all_0_0_self"),
        )
        .await
        .unwrap();
    assert_eq!(
        v.get_attr("id").and_then(|v| v.as_str()),
        Some(attr(&state, "aws_security_group_rule.self", "id").as_str())
    );
    assert!(env
        .import(
            "aws_security_group_rule",
            &format!("{sg}_ingress_tcp_23_23_10.0.0.0/8")
        )
        .await
        .is_err());

    // Any other argument replaces.
    let src3 = legacy_src("10.52.0.0/16", "2222", "ssh from the office");
    assert_eq!(
        changes(&env.plan(&src3, &state).await),
        ["DeleteThenCreate aws_security_group_rule.ssh"]
    );
    let state = env.apply(&src3, &state).await;
    assert_ne!(attr(&state, "aws_security_group_rule.ssh", "id"), ssh);
    let ports: Vec<_> = group_rules(&sg)
        .await
        .iter()
        .filter(|r| r.cidr_ipv4().is_some())
        .map(|r| r.from_port())
        .collect();
    assert_eq!(ports, [Some(2222), Some(2222)]);

    // One of its sources revoked outside terrane: the rule is gone and is re-created.
    ec2()
        .revoke_security_group_ingress()
        .group_id(&sg)
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(2222)
                .to_port(2222)
                .ip_ranges(IpRange::builder().cidr_ip("192.168.0.0/16").build())
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        changes(&env.plan(&src3, &state).await),
        ["Create aws_security_group_rule.ssh"]
    );

    // Destroy revokes what is left (the half-deleted rule included).
    env.destroy(&src3, &state).await;
    let left = ec2()
        .describe_security_groups()
        .filters(f("group-id", &sg))
        .send()
        .await
        .unwrap();
    assert!(left.security_groups().is_empty());
}

fn from_group_src(desc: &str) -> String {
    format!(
        r#"
resource "aws_vpc" "v" {{
  cidr_block = "10.53.0.0/16"
}}
resource "aws_security_group" "db" {{
  name   = "from-group-db"
  vpc_id = aws_vpc.v.id
}}
resource "aws_security_group" "app" {{
  name   = "from-group-app"
  vpc_id = aws_vpc.v.id
}}
resource "aws_security_group_rule" "app_to_db" {{
  type                     = "ingress"
  security_group_id        = aws_security_group.db.id
  protocol                 = "tcp"
  from_port                = 5432
  to_port                  = 5432
  source_security_group_id = aws_security_group.app.id
  description              = "{desc}"
}}
"#
    )
}

/// An ingress rule from another group keeps its description: apply records it, the next
/// plan is empty, and a new description is an in-place update that converges too.
#[tokio::test]
async fn legacy_rule_from_another_group_keeps_its_description() {
    let env = Env::new();
    let src = from_group_src("postgres from the app");
    let state = env.apply(&src, &State::new()).await;
    assert_eq!(
        attr(&state, "aws_security_group_rule.app_to_db", "description"),
        "postgres from the app"
    );
    let plan = env.plan(&src, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));

    let src2 = from_group_src("postgres from the app tier");
    assert_eq!(
        changes(&env.plan(&src2, &state).await),
        ["Update aws_security_group_rule.app_to_db"]
    );
    let state = env.apply(&src2, &state).await;
    let plan = env.plan(&src2, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));
    env.destroy(&src2, &state).await;
}
