//! CloudWatch Logs: `aws_cloudwatch_log_group`. The name is the ID and the import ID; the
//! `arn` attribute is the group's ARN without the `:*` that DescribeLogGroups appends.

use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_cloudwatchlogs::operation::create_log_group::builders::CreateLogGroupFluentBuilder;
use aws_sdk_cloudwatchlogs::types::LogGroup;
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;

use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::{check_enum, name_or_prefix, AwsResource, Failed, Tagging, Timeout};
use crate::schema::*;
use crate::table::{ResourceTable, Table};
use crate::val;

pub fn resources() -> Vec<Box<dyn AwsResource>> {
    vec![Box::new(LogGroupRes)]
}

/// Above this many groups a refresh lists every group (50 a page) instead of describing
/// each by its name prefix.
const LIST_ALL_ABOVE: usize = 3;

const RETENTION_DAYS: &[i64] = &[
    0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

pub struct LogGroupRes;

/// A group as DescribeLogGroups gives it, with the tags ListTagsForResource gives.
struct Described {
    group: LogGroup,
    tags: BTreeMap<String, String>,
}

fn arn_of(g: &LogGroup) -> Option<&str> {
    g.arn().map(|a| a.strip_suffix(":*").unwrap_or(a))
}

type LogGroupTable = Table<Described, CreateLogGroupFluentBuilder>;

static TABLE: LazyLock<LogGroupTable> = LazyLock::new(|| {
    LogGroupTable::new(|| {
        Some(Described {
            group: LogGroup::builder().build(),
            tags: BTreeMap::new(),
        })
    })
    .tags_all(|d| val::str_map(&d.tags))
    .attr("id", comp(STR))
    .read(|d, _| val::opt_str(d.group.log_group_name()))
    .attr("arn", comp(STR))
    .read(|d, _| val::str_or_empty(arn_of(&d.group)))
    // Created from `name` or `name_prefix` by hand (`name_or_prefix`).
    .attr("name", opt_comp(STR).force_new())
    .read(|d, _| val::opt_str(d.group.log_group_name()))
    .attr("name_prefix", opt(STR).force_new())
    // PutRetentionPolicy after the create; DeleteRetentionPolicy for 0.
    .attr("retention_in_days", opt_default(NUM, val::num(0)))
    .read(|d, _| val::num(d.group.retention_in_days().unwrap_or(0)))
    .updated_by_hand()
    .attr("kms_key_id", opt(STR))
    .read(|d, _| val::opt_str(d.group.kms_key_id()))
    .create(|b, v| b.set_kms_key_id(v.str()))
    .updated_by_hand()
    .attr("log_group_class", opt_comp(STR).force_new())
    .read(|d, _| {
        let class = d.group.log_group_class();
        Value::string(class.map_or("STANDARD", |c| c.as_str()))
    })
    .create(|b, v| b.set_log_group_class(v.str().map(|s| s.as_str().into())))
    // terrane's own: a destroy leaves the group.
    .attr("skip_destroy", opt_default(BOOL, Value::Bool(false)))
    .updated_by_hand()
});

static TAG_CALLS: crate::resource::TagCalls = crate::resource::arn_tag_calls!(logs);

#[async_trait]
impl AwsResource for LogGroupRes {
    fn type_name(&self) -> &'static str {
        "aws_cloudwatch_log_group"
    }

    /// Found again by its name after a crash (its import ID).
    fn identity(&self, planned: &Value) -> Option<terrane_engine::provider::Identity> {
        crate::resource::identity_of(planned, &["name"], &[])
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*TABLE)
    }

    fn tagging(&self) -> Tagging {
        Tagging::Own
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        if let Some(n) = val::num_attr(config, "retention_in_days") {
            if !RETENTION_DAYS.contains(&n) {
                crate::resource::invalid(
                    diags,
                    "retention_in_days",
                    format!("expected retention_in_days to be one of {RETENTION_DAYS:?}, got {n}"),
                );
            }
        }
        check_enum(
            config,
            "log_group_class",
            &["STANDARD", "INFREQUENT_ACCESS", "DELIVERY"],
            diags,
        );
    }

    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let logs = c.logs.get().await;
        let names: Vec<&str> = current
            .iter()
            .filter_map(|v| val::str_attr(v, "id"))
            .collect();
        let mut found: HashMap<String, LogGroup> = HashMap::new();
        let describe = |prefix: Option<&str>| {
            logs.describe_log_groups()
                .set_log_group_name_prefix(prefix.map(str::to_string))
                .into_paginator()
                .items()
                .send()
                .collect::<Result<Vec<_>, _>>()
        };
        if names.len() > LIST_ALL_ABOVE {
            for g in describe(None).await.map_err(err("DescribeLogGroups"))? {
                if let Some(n) = g.log_group_name() {
                    found.insert(n.to_string(), g.clone());
                }
            }
        } else {
            for n in &names {
                for g in describe(Some(n)).await.map_err(err("DescribeLogGroups"))? {
                    if g.log_group_name() == Some(n) {
                        found.insert(n.to_string(), g);
                    }
                }
            }
        }
        let mut out = Vec::with_capacity(current.len());
        for cur in current {
            let Some(g) = val::str_attr(cur, "id").and_then(|n| found.get(n)) else {
                out.push(None);
                continue;
            };
            let arn = arn_of(g).unwrap_or_default();
            let tags: BTreeMap<String, String> = logs
                .list_tags_for_resource()
                .resource_arn(arn)
                .send()
                .await
                .map_err(err("ListTagsForResource"))?
                .tags()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .collect();
            let d = Described {
                group: g.clone(),
                tags,
            };
            out.push(Some(TABLE.read_value(&d, cur, &c.region)));
        }
        Ok(out)
    }

    async fn create(&self, c: &Clients, planned: &Value, _t: Timeout) -> Result<String, Failed> {
        let name = name_or_prefix(planned);
        let logs = c.logs.get().await;
        let tags = val::string_map(planned, "tags_all");
        TABLE
            .create_request(logs.create_log_group(), planned)
            .log_group_name(&name)
            .set_tags((!tags.is_empty()).then(|| tags.into_iter().collect()))
            .send()
            .await
            .map_err(err("CreateLogGroup"))?;
        if let Some(days) = val::num_attr(planned, "retention_in_days").filter(|d| *d > 0) {
            logs.put_retention_policy()
                .log_group_name(&name)
                .retention_in_days(i32::try_from(days).unwrap_or(0))
                .send()
                .await
                .map_err(err("PutRetentionPolicy"))
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
        let logs = c.logs.get().await;
        if TABLE.changed(prior, planned, "retention_in_days") {
            match val::num_attr(planned, "retention_in_days").filter(|d| *d > 0) {
                Some(days) => {
                    logs.put_retention_policy()
                        .log_group_name(name)
                        .retention_in_days(i32::try_from(days).unwrap_or(0))
                        .send()
                        .await
                        .map_err(err("PutRetentionPolicy"))?;
                }
                None => {
                    logs.delete_retention_policy()
                        .log_group_name(name)
                        .send()
                        .await
                        .map_err(err("DeleteRetentionPolicy"))?;
                }
            }
        }
        if TABLE.changed(prior, planned, "kms_key_id") {
            match val::str_attr(planned, "kms_key_id") {
                Some(k) => {
                    logs.associate_kms_key()
                        .log_group_name(name)
                        .kms_key_id(k)
                        .send()
                        .await
                        .map_err(err("AssociateKmsKey"))?;
                }
                None => {
                    logs.disassociate_kms_key()
                        .log_group_name(name)
                        .send()
                        .await
                        .map_err(err("DisassociateKmsKey"))?;
                }
            }
        }
        Ok(None)
    }

    fn tag_calls(&self) -> Option<&'static crate::resource::TagCalls> {
        Some(&TAG_CALLS)
    }

    async fn delete(&self, c: &Clients, prior: &Value, _t: Timeout) -> Result<(), AwsError> {
        if val::bool_attr(prior, "skip_destroy") == Some(true) {
            return Ok(());
        }
        c.logs
            .get()
            .await
            .delete_log_group()
            .log_group_name(val::str_attr(prior, "id").unwrap_or_default())
            .send()
            .await
            .map_err(err("DeleteLogGroup"))?;
        Ok(())
    }
}
