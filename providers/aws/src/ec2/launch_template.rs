//! `aws_launch_template`: the instance settings an Auto Scaling group (or RunInstances)
//! launches from. The template's settings live in numbered versions: a change of any of
//! them (or of `description`) creates a new version, as the Terraform provider does;
//! `update_default_version` makes it the default, else `default_version` says which one
//! is. The state shows the latest version's settings. Name and prefix replace.
//!
//! The blocks the Terraform provider has and terrane does not send yet are declared (so
//! modules that write them through `dynamic` blocks load) and refused when set.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_ec2::types::{
    CreditSpecification, CreditSpecificationRequest, LaunchTemplate,
    LaunchTemplateBlockDeviceMapping, LaunchTemplateBlockDeviceMappingRequest,
    LaunchTemplateCpuOptionsRequest, LaunchTemplateEbsBlockDeviceRequest,
    LaunchTemplateHttpTokensState, LaunchTemplateIamInstanceProfileSpecificationRequest,
    LaunchTemplateInstanceMetadataEndpointState, LaunchTemplateInstanceMetadataOptionsRequest,
    LaunchTemplateInstanceMetadataProtocolIpv6, LaunchTemplateInstanceMetadataTagsState,
    LaunchTemplateInstanceNetworkInterfaceSpecification,
    LaunchTemplateInstanceNetworkInterfaceSpecificationRequest, LaunchTemplatePlacementRequest,
    LaunchTemplateTagSpecificationRequest, LaunchTemplatesMonitoringRequest,
    RequestLaunchTemplateData, ResourceType, ResponseLaunchTemplateData, ShutdownBehavior, Tag,
    Tenancy, VolumeType,
};
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;
use terrane_engine::provider::{Identity, Nesting};

use super::{describe_by_ids, ids, match_ids, tags, Owned};
use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::{
    identity_of, invalid, known_set, name_or_prefix, name_prefix_from_name, plan_all_blocks,
    refuse_blocks, AwsResource, Failed, PlanExtra, Tagging, Timeout,
};
use crate::schema::*;
use crate::table::{item_i32 as n, item_str as s, Arg, Normalise, ResourceTable, Table};
use crate::val;

pub struct LaunchTemplateRes;

type DataBuilder = aws_sdk_ec2::types::builders::RequestLaunchTemplateDataBuilder;

/// A template as read: its description, the latest version's settings and its tags
/// (read with DescribeTags: DescribeLaunchTemplates in moto answers the tags a template
/// was created with, not its current ones).
pub struct Lt {
    t: LaunchTemplate,
    description: Option<String>,
    data: ResponseLaunchTemplateData,
    tags: Value,
    account: String,
}

impl Owned for Lt {
    const KIND: &'static str = "launch-template";
    fn id(&self) -> Option<&str> {
        self.t.launch_template_id()
    }
    fn owner(&self) -> Option<&str> {
        Some(&self.account)
    }
}

type LtTable = Table<Lt, DataBuilder>;

/// Arguments that are not part of a version: changing them creates none.
const NOT_DATA: &[&str] = &[
    "default_version",
    "update_default_version",
    "tags",
    "tags_all",
    "timeouts",
];

/// Blocks declared for modules' sake but not sent yet, with the attributes they take.
const REFUSED: &[(&str, &[&str])] = &[
    (
        "capacity_reservation_specification",
        &["capacity_reservation_preference"],
    ),
    ("enclave_options", &["enabled"]),
    ("hibernation_options", &["configured"]),
    ("instance_market_options", &["market_type"]),
    ("instance_requirements", &[]),
    ("license_specification", &["license_configuration_arn"]),
    ("maintenance_options", &["auto_recovery"]),
    ("network_performance_options", &["bandwidth_weighting"]),
    (
        "private_dns_name_options",
        &[
            "enable_resource_name_dns_aaaa_record",
            "enable_resource_name_dns_a_record",
            "hostname_type",
        ],
    ),
    ("secondary_interfaces", &[]),
];

/// Network interface arguments declared but not sent yet.
const REFUSED_NI: &[&str] = &[
    "ipv4_addresses",
    "ipv4_prefix_count",
    "ipv4_prefixes",
    "ipv6_addresses",
    "ipv6_prefix_count",
    "ipv6_prefixes",
    "primary_ipv6",
];

// ---- reading block items ----

/// A boolean the Terraform provider keeps as a string ("true", "false" or unset).
fn sbool(item: &Value, k: &str) -> Option<bool> {
    s(item, k).and_then(|s| s.parse().ok())
}

