//! `terrane state identities -json [-id=ID] [ADDRESS...]`: the resource identities the
//! state records (Terraform 1.12+ writes them for providers that report identities), as
//! one JSON object from instance address to identity, the form Terraform prints.

use std::collections::BTreeMap;

use terrane_engine::diag::{Diagnostic, Diagnostics};

use crate::cli::StateIdentitiesArgs;
use crate::output::{print_diagnostics, use_color};

/// What a filter address names: a module (every instance in it and below), a resource
/// (every instance of it) or one instance.
#[derive(Debug, PartialEq)]
enum Filter<'a> {
    Module(&'a str),
    Resource(&'a str),
    Instance(&'a str),
}

impl<'a> Filter<'a> {
    fn parse(f: &'a str) -> Filter<'a> {
        // Strip `module.NAME` and `module.NAME[KEY]` steps; what is left names a resource.
        let mut rest = f;
        while let Some(after) = rest.strip_prefix("module.") {
            let step_end = step_end(after);
            rest = after[step_end..].strip_prefix('.').unwrap_or("");
        }
        match rest {
            "" => Filter::Module(f),
            r if r.ends_with(']') => Filter::Instance(f),
            _ => Filter::Resource(f),
        }
    }

    fn matches(&self, addr: &str) -> bool {
        match self {
            Filter::Module(m) => addr.starts_with(&format!("{m}.")),
            Filter::Resource(r) => addr == *r || addr.starts_with(&format!("{r}[")),
            Filter::Instance(i) => addr == *i,
        }
    }

    /// Terraform's error for a filter that matches nothing in the state.
    fn missing(&self) -> Diagnostic {
        let (summary, detail) = match self {
            Filter::Module(m) => ("Unknown module", format!("The current state contains no module at {m}. If you've just added this module to the configuration, you must run \"terrane apply\" first to create the module's entry in the state.")),
            Filter::Resource(r) => ("Unknown resource", format!("The current state contains no resource {r}. If you've just added this resource to the configuration, you must run \"terrane apply\" first to create the resource's entry in the state.")),
            Filter::Instance(i) => ("Unknown resource instance", format!("The current state contains no resource instance {i}. If you've just added its resource to the configuration or have changed the count or for_each arguments, you must run \"terrane apply\" first to update the resource's entry in the state.")),
        };
        Diagnostic::error(summary).detail(detail)
    }
}

/// The length of a `NAME` or `NAME[KEY]` step (a key may hold dots: `["a.b"]`).
fn step_end(s: &str) -> usize {
    let mut in_key = false;
    for (i, c) in s.char_indices() {
        match c {
            '[' => in_key = true,
            ']' => in_key = false,
            '.' if !in_key => return i,
            _ => {}
        }
    }
    s.len()
}

/// JSON objects with their keys sorted, as Go's encoder writes maps.
fn sorted(v: &serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(m) => {
            let keys: BTreeMap<&String, serde_json::Value> =
                m.iter().map(|(k, v)| (k, sorted(v))).collect();
            serde_json::Value::Object(keys.into_iter().map(|(k, v)| (k.clone(), v)).collect())
        }
        serde_json::Value::Array(items) => {
            serde_json::Value::Array(items.iter().map(sorted).collect())
        }
        other => other.clone(),
    }
}

pub async fn run(a: StateIdentitiesArgs) -> anyhow::Result<u8> {
    let color = use_color(false);
    if !a.json {
        eprintln!("The `terrane state identities` command requires the `-json` flag.\n");
        eprintln!("Usage: terrane [global options] state identities [options] -json [address...]");
        return Ok(1);
    }
    let Ok(state) = super::show::read_state(color).await else {
        return Ok(1);
    };
    let Some(state) = state else {
        print_diagnostics(
            &Diagnostic::error("No state file was found!")
                .detail("State management commands require a state file. Run this command in a directory where terrane has been run.")
                .into(),
            color,
        );
        return Ok(1);
    };
    let filters: Vec<Filter> = a.addresses.iter().map(|f| Filter::parse(f)).collect();
    let instances: Vec<(String, &terrane_engine::state::InstanceState)> = state
        .resources
        .iter()
        .flat_map(|r| {
            r.instances
                .iter()
                .filter(|i| i.deposed.is_none())
                .map(move |i| (r.instance_address(i), i))
        })
        .collect();
    let mut diags = Diagnostics::new();
    for f in &filters {
        if !instances.iter().any(|(addr, _)| f.matches(addr)) {
            diags.push(f.missing());
        }
    }
    if diags.has_errors() {
        print_diagnostics(&diags, color);
        return Ok(1);
    }
    let mut out: BTreeMap<String, serde_json::Value> = BTreeMap::new();
    for (addr, inst) in instances {
        let wanted = filters.is_empty() || filters.iter().any(|f| f.matches(&addr));
        let with_id =
            a.id.as_deref()
                .is_none_or(|id| inst.attributes.id().as_deref() == Some(id));
        if let (true, true, Some(identity)) = (wanted, with_id, &inst.identity) {
            out.insert(addr, sorted(identity));
        }
    }
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_name_modules_resources_or_instances() {
        assert_eq!(Filter::parse("module.net"), Filter::Module("module.net"));
        assert_eq!(
            Filter::parse("module.net[\"a.b\"]"),
            Filter::Module("module.net[\"a.b\"]")
        );
        assert_eq!(
            Filter::parse("module.net.aws_vpc.main"),
            Filter::Resource("module.net.aws_vpc.main")
        );
        assert_eq!(
            Filter::parse("aws_subnet.a[0]"),
            Filter::Instance("aws_subnet.a[0]")
        );
        assert!(Filter::parse("aws_subnet.a").matches("aws_subnet.a[1]"));
        assert!(!Filter::parse("aws_subnet.a").matches("aws_subnet.ab"));
        assert!(Filter::parse("module.net").matches("module.net.module.x.aws_vpc.v"));
    }
}
