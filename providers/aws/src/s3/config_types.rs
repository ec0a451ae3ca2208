//! The bucket-configuration types: `aws_s3_bucket_versioning`,
//! `aws_s3_bucket_server_side_encryption_configuration` and
//! `aws_s3_bucket_public_access_block`. Each is a Put of its whole configuration (create
//! and update alike), a Get to read it and a Delete (versioning cannot be deleted: its
//! destroy suspends versioning, as the Terraform provider does).

use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_s3::types::builders::PublicAccessBlockConfigurationBuilder;
use aws_sdk_s3::types::{
    BucketVersioningStatus, MfaDelete, PublicAccessBlockConfiguration, ServerSideEncryption,
    ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration, ServerSideEncryptionRule,
    VersioningConfiguration,
};
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;
use terrane_engine::provider::Nesting;

use super::{bucket_and_owner, bucket_rows, config_id, none_if_missing, read_each, OfBucket};
use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::{
    check_block_enum, plan_all_blocks, wait_for, AwsResource, Failed, PlanExtra, Timeout,
};
use crate::schema::*;
use crate::table::{ResourceTable, Table};
use crate::val::{self, Obj};

/// Creates a bucket configuration whose put needs no condition: puts it, then waits until
/// S3 reads it back. Its ID is the bucket, with the owner when one is given.
async fn create_config<T, Fut>(
    planned: &Value,
    t: Timeout,
    what: &str,
    put: impl std::future::Future<Output = Result<(), AwsError>>,
    get: impl Fn(String, Option<String>) -> Fut,
) -> Result<String, Failed>
where
    Fut: std::future::Future<Output = Result<Option<T>, AwsError>>,
{
    let (bucket, owner) = bucket_and_owner(planned);
    let id = config_id(&bucket, owner.as_deref());
    put.await?;
    wait_written(what, t, || get(bucket.clone(), owner.clone()))
        .await
        .map_err(|e| e.after_create(&id))?;
    Ok(id)
}

/// Waits until S3 answers the configuration just written (S3 is eventually consistent).
async fn wait_written<T, Fut>(what: &str, t: Timeout, get: impl Fn() -> Fut) -> Result<(), AwsError>
where
    Fut: std::future::Future<Output = Result<Option<T>, AwsError>>,
{
    wait_for(what, "readable", t, || {
        let f = get();
        async move {
            Ok(match f.await? {
                Some(_) => Ok(()),
                None => Err("not found".to_string()),
            })
        }
    })
    .await
}

// ---- aws_s3_bucket_versioning ----

pub struct VersioningRes;

/// A bucket's versioning as GetBucketVersioning answers it (`None`: never versioned).
pub struct Versioning {
    status: Option<String>,
    mfa_delete: Option<String>,
}

type VersioningTable = Table<OfBucket<Versioning>, ()>;

static VERSIONING: LazyLock<VersioningTable> = LazyLock::new(|| {
    bucket_rows(VersioningTable::new(|| {
        OfBucket::sample(Versioning {
            status: None,
            mfa_delete: None,
        })
    }))
    // The MFA device and code for a change of `mfa_delete`: sent, never read back.
    .attr("mfa", opt(STR))
    .updated_by_hand()
    .block(
        "versioning_configuration",
        Nesting::List,
        S::new()
            .attr("status", req(STR))
            .attr("mfa_delete", opt_comp(STR)),
    )
    .min_items(1)
    .max_items(1)
    .read(|o, cx| {
        let known = val::first_block(cx.current, "versioning_configuration");
        let known_mfa = known
            .and_then(|k| k.get_attr("mfa_delete"))
            .filter(|v| !v.is_null() && !v.is_unknown());
        // S3 (and moto) leave MFADelete out until it was ever set: keep what is known.
        let mfa = match (&o.item.mfa_delete, known_mfa) {
            (Some(m), _) => Value::string(m),
            (None, Some(k)) => k.clone(),
            (None, None) => Value::Null,
        };
        let status = o.item.status.as_deref().unwrap_or("Disabled");
        Value::List(vec![Value::object([
            ("status", Value::string(status)),
            ("mfa_delete", mfa),
        ])])
    })
    // PutBucketVersioning.
    .updated_by_hand()
});

