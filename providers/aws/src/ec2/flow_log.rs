//! `aws_flow_log`: IP traffic of a VPC, subnet, network interface or transit gateway
//! logged to CloudWatch Logs, S3 or Firehose. Every argument replaces; only tags update.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_ec2::operation::create_flow_logs::builders::CreateFlowLogsFluentBuilder;
use aws_sdk_ec2::types::{
    DestinationFileFormat, DestinationOptionsRequest, FlowLog, FlowLogsResourceType,
    LogDestinationType, ResourceType, TrafficType, UnsuccessfulItem,
};
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;
use terrane_engine::provider::Nesting;

use super::{id_and_arn, ids, read_table, tags, InAccount};
use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::{
    check_enum, check_exactly_one, invalid, plan_all_blocks, tags_value, unique_name, AwsResource,
    Failed, PlanExtra, Tagging, Timeout,
};
use crate::schema::*;
use crate::table::{Arg, ReadCtx, ResourceTable, Table};
use crate::val;

pub struct FlowLogRes;

type FlowLogTable = Table<InAccount<FlowLog>, CreateFlowLogsFluentBuilder>;

/// The arguments naming what is logged: exactly one is set, and the ID's prefix tells
/// which one a flow log read from AWS has.
const TARGETS: [&str; 6] = [
    "eni_id",
    "regional_nat_gateway_id",
    "subnet_id",
    "transit_gateway_attachment_id",
    "transit_gateway_id",
    "vpc_id",
];

/// The target argument an ID belongs to (`vpc-…` is `vpc_id`).
fn target_of(id: &str) -> Option<&'static str> {
    [
        ("vpc-", "vpc_id"),
        ("tgw-attach-", "transit_gateway_attachment_id"),
        ("tgw-", "transit_gateway_id"),
        ("subnet-", "subnet_id"),
        ("eni-", "eni_id"),
        ("nat-", "regional_nat_gateway_id"),
    ]
    .into_iter()
    .find(|(prefix, _)| id.starts_with(prefix))
    .map(|(_, attr)| attr)
}

/// The logged object's ID when it is of the kind `attr` names, else null.
fn target(f: &FlowLog, attr: &str) -> Value {
    match f.resource_id() {
        Some(id) if target_of(id) == Some(attr) => Value::string(id),
        _ => Value::Null,
    }
}

/// Sets the object to log when this target argument is the one configured.
fn logs(
    b: CreateFlowLogsFluentBuilder,
    v: Arg,
    kind: FlowLogsResourceType,
) -> CreateFlowLogsFluentBuilder {
    match v.str() {
        Some(id) => b.resource_ids(id).resource_type(kind),
        None => b,
    }
}

fn is_transit_gateway(f: &FlowLog) -> bool {
    f.resource_id().is_some_and(|id| id.starts_with("tgw-"))
}

fn destination_options(f: &FlowLog, cx: &ReadCtx) -> Value {
    let Some(o) = f.destination_options() else {
        // Not every EC2 endpoint reports the options it was given (moto drops them):
        // the known ones are kept rather than planned as a replacement.
        return match cx.current.get_attr("destination_options") {
            Some(v @ Value::List(_)) => v.clone(),
            _ => Value::List(Vec::new()),
        };
    };
    let item = BTreeMap::from([
        (
            "file_format".to_string(),
            val::opt_str(o.file_format().map(DestinationFileFormat::as_str)),
        ),
        (
            "hive_compatible_partitions".to_string(),
            Value::Bool(o.hive_compatible_partitions().unwrap_or(false)),
        ),
        (
            "per_hour_partition".to_string(),
            Value::Bool(o.per_hour_partition().unwrap_or(false)),
        ),
    ]);
    Value::List(vec![Value::Object(item)])
}

fn destination_options_request(v: Arg) -> Option<DestinationOptionsRequest> {
    let item = v.value().as_seq()?.first()?;
    Some(
        DestinationOptionsRequest::builder()
            .set_file_format(val::str_attr(item, "file_format").map(DestinationFileFormat::from))
            .set_hive_compatible_partitions(val::bool_attr(item, "hive_compatible_partitions"))
            .set_per_hour_partition(val::bool_attr(item, "per_hour_partition"))
            .build(),
    )
}

