//! The evaluator: runs an hcl-edit expression against a [`Scope`] and produces a [`Value`].
//!
//! Unknown values propagate as in Terraform: an operation on an unknown operand is unknown,
//! a conditional on an unknown condition is unknown, a template with an unknown part is
//! unknown. The sensitive mark is carried from operands to results.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use hcl_edit::expr::{BinaryOperator, Expression, ObjectKey, TraversalOperator, UnaryOperator};
use hcl_edit::template::{Directive, Element, Template};

use super::functions::{self, FuncContext, FuncError};
use super::number::Number;
use super::refs::{decode, Subject};
use super::strip::{self, Tokens};
use super::types::{convert, Type};
use super::value::Value;
use crate::diag::{did_you_mean, Diagnostic, SourceFile, Span};

/// What references resolve to. Values are shared (`Arc`) so that referring to one instance of
/// a resource with ten thousand instances does not copy all of them.
pub trait Scope: Sync {
    /// Resolves a reference; `Err` is a sentence explaining why it cannot be resolved.
    fn resolve(&self, subject: &Subject) -> Result<Arc<Value>, String>;

    /// Whether `expr` reads an ephemeral value (see `run::ephemeral`), which
    /// `ephemeralasnull` turns into null. Scopes without ephemeral inputs say no.
    fn reads_ephemeral(&self, _expr: &Expression, _file: &Arc<SourceFile>) -> bool {
        false
    }
}

/// Evaluation settings that do not change between expressions.
pub struct EvalContext<'a> {
    pub scope: &'a dyn Scope,
    /// Where `file()` and `templatefile()` resolve relative paths.
    pub base_dir: &'a Path,
}

/// Evaluates `expr`, written in `file`.
///
/// # Errors
/// A diagnostic pointing at the sub-expression that failed.
pub fn eval(
    expr: &Expression,
    file: &Arc<SourceFile>,
    ctx: &EvalContext<'_>,
) -> Result<Value, Diagnostic> {
    Evaluator {
        ctx,
        file,
        bound: Vec::new(),
    }
    .expr(expr)
}

/// The scope of a constant expression (a variable default, a tfvars value): nothing.
struct NoScope;
impl Scope for NoScope {
    fn resolve(&self, _: &Subject) -> Result<Arc<Value>, String> {
        Err("Variables may not be used here: values of input variables must be constants.".into())
    }
}

/// Evaluates a constant expression (a variable default or a tfvars value), in which no
/// reference resolves; `dir` is where `file()` reads from.
///
/// # Errors
/// A diagnostic pointing at the sub-expression that failed, or at the reference.
pub fn eval_constant(
    expr: &Expression,
    file: &Arc<SourceFile>,
    dir: &Path,
) -> Result<Value, Diagnostic> {
    eval(
        expr,
        file,
        &EvalContext {
            scope: &NoScope,
            base_dir: dir,
        },
    )
}

/// Like [`eval`], with extra names in scope (the iterator of a `dynamic` block).
///
/// # Errors
/// A diagnostic pointing at the sub-expression that failed.
pub fn eval_bound(
    expr: &Expression,
    file: &Arc<SourceFile>,
    ctx: &EvalContext<'_>,
    bound: &[(String, Value)],
) -> Result<Value, Diagnostic> {
    Evaluator {
        ctx,
        file,
        bound: bound.to_vec(),
    }
    .expr(expr)
}

/// Renders a template text (for `templatefile`) with `vars` as the only names in scope.
///
/// # Errors
/// A sentence describing the parse or evaluation failure.
pub fn render_template_text(
    text: &str,
    vars: &Value,
    ctx: &EvalContext<'_>,
) -> Result<Value, String> {
    let template = hcl_edit::parser::parse_template(text).map_err(|e| e.to_string())?;
    let file = SourceFile::new("<template>", text);
    let bound = vars
        .as_map()
        .ok_or("the vars argument of templatefile must be an object")?
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    // As in Terraform, a template sees only its variables (and functions), not the
    // scope of the configuration that renders it.
    struct OnlyVars;
    impl Scope for OnlyVars {
        fn resolve(&self, s: &Subject) -> Result<Arc<Value>, String> {
            let what = match s {
                Subject::Var(n) => format!("var.{n}"),
                Subject::Local(n) => format!("local.{n}"),
                Subject::Resource(a) => a.to_string(),
                Subject::Module(n) => format!("module.{n}"),
                Subject::Path(n) => format!("path.{n}"),
                Subject::CountIndex => "count.index".into(),
                Subject::EachKey => "each.key".into(),
                Subject::EachValue => "each.value".into(),
                Subject::TerraformWorkspace => "terraform.workspace".into(),
                Subject::Bound(n) => n.clone(),
                Subject::SelfObject => "self".into(),
            };
            Err(format!(
                "a template can use only the variables passed to it, not {what}"
            ))
        }
    }
    let isolated = EvalContext {
        scope: &OnlyVars,
        base_dir: ctx.base_dir,
    };
    let mut ev = Evaluator {
        ctx: &isolated,
        file: &file,
        bound,
    };
    ev.template_value(&template, Tokens::PerLine)
        .map_err(|d| d.summary + &d.detail.map(|x| format!(": {x}")).unwrap_or_default())
}

struct Evaluator<'a, 'c> {
    ctx: &'a EvalContext<'c>,
    file: &'a Arc<SourceFile>,
    /// Names bound by enclosing `for` expressions and template `for` directives.
    bound: Vec<(String, Value)>,
}

type R = Result<Value, Diagnostic>;

/// Applies `f` to the unmarked value and re-applies the sensitive mark to the result.
/// A number literal at 512 bits from its source text, as HCL reads it; hcl-edit's own value
/// is an f64 or u64 and would lose `0.1` and `1e400`. Expressions built without source
/// text fall back to that value.
fn literal_number(n: &hcl_edit::Formatted<hcl_edit::Number>) -> Number {
    let text: String = n
        .as_repr()
        .map(|r| r.chars().filter(|c| !c.is_whitespace()).collect())
        .unwrap_or_default();
    Number::parse(&text).unwrap_or_else(|_| {
        let v = n.value();
        v.as_i64()
            .map(Number::from_i64)
            .or_else(|| v.as_u64().map(Number::from))
            .unwrap_or_else(|| Number::from_f64(v.as_f64().unwrap_or(0.0)))
    })
}

