//! [`PluginProvider`]: the engine's `Provider` trait served by a plugin process. The schema
//! is fetched once per plugin binary ([`PluginSchema`]); each provider instance (one per
//! `provider` block) starts its own process when first used, as Terraform does.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use base64::Engine as _;
use terrane_engine::addr::Mode;
use terrane_engine::diag::{Diagnostic, Diagnostics};
use terrane_engine::lang::{Type, Value};
use terrane_engine::provider::{
    ApplyRequest, ApplyResponse, BlockSchema, CloseEphemeralRequest, ConfigureRequest,
    ImportRequest, ImportResponse, InvokeActionRequest, OpenEphemeralRequest,
    OpenEphemeralResponse, PlanActionRequest, PlanRequest, PlanResponse, Provider, ProviderSchema,
    ReadDataRequest, ReadDataResponse, ReadRequest, ReadResponse, RenewEphemeralRequest,
    RenewEphemeralResponse, UpgradeResponse, ValidateRequest,
};

use crate::client::{call, Method};
use crate::compatible::incompatible_parts;
use crate::plan_valid::invalid_plan_attributes;
use crate::process::Process;
use crate::proposed::proposed_new;
use crate::schema::NestedTypes;
use crate::{msgpack, proto, schema, values, Error};

mod ephemeral;

/// How many calls of one batch (a refresh) are in flight on a plugin at once.
const CONCURRENT_CALLS: usize = 10;

/// What a plugin binary serves, with the value type of each of its blocks.
pub struct PluginSchema {
    pub protocol: u32,
    pub schema: ProviderSchema,
    /// The plugin plans destroys itself (`plan_destroy` capability).
    pub plan_destroy: bool,
    provider_type: Type,
    resource_types: HashMap<String, Type>,
    data_types: HashMap<String, Type>,
    ephemeral_types: HashMap<String, Type>,
    action_types: HashMap<String, Type>,
    /// The nested attribute types of each resource type that has any (protocol 6), which
    /// the engine's schema leaves out, for the checks of plans.
    nested: HashMap<String, NestedTypes>,
    /// The plugin's answer as it came, for what the engine's schema leaves out
    /// (descriptions, deprecation, nested attribute types): see [`PluginSchema::to_json`].
    raw: Arc<proto::GetSchemaResponse>,
}

impl PluginSchema {
    /// Starts the plugin, asks for its schema and stops it again.
    pub async fn fetch(path: &Path) -> Result<PluginSchema, Error> {
        let p = Process::launch(path).await?;
        let resp: Result<proto::GetSchemaResponse, Error> =
            call(&p, Method::GetSchema, proto::Empty {}).await;
        p.shutdown().await;
        let resp = resp?;
        if let Some(d) = resp.diagnostics.iter().find(|d| d.severity == 1) {
            return Err(Error::Schema(format!("{}: {}", d.summary, d.detail)));
        }
        PluginSchema::new(resp, p.protocol)
    }

