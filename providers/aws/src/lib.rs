//! The AWS provider: `aws_*` resources and data sources over the AWS SDK for Rust, behind
//! the engine's [`Provider`] trait. `resource` holds the generic machinery (batched reads,
//! tags, timeouts, waiters, validation, error reporting); one module per service holds the
//! resource types (`ec2/vpc.rs`, `ec2/subnet.rs`, ...).
//!
//! An `AwsProvider` is cheap to create and is configured independently, so each
//! `provider "aws" { alias = ... }` block can have an instance of its own.

pub mod acm;
pub mod asg;
pub mod autoscaling;
pub mod clients;
pub mod cognito;
pub mod config;
pub mod data;
pub mod ds;
pub mod dynamodb;
pub mod ec2;
pub mod ecr;
pub mod ecs;
pub mod elasticache;
pub mod elbv2;
pub mod ephemeral;
pub mod error;
pub mod iam;
pub mod kms;
pub mod lambda;
pub mod logs;
pub mod rds;
pub mod redshift;
pub mod region;
pub mod resource;
pub mod route53;
pub mod s3;
pub mod schema;
pub mod secret_rotation;
pub mod secrets;
pub mod servicediscovery;
pub mod ssm;
pub mod table;
pub mod val;
pub mod wafv2;

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use terrane_engine::diag::{Diagnostic, Diagnostics};
use terrane_engine::lang::Value;
use terrane_engine::provider::*;

use crate::clients::{CallCounts, Clients};
use crate::data::AwsDataSource;
use crate::region::Regions;
use crate::resource::{full_schema, tags_all, tags_from_all, timeout_for, AwsResource, Tagging};
use crate::val::Obj;

/// The release of the Terraform AWS provider whose resources, arguments and state layout
/// terrane's provider follows: `required_providers` constraints on hashicorp/aws are
/// checked against it.
pub const COMPATIBLE_VERSION: &str = "6.67.0";

pub struct AwsProvider {
    schema: ProviderSchema,
    resources: BTreeMap<&'static str, Box<dyn AwsResource>>,
    data_sources: BTreeMap<&'static str, Box<dyn AwsDataSource>>,
    /// Ephemeral resources: read like data sources, never stored.
    ephemerals: BTreeMap<&'static str, Box<dyn AwsDataSource>>,
    /// Set by `configure`: the clients of each region, or why they could not be built.
    clients: RwLock<Option<Result<Arc<Regions>, Diagnostic>>>,
    counts: Arc<CallCounts>,
}

impl Default for AwsProvider {
    fn default() -> Self {
        Self::new()
    }
}

