//! The structured diff of a resource, an output or a value: for every level, what happens
//! to it ([`Action`]) and how it is shown ([`Kind`]). Computed from the before and after
//! values and, where there is one, the schema, which says what is a nested block, what is
//! a typed attribute and what is a dynamic value. `human.rs` turns the tree into text.
//!
//! The rules are those of Terraform's plan renderer, so a plan reads the same in both:
//! blocks are shown as blocks; a list is diffed along its longest common subsequence,
//! two lists of the same length element by element; a set pairs equal elements and shows
//! the rest as removed and added; a dynamic value is diffed as its JSON would be (sets
//! become lists, maps become objects); unknown wins over a sensitive mark the
//! configuration put on a value (the provider has not said what it will be yet), while an
//! attribute the schema calls sensitive is always hidden.

use std::collections::BTreeMap;

use crate::lang::eval::values_equal;
use crate::lang::{Type, Value};
use crate::plan::Action;
use crate::provider::{BlockSchema, Nesting};

/// One side of a change. `None` is an absent value (an object attribute that is null, the
/// "before" of a create); `Some(Value::Null)` is an explicit null (an element of a list).
type Side = Option<Value>;

#[derive(Debug, Clone)]
pub(super) struct Change {
    pub before: Side,
    pub after: Side,
    /// This value's change forces the replacement of its resource.
    pub replace: bool,
}

impl Change {
    pub fn new(before: Side, after: Side) -> Change {
        Change {
            before,
            after,
            replace: false,
        }
    }

    fn as_delete(&self) -> Change {
        Change {
            after: None,
            ..self.clone()
        }
    }

    fn as_create(&self) -> Change {
        Change {
            before: None,
            ..self.clone()
        }
    }
}

#[derive(Debug, Clone)]
pub(super) struct Diff {
    pub kind: Kind,
    pub action: Action,
    pub replace: bool,
}

#[derive(Debug, Clone)]
pub(super) enum Kind {
    /// A string, number, bool or null (`Value::Null` on a side that has none).
    Primitive {
        before: Value,
        after: Value,
    },
    /// A list (or tuple, or a dynamic value's array); `context` shows the unchanged
    /// neighbours of each change, since order matters.
    List {
        elements: Vec<Diff>,
        context: bool,
    },
    Set {
        elements: Vec<Diff>,
    },
    Map {
        elements: BTreeMap<String, Diff>,
    },
    Object {
        attributes: BTreeMap<String, Diff>,
    },
    Block(Block),
    /// After is unknown; `before` is the old value shown as deleted, if there was one.
    Unknown {
        before: Option<Box<Diff>>,
    },
    Sensitive(Sensitivity),
    /// A nested block (or group of blocks) with a sensitive value in it.
    SensitiveBlock(Sensitivity),
    /// A write-only argument: its value is never known to the plan.
    WriteOnly,
    /// A dynamic value whose type changes: shown as the old value `->` the new one.
    TypeChange {
        before: Box<Diff>,
        after: Box<Diff>,
    },
}

/// Where a sensitive mark is before and after, and what happens under it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Sensitivity {
    pub before: bool,
    pub after: bool,
    /// The action of the hidden value itself (a warning is shown when only the mark moves).
    pub inner: Action,
}

#[derive(Debug, Clone, Default)]
pub(super) struct Block {
    pub attributes: BTreeMap<String, Diff>,
    pub blocks: BTreeMap<String, BlockGroup>,
}

/// The blocks of one nested block type.
#[derive(Debug, Clone)]
pub(super) struct BlockGroup {
    pub nesting: Nesting,
    /// Each block's diff, with its key when the blocks are a map (`rule "key" {}`).
    pub diffs: Vec<(Option<String>, Diff)>,
    pub replace: bool,
    pub before_sensitive: bool,
    pub after_sensitive: bool,
    pub unknown: bool,
}

/// How a value is to be read: with an attribute type, or as a dynamic (JSON-like) value.
#[derive(Clone, Copy)]
enum Shape<'a> {
    Typed(&'a Type),
    Dynamic,
}

