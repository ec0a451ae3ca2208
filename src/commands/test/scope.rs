//! What a test file's expressions see: an `assert` sees the run's module (its variables,
//! locals, resources and module calls as the plan or apply left them), its outputs as
//! `output.<name>`, and the outputs of earlier runs as `run.<name>.<output>`; a
//! `variables` block sees earlier runs and the file's own variables.

use std::collections::BTreeMap;
use std::sync::Arc;

use hcl_edit::expr::Expression;
use terrane_engine::config::{Expr, Module};
use terrane_engine::diag::{Diagnostic, Span};
use terrane_engine::lang::{eval, EvalContext, Scope, Subject, Value};
use terrane_engine::run::scope::{InstanceScope, Values};

/// Outputs of the runs so far (an object per run), and the test's own variable values.
#[derive(Default)]
pub struct Shared {
    pub runs: BTreeMap<String, Value>,
    pub vars: BTreeMap<String, Value>,
}

/// The scope of a `variables` block or an override's values.
pub struct FileScope<'a>(pub &'a Shared);

impl Scope for FileScope<'_> {
    fn resolve(&self, s: &Subject) -> Result<Arc<Value>, String> {
        resolve_shared(self.0, s).unwrap_or_else(|| {
            Err("Only input variables and the outputs of earlier run blocks can be referenced here.".into())
        })
    }
}

fn resolve_shared(shared: &Shared, s: &Subject) -> Option<Result<Arc<Value>, String>> {
    match s {
        Subject::Var(n) => shared.vars.get(n).map(|v| Ok(Arc::new(v.clone()))),
        Subject::Resource(a) if a.ty == "run" && a.module.is_empty() => {
            Some(match shared.runs.get(&a.name) {
                Some(v) => Ok(Arc::new(v.clone())),
                None => Err(format!(
                    "There is no run {:?} declared before this one in the test file.",
                    a.name
                )),
            })
        }
        _ => None,
    }
}

/// The scope of an `assert`.
pub struct AssertScope<'a> {
    pub inner: InstanceScope<'a>,
    pub outputs: &'a BTreeMap<String, Value>,
    pub shared: &'a Shared,
}

impl Scope for AssertScope<'_> {
    fn resolve(&self, s: &Subject) -> Result<Arc<Value>, String> {
        match s {
            Subject::Resource(a) if a.ty == "output" && a.module.is_empty() => {
                match self.outputs.get(&a.name) {
                    Some(v) => Ok(Arc::new(v.clone())),
                    None => Err(format!("The module has no output named {:?}.", a.name)),
                }
            }
            Subject::Resource(a) if a.ty == "run" && a.module.is_empty() => {
                resolve_shared(self.shared, s).unwrap_or_else(|| Err("no such run".into()))
            }
            Subject::Var(_) => match self.inner.resolve(s) {
                Ok(v) => Ok(v),
                Err(e) => resolve_shared(self.shared, s).unwrap_or(Err(e)),
            },
            _ => self.inner.resolve(s),
        }
    }
}

/// The root module's outputs as the run's values give them (unknown where a plan does not
/// know them yet; an output whose evaluation fails is left out).
pub fn outputs(module: &Module, values: &Values) -> BTreeMap<String, Value> {
    let scope = InstanceScope::plain(values, module);
    let ectx = EvalContext {
        scope: &scope,
        base_dir: &module.dir,
    };
    module
        .outputs
        .iter()
        .filter_map(|(name, o)| {
            eval(&o.value.expr, &o.value.file, &ectx)
                .ok()
                .map(|v| (name.clone(), v))
        })
        .collect()
}

