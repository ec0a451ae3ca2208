//! `aws_lb` (also `aws_alb`). Name, scheme (`internal`), type and customer-owned pool
//! replace; subnets, security groups, IP address type, IPAM pools, the minimum capacity,
//! attributes (idle timeout, deletion protection, the three S3 logs, ...) and tags
//! update. A new or updated balancer is waited on until it is `active`.

use std::collections::HashMap;
use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_elasticloadbalancingv2::operation::create_load_balancer::builders::CreateLoadBalancerFluentBuilder;
use aws_sdk_elasticloadbalancingv2::types::{
    EnforceSecurityGroupInboundRulesOnPrivateLinkTrafficEnum, IpAddressType, IpamPools,
    LoadBalancer as SdkLb, LoadBalancerSchemeEnum, LoadBalancerTypeEnum,
    MinimumLoadBalancerCapacity, RemoveIpamPoolEnum, SubnetMapping,
};
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;
use terrane_engine::provider::Nesting;

use super::{
    arn_rows, arn_suffix, attr_rows, attr_value, blocks_reported_or_known, changed_attrs,
    create_tags, created_arn, name_prefix, put_attributes, read_by_arn, reported_or_known,
    AttrSpec, AttrsOf, Described, Kind,
};
use crate::clients::Clients;
use crate::ec2::match_ids;
use crate::error::{err, AwsError};
use crate::resource::{
    check_enum, check_range, invalid, known_set, name_or_prefix_with, plan_all_blocks, wait_for,
    AwsResource, DefaultTimeouts, Failed, PlanExtra, Tagging, Timeout,
};
use crate::schema::*;
use crate::table::{Arg, ReadCtx, ResourceTable, Table};
use crate::val;

