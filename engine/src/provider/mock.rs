//! A recording mock provider for tests (behind the `mock` feature; never in the binary).
//!
//! It serves one managed type and one data source, both `mock_thing`, and keeps a small
//! world of live objects so that ordering mistakes fail the way a cloud API would: an
//! object with `parent = "x"` cannot be created unless `x` exists, and `x` cannot be
//! deleted while such a child lives (like an ECS cluster with services). The data source
//! looks a live object up by `name`. Every finished call is recorded as `"<verb> <name>"`
//! (`create`, `update`, `delete`, `read`, `refresh`, `import`, `find`, and `open`,
//! `renew`, `close` of the ephemeral `mock_thing`, whose `secret` is `secret-<name>`), so
//! tests assert the order of operations; each name can be made to fail, to wait before answering, to
//! return a chosen `output`, or to make its object and never answer (a create in flight
//! when the run dies). An object's identity for crash recovery is its `name`.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;

use super::{
    ApplyRequest, ApplyResponse, AttributeSchema, BlockSchema, CloseEphemeralRequest,
    ConfigureRequest, Identity, ImportRequest, ImportResponse, InvokeActionRequest,
    OpenEphemeralRequest, OpenEphemeralResponse, PlanActionRequest, PlanRequest, PlanResponse,
    Provider, ProviderSchema, ReadDataRequest, ReadDataResponse, ReadRequest, ReadResponse,
    RenewEphemeralRequest, RenewEphemeralResponse, ResourceSchema,
};
use crate::diag::{Diagnostic, Diagnostics};
use crate::lang::{Type, Value};

/// The type the mock serves, as a managed resource and as a data source.
pub const MOCK_TYPE: &str = "mock_thing";

/// Which call a scripted behaviour applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Call {
    Create,
    Update,
    Delete,
    Read,
    Refresh,
    Import,
    /// `find_by_identity`.
    Find,
    /// The ephemeral resource's calls.
    Open,
    Renew,
    Close,
    /// The action's calls (`plan-action`, `invoke`).
    PlanAction,
    Invoke,
}

impl Call {
    fn verb(self) -> &'static str {
        match self {
            Call::Create => "create",
            Call::Update => "update",
            Call::Delete => "delete",
            Call::Read => "read",
            Call::Refresh => "refresh",
            Call::Import => "import",
            Call::Find => "find",
            Call::Open => "open",
            Call::Renew => "renew",
            Call::Close => "close",
            Call::PlanAction => "plan-action",
            Call::Invoke => "invoke",
        }
    }
}

#[derive(Default)]
struct Script {
    fail: BTreeMap<(String, Call), String>,
    delay: BTreeMap<String, Duration>,
    output: BTreeMap<String, Value>,
    hang: std::collections::BTreeSet<String>,
    /// Ephemeral objects that ask to be renewed this long after opening.
    renew_after: BTreeMap<String, Duration>,
}

/// The recording mock; see the module documentation.
pub struct MockProvider {
    schema: ProviderSchema,
    script: Mutex<Script>,
    /// Live objects by name.
    world: Mutex<BTreeMap<String, Value>>,
    calls: Mutex<Vec<String>>,
    /// How many times the provider was configured (kept apart from `calls`, whose order
    /// tests assert).
    configured: std::sync::atomic::AtomicUsize,
    serial: Mutex<u64>,
    /// The write-only `token_wo` each create or update received, by object name.
    tokens: Mutex<BTreeMap<String, Value>>,
}

impl Default for MockProvider {
    fn default() -> Self {
        Self::new()
    }
}

fn thing_schema(data: bool) -> ResourceSchema {
    let mut block = BlockSchema::default();
    let a = &mut block.attributes;
    a.insert("name".into(), AttributeSchema::required(Type::String));
    a.insert("id".into(), AttributeSchema::computed(Type::String));
    a.insert("output".into(), AttributeSchema::computed(Type::String));
    if !data {
        a.insert("input".into(), AttributeSchema::optional(Type::String));
        a.insert(
            "replace".into(),
            AttributeSchema::optional(Type::String).force_new(),
        );
        a.insert("parent".into(), AttributeSchema::optional(Type::String));
        a.insert(
            "token_wo".into(),
            AttributeSchema {
                write_only: true,
                ..AttributeSchema::optional(Type::String)
            },
        );
    }
    ResourceSchema { version: 0, block }
}

/// The ephemeral `mock_thing`: opened by `name`, it gives a `secret`.
fn ephemeral_schema() -> ResourceSchema {
    let mut block = BlockSchema::default();
    let a = &mut block.attributes;
    a.insert("name".into(), AttributeSchema::required(Type::String));
    a.insert(
        "secret".into(),
        AttributeSchema {
            sensitive: true,
            ..AttributeSchema::computed(Type::String)
        },
    );
    ResourceSchema { version: 0, block }
}

