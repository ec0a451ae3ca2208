//! Where an object lives: the `region` argument of every regional resource and data
//! source (and the clients for each region), the partition of a region, and the ARNs
//! Terraform builds when AWS returns none.

use std::collections::BTreeMap;
use std::sync::Arc;

use terrane_engine::diag::Diagnostic;
use terrane_engine::lang::Value;

use crate::clients::{CallCounts, Clients};
use crate::val;

/// The partition of a region (`aws`, `aws-cn`, `aws-us-gov`).
pub fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// The base DNS domain of a region's partition.
pub fn dns_suffix(region: &str) -> &'static str {
    match partition(region) {
        "aws-cn" => "amazonaws.com.cn",
        _ => "amazonaws.com",
    }
}

/// The prefix of service names in a region's partition (`com.amazonaws.s3`).
pub fn reverse_dns_prefix(region: &str) -> &'static str {
    match partition(region) {
        "aws-cn" => "cn.com.amazonaws",
        _ => "com.amazonaws",
    }
}

/// An EC2 ARN as Terraform builds it: `arn:aws:ec2:REGION:ACCOUNT:vpc/vpc-123`.
pub fn ec2_arn(region: &str, owner: &str, resource: &str) -> String {
    format!("arn:{}:ec2:{region}:{owner}:{resource}", partition(region))
}

/// The provider's clients for every region its objects live in: the configured region's,
/// built by `configure`, and others built on first use from the same provider block (AWS
/// provider 6.x's `region` argument on every regional resource and data source).
pub struct Regions {
    pub default: Arc<Clients>,
    config: Value,
    counts: Arc<CallCounts>,
    others: tokio::sync::Mutex<BTreeMap<String, Arc<Clients>>>,
}

impl Regions {
    pub fn new(default: Clients, config: Value, counts: Arc<CallCounts>) -> Regions {
        Regions {
            default: Arc::new(default),
            config,
            counts,
            others: tokio::sync::Mutex::new(BTreeMap::new()),
        }
    }

    /// The clients for `region` (the provider's own when `None`).
    pub async fn get(&self, region: Option<&str>) -> Result<Arc<Clients>, Diagnostic> {
        let Some(region) = region.filter(|r| *r != self.default.region) else {
            return Ok(Arc::clone(&self.default));
        };
        let mut others = self.others.lock().await;
        if let Some(c) = others.get(region) {
            return Ok(Arc::clone(c));
        }
        let mut config = self.config.clone();
        if !matches!(config, Value::Object(_)) {
            config = Value::Object(BTreeMap::new());
        }
        val::set_attr(&mut config, "region", Value::string(region));
        let c = Arc::new(crate::config::build(&config, &self.counts).await?);
        others.insert(region.to_string(), Arc::clone(&c));
        Ok(c)
    }
}

/// The region an object names in its `region` attribute, `None` when unset (the
/// provider's).
pub fn of(v: &Value) -> Option<&str> {
    val::str_attr(v, REGION)
}

/// The attribute every regional resource and data source has.
pub const REGION: &str = "region";

/// Plans `region`: unset means the provider's region (written to state as such, as
/// provider 6.x does); a change of region replaces the object. A prior object without
/// one (state written before 6.0) is in the provider's region. Returns whether the
/// change requires replacement.
pub fn plan(prior: Option<&Value>, planned: &mut Value, default: &str) -> bool {
    let want = match planned.get_attr(REGION) {
        Some(Value::Unknown) => None,
        Some(v) if !v.is_null() => v.as_str().map(str::to_string),
        _ => {
            val::set_attr(planned, REGION, Value::string(default));
            Some(default.to_string())
        }
    };
    let Some(prior) = prior else { return false };
    let had = of(prior).unwrap_or(default);
    want.is_none_or(|w| w != had)
}

/// Splits an import ID of a regional type: `vpc-123@eu-west-1` is `vpc-123` in
/// eu-west-1 (the Terraform AWS provider's syntax).
pub fn split_import_id(id: &str) -> (&str, Option<&str>) {
    match id.rsplit_once('@') {
        Some((id, region)) if is_region_name(region) => (id, Some(region)),
        _ => (id, None),
    }
}

/// `us-east-1`, `ap-southeast-2`, `us-gov-west-1`: lowercase words and a number.
pub fn is_region_name(s: &str) -> bool {
    let mut parts = s.split('-');
    let first = parts.next().unwrap_or_default();
    let rest: Vec<&str> = parts.collect();
    first.len() == 2
        && first.bytes().all(|b| b.is_ascii_lowercase())
        && rest.len() >= 2
        && rest
            .last()
            .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()) && !n.is_empty())
        && rest[..rest.len() - 1]
            .iter()
            .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_ids_name_their_region_after_an_at() {
        assert_eq!(
            split_import_id("vpc-1@eu-west-1"),
            ("vpc-1", Some("eu-west-1"))
        );
        assert_eq!(
            split_import_id("sg-1_ingress_tcp_1_2_x@us-gov-west-1"),
            ("sg-1_ingress_tcp_1_2_x", Some("us-gov-west-1"))
        );
        assert_eq!(split_import_id("user@example"), ("user@example", None));
        assert_eq!(split_import_id("vpc-1"), ("vpc-1", None));
    }

    #[test]
    fn unset_region_is_the_providers_and_a_change_replaces() {
        let mut planned = Value::object([("region", Value::Null)]);
        assert!(!plan(None, &mut planned, "us-east-1"));
        assert_eq!(of(&planned), Some("us-east-1"));
        // State written before provider 6.0 has no region: no replacement.
        let old = Value::object([("region", Value::Null)]);
        assert!(!plan(Some(&old), &mut planned, "us-east-1"));
        let mut moved = Value::object([("region", Value::string("eu-west-1"))]);
        assert!(plan(Some(&old), &mut moved, "us-east-1"));
    }
}