pub struct LoadBalancer(pub &'static str);

/// The balancer's type, as the attribute predicates see it.
fn lb_type(v: &Value) -> &str {
    val::str_attr(v, "load_balancer_type").unwrap_or("application")
}
fn application(v: &Value) -> bool {
    lb_type(v) == "application"
}
fn network(v: &Value) -> bool {
    lb_type(v) == "network"
}
fn application_or_network(v: &Value) -> bool {
    matches!(lb_type(v), "application" | "network")
}
/// Cross-zone balancing is always on for application balancers (AWS refuses to turn it
/// off), so Terraform sets it only on the other types.
fn not_application(v: &Value) -> bool {
    !application(v)
}

/// Attributes set with ModifyLoadBalancerAttributes, each for the types AWS takes it on.
const ATTRS: &[AttrSpec] = &[
    AttrSpec::new(
        "enable_deletion_protection",
        "deletion_protection.enabled",
        Kind::Bool,
        "false",
    ),
    AttrSpec::new(
        "idle_timeout",
        "idle_timeout.timeout_seconds",
        Kind::Num,
        "60",
    )
    .when(application),
    AttrSpec::new("enable_http2", "routing.http2.enabled", Kind::Bool, "true").when(application),
    AttrSpec::new(
        "drop_invalid_header_fields",
        "routing.http.drop_invalid_header_fields.enabled",
        Kind::Bool,
        "false",
    )
    .when(application),
    AttrSpec::new(
        "preserve_host_header",
        "routing.http.preserve_host_header.enabled",
        Kind::Bool,
        "false",
    )
    .when(application),
    AttrSpec::new(
        "desync_mitigation_mode",
        "routing.http.desync_mitigation_mode",
        Kind::Str,
        "defensive",
    )
    .when(application),
    AttrSpec::new(
        "xff_header_processing_mode",
        "routing.http.xff_header_processing.mode",
        Kind::Str,
        "append",
    )
    .when(application),
    AttrSpec::new(
        "enable_waf_fail_open",
        "waf.fail_open.enabled",
        Kind::Bool,
        "false",
    )
    .when(application),
    AttrSpec::new(
        "enable_tls_version_and_cipher_suite_headers",
        "routing.http.x_amzn_tls_version_and_cipher_suite.enabled",
        Kind::Bool,
        "false",
    )
    .when(application),
    AttrSpec::new(
        "enable_xff_client_port",
        "routing.http.xff_client_port.enabled",
        Kind::Bool,
        "false",
    )
    .when(application),
    AttrSpec::new(
        "client_keep_alive",
        "client_keep_alive.seconds",
        Kind::Num,
        "3600",
    )
    .when(application),
    AttrSpec::new(
        "enable_cross_zone_load_balancing",
        "load_balancing.cross_zone.enabled",
        Kind::Bool,
        "false",
    )
    .when(not_application),
    AttrSpec::new(
        "enable_zonal_shift",
        "zonal_shift.config.enabled",
        Kind::Bool,
        "false",
    )
    .when(application_or_network),
    AttrSpec::new(
        "dns_record_client_routing_policy",
        "dns_record.client_routing_policy",
        Kind::Str,
        "any_availability_zone",
    )
    .when(network),
];

/// An S3 log block (`access_logs`, `connection_logs`, `health_check_logs`): three
/// attributes under one key prefix (`<key>.s3.enabled`, `.bucket`, `.prefix`).
struct LogBlock {
    name: &'static str,
    /// `enabled` when the block leaves it out.
    enabled_default: bool,
    applies: fn(&Value) -> bool,
}

const LOGS: &[LogBlock] = &[
    LogBlock {
        name: "access_logs",
        enabled_default: true,
        applies: |_| true,
    },
    LogBlock {
        name: "connection_logs",
        enabled_default: false,
        applies: application,
    },
    LogBlock {
        name: "health_check_logs",
        enabled_default: false,
        applies: application,
    },
];

const TYPES: &[&str] = &["application", "network", "gateway"];

const ENFORCE: &str = "enforce_security_group_inbound_rules_on_private_link_traffic";

type Elb = aws_sdk_elasticloadbalancingv2::Client;

type DescribedLb = Described<SdkLb>;

type LbTable = Table<DescribedLb, CreateLoadBalancerFluentBuilder>;

fn type_of(l: &SdkLb) -> &str {
    l.r#type()
        .map_or("application", LoadBalancerTypeEnum::as_str)
}

/// The balancer's type as the attribute predicates see it.
fn typed(d: &DescribedLb) -> Value {
    Value::object([("load_balancer_type", Value::string(type_of(&d.item)))])
}

/// An attribute of [`ATTRS`] as AWS holds it, for the types it applies to.
fn read_attr(d: &DescribedLb, cx: &ReadCtx, name: &str) -> Value {
    attr_value(ATTRS, name, &d.attrs, &typed(d), cx.current)
}

/// A log block of [`LOGS`] as AWS holds it.
fn read_log(d: &DescribedLb, cx: &ReadCtx, name: &str) -> Value {
    match LOGS.iter().find(|l| l.name == name) {
        Some(log) => log_value(log, &typed(d), cx.current, &d.attrs),
        None => Value::List(Vec::new()),
    }
}

/// Subnets, security groups, the IP address type, IPAM pools, the minimum capacity and
/// the Key/Value attributes each take their own call (and a wait): `update` makes them by
/// hand. A create sets the name (generated from a prefix) by hand too.
static TABLE: LazyLock<LbTable> = LazyLock::new(|| {
    let table = arn_rows(LbTable::new(|| {
        Some(Described::sample(SdkLb::builder().build()))
    }))
    .attr("arn_suffix", comp(STR))
    .read(|d, _| Value::string(arn_suffix(&d.arn, "loadbalancer/")))
    .attr("dns_name", comp(STR))
    .read(|d, _| val::opt_str(d.item.dns_name()))
    .attr("zone_id", comp(STR))
    .read(|d, _| val::opt_str(d.item.canonical_hosted_zone_id()))
    .attr("vpc_id", comp(STR))
    .read(|d, _| val::opt_str(d.item.vpc_id()))
    .attr("name", opt_comp(STR).force_new())
    .read(|d, _| val::opt_str(d.item.load_balancer_name()))
    .attr("name_prefix", opt_comp(STR).force_new())
    .read(|d, cx| name_prefix(cx.current, d.item.load_balancer_name()))
    .attr("internal", opt_comp(BOOL).force_new())
    .read(|d, _| Value::Bool(d.item.scheme() == Some(&LoadBalancerSchemeEnum::Internal)))
    .create(|b, v| {
        b.scheme(if v.bool() == Some(true) {
            LoadBalancerSchemeEnum::Internal
        } else {
            LoadBalancerSchemeEnum::InternetFacing
        })
    })
    .attr(
        "load_balancer_type",
        opt_default(STR, Value::string("application")).force_new(),
    )
    .read(|d, _| Value::string(type_of(&d.item)))
    .create(|b, v| {
        b.r#type(LoadBalancerTypeEnum::from(
            v.str().as_deref().unwrap_or("application"),
        ))
    })
    .attr("security_groups", opt_comp(set_of(STR)))
    .read(|d, _| val::str_set(d.item.security_groups()))
    .create(|b, v| b.set_security_groups(non_empty(v)))
    .updated_by_hand()
    .attr("subnets", opt_comp(set_of(STR)))
    .read(|d, _| {
        val::str_set(
            d.item
                .availability_zones()
                .iter()
                .filter_map(|z| z.subnet_id()),
        )
    })
    .create(|b, v| b.set_subnets(non_empty(v)))
    .updated_by_hand()
    .attr("ip_address_type", opt_comp(STR))
    .read(|d, _| {
        Value::string(
            d.item
                .ip_address_type()
                .map_or("ipv4", IpAddressType::as_str),
        )
    })
    .create(|b, v| b.set_ip_address_type(v.str().map(|t| IpAddressType::from(t.as_str()))))
    .updated_by_hand()
    // Configured mappings that change replace the balancer (`plan_subnet_mapping`); a
    // change of `subnets` changes them by SetSubnets.
    .block(
        "subnet_mapping",
        Nesting::Set,
        S::new()
            .attr("subnet_id", req(STR))
            .attr("allocation_id", opt(STR))
            .attr("private_ipv4_address", opt(STR))
            .attr("ipv6_address", opt(STR))
            .attr("outpost_id", comp(STR)),
    )
    .read(|d, _| subnet_mapping_value(&d.item))
    .create(|b, v| b.set_subnet_mappings(subnet_mappings(v)))
    .updated_by_hand()
    // moto reports neither the customer-owned pool, the IPAM pools nor the private-link
    // rule: what is known is kept where AWS says nothing.
    .attr("customer_owned_ipv4_pool", opt(STR).force_new())
    .read(|d, cx| {
        reported_or_known(
            cx.current,
            "customer_owned_ipv4_pool",
            d.item.customer_owned_ipv4_pool().map(Value::string),
        )
    })
    .create(|b, v| b.set_customer_owned_ipv4_pool(v.str()))
    .attr(ENFORCE, opt_comp(STR))
    .read(|d, cx| {
        reported_or_known(
            cx.current,
            ENFORCE,
            d.item
                .enforce_security_group_inbound_rules_on_private_link_traffic()
                .map(Value::string),
        )
    })
    .updated_by_hand()
    .block(
        "ipam_pools",
        Nesting::List,
        S::new().attr("ipv4_ipam_pool_id", req(STR)),
    )
    .max_items(1)
    .read(|d, cx| {
        blocks_reported_or_known(
            cx.current,
            "ipam_pools",
            d.item.ipam_pools().map(ipam_pools_value),
        )
    })
    .create(|b, v| b.set_ipam_pools(ipam_pools(v)))
    .updated_by_hand()
    .block(
        "minimum_load_balancer_capacity",
        Nesting::List,
        S::new().attr("capacity_units", req(NUM)),
    )
    .max_items(1)
    // The reservation takes a DescribeCapacityReservation call per balancer, which would
    // end the batched refresh; the configured value is kept.
    .read(|_, cx| blocks_reported_or_known(cx.current, "minimum_load_balancer_capacity", None))
    .updated_by_hand();
    let table = attr_rows(table, ATTRS, read_attr);
    LOGS.iter().fold(table, |t, l| {
        t.block(
            l.name,
            Nesting::List,
            S::new()
                .attr("bucket", req(STR))
                .attr("enabled", opt_default(BOOL, Value::Bool(l.enabled_default)))
                .attr("prefix", opt(STR)),
        )
        .max_items(1)
        .read_named(read_log)
        .updated_by_hand()
    })
});