fn bool_str(b: Option<bool>) -> Value {
    b.map_or(Value::Null, |b| Value::string(b.to_string()))
}

// ---- block_device_mappings ----

fn mappings(v: Arg) -> Option<Vec<LaunchTemplateBlockDeviceMappingRequest>> {
    let m = v.items();
    (!m.is_empty()).then(|| m.iter().map(mapping).collect())
}

fn mapping(m: &Value) -> LaunchTemplateBlockDeviceMappingRequest {
    let ebs = val::first_block(m, "ebs").map(|e| {
        LaunchTemplateEbsBlockDeviceRequest::builder()
            .set_delete_on_termination(sbool(e, "delete_on_termination"))
            .set_encrypted(sbool(e, "encrypted"))
            .set_iops(n(e, "iops"))
            .set_kms_key_id(s(e, "kms_key_id"))
            .set_snapshot_id(s(e, "snapshot_id"))
            .set_throughput(n(e, "throughput"))
            .set_volume_initialization_rate(n(e, "volume_initialization_rate"))
            .set_volume_size(n(e, "volume_size"))
            .set_volume_type(s(e, "volume_type").map(|t| VolumeType::from(t.as_str())))
            .build()
    });
    LaunchTemplateBlockDeviceMappingRequest::builder()
        .set_device_name(s(m, "device_name"))
        .set_no_device(s(m, "no_device"))
        .set_virtual_name(s(m, "virtual_name"))
        .set_ebs(ebs)
        .build()
}

fn mapping_value(m: &LaunchTemplateBlockDeviceMapping) -> Value {
    let ebs = val::opt_block(m.ebs(), |e| {
        Value::object([
            ("delete_on_termination", bool_str(e.delete_on_termination())),
            ("encrypted", bool_str(e.encrypted())),
            ("iops", val::opt_num(e.iops())),
            ("kms_key_id", val::opt_str(e.kms_key_id())),
            ("snapshot_id", val::opt_str(e.snapshot_id())),
            ("throughput", val::opt_num(e.throughput())),
            (
                "volume_initialization_rate",
                val::opt_num(e.volume_initialization_rate()),
            ),
            ("volume_size", val::opt_num(e.volume_size())),
            (
                "volume_type",
                val::opt_str(e.volume_type().map(VolumeType::as_str)),
            ),
        ])
    });
    Value::object([
        ("device_name", val::opt_str(m.device_name())),
        ("no_device", val::opt_str(m.no_device())),
        ("virtual_name", val::opt_str(m.virtual_name())),
        ("ebs", ebs),
    ])
}

fn mappings_schema() -> S {
    let ebs = S::new()
        .attr("delete_on_termination", opt(STR))
        .attr("encrypted", opt(STR))
        .attr("iops", opt_comp(NUM))
        .attr("kms_key_id", opt(STR))
        .attr("snapshot_id", opt(STR))
        .attr("throughput", opt_comp(NUM))
        .attr("volume_initialization_rate", opt(NUM))
        .attr("volume_size", opt_comp(NUM))
        .attr("volume_type", opt_comp(STR));
    S::new()
        .attr("device_name", opt(STR))
        .attr("no_device", opt(STR))
        .attr("virtual_name", opt(STR))
        .block("ebs", Nesting::List, ebs)
}

// ---- network_interfaces ----

const NI_STRINGS: &[&str] = &[
    "description",
    "interface_type",
    "network_interface_id",
    "private_ip_address",
    "subnet_id",
];

fn interface(i: &Value) -> LaunchTemplateInstanceNetworkInterfaceSpecificationRequest {
    let groups = val::strings(i, "security_groups");
    LaunchTemplateInstanceNetworkInterfaceSpecificationRequest::builder()
        .set_associate_carrier_ip_address(sbool(i, "associate_carrier_ip_address"))
        .set_associate_public_ip_address(sbool(i, "associate_public_ip_address"))
        .set_delete_on_termination(sbool(i, "delete_on_termination"))
        .set_description(s(i, "description"))
        .set_device_index(n(i, "device_index"))
        .set_interface_type(s(i, "interface_type"))
        .set_secondary_private_ip_address_count(n(i, "ipv4_address_count"))
        .set_ipv6_address_count(n(i, "ipv6_address_count"))
        .set_network_card_index(n(i, "network_card_index"))
        .set_network_interface_id(s(i, "network_interface_id"))
        .set_private_ip_address(s(i, "private_ip_address"))
        .set_groups((!groups.is_empty()).then_some(groups))
        .set_subnet_id(s(i, "subnet_id"))
        .build()
}

