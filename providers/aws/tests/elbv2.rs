//! aws_lb / aws_alb, aws_lb_target_group, aws_lb_listener and aws_lb_listener_rule against
//! moto through the engine: create, converge, update in place, replace, drift and
//! out-of-band deletion, import by ARN, destroy, and the API calls a batched refresh costs.

mod common;

use common::{attr, changes, Env};
use terrane_engine::lang::eval::values_equal;
use terrane_engine::lang::Value;
use terrane_engine::plan::{Plan, PlanMode};
use terrane_engine::provider::Provider;
use terrane_engine::state::State;

fn elb() -> aws_sdk_elasticloadbalancingv2::Client {
    let m = terrane_test_support::moto();
    aws_sdk_elasticloadbalancingv2::Client::from_conf(
        aws_sdk_elasticloadbalancingv2::Config::builder()
            .behavior_version(aws_sdk_elasticloadbalancingv2::config::BehaviorVersion::latest())
            .region(aws_sdk_elasticloadbalancingv2::config::Region::new(
                "us-east-1",
            ))
            .endpoint_url(&m.endpoint)
            .credentials_provider(aws_sdk_elasticloadbalancingv2::config::Credentials::new(
                "test", "test", None, None, "test",
            ))
            .build(),
    )
}

/// A VPC with two subnets in two zones and a security group: what an ALB needs.
fn network(cidr: &str) -> String {
    format!(
        r#"
provider "aws" {{
  region = "us-east-1"
}}
resource "aws_vpc" "main" {{
  cidr_block = "{cidr}"
}}
resource "aws_subnet" "a" {{
  vpc_id            = aws_vpc.main.id
  cidr_block        = cidrsubnet(aws_vpc.main.cidr_block, 8, 1)
  availability_zone = "us-east-1a"
}}
resource "aws_subnet" "b" {{
  vpc_id            = aws_vpc.main.id
  cidr_block        = cidrsubnet(aws_vpc.main.cidr_block, 8, 2)
  availability_zone = "us-east-1b"
}}
resource "aws_subnet" "c" {{
  vpc_id            = aws_vpc.main.id
  cidr_block        = cidrsubnet(aws_vpc.main.cidr_block, 8, 3)
  availability_zone = "us-east-1c"
}}
resource "aws_security_group" "lb" {{
  name   = "lb-{cidr}"
  vpc_id = aws_vpc.main.id
}}
"#
    )
}

/// What the lifecycle test varies.
#[derive(Clone)]
struct P {
    idle: u32,
    hc_path: &'static str,
    /// The default action of the `http` listener.
    http_action: &'static str,
    priority: u32,
    path: &'static str,
    spare_port: u32,
    side_internal: bool,
    /// Which listener the rule hangs off.
    rule_listener: &'static str,
    /// Which balancer the `alt` listener belongs to.
    alt_lb: &'static str,
    /// Whether the main balancer writes access logs.
    logs: bool,
    /// The main balancer's security groups.
    sgs: &'static str,
    /// The main balancer's subnets.
    subnets: &'static str,
}

const FIXED: &str = r#"
  default_action {
    type = "fixed-response"
    fixed_response {
      content_type = "text/plain"
      message_body = "not here"
      status_code  = "404"
    }
  }"#;

const FORWARD: &str = r#"
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.app.arn
  }"#;

const BASE: P = P {
    idle: 60,
    hc_path: "/",
    http_action: FIXED,
    priority: 10,
    path: "/api/*",
    spare_port: 80,
    side_internal: false,
    rule_listener: "http",
    alt_lb: "aws_lb.main",
    logs: false,
    sgs: "aws_security_group.lb.id",
    subnets: "aws_subnet.a.id, aws_subnet.b.id",
};

fn src(p: &P) -> String {
    let P {
        idle,
        hc_path,
        http_action,
        priority,
        path,
        spare_port,
        side_internal,
        rule_listener,
        alt_lb,
        logs,
        sgs,
        subnets,
    } = p;
    let logs = if *logs {
        r#"access_logs {
    bucket = "lb-logs"
    prefix = "web"
  }"#
    } else {
        ""
    };
    format!(
        r#"{net}
resource "aws_lb" "main" {{
  name               = "web"
  load_balancer_type = "application"
  subnets            = [{subnets}]
  security_groups    = [{sgs}]
  idle_timeout       = {idle}
  tags               = {{ team = "web" }}
  {logs}
  timeouts {{
    create = "2m"
  }}
}}
resource "aws_security_group" "extra" {{
  name   = "lb-extra"
  vpc_id = aws_vpc.main.id
}}
resource "aws_alb" "side" {{
  name_prefix = "side-"
  internal    = {side_internal}
  subnets     = [aws_subnet.a.id, aws_subnet.b.id]
}}
resource "aws_lb_target_group" "app" {{
  name                 = "app"
  port                 = 80
  protocol             = "HTTP"
  vpc_id               = aws_vpc.main.id
  target_type          = "ip"
  deregistration_delay = 30
  health_check {{
    path    = "{hc_path}"
    matcher = "200-299"
  }}
  stickiness {{
    type            = "lb_cookie"
    cookie_duration = 3600
  }}
  tags = {{ team = "web" }}
}}
resource "aws_lb_target_group" "blue" {{
  name        = "blue"
  port        = 8080
  protocol    = "HTTP"
  vpc_id      = aws_vpc.main.id
  target_type = "ip"
}}
# Sign-in first, then forwarding: two actions in order.
resource "aws_lb_listener_rule" "login" {{
  listener_arn = aws_lb_listener.http.arn
  priority     = 5
  action {{
    type = "authenticate-oidc"
    authenticate_oidc {{
      authorization_endpoint = "https://idp.example.com/authorize"
      client_id              = "terrane"
      client_secret          = "s3cret"
      issuer                 = "https://idp.example.com"
      token_endpoint         = "https://idp.example.com/token"
      user_info_endpoint     = "https://idp.example.com/userinfo"
      session_timeout        = 3600
    }}
  }}
  action {{
    type             = "forward"
    target_group_arn = aws_lb_target_group.app.arn
  }}
  condition {{
    path_pattern {{
      values = ["/admin/*"]
    }}
  }}
}}
# No priority: the next free one is taken. Weighted forwarding, a header condition.
resource "aws_lb_listener_rule" "weighted" {{
  listener_arn = aws_lb_listener.http.arn
  action {{
    type = "forward"
    forward {{
      target_group {{
        arn    = aws_lb_target_group.app.arn
        weight = 80
      }}
      target_group {{
        arn    = aws_lb_target_group.blue.arn
        weight = 20
      }}
      stickiness {{
        enabled  = true
        duration = 600
      }}
    }}
  }}
  condition {{
    http_header {{
      http_header_name = "X-Canary"
      values           = ["1", "yes"]
    }}
  }}
}}
resource "aws_lb_target_group" "spare" {{
  name_prefix = "sp-"
  port        = {spare_port}
  protocol    = "HTTP"
  vpc_id      = aws_vpc.main.id
}}
resource "aws_lb_listener" "http" {{
  load_balancer_arn = aws_lb.main.arn
  port              = 80
  protocol          = "HTTP"
{http_action}
}}
resource "aws_lb_listener" "alt" {{
  load_balancer_arn = {alt_lb}.arn
  port              = 8080
  default_action {{
    type = "redirect"
    redirect {{
      port        = "443"
      protocol    = "HTTPS"
      status_code = "HTTP_301"
    }}
  }}
}}
resource "aws_lb_listener_rule" "api" {{
  listener_arn = aws_lb_listener.{rule_listener}.arn
  priority     = {priority}
  action {{
    type             = "forward"
    target_group_arn = aws_lb_target_group.app.arn
  }}
  condition {{
    path_pattern {{
      values = ["{path}"]
    }}
  }}
  condition {{
    host_header {{
      values = ["example.com"]
    }}
  }}
  tags = {{ route = "api" }}
}}
"#,
        net = network("10.40.0.0/16")
    )
}

