//! `aws_instance`, its basic arguments: AMI, type, subnet, security groups, public IP,
//! instance profile, user data, key pair, root volume size and type, tags.
//!
//! The ID is chosen by AWS (no crash-recovery identity). A refresh is one filtered
//! DescribeInstances per 200 instances and one DescribeVolumes for their root volumes.
//! A new instance type or user data is applied as the Terraform provider applies it:
//! stop, ModifyInstanceAttribute, start. Security groups change with
//! ModifyInstanceAttribute, the profile with the association calls, the root volume with
//! ModifyVolume. `user_data` is kept as configured: EC2 does not list it with the
//! instance, and the Terraform provider stores a hash of it instead.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_ec2::operation::run_instances::builders::RunInstancesFluentBuilder;
use aws_sdk_ec2::primitives::Blob;
use aws_sdk_ec2::types::{
    AttributeValue, BlockDeviceMapping, EbsBlockDevice, IamInstanceProfileSpecification, Instance,
    InstanceNetworkInterfaceSpecification, InstanceStateName, InstanceType, Placement,
    ResourceType, Volume, VolumeType,
};
use terrane_engine::lang::Value;
use terrane_engine::provider::Nesting;

use super::{ids, tags, wait_state, InAccount};
use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::{
    plan_all_blocks, AwsResource, DefaultTimeouts, Failed, PlanExtra, Tagging, Timeout,
};
use crate::schema::*;
use crate::table::{ReadCtx, ResourceTable, Table};
use crate::val::{self, Obj};

pub struct InstanceRes;

/// An instance as DescribeInstances gives it, with its account and root volume.
struct Described {
    inst: Instance,
    account: String,
    root: Option<Volume>,
    /// The associated instance profile's ARN.
    profile: Option<String>,
}

type InstanceTable = Table<Described, RunInstancesFluentBuilder>;

static TABLE: LazyLock<InstanceTable> = LazyLock::new(|| {
    InstanceTable::new(|| {
        Some(Described {
            inst: Instance::builder().build(),
            account: String::new(),
            root: None,
            profile: None,
        })
    })
    .tags_all(|d| crate::resource::tags_value(d.inst.tags()))
    .attr("id", comp(STR))
    .read(|d, _| val::str_or_empty(d.inst.instance_id()))
    .attr("arn", comp(STR))
    .read(|d, cx| {
        let id = d.inst.instance_id().unwrap_or_default();
        Value::string(cx.ec2_arn(&d.account, &format!("instance/{id}")))
    })
    .attr("ami", req(STR).force_new())
    .read(|d, _| val::opt_str(d.inst.image_id()))
    .create(|b, v| b.set_image_id(v.str()))
    // Stop, ModifyInstanceAttribute, start.
    .attr("instance_type", req(STR))
    .read(|d, _| val::opt_str(d.inst.instance_type().map(InstanceType::as_str)))
    .create(|b, v| b.set_instance_type(v.str().map(|t| InstanceType::from(t.as_str()))))
    .updated_by_hand()
    // Set on the network interface with the public IP choice (`create`).
    .attr("subnet_id", opt_comp(STR).force_new())
    .read(|d, _| val::opt_str(d.inst.subnet_id()))
    .attr("vpc_security_group_ids", opt_comp(set_of(STR)))
    .read(|d, _| val::str_set(group_ids(&d.inst)))
    .updated_by_hand()
    .attr("associate_public_ip_address", opt_comp(BOOL).force_new())
    .read(|d, _| Value::Bool(d.inst.public_ip_address().is_some()))
    .attr("key_name", opt_comp(STR).force_new())
    .read(|d, _| val::str_or_empty(d.inst.key_name()))
    .create(|b, v| b.set_key_name(v.str()))
    .attr("availability_zone", opt_comp(STR).force_new())
    .read(|d, _| val::str_or_empty(d.inst.placement().and_then(|p| p.availability_zone())))
    .create(|b, v| {
        b.set_placement(
            v.str()
                .map(|z| Placement::builder().availability_zone(z).build()),
        )
    })
    .attr("private_ip", comp(STR))
    .read(|d, _| val::str_or_empty(d.inst.private_ip_address()))
    // The profile's name (AWS answers its ARN); association calls.
    .attr("iam_instance_profile", opt(STR))
    .read(|d, _| val::opt_str(d.profile.as_deref().and_then(|a| a.rsplit('/').next())))
    .create(|b, v| {
        b.set_iam_instance_profile(
            v.str()
                .map(|n| IamInstanceProfileSpecification::builder().name(n).build()),
        )
    })
    .updated_by_hand()
    // Stop, ModifyInstanceAttribute, start; or replace (`user_data_replace_on_change`).
    .attr("user_data", opt(STR))
    .create(|b, v| b.set_user_data(v.str().map(aws_smithy_types::base64::encode)))
    .updated_by_hand()
    .attr(
        "user_data_replace_on_change",
        opt_default(BOOL, Value::Bool(false)),
    )
    .updated_by_hand()
    .attr("instance_state", comp(STR))
    .read(|d, _| {
        val::opt_str(
            d.inst
                .state()
                .and_then(|s| s.name())
                .map(InstanceStateName::as_str),
        )
    })
    .attr("private_dns", comp(STR))
    .read(|d, _| val::str_or_empty(d.inst.private_dns_name()))
    .attr("public_dns", comp(STR))
    .read(|d, _| val::str_or_empty(d.inst.public_dns_name()))
    .attr("public_ip", comp(STR))
    .read(|d, _| val::str_or_empty(d.inst.public_ip_address()))
    .attr("primary_network_interface_id", comp(STR))
    .read(|d, _| {
        val::str_or_empty(
            d.inst
                .network_interfaces()
                .first()
                .and_then(|n| n.network_interface_id()),
        )
    })
    // ModifyVolume.
    .block(
        "root_block_device",
        Nesting::List,
        S::new()
            .attr("volume_size", opt_comp(NUM))
            .attr("volume_type", opt_comp(STR))
            .attr(
                "delete_on_termination",
                opt_default(BOOL, Value::Bool(true)),
            )
            .attr("volume_id", comp(STR))
            .attr("device_name", comp(STR)),
    )
    .max_items(1)
    .read(read_root)
    .updated_by_hand()
});

