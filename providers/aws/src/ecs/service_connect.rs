//! The `service_connect_configuration` block of `aws_ecs_service`: the Cloud Map
//! namespace a service joins, the ports it publishes under which names, their timeouts and
//! TLS, and the proxy's logs. Sent on create and update; ECS reports it only on a
//! service's deployments (moto not at all), so the configured value is kept.

use aws_sdk_ecs::types::{
    LogConfiguration, LogDriver, Secret, ServiceConnectAccessLogConfiguration,
    ServiceConnectAccessLoggingFormat, ServiceConnectClientAlias, ServiceConnectConfiguration,
    ServiceConnectIncludeQueryParameters, ServiceConnectService,
    ServiceConnectTestTrafficHeaderMatchRules, ServiceConnectTestTrafficHeaderRules,
    ServiceConnectTestTrafficRules, ServiceConnectTlsCertificateAuthority,
    ServiceConnectTlsConfiguration, TimeoutConfiguration,
};
use terrane_engine::lang::Value;
use terrane_engine::provider::Nesting;

use crate::error::AwsError;
use crate::schema::*;
use crate::val;

pub fn schema() -> S {
    let client_alias = S::new()
        .attr("port", req(NUM))
        .attr("dns_name", opt(STR))
        .block(
            "test_traffic_rules",
            Nesting::List,
            S::new().block(
                "header",
                Nesting::List,
                S::new().attr("name", req(STR)).block(
                    "value",
                    Nesting::List,
                    S::new().attr("exact", req(STR)),
                ),
            ),
        );
    let service = S::new()
        .attr("port_name", req(STR))
        .attr("discovery_name", opt(STR))
        .attr("ingress_port_override", opt(NUM))
        .block("client_alias", Nesting::List, client_alias)
        .block(
            "timeout",
            Nesting::List,
            S::new()
                .attr("idle_timeout_seconds", opt(NUM))
                .attr("per_request_timeout_seconds", opt(NUM)),
        )
        .block(
            "tls",
            Nesting::List,
            S::new()
                .attr("kms_key", opt(STR))
                .attr("role_arn", opt(STR))
                .block(
                    "issuer_cert_authority",
                    Nesting::List,
                    S::new().attr("aws_pca_authority_arn", req(STR)),
                ),
        );
    S::new()
        .attr("enabled", req(BOOL))
        .attr("namespace", opt(STR))
        .block(
            "access_log_configuration",
            Nesting::List,
            S::new()
                .attr("format", req(STR))
                .attr("include_query_parameters", opt(STR)),
        )
        .block(
            "log_configuration",
            Nesting::List,
            S::new()
                .attr("log_driver", req(STR))
                .attr("options", opt(map_of(STR)))
                .block(
                    "secret_option",
                    Nesting::List,
                    S::new().attr("name", req(STR)).attr("value_from", req(STR)),
                ),
        )
        .block("service", Nesting::List, service)
}

fn s(v: &Value, k: &str) -> Option<String> {
    val::str_attr(v, k).map(str::to_string)
}

fn invalid(e: impl std::fmt::Display) -> AwsError {
    AwsError::Invalid(format!("service_connect_configuration: {e}"))
}

fn client_alias(a: &Value) -> Result<ServiceConnectClientAlias, AwsError> {
    let rules = val::first_block(a, "test_traffic_rules")
        .map(|r| {
            let header = val::first_block(r, "header")
                .map(|h| {
                    let value = val::first_block(h, "value")
                        .map(|v| {
                            ServiceConnectTestTrafficHeaderMatchRules::builder()
                                .set_exact(s(v, "exact"))
                                .build()
                                .map_err(invalid)
                        })
                        .transpose()?;
                    ServiceConnectTestTrafficHeaderRules::builder()
                        .set_name(s(h, "name"))
                        .set_value(value)
                        .build()
                        .map_err(invalid)
                })
                .transpose()?;
            Ok::<_, AwsError>(
                ServiceConnectTestTrafficRules::builder()
                    .set_header(header)
                    .build(),
            )
        })
        .transpose()?;
    ServiceConnectClientAlias::builder()
        .set_port(val::i32_attr(a, "port"))
        .set_dns_name(s(a, "dns_name"))
        .set_test_traffic_rules(rules)
        .build()
        .map_err(invalid)
}