/// The top-level attributes a planned change alters.
fn changed_attrs(plan: &Plan, addr: &str) -> Vec<String> {
    let c = plan
        .changes
        .iter()
        .find(|c| c.addr.to_string() == addr)
        .unwrap_or_else(|| panic!("{addr} not in plan"));
    let (Some(before), Some(after)) = (&c.before, &c.after) else {
        panic!("{addr}: not an update: {:?}", c.action);
    };
    let (b, a) = (before.as_map().unwrap(), after.as_map().unwrap());
    let mut out: Vec<String> = a
        .iter()
        .filter(|(k, v)| {
            v.contains_unknown() || !values_equal(b.get(*k).unwrap_or(&Value::Null), v)
        })
        .map(|(k, _)| k.clone())
        .collect();
    out.sort();
    out
}

/// Imports `addr`'s object by its ARN, puts the import into a copy of `state` in place of
/// the applied object, and checks that a plan then has nothing to do.
async fn import_converges(env: &Env, state: &State, src: &str, ty: &str, addr: &str) {
    let arn = attr(state, addr, "arn");
    let v = env
        .import(ty, &arn)
        .await
        .unwrap_or_else(|d| panic!("import {addr}: {d:?}"));
    assert_eq!(v.get_attr("id").and_then(Value::as_str), Some(arn.as_str()));
    let schema = &env.provider.schema().resources[ty].block;
    let mut imported = state.clone();
    let name = addr.split_once('.').unwrap().1;
    let r = imported
        .resources
        .iter_mut()
        .find(|r| r.ty == ty && r.name == name)
        .unwrap();
    let old = r.instances[0].attributes.clone();
    let mut new = terrane_engine::run::values::object_to_json(&v, schema);
    // Arguments an import cannot see (timeouts) come from configuration, as in Terraform.
    new["timeouts"] = old.to_json()["timeouts"].clone();
    r.instances[0].attributes = new.into();
    let plan = env.plan(src, &imported).await;
    assert!(
        !plan.has_changes(),
        "{addr} imported by ARN: {:?}",
        changes(&plan)
    );
}

async fn target_group(arn: &str) -> Option<aws_sdk_elasticloadbalancingv2::types::TargetGroup> {
    match elb()
        .describe_target_groups()
        .target_group_arns(arn)
        .send()
        .await
    {
        Ok(o) => o.target_groups().first().cloned(),
        Err(_) => None,
    }
}

async fn lb_attr(arn: &str, key: &str) -> Option<String> {
    elb()
        .describe_load_balancer_attributes()
        .load_balancer_arn(arn)
        .send()
        .await
        .unwrap()
        .attributes()
        .iter()
        .find(|a| a.key() == Some(key))
        .and_then(|a| a.value().map(str::to_string))
}

