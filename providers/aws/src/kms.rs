//! KMS: `aws_kms_key` and `aws_kms_alias`.
//!
//! A key's ID is chosen by AWS (no crash-recovery identity); a read is DescribeKey,
//! GetKeyPolicy, GetKeyRotationStatus and ListResourceTags per key, the keys side by side.
//! Each updatable argument has a call of its own (UpdateKeyDescription, PutKeyPolicy,
//! EnableKey/DisableKey, EnableKeyRotation/DisableKeyRotation). A key cannot be deleted at
//! once: destroy schedules its deletion (`deletion_window_in_days`, AWS's 30 when unset),
//! and a key pending deletion reads as gone, as in the Terraform provider.
//!
//! An alias is found by its name (its ID, import ID and identity); one paginated
//! ListAliases reads any number of them, and UpdateAlias points one at another key.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_kms::operation::create_key::builders::CreateKeyFluentBuilder;
use aws_sdk_kms::types::{KeyMetadata, KeySpec, KeyState, KeyUsageType, Tag};
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;

use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::tag_calls;
use crate::resource::{
    check_enum, check_range, invalid, name_or_prefix_with, name_prefix_from_name, AwsResource,
    Failed, PlanExtra, TagCalls, Tagging, Timeout,
};
use crate::schema::*;
use crate::table::{Normalise, ResourceTable, Table};
use crate::val::{self, Obj};

pub fn resources() -> Vec<Box<dyn AwsResource>> {
    vec![Box::new(Key), Box::new(Alias)]
}

pub struct Key;
pub struct Alias;

/// A key as DescribeKey gives it, with what other calls say of it.
struct Described {
    meta: KeyMetadata,
    policy: String,
    rotation: bool,
    rotation_days: Option<i32>,
    tags: BTreeMap<String, String>,
}

type KeyTable = Table<Described, CreateKeyFluentBuilder>;

static KEY: LazyLock<KeyTable> = LazyLock::new(|| {
    KeyTable::new(|| {
        Some(Described {
            meta: KeyMetadata::builder().key_id("").build().ok()?,
            policy: String::new(),
            rotation: false,
            rotation_days: None,
            tags: BTreeMap::new(),
        })
    })
    .tags_all(|d| val::str_map(&d.tags))
    .attr("id", comp(STR))
    .read(|d, _| Value::string(d.meta.key_id()))
    .attr("key_id", comp(STR))
    .read(|d, _| Value::string(d.meta.key_id()))
    .attr("arn", comp(STR))
    .read(|d, _| val::str_or_empty(d.meta.arn()))
    // UpdateKeyDescription.
    .attr("description", opt_comp(STR))
    .read(|d, _| val::str_or_empty(d.meta.description()))
    .create(|b, v| b.set_description(v.str()))
    .updated_by_hand()
    .attr(
        "key_usage",
        opt_default(STR, Value::string("ENCRYPT_DECRYPT")).force_new(),
    )
    .read(|d, _| val::opt_str(d.meta.key_usage().map(KeyUsageType::as_str)))
    .create(|b, v| b.set_key_usage(v.str().map(|s| KeyUsageType::from(s.as_str()))))
    .attr(
        "customer_master_key_spec",
        opt_default(STR, Value::string("SYMMETRIC_DEFAULT")).force_new(),
    )
    .read(|d, _| val::opt_str(d.meta.key_spec().map(KeySpec::as_str)))
    .create(|b, v| b.set_key_spec(v.str().map(|s| KeySpec::from(s.as_str()))))
    .attr("custom_key_store_id", opt(STR).force_new())
    .read(|d, _| val::opt_str(d.meta.custom_key_store_id()))
    .create(|b, v| b.set_custom_key_store_id(v.str()))
    .attr("xks_key_id", opt(STR).force_new())
    .read(|d, _| val::opt_str(d.meta.xks_key_configuration().and_then(|x| x.id())))
    .create(|b, v| b.set_xks_key_id(v.str()))
    .attr("multi_region", opt_comp(BOOL).force_new())
    .read(|d, _| Value::Bool(d.meta.multi_region().unwrap_or(false)))
    .create(|b, v| b.set_multi_region(v.bool()))
    // PutKeyPolicy; AWS's default policy when unset.
    .attr("policy", opt_comp(STR))
    .read(|d, _| Value::string(&d.policy))
    .normalise(Normalise::Equivalent(crate::iam::equivalent))
    .create(|b, v| b.set_policy(v.str()))
    .updated_by_hand()
    // Sent with the policy; AWS does not hold it.
    .attr(
        "bypass_policy_lockout_safety_check",
        opt_default(BOOL, Value::Bool(false)),
    )
    .create(|b, v| b.set_bypass_policy_lockout_safety_check(v.true_only()))
    .updated_by_hand()
    // Used by destroy only.
    .attr("deletion_window_in_days", opt(NUM))
    .updated_by_hand()
    // EnableKey/DisableKey.
    .attr("is_enabled", opt_default(BOOL, Value::Bool(true)))
    .read(|d, _| Value::Bool(d.meta.enabled()))
    .updated_by_hand()
    // EnableKeyRotation/DisableKeyRotation.
    .attr("enable_key_rotation", opt_default(BOOL, Value::Bool(false)))
    .read(|d, _| Value::Bool(d.rotation))
    .updated_by_hand()
    .attr("rotation_period_in_days", opt_comp(NUM))
    .read(|d, _| d.rotation_days.map_or(Value::Null, val::num))
    .updated_by_hand()
});

