//! `aws_ecs_task_definition`. A task definition revision is immutable, so every argument
//! (except tags and `skip_destroy`) forces replacement: a new revision is registered and the
//! old one deregistered. The ID is the family, the import ID the revision's ARN.
//!
//! `container_definitions` goes to ECS as the user's JSON (through [`super::raw`]) and is
//! compared by meaning ([`super::container_definitions`]). The Fargate cpu/memory rules are
//! checked before any call: ECS's own error comes late, and moto accepts anything.

use async_trait::async_trait;
use aws_sdk_ecs::types::{
    Compatibility, EphemeralStorage, KeyValuePair, NetworkMode, ProxyConfiguration,
    ProxyConfigurationType, RuntimePlatform, TaskDefinitionField,
    TaskDefinitionPlacementConstraint, TaskDefinitionPlacementConstraintType,
};
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;
use terrane_engine::provider::{BlockSchema, Nesting};

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
use crate::val::{self, Obj};

pub struct TaskDefinition;

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

/// One task definition with the raw JSON of its container definitions, or `None` when it
/// is gone (never registered, or deregistered: INACTIVE).
async fn describe(
    c: &Clients,
    key: &str,
) -> Result<
    Option<(
        aws_sdk_ecs::operation::describe_task_definition::DescribeTaskDefinitionOutput,
        serde_json::Value,
    )>,
    AwsError,
> {
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
    let active = out
        .task_definition()
        .is_some_and(|t| t.status().is_none_or(|s| s.as_str() != "INACTIVE"));
    let raw = capture.json()["taskDefinition"]["containerDefinitions"].take();
    Ok(active.then_some((out, raw)))
}

