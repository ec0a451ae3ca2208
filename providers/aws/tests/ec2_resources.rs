//! One lifecycle per EC2 networking resource type, driven from a table: every type goes
//! through the same steps against moto (apply and converge, in-place update, forced
//! replacement, import into a fresh state, drift made with the SDK, deletion outside
//! terrane, destroy), with the edits and the out-of-band changes that fit it. Each case
//! works in a VPC of its own so the cases run side by side on the one moto server.

mod common;

use aws_sdk_ec2::types::{IpPermission, IpRange, PortRange, Tag};
use common::{attr, changed_attrs, changes, drifted_attrs, ec2, filter as f, Env};
use terrane_engine::state::State;

/// The networking fixture every case starts from. `{cidr}` is the case's VPC block (a
/// /16) and `{name}` tags and names what the case creates.
const FIXTURE: &str = r#"
resource "aws_vpc" "v" {
  cidr_block = "{cidr}"
}
resource "aws_vpc" "other" {
  cidr_block = "172.16.0.0/16"
  tags       = { Name = "{name}-other" }
}
resource "aws_subnet" "a" {
  vpc_id     = aws_vpc.v.id
  cidr_block = cidrsubnet(aws_vpc.v.cidr_block, 8, 0)
}
resource "aws_subnet" "b" {
  vpc_id     = aws_vpc.v.id
  cidr_block = cidrsubnet(aws_vpc.v.cidr_block, 8, 1)
}
resource "aws_internet_gateway" "igw" {
  vpc_id = aws_vpc.v.id
  tags   = { Name = "{name}-igw" }
}
resource "aws_eip" "nat" {
  domain = "vpc"
}
resource "aws_eip" "spare" {
  domain = "vpc"
  tags   = { Name = "{name}-eip" }
}
resource "aws_nat_gateway" "nat" {
  allocation_id = aws_eip.nat.id
  subnet_id     = aws_subnet.a.id
  tags          = { Name = "{name}-nat" }
}
resource "aws_route_table" "inline" {
  vpc_id = aws_vpc.v.id
  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.igw.id
  }
  tags = { Name = "{name}-rt" }
}
resource "aws_route_table" "private" {
  vpc_id = aws_vpc.v.id
}
resource "aws_route" "r" {
  route_table_id         = aws_route_table.private.id
  destination_cidr_block = "10.99.0.0/16"
  nat_gateway_id         = aws_nat_gateway.nat.id
}
resource "aws_route_table_association" "a" {
  subnet_id      = aws_subnet.a.id
  route_table_id = aws_route_table.private.id
}
resource "aws_security_group" "sg" {
  name        = "{name}-sg"
  description = "terrane test"
  vpc_id      = aws_vpc.v.id
  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"]
  }
  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
  tags = { Name = "{name}-sg" }
}
"#;

/// The types the VPC module adds around a VPC: its default objects, network ACLs and
/// rules, IPv6 egress, DHCP options and a secondary CIDR block.
const VPC_MODULE_FIXTURE: &str = r#"
resource "aws_vpc" "v" {
  cidr_block = "{cidr}"
}
resource "aws_vpc" "other" {
  cidr_block = "172.16.0.0/16"
  tags       = { Name = "{name}-other" }
}
resource "aws_subnet" "a" {
  vpc_id     = aws_vpc.v.id
  cidr_block = cidrsubnet(aws_vpc.v.cidr_block, 8, 0)
}
resource "aws_internet_gateway" "igw" {
  vpc_id = aws_vpc.v.id
}
resource "aws_default_security_group" "d" {
  vpc_id = aws_vpc.v.id
  ingress {
    from_port = 0
    to_port   = 0
    protocol  = "-1"
    self      = true
  }
  tags = { Name = "{name}-default" }
}
resource "aws_default_route_table" "d" {
  default_route_table_id = aws_vpc.v.default_route_table_id
  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.igw.id
  }
  tags = { Name = "{name}-main" }
}
resource "aws_default_network_acl" "d" {
  default_network_acl_id = aws_vpc.v.default_network_acl_id
  ingress {
    rule_no    = 100
    action     = "allow"
    protocol   = "-1"
    from_port  = 0
    to_port    = 0
    cidr_block = "0.0.0.0/0"
  }
  egress {
    rule_no    = 100
    action     = "allow"
    protocol   = "-1"
    from_port  = 0
    to_port    = 0
    cidr_block = "0.0.0.0/0"
  }
  tags = { Name = "{name}-default" }
  lifecycle {
    ignore_changes = [subnet_ids]
  }
}
resource "aws_network_acl" "n" {
  vpc_id     = aws_vpc.v.id
  subnet_ids = [aws_subnet.a.id]
  tags       = { Name = "{name}-acl" }
}
resource "aws_network_acl_rule" "in" {
  network_acl_id = aws_network_acl.n.id
  rule_number    = 100
  rule_action    = "allow"
  protocol       = "tcp"
  from_port      = 443
  to_port        = 443
  cidr_block     = "10.0.0.0/8"
}
resource "aws_egress_only_internet_gateway" "e" {
  vpc_id = aws_vpc.v.id
  tags   = { Name = "{name}-eigw" }
}
resource "aws_vpc_dhcp_options" "o" {
  domain_name         = "{name}.internal"
  domain_name_servers = ["AmazonProvidedDNS"]
  tags                = { Name = "{name}-dhcp" }
}
data "aws_partition" "p" {}
resource "aws_vpc_dhcp_options" "o2" {
  domain_name_servers = ["10.0.0.2"]
  domain_name         = "${data.aws_partition.p.partition}.${data.aws_partition.p.dns_suffix}"
}
resource "aws_vpc_dhcp_options_association" "a" {
  vpc_id          = aws_vpc.v.id
  dhcp_options_id = aws_vpc_dhcp_options.o.id
}
resource "aws_vpc_ipv4_cidr_block_association" "c" {
  vpc_id     = aws_vpc.v.id
  cidr_block = replace(aws_vpc.v.cidr_block, "10.", "100.")
}
"#;

