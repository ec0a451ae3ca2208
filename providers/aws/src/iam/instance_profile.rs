//! `aws_iam_instance_profile`: the container that hands an IAM role to EC2 instances. Its
//! name is its ID and import ID; the role changes in place (the old one removed, the new
//! one added: a profile holds at most one role).

use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_iam::operation::create_instance_profile::builders::CreateInstanceProfileFluentBuilder;
use aws_sdk_iam::primitives::{DateTime, DateTimeFormat};
use aws_sdk_iam::types::InstanceProfile;
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;

use super::tags_of;
use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::{
    invalid, known_set, name_or_prefix, name_prefix_from_name, tags_value, AwsResource, Failed,
    TagCalls, Tagging, Timeout,
};
use crate::schema::*;
use crate::table::{ResourceTable, Table};
use crate::val;

pub struct InstanceProfileRes;

type ProfileTable = Table<InstanceProfile, CreateInstanceProfileFluentBuilder>;

/// The role the profile holds (IAM allows one).
fn role_of(p: &InstanceProfile) -> Option<&str> {
    p.roles().first().map(aws_sdk_iam::types::Role::role_name)
}

static TABLE: LazyLock<ProfileTable> = LazyLock::new(|| {
    ProfileTable::new(|| {
        InstanceProfile::builder()
            .path("/")
            .instance_profile_name("")
            .instance_profile_id("")
            .arn("")
            .create_date(DateTime::from_secs(0))
            .set_roles(Some(Vec::new()))
            .build()
            .ok()
    })
    .tags_all(|p| tags_value(p.tags()))
    .attr("id", comp(STR))
    .read(|p, _| Value::string(p.instance_profile_name()))
    .attr("arn", comp(STR))
    .read(|p, _| Value::string(p.arn()))
    .attr("unique_id", comp(STR))
    .read(|p, _| Value::string(p.instance_profile_id()))
    .attr("create_date", comp(STR))
    .read(|p, _| {
        let date = p.create_date().fmt(DateTimeFormat::DateTime).ok();
        val::opt_str(date.as_deref())
    })
    // Created from `name` or `name_prefix` by hand (`name_or_prefix`).
    .attr("name", opt_comp(STR).force_new())
    .read(|p, _| Value::string(p.instance_profile_name()))
    .attr("name_prefix", opt_comp(STR).force_new())
    .attr("path", opt_default(STR, Value::string("/")).force_new())
    .read(|p, _| Value::string(p.path()))
    .create(|b, v| b.path(v.str().unwrap_or_else(|| "/".into())))
    // AddRoleToInstanceProfile after the create; RemoveRoleFromInstanceProfile then
    // AddRoleToInstanceProfile on a change.
    .attr("role", opt(STR))
    .read(|p, _| val::opt_str(role_of(p)))
    .updated_by_hand()
});

async fn add_role(c: &Clients, profile: &str, role: &str) -> Result<(), AwsError> {
    c.iam
        .get()
        .await
        .add_role_to_instance_profile()
        .instance_profile_name(profile)
        .role_name(role)
        .send()
        .await
        .map_err(err("AddRoleToInstanceProfile"))?;
    Ok(())
}

/// Removes the role; one already gone (removed or deleted outside terrane) is no error.
async fn remove_role(c: &Clients, profile: &str, role: &str) -> Result<(), AwsError> {
    let out = c
        .iam
        .get()
        .await
        .remove_role_from_instance_profile()
        .instance_profile_name(profile)
        .role_name(role)
        .send()
        .await
        .map_err(err("RemoveRoleFromInstanceProfile"));
    match out {
        Err(e) if !e.is_not_found() => Err(e),
        _ => Ok(()),
    }
}

static TAG_CALLS: TagCalls = super::iam_tag_calls!(
    tag_instance_profile,
    untag_instance_profile,
    instance_profile_name,
    "TagInstanceProfile",
    "UntagInstanceProfile"
);

