//! DynamoDB: `aws_dynamodb_table`, with what an S3 backend's lock table and most
//! application tables use: keys and attributes, billing mode and capacity (updated in
//! place), secondary indexes (see [`index`]), point-in-time recovery, encryption, TTL,
//! streams, deletion protection, warm throughput (see [`warm`]) and tags. Declared and
//! refused when set, because moto does not keep them (see [`unserved`]): a table class
//! other than STANDARD, `on_demand_throughput` and replicas. Not yet: restores and
//! imports. The name is the ID and the import ID.
//!
//! `point_in_time_recovery`, `server_side_encryption` and `ttl` are optional and computed
//! blocks in the Terraform provider: left out of the configuration they keep what the
//! table has (the plan keeps the prior value; a read keeps them empty while AWS has them
//! off).

mod index;
mod unserved;
mod warm;

use std::collections::BTreeMap;
use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_dynamodb::operation::create_table::builders::CreateTableFluentBuilder;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndexUpdate, IndexStatus, KeyType,
    PointInTimeRecoverySpecification, ProvisionedThroughput, ScalarAttributeType, SseSpecification,
    SseStatus, SseType, StreamSpecification, StreamViewType, TableClass, TableDescription,
    TableStatus, Tag, TimeToLiveSpecification, TimeToLiveStatus,
};
use terrane_engine::diag::{Diagnostic, Diagnostics};
use terrane_engine::lang::Value;
use terrane_engine::provider::Nesting;

use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::{
    check_block_enum, check_enum, invalid, plan_all_blocks, wait_for, AwsResource, DefaultTimeouts,
    Failed, PlanExtra, Tagging, Timeout,
};
use crate::schema::*;
use crate::table::{Normalise, ReadCtx, ResourceTable, Table};
use crate::val;
use index::{key_element, GSI, LSI};

pub fn resources() -> Vec<Box<dyn AwsResource>> {
    vec![Box::new(TableRes)]
}

pub struct TableRes;

/// A table as DescribeTable, DescribeContinuousBackups, DescribeTimeToLive and
/// ListTagsOfResource describe it.
pub struct Described {
    table: TableDescription,
    pitr: Option<(bool, Option<i32>)>,
    /// TTL attribute and whether it is on.
    ttl: (Option<String>, bool),
    tags: BTreeMap<String, String>,
}

const PROVISIONED: &str = "PROVISIONED";
const PAY_PER_REQUEST: &str = "PAY_PER_REQUEST";

/// The optional-and-computed blocks (see the module documentation).
const COMPUTED_BLOCKS: [&str; 3] = ["point_in_time_recovery", "server_side_encryption", "ttl"];

type DynamoTable = Table<Described, CreateTableFluentBuilder>;

fn key_of(t: &TableDescription, ty: &KeyType) -> Option<String> {
    t.key_schema()
        .iter()
        .find(|k| k.key_type() == ty)
        .map(|k| k.attribute_name().to_string())
}

/// A block read from AWS, kept empty while the configuration has none and AWS has the
/// feature off (so an unconfigured block plans no change).
fn computed_block(cx: &ReadCtx, name: &str, on: bool, item: Value) -> Value {
    if !on && val::blocks(cx.current, name).is_empty() {
        Value::List(Vec::new())
    } else {
        Value::List(vec![item])
    }
}