impl<'a> Shape<'a> {
    fn of(ty: &'a Type) -> Shape<'a> {
        match ty {
            Type::Any => Shape::Dynamic,
            t => Shape::Typed(t),
        }
    }
}

/// The diff of a resource object against its schema. `replace` names the top-level
/// attributes and blocks whose change forces replacement.
pub(super) fn resource(
    before: Option<&Value>,
    after: Option<&Value>,
    schema: &BlockSchema,
    replace: &[String],
) -> Diff {
    let change = Change::new(before.cloned(), after.cloned());
    block(&change, schema, replace, false)
}

/// The diff of a resource whose schema is not known: every attribute read as dynamic.
pub(super) fn schemaless_resource(before: Option<&Value>, after: Option<&Value>) -> Diff {
    let mut schema = BlockSchema::default();
    for v in before.iter().chain(after.iter()) {
        if let Some(m) = v.as_map() {
            for k in m.keys() {
                schema.attributes.insert(
                    k.clone(),
                    crate::provider::AttributeSchema::optional(Type::Any),
                );
            }
        }
    }
    resource(before, after, &schema, &[])
}

/// The diff of an output value (always dynamic); a sensitive output hides its value
/// whether it is known yet or not.
pub(super) fn output(change: &Change, sensitive: bool) -> Diff {
    if sensitive {
        declared_sensitive(change, dynamic_element)
    } else {
        value(change, Shape::Dynamic, false)
    }
}

/// A value declared sensitive (by the schema, or an output's `sensitive = true`): hidden
/// on every side it has, known or not.
fn declared_sensitive(c: &Change, inner: impl FnOnce(&Change) -> Diff) -> Diff {
    let plain = Change {
        before: c.before.as_ref().map(|v| v.unmark_deep().0),
        after: c.after.as_ref().map(|v| v.unmark_deep().0),
        replace: c.replace,
    };
    let (action, s) = sensitive(c, &plain, c.before.is_some(), c.after.is_some(), inner);
    Diff {
        kind: Kind::Sensitive(s),
        action,
        replace: c.replace,
    }
}

fn is_nil(side: &Side) -> bool {
    side.as_ref().is_none_or(Value::is_null)
}

/// Terraform's guess at the action of a collection before looking at its elements.
fn default_action(c: &Change) -> Action {
    match (is_nil(&c.before), is_nil(&c.after)) {
        (true, true) | (false, false) => Action::NoOp,
        (true, false) => Action::Create,
        (false, true) => Action::Delete,
    }
}

/// `current` combined with a child's action: any mix of different actions is an update.
fn combine(current: Action, next: Action) -> Action {
    if next == Action::NoOp || current == next {
        current
    } else {
        Action::Update
    }
}

/// The action of a value compared as a whole.
fn whole_action(c: &Change) -> Action {
    match (&c.before, &c.after) {
        (None, Some(_)) => Action::Create,
        (Some(_), None) => Action::Delete,
        (None, None) => Action::NoOp,
        (Some(b), Some(a)) => {
            if values_equal(b, a) && b.is_sensitive() == a.is_sensitive() {
                Action::NoOp
            } else {
                Action::Update
            }
        }
    }
}

/// A child of an object or block: null is the same as absent there. Legacy (SDKv2-style)
/// schemas cannot tell an empty string from null, so an empty string is absent too.
fn attribute(parent: &Side, name: &str, legacy: bool) -> Side {
    let v = parent.as_ref()?.unmark().as_map()?.get(name)?;
    let empty_string = legacy && matches!(v.unmark(), Value::String(s) if s.is_empty());
    (!v.is_null() && !empty_string).then(|| v.clone())
}

fn elements(side: &Side) -> Option<&[Value]> {
    match side.as_ref()?.unmark() {
        Value::List(v) | Value::Tuple(v) | Value::Set(v) => Some(v),
        _ => None,
    }
}

fn entries(side: &Side) -> Option<&BTreeMap<String, Value>> {
    side.as_ref()?.unmark().as_map()
}

/// The element at `ix` (explicit) or nothing when `ix` is out of range.
fn element(items: Option<&[Value]>, ix: usize) -> Side {
    items.and_then(|v| v.get(ix)).cloned()
}

/// A side without its sensitive mark, and whether it had one.
fn split_sensitive(side: &Side) -> (Side, bool) {
    match side {
        Some(v @ Value::Sensitive(_)) => (Some(v.unmark_deep().0), true),
        other => (other.clone(), false),
    }
}

/// The action shown for a sensitive value and where its marks are, or `None` when
/// neither side is sensitive.
fn check_sensitive(
    c: &Change,
    inner: impl FnOnce(&Change) -> Diff,
) -> Option<(Action, Sensitivity)> {
    let (before, before_sensitive) = split_sensitive(&c.before);
    let (after, mut after_sensitive) = split_sensitive(&c.after);
    // A value not decided yet is only hidden when it replaces a hidden one: a mark on an
    // unknown value is terrane's guess (Terraform's providers cannot mark values), and a
    // new value reads better as `(known after apply)`.
    if after.as_ref().is_some_and(Value::is_unknown) {
        after_sensitive = before_sensitive;
    }
    if !before_sensitive && !after_sensitive {
        return None;
    }
    let plain = Change {
        before,
        after,
        replace: c.replace,
    };
    Some(sensitive(
        c,
        &plain,
        before_sensitive,
        after_sensitive,
        inner,
    ))
}

/// The hidden content still decides the action; a mark that appears or disappears on an
/// unchanged value is an update.
fn sensitive(
    c: &Change,
    plain: &Change,
    before: bool,
    after: bool,
    inner: impl FnOnce(&Change) -> Diff,
) -> (Action, Sensitivity) {
    let inner = inner(plain).action;
    let both_absent = c.before.is_none() && c.after.is_none();
    let action = if inner == Action::NoOp && before != after && !both_absent {
        Action::Update
    } else {
        inner
    };
    (
        action,
        Sensitivity {
            before,
            after,
            inner,
        },
    )
}

/// After unknown: `(known after apply)`, after the old value if there was one.
fn check_unknown(c: &Change, before_diff: impl FnOnce(&Change) -> Diff) -> Option<Diff> {
    if !matches!(c.after.as_ref().map(Value::unmark), Some(Value::Unknown)) {
        return None;
    }
    let before = (!is_nil(&c.before)).then(|| Box::new(before_diff(&c.as_delete())));
    let action = match (&c.before, &before) {
        (None, _) => Action::Create,
        (Some(_), None) => Action::NoOp,
        (Some(_), Some(_)) => Action::Update,
    };
    Some(Diff {
        kind: Kind::Unknown { before },
        action,
        replace: c.replace,
    })
}

fn value(c: &Change, shape: Shape, legacy: bool) -> Diff {
    let c = &if legacy {
        Change {
            before: empty_as_null(&c.before),
            after: empty_as_null(&c.after),
            replace: c.replace,
        }
    } else {
        c.clone()
    };
    if let Some((action, s)) = check_sensitive(c, |plain| value(plain, shape, legacy)) {
        return Diff {
            kind: Kind::Sensitive(s),
            action,
            replace: c.replace,
        };
    }
    if let Some(d) = check_unknown(c, |before| value(before, shape, legacy)) {
        return d;
    }
    match shape {
        Shape::Dynamic => dynamic(c),
        Shape::Typed(ty) => match ty {
            Type::Any => dynamic(c),
            Type::Bool | Type::Number | Type::String => primitive(c),
            Type::List(elem) => list(c, |c| value(c, Shape::of(elem), legacy), true),
            Type::Tuple(types) => tuple(c, types, legacy),
            Type::Set(elem) => set(
                c,
                |c| value(c, Shape::of(elem), legacy),
                |e| Kind::Set { elements: e },
            ),
            Type::Map(elem) => map(c, |c| value(c, Shape::of(elem), legacy)),
            Type::Object(attrs) => {
                let types: BTreeMap<&String, Shape> =
                    attrs.iter().map(|(k, a)| (k, Shape::of(&a.ty))).collect();
                object(c, &types, legacy)
            }
        },
    }
}

fn empty_as_null(side: &Side) -> Side {
    match side {
        Some(v) if matches!(v.unmark(), Value::String(s) if s.is_empty()) => Some(Value::Null),
        other => other.clone(),
    }
}

fn primitive(c: &Change) -> Diff {
    let side = |s: &Side| s.clone().unwrap_or(Value::Null);
    Diff {
        kind: Kind::Primitive {
            before: side(&c.before),
            after: side(&c.after),
        },
        action: whole_action(c),
        replace: c.replace,
    }
}

/// A list: element by element when both have the same length and are not a reordering,
/// else along the longest common subsequence (elements only in before are removed, only
/// in after added; a removed object followed by an added one is an edit of it).
fn list(c: &Change, element_diff: impl Fn(&Change) -> Diff, context: bool) -> Diff {
    let (before, after) = (elements(&c.before), elements(&c.after));
    let mut current = default_action(c);
    let mut diffs = Vec::new();
    let b = before.unwrap_or_default();
    let a = after.unwrap_or_default();
    for (bi, ai) in slice_pairs(b, a) {
        let d = element_diff(&Change::new(element(before, bi), element(after, ai)));
        current = combine(current, d.action);
        diffs.push(d);
    }
    Diff {
        kind: Kind::List {
            elements: diffs,
            context,
        },
        action: current,
        replace: c.replace,
    }
}

/// The (before index, after index) pairs a list diff visits; an index out of range means
/// the element is absent on that side.
pub(super) fn slice_pairs(before: &[Value], after: &[Value]) -> Vec<(usize, usize)> {
    let reorder = before.len() == after.len()
        && before
            .iter()
            .all(|b| after.iter().any(|a| values_equal(a, b)));
    if before.len() == after.len() && !reorder {
        return (0..before.len()).map(|i| (i, i)).collect();
    }
    let lcs = longest_common_subsequence(before, after);
    let is_object = |v: &Value| matches!(v.unmark(), Value::Object(_) | Value::Map(_));
    let (mut bi, mut ai, mut li) = (0, 0, 0);
    let mut pairs = Vec::new();
    while bi < before.len() || ai < after.len() || li < lcs.len() {
        while bi < before.len() && (li >= lcs.len() || !values_equal(&before[bi], lcs[li])) {
            let edit = is_object(&before[bi])
                && ai < after.len()
                && is_object(&after[ai])
                && (li >= lcs.len() || !values_equal(&after[ai], lcs[li]));
            if edit {
                pairs.push((bi, ai));
                ai += 1;
            } else {
                pairs.push((bi, after.len()));
            }
            bi += 1;
        }
        while ai < after.len() && (li >= lcs.len() || !values_equal(&after[ai], lcs[li])) {
            pairs.push((before.len(), ai));
            ai += 1;
        }
        if li < lcs.len() {
            pairs.push((bi, ai));
            bi += 1;
            ai += 1;
            li += 1;
        }
    }
    pairs
}

/// One longest common subsequence of `xs` and `ys`, chosen as Terraform chooses it when
/// there are several (so both print the same diff).
fn longest_common_subsequence<'v>(xs: &'v [Value], ys: &[Value]) -> Vec<&'v Value> {
    if xs.is_empty() || ys.is_empty() {
        return Vec::new();
    }
    let w = xs.len();
    let mut len = vec![0usize; xs.len() * ys.len()];
    let mut eq = vec![false; xs.len() * ys.len()];
    for y in 0..ys.len() {
        for x in 0..xs.len() {
            let i = w * y + x;
            if values_equal(&xs[x], &ys[y]) {
                eq[i] = true;
                len[i] = if x == 0 || y == 0 {
                    1
                } else {
                    len[w * (y - 1) + x - 1] + 1
                };
            } else {
                let left = if x > 0 { len[i - 1] } else { 0 };
                let up = if y > 0 { len[i - w] } else { 0 };
                len[i] = left.max(up);
            }
        }
    }
    let mut seq = Vec::with_capacity(len[len.len() - 1]);
    let (mut x, mut y) = (xs.len() as isize - 1, ys.len() as isize - 1);
    while x >= 0 && y >= 0 {
        let i = w * y as usize + x as usize;
        if eq[i] {
            seq.push(&xs[x as usize]);
            x -= 1;
            y -= 1;
        } else {
            let left = if x > 0 { len[i - 1] } else { 0 };
            let up = if y > 0 { len[i - w] } else { 0 };
            if left > up {
                x -= 1;
            } else {
                y -= 1;
            }
        }
    }
    seq.reverse();
    seq
}

