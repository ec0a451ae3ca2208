//! The generic resource framework. A resource type is an [`AwsResource`]: its schema plus
//! the SDK calls to read (in batches), create, update and delete. Everything shared —
//! tags/tags_all with default_tags, the `timeouts` block, waiting, validation before any
//! call, error reporting, import — lives here, so a new resource is a schema and a few
//! calls.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use terrane_engine::config::IgnoreChanges;
use terrane_engine::diag::{Diagnostic, Diagnostics};
use terrane_engine::lang::cidr::Cidr;
use terrane_engine::lang::duration::parse_timeout;
use terrane_engine::lang::Value;
use terrane_engine::provider::{BlockSchema, Identity, NestedBlock, Nesting};
use terrane_engine::run::diff::propose;

use crate::clients::Clients;
use crate::error::AwsError;
use crate::schema::{comp, map_of, opt, opt_comp, S, STR};
use crate::table::ResourceTable;
use crate::val::{self, Obj};

/// How a resource's tags are written after create.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tagging {
    /// The resource has no tags.
    None,
    /// EC2 CreateTags/DeleteTags on the resource's `id`.
    Ec2,
    /// The resource sets its tags in its create call; later changes go through its
    /// [`AwsResource::tag`] and [`AwsResource::untag`] (the service's TagResource and
    /// UntagResource), called by the framework with only what changed.
    Own,
}

/// Default operation timeouts (Terraform's `Timeouts:`); `None` for resources without a
/// `timeouts` block.
#[derive(Debug, Clone, Copy)]
pub struct DefaultTimeouts {
    pub create: Duration,
    pub update: Duration,
    /// `None` where Terraform's `timeouts` block has no `delete` (aws_lb_listener).
    pub delete: Option<Duration>,
}

impl DefaultTimeouts {
    pub const fn minutes(create: u64, update: u64, delete: u64) -> DefaultTimeouts {
        DefaultTimeouts {
            create: Duration::from_secs(create * 60),
            update: Duration::from_secs(update * 60),
            delete: Some(Duration::from_secs(delete * 60)),
        }
    }

    /// Create and update timeouts only.
    pub const fn create_update_minutes(create: u64, update: u64) -> DefaultTimeouts {
        DefaultTimeouts {
            create: Duration::from_secs(create * 60),
            update: Duration::from_secs(update * 60),
            delete: None,
        }
    }
}

/// The timeout that applies to this operation.
#[derive(Debug, Clone, Copy)]
pub struct Timeout(pub Duration);

/// What a resource plan hook may report beyond the adjusted object.
#[derive(Default)]
pub struct PlanExtra {
    /// Attributes whose change forces replacement beyond the schema's `force_new`.
    pub requires_replace: Vec<String>,
    /// Problems only the planned change reveals (replacing an object that cannot be
    /// deleted), reported at plan time rather than halfway through an apply.
    pub diagnostics: Diagnostics,
}

#[async_trait]
pub trait AwsResource: Send + Sync {
    fn type_name(&self) -> &'static str;

    /// The resource's own attributes and blocks; `tags`, `tags_all` and `timeouts` are
    /// added by the framework according to [`AwsResource::tagging`] and
    /// [`AwsResource::timeouts`]. By default, the table's.
    fn schema(&self) -> BlockSchema {
        self.table().map(ResourceTable::schema).unwrap_or_default()
    }

    /// The resource's attribute table, for types built on one (see `table`).
    fn table(&self) -> Option<&dyn ResourceTable> {
        None
    }

    fn tagging(&self) -> Tagging {
        Tagging::None
    }

    /// Whether objects live in one region (AWS provider 6.x gives them a `region`
    /// argument); IAM's are global.
    fn regional(&self) -> bool {
        true
    }

    fn timeouts(&self) -> Option<DefaultTimeouts> {
        None
    }

