//! `terrane validate`: every resource block checked against its schema and every
//! expression evaluated with unknown values for anything not yet decided, so type errors,
//! unknown arguments and bad references are found without touching state or providers.

use std::sync::Arc;

use super::values::decode_body;
use super::Providers;
use crate::addr::Mode;
use crate::config::Module;
use crate::diag::{did_you_mean, Diagnostic, Diagnostics};
use crate::lang::refs::Subject;
use crate::lang::{eval, EvalContext, Scope, Value};

struct ValidateScope<'a> {
    module: &'a Module,
    counted: bool,
    each: bool,
    /// In a provisioner: `self` is the resource's object.
    self_object: bool,
}

impl<'a> ValidateScope<'a> {
    /// The scope of resource block `r`'s body: `count.index` and `each` exist only
    /// where it sets count or for_each.
    fn of(module: &'a Module, r: &crate::config::Resource) -> ValidateScope<'a> {
        ValidateScope {
            module,
            counted: r.count.is_some(),
            each: r.for_each.is_some(),
            self_object: false,
        }
    }
}

impl Scope for ValidateScope<'_> {
    fn resolve(&self, s: &Subject) -> Result<Arc<Value>, String> {
        let m = self.module;
        let known = match s {
            Subject::Var(n) => m.variables.contains_key(n),
            Subject::Local(n) => m.locals.contains_key(n),
            Subject::Resource(a) => m.resources.contains_key(a),
            Subject::CountIndex => self.counted,
            Subject::EachKey | Subject::EachValue => self.each,
            Subject::Path(_) | Subject::TerraformWorkspace => true,
            Subject::Module(c) => m.children.contains_key(c),
            Subject::SelfObject => self.self_object,
            Subject::Bound(_) => false,
        };
        if known {
            Ok(Arc::new(Value::Unknown))
        } else {
            Err(match s {
                Subject::CountIndex => "The \"count\" object can only be used in \"module\", \"resource\", and \"data\" blocks, and only when the \"count\" argument is set.".into(),
                Subject::EachKey | Subject::EachValue => "The \"each\" object can be used only in \"module\" or \"resource\" blocks, and only when the \"for_each\" argument is set.".into(),
                other => format!("{other:?} has not been declared."),
            })
        }
    }
}

/// Checks the whole module. Graph errors (undeclared references, cycles) are found by
/// `graph::build`, which callers run first.
pub fn validate(root: &Module, providers: &Providers) -> Diagnostics {
    let mut diags = super::ephemeral::check(root);
    for module in root.all() {
        validate_one(module, providers, &mut diags);
        actions(module, providers, &mut diags);
    }
    diags
}

/// What each resource's provider finds wrong in its configuration beyond the schema (a
/// value out of range), asked as Terraform's validate asks (ValidateResourceConfig and its
/// data source and ephemeral kin), with unknown values for anything not yet decided. Run
/// after [`validate`] found no errors: blocks that do not decode are not sent.
pub async fn validate_with_providers(root: &Module, providers: &Providers) -> Diagnostics {
    let mut diags = Diagnostics::new();
    for module in root.all() {
        for (addr, r) in configured_resources(module) {
            let provider_ref = super::nodes::root_provider_ref(
                root,
                &module.path,
                r.provider.as_ref(),
                r.provider_name(),
            );
            let (Some(schema), Some((provider, _))) = (
                providers.schema(addr.mode, &addr.ty),
                providers.for_resource(addr.mode, &addr.ty, provider_ref.as_ref()),
            ) else {
                continue;
            };
            let scope = ValidateScope::of(module, r);
            let ctx = EvalContext {
                scope: &scope,
                base_dir: &module.dir,
            };
            let Ok(config) = decode_body(&r.body, &schema.block, &ctx, r.span.clone()) else {
                continue;
            };
            let found = provider
                .validate(crate::provider::ValidateRequest {
                    mode: addr.mode,
                    type_name: addr.ty.clone(),
                    config,
                })
                .await;
            let shown = if module.path.is_empty() {
                addr.to_string()
            } else {
                format!("module.{}.{addr}", module.path.join(".module."))
            };
            let site = super::instance::Site {
                addr: &shown,
                resource: r,
            };
            diags.extend(site.attach(found));
        }
    }
    diags
}

/// Each `action` block: a type its provider serves, with a `config` that decodes
/// against the action's schema; and each `action_trigger` naming an action the module
/// declares.
fn actions(module: &Module, providers: &Providers, diags: &mut Diagnostics) {
    let scope = ValidateScope {
        module,
        counted: false,
        each: false,
        self_object: false,
    };
    let ctx = EvalContext {
        scope: &scope,
        base_dir: &module.dir,
    };
    for u in &module.actions {
        let Some((_, schema)) = providers.for_action(u) else {
            let provider = providers
                .instance(u.provider_name(), None)
                .map(|i| crate::addr::short_source(i.provider.source()).to_string())
                .unwrap_or_else(|| format!("hashicorp/{}", u.provider_name()));
            diags.push(
                Diagnostic::error("Invalid action type")
                    .detail(format!(
                        "The provider {provider} does not support action type {:?}.",
                        u.ty
                    ))
                    .span(u.type_span.clone().or_else(|| u.span.clone())),
            );
            continue;
        };
        if u.expanded {
            diags.push(
                Diagnostic::error("Unsupported argument")
                    .detail("terrane does not yet expand \"count\" or \"for_each\" on action blocks; declare one action per invocation.")
                    .span(u.span.clone()),
            );
        }
        if let Err(d) = decode_body(&u.config_body(), &schema.block, &ctx, u.span.clone()) {
            diags.extend(d);
        }
    }
    for r in module.resources.values() {
        for (ty, name, span) in r.lifecycle.action_triggers.iter().flat_map(|t| &t.actions) {
            if module.action(ty, name).is_none() {
                diags.push(undeclared_action(ty, name, span.clone()));
            }
        }
    }
}

