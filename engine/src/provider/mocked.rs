//! The provider `terrane test` puts in place of a real one: a `mock_provider` block (every
//! object mocked from the real provider's schema, which is never called), or a real
//! provider with `override_resource`/`override_data` targets (only those objects mocked).
//!
//! A mocked object behaves as Terraform's test framework makes it behave: planning keeps
//! the engine's proposal (computed attributes of new objects unknown), applying fills each
//! unknown computed attribute from the override's `values`, else the mock's `defaults`,
//! else a generated value (strings: 8 random lowercase letters and digits, numbers 0,
//! bools false, collections empty, objects attribute by attribute). Data sources are
//! filled the same way in one step.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use rand::Rng;

use super::{
    ApplyRequest, ApplyResponse, BlockSchema, ConfigureRequest, ImportRequest, ImportResponse,
    Nesting, PlanRequest, PlanResponse, Provider, ProviderSchema, ReadDataRequest,
    ReadDataResponse, ReadRequest, ReadResponse, UpgradeResponse,
};
use crate::diag::{Diagnostic, Diagnostics};
use crate::lang::{Type, Value};

/// Chosen values by resource type (`mock_resource` defaults) and by address (overrides).
#[derive(Debug, Clone, Default)]
pub struct MockValues {
    pub resources: BTreeMap<String, Value>,
    pub data: BTreeMap<String, Value>,
    /// `override_resource` and `override_data` values by target address as written
    /// (`aws_vpc.main`, `aws_subnet.a[0]`, `data.aws_ami.x`, `module.net.aws_vpc.this`).
    pub overrides: BTreeMap<String, Value>,
}

impl MockValues {
    /// The override for an instance address: the instance itself, else its resource.
    fn override_for(&self, address: &str) -> Option<&Value> {
        self.overrides
            .get(address)
            .or_else(|| self.overrides.get(without_index(address)))
    }
}

/// `aws_subnet.a[0]` -> `aws_subnet.a`; `module.m["x"].aws_vpc.v` keeps the module key.
fn without_index(address: &str) -> &str {
    match address.rfind('[') {
        Some(i) if address.ends_with(']') && !address[i..].contains('.') => &address[..i],
        _ => address,
    }
}

pub struct MockedProvider {
    source: String,
    schema: ProviderSchema,
    /// `None` for a mock provider; a real provider when only overridden objects are mocked.
    inner: Option<Arc<dyn Provider>>,
    values: MockValues,
}

impl MockedProvider {
    /// A mock provider: `real`'s schema, never its calls.
    pub fn mock(real: &dyn Provider, values: MockValues) -> MockedProvider {
        MockedProvider {
            source: real.source().to_string(),
            schema: real.schema().clone(),
            inner: None,
            values,
        }
    }

    /// `real` with the objects `values.overrides` names mocked.
    pub fn overriding(real: Arc<dyn Provider>, values: MockValues) -> MockedProvider {
        MockedProvider {
            source: real.source().to_string(),
            schema: real.schema().clone(),
            inner: Some(real),
            values,
        }
    }

    /// The real provider to call for the object at `address`, if it is not mocked.
    /// Answers `reqs` in request order: `mocked` for mocked objects, and the real provider,
    /// if any, for the rest in one batch.
    async fn split<R, F, Fut>(
        &self,
        reqs: Vec<ReadRequest>,
        mocked: impl Fn(ReadRequest) -> R,
        real: F,
    ) -> Vec<R>
    where
        F: FnOnce(Arc<dyn Provider>, Vec<ReadRequest>) -> Fut,
        Fut: std::future::Future<Output = Vec<R>>,
    {
        let mut out: Vec<Option<R>> = Vec::with_capacity(reqs.len());
        let mut batch = Vec::new();
        let mut slots = Vec::new();
        for r in reqs {
            if self.real_for(&r.address).is_some() {
                slots.push(out.len());
                out.push(None);
                batch.push(r);
            } else {
                out.push(Some(mocked(r)));
            }
        }
        if let (Some(p), false) = (&self.inner, batch.is_empty()) {
            for (slot, resp) in slots.into_iter().zip(real(p.clone(), batch).await) {
                out[slot] = Some(resp);
            }
        }
        out.into_iter().flatten().collect()
    }

    fn real_for(&self, address: &str) -> Option<&Arc<dyn Provider>> {
        match &self.inner {
            Some(p) if self.values.override_for(address).is_none() => Some(p),
            _ => None,
        }
    }

    fn chosen(&self, address: &str, defaults: &BTreeMap<String, Value>, ty: &str) -> Value {
        self.values
            .override_for(address)
            .or_else(|| defaults.get(ty))
            .cloned()
            .unwrap_or(Value::Null)
    }
}

