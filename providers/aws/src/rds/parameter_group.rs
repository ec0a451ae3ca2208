//! `aws_db_parameter_group`: engine parameters for DB instances. Only parameters the user
//! set are tracked (DescribeDBParameters with Source=user), so the hundreds of engine
//! defaults never show up as drift. The name is the ID and the import ID.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_rds::operation::create_db_parameter_group::builders::CreateDBParameterGroupFluentBuilder;
use aws_sdk_rds::types::{ApplyMethod, DbParameterGroup, Parameter};
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;
use terrane_engine::provider::Nesting;

use super::{import_by_name, keep_spelling, name_key, planned_tags, with_tags, NameRule, MANAGED};
use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::{
    check_enum, name_or_prefix, plan_all_blocks, AwsResource, Failed, PlanExtra, Tagging, Timeout,
};
use crate::schema::*;
use crate::table::{ResourceTable, Table};
use crate::val::{self, Obj};

pub struct ParameterGroup;

pub const NAME: NameRule = NameRule {
    what: "DB parameter group",
    allowed: |c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-',
    allowed_text: "lowercase alphanumeric characters and hyphens",
    letter_first: true,
    no_double_hyphen: true,
    max: 255,
    reserved: &[],
};

/// ModifyDBParameterGroup and ResetDBParameterGroup take at most 20 parameters a call.
const PER_CALL: usize = 20;

const APPLY_METHODS: &[&str] = &["immediate", "pending-reboot"];

/// A configured or read parameter: name -> (value, apply_method).
type Params = BTreeMap<String, (String, String)>;