/// The VPC module's flow log, VPN and endpoint types, around a VPC of the case's own.
const VPN_FIXTURE: &str = r#"
resource "aws_vpc" "v" {
  cidr_block = "{cidr}"
}
resource "aws_vpc" "other" {
  cidr_block = "172.16.0.0/16"
  tags       = { Name = "{name}-other" }
}
resource "aws_subnet" "a" {
  vpc_id     = aws_vpc.v.id
  cidr_block = cidrsubnet(aws_vpc.v.cidr_block, 8, 0)
}
resource "aws_route_table" "private" {
  vpc_id = aws_vpc.v.id
}
resource "aws_cloudwatch_log_group" "flow" {
  name = "{name}-flow"
}
resource "aws_iam_role" "flow" {
  name = "{name}-flow"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "vpc-flow-logs.amazonaws.com" }
    }]
  })
}
resource "aws_flow_log" "f" {
  vpc_id                   = aws_vpc.v.id
  traffic_type             = "ALL"
  log_destination          = aws_cloudwatch_log_group.flow.arn
  iam_role_arn             = aws_iam_role.flow.arn
  max_aggregation_interval = 60
  tags                     = { Name = "{name}-flow" }
}
resource "aws_customer_gateway" "c" {
  bgp_asn    = 65000
  ip_address = "172.0.0.1"
  type       = "ipsec.1"
  tags       = { Name = "{name}-cgw" }
}
resource "aws_vpn_gateway" "g" {
  vpc_id          = aws_vpc.v.id
  amazon_side_asn = "64512"
  tags            = { Name = "{name}-vgw" }
}
resource "aws_vpc" "third" {
  cidr_block = "172.17.0.0/16"
}
resource "aws_vpn_gateway" "spare" {
  tags = { Name = "{name}-spare" }
}
resource "aws_vpn_gateway_attachment" "a" {
  vpc_id         = aws_vpc.other.id
  vpn_gateway_id = aws_vpn_gateway.spare.id
}
resource "aws_route_table" "second" {
  vpc_id = aws_vpc.v.id
}
resource "aws_vpc_endpoint" "s3" {
  vpc_id          = aws_vpc.v.id
  service_name    = "com.amazonaws.us-east-1.s3"
  route_table_ids = [aws_route_table.private.id]
  tags            = { Name = "{name}-s3" }
}
resource "aws_vpc_endpoint" "dynamodb" {
  vpc_id       = aws_vpc.v.id
  service_name = "com.amazonaws.us-east-1.dynamodb"
}
resource "aws_route_table" "assoc1" {
  vpc_id = aws_vpc.v.id
}
resource "aws_route_table" "assoc2" {
  vpc_id = aws_vpc.v.id
}
resource "aws_vpc_endpoint_route_table_association" "r" {
  vpc_endpoint_id = aws_vpc_endpoint.dynamodb.id
  route_table_id  = aws_route_table.assoc1.id
}
resource "aws_security_group" "endpoints" {
  name        = "{name}-endpoints"
  description = "interface endpoints"
  vpc_id      = aws_vpc.v.id
}
resource "aws_security_group" "endpoints2" {
  name        = "{name}-endpoints2"
  description = "interface endpoints"
  vpc_id      = aws_vpc.v.id
}
resource "aws_vpc_endpoint" "ecs" {
  vpc_id              = aws_vpc.v.id
  service_name        = "com.amazonaws.us-east-1.ecs"
  vpc_endpoint_type   = "Interface"
  subnet_ids          = [aws_subnet.a.id]
  security_group_ids  = [aws_security_group.endpoints.id]
  private_dns_enabled = true
  tags                = { Name = "{name}-ecs" }
}
"#;

/// A text edit of the fixture and the plan it must give (`Action address` lines).
struct Edit {
    from: &'static str,
    to: &'static str,
    plan: &'static [&'static str],
}

/// How the case's object is imported: its ID, or a composite ID built from state.
#[derive(Clone, Copy)]
enum ImportId {
    Id,
    /// The ID of its VPC (a VPC's main route table, a DHCP options association).
    Vpc,
    /// `ACLID:RULENUMBER:PROTOCOL:EGRESS`.
    AclRule,
    /// `ROUTETABLEID_DESTINATION`.
    Route,
    /// `SUBNETID/ROUTETABLEID`.
    Association,
    /// `VPCENDPOINTID/ROUTETABLEID`.
    EndpointRouteTable,
    /// The Terraform provider cannot import the type (a VPN gateway attachment).
    NotImportable,
}

/// A change made with the SDK behind terrane's back.
#[derive(Clone, Copy)]
enum OutOfBand {
    /// Sets the `Name` tag of the object's `id` to another value.
    RenameTag,
    /// Removes the inline `0.0.0.0/0` route of `aws_route_table.inline`.
    DropInlineRoute,
    /// Points `aws_route.r` at the internet gateway instead of the NAT gateway.
    RetargetRoute,
    /// Opens port 22 on the security group.
    AddIngress,
    /// Adds an ingress rule to the network ACL.
    AddAclEntry,
    /// Deletes the object (however its type is deleted).
    Delete,
}

struct Case {
    /// The configuration every step starts from (with `{cidr}` and `{name}`).
    fixture: &'static str,
    addr: &'static str,
    /// `None` where every argument forces replacement.
    update: Option<Edit>,
    /// `None` where the type has no argument that forces replacement.
    replace: Option<Edit>,
    import: ImportId,
    drift: Option<(OutOfBand, &'static [&'static str])>,
    /// Whether an in-place update gives the object a new ID (a replaced association).
    new_id_on_update: bool,
    /// What the plan does after the object was deleted out of band; `None` for objects
    /// that cannot be deleted (a VPC's default objects).
    deleted_plan: Option<&'static [&'static str]>,
}

fn fixture(cidr: &str, name: &str) -> String {
    FIXTURE.replace("{cidr}", cidr).replace("{name}", name)
}

fn edited(src: &str, e: &Edit) -> String {
    assert!(src.contains(e.from), "the fixture has no {:?}", e.from);
    src.replacen(e.from, e.to, 1)
}

fn import_id(state: &State, addr: &str, how: ImportId) -> String {
    match how {
        ImportId::Id => attr(state, addr, "id"),
        ImportId::Route => format!(
            "{}_{}",
            attr(state, addr, "route_table_id"),
            attr(state, addr, "destination_cidr_block")
        ),
        ImportId::Association => format!(
            "{}/{}",
            attr(state, addr, "subnet_id"),
            attr(state, addr, "route_table_id")
        ),
        ImportId::Vpc => attr(state, addr, "vpc_id"),
        ImportId::AclRule => format!(
            "{}:{}:{}:{}",
            attr(state, addr, "network_acl_id"),
            attr(state, addr, "rule_number"),
            attr(state, addr, "protocol"),
            attr(state, addr, "egress"),
        ),
        ImportId::EndpointRouteTable => format!(
            "{}/{}",
            attr(state, addr, "vpc_endpoint_id"),
            attr(state, addr, "route_table_id")
        ),
        ImportId::NotImportable => attr(state, addr, "id"),
    }
}