#[tokio::test]
async fn alb_lifecycle() {
    let env = Env::new();
    let s0 = src(&BASE);
    let state = env.apply(&s0, &State::new()).await;
    let lb = attr(&state, "aws_lb.main", "arn");
    assert_eq!(attr(&state, "aws_lb.main", "id"), lb);
    assert!(lb.contains(":loadbalancer/app/web/"), "{lb}");
    assert!(attr(&state, "aws_lb.main", "arn_suffix").starts_with("app/web/"));
    assert!(!attr(&state, "aws_lb.main", "dns_name").is_empty());
    assert!(!attr(&state, "aws_lb.main", "zone_id").is_empty());
    assert_eq!(
        attr(&state, "aws_lb.main", "vpc_id"),
        attr(&state, "aws_vpc.main", "id")
    );
    let side = attr(&state, "aws_alb.side", "name");
    assert!(side.starts_with("side-") && side.len() == 31, "{side}");
    let got = elb()
        .describe_load_balancers()
        .load_balancer_arns(&lb)
        .send()
        .await
        .unwrap();
    let l = &got.load_balancers()[0];
    assert_eq!(
        l.state().and_then(|s| s.code()).map(|c| c.as_str()),
        Some("active")
    );
    assert_eq!(l.availability_zones().len(), 2);
    let tg = attr(&state, "aws_lb_target_group.app", "arn");
    assert!(attr(&state, "aws_lb_target_group.app", "arn_suffix").starts_with("targetgroup/app/"));
    let t = target_group(&tg).await.unwrap();
    assert_eq!(t.health_check_path(), Some("/"));
    assert_eq!(t.healthy_threshold_count(), Some(3));
    assert_eq!(t.matcher().and_then(|m| m.http_code()), Some("200-299"));
    assert!(attr(&state, "aws_lb_target_group.spare", "name").starts_with("sp-"));
    assert_eq!(
        attr(&state, "aws_lb_target_group.app", "deregistration_delay"),
        "30"
    );
    let attrs = elb()
        .describe_target_group_attributes()
        .target_group_arn(&tg)
        .send()
        .await
        .unwrap();
    let sticky = |k: &str| {
        attrs
            .attributes()
            .iter()
            .find(|a| a.key() == Some(k))
            .and_then(|a| a.value().map(str::to_string))
    };
    assert_eq!(sticky("stickiness.enabled").as_deref(), Some("true"));
    assert_eq!(
        sticky("stickiness.lb_cookie.duration_seconds").as_deref(),
        Some("3600")
    );
    let weighted = attr(&state, "aws_lb_listener_rule.weighted", "arn");
    let r = elb()
        .describe_rules()
        .rule_arns(&weighted)
        .send()
        .await
        .unwrap();
    let fwd = r.rules()[0].actions()[0].forward_config().unwrap();
    let mut weights: Vec<i32> = fwd
        .target_groups()
        .iter()
        .filter_map(|t| t.weight())
        .collect();
    weights.sort_unstable();
    assert_eq!(weights, [20, 80]);
    assert!(r.rules()[0].priority().is_some_and(|p| p != "default"));
    let login = attr(&state, "aws_lb_listener_rule.login", "arn");
    let r = elb()
        .describe_rules()
        .rule_arns(&login)
        .send()
        .await
        .unwrap();
    let acts = r.rules()[0].actions();
    assert_eq!(acts.len(), 2);
    let oidc = acts
        .iter()
        .find(|a| a.order() == Some(1))
        .and_then(|a| a.authenticate_oidc_config())
        .unwrap();
    assert_eq!(oidc.client_id(), Some("terrane"));
    assert_eq!(oidc.session_timeout(), Some(3600));
    let plan = env.plan(&s0, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));

    // In place: idle timeout, health check path, the listener's default action (from a
    // fixed response to forwarding) and the rule's priority and path.
    let p1 = P {
        idle: 120,
        hc_path: "/health",
        http_action: FORWARD,
        priority: 20,
        path: "/v2/*",
        logs: true,
        sgs: "aws_security_group.lb.id, aws_security_group.extra.id",
        subnets: "aws_subnet.a.id, aws_subnet.b.id, aws_subnet.c.id",
        ..BASE
    };
    let s1 = src(&p1);
    let plan = env.plan(&s1, &state).await;
    assert_eq!(
        changes(&plan),
        [
            "Update aws_lb.main",
            "Update aws_lb_listener.http",
            "Update aws_lb_listener_rule.api",
            "Update aws_lb_target_group.app",
        ]
    );
    assert_eq!(
        changed_attrs(&plan, "aws_lb.main"),
        [
            "access_logs",
            "idle_timeout",
            "security_groups",
            "subnet_mapping",
            "subnets"
        ]
    );
    assert_eq!(
        changed_attrs(&plan, "aws_lb_target_group.app"),
        ["health_check"]
    );
    assert_eq!(
        changed_attrs(&plan, "aws_lb_listener_rule.api"),
        ["condition", "priority"]
    );
    let state = env.apply(&s1, &state).await;
    assert_eq!(
        attr(&state, "aws_lb.main", "arn"),
        lb,
        "updated, not replaced"
    );
    let got = elb()
        .describe_load_balancers()
        .load_balancer_arns(&lb)
        .send()
        .await
        .unwrap();
    assert_eq!(got.load_balancers()[0].security_groups().len(), 2);
    assert_eq!(got.load_balancers()[0].availability_zones().len(), 3);
    assert_eq!(
        lb_attr(&lb, "access_logs.s3.enabled").await.as_deref(),
        Some("true")
    );
    assert_eq!(
        lb_attr(&lb, "access_logs.s3.bucket").await.as_deref(),
        Some("lb-logs")
    );
    assert_eq!(
        lb_attr(&lb, "idle_timeout.timeout_seconds")
            .await
            .as_deref(),
        Some("120")
    );
    assert_eq!(
        target_group(&tg).await.unwrap().health_check_path(),
        Some("/health")
    );
    let http = attr(&state, "aws_lb_listener.http", "arn");
    let l = elb()
        .describe_listeners()
        .listener_arns(&http)
        .send()
        .await
        .unwrap();
    let a = &l.listeners()[0].default_actions()[0];
    assert_eq!(a.r#type().map(|t| t.as_str()), Some("forward"));
    assert_eq!(a.target_group_arn(), Some(tg.as_str()));
    let rule = attr(&state, "aws_lb_listener_rule.api", "arn");
    let r = elb()
        .describe_rules()
        .rule_arns(&rule)
        .send()
        .await
        .unwrap();
    assert_eq!(r.rules()[0].priority(), Some("20"));
    let plan = env.plan(&s1, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));

    // Import of each type by ARN gives back exactly what state holds.
    for (ty, addr) in [
        ("aws_lb", "aws_lb.main"),
        ("aws_alb", "aws_alb.side"),
        ("aws_lb_target_group", "aws_lb_target_group.app"),
        ("aws_lb_listener", "aws_lb_listener.http"),
        ("aws_lb_listener", "aws_lb_listener.alt"),
        ("aws_lb_listener_rule", "aws_lb_listener_rule.api"),
        ("aws_lb_listener_rule", "aws_lb_listener_rule.weighted"),
        ("aws_lb_listener_rule", "aws_lb_listener_rule.login"),
        ("aws_lb_target_group", "aws_lb_target_group.blue"),
    ] {
        import_converges(&env, &state, &s1, ty, addr).await;
    }
    assert!(env.import("aws_lb_listener", "not-an-arn").await.is_err());
    assert!(env
        .import(
            "aws_lb_target_group",
            &tg.replace("targetgroup/app/", "targetgroup/gone/")
        )
        .await
        .is_err());

    // Drift: changed outside terrane, the plan puts back exactly what changed.
    elb()
        .modify_target_group()
        .target_group_arn(&tg)
        .health_check_path("/changed")
        .send()
        .await
        .unwrap();
    elb()
        .modify_load_balancer_attributes()
        .load_balancer_arn(&lb)
        .attributes(
            aws_sdk_elasticloadbalancingv2::types::LoadBalancerAttribute::builder()
                .key("idle_timeout.timeout_seconds")
                .value("300")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let http = attr(&state, "aws_lb_listener.http", "arn");
    elb()
        .modify_listener()
        .listener_arn(&http)
        .default_actions(
            aws_sdk_elasticloadbalancingv2::types::Action::builder()
                .r#type(aws_sdk_elasticloadbalancingv2::types::ActionTypeEnum::FixedResponse)
                .order(1)
                .fixed_response_config(
                    aws_sdk_elasticloadbalancingv2::types::FixedResponseActionConfig::builder()
                        .content_type("text/plain")
                        .status_code("503")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    elb()
        .set_rule_priorities()
        .rule_priorities(
            aws_sdk_elasticloadbalancingv2::types::RulePriorityPair::builder()
                .rule_arn(attr(&state, "aws_lb_listener_rule.api", "arn"))
                .priority(30)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let plan = env.plan(&s1, &state).await;
    assert_eq!(
        changes(&plan),
        [
            "Update aws_lb.main",
            "Update aws_lb_listener.http",
            "Update aws_lb_listener_rule.api",
            "Update aws_lb_target_group.app",
        ]
    );
    assert_eq!(
        changed_attrs(&plan, "aws_lb_listener.http"),
        ["default_action"]
    );
    assert_eq!(
        changed_attrs(&plan, "aws_lb_listener_rule.api"),
        ["priority"]
    );
    assert_eq!(changed_attrs(&plan, "aws_lb.main"), ["idle_timeout"]);
    assert_eq!(
        changed_attrs(&plan, "aws_lb_target_group.app"),
        ["health_check"]
    );
    let state = env.apply(&s1, &state).await;
    assert_eq!(
        target_group(&tg).await.unwrap().health_check_path(),
        Some("/health")
    );
    assert_eq!(
        lb_attr(&lb, "idle_timeout.timeout_seconds")
            .await
            .as_deref(),
        Some("120")
    );
    let l = elb()
        .describe_listeners()
        .listener_arns(&http)
        .send()
        .await
        .unwrap();
    assert_eq!(
        l.listeners()[0].default_actions()[0].target_group_arn(),
        Some(tg.as_str())
    );
    let r = elb()
        .describe_rules()
        .rule_arns(attr(&state, "aws_lb_listener_rule.api", "arn"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.rules()[0].priority(), Some("20"));
    assert!(!env.plan(&s1, &state).await.has_changes());

    // Replacement: a target group's port, an ALB's scheme.
    let p2 = P {
        spare_port: 8081,
        side_internal: true,
        ..p1.clone()
    };
    let s2 = src(&p2);
    assert_eq!(
        changes(&env.plan(&s2, &state).await),
        [
            "DeleteThenCreate aws_alb.side",
            "DeleteThenCreate aws_lb_target_group.spare",
        ]
    );
    let old_spare = attr(&state, "aws_lb_target_group.spare", "arn");
    let state = env.apply(&s2, &state).await;
    assert!(target_group(&old_spare).await.is_none());
    let spare = attr(&state, "aws_lb_target_group.spare", "arn");
    assert_eq!(target_group(&spare).await.unwrap().port(), Some(8081));
    assert!(!env.plan(&s2, &state).await.has_changes());

    // A rule moved to another listener, then that listener moved to another balancer.
    let p3 = P {
        rule_listener: "alt",
        ..p2.clone()
    };
    let s3 = src(&p3);
    assert_eq!(
        changes(&env.plan(&s3, &state).await),
        ["DeleteThenCreate aws_lb_listener_rule.api"]
    );
    let state = env.apply(&s3, &state).await;
    assert!(!env.plan(&s3, &state).await.has_changes());
    let p4 = P {
        alt_lb: "aws_alb.side",
        ..p3.clone()
    };
    let s4 = src(&p4);
    assert_eq!(
        changes(&env.plan(&s4, &state).await),
        [
            "DeleteThenCreate aws_lb_listener.alt",
            "DeleteThenCreate aws_lb_listener_rule.api",
        ]
    );
    let state = env.apply(&s4, &state).await;
    assert!(attr(&state, "aws_lb_listener.alt", "load_balancer_arn").contains("/app/side-"));
    assert!(!env.plan(&s4, &state).await.has_changes());

    // Deleted outside terrane: a rule, a target group, then a whole balancer (its
    // listener and rule go with it). The plan re-creates them rather than failing.
    let rule = attr(&state, "aws_lb_listener_rule.api", "arn");
    elb().delete_rule().rule_arn(&rule).send().await.unwrap();
    let spare = attr(&state, "aws_lb_target_group.spare", "arn");
    elb()
        .delete_target_group()
        .target_group_arn(&spare)
        .send()
        .await
        .unwrap();
    assert_eq!(
        changes(&env.plan(&s4, &state).await),
        [
            "Create aws_lb_listener_rule.api",
            "Create aws_lb_target_group.spare",
        ]
    );
    let state = env.apply(&s4, &state).await;
    let side = attr(&state, "aws_alb.side", "arn");
    elb()
        .delete_load_balancer()
        .load_balancer_arn(&side)
        .send()
        .await
        .unwrap();
    assert_eq!(
        changes(&env.plan(&s4, &state).await),
        [
            "Create aws_alb.side",
            "Create aws_lb_listener.alt",
            "Create aws_lb_listener_rule.api",
        ]
    );
    let state = env.apply(&s4, &state).await;
    assert!(!env.plan(&s4, &state).await.has_changes());

    let vpc = attr(&state, "aws_vpc.main", "id");
    env.destroy(&s4, &state).await;
    let left = elb().describe_load_balancers().send().await.unwrap();
    assert!(left
        .load_balancers()
        .iter()
        .all(|l| l.vpc_id() != Some(vpc.as_str())));
    assert!(target_group(&tg).await.is_none());
}

fn many_src(n: usize) -> String {
    format!(
        r#"{net}
resource "aws_lb_target_group" "many" {{
  count    = {n}
  name     = "many-${{count.index}}"
  port     = 80
  protocol = "HTTP"
  vpc_id   = aws_vpc.main.id
}}
resource "aws_lb" "m" {{
  name    = "many"
  subnets = [aws_subnet.a.id, aws_subnet.b.id]
}}
resource "aws_lb_listener_rule" "r" {{
  count        = 3
  listener_arn = aws_lb_listener.l[0].arn
  priority     = 10 + count.index
  action {{
    type = "fixed-response"
    fixed_response {{
      content_type = "text/plain"
      status_code  = "404"
    }}
  }}
  condition {{
    path_pattern {{
      values = ["/r${{count.index}}/*"]
    }}
  }}
}}
resource "aws_lb_listener" "l" {{
  count             = {n}
  load_balancer_arn = aws_lb.m.arn
  port              = 8000 + count.index
  default_action {{
    type             = "forward"
    target_group_arn = aws_lb_target_group.many[count.index].arn
  }}
}}
"#,
        net = network("10.41.0.0/16")
    )
}

fn elbv2_calls(env: &Env) -> u64 {
    env.provider
        .api_call_counts()
        .get("elbv2")
        .copied()
        .unwrap_or(0)
}

/// A refresh reads all target groups with one DescribeTargetGroups call, all listeners of
/// a balancer with one DescribeListeners call, all rules of a listener with one
/// DescribeRules call, and all tags with one DescribeTags call per 20 ARNs and type; only
/// the per-object attribute calls grow with the count.
#[tokio::test]
async fn refresh_is_batched() {
    let env = Env::new();
    let n = 5;
    let src = many_src(n);
    let state = env.apply(&src, &State::new()).await;
    let before = elbv2_calls(&env);
    let plan = env.plan(&src, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));
    let calls = elbv2_calls(&env) - before;
    // Target groups: 1 DescribeTargetGroups + n DescribeTargetGroupAttributes + 1 DescribeTags.
    // Balancer: 1 DescribeLoadBalancers + 1 DescribeLoadBalancerAttributes + 1 DescribeTags.
    // Listeners: 1 DescribeListeners + n DescribeListenerAttributes + 1 DescribeTags.
    // Three rules of one listener: 1 DescribeRules + 1 DescribeTags.
    let n = n as u64;
    assert_eq!(
        calls,
        (2 + n) + 3 + (2 + n) + 2,
        "elbv2 calls for one refresh"
    );

    // One group deleted outside terrane: the batch falls back to a listing, the others
    // are still read and the missing one is planned for re-creation.
    let gone = attr(&state, "aws_lb_target_group.many[4]", "arn");
    let l4 = attr(&state, "aws_lb_listener.l[4]", "arn");
    elb()
        .delete_listener()
        .listener_arn(&l4)
        .send()
        .await
        .unwrap();
    elb()
        .delete_target_group()
        .target_group_arn(&gone)
        .send()
        .await
        .unwrap();
    let plan = env.plan(&src, &state).await;
    assert_eq!(
        changes(&plan),
        [
            "Create aws_lb_listener.l[4]",
            "Create aws_lb_target_group.many[4]",
        ]
    );
    let state = env.apply(&src, &state).await;
    env.destroy(&src, &state).await;
}

/// Values that are wrong whatever AWS says are rejected at plan, before any call.
#[tokio::test]
async fn invalid_arguments_are_rejected_before_any_call() {
    let env = Env::new();
    // Each case, and what the error names.
    let bad = [
        (
            r#"resource "aws_lb" "x" {
  name               = "x"
  load_balancer_type = "classic"
}"#,
            "classic",
        ),
        (
            r#"resource "aws_lb" "x" {
  name         = "x"
  idle_timeout = 0
}"#,
            "idle_timeout",
        ),
        (
            r#"resource "aws_lb_target_group" "x" {
  name     = "x"
  port     = 70000
  protocol = "HTTP"
  vpc_id   = "vpc-1"
}"#,
            "port",
        ),
        (
            r#"resource "aws_lb_target_group" "x" {
  name     = "x"
  port     = 80
  protocol = "HTTP"
  vpc_id   = "vpc-1"
  health_check {
    interval = 1
  }
}"#,
            "health_check.interval",
        ),
        (
            r#"resource "aws_lb_listener" "x" {
  load_balancer_arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/x/1"
  default_action {
    type = "redirect"
  }
}"#,
            "redirect block",
        ),
        (
            r#"resource "aws_lb_listener" "x" {
  load_balancer_arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/x/1"
  default_action {
    type             = "forward"
    target_group_arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/x/1"
  }
  timeouts {
    delete = "5m"
  }
}"#,
            "delete",
        ),
        (
            r#"resource "aws_lb_listener_rule" "x" {
  listener_arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/x/1/2"
  action {
    type = "fixed-response"
    fixed_response {
      content_type = "text/xml"
    }
  }
  condition {
    path_pattern {
      values = ["/a"]
    }
    host_header {
      values = ["a.example.com"]
    }
  }
}"#,
            "content_type",
        ),
    ];
    for (b, why) in bad {
        let src = format!("provider \"aws\" {{\n  region = \"us-east-1\"\n}}\n{b}\n");
        let got = env.try_plan(&src, &State::new(), PlanMode::Normal).await;
        let d = got.err().unwrap_or_else(|| panic!("accepted: {b}"));
        assert!(format!("{d:?}").contains(why), "{b}: {d:?}");
    }
    assert_eq!(elbv2_calls(&env), 0);
}

