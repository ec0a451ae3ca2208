//! `aws_lb` (also `aws_alb`). Name, scheme (`internal`) and type replace; subnets,
//! security groups, IP address type, attributes (idle timeout, deletion protection, ...)
//! and tags update. A new or updated balancer is waited on until it is `active`.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_elasticloadbalancingv2::types::{
    IpAddressType, LoadBalancer as SdkLb, LoadBalancerSchemeEnum, LoadBalancerTypeEnum,
    SubnetMapping,
};
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;
use terrane_engine::provider::{BlockSchema, Nesting};

use super::{
    arn_suffix, attrs_of, attrs_schema, attrs_to_values, changed_attrs, create_tags, created_arn,
    name_prefix, put_attributes, read_by_arn, AttrSpec, AttrsOf, Kind,
};
use crate::clients::Clients;
use crate::ec2::match_ids;
use crate::error::{err, AwsError};
use crate::resource::{
    check_enum, check_range, invalid, known_set, name_or_prefix_with, plan_all_blocks, wait_for,
    AwsResource, DefaultTimeouts, Failed, PlanExtra, Tagging, Timeout,
};
use crate::schema::*;
use crate::val::{self, Obj};

pub struct LoadBalancer(pub &'static str);

/// Attributes of application load balancers set with ModifyLoadBalancerAttributes.
const ATTRS: &[AttrSpec] = &[
    // The one attribute of every type: first, see `specs`.
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
    ),
    AttrSpec::new("enable_http2", "routing.http2.enabled", Kind::Bool, "true"),
    AttrSpec::new(
        "drop_invalid_header_fields",
        "routing.http.drop_invalid_header_fields.enabled",
        Kind::Bool,
        "false",
    ),
    AttrSpec::new(
        "preserve_host_header",
        "routing.http.preserve_host_header.enabled",
        Kind::Bool,
        "false",
    ),
    AttrSpec::new(
        "desync_mitigation_mode",
        "routing.http.desync_mitigation_mode",
        Kind::Str,
        "defensive",
    ),
    AttrSpec::new(
        "xff_header_processing_mode",
        "routing.http.xff_header_processing.mode",
        Kind::Str,
        "append",
    ),
    AttrSpec::new(
        "enable_waf_fail_open",
        "waf.fail_open.enabled",
        Kind::Bool,
        "false",
    ),
    AttrSpec::new(
        "enable_tls_version_and_cipher_suite_headers",
        "routing.http.x_amzn_tls_version_and_cipher_suite.enabled",
        Kind::Bool,
        "false",
    ),
    AttrSpec::new(
        "enable_xff_client_port",
        "routing.http.xff_client_port.enabled",
        Kind::Bool,
        "false",
    ),
    AttrSpec::new(
        "client_keep_alive",
        "client_keep_alive.seconds",
        Kind::Num,
        "3600",
    ),
];

const TYPES: &[&str] = &["application", "network", "gateway"];

type Elb = aws_sdk_elasticloadbalancingv2::Client;