static TABLE: LazyLock<FlowLogTable> = LazyLock::new(|| {
    id_and_arn(FlowLogTable::new(|| {
        InAccount::sample(FlowLog::builder().build())
    }))
    .tags_all(|f| tags_value(f.item.tags()))
    .attr("deliver_cross_account_role", opt(STR).force_new())
    .read(|f, _| val::opt_str(f.item.deliver_cross_account_role()))
    .create(|b, v| b.set_deliver_cross_account_role(v.str()))
    .block(
        "destination_options",
        Nesting::List,
        S::new()
            .attr(
                "file_format",
                opt_default(STR, Value::string("plain-text")).force_new(),
            )
            .attr(
                "hive_compatible_partitions",
                opt_default(BOOL, Value::Bool(false)).force_new(),
            )
            .attr(
                "per_hour_partition",
                opt_default(BOOL, Value::Bool(false)).force_new(),
            ),
    )
    .force_new_block()
    .max_items(1)
    .read(|f, cx| destination_options(&f.item, cx))
    .create(|b, v| b.set_destination_options(destination_options_request(v)))
    .attr("eni_id", opt(STR).force_new())
    .read(|f, _| target(&f.item, "eni_id"))
    .create(|b, v| logs(b, v, FlowLogsResourceType::NetworkInterface))
    .attr("iam_role_arn", opt(STR).force_new())
    .read(|f, _| val::opt_str(f.item.deliver_logs_permission_arn()))
    .create(|b, v| b.set_deliver_logs_permission_arn(v.str()))
    .attr("log_destination", opt_comp(STR).force_new())
    .read(|f, _| val::opt_str(f.item.log_destination()))
    // A log group's ARN may end in `:*`, which CreateFlowLogs does not accept.
    .create(|b, v| b.set_log_destination(v.str().map(|d| d.trim_end_matches(":*").to_string())))
    .attr(
        "log_destination_type",
        opt_default(STR, Value::string("cloud-watch-logs")).force_new(),
    )
    .read(|f, _| {
        val::opt_str(
            f.item
                .log_destination_type()
                .map(LogDestinationType::as_str),
        )
    })
    .create(|b, v| {
        b.set_log_destination_type(v.str().map(|t| LogDestinationType::from(t.as_str())))
    })
    .attr("log_format", opt_comp(STR).force_new())
    .read(|f, _| val::opt_str(f.item.log_format()))
    .create(|b, v| b.set_log_format(v.str()))
    .attr(
        "max_aggregation_interval",
        opt_default(NUM, val::num(600)).force_new(),
    )
    .read(|f, _| val::num(f.item.max_aggregation_interval().unwrap_or(600)))
    .create(|b, v| b.set_max_aggregation_interval(v.i32()))
    .attr("regional_nat_gateway_id", opt(STR).force_new())
    .read(|f, _| target(&f.item, "regional_nat_gateway_id"))
    .create(|b, v| logs(b, v, FlowLogsResourceType::RegionalNatGateway))
    .attr("subnet_id", opt(STR).force_new())
    .read(|f, _| target(&f.item, "subnet_id"))
    .create(|b, v| logs(b, v, FlowLogsResourceType::Subnet))
    // Transit gateways log all traffic: AWS takes no traffic type for them.
    .attr("traffic_type", opt(STR).force_new())
    .read(|f, cx| match is_transit_gateway(&f.item) {
        true => cx
            .current
            .get_attr("traffic_type")
            .cloned()
            .unwrap_or_default(),
        false => val::opt_str(f.item.traffic_type().map(TrafficType::as_str)),
    })
    .create(|b, v| b.set_traffic_type(v.str().map(|t| TrafficType::from(t.as_str()))))
    .attr("transit_gateway_attachment_id", opt(STR).force_new())
    .read(|f, _| target(&f.item, "transit_gateway_attachment_id"))
    .create(|b, v| logs(b, v, FlowLogsResourceType::TransitGatewayAttachment))
    .attr("transit_gateway_id", opt(STR).force_new())
    .read(|f, _| target(&f.item, "transit_gateway_id"))
    .create(|b, v| logs(b, v, FlowLogsResourceType::TransitGateway))
    .attr("vpc_id", opt(STR).force_new())
    .read(|f, _| target(&f.item, "vpc_id"))
    .create(|b, v| logs(b, v, FlowLogsResourceType::Vpc))
});

