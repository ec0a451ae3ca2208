//! SSM Parameter Store: `aws_ssm_parameter` and the `aws_ssm_parameter` data source.
//!
//! The name is the ID, the import ID and the crash-recovery identity. `value` is sensitive
//! (a SecureString's is read decrypted, as the Terraform provider keeps it); a value that
//! need not be hidden may be given as `insecure_value`, which is then what a read fills.
//! Every in-place change is one PutParameter with Overwrite (tags aside: AddTagsToResource
//! and RemoveTagsFromResource), and each bumps `version`. A read is GetParameter,
//! DescribeParameters (for description, tier, key and pattern) and ListTagsForResource per
//! parameter, the parameters side by side.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_ssm::operation::put_parameter::builders::PutParameterFluentBuilder;
use aws_sdk_ssm::types::{
    Parameter, ParameterMetadata, ParameterStringFilter, ParameterTier, ParameterType,
    ResourceTypeForTagging, Tag,
};
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;
use terrane_engine::provider::BlockSchema;

use crate::clients::Clients;
use crate::data::AwsDataSource;
use crate::error::{err, AwsError};
use crate::resource::tag_calls;
use crate::resource::{
    check_enum, check_exactly_one, invalid, AwsResource, Failed, PlanExtra, TagCalls, Tagging,
    Timeout,
};
use crate::schema::*;
use crate::table::{ReadCtx, ResourceTable, Table};
use crate::val::{self, Obj};

pub fn resources() -> Vec<Box<dyn AwsResource>> {
    vec![Box::new(ParameterRes)]
}

pub fn data_sources() -> Vec<Box<dyn AwsDataSource>> {
    vec![Box::new(ParameterData)]
}

pub struct ParameterRes;
pub struct ParameterData;

/// A parameter as GetParameter gives it, with its metadata and tags.
struct Described {
    param: Parameter,
    meta: ParameterMetadata,
    tags: BTreeMap<String, String>,
}

const SECURE: &str = "SecureString";

/// The arguments a PutParameter with Overwrite sends again when any changes.
const PUT: &[&str] = &[
    "value",
    "insecure_value",
    "description",
    "tier",
    "key_id",
    "allowed_pattern",
];

type ParamTable = Table<Described, PutParameterFluentBuilder>;

/// The value as read, in `value` unless the configuration gives it as `insecure_value`.
fn read_value(d: &Described, cx: &ReadCtx, attr: &str) -> Value {
    let insecure = val::str_attr(cx.current, "insecure_value").is_some()
        && d.param.r#type() != Some(&ParameterType::SecureString);
    if insecure == (attr == "insecure_value") {
        val::opt_str(d.param.value())
    } else {
        // The other of the two stays as known: null after a create.
        val::unknown_as_null(cx.current.get_attr(attr).unwrap_or(&Value::Null))
    }
}

