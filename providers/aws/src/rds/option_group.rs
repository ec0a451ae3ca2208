//! `aws_db_option_group`: engine features (Oracle APEX, SQL Server backups, MySQL's
//! memcached, ...) for DB instances. The name is the ID and the import ID; the engine,
//! version and description replace; options change in place with ModifyOptionGroup
//! (removed by name, added or changed in one call, applied immediately as the Terraform
//! provider does).
//!
//! moto keeps only each option's name and settings: it reports no port, version or
//! security group memberships, so a read keeps the known values of those where AWS says
//! nothing (drift in them is not seen against moto; AWS reports them).

use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_rds::operation::create_option_group::builders::CreateOptionGroupFluentBuilder;
use aws_sdk_rds::types::{OptionConfiguration, OptionGroup, OptionSetting};
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;
use terrane_engine::provider::Nesting;

use super::{import_by_name, keep_spelling, name_key, planned_tags, with_tags, NameRule, MANAGED};
use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::{
    name_or_prefix, name_prefix_from_name, plan_all_blocks, AwsResource, DefaultTimeouts, Failed,
    PlanExtra, Tagging, Timeout,
};
use crate::schema::*;
use crate::table::{ReadCtx, ResourceTable, Table};
use crate::val::{self, Obj};

pub struct OptionGroupRes;

const NAME: NameRule = NameRule {
    what: "DB option group",
    allowed: |c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-',
    allowed_text: "lowercase alphanumeric characters and hyphens",
    letter_first: true,
    no_double_hyphen: true,
    max: 255,
    reserved: &[],
};

type GroupTable = Table<OptionGroup, CreateOptionGroupFluentBuilder>;

fn option_schema() -> S {
    S::new()
        .attr("option_name", req(STR))
        .attr("port", opt(NUM))
        .attr("version", opt(STR))
        .attr("db_security_group_memberships", opt(set_of(STR)))
        .attr("vpc_security_group_memberships", opt(set_of(STR)))
        .block(
            "option_settings",
            Nesting::Set,
            S::new().attr("name", req(STR)).attr("value", req(STR)),
        )
}

static TABLE: LazyLock<GroupTable> = LazyLock::new(|| {
    GroupTable::new(|| Some(OptionGroup::builder().build()))
        // DescribeOptionGroups carries no tags: `read` fills them in by ARN (`with_tags`).
        .tags_all(|_| val::str_map(&std::collections::BTreeMap::new()))
        .attr("id", comp(STR))
        .read(|g, _| val::str_or_empty(g.option_group_name()))
        .attr("arn", comp(STR))
        .read(|g, _| val::str_or_empty(g.option_group_arn()))
        // Created from `name` or `name_prefix` by hand (`name_or_prefix`); AWS stores
        // names lowercased, the configured spelling is kept.
        .attr("name", opt_comp(STR).force_new())
        .read(|g, cx| {
            keep_spelling(
                cx.current,
                "name",
                g.option_group_name().unwrap_or_default(),
            )
        })
        .attr("name_prefix", opt_comp(STR).force_new())
        .attr("engine_name", req(STR).force_new())
        .read(|g, _| val::opt_str(g.engine_name()))
        .create(|b, v| b.set_engine_name(v.str()))
        .attr("major_engine_version", req(STR).force_new())
        .read(|g, _| val::opt_str(g.major_engine_version()))
        .create(|b, v| b.set_major_engine_version(v.str()))
        .attr(
            "option_group_description",
            opt_default(STR, Value::string(MANAGED)).force_new(),
        )
        .read(|g, _| val::str_or_empty(g.option_group_description()))
        .create(|b, v| b.option_group_description(v.str().unwrap_or_else(|| MANAGED.into())))
        // terrane's own: with it, destroy only forgets the group.
        .attr("skip_destroy", opt_default(BOOL, Value::Bool(false)))
        .updated_by_hand()
        .block("option", Nesting::Set, option_schema())
        .read(read_options)
        // ModifyOptionGroup, after the create too.
        .updated_by_hand()
});

