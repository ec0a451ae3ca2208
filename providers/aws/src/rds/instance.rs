//! `aws_db_instance`. As in the Terraform provider (v5), `id` is the DBI resource ID and
//! the instance is found (and imported) by `identifier`. The master `password` is only
//! ever sent to AWS: it is never read back, so an imported instance plans a password
//! update when the configuration sets one, as Terraform does. Deleting needs either
//! `skip_final_snapshot` or a `final_snapshot_identifier`, and is refused before any call
//! while `deletion_protection` is on.

use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_rds::operation::create_db_instance::builders::CreateDBInstanceFluentBuilder;
use aws_sdk_rds::operation::modify_db_instance::builders::ModifyDBInstanceFluentBuilder;
use aws_sdk_rds::types::{CloudwatchLogsExportConfiguration, DbInstance, Filter};
use terrane_engine::diag::{Diagnostic, Diagnostics};
use terrane_engine::lang::Value;

use super::instance_args as args;
use super::{keep_spelling, name_key, planned_tags, NameRule};
use crate::clients::Clients;
use crate::ec2::{bool_keep_null, match_by};
use crate::error::{err, AwsError};
use crate::resource::tags_value;
use crate::resource::{
    check_enum, invalid, known_set, unique_name, wait_for, AwsResource, DefaultTimeouts, Failed,
    PlanExtra, Tagging, Timeout,
};
use crate::schema::*;
use crate::table::{ResourceTable, Table};
use crate::val::{self, Obj};

pub struct Instance;

pub const IDENTIFIER: NameRule = NameRule {
    what: "DB instance",
    allowed: |c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-',
    allowed_text: "lowercase alphanumeric characters and hyphens",
    letter_first: true,
    no_double_hyphen: true,
    max: 63,
    reserved: &[],
};

const STORAGE_TYPES: &[&str] = &["standard", "gp2", "gp3", "io1", "io2"];

/// DescribeDBInstances accepts at most 100 values in one filter.
const FILTER_VALUES: usize = 100;

/// Statuses after which a create or modify is done.
const READY: &[&str] = &["available", "storage-optimization"];

/// The instance's identifier: configured, generated from `identifier_prefix`, or
/// `terraform-...`.
fn identifier_for(planned: &Value) -> String {
    match (
        val::str_attr(planned, "identifier"),
        val::str_attr(planned, "identifier_prefix"),
    ) {
        (Some(n), _) => n.to_string(),
        (None, Some(p)) => unique_name(p),
        (None, None) => unique_name("terraform-"),
    }
}

/// `hh24:mi-hh24:mi` (with `day` also `ddd:` before each time), as Terraform validates
/// backup and maintenance windows.
fn check_window(v: &Value, attr: &str, day: bool, diags: &mut Diagnostics) {
    let Some(s) = val::str_attr(v, attr) else {
        return;
    };
    let time = |t: &str| {
        let (h, m) = t.split_once(':').unwrap_or(("", ""));
        h.len() == 2
            && m.len() == 2
            && h.parse::<u8>().is_ok_and(|h| h < 24)
            && m.parse::<u8>().is_ok_and(|m| m < 60)
    };
    const DAYS: &[&str] = &["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let part = |p: &str| {
        if day {
            p.split_once(':')
                .is_some_and(|(d, t)| DAYS.contains(&d.to_ascii_lowercase().as_str()) && time(t))
        } else {
            time(p)
        }
    };
    let ok = s.split_once('-').is_some_and(|(a, b)| part(a) && part(b));
    if !ok {
        let form = if day {
            "ddd:hh24:mi-ddd:hh24:mi"
        } else {
            "hh24:mi-hh24:mi"
        };
        invalid(
            diags,
            attr,
            format!("{s:?} must satisfy the format of \"{form}\"."),
        );
    }
}

/// `final_snapshot_identifier`: a letter first, then letters, digits and single hyphens.
fn check_snapshot_id(v: &Value, diags: &mut Diagnostics) {
    let Some(s) = val::str_attr(v, "final_snapshot_identifier") else {
        return;
    };
    let why = if !s.starts_with(|c: char| c.is_ascii_alphabetic()) {
        Some("must begin with alphabetic character")
    } else if !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        Some("must only contain alphanumeric characters and hyphens")
    } else if s.contains("--") {
        Some("cannot contain two consecutive hyphens")
    } else if s.ends_with('-') {
        Some("cannot end in a hyphen")
    } else {
        None
    };
    if let Some(why) = why {
        invalid(diags, "final_snapshot_identifier", format!("{s:?} {why}."));
    }
}

/// The engine version to store: the configured one while AWS runs a version it names a
/// prefix of (`16` configured, `16.3` running), else AWS's. `engine_version_actual`
/// always holds AWS's.
fn engine_version(cur: &Value, actual: &str) -> Value {
    match val::str_attr(cur, "engine_version") {
        Some(c) if version_names(c, actual) => Value::string(c),
        _ => Value::string(actual),
    }
}

