//! The `provider "aws" {}` block: its schema (as the Terraform AWS provider spells it) and
//! how it becomes SDK clients. Anything the block leaves out comes from the standard AWS
//! environment (credential chain, AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL[_<SERVICE>]).

use aws_config::retry::RetryConfig;
use aws_config::BehaviorVersion;
use aws_sdk_ec2::config::retry::RetryPartition;
use aws_sdk_ec2::config::{Credentials, ProvideCredentials, Region, SharedCredentialsProvider};
use terrane_engine::diag::Diagnostic;
use terrane_engine::lang::{Type, Value};
use terrane_engine::provider::{BlockSchema, NestedBlock, Nesting};

use crate::clients::{CallCounts, CapReadRetries, Clients, CountCalls, Service};
use crate::schema::{opt, S};
use crate::val;

/// Terraform's AWS provider retries 25 times by default.
const DEFAULT_MAX_RETRIES: u32 = 25;

/// How long one attempt of one API call may take before it is cut and retried. Without a
/// bound, a request whose answer never comes (a dropped connection that was never reset, a
/// stuck proxy) holds its resource's operation, and the whole run, forever. Every call
/// terrane makes is a small control-plane request (long operations are polled, each poll
/// its own call), so a minute is far beyond any healthy answer.
/// `TERRANE_AWS_ATTEMPT_TIMEOUT` (a Go duration) overrides it.
const DEFAULT_ATTEMPT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// How long to wait for a TCP (and TLS) connection to an endpoint.
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

fn timeout_config() -> Result<aws_config::timeout::TimeoutConfig, Diagnostic> {
    let attempt = match std::env::var("TERRANE_AWS_ATTEMPT_TIMEOUT") {
        Ok(s) => terrane_engine::lang::duration::parse_timeout(&s).map_err(|e| {
            Diagnostic::error("Invalid TERRANE_AWS_ATTEMPT_TIMEOUT").detail(format!(
                "{s:?} is not a duration such as \"30s\" or \"2m\": {e}"
            ))
        })?,
        Err(_) => DEFAULT_ATTEMPT_TIMEOUT,
    };
    Ok(aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .operation_attempt_timeout(attempt)
        .build())
}

/// Services whose endpoints may be overridden in `endpoints {}`: those terrane has clients
/// for, and the others the Terraform provider accepts, so that existing configurations load.
const ENDPOINT_SERVICES: &[&str] = &[
    "acm",
    "apigateway",
    "applicationautoscaling",
    "autoscaling",
    "cloudwatch",
    "cloudwatchlogs",
    "cognitoidentityprovider",
    "cognitoidp",
    "directoryservice",
    "ds",
    "dynamodb",
    "ec2",
    "ecr",
    "ecs",
    "efs",
    "elasticache",
    "elb",
    "elbv2",
    "iam",
    "kms",
    "lambda",
    "logs",
    "rds",
    "redshift",
    "route53",
    "s3",
    "secretsmanager",
    "servicediscovery",
    "sns",
    "sqs",
    "ssm",
    "sts",
    "wafv2",
];

pub fn provider_schema() -> BlockSchema {
    let mut endpoints = S::new();
    for s in ENDPOINT_SERVICES {
        endpoints = endpoints.attr(s, opt(Type::String));
    }
    let mut b = S::new()
        .attr("region", opt(Type::String))
        .attr("profile", opt(Type::String))
        .attr("access_key", opt(Type::String))
        .attr("secret_key", opt(Type::String).sensitive())
        .attr("token", opt(Type::String).sensitive())
        .attr("max_retries", opt(Type::Number))
        .attr("retry_mode", opt(Type::String))
        .attr(
            "shared_config_files",
            opt(Type::List(Box::new(Type::String))),
        )
        .attr(
            "shared_credentials_files",
            opt(Type::List(Box::new(Type::String))),
        )
        .attr("skip_credentials_validation", opt(Type::Bool))
        .attr("skip_metadata_api_check", opt(Type::Any))
        .attr("skip_region_validation", opt(Type::Bool))
        .attr("skip_requesting_account_id", opt(Type::Bool))
        .attr("s3_use_path_style", opt(Type::Bool))
        .build();
    b.blocks.insert(
        "default_tags".into(),
        block(
            S::new()
                .attr("tags", opt(Type::Map(Box::new(Type::String))))
                .build(),
        ),
    );
    b.blocks
        .insert("endpoints".into(), block(endpoints.build()));
    b.blocks.insert(
        "assume_role".into(),
        block(
            S::new()
                .attr("role_arn", opt(Type::String))
                .attr("session_name", opt(Type::String))
                .attr("external_id", opt(Type::String))
                .attr("duration", opt(Type::String))
                .build(),
        ),
    );
    b
}