fn tuple(c: &Change, types: &[Type], legacy: bool) -> Diff {
    let (before, after) = (elements(&c.before), elements(&c.after));
    let mut current = default_action(c);
    let mut diffs = Vec::new();
    for (ix, ty) in types.iter().enumerate() {
        let d = value(
            &Change::new(element(before, ix), element(after, ix)),
            Shape::of(ty),
            legacy,
        );
        current = combine(current, d.action);
        diffs.push(d);
    }
    Diff {
        kind: Kind::List {
            elements: diffs,
            context: true,
        },
        action: current,
        replace: c.replace,
    }
}

/// A set: each before element paired with an equal after element (unchanged), the rest
/// removed, then the after elements nothing matched added.
fn set(
    c: &Change,
    element_diff: impl Fn(&Change) -> Diff,
    kind: impl FnOnce(Vec<Diff>) -> Kind,
) -> Diff {
    let (diffs, action) = set_elements(c, element_diff);
    Diff {
        kind: kind(diffs),
        action,
        replace: c.replace,
    }
}

fn set_elements(c: &Change, element_diff: impl Fn(&Change) -> Diff) -> (Vec<Diff>, Action) {
    let before = elements(&c.before).unwrap_or_default();
    let after = elements(&c.after).unwrap_or_default();
    let mut matched_after = vec![false; after.len()];
    let mut pairs = Vec::new();
    for b in before {
        let found = (0..after.len()).find(|&j| {
            !matched_after[j]
                && !after[j].contains_unknown()
                && values_equal(b, &after[j])
                && b.is_sensitive() == after[j].is_sensitive()
        });
        if let Some(j) = found {
            matched_after[j] = true;
        }
        pairs.push((Some(b.clone()), found.map(|j| after[j].clone())));
    }
    for (j, a) in after.iter().enumerate() {
        if !matched_after[j] {
            pairs.push((None, Some(a.clone())));
        }
    }
    let mut current = default_action(c);
    let diffs = pairs
        .into_iter()
        .map(|(b, a)| {
            let d = element_diff(&Change::new(b, a));
            current = combine(current, d.action);
            d
        })
        .collect();
    (diffs, current)
}

