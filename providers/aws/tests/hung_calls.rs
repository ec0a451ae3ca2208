//! A call whose answer never comes: the SDK's attempt timeout cuts it and the retry goes
//! on; when every attempt hangs, the run ends with an error that names the resource
//! instead of waiting forever. Its own test binary (so its own process) because the
//! timeout is set through the environment (`TERRANE_AWS_ATTEMPT_TIMEOUT`), which every
//! provider configured in the process reads.

mod common;

use std::time::Duration;

use common::{attr, ec2, filter, Env};
use terrane_engine::plan::PlanMode;
use terrane_engine::state::State;
use terrane_test_support::fault::{Fault, FaultProxy, Rule, When};

/// Longer than any test here runs: a request held this long never gets its answer.
const NEVER: Duration = Duration::from_secs(600);

fn vpc(proxy: &FaultProxy, max_retries: u32, name: &str) -> String {
    format!(
        r#"
provider "aws" {{
  max_retries = {max_retries}
  endpoints {{
    ec2 = "{}"
  }}
}}
resource "aws_vpc" "v" {{
  cidr_block = "10.91.0.0/16"
  tags       = {{ Name = "{name}" }}
}}
"#,
        proxy.endpoint
    )
}

#[tokio::test]
async fn a_call_that_never_answers_is_cut_retried_and_reported_with_the_address() {
    // Short enough for a test, long enough for any answer of moto on a busy machine (5 s
    // was not, with builds beside the tests: a CreateVpc was cut). A cut attempt
    // of a create is sent again, so one cut by mistake would make a second VPC (the
    // reason the default is a minute).
    std::env::set_var("TERRANE_AWS_ATTEMPT_TIMEOUT", "10s");
    let env = Env::new();
    // moto builds its EC2 backend on the first EC2 request, which takes seconds: do that
    // now, outside the measured attempts.
    ec2().describe_vpcs().send().await.unwrap();

    // The first DescribeVpcs after the create (the wait for it) never answers: the
    // attempt is cut after 10 s and retried, and the apply completes.
    let proxy = FaultProxy::for_moto();
    proxy.add(Rule::new(
        Some("DescribeVpcs"),
        When::First(1),
        Fault::Delay(NEVER),
    ));
    let src = vpc(&proxy, 3, "hung-once");
    let (state, diags) = env.apply_mode(&src, &State::new(), PlanMode::Normal).await;
    assert!(!diags.has_errors(), "{diags:?}");
    let id = attr(&state, "aws_vpc.v", "id");
    let plan = env.plan(&src, &state).await;
    assert!(
        common::changes(&plan).is_empty(),
        "converged after the cut call"
    );
    assert!(
        proxy.seen(Some("DescribeVpcs")) >= 2,
        "the held DescribeVpcs was cut and sent again"
    );
    let named = ec2()
        .describe_vpcs()
        .filters(filter("tag:Name", "hung-once"))
        .send()
        .await
        .unwrap();
    let ids: Vec<_> = named.vpcs().iter().filter_map(|v| v.vpc_id()).collect();
    assert_eq!(ids, [id.as_str()], "one VPC, the one in state");
    proxy.clear();
    env.destroy(&src, &state).await;

    // Every attempt hangs: an error naming the resource and the timeout, not a hang.
    let proxy = FaultProxy::for_moto();
    proxy.add(Rule::new(
        Some("CreateVpc"),
        When::Always,
        Fault::Delay(NEVER),
    ));
    let src = vpc(&proxy, 1, "hung-always");
    let (state, diags) = env.apply_mode(&src, &State::new(), PlanMode::Normal).await;
    let errors: Vec<String> = diags
        .iter()
        .filter(|d| d.is_error())
        .map(|d| {
            format!(
                "{} | {} | {}",
                d.address.clone().unwrap_or_default(),
                d.summary,
                d.detail.clone().unwrap_or_default()
            )
        })
        .collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].starts_with("aws_vpc.v |"), "{errors:?}");
    assert!(errors[0].contains("CreateVpc"), "{errors:?}");
    assert!(errors[0].to_lowercase().contains("timeout"), "{errors:?}");
    assert!(state.resources.is_empty(), "nothing was made");
    // The held requests were never forwarded, so moto has no such VPC.
    let vpcs = ec2()
        .describe_vpcs()
        .filters(filter("tag:Name", "hung-always"))
        .send()
        .await
        .unwrap();
    assert!(vpcs.vpcs().is_empty());
}
