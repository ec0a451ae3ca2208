//! The harness shared by the test files: an engine run over one AwsProvider against the
//! process's moto server, and helpers to read state and plans.
// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use std::sync::Arc;

use terrane_engine::addr::Mode;
use terrane_engine::diag::Diagnostics;
use terrane_engine::lang::Value;
use terrane_engine::plan::{Action, Plan, PlanMode};
use terrane_engine::provider::{ImportRequest, Provider, ReadRequest};
use terrane_engine::run::{
    self, ApplyEvent, ApplyObserver, Context, Options, Providers, StateDelta,
};
use terrane_engine::state::State;
use terrane_provider_aws::AwsProvider;

/// The engine's observer that records nothing.
pub use terrane_engine::run::Quiet;

/// Keeps the "Still creating..." progress events of an apply, as "ADDR Ns".
#[derive(Default)]
pub struct Progress(pub std::sync::Mutex<Vec<String>>);
impl ApplyObserver for Progress {
    fn event(&self, e: ApplyEvent<'_>) {
        if let ApplyEvent::Still { addr, elapsed, .. } = e {
            let mut v = self.0.lock().unwrap();
            v.push(format!("{addr} {}s", elapsed.as_secs()));
        }
    }
    fn record(&self, _d: StateDelta<'_>) -> std::io::Result<()> {
        Ok(())
    }
}

pub fn sdk_config() -> aws_sdk_ec2::Config {
    let m = terrane_test_support::moto();
    aws_sdk_ec2::Config::builder()
        .behavior_version(aws_sdk_ec2::config::BehaviorVersion::latest())
        .region(aws_sdk_ec2::config::Region::new("us-east-1"))
        .endpoint_url(&m.endpoint)
        .credentials_provider(aws_sdk_ec2::config::Credentials::new(
            "test", "test", None, None, "test",
        ))
        .build()
}

/// An EC2 Describe filter with one value.
pub fn filter(name: &str, value: &str) -> aws_sdk_ec2::types::Filter {
    aws_sdk_ec2::types::Filter::builder()
        .name(name)
        .values(value)
        .build()
}

/// An EC2 client for out-of-band changes and checks.
pub fn ec2() -> aws_sdk_ec2::Client {
    aws_sdk_ec2::Client::from_conf(sdk_config())
}

/// An RDS client for out-of-band changes and checks.
pub fn rds() -> aws_sdk_rds::Client {
    let m = terrane_test_support::moto();
    aws_sdk_rds::Client::from_conf(
        aws_sdk_rds::Config::builder()
            .behavior_version(aws_sdk_rds::config::BehaviorVersion::latest())
            .region(aws_sdk_rds::config::Region::new("us-east-1"))
            .endpoint_url(&m.endpoint)
            .credentials_provider(aws_sdk_rds::config::Credentials::new(
                "test", "test", None, None, "test",
            ))
            .build(),
    )
}

/// API calls the provider has made to one service so far.
pub fn calls(env: &Env, service: &str) -> u64 {
    env.provider
        .api_call_counts()
        .get(service)
        .copied()
        .unwrap_or(0)
}

pub struct Env {
    pub dir: tempfile::TempDir,
    pub provider: Arc<AwsProvider>,
}

impl Env {
    /// The plan as `terrane plan` prints it, read with the AWS provider's schemas.
    pub fn render(&self, plan: &Plan) -> String {
        let providers = Providers::new(vec![self.provider.clone() as Arc<dyn Provider>]);
        terrane_engine::plan::render::render_plan(
            plan,
            &providers,
            terrane_engine::plan::render::Style { color: false },
        )
    }

    pub fn new() -> Env {
        terrane_test_support::moto().export_env();
        Env {
            dir: tempfile::tempdir().unwrap(),
            provider: Arc::new(AwsProvider::new()),
        }
    }

    pub fn ctx(&self, src: &str, mode: PlanMode) -> Context {
        let dir = self.dir.path();
        std::fs::write(dir.join("main.tf"), src).unwrap();
        let (module, diags) = terrane_engine::config::load_dir(dir);
        assert!(!diags.has_errors(), "{diags:?}");
        let graph = terrane_engine::graph::build(&module).unwrap();
        let providers: Vec<Arc<dyn Provider>> = vec![self.provider.clone()];
        let variables = run::vars::resolve(&module, &[], &[], dir).unwrap();
        Context {
            module: Arc::new(module),
            graph,
            providers: Arc::new(Providers::new(providers)),
            variables,
            options: Options {
                mode,
                ..Options::default()
            },
        }
    }