/// A set of strings for a create request: `None` when unset or empty.
fn non_empty(v: Arg) -> Option<Vec<String>> {
    v.strings().filter(|s| !s.is_empty())
}

#[async_trait]
impl AwsResource for LoadBalancer {
    fn type_name(&self) -> &'static str {
        self.0
    }

    /// Found again by its name after a crash (unique in a region).
    fn identity(&self, planned: &Value) -> Option<terrane_engine::provider::Identity> {
        crate::resource::identity_of(planned, &["name"], &[])
    }

    async fn find(
        &self,
        c: &Clients,
        identity: &terrane_engine::provider::Identity,
    ) -> Result<Option<String>, AwsError> {
        let Some(name) = identity.get("name") else {
            return Ok(None);
        };
        let elbv2 = c.elbv2.get().await;
        match elbv2.describe_load_balancers().names(name).send().await {
            Ok(out) => Ok(out
                .load_balancers()
                .first()
                .and_then(|x| x.load_balancer_arn())
                .map(str::to_string)),
            Err(e) => {
                let e = AwsError::sdk("DescribeLoadBalancers", e);
                if e.is_not_found() {
                    Ok(None)
                } else {
                    Err(e)
                }
            }
        }
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*TABLE)
    }

    fn tagging(&self) -> Tagging {
        Tagging::Own
    }

    fn timeouts(&self) -> Option<DefaultTimeouts> {
        Some(DefaultTimeouts::minutes(10, 10, 10))
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        check_enum(config, "load_balancer_type", TYPES, diags);
        check_enum(
            config,
            "ip_address_type",
            &["ipv4", "dualstack", "dualstack-without-public-ipv4"],
            diags,
        );
        check_range(config, "idle_timeout", "idle_timeout", 1..=4000, diags);
        check_range(
            config,
            "client_keep_alive",
            "client_keep_alive",
            60..=604_800,
            diags,
        );
        check_enum(
            config,
            "desync_mitigation_mode",
            &["monitor", "defensive", "strictest"],
            diags,
        );
        check_enum(
            config,
            "xff_header_processing_mode",
            &["append", "preserve", "remove"],
            diags,
        );
        check_enum(
            config,
            "dns_record_client_routing_policy",
            &[
                "any_availability_zone",
                "availability_zone_affinity",
                "partial_availability_zone_affinity",
            ],
            diags,
        );
        check_enum(config, ENFORCE, &["on", "off"], diags);
        if let Some(n) = config.get_attr("name").and_then(Value::as_str) {
            check_name(n, "name", 32, diags);
            if n.starts_with("internal-") {
                invalid(
                    diags,
                    "name",
                    format!("{n:?}: a load balancer name cannot begin with \"internal-\"."),
                );
            }
        }
        if let Some(p) = config.get_attr("name_prefix").and_then(Value::as_str) {
            check_name(p, "name_prefix", 6, diags);
        }
        if known_set(config, "name") && known_set(config, "name_prefix") {
            invalid(
                diags,
                "name_prefix",
                "\"name\": conflicts with name_prefix.".into(),
            );
        }
    }

    fn plan(&self, prior: Option<&Value>, config: &Value, planned: &mut Value) -> PlanExtra {
        plan_all_blocks(&self.schema(), prior, config, planned);
        plan_subnet_mapping(prior, config, planned)
    }

    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let mut f = read_by_arn(
            c,
            current,
            |arns| async move {
                all_pages!(
                    c.elbv2
                        .get()
                        .await
                        .describe_load_balancers()
                        .set_load_balancer_arns(arns),
                    "DescribeLoadBalancers"
                )
            },
            SdkLb::load_balancer_arn,
            Some(AttrsOf::LoadBalancer),
        )
        .await?;
        Ok(match_ids(
            current,
            std::mem::take(&mut f.items),
            |l| l.load_balancer_arn(),
            |cur, l| {
                let d = Described::of(&f, l, l.load_balancer_arn().unwrap_or_default());
                TABLE.read_value(&d, cur, &c.region)
            },
        ))
    }

    async fn create(&self, c: &Clients, planned: &Value, t: Timeout) -> Result<String, Failed> {
        let name = name_or_prefix_with(planned, "tf-lb-");
        let elb = c.elbv2.get().await;
        let out = TABLE
            .create_request(elb.create_load_balancer(), planned)
            .name(&name)
            .set_tags(create_tags(planned))
            .send()
            .await
            .map_err(err("CreateLoadBalancer"))?;
        let arn = created_arn(
            out.load_balancers()
                .first()
                .and_then(SdkLb::load_balancer_arn),
            "CreateLoadBalancer",
        )?;
        wait_active(&elb, &arn, t)
            .await
            .map_err(|e| e.after_create(&arn))?;
        let after = async {
            modify_attributes(&elb, &arn, None, planned).await?;
            if network(planned) && known_set(planned, ENFORCE) {
                set_security_groups(&elb, &arn, planned).await?;
            }
            if !val::blocks(planned, "minimum_load_balancer_capacity").is_empty() {
                modify_capacity(&elb, &arn, planned).await?;
            }
            Ok::<(), AwsError>(())
        };
        after.await.map_err(|e| e.after_create(&arn))?;
        Ok(arn)
    }

    async fn update(
        &self,
        c: &Clients,
        prior: &Value,
        planned: &Value,
        t: Timeout,
    ) -> Result<Option<String>, AwsError> {
        let arn = val::str_attr(prior, "id").unwrap_or_default();
        {
            let elb = c.elbv2.get().await;
            if TABLE.changed(prior, planned, "security_groups")
                || (network(planned) && TABLE.changed(prior, planned, ENFORCE))
            {
                set_security_groups(&elb, arn, planned).await?;
            }
            if TABLE.changed(prior, planned, "subnets") {
                elb.set_subnets()
                    .load_balancer_arn(arn)
                    .set_subnets(Some(val::strings(planned, "subnets")))
                    .send()
                    .await
                    .map_err(err("SetSubnets"))?;
            }
            if TABLE.changed(prior, planned, "ip_address_type") {
                if let Some(ip) = val::str_attr(planned, "ip_address_type") {
                    elb.set_ip_address_type()
                        .load_balancer_arn(arn)
                        .ip_address_type(IpAddressType::from(ip))
                        .send()
                        .await
                        .map_err(err("SetIpAddressType"))?;
                }
            }
            if TABLE.changed(prior, planned, "ipam_pools") {
                let req = elb.modify_ip_pools().load_balancer_arn(arn);
                match ipam_pools(Arg(planned.get_attr("ipam_pools"))) {
                    Some(p) => req.ipam_pools(p),
                    None => req.remove_ipam_pools(RemoveIpamPoolEnum::Ipv4),
                }
                .send()
                .await
                .map_err(err("ModifyIpPools"))?;
            }
            if TABLE.changed(prior, planned, "minimum_load_balancer_capacity") {
                modify_capacity(&elb, arn, planned).await?;
            }
            modify_attributes(&elb, arn, Some(prior), planned).await?;
        }
        wait_active(c.elbv2.get().await.client, arn, t).await?;
        Ok(None)
    }

    fn tag_calls(&self) -> Option<&'static crate::resource::TagCalls> {
        Some(&crate::elbv2::TAG_CALLS)
    }

    async fn delete(&self, c: &Clients, prior: &Value, t: Timeout) -> Result<(), AwsError> {
        let arn = val::str_attr(prior, "id").unwrap_or_default();
        let elb = c.elbv2.get().await;
        elb.delete_load_balancer()
            .load_balancer_arn(arn)
            .send()
            .await
            .map_err(err("DeleteLoadBalancer"))?;
        wait_for("load balancer", "deleted", t, || async {
            match elb
                .describe_load_balancers()
                .load_balancer_arns(arn)
                .send()
                .await
                .map_err(err("DescribeLoadBalancers"))
            {
                Ok(out) if out.load_balancers().is_empty() => Ok(Ok(())),
                Ok(_) => Ok(Err("exists".to_string())),
                Err(e) if e.is_not_found() => Ok(Ok(())),
                Err(e) => Err(e),
            }
        })
        .await
    }
}