#[async_trait]
impl AwsResource for LoadBalancer {
    fn type_name(&self) -> &'static str {
        self.0
    }

    fn schema(&self) -> BlockSchema {
        S::new()
            .attr("id", comp(STR))
            .attr("arn", comp(STR))
            .attr("arn_suffix", comp(STR))
            .attr("dns_name", comp(STR))
            .attr("zone_id", comp(STR))
            .attr("vpc_id", comp(STR))
            .attr("name", opt_comp(STR).force_new())
            .attr("name_prefix", opt_comp(STR).force_new())
            .attr("internal", opt_comp(BOOL).force_new())
            .attr(
                "load_balancer_type",
                opt_default(STR, Value::string("application")).force_new(),
            )
            .attr("security_groups", opt_comp(set_of(STR)))
            .attr("subnets", opt_comp(set_of(STR)))
            .attr("ip_address_type", opt_comp(STR))
            .attrs(attrs_schema(ATTRS))
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
            .block(
                "access_logs",
                Nesting::List,
                S::new()
                    .attr("bucket", req(STR))
                    .attr("enabled", opt_default(BOOL, Value::Bool(true)))
                    .attr("prefix", opt(STR)),
            )
            .build()
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
        let f = read_by_arn(
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
            f.items,
            |l| l.load_balancer_arn(),
            |cur, l| {
                let arn = l.load_balancer_arn().unwrap_or_default();
                let ty = l
                    .r#type()
                    .map_or("application", LoadBalancerTypeEnum::as_str);
                let mut o = Obj::from(cur);
                o.set("id", Value::string(arn))
                    .set("arn", Value::string(arn))
                    .set(
                        "arn_suffix",
                        Value::string(arn_suffix(arn, "loadbalancer/")),
                    )
                    .set("dns_name", val::opt_str(l.dns_name()))
                    .set("zone_id", val::opt_str(l.canonical_hosted_zone_id()))
                    .set("vpc_id", val::opt_str(l.vpc_id()))
                    .set("name", val::opt_str(l.load_balancer_name()))
                    .set("name_prefix", name_prefix(cur, l.load_balancer_name()))
                    .set(
                        "internal",
                        Value::Bool(l.scheme() == Some(&LoadBalancerSchemeEnum::Internal)),
                    )
                    .set("load_balancer_type", Value::string(ty))
                    .set("security_groups", val::str_set(l.security_groups()))
                    .set("subnet_mapping", subnet_mapping_value(l))
                    .set(
                        "subnets",
                        val::str_set(l.availability_zones().iter().filter_map(|z| z.subnet_id())),
                    )
                    .set(
                        "ip_address_type",
                        Value::string(l.ip_address_type().map_or("ipv4", IpAddressType::as_str)),
                    )
                    .set("tags_all", super::tags::of_arn(&f.tags, arn));
                let a = attrs_of(&f.attrs, arn);
                for (k, v) in attrs_to_values(specs(ty), &a) {
                    o.set(k, v);
                }
                o.set("access_logs", access_logs_value(cur, &a));
                o.done()
            },
        ))
    }

    async fn create(&self, c: &Clients, planned: &Value, t: Timeout) -> Result<String, Failed> {
        let name = name_or_prefix_with(planned, "tf-lb-");
        let elb = c.elbv2.get().await;
        let strings = |k| Some(val::strings(planned, k)).filter(|v| !v.is_empty());
        let out = elb
            .create_load_balancer()
            .name(&name)
            .r#type(LoadBalancerTypeEnum::from(
                val::str_attr(planned, "load_balancer_type").unwrap_or("application"),
            ))
            .scheme(if val::bool_attr(planned, "internal") == Some(true) {
                LoadBalancerSchemeEnum::Internal
            } else {
                LoadBalancerSchemeEnum::InternetFacing
            })
            .set_subnets(strings("subnets"))
            .set_subnet_mappings(subnet_mappings(planned))
            .set_security_groups(strings("security_groups"))
            .set_ip_address_type(val::str_attr(planned, "ip_address_type").map(IpAddressType::from))
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
        modify_attributes(&elb, &arn, None, planned)
            .await
            .map_err(|e| e.after_create(&arn))?;
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
            if val::changed(prior, planned, "security_groups") {
                elb.set_security_groups()
                    .load_balancer_arn(arn)
                    .set_security_groups(Some(val::strings(planned, "security_groups")))
                    .send()
                    .await
                    .map_err(err("SetSecurityGroups"))?;
            }
            if val::changed(prior, planned, "subnets") {
                elb.set_subnets()
                    .load_balancer_arn(arn)
                    .set_subnets(Some(val::strings(planned, "subnets")))
                    .send()
                    .await
                    .map_err(err("SetSubnets"))?;
            }
            if val::changed(prior, planned, "ip_address_type") {
                if let Some(ip) = val::str_attr(planned, "ip_address_type") {
                    elb.set_ip_address_type()
                        .load_balancer_arn(arn)
                        .ip_address_type(IpAddressType::from(ip))
                        .send()
                        .await
                        .map_err(err("SetIpAddressType"))?;
                }
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

/// The attributes that apply to a type: only deletion protection outside application
/// balancers (Terraform ignores the others there).
fn specs(ty: &str) -> &'static [AttrSpec] {
    if ty == "application" {
        ATTRS
    } else {
        &ATTRS[..1]
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
    let ty = val::str_attr(planned, "load_balancer_type").unwrap_or("application");
    let mut changes = changed_attrs(specs(ty), prior, planned);
    let logs_changed = match prior {
        Some(p) => val::changed(p, planned, "access_logs"),
        None => !val::blocks(planned, "access_logs").is_empty(),
    };
    if logs_changed {
        let logs = val::first_block(planned, "access_logs");
        let get = |k| {
            logs.and_then(|l| val::str_attr(l, k))
                .unwrap_or_default()
                .to_string()
        };
        let enabled = logs
            .and_then(|l| val::bool_attr(l, "enabled"))
            .unwrap_or(false);
        changes.push(("access_logs.s3.enabled".into(), enabled.to_string()));
        changes.push(("access_logs.s3.bucket".into(), get("bucket")));
        changes.push(("access_logs.s3.prefix".into(), get("prefix")));
    }
    put_attributes(elb, AttrsOf::LoadBalancer, arn, changes).await
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

fn subnet_mappings(planned: &Value) -> Option<Vec<SubnetMapping>> {
    let maps = val::blocks(planned, "subnet_mapping");
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

/// The `access_logs` block: empty while logging is off and the configuration has no
/// block (AWS reports an empty bucket then), else what AWS holds.
fn access_logs_value(cur: &Value, a: &HashMap<String, String>) -> Value {
    let get = |k: &str| a.get(k).map(String::as_str).unwrap_or_default();
    let enabled = get("access_logs.s3.enabled") == "true";
    if !enabled && val::blocks(cur, "access_logs").is_empty() {
        return Value::List(Vec::new());
    }
    let prefix = get("access_logs.s3.prefix");
    Value::List(vec![Value::object([
        ("bucket", Value::string(get("access_logs.s3.bucket"))),
        ("enabled", Value::Bool(enabled)),
        (
            "prefix",
            if prefix.is_empty() {
                // Unset and "" are the same to AWS; keep the configuration's form.
                val::first_block(cur, "access_logs")
                    .and_then(|l| l.get_attr("prefix").cloned())
                    .unwrap_or_default()
            } else {
                Value::string(prefix)
            },
        ),
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
