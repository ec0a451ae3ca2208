//! `terrane output [-json|-raw] [NAME]`: read outputs from state without locking it.

use terrane_engine::lang::Value;

use crate::cli::OutputArgs;
use crate::output::use_color;

pub async fn run(a: OutputArgs) -> anyhow::Result<u8> {
    let state = super::show::read_state(use_color(a.common.no_color)).await?;
    let Some(state) = state else {
        eprintln!("Warning: No outputs found\n\nThe state file either has no outputs defined, or all the defined outputs are\nempty. Please define an output in your configuration with the `output` keyword\nand run `terrane refresh` for it to become available. If you are using interpolation,\nplease verify the interpolated value is not empty. You can use the\n`terrane console` command to assist.");
        return Ok(if a.name.is_some() { 1 } else { 0 });
    };
    match &a.name {
        Some(name) => {
            let Some(o) = state.outputs.get(name) else {
                eprintln!("Error: Output {name:?} not found\n\nThe output variable requested could not be found in the state file. If you\nrecently added this to your configuration, be sure to run `terrane apply`,\nsince the state won't be updated with new output variables until that command\nis run.");
                return Ok(1);
            };
            let v = Value::from_json(&o.value);
            if a.json {
                println!("{}", serde_json::to_string(&o.value)?);
            } else if a.raw {
                match &v {
                    Value::String(s) => print!("{s}"),
                    Value::Number(n) => print!("{n}"),
                    Value::Bool(b) => print!("{b}"),
                    Value::Null => {}
                    _ => {
                        eprintln!("Error: Unsupported value for raw output\n\nThe -raw option only supports strings, numbers, and boolean values, but output value {name:?} is {}.\n\nUse the -json option for machine-readable representations of output values that have complex types.", v.type_name());
                        return Ok(1);
                    }
                }
            } else {
                println!("{}", output_value(&v, Some(&o.ty), 0));
            }
        }
        None if a.json => {
            let mut m = serde_json::Map::new();
            for (k, o) in &state.outputs {
                m.insert(
                    k.clone(),
                    serde_json::json!({"sensitive": o.sensitive, "type": o.ty, "value": o.value}),
                );
            }
            println!(
                "{}",
                serde_json::to_string_pretty(&serde_json::Value::Object(m))?
            );
        }
        None => {
            if state.outputs.is_empty() {
                eprintln!("Warning: No outputs found");
            }
            for (k, o) in &state.outputs {
                if o.sensitive {
                    println!("{k} = <sensitive>");
                } else {
                    println!(
                        "{k} = {}",
                        output_value(&Value::from_json(&o.value), Some(&o.ty), 0)
                    );
                }
            }
        }
    }
    Ok(0)
}

/// An output value as Terraform's `output` command prints it: collections typed list, set
/// or map are wrapped in `tolist(...)`, `toset(...)`, `tomap(...)`; object and map keys are
/// quoted; nested values indent by two spaces. `ty` is the type recorded in state, if any.
pub fn output_value(v: &Value, ty: Option<&serde_json::Value>, indent: usize) -> String {
    let pad = " ".repeat(indent + 2);
    let end = " ".repeat(indent);
    // Without a recorded type (the console, dynamic values), the value's own kind.
    let kind = ty
        .and_then(|t| t.get(0))
        .and_then(|k| k.as_str())
        .or(match v {
            Value::List(_) => Some("list"),
            Value::Set(_) => Some("set"),
            Value::Map(_) => Some("map"),
            _ => None,
        });
    let elem = |i: usize| -> Option<&serde_json::Value> {
        match kind {
            Some("list" | "set" | "map") => ty.and_then(|t| t.get(1)),
            Some("tuple") => ty.and_then(|t| t.get(1)).and_then(|ts| ts.get(i)),
            _ => None,
        }
    };
    match v {
        Value::List(items) | Value::Tuple(items) | Value::Set(items) => {
            let body: Vec<String> = items
                .iter()
                .enumerate()
                .map(|(i, x)| format!("{pad}{},", output_value(x, elem(i), indent + 2)))
                .collect();
            let inner = if items.is_empty() {
                "[]".to_string()
            } else {
                format!("[\n{}\n{end}]", body.join("\n"))
            };
            match kind {
                Some("list") => format!("tolist({inner})"),
                Some("set") => format!("toset({inner})"),
                _ => inner,
            }
        }
        Value::Map(m) | Value::Object(m) => {
            let body: Vec<String> = m
                .iter()
                .map(|(k, x)| {
                    let t = match kind {
                        Some("map") => ty.and_then(|t| t.get(1)),
                        Some("object") => ty.and_then(|t| t.get(1)).and_then(|o| o.get(k)),
                        _ => None,
                    };
                    format!("{pad}{k:?} = {}", output_value(x, t, indent + 2))
                })
                .collect();
            let inner = if m.is_empty() {
                "{}".to_string()
            } else {
                format!("{{\n{}\n{end}}}", body.join("\n"))
            };
            if kind == Some("map") {
                format!("tomap({inner})")
            } else {
                inner
            }
        }
        other => hcl_value(other, indent),
    }
}

/// A value in HCL syntax, two spaces per level (the values in `terrane test`'s diffs).
pub fn hcl_value(v: &Value, indent: usize) -> String {
    hcl_value_styled(
        v,
        indent,
        Style {
            step: 2,
            quote_map_keys: false,
        },
    )
}

/// A value as `terrane show` prints it in state, as Terraform's renderer: four spaces
/// per level, and the keys of maps always quoted (an object's only when they must be).
pub fn state_value(v: &Value, indent: usize) -> String {
    hcl_value_styled(
        v,
        indent,
        Style {
            step: 4,
            quote_map_keys: true,
        },
    )
}

#[derive(Clone, Copy)]
struct Style {
    step: usize,
    quote_map_keys: bool,
}

fn hcl_value_styled(v: &Value, indent: usize, style: Style) -> String {
    let inner = indent + style.step;
    let pad = " ".repeat(inner);
    let end = " ".repeat(indent);
    match v {
        Value::Null => "null".into(),
        Value::Unknown => "(known after apply)".into(),
        Value::Sensitive(_) => "(sensitive value)".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => terrane_engine::lang::value::quote(s),
        Value::List(items) | Value::Tuple(items) | Value::Set(items) => {
            if items.is_empty() {
                return "[]".into();
            }
            let body: Vec<String> = items
                .iter()
                .map(|i| format!("{pad}{},", hcl_value_styled(i, inner, style)))
                .collect();
            format!("[\n{}\n{end}]", body.join("\n"))
        }
        Value::Map(m) | Value::Object(m) => {
            if m.is_empty() {
                return "{}".into();
            }
            let quote_all = style.quote_map_keys && matches!(v, Value::Map(_));
            let key = |k: &str| {
                if quote_all {
                    format!("{k:?}")
                } else {
                    quote_key(k)
                }
            };
            let w = m.keys().map(|k| key(k).len()).max().unwrap_or(0);
            let body: Vec<String> = m
                .iter()
                .map(|(k, i)| {
                    format!(
                        "{pad}{:<w$} = {}",
                        key(k),
                        hcl_value_styled(i, inner, style)
                    )
                })
                .collect();
            format!("{{\n{}\n{end}}}", body.join("\n"))
        }
    }
}

fn quote_key(k: &str) -> String {
    let ident = k
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
        && k.chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-');
    if ident {
        k.to_string()
    } else {
        format!("{k:?}")
    }
}
