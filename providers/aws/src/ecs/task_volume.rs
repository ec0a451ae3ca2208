//! The `volume` blocks of `aws_ecs_task_definition`: a bind mount (`host_path`), a Docker
//! volume, an EFS or an FSx for Windows file system, or a volume configured when the
//! task launches (an EBS volume the service supplies). Schema, SDK form and the value
//! read back, here once.

use std::collections::HashMap;

use aws_sdk_ecs::types::{
    DockerVolumeConfiguration, EfsAuthorizationConfig, EfsAuthorizationConfigIam,
    EfsTransitEncryption, EfsVolumeConfiguration, FSxWindowsFileServerAuthorizationConfig,
    FSxWindowsFileServerVolumeConfiguration, HostVolumeProperties, Scope, Volume,
};
use terrane_engine::lang::Value;
use terrane_engine::provider::Nesting;

use crate::error::AwsError;
use crate::schema::*;
use crate::val;

pub fn schema() -> S {
    S::new()
        .attr("name", req(STR))
        .attr("host_path", opt(STR))
        .attr("configure_at_launch", opt_comp(BOOL))
        .block(
            "docker_volume_configuration",
            Nesting::List,
            S::new()
                .attr("autoprovision", opt(BOOL))
                .attr("driver", opt(STR))
                .attr("driver_opts", opt(map_of(STR)))
                .attr("labels", opt(map_of(STR)))
                .attr("scope", opt_comp(STR)),
        )
        .block(
            "efs_volume_configuration",
            Nesting::List,
            S::new()
                .attr("file_system_id", req(STR))
                .attr("root_directory", opt(STR))
                .attr("transit_encryption", opt(STR))
                .attr("transit_encryption_port", opt(NUM))
                .block(
                    "authorization_config",
                    Nesting::List,
                    S::new()
                        .attr("access_point_id", opt(STR))
                        .attr("iam", opt(STR)),
                ),
        )
        .block(
            "fsx_windows_file_server_volume_configuration",
            Nesting::List,
            S::new()
                .attr("file_system_id", req(STR))
                .attr("root_directory", req(STR))
                .block(
                    "authorization_config",
                    Nesting::List,
                    S::new()
                        .attr("credentials_parameter", req(STR))
                        .attr("domain", req(STR)),
                ),
        )
}

fn s(v: &Value, k: &str) -> Option<String> {
    val::str_attr(v, k).map(str::to_string)
}

fn map(v: &Value, k: &str) -> Option<HashMap<String, String>> {
    let m = val::string_map(v, k);
    (!m.is_empty()).then(|| m.into_iter().collect())
}

fn invalid(e: impl std::fmt::Display) -> AwsError {
    AwsError::Invalid(format!("volume: {e}"))
}

/// The SDK volumes of the planned `volume` blocks.
pub fn to_sdk(planned: &Value) -> Result<Vec<Volume>, AwsError> {
    val::blocks(planned, "volume")
        .iter()
        .map(|v| {
            let docker = val::first_block(v, "docker_volume_configuration").map(|d| {
                DockerVolumeConfiguration::builder()
                    .set_autoprovision(val::bool_attr(d, "autoprovision"))
                    .set_driver(s(d, "driver"))
                    .set_driver_opts(map(d, "driver_opts"))
                    .set_labels(map(d, "labels"))
                    .set_scope(val::str_attr(d, "scope").map(Scope::from))
                    .build()
            });
            let efs = val::first_block(v, "efs_volume_configuration")
                .map(|e| {
                    let auth = val::first_block(e, "authorization_config").map(|a| {
                        EfsAuthorizationConfig::builder()
                            .set_access_point_id(s(a, "access_point_id"))
                            .set_iam(val::str_attr(a, "iam").map(EfsAuthorizationConfigIam::from))
                            .build()
                    });
                    EfsVolumeConfiguration::builder()
                        .set_file_system_id(s(e, "file_system_id"))
                        .set_root_directory(s(e, "root_directory"))
                        .set_transit_encryption(
                            val::str_attr(e, "transit_encryption").map(EfsTransitEncryption::from),
                        )
                        .set_transit_encryption_port(val::i32_attr(e, "transit_encryption_port"))
                        .set_authorization_config(auth)
                        .build()
                        .map_err(invalid)
                })
                .transpose()?;
            let fsx = val::first_block(v, "fsx_windows_file_server_volume_configuration")
                .map(|f| {
                    let auth = val::first_block(f, "authorization_config")
                        .map(|a| {
                            FSxWindowsFileServerAuthorizationConfig::builder()
                                .set_credentials_parameter(s(a, "credentials_parameter"))
                                .set_domain(s(a, "domain"))
                                .build()
                                .map_err(invalid)
                        })
                        .transpose()?;
                    FSxWindowsFileServerVolumeConfiguration::builder()
                        .set_file_system_id(s(f, "file_system_id"))
                        .set_root_directory(s(f, "root_directory"))
                        .set_authorization_config(auth)
                        .build()
                        .map_err(invalid)
                })
                .transpose()?;
            Ok(Volume::builder()
                .set_name(s(v, "name"))
                .set_host(
                    val::str_attr(v, "host_path")
                        .map(|p| HostVolumeProperties::builder().source_path(p).build()),
                )
                .set_configured_at_launch(val::bool_attr(v, "configure_at_launch"))
                .set_docker_volume_configuration(docker)
                .set_efs_volume_configuration(efs)
                .set_fsx_windows_file_server_volume_configuration(fsx)
                .build())
        })
        .collect()
}

