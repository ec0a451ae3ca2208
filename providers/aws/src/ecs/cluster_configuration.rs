//! The `configuration` and `service_connect_defaults` blocks of `aws_ecs_cluster`: how
//! ECS Exec sessions are encrypted and logged, which KMS keys encrypt managed storage,
//! and the Cloud Map namespace services join by default. Schema, SDK form and the value
//! read back, here once. Both are read from AWS only while configured (AWS may report
//! an empty configuration for a cluster that never had one).

use aws_sdk_ecs::types::{
    Cluster, ClusterConfiguration, ClusterServiceConnectDefaultsRequest,
    ExecuteCommandConfiguration, ExecuteCommandLogConfiguration, ExecuteCommandLogging,
    ManagedStorageConfiguration,
};
use terrane_engine::lang::Value;
use terrane_engine::provider::Nesting;

use crate::error::AwsError;
use crate::schema::*;
use crate::table::Arg;
use crate::val;

/// The `configuration` block's contents.
pub fn configuration_schema() -> S {
    let log = S::new()
        .attr("cloud_watch_encryption_enabled", opt(BOOL))
        .attr("cloud_watch_log_group_name", opt(STR))
        .attr("s3_bucket_encryption_enabled", opt(BOOL))
        .attr("s3_bucket_name", opt(STR))
        .attr("s3_key_prefix", opt(STR));
    let exec = S::new()
        .attr("kms_key_id", opt(STR))
        .attr("logging", opt(STR))
        .block("log_configuration", Nesting::List, log);
    let storage = S::new()
        .attr("fargate_ephemeral_storage_kms_key_id", opt(STR))
        .attr("kms_key_id", opt(STR));
    S::new()
        .block("execute_command_configuration", Nesting::List, exec)
        .block("managed_storage_configuration", Nesting::List, storage)
}

/// The `service_connect_defaults` block's contents.
pub fn defaults_schema() -> S {
    S::new().attr("namespace", req(STR))
}

fn s(v: &Value, k: &str) -> Option<String> {
    val::str_attr(v, k).map(str::to_string)
}

/// The planned `configuration` block for CreateCluster and UpdateCluster.
pub fn configuration(block: Arg) -> Option<ClusterConfiguration> {
    let c = block.first()?;
    let exec = val::first_block(c, "execute_command_configuration").map(|e| {
        let log = val::first_block(e, "log_configuration").map(|l| {
            ExecuteCommandLogConfiguration::builder()
                .set_cloud_watch_encryption_enabled(val::bool_attr(
                    l,
                    "cloud_watch_encryption_enabled",
                ))
                .set_cloud_watch_log_group_name(s(l, "cloud_watch_log_group_name"))
                .set_s3_encryption_enabled(val::bool_attr(l, "s3_bucket_encryption_enabled"))
                .set_s3_bucket_name(s(l, "s3_bucket_name"))
                .set_s3_key_prefix(s(l, "s3_key_prefix"))
                .build()
        });
        ExecuteCommandConfiguration::builder()
            .set_kms_key_id(s(e, "kms_key_id"))
            .set_logging(val::str_attr(e, "logging").map(ExecuteCommandLogging::from))
            .set_log_configuration(log)
            .build()
    });
    let storage = val::first_block(c, "managed_storage_configuration").map(|m| {
        ManagedStorageConfiguration::builder()
            .set_kms_key_id(s(m, "kms_key_id"))
            .set_fargate_ephemeral_storage_kms_key_id(s(m, "fargate_ephemeral_storage_kms_key_id"))
            .build()
    });
    Some(
        ClusterConfiguration::builder()
            .set_execute_command_configuration(exec)
            .set_managed_storage_configuration(storage)
            .build(),
    )
}

/// The planned `service_connect_defaults`; an empty namespace removes the default.
pub fn service_connect_defaults(
    planned: &Value,
) -> Result<ClusterServiceConnectDefaultsRequest, AwsError> {
    let ns = val::first_block(planned, "service_connect_defaults")
        .and_then(|d| val::str_attr(d, "namespace"))
        .unwrap_or_default();
    ClusterServiceConnectDefaultsRequest::builder()
        .namespace(ns)
        .build()
        .map_err(|e| AwsError::Invalid(format!("service_connect_defaults: {e}")))
}

fn one(v: Option<Value>) -> Value {
    Value::List(v.into_iter().collect())
}

/// A flag AWS reports as false when unset: false reads as the known value (null while
/// the configuration leaves it out).
fn flag(on: bool, known: Option<&Value>) -> Value {
    match known {
        _ if on => Value::Bool(true),
        Some(Value::Bool(_)) => Value::Bool(false),
        _ => Value::Null,
    }
}

/// Whether `cur` (the object as last known) has the block `k`.
fn configured(cur: &Value, k: &str) -> bool {
    !val::blocks(cur, k).is_empty()
}

/// The `configuration` block as AWS holds it, while `cur` has one.
pub fn read_configuration(cur: &Value, cl: &Cluster) -> Value {
    let known_log = val::first_block(cur, "configuration")
        .and_then(|c| val::first_block(c, "execute_command_configuration"))
        .and_then(|e| val::first_block(e, "log_configuration"));
    let known = |k| known_log.and_then(|l| l.get_attr(k));
    let config = cl
        .configuration()
        .filter(|_| configured(cur, "configuration"))
        .map(|c| {
            let exec = c.execute_command_configuration().map(|e| {
                let log = e.log_configuration().map(|l| {
                    Value::object([
                        (
                            "cloud_watch_encryption_enabled",
                            flag(
                                l.cloud_watch_encryption_enabled(),
                                known("cloud_watch_encryption_enabled"),
                            ),
                        ),
                        (
                            "cloud_watch_log_group_name",
                            val::opt_str(l.cloud_watch_log_group_name()),
                        ),
                        (
                            "s3_bucket_encryption_enabled",
                            flag(
                                l.s3_encryption_enabled(),
                                known("s3_bucket_encryption_enabled"),
                            ),
                        ),
                        ("s3_bucket_name", val::opt_str(l.s3_bucket_name())),
                        ("s3_key_prefix", val::opt_str(l.s3_key_prefix())),
                    ])
                });
                Value::object([
                    ("kms_key_id", val::opt_str(e.kms_key_id())),
                    ("logging", val::opt_str(e.logging().map(|l| l.as_str()))),
                    ("log_configuration", one(log)),
                ])
            });
            let storage = c.managed_storage_configuration().map(|m| {
                Value::object([
                    (
                        "fargate_ephemeral_storage_kms_key_id",
                        val::opt_str(m.fargate_ephemeral_storage_kms_key_id()),
                    ),
                    ("kms_key_id", val::opt_str(m.kms_key_id())),
                ])
            });
            Value::object([
                ("execute_command_configuration", one(exec)),
                ("managed_storage_configuration", one(storage)),
            ])
        });
    one(config)
}

/// The `service_connect_defaults` block as AWS holds it, while `cur` has one.
pub fn read_defaults(cur: &Value, cl: &Cluster) -> Value {
    let defaults = cl
        .service_connect_defaults()
        .filter(|_| configured(cur, "service_connect_defaults"))
        .and_then(|d| d.namespace())
        .map(|ns| Value::object([("namespace", Value::string(ns))]));
    one(defaults)
}
