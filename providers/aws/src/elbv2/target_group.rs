//! `aws_lb_target_group` (also `aws_alb_target_group`). Name, port, protocol, VPC and
//! target type replace; the health check (ModifyTargetGroup), deregistration delay, slow
//! start and stickiness (ModifyTargetGroupAttributes) and tags update. `health_check` and
//! `stickiness` are optional and computed: without a block, what AWS holds is kept.

use std::collections::HashMap;
use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_elasticloadbalancingv2::operation::create_target_group::builders::CreateTargetGroupFluentBuilder;
use aws_sdk_elasticloadbalancingv2::types::{
    Matcher, ProtocolEnum, TargetGroup as SdkTg, TargetGroupIpAddressTypeEnum, TargetTypeEnum,
};
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;
use terrane_engine::provider::Nesting;

use super::{
    arn_rows, arn_suffix, attr_block_changes, attr_block_value, attr_rows, attr_value,
    attrs_schema, changed_attrs, create_tags, created_arn, keep_prior, name_prefix, put_attributes,
    read_by_arn, AttrSpec, AttrsOf, Described, Kind,
};
use crate::clients::Clients;
use crate::ec2::match_ids;
use crate::error::{err, AwsError};
use crate::resource::{
    check_enum, check_enum_at, check_range, invalid, known_set, name_or_prefix_with,
    plan_all_blocks, retry_while_code, AwsResource, Failed, PlanExtra, Tagging, Timeout,
};
use crate::schema::*;
use crate::table::{ReadCtx, ResourceTable, Table};
use crate::val;

