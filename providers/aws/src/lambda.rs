//! `aws_lambda_permission`: one statement of a Lambda function's resource policy, letting
//! a principal (a service such as `elasticloadbalancing.amazonaws.com`, or an account)
//! invoke it. Every argument replaces. The ID is the statement ID; the import ID is
//! `FUNCTION/STATEMENT` or `FUNCTION:QUALIFIER/STATEMENT`.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_lambda::operation::add_permission::builders::AddPermissionFluentBuilder;
use aws_sdk_lambda::types::FunctionUrlAuthType;
use serde_json::Value as Json;
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;
use terrane_engine::provider::Identity;

use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::{
    identity_of, invalid, known_set, retry_while_code, unique_name, AwsResource, Failed, Timeout,
};
use crate::schema::*;
use crate::table::{ReadCtx, ResourceTable, Table};
use crate::val::{self, Obj};

pub fn resources() -> Vec<Box<dyn AwsResource>> {
    vec![Box::new(PermissionRes)]
}

pub struct PermissionRes;

/// One statement of the function's policy document.
pub struct Statement(pub Json);

impl Statement {
    fn str(&self, k: &str) -> Option<&str> {
        self.0.get(k).and_then(Json::as_str)
    }

    /// A condition value: `Condition.OPERATOR.KEY`, whatever the operator.
    fn condition(&self, key: &str) -> Option<&str> {
        self.0
            .get("Condition")?
            .as_object()?
            .values()
            .find_map(|op| op.get(key).and_then(Json::as_str))
    }
}

type PermissionTable = Table<Statement, AddPermissionFluentBuilder>;

/// A value from the statement, or the known one when AWS does not repeat it (moto
/// leaves the event source token out of the statement).
fn or_known(read: Option<&str>, cx: &ReadCtx, k: &str) -> Value {
    match read {
        Some(s) => Value::string(s),
        None => cx.current.get_attr(k).cloned().unwrap_or_default(),
    }
}

/// The principal as configured: an account ID for `arn:aws:iam::ID:root`, as Terraform
/// reads it back when the configuration names the account.
fn principal(s: &Statement, cx: &ReadCtx) -> Value {
    let p = match s.0.get("Principal") {
        Some(Json::String(p)) => p.as_str(),
        Some(Json::Object(m)) => match m.values().next().and_then(Json::as_str) {
            Some(p) => p,
            None => return Value::Null,
        },
        _ => return Value::Null,
    };
    let known = val::str_attr(cx.current, "principal");
    if let Some(k) = known {
        if p.strip_prefix("arn:").and_then(|r| r.split("::").nth(1)) == Some(&format!("{k}:root")) {
            return Value::string(k);
        }
    }
    Value::string(p)
}

static TABLE: LazyLock<PermissionTable> = LazyLock::new(|| {
    PermissionTable::new(|| Some(Statement(Json::Null)))
        .attr("id", comp(STR))
        .read(|s, _| val::opt_str(s.str("Sid")))
        .attr("action", req(STR).force_new())
        .read(|s, _| val::opt_str(s.str("Action")))
        .create(|b, v| b.set_action(v.str()))
        .attr("event_source_token", opt(STR).force_new())
        .read(|s, cx| {
            or_known(
                s.condition("lambda:EventSourceToken"),
                cx,
                "event_source_token",
            )
        })
        .create(|b, v| b.set_event_source_token(v.str()))
        // As configured: a name, a partial or a full ARN.
        .attr("function_name", req(STR).force_new())
        .create(|b, v| b.set_function_name(v.str()))
        .attr("function_url_auth_type", opt(STR).force_new())
        .read(|s, cx| {
            or_known(
                s.condition("lambda:FunctionUrlAuthType"),
                cx,
                "function_url_auth_type",
            )
        })
        .create(|b, v| {
            b.set_function_url_auth_type(v.str().map(|t| FunctionUrlAuthType::from(t.as_str())))
        })
        .attr("principal", req(STR).force_new())
        .read(principal)
        .create(|b, v| b.set_principal(v.str()))
        .attr("principal_org_id", opt(STR).force_new())
        .read(|s, _| val::opt_str(s.condition("aws:PrincipalOrgID")))
        .create(|b, v| b.set_principal_org_id(v.str()))
        .attr("qualifier", opt(STR).force_new())
        .create(|b, v| b.set_qualifier(v.str()))
        .attr("source_account", opt(STR).force_new())
        .read(|s, _| val::opt_str(s.condition("AWS:SourceAccount")))
        .create(|b, v| b.set_source_account(v.str()))
        .attr("source_arn", opt(STR).force_new())
        .read(|s, _| val::opt_str(s.condition("AWS:SourceArn")))
        .create(|b, v| b.set_source_arn(v.str()))
        // Created from `statement_id` or `statement_id_prefix` by hand.
        .attr("statement_id", opt_comp(STR).force_new())
        .read(|s, _| val::opt_str(s.str("Sid")))
        .attr("statement_id_prefix", opt_comp(STR).force_new())
});

