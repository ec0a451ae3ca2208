//! Listener actions: the `default_action` blocks of `aws_lb_listener` and the `action`
//! blocks of `aws_lb_listener_rule` have one shape (forward, redirect, fixed-response,
//! authentication, JWT validation), so their schema, planning, validation and SDK
//! conversions live here once.

use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, FixedResponseActionConfig, ForwardActionConfig, RedirectActionConfig,
    RedirectActionStatusCodeEnum, TargetGroupStickinessConfig, TargetGroupTuple,
};
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;
use terrane_engine::provider::{BlockSchema, Nesting};

use super::auth;
use crate::error::AwsError;
use crate::resource::{check_enum_at, check_range, invalid, known_set, plan_block};
use crate::schema::*;
use crate::val;

const TYPES: &[&str] = &[
    "forward",
    "redirect",
    "fixed-response",
    "authenticate-cognito",
    "authenticate-oidc",
    "jwt-validation",
];
const CONTENT_TYPES: &[&str] = &[
    "text/plain",
    "text/css",
    "text/html",
    "application/javascript",
    "application/json",
];
const REDIRECT_CODES: &[&str] = &["HTTP_301", "HTTP_302"];

/// The schema of one action block, with Terraform's defaults.
pub fn schema() -> S {
    let redirect = S::new()
        .attr("host", opt_default(STR, Value::string("#{host}")))
        .attr("path", opt_default(STR, Value::string("/#{path}")))
        .attr("port", opt_default(STR, Value::string("#{port}")))
        .attr("protocol", opt_default(STR, Value::string("#{protocol}")))
        .attr("query", opt_default(STR, Value::string("#{query}")))
        .attr("status_code", req(STR));
    let fixed = S::new()
        .attr("content_type", req(STR))
        .attr("message_body", opt(STR))
        .attr("status_code", opt_comp(STR));
    let forward = S::new()
        .block(
            "target_group",
            Nesting::Set,
            S::new()
                .attr("arn", req(STR))
                .attr("weight", opt_default(NUM, val::num(1))),
        )
        .block(
            "stickiness",
            Nesting::List,
            S::new()
                .attr("duration", req(NUM))
                .attr("enabled", opt_default(BOOL, Value::Bool(false))),
        );
    S::new()
        .attr("type", req(STR))
        .attr("order", opt_comp(NUM))
        .attr("target_group_arn", opt(STR))
        .block("redirect", Nesting::List, redirect)
        .block("fixed_response", Nesting::List, fixed)
        .block("forward", Nesting::List, forward)
        .block(
            "authenticate_cognito",
            Nesting::List,
            auth::cognito_schema(),
        )
        .block("authenticate_oidc", Nesting::List, auth::oidc_schema())
        .block("jwt_validation", Nesting::List, auth::jwt_schema())
}

/// Plans a list of action blocks: defaults inside the blocks, and `order` as the API
/// assigns it when unset (the position, from 1), so the plan shows what a read returns.
pub fn plan(schema: &BlockSchema, name: &str, prior: Option<&Value>, config: &Value) -> Value {
    let Some(nb) = schema.blocks.get(name) else {
        return Value::Null;
    };
    let cfg = config.get_attr(name).cloned().unwrap_or_default();
    let mut planned = plan_block(nb, prior.and_then(|p| p.get_attr(name)), &cfg);
    if let Value::List(items) = &mut planned {
        for (i, item) in items.iter_mut().enumerate() {
            let set = cfg
                .as_seq()
                .and_then(|s| s.get(i))
                .is_some_and(|c| known_set(c, "order"));
            if !set {
                val::set_attr(item, "order", val::num(i as f64 + 1.0));
            }
        }
    }
    planned
}

