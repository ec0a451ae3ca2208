//! `aws_lb_listener` (also `aws_alb_listener`). The load balancer replaces; port,
//! protocol, TLS settings, mutual TLS and default actions update with ModifyListener, the
//! header and idle-timeout settings with ModifyListenerAttributes. A refresh reads the
//! listeners of each load balancer with one DescribeListeners call (per page), and the
//! attributes of each listener with one call (the API has no batch form).

use std::collections::BTreeSet;
use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_elasticloadbalancingv2::operation::create_listener::builders::CreateListenerFluentBuilder;
use aws_sdk_elasticloadbalancingv2::types::{
    AdvertiseTrustStoreCaNamesEnum, Certificate, Listener as SdkListener,
    MutualAuthenticationAttributes, ProtocolEnum,
};
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;
use terrane_engine::provider::Nesting;

use super::{
    action, arn_rows, attr_rows, attr_value, blocks_reported_or_known, changed_attrs,
    child_import_stub, create_tags, created_arn, describe_per_parent, found, parent_arn,
    put_attributes, AttrSpec, AttrsOf, Described, Kind,
};
use crate::clients::Clients;
use crate::ec2::match_ids;
use crate::error::{err, AwsError};
use crate::resource::{
    check_block_enum, check_enum, check_range, plan_block, AwsResource, DefaultTimeouts, Failed,
    PlanExtra, Tagging, Timeout,
};
use crate::schema::*;
use crate::table::{Arg, ReadCtx, ResourceTable, Table};
use crate::val::{self, Obj};

