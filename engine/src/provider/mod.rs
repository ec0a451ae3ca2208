//! The provider interface. Every call is a request struct in and a response struct with
//! diagnostics out; no SDK type crosses this boundary and no provider may panic the engine.

#[cfg(any(test, feature = "mock"))]
pub mod mock;
pub mod mocked;
pub mod schema;

use std::collections::BTreeMap;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

pub use schema::{
    AttributeSchema, BlockSchema, NestedBlock, Nesting, ProviderSchema, ResourceSchema,
};

use crate::diag::Diagnostics;
use crate::lang::Value;

pub struct ConfigureRequest {
    /// The evaluated `provider` block (an object; null when the configuration has none).
    pub config: Value,
}

/// Re-reads one object. `current` is the object as state last recorded it.
pub struct ReadRequest {
    pub type_name: String,
    /// The instance address (`aws_vpc.main`, `module.net.aws_subnet.a[0]`), for providers
    /// that answer per object (`terrane test`'s overrides); empty when there is none.
    pub address: String,
    pub current: Value,
    pub private: Option<String>,
    /// The schema version `current` was stored with, which the provider upgrades from;
    /// `None` when it is of the current schema and was never stored (just imported).
    pub schema_version: Option<u64>,
    /// The object's attributes as state stores them: upgrading starts from this JSON as
    /// it is (numbers as written, attributes the current schema may no longer have).
    /// `None` when the object was never stored (just imported).
    pub stored: Option<std::sync::Arc<serde_json::Value>>,
}

pub struct ReadResponse {
    /// `None` when the object no longer exists.
    pub new_state: Option<Value>,
    /// The private data the provider returned with the object (a plugin's
    /// `ReadResource` answer), stored in its place: see [`private_after`].
    pub private: Option<String>,
    pub diagnostics: Diagnostics,
}

/// An object brought to the provider's current schema without reading it.
pub struct UpgradeResponse {
    /// The object in the current schema; the request's `current` when the provider has
    /// nothing to upgrade.
    pub state: Value,
    pub diagnostics: Diagnostics,
}

/// The private data an object has after a provider answered `answer` about it (a read, a
/// plan, an apply): `None` is a provider that keeps no private data of its own (native
/// ones), which leaves `old` as it was; anything else replaces it, and an empty string
/// clears it, as a plugin's empty `private` does in Terraform.
#[must_use]
pub fn private_after(answer: Option<String>, old: Option<String>) -> Option<String> {
    match answer {
        None => old,
        Some(p) if p.is_empty() => None,
        Some(p) => Some(p),
    }
}

pub struct PlanRequest {
    pub type_name: String,
    /// The instance address (`aws_vpc.main`, `module.net.aws_subnet.a[0]`), for providers
    /// that answer per object (`terrane test`'s overrides); empty when there is none.
    pub address: String,
    /// The current object, `None` on create.
    pub prior: Option<Value>,
    /// The configuration as written (null for unset arguments).
    pub config: Value,
    /// The engine's generic proposal: config values, with prior values for unset computed
    /// attributes and unknown for computed attributes of a new object.
    pub proposed: Value,
    /// The prior object's provider-private data, as state records it (`None` on create).
    pub private: Option<String>,
}

pub struct PlanResponse {
    pub planned: Value,
    /// Attribute names whose change forces replacement, beyond the schema's `force_new`.
    pub requires_replace: Vec<String>,
    /// Provider-private data for the planned object, handed to apply with it (a plugin's
    /// `planned_private`): see [`private_after`].
    pub private: Option<String>,
    pub diagnostics: Diagnostics,
}

pub struct ApplyRequest {
    pub type_name: String,
    /// The instance address (`aws_vpc.main`, `module.net.aws_subnet.a[0]`), for providers
    /// that answer per object (`terrane test`'s overrides); empty when there is none.
    pub address: String,
    pub prior: Option<Value>,
    /// `None` deletes the object.
    pub planned: Option<Value>,
    pub config: Value,
    pub private: Option<String>,
}

pub struct ApplyResponse {
    /// The object after the operation; `None` after a delete. On a failed create this is
    /// the partially created object, if any, so it is recorded rather than orphaned.
    pub new_state: Option<Value>,
    pub private: Option<String>,
    /// The provider is built on the legacy SDK's type system (SDKv2), whose results are
    /// known to depart from their plans: as Terraform does, the engine records such a
    /// result without an error (the provider logs the departure as a warning).
    pub legacy_type_system: bool,
    pub diagnostics: Diagnostics,
}

pub struct ImportRequest {
    pub type_name: String,
    pub id: String,
}

