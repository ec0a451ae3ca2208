//! The `aws_db_instance` arguments the RDS community module passes beyond the common
//! ones: Active Directory domain membership, customer-owned IPs, a dedicated log
//! volume, Database Insights, extended support (`engine_lifecycle_support`), the NCHAR
//! character set, a replica's mode — sent on create and with ModifyDBInstance — and the
//! other ways to create an instance (from a snapshot, a point in time, an S3 backup, as a
//! read replica) and blue/green updates, which are declared so that modules load, and
//! refused when set.
//!
//! moto keeps none of `custom_iam_instance_profile`, `database_insights_mode`,
//! `engine_lifecycle_support` and `nchar_character_set_name`: where AWS answers nothing a
//! read keeps the value known (as configured), so a configuration that sets them converges.

use aws_sdk_rds::operation::create_db_instance::builders::CreateDBInstanceFluentBuilder as Create;
use aws_sdk_rds::operation::modify_db_instance::builders::ModifyDBInstanceFluentBuilder as Modify;
use aws_sdk_rds::types::{DatabaseInsightsMode, DbInstance, ReplicaMode};
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;
use terrane_engine::provider::{BlockSchema, Nesting};

use crate::resource::{check_enum, invalid};
use crate::schema::*;
use crate::val::{self, Obj};

const DOMAIN: [&str; 6] = [
    "domain",
    "domain_auth_secret_arn",
    "domain_dns_ips",
    "domain_fqdn",
    "domain_iam_role_name",
    "domain_ou",
];

/// Arguments (besides the domain's) whose change is sent with ModifyDBInstance.
const MODIFIED: [&str; 5] = [
    "customer_owned_ip_enabled",
    "database_insights_mode",
    "dedicated_log_volume",
    "engine_lifecycle_support",
    "replica_mode",
];

/// Blocks refused when present (each is another way to create or update an instance).
const REFUSED_BLOCKS: [&str; 2] = ["restore_to_point_in_time", "s3_import"];

pub fn schema(s: S) -> BlockSchema {
    let s = s
        .attr("custom_iam_instance_profile", opt(STR).force_new())
        .attr("customer_owned_ip_enabled", opt(BOOL))
        .attr("database_insights_mode", opt_comp(STR))
        .attr("dedicated_log_volume", opt(BOOL))
        .attr("domain", opt(STR))
        .attr("domain_auth_secret_arn", opt(STR))
        .attr("domain_dns_ips", opt(list_of(STR)))
        .attr("domain_fqdn", opt(STR))
        .attr("domain_iam_role_name", opt(STR))
        .attr("domain_ou", opt(STR))
        .attr("engine_lifecycle_support", opt_comp(STR))
        .attr("nchar_character_set_name", opt_comp(STR).force_new())
        .attr("replica_mode", opt_comp(STR))
        // Refused when set (see `check`).
        .attr("replicate_source_db", opt(STR))
        .attr("snapshot_identifier", opt_comp(STR).force_new())
        .attr("upgrade_storage_config", opt(BOOL))
        .block(
            "blue_green_update",
            Nesting::List,
            S::new().attr("enabled", opt(BOOL)),
        )
        .block(
            "restore_to_point_in_time",
            Nesting::List,
            S::new()
                .attr("restore_time", opt(STR))
                .attr("source_db_instance_automated_backups_arn", opt(STR))
                .attr("source_db_instance_identifier", opt(STR))
                .attr("source_dbi_resource_id", opt(STR))
                .attr("use_latest_restorable_time", opt(BOOL)),
        )
        .force_new_block("restore_to_point_in_time")
        .block(
            "s3_import",
            Nesting::List,
            S::new()
                .attr("bucket_name", req(STR))
                .attr("bucket_prefix", opt(STR))
                .attr("ingestion_role", req(STR))
                .attr("source_engine", req(STR))
                .attr("source_engine_version", req(STR)),
        )
        .force_new_block("s3_import");
    let mut b = s.build();
    for nb in b.blocks.values_mut() {
        nb.max_items = Some(1);
    }
    b
}