fn interface_value(i: &LaunchTemplateInstanceNetworkInterfaceSpecification, cur: &Value) -> Value {
    let mut o: BTreeMap<String, Value> = BTreeMap::new();
    let mut put = |k: &str, v: Value| {
        o.insert(k.to_string(), v);
    };
    put(
        "associate_carrier_ip_address",
        bool_str(i.associate_carrier_ip_address()),
    );
    put(
        "associate_public_ip_address",
        bool_str(i.associate_public_ip_address()),
    );
    put("delete_on_termination", bool_str(i.delete_on_termination()));
    put("description", val::opt_str(i.description()));
    put("device_index", val::opt_num(i.device_index()));
    put("interface_type", val::opt_str(i.interface_type()));
    put(
        "ipv4_address_count",
        val::opt_num(i.secondary_private_ip_address_count()),
    );
    put("ipv6_address_count", val::opt_num(i.ipv6_address_count()));
    put("network_card_index", val::opt_num(i.network_card_index()));
    put(
        "network_interface_id",
        val::opt_str(i.network_interface_id()),
    );
    put("private_ip_address", val::opt_str(i.private_ip_address()));
    put("subnet_id", val::opt_str(i.subnet_id()));
    // An empty set reads as the configuration wrote it (null or empty).
    let groups = match i.groups() {
        [] => cur.get_attr("security_groups").cloned().unwrap_or_default(),
        g => val::str_set(g),
    };
    put("security_groups", groups);
    // Not sent (refused when set): kept as configured.
    for k in REFUSED_NI {
        put(k, cur.get_attr(k).cloned().unwrap_or_default());
    }
    Value::Object(o)
}

fn interfaces_schema() -> S {
    let mut s = S::new()
        .attr("associate_carrier_ip_address", opt(STR))
        .attr("associate_public_ip_address", opt(STR))
        .attr("delete_on_termination", opt(STR))
        .attr("device_index", opt(NUM))
        .attr("ipv4_address_count", opt(NUM))
        .attr("ipv6_address_count", opt(NUM))
        .attr("network_card_index", opt(NUM))
        .attr("security_groups", opt(set_of(STR)))
        .attr("ipv4_addresses", opt(set_of(STR)))
        .attr("ipv4_prefixes", opt(set_of(STR)))
        .attr("ipv6_addresses", opt(set_of(STR)))
        .attr("ipv6_prefixes", opt(set_of(STR)))
        .attr("ipv4_prefix_count", opt(NUM))
        .attr("ipv6_prefix_count", opt(NUM))
        .attr("primary_ipv6", opt(STR));
    for k in NI_STRINGS {
        s = s.attr(k, opt(STR));
    }
    s
}

// ---- metadata_options, placement, tag_specifications ----

fn metadata(m: &Value) -> LaunchTemplateInstanceMetadataOptionsRequest {
    LaunchTemplateInstanceMetadataOptionsRequest::builder()
        .set_http_endpoint(
            s(m, "http_endpoint")
                .map(|x| LaunchTemplateInstanceMetadataEndpointState::from(x.as_str())),
        )
        .set_http_protocol_ipv6(
            s(m, "http_protocol_ipv6")
                .map(|x| LaunchTemplateInstanceMetadataProtocolIpv6::from(x.as_str())),
        )
        .set_http_put_response_hop_limit(n(m, "http_put_response_hop_limit"))
        .set_http_tokens(
            s(m, "http_tokens").map(|x| LaunchTemplateHttpTokensState::from(x.as_str())),
        )
        .set_instance_metadata_tags(
            s(m, "instance_metadata_tags")
                .map(|x| LaunchTemplateInstanceMetadataTagsState::from(x.as_str())),
        )
        .build()
}

const PLACEMENT_STRINGS: &[&str] = &[
    "affinity",
    "availability_zone",
    "group_id",
    "group_name",
    "host_id",
    "host_resource_group_arn",
    "spread_domain",
    "tenancy",
];

