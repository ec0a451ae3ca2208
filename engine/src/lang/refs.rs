//! Finding what an expression refers to: the edges of the dependency graph.
//!
//! The same decoding of a traversal (`var.x`, `null_resource.a[0].id`, `count.index`) is
//! used by the evaluator, so what the graph orders and what evaluation reads always agree.

use std::sync::Arc;

use hcl_edit::expr::{Expression, TraversalOperator};
use hcl_edit::template::{Directive, Element, Template};
use hcl_edit::Span as _;

use crate::addr::{Mode, ResourceAddr};
use crate::diag::{SourceFile, Span};

/// The object a reference names.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Subject {
    Var(String),
    Local(String),
    Resource(ResourceAddr),
    Module(String),
    CountIndex,
    EachKey,
    EachValue,
    Path(String),
    TerraformWorkspace,
    /// A name bound by an enclosing `for` expression or template directive.
    Bound(String),
    /// `self` in a postcondition: the object being planned.
    SelfObject,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub subject: Subject,
    pub span: Option<Span>,
    /// For `module.x.out` and `module.x[k].out`: the output named, so that the graph
    /// orders the reference after that output alone. Depending on every output would
    /// make modules that feed each other (the app's security group into the database
    /// module, the database's address back into the app) a false cycle.
    pub module_output: Option<String>,
    /// The root name (`var`, `aws_vpc`, `module`) and the static steps after it, up to
    /// the first that is not (an index by an expression, a splat): what Terraform's
    /// JSON forms of configuration and plans spell references with.
    pub root: String,
    pub steps: Vec<Step>,
}

/// One static step of a traversal: `.name`, or an index by a literal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Attr(String),
    /// A number index, as written.
    Number(String),
    Key(String),
}

impl Step {
    /// The step as Terraform prints traversals: `.name`, `[0]`, `["key"]`.
    pub fn text(&self) -> String {
        match self {
            Step::Attr(a) => format!(".{a}"),
            Step::Number(n) => format!("[{n}]"),
            Step::Key(k) => format!("[{}]", serde_json::Value::String(k.clone())),
        }
    }

    fn is_index(&self) -> bool {
        !matches!(self, Step::Attr(_))
    }
}

impl Reference {
    /// How many of `steps` name the object referred to (with its instance key) rather
    /// than a part of its value, as Terraform splits a reference into subject and
    /// remaining traversal.
    fn subject_steps(&self) -> usize {
        let indexed = |i: usize| self.steps.get(i).is_some_and(Step::is_index);
        match &self.subject {
            Subject::Var(_)
            | Subject::Local(_)
            | Subject::CountIndex
            | Subject::EachKey
            | Subject::EachValue
            | Subject::Path(_)
            | Subject::TerraformWorkspace => 1,
            Subject::Resource(_) => {
                let named = if self.root == "data" || self.root == "ephemeral" {
                    2
                } else {
                    1
                };
                named + usize::from(indexed(named))
            }
            Subject::Module(_) => {
                let call = 1 + usize::from(indexed(1));
                let output = matches!(self.steps.get(call), Some(Step::Attr(_)));
                call + usize::from(output)
            }
            Subject::Bound(_) | Subject::SelfObject => 0,
        }
        .min(self.steps.len())
    }

    /// The steps after the referenced object: the path into its value.
    pub fn path(&self) -> &[Step] {
        &self.steps[self.subject_steps()..]
    }

    /// The object referred to, as Terraform names it (`aws_vpc.main[0]`,
    /// `module.net.vpc_id`, `var.name`).
    pub fn subject_text(&self) -> String {
        let steps: String = self.steps[..self.subject_steps()]
            .iter()
            .map(Step::text)
            .collect();
        format!("{}{steps}", self.root)
    }