pub struct TargetGroup(pub &'static str);

/// Attributes set with ModifyTargetGroupAttributes, each for the groups AWS takes it on
/// (Lambda groups have no deregistration delay, slow start or balancing algorithm).
const ATTRS: &[AttrSpec] = &[
    AttrSpec::new(
        "deregistration_delay",
        "deregistration_delay.timeout_seconds",
        Kind::Str,
        "300",
    )
    .when(not_lambda),
    AttrSpec::new("slow_start", "slow_start.duration_seconds", Kind::Num, "0").when(not_lambda),
    AttrSpec::computed(
        "load_balancing_algorithm_type",
        "load_balancing.algorithm.type",
        Kind::Str,
    )
    .when(not_lambda),
    AttrSpec::computed(
        "load_balancing_cross_zone_enabled",
        "load_balancing.cross_zone.enabled",
        Kind::Str,
    )
    .when(not_lambda),
    AttrSpec::computed(
        "load_balancing_anomaly_mitigation",
        "load_balancing.algorithm.anomaly_mitigation",
        Kind::Str,
    )
    .when(http),
    AttrSpec::new(
        "lambda_multi_value_headers_enabled",
        "lambda.multi_value_headers.enabled",
        Kind::Bool,
        "false",
    )
    .when(lambda),
    AttrSpec::new(
        "proxy_protocol_v2",
        "proxy_protocol_v2.enabled",
        Kind::Bool,
        "false",
    )
    .when(network),
    AttrSpec::computed(
        "connection_termination",
        "deregistration_delay.connection_termination.enabled",
        Kind::Bool,
    )
    .when(network),
    // A string, so that "unset" differs from false (AWS's default depends on the type).
    AttrSpec::computed(
        "preserve_client_ip",
        "preserve_client_ip.enabled",
        Kind::Str,
    )
    .when(network),
];

/// `target_failover` (gateway balancers' GENEVE groups).
const FAILOVER: &[AttrSpec] = &[
    AttrSpec::computed(
        "on_deregistration",
        "target_failover.on_deregistration",
        Kind::Str,
    ),
    AttrSpec::computed("on_unhealthy", "target_failover.on_unhealthy", Kind::Str),
];

/// `target_health_state` (TCP and TLS groups).
const HEALTH_STATE: &[AttrSpec] = &[
    AttrSpec::computed(
        "enable_unhealthy_connection_termination",
        "target_health_state.unhealthy.connection_termination.enabled",
        Kind::Bool,
    ),
    AttrSpec::computed(
        "unhealthy_draining_interval",
        "target_health_state.unhealthy.draining_interval_seconds",
        Kind::Num,
    ),
];

/// The two blocks of `target_group_health`, by name, with their arguments' keys (DNS
/// failover's count is a string: it also takes "off").
const GROUP_HEALTH: [(&str, &[AttrSpec]); 2] = [
    (
        "dns_failover",
        &[
            AttrSpec::new(
                "minimum_healthy_targets_count",
                "target_group_health.dns_failover.minimum_healthy_targets.count",
                Kind::Str,
                "1",
            ),
            AttrSpec::new(
                "minimum_healthy_targets_percentage",
                "target_group_health.dns_failover.minimum_healthy_targets.percentage",
                Kind::Str,
                "off",
            ),
        ],
    ),
    (
        "unhealthy_state_routing",
        &[
            AttrSpec::new(
                "minimum_healthy_targets_count",
                "target_group_health.unhealthy_state_routing.minimum_healthy_targets.count",
                Kind::Num,
                "1",
            ),
            AttrSpec::new(
                "minimum_healthy_targets_percentage",
                "target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage",
                Kind::Str,
                "off",
            ),
        ],
    ),
];

/// Optional and computed blocks: without one in the configuration, AWS's values.
const COMPUTED_BLOCKS: [&str; 5] = [
    "health_check",
    "stickiness",
    "target_failover",
    "target_group_health",
    "target_health_state",
];

/// HTTP(S) groups (application balancers).
fn http(v: &Value) -> bool {
    matches!(val::str_attr(v, "protocol"), Some("HTTP" | "HTTPS"))
}
fn lambda(v: &Value) -> bool {
    val::str_attr(v, "target_type") == Some("lambda")
}
fn not_lambda(v: &Value) -> bool {
    !lambda(v)
}
/// Groups of network balancers.
fn network(v: &Value) -> bool {
    matches!(
        val::str_attr(v, "protocol"),
        Some("TCP" | "TLS" | "UDP" | "TCP_UDP")
    ) && !lambda(v)
}

const PROTOCOLS: &[&str] = &["GENEVE", "HTTP", "HTTPS", "TCP", "TCP_UDP", "TLS", "UDP"];

type Elb = aws_sdk_elasticloadbalancingv2::Client;

type DescribedTg = Described<SdkTg>;

type TgTable = Table<DescribedTg, CreateTargetGroupFluentBuilder>;

fn protocol_of(t: &SdkTg) -> Option<&str> {
    t.protocol().map(ProtocolEnum::as_str)
}

/// HTTP(S) groups as AWS describes them.
fn http_group(t: &SdkTg) -> bool {
    matches!(protocol_of(t), Some("HTTP" | "HTTPS"))
}

/// An attribute of [`ATTRS`] as AWS holds it, for the groups it applies to.
fn read_attr(d: &DescribedTg, cx: &ReadCtx, name: &str) -> Value {
    let typed = Value::object([
        ("protocol", val::opt_str(protocol_of(&d.item))),
        (
            "target_type",
            val::opt_str(d.item.target_type().map(TargetTypeEnum::as_str)),
        ),
    ]);
    attr_value(ATTRS, name, &d.attrs, &typed, cx.current)
}

/// The health check goes by ModifyTargetGroup and every Key/Value attribute and block by
/// ModifyTargetGroupAttributes: `update` makes both calls by hand. A create sets the
/// name (generated from a prefix), the protocol version (HTTP(S) groups only) and the
/// health check (its matcher depends on the protocol version) by hand too.
static TABLE: LazyLock<TgTable> = LazyLock::new(|| {
    let table = arn_rows(TgTable::new(|| {
        Some(Described::sample(SdkTg::builder().build()))
    }))
    .attr("arn_suffix", comp(STR))
    .read(|d, _| Value::string(arn_suffix(&d.arn, "targetgroup/")))
    .attr("name", opt_comp(STR).force_new())
    .read(|d, _| val::opt_str(d.item.target_group_name()))
    .attr("name_prefix", opt_comp(STR).force_new())
    .read(|d, cx| name_prefix(cx.current, d.item.target_group_name()))
    .attr("port", opt(NUM).force_new())
    .read(|d, _| d.item.port().map_or(Value::Null, val::num))
    .create(|b, v| b.set_port(v.i32()))
    .attr("protocol", opt(STR).force_new())
    .read(|d, _| val::opt_str(protocol_of(&d.item)))
    .create(|b, v| b.set_protocol(v.str().map(|p| ProtocolEnum::from(p.as_str()))))
    .attr("protocol_version", opt_comp(STR).force_new())
    .read(|d, cx| {
        if http_group(&d.item) {
            Value::string(d.item.protocol_version().unwrap_or("HTTP1"))
        } else {
            keep_prior(cx.current, "protocol_version")
        }
    })
    .attr("vpc_id", opt(STR).force_new())
    .read(|d, _| val::opt_str(d.item.vpc_id()))
    .create(|b, v| b.set_vpc_id(v.str()))
    .attr(
        "target_type",
        opt_default(STR, Value::string("instance")).force_new(),
    )
    .read(|d, _| {
        Value::string(
            d.item
                .target_type()
                .map_or("instance", TargetTypeEnum::as_str),
        )
    })
    .create(|b, v| b.set_target_type(v.str().map(|t| TargetTypeEnum::from(t.as_str()))))
    .attr("ip_address_type", opt_comp(STR).force_new())
    .read(|d, _| {
        Value::string(
            d.item
                .ip_address_type()
                .map_or("ipv4", TargetGroupIpAddressTypeEnum::as_str),
        )
    })
    .create(|b, v| {
        b.set_ip_address_type(
            v.str()
                .map(|t| TargetGroupIpAddressTypeEnum::from(t.as_str())),
        )
    })
    .attr("load_balancer_arns", comp(set_of(STR)))
    .read(|d, _| val::str_set(d.item.load_balancer_arns()))
    .block("health_check", Nesting::List, health_check_schema())
    .read(|d, _| Value::List(vec![health_value(&d.item)]))
    .updated_by_hand()
    .block("stickiness", Nesting::List, stickiness_schema())
    .read(|d, _| stickiness_value(&d.attrs, http_group(&d.item)))
    .updated_by_hand()
    .block(
        "target_failover",
        Nesting::List,
        S::new()
            .attr("on_deregistration", req(STR))
            .attr("on_unhealthy", req(STR)),
    )
    .read(|d, _| one_block(attr_block_value(FAILOVER, &d.attrs)))
    .updated_by_hand()
    .block(
        "target_health_state",
        Nesting::List,
        S::new()
            .attr("enable_unhealthy_connection_termination", req(BOOL))
            .attr("unhealthy_draining_interval", opt_comp(NUM)),
    )
    .read(|d, _| one_block(attr_block_value(HEALTH_STATE, &d.attrs)))
    .updated_by_hand()
    .block("target_group_health", Nesting::List, group_health_schema())
    .read(|d, _| group_health_value(&d.attrs))
    .updated_by_hand();
    attr_rows(table, ATTRS, read_attr)
});

fn health_check_schema() -> S {
    S::new()
        .attr("enabled", opt_default(BOOL, Value::Bool(true)))
        .attr("healthy_threshold", opt_default(NUM, val::num(3)))
        .attr("interval", opt_default(NUM, val::num(30)))
        .attr("matcher", opt_comp(STR))
        .attr("path", opt_comp(STR))
        .attr("port", opt_default(STR, Value::string("traffic-port")))
        .attr("protocol", opt_default(STR, Value::string("HTTP")))
        .attr("timeout", opt_comp(NUM))
        .attr("unhealthy_threshold", opt_default(NUM, val::num(3)))
}

fn stickiness_schema() -> S {
    S::new()
        .attr("cookie_duration", opt_default(NUM, val::num(86400)))
        .attr("cookie_name", opt(STR))
        .attr("enabled", opt_default(BOOL, Value::Bool(true)))
        .attr("type", req(STR))
}

/// `target_group_health`'s two blocks, from their arguments' specs.
fn group_health_schema() -> S {
    GROUP_HEALTH.iter().fold(S::new(), |s, (name, fields)| {
        s.block(name, Nesting::List, S::new().attrs(attrs_schema(fields)))
    })
}

#[async_trait]
impl AwsResource for TargetGroup {
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
        match elbv2.describe_target_groups().names(name).send().await {
            Ok(out) => Ok(out
                .target_groups()
                .first()
                .and_then(|x| x.target_group_arn())
                .map(str::to_string)),
            Err(e) => {
                let e = AwsError::sdk("DescribeTargetGroups", e);
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

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        check_range(config, "port", "port", 1..=65535, diags);
        check_enum(config, "protocol", PROTOCOLS, diags);
        check_enum(
            config,
            "protocol_version",
            &["GRPC", "HTTP1", "HTTP2"],
            diags,
        );
        check_enum(
            config,
            "target_type",
            &["instance", "ip", "lambda", "alb"],
            diags,
        );
        check_enum(config, "ip_address_type", &["ipv4", "ipv6"], diags);
        check_enum(
            config,
            "load_balancing_algorithm_type",
            &[
                "round_robin",
                "least_outstanding_requests",
                "weighted_random",
            ],
            diags,
        );
        check_enum(
            config,
            "load_balancing_cross_zone_enabled",
            &["true", "false", "use_load_balancer_configuration"],
            diags,
        );
        match config.get_attr("deregistration_delay").map(Value::unmark) {
            Some(Value::String(s)) if s.parse::<u32>().map_or(true, |n| n > 3600) => invalid(
                diags,
                "deregistration_delay",
                format!("expected deregistration_delay to be a number of seconds from 0 to 3600, got {s:?}."),
            ),
            _ => {}
        }
        if let Some(n) = val::num_attr(config, "slow_start") {
            if n != 0 && !(30..=900).contains(&n) {
                invalid(
                    diags,
                    "slow_start",
                    format!("expected slow_start to be 0 or from 30 to 900 seconds, got {n}."),
                );
            }
        }
        if let Some(n) = config.get_attr("name").and_then(Value::as_str) {
            if n.len() > 32
                || n.starts_with('-')
                || n.ends_with('-')
                || !n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            {
                invalid(diags, "name", format!("{n:?}: at most 32 letters, digits and hyphens, not beginning or ending with a hyphen."));
            }
        }
        if config
            .get_attr("name_prefix")
            .and_then(Value::as_str)
            .is_some_and(|p| p.len() > 6)
        {
            invalid(
                diags,
                "name_prefix",
                "a target group name prefix is at most 6 characters.".into(),
            );
        }
        let not_lambda = val::str_attr(config, "target_type") != Some("lambda");
        for k in ["port", "protocol", "vpc_id"] {
            if not_lambda && config.get_attr(k).is_some_and(Value::is_null) {
                invalid(
                    diags,
                    k,
                    format!("{k} is required unless target_type is \"lambda\"."),
                );
            }
        }
        for h in val::blocks(config, "health_check") {
            check_range(
                h,
                "healthy_threshold",
                "health_check.healthy_threshold",
                2..=10,
                diags,
            );
            check_range(
                h,
                "unhealthy_threshold",
                "health_check.unhealthy_threshold",
                2..=10,
                diags,
            );
            check_range(h, "interval", "health_check.interval", 5..=300, diags);
            check_range(h, "timeout", "health_check.timeout", 2..=120, diags);
            check_enum_at(
                h,
                "protocol",
                "health_check.protocol",
                &["HTTP", "HTTPS", "TCP"],
                diags,
            );
            if let Some(p) = h.get_attr("path").and_then(Value::as_str) {
                if !p.starts_with('/') || p.len() > 1024 {
                    invalid(diags, "health_check.path", format!("{p:?}: a health check path starts with \"/\" and is at most 1024 characters."));
                }
            }
        }
        for s in val::blocks(config, "stickiness") {
            check_enum_at(
                s,
                "type",
                "stickiness.type",
                &[
                    "lb_cookie",
                    "app_cookie",
                    "source_ip",
                    "source_ip_dest_ip",
                    "source_ip_dest_ip_proto",
                ],
                diags,
            );
            check_range(
                s,
                "cookie_duration",
                "stickiness.cookie_duration",
                0..=604_800,
                diags,
            );
        }
    }

    fn plan(&self, prior: Option<&Value>, config: &Value, planned: &mut Value) -> PlanExtra {
        plan_all_blocks(&self.schema(), prior, config, planned);
        for b in COMPUTED_BLOCKS {
            if val::blocks(config, b).is_empty() {
                let kept = prior.map_or(Value::Unknown, |p| {
                    p.get_attr(b).cloned().unwrap_or(Value::List(Vec::new()))
                });
                val::set_attr(planned, b, kept);
            }
        }
        PlanExtra::default()
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
                        .describe_target_groups()
                        .set_target_group_arns(arns),
                    "DescribeTargetGroups"
                )
            },
            SdkTg::target_group_arn,
            Some(AttrsOf::TargetGroup),
        )
        .await?;
        Ok(match_ids(
            current,
            std::mem::take(&mut f.items),
            |t| t.target_group_arn(),
            |cur, t| {
                let d = Described::of(&f, t, t.target_group_arn().unwrap_or_default());
                TABLE.read_value(&d, cur, &c.region)
            },
        ))
    }

    async fn create(&self, c: &Clients, planned: &Value, _t: Timeout) -> Result<String, Failed> {
        let name = name_or_prefix_with(planned, "tf-");
        let elb = c.elbv2.get().await;
        let s = |k| val::str_attr(planned, k).map(str::to_string);
        let protocol = val::str_attr(planned, "protocol");
        let hc = val::first_block(planned, "health_check");
        let hs = |k| hc.and_then(|h| val::str_attr(h, k)).map(str::to_string);
        let hn = |k| hc.and_then(|h| val::i32_attr(h, k));
        let out = TABLE
            .create_request(elb.create_target_group(), planned)
            .name(&name)
            .set_protocol_version(
                s("protocol_version").filter(|_| matches!(protocol, Some("HTTP" | "HTTPS"))),
            )
            .set_health_check_enabled(hc.and_then(|h| val::bool_attr(h, "enabled")))
            .set_health_check_path(hs("path"))
            .set_health_check_port(hs("port"))
            .set_health_check_protocol(hs("protocol").map(|p| ProtocolEnum::from(p.as_str())))
            .set_health_check_interval_seconds(hn("interval"))
            .set_health_check_timeout_seconds(hn("timeout"))
            .set_healthy_threshold_count(hn("healthy_threshold"))
            .set_unhealthy_threshold_count(hn("unhealthy_threshold"))
            .set_matcher(hs("matcher").map(|m| matcher(planned, m)))
            .set_tags(create_tags(planned))
            .send()
            .await
            .map_err(err("CreateTargetGroup"))?;
        let arn = created_arn(
            out.target_groups()
                .first()
                .and_then(SdkTg::target_group_arn),
            "CreateTargetGroup",
        )?;
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
        _t: Timeout,
    ) -> Result<Option<String>, AwsError> {
        let arn = val::str_attr(prior, "id").unwrap_or_default();
        {
            let elb = c.elbv2.get().await;
            if TABLE.changed(prior, planned, "health_check") {
                if let Some(h) = val::first_block(planned, "health_check") {
                    let hs = |k| val::str_attr(h, k).map(str::to_string);
                    elb.modify_target_group()
                        .target_group_arn(arn)
                        .set_health_check_enabled(val::bool_attr(h, "enabled"))
                        .set_health_check_path(hs("path"))
                        .set_health_check_port(hs("port"))
                        .set_health_check_protocol(
                            val::str_attr(h, "protocol").map(ProtocolEnum::from),
                        )
                        .set_health_check_interval_seconds(val::i32_attr(h, "interval"))
                        .set_health_check_timeout_seconds(val::i32_attr(h, "timeout"))
                        .set_healthy_threshold_count(val::i32_attr(h, "healthy_threshold"))
                        .set_unhealthy_threshold_count(val::i32_attr(h, "unhealthy_threshold"))
                        .set_matcher(hs("matcher").map(|m| matcher(planned, m)))
                        .send()
                        .await
                        .map_err(err("ModifyTargetGroup"))?;
                }
            }
            modify_attributes(&elb, arn, Some(prior), planned).await?;
        }
        Ok(None)
    }

    fn tag_calls(&self) -> Option<&'static crate::resource::TagCalls> {
        Some(&crate::elbv2::TAG_CALLS)
    }

    async fn delete(&self, c: &Clients, prior: &Value, t: Timeout) -> Result<(), AwsError> {
        let arn = val::str_attr(prior, "id").unwrap_or_default();
        let elb = c.elbv2.get().await;
        // A listener or rule being deleted in the same run may still point at the group.
        let t = Timeout(t.0.min(std::time::Duration::from_secs(120)));
        retry_while_code("target group", "ResourceInUse", t, || async {
            elb.delete_target_group()
                .target_group_arn(arn)
                .send()
                .await
                .map(|_| ())
                .map_err(err("DeleteTargetGroup"))
        })
        .await
    }
}