fn map(c: &Change, element_diff: impl Fn(&Change) -> Diff) -> Diff {
    let (before, after) = (entries(&c.before), entries(&c.after));
    let mut current = default_action(c);
    let mut diffs = BTreeMap::new();
    let keys: std::collections::BTreeSet<&String> = before
        .iter()
        .chain(after.iter())
        .flat_map(|m| m.keys())
        .collect();
    for k in keys {
        let get = |m: Option<&BTreeMap<String, Value>>| m.and_then(|m| m.get(k)).cloned();
        let d = element_diff(&Change::new(get(before), get(after)));
        current = combine(current, d.action);
        diffs.insert(k.clone(), d);
    }
    Diff {
        kind: Kind::Map { elements: diffs },
        action: current,
        replace: c.replace,
    }
}

fn object(c: &Change, types: &BTreeMap<&String, Shape>, legacy: bool) -> Diff {
    let mut current = default_action(c);
    let mut attributes = BTreeMap::new();
    for (name, shape) in types {
        let child = Change::new(
            attribute(&c.before, name, legacy),
            attribute(&c.after, name, legacy),
        );
        let d = value(&child, *shape, legacy);
        if d.action == Action::NoOp && child.before.is_none() && child.after.is_none() {
            continue;
        }
        current = combine(current, d.action);
        attributes.insert((*name).clone(), d);
    }
    Diff {
        kind: Kind::Object { attributes },
        action: current,
        replace: c.replace,
    }
}

