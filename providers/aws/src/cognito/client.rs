//! `aws_cognito_user_pool_client`: an app client of a user pool. The pool and
//! `generate_secret` replace; everything else changes in place with one
//! UpdateUserPoolClient carrying every setting. Import ID `USER_POOL_ID/CLIENT_ID`.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_cognitoidentityprovider::operation::create_user_pool_client::builders::CreateUserPoolClientFluentBuilder as Create;
use aws_sdk_cognitoidentityprovider::operation::update_user_pool_client::builders::UpdateUserPoolClientFluentBuilder as Update;
use aws_sdk_cognitoidentityprovider::types::{
    TimeUnitsType, TokenValidityUnitsType, UserPoolClientType,
};
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;
use terrane_engine::provider::Nesting;

use super::{gone, num, s, set_or_current, strings_as};
use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::{plan_all_blocks, refuse_blocks, AwsResource, Failed, PlanExtra, Timeout};
use crate::schema::*;
use crate::table::{Arg, ReadCtx, ResourceTable, Table};
use crate::val::{self, Obj};

pub struct ClientRes;

type ClientTable = Table<UserPoolClientType, Create, Update>;

fn list(v: Arg) -> Option<Vec<String>> {
    v.strings().filter(|s| !s.is_empty())
}

const UNITS: [&str; 3] = ["access_token", "id_token", "refresh_token"];

fn units(v: Arg) -> Option<TokenValidityUnitsType> {
    let u = v.first()?;
    let unit = |k| s(u, k).map(|x| TimeUnitsType::from(x.as_str()));
    Some(
        TokenValidityUnitsType::builder()
            .set_access_token(unit(UNITS[0]))
            .set_id_token(unit(UNITS[1]))
            .set_refresh_token(unit(UNITS[2]))
            .build(),
    )
}

fn units_value(c: &UserPoolClientType, _: &ReadCtx) -> Value {
    let Some(u) = c.token_validity_units() else {
        return Value::List(Vec::new());
    };
    let name = |t: Option<&TimeUnitsType>| val::opt_str(t.map(TimeUnitsType::as_str));
    Value::List(vec![Value::object([
        (UNITS[0], name(u.access_token())),
        (UNITS[1], name(u.id_token())),
        (UNITS[2], name(u.refresh_token())),
    ])])
}

/// Blocks declared for modules' sake but not sent yet: refused when set.
const REFUSED: &[&str] = &["analytics_configuration", "refresh_token_rotation"];

