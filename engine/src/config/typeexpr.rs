//! Type constraint expressions: `string`, `list(number)`, `map(object({a = string}))`,
//! `optional(string, "x")`, `tuple([string, number])`, `any`.

use std::collections::BTreeMap;
use std::sync::Arc;

use hcl_edit::expr::{Expression, ObjectKey};

use super::span_of;
use crate::diag::{Diagnostic, SourceFile};
use crate::lang::types::{ObjectAttr, Type};
use crate::lang::Value;

/// Parses a type constraint.
///
/// # Errors
/// A diagnostic at the part of the expression that is not a valid type.
pub fn parse_type(e: &Expression, file: &Arc<SourceFile>) -> Result<Type, Diagnostic> {
    parse(e, file, false).map(|(t, _, _)| t)
}

fn invalid(e: &Expression, file: &Arc<SourceFile>, detail: &str) -> Diagnostic {
    Diagnostic::error("Invalid type specification")
        .detail(detail)
        .span(span_of(e, file))
}

/// Returns the type, whether it was wrapped in `optional(...)`, and the optional default.
fn parse(
    e: &Expression,
    file: &Arc<SourceFile>,
    in_object: bool,
) -> Result<(Type, bool, Option<Value>), Diagnostic> {
    match e {
        Expression::Variable(v) => {
            let t = match v.as_str() {
                "string" => Type::String,
                "number" => Type::Number,
                "bool" => Type::Bool,
                "any" => Type::Any,
                "list" | "set" | "map" => {
                    return Err(invalid(e, file, &format!("The {} type constructor requires one argument specifying the element type.", v.as_str())))
                }
                other => {
                    return Err(invalid(e, file, &format!("The keyword {other:?} is not a valid type specification.")))
                }
            };
            Ok((t, false, None))
        }
        Expression::FuncCall(f) => {
            let name = f.name.name.as_str();
            let args: Vec<&Expression> = f.args.iter().collect();
            let one = |what: &str| -> Result<&Expression, Diagnostic> {
                if args.len() == 1 {
                    Ok(args[0])
                } else {
                    Err(invalid(e, file, &format!("The {what} type constructor requires one argument specifying the element type.")))
                }
            };
            let t = match name {
                "list" => Type::List(Box::new(parse_type(one("list")?, file)?)),
                "set" => Type::Set(Box::new(parse_type(one("set")?, file)?)),
                "map" => Type::Map(Box::new(parse_type(one("map")?, file)?)),
                "tuple" => match one("tuple")? {
                    Expression::Array(a) => Type::Tuple(a.iter().map(|x| parse_type(x, file)).collect::<Result<_, _>>()?),
                    other => return Err(invalid(other, file, "The tuple type constructor requires a list of element types.")),
                },
                "object" => match one("object")? {
                    Expression::Object(o) => {
                        let mut attrs = BTreeMap::new();
                        for (k, v) in o.iter() {
                            let key = match k {
                                ObjectKey::Ident(id) => id.as_str().to_string(),
                                ObjectKey::Expression(Expression::Variable(id)) => id.as_str().to_string(),
                                ObjectKey::Expression(Expression::String(s)) => s.value().clone(),
                                ObjectKey::Expression(other) => {
                                    return Err(invalid(other, file, "Object type attribute names must be identifiers."))
                                }
                            };
                            let (ty, optional, default) = parse(v.expr(), file, true)?;
                            attrs.insert(key, ObjectAttr { ty, optional, default });
                        }
                        Type::Object(attrs)
                    }
                    other => return Err(invalid(other, file, "The object type constructor requires an object of attribute types.")),
                },
                "optional" if in_object => {
                    if args.is_empty() || args.len() > 2 {
                        return Err(invalid(e, file, "The optional modifier takes a type and an optional default value."));
                    }
                    let ty = parse_type(args[0], file)?;
                    let default = match args.get(1) {
                        Some(d) => Some(literal_value(d, file)?),
                        None => None,
                    };
                    return Ok((ty, true, default));
                }
                "optional" => return Err(invalid(e, file, "The optional modifier is only allowed for object type attributes.")),
                other => return Err(invalid(e, file, &format!("Keyword {other:?} is not a valid type constructor."))),
            };
            Ok((t, false, None))
        }
        other => Err(invalid(other, file, "A type specification is either a primitive type keyword (bool, number, string) or a complex type constructor call, like list(string).")),
    }
}

/// Defaults in `optional(T, default)` are constant expressions: evaluate with an empty scope.
fn literal_value(e: &Expression, file: &Arc<SourceFile>) -> Result<Value, Diagnostic> {
    struct Empty;
    impl crate::lang::Scope for Empty {
        fn resolve(&self, _: &crate::lang::Subject) -> Result<Arc<Value>, String> {
            Err("Default values of optional attributes must be constants.".into())
        }
    }
    let ctx = crate::lang::EvalContext {
        scope: &Empty,
        base_dir: std::path::Path::new("."),
    };
    crate::lang::eval(e, file, &ctx)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(src: &str) -> Result<Type, Diagnostic> {
        let file = SourceFile::new("t.tf", src);
        let e = hcl_edit::parser::parse_expr(src).unwrap();
        parse_type(&e, &file)
    }

    #[test]
    fn nested_types() {
        assert_eq!(
            ty("list(string)").unwrap(),
            Type::List(Box::new(Type::String))
        );
        let Type::Object(attrs) = ty("object({ a = string, b = optional(number, 3) })").unwrap()
        else {
            panic!("expected object");
        };
        assert!(attrs["b"].optional);
        assert_eq!(attrs["b"].default, Some(Value::number(3.0)));
    }

    #[test]
    fn rejects_unknown_keyword() {
        let d = ty("strng").unwrap_err();
        assert!(d.detail.unwrap().contains("strng"));
    }
}