/// The instance's security groups; those of its primary network interface when the
/// instance lists none (AWS lists the same groups in both; moto leaves the instance's list
/// empty when the groups were given on the interface at launch).
fn group_ids(i: &Instance) -> Vec<&str> {
    let own: Vec<&str> = i
        .security_groups()
        .iter()
        .filter_map(|g| g.group_id())
        .collect();
    if !own.is_empty() {
        return own;
    }
    i.network_interfaces()
        .first()
        .map(|n| n.groups().iter().filter_map(|g| g.group_id()).collect())
        .unwrap_or_default()
}

/// The root volume as a block while one is configured (AWS always has one; an
/// unconfigured block stays empty, as the Terraform provider shows no difference).
fn read_root(d: &Described, cx: &ReadCtx) -> Value {
    if val::blocks(cx.current, "root_block_device").is_empty() {
        return Value::List(Vec::new());
    }
    let Some(v) = &d.root else {
        return Value::List(Vec::new());
    };
    let device = d.inst.root_device_name().unwrap_or_default();
    let delete = d
        .inst
        .block_device_mappings()
        .iter()
        .find(|m| m.device_name() == Some(device))
        .and_then(|m| m.ebs())
        .and_then(|e| e.delete_on_termination())
        .unwrap_or(true);
    Value::List(vec![Value::object([
        ("volume_size", val::num(v.size().unwrap_or(0))),
        (
            "volume_type",
            val::opt_str(v.volume_type().map(VolumeType::as_str)),
        ),
        ("delete_on_termination", Value::Bool(delete)),
        ("volume_id", val::str_or_empty(v.volume_id())),
        ("device_name", Value::string(device)),
    ])])
}

