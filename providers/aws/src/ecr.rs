//! ECR: `aws_ecr_repository`. The name is the ID, the import ID and the crash-recovery
//! identity. Tag mutability and scan-on-push change in place (PutImageTagMutability,
//! PutImageScanningConfiguration); the encryption settings replace. A refresh is one
//! paginated DescribeRepositories for all repositories (naming them would fail the whole
//! call when one is gone), then ListTagsForResource per repository found.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_ecr::operation::create_repository::builders::CreateRepositoryFluentBuilder;
use aws_sdk_ecr::types::{
    EncryptionConfiguration, EncryptionType, ImageScanningConfiguration, ImageTagMutability,
    Repository, Tag,
};
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;
use terrane_engine::provider::Nesting;

use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::tag_calls;
use crate::resource::{
    check_block_enum, check_enum, plan_all_blocks, AwsResource, DefaultTimeouts, Failed, PlanExtra,
    TagCalls, Tagging, Timeout,
};
use crate::schema::*;
use crate::table::{Arg, ReadCtx, ResourceTable, Table};
use crate::val::{self, Obj};

pub fn resources() -> Vec<Box<dyn AwsResource>> {
    vec![Box::new(RepositoryRes)]
}

pub struct RepositoryRes;

/// A repository as DescribeRepositories gives it, with its tags.
struct Described {
    repo: Repository,
    tags: BTreeMap<String, String>,
}

type RepoTable = Table<Described, CreateRepositoryFluentBuilder>;

const MUTABILITY: &[&str] = &[
    "MUTABLE",
    "IMMUTABLE",
    "IMMUTABLE_WITH_EXCLUSION",
    "MUTABLE_WITH_EXCLUSION",
];

static TABLE: LazyLock<RepoTable> = LazyLock::new(|| {
    RepoTable::new(|| {
        Some(Described {
            repo: Repository::builder().build(),
            tags: BTreeMap::new(),
        })
    })
    .tags_all(|d| val::str_map(&d.tags))
    .attr("id", comp(STR))
    .read(|d, _| val::str_or_empty(d.repo.repository_name()))
    .attr("arn", comp(STR))
    .read(|d, _| val::str_or_empty(d.repo.repository_arn()))
    .attr("registry_id", comp(STR))
    .read(|d, _| val::str_or_empty(d.repo.registry_id()))
    .attr("repository_url", comp(STR))
    .read(|d, _| val::str_or_empty(d.repo.repository_uri()))
    .attr("name", req(STR).force_new())
    .read(|d, _| val::str_or_empty(d.repo.repository_name()))
    .create(|b, v| b.set_repository_name(v.str()))
    // PutImageTagMutability.
    .attr(
        "image_tag_mutability",
        opt_default(STR, Value::string("MUTABLE")),
    )
    .read(|d, _| {
        val::opt_str(
            d.repo
                .image_tag_mutability()
                .map(ImageTagMutability::as_str),
        )
    })
    .create(|b, v| b.set_image_tag_mutability(v.str().map(|m| m.as_str().into())))
    .updated_by_hand()
    // With it, destroy deletes the images too.
    .attr("force_delete", opt(BOOL))
    .updated_by_hand()
    .block(
        "encryption_configuration",
        Nesting::List,
        S::new()
            .attr("encryption_type", opt_default(STR, Value::string("AES256")))
            .attr("kms_key", opt_comp(STR)),
    )
    .force_new_block()
    .max_items(1)
    .read(read_encryption)
    .create(|b, v| b.set_encryption_configuration(encryption(v)))
    // PutImageScanningConfiguration.
    .block(
        "image_scanning_configuration",
        Nesting::List,
        S::new().attr("scan_on_push", req(BOOL)),
    )
    .max_items(1)
    .read(read_scanning)
    .create(|b, v| b.set_image_scanning_configuration(Some(scanning(v.value()))))
    .updated_by_hand()
});

/// AWS's default (AES256, no key) reads as no block while none is configured, as the
/// Terraform provider suppresses the difference.
fn read_encryption(d: &Described, cx: &ReadCtx) -> Value {
    let e = d.repo.encryption_configuration();
    let kind = e.map_or("AES256", |e| e.encryption_type().as_str());
    let key = e.and_then(|e| e.kms_key());
    if kind == "AES256"
        && key.is_none()
        && val::blocks(cx.current, "encryption_configuration").is_empty()
    {
        return Value::List(Vec::new());
    }
    Value::List(vec![Value::object([
        ("encryption_type", Value::string(kind)),
        ("kms_key", val::str_or_empty(key)),
    ])])
}

fn encryption(v: Arg) -> Option<EncryptionConfiguration> {
    let b = v.value().as_seq()?.first()?;
    EncryptionConfiguration::builder()
        .encryption_type(EncryptionType::from(
            val::str_attr(b, "encryption_type").unwrap_or("AES256"),
        ))
        .set_kms_key(val::str_attr(b, "kms_key").map(str::to_string))
        .build()
        .ok()
}

/// Scan-on-push off reads as no block while none is configured.
fn read_scanning(d: &Described, cx: &ReadCtx) -> Value {
    let on = d
        .repo
        .image_scanning_configuration()
        .is_some_and(ImageScanningConfiguration::scan_on_push);
    if !on && val::blocks(cx.current, "image_scanning_configuration").is_empty() {
        return Value::List(Vec::new());
    }
    Value::List(vec![Value::object([("scan_on_push", Value::Bool(on))])])
}