#[async_trait]
impl Provider for MockedProvider {
    fn source(&self) -> &str {
        &self.source
    }

    fn schema(&self) -> &ProviderSchema {
        &self.schema
    }

    async fn configure(&self, req: ConfigureRequest) -> Diagnostics {
        match &self.inner {
            Some(p) => p.configure(req).await,
            None => Diagnostics::new(),
        }
    }

    async fn read(&self, reqs: Vec<ReadRequest>) -> Vec<ReadResponse> {
        // A mocked object is what state says it is.
        self.split(
            reqs,
            |r| ReadResponse {
                private: None,
                new_state: Some(r.current),
                diagnostics: Diagnostics::new(),
            },
            |p, real| async move { p.read(real).await },
        )
        .await
    }

    fn upgrades_stored(&self) -> bool {
        self.inner.as_ref().is_some_and(|p| p.upgrades_stored())
    }

    async fn upgrade(&self, reqs: Vec<ReadRequest>) -> Vec<UpgradeResponse> {
        self.split(
            reqs,
            |r| UpgradeResponse {
                state: r.current,
                diagnostics: Diagnostics::new(),
            },
            |p, real| async move { p.upgrade(real).await },
        )
        .await
    }

    async fn plan(&self, req: PlanRequest) -> PlanResponse {
        if let Some(p) = self.real_for(&req.address) {
            return p.plan(req).await;
        }
        PlanResponse {
            planned: req.proposed,
            requires_replace: Vec::new(),
            private: None,
            diagnostics: Diagnostics::new(),
        }
    }

    async fn plan_destroy(&self, req: PlanRequest) -> PlanResponse {
        match self.real_for(&req.address) {
            Some(p) => p.plan_destroy(req).await,
            None => PlanResponse {
                planned: Value::Null,
                requires_replace: Vec::new(),
                private: req.private,
                diagnostics: Diagnostics::new(),
            },
        }
    }

    async fn apply(&self, req: ApplyRequest) -> ApplyResponse {
        if let Some(p) = self.real_for(&req.address) {
            return p.apply(req).await;
        }
        let new_state = req.planned.map(|planned| {
            let chosen = self.chosen(&req.address, &self.values.resources, &req.type_name);
            match self.schema.resources.get(&req.type_name) {
                Some(s) => fill(&s.block, &planned, &chosen, Value::is_unknown),
                None => planned,
            }
        });
        ApplyResponse {
            new_state,
            private: req.private,
            legacy_type_system: false,
            diagnostics: Diagnostics::new(),
        }
    }

    async fn import(&self, req: ImportRequest) -> ImportResponse {
        let mut diagnostics = Diagnostics::new();
        diagnostics.push(
            Diagnostic::error("Cannot import into a mocked provider").detail(format!(
                "{} {:?} cannot be imported in a test: a mocked provider has no objects to read.",
                req.type_name, req.id
            )),
        );
        ImportResponse {
            state: None,
            private: None,
            diagnostics,
        }
    }

    async fn read_data(&self, req: ReadDataRequest) -> ReadDataResponse {
        if let Some(p) = self.real_for(&req.address) {
            return p.read_data(req).await;
        }
        let chosen = self.chosen(&req.address, &self.values.data, &req.type_name);
        let state = match self.schema.data_sources.get(&req.type_name) {
            Some(s) => fill(&s.block, &req.config, &chosen, |v| {
                v.is_null() || v.is_unknown()
            }),
            None => req.config,
        };
        ReadDataResponse {
            state,
            diagnostics: Diagnostics::new(),
        }
    }
}