/// `configured` is `actual` or a leading part of it (`16` or `16.3` for `16.3`).
fn version_names(configured: &str, actual: &str) -> bool {
    configured == actual
        || actual
            .strip_prefix(configured)
            .is_some_and(|rest| rest.starts_with('.'))
}

/// `max_allocated_storage`: storage autoscaling is off when AWS reports no maximum (moto
/// reports the allocated size instead); then the prior form (null or 0) is kept.
fn max_storage(cur: &Value, d: &DbInstance) -> Value {
    match d.max_allocated_storage() {
        Some(m) if Some(m) != d.allocated_storage() => val::num(m),
        _ if val::num_attr(cur, "max_allocated_storage") == Some(0) => val::num(0),
        _ => Value::Null,
    }
}

fn secret_value(d: &DbInstance) -> Value {
    Value::List(
        d.master_user_secret()
            .map(|s| {
                Value::object([
                    ("kms_key_id", val::str_or_empty(s.kms_key_id())),
                    ("secret_arn", val::str_or_empty(s.secret_arn())),
                    ("secret_status", val::str_or_empty(s.secret_status())),
                ])
            })
            .into_iter()
            .collect(),
    )
}

/// An optional set Terraform leaves null until configured: empty from AWS keeps a null
/// current value null.
fn set_keep_null(cur: &Value, k: &str, items: &[String]) -> Value {
    if items.is_empty() && cur.get_attr(k).is_none_or(Value::is_null) {
        Value::Null
    } else {
        val::str_set(items)
    }
}

/// Modifications AWS accepted but holds for the maintenance window (`apply_immediately =
/// false`) count as done: the configuration asked for them and AWS will make them, so
/// neither the apply's read-back nor the next plan should report the old values.
fn apply_pending(o: &mut Obj, cur: &Value, d: &DbInstance) {
    let Some(p) = d.pending_modified_values() else {
        return;
    };
    let nums = [
        ("allocated_storage", p.allocated_storage()),
        ("backup_retention_period", p.backup_retention_period()),
        ("iops", p.iops()),
        ("port", p.port()),
        ("storage_throughput", p.storage_throughput()),
    ];
    for (k, v) in nums {
        if let Some(v) = v {
            o.set(k, val::num(v));
        }
    }
    let strs = [
        ("instance_class", p.db_instance_class()),
        ("storage_type", p.storage_type()),
        ("ca_cert_identifier", p.ca_certificate_identifier()),
        ("db_subnet_group_name", p.db_subnet_group_name()),
        ("license_model", p.license_model()),
    ];
    for (k, v) in strs {
        if let Some(v) = v {
            o.set(k, Value::string(v));
        }
    }
    if let Some(v) = p.multi_az() {
        o.set("multi_az", Value::Bool(v));
    }
    if let Some(v) = p.engine_version() {
        o.set("engine_version", engine_version(cur, v));
    }
}

pub type Create = CreateDBInstanceFluentBuilder;
pub type Modify = ModifyDBInstanceFluentBuilder;
pub type InstanceTable = Table<DbInstance, Create, Modify>;

