//! `aws_vpc_endpoint`: a private way from a VPC to an AWS (or PrivateLink) service —
//! Gateway endpoints through route tables, Interface endpoints through network
//! interfaces in subnets. What it connects replaces; route tables, subnets, security
//! groups, policy and DNS settings change in place (one ModifyVpcEndpoint).

use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_ec2::operation::create_vpc_endpoint::builders::CreateVpcEndpointFluentBuilder;
use aws_sdk_ec2::types::{
    DnsOptionsSpecification, DnsRecordIpType, IpAddressType, ResourceType, SubnetConfiguration,
    VpcEndpoint, VpcEndpointType,
};
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;
use terrane_engine::provider::Nesting;

use super::{
    describe_by_ids, filter, identity, ids, import_pair, match_ids, read_pairs, tags, wait_state,
    Owned, Pair,
};
use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::{
    check_enum, plan_all_blocks, unique_name, AwsResource, DefaultTimeouts, Failed, PlanExtra,
    Tagging, Timeout,
};
use crate::schema::*;
use crate::table::{Arg, Normalise, ResourceTable, Table};
use crate::val;

pub struct VpcEndpointRes;

/// An endpoint with what other calls of the same batch add.
pub struct Described {
    ep: VpcEndpoint,
    /// The service's prefix list (Gateway services): its ID and CIDR blocks.
    prefix_list: Option<(String, Vec<String>)>,
    /// `subnet_configuration` items, from the endpoint's network interfaces.
    subnet_configurations: Vec<Value>,
}

impl Owned for Described {
    const KIND: &'static str = "vpc-endpoint";
    fn id(&self) -> Option<&str> {
        self.ep.vpc_endpoint_id()
    }
    fn owner(&self) -> Option<&str> {
        self.ep.owner_id()
    }
}

type EndpointTable = Table<Described, CreateVpcEndpointFluentBuilder>;