/// Checks each action block of `name` (`default_action` or `action`).
pub fn validate(config: &Value, name: &str, diags: &mut Diagnostics) {
    for a in config
        .get_attr(name)
        .and_then(Value::as_seq)
        .unwrap_or_default()
    {
        check_enum_at(a, "type", &format!("{name}.type"), TYPES, diags);
        check_range(a, "order", &format!("{name}.order"), 1..=50000, diags);
        let block = |k: &str| val::blocks(a, k);
        let needs = match val::str_attr(a, "type") {
            Some("forward")
                if a.get_attr("target_group_arn").is_none_or(Value::is_null)
                    && block("forward").is_empty() =>
            {
                Some("a target_group_arn or a forward block")
            }
            Some("redirect") if block("redirect").is_empty() => Some("a redirect block"),
            Some("fixed-response") if block("fixed_response").is_empty() => {
                Some("a fixed_response block")
            }
            Some("authenticate-cognito") if block("authenticate_cognito").is_empty() => {
                Some("an authenticate_cognito block")
            }
            Some("authenticate-oidc") if block("authenticate_oidc").is_empty() => {
                Some("an authenticate_oidc block")
            }
            Some("jwt-validation") if block("jwt_validation").is_empty() => {
                Some("a jwt_validation block")
            }
            _ => None,
        };
        if let Some(what) = needs {
            invalid(
                diags,
                &format!("{name}.type"),
                format!(
                    "an action of type {:?} needs {what}.",
                    val::str_attr(a, "type").unwrap_or_default()
                ),
            );
        }
        for r in block("redirect") {
            check_enum_at(
                r,
                "status_code",
                &format!("{name}.redirect.status_code"),
                REDIRECT_CODES,
                diags,
            );
            check_enum_at(
                r,
                "protocol",
                &format!("{name}.redirect.protocol"),
                &["#{protocol}", "HTTP", "HTTPS"],
                diags,
            );
        }
        for kind in ["authenticate_cognito", "authenticate_oidc"] {
            for x in block(kind) {
                check_enum_at(
                    x,
                    "on_unauthenticated_request",
                    &format!("{name}.{kind}.on_unauthenticated_request"),
                    auth::UNAUTHENTICATED,
                    diags,
                );
            }
        }
        for f in block("fixed_response") {
            check_enum_at(
                f,
                "content_type",
                &format!("{name}.fixed_response.content_type"),
                CONTENT_TYPES,
                diags,
            );
            if let Some(code) = val::str_attr(f, "status_code") {
                let b = code.as_bytes();
                if b.len() != 3
                    || !matches!(b[0], b'2' | b'4' | b'5')
                    || !code.chars().all(|c| c.is_ascii_digit())
                {
                    invalid(
                        diags,
                        &format!("{name}.fixed_response.status_code"),
                        format!("{code:?} is not a 2XX, 4XX or 5XX HTTP status code."),
                    );
                }
            }
        }
    }
}

fn s(v: &Value, k: &str) -> Option<String> {
    val::str_attr(v, k).map(str::to_string)
}

/// The SDK actions of a planned list of action blocks.
pub fn to_sdk(actions: &Value) -> Result<Vec<Action>, AwsError> {
    let mut out = Vec::new();
    for (i, a) in actions.as_seq().unwrap_or_default().iter().enumerate() {
        let ty = val::str_attr(a, "type")
            .ok_or_else(|| AwsError::Invalid("an action has no type".into()))?;
        let order = val::i32_attr(a, "order").unwrap_or(i32::try_from(i + 1).unwrap_or(1));
        let mut b = Action::builder()
            .r#type(ActionTypeEnum::from(ty))
            .order(order);
        match ty {
            "forward" => {
                b = b.set_target_group_arn(s(a, "target_group_arn"));
                if let Some(f) = val::first_block(a, "forward") {
                    let tgs = f
                        .get_attr("target_group")
                        .and_then(Value::as_seq)
                        .unwrap_or_default()
                        .iter()
                        .map(|t| {
                            TargetGroupTuple::builder()
                                .set_target_group_arn(s(t, "arn"))
                                .set_weight(val::i32_attr(t, "weight"))
                                .build()
                        })
                        .collect();
                    let sticky = val::first_block(f, "stickiness").map(|st| {
                        TargetGroupStickinessConfig::builder()
                            .set_enabled(val::bool_attr(st, "enabled"))
                            .set_duration_seconds(val::i32_attr(st, "duration"))
                            .build()
                    });
                    b = b.forward_config(
                        ForwardActionConfig::builder()
                            .set_target_groups(Some(tgs))
                            .set_target_group_stickiness_config(sticky)
                            .build(),
                    );
                }
            }
            "redirect" => {
                if let Some(r) = val::first_block(a, "redirect") {
                    b = b.redirect_config(
                        RedirectActionConfig::builder()
                            .set_host(s(r, "host"))
                            .set_path(s(r, "path"))
                            .set_port(s(r, "port"))
                            .set_protocol(s(r, "protocol"))
                            .set_query(s(r, "query"))
                            .set_status_code(
                                val::str_attr(r, "status_code")
                                    .map(RedirectActionStatusCodeEnum::from),
                            )
                            .build(),
                    );
                }
            }
            "fixed-response" => {
                if let Some(f) = val::first_block(a, "fixed_response") {
                    b = b.fixed_response_config(
                        FixedResponseActionConfig::builder()
                            .set_content_type(s(f, "content_type"))
                            .set_message_body(s(f, "message_body"))
                            .set_status_code(s(f, "status_code"))
                            .build(),
                    );
                }
            }
            "authenticate-cognito" => {
                if let Some(x) = val::first_block(a, "authenticate_cognito") {
                    b = b.authenticate_cognito_config(auth::cognito_to_sdk(x));
                }
            }
            "authenticate-oidc" => {
                if let Some(x) = val::first_block(a, "authenticate_oidc") {
                    b = b.authenticate_oidc_config(auth::oidc_to_sdk(x));
                }
            }
            "jwt-validation" => {
                if let Some(x) = val::first_block(a, "jwt_validation") {
                    b = b.jwt_validation_config(auth::jwt_to_sdk(x));
                }
            }
            other => {
                return Err(AwsError::Invalid(format!(
                    "action type {other:?} is not supported"
                )))
            }
        }
        out.push(b.build());
    }
    Ok(out)
}

