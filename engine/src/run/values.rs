//! Configuration bodies to [`Value`]s, guided by schemas: the schema says which arguments
//! and blocks a resource or provider block may contain and of which types. (State JSON to
//! values is `state::codec`, re-exported here for the front end.)

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use hcl_edit::structure::Structure;

use crate::config::{span_of, SrcBody};
use crate::diag::{did_you_mean, Diagnostic, Diagnostics, SourceFile};
use crate::lang::eval::eval_bound;
use crate::lang::{convert, EvalContext, Value};
use crate::provider::{BlockSchema, NestedBlock, Nesting};
pub use crate::state::codec::{
    instance_value, mark_paths, object_from_json, object_to_json, sensitive_paths, type_json,
    typed_from_json,
};

/// Evaluates a resource (or provider) body against its schema into an object holding every
/// attribute (null when unset) and nested block.
///
/// # Errors
/// Unsupported arguments and blocks (with suggestions), arguments that are computed-only,
/// missing required arguments, values of the wrong type, and evaluation errors.
pub fn decode_body(
    body: &SrcBody,
    schema: &BlockSchema,
    ctx: &EvalContext<'_>,
    block_span: Option<crate::diag::Span>,
) -> Result<Value, Diagnostics> {
    decode_body_bound(body, schema, ctx, block_span, &[])
}