pub fn check(config: &Value, diags: &mut Diagnostics) {
    check_enum(
        config,
        "database_insights_mode",
        &["standard", "advanced"],
        diags,
    );
    check_enum(
        config,
        "engine_lifecycle_support",
        &[
            "open-source-rds-extended-support",
            "open-source-rds-extended-support-disabled",
        ],
        diags,
    );
    check_enum(
        config,
        "replica_mode",
        &["open-read-only", "mounted"],
        diags,
    );
    let refuse = |diags: &mut Diagnostics, k: &str, what: &str| {
        invalid(
            diags,
            k,
            format!("terrane's aws_db_instance does not support {what} ({k}) yet; remove it or use Terraform for this instance."),
        );
    };
    if val::str_attr(config, "replicate_source_db").is_some() {
        refuse(diags, "replicate_source_db", "read replicas");
    }
    if val::str_attr(config, "snapshot_identifier").is_some() {
        refuse(diags, "snapshot_identifier", "restoring a snapshot");
    }
    if val::bool_attr(config, "upgrade_storage_config") == Some(true) {
        refuse(diags, "upgrade_storage_config", "blue/green deployments");
    }
    let blue_green =
        val::first_block(config, "blue_green_update").and_then(|b| val::bool_attr(b, "enabled"));
    if blue_green == Some(true) {
        refuse(diags, "blue_green_update", "blue/green deployments");
    }
    for k in REFUSED_BLOCKS {
        if !val::blocks(config, k).is_empty() {
            refuse(diags, k, "this way of creating an instance");
        }
    }
}

/// AWS's answer, else (AWS keeps nothing: moto) the value known, else `unset`.
fn or_known(cur: &Value, k: &str, aws: Option<&str>, unset: Value) -> Value {
    match (aws, cur.get_attr(k)) {
        (Some(s), _) if !s.is_empty() => Value::string(s),
        (_, Some(v)) if !v.is_null() && !v.is_unknown() => v.clone(),
        _ => unset,
    }
}

/// A flag Terraform leaves null until configured, read as AWS has it (the known value
/// when AWS says nothing).
fn flag(cur: &Value, k: &str, aws: Option<bool>) -> Value {
    let aws = aws.or_else(|| val::bool_attr(cur, k));
    crate::ec2::bool_keep_null(cur, k, aws)
}

pub fn read(o: &mut Obj, cur: &Value, d: &DbInstance) {
    let m = d.domain_memberships().first();
    // The directory and role are read as AWS has them; the self-managed directory's
    // details only while configured (moto makes up an FQDN and OU for every domain).
    let configured = |k: &str, v: Value| match cur.get_attr(k) {
        Some(c) if !c.is_null() && !c.is_unknown() => v,
        _ => Value::Null,
    };
    o.set("domain", val::opt_str(m.and_then(|m| m.domain())))
        .set(
            "domain_iam_role_name",
            val::opt_str(m.and_then(|m| m.iam_role_name())),
        )
        .set(
            "domain_fqdn",
            configured("domain_fqdn", val::opt_str(m.and_then(|m| m.fqdn()))),
        )
        .set(
            "domain_ou",
            configured("domain_ou", val::opt_str(m.and_then(|m| m.ou()))),
        )
        .set(
            "domain_auth_secret_arn",
            configured(
                "domain_auth_secret_arn",
                val::opt_str(m.and_then(|m| m.auth_secret_arn())),
            ),
        )
        .set(
            "domain_dns_ips",
            configured(
                "domain_dns_ips",
                val::str_list(m.map(|m| m.dns_ips()).unwrap_or_default()),
            ),
        )
        .set(
            "custom_iam_instance_profile",
            or_known(
                cur,
                "custom_iam_instance_profile",
                d.custom_iam_instance_profile(),
                Value::Null,
            ),
        )
        .set(
            "customer_owned_ip_enabled",
            flag(
                cur,
                "customer_owned_ip_enabled",
                d.customer_owned_ip_enabled(),
            ),
        )
        .set(
            "dedicated_log_volume",
            flag(cur, "dedicated_log_volume", d.dedicated_log_volume()),
        )
        .set(
            "database_insights_mode",
            or_known(
                cur,
                "database_insights_mode",
                d.database_insights_mode().map(DatabaseInsightsMode::as_str),
                Value::string(""),
            ),
        )
        .set(
            "engine_lifecycle_support",
            or_known(
                cur,
                "engine_lifecycle_support",
                d.engine_lifecycle_support(),
                Value::string(""),
            ),
        )
        .set(
            "nchar_character_set_name",
            or_known(
                cur,
                "nchar_character_set_name",
                d.nchar_character_set_name(),
                Value::string(""),
            ),
        )
        .set(
            "replica_mode",
            or_known(
                cur,
                "replica_mode",
                d.replica_mode().map(ReplicaMode::as_str),
                Value::string(""),
            ),
        )
        // Refused when set: kept as configured.
        .default("replicate_source_db", Value::Null)
        .default("snapshot_identifier", Value::string(""))
        .default("upgrade_storage_config", Value::Null);
    for b in ["blue_green_update"].into_iter().chain(REFUSED_BLOCKS) {
        o.default(b, Value::List(Vec::new()));
    }
}