/// A tag's text in an XML document (`<Status>Enabled</Status>`).
fn xml_text<'a>(body: &'a str, tag: &str) -> Option<&'a str> {
    let open = format!("<{tag}>");
    let start = body.find(&open)? + open.len();
    let len = body[start..].find(&format!("</{tag}>"))?;
    Some(&body[start..start + len])
}

async fn get_versioning(
    c: &Clients,
    bucket: String,
    owner: Option<String>,
) -> Result<Option<Versioning>, AwsError> {
    let out =
        c.s3.get()
            .await
            .get_bucket_versioning()
            .bucket(bucket)
            .set_expected_bucket_owner(owner)
            .send()
            .await;
    let v = match out {
        Ok(o) => Versioning {
            status: o.status().map(|s| s.as_str().to_string()),
            mfa_delete: o.mfa_delete().map(|m| m.as_str().to_string()),
        },
        // moto names the reply's root element GetBucketVersioningResponse rather than
        // VersioningConfiguration, which the SDK refuses to parse (an error with a 200
        // answer): read the two fields from the answer itself.
        Err(e) if e.raw_response().is_some_and(|r| r.status().is_success()) => {
            let body = e.raw_response().and_then(|r| r.body().bytes());
            let body = String::from_utf8_lossy(body.unwrap_or_default());
            Versioning {
                status: xml_text(&body, "Status").map(str::to_string),
                mfa_delete: xml_text(&body, "MfaDelete").map(str::to_string),
            }
        }
        Err(e) => return none_if_missing(Err(err("GetBucketVersioning")(e)), &[]),
    };
    Ok(Some(v))
}

fn status_of(v: &Value) -> Option<&str> {
    val::first_block(v, "versioning_configuration").and_then(|b| val::str_attr(b, "status"))
}

async fn put_versioning(c: &Clients, planned: &Value, status: &str) -> Result<(), AwsError> {
    let (bucket, owner) = bucket_and_owner(planned);
    let mfa_delete = val::first_block(planned, "versioning_configuration")
        .and_then(|b| val::str_attr(b, "mfa_delete"))
        .map(MfaDelete::from);
    let conf = VersioningConfiguration::builder()
        .status(BucketVersioningStatus::from(status))
        .set_mfa_delete(mfa_delete)
        .build();
    c.s3.get()
        .await
        .put_bucket_versioning()
        .bucket(bucket)
        .set_expected_bucket_owner(owner)
        .set_mfa(val::str_attr(planned, "mfa").map(str::to_string))
        .versioning_configuration(conf)
        .send()
        .await
        .map_err(err("PutBucketVersioning"))?;
    Ok(())
}