/// KMS's tags (TagKey/TagValue).
fn kms_tags(tags: impl IntoIterator<Item = (String, String)>) -> Vec<Tag> {
    tags.into_iter()
        .filter_map(|(k, v)| Tag::builder().tag_key(k).tag_value(v).build().ok())
        .collect()
}

static KEY_TAG_CALLS: TagCalls = tag_calls!(kms, "id",
    tag "TagResource": |kms, id, tags| kms.tag_resource().key_id(id).set_tags(Some(kms_tags(tags))),
    untag "UntagResource": |kms, id, keys| kms.untag_resource().key_id(id).set_tag_keys(Some(keys)),
);

/// Reads one key; `None` when it does not exist or is pending deletion.
async fn describe(c: &Clients, id: &str) -> Result<Option<Described>, AwsError> {
    let kms = c.kms.get().await;
    let out = kms.describe_key().key_id(id).send().await;
    let meta = match out.map_err(err("DescribeKey")) {
        Ok(o) => o.key_metadata().cloned(),
        Err(e) if e.is_not_found() => None,
        Err(e) => return Err(e),
    };
    let Some(meta) = meta.filter(|m| {
        !matches!(
            m.key_state(),
            Some(KeyState::PendingDeletion | KeyState::PendingReplicaDeletion)
        )
    }) else {
        return Ok(None);
    };
    let policy = kms
        .get_key_policy()
        .key_id(id)
        .policy_name("default")
        .send()
        .await
        .map_err(err("GetKeyPolicy"))?
        .policy()
        .unwrap_or_default()
        .to_string();
    let rotation = kms
        .get_key_rotation_status()
        .key_id(id)
        .send()
        .await
        .map_err(err("GetKeyRotationStatus"))?;
    let tags = kms
        .list_resource_tags()
        .key_id(id)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(err("ListResourceTags"))?
        .into_iter()
        .map(|t| (t.tag_key().to_string(), t.tag_value().to_string()))
        .collect();
    Ok(Some(Described {
        meta,
        policy,
        rotation: rotation.key_rotation_enabled(),
        rotation_days: rotation.rotation_period_in_days(),
        tags,
    }))
}