/// The error for an `action_trigger` naming an action its module does not declare.
pub(super) fn undeclared_action(
    ty: &str,
    name: &str,
    span: Option<crate::diag::Span>,
) -> Diagnostic {
    Diagnostic::error("Reference to undeclared action")
        .detail(format!(
            "There is no action named \"action.{ty}.{name}\" in this module."
        ))
        .span(span)
}

/// The error for a resource or data source type no provider has, with a suggestion when
/// a supported type of the same provider is spelled alike.
pub(super) fn unsupported_type(
    addr: &crate::addr::ResourceAddr,
    r: &crate::config::Resource,
    providers: &Providers,
) -> Diagnostic {
    let (summary, kind) = match addr.mode {
        Mode::Data => ("Invalid data source", "data source"),
        Mode::Managed => ("Invalid resource type", "resource type"),
        Mode::Ephemeral => ("Invalid ephemeral resource", "ephemeral resource"),
    };
    let provider = providers
        .instance(r.provider_name(), None)
        .map(|i| crate::addr::short_source(i.provider.source()).to_string())
        .unwrap_or_else(|| format!("hashicorp/{}", r.provider_name()));
    let mut d = Diagnostic::error(summary)
        .detail(format!(
            "The provider {provider} does not support {kind} {:?}.",
            addr.ty
        ))
        .span(r.type_span.clone().or_else(|| r.span.clone()));
    if let Some(s) = suggest_type(&addr.ty, providers.type_names(addr.mode)) {
        d = d.help(format!("did you mean {s:?}?"));
    } else if providers.instance(r.provider_name(), None).is_none() {
        d = d.help(format!("no provider {:?} is built in or installed; if a provider plugin serves this type, install it with \"terrane init\" (or \"terraform init\")", r.provider_name()));
    }
    d
}

/// A type name spelled like `given`, comparing only what follows the provider prefix
/// (`aws_`): every AWS type shares it, so whole names would all look alike.
fn suggest_type<'a>(given: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let (prefix, rest) = given.split_once('_').unwrap_or(("", given));
    let same_provider: Vec<(&str, &'a str)> = candidates
        .into_iter()
        .filter_map(|c| {
            c.split_once('_')
                .filter(|(p, _)| *p == prefix)
                .map(|(_, r)| (r, c))
        })
        .collect();
    let best = did_you_mean(rest, same_provider.iter().map(|(r, _)| *r))?;
    same_provider
        .iter()
        .find(|(r, _)| *r == best)
        .map(|(_, c)| *c)
}

/// Every resource block of `module`, the scoped data sources of its check blocks
/// included: they are configuration like any other.
fn configured_resources(
    module: &Module,
) -> impl Iterator<Item = (&crate::addr::ResourceAddr, &crate::config::Resource)> {
    let scoped = module
        .checks
        .iter()
        .flat_map(|c| c.data.iter().map(|r| (&r.addr, r)));
    module
        .resources
        .iter()
        .map(|(a, r)| (a, &**r))
        .chain(scoped)
}

fn validate_one(module: &Module, providers: &Providers, diags: &mut Diagnostics) {
    for (addr, r) in configured_resources(module) {
        let Some(schema) = providers.schema(addr.mode, &addr.ty) else {
            let d = unsupported_type(addr, r, providers);
            diags.push(d);
            continue;
        };
        let scope = ValidateScope::of(module, r);
        let ctx = EvalContext {
            scope: &scope,
            base_dir: &module.dir,
        };
        for e in r.count.iter().chain(r.for_each.iter()) {
            let plain = ValidateScope {
                counted: false,
                each: false,
                ..scope
            };
            if let Err(d) = eval(
                &e.expr,
                &e.file,
                &EvalContext {
                    scope: &plain,
                    base_dir: &module.dir,
                },
            ) {
                diags.push(d);
            }
        }
        if let Err(d) = decode_body(&r.body, &schema.block, &ctx, r.span.clone()) {
            diags.extend(d);
        }
        let block = &schema.block;
        let names: Vec<&str> = block
            .attributes
            .keys()
            .chain(block.blocks.keys())
            .map(String::as_str)
            .collect();
        diags.extend(r.unknown_ignore_changes(&names));
        let with_self = ValidateScope {
            self_object: true,
            ..scope
        };
        diags.extend(super::provision::validate(
            r,
            &EvalContext {
                scope: &with_self,
                base_dir: &module.dir,
            },
        ));
    }
    let scope = ValidateScope {
        module,
        counted: false,
        each: false,
        self_object: false,
    };
    let ctx = EvalContext {
        scope: &scope,
        base_dir: &module.dir,
    };
    let exprs = module
        .locals
        .values()
        .map(|l| &l.value)
        .chain(module.outputs.values().map(|o| &o.value));
    for e in exprs {
        if let Err(d) = eval(&e.expr, &e.file, &ctx) {
            diags.push(d);
        }
    }
}

#[cfg(test)]
mod suggestion_tests {
    use super::suggest_type;

    #[test]
    fn type_suggestions_compare_what_follows_the_provider_prefix() {
        let types = [
            "aws_subnet",
            "aws_ecs_cluster",
            "aws_security_group",
            "null_resource",
        ];
        assert_eq!(suggest_type("aws_subnett", types), Some("aws_subnet"));
        assert_eq!(
            suggest_type("aws_ecs_clustr", types),
            Some("aws_ecs_cluster")
        );
        // Sharing only "aws_" is no likeness.
        assert_eq!(suggest_type("aws_eks_addon", types), None);
        assert_eq!(suggest_type("nul_resource", types), None);
    }
}