fn placement(p: &Value) -> LaunchTemplatePlacementRequest {
    LaunchTemplatePlacementRequest::builder()
        .set_affinity(s(p, "affinity"))
        .set_availability_zone(s(p, "availability_zone"))
        .set_group_id(s(p, "group_id"))
        .set_group_name(s(p, "group_name"))
        .set_host_id(s(p, "host_id"))
        .set_host_resource_group_arn(s(p, "host_resource_group_arn"))
        .set_spread_domain(s(p, "spread_domain"))
        .set_tenancy(s(p, "tenancy").map(|t| Tenancy::from(t.as_str())))
        .set_partition_number(n(p, "partition_number"))
        .build()
}

fn tag_specs(v: Arg) -> Option<Vec<LaunchTemplateTagSpecificationRequest>> {
    let specs = v.items();
    (!specs.is_empty()).then(|| {
        specs
            .iter()
            .map(|t| {
                let tags = val::string_map(t, "tags")
                    .into_iter()
                    .map(|(k, v)| Tag::builder().key(k).value(v).build())
                    .collect();
                LaunchTemplateTagSpecificationRequest::builder()
                    .set_resource_type(
                        s(t, "resource_type").map(|r| ResourceType::from(r.as_str())),
                    )
                    .set_tags(Some(tags))
                    .build()
            })
            .collect()
    })
}

fn strings_or_none(v: Arg) -> Option<Vec<String>> {
    v.strings().filter(|s| !s.is_empty())
}

/// `user_data` as sent: Terraform takes it already base64-encoded.
fn data_of(planned: &Value) -> RequestLaunchTemplateData {
    TABLE
        .create_request(RequestLaunchTemplateData::builder(), planned)
        .build()
}