fn data_attr(state: &State, name: &str, k: &str) -> String {
    let r = state
        .resources
        .iter()
        .find(|r| r.mode == "data" && r.ty == "aws_lb" && r.name == name)
        .unwrap_or_else(|| panic!("data.aws_lb.{name} not in state"));
    r.instances[0].attributes.to_json()[k]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// The `aws_lb` data source finds a balancer by name or ARN, narrowed by tags.
#[tokio::test]
async fn lb_data_source() {
    let env = Env::new();
    let src = format!(
        r#"{net}
resource "aws_lb" "d" {{
  name            = "data-lb"
  internal        = true
  subnet_mapping {{
    subnet_id = aws_subnet.a.id
  }}
  subnet_mapping {{
    subnet_id = aws_subnet.b.id
  }}
  security_groups = [aws_security_group.lb.id]
  idle_timeout    = 90
  tags            = {{ env = "test" }}
}}
data "aws_lb" "by_name" {{
  name = aws_lb.d.name
}}
data "aws_lb" "by_arn" {{
  arn  = aws_lb.d.arn
  tags = {{ env = "test" }}
}}
"#,
        net = network("10.42.0.0/16")
    );
    let state = env.apply(&src, &State::new()).await;
    let plan = env.plan(&src, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));
    let arn = attr(&state, "aws_lb.d", "arn");
    for d in ["by_name", "by_arn"] {
        assert_eq!(data_attr(&state, d, "arn"), arn, "{d}");
        assert_eq!(data_attr(&state, d, "id"), arn, "{d}");
        assert_eq!(
            data_attr(&state, d, "dns_name"),
            attr(&state, "aws_lb.d", "dns_name"),
            "{d}"
        );
    }
    let r = state
        .resources
        .iter()
        .find(|r| r.mode == "data" && r.name == "by_name")
        .unwrap();
    let a = &r.instances[0].attributes.to_json();
    assert_eq!(a["idle_timeout"].as_f64(), Some(90.0));
    assert_eq!(a["internal"].as_bool(), Some(true));
    assert_eq!(a["tags"]["env"].as_str(), Some("test"));
    assert_eq!(a["subnets"].as_array().map(Vec::len), Some(2));
    assert_eq!(a["subnet_mapping"].as_array().map(Vec::len), Some(2));

    // Subnet mappings are fixed at creation: dropping one replaces the balancer.
    let one = src.replace(
        "  subnet_mapping {\n    subnet_id = aws_subnet.b.id\n  }\n",
        "",
    );
    assert_ne!(one, src);
    // (The data sources read it again once it exists.)
    assert_eq!(
        changes(&env.plan(&one, &state).await),
        [
            "Read data.aws_lb.by_arn",
            "Read data.aws_lb.by_name",
            "DeleteThenCreate aws_lb.d",
        ]
    );

    // A tag that does not match finds nothing: an error, as in Terraform.
    let wrong = src.replace(
        r#"arn  = aws_lb.d.arn
  tags = { env = "test" }"#,
        r#"arn  = aws_lb.d.arn
  tags = { env = "prod" }"#,
    );
    assert_ne!(wrong, src);
    let err = env
        .try_plan(&wrong, &state, PlanMode::Normal)
        .await
        .expect_err("a data source matching nothing fails the plan");
    assert!(format!("{err:?}").contains("no matching ELBv2 load balancer"));
    env.destroy(&src, &state).await;
}

