//! `aws_db_instance`. As in the Terraform provider (v5), `id` is the DBI resource ID and
//! the instance is found (and imported) by `identifier`. The master `password` is only
//! ever sent to AWS: it is never read back, so an imported instance plans a password
//! update when the configuration sets one, as Terraform does. Deleting needs either
//! `skip_final_snapshot` or a `final_snapshot_identifier`, and is refused before any call
//! while `deletion_protection` is on.
//!
//! Its attributes are a table (`instance_table`, with `instance_args`); what the table
//! cannot say is here: the identifier from `identifier_prefix`, validation, the plan's
//! lowercasing and engine version suppression, the batched read, the waits, the parts of
//! ModifyDBInstance that need the prior value or another row's, and the delete.

use async_trait::async_trait;
use aws_sdk_rds::types::{CloudwatchLogsExportConfiguration, DbInstance, Filter};
use terrane_engine::diag::{Diagnostic, Diagnostics};
use terrane_engine::lang::Value;

use super::instance_args as args;
use super::instance_table::{build, version_names, Modify, TABLE};
use super::{name_key, planned_tags, NameRule};
use crate::clients::Clients;
use crate::ec2::match_by;
use crate::error::{err, AwsError};
use crate::resource::{
    check_enum, invalid, known_set, unique_name, wait_for, AwsResource, DefaultTimeouts, Failed,
    PlanExtra, Tagging, Timeout,
};
use crate::table::ResourceTable;
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
}
