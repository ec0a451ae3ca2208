//! `data "aws_iam_policy_document"`: renders `statement` blocks as policy JSON locally,
//! laid out as Terraform does (Version, Id, Statement; in each statement Sid, Effect,
//! Action, NotAction, Resource, NotResource, Principal, NotPrincipal, Condition; lists of
//! one element as a plain string; two-space indentation). No API call.

use std::collections::BTreeMap;

use async_trait::async_trait;
use serde_json::{json, Map, Value as J};
use terrane_engine::lang::Value;
use terrane_engine::provider::{BlockSchema, Nesting};

use crate::clients::Clients;
use crate::data::AwsDataSource;
use crate::ec2::route::crc32;
use crate::error::AwsError;
use crate::schema::*;
use crate::val::{self, Obj};

pub struct PolicyDocument;

fn principal_block() -> S {
    S::new()
        .attr("type", req(STR))
        .attr("identifiers", req(set_of(STR)))
}

/// A string list as Terraform writes it: one element as a string, more as a list sorted
/// in descending order.
fn one_or_many(mut items: Vec<String>) -> J {
    items.sort_by(|a, b| b.cmp(a));
    items.dedup();
    if items.len() == 1 {
        J::String(items.remove(0))
    } else {
        J::Array(items.into_iter().map(J::String).collect())
    }
}

fn blocks<'a>(v: &'a Value, name: &str) -> &'a [Value] {
    v.get_attr(name).and_then(Value::as_seq).unwrap_or_default()
}

fn principals(ps: &[Value]) -> Option<J> {
    if ps.is_empty() {
        return None;
    }
    let mut by_type: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for p in ps {
        by_type
            .entry(val::str_attr(p, "type").unwrap_or_default().to_string())
            .or_default()
            .extend(val::strings(p, "identifiers"));
    }
    // One block of type "AWS" or "*" with identifiers ["*"] is everyone, written "*" (as
    // IAM normalises it).
    if let [p] = ps {
        let t = val::str_attr(p, "type").unwrap_or_default();
        if (t == "AWS" || t == "*") && val::strings(p, "identifiers") == ["*"] {
            return Some(J::String("*".into()));
        }
    }
    Some(J::Object(
        by_type
            .into_iter()
            .map(|(t, ids)| (t, one_or_many(ids)))
            .collect(),
    ))
}

fn statement(s: &Value) -> J {
    let mut m = Map::new();
    if let Some(sid) = val::str_attr(s, "sid") {
        m.insert("Sid".into(), J::String(sid.into()));
    }
    m.insert(
        "Effect".into(),
        J::String(val::str_attr(s, "effect").unwrap_or("Allow").into()),
    );
    for (attr, key) in [
        ("actions", "Action"),
        ("not_actions", "NotAction"),
        ("resources", "Resource"),
        ("not_resources", "NotResource"),
    ] {
        let items = val::strings(s, attr);
        if !items.is_empty() {
            m.insert(key.into(), one_or_many(items));
        }
    }
    if let Some(p) = principals(blocks(s, "principals")) {
        m.insert("Principal".into(), p);
    }
    if let Some(p) = principals(blocks(s, "not_principals")) {
        m.insert("NotPrincipal".into(), p);
    }
    let mut conds: BTreeMap<String, BTreeMap<String, Vec<String>>> = BTreeMap::new();
    for c in blocks(s, "condition") {
        conds
            .entry(val::str_attr(c, "test").unwrap_or_default().to_string())
            .or_default()
            .entry(val::str_attr(c, "variable").unwrap_or_default().to_string())
            .or_default()
            .extend(val::strings(c, "values"));
    }
    if !conds.is_empty() {
        m.insert(
            "Condition".into(),
            J::Object(
                conds
                    .into_iter()
                    .map(|(test, vars)| {
                        let vars = vars
                            .into_iter()
                            .map(|(k, vals)| (k, one_or_many(vals)))
                            .collect();
                        (test, J::Object(vars))
                    })
                    .collect(),
            ),
        );
    }
    J::Object(m)
}

/// The policy document for a data source configuration.
pub fn render(config: &Value) -> J {
    let mut doc = Map::new();
    doc.insert(
        "Version".into(),
        J::String(
            val::str_attr(config, "version")
                .unwrap_or("2012-10-17")
                .into(),
        ),
    );
    if let Some(id) = val::str_attr(config, "policy_id") {
        doc.insert("Id".into(), J::String(id.into()));
    }
    let statements: Vec<J> = blocks(config, "statement").iter().map(statement).collect();
    doc.insert("Statement".into(), json!(statements));
    J::Object(doc)
}

