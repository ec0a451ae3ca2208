//! Test helpers for code that runs against an S3-compatible emulator (moto): create the
//! bucket and lock table a backend needs, as an operator would before `terrane init`. Kept in
//! the library, like the engine's conformance suite, so the backend's tests and the CLI's
//! end-to-end tests share them.

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
};

use crate::lock::LOCK_ID;

/// SDK clients configured from the environment (`AWS_ENDPOINT_URL`, ...), S3 path-style.
pub async fn clients() -> (aws_sdk_s3::Client, aws_sdk_dynamodb::Client) {
    let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .load()
        .await;
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&sdk)
            .force_path_style(true)
            .build(),
    );
    (s3, aws_sdk_dynamodb::Client::new(&sdk))
}

/// Creates a bucket and a Terraform-style lock table (partition key `LockID`, a string).
///
/// # Errors
/// The SDK's error, as text, if either already exists or cannot be created.
pub async fn create_bucket_and_table(bucket: &str, table: &str) -> Result<(), String> {
    let (s3, ddb) = clients().await;
    s3.create_bucket()
        .bucket(bucket)
        .send()
        .await
        .map_err(|e| format!("create bucket {bucket}: {e:?}"))?;
    let attr = AttributeDefinition::builder()
        .attribute_name(LOCK_ID)
        .attribute_type(ScalarAttributeType::S)
        .build()
        .map_err(|e| e.to_string())?;
    let key = KeySchemaElement::builder()
        .attribute_name(LOCK_ID)
        .key_type(KeyType::Hash)
        .build()
        .map_err(|e| e.to_string())?;
    ddb.create_table()
        .table_name(table)
        .attribute_definitions(attr)
        .key_schema(key)
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .map_err(|e| format!("create table {table}: {e:?}"))?;
    Ok(())
}