/// The `option` set as read. An option's settings are those of the known option with
/// the same name (AWS reports every setting, defaults included; the Terraform provider
/// also keeps only the configured ones), all of them after an import. Port, version and
/// memberships are AWS's when it reports them, else the known values (see the module
/// documentation).
fn read_options(g: &OptionGroup, cx: &ReadCtx) -> Value {
    let known = val::blocks(cx.current, "option");
    let items = g.options().iter().filter_map(|o| {
        let name = o.option_name()?;
        let prior = known
            .iter()
            .find(|k| val::str_attr(k, "option_name") == Some(name));
        let kept = |attr: &str| {
            prior
                .and_then(|p| p.get_attr(attr))
                .cloned()
                .unwrap_or_default()
        };
        let wanted: Option<Vec<&str>> = prior.map(|p| {
            val::blocks(p, "option_settings")
                .iter()
                .filter_map(|s| val::str_attr(s, "name"))
                .collect()
        });
        let settings = o
            .option_settings()
            .iter()
            .filter(|s| {
                wanted
                    .as_ref()
                    .is_none_or(|w| s.name().is_some_and(|n| w.contains(&n)))
            })
            .map(|s| {
                Value::object([
                    ("name", val::str_or_empty(s.name())),
                    ("value", val::str_or_empty(s.value())),
                ])
            })
            .collect();
        let db_groups: Vec<&str> = o
            .db_security_group_memberships()
            .iter()
            .filter_map(|m| m.db_security_group_name())
            .collect();
        let vpc_groups: Vec<&str> = o
            .vpc_security_group_memberships()
            .iter()
            .filter_map(|m| m.vpc_security_group_id())
            .collect();
        let or_kept = |attr: &str, v: Option<Value>| v.unwrap_or_else(|| kept(attr));
        Some(Value::object([
            ("option_name", Value::string(name)),
            ("port", or_kept("port", o.port().map(val::num))),
            (
                "version",
                or_kept("version", o.option_version().map(Value::string)),
            ),
            (
                "db_security_group_memberships",
                or_kept(
                    "db_security_group_memberships",
                    (!db_groups.is_empty()).then(|| val::str_set(db_groups)),
                ),
            ),
            (
                "vpc_security_group_memberships",
                or_kept(
                    "vpc_security_group_memberships",
                    (!vpc_groups.is_empty()).then(|| val::str_set(vpc_groups)),
                ),
            ),
            ("option_settings", Value::set(settings)),
        ]))
    });
    Value::set(items.collect())
}

/// A configured option as ModifyOptionGroup takes it.
fn option_config(o: &Value) -> OptionConfiguration {
    let settings = val::blocks(o, "option_settings")
        .iter()
        .map(|s| {
            OptionSetting::builder()
                .set_name(val::str_attr(s, "name").map(str::to_string))
                .set_value(
                    s.get_attr("value")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                )
                .build()
        })
        .collect::<Vec<_>>();
    let sets = |attr| {
        let v = val::strings(o, attr);
        (!v.is_empty()).then_some(v)
    };
    OptionConfiguration::builder()
        .set_option_name(val::str_attr(o, "option_name").map(str::to_string))
        .set_port(val::i32_attr(o, "port"))
        .set_option_version(val::str_attr(o, "version").map(str::to_string))
        .set_db_security_group_memberships(sets("db_security_group_memberships"))
        .set_vpc_security_group_memberships(sets("vpc_security_group_memberships"))
        .set_option_settings((!settings.is_empty()).then_some(settings))
        .build()
}

/// Removes options no longer configured and adds new or changed ones (one call).
async fn modify(c: &Clients, name: &str, prior: &Value, planned: &Value) -> Result<(), AwsError> {
    let old = val::blocks(prior, "option");
    let new = val::blocks(planned, "option");
    let name_of = |o: &Value| val::str_attr(o, "option_name").map(str::to_string);
    let remove: Vec<String> = old
        .iter()
        .filter_map(name_of)
        .filter(|n| !new.iter().any(|o| name_of(o).as_ref() == Some(n)))
        .collect();
    let include: Vec<OptionConfiguration> = new
        .iter()
        .filter(|o| !old.contains(*o))
        .map(option_config)
        .collect();
    if remove.is_empty() && include.is_empty() {
        return Ok(());
    }
    c.rds
        .get()
        .await
        .modify_option_group()
        .option_group_name(name)
        .set_options_to_remove((!remove.is_empty()).then_some(remove))
        .set_options_to_include((!include.is_empty()).then_some(include))
        .apply_immediately(true)
        .send()
        .await
        .map_err(err("ModifyOptionGroup"))?;
    Ok(())
}

