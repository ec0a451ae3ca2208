//! `aws_lb_listener_rule` (also `aws_alb_listener_rule`). The listener replaces; priority
//! (SetRulePriorities), actions, conditions and transforms (ModifyRule) and tags update. A refresh
//! reads the rules of each listener with one DescribeRules call (per page).

use std::collections::BTreeSet;
use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_elasticloadbalancingv2::operation::create_rule::builders::CreateRuleFluentBuilder;
use aws_sdk_elasticloadbalancingv2::types::{
    HostHeaderConditionConfig, HttpHeaderConditionConfig, HttpRequestMethodConditionConfig,
    PathPatternConditionConfig, QueryStringConditionConfig, QueryStringKeyValuePair, Rule,
    RuleCondition, RulePriorityPair, SourceIpConditionConfig,
};
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;
use terrane_engine::provider::Nesting;

use super::{
    action, child_import_stub, create_tags, created_arn, describe_per_parent, found, parent_arn,
    transform,
};
use crate::clients::Clients;
use crate::ec2::match_ids;
use crate::error::{err, AwsError};
use crate::resource::{
    check_block_enum, check_ipv4_cidrs, check_range, invalid, plan_all_blocks, AwsResource, Failed,
    PlanExtra, Tagging, Timeout,
};
use crate::schema::*;
use crate::table::{Arg, ResourceTable, Table};
use crate::val::{self, Obj};