fn one(v: Option<Value>) -> Value {
    Value::List(v.into_iter().collect())
}

fn str_map(m: Option<&HashMap<String, String>>) -> Value {
    m.filter(|m| !m.is_empty()).map_or(Value::Null, |m| {
        val::str_map(&m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
    })
}

/// A value AWS fills in when it is left out (`false`, the `task` scope): null while the
/// known value (`known`, the configuration's) is null, as it is there.
fn filled(known: Option<&Value>, aws: Value) -> Value {
    match known {
        Some(Value::Null) | None => Value::Null,
        Some(_) => aws,
    }
}

fn at<'a>(k: Option<&'a Value>, name: &str) -> Option<&'a Value> {
    k.and_then(|k| k.get_attr(name))
}

/// The `volume` blocks of what AWS holds; `known` is the set as last known, which
/// decides whether the values AWS fills in are shown (see [`filled`]).
pub fn from_sdk(volumes: &[Volume], known: &[Value]) -> Value {
    Value::set(
        volumes
            .iter()
            .map(|v| {
                let k = known.iter().find(|k| val::str_attr(k, "name") == v.name());
                let k_docker = k.and_then(|k| val::first_block(k, "docker_volume_configuration"));
                let docker = v.docker_volume_configuration().map(|d| {
                    let flag = d.autoprovision().map_or(Value::Null, Value::Bool);
                    Value::object([
                        (
                            "autoprovision",
                            if d.autoprovision() == Some(true) {
                                flag
                            } else {
                                filled(at(k_docker, "autoprovision"), flag)
                            },
                        ),
                        ("driver", val::opt_str(d.driver())),
                        ("driver_opts", str_map(d.driver_opts())),
                        ("labels", str_map(d.labels())),
                        (
                            "scope",
                            filled(
                                at(k_docker, "scope"),
                                val::opt_str(d.scope().map(Scope::as_str)),
                            ),
                        ),
                    ])
                });
                let efs = v.efs_volume_configuration().map(|e| {
                    let auth = e.authorization_config().map(|a| {
                        Value::object([
                            ("access_point_id", val::opt_str(a.access_point_id())),
                            ("iam", val::opt_str(a.iam().map(|i| i.as_str()))),
                        ])
                    });
                    Value::object([
                        ("file_system_id", Value::string(e.file_system_id())),
                        ("root_directory", val::opt_str(e.root_directory())),
                        (
                            "transit_encryption",
                            val::opt_str(e.transit_encryption().map(|t| t.as_str())),
                        ),
                        (
                            "transit_encryption_port",
                            e.transit_encryption_port().map_or(Value::Null, val::num),
                        ),
                        ("authorization_config", one(auth)),
                    ])
                });
                let fsx = v.fsx_windows_file_server_volume_configuration().map(|f| {
                    let auth = f.authorization_config().map(|a| {
                        Value::object([
                            (
                                "credentials_parameter",
                                Value::string(a.credentials_parameter()),
                            ),
                            ("domain", Value::string(a.domain())),
                        ])
                    });
                    Value::object([
                        ("file_system_id", Value::string(f.file_system_id())),
                        ("root_directory", Value::string(f.root_directory())),
                        ("authorization_config", one(auth)),
                    ])
                });
                Value::object([
                    ("name", val::opt_str(v.name())),
                    (
                        "host_path",
                        val::opt_str(v.host().and_then(|h| h.source_path())),
                    ),
                    (
                        "configure_at_launch",
                        match v.configured_at_launch() {
                            Some(true) => Value::Bool(true),
                            other => filled(
                                at(k, "configure_at_launch"),
                                Value::Bool(other.unwrap_or(false)),
                            ),
                        },
                    ),
                    ("docker_volume_configuration", one(docker)),
                    ("efs_volume_configuration", one(efs)),
                    ("fsx_windows_file_server_volume_configuration", one(fsx)),
                ])
            })
            .collect(),
    )
}