fn block(block: BlockSchema) -> NestedBlock {
    NestedBlock {
        nesting: Nesting::List,
        block,
        min_items: 0,
        max_items: Some(1),
        force_new: false,
    }
}

/// Builds the clients, checking region and credentials up front so that a missing setting
/// is one clear error before any plan work.
pub async fn build(config: &Value, counts: &CallCounts) -> Result<Clients, Diagnostic> {
    let region = val::str_attr(config, "region").map(str::to_string);
    let profile = val::str_attr(config, "profile").map(str::to_string);
    let max_retries = val::num_attr(config, "max_retries")
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or(DEFAULT_MAX_RETRIES);
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(retry_config(config)?.with_max_attempts(max_retries + 1))
        .timeout_config(timeout_config()?);
    if let Some(r) = &region {
        loader = loader.region(Region::new(r.clone()));
    }
    if let Some(p) = &profile {
        loader = loader.profile_name(p);
    }
    if let (Some(ak), Some(sk)) = (
        val::str_attr(config, "access_key"),
        val::str_attr(config, "secret_key"),
    ) {
        let token = val::str_attr(config, "token").map(str::to_string);
        loader =
            loader.credentials_provider(Credentials::new(ak, sk, token, None, "provider block"));
    }
    let mut sdk = loader.load().await;
    let Some(region) = sdk.region().map(|r| r.to_string()) else {
        return Err(Diagnostic::error("No AWS region configured").detail(
            "The AWS provider needs a region: set `region` in the provider \"aws\" block, or set the AWS_REGION (or AWS_DEFAULT_REGION) environment variable, or a region in the profile selected by AWS_PROFILE.",
        ));
    };
    if let Some(ar) = val::first_block(config, "assume_role") {
        if let Some(role) = val::str_attr(ar, "role_arn") {
            let mut b = aws_config::sts::AssumeRoleProvider::builder(role)
                .session_name(val::str_attr(ar, "session_name").unwrap_or("terrane"));
            if let Some(x) = val::str_attr(ar, "external_id") {
                b = b.external_id(x);
            }
            let p = b.configure(&sdk).build().await;
            sdk = sdk
                .into_builder()
                .credentials_provider(SharedCredentialsProvider::new(p))
                .build();
        }
    }
    let skip_validation = val::bool_attr(config, "skip_credentials_validation").unwrap_or(false);
    match sdk.credentials_provider() {
        None => return Err(no_credentials(None)),
        Some(p) if !skip_validation => {
            if let Err(e) = p.provide_credentials().await {
                return Err(no_credentials(Some(
                    &aws_sdk_ec2::error::DisplayErrorContext(&e).to_string(),
                )));
            }
        }
        Some(_) => {}
    }
    let endpoints = val::first_block(config, "endpoints");
    let endpoint = |svc: &str| {
        endpoints
            .and_then(|e| val::str_attr(e, svc))
            .map(str::to_string)
    };

    let partition_region = region.clone();
    // One client per service: the shared SDK config, the call counter, and the endpoint
    // from `endpoints {}` under any of the names the Terraform provider accepts for it.
    macro_rules! client {
        ($sdk_crate:ident, $counter:literal, [$($key:literal),+] $(, $extra:expr)?) => {{
            let mut b = $sdk_crate::config::Builder::from(&sdk)
                .interceptor(CountCalls(counts.counter($counter)))
                .interceptor(CapReadRetries);
            $( b = $extra(b); )?
            if let Some(u) = [$($key),+].into_iter().find_map(|k| endpoint(k)) {
                // Throttling is per endpoint: a client of another endpoint keeps its own
                // adaptive rate limiter and retry quota (the SDK shares them process-wide
                // per service and region otherwise).
                b = b
                    .retry_partition(RetryPartition::new(format!("{}-{partition_region}-{u}", $counter)))
                    .endpoint_url(u);
            }
            Service::new($sdk_crate::Client::from_conf(b.build()))
        }};
    }
    // IAM and Route 53 are global services: signed for us-east-1 whatever the region
    // (aws-cn and aws-us-gov have their own, picked by the SDK from these regions).
    let iam_region = if region.starts_with("cn-") {
        "cn-north-1"
    } else if region.starts_with("us-gov-") {
        "us-gov-west-1"
    } else {
        "us-east-1"
    };
    // Buckets as a path (`http://host/bucket`) rather than a host name: what emulators and
    // most S3-compatible endpoints need, as in the Terraform provider.
    let path_style = val::bool_attr(config, "s3_use_path_style").unwrap_or(false);
    let default_tags = val::first_block(config, "default_tags")
        .map(|d| val::string_map(d, "tags"))
        .unwrap_or_default();
    Ok(Clients {
        region,
        ec2: client!(aws_sdk_ec2, "ec2", ["ec2"]),
        sts: client!(aws_sdk_sts, "sts", ["sts"]),
        iam: client!(
            aws_sdk_iam,
            "iam",
            ["iam"],
            |b: aws_sdk_iam::config::Builder| b.region(Region::new(iam_region))
        ),
        logs: client!(aws_sdk_cloudwatchlogs, "logs", ["logs", "cloudwatchlogs"]),
        secrets: client!(aws_sdk_secretsmanager, "secretsmanager", ["secretsmanager"]),
        elbv2: client!(aws_sdk_elasticloadbalancingv2, "elbv2", ["elbv2", "elb"]),
        ecs: client!(aws_sdk_ecs, "ecs", ["ecs"]),
        rds: client!(aws_sdk_rds, "rds", ["rds"]),
        autoscaling: client!(
            aws_sdk_applicationautoscaling,
            "application-autoscaling",
            ["applicationautoscaling"]
        ),
        s3: client!(
            aws_sdk_s3,
            "s3",
            ["s3"],
            |b: aws_sdk_s3::config::Builder| b.force_path_style(path_style)
        ),
        dynamodb: client!(aws_sdk_dynamodb, "dynamodb", ["dynamodb"]),
        elasticache: client!(aws_sdk_elasticache, "elasticache", ["elasticache"]),
        redshift: client!(aws_sdk_redshift, "redshift", ["redshift"]),
        kms: client!(aws_sdk_kms, "kms", ["kms"]),
        ssm: client!(aws_sdk_ssm, "ssm", ["ssm"]),
        ecr: client!(aws_sdk_ecr, "ecr", ["ecr"]),
        route53: client!(
            aws_sdk_route53,
            "route53",
            ["route53"],
            |b: aws_sdk_route53::config::Builder| b.region(Region::new(iam_region))
        ),
        acm: client!(aws_sdk_acm, "acm", ["acm"]),
        lambda: client!(aws_sdk_lambda, "lambda", ["lambda"]),
        servicediscovery: client!(
            aws_sdk_servicediscovery,
            "servicediscovery",
            ["servicediscovery"]
        ),
        wafv2: client!(aws_sdk_wafv2, "wafv2", ["wafv2"]),
        ec2_autoscaling: client!(aws_sdk_autoscaling, "autoscaling", ["autoscaling"]),
        cognito_idp: client!(
            aws_sdk_cognitoidentityprovider,
            "cognito-idp",
            ["cognitoidp", "cognitoidentityprovider"]
        ),
        ds: client!(aws_sdk_directory, "ds", ["ds", "directoryservice"]),
        default_tags,
        account: tokio::sync::OnceCell::new(),
    })
}