fn keep_mark(v: &Value, f: impl FnOnce(&Value) -> R) -> R {
    match v {
        Value::Sensitive(inner) => f(inner).map(Value::sensitive),
        other => f(other),
    }
}

impl Evaluator<'_, '_> {
    fn span(&self, node: &impl hcl_edit::Span) -> Option<Span> {
        node.span().map(|r| Span::new(self.file, r))
    }

    fn err(
        &self,
        node: &impl hcl_edit::Span,
        summary: &str,
        detail: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic::error(summary)
            .detail(detail)
            .span(self.span(node))
    }

    fn expr(&mut self, e: &Expression) -> R {
        match e {
            Expression::Null(_) => Ok(Value::Null),
            Expression::Bool(b) => Ok(Value::Bool(*b.value())),
            Expression::Number(n) => Ok(Value::Number(literal_number(n))),
            Expression::String(s) => Ok(Value::String(s.value().clone())),
            Expression::Array(a) => Ok(Value::Tuple(
                a.iter().map(|x| self.expr(x)).collect::<Result<_, _>>()?,
            )),
            Expression::Object(o) => {
                let mut out = BTreeMap::new();
                for (k, v) in o.iter() {
                    let key = match k {
                        ObjectKey::Ident(id) => id.as_str().to_string(),
                        ObjectKey::Expression(Expression::Variable(id)) => id.as_str().to_string(),
                        ObjectKey::Expression(ke) => {
                            let kv = self.expr(ke)?;
                            if kv.is_unknown() {
                                return Ok(Value::Unknown);
                            }
                            match convert(&kv, &Type::String) {
                                Ok(s) => s.as_str().unwrap_or_default().to_string(),
                                Err(_) => {
                                    return Err(self.err(
                                        ke,
                                        "Incorrect key type",
                                        "Can't use this value as a key: a string is required.",
                                    ))
                                }
                            }
                        }
                    };
                    out.insert(key, self.expr(v.expr())?);
                }
                Ok(Value::Object(out))
            }
            Expression::StringTemplate(t) => {
                let mut tpl = Template::new();
                for el in t.iter() {
                    tpl.push(el.clone());
                }
                self.template_value(&tpl, Tokens::WholeLiteral)
            }
            // `<<-` heredocs were flushed as HCL does when they were parsed (`heredoc`).
            Expression::HeredocTemplate(h) => self.template_value(&h.template, Tokens::PerLine),
            Expression::Parenthesis(p) => self.expr(p.inner()),
            Expression::Variable(v) => self.reference(v.as_str(), &[], e),
            Expression::Traversal(t) => {
                let ops: Vec<&TraversalOperator> = t.operators.iter().map(|o| o.value()).collect();
                if let Expression::Variable(v) = &t.expr {
                    self.reference(v.as_str(), &ops, e)
                } else {
                    let base = self.expr(&t.expr)?;
                    self.traverse(base, &ops, e)
                }
            }
            Expression::Conditional(c) => {
                let cond = self.expr(&c.cond_expr)?;
                if cond.is_unknown() {
                    return Ok(Value::Unknown);
                }
                let sensitive = cond.is_sensitive();
                let b = match convert(&cond, &Type::Bool) {
                    Ok(v) if !v.is_null() => v.as_bool().unwrap_or(false),
                    _ => {
                        return Err(self.err(
                            &c.cond_expr,
                            "Incorrect condition type",
                            format!(
                                "The condition expression must be of type bool, not {}.",
                                cond.unmark().type_name()
                            ),
                        ))
                    }
                };
                let (chosen, other) = if b {
                    (&c.true_expr, &c.false_expr)
                } else {
                    (&c.false_expr, &c.true_expr)
                };
                let v = self.expr(chosen)?;
                // As HCL, the result has the type both branches unify to. Only a number or
                // bool can change type (to string) or clash, so only then is the other
                // branch evaluated, for its type; its errors are not this expression's.
                let v = match v.unmark() {
                    Value::Bool(_) | Value::Number(_) => match self.expr(other) {
                        Ok(o) => self.unify_conditional(v, &o, b, e)?,
                        Err(_) => v,
                    },
                    _ => v,
                };
                Ok(if sensitive { v.sensitive() } else { v })
            }
            Expression::FuncCall(f) => self.call(f, e),
            Expression::UnaryOp(u) => {
                let v = self.expr(&u.expr)?;
                let op = *u.operator.value();
                keep_mark(&v, |v| {
                    if v.is_unknown() {
                        return Ok(Value::Unknown);
                    }
                    match op {
                        UnaryOperator::Neg => match convert(v, &Type::Number) {
                            Ok(Value::Number(n)) => Ok(Value::Number(n.neg())),
                            _ => Err(self.operand_err(&u.expr, "unary", "number")),
                        },
                        UnaryOperator::Not => match convert(v, &Type::Bool) {
                            Ok(Value::Bool(b)) => Ok(Value::Bool(!b)),
                            _ => Err(self.operand_err(&u.expr, "unary", "bool")),
                        },
                    }
                })
            }
            Expression::BinaryOp(b) => {
                let l = self.expr(&b.lhs_expr)?;
                let r = self.expr(&b.rhs_expr)?;
                self.binary(*b.operator.value(), &l, &r, &b.lhs_expr, &b.rhs_expr)
            }
            Expression::ForExpr(f) => self.for_expr(f, e),
        }
    }

    /// `side` is `left`, `right` or `unary`, as Terraform names the operand.
    fn operand_err(&self, node: &Expression, side: &str, want: &str) -> Diagnostic {
        let d = self.err(
            node,
            "Invalid operand",
            format!("Unsuitable value for {side} operand: a {want} is required."),
        );
        self.with_values(d, node)
    }