/// Checks one assertion. `Ok(None)` when it holds (or cannot be known yet); the failure otherwise, shown as
/// Terraform does: for `a == b` the two sides as a diff, else the values it read.
pub fn check_assert(
    condition: &Expr,
    error_message: &Expr,
    ectx: &EvalContext<'_>,
) -> Result<Option<Diagnostic>, Diagnostic> {
    let span = condition.span();
    let v = eval(&condition.expr, &condition.file, ectx)?;
    // A plan cannot decide a condition on values only an apply knows; as in Terraform,
    // such an assertion neither passes nor fails the run.
    if v.contains_unknown() {
        return Ok(None);
    }
    let ok = match v.unmark() {
        Value::Bool(b) => *b,
        _ => {
            return Err(Diagnostic::error("Invalid condition result")
                .detail("The condition must produce a bool.")
                .span(span))
        }
    };
    if ok {
        return Ok(None);
    }
    let message = match eval(&error_message.expr, &error_message.file, ectx) {
        Ok(m) => m.unmark().as_str().map(str::to_string).unwrap_or_default(),
        Err(d) => return Err(d),
    };
    let mut d = Diagnostic::error("Test assertion failed")
        .detail(message)
        .span(span);
    match &condition.expr {
        Expression::BinaryOp(op)
            if matches!(op.operator.value(), hcl_edit::expr::BinaryOperator::Eq) =>
        {
            let side = |e: &Expression| eval(e, &condition.file, ectx).unwrap_or(Value::Unknown);
            d = d.value(
                diff(&side(&op.lhs_expr), &side(&op.rhs_expr)),
                String::new(),
            );
            // People read the diff; the JSON view also lists what the references held.
            for (text, value) in traversals(&condition.expr, &condition.file, ectx) {
                d = d.value(text, value.describe());
            }
        }
        e => {
            for (text, value) in traversals(e, &condition.file, ectx) {
                d = d.value(text, value.describe());
            }
        }
    }
    Ok(Some(d))
}

/// `Diff:` with the actual (left) and expected (right) value, line by line.
fn diff(actual: &Value, expected: &Value) -> String {
    let show = |v: &Value| match v.unmark() {
        _ if v.contains_sensitive() => "(sensitive value)".to_string(),
        _ => crate::commands::output::hcl_value(v, 0),
    };
    let (a, b) = (show(actual), show(expected));
    let mut out = String::from("Diff:\n    │ --- actual\n    │ +++ expected\n");
    for change in similar::TextDiff::from_lines(&a, &b).iter_all_changes() {
        let sign = match change.tag() {
            similar::ChangeTag::Delete => "-",
            similar::ChangeTag::Insert => "+",
            similar::ChangeTag::Equal => " ",
        };
        out.push_str(&format!(
            "    │ {sign} {}\n",
            change.value().trim_end_matches('\n')
        ));
    }
    out.trim_end_matches('\n').to_string() + "\n"
}

/// The references (`output.out`, `aws_vpc.main.cidr_block`) an expression reads, each
/// with its value, in source order.
fn traversals(
    e: &Expression,
    file: &Arc<terrane_engine::diag::SourceFile>,
    ectx: &EvalContext<'_>,
) -> Vec<(String, Value)> {
    struct Found(Vec<Expression>);
    impl hcl_edit::visit::Visit for Found {
        fn visit_expr(&mut self, e: &Expression) {
            match e {
                Expression::Traversal(t) if matches!(t.expr, Expression::Variable(_)) => {
                    self.0.push(e.clone())
                }
                _ => hcl_edit::visit::visit_expr(self, e),
            }
        }
    }
    let mut found = Found(Vec::new());
    hcl_edit::visit::Visit::visit_expr(&mut found, e);
    let mut out: Vec<(String, Value)> = Vec::new();
    for t in found.0 {
        let Some(span) = terrane_engine::config::span_of(&t, file) else {
            continue;
        };
        let text = source_text(&span);
        if out.iter().any(|(s, _)| *s == text) {
            continue;
        }
        if let Ok(v) = eval(&t, file, ectx) {
            out.push((text, v));
        }
    }
    out
}

fn source_text(span: &Span) -> String {
    let (file, start) = terrane_engine::diag::SourceFile::resolve(&span.file, span.start);
    let (_, end) = terrane_engine::diag::SourceFile::resolve(&span.file, span.end);
    file.text
        .get(start..end)
        .unwrap_or_default()
        .trim()
        .to_string()
}