/// `retry_mode` (else `AWS_RETRY_MODE`), as in Terraform's provider. The default is
/// standard, as Terraform's (and the SDKs' own recommendation): it backs off on throttling
/// errors. `adaptive` also rate-limits this client's own sending once AWS has throttled
/// it; measured on the webapp with 20% of requests throttled, that limiter made the apply
/// nine times slower (291 s against 33 s), since it holds every request back, not only
/// the retries, at the low request rates of infrastructure calls.
fn retry_config(config: &Value) -> Result<RetryConfig, Diagnostic> {
    let env = std::env::var("AWS_RETRY_MODE").ok();
    let mode = val::str_attr(config, "retry_mode").or(env.as_deref());
    match mode {
        None | Some("standard") => Ok(RetryConfig::standard()),
        Some("adaptive") => Ok(RetryConfig::adaptive()),
        Some(other) => Err(Diagnostic::error("Invalid retry_mode").detail(format!(
            "retry_mode (or AWS_RETRY_MODE) is {other:?}; expected \"standard\" or \"adaptive\"."
        ))),
    }
}

fn no_credentials(why: Option<&str>) -> Diagnostic {
    let mut detail = "The AWS provider found no credentials. Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE (a profile in ~/.aws/credentials or ~/.aws/config), or access_key/secret_key or profile in the provider \"aws\" block; on AWS compute, an instance or task role is used automatically.".to_string();
    if let Some(w) = why {
        detail.push_str("\n\nThe credential chain said: ");
        detail.push_str(w);
    }
    Diagnostic::error("No valid credential sources found for the AWS provider").detail(detail)
}