static TABLE: LazyLock<DynamoTable> = LazyLock::new(|| {
    let t = DynamoTable::new(|| {
        Some(Described {
            table: TableDescription::builder().build(),
            pitr: None,
            ttl: (None, false),
            tags: BTreeMap::new(),
        })
    })
    .tags_all(|d| val::str_map(&d.tags))
    .attr("id", comp(STR))
    .read(|d, _| val::opt_str(d.table.table_name()))
    .attr("arn", comp(STR))
    .read(|d, _| val::str_or_empty(d.table.table_arn()))
    .attr("name", req(STR).force_new())
    .read(|d, _| val::opt_str(d.table.table_name()))
    .create(|b, v| b.set_table_name(v.str()))
    .attr("billing_mode", opt_default(STR, Value::string(PROVISIONED)))
    .read(|d, _| {
        let mode = d
            .table
            .billing_mode_summary()
            .and_then(|s| s.billing_mode());
        Value::string(mode.map_or(PROVISIONED, BillingMode::as_str))
    })
    .create(|b, v| b.set_billing_mode(v.str().map(|m| BillingMode::from(m.as_str()))))
    // UpdateTable, with the capacities.
    .updated_by_hand()
    .attr("read_capacity", opt_comp(NUM))
    .read(|d, _| {
        let t = d.table.provisioned_throughput();
        val::num(t.and_then(|t| t.read_capacity_units()).unwrap_or(0) as f64)
    })
    .updated_by_hand()
    .attr("write_capacity", opt_comp(NUM))
    .read(|d, _| {
        let t = d.table.provisioned_throughput();
        val::num(t.and_then(|t| t.write_capacity_units()).unwrap_or(0) as f64)
    })
    .updated_by_hand()
    .attr("hash_key", req(STR).force_new())
    .read(|d, _| val::opt_str(key_of(&d.table, &KeyType::Hash).as_deref()))
    .create(|b, v| match v.str() {
        Some(k) => b.set_key_schema(key_element(k, KeyType::Hash).map(|e| vec![e])),
        None => b,
    })
    // After `hash_key`: the range key follows the hash key in the key schema.
    .attr("range_key", opt(STR).force_new())
    .read(|d, _| val::opt_str(key_of(&d.table, &KeyType::Range).as_deref()))
    .create(
        |b, v| match v.str().and_then(|k| key_element(k, KeyType::Range)) {
            Some(e) => b.key_schema(e),
            None => b,
        },
    )
    // Every attribute is a key of the table or an index (checked by `validate`): new ones
    // come with a new index; a table key's type changed replaces the table (`plan`).
    .block(
        "attribute",
        Nesting::Set,
        S::new().attr("name", req(STR)).attr("type", req(STR)),
    )
    .read(|d, _| {
        // AWS keeps only the attributes some key uses; moto also keeps those of deleted
        // indexes.
        let t = &d.table;
        let gsi_keys = t
            .global_secondary_indexes()
            .iter()
            .flat_map(|g| g.key_schema());
        let lsi_keys = t
            .local_secondary_indexes()
            .iter()
            .flat_map(|l| l.key_schema());
        let keys: Vec<&str> = t
            .key_schema()
            .iter()
            .chain(gsi_keys)
            .chain(lsi_keys)
            .map(|k| k.attribute_name())
            .collect();
        let used = t.attribute_definitions().iter();
        let attrs = used
            .filter(|a| keys.contains(&a.attribute_name()))
            .map(|a| {
                Value::object([
                    ("name", Value::string(a.attribute_name())),
                    ("type", Value::string(a.attribute_type().as_str())),
                ])
            });
        Value::set(attrs.collect())
    })
    .create(|b, v| b.set_attribute_definitions(Some(attribute_definitions(v.items()))))
    // With the global indexes' UpdateTable calls.
    .updated_by_hand()
    .block(GSI, Nesting::Set, index::gsi_schema())
    .read(|d, cx| index::read_gsis(&d.table, cx))
    // UpdateTable, one index at a time.
    .updated_by_hand()
    .block(LSI, Nesting::Set, index::lsi_schema())
    .force_new_block()
    .read(|d, cx| index::read_lsis(&d.table, cx))
    .block(
        "point_in_time_recovery",
        Nesting::List,
        S::new()
            .attr("enabled", req(BOOL))
            .attr("recovery_period_in_days", opt_comp(NUM)),
    )
    .max_items(1)
    .read(|d, cx| {
        let (on, days) = d.pitr.unwrap_or((false, None));
        // AWS keeps 35 days unless told otherwise.
        let days = val::num(days.unwrap_or(if on { 35 } else { 0 }));
        let item = Value::object([
            ("enabled", Value::Bool(on)),
            ("recovery_period_in_days", days),
        ]);
        computed_block(cx, "point_in_time_recovery", on, item)
    })
    // UpdateContinuousBackups.
    .updated_by_hand()
    .block(
        "server_side_encryption",
        Nesting::List,
        S::new()
            .attr("enabled", req(BOOL))
            .attr("kms_key_arn", opt_comp(STR)),
    )
    .max_items(1)
    .read(|d, cx| {
        let sse = d.table.sse_description();
        let on = sse
            .and_then(|s| s.status())
            .is_some_and(|s| matches!(s, SseStatus::Enabled | SseStatus::Enabling));
        let key = sse.and_then(|s| s.kms_master_key_arn());
        let item = Value::object([
            ("enabled", Value::Bool(on)),
            ("kms_key_arn", val::str_or_empty(key)),
        ]);
        computed_block(cx, "server_side_encryption", on, item)
    })
    .create(|b, v| {
        let Some(sse) = v.value().as_seq().and_then(|s| s.first()) else {
            return b;
        };
        b.sse_specification(sse_specification(sse))
    })
    // UpdateTable.
    .updated_by_hand()
    .block(
        "ttl",
        Nesting::List,
        S::new()
            .attr("attribute_name", opt(STR))
            .attr("enabled", opt_default(BOOL, Value::Bool(false))),
    )
    .max_items(1)
    .read(|d, cx| {
        let (name, on) = &d.ttl;
        let known = val::first_block(cx.current, "ttl");
        // AWS forgets the attribute of a disabled TTL; the configuration's stays.
        let name = match (name, known.and_then(|k| k.get_attr("attribute_name"))) {
            (Some(n), _) => Value::string(n),
            (None, Some(k)) if !k.is_unknown() => k.clone(),
            (None, _) => Value::Null,
        };
        let item = Value::object([("attribute_name", name), ("enabled", Value::Bool(*on))]);
        computed_block(cx, "ttl", *on, item)
    })
    // UpdateTimeToLive.
    .updated_by_hand()
    .attr("stream_enabled", opt(BOOL))
    .read(|d, _| {
        let spec = d.table.stream_specification();
        Value::Bool(spec.is_some_and(StreamSpecification::stream_enabled))
    })
    .normalise(Normalise::ZeroAsNull)
    // With the view type, by `create`.
    // UpdateTable, with the view type.
    .updated_by_hand()
    .attr("stream_view_type", opt_comp(STR))
    .read(|d, _| {
        let spec = d.table.stream_specification();
        let view = spec
            .filter(|s| s.stream_enabled())
            .and_then(|s| s.stream_view_type());
        Value::string(view.map_or("", StreamViewType::as_str))
    })
    .updated_by_hand()
    .attr("stream_arn", comp(STR))
    .read(|d, _| val::str_or_empty(d.table.latest_stream_arn()))
    .attr("stream_label", comp(STR))
    .read(|d, _| val::str_or_empty(d.table.latest_stream_label()))
    .attr("deletion_protection_enabled", opt(BOOL))
    .read(|d, _| Value::Bool(d.table.deletion_protection_enabled().unwrap_or(false)))
    .normalise(Normalise::ZeroAsNull)
    .create(|b, v| b.set_deletion_protection_enabled(v.true_only()))
    // UpdateTable.
    .updated_by_hand();
    warm::rows(unserved::rows(t))
});

