//! `aws_iam_policy`: a customer managed policy. Its ID (and import ID) is the ARN; a new
//! document is a new default policy version (the oldest other version is removed when
//! IAM's limit of five is reached).

use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_iam::operation::create_policy::builders::CreatePolicyFluentBuilder;
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

pub struct Policy;

/// A policy as GetPolicy describes it, with its default version's document.
struct Described {
    policy: aws_sdk_iam::types::Policy,
    document: Option<String>,
}

type PolicyTable = Table<Described, CreatePolicyFluentBuilder>;

static TABLE: LazyLock<PolicyTable> = LazyLock::new(|| {
    PolicyTable::new(|| {
        Some(Described {
            policy: aws_sdk_iam::types::Policy::builder().build(),
            document: None,
        })
    })
    .tags_all(|d| tags_value(d.policy.tags()))
    .attr("id", comp(STR))
    .read(|d, _| val::opt_str(d.policy.arn()))
    .attr("arn", comp(STR))
    .read(|d, _| val::opt_str(d.policy.arn()))
    .attr("policy_id", comp(STR))
    .read(|d, _| val::opt_str(d.policy.policy_id()))
    .attr("attachment_count", comp(NUM))
    .read(|d, _| val::num(d.policy.attachment_count().unwrap_or(0)))
    // Created from `name` or `name_prefix` by hand (`name_or_prefix`).
    .attr("name", opt_comp(STR).force_new())
    .read(|d, _| val::opt_str(d.policy.policy_name()))
    .attr("name_prefix", opt(STR).force_new())
    .attr("path", opt_default(STR, Value::string("/")).force_new())
    .read(|d, _| val::opt_str(d.policy.path()))
    .create(|b, v| b.path(v.str().unwrap_or_else(|| "/".into())))
    .attr("description", opt(STR).force_new())
    .read(|d, _| val::opt_str(d.policy.description()))
    .create(|b, v| b.set_description(v.str()))
    .attr("policy", req(STR))
    .read(|d, cx| match &d.document {
        Some(doc) => Value::string(decode_document(doc)),
        None => cx.current.get_attr("policy").cloned().unwrap_or_default(),
    })
    .normalise(Normalise::Equivalent(equivalent))
    .create(|b, v| b.policy_document(v.str().unwrap_or_default()))
    // A new default policy version.
    .updated_by_hand()
});

static TAG_CALLS: TagCalls = super::iam_tag_calls!(
    tag_policy,
    untag_policy,
    policy_arn,
    "TagPolicy",
    "UntagPolicy"
);

#[async_trait]
impl AwsResource for Policy {
    fn type_name(&self) -> &'static str {
        "aws_iam_policy"
    }

    /// Found again by path and name after a crash: the import ID is the ARN, which holds
    /// the account, so the account's own policies under the path are listed instead.
    fn identity(&self, planned: &Value) -> Option<terrane_engine::provider::Identity> {
        crate::resource::identity_of(planned, &["name"], &["path"])
    }

    async fn find(
        &self,
        c: &Clients,
        identity: &terrane_engine::provider::Identity,
    ) -> Result<Option<String>, AwsError> {
        let Some(name) = identity.get("name") else {
            return Ok(None);
        };
        let path = identity.get("path").unwrap_or("/");
        let iam = c.iam.get().await;
        let policies = iam
            .list_policies()
            .scope(aws_sdk_iam::types::PolicyScopeType::Local)
            .path_prefix(path)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(err("ListPolicies"))?;
        Ok(policies
            .iter()
            .find(|p| p.policy_name() == Some(name) && p.path().unwrap_or("/") == path)
            .and_then(|p| p.arn())
            .map(str::to_string))
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
        check_json(config, "policy", diags);
    }

    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let iam = c.iam.get().await;
        let jobs = current.iter().map(|cur| {
            let iam = &iam;
            async move {
                let Some(arn) = val::str_attr(cur, "id") else {
                    return Ok(None);
                };
                let out = match iam.get_policy().policy_arn(arn).send().await {
                    Ok(o) => o,
                    Err(e) => {
                        let e = AwsError::sdk("GetPolicy", e);
                        return if e.is_not_found() { Ok(None) } else { Err(e) };
                    }
                };
                let Some(p) = out.policy() else {
                    return Ok(None);
                };
                let version = iam
                    .get_policy_version()
                    .policy_arn(arn)
                    .set_version_id(p.default_version_id().map(str::to_string))
                    .send()
                    .await
                    .map_err(err("GetPolicyVersion"))?;
                let d = Described {
                    policy: p.clone(),
                    document: version
                        .policy_version()
                        .and_then(|v| v.document())
                        .map(str::to_string),
                };
                Ok(Some(TABLE.read_value(&d, cur, &c.region)))
            }
        });
        futures::future::join_all(jobs).await.into_iter().collect()
    }

    async fn create(&self, c: &Clients, planned: &Value, _t: Timeout) -> Result<String, Failed> {
        let iam = c.iam.get().await;
        let out = TABLE
            .create_request(iam.create_policy(), planned)
            .policy_name(name_or_prefix(planned))
            .set_tags(tags_of(planned))
            .send()
            .await
            .map_err(err("CreatePolicy"))?;
        Ok(out
            .policy()
            .and_then(|p| p.arn())
            .ok_or_else(|| AwsError::Invalid("CreatePolicy returned no ARN".into()))?
            .to_string())
    }

    async fn update(
        &self,
        c: &Clients,
        prior: &Value,
        planned: &Value,
        _t: Timeout,
    ) -> Result<Option<String>, AwsError> {
        let arn = val::str_attr(prior, "id").unwrap_or_default();
        let iam = c.iam.get().await;
        if TABLE.changed(prior, planned, "policy") {
            let versions = iam
                .list_policy_versions()
                .policy_arn(arn)
                .send()
                .await
                .map_err(err("ListPolicyVersions"))?;
            let mut old: Vec<_> = versions
                .versions()
                .iter()
                .filter(|v| !v.is_default_version())
                .collect();
            if versions.versions().len() >= 5 {
                old.sort_by_key(|v| v.create_date().map(|d| (d.secs(), d.subsec_nanos())));
                if let Some(v) = old.first() {
                    iam.delete_policy_version()
                        .policy_arn(arn)
                        .set_version_id(v.version_id().map(str::to_string))
                        .send()
                        .await
                        .map_err(err("DeletePolicyVersion"))?;
                }
            }
            iam.create_policy_version()
                .policy_arn(arn)
                .policy_document(val::str_attr(planned, "policy").unwrap_or_default())
                .set_as_default(true)
                .send()
                .await
                .map_err(err("CreatePolicyVersion"))?;
        }
        Ok(None)
    }

    fn tag_calls(&self) -> Option<&'static TagCalls> {
        Some(&TAG_CALLS)
    }

    async fn delete(&self, c: &Clients, prior: &Value, _t: Timeout) -> Result<(), AwsError> {
        let arn = val::str_attr(prior, "id").unwrap_or_default();
        let iam = c.iam.get().await;
        let versions = iam
            .list_policy_versions()
            .policy_arn(arn)
            .send()
            .await
            .map_err(err("ListPolicyVersions"))?;
        for v in versions
            .versions()
            .iter()
            .filter(|v| !v.is_default_version())
        {
            iam.delete_policy_version()
                .policy_arn(arn)
                .set_version_id(v.version_id().map(str::to_string))
                .send()
                .await
                .map_err(err("DeletePolicyVersion"))?;
        }
        iam.delete_policy()
            .policy_arn(arn)
            .send()
            .await
            .map_err(err("DeletePolicy"))?;
        Ok(())
    }
}
