//! `aws_service_discovery_http_namespace`: a Cloud Map namespace for API-only discovery
//! (ECS Service Connect's default namespace). Its ID is the namespace ID (`ns-...`), also
//! the import ID. Creating and deleting are asynchronous operations that terrane waits
//! on (GetOperation until SUCCESS), as the Terraform provider does. Every argument but
//! the tags replaces.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_servicediscovery::operation::create_http_namespace::builders::CreateHttpNamespaceFluentBuilder;
use aws_sdk_servicediscovery::types::{
    Namespace, NamespaceType, OperationStatus, OperationTargetType, Tag,
};
use terrane_engine::lang::Value;
use terrane_engine::provider::Identity;

use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::{
    identity_of, tags_value, unique_name, wait_for, AwsResource, Failed, SdkTag, Tagging, Timeout,
};
use crate::resource::{tag_calls, TagCalls};
use crate::schema::*;
use crate::table::{ResourceTable, Table};
use crate::val;

pub fn resources() -> Vec<Box<dyn AwsResource>> {
    vec![Box::new(HttpNamespaceRes)]
}

pub struct HttpNamespaceRes;

/// A namespace with its tags (ListTagsForResource).
pub struct NamespaceDesc {
    pub ns: Namespace,
    pub tags: Vec<Tag>,
}

impl SdkTag for Tag {
    fn pair(&self) -> (Option<&str>, Option<&str>) {
        (Some(self.key()), Some(self.value()))
    }
}

type NamespaceTable = Table<NamespaceDesc, CreateHttpNamespaceFluentBuilder>;

static TABLE: LazyLock<NamespaceTable> = LazyLock::new(|| {
    NamespaceTable::new(|| {
        Some(NamespaceDesc {
            ns: Namespace::builder().build(),
            tags: Vec::new(),
        })
    })
    .tags_all(|n| tags_value(&n.tags))
    .attr("id", comp(STR))
    .read(|n, _| val::opt_str(n.ns.id()))
    .attr("arn", comp(STR))
    .read(|n, _| val::opt_str(n.ns.arn()))
    .attr("name", req(STR).force_new())
    .read(|n, _| val::opt_str(n.ns.name()))
    .create(|b, v| b.set_name(v.str()))
    .attr("description", opt(STR).force_new())
    .read(|n, _| val::opt_str(n.ns.description()))
    .create(|b, v| b.set_description(v.str()))
    .attr("http_name", comp(STR))
    .read(|n, _| {
        let p = n.ns.properties().and_then(|p| p.http_properties());
        val::opt_str(p.and_then(|h| h.http_name()))
    })
});

/// Tags in Cloud Map's form.
fn tag_list(tags: BTreeMap<String, String>) -> Vec<Tag> {
    tags.into_iter()
        .filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok())
        .collect()
}

async fn describe(c: &Clients, id: &str) -> Result<Option<NamespaceDesc>, AwsError> {
    let sd = c.servicediscovery.get().await;
    let ns = match sd.get_namespace().id(id).send().await {
        Ok(o) => o.namespace,
        Err(e) => {
            let e = AwsError::sdk("GetNamespace", e);
            return if e.is_not_found() { Ok(None) } else { Err(e) };
        }
    };
    let Some(ns) = ns else { return Ok(None) };
    let tags = sd
        .list_tags_for_resource()
        .resource_arn(ns.arn().unwrap_or_default())
        .send()
        .await
        .map_err(err("ListTagsForResource"))?
        .tags
        .unwrap_or_default();
    Ok(Some(NamespaceDesc { ns, tags }))
}

