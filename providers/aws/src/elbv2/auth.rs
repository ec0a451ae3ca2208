//! The `authenticate_cognito` and `authenticate_oidc` blocks of listener actions: an
//! application load balancer signs users in before the next action. Both share the
//! session settings, which AWS fills in when they are unset; AWS never returns the OIDC
//! client secret, so the known one is kept. `jwt_validation` checks a bearer token
//! instead (its issuer, its signing keys' endpoint and any further claims).

use std::collections::HashMap;

use aws_sdk_elasticloadbalancingv2::types::{
    AuthenticateCognitoActionConditionalBehaviorEnum, AuthenticateCognitoActionConfig,
    AuthenticateOidcActionConditionalBehaviorEnum, AuthenticateOidcActionConfig,
    JwtValidationActionAdditionalClaim, JwtValidationActionAdditionalClaimFormatEnum,
    JwtValidationActionConfig,
};
use terrane_engine::lang::Value;
use terrane_engine::provider::Nesting;

use crate::schema::*;
use crate::val;

/// Behaviours for users who are not signed in.
pub const UNAUTHENTICATED: &[&str] = &["deny", "allow", "authenticate"];

/// The session settings both kinds share, with AWS's values when unset.
fn session() -> S {
    S::new()
        .attr("authentication_request_extra_params", opt(map_of(STR)))
        .attr("on_unauthenticated_request", opt_comp(STR))
        .attr("scope", opt_comp(STR))
        .attr("session_cookie_name", opt_comp(STR))
        .attr("session_timeout", opt_comp(NUM))
}

pub fn cognito_schema() -> S {
    session()
        .attr("user_pool_arn", req(STR))
        .attr("user_pool_client_id", req(STR))
        .attr("user_pool_domain", req(STR))
}

pub fn oidc_schema() -> S {
    session()
        .attr("authorization_endpoint", req(STR))
        .attr("client_id", req(STR))
        .attr("client_secret", req(STR).sensitive())
        .attr("issuer", req(STR))
        .attr("token_endpoint", req(STR))
        .attr("user_info_endpoint", req(STR))
}

fn s(v: &Value, k: &str) -> Option<String> {
    val::str_attr(v, k).map(str::to_string)
}

fn extra(v: &Value) -> Option<HashMap<String, String>> {
    let m = val::string_map(v, "authentication_request_extra_params");
    (!m.is_empty()).then(|| m.into_iter().collect())
}

/// Sets the shared session fields on either kind's config builder.
macro_rules! with_session {
    ($builder:expr, $v:expr, $behaviour:ty) => {
        $builder
            .set_authentication_request_extra_params(extra($v))
            .set_on_unauthenticated_request(
                val::str_attr($v, "on_unauthenticated_request").map(<$behaviour>::from),
            )
            .set_scope(s($v, "scope"))
            .set_session_cookie_name(s($v, "session_cookie_name"))
            .set_session_timeout(val::num_attr($v, "session_timeout"))
    };
}

pub fn cognito_to_sdk(v: &Value) -> AuthenticateCognitoActionConfig {
    with_session!(
        AuthenticateCognitoActionConfig::builder(),
        v,
        AuthenticateCognitoActionConditionalBehaviorEnum
    )
    .set_user_pool_arn(s(v, "user_pool_arn"))
    .set_user_pool_client_id(s(v, "user_pool_client_id"))
    .set_user_pool_domain(s(v, "user_pool_domain"))
    .build()
}

pub fn oidc_to_sdk(v: &Value) -> AuthenticateOidcActionConfig {
    with_session!(
        AuthenticateOidcActionConfig::builder(),
        v,
        AuthenticateOidcActionConditionalBehaviorEnum
    )
    .set_authorization_endpoint(s(v, "authorization_endpoint"))
    .set_client_id(s(v, "client_id"))
    .set_client_secret(s(v, "client_secret"))
    .set_issuer(s(v, "issuer"))
    .set_token_endpoint(s(v, "token_endpoint"))
    .set_user_info_endpoint(s(v, "user_info_endpoint"))
    .build()
}

