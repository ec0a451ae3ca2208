//! The `aws_lb` (and `aws_alb`) data source: one load balancer by ARN or name, optionally
//! narrowed by tags. Its attributes are the resource's, read by the resource's own read,
//! so the two cannot drift apart.

use std::collections::BTreeMap;

use async_trait::async_trait;
use terrane_engine::lang::types::ObjectAttr;
use terrane_engine::lang::{Type, Value};
use terrane_engine::provider::{AttributeSchema, BlockSchema, Nesting};

use super::lb::LoadBalancer;
use crate::clients::Clients;
use crate::data::AwsDataSource;
use crate::error::AwsError;
use crate::resource::AwsResource;
use crate::schema::*;
use crate::val::{self, Obj};

pub struct LbData(pub &'static str);

/// The arguments a data source configuration may set; everything else is computed.
const ARGS: &[&str] = &["arn", "name", "tags"];

#[async_trait]
impl AwsDataSource for LbData {
    fn type_name(&self) -> &'static str {
        self.0
    }

    fn schema(&self) -> BlockSchema {
        let res = LoadBalancer(self.0).schema();
        let mut s = BlockSchema::default();
        for (name, a) in res.attributes {
            if name == "name_prefix" {
                continue;
            }
            let ty = a.ty;
            s.attributes.insert(
                name.clone(),
                if ARGS.contains(&name.as_str()) {
                    opt_comp(ty)
                } else {
                    comp(ty)
                },
            );
        }
        // Nested blocks of the resource are computed list-of-object attributes here.
        for (name, nb) in res.blocks {
            let fields = nb
                .block
                .attributes
                .into_iter()
                .map(|(k, a): (String, AttributeSchema)| {
                    (
                        k,
                        ObjectAttr {
                            ty: a.ty,
                            optional: false,
                            default: None,
                        },
                    )
                })
                .collect::<BTreeMap<_, _>>();
            let items = Type::Object(fields);
            let ty = match nb.nesting {
                Nesting::Set => set_of(items),
                _ => list_of(items),
            };
            s.attributes.insert(name, comp(ty));
        }
        s.attributes.insert("id".into(), comp(STR));
        s.attributes.insert("tags".into(), opt_comp(map_of(STR)));
        s
    }

    async fn read(&self, c: &Clients, config: &Value) -> Result<Value, AwsError> {
        let elb = c.elbv2.get().await;
        let found = all_pages!(
            elb.describe_load_balancers()
                .set_load_balancer_arns(val::str_attr(config, "arn").map(|a| vec![a.to_string()]))
                .set_names(val::str_attr(config, "name").map(|n| vec![n.to_string()])),
            "DescribeLoadBalancers"
        )?;
        drop(elb);
        let arns: Vec<String> = found
            .iter()
            .filter_map(|l| l.load_balancer_arn().map(str::to_string))
            .collect();
        let stubs: Vec<Value> = arns
            .iter()
            .map(|a| Value::object([("id", Value::string(a))]))
            .collect();
        let want = val::string_map(config, "tags");
        let matching: Vec<Value> = LoadBalancer(self.0)
            .read(c, &stubs)
            .await?
            .into_iter()
            .flatten()
            .filter(|v| {
                let tags = val::string_map(v, "tags_all");
                want.iter().all(|(k, x)| tags.get(k) == Some(x))
            })
            .collect();
        let [v] = matching.as_slice() else {
            return Err(AwsError::Invalid(format!(
                "no matching ELBv2 load balancer: the query returned {} load balancers, and exactly one is needed",
                matching.len()
            )));
        };
        let mut o = Obj::from(config);
        for k in self.schema().attributes.keys() {
            if let Some(x) = v.get_attr(k) {
                o.set(k, x.clone());
            }
        }
        o.set("tags", v.get_attr("tags_all").cloned().unwrap_or_default());
        Ok(o.done())
    }
}