/// [`decode_body`] with names bound by enclosing `dynamic` blocks.
fn decode_body_bound(
    body: &SrcBody,
    schema: &BlockSchema,
    ctx: &EvalContext<'_>,
    block_span: Option<crate::diag::Span>,
    bound: &[(String, Value)],
) -> Result<Value, Diagnostics> {
    let mut diags = Diagnostics::new();
    // Nested block types whose `dynamic` for_each is not known yet: the whole collection is.
    let mut unknown_blocks: Vec<String> = Vec::new();
    let mut out = BTreeMap::new();
    let names: Vec<&str> = schema
        .attributes
        .iter()
        .filter(|(_, a)| a.required || a.optional)
        .map(|(k, _)| k.as_str())
        .collect();
    let mut blocks: BTreeMap<&str, Vec<Labelled>> = BTreeMap::new();
    let structures: Vec<Located<'_>> = if crate::config::json::is_json(&body.file) {
        // In the JSON syntax a nested block is written like an argument; only the
        // schema can tell them apart.
        json_nested_blocks(&body.body, schema, &body.file)?
    } else {
        body.body
            .iter()
            .map(|s| (Cow::Borrowed(s), Arc::clone(&body.file)))
            .collect()
    };
    for (s, file) in &structures {
        match s.as_ref() {
            Structure::Attribute(a) => {
                let name = a.key.as_str();
                let Some(attr) = schema.attributes.get(name) else {
                    let mut d =
                        Diagnostic::error("Unsupported argument").span(span_of(&a.key, file));
                    if schema.blocks.contains_key(name) {
                        d = d.detail(format!("An argument named {name:?} is not expected here. Did you mean to define a block of type {name:?}?"));
                    } else {
                        d = d.detail(format!("An argument named {name:?} is not expected here."));
                        if let Some(s) = did_you_mean(name, names.iter().copied()) {
                            d = d.help(format!("did you mean {s:?}?"));
                        }
                    }
                    diags.push(d);
                    continue;
                };
                if !attr.required && !attr.optional {
                    diags.push(
                        Diagnostic::error("Invalid or unknown key")
                            .detail(format!("Can't configure a value for {name:?}: its value will be decided automatically based on the result of applying this configuration."))
                            .span(span_of(&a.key, file)),
                    );
                    continue;
                }
                match eval_bound(&a.value, file, ctx, bound) {
                    Ok(v) => match convert(&v, &attr.ty) {
                        Ok(v) => {
                            let v = if attr.sensitive && !v.is_null() {
                                v.sensitive()
                            } else {
                                v
                            };
                            out.insert(name.to_string(), v);
                        }
                        Err(why) => diags.push(
                            Diagnostic::error("Incorrect attribute value type")
                                .detail(format!(
                                    "Inappropriate value for attribute {name:?}: {why}."
                                ))
                                .span(span_of(&a.value, file)),
                        ),
                    },
                    Err(d) => diags.push(d),
                }
            }
            Structure::Block(b) if b.ident.as_str() == "dynamic" => {
                match expand_dynamic(b, schema, file, ctx, bound) {
                    Ok(Dynamic::Blocks(name, items)) => {
                        blocks.entry(name).or_default().extend(items)
                    }
                    Ok(Dynamic::Unknown(name)) => unknown_blocks.push(name.to_string()),
                    Err(d) => diags.extend(d),
                }
            }
            Structure::Block(b) => {
                let name = b.ident.as_str();
                let Some(nb) = schema.blocks.get(name) else {
                    let mut d = Diagnostic::error("Unsupported block type")
                        .detail(format!("Blocks of type {name:?} are not expected here."))
                        .span(span_of(&b.ident, file));
                    if let Some(s) = did_you_mean(name, schema.blocks.keys().map(String::as_str)) {
                        d = d.help(format!("did you mean {s:?}?"));
                    }
                    diags.push(d);
                    continue;
                };
                let key = match block_key(b, nb, file) {
                    Ok(key) => key,
                    Err(d) => {
                        diags.push(d);
                        continue;
                    }
                };
                let inner = SrcBody {
                    body: b.body.clone(),
                    file: file.clone(),
                };
                match decode_body_bound(&inner, &nb.block, ctx, span_of(&b.ident, file), bound) {
                    Ok(value) => blocks.entry(name).or_default().push(Labelled {
                        key,
                        value,
                        span: span_of(&b.ident, file),
                    }),
                    Err(d) => diags.extend(d),
                }
            }
        }
    }
    for (name, attr) in &schema.attributes {
        if !out.contains_key(name) {
            if attr.required {
                diags.push(
                    Diagnostic::error("Missing required argument")
                        .detail(format!(
                            "The argument {name:?} is required, but no definition was found."
                        ))
                        .span(block_span.clone()),
                );
            }
            out.insert(name.clone(), Value::Null);
        }
    }
    for (name, nb) in &schema.blocks {
        if unknown_blocks.contains(name) {
            out.insert(name.clone(), Value::Unknown);
            continue;
        }
        let items = blocks.remove(name.as_str()).unwrap_or_default();
        if items.len() < nb.min_items || nb.max_items.is_some_and(|m| items.len() > m) {
            let detail = match nb.max_items {
                Some(1) => format!("Exactly one {name:?} block is expected here."),
                _ => format!("At least {} {name:?} block(s) are required.", nb.min_items),
            };
            diags.push(
                Diagnostic::error("Wrong number of blocks")
                    .detail(detail)
                    .span(block_span.clone()),
            );
        }
        match collect_blocks(name, nb, items) {
            Ok(v) => {
                out.insert(name.clone(), v);
            }
            Err(d) => diags.push(d),
        }
    }
    if diags.has_errors() {
        Err(diags)
    } else {
        Ok(Value::Object(out))
    }
}