pub struct ListenerRule(pub &'static str);

/// The condition kinds with a single `values` set, by block name and AWS field name.
const VALUE_CONDITIONS: &[(&str, &str)] = &[
    ("host_header", "host-header"),
    ("http_request_method", "http-request-method"),
    ("path_pattern", "path-pattern"),
    ("source_ip", "source-ip"),
];

/// The condition kinds matched by `values` or by `regex_values` (exactly one of them).
const REGEX_CONDITIONS: &[&str] = &["host_header", "http_header", "path_pattern"];

/// The `values` and `regex_values` of a condition kind's block, as the SDK takes them:
/// each `None` when not set.
fn value_lists(x: &Value) -> (Option<Vec<String>>, Option<Vec<String>>) {
    let list = |attr| {
        x.get_attr(attr)
            .filter(|v| !v.is_null())
            .map(|_| val::strings(x, attr))
    };
    (list("values"), list("regex_values"))
}

/// A condition kind's `values` and `regex_values` as read: each null when AWS holds none
/// (only one of them is ever set).
fn value_sets(values: &[String], regex: &[String]) -> [(&'static str, Value); 2] {
    let set = |v: &[String]| {
        if v.is_empty() {
            Value::Null
        } else {
            val::str_set(v)
        }
    };
    [("values", set(values)), ("regex_values", set(regex))]
}

/// The priority Terraform records for a listener's default rule.
const DEFAULT_PRIORITY: f64 = 99999.0;

/// A rule as DescribeRules gives it, with its tags (DescribeTags, one call for all).
struct DescribedRule {
    rule: Rule,
    tags: Value,
}

type RuleTable = Table<DescribedRule, CreateRuleFluentBuilder>;

/// The condition block's contents: one block per kind, exactly one of them set.
fn condition_schema() -> S {
    let values = |name: &str| {
        if REGEX_CONDITIONS.contains(&name) {
            S::new()
                .attr("values", opt(set_of(STR)))
                .attr("regex_values", opt(set_of(STR)))
        } else {
            S::new().attr("values", req(set_of(STR)))
        }
    };
    let condition = S::new()
        .block(
            "http_header",
            Nesting::List,
            values("http_header").attr("http_header_name", req(STR)),
        )
        .block(
            "query_string",
            Nesting::Set,
            S::new().attr("key", opt(STR)).attr("value", req(STR)),
        );
    VALUE_CONDITIONS.iter().fold(condition, |c, (name, _)| {
        c.block(name, Nesting::List, values(name))
    })
}

/// A rule's priority is set by hand on create (the next free one when unset, tried
/// again when taken) and changed with SetRulePriorities; actions, conditions and
/// transforms change with one ModifyRule; actions and transforms are built by hand (an
/// invalid action is an error the request cannot carry).
static TABLE: LazyLock<RuleTable> = LazyLock::new(|| {
    RuleTable::new(|| {
        Some(DescribedRule {
            rule: Rule::builder().build(),
            tags: Value::Map(Default::default()),
        })
    })
    .tags_all(|d| d.tags.clone())
    .attr("id", comp(STR))
    .read(|d, _| Value::string(d.rule.rule_arn().unwrap_or_default()))
    .attr("arn", comp(STR))
    .read(|d, _| Value::string(d.rule.rule_arn().unwrap_or_default()))
    .attr("listener_arn", req(STR).force_new())
    .read(|d, cx| {
        let arn = d.rule.rule_arn().unwrap_or_default();
        parent_arn(arn, "listener-rule", "listener")
            .map_or_else(|| keep(cx.current, "listener_arn"), Value::string)
    })
    .create(|b, v| b.set_listener_arn(v.str()))
    .attr("priority", opt_comp(NUM))
    .read(|d, _| match d.rule.priority() {
        Some("default") | None => Value::number(DEFAULT_PRIORITY),
        Some(p) => p.parse::<f64>().map_or(Value::Null, Value::number),
    })
    .updated_by_hand()
    .block("action", Nesting::List, action::schema())
    .min_items(1)
    .read(|d, cx| action::from_sdk(d.rule.actions(), cx.current.get_attr("action")))
    .updated_by_hand()
    .block("condition", Nesting::Set, condition_schema())
    .min_items(1)
    .read(|d, _| Value::set(d.rule.conditions().iter().map(condition_value).collect()))
    .create(|b, v| b.set_conditions(Some(conditions(v))))
    .updated_by_hand()
    .block("transform", Nesting::Set, transform::schema())
    .max_items(2)
    .read(|d, cx| {
        // moto neither keeps nor reports transforms: what is known is kept.
        if d.rule.transforms().is_empty() {
            match cx.current.get_attr("transform") {
                Some(v) if !v.is_unknown() && !v.is_null() => v.clone(),
                _ => Value::Set(Vec::new()),
            }
        } else {
            transform::from_sdk(d.rule.transforms())
        }
    })
    .updated_by_hand()
});

#[async_trait]
impl AwsResource for ListenerRule {
    fn type_name(&self) -> &'static str {
        self.0
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*TABLE)
    }

    fn tagging(&self) -> Tagging {
        Tagging::Own
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        check_range(config, "priority", "priority", 1..=50000, diags);
        check_block_enum(config, "transform", "type", &transform::TYPES, diags);
        action::validate(config, "action", diags);
        for c in val::blocks(config, "condition") {
            let kinds = VALUE_CONDITIONS
                .iter()
                .map(|(n, _)| *n)
                .chain(["http_header", "query_string"])
                .filter(|k| !val::blocks(c, k).is_empty())
                .count();
            if kinds != 1 {
                invalid(
                    diags,
                    "condition",
                    "each condition block sets exactly one of host_header, http_header, http_request_method, path_pattern, query_string or source_ip.".into(),
                );
            }
            for kind in REGEX_CONDITIONS {
                for x in val::blocks(c, kind) {
                    let set = |a| x.get_attr(a).is_some_and(|v| !v.is_null());
                    if set("values") == set("regex_values") {
                        invalid(
                            diags,
                            "condition",
                            format!(
                                "a {kind} condition sets exactly one of values or regex_values."
                            ),
                        );
                    }
                }
            }
            for ip in val::blocks(c, "source_ip") {
                check_ipv4_cidrs(ip, "values", diags);
            }
        }
    }

    fn plan(&self, prior: Option<&Value>, config: &Value, planned: &mut Value) -> PlanExtra {
        let schema = self.schema();
        plan_all_blocks(&schema, prior, config, planned);
        let actions = action::plan(&schema, "action", prior, config);
        val::set_attr(planned, "action", actions);
        PlanExtra::default()
    }

    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        // One DescribeRules per listener, not per rule.
        let listeners: BTreeSet<String> = current.iter().filter_map(listener_of).collect();
        let all = describe_per_parent(&listeners, |l| async move {
            all_pages!(
                c.elbv2.get().await.describe_rules().listener_arn(l),
                "DescribeRules"
            )
        })
        .await?;
        let f = found(c, current, all, Rule::rule_arn, None).await?;
        Ok(match_ids(
            current,
            f.items,
            |r| r.rule_arn(),
            |cur, r| {
                let d = DescribedRule {
                    rule: r.clone(),
                    tags: super::tags::of_arn(&f.tags, r.rule_arn().unwrap_or_default()),
                };
                TABLE.read_value(&d, cur, &c.region)
            },
        ))
    }

    async fn create(&self, c: &Clients, planned: &Value, _t: Timeout) -> Result<String, Failed> {
        let listener = val::str_attr(planned, "listener_arn").unwrap_or_default();
        let elb = c.elbv2.get().await;
        let actions = action::to_sdk(planned.get_attr("action").unwrap_or(&Value::Null))?;
        let configured = val::i32_attr(planned, "priority");
        // Without a priority, Terraform takes the one after the highest in use, and tries
        // again when a rule created at the same time took it first.
        let mut attempts = 0;
        let out = loop {
            let priority = match configured {
                Some(p) => p,
                None => {
                    let rules =
                        all_pages!(elb.describe_rules().listener_arn(listener), "DescribeRules")?;
                    rules
                        .iter()
                        .filter_map(|r| r.priority()?.parse::<i32>().ok())
                        .max()
                        .unwrap_or(0)
                        + 1
                }
            };
            let got = TABLE
                .create_request(elb.create_rule(), planned)
                .priority(priority)
                .set_actions(Some(actions.clone()))
                .set_transforms(transform::to_sdk(planned))
                .set_tags(create_tags(planned))
                .send()
                .await
                .map_err(err("CreateRule"));
            match got {
                Err(e)
                    if configured.is_none()
                        && attempts < 5
                        && e.code() == Some("PriorityInUse") =>
                {
                    attempts += 1;
                }
                other => break other?,
            }
        };
        Ok(created_arn(
            out.rules().first().and_then(Rule::rule_arn),
            "CreateRule",
        )?)
    }

    async fn update(
        &self,
        c: &Clients,
        prior: &Value,
        planned: &Value,
        _t: Timeout,
    ) -> Result<Option<String>, AwsError> {
        let arn = val::str_attr(prior, "id").unwrap_or_default();
        {
            let elb = c.elbv2.get().await;
            let changed = |k| TABLE.changed(prior, planned, k);
            if changed("priority") {
                if let Some(p) = val::i32_attr(planned, "priority") {
                    elb.set_rule_priorities()
                        .rule_priorities(
                            RulePriorityPair::builder()
                                .rule_arn(arn)
                                .priority(p)
                                .build(),
                        )
                        .send()
                        .await
                        .map_err(err("SetRulePriorities"))?;
                }
            }
            let actions = changed("action");
            let conds = changed("condition");
            let transforms = changed("transform");
            if actions || conds || transforms {
                let mut req = elb.modify_rule().rule_arn(arn);
                if actions {
                    req = req.set_actions(Some(action::to_sdk(
                        planned.get_attr("action").unwrap_or(&Value::Null),
                    )?));
                }
                // A call must carry conditions or actions (moto insists, as Terraform
                // always sends both): conditions go along with changed transforms.
                if conds || transforms {
                    req = req.set_conditions(Some(conditions(Arg(planned.get_attr("condition")))));
                }
                if transforms {
                    req = match transform::to_sdk(planned) {
                        Some(t) => req.set_transforms(Some(t)),
                        None => req.reset_transforms(true),
                    };
                }
                req.send().await.map_err(err("ModifyRule"))?;
            }
        }
        Ok(None)
    }

    fn tag_calls(&self) -> Option<&'static crate::resource::TagCalls> {
        Some(&crate::elbv2::TAG_CALLS)
    }

    async fn delete(&self, c: &Clients, prior: &Value, _t: Timeout) -> Result<(), AwsError> {
        c.elbv2
            .get()
            .await
            .delete_rule()
            .rule_arn(val::str_attr(prior, "id").unwrap_or_default())
            .send()
            .await
            .map_err(err("DeleteRule"))?;
        Ok(())
    }

    fn import_stub(&self, id: &str, stub: &mut Obj) -> Result<(), String> {
        child_import_stub(id, stub, "listener-rule", "listener", "listener_arn")
    }
}