/// Every argument is sent with ModifyDBInstance only when it changed, all in one request
/// (`update`, which adds what needs the prior value: log exports, the write-only
/// password, the domain).
static TABLE: LazyLock<InstanceTable> = LazyLock::new(|| {
    let t = InstanceTable::new(|| Some(DbInstance::builder().build()))
        .tags_all(|d| tags_value(d.tag_list()))
        .attr("id", comp(STR))
        .read(|d, _| val::opt_str(d.dbi_resource_id()))
        .attr("arn", comp(STR))
        .read(|d, _| val::opt_str(d.db_instance_arn()))
        .attr("resource_id", comp(STR))
        .read(|d, _| val::opt_str(d.dbi_resource_id()))
        .attr("address", comp(STR))
        .read(|d, _| val::str_or_empty(address(d)))
        .attr("endpoint", comp(STR))
        .read(|d, _| {
            Value::string(match (address(d), port(d)) {
                (Some(a), Some(p)) if !a.is_empty() => format!("{a}:{p}"),
                (a, _) => a.unwrap_or_default().to_string(),
            })
        })
        .attr("hosted_zone_id", comp(STR))
        .read(|d, _| val::str_or_empty(d.endpoint().and_then(|e| e.hosted_zone_id())))
        .attr("status", comp(STR))
        .read(|d, _| val::opt_str(d.db_instance_status()))
        .attr("engine_version_actual", comp(STR))
        .read(|d, _| val::str_or_empty(d.engine_version()))
        .attr(
            "master_user_secret",
            comp(list_of(object_of(
                &["kms_key_id", "secret_arn", "secret_status"],
                STR,
            ))),
        )
        .read(|d, _| secret_value(d))
        // Created from `identifier` or `identifier_prefix` by hand (`identifier_for`);
        // the configured spelling is kept.
        .attr("identifier", opt_comp(STR).force_new())
        .read(|d, cx| {
            let ident = d.db_instance_identifier().unwrap_or_default();
            keep_spelling(cx.current, "identifier", ident)
        })
        .attr("identifier_prefix", opt_comp(STR).force_new())
        .attr("engine", opt_comp(STR).force_new())
        .read(|d, _| val::opt_str(d.engine()))
        .create(|b, v| b.set_engine(v.str()))
        .attr("engine_version", opt_comp(STR))
        .read(|d, cx| engine_version(cx.current, d.engine_version().unwrap_or_default()))
        .create(|b, v| b.set_engine_version(v.str()))
        .update(|b, v| b.set_engine_version(v.str()))
        .attr("instance_class", req(STR))
        .read(|d, _| val::opt_str(d.db_instance_class()))
        .create(|b, v| b.db_instance_class(v.str().unwrap_or_default()))
        .update(|b, v| b.set_db_instance_class(v.str()))
        .attr("allocated_storage", opt_comp(NUM))
        .read(|d, _| opt_num(d.allocated_storage()))
        .create(|b, v| b.set_allocated_storage(v.i32()))
        .update(|b, v| b.set_allocated_storage(v.i32()))
        // 0 or null turns storage autoscaling off.
        .attr("max_allocated_storage", opt(NUM))
        .read(|d, cx| max_storage(cx.current, d))
        .create(|b, v| b.set_max_allocated_storage(v.i32().filter(|n| *n > 0)))
        .update(|b, v| b.max_allocated_storage(v.i32().unwrap_or(0)))
        .attr("storage_type", opt_comp(STR))
        .read(|d, _| val::opt_str(d.storage_type()))
        .create(|b, v| b.set_storage_type(v.str()))
        .update(|b, v| b.set_storage_type(v.str()))
        .attr("iops", opt_comp(NUM))
        .read(|d, _| opt_num(d.iops()))
        .create(|b, v| b.set_iops(v.i32()))
        .update(|b, v| b.set_iops(v.i32()))
        .attr("storage_encrypted", opt(BOOL).force_new())
        .read(|d, cx| bool_keep_null(cx.current, "storage_encrypted", d.storage_encrypted()))
        .create(|b, v| b.set_storage_encrypted(v.bool()))
        .attr("kms_key_id", opt_comp(STR).force_new())
        .read(|d, _| val::str_or_empty(d.kms_key_id()))
        .create(|b, v| b.set_kms_key_id(v.str()))
        .attr("multi_az", opt_comp(BOOL))
        .read(|d, _| Value::Bool(d.multi_az().unwrap_or(false)))
        .create(|b, v| b.set_multi_az(v.bool()))
        .update(|b, v| b.set_multi_az(v.bool()))
        .attr("availability_zone", opt_comp(STR).force_new())
        .read(|d, _| val::str_or_empty(d.availability_zone()))
        .create(|b, v| b.set_availability_zone(v.str()))
        .attr("db_name", opt_comp(STR).force_new())
        .read(|d, _| val::str_or_empty(d.db_name()))
        .create(|b, v| b.set_db_name(v.str()))
        .attr("username", opt_comp(STR).force_new())
        .read(|d, _| val::str_or_empty(d.master_username()))
        .create(|b, v| b.set_master_username(v.str()))
        // The password is only ever sent: never read back, kept as configured.
        .attr("password", opt(STR).sensitive())
        .create(|b, v| b.set_master_user_password(v.str()))
        .update(|b, v| b.set_master_user_password(v.str()))
        // Conflicts with `password` (`validate`), so it never overwrites one. Never
        // stored, so never seen to change: a new `password_wo_version` sends it.
        .attr("password_wo", opt(STR).sensitive().write_only())
        .create(|b, v| match v.str() {
            Some(pw) => b.master_user_password(pw),
            None => b,
        })
        .updated_by_hand()
        // Sent by hand: a new version sends `password_wo`, another row's value.
        .attr("password_wo_version", opt(NUM))
        .updated_by_hand()
        .attr("manage_master_user_password", opt(BOOL))
        .read(|d, cx| managed_password(cx.current, d))
        .create(|b, v| b.set_manage_master_user_password(v.bool()))
        .update(|b, v| b.manage_master_user_password(args::off(v)))
        .attr("master_user_secret_kms_key_id", opt_comp(STR))
        .create(|b, v| b.set_master_user_secret_kms_key_id(v.str()))
        .update(|b, v| b.set_master_user_secret_kms_key_id(v.str()))
        .attr("port", opt_comp(NUM))
        .read(|d, _| opt_num(port(d)))
        .create(|b, v| b.set_port(v.i32()))
        .update(|b, v| b.set_db_port_number(v.i32()))
        .attr("publicly_accessible", opt_default(BOOL, Value::Bool(false)))
        .read(|d, _| Value::Bool(d.publicly_accessible().unwrap_or(false)))
        .create(|b, v| b.set_publicly_accessible(v.bool()))
        .update(|b, v| b.set_publicly_accessible(v.bool()))
        .attr("vpc_security_group_ids", opt_comp(set_of(STR)))
        .read(|d, _| {
            let groups = d.vpc_security_groups().iter();
            val::str_set(groups.filter_map(|g| g.vpc_security_group_id()))
        })
        .create(|b, v| b.set_vpc_security_group_ids(v.strings()))
        .update(|b, v| b.set_vpc_security_group_ids(Some(v.strings().unwrap_or_default())))
        .attr("db_subnet_group_name", opt_comp(STR))
        .read(|d, _| {
            val::str_or_empty(d.db_subnet_group().and_then(|g| g.db_subnet_group_name()))
        })
        .create(|b, v| b.set_db_subnet_group_name(v.str()))
        .update(|b, v| b.set_db_subnet_group_name(v.str()))
        .attr("parameter_group_name", opt_comp(STR))
        .read(|d, _| {
            let group = d.db_parameter_groups().first();
            val::str_or_empty(group.and_then(|g| g.db_parameter_group_name()))
        })
        .create(|b, v| b.set_db_parameter_group_name(v.str()))
        .update(|b, v| b.set_db_parameter_group_name(v.str()))
        .attr("backup_retention_period", opt_comp(NUM))
        .read(|d, _| val::num(d.backup_retention_period().unwrap_or(0)))
        .create(|b, v| b.set_backup_retention_period(v.i32()))
        .update(|b, v| b.set_backup_retention_period(v.i32()))
        .attr("backup_window", opt_comp(STR))
        .read(|d, _| val::str_or_empty(d.preferred_backup_window()))
        .create(|b, v| b.set_preferred_backup_window(v.str()))
        .update(|b, v| b.set_preferred_backup_window(v.str()))
        // Lowercase, as AWS stores it (and `plan` writes it).
        .attr("maintenance_window", opt_comp(STR))
        .read(|d, _| {
            let w = d.preferred_maintenance_window().unwrap_or_default();
            Value::string(w.to_lowercase())
        })
        .create(|b, v| b.set_preferred_maintenance_window(v.str()))
        .update(|b, v| b.set_preferred_maintenance_window(v.str()))
        // The next four are terrane's own: how `delete` and `update` call AWS.
        .attr("skip_final_snapshot", opt_default(BOOL, Value::Bool(false)))
        .updated_by_hand()
        .attr("final_snapshot_identifier", opt(STR))
        .updated_by_hand()
        .attr(
            "delete_automated_backups",
            opt_default(BOOL, Value::Bool(true)),
        )
        .updated_by_hand()
        .attr("apply_immediately", opt_comp(BOOL))
        .read(|_, cx| {
            let known = val::bool_attr(cx.current, "apply_immediately");
            Value::Bool(known.unwrap_or(false))
        })
        .updated_by_hand()
        .attr("deletion_protection", opt(BOOL))
        .read(|d, cx| bool_keep_null(cx.current, "deletion_protection", d.deletion_protection()))
        .create(|b, v| b.set_deletion_protection(v.bool()))
        .update(|b, v| b.deletion_protection(args::off(v)))
        .attr(
            "auto_minor_version_upgrade",
            opt_default(BOOL, Value::Bool(true)),
        )
        .read(|d, _| Value::Bool(d.auto_minor_version_upgrade().unwrap_or(true)))
        .create(|b, v| b.set_auto_minor_version_upgrade(v.bool()))
        .update(|b, v| b.set_auto_minor_version_upgrade(v.bool()))
        .attr(
            "copy_tags_to_snapshot",
            opt_default(BOOL, Value::Bool(false)),
        )
        .read(|d, _| Value::Bool(d.copy_tags_to_snapshot().unwrap_or(false)))
        .create(|b, v| b.set_copy_tags_to_snapshot(v.bool()))
        .update(|b, v| b.set_copy_tags_to_snapshot(v.bool()))
        // Sent with every modify (it permits one), not a change of its own.
        .attr("allow_major_version_upgrade", opt(BOOL))
        .updated_by_hand()
        .attr("storage_throughput", opt_comp(NUM))
        .read(|d, _| val::num(d.storage_throughput().unwrap_or(0)))
        .create(|b, v| b.set_storage_throughput(v.i32()))
        .update(|b, v| b.set_storage_throughput(v.i32()))
        .attr("license_model", opt_comp(STR))
        .read(|d, _| val::str_or_empty(d.license_model()))
        .create(|b, v| b.set_license_model(v.str()))
        .update(|b, v| b.set_license_model(v.str()))
        .attr("option_group_name", opt_comp(STR))
        .read(|d, _| {
            let group = d.option_group_memberships().first();
            val::str_or_empty(group.and_then(|g| g.option_group_name()))
        })
        .create(|b, v| b.set_option_group_name(v.str()))
        .update(|b, v| b.set_option_group_name(v.str()))
        .attr("ca_cert_identifier", opt_comp(STR))
        .read(|d, _| val::str_or_empty(d.ca_certificate_identifier()))
        .create(|b, v| b.set_ca_certificate_identifier(v.str()))
        .update(|b, v| b.set_ca_certificate_identifier(v.str()))
        .attr("network_type", opt_comp(STR))
        .read(|d, _| val::str_or_empty(d.network_type()))
        .create(|b, v| b.set_network_type(v.str()))
        .update(|b, v| b.set_network_type(v.str()))
        .attr("character_set_name", opt_comp(STR).force_new())
        .read(|d, _| val::str_or_empty(d.character_set_name()))
        .create(|b, v| b.set_character_set_name(v.str()))
        .attr("timezone", opt_comp(STR).force_new())
        .read(|d, _| val::str_or_empty(d.timezone()))
        .create(|b, v| b.set_timezone(v.str()))
        .attr("iam_database_authentication_enabled", opt(BOOL))
        .read(|d, cx| {
            let aws = d.iam_database_authentication_enabled();
            bool_keep_null(cx.current, "iam_database_authentication_enabled", aws)
        })
        .create(|b, v| b.set_enable_iam_database_authentication(v.bool()))
        .update(|b, v| b.enable_iam_database_authentication(args::off(v)))
        .attr("monitoring_interval", opt_default(NUM, val::num(0)))
        .read(|d, _| val::num(d.monitoring_interval().unwrap_or(0)))
        .create(|b, v| b.set_monitoring_interval(v.i32()))
        .update(|b, v| b.set_monitoring_interval(v.i32()))
        .attr("monitoring_role_arn", opt_comp(STR))
        .read(|d, _| val::str_or_empty(d.monitoring_role_arn()))
        .create(|b, v| b.set_monitoring_role_arn(v.str()))
        .update(|b, v| b.set_monitoring_role_arn(v.str()))
        // AWS always answers the next two; moto keeps neither, so a missing answer keeps
        // the value known.
        .attr(
            "performance_insights_enabled",
            opt_default(BOOL, Value::Bool(false)),
        )
        .read(|d, cx| {
            let known = || val::bool_attr(cx.current, "performance_insights_enabled");
            Value::Bool(d.performance_insights_enabled().or_else(known).unwrap_or(false))
        })
        .create(|b, v| b.set_enable_performance_insights(v.bool()))
        .update(|b, v| b.enable_performance_insights(args::off(v)))
        .attr("performance_insights_kms_key_id", opt_comp(STR))
        .read(|d, _| val::str_or_empty(d.performance_insights_kms_key_id()))
        .create(|b, v| b.set_performance_insights_kms_key_id(v.str()))
        .update(|b, v| b.set_performance_insights_kms_key_id(v.str()))
        .attr("performance_insights_retention_period", opt_comp(NUM))
        .read(|d, cx| {
            let known = || val::i32_attr(cx.current, "performance_insights_retention_period");
            val::num(d.performance_insights_retention_period().or_else(known).unwrap_or(0))
        })
        .create(|b, v| b.set_performance_insights_retention_period(v.i32()))
        .update(|b, v| b.set_performance_insights_retention_period(v.i32()))
        // Modified by hand: the request names the types to enable and to disable.
        .attr("enabled_cloudwatch_logs_exports", opt(set_of(STR)))
        .read(|d, cx| {
            let k = "enabled_cloudwatch_logs_exports";
            set_keep_null(cx.current, k, d.enabled_cloudwatch_logs_exports())
        })
        .create(|b, v| b.set_enable_cloudwatch_logs_exports(v.strings()))
        .updated_by_hand()
        .attr("replicas", comp(list_of(STR)))
        .read(|d, _| val::str_list(d.read_replica_db_instance_identifiers()));
    args::rows(t)
});