enum Dynamic<'s> {
    Blocks(&'s str, Vec<Labelled>),
    Unknown(&'s str),
}

/// One decoded nested block, with its key when its type is a map of blocks.
struct Labelled {
    key: Option<String>,
    value: Value,
    span: Option<crate::diag::Span>,
}

/// The key of a nested block: its one label when blocks of its type form a map, else
/// none (and a label is refused, as Terraform refuses it).
fn block_key(
    b: &hcl_edit::structure::Block,
    nb: &NestedBlock,
    file: &Arc<SourceFile>,
) -> Result<Option<String>, Diagnostic> {
    let name = b.ident.as_str();
    match (nb.label_count(), b.labels.as_slice()) {
        (0, []) => Ok(None),
        (1, [key]) => Ok(Some(key.as_str().to_string())),
        (0, [extra, ..]) => Err(Diagnostic::error(format!("Extraneous label for {name}"))
            .detail(format!("No labels are expected for {name} blocks."))
            .span(span_of(extra, file))),
        (_, [_, extra, ..]) => Err(Diagnostic::error(format!("Extraneous label for {name}"))
            .detail("Only 1 label (key) is expected here.")
            .span(span_of(extra, file))),
        _ => Err(Diagnostic::error(format!("Missing key for {name}"))
            .detail(format!("All {name} blocks must have 1 labels (key)."))
            .span(span_of(&b.ident, file))),
    }
}

/// The value of all the blocks of one type, by its nesting mode.
fn collect_blocks(name: &str, nb: &NestedBlock, items: Vec<Labelled>) -> Result<Value, Diagnostic> {
    let values = || items.iter().map(|i| i.value.clone());
    Ok(match nb.nesting {
        Nesting::List => Value::List(values().collect()),
        Nesting::Set => Value::set(values().collect()),
        Nesting::Single | Nesting::Group => values().next().unwrap_or_else(|| nb.empty_value()),
        Nesting::Map => {
            let mut map = BTreeMap::new();
            for item in items {
                let key = item.key.unwrap_or_default();
                if map.contains_key(&key) {
                    return Err(Diagnostic::error(format!("Duplicate {name} block"))
                        .detail(format!(
                            "A {name} block with the key {key:?} was already defined."
                        ))
                        .span(item.span));
                }
                map.insert(key, item.value);
            }
            Value::Map(map)
        }
    })
}

/// Expands `dynamic "name" { for_each = ..., iterator = it, content { ... } }` into one
/// nested block per element, with `it.key` and `it.value` (default iterator: the block
/// type name) in scope inside `content`.
/// A body item and the file its spans are in.
type Located<'b> = (Cow<'b, Structure>, Arc<SourceFile>);

/// The structures of a JSON-syntax body, each with the file its spans are in, with the
/// arguments that name nested block types of `schema` turned into blocks.
fn json_nested_blocks<'b>(
    body: &'b hcl_edit::structure::Body,
    schema: &BlockSchema,
    file: &Arc<SourceFile>,
) -> Result<Vec<Located<'b>>, Diagnostics> {
    let mut out = Vec::new();
    let mut diags = Diagnostics::new();
    for s in body.iter() {
        match s {
            Structure::Attribute(a) if !schema.attributes.contains_key(a.key.as_str()) => {
                let Some(nb) = schema.blocks.get(a.key.as_str()) else {
                    out.push((Cow::Borrowed(s), Arc::clone(file)));
                    continue;
                };
                match crate::config::json::blocks_from_attribute(a, nb.label_count(), file) {
                    Ok((bs, generated)) => out.extend(
                        bs.into_iter()
                            .map(|b| (Cow::Owned(Structure::Block(b)), Arc::clone(&generated))),
                    ),
                    Err(d) => diags.extend(d),
                }
            }
            other => out.push((Cow::Borrowed(other), Arc::clone(file))),
        }
    }
    if diags.has_errors() {
        Err(diags)
    } else {
        Ok(out)
    }
}

