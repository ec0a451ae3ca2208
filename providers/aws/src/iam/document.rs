//! `data "aws_iam_policy_document"`: renders `statement` blocks as policy JSON locally,
//! laid out as Terraform does (Version, Id, Statement; in each statement Sid, Effect,
//! Action, NotAction, Resource, NotResource, Principal, NotPrincipal, Condition; lists of
//! one element as a plain string; two-space indentation). No API call.
//!
//! `source_policy_documents` and `override_policy_documents` are merged as the provider
//! does: the source documents first (their Sids must be unique), then this document's
//! statements, then each override document; a statement with the Sid of an earlier one
//! takes its place, one without a Sid is appended.

use std::collections::BTreeMap;

use async_trait::async_trait;
use serde_json::{Map, Value as J};
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

/// The statement keys in the order Go's encoder writes the provider's statement struct.
const STATEMENT_KEYS: [&str; 9] = [
    "Sid",
    "Effect",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Principal",
    "NotPrincipal",
    "Condition",
];

/// A policy document as the provider holds it while merging.
#[derive(Default)]
struct Doc {
    version: String,
    id: Option<String>,
    statements: Vec<J>,
}

impl Doc {
    /// A document given as JSON (a source or override document), its statements in the
    /// key order the provider writes.
    fn parse(json: &str, attr: &str, index: usize) -> Result<Doc, AwsError> {
        let bad = |why: String| {
            AwsError::Invalid(format!(
                "{attr} (item {index}): not a policy document: {why}"
            ))
        };
        let v: J = serde_json::from_str(json).map_err(|e| bad(e.to_string()))?;
        let J::Object(m) = v else {
            return Err(bad("not a JSON object".into()));
        };
        let statements = match m.get("Statement") {
            None | Some(J::Null) => Vec::new(),
            Some(J::Array(a)) => a.clone(),
            Some(one @ J::Object(_)) => vec![one.clone()],
            Some(_) => return Err(bad("Statement is neither an object nor a list".into())),
        };
        Ok(Doc {
            version: m
                .get("Version")
                .and_then(J::as_str)
                .unwrap_or("")
                .to_string(),
            id: m.get("Id").and_then(J::as_str).map(str::to_string),
            statements: statements.iter().map(reorder).collect(),
        })
    }

    /// The provider's `IAMPolicyDoc.Merge`: `other`'s Id wins, the later Version wins,
    /// statements replace those of the same Sid or are appended.
    fn merge(&mut self, other: Doc) {
        if other.id.as_deref().is_some_and(|i| !i.is_empty()) {
            self.id = other.id;
        }
        if other.version > self.version {
            self.version = other.version;
        }
        for st in other.statements {
            let sid = sid(&st);
            match self
                .statements
                .iter_mut()
                .find(|s| sid.is_some() && self::sid(s) == sid)
            {
                Some(existing) => *existing = st,
                None => self.statements.push(st),
            }
        }
    }

    fn to_json(&self) -> J {
        let mut doc = Map::new();
        doc.insert("Version".into(), J::String(self.version.clone()));
        if let Some(id) = &self.id {
            doc.insert("Id".into(), J::String(id.clone()));
        }
        doc.insert("Statement".into(), J::Array(self.statements.clone()));
        J::Object(doc)
    }
}

fn sid(statement: &J) -> Option<&str> {
    statement
        .get("Sid")
        .and_then(J::as_str)
        .filter(|s| !s.is_empty())
}

/// A statement from a JSON document as the provider writes it back: keys in its order,
/// the maps in Principal and Condition sorted by key (Go writes maps so), and principal
/// identifier lists as for statements of the configuration ([`one_or_many`]).
fn reorder(statement: &J) -> J {
    let J::Object(m) = statement else {
        return statement.clone();
    };
    let mut out = Map::new();
    for key in STATEMENT_KEYS {
        let Some(v) = m.get(key) else { continue };
        let v = match key {
            "Principal" | "NotPrincipal" => match sorted_deep(v) {
                J::Object(ps) => J::Object(
                    ps.into_iter()
                        .map(|(t, ids)| match ids {
                            J::Array(a) => (
                                t,
                                one_or_many(
                                    a.iter().filter_map(J::as_str).map(str::to_string).collect(),
                                ),
                            ),
                            other => (t, other),
                        })
                        .collect(),
                ),
                other => other,
            },
            "Condition" => sorted_deep(v),
            _ => v.clone(),
        };
        out.insert(key.into(), v);
    }
    J::Object(out)
}

/// `v` with the keys of every object in it sorted.
fn sorted_deep(v: &J) -> J {
    match v {
        J::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            J::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), sorted_deep(&m[k])))
                    .collect(),
            )
        }
        other => other.clone(),
    }
}

