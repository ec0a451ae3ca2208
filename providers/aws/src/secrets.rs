//! Secrets Manager: `aws_secretsmanager_secret` (the secret's metadata; ID and import ID
//! the ARN) and `aws_secretsmanager_secret_version` (one version's value; ID and import
//! ID `SECRET_ARN|VERSION_ID`). `secret_string` is sensitive; `secret_string_wo` (with
//! `secret_string_wo_version`) sets the value without it ever reaching state.

use std::collections::BTreeMap;
use std::collections::BTreeSet;
use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_secretsmanager::operation::create_secret::builders::CreateSecretFluentBuilder;
use aws_sdk_secretsmanager::operation::describe_secret::DescribeSecretOutput;
use aws_sdk_secretsmanager::operation::get_secret_value::GetSecretValueOutput;
use aws_sdk_secretsmanager::operation::put_secret_value::builders::PutSecretValueFluentBuilder;
use aws_sdk_secretsmanager::operation::update_secret::builders::UpdateSecretFluentBuilder;
use aws_sdk_secretsmanager::types::Tag;
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;
use terrane_engine::provider::BlockSchema;

use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::{name_or_prefix, tag_calls, AwsResource, Failed, TagCalls, Tagging, Timeout};
use crate::schema::*;
use crate::table::{ResourceTable, Table};
use crate::val::{self, Obj};

pub fn resources() -> Vec<Box<dyn AwsResource>> {
    vec![Box::new(Secret), Box::new(SecretVersion)]
}

pub struct Secret;

type SecretTable =
    Table<DescribeSecretOutput, CreateSecretFluentBuilder, UpdateSecretFluentBuilder>;

static SECRET: LazyLock<SecretTable> = LazyLock::new(|| {
    SecretTable::new(|| Some(DescribeSecretOutput::builder().build()))
        .tags_all(|s| {
            let tags = s
                .tags()
                .iter()
                .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
                .collect();
            val::str_map(&tags)
        })
        .attr("id", comp(STR))
        .read(|s, _| val::opt_str(s.arn()))
        .attr("arn", comp(STR))
        .read(|s, _| val::opt_str(s.arn()))
        // Created from `name` or `name_prefix` by hand (`name_or_prefix`).
        .attr("name", opt_comp(STR).force_new())
        .read(|s, _| val::opt_str(s.name()))
        .attr("name_prefix", opt(STR).force_new())
        .attr("description", opt(STR))
        .read(|s, _| val::opt_str(s.description()))
        .create(|b, v| b.set_description(v.str()))
        // UpdateSecret clears a description it is not given.
        .update(|b, v| b.description(v.str().unwrap_or_default()))
        .attr("kms_key_id", opt(STR))
        .read(|s, _| val::opt_str(s.kms_key_id()))
        .create(|b, v| b.set_kms_key_id(v.str()))
        .update(|b, v| b.set_kms_key_id(v.str()))
        // How the secret is deleted; used by destroy only.
        .attr("recovery_window_in_days", opt_default(NUM, val::num(30)))
        .updated_by_hand()
        .attr(
            "force_overwrite_replica_secret",
            opt_default(BOOL, Value::Bool(false)),
        )
        .updated_by_hand()
});

static SECRET_TAGS: TagCalls = tag_calls!(secrets, "id",
    tag "TagResource": |sm, id, tags| sm
        .tag_resource()
        .secret_id(id)
        .set_tags(Some(tag_list(&tags))),
    untag "UntagResource": |sm, id, keys| sm
        .untag_resource()
        .secret_id(id)
        .set_tag_keys(Some(keys)),
);

fn not_found(e: &AwsError) -> bool {
    // A secret scheduled for deletion answers InvalidRequestException to value reads.
    e.is_not_found()
        || (e.code() == Some("InvalidRequestException") && e.to_string().contains("deletion"))
}