static TABLE: LazyLock<LtTable> = LazyLock::new(|| {
    let t = super::id_and_arn(LtTable::new(|| {
        Some(Lt {
            t: LaunchTemplate::builder().build(),
            description: None,
            data: ResponseLaunchTemplateData::builder().build(),
            tags: Value::Null,
            account: String::new(),
        })
    }))
    .tags_all(|l| l.tags.clone())
    // Created from `name` or `name_prefix` by hand (`name_or_prefix`).
    .attr("name", opt_comp(STR).force_new())
    .read(|l, _| val::str_or_empty(l.t.launch_template_name()))
    .attr("name_prefix", opt_comp(STR).force_new())
    .attr("default_version", opt_comp(NUM))
    .read(|l, _| {
        l.t.default_version_number()
            .map_or(Value::Null, |n| val::num(n as f64))
    })
    .updated_by_hand()
    .attr("latest_version", comp(NUM))
    .read(|l, _| {
        l.t.latest_version_number()
            .map_or(Value::Null, |n| val::num(n as f64))
    })
    .attr("update_default_version", opt(BOOL))
    .updated_by_hand()
    // The version's description, sent with each new version.
    .attr("description", opt(STR))
    .read(|l, _| val::opt_str(l.description.as_deref()))
    .updated_by_hand();
    // The settings of a version: all sent again in each new one.
    let t = t
        .attr("disable_api_stop", opt(BOOL))
        .read(|l, _| Value::Bool(l.data.disable_api_stop().unwrap_or(false)))
        .normalise(Normalise::ZeroAsNull)
        .create(|b, v| b.set_disable_api_stop(v.bool()))
        .updated_by_hand()
        .attr("disable_api_termination", opt(BOOL))
        .read(|l, _| Value::Bool(l.data.disable_api_termination().unwrap_or(false)))
        .normalise(Normalise::ZeroAsNull)
        .create(|b, v| b.set_disable_api_termination(v.bool()))
        .updated_by_hand()
        .attr("ebs_optimized", opt(STR))
        .read(|l, _| bool_str(l.data.ebs_optimized()))
        .normalise(Normalise::ZeroAsNull)
        .create(|b, v| b.set_ebs_optimized(v.str().and_then(|s| s.parse().ok())))
        .updated_by_hand()
        .attr("image_id", opt(STR))
        .read(|l, _| val::opt_str(l.data.image_id()))
        .create(|b, v| b.set_image_id(v.str()))
        .updated_by_hand()
        .attr("instance_initiated_shutdown_behavior", opt(STR))
        .read(|l, _| {
            val::opt_str(
                l.data
                    .instance_initiated_shutdown_behavior()
                    .map(ShutdownBehavior::as_str),
            )
        })
        .create(|b, v| {
            b.set_instance_initiated_shutdown_behavior(
                v.str().map(|s| ShutdownBehavior::from(s.as_str())),
            )
        })
        .updated_by_hand()
        .attr("instance_type", opt(STR))
        .read(|l, _| val::opt_str(l.data.instance_type().map(|t| t.as_str())))
        .create(|b, v| b.set_instance_type(v.str().map(|s| s.as_str().into())))
        .updated_by_hand()
        .attr("kernel_id", opt(STR))
        .read(|l, _| val::opt_str(l.data.kernel_id()))
        .create(|b, v| b.set_kernel_id(v.str()))
        .updated_by_hand()
        .attr("key_name", opt(STR))
        .read(|l, _| val::opt_str(l.data.key_name()))
        .create(|b, v| b.set_key_name(v.str()))
        .updated_by_hand()
        .attr("ram_disk_id", opt(STR))
        .read(|l, _| val::opt_str(l.data.ram_disk_id()))
        .create(|b, v| b.set_ram_disk_id(v.str()))
        .updated_by_hand()
        .attr("user_data", opt(STR))
        .read(|l, _| val::opt_str(l.data.user_data()))
        .create(|b, v| b.set_user_data(v.str()))
        .updated_by_hand()
        .attr("security_group_names", opt(set_of(STR)))
        .read(|l, _| val::str_set(l.data.security_groups()))
        .normalise(Normalise::ZeroAsNull)
        .create(|b, v| b.set_security_groups(strings_or_none(v)))
        .updated_by_hand()
        .attr("vpc_security_group_ids", opt(set_of(STR)))
        .read(|l, _| val::str_set(l.data.security_group_ids()))
        .normalise(Normalise::ZeroAsNull)
        .create(|b, v| b.set_security_group_ids(strings_or_none(v)))
        .updated_by_hand();
    let t = t
        .block("block_device_mappings", Nesting::List, mappings_schema())
        .read(|l, _| {
            Value::List(
                l.data
                    .block_device_mappings()
                    .iter()
                    .map(mapping_value)
                    .collect(),
            )
        })
        .create(|b, v| b.set_block_device_mappings(mappings(v)))
        .updated_by_hand()
        .block(
            "cpu_options",
            Nesting::List,
            S::new()
                .attr("amd_sev_snp", opt(STR))
                .attr("core_count", opt(NUM))
                .attr("threads_per_core", opt(NUM)),
        )
        .max_items(1)
        .read(|l, _| {
            val::opt_block(l.data.cpu_options(), |c| {
                Value::object([
                    (
                        "amd_sev_snp",
                        val::opt_str(c.amd_sev_snp().map(|a| a.as_str())),
                    ),
                    ("core_count", val::opt_num(c.core_count())),
                    ("threads_per_core", val::opt_num(c.threads_per_core())),
                ])
            })
        })
        .create(|b, v| {
            b.set_cpu_options(v.first().map(|c| {
                LaunchTemplateCpuOptionsRequest::builder()
                    .set_amd_sev_snp(s(c, "amd_sev_snp").map(|a| a.as_str().into()))
                    .set_core_count(n(c, "core_count"))
                    .set_threads_per_core(n(c, "threads_per_core"))
                    .build()
            }))
        })
        .updated_by_hand()
        .block(
            "credit_specification",
            Nesting::List,
            S::new().attr("cpu_credits", opt(STR)),
        )
        .max_items(1)
        .read(|l, _| {
            val::opt_block(l.data.credit_specification(), |c: &CreditSpecification| {
                Value::object([("cpu_credits", val::opt_str(c.cpu_credits()))])
            })
        })
        .create(|b, v| {
            b.set_credit_specification(v.first().map(|c| {
                CreditSpecificationRequest::builder()
                    .set_cpu_credits(s(c, "cpu_credits"))
                    .build()
            }))
        })
        .updated_by_hand()
        .block(
            "iam_instance_profile",
            Nesting::List,
            S::new().attr("arn", opt(STR)).attr("name", opt(STR)),
        )
        .max_items(1)
        .read(|l, _| {
            val::opt_block(l.data.iam_instance_profile(), |p| {
                Value::object([
                    ("arn", val::opt_str(p.arn())),
                    ("name", val::opt_str(p.name())),
                ])
            })
        })
        .create(|b, v| {
            b.set_iam_instance_profile(v.first().map(|p| {
                LaunchTemplateIamInstanceProfileSpecificationRequest::builder()
                    .set_arn(s(p, "arn"))
                    .set_name(s(p, "name"))
                    .build()
            }))
        })
        .updated_by_hand()
        .block(
            "metadata_options",
            Nesting::List,
            S::new()
                .attr("http_endpoint", opt_comp(STR))
                .attr("http_protocol_ipv6", opt_comp(STR))
                .attr("http_put_response_hop_limit", opt_comp(NUM))
                .attr("http_tokens", opt_comp(STR))
                .attr("instance_metadata_tags", opt_comp(STR)),
        )
        .max_items(1)
        .read(|l, _| {
            val::opt_block(l.data.metadata_options(), |m| {
                Value::object([
                    (
                        "http_endpoint",
                        val::opt_str(m.http_endpoint().map(|x| x.as_str())),
                    ),
                    (
                        "http_protocol_ipv6",
                        val::opt_str(m.http_protocol_ipv6().map(|x| x.as_str())),
                    ),
                    (
                        "http_put_response_hop_limit",
                        val::opt_num(m.http_put_response_hop_limit()),
                    ),
                    (
                        "http_tokens",
                        val::opt_str(m.http_tokens().map(|x| x.as_str())),
                    ),
                    (
                        "instance_metadata_tags",
                        val::opt_str(m.instance_metadata_tags().map(|x| x.as_str())),
                    ),
                ])
            })
        })
        .create(|b, v| b.set_metadata_options(v.first().map(metadata)))
        .updated_by_hand()
        .block(
            "monitoring",
            Nesting::List,
            S::new().attr("enabled", opt(BOOL)),
        )
        .max_items(1)
        .read(|l, _| {
            val::opt_block(l.data.monitoring(), |m| {
                Value::object([("enabled", Value::Bool(m.enabled().unwrap_or(false)))])
            })
        })
        .create(|b, v| {
            b.set_monitoring(v.first().map(|m| {
                LaunchTemplatesMonitoringRequest::builder()
                    .set_enabled(val::bool_attr(m, "enabled"))
                    .build()
            }))
        })
        .updated_by_hand()
        .block("network_interfaces", Nesting::List, interfaces_schema())
        .read(|l, cx| {
            let cur = val::blocks(cx.current, "network_interfaces");
            Value::List(
                l.data
                    .network_interfaces()
                    .iter()
                    .enumerate()
                    .map(|(i, x)| interface_value(x, cur.get(i).unwrap_or(&Value::Null)))
                    .collect(),
            )
        })
        .create(|b, v| {
            let i = v.items();
            b.set_network_interfaces((!i.is_empty()).then(|| i.iter().map(interface).collect()))
        })
        .updated_by_hand()
        .block(
            "placement",
            Nesting::List,
            PLACEMENT_STRINGS
                .iter()
                .fold(S::new().attr("partition_number", opt(NUM)), |s, k| {
                    s.attr(k, opt(STR))
                }),
        )
        .max_items(1)
        .read(|l, _| {
            val::opt_block(l.data.placement(), |p| {
                Value::object([
                    ("affinity", val::opt_str(p.affinity())),
                    ("availability_zone", val::opt_str(p.availability_zone())),
                    ("group_id", val::opt_str(p.group_id())),
                    ("group_name", val::opt_str(p.group_name())),
                    ("host_id", val::opt_str(p.host_id())),
                    (
                        "host_resource_group_arn",
                        val::opt_str(p.host_resource_group_arn()),
                    ),
                    ("spread_domain", val::opt_str(p.spread_domain())),
                    ("tenancy", val::opt_str(p.tenancy().map(Tenancy::as_str))),
                    ("partition_number", val::opt_num(p.partition_number())),
                ])
            })
        })
        .create(|b, v| b.set_placement(v.first().map(placement)))
        .updated_by_hand()
        .block(
            "tag_specifications",
            Nesting::List,
            S::new()
                .attr("resource_type", opt(STR))
                .attr("tags", opt(map_of(STR))),
        )
        .read(|l, _| {
            Value::List(
                l.data
                    .tag_specifications()
                    .iter()
                    // moto copies the template's own tags into its data (AWS takes no
                    // launch-template type there).
                    .filter(|t| t.resource_type() != Some(&ResourceType::LaunchTemplate))
                    .map(|t| {
                        Value::object([
                            (
                                "resource_type",
                                val::opt_str(t.resource_type().map(ResourceType::as_str)),
                            ),
                            ("tags", crate::resource::tags_value(t.tags())),
                        ])
                    })
                    .collect(),
            )
        })
        .create(|b, v| b.set_tag_specifications(tag_specs(v)))
        .updated_by_hand();
    REFUSED.iter().fold(t, |t, (name, attrs)| {
        t.block(
            name,
            Nesting::List,
            attrs.iter().fold(S::new(), |s, k| s.attr(k, opt(STR))),
        )
        .updated_by_hand()
    })
});