    /// [`PluginSchema::fetch`] from synchronous code, on a runtime of its own.
    pub fn fetch_blocking(path: &Path) -> Result<PluginSchema, Error> {
        let path = path.to_path_buf();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(Error::Runtime)?;
            rt.block_on(PluginSchema::fetch(&path))
        })
        .join()
        .unwrap_or_else(|_| Err(Error::Protocol("fetching the schema panicked".into())))
    }

    /// The schema of the plugin at `path`, fetched once per terrane process.
    pub fn load(path: &Path) -> Result<Arc<PluginSchema>, Error> {
        static CACHE: std::sync::LazyLock<std::sync::Mutex<HashMap<PathBuf, Arc<PluginSchema>>>> =
            std::sync::LazyLock::new(Default::default);
        if let Some(s) = CACHE.lock().unwrap_or_else(|e| e.into_inner()).get(path) {
            return Ok(s.clone());
        }
        let s = Arc::new(PluginSchema::fetch_blocking(path)?);
        CACHE
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(path.to_path_buf(), s.clone());
        Ok(s)
    }

    /// This schema without the resource and data source types in `served` (those another
    /// provider serves natively), so each type has exactly one implementation.
    #[must_use]
    pub fn without(&self, served: &ProviderSchema) -> PluginSchema {
        let keep =
            |all: &std::collections::BTreeMap<String, terrane_engine::provider::ResourceSchema>,
             native: &std::collections::BTreeMap<
                String,
                terrane_engine::provider::ResourceSchema,
            >| {
                all.iter()
                    .filter(|(k, _)| !native.contains_key(*k))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            };
        let schema = ProviderSchema {
            provider: self.schema.provider.clone(),
            resources: keep(&self.schema.resources, &served.resources),
            data_sources: keep(&self.schema.data_sources, &served.data_sources),
            ephemeral_resources: self.schema.ephemeral_resources.clone(),
            actions: self.schema.actions.clone(),
        };
        PluginSchema {
            protocol: self.protocol,
            plan_destroy: self.plan_destroy,
            provider_type: self.provider_type.clone(),
            resource_types: self.resource_types.clone(),
            data_types: self.data_types.clone(),
            ephemeral_types: self.ephemeral_types.clone(),
            action_types: self.action_types.clone(),
            nested: self.nested.clone(),
            raw: self.raw.clone(),
            schema,
        }
    }

    /// The schema as `providers schema -json` prints it, with the plugin's descriptions,
    /// deprecation and nested attribute types; only the types this schema serves.
    pub fn to_json(&self) -> Result<serde_json::Value, Error> {
        crate::schema_json::provider_json(&self.raw, self.protocol, |kind, name| match kind {
            "resource_schemas" => self.schema.resources.contains_key(name),
            "data_source_schemas" => self.schema.data_sources.contains_key(name),
            _ => true,
        })
    }

    fn new(resp: proto::GetSchemaResponse, protocol: u32) -> Result<PluginSchema, Error> {
        let schema = schema::provider_schema(&resp, protocol)?;
        let types =
            |m: &std::collections::BTreeMap<String, terrane_engine::provider::ResourceSchema>| {
                m.iter()
                    .map(|(k, s)| (k.clone(), schema::block_type(&s.block)))
                    .collect()
            };
        let mut nested = HashMap::new();
        for (name, s) in &resp.resource_schemas {
            if let Some(b) = &s.block {
                let n = schema::nested_types(b, protocol)?;
                if !n.is_empty() {
                    nested.insert(name.clone(), n);
                }
            }
        }
        Ok(PluginSchema {
            protocol,
            plan_destroy: resp
                .server_capabilities
                .as_ref()
                .is_some_and(|c| c.plan_destroy),
            provider_type: schema::block_type(&schema.provider),
            resource_types: types(&schema.resources),
            data_types: types(&schema.data_sources),
            ephemeral_types: types(&schema.ephemeral_resources),
            action_types: types(&schema.actions),
            nested,
            raw: Arc::new(resp),
            schema,
        })
    }
}

pub struct PluginProvider {
    source: String,
    path: PathBuf,
    schema: Arc<PluginSchema>,
    process: tokio::sync::OnceCell<Process>,
}

impl PluginProvider {
    /// A provider served by the plugin at `path`; `source` is its address as state records
    /// it (`registry.terraform.io/hashicorp/null`).
    pub fn new(
        source: impl Into<String>,
        path: impl Into<PathBuf>,
        schema: Arc<PluginSchema>,
    ) -> PluginProvider {
        PluginProvider {
            source: source.into(),
            path: path.into(),
            schema,
            process: tokio::sync::OnceCell::new(),
        }
    }

    async fn process(&self) -> Result<&Process, Diagnostics> {
        let p = self
            .process
            .get_or_try_init(|| Process::launch(&self.path))
            .await
            .map_err(|e| self.failure(&e))?;
        if p.protocol != self.schema.protocol {
            return Err(self.failure(&Error::Handshake(format!(
                "it switched from plugin protocol {} to {}",
                self.schema.protocol, p.protocol
            ))));
        }
        Ok(p)
    }