    /// Checks configured values whose rules are known without asking AWS (CIDR syntax,
    /// enum values). Unknown values are skipped; they are checked again at apply.
    fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}

    /// Adjusts the engine's proposal (normalising nested blocks, marking values that an
    /// update will change as unknown). `prior` is `None` on create.
    fn plan(&self, _prior: Option<&Value>, _config: &Value, _planned: &mut Value) -> PlanExtra {
        PlanExtra::default()
    }

    /// Reads many objects at once (one Describe call per page, filtered by ID); the
    /// result is in input order and `None` for objects that no longer exist. Each input
    /// is the object as last known, and the output should start from it (`Obj::from`),
    /// so attributes AWS does not report keep their values.
    async fn read(&self, c: &Clients, current: &[Value]) -> Result<Vec<Option<Value>>, AwsError>;

    /// Creates the object and returns its ID. The framework reads it back afterwards.
    async fn create(&self, c: &Clients, planned: &Value, t: Timeout) -> Result<String, Failed>;

    /// Applies in-place changes other than tags (the framework updates tags). Returns the
    /// new ID when the update changed it (a replaced route table association).
    async fn update(
        &self,
        _c: &Clients,
        _prior: &Value,
        _planned: &Value,
        _t: Timeout,
    ) -> Result<Option<String>, AwsError> {
        Ok(None)
    }

    async fn delete(&self, c: &Clients, prior: &Value, t: Timeout) -> Result<(), AwsError>;

    /// For [`Tagging::Own`] types whose service tags every type alike: its calls.
    fn tag_calls(&self) -> Option<&'static TagCalls> {
        None
    }

    /// For [`Tagging::Own`]: adds or overwrites these tags on the object (by default
    /// through [`AwsResource::tag_calls`]).
    async fn tag(
        &self,
        c: &Clients,
        prior: &Value,
        tags: BTreeMap<String, String>,
    ) -> Result<(), AwsError> {
        match self.tag_calls() {
            Some(t) => (t.tag)(c, prior, tags).await,
            None => Err(AwsError::Invalid(format!(
                "{} declares its own tagging but cannot tag",
                self.type_name()
            ))),
        }
    }

    /// For [`Tagging::Own`]: removes these tag keys from the object (by default through
    /// [`AwsResource::tag_calls`]).
    async fn untag(&self, c: &Clients, prior: &Value, keys: Vec<String>) -> Result<(), AwsError> {
        match self.tag_calls() {
            Some(t) => (t.untag)(c, prior, keys).await,
            None => Err(AwsError::Invalid(format!(
                "{} declares its own tagging but cannot untag",
                self.type_name()
            ))),
        }
    }

    /// Why the object may not be destroyed now (`deletion_protection` is on), asked at
    /// plan time for every planned delete or replacement; `None` allows it.
    fn refuse_destroy(&self, _prior: &Value) -> Option<Diagnostic> {
        None
    }

    /// Crash recovery: the planned arguments that find the object a create makes, should
    /// the run die before the create's answer is recorded (see `Provider::identity`).
    /// `None` (the default) for types whose ID AWS chooses and that have no unique name,
    /// and when the name is generated (`name_prefix`). The framework adds the region.
    fn identity(&self, _planned: &Value) -> Option<Identity> {
        None
    }

    /// Crash recovery: the import ID of the object `identity` names, `None` when none
    /// exists. The default suits types imported by their name: the name itself, and the
    /// read that follows says whether the object exists.
    async fn find(&self, _c: &Clients, identity: &Identity) -> Result<Option<String>, AwsError> {
        Ok(identity.get("name").map(str::to_string))
    }

    /// Turns an import ID into the object to read: by default `{ id = ID }`. Resources
    /// whose import ID is composite (`subnet-1/rtb-2`) parse it here.
    fn import_stub(&self, id: &str, stub: &mut Obj) -> Result<(), String> {
        stub.set("id", Value::string(id));
        Ok(())
    }
}

/// An identity made of planned string arguments: `None` unless every one in `required` is
/// a known, non-empty string; each in `optional` is added when it is one.
pub fn identity_of(planned: &Value, required: &[&str], optional: &[&str]) -> Option<Identity> {
    let mut out = BTreeMap::new();
    for attr in required {
        out.insert(
            (*attr).to_string(),
            val::str_attr(planned, attr)?.to_string(),
        );
    }
    for attr in optional {
        if let Some(v) = val::str_attr(planned, attr) {
            out.insert((*attr).to_string(), v.to_string());
        }
    }
    Some(Identity(out))
}