    /// The reference as Terraform's JSON configuration lists it: the whole static
    /// traversal, then each shorter one down to the object, then the object without its
    /// instance key (or the module call instance of a module output).
    pub fn terraform_strings(&self) -> Vec<String> {
        let n = self.subject_steps();
        let mut out: Vec<String> = (n..=self.steps.len())
            .rev()
            .map(|end| {
                let steps: String = self.steps[..end].iter().map(Step::text).collect();
                format!("{}{steps}", self.root)
            })
            .collect();
        let container = match &self.subject {
            Subject::Resource(_) if n > 0 && self.steps[n - 1].is_index() => Some(n - 1),
            // An output's module call instance (`module.m["k"]`), or a keyed call
            // instance's call (`module.m`).
            Subject::Module(_) if n > 1 => Some(n - 1),
            _ => None,
        };
        if let Some(end) = container {
            let steps: String = self.steps[..end].iter().map(Step::text).collect();
            out.push(format!("{}{steps}", self.root));
        }
        out
    }
}

/// The static steps of a traversal's operators.
fn static_steps(ops: &[&TraversalOperator]) -> Vec<Step> {
    let mut out = Vec::new();
    for op in ops {
        out.push(match op {
            TraversalOperator::GetAttr(id) => Step::Attr(id.as_str().to_string()),
            TraversalOperator::LegacyIndex(n) => Step::Number(n.value().to_string()),
            TraversalOperator::Index(Expression::Number(n)) => Step::Number(n.value().to_string()),
            TraversalOperator::Index(Expression::String(s)) => Step::Key(s.value().clone()),
            _ => break,
        });
    }
    out
}

/// Decodes the start of a traversal into its subject and how many operators that used.
/// `Err` carries a message for a reference that cannot be valid (`var` alone, `count.foo`).
pub fn decode(
    root: &str,
    ops: &[&TraversalOperator],
    bound: &[String],
) -> Result<(Subject, usize), String> {
    if bound.iter().any(|b| b == root) {
        return Ok((Subject::Bound(root.to_string()), 0));
    }
    let attr = |i: usize| -> Option<&str> {
        match ops.get(i) {
            Some(TraversalOperator::GetAttr(id)) => Some(id.as_str()),
            _ => None,
        }
    };
    let need = |i: usize, what: &str| -> Result<String, String> {
        attr(i)
            .map(str::to_string)
            .ok_or_else(|| format!("a reference to {root:?} must be followed by {what}"))
    };
    match root {
        "self" => Ok((Subject::SelfObject, 0)),
        "var" => Ok((Subject::Var(need(0, "a variable name, like var.name")?), 1)),
        "local" => Ok((
            Subject::Local(need(0, "a local value name, like local.name")?),
            1,
        )),
        "module" => Ok((Subject::Module(need(0, "a module name")?), 1)),
        "count" => match attr(0) {
            Some("index") => Ok((Subject::CountIndex, 1)),
            _ => Err("the \"count\" object has only the attribute \"index\"".into()),
        },
        "each" => match attr(0) {
            Some("key") => Ok((Subject::EachKey, 1)),
            Some("value") => Ok((Subject::EachValue, 1)),
            _ => Err("the \"each\" object has only the attributes \"key\" and \"value\"".into()),
        },
        "path" => match attr(0) {
            Some(p @ ("module" | "root" | "cwd")) => Ok((Subject::Path(p.to_string()), 1)),
            _ => Err(
                "the \"path\" object has only the attributes \"module\", \"root\" and \"cwd\""
                    .into(),
            ),
        },
        "terraform" => match attr(0) {
            Some("workspace") => Ok((Subject::TerraformWorkspace, 1)),
            _ => Err("the \"terraform\" object has only the attribute \"workspace\"".into()),
        },
        "data" => {
            let ty = need(0, "a data source type and name, like data.aws_vpc.main")?;
            let name = attr(1)
                .ok_or("a data source reference needs a type and a name, like data.aws_vpc.main")?;
            Ok((
                Subject::Resource(ResourceAddr::new(Mode::Data, ty, name)),
                2,
            ))
        }
        "ephemeral" => {
            let ty = need(
                0,
                "an ephemeral resource type and name, like ephemeral.random_password.db",
            )?;
            let name = attr(1).ok_or(
                "an ephemeral resource reference needs a type and a name, like ephemeral.random_password.db",
            )?;
            Ok((
                Subject::Resource(ResourceAddr::new(Mode::Ephemeral, ty, name)),
                2,
            ))
        }
        ty => {
            let name = attr(0).ok_or_else(|| {
                format!("a reference to a resource type must be followed by a resource name, like {ty}.name")
            })?;
            Ok((
                Subject::Resource(ResourceAddr::new(Mode::Managed, ty, name)),
                1,
            ))
        }
    }
}