    fn failure(&self, e: &Error) -> Diagnostics {
        Diagnostic::error("Failed to use provider plugin")
            .detail(format!(
                "Provider {} ({}): {e}.",
                self.source,
                self.path.display()
            ))
            .into()
    }

    fn resource_type(&self, name: &str) -> &Type {
        self.schema.resource_types.get(name).unwrap_or(&Type::Any)
    }

    fn block(&self, name: &str) -> Option<&BlockSchema> {
        self.schema.schema.resources.get(name).map(|s| &s.block)
    }

    fn encode(v: Option<&Value>, ty: &Type) -> Option<proto::DynamicValue> {
        Some(proto::DynamicValue {
            msgpack: msgpack::encode(v.unwrap_or(&Value::Null), ty),
            json: Vec::new(),
        })
    }

    fn decode(&self, v: Option<proto::DynamicValue>, ty: &Type) -> Result<Value, Diagnostics> {
        let Some(v) = v else {
            return Ok(Value::Null);
        };
        if v.msgpack.is_empty() && !v.json.is_empty() {
            return serde_json::from_slice(&v.json)
                .map(|j| values::from_json(&j, ty))
                .map_err(|e| self.failure(&Error::Protocol(format!("invalid JSON value: {e}"))));
        }
        if v.msgpack.is_empty() {
            return Ok(Value::Null);
        }
        msgpack::decode(&v.msgpack, ty).map_err(|e| self.failure(&e))
    }

    /// The object of `req` in the current schema, as the plugin's UpgradeResourceState
    /// makes it from the JSON state stores; an object never stored (just imported) is of
    /// the current schema already and is not sent, as Terraform does not send it.
    async fn upgrade_one(
        &self,
        p: &Process,
        req: &ReadRequest,
    ) -> Result<Option<proto::DynamicValue>, Diagnostics> {
        let ty = self.resource_type(&req.type_name);
        let Some(version) = req.schema_version else {
            return Ok(Self::encode(Some(&req.current), ty));
        };
        let current = self
            .schema
            .schema
            .resources
            .get(&req.type_name)
            .map_or(0, |s| s.version);
        if version > current {
            return Err(Diagnostic::error("Resource instance managed by newer provider version")
                .detail(format!("The current state of {} was created by a newer provider version than is currently selected. Upgrade the {} provider to work with this state.", req.address, self.source))
                .into());
        }
        let raw = match &req.stored {
            // Stored as it is; of the current version, without the attributes the schema
            // no longer has (Terraform strips those, the provider upgrades the rest).
            Some(stored) if version == current => {
                let mut j = (**stored).clone();
                values::strip_removed_attributes(&mut j, ty);
                j.to_string()
            }
            Some(stored) => stored.to_string(),
            None => values::to_json(&req.current, ty).to_string(),
        };
        let up: proto::UpgradeResourceStateResponse = call(
            p,
            Method::UpgradeResourceState,
            proto::UpgradeResourceStateRequest {
                type_name: req.type_name.clone(),
                version: i64::try_from(version).unwrap_or(i64::MAX),
                raw_state: Some(proto::RawState {
                    json: raw.into_bytes(),
                }),
            },
        )
        .await
        .map_err(|e| self.failure(&e))?;
        let diagnostics = diagnostics(&up.diagnostics);
        if diagnostics.has_errors() {
            return Err(diagnostics);
        }
        Ok(up.upgraded_state)
    }

    /// Upgrades a stored object to the current schema, then reads it.
    async fn read_one(&self, p: &Process, req: ReadRequest) -> ReadResponse {
        let failed = |diagnostics| ReadResponse {
            new_state: None,
            private: None,
            diagnostics,
        };
        let ty = self.resource_type(&req.type_name);
        let upgraded = match self.upgrade_one(p, &req).await {
            Ok(v) => v,
            Err(d) => return failed(d),
        };
        let resp: proto::ReadResourceResponse = match call(
            p,
            Method::ReadResource,
            proto::ReadResourceRequest {
                type_name: req.type_name.clone(),
                current_state: upgraded,
                private: private_bytes(req.private.as_deref()),
                client_capabilities: Some(capabilities()),
            },
        )
        .await
        {
            Ok(r) => r,
            Err(e) => return failed(self.failure(&e)),
        };
        let diagnostics = self::diagnostics(&resp.diagnostics);
        match self.decode(resp.new_state, ty) {
            Ok(v) => ReadResponse {
                new_state: (!v.is_null()).then_some(v),
                private: private_answer(&resp.private),
                diagnostics,
            },
            Err(d) => failed(d),
        }
    }

