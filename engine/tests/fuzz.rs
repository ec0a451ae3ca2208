//! Fuzzing with proptest: arbitrary and HCL-shaped text through the configuration loader,
//! the parser and the evaluator, and random values through every built-in function. The
//! only property is "no panic" (errors are fine). Inputs that once panicked are kept in
//! `tests/fuzz-corpus/` and replayed by `corpus_replays_without_panic`.
//!
//! Case counts are kept small so the suite stays fast; raise `PROPTEST_CASES` to fuzz longer.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use proptest::prelude::*;
use terrane_engine::diag::SourceFile;
use terrane_engine::lang::functions::{self, FuncContext};
use terrane_engine::lang::{eval, EvalContext, Scope, Subject, Value};

// ---------------------------------------------------------------------------------------
// Scopes

/// Every reference is an unknown value.
struct UnknownScope;

impl Scope for UnknownScope {
    fn resolve(&self, _: &Subject) -> Result<Arc<Value>, String> {
        Ok(Arc::new(Value::Unknown))
    }
}

/// References resolve to small concrete values (and undeclared ones fail).
struct SmallScope;

impl Scope for SmallScope {
    fn resolve(&self, s: &Subject) -> Result<Arc<Value>, String> {
        let v = match s {
            Subject::Var(n) if n == "missing" => return Err("not declared".into()),
            Subject::Var(n) | Subject::Local(n) => match n.len() % 5 {
                0 => Value::string(n.clone()),
                1 => Value::number(n.len()),
                2 => Value::Tuple(vec![Value::string("a"), Value::number(1.0)]),
                3 => Value::object([("k", Value::string("v")), ("n", Value::Null)]),
                _ => Value::string("secret").sensitive(),
            },
            Subject::Resource(_) => Value::object([
                ("id", Value::string("i-1")),
                (
                    "tags",
                    Value::Map(BTreeMap::from([("a".into(), Value::string("b"))])),
                ),
                (
                    "list",
                    Value::List(vec![Value::number(1.0), Value::number(2.0)]),
                ),
            ]),
            Subject::CountIndex => Value::number(0.0),
            Subject::EachKey => Value::string("k"),
            Subject::EachValue => Value::Set(vec![Value::string("x")]),
            Subject::Path(_) => Value::string("."),
            Subject::TerraformWorkspace => Value::string("default"),
            Subject::Module(_) | Subject::Bound(_) | Subject::SelfObject => {
                return Err("no such object".into())
            }
        };
        Ok(Arc::new(v))
    }
}

// ---------------------------------------------------------------------------------------
// Harnesses

/// Loads `text` as the only `.tf` file of a directory.
fn load(text: &str) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.tf"), text).unwrap();
    let (module, diags) = terrane_engine::config::load_dir(dir.path());
    if !diags.has_errors() {
        let _ = terrane_engine::graph::build(&module);
    }
}

/// Parses `text` as a body and evaluates every attribute in it, in both scopes.
fn parse_and_eval(text: &str) {
    let Ok(body) = hcl_edit::parser::parse_body(text) else {
        return;
    };
    let file = SourceFile::new("fuzz.tf", text);
    for scope in [&UnknownScope as &dyn Scope, &SmallScope] {
        let ctx = EvalContext {
            scope,
            base_dir: Path::new("."),
        };
        eval_body(&body, &file, &ctx);
    }
}

fn eval_body(body: &hcl_edit::structure::Body, file: &Arc<SourceFile>, ctx: &EvalContext<'_>) {
    for a in body.attributes() {
        let _ = eval(&a.value, file, ctx);
    }
    for b in body.blocks() {
        eval_body(&b.body, file, ctx);
    }
}

/// Calls the function `name` with `args`.
fn call(name: &str, args: Vec<Value>) {
    let render = |text: &str, vars: &Value| {
        terrane_engine::lang::eval::render_template_text(
            text,
            vars,
            &EvalContext {
                scope: &UnknownScope,
                base_dir: Path::new("."),
            },
        )
    };
    let ctx = FuncContext {
        base_dir: Path::new("."),
        render_template: &render,
    };
    let _ = functions::call(name, args, &ctx);
}

