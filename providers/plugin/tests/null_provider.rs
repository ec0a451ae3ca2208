//! The real terraform-provider-null 2.1.2 (plugin protocol 5) driven through the `Provider`
//! trait: schema, configure, the whole lifecycle of a null_resource, import, and a data
//! source.

use std::collections::BTreeMap;
use std::sync::Arc;

use terrane_engine::lang::Value;
use terrane_engine::provider::{
    ApplyRequest, ConfigureRequest, ImportRequest, PlanRequest, Provider, ReadDataRequest,
    ReadRequest,
};
use terrane_provider_plugin::{PluginProvider, PluginSchema};

async fn null_provider() -> PluginProvider {
    let path = terrane_test_support::plugins::null_provider().unwrap_or_else(|e| panic!("{e}"));
    let schema = PluginSchema::fetch(&path).await.unwrap();
    let p = PluginProvider::new(
        "registry.terraform.io/hashicorp/null",
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

fn triggers(pairs: &[(&str, &str)]) -> Value {
    Value::Map(
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_string(), Value::string(*v)))
            .collect::<BTreeMap<_, _>>(),
    )
}

fn config(t: Value) -> Value {
    Value::object([("id", Value::Null), ("triggers", t)])
}

async fn plan(p: &PluginProvider, prior: Option<&Value>, config: &Value) -> (Value, Vec<String>) {
    let mut proposed = config.clone();
    if let Value::Object(m) = &mut proposed {
        m.insert(
            "id".into(),
            prior
                .and_then(|p| p.get_attr("id").cloned())
                .unwrap_or(Value::Unknown),
        );
    }
    let r = p
        .plan(PlanRequest {
            address: String::new(),
            type_name: "null_resource".into(),
            prior: prior.cloned(),
            config: config.clone(),
            proposed,
            private: None,
        })
        .await;
    assert!(!r.diagnostics.has_errors(), "{:?}", r.diagnostics);
    (r.planned, r.requires_replace)
}

async fn apply(
    p: &PluginProvider,
    prior: Option<Value>,
    planned: Option<Value>,
    config: Value,
) -> Option<Value> {
    let r = p
        .apply(ApplyRequest {
            address: String::new(),
            type_name: "null_resource".into(),
            prior,
            planned,
            config,
            private: None,
        })
        .await;
    assert!(!r.diagnostics.has_errors(), "{:?}", r.diagnostics);
    r.new_state
}

#[tokio::test]
async fn the_schema_is_the_plugins() {
    let p = null_provider().await;
    let s = &p.schema().resources["null_resource"].block;
    let mut names: Vec<_> = s.attributes.keys().cloned().collect();
    names.sort();
    assert_eq!(names, ["id", "triggers"]);
    assert!(s.attributes["id"].computed);
    assert!(p.schema().data_sources.contains_key("null_data_source"));
}

#[tokio::test]
async fn a_null_resource_lives_and_dies_through_the_plugin() {
    let p = null_provider().await;
    let cfg = config(triggers(&[("a", "1")]));

    let (planned, replace) = plan(&p, None, &cfg).await;
    assert!(replace.is_empty());
    assert_eq!(planned.get_attr("id"), Some(&Value::Unknown));
    let created = apply(&p, None, Some(planned), cfg.clone()).await.unwrap();
    let id = created
        .get_attr("id")
        .and_then(Value::as_str)
        .unwrap()
        .to_string();
    assert!(id.parse::<u64>().is_ok(), "{id}");

    // Refresh reads it back unchanged (after upgrading the stored JSON).
    let read = p
        .read(vec![ReadRequest {
            address: String::new(),
            stored: None,
            type_name: "null_resource".into(),
            current: created.clone(),
            private: None,
            schema_version: None,
        }])
        .await;
    assert_eq!(read[0].new_state.as_ref(), Some(&created));

    // The same configuration plans no change and no replacement.
    let (same, replace) = plan(&p, Some(&created), &cfg).await;
    assert_eq!(same, created);
    assert!(replace.is_empty());

    // Changed triggers force a new object.
    let cfg2 = config(triggers(&[("a", "2")]));
    let (_, replace) = plan(&p, Some(&created), &cfg2).await;
    assert_eq!(replace, ["triggers"]);

    let gone = apply(&p, Some(created), None, Value::Null).await;
    assert_eq!(gone, None);
}

#[tokio::test]
async fn import_errors_come_from_the_plugin() {
    // null 2.1.2 predates import support for null_resource, and says so.
    let p = null_provider().await;
    let r = p
        .import(ImportRequest {
            type_name: "null_resource".into(),
            id: "4242".into(),
        })
        .await;
    assert_eq!(r.state, None);
    let msgs: Vec<_> = r.diagnostics.iter().map(ToString::to_string).collect();
    assert_eq!(
        msgs,
        ["Error: resource null_resource doesn't support import"]
    );
}

#[tokio::test]
async fn data_sources_are_read() {
    let p = null_provider().await;
    let cfg = Value::object([
        ("inputs", triggers(&[("x", "y")])),
        ("has_computed_default", Value::Null),
        ("id", Value::Null),
        ("outputs", Value::Null),
        ("random", Value::Null),
    ]);
    let r = p
        .read_data(ReadDataRequest {
            address: String::new(),
            type_name: "null_data_source".into(),
            config: cfg,
        })
        .await;
    assert!(!r.diagnostics.has_errors(), "{:?}", r.diagnostics);
    assert_eq!(r.state.get_attr("outputs"), Some(&triggers(&[("x", "y")])));
    assert_eq!(
        r.state.get_attr("has_computed_default"),
        Some(&Value::string("default"))
    );
}

#[tokio::test]
async fn a_binary_that_is_not_a_plugin_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("terraform-provider-fake");
    std::fs::write(&fake, "#!/bin/sh\necho 'hello from a script'\n").unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let err = PluginSchema::fetch(&fake).await.err().unwrap();
    insta::assert_snapshot!(err.to_string(), @r#"the plugin did not complete the handshake: it printed "hello from a script" instead of a plugin handshake; is it a Terraform provider plugin?"#);

    // Run without its cookie, a real plugin says it is one and exits.
    let null = terrane_test_support::plugins::null_provider().unwrap();
    let out = std::process::Command::new(null).output().unwrap();
    assert!(!out.status.success());
}

#[tokio::test(flavor = "multi_thread")]
async fn null_2_1_2_is_reached_over_automtls() {
    use terrane_provider_plugin::client::{call, Method};
    use terrane_provider_plugin::{process::Process, proto};
    let path = terrane_test_support::plugins::null_provider().unwrap_or_else(|e| panic!("{e}"));
    let p = Process::launch(&path).await.unwrap();
    // Its go-plugin answers PLUGIN_CLIENT_CERT with a certificate: the channel is TLS.
    assert!(p.tls);
    let schema: proto::GetSchemaResponse =
        call(&p, Method::GetSchema, proto::Empty {}).await.unwrap();
    assert!(schema.resource_schemas.contains_key("null_resource"));
    p.shutdown().await;
}