    /// [`Self::upgrade_one`], decoded.
    async fn upgraded(&self, p: &Process, req: ReadRequest) -> UpgradeResponse {
        let state = match self.upgrade_one(p, &req).await {
            Ok(v) => self.decode(v, self.resource_type(&req.type_name)),
            Err(d) => Err(d),
        };
        match state {
            Ok(state) => UpgradeResponse {
                state,
                diagnostics: Diagnostics::new(),
            },
            Err(diagnostics) => UpgradeResponse {
                state: req.current,
                diagnostics,
            },
        }
    }

    /// A legacy-SDK result that departs from its plan: Terraform records it and logs a
    /// warning rather than fail, as these providers' type shims are known to be imprecise.
    fn tolerate(&self, req: &ApplyRequest, new: &Value) {
        let Some(planned) = &req.planned else {
            return;
        };
        let bad = terrane_engine::run::diff::inconsistent_attributes(planned, new);
        if bad.is_empty() {
            return;
        }
        if let Some(log) = crate::plugin_log::LogSink::core_from_env() {
            log.warn(&format!("Provider {:?} produced an unexpected new value for {}, but we are tolerating it because it is using the legacy plugin SDK.\n    The following problems may be the cause of any confusing errors from downstream operations:\n      - unexpected new value for {}", self.source, req.address, bad.join(", ")));
        }
    }

    /// What the engine's check of an applied object leaves out (it compares the arguments
    /// planned wholly known): the known parts of the arguments planned partly unknown.
    fn inconsistent_inside(&self, req: &ApplyRequest, new: &Value) -> Diagnostics {
        let bad = match &req.planned {
            Some(planned) if !new.is_null() => incompatible_parts(planned, new),
            _ => Vec::new(),
        };
        if bad.is_empty() {
            return Diagnostics::new();
        }
        Diagnostic::error("Provider produced inconsistent result after apply")
            .detail(format!("When applying changes to {}, provider {} produced an unexpected new value for {}. This is a bug in the provider; the object was recorded as the provider returned it.", req.address, self.source, bad.join(", ")))
            .into()
    }

    /// The plugin's own checks of a configuration (ValidateResourceConfig and its kin).
    async fn validate_config(
        &self,
        p: &Process,
        mode: Mode,
        type_name: &str,
        config: &Value,
    ) -> Diagnostics {
        let (method, types) = match mode {
            Mode::Managed => (Method::ValidateResourceConfig, &self.schema.resource_types),
            Mode::Data => (Method::ValidateDataSourceConfig, &self.schema.data_types),
            Mode::Ephemeral => (
                Method::ValidateEphemeralResourceConfig,
                &self.schema.ephemeral_types,
            ),
        };
        let req = proto::ValidateRequest {
            type_name: type_name.to_string(),
            config: Self::encode(Some(config), types.get(type_name).unwrap_or(&Type::Any)),
        };
        match call::<_, proto::DiagnosticsResponse>(p, method, req).await {
            Ok(r) => diagnostics(&r.diagnostics),
            Err(e) => self.failure(&e),
        }
    }
}

#[async_trait]
impl Provider for PluginProvider {
    fn source(&self) -> &str {
        &self.source
    }

    fn schema(&self) -> &ProviderSchema {
        &self.schema.schema
    }