pub struct ImportResponse {
    pub state: Option<Value>,
    /// Provider-private data for the imported object, recorded with it in state.
    pub private: Option<String>,
    pub diagnostics: Diagnostics,
}

pub struct ReadDataRequest {
    pub type_name: String,
    /// The instance address (`aws_vpc.main`, `module.net.aws_subnet.a[0]`), for providers
    /// that answer per object (`terrane test`'s overrides); empty when there is none.
    pub address: String,
    pub config: Value,
}

pub struct ReadDataResponse {
    pub state: Value,
    pub diagnostics: Diagnostics,
}

/// Opens an ephemeral resource: a value that exists only for this run (a secret read
/// from a vault, a short-lived token), never written to state or a plan file.
pub struct OpenEphemeralRequest {
    pub type_name: String,
    /// The instance address (`ephemeral.aws_secretsmanager_secret_version.db`).
    pub address: String,
    /// The configuration, all values known (the engine does not open an ephemeral
    /// resource whose configuration is not yet known; its result is unknown then).
    pub config: Value,
}

pub struct OpenEphemeralResponse {
    /// The object: the configuration with computed attributes filled in.
    pub result: Value,
    /// Provider-private data handed back on renew and close (a lease ID).
    pub private: Option<String>,
    /// When the engine must call [`Provider::renew_ephemeral`] to keep the value valid,
    /// if ever.
    pub renew_at: Option<std::time::SystemTime>,
    pub diagnostics: Diagnostics,
}

pub struct RenewEphemeralRequest {
    pub type_name: String,
    pub private: Option<String>,
}

pub struct RenewEphemeralResponse {
    pub private: Option<String>,
    pub renew_at: Option<std::time::SystemTime>,
    pub diagnostics: Diagnostics,
}

/// Closes what [`Provider::open_ephemeral`] opened, once nothing in the run needs it.
pub struct CloseEphemeralRequest {
    pub type_name: String,
    pub private: Option<String>,
}

/// Checks a resource, data source or ephemeral resource configuration on its own, as
/// `terrane validate` asks (Terraform's ValidateResourceConfig and its kin).
pub struct ValidateRequest {
    pub mode: crate::addr::Mode,
    pub type_name: String,
    /// The configuration as written, unknown wherever a value is not decided before a
    /// plan (variables, other resources' attributes).
    pub config: Value,
}

/// Checks an action's `config` at plan time (all values known or not).
pub struct PlanActionRequest {
    pub type_name: String,
    pub config: Value,
}

/// Progress lines an action reports while it runs, passed to the caller as they come
/// (Terraform prints them under the action's address).
pub type ActionProgress = std::sync::Arc<dyn Fn(&str) + Send + Sync>;

/// Runs an action (`action "aws_lambda_invoke" "x"`) with its configuration, all values
/// known.
pub struct InvokeActionRequest {
    pub type_name: String,
    /// The action's address (`action.aws_lambda_invoke.x`).
    pub address: String,
    pub config: Value,
    pub progress: ActionProgress,
}

fn unsupported(what: &str, type_name: &str) -> Diagnostics {
    let mut d = Diagnostics::new();
    d.push(
        crate::diag::Diagnostic::error(format!("Unsupported {what}")).detail(format!(
            "This provider does not implement the {what} \"{type_name}\"."
        )),
    );
    d
}

/// What finds an object again when its create was sent but its answer never arrived (the
/// run was killed while the call was in flight): the planned arguments that name it
/// uniquely, such as `{"name": "app-logs"}` for a log group or the name and VPC of a
/// security group. Recorded in the apply journal before the create is sent; see
/// [`Provider::identity`] and [`Provider::find_by_identity`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Identity(pub BTreeMap<String, String>);

impl Identity {
    pub fn get(&self, attr: &str) -> Option<&str> {
        self.0.get(attr).map(String::as_str)
    }
}

#[async_trait]
pub trait Provider: Send + Sync {
    /// The provider's source address (`hashicorp/null`), written into state.
    fn source(&self) -> &str;

    fn schema(&self) -> &ProviderSchema;

    async fn configure(&self, req: ConfigureRequest) -> Diagnostics;

    /// Reads many objects at once; responses are in request order. Providers batch by type
    /// (one Describe call per page), so refresh cost grows with types, not objects.
    async fn read(&self, reqs: Vec<ReadRequest>) -> Vec<ReadResponse>;

    /// Whether stored objects go through [`Provider::upgrade`] (and reads get the JSON
    /// state stores, [`ReadRequest::stored`]): a plugin's do. Native providers, which
    /// decode every version they wrote, keep the default and cost nothing for it.
    fn upgrades_stored(&self) -> bool {
        false
    }