/// A target group in use by a listener is replaced the way Terraform users do it: with
/// `create_before_destroy` and a name prefix, the new group is created, the listener
/// moved to it, and only then the old one deleted.
#[tokio::test]
async fn attached_target_group_replaced_before_destroy() {
    let env = Env::new();
    let src = |port: u32| {
        format!(
            r#"{net}
resource "aws_lb" "cbd" {{
  name    = "cbd"
  subnets = [aws_subnet.a.id, aws_subnet.b.id]
}}
resource "aws_lb_target_group" "app" {{
  name_prefix = "app-"
  port        = {port}
  protocol    = "HTTP"
  vpc_id      = aws_vpc.main.id
  target_type = "ip"
  lifecycle {{
    create_before_destroy = true
  }}
}}
resource "aws_lb_listener" "http" {{
  load_balancer_arn = aws_lb.cbd.arn
  port              = 80
  default_action {{
    type             = "forward"
    target_group_arn = aws_lb_target_group.app.arn
  }}
}}
"#,
            net = network("10.43.0.0/16")
        )
    };
    let state = env.apply(&src(80), &State::new()).await;
    let old = attr(&state, "aws_lb_target_group.app", "arn");
    let plan = env.plan(&src(8080), &state).await;
    assert_eq!(
        changes(&plan),
        [
            "Update aws_lb_listener.http",
            "CreateThenDelete aws_lb_target_group.app",
        ]
    );
    let state = env.apply(&src(8080), &state).await;
    let new = attr(&state, "aws_lb_target_group.app", "arn");
    assert_ne!(new, old);
    assert!(target_group(&old).await.is_none());
    assert_eq!(target_group(&new).await.unwrap().port(), Some(8080));
    let l = elb()
        .describe_listeners()
        .listener_arns(attr(&state, "aws_lb_listener.http", "arn"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        l.listeners()[0].default_actions()[0].target_group_arn(),
        Some(new.as_str())
    );
    assert!(!env.plan(&src(8080), &state).await.has_changes());
    env.destroy(&src(8080), &state).await;
}

/// What `provider_6_arguments` varies between its apply and its in-place update.
struct V6 {
    zonal_shift: bool,
    connection_logs_prefix: &'static str,
    frame_options: &'static str,
    tcp_idle: u32,
    proxy_protocol: bool,
    draining: u32,
    rewrite_to: &'static str,
}

fn v6_src(v: &V6) -> String {
    let V6 {
        zonal_shift,
        connection_logs_prefix,
        frame_options,
        tcp_idle,
        proxy_protocol,
        draining,
        rewrite_to,
    } = v;
    format!(
        r#"{net}
resource "aws_lb" "app" {{
  name               = "v6-app"
  subnets            = [aws_subnet.a.id, aws_subnet.b.id]
  security_groups    = [aws_security_group.lb.id]
  enable_zonal_shift = {zonal_shift}
  connection_logs {{
    bucket  = "conn-logs"
    prefix  = "{connection_logs_prefix}"
    enabled = true
  }}
  health_check_logs {{
    bucket  = "health-logs"
    enabled = false
  }}
}}
resource "aws_lb" "net" {{
  name                             = "v6-net"
  load_balancer_type               = "network"
  subnets                          = [aws_subnet.a.id, aws_subnet.b.id]
  security_groups                  = [aws_security_group.lb.id]
  enable_cross_zone_load_balancing = true
  dns_record_client_routing_policy = "availability_zone_affinity"
  enforce_security_group_inbound_rules_on_private_link_traffic = "off"
}}
resource "aws_lb_target_group" "web" {{
  name                              = "v6-web"
  port                              = 80
  protocol                          = "HTTP"
  vpc_id                            = aws_vpc.main.id
  load_balancing_algorithm_type     = "weighted_random"
  load_balancing_anomaly_mitigation = "on"
}}
resource "aws_lb_target_group" "tcp" {{
  name                   = "v6-tcp"
  port                   = 5432
  protocol               = "TCP"
  vpc_id                 = aws_vpc.main.id
  proxy_protocol_v2      = {proxy_protocol}
  connection_termination = true
  preserve_client_ip     = "false"
  target_health_state {{
    enable_unhealthy_connection_termination = false
    unhealthy_draining_interval             = {draining}
  }}
  target_group_health {{
    dns_failover {{
      minimum_healthy_targets_count = "2"
    }}
    unhealthy_state_routing {{
      minimum_healthy_targets_percentage = "50"
    }}
  }}
}}
resource "aws_lb_target_group" "fn" {{
  name                               = "v6-fn"
  target_type                        = "lambda"
  lambda_multi_value_headers_enabled = true
}}
resource "aws_lb_listener" "http" {{
  load_balancer_arn                                  = aws_lb.app.arn
  port                                               = 80
  protocol                                           = "HTTP"
  routing_http_response_server_enabled               = false
  routing_http_response_x_frame_options_header_value = "{frame_options}"
  default_action {{
    type             = "forward"
    target_group_arn = aws_lb_target_group.web.arn
  }}
}}
resource "aws_lb_listener" "tcp" {{
  load_balancer_arn        = aws_lb.net.arn
  port                     = 5432
  protocol                 = "TCP"
  tcp_idle_timeout_seconds = {tcp_idle}
  default_action {{
    type             = "forward"
    target_group_arn = aws_lb_target_group.tcp.arn
  }}
}}
resource "aws_lb_listener_rule" "rewrite" {{
  listener_arn = aws_lb_listener.http.arn
  priority     = 10
  action {{
    type             = "forward"
    target_group_arn = aws_lb_target_group.web.arn
  }}
  condition {{
    path_pattern {{
      values = ["/v1/*"]
    }}
  }}
  transform {{
    type = "url-rewrite"
    url_rewrite_config {{
      rewrite {{
        regex   = "^/v1/(.*)$"
        replace = "{rewrite_to}"
      }}
    }}
  }}
}}
"#,
        net = network("10.42.0.0/16")
    )
}

/// The Key/Value attributes AWS holds for a load balancer, target group or listener.
async fn kv(arn: &str) -> std::collections::HashMap<String, String> {
    let e = elb();
    let pair = |k: Option<&str>, v: Option<&str>| Some((k?.to_string(), v?.to_string()));
    if arn.contains(":loadbalancer/") {
        let o = e.describe_load_balancer_attributes().load_balancer_arn(arn);
        let out = o.send().await.unwrap();
        out.attributes()
            .iter()
            .filter_map(|a| pair(a.key(), a.value()))
            .collect()
    } else if arn.contains(":targetgroup/") {
        let o = e.describe_target_group_attributes().target_group_arn(arn);
        let out = o.send().await.unwrap();
        out.attributes()
            .iter()
            .filter_map(|a| pair(a.key(), a.value()))
            .collect()
    } else {
        let o = e.describe_listener_attributes().listener_arn(arn);
        let out = o.send().await.unwrap();
        out.attributes()
            .iter()
            .filter_map(|a| pair(a.key(), a.value()))
            .collect()
    }
}

/// Asserts Key/Value attributes AWS holds for `addr`'s object.
async fn assert_kv(state: &State, addr: &str, want: &[(&str, &str)]) {
    let got = kv(&attr(state, addr, "arn")).await;
    for (k, v) in want {
        assert_eq!(got.get(*k).map(String::as_str), Some(*v), "{addr}: {k}");
    }
}

/// The arguments the AWS provider 6.x added to load balancers, target groups, listeners
/// and rules (those the community ALB module sets) reach AWS on create and on an
/// in-place update, and read back without a diff.
#[tokio::test]
async fn provider_6_arguments() {
    let env = Env::new();
    let v1 = V6 {
        zonal_shift: true,
        connection_logs_prefix: "app",
        frame_options: "DENY",
        tcp_idle: 120,
        proxy_protocol: true,
        draining: 300,
        rewrite_to: "/$1",
    };
    let s1 = v6_src(&v1);
    let state = env.apply(&s1, &State::new()).await;
    let plan = env.plan(&s1, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));

    assert_kv(
        &state,
        "aws_lb.app",
        &[
            ("zonal_shift.config.enabled", "true"),
            ("connection_logs.s3.enabled", "true"),
            ("connection_logs.s3.bucket", "conn-logs"),
            ("health_check_logs.s3.enabled", "false"),
        ],
    )
    .await;
    assert_kv(
        &state,
        "aws_lb.net",
        &[
            ("load_balancing.cross_zone.enabled", "true"),
            (
                "dns_record.client_routing_policy",
                "availability_zone_affinity",
            ),
        ],
    )
    .await;
    assert_kv(
        &state,
        "aws_lb_target_group.web",
        &[("load_balancing.algorithm.anomaly_mitigation", "on")],
    )
    .await;
    assert_kv(
        &state,
        "aws_lb_target_group.tcp",
        &[
            ("proxy_protocol_v2.enabled", "true"),
            (
                "deregistration_delay.connection_termination.enabled",
                "true",
            ),
            ("preserve_client_ip.enabled", "false"),
            (
                "target_health_state.unhealthy.draining_interval_seconds",
                "300",
            ),
            (
                "target_group_health.dns_failover.minimum_healthy_targets.count",
                "2",
            ),
            (
                "target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage",
                "50",
            ),
        ],
    )
    .await;
    assert_kv(
        &state,
        "aws_lb_target_group.fn",
        &[("lambda.multi_value_headers.enabled", "true")],
    )
    .await;
    assert_kv(
        &state,
        "aws_lb_listener.http",
        &[
            ("routing.http.response.server.enabled", "false"),
            ("routing.http.response.x_frame_options.header_value", "DENY"),
        ],
    )
    .await;
    assert_kv(
        &state,
        "aws_lb_listener.tcp",
        &[("tcp.idle_timeout.seconds", "120")],
    )
    .await;

    // Every changed argument updates in place.
    let v2 = V6 {
        zonal_shift: false,
        connection_logs_prefix: "app2",
        frame_options: "SAMEORIGIN",
        tcp_idle: 300,
        proxy_protocol: false,
        draining: 600,
        rewrite_to: "/v2/$1",
    };
    let s2 = v6_src(&v2);
    let plan = env.plan(&s2, &state).await;
    let mut got = changes(&plan);
    got.sort();
    assert_eq!(
        got,
        [
            "Update aws_lb.app",
            "Update aws_lb_listener.http",
            "Update aws_lb_listener.tcp",
            "Update aws_lb_listener_rule.rewrite",
            "Update aws_lb_target_group.tcp",
        ]
    );
    let state = env.apply(&s2, &state).await;
    let plan = env.plan(&s2, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));
    assert_kv(
        &state,
        "aws_lb.app",
        &[
            ("zonal_shift.config.enabled", "false"),
            ("connection_logs.s3.prefix", "app2"),
        ],
    )
    .await;
    assert_kv(
        &state,
        "aws_lb_target_group.tcp",
        &[
            ("proxy_protocol_v2.enabled", "false"),
            (
                "target_health_state.unhealthy.draining_interval_seconds",
                "600",
            ),
        ],
    )
    .await;
    assert_kv(
        &state,
        "aws_lb_listener.http",
        &[(
            "routing.http.response.x_frame_options.header_value",
            "SAMEORIGIN",
        )],
    )
    .await;
    assert_kv(
        &state,
        "aws_lb_listener.tcp",
        &[("tcp.idle_timeout.seconds", "300")],
    )
    .await;
    env.destroy(&s2, &state).await;
}