/// A dynamic value, diffed as its JSON would be: arrays as lists, maps and objects as
/// objects, and a change of JSON type as old `->` new. Like Terraform, a dynamic value
/// never says `# forces replacement` (only its unknown or sensitive form can).
fn dynamic(c: &Change) -> Diff {
    let c = &Change {
        replace: false,
        ..c.clone()
    };
    #[derive(PartialEq, Clone, Copy)]
    enum Json {
        Null,
        Primitive,
        Array,
        Object,
    }
    let json = |s: &Side| match s.as_ref().map(Value::unmark) {
        None | Some(Value::Null | Value::Unknown) => Json::Null,
        Some(Value::List(_) | Value::Tuple(_) | Value::Set(_)) => Json::Array,
        Some(Value::Map(_) | Value::Object(_)) => Json::Object,
        Some(_) => Json::Primitive,
    };
    let (bt, at) = (json(&c.before), json(&c.after));
    let same_primitive = |c: &Change| {
        // A string becoming a number is a type change too.
        let kind =
            |s: &Side| std::mem::discriminant(s.as_ref().map_or(&Value::Null, Value::unmark));
        bt != Json::Primitive || at != Json::Primitive || kind(&c.before) == kind(&c.after)
    };
    let process = |c: &Change, t: Json| match t {
        Json::Null | Json::Primitive => primitive(c),
        Json::Array => list(c, dynamic_element, true),
        Json::Object => {
            let keys: Vec<String> = entries(&c.before)
                .into_iter()
                .chain(entries(&c.after))
                .flat_map(|m| m.keys().cloned())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            let mut current = default_action(c);
            let mut attributes = BTreeMap::new();
            for k in keys {
                let get = |s: &Side| entries(s).and_then(|m| m.get(&k)).cloned();
                let d = dynamic_element(&Change::new(get(&c.before), get(&c.after)));
                current = combine(current, d.action);
                attributes.insert(k, d);
            }
            Diff {
                kind: Kind::Object { attributes },
                action: current,
                replace: c.replace,
            }
        }
    };
    let created = bt == Json::Null && c.before.is_none();
    let deleted = at == Json::Null && c.after.is_none();
    if (bt == at && same_primitive(c)) || created || deleted {
        return process(c, if bt == Json::Null { at } else { bt });
    }
    Diff {
        kind: Kind::TypeChange {
            before: Box::new(process(&c.as_delete(), bt)),
            after: Box::new(process(&c.as_create(), at)),
        },
        action: Action::Update,
        replace: c.replace,
    }
}