#[async_trait]
impl AwsResource for VersioningRes {
    fn type_name(&self) -> &'static str {
        "aws_s3_bucket_versioning"
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*VERSIONING)
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        let block = "versioning_configuration";
        check_block_enum(
            config,
            block,
            "status",
            &["Enabled", "Suspended", "Disabled"],
            diags,
        );
        check_block_enum(config, block, "mfa_delete", &["Enabled", "Disabled"], diags);
    }

    fn plan(&self, prior: Option<&Value>, config: &Value, planned: &mut Value) -> PlanExtra {
        plan_all_blocks(&self.schema(), prior, config, planned);
        PlanExtra::default()
    }

    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        read_each(
            &VERSIONING,
            c,
            current,
            |b, o| get_versioning(c, b, o),
            // A bucket that was never versioned is this object only while it is
            // configured `Disabled` (as the Terraform provider reads it).
            |cur, v| v.status.is_some() || status_of(cur) == Some("Disabled"),
        )
        .await
    }

    async fn create(&self, c: &Clients, planned: &Value, t: Timeout) -> Result<String, Failed> {
        let (bucket, owner) = bucket_and_owner(planned);
        let id = config_id(&bucket, owner.as_deref());
        // `Disabled` describes a bucket that was never versioned: nothing to send.
        if let Some(status) = status_of(planned).filter(|s| *s != "Disabled") {
            put_versioning(c, planned, status).await?;
            wait_written("S3 Bucket Versioning", t, || async {
                let v = get_versioning(c, bucket.clone(), owner.clone()).await?;
                Ok(v.filter(|v| v.status.as_deref() == Some(status)))
            })
            .await
            .map_err(|e| e.after_create(&id))?;
        }
        Ok(id)
    }

    async fn update(
        &self,
        c: &Clients,
        prior: &Value,
        planned: &Value,
        _t: Timeout,
    ) -> Result<Option<String>, AwsError> {
        match status_of(planned) {
            Some("Disabled") if status_of(prior) != Some("Disabled") => Err(AwsError::Invalid(
                "versioning_configuration.status cannot change to \"Disabled\": versioning of a \
                 bucket that was versioned can only be \"Suspended\""
                    .into(),
            )),
            Some("Disabled") | None => Ok(None),
            Some(status) => put_versioning(c, planned, status).await.map(|()| None),
        }
    }

    /// Versioning cannot be removed from a bucket: the Terraform provider suspends it (and
    /// only forgets a bucket that was never versioned).
    async fn delete(&self, c: &Clients, prior: &Value, _t: Timeout) -> Result<(), AwsError> {
        if status_of(prior) == Some("Disabled") {
            return Ok(());
        }
        match put_versioning(c, prior, "Suspended").await {
            Err(e) if e.code() == Some("NoSuchBucket") => Ok(()),
            other => other,
        }
    }

    fn import_stub(&self, id: &str, stub: &mut Obj) -> Result<(), String> {
        super::import_bucket_config(id, stub)
    }
}

// ---- aws_s3_bucket_server_side_encryption_configuration ----

pub struct EncryptionRes;

type EncryptionTable = Table<OfBucket<ServerSideEncryptionConfiguration>, ()>;

static ENCRYPTION: LazyLock<EncryptionTable> = LazyLock::new(|| {
    bucket_rows(EncryptionTable::new(|| {
        OfBucket::sample(
            ServerSideEncryptionConfiguration::builder()
                .set_rules(Some(Vec::new()))
                .build()
                .ok()?,
        )
    }))
    .block(
        "rule",
        Nesting::Set,
        S::new()
            .block(
                "apply_server_side_encryption_by_default",
                Nesting::List,
                S::new()
                    .attr("sse_algorithm", req(STR))
                    .attr("kms_master_key_id", opt(STR)),
            )
            .attr("bucket_key_enabled", opt(BOOL)),
    )
    .min_items(1)
    .read(|o, cx| {
        // AWS answers `false` for a bucket key never asked for: null while the
        // configuration leaves it unset.
        let known_false = val::blocks(cx.current, "rule")
            .iter()
            .any(|r| val::bool_attr(r, "bucket_key_enabled") == Some(false));
        let rules = o.item.rules().iter().map(|r| {
            let by_default: Vec<Value> = r
                .apply_server_side_encryption_by_default()
                .map(|d| {
                    Value::object([
                        ("sse_algorithm", Value::string(d.sse_algorithm().as_str())),
                        ("kms_master_key_id", val::opt_str(d.kms_master_key_id())),
                    ])
                })
                .into_iter()
                .collect();
            let bucket_key = match r.bucket_key_enabled() {
                Some(true) => Value::Bool(true),
                _ if known_false => Value::Bool(false),
                _ => Value::Null,
            };
            Value::object([
                (
                    "apply_server_side_encryption_by_default",
                    Value::List(by_default),
                ),
                ("bucket_key_enabled", bucket_key),
            ])
        });
        Value::set(rules.collect())
    })
    // PutBucketEncryption.
    .updated_by_hand()
});

async fn get_encryption(
    c: &Clients,
    bucket: String,
    owner: Option<String>,
) -> Result<Option<ServerSideEncryptionConfiguration>, AwsError> {
    let out =
        c.s3.get()
            .await
            .get_bucket_encryption()
            .bucket(bucket)
            .set_expected_bucket_owner(owner)
            .send()
            .await
            .map_err(err("GetBucketEncryption"));
    let out = none_if_missing(out, &["ServerSideEncryptionConfigurationNotFoundError"])?;
    Ok(out.and_then(|o| o.server_side_encryption_configuration().cloned()))
}