fn service(v: &Value) -> Result<ServiceConnectService, AwsError> {
    let aliases = val::blocks(v, "client_alias")
        .iter()
        .map(client_alias)
        .collect::<Result<Vec<_>, _>>()?;
    let timeout = val::first_block(v, "timeout").map(|t| {
        TimeoutConfiguration::builder()
            .set_idle_timeout_seconds(val::i32_attr(t, "idle_timeout_seconds"))
            .set_per_request_timeout_seconds(val::i32_attr(t, "per_request_timeout_seconds"))
            .build()
    });
    let tls = val::first_block(v, "tls").map(|t| {
        ServiceConnectTlsConfiguration::builder()
            .set_issuer_certificate_authority(val::first_block(t, "issuer_cert_authority").map(
                |a| {
                    ServiceConnectTlsCertificateAuthority::builder()
                        .set_aws_pca_authority_arn(s(a, "aws_pca_authority_arn"))
                        .build()
                },
            ))
            .set_kms_key(s(t, "kms_key"))
            .set_role_arn(s(t, "role_arn"))
            .build()
    });
    ServiceConnectService::builder()
        .set_port_name(s(v, "port_name"))
        .set_discovery_name(s(v, "discovery_name"))
        .set_ingress_port_override(val::i32_attr(v, "ingress_port_override"))
        .set_client_aliases((!aliases.is_empty()).then_some(aliases))
        .set_timeout(timeout)
        .set_tls(tls)
        .build()
        .map_err(invalid)
}

fn logs(l: &Value) -> Result<LogConfiguration, AwsError> {
    let secrets = val::blocks(l, "secret_option")
        .iter()
        .map(|o| {
            Secret::builder()
                .set_name(s(o, "name"))
                .set_value_from(s(o, "value_from"))
                .build()
                .map_err(invalid)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let options = val::string_map(l, "options");
    LogConfiguration::builder()
        .set_log_driver(val::str_attr(l, "log_driver").map(LogDriver::from))
        .set_options((!options.is_empty()).then(|| options.into_iter().collect()))
        .set_secret_options((!secrets.is_empty()).then_some(secrets))
        .build()
        .map_err(invalid)
}

/// The planned block for CreateService and UpdateService; when the block is gone,
/// Service Connect turned off (`removed`), else nothing.
pub fn to_sdk(
    planned: &Value,
    removed: bool,
) -> Result<Option<ServiceConnectConfiguration>, AwsError> {
    let Some(c) = val::first_block(planned, "service_connect_configuration") else {
        return Ok(removed.then(|| {
            ServiceConnectConfiguration::builder()
                .enabled(false)
                .build()
        }));
    };
    let services = val::blocks(c, "service")
        .iter()
        .map(service)
        .collect::<Result<Vec<_>, _>>()?;
    let access = val::first_block(c, "access_log_configuration")
        .map(|a| {
            ServiceConnectAccessLogConfiguration::builder()
                .set_format(val::str_attr(a, "format").map(ServiceConnectAccessLoggingFormat::from))
                .set_include_query_parameters(
                    val::str_attr(a, "include_query_parameters")
                        .map(ServiceConnectIncludeQueryParameters::from),
                )
                .build()
                .map_err(invalid)
        })
        .transpose()?;
    Ok(Some(
        ServiceConnectConfiguration::builder()
            .set_enabled(val::bool_attr(c, "enabled"))
            .set_namespace(s(c, "namespace"))
            .set_services((!services.is_empty()).then_some(services))
            .set_log_configuration(
                val::first_block(c, "log_configuration")
                    .map(logs)
                    .transpose()?,
            )
            .set_access_log_configuration(access)
            .build(),
    ))
}