static TABLE: LazyLock<ClientTable> = LazyLock::new(|| {
    let t = ClientTable::new(|| Some(UserPoolClientType::builder().build()))
        .attr("id", comp(STR))
        .read(|c, _| val::str_or_empty(c.client_id()))
        .attr("client_secret", comp(STR).sensitive())
        .read(|c, _| val::str_or_empty(c.client_secret()))
        .attr("user_pool_id", req(STR).force_new())
        .read(|c, _| val::str_or_empty(c.user_pool_id()))
        .create(|b, v| b.set_user_pool_id(v.str()))
        .attr("generate_secret", opt(BOOL).force_new())
        .create(|b, v| b.set_generate_secret(v.bool()))
        .attr("name", req(STR))
        .read(|c, _| val::str_or_empty(c.client_name()))
        .create(|b, v| b.set_client_name(v.str()))
        .update(|b, v| b.set_client_name(v.str()))
        .attr("access_token_validity", opt_comp(NUM))
        .read(|c, _| num(c.access_token_validity()))
        .create(|b, v| b.set_access_token_validity(v.i32()))
        .update(|b, v| b.set_access_token_validity(v.i32()))
        .attr("id_token_validity", opt_comp(NUM))
        .read(|c, _| num(c.id_token_validity()))
        .create(|b, v| b.set_id_token_validity(v.i32()))
        .update(|b, v| b.set_id_token_validity(v.i32()))
        .attr("refresh_token_validity", opt_default(NUM, val::num(30)))
        .read(|c, _| val::num(c.refresh_token_validity()))
        .create(|b, v| b.set_refresh_token_validity(v.i32()))
        .update(|b, v| b.set_refresh_token_validity(v.i32()))
        .attr("auth_session_validity", opt_default(NUM, val::num(3)))
        .read(|c, _| num(c.auth_session_validity().or(Some(3))))
        .create(|b, v| b.set_auth_session_validity(v.i32()))
        .update(|b, v| b.set_auth_session_validity(v.i32()))
        .attr("allowed_oauth_flows", opt(set_of(STR)))
        .read(|c, cx| {
            let f = c.allowed_o_auth_flows().iter().map(|x| x.as_str());
            set_or_current(f, cx.current, "allowed_oauth_flows")
        })
        .create(|b, v| b.set_allowed_o_auth_flows(strings_as(v)))
        .update(|b, v| b.set_allowed_o_auth_flows(strings_as(v)))
        .attr("allowed_oauth_flows_user_pool_client", opt_comp(BOOL))
        .read(|c, _| Value::Bool(c.allowed_o_auth_flows_user_pool_client().unwrap_or(false)))
        .create(|b, v| b.set_allowed_o_auth_flows_user_pool_client(v.bool()))
        .update(|b, v| b.set_allowed_o_auth_flows_user_pool_client(v.bool()))
        .attr("allowed_oauth_scopes", opt(set_of(STR)))
        .read(|c, cx| {
            let f = c.allowed_o_auth_scopes().iter().map(String::as_str);
            set_or_current(f, cx.current, "allowed_oauth_scopes")
        })
        .create(|b, v| b.set_allowed_o_auth_scopes(list(v)))
        .update(|b, v| b.set_allowed_o_auth_scopes(list(v)))
        .attr("callback_urls", opt(set_of(STR)))
        .read(|c, cx| {
            let f = c.callback_urls().iter().map(String::as_str);
            set_or_current(f, cx.current, "callback_urls")
        })
        .create(|b, v| b.set_callback_urls(list(v)))
        .update(|b, v| b.set_callback_urls(list(v)))
        .attr("logout_urls", opt(set_of(STR)))
        .read(|c, cx| {
            let f = c.logout_urls().iter().map(String::as_str);
            set_or_current(f, cx.current, "logout_urls")
        })
        .create(|b, v| b.set_logout_urls(list(v)))
        .update(|b, v| b.set_logout_urls(list(v)))
        .attr("explicit_auth_flows", opt(set_of(STR)))
        .read(|c, cx| {
            let f = c.explicit_auth_flows().iter().map(|x| x.as_str());
            set_or_current(f, cx.current, "explicit_auth_flows")
        })
        .create(|b, v| b.set_explicit_auth_flows(strings_as(v)))
        .update(|b, v| b.set_explicit_auth_flows(strings_as(v)))
        .attr("read_attributes", opt(set_of(STR)))
        .read(|c, cx| {
            let f = c.read_attributes().iter().map(String::as_str);
            set_or_current(f, cx.current, "read_attributes")
        })
        .create(|b, v| b.set_read_attributes(list(v)))
        .update(|b, v| b.set_read_attributes(list(v)))
        .attr("write_attributes", opt(set_of(STR)))
        .read(|c, cx| {
            let f = c.write_attributes().iter().map(String::as_str);
            set_or_current(f, cx.current, "write_attributes")
        })
        .create(|b, v| b.set_write_attributes(list(v)))
        .update(|b, v| b.set_write_attributes(list(v)))
        .attr("supported_identity_providers", opt_comp(list_of(STR)))
        .read(|c, _| val::str_list(c.supported_identity_providers()))
        .create(|b, v| b.set_supported_identity_providers(list(v)))
        .update(|b, v| b.set_supported_identity_providers(list(v)))
        .attr("default_redirect_uri", opt(STR))
        .read(|c, _| val::opt_str(c.default_redirect_uri()))
        .create(|b, v| b.set_default_redirect_uri(v.str()))
        .update(|b, v| b.set_default_redirect_uri(v.str()))
        .attr("enable_token_revocation", opt_comp(BOOL))
        .read(|c, _| Value::Bool(c.enable_token_revocation().unwrap_or(true)))
        .create(|b, v| b.set_enable_token_revocation(v.bool()))
        .update(|b, v| b.set_enable_token_revocation(v.bool()))
        .attr(
            "enable_propagate_additional_user_context_data",
            opt_comp(BOOL),
        )
        .read(|c, _| {
            Value::Bool(
                c.enable_propagate_additional_user_context_data()
                    .unwrap_or(false),
            )
        })
        .create(|b, v| b.set_enable_propagate_additional_user_context_data(v.bool()))
        .update(|b, v| b.set_enable_propagate_additional_user_context_data(v.bool()))
        .attr("prevent_user_existence_errors", opt_comp(STR))
        .read(|c, _| val::opt_str(c.prevent_user_existence_errors().map(|x| x.as_str())))
        .create(|b, v| b.set_prevent_user_existence_errors(v.str().map(|x| x.as_str().into())))
        .update(|b, v| b.set_prevent_user_existence_errors(v.str().map(|x| x.as_str().into())))
        .block(
            "token_validity_units",
            Nesting::List,
            UNITS.iter().fold(S::new(), |s, k| s.attr(k, opt_comp(STR))),
        )
        .max_items(1)
        .read(units_value)
        .create(|b, v| b.set_token_validity_units(units(v)))
        .update(|b, v| b.set_token_validity_units(units(v)));
    REFUSED.iter().fold(t, |t, name| {
        t.block(name, Nesting::List, S::new()).updated_by_hand()
    })
});