/// A read must set exactly the schema's attributes and blocks: a misspelt name would
/// otherwise be a silent perpetual diff (the schema's attribute stays as it was, and the
/// engine drops the stray one).
pub fn check_read_keys(ty: &str, schema: &BlockSchema, read: &Value) -> Result<(), Diagnostic> {
    let Some(got) = read.as_map() else {
        return Err(Diagnostic::error(format!(
            "{ty}: the provider read a non-object"
        )));
    };
    let wanted = schema.attributes.keys().chain(schema.blocks.keys());
    let missing: Vec<&String> = wanted.filter(|k| !got.contains_key(*k)).collect();
    let extra: Vec<&String> = got
        .keys()
        .filter(|k| !schema.attributes.contains_key(*k) && !schema.blocks.contains_key(*k))
        .collect();
    if missing.is_empty() && extra.is_empty() {
        return Ok(());
    }
    Err(Diagnostic::error(format!(
        "Provider produced an object that does not match the schema of {ty}"
    ))
    .detail(format!(
        "Reading {ty} left out {missing:?} and set {extra:?}, which the schema does not have. This is a bug in terrane's AWS provider."
    )))
}

/// A failed create: the error, and the ID if the object was created before the failure
/// (a waiter timed out), so that it is recorded in state rather than orphaned.
pub struct Failed {
    pub error: AwsError,
    pub id: Option<String>,
}

impl From<AwsError> for Failed {
    fn from(error: AwsError) -> Failed {
        Failed { error, id: None }
    }
}

impl AwsError {
    /// Marks an error as happening after `id` was created.
    pub fn after_create(self, id: &str) -> Failed {
        Failed {
            error: self,
            id: Some(id.to_string()),
        }
    }
}

/// The full schema of a resource: its own plus the framework's shared attributes.
pub fn full_schema(r: &dyn AwsResource) -> BlockSchema {
    let mut s = r.schema();
    if r.regional() {
        s.attributes
            .insert(crate::region::REGION.into(), opt_comp(STR));
    }
    if r.tagging() != Tagging::None {
        s.attributes.insert("tags".into(), opt(map_of(STR)));
        s.attributes.insert("tags_all".into(), comp(map_of(STR)));
    }
    if let Some(d) = r.timeouts() {
        let mut t = S::new().attr("create", opt(STR)).attr("update", opt(STR));
        if d.delete.is_some() {
            t = t.attr("delete", opt(STR));
        }
        let t = t.build();
        s.blocks.insert(
            "timeouts".into(),
            terrane_engine::provider::NestedBlock {
                nesting: Nesting::Single,
                block: t,
                min_items: 0,
                max_items: Some(1),
                force_new: false,
            },
        );
    }
    s
}

/// The timeout for `op` (create/update/delete): the `timeouts` block's value, else the
/// resource's default, else 20 minutes.
pub fn timeout_for(r: &dyn AwsResource, obj: &Value, op: &str) -> Result<Timeout, String> {
    let d = r.timeouts();
    let default = match (op, d) {
        ("create", Some(d)) => d.create,
        ("update", Some(d)) => d.update,
        (
            "delete",
            Some(DefaultTimeouts {
                delete: Some(d), ..
            }),
        ) => d,
        _ => Duration::from_secs(20 * 60),
    };
    match obj.get_attr("timeouts").and_then(|t| val::str_attr(t, op)) {
        Some(s) => parse_timeout(s).map(Timeout).map_err(|_| {
            format!("timeouts.{op}: {s:?} is not a duration (use e.g. \"30s\", \"10m\", \"1h\")")
        }),
        None => Ok(Timeout(default)),
    }
}