fn object(fields: impl IntoIterator<Item = (&'static str, Value)>) -> Value {
    Value::Object(
        fields
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect::<BTreeMap<_, _>>(),
    )
}

/// A JSON document as the Terraform provider stores it: object keys sorted, no spaces
/// (Go's encoding of a decoded document). Not JSON: as written.
fn normalized_json(doc: &str) -> String {
    fn sort(v: serde_json::Value) -> serde_json::Value {
        match v {
            serde_json::Value::Object(m) => {
                let sorted: BTreeMap<String, serde_json::Value> =
                    m.into_iter().map(|(k, v)| (k, sort(v))).collect();
                serde_json::Value::Object(sorted.into_iter().collect())
            }
            serde_json::Value::Array(a) => {
                serde_json::Value::Array(a.into_iter().map(sort).collect())
            }
            other => other,
        }
    }
    match serde_json::from_str::<serde_json::Value>(doc) {
        Ok(v) => sort(v).to_string(),
        Err(_) => doc.to_string(),
    }
}

fn dns_options(ep: &VpcEndpoint) -> Value {
    let Some(o) = ep.dns_options() else {
        return Value::List(Vec::new());
    };
    Value::List(vec![object([
        (
            "dns_record_ip_type",
            val::opt_str(o.dns_record_ip_type().map(DnsRecordIpType::as_str)),
        ),
        (
            "private_dns_only_for_inbound_resolver_endpoint",
            Value::Bool(
                o.private_dns_only_for_inbound_resolver_endpoint()
                    .unwrap_or(false),
            ),
        ),
        (
            "private_dns_preference",
            val::opt_str(o.private_dns_preference()),
        ),
        (
            "private_dns_specified_domains",
            val::str_set(o.private_dns_specified_domains()),
        ),
    ])])
}

/// `dns_options` as a request; the inbound-resolver flag only for S3 Interface
/// endpoints, the only services that take it.
fn dns_options_request(v: &Value) -> Option<DnsOptionsSpecification> {
    let o = val::first_block(v, "dns_options")?;
    let s3_interface = val::str_attr(v, "service_name").is_some_and(|s| s.ends_with(".s3"))
        && val::str_attr(v, "vpc_endpoint_type") == Some("Interface");
    let domains = val::strings(o, "private_dns_specified_domains");
    Some(
        DnsOptionsSpecification::builder()
            .set_dns_record_ip_type(
                val::str_attr(o, "dns_record_ip_type").map(DnsRecordIpType::from),
            )
            .set_private_dns_only_for_inbound_resolver_endpoint(
                val::bool_attr(o, "private_dns_only_for_inbound_resolver_endpoint")
                    .filter(|_| s3_interface),
            )
            .set_private_dns_preference(
                val::str_attr(o, "private_dns_preference").map(str::to_string),
            )
            .set_private_dns_specified_domains((!domains.is_empty()).then_some(domains))
            .build(),
    )
}

fn subnet_configurations(v: &Value) -> Option<Vec<SubnetConfiguration>> {
    let items = val::blocks(v, "subnet_configuration");
    (!items.is_empty()).then(|| {
        items
            .iter()
            .map(|i| {
                SubnetConfiguration::builder()
                    .set_subnet_id(val::str_attr(i, "subnet_id").map(str::to_string))
                    .set_ipv4(val::str_attr(i, "ipv4").map(str::to_string))
                    .set_ipv6(val::str_attr(i, "ipv6").map(str::to_string))
                    .build()
            })
            .collect()
    })
}

/// A set of strings to send; `None` when empty (EC2 rejects empty lists).
fn nonempty(v: Arg) -> Option<Vec<String>> {
    v.strings().filter(|s| !s.is_empty())
}

static TABLE: LazyLock<EndpointTable> = LazyLock::new(|| {
    identity(EndpointTable::new(|| {
        Some(Described {
            ep: VpcEndpoint::builder().build(),
            prefix_list: None,
            subnet_configurations: Vec::new(),
        })
    }))
    .tags_all(|d| crate::resource::tags_value(d.ep.tags()))
    .attr("auto_accept", opt(BOOL))
    // AcceptVpcEndpointConnections while the endpoint awaits acceptance.
    .updated_by_hand()
    .attr("cidr_blocks", comp(list_of(STR)))
    .read(|d, _| match &d.prefix_list {
        Some((_, cidrs)) => val::str_list(cidrs),
        None => Value::Null,
    })
    .attr(
        "dns_entry",
        comp(list_of(object_of(&["dns_name", "hosted_zone_id"], STR))),
    )
    .read(|d, _| {
        Value::List(
            d.ep.dns_entries()
                .iter()
                .map(|e| {
                    object([
                        ("dns_name", val::str_or_empty(e.dns_name())),
                        ("hosted_zone_id", val::str_or_empty(e.hosted_zone_id())),
                    ])
                })
                .collect(),
        )
    })
    .block(
        "dns_options",
        Nesting::List,
        S::new()
            .attr("dns_record_ip_type", opt_comp(STR))
            .attr("private_dns_only_for_inbound_resolver_endpoint", opt(BOOL))
            .attr("private_dns_preference", opt_comp(STR))
            .attr("private_dns_specified_domains", opt_comp(set_of(STR))),
    )
    .max_items(1)
    .read(|d, _| dns_options(&d.ep))
    .updated_by_hand()
    .attr("ip_address_type", opt_comp(STR))
    .read(|d, _| val::opt_str(d.ep.ip_address_type().map(IpAddressType::as_str)))
    .create(|b, v| b.set_ip_address_type(v.str().map(|t| IpAddressType::from(t.as_str()))))
    .updated_by_hand()
    .attr("network_interface_ids", comp(set_of(STR)))
    .read(|d, _| val::str_set(d.ep.network_interface_ids()))
    .attr("policy", opt_comp(STR))
    .read(|d, _| val::opt_str(d.ep.policy_document().map(normalized_json).as_deref()))
    .normalise(Normalise::Equivalent(crate::iam::equivalent))
    .create(|b, v| b.set_policy_document(v.str().map(|p| normalized_json(&p))))
    .updated_by_hand()
    .attr("prefix_list_id", comp(STR))
    .read(|d, cx| match &d.prefix_list {
        Some((id, _)) => Value::string(id),
        // Kept as last known (the Terraform provider leaves it alone); null at first.
        None => match cx.current.get_attr("prefix_list_id") {
            Some(v) if !v.is_unknown() => v.clone(),
            _ => Value::Null,
        },
    })
    .attr("private_dns_enabled", opt_comp(BOOL))
    .read(|d, _| Value::Bool(d.ep.private_dns_enabled().unwrap_or(false)))
    // The Terraform provider always sends it.
    .create(|b, v| b.private_dns_enabled(v.bool().unwrap_or(false)))
    .updated_by_hand()
    .attr("requester_managed", comp(BOOL))
    .read(|d, _| Value::Bool(d.ep.requester_managed().unwrap_or(false)))
    .attr("resource_configuration_arn", opt(STR).force_new())
    .read(|d, _| val::opt_str(d.ep.resource_configuration_arn()))
    .create(|b, v| b.set_resource_configuration_arn(v.str()))
    .attr("route_table_ids", opt_comp(set_of(STR)))
    .read(|d, _| val::str_set(d.ep.route_table_ids()))
    .create(|b, v| b.set_route_table_ids(nonempty(v)))
    .updated_by_hand()
    .attr("security_group_ids", opt_comp(set_of(STR)))
    .read(|d, _| val::str_set(d.ep.groups().iter().filter_map(|g| g.group_id())))
    .create(|b, v| b.set_security_group_ids(nonempty(v)))
    .updated_by_hand()
    .attr("service_name", opt(STR).force_new())
    .read(|d, _| val::opt_str(d.ep.service_name()))
    .create(|b, v| b.set_service_name(v.str()))
    .attr("service_network_arn", opt(STR).force_new())
    .read(|d, _| val::opt_str(d.ep.service_network_arn()))
    .create(|b, v| b.set_service_network_arn(v.str()))
    .attr("service_region", opt_comp(STR).force_new())
    .read(|d, _| val::opt_str(d.ep.service_region()))
    .create(|b, v| b.set_service_region(v.str()))
    .attr("state", comp(STR))
    .read(|d, _| val::opt_str(d.ep.state().map(|s| s.as_str())))
    .block(
        "subnet_configuration",
        Nesting::Set,
        S::new()
            .attr("ipv4", opt(STR))
            .attr("ipv6", opt(STR))
            .attr("subnet_id", opt(STR)),
    )
    .read(|d, _| Value::set(d.subnet_configurations.clone()))
    .updated_by_hand()
    .attr("subnet_ids", opt_comp(set_of(STR)))
    .read(|d, _| val::str_set(d.ep.subnet_ids()))
    .create(|b, v| b.set_subnet_ids(nonempty(v)))
    .updated_by_hand()
    // GovCloud reports no type: Gateway, as the Terraform provider reads it.
    .attr(
        "vpc_endpoint_type",
        opt_default(STR, Value::string("Gateway")).force_new(),
    )
    .read(|d, _| {
        Value::string(
            d.ep.vpc_endpoint_type()
                .map(VpcEndpointType::as_str)
                .filter(|t| !t.is_empty())
                .unwrap_or("Gateway"),
        )
    })
    .create(|b, v| b.set_vpc_endpoint_type(v.str().map(|t| VpcEndpointType::from(t.as_str()))))
    .attr("vpc_id", req(STR).force_new())
    .read(|d, _| val::opt_str(d.ep.vpc_id()))
    .create(|b, v| b.set_vpc_id(v.str()))
});

fn gone(ep: &VpcEndpoint) -> bool {
    ep.state()
        .is_some_and(|s| s.as_str().eq_ignore_ascii_case("deleted"))
}

/// The endpoints, live ones only.
async fn describe(c: &Clients, ids: &[String]) -> Result<Vec<VpcEndpoint>, AwsError> {
    let ec2 = c.ec2.get().await;
    let found = describe_by_ids(ids, |ids| {
        let ec2 = &ec2;
        async move {
            ec2.describe_vpc_endpoints()
                .set_vpc_endpoint_ids(Some(ids))
                .into_paginator()
                .items()
                .send()
                .collect::<Result<Vec<_>, _>>()
                .await
                .map_err(err("DescribeVpcEndpoints"))
        }
    })
    .await?;
    Ok(found.into_iter().filter(|e| !gone(e)).collect())
}

/// The prefix lists of the endpoints' services, by service name (one call).
async fn prefix_lists(
    c: &Clients,
    endpoints: &[VpcEndpoint],
) -> Result<HashMap<String, (String, Vec<String>)>, AwsError> {
    let mut names: Vec<String> = endpoints
        .iter()
        .filter_map(|e| e.service_name().map(str::to_string))
        .collect();
    names.sort();
    names.dedup();
    if names.is_empty() {
        return Ok(HashMap::new());
    }
    let out = describe_filtered!(
        c,
        describe_prefix_lists,
        filters,
        "prefix-list-name",
        &names,
        "DescribePrefixLists"
    )?;
    Ok(out
        .into_iter()
        .filter_map(|p| {
            let entry = (p.prefix_list_id()?.to_string(), p.cidrs().to_vec());
            Some((p.prefix_list_name()?.to_string(), entry))
        })
        .collect())
}

/// `subnet_configuration` items by network interface ID (one filtered call per 200).
async fn subnet_configurations_by_eni(
    c: &Clients,
    endpoints: &[VpcEndpoint],
) -> Result<HashMap<String, Value>, AwsError> {
    let enis: Vec<String> = endpoints
        .iter()
        .flat_map(|e| e.network_interface_ids().iter().cloned())
        .collect();
    if enis.is_empty() {
        return Ok(HashMap::new());
    }
    let out = describe_filtered!(
        c,
        describe_network_interfaces,
        filters,
        "network-interface-id",
        &enis,
        "DescribeNetworkInterfaces"
    )?;
    Ok(out
        .into_iter()
        .filter_map(|n| {
            let item = object([
                ("ipv4", val::opt_str(n.private_ip_address())),
                (
                    "ipv6",
                    val::opt_str(n.ipv6_addresses().first().and_then(|a| a.ipv6_address())),
                ),
                ("subnet_id", val::opt_str(n.subnet_id())),
            ]);
            Some((n.network_interface_id()?.to_string(), item))
        })
        .collect())
}

/// The items added to and removed from a set attribute (`None` for an empty side).
fn added_removed(
    prior: &Value,
    planned: &Value,
    attr: &str,
) -> (Option<Vec<String>>, Option<Vec<String>>) {
    let old = val::strings(prior, attr);
    let new = val::strings(planned, attr);
    let added: Vec<String> = new.iter().filter(|x| !old.contains(x)).cloned().collect();
    let removed: Vec<String> = old.iter().filter(|x| !new.contains(x)).cloned().collect();
    (
        (!added.is_empty()).then_some(added),
        (!removed.is_empty()).then_some(removed),
    )
}

/// Accepts the endpoint's connection (an endpoint service of this account awaiting
/// acceptance).
async fn accept(c: &Clients, id: &str, service: &str) -> Result<(), AwsError> {
    let ec2 = c.ec2.get().await;
    let services = ec2
        .describe_vpc_endpoint_service_configurations()
        .filters(filter("service-name", [service]))
        .send()
        .await
        .map_err(err("DescribeVpcEndpointServiceConfigurations"))?;
    let Some(service_id) = services
        .service_configurations()
        .first()
        .and_then(|s| s.service_id())
    else {
        return Err(AwsError::Invalid(format!(
            "no endpoint service {service:?} of this account to accept the endpoint's connection"
        )));
    };
    ec2.accept_vpc_endpoint_connections()
        .service_id(service_id)
        .vpc_endpoint_ids(id)
        .send()
        .await
        .map_err(err("AcceptVpcEndpointConnections"))?;
    Ok(())
}

fn state_of(ep: &VpcEndpoint) -> Option<String> {
    ep.state().map(|s| s.as_str().to_ascii_lowercase())
}

#[async_trait]
impl AwsResource for VpcEndpointRes {
    fn type_name(&self) -> &'static str {
        "aws_vpc_endpoint"
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*TABLE)
    }

    fn tagging(&self) -> Tagging {
        Tagging::Ec2
    }

    fn timeouts(&self) -> Option<DefaultTimeouts> {
        Some(DefaultTimeouts::minutes(10, 10, 10))
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        check_enum(
            config,
            "vpc_endpoint_type",
            &[
                "Interface",
                "Gateway",
                "GatewayLoadBalancer",
                "Resource",
                "ServiceNetwork",
            ],
            diags,
        );
        check_enum(
            config,
            "ip_address_type",
            &["ipv4", "dualstack", "ipv6"],
            diags,
        );
        crate::iam::check_json(config, "policy", diags);
    }

    /// Blocks AWS fills in are kept when the configuration has none; subnet changes
    /// give new network interfaces; a DNS setting only an Interface endpoint can change
    /// replaces the others.
    fn plan(&self, prior: Option<&Value>, config: &Value, planned: &mut Value) -> PlanExtra {
        let mut extra = PlanExtra::default();
        plan_all_blocks(&TABLE.schema(), prior, config, planned);
        // Blocks AWS fills in (Optional and Computed in the Terraform provider).
        for block in ["dns_options", "subnet_configuration"] {
            if val::blocks(config, block).is_empty() {
                let kept = prior.map_or(Value::Unknown, |p| {
                    p.get_attr(block).cloned().unwrap_or_default()
                });
                val::set_attr(planned, block, kept);
            }
        }
        let Some(prior) = prior else { return extra };
        let subnets_changed = val::changed(prior, planned, "subnet_ids")
            || val::changed(prior, planned, "subnet_configuration");
        if subnets_changed {
            val::set_attr(planned, "network_interface_ids", Value::Unknown);
            if val::blocks(config, "subnet_configuration").is_empty() {
                val::set_attr(planned, "subnet_configuration", Value::Unknown);
            }
        }
        let interface = val::str_attr(planned, "vpc_endpoint_type") == Some("Interface");
        if !interface && val::changed(prior, planned, "private_dns_enabled") {
            extra.requires_replace.push("private_dns_enabled".into());
        }
        let fixed_dns = ["private_dns_preference", "private_dns_specified_domains"];
        let old = val::first_block(prior, "dns_options");
        let new = val::first_block(planned, "dns_options");
        if let (Some(old), Some(new)) = (old, new) {
            if fixed_dns.iter().any(|k| {
                new.get_attr(k).is_some_and(|v| !v.is_unknown()) && val::changed(old, new, k)
            }) {
                extra.requires_replace.push("dns_options".into());
            }
        }
        extra
    }

    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let found = describe(c, &ids(current)).await?;
        let lists = prefix_lists(c, &found).await?;
        let configs = subnet_configurations_by_eni(c, &found).await?;
        Ok(match_ids(
            current,
            found,
            |e| e.vpc_endpoint_id(),
            |cur, ep| {
                let d = Described {
                    prefix_list: ep.service_name().and_then(|s| lists.get(s)).cloned(),
                    subnet_configurations: ep
                        .network_interface_ids()
                        .iter()
                        .filter_map(|n| configs.get(n).cloned())
                        .collect(),
                    ep: ep.clone(),
                };
                TABLE.read_value(&d, cur, &c.region)
            },
        ))
    }

    async fn create(&self, c: &Clients, planned: &Value, t: Timeout) -> Result<String, Failed> {
        let ec2 = c.ec2.get().await;
        let out = TABLE
            .create_request(ec2.create_vpc_endpoint(), planned)
            .client_token(unique_name("terraform-"))
            .set_dns_options(dns_options_request(planned))
            .set_subnet_configurations(subnet_configurations(planned))
            .set_tag_specifications(tags::spec(ResourceType::VpcEndpoint, planned).map(|s| vec![s]))
            .send()
            .await
            .map_err(err("CreateVpcEndpoint"))?;
        drop(ec2);
        let ep = out
            .vpc_endpoint()
            .ok_or_else(|| AwsError::Invalid("CreateVpcEndpoint returned no endpoint".into()))?;
        let id = ep.vpc_endpoint_id().unwrap_or_default().to_string();
        let pending = state_of(ep).as_deref() == Some("pendingacceptance");
        if pending && val::bool_attr(planned, "auto_accept") == Some(true) {
            accept(c, &id, ep.service_name().unwrap_or_default())
                .await
                .map_err(|e| e.after_create(&id))?;
        }
        wait_state("VPC endpoint", "available", t, || async {
            let found = describe(c, std::slice::from_ref(&id)).await?;
            Ok(found.first().and_then(state_of))
        })
        .await
        .map_err(|e| e.after_create(&id))?;
        Ok(id)
    }

    async fn update(
        &self,
        c: &Clients,
        prior: &Value,
        planned: &Value,
        _t: Timeout,
    ) -> Result<Option<String>, AwsError> {
        let id = val::str_attr(prior, "id").unwrap_or_default();
        let pending = val::str_attr(prior, "state")
            .is_some_and(|s| s.eq_ignore_ascii_case("pendingAcceptance"));
        if TABLE.changed(prior, planned, "auto_accept")
            && val::bool_attr(planned, "auto_accept") == Some(true)
            && pending
        {
            accept(
                c,
                id,
                val::str_attr(planned, "service_name").unwrap_or_default(),
            )
            .await?;
        }
        let ec2 = c.ec2.get().await;
        let mut req = ec2.modify_vpc_endpoint().vpc_endpoint_id(id);
        let mut any = false;
        let (add, remove) = added_removed(prior, planned, "route_table_ids");
        any |= add.is_some() || remove.is_some();
        req = req
            .set_add_route_table_ids(add)
            .set_remove_route_table_ids(remove);
        let (add, remove) = added_removed(prior, planned, "security_group_ids");
        any |= add.is_some() || remove.is_some();
        req = req
            .set_add_security_group_ids(add)
            .set_remove_security_group_ids(remove);
        let (add, remove) = added_removed(prior, planned, "subnet_ids");
        any |= add.is_some() || remove.is_some();
        req = req.set_add_subnet_ids(add).set_remove_subnet_ids(remove);
        if TABLE.changed(prior, planned, "policy") {
            any = true;
            req = match val::str_attr(planned, "policy") {
                Some(p) if !p.is_empty() => req.policy_document(normalized_json(p)),
                _ => req.reset_policy(true),
            };
        }
        if TABLE.changed(prior, planned, "private_dns_enabled") {
            any = true;
            req = req.set_private_dns_enabled(val::bool_attr(planned, "private_dns_enabled"));
        }
        if TABLE.changed(prior, planned, "ip_address_type") {
            if let Some(t) = val::str_attr(planned, "ip_address_type") {
                any = true;
                req = req.ip_address_type(IpAddressType::from(t));
            }
        }
        if TABLE.changed(prior, planned, "dns_options") {
            if let Some(o) = dns_options_request(planned) {
                any = true;
                req = req.dns_options(o);
            }
        }
        if TABLE.changed(prior, planned, "subnet_configuration") {
            if let Some(s) = subnet_configurations(planned) {
                any = true;
                req = req.set_subnet_configurations(Some(s));
            }
        }
        if any {
            req.send().await.map_err(err("ModifyVpcEndpoint"))?;
        }
        Ok(None)
    }

    async fn delete(&self, c: &Clients, prior: &Value, t: Timeout) -> Result<(), AwsError> {
        let id = val::str_attr(prior, "id").unwrap_or_default().to_string();
        let out = c
            .ec2
            .get()
            .await
            .delete_vpc_endpoints()
            .vpc_endpoint_ids(&id)
            .send()
            .await
            .map_err(err("DeleteVpcEndpoints"));
        match out {
            Err(e) if e.is_not_found() => return Ok(()),
            Err(e) => return Err(e),
            Ok(out) => {
                if let Some(e) = out.unsuccessful().first().and_then(|u| u.error()) {
                    if !e.code().is_some_and(|c| c.ends_with("NotFound")) {
                        return Err(AwsError::Api {
                            operation: "DeleteVpcEndpoints".into(),
                            code: e.code().unwrap_or("Unsuccessful").into(),
                            message: e.message().unwrap_or_default().into(),
                        });
                    }
                }
            }
        }
        wait_state("VPC endpoint", "deleted", t, || async {
            let found = describe(c, std::slice::from_ref(&id)).await?;
            Ok(Some(
                found
                    .first()
                    .and_then(state_of)
                    .unwrap_or_else(|| "deleted".into()),
            ))
        })
        .await
    }
}

