//! Directory Service: `aws_directory_service_directory` — a Simple AD, a Microsoft AD or an
//! AD Connector (the RDS module's SQL Server example joins its instance to one). Each
//! kind has its own create call; everything the configuration says about the directory
//! itself replaces, except SSO (EnableSso/DisableSso) and the number of domain
//! controllers (UpdateNumberOfDomainControllers), as in the Terraform provider. An alias
//! is created after the directory (CreateAlias). The ID is the directory's (`d-...`), also
//! the import ID. Tags are written and read by ID (AddTagsToResource,
//! RemoveTagsFromResource, ListTagsForResource).

use std::collections::BTreeMap;
use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_directory::types::{
    DirectoryConnectSettings, DirectoryDescription, DirectoryEdition, DirectorySize,
    DirectoryVpcSettings, Tag,
};
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;
use terrane_engine::provider::{Identity, Nesting};

use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::{
    check_enum, invalid, plan_all_blocks, tag_calls, tags_value, wait_for, AwsResource,
    DefaultTimeouts, Failed, PlanExtra, SdkTag, TagCalls, Tagging, Timeout,
};
use crate::schema::*;
use crate::table::{ResourceTable, Table};
use crate::val;

pub fn resources() -> Vec<Box<dyn AwsResource>> {
    vec![Box::new(DirectoryRes)]
}

pub struct DirectoryRes;

const SIMPLE_AD: &str = "SimpleAD";
const MICROSOFT_AD: &str = "MicrosoftAD";
const AD_CONNECTOR: &str = "ADConnector";

impl SdkTag for Tag {
    fn pair(&self) -> (Option<&str>, Option<&str>) {
        (Some(self.key()), Some(self.value()))
    }
}

/// A directory as DescribeDirectories gives it, with its tags.
struct Described {
    dir: DirectoryDescription,
    tags: Value,
}

fn strings(items: &[String]) -> Value {
    val::str_set(items)
}

/// `vpc_settings` of a Simple or Microsoft AD.
fn vpc_settings_value(d: &DirectoryDescription) -> Value {
    let Some(v) = d.vpc_settings().filter(|_| d.connect_settings().is_none()) else {
        return Value::List(Vec::new());
    };
    Value::List(vec![Value::object([
        ("vpc_id", val::str_or_empty(v.vpc_id())),
        ("subnet_ids", strings(v.subnet_ids())),
        ("availability_zones", strings(v.availability_zones())),
    ])])
}

/// `connect_settings` of an AD Connector: the customer's DNS servers are the directory's
/// DNS addresses.
fn connect_settings_value(d: &DirectoryDescription) -> Value {
    let Some(c) = d.connect_settings() else {
        return Value::List(Vec::new());
    };
    Value::List(vec![Value::object([
        ("vpc_id", val::str_or_empty(c.vpc_id())),
        ("subnet_ids", strings(c.subnet_ids())),
        (
            "customer_username",
            val::str_or_empty(c.customer_user_name()),
        ),
        ("customer_dns_ips", strings(d.dns_ip_addrs())),
        ("availability_zones", strings(c.availability_zones())),
        ("connect_ips", strings(c.connect_ips())),
    ])])
}

fn is_connector(d: &DirectoryDescription) -> bool {
    d.r#type().map(|t| t.as_str()) == Some(AD_CONNECTOR)
}

type DirectoryTable = Table<Described, ()>;