/// The output a module reference goes on to name: `.out`, or `[key].out` on a module
/// with count or for_each.
fn module_output(rest: &[&TraversalOperator]) -> Option<String> {
    let name = |op: Option<&&TraversalOperator>| match op {
        Some(TraversalOperator::GetAttr(id)) => Some(id.as_str().to_string()),
        _ => None,
    };
    match rest.first() {
        Some(TraversalOperator::GetAttr(_)) => name(rest.first()),
        Some(TraversalOperator::Index(_) | TraversalOperator::LegacyIndex(_)) => name(rest.get(1)),
        _ => None,
    }
}

/// Every reference in `expr`, in source order, excluding names bound by `for` expressions.
pub fn references(expr: &Expression, file: &Arc<SourceFile>) -> Vec<Reference> {
    references_bound(expr, file, &[])
}

/// Like [`references`], with names already bound by the surroundings (the iterator of a
/// `dynamic` block).
pub fn references_bound(
    expr: &Expression,
    file: &Arc<SourceFile>,
    bound: &[String],
) -> Vec<Reference> {
    let mut out = Vec::new();
    let mut w = Walker {
        file,
        bound: bound.to_vec(),
        out: &mut out,
        skip_calls: &[],
    };
    w.expr(expr);
    out
}

/// Like [`references`], leaving out the arguments of calls to the functions named in
/// `skip_calls` (whose result does not carry what they read, as `ephemeralasnull`).
pub fn references_outside_calls(
    expr: &Expression,
    file: &Arc<SourceFile>,
    skip_calls: &[&str],
) -> Vec<Reference> {
    let mut out = Vec::new();
    let mut w = Walker {
        file,
        bound: Vec::new(),
        out: &mut out,
        skip_calls,
    };
    w.expr(expr);
    out
}

struct Walker<'a, 'o> {
    file: &'a Arc<SourceFile>,
    bound: Vec<String>,
    out: &'o mut Vec<Reference>,
    skip_calls: &'a [&'a str],
}

impl Walker<'_, '_> {
    fn push(
        &mut self,
        root: &str,
        ops: &[&TraversalOperator],
        span: Option<std::ops::Range<usize>>,
    ) {
        if let Ok((subject, used)) = decode(root, ops, &self.bound) {
            if !matches!(subject, Subject::Bound(_) | Subject::SelfObject) {
                let span = span.map(|r| Span::new(self.file, r));
                let module_output = match subject {
                    Subject::Module(_) => module_output(&ops[used.min(ops.len())..]),
                    _ => None,
                };
                self.out.push(Reference {
                    subject,
                    span,
                    module_output,
                    root: root.to_string(),
                    steps: static_steps(ops),
                });
            }
        }
    }

    fn expr(&mut self, e: &Expression) {
        match e {
            Expression::Variable(v) => self.push(v.as_str(), &[], e.span()),
            Expression::Traversal(t) => {
                if let Expression::Variable(v) = &t.expr {
                    let ops: Vec<&TraversalOperator> =
                        t.operators.iter().map(|o| o.value()).collect();
                    self.push(v.as_str(), &ops, e.span());
                } else {
                    self.expr(&t.expr);
                }
                for op in &t.operators {
                    if let TraversalOperator::Index(i) = op.value() {
                        self.expr(i);
                    }
                }
            }
            Expression::Array(a) => a.iter().for_each(|x| self.expr(x)),
            Expression::Object(o) => {
                for (k, v) in o.iter() {
                    if let hcl_edit::expr::ObjectKey::Expression(k) = k {
                        // A bare identifier key is a literal string, not a reference.
                        if !matches!(k, Expression::Variable(_)) {
                            self.expr(k);
                        }
                    }
                    self.expr(v.expr());
                }
            }
            Expression::StringTemplate(t) => {
                for el in t.iter() {
                    self.element(el);
                }
            }
            Expression::HeredocTemplate(h) => self.template(&h.template),
            Expression::Parenthesis(p) => self.expr(p.inner()),
            Expression::Conditional(c) => {
                self.expr(&c.cond_expr);
                self.expr(&c.true_expr);
                self.expr(&c.false_expr);
            }
            Expression::FuncCall(f) if self.skip_calls.contains(&f.name.name.as_str()) => {}
            Expression::FuncCall(f) => f.args.iter().for_each(|a| self.expr(a)),
            Expression::UnaryOp(u) => self.expr(&u.expr),
            Expression::BinaryOp(b) => {
                self.expr(&b.lhs_expr);
                self.expr(&b.rhs_expr);
            }
            Expression::ForExpr(f) => {
                self.expr(&f.intro.collection_expr);
                let saved = self.bound.len();
                if let Some(k) = &f.intro.key_var {
                    self.bound.push(k.as_str().to_string());
                }
                self.bound.push(f.intro.value_var.as_str().to_string());
                if let Some(k) = &f.key_expr {
                    self.expr(k);
                }
                self.expr(&f.value_expr);
                if let Some(c) = &f.cond {
                    self.expr(&c.expr);
                }
                self.bound.truncate(saved);
            }
            Expression::Null(_)
            | Expression::Bool(_)
            | Expression::Number(_)
            | Expression::String(_) => {}
        }
    }

