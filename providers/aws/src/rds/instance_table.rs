//! `aws_db_instance`'s attributes as a table (see `crate::table`): what each is read
//! from, and how it is set on CreateDBInstance and ModifyDBInstance. The rows of the
//! community module's further arguments are in `instance_args`. A read also counts the
//! modifications AWS holds for the maintenance window as done (`apply_pending`).

use std::sync::LazyLock;

use aws_sdk_rds::operation::create_db_instance::builders::CreateDBInstanceFluentBuilder;
use aws_sdk_rds::operation::modify_db_instance::builders::ModifyDBInstanceFluentBuilder;
use aws_sdk_rds::types::DbInstance;
use terrane_engine::lang::Value;

use super::instance_args as args;
use super::keep_spelling;
use crate::ec2::bool_keep_null;
use crate::resource::tags_value;
use crate::schema::*;
use crate::table::Table;
use crate::val::{self, Obj};

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
pub fn version_names(configured: &str, actual: &str) -> bool {
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
pub static TABLE: LazyLock<InstanceTable> = LazyLock::new(|| {
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
        .read(|d, _| val::str_or_empty(d.db_subnet_group().and_then(|g| g.db_subnet_group_name())))
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
            Value::Bool(
                d.performance_insights_enabled()
                    .or_else(known)
                    .unwrap_or(false),
            )
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
            val::num(
                d.performance_insights_retention_period()
                    .or_else(known)
                    .unwrap_or(0),
            )
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
pub fn build(cur: &Value, d: &DbInstance, region: &str) -> Value {
    let mut o = TABLE.read_object(d, cur, region);
    apply_pending(&mut o, cur, d);
    o.done()
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