fn address(d: &DbInstance) -> Option<&str> {
    d.endpoint().and_then(|e| e.address())
}

/// The endpoint's port, else the instance's (an instance still creating has no endpoint).
fn port(d: &DbInstance) -> Option<i32> {
    d.endpoint().and_then(|e| e.port()).or(d.db_instance_port())
}

fn opt_num(n: Option<i32>) -> Value {
    n.map_or(Value::Null, val::num)
}

/// On when AWS manages the password in Secrets Manager; off, when it was on and no
/// longer is; otherwise as known (null until configured).
fn managed_password(cur: &Value, d: &DbInstance) -> Value {
    match (
        d.master_user_secret().is_some(),
        cur.get_attr("manage_master_user_password"),
    ) {
        (true, _) => Value::Bool(true),
        (false, Some(Value::Bool(true))) => Value::Bool(false),
        (false, Some(v)) if !v.is_unknown() => v.clone(),
        _ => Value::Null,
    }
}

/// The state object for a described instance, starting from what was known.
fn build(cur: &Value, d: &DbInstance, region: &str) -> Value {
    let mut o = TABLE.read_object(d, cur, region);
    apply_pending(&mut o, cur, d);
    o.done()
}
/// Describes instances by identifier: one DescribeDBInstances per page and 100
/// identifiers, with a `db-instance-id` filter (which, unlike the identifier parameter,
/// returns what exists and ignores the rest).
pub async fn describe(c: &Clients, idents: &[String]) -> Result<Vec<DbInstance>, AwsError> {
    let rds = c.rds.get().await;
    let mut out = Vec::new();
    for chunk in idents.chunks(FILTER_VALUES) {
        let filter = Filter::builder()
            .name("db-instance-id")
            .set_values(Some(chunk.to_vec()))
            .build();
        out.extend(
            rds.describe_db_instances()
                .filters(filter)
                .into_paginator()
                .items()
                .send()
                .collect::<Result<Vec<_>, _>>()
                .await
                .map_err(err("DescribeDBInstances"))?,
        );
    }
    Ok(out)
}