async fn out_of_band(state: &State, addr: &str, what: OutOfBand) {
    let c = ec2();
    let id = attr(state, addr, "id");
    let ty = addr.split('.').next().unwrap_or_default();
    match (what, ty) {
        (OutOfBand::RenameTag, _) => {
            let tag = Tag::builder().key("Name").value("renamed-outside").build();
            c.create_tags()
                .resources(&id)
                .tags(tag)
                .send()
                .await
                .unwrap();
        }
        (OutOfBand::DropInlineRoute, _) => {
            c.delete_route()
                .route_table_id(&id)
                .destination_cidr_block("0.0.0.0/0")
                .send()
                .await
                .unwrap();
        }
        (OutOfBand::RetargetRoute, _) => {
            c.replace_route()
                .route_table_id(attr(state, addr, "route_table_id"))
                .destination_cidr_block(attr(state, addr, "destination_cidr_block"))
                .gateway_id(attr(state, "aws_internet_gateway.igw", "id"))
                .send()
                .await
                .unwrap();
        }
        (OutOfBand::AddIngress, _) => {
            c.authorize_security_group_ingress()
                .group_id(&id)
                .ip_permissions(ssh())
                .send()
                .await
                .unwrap();
        }
        (OutOfBand::Delete, "aws_internet_gateway") => {
            let vpc = attr(state, addr, "vpc_id");
            c.detach_internet_gateway()
                .internet_gateway_id(&id)
                .vpc_id(vpc)
                .send()
                .await
                .unwrap();
            c.delete_internet_gateway()
                .internet_gateway_id(&id)
                .send()
                .await
                .unwrap();
        }
        (OutOfBand::Delete, "aws_eip") => {
            c.release_address().allocation_id(&id).send().await.unwrap();
        }
        (OutOfBand::Delete, "aws_nat_gateway") => {
            c.delete_nat_gateway()
                .nat_gateway_id(&id)
                .send()
                .await
                .unwrap();
            // AWS frees the gateway's address itself; moto does not.
            c.disassociate_address()
                .association_id(attr(state, addr, "association_id"))
                .send()
                .await
                .unwrap();
        }
        (OutOfBand::Delete, "aws_route_table") => {
            c.delete_route_table()
                .route_table_id(&id)
                .send()
                .await
                .unwrap();
        }
        (OutOfBand::Delete, "aws_route") => {
            c.delete_route()
                .route_table_id(attr(state, addr, "route_table_id"))
                .destination_cidr_block(attr(state, addr, "destination_cidr_block"))
                .send()
                .await
                .unwrap();
        }
        (OutOfBand::Delete, "aws_route_table_association") => {
            c.disassociate_route_table()
                .association_id(&id)
                .send()
                .await
                .unwrap();
        }
        (OutOfBand::Delete, "aws_security_group") => {
            c.delete_security_group()
                .group_id(&id)
                .send()
                .await
                .unwrap();
        }
        (OutOfBand::AddAclEntry, _) => {
            c.create_network_acl_entry()
                .network_acl_id(&id)
                .egress(false)
                .rule_number(200)
                .rule_action("deny".into())
                .protocol("6")
                .cidr_block("10.9.0.0/16")
                .port_range(PortRange::builder().from(22).to(22).build())
                .send()
                .await
                .unwrap();
        }
        (OutOfBand::Delete, "aws_network_acl") => {
            // A subnet always has an ACL: give it back to the default one first.
            let acls = c
                .describe_network_acls()
                .filters(f(
                    "association.subnet-id",
                    &attr(state, "aws_subnet.a", "id"),
                ))
                .send()
                .await
                .unwrap();
            let assoc = acls.network_acls()[0].associations()[0]
                .network_acl_association_id()
                .unwrap()
                .to_string();
            c.replace_network_acl_association()
                .association_id(assoc)
                .network_acl_id(attr(state, "aws_vpc.v", "default_network_acl_id"))
                .send()
                .await
                .unwrap();
            c.delete_network_acl()
                .network_acl_id(&id)
                .send()
                .await
                .unwrap();
        }
        (OutOfBand::Delete, "aws_network_acl_rule") => {
            c.delete_network_acl_entry()
                .network_acl_id(attr(state, addr, "network_acl_id"))
                .egress(false)
                .rule_number(attr(state, addr, "rule_number").parse().unwrap())
                .send()
                .await
                .unwrap();
        }
        (OutOfBand::Delete, "aws_egress_only_internet_gateway") => {
            c.delete_egress_only_internet_gateway()
                .egress_only_internet_gateway_id(&id)
                .send()
                .await
                .unwrap();
        }
        (OutOfBand::Delete, "aws_vpc_dhcp_options") => {
            c.associate_dhcp_options()
                .vpc_id(attr(state, "aws_vpc.v", "id"))
                .dhcp_options_id("default")
                .send()
                .await
                .unwrap();
            c.delete_dhcp_options()
                .dhcp_options_id(&id)
                .send()
                .await
                .unwrap();
        }
        (OutOfBand::Delete, "aws_vpc_dhcp_options_association") => {
            c.associate_dhcp_options()
                .vpc_id(attr(state, addr, "vpc_id"))
                .dhcp_options_id("default")
                .send()
                .await
                .unwrap();
        }
        (OutOfBand::Delete, "aws_vpc_ipv4_cidr_block_association") => {
            c.disassociate_vpc_cidr_block()
                .association_id(&id)
                .send()
                .await
                .unwrap();
        }
        (OutOfBand::Delete, "aws_flow_log") => {
            c.delete_flow_logs().flow_log_ids(&id).send().await.unwrap();
        }
        (OutOfBand::Delete, "aws_customer_gateway") => {
            c.delete_customer_gateway()
                .customer_gateway_id(&id)
                .send()
                .await
                .unwrap();
        }
        (OutOfBand::Delete, "aws_vpn_gateway") => {
            c.detach_vpn_gateway()
                .vpn_gateway_id(&id)
                .vpc_id(attr(state, addr, "vpc_id"))
                .send()
                .await
                .unwrap();
            c.delete_vpn_gateway()
                .vpn_gateway_id(&id)
                .send()
                .await
                .unwrap();
        }
        (OutOfBand::Delete, "aws_vpn_gateway_attachment") => {
            c.detach_vpn_gateway()
                .vpn_gateway_id(attr(state, addr, "vpn_gateway_id"))
                .vpc_id(attr(state, addr, "vpc_id"))
                .send()
                .await
                .unwrap();
        }
        (OutOfBand::Delete, "aws_vpc_endpoint") => {
            c.delete_vpc_endpoints()
                .vpc_endpoint_ids(&id)
                .send()
                .await
                .unwrap();
        }
        (OutOfBand::Delete, "aws_vpc_endpoint_route_table_association") => {
            c.modify_vpc_endpoint()
                .vpc_endpoint_id(attr(state, addr, "vpc_endpoint_id"))
                .remove_route_table_ids(attr(state, addr, "route_table_id"))
                .send()
                .await
                .unwrap();
        }
        (OutOfBand::Delete, other) => panic!("no out-of-band delete for {other}"),
    }
}

fn ssh() -> IpPermission {
    IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(22)
        .to_port(22)
        .ip_ranges(IpRange::builder().cidr_ip("10.1.0.0/16").build())
        .build()
}

/// Checks that the plan is empty, naming the case and step otherwise.
async fn converges(env: &Env, src: &str, state: &State, step: &str) {
    let plan = env.plan(src, state).await;
    assert!(!plan.has_changes(), "{step}: {:?}", changes(&plan));
}

