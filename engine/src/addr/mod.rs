//! Addresses of resources and their instances, printed and parsed in HCL traversal syntax
//! (`null_resource.a`, `data.aws_vpc.main`, `module.net["a"].aws_subnet.this[0]`).

use std::fmt;

pub use crate::state::IndexKey;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mode {
    /// Terraform orders data resources before managed ones in state; keep the same order.
    Data,
    Managed,
    /// `ephemeral "type" "name"`: opened during a run and closed after it; never in state
    /// or a plan file.
    Ephemeral,
}

impl Mode {
    pub fn as_state_str(self) -> &'static str {
        match self {
            Mode::Managed => "managed",
            Mode::Data => "data",
            Mode::Ephemeral => "ephemeral",
        }
    }

    /// The mode a state file's `"mode"` names (`"data"`, else managed).
    pub fn from_state_str(s: &str) -> Mode {
        match s {
            "data" => Mode::Data,
            "ephemeral" => Mode::Ephemeral,
            _ => Mode::Managed,
        }
    }

    /// The keyword before the type in an address (`data.`, `ephemeral.`), empty for
    /// managed resources.
    pub fn address_prefix(self) -> &'static str {
        match self {
            Mode::Managed => "",
            Mode::Data => "data.",
            Mode::Ephemeral => "ephemeral.",
        }
    }
}

/// One step of a module path: `module.name` or `module.name[key]`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ModuleStep {
    pub name: String,
    pub key: Option<IndexKey>,
}

/// A resource block in a module instance (all its `count`/`for_each` instances).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResourceAddr {
    pub module: Vec<ModuleStep>,
    pub mode: Mode,
    pub ty: String,
    pub name: String,
}

/// One instance of a resource.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct InstanceAddr {
    pub resource: ResourceAddr,
    pub key: Option<IndexKey>,
}

impl ResourceAddr {
    /// The address of a resource as state records it (`module` like `module.a["x"].module.b`);
    /// `None` when the module address does not parse.
    pub fn from_state(
        module: Option<&str>,
        mode: Mode,
        ty: &str,
        name: &str,
    ) -> Option<ResourceAddr> {
        let mut addr = ResourceAddr::new(mode, ty, name);
        if let Some(m) = module.filter(|m| !m.is_empty()) {
            let parsed: InstanceAddr = format!("{m}.{ty}.{name}").parse().ok()?;
            addr.module = parsed.resource.module;
        }
        Some(addr)
    }

    /// This address without module instance keys: the resource block it comes from.
    pub fn config(&self) -> ResourceAddr {
        ResourceAddr {
            module: self
                .module
                .iter()
                .map(|s| ModuleStep {
                    name: s.name.clone(),
                    key: None,
                })
                .collect(),
            ..self.clone()
        }
    }

    pub fn new(mode: Mode, ty: impl Into<String>, name: impl Into<String>) -> ResourceAddr {
        ResourceAddr {
            module: Vec::new(),
            mode,
            ty: ty.into(),
            name: name.into(),
        }
    }

    pub fn instance(&self, key: Option<IndexKey>) -> InstanceAddr {
        InstanceAddr {
            resource: self.clone(),
            key,
        }
    }

    /// The module path as state files write it (`module.a.module.b`), `None` for root.
    pub fn module_string(&self) -> Option<String> {
        if self.module.is_empty() {
            None
        } else {
            Some(module_path_string(&self.module))
        }
    }
}

pub fn module_path_string(path: &[ModuleStep]) -> String {
    let mut out = String::new();
    for (i, step) in path.iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        out.push_str("module.");
        out.push_str(&step.name);
        if let Some(k) = &step.key {
            out.push_str(&k.to_string());
        }
    }
    out
}

impl fmt::Display for ResourceAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.module.is_empty() {
            write!(f, "{}.", module_path_string(&self.module))?;
        }
        f.write_str(self.mode.address_prefix())?;
        write!(f, "{}.{}", self.ty, self.name)
    }
}

