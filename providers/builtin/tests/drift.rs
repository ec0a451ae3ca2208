//! Drift reports at the engine level, with a provider whose objects can be changed or
//! deleted "outside terrane" between runs (what moto does for the AWS provider's tests).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use terrane_engine::run::Quiet;

use async_trait::async_trait;
use terrane_engine::diag::Diagnostics;
use terrane_engine::drift::{self, DriftKind, IgnoreRules};
use terrane_engine::lang::{Type, Value};
use terrane_engine::plan::PlanMode;
use terrane_engine::provider::*;
use terrane_engine::run::{self, Context, Options, Providers};
use terrane_engine::state::State;

/// Objects live in `world`; tests edit it to simulate changes made outside terrane.
struct World {
    schema: ProviderSchema,
    world: Mutex<HashMap<String, Value>>,
    next: Mutex<u32>,
}

impl World {
    fn new() -> World {
        let mut block = BlockSchema::default();
        block
            .attributes
            .insert("id".into(), AttributeSchema::computed(Type::String));
        block
            .attributes
            .insert("name".into(), AttributeSchema::required(Type::String));
        block.attributes.insert(
            "tags".into(),
            AttributeSchema::optional(Type::Map(Box::new(Type::String))),
        );
        let mut schema = ProviderSchema::default();
        schema
            .resources
            .insert("ext_thing".into(), ResourceSchema { version: 0, block });
        World {
            schema,
            world: Mutex::new(HashMap::new()),
            next: Mutex::new(0),
        }
    }
}

#[async_trait]
impl Provider for World {
    fn source(&self) -> &str {
        "example.com/test/ext"
    }
    fn schema(&self) -> &ProviderSchema {
        &self.schema
    }
    async fn configure(&self, _: ConfigureRequest) -> Diagnostics {
        Diagnostics::new()
    }
    async fn read(&self, reqs: Vec<ReadRequest>) -> Vec<ReadResponse> {
        let w = self.world.lock().unwrap();
        reqs.into_iter()
            .map(|r| {
                let id = r
                    .current
                    .get_attr("id")
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string();
                ReadResponse {
                    private: None,
                    new_state: w.get(&id).cloned(),
                    diagnostics: Diagnostics::new(),
                }
            })
            .collect()
    }
    async fn plan(&self, req: PlanRequest) -> PlanResponse {
        PlanResponse {
            planned: req.proposed,
            requires_replace: Vec::new(),
            private: None,
            diagnostics: Diagnostics::new(),
        }
    }
    async fn apply(&self, req: ApplyRequest) -> ApplyResponse {
        let mut w = self.world.lock().unwrap();
        let new_state = match req.planned {
            None => {
                let id = req
                    .prior
                    .as_ref()
                    .and_then(|p| p.get_attr("id"))
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string();
                w.remove(&id);
                None
            }
            Some(Value::Object(mut m)) => {
                if !matches!(m.get("id"), Some(Value::String(_))) {
                    let mut n = self.next.lock().unwrap();
                    *n += 1;
                    m.insert("id".into(), Value::string(format!("thing-{n}")));
                }
                let v = Value::Object(m);
                w.insert(
                    v.get_attr("id")
                        .and_then(|v| v.as_str())
                        .unwrap_or_default()
                        .to_string(),
                    v.clone(),
                );
                Some(v)
            }
            Some(other) => Some(other),
        };
        ApplyResponse {
            new_state,
            private: None,
            legacy_type_system: false,
            diagnostics: Diagnostics::new(),
        }
    }
    async fn import(&self, _: ImportRequest) -> ImportResponse {
        ImportResponse {
            state: None,
            private: None,
            diagnostics: Diagnostics::new(),
        }
    }
    async fn read_data(&self, _: ReadDataRequest) -> ReadDataResponse {
        ReadDataResponse {
            state: Value::Null,
            diagnostics: Diagnostics::new(),
        }
    }
}

const CONFIG: &str = r#"
resource "ext_thing" "tagged" {
  name = "a"
  tags = { Name = "a", Team = "infra" }
}
resource "ext_thing" "gone" { name = "b" }
resource "ext_thing" "ignored" {
  name = "c"
  tags = { Name = "c" }
  lifecycle { ignore_changes = [tags] }
}
"#;