/// Waits until the instance reports one of `wanted` (with `None`: until it is gone).
async fn wait_status(
    c: &Clients,
    ident: &str,
    wanted: Option<&[&str]>,
    t: Timeout,
) -> Result<(), AwsError> {
    let want = wanted.map_or_else(|| "deleted".to_string(), |w| w.join(" or "));
    wait_for(&format!("DB instance {ident:?}"), &want, t, || async {
        let found = describe(c, &[ident.to_string()]).await?;
        let status = found
            .first()
            .map(|d| d.db_instance_status().unwrap_or_default().to_string());
        Ok(match (wanted, status) {
            (None, None) => Ok(()),
            (Some(w), Some(s)) if w.contains(&s.as_str()) => Ok(()),
            (_, s) => Err(s.unwrap_or_else(|| "not found".into())),
        })
    })
    .await
}

/// Whether an argument ModifyDBInstance sends by hand ([`modify_by_hand`], the domain)
/// changed.
fn modified_by_hand(prior: &Value, p: &Value) -> bool {
    ["enabled_cloudwatch_logs_exports", "password_wo_version"]
        .iter()
        .chain(&args::DOMAIN)
        .any(|k| TABLE.changed(prior, p, k))
}

/// The arguments of a modify that need more than their planned value: the log types to
/// enable and to disable, and the write-only password (sent when its version changes).
fn modify_by_hand(b: Modify, prior: &Value, p: &Value) -> Modify {
    let logs = TABLE
        .changed(prior, p, "enabled_cloudwatch_logs_exports")
        .then(|| {
            let old = val::strings(prior, "enabled_cloudwatch_logs_exports");
            let new = val::strings(p, "enabled_cloudwatch_logs_exports");
            let missing = |from: &[String], of: &[String]| -> Vec<String> {
                of.iter().filter(|x| !from.contains(x)).cloned().collect()
            };
            CloudwatchLogsExportConfiguration::builder()
                .set_enable_log_types(Some(missing(&old, &new)))
                .set_disable_log_types(Some(missing(&new, &old)))
                .build()
        });
    let password_wo = TABLE
        .changed(prior, p, "password_wo_version")
        .then(|| val::str_attr(p, "password_wo"))
        .flatten();
    let b = b.set_cloudwatch_logs_export_configuration(logs);
    // `password` conflicts with `password_wo` (`validate`): never both.
    match password_wo {
        Some(pw) => b.master_user_password(pw),
        None => b,
    }
}

