//! Building the SDK clients from an [`S3Config`], and turning SDK errors into
//! [`BackendError`]s a user can act on.

use std::error::Error as StdError;

use aws_config::meta::region::RegionProviderChain;
use aws_config::sts::AssumeRoleProvider;
use aws_config::BehaviorVersion;
use aws_sdk_s3::config::{Credentials, Region, SharedCredentialsProvider};
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use terrane_engine::state::BackendError;

use crate::config::S3Config;

/// The two clients a backend uses.
#[derive(Debug, Clone)]
pub(crate) struct Clients {
    pub s3: aws_sdk_s3::Client,
    pub ddb: aws_sdk_dynamodb::Client,
}

pub(crate) async fn clients(cfg: &S3Config) -> Result<Clients, BackendError> {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(region) = &cfg.region {
        loader = loader.region(RegionProviderChain::first_try(Region::new(region.clone())));
    }
    if let Some(profile) = &cfg.profile {
        loader = loader.profile_name(profile);
    }
    match (&cfg.access_key, &cfg.secret_key) {
        (Some(a), Some(s)) => {
            loader = loader.credentials_provider(Credentials::new(
                a,
                s,
                cfg.token.clone(),
                None,
                "s3 backend configuration",
            ));
        }
        (None, None) => {}
        _ => {
            return Err(BackendError::Other(
                "the s3 backend needs both access_key and secret_key, or neither (to use the \
                 usual AWS credential chain)"
                    .into(),
            ))
        }
    }
    if let Some(n) = cfg.max_retries {
        loader = loader.retry_config(
            aws_config::retry::RetryConfig::standard().with_max_attempts(n.saturating_add(1)),
        );
    }
    let mut sdk = loader.load().await;
    if sdk.region().is_none() {
        return Err(BackendError::Other(
            "the s3 backend has no region: set region in the backend block, pass \
             -backend-config=region=REGION to terrane init, or set AWS_REGION"
                .into(),
        ));
    }
    if let Some(ar) = &cfg.assume_role {
        let mut b = AssumeRoleProvider::builder(ar.role_arn.clone()).configure(&sdk);
        if let Some(n) = &ar.session_name {
            b = b.session_name(n);
        }
        if let Some(id) = &ar.external_id {
            b = b.external_id(id);
        }
        let provider = b.build().await;
        sdk = sdk
            .into_builder()
            .credentials_provider(SharedCredentialsProvider::new(provider))
            .build();
    }
    let mut s3 = aws_sdk_s3::config::Builder::from(&sdk).force_path_style(cfg.use_path_style);
    if let Some(url) = &cfg.endpoint_s3 {
        s3 = s3.endpoint_url(url);
    }
    let mut ddb = aws_sdk_dynamodb::config::Builder::from(&sdk);
    if let Some(url) = &cfg.endpoint_dynamodb {
        ddb = ddb.endpoint_url(url);
    }
    Ok(Clients {
        s3: aws_sdk_s3::Client::from_conf(s3.build()),
        ddb: aws_sdk_dynamodb::Client::from_conf(ddb.build()),
    })
}

/// The raw response type both clients share.
type Raw = aws_sdk_s3::config::http::HttpResponse;

/// The HTTP status of a service error, if the request got an answer.
pub(crate) fn status<E>(err: &SdkError<E, Raw>) -> Option<u16> {
    err.raw_response().map(|r| r.status().as_u16())
}

/// The AWS error code (`NoSuchBucket`, `ConditionalCheckFailedException`, ...).
pub(crate) fn code<E: ProvideErrorMetadata>(err: &SdkError<E, Raw>) -> Option<&str> {
    match err {
        SdkError::ServiceError(e) => e.err().code(),
        _ => None,
    }
}

/// Whether an S3 conditional request lost: 412 Precondition Failed, or 409 when another
/// conditional write to the same key was in flight.
pub(crate) fn precondition_failed<E>(err: &SdkError<E, Raw>) -> bool {
    matches!(status(err), Some(412 | 409))
}

/// Describes a failed S3 call on `what` (`s3://bucket/key`), with the fix for the usual
/// causes.
pub(crate) fn s3_error<E>(
    cfg: &S3Config,
    action: &str,
    what: &str,
    err: &SdkError<E, Raw>,
) -> BackendError
where
    E: ProvideErrorMetadata + StdError + 'static,
{
    let bucket = &cfg.bucket;
    let code = code(err).unwrap_or_default();
    let msg = if code == "NoSuchBucket" || (action == "check" && status(err) == Some(404)) {
        format!(
            "the S3 bucket {bucket:?} does not exist (or is not visible to these credentials). \
             Create it, with versioning so that every state snapshot is kept:\n  aws s3api \
             create-bucket --bucket {bucket}\n  aws s3api put-bucket-versioning --bucket \
             {bucket} --versioning-configuration Status=Enabled\nor correct \"bucket\" in the \
             backend configuration"
        )
    } else if code == "AccessDenied" || status(err) == Some(403) {
        format!(
            "access denied while trying to {action} {what}: check which AWS credentials are in \
             use (AWS_PROFILE, the backend's profile, assume_role) and that their policy allows \
             s3:ListBucket on arn:aws:s3:::{bucket} and s3:GetObject, s3:PutObject and \
             s3:DeleteObject on the state objects"
        )
    } else {
        format!("failed to {action} {what}: {}", DisplayErrorContext(err))
    };
    BackendError::Other(msg)
}

/// Describes a failed DynamoDB call on `table`, with the fix for the usual causes.
pub(crate) fn ddb_error<E>(action: &str, table: &str, err: &SdkError<E, Raw>) -> BackendError
where
    E: ProvideErrorMetadata + StdError + 'static,
{
    let code = code(err).unwrap_or_default();
    let msg = if code == "ResourceNotFoundException" {
        format!(
            "the DynamoDB table {table:?} does not exist. Create it with a string partition \
             key named LockID:\n  aws dynamodb create-table --table-name {table} \
             --attribute-definitions AttributeName=LockID,AttributeType=S --key-schema \
             AttributeName=LockID,KeyType=HASH --billing-mode PAY_PER_REQUEST\nor correct \
             \"dynamodb_table\" in the backend configuration"
        )
    } else if code == "AccessDeniedException" || status(err) == Some(403) {
        format!(
            "access denied while trying to {action} in the DynamoDB table {table:?}: the \
             credentials need dynamodb:DescribeTable, GetItem, PutItem and DeleteItem on it"
        )
    } else {
        format!(
            "failed to {action} in the DynamoDB table {table:?}: {}",
            DisplayErrorContext(err)
        )
    };
    BackendError::Other(msg)
}

/// An object's bytes and ETag, `None` when it does not exist; `action` names it in errors
/// ("read the lock file").
pub(crate) async fn get_object(
    clients: &Clients,
    cfg: &S3Config,
    key: &str,
    action: &str,
) -> Result<Option<(Vec<u8>, String)>, BackendError> {
    let url = format!("s3://{}/{key}", cfg.bucket);
    let out = match clients
        .s3
        .get_object()
        .bucket(&cfg.bucket)
        .key(key)
        .send()
        .await
    {
        Ok(o) => o,
        Err(e) if code(&e) == Some("NoSuchKey") => return Ok(None),
        Err(e) => return Err(s3_error(cfg, action, &url, &e)),
    };
    let etag = out.e_tag().unwrap_or_default().to_string();
    let bytes = out
        .body
        .collect()
        .await
        .map_err(|e| BackendError::Other(format!("failed to {action} {url}: {e}")))?
        .into_bytes()
        .to_vec();
    Ok(Some((bytes, etag)))
}