#[async_trait]
impl AwsResource for Secret {
    fn type_name(&self) -> &'static str {
        "aws_secretsmanager_secret"
    }

    /// Found again by its name after a crash: DescribeSecret takes a name as well as an
    /// ARN, and a secret scheduled for deletion reads as absent.
    fn identity(&self, planned: &Value) -> Option<terrane_engine::provider::Identity> {
        crate::resource::identity_of(planned, &["name"], &[])
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*SECRET)
    }

    fn tag_calls(&self) -> Option<&'static TagCalls> {
        Some(&SECRET_TAGS)
    }

    fn tagging(&self) -> Tagging {
        Tagging::Own
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        if let Some(n) = val::num_attr(config, "recovery_window_in_days") {
            if n != 0 && !(7..=30).contains(&n) {
                crate::resource::invalid(
                    diags,
                    "recovery_window_in_days",
                    format!("expected recovery_window_in_days to be 0 or in the range (7 - 30), got {n}"),
                );
            }
        }
    }

    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let sm = c.secrets.get().await;
        let jobs = current.iter().map(|cur| {
            let sm = &sm;
            async move {
                let Some(id) = val::str_attr(cur, "id") else {
                    return Ok(None);
                };
                let s = match sm.describe_secret().secret_id(id).send().await {
                    Ok(s) => s,
                    Err(e) => {
                        let e = AwsError::sdk("DescribeSecret", e);
                        return if e.is_not_found() { Ok(None) } else { Err(e) };
                    }
                };
                if s.deleted_date().is_some() {
                    return Ok(None);
                }
                Ok(Some(SECRET.read_value(&s, cur, &c.region)))
            }
        });
        futures::future::join_all(jobs).await.into_iter().collect()
    }

    async fn create(&self, c: &Clients, planned: &Value, _t: Timeout) -> Result<String, Failed> {
        let tags = val::string_map(planned, "tags_all");
        let out = SECRET
            .create_request(c.secrets.get().await.create_secret(), planned)
            .name(name_or_prefix(planned))
            .set_tags((!tags.is_empty()).then(|| tag_list(&tags)))
            .send()
            .await
            .map_err(err("CreateSecret"))?;
        Ok(out
            .arn()
            .ok_or_else(|| AwsError::Invalid("CreateSecret returned no ARN".into()))?
            .to_string())
    }

    async fn update(
        &self,
        c: &Clients,
        prior: &Value,
        planned: &Value,
        _t: Timeout,
    ) -> Result<Option<String>, AwsError> {
        let id = val::str_attr(prior, "id").unwrap_or_default();
        let sm = c.secrets.get().await;
        for req in SECRET.update_requests(prior, planned, || sm.update_secret().secret_id(id)) {
            req.send().await.map_err(err("UpdateSecret"))?;
        }
        Ok(None)
    }

    async fn delete(&self, c: &Clients, prior: &Value, _t: Timeout) -> Result<(), AwsError> {
        let window = val::num_attr(prior, "recovery_window_in_days").unwrap_or(30);
        let mut req = c
            .secrets
            .get()
            .await
            .delete_secret()
            .secret_id(val::str_attr(prior, "id").unwrap_or_default());
        req = if window == 0 {
            req.force_delete_without_recovery(true)
        } else {
            req.recovery_window_in_days(window)
        };
        req.send().await.map_err(err("DeleteSecret"))?;
        Ok(())
    }
}

pub struct SecretVersion;

type VersionTable = Table<GetSecretValueOutput, PutSecretValueFluentBuilder>;

