//! The `aws_db_instance` rows for the arguments the RDS community module passes beyond
//! the common ones: Active Directory domain membership, customer-owned IPs, a dedicated
//! log volume, Database Insights, extended support (`engine_lifecycle_support`), the
//! NCHAR character set, a replica's mode — sent on create and with ModifyDBInstance — and
//! the other ways to create an instance (from a snapshot, a point in time, an S3 backup,
//! as a read replica) and blue/green updates, which are declared so that modules load,
//! and refused when set.
//!
//! moto keeps none of `custom_iam_instance_profile`, `database_insights_mode`,
//! `engine_lifecycle_support` and `nchar_character_set_name`: where AWS answers nothing a
//! read keeps the value known (as configured), so a configuration that sets them converges.

use aws_sdk_rds::types::{DatabaseInsightsMode, DbInstance, DomainMembership, ReplicaMode};
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;
use terrane_engine::provider::Nesting;

use super::instance_table::{InstanceTable, Modify};
use crate::resource::{check_enum, invalid};
use crate::schema::*;
use crate::table::{Arg, ReadCtx};
use crate::val;

/// The domain membership's arguments: a change of any sends them all (or, with none
/// set, leaves the domain), so they are updated together by hand ([`modify_domain`]).
pub const DOMAIN: [&str; 6] = [
    "domain",
    "domain_auth_secret_arn",
    "domain_dns_ips",
    "domain_fqdn",
    "domain_iam_role_name",
    "domain_ou",
];

/// Blocks refused when present (each is another way to create or update an instance).
const REFUSED_BLOCKS: [&str; 2] = ["restore_to_point_in_time", "s3_import"];

