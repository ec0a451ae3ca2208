//! The provider: its schema, and each RPC decoded, served and encoded.

use std::collections::HashMap;

use prost::Message;
use terrane_engine::lang::{Type, Value};
use terrane_provider_plugin::proto::{self, Attribute6, Object6};
use terrane_provider_plugin::{msgpack, schema, values};

use crate::grpc::Status;
use crate::store::Store;
use crate::thing;

pub const THING: &str = "example_thing";
pub const TOKEN: &str = "example_token";
pub const MARKER: &str = "example_marker";

/// How long a token stays valid before it must be renewed.
const TOKEN_LIFETIME_SECS: i64 = 3;

pub struct Provider {
    pub store: Store,
    schema: proto::GetSchemaResponse,
    types: HashMap<String, Type>,
    /// The client asked to cancel operations in flight (StopProvider).
    stopped: std::sync::atomic::AtomicBool,
}

impl Provider {
    pub fn new() -> Provider {
        let schema = schema_response();
        // The value types, from the same conversion terrane itself uses.
        let all = proto::GetSchemaResponse {
            resource_schemas: schema
                .resource_schemas
                .clone()
                .into_iter()
                .chain(schema.ephemeral_resource_schemas.clone())
                .chain(
                    schema
                        .action_schemas
                        .clone()
                        .into_iter()
                        .filter_map(|(k, a)| Some((k, a.schema?))),
                )
                .collect(),
            ..Default::default()
        };
        let types = schema::provider_schema(&all, 6)
            .map(|s| {
                s.resources
                    .iter()
                    .map(|(k, r)| (k.clone(), schema::block_type(&r.block)))
                    .collect()
            })
            .unwrap_or_default();
        Provider {
            store: Store::from_env(),
            schema,
            types,
            stopped: std::sync::atomic::AtomicBool::new(false),
        }
    }

    pub fn ty(&self, type_name: &str) -> Result<&Type, Status> {
        self.types
            .get(type_name)
            .ok_or_else(|| Status(3, format!("unknown type {type_name:?}")))
    }

    /// Serves one call; the answer is the messages to send back (several for a stream).
    pub async fn call(&self, path: &str, msg: &[u8]) -> Result<Vec<Vec<u8>>, Status> {
        let one = |m: &dyn EncodeDyn| Ok(vec![m.encode()]);
        let method = path.rsplit('/').next().unwrap_or_default();
        match (path.starts_with("/tfplugin6.Provider/"), method) {
            (false, "Shutdown") if path.starts_with("/plugin.GRPCController/") => {
                tokio::spawn(async {
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                    std::process::exit(0);
                });
                one(&proto::Empty {})
            }
            // go-plugin's stdio stream: one line "printed" to stdout, which the client
            // must drain and log.
            (false, "StreamStdio") if path.starts_with("/plugin.GRPCStdio/") => {
                one(&proto::StdioData {
                    channel: 1,
                    data: b"example: hello from stdout\n".to_vec(),
                })
            }
            (true, "GetProviderSchema") => one(&self.schema),
            (true, "ValidateProviderConfig" | "ConfigureProvider") => {
                one(&proto::DiagnosticsResponse::default())
            }
            (true, "StopProvider") => {
                self.stopped
                    .store(true, std::sync::atomic::Ordering::SeqCst);
                one(&proto::StopResponse::default())
            }
            (true, "ValidateResourceConfig") => one(&thing::validate(self, decode(msg)?)?),
            (true, "UpgradeResourceState") => one(&thing::upgrade(self, decode(msg)?)?),
            (true, "ReadResource") => one(&thing::read(self, decode(msg)?)?),
            (true, "PlanResourceChange") => one(&thing::plan(self, decode(msg)?)?),
            (true, "ApplyResourceChange") => {
                let req = decode(msg)?;
                if thing::slow(self, &req)? && self.held_until_stopped().await {
                    return one(&thing::stopped(self, &req)?);
                }
                one(&thing::apply(self, req)?)
            }
            (true, "ImportResourceState") => one(&thing::import(self, decode(msg)?)?),
            (true, "ValidateEphemeralResourceConfig" | "ValidateActionConfig") => {
                one(&proto::DiagnosticsResponse::default())
            }
            (true, "OpenEphemeralResource") => one(&self.open_token(decode(msg)?)?),
            (true, "RenewEphemeralResource") => one(&self.renew_token(decode(msg)?)),
            (true, "CloseEphemeralResource") => one(&self.close_token(decode(msg)?)),
            (true, "PlanAction") => one(&self.plan_marker(decode(msg)?)?),
            (true, "InvokeAction") => self.invoke_marker(decode(msg)?),
            _ => Err(Status(12, format!("{path} is not implemented"))),
        }
    }

