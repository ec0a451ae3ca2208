//! `aws_iam_policy`: a customer managed policy. Its ID (and import ID) is the ARN; a new
//! document is a new default policy version (the oldest other version is removed when
//! IAM's limit of five is reached).

use async_trait::async_trait;
use std::collections::BTreeMap;
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;
use terrane_engine::provider::BlockSchema;

use super::{check_json, iam_tags, plan_policy, policy_value, tags_of};
use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::tags_value;
use crate::resource::{name_or_prefix, AwsResource, Failed, PlanExtra, Tagging, Timeout};
use crate::schema::*;
use crate::val::{self, Obj};

pub struct Policy;

#[async_trait]
impl AwsResource for Policy {
    fn type_name(&self) -> &'static str {
        "aws_iam_policy"
    }

    fn regional(&self) -> bool {
        false
    }

    fn schema(&self) -> BlockSchema {
        S::new()
            .attr("id", comp(STR))
            .attr("arn", comp(STR))
            .attr("policy_id", comp(STR))
            .attr("attachment_count", comp(NUM))
            .attr("name", opt_comp(STR).force_new())
            .attr("name_prefix", opt(STR).force_new())
            .attr("path", opt_default(STR, Value::string("/")).force_new())
            .attr("description", opt(STR).force_new())
            .attr("policy", req(STR))
            .build()
    }

    fn tagging(&self) -> Tagging {
        Tagging::Own
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        check_json(config, "policy", diags);
    }

    fn plan(&self, prior: Option<&Value>, _config: &Value, planned: &mut Value) -> PlanExtra {
        plan_policy(prior, planned, "policy");
        PlanExtra::default()
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
                let mut o = Obj::from(cur);
                o.set("id", val::opt_str(p.arn()))
                    .set("arn", val::opt_str(p.arn()))
                    .set("name", val::opt_str(p.policy_name()))
                    .set("path", val::opt_str(p.path()))
                    .set("policy_id", val::opt_str(p.policy_id()))
                    .set(
                        "attachment_count",
                        val::num(p.attachment_count().unwrap_or(0)),
                    )
                    .set("description", val::opt_str(p.description()))
                    .set("tags_all", tags_value(p.tags()))
                    .default("name_prefix", Value::Null);
                if let Some(doc) = version.policy_version().and_then(|v| v.document()) {
                    o.set("policy", policy_value(cur, "policy", doc));
                }
                Ok(Some(o.done()))
            }
        });
        futures::future::join_all(jobs).await.into_iter().collect()
    }

    async fn create(&self, c: &Clients, planned: &Value, _t: Timeout) -> Result<String, Failed> {
        let out = c
            .iam
            .get()
            .await
            .create_policy()
            .policy_name(name_or_prefix(planned))
            .policy_document(val::str_attr(planned, "policy").unwrap_or_default())
            .set_description(val::str_attr(planned, "description").map(str::to_string))
            .path(val::str_attr(planned, "path").unwrap_or("/"))
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
        if val::changed(prior, planned, "policy") {
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

    async fn tag(
        &self,
        c: &Clients,
        prior: &Value,
        tags: BTreeMap<String, String>,
    ) -> Result<(), AwsError> {
        c.iam
            .get()
            .await
            .tag_policy()
            .policy_arn(val::str_attr(prior, "id").unwrap_or_default())
            .set_tags(Some(iam_tags(&tags)))
            .send()
            .await
            .map_err(err("TagPolicy"))?;
        Ok(())
    }

    async fn untag(&self, c: &Clients, prior: &Value, keys: Vec<String>) -> Result<(), AwsError> {
        c.iam
            .get()
            .await
            .untag_policy()
            .policy_arn(val::str_attr(prior, "id").unwrap_or_default())
            .set_tag_keys(Some(keys))
            .send()
            .await
            .map_err(err("UntagPolicy"))?;
        Ok(())
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