impl AwsProvider {
    pub fn new() -> AwsProvider {
        let resources: BTreeMap<&'static str, Box<dyn AwsResource>> = ec2::resources()
            .into_iter()
            .chain(iam::resources())
            .chain(elbv2::resources())
            .chain(logs::resources())
            .chain(rds::resources())
            .chain(secrets::resources())
            .chain(ecs::resources())
            .chain(autoscaling::resources())
            .chain(s3::resources())
            .chain(dynamodb::resources())
            .chain(elasticache::resources())
            .chain(redshift::resources())
            .chain(kms::resources())
            .chain(ssm::resources())
            .chain(ecr::resources())
            .chain(route53::resources())
            .chain(acm::resources())
            .chain(lambda::resources())
            .chain(servicediscovery::resources())
            .chain(wafv2::resources())
            .chain(asg::resources())
            .chain(cognito::resources())
            .chain(ds::resources())
            .chain(secret_rotation::resources())
            .map(|r| (r.type_name(), r))
            .collect();
        let data_sources: BTreeMap<&'static str, Box<dyn AwsDataSource>> = data::all()
            .into_iter()
            .chain(elbv2::data_sources())
            .chain(ssm::data_sources())
            .chain([Box::new(route53::data::ZoneData) as Box<dyn AwsDataSource>])
            .map(|d| (d.type_name(), d))
            .collect();
        let ephemerals: BTreeMap<&'static str, Box<dyn AwsDataSource>> = ephemeral::all()
            .into_iter()
            .map(|d| (d.type_name(), d))
            .collect();
        let read_schemas = |m: &BTreeMap<&'static str, Box<dyn AwsDataSource>>| {
            m.iter()
                .map(|(n, d)| {
                    (
                        n.to_string(),
                        ResourceSchema {
                            version: 0,
                            block: data::full_schema(d.as_ref()),
                        },
                    )
                })
                .collect()
        };
        let schema = ProviderSchema {
            provider: config::provider_schema(),
            resources: resources
                .iter()
                .map(|(n, r)| {
                    (
                        n.to_string(),
                        ResourceSchema {
                            version: 0,
                            block: full_schema(r.as_ref()),
                        },
                    )
                })
                .collect(),
            data_sources: read_schemas(&data_sources),
            ephemeral_resources: read_schemas(&ephemerals),
            actions: BTreeMap::new(),
        };
        AwsProvider {
            schema,
            resources,
            data_sources,
            ephemerals,
            clients: RwLock::new(None),
            counts: Arc::new(CallCounts::default()),
        }
    }

    /// Reads a data source or opens an ephemeral resource (`kind` says which, for
    /// messages) of `type_name` from `types`: the object with `region` set where the
    /// type is regional, or null and the error.
    async fn read_with(
        &self,
        types: &BTreeMap<&'static str, Box<dyn AwsDataSource>>,
        kind: &str,
        type_name: &str,
        config: &Value,
    ) -> (Value, Diagnostics) {
        let Some(d) = types.get(type_name) else {
            let e = Diagnostic::error(format!("The AWS provider has no {kind} {type_name:?}"));
            return (Value::Null, e.into());
        };
        let c = match self.clients_for(d.regional(), config).await {
            Ok(c) => c,
            Err(e) => return (Value::Null, e),
        };
        match d.read(&c, config).await {
            Ok(mut v) => {
                if d.regional() {
                    val::set_attr(&mut v, region::REGION, Value::string(&c.region));
                }
                (v, Diagnostics::new())
            }
            Err(e) => {
                let e = e.to_diagnostic(&format!("reading {kind}"), d.type_name());
                (Value::Null, e.into())
            }
        }
    }

    fn regions(&self) -> Result<Arc<Regions>, Diagnostics> {
        let g = self
            .clients
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match &*g {
            Some(Ok(r)) => Ok(Arc::clone(r)),
            Some(Err(d)) => Err(d.clone().into()),
            None => Err(Diagnostic::error("The AWS provider is not configured")
                .detail("terrane called the AWS provider before configuring it; this is a bug in terrane.")
                .into()),
        }
    }

    /// The clients for an object: those of its `region` when the type is regional.
    async fn clients_for(&self, regional: bool, obj: &Value) -> Result<Arc<Clients>, Diagnostics> {
        let regions = self.regions()?;
        let region = if regional { region::of(obj) } else { None };
        Ok(regions.get(region).await?)
    }

    fn resource(&self, ty: &str) -> Result<&dyn AwsResource, Diagnostics> {
        self.resources.get(ty).map(AsRef::as_ref).ok_or_else(|| {
            Diagnostic::error(format!("The AWS provider has no resource type {ty:?}")).into()
        })
    }

    async fn read_type(
        &self,
        c: &Clients,
        r: &dyn AwsResource,
        current: &[Value],
    ) -> Result<Vec<Option<Value>>, Diagnostics> {
        let got = r
            .read(c, current)
            .await
            .map_err(|e| Diagnostics::from(e.to_diagnostic("reading", r.type_name())))?;
        let schema = self.schema.resources.get(r.type_name()).map(|s| &s.block);
        got.into_iter()
            .zip(current)
            .map(|(v, cur)| {
                let Some(mut v) = v else { return Ok(None) };
                if r.regional() {
                    val::set_attr(&mut v, region::REGION, Value::string(&c.region));
                }
                if let Some(schema) = schema {
                    resource::check_read_keys(r.type_name(), schema, &v)?;
                }
                Ok(Some(finish_tags(c, r, v, cur.get_attr("tags"))))
            })
            .collect()
    }

    async fn read_one(
        &self,
        c: &Clients,
        r: &dyn AwsResource,
        stub: &Value,
    ) -> Result<Option<Value>, Diagnostics> {
        Ok(self
            .read_type(c, r, std::slice::from_ref(stub))
            .await?
            .into_iter()
            .next()
            .flatten())
    }

    async fn do_apply(&self, req: ApplyRequest) -> ApplyResponse {
        let fail = |d: Diagnostics| ApplyResponse {
            new_state: None,
            private: None,
            legacy_type_system: false,
            diagnostics: d,
        };
        let r = match self.resource(&req.type_name) {
            Ok(r) => r,
            Err(d) => return fail(d),
        };
        let Some(obj) = req.planned.as_ref().or(req.prior.as_ref()) else {
            return fail(Diagnostics::new());
        };
        let c = match self.clients_for(r.regional(), obj).await {
            Ok(c) => c,
            Err(d) => return fail(d),
        };
        let ty = r.type_name();
        // Write-only arguments are never planned: the type sees them from the configuration.
        let planned = req
            .planned
            .map(|p| with_write_only(&r.schema(), p, &req.config));
        match (req.prior, planned) {
            (Some(prior), None) => {
                let t = match timeout_for(r, &prior, "delete") {
                    Ok(t) => t,
                    Err(e) => return fail(Diagnostic::error(e).into()),
                };
                match r.delete(&c, &prior, t).await {
                    Ok(()) => fail(Diagnostics::new()),
                    Err(e) if e.is_not_found() => fail(Diagnostics::new()),
                    Err(e) => ApplyResponse {
                        new_state: Some(prior),
                        private: None,
                        legacy_type_system: false,
                        diagnostics: e.to_diagnostic("deleting", ty).into(),
                    },
                }
            }
            (None, Some(planned)) => {
                let mut diags = Diagnostics::new();
                r.validate(&planned, &mut diags);
                if diags.has_errors() {
                    return fail(diags);
                }
                let t = match timeout_for(r, &planned, "create") {
                    Ok(t) => t,
                    Err(e) => return fail(Diagnostic::error(e).into()),
                };
                let (id, err) = match r.create(&c, &planned, t).await {
                    Ok(id) => (id, None),
                    Err(f) => match f.id {
                        Some(id) => (id, Some(f.error)),
                        None => return fail(f.error.to_diagnostic("creating", ty).into()),
                    },
                };
                let mut stub = planned.clone();
                val::set_attr(&mut stub, "id", Value::string(&id));
                let mut resp = self.finish(&c, r, &stub, &planned, "creating").await;
                if let Some(e) = err {
                    resp.diagnostics.push(e.to_diagnostic("creating", ty));
                }
                resp
            }
            (Some(prior), Some(planned)) => {
                let t = match timeout_for(r, &planned, "update") {
                    Ok(t) => t,
                    Err(e) => return fail(Diagnostic::error(e).into()),
                };
                let new_id = match r.update(&c, &prior, &planned, t).await {
                    Ok(id) => id,
                    Err(e) => {
                        return ApplyResponse {
                            new_state: Some(prior),
                            private: None,
                            legacy_type_system: false,
                            diagnostics: e.to_diagnostic("updating", ty).into(),
                        }
                    }
                };
                if val::changed(&prior, &planned, "tags_all") {
                    let id = new_id
                        .as_deref()
                        .or(val::str_attr(&prior, "id"))
                        .unwrap_or_default();
                    let updated = match r.tagging() {
                        Tagging::Ec2 => {
                            let old = val::string_map(&prior, "tags_all");
                            let new = val::string_map(&planned, "tags_all");
                            ec2::tags::update(&c, id, &old, &new).await
                        }
                        Tagging::Own => resource::update_own_tags(r, &c, &prior, &planned).await,
                        Tagging::None => Ok(()),
                    };
                    if let Err(e) = updated {
                        return ApplyResponse {
                            new_state: Some(prior),
                            private: None,
                            legacy_type_system: false,
                            diagnostics: e.to_diagnostic("updating tags of", ty).into(),
                        };
                    }
                }
                // Read back from the planned object: it carries the new arguments (a
                // replaced association ID arrives as unknown and is re-read by the type).
                let mut stub = planned.clone();
                if let Some(id) = new_id {
                    val::set_attr(&mut stub, "id", Value::string(id));
                } else if stub.get_attr("id").is_none_or(Value::is_unknown) {
                    val::set_attr(
                        &mut stub,
                        "id",
                        prior.get_attr("id").cloned().unwrap_or_default(),
                    );
                }
                self.finish(&c, r, &stub, &planned, "updating").await
            }
            (None, None) => fail(Diagnostics::new()),
        }
    }

    /// Reads the object back after a create or update.
    async fn finish(
        &self,
        c: &Clients,
        r: &dyn AwsResource,
        stub: &Value,
        planned: &Value,
        action: &str,
    ) -> ApplyResponse {
        match self.read_one(c, r, stub).await {
            Ok(Some(v)) => ApplyResponse {
                new_state: Some(v),
                private: None,
                legacy_type_system: false,
                diagnostics: Diagnostics::new(),
            },
            Ok(None) => ApplyResponse {
                new_state: None,
                private: None,
                legacy_type_system: false,
                diagnostics: Diagnostic::error(format!(
                    "{action} {}: the object was not found right after the operation",
                    r.type_name()
                ))
                .detail(format!(
                    "AWS no longer reports {} {:?}.",
                    r.type_name(),
                    val::str_attr(stub, "id").unwrap_or_default()
                ))
                .into(),
            },
            Err(d) => {
                // The object exists: keep what we know rather than forget it.
                let mut known = planned.clone();
                if let Some(id) = stub.get_attr("id") {
                    val::set_attr(&mut known, "id", id.clone());
                }
                ApplyResponse {
                    new_state: (!known.contains_unknown()).then_some(known),
                    private: None,
                    legacy_type_system: false,
                    diagnostics: d,
                }
            }
        }
    }
}