fn check_name(n: &str, attr: &str, max: usize, diags: &mut Diagnostics) {
    if n.len() > max
        || !n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        || (attr == "name" && (n.starts_with('-') || n.ends_with('-')))
    {
        invalid(
            diags,
            attr,
            format!("{n:?}: at most {max} letters, digits and hyphens, not beginning or ending with a hyphen."),
        );
    }
}

async fn modify_attributes(
    elb: &Elb,
    arn: &str,
    prior: Option<&Value>,
    planned: &Value,
) -> Result<(), AwsError> {
    let mut changes = changed_attrs(ATTRS, prior, planned);
    for log in LOGS.iter().filter(|l| (l.applies)(planned)) {
        let changed = match prior {
            Some(p) => val::changed(p, planned, log.name),
            None => !val::blocks(planned, log.name).is_empty(),
        };
        if changed {
            changes.extend(log_attrs(log, planned));
        }
    }
    put_attributes(elb, AttrsOf::LoadBalancer, arn, changes).await
}

/// The attributes of a planned log block: whether it is on and, when on, where to
/// (AWS keeps the bucket of a log that is off; Terraform sends it only when on).
fn log_attrs(log: &LogBlock, planned: &Value) -> Vec<(String, String)> {
    let block = val::first_block(planned, log.name);
    let enabled = block
        .and_then(|b| val::bool_attr(b, "enabled"))
        .unwrap_or(false);
    let key = |k: &str| format!("{}.s3.{k}", log.name);
    let mut out = vec![(key("enabled"), enabled.to_string())];
    if enabled {
        for k in ["bucket", "prefix"] {
            let v = block.and_then(|b| val::str_attr(b, k)).unwrap_or_default();
            out.push((key(k), v.to_string()));
        }
    }
    out
}