/// The whole lifecycle of one case; every step asserts what a user would see in the plan.
async fn run(case: &Case, cidr: &str, name: &str) {
    let env = Env::new();
    let addr = case.addr;
    let src = case.fixture.replace("{cidr}", cidr).replace("{name}", name);
    let state = env.apply(&src, &State::new()).await;
    converges(&env, &src, &state, "after create").await;

    // In-place update: only this object changes, and keeps its ID.
    let (src, state) = match &case.update {
        Some(update) => {
            let id = attr(&state, addr, "id");
            let src = edited(&src, update);
            let plan = env.plan(&src, &state).await;
            assert_eq!(changes(&plan), update.plan, "update of {addr}");
            let state = env.apply(&src, &state).await;
            converges(&env, &src, &state, "after update").await;
            assert_eq!(
                attr(&state, addr, "id") != id,
                case.new_id_on_update,
                "{addr}: ID after an in-place update"
            );
            (src, state)
        }
        None => (src, state),
    };

    // Import: the state rebuilt from the ID alone plans no change.
    let ty = addr.split('.').next().unwrap_or_default();
    let id = import_id(&state, addr, case.import);
    if let ImportId::NotImportable = case.import {
        let refused = env.import(ty, &id).await.unwrap_err();
        assert!(
            format!("{refused:?}").contains("doesn't support import"),
            "{refused:?}"
        );
    } else {
        let imported = env.import_into(&state, addr, &id).await;
        converges(&env, &src, &imported, "after import").await;
    }

    // Forced replacement: a new object.
    let (src, state) = match &case.replace {
        Some(r) => {
            let before = attr(&state, addr, "id");
            let src = edited(&src, r);
            let plan = env.plan(&src, &state).await;
            assert_eq!(changes(&plan), r.plan, "replacement of {addr}");
            let state = env.apply(&src, &state).await;
            assert_ne!(attr(&state, addr, "id"), before, "{addr} was replaced");
            converges(&env, &src, &state, "after replacement").await;
            (src, state)
        }
        None => (src, state),
    };

    // Drift: the plan shows exactly the attribute changed outside, and apply puts it back.
    let state = match case.drift {
        Some((what, attrs)) => {
            out_of_band(&state, addr, what).await;
            let plan = env.plan(&src, &state).await;
            assert_eq!(
                changes(&plan),
                [format!("Update {addr}")],
                "drift of {addr}"
            );
            assert_eq!(drifted_attrs(&plan, addr), attrs, "drift of {addr}");
            assert_eq!(changed_attrs(&plan, addr), attrs, "drift of {addr}");
            let state = env.apply(&src, &state).await;
            converges(&env, &src, &state, "after drift repaired").await;
            state
        }
        None => state,
    };

    // Deleted outside terrane: re-created.
    let state = match case.deleted_plan {
        Some(deleted_plan) => {
            out_of_band(&state, addr, OutOfBand::Delete).await;
            let plan = env.plan(&src, &state).await;
            assert_eq!(changes(&plan), deleted_plan, "deleted {addr}");
            let state = env.apply(&src, &state).await;
            converges(&env, &src, &state, "after re-creation").await;
            state
        }
        None => state,
    };
    let last = import_id(&state, addr, case.import);

    // Destroy: nothing in state, and the object is gone from AWS. A VPC's default
    // objects are only forgotten: they go with their VPC (checked below; moto keeps a
    // deleted VPC's default network ACL).
    env.destroy(&src, &state).await;
    if case.deleted_plan.is_some() && !matches!(case.import, ImportId::NotImportable) {
        let gone = env.import_refreshed(ty, &last).await.is_none();
        assert!(gone, "{addr} ({last}) still exists after destroy");
    }
    let vpcs = ec2()
        .describe_vpcs()
        .filters(f("cidr", cidr))
        .send()
        .await
        .unwrap();
    assert!(vpcs.vpcs().is_empty(), "the VPC of {addr} is left behind");
}

#[tokio::test]
async fn internet_gateway() {
    let case = Case {
        fixture: FIXTURE,
        addr: "aws_internet_gateway.igw",
        update: Some(Edit {
            from: "{ Name = \"igw-case-igw\" }",
            to: "{ Name = \"igw-case-igw\", Tier = \"edge\" }",
            plan: &["Update aws_internet_gateway.igw"],
        }),
        // vpc_id changes detach and attach in place; nothing forces a new gateway.
        replace: None,
        import: ImportId::Id,
        drift: Some((OutOfBand::RenameTag, &["tags", "tags_all"])),
        new_id_on_update: false,
        deleted_plan: Some(&[
            "Create aws_internet_gateway.igw",
            "Update aws_route_table.inline",
        ]),
    };
    run(&case, "10.61.0.0/16", "igw-case").await;
}

#[tokio::test]
async fn internet_gateway_moves_between_vpcs_in_place() {
    let env = Env::new();
    let src = fixture("10.62.0.0/16", "igw-move");
    let state = env.apply(&src, &State::new()).await;
    let id = attr(&state, "aws_internet_gateway.igw", "id");
    // The inline route needs the gateway in its VPC: drop it for this move.
    let src = src
        .replacen(
            "  route {\n    cidr_block = \"0.0.0.0/0\"\n    gateway_id = aws_internet_gateway.igw.id\n  }\n",
            "",
            1,
        )
        .replacen(
            "vpc_id = aws_vpc.v.id\n  tags   = { Name = \"igw-move-igw\" }",
            "vpc_id = aws_vpc.other.id\n  tags   = { Name = \"igw-move-igw\" }",
            1,
        );
    let plan = env.plan(&src, &state).await;
    // Without route blocks the table's routes are left alone (Terraform's attributes-as-
    // blocks rule), so only the gateway changes.
    assert_eq!(changes(&plan), ["Update aws_internet_gateway.igw"]);
    let state = env.apply(&src, &state).await;
    assert_eq!(attr(&state, "aws_internet_gateway.igw", "id"), id);
    let other = attr(&state, "aws_vpc.other", "id");
    let got = ec2()
        .describe_internet_gateways()
        .filters(f("attachment.vpc-id", &other))
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.internet_gateways()[0].internet_gateway_id(),
        Some(id.as_str())
    );
    converges(&env, &src, &state, "after move").await;
    env.destroy(&src, &state).await;
}

#[tokio::test]
async fn eip() {
    let case = Case {
        fixture: FIXTURE,
        addr: "aws_eip.spare",
        update: Some(Edit {
            from: "{ Name = \"eip-case-eip\" }",
            to: "{ Name = \"eip-case-eip2\" }",
            plan: &["Update aws_eip.spare"],
        }),
        replace: Some(Edit {
            from: "domain = \"vpc\"\n  tags",
            to: "domain = \"vpc\"\n  address = \"198.51.100.7\"\n  tags",
            plan: &["DeleteThenCreate aws_eip.spare"],
        }),
        import: ImportId::Id,
        drift: Some((OutOfBand::RenameTag, &["tags", "tags_all"])),
        new_id_on_update: false,
        deleted_plan: Some(&["Create aws_eip.spare"]),
    };
    run(&case, "10.63.0.0/16", "eip-case").await;
}

