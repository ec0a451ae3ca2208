//! A resource as a table: one row per attribute, saying everything the provider knows
//! about it — schema flags, how it is read from the SDK's description of the object, how
//! it is set on the create request and on the update request, and how AWS's spelling is
//! normalised — so that the schema, the read, the create request and the in-place update
//! are all derived from the row and an attribute's name is written once.
//!
//! ```ignore
//! static TABLE: LazyLock<Table<Subnet, CreateSubnetFluentBuilder>> = LazyLock::new(|| {
//!     Table::new(|| Some(Subnet::builder().build()))
//!         .attr("vpc_id", req(STR).force_new())
//!         .read(|s, _| val::opt_str(s.vpc_id()))
//!         .create(|b, v| b.set_vpc_id(v.str()))
//! });
//! ```
//!
//! `T` is the SDK type a Describe returns, `C` the create call's request builder and `U`
//! the builder of the call that updates arguments in place (`()` when the resource has
//! none): [`Table::update`] rows are set on it, one request per changed attribute or one
//! for all of them ([`UpdateCalls`]). What a table cannot say — waiters, calls that need
//! several requests — stays hand-written in the resource, which marks such arguments
//! [`Table::updated_by_hand`] and asks [`Table::changed`] whether to make the call.
//!
//! Modifiers (`read`, `create`, ...) apply to the row added last, so a table reads like the
//! Terraform provider's attribute reference.

use std::collections::{BTreeMap, BTreeSet};
use std::marker::PhantomData;

use terrane_engine::lang::Value;
use terrane_engine::provider::{AttributeSchema, BlockSchema, NestedBlock, Nesting};

use crate::region;
use crate::schema::S;
use crate::val::{self, Obj};

/// What a read can see besides the SDK object: the object as last known (the
/// configuration after a create), and the region it lives in (for ARNs AWS omits).
pub struct ReadCtx<'a> {
    pub current: &'a Value,
    pub region: &'a str,
}

impl ReadCtx<'_> {
    /// An EC2 ARN as Terraform builds it: `arn:aws:ec2:REGION:ACCOUNT:vpc/vpc-123`.
    pub fn ec2_arn(&self, owner: &str, resource: &str) -> String {
        region::ec2_arn(self.region, owner, resource)
    }
}

/// One argument's planned value, as the SDK's `set_x(Option<_>)` setters want it. Unset,
/// null, unknown and empty strings read as `None` (the Terraform provider sends nothing
/// for them either).
#[derive(Clone, Copy)]
pub struct Arg<'a>(pub Option<&'a Value>);

impl<'a> Arg<'a> {
    pub fn value(self) -> &'a Value {
        self.0.unwrap_or(&Value::Null)
    }

    pub fn str(self) -> Option<String> {
        self.0
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    }

    pub fn bool(self) -> Option<bool> {
        self.0.and_then(Value::as_bool)
    }

    /// `Some(true)` only: flags that a create request should carry only when on.
    pub fn true_only(self) -> Option<bool> {
        self.bool().filter(|b| *b)
    }

    pub fn i64(self) -> Option<i64> {
        self.0?.as_i64()
    }

    /// A whole number that fits the SDK's `i32` (ports, counts, seconds).
    pub fn i32(self) -> Option<i32> {
        self.i64().and_then(|n| i32::try_from(n).ok())
    }

    /// A number the Terraform provider keeps as a string (autonomous system numbers);
    /// `None` when unset or not a number.
    pub fn parsed<N: std::str::FromStr>(self) -> Option<N> {
        self.str()?.parse().ok()
    }

    /// The items of a nested block (empty when unset).
    pub fn items(self) -> &'a [Value] {
        self.0.and_then(Value::as_seq).unwrap_or_default()
    }

    /// The first item of a nested block (a `MaxItems: 1` block's only item).
    pub fn first(self) -> Option<&'a Value> {
        self.items().first()
    }

    /// The strings of a list or set (non-strings skipped); `None` when unset.
    pub fn strings(self) -> Option<Vec<String>> {
        self.0.and_then(Value::as_seq).map(|s| {
            s.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
    }
}

/// A string argument of a block item, as [`Arg::str`] reads it.
pub fn item_str(item: &Value, k: &str) -> Option<String> {
    Arg(item.get_attr(k)).str()
}

/// A whole-number argument of a block item, as [`Arg::i32`] reads it.
pub fn item_i32(item: &Value, k: &str) -> Option<i32> {
    Arg(item.get_attr(k)).i32()
}

/// How AWS's answer for an attribute is brought to the form Terraform keeps in state.
#[derive(Clone, Copy)]
pub enum Normalise {
    /// Stored as read.
    AsRead,
    /// AWS answers the type's zero value ("", `false`, 0, an empty collection) for an
    /// unset argument, and the Terraform provider (SDKv2) holds null and zero to be the
    /// same: a read keeps null while the known value is null, and a plan keeps the prior
    /// value when both it and the configuration are null or zero (so an imported object
    /// whose configuration writes `from_port = 0` plans no change).
    ZeroAsNull,
    /// Two spellings that mean the same (policy documents): a read or a plan keeps the
    /// known spelling when AWS's (or the new configuration's) means the same.
    Equivalent(fn(&str, &str) -> bool),
}

/// How a row's attribute is read.
enum Read<T> {
    /// From the SDK object.
    Sdk(fn(&T, &ReadCtx) -> Value),
    /// From the SDK object, by the row's name: one function reads a family of rows
    /// (the key/value attributes of a load balancer's listener).
    Named(fn(&T, &ReadCtx, &str) -> Value),
    /// AWS does not hold it (`skip_destroy`, `name_prefix`): the known value is kept, the
    /// schema's default (or null) when there is none.
    Config,
}

/// How a changed argument reaches AWS without replacing the object.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Update {
    /// Not updatable in place: `force_new` in the schema, or computed only.
    None,
    /// Through the table's update request.
    Table,
    /// Hand-written in the resource's `update` (several calls, or none: a setting of
    /// terrane's own such as `force_detach_policies`).
    ByHand,
    /// Updatable in AWS, but not by terrane yet: a change plans as an update that leaves
    /// AWS as it is (the next refresh shows the difference again).
    Unsupported,
}

