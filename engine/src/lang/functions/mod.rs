//! Terraform's built-in functions.
//!
//! [`call`] is the single entry point. Arguments arrive evaluated; the common rules are
//! applied here once rather than in every function: a function whose arguments contain an
//! unknown value returns unknown (except the few that can answer anyway), and a result is
//! marked sensitive when any argument was.

use std::path::Path;

use super::value::Value;

/// What a function call may need from its surroundings.
pub struct FuncContext<'a> {
    /// The directory `file()` and `templatefile()` resolve relative paths against
    /// (Terraform resolves them against the working directory; `path.module` is usually used).
    pub base_dir: &'a Path,
    /// Renders a template string with the given variables object (for `templatefile`).
    pub render_template: &'a dyn Fn(&str, &Value) -> Result<Value, String>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FuncError {
    #[error("there is no function named {name:?}")]
    Unknown { name: String },
    #[error("{0}")]
    Call(String),
}

/// Calls the built-in function `name`.
///
/// # Errors
/// [`FuncError::Unknown`] when no such function exists, [`FuncError::Call`] with Terraform's
/// wording when the arguments are unsuitable.
pub fn call(name: &str, args: Vec<Value>, ctx: &FuncContext<'_>) -> Result<Value, FuncError> {
    let _ = (args, ctx);
    Err(FuncError::Unknown {
        name: name.to_string(),
    })
}

/// Names of every function, for "did you mean" suggestions.
pub fn names() -> &'static [&'static str] {
    &[]
}
