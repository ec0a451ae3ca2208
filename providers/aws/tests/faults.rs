//! The provider under a bad network: moto behind the fault-injecting proxy of
//! `terrane_test_support::fault`, which answers chosen EC2 requests with throttling errors
//! or 503s, or holds them back. Proves adaptive retry, error reports that name the
//! resource and the AWS error, state that keeps what succeeded, waiter timeouts and the
//! "Still creating..." progress.

mod common;

use std::time::Duration;

use common::{attr, changes, ec2, filter, Env, Progress};
use terrane_engine::diag::Diagnostics;
use terrane_engine::plan::PlanMode;
use terrane_engine::run::ApplyObserver;
use terrane_engine::state::State;
use terrane_test_support::fault::{Fault, FaultProxy, Rule, When};

/// A provider block that sends EC2 through `proxy`.
fn provider(proxy: &FaultProxy, max_retries: Option<u32>) -> String {
    let retries = max_retries.map_or(String::new(), |n| format!("max_retries = {n}"));
    format!(
        "provider \"aws\" {{\n  {retries}\n  endpoints {{\n    ec2 = \"{}\"\n  }}\n}}\n",
        proxy.endpoint
    )
}

/// A small network: a VPC with a subnet, an internet gateway, a security group and a
/// route table that nothing else depends on.
fn network(cidr: &str, name: &str) -> String {
    format!(
        r#"
resource "aws_vpc" "v" {{
  cidr_block = "{cidr}"
  tags       = {{ Name = "{name}" }}
}}
resource "aws_subnet" "s" {{
  count      = 2
  vpc_id     = aws_vpc.v.id
  cidr_block = cidrsubnet(aws_vpc.v.cidr_block, 8, count.index)
}}
resource "aws_internet_gateway" "igw" {{
  vpc_id = aws_vpc.v.id
}}
resource "aws_security_group" "sg" {{
  name   = "{name}"
  vpc_id = aws_vpc.v.id
  ingress {{
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"]
  }}
}}
resource "aws_route_table" "rt" {{
  vpc_id = aws_vpc.v.id
  route {{
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.igw.id
  }}
}}
"#
    )
}

/// A NAT gateway (with its VPC, subnet and address) whose create may time out.
fn nat(cidr: &str, create_timeout: &str) -> String {
    format!(
        r#"
resource "aws_vpc" "v" {{
  cidr_block = "{cidr}"
}}
resource "aws_subnet" "s" {{
  vpc_id     = aws_vpc.v.id
  cidr_block = cidrsubnet(aws_vpc.v.cidr_block, 8, 0)
}}
resource "aws_eip" "nat" {{
  domain = "vpc"
}}
resource "aws_nat_gateway" "nat" {{
  allocation_id = aws_eip.nat.id
  subnet_id     = aws_subnet.s.id
  timeouts {{
    create = "{create_timeout}"
  }}
}}
"#
    )
}

/// A harness and a fresh proxy in front of moto that applies `rules`.
fn proxied(rules: impl IntoIterator<Item = Rule>) -> (Env, FaultProxy) {
    let proxy = FaultProxy::for_moto();
    for r in rules {
        proxy.add(r);
    }
    (Env::new(), proxy)
}

/// Plans and applies `src` from empty state; errors are returned as text.
async fn apply_new(env: &Env, src: &str, observer: &dyn ApplyObserver) -> (State, Vec<String>) {
    let (state, diags) = env
        .apply_observed(src, &State::new(), PlanMode::Normal, observer)
        .await;
    (state, errors(&diags))
}

fn errors(d: &Diagnostics) -> Vec<String> {
    d.iter()
        .filter(|d| d.is_error())
        .map(|d| {
            format!(
                "{}: {}: {}",
                d.address.clone().unwrap_or_default(),
                d.summary,
                d.detail.clone().unwrap_or_default()
            )
        })
        .collect()
}

fn in_state(state: &State) -> Vec<String> {
    let mut v: Vec<String> = state
        .resources
        .iter()
        .filter(|r| r.mode == "managed")
        .flat_map(|r| {
            r.instances.iter().map(move |i| match &i.index_key {
                Some(k) => format!("{}.{}{k}", r.ty, r.name),
                None => format!("{}.{}", r.ty, r.name),
            })
        })
        .collect();
    v.sort();
    v
}