#[tokio::test]
async fn nat_gateway() {
    let case = Case {
        fixture: FIXTURE,
        addr: "aws_nat_gateway.nat",
        update: Some(Edit {
            from: "{ Name = \"nat-case-nat\" }",
            to: "{ Name = \"nat-case-nat2\" }",
            plan: &["Update aws_nat_gateway.nat"],
        }),
        replace: Some(Edit {
            // A new address too: moto (unlike AWS) keeps the address of a deleted
            // gateway associated.
            from: "allocation_id = aws_eip.nat.id\n  subnet_id     = aws_subnet.a.id",
            to: "allocation_id = aws_eip.spare.id\n  subnet_id     = aws_subnet.b.id",
            plan: &["DeleteThenCreate aws_nat_gateway.nat", "Update aws_route.r"],
        }),
        import: ImportId::Id,
        drift: Some((OutOfBand::RenameTag, &["tags", "tags_all"])),
        new_id_on_update: false,
        deleted_plan: Some(&["Create aws_nat_gateway.nat", "Update aws_route.r"]),
    };
    run(&case, "10.64.0.0/16", "nat-case").await;
}

#[tokio::test]
async fn route_table_with_inline_routes() {
    let case = Case {
        fixture: FIXTURE,
        addr: "aws_route_table.inline",
        update: Some(Edit {
            from: "cidr_block = \"0.0.0.0/0\"\n    gateway_id",
            to: "cidr_block = \"192.168.0.0/16\"\n    gateway_id",
            plan: &["Update aws_route_table.inline"],
        }),
        replace: Some(Edit {
            from: "vpc_id = aws_vpc.v.id\n  route {",
            to: "vpc_id = aws_vpc.other.id\n  route {",
            plan: &["DeleteThenCreate aws_route_table.inline"],
        }),
        import: ImportId::Id,
        drift: Some((OutOfBand::RenameTag, &["tags", "tags_all"])),
        new_id_on_update: false,
        deleted_plan: Some(&["Create aws_route_table.inline"]),
    };
    run(&case, "10.65.0.0/16", "rt-case").await;
}

#[tokio::test]
async fn route_table_inline_route_removed_outside() {
    let env = Env::new();
    let src = fixture("10.66.0.0/16", "rt-drift");
    let state = env.apply(&src, &State::new()).await;
    out_of_band(&state, "aws_route_table.inline", OutOfBand::DropInlineRoute).await;
    let plan = env.plan(&src, &state).await;
    assert_eq!(changes(&plan), ["Update aws_route_table.inline"]);
    assert_eq!(drifted_attrs(&plan, "aws_route_table.inline"), ["route"]);
    assert_eq!(changed_attrs(&plan, "aws_route_table.inline"), ["route"]);
    let state = env.apply(&src, &state).await;
    converges(&env, &src, &state, "after the route is put back").await;
    env.destroy(&src, &state).await;
}

#[tokio::test]
async fn route() {
    let case = Case {
        fixture: FIXTURE,
        addr: "aws_route.r",
        update: Some(Edit {
            from: "nat_gateway_id         = aws_nat_gateway.nat.id",
            to: "gateway_id             = aws_internet_gateway.igw.id",
            plan: &["Update aws_route.r"],
        }),
        replace: Some(Edit {
            from: "\"10.99.0.0/16\"",
            to: "\"10.98.0.0/16\"",
            plan: &["DeleteThenCreate aws_route.r"],
        }),
        import: ImportId::Route,
        drift: None,
        new_id_on_update: false,
        deleted_plan: Some(&["Create aws_route.r"]),
    };
    run(&case, "10.67.0.0/16", "route-case").await;
}

#[tokio::test]
async fn route_retargeted_outside() {
    let env = Env::new();
    let src = fixture("10.68.0.0/16", "route-drift");
    let state = env.apply(&src, &State::new()).await;
    out_of_band(&state, "aws_route.r", OutOfBand::RetargetRoute).await;
    let plan = env.plan(&src, &state).await;
    assert_eq!(changes(&plan), ["Update aws_route.r"]);
    let want = ["gateway_id", "nat_gateway_id"];
    assert_eq!(drifted_attrs(&plan, "aws_route.r"), want);
    assert_eq!(changed_attrs(&plan, "aws_route.r"), want);
    let state = env.apply(&src, &state).await;
    converges(&env, &src, &state, "after the route is put back").await;
    env.destroy(&src, &state).await;
}

#[tokio::test]
async fn route_table_association() {
    let case = Case {
        fixture: FIXTURE,
        addr: "aws_route_table_association.a",
        // Another table: ReplaceRouteTableAssociation, in place (the association gets a
        // new ID, as in Terraform).
        update: Some(Edit {
            from: "subnet_id      = aws_subnet.a.id\n  route_table_id = aws_route_table.private.id",
            to: "subnet_id      = aws_subnet.a.id\n  route_table_id = aws_route_table.inline.id",
            plan: &["Update aws_route_table_association.a"],
        }),
        replace: Some(Edit {
            from: "subnet_id      = aws_subnet.a.id",
            to: "subnet_id      = aws_subnet.b.id",
            plan: &["DeleteThenCreate aws_route_table_association.a"],
        }),
        import: ImportId::Association,
        // Any change to an association outside terrane gives it a new ID: that is the
        // deletion case below.
        drift: None,
        new_id_on_update: true,
        deleted_plan: Some(&["Create aws_route_table_association.a"]),
    };
    run(&case, "10.69.0.0/16", "rta-case").await;
}

#[tokio::test]
async fn security_group_with_inline_rules() {
    let case = Case {
        fixture: FIXTURE,
        addr: "aws_security_group.sg",
        update: Some(Edit {
            from: "cidr_blocks = [\"10.0.0.0/8\"]",
            to: "cidr_blocks = [\"10.0.0.0/8\", \"192.168.0.0/16\"]",
            plan: &["Update aws_security_group.sg"],
        }),
        replace: Some(Edit {
            from: "name        = \"secgroup-case-sg\"",
            to: "name        = \"secgroup-case-sg2\"",
            plan: &["DeleteThenCreate aws_security_group.sg"],
        }),
        import: ImportId::Id,
        drift: Some((OutOfBand::AddIngress, &["ingress"])),
        new_id_on_update: false,
        deleted_plan: Some(&["Create aws_security_group.sg"]),
    };
    run(&case, "10.70.0.0/16", "secgroup-case").await;
}

#[tokio::test]
async fn security_group_moves_vpc_by_replacement() {
    let env = Env::new();
    let src = fixture("10.71.0.0/16", "secgroup-vpc");
    let state = env.apply(&src, &State::new()).await;
    let id = attr(&state, "aws_security_group.sg", "id");
    let src = src.replacen(
        "description = \"terrane test\"\n  vpc_id      = aws_vpc.v.id",
        "description = \"terrane test\"\n  vpc_id      = aws_vpc.other.id",
        1,
    );
    let plan = env.plan(&src, &state).await;
    assert_eq!(changes(&plan), ["DeleteThenCreate aws_security_group.sg"]);
    let state = env.apply(&src, &state).await;
    assert_ne!(attr(&state, "aws_security_group.sg", "id"), id);
    assert_eq!(
        attr(&state, "aws_security_group.sg", "vpc_id"),
        attr(&state, "aws_vpc.other", "id")
    );
    converges(&env, &src, &state, "after the move").await;
    env.destroy(&src, &state).await;
}