/// Why the instance, as recorded, cannot be deleted (checked before any call): its
/// deletion protection (with the way out), or no final snapshot name while
/// `skip_final_snapshot` is false (Terraform's message).
fn delete_blocker(prior: &Value) -> Option<String> {
    let ident = val::str_attr(prior, "identifier").unwrap_or_default();
    if val::bool_attr(prior, "deletion_protection") == Some(true) {
        return Some(format!(
            "DB instance {ident:?} has deletion_protection enabled, so it cannot be deleted. \
             To delete it, first set deletion_protection = false in its configuration and run \
             apply, then destroy or replace it"
        ));
    }
    let skip = val::bool_attr(prior, "skip_final_snapshot").unwrap_or(false);
    if !skip && val::str_attr(prior, "final_snapshot_identifier").is_none() {
        return Some(
            "final_snapshot_identifier is required when skip_final_snapshot is false".into(),
        );
    }
    None
}

#[async_trait]
impl AwsResource for Instance {
    fn type_name(&self) -> &'static str {
        "aws_db_instance"
    }

    /// Found again by its identifier after a crash (its import ID).
    fn identity(&self, planned: &Value) -> Option<terrane_engine::provider::Identity> {
        crate::resource::identity_of(planned, &["identifier"], &[])
    }

    async fn find(
        &self,
        _c: &Clients,
        identity: &terrane_engine::provider::Identity,
    ) -> Result<Option<String>, AwsError> {
        Ok(identity.get("identifier").map(str::to_string))
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*TABLE)
    }

    fn tagging(&self) -> Tagging {
        Tagging::Own
    }

    fn timeouts(&self) -> Option<DefaultTimeouts> {
        Some(DefaultTimeouts::minutes(40, 80, 60))
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        IDENTIFIER.check_pair(config, "identifier", "identifier_prefix", diags);
        check_enum(config, "storage_type", STORAGE_TYPES, diags);
        check_window(config, "backup_window", false, diags);
        check_window(config, "maintenance_window", true, diags);
        check_snapshot_id(config, diags);
        args::check(config, diags);
        for pw in ["password", "password_wo"] {
            if known_set(config, pw)
                && val::bool_attr(config, "manage_master_user_password") == Some(true)
            {
                invalid(
                    diags,
                    pw,
                    format!("\"{pw}\": conflicts with manage_master_user_password."),
                );
            }
        }
        if known_set(config, "password") && known_set(config, "password_wo") {
            invalid(
                diags,
                "password_wo",
                "\"password_wo\": conflicts with password.".into(),
            );
        }
    }

    /// AWS stores the engine name and the maintenance window in lowercase (Terraform's
    /// StateFunc), so the plan does too. A configured engine version that names the
    /// running one (`16` for `16.3`, as after an import or a minor upgrade) keeps the
    /// recorded version rather than planning a downgrade.
    fn plan(&self, prior: Option<&Value>, config: &Value, planned: &mut Value) -> PlanExtra {
        for k in ["engine", "maintenance_window"] {
            if let Some(s) = val::str_attr(planned, k) {
                let lower = Value::string(s.to_lowercase());
                val::set_attr(planned, k, lower);
            }
        }
        let Some(prior) = prior else {
            // Without a snapshot or a source replica (not supported here), AWS needs these
            // to create an instance; say so before any call.
            let mut extra = PlanExtra::default();
            for k in ["engine", "username"] {
                if config.get_attr(k).is_none_or(Value::is_null) {
                    extra.diagnostics.push(
                        Diagnostic::error(format!("Missing required argument \"{k}\"")).detail(
                            format!(
                                "\"{k}\": required field is not set: a new DB instance needs it."
                            ),
                        ),
                    );
                }
            }
            return extra;
        };
        if let Some(want) = val::str_attr(planned, "engine_version") {
            let actual = val::str_attr(prior, "engine_version_actual").unwrap_or_default();
            if version_names(want, actual) {
                let keep = prior
                    .get_attr("engine_version")
                    .cloned()
                    .unwrap_or_default();
                val::set_attr(planned, "engine_version", keep);
            }
        }
        PlanExtra::default()
    }

    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let mut keys: Vec<String> = current
            .iter()
            .filter_map(|cur| name_key(cur, "identifier"))
            .collect();
        keys.sort();
        keys.dedup();
        let found = describe(c, &keys).await?;
        Ok(match_by(
            current,
            found,
            |cur| name_key(cur, "identifier"),
            |d| d.db_instance_identifier().map(str::to_lowercase),
            |cur, d| build(cur, d, &c.region),
        ))
    }

    async fn create(&self, c: &Clients, p: &Value, t: Timeout) -> Result<String, Failed> {
        let ident = identifier_for(p);
        TABLE
            .create_request(c.rds.get().await.create_db_instance(), p)
            .db_instance_identifier(&ident)
            .set_tags(planned_tags(p))
            .send()
            .await
            .map_err(err("CreateDBInstance"))?;
        let ident = ident.to_lowercase();
        wait_status(c, &ident, Some(READY), t)
            .await
            .map_err(|e| e.after_create(&ident))?;
        Ok(ident)
    }

    /// One ModifyDBInstance with every changed argument, then a wait until the instance
    /// is ready again.
    async fn update(
        &self,
        c: &Clients,
        prior: &Value,
        p: &Value,
        t: Timeout,
    ) -> Result<Option<String>, AwsError> {
        let ident = val::str_attr(prior, "identifier").unwrap_or_default();
        let rds = c.rds.get().await;
        let start = || {
            rds.modify_db_instance()
                .db_instance_identifier(ident)
                .apply_immediately(val::bool_attr(p, "apply_immediately").unwrap_or(false))
                .set_allow_major_version_upgrade(val::bool_attr(p, "allow_major_version_upgrade"))
        };
        let mut reqs = TABLE.update_requests(prior, p, start);
        if reqs.is_empty() && modified_by_hand(prior, p) {
            reqs.push(start());
        }
        if reqs.is_empty() {
            return Ok(None);
        }
        for r in reqs {
            let r = args::modify_domain(modify_by_hand(r, prior, p), prior, p);
            r.send().await.map_err(err("ModifyDBInstance"))?;
        }
        drop(rds);
        wait_status(c, ident, Some(READY), t).await?;
        Ok(None)
    }

    /// Refuses, before any call, what AWS would refuse or what would lose data silently:
    /// a protected instance, or no final snapshot without `skip_final_snapshot`.
    fn tag_calls(&self) -> Option<&'static crate::resource::TagCalls> {
        Some(&crate::rds::TAG_CALLS)
    }

    /// A plan that deletes the instance (destroying or replacing it) is refused while its
    /// recorded settings forbid the delete, before anything else is deleted.
    fn refuse_destroy(&self, prior: &Value) -> Option<Diagnostic> {
        delete_blocker(prior).map(|why| {
            Diagnostic::error("Cannot delete this DB instance").detail(format!(
                "The plan deletes this DB instance (to destroy or to replace it), but {why}."
            ))
        })
    }

    async fn delete(&self, c: &Clients, prior: &Value, t: Timeout) -> Result<(), AwsError> {
        let ident = val::str_attr(prior, "identifier").unwrap_or_default();
        // Also checked at plan time (refuse_destroy); this guards a plan made before the
        // setting changed.
        if let Some(why) = delete_blocker(prior) {
            return Err(AwsError::Invalid(why));
        }
        let skip = val::bool_attr(prior, "skip_final_snapshot").unwrap_or(false);
        let snapshot = val::str_attr(prior, "final_snapshot_identifier");
        let res = c
            .rds
            .get()
            .await
            .delete_db_instance()
            .db_instance_identifier(ident)
            .skip_final_snapshot(skip)
            .set_final_db_snapshot_identifier(
                (!skip).then(|| snapshot.map(str::to_string)).flatten(),
            )
            .delete_automated_backups(
                val::bool_attr(prior, "delete_automated_backups").unwrap_or(true),
            )
            .send()
            .await
            .map_err(err("DeleteDBInstance"));
        match res {
            Ok(_) => {}
            Err(e) if e.is_not_found() => return Ok(()),
            Err(e) => return Err(e),
        }
        wait_status(c, ident, None, t).await
    }

    /// Imported by identifier. Neither the final snapshot settings nor the password can be
    /// read from AWS; like Terraform, import assumes `skip_final_snapshot = true` so that no
    /// `final_snapshot_identifier` is needed.
    fn import_stub(&self, id: &str, stub: &mut Obj) -> Result<(), String> {
        stub.set("id", Value::string(id))
            .set("identifier", Value::string(id))
            .set("skip_final_snapshot", Value::Bool(true))
            .set("delete_automated_backups", Value::Bool(true));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A configured version names the running one when it is the same or a leading part.
    #[test]
    fn versions() {
        assert!(version_names("16", "16.3"));
        assert!(version_names("16.3", "16.3"));
        assert!(!version_names("1", "16.3"));
        assert!(!version_names("16.4", "16.3"));
    }

    #[test]
    fn windows() {
        let errs = |attr: &str, s: &str, day: bool| {
            let mut d = Diagnostics::new();
            check_window(
                &Value::object([(attr, Value::string(s))]),
                attr,
                day,
                &mut d,
            );
            d.iter().count()
        };
        assert_eq!(errs("backup_window", "09:46-10:16", false), 0);
        assert_eq!(errs("backup_window", "9:46-10:16", false), 1);
        assert_eq!(errs("backup_window", "24:00-10:16", false), 1);
        assert_eq!(errs("maintenance_window", "Mon:00:00-Mon:03:00", true), 0);
        assert_eq!(errs("maintenance_window", "mon:00:00-xyz:03:00", true), 1);
        assert_eq!(errs("maintenance_window", "00:00-03:00", true), 1);
    }

    /// A change held for the maintenance window reads as the value it will become, and a
    /// running "16.3" keeps a configured "16".
    #[test]
    fn pending_changes_read_as_done() {
        use aws_sdk_rds::types::PendingModifiedValues;
        let d = DbInstance::builder()
            .db_instance_identifier("db1")
            .db_instance_class("db.t3.micro")
            .engine_version("16.3")
            .backup_retention_period(1)
            .pending_modified_values(
                PendingModifiedValues::builder()
                    .db_instance_class("db.t3.large")
                    .backup_retention_period(7)
                    .build(),
            )
            .build();
        let cur = Value::object([
            ("identifier", Value::string("db1")),
            ("engine_version", Value::string("16")),
            ("instance_class", Value::string("db.t3.large")),
        ]);
        let v = build(&cur, &d, "us-east-1");
        let s = |k: &str| v.get_attr(k).and_then(Value::as_str).map(str::to_string);
        assert_eq!(s("instance_class").as_deref(), Some("db.t3.large"));
        assert_eq!(s("engine_version").as_deref(), Some("16"));
        assert_eq!(s("engine_version_actual").as_deref(), Some("16.3"));
        assert_eq!(val::num_attr(&v, "backup_retention_period"), Some(7));
    }
}
