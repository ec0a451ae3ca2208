//! The `terraform {}` block: `required_version`, `required_providers`, `backend`, and the
//! settings terrane accepts without acting on them (`provider_meta`, `language`), checked
//! as Terraform 1.15 checks them. `cloud` (HCP Terraform) is refused; `experiments` are
//! refused as in every Terraform release that is not an alpha.

use std::sync::Arc;

use hcl_edit::expr::{Expression, ObjectKey};
use hcl_edit::structure::{Block, Structure};

use super::block::{
    check_body, ident_span, labels_ok, literal_string, not_constant, unsupported_block,
};
use super::model::{BackendConfig, Module, RequiredProvider, SrcBody};
use super::span_of;
use crate::diag::{Diagnostic, Diagnostics, SourceFile};

/// The only language edition there is so far; `language = TF2021` changes nothing.
const LANGUAGE_EDITION: &str = "TF2021";

pub(super) fn decode(m: &mut Module, b: &Block, file: &Arc<SourceFile>, diags: &mut Diagnostics) {
    let c = check_body(
        &b.body,
        &["required_version", "experiments", "language"],
        &["required_providers", "backend", "cloud", "provider_meta"],
        file,
        diags,
    );
    if let Some(a) = c.attrs.get("required_version") {
        if let Some(v) = literal_string(a, file, diags) {
            m.terraform.required_version = Some((v, span_of(&a.value, file)));
        }
    }
    if let Some(a) = c.attrs.get("language") {
        check_language(&a.value, file, diags);
    }
    if let Some(a) = c.attrs.get("experiments") {
        diags.push(
            Diagnostic::error("Module uses experimental features")
                .detail("Language experiments exist only in alpha releases of Terraform, and terrane implements none of them. Remove the experiments argument.")
                .span(span_of(&a.key, file)),
        );
    }
    for blk in c.blocks {
        match blk.ident.as_str() {
            "required_providers" => decode_required_providers(m, blk, file, diags),
            "backend" => decode_backend(m, blk, file, diags),
            "provider_meta" => decode_provider_meta(m, blk, file, diags),
            _ => decode_cloud(m, blk, file, diags),
        }
    }
}

/// `required_providers` written at the top level of a file instead of in `terraform {}`.
pub(super) fn misplaced_required_providers(
    b: &Block,
    file: &Arc<SourceFile>,
    diags: &mut Diagnostics,
) {
    diags.push(
        Diagnostic::error("Invalid required_providers block")
            .detail("The required_providers block belongs inside a terraform block: terraform { required_providers { ... } }.")
            .span(ident_span(b, file)),
    );
}

fn check_language(e: &Expression, file: &Arc<SourceFile>, diags: &mut Diagnostics) {
    let d = match e {
        Expression::Variable(v) if v.as_str() == LANGUAGE_EDITION => return,
        Expression::Variable(v) => Diagnostic::error("Unsupported language edition").detail(format!(
            "This module asks for language edition {}; terrane, like the Terraform version it follows, supports only {LANGUAGE_EDITION}.",
            v.as_str()
        )),
        _ => Diagnostic::error("Invalid language edition").detail(format!(
            "The language argument takes a bare edition keyword, not a string or another expression. The only edition is {LANGUAGE_EDITION}, the default."
        )),
    };
    diags.push(d.span(span_of(e, file)));
}

fn decode_backend(m: &mut Module, blk: &Block, file: &Arc<SourceFile>, diags: &mut Diagnostics) {
    if !labels_ok(blk, 1, "backend type", file, diags) {
        return;
    }
    if let Some(prev) = &m.terraform.backend {
        let at = prev
            .span
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default();
        diags.push(
            Diagnostic::error("Duplicate 'backend' configuration block")
                .detail(format!(
                    "A module may have only one backend block; the first is at {at}."
                ))
                .span(ident_span(blk, file)),
        );
        return;
    }
    if let Some(cloud) = &m.terraform.cloud {
        diags.push(conflicting_cloud_and_backend(cloud, ident_span(blk, file)));
    }
    m.terraform.backend = Some(BackendConfig {
        kind: blk.labels[0].as_str().to_string(),
        body: SrcBody {
            body: blk.body.clone(),
            file: Arc::clone(file),
        },
        span: ident_span(blk, file),
    });
}