fn attribute_definitions(items: &[Value]) -> Vec<AttributeDefinition> {
    let def = |a: &Value| {
        AttributeDefinition::builder()
            .attribute_name(val::str_attr(a, "name").unwrap_or_default())
            .attribute_type(ScalarAttributeType::from(
                val::str_attr(a, "type").unwrap_or_default(),
            ))
            .build()
            .ok()
    };
    items.iter().filter_map(def).collect()
}

/// A stream switched on (with its view type) or off.
fn stream_spec(on: bool, view: Option<&str>) -> Option<StreamSpecification> {
    StreamSpecification::builder()
        .stream_enabled(on)
        .set_stream_view_type(view.map(StreamViewType::from))
        .build()
        .ok()
}

/// The SSE request for a `server_side_encryption` item: KMS when enabled (with the
/// configured key, else AWS's managed one); AWS-owned keys when disabled.
fn sse_specification(item: &Value) -> SseSpecification {
    let on = val::bool_attr(item, "enabled").unwrap_or(false);
    SseSpecification::builder()
        .enabled(on)
        .set_sse_type(on.then_some(SseType::Kms))
        .set_kms_master_key_id(
            val::str_attr(item, "kms_key_arn")
                .filter(|k| on && !k.is_empty())
                .map(str::to_string),
        )
        .build()
}