/// Derives `tags` from the `tags_all` a read produced.
fn finish_tags(c: &Clients, r: &dyn AwsResource, v: Value, prior_tags: Option<&Value>) -> Value {
    if r.tagging() == Tagging::None {
        return v;
    }
    let all = val::string_map(&v, "tags_all");
    let tags = tags_from_all(&c.default_tags, &all, prior_tags.unwrap_or(&Value::Null));
    let mut v = v;
    val::set_attr(&mut v, "tags", tags);
    v
}

/// An object of the schema with every attribute null and every block empty.
fn empty_object(s: &BlockSchema) -> Obj {
    let mut o = Obj(BTreeMap::new());
    for k in s.attributes.keys() {
        o.set(k, Value::Null);
    }
    for (k, b) in &s.blocks {
        o.set(k, b.empty_value());
    }
    o
}

#[async_trait]
impl Provider for AwsProvider {
    fn source(&self) -> &str {
        "registry.terraform.io/hashicorp/aws"
    }

    fn schema(&self) -> &ProviderSchema {
        &self.schema
    }

    async fn configure(&self, req: ConfigureRequest) -> Diagnostics {
        let result = config::build(&req.config, &self.counts).await.map(|c| {
            Arc::new(Regions::new(
                c,
                req.config.clone(),
                Arc::clone(&self.counts),
            ))
        });
        let mut diags = Diagnostics::new();
        // Without a provider block the configuration may not use AWS at all (the engine
        // configures every provider), so the error waits until AWS is actually used.
        if let Err(d) = &result {
            if !req.config.is_null() {
                diags.push(d.clone());
            }
        }
        *self
            .clients
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(result);
        diags
    }