#[tokio::test]
async fn nat_gateway_secondary_addresses_change_in_place() {
    let env = Env::new();
    let src = fixture("10.72.0.0/16", "nat-secondary");
    let state = env.apply(&src, &State::new()).await;
    // Terraform associates and disassociates secondary addresses in place. (moto has no
    // AssociateNatGatewayAddress, so this stops at the plan.)
    let src2 = src.replacen(
        "subnet_id     = aws_subnet.a.id\n",
        "subnet_id     = aws_subnet.a.id\n  secondary_allocation_ids = [aws_eip.spare.id]\n",
        1,
    );
    let plan = env.plan(&src2, &state).await;
    assert_eq!(changes(&plan), ["Update aws_nat_gateway.nat"]);
    env.destroy(&src, &state).await;
}

#[tokio::test]
async fn nat_gateway_arguments_that_conflict_with_the_connectivity_type_are_rejected() {
    let env = Env::new();
    let base = "resource \"aws_nat_gateway\" \"n\" {\n  subnet_id = \"subnet-12345678\"\n";
    for (args, attr) in [
        (
            "connectivity_type = \"private\"\n  allocation_id = \"eipalloc-1\"",
            "allocation_id is not supported with connectivity_type = \\\"private\\\"",
        ),
        (
            "connectivity_type = \"private\"\n  secondary_allocation_ids = [\"eipalloc-1\"]",
            "secondary_allocation_ids is not supported with connectivity_type = \\\"private\\\"",
        ),
        (
            "secondary_private_ip_address_count = 2",
            "secondary_private_ip_address_count is not supported with connectivity_type = \\\"public\\\"",
        ),
    ] {
        let src = format!("{base}  {args}\n}}\n");
        let err = env
            .try_plan(&src, &State::new(), terrane_engine::plan::PlanMode::Normal)
            .await
            .unwrap_err();
        let text = format!("{err:?}");
        assert!(text.contains(attr), "{args}: {text}");
    }
    assert_eq!(env.ec2_calls(), 0);
}

#[tokio::test]
async fn default_security_group() {
    let case = Case {
        fixture: VPC_MODULE_FIXTURE,
        addr: "aws_default_security_group.d",
        update: Some(Edit {
            from: "self      = true\n  }\n  tags = { Name = \"dsg-case-default\" }",
            to: "self      = true\n  }\n  egress {\n    from_port   = 0\n    to_port     = 0\n    protocol    = \"-1\"\n    cidr_blocks = [\"0.0.0.0/0\"]\n  }\n  tags = { Name = \"dsg-case-default\" }",
            plan: &["Update aws_default_security_group.d"],
        }),
        replace: Some(Edit {
            from: "resource \"aws_default_security_group\" \"d\" {\n  vpc_id = aws_vpc.v.id",
            to: "resource \"aws_default_security_group\" \"d\" {\n  vpc_id = aws_vpc.other.id",
            plan: &["DeleteThenCreate aws_default_security_group.d"],
        }),
        import: ImportId::Id,
        drift: Some((OutOfBand::AddIngress, &["ingress"])),
        new_id_on_update: false,
        deleted_plan: None,
    };
    run(&case, "10.81.0.0/16", "dsg-case").await;
}

#[tokio::test]
async fn default_route_table() {
    let case = Case {
        fixture: VPC_MODULE_FIXTURE,
        addr: "aws_default_route_table.d",
        update: Some(Edit {
            from: "cidr_block = \"0.0.0.0/0\"\n    gateway_id",
            to: "cidr_block = \"192.168.0.0/16\"\n    gateway_id",
            plan: &["Update aws_default_route_table.d"],
        }),
        // Another VPC's main table: its routes cannot use this VPC's gateway, so the
        // route goes too.
        replace: Some(Edit {
            from: "aws_vpc.v.default_route_table_id\n  route {\n    cidr_block = \"192.168.0.0/16\"\n    gateway_id = aws_internet_gateway.igw.id\n  }",
            to: "aws_vpc.other.default_route_table_id",
            plan: &["DeleteThenCreate aws_default_route_table.d"],
        }),
        import: ImportId::Vpc,
        drift: Some((OutOfBand::RenameTag, &["tags", "tags_all"])),
        new_id_on_update: false,
        deleted_plan: None,
    };
    run(&case, "10.82.0.0/16", "drt-case").await;
}

#[tokio::test]
async fn default_route_table_route_removed_outside() {
    let env = Env::new();
    let src = VPC_MODULE_FIXTURE
        .replace("{cidr}", "10.83.0.0/16")
        .replace("{name}", "drt-drift");
    let state = env.apply(&src, &State::new()).await;
    out_of_band(
        &state,
        "aws_default_route_table.d",
        OutOfBand::DropInlineRoute,
    )
    .await;
    let plan = env.plan(&src, &state).await;
    assert_eq!(changes(&plan), ["Update aws_default_route_table.d"]);
    assert_eq!(drifted_attrs(&plan, "aws_default_route_table.d"), ["route"]);
    let state = env.apply(&src, &state).await;
    converges(&env, &src, &state, "after the route is put back").await;
    env.destroy(&src, &state).await;
}

#[tokio::test]
async fn default_network_acl() {
    let case = Case {
        fixture: VPC_MODULE_FIXTURE,
        addr: "aws_default_network_acl.d",
        update: Some(Edit {
            from: "to_port    = 0\n    cidr_block = \"0.0.0.0/0\"\n  }\n  egress",
            to: "to_port    = 0\n    cidr_block = \"10.0.0.0/8\"\n  }\n  egress",
            plan: &["Update aws_default_network_acl.d"],
        }),
        replace: Some(Edit {
            from: "aws_vpc.v.default_network_acl_id",
            to: "aws_vpc.other.default_network_acl_id",
            plan: &["DeleteThenCreate aws_default_network_acl.d"],
        }),
        import: ImportId::Id,
        drift: Some((OutOfBand::AddAclEntry, &["ingress"])),
        new_id_on_update: false,
        deleted_plan: None,
    };
    run(&case, "10.84.0.0/16", "dacl-case").await;
}

#[tokio::test]
async fn network_acl() {
    let case = Case {
        fixture: VPC_MODULE_FIXTURE,
        addr: "aws_network_acl.n",
        update: Some(Edit {
            from: "{ Name = \"acl-case-acl\" }",
            to: "{ Name = \"acl-case-acl\", Tier = \"private\" }",
            plan: &["Update aws_network_acl.n"],
        }),
        replace: Some(Edit {
            from: "vpc_id     = aws_vpc.v.id\n  subnet_ids = [aws_subnet.a.id]",
            to: "vpc_id     = aws_vpc.other.id\n  subnet_ids = []",
            plan: &[
                "DeleteThenCreate aws_network_acl.n",
                "DeleteThenCreate aws_network_acl_rule.in",
            ],
        }),
        import: ImportId::Id,
        drift: Some((OutOfBand::RenameTag, &["tags", "tags_all"])),
        new_id_on_update: false,
        deleted_plan: Some(&["Create aws_network_acl.n", "Create aws_network_acl_rule.in"]),
    };
    run(&case, "10.85.0.0/16", "acl-case").await;
}