/// Polls `check` until it returns `Ok` or the timeout passes. `what` and `wanted` name
/// the object and state in the timeout error; `check` returns the state seen so far in
/// its `Err(state)` arm. Polls quickly at first (emulators and fast APIs answer at once),
/// then every few seconds. The timeout bounds the whole wait, the checks' own calls
/// included: a Describe that hangs (or retries under throttling) past it ends the wait.
pub async fn wait_for<T, F, Fut>(
    what: &str,
    wanted: &str,
    t: Timeout,
    mut check: F,
) -> Result<T, AwsError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Result<T, String>, AwsError>>,
{
    let start = Instant::now();
    let deadline = tokio::time::Instant::from_std(start + t.0);
    let mut delay = Duration::from_millis(200);
    let mut last = "no answer yet".to_string();
    loop {
        let answered = match tokio::time::timeout_at(deadline, check()).await {
            Ok(answer) => match answer? {
                Ok(v) => return Ok(v),
                Err(state) => {
                    last = state;
                    true
                }
            },
            Err(_elapsed) => false,
        };
        if !answered || start.elapsed() + delay > t.0 {
            return Err(AwsError::Timeout {
                what: what.to_string(),
                wanted: wanted.to_string(),
                last,
                secs: t.0.as_secs(),
            });
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(5));
    }
}

/// Repeats a delete (or detach) while AWS answers DependencyViolation: dependents being
/// deleted (NAT gateway ENIs, load balancer ENIs, rules of other groups) go away late.
pub async fn while_dependent<F, Fut>(what: &str, t: Timeout, call: F) -> Result<(), AwsError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<(), AwsError>>,
{
    retry_while_code(what, "DependencyViolation", t, call).await
}

/// Repeats a call while AWS answers with error `code` (a target group still used by a
/// listener being deleted answers ResourceInUse), up to the timeout.
pub async fn retry_while_code<F, Fut>(
    what: &str,
    code: &str,
    t: Timeout,
    mut call: F,
) -> Result<(), AwsError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<(), AwsError>>,
{
    wait_for(what, "deleted", t, || {
        let f = call();
        async move {
            match f.await {
                Ok(()) => Ok(Ok(())),
                Err(e) if e.code() == Some(code) => Ok(Err(e.to_string())),
                Err(e) => Err(e),
            }
        }
    })
    .await
}

/// A unique name from a prefix, as Terraform generates them for `name_prefix` (and
/// `terraform-` when neither name nor prefix is set): the prefix, a UTC timestamp with
/// tenths of microseconds, and a counter (26 characters after the prefix).
pub fn unique_name(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let now = time::OffsetDateTime::now_utc();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed) + 1;
    format!(
        "{prefix}{:04}{:02}{:02}{:02}{:02}{:02}{:04}{n:08x}",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second(),
        now.microsecond() / 100
    )
}

/// The prefix a name was generated from by [`unique_name`] (Terraform's
/// `NamePrefixFromName`), so an imported object shows the `name_prefix` its configuration
/// has; `None` for names that do not end in a generated suffix.
pub fn name_prefix_from_name(name: &str) -> Option<&str> {
    let split = name.len().checked_sub(26)?;
    let (prefix, suffix) = (name.get(..split)?, name.get(split..)?);
    let (digits, counter) = suffix.split_at(18);
    (digits.bytes().all(|b| b.is_ascii_digit()) && counter.bytes().all(|b| b.is_ascii_hexdigit()))
        .then_some(prefix)
}

/// The name to create an object with: `name`, else a unique name from `name_prefix`, else
/// one starting with `terraform-`.
pub fn name_or_prefix(planned: &Value) -> String {
    name_or_prefix_with(planned, "terraform-")
}

/// As [`name_or_prefix`], with the resource's own default prefix (`tf-lb-` for load
/// balancers, whose names are limited to 32 characters).
pub fn name_or_prefix_with(planned: &Value, default_prefix: &str) -> String {
    match (
        val::str_attr(planned, "name"),
        val::str_attr(planned, "name_prefix"),
    ) {
        (Some(n), _) => n.to_string(),
        (None, Some(p)) => unique_name(p),
        (None, None) => unique_name(default_prefix),
    }
}

// ---- nested blocks ----

