//! `provisioner` blocks in resources: their type, `when`, `on_failure` and arguments.
//! terrane runs `local-exec` (see `run::provision`); `file` and `remote-exec` need a
//! connection to the created machine, which terrane does not make, so they are refused
//! here rather than silently skipped.

use std::sync::Arc;

use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Body, Structure};

use super::block::{ident_span, labels_ok};
use super::{span_of, Provisioner, ProvisionerWhen, SrcBody};
use crate::diag::{Diagnostic, Diagnostics, SourceFile};
use crate::lang::refs::references;
use crate::lang::Subject;

/// Decodes one `provisioner "TYPE" { ... }` block; `None` (with errors) when it cannot run.
pub(super) fn decode(
    b: &Block,
    file: &Arc<SourceFile>,
    diags: &mut Diagnostics,
) -> Option<Provisioner> {
    if !labels_ok(b, 1, "type", file, diags) {
        return None;
    }
    let kind = b.labels[0].as_str().to_string();
    let label_span = span_of(&b.labels[0], file);
    match kind.as_str() {
        "local-exec" => {}
        "chef" | "habitat" | "puppet" | "salt-masterless" => {
            diags.push(
                Diagnostic::error(format!("The \"{kind}\" provisioner has been removed"))
                    .detail(format!("The \"{kind}\" provisioner was deprecated in Terraform 0.13.4 has been removed from Terraform. Visit https://learn.hashicorp.com/collections/terraform/provision for alternatives to using provisioners that are a better fit for the Terraform workflow."))
                    .span(label_span),
            );
            return None;
        }
        "file" | "remote-exec" => {
            diags.push(
                Diagnostic::error(format!("The \"{kind}\" provisioner is not supported"))
                    .detail(format!("terrane runs only \"local-exec\" provisioners; the \"{kind}\" provisioner needs an SSH or WinRM connection to the new machine, which terrane does not make. Run the step from the machine's user_data (cloud-init), an image built beforehand, or a local-exec provisioner that calls ssh yourself."))
                    .span(label_span),
            );
            return None;
        }
        _ => {
            diags.push(
                Diagnostic::error("Invalid provisioner type")
                    .detail(format!("Provisioner {kind:?} is not available. terrane runs the built-in \"local-exec\" provisioner only."))
                    .span(label_span),
            );
            return None;
        }
    }
    let mut p = Provisioner {
        kind,
        when: ProvisionerWhen::Create,
        continue_on_failure: false,
        body: SrcBody {
            body: Body::new(),
            file: Arc::clone(file),
        },
        span: ident_span(b, file),
    };
    let mut seen_escape = false;
    for s in b.body.iter() {
        match s {
            Structure::Attribute(a) if a.key.as_str() == "when" => {
                match keyword(&a.value, file, diags).as_deref() {
                    Some("create") => p.when = ProvisionerWhen::Create,
                    Some("destroy") => p.when = ProvisionerWhen::Destroy,
                    _ => diags.push(
                        Diagnostic::error("Invalid \"when\" keyword")
                            .detail("The \"when\" argument requires one of the following keywords: create or destroy.")
                            .span(span_of(&a.value, file)),
                    ),
                }
            }
            Structure::Attribute(a) if a.key.as_str() == "on_failure" => {
                match keyword(&a.value, file, diags).as_deref() {
                    Some("continue") => p.continue_on_failure = true,
                    Some("fail") => p.continue_on_failure = false,
                    _ => diags.push(
                        Diagnostic::error("Invalid \"on_failure\" keyword")
                            .detail("The \"on_failure\" argument requires one of the following keywords: continue or fail.")
                            .span(span_of(&a.value, file)),
                    ),
                }
            }
            Structure::Attribute(_) => p.body.body.push(s.clone()),
            Structure::Block(blk) => match blk.ident.as_str() {
                // Used only by provisioners that connect to the machine.
                "connection" => {}
                // `_ { when = ... }` passes meta-argument names through to the provisioner.
                "_" if !seen_escape => {
                    seen_escape = true;
                    for inner in blk.body.iter() {
                        p.body.body.push(inner.clone());
                    }
                }
                "_" => diags.push(
                    Diagnostic::error("Duplicate escaping block")
                        .detail("Each provisioner block can have only one \"_\" block.")
                        .span(ident_span(blk, file)),
                ),
                other => diags.push(
                    Diagnostic::error("Reserved block type name in provisioner block")
                        .detail(format!("The block type name {other:?} is reserved for use by Terraform in a future version."))
                        .span(span_of(&blk.ident, file)),
                ),
            },
        }
    }
    if p.when == ProvisionerWhen::Destroy {
        only_self_references(&p.body, diags);
    }
    Some(p)
}

/// A bare keyword (`destroy`), or the quoted form Terraform 0.11 required, with
/// Terraform's deprecation warning.
fn keyword(e: &Expression, file: &Arc<SourceFile>, diags: &mut Diagnostics) -> Option<String> {
    match e {
        Expression::Variable(v) => Some(v.as_str().to_string()),
        Expression::String(s) => {
            diags.push(
                Diagnostic::warning("Quoted keywords are deprecated")
                    .detail("In this context, keywords are expected literally rather than in quotes. Terraform 0.11 and earlier required quotes, but quoted keywords are now deprecated and will be removed in a future version of Terraform. Remove the quotes surrounding this keyword to silence this warning.")
                    .span(span_of(e, file)),
            );
            Some(s.value().clone())
        }
        _ => None,
    }
}

/// A destroy-time provisioner runs when the rest of the configuration may already be
/// gone, so, as in Terraform, it may refer only to its own object, its instance key and
/// `path`/`terraform`.
fn only_self_references(body: &SrcBody, diags: &mut Diagnostics) {
    for a in body.body.attributes() {
        let refs = references(&a.value, &body.file);
        let invalid = refs.iter().any(|r| {
            !matches!(
                r.subject,
                Subject::CountIndex
                    | Subject::EachKey
                    | Subject::Path(_)
                    | Subject::TerraformWorkspace
            )
        });
        if invalid {
            diags.push(
                Diagnostic::error("Invalid reference from destroy provisioner")
                    .detail("Destroy-time provisioners and their connection configurations may only reference attributes of the related resource, via 'self', 'count.index', or 'each.key'.\n\nReferences to other resources during the destroy phase can cause dependency cycles and interact poorly with create_before_destroy.")
                    .span(span_of(&a.value, &body.file)),
            );
        }
    }
}
