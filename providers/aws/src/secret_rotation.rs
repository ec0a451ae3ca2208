//! `aws_secretsmanager_secret_rotation`: a secret's rotation by a Lambda function on a
//! schedule. The ID and import ID are the secret's ARN; the secret replaces; the function
//! and the rules change in place with RotateSecret (which creates and updates alike);
//! destroy is CancelRotateSecret. A secret whose rotation is off reads as no rotation.

use std::sync::LazyLock;

use async_trait::async_trait;
use aws_sdk_secretsmanager::operation::describe_secret::DescribeSecretOutput;
use aws_sdk_secretsmanager::operation::rotate_secret::builders::RotateSecretFluentBuilder as Rotate;
use aws_sdk_secretsmanager::types::RotationRulesType;
use terrane_engine::lang::Value;
use terrane_engine::provider::Nesting;

use crate::clients::Clients;
use crate::error::{err, AwsError};
use crate::resource::{plan_all_blocks, AwsResource, Failed, PlanExtra, Timeout};
use crate::schema::*;
use crate::table::{Arg, ResourceTable, Table};
use crate::val;

pub fn resources() -> Vec<Box<dyn AwsResource>> {
    vec![Box::new(RotationRes)]
}

pub struct RotationRes;

type RotationTable = Table<DescribeSecretOutput, Rotate, Rotate>;

fn rules(v: Arg) -> Option<RotationRulesType> {
    let r = v.first()?;
    Some(
        RotationRulesType::builder()
            .set_automatically_after_days(val::num_attr(r, "automatically_after_days"))
            .set_duration(val::str_attr(r, "duration").map(str::to_string))
            .set_schedule_expression(val::str_attr(r, "schedule_expression").map(str::to_string))
            .build(),
    )
}

fn rules_value(s: &DescribeSecretOutput) -> Value {
    let Some(r) = s.rotation_rules() else {
        return Value::List(Vec::new());
    };
    Value::List(vec![Value::object([
        (
            "automatically_after_days",
            r.automatically_after_days()
                .map_or(Value::Null, |n| val::num(n as f64)),
        ),
        ("duration", val::opt_str(r.duration())),
        ("schedule_expression", val::opt_str(r.schedule_expression())),
    ])])
}

static TABLE: LazyLock<RotationTable> = LazyLock::new(|| {
    RotationTable::new(|| Some(DescribeSecretOutput::builder().build()))
        .attr("id", comp(STR))
        .read(|s, _| val::str_or_empty(s.arn()))
        .attr("secret_id", req(STR).force_new())
        .read(|s, cx| {
            // The secret as configured (name or ARN), its ARN on import.
            cx.current
                .get_attr("secret_id")
                .filter(|v| !v.is_null() && !v.is_unknown())
                .cloned()
                .unwrap_or_else(|| val::str_or_empty(s.arn()))
        })
        .create(|b, v| b.set_secret_id(v.str()))
        .attr("rotation_enabled", comp(BOOL))
        .read(|s, _| Value::Bool(s.rotation_enabled().unwrap_or(false)))
        .attr("rotation_lambda_arn", opt(STR))
        .read(|s, _| val::opt_str(s.rotation_lambda_arn().filter(|a| !a.is_empty())))
        .create(|b, v| b.set_rotation_lambda_arn(v.str()))
        .update(|b, v| b.set_rotation_lambda_arn(v.str()))
        // Not held by AWS: a setting of each RotateSecret call.
        .attr("rotate_immediately", opt_default(BOOL, Value::Bool(true)))
        .create(|b, v| b.set_rotate_immediately(v.bool()))
        .update(|b, v| b.set_rotate_immediately(v.bool()))
        .block(
            "rotation_rules",
            Nesting::List,
            S::new()
                .attr("automatically_after_days", opt_comp(NUM))
                .attr("duration", opt(STR))
                .attr("schedule_expression", opt(STR)),
        )
        .min_items(1)
        .max_items(1)
        .read(|s, _| rules_value(s))
        .create(|b, v| b.set_rotation_rules(rules(v)))
        .update(|b, v| b.set_rotation_rules(rules(v)))
});

#[async_trait]
impl AwsResource for RotationRes {
    fn type_name(&self) -> &'static str {
        "aws_secretsmanager_secret_rotation"
    }

    fn table(&self) -> Option<&dyn ResourceTable> {
        Some(&*TABLE)
    }

    fn plan(&self, prior: Option<&Value>, config: &Value, planned: &mut Value) -> PlanExtra {
        plan_all_blocks(&TABLE.schema(), prior, config, planned);
        PlanExtra::default()
    }

    /// One DescribeSecret per rotation, concurrently (Secrets Manager has no batch read).
    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError> {
        let sm = c.secrets.get().await;
        let jobs = current.iter().map(|cur| {
            let sm = &sm;
            async move {
                let Some(id) = val::str_attr(cur, "id") else {
                    return Ok(None);
                };
                let s = match sm.describe_secret().secret_id(id).send().await {
                    Ok(s) => s,
                    Err(e) => {
                        let e = AwsError::sdk("DescribeSecret", e);
                        return if e.is_not_found() { Ok(None) } else { Err(e) };
                    }
                };
                if s.deleted_date().is_some() || s.rotation_enabled() != Some(true) {
                    return Ok(None);
                }
                Ok(Some(TABLE.read_value(&s, cur, &c.region)))
            }
        });
        futures::future::join_all(jobs).await.into_iter().collect()
    }

    async fn create(&self, c: &Clients, planned: &Value, _t: Timeout) -> Result<String, Failed> {
        let out = TABLE
            .create_request(c.secrets.get().await.rotate_secret(), planned)
            .send()
            .await
            .map_err(err("RotateSecret"))?;
        out.arn()
            .map(str::to_string)
            .ok_or_else(|| AwsError::Invalid("RotateSecret returned no ARN".into()).into())
    }

    /// RotateSecret again with every setting (it replaces the rotation's configuration).
    async fn update(
        &self,
        c: &Clients,
        prior: &Value,
        planned: &Value,
        _t: Timeout,
    ) -> Result<Option<String>, AwsError> {
        let sm = c.secrets.get().await;
        let id = val::str_attr(prior, "id").unwrap_or_default();
        if TABLE
            .update_requests(prior, planned, || sm.rotate_secret())
            .is_empty()
        {
            return Ok(None);
        }
        let nothing = Value::Object(Default::default());
        for req in TABLE.update_requests(&nothing, planned, || sm.rotate_secret().secret_id(id)) {
            req.send().await.map_err(err("RotateSecret"))?;
        }
        Ok(None)
    }

    async fn delete(&self, c: &Clients, prior: &Value, _t: Timeout) -> Result<(), AwsError> {
        let out = c
            .secrets
            .get()
            .await
            .cancel_rotate_secret()
            .secret_id(val::str_attr(prior, "id").unwrap_or_default())
            .send()
            .await
            .map_err(err("CancelRotateSecret"));
        match out {
            Err(e) if !e.is_not_found() => Err(e),
            _ => Ok(()),
        }
    }
}