async fn describe(c: &Clients, name: &str) -> Result<Option<Described>, AwsError> {
    let ddb = c.dynamodb.get().await;
    let out = ddb
        .describe_table()
        .table_name(name)
        .send()
        .await
        .map_err(err("DescribeTable"));
    let table = match out {
        Ok(o) => o.table().cloned(),
        Err(e) if e.is_not_found() => None,
        Err(e) => return Err(e),
    };
    let Some(table) = table.filter(|t| t.table_status() != Some(&TableStatus::Deleting)) else {
        return Ok(None);
    };
    let backups = ddb
        .describe_continuous_backups()
        .table_name(name)
        .send()
        .await
        .map_err(err("DescribeContinuousBackups"))?;
    let pitr = backups
        .continuous_backups_description()
        .and_then(|b| b.point_in_time_recovery_description())
        .map(|p| {
            let on = p.point_in_time_recovery_status().map(|s| s.as_str()) == Some("ENABLED");
            (on, p.recovery_period_in_days())
        });
    let ttl = ddb
        .describe_time_to_live()
        .table_name(name)
        .send()
        .await
        .map_err(err("DescribeTimeToLive"))?;
    let ttl = ttl.time_to_live_description().map_or((None, false), |t| {
        let on = matches!(
            t.time_to_live_status(),
            Some(TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling)
        );
        (t.attribute_name().map(str::to_string), on)
    });
    let mut tags = BTreeMap::new();
    let mut next: Option<String> = None;
    loop {
        let page = ddb
            .list_tags_of_resource()
            .resource_arn(table.table_arn().unwrap_or_default())
            .set_next_token(next.take())
            .send()
            .await
            .map_err(err("ListTagsOfResource"))?;
        for t in page.tags() {
            tags.insert(t.key().to_string(), t.value().to_string());
        }
        match page.next_token() {
            Some(n) => next = Some(n.to_string()),
            None => break,
        }
    }
    Ok(Some(Described {
        table,
        pitr,
        ttl,
        tags,
    }))
}

/// Waits until the table and its global indexes are ACTIVE again after a change (a
/// deleted index is gone, a new one backfilled).
async fn wait_active(c: &Clients, name: &str, t: Timeout) -> Result<(), AwsError> {
    wait_for(&format!("DynamoDB Table ({name})"), "ACTIVE", t, || async {
        let out = c
            .dynamodb
            .get()
            .await
            .describe_table()
            .table_name(name)
            .send()
            .await
            .map_err(err("DescribeTable"))?;
        let table = out.table();
        let index_busy = table
            .map(|t| t.global_secondary_indexes())
            .unwrap_or_default()
            .iter()
            .find(|g| g.index_status() != Some(&IndexStatus::Active));
        // The provider also waits for a new warm throughput to be applied.
        let warming = table
            .and_then(|t| t.warm_throughput())
            .and_then(|w| w.status())
            .filter(|s| **s != TableStatus::Active);
        let status = table.and_then(|t| t.table_status()).cloned();
        if let (Some(TableStatus::Active), Some(w)) = (&status, warming) {
            return Ok(Err(format!("warm throughput {}", w.as_str())));
        }
        Ok(match (status, index_busy) {
            (Some(TableStatus::Active), None) => Ok(()),
            (Some(TableStatus::Active), Some(g)) => Err(format!(
                "index {} {}",
                g.index_name().unwrap_or_default(),
                g.index_status().map_or("unknown", |s| s.as_str())
            )),
            (other, _) => Err(other.map_or_else(|| "unknown".into(), |s| s.as_str().to_string())),
        })
    })
    .await
}

fn capacity(planned: &Value) -> Option<ProvisionedThroughput> {
    if val::str_attr(planned, "billing_mode") == Some(PAY_PER_REQUEST) {
        return None;
    }
    ProvisionedThroughput::builder()
        .read_capacity_units(val::num_attr(planned, "read_capacity").unwrap_or(0))
        .write_capacity_units(val::num_attr(planned, "write_capacity").unwrap_or(0))
        .build()
        .ok()
}