fn dynamic_element(c: &Change) -> Diff {
    value(c, Shape::Dynamic, false)
}

/// Whether a schema uses what the legacy SDK could not express (dynamic, object or tuple
/// attribute types, collections of collections of non-primitives): only legacy schemas
/// get the empty-string-is-null leniency.
fn non_legacy(schema: &BlockSchema) -> bool {
    fn modern(ty: &Type) -> bool {
        match ty {
            Type::Any | Type::Object(_) | Type::Tuple(_) => true,
            Type::List(e) | Type::Set(e) | Type::Map(e) => match &**e {
                Type::Any => true,
                Type::List(inner) | Type::Set(inner) | Type::Map(inner) => {
                    !matches!(**inner, Type::Bool | Type::Number | Type::String)
                }
                _ => false,
            },
            _ => false,
        }
    }
    schema.attributes.values().any(|a| modern(&a.ty))
}

fn block(c: &Change, schema: &BlockSchema, replace: &[String], parent_modern: bool) -> Diff {
    if let Some((action, s)) = check_sensitive(c, |plain| block(plain, schema, &[], parent_modern))
    {
        return Diff {
            kind: Kind::SensitiveBlock(s),
            action,
            replace: c.replace,
        };
    }
    if let Some(d) = check_unknown(c, |before| block(before, schema, &[], parent_modern)) {
        return d;
    }
    let modern = parent_modern || non_legacy(schema);
    let legacy = !modern;
    let mut current = default_action(c);
    let mut out = Block::default();
    for (name, attr) in &schema.attributes {
        if attr.write_only {
            continue;
        }
        let mut child = Change::new(
            attribute(&c.before, name, legacy),
            attribute(&c.after, name, legacy),
        );
        child.replace = replace.contains(name);
        let shape = Shape::of(&attr.ty);
        let d = if attr.sensitive {
            declared_sensitive(&child, |c| value(c, shape, legacy))
        } else {
            value(&child, shape, legacy)
        };
        if d.action == Action::NoOp && child.before.is_none() && child.after.is_none() {
            continue;
        }
        current = combine(current, d.action);
        out.attributes.insert(name.clone(), d);
    }
    for (name, nested) in &schema.blocks {
        let child = Change {
            replace: replace.contains(name),
            ..Change::new(
                attribute(&c.before, name, false),
                attribute(&c.after, name, false),
            )
        };
        let unknown = child.after.as_ref().is_some_and(Value::is_unknown);
        let (plain, before_sensitive, after_sensitive) = {
            let (b, bs) = split_sensitive(&child.before);
            let (a, as_) = split_sensitive(&child.after);
            (
                Change {
                    before: b,
                    after: a,
                    ..child.clone()
                },
                bs,
                as_,
            )
        };
        let each = |c: &Change| block(c, &nested.block, &[], modern);
        let unlabelled = |(diffs, action): (Vec<Diff>, Action)| {
            (diffs.into_iter().map(|d| (None, d)).collect(), action)
        };
        let (diffs, action): (Vec<(Option<String>, Diff)>, Action) = match nested.nesting {
            Nesting::Single | Nesting::Group => {
                let d = each(&plain);
                let action = d.action;
                (vec![(None, d)], action)
            }
            Nesting::List => {
                let (before, after) = (elements(&plain.before), elements(&plain.after));
                let n = before
                    .map_or(0, <[Value]>::len)
                    .max(after.map_or(0, <[Value]>::len));
                let mut current = default_action(&plain);
                let diffs = (0..n)
                    .map(|ix| {
                        let d = each(&Change::new(element(before, ix), element(after, ix)));
                        current = combine(current, d.action);
                        (None, d)
                    })
                    .collect();
                (diffs, current)
            }
            Nesting::Set => unlabelled(set_elements(&plain, each)),
            Nesting::Map => match map(&plain, each) {
                Diff {
                    kind: Kind::Map { elements },
                    action,
                    ..
                } => (
                    elements.into_iter().map(|(k, d)| (Some(k), d)).collect(),
                    action,
                ),
                other => (vec![(None, other.clone())], other.action),
            },
        };
        if action == Action::NoOp && child.before.is_none() && child.after.is_none() && !unknown {
            continue;
        }
        current = combine(current, action);
        out.blocks.insert(
            name.clone(),
            BlockGroup {
                nesting: nested.nesting,
                diffs,
                replace: child.replace,
                before_sensitive,
                after_sensitive,
                unknown,
            },
        );
    }
    // As Terraform: every write-only argument is listed, configured or not, with the
    // block's action (an update does not highlight them).
    for (name, _) in schema.attributes.iter().filter(|(_, a)| a.write_only) {
        let action = if current == Action::Update {
            Action::NoOp
        } else {
            current
        };
        out.attributes.insert(
            name.clone(),
            Diff {
                kind: Kind::WriteOnly,
                action,
                replace: replace.contains(name),
            },
        );
    }
    Diff {
        kind: Kind::Block(out),
        action: current,
        replace: c.replace,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<Value> {
        v.iter().map(|s| Value::string(*s)).collect()
    }

    #[test]
    fn an_insertion_is_one_added_element_between_unchanged_ones() {
        let before = strings(&["l1", "l2", "l3", "l4", "l5"]);
        let after = strings(&["l1", "l2", "l3", "l6", "l4", "l5"]);
        let pairs = slice_pairs(&before, &after);
        assert_eq!(pairs, vec![(0, 0), (1, 1), (2, 2), (5, 3), (3, 4), (4, 5)]);
    }

    #[test]
    fn a_changed_element_of_an_equal_length_list_is_diffed_in_place() {
        let pairs = slice_pairs(&strings(&["x", "dev", "z"]), &strings(&["x", "prod", "z"]));
        assert_eq!(pairs, vec![(0, 0), (1, 1), (2, 2)]);
    }
}