static VERSION: LazyLock<VersionTable> = LazyLock::new(|| {
    VersionTable::new(|| Some(GetSecretValueOutput::builder().build()))
        .attr("id", comp(STR))
        .read(|v, _| {
            Value::string(format!(
                "{}|{}",
                v.arn().unwrap_or_default(),
                v.version_id().unwrap_or_default()
            ))
        })
        .attr("arn", comp(STR))
        .read(|v, _| val::opt_str(v.arn()))
        .attr("version_id", comp(STR))
        .read(|v, _| val::opt_str(v.version_id()))
        // As configured (a name or an ARN); the ARN after an import.
        .attr("secret_id", req(STR).force_new())
        .read(|v, cx| match cx.current.get_attr("secret_id") {
            Some(id) if !id.is_null() => id.clone(),
            _ => val::opt_str(v.arn()),
        })
        .create(|b, v| b.set_secret_id(v.str()))
        .attr("secret_string", opt(STR).force_new().sensitive())
        .read(|v, cx| {
            // A value written through secret_string_wo stays out of state.
            let write_only = val::num_attr(cx.current, "secret_string_wo_version").is_some()
                && val::str_attr(cx.current, "secret_string").is_none();
            val::opt_str(if write_only { None } else { v.secret_string() })
        })
        .create(|b, v| b.set_secret_string(v.str()))
        .attr("secret_string_wo", opt(STR).sensitive().write_only())
        .create(|b, v| match v.str() {
            Some(s) => b.secret_string(s),
            None => b,
        })
        // Never in state, so never seen to change: a new value comes with a new
        // secret_string_wo_version, which replaces the version.
        .updated_by_hand()
        .attr("secret_string_wo_version", opt(NUM).force_new())
        .attr("version_stages", opt_comp(set_of(STR)))
        .read(|v, _| val::str_set(v.version_stages()))
        .create(|b, v| b.set_version_stages(v.strings().filter(|s| !s.is_empty())))
        // Labels moved with UpdateSecretVersionStage.
        .updated_by_hand()
});

fn split(id: &str) -> Option<(&str, &str)> {
    id.split_once('|')
        .filter(|(s, v)| !s.is_empty() && !v.is_empty())
}