fn expand_dynamic<'s>(
    b: &hcl_edit::structure::Block,
    schema: &'s BlockSchema,
    file: &std::sync::Arc<crate::diag::SourceFile>,
    ctx: &EvalContext<'_>,
    bound: &[(String, Value)],
) -> Result<Dynamic<'s>, Diagnostics> {
    let invalid = |detail: &str, span| -> Diagnostics {
        Diagnostic::error("Invalid dynamic block")
            .detail(detail)
            .span(span)
            .into()
    };
    let Some(label) = b.labels.first() else {
        return Err(invalid("A dynamic block needs one label: the type of the block to generate, like dynamic \"ingress\".", span_of(&b.ident, file)));
    };
    let Some((name, nb)) = schema.blocks.get_key_value(label.as_str()) else {
        let mut d = Diagnostic::error("Unsupported block type")
            .detail(format!(
                "Blocks of type {:?} are not expected here.",
                label.as_str()
            ))
            .span(span_of(label, file));
        if let Some(s) = did_you_mean(label.as_str(), schema.blocks.keys().map(String::as_str)) {
            d = d.help(format!("did you mean {s:?}?"));
        }
        return Err(d.into());
    };
    let Some(for_each) = b.body.get_attribute("for_each") else {
        return Err(invalid(
            "A dynamic block requires a for_each argument.",
            span_of(&b.ident, file),
        ));
    };
    let iterator = match b.body.get_attribute("iterator").map(|a| &a.value) {
        None => name.clone(),
        Some(hcl_edit::expr::Expression::Variable(v)) => v.as_str().to_string(),
        Some(other) => {
            return Err(invalid(
                "The iterator must be a single name, like iterator = rule.",
                span_of(other, file),
            ))
        }
    };
    let mut contents = b.body.blocks().filter(|c| c.ident.as_str() == "content");
    let (Some(content), None) = (contents.next(), contents.next()) else {
        return Err(invalid(
            "A dynamic block must have exactly one content block.",
            span_of(&b.ident, file),
        ));
    };
    let coll = eval_bound(&for_each.value, file, ctx, bound).map_err(Diagnostics::from)?;
    if coll.contains_unknown() {
        return Ok(Dynamic::Unknown(name));
    }
    let items = match (coll.iteration_pairs(), coll.unmark()) {
        (Some(items), _) => items,
        (None, Value::Null) => Vec::new(),
        (None, other) => {
            return Err(invalid(
                &format!(
                    "Cannot use a {} value in for_each. An iterable collection is required.",
                    other.type_name()
                ),
                span_of(&for_each.value, file),
            ))
        }
    };
    let body = SrcBody {
        body: content.body.clone(),
        file: file.clone(),
    };
    let labels = b.body.get_attribute("labels");
    let mut out = Vec::new();
    let mut diags = Diagnostics::new();
    for (key, value) in items {
        let mut inner = bound.to_vec();
        inner.push((
            iterator.clone(),
            Value::object([("key", key), ("value", value)]),
        ));
        let span = span_of(&content.ident, file);
        let key = match dynamic_key(labels, nb, file, ctx, &inner, span.clone()) {
            Ok(key) => key,
            Err(d) => {
                diags.extend(d);
                continue;
            }
        };
        match decode_body_bound(&body, &nb.block, ctx, span.clone(), &inner) {
            Ok(value) => out.push(Labelled { key, value, span }),
            Err(d) => diags.extend(d),
        }
    }
    if diags.has_errors() {
        return Err(diags);
    }
    Ok(Dynamic::Blocks(name, out))
}

