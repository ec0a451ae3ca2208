//! The expression language: values, type constraints, conversion, built-in functions,
//! reference decoding and the evaluator that runs hcl-edit expressions against a scope.

pub mod cidr;
pub mod duration;
pub mod eval;
pub mod functions;
pub mod heredoc;
pub mod number;
pub mod refs;
mod strip;
pub mod types;
pub mod value;

pub use eval::{eval, eval_constant, EvalContext, Scope};
pub use refs::{Reference, Subject};
pub use types::{convert, Type};
pub use value::Value;