#[async_trait]
impl AwsResource for SecretVersion {
    fn type_name(&self) -> &'static str {
        "aws_secretsmanager_secret_version"
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*VERSION)
    }

    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let sm = c.secrets.get().await;
        let jobs = current.iter().map(|cur| {
            let sm = &sm;
            async move {
                let Some((secret, version)) = val::str_attr(cur, "id").and_then(split) else {
                    return Ok(None);
                };
                let v = match sm
                    .get_secret_value()
                    .secret_id(secret)
                    .version_id(version)
                    .send()
                    .await
                {
                    Ok(v) => v,
                    Err(e) => {
                        let e = AwsError::sdk("GetSecretValue", e);
                        return if not_found(&e) { Ok(None) } else { Err(e) };
                    }
                };
                Ok(Some(VERSION.read_value(&v, cur, &c.region)))
            }
        });
        futures::future::join_all(jobs).await.into_iter().collect()
    }

    async fn create(&self, c: &Clients, planned: &Value, _t: Timeout) -> Result<String, Failed> {
        let out = VERSION
            .create_request(c.secrets.get().await.put_secret_value(), planned)
            .send()
            .await
            .map_err(err("PutSecretValue"))?;
        match (out.arn(), out.version_id()) {
            (Some(a), Some(v)) => Ok(format!("{a}|{v}")),
            _ => Err(AwsError::Invalid("PutSecretValue returned no ARN or version".into()).into()),
        }
    }

    async fn update(
        &self,
        c: &Clients,
        prior: &Value,
        planned: &Value,
        _t: Timeout,
    ) -> Result<Option<String>, AwsError> {
        let Some((secret, version)) = val::str_attr(prior, "id").and_then(split) else {
            return Ok(None);
        };
        if planned
            .get_attr("version_stages")
            .is_some_and(Value::is_unknown)
            || !VERSION.changed(prior, planned, "version_stages")
        {
            return Ok(None);
        }
        let old: BTreeSet<String> = val::strings(prior, "version_stages").into_iter().collect();
        let new: BTreeSet<String> = val::strings(planned, "version_stages")
            .into_iter()
            .collect();
        let sm = c.secrets.get().await;
        for stage in new.difference(&old) {
            // Moves the label here from whichever version holds it.
            let holder = sm
                .describe_secret()
                .secret_id(secret)
                .send()
                .await
                .map_err(err("DescribeSecret"))?
                .version_ids_to_stages()
                .and_then(|m| {
                    m.iter()
                        .find(|(_, ss)| ss.iter().any(|s| s == stage))
                        .map(|(v, _)| v.clone())
                });
            sm.update_secret_version_stage()
                .secret_id(secret)
                .version_stage(stage)
                .move_to_version_id(version)
                .set_remove_from_version_id(holder.filter(|h| h != version))
                .send()
                .await
                .map_err(err("UpdateSecretVersionStage"))?;
        }
        for stage in old.difference(&new).filter(|s| *s != "AWSCURRENT") {
            sm.update_secret_version_stage()
                .secret_id(secret)
                .version_stage(stage)
                .remove_from_version_id(version)
                .send()
                .await
                .map_err(err("UpdateSecretVersionStage"))?;
        }
        Ok(None)
    }

    /// Removes the version's staging labels (except AWSCURRENT, which cannot be removed
    /// without moving it), so that Secrets Manager deprecates the version.
    async fn delete(&self, c: &Clients, prior: &Value, _t: Timeout) -> Result<(), AwsError> {
        let Some((secret, version)) = val::str_attr(prior, "id").and_then(split) else {
            return Ok(());
        };
        let sm = c.secrets.get().await;
        for stage in val::strings(prior, "version_stages") {
            if stage == "AWSCURRENT" {
                continue;
            }
            match sm
                .update_secret_version_stage()
                .secret_id(secret)
                .version_stage(&stage)
                .remove_from_version_id(version)
                .send()
                .await
                .map_err(err("UpdateSecretVersionStage"))
            {
                Ok(_) => {}
                Err(e) if not_found(&e) => return Ok(()),
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    fn import_stub(&self, id: &str, stub: &mut Obj) -> Result<(), String> {
        let (secret, _) = split(id).ok_or_else(|| {
            format!("unexpected format of ID ({id:?}), expected <secret-arn>|<version-id>")
        })?;
        stub.set("id", Value::string(id))
            .set("secret_id", Value::string(secret));
        Ok(())
    }
}

/// Tags in Secrets Manager's form.
fn tag_list(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// The `aws_secretsmanager_secret` data source: a secret's metadata by ARN or name (never
/// its value).
pub struct SecretData;

#[async_trait]
impl crate::data::AwsDataSource for SecretData {
    fn type_name(&self) -> &'static str {
        "aws_secretsmanager_secret"
    }

    fn schema(&self) -> BlockSchema {
        S::new()
            .attr("id", comp(STR))
            .attr("arn", opt_comp(STR))
            .attr("name", opt_comp(STR))
            .attr("description", comp(STR))
            .attr("kms_key_id", comp(STR))
            .attr("policy", comp(STR))
            .attr("created_date", comp(STR))
            .attr("last_changed_date", comp(STR))
            .attr("tags", comp(map_of(STR)))
            .build()
    }

    async fn read(&self, c: &Clients, config: &Value) -> Result<Value, AwsError> {
        let Some(id) = val::str_attr(config, "arn").or_else(|| val::str_attr(config, "name"))
        else {
            return Err(AwsError::Invalid(
                "one of `arn,name` must be specified".into(),
            ));
        };
        let sm = c.secrets.get().await;
        let s = match sm.describe_secret().secret_id(id).send().await {
            Ok(s) if s.deleted_date().is_none() => s,
            Ok(_) => {
                return Err(AwsError::Invalid(format!(
                    "reading Secrets Manager Secret ({id}): scheduled for deletion"
                )))
            }
            Err(e) => return Err(AwsError::sdk("DescribeSecret", e)),
        };
        let policy = sm
            .get_resource_policy()
            .secret_id(id)
            .send()
            .await
            .map_err(err("GetResourcePolicy"))?;
        let date = |d: Option<&aws_smithy_types::DateTime>| {
            let s = d.and_then(|d| d.fmt(aws_smithy_types::date_time::Format::DateTime).ok());
            val::str_or_empty(s.as_deref())
        };
        let tags: BTreeMap<String, String> = s
            .tags()
            .iter()
            .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
            .collect();
        let mut o = Obj::from(config);
        o.set("id", val::opt_str(s.arn()))
            .set("arn", val::opt_str(s.arn()))
            .set("name", val::opt_str(s.name()))
            .set("description", val::str_or_empty(s.description()))
            .set("kms_key_id", val::str_or_empty(s.kms_key_id()))
            .set(
                "policy",
                val::str_or_empty(
                    policy
                        .resource_policy()
                        .map(crate::iam::decode_document)
                        .as_deref(),
                ),
            )
            .set("created_date", date(s.created_date()))
            .set("last_changed_date", date(s.last_changed_date()))
            .set("tags", val::str_map(&tags));
        Ok(o.done())
    }
}