static TABLE: LazyLock<ParamTable> = LazyLock::new(|| {
    ParamTable::new(|| {
        Some(Described {
            param: Parameter::builder().build(),
            meta: ParameterMetadata::builder().build(),
            tags: BTreeMap::new(),
        })
    })
    .tags_all(|d| val::str_map(&d.tags))
    .attr("id", comp(STR))
    .read(|d, _| val::str_or_empty(d.param.name()))
    .attr("arn", comp(STR))
    .read(|d, _| val::str_or_empty(d.param.arn()))
    .attr("name", req(STR).force_new())
    .read(|d, _| val::str_or_empty(d.param.name()))
    .create(|b, v| b.set_name(v.str()))
    .attr("type", req(STR).force_new())
    .read(|d, _| val::opt_str(d.param.r#type().map(ParameterType::as_str)))
    .create(|b, v| b.set_type(v.str().map(|t| ParameterType::from(t.as_str()))))
    .attr("value", opt_comp(STR).sensitive())
    .read(|d, cx| read_value(d, cx, "value"))
    .create(|b, v| match v.str() {
        Some(s) => b.value(s),
        None => b,
    })
    .updated_by_hand()
    .attr("insecure_value", opt_comp(STR))
    .read(|d, cx| read_value(d, cx, "insecure_value"))
    .create(|b, v| match v.str() {
        Some(s) => b.value(s),
        None => b,
    })
    .updated_by_hand()
    .attr("description", opt(STR))
    .read(|d, _| val::opt_str(d.meta.description()))
    .create(|b, v| b.set_description(v.str()))
    .updated_by_hand()
    .attr("tier", opt_comp(STR))
    .read(|d, _| val::opt_str(d.meta.tier().map(ParameterTier::as_str)))
    .create(|b, v| b.set_tier(v.str().map(|t| ParameterTier::from(t.as_str()))))
    .updated_by_hand()
    .attr("key_id", opt_comp(STR))
    .read(|d, _| val::opt_str(d.meta.key_id()))
    .create(|b, v| b.set_key_id(v.str()))
    .updated_by_hand()
    .attr("allowed_pattern", opt(STR))
    .read(|d, _| val::opt_str(d.meta.allowed_pattern()))
    .create(|b, v| b.set_allowed_pattern(v.str()))
    .updated_by_hand()
    .attr("data_type", opt_comp(STR).force_new())
    .read(|d, _| val::opt_str(d.param.data_type()))
    .create(|b, v| b.set_data_type(v.str()))
    // Deprecated in the Terraform provider; terrane always overwrites on update.
    .attr("overwrite", opt(BOOL))
    .updated_by_hand()
    .attr("version", comp(NUM))
    .read(|d, _| val::num(d.param.version() as f64))
});

fn ssm_tags(tags: impl IntoIterator<Item = (String, String)>) -> Vec<Tag> {
    tags.into_iter()
        .filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok())
        .collect()
}

static TAG_CALLS: TagCalls = tag_calls!(ssm, "id",
    tag "AddTagsToResource": |ssm, id, tags| ssm
        .add_tags_to_resource()
        .resource_type(ResourceTypeForTagging::Parameter)
        .resource_id(id)
        .set_tags(Some(ssm_tags(tags))),
    untag "RemoveTagsFromResource": |ssm, id, keys| ssm
        .remove_tags_from_resource()
        .resource_type(ResourceTypeForTagging::Parameter)
        .resource_id(id)
        .set_tag_keys(Some(keys)),
);

/// GetParameter, decrypted when `decrypt`; `None` when there is no such parameter.
async fn get(c: &Clients, name: &str, decrypt: bool) -> Result<Option<Parameter>, AwsError> {
    let out = c
        .ssm
        .get()
        .await
        .get_parameter()
        .name(name)
        .with_decryption(decrypt)
        .send()
        .await
        .map_err(err("GetParameter"));
    match out {
        Ok(o) => Ok(o.parameter().cloned()),
        Err(e) if e.is_not_found() || e.code() == Some("ParameterNotFound") => Ok(None),
        Err(e) => Err(e),
    }
}

async fn describe(c: &Clients, name: &str) -> Result<Option<Described>, AwsError> {
    let Some(param) = get(c, name, true).await? else {
        return Ok(None);
    };
    let ssm = c.ssm.get().await;
    let filter = ParameterStringFilter::builder()
        .key("Name")
        .option("Equals")
        .values(name)
        .build()
        .map_err(|e| AwsError::Invalid(e.to_string()))?;
    let meta = ssm
        .describe_parameters()
        .parameter_filters(filter)
        .send()
        .await
        .map_err(err("DescribeParameters"))?
        .parameters()
        .iter()
        .find(|m| m.name() == Some(name))
        .cloned()
        .unwrap_or_else(|| ParameterMetadata::builder().build());
    let tags = ssm
        .list_tags_for_resource()
        .resource_type(ResourceTypeForTagging::Parameter)
        .resource_id(name)
        .send()
        .await
        .map_err(err("ListTagsForResource"))?
        .tag_list()
        .iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect();
    Ok(Some(Described { param, meta, tags }))
}

#[async_trait]
impl AwsResource for ParameterRes {
    fn type_name(&self) -> &'static str {
        "aws_ssm_parameter"
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

    /// Found again by its name after a crash (its import ID).
    fn identity(&self, planned: &Value) -> Option<terrane_engine::provider::Identity> {
        crate::resource::identity_of(planned, &["name"], &[])
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        check_enum(config, "type", &["String", "StringList", SECURE], diags);
        check_enum(
            config,
            "tier",
            &["Standard", "Advanced", "Intelligent-Tiering"],
            diags,
        );
        check_enum(
            config,
            "data_type",
            &["text", "aws:ec2:image", "aws:ssm:integration"],
            diags,
        );
        check_exactly_one(config, &["value", "insecure_value"], diags);
        if val::str_attr(config, "type") == Some(SECURE)
            && val::str_attr(config, "insecure_value").is_some()
        {
            invalid(
                diags,
                "insecure_value",
                "insecure_value cannot be used with a SecureString parameter: use value, which is kept hidden.".into(),
            );
        }
    }

    /// Any change PutParameter sends makes a new version.
    fn plan(&self, prior: Option<&Value>, _config: &Value, planned: &mut Value) -> PlanExtra {
        if let Some(prior) = prior {
            if PUT.iter().any(|k| val::changed(prior, planned, k)) {
                val::set_attr(planned, "version", Value::Unknown);
            }
        }
        PlanExtra::default()
    }

    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let jobs = current.iter().map(|cur| async move {
            let Some(name) = val::str_attr(cur, "id").or_else(|| val::str_attr(cur, "name")) else {
                return Ok(None);
            };
            Ok(describe(c, name)
                .await?
                .map(|d| TABLE.read_value(&d, cur, &c.region)))
        });
        futures::future::join_all(jobs).await.into_iter().collect()
    }

    async fn create(&self, c: &Clients, planned: &Value, _t: Timeout) -> Result<String, Failed> {
        let name = val::str_attr(planned, "name")
            .unwrap_or_default()
            .to_string();
        let tags = ssm_tags(val::string_map(planned, "tags_all"));
        TABLE
            .create_request(c.ssm.get().await.put_parameter(), planned)
            .set_tags((!tags.is_empty()).then_some(tags))
            .send()
            .await
            .map_err(err("PutParameter"))?;
        Ok(name)
    }

    /// One PutParameter with Overwrite and every value argument (what it leaves out, AWS
    /// keeps; an argument removed from the configuration is sent as empty).
    async fn update(
        &self,
        c: &Clients,
        prior: &Value,
        planned: &Value,
        _t: Timeout,
    ) -> Result<Option<String>, AwsError> {
        if !PUT.iter().any(|k| TABLE.changed(prior, planned, k)) {
            return Ok(None);
        }
        let value = val::str_attr(planned, "value")
            .or_else(|| val::str_attr(planned, "insecure_value"))
            .unwrap_or_default();
        let s = |k| val::str_attr(planned, k).map(str::to_string);
        c.ssm
            .get()
            .await
            .put_parameter()
            .name(val::str_attr(prior, "id").unwrap_or_default())
            .overwrite(true)
            .value(value)
            .set_type(s("type").map(|t| ParameterType::from(t.as_str())))
            .description(s("description").unwrap_or_default())
            .set_tier(s("tier").map(|t| ParameterTier::from(t.as_str())))
            .set_key_id(s("key_id").filter(|_| s("type").as_deref() == Some(SECURE)))
            .allowed_pattern(s("allowed_pattern").unwrap_or_default())
            .set_data_type(s("data_type"))
            .send()
            .await
            .map_err(err("PutParameter"))?;
        Ok(None)
    }

    async fn delete(&self, c: &Clients, prior: &Value, _t: Timeout) -> Result<(), AwsError> {
        let out = c
            .ssm
            .get()
            .await
            .delete_parameter()
            .name(val::str_attr(prior, "id").unwrap_or_default())
            .send()
            .await
            .map_err(err("DeleteParameter"));
        match out {
            Err(e) if !e.is_not_found() && e.code() != Some("ParameterNotFound") => Err(e),
            _ => Ok(()),
        }
    }

    fn import_stub(&self, id: &str, stub: &mut Obj) -> Result<(), String> {
        stub.set("id", Value::string(id))
            .set("name", Value::string(id));
        Ok(())
    }
}