pub struct Listener(pub &'static str);

const PROTOCOLS: &[&str] = &["GENEVE", "HTTP", "HTTPS", "TCP", "TCP_UDP", "TLS", "UDP"];

fn https(v: &Value) -> bool {
    val::str_attr(v, "protocol") == Some("HTTPS")
}
fn http_or_https(v: &Value) -> bool {
    matches!(val::str_attr(v, "protocol"), Some("HTTP" | "HTTPS"))
}
fn tcp(v: &Value) -> bool {
    val::str_attr(v, "protocol") == Some("TCP")
}

/// A header a listener adds to requests (HTTPS listeners: client certificate and TLS
/// details), by the part of its AWS key between `x_amzn_` and `.header_name`.
const fn request_header(tf: &'static str, key: &'static str) -> AttrSpec {
    AttrSpec::computed(tf, key, Kind::Str).when(https)
}

/// A header a listener adds to responses (HTTP and HTTPS listeners).
const fn response_header(tf: &'static str, key: &'static str) -> AttrSpec {
    AttrSpec::computed(tf, key, Kind::Str).when(http_or_https)
}

/// Attributes set with ModifyListenerAttributes; all optional and computed, each for the
/// protocols AWS takes it on.
const ATTRS: &[AttrSpec] = &[
    request_header(
        "routing_http_request_x_amzn_mtls_clientcert_header_name",
        "routing.http.request.x_amzn_mtls_clientcert.header_name",
    ),
    request_header(
        "routing_http_request_x_amzn_mtls_clientcert_issuer_header_name",
        "routing.http.request.x_amzn_mtls_clientcert_issuer.header_name",
    ),
    request_header(
        "routing_http_request_x_amzn_mtls_clientcert_leaf_header_name",
        "routing.http.request.x_amzn_mtls_clientcert_leaf.header_name",
    ),
    request_header(
        "routing_http_request_x_amzn_mtls_clientcert_serial_number_header_name",
        "routing.http.request.x_amzn_mtls_clientcert_serial_number.header_name",
    ),
    request_header(
        "routing_http_request_x_amzn_mtls_clientcert_subject_header_name",
        "routing.http.request.x_amzn_mtls_clientcert_subject.header_name",
    ),
    request_header(
        "routing_http_request_x_amzn_mtls_clientcert_validity_header_name",
        "routing.http.request.x_amzn_mtls_clientcert_validity.header_name",
    ),
    request_header(
        "routing_http_request_x_amzn_tls_cipher_suite_header_name",
        "routing.http.request.x_amzn_tls_cipher_suite.header_name",
    ),
    request_header(
        "routing_http_request_x_amzn_tls_version_header_name",
        "routing.http.request.x_amzn_tls_version.header_name",
    ),
    response_header(
        "routing_http_response_access_control_allow_credentials_header_value",
        "routing.http.response.access_control_allow_credentials.header_value",
    ),
    response_header(
        "routing_http_response_access_control_allow_headers_header_value",
        "routing.http.response.access_control_allow_headers.header_value",
    ),
    response_header(
        "routing_http_response_access_control_allow_methods_header_value",
        "routing.http.response.access_control_allow_methods.header_value",
    ),
    response_header(
        "routing_http_response_access_control_allow_origin_header_value",
        "routing.http.response.access_control_allow_origin.header_value",
    ),
    response_header(
        "routing_http_response_access_control_expose_headers_header_value",
        "routing.http.response.access_control_expose_headers.header_value",
    ),
    response_header(
        "routing_http_response_access_control_max_age_header_value",
        "routing.http.response.access_control_max_age.header_value",
    ),
    response_header(
        "routing_http_response_content_security_policy_header_value",
        "routing.http.response.content_security_policy.header_value",
    ),
    AttrSpec::computed(
        "routing_http_response_server_enabled",
        "routing.http.response.server.enabled",
        Kind::Bool,
    )
    .when(http_or_https),
    response_header(
        "routing_http_response_strict_transport_security_header_value",
        "routing.http.response.strict_transport_security.header_value",
    ),
    response_header(
        "routing_http_response_x_content_type_options_header_value",
        "routing.http.response.x_content_type_options.header_value",
    ),
    response_header(
        "routing_http_response_x_frame_options_header_value",
        "routing.http.response.x_frame_options.header_value",
    ),
    AttrSpec::computed(
        "tcp_idle_timeout_seconds",
        "tcp.idle_timeout.seconds",
        Kind::Num,
    )
    .when(tcp),
];

type DescribedListener = Described<SdkListener>;

type ListenerTable = Table<DescribedListener, CreateListenerFluentBuilder>;

/// An attribute of [`ATTRS`] as AWS holds it, for the protocols it applies to.
fn read_attr(d: &DescribedListener, cx: &ReadCtx, name: &str) -> Value {
    let typed = Value::object([(
        "protocol",
        val::opt_str(d.item.protocol().map(ProtocolEnum::as_str)),
    )]);
    attr_value(ATTRS, name, &d.attrs, &typed, cx.current)
}

/// ModifyListener sends every setting again when one changed, and the attributes go by
/// ModifyListenerAttributes: `update` makes both calls by hand. A create sets the
/// protocol (Terraform's HTTP default for application listeners) and the default
/// actions (an invalid action is an error the request cannot carry) by hand too.
static TABLE: LazyLock<ListenerTable> = LazyLock::new(|| {
    let table = arn_rows(ListenerTable::new(|| {
        Some(Described::sample(SdkListener::builder().build()))
    }))
    .attr("load_balancer_arn", req(STR).force_new())
    .read(|d, _| val::opt_str(d.item.load_balancer_arn()))
    .create(|b, v| b.set_load_balancer_arn(v.str()))
    .attr("port", opt(NUM))
    .read(|d, _| d.item.port().map_or(Value::Null, val::num))
    .create(|b, v| b.set_port(v.i32()))
    .updated_by_hand()
    .attr("protocol", opt_comp(STR))
    .read(|d, _| val::opt_str(d.item.protocol().map(ProtocolEnum::as_str)))
    .updated_by_hand()
    .attr("ssl_policy", opt_comp(STR))
    .read(|d, _| val::opt_str(d.item.ssl_policy()))
    .create(|b, v| b.set_ssl_policy(v.str()))
    .updated_by_hand()
    .attr("certificate_arn", opt(STR))
    .read(|d, cx| default_certificate(cx.current, d.item.certificates()))
    .create(|b, v| b.set_certificates(certificates(v)))
    .updated_by_hand()
    .attr("alpn_policy", opt(STR))
    .read(|d, _| {
        val::opt_str(match d.item.alpn_policy() {
            [only] => Some(only.as_str()),
            _ => None,
        })
    })
    .create(|b, v| b.set_alpn_policy(alpn(v)))
    .updated_by_hand()
    .block("default_action", Nesting::List, action::schema())
    .min_items(1)
    .read(|d, cx| {
        action::from_sdk(
            d.item.default_actions(),
            cx.current.get_attr("default_action"),
        )
    })
    .updated_by_hand()
    .block(
        "mutual_authentication",
        Nesting::List,
        S::new()
            .attr("mode", req(STR))
            .attr("trust_store_arn", opt(STR))
            .attr("ignore_client_certificate_expiry", opt(BOOL))
            .attr("advertise_trust_store_ca_names", opt_comp(STR)),
    )
    .max_items(1)
    .read(|d, cx| {
        // moto leaves mutual TLS out: what is known is kept then.
        blocks_reported_or_known(
            cx.current,
            "mutual_authentication",
            d.item.mutual_authentication().map(mtls_value),
        )
    })
    .create(|b, v| b.set_mutual_authentication(mtls(v)))
    .updated_by_hand();
    attr_rows(table, ATTRS, read_attr)
});

#[async_trait]
impl AwsResource for Listener {
    fn type_name(&self) -> &'static str {
        self.0
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*TABLE)
    }

    fn tagging(&self) -> Tagging {
        Tagging::Own
    }

    fn timeouts(&self) -> Option<DefaultTimeouts> {
        Some(DefaultTimeouts::create_update_minutes(5, 5))
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        check_range(config, "port", "port", 1..=65535, diags);
        check_enum(config, "protocol", PROTOCOLS, diags);
        check_enum(
            config,
            "alpn_policy",
            &[
                "HTTP1Only",
                "HTTP2Only",
                "HTTP2Optional",
                "HTTP2Preferred",
                "None",
            ],
            diags,
        );
        action::validate(config, "default_action", diags);
        check_range(
            config,
            "tcp_idle_timeout_seconds",
            "tcp_idle_timeout_seconds",
            60..=6000,
            diags,
        );
        let mtls = "mutual_authentication";
        check_block_enum(
            config,
            mtls,
            "mode",
            &["off", "passthrough", "verify"],
            diags,
        );
        check_block_enum(
            config,
            mtls,
            "advertise_trust_store_ca_names",
            &["on", "off"],
            diags,
        );
    }

    fn plan(&self, prior: Option<&Value>, config: &Value, planned: &mut Value) -> PlanExtra {
        let schema = self.schema();
        let actions = action::plan(&schema, "default_action", prior, config);
        val::set_attr(planned, "default_action", actions);
        // Optional and computed: without a block, what AWS holds.
        let mtls = if val::blocks(config, "mutual_authentication").is_empty() {
            prior.map_or(Value::Unknown, |p| {
                blocks_reported_or_known(p, "mutual_authentication", None)
            })
        } else {
            let nb = &schema.blocks["mutual_authentication"];
            plan_block(
                nb,
                prior.and_then(|p| p.get_attr("mutual_authentication")),
                config
                    .get_attr("mutual_authentication")
                    .unwrap_or(&Value::Null),
            )
        };
        val::set_attr(planned, "mutual_authentication", mtls);
        PlanExtra::default()
    }

    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        // One DescribeListeners per load balancer, not per listener.
        let lbs: BTreeSet<String> = current.iter().filter_map(lb_of).collect();
        let all = describe_per_parent(&lbs, |lb| async move {
            all_pages!(
                c.elbv2
                    .get()
                    .await
                    .describe_listeners()
                    .load_balancer_arn(lb),
                "DescribeListeners"
            )
        })
        .await?;
        let mut f = found(
            c,
            current,
            all,
            SdkListener::listener_arn,
            Some(AttrsOf::Listener),
        )
        .await?;
        Ok(match_ids(
            current,
            std::mem::take(&mut f.items),
            |l| l.listener_arn(),
            |cur, l| {
                let d = Described::of(&f, l, l.listener_arn().unwrap_or_default());
                TABLE.read_value(&d, cur, &c.region)
            },
        ))
    }

    async fn create(&self, c: &Clients, planned: &Value, _t: Timeout) -> Result<String, Failed> {
        let lb = val::str_attr(planned, "load_balancer_arn").unwrap_or_default();
        // Terraform keeps HTTP as the default protocol of application listeners.
        let protocol = val::str_attr(planned, "protocol")
            .or(lb.contains(":loadbalancer/app/").then_some("HTTP"));
        let elb = c.elbv2.get().await;
        let out = TABLE
            .create_request(elb.create_listener(), planned)
            .set_protocol(protocol.map(ProtocolEnum::from))
            .set_default_actions(Some(action::to_sdk(
                planned.get_attr("default_action").unwrap_or(&Value::Null),
            )?))
            .set_tags(create_tags(planned))
            .send()
            .await
            .map_err(err("CreateListener"))?;
        let arn = created_arn(
            out.listeners().first().and_then(SdkListener::listener_arn),
            "CreateListener",
        )?;
        put_attributes(
            &elb,
            AttrsOf::Listener,
            &arn,
            changed_attrs(ATTRS, None, &with_protocol(planned, protocol)),
        )
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
        let changed = |k| TABLE.changed(prior, planned, k);
        let arg = |k| Arg(planned.get_attr(k));
        if [
            "port",
            "protocol",
            "ssl_policy",
            "certificate_arn",
            "alpn_policy",
            "default_action",
            "mutual_authentication",
        ]
        .into_iter()
        .any(changed)
        {
            let elb = c.elbv2.get().await;
            let mut req = elb
                .modify_listener()
                .listener_arn(arn)
                .set_port(val::i32_attr(planned, "port"))
                .set_protocol(val::str_attr(planned, "protocol").map(ProtocolEnum::from))
                .set_ssl_policy(val::str_attr(planned, "ssl_policy").map(str::to_string))
                .set_certificates(certificates(arg("certificate_arn")))
                .set_alpn_policy(alpn(arg("alpn_policy")));
            if changed("mutual_authentication") {
                let planned = mtls(arg("mutual_authentication"));
                req = req.set_mutual_authentication(Some(planned.unwrap_or_else(|| {
                    MutualAuthenticationAttributes::builder()
                        .mode("off")
                        .build()
                })));
            }
            if changed("default_action") {
                req = req.set_default_actions(Some(action::to_sdk(
                    planned.get_attr("default_action").unwrap_or(&Value::Null),
                )?));
            }
            req.send().await.map_err(err("ModifyListener"))?;
        }
        let elb = c.elbv2.get().await;
        put_attributes(
            &elb,
            AttrsOf::Listener,
            arn,
            changed_attrs(ATTRS, Some(prior), planned),
        )
        .await?;
        Ok(None)
    }

    fn tag_calls(&self) -> Option<&'static crate::resource::TagCalls> {
        Some(&crate::elbv2::TAG_CALLS)
    }

    async fn delete(&self, c: &Clients, prior: &Value, _t: Timeout) -> Result<(), AwsError> {
        c.elbv2
            .get()
            .await
            .delete_listener()
            .listener_arn(val::str_attr(prior, "id").unwrap_or_default())
            .send()
            .await
            .map_err(err("DeleteListener"))?;
        Ok(())
    }

    fn import_stub(&self, id: &str, stub: &mut Obj) -> Result<(), String> {
        child_import_stub(id, stub, "listener", "loadbalancer", "load_balancer_arn")
    }
}

