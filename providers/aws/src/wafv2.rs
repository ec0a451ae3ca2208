//! `aws_wafv2_web_acl_association`: a regional WAF web ACL attached to a resource (an
//! ALB, an API Gateway stage, ...). Both arguments replace. The ID and import ID are
//! `WEB_ACL_ARN,RESOURCE_ARN`, as Terraform's.

use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_wafv2::operation::associate_web_acl::builders::AssociateWebACLFluentBuilder;
use terrane_engine::lang::Value;

use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::{retry_while_code, AwsResource, DefaultTimeouts, Failed, Timeout};
use crate::schema::*;
use crate::table::{ResourceTable, Table};
use crate::val::{self, Obj};

pub fn resources() -> Vec<Box<dyn AwsResource>> {
    vec![Box::new(WebAclAssociationRes)]
}

pub struct WebAclAssociationRes;

/// The web ACL a resource is associated with, as GetWebACLForResource names it.
pub struct Associated {
    pub web_acl_arn: String,
}

type AssociationTable = Table<Associated, AssociateWebACLFluentBuilder>;

static TABLE: LazyLock<AssociationTable> = LazyLock::new(|| {
    AssociationTable::new(|| {
        Some(Associated {
            web_acl_arn: String::new(),
        })
    })
    .attr("id", comp(STR))
    .attr("resource_arn", req(STR).force_new())
    .create(|b, v| b.set_resource_arn(v.str()))
    .attr("web_acl_arn", req(STR).force_new())
    .read(|a, _| Value::string(&a.web_acl_arn))
    .create(|b, v| b.set_web_acl_arn(v.str()))
});

/// The ARN of the web ACL associated with the resource, if any.
async fn web_acl_of(c: &Clients, resource: &str) -> Result<Option<String>, AwsError> {
    let out = c
        .wafv2
        .get()
        .await
        .get_web_acl_for_resource()
        .resource_arn(resource)
        .send()
        .await
        .map_err(err("GetWebACLForResource"));
    match out {
        Ok(o) => Ok(o.web_acl().map(|w| w.arn().to_string())),
        Err(e) if e.is_not_found() || e.code() == Some("WAFNonexistentItemException") => Ok(None),
        Err(e) => Err(e),
    }
}

#[async_trait]
impl AwsResource for WebAclAssociationRes {
    fn type_name(&self) -> &'static str {
        "aws_wafv2_web_acl_association"
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*TABLE)
    }

    fn timeouts(&self) -> Option<DefaultTimeouts> {
        Some(DefaultTimeouts::create_update_minutes(5, 5))
    }

    fn import_stub(&self, id: &str, stub: &mut Obj) -> Result<(), String> {
        let (acl, resource) = id.split_once(',').ok_or_else(|| {
            format!("unexpected format of ID ({id}), expected WEB_ACL_ARN,RESOURCE_ARN")
        })?;
        stub.set("id", Value::string(id));
        stub.set("web_acl_arn", Value::string(acl));
        stub.set("resource_arn", Value::string(resource));
        Ok(())
    }

    /// One GetWebACLForResource per resource, concurrently (there is no batch read). A
    /// resource now associated with another web ACL has lost this association.
    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let jobs = current.iter().map(|cur| async move {
            let resource = val::str_attr(cur, "resource_arn").unwrap_or_default();
            let Some(acl) = web_acl_of(c, resource).await? else {
                return Ok(None);
            };
            if val::str_attr(cur, "web_acl_arn").is_some_and(|w| w != acl) {
                return Ok(None);
            }
            Ok(Some(TABLE.read_value(
                &Associated { web_acl_arn: acl },
                cur,
                &c.region,
            )))
        });
        futures::future::join_all(jobs).await.into_iter().collect()
    }

    /// AssociateWebACL, retried while WAF does not yet see a just-created resource or
    /// web ACL (WAFUnavailableEntityException), as the Terraform provider does.
    async fn create(&self, c: &Clients, planned: &Value, t: Timeout) -> Result<String, Failed> {
        retry_while_code(
            "web ACL association",
            "WAFUnavailableEntityException",
            t,
            || async {
                TABLE
                    .create_request(c.wafv2.get().await.associate_web_acl(), planned)
                    .send()
                    .await
                    .map_err(err("AssociateWebACL"))?;
                Ok(())
            },
        )
        .await?;
        Ok(format!(
            "{},{}",
            val::str_attr(planned, "web_acl_arn").unwrap_or_default(),
            val::str_attr(planned, "resource_arn").unwrap_or_default()
        ))
    }

    async fn delete(&self, c: &Clients, prior: &Value, _t: Timeout) -> Result<(), AwsError> {
        let out = c
            .wafv2
            .get()
            .await
            .disassociate_web_acl()
            .resource_arn(val::str_attr(prior, "resource_arn").unwrap_or_default())
            .send()
            .await
            .map_err(err("DisassociateWebACL"));
        match out {
            Err(e) if !e.is_not_found() && e.code() != Some("WAFNonexistentItemException") => {
                Err(e)
            }
            _ => Ok(()),
        }
    }
}