#[tokio::test]
async fn network_acl_rule() {
    let case = Case {
        fixture: VPC_MODULE_FIXTURE,
        addr: "aws_network_acl_rule.in",
        update: None,
        // The rule number is part of the ID (ports are not).
        replace: Some(Edit {
            from: "rule_number    = 100",
            to: "rule_number    = 110",
            plan: &["DeleteThenCreate aws_network_acl_rule.in"],
        }),
        import: ImportId::AclRule,
        drift: None,
        new_id_on_update: false,
        deleted_plan: Some(&["Create aws_network_acl_rule.in"]),
    };
    run(&case, "10.86.0.0/16", "rule-case").await;
}

#[tokio::test]
async fn egress_only_internet_gateway() {
    let case = Case {
        fixture: VPC_MODULE_FIXTURE,
        addr: "aws_egress_only_internet_gateway.e",
        update: Some(Edit {
            from: "{ Name = \"eigw-case-eigw\" }",
            to: "{ Name = \"eigw-case-eigw2\" }",
            plan: &["Update aws_egress_only_internet_gateway.e"],
        }),
        replace: Some(Edit {
            from: "vpc_id = aws_vpc.v.id\n  tags   = { Name = \"eigw-case-eigw2\" }",
            to: "vpc_id = aws_vpc.other.id\n  tags   = { Name = \"eigw-case-eigw2\" }",
            plan: &["DeleteThenCreate aws_egress_only_internet_gateway.e"],
        }),
        import: ImportId::Id,
        drift: Some((OutOfBand::RenameTag, &["tags", "tags_all"])),
        new_id_on_update: false,
        deleted_plan: Some(&["Create aws_egress_only_internet_gateway.e"]),
    };
    run(&case, "10.87.0.0/16", "eigw-case").await;
}

#[tokio::test]
async fn vpc_dhcp_options() {
    let case = Case {
        fixture: VPC_MODULE_FIXTURE,
        addr: "aws_vpc_dhcp_options.o",
        update: Some(Edit {
            from: "{ Name = \"dhcp-case-dhcp\" }",
            to: "{ Name = \"dhcp-case-dhcp2\" }",
            plan: &["Update aws_vpc_dhcp_options.o"],
        }),
        replace: Some(Edit {
            from: "\"dhcp-case.internal\"",
            to: "\"dhcp-case.example\"",
            plan: &[
                "DeleteThenCreate aws_vpc_dhcp_options.o",
                "Update aws_vpc_dhcp_options_association.a",
            ],
        }),
        import: ImportId::Id,
        drift: Some((OutOfBand::RenameTag, &["tags", "tags_all"])),
        new_id_on_update: false,
        deleted_plan: Some(&[
            "Create aws_vpc_dhcp_options.o",
            "Create aws_vpc_dhcp_options_association.a",
        ]),
    };
    run(&case, "10.88.0.0/16", "dhcp-case").await;
}

#[tokio::test]
async fn vpc_dhcp_options_association() {
    let case = Case {
        fixture: VPC_MODULE_FIXTURE,
        addr: "aws_vpc_dhcp_options_association.a",
        // Planned only, below: moto keeps the old set marked as used after another set
        // is associated, so it could never be deleted.
        update: None,
        replace: Some(Edit {
            from: "vpc_id          = aws_vpc.v.id",
            to: "vpc_id          = aws_vpc.other.id",
            plan: &["DeleteThenCreate aws_vpc_dhcp_options_association.a"],
        }),
        import: ImportId::Vpc,
        drift: None,
        new_id_on_update: false,
        deleted_plan: Some(&["Create aws_vpc_dhcp_options_association.a"]),
    };
    run(&case, "10.89.0.0/16", "dhcpa-case").await;
}

#[tokio::test]
async fn vpc_ipv4_cidr_block_association() {
    let case = Case {
        fixture: VPC_MODULE_FIXTURE,
        addr: "aws_vpc_ipv4_cidr_block_association.c",
        update: None,
        replace: Some(Edit {
            from: "replace(aws_vpc.v.cidr_block, \"10.\", \"100.\")",
            to: "replace(aws_vpc.v.cidr_block, \"10.\", \"101.\")",
            plan: &["DeleteThenCreate aws_vpc_ipv4_cidr_block_association.c"],
        }),
        import: ImportId::Id,
        drift: None,
        new_id_on_update: false,
        deleted_plan: Some(&["Create aws_vpc_ipv4_cidr_block_association.c"]),
    };
    run(&case, "10.90.0.0/16", "cidr-case").await;
}

#[tokio::test]
async fn vpc_dhcp_options_association_takes_another_set_in_place() {
    let env = Env::new();
    let src = VPC_MODULE_FIXTURE
        .replace("{cidr}", "10.91.0.0/16")
        .replace("{name}", "dhcpa-update");
    let state = env.apply(&src, &State::new()).await;
    let changed = src.replacen(
        "dhcp_options_id = aws_vpc_dhcp_options.o.id",
        "dhcp_options_id = aws_vpc_dhcp_options.o2.id",
        1,
    );
    assert_eq!(
        attr(&state, "aws_vpc_dhcp_options.o2", "domain_name"),
        "aws.amazonaws.com",
        "aws_partition in us-east-1"
    );
    let plan = env.plan(&changed, &state).await;
    assert_eq!(
        changes(&plan),
        ["Update aws_vpc_dhcp_options_association.a"]
    );
    // The association's ID names the set, so it is known only after the update.
    assert_eq!(
        changed_attrs(&plan, "aws_vpc_dhcp_options_association.a"),
        ["dhcp_options_id", "id"]
    );
    env.destroy(&src, &state).await;
}

#[tokio::test]
async fn flow_log_to_cloudwatch_logs() {
    let case = Case {
        fixture: VPN_FIXTURE,
        addr: "aws_flow_log.f",
        update: Some(Edit {
            from: "{ Name = \"flow-case-flow\" }",
            to: "{ Name = \"flow-case-flow\", Tier = \"audit\" }",
            plan: &["Update aws_flow_log.f"],
        }),
        replace: Some(Edit {
            from: "traffic_type             = \"ALL\"",
            to: "traffic_type             = \"REJECT\"",
            plan: &["DeleteThenCreate aws_flow_log.f"],
        }),
        import: ImportId::Id,
        drift: Some((OutOfBand::RenameTag, &["tags", "tags_all"])),
        new_id_on_update: false,
        deleted_plan: Some(&["Create aws_flow_log.f"]),
    };
    run(&case, "10.92.0.0/16", "flow-case").await;
}