    async fn read(&self, reqs: Vec<ReadRequest>) -> Vec<ReadResponse> {
        let n = reqs.len();
        let mut out: Vec<Option<ReadResponse>> = (0..n).map(|_| None).collect();
        // One batch per type and region: a Describe answers for one region.
        let mut batches: BTreeMap<(String, Option<String>), Vec<(usize, Value)>> = BTreeMap::new();
        for (i, r) in reqs.into_iter().enumerate() {
            let regional = self
                .resources
                .get(r.type_name.as_str())
                .is_some_and(|t| t.regional());
            let region = regional
                .then(|| region::of(&r.current).map(str::to_string))
                .flatten();
            batches
                .entry((r.type_name, region))
                .or_default()
                .push((i, r.current));
        }
        let regions = self.regions();
        let jobs = batches.into_iter().map(|((ty, region), items)| {
            let regions = regions.clone();
            async move {
                let (idx, current): (Vec<usize>, Vec<Value>) = items.into_iter().unzip();
                let res = match (regions, self.resource(&ty)) {
                    (Ok(regions), Ok(r)) => match regions.get(region.as_deref()).await {
                        Ok(c) => self.read_type(&c, r, &current).await,
                        Err(d) => Err(d.into()),
                    },
                    (Err(d), _) | (_, Err(d)) => Err(d),
                };
                (idx, res)
            }
        });
        for (idx, res) in futures::future::join_all(jobs).await {
            match res {
                Ok(vals) => {
                    for (i, v) in idx.into_iter().zip(vals) {
                        out[i] = Some(ReadResponse {
                            private: None,
                            new_state: v,
                            diagnostics: Diagnostics::new(),
                        });
                    }
                }
                Err(d) => {
                    for i in idx {
                        out[i] = Some(ReadResponse {
                            private: None,
                            new_state: None,
                            diagnostics: d.clone(),
                        });
                    }
                }
            }
        }
        out.into_iter()
            .map(|r| {
                r.unwrap_or_else(|| ReadResponse {
                    private: None,
                    new_state: None,
                    diagnostics: Diagnostic::error("internal error: a read request got no answer")
                        .into(),
                })
            })
            .collect()
    }

