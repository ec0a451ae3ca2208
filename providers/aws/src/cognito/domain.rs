//! `aws_cognito_user_pool_domain`: the hosted sign-in domain of a user pool — a prefix of
//! Cognito's own domain, or a custom domain with an ACM certificate. The domain is the ID
//! and import ID; domain and pool replace; the certificate and the managed login version
//! change in place with UpdateUserPoolDomain.

use async_trait::async_trait;
use aws_sdk_cognitoidentityprovider::types::{CustomDomainConfigType, DomainDescriptionType};
use terrane_engine::lang::Value;
use terrane_engine::provider::BlockSchema;

use super::{gone, num};
use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::{AwsResource, Failed, Timeout};
use crate::schema::*;
use crate::val::{self, Obj};

pub struct DomainRes;

fn certificate(planned: &Value) -> Option<CustomDomainConfigType> {
    val::str_attr(planned, "certificate_arn").and_then(|arn| {
        CustomDomainConfigType::builder()
            .certificate_arn(arn)
            .build()
            .ok()
    })
}

/// The CloudFront distribution Cognito puts in front of a domain is hosted in this zone
/// (CloudFront's, the same in every region).
const CLOUDFRONT_ZONE: &str = "Z2FDTNDATAQYW2";

fn read_into(o: &mut Obj, d: &DomainDescriptionType, region: &str) {
    let distribution = d.cloud_front_distribution().unwrap_or_default();
    o.set("id", val::str_or_empty(d.domain()))
        .set("domain", val::str_or_empty(d.domain()))
        .set("user_pool_id", val::str_or_empty(d.user_pool_id()))
        .set("aws_account_id", val::str_or_empty(d.aws_account_id()))
        .set(
            "certificate_arn",
            val::opt_str(d.custom_domain_config().map(|c| c.certificate_arn())),
        )
        .set("cloudfront_distribution", Value::string(distribution))
        .set("cloudfront_distribution_arn", Value::string(distribution))
        .set(
            "cloudfront_distribution_zone_id",
            Value::string(CLOUDFRONT_ZONE),
        )
        .set(
            "s3_bucket",
            Value::string(format!("aws-cognito-prod-{region}-assets")),
        )
        .set("version", val::str_or_empty(d.version()))
        .set("managed_login_version", num(d.managed_login_version()));
}

async fn describe(c: &Clients, domain: &str) -> Result<Option<DomainDescriptionType>, AwsError> {
    let out = c
        .cognito_idp
        .get()
        .await
        .describe_user_pool_domain()
        .domain(domain)
        .send()
        .await
        .map_err(err("DescribeUserPoolDomain"));
    match out {
        // A domain that does not exist is described as an empty description.
        Ok(o) => Ok(o
            .domain_description()
            .filter(|d| d.domain().is_some_and(|x| !x.is_empty()))
            .cloned()),
        Err(e) if gone(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

#[async_trait]
impl AwsResource for DomainRes {
    fn type_name(&self) -> &'static str {
        "aws_cognito_user_pool_domain"
    }

    fn schema(&self) -> BlockSchema {
        S::new()
            .attr("id", comp(STR))
            .attr("domain", req(STR).force_new())
            .attr("user_pool_id", req(STR).force_new())
            .attr("certificate_arn", opt(STR))
            .attr("managed_login_version", opt_comp(NUM))
            .attr("aws_account_id", comp(STR))
            .attr("cloudfront_distribution", comp(STR))
            .attr("cloudfront_distribution_arn", comp(STR))
            .attr("cloudfront_distribution_zone_id", comp(STR))
            .attr("s3_bucket", comp(STR))
            .attr("version", comp(STR))
            .build()
    }

    fn identity(&self, planned: &Value) -> Option<terrane_engine::provider::Identity> {
        crate::resource::identity_of(planned, &["domain"], &[])
    }

    async fn find(
        &self,
        c: &Clients,
        identity: &terrane_engine::provider::Identity,
    ) -> Result<Option<String>, AwsError> {
        let Some(domain) = identity.get("domain") else {
            return Ok(None);
        };
        Ok(describe(c, domain)
            .await?
            .and_then(|d| d.domain().map(str::to_string)))
    }

    /// One DescribeUserPoolDomain per domain, concurrently.
    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let jobs = current.iter().map(|cur| async move {
            let Some(domain) = val::str_attr(cur, "id") else {
                return Ok(None);
            };
            Ok(describe(c, domain).await?.map(|d| {
                let mut o = Obj::from(cur);
                read_into(&mut o, &d, &c.region);
                o.done()
            }))
        });
        futures::future::join_all(jobs).await.into_iter().collect()
    }

    async fn create(&self, c: &Clients, planned: &Value, _t: Timeout) -> Result<String, Failed> {
        let domain = val::str_attr(planned, "domain").unwrap_or_default();
        c.cognito_idp
            .get()
            .await
            .create_user_pool_domain()
            .domain(domain)
            .user_pool_id(val::str_attr(planned, "user_pool_id").unwrap_or_default())
            .set_custom_domain_config(certificate(planned))
            .set_managed_login_version(val::i32_attr(planned, "managed_login_version"))
            .send()
            .await
            .map_err(err("CreateUserPoolDomain"))?;
        Ok(domain.to_string())
    }

    async fn update(
        &self,
        c: &Clients,
        prior: &Value,
        planned: &Value,
        _t: Timeout,
    ) -> Result<Option<String>, AwsError> {
        if !["certificate_arn", "managed_login_version"]
            .iter()
            .any(|k| val::changed(prior, planned, k))
        {
            return Ok(None);
        }
        c.cognito_idp
            .get()
            .await
            .update_user_pool_domain()
            .domain(val::str_attr(prior, "id").unwrap_or_default())
            .user_pool_id(val::str_attr(prior, "user_pool_id").unwrap_or_default())
            .set_custom_domain_config(certificate(planned))
            .set_managed_login_version(val::i32_attr(planned, "managed_login_version"))
            .send()
            .await
            .map_err(err("UpdateUserPoolDomain"))?;
        Ok(None)
    }

    async fn delete(&self, c: &Clients, prior: &Value, _t: Timeout) -> Result<(), AwsError> {
        let out = c
            .cognito_idp
            .get()
            .await
            .delete_user_pool_domain()
            .domain(val::str_attr(prior, "id").unwrap_or_default())
            .user_pool_id(val::str_attr(prior, "user_pool_id").unwrap_or_default())
            .send()
            .await
            .map_err(err("DeleteUserPoolDomain"));
        match out {
            Err(e) if !gone(&e) => Err(e),
            _ => Ok(()),
        }
    }
}