#[tokio::test]
async fn customer_gateway() {
    let case = Case {
        fixture: VPN_FIXTURE,
        addr: "aws_customer_gateway.c",
        update: Some(Edit {
            from: "{ Name = \"cgw-case-cgw\" }",
            to: "{ Name = \"cgw-case-cgw2\" }",
            plan: &["Update aws_customer_gateway.c"],
        }),
        replace: Some(Edit {
            from: "bgp_asn    = 65000",
            to: "bgp_asn    = 65001",
            plan: &["DeleteThenCreate aws_customer_gateway.c"],
        }),
        import: ImportId::Id,
        drift: Some((OutOfBand::RenameTag, &["tags", "tags_all"])),
        new_id_on_update: false,
        deleted_plan: Some(&["Create aws_customer_gateway.c"]),
    };
    run(&case, "10.93.0.0/16", "cgw-case").await;
}

#[tokio::test]
async fn vpn_gateway() {
    let case = Case {
        fixture: VPN_FIXTURE,
        addr: "aws_vpn_gateway.g",
        // Another VPC: detached and attached in place.
        update: Some(Edit {
            from: "vpc_id          = aws_vpc.v.id",
            to: "vpc_id          = aws_vpc.third.id",
            plan: &["Update aws_vpn_gateway.g"],
        }),
        replace: Some(Edit {
            from: "amazon_side_asn = \"64512\"",
            to: "amazon_side_asn = \"64513\"",
            plan: &["DeleteThenCreate aws_vpn_gateway.g"],
        }),
        import: ImportId::Id,
        drift: Some((OutOfBand::RenameTag, &["tags", "tags_all"])),
        new_id_on_update: false,
        deleted_plan: Some(&["Create aws_vpn_gateway.g"]),
    };
    run(&case, "10.94.0.0/16", "vgw-case").await;
}

#[tokio::test]
async fn vpn_gateway_attachment() {
    let case = Case {
        fixture: VPN_FIXTURE,
        addr: "aws_vpn_gateway_attachment.a",
        update: None,
        replace: Some(Edit {
            from: "vpc_id         = aws_vpc.other.id",
            to: "vpc_id         = aws_vpc.v.id",
            plan: &["DeleteThenCreate aws_vpn_gateway_attachment.a"],
        }),
        import: ImportId::NotImportable,
        drift: None,
        new_id_on_update: false,
        deleted_plan: Some(&["Create aws_vpn_gateway_attachment.a"]),
    };
    run(&case, "10.95.0.0/16", "vgwa-case").await;
}

#[tokio::test]
async fn flow_log_to_s3_with_destination_options() {
    let env = Env::new();
    let m = terrane_test_support::moto();
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::Config::builder()
            .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
            .region(aws_sdk_s3::config::Region::new("us-east-1"))
            .endpoint_url(&m.endpoint)
            .force_path_style(true)
            .credentials_provider(aws_sdk_s3::config::Credentials::new(
                "test", "test", None, None, "test",
            ))
            .build(),
    );
    s3.create_bucket()
        .bucket("flow-s3-logs")
        .send()
        .await
        .unwrap();
    let src = r#"
resource "aws_vpc" "v" {
  cidr_block = "10.96.0.0/16"
}
resource "aws_flow_log" "s3" {
  vpc_id               = aws_vpc.v.id
  traffic_type         = "REJECT"
  log_destination_type = "s3"
  log_destination      = "arn:aws:s3:::flow-s3-logs"
  destination_options {
    file_format        = "parquet"
    per_hour_partition = true
  }
}
"#;
    let state = env.apply(src, &State::new()).await;
    let addr = "aws_flow_log.s3";
    // The defaults inside the block are planned and kept.
    assert_eq!(
        attr(&state, addr, "destination_options"),
        r#"[{"file_format":"parquet","hive_compatible_partitions":false,"per_hour_partition":true}]"#
    );
    assert_eq!(attr(&state, addr, "max_aggregation_interval"), "600");
    converges(&env, src, &state, "after create").await;
    let plan = env
        .plan(&src.replace("\"parquet\"", "\"plain-text\""), &state)
        .await;
    assert_eq!(changes(&plan), ["DeleteThenCreate aws_flow_log.s3"]);
    let id = attr(&state, addr, "id");
    env.destroy(src, &state).await;
    assert!(env.import_refreshed("aws_flow_log", &id).await.is_none());
}

#[tokio::test]
async fn vpc_endpoint_gateway() {
    let case = Case {
        fixture: VPN_FIXTURE,
        addr: "aws_vpc_endpoint.s3",
        update: Some(Edit {
            from: "route_table_ids = [aws_route_table.private.id]",
            to: "route_table_ids = [aws_route_table.private.id, aws_route_table.second.id]",
            plan: &["Update aws_vpc_endpoint.s3"],
        }),
        replace: Some(Edit {
            from: "\"com.amazonaws.us-east-1.s3\"",
            to: "\"com.amazonaws.us-east-1.dynamodb\"",
            plan: &["DeleteThenCreate aws_vpc_endpoint.s3"],
        }),
        import: ImportId::Id,
        drift: Some((OutOfBand::RenameTag, &["tags", "tags_all"])),
        new_id_on_update: false,
        deleted_plan: Some(&["Create aws_vpc_endpoint.s3"]),
    };
    run(&case, "10.97.0.0/16", "vpce-case").await;
}

#[tokio::test]
async fn vpc_endpoint_interface() {
    let case = Case {
        fixture: VPN_FIXTURE,
        addr: "aws_vpc_endpoint.ecs",
        update: Some(Edit {
            from: "security_group_ids  = [aws_security_group.endpoints.id]",
            to: "security_group_ids  = [aws_security_group.endpoints.id, aws_security_group.endpoints2.id]",
            plan: &["Update aws_vpc_endpoint.ecs"],
        }),
        replace: Some(Edit {
            from: "\"com.amazonaws.us-east-1.ecs\"",
            to: "\"com.amazonaws.us-east-1.ecr.api\"",
            plan: &["DeleteThenCreate aws_vpc_endpoint.ecs"],
        }),
        import: ImportId::Id,
        drift: Some((OutOfBand::RenameTag, &["tags", "tags_all"])),
        new_id_on_update: false,
        deleted_plan: Some(&["Create aws_vpc_endpoint.ecs"]),
    };
    run(&case, "10.98.0.0/16", "ivpce-case").await;
}

#[tokio::test]
async fn vpc_endpoint_route_table_association() {
    let case = Case {
        fixture: VPN_FIXTURE,
        addr: "aws_vpc_endpoint_route_table_association.r",
        update: None,
        replace: Some(Edit {
            from: "route_table_id  = aws_route_table.assoc1.id",
            to: "route_table_id  = aws_route_table.assoc2.id",
            plan: &["DeleteThenCreate aws_vpc_endpoint_route_table_association.r"],
        }),
        import: ImportId::EndpointRouteTable,
        drift: None,
        new_id_on_update: false,
        deleted_plan: Some(&["Create aws_vpc_endpoint_route_table_association.r"]),
    };
    run(&case, "10.99.0.0/16", "vpcerta-case").await;
}