fn all(text: &str) {
    load(text);
    parse_and_eval(text);
}

// ---------------------------------------------------------------------------------------
// Generators

/// Pieces of HCL: keywords, punctuation, template and heredoc openers, odd numbers and text.
const TOKENS: &[&str] = &[
    "resource",
    "variable",
    "output",
    "locals",
    "terraform",
    "data",
    "module",
    "provider",
    "\"null_resource\"",
    "\"terraform_data\"",
    "\"a\"",
    "\"b\"",
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
    "=",
    "==",
    "!=",
    "<=",
    ">=",
    "&&",
    "||",
    "!",
    "?",
    ":",
    ",",
    ".",
    "...",
    "*",
    "[*]",
    "=>",
    "+",
    "-",
    "/",
    "%",
    "\n",
    " ",
    "\t",
    "#",
    "//",
    "/*",
    "*/",
    "\"",
    "\"${",
    "${",
    "}",
    "%{",
    "%{ if true }",
    "%{ endif }",
    "%{ for x in [1] }",
    "%{ endfor }",
    "~}",
    "${~",
    "$${",
    "%%{",
    "<<EOT\n",
    "<<-EOT\n",
    "\nEOT\n",
    "EOT",
    "0",
    "1",
    "-1",
    "1.5",
    "1e308",
    "1e-400",
    "0x10",
    "9999999999999999999999",
    "NaN",
    "true",
    "false",
    "null",
    "var.x",
    "var.missing",
    "local.y",
    "count.index",
    "each.key",
    "each.value",
    "null_resource.a.id",
    "data.x.y.z",
    "path.module",
    "terraform.workspace",
    "self.x",
    "module.m.o",
    "for",
    "in",
    "if",
    "x",
    "y",
    "k",
    "v",
    "input",
    "triggers",
    "count",
    "for_each",
    "lifecycle",
    "depends_on",
    "validation",
    "condition",
    "error_message",
    "type",
    "default",
    "string",
    "number",
    "list(string)",
    "map(any)",
    "object({a=string})",
    "optional(string)",
    "sensitive",
    "true",
    "upper(",
    "length(",
    "lookup(",
    "cidrsubnet(",
    "format(",
    "\"%s\"",
    "\"%d\"",
    "\"%08.3f\"",
    "jsonencode(",
    "jsondecode(",
    "try(",
    "can(",
    "range(",
    "toset(",
    "tomap(",
    "tolist(",
    "merge(",
    "flatten(",
    "element(",
    "slice(",
    "substr(",
    "regex(",
    "replace(",
    "templatefile(",
    "file(",
    "\"10.0.0.0/8\"",
    "\"::/64\"",
    "é",
    "日本",
    "🦀",
    "\u{200b}",
    "\u{feff}",
    "\\",
    "\\u0041",
    "\\n",
    "\\\"",
    "'",
    "`",
];

fn tokens() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..40).prop_map(|v| v.join(""))
}