/// SetSecurityGroups, with the private-link rule on network balancers.
async fn set_security_groups(elb: &Elb, arn: &str, planned: &Value) -> Result<(), AwsError> {
    elb.set_security_groups()
        .load_balancer_arn(arn)
        .set_security_groups(Some(val::strings(planned, "security_groups")))
        .set_enforce_security_group_inbound_rules_on_private_link_traffic(
            val::str_attr(planned, ENFORCE)
                .filter(|_| network(planned))
                .map(EnforceSecurityGroupInboundRulesOnPrivateLinkTrafficEnum::from),
        )
        .send()
        .await
        .map_err(err("SetSecurityGroups"))?;
    Ok(())
}

/// Sets the minimum capacity, or resets it when the block is gone.
async fn modify_capacity(elb: &Elb, arn: &str, planned: &Value) -> Result<(), AwsError> {
    let units = val::first_block(planned, "minimum_load_balancer_capacity")
        .and_then(|b| val::i32_attr(b, "capacity_units"));
    elb.modify_capacity_reservation()
        .load_balancer_arn(arn)
        .set_minimum_load_balancer_capacity(units.map(|u| {
            MinimumLoadBalancerCapacity::builder()
                .capacity_units(u)
                .build()
        }))
        .reset_capacity_reservation(units.is_none())
        .send()
        .await
        .map_err(err("ModifyCapacityReservation"))?;
    Ok(())
}

