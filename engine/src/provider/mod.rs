//! The provider interface. Every call is a request struct in and a response struct with
//! diagnostics out; no SDK type crosses this boundary and no provider may panic the engine.

#[cfg(any(test, feature = "mock"))]
pub mod mock;
pub mod schema;

use async_trait::async_trait;

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
    pub current: Value,
    pub private: Option<String>,
}

pub struct ReadResponse {
    /// `None` when the object no longer exists.
    pub new_state: Option<Value>,
    pub diagnostics: Diagnostics,
}

pub struct PlanRequest {
    pub type_name: String,
    /// The current object, `None` on create.
    pub prior: Option<Value>,
    /// The configuration as written (null for unset arguments).
    pub config: Value,
    /// The engine's generic proposal: config values, with prior values for unset computed
    /// attributes and unknown for computed attributes of a new object.
    pub proposed: Value,
}

pub struct PlanResponse {
    pub planned: Value,
    /// Attribute names whose change forces replacement, beyond the schema's `force_new`.
    pub requires_replace: Vec<String>,
    pub diagnostics: Diagnostics,
}

pub struct ApplyRequest {
    pub type_name: String,
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
    pub diagnostics: Diagnostics,
}

pub struct ImportRequest {
    pub type_name: String,
    pub id: String,
}

pub struct ImportResponse {
    pub state: Option<Value>,
    pub diagnostics: Diagnostics,
}

pub struct ReadDataRequest {
    pub type_name: String,
    pub config: Value,
}

pub struct ReadDataResponse {
    pub state: Value,
    pub diagnostics: Diagnostics,
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

    /// API calls made so far, per service (`ec2` -> 3), so batching can be measured.
    /// Providers that make no remote calls keep the default.
    fn api_call_counts(&self) -> std::collections::BTreeMap<String, u64> {
        std::collections::BTreeMap::new()
    }
}