/// The planned value of a nested block: what the engine's `propose` does for a resource's
/// top-level attributes (config wins, unset optional attributes take their default, unset
/// computed ones keep the prior value or become unknown), applied to each block item and
/// recursively. List and single items are paired with the prior item at the same position;
/// set items have no prior partner.
pub fn plan_block(nb: &NestedBlock, prior: Option<&Value>, config: &Value) -> Value {
    match config.unmark() {
        Value::List(items) | Value::Tuple(items) => Value::List(
            items
                .iter()
                .enumerate()
                .map(|(i, x)| {
                    let p = prior.and_then(Value::as_seq).and_then(|s| s.get(i));
                    plan_object(&nb.block, p, x)
                })
                .collect(),
        ),
        Value::Set(items) => Value::set(
            items
                .iter()
                .map(|x| plan_object(&nb.block, None, x))
                .collect(),
        ),
        Value::Null => Value::Null,
        Value::Unknown => Value::Unknown,
        single => plan_object(&nb.block, prior, single),
    }
}

/// One block item (or a whole object) planned as [`plan_block`] describes.
pub fn plan_object(schema: &BlockSchema, prior: Option<&Value>, config: &Value) -> Value {
    let mut v = propose(schema, prior, config, &IgnoreChanges::None);
    for (name, nb) in &schema.blocks {
        let c = config.get_attr(name).cloned().unwrap_or_default();
        val::set_attr(
            &mut v,
            name,
            plan_block(nb, prior.and_then(|p| p.get_attr(name)), &c),
        );
    }
    v
}

/// Replaces every nested block of `planned` by its [`plan_block`] value (defaults inside
/// blocks, which the engine leaves to the provider).
pub fn plan_all_blocks(
    schema: &BlockSchema,
    prior: Option<&Value>,
    config: &Value,
    planned: &mut Value,
) {
    for (name, nb) in &schema.blocks {
        let c = config.get_attr(name).cloned().unwrap_or_default();
        val::set_attr(
            planned,
            name,
            plan_block(nb, prior.and_then(|p| p.get_attr(name)), &c),
        );
    }
}

// ---- tags ----

/// A tag of any service's SDK, as key and value (`None` where the SDK type has none).
pub trait SdkTag {
    fn pair(&self) -> (Option<&str>, Option<&str>);
}

impl SdkTag for aws_sdk_ec2::types::Tag {
    fn pair(&self) -> (Option<&str>, Option<&str>) {
        (self.key(), self.value())
    }
}

impl SdkTag for aws_sdk_ecs::types::Tag {
    fn pair(&self) -> (Option<&str>, Option<&str>) {
        (self.key(), self.value())
    }
}

impl SdkTag for aws_sdk_rds::types::Tag {
    fn pair(&self) -> (Option<&str>, Option<&str>) {
        (self.key(), self.value())
    }
}

impl SdkTag for aws_sdk_iam::types::Tag {
    fn pair(&self) -> (Option<&str>, Option<&str>) {
        (Some(self.key()), Some(self.value()))
    }
}

/// Tags read from AWS as the map Terraform stores (`tags_all`); a tag without a value
/// reads as "".
pub fn tags_value<T: SdkTag>(tags: &[T]) -> Value {
    let m: BTreeMap<String, String> = tags
        .iter()
        .filter_map(|t| {
            let (k, v) = t.pair();
            Some((k?.to_string(), v.unwrap_or_default().to_string()))
        })
        .collect();
    val::str_map(&m)
}

/// What an update changes in `tags_all`: keys to remove, and tags to add or overwrite.
pub fn tag_changes(prior: &Value, planned: &Value) -> (Vec<String>, BTreeMap<String, String>) {
    let old = val::string_map(prior, "tags_all");
    let new = val::string_map(planned, "tags_all");
    let remove = old
        .keys()
        .filter(|k| !new.contains_key(*k))
        .cloned()
        .collect();
    let set = new
        .into_iter()
        .filter(|(k, v)| old.get(k) != Some(v))
        .collect();
    (remove, set)
}

