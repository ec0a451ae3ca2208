//! `aws_ecs_task_definition`. A task definition revision is immutable, so every argument
//! (except tags and `skip_destroy`) forces replacement: a new revision is registered and the
//! old one deregistered. The ID is the family, the import ID the revision's ARN.
//!
//! `container_definitions` goes to ECS as the user's JSON (through [`super::raw`]) and is
//! compared by meaning ([`super::container_definitions`]). The Fargate cpu/memory rules are
//! checked before any call: ECS's own error comes late, and moto accepts anything.

use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_ecs::operation::register_task_definition::builders::RegisterTaskDefinitionFluentBuilder;
use aws_sdk_ecs::types::{
    Compatibility, EphemeralStorage, KeyValuePair, NetworkMode, ProxyConfiguration,
    ProxyConfigurationType, RuntimePlatform, TaskDefinitionField,
    TaskDefinitionPlacementConstraint, TaskDefinitionPlacementConstraintType,
};
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;
use terrane_engine::provider::Nesting;

use super::container_definitions as defs;
use super::raw::{Capture, Inject};
use super::tags_of;
use super::task_volume;
use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::tags_value;
use crate::resource::{
    check_enum, invalid, plan_block, AwsResource, Failed, PlanExtra, Tagging, Timeout,
};
use crate::schema::*;
use crate::table::{item_i32, item_str, Normalise, ReadCtx, ResourceTable, Table};
use crate::val::{self, Obj};

pub struct TaskDefinition;

/// A described revision: the SDK's object, its tags, and the container definitions as the
/// raw JSON ECS answered (the SDK's typed form would lose what it does not model).
pub struct Described {
    td: aws_sdk_ecs::types::TaskDefinition,
    tags: Vec<aws_sdk_ecs::types::Tag>,
    raw: serde_json::Value,
}

type TdTable = Table<Described, RegisterTaskDefinitionFluentBuilder>;