    /// Holds a slow apply until the client stops the provider (true) or half a minute
    /// has passed (false).
    async fn held_until_stopped(&self) -> bool {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
        while tokio::time::Instant::now() < deadline {
            if self.stopped.load(std::sync::atomic::Ordering::SeqCst) {
                return true;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        false
    }

    /// Opens a token: a generated value, valid for a few seconds, with a lease in the
    /// store that renew and close find again through the private data.
    fn open_token(
        &self,
        req: proto::OpenEphemeralRequest,
    ) -> Result<proto::OpenEphemeralResponse, Status> {
        let ty = self.ty(TOKEN)?;
        let config = value(req.config, ty)?;
        let name = config
            .get_attr("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let opened = self.store.update(|m| {
            let n = Store::next(m);
            let lease = format!("lease-{n}");
            Store::table(m, "leases").insert(lease.clone(), "open".into());
            Ok((lease, format!("token-{name}-{n}")))
        });
        let mut resp = proto::OpenEphemeralResponse::default();
        match opened {
            Ok((lease, token)) => {
                let result = Value::object([
                    ("name", Value::string(name)),
                    ("value", Value::string(token)),
                ]);
                resp.result = Some(dynamic(&result, ty));
                resp.private = Some(lease.into_bytes());
                resp.renew_at = Some(in_seconds(TOKEN_LIFETIME_SECS));
            }
            Err(e) => resp.diagnostics.push(error("Cannot open the token", &e)),
        }
        Ok(resp)
    }

    fn renew_token(&self, req: proto::EphemeralPrivateRequest) -> proto::RenewEphemeralResponse {
        let mut resp = proto::RenewEphemeralResponse::default();
        match self.set_lease(req.private.as_deref(), "renewed") {
            Ok(()) => {
                resp.private = req.private;
                resp.renew_at = Some(in_seconds(TOKEN_LIFETIME_SECS));
            }
            Err(e) => resp.diagnostics.push(error("Cannot renew the token", &e)),
        }
        resp
    }

    fn close_token(&self, req: proto::EphemeralPrivateRequest) -> proto::DiagnosticsResponse {
        let mut resp = proto::DiagnosticsResponse::default();
        if let Err(e) = self.set_lease(req.private.as_deref(), "closed") {
            resp.diagnostics.push(error("Cannot close the token", &e));
        }
        resp
    }

    /// Moves the lease named by `private` to `to`; it must be open (or renewed).
    fn set_lease(&self, private: Option<&[u8]>, to: &str) -> Result<(), String> {
        let lease = String::from_utf8_lossy(private.unwrap_or_default()).into_owned();
        self.store.update(|m| {
            let leases = Store::table(m, "leases");
            match leases.get(&lease).and_then(serde_json::Value::as_str) {
                Some("open" | "renewed") => {
                    leases.insert(lease.clone(), to.into());
                    Ok(())
                }
                Some(state) => Err(format!("the lease {lease:?} is {state}")),
                None => Err(format!(
                    "no lease {lease:?}: the private data did not come back"
                )),
            }
        })
    }

    fn plan_marker(&self, req: proto::ActionRequest) -> Result<proto::DiagnosticsResponse, Status> {
        let config = value(req.config, self.ty(MARKER)?)?;
        let mut resp = proto::DiagnosticsResponse::default();
        if config.get_attr("path").and_then(Value::as_str) == Some("") {
            resp.diagnostics.push(error(
                "Invalid path",
                "The marker's path must not be empty.",
            ));
        }
        Ok(resp)
    }

    /// Writes `text` to `path`, reporting progress before and after.
    fn invoke_marker(&self, req: proto::ActionRequest) -> Result<Vec<Vec<u8>>, Status> {
        let config = value(req.config, self.ty(MARKER)?)?;
        let path = config
            .get_attr("path")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let text = config
            .get_attr("text")
            .and_then(Value::as_str)
            .unwrap_or("marked");
        let progress = |m: String| proto::InvokeActionEvent {
            event: Some(proto::ActionEvent::Progress(proto::ActionProgress {
                message: m,
            })),
        };
        let mut events = vec![progress(format!("writing {path}"))];
        let mut done = proto::DiagnosticsResponse::default();
        match std::fs::write(path, text) {
            Ok(()) => events.push(progress(format!("wrote {} bytes", text.len()))),
            Err(e) => done
                .diagnostics
                .push(error("Cannot write the marker", &format!("{path}: {e}"))),
        }
        events.push(proto::InvokeActionEvent {
            event: Some(proto::ActionEvent::Completed(done)),
        });
        Ok(events.iter().map(Message::encode_to_vec).collect())
    }
}

/// Object-safe encoding, so `call` can answer every message type the same way.
trait EncodeDyn {
    fn encode(&self) -> Vec<u8>;
}

impl<M: Message> EncodeDyn for M {
    fn encode(&self) -> Vec<u8> {
        self.encode_to_vec()
    }
}

fn decode<M: Message + Default>(msg: &[u8]) -> Result<M, Status> {
    M::decode(msg).map_err(|e| Status(13, format!("cannot decode the request: {e}")))
}

/// A request value, msgpack or JSON as the client chose.
pub fn value(v: Option<proto::DynamicValue>, ty: &Type) -> Result<Value, Status> {
    let Some(v) = v else {
        return Ok(Value::Null);
    };
    if !v.msgpack.is_empty() {
        return msgpack::decode(&v.msgpack, ty).map_err(|e| Status(3, e.to_string()));
    }
    if v.json.is_empty() {
        return Ok(Value::Null);
    }
    let j: serde_json::Value =
        serde_json::from_slice(&v.json).map_err(|e| Status(3, e.to_string()))?;
    Ok(values::from_json(&j, ty))
}

pub fn dynamic(v: &Value, ty: &Type) -> proto::DynamicValue {
    proto::DynamicValue {
        msgpack: msgpack::encode(v, ty),
        json: Vec::new(),
    }
}

pub fn error(summary: &str, detail: &str) -> proto::Diagnostic {
    proto::Diagnostic {
        severity: 1,
        summary: summary.into(),
        detail: detail.into(),
        attribute: None,
    }
}

fn in_seconds(n: i64) -> proto::Timestamp {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
    proto::Timestamp {
        seconds: now + n,
        nanos: 0,
    }
}

/// An attribute: `flags` has `r`equired, `o`ptional, `c`omputed, `s`ensitive, `w`rite-only.
fn attr(name: &str, ty: &str, flags: &str) -> Attribute6 {
    Attribute6 {
        name: name.into(),
        r#type: ty.as_bytes().to_vec(),
        nested_type: None,
        required: flags.contains('r'),
        optional: flags.contains('o'),
        computed: flags.contains('c'),
        sensitive: flags.contains('s'),
        write_only: flags.contains('w'),
        ..Attribute6::default()
    }
}

/// An attribute with a description (`providers schema -json` prints it).
fn described(a: Attribute6, description: &str) -> Attribute6 {
    Attribute6 {
        description: description.into(),
        ..a
    }
}

/// A nested attribute of nesting 1 single, 2 list, 3 set, 4 map.
fn nested(name: &str, nesting: i32, attributes: Vec<Attribute6>) -> Attribute6 {
    Attribute6 {
        nested_type: Some(Object6 {
            attributes,
            nesting,
        }),
        r#type: Vec::new(),
        ..attr(name, "", "o")
    }
}

/// A nested block type of nesting 1 single, 2 list, 3 set, 4 map, 5 group.
fn block_type(name: &str, nesting: i32, attributes: &[Attribute6]) -> proto::NestedBlock {
    proto::NestedBlock {
        type_name: name.into(),
        block: block(attributes).block,
        nesting,
        min_items: 0,
        max_items: 0,
    }
}

fn block(attributes: &[Attribute6]) -> proto::Schema {
    proto::Schema {
        version: 0,
        block: Some(proto::Block {
            attributes: attributes.iter().map(Message::encode_to_vec).collect(),
            ..proto::Block::default()
        }),
    }
}

fn schema_response() -> proto::GetSchemaResponse {
    let mut thing = block(&[
        attr("id", "\"string\"", "c"),
        described(
            attr("name", "\"string\"", "r"),
            "The thing's name; changing it replaces the thing.",
        ),
        attr("size", "\"number\"", "o"),
        attr("tags", "[\"set\",\"string\"]", "o"),
        attr("extra", "\"dynamic\"", "o"),
        attr("password_wo", "\"string\"", "osw"),
        Attribute6 {
            deprecated: true,
            deprecation_message: "Only for tests of a crashing plugin.".into(),
            ..described(
                attr("crash", "\"bool\"", "o"),
                "Exit mid-apply, as a panic would.",
            )
        },
        described(
            attr("legacy", "\"bool\"", "o"),
            "Behave as a legacy-SDK provider: store the name in lower case, unlike its plan.",
        ),
        nested(
            "settings",
            1,
            vec![
                attr("mode", "\"string\"", "o"),
                attr("level", "\"number\"", "o"),
            ],
        ),
        nested(
            "rules",
            2,
            vec![
                attr("port", "\"number\"", "r"),
                attr("protocol", "\"string\"", "o"),
                attr("id", "\"string\"", "c"),
            ],
        ),
        nested("members", 3, vec![attr("name", "\"string\"", "r")]),
        nested("labels", 4, vec![attr("value", "\"string\"", "r")]),
    ]);
    // Version 0 stored bare numbers as IDs ("1"); see `thing::upgrade`.
    thing.version = 1;
    if let Some(b) = &mut thing.block {
        // Blocks as SDKv2 providers declare them: `endpoint "name" {}` blocks form a map;
        // `options {}` is a group, never null.
        b.block_types = vec![
            block_type(
                "endpoint",
                4,
                &[
                    attr("url", "\"string\"", "r"),
                    attr("weight", "\"number\"", "o"),
                ],
            ),
            block_type(
                "options",
                5,
                &[
                    attr("retries", "\"number\"", "o"),
                    attr("verbose", "\"bool\"", "o"),
                ],
            ),
        ];
        b.description = "An object kept in `objects.json`.".into();
        b.description_kind = 1;
    }
    let token = block(&[
        attr("name", "\"string\"", "r"),
        attr("value", "\"string\"", "cs"),
    ]);
    let marker = block(&[
        attr("path", "\"string\"", "r"),
        attr("text", "\"string\"", "o"),
    ]);
    proto::GetSchemaResponse {
        provider: Some(block(&[])),
        resource_schemas: [(THING.to_string(), thing)].into(),
        ephemeral_resource_schemas: [(TOKEN.to_string(), token)].into(),
        action_schemas: [(
            MARKER.to_string(),
            proto::ActionSchema {
                schema: Some(marker),
            },
        )]
        .into(),
        // Destroys are planned by the provider too (see `thing::plan_destroy`).
        server_capabilities: Some(proto::ServerCapabilities { plan_destroy: true }),
        ..Default::default()
    }
}
