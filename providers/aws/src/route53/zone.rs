//! `aws_route53_zone`: a public or private (with `vpc` blocks) hosted zone. Its ID is the
//! zone ID without `/hostedzone/`, which is also the import ID. The comment, the VPCs and
//! accelerated recovery change in place; the name and the delegation set replace.

use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_route53::operation::create_hosted_zone::builders::CreateHostedZoneFluentBuilder;
use aws_sdk_route53::operation::get_hosted_zone::GetHostedZoneOutput;
use aws_sdk_route53::operation::update_hosted_zone_comment::builders::UpdateHostedZoneCommentFluentBuilder;
use aws_sdk_route53::types::{
    AcceleratedRecoveryStatus, ChangeAction, HostedZoneConfig, RrType, Tag, TagResourceType, Vpc,
    VpcRegion,
};
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;
use terrane_engine::provider::Nesting;

use super::{clean_name, clean_zone_id, wait_insync};
use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::{
    invalid, known_set, tags_value, unique_name, AwsResource, DefaultTimeouts, Failed, PlanExtra,
    SdkTag, Tagging, Timeout,
};
use crate::resource::{tag_calls, TagCalls};
use crate::schema::*;
use crate::table::{ResourceTable, Table};
use crate::val;

pub struct ZoneRes;

/// A zone as GetHostedZone answers it, with what two more calls add.
pub struct ZoneDesc {
    pub out: GetHostedZoneOutput,
    /// The delegation set's name servers; a private zone has none, and its NS record's.
    pub name_servers: Vec<String>,
    pub tags: Vec<Tag>,
}

impl SdkTag for Tag {
    fn pair(&self) -> (Option<&str>, Option<&str>) {
        (self.key(), self.value())
    }
}

type ZoneTable =
    Table<ZoneDesc, CreateHostedZoneFluentBuilder, UpdateHostedZoneCommentFluentBuilder>;

const DEFAULT_COMMENT: &str = "Managed by Terraform";

fn zone_id(z: &ZoneDesc) -> &str {
    z.out.hosted_zone().map_or("", |h| clean_zone_id(h.id()))
}

/// The name servers, sorted as the Terraform provider stores them.
fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn vpc_value(v: &Vpc) -> Value {
    Value::object([
        ("vpc_id", val::opt_str(v.vpc_id())),
        (
            "vpc_region",
            val::opt_str(v.vpc_region().map(VpcRegion::as_str)),
        ),
    ])
}

static TABLE: LazyLock<ZoneTable> = LazyLock::new(|| {
    ZoneTable::new(|| {
        Some(ZoneDesc {
            out: GetHostedZoneOutput::builder().build(),
            name_servers: Vec::new(),
            tags: Vec::new(),
        })
    })
    .tags_all(|z| tags_value(&z.tags))
    .attr("id", comp(STR))
    .read(|z, _| Value::string(zone_id(z)))
    .attr("zone_id", comp(STR))
    .read(|z, _| Value::string(zone_id(z)))
    .attr("arn", comp(STR))
    .read(|z, cx| {
        let partition = crate::region::partition(cx.region);
        Value::string(format!(
            "arn:{partition}:route53:::hostedzone/{}",
            zone_id(z)
        ))
    })
    // Set by hand on create (the plan writes it as `clean_name` does, Terraform's StateFunc).
    .attr("name", req(STR).force_new())
    .read(|z, _| val::opt_str(z.out.hosted_zone().map(|h| clean_name(h.name())).as_deref()))
    .attr("comment", opt_default(STR, Value::string(DEFAULT_COMMENT)))
    .read(|z, _| {
        let c = z
            .out
            .hosted_zone()
            .and_then(|h| h.config())
            .and_then(|c| c.comment());
        Value::string(c.unwrap_or_default())
    })
    .update(|b, v| b.comment(v.str().unwrap_or_default()))
    .attr("delegation_set_id", opt(STR).force_new())
    // AWS reports no ID for the set a zone gets of its own (moto invents one): an
    // unconfigured set stays null, so only a reusable set the configuration names is read.
    .read(|z, cx| match cx.current.get_attr("delegation_set_id") {
        Some(v) if !v.is_null() => {
            let id = z.out.delegation_set().and_then(|d| d.id());
            val::opt_str(id.map(|i| i.trim_start_matches("/delegationset/")))
        }
        _ => Value::Null,
    })
    .create(|b, v| b.set_delegation_set_id(v.str()))
    .attr("force_destroy", opt_default(BOOL, Value::Bool(false)))
    .updated_by_hand()
    .attr("name_servers", comp(list_of(STR)))
    .read(|z, _| val::str_list(sorted(z.name_servers.clone())))
    .attr("primary_name_server", comp(STR))
    .read(|z, _| val::opt_str(z.name_servers.first().map(String::as_str)))
    .attr("enable_accelerated_recovery", opt_comp(BOOL))
    .read(|z, _| Value::Bool(accelerated(z)))
    .updated_by_hand()
    // The first VPC goes with the create, the others are associated after it.
    .block(
        "vpc",
        Nesting::Set,
        S::new()
            .attr("vpc_id", req(STR))
            .attr("vpc_region", opt_comp(STR)),
    )
    .read(|z, _| Value::set(z.out.vpcs().iter().map(vpc_value).collect()))
    .updated_by_hand()
});