/// The shared session attributes as AWS reports them, with AWS's defaults for what it
/// leaves out (as an emulator does).
fn session_values(
    extra: Option<&HashMap<String, String>>,
    on_unauthenticated: Option<&str>,
    scope: Option<&str>,
    cookie: Option<&str>,
    timeout: Option<i64>,
) -> Vec<(&'static str, Value)> {
    let extra = extra.filter(|m| !m.is_empty()).map_or(Value::Null, |m| {
        val::str_map(&m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
    });
    vec![
        ("authentication_request_extra_params", extra),
        (
            "on_unauthenticated_request",
            Value::string(on_unauthenticated.unwrap_or("authenticate")),
        ),
        ("scope", Value::string(scope.unwrap_or("openid"))),
        (
            "session_cookie_name",
            Value::string(cookie.unwrap_or("AWSELBAuthSessionCookie")),
        ),
        (
            "session_timeout",
            val::num(timeout.unwrap_or(604_800) as f64),
        ),
    ]
}

pub fn cognito_from_sdk(c: &AuthenticateCognitoActionConfig) -> Value {
    let mut v = session_values(
        c.authentication_request_extra_params(),
        c.on_unauthenticated_request().map(|b| b.as_str()),
        c.scope(),
        c.session_cookie_name(),
        c.session_timeout(),
    );
    v.extend([
        ("user_pool_arn", val::opt_str(c.user_pool_arn())),
        ("user_pool_client_id", val::opt_str(c.user_pool_client_id())),
        ("user_pool_domain", val::opt_str(c.user_pool_domain())),
    ]);
    Value::object(v)
}

/// `prior` is the block as last known: its client secret stands in for the one AWS
/// does not return.
pub fn oidc_from_sdk(c: &AuthenticateOidcActionConfig, prior: Option<&Value>) -> Value {
    let secret = c.client_secret().map_or_else(
        || {
            prior
                .and_then(|p| p.get_attr("client_secret"))
                .map(|x| x.unmark_deep().0)
                .unwrap_or_default()
        },
        Value::string,
    );
    let mut v = session_values(
        c.authentication_request_extra_params(),
        c.on_unauthenticated_request().map(|b| b.as_str()),
        c.scope(),
        c.session_cookie_name(),
        c.session_timeout(),
    );
    v.extend([
        (
            "authorization_endpoint",
            val::opt_str(c.authorization_endpoint()),
        ),
        ("client_id", val::opt_str(c.client_id())),
        ("client_secret", secret),
        ("issuer", val::opt_str(c.issuer())),
        ("token_endpoint", val::opt_str(c.token_endpoint())),
        ("user_info_endpoint", val::opt_str(c.user_info_endpoint())),
    ]);
    Value::object(v)
}

pub fn jwt_schema() -> S {
    S::new()
        .attr("issuer", req(STR))
        .attr("jwks_endpoint", req(STR))
        .block(
            "additional_claim",
            Nesting::Set,
            S::new()
                .attr("format", req(STR))
                .attr("name", req(STR))
                .attr("values", req(set_of(STR))),
        )
}

pub fn jwt_to_sdk(v: &Value) -> JwtValidationActionConfig {
    JwtValidationActionConfig::builder()
        .set_issuer(s(v, "issuer"))
        .set_jwks_endpoint(s(v, "jwks_endpoint"))
        .set_additional_claims(Some(
            val::blocks(v, "additional_claim")
                .iter()
                .map(|c| {
                    JwtValidationActionAdditionalClaim::builder()
                        .set_format(
                            val::str_attr(c, "format")
                                .map(JwtValidationActionAdditionalClaimFormatEnum::from),
                        )
                        .set_name(s(c, "name"))
                        .set_values(Some(val::strings(c, "values")))
                        .build()
                })
                .collect(),
        ))
        .build()
}

pub fn jwt_from_sdk(c: &JwtValidationActionConfig) -> Value {
    Value::object([
        ("issuer", val::opt_str(c.issuer())),
        ("jwks_endpoint", val::opt_str(c.jwks_endpoint())),
        (
            "additional_claim",
            Value::set(
                c.additional_claims()
                    .iter()
                    .map(|a| {
                        Value::object([
                            ("format", val::opt_str(a.format().map(|f| f.as_str()))),
                            ("name", val::opt_str(a.name())),
                            ("values", val::str_set(a.values())),
                        ])
                    })
                    .collect(),
            ),
        ),
    ])
}