/// `value` (an object of `schema`) with every computed attribute that `missing` selects
/// replaced by its chosen value or a generated one; nested blocks are filled the same way.
/// Whatever is still unknown afterwards (nothing a valid plan leaves) becomes null, so the
/// result is a whole object as a provider's answer must be.
fn fill(schema: &BlockSchema, value: &Value, chosen: &Value, missing: fn(&Value) -> bool) -> Value {
    let Value::Object(attrs) = value.unmark() else {
        return value.clone();
    };
    let mut out = attrs.clone();
    for (name, a) in &schema.attributes {
        let current = attrs.get(name).cloned().unwrap_or(Value::Null);
        if a.computed && missing(&current) {
            let v = match chosen.get_attr(name) {
                Some(v) => crate::lang::convert(v, &a.ty).unwrap_or_else(|_| v.clone()),
                None => generate(&a.ty),
            };
            out.insert(name.clone(), v);
        } else if current.contains_unknown() {
            out.insert(name.clone(), known(&current));
        }
    }
    for (name, nb) in &schema.blocks {
        let Some(current) = attrs.get(name) else {
            continue;
        };
        let inner = chosen.get_attr(name).cloned().unwrap_or(Value::Null);
        let each = |v: &Value| fill(&nb.block, v, &inner, missing);
        let filled = match (nb.nesting, current.unmark()) {
            (Nesting::Single | Nesting::Group, v) if !v.is_null() => each(v),
            (Nesting::Map, Value::Map(items)) => {
                Value::Map(items.iter().map(|(k, v)| (k.clone(), each(v))).collect())
            }
            (Nesting::List, Value::List(items)) => Value::List(items.iter().map(each).collect()),
            (Nesting::Set, Value::Set(items)) => Value::set(items.iter().map(each).collect()),
            (_, v) => known(v),
        };
        out.insert(name.clone(), filled);
    }
    Value::Object(out)
}

/// Unknown parts replaced by null.
fn known(v: &Value) -> Value {
    match v {
        Value::Unknown => Value::Null,
        Value::List(items) => Value::List(items.iter().map(known).collect()),
        Value::Tuple(items) => Value::Tuple(items.iter().map(known).collect()),
        Value::Set(items) => Value::set(items.iter().map(known).collect()),
        Value::Map(m) => Value::Map(m.iter().map(|(k, v)| (k.clone(), known(v))).collect()),
        Value::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), known(v))).collect()),
        Value::Sensitive(inner) => Value::Sensitive(Box::new(known(inner))),
        other => other.clone(),
    }
}

/// A value of type `ty` for a computed attribute nothing chose, as Terraform's test
/// framework generates one.
pub fn generate(ty: &Type) -> Value {
    match ty {
        Type::String => Value::String(random_string(8)),
        Type::Number => Value::number(0),
        Type::Bool => Value::Bool(false),
        Type::List(_) => Value::List(Vec::new()),
        Type::Set(_) => Value::Set(Vec::new()),
        Type::Map(_) => Value::Map(BTreeMap::new()),
        Type::Tuple(items) => Value::Tuple(items.iter().map(generate).collect()),
        Type::Object(attrs) => Value::Object(
            attrs
                .iter()
                .map(|(k, a)| (k.clone(), generate(&a.ty)))
                .collect(),
        ),
        // No value is certain to suit a dynamic attribute; Terraform leaves it null.
        Type::Any => Value::Null,
    }
}

fn random_string(n: usize) -> String {
    const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..n)
        .map(|_| CHARS[rng.random_range(0..CHARS.len())] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::AttributeSchema;

    fn schema() -> BlockSchema {
        let mut s = BlockSchema::default();
        s.attributes
            .insert("id".into(), AttributeSchema::computed(Type::String));
        s.attributes
            .insert("cidr_block".into(), AttributeSchema::required(Type::String));
        s.attributes
            .insert("arn".into(), AttributeSchema::computed(Type::String));
        s.attributes.insert(
            "enable_dns".into(),
            AttributeSchema::optional_computed(Type::Bool),
        );
        s
    }

    #[test]
    fn unknown_computed_attributes_get_chosen_or_generated_values() {
        let planned = Value::object([
            ("id", Value::Unknown),
            ("cidr_block", Value::string("10.0.0.0/16")),
            ("arn", Value::Unknown),
            ("enable_dns", Value::Unknown),
        ]);
        let chosen = Value::object([("arn", Value::string("arn:aws:ec2:vpc/x"))]);
        let v = fill(&schema(), &planned, &chosen, Value::is_unknown);
        let id = v.get_attr("id").and_then(Value::as_str).unwrap();
        assert_eq!(id.len(), 8);
        assert!(id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
        assert_eq!(v.get_attr("arn"), Some(&Value::string("arn:aws:ec2:vpc/x")));
        assert_eq!(v.get_attr("enable_dns"), Some(&Value::Bool(false)));
        assert_eq!(
            v.get_attr("cidr_block"),
            Some(&Value::string("10.0.0.0/16"))
        );
    }

    #[test]
    fn overrides_match_instances_and_their_resource() {
        let mut values = MockValues::default();
        values.overrides.insert(
            "aws_subnet.a".into(),
            Value::object([("id", Value::string("s"))]),
        );
        assert!(values.override_for("aws_subnet.a[1]").is_some());
        assert!(values.override_for("aws_subnet.b").is_none());
        assert_eq!(
            without_index("module.m[\"x\"].aws_vpc.v"),
            "module.m[\"x\"].aws_vpc.v"
        );
    }
}
