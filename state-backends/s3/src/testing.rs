//! Test helpers for code that runs against an S3-compatible emulator (moto): a fresh bucket
//! and lock table per test, created as an operator would before `terrane init`, and raw
//! access to the objects and items a backend writes. Kept in the library, like the engine's
//! conformance suite, so the backend's tests and the CLI's end-to-end tests share them.
//! The SDK is configured from the environment (`AWS_ENDPOINT_URL`, ...), which the caller
//! sets first.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType,
};
use aws_sdk_s3::primitives::ByteStream;

use crate::lock::LOCK_ID;

/// A bucket and a Terraform-style lock table (partition key `LockID`, a string) of one test.
#[derive(Debug)]
pub struct Fixture {
    pub bucket: String,
    pub table: String,
    pub s3: aws_sdk_s3::Client,
    pub ddb: aws_sdk_dynamodb::Client,
}

impl Fixture {
    /// Creates a bucket and table whose names start with `name` and are unique in this
    /// process (tests share one emulator and run in parallel).
    ///
    /// # Panics
    /// If either cannot be created: the test cannot go on.
    pub async fn new(name: &str) -> Fixture {
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::SeqCst);
        let bucket = format!("{name}-{}-{n}", std::process::id());
        let table = format!("{name}-locks-{n}");
        let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .load()
            .await;
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&sdk)
                .force_path_style(true)
                .build(),
        );
        let ddb = aws_sdk_dynamodb::Client::new(&sdk);
        s3.create_bucket()
            .bucket(&bucket)
            .send()
            .await
            .unwrap_or_else(|e| panic!("create bucket {bucket}: {e:?}"));
        let attr = AttributeDefinition::builder()
            .attribute_name(LOCK_ID)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .expect("complete attribute definition");
        let key = KeySchemaElement::builder()
            .attribute_name(LOCK_ID)
            .key_type(KeyType::Hash)
            .build()
            .expect("complete key schema");
        ddb.create_table()
            .table_name(&table)
            .attribute_definitions(attr)
            .key_schema(key)
            .billing_mode(BillingMode::PayPerRequest)
            .send()
            .await
            .unwrap_or_else(|e| panic!("create table {table}: {e:?}"));
        Fixture {
            bucket,
            table,
            s3,
            ddb,
        }
    }

    /// Writes an object unconditionally, as another tool would.
    ///
    /// # Panics
    /// On any SDK error.
    pub async fn put(&self, key: &str, body: &[u8]) {
        self.s3
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .body(ByteStream::from(body.to_vec()))
            .send()
            .await
            .expect("put object");
    }

    /// An object's bytes, `None` when it does not exist.
    pub async fn get(&self, key: &str) -> Option<Vec<u8>> {
        let out = self
            .s3
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .ok()?;
        Some(out.body.collect().await.ok()?.into_bytes().to_vec())
    }

    /// The string attributes of the table's item with this `LockID`.
    ///
    /// # Panics
    /// On any SDK error.
    pub async fn item(&self, id: &str) -> Option<BTreeMap<String, String>> {
        let out = self
            .ddb
            .get_item()
            .table_name(&self.table)
            .key(LOCK_ID, AttributeValue::S(id.into()))
            .consistent_read(true)
            .send()
            .await
            .expect("get item");
        out.item.map(|i| {
            i.into_iter()
                .filter_map(|(k, v)| v.as_s().ok().map(|s| (k, s.clone())))
                .collect()
        })
    }

    /// Writes an item of string attributes unconditionally, as another tool would.
    ///
    /// # Panics
    /// On any SDK error.
    pub async fn put_item(&self, fields: &[(&str, &str)]) {
        let mut put = self.ddb.put_item().table_name(&self.table);
        for (k, v) in fields {
            put = put.item(*k, AttributeValue::S((*v).into()));
        }
        put.send().await.expect("put item");
    }
}

/// The lowercase hex MD5 of `bytes`, as the digest item holds it.
pub fn md5_hex(bytes: &[u8]) -> String {
    crate::md5_hex(bytes)
}