/// A group with two attachments (the first on `port`), or without when `port` is `None`.
fn attachment_src(port: Option<u32>) -> String {
    let group = format!(
        r#"{net}
resource "aws_lb_target_group" "ips" {{
  name        = "attach-ips"
  port        = 80
  protocol    = "HTTP"
  vpc_id      = aws_vpc.main.id
  target_type = "ip"
}}
"#,
        net = network("10.43.0.0/16")
    );
    let Some(port) = port else { return group };
    format!(
        r#"{group}
resource "aws_lb_target_group_attachment" "a" {{
  target_group_arn = aws_lb_target_group.ips.arn
  target_id        = "10.43.1.10"
  port             = {port}
}}
resource "aws_alb_target_group_attachment" "b" {{
  target_group_arn = aws_lb_target_group.ips.arn
  target_id        = "10.43.1.11"
}}
"#
    )
}

/// The targets registered with a group, as (ID, port), sorted.
async fn registered(tg: &str) -> Vec<(String, i32)> {
    let got = elb()
        .describe_target_health()
        .target_group_arn(tg)
        .send()
        .await
        .unwrap();
    let mut out: Vec<(String, i32)> = got
        .target_health_descriptions()
        .iter()
        .filter_map(|d| d.target())
        .map(|t| {
            (
                t.id().unwrap_or_default().to_string(),
                t.port().unwrap_or(0),
            )
        })
        .collect();
    out.sort();
    out
}

