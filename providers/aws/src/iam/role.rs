//! `aws_iam_role`. `assume_role_policy` is compared as a policy document; the role's name
//! is its ID (and its import ID).

use async_trait::async_trait;
use std::sync::LazyLock;

use aws_sdk_iam::operation::create_role::builders::CreateRoleFluentBuilder;
use aws_sdk_iam::operation::update_role::builders::UpdateRoleFluentBuilder;
use aws_sdk_iam::primitives::{DateTime, DateTimeFormat};
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;

use super::{check_json, decode_document, equivalent, tags_of};
use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::tags_value;
use crate::resource::{name_or_prefix, AwsResource, Failed, TagCalls, Tagging, Timeout};
use crate::schema::*;
use crate::table::{Normalise, ResourceTable, Table};
use crate::val;

pub struct Role;

type RoleTable = Table<aws_sdk_iam::types::Role, CreateRoleFluentBuilder, UpdateRoleFluentBuilder>;

static TABLE: LazyLock<RoleTable> = LazyLock::new(|| {
    RoleTable::new(|| {
        aws_sdk_iam::types::Role::builder()
            .path("/")
            .role_name("")
            .role_id("")
            .arn("")
            .create_date(DateTime::from_secs(0))
            .build()
            .ok()
    })
    .tags_all(|r| tags_value(r.tags()))
    .attr("id", comp(STR))
    .read(|r, _| Value::string(r.role_name()))
    .attr("arn", comp(STR))
    .read(|r, _| Value::string(r.arn()))
    .attr("unique_id", comp(STR))
    .read(|r, _| Value::string(r.role_id()))
    .attr("create_date", comp(STR))
    .read(|r, _| {
        let date = r.create_date().fmt(DateTimeFormat::DateTime).ok();
        val::opt_str(date.as_deref())
    })
    // Created from `name` or `name_prefix` by hand (`name_or_prefix`).
    .attr("name", opt_comp(STR).force_new())
    .read(|r, _| Value::string(r.role_name()))
    .attr("name_prefix", opt(STR).force_new())
    .attr("assume_role_policy", req(STR))
    .read(|r, cx| match r.assume_role_policy_document() {
        Some(doc) => Value::string(decode_document(doc)),
        // GetRole always has it; a description without keeps what is known.
        None => cx
            .current
            .get_attr("assume_role_policy")
            .cloned()
            .unwrap_or_default(),
    })
    .normalise(Normalise::Equivalent(equivalent))
    .create(|b, v| b.assume_role_policy_document(v.str().unwrap_or_default()))
    // UpdateAssumeRolePolicy.
    .updated_by_hand()
    .attr("description", opt(STR))
    .read(|r, _| val::opt_str(r.description()))
    .create(|b, v| b.set_description(v.str()))
    .update(|b, v| b.description(v.str().unwrap_or_default()))
    .attr("path", opt_default(STR, Value::string("/")).force_new())
    .read(|r, _| Value::string(r.path()))
    .create(|b, v| b.path(v.str().unwrap_or_else(|| "/".into())))
    .attr("max_session_duration", opt_default(NUM, val::num(3600)))
    .read(|r, _| val::num(r.max_session_duration().unwrap_or(3600)))
    .create(|b, v| b.set_max_session_duration(v.i32()))
    .update(|b, v| b.set_max_session_duration(v.i32()))
    .attr("permissions_boundary", opt(STR))
    .read(|r, _| {
        let arn = r
            .permissions_boundary()
            .and_then(|b| b.permissions_boundary_arn());
        val::opt_str(arn)
    })
    .create(|b, v| b.set_permissions_boundary(v.str()))
    // PutRolePermissionsBoundary or DeleteRolePermissionsBoundary.
    .updated_by_hand()
    // terrane's own: a destroy detaches and deletes the role's policies first.
    .attr(
        "force_detach_policies",
        opt_default(BOOL, Value::Bool(false)),
    )
    .updated_by_hand()
});

static TAG_CALLS: TagCalls =
    super::iam_tag_calls!(tag_role, untag_role, role_name, "TagRole", "UntagRole");

#[async_trait]
impl AwsResource for Role {
    fn type_name(&self) -> &'static str {
        "aws_iam_role"
    }

    /// Found again by its name after a crash (its import ID).
    fn identity(&self, planned: &Value) -> Option<terrane_engine::provider::Identity> {
        crate::resource::identity_of(planned, &["name"], &[])
    }

    fn regional(&self) -> bool {
        false
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*TABLE)
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
                Ok(Some(TABLE.read_value(r, cur, &c.region)))
            }
        });
        futures::future::join_all(jobs).await.into_iter().collect()
    }

    async fn create(&self, c: &Clients, planned: &Value, _t: Timeout) -> Result<String, Failed> {
        let name = name_or_prefix(planned);
        let iam = c.iam.get().await;
        TABLE
            .create_request(iam.create_role(), planned)
            .role_name(&name)
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
        if TABLE.changed(prior, planned, "assume_role_policy") {
            iam.update_assume_role_policy()
                .role_name(name)
                .policy_document(val::str_attr(planned, "assume_role_policy").unwrap_or_default())
                .send()
                .await
                .map_err(err("UpdateAssumeRolePolicy"))?;
        }
        for req in TABLE.update_requests(prior, planned, || iam.update_role().role_name(name)) {
            req.send().await.map_err(err("UpdateRole"))?;
        }
        if TABLE.changed(prior, planned, "permissions_boundary") {
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

    fn tag_calls(&self) -> Option<&'static TagCalls> {
        Some(&TAG_CALLS)
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
