//! `aws_iam_role_policy`: an inline policy of a role. ID and import ID `ROLE:NAME`.

use async_trait::async_trait;
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;
use terrane_engine::provider::BlockSchema;

use super::{check_json, plan_policy, policy_value};
use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::{name_or_prefix, AwsResource, Failed, PlanExtra, Timeout};
use crate::schema::*;
use crate::val::{self, Obj};

pub struct RolePolicy;

fn split(id: &str) -> Option<(&str, &str)> {
    id.split_once(':')
        .filter(|(r, n)| !r.is_empty() && !n.is_empty())
}

async fn put(c: &Clients, role: &str, name: &str, planned: &Value) -> Result<(), AwsError> {
    c.iam
        .get()
        .await
        .put_role_policy()
        .role_name(role)
        .policy_name(name)
        .policy_document(val::str_attr(planned, "policy").unwrap_or_default())
        .send()
        .await
        .map_err(err("PutRolePolicy"))?;
    Ok(())
}

#[async_trait]
impl AwsResource for RolePolicy {
    fn type_name(&self) -> &'static str {
        "aws_iam_role_policy"
    }

    fn regional(&self) -> bool {
        false
    }

    fn schema(&self) -> BlockSchema {
        S::new()
            .attr("id", comp(STR))
            .attr("name", opt_comp(STR).force_new())
            .attr("name_prefix", opt(STR).force_new())
            .attr("role", req(STR).force_new())
            .attr("policy", req(STR))
            .build()
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
                let Some((role, name)) = val::str_attr(cur, "id").and_then(split) else {
                    return Ok(None);
                };
                let out = match iam
                    .get_role_policy()
                    .role_name(role)
                    .policy_name(name)
                    .send()
                    .await
                {
                    Ok(o) => o,
                    Err(e) => {
                        let e = AwsError::sdk("GetRolePolicy", e);
                        return if e.is_not_found() { Ok(None) } else { Err(e) };
                    }
                };
                let mut o = Obj::from(cur);
                o.set("role", Value::string(out.role_name()))
                    .set("name", Value::string(out.policy_name()))
                    .set("policy", policy_value(cur, "policy", out.policy_document()));
                Ok(Some(o.done()))
            }
        });
        futures::future::join_all(jobs).await.into_iter().collect()
    }

    async fn create(&self, c: &Clients, planned: &Value, _t: Timeout) -> Result<String, Failed> {
        let role = val::str_attr(planned, "role").unwrap_or_default();
        let name = name_or_prefix(planned);
        put(c, role, &name, planned).await?;
        Ok(format!("{role}:{name}"))
    }

    async fn update(
        &self,
        c: &Clients,
        prior: &Value,
        planned: &Value,
        _t: Timeout,
    ) -> Result<Option<String>, AwsError> {
        if let Some((role, name)) = val::str_attr(prior, "id").and_then(split) {
            put(c, role, name, planned).await?;
        }
        Ok(None)
    }

    async fn delete(&self, c: &Clients, prior: &Value, _t: Timeout) -> Result<(), AwsError> {
        let Some((role, name)) = val::str_attr(prior, "id").and_then(split) else {
            return Ok(());
        };
        c.iam
            .get()
            .await
            .delete_role_policy()
            .role_name(role)
            .policy_name(name)
            .send()
            .await
            .map_err(err("DeleteRolePolicy"))?;
        Ok(())
    }

    fn import_stub(&self, id: &str, stub: &mut Obj) -> Result<(), String> {
        split(id).ok_or_else(|| {
            format!("unexpected format of ID ({id:?}), expected <role-name>:<policy-name>")
        })?;
        stub.set("id", Value::string(id));
        Ok(())
    }
}