/// Attachments register their targets, read back without a diff (one DescribeTargetHealth
/// per group), replace when a port changes, notice a target deregistered elsewhere, and
/// deregister when removed.
#[tokio::test]
async fn target_group_attachments() {
    let env = Env::new();
    let s1 = attachment_src(Some(8080));
    let state = env.apply(&s1, &State::new()).await;
    let tg = attr(&state, "aws_lb_target_group.ips", "arn");
    assert!(attr(&state, "aws_lb_target_group_attachment.a", "id").starts_with(&format!("{tg}-")));
    assert_eq!(
        registered(&tg).await,
        [
            ("10.43.1.10".to_string(), 8080),
            ("10.43.1.11".to_string(), 80)
        ]
    );
    let plan = env.plan(&s1, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));

    let s2 = attachment_src(Some(9090));
    let plan = env.plan(&s2, &state).await;
    assert_eq!(
        changes(&plan),
        ["DeleteThenCreate aws_lb_target_group_attachment.a"]
    );
    let state = env.apply(&s2, &state).await;
    assert_eq!(
        registered(&tg).await,
        [
            ("10.43.1.10".to_string(), 9090),
            ("10.43.1.11".to_string(), 80)
        ]
    );

    elb()
        .deregister_targets()
        .target_group_arn(&tg)
        .targets(
            aws_sdk_elasticloadbalancingv2::types::TargetDescription::builder()
                .id("10.43.1.11")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let plan = env.plan(&s2, &state).await;
    assert_eq!(changes(&plan), ["Create aws_alb_target_group_attachment.b"]);
    let s3 = attachment_src(None);
    let state = env.apply(&s3, &state).await;
    assert_eq!(registered(&tg).await, []);
    env.destroy(&s3, &state).await;
}

