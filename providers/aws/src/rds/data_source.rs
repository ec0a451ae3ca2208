//! The `aws_db_instance` data source: one existing DB instance by `db_instance_identifier`,
//! with the attribute names of Terraform's data source (which differ from the resource's:
//! `db_instance_class`, `master_username`, `db_instance_port`, ...).

use async_trait::async_trait;
use terrane_engine::lang::Value;
use terrane_engine::provider::BlockSchema;

use super::instance::describe;
use crate::clients::Clients;
use crate::data::AwsDataSource;
use crate::error::AwsError;
use crate::resource::tags_value;
use crate::schema::*;
use crate::val::{self, Obj};

pub struct DbInstanceData;

const STRINGS: &[&str] = &[
    "address",
    "availability_zone",
    "backup_window",
    "db_instance_arn",
    "db_instance_class",
    "db_name",
    "db_subnet_group",
    "endpoint",
    "engine",
    "engine_version",
    "hosted_zone_id",
    "kms_key_id",
    "master_username",
    "preferred_backup_window",
    "preferred_maintenance_window",
    "resource_id",
    "status",
    "storage_type",
];
const NUMBERS: &[&str] = &[
    "allocated_storage",
    "backup_retention_period",
    "db_instance_port",
    "iops",
    "max_allocated_storage",
    "port",
];
const BOOLS: &[&str] = &[
    "auto_minor_version_upgrade",
    "deletion_protection",
    "multi_az",
    "publicly_accessible",
    "storage_encrypted",
];

#[async_trait]
impl AwsDataSource for DbInstanceData {
    fn type_name(&self) -> &'static str {
        "aws_db_instance"
    }

    fn schema(&self) -> BlockSchema {
        let mut s = S::new()
            .attr("id", comp(STR))
            .attr("db_instance_identifier", opt_comp(STR))
            .attr("tags", opt_comp(map_of(STR)))
            .attr("db_parameter_groups", comp(list_of(STR)))
            .attr("vpc_security_groups", comp(list_of(STR)));
        for k in STRINGS {
            s = s.attr(k, comp(STR));
        }
        for k in NUMBERS {
            s = s.attr(k, comp(NUM));
        }
        for k in BOOLS {
            s = s.attr(k, comp(BOOL));
        }
        s.build()
    }

    async fn read(&self, c: &Clients, config: &Value) -> Result<Value, AwsError> {
        let Some(ident) = val::str_attr(config, "db_instance_identifier") else {
            return Err(AwsError::Invalid(
                "db_instance_identifier is required to find a DB instance".into(),
            ));
        };
        let found = describe(c, &[ident.to_lowercase()]).await?;
        let [d] = found.as_slice() else {
            return Err(AwsError::Invalid(format!(
                "no matching RDS DB Instance found: the query for {ident:?} returned {} instances",
                found.len()
            )));
        };
        let ep = d.endpoint();
        let address = ep.and_then(|e| e.address()).unwrap_or_default();
        let port = ep.and_then(|e| e.port()).or(d.db_instance_port());
        let num = |n: Option<i32>| n.map_or(Value::Null, val::num);
        let mut o = Obj::from(config);
        o.set("id", val::opt_str(d.db_instance_identifier()))
            .set(
                "db_instance_identifier",
                val::opt_str(d.db_instance_identifier()),
            )
            .set("address", Value::string(address))
            .set(
                "endpoint",
                Value::string(port.map_or(address.to_string(), |p| format!("{address}:{p}"))),
            )
            .set(
                "hosted_zone_id",
                val::str_or_empty(ep.and_then(|e| e.hosted_zone_id())),
            )
            .set(
                "availability_zone",
                val::str_or_empty(d.availability_zone()),
            )
            .set(
                "backup_window",
                val::str_or_empty(d.preferred_backup_window()),
            )
            .set(
                "preferred_backup_window",
                val::str_or_empty(d.preferred_backup_window()),
            )
            .set(
                "preferred_maintenance_window",
                val::str_or_empty(d.preferred_maintenance_window()),
            )
            .set("db_instance_arn", val::str_or_empty(d.db_instance_arn()))
            .set(
                "db_instance_class",
                val::str_or_empty(d.db_instance_class()),
            )
            .set("db_name", val::str_or_empty(d.db_name()))
            .set(
                "db_subnet_group",
                val::str_or_empty(d.db_subnet_group().and_then(|g| g.db_subnet_group_name())),
            )
            .set("engine", val::str_or_empty(d.engine()))
            .set("engine_version", val::str_or_empty(d.engine_version()))
            .set("kms_key_id", val::str_or_empty(d.kms_key_id()))
            .set("master_username", val::str_or_empty(d.master_username()))
            .set("resource_id", val::str_or_empty(d.dbi_resource_id()))
            .set("status", val::str_or_empty(d.db_instance_status()))
            .set("storage_type", val::str_or_empty(d.storage_type()))
            .set("allocated_storage", num(d.allocated_storage()))
            .set("backup_retention_period", num(d.backup_retention_period()))
            .set("db_instance_port", num(d.db_instance_port().or(port)))
            .set("port", num(port))
            .set("iops", num(d.iops()))
            .set("max_allocated_storage", num(d.max_allocated_storage()))
            .set(
                "auto_minor_version_upgrade",
                Value::Bool(d.auto_minor_version_upgrade().unwrap_or(false)),
            )
            .set(
                "deletion_protection",
                Value::Bool(d.deletion_protection().unwrap_or(false)),
            )
            .set("multi_az", Value::Bool(d.multi_az().unwrap_or(false)))
            .set(
                "publicly_accessible",
                Value::Bool(d.publicly_accessible().unwrap_or(false)),
            )
            .set(
                "storage_encrypted",
                Value::Bool(d.storage_encrypted().unwrap_or(false)),
            )
            .set(
                "db_parameter_groups",
                val::str_list(
                    d.db_parameter_groups()
                        .iter()
                        .filter_map(|g| g.db_parameter_group_name()),
                ),
            )
            .set(
                "vpc_security_groups",
                val::str_list(
                    d.vpc_security_groups()
                        .iter()
                        .filter_map(|g| g.vpc_security_group_id()),
                ),
            )
            .set("tags", tags_value(d.tag_list()));
        Ok(o.done())
    }
}
