//! examples/webapp through a bad network (issue #17): every AWS request of the `terrane`
//! binary goes through the fault proxy, which throttles 20% of them (each service's own
//! throttling error), answers 5% with HTTP 503, drops the connection of 1% without an
//! answer, and delays every one by 200 ms. The apply must complete with every object in
//! state, the next plan must be empty, and destroy must leave nothing in moto (an object
//! state had lost would be left behind). Its own test binary, so its own moto server.
//! With TERRANE_RELIABILITY_LONG set (scripts/reliability), the destroy goes through the
//! faults too.

mod webapp_support;

use std::time::Duration;

use terrane_test_support::fault::{Fault, FaultProxy, Rule, When};
use webapp_support::{copy_example, leftovers, sdk, Stack};

/// "Apply complete! Resources: 3 added, ..." -> 3.
fn added(stdout: &str) -> usize {
    stdout
        .split("Resources: ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no apply summary in:\n{stdout}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn webapp_applies_converges_and_destroys_through_faults() {
    let proxy = FaultProxy::for_moto();
    proxy.add(Rule::new(None, When::Chance(0.20), Fault::Throttle));
    proxy.add(Rule::new(None, When::Chance(0.05), Fault::Unavailable));
    proxy.add(Rule::new(None, When::Chance(0.01), Fault::Reset));
    proxy.set_latency(Duration::from_millis(200));
    let scratch = tempfile::tempdir().unwrap();
    let env = terrane_test_support::moto()
        .env()
        .into_iter()
        .map(|(k, v)| match k {
            "AWS_ENDPOINT_URL" => (k, proxy.endpoint.clone()),
            _ => (k, v),
        })
        .collect();
    let s = Stack {
        dir: copy_example(scratch.path()),
        env,
    };
    let sdk = sdk();
    assert!(leftovers(&sdk).await.is_empty(), "moto starts empty");

    s.run(&["init"]).code(0);
    let started = std::time::Instant::now();
    let applied = s.run(&["apply", "-auto-approve"]).code(0);
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(s.dir.join("terraform.tfstate")).unwrap()).unwrap();
    let managed: usize = state["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["mode"] == "managed")
        .map(|r| r["instances"].as_array().map_or(0, Vec::len))
        .sum();
    assert_eq!(
        added(&applied.stdout),
        managed,
        "every object created is in state"
    );
    let again = s.run(&["plan", "-detailed-exitcode"]).code(0);
    assert!(again.stdout.contains("No changes."), "{again}");
    println!(
        "through the proxy: {} requests, {} answered with throttling or 503, {} connections dropped",
        proxy.seen(None),
        proxy.failed(None),
        proxy.resets()
    );
    assert!(
        proxy.failed(None) >= 10,
        "faults were injected: {}",
        proxy.failed(None)
    );

    println!("apply and plan through faults: {:?}", started.elapsed());
    // Destroying through the faults doubles the run; the long form (scripts/reliability)
    // does it, the normal suite destroys on a clean network. Either way an object state
    // had lost would be left in moto.
    if std::env::var_os("TERRANE_RELIABILITY_LONG").is_none() {
        proxy.clear();
        proxy.set_latency(Duration::ZERO);
    }
    let off = [("TF_VAR_db_deletion_protection", "false")];
    s.run_with(&["apply", "-auto-approve"], &off).code(0);
    s.run_with(&["destroy", "-auto-approve"], &off).code(0);
    let left = leftovers(&sdk).await;
    assert!(left.is_empty(), "left behind after destroy: {left:?}");
    println!("whole run: {:?}", started.elapsed());
}