    async fn plan(&self, req: PlanRequest) -> PlanResponse {
        let fail = |d: Diagnostics, planned: Value| PlanResponse {
            planned,
            requires_replace: Vec::new(),
            private: None,
            diagnostics: d,
        };
        let (regions, r) = match (self.regions(), self.resource(&req.type_name)) {
            (Ok(c), Ok(r)) => (c, r),
            (Err(d), _) | (_, Err(d)) => return fail(d, req.proposed),
        };
        let c = &regions.default;
        let mut diags = Diagnostics::new();
        r.validate(&req.config, &mut diags);
        for op in ["create", "update", "delete"] {
            if let Err(e) = timeout_for(r, &req.config, op) {
                resource::invalid(&mut diags, "timeouts", e);
            }
        }
        if diags.has_errors() {
            return fail(diags, req.proposed);
        }
        let mut planned = req.proposed;
        if r.tagging() != Tagging::None {
            let tags = planned.get_attr("tags").cloned().unwrap_or_default();
            val::set_attr(&mut planned, "tags_all", tags_all(&c.default_tags, &tags));
        }
        if let Some(t) = r.table() {
            t.normalise_plan(req.prior.as_ref(), &mut planned);
        }
        let mut extra = r.plan(req.prior.as_ref(), &req.config, &mut planned);
        if r.regional() && region::plan(req.prior.as_ref(), &mut planned, &c.region) {
            extra.requires_replace.push(region::REGION.to_string());
        }
        diags.extend(extra.diagnostics);
        PlanResponse {
            planned,
            requires_replace: extra.requires_replace,
            private: None,
            diagnostics: diags,
        }
    }

    async fn apply(&self, req: ApplyRequest) -> ApplyResponse {
        self.do_apply(req).await
    }