    async fn configure(&self, req: ConfigureRequest) -> Diagnostics {
        let p = match self.process().await {
            Ok(p) => p,
            Err(d) => return d,
        };
        let ty = &self.schema.provider_type;
        let config = match req.config {
            Value::Null => Value::Object(std::collections::BTreeMap::new()),
            c => c,
        };
        let mut config = Self::encode(Some(&config), ty);
        let mut diags = Diagnostics::new();
        match call::<_, proto::ValidateProviderResponse>(
            p,
            Method::ValidateProviderConfig,
            proto::ValidateProviderRequest {
                config: config.clone(),
            },
        )
        .await
        {
            Ok(r) => {
                diags.extend(diagnostics(&r.diagnostics));
                // Protocol 5 returns the configuration with the provider's defaults.
                if r.prepared_config
                    .as_ref()
                    .is_some_and(|c| !c.msgpack.is_empty())
                {
                    config = r.prepared_config;
                }
            }
            Err(e) => return self.failure(&e),
        }
        if diags.has_errors() {
            return diags;
        }
        match call::<_, proto::DiagnosticsResponse>(
            p,
            Method::Configure,
            proto::ConfigureRequest {
                terraform_version: terrane_engine::state::model::COMPATIBLE_TERRAFORM_VERSION
                    .to_string(),
                config,
                client_capabilities: Some(capabilities()),
            },
        )
        .await
        {
            Ok(r) => diags.extend(diagnostics(&r.diagnostics)),
            Err(e) => diags.extend(self.failure(&e)),
        }
        diags
    }

    async fn read(&self, reqs: Vec<ReadRequest>) -> Vec<ReadResponse> {
        use futures::StreamExt as _;
        let p = match self.process().await {
            Ok(p) => p,
            Err(d) => {
                return reqs
                    .iter()
                    .map(|_| ReadResponse {
                        new_state: None,
                        private: None,
                        diagnostics: d.clone(),
                    })
                    .collect()
            }
        };
        futures::stream::iter(reqs)
            .map(|r| self.read_one(p, r))
            .buffered(CONCURRENT_CALLS)
            .collect()
            .await
    }

    fn upgrades_stored(&self) -> bool {
        true
    }

    async fn upgrade(&self, reqs: Vec<ReadRequest>) -> Vec<UpgradeResponse> {
        use futures::StreamExt as _;
        let p = match self.process().await {
            Ok(p) => p,
            Err(d) => {
                return reqs
                    .into_iter()
                    .map(|r| UpgradeResponse {
                        state: r.current,
                        diagnostics: d.clone(),
                    })
                    .collect()
            }
        };
        futures::stream::iter(reqs)
            .map(|r| self.upgraded(p, r))
            .buffered(CONCURRENT_CALLS)
            .collect()
            .await
    }