async fn set_enabled(c: &Clients, id: &str, on: bool) -> Result<(), AwsError> {
    let kms = c.kms.get().await;
    if on {
        kms.enable_key()
            .key_id(id)
            .send()
            .await
            .map_err(err("EnableKey"))?;
    } else {
        kms.disable_key()
            .key_id(id)
            .send()
            .await
            .map_err(err("DisableKey"))?;
    }
    Ok(())
}

async fn set_rotation(c: &Clients, id: &str, planned: &Value) -> Result<(), AwsError> {
    let kms = c.kms.get().await;
    if val::bool_attr(planned, "enable_key_rotation") == Some(true) {
        kms.enable_key_rotation()
            .key_id(id)
            .set_rotation_period_in_days(val::i32_attr(planned, "rotation_period_in_days"))
            .send()
            .await
            .map_err(err("EnableKeyRotation"))?;
    } else {
        kms.disable_key_rotation()
            .key_id(id)
            .send()
            .await
            .map_err(err("DisableKeyRotation"))?;
    }
    Ok(())
}

#[async_trait]
impl AwsResource for Key {
    fn type_name(&self) -> &'static str {
        "aws_kms_key"
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*KEY)
    }

    fn tagging(&self) -> Tagging {
        Tagging::Own
    }

    fn tag_calls(&self) -> Option<&'static TagCalls> {
        Some(&KEY_TAG_CALLS)
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        check_enum(
            config,
            "key_usage",
            &[
                "ENCRYPT_DECRYPT",
                "SIGN_VERIFY",
                "GENERATE_VERIFY_MAC",
                "KEY_AGREEMENT",
            ],
            diags,
        );
        check_enum(
            config,
            "customer_master_key_spec",
            &[
                "SYMMETRIC_DEFAULT",
                "RSA_2048",
                "RSA_3072",
                "RSA_4096",
                "HMAC_224",
                "HMAC_256",
                "HMAC_384",
                "HMAC_512",
                "ECC_NIST_P256",
                "ECC_NIST_P384",
                "ECC_NIST_P521",
                "ECC_SECG_P256K1",
                "SM2",
                "ML_DSA_44",
                "ML_DSA_65",
                "ML_DSA_87",
            ],
            diags,
        );
        check_range(
            config,
            "deletion_window_in_days",
            "deletion_window_in_days",
            7..=30,
            diags,
        );
        check_range(
            config,
            "rotation_period_in_days",
            "rotation_period_in_days",
            90..=2560,
            diags,
        );
        crate::iam::check_json(config, "policy", diags);
    }

    /// Turning rotation on or off sets the period AWS reports (365 days by default).
    fn plan(&self, prior: Option<&Value>, config: &Value, planned: &mut Value) -> PlanExtra {
        if let Some(prior) = prior {
            let unset = config
                .get_attr("rotation_period_in_days")
                .is_none_or(Value::is_null);
            if unset && val::changed(prior, planned, "enable_key_rotation") {
                val::set_attr(planned, "rotation_period_in_days", Value::Unknown);
            }
        }
        PlanExtra::default()
    }

    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let jobs = current.iter().map(|cur| async move {
            let Some(id) = val::str_attr(cur, "id") else {
                return Ok(None);
            };
            Ok(describe(c, id)
                .await?
                .map(|d| KEY.read_value(&d, cur, &c.region)))
        });
        futures::future::join_all(jobs).await.into_iter().collect()
    }

    async fn create(&self, c: &Clients, planned: &Value, _t: Timeout) -> Result<String, Failed> {
        let tags = kms_tags(val::string_map(planned, "tags_all"));
        let out = KEY
            .create_request(c.kms.get().await.create_key(), planned)
            .set_tags((!tags.is_empty()).then_some(tags))
            .send()
            .await
            .map_err(err("CreateKey"))?;
        let id = out
            .key_metadata()
            .map(|m| m.key_id().to_string())
            .ok_or_else(|| AwsError::Invalid("CreateKey returned no key".into()))?;
        let then = async {
            if val::bool_attr(planned, "is_enabled") == Some(false) {
                set_enabled(c, &id, false).await?;
            }
            if val::bool_attr(planned, "enable_key_rotation") == Some(true) {
                set_rotation(c, &id, planned).await?;
            }
            Ok::<_, AwsError>(())
        };
        then.await.map_err(|e| e.after_create(&id))?;
        Ok(id)
    }

    async fn update(
        &self,
        c: &Clients,
        prior: &Value,
        planned: &Value,
        _t: Timeout,
    ) -> Result<Option<String>, AwsError> {
        let id = val::str_attr(prior, "id").unwrap_or_default();
        let kms = c.kms.get().await;
        if KEY.changed(prior, planned, "description") {
            kms.update_key_description()
                .key_id(id)
                .description(val::str_attr(planned, "description").unwrap_or_default())
                .send()
                .await
                .map_err(err("UpdateKeyDescription"))?;
        }
        if KEY.changed(prior, planned, "policy") {
            if let Some(p) = val::str_attr(planned, "policy") {
                kms.put_key_policy()
                    .key_id(id)
                    .policy_name("default")
                    .policy(p)
                    .set_bypass_policy_lockout_safety_check(
                        val::bool_attr(planned, "bypass_policy_lockout_safety_check")
                            .filter(|b| *b),
                    )
                    .send()
                    .await
                    .map_err(err("PutKeyPolicy"))?;
            }
        }
        drop(kms);
        // A disabled key's rotation cannot change: enable first, disable last.
        let enable = val::bool_attr(planned, "is_enabled") != Some(false);
        if KEY.changed(prior, planned, "is_enabled") && enable {
            set_enabled(c, id, true).await?;
        }
        if KEY.changed(prior, planned, "enable_key_rotation")
            || KEY.changed(prior, planned, "rotation_period_in_days")
        {
            set_rotation(c, id, planned).await?;
        }
        if KEY.changed(prior, planned, "is_enabled") && !enable {
            set_enabled(c, id, false).await?;
        }
        Ok(None)
    }

    async fn delete(&self, c: &Clients, prior: &Value, _t: Timeout) -> Result<(), AwsError> {
        let out = c
            .kms
            .get()
            .await
            .schedule_key_deletion()
            .key_id(val::str_attr(prior, "id").unwrap_or_default())
            .set_pending_window_in_days(val::i32_attr(prior, "deletion_window_in_days"))
            .send()
            .await
            .map_err(err("ScheduleKeyDeletion"));
        match out {
            // Already pending deletion (KMSInvalidStateException) or gone.
            Err(e) if !e.is_not_found() && e.code() != Some("KMSInvalidStateException") => Err(e),
            _ => Ok(()),
        }
    }
}

