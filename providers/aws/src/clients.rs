//! SDK clients built from the provider configuration: one per service, each with the
//! endpoint override, region, retries (standard or adaptive), an API call counter and a concurrency limit.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use aws_sdk_ec2::config::interceptors::{
    BeforeTransmitInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_sdk_ec2::config::retry::RetryConfig;
use aws_sdk_ec2::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_ec2::error::BoxError;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use tokio::sync::{Semaphore, SemaphorePermit};

/// How many operations on one service may run at once, per provider instance. `-parallelism`
/// bounds resources overall; this keeps one busy service (EC2's request-rate buckets are per
/// account and region) from being flooded by a wide graph.
pub const SERVICE_CONCURRENCY: usize = 8;

/// Counts API call attempts per service (retries included: they cost rate limit too).
#[derive(Debug, Default)]
pub struct CallCounts {
    counts: Mutex<BTreeMap<String, Arc<AtomicU64>>>,
}

impl CallCounts {
    pub fn counter(&self, service: &str) -> Arc<AtomicU64> {
        let mut m = self
            .counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Arc::clone(m.entry(service.to_string()).or_default())
    }

    pub fn snapshot(&self) -> BTreeMap<String, u64> {
        let m = self
            .counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        m.iter()
            .map(|(k, v)| (k.clone(), v.load(Ordering::Relaxed)))
            .collect()
    }
}

/// An SDK interceptor that bumps a counter before every attempt of every operation.
#[derive(Debug)]
pub struct CountCalls(pub Arc<AtomicU64>);

impl Intercept for CountCalls {
    fn name(&self) -> &'static str {
        "terrane-count-calls"
    }

    fn read_before_attempt(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.0.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

/// How many attempts a read (Describe*, List*, Get*) makes in all once AWS has answered it
/// with an internal error (HTTP 500 or 501).
pub const READ_ATTEMPTS_AFTER_SERVER_ERROR: u32 = 3;

/// Caps the retries of a read that got a server error. The provider's retry count
/// (`max_retries`, 25 by default as in Terraform) suits throttling, which passes; but a
/// request the service cannot handle is answered 500 every time (moto does so for calls
/// and filters it does not implement), and 25 retries with backoff kept a refresh waiting
/// for minutes before reporting anything. A read is cheap to repeat from the start, so it
/// gives up after [`READ_ATTEMPTS_AFTER_SERVER_ERROR`] attempts, within seconds, and the
/// error names the call. Writes keep the full count: a create retried too early may fail
/// where a later attempt would have succeeded. So do 502-504 and every throttle: EC2
/// throttles with 503 RequestLimitExceeded, which must keep its full backoff: with 20% of
/// requests throttled (tests/webapp_faults.rs), three throttles in a row on one of a
/// hundred reads is likely.
#[derive(Debug)]
pub struct CapReadRetries;

/// Whether an operation only reads (by the names AWS gives reads).
pub fn is_read(operation: &str) -> bool {
    ["Describe", "List", "Get"]
        .iter()
        .any(|p| operation.starts_with(p))
}

impl Intercept for CapReadRetries {
    fn name(&self) -> &'static str {
        "terrane-cap-read-retries"
    }

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let server_error = context
            .response()
            .is_some_and(|r| matches!(r.status().as_u16(), 500 | 501));
        let read = cfg.load::<Metadata>().is_some_and(|m| is_read(m.name()));
        if !(server_error && read) {
            return Ok(());
        }
        // The retry strategy reads the operation's retry config from the bag after this
        // hook; a capped copy in the interceptor layer overrides it for this operation.
        if let Some(rc) = cfg.load::<RetryConfig>() {
            if rc.max_attempts() > READ_ATTEMPTS_AFTER_SERVER_ERROR {
                let capped = rc
                    .clone()
                    .with_max_attempts(READ_ATTEMPTS_AFTER_SERVER_ERROR);
                cfg.interceptor_state().store_put(capped);
            }
        }
        Ok(())
    }
}

/// A client together with the permit that lets this operation use its service.
pub struct Guarded<'a, C> {
    pub client: &'a C,
    _permit: Option<SemaphorePermit<'a>>,
}