/// Waits for a Cloud Map operation to succeed; returns its namespace target.
async fn wait_operation(c: &Clients, op: &str, t: Timeout) -> Result<Option<String>, AwsError> {
    wait_for("Cloud Map operation", "SUCCESS", t, || async {
        let out = c
            .servicediscovery
            .get()
            .await
            .get_operation()
            .operation_id(op)
            .send()
            .await
            .map_err(err("GetOperation"))?;
        let Some(o) = out.operation() else {
            return Ok(Err("no operation".into()));
        };
        match o.status() {
            Some(OperationStatus::Success) => Ok(Ok(o
                .targets()
                .and_then(|t| t.get(&OperationTargetType::Namespace))
                .cloned())),
            Some(OperationStatus::Fail) => Err(AwsError::Invalid(format!(
                "operation {op} failed: {} {}",
                o.error_code().unwrap_or_default(),
                o.error_message().unwrap_or_default()
            ))),
            other => Ok(Err(
                other.map_or_else(|| "unknown".into(), |s| s.as_str().to_string())
            )),
        }
    })
    .await
}

static TAG_CALLS: TagCalls = tag_calls!(servicediscovery, "arn",
    tag "TagResource": |sd, arn, tags| sd.tag_resource().resource_arn(arn).set_tags(Some(tag_list(tags))),
    untag "UntagResource": |sd, arn, keys| sd.untag_resource().resource_arn(arn).set_tag_keys(Some(keys)),
);

#[async_trait]
impl AwsResource for HttpNamespaceRes {
    fn type_name(&self) -> &'static str {
        "aws_service_discovery_http_namespace"
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*TABLE)
    }

    fn tagging(&self) -> Tagging {
        Tagging::Own
    }

    fn tag_calls(&self) -> Option<&'static TagCalls> {
        Some(&TAG_CALLS)
    }

    /// Found again by name: an account's HTTP namespaces have distinct names.
    fn identity(&self, planned: &Value) -> Option<Identity> {
        identity_of(planned, &["name"], &[])
    }

    async fn find(&self, c: &Clients, identity: &Identity) -> Result<Option<String>, AwsError> {
        let Some(name) = identity.get("name") else {
            return Ok(None);
        };
        let mut token = None;
        loop {
            let out = c
                .servicediscovery
                .get()
                .await
                .list_namespaces()
                .set_next_token(token)
                .send()
                .await
                .map_err(err("ListNamespaces"))?;
            if let Some(n) = out
                .namespaces()
                .iter()
                .find(|n| n.name() == Some(name) && n.r#type() == Some(&NamespaceType::Http))
            {
                return Ok(n.id().map(str::to_string));
            }
            token = out.next_token().map(str::to_string);
            if token.is_none() {
                return Ok(None);
            }
        }
    }

    /// One GetNamespace (and ListTagsForResource) per namespace, concurrently: there is
    /// no batch read by ID.
    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let jobs = current.iter().map(|cur| async move {
            let Some(id) = val::str_attr(cur, "id") else {
                return Ok(None);
            };
            let Some(d) = describe(c, id).await? else {
                return Ok(None);
            };
            Ok(Some(TABLE.read_value(&d, cur, &c.region)))
        });
        futures::future::join_all(jobs).await.into_iter().collect()
    }

    async fn create(&self, c: &Clients, planned: &Value, t: Timeout) -> Result<String, Failed> {
        let tags = tag_list(val::string_map(planned, "tags_all"));
        let out = TABLE
            .create_request(
                c.servicediscovery.get().await.create_http_namespace(),
                planned,
            )
            .creator_request_id(unique_name("terraform-"))
            .set_tags((!tags.is_empty()).then_some(tags))
            .send()
            .await
            .map_err(err("CreateHttpNamespace"))?;
        let op = out
            .operation_id()
            .ok_or_else(|| AwsError::Invalid("CreateHttpNamespace returned no operation".into()))?;
        wait_operation(c, op, t)
            .await?
            .ok_or_else(|| AwsError::Invalid(format!("operation {op} names no namespace")).into())
    }

    async fn delete(&self, c: &Clients, prior: &Value, t: Timeout) -> Result<(), AwsError> {
        let out = c
            .servicediscovery
            .get()
            .await
            .delete_namespace()
            .id(val::str_attr(prior, "id").unwrap_or_default())
            .send()
            .await
            .map_err(err("DeleteNamespace"));
        match out {
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(e),
            Ok(o) => match o.operation_id() {
                Some(op) => wait_operation(c, op, t).await.map(|_| ()),
                None => Ok(()),
            },
        }
    }
}