fn ipam_pools(block: Arg) -> Option<IpamPools> {
    block.first().map(|p| {
        IpamPools::builder()
            .set_ipv4_ipam_pool_id(val::str_attr(p, "ipv4_ipam_pool_id").map(str::to_string))
            .build()
    })
}

fn ipam_pools_value(p: &IpamPools) -> Value {
    Value::List(vec![Value::object([(
        "ipv4_ipam_pool_id",
        val::opt_str(p.ipv4_ipam_pool_id()),
    )])])
}

/// The arguments of a `subnet_mapping` block (`outpost_id` is AWS's).
const MAPPING_ARGS: [&str; 4] = [
    "subnet_id",
    "allocation_id",
    "private_ipv4_address",
    "ipv6_address",
];

/// `subnet_mapping` is optional, computed and replaces the balancer when configured
/// mappings change (Terraform's ForceNew set). Without blocks in the configuration, what
/// AWS holds is kept, and becomes unknown when `subnets` changes (SetSubnets changes
/// the mappings too). Configured blocks are compared by their arguments only, so the
/// computed `outpost_id` never forces a replacement.
fn plan_subnet_mapping(prior: Option<&Value>, config: &Value, planned: &mut Value) -> PlanExtra {
    let mut extra = PlanExtra::default();
    let configured = val::blocks(config, "subnet_mapping");
    let prior_maps = prior.and_then(|p| p.get_attr("subnet_mapping"));
    let v = if configured.is_empty() {
        match prior {
            None => Value::Unknown,
            Some(p) if val::changed(p, planned, "subnets") => Value::Unknown,
            Some(_) => prior_maps.cloned().unwrap_or(Value::Set(Vec::new())),
        }
    } else {
        let args = |items: &[Value]| -> Vec<Value> {
            let mut v: Vec<Value> = items
                .iter()
                .map(|m| {
                    Value::object(
                        MAPPING_ARGS
                            .iter()
                            .map(|k| (*k, m.get_attr(k).cloned().unwrap_or_default())),
                    )
                })
                .collect();
            v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
            v
        };
        let before = prior_maps.and_then(Value::as_seq).unwrap_or_default();
        if prior.is_some() && args(before) == args(configured) {
            prior_maps.cloned().unwrap_or_default()
        } else {
            if prior.is_some() {
                extra.requires_replace.push("subnet_mapping".into());
            }
            planned
                .get_attr("subnet_mapping")
                .cloned()
                .unwrap_or_default()
        }
    };
    val::set_attr(planned, "subnet_mapping", v);
    extra
}