/// A revision is immutable: every argument forces a new one, except `skip_destroy` and
/// `track_latest`, terrane's own settings (used by delete and read), which need no call.
/// `container_definitions`, `volume` and `proxy_configuration` are set by `create`: their
/// conversion can fail, which a row cannot say.
static TABLE: LazyLock<TdTable> = LazyLock::new(|| {
    TdTable::new(|| {
        Some(Described {
            td: aws_sdk_ecs::types::TaskDefinition::builder().build(),
            tags: Vec::new(),
            raw: serde_json::Value::Null,
        })
    })
    .tags_all(|d| tags_value(&d.tags))
    .attr("id", comp(STR))
    .read(|d, _| val::opt_str(d.td.family()))
    .attr("arn", comp(STR))
    .read(|d, _| val::opt_str(d.td.task_definition_arn()))
    .attr("arn_without_revision", comp(STR))
    .read(|d, _| val::opt_str(d.td.task_definition_arn().map(without_revision)))
    .attr("revision", comp(NUM))
    .read(|d, _| val::num(d.td.revision()))
    .attr("family", req(STR).force_new())
    .read(|d, _| val::opt_str(d.td.family()))
    .create(|b, v| b.set_family(v.str()))
    .attr("container_definitions", req(STR).force_new())
    .read(read_container_definitions)
    .attr("cpu", opt(STR).force_new())
    .read(|d, _| val::opt_str(d.td.cpu()))
    .create(|b, v| b.set_cpu(v.str()))
    .attr("memory", opt(STR).force_new())
    .read(|d, _| val::opt_str(d.td.memory()))
    .create(|b, v| b.set_memory(v.str()))
    .attr("network_mode", opt_comp(STR).force_new())
    .read(|d, _| val::opt_str(d.td.network_mode().map(NetworkMode::as_str)))
    .create(|b, v| b.set_network_mode(v.str().as_deref().map(Into::into)))
    .attr("requires_compatibilities", opt(set_of(STR)).force_new())
    .read(|d, _| {
        val::str_set(
            d.td.requires_compatibilities()
                .iter()
                .map(Compatibility::as_str),
        )
    })
    .normalise(Normalise::ZeroAsNull)
    .create(|b, v| {
        let compat = v.strings().unwrap_or_default();
        b.set_requires_compatibilities(
            (!compat.is_empty()).then(|| compat.iter().map(|c| c.as_str().into()).collect()),
        )
    })
    .attr("execution_role_arn", opt(STR).force_new())
    .read(|d, _| val::opt_str(d.td.execution_role_arn()))
    .create(|b, v| b.set_execution_role_arn(v.str()))
    .attr("task_role_arn", opt(STR).force_new())
    .read(|d, _| val::opt_str(d.td.task_role_arn()))
    .create(|b, v| b.set_task_role_arn(v.str()))
    .attr("ipc_mode", opt(STR).force_new())
    .read(|d, _| val::opt_str(d.td.ipc_mode().map(|m| m.as_str())))
    .create(|b, v| b.set_ipc_mode(v.str().as_deref().map(Into::into)))
    .attr("pid_mode", opt(STR).force_new())
    .read(|d, _| val::opt_str(d.td.pid_mode().map(|m| m.as_str())))
    .create(|b, v| b.set_pid_mode(v.str().as_deref().map(Into::into)))
    .attr("skip_destroy", opt_default(BOOL, Value::Bool(false)))
    .updated_by_hand()
    .block(
        "runtime_platform",
        Nesting::List,
        S::new()
            .attr("operating_system_family", opt(STR))
            .attr("cpu_architecture", opt(STR)),
    )
    .force_new_block()
    .read(|d, _| {
        Value::List(d.td.runtime_platform().map_or_else(Vec::new, |p| {
            vec![Value::object([
                (
                    "operating_system_family",
                    val::opt_str(p.operating_system_family().map(|x| x.as_str())),
                ),
                (
                    "cpu_architecture",
                    val::opt_str(p.cpu_architecture().map(|x| x.as_str())),
                ),
            ])]
        }))
    })
    .create(|b, v| {
        b.set_runtime_platform(v.first().map(|p| {
            RuntimePlatform::builder()
                .set_operating_system_family(
                    item_str(p, "operating_system_family")
                        .as_deref()
                        .map(Into::into),
                )
                .set_cpu_architecture(item_str(p, "cpu_architecture").as_deref().map(Into::into))
                .build()
        }))
    })
    // moto does not report fault injection: the known value is kept then.
    .attr("enable_fault_injection", opt_comp(BOOL).force_new())
    .read(|d, cx| {
        let known = val::bool_attr(cx.current, "enable_fault_injection");
        Value::Bool(d.td.enable_fault_injection().or(known).unwrap_or(false))
    })
    .create(|b, v| b.set_enable_fault_injection(v.bool()))
    // Terraform's own: read the family's latest revision rather than the one applied, so
    // revisions registered elsewhere are not a diff.
    .attr("track_latest", opt_default(BOOL, Value::Bool(false)))
    .updated_by_hand()
    .block("volume", Nesting::Set, task_volume::schema())
    .force_new_block()
    .read(|d, cx| task_volume::from_sdk(d.td.volumes(), val::blocks(cx.current, "volume")))
    .block(
        "placement_constraints",
        Nesting::Set,
        S::new().attr("type", req(STR)).attr("expression", opt(STR)),
    )
    .force_new_block()
    .max_items(10)
    .read(|d, _| {
        Value::set(
            d.td.placement_constraints()
                .iter()
                .map(|p| {
                    Value::object([
                        ("type", val::opt_str(p.r#type().map(|t| t.as_str()))),
                        ("expression", val::opt_str(p.expression())),
                    ])
                })
                .collect(),
        )
    })
    .create(|b, v| {
        let constraints: Vec<_> = v
            .items()
            .iter()
            .map(|p| {
                TaskDefinitionPlacementConstraint::builder()
                    .set_type(
                        item_str(p, "type")
                            .map(|t| TaskDefinitionPlacementConstraintType::from(t.as_str())),
                    )
                    .set_expression(item_str(p, "expression"))
                    .build()
            })
            .collect();
        b.set_placement_constraints((!constraints.is_empty()).then_some(constraints))
    })
    .block(
        "proxy_configuration",
        Nesting::List,
        S::new()
            .attr("container_name", req(STR))
            .attr("properties", opt(map_of(STR)))
            .attr("type", opt_default(STR, Value::string("APPMESH"))),
    )
    .force_new_block()
    .max_items(1)
    .read(|d, _| {
        Value::List(
            d.td.proxy_configuration()
                .map(proxy_value)
                .into_iter()
                .collect(),
        )
    })
    .block(
        "ephemeral_storage",
        Nesting::List,
        S::new().attr("size_in_gib", req(NUM)),
    )
    .force_new_block()
    .read(|d, _| {
        Value::List(d.td.ephemeral_storage().map_or_else(Vec::new, |e| {
            vec![Value::object([("size_in_gib", val::num(e.size_in_gib()))])]
        }))
    })
    .create(|b, v| {
        b.set_ephemeral_storage(
            v.first()
                .and_then(|e| item_i32(e, "size_in_gib"))
                .map(|n| EphemeralStorage::builder().size_in_gib(n).build()),
        )
    })
});

/// The definitions as the user wrote them when ECS's JSON means the same (ECS adds its
/// defaults and reorders keys), else ECS's JSON: a real change is a diff.
fn read_container_definitions(d: &Described, cx: &ReadCtx) -> Value {
    let aws_text = d.raw.to_string();
    let awsvpc = d.td.network_mode().map(NetworkMode::as_str) == Some("awsvpc");
    match val::str_attr(cx.current, "container_definitions") {
        Some(text) if defs::equivalent(text, &aws_text, awsvpc) => Value::string(text),
        _ => Value::string(aws_text),
    }
}

fn proxy_value(p: &ProxyConfiguration) -> Value {
    let props = p
        .properties()
        .iter()
        .filter_map(|kv| Some((kv.name()?.to_string(), kv.value()?.to_string())))
        .collect();
    Value::object([
        ("container_name", Value::string(p.container_name())),
        ("properties", val::str_map(&props)),
        (
            "type",
            Value::string(p.r#type().map_or("APPMESH", |t| t.as_str())),
        ),
    ])
}

/// Valid Fargate task sizes: cpu units -> (first, last, step) memory in MiB.
const FARGATE_SIZES: &[(i64, i64, i64, i64)] = &[
    (256, 512, 2048, 0),
    (512, 1024, 4096, 1024),
    (1024, 2048, 8192, 1024),
    (2048, 4096, 16384, 1024),
    (4096, 8192, 30720, 1024),
    (8192, 16384, 61440, 4096),
    (16384, 32768, 122880, 8192),
];

/// The memory sizes Fargate allows with `cpu` units (`None` for an invalid cpu).
pub fn fargate_memory(cpu: i64) -> Option<Vec<i64>> {
    let &(_, first, last, step) = FARGATE_SIZES.iter().find(|s| s.0 == cpu)?;
    Some(if step == 0 {
        vec![512, 1024, 2048]
    } else {
        (first..=last)
            .step_by(usize::try_from(step).unwrap_or(1024))
            .collect()
    })
}

fn list(v: &[i64]) -> String {
    v.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Fargate's requirements: awsvpc networking and a valid cpu/memory pair.
fn check_fargate(config: &Value, diags: &mut Diagnostics) {
    let compat = val::strings(config, "requires_compatibilities");
    if !compat.iter().any(|c| c == "FARGATE") {
        return;
    }
    let unknown = |k: &str| config.get_attr(k).is_some_and(Value::is_unknown);
    if !unknown("network_mode") && val::str_attr(config, "network_mode") != Some("awsvpc") {
        invalid(
            diags,
            "network_mode",
            format!(
                "a task definition that requires FARGATE must use network_mode = \"awsvpc\" (got {}).",
                val::str_attr(config, "network_mode").map_or("none".into(), |m| format!("{m:?}"))
            ),
        );
    }
    if unknown("cpu") || unknown("memory") {
        return;
    }
    let (cpu, memory) = (
        val::str_attr(config, "cpu"),
        val::str_attr(config, "memory"),
    );
    let (Some(cpu_s), Some(mem_s)) = (cpu, memory) else {
        let missing = if cpu.is_none() { "cpu" } else { "memory" };
        invalid(
            diags,
            missing,
            format!("a task definition that requires FARGATE must set both cpu and memory at task level; {missing} is not set."),
        );
        return;
    };
    let (Ok(cpu), Ok(mem)) = (cpu_s.trim().parse::<i64>(), mem_s.trim().parse::<i64>()) else {
        return; // "1 vCPU" / "2 GB" forms: ECS converts and checks them.
    };
    match fargate_memory(cpu) {
        None => invalid(
            diags,
            "cpu",
            format!(
                "{cpu} is not a valid Fargate cpu value; use one of {}.",
                list(&FARGATE_SIZES.iter().map(|s| s.0).collect::<Vec<_>>())
            ),
        ),
        Some(valid) if !valid.contains(&mem) => invalid(
            diags,
            "memory",
            format!(
                "memory = {mem} is not valid with cpu = {cpu} on Fargate; valid memory values (MiB) for cpu {cpu} are: {}.",
                list(&valid)
            ),
        ),
        Some(_) => {}
    }
}

/// The revision ARN without its `:N` suffix.
fn without_revision(arn: &str) -> &str {
    arn.rsplit_once(':')
        .filter(|(_, r)| r.parse::<u64>().is_ok())
        .map_or(arn, |(a, _)| a)
}

fn awsvpc(v: &Value) -> bool {
    val::str_attr(v, "network_mode") == Some("awsvpc")
}

/// One task definition with its tags and the raw JSON of its container definitions, or
/// `None` when it is gone (never registered, or deregistered: INACTIVE).
async fn describe(c: &Clients, key: &str) -> Result<Option<Described>, AwsError> {
    let capture = Capture::default();
    let got = c
        .ecs
        .get()
        .await
        .describe_task_definition()
        .task_definition(key)
        .include(TaskDefinitionField::Tags)
        .customize()
        .interceptor(capture.clone())
        .send()
        .await;
    let out = match got {
        Ok(o) => o,
        Err(e) => {
            let e = AwsError::sdk("DescribeTaskDefinition", e);
            let gone =
                e.code() == Some("ClientException") && e.to_string().contains("Unable to describe");
            return if gone || e.is_not_found() {
                Ok(None)
            } else {
                Err(e)
            };
        }
    };
    let Some(td) = out
        .task_definition()
        .filter(|t| t.status().is_none_or(|s| s.as_str() != "INACTIVE"))
    else {
        return Ok(None);
    };
    Ok(Some(Described {
        td: td.clone(),
        tags: out.tags().to_vec(),
        raw: capture.json()["taskDefinition"]["containerDefinitions"].take(),
    }))
}

#[async_trait]
impl AwsResource for TaskDefinition {
    fn type_name(&self) -> &'static str {
        "aws_ecs_task_definition"
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*TABLE)
    }

    fn tagging(&self) -> Tagging {
        Tagging::Own
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        if let Some(f) = val::str_attr(config, "family") {
            if f.len() > 255
                || !f
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                invalid(
                    diags,
                    "family",
                    format!("{f:?} must be 1 to 255 letters, digits, hyphens and underscores."),
                );
            }
        }
        if let Some(text) = val::str_attr(config, "container_definitions") {
            if let Err(e) = defs::parse(text) {
                invalid(
                    diags,
                    "container_definitions",
                    format!("ECS Task Definition container_definitions is invalid: {e}"),
                );
            }
        }
        check_enum(
            config,
            "network_mode",
            &["bridge", "host", "awsvpc", "none"],
            diags,
        );
        for c in val::strings(config, "requires_compatibilities") {
            if !["EC2", "FARGATE", "EXTERNAL", "MANAGED_INSTANCES"].contains(&c.as_str()) {
                invalid(diags, "requires_compatibilities", format!("expected requires_compatibilities to be one of [EC2, FARGATE, EXTERNAL, MANAGED_INSTANCES], got {c:?}."));
            }
        }
        check_enum(config, "ipc_mode", &["host", "task", "none"], diags);
        check_enum(config, "pid_mode", &["host", "task"], diags);
        check_fargate(config, diags);
        let storage = val::first_block(config, "ephemeral_storage");
        if let Some(n) = storage.and_then(|e| val::num_attr(e, "size_in_gib")) {
            if !(21..=200).contains(&n) {
                invalid(
                    diags,
                    "ephemeral_storage",
                    format!("expected size_in_gib to be in the range (21 - 200), got {n}"),
                );
            }
        }
    }

    fn plan(&self, prior: Option<&Value>, config: &Value, planned: &mut Value) -> PlanExtra {
        // The proxy's type defaults inside its block, which the engine leaves to providers.
        let name = "proxy_configuration";
        let proxy = plan_block(
            &self.schema().blocks[name],
            prior.and_then(|p| p.get_attr(name)),
            config.get_attr(name).unwrap_or(&Value::Null),
        );
        val::set_attr(planned, name, proxy);
        // The same definitions written differently keep the prior text: no new revision.
        if let Some(prior) = prior {
            let k = "container_definitions";
            if let (Some(old), Some(new)) = (val::str_attr(prior, k), val::str_attr(planned, k)) {
                if old != new && defs::equivalent(old, new, awsvpc(planned)) {
                    let keep = Value::string(old);
                    val::set_attr(planned, k, keep);
                }
            }
        }
        PlanExtra::default()
    }

    /// DescribeTaskDefinition takes one task definition per call and there is no batch
    /// form, so a refresh costs one call per task definition.
    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let jobs = current.iter().map(|cur| async move {
            let latest = val::bool_attr(cur, "track_latest") == Some(true);
            let key = if latest {
                val::str_attr(cur, "family").or(val::str_attr(cur, "id"))
            } else {
                val::str_attr(cur, "arn").or(val::str_attr(cur, "id"))
            };
            let Some(key) = key else {
                return Ok(None);
            };
            Ok(describe(c, key)
                .await?
                .map(|d| TABLE.read_value(&d, cur, &c.region)))
        });
        futures::future::join_all(jobs).await.into_iter().collect()
    }

    /// The table's arguments, plus what can fail: the container definitions (sent as the
    /// user's JSON), the volumes and the proxy.
    async fn create(&self, c: &Clients, planned: &Value, _t: Timeout) -> Result<String, Failed> {
        let family = val::str_attr(planned, "family").unwrap_or_default();
        let containers =
            defs::parse(val::str_attr(planned, "container_definitions").unwrap_or_default())
                .map_err(|e| AwsError::Invalid(format!("container_definitions: {e}")))?;
        let volumes = task_volume::to_sdk(planned)?;
        let proxy = val::first_block(planned, "proxy_configuration")
            .map(|p| {
                ProxyConfiguration::builder()
                    .set_type(val::str_attr(p, "type").map(ProxyConfigurationType::from))
                    .set_container_name(val::str_attr(p, "container_name").map(str::to_string))
                    .set_properties(Some(
                        val::string_map(p, "properties")
                            .into_iter()
                            .map(|(k, v)| KeyValuePair::builder().name(k).value(v).build())
                            .collect(),
                    ))
                    .build()
                    .map_err(|e| AwsError::Invalid(format!("proxy_configuration: {e}")))
            })
            .transpose()?;
        let register = c.ecs.get().await.register_task_definition();
        TABLE
            .create_request(register, planned)
            .set_container_definitions(Some(Vec::new()))
            .set_volumes((!volumes.is_empty()).then_some(volumes))
            .set_proxy_configuration(proxy)
            .set_tags(tags_of(planned))
            .customize()
            .interceptor(Inject {
                member: "containerDefinitions",
                value: serde_json::Value::Array(containers),
            })
            .send()
            .await
            .map_err(err("RegisterTaskDefinition"))?;
        Ok(family.to_string())
    }

    fn tag_calls(&self) -> Option<&'static crate::resource::TagCalls> {
        Some(&crate::ecs::TAG_CALLS)
    }

    async fn delete(&self, c: &Clients, prior: &Value, _t: Timeout) -> Result<(), AwsError> {
        if val::bool_attr(prior, "skip_destroy") == Some(true) {
            return Ok(());
        }
        c.ecs
            .get()
            .await
            .deregister_task_definition()
            .task_definition(val::str_attr(prior, "arn").unwrap_or_default())
            .send()
            .await
            .map_err(err("DeregisterTaskDefinition"))?;
        Ok(())
    }

    fn import_stub(&self, id: &str, stub: &mut Obj) -> Result<(), String> {
        let family = id
            .strip_prefix("arn:")
            .and_then(|a| a.split_once(":task-definition/"))
            .and_then(|(_, fr)| fr.split_once(':'))
            .filter(|(_, r)| r.parse::<u64>().is_ok())
            .map(|(f, _)| f)
            .ok_or_else(|| {
                format!("Expected ID in format of arn:PARTITION:ecs:REGION:ACCOUNTID:task-definition/FAMILY:REVISION and provided: {id}")
            })?;
        stub.set("id", Value::string(family));
        stub.set("arn", Value::string(id));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fargate_sizes() {
        assert_eq!(fargate_memory(256), Some(vec![512, 1024, 2048]));
        assert_eq!(fargate_memory(512), Some(vec![1024, 2048, 3072, 4096]));
        let m = fargate_memory(8192).unwrap();
        assert_eq!((m[0], m[1], *m.last().unwrap()), (16384, 20480, 61440));
        let m = fargate_memory(16384).unwrap();
        assert_eq!((m[0], m[1], *m.last().unwrap()), (32768, 40960, 122880));
        assert_eq!(fargate_memory(300), None);
    }

    #[test]
    fn revision_arns() {
        assert_eq!(
            without_revision("arn:aws:ecs:us-east-1:1:task-definition/web:3"),
            "arn:aws:ecs:us-east-1:1:task-definition/web"
        );
        let mut o = Obj(Default::default());
        assert!(TaskDefinition.import_stub("web", &mut o).is_err());
        TaskDefinition
            .import_stub("arn:aws:ecs:us-east-1:1:task-definition/web:3", &mut o)
            .unwrap();
        assert_eq!(o.get("id"), Some(&Value::string("web")));
    }
}