impl<C> std::ops::Deref for Guarded<'_, C> {
    type Target = C;
    fn deref(&self) -> &C {
        self.client
    }
}

/// One service's client and its concurrency limit.
pub struct Service<C> {
    client: C,
    limit: Semaphore,
}

impl<C> Service<C> {
    pub fn new(client: C) -> Service<C> {
        Service {
            client,
            limit: Semaphore::new(SERVICE_CONCURRENCY),
        }
    }

    /// Waits for a slot; the slot is held as long as the returned guard lives.
    pub async fn get(&self) -> Guarded<'_, C> {
        Guarded {
            client: &self.client,
            // A closed semaphore (never happens: nobody closes it) just means no limit.
            _permit: self.limit.acquire().await.ok(),
        }
    }
}

/// Everything a resource needs to talk to AWS, built once by `configure`.
pub struct Clients {
    pub region: String,
    pub ec2: Service<aws_sdk_ec2::Client>,
    pub sts: Service<aws_sdk_sts::Client>,
    /// IAM: global, always signed for the partition's IAM region.
    pub iam: Service<aws_sdk_iam::Client>,
    pub logs: Service<aws_sdk_cloudwatchlogs::Client>,
    pub secrets: Service<aws_sdk_secretsmanager::Client>,
    pub elbv2: Service<aws_sdk_elasticloadbalancingv2::Client>,
    pub ecs: Service<aws_sdk_ecs::Client>,
    pub rds: Service<aws_sdk_rds::Client>,
    /// Application Auto Scaling (scalable targets and scaling policies).
    pub autoscaling: Service<aws_sdk_applicationautoscaling::Client>,
    /// S3, path-style when the provider block says `s3_use_path_style = true`.
    pub s3: Service<aws_sdk_s3::Client>,
    pub dynamodb: Service<aws_sdk_dynamodb::Client>,
    pub elasticache: Service<aws_sdk_elasticache::Client>,
    pub redshift: Service<aws_sdk_redshift::Client>,
    pub kms: Service<aws_sdk_kms::Client>,
    pub ssm: Service<aws_sdk_ssm::Client>,
    pub ecr: Service<aws_sdk_ecr::Client>,
    /// Route 53: global, signed for the partition's home region as IAM is.
    pub route53: Service<aws_sdk_route53::Client>,
    pub acm: Service<aws_sdk_acm::Client>,
    pub lambda: Service<aws_sdk_lambda::Client>,
    /// Cloud Map (service discovery namespaces).
    pub servicediscovery: Service<aws_sdk_servicediscovery::Client>,
    pub wafv2: Service<aws_sdk_wafv2::Client>,
    /// EC2 Auto Scaling (groups, launch configurations); `autoscaling` is Application Auto Scaling.
    pub ec2_autoscaling: Service<aws_sdk_autoscaling::Client>,
    pub cognito_idp: Service<aws_sdk_cognitoidentityprovider::Client>,
    pub ds: Service<aws_sdk_directory::Client>,
    /// `default_tags { tags = ... }` of the provider block.
    pub default_tags: BTreeMap<String, String>,
    /// The caller's account, asked of STS on first use: the ARNs Terraform builds for
    /// objects whose description names no owner (flow logs, VPN gateways) need it.
    pub account: tokio::sync::OnceCell<String>,
}

impl Clients {
    pub fn partition(&self) -> &'static str {
        crate::region::partition(&self.region)
    }

    /// An EC2 ARN as Terraform builds it: `arn:aws:ec2:REGION:ACCOUNT:vpc/vpc-123`.
    pub fn ec2_arn(&self, owner: &str, resource: &str) -> String {
        crate::region::ec2_arn(&self.region, owner, resource)
    }

    /// The account these clients act in (one GetCallerIdentity per provider and region).
    pub async fn account_id(&self) -> Result<&str, crate::error::AwsError> {
        let id = self
            .account
            .get_or_try_init(|| async {
                let out = self
                    .sts
                    .get()
                    .await
                    .get_caller_identity()
                    .send()
                    .await
                    .map_err(crate::error::err("GetCallerIdentity"))?;
                Ok::<_, crate::error::AwsError>(out.account().unwrap_or_default().to_string())
            })
            .await?;
        Ok(id)
    }
}