/// The statements of the function's policy (empty when it has none), or `None` when
/// the function does not exist.
async fn statements(
    c: &Clients,
    function: &str,
    qualifier: Option<&str>,
) -> Result<Option<Vec<Json>>, AwsError> {
    let out = c
        .lambda
        .get()
        .await
        .get_policy()
        .function_name(function)
        .set_qualifier(qualifier.map(str::to_string))
        .send()
        .await;
    let out = match out {
        Ok(o) => o,
        // A function without a policy answers ResourceNotFoundException too: either way
        // the statement is not there.
        Err(e) => {
            let e = AwsError::sdk("GetPolicy", e);
            return if e.is_not_found() { Ok(None) } else { Err(e) };
        }
    };
    let doc: Json = serde_json::from_str(out.policy().unwrap_or("{}"))
        .map_err(|e| AwsError::Invalid(format!("the function's policy is not JSON: {e}")))?;
    Ok(Some(match doc.get("Statement") {
        Some(Json::Array(s)) => s.clone(),
        Some(one @ Json::Object(_)) => vec![one.clone()],
        _ => Vec::new(),
    }))
}

#[async_trait]
impl AwsResource for PermissionRes {
    fn type_name(&self) -> &'static str {
        "aws_lambda_permission"
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*TABLE)
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        if known_set(config, "statement_id") && known_set(config, "statement_id_prefix") {
            invalid(
                diags,
                "statement_id",
                "\"statement_id\": conflicts with statement_id_prefix".into(),
            );
        }
        crate::resource::check_enum(
            config,
            "function_url_auth_type",
            &["NONE", "AWS_IAM"],
            diags,
        );
    }

    /// Found again after a crash by function and statement ID (not with a prefix: the
    /// ID is generated at create).
    fn identity(&self, planned: &Value) -> Option<Identity> {
        identity_of(planned, &["function_name", "statement_id"], &["qualifier"])
    }

    async fn find(&self, _c: &Clients, identity: &Identity) -> Result<Option<String>, AwsError> {
        let function = identity.get("function_name").unwrap_or_default();
        let q = identity
            .get("qualifier")
            .map(|q| format!(":{q}"))
            .unwrap_or_default();
        Ok(identity
            .get("statement_id")
            .map(|s| format!("{function}{q}/{s}")))
    }

    fn import_stub(&self, id: &str, stub: &mut Obj) -> Result<(), String> {
        let (function, statement) = id.rsplit_once('/').ok_or_else(|| {
            format!(
                "unexpected format of ID ({id}), expected FUNCTION_NAME[:QUALIFIER]/STATEMENT_ID"
            )
        })?;
        // A qualifier follows the last colon of a name (ARNs have colons of their own).
        let (name, qualifier) = match function.rsplit_once(':') {
            Some((n, q)) if !function.starts_with("arn:") || n.matches(':').count() >= 6 => {
                (n, Some(q))
            }
            _ => (function, None),
        };
        stub.set("id", Value::string(statement));
        stub.set("statement_id", Value::string(statement));
        stub.set("function_name", Value::string(name));
        stub.set("qualifier", val::opt_str(qualifier));
        Ok(())
    }

    /// One GetPolicy per function and qualifier, shared by its permissions.
    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let key = |v: &Value| {
            (
                val::str_attr(v, "function_name")
                    .unwrap_or_default()
                    .to_string(),
                val::str_attr(v, "qualifier").map(str::to_string),
            )
        };
        let mut policies: BTreeMap<(String, Option<String>), Option<Vec<Json>>> = BTreeMap::new();
        for cur in current {
            policies.entry(key(cur)).or_default();
        }
        let got =
            futures::future::join_all(policies.keys().map(|(f, q)| statements(c, f, q.as_deref())))
                .await;
        for (slot, g) in policies.values_mut().zip(got) {
            *slot = g?;
        }
        Ok(current
            .iter()
            .map(|cur| {
                let sid = val::str_attr(cur, "statement_id").or(val::str_attr(cur, "id"))?;
                let stmts = policies.get(&key(cur))?.as_ref()?;
                let s = stmts
                    .iter()
                    .find(|s| s.get("Sid").and_then(Json::as_str) == Some(sid))?;
                Some(TABLE.read_value(&Statement(s.clone()), cur, &c.region))
            })
            .collect())
    }

    /// AddPermission, retried while another change to the same policy is under way
    /// (ResourceConflictException), as the Terraform provider does.
    async fn create(&self, c: &Clients, planned: &Value, t: Timeout) -> Result<String, Failed> {
        let sid = match val::str_attr(planned, "statement_id") {
            Some(s) => s.to_string(),
            None => {
                unique_name(val::str_attr(planned, "statement_id_prefix").unwrap_or("terraform-"))
            }
        };
        retry_while_code("permission", "ResourceConflictException", t, || async {
            TABLE
                .create_request(c.lambda.get().await.add_permission(), planned)
                .statement_id(&sid)
                .send()
                .await
                .map_err(err("AddPermission"))?;
            Ok(())
        })
        .await?;
        Ok(sid)
    }

    async fn delete(&self, c: &Clients, prior: &Value, t: Timeout) -> Result<(), AwsError> {
        let sid = val::str_attr(prior, "statement_id")
            .or(val::str_attr(prior, "id"))
            .unwrap_or_default();
        retry_while_code("permission", "ResourceConflictException", t, || async {
            let out = c
                .lambda
                .get()
                .await
                .remove_permission()
                .function_name(val::str_attr(prior, "function_name").unwrap_or_default())
                .statement_id(sid)
                .set_qualifier(val::str_attr(prior, "qualifier").map(str::to_string))
                .send()
                .await
                .map_err(err("RemovePermission"));
            match out {
                Err(e) if !e.is_not_found() => Err(e),
                _ => Ok(()),
            }
        })
        .await
    }
}