/// An expression of moderate depth that is usually syntactically valid.
fn expr() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("null".to_string()),
        any::<bool>().prop_map(|b| b.to_string()),
        prop_oneof![
            any::<i64>().prop_map(|n| n.to_string()),
            any::<f64>().prop_map(|n| format!("{n:?}")),
            Just("1e400".to_string()),
            (0u32..300).prop_map(|n| n.to_string()),
        ],
        "[ -~é日🦀]{0,12}".prop_map(|s| format!("{s:?}")),
        prop::sample::select(
            &[
                "var.x",
                "var.yy",
                "var.zzz",
                "var.wwww",
                "var.vvvvv",
                "var.missing",
                "local.l",
                "null_resource.a",
                "null_resource.a.id",
                "null_resource.a.tags",
                "null_resource.a[0]",
                "null_resource.a.list[*]",
                "count.index",
                "each.key",
                "each.value",
                "path.module",
                "terraform.workspace",
                "module.m.x",
                "undefined_fn()",
            ][..]
        )
        .prop_map(str::to_string),
    ];
    leaf.prop_recursive(4, 32, 4, |inner| {
        // Not bcrypt: a generated cost such as 25 runs for hours (a CI run hung on one);
        // `every_function_with_awkward_arguments` calls it with small costs.
        let names: Vec<&'static str> = functions::names()
            .iter()
            .copied()
            .filter(|n| *n != "bcrypt")
            .collect();
        prop_oneof![
            (
                inner.clone(),
                prop::sample::select(
                    &["+", "-", "*", "/", "%", "==", "!=", "<", ">=", "&&", "||"][..]
                ),
                inner.clone()
            )
                .prop_map(|(a, op, b)| format!("({a} {op} {b})")),
            (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(c, a, b)| format!("{c} ? {a} : {b}")),
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(", "))),
            prop::collection::vec(("[a-z]{1,3}", inner.clone()), 0..4).prop_map(|v| {
                let items: Vec<String> = v.into_iter().map(|(k, e)| format!("{k} = {e}")).collect();
                format!("{{ {} }}", items.join(", "))
            }),
            (
                prop::sample::select(names),
                prop::collection::vec(inner.clone(), 0..4)
            )
                .prop_map(|(f, args)| format!("{f}({})", args.join(", "))),
            (inner.clone(), inner.clone())
                .prop_map(|(c, e)| format!("[for x in {c} : {e} if x != null]")),
            (inner.clone(), inner.clone())
                .prop_map(|(c, e)| format!("{{ for k, v in {c} : k => {e}... }}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!(
                "\"pre ${{{a}}} %{{ if {b} }}yes%{{ else }}no%{{ endif }}\""
            )),
            inner
                .clone()
                .prop_map(|a| format!("\"%{{ for i, v in {a} }}${{i}}=${{v}},%{{ endfor }}\"")),
            inner.clone().prop_map(|a| format!(
                "<<-EOT\n  line ${{{a}}}\n  %{{ if true }}x%{{ endif }}\n  EOT\n"
            )),
            (inner.clone(), "[a-z]{1,4}").prop_map(|(a, k)| format!("{a}.{k}")),
            (inner.clone(), inner.clone()).prop_map(|(a, i)| format!("{a}[{i}]")),
            inner.clone().prop_map(|a| format!("{a}[*].id")),
            inner.clone().prop_map(|a| format!("-{a}")),
            inner.prop_map(|a| format!("!{a}")),
        ]
    })
}

/// A configuration file made of blocks whose attributes are random expressions.
fn config() -> impl Strategy<Value = String> {
    let block = prop_oneof![
        (expr(), expr()).prop_map(|(a, b)| format!(
            "resource \"terraform_data\" \"a\" {{\n  input = {a}\n  triggers_replace = {b}\n}}\n"
        )),
        (expr(), expr()).prop_map(|(c, t)| format!(
            "resource \"null_resource\" \"n\" {{\n  count = {c}\n  triggers = {t}\n}}\n"
        )),
        expr().prop_map(|f| format!("resource \"null_resource\" \"e\" {{\n  for_each = {f}\n  triggers = {{ k = each.key }}\n}}\n")),
        (expr(), expr()).prop_map(|(d, c)| format!(
            "variable \"x\" {{\n  default = {d}\n  validation {{\n    condition = {c}\n    error_message = \"no\"\n  }}\n}}\n"
        )),
        expr().prop_map(|e| format!("locals {{\n  l = {e}\n}}\n")),
        expr().prop_map(|e| format!("output \"o\" {{\n  value = {e}\n}}\n")),
        "[a-z_]{1,8}".prop_map(|b| format!("{b} \"x\" {{}}\n")),
    ];
    prop::collection::vec(block, 0..5).prop_map(|v| v.concat())
}