fn params(v: &Value) -> Params {
    v.get_attr("parameter")
        .and_then(Value::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(|p| {
            Some((
                val::str_attr(p, "name")?.to_string(),
                (
                    val::str_attr(p, "value").unwrap_or_default().to_string(),
                    val::str_attr(p, "apply_method")
                        .unwrap_or("immediate")
                        .to_string(),
                ),
            ))
        })
        .collect()
}

fn param_value(name: &str, value: &Value, apply_method: &str) -> Value {
    Value::object([
        ("name", Value::string(name)),
        ("value", value.clone()),
        ("apply_method", Value::string(apply_method)),
    ])
}

fn to_sdk(name: &str, value: &str, apply_method: &str) -> Parameter {
    Parameter::builder()
        .parameter_name(name)
        .parameter_value(value)
        .apply_method(ApplyMethod::from(apply_method))
        .build()
}

/// The `parameter` set as read: AWS's values; the apply method as configured before (AWS
/// reports the method of the last change, which says nothing about the configuration).
fn read_params(cur: &Value, aws: &[Parameter]) -> Value {
    let prior = params(cur);
    Value::set(
        aws.iter()
            .filter_map(|p| {
                let name = p.parameter_name()?;
                let method = prior.get(name).map_or_else(
                    || {
                        p.apply_method()
                            .map_or("immediate", |m| m.as_str())
                            .to_string()
                    },
                    |(_, m)| m.clone(),
                );
                Some(param_value(
                    name,
                    &Value::string(p.parameter_value().unwrap_or_default()),
                    &method,
                ))
            })
            .collect(),
    )
}

/// A group as DescribeDBParameterGroups gives it, with its user-set parameters.
struct Described {
    group: DbParameterGroup,
    user_params: Vec<Parameter>,
}

type GroupTable = Table<Described, CreateDBParameterGroupFluentBuilder>;

static TABLE: LazyLock<GroupTable> = LazyLock::new(|| {
    GroupTable::new(|| {
        Some(Described {
            group: DbParameterGroup::builder().build(),
            user_params: Vec::new(),
        })
    })
    // DescribeDBParameterGroups carries no tags: `read` fills them in by ARN (`with_tags`).
    .tags_all(|_| val::str_map(&BTreeMap::new()))
    .attr("id", comp(STR))
    .read(|d, _| val::str_or_empty(d.group.db_parameter_group_name()))
    .attr("arn", comp(STR))
    .read(|d, _| val::opt_str(d.group.db_parameter_group_arn()))
    // Created from `name` or `name_prefix` by hand (`name_or_prefix`); the configured
    // spelling is kept.
    .attr("name", opt_comp(STR).force_new())
    .read(|d, cx| {
        let name = d.group.db_parameter_group_name().unwrap_or_default();
        keep_spelling(cx.current, "name", name)
    })
    .attr("name_prefix", opt_comp(STR).force_new())
    .attr("family", req(STR).force_new())
    .read(|d, _| val::opt_str(d.group.db_parameter_group_family()))
    .create(|b, v| b.set_db_parameter_group_family(v.str()))
    .attr(
        "description",
        opt_default(STR, Value::string(MANAGED)).force_new(),
    )
    .read(|d, _| val::str_or_empty(d.group.description()))
    .create(|b, v| b.description(v.str().unwrap_or_else(|| MANAGED.into())))
    // terrane's own: with it, destroy only forgets the group.
    .attr("skip_destroy", opt_default(BOOL, Value::Bool(false)))
    .updated_by_hand()
    .block(
        "parameter",
        Nesting::Set,
        S::new()
            .attr("name", req(STR))
            .attr("value", req(STR))
            .attr("apply_method", opt_default(STR, Value::string("immediate"))),
    )
    .read(|d, cx| read_params(cx.current, &d.user_params))
    // ModifyDBParameterGroup and ResetDBParameterGroup, after the create too.
    .updated_by_hand()
});

#[async_trait]
impl AwsResource for ParameterGroup {
    fn type_name(&self) -> &'static str {
        "aws_db_parameter_group"
    }

    /// Found again by its name after a crash (its import ID).
    fn identity(&self, planned: &Value) -> Option<terrane_engine::provider::Identity> {
        crate::resource::identity_of(planned, &["name"], &[])
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*TABLE)
    }

    fn tagging(&self) -> Tagging {
        Tagging::Own
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        NAME.check_pair(config, "name", "name_prefix", diags);
        for p in config
            .get_attr("parameter")
            .and_then(Value::as_seq)
            .unwrap_or_default()
        {
            check_enum(p, "apply_method", APPLY_METHODS, diags);
        }
    }

    /// Fills in each parameter's default `apply_method`, so a parameter written without one
    /// matches the one read back.
    fn plan(&self, prior: Option<&Value>, config: &Value, planned: &mut Value) -> PlanExtra {
        plan_all_blocks(&TABLE.schema(), prior, config, planned);
        PlanExtra::default()
    }

    /// One DescribeDBParameterGroups for all groups (the API takes no filters), then each
    /// found group's user-set parameters and tags.
    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let rds = c.rds.get().await;
        let groups: BTreeMap<String, DbParameterGroup> = rds
            .describe_db_parameter_groups()
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(err("DescribeDBParameterGroups"))?
            .into_iter()
            .filter_map(|g| Some((g.db_parameter_group_name()?.to_lowercase(), g)))
            .collect();
        drop(rds);
        let jobs = current.iter().map(|cur| {
            let group = name_key(cur, "name").and_then(|n| groups.get(&n).cloned());
            async move {
                let Some(group) = group else { return Ok(None) };
                let user_params = c
                    .rds
                    .get()
                    .await
                    .describe_db_parameters()
                    .db_parameter_group_name(group.db_parameter_group_name().unwrap_or_default())
                    .source("user")
                    .into_paginator()
                    .items()
                    .send()
                    .collect::<Result<Vec<_>, _>>()
                    .await
                    .map_err(err("DescribeDBParameters"))?;
                let d = Described { group, user_params };
                Ok::<_, AwsError>(Some(TABLE.read_value(&d, cur, &c.region)))
            }
        });
        let found = futures::future::join_all(jobs)
            .await
            .into_iter()
            .collect::<Result<Vec<_>, _>>()?;
        with_tags(c, found).await
    }

    async fn create(&self, c: &Clients, planned: &Value, _t: Timeout) -> Result<String, Failed> {
        let name = name_or_prefix(planned);
        let out = TABLE
            .create_request(c.rds.get().await.create_db_parameter_group(), planned)
            .db_parameter_group_name(&name)
            .set_tags(planned_tags(planned))
            .send()
            .await
            .map_err(err("CreateDBParameterGroup"))?;
        let id = out
            .db_parameter_group()
            .and_then(|g| g.db_parameter_group_name())
            .unwrap_or(&name)
            .to_string();
        modify(c, &id, &Params::new(), &params(planned))
            .await
            .map_err(|e| e.after_create(&id))?;
        Ok(id)
    }

    async fn update(
        &self,
        c: &Clients,
        prior: &Value,
        planned: &Value,
        _t: Timeout,
    ) -> Result<Option<String>, AwsError> {
        let name = val::str_attr(prior, "id").unwrap_or_default();
        modify(c, name, &params(prior), &params(planned)).await?;
        Ok(None)
    }

    /// With `skip_destroy` the group is only forgotten.
    fn tag_calls(&self) -> Option<&'static crate::resource::TagCalls> {
        Some(&crate::rds::TAG_CALLS)
    }

    async fn delete(&self, c: &Clients, prior: &Value, _t: Timeout) -> Result<(), AwsError> {
        if val::bool_attr(prior, "skip_destroy") == Some(true) {
            return Ok(());
        }
        c.rds
            .get()
            .await
            .delete_db_parameter_group()
            .db_parameter_group_name(val::str_attr(prior, "id").unwrap_or_default())
            .send()
            .await
            .map_err(err("DeleteDBParameterGroup"))?;
        Ok(())
    }

    fn import_stub(&self, id: &str, stub: &mut Obj) -> Result<(), String> {
        import_by_name(id, stub)
    }
}

/// Resets parameters that are no longer configured and sets new or changed ones, 20 a
/// call.
async fn modify(c: &Clients, name: &str, old: &Params, new: &Params) -> Result<(), AwsError> {
    let rds = c.rds.get().await;
    let reset: Vec<Parameter> = old
        .iter()
        .filter(|(k, _)| !new.contains_key(*k))
        .map(|(k, (v, m))| to_sdk(k, v, m))
        .collect();
    for chunk in reset.chunks(PER_CALL) {
        rds.reset_db_parameter_group()
            .db_parameter_group_name(name)
            .set_parameters(Some(chunk.to_vec()))
            .send()
            .await
            .map_err(err("ResetDBParameterGroup"))?;
    }
    let set: Vec<Parameter> = new
        .iter()
        .filter(|(k, x)| old.get(*k) != Some(*x))
        .map(|(k, (v, m))| to_sdk(k, v, m))
        .collect();
    for chunk in set.chunks(PER_CALL) {
        rds.modify_db_parameter_group()
            .db_parameter_group_name(name)
            .set_parameters(Some(chunk.to_vec()))
            .send()
            .await
            .map_err(err("ModifyDBParameterGroup"))?;
    }
    Ok(())
}