fn keep(cur: &Value, k: &str) -> Value {
    cur.get_attr(k).cloned().unwrap_or_default()
}

/// The listener a rule belongs to: from state, else from its ARN.
fn listener_of(cur: &Value) -> Option<String> {
    val::str_attr(cur, "listener_arn")
        .map(str::to_string)
        .or_else(|| parent_arn(val::str_attr(cur, "id")?, "listener-rule", "listener"))
}

/// The SDK conditions of the planned `condition` blocks.
fn conditions(blocks: Arg) -> Vec<RuleCondition> {
    blocks
        .items()
        .iter()
        .filter_map(|c| {
            let b = RuleCondition::builder();
            for (name, field) in VALUE_CONDITIONS {
                if let Some(x) = val::first_block(c, name) {
                    let (v, regex) = value_lists(x);
                    let b = b.field(*field);
                    return Some(
                        match *name {
                            "host_header" => b.host_header_config(
                                HostHeaderConditionConfig::builder()
                                    .set_values(v)
                                    .set_regex_values(regex)
                                    .build(),
                            ),
                            "http_request_method" => b.http_request_method_config(
                                HttpRequestMethodConditionConfig::builder()
                                    .set_values(v)
                                    .build(),
                            ),
                            "path_pattern" => b.path_pattern_config(
                                PathPatternConditionConfig::builder()
                                    .set_values(v)
                                    .set_regex_values(regex)
                                    .build(),
                            ),
                            _ => b.source_ip_config(
                                SourceIpConditionConfig::builder().set_values(v).build(),
                            ),
                        }
                        .build(),
                    );
                }
            }
            if let Some(h) = val::first_block(c, "http_header") {
                let (v, regex) = value_lists(h);
                return Some(
                    b.field("http-header")
                        .http_header_config(
                            HttpHeaderConditionConfig::builder()
                                .set_http_header_name(
                                    val::str_attr(h, "http_header_name").map(str::to_string),
                                )
                                .set_values(v)
                                .set_regex_values(regex)
                                .build(),
                        )
                        .build(),
                );
            }
            let qs = val::blocks(c, "query_string");
            (!qs.is_empty()).then(|| {
                b.field("query-string")
                    .query_string_config(
                        QueryStringConditionConfig::builder()
                            .set_values(Some(
                                qs.iter()
                                    .map(|q| {
                                        QueryStringKeyValuePair::builder()
                                            .set_key(val::str_attr(q, "key").map(str::to_string))
                                            .set_value(
                                                val::str_attr(q, "value").map(str::to_string),
                                            )
                                            .build()
                                    })
                                    .collect(),
                            ))
                            .build(),
                    )
                    .build()
            })
        })
        .collect()
}