/// The instances with these IDs that are not terminated, with their root volumes.
async fn describe(c: &Clients, ids: &[String]) -> Result<Vec<Described>, AwsError> {
    let found: Vec<Instance> = describe_filtered!(
        c,
        describe_instances,
        filters,
        "instance-id",
        ids,
        "DescribeInstances"
    )?
    .into_iter()
    .flat_map(|r| r.instances().to_vec())
    .filter(|i| {
        !matches!(
            i.state().and_then(|s| s.name()),
            Some(InstanceStateName::Terminated | InstanceStateName::ShuttingDown)
        )
    })
    .collect();
    let roots: Vec<String> = found.iter().filter_map(root_volume_id).collect();
    let volumes: BTreeMap<String, Volume> = if roots.is_empty() {
        BTreeMap::new()
    } else {
        describe_filtered!(
            c,
            describe_volumes,
            filters,
            "volume-id",
            &roots,
            "DescribeVolumes"
        )?
        .into_iter()
        .filter_map(|v| Some((v.volume_id()?.to_string(), v)))
        .collect()
    };
    // The association calls, not the instance, tell the profile: moto's DescribeInstances
    // keeps the first profile after a ReplaceIamInstanceProfileAssociation.
    let with_ids: Vec<String> = found
        .iter()
        .filter(|i| i.iam_instance_profile().is_some())
        .filter_map(|i| i.instance_id().map(str::to_string))
        .collect();
    let profiles: BTreeMap<String, String> = if with_ids.is_empty() {
        BTreeMap::new()
    } else {
        describe_filtered!(
            c,
            describe_iam_instance_profile_associations,
            filters,
            "instance-id",
            &with_ids,
            "DescribeIamInstanceProfileAssociations"
        )?
        .into_iter()
        .filter(|a| a.state().is_some_and(|s| s.as_str() == "associated"))
        .filter_map(|a| {
            let arn = a.iam_instance_profile()?.arn()?.to_string();
            Some((a.instance_id()?.to_string(), arn))
        })
        .collect()
    };
    Ok(InAccount::all(c, found)
        .await?
        .into_iter()
        .map(|i| {
            let root = root_volume_id(&i.item).and_then(|id| volumes.get(&id).cloned());
            let profile = i
                .item
                .instance_id()
                .and_then(|id| profiles.get(id).cloned());
            Described {
                inst: i.item,
                account: i.account,
                root,
                profile,
            }
        })
        .collect())
}

fn root_volume_id(i: &Instance) -> Option<String> {
    let device = i.root_device_name()?;
    i.block_device_mappings()
        .iter()
        .find(|m| m.device_name() == Some(device))
        .and_then(|m| m.ebs())
        .and_then(|e| e.volume_id())
        .map(str::to_string)
}

async fn state_of(c: &Clients, id: &str) -> Result<Option<String>, AwsError> {
    let out = c
        .ec2
        .get()
        .await
        .describe_instances()
        .instance_ids(id)
        .send()
        .await
        .map_err(err("DescribeInstances"))?;
    Ok(out
        .reservations()
        .iter()
        .flat_map(|r| r.instances())
        .find_map(|i| i.state().and_then(|s| s.name()))
        .map(|s| s.as_str().to_string()))
}

/// The configured root volume as a block device mapping on the AMI's root device.
async fn root_mapping(
    c: &Clients,
    planned: &Value,
) -> Result<Option<BlockDeviceMapping>, AwsError> {
    let Some(root) = val::first_block(planned, "root_block_device") else {
        return Ok(None);
    };
    let ami = val::str_attr(planned, "ami").unwrap_or_default();
    let images = c
        .ec2
        .get()
        .await
        .describe_images()
        .image_ids(ami)
        .send()
        .await
        .map_err(err("DescribeImages"))?;
    let device = images
        .images()
        .first()
        .and_then(|i| i.root_device_name())
        .unwrap_or("/dev/xvda")
        .to_string();
    let ebs = EbsBlockDevice::builder()
        .set_volume_size(val::i32_attr(root, "volume_size"))
        .set_volume_type(val::str_attr(root, "volume_type").map(VolumeType::from))
        .delete_on_termination(val::bool_attr(root, "delete_on_termination").unwrap_or(true))
        .build();
    Ok(Some(
        BlockDeviceMapping::builder()
            .device_name(device)
            .ebs(ebs)
            .build(),
    ))
}