// ---- aws_kms_alias ----

type AliasTable = Table<aws_sdk_kms::types::AliasListEntry, ()>;

static ALIAS: LazyLock<AliasTable> = LazyLock::new(|| {
    AliasTable::new(|| Some(aws_sdk_kms::types::AliasListEntry::builder().build()))
        .attr("id", comp(STR))
        .read(|a, _| val::str_or_empty(a.alias_name()))
        .attr("arn", comp(STR))
        .read(|a, _| val::str_or_empty(a.alias_arn()))
        // Created from `name` or `name_prefix` by hand.
        .attr("name", opt_comp(STR).force_new())
        .read(|a, _| val::str_or_empty(a.alias_name()))
        .attr("name_prefix", opt(STR).force_new())
        // UpdateAlias; a key ID or ARN as configured, AWS answers the ID.
        .attr("target_key_id", req(STR))
        .read(|a, cx| {
            let id = a.target_key_id().unwrap_or_default();
            match val::str_attr(cx.current, "target_key_id") {
                Some(k) if k.ends_with(&format!("key/{id}")) => Value::string(k),
                _ => Value::string(id),
            }
        })
        .updated_by_hand()
        .attr("target_key_arn", comp(STR))
        .read(|a, cx| {
            let id = a.target_key_id().unwrap_or_default();
            let account = a
                .alias_arn()
                .and_then(|arn| arn.split(':').nth(4))
                .unwrap_or_default();
            Value::string(format!(
                "arn:{}:kms:{}:{account}:key/{id}",
                crate::region::partition(cx.region),
                cx.region
            ))
        })
});

