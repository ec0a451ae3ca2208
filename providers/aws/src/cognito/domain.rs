//! `aws_cognito_user_pool_domain`: the hosted sign-in domain of a user pool — a prefix of
//! Cognito's own domain, or a custom domain with an ACM certificate. The domain is the ID
//! and import ID; domain and pool replace; the certificate and the managed login version
//! change in place with UpdateUserPoolDomain.

use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_cognitoidentityprovider::operation::create_user_pool_domain::builders::CreateUserPoolDomainFluentBuilder;
use aws_sdk_cognitoidentityprovider::types::{CustomDomainConfigType, DomainDescriptionType};
use terrane_engine::lang::Value;

use super::{gone, num};
use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::{AwsResource, Failed, Timeout};
use crate::schema::*;
use crate::table::{ResourceTable, Table};
use crate::val;

pub struct DomainRes;

fn certificate(arn: Option<String>) -> Option<CustomDomainConfigType> {
    arn.and_then(|arn| {
        CustomDomainConfigType::builder()
            .certificate_arn(arn)
            .build()
            .ok()
    })
}

/// The CloudFront distribution Cognito puts in front of a domain is hosted in this zone
/// (CloudFront's, the same in every region).
const CLOUDFRONT_ZONE: &str = "Z2FDTNDATAQYW2";

type DomainTable = Table<DomainDescriptionType, CreateUserPoolDomainFluentBuilder>;

static TABLE: LazyLock<DomainTable> = LazyLock::new(|| {
    DomainTable::new(|| Some(DomainDescriptionType::builder().build()))
        .attr("id", comp(STR))
        .read(|d, _| val::str_or_empty(d.domain()))
        .attr("domain", req(STR).force_new())
        .read(|d, _| val::str_or_empty(d.domain()))
        .create(|b, v| b.set_domain(v.str()))
        .attr("user_pool_id", req(STR).force_new())
        .read(|d, _| val::str_or_empty(d.user_pool_id()))
        .create(|b, v| b.set_user_pool_id(v.str()))
        // UpdateUserPoolDomain is sent the certificate and the version together.
        .attr("certificate_arn", opt(STR))
        .read(|d, _| val::opt_str(d.custom_domain_config().map(|c| c.certificate_arn())))
        .create(|b, v| b.set_custom_domain_config(certificate(v.str())))
        .updated_by_hand()
        .attr("managed_login_version", opt_comp(NUM))
        .read(|d, _| num(d.managed_login_version()))
        .create(|b, v| b.set_managed_login_version(v.i32()))
        .updated_by_hand()
        .attr("aws_account_id", comp(STR))
        .read(|d, _| val::str_or_empty(d.aws_account_id()))
        .attr("cloudfront_distribution", comp(STR))
        .read(|d, _| val::str_or_empty(d.cloud_front_distribution()))
        .attr("cloudfront_distribution_arn", comp(STR))
        .read(|d, _| val::str_or_empty(d.cloud_front_distribution()))
        .attr("cloudfront_distribution_zone_id", comp(STR))
        .read(|_, _| Value::string(CLOUDFRONT_ZONE))
        .attr("s3_bucket", comp(STR))
        .read(|_, cx| Value::string(format!("aws-cognito-prod-{}-assets", cx.region)))
        .attr("version", comp(STR))
        .read(|d, _| val::str_or_empty(d.version()))
});

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

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*TABLE)
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
            Ok(describe(c, domain)
                .await?
                .map(|d| TABLE.read_value(&d, cur, &c.region)))
        });
        futures::future::join_all(jobs).await.into_iter().collect()
    }

    async fn create(&self, c: &Clients, planned: &Value, _t: Timeout) -> Result<String, Failed> {
        let domain = val::str_attr(planned, "domain").unwrap_or_default();
        TABLE
            .create_request(c.cognito_idp.get().await.create_user_pool_domain(), planned)
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
            .any(|k| TABLE.changed(prior, planned, k))
        {
            return Ok(None);
        }
        c.cognito_idp
            .get()
            .await
            .update_user_pool_domain()
            .domain(val::str_attr(prior, "id").unwrap_or_default())
            .user_pool_id(val::str_attr(prior, "user_pool_id").unwrap_or_default())
            .set_custom_domain_config(certificate(
                val::str_attr(planned, "certificate_arn").map(str::to_string),
            ))
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