/// Stops the instance, runs `modify`, and starts it again.
async fn stopped_for<F, Fut>(c: &Clients, id: &str, t: Timeout, modify: F) -> Result<(), AwsError>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<(), AwsError>>,
{
    c.ec2
        .get()
        .await
        .stop_instances()
        .instance_ids(id)
        .send()
        .await
        .map_err(err("StopInstances"))?;
    wait_state("instance", "stopped", t, || state_of(c, id)).await?;
    modify().await?;
    c.ec2
        .get()
        .await
        .start_instances()
        .instance_ids(id)
        .send()
        .await
        .map_err(err("StartInstances"))?;
    wait_state("instance", "running", t, || state_of(c, id)).await
}

/// Points the instance at the planned profile (or none).
async fn set_profile(c: &Clients, id: &str, planned: &Value) -> Result<(), AwsError> {
    let ec2 = c.ec2.get().await;
    let current = ec2
        .describe_iam_instance_profile_associations()
        .filters(super::filter("instance-id", [id]))
        .send()
        .await
        .map_err(err("DescribeIamInstanceProfileAssociations"))?;
    let association = current
        .iam_instance_profile_associations()
        .iter()
        .find(|a| a.state().is_some_and(|s| s.as_str() == "associated"))
        .and_then(|a| a.association_id())
        .map(str::to_string);
    let profile = val::str_attr(planned, "iam_instance_profile")
        .map(|n| IamInstanceProfileSpecification::builder().name(n).build());
    match (association, profile) {
        (Some(a), Some(p)) => {
            ec2.replace_iam_instance_profile_association()
                .association_id(a)
                .iam_instance_profile(p)
                .send()
                .await
                .map_err(err("ReplaceIamInstanceProfileAssociation"))?;
        }
        (None, Some(p)) => {
            ec2.associate_iam_instance_profile()
                .instance_id(id)
                .iam_instance_profile(p)
                .send()
                .await
                .map_err(err("AssociateIamInstanceProfile"))?;
        }
        (Some(a), None) => {
            ec2.disassociate_iam_instance_profile()
                .association_id(a)
                .send()
                .await
                .map_err(err("DisassociateIamInstanceProfile"))?;
        }
        (None, None) => {}
    }
    Ok(())
}