/// The load balancer a listener belongs to: from state, else from its ARN.
fn lb_of(cur: &Value) -> Option<String> {
    val::str_attr(cur, "load_balancer_arn")
        .map(str::to_string)
        .or_else(|| parent_arn(val::str_attr(cur, "id")?, "listener", "loadbalancer"))
}

fn certificates(arn: Arg) -> Option<Vec<Certificate>> {
    arn.str()
        .map(|a| vec![Certificate::builder().certificate_arn(a).build()])
}

/// The ALPN policy as the API takes it: a list of one.
fn alpn(policy: Arg) -> Option<Vec<String>> {
    policy.str().map(|a| vec![a])
}

/// The planned object with the protocol a create sends (Terraform's HTTP default for
/// application listeners), so the attributes of that protocol are sent.
fn with_protocol(planned: &Value, protocol: Option<&str>) -> Value {
    let mut v = planned.clone();
    if let Some(p) = protocol {
        val::set_attr(&mut v, "protocol", Value::string(p));
    }
    v
}

fn mtls(block: Arg) -> Option<MutualAuthenticationAttributes> {
    let m = block.first()?;
    Some(
        MutualAuthenticationAttributes::builder()
            .set_mode(val::str_attr(m, "mode").map(str::to_string))
            .set_trust_store_arn(val::str_attr(m, "trust_store_arn").map(str::to_string))
            .set_ignore_client_certificate_expiry(val::bool_attr(
                m,
                "ignore_client_certificate_expiry",
            ))
            .set_advertise_trust_store_ca_names(
                val::str_attr(m, "advertise_trust_store_ca_names")
                    .map(AdvertiseTrustStoreCaNamesEnum::from),
            )
            .build(),
    )
}

fn mtls_value(m: &MutualAuthenticationAttributes) -> Value {
    Value::List(vec![Value::object([
        ("mode", val::opt_str(m.mode())),
        ("trust_store_arn", val::opt_str(m.trust_store_arn())),
        (
            "ignore_client_certificate_expiry",
            m.ignore_client_certificate_expiry()
                .map_or(Value::Null, Value::Bool),
        ),
        (
            "advertise_trust_store_ca_names",
            val::opt_str(
                m.advertise_trust_store_ca_names()
                    .map(AdvertiseTrustStoreCaNamesEnum::as_str),
            ),
        ),
    ])])
}

/// The listener's default certificate. AWS lists only that one; moto lists the SNI
/// certificates of `aws_lb_listener_certificate` too, so among several the known one
/// stands when it is listed.
fn default_certificate(cur: &Value, certs: &[Certificate]) -> Value {
    let known = val::str_attr(cur, "certificate_arn");
    val::opt_str(match certs {
        [only] => only.certificate_arn(),
        _ => certs
            .iter()
            .filter_map(Certificate::certificate_arn)
            .find(|a| Some(*a) == known),
    })
}