    async fn import(&self, req: ImportRequest) -> ImportResponse {
        let fail = |d: Diagnostics| ImportResponse {
            state: None,
            private: None,
            diagnostics: d,
        };
        let r = match self.resource(&req.type_name) {
            Ok(r) => r,
            Err(d) => return fail(d),
        };
        let mut stub = empty_object(&full_schema(r));
        let (id, region) = match r.regional() {
            true => region::split_import_id(&req.id),
            false => (req.id.as_str(), None),
        };
        if let Some(region) = region {
            stub.set(region::REGION, Value::string(region));
        }
        let c = match self
            .clients_for(r.regional(), &Value::Object(stub.0.clone()))
            .await
        {
            Ok(c) => c,
            Err(d) => return fail(d),
        };
        if let Err(e) = r.import_stub(id, &mut stub) {
            return fail(
                Diagnostic::error(format!("Invalid import ID for {}", r.type_name()))
                    .detail(e)
                    .into(),
            );
        }
        match self.read_one(&c, r, &stub.done()).await {
            Ok(Some(v)) => ImportResponse {
                state: Some(v),
                private: None,
                diagnostics: Diagnostics::new(),
            },
            Ok(None) => fail(
                Diagnostic::error("Cannot import non-existent remote object")
                    .detail(format!(
                        "While attempting to import an existing object to {}, the provider detected that no object exists with the given id {:?}. Only pre-existing objects can be imported; check that the id is correct and that it is associated with the provider's configured region or endpoint, or use \"terrane apply\" to create a new remote object for this resource.",
                        r.type_name(),
                        req.id
                    ))
                    .into(),
            ),
            Err(d) => fail(d),
        }
    }

    async fn read_data(&self, req: ReadDataRequest) -> ReadDataResponse {
        let (state, diagnostics) = self
            .read_with(
                &self.data_sources,
                "data source",
                &req.type_name,
                &req.config,
            )
            .await;
        ReadDataResponse { state, diagnostics }
    }

    async fn open_ephemeral(&self, req: OpenEphemeralRequest) -> OpenEphemeralResponse {
        let (result, diagnostics) = self
            .read_with(
                &self.ephemerals,
                "ephemeral resource",
                &req.type_name,
                &req.config,
            )
            .await;
        OpenEphemeralResponse {
            result,
            private: None,
            renew_at: None,
            diagnostics,
        }
    }

    fn api_call_counts(&self) -> BTreeMap<String, u64> {
        self.counts.snapshot()
    }

    fn identity(&self, type_name: &str, planned: &Value) -> Option<Identity> {
        let r = self.resources.get(type_name)?;
        let mut identity = r.identity(planned)?;
        if r.regional() {
            if let Some(region) = region::of(planned) {
                identity
                    .0
                    .insert(region::REGION.to_string(), region.to_string());
            }
        }
        Some(identity)
    }

    async fn find_by_identity(
        &self,
        type_name: &str,
        identity: &Identity,
    ) -> Result<Option<Value>, Diagnostics> {
        let r = self.resource(type_name)?;
        let mut stub = empty_object(&full_schema(r));
        if let Some(region) = identity.get(region::REGION).filter(|_| r.regional()) {
            stub.set(region::REGION, Value::string(region));
        }
        let c = self
            .clients_for(r.regional(), &Value::Object(stub.0.clone()))
            .await?;
        let found = r
            .find(&c, identity)
            .await
            .map_err(|e| Diagnostics::from(e.to_diagnostic("finding", r.type_name())))?;
        let Some(id) = found else {
            return Ok(None);
        };
        r.import_stub(&id, &mut stub).map_err(|e| {
            Diagnostics::from(
                Diagnostic::error(format!("Invalid ID for {}", r.type_name())).detail(e),
            )
        })?;
        self.read_one(&c, r, &stub.done()).await
    }

    fn check_destroy(&self, type_name: &str, prior: &Value) -> Diagnostics {
        self.resources
            .get(type_name)
            .and_then(|r| r.refuse_destroy(prior))
            .into_iter()
            .collect()
    }
}