/// The key of one block a `dynamic` block generates: its `labels = [key]` evaluated for
/// the element, when blocks of the type form a map.
fn dynamic_key(
    labels: Option<&hcl_edit::structure::Attribute>,
    nb: &NestedBlock,
    file: &Arc<SourceFile>,
    ctx: &EvalContext<'_>,
    bound: &[(String, Value)],
    span: Option<crate::diag::Span>,
) -> Result<Option<String>, Diagnostics> {
    let wrong = |detail: String, span| -> Diagnostics {
        Diagnostic::error("Invalid dynamic block label")
            .detail(detail)
            .span(span)
            .into()
    };
    let Some(labels) = labels else {
        return match nb.label_count() {
            0 => Ok(None),
            _ => Err(wrong(
                "This dynamic block generates blocks that need 1 label (key): set labels = [...]."
                    .into(),
                span,
            )),
        };
    };
    let v = eval_bound(&labels.value, file, ctx, bound).map_err(Diagnostics::from)?;
    let items: Vec<Value> = v.as_seq().map(<[Value]>::to_vec).unwrap_or_default();
    match (nb.label_count(), items.as_slice()) {
        (0, []) => Ok(None),
        (1, [key]) => match convert(key, &crate::lang::Type::String) {
            Ok(Value::String(k)) => Ok(Some(k)),
            _ => Err(wrong(
                "The label must be a known string.".into(),
                span_of(&labels.value, file),
            )),
        },
        (n, _) => Err(wrong(
            format!(
                "The generated blocks need {n} label(s), but labels has {}.",
                items.len()
            ),
            span_of(&labels.value, file),
        )),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::config::{json, parse_file};
    use crate::diag::SourceFile;
    use crate::lang::Type;
    use crate::lang::{Scope, Subject};
    use crate::provider::{AttributeSchema, NestedBlock};

    struct Ports;
    impl Scope for Ports {
        fn resolve(&self, s: &Subject) -> Result<Arc<Value>, String> {
            match s {
                Subject::Var(n) if n == "ports" => Ok(Arc::new(Value::Tuple(vec![
                    Value::number(80.0),
                    Value::number(443.0),
                ]))),
                other => Err(format!("{other:?} is not declared")),
            }
        }
    }

    fn schema() -> BlockSchema {
        let nested = |nesting, attrs: &[&str]| NestedBlock {
            nesting,
            block: BlockSchema {
                attributes: attrs
                    .iter()
                    .map(|a| (a.to_string(), AttributeSchema::optional(Type::Any)))
                    .collect(),
                blocks: BTreeMap::new(),
            },
            min_items: 0,
            max_items: None,
            force_new: false,
        };
        BlockSchema {
            attributes: [("name".to_string(), AttributeSchema::optional(Type::String))].into(),
            blocks: [
                ("rule".to_string(), nested(Nesting::List, &["port"])),
                ("inner".to_string(), nested(Nesting::Single, &["x"])),
            ]
            .into(),
        }
    }

    /// Decodes the body of the first block in `file` against [`schema`].
    fn decode(file: &Arc<SourceFile>) -> Result<Value, Diagnostics> {
        let mut d = Diagnostics::new();
        let (body, file) = if json::is_json(file) {
            json::parse_config(file, &mut d)
        } else {
            parse_file(file, &mut d)
        }
        .expect("parses");
        assert!(d.is_empty(), "{d:?}");
        let block = body.blocks().next().expect("a block");
        let ctx = EvalContext {
            scope: &Ports,
            base_dir: Path::new("."),
        };
        let src = SrcBody {
            body: block.body.clone(),
            file,
        };
        decode_body(&src, &schema(), &ctx, None)
    }

    #[test]
    fn json_nested_and_dynamic_blocks_decode_like_native_ones() {
        let hcl = SourceFile::new(
            "main.tf",
            r#"
resource "x" "y" {
  name = "n-${var.ports[0]}"
  rule { port = 22 }
  dynamic "rule" {
    for_each = var.ports
    content { port = rule.value }
  }
  inner { x = [1, "a"] }
}
"#,
        );
        let jsn = SourceFile::new(
            "main.tf.json",
            r#"{"resource": {"x": {"y": {
  "name": "n-${var.ports[0]}",
  "rule": [{"port": 22}],
  "dynamic": {"rule": {"for_each": "${var.ports}", "content": {"port": "${rule.value}"}}},
  "inner": {"x": [1, "a"]}
}}}}"#,
        );
        let a = decode(&hcl).unwrap();
        let b = decode(&jsn).unwrap();
        assert_eq!(a, b);
        let rules = b.get_attr("rule").unwrap();
        assert_eq!(
            rules,
            &Value::List(
                [22.0, 80.0, 443.0]
                    .into_iter()
                    .map(|p| Value::object([("port", Value::number(p))]))
                    .collect()
            )
        );
    }

    #[test]
    fn dynamic_blocks_with_an_iterator_and_a_map() {
        let hcl = SourceFile::new(
            "main.tf",
            r#"
resource "x" "y" {
  dynamic "rule" {
    for_each = { b = 2, a = 1 }
    iterator = r
    content { port = "${r.key}${r.value}" }
  }
  dynamic "inner" {
    for_each = []
    content { x = 1 }
  }
}
"#,
        );
        let v = decode(&hcl).unwrap();
        assert_eq!(
            v.get_attr("rule").unwrap(),
            &Value::List(vec![
                Value::object([("port", Value::string("a1"))]),
                Value::object([("port", Value::string("b2"))]),
            ])
        );
        assert_eq!(v.get_attr("inner").unwrap(), &Value::Null);
    }

    #[test]
    fn json_errors_point_into_the_json_file() {
        let jsn = SourceFile::new(
            "main.tf.json",
            "{\"resource\": {\"x\": {\"y\": {\n  \"rule\": {\"prot\": 1}\n}}}}",
        );
        let d = decode(&jsn).unwrap_err();
        let e = d.iter().next().unwrap();
        assert_eq!(e.summary, "Unsupported argument");
        assert_eq!(e.span.as_ref().unwrap().to_string(), "main.tf.json:2:13");
    }
}