    /// Adds what `node` saw to `d`: each reference in it with a description of its value,
    /// as Terraform lists them under an error (`var.env is "staging"`).
    fn with_values(&self, mut d: Diagnostic, node: &Expression) -> Diagnostic {
        let bound: Vec<String> = self.bound.iter().map(|(n, _)| n.clone()).collect();
        let mut seen = std::collections::BTreeSet::new();
        for r in super::refs::references_bound(node, self.file, &bound) {
            let Some(text) = r
                .span
                .as_ref()
                .and_then(|s| s.file.text.get(s.start..s.end))
            else {
                continue;
            };
            if !seen.insert(text.to_string()) {
                continue;
            }
            // The reference is evaluated again on its own, with the same names in scope.
            let Ok(expr) = hcl_edit::parser::parse_expr(text) else {
                continue;
            };
            let mut again = Evaluator {
                ctx: self.ctx,
                file: self.file,
                bound: self.bound.clone(),
            };
            if let Ok(v) = again.expr(&expr) {
                d = d.value(text, v.describe());
            }
        }
        d
    }

    fn binary(
        &self,
        op: BinaryOperator,
        l: &Value,
        r: &Value,
        ln: &Expression,
        rn: &Expression,
    ) -> R {
        let sensitive = l.contains_sensitive() || r.contains_sensitive();
        let (l, _) = l.unmark_deep();
        let (r, _) = r.unmark_deep();
        let mark = |v: Value| if sensitive { v.sensitive() } else { v };
        use BinaryOperator as B;
        if matches!(op, B::Eq | B::NotEq) {
            // A comparison with null needs only the other side's own null-ness, known even
            // when values inside it are not (cty's Equals): `var.rules != null` over a map
            // of rules that reference resources not yet created is known, so a for_each
            // filtered by it can be planned.
            let null_test = (l.is_null() && !r.is_unknown()) || (r.is_null() && !l.is_unknown());
            if !null_test && (l.contains_unknown() || r.contains_unknown()) {
                return Ok(Value::Unknown);
            }
            let eq = values_equal(&l, &r);
            return Ok(mark(Value::Bool(if op == B::Eq { eq } else { !eq })));
        }
        if l.is_unknown() || r.is_unknown() {
            return Ok(Value::Unknown);
        }
        if matches!(op, B::And | B::Or) {
            let lb = convert(&l, &Type::Bool)
                .ok()
                .and_then(|v| v.as_bool())
                .ok_or_else(|| self.operand_err(ln, "left", "bool"))?;
            let rb = convert(&r, &Type::Bool)
                .ok()
                .and_then(|v| v.as_bool())
                .ok_or_else(|| self.operand_err(rn, "right", "bool"))?;
            return Ok(mark(Value::Bool(if op == B::And {
                lb && rb
            } else {
                lb || rb
            })));
        }
        let ln_ = convert(&l, &Type::Number)
            .ok()
            .and_then(|v| v.as_number().cloned())
            .ok_or_else(|| self.operand_err(ln, "left", "number"))?;
        let rn_ = convert(&r, &Type::Number)
            .ok()
            .and_then(|v| v.as_number().cloned())
            .ok_or_else(|| self.operand_err(rn, "right", "number"))?;
        let v = match op {
            B::Plus => Value::Number(ln_.add(&rn_)),
            B::Minus => Value::Number(ln_.sub(&rn_)),
            B::Mul => Value::Number(ln_.mul(&rn_)),
            B::Div => match ln_.div(&rn_) {
                Some(q) => Value::Number(q),
                None => {
                    return Err(self.err(
                        rn,
                        "Operation failed",
                        "Error during operation: can't divide by zero.",
                    ))
                }
            },
            B::Mod => {
                if rn_.is_zero() {
                    return Err(self.err(
                        rn,
                        "Operation failed",
                        "Error during operation: can't use modulo by zero.",
                    ));
                }
                Value::Number(ln_.rem(&rn_))
            }
            B::Less => Value::Bool(ln_ < rn_),
            B::LessEq => Value::Bool(ln_ <= rn_),
            B::Greater => Value::Bool(ln_ > rn_),
            B::GreaterEq => Value::Bool(ln_ >= rn_),
            B::Eq | B::NotEq | B::And | B::Or => unreachable!("handled above"),
        };
        Ok(mark(v))
    }

    fn reference(&mut self, root: &str, ops: &[&TraversalOperator], node: &Expression) -> R {
        if let Some((_, v)) = self.bound.iter().rev().find(|(n, _)| n == root) {
            let v = v.clone();
            return self.traverse(v, ops, node);
        }
        let names: Vec<String> = self.bound.iter().map(|(n, _)| n.clone()).collect();
        let (subject, used) =
            decode(root, ops, &names).map_err(|m| self.err(node, "Invalid reference", m))?;
        let base = self
            .ctx
            .scope
            .resolve(&subject)
            .map_err(|m| self.err(node, "Reference to undeclared object", m))?;
        self.traverse_shared(&base, &ops[used..], node)
    }

    /// Walks attribute and index steps on a shared value, cloning only the part that is
    /// finally selected.
    fn traverse_shared(
        &mut self,
        base: &Value,
        ops: &[&TraversalOperator],
        node: &Expression,
    ) -> R {
        let mut cur = base;
        for (i, op) in ops.iter().enumerate() {
            let next = match (op, cur) {
                (TraversalOperator::GetAttr(id), Value::Object(m) | Value::Map(m)) => {
                    m.get(id.as_str())
                }
                (TraversalOperator::LegacyIndex(n), Value::List(v) | Value::Tuple(v)) => {
                    usize::try_from(*n.value()).ok().and_then(|n| v.get(n))
                }
                (
                    TraversalOperator::Index(Expression::Number(n)),
                    Value::List(v) | Value::Tuple(v),
                ) => n
                    .value()
                    .as_u64()
                    .and_then(|n| usize::try_from(n).ok())
                    .and_then(|n| v.get(n)),
                (
                    TraversalOperator::Index(Expression::String(s)),
                    Value::Object(m) | Value::Map(m),
                ) => m.get(s.value().as_str()),
                // A computed index such as `aws_instance.web[count.index]` or `x[each.key]`:
                // evaluate the key and select from the shared collection. Falling through to
                // `traverse` would clone the whole collection for every instance, which makes
                // a `count = N` resource reading another's elements O(N^2). Same steps as
                // `step` takes for a collection that is neither unknown nor sensitive.
                (
                    TraversalOperator::Index(ie),
                    Value::List(_) | Value::Tuple(_) | Value::Object(_) | Value::Map(_),
                ) => {
                    let key = self.expr(ie)?;
                    let selected = self.index(cur, &key, ie)?;
                    return self.traverse(selected, &ops[i + 1..], node);
                }
                _ => None,
            };
            match next {
                Some(n) => cur = n,
                None => return self.traverse(cur.clone(), &ops[i..], node),
            }
        }
        Ok(cur.clone())
    }

