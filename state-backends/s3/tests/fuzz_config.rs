//! Fuzzing the `backend "s3"` settings decoder: random argument names (the real ones,
//! misspellings and anything) with random values of every JSON type. Never a panic; a
//! configuration that decodes yields object keys for any workspace name.
//!
//! `PROPTEST_CASES` raises the case count (scripts/reliability runs it long).

use std::collections::BTreeMap;

use proptest::prelude::*;
use serde_json::{json, Value};
use terrane_backend_s3::S3Config;

const NAMES: &[&str] = &[
    "bucket",
    "key",
    "region",
    "workspace_key_prefix",
    "dynamodb_table",
    "use_lockfile",
    "encrypt",
    "kms_key_id",
    "acl",
    "profile",
    "endpoints",
    "use_path_style",
    "assume_role",
    "max_retries",
    "endpoint",
    "force_path_style",
    "role_arn",
    "sse_customer_key",
    "bucket_name",
];

fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        Just(json!(1.5)),
        "\\PC{0,16}".prop_map(Value::String),
        prop_oneof![
            Just("state/terraform.tfstate"),
            Just("/leading"),
            Just("trailing/"),
            Just("a//b"),
            Just("env:"),
            Just("true"),
            Just("12"),
        ]
        .prop_map(|s| Value::String(s.into())),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("role_arn".to_string()),
                    Just("s3".to_string()),
                    Just("dynamodb".to_string()),
                    "[a-z_]{1,8}",
                ],
                inner,
                0..3
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(NAMES).prop_map(str::to_string),
        1 => "[a-z_]{1,10}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn s3_settings_never_panic(settings in prop::collection::btree_map(name(), value(), 0..8)) {
        let settings: BTreeMap<String, Value> = settings;
        if let Ok(c) = S3Config::from_settings(&settings) {
            for ws in ["default", "prod", "a/b", ""] {
                let _ = c.state_key(ws);
                let _ = c.lockfile_key(ws);
                let _ = c.lock_id(ws);
            }
        }
    }
}