/// Go's JSON encoder (which wrote Terraform's output) escapes `<`, `>` and `&`; they can
/// only occur inside strings, so a textual replacement is exact.
fn go_escape(s: &str) -> String {
    s.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

#[async_trait]
impl AwsDataSource for PolicyDocument {
    fn type_name(&self) -> &'static str {
        "aws_iam_policy_document"
    }
    fn regional(&self) -> bool {
        false
    }

    fn schema(&self) -> BlockSchema {
        let condition = S::new()
            .attr("test", req(STR))
            .attr("variable", req(STR))
            .attr("values", req(list_of(STR)));
        let statement = S::new()
            .attr("sid", opt(STR))
            .attr("effect", opt(STR))
            .attr("actions", opt(set_of(STR)))
            .attr("not_actions", opt(set_of(STR)))
            .attr("resources", opt(set_of(STR)))
            .attr("not_resources", opt(set_of(STR)))
            .block("principals", Nesting::Set, principal_block())
            .block("not_principals", Nesting::Set, principal_block())
            .block("condition", Nesting::Set, condition);
        S::new()
            .attr("id", comp(STR))
            .attr("json", comp(STR))
            .attr("minified_json", comp(STR))
            .attr("policy_id", opt(STR))
            .attr("version", opt(STR))
            .block("statement", Nesting::List, statement)
            .build()
    }

    async fn read(&self, _c: &Clients, config: &Value) -> Result<Value, AwsError> {
        let doc = render(config);
        let pretty = go_escape(
            &serde_json::to_string_pretty(&doc)
                .map_err(|e| AwsError::Invalid(format!("rendering the policy: {e}")))?,
        );
        let mut o = Obj::from(config);
        o.set("id", Value::string(crc32(pretty.as_bytes()).to_string()))
            .set("minified_json", Value::string(go_escape(&doc.to_string())))
            .set("json", Value::string(pretty));
        Ok(o.done())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(pairs: Vec<(&str, Value)>) -> Value {
        Value::object(pairs)
    }

    #[test]
    fn renders_like_terraform() {
        let st = obj(vec![
            ("sid", Value::string("Read")),
            ("effect", Value::Null),
            ("actions", val::str_set(["s3:GetObject"])),
            ("not_actions", Value::Null),
            (
                "resources",
                val::str_set(["arn:aws:s3:::b/*", "arn:aws:s3:::a/*"]),
            ),
            ("not_resources", Value::Null),
            (
                "principals",
                Value::set(vec![obj(vec![
                    ("type", Value::string("Service")),
                    ("identifiers", val::str_set(["ecs-tasks.amazonaws.com"])),
                ])]),
            ),
            ("not_principals", Value::set(vec![])),
            (
                "condition",
                Value::set(vec![obj(vec![
                    ("test", Value::string("StringEquals")),
                    ("variable", Value::string("aws:SourceAccount")),
                    ("values", val::str_list(["a&b"])),
                ])]),
            ),
        ]);
        let cfg = obj(vec![
            ("policy_id", Value::Null),
            ("version", Value::Null),
            ("statement", Value::List(vec![st])),
        ]);
        let got = go_escape(&serde_json::to_string_pretty(&render(&cfg)).unwrap());
        let want = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "Read",
      "Effect": "Allow",
      "Action": "s3:GetObject",
      "Resource": [
        "arn:aws:s3:::b/*",
        "arn:aws:s3:::a/*"
      ],
      "Principal": {
        "Service": "ecs-tasks.amazonaws.com"
      },
      "Condition": {
        "StringEquals": {
          "aws:SourceAccount": "a\u0026b"
        }
      }
    }
  ]
}"#;
        assert_eq!(got, want);
    }

    #[test]
    fn everyone_and_many_identifiers() {
        let p = |t: &str, ids: &[&str]| {
            obj(vec![
                ("type", Value::string(t)),
                ("identifiers", val::str_set(ids.iter().copied())),
            ])
        };
        assert_eq!(principals(&[p("AWS", &["*"])]), Some(J::String("*".into())));
        assert_eq!(
            principals(&[p("AWS", &["arn:a", "arn:b"]), p("Service", &["s"])]),
            Some(json!({"AWS": ["arn:b", "arn:a"], "Service": "s"}))
        );
        assert_eq!(principals(&[]), None);
    }
}