    fn traverse(&mut self, mut cur: Value, ops: &[&TraversalOperator], node: &Expression) -> R {
        let mut i = 0;
        while i < ops.len() {
            let op = ops[i];
            match op {
                TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                    let full = matches!(op, TraversalOperator::FullSplat(_));
                    let rest_len = ops[i + 1..]
                        .iter()
                        .take_while(|o| full || matches!(o, TraversalOperator::GetAttr(_)))
                        .count();
                    let rest = &ops[i + 1..i + 1 + rest_len];
                    cur = self.splat(cur, rest, node)?;
                    i += 1 + rest_len;
                    continue;
                }
                _ => {
                    cur = self.step(cur, op, node)?;
                }
            }
            i += 1;
        }
        Ok(cur)
    }

    fn splat(&mut self, cur: Value, rest: &[&TraversalOperator], node: &Expression) -> R {
        let sensitive = cur.is_sensitive();
        let cur = cur.unmark().clone();
        let out = match cur {
            Value::Unknown => return Ok(Value::Unknown),
            Value::Null => Value::Tuple(Vec::new()),
            // As HCL: a splat over a list or set is a list, over a tuple a tuple.
            Value::List(items) | Value::Set(items) => Value::List(
                items
                    .into_iter()
                    .map(|x| self.traverse(x, rest, node))
                    .collect::<Result<_, _>>()?,
            ),
            Value::Tuple(items) => Value::Tuple(
                items
                    .into_iter()
                    .map(|x| self.traverse(x, rest, node))
                    .collect::<Result<_, _>>()?,
            ),
            other => Value::Tuple(vec![self.traverse(other, rest, node)?]),
        };
        Ok(if sensitive { out.sensitive() } else { out })
    }

    fn step(&mut self, cur: Value, op: &TraversalOperator, node: &Expression) -> R {
        if let Value::Sensitive(inner) = cur {
            return self.step(*inner, op, node).map(Value::sensitive);
        }
        if cur.is_unknown() {
            return Ok(Value::Unknown);
        }
        match op {
            TraversalOperator::GetAttr(id) => {
                let name = id.as_str();
                match &cur {
                    Value::Object(m) | Value::Map(m) => m.get(name).cloned().ok_or_else(|| {
                        let mut d = self.err(node, "Unsupported attribute", format!("This object does not have an attribute named {name:?}."));
                        if let Some(s) = did_you_mean(name, m.keys().map(String::as_str)) {
                            d = d.help(format!("did you mean {s:?}?"));
                        }
                        d
                    }),
                    Value::Null => Err(self.err(node, "Attempt to get attribute from null value", "This value is null, so it does not have any attributes.")),
                    Value::List(_) | Value::Tuple(_) | Value::Set(_) => Err(self.err(
                        node,
                        "Unsupported attribute",
                        format!("Can't access attributes on a {} of objects. Did you mean to access attribute {name:?} for a specific element of the {}, or across all elements of the {} with [*].{name}?", cur.type_name(), cur.type_name(), cur.type_name()),
                    )),
                    other => Err(self.err(node, "Unsupported attribute", format!("Can't access attributes on a primitive-typed value ({}).", other.type_name()))),
                }
            }
            TraversalOperator::LegacyIndex(n) => self.index(&cur, &Value::number(*n.value()), node),
            TraversalOperator::Index(ie) => {
                let key = self.expr(ie)?;
                self.index(&cur, &key, ie)
            }
            TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                unreachable!("splats handled by traverse")
            }
        }
    }

    /// Selects one element of `cur`, cloning only that element.
    fn index(&self, cur: &Value, key: &Value, node: &Expression) -> R {
        if key.is_unknown() {
            return Ok(Value::Unknown);
        }
        let sensitive = key.is_sensitive();
        let key = key.unmark();
        let out = match cur {
            Value::List(v) | Value::Tuple(v) => {
                let n = convert(key, &Type::Number).ok().and_then(|n| n.as_number().cloned()).ok_or_else(|| {
                    self.err(node, "Invalid index", "The given key does not identify an element in this collection value: a number is required.")
                })?;
                let Some(i) = n.to_i64().and_then(|i| usize::try_from(i).ok()).filter(|i| *i < v.len()) else {
                    return Err(self.err(node, "Invalid index", format!("The given key does not identify an element in this collection value: the collection has {} elements.", v.len())));
                };
                v[i].clone()
            }
            Value::Map(m) | Value::Object(m) => {
                let k = convert(key, &Type::String).ok().and_then(|s| s.as_str().map(str::to_string)).ok_or_else(|| {
                    self.err(node, "Invalid index", "The given key does not identify an element in this collection value: a string is required.")
                })?;
                m.get(&k).cloned().ok_or_else(|| {
                    self.err(node, "Invalid index", format!("The given key does not identify an element in this collection value: no element for key {k:?}."))
                })?
            }
            Value::Set(_) => return Err(self.err(node, "Invalid index", "Elements of a set are identified only by their value and don't have any separate index or key to select with, so it's only possible to perform operations across all elements of the set.")),
            Value::Null => return Err(self.err(node, "Attempt to index null value", "This value is null, so it does not have any indices.")),
            other => return Err(self.err(node, "Invalid index", format!("This value does not have any indices (it is a {}).", other.type_name()))),
        };
        Ok(if sensitive { out.sensitive() } else { out })
    }

    fn for_expr(&mut self, f: &hcl_edit::expr::ForExpr, node: &Expression) -> R {
        let coll = self.expr(&f.intro.collection_expr)?;
        if coll.is_unknown() {
            return Ok(Value::Unknown);
        }
        let sensitive = coll.is_sensitive();
        let items = match (coll.iteration_pairs(), coll.unmark()) {
            (Some(items), _) => items,
            (None, Value::Null) => {
                return Err(self.err(
                    &f.intro.collection_expr,
                    "Iteration over null value",
                    "A null value cannot be used as the collection in a 'for' expression.",
                ))
            }
            (None, other) => {
                return Err(self.err(
                    &f.intro.collection_expr,
                    "Iteration over non-iterable value",
                    format!(
                    "A value of type {} cannot be used as the collection in a 'for' expression.",
                    other.type_name()
                ),
                ))
            }
        };
        let key_name = f.intro.key_var.as_ref().map(|k| k.as_str().to_string());
        let val_name = f.intro.value_var.as_str().to_string();
        let saved = self.bound.len();
        let mut list = Vec::new();
        let mut map: BTreeMap<String, Value> = BTreeMap::new();
        let mut grouped: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        let mut unknown = false;
        for (k, v) in items {
            self.bound.truncate(saved);
            if let Some(kn) = &key_name {
                self.bound.push((kn.clone(), k));
            }
            self.bound.push((val_name.clone(), v));
            if let Some(c) = &f.cond {
                let cv = self.expr(&c.expr)?;
                if cv.is_unknown() {
                    unknown = true;
                    continue;
                }
                match convert(&cv, &Type::Bool).ok().and_then(|b| b.as_bool()) {
                    Some(true) => {}
                    Some(false) => continue,
                    None => {
                        self.bound.truncate(saved);
                        return Err(self.err(
                            &c.expr,
                            "Invalid 'for' condition",
                            "The 'if' clause value is invalid: a bool is required.",
                        ));
                    }
                }
            }
            let value = self.expr(&f.value_expr)?;
            match &f.key_expr {
                None => list.push(value),
                Some(ke) => {
                    let kv = self.expr(ke)?;
                    if kv.is_unknown() {
                        unknown = true;
                        continue;
                    }
                    let Some(ks) = convert(&kv, &Type::String)
                        .ok()
                        .and_then(|s| s.as_str().map(str::to_string))
                    else {
                        self.bound.truncate(saved);
                        return Err(self.err(
                            ke,
                            "Invalid object key",
                            "The key expression produced an invalid result: a string is required.",
                        ));
                    };
                    if f.grouping {
                        grouped.entry(ks).or_default().push(value);
                    } else if let std::collections::btree_map::Entry::Vacant(slot) =
                        map.entry(ks.clone())
                    {
                        slot.insert(value);
                    } else {
                        self.bound.truncate(saved);
                        return Err(self.err(node, "Duplicate object key", format!("Two different items produced the key {ks:?} in this 'for' expression. If duplicates are expected, use the ellipsis (...) after the value expression to enable grouping by key.")));
                    }
                }
            }
        }
        self.bound.truncate(saved);
        if unknown {
            return Ok(Value::Unknown);
        }
        let out = match &f.key_expr {
            None => Value::Tuple(list),
            Some(_) if f.grouping => Value::Object(
                grouped
                    .into_iter()
                    .map(|(k, v)| (k, Value::Tuple(v)))
                    .collect(),
            ),
            Some(_) => Value::Object(map),
        };
        Ok(if sensitive { out.sensitive() } else { out })
    }

    /// The conditional's result `v` converted to the type it unifies to with `other` (the
    /// branch not taken), for primitives: a number or bool beside a string becomes a
    /// string (`true ? 1 : "a"` is `"1"`); a bool beside a number has no common type.
    fn unify_conditional(&self, v: Value, other: &Value, took_true: bool, node: &Expression) -> R {
        let primitive = |x: &Value| match x.unmark() {
            Value::Bool(_) => Some("bool"),
            Value::Number(_) => Some("number"),
            Value::String(_) => Some("string"),
            _ => None,
        };
        let (Some(a), Some(b)) = (primitive(&v), primitive(other)) else {
            return Ok(v);
        };
        if a == b {
            return Ok(v);
        }
        if a != "string" && b != "string" {
            let (t, f) = if took_true { (a, b) } else { (b, a) };
            return Err(self.err(
                node,
                "Inconsistent conditional result types",
                format!("The true and false result expressions must have consistent types. The 'true' value is {t}, but the 'false' value is {f}."),
            ));
        }
        keep_mark(&v, |x| {
            // A number or bool always converts to a string.
            convert(x, &Type::String)
                .map_err(|why| self.err(node, "Inconsistent conditional result types", why))
        })
    }

    fn call(&mut self, f: &hcl_edit::expr::FuncCall, node: &Expression) -> R {
        let name = f.name.name.as_str();
        if name == "ephemeralasnull" && f.args.len() == 1 {
            let arg = f.args.iter().next().expect("one argument");
            if self.ctx.scope.reads_ephemeral(arg, self.file) {
                return Ok(Value::Null);
            }
        }
        // try and can evaluate their arguments lazily: an evaluation error is a result here.
        if name == "try" || name == "can" {
            if f.args.is_empty() {
                return Err(self.err(
                    node,
                    "Invalid function argument",
                    format!("Function {name:?} requires at least one argument."),
                ));
            }
            if name == "can" {
                return match self.expr(f.args.iter().next().expect("checked non-empty")) {
                    Ok(v) if v.contains_unknown() => Ok(Value::Unknown),
                    Ok(_) => Ok(Value::Bool(true)),
                    Err(_) => Ok(Value::Bool(false)),
                };
            }
            let mut last = None;
            for a in f.args.iter() {
                match self.expr(a) {
                    Ok(v) if v.contains_unknown() => return Ok(Value::Unknown),
                    Ok(v) => return Ok(v),
                    Err(e) => last = Some(e),
                }
            }
            return Err(self.err(
                node,
                "Error in function call",
                format!(
                    "Call to function \"try\" failed: no expression succeeded:\n{}",
                    last.map(|d| d.summary + ": " + d.detail.as_deref().unwrap_or(""))
                        .unwrap_or_default()
                ),
            ));
        }
        let mut args = Vec::with_capacity(f.args.len());
        for a in f.args.iter() {
            args.push(self.expr(a)?);
        }
        if f.args.expand_final() {
            match args.pop() {
                Some(last) if last.is_unknown() => return Ok(Value::Unknown),
                Some(last) => match last.as_seq() {
                    Some(items) => args.extend(items.iter().cloned()),
                    None => return Err(self.err(node, "Invalid expanding argument value", "The expanding argument (indicated by ...) must be of a tuple, list, or set type.")),
                },
                None => {}
            }
        }
        let render = |text: &str, vars: &Value| render_template_text(text, vars, self.ctx);
        let fctx = FuncContext {
            base_dir: self.ctx.base_dir,
            render_template: &render,
        };
        let result = functions::call(name, args, &fctx).map_err(|e| match e {
            FuncError::Unknown { name } => {
                let mut d = self.err(
                    &f.name.name,
                    "Call to unknown function",
                    format!("There is no function named {name:?}."),
                );
                if let Some(s) = did_you_mean(&name, functions::names().iter().copied()) {
                    d = d.help(format!("did you mean {s:?}?"));
                }
                d
            }
            FuncError::Arity { too_many, message } => self.err(
                node,
                if too_many {
                    "Too many function arguments"
                } else {
                    "Not enough function arguments"
                },
                message,
            ),
            // The message is already in Terraform's words ("Invalid value for ... parameter"
            // or "Call to function ... failed"); only the summary depends on which.
            FuncError::Call(msg) => {
                let d = self.err(
                    node,
                    if msg.starts_with("Invalid value for") {
                        "Invalid function argument"
                    } else {
                        "Error in function call"
                    },
                    msg,
                );
                let d = match functions::signature(name) {
                    Some(sig) => d.calling(sig),
                    None => d,
                };
                self.with_values(d, node)
            }
        });
        result
    }

    /// Evaluates a template. A template that is exactly one interpolation yields that value
    /// unconverted (so `"${var.list}"` is still a list), as HCL specifies.
    fn template_value(&mut self, t: &Template, tokens: Tokens) -> R {
        if let Some(Element::Interpolation(i)) = t.as_single_element() {
            return self.expr(&i.expr);
        }
        let stripped = strip::apply(t, tokens);
        let t = stripped.as_ref().unwrap_or(t);
        let mut out = String::new();
        let mut state = TemplateState::default();
        self.render(t, &mut out, &mut state)?;
        if state.unknown {
            return Ok(Value::Unknown);
        }
        let v = Value::String(out);
        Ok(if state.sensitive { v.sensitive() } else { v })
    }

    fn render(
        &mut self,
        t: &Template,
        out: &mut String,
        st: &mut TemplateState,
    ) -> Result<(), Diagnostic> {
        for el in t.iter() {
            match el {
                Element::Literal(l) => out.push_str(l.value()),
                Element::Interpolation(i) => {
                    let v = self.expr(&i.expr)?;
                    self.append(&v, &i.expr, out, st)?;
                }
                Element::Directive(d) => match &**d {
                    Directive::If(ifd) => {
                        let c = self.expr(&ifd.if_expr.cond_expr)?;
                        if c.is_unknown() {
                            st.unknown = true;
                            continue;
                        }
                        st.sensitive |= c.is_sensitive();
                        let b = convert(&c, &Type::Bool)
                            .ok()
                            .and_then(|b| b.as_bool())
                            .ok_or_else(|| {
                                self.err(
                                    &ifd.if_expr.cond_expr,
                                    "Invalid template if directive",
                                    "The condition must be of type bool.",
                                )
                            })?;
                        if b {
                            self.render(&ifd.if_expr.template, out, st)?;
                        } else if let Some(e) = &ifd.else_expr {
                            self.render(&e.template, out, st)?;
                        }
                    }
                    Directive::For(fd) => {
                        let fe = &fd.for_expr;
                        let coll = self.expr(&fe.collection_expr)?;
                        if coll.is_unknown() {
                            st.unknown = true;
                            continue;
                        }
                        st.sensitive |= coll.is_sensitive();
                        // The same pairs as a `for` expression: over a set, key and
                        // value are both the element (sets have no index).
                        let Some(items) = coll.iteration_pairs() else {
                            return Err(self.err(
                                &fe.collection_expr,
                                "Invalid template for directive",
                                "The collection must be a list, set, map or object.",
                            ));
                        };
                        let saved = self.bound.len();
                        for (k, v) in items {
                            self.bound.truncate(saved);
                            if let Some(kv) = &fe.key_var {
                                self.bound.push((kv.as_str().to_string(), k));
                            }
                            self.bound.push((fe.value_var.as_str().to_string(), v));
                            self.render(&fe.template, out, st)?;
                        }
                        self.bound.truncate(saved);
                    }
                },
            }
        }
        Ok(())
    }

    fn append(
        &self,
        v: &Value,
        node: &Expression,
        out: &mut String,
        st: &mut TemplateState,
    ) -> Result<(), Diagnostic> {
        if v.is_unknown() {
            st.unknown = true;
            return Ok(());
        }
        st.sensitive |= v.is_sensitive();
        if v.is_null() {
            return Err(self.err(
                node,
                "Invalid template interpolation value",
                "The expression result is null. Cannot include a null value in a string template.",
            ));
        }
        match convert(v.unmark(), &Type::String) {
            Ok(s) => {
                out.push_str(s.as_str().unwrap_or_default());
                Ok(())
            }
            Err(_) => Err(self.err(
                node,
                "Invalid template interpolation value",
                format!(
                    "Cannot include the given value in a string template: string required, not {}.",
                    v.unmark().type_name()
                ),
            )),
        }
    }
}

