//! A small builder for schemas, so a resource's schema reads like the Terraform provider's
//! attribute reference: `S::new().attr("vpc_id", req(STR).force_new())`.

use std::collections::BTreeMap;

use terrane_engine::lang::{Type, Value};
use terrane_engine::provider::{AttributeSchema, BlockSchema, NestedBlock, Nesting};

pub const STR: Type = Type::String;
pub const BOOL: Type = Type::Bool;
pub const NUM: Type = Type::Number;

pub fn list_of(t: Type) -> Type {
    Type::List(Box::new(t))
}
pub fn set_of(t: Type) -> Type {
    Type::Set(Box::new(t))
}
pub fn map_of(t: Type) -> Type {
    Type::Map(Box::new(t))
}

pub fn req(t: Type) -> AttributeSchema {
    AttributeSchema::required(t)
}
pub fn opt(t: Type) -> AttributeSchema {
    AttributeSchema::optional(t)
}
pub fn comp(t: Type) -> AttributeSchema {
    AttributeSchema::computed(t)
}
pub fn opt_comp(t: Type) -> AttributeSchema {
    AttributeSchema::optional_computed(t)
}
/// An object whose attributes all have type `t` (a computed list of objects, such as a
/// VPC endpoint's `dns_entry`).
pub fn object_of(fields: &[&str], t: Type) -> Type {
    Type::Object(
        fields
            .iter()
            .map(|k| {
                let attr = terrane_engine::lang::types::ObjectAttr {
                    ty: t.clone(),
                    optional: false,
                    default: None,
                };
                (k.to_string(), attr)
            })
            .collect(),
    )
}

/// Optional with a default, as Terraform's `Default:`.
pub fn opt_default(t: Type, v: Value) -> AttributeSchema {
    AttributeSchema::optional(t).default(v)
}

#[derive(Default)]
pub struct S(BlockSchema);

impl S {
    pub fn new() -> S {
        S::default()
    }

    #[must_use]
    pub fn attr(mut self, name: &str, a: AttributeSchema) -> S {
        self.0.attributes.insert(name.to_string(), a);
        self
    }

    /// Adds every attribute of `other` (shared attribute groups).
    #[must_use]
    pub fn attrs(mut self, other: BTreeMap<String, AttributeSchema>) -> S {
        self.0.attributes.extend(other);
        self
    }

    #[must_use]
    pub fn block(mut self, name: &str, nesting: Nesting, inner: S) -> S {
        self.0.blocks.insert(
            name.to_string(),
            NestedBlock {
                nesting,
                block: inner.0,
                min_items: 0,
                max_items: None,
                force_new: false,
            },
        );
        self
    }

    /// Makes a block added before force replacement when it changes (Terraform's
    /// `ForceNew` on a block).
    #[must_use]
    pub fn force_new_block(mut self, name: &str) -> S {
        if let Some(b) = self.0.blocks.get_mut(name) {
            b.force_new = true;
        }
        self
    }

    /// `filter { name = ..., values = [...] }` blocks of data sources.
    #[must_use]
    pub fn filter_block(self) -> S {
        self.block(
            "filter",
            Nesting::Set,
            S::new()
                .attr("name", req(STR))
                .attr("values", req(set_of(STR))),
        )
    }

    pub fn build(self) -> BlockSchema {
        self.0
    }
}