/// How a table's update requests are made.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum UpdateCalls {
    /// One request for all changed attributes (UpdateRole).
    Together,
    /// One request per changed attribute (ModifySubnetAttribute takes one at a time).
    EachAttribute,
}

struct Row<T, C, U> {
    name: &'static str,
    schema: Option<AttributeSchema>,
    block: Option<NestedBlock>,
    read: Read<T>,
    normalise: Normalise,
    create: Option<fn(C, Arg) -> C>,
    update_set: Option<fn(U, Arg) -> U>,
    update: Update,
}

impl<T, C, U> Row<T, C, U> {
    /// A row kept from the configuration and updated by nothing, until modifiers say more.
    fn new(name: &'static str) -> Self {
        Row {
            name,
            schema: None,
            block: None,
            read: Read::Config,
            normalise: Normalise::AsRead,
            create: None,
            update_set: None,
            update: Update::None,
        }
    }
}

/// A resource's attributes; see the module documentation.
pub struct Table<T, C, U = ()> {
    rows: Vec<Row<T, C, U>>,
    /// Reads `tags_all` (whose schema, with `tags`, the framework adds) for tagged types.
    tags_all: Option<fn(&T) -> Value>,
    update_calls: UpdateCalls,
    /// An SDK object with nothing set (`None` where the SDK cannot build one), so the
    /// table test can read every row without AWS.
    sample: fn() -> Option<T>,
    _types: PhantomData<fn(C, U)>,
}

impl<T, C, U> Table<T, C, U> {
    pub fn new(sample: fn() -> Option<T>) -> Self {
        Table {
            rows: Vec::new(),
            tags_all: None,
            update_calls: UpdateCalls::Together,
            sample,
            _types: PhantomData,
        }
    }

    /// Adds an attribute. Without a [`Table::read`] it is kept from the configuration;
    /// without [`Table::update`] or [`Table::updated_by_hand`] a configurable attribute must
    /// be `force_new` (the table test checks).
    #[must_use]
    pub fn attr(mut self, name: &'static str, schema: AttributeSchema) -> Self {
        self.rows.push(Row {
            schema: Some(schema),
            ..Row::new(name)
        });
        self
    }

    /// Adds a nested block (its items are built by the row's [`Table::read`]).
    #[must_use]
    pub fn block(mut self, name: &'static str, nesting: Nesting, inner: S) -> Self {
        let mut b = S::new().block(name, nesting, inner).build();
        self.rows.push(Row {
            block: b.blocks.remove(name),
            ..Row::new(name)
        });
        self
    }

    /// Makes the block added last replace the object when it changes (Terraform's
    /// `ForceNew` on a block).
    #[must_use]
    pub fn force_new_block(mut self) -> Self {
        if let Some(b) = self.last().block.as_mut() {
            b.force_new = true;
        }
        self
    }

    /// At most `n` items of the block added last (Terraform's `MaxItems`).
    #[must_use]
    pub fn max_items(mut self, n: usize) -> Self {
        if let Some(b) = self.last().block.as_mut() {
            b.max_items = Some(n);
        }
        self
    }

