//! Cognito user pools: `aws_cognito_user_pool`, `aws_cognito_user_pool_client` and
//! `aws_cognito_user_pool_domain` (what an ALB's authenticate-cognito action needs).
//!
//! UpdateUserPool and UpdateUserPoolClient reset every setting the request leaves out, so
//! an update sends all configured settings, not only the changed ones.

use terrane_engine::lang::Value;

use crate::resource::AwsResource;
use crate::table::Arg;
use crate::table::{item_i32 as n, item_str as s};
use crate::val;
use crate::val::opt_num as num;

pub mod client;
pub mod domain;
pub mod pool;

pub fn resources() -> Vec<Box<dyn AwsResource>> {
    vec![
        Box::new(pool::PoolRes),
        Box::new(client::ClientRes),
        Box::new(domain::DomainRes),
    ]
}

/// Blocks that Terraform holds as optional and computed (AWS fills in defaults): one the
/// configuration leaves out keeps its prior value, and is unknown until created.
fn plan_computed_blocks(
    prior: Option<&Value>,
    config: &Value,
    planned: &mut Value,
    names: &[&str],
) {
    for name in names {
        if !val::blocks(config, name).is_empty() {
            continue;
        }
        let kept = prior
            .and_then(|p| p.get_attr(name))
            .filter(|v| !v.is_null())
            .cloned()
            .unwrap_or(Value::Unknown);
        val::set_attr(planned, name, kept);
    }
}

/// Whether the object is known by its ID only (an import).
fn importing(current: &Value) -> bool {
    val::str_attr(current, "name").is_none()
}

fn date(d: Option<&aws_sdk_cognitoidentityprovider::primitives::DateTime>) -> Value {
    use aws_sdk_cognitoidentityprovider::primitives::DateTimeFormat;
    val::opt_str(
        d.and_then(|d| d.fmt(DateTimeFormat::DateTime).ok())
            .as_deref(),
    )
}

/// Cognito's "not found" codes.
fn gone(e: &crate::error::AwsError) -> bool {
    e.is_not_found() || e.code() == Some("ResourceNotFoundException")
}

/// A string set AWS answers empty when unset: read as the configuration wrote it then
/// (null or empty), so an unset argument plans no change.
fn set_or_current<'a>(items: impl IntoIterator<Item = &'a str>, current: &Value, k: &str) -> Value {
    let items: Vec<&str> = items.into_iter().collect();
    if items.is_empty() {
        return current.get_attr(k).cloned().unwrap_or_default();
    }
    val::str_set(items)
}

/// The strings of a set as SDK enum values; `None` when unset or empty.
fn strings_as<T: for<'a> From<&'a str>>(v: Arg<'_>) -> Option<Vec<T>> {
    v.strings()
        .filter(|s| !s.is_empty())
        .map(|s| s.iter().map(|x| T::from(x.as_str())).collect())
}
