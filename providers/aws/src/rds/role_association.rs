//! `aws_db_instance_role_association`: an IAM role given to a DB instance for one feature
//! (S3 import, Lambda, ...). Every argument replaces; the ID and import ID are
//! `IDENTIFIER,ROLE_ARN`, as the Terraform provider has them. Refreshed from the
//! instances' descriptions (one DescribeDBInstances per 100 instances and page).
//!
//! moto serves AddRoleToDBInstance but not RemoveRoleFromDBInstance, so a destroy is
//! only tested up to that call.

use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_rds::types::DbInstanceRole;
use terrane_engine::lang::Value;

use super::instance::describe;
use crate::clients::Clients;
use crate::ec2::attr_values;
use crate::error::{err, AwsError};
use crate::resource::{wait_for, AwsResource, DefaultTimeouts, Failed, Timeout};
use crate::schema::*;
use crate::table::{ResourceTable, Table};
use crate::val::{self, Obj};

pub struct RoleAssociation;

/// One role of one instance, as read.
pub struct Held {
    ident: String,
    role: DbInstanceRole,
}

static TABLE: LazyLock<Table<Held, ()>> = LazyLock::new(|| {
    Table::new(|| {
        Some(Held {
            ident: String::new(),
            role: DbInstanceRole::builder().build(),
        })
    })
    .attr("id", comp(STR))
    .read(|h, _| {
        let arn = h.role.role_arn().unwrap_or_default();
        Value::string(format!("{},{arn}", h.ident))
    })
    .attr("db_instance_identifier", req(STR).force_new())
    .read(|h, _| Value::string(&h.ident))
    .attr("feature_name", req(STR).force_new())
    .read(|h, _| val::str_or_empty(h.role.feature_name()))
    .attr("role_arn", req(STR).force_new())
    .read(|h, _| val::str_or_empty(h.role.role_arn()))
});

/// The association's role on the instance, once described.
async fn find(c: &Clients, ident: &str, arn: &str) -> Result<Option<DbInstanceRole>, AwsError> {
    let found = describe(c, &[ident.to_string()]).await?;
    Ok(found
        .iter()
        .flat_map(|d| d.associated_roles())
        .find(|r| r.role_arn() == Some(arn))
        .cloned())
}

#[async_trait]
impl AwsResource for RoleAssociation {
    fn type_name(&self) -> &'static str {
        "aws_db_instance_role_association"
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*TABLE)
    }

    fn timeouts(&self) -> Option<DefaultTimeouts> {
        Some(DefaultTimeouts::minutes(10, 10, 10))
    }

    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let instances = describe(c, &attr_values(current, "db_instance_identifier")).await?;
        Ok(current
            .iter()
            .map(|cur| {
                let ident = val::str_attr(cur, "db_instance_identifier")?;
                let arn = val::str_attr(cur, "role_arn")?;
                let d = instances
                    .iter()
                    .find(|d| d.db_instance_identifier() == Some(ident))?;
                let role = d
                    .associated_roles()
                    .iter()
                    .find(|r| r.role_arn() == Some(arn))?;
                let held = Held {
                    ident: ident.to_string(),
                    role: role.clone(),
                };
                Some(TABLE.read_value(&held, cur, &c.region))
            })
            .collect())
    }

    async fn create(&self, c: &Clients, planned: &Value, t: Timeout) -> Result<String, Failed> {
        let ident = val::str_attr(planned, "db_instance_identifier").unwrap_or_default();
        let arn = val::str_attr(planned, "role_arn").unwrap_or_default();
        c.rds
            .get()
            .await
            .add_role_to_db_instance()
            .db_instance_identifier(ident)
            .role_arn(arn)
            .feature_name(val::str_attr(planned, "feature_name").unwrap_or_default())
            .send()
            .await
            .map_err(err("AddRoleToDBInstance"))?;
        let id = format!("{ident},{arn}");
        // AWS reports the role PENDING until it is usable (moto: ACTIVE at once).
        wait_for("DB instance role association", "ACTIVE", t, || async {
            Ok(match find(c, ident, arn).await? {
                Some(r) if r.status() == Some("ACTIVE") || r.status().is_none() => Ok(()),
                Some(r) => Err(r.status().unwrap_or_default().to_string()),
                None => Err("not found".to_string()),
            })
        })
        .await
        .map_err(|e| e.after_create(&id))?;
        Ok(id)
    }

    async fn delete(&self, c: &Clients, prior: &Value, t: Timeout) -> Result<(), AwsError> {
        let ident = val::str_attr(prior, "db_instance_identifier").unwrap_or_default();
        let arn = val::str_attr(prior, "role_arn").unwrap_or_default();
        let out = c
            .rds
            .get()
            .await
            .remove_role_from_db_instance()
            .db_instance_identifier(ident)
            .role_arn(arn)
            .feature_name(val::str_attr(prior, "feature_name").unwrap_or_default())
            .send()
            .await
            .map_err(err("RemoveRoleFromDBInstance"));
        match out {
            Err(e) if e.is_not_found() => return Ok(()),
            Err(e) => return Err(e),
            Ok(_) => {}
        }
        wait_for("DB instance role association", "removed", t, || async {
            Ok(match find(c, ident, arn).await? {
                None => Ok(()),
                Some(r) => Err(r.status().unwrap_or("ACTIVE").to_string()),
            })
        })
        .await
    }

    /// `IDENTIFIER,ROLE_ARN`; the feature is read from the instance.
    fn import_stub(&self, id: &str, stub: &mut Obj) -> Result<(), String> {
        let (ident, arn) = id
            .split_once(',')
            .filter(|(a, b)| !a.is_empty() && !b.is_empty())
            .ok_or_else(|| {
                format!("unexpected format for ID ({id}), expected DB-INSTANCE-ID,ROLE-ARN")
            })?;
        stub.set("id", Value::string(id))
            .set("db_instance_identifier", Value::string(ident))
            .set("role_arn", Value::string(arn));
        Ok(())
    }
}