fn encryption_rules(planned: &Value) -> Vec<ServerSideEncryptionRule> {
    val::blocks(planned, "rule")
        .iter()
        .map(|r| {
            let by_default = val::first_block(r, "apply_server_side_encryption_by_default")
                .and_then(|d| {
                    ServerSideEncryptionByDefault::builder()
                        .sse_algorithm(ServerSideEncryption::from(
                            val::str_attr(d, "sse_algorithm").unwrap_or_default(),
                        ))
                        .set_kms_master_key_id(
                            val::str_attr(d, "kms_master_key_id").map(str::to_string),
                        )
                        .build()
                        .ok()
                });
            ServerSideEncryptionRule::builder()
                .set_apply_server_side_encryption_by_default(by_default)
                .set_bucket_key_enabled(val::bool_attr(r, "bucket_key_enabled"))
                .build()
        })
        .collect()
}

async fn put_encryption(c: &Clients, planned: &Value) -> Result<(), AwsError> {
    let (bucket, owner) = bucket_and_owner(planned);
    let conf = ServerSideEncryptionConfiguration::builder()
        .set_rules(Some(encryption_rules(planned)))
        .build()
        .map_err(|e| AwsError::Invalid(e.to_string()))?;
    c.s3.get()
        .await
        .put_bucket_encryption()
        .bucket(bucket)
        .set_expected_bucket_owner(owner)
        .server_side_encryption_configuration(conf)
        .send()
        .await
        .map_err(err("PutBucketEncryption"))?;
    Ok(())
}

#[async_trait]
impl AwsResource for EncryptionRes {
    fn type_name(&self) -> &'static str {
        "aws_s3_bucket_server_side_encryption_configuration"
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*ENCRYPTION)
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        for r in val::blocks(config, "rule") {
            check_block_enum(
                r,
                "apply_server_side_encryption_by_default",
                "sse_algorithm",
                &["AES256", "aws:kms", "aws:kms:dsse"],
                diags,
            );
        }
    }

    fn plan(&self, prior: Option<&Value>, config: &Value, planned: &mut Value) -> PlanExtra {
        plan_all_blocks(&self.schema(), prior, config, planned);
        PlanExtra::default()
    }

    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        read_each(
            &ENCRYPTION,
            c,
            current,
            |b, o| get_encryption(c, b, o),
            |_, _| true,
        )
        .await
    }

    async fn create(&self, c: &Clients, planned: &Value, t: Timeout) -> Result<String, Failed> {
        create_config(
            planned,
            t,
            "S3 Bucket Server-side Encryption Configuration",
            put_encryption(c, planned),
            |b, o| get_encryption(c, b, o),
        )
        .await
    }

    async fn update(
        &self,
        c: &Clients,
        prior: &Value,
        planned: &Value,
        _t: Timeout,
    ) -> Result<Option<String>, AwsError> {
        if ENCRYPTION.changed(prior, planned, "rule") {
            put_encryption(c, planned).await?;
        }
        Ok(None)
    }

    async fn delete(&self, c: &Clients, prior: &Value, _t: Timeout) -> Result<(), AwsError> {
        let (bucket, owner) = bucket_and_owner(prior);
        let out =
            c.s3.get()
                .await
                .delete_bucket_encryption()
                .bucket(bucket)
                .set_expected_bucket_owner(owner)
                .send()
                .await
                .map_err(err("DeleteBucketEncryption"));
        none_if_missing(out, &["ServerSideEncryptionConfigurationNotFoundError"]).map(|_| ())
    }

    fn import_stub(&self, id: &str, stub: &mut Obj) -> Result<(), String> {
        super::import_bucket_config(id, stub)
    }
}

// ---- aws_s3_bucket_public_access_block ----

pub struct PublicAccessBlockRes;

type PublicAccessTable =
    Table<OfBucket<PublicAccessBlockConfiguration>, PublicAccessBlockConfigurationBuilder>;