/// One `condition` block from what AWS holds: every kind present, the matching one
/// filled (from its `*Config`, or the legacy `Values` list).
fn condition_value(c: &RuleCondition) -> Value {
    let field = c.field().unwrap_or_default();
    let values_block = |name: &str, vals: Option<&[String]>, regex: &[String]| {
        let vals = vals
            .filter(|v| !v.is_empty() || !regex.is_empty())
            .unwrap_or(c.values());
        Value::List(vec![if REGEX_CONDITIONS.contains(&name) {
            Value::object(value_sets(vals, regex))
        } else {
            Value::object([("values", val::str_set(vals))])
        }])
    };
    let mut o = Obj(Default::default());
    for (name, f) in VALUE_CONDITIONS {
        let v = if field == *f {
            let (vals, regex) = match *name {
                "host_header" => c
                    .host_header_config()
                    .map_or((None, &[][..]), |x| (Some(x.values()), x.regex_values())),
                "http_request_method" => {
                    (c.http_request_method_config().map(|x| x.values()), &[][..])
                }
                "path_pattern" => c
                    .path_pattern_config()
                    .map_or((None, &[][..]), |x| (Some(x.values()), x.regex_values())),
                _ => (c.source_ip_config().map(|x| x.values()), &[][..]),
            };
            values_block(name, vals, regex)
        } else {
            Value::List(Vec::new())
        };
        o.set(name, v);
    }
    o.set(
        "http_header",
        Value::List(
            c.http_header_config()
                .filter(|_| field == "http-header")
                .map(|h| {
                    let [values, regex] = value_sets(h.values(), h.regex_values());
                    vec![Value::object([
                        ("http_header_name", val::opt_str(h.http_header_name())),
                        values,
                        regex,
                    ])]
                })
                .unwrap_or_default(),
        ),
    );
    o.set(
        "query_string",
        Value::set(
            c.query_string_config()
                .filter(|_| field == "query-string")
                .map(|q| {
                    q.values()
                        .iter()
                        .map(|kv| {
                            Value::object([
                                ("key", val::opt_str(kv.key())),
                                ("value", val::opt_str(kv.value())),
                            ])
                        })
                        .collect()
                })
                .unwrap_or_default(),
        ),
    );
    o.done()
}
