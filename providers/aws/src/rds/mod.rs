//! RDS: `aws_db_subnet_group`, `aws_db_parameter_group`, `aws_db_option_group`,
//! `aws_db_instance` and the `aws_db_instance` data source. Shared here: RDS tags (written by ARN with
//! AddTagsToResource/RemoveTagsFromResource), name validation (RDS stores names
//! lowercased, so Terraform only accepts lowercase ones), and the "list everything once"
//! reads that the subnet and parameter group types use (their Describe calls accept no
//! filters, so one paginated call for all of them beats one call per object).

pub mod data_source;
pub mod instance;
mod instance_args;
mod instance_table;
pub mod option_group;
pub mod parameter_group;
pub mod role_association;
pub mod subnet_group;

use std::collections::BTreeMap;

use aws_sdk_rds::types::Tag;
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;

use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::tags_value;
use crate::resource::{invalid, known_set, AwsResource};
use crate::val::{self, Obj};

pub fn resources() -> Vec<Box<dyn AwsResource>> {
    vec![
        Box::new(subnet_group::SubnetGroup),
        Box::new(parameter_group::ParameterGroup),
        Box::new(instance::Instance),
        Box::new(option_group::OptionGroupRes),
        Box::new(role_association::RoleAssociation),
    ]
}

/// `Managed by Terraform`: the default description of subnet and parameter groups.
pub const MANAGED: &str = "Managed by Terraform";

/// The planned `tags_all` as an RDS tag list for a create call (`None` when empty).
pub fn planned_tags(planned: &Value) -> Option<Vec<Tag>> {
    let tags = val::string_map(planned, "tags_all");
    (!tags.is_empty()).then(|| tag_list(&tags))
}

/// Tags in RDS's form.
pub fn tag_list(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// Reads the tags of one RDS resource by ARN (subnet and parameter groups do not carry
/// their tags in Describe answers).
pub async fn list_tags(c: &Clients, arn: &str) -> Result<Value, AwsError> {
    let out = c
        .rds
        .get()
        .await
        .list_tags_for_resource()
        .resource_name(arn)
        .send()
        .await
        .map_err(err("ListTagsForResource"))?;
    Ok(tags_value(out.tag_list()))
}

/// Adds or overwrites tags on the RDS resource whose `arn` the object holds (every RDS
/// type tags the same way, by ARN).
pub async fn tag(
    c: &Clients,
    prior: &Value,
    tags: BTreeMap<String, String>,
) -> Result<(), AwsError> {
    c.rds
        .get()
        .await
        .add_tags_to_resource()
        .resource_name(val::str_attr(prior, "arn").unwrap_or_default())
        .set_tags(Some(tag_list(&tags)))
        .send()
        .await
        .map_err(err("AddTagsToResource"))?;
    Ok(())
}

/// Removes tag keys from the RDS resource whose `arn` the object holds.
pub async fn untag(c: &Clients, prior: &Value, keys: Vec<String>) -> Result<(), AwsError> {
    c.rds
        .get()
        .await
        .remove_tags_from_resource()
        .resource_name(val::str_attr(prior, "arn").unwrap_or_default())
        .set_tag_keys(Some(keys))
        .send()
        .await
        .map_err(err("RemoveTagsFromResource"))?;
    Ok(())
}

/// The rules of a lowercase RDS name (Terraform's validators for subnet group, parameter
/// group and DB instance names): allowed characters, whether the first character must be a
/// letter, and the longest length.
pub struct NameRule {
    pub what: &'static str,
    pub allowed: fn(char) -> bool,
    pub allowed_text: &'static str,
    pub letter_first: bool,
    pub no_double_hyphen: bool,
    pub max: usize,
    /// Names AWS keeps for itself (`default` for subnet groups).
    pub reserved: &'static [&'static str],
}