/// Whether the settings of a version (or its description) changed.
fn data_changed(prior: &Value, planned: &Value) -> bool {
    TABLE
        .schema()
        .attributes
        .keys()
        .chain(TABLE.schema().blocks.keys())
        .filter(|k| !NOT_DATA.contains(&k.as_str()))
        .any(|k| {
            let computed_only = TABLE
                .schema()
                .attributes
                .get(k)
                .is_some_and(|a| a.computed && !a.optional);
            !computed_only && val::changed(prior, planned, k)
        })
}

async fn describe(c: &Clients, ids: &[String]) -> Result<Vec<Lt>, AwsError> {
    let ec2 = c.ec2.get().await;
    let templates = describe_by_ids(ids, |chunk| {
        let ec2 = &ec2;
        async move {
            ec2.describe_launch_templates()
                .set_launch_template_ids(Some(chunk))
                .into_paginator()
                .items()
                .send()
                .collect::<Result<Vec<_>, _>>()
                .await
                .map_err(err("DescribeLaunchTemplates"))
        }
    })
    .await?;
    if templates.is_empty() {
        return Ok(Vec::new());
    }
    let found: Vec<String> = templates
        .iter()
        .filter_map(|t| t.launch_template_id().map(str::to_string))
        .collect();
    let mut tags: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for chunk in found.chunks(200) {
        let out: Vec<_> = ec2
            .describe_tags()
            .filters(super::filter("resource-id", chunk.iter().cloned()))
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(err("DescribeTags"))?;
        for t in out {
            if let (Some(id), Some(k)) = (t.resource_id(), t.key()) {
                tags.entry(id.to_string())
                    .or_default()
                    .insert(k.to_string(), t.value().unwrap_or_default().to_string());
            }
        }
    }
    let account = c.account_id().await?.to_string();
    let mut out = Vec::new();
    for t in templates {
        let id = t.launch_template_id().unwrap_or_default().to_string();
        let latest = t.latest_version_number().unwrap_or(1).to_string();
        // One version per template: EC2 describes the versions of one template a call.
        let v = ec2
            .describe_launch_template_versions()
            .launch_template_id(&id)
            .versions(latest)
            .send()
            .await;
        let v = match v.map_err(err("DescribeLaunchTemplateVersions")) {
            Ok(v) => v,
            Err(e) if e.is_not_found() => continue,
            Err(e) => return Err(e),
        };
        let version = v.launch_template_versions().first();
        out.push(Lt {
            description: version
                .and_then(|v| v.version_description())
                .map(str::to_string),
            data: version
                .and_then(|v| v.launch_template_data())
                .cloned()
                .unwrap_or_else(|| ResponseLaunchTemplateData::builder().build()),
            tags: val::str_map(&tags.remove(&id).unwrap_or_default()),
            t,
            account: account.clone(),
        });
    }
    Ok(out)
}