#[async_trait]
impl AwsResource for ClientRes {
    fn type_name(&self) -> &'static str {
        "aws_cognito_user_pool_client"
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*TABLE)
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        refuse_blocks(
            config,
            self.type_name(),
            "client",
            REFUSED.iter().copied(),
            None,
            diags,
        );
    }

    fn plan(&self, prior: Option<&Value>, config: &Value, planned: &mut Value) -> PlanExtra {
        plan_all_blocks(&TABLE.schema(), prior, config, planned);
        super::plan_computed_blocks(prior, config, planned, &["token_validity_units"]);
        PlanExtra::default()
    }

    /// One DescribeUserPoolClient per client, concurrently.
    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let idp = c.cognito_idp.get().await;
        let jobs = current.iter().map(|cur| {
            let idp = &idp;
            async move {
                let (Some(pool), Some(id)) =
                    (val::str_attr(cur, "user_pool_id"), val::str_attr(cur, "id"))
                else {
                    return Ok(None);
                };
                let out = match idp
                    .describe_user_pool_client()
                    .user_pool_id(pool)
                    .client_id(id)
                    .send()
                    .await
                {
                    Ok(o) => o,
                    Err(e) => {
                        let e = AwsError::sdk("DescribeUserPoolClient", e);
                        return if gone(&e) { Ok(None) } else { Err(e) };
                    }
                };
                let Some(client) = out.user_pool_client() else {
                    return Ok(None);
                };
                let mut o = TABLE.read_object(client, cur, &c.region);
                // AWS does not say whether a secret was asked for; it has one if so.
                o.default(
                    "generate_secret",
                    Value::Bool(client.client_secret().is_some()),
                );
                Ok(Some(o.done()))
            }
        });
        futures::future::join_all(jobs).await.into_iter().collect()
    }

    async fn create(&self, c: &Clients, planned: &Value, _t: Timeout) -> Result<String, Failed> {
        let out = TABLE
            .create_request(c.cognito_idp.get().await.create_user_pool_client(), planned)
            .send()
            .await
            .map_err(err("CreateUserPoolClient"))?;
        out.user_pool_client()
            .and_then(|c| c.client_id())
            .map(str::to_string)
            .ok_or_else(|| AwsError::Invalid("CreateUserPoolClient returned no ID".into()).into())
    }

    /// Every configured setting again: UpdateUserPoolClient resets what it is not sent.
    async fn update(
        &self,
        c: &Clients,
        prior: &Value,
        planned: &Value,
        _t: Timeout,
    ) -> Result<Option<String>, AwsError> {
        let idp = c.cognito_idp.get().await;
        let pool = val::str_attr(prior, "user_pool_id").unwrap_or_default();
        let id = val::str_attr(prior, "id").unwrap_or_default();
        let nothing = Value::Object(BTreeMap::new());
        let start = || {
            idp.update_user_pool_client()
                .user_pool_id(pool)
                .client_id(id)
        };
        let req = TABLE
            .update_requests(&nothing, planned, start)
            .pop()
            .unwrap_or_else(start);
        req.send().await.map_err(err("UpdateUserPoolClient"))?;
        Ok(None)
    }

    async fn delete(&self, c: &Clients, prior: &Value, _t: Timeout) -> Result<(), AwsError> {
        let out = c
            .cognito_idp
            .get()
            .await
            .delete_user_pool_client()
            .user_pool_id(val::str_attr(prior, "user_pool_id").unwrap_or_default())
            .client_id(val::str_attr(prior, "id").unwrap_or_default())
            .send()
            .await
            .map_err(err("DeleteUserPoolClient"));
        match out {
            Err(e) if !gone(&e) => Err(e),
            _ => Ok(()),
        }
    }

    fn import_stub(&self, id: &str, stub: &mut Obj) -> Result<(), String> {
        let Some((pool, client)) = id
            .split_once('/')
            .filter(|(p, c)| !p.is_empty() && !c.is_empty())
        else {
            return Err(format!(
                "unexpected format of ID ({id:?}), expected USER_POOL_ID/CLIENT_ID"
            ));
        };
        stub.set("id", Value::string(client))
            .set("user_pool_id", Value::string(pool));
        Ok(())
    }
}