/// An apply through throttling and 503s succeeds under `retry_mode`; every retried attempt
/// shows in the EC2 call count, and nothing is created twice.
async fn retried_and_counted(retry_mode: &str, cidr: &str) {
    // The first two CreateSubnet calls get a bare 503, and every tenth EC2 request is
    // throttled.
    let (env, proxy) = proxied([
        Rule::new(Some("CreateSubnet"), When::First(2), Fault::Unavailable),
        Rule::new(None, When::Every(10), Fault::request_limit_exceeded()),
    ]);
    let name = format!("faults-retry-{retry_mode}");
    let src = provider(&proxy, None).replace(
        "endpoints",
        &format!("retry_mode = \"{retry_mode}\"\n  endpoints"),
    ) + &network(cidr, &name);
    let before = env.ec2_calls();
    let started = std::time::Instant::now();
    let (state, errs) = apply_new(&env, &src, &common::Quiet).await;
    let took = started.elapsed();
    assert!(errs.is_empty(), "{errs:?}");
    let counted = env.ec2_calls() - before;
    let (seen, failed) = (proxy.seen(None), proxy.failed(None));
    eprintln!(
        "{retry_mode} apply through the proxy: {counted} EC2 attempts counted, {seen} seen by the proxy, \
         {failed} answered with 503/RequestLimitExceeded and retried, {took:?}"
    );
    // Two 503s plus a throttle on every tenth of the 30-odd requests; the order of
    // concurrent requests decides whether a throttle lands on a CreateSubnet that the
    // first rule already answered, so one of them may coincide.
    assert!(failed >= 4, "{failed} faults injected");
    assert!(proxy.failed(Some("CreateSubnet")) >= 2);
    // Every attempt, retries included, shows in the provider's per-service counts.
    assert_eq!(counted, u64::from(seen));
    assert_eq!(in_state(&state).len(), 6, "{:?}", in_state(&state));

    // Without faults the next plan is empty: nothing was created twice or half-way.
    proxy.clear();
    let plan = env.plan(&src, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));
    let vpc = attr(&state, "aws_vpc.v", "id");
    let subnets = ec2()
        .describe_subnets()
        .filters(filter("vpc-id", &vpc))
        .send()
        .await
        .unwrap();
    assert_eq!(subnets.subnets().len(), 2, "no subnet created twice");
    env.destroy(&src, &state).await;
}

#[tokio::test]
async fn throttled_and_unavailable_requests_are_retried_adaptive() {
    retried_and_counted("adaptive", "10.81.0.0/16").await;
}

#[tokio::test]
async fn throttled_and_unavailable_requests_are_retried_standard() {
    retried_and_counted("standard", "10.85.0.0/16").await;
}

#[tokio::test]
async fn an_unknown_retry_mode_is_an_error_before_any_call() {
    let env = Env::new();
    let src = "provider \"aws\" {\n  retry_mode = \"eager\"\n}\n".to_string()
        + &network("10.86.0.0/16", "faults-mode");
    let err = env
        .try_plan(&src, &State::new(), PlanMode::Normal)
        .await
        .unwrap_err();
    let text = format!("{err:?}");
    assert!(
        text.contains("retry_mode") && text.contains("eager"),
        "{text}"
    );
    assert_eq!(env.ec2_calls(), 0);
}

#[tokio::test]
async fn a_create_that_keeps_failing_is_reported_and_the_rest_is_kept() {
    let (env, proxy) = proxied([Rule::new(
        Some("CreateRouteTable"),
        When::Always,
        Fault::request_limit_exceeded(),
    )]);
    let src = provider(&proxy, Some(1)) + &network("10.82.0.0/16", "faults-persistent");
    let (state, errs) = apply_new(&env, &src, &common::Quiet).await;
    assert_eq!(errs.len(), 1, "{errs:?}");
    for want in [
        "aws_route_table.rt",
        "RequestLimitExceeded",
        "Request limit exceeded.",
        "CreateRouteTable",
    ] {
        assert!(errs[0].contains(want), "{want:?} not in {errs:?}");
    }
    // max_retries = 1: the first attempt and one retry.
    assert_eq!(proxy.seen(Some("CreateRouteTable")), 2);
    assert_eq!(
        in_state(&state),
        [
            "aws_internet_gateway.igw",
            "aws_security_group.sg",
            "aws_subnet.s[0]",
            "aws_subnet.s[1]",
            "aws_vpc.v"
        ]
    );

    // Once AWS answers again, only the failed route table is left to create.
    proxy.clear();
    let plan = env.plan(&src, &state).await;
    assert_eq!(changes(&plan), ["Create aws_route_table.rt"]);
    let state = env.apply(&src, &state).await;
    assert!(!env.plan(&src, &state).await.has_changes());
    env.destroy(&src, &state).await;
}