    pub async fn plan(&self, src: &str, state: &State) -> Plan {
        self.try_plan(src, state, PlanMode::Normal)
            .await
            .unwrap_or_else(|d| panic!("plan failed: {d:?}"))
    }

    pub async fn try_plan(
        &self,
        src: &str,
        state: &State,
        mode: PlanMode,
    ) -> Result<Plan, Diagnostics> {
        let ctx = self.ctx(src, mode);
        let (plan, diags) = run::plan(&ctx, state).await;
        plan.ok_or(diags)
    }

    pub async fn apply_mode(
        &self,
        src: &str,
        state: &State,
        mode: PlanMode,
    ) -> (State, Diagnostics) {
        self.apply_observed(src, state, mode, &Quiet).await
    }

    /// Plans and applies, reporting progress to `observer`; errors are returned, not fatal.
    pub async fn apply_observed(
        &self,
        src: &str,
        state: &State,
        mode: PlanMode,
        observer: &dyn ApplyObserver,
    ) -> (State, Diagnostics) {
        let ctx = self.ctx(src, mode.clone());
        let (plan, diags) = run::plan(&ctx, state).await;
        let plan = plan.unwrap_or_else(|| panic!("plan failed: {diags:?}"));
        let (mut new, diags) = run::apply(&ctx, &plan, observer).await;
        new.serial += 1;
        (new, diags)
    }

    pub async fn apply(&self, src: &str, state: &State) -> State {
        let (s, d) = self.apply_mode(src, state, PlanMode::Normal).await;
        assert!(!d.has_errors(), "apply failed: {d:?}");
        s
    }

    pub async fn destroy(&self, src: &str, state: &State) -> State {
        let (s, d) = self.apply_mode(src, state, PlanMode::Destroy).await;
        assert!(!d.has_errors(), "destroy failed: {d:?}");
        // Data sources stay in the engine's state after destroy (an engine matter).
        let managed: Vec<_> = s.resources.iter().filter(|r| r.mode == "managed").collect();
        assert!(managed.is_empty(), "{managed:?}");
        s
    }

    /// Imports `id` as a `ty`, returning the state or the diagnostics.
    pub async fn import(
        &self,
        ty: &str,
        id: &str,
    ) -> Result<terrane_engine::lang::Value, Diagnostics> {
        let got = self
            .provider
            .import(ImportRequest {
                type_name: ty.into(),
                id: id.into(),
            })
            .await;
        got.state.ok_or(got.diagnostics)
    }

    /// Imports `id` as a `ty` and refreshes it, as `terrane import` does: `None` when
    /// there is no such object.
    pub async fn import_refreshed(&self, ty: &str, id: &str) -> Option<Value> {
        let object = self.import(ty, id).await.ok()?;
        let read = self
            .provider
            .read(vec![ReadRequest {
                address: String::new(),
                stored: None,
                type_name: ty.to_string(),
                current: object,
                private: None,
                schema_version: None,
            }])
            .await;
        read.into_iter().next().and_then(|r| r.new_state)
    }

    /// What `terrane import ADDR ID` does: forgets `addr` in `state` (so the object is known
    /// only by its ID), imports it, refreshes it and records the result at `addr`.
    pub async fn import_into(&self, state: &State, addr: &str, id: &str) -> State {
        let parsed: terrane_engine::addr::InstanceAddr = addr.parse().unwrap();
        let ty = parsed.resource.ty.clone();
        let object = self
            .import_refreshed(&ty, id)
            .await
            .unwrap_or_else(|| panic!("import {addr} {id}: no such object"));
        let providers = Providers::new(vec![self.provider.clone() as Arc<dyn Provider>]);
        let instance = terrane_engine::run::instance_state(
            &parsed,
            &object,
            providers.schema(Mode::Managed, &ty),
            Vec::new(),
            None,
            false,
        );
        let mut state = state.clone();
        let r = state
            .resources
            .iter_mut()
            .find(|r| r.mode == "managed" && r.ty == ty && r.name == parsed.resource.name)
            .unwrap_or_else(|| panic!("{addr} not in state"));
        r.instances.retain(|i| i.index_key != parsed.key);
        r.instances.push(instance);
        state
    }

    pub fn ec2_calls(&self) -> u64 {
        self.provider
            .api_call_counts()
            .get("ec2")
            .copied()
            .unwrap_or(0)
    }
}