#[async_trait]
impl AwsResource for TaskDefinition {
    fn type_name(&self) -> &'static str {
        "aws_ecs_task_definition"
    }

    fn schema(&self) -> BlockSchema {
        let mut s = S::new()
            .attr("id", comp(STR))
            .attr("arn", comp(STR))
            .attr("arn_without_revision", comp(STR))
            .attr("revision", comp(NUM))
            .attr("family", req(STR).force_new())
            .attr("container_definitions", req(STR).force_new())
            .attr("cpu", opt(STR).force_new())
            .attr("memory", opt(STR).force_new())
            .attr("network_mode", opt_comp(STR).force_new())
            .attr("requires_compatibilities", opt(set_of(STR)).force_new())
            .attr("execution_role_arn", opt(STR).force_new())
            .attr("task_role_arn", opt(STR).force_new())
            .attr("ipc_mode", opt(STR).force_new())
            .attr("pid_mode", opt(STR).force_new())
            .attr("skip_destroy", opt_default(BOOL, Value::Bool(false)))
            .block(
                "runtime_platform",
                Nesting::List,
                S::new()
                    .attr("operating_system_family", opt(STR))
                    .attr("cpu_architecture", opt(STR)),
            )
            .force_new_block("runtime_platform")
            .attr("enable_fault_injection", opt_comp(BOOL).force_new())
            // Terraform's own: read the family's latest revision rather than the one
            // applied, so revisions registered elsewhere are not a diff.
            .attr("track_latest", opt_default(BOOL, Value::Bool(false)))
            .block("volume", Nesting::Set, task_volume::schema())
            .force_new_block("volume")
            .block(
                "placement_constraints",
                Nesting::Set,
                S::new().attr("type", req(STR)).attr("expression", opt(STR)),
            )
            .force_new_block("placement_constraints")
            .block(
                "proxy_configuration",
                Nesting::List,
                S::new()
                    .attr("container_name", req(STR))
                    .attr("properties", opt(map_of(STR)))
                    .attr("type", opt_default(STR, Value::string("APPMESH"))),
            )
            .force_new_block("proxy_configuration")
            .block(
                "ephemeral_storage",
                Nesting::List,
                S::new().attr("size_in_gib", req(NUM)),
            )
            .force_new_block("ephemeral_storage")
            .build();
        for (b, max) in [("placement_constraints", 10), ("proxy_configuration", 1)] {
            if let Some(b) = s.blocks.get_mut(b) {
                b.max_items = Some(max);
            }
        }
        s
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
            let Some((out, raw)) = describe(c, key).await? else {
                return Ok(None);
            };
            let Some(td) = out.task_definition() else {
                return Ok(None);
            };
            let arn = td.task_definition_arn().unwrap_or_default();
            let net = td.network_mode().map(NetworkMode::as_str);
            let aws_text = raw.to_string();
            let cd = match val::str_attr(cur, "container_definitions") {
                Some(text) if defs::equivalent(text, &aws_text, net == Some("awsvpc")) => {
                    Value::string(text)
                }
                _ => Value::string(aws_text),
            };
            let compat: Vec<&str> = td
                .requires_compatibilities()
                .iter()
                .map(Compatibility::as_str)
                .collect();
            let rp = td.runtime_platform().map_or_else(Vec::new, |p| {
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
            });
            let volumes = task_volume::from_sdk(td.volumes(), val::blocks(cur, "volume"));
            let constraints = td
                .placement_constraints()
                .iter()
                .map(|p| {
                    Value::object([
                        ("type", val::opt_str(p.r#type().map(|t| t.as_str()))),
                        ("expression", val::opt_str(p.expression())),
                    ])
                })
                .collect();
            let proxy = td.proxy_configuration().map(|p| {
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
            });
            // moto does not report fault injection: the known value is kept then.
            let fault = td
                .enable_fault_injection()
                .or_else(|| val::bool_attr(cur, "enable_fault_injection"))
                .unwrap_or(false);
            let mut o = Obj::from(cur);
            o.set("id", val::opt_str(td.family()))
                .set("family", val::opt_str(td.family()))
                .set("arn", Value::string(arn))
                .set("arn_without_revision", Value::string(without_revision(arn)))
                .set("revision", val::num(td.revision()))
                .set("container_definitions", cd)
                .set("cpu", val::opt_str(td.cpu()))
                .set("memory", val::opt_str(td.memory()))
                .set("network_mode", val::opt_str(net))
                .set(
                    "requires_compatibilities",
                    if compat.is_empty()
                        && cur
                            .get_attr("requires_compatibilities")
                            .is_none_or(Value::is_null)
                    {
                        Value::Null
                    } else {
                        val::str_set(compat)
                    },
                )
                .set("execution_role_arn", val::opt_str(td.execution_role_arn()))
                .set("task_role_arn", val::opt_str(td.task_role_arn()))
                .set("ipc_mode", val::opt_str(td.ipc_mode().map(|m| m.as_str())))
                .set("pid_mode", val::opt_str(td.pid_mode().map(|m| m.as_str())))
                .set("runtime_platform", Value::List(rp))
                .set("volume", volumes)
                .set("placement_constraints", Value::set(constraints))
                .set(
                    "proxy_configuration",
                    Value::List(proxy.into_iter().collect()),
                )
                .set("enable_fault_injection", Value::Bool(fault))
                .set(
                    "ephemeral_storage",
                    Value::List(td.ephemeral_storage().map_or_else(Vec::new, |e| {
                        vec![Value::object([("size_in_gib", val::num(e.size_in_gib()))])]
                    })),
                )
                .set("tags_all", tags_value(out.tags()))
                .default("skip_destroy", Value::Bool(false))
                .default("track_latest", Value::Bool(false));
            Ok(Some(o.done()))
        });
        futures::future::join_all(jobs).await.into_iter().collect()
    }

    async fn create(&self, c: &Clients, planned: &Value, _t: Timeout) -> Result<String, Failed> {
        let family = val::str_attr(planned, "family").unwrap_or_default();
        let containers =
            defs::parse(val::str_attr(planned, "container_definitions").unwrap_or_default())
                .map_err(|e| AwsError::Invalid(format!("container_definitions: {e}")))?;
        let rp = val::first_block(planned, "runtime_platform").map(|p| {
            RuntimePlatform::builder()
                .set_operating_system_family(
                    val::str_attr(p, "operating_system_family").map(Into::into),
                )
                .set_cpu_architecture(val::str_attr(p, "cpu_architecture").map(Into::into))
                .build()
        });
        let volumes = task_volume::to_sdk(planned)?;
        let constraints: Vec<TaskDefinitionPlacementConstraint> =
            val::blocks(planned, "placement_constraints")
                .iter()
                .map(|p| {
                    TaskDefinitionPlacementConstraint::builder()
                        .set_type(
                            val::str_attr(p, "type")
                                .map(TaskDefinitionPlacementConstraintType::from),
                        )
                        .set_expression(val::str_attr(p, "expression").map(str::to_string))
                        .build()
                })
                .collect();
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
        let compat = val::strings(planned, "requires_compatibilities");
        c.ecs
            .get()
            .await
            .register_task_definition()
            .family(family)
            .set_container_definitions(Some(Vec::new()))
            .set_cpu(val::str_attr(planned, "cpu").map(str::to_string))
            .set_memory(val::str_attr(planned, "memory").map(str::to_string))
            .set_network_mode(val::str_attr(planned, "network_mode").map(Into::into))
            .set_requires_compatibilities(
                (!compat.is_empty()).then(|| compat.iter().map(|c| c.as_str().into()).collect()),
            )
            .set_execution_role_arn(
                val::str_attr(planned, "execution_role_arn").map(str::to_string),
            )
            .set_task_role_arn(val::str_attr(planned, "task_role_arn").map(str::to_string))
            .set_ipc_mode(val::str_attr(planned, "ipc_mode").map(Into::into))
            .set_pid_mode(val::str_attr(planned, "pid_mode").map(Into::into))
            .set_runtime_platform(rp)
            .set_volumes((!volumes.is_empty()).then_some(volumes))
            .set_placement_constraints((!constraints.is_empty()).then_some(constraints))
            .set_proxy_configuration(proxy)
            .set_enable_fault_injection(val::bool_attr(planned, "enable_fault_injection"))
            .set_ephemeral_storage(
                val::first_block(planned, "ephemeral_storage")
                    .and_then(|e| val::num_attr(e, "size_in_gib"))
                    .and_then(|n| i32::try_from(n).ok())
                    .map(|n| EphemeralStorage::builder().size_in_gib(n).build()),
            )
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
