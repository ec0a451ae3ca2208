//! `aws_iam_role`. `assume_role_policy` is compared as a policy document; the role's name
//! is its ID (and its import ID).

use async_trait::async_trait;
use aws_sdk_iam::primitives::DateTimeFormat;
use std::collections::BTreeMap;
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;
use terrane_engine::provider::BlockSchema;

use super::{check_json, iam_tags, plan_policy, policy_value, tags_of, tags_value};
use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::{name_or_prefix, AwsResource, Failed, PlanExtra, Tagging, Timeout};
use crate::schema::*;
use crate::val::{self, Obj};

pub struct Role;

#[async_trait]
impl AwsResource for Role {
    fn type_name(&self) -> &'static str {
        "aws_iam_role"
    }

    fn schema(&self) -> BlockSchema {
        S::new()
            .attr("id", comp(STR))
            .attr("arn", comp(STR))
            .attr("unique_id", comp(STR))
            .attr("create_date", comp(STR))
            .attr("name", opt_comp(STR).force_new())
            .attr("name_prefix", opt(STR).force_new())
            .attr("assume_role_policy", req(STR))
            .attr("description", opt(STR))
            .attr("path", opt_default(STR, Value::string("/")).force_new())
            .attr("max_session_duration", opt_default(NUM, val::num(3600)))
            .attr("permissions_boundary", opt(STR))
            .attr(
                "force_detach_policies",
                opt_default(BOOL, Value::Bool(false)),
            )
            .build()
    }

    fn tagging(&self) -> Tagging {
        Tagging::Own
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        check_json(config, "assume_role_policy", diags);
        if let Some(n) = val::num_attr(config, "max_session_duration") {
            if !(3600..=43200).contains(&n) {
                crate::resource::invalid(
                    diags,
                    "max_session_duration",
                    format!(
                        "expected max_session_duration to be in the range (3600 - 43200), got {n}"
                    ),
                );
            }
        }
    }

    fn plan(&self, prior: Option<&Value>, _config: &Value, planned: &mut Value) -> PlanExtra {
        plan_policy(prior, planned, "assume_role_policy");
        PlanExtra::default()
    }

    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let iam = c.iam.get().await;
        let jobs = current.iter().map(|cur| {
            let iam = &iam;
            async move {
                let Some(name) = val::str_attr(cur, "id") else {
                    return Ok(None);
                };
                let out = match iam.get_role().role_name(name).send().await {
                    Ok(o) => o,
                    Err(e) => {
                        let e = AwsError::sdk("GetRole", e);
                        return if e.is_not_found() { Ok(None) } else { Err(e) };
                    }
                };
                let Some(r) = out.role() else { return Ok(None) };
                let mut o = Obj::from(cur);
                o.set("id", Value::string(r.role_name()))
                    .set("name", Value::string(r.role_name()))
                    .set("arn", Value::string(r.arn()))
                    .set("unique_id", Value::string(r.role_id()))
                    .set("path", Value::string(r.path()))
                    .set(
                        "create_date",
                        val::opt_str(
                            r.create_date()
                                .fmt(DateTimeFormat::DateTime)
                                .ok()
                                .as_deref(),
                        ),
                    )
                    .set("description", val::opt_str(r.description()))
                    .set(
                        "max_session_duration",
                        val::num(r.max_session_duration().unwrap_or(3600)),
                    )
                    .set(
                        "permissions_boundary",
                        val::opt_str(
                            r.permissions_boundary()
                                .and_then(|b| b.permissions_boundary_arn()),
                        ),
                    )
                    .set("tags_all", tags_value(r.tags()))
                    .default("force_detach_policies", Value::Bool(false))
                    .default("name_prefix", Value::Null);
                if let Some(doc) = r.assume_role_policy_document() {
                    o.set(
                        "assume_role_policy",
                        policy_value(cur, "assume_role_policy", doc),
                    );
                }
                Ok(Some(o.done()))
            }
        });
        futures::future::join_all(jobs).await.into_iter().collect()
    }

    async fn create(&self, c: &Clients, planned: &Value, _t: Timeout) -> Result<String, Failed> {
        let name = name_or_prefix(planned);
        c.iam
            .get()
            .await
            .create_role()
            .role_name(&name)
            .assume_role_policy_document(
                val::str_attr(planned, "assume_role_policy").unwrap_or_default(),
            )
            .set_description(val::str_attr(planned, "description").map(str::to_string))
            .path(val::str_attr(planned, "path").unwrap_or("/"))
            .set_max_session_duration(
                val::num_attr(planned, "max_session_duration").and_then(|n| i32::try_from(n).ok()),
            )
            .set_permissions_boundary(
                val::str_attr(planned, "permissions_boundary").map(str::to_string),
            )
            .set_tags(tags_of(planned))
            .send()
            .await
            .map_err(err("CreateRole"))?;
        Ok(name)
    }

    async fn update(
        &self,
        c: &Clients,
        prior: &Value,
        planned: &Value,
        _t: Timeout,
    ) -> Result<Option<String>, AwsError> {
        let name = val::str_attr(prior, "id").unwrap_or_default();
        let iam = c.iam.get().await;
        if val::changed(prior, planned, "assume_role_policy") {
            iam.update_assume_role_policy()
                .role_name(name)
                .policy_document(val::str_attr(planned, "assume_role_policy").unwrap_or_default())
                .send()
                .await
                .map_err(err("UpdateAssumeRolePolicy"))?;
        }
        if val::changed(prior, planned, "description")
            || val::changed(prior, planned, "max_session_duration")
        {
            iam.update_role()
                .role_name(name)
                .description(val::str_attr(planned, "description").unwrap_or_default())
                .set_max_session_duration(
                    val::num_attr(planned, "max_session_duration")
                        .and_then(|n| i32::try_from(n).ok()),
                )
                .send()
                .await
                .map_err(err("UpdateRole"))?;
        }
        if val::changed(prior, planned, "permissions_boundary") {
            match val::str_attr(planned, "permissions_boundary") {
                Some(b) => {
                    iam.put_role_permissions_boundary()
                        .role_name(name)
                        .permissions_boundary(b)
                        .send()
                        .await
                        .map_err(err("PutRolePermissionsBoundary"))?;
                }
                None => {
                    iam.delete_role_permissions_boundary()
                        .role_name(name)
                        .send()
                        .await
                        .map_err(err("DeleteRolePermissionsBoundary"))?;
                }
            }
        }
        Ok(None)
    }

    async fn tag(
        &self,
        c: &Clients,
        prior: &Value,
        tags: BTreeMap<String, String>,
    ) -> Result<(), AwsError> {
        c.iam
            .get()
            .await
            .tag_role()
            .role_name(val::str_attr(prior, "id").unwrap_or_default())
            .set_tags(Some(iam_tags(&tags)))
            .send()
            .await
            .map_err(err("TagRole"))?;
        Ok(())
    }

    async fn untag(&self, c: &Clients, prior: &Value, keys: Vec<String>) -> Result<(), AwsError> {
        c.iam
            .get()
            .await
            .untag_role()
            .role_name(val::str_attr(prior, "id").unwrap_or_default())
            .set_tag_keys(Some(keys))
            .send()
            .await
            .map_err(err("UntagRole"))?;
        Ok(())
    }

    async fn delete(&self, c: &Clients, prior: &Value, _t: Timeout) -> Result<(), AwsError> {
        let name = val::str_attr(prior, "id").unwrap_or_default();
        let iam = c.iam.get().await;
        if val::bool_attr(prior, "force_detach_policies") == Some(true) {
            let attached = iam
                .list_attached_role_policies()
                .role_name(name)
                .into_paginator()
                .items()
                .send()
                .collect::<Result<Vec<_>, _>>()
                .await
                .map_err(err("ListAttachedRolePolicies"))?;
            for p in attached {
                iam.detach_role_policy()
                    .role_name(name)
                    .set_policy_arn(p.policy_arn().map(str::to_string))
                    .send()
                    .await
                    .map_err(err("DetachRolePolicy"))?;
            }
            let inline = iam
                .list_role_policies()
                .role_name(name)
                .into_paginator()
                .items()
                .send()
                .collect::<Result<Vec<_>, _>>()
                .await
                .map_err(err("ListRolePolicies"))?;
            for p in inline {
                iam.delete_role_policy()
                    .role_name(name)
                    .policy_name(p)
                    .send()
                    .await
                    .map_err(err("DeleteRolePolicy"))?;
            }
        }
        iam.delete_role()
            .role_name(name)
            .send()
            .await
            .map_err(err("DeleteRole"))?;
        Ok(())
    }
}