/// An attribute of `addr` in state as text.
pub fn attr(state: &State, addr: &str, name: &str) -> String {
    let (ty, rest) = addr.split_once('.').unwrap();
    let (rname, idx) = match rest.split_once('[') {
        Some((n, i)) => (n, i.trim_end_matches(']').parse::<usize>().unwrap()),
        None => (rest, 0),
    };
    let r = state
        .resources
        .iter()
        .find(|r| r.ty == ty && r.name == rname && r.mode == "managed")
        .unwrap_or_else(|| panic!("{addr} not in state"));
    // Numbers and bools as written in an import ID; null as "".
    match &r.instances[idx].attributes.to_json()[name] {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The non-no-op changes of a plan, as "action address".
pub fn changes(plan: &Plan) -> Vec<String> {
    plan.changes
        .iter()
        .filter(|c| c.action != Action::NoOp)
        .map(|c| format!("{:?} {}", c.action, c.addr))
        .collect()
}

/// The top-level attributes that differ between two objects (`None` is an absent object).
fn differing(before: Option<&Value>, after: Option<&Value>) -> Vec<String> {
    let empty = std::collections::BTreeMap::new();
    let b = before.and_then(Value::as_map).unwrap_or(&empty);
    let a = after.and_then(Value::as_map).unwrap_or(&empty);
    let mut keys: Vec<String> = b
        .keys()
        .chain(a.keys())
        .filter(|k| {
            terrane_engine::plan::render::differs(
                b.get(*k).unwrap_or(&Value::Null),
                a.get(*k).unwrap_or(&Value::Null),
            )
        })
        .cloned()
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// The attributes a plan changes on `addr` (before = refreshed state, after = planned).
pub fn changed_attrs(plan: &Plan, addr: &str) -> Vec<String> {
    let c = plan
        .changes
        .iter()
        .find(|c| c.addr.to_string() == addr)
        .unwrap_or_else(|| panic!("no change for {addr}"));
    differing(c.before.as_ref(), c.after.as_ref())
}

/// The attributes that changed outside terrane on `addr`, as the plan's drift reports them.
pub fn drifted_attrs(plan: &Plan, addr: &str) -> Vec<String> {
    let d = plan
        .drift
        .iter()
        .find(|d| d.addr.to_string() == addr)
        .unwrap_or_else(|| panic!("no drift for {addr}"));
    differing(Some(&d.before), d.after.as_ref())
}

/// An attribute of data source `ty.name` as read into state (JSON).
pub fn data_attr(state: &State, ty: &str, name: &str, attr: &str) -> serde_json::Value {
    let r = state
        .resources
        .iter()
        .find(|r| r.ty == ty && r.name == name && r.mode == "data")
        .unwrap_or_else(|| panic!("data.{ty}.{name} not in state"));
    r.instances[0].attributes.to_json()[attr].clone()
}

/// The plan changes exactly `attrs` of `addr` in place; after the apply the next plan is
/// empty.
pub async fn updated(env: &Env, src: &str, state: &State, addr: &str, attrs: &[&str]) -> State {
    let plan = env.plan(src, state).await;
    assert_eq!(changes(&plan), [format!("Update {addr}")]);
    assert_eq!(changed_attrs(&plan, addr), attrs);
    let state = env.apply(src, state).await;
    let plan = env.plan(src, &state).await;
    assert!(!plan.has_changes(), "{:?}", changes(&plan));
    state
}

pub async fn converged(env: &Env, src: &str, state: &State) {
    let plan = env.plan(src, state).await;
    let what: Vec<_> = changes(&plan)
        .iter()
        .map(|c| {
            let addr = c.split_once(' ').map_or("", |x| x.1);
            format!("{c}: {:?}", changed_attrs(&plan, addr))
        })
        .collect();
    assert!(!plan.has_changes(), "{what:?}");
}

/// Crash recovery finds `addr`'s object by its identity (its name), and nothing for a
/// name no object has.
pub async fn found_by_identity(env: &Env, state: &State, addr: &str) {
    let (ty, name) = addr.split_once('.').unwrap();
    let r = state
        .resources
        .iter()
        .find(|r| r.ty == ty && r.name == name && r.mode == "managed")
        .unwrap();
    let obj = terrane_engine::lang::Value::from_json(&r.instances[0].attributes.to_json());
    let p = env.provider.as_ref();
    let identity = p.identity(ty, &obj).expect("an identity");
    let found = p.find_by_identity(ty, &identity).await.unwrap();
    assert_eq!(
        found.and_then(|f| f.get_attr("id").cloned()),
        obj.get_attr("id").cloned()
    );
    // The same identity with every name in it (not the region) naming nothing.
    let mut other = identity.clone();
    for (k, v) in other.0.iter_mut() {
        if k != "region" {
            *v = "alias/find-nothing-here".into();
        }
    }
    assert!(
        p.find_by_identity(ty, &other).await.unwrap().is_none(),
        "{addr}"
    );
}