fn opt_nonempty(s: Option<&str>) -> Value {
    val::opt_str(s.filter(|x| !x.is_empty()))
}

/// The action blocks of what AWS holds, in `order`. `prior` (the list as last known)
/// decides how a forward action is written: with a `forward` block where the
/// configuration used one, else with `target_group_arn`.
pub fn from_sdk(actions: &[Action], prior: Option<&Value>) -> Value {
    let mut sorted: Vec<&Action> = actions.iter().collect();
    sorted.sort_by_key(|a| a.order().unwrap_or(i32::MAX));
    let items = sorted
        .into_iter()
        .enumerate()
        .map(|(i, a)| {
            let p = prior.and_then(Value::as_seq).and_then(|s| s.get(i));
            let p_forward = p.and_then(|p| val::first_block(p, "forward"));
            let fwd = a.forward_config();
            let single_tg = match fwd.map(ForwardActionConfig::target_groups) {
                Some([only]) => only.target_group_arn(),
                _ => None,
            };
            let mut target_group_arn = opt_nonempty(a.target_group_arn().or(single_tg));
            // Weighted forwarding (several groups) can only be written as a block.
            let as_block = p_forward.is_some() || target_group_arn.is_null();
            let forward = match fwd {
                Some(f) if as_block => {
                    if !p.is_some_and(|p| known_set(p, "target_group_arn")) {
                        target_group_arn = Value::Null;
                    }
                    let tgs = f
                        .target_groups()
                        .iter()
                        .map(|t| {
                            Value::object([
                                ("arn", val::opt_str(t.target_group_arn())),
                                ("weight", val::num(t.weight().unwrap_or(1))),
                            ])
                        })
                        .collect();
                    let sticky = match f.target_group_stickiness_config() {
                        // Kept when configured, or when on (an import shows it).
                        Some(st)
                            if st.enabled() == Some(true)
                                || p_forward
                                    .and_then(|pf| val::first_block(pf, "stickiness"))
                                    .is_some() =>
                        {
                            vec![Value::object([
                                ("duration", val::num(st.duration_seconds().unwrap_or(0))),
                                ("enabled", Value::Bool(st.enabled().unwrap_or(false))),
                            ])]
                        }
                        _ => Vec::new(),
                    };
                    vec![Value::object([
                        ("target_group", Value::set(tgs)),
                        ("stickiness", Value::List(sticky)),
                    ])]
                }
                _ => Vec::new(),
            };
            let redirect = a
                .redirect_config()
                .map(|r| {
                    vec![Value::object([
                        ("host", Value::string(r.host().unwrap_or("#{host}"))),
                        ("path", Value::string(r.path().unwrap_or("/#{path}"))),
                        ("port", Value::string(r.port().unwrap_or("#{port}"))),
                        (
                            "protocol",
                            Value::string(r.protocol().unwrap_or("#{protocol}")),
                        ),
                        ("query", Value::string(r.query().unwrap_or("#{query}"))),
                        (
                            "status_code",
                            val::opt_str(r.status_code().map(RedirectActionStatusCodeEnum::as_str)),
                        ),
                    ])]
                })
                .unwrap_or_default();
            let fixed = a
                .fixed_response_config()
                .map(|f| {
                    vec![Value::object([
                        ("content_type", val::opt_str(f.content_type())),
                        ("message_body", opt_nonempty(f.message_body())),
                        ("status_code", val::opt_str(f.status_code())),
                    ])]
                })
                .unwrap_or_default();
            Value::object([
                ("type", val::opt_str(a.r#type().map(ActionTypeEnum::as_str))),
                (
                    "order",
                    val::num(a.order().unwrap_or(i32::try_from(i + 1).unwrap_or(1))),
                ),
                ("target_group_arn", target_group_arn),
                ("forward", Value::List(forward)),
                ("redirect", Value::List(redirect)),
                ("fixed_response", Value::List(fixed)),
                (
                    "authenticate_cognito",
                    Value::List(
                        a.authenticate_cognito_config()
                            .map(auth::cognito_from_sdk)
                            .into_iter()
                            .collect(),
                    ),
                ),
                (
                    "authenticate_oidc",
                    Value::List(
                        a.authenticate_oidc_config()
                            .map(|o| {
                                auth::oidc_from_sdk(
                                    o,
                                    p.and_then(|p| val::first_block(p, "authenticate_oidc")),
                                )
                            })
                            .into_iter()
                            .collect(),
                    ),
                ),
                (
                    "jwt_validation",
                    Value::List(
                        a.jwt_validation_config()
                            .map(auth::jwt_from_sdk)
                            .into_iter()
                            .collect(),
                    ),
                ),
            ])
        })
        .collect();
    Value::List(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forward(tgs: &[(&str, i32)], order: i32) -> Action {
        Action::builder()
            .r#type(ActionTypeEnum::Forward)
            .order(order)
            .forward_config(
                ForwardActionConfig::builder()
                    .set_target_groups(Some(
                        tgs.iter()
                            .map(|(a, w)| {
                                TargetGroupTuple::builder()
                                    .target_group_arn(*a)
                                    .weight(*w)
                                    .build()
                            })
                            .collect(),
                    ))
                    .build(),
            )
            .build()
    }

    #[test]
    fn forward_is_written_as_configured() {
        // One group and no prior block: the short form.
        let v = from_sdk(&[forward(&[("tg-a", 1)], 1)], None);
        let a = &v.as_seq().unwrap()[0];
        assert_eq!(val::str_attr(a, "target_group_arn"), Some("tg-a"));
        assert!(val::blocks(a, "forward").is_empty());
        // Several groups: only a block can say it.
        let v = from_sdk(&[forward(&[("tg-a", 80), ("tg-b", 20)], 1)], None);
        let a = &v.as_seq().unwrap()[0];
        assert!(a.get_attr("target_group_arn").unwrap().is_null());
        assert_eq!(
            val::blocks(val::first_block(a, "forward").unwrap(), "target_group").len(),
            2
        );
        // One group, but the configuration used a block: the block.
        let prior = Value::List(vec![Value::object([
            ("target_group_arn", Value::Null),
            (
                "forward",
                Value::List(vec![Value::object([("stickiness", Value::List(vec![]))])]),
            ),
        ])]);
        let v = from_sdk(&[forward(&[("tg-a", 1)], 1)], Some(&prior));
        let a = &v.as_seq().unwrap()[0];
        assert!(a.get_attr("target_group_arn").unwrap().is_null());
        assert_eq!(val::blocks(a, "forward").len(), 1);
    }

    #[test]
    fn actions_come_back_in_order() {
        let fixed = Action::builder()
            .r#type(ActionTypeEnum::FixedResponse)
            .order(2)
            .fixed_response_config(
                FixedResponseActionConfig::builder()
                    .content_type("text/plain")
                    .status_code("404")
                    .build(),
            )
            .build();
        let v = from_sdk(&[fixed, forward(&[("tg-a", 1)], 1)], None);
        let types: Vec<_> = v
            .as_seq()
            .unwrap()
            .iter()
            .map(|a| val::str_attr(a, "type").unwrap().to_string())
            .collect();
        assert_eq!(types, ["forward", "fixed-response"]);
        let back = to_sdk(&v).unwrap();
        assert_eq!(back[1].order(), Some(2));
        assert_eq!(
            back[1]
                .fixed_response_config()
                .and_then(|f| f.status_code()),
            Some("404")
        );
    }
}
