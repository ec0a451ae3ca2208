//! One error type for everything that can go wrong talking to AWS, turned into a
//! diagnostic (with the AWS error code, message and resource address) at the provider
//! boundary.

use aws_sdk_ec2::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use terrane_engine::diag::Diagnostic;

#[derive(Debug, thiserror::Error)]
pub enum AwsError {
    /// AWS answered with an error code (after the SDK's retries).
    #[error("{operation}: {code}: {message}")]
    Api {
        operation: String,
        code: String,
        message: String,
    },
    /// The request never got an AWS answer (connection refused, timeout, bad endpoint).
    #[error("{operation}: {detail}")]
    Transport { operation: String, detail: String },
    /// A waiter gave up: the object did not reach the wanted state in time.
    #[error(
        "timeout while waiting for {what} to become {wanted} (last state: {last}) after {secs}s"
    )]
    Timeout {
        what: String,
        wanted: String,
        last: String,
        secs: u64,
    },
    /// Something the API returned or the configuration holds that we cannot work with.
    #[error("{0}")]
    Invalid(String),
}

impl AwsError {
    /// Wraps an SDK error; keeps AWS's own code and message when it has them.
    pub fn sdk<E, R>(operation: &str, e: SdkError<E, R>) -> AwsError
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: std::fmt::Debug + Send + Sync + 'static,
    {
        match (e.code(), e.message()) {
            (Some(code), msg) => AwsError::Api {
                operation: operation.to_string(),
                code: code.to_string(),
                message: msg.unwrap_or_default().to_string(),
            },
            _ => AwsError::Transport {
                operation: operation.to_string(),
                detail: DisplayErrorContext(&e).to_string(),
            },
        }
    }

    /// The AWS error code, when AWS answered.
    pub fn code(&self) -> Option<&str> {
        match self {
            AwsError::Api { code, .. } => Some(code),
            _ => None,
        }
    }

    /// True for the "does not exist" family of codes (`InvalidVpcID.NotFound`,
    /// `ResourceNotFoundException`, IAM's `NoSuchEntity`, ELBv2's `LoadBalancerNotFound`,
    /// RDS's `DBInstanceNotFound` and `DBSubnetGroupNotFoundFault`).
    pub fn is_not_found(&self) -> bool {
        self.code().is_some_and(|c| {
            c.ends_with("NotFound")
                || c.ends_with("NotFoundFault")
                || c.ends_with("NotFoundException")
                || c == "NoSuchEntity"
                || c == "NoSuchHostedZone"
        })
    }

    pub fn to_diagnostic(&self, action: &str, type_name: &str) -> Diagnostic {
        let summary = match self {
            AwsError::Api { code, .. } => format!("{action} {type_name}: AWS error {code}"),
            AwsError::Timeout { .. } => format!("{action} {type_name}: timed out"),
            _ => format!("{action} {type_name} failed"),
        };
        Diagnostic::error(summary).detail(self.to_string())
    }
}

/// Shorthand used by resource modules: `.map_err(err("CreateVpc"))`.
pub fn err<E, R>(operation: &'static str) -> impl FnOnce(SdkError<E, R>) -> AwsError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    move |e| AwsError::sdk(operation, e)
}
