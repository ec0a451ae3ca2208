//! The `transform` blocks of `aws_lb_listener_rule`: rewrites of the host header or the
//! URL that an application load balancer applies before the rule's actions, each a
//! regular expression and its replacement.

use aws_sdk_elasticloadbalancingv2::types::{
    HostHeaderRewriteConfig, RewriteConfig, RuleTransform, TransformTypeEnum, UrlRewriteConfig,
};
use terrane_engine::lang::Value;
use terrane_engine::provider::Nesting;

use crate::schema::*;
use crate::val;

/// The two kinds, by block name and transform type.
const KINDS: [(&str, &str); 2] = [
    ("host_header_rewrite_config", "host-header-rewrite"),
    ("url_rewrite_config", "url-rewrite"),
];

pub fn schema() -> S {
    let rewrite = || {
        S::new().block(
            "rewrite",
            Nesting::List,
            S::new().attr("regex", req(STR)).attr("replace", req(STR)),
        )
    };
    KINDS
        .iter()
        .fold(S::new().attr("type", req(STR)), |s, (name, _)| {
            s.block(name, Nesting::List, rewrite())
        })
}

pub const TYPES: [&str; 2] = [KINDS[0].1, KINDS[1].1];

fn rewrites(config: Option<&Value>) -> Option<Vec<RewriteConfig>> {
    Some(
        val::blocks(config?, "rewrite")
            .iter()
            .map(|r| {
                RewriteConfig::builder()
                    .set_regex(val::str_attr(r, "regex").map(str::to_string))
                    .set_replace(val::str_attr(r, "replace").map(str::to_string))
                    .build()
            })
            .collect(),
    )
}

/// The SDK transforms of the planned `transform` blocks (none when there are none).
pub fn to_sdk(planned: &Value) -> Option<Vec<RuleTransform>> {
    let blocks = val::blocks(planned, "transform");
    (!blocks.is_empty()).then(|| {
        blocks
            .iter()
            .map(|t| {
                let (host, url) = (KINDS[0].0, KINDS[1].0);
                RuleTransform::builder()
                    .set_type(val::str_attr(t, "type").map(TransformTypeEnum::from))
                    .set_host_header_rewrite_config(val::first_block(t, host).map(|c| {
                        HostHeaderRewriteConfig::builder()
                            .set_rewrites(rewrites(Some(c)))
                            .build()
                    }))
                    .set_url_rewrite_config(val::first_block(t, url).map(|c| {
                        UrlRewriteConfig::builder()
                            .set_rewrites(rewrites(Some(c)))
                            .build()
                    }))
                    .build()
            })
            .collect()
    })
}

fn rewrites_value(rs: &[RewriteConfig]) -> Value {
    Value::List(vec![Value::object([(
        "rewrite",
        Value::List(
            rs.iter()
                .map(|r| {
                    Value::object([
                        ("regex", val::opt_str(r.regex())),
                        ("replace", val::opt_str(r.replace())),
                    ])
                })
                .collect(),
        ),
    )])])
}

/// The `transform` blocks of what AWS holds.
pub fn from_sdk(ts: &[RuleTransform]) -> Value {
    Value::set(
        ts.iter()
            .map(|t| {
                let none = || Value::List(Vec::new());
                Value::object([
                    (
                        "type",
                        val::opt_str(t.r#type().map(TransformTypeEnum::as_str)),
                    ),
                    (
                        KINDS[0].0,
                        t.host_header_rewrite_config()
                            .map_or_else(none, |c| rewrites_value(c.rewrites())),
                    ),
                    (
                        KINDS[1].0,
                        t.url_rewrite_config()
                            .map_or_else(none, |c| rewrites_value(c.rewrites())),
                    ),
                ])
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transforms_round_trip() {
        let rewrite = |re: &str, to: &str| {
            Value::List(vec![Value::object([(
                "rewrite",
                Value::List(vec![Value::object([
                    ("regex", Value::string(re)),
                    ("replace", Value::string(to)),
                ])]),
            )])])
        };
        let planned = Value::object([(
            "transform",
            Value::set(vec![Value::object([
                ("type", Value::string("url-rewrite")),
                ("host_header_rewrite_config", Value::List(Vec::new())),
                ("url_rewrite_config", rewrite("^/api/(.*)$", "/$1")),
            ])]),
        )]);
        let sdk = to_sdk(&planned).unwrap();
        assert_eq!(sdk[0].r#type(), Some(&TransformTypeEnum::UrlRewrite));
        assert_eq!(from_sdk(&sdk), *planned.get_attr("transform").unwrap());
    }
}