    /// At least `n` items of the block added last (a required block: Terraform's
    /// `Required` with `MinItems`).
    #[must_use]
    pub fn min_items(mut self, n: usize) -> Self {
        if let Some(b) = self.last().block.as_mut() {
            b.min_items = n;
        }
        self
    }

    fn last(&mut self) -> &mut Row<T, C, U> {
        self.rows
            .last_mut()
            .expect("a table modifier follows an attr or block")
    }

    /// Reads the attribute from the SDK object.
    #[must_use]
    pub fn read(mut self, f: fn(&T, &ReadCtx) -> Value) -> Self {
        self.last().read = Read::Sdk(f);
        self
    }

    /// Reads the attribute from the SDK object with a function that is given its name.
    #[must_use]
    pub fn read_named(mut self, f: fn(&T, &ReadCtx, &str) -> Value) -> Self {
        self.last().read = Read::Named(f);
        self
    }

    #[must_use]
    pub fn normalise(mut self, n: Normalise) -> Self {
        self.last().normalise = n;
        self
    }

    /// Sets the attribute on the create request.
    #[must_use]
    pub fn create(mut self, f: fn(C, Arg) -> C) -> Self {
        self.last().create = Some(f);
        self
    }

    /// Sets the attribute on the update request when it changed.
    #[must_use]
    pub fn update(mut self, f: fn(U, Arg) -> U) -> Self {
        let row = self.last();
        row.update_set = Some(f);
        row.update = Update::Table;
        self
    }

    /// The resource's own `update` changes this attribute.
    #[must_use]
    pub fn updated_by_hand(mut self) -> Self {
        self.last().update = Update::ByHand;
        self
    }

    /// Reads the object's tags (`tags_all`; the framework derives `tags`).
    #[must_use]
    pub fn tags_all(mut self, f: fn(&T) -> Value) -> Self {
        self.tags_all = Some(f);
        self
    }

    /// A known gap: terrane does not update this argument yet (say why beside it).
    #[must_use]
    pub fn update_unsupported(mut self) -> Self {
        self.last().update = Update::Unsupported;
        self
    }

    #[must_use]
    pub fn update_calls(mut self, calls: UpdateCalls) -> Self {
        self.update_calls = calls;
        self
    }

    fn row(&self, name: &str) -> Option<&Row<T, C, U>> {
        self.rows.iter().find(|r| r.name == name)
    }

    /// The object built from the SDK's description: every row read (or kept from
    /// `current`), over a copy of `current` so the framework's attributes (`timeouts`,
    /// `tags`) keep their values.
    pub fn read_object(&self, obj: &T, current: &Value, region: &str) -> Obj {
        let cx = &ReadCtx { current, region };
        let mut o = Obj::from(current);
        for r in &self.rows {
            let known = cx.current.get_attr(r.name);
            let v = match &r.read {
                Read::Sdk(f) => normalised(r.normalise, known, f(obj, cx)),
                Read::Named(f) => normalised(r.normalise, known, f(obj, cx, r.name)),
                Read::Config => match known {
                    Some(v) if !v.is_null() && !v.is_unknown() => v.clone(),
                    _ => r
                        .schema
                        .as_ref()
                        .and_then(|s| s.default.clone())
                        .unwrap_or_else(|| empty_block(r.block.as_ref())),
                },
            };
            o.set(r.name, v);
        }
        if let Some(f) = self.tags_all {
            o.set("tags_all", f(obj));
        }
        o
    }

    /// What a read function returns for one described object: [`Table::read_object`]
    /// over `current`, for an object that lives in `region`.
    pub fn read_value(&self, obj: &T, current: &Value, region: &str) -> Value {
        self.read_object(obj, current, region).done()
    }

    /// The create request with every row's argument set from the planned object.
    pub fn create_request(&self, mut builder: C, planned: &Value) -> C {
        for r in &self.rows {
            if let Some(f) = r.create {
                builder = f(builder, Arg(planned.get_attr(r.name)));
            }
        }
        builder
    }

    /// The update requests for what changed between `prior` and `planned` (none when
    /// nothing the table updates changed); `new` starts a request (with the object's ID).
    /// Values still unknown (computed, left to AWS) are not sent.
    pub fn update_requests(&self, prior: &Value, planned: &Value, new: impl Fn() -> U) -> Vec<U> {
        let changed = self.rows.iter().filter(|r| {
            r.update == Update::Table
                && !planned.get_attr(r.name).is_some_and(Value::is_unknown)
                && val::changed(prior, planned, r.name)
        });
        let mut out: Vec<U> = Vec::new();
        for r in changed {
            let Some(set) = r.update_set else { continue };
            let arg = Arg(planned.get_attr(r.name));
            match (self.update_calls, out.pop()) {
                (UpdateCalls::Together, Some(b)) => out.push(set(b, arg)),
                (UpdateCalls::Together, None) => out.push(set(new(), arg)),
                (UpdateCalls::EachAttribute, last) => {
                    out.extend(last);
                    out.push(set(new(), arg));
                }
            }
        }
        out
    }