fn check_refused(config: &Value, diags: &mut Diagnostics) {
    let names = REFUSED.iter().map(|(name, _)| *name);
    refuse_blocks(
        config,
        "aws_launch_template",
        "template",
        names,
        None,
        diags,
    );
    for ni in val::blocks(config, "network_interfaces") {
        for k in REFUSED_NI {
            if ni
                .get_attr(k)
                .is_some_and(|v| !v.is_null() && v.as_seq().is_none_or(|s| !s.is_empty()))
            {
                invalid(
                    diags,
                    "network_interfaces",
                    format!(
                        "terrane does not send network_interfaces.{k} of aws_launch_template yet."
                    ),
                );
            }
        }
    }
}

#[async_trait]
impl AwsResource for LaunchTemplateRes {
    fn type_name(&self) -> &'static str {
        "aws_launch_template"
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*TABLE)
    }

    fn tagging(&self) -> Tagging {
        Tagging::Ec2
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        if known_set(config, "name") && known_set(config, "name_prefix") {
            invalid(diags, "name", "\"name\": conflicts with name_prefix".into());
        }
        if known_set(config, "default_version") && known_set(config, "update_default_version") {
            invalid(
                diags,
                "default_version",
                "\"default_version\": conflicts with update_default_version".into(),
            );
        }
        check_refused(config, diags);
    }

    /// A change of the settings makes a new version: the latest version is then unknown,
    /// and so is the default when `update_default_version` moves it.
    fn plan(&self, prior: Option<&Value>, config: &Value, planned: &mut Value) -> PlanExtra {
        plan_all_blocks(&TABLE.schema(), prior, config, planned);
        if let Some(prior) = prior {
            if data_changed(prior, planned) {
                val::set_attr(planned, "latest_version", Value::Unknown);
                if val::bool_attr(planned, "update_default_version") == Some(true) {
                    val::set_attr(planned, "default_version", Value::Unknown);
                }
            }
        }
        PlanExtra::default()
    }

    fn identity(&self, planned: &Value) -> Option<Identity> {
        identity_of(planned, &["name"], &[])
    }

    async fn find(&self, c: &Clients, identity: &Identity) -> Result<Option<String>, AwsError> {
        let Some(name) = identity.get("name") else {
            return Ok(None);
        };
        let out = c
            .ec2
            .get()
            .await
            .describe_launch_templates()
            .launch_template_names(name)
            .send()
            .await
            .map_err(err("DescribeLaunchTemplates"));
        match out {
            Ok(o) => Ok(o
                .launch_templates()
                .first()
                .and_then(|t| t.launch_template_id())
                .map(str::to_string)),
            Err(e)
                if e.is_not_found()
                    || e.code() == Some("InvalidLaunchTemplateName.NotFoundException") =>
            {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let found = describe(c, &ids(current)).await?;
        Ok(match_ids(
            current,
            found,
            |l| l.t.launch_template_id(),
            |cur, l| {
                let mut o = TABLE.read_object(l, cur, &c.region);
                // An imported template shows the prefix its generated name came from.
                if o.get("name_prefix").is_none_or(Value::is_null) {
                    let prefix =
                        name_prefix_from_name(l.t.launch_template_name().unwrap_or_default());
                    o.set("name_prefix", val::opt_str(prefix));
                }
                o.done()
            },
        ))
    }

    async fn create(&self, c: &Clients, planned: &Value, _t: Timeout) -> Result<String, Failed> {
        let out = c
            .ec2
            .get()
            .await
            .create_launch_template()
            .launch_template_name(name_or_prefix(planned))
            .set_version_description(val::str_attr(planned, "description").map(str::to_string))
            .launch_template_data(data_of(planned))
            .set_tag_specifications(
                tags::spec(ResourceType::LaunchTemplate, planned).map(|s| vec![s]),
            )
            .send()
            .await
            .map_err(err("CreateLaunchTemplate"))?;
        out.launch_template()
            .and_then(|t| t.launch_template_id())
            .map(str::to_string)
            .ok_or_else(|| AwsError::Invalid("CreateLaunchTemplate returned no ID".into()).into())
    }

    async fn update(
        &self,
        c: &Clients,
        prior: &Value,
        planned: &Value,
        _t: Timeout,
    ) -> Result<Option<String>, AwsError> {
        let id = val::str_attr(prior, "id").unwrap_or_default();
        let ec2 = c.ec2.get().await;
        let mut latest = None;
        if data_changed(prior, planned) {
            let out = ec2
                .create_launch_template_version()
                .launch_template_id(id)
                .set_version_description(val::str_attr(planned, "description").map(str::to_string))
                .launch_template_data(data_of(planned))
                .send()
                .await
                .map_err(err("CreateLaunchTemplateVersion"))?;
            latest = out
                .launch_template_version()
                .and_then(|v| v.version_number());
        }
        let default = if val::bool_attr(planned, "update_default_version") == Some(true) {
            latest
        } else if TABLE.changed(prior, planned, "default_version") {
            val::num_attr(planned, "default_version")
        } else {
            None
        };
        if let Some(v) = default {
            ec2.modify_launch_template()
                .launch_template_id(id)
                .default_version(v.to_string())
                .send()
                .await
                .map_err(err("ModifyLaunchTemplate"))?;
        }
        Ok(None)
    }

    async fn delete(&self, c: &Clients, prior: &Value, _t: Timeout) -> Result<(), AwsError> {
        let out = c
            .ec2
            .get()
            .await
            .delete_launch_template()
            .launch_template_id(val::str_attr(prior, "id").unwrap_or_default())
            .send()
            .await
            .map_err(err("DeleteLaunchTemplate"));
        match out {
            Err(e)
                if !e.is_not_found()
                    && e.code() != Some("InvalidLaunchTemplateName.NotFoundException") =>
            {
                Err(e)
            }
            _ => Ok(()),
        }
    }
}