    /// Brings stored objects to the current schema without reading them, as a plan that
    /// does not refresh needs them (a plugin's `UpgradeResourceState`; [`Provider::read`]
    /// upgrades before it reads). Responses are in request order. The default returns each
    /// object as the engine decoded it: native providers read every version they wrote.
    async fn upgrade(&self, reqs: Vec<ReadRequest>) -> Vec<UpgradeResponse> {
        reqs.into_iter()
            .map(|r| UpgradeResponse {
                state: r.current,
                diagnostics: Diagnostics::new(),
            })
            .collect()
    }

    async fn plan(&self, req: PlanRequest) -> PlanResponse;

    async fn apply(&self, req: ApplyRequest) -> ApplyResponse;

    async fn import(&self, req: ImportRequest) -> ImportResponse;

    async fn read_data(&self, req: ReadDataRequest) -> ReadDataResponse;

    /// Refuses a planned destroy that the object's own settings forbid (an RDS instance
    /// with `deletion_protection` on). Asked at plan time for every object a plan would
    /// delete or replace, so the refusal stops the whole plan before anything else is
    /// deleted, rather than failing halfway through an apply. The default allows all.
    fn check_destroy(&self, _type_name: &str, _prior: &Value) -> Diagnostics {
        Diagnostics::new()
    }

    /// Plans the delete of `req.prior` (`config` and `proposed` are null): a plugin with
    /// the `plan_destroy` capability checks it and may set the private data its delete
    /// gets. The planned value must stay null. The default has nothing to check and keeps
    /// the object's private data.
    async fn plan_destroy(&self, req: PlanRequest) -> PlanResponse {
        PlanResponse {
            planned: Value::Null,
            requires_replace: Vec::new(),
            private: req.private,
            diagnostics: Diagnostics::new(),
        }
    }

    /// Crash recovery, part one: how the object a create of `planned` (all values known,
    /// as sent to [`Provider::apply`]) makes could be found without its ID. `None` (the
    /// default) when the type has no such identity: its ID is chosen by the cloud, or its
    /// name is generated, or it makes no remote object at all.
    fn identity(&self, _type_name: &str, _planned: &Value) -> Option<Identity> {
        None
    }

    /// Crash recovery, part two: the object `identity` names, read as [`Provider::read`]
    /// would (the state to record), or `None` when no such object exists. Only asked for
    /// identities this provider gave. An error leaves the question open: the engine keeps
    /// the journal and reports it rather than forget an object that may exist.
    async fn find_by_identity(
        &self,
        _type_name: &str,
        _identity: &Identity,
    ) -> Result<Option<Value>, Diagnostics> {
        Ok(None)
    }

    /// Checks a configuration beyond what the schema says (a value's range, conflicting
    /// arguments). The default finds nothing to add; the engine checks the schema itself.
    async fn validate(&self, _req: ValidateRequest) -> Diagnostics {
        Diagnostics::new()
    }

    /// Opens an ephemeral resource of a type in [`ProviderSchema::ephemeral_resources`].
    async fn open_ephemeral(&self, req: OpenEphemeralRequest) -> OpenEphemeralResponse {
        OpenEphemeralResponse {
            result: Value::Null,
            private: None,
            renew_at: None,
            diagnostics: unsupported("ephemeral resource type", &req.type_name),
        }
    }

    /// Extends what an ephemeral resource opened, when its `renew_at` has passed.
    async fn renew_ephemeral(&self, req: RenewEphemeralRequest) -> RenewEphemeralResponse {
        RenewEphemeralResponse {
            private: req.private,
            renew_at: None,
            diagnostics: Diagnostics::new(),
        }
    }

    /// Releases what an ephemeral resource opened. The default has nothing to release.
    async fn close_ephemeral(&self, _req: CloseEphemeralRequest) -> Diagnostics {
        Diagnostics::new()
    }

    /// Validates an action's configuration for a plan that will invoke it.
    async fn plan_action(&self, req: PlanActionRequest) -> Diagnostics {
        unsupported("action type", &req.type_name)
    }

    /// Runs an action; its diagnostics say whether it succeeded.
    async fn invoke_action(&self, req: InvokeActionRequest) -> Diagnostics {
        unsupported("action type", &req.type_name)
    }

    /// API calls made so far, per service (`ec2` -> 3), so batching can be measured.
    /// Providers that make no remote calls keep the default.
    fn api_call_counts(&self) -> std::collections::BTreeMap<String, u64> {
        std::collections::BTreeMap::new()
    }
}