    async fn plan(&self, req: PlanRequest) -> PlanResponse {
        let failed = |diagnostics| PlanResponse {
            planned: Value::Null,
            requires_replace: Vec::new(),
            private: None,
            diagnostics,
        };
        let p = match self.process().await {
            Ok(p) => p,
            Err(d) => return failed(d),
        };
        let Some(block) = self.block(&req.type_name) else {
            return failed(
                Diagnostic::error("Unsupported resource type")
                    .detail(format!(
                        "The provider {} does not serve {:?}.",
                        self.source, req.type_name
                    ))
                    .into(),
            );
        };
        let mut diags = self
            .validate_config(p, Mode::Managed, &req.type_name, &req.config)
            .await;
        if diags.has_errors() {
            return failed(diags);
        }
        let ty = self.resource_type(&req.type_name);
        // The engine's proposal already holds prior values where `ignore_changes` applies;
        // Terraform's rules then decide the rest (computed attributes null on create).
        let wanted = with_config_where_unknown(&req.proposed, &req.config);
        let nested = self.schema.nested.get(&req.type_name);
        let proposed = proposed_new(block, nested, req.prior.as_ref(), &wanted);
        let resp: proto::PlanResourceChangeResponse = match call(
            p,
            Method::PlanResourceChange,
            proto::PlanResourceChangeRequest {
                type_name: req.type_name.clone(),
                prior_state: Self::encode(req.prior.as_ref(), ty),
                proposed_new_state: Self::encode(Some(&proposed), ty),
                config: Self::encode(Some(&req.config), ty),
                prior_private: private_bytes(req.private.as_deref()),
                client_capabilities: Some(capabilities()),
            },
        )
        .await
        {
            Ok(r) => r,
            Err(e) => return failed(self.failure(&e)),
        };
        diags.extend(diagnostics(&resp.diagnostics));
        if diags.has_errors() {
            return failed(diags);
        }
        let planned = match self.decode(resp.planned_state, ty) {
            Ok(v) => v,
            Err(d) => return failed(d),
        };
        if !resp.legacy_type_system {
            // SDKv2 providers (the legacy type system) are known to break these rules, and
            // Terraform tolerates that from them only.
            let bad =
                invalid_plan_attributes(block, nested, &req.config, req.prior.as_ref(), &planned);
            if !bad.is_empty() {
                diags.push(Diagnostic::error("Provider produced invalid plan").detail(format!("Provider {} planned an invalid value for {}: planned values must match the configuration. This is a bug in the provider, which should be reported in the provider's own issue tracker.", self.source, bad.join(", "))));
                return failed(diags);
            }
        }
        let requires_replace = match &req.prior {
            None => Vec::new(),
            Some(prior) => changed_roots(&resp.requires_replace, prior, &planned),
        };
        PlanResponse {
            planned,
            requires_replace,
            private: private_answer(&resp.planned_private),
            diagnostics: diags,
        }
    }

    async fn plan_destroy(&self, req: PlanRequest) -> PlanResponse {
        let mut answer = PlanResponse {
            planned: Value::Null,
            requires_replace: Vec::new(),
            private: req.private.clone(),
            diagnostics: Diagnostics::new(),
        };
        // Without the capability Terraform does not ask: a destroy's plan is null.
        if !self.schema.plan_destroy {
            return answer;
        }
        let p = match self.process().await {
            Ok(p) => p,
            Err(d) => {
                answer.diagnostics = d;
                return answer;
            }
        };
        let ty = self.resource_type(&req.type_name);
        let resp: proto::PlanResourceChangeResponse = match call(
            p,
            Method::PlanResourceChange,
            proto::PlanResourceChangeRequest {
                type_name: req.type_name.clone(),
                prior_state: Self::encode(req.prior.as_ref(), ty),
                proposed_new_state: Self::encode(None, ty),
                config: Self::encode(None, ty),
                prior_private: private_bytes(req.private.as_deref()),
                client_capabilities: Some(capabilities()),
            },
        )
        .await
        {
            Ok(r) => r,
            Err(e) => {
                answer.diagnostics = self.failure(&e);
                return answer;
            }
        };
        answer.diagnostics = diagnostics(&resp.diagnostics);
        match self.decode(resp.planned_state, ty) {
            Ok(planned) => {
                answer.planned = planned;
                answer.private = private_answer(&resp.planned_private);
            }
            Err(d) => answer.diagnostics.extend(d),
        }
        answer
    }

    async fn apply(&self, req: ApplyRequest) -> ApplyResponse {
        let failed = |diagnostics| ApplyResponse {
            new_state: None,
            private: None,
            legacy_type_system: false,
            diagnostics,
        };
        let p = match self.process().await {
            Ok(p) => p,
            Err(d) => return failed(d),
        };
        let ty = self.resource_type(&req.type_name);
        let config = req.planned.as_ref().map(|_| &req.config);
        let resp: proto::ApplyResourceChangeResponse = match call(
            p,
            Method::ApplyResourceChange,
            proto::ApplyResourceChangeRequest {
                type_name: req.type_name.clone(),
                prior_state: Self::encode(req.prior.as_ref(), ty),
                planned_state: Self::encode(req.planned.as_ref(), ty),
                config: Self::encode(config, ty),
                planned_private: private_bytes(req.private.as_deref()),
            },
        )
        .await
        {
            Ok(r) => r,
            // The plugin died or hung up mid-call: nothing is known about the object, so
            // the prior one stays recorded.
            Err(e) => {
                return ApplyResponse {
                    new_state: req.prior,
                    private: req.private,
                    legacy_type_system: false,
                    diagnostics: self.failure(&e),
                }
            }
        };
        let mut diags = diagnostics(&resp.diagnostics);
        match self.decode(resp.new_state, ty) {
            Ok(v) => {
                if resp.legacy_type_system {
                    self.tolerate(&req, &v);
                } else {
                    diags.extend(self.inconsistent_inside(&req, &v));
                }
                ApplyResponse {
                    new_state: (!v.is_null()).then_some(v),
                    private: private_answer(&resp.private),
                    legacy_type_system: resp.legacy_type_system,
                    diagnostics: diags,
                }
            }
            Err(d) => failed(d),
        }
    }