#[async_trait]
impl AwsResource for InstanceProfileRes {
    fn type_name(&self) -> &'static str {
        "aws_iam_instance_profile"
    }

    fn regional(&self) -> bool {
        false
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*TABLE)
    }

    fn tagging(&self) -> Tagging {
        Tagging::Own
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        if known_set(config, "name") && known_set(config, "name_prefix") {
            invalid(diags, "name", "\"name\": conflicts with name_prefix".into());
        }
    }

    /// One GetInstanceProfile per profile, concurrently (IAM has no batch read by name;
    /// listing every profile of the account would cost more in a large one).
    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let iam = c.iam.get().await;
        let jobs = current.iter().map(|cur| {
            let iam = &iam;
            async move {
                let Some(name) = val::str_attr(cur, "id") else {
                    return Ok(None);
                };
                let out = match iam
                    .get_instance_profile()
                    .instance_profile_name(name)
                    .send()
                    .await
                {
                    Ok(o) => o,
                    Err(e) => {
                        let e = AwsError::sdk("GetInstanceProfile", e);
                        return if e.is_not_found() { Ok(None) } else { Err(e) };
                    }
                };
                let Some(p) = out.instance_profile() else {
                    return Ok(None);
                };
                let mut o = TABLE.read_object(p, cur, &c.region);
                // An imported profile shows the prefix its generated name came from.
                if o.get("name_prefix").is_none_or(Value::is_null) {
                    let prefix = name_prefix_from_name(p.instance_profile_name());
                    o.set("name_prefix", val::opt_str(prefix));
                }
                Ok(Some(o.done()))
            }
        });
        futures::future::join_all(jobs).await.into_iter().collect()
    }

    async fn create(&self, c: &Clients, planned: &Value, _t: Timeout) -> Result<String, Failed> {
        let name = name_or_prefix(planned);
        let iam = c.iam.get().await;
        TABLE
            .create_request(iam.create_instance_profile(), planned)
            .instance_profile_name(&name)
            .set_tags(tags_of(planned))
            .send()
            .await
            .map_err(err("CreateInstanceProfile"))?;
        drop(iam);
        if let Some(role) = val::str_attr(planned, "role") {
            add_role(c, &name, role)
                .await
                .map_err(|e| e.after_create(&name))?;
        }
        Ok(name)
    }

    async fn update(
        &self,
        c: &Clients,
        prior: &Value,
        planned: &Value,
        _t: Timeout,
    ) -> Result<Option<String>, AwsError> {
        let name = val::str_attr(prior, "id").unwrap_or_default();
        if TABLE.changed(prior, planned, "role") {
            if let Some(old) = val::str_attr(prior, "role") {
                remove_role(c, name, old).await?;
            }
            if let Some(new) = val::str_attr(planned, "role") {
                add_role(c, name, new).await?;
            }
        }
        Ok(None)
    }

    fn tag_calls(&self) -> Option<&'static TagCalls> {
        Some(&TAG_CALLS)
    }

    /// A profile that still holds a role cannot be deleted: the role is removed first.
    async fn delete(&self, c: &Clients, prior: &Value, _t: Timeout) -> Result<(), AwsError> {
        let name = val::str_attr(prior, "id").unwrap_or_default();
        let iam = c.iam.get().await;
        let held: Vec<String> = match iam
            .get_instance_profile()
            .instance_profile_name(name)
            .send()
            .await
        {
            Ok(o) => o
                .instance_profile()
                .map(|p| {
                    p.roles()
                        .iter()
                        .map(|r| r.role_name().to_string())
                        .collect()
                })
                .unwrap_or_default(),
            Err(e) => {
                let e = AwsError::sdk("GetInstanceProfile", e);
                return if e.is_not_found() { Ok(()) } else { Err(e) };
            }
        };
        drop(iam);
        for role in &held {
            remove_role(c, name, role).await?;
        }
        let out = c
            .iam
            .get()
            .await
            .delete_instance_profile()
            .instance_profile_name(name)
            .send()
            .await
            .map_err(err("DeleteInstanceProfile"));
        match out {
            Err(e) if !e.is_not_found() => Err(e),
            _ => Ok(()),
        }
    }
}
