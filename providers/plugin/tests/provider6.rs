//! Ephemeral resources and actions through the `Provider` trait, against terrane's
//! protocol-6 test provider (test-support/provider6): open, renew and close a token whose
//! lease the provider keeps; plan and invoke an action that streams its progress.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use terrane_engine::lang::Value;
use terrane_engine::provider::{
    CloseEphemeralRequest, ConfigureRequest, InvokeActionRequest, OpenEphemeralRequest,
    PlanActionRequest, Provider, RenewEphemeralRequest,
};
use terrane_provider_plugin::{PluginProvider, PluginSchema};
use terrane_test_support::plugins::{example_provider, EXAMPLE_PROVIDER_DIR_ENV};

/// The provider, keeping its objects in `store`.
async fn example(store: &std::path::Path) -> PluginProvider {
    // The plugin inherits this; the cases run one after another (see `cases`), since
    // the environment is the process's.
    std::env::set_var(EXAMPLE_PROVIDER_DIR_ENV, store);
    let path = example_provider().unwrap_or_else(|e| panic!("{e}"));
    let schema = PluginSchema::fetch(&path).await.unwrap();
    assert_eq!(schema.protocol, 6);
    assert!(schema
        .schema
        .ephemeral_resources
        .contains_key("example_token"));
    assert!(schema.schema.actions["example_marker"]
        .block
        .attributes
        .contains_key("path"));
    let p = PluginProvider::new(
        "registry.terraform.io/terrane/example",
        path,
        Arc::new(schema),
    );
    let d = p
        .configure(ConfigureRequest {
            config: Value::Null,
        })
        .await;
    assert!(!d.has_errors(), "{d:?}");
    p
}

fn leases(store: &std::path::Path) -> serde_json::Value {
    let text = std::fs::read_to_string(store.join("objects.json")).unwrap();
    serde_json::from_str::<serde_json::Value>(&text).unwrap()["leases"].clone()
}

async fn a_token_is_opened_renewed_and_closed_with_its_lease() {
    let store = tempfile::tempdir().unwrap();
    let p = example(store.path()).await;
    let before = SystemTime::now();
    let opened = p
        .open_ephemeral(OpenEphemeralRequest {
            type_name: "example_token".into(),
            address: "ephemeral.example_token.t".into(),
            config: Value::object([("name", Value::string("db")), ("value", Value::Null)]),
        })
        .await;
    assert!(!opened.diagnostics.has_errors(), "{:?}", opened.diagnostics);
    assert_eq!(
        opened.result.get_attr("value"),
        Some(&Value::string("token-db-1"))
    );
    let renew_at = opened.renew_at.expect("the token asks to be renewed");
    assert!(renew_at > before && renew_at < before + Duration::from_secs(10));
    assert!(opened.private.is_some());
    assert_eq!(leases(store.path())["lease-1"], "open");

    let renewed = p
        .renew_ephemeral(RenewEphemeralRequest {
            type_name: "example_token".into(),
            private: opened.private.clone(),
        })
        .await;
    assert!(
        !renewed.diagnostics.has_errors(),
        "{:?}",
        renewed.diagnostics
    );
    assert!(renewed.renew_at.is_some());
    assert_eq!(leases(store.path())["lease-1"], "renewed");

    let d = p
        .close_ephemeral(CloseEphemeralRequest {
            type_name: "example_token".into(),
            private: renewed.private.clone(),
        })
        .await;
    assert!(!d.has_errors(), "{d:?}");
    assert_eq!(leases(store.path())["lease-1"], "closed");

    // A closed lease cannot be renewed: the provider's own error comes back.
    let again = p
        .renew_ephemeral(RenewEphemeralRequest {
            type_name: "example_token".into(),
            private: renewed.private,
        })
        .await;
    assert!(again.diagnostics.has_errors());
    assert!(format!("{:?}", again.diagnostics).contains("is closed"));
}

async fn an_action_is_planned_and_invoked_with_its_progress() {
    let store = tempfile::tempdir().unwrap();
    let p = example(store.path()).await;
    let marker = store.path().join("marker.txt");
    let config = |path: &str| {
        Value::object([
            ("path", Value::string(path)),
            ("text", Value::string("done")),
        ])
    };
    let d = p
        .plan_action(PlanActionRequest {
            type_name: "example_marker".into(),
            config: config(""),
        })
        .await;
    assert!(format!("{d:?}").contains("must not be empty"), "{d:?}");
    let path = marker.display().to_string();
    let d = p
        .plan_action(PlanActionRequest {
            type_name: "example_marker".into(),
            config: config(&path),
        })
        .await;
    assert!(!d.has_errors(), "{d:?}");

    let lines = Arc::new(Mutex::new(Vec::new()));
    let seen = lines.clone();
    let d = p
        .invoke_action(InvokeActionRequest {
            type_name: "example_marker".into(),
            address: "action.example_marker.m".into(),
            config: config(&path),
            progress: Arc::new(move |m: &str| seen.lock().unwrap().push(m.to_string())),
        })
        .await;
    assert!(!d.has_errors(), "{d:?}");
    assert_eq!(
        *lines.lock().unwrap(),
        [format!("writing {path}"), "wrote 4 bytes".to_string()]
    );
    assert_eq!(std::fs::read_to_string(&marker).unwrap(), "done");

    // A failure inside the action comes back as its diagnostics.
    let d = p
        .invoke_action(InvokeActionRequest {
            type_name: "example_marker".into(),
            address: "action.example_marker.m".into(),
            config: config("/nonexistent/dir/marker"),
            progress: Arc::new(|_: &str| {}),
        })
        .await;
    assert!(
        format!("{d:?}").contains("Cannot write the marker"),
        "{d:?}"
    );
}

/// Starts the test provider with `EXAMPLE_PROVIDER_TLS` set to `mode` and asks for its
/// schema.
async fn launch(mode: &str) -> Result<(bool, usize), terrane_provider_plugin::Error> {
    use terrane_provider_plugin::client::{call, Method};
    use terrane_provider_plugin::{process::Process, proto};
    std::env::set_var("EXAMPLE_PROVIDER_TLS", mode);
    let path = example_provider().unwrap_or_else(|e| panic!("{e}"));
    let p = Process::launch(&path).await?;
    let schema: Result<proto::GetSchemaResponse, _> =
        call(&p, Method::GetSchema, proto::Empty {}).await;
    p.shutdown().await;
    Ok((p.tls, schema?.resource_schemas.len()))
}

async fn a_plugin_offering_automtls_is_reached_over_tls() {
    assert_eq!(launch("").await.unwrap(), (true, 1));
}

async fn a_plugin_ignoring_automtls_is_reached_over_plain_grpc() {
    assert_eq!(launch("off").await.unwrap(), (false, 1));
}

async fn a_certificate_other_than_the_announced_one_is_refused() {
    let e = launch("wrong-cert").await.unwrap_err().to_string();
    assert!(
        e.contains("TLS handshake failed") && e.contains("not the one its handshake announced"),
        "{e}"
    );
}

/// The cases above, one after another: each sets process environment variables that the
/// plugin it starts inherits, which concurrent tests in one process (`cargo test`) would
/// overwrite under each other.
#[tokio::test(flavor = "multi_thread")]
async fn cases() {
    a_token_is_opened_renewed_and_closed_with_its_lease().await;
    an_action_is_planned_and_invoked_with_its_progress().await;
    a_plugin_offering_automtls_is_reached_over_tls().await;
    a_plugin_ignoring_automtls_is_reached_over_plain_grpc().await;
    a_certificate_other_than_the_announced_one_is_refused().await;
}