/// The matcher: gRPC codes for GRPC target groups, HTTP codes otherwise.
fn matcher(planned: &Value, m: String) -> Matcher {
    if val::str_attr(planned, "protocol_version") == Some("GRPC") {
        Matcher::builder().grpc_code(m).build()
    } else {
        Matcher::builder().http_code(m).build()
    }
}

fn health_value(t: &SdkTg) -> Value {
    let n = |x: Option<i32>| x.map_or(Value::Null, val::num);
    Value::object([
        (
            "enabled",
            Value::Bool(t.health_check_enabled().unwrap_or(true)),
        ),
        ("healthy_threshold", n(t.healthy_threshold_count())),
        ("interval", n(t.health_check_interval_seconds())),
        (
            "matcher",
            val::opt_str(t.matcher().and_then(|m| m.http_code().or(m.grpc_code()))),
        ),
        ("path", val::opt_str(t.health_check_path())),
        ("port", val::opt_str(t.health_check_port())),
        (
            "protocol",
            val::opt_str(t.health_check_protocol().map(ProtocolEnum::as_str)),
        ),
        ("timeout", n(t.health_check_timeout_seconds())),
        ("unhealthy_threshold", n(t.unhealthy_threshold_count())),
    ])
}

/// The `stickiness` block from the group's attributes (HTTP(S) groups always have one).
fn stickiness_value(a: &HashMap<String, String>, http: bool) -> Value {
    let Some(ty) = a
        .get("stickiness.type")
        .map(String::as_str)
        .or(http.then_some("lb_cookie"))
    else {
        return Value::List(Vec::new());
    };
    let get = |k: &str| a.get(k).map(String::as_str);
    let duration = match ty {
        "app_cookie" => get("stickiness.app_cookie.duration_seconds"),
        _ => get("stickiness.lb_cookie.duration_seconds"),
    }
    .and_then(|d| d.parse::<f64>().ok())
    .unwrap_or(86400.0);
    Value::List(vec![Value::object([
        ("cookie_duration", Value::number(duration)),
        (
            "cookie_name",
            val::opt_str(
                get("stickiness.app_cookie.cookie_name")
                    .filter(|n| ty == "app_cookie" && !n.is_empty()),
            ),
        ),
        (
            "enabled",
            Value::Bool(get("stickiness.enabled") == Some("true")),
        ),
        ("type", Value::string(ty)),
    ])])
}