#[tokio::test]
async fn nat_gateway_create_timeout_is_clear_and_the_gateway_stays_in_state() {
    // The waiter's DescribeNatGateways answers take longer than the whole create timeout.
    let (env, proxy) = proxied([Rule::new(
        Some("DescribeNatGateways"),
        When::Always,
        Fault::Delay(Duration::from_secs(3)),
    )]);
    let src = provider(&proxy, None) + &nat("10.83.0.0/16", "1s");
    let (state, errs) = apply_new(&env, &src, &common::Quiet).await;
    assert_eq!(errs.len(), 1, "{errs:?}");
    for want in [
        "aws_nat_gateway.nat",
        "timed out",
        "timeout while waiting for NAT gateway to become available",
        "after 1s",
    ] {
        assert!(errs[0].contains(want), "{want:?} not in {errs:?}");
    }
    // Not orphaned: the gateway that was created is in state, and it is the one in AWS.
    let id = attr(&state, "aws_nat_gateway.nat", "id");
    assert!(id.starts_with("nat-"), "{id:?}");
    let vpc = attr(&state, "aws_vpc.v", "id");
    let got = ec2()
        .describe_nat_gateways()
        .filter(filter("vpc-id", &vpc))
        .send()
        .await
        .unwrap();
    let ids: Vec<_> = got
        .nat_gateways()
        .iter()
        .filter_map(|g| g.nat_gateway_id())
        .collect();
    assert_eq!(ids, [id.as_str()]);

    proxy.clear();
    env.destroy(&src, &state).await;
}

#[tokio::test]
async fn a_slow_create_reports_progress_every_ten_seconds() {
    let (env, proxy) = proxied([Rule::new(
        Some("CreateNatGateway"),
        When::Always,
        Fault::Delay(Duration::from_millis(10_500)),
    )]);
    let src = provider(&proxy, None) + &nat("10.84.0.0/16", "10m");
    let progress = Progress::default();
    let (state, errs) = apply_new(&env, &src, &progress).await;
    assert!(errs.is_empty(), "{errs:?}");
    let events = progress.0.lock().unwrap().clone();
    // On a loaded machine moto itself may take ten seconds for another create, which then
    // reports too; what must hold is that the held-back create reports once, at 10 s.
    let nat: Vec<_> = events
        .iter()
        .filter(|e| e.starts_with("aws_nat_gateway."))
        .collect();
    assert_eq!(nat, ["aws_nat_gateway.nat 10s"], "{events:?}");
    proxy.clear();
    env.destroy(&src, &state).await;
}

#[tokio::test]
async fn one_service_gets_at_most_its_concurrency_limit_of_calls_at_once() {
    // Every CreateSubnet is held a while, so the engine's ten parallel creates would all
    // be in the proxy at once without the per-service limit.
    let (env, proxy) = proxied([Rule::new(
        Some("CreateSubnet"),
        When::Always,
        Fault::Delay(Duration::from_millis(300)),
    )]);
    let src = provider(&proxy, None)
        + r#"
resource "aws_vpc" "v" {
  cidr_block = "10.87.0.0/16"
}
resource "aws_subnet" "s" {
  count      = 20
  vpc_id     = aws_vpc.v.id
  cidr_block = cidrsubnet(aws_vpc.v.cidr_block, 8, count.index)
}
"#;
    let (state, errs) = apply_new(&env, &src, &common::Quiet).await;
    assert!(errs.is_empty(), "{errs:?}");
    let limit = u32::try_from(terrane_provider_aws::clients::SERVICE_CONCURRENCY).unwrap();
    // At most the limit; under load the scheduler may not fill every slot at once, so
    // only "several in parallel" is required below it.
    let most = proxy.max_in_flight();
    assert!(
        most <= limit && most > 1,
        "{most} CreateSubnet calls at once, limit {limit}"
    );
    proxy.clear();
    env.destroy(&src, &state).await;
}