impl fmt::Display for InstanceAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.resource)?;
        if let Some(k) = &self.key {
            write!(f, "{k}")?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid address {given:?}: {reason}")]
pub struct AddrParseError {
    pub given: String,
    pub reason: String,
}

/// Parses `[module.a[...].]...[data.]type.name[key]`. With `allow_resource_only` false the
/// result is always an instance; a missing key means "no key".
impl std::str::FromStr for InstanceAddr {
    type Err = AddrParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |reason: &str| AddrParseError {
            given: s.to_string(),
            reason: reason.to_string(),
        };
        let mut p = Parser { s, pos: 0 };
        let mut module = Vec::new();
        let mut mode = Mode::Managed;
        loop {
            let ident = p.ident().ok_or_else(|| err("expected a name"))?;
            if ident == "module" {
                p.dot()
                    .ok_or_else(|| err("expected \".\" after \"module\""))?;
                let name = p.ident().ok_or_else(|| err("expected a module name"))?;
                let key = p.key().map_err(|e| err(&e))?;
                module.push(ModuleStep {
                    name: name.to_string(),
                    key,
                });
                p.dot()
                    .ok_or_else(|| err("expected a resource after the module path"))?;
                continue;
            }
            let ty = if ident == "data" || ident == "ephemeral" {
                mode = Mode::from_state_str(ident);
                p.dot()
                    .ok_or_else(|| err(&format!("expected \".\" after {ident:?}")))?;
                p.ident()
                    .ok_or_else(|| err(&format!("expected a type after {ident:?}")))?
            } else {
                ident
            };
            p.dot().ok_or_else(|| {
                err("a resource address needs a type and a name, like null_resource.a")
            })?;
            let name = p.ident().ok_or_else(|| err("expected a resource name"))?;
            let key = p.key().map_err(|e| err(&e))?;
            if p.pos != s.len() {
                return Err(err("unexpected characters after the address"));
            }
            let resource = ResourceAddr {
                module,
                mode,
                ty: ty.to_string(),
                name: name.to_string(),
            };
            return Ok(InstanceAddr { resource, key });
        }
    }
}

struct Parser<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn ident(&mut self) -> Option<&'a str> {
        let rest = &self.s[self.pos..];
        let len = rest
            .char_indices()
            .find(|(i, c)| !(c.is_alphanumeric() || *c == '_' || (*i > 0 && *c == '-')))
            .map_or(rest.len(), |(i, _)| i);
        if len == 0 || rest.starts_with(|c: char| c.is_ascii_digit()) {
            return None;
        }
        self.pos += len;
        Some(&rest[..len])
    }

    fn dot(&mut self) -> Option<()> {
        if self.s[self.pos..].starts_with('.') {
            self.pos += 1;
            Some(())
        } else {
            None
        }
    }

    fn key(&mut self) -> Result<Option<IndexKey>, String> {
        let rest = &self.s[self.pos..];
        if !rest.starts_with('[') {
            return Ok(None);
        }
        let close = rest.find(']').ok_or("unclosed \"[\"")?;
        let inner = &rest[1..close];
        let key = if let Some(q) = inner.strip_prefix('"') {
            let body = q.strip_suffix('"').ok_or("unterminated string key")?;
            IndexKey::Str(body.to_string())
        } else {
            IndexKey::Int(
                inner
                    .parse()
                    .map_err(|_| "an index must be a number or a quoted string")?,
            )
        };
        self.pos += close + 1;
        Ok(Some(key))
    }
}

/// A provider source as Terraform's messages name it: without the default registry host
/// (`hashicorp/aws`, but `example.com/acme/thing`).
pub fn short_source(source: &str) -> &str {
    source
        .strip_prefix("registry.terraform.io/")
        .unwrap_or(source)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for s in [
            "null_resource.a",
            "null_resource.a[0]",
            "terraform_data.x[\"k\"]",
            "data.aws_vpc.main",
            "module.net[\"a\"].module.b.aws_subnet.this[2]",
        ] {
            let a: InstanceAddr = s.parse().unwrap();
            assert_eq!(a.to_string(), s);
        }
    }

    #[test]
    fn rejects_incomplete() {
        assert!("null_resource".parse::<InstanceAddr>().is_err());
        assert!("null_resource.a[".parse::<InstanceAddr>().is_err());
        assert!("null_resource.a.b".parse::<InstanceAddr>().is_err());
    }
}