fn name_of(v: &Value) -> String {
    v.unmark()
        .get_attr("name")
        .and_then(|n| n.unmark().as_str())
        .unwrap_or_default()
        .to_string()
}

fn attr_str(v: &Value, attr: &str) -> Option<String> {
    v.unmark()
        .get_attr(attr)
        .and_then(|n| n.unmark().as_str())
        .map(str::to_string)
}

impl MockProvider {
    pub fn new() -> MockProvider {
        let mut schema = ProviderSchema::default();
        schema
            .resources
            .insert(MOCK_TYPE.into(), thing_schema(false));
        schema
            .data_sources
            .insert(MOCK_TYPE.into(), thing_schema(true));
        schema
            .ephemeral_resources
            .insert(MOCK_TYPE.into(), ephemeral_schema());
        // The action `mock_thing`: `config { name = "..." }`.
        let mut action = BlockSchema::default();
        action
            .attributes
            .insert("name".into(), AttributeSchema::required(Type::String));
        schema.actions.insert(
            MOCK_TYPE.into(),
            ResourceSchema {
                version: 0,
                block: action,
            },
        );
        MockProvider {
            schema,
            script: Mutex::new(Script::default()),
            world: Mutex::new(BTreeMap::new()),
            calls: Mutex::new(Vec::new()),
            configured: std::sync::atomic::AtomicUsize::new(0),
            serial: Mutex::new(0),
            tokens: Mutex::new(BTreeMap::new()),
        }
    }

    /// Makes the ephemeral object `name` ask to be renewed `d` after it opens (and after
    /// each renewal).
    pub fn renew_after(&self, name: &str, d: Duration) {
        self.lock_script().renew_after.insert(name.to_string(), d);
    }

    /// The write-only `token_wo` the last create or update of `name` received.
    pub fn token_of(&self, name: &str) -> Option<Value> {
        self.tokens
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
            .cloned()
    }

    fn renew_at(&self, name: &str) -> Option<std::time::SystemTime> {
        let after = self.lock_script().renew_after.get(name).copied()?;
        Some(std::time::SystemTime::now() + after)
    }

    /// Makes `call` on the object named `name` fail with `message`.
    pub fn fail(&self, name: &str, call: Call, message: &str) {
        self.lock_script()
            .fail
            .insert((name.to_string(), call), message.to_string());
    }

    /// Makes every call on the object named `name` wait `d` before answering, so that an
    /// operation that is not ordered after it finishes first.
    pub fn delay(&self, name: &str, d: Duration) {
        self.lock_script().delay.insert(name.to_string(), d);
    }

    /// Makes the create of `name` make its object, then never answer: the apply can only
    /// be abandoned, as when the process is killed with the call in flight.
    pub fn hang_after_create(&self, name: &str) {
        self.lock_script().hang.insert(name.to_string());
    }

    /// Makes an object named `name` (with no optional argument set) exist without a call:
    /// a killed run's create that the cloud carries out after the next run looked for it.
    pub fn appear(&self, name: &str) {
        let mut planned = BTreeMap::new();
        planned.insert("name".into(), Value::string(name));
        for attr in ["input", "replace", "parent", "token_wo"] {
            planned.insert(attr.into(), Value::Null);
        }
        let object = self.realize(&Value::Object(planned), name);
        self.lock_world().insert(name.to_string(), object);
    }

    /// Makes the object (or data source) named `name` report `output = v`.
    pub fn output(&self, name: &str, v: Value) {
        self.lock_script().output.insert(name.to_string(), v);
    }