#[async_trait]
impl AwsResource for Alias {
    fn type_name(&self) -> &'static str {
        "aws_kms_alias"
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*ALIAS)
    }

    /// Found again by its name after a crash (its import ID).
    fn identity(&self, planned: &Value) -> Option<terrane_engine::provider::Identity> {
        crate::resource::identity_of(planned, &["name"], &[])
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        for attr in ["name", "name_prefix"] {
            if let Some(n) = val::str_attr(config, attr) {
                if !n.starts_with("alias/") || n.starts_with("alias/aws/") {
                    invalid(
                        diags,
                        attr,
                        format!("{attr} must begin with 'alias/' and not with 'alias/aws/' (AWS keeps those for its own keys); got {n:?}."),
                    );
                }
            }
        }
    }

    /// A new target has a new ARN.
    fn plan(&self, prior: Option<&Value>, _config: &Value, planned: &mut Value) -> PlanExtra {
        if prior.is_some_and(|p| val::changed(p, planned, "target_key_id")) {
            val::set_attr(planned, "target_key_arn", Value::Unknown);
        }
        PlanExtra::default()
    }

    /// One paginated ListAliases for all aliases.
    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let aliases = c
            .kms
            .get()
            .await
            .list_aliases()
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(err("ListAliases"))?;
        Ok(crate::ec2::match_by(
            current,
            aliases,
            |cur| val::str_attr(cur, "id").map(str::to_string),
            |a| {
                a.alias_name()
                    .filter(|_| a.target_key_id().is_some())
                    .map(str::to_string)
            },
            |cur, a| {
                let mut o = ALIAS.read_object(a, cur, &c.region);
                if o.get("name_prefix").is_none_or(Value::is_null) {
                    let prefix = name_prefix_from_name(a.alias_name().unwrap_or_default());
                    o.set("name_prefix", val::opt_str(prefix));
                }
                o.done()
            },
        ))
    }

    async fn create(&self, c: &Clients, planned: &Value, _t: Timeout) -> Result<String, Failed> {
        let name = name_or_prefix_with(planned, "alias/");
        c.kms
            .get()
            .await
            .create_alias()
            .alias_name(&name)
            .target_key_id(val::str_attr(planned, "target_key_id").unwrap_or_default())
            .send()
            .await
            .map_err(err("CreateAlias"))?;
        Ok(name)
    }

    async fn update(
        &self,
        c: &Clients,
        prior: &Value,
        planned: &Value,
        _t: Timeout,
    ) -> Result<Option<String>, AwsError> {
        if ALIAS.changed(prior, planned, "target_key_id") {
            c.kms
                .get()
                .await
                .update_alias()
                .alias_name(val::str_attr(prior, "id").unwrap_or_default())
                .target_key_id(val::str_attr(planned, "target_key_id").unwrap_or_default())
                .send()
                .await
                .map_err(err("UpdateAlias"))?;
        }
        Ok(None)
    }

    async fn delete(&self, c: &Clients, prior: &Value, _t: Timeout) -> Result<(), AwsError> {
        let out = c
            .kms
            .get()
            .await
            .delete_alias()
            .alias_name(val::str_attr(prior, "id").unwrap_or_default())
            .send()
            .await
            .map_err(err("DeleteAlias"));
        match out {
            Err(e) if !e.is_not_found() => Err(e),
            _ => Ok(()),
        }
    }

    fn import_stub(&self, id: &str, stub: &mut Obj) -> Result<(), String> {
        stub.set("id", Value::string(id))
            .set("name", Value::string(id));
        Ok(())
    }
}