    /// Whether a hand-updated attribute changed. The name must be a row marked
    /// [`Table::updated_by_hand`]: a misspelt name is a bug the table test catches.
    pub fn changed(&self, prior: &Value, planned: &Value, name: &str) -> bool {
        debug_assert!(
            self.row(name).is_some_and(|r| r.update == Update::ByHand),
            "{name} is not a hand-updated row of this table"
        );
        val::changed(prior, planned, name)
    }
}

/// A value read from AWS, normalised against the value known before the read.
fn normalised(n: Normalise, known: Option<&Value>, read: Value) -> Value {
    let known_null = known.is_none_or(Value::is_null);
    match n {
        Normalise::AsRead => read,
        Normalise::ZeroAsNull if known_null && is_zero(&read) => Value::Null,
        Normalise::Equivalent(same) => match (known.and_then(Value::as_str), read.as_str()) {
            (Some(k), Some(r)) if same(k, r) => Value::string(k),
            _ => read,
        },
        Normalise::ZeroAsNull => read,
    }
}

/// Null or the zero value of its type, which the Terraform provider does not tell apart.
fn is_zero(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Bool(b) => !b,
        Value::Number(n) => n.is_zero(),
        Value::List(x) | Value::Set(x) | Value::Tuple(x) => x.is_empty(),
        Value::Map(m) => m.is_empty(),
        _ => false,
    }
}

fn empty_block(b: Option<&NestedBlock>) -> Value {
    b.map_or(Value::Null, NestedBlock::empty_value)
}

/// What the provider asks of every table, whatever its SDK types.
pub trait ResourceTable: Send + Sync {
    fn schema(&self) -> BlockSchema;

    /// Plan: a configured value that means the same as the prior one keeps the prior
    /// spelling (the rows' [`Normalise::Equivalent`]), so rewriting a policy's JSON plans
    /// no change.
    fn normalise_plan(&self, prior: Option<&Value>, planned: &mut Value);

    /// The attributes a read of an empty SDK object sets, for the test that every table
    /// reads exactly its schema.
    fn sample_read_keys(&self) -> BTreeSet<String>;

    /// Configurable attributes that are neither `force_new` nor updated by anything: an
    /// update of them would silently do nothing.
    fn not_updatable(&self) -> Vec<&'static str>;
}

impl<T, C, U> ResourceTable for Table<T, C, U> {
    fn schema(&self) -> BlockSchema {
        let mut b = BlockSchema::default();
        for r in &self.rows {
            if let Some(s) = &r.schema {
                b.attributes.insert(r.name.to_string(), s.clone());
            }
            if let Some(nb) = &r.block {
                b.blocks.insert(r.name.to_string(), nb.clone());
            }
        }
        b
    }

    fn normalise_plan(&self, prior: Option<&Value>, planned: &mut Value) {
        let Some(prior) = prior else { return };
        for r in &self.rows {
            match r.normalise {
                Normalise::Equivalent(same) => {
                    if let (Some(old), Some(new)) =
                        (val::str_attr(prior, r.name), val::str_attr(planned, r.name))
                    {
                        if old != new && same(old, new) {
                            let keep = Value::string(old);
                            val::set_attr(planned, r.name, keep);
                        }
                    }
                }
                Normalise::ZeroAsNull => {
                    let old = prior.get_attr(r.name).unwrap_or(&Value::Null);
                    let new = planned.get_attr(r.name).unwrap_or(&Value::Null);
                    if is_zero(old) && is_zero(new) && old != new {
                        let keep = old.clone();
                        val::set_attr(planned, r.name, keep);
                    }
                }
                Normalise::AsRead => {}
            }
        }
    }

    fn sample_read_keys(&self) -> BTreeSet<String> {
        let current = Value::Object(BTreeMap::new());
        (self.sample)()
            .map(|obj| {
                self.read_object(&obj, &current, "us-east-1")
                    .0
                    .into_keys()
                    .collect()
            })
            .unwrap_or_default()
    }

    fn not_updatable(&self) -> Vec<&'static str> {
        self.rows
            .iter()
            .filter(|r| r.update == Update::None)
            .filter(|r| match (&r.schema, &r.block) {
                (Some(s), _) => (s.required || s.optional) && !s.force_new,
                (None, Some(b)) => !b.force_new,
                (None, None) => false,
            })
            .map(|r| r.name)
            .collect()
    }
}