    /// The finished calls so far, in order: `"create a"`, `"delete b"`.
    pub fn calls(&self) -> Vec<String> {
        self.calls.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Only the finished calls of one verb, as names: `deletes()` -> `["b", "a"]`.
    pub fn calls_of(&self, call: Call) -> Vec<String> {
        let prefix = format!("{} ", call.verb());
        self.calls()
            .into_iter()
            .filter_map(|c| c.strip_prefix(&prefix).map(str::to_string))
            .collect()
    }

    /// How many times a run configured the provider.
    pub fn configured(&self) -> usize {
        self.configured.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Forgets the recorded calls (the world stays).
    pub fn clear_calls(&self) {
        self.calls.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    /// Names of the objects that exist now.
    pub fn live(&self) -> Vec<String> {
        self.lock_world().keys().cloned().collect()
    }

    fn lock_script(&self) -> std::sync::MutexGuard<'_, Script> {
        self.script.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn lock_world(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Value>> {
        self.world.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits as scripted, then fails as scripted or records the call.
    async fn enter(&self, name: &str, call: Call) -> Result<(), Diagnostics> {
        let delay = self.lock_script().delay.get(name).copied();
        if let Some(d) = delay {
            tokio::time::sleep(d).await;
        }
        if let Some(msg) = self
            .lock_script()
            .fail
            .get(&(name.to_string(), call))
            .cloned()
        {
            return Err(Diagnostic::error(msg).into());
        }
        Ok(())
    }

    fn record(&self, name: &str, call: Call) {
        self.calls
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(format!("{} {name}", call.verb()));
    }

    fn scripted_output(&self, name: &str) -> Value {
        self.lock_script()
            .output
            .get(name)
            .cloned()
            .unwrap_or_else(|| Value::string(format!("out-{name}")))
    }

    /// The planned object with every unknown filled in, as a create or update makes it.
    fn realize(&self, planned: &Value, name: &str) -> Value {
        let mut obj = planned.unmark().as_map().cloned().unwrap_or_default();
        if obj.get("id").is_none_or(Value::is_unknown) {
            let mut serial = self.serial.lock().unwrap_or_else(|e| e.into_inner());
            *serial += 1;
            obj.insert("id".into(), Value::string(format!("{name}-{serial}")));
        }
        if obj.get("output").is_none_or(Value::is_unknown) {
            obj.insert("output".into(), self.scripted_output(name));
        }
        Value::Object(obj)
    }

    async fn create_or_update(&self, req: &ApplyRequest, planned: &Value) -> ApplyResponse {
        let name = name_of(planned);
        let call = if req.prior.is_some() {
            Call::Update
        } else {
            Call::Create
        };
        if let Err(diagnostics) = self.enter(&name, call).await {
            return failed(diagnostics);
        }
        if let Some(parent) = attr_str(planned, "parent") {
            if !self.lock_world().contains_key(&parent) {
                return failed(
                    Diagnostic::error(format!("{name}: parent {parent:?} does not exist")).into(),
                );
            }
        }
        let new = self.realize(planned, &name);
        if let Some(token) = req.config.unmark().get_attr("token_wo") {
            self.tokens
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(name.clone(), token.unmark().clone());
        }
        self.lock_world().insert(name.clone(), new.clone());
        self.record(&name, call);
        if call == Call::Create && self.lock_script().hang.contains(&name) {
            std::future::pending::<()>().await;
        }
        ApplyResponse {
            new_state: Some(new),
            private: None,
            legacy_type_system: false,
            diagnostics: Diagnostics::new(),
        }
    }

    async fn delete(&self, prior: &Value) -> ApplyResponse {
        let name = name_of(prior);
        if let Err(diagnostics) = self.enter(&name, Call::Delete).await {
            return failed(diagnostics);
        }
        let id = attr_str(prior, "id");
        let mut world = self.lock_world();
        let children: Vec<String> = world
            .iter()
            .filter(|(_, v)| attr_str(v, "parent").as_deref() == Some(name.as_str()))
            .map(|(k, _)| k.clone())
            .collect();
        if !children.is_empty() {
            return failed(
                Diagnostic::error(format!(
                    "{name} still has children: {}",
                    children.join(", ")
                ))
                .into(),
            );
        }
        // A create-before-destroy replacement has made a new object of the same name:
        // only the object with the deleted id goes.
        if world.get(&name).is_some_and(|v| attr_str(v, "id") == id) {
            world.remove(&name);
        }
        drop(world);
        self.record(&name, Call::Delete);
        ApplyResponse {
            new_state: None,
            private: None,
            legacy_type_system: false,
            diagnostics: Diagnostics::new(),
        }
    }
}

/// The object name in a lease the mock handed out (`lease-<name>`); `?` when the engine
/// lost the private data, which a test then sees in the recorded calls.
fn lease_name(private: Option<&str>) -> String {
    private
        .and_then(|p| p.strip_prefix("lease-"))
        .unwrap_or("?")
        .to_string()
}

fn failed(diagnostics: Diagnostics) -> ApplyResponse {
    ApplyResponse {
        new_state: None,
        private: None,
        legacy_type_system: false,
        diagnostics,
    }
}

#[async_trait]
impl Provider for MockProvider {
    fn source(&self) -> &str {
        "terrane.dev/test/mock"
    }

    fn schema(&self) -> &ProviderSchema {
        &self.schema
    }

    async fn configure(&self, _: ConfigureRequest) -> Diagnostics {
        self.configured
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Diagnostics::new()
    }

    async fn read(&self, reqs: Vec<ReadRequest>) -> Vec<ReadResponse> {
        let mut out = Vec::with_capacity(reqs.len());
        for r in reqs {
            let name = name_of(&r.current);
            if let Err(diagnostics) = self.enter(&name, Call::Refresh).await {
                out.push(ReadResponse {
                    private: None,
                    new_state: None,
                    diagnostics,
                });
                continue;
            }
            let now = self.lock_world().get(&name).cloned();
            self.record(&name, Call::Refresh);
            out.push(ReadResponse {
                private: None,
                new_state: now,
                diagnostics: Diagnostics::new(),
            });
        }
        out
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
        match &req.planned {
            Some(planned) => self.create_or_update(&req, planned).await,
            None => {
                self.delete(req.prior.as_ref().unwrap_or(&Value::Null))
                    .await
            }
        }
    }

    async fn import(&self, req: ImportRequest) -> ImportResponse {
        if let Err(diagnostics) = self.enter(&req.id, Call::Import).await {
            return ImportResponse {
                state: None,
                private: None,
                diagnostics,
            };
        }
        let state = self.lock_world().get(&req.id).cloned();
        self.record(&req.id, Call::Import);
        ImportResponse {
            state,
            private: None,
            diagnostics: Diagnostics::new(),
        }
    }

    fn identity(&self, _type_name: &str, planned: &Value) -> Option<Identity> {
        let name = attr_str(planned, "name")?;
        Some(Identity([("name".to_string(), name)].into_iter().collect()))
    }

    async fn find_by_identity(
        &self,
        _type_name: &str,
        identity: &Identity,
    ) -> Result<Option<Value>, Diagnostics> {
        let name = identity.get("name").unwrap_or_default();
        self.enter(name, Call::Find).await?;
        let found = self.lock_world().get(name).cloned();
        self.record(name, Call::Find);
        Ok(found)
    }

    async fn open_ephemeral(&self, req: OpenEphemeralRequest) -> OpenEphemeralResponse {
        let name = name_of(&req.config);
        if let Err(diagnostics) = self.enter(&name, Call::Open).await {
            return OpenEphemeralResponse {
                result: Value::Null,
                private: None,
                renew_at: None,
                diagnostics,
            };
        }
        self.record(&name, Call::Open);
        OpenEphemeralResponse {
            result: Value::object([
                ("name", Value::string(name.clone())),
                ("secret", Value::string(format!("secret-{name}"))),
            ]),
            renew_at: self.renew_at(&name),
            // What close and renew must be handed back: the lease of this name.
            private: Some(format!("lease-{name}")),
            diagnostics: Diagnostics::new(),
        }
    }

    async fn renew_ephemeral(&self, req: RenewEphemeralRequest) -> RenewEphemeralResponse {
        let name = lease_name(req.private.as_deref());
        self.record(&name, Call::Renew);
        RenewEphemeralResponse {
            renew_at: self.renew_at(&name),
            private: req.private,
            diagnostics: Diagnostics::new(),
        }
    }

    async fn close_ephemeral(&self, req: CloseEphemeralRequest) -> Diagnostics {
        let name = lease_name(req.private.as_deref());
        if let Err(d) = self.enter(&name, Call::Close).await {
            return d;
        }
        self.record(&name, Call::Close);
        Diagnostics::new()
    }

    async fn plan_action(&self, req: PlanActionRequest) -> Diagnostics {
        let name = name_of(&req.config);
        if let Err(d) = self.enter(&name, Call::PlanAction).await {
            return d;
        }
        self.record(&name, Call::PlanAction);
        Diagnostics::new()
    }

    async fn invoke_action(&self, req: InvokeActionRequest) -> Diagnostics {
        let name = name_of(&req.config);
        (req.progress)(&format!("working on {name}"));
        if let Err(d) = self.enter(&name, Call::Invoke).await {
            return d;
        }
        self.record(&name, Call::Invoke);
        Diagnostics::new()
    }

    async fn read_data(&self, req: ReadDataRequest) -> ReadDataResponse {
        let name = name_of(&req.config);
        if let Err(diagnostics) = self.enter(&name, Call::Read).await {
            return ReadDataResponse {
                state: Value::Null,
                diagnostics,
            };
        }
        let found = self.lock_world().get(&name).cloned();
        let scripted = self.lock_script().output.get(&name).cloned();
        let state = match (found, scripted) {
            (Some(obj), _) => Value::object([
                ("name", Value::string(name.clone())),
                ("id", obj.get_attr("id").cloned().unwrap_or_default()),
                (
                    "output",
                    obj.get_attr("output").cloned().unwrap_or_default(),
                ),
            ]),
            (None, Some(out)) => Value::object([
                ("name", Value::string(name.clone())),
                ("id", Value::string(name.clone())),
                ("output", out),
            ]),
            (None, None) => {
                return ReadDataResponse {
                    state: Value::Null,
                    diagnostics: Diagnostic::error(format!("no object named {name:?}")).into(),
                }
            }
        };
        self.record(&name, Call::Read);
        ReadDataResponse {
            state,
            diagnostics: Diagnostics::new(),
        }
    }
}