#[async_trait]
impl AwsResource for InstanceRes {
    fn type_name(&self) -> &'static str {
        "aws_instance"
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*TABLE)
    }

    fn tagging(&self) -> Tagging {
        Tagging::Ec2
    }

    fn timeouts(&self) -> Option<DefaultTimeouts> {
        Some(DefaultTimeouts::minutes(10, 10, 20))
    }

    /// Root volume defaults; new user data replaces the instance when
    /// `user_data_replace_on_change` is set.
    fn plan(&self, prior: Option<&Value>, config: &Value, planned: &mut Value) -> PlanExtra {
        plan_all_blocks(&TABLE.schema(), prior, config, planned);
        let mut extra = PlanExtra::default();
        if let Some(prior) = prior {
            // A stop and start gives the instance a new public address.
            if ["instance_type", "user_data"]
                .iter()
                .any(|k| val::changed(prior, planned, k))
            {
                for k in ["public_ip", "public_dns"] {
                    val::set_attr(planned, k, Value::Unknown);
                }
            }
            if val::changed(prior, planned, "user_data")
                && val::bool_attr(planned, "user_data_replace_on_change") == Some(true)
            {
                extra.requires_replace.push("user_data".into());
            }
        }
        extra
    }

    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let found = describe(c, &ids(current)).await?;
        Ok(super::read_table(&TABLE, c, current, found, |d| {
            d.inst.instance_id()
        }))
    }

    async fn create(&self, c: &Clients, planned: &Value, t: Timeout) -> Result<String, Failed> {
        let subnet = val::str_attr(planned, "subnet_id").map(str::to_string);
        let groups = val::strings(planned, "vpc_security_group_ids");
        let groups = (!groups.is_empty()).then_some(groups);
        let mut req = TABLE
            .create_request(c.ec2.get().await.run_instances(), planned)
            .min_count(1)
            .max_count(1)
            .set_block_device_mappings(root_mapping(c, planned).await?.map(|m| vec![m]))
            .set_tag_specifications(tags::spec(ResourceType::Instance, planned).map(|s| vec![s]));
        // A public IP choice is made on the primary network interface, which then carries
        // the subnet and groups too.
        req = match planned
            .get_attr("associate_public_ip_address")
            .and_then(Value::as_bool)
        {
            Some(public) => req.network_interfaces(
                InstanceNetworkInterfaceSpecification::builder()
                    .device_index(0)
                    .associate_public_ip_address(public)
                    .set_subnet_id(subnet)
                    .set_groups(groups)
                    .build(),
            ),
            None => req.set_subnet_id(subnet).set_security_group_ids(groups),
        };
        let out = req.send().await.map_err(err("RunInstances"))?;
        let id = out
            .instances()
            .first()
            .and_then(|i| i.instance_id())
            .ok_or_else(|| AwsError::Invalid("RunInstances returned no instance".into()))?
            .to_string();
        wait_state("instance", "running", t, || state_of(c, &id))
            .await
            .map_err(|e| e.after_create(&id))?;
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
        if TABLE.changed(prior, planned, "vpc_security_group_ids") {
            c.ec2
                .get()
                .await
                .modify_instance_attribute()
                .instance_id(id)
                .set_groups(Some(val::strings(planned, "vpc_security_group_ids")))
                .send()
                .await
                .map_err(err("ModifyInstanceAttribute"))?;
        }
        if TABLE.changed(prior, planned, "iam_instance_profile") {
            set_profile(c, id, planned).await?;
        }
        let new_type = TABLE.changed(prior, planned, "instance_type");
        let new_data = TABLE.changed(prior, planned, "user_data");
        if new_type || new_data {
            stopped_for(c, id, t, || async {
                let ec2 = c.ec2.get().await;
                if new_type {
                    let ty = val::str_attr(planned, "instance_type").unwrap_or_default();
                    ec2.modify_instance_attribute()
                        .instance_id(id)
                        .instance_type(AttributeValue::builder().value(ty).build())
                        .send()
                        .await
                        .map_err(err("ModifyInstanceAttribute"))?;
                }
                if new_data {
                    let data = val::str_attr(planned, "user_data").unwrap_or_default();
                    ec2.modify_instance_attribute()
                        .instance_id(id)
                        .user_data(
                            aws_sdk_ec2::types::SecureBlobAttributeValue::builder()
                                .value(Blob::new(data.as_bytes()))
                                .build(),
                        )
                        .send()
                        .await
                        .map_err(err("ModifyInstanceAttribute"))?;
                }
                Ok(())
            })
            .await?;
        }
        if TABLE.changed(prior, planned, "root_block_device") {
            if let (Some(root), Some(volume)) = (
                val::first_block(planned, "root_block_device"),
                val::first_block(prior, "root_block_device")
                    .and_then(|b| val::str_attr(b, "volume_id")),
            ) {
                c.ec2
                    .get()
                    .await
                    .modify_volume()
                    .volume_id(volume)
                    .set_size(val::i32_attr(root, "volume_size"))
                    .set_volume_type(val::str_attr(root, "volume_type").map(VolumeType::from))
                    .send()
                    .await
                    .map_err(err("ModifyVolume"))?;
            }
        }
        Ok(None)
    }

    async fn delete(&self, c: &Clients, prior: &Value, t: Timeout) -> Result<(), AwsError> {
        let id = val::str_attr(prior, "id").unwrap_or_default();
        let out = c
            .ec2
            .get()
            .await
            .terminate_instances()
            .instance_ids(id)
            .send()
            .await
            .map_err(err("TerminateInstances"));
        match out {
            Err(e) if e.is_not_found() => return Ok(()),
            Err(e) => return Err(e),
            Ok(_) => {}
        }
        wait_state("instance", "terminated", t, || async {
            Ok(state_of(c, id).await?.or(Some("terminated".into())))
        })
        .await
    }

    fn import_stub(&self, id: &str, stub: &mut Obj) -> Result<(), String> {
        stub.set("id", Value::string(id));
        Ok(())
    }
}