/// One index change, with the attribute definitions a new index's keys need.
async fn update_index(
    c: &Clients,
    name: &str,
    attrs: Option<Vec<AttributeDefinition>>,
    u: GlobalSecondaryIndexUpdate,
) -> Result<(), AwsError> {
    c.dynamodb
        .get()
        .await
        .update_table()
        .table_name(name)
        .set_attribute_definitions(attrs)
        .global_secondary_index_updates(u)
        .send()
        .await
        .map_err(err("UpdateTable"))?;
    Ok(())
}

async fn update_pitr(c: &Clients, name: &str, planned: &Value) -> Result<(), AwsError> {
    let item = val::first_block(planned, "point_in_time_recovery");
    let on = item
        .and_then(|p| val::bool_attr(p, "enabled"))
        .unwrap_or(false);
    let days = item
        .and_then(|p| val::i32_attr(p, "recovery_period_in_days"))
        .filter(|d| on && *d > 0);
    let spec = PointInTimeRecoverySpecification::builder()
        .point_in_time_recovery_enabled(on)
        .set_recovery_period_in_days(days)
        .build()
        .map_err(|e| AwsError::Invalid(e.to_string()))?;
    c.dynamodb
        .get()
        .await
        .update_continuous_backups()
        .table_name(name)
        .point_in_time_recovery_specification(spec)
        .send()
        .await
        .map_err(err("UpdateContinuousBackups"))?;
    Ok(())
}

/// Turns TTL on or off. Turning it off names the attribute it was on (`prior`).
async fn update_ttl(
    c: &Clients,
    name: &str,
    prior: Option<&Value>,
    planned: &Value,
) -> Result<(), AwsError> {
    let ttl_of = |v: &Value| {
        let item = val::first_block(v, "ttl")?;
        let on = val::bool_attr(item, "enabled").unwrap_or(false);
        Some((
            val::str_attr(item, "attribute_name").map(str::to_string),
            on,
        ))
    };
    let (attr, on) = match (ttl_of(planned), prior.and_then(ttl_of)) {
        (Some((Some(a), true)), _) => (a, true),
        (_, Some((Some(a), true))) => (a, false),
        // Neither was on: nothing to change.
        _ => return Ok(()),
    };
    let spec = TimeToLiveSpecification::builder()
        .attribute_name(attr)
        .enabled(on)
        .build()
        .map_err(|e| AwsError::Invalid(e.to_string()))?;
    c.dynamodb
        .get()
        .await
        .update_time_to_live()
        .table_name(name)
        .time_to_live_specification(spec)
        .send()
        .await
        .map_err(err("UpdateTimeToLive"))?;
    Ok(())
}

fn ddb_tags(tags: BTreeMap<String, String>) -> Vec<Tag> {
    tags.into_iter()
        .filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok())
        .collect()
}

/// Whether the type of an attribute the table's own keys (or its local indexes, made with
/// it) use changed: AWS cannot change that in place.
fn table_key_type_changed(prior: &Value, planned: &Value) -> bool {
    let type_of = |v: &Value, name: &str| {
        val::blocks(v, "attribute")
            .iter()
            .find(|a| val::str_attr(a, "name") == Some(name))
            .and_then(|a| val::str_attr(a, "type"))
            .map(str::to_string)
    };
    let lsi_keys = val::blocks(planned, LSI)
        .iter()
        .filter_map(|l| val::str_attr(l, "range_key"));
    ["hash_key", "range_key"]
        .iter()
        .filter_map(|k| val::str_attr(planned, k))
        .chain(lsi_keys)
        .any(|k| type_of(prior, k) != type_of(planned, k))
}

fn deletion_protected(prior: &Value) -> bool {
    val::bool_attr(prior, "deletion_protection_enabled") == Some(true)
}

