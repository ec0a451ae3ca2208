//! Schemas: what arguments and attributes a resource type has, and how each behaves in a
//! diff. The engine's generic planner reads these; providers only add what a schema cannot
//! say.

use std::collections::BTreeMap;

use crate::lang::{Type, Value};

#[derive(Debug, Clone, Default)]
pub struct ProviderSchema {
    /// Settings of the `provider "x" {}` block.
    pub provider: BlockSchema,
    pub resources: BTreeMap<String, ResourceSchema>,
    pub data_sources: BTreeMap<String, ResourceSchema>,
    /// `ephemeral "type" "name"` blocks this provider opens (Terraform 1.10): their
    /// results are never stored in state or plan files.
    pub ephemeral_resources: BTreeMap<String, ResourceSchema>,
    /// `action "type" "name"` blocks this provider invokes (Terraform 1.14); the schema
    /// is the `config` block's.
    pub actions: BTreeMap<String, ResourceSchema>,
}

impl ProviderSchema {
    /// The types of one kind of block: `resource`, `data` or `ephemeral`.
    pub fn types(&self, mode: crate::addr::Mode) -> &BTreeMap<String, ResourceSchema> {
        match mode {
            crate::addr::Mode::Managed => &self.resources,
            crate::addr::Mode::Data => &self.data_sources,
            crate::addr::Mode::Ephemeral => &self.ephemeral_resources,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct ResourceSchema {
    pub version: u64,
    pub block: BlockSchema,
}

#[derive(Debug, Clone, Default)]
pub struct BlockSchema {
    pub attributes: BTreeMap<String, AttributeSchema>,
    pub blocks: BTreeMap<String, NestedBlock>,
}

#[derive(Debug, Clone)]
pub struct AttributeSchema {
    /// `Type::Any` for dynamic attributes like `terraform_data.input`.
    pub ty: Type,
    pub required: bool,
    pub optional: bool,
    pub computed: bool,
    /// A change of this attribute replaces the object.
    pub force_new: bool,
    pub sensitive: bool,
    /// The value used when the configuration leaves an optional attribute unset.
    pub default: Option<Value>,
    /// A write-only argument (`password_wo`): its configured value reaches the provider
    /// on apply and is never planned, stored in state or in a plan file.
    pub write_only: bool,
}

impl AttributeSchema {
    pub fn required(ty: Type) -> AttributeSchema {
        AttributeSchema {
            ty,
            required: true,
            optional: false,
            computed: false,
            force_new: false,
            sensitive: false,
            default: None,
            write_only: false,
        }
    }

    pub fn optional(ty: Type) -> AttributeSchema {
        AttributeSchema {
            required: false,
            optional: true,
            ..AttributeSchema::required(ty)
        }
    }

    pub fn computed(ty: Type) -> AttributeSchema {
        AttributeSchema {
            required: false,
            computed: true,
            ..AttributeSchema::required(ty)
        }
    }

    /// Optional and computed: the provider fills it in when the configuration does not.
    pub fn optional_computed(ty: Type) -> AttributeSchema {
        AttributeSchema {
            optional: true,
            ..AttributeSchema::computed(ty)
        }
    }

    #[must_use]
    pub fn force_new(mut self) -> AttributeSchema {
        self.force_new = true;
        self
    }

    #[must_use]
    pub fn sensitive(mut self) -> AttributeSchema {
        self.sensitive = true;
        self
    }

    /// Write-only (see [`AttributeSchema::write_only`]).
    #[must_use]
    pub fn write_only(mut self) -> AttributeSchema {
        self.write_only = true;
        self
    }

    #[must_use]
    pub fn default(mut self, v: Value) -> AttributeSchema {
        self.default = Some(v);
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nesting {
    /// At most one block; the value is an object or null.
    Single,
    /// A list of blocks.
    List,
    /// A set of blocks (order does not matter).
    Set,
    /// Labelled blocks, `rule "name" { ... }`: a map of objects keyed by the label.
    Map,
    /// At most one block, never null: an absent block is its empty value (every
    /// attribute null, every nested collection empty).
    Group,
}

#[derive(Debug, Clone)]
pub struct NestedBlock {
    pub nesting: Nesting,
    pub block: BlockSchema,
    pub min_items: usize,
    pub max_items: Option<usize>,
    pub force_new: bool,
}

impl BlockSchema {
    /// The value of an empty body: every attribute null, every nested block type empty.
    pub fn empty_value(&self) -> Value {
        let attrs = self.attributes.keys().map(|k| (k.clone(), Value::Null));
        let blocks = self
            .blocks
            .iter()
            .map(|(k, nb)| (k.clone(), nb.empty_value()));
        Value::Object(attrs.chain(blocks).collect())
    }
}

impl NestedBlock {
    /// The value when no block of this type is written.
    pub fn empty_value(&self) -> Value {
        match self.nesting {
            Nesting::Single => Value::Null,
            Nesting::Group => self.block.empty_value(),
            Nesting::List => Value::List(Vec::new()),
            Nesting::Set => Value::Set(Vec::new()),
            Nesting::Map => Value::Map(BTreeMap::new()),
        }
    }

    /// The labels a block of this type has in configuration: a map's blocks have one,
    /// the key.
    pub fn label_count(&self) -> usize {
        usize::from(self.nesting == Nesting::Map)
    }
}