fn owned(v: &Value, k: &str) -> Option<String> {
    val::str_attr(v, k).map(str::to_string)
}

fn dns_ips(p: &Value) -> Option<Vec<String>> {
    let ips = val::strings(p, "domain_dns_ips");
    (!ips.is_empty()).then_some(ips)
}

pub fn create(b: Create, p: &Value) -> Create {
    b.set_custom_iam_instance_profile(owned(p, "custom_iam_instance_profile"))
        .set_enable_customer_owned_ip(val::bool_attr(p, "customer_owned_ip_enabled"))
        .set_database_insights_mode(
            owned(p, "database_insights_mode").map(|m| DatabaseInsightsMode::from(m.as_str())),
        )
        .set_dedicated_log_volume(val::bool_attr(p, "dedicated_log_volume"))
        .set_domain(owned(p, "domain"))
        .set_domain_auth_secret_arn(owned(p, "domain_auth_secret_arn"))
        .set_domain_dns_ips(dns_ips(p))
        .set_domain_fqdn(owned(p, "domain_fqdn"))
        .set_domain_iam_role_name(owned(p, "domain_iam_role_name"))
        .set_domain_ou(owned(p, "domain_ou"))
        .set_engine_lifecycle_support(owned(p, "engine_lifecycle_support"))
        .set_nchar_character_set_name(owned(p, "nchar_character_set_name"))
}

/// Whether ModifyDBInstance has something of these arguments to send.
pub fn changed(prior: &Value, p: &Value) -> bool {
    DOMAIN
        .iter()
        .chain(&MODIFIED)
        .any(|k| val::changed(prior, p, k))
}

pub fn modify(b: Modify, prior: &Value, p: &Value) -> Modify {
    let ch = |k: &str| val::changed(prior, p, k);
    let s = |k: &str| ch(k).then(|| owned(p, k)).flatten();
    // Turning something off must say false, not leave it out.
    let off = |k: &str| ch(k).then(|| val::bool_attr(p, k).unwrap_or(false));
    let mut b = b
        .set_enable_customer_owned_ip(off("customer_owned_ip_enabled"))
        .set_dedicated_log_volume(off("dedicated_log_volume"))
        .set_database_insights_mode(
            s("database_insights_mode").map(|m| DatabaseInsightsMode::from(m.as_str())),
        )
        .set_engine_lifecycle_support(s("engine_lifecycle_support"))
        .set_replica_mode(s("replica_mode").map(|m| ReplicaMode::from(m.as_str())));
    if DOMAIN.iter().any(|k| ch(k)) {
        b = if DOMAIN
            .iter()
            .all(|k| val::str_attr(p, k).is_none() && dns_ips(p).is_none())
        {
            b.disable_domain(true)
        } else {
            b.set_domain(owned(p, "domain"))
                .set_domain_auth_secret_arn(owned(p, "domain_auth_secret_arn"))
                .set_domain_dns_ips(dns_ips(p))
                .set_domain_fqdn(owned(p, "domain_fqdn"))
                .set_domain_iam_role_name(owned(p, "domain_iam_role_name"))
                .set_domain_ou(owned(p, "domain_ou"))
        };
    }
    b
}