fn conflicting_cloud_and_backend(
    cloud: &crate::diag::Span,
    backend: Option<crate::diag::Span>,
) -> Diagnostic {
    Diagnostic::error("Conflicting 'cloud' and 'backend' configuration blocks are present")
        .detail(format!(
            "State is stored either by HCP Terraform (the cloud block at {cloud}) or by a backend, not both. Remove one of them."
        ))
        .span(backend)
}

/// HCP Terraform and Terraform Enterprise are services terrane does not talk to.
fn decode_cloud(m: &mut Module, blk: &Block, file: &Arc<SourceFile>, diags: &mut Diagnostics) {
    let span = ident_span(blk, file);
    if let Some(prev) = &m.terraform.cloud {
        diags.push(
            Diagnostic::error("Duplicate HCP Terraform configurations")
                .detail(format!(
                    "A module may have only one cloud block; the first is at {prev}."
                ))
                .span(span),
        );
        return;
    }
    if let Some(backend) = &m.terraform.backend {
        if let Some(cloud) = &span {
            diags.push(conflicting_cloud_and_backend(cloud, backend.span.clone()));
        }
    }
    diags.push(
        Diagnostic::error("HCP Terraform is not supported")
            .detail("terrane keeps state with a backend (local or s3) and runs operations itself; the cloud block, which hands both to HCP Terraform or Terraform Enterprise, is not supported. Replace it with a backend block (for example backend \"s3\" { ... }), or use Terraform for this configuration.")
            .span(span.clone()),
    );
    m.terraform.cloud = span;
}

/// `provider_meta "name" { ... }`: module metadata Terraform hands only to providers that
/// declare a schema for it. No terrane provider does, so a valid block is ignored.
fn decode_provider_meta(
    m: &mut Module,
    blk: &Block,
    file: &Arc<SourceFile>,
    diags: &mut Diagnostics,
) {
    if !labels_ok(blk, 1, "provider", file, diags) {
        return;
    }
    for s in blk.body.iter() {
        match s {
            Structure::Attribute(a) => constant_only(&a.value, file, diags),
            Structure::Block(inner) => diags.push(
                Diagnostic::error("Unexpected block")
                    .detail("A provider_meta block holds only arguments with constant values.")
                    .span(ident_span(inner, file)),
            ),
        }
    }
    let name = blk.labels[0].as_str();
    if let Some(d) = provider_name_error(name) {
        diags.push(d.span(ident_span(blk, file)));
        return;
    }
    let span = ident_span(blk, file);
    if let Some(prev) = m.terraform.provider_meta.get(name) {
        let at = prev.as_ref().map(ToString::to_string).unwrap_or_default();
        diags.push(
            Diagnostic::error("Duplicate provider_meta block")
                .detail(format!("A provider_meta block for provider {name:?} was already declared at {at}. Each provider may have one per module."))
                .span(span),
        );
        return;
    }
    m.terraform.provider_meta.insert(name.to_string(), span);
}

/// A provider_meta value must be known without evaluating anything: no references, no
/// function calls.
fn constant_only(e: &Expression, file: &Arc<SourceFile>, diags: &mut Diagnostics) {
    if let Some(d) = not_constant(e, file) {
        diags.push(d);
    }
}

/// Why `name` is not a provider local name as Terraform requires it (lower-case
/// letters, digits and dashes, not starting or ending with a dash), if it is not.
pub(super) fn provider_name_error(name: &str) -> Option<Diagnostic> {
    let valid_chars = !name.is_empty()
        && name.chars().all(|c| c.is_alphanumeric() || c == '-')
        && !name.starts_with('-')
        && !name.ends_with('-');
    let detail = if !valid_chars {
        format!("{name:?} is not a valid provider local name: it must contain only letters, digits and dashes, and may not start or end with a dash.")
    } else if name.chars().any(char::is_uppercase) {
        format!(
            "Provider names must be lower case. Replace {name:?} with {:?}.",
            name.to_lowercase()
        )
    } else {
        return None;
    };
    Some(Diagnostic::error("Invalid provider local name").detail(detail))
}

