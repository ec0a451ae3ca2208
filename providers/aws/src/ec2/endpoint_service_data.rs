//! The `aws_vpc_endpoint_service` data source: an AWS service (`service = "s3"`) or an
//! endpoint service by name, as the VPC module's endpoints submodule looks them up.

use async_trait::async_trait;
use terrane_engine::lang::Value;
use terrane_engine::provider::BlockSchema;

use super::filter;
use crate::clients::Clients;
use crate::data::{filters, tag_filters, AwsDataSource};
use crate::error::{err, AwsError};
use crate::resource::tags_value;
use crate::schema::*;
use crate::val::{self, Obj};

pub struct EndpointServiceData;

#[async_trait]
impl AwsDataSource for EndpointServiceData {
    fn type_name(&self) -> &'static str {
        "aws_vpc_endpoint_service"
    }

    fn schema(&self) -> BlockSchema {
        S::new()
            .attr("id", comp(STR))
            .attr("service", opt(STR))
            .attr("service_name", opt_comp(STR))
            .attr("service_type", opt_comp(STR))
            .attr("service_regions", opt(set_of(STR)))
            .attr("tags", opt_comp(map_of(STR)))
            .attr("acceptance_required", comp(BOOL))
            .attr("arn", comp(STR))
            .attr("availability_zones", comp(set_of(STR)))
            .attr("base_endpoint_dns_names", comp(set_of(STR)))
            .attr("manages_vpc_endpoints", comp(BOOL))
            .attr("owner", comp(STR))
            .attr("private_dns_name", comp(STR))
            .attr("private_dns_names", comp(set_of(STR)))
            .attr("service_id", comp(STR))
            .attr("service_region", comp(STR))
            .attr("supported_ip_address_types", comp(set_of(STR)))
            .attr("vpc_endpoint_policy_supported", comp(BOOL))
            .filter_block()
            .build()
    }

    async fn read(&self, c: &Clients, config: &Value) -> Result<Value, AwsError> {
        // `service` names an AWS service of the provider's region.
        let name = val::str_attr(config, "service_name")
            .map(str::to_string)
            .or_else(|| {
                val::str_attr(config, "service").map(|s| format!("com.amazonaws.{}.{s}", c.region))
            });
        let mut fs = filters(config);
        fs.extend(tag_filters(config));
        if let Some(t) = val::str_attr(config, "service_type") {
            fs.push(filter("service-type", [t]));
        }
        let regions = val::strings(config, "service_regions");
        // The name goes in ServiceNames, as the Terraform provider sends it, not in a
        // `service-name` filter: moto fails on that filter with a 500 (it reads the
        // filter's values under a key the request does not have).
        let out = c
            .ec2
            .get()
            .await
            .describe_vpc_endpoint_services()
            .set_service_names(name.clone().map(|n| vec![n]))
            .set_filters((!fs.is_empty()).then_some(fs))
            .set_service_regions((!regions.is_empty()).then_some(regions))
            .send()
            .await;
        // An unknown name is an error answer (InvalidServiceName), not an empty list.
        let out = match out.map_err(err("DescribeVpcEndpointServices")) {
            Err(e) if e.code() == Some("InvalidServiceName") => {
                return Err(AwsError::Invalid(
                    "no matching EC2 VPC Endpoint Service found".into(),
                ))
            }
            r => r?,
        };
        // The name is checked here too: ServiceNames narrows nothing on some endpoints.
        let found: Vec<_> = out
            .service_details()
            .iter()
            .filter(|d| name.is_none() || d.service_name() == name.as_deref())
            .collect();
        let d = match found.as_slice() {
            [d] => *d,
            [] => {
                return Err(AwsError::Invalid(
                    "no matching EC2 VPC Endpoint Service found".into(),
                ))
            }
            _ => {
                return Err(AwsError::Invalid(
                    "multiple EC2 VPC Endpoint Services matched; use additional constraints to reduce matches to a single EC2 VPC Endpoint Service".into(),
                ))
            }
        };
        let service_id = d.service_id().unwrap_or_default();
        let account = c.account_id().await?;
        let mut o = Obj::from(config);
        let id = string_hashcode(d.service_name().unwrap_or_default());
        o.set("id", Value::string(id.to_string()))
            .set("service_id", Value::string(service_id))
            .set("service_name", val::opt_str(d.service_name()))
            .set(
                "service_type",
                val::opt_str(
                    d.service_type()
                        .first()
                        .and_then(|t| t.service_type())
                        .map(|t| t.as_str()),
                ),
            )
            .set(
                "arn",
                Value::string(c.ec2_arn(account, &format!("vpc-endpoint-service/{service_id}"))),
            )
            .set("tags", tags_value(d.tags()))
            .set(
                "acceptance_required",
                Value::Bool(d.acceptance_required().unwrap_or(false)),
            )
            .set("availability_zones", val::str_set(d.availability_zones()))
            .set(
                "base_endpoint_dns_names",
                val::str_set(d.base_endpoint_dns_names()),
            )
            .set(
                "manages_vpc_endpoints",
                Value::Bool(d.manages_vpc_endpoints().unwrap_or(false)),
            )
            .set("owner", val::str_or_empty(d.owner()))
            .set("private_dns_name", val::str_or_empty(d.private_dns_name()))
            .set(
                "private_dns_names",
                val::str_set(
                    d.private_dns_names()
                        .iter()
                        .filter_map(|p| p.private_dns_name()),
                ),
            )
            .set("service_region", val::str_or_empty(d.service_region()))
            .set(
                "supported_ip_address_types",
                val::str_set(d.supported_ip_address_types().iter().map(|t| t.as_str())),
            )
            .set(
                "vpc_endpoint_policy_supported",
                Value::Bool(d.vpc_endpoint_policy_supported().unwrap_or(false)),
            );
        Ok(o.done())
    }
}

/// The ID the Terraform provider gives the data source: the CRC-32 (IEEE) of the service
/// name, in decimal.
fn string_hashcode(s: &str) -> u32 {
    let mut crc = !0u32;
    for b in s.bytes() {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    #[test]
    fn hashcode_is_crc32() {
        assert_eq!(
            super::string_hashcode("com.amazonaws.us-east-1.s3"),
            195_798_706
        );
        assert_eq!(super::string_hashcode(""), 0);
    }
}
