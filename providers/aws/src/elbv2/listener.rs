//! `aws_lb_listener` (also `aws_alb_listener`). The load balancer replaces; port,
//! protocol, TLS settings and default actions update with ModifyListener. A refresh reads
//! the listeners of each load balancer with one DescribeListeners call (per page).

use std::collections::BTreeSet;

use async_trait::async_trait;
use aws_sdk_elasticloadbalancingv2::types::{Certificate, Listener as SdkListener, ProtocolEnum};
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;
use terrane_engine::provider::{BlockSchema, Nesting};

use super::{
    action, child_import_stub, create_tags, created_arn, describe_per_parent, found, parent_arn,
};
use crate::clients::Clients;
use crate::ec2::match_ids;
use crate::error::{err, AwsError};
use crate::resource::{
    check_enum, check_range, AwsResource, DefaultTimeouts, Failed, PlanExtra, Tagging, Timeout,
};
use crate::schema::*;
use crate::val::{self, Obj};

pub struct Listener(pub &'static str);

const PROTOCOLS: &[&str] = &["GENEVE", "HTTP", "HTTPS", "TCP", "TCP_UDP", "TLS", "UDP"];

#[async_trait]
impl AwsResource for Listener {
    fn type_name(&self) -> &'static str {
        self.0
    }

    fn schema(&self) -> BlockSchema {
        let mut s = S::new()
            .attr("id", comp(STR))
            .attr("arn", comp(STR))
            .attr("load_balancer_arn", req(STR).force_new())
            .attr("port", opt(NUM))
            .attr("protocol", opt_comp(STR))
            .attr("ssl_policy", opt_comp(STR))
            .attr("certificate_arn", opt(STR))
            .attr("alpn_policy", opt(STR))
            .block("default_action", Nesting::List, action::schema())
            .build();
        if let Some(b) = s.blocks.get_mut("default_action") {
            b.min_items = 1;
        }
        s
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
    }

    fn plan(&self, prior: Option<&Value>, config: &Value, planned: &mut Value) -> PlanExtra {
        let actions = action::plan(&self.schema(), "default_action", prior, config);
        val::set_attr(planned, "default_action", actions);
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
        let f = found(c, current, all, SdkListener::listener_arn, None).await?;
        Ok(match_ids(
            current,
            f.items,
            |l| l.listener_arn(),
            |cur, l| {
                let arn = l.listener_arn().unwrap_or_default();
                let mut o = Obj::from(cur);
                o.set("id", Value::string(arn))
                    .set("arn", Value::string(arn))
                    .set("load_balancer_arn", val::opt_str(l.load_balancer_arn()))
                    .set("port", l.port().map_or(Value::Null, val::num))
                    .set(
                        "protocol",
                        val::opt_str(l.protocol().map(ProtocolEnum::as_str)),
                    )
                    .set("ssl_policy", val::opt_str(l.ssl_policy()))
                    .set(
                        "certificate_arn",
                        // Terraform's argument holds the default certificate only when it
                        // is the only one.
                        val::opt_str(match l.certificates() {
                            [only] => only.certificate_arn(),
                            _ => None,
                        }),
                    )
                    .set(
                        "alpn_policy",
                        val::opt_str(match l.alpn_policy() {
                            [only] => Some(only.as_str()),
                            _ => None,
                        }),
                    )
                    .set(
                        "default_action",
                        action::from_sdk(l.default_actions(), cur.get_attr("default_action")),
                    )
                    .set("tags_all", super::tags::of_arn(&f.tags, arn));
                o.done()
            },
        ))
    }

    async fn create(&self, c: &Clients, planned: &Value, _t: Timeout) -> Result<String, Failed> {
        let lb = val::str_attr(planned, "load_balancer_arn").unwrap_or_default();
        // Terraform keeps HTTP as the default protocol of application listeners.
        let protocol = val::str_attr(planned, "protocol")
            .or(lb.contains(":loadbalancer/app/").then_some("HTTP"));
        let elb = c.elbv2.get().await;
        let out = elb
            .create_listener()
            .load_balancer_arn(lb)
            .set_port(val::i32_attr(planned, "port"))
            .set_protocol(protocol.map(ProtocolEnum::from))
            .set_ssl_policy(val::str_attr(planned, "ssl_policy").map(str::to_string))
            .set_certificates(certificates(planned))
            .set_alpn_policy(val::str_attr(planned, "alpn_policy").map(|a| vec![a.to_string()]))
            .set_default_actions(Some(action::to_sdk(
                planned.get_attr("default_action").unwrap_or(&Value::Null),
            )?))
            .set_tags(create_tags(planned))
            .send()
            .await
            .map_err(err("CreateListener"))?;
        Ok(created_arn(
            out.listeners().first().and_then(SdkListener::listener_arn),
            "CreateListener",
        )?)
    }

    async fn update(
        &self,
        c: &Clients,
        prior: &Value,
        planned: &Value,
        _t: Timeout,
    ) -> Result<Option<String>, AwsError> {
        let arn = val::str_attr(prior, "id").unwrap_or_default();
        let changed = |k| val::changed(prior, planned, k);
        if [
            "port",
            "protocol",
            "ssl_policy",
            "certificate_arn",
            "alpn_policy",
            "default_action",
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
                .set_certificates(certificates(planned))
                .set_alpn_policy(
                    val::str_attr(planned, "alpn_policy").map(|a| vec![a.to_string()]),
                );
            if changed("default_action") {
                req = req.set_default_actions(Some(action::to_sdk(
                    planned.get_attr("default_action").unwrap_or(&Value::Null),
                )?));
            }
            req.send().await.map_err(err("ModifyListener"))?;
        }
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

fn certificates(planned: &Value) -> Option<Vec<Certificate>> {
    val::str_attr(planned, "certificate_arn")
        .map(|a| vec![Certificate::builder().certificate_arn(a).build()])
}