/// The zone with its name servers and tags; `None` when it does not exist.
pub async fn describe(c: &Clients, id: &str) -> Result<Option<ZoneDesc>, AwsError> {
    let r53 = c.route53.get().await;
    let out = match r53.get_hosted_zone().id(id).send().await {
        Ok(o) => o,
        Err(e) => {
            let e = AwsError::sdk("GetHostedZone", e);
            return if e.is_not_found() { Ok(None) } else { Err(e) };
        }
    };
    let Some(zone) = out.hosted_zone() else {
        return Ok(None);
    };
    let private = zone.config().is_some_and(HostedZoneConfig::private_zone);
    let name_servers = match out.delegation_set() {
        Some(d) if !private => d.name_servers().to_vec(),
        _ => {
            let ns = r53
                .list_resource_record_sets()
                .hosted_zone_id(id)
                .start_record_name(zone.name())
                .start_record_type(RrType::Ns)
                .max_items(1)
                .send()
                .await
                .map_err(err("ListResourceRecordSets"))?;
            ns.resource_record_sets()
                .iter()
                .filter(|r| r.r#type() == &RrType::Ns && r.name() == zone.name())
                .flat_map(|r| r.resource_records().iter().map(|x| x.value().to_string()))
                .collect()
        }
    };
    let tags = r53
        .list_tags_for_resource()
        .resource_type(TagResourceType::Hostedzone)
        .resource_id(id)
        .send()
        .await
        .map_err(err("ListTagsForResource"))?
        .resource_tag_set()
        .map(|s| s.tags().to_vec())
        .unwrap_or_default();
    Ok(Some(ZoneDesc {
        out,
        name_servers,
        tags,
    }))
}

/// Deletes every record but the apex NS and SOA (`force_destroy`), a page at a time.
async fn delete_records(c: &Clients, id: &str, name: &str, t: Timeout) -> Result<(), AwsError> {
    loop {
        let page = c
            .route53
            .get()
            .await
            .list_resource_record_sets()
            .hosted_zone_id(id)
            .send()
            .await
            .map_err(err("ListResourceRecordSets"))?;
        let doomed: Vec<_> = page
            .resource_record_sets()
            .iter()
            .filter(|r| {
                !(clean_name(r.name()) == clean_name(name)
                    && matches!(r.r#type(), RrType::Ns | RrType::Soa))
            })
            .cloned()
            .collect();
        if doomed.is_empty() {
            return Ok(());
        }
        let change = super::record::change_batch(
            doomed
                .into_iter()
                .map(|r| (ChangeAction::Delete, r))
                .collect(),
        )?;
        let out = c
            .route53
            .get()
            .await
            .change_resource_record_sets()
            .hosted_zone_id(id)
            .change_batch(change)
            .send()
            .await
            .map_err(err("ChangeResourceRecordSets"))?;
        if let Some(info) = out.change_info() {
            wait_insync(c, info.id(), t).await?;
        }
    }
}

/// Whether accelerated recovery is on (or being turned on).
pub fn accelerated(z: &ZoneDesc) -> bool {
    let status = z.out.hosted_zone().and_then(|h| h.features());
    status
        .and_then(|f| f.accelerated_recovery_status())
        .is_some_and(|s| {
            matches!(
                s,
                AcceleratedRecoveryStatus::Enabled | AcceleratedRecoveryStatus::Enabling
            )
        })
}

async fn set_accelerated_recovery(c: &Clients, id: &str, on: bool) -> Result<(), AwsError> {
    c.route53
        .get()
        .await
        .update_hosted_zone_features()
        .hosted_zone_id(id)
        .enable_accelerated_recovery(on)
        .send()
        .await
        .map_err(err("UpdateHostedZoneFeatures"))?;
    Ok(())
}

async fn associate(c: &Clients, id: &str, vpc: Vpc, t: Timeout) -> Result<(), AwsError> {
    let out = c
        .route53
        .get()
        .await
        .associate_vpc_with_hosted_zone()
        .hosted_zone_id(id)
        .vpc(vpc)
        .send()
        .await
        .map_err(err("AssociateVPCWithHostedZone"))?;
    match out.change_info() {
        Some(info) => wait_insync(c, info.id(), t).await,
        None => Ok(()),
    }
}

async fn disassociate(c: &Clients, id: &str, vpc: Vpc, t: Timeout) -> Result<(), AwsError> {
    let out = c
        .route53
        .get()
        .await
        .disassociate_vpc_from_hosted_zone()
        .hosted_zone_id(id)
        .vpc(vpc)
        .send()
        .await
        .map_err(err("DisassociateVPCFromHostedZone"))?;
    match out.change_info() {
        Some(info) => wait_insync(c, info.id(), t).await,
        None => Ok(()),
    }
}

/// The `vpc` items as (vpc_id, region) pairs, the region defaulted to the provider's.
fn vpc_keys(v: &Value, region: &str) -> Vec<(String, String)> {
    val::blocks(v, "vpc")
        .iter()
        .filter_map(|b| {
            let id = val::str_attr(b, "vpc_id")?;
            Some((
                id.to_string(),
                val::str_attr(b, "vpc_region").unwrap_or(region).to_string(),
            ))
        })
        .collect()
}

fn vpc_from_key((id, region): &(String, String)) -> Vpc {
    Vpc::builder()
        .vpc_id(id)
        .vpc_region(VpcRegion::from(region.as_str()))
        .build()
}

/// Tags are added and removed by the same call.
static TAG_CALLS: TagCalls = tag_calls!(route53, "id",
    tag "ChangeTagsForResource": |r53, id, tags| r53
        .change_tags_for_resource()
        .resource_type(TagResourceType::Hostedzone)
        .resource_id(id)
        .set_add_tags(Some(tags.into_iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect())),
    untag "ChangeTagsForResource": |r53, id, keys| r53
        .change_tags_for_resource()
        .resource_type(TagResourceType::Hostedzone)
        .resource_id(id)
        .set_remove_tag_keys(Some(keys)),
);

#[async_trait]
impl AwsResource for ZoneRes {
    fn type_name(&self) -> &'static str {
        "aws_route53_zone"
    }

    fn regional(&self) -> bool {
        false
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
        Some(DefaultTimeouts::minutes(30, 30, 30))
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        if known_set(config, "delegation_set_id") && !val::blocks(config, "vpc").is_empty() {
            invalid(
                diags,
                "delegation_set_id",
                "\"delegation_set_id\": conflicts with vpc".into(),
            );
        }
        if let Some(c) = val::str_attr(config, "comment") {
            if c.len() > 256 {
                invalid(
                    diags,
                    "comment",
                    "comment is longer than 256 characters.".into(),
                );
            }
        }
    }

    /// The name as Terraform's StateFunc keeps it (`clean_name`: lower case, no trailing
    /// dot, Route 53's escapes).
    fn plan(&self, _prior: Option<&Value>, _config: &Value, planned: &mut Value) -> PlanExtra {
        if let Some(n) = val::str_attr(planned, "name") {
            let n = Value::string(clean_name(n));
            val::set_attr(planned, "name", n);
        }
        PlanExtra::default()
    }

    /// One GetHostedZone (and ListTagsForResource) per zone, concurrently: Route 53 has no
    /// batch read by ID, and ListHostedZones reports neither name servers nor VPCs.
    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let jobs = current.iter().map(|cur| async move {
            let Some(id) = val::str_attr(cur, "id") else {
                return Ok(None);
            };
            let Some(z) = describe(c, id).await? else {
                return Ok(None);
            };
            Ok(Some(TABLE.read_value(&z, cur, &c.region)))
        });
        futures::future::join_all(jobs).await.into_iter().collect()
    }

    async fn create(&self, c: &Clients, planned: &Value, t: Timeout) -> Result<String, Failed> {
        let vpcs = vpc_keys(planned, &c.region);
        let comment = val::str_attr(planned, "comment").unwrap_or(DEFAULT_COMMENT);
        let r53 = c.route53.get().await;
        let out = TABLE
            .create_request(r53.create_hosted_zone(), planned)
            .name(val::str_attr(planned, "name").unwrap_or_default())
            .caller_reference(unique_name("terrane-"))
            .hosted_zone_config(
                HostedZoneConfig::builder()
                    .comment(comment)
                    .private_zone(!vpcs.is_empty())
                    .build(),
            )
            .set_vpc(vpcs.first().map(vpc_from_key))
            .send()
            .await
            .map_err(err("CreateHostedZone"))?;
        drop(r53);
        let id = out
            .hosted_zone()
            .map(|h| clean_zone_id(h.id()).to_string())
            .ok_or_else(|| AwsError::Invalid("CreateHostedZone returned no zone".into()))?;
        let after = |e: AwsError| e.after_create(&id);
        if let Some(info) = out.change_info() {
            wait_insync(c, info.id(), t).await.map_err(after)?;
        }
        let tags = val::string_map(planned, "tags_all");
        if !tags.is_empty() {
            let mut stub = planned.clone();
            val::set_attr(&mut stub, "id", Value::string(&id));
            self.tag(c, &stub, tags).await.map_err(after)?;
        }
        for vpc in vpcs.iter().skip(1) {
            associate(c, &id, vpc_from_key(vpc), t)
                .await
                .map_err(after)?;
        }
        if val::bool_attr(planned, "enable_accelerated_recovery") == Some(true) {
            set_accelerated_recovery(c, &id, true)
                .await
                .map_err(after)?;
        }
        Ok(id)
    }

    async fn update(
        &self,
        c: &Clients,
        prior: &Value,
        planned: &Value,
        t: Timeout,
    ) -> Result<Option<String>, AwsError> {
        let id = val::str_attr(prior, "id").unwrap_or_default();
        let r53 = c.route53.get().await;
        for req in TABLE.update_requests(prior, planned, || r53.update_hosted_zone_comment().id(id))
        {
            req.send().await.map_err(err("UpdateHostedZoneComment"))?;
        }
        drop(r53);
        if TABLE.changed(prior, planned, "vpc") {
            // A private zone must keep one VPC: add the new ones before removing the old.
            let old = vpc_keys(prior, &c.region);
            let new = vpc_keys(planned, &c.region);
            for v in new.iter().filter(|v| !old.contains(v)) {
                associate(c, id, vpc_from_key(v), t).await?;
            }
            for v in old.iter().filter(|v| !new.contains(v)) {
                disassociate(c, id, vpc_from_key(v), t).await?;
            }
        }
        if TABLE.changed(prior, planned, "enable_accelerated_recovery") {
            if let Some(on) = val::bool_attr(planned, "enable_accelerated_recovery") {
                set_accelerated_recovery(c, id, on).await?;
            }
        }
        // `force_destroy` is terrane's own setting: nothing to send.
        let _ = TABLE.changed(prior, planned, "force_destroy");
        Ok(None)
    }

    /// With `force_destroy`, the records first (a zone with records cannot be deleted).
    async fn delete(&self, c: &Clients, prior: &Value, t: Timeout) -> Result<(), AwsError> {
        let id = val::str_attr(prior, "id").unwrap_or_default();
        if val::bool_attr(prior, "force_destroy") == Some(true) {
            let name = val::str_attr(prior, "name").unwrap_or_default();
            match delete_records(c, id, name, t).await {
                Err(e) if e.is_not_found() => return Ok(()),
                other => other?,
            }
        }
        let out = c
            .route53
            .get()
            .await
            .delete_hosted_zone()
            .id(id)
            .send()
            .await
            .map_err(err("DeleteHostedZone"));
        match out {
            Err(e) if !e.is_not_found() => Err(e),
            _ => Ok(()),
        }
    }
}
