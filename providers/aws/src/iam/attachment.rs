//! `aws_iam_role_policy_attachment`: a managed policy attached to a role. Both arguments
//! force replacement; the ID is `ROLE-<unique suffix>` as Terraform makes it, and the
//! import ID is `ROLE/POLICY_ARN`. A refresh lists each role's attached policies once.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_iam::operation::attach_role_policy::builders::AttachRolePolicyFluentBuilder;
use terrane_engine::lang::Value;

use crate::clients::Clients;
use crate::ec2::attr_values;
use crate::error::{err, AwsError};
use crate::resource::{unique_name, AwsResource, Failed, Timeout};
use crate::schema::*;
use crate::table::{ResourceTable, Table};
use crate::val::{self, Obj};

pub struct RolePolicyAttachment;

/// An attachment found in a role's list of attached policies.
#[derive(Default)]
struct Attached {
    role: String,
    policy_arn: String,
}

type AttachmentTable = Table<Attached, AttachRolePolicyFluentBuilder>;

static TABLE: LazyLock<AttachmentTable> = LazyLock::new(|| {
    AttachmentTable::new(|| Some(Attached::default()))
        // Terraform's `ROLE-<unique suffix>`, made at create and kept: AWS has no ID for it.
        .attr("id", comp(STR))
        .attr("role", req(STR).force_new())
        .read(|a, _| Value::string(&a.role))
        .create(|b, v| b.set_role_name(v.str()))
        .attr("policy_arn", req(STR).force_new())
        .read(|a, _| Value::string(&a.policy_arn))
        .create(|b, v| b.set_policy_arn(v.str()))
});

#[async_trait]
impl AwsResource for RolePolicyAttachment {
    fn type_name(&self) -> &'static str {
        "aws_iam_role_policy_attachment"
    }

    fn regional(&self) -> bool {
        false
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*TABLE)
    }

    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let iam = c.iam.get().await;
        let mut attached: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for role in attr_values(current, "role") {
            let got = iam
                .list_attached_role_policies()
                .role_name(&role)
                .into_paginator()
                .items()
                .send()
                .collect::<Result<Vec<_>, _>>()
                .await;
            match got {
                Ok(ps) => {
                    attached.insert(
                        role,
                        ps.iter()
                            .filter_map(|p| p.policy_arn().map(str::to_string))
                            .collect(),
                    );
                }
                Err(e) => {
                    let e = AwsError::sdk("ListAttachedRolePolicies", e);
                    if !e.is_not_found() {
                        return Err(e);
                    }
                }
            }
        }
        Ok(current
            .iter()
            .map(|cur| {
                let role = val::str_attr(cur, "role")?;
                let arn = val::str_attr(cur, "policy_arn")?;
                let found = Attached {
                    role: role.to_string(),
                    policy_arn: arn.to_string(),
                };
                attached
                    .get(role)
                    .is_some_and(|s| s.contains(arn))
                    .then(|| TABLE.read_value(&found, cur, &c.region))
            })
            .collect())
    }

    async fn create(&self, c: &Clients, planned: &Value, _t: Timeout) -> Result<String, Failed> {
        let role = val::str_attr(planned, "role").unwrap_or_default();
        TABLE
            .create_request(c.iam.get().await.attach_role_policy(), planned)
            .send()
            .await
            .map_err(err("AttachRolePolicy"))?;
        Ok(unique_name(&format!("{role}-")))
    }

    async fn delete(&self, c: &Clients, prior: &Value, _t: Timeout) -> Result<(), AwsError> {
        c.iam
            .get()
            .await
            .detach_role_policy()
            .role_name(val::str_attr(prior, "role").unwrap_or_default())
            .policy_arn(val::str_attr(prior, "policy_arn").unwrap_or_default())
            .send()
            .await
            .map_err(err("DetachRolePolicy"))?;
        Ok(())
    }

    fn import_stub(&self, id: &str, stub: &mut Obj) -> Result<(), String> {
        let (role, arn) = id
            .split_once('/')
            .filter(|(r, a)| !r.is_empty() && a.starts_with("arn:"))
            .ok_or_else(|| {
                format!("unexpected format of ID ({id:?}), expected <role-name>/<policy_arn>")
            })?;
        stub.set("id", Value::string(id))
            .set("role", Value::string(role))
            .set("policy_arn", Value::string(arn));
        Ok(())
    }
}
