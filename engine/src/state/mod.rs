//! State: the Terraform v4 snapshot model, the storage interface backends implement, and the
//! local journal that makes apply crash safe.

pub mod attributes;
pub mod backend;
pub mod codec;
pub mod decode;
pub mod journal;
pub mod model;
pub mod prior;
pub mod testing;

pub use backend::{
    BackendError, Etag, LockGuard, LockInfo, LockRequest, StateBackend, Versioned,
    DEFAULT_WORKSPACE,
};
pub use model::{
    Attributes, IndexKey, InstanceState, ObjectStatus, OutputState, ResourceState, State,
    StateError,
};