/// `planned` with the configured values of the schema's write-only arguments, which the
/// engine keeps out of every plan and state.
fn with_write_only(schema: &BlockSchema, mut planned: Value, config: &Value) -> Value {
    for (name, attr) in &schema.attributes {
        if attr.write_only {
            if let Some(v) = config.get_attr(name) {
                val::set_attr(&mut planned, name, v.clone());
            }
        }
    }
    planned
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// Attributes a read leaves to the framework: `region` (the clients'), `tags`
    /// (derived from `tags_all`) and `timeouts` (configuration only).
    const FRAMEWORK_KEPT: &[&str] = &["region", "tags", "timeouts"];

    #[test]
    fn every_table_reads_exactly_its_schema() {
        let p = AwsProvider::new();
        let mut tables = 0;
        for (ty, r) in &p.resources {
            let Some(t) = r.table() else { continue };
            tables += 1;
            let s = &p.schema.resources[*ty].block;
            let wanted: BTreeSet<String> = s
                .attributes
                .keys()
                .chain(s.blocks.keys())
                .filter(|k| !FRAMEWORK_KEPT.contains(&k.as_str()))
                .cloned()
                .collect();
            assert_eq!(t.sample_read_keys(), wanted, "{ty}");
        }
        assert!(tables >= 3, "only {tables} resource types are tables");
    }

    /// The resource types crash recovery cannot look up (see `AwsResource::identity`), as
    /// docs/RELIABILITY.md lists them: found by planning every string argument set and
    /// asking each type for the identity of that object.
    #[test]
    fn reliability_lists_exactly_the_types_recovery_cannot_find() {
        let p = AwsProvider::new();
        let mut without: Vec<&str> = Vec::new();
        for (ty, r) in &p.resources {
            let schema = full_schema(r.as_ref());
            let mut planned = empty_object(&schema);
            for (name, attr) in &schema.attributes {
                if attr.ty == terrane_engine::lang::Type::String && name != "name_prefix" {
                    planned.set(name, Value::string(format!("{name}-1")));
                }
            }
            if p.identity(ty, &Value::Object(planned.0)).is_none() {
                without.push(ty);
            }
        }
        let doc = include_str!("../../../docs/RELIABILITY.md");
        let listed: Vec<&str> = doc
            .split("<!-- no-identity -->")
            .nth(1)
            .expect("docs/RELIABILITY.md marks its list of types with <!-- no-identity -->")
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .filter(|w| w.starts_with("aws_"))
            .collect();
        assert_eq!(
            listed, without,
            "docs/RELIABILITY.md's list of AWS types without a recovery identity"
        );
    }

    /// docs/ARCHITECTURE.md names the resource types that are not tables yet.
    #[test]
    fn every_hand_written_type_is_listed() {
        let p = AwsProvider::new();
        let mut without: Vec<&str> = p
            .resources
            .iter()
            .filter(|(_, r)| r.table().is_none())
            .map(|(ty, _)| *ty)
            // The older names of the aws_lb types are not listed.
            .filter(|ty| !ty.starts_with("aws_alb"))
            .collect();
        without.sort_unstable();
        let doc = include_str!("../../../docs/ARCHITECTURE.md");
        let listed: Vec<&str> = doc
            .split("<!-- hand-written -->")
            .nth(1)
            .expect("docs/ARCHITECTURE.md marks its list of types with <!-- hand-written -->")
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .filter(|w| w.starts_with("aws_"))
            .collect();
        assert_eq!(listed, without, "docs/ARCHITECTURE.md's hand-written types");
    }

    #[test]
    fn every_table_argument_is_updatable_or_forces_replacement() {
        let p = AwsProvider::new();
        for (ty, r) in &p.resources {
            if let Some(t) = r.table() {
                assert_eq!(t.not_updatable(), Vec::<&str>::new(), "{ty}");
            }
        }
    }
}