/// The stickiness attributes of a planned `stickiness` block.
fn stickiness_attrs(planned: &Value) -> Vec<(String, String)> {
    let Some(s) = val::first_block(planned, "stickiness") else {
        return Vec::new();
    };
    let ty = val::str_attr(s, "type").unwrap_or("lb_cookie");
    let mut out = vec![
        (
            "stickiness.enabled".to_string(),
            val::bool_attr(s, "enabled").unwrap_or(true).to_string(),
        ),
        ("stickiness.type".to_string(), ty.to_string()),
    ];
    let duration = val::num_attr(s, "cookie_duration").unwrap_or(86400);
    match ty {
        "lb_cookie" => out.push((
            "stickiness.lb_cookie.duration_seconds".into(),
            duration.to_string(),
        )),
        "app_cookie" => {
            out.push((
                "stickiness.app_cookie.duration_seconds".into(),
                duration.to_string(),
            ));
            if let Some(n) = val::str_attr(s, "cookie_name") {
                out.push(("stickiness.app_cookie.cookie_name".into(), n.to_string()));
            }
        }
        _ => {}
    }
    out
}

/// Sends the changed Key/Value attributes (all configured ones on create).
async fn modify_attributes(
    elb: &Elb,
    arn: &str,
    prior: Option<&Value>,
    planned: &Value,
) -> Result<(), AwsError> {
    let mut changes = changed_attrs(ATTRS, prior, planned);
    if prior.is_none_or(|p| val::changed(p, planned, "stickiness"))
        && known_set(planned, "stickiness")
    {
        changes.extend(stickiness_attrs(planned));
    }
    for (name, fields) in [
        ("target_failover", FAILOVER),
        ("target_health_state", HEALTH_STATE),
    ] {
        if prior.is_none_or(|p| val::changed(p, planned, name)) {
            if let Some(item) = val::first_block(planned, name) {
                changes.extend(attr_block_changes(fields, item));
            }
        }
    }
    if prior.is_none_or(|p| val::changed(p, planned, "target_group_health")) {
        if let Some(item) = val::first_block(planned, "target_group_health") {
            for (name, fields) in GROUP_HEALTH {
                if let Some(inner) = val::first_block(item, name) {
                    changes.extend(attr_block_changes(fields, inner));
                }
            }
        }
    }
    put_attributes(elb, AttrsOf::TargetGroup, arn, changes).await
}

/// A block of at most one item: none when AWS reports none of its attributes.
fn one_block(item: Option<Value>) -> Value {
    Value::List(item.into_iter().collect())
}

/// `target_group_health` from the group's attributes: its two blocks, when AWS reports
/// either.
fn group_health_value(a: &HashMap<String, String>) -> Value {
    let blocks: Vec<(&str, Option<Value>)> = GROUP_HEALTH
        .iter()
        .map(|(name, fields)| (*name, attr_block_value(fields, a)))
        .collect();
    if blocks.iter().all(|(_, b)| b.is_none()) {
        return Value::List(Vec::new());
    }
    one_block(Some(Value::object(
        blocks.into_iter().map(|(n, b)| (n, one_block(b))),
    )))
}