/// The configured scanning block; off when there is none.
fn scanning(v: &Value) -> ImageScanningConfiguration {
    let on = v
        .as_seq()
        .and_then(|s| s.first())
        .and_then(|b| val::bool_attr(b, "scan_on_push"))
        .unwrap_or(false);
    ImageScanningConfiguration::builder()
        .scan_on_push(on)
        .build()
}

static TAG_CALLS: TagCalls = tag_calls!(ecr, "arn",
    tag "TagResource": |ecr, arn, tags| ecr
        .tag_resource()
        .resource_arn(arn)
        .set_tags(Some(tags.into_iter().filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok()).collect())),
    untag "UntagResource": |ecr, arn, keys| ecr
        .untag_resource()
        .resource_arn(arn)
        .set_tag_keys(Some(keys)),
);

#[async_trait]
impl AwsResource for RepositoryRes {
    fn type_name(&self) -> &'static str {
        "aws_ecr_repository"
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*TABLE)
    }

    fn tagging(&self) -> Tagging {
        Tagging::Own
    }

    fn tag_calls(&self) -> Option<&'static TagCalls> {
        Some(&TAG_CALLS)
    }

    fn timeouts(&self) -> Option<DefaultTimeouts> {
        Some(DefaultTimeouts {
            create: std::time::Duration::from_secs(20 * 60),
            update: std::time::Duration::from_secs(20 * 60),
            delete: Some(std::time::Duration::from_secs(20 * 60)),
        })
    }

    /// Found again by its name after a crash (its import ID).
    fn identity(&self, planned: &Value) -> Option<terrane_engine::provider::Identity> {
        crate::resource::identity_of(planned, &["name"], &[])
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        check_enum(config, "image_tag_mutability", MUTABILITY, diags);
        check_block_enum(
            config,
            "encryption_configuration",
            "encryption_type",
            &["AES256", "KMS", "KMS_DSSE"],
            diags,
        );
    }

    /// Defaults inside the blocks.
    fn plan(&self, prior: Option<&Value>, config: &Value, planned: &mut Value) -> PlanExtra {
        plan_all_blocks(&TABLE.schema(), prior, config, planned);
        PlanExtra::default()
    }

    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let repos = c
            .ecr
            .get()
            .await
            .describe_repositories()
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(err("DescribeRepositories"))?;
        let by_name: BTreeMap<&str, &Repository> = repos
            .iter()
            .filter_map(|r| Some((r.repository_name()?, r)))
            .collect();
        let jobs = current.iter().map(|cur| {
            let repo = val::str_attr(cur, "id")
                .and_then(|n| by_name.get(n))
                .map(|r| (*r).clone());
            async move {
                let Some(repo) = repo else { return Ok(None) };
                let tags = c
                    .ecr
                    .get()
                    .await
                    .list_tags_for_resource()
                    .resource_arn(repo.repository_arn().unwrap_or_default())
                    .send()
                    .await
                    .map_err(err("ListTagsForResource"))?
                    .tags()
                    .iter()
                    .map(|t| (t.key().to_string(), t.value().to_string()))
                    .collect();
                Ok(Some(TABLE.read_value(
                    &Described { repo, tags },
                    cur,
                    &c.region,
                )))
            }
        });
        futures::future::join_all(jobs).await.into_iter().collect()
    }

    async fn create(&self, c: &Clients, planned: &Value, _t: Timeout) -> Result<String, Failed> {
        let tags: Vec<Tag> = val::string_map(planned, "tags_all")
            .into_iter()
            .filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok())
            .collect();
        let out = TABLE
            .create_request(c.ecr.get().await.create_repository(), planned)
            .set_tags((!tags.is_empty()).then_some(tags))
            .send()
            .await
            .map_err(err("CreateRepository"))?;
        let name = out
            .repository()
            .and_then(Repository::repository_name)
            .ok_or_else(|| AwsError::Invalid("CreateRepository returned no repository".into()))?;
        Ok(name.to_string())
    }

    async fn update(
        &self,
        c: &Clients,
        prior: &Value,
        planned: &Value,
        _t: Timeout,
    ) -> Result<Option<String>, AwsError> {
        let name = val::str_attr(prior, "id").unwrap_or_default();
        let ecr = c.ecr.get().await;
        if TABLE.changed(prior, planned, "image_tag_mutability") {
            let m = val::str_attr(planned, "image_tag_mutability").unwrap_or("MUTABLE");
            ecr.put_image_tag_mutability()
                .repository_name(name)
                .image_tag_mutability(m.into())
                .send()
                .await
                .map_err(err("PutImageTagMutability"))?;
        }
        if TABLE.changed(prior, planned, "image_scanning_configuration") {
            let cfg = planned
                .get_attr("image_scanning_configuration")
                .cloned()
                .unwrap_or_default();
            ecr.put_image_scanning_configuration()
                .repository_name(name)
                .image_scanning_configuration(scanning(&cfg))
                .send()
                .await
                .map_err(err("PutImageScanningConfiguration"))?;
        }
        // `force_delete` is used by destroy only.
        Ok(None)
    }

    async fn delete(&self, c: &Clients, prior: &Value, _t: Timeout) -> Result<(), AwsError> {
        let out = c
            .ecr
            .get()
            .await
            .delete_repository()
            .repository_name(val::str_attr(prior, "id").unwrap_or_default())
            .force(val::bool_attr(prior, "force_delete").unwrap_or(false))
            .send()
            .await
            .map_err(err("DeleteRepository"));
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
