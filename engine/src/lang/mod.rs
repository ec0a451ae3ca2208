//! The expression language: values, type constraints, conversion, built-in functions and the
//! evaluator that runs hcl-edit expressions against a scope.

pub mod functions;
pub mod types;
pub mod value;

pub use types::{convert, Type};
pub use value::Value;