fn subnet_mappings(blocks: Arg) -> Option<Vec<SubnetMapping>> {
    let maps = blocks.items();
    (!maps.is_empty()).then(|| {
        maps.iter()
            .map(|m| {
                let s = |k| val::str_attr(m, k).map(str::to_string);
                SubnetMapping::builder()
                    .set_subnet_id(s("subnet_id"))
                    .set_allocation_id(s("allocation_id"))
                    .set_private_ipv4_address(s("private_ipv4_address"))
                    .set_ipv6_address(s("ipv6_address"))
                    .build()
            })
            .collect()
    })
}

/// The `subnet_mapping` blocks of what AWS holds: one per zone.
fn subnet_mapping_value(l: &SdkLb) -> Value {
    Value::set(
        l.availability_zones()
            .iter()
            .map(|z| {
                let addr = z.load_balancer_addresses().first();
                Value::object([
                    ("subnet_id", val::opt_str(z.subnet_id())),
                    (
                        "allocation_id",
                        val::opt_str(addr.and_then(|a| a.allocation_id())),
                    ),
                    (
                        "private_ipv4_address",
                        val::opt_str(addr.and_then(|a| a.private_ipv4_address())),
                    ),
                    (
                        "ipv6_address",
                        val::opt_str(addr.and_then(|a| a.ipv6_address())),
                    ),
                    ("outpost_id", val::opt_str(z.outpost_id())),
                ])
            })
            .collect(),
    )
}

/// A log block as AWS holds it: empty while the log is off and the configuration has no
/// block; the configured bucket and prefix while it is off (AWS may still hold old ones,
/// which Terraform ignores then); else what AWS holds. A block that does not apply to
/// the balancer's type (`typed`) keeps its configured value.
fn log_value(log: &LogBlock, typed: &Value, cur: &Value, a: &HashMap<String, String>) -> Value {
    let configured = val::first_block(cur, log.name);
    if !(log.applies)(typed) {
        return blocks_reported_or_known(cur, log.name, None);
    }
    let get = |k: &str| {
        a.get(&format!("{}.s3.{k}", log.name))
            .map(String::as_str)
            .unwrap_or_default()
    };
    let enabled = get("enabled") == "true";
    let keep = |k: &str| {
        configured
            .and_then(|l| l.get_attr(k).cloned())
            .unwrap_or_default()
    };
    let (bucket, prefix) = match configured {
        None if !enabled => return Value::List(Vec::new()),
        Some(_) if !enabled => (keep("bucket"), keep("prefix")),
        // Unset and "" are the same to AWS; keep the configuration's form.
        _ if get("prefix").is_empty() => (Value::string(get("bucket")), keep("prefix")),
        _ => (Value::string(get("bucket")), Value::string(get("prefix"))),
    };
    Value::List(vec![Value::object([
        ("bucket", bucket),
        ("enabled", Value::Bool(enabled)),
        ("prefix", prefix),
    ])])
}

/// Waits until the balancer leaves `provisioning` (AWS takes minutes; moto turns it
/// active on the next Describe).
async fn wait_active(elb: &Elb, arn: &str, t: Timeout) -> Result<(), AwsError> {
    wait_for("load balancer", "active", t, || async {
        let out = elb
            .describe_load_balancers()
            .load_balancer_arns(arn)
            .send()
            .await
            .map_err(err("DescribeLoadBalancers"))?;
        let state = out
            .load_balancers()
            .first()
            .and_then(|l| l.state())
            .and_then(|s| s.code())
            .map(|c| c.as_str().to_string());
        Ok(match state.as_deref() {
            Some("active") => Ok(()),
            other => Err(other.unwrap_or("not found").to_string()),
        })
    })
    .await
}