/// An IAM server certificate ARN (moto checks ACM certificates, not IAM ones).
fn server_cert(name: &str) -> String {
    format!("arn:aws:iam::123456789012:server-certificate/{name}")
}

fn https_src(header: &str) -> String {
    format!(
        r#"{net}
resource "aws_lb" "tls" {{
  name    = "tls"
  subnets = [aws_subnet.a.id, aws_subnet.b.id]
}}
resource "aws_lb_listener" "https" {{
  load_balancer_arn = aws_lb.tls.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = "{main}"
  routing_http_request_x_amzn_tls_version_header_name = "{header}"
  mutual_authentication {{
    mode = "passthrough"
  }}
  default_action {{
    type = "fixed-response"
    fixed_response {{
      content_type = "text/plain"
      status_code  = "200"
    }}
  }}
}}
resource "aws_lb_listener_certificate" "extra" {{
  listener_arn    = aws_lb_listener.https.arn
  certificate_arn = "{extra}"
}}
"#,
        net = network("10.44.0.0/16"),
        main = server_cert("main"),
        extra = server_cert("extra"),
    )
}

/// An HTTPS listener with mutual TLS and a request header, and an extra SNI certificate:
/// created, read back without a diff (the default certificate stays the configured one
/// beside the extra), the header renamed in place, the certificate removed on destroy.
#[tokio::test]
async fn https_listener_certificates_and_headers() {
    let env = Env::new();
    let s1 = https_src("X-TLS-Version");
    let state = env.apply(&s1, &State::new()).await;
    let plan = env.plan(&s1, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));
    let listener = attr(&state, "aws_lb_listener.https", "arn");
    assert_eq!(
        attr(&state, "aws_lb_listener_certificate.extra", "id"),
        format!("{listener}_{}", server_cert("extra"))
    );
    let listed = elb()
        .describe_listener_certificates()
        .listener_arn(&listener)
        .send()
        .await
        .unwrap();
    assert!(listed
        .certificates()
        .iter()
        .any(|c| c.certificate_arn() == Some(server_cert("extra").as_str())));
    let key = "routing.http.request.x_amzn_tls_version.header_name";
    assert_kv(&state, "aws_lb_listener.https", &[(key, "X-TLS-Version")]).await;

    let s2 = https_src("X-TLS");
    let plan = env.plan(&s2, &state).await;
    assert_eq!(changes(&plan), ["Update aws_lb_listener.https"]);
    let state = env.apply(&s2, &state).await;
    assert_kv(&state, "aws_lb_listener.https", &[(key, "X-TLS")]).await;
    let plan = env.plan(&s2, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));
    env.destroy(&s2, &state).await;
}
