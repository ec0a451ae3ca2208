//! IAM resources (roles, policies, attachments, inline role policies, instance profiles), the
//! `aws_iam_policy_document` data source, and the policy-document helpers they share: IAM
//! policies are JSON strings compared by meaning, not by spelling.

pub mod attachment;
pub mod document;
pub mod instance_profile;
pub mod policy;
pub mod role;
pub mod role_policy;

use std::collections::BTreeMap;

use terrane_engine::lang::Value;

use crate::resource::AwsResource;
use crate::val;

pub fn resources() -> Vec<Box<dyn AwsResource>> {
    vec![
        Box::new(role::Role),
        Box::new(policy::Policy),
        Box::new(attachment::RolePolicyAttachment),
        Box::new(role_policy::RolePolicy),
        Box::new(instance_profile::InstanceProfileRes),
    ]
}

/// A policy document in a canonical form: object keys sorted, arrays treated as sets
/// (sorted, duplicates removed), one-element arrays as their element, so that
/// `"Action": "s3:GetObject"` and `"Action": ["s3:GetObject"]` are the same policy.
/// `None` when the text is not JSON.
pub fn canonical(doc: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(doc).ok()?;
    Some(canon(v).to_string())
}

fn canon(v: serde_json::Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        J::Object(m) => {
            let sorted: BTreeMap<String, J> = m.into_iter().map(|(k, v)| (k, canon(v))).collect();
            J::Object(sorted.into_iter().collect())
        }
        J::Array(items) => {
            let mut items: Vec<(String, J)> = items
                .into_iter()
                .map(canon)
                .map(|v| (v.to_string(), v))
                .collect();
            items.sort_by(|a, b| a.0.cmp(&b.0));
            items.dedup_by(|a, b| a.0 == b.0);
            if items.len() == 1 {
                items.pop().map(|(_, v)| v).unwrap_or(J::Null)
            } else {
                J::Array(items.into_iter().map(|(_, v)| v).collect())
            }
        }
        other => other,
    }
}

/// Two policy documents mean the same (texts that are not JSON compare as text).
pub fn equivalent(a: &str, b: &str) -> bool {
    match (canonical(a), canonical(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// IAM returns policy documents URL-encoded (RFC 3986; `+` is never used for a space by
/// IAM, but Go's QueryUnescape, which Terraform uses, reads it as one).
pub fn decode_document(s: &str) -> String {
    if s.trim_start().starts_with('{') {
        return s.to_string();
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(x) => {
                        out.push(x);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Checks that a policy attribute, when known, is JSON.
pub fn check_json(v: &Value, attr: &str, diags: &mut terrane_engine::diag::Diagnostics) {
    if let Some(s) = val::str_attr(v, attr) {
        if let Err(e) = serde_json::from_str::<serde_json::Value>(s) {
            crate::resource::invalid(diags, attr, format!("{attr} contains an invalid JSON: {e}"));
        }
    }
}

/// The planned `tags_all` as IAM tags (None when empty).
pub fn tags_of(planned: &Value) -> Option<Vec<aws_sdk_iam::types::Tag>> {
    let m = val::string_map(planned, "tags_all");
    (!m.is_empty()).then(|| iam_tags(&m))
}

/// Tags in IAM's form.
pub fn iam_tags(tags: &std::collections::BTreeMap<String, String>) -> Vec<aws_sdk_iam::types::Tag> {
    tags.iter()
        .filter_map(|(k, v)| {
            aws_sdk_iam::types::Tag::builder()
                .key(k)
                .value(v)
                .build()
                .ok()
        })
        .collect()
}

/// The [`crate::resource::TagCalls`] of an IAM type: IAM has a tag and an untag call per
/// type, each naming the object by one parameter (the object's `id`):
/// `iam_tag_calls!(tag_role, untag_role, role_name, "TagRole", "UntagRole")`.
macro_rules! iam_tag_calls {
    ($tag:ident, $untag:ident, $param:ident, $tag_op:literal, $untag_op:literal) => {
        $crate::resource::TagCalls {
            tag: |c, prior, tags| {
                Box::pin(async move {
                    c.iam
                        .get()
                        .await
                        .$tag()
                        .$param($crate::val::str_attr(prior, "id").unwrap_or_default())
                        .set_tags(Some($crate::iam::iam_tags(&tags)))
                        .send()
                        .await
                        .map_err($crate::error::err($tag_op))?;
                    Ok(())
                })
            },
            untag: |c, prior, keys| {
                Box::pin(async move {
                    c.iam
                        .get()
                        .await
                        .$untag()
                        .$param($crate::val::str_attr(prior, "id").unwrap_or_default())
                        .set_tag_keys(Some(keys))
                        .send()
                        .await
                        .map_err($crate::error::err($untag_op))?;
                    Ok(())
                })
            },
        }
    };
}
pub(crate) use iam_tag_calls;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equivalence() {
        let a = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":"*"}]}"#;
        let b = r#"{
  "Statement": {"Resource": ["*"], "Action": "s3:GetObject", "Effect": "Allow"},
  "Version": "2012-10-17"
}"#;
        assert!(equivalent(a, b));
        assert!(!equivalent(a, &a.replace("GetObject", "PutObject")));
        assert!(equivalent(r#"{"A":["x","y"]}"#, r#"{"A":["y","x","x"]}"#));
    }

    #[test]
    fn decoding() {
        assert_eq!(decode_document("%7B%22a%22%3A1%7D"), r#"{"a":1}"#);
        assert_eq!(decode_document(r#"{"a":"b+c"}"#), r#"{"a":"b+c"}"#);
        assert_eq!(
            decode_document("%7B%22a%22%3A%22b+c%22%7D"),
            r#"{"a":"b c"}"#
        );
    }
}