    async fn import(&self, req: ImportRequest) -> ImportResponse {
        let failed = |diagnostics| ImportResponse {
            state: None,
            private: None,
            diagnostics,
        };
        let p = match self.process().await {
            Ok(p) => p,
            Err(d) => return failed(d),
        };
        let resp: proto::ImportResourceStateResponse = match call(
            p,
            Method::ImportResourceState,
            proto::ImportResourceStateRequest {
                type_name: req.type_name.clone(),
                id: req.id.clone(),
                client_capabilities: Some(capabilities()),
            },
        )
        .await
        {
            Ok(r) => r,
            Err(e) => return failed(self.failure(&e)),
        };
        let mut diags = diagnostics(&resp.diagnostics);
        if diags.has_errors() {
            return failed(diags);
        }
        let Some(imported) = resp
            .imported_resources
            .into_iter()
            .find(|r| r.type_name == req.type_name)
        else {
            diags.push(
                Diagnostic::error("Cannot import non-existent remote object").detail(format!(
                    "The provider returned no {} object for the ID {:?}.",
                    req.type_name, req.id
                )),
            );
            return failed(diags);
        };
        // The engine reads the object before it records it, as Terraform does.
        match self.decode(imported.state, self.resource_type(&req.type_name)) {
            Ok(state) => ImportResponse {
                state: (!state.is_null()).then_some(state),
                private: private_string(&imported.private),
                diagnostics: diags,
            },
            Err(d) => failed(d),
        }
    }

    async fn validate(&self, req: ValidateRequest) -> Diagnostics {
        match self.process().await {
            Ok(p) => {
                self.validate_config(p, req.mode, &req.type_name, &req.config)
                    .await
            }
            Err(d) => d,
        }
    }

    async fn open_ephemeral(&self, req: OpenEphemeralRequest) -> OpenEphemeralResponse {
        self.open(req).await
    }

    async fn renew_ephemeral(&self, req: RenewEphemeralRequest) -> RenewEphemeralResponse {
        self.renew(req).await
    }

    async fn close_ephemeral(&self, req: CloseEphemeralRequest) -> Diagnostics {
        self.close(req).await
    }

    async fn plan_action(&self, req: PlanActionRequest) -> Diagnostics {
        self.plan_action_call(req).await
    }

    async fn invoke_action(&self, req: InvokeActionRequest) -> Diagnostics {
        self.invoke(req).await
    }

    async fn read_data(&self, req: ReadDataRequest) -> ReadDataResponse {
        let failed = |diagnostics| ReadDataResponse {
            state: Value::Null,
            diagnostics,
        };
        let p = match self.process().await {
            Ok(p) => p,
            Err(d) => return failed(d),
        };
        let ty = self
            .schema
            .data_types
            .get(&req.type_name)
            .unwrap_or(&Type::Any);
        let config = Self::encode(Some(&req.config), ty);
        let mut diags = match call::<_, proto::DiagnosticsResponse>(
            p,
            Method::ValidateDataSourceConfig,
            proto::ValidateRequest {
                type_name: req.type_name.clone(),
                config: config.clone(),
            },
        )
        .await
        {
            Ok(r) => diagnostics(&r.diagnostics),
            Err(e) => self.failure(&e),
        };
        if diags.has_errors() {
            return failed(diags);
        }
        let resp: proto::ReadDataSourceResponse = match call(
            p,
            Method::ReadDataSource,
            proto::ReadDataSourceRequest {
                type_name: req.type_name.clone(),
                config,
                client_capabilities: Some(capabilities()),
            },
        )
        .await
        {
            Ok(r) => r,
            Err(e) => return failed(self.failure(&e)),
        };
        diags.extend(diagnostics(&resp.diagnostics));
        match self.decode(resp.state, ty) {
            Ok(state) => ReadDataResponse {
                state,
                diagnostics: diags,
            },
            Err(d) => failed(d),
        }
    }
}

