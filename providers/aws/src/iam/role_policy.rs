//! `aws_iam_role_policy`: an inline policy of a role. ID and import ID `ROLE:NAME`.
//! PutRolePolicy creates it and replaces its document.

use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_iam::operation::get_role_policy::GetRolePolicyOutput;
use aws_sdk_iam::operation::put_role_policy::builders::PutRolePolicyFluentBuilder;
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;

use super::{check_json, decode_document, equivalent};
use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::{name_or_prefix, AwsResource, Failed, Timeout};
use crate::schema::*;
use crate::table::{Normalise, ResourceTable, Table};
use crate::val::{self, Obj};

pub struct RolePolicy;

type PolicyTable =
    Table<GetRolePolicyOutput, PutRolePolicyFluentBuilder, PutRolePolicyFluentBuilder>;

static TABLE: LazyLock<PolicyTable> = LazyLock::new(|| {
    PolicyTable::new(|| {
        GetRolePolicyOutput::builder()
            .role_name("")
            .policy_name("")
            .policy_document("")
            .build()
            .ok()
    })
    .attr("id", comp(STR))
    .read(|o, _| Value::string(format!("{}:{}", o.role_name(), o.policy_name())))
    // Created from `name` or `name_prefix` by hand (`name_or_prefix`).
    .attr("name", opt_comp(STR).force_new())
    .read(|o, _| Value::string(o.policy_name()))
    .attr("name_prefix", opt(STR).force_new())
    .attr("role", req(STR).force_new())
    .read(|o, _| Value::string(o.role_name()))
    .create(|b, v| b.set_role_name(v.str()))
    .attr("policy", req(STR))
    .read(|o, _| Value::string(decode_document(o.policy_document())))
    .normalise(Normalise::Equivalent(equivalent))
    .create(|b, v| b.policy_document(v.str().unwrap_or_default()))
    .update(|b, v| b.policy_document(v.str().unwrap_or_default()))
});

fn split(id: &str) -> Option<(&str, &str)> {
    id.split_once(':')
        .filter(|(r, n)| !r.is_empty() && !n.is_empty())
}

#[async_trait]
impl AwsResource for RolePolicy {
    fn type_name(&self) -> &'static str {
        "aws_iam_role_policy"
    }

    fn regional(&self) -> bool {
        false
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*TABLE)
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        check_json(config, "policy", diags);
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
                Ok(Some(TABLE.read_value(&out, cur, &c.region)))
            }
        });
        futures::future::join_all(jobs).await.into_iter().collect()
    }

    async fn create(&self, c: &Clients, planned: &Value, _t: Timeout) -> Result<String, Failed> {
        let role = val::str_attr(planned, "role").unwrap_or_default();
        let name = name_or_prefix(planned);
        TABLE
            .create_request(c.iam.get().await.put_role_policy(), planned)
            .policy_name(&name)
            .send()
            .await
            .map_err(err("PutRolePolicy"))?;
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
            let iam = c.iam.get().await;
            for req in TABLE.update_requests(prior, planned, || {
                iam.put_role_policy().role_name(role).policy_name(name)
            }) {
                req.send().await.map_err(err("PutRolePolicy"))?;
            }
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