pub struct RouteTableAssociation;

/// The endpoint (first) and its route table (second).
type AssociationTable = Table<Pair, ()>;

const ASSOCIATED: [&str; 2] = ["vpc_endpoint_id", "route_table_id"];

/// Terraform's ID: `a-`, the endpoint's ID and the CRC-32 (decimal) of the table's.
fn association_id(endpoint: &str, route_table: &str) -> String {
    format!(
        "a-{endpoint}{}",
        super::route::crc32(route_table.as_bytes())
    )
}

static ASSOCIATION: LazyLock<AssociationTable> = LazyLock::new(|| {
    AssociationTable::new(Pair::sample)
        .attr("id", comp(STR))
        .read(|a, _| Value::string(association_id(&a.first, &a.second)))
        .attr("route_table_id", req(STR).force_new())
        .read(|a, _| Value::string(&a.second))
        .attr("vpc_endpoint_id", req(STR).force_new())
        .read(|a, _| Value::string(&a.first))
});

/// Adds or removes one route table of an endpoint.
async fn modify_route_table(
    c: &Clients,
    endpoint: &str,
    route_table: &str,
    add: bool,
) -> Result<(), AwsError> {
    let ec2 = c.ec2.get().await;
    let req = ec2.modify_vpc_endpoint().vpc_endpoint_id(endpoint);
    let req = match add {
        true => req.add_route_table_ids(route_table),
        false => req.remove_route_table_ids(route_table),
    };
    req.send().await.map_err(err("ModifyVpcEndpoint"))?;
    Ok(())
}