async fn setup() -> (tempfile::TempDir, Context, Arc<World>, State) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.tf"), CONFIG).unwrap();
    let (module, d) = terrane_engine::config::load_dir(dir.path());
    assert!(!d.has_errors(), "{d:?}");
    let graph = terrane_engine::graph::build(&module).unwrap();
    let world = Arc::new(World::new());
    let providers = Providers::new(vec![world.clone() as Arc<dyn Provider>]);
    let ctx = Context {
        module: Arc::new(module),
        graph,
        providers: Arc::new(providers),
        variables: Default::default(),
        options: Options {
            mode: PlanMode::Normal,
            ..Options::default()
        },
    };
    let (plan, d) = run::plan(&ctx, &State::new()).await;
    let (state, d2) = run::apply(&ctx, &plan.unwrap_or_else(|| panic!("{d:?}")), &Quiet).await;
    assert!(d2.is_empty(), "{d2:?}");
    (dir, ctx, world, state)
}

fn edit(world: &World, id: &str, f: impl FnOnce(&mut std::collections::BTreeMap<String, Value>)) {
    let mut w = world.world.lock().unwrap();
    if let Some(Value::Object(m)) = w.get_mut(id) {
        f(m);
    }
}

fn id_of(state: &State, name: &str) -> String {
    state
        .resources
        .iter()
        .find(|r| r.name == name)
        .unwrap()
        .instances[0]
        .attributes
        .to_json()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn in_sync_until_something_changes_outside() {
    let (_dir, ctx, world, state) = setup().await;
    let (plan, _) = run::plan(&ctx, &state).await;
    let r = drift::report(
        "default",
        &plan.unwrap(),
        &ctx.module,
        &IgnoreRules::default(),
    );
    assert!(r.in_sync(), "{r:?}");
    assert_eq!(drift::exit_code(&[r]), 0);

    edit(&world, &id_of(&state, "tagged"), |m| {
        m.insert(
            "tags".into(),
            Value::Map(
                [
                    ("Name".to_string(), Value::string("renamed")),
                    ("Team".to_string(), Value::string("infra")),
                ]
                .into(),
            ),
        );
    });
    world.world.lock().unwrap().remove(&id_of(&state, "gone"));
    edit(&world, &id_of(&state, "ignored"), |m| {
        m.insert(
            "tags".into(),
            Value::Map([("Name".to_string(), Value::string("scanner"))].into()),
        );
    });

    let (plan, _) = run::plan(&ctx, &state).await;
    let r = drift::report(
        "default",
        &plan.unwrap(),
        &ctx.module,
        &IgnoreRules::default(),
    );
    let by_addr: HashMap<&str, &DriftKind> = r
        .drifted
        .iter()
        .map(|d| (d.address.as_str(), &d.kind))
        .collect();
    match by_addr["ext_thing.tagged"] {
        DriftKind::Changed(attrs) => {
            assert_eq!(attrs.len(), 1, "only the changed tag: {attrs:?}");
            assert_eq!(attrs[0].path, "tags.Name");
            assert_eq!(attrs[0].before, Value::string("a"));
            assert_eq!(attrs[0].after, Value::string("renamed"));
        }
        other => panic!("expected a change, got {other:?}"),
    }
    assert_eq!(by_addr["ext_thing.gone"], &DriftKind::Deleted);
    assert!(
        !by_addr.contains_key("ext_thing.ignored"),
        "ignore_changes = [tags] hides tag drift"
    );
    // The tag change also makes the config differ (plan would put it back); the deleted
    // object is reported once, as drift.
    let changes: Vec<&str> = r
        .config_changes
        .iter()
        .map(|c| c.address.as_str())
        .collect();
    assert_eq!(changes, ["ext_thing.tagged"]);
    assert_eq!(drift::exit_code(std::slice::from_ref(&r)), 2);

    let json = drift::render_json(std::slice::from_ref(&r));
    assert!(
        json.contains("\"format_version\": \"1.0\"") && json.contains("\"path\": \"tags.Name\""),
        "{json}"
    );
    let md = drift::render_markdown(&[r], ctx.providers.as_ref());
    assert!(
        md.contains("| `ext_thing.tagged` | changed | `tags.Name` | `\"a\"` | `\"renamed\"` |"),
        "{md}"
    );

    // The ignore file silences known noise.
    let rules = IgnoreRules::parse("ext_thing.* tags.Name\next_thing.gone\n").unwrap();
    let (plan, _) = run::plan(&ctx, &state).await;
    let r = drift::report("default", &plan.unwrap(), &ctx.module, &rules);
    assert!(r.drifted.is_empty(), "{r:?}");
}