    fn template(&mut self, t: &Template) {
        for el in t.iter() {
            self.element(el);
        }
    }

    fn element(&mut self, el: &Element) {
        match el {
            Element::Literal(_) => {}
            Element::Interpolation(i) => self.expr(&i.expr),
            Element::Directive(d) => match &**d {
                Directive::If(i) => {
                    self.expr(&i.if_expr.cond_expr);
                    self.template(&i.if_expr.template);
                    if let Some(e) = &i.else_expr {
                        self.template(&e.template);
                    }
                }
                Directive::For(f) => {
                    self.expr(&f.for_expr.collection_expr);
                    let saved = self.bound.len();
                    if let Some(k) = &f.for_expr.key_var {
                        self.bound.push(k.as_str().to_string());
                    }
                    self.bound.push(f.for_expr.value_var.as_str().to_string());
                    self.template(&f.for_expr.template);
                    self.bound.truncate(saved);
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(src: &str) -> Vec<Vec<String>> {
        let file = SourceFile::new("t.tf", src.to_string());
        let expr = hcl_edit::parser::parse_expr(src).expect("an expression");
        references(&expr, &file)
            .iter()
            .map(Reference::terraform_strings)
            .collect()
    }

    /// Terraform's JSON configuration lists a reference unwrapped step by step, then the
    /// object without its instance key, or the module call of a module output.
    #[test]
    fn references_unwrap_as_terraform_lists_them() {
        assert_eq!(
            strings(r#"null_resource.each[0].triggers["name"]"#),
            vec![vec![
                r#"null_resource.each[0].triggers["name"]"#,
                "null_resource.each[0].triggers",
                "null_resource.each[0]",
                "null_resource.each",
            ]]
        );
        assert_eq!(
            strings(r#"module.child["a"].name"#),
            vec![vec![r#"module.child["a"].name"#, r#"module.child["a"]"#]]
        );
        assert_eq!(
            strings(r#"module.child["a"]"#),
            vec![vec![r#"module.child["a"]"#, "module.child"]]
        );
        assert_eq!(
            strings("module.net.vpc_id"),
            vec![vec!["module.net.vpc_id", "module.net"]]
        );
        assert_eq!(
            strings("data.aws_vpc.main.cidr_block"),
            vec![vec!["data.aws_vpc.main.cidr_block", "data.aws_vpc.main"]]
        );
        // A dynamic index ends the traversal: what it indexes is the reference.
        assert_eq!(
            strings("local.names[count.index]"),
            vec![vec!["local.names"], vec!["count.index"]]
        );
        assert_eq!(
            strings("var.tags.env"),
            vec![vec!["var.tags.env", "var.tags"]]
        );
    }

    #[test]
    fn a_reference_path_is_what_follows_the_object() {
        let src = r#"aws_instance.web[1].tags["Name"]"#;
        let file = SourceFile::new("t.tf", src.to_string());
        let expr = hcl_edit::parser::parse_expr(src).expect("an expression");
        let r = &references(&expr, &file)[0];
        assert_eq!(r.subject_text(), "aws_instance.web[1]");
        assert_eq!(
            r.path(),
            [Step::Attr("tags".into()), Step::Key("Name".into())]
        );
    }
}
