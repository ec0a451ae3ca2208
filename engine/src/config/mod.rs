//! Loading a directory of `.tf` and `.tf.json` files into the typed [`Module`] model. Parsing uses
//! hcl-edit so every node keeps its byte range; unknown blocks and arguments are errors
//! with a suggestion. No expression is evaluated here (that is `lang`'s job).

mod action;
mod block;
pub mod json;
mod legacy;
mod lenient;
mod load;
pub mod manifest;
mod model;
pub mod module_source;
mod overrides;
mod provisioner;
mod syntax_error;
mod terraform_block;
pub mod test_file;
mod typeexpr;
pub mod version;

pub use load::{load_dir, parse_file};
pub use typeexpr::parse_type;

use std::sync::Arc;

pub use model::*;

use crate::diag::{SourceFile, Span};

/// The span of an hcl-edit node in `file`.
pub fn span_of(node: &impl hcl_edit::Span, file: &Arc<SourceFile>) -> Option<Span> {
    node.span().map(|r| Span::new(file, r))
}