/// The first item CreateFlowLogs or DeleteFlowLogs could not handle, as an error.
fn unsuccessful(op: &str, items: &[UnsuccessfulItem]) -> Result<(), AwsError> {
    let Some(e) = items.first().and_then(UnsuccessfulItem::error) else {
        return Ok(());
    };
    Err(AwsError::Api {
        operation: op.to_string(),
        code: e.code().unwrap_or("Unsuccessful").to_string(),
        message: e.message().unwrap_or_default().to_string(),
    })
}

#[async_trait]
impl AwsResource for FlowLogRes {
    fn type_name(&self) -> &'static str {
        "aws_flow_log"
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*TABLE)
    }

    fn tagging(&self) -> Tagging {
        Tagging::Ec2
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        check_exactly_one(config, &TARGETS, diags);
        check_enum(config, "traffic_type", &["ACCEPT", "REJECT", "ALL"], diags);
        check_enum(
            config,
            "log_destination_type",
            &["cloud-watch-logs", "s3", "kinesis-data-firehose"],
            diags,
        );
        if let Some(n) = val::num_attr(config, "max_aggregation_interval") {
            if n != 60 && n != 600 {
                invalid(
                    diags,
                    "max_aggregation_interval",
                    format!("expected max_aggregation_interval to be one of [60 600], got {n}."),
                );
            }
        }
        for item in val::blocks(config, "destination_options") {
            crate::resource::check_enum_at(
                item,
                "file_format",
                "destination_options.file_format",
                &["plain-text", "parquet"],
                diags,
            );
        }
    }

    /// Defaults inside `destination_options`; and a configuration without the block
    /// keeps the options AWS reports (the defaults it gives an S3 destination).
    fn plan(&self, prior: Option<&Value>, config: &Value, planned: &mut Value) -> PlanExtra {
        plan_all_blocks(&TABLE.schema(), prior, config, planned);
        if val::blocks(config, "destination_options").is_empty() {
            if let Some(kept) = prior.and_then(|p| p.get_attr("destination_options")) {
                val::set_attr(planned, "destination_options", kept.clone());
            }
        }
        PlanExtra::default()
    }

    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let found = describe_filtered!(
            c,
            describe_flow_logs,
            filter,
            "flow-log-id",
            &ids(current),
            "DescribeFlowLogs"
        )?;
        let found = InAccount::all(c, found).await?;
        Ok(read_table(&TABLE, c, current, found, |f| {
            f.item.flow_log_id()
        }))
    }

    async fn create(&self, c: &Clients, planned: &Value, _t: Timeout) -> Result<String, Failed> {
        let ec2 = c.ec2.get().await;
        let mut req = TABLE
            .create_request(ec2.create_flow_logs(), planned)
            .client_token(unique_name("terraform-"))
            .set_tag_specifications(tags::spec(ResourceType::VpcFlowLog, planned).map(|s| vec![s]));
        let transit = ["transit_gateway_id", "transit_gateway_attachment_id"];
        if transit.iter().any(|k| val::str_attr(planned, k).is_some()) {
            req = req.set_traffic_type(None);
        }
        let out = req.send().await.map_err(err("CreateFlowLogs"))?;
        unsuccessful("CreateFlowLogs", out.unsuccessful())?;
        Ok(out
            .flow_log_ids()
            .first()
            .ok_or_else(|| AwsError::Invalid("CreateFlowLogs returned no ID".into()))?
            .clone())
    }

    async fn delete(&self, c: &Clients, prior: &Value, _t: Timeout) -> Result<(), AwsError> {
        let out = c
            .ec2
            .get()
            .await
            .delete_flow_logs()
            .flow_log_ids(val::str_attr(prior, "id").unwrap_or_default())
            .send()
            .await
            .map_err(err("DeleteFlowLogs"));
        match out {
            Ok(out) => match unsuccessful("DeleteFlowLogs", out.unsuccessful()) {
                Err(e) if e.is_not_found() => Ok(()),
                other => other,
            },
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(e),
        }
    }
}