/// A tag or untag call in flight.
pub type TagFuture<'a> = Pin<Box<dyn Future<Output = Result<(), AwsError>> + Send + 'a>>;

/// A service's tag and untag calls for objects that carry their ARN, shared by every
/// resource type of that service (RDS, ELBv2 and ECS each tag all their types the same
/// way): a type returns its service's from [`AwsResource::tag_calls`].
pub struct TagCalls {
    pub tag: for<'a> fn(&'a Clients, &'a Value, BTreeMap<String, String>) -> TagFuture<'a>,
    pub untag: for<'a> fn(&'a Clients, &'a Value, Vec<String>) -> TagFuture<'a>,
}

/// A service's [`TagCalls`] from its two requests, so that a type writes only what
/// differs between services (the call, how it names the object, the tags' shape):
///
/// ```ignore
/// static TAG_CALLS: TagCalls = tag_calls!(kms, "id",
///     tag "TagResource": |kms, id, tags| kms.tag_resource().key_id(id).set_tags(Some(kms_tags(tags))),
///     untag "UntagResource": |kms, id, keys| kms.untag_resource().key_id(id).set_tag_keys(Some(keys)),
/// );
/// ```
///
/// Each closure-like part gets the client `Clients::<client>`, the object's attribute
/// `attr` (its ARN or ID) and the tags to set or keys to remove, and builds the request
/// that is then sent; an error names the operation.
macro_rules! tag_calls {
    ($client:ident, $attr:literal,
     tag $tag_op:literal: |$c:ident, $id:ident, $tags:ident| $tag:expr,
     untag $untag_op:literal: |$c2:ident, $id2:ident, $keys:ident| $untag:expr $(,)?) => {
        $crate::resource::TagCalls {
            tag: |c, prior, $tags| {
                Box::pin(async move {
                    let $c = c.$client.get().await;
                    let $id = $crate::val::str_attr(prior, $attr).unwrap_or_default();
                    $tag.send().await.map_err($crate::error::err($tag_op))?;
                    Ok(())
                })
            },
            untag: |c, prior, $keys| {
                Box::pin(async move {
                    let $c2 = c.$client.get().await;
                    let $id2 = $crate::val::str_attr(prior, $attr).unwrap_or_default();
                    $untag.send().await.map_err($crate::error::err($untag_op))?;
                    Ok(())
                })
            },
        }
    };
}
pub(crate) use tag_calls;

/// The [`TagCalls`] of a service whose TagResource takes an object's `arn` and a map of
/// tags, and whose UntagResource its tag keys: `arn_tag_calls!(logs)` calls them on the
/// client `Clients::logs`.
macro_rules! arn_tag_calls {
    ($client:ident) => {
        $crate::resource::tag_calls!($client, "arn",
            tag "TagResource": |c, arn, tags| c
                .tag_resource()
                .resource_arn(arn)
                .set_tags(Some(tags.into_iter().collect())),
            untag "UntagResource": |c, arn, keys| c
                .untag_resource()
                .resource_arn(arn)
                .set_tag_keys(Some(keys)),
        )
    };
}
pub(crate) use arn_tag_calls;

/// Applies a `tags_all` change through the resource's own tag and untag calls.
pub async fn update_own_tags(
    r: &dyn AwsResource,
    c: &Clients,
    prior: &Value,
    planned: &Value,
) -> Result<(), AwsError> {
    let (remove, set) = tag_changes(prior, planned);
    if !remove.is_empty() {
        r.untag(c, prior, remove).await?;
    }
    if !set.is_empty() {
        r.tag(c, prior, set).await?;
    }
    Ok(())
}

/// `tags_all`: the provider's default_tags overridden by the resource's tags. Unknown
/// when any tag value is unknown.
pub fn tags_all(default: &BTreeMap<String, String>, tags: &Value) -> Value {
    if tags.contains_unknown() {
        return Value::Unknown;
    }
    let mut all = default.clone();
    all.extend(val::string_map(&Value::object([("t", tags.clone())]), "t"));
    val::str_map(&all)
}

