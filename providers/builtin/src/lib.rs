//! The network-free providers every Terraform installation has: `null_resource` (from
//! hashicorp/null) and `terraform_data` (built into Terraform). They behave as Terraform's
//! do and are what engine tests and benchmarks run on. The `terraform` provider also has
//! the `terraform_remote_state` data source, reading backends through a [`StateReader`].

mod null;
mod remote_state;
mod terraform_data;

use std::time::Duration;

pub use null::NullProvider;
pub use remote_state::{ReadError, StateReader};
pub use terraform_data::TerraformProvider;

use terrane_engine::lang::Value;

/// `TERRANE_BUILTIN_APPLY_DELAY_MS` slows every create, update and delete, so tests can
/// interrupt a run in the middle of applying (crash-safety and Ctrl-C tests).
async fn test_delay() {
    if let Some(ms) = std::env::var("TERRANE_BUILTIN_APPLY_DELAY_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
}

/// Builds the object a builtin resource stores, from an attribute list.
fn object(pairs: Vec<(&str, Value)>) -> Value {
    Value::object(pairs)
}