/// No create request from the rows: each kind of directory has its own create call
/// (`create_directory`), built from the planned object.
static TABLE: LazyLock<DirectoryTable> = LazyLock::new(|| {
    DirectoryTable::new(|| {
        Some(Described {
            dir: DirectoryDescription::builder().build(),
            tags: Value::Map(BTreeMap::new()),
        })
    })
    .tags_all(|d| d.tags.clone())
    .attr("id", comp(STR))
    .read(|d, _| val::opt_str(d.dir.directory_id()))
    .attr("access_url", comp(STR))
    .read(|d, _| val::str_or_empty(d.dir.access_url()))
    .attr("alias", opt_comp(STR).force_new())
    .read(|d, _| val::str_or_empty(d.dir.alias()))
    .attr("description", opt(STR).force_new())
    .read(|d, _| val::opt_str(d.dir.description()))
    .attr("desired_number_of_domain_controllers", opt_comp(NUM))
    .read(|d, _| val::num(d.dir.desired_number_of_domain_controllers().unwrap_or(0)))
    // UpdateNumberOfDomainControllers.
    .updated_by_hand()
    .attr("dns_ip_addresses", comp(set_of(STR)))
    .read(
        |d, _| match d.dir.connect_settings().filter(|_| is_connector(&d.dir)) {
            Some(c) => strings(c.connect_ips()),
            None => strings(d.dir.dns_ip_addrs()),
        },
    )
    .attr("edition", opt_comp(STR).force_new())
    .read(|d, _| val::str_or_empty(d.dir.edition().map(|e| e.as_str())))
    .attr("enable_sso", opt_default(BOOL, Value::Bool(false)))
    .read(|d, _| Value::Bool(d.dir.sso_enabled()))
    // EnableSso / DisableSso.
    .updated_by_hand()
    .attr("name", req(STR).force_new())
    .read(|d, _| val::opt_str(d.dir.name()))
    // Sent at create, never read back.
    .attr("password", req(STR).force_new().sensitive())
    .attr("security_group_id", comp(STR))
    .read(|d, _| {
        let connector = d.dir.connect_settings().and_then(|c| c.security_group_id());
        let vpc = d.dir.vpc_settings().and_then(|v| v.security_group_id());
        val::str_or_empty(connector.or(vpc))
    })
    .attr("short_name", opt_comp(STR).force_new())
    .read(|d, _| val::str_or_empty(d.dir.short_name()))
    .attr("size", opt_comp(STR).force_new())
    .read(|d, _| val::str_or_empty(d.dir.size().map(|s| s.as_str())))
    .attr(
        "type",
        opt_default(STR, Value::string(SIMPLE_AD)).force_new(),
    )
    .read(|d, _| val::opt_str(d.dir.r#type().map(|t| t.as_str())))
    .block(
        "vpc_settings",
        Nesting::List,
        S::new()
            .attr("subnet_ids", req(set_of(STR)).force_new())
            .attr("vpc_id", req(STR).force_new())
            .attr("availability_zones", comp(set_of(STR))),
    )
    .max_items(1)
    .force_new_block()
    .read(|d, _| vpc_settings_value(&d.dir))
    .block(
        "connect_settings",
        Nesting::List,
        S::new()
            .attr("customer_dns_ips", req(set_of(STR)).force_new())
            .attr("customer_username", req(STR).force_new())
            .attr("subnet_ids", req(set_of(STR)).force_new())
            .attr("vpc_id", req(STR).force_new())
            .attr("availability_zones", comp(set_of(STR)))
            .attr("connect_ips", comp(set_of(STR))),
    )
    .max_items(1)
    .force_new_block()
    .read(|d, _| connect_settings_value(&d.dir))
});

static TAG_CALLS: TagCalls = tag_calls!(ds, "id",
    tag "AddTagsToResource": |ds, id, tags| ds
        .add_tags_to_resource()
        .resource_id(id)
        .set_tags(Some(tag_list(&tags))),
    untag "RemoveTagsFromResource": |ds, id, keys| ds
        .remove_tags_from_resource()
        .resource_id(id)
        .set_tag_keys(Some(keys)),
);

/// Tags as Directory Service takes them (a tag without both halves cannot be built, and
/// the planned map always has both).
fn tag_list(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok())
        .collect()
}

fn vpc_settings_of(planned: &Value) -> Result<Option<DirectoryVpcSettings>, AwsError> {
    let Some(v) = val::first_block(planned, "vpc_settings") else {
        return Ok(None);
    };
    DirectoryVpcSettings::builder()
        .set_vpc_id(val::str_attr(v, "vpc_id").map(str::to_string))
        .set_subnet_ids(Some(val::strings(v, "subnet_ids")))
        .build()
        .map(Some)
        .map_err(|e| AwsError::Invalid(format!("vpc_settings: {e}")))
}

fn connect_settings_of(planned: &Value) -> Result<Option<DirectoryConnectSettings>, AwsError> {
    let Some(c) = val::first_block(planned, "connect_settings") else {
        return Ok(None);
    };
    DirectoryConnectSettings::builder()
        .set_vpc_id(val::str_attr(c, "vpc_id").map(str::to_string))
        .set_subnet_ids(Some(val::strings(c, "subnet_ids")))
        .set_customer_dns_ips(Some(val::strings(c, "customer_dns_ips")))
        .set_customer_user_name(val::str_attr(c, "customer_username").map(str::to_string))
        .build()
        .map(Some)
        .map_err(|e| AwsError::Invalid(format!("connect_settings: {e}")))
}

/// Creates the directory with its kind's call; the provider's default size is Large.
async fn create_directory(c: &Clients, planned: &Value) -> Result<String, AwsError> {
    let ds = c.ds.get().await;
    let s = |k| val::str_attr(planned, k).map(str::to_string);
    let size = || Some(DirectorySize::from(s("size").as_deref().unwrap_or("Large")));
    let tags = val::string_map(planned, "tags_all");
    let tags = (!tags.is_empty()).then(|| tag_list(&tags));
    let id = match val::str_attr(planned, "type").unwrap_or(SIMPLE_AD) {
        MICROSOFT_AD => ds
            .create_microsoft_ad()
            .set_name(s("name"))
            .set_password(s("password"))
            .set_description(s("description"))
            .set_short_name(s("short_name"))
            .set_edition(s("edition").map(|e| DirectoryEdition::from(e.as_str())))
            .set_vpc_settings(vpc_settings_of(planned)?)
            .set_tags(tags)
            .send()
            .await
            .map_err(err("CreateMicrosoftAD"))?
            .directory_id
            .unwrap_or_default(),
        AD_CONNECTOR => ds
            .connect_directory()
            .set_name(s("name"))
            .set_password(s("password"))
            .set_description(s("description"))
            .set_short_name(s("short_name"))
            .set_size(size())
            .set_connect_settings(connect_settings_of(planned)?)
            .set_tags(tags)
            .send()
            .await
            .map_err(err("ConnectDirectory"))?
            .directory_id
            .unwrap_or_default(),
        _ => ds
            .create_directory()
            .set_name(s("name"))
            .set_password(s("password"))
            .set_description(s("description"))
            .set_short_name(s("short_name"))
            .set_size(size())
            .set_vpc_settings(vpc_settings_of(planned)?)
            .set_tags(tags)
            .send()
            .await
            .map_err(err("CreateDirectory"))?
            .directory_id
            .unwrap_or_default(),
    };
    if id.is_empty() {
        return Err(AwsError::Invalid(
            "Directory Service returned no directory ID".into(),
        ));
    }
    Ok(id)
}

/// The directories named by `ids`, described in one call (none of them: an empty list).
async fn describe(c: &Clients, ids: &[String]) -> Result<Vec<DirectoryDescription>, AwsError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let out =
        c.ds.get()
            .await
            .describe_directories()
            .set_directory_ids(Some(ids.to_vec()))
            .send()
            .await
            .map_err(err("DescribeDirectories"));
    match out {
        Ok(o) => Ok(o.directory_descriptions().to_vec()),
        // One unknown ID fails the whole call: describe each then.
        Err(e) if e.code() == Some("EntityDoesNotExistException") && ids.len() > 1 => {
            let mut found = Vec::new();
            for id in ids {
                found.extend(Box::pin(describe(c, std::slice::from_ref(id))).await?);
            }
            Ok(found)
        }
        Err(e) if e.code() == Some("EntityDoesNotExistException") => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

async fn stage_of(c: &Clients, id: &str) -> Result<Option<String>, AwsError> {
    let found = describe(c, &[id.to_string()]).await?;
    Ok(found
        .first()
        .and_then(|d| d.stage())
        .map(|s| s.as_str().to_string()))
}

async fn tags_of(c: &Clients, id: &str) -> Result<Value, AwsError> {
    let out =
        c.ds.get()
            .await
            .list_tags_for_resource()
            .resource_id(id)
            .send()
            .await
            .map_err(err("ListTagsForResource"))?;
    Ok(tags_value(out.tags()))
}

async fn set_sso(c: &Clients, id: &str, on: bool) -> Result<(), AwsError> {
    let ds = c.ds.get().await;
    if on {
        ds.enable_sso()
            .directory_id(id)
            .send()
            .await
            .map_err(err("EnableSso"))?;
    } else {
        ds.disable_sso()
            .directory_id(id)
            .send()
            .await
            .map_err(err("DisableSso"))?;
    }
    Ok(())
}

async fn set_domain_controllers(c: &Clients, id: &str, n: i32) -> Result<(), AwsError> {
    c.ds.get()
        .await
        .update_number_of_domain_controllers()
        .directory_id(id)
        .desired_number(n)
        .send()
        .await
        .map_err(err("UpdateNumberOfDomainControllers"))?;
    Ok(())
}

#[async_trait]
impl AwsResource for DirectoryRes {
    fn type_name(&self) -> &'static str {
        "aws_directory_service_directory"
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

    fn timeouts(&self) -> Option<DefaultTimeouts> {
        Some(DefaultTimeouts::minutes(60, 60, 60))
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        check_enum(
            config,
            "type",
            &[SIMPLE_AD, MICROSOFT_AD, AD_CONNECTOR],
            diags,
        );
        check_enum(config, "size", &["Small", "Large"], diags);
        check_enum(config, "edition", &["Enterprise", "Standard"], diags);
        if let Some(n) = val::num_attr(config, "desired_number_of_domain_controllers") {
            if n < 2 {
                invalid(
                    diags,
                    "desired_number_of_domain_controllers",
                    format!(
                        "expected desired_number_of_domain_controllers to be at least (2), got {n}"
                    ),
                );
            }
        }
    }

    /// Computed attributes inside the settings blocks (their availability zones).
    fn plan(&self, prior: Option<&Value>, config: &Value, planned: &mut Value) -> PlanExtra {
        plan_all_blocks(&TABLE.schema(), prior, config, planned);
        PlanExtra::default()
    }

    /// Found again by name and type after a crash: a directory's name is its domain, and
    /// one domain has one directory of a kind in an account's region.
    fn identity(&self, planned: &Value) -> Option<Identity> {
        crate::resource::identity_of(planned, &["name"], &[])
    }

    async fn find(&self, c: &Clients, identity: &Identity) -> Result<Option<String>, AwsError> {
        let Some(name) = identity.get("name") else {
            return Ok(None);
        };
        let out =
            c.ds.get()
                .await
                .describe_directories()
                .send()
                .await
                .map_err(err("DescribeDirectories"))?;
        Ok(out
            .directory_descriptions()
            .iter()
            .find(|d| d.name() == Some(name) && d.stage().is_some_and(|s| s.as_str() != "Deleted"))
            .and_then(|d| d.directory_id().map(str::to_string)))
    }

    /// One DescribeDirectories for the batch, then each directory's tags.
    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let found = describe(c, &crate::ec2::ids(current)).await?;
        let jobs = current.iter().map(|cur| {
            let dir = val::str_attr(cur, "id").and_then(|id| {
                found
                    .iter()
                    .find(|d| d.directory_id() == Some(id))
                    .filter(|d| {
                        d.stage()
                            .is_none_or(|s| !matches!(s.as_str(), "Deleted" | "Deleting"))
                    })
                    .cloned()
            });
            async move {
                let Some(dir) = dir else { return Ok(None) };
                let tags = tags_of(c, dir.directory_id().unwrap_or_default()).await?;
                Ok(Some(TABLE.read_value(
                    &Described { dir, tags },
                    cur,
                    &c.region,
                )))
            }
        });
        futures::future::join_all(jobs).await.into_iter().collect()
    }

    /// Creates the directory, waits until it is Active (a Failed one is an error naming
    /// AWS's reason), then creates its alias and applies the settings the create call
    /// does not take.
    async fn create(&self, c: &Clients, planned: &Value, t: Timeout) -> Result<String, Failed> {
        let id = create_directory(c, planned).await?;
        let after = async {
            wait_for("directory", "Active", t, || async {
                let found = describe(c, std::slice::from_ref(&id)).await?;
                let d = found.first();
                Ok(match d.and_then(|d| d.stage()).map(|s| s.as_str()) {
                    Some("Active") => Ok(()),
                    Some("Failed") => {
                        return Err(AwsError::Invalid(format!(
                            "directory {id} failed: {}",
                            d.and_then(|d| d.stage_reason())
                                .unwrap_or("no reason given")
                        )))
                    }
                    other => Err(other.unwrap_or("not listed").to_string()),
                })
            })
            .await?;
            if let Some(alias) = val::str_attr(planned, "alias") {
                c.ds.get()
                    .await
                    .create_alias()
                    .directory_id(&id)
                    .alias(alias)
                    .send()
                    .await
                    .map_err(err("CreateAlias"))?;
            }
            if let Some(n) = val::i32_attr(planned, "desired_number_of_domain_controllers") {
                set_domain_controllers(c, &id, n).await?;
            }
            if val::bool_attr(planned, "enable_sso") == Some(true) {
                set_sso(c, &id, true).await?;
            }
            Ok::<_, AwsError>(())
        };
        after.await.map_err(|e| e.after_create(&id))?;
        Ok(id)
    }

    async fn update(
        &self,
        c: &Clients,
        prior: &Value,
        planned: &Value,
        _t: Timeout,
    ) -> Result<Option<String>, AwsError> {
        let id = val::str_attr(prior, "id").unwrap_or_default();
        let wanted = "desired_number_of_domain_controllers";
        if TABLE.changed(prior, planned, wanted) {
            if let Some(n) = val::i32_attr(planned, wanted) {
                set_domain_controllers(c, id, n).await?;
            }
        }
        if TABLE.changed(prior, planned, "enable_sso") {
            set_sso(c, id, val::bool_attr(planned, "enable_sso") == Some(true)).await?;
        }
        Ok(None)
    }

    async fn delete(&self, c: &Clients, prior: &Value, t: Timeout) -> Result<(), AwsError> {
        let id = val::str_attr(prior, "id").unwrap_or_default();
        let out =
            c.ds.get()
                .await
                .delete_directory()
                .directory_id(id)
                .send()
                .await
                .map_err(err("DeleteDirectory"));
        match out {
            Err(e) if e.code() == Some("EntityDoesNotExistException") => return Ok(()),
            other => other?,
        };
        wait_for("directory", "deleted", t, || async {
            Ok(match stage_of(c, id).await?.as_deref() {
                None | Some("Deleted") => Ok(()),
                Some(other) => Err(other.to_string()),
            })
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connectors_dns_servers_and_addresses_come_from_its_connect_settings() {
        let d = DirectoryDescription::builder()
            .r#type(aws_sdk_directory::types::DirectoryType::AdConnector)
            .dns_ip_addrs("10.0.0.2")
            .connect_settings(
                aws_sdk_directory::types::DirectoryConnectSettingsDescription::builder()
                    .vpc_id("vpc-1")
                    .connect_ips("10.0.1.9")
                    .build(),
            )
            .build();
        let v = connect_settings_value(&d);
        let c = &v.as_seq().unwrap()[0];
        assert_eq!(val::strings(c, "customer_dns_ips"), ["10.0.0.2"]);
        assert_eq!(vpc_settings_value(&d), Value::List(Vec::new()));
    }
}