/// The `tags` attribute from what AWS holds: everything except default tags carrying
/// their default value, unless the configuration (prior `tags`) sets them too. An empty
/// result keeps the prior form (null or `{}`), so an untagged resource shows no change.
pub fn tags_from_all(
    default: &BTreeMap<String, String>,
    all: &BTreeMap<String, String>,
    prior_tags: &Value,
) -> Value {
    let prior = val::string_map(&Value::object([("t", prior_tags.clone())]), "t");
    let own: BTreeMap<String, String> = all
        .iter()
        .filter(|(k, v)| default.get(*k) != Some(*v) || prior.contains_key(*k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if own.is_empty() && !matches!(prior_tags.unmark(), Value::Map(_) | Value::Object(_)) {
        Value::Null
    } else {
        val::str_map(&own)
    }
}

// ---- validation ----

/// Pushes an error naming the attribute; the engine adds the resource's address and
/// the line the attribute is written on.
pub fn invalid(diags: &mut Diagnostics, attr: &str, detail: String) {
    diags.push(
        Diagnostic::error(format!("Invalid value for \"{attr}\""))
            .detail(detail)
            .attribute(attr),
    );
}

/// Refuses each block of `names` the configuration writes: declared so that modules using
/// it load, but not sent to AWS yet (`why`, when given, says why not). `what` names the
/// object in the way out ("remove it or use Terraform for this pool").
pub fn refuse_blocks<'a>(
    config: &Value,
    ty: &str,
    what: &str,
    names: impl IntoIterator<Item = &'a str>,
    why: Option<&str>,
    diags: &mut Diagnostics,
) {
    let why = why.map(|w| format!(" ({w})")).unwrap_or_default();
    for name in names {
        if !val::blocks(config, name).is_empty() {
            invalid(
                diags,
                name,
                format!("terrane does not send the {name:?} block of {ty} yet{why}; remove it or use Terraform for this {what}."),
            );
        }
    }
}

/// An IPv4 CIDR network (`10.0.0.0/16`, host bits zero) with a prefix length in `range`.
pub fn check_ipv4_cidr(
    v: &Value,
    attr: &str,
    range: std::ops::RangeInclusive<u32>,
    diags: &mut Diagnostics,
) {
    let Some(s) = v.get_attr(attr).and_then(Value::as_str) else {
        return;
    };
    if let Err(why) = parse_ipv4_cidr(s).and_then(|len| {
        if range.contains(&len) {
            Ok(())
        } else {
            Err(format!(
                "the prefix length must be between /{} and /{}",
                range.start(),
                range.end()
            ))
        }
    }) {
        invalid(
            diags,
            attr,
            format!("{s:?} is not a valid IPv4 CIDR block: {why}."),
        );
    }
}

/// Every element of a list attribute is an IPv4 CIDR block (any prefix).
pub fn check_ipv4_cidrs(v: &Value, attr: &str, diags: &mut Diagnostics) {
    for s in val::strings(v, attr) {
        if let Err(why) = parse_ipv4_cidr(&s) {
            invalid(
                diags,
                attr,
                format!("{s:?} is not a valid IPv4 CIDR block: {why}."),
            );
        }
    }
}

/// Parses `a.b.c.d/n` (the engine's CIDR parser, as Terraform's functions read it) and
/// checks that it is IPv4 and that the host bits are zero (AWS rejects them later with a
/// less helpful message). Returns the prefix length.
pub fn parse_ipv4_cidr(s: &str) -> Result<u32, String> {
    let cidr = Cidr::parse(s).map_err(|_| "expected the form a.b.c.d/n".to_string())?;
    if !cidr.is_ipv4() {
        return Err("it is an IPv6 block".into());
    }
    if cidr.has_host_bits() {
        let net = std::net::Ipv4Addr::from(u32::try_from(cidr.first()).unwrap_or(0));
        return Err(format!(
            "host bits are set; did you mean {net}/{}?",
            cidr.prefix
        ));
    }
    Ok(cidr.prefix)
}

/// Exactly one of `attrs` is set. An unknown value may turn out set or not, so it only
/// counts against "none is set": computed arguments are unknown until apply reads them.
pub fn check_exactly_one(v: &Value, attrs: &[&str], diags: &mut Diagnostics) {
    let known = attrs.iter().filter(|k| known_set(v, k)).count();
    let maybe = attrs
        .iter()
        .filter(|k| v.get_attr(k).is_some_and(Value::is_unknown))
        .count();
    if known > 1 || known + maybe == 0 {
        invalid(
            diags,
            attrs.first().copied().unwrap_or_default(),
            format!("exactly one of {} must be set.", attrs.join(", ")),
        );
    }
}

/// The attribute has a known, non-null value.
pub fn known_set(v: &Value, k: &str) -> bool {
    v.get_attr(k)
        .is_some_and(|x| !x.is_null() && !x.is_unknown())
}

/// The attribute, when set, is one of `allowed`.
pub fn check_enum(v: &Value, attr: &str, allowed: &[&str], diags: &mut Diagnostics) {
    check_enum_at(v, attr, attr, allowed, diags);
}

/// [`check_enum`] for an attribute of a nested block: `path` names it in the message
/// (`default_action.type`).
pub fn check_enum_at(v: &Value, attr: &str, path: &str, allowed: &[&str], diags: &mut Diagnostics) {
    if let Some(s) = v.get_attr(attr).and_then(Value::as_str) {
        if !allowed.contains(&s) {
            invalid(
                diags,
                path,
                format!(
                    "expected {path} to be one of [{}], got {s:?}.",
                    allowed.join(", ")
                ),
            );
        }
    }
}

/// [`check_enum_at`] for `attr` of every `block` of `v` (`mutual_authentication.mode`).
pub fn check_block_enum(
    v: &Value,
    block: &str,
    attr: &str,
    allowed: &[&str],
    diags: &mut Diagnostics,
) {
    let path = format!("{block}.{attr}");
    for b in val::blocks(v, block) {
        check_enum_at(b, attr, &path, allowed, diags);
    }
}

/// A whole-number attribute, when set, lies in `range`; `path` names it in the message.
pub fn check_range(
    v: &Value,
    attr: &str,
    path: &str,
    range: std::ops::RangeInclusive<i64>,
    diags: &mut Diagnostics,
) {
    let Some(n) = v.get_attr(attr).and_then(Value::as_f64) else {
        return;
    };
    if n.fract() != 0.0 || !range.contains(&(n as i64)) {
        invalid(
            diags,
            path,
            format!(
                "expected {path} to be in the range ({} - {}), got {n}.",
                range.start(),
                range.end()
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidrs() {
        assert!(parse_ipv4_cidr("10.0.0.0/16").is_ok());
        assert!(parse_ipv4_cidr("10.0.0.1/16")
            .unwrap_err()
            .contains("10.0.0.0/16"));
        assert!(parse_ipv4_cidr("10.0.0.0").is_err());
        assert!(parse_ipv4_cidr("10.0.0.0/33").is_err());
        assert!(parse_ipv4_cidr("300.0.0.0/8").is_err());
        assert!(parse_ipv4_cidr("0.0.0.0/0").is_ok());
    }

    #[test]
    fn generated_names() {
        let n = unique_name("side-");
        assert_eq!(name_prefix_from_name(&n), Some("side-"));
        assert_eq!(name_prefix_from_name("web"), None);
        assert_eq!(
            name_prefix_from_name("a-name-that-is-quite-long-but-not-made"),
            None
        );
    }

    #[test]
    fn tags_merge() {
        let d: BTreeMap<String, String> = [("env".to_string(), "dev".to_string())].into();
        let t = Value::Map([("Name".to_string(), Value::string("a"))].into());
        let all = tags_all(&d, &t);
        assert_eq!(all.as_map().unwrap().len(), 2);
        let all_m = val::string_map(&Value::object([("t", all)]), "t");
        assert_eq!(tags_from_all(&d, &all_m, &t), t);
        assert_eq!(tags_from_all(&d, &d, &Value::Null), Value::Null);
    }
}