#[async_trait]
impl AwsResource for OptionGroupRes {
    fn type_name(&self) -> &'static str {
        "aws_db_option_group"
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

    fn timeouts(&self) -> Option<DefaultTimeouts> {
        Some(DefaultTimeouts::minutes(20, 20, 15))
    }

    fn tag_calls(&self) -> Option<&'static crate::resource::TagCalls> {
        Some(&crate::rds::TAG_CALLS)
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        NAME.check_pair(config, "name", "name_prefix", diags);
    }

    /// Options are sets of blocks within blocks: planned item by item.
    fn plan(&self, prior: Option<&Value>, config: &Value, planned: &mut Value) -> PlanExtra {
        plan_all_blocks(&TABLE.schema(), prior, config, planned);
        PlanExtra::default()
    }

    /// One DescribeOptionGroups per group, by name, side by side; then the tags of each
    /// found. Not one listing of every group: moto answers an unfiltered
    /// DescribeOptionGroups with a 500 (its built-in default groups fail to render),
    /// which the SDK retries for minutes.
    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let jobs = current.iter().map(|cur| async move {
            let Some(name) = name_key(cur, "name") else {
                return Ok(None);
            };
            let out = c
                .rds
                .get()
                .await
                .describe_option_groups()
                .option_group_name(&name)
                .send()
                .await
                .map_err(err("DescribeOptionGroups"));
            let group = match out {
                Ok(o) => o.option_groups_list().first().cloned(),
                Err(e) if e.is_not_found() => None,
                Err(e) => return Err(e),
            };
            Ok(group.map(|g| {
                let mut o = TABLE.read_object(&g, cur, &c.region);
                if o.get("name_prefix").is_none_or(Value::is_null) {
                    let name = g.option_group_name().unwrap_or_default();
                    o.set("name_prefix", val::opt_str(name_prefix_from_name(name)));
                }
                o.done()
            }))
        });
        let found = futures::future::join_all(jobs)
            .await
            .into_iter()
            .collect::<Result<Vec<_>, _>>()?;
        with_tags(c, found).await
    }

    async fn create(&self, c: &Clients, planned: &Value, _t: Timeout) -> Result<String, Failed> {
        let name = name_or_prefix(planned).to_lowercase();
        let rds = c.rds.get().await;
        let out = TABLE
            .create_request(rds.create_option_group(), planned)
            .option_group_name(&name)
            .set_tags(planned_tags(planned))
            .send()
            .await
            .map_err(err("CreateOptionGroup"))?;
        drop(rds);
        let id = out
            .option_group()
            .and_then(|g| g.option_group_name())
            .unwrap_or(&name)
            .to_string();
        modify(c, &id, &Value::Null, planned)
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
        if TABLE.changed(prior, planned, "option") {
            let name = val::str_attr(prior, "id").unwrap_or_default();
            modify(c, name, prior, planned).await?;
        }
        Ok(None)
    }

    async fn delete(&self, c: &Clients, prior: &Value, _t: Timeout) -> Result<(), AwsError> {
        if val::bool_attr(prior, "skip_destroy") == Some(true) {
            return Ok(());
        }
        let out = c
            .rds
            .get()
            .await
            .delete_option_group()
            .option_group_name(val::str_attr(prior, "id").unwrap_or_default())
            .send()
            .await
            .map_err(err("DeleteOptionGroup"));
        match out {
            Err(e) if !e.is_not_found() => Err(e),
            _ => Ok(()),
        }
    }

    fn import_stub(&self, id: &str, stub: &mut Obj) -> Result<(), String> {
        import_by_name(id, stub)
    }
}