/// Random values, including the awkward ones: unknown, sensitive, NaN, infinities.
fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        Just(Value::Unknown),
        any::<bool>().prop_map(Value::Bool),
        prop_oneof![
            any::<f64>(),
            (-300i64..300).prop_map(|n| n as f64),
            Just(f64::NAN),
            Just(f64::INFINITY),
            Just(-0.0),
            Just(1e300),
            Just(0.5),
        ]
        .prop_map(|n: f64| Value::number(n)),
        prop_oneof![
            "\\PC{0,16}",
            prop::sample::select(
                &[
                    "",
                    "10.0.0.0/8",
                    "192.168.1.0/24",
                    "::/64",
                    "fe80::1/10",
                    "%s",
                    "%d %v %q",
                    "%!",
                    "%[2]s",
                    "%-08.3f",
                    "a,b,c",
                    "2024-01-01T00:00:00Z",
                    "1h",
                    "{\"a\":[1]}",
                    "[1,2",
                    "${x}",
                    "%{ if }",
                    "aGVsbG8=",
                    "====",
                    "\u{1F980}\u{200d}",
                    "e\u{301}",
                    "(a+)+$",
                    "[",
                    "\\",
                    "YES",
                    "-1",
                    "1e999",
                ][..]
            )
            .prop_map(str::to_string),
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::List),
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Tuple),
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::set),
            prop::collection::btree_map("[a-c]{0,2}", inner.clone(), 0..4).prop_map(Value::Map),
            prop::collection::btree_map("[a-c]{0,2}", inner.clone(), 0..4).prop_map(Value::Object),
            inner.prop_map(Value::sensitive),
        ]
    })
}

// ---------------------------------------------------------------------------------------
// Properties

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(64),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        all(&text);
    }

    #[test]
    fn token_soup_never_panics(text in tokens()) {
        all(&text);
    }

    #[test]
    fn generated_configurations_never_panic(text in config()) {
        all(&text);
    }

    #[test]
    fn generated_expressions_evaluate_without_panic(e in expr()) {
        parse_and_eval(&format!("x = {e}\n"));
    }

    #[test]
    fn functions_never_panic(
        i in any::<prop::sample::Index>(),
        args in prop::collection::vec(value(), 0..4),
    ) {
        // bcrypt's cost is exponential by design (a random cost of 25 would run for hours);
        // it is reached with small costs by the fixed cases below.
        let names: Vec<&str> = functions::names()
            .iter()
            .copied()
            .filter(|n| *n != "bcrypt")
            .collect();
        call(names[i.index(names.len())], args);
    }
}

/// Every function once with each of a few fixed argument lists, so each is reached no
/// matter what the random cases pick.
#[test]
fn every_function_with_awkward_arguments() {
    let awkward: Vec<Vec<Value>> = vec![
        vec![],
        vec![Value::Null],
        vec![Value::Unknown],
        vec![Value::number(f64::NAN)],
        vec![Value::number(-1.0), Value::number(1e300)],
        vec![Value::string(""), Value::string(""), Value::string("")],
        vec![
            Value::string("10.0.0.0/8"),
            Value::number(30.0),
            Value::number(-1.0),
        ],
        vec![Value::Tuple(vec![]), Value::number(0.0)],
        vec![
            Value::List(vec![Value::Null, Value::Unknown]),
            Value::number(-1.0),
        ],
        vec![Value::Map(BTreeMap::new()), Value::Map(BTreeMap::new())],
        vec![Value::string("%[99]d"), Value::number(1.0)],
        vec![
            Value::string("\u{1F980}e\u{301}"),
            Value::number(1.0),
            Value::number(-1.0),
        ],
        vec![
            Value::string("x").sensitive(),
            Value::Set(vec![Value::Unknown]),
        ],
    ];
    for name in functions::names() {
        for args in &awkward {
            call(name, args.clone());
        }
    }
}

/// Replays every file in `tests/fuzz-corpus/` (inputs that once panicked).
#[test]
fn corpus_replays_without_panic() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-corpus");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let path = e.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        let r = std::panic::catch_unwind(|| {
            all(&text);
            parse_and_eval(&format!("x = {text}\n"));
            // Line by line too, so one line that does not parse cannot hide the others.
            for line in text.lines() {
                parse_and_eval(line);
            }
        });
        assert!(r.is_ok(), "{} panicked", path.display());
        n += 1;
    }
    assert!(n > 0, "the corpus is empty");
}