#[async_trait]
impl AwsResource for TableRes {
    fn type_name(&self) -> &'static str {
        "aws_dynamodb_table"
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*TABLE)
    }

    fn tagging(&self) -> Tagging {
        Tagging::Own
    }

    fn timeouts(&self) -> Option<DefaultTimeouts> {
        Some(DefaultTimeouts::minutes(30, 60, 10))
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        check_enum(
            config,
            "billing_mode",
            &[PROVISIONED, PAY_PER_REQUEST],
            diags,
        );
        check_block_enum(config, "attribute", "type", &["S", "N", "B"], diags);
        warm::check(config, diags);
        unserved::check(config, diags);
        for b in [GSI, LSI] {
            check_block_enum(
                config,
                b,
                "projection_type",
                &index::PROJECTION_TYPES,
                diags,
            );
        }
        check_enum(
            config,
            "stream_view_type",
            &["KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"],
            diags,
        );
        let mode = val::str_attr(config, "billing_mode").unwrap_or(PROVISIONED);
        let known = |k: &str| config.get_attr(k).is_some_and(|v| !v.is_unknown());
        for cap in ["read_capacity", "write_capacity"] {
            let set = val::num_attr(config, cap).is_some_and(|n| n > 0);
            if mode == PROVISIONED && known(cap) && !set {
                invalid(
                    diags,
                    cap,
                    format!("{cap} must be set when billing_mode is \"{PROVISIONED}\""),
                );
            }
            if mode == PAY_PER_REQUEST && set {
                invalid(
                    diags,
                    cap,
                    format!("{cap} can not be set when billing_mode is \"{PAY_PER_REQUEST}\""),
                );
            }
        }
        if mode == PROVISIONED {
            for g in val::blocks(config, GSI) {
                for cap in ["read_capacity", "write_capacity"] {
                    if g.get_attr(cap).is_some_and(Value::is_null) {
                        invalid(
                            diags,
                            GSI,
                            format!(
                                "{GSI}.{cap} must be set when billing_mode is \"{PROVISIONED}\""
                            ),
                        );
                    }
                }
            }
        }
        // Terraform's rule: AWS keeps only key attributes, so any other attribute would
        // plan a change forever; and every key must be a defined attribute.
        let keys = index::key_names(config);
        let range_unknown = config.get_attr("range_key").is_some_and(Value::is_unknown);
        let attrs_known = config
            .get_attr("attribute")
            .is_some_and(|a| !a.contains_unknown());
        if known("hash_key") && !range_unknown && !index::keys_unknown(config) && attrs_known {
            let defined: Vec<&str> = val::blocks(config, "attribute")
                .iter()
                .filter_map(|a| val::str_attr(a, "name"))
                .collect();
            let unused: Vec<&str> = defined
                .iter()
                .copied()
                .filter(|n| !keys.iter().any(|k| k == n))
                .collect();
            if !unused.is_empty() {
                invalid(
                    diags,
                    "attribute",
                    format!("all attributes must be indexed. Unused attributes: {unused:?}"),
                );
            }
            let mut missing: Vec<&str> = keys
                .iter()
                .map(String::as_str)
                .filter(|k| !defined.contains(k))
                .collect();
            missing.dedup();
            if !missing.is_empty() {
                invalid(
                    diags,
                    "attribute",
                    format!("all indexes must match a defined attribute. Unmatched indexes: {missing:?}"),
                );
            }
        }
        if val::bool_attr(config, "stream_enabled") == Some(true)
            && val::str_attr(config, "stream_view_type").is_none_or(str::is_empty)
            && known("stream_view_type")
        {
            invalid(
                diags,
                "stream_view_type",
                "stream_view_type is required when stream_enabled = true".into(),
            );
        }
    }

    fn plan(&self, prior: Option<&Value>, config: &Value, planned: &mut Value) -> PlanExtra {
        plan_all_blocks(&self.schema(), prior, config, planned);
        // Optional and computed blocks left out keep what the table has.
        for b in COMPUTED_BLOCKS {
            if val::blocks(config, b).is_empty() {
                let kept = prior
                    .and_then(|p| p.get_attr(b))
                    .cloned()
                    .unwrap_or(Value::List(Vec::new()));
                val::set_attr(planned, b, kept);
            }
        }
        warm::plan(prior, config, planned);
        let Some(p) = prior else {
            return PlanExtra::default();
        };
        let mut extra = PlanExtra::default();
        if table_key_type_changed(p, planned) {
            extra.requires_replace.push("attribute".into());
        }
        if warm::lowered(p, planned) {
            extra.requires_replace.push(warm::BLOCK.into());
        }
        let unset = |k: &str| config.get_attr(k).is_none_or(Value::is_null);
        // A stream switched on or off gets a new ARN and label (and, switched off, no
        // view type unless one is configured).
        if val::changed(p, planned, "stream_enabled")
            || val::changed(p, planned, "stream_view_type")
        {
            val::set_attr(planned, "stream_arn", Value::Unknown);
            val::set_attr(planned, "stream_label", Value::Unknown);
            if unset("stream_view_type") {
                val::set_attr(planned, "stream_view_type", Value::Unknown);
            }
        }
        // Capacities left unset follow a change of billing mode (on demand reads 0).
        if val::changed(p, planned, "billing_mode") {
            for cap in ["read_capacity", "write_capacity"] {
                if unset(cap) {
                    val::set_attr(planned, cap, Value::Unknown);
                }
            }
        }
        extra
    }

    fn refuse_destroy(&self, prior: &Value) -> Option<Diagnostic> {
        deletion_protected(prior).then(|| {
            Diagnostic::error("Cannot delete this DynamoDB table").detail(format!(
                "The plan deletes DynamoDB table {:?} (to destroy or to replace it), but it has deletion_protection_enabled = true. Set deletion_protection_enabled = false and apply that first.",
                val::str_attr(prior, "name").unwrap_or_default()
            ))
        })
    }

    /// Four calls per table (DescribeTable has no batch form).
    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let mut out = Vec::with_capacity(current.len());
        for cur in current {
            let name = val::str_attr(cur, "id").unwrap_or_default();
            let read = describe(c, name)
                .await?
                .map(|d| TABLE.read_value(&d, cur, &c.region));
            out.push(read);
        }
        Ok(out)
    }

    async fn create(&self, c: &Clients, planned: &Value, t: Timeout) -> Result<String, Failed> {
        let name = val::str_attr(planned, "name")
            .unwrap_or_default()
            .to_string();
        let tags = val::string_map(planned, "tags_all");
        let mut req = TABLE
            .create_request(c.dynamodb.get().await.create_table(), planned)
            .set_provisioned_throughput(capacity(planned))
            .set_global_secondary_indexes(index::gsis_for_create(
                planned,
                capacity(planned).is_some(),
            ))
            .set_local_secondary_indexes(index::lsis_for_create(planned))
            .set_tags((!tags.is_empty()).then(|| ddb_tags(tags)));
        if val::bool_attr(planned, "stream_enabled") == Some(true) {
            let view = val::str_attr(planned, "stream_view_type");
            req = req.set_stream_specification(stream_spec(true, view));
        }
        req.send().await.map_err(err("CreateTable"))?;
        wait_active(c, &name, t)
            .await
            .map_err(|e| e.after_create(&name))?;
        let pitr_on = val::first_block(planned, "point_in_time_recovery")
            .and_then(|p| val::bool_attr(p, "enabled"))
            == Some(true);
        if pitr_on {
            update_pitr(c, &name, planned)
                .await
                .map_err(|e| e.after_create(&name))?;
        }
        update_ttl(c, &name, None, planned)
            .await
            .map_err(|e| e.after_create(&name))?;
        Ok(name)
    }

    async fn update(
        &self,
        c: &Clients,
        prior: &Value,
        planned: &Value,
        t: Timeout,
    ) -> Result<Option<String>, AwsError> {
        let name = val::str_attr(prior, "id").unwrap_or_default();
        let changed = |k: &str| TABLE.changed(prior, planned, k);
        let update = || async { c.dynamodb.get().await.update_table().table_name(name) };
        // UpdateTable changes one kind of setting at a time, waiting for ACTIVE between.
        let provisioned = capacity(planned).is_some();
        // An on-demand table made provisioned needs its indexes' capacities in that call.
        let to_provisioned = changed("billing_mode") && provisioned;
        if changed("billing_mode") || changed("read_capacity") || changed("write_capacity") {
            let mode = val::str_attr(planned, "billing_mode").unwrap_or(PROVISIONED);
            let indexes = if to_provisioned {
                index::kept_capacities(prior, planned)
            } else {
                Vec::new()
            };
            update()
                .await
                .billing_mode(BillingMode::from(mode))
                .set_provisioned_throughput(capacity(planned))
                .set_global_secondary_index_updates((!indexes.is_empty()).then_some(indexes))
                .send()
                .await
                .map_err(err("UpdateTable"))?;
            wait_active(c, name, t).await?;
        }
        if changed(GSI) || changed("attribute") {
            let attrs = attribute_definitions(val::blocks(planned, "attribute"));
            for u in index::gsi_updates(prior, planned, provisioned, to_provisioned) {
                update_index(c, name, Some(attrs.clone()), u).await?;
                wait_active(c, name, t).await?;
            }
        }
        if changed("stream_enabled") || changed("stream_view_type") {
            let on = val::bool_attr(planned, "stream_enabled") == Some(true);
            let view = val::str_attr(planned, "stream_view_type").filter(|_| on);
            update()
                .await
                .set_stream_specification(stream_spec(on, view))
                .send()
                .await
                .map_err(err("UpdateTable"))?;
            wait_active(c, name, t).await?;
        }
        if changed("server_side_encryption") {
            let item = val::first_block(planned, "server_side_encryption")
                .cloned()
                .unwrap_or_else(|| Value::object([("enabled", Value::Bool(false))]));
            update()
                .await
                .sse_specification(sse_specification(&item))
                .send()
                .await
                .map_err(err("UpdateTable"))?;
            wait_active(c, name, t).await?;
        }
        if changed("deletion_protection_enabled") {
            let on = val::bool_attr(planned, "deletion_protection_enabled") == Some(true);
            update()
                .await
                .deletion_protection_enabled(on)
                .send()
                .await
                .map_err(err("UpdateTable"))?;
            wait_active(c, name, t).await?;
        }
        if changed("table_class") {
            let class = val::str_attr(planned, "table_class").unwrap_or(unserved::STANDARD);
            update()
                .await
                .table_class(TableClass::from(class))
                .send()
                .await
                .map_err(err("UpdateTable"))?;
            wait_active(c, name, t).await?;
        }
        let warm = val::first_block(planned, warm::BLOCK).and_then(warm::spec);
        if let (true, Some(w)) = (changed(warm::BLOCK), warm) {
            update()
                .await
                .warm_throughput(w)
                .send()
                .await
                .map_err(err("UpdateTable"))?;
            wait_active(c, name, t).await?;
        }
        if changed("point_in_time_recovery") {
            update_pitr(c, name, planned).await?;
        }
        if changed("ttl") {
            update_ttl(c, name, Some(prior), planned).await?;
        }
        Ok(None)
    }

    async fn tag(
        &self,
        c: &Clients,
        prior: &Value,
        tags: BTreeMap<String, String>,
    ) -> Result<(), AwsError> {
        c.dynamodb
            .get()
            .await
            .tag_resource()
            .resource_arn(val::str_attr(prior, "arn").unwrap_or_default())
            .set_tags(Some(ddb_tags(tags)))
            .send()
            .await
            .map_err(err("TagResource"))?;
        Ok(())
    }

    async fn untag(&self, c: &Clients, prior: &Value, keys: Vec<String>) -> Result<(), AwsError> {
        c.dynamodb
            .get()
            .await
            .untag_resource()
            .resource_arn(val::str_attr(prior, "arn").unwrap_or_default())
            .set_tag_keys(Some(keys))
            .send()
            .await
            .map_err(err("UntagResource"))?;
        Ok(())
    }

    async fn delete(&self, c: &Clients, prior: &Value, t: Timeout) -> Result<(), AwsError> {
        let name = val::str_attr(prior, "id").unwrap_or_default();
        c.dynamodb
            .get()
            .await
            .delete_table()
            .table_name(name)
            .send()
            .await
            .map_err(err("DeleteTable"))?;
        wait_for(
            &format!("DynamoDB Table ({name})"),
            "deleted",
            t,
            || async {
                Ok(match describe(c, name).await? {
                    None => Ok(()),
                    Some(d) => Err(d
                        .table
                        .table_status()
                        .map_or("unknown", |s| s.as_str())
                        .to_string()),
                })
            },
        )
        .await
    }
}