#[async_trait]
impl AwsResource for RouteTableAssociation {
    fn type_name(&self) -> &'static str {
        "aws_vpc_endpoint_route_table_association"
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*ASSOCIATION)
    }

    /// The endpoints, one call for all; an association exists while its endpoint lists
    /// its route table.
    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let endpoints = describe(c, &super::attr_values(current, "vpc_endpoint_id")).await?;
        Ok(read_pairs(
            &ASSOCIATION,
            c,
            current,
            ASSOCIATED,
            |endpoint, table| {
                endpoints.iter().any(|e| {
                    e.vpc_endpoint_id() == Some(endpoint)
                        && e.route_table_ids().iter().any(|r| r == table)
                })
            },
        ))
    }

    async fn create(&self, c: &Clients, planned: &Value, _t: Timeout) -> Result<String, Failed> {
        let endpoint = val::str_attr(planned, "vpc_endpoint_id").unwrap_or_default();
        let route_table = val::str_attr(planned, "route_table_id").unwrap_or_default();
        modify_route_table(c, endpoint, route_table, true).await?;
        Ok(association_id(endpoint, route_table))
    }

    async fn delete(&self, c: &Clients, prior: &Value, _t: Timeout) -> Result<(), AwsError> {
        let endpoint = val::str_attr(prior, "vpc_endpoint_id").unwrap_or_default();
        let route_table = val::str_attr(prior, "route_table_id").unwrap_or_default();
        match modify_route_table(c, endpoint, route_table, false).await {
            Err(e) if !e.is_not_found() => Err(e),
            _ => Ok(()),
        }
    }

    /// `VPCENDPOINTID/ROUTETABLEID`, as in Terraform.
    fn import_stub(&self, id: &str, stub: &mut crate::val::Obj) -> Result<(), String> {
        import_pair(id, '/', ASSOCIATED, stub)
    }
}