/// The policy document for a data source configuration.
///
/// # Errors
/// A source or override document that is not a policy document, or Sids repeated across
/// the source documents.
pub fn render(config: &Value) -> Result<J, AwsError> {
    let mut merged = Doc::default();
    let mut sids: Vec<String> = Vec::new();
    for (i, json) in val::strings(config, "source_policy_documents")
        .iter()
        .enumerate()
    {
        let doc = Doc::parse(json, "source_policy_documents", i)?;
        for (pos, st) in doc.statements.iter().enumerate() {
            if let Some(sid) = sid(st) {
                if sids.iter().any(|s| s == sid) {
                    return Err(AwsError::Invalid(format!("duplicate Sid ({sid}) in source_policy_documents (item {i}; position {pos}). Remove the Sid or ensure Sids are unique.")));
                }
                sids.push(sid.to_string());
            }
        }
        merged.merge(doc);
    }
    merged.merge(Doc {
        version: val::str_attr(config, "version")
            .unwrap_or("2012-10-17")
            .to_string(),
        id: val::str_attr(config, "policy_id").map(str::to_string),
        statements: blocks(config, "statement").iter().map(statement).collect(),
    });
    for (i, json) in val::strings(config, "override_policy_documents")
        .iter()
        .enumerate()
    {
        merged.merge(Doc::parse(json, "override_policy_documents", i)?);
    }
    Ok(merged.to_json())
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
            .attr("override_policy_documents", opt(list_of(STR)))
            .attr("policy_id", opt(STR))
            .attr("source_policy_documents", opt(list_of(STR)))
            .attr("version", opt(STR))
            .block("statement", Nesting::List, statement)
            .build()
    }

    async fn read(&self, _c: &Clients, config: &Value) -> Result<Value, AwsError> {
        let doc = render(config)?;
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
    use serde_json::json;

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
        let got = go_escape(&serde_json::to_string_pretty(&render(&cfg).unwrap()).unwrap());
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

    fn merging(source: &[&str], statement: Vec<Value>, over: &[&str]) -> Value {
        obj(vec![
            ("policy_id", Value::Null),
            ("version", Value::Null),
            (
                "source_policy_documents",
                val::str_list(source.iter().copied()),
            ),
            (
                "override_policy_documents",
                val::str_list(over.iter().copied()),
            ),
            ("statement", Value::List(statement)),
        ])
    }

    #[test]
    fn source_then_statements_then_overrides_by_sid() {
        let source = r#"{"Version": "2012-10-17", "Statement": [
            {"Resource": "*", "Action": "s3:*", "Effect": "Allow", "Sid": "Shared"},
            {"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*",
             "Principal": {"AWS": ["arn:a", "arn:b"]},
             "Condition": {"StringLike": {"b:x": "1", "a:y": ["2", "1"]}}}]}"#;
        let own = obj(vec![
            ("sid", Value::string("Own")),
            ("effect", Value::Null),
            ("actions", val::str_set(["logs:PutLogEvents"])),
            ("resources", val::str_set(["*"])),
        ]);
        let over = r#"{"Id": "over", "Statement": {"Sid": "Shared", "Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}}"#;
        let got = render(&merging(&[source], vec![own], &[over])).unwrap();
        assert_eq!(
            got,
            json!({
                "Version": "2012-10-17",
                "Id": "over",
                "Statement": [
                    {"Sid": "Shared", "Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"},
                    {"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*",
                     "Principal": {"AWS": ["arn:b", "arn:a"]},
                     "Condition": {"StringLike": {"a:y": ["2", "1"], "b:x": "1"}}},
                    {"Sid": "Own", "Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*"}
                ]
            })
        );
        // The keys are written in the provider's order, not the source's.
        let keys: Vec<&String> = got["Statement"][1].as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            ["Effect", "Action", "Resource", "Principal", "Condition"]
        );
    }

    #[test]
    fn repeated_source_sids_and_bad_json_are_errors() {
        let doc =
            r#"{"Statement": [{"Sid": "S", "Effect": "Allow", "Action": "a", "Resource": "*"}]}"#;
        let err = render(&merging(&[doc, doc], vec![], &[])).unwrap_err();
        assert!(
            err.to_string()
                .contains("duplicate Sid (S) in source_policy_documents (item 1; position 0)"),
            "{err}"
        );
        let err = render(&merging(&[], vec![], &["{not json"])).unwrap_err();
        assert!(
            err.to_string()
                .contains("override_policy_documents (item 0): not a policy document"),
            "{err}"
        );
    }
}