impl NameRule {
    /// Checks `attr` (a name) or, when `prefix` is true, the prefix of one (a prefix may
    /// end in a hyphen, and leaves room for the 26 generated characters).
    pub fn check(&self, v: &Value, attr: &str, prefix: bool, diags: &mut Diagnostics) {
        let Some(s) = val::str_attr(v, attr) else {
            return;
        };
        let max = if prefix {
            self.max.saturating_sub(26)
        } else {
            self.max
        };
        let why = if !prefix && self.reserved.contains(&s) {
            Some(format!("{s:?} is not allowed as {attr:?}"))
        } else if !s.chars().all(self.allowed) {
            Some(format!(
                "only {} allowed in {attr:?} (AWS stores {} names in lowercase)",
                self.allowed_text, self.what
            ))
        } else if self.letter_first && !s.starts_with(|c: char| c.is_ascii_lowercase()) {
            Some(format!("first character of {attr:?} must be a letter"))
        } else if self.no_double_hyphen && s.contains("--") {
            Some(format!("{attr:?} cannot contain two consecutive hyphens"))
        } else if self.no_double_hyphen && !prefix && s.ends_with('-') {
            Some(format!("{attr:?} cannot end with a hyphen"))
        } else if s.len() > max {
            Some(format!("{attr:?} cannot be longer than {max} characters"))
        } else {
            None
        };
        if let Some(why) = why {
            invalid(diags, attr, format!("{why}; got {s:?}."));
        }
    }

    /// Checks `name`/`name_prefix` style pairs: each valid, and not both set.
    pub fn check_pair(&self, v: &Value, name: &str, prefix: &str, diags: &mut Diagnostics) {
        self.check(v, name, false, diags);
        self.check(v, prefix, true, diags);
        if known_set(v, name) && known_set(v, prefix) {
            invalid(diags, name, format!("\"{name}\": conflicts with {prefix}."));
        }
    }
}

/// The name an object was created with or is known by, lowercased as AWS stores it (the
/// key batched reads match on).
pub fn name_key(v: &Value, attr: &str) -> Option<String> {
    val::str_attr(v, attr)
        .or_else(|| val::str_attr(v, "id"))
        .map(str::to_lowercase)
}

/// The object to read for an import by name (subnet and parameter groups).
pub fn import_by_name(id: &str, stub: &mut Obj) -> Result<(), String> {
    stub.set("id", Value::string(id))
        .set("name", Value::string(id));
    Ok(())
}

/// Keeps the configured spelling of a name when AWS reports the same name lowercased.
pub fn keep_spelling(cur: &Value, attr: &str, aws: &str) -> Value {
    match val::str_attr(cur, attr) {
        Some(c) if c.to_lowercase() == aws => Value::string(c),
        _ => Value::string(aws),
    }
}

/// Completes the objects a batched read found with `tags_all`, read by their `arn` (one
/// ListTagsForResource per object, concurrently: RDS has no batch tag read).
pub async fn with_tags(
    c: &Clients,
    found: Vec<Option<Value>>,
) -> Result<Vec<Option<Value>>, AwsError> {
    let jobs = found.into_iter().map(|v| async move {
        let Some(mut v) = v else { return Ok(None) };
        if let Some(arn) = val::str_attr(&v, "arn").map(str::to_string) {
            let tags = list_tags(c, &arn).await?;
            val::set_attr(&mut v, "tags_all", tags);
        }
        Ok(Some(v))
    });
    futures::future::join_all(jobs).await.into_iter().collect()
}

/// How every rds resource type changes its tags (see [`crate::resource::TagCalls`]).
pub static TAG_CALLS: crate::resource::TagCalls = crate::resource::TagCalls {
    tag: |c, prior, tags| Box::pin(tag(c, prior, tags)),
    untag: |c, prior, keys| Box::pin(untag(c, prior, keys)),
};

#[cfg(test)]
mod tests {
    use super::*;

    const RULE: NameRule = NameRule {
        what: "test",
        allowed: |c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-',
        allowed_text: "lowercase alphanumeric characters and hyphens",
        letter_first: true,
        no_double_hyphen: true,
        max: 30,
        reserved: &["default"],
    };

    fn errors(name: &str, prefix: bool) -> usize {
        let mut d = Diagnostics::new();
        let attr = if prefix { "p" } else { "n" };
        RULE.check(
            &Value::object([(attr, Value::string(name))]),
            attr,
            prefix,
            &mut d,
        );
        d.iter().count()
    }

    #[test]
    fn names() {
        assert_eq!(errors("app-db", false), 0);
        assert_eq!(errors("App-db", false), 1);
        assert_eq!(errors("1db", false), 1);
        assert_eq!(errors("a--b", false), 1);
        assert_eq!(errors("ab-", false), 1);
        assert_eq!(errors("ab-", true), 0);
        assert_eq!(errors("default", false), 1);
        assert_eq!(errors(&"a".repeat(31), false), 1);
        // A prefix leaves room for the 26 generated characters.
        assert_eq!(errors(&"a".repeat(5), true), 1);
        assert_eq!(errors(&"a".repeat(4), true), 0);
    }
}