/// Removes up to `n` leading spaces from every line start inside directive bodies of `t`
/// (`nested` is true once inside a directive, where the work is needed).
#[derive(Default)]
struct TemplateState {
    unknown: bool,
    sensitive: bool,
}

/// Terraform's `==`: structural, with lists and tuples (maps and objects) of equal
/// elements comparing equal, and no implicit conversion between primitive types.
pub fn values_equal(a: &Value, b: &Value) -> bool {
    match (a.unmark(), b.unmark()) {
        (Value::List(x) | Value::Tuple(x), Value::List(y) | Value::Tuple(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| values_equal(a, b))
        }
        (Value::Map(x) | Value::Object(x), Value::Map(y) | Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((ka, a), (kb, b))| ka == kb && values_equal(a, b))
        }
        (a, b) => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct TestScope;
    impl Scope for TestScope {
        fn resolve(&self, s: &Subject) -> Result<Arc<Value>, String> {
            match s {
                Subject::Var(n) if n == "names" => Ok(Arc::new(Value::Tuple(vec![
                    Value::string("a"),
                    Value::string("b"),
                ]))),
                Subject::Var(n) if n == "secret" => Ok(Arc::new(Value::string("pw").sensitive())),
                Subject::Var(n) if n == "later" => Ok(Arc::new(Value::Unknown)),
                Subject::Var(n) if n == "objs" => Ok(Arc::new(Value::Tuple(vec![
                    Value::object([("id", Value::string("x"))]),
                    Value::object([("id", Value::string("y"))]),
                ]))),
                other => Err(format!("{other:?} is not declared")),
            }
        }
    }

    fn ev(src: &str) -> Result<Value, Diagnostic> {
        let file = SourceFile::new("t.tf", format!("x = {src}\n"));
        let mut body = hcl_edit::parser::parse_body(&file.text).expect("test input parses");
        crate::lang::heredoc::flush_body(&mut body, &file.text);
        let attr = body.get_attribute("x").expect("attribute x");
        let ctx = EvalContext {
            scope: &TestScope,
            base_dir: Path::new("."),
        };
        eval(&attr.value, &file, &ctx)
    }

    #[test]
    fn templates_and_directives() {
        assert_eq!(
            ev(r#""${var.names[0]}-%{if true}y%{else}n%{endif}""#).unwrap(),
            Value::string("a-y")
        );
        assert_eq!(
            ev(r#""%{for n in var.names}<${n}>%{endfor}""#).unwrap(),
            Value::string("<a><b>")
        );
        // A lone interpolation keeps the value's type.
        assert_eq!(
            ev(r#""${var.names}""#).unwrap(),
            Value::Tuple(vec![Value::string("a"), Value::string("b")])
        );
    }

    #[test]
    fn iteration_over_sets_binds_the_element_to_key_and_value() {
        assert_eq!(
            ev(r#""%{for x in toset(["b", "a"])}<${x}>%{endfor}""#).unwrap(),
            Value::string("<a><b>")
        );
        assert_eq!(
            ev(r#""%{for k, x in toset(["b", "a"])}${k}=${x};%{endfor}""#).unwrap(),
            Value::string("a=a;b=b;")
        );
        assert_eq!(
            ev(r#"{ for k, x in toset(["b", "a"]) : k => x }"#).unwrap(),
            Value::object([("a", Value::string("a")), ("b", Value::string("b"))])
        );
        assert_eq!(
            ev(r#"[ for x in toset(["b", "a"]) : upper(x) ]"#).unwrap(),
            Value::Tuple(vec![Value::string("A"), Value::string("B")])
        );
    }

    #[test]
    fn templatestring_renders_with_only_its_variables() {
        assert_eq!(
            ev(r#"templatestring("%%{for n in names}$${n}/%%{endfor}$${x + 1}", { names = ["a", "b"], x = 1 })"#)
                .unwrap(),
            Value::string("a/b/2")
        );
        // Only the given variables are in scope.
        let e = ev(r#"templatestring("$${var.names}", {})"#).unwrap_err();
        assert_eq!(e.summary, "Error in function call");
        assert_eq!(
            e.detail.as_deref(),
            Some("Call to function \"templatestring\" failed: Reference to undeclared object: a template can use only the variables passed to it, not var.names.")
        );
        let e = ev(r#"upper([])"#).unwrap_err();
        assert_eq!(e.summary, "Invalid function argument");
        assert_eq!(
            e.detail.as_deref(),
            Some("Invalid value for \"str\" parameter: string required.")
        );
    }

    #[test]
    fn indented_heredoc_with_directives_is_dedented_everywhere() {
        let v = ev(
            "<<-EOT\n    %{ for n in var.names ~}\n    - ${n}\n    %{ endfor ~}\n    done\n  EOT",
        )
        .unwrap();
        // As Terraform: `~}` strips each newline first, so only the directive lines start
        // a line and lose their indentation.
        assert_eq!(v, Value::string("    - a\n    - b\n    done\n"));
    }

    #[test]
    fn indented_heredocs_strip_then_flush_as_terraform() {
        // Each expected value is what Terraform 1.15.5 prints for the same heredoc.
        let cases = [
            // An emptied line-start literal (`%{~`) counts as no indentation.
            (
                "<<-EOT\n    x\n    %{~ for n in var.names }\n    - ${n}\n    %{~ endfor }\n    done\n  EOT",
                "    x\n\n    - a\n\n    - b\n\n    done\n",
            ),
            // A line whose newline `~}` removed is not a line start: it keeps its indent.
            (
                "<<-EOT\n    x\n    %{ if true ~}\n      y\n    %{ endif }\n    z\n  EOT",
                "x\n      y\n\nz\n",
            ),
            (
                "<<-EOT\n      x ${\"a\"} y\n    z ${~ \"b\" ~}   w\n  EOT",
                "  x a y\nzbw\n",
            ),
            (
                "<<-EOT\n    %{ if false }\n      no\n    %{ else ~}\n      yes\n    %{~ endif }\n    end\n    EOT",
                "          yes\n\n    end\n",
            ),
            // Tabs count as one column each; blank lines are not measured; escapes kept.
            (
                "<<-EOT\n\t\tx\n\t  y\n\n    $${z} %%{w}\n  EOT",
                "x\n y\n\n  ${z} %{w}\n",
            ),
            ("<<-EOT\n    p\r\n      q\r\n  EOT", "p\r\n  q\r\n"),
        ];
        for (src, want) in cases {
            assert_eq!(ev(src).unwrap(), Value::string(want), "{src}");
        }
    }

    #[test]
    fn conditional_results_unify_as_in_terraform() {
        assert_eq!(ev(r#"true ? 1 : "a""#).unwrap(), Value::string("1"));
        assert_eq!(ev(r#"true ? true : "x""#).unwrap(), Value::string("true"));
        assert_eq!(ev(r#"false ? 2 : "b""#).unwrap(), Value::string("b"));
        // The branch not taken is evaluated for its type only.
        assert_eq!(ev(r#"true ? "a" : [][0]"#).unwrap(), Value::string("a"));
        let e = ev("true ? true : 1").unwrap_err();
        assert_eq!(e.summary, "Inconsistent conditional result types");
    }

    #[test]
    fn splats_for_and_conditionals() {
        assert_eq!(
            ev("var.objs[*].id").unwrap(),
            Value::Tuple(vec![Value::string("x"), Value::string("y")])
        );
        assert_eq!(
            ev("var.objs.*.id").unwrap(),
            Value::Tuple(vec![Value::string("x"), Value::string("y")])
        );
        assert_eq!(
            ev("{ for o in var.objs : o.id => upper(o.id) if o.id != \"y\" }").unwrap(),
            Value::object([("x", Value::string("X"))])
        );
        assert_eq!(
            ev("1 + 2 * 3 == 7 ? \"ok\" : \"no\"").unwrap(),
            Value::string("ok")
        );
    }

    #[test]
    fn unknown_and_sensitive_propagate() {
        assert_eq!(ev("var.later + 1").unwrap(), Value::Unknown);
        assert_eq!(ev("var.later ? 1 : 2").unwrap(), Value::Unknown);
        assert_eq!(ev(r#""a-${var.later}""#).unwrap(), Value::Unknown);
        assert_eq!(ev("upper(var.later)").unwrap(), Value::Unknown);
        assert!(ev(r#""x${var.secret}""#).unwrap().is_sensitive());
        assert!(ev("upper(var.secret)").unwrap().is_sensitive());
    }

    #[test]
    fn null_comparisons_are_known_when_only_inner_values_are_not() {
        // As cty: a known object holding unknowns is not null, whatever they become.
        let partly = "{ a = { id = var.later } }";
        assert_eq!(ev(&format!("{partly} != null")).unwrap(), Value::Bool(true));
        assert_eq!(
            ev(&format!("null == {partly}")).unwrap(),
            Value::Bool(false)
        );
        assert_eq!(ev("[var.later] == null").unwrap(), Value::Bool(false));
        assert_eq!(ev("null == null").unwrap(), Value::Bool(true));
        // An unknown value may still turn out null; other comparisons need every value.
        assert_eq!(ev("var.later == null").unwrap(), Value::Unknown);
        assert_eq!(ev("null != var.later").unwrap(), Value::Unknown);
        assert_eq!(
            ev(&format!("{partly} == {{ a = {{ id = 1 }} }}")).unwrap(),
            Value::Unknown
        );
    }

    #[test]
    fn errors_point_at_the_expression() {
        let d = ev("var.objs[5]").unwrap_err();
        assert_eq!(d.summary, "Invalid index");
        assert_eq!(d.span.unwrap().line_col(), (1, 14));
        let d = ev("lenght(var.names)").unwrap_err();
        assert_eq!(d.help.as_deref(), Some("did you mean \"length\"?"));
        assert!(ev("try(var.objs[5], \"fallback\")").unwrap() == Value::string("fallback"));
        assert_eq!(ev("can(var.objs[5])").unwrap(), Value::Bool(false));
    }
}

#[cfg(test)]
mod traversal_tests {
    use super::*;

    /// Variables only; enough to exercise traversals of shared values.
    struct Vars(BTreeMap<String, Arc<Value>>);

    impl Scope for Vars {
        fn resolve(&self, subject: &Subject) -> Result<Arc<Value>, String> {
            match subject {
                Subject::Var(n) => self.0.get(n).cloned().ok_or_else(|| format!("no {n}")),
                _ => Err("not in this scope".into()),
            }
        }
    }

    fn run(src: &str) -> Result<Value, Diagnostic> {
        let list = Value::Tuple(vec![
            Value::object([("id", Value::string("a"))]),
            Value::object([("id", Value::string("b"))]),
        ]);
        let map = Value::object([("x", Value::object([("y", Value::string("z"))]))]);
        let vars = Vars(BTreeMap::from([
            ("list".to_string(), Arc::new(list)),
            ("map".to_string(), Arc::new(map)),
            ("i".to_string(), Arc::new(Value::number(1))),
            ("k".to_string(), Arc::new(Value::string("x"))),
            ("secret".to_string(), Arc::new(Value::number(0).sensitive())),
            ("later".to_string(), Arc::new(Value::Unknown)),
        ]));
        let expr: Expression = src.parse().expect("valid expression");
        let file = SourceFile::new("test.tf", src);
        eval(
            &expr,
            &file,
            &EvalContext {
                scope: &vars,
                base_dir: Path::new("."),
            },
        )
    }

    #[test]
    fn computed_index_on_a_shared_value() {
        assert_eq!(run("var.list[var.i].id").unwrap(), Value::string("b"));
        assert_eq!(run("var.map[var.k].y").unwrap(), Value::string("z"));
        assert_eq!(
            run("var.list[var.i - 1]").unwrap().get_attr("id").cloned(),
            Some(Value::string("a"))
        );
        assert_eq!(run("var.list[var.later].id").unwrap(), Value::Unknown);
        assert_eq!(
            run("var.list[var.secret].id").unwrap(),
            Value::string("a").sensitive()
        );
        let err = run("var.list[var.i + 5]").unwrap_err();
        assert_eq!(err.summary, "Invalid index");
        let err = run("var.map[var.i].y").unwrap_err();
        assert_eq!(err.summary, "Invalid index");
    }
}