#[async_trait]
impl AwsDataSource for ParameterData {
    fn type_name(&self) -> &'static str {
        "aws_ssm_parameter"
    }

    fn schema(&self) -> BlockSchema {
        S::new()
            .attr("id", comp(STR))
            .attr("name", req(STR))
            .attr("with_decryption", opt(BOOL))
            .attr("arn", comp(STR))
            .attr("type", comp(STR))
            .attr("value", comp(STR).sensitive())
            .attr("insecure_value", comp(STR))
            .attr("version", comp(NUM))
            .build()
    }

    /// GetParameter, decrypted unless `with_decryption = false`. `insecure_value` holds
    /// the value too, except a SecureString's.
    async fn read(&self, c: &Clients, config: &Value) -> Result<Value, AwsError> {
        let name = val::str_attr(config, "name").unwrap_or_default();
        let decrypt = val::bool_attr(config, "with_decryption").unwrap_or(true);
        let p = get(c, name, decrypt)
            .await?
            .ok_or_else(|| AwsError::Invalid(format!("SSM Parameter {name:?} not found")))?;
        let secure = p.r#type() == Some(&ParameterType::SecureString);
        let mut o = Obj::from(config);
        o.set("id", val::str_or_empty(p.name()))
            .set("arn", val::str_or_empty(p.arn()))
            .set("type", val::opt_str(p.r#type().map(ParameterType::as_str)))
            .set("value", val::opt_str(p.value()))
            .set(
                "insecure_value",
                if secure {
                    Value::Null
                } else {
                    val::opt_str(p.value())
                },
            )
            .set("version", val::num(p.version() as f64));
        Ok(o.done())
    }
}