fn capabilities() -> proto::ClientCapabilities {
    proto::ClientCapabilities {
        deferral_allowed: false,
        // Write-only values are sent at apply and kept out of plans and state.
        write_only_attributes_allowed: true,
    }
}

/// State keeps private data as base64, as Terraform writes it.
fn private_bytes(private: Option<&str>) -> Vec<u8> {
    private
        .map(|p| {
            base64::engine::general_purpose::STANDARD
                .decode(p)
                .unwrap_or_else(|_| p.as_bytes().to_vec())
        })
        .unwrap_or_default()
}

fn private_string(bytes: &[u8]) -> Option<String> {
    (!bytes.is_empty()).then(|| base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// The private data a read, plan or apply answered, which replaces the object's: empty
/// clears it (see [`terrane_engine::provider::private_after`]).
fn private_answer(bytes: &[u8]) -> Option<String> {
    Some(private_string(bytes).unwrap_or_default())
}

/// The engine's proposal with the configuration's value wherever the engine put unknown
/// for "computed, not yet known": Terraform's rules say what those become.
fn with_config_where_unknown(proposed: &Value, config: &Value) -> Value {
    match proposed.as_map() {
        Some(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let c = config.get_attr(k).cloned().unwrap_or(Value::Null);
                    let v = if v.is_unknown() && !c.is_unknown() {
                        c
                    } else {
                        v.clone()
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        None => config.clone(),
    }
}

/// Top-level attributes named by the plugin's `requires_replace` whose value changes:
/// Terraform honours a path only where the planned value differs from the prior one.
fn changed_roots(paths: &[proto::AttributePath], prior: &Value, planned: &Value) -> Vec<String> {
    let mut out: Vec<String> = paths
        .iter()
        .filter_map(|p| match p.steps.first()?.selector.as_ref()? {
            proto::Selector::AttributeName(n) => Some(n.clone()),
            _ => None,
        })
        .filter(|n| {
            let before = prior.get_attr(n).map(|v| v.unmark_deep().0);
            let after = planned.get_attr(n).map(|v| v.unmark_deep().0);
            after.as_ref().is_some_and(Value::contains_unknown)
                || before.unwrap_or_default() != after.unwrap_or_default()
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The plugin's diagnostics as the engine's; an attribute path becomes the argument name
/// the engine points at in the configuration.
pub fn diagnostics(list: &[proto::Diagnostic]) -> Diagnostics {
    let mut out = Diagnostics::new();
    for d in list {
        let mut diag = if d.severity == 2 {
            Diagnostic::warning(d.summary.clone())
        } else {
            Diagnostic::error(d.summary.clone())
        };
        if !d.detail.is_empty() {
            diag = diag.detail(d.detail.clone());
        }
        if let Some(path) = d.attribute.as_ref().and_then(attribute_path) {
            diag = diag.attribute(path);
        }
        out.push(diag);
    }
    out
}

fn attribute_path(p: &proto::AttributePath) -> Option<String> {
    let mut s = String::new();
    for step in &p.steps {
        match step.selector.as_ref()? {
            proto::Selector::AttributeName(n) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(n);
            }
            proto::Selector::ElementKeyString(k) => s.push_str(&format!("[{k:?}]")),
            proto::Selector::ElementKeyInt(i) => s.push_str(&format!("[{i}]")),
        }
    }
    (!s.is_empty()).then_some(s)
}