static PUBLIC_ACCESS: LazyLock<PublicAccessTable> = LazyLock::new(|| {
    bucket_rows(PublicAccessTable::new(|| {
        OfBucket::sample(PublicAccessBlockConfiguration::builder().build())
    }))
    // Each is sent with the other three in one PutPublicAccessBlock.
    .attr("block_public_acls", opt_default(BOOL, Value::Bool(false)))
    .read(|o, _| Value::Bool(o.item.block_public_acls().unwrap_or(false)))
    .create(|b, v| b.set_block_public_acls(v.bool()))
    .updated_by_hand()
    .attr("block_public_policy", opt_default(BOOL, Value::Bool(false)))
    .read(|o, _| Value::Bool(o.item.block_public_policy().unwrap_or(false)))
    .create(|b, v| b.set_block_public_policy(v.bool()))
    .updated_by_hand()
    .attr("ignore_public_acls", opt_default(BOOL, Value::Bool(false)))
    .read(|o, _| Value::Bool(o.item.ignore_public_acls().unwrap_or(false)))
    .create(|b, v| b.set_ignore_public_acls(v.bool()))
    .updated_by_hand()
    .attr(
        "restrict_public_buckets",
        opt_default(BOOL, Value::Bool(false)),
    )
    .read(|o, _| Value::Bool(o.item.restrict_public_buckets().unwrap_or(false)))
    .create(|b, v| b.set_restrict_public_buckets(v.bool()))
    .updated_by_hand()
});

async fn get_public_access(
    c: &Clients,
    bucket: String,
    owner: Option<String>,
) -> Result<Option<PublicAccessBlockConfiguration>, AwsError> {
    let out =
        c.s3.get()
            .await
            .get_public_access_block()
            .bucket(bucket)
            .set_expected_bucket_owner(owner)
            .send()
            .await
            .map_err(err("GetPublicAccessBlock"));
    let out = none_if_missing(out, &["NoSuchPublicAccessBlockConfiguration"])?;
    Ok(out.and_then(|o| o.public_access_block_configuration().cloned()))
}

async fn put_public_access(c: &Clients, planned: &Value) -> Result<(), AwsError> {
    let (bucket, owner) = bucket_and_owner(planned);
    let conf = PUBLIC_ACCESS
        .create_request(PublicAccessBlockConfiguration::builder(), planned)
        .build();
    c.s3.get()
        .await
        .put_public_access_block()
        .bucket(bucket)
        .set_expected_bucket_owner(owner)
        .public_access_block_configuration(conf)
        .send()
        .await
        .map_err(err("PutPublicAccessBlock"))?;
    Ok(())
}

#[async_trait]
impl AwsResource for PublicAccessBlockRes {
    fn type_name(&self) -> &'static str {
        "aws_s3_bucket_public_access_block"
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*PUBLIC_ACCESS)
    }

    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        read_each(
            &PUBLIC_ACCESS,
            c,
            current,
            |b, o| get_public_access(c, b, o),
            |_, _| true,
        )
        .await
    }

    async fn create(&self, c: &Clients, planned: &Value, t: Timeout) -> Result<String, Failed> {
        create_config(
            planned,
            t,
            "S3 Bucket Public Access Block",
            put_public_access(c, planned),
            |b, o| get_public_access(c, b, o),
        )
        .await
    }

    async fn update(
        &self,
        c: &Clients,
        _prior: &Value,
        planned: &Value,
        _t: Timeout,
    ) -> Result<Option<String>, AwsError> {
        // The four flags travel together: any change puts all of them.
        put_public_access(c, planned).await.map(|()| None)
    }

    async fn delete(&self, c: &Clients, prior: &Value, _t: Timeout) -> Result<(), AwsError> {
        let (bucket, owner) = bucket_and_owner(prior);
        let out =
            c.s3.get()
                .await
                .delete_public_access_block()
                .bucket(bucket)
                .set_expected_bucket_owner(owner)
                .send()
                .await
                .map_err(err("DeletePublicAccessBlock"));
        none_if_missing(out, &["NoSuchPublicAccessBlockConfiguration"]).map(|_| ())
    }

    fn import_stub(&self, id: &str, stub: &mut Obj) -> Result<(), String> {
        super::import_bucket_config(id, stub)
    }
}