fn decode_required_providers(
    m: &mut Module,
    blk: &Block,
    file: &Arc<SourceFile>,
    diags: &mut Diagnostics,
) {
    if let Some(prev) = &m.terraform.required_providers_span {
        let at = prev.to_string();
        diags.push(
            Diagnostic::error("Duplicate required providers configuration")
                .detail(format!("A module may have only one required_providers block; the first is at {at}. Merge the two."))
                .span(ident_span(blk, file)),
        );
        return;
    }
    m.terraform.required_providers_span = ident_span(blk, file);
    for s in blk.body.iter() {
        let a = match s {
            Structure::Attribute(a) => a,
            Structure::Block(inner) => {
                diags.push(unsupported_block(inner, file, &[]));
                continue;
            }
        };
        let name = a.key.as_str().to_string();
        if let Some(d) = provider_name_error(&name) {
            diags.push(d.span(span_of(&a.key, file)));
            continue;
        }
        let (source, version) = match &a.value {
            Expression::Object(o) => requirement_object(o, file, diags),
            // The pre-0.13 form: `aws = "~> 5.0"` is a version constraint.
            Expression::String(s) => (None, Some(s.value().clone())),
            other => {
                diags.push(
                    Diagnostic::error("Invalid required_providers object")
                        .detail("Each provider requirement is an object with source and version, like { source = \"hashicorp/aws\", version = \"~> 6.0\" }.")
                        .span(span_of(other, file)),
                );
                (None, None)
            }
        };
        let source = source.unwrap_or_else(|| format!("hashicorp/{name}"));
        m.terraform.required_providers.insert(
            name.clone(),
            RequiredProvider {
                name,
                source,
                version,
                span: span_of(&a.value, file),
            },
        );
    }
}

/// The `source` and `version` of `{ source = ..., version = ... }`.
fn requirement_object(
    o: &hcl_edit::expr::Object,
    file: &Arc<SourceFile>,
    diags: &mut Diagnostics,
) -> (Option<String>, Option<String>) {
    let mut source = None;
    let mut version = None;
    for (k, v) in o.iter() {
        let key = match k {
            ObjectKey::Ident(i) => i.as_str().to_string(),
            ObjectKey::Expression(Expression::Variable(i)) => i.as_str().to_string(),
            ObjectKey::Expression(Expression::String(s)) => s.value().clone(),
            ObjectKey::Expression(_) => continue,
        };
        let val = v.expr().as_str().map(str::to_string);
        match key.as_str() {
            "source" => {
                if let Some(d) = val.as_deref().and_then(source_type_error) {
                    diags.push(d.span(span_of(v.expr(), file)));
                }
                source = val;
            }
            "version" => version = val,
            "configuration_aliases" => {}
            other => diags.push(
                Diagnostic::error("Invalid required_providers object")
                    .detail(format!("A provider requirement may set only \"source\", \"version\" and \"configuration_aliases\", not {other:?}."))
                    .span(span_of(v.expr(), file)),
            ),
        }
    }
    (source, version)
}

/// Terraform refuses provider types named like their repositories (`terraform-provider-x`).
fn source_type_error(source: &str) -> Option<Diagnostic> {
    let ty = source.rsplit('/').next().unwrap_or(source);
    let short = ty
        .strip_prefix("terraform-provider-")
        .or_else(|| ty.strip_prefix("terraform-"))?;
    Some(Diagnostic::error("Invalid provider type").detail(format!(
        "The provider type in {source:?} starts with \"terraform-\", which provider types may not: that prefix belongs to repository names. Use the type alone, probably {short:?}."
    )))
}