/// Adds the rows of these arguments to the instance's table.
pub fn rows(t: InstanceTable) -> InstanceTable {
    t.attr("custom_iam_instance_profile", opt(STR).force_new())
        .read(|d, cx| {
            or_known(
                cx,
                "custom_iam_instance_profile",
                d.custom_iam_instance_profile(),
                Value::Null,
            )
        })
        .create(|b, v| b.set_custom_iam_instance_profile(v.str()))
        .attr("customer_owned_ip_enabled", opt(BOOL))
        .read(|d, cx| {
            flag(
                cx,
                "customer_owned_ip_enabled",
                d.customer_owned_ip_enabled(),
            )
        })
        .create(|b, v| b.set_enable_customer_owned_ip(v.bool()))
        .update(|b, v| b.enable_customer_owned_ip(off(v)))
        .attr("database_insights_mode", opt_comp(STR))
        .read(|d, cx| {
            let aws = d.database_insights_mode().map(DatabaseInsightsMode::as_str);
            or_known(cx, "database_insights_mode", aws, Value::string(""))
        })
        .create(|b, v| b.set_database_insights_mode(v.str().map(|m| m.as_str().into())))
        .update(|b, v| b.set_database_insights_mode(v.str().map(|m| m.as_str().into())))
        .attr("dedicated_log_volume", opt(BOOL))
        .read(|d, cx| flag(cx, "dedicated_log_volume", d.dedicated_log_volume()))
        .create(|b, v| b.set_dedicated_log_volume(v.bool()))
        .update(|b, v| b.dedicated_log_volume(off(v)))
        // The directory and role are read as AWS has them; the self-managed directory's
        // details only while configured (moto makes up an FQDN and OU for every domain).
        .attr("domain", opt(STR))
        .read(|d, _| val::opt_str(membership(d).and_then(DomainMembership::domain)))
        .create(|b, v| b.set_domain(v.str()))
        .updated_by_hand()
        .attr("domain_auth_secret_arn", opt(STR))
        .read(|d, cx| {
            let aws = membership(d).and_then(DomainMembership::auth_secret_arn);
            configured(cx, "domain_auth_secret_arn", val::opt_str(aws))
        })
        .create(|b, v| b.set_domain_auth_secret_arn(v.str()))
        .updated_by_hand()
        .attr("domain_dns_ips", opt(list_of(STR)))
        .read(|d, cx| {
            let aws = membership(d).map(DomainMembership::dns_ips);
            configured(cx, "domain_dns_ips", val::str_list(aws.unwrap_or_default()))
        })
        .create(|b, v| b.set_domain_dns_ips(dns_ips(v)))
        .updated_by_hand()
        .attr("domain_fqdn", opt(STR))
        .read(|d, cx| {
            let aws = membership(d).and_then(DomainMembership::fqdn);
            configured(cx, "domain_fqdn", val::opt_str(aws))
        })
        .create(|b, v| b.set_domain_fqdn(v.str()))
        .updated_by_hand()
        .attr("domain_iam_role_name", opt(STR))
        .read(|d, _| val::opt_str(membership(d).and_then(DomainMembership::iam_role_name)))
        .create(|b, v| b.set_domain_iam_role_name(v.str()))
        .updated_by_hand()
        .attr("domain_ou", opt(STR))
        .read(|d, cx| {
            let aws = membership(d).and_then(DomainMembership::ou);
            configured(cx, "domain_ou", val::opt_str(aws))
        })
        .create(|b, v| b.set_domain_ou(v.str()))
        .updated_by_hand()
        .attr("engine_lifecycle_support", opt_comp(STR))
        .read(|d, cx| {
            let aws = d.engine_lifecycle_support();
            or_known(cx, "engine_lifecycle_support", aws, Value::string(""))
        })
        .create(|b, v| b.set_engine_lifecycle_support(v.str()))
        .update(|b, v| b.set_engine_lifecycle_support(v.str()))
        .attr("nchar_character_set_name", opt_comp(STR).force_new())
        .read(|d, cx| {
            let aws = d.nchar_character_set_name();
            or_known(cx, "nchar_character_set_name", aws, Value::string(""))
        })
        .create(|b, v| b.set_nchar_character_set_name(v.str()))
        // Only a replica has a mode, and replicas are refused: set by a modify only.
        .attr("replica_mode", opt_comp(STR))
        .read(|d, cx| {
            let aws = d.replica_mode().map(ReplicaMode::as_str);
            or_known(cx, "replica_mode", aws, Value::string(""))
        })
        .update(|b, v| b.set_replica_mode(v.str().map(|m| m.as_str().into())))
        // Refused when set (see `check`): kept as configured. Promoting a replica is an
        // in-place change in AWS that terrane does not make.
        .attr("replicate_source_db", opt(STR))
        .update_unsupported()
        .attr("snapshot_identifier", opt_comp(STR).force_new())
        .read(|_, cx| known_or(cx, "snapshot_identifier", Value::string("")))
        // How an update is made (a blue/green deployment), refused when on: nothing to
        // send when it changes.
        .attr("upgrade_storage_config", opt(BOOL))
        .updated_by_hand()
        .block(
            "blue_green_update",
            Nesting::List,
            S::new().attr("enabled", opt(BOOL)),
        )
        .max_items(1)
        .updated_by_hand()
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
        .force_new_block()
        .max_items(1)
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
        .force_new_block()
        .max_items(1)
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

fn membership(d: &DbInstance) -> Option<&DomainMembership> {
    d.domain_memberships().first()
}

/// The value known, when it is known and set, else `unset`.
fn known_or(cx: &ReadCtx, k: &str, unset: Value) -> Value {
    match cx.current.get_attr(k) {
        Some(v) if !v.is_null() && !v.is_unknown() => v.clone(),
        _ => unset,
    }
}

/// AWS's answer, else (AWS keeps nothing: moto) the value known, else `unset`.
fn or_known(cx: &ReadCtx, k: &str, aws: Option<&str>, unset: Value) -> Value {
    match aws {
        Some(s) if !s.is_empty() => Value::string(s),
        _ => known_or(cx, k, unset),
    }
}

/// AWS's answer while the argument is configured, else null.
fn configured(cx: &ReadCtx, k: &str, aws: Value) -> Value {
    match cx.current.get_attr(k) {
        Some(c) if !c.is_null() && !c.is_unknown() => aws,
        _ => Value::Null,
    }
}

/// A flag Terraform leaves null until configured, read as AWS has it (the known value
/// when AWS says nothing).
pub fn flag(cx: &ReadCtx, k: &str, aws: Option<bool>) -> Value {
    let aws = aws.or_else(|| val::bool_attr(cx.current, k));
    crate::ec2::bool_keep_null(cx.current, k, aws)
}

/// A changed flag as ModifyDBInstance wants it: turning something off must say false,
/// not leave it out.
pub fn off(v: Arg) -> bool {
    v.bool().unwrap_or(false)
}

fn dns_ips(v: Arg) -> Option<Vec<String>> {
    v.strings().filter(|ips| !ips.is_empty())
}

/// The domain membership as planned, when any of its arguments changed: all of them, or
/// leaving the domain when none is set.
pub fn modify_domain(b: Modify, prior: &Value, p: &Value) -> Modify {
    if !DOMAIN.iter().any(|k| val::changed(prior, p, k)) {
        return b;
    }
    let arg = |k: &str| Arg(p.get_attr(k));
    let ips = dns_ips(arg("domain_dns_ips"));
    if ips.is_none() && DOMAIN.iter().all(|k| arg(k).str().is_none()) {
        return b.disable_domain(true);
    }
    b.set_domain(arg("domain").str())
        .set_domain_auth_secret_arn(arg("domain_auth_secret_arn").str())
        .set_domain_dns_ips(ips)
        .set_domain_fqdn(arg("domain_fqdn").str())
        .set_domain_iam_role_name(arg("domain_iam_role_name").str())
        .set_domain_ou(arg("domain_ou").str())
}
