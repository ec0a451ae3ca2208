//! `example_thing`: an object kept in the store under its ID. Changing `name` replaces
//! it (a change of case only is no change: the plan keeps the stored name); everything
//! else changes in place. Its private data is set by plan and import and
//! must come back on every later call (apply, read, plan of an existing object), or the
//! call fails.
//!
//! What a test checks of the client is recorded in the store: the raw JSON of each
//! object's last UpgradeResourceState (`upgrades`), and the private data each delete got
//! (`deletes`). An ID listed in `forget_private` is read with empty private data, after
//! which its calls need none. A thing named `protected` cannot be destroyed: planning its
//! destroy fails. Applying a thing named `slow` takes until the client stops the provider
//! (StopProvider), which fails it, or half a minute; it is listed in `holding` meanwhile.
//! A thing named `misplan` plans `udp` for each rule's `protocol` left unset, which
//! Terraform refuses: that inner argument is not computed. Each rule gets an `id` (an
//! inner computed attribute): unknown in the plan of a new rule, kept from then on.

use std::collections::BTreeMap;

use terrane_engine::lang::{Type, Value};
use terrane_provider_plugin::proto;
use terrane_provider_plugin::values;

use crate::grpc::Status;
use crate::provider::{dynamic, error, value, Provider, THING};
use crate::store::Store;

/// The private data every object carries.
pub const PRIVATE: &[u8] = br#"{"owner":"example"}"#;

/// The private data a read returns: the client must store it and send it from then on.
pub const PRIVATE_READ: &[u8] = br#"{"owner":"example","read":true}"#;

/// The private data a destroy's plan returns, which its delete must get.
pub const PRIVATE_DESTROY: &[u8] = br#"{"owner":"example","destroy":true}"#;

/// Whether the object `id` is listed in the store's table `table`.
fn listed(p: &Provider, table: &str, id: &str) -> bool {
    p.store
        .update(|m| Ok(Store::table(m, table).contains_key(id)))
        .unwrap_or(false)
}

/// Records `value` under `id` in the store's table `table`, for a test to look at; a
/// store that cannot be written loses the record, not the call.
fn record(p: &Provider, table: &str, id: &str, value: serde_json::Value) {
    let _ = p.store.update(|m| {
        Store::table(m, table).insert(id.to_string(), value);
        Ok(())
    });
}

fn id_of(v: &Value) -> String {
    v.get_attr("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// The private data lost, unless the object `id` was read with none (`forget_private`).
fn private_lost_by(p: &Provider, id: &str, private: &[u8]) -> Option<proto::Diagnostic> {
    if private.is_empty() && listed(p, "forget_private", id) {
        return None;
    }
    private_lost(private)
}

fn private_lost(private: &[u8]) -> Option<proto::Diagnostic> {
    (private != PRIVATE && private != PRIVATE_READ && private != PRIVATE_DESTROY).then(|| {
        error(
            "Private data lost",
            &format!(
                "example_thing expected its private data back but got {:?}.",
                String::from_utf8_lossy(private)
            ),
        )
    })
}

/// The object asks for legacy-SDK behaviour (`legacy = true`).
fn legacy(attrs: &BTreeMap<String, Value>) -> bool {
    attrs.get("legacy").and_then(Value::as_bool) == Some(true)
}

fn attrs(v: &Value) -> BTreeMap<String, Value> {
    v.as_map().cloned().unwrap_or_default()
}

pub fn validate(
    p: &Provider,
    req: proto::ValidateRequest,
) -> Result<proto::DiagnosticsResponse, Status> {
    let config = value(req.config, p.ty(&req.type_name)?)?;
    let mut resp = proto::DiagnosticsResponse::default();
    if config
        .get_attr("size")
        .and_then(Value::as_f64)
        .is_some_and(|n| n < 0.0)
    {
        let mut d = error("Invalid size", "size must not be negative.");
        d.attribute = Some(proto::AttributePath {
            steps: vec![proto::Step {
                selector: Some(proto::Selector::AttributeName("size".into())),
            }],
        });
        resp.diagnostics.push(d);
    }
    Ok(resp)
}

pub fn upgrade(
    p: &Provider,
    req: proto::UpgradeResourceStateRequest,
) -> Result<proto::UpgradeResourceStateResponse, Status> {
    let ty = p.ty(&req.type_name)?;
    let json = req.raw_state.map(|r| r.json).unwrap_or_default();
    let mut j: serde_json::Value =
        serde_json::from_slice(&json).map_err(|e| Status(3, e.to_string()))?;
    // Version 0 of the schema had bare numbers as IDs; version 1 names them `thing-N`.
    // Only an object stored with version 0 is renamed, so a client that sends the wrong
    // version reads an object that does not exist.
    if req.version == 0 {
        // Older still, the number was stored as `number`, an attribute version 1 lacks:
        // only the stored JSON as it is has it.
        let number = j.get("number").or_else(|| j.get("id")).cloned();
        if let Some(id) = number.as_ref().and_then(serde_json::Value::as_str) {
            j["id"] = format!("thing-{id}").into();
        }
    }
    let upgraded = values::from_json(&j, ty);
    record(
        p,
        "upgrades",
        &id_of(&upgraded),
        serde_json::json!({
            "version": req.version,
            "json": String::from_utf8_lossy(&json),
        }),
    );
    Ok(proto::UpgradeResourceStateResponse {
        upgraded_state: Some(dynamic(&upgraded, ty)),
        diagnostics: Vec::new(),
    })
}

/// The object as the store has it now (edited there to make drift), or null if gone.
pub fn read(
    p: &Provider,
    req: proto::ReadResourceRequest,
) -> Result<proto::ReadResourceResponse, Status> {
    let ty = p.ty(&req.type_name)?;
    let current = value(req.current_state, ty)?;
    let id = id_of(&current);
    let mut resp = proto::ReadResourceResponse {
        private: if listed(p, "forget_private", &id) {
            Vec::new()
        } else {
            PRIVATE_READ.to_vec()
        },
        ..Default::default()
    };
    if let Some(d) = private_lost_by(p, &id, &req.private) {
        resp.diagnostics.push(d);
        return Ok(resp);
    }
    match p
        .store
        .update(|m| Ok(Store::table(m, "things").get(&id).cloned()))
    {
        Ok(found) => {
            let now = found.map_or(Value::Null, |j| values::from_json(&j, ty));
            resp.new_state = Some(dynamic(&now, ty));
        }
        Err(e) => resp.diagnostics.push(error("Cannot read the thing", &e)),
    }
    Ok(resp)
}

pub fn plan(
    p: &Provider,
    req: proto::PlanResourceChangeRequest,
) -> Result<proto::PlanResourceChangeResponse, Status> {
    let ty = p.ty(&req.type_name)?;
    let prior = value(req.prior_state, ty)?;
    let proposed = value(req.proposed_new_state, ty)?;
    // Handed back to apply, which checks it: on create too, as Terraform passes the
    // planned private data to apply.
    let mut resp = proto::PlanResourceChangeResponse {
        planned_private: PRIVATE.to_vec(),
        ..Default::default()
    };
    if !prior.is_null() {
        if let Some(d) = private_lost_by(p, &id_of(&prior), &req.prior_private) {
            resp.diagnostics.push(d);
            return Ok(resp);
        }
    }
    if proposed.is_null() {
        return Ok(plan_destroy(&prior, resp, ty));
    }
    let mut planned = attrs(&proposed);
    // Write-only values are never planned nor stored.
    planned.insert("password_wo".into(), Value::Null);
    resp.legacy_type_system = legacy(&planned);
    // A name differing only in case from the stored one is no change, so the plan keeps
    // the stored name: SDKv2's DiffSuppressFunc, the framework's semantic equality.
    let configured = planned
        .get("name")
        .and_then(Value::as_str)
        .map(str::to_lowercase);
    let stored = prior
        .get_attr("name")
        .and_then(Value::as_str)
        .map(str::to_lowercase);
    if stored.is_some() && stored == configured {
        if let Some(n) = prior.get_attr("name") {
            planned.insert("name".into(), n.clone());
        }
    }
    if let Some(rules) = planned.get_mut("rules") {
        *rules = each_rule(rules, |r| {
            r.entry("id".into()).and_modify(|id| {
                if id.is_null() {
                    *id = Value::Unknown;
                }
            });
        });
    }
    if planned.get("name").and_then(Value::as_str) == Some("misplan") {
        if let Some(rules) = planned.get_mut("rules") {
            *rules = with_default_protocol(rules);
        }
    }
    if prior.is_null() {
        planned.insert("id".into(), Value::Unknown);
    } else if prior.get_attr("name") != planned.get("name") {
        planned.insert("id".into(), Value::Unknown);
        resp.requires_replace.push(proto::AttributePath {
            steps: vec![proto::Step {
                selector: Some(proto::Selector::AttributeName("name".into())),
            }],
        });
    }
    resp.planned_state = Some(dynamic(&Value::Object(planned), ty));
    Ok(resp)
}

/// `rules` with `protocol` set to `udp` where it is null: a provider bug.
fn with_default_protocol(rules: &Value) -> Value {
    each_rule(rules, |r| {
        let protocol = r.entry("protocol".into()).or_default();
        if protocol.is_null() {
            *protocol = Value::string("udp");
        }
    })
}

/// `rules` with `edit` made to each rule's attributes.
fn each_rule(rules: &Value, edit: impl Fn(&mut BTreeMap<String, Value>)) -> Value {
    let Some(items) = rules.as_seq() else {
        return rules.clone();
    };
    let edited = items.iter().map(|r| {
        let mut r = attrs(r);
        edit(&mut r);
        Value::Object(r)
    });
    Value::List(edited.collect())
}

/// A destroy's plan (the `plan_destroy` capability): a thing named `protected` refuses.
fn plan_destroy(
    prior: &Value,
    mut resp: proto::PlanResourceChangeResponse,
    ty: &Type,
) -> proto::PlanResourceChangeResponse {
    if prior.get_attr("name").and_then(Value::as_str) == Some("protected") {
        resp.diagnostics.push(error(
            "Cannot destroy a protected thing",
            &format!("{} is protected: rename it to destroy it.", id_of(prior)),
        ));
    }
    resp.planned_private = PRIVATE_DESTROY.to_vec();
    resp.planned_state = Some(dynamic(&Value::Null, ty));
    resp
}

/// An apply of a thing named `slow`, which waits for StopProvider (listed in `holding`
/// until then, so a test knows when to stop it).
pub fn slow(p: &Provider, req: &proto::ApplyResourceChangeRequest) -> Result<bool, Status> {
    let planned = value(req.planned_state.clone(), p.ty(&req.type_name)?)?;
    let slow = planned.get_attr("name").and_then(Value::as_str) == Some("slow");
    if slow {
        record(p, "holding", "slow", true.into());
    }
    Ok(slow)
}

/// What a slow apply answers when the client stopped it: nothing changed.
pub fn stopped(
    p: &Provider,
    req: &proto::ApplyResourceChangeRequest,
) -> Result<proto::ApplyResourceChangeResponse, Status> {
    let ty = p.ty(&req.type_name)?;
    let prior = value(req.prior_state.clone(), ty)?;
    Ok(proto::ApplyResourceChangeResponse {
        new_state: Some(dynamic(&prior, ty)),
        diagnostics: vec![error(
            "Apply stopped",
            "example_thing stopped applying: the client asked it to stop.",
        )],
        ..Default::default()
    })
}

pub fn apply(
    p: &Provider,
    req: proto::ApplyResourceChangeRequest,
) -> Result<proto::ApplyResourceChangeResponse, Status> {
    let ty = p.ty(&req.type_name)?;
    let prior = value(req.prior_state, ty)?;
    let planned = value(req.planned_state, ty)?;
    let config = value(req.config, ty)?;
    let mut resp = proto::ApplyResourceChangeResponse::default();
    if let Some(d) = private_lost(&req.planned_private) {
        resp.diagnostics.push(d);
        resp.new_state = Some(dynamic(&prior, ty));
        return Ok(resp);
    }
    if config.get_attr("crash").and_then(Value::as_bool) == Some(true) {
        // As a Go provider dies on a panic: a message on stderr and exit status 2.
        eprintln!("panic: example_thing was told to crash mid-apply");
        std::process::exit(2);
    }
    let prior_id = prior
        .get_attr("id")
        .and_then(Value::as_str)
        .map(str::to_string);
    if planned.is_null() {
        record(
            p,
            "deletes",
            prior_id.as_deref().unwrap_or_default(),
            String::from_utf8_lossy(&req.planned_private).into(),
        );
    }
    let result = p.store.update(|m| {
        if planned.is_null() {
            if let Some(id) = &prior_id {
                Store::table(m, "things").remove(id);
                Store::table(m, "write_only").remove(id);
            }
            return Ok(Value::Null);
        }
        let id = match &prior_id {
            Some(id) => id.clone(),
            None => format!("thing-{}", Store::next(m)),
        };
        let mut new = attrs(&planned);
        new.insert("id".into(), Value::string(id.clone()));
        if let Some(rules) = new.get_mut("rules") {
            *rules = each_rule(rules, |r| {
                let port = r.get("port").and_then(Value::as_f64).unwrap_or_default();
                if let Some(rule_id) = r.get_mut("id").filter(|v| v.is_unknown()) {
                    *rule_id = Value::string(format!("rule-{port}"));
                }
            });
        }
        if legacy(&new) {
            let lower = new
                .get("name")
                .and_then(Value::as_str)
                .map(str::to_lowercase);
            new.insert("name".into(), lower.map_or(Value::Null, Value::string));
        }
        let new = Value::Object(new);
        Store::table(m, "things").insert(id.clone(), values::to_json(&new, ty));
        // What the write-only argument was, kept out of state, so a test can see it arrived.
        let wo = config.get_attr("password_wo").cloned().unwrap_or_default();
        Store::table(m, "write_only").insert(id, values::to_json(&wo, &Type::String));
        Ok(new)
    });
    resp.legacy_type_system = legacy(&attrs(&planned));
    match result {
        Ok(new) => {
            resp.private = if new.is_null() {
                Vec::new()
            } else {
                PRIVATE.to_vec()
            };
            resp.new_state = Some(dynamic(&new, ty));
        }
        Err(e) => {
            resp.diagnostics
                .push(error("Cannot apply example_thing", &e));
            resp.new_state = Some(dynamic(&prior, ty));
        }
    }
    Ok(resp)
}

pub fn import(
    p: &Provider,
    req: proto::ImportResourceStateRequest,
) -> Result<proto::ImportResourceStateResponse, Status> {
    let ty = p.ty(THING)?;
    let mut resp = proto::ImportResourceStateResponse::default();
    match p
        .store
        .update(|m| Ok(Store::table(m, "things").get(&req.id).cloned()))
    {
        Ok(Some(j)) => resp.imported_resources.push(proto::ImportedResource {
            type_name: req.type_name,
            state: Some(dynamic(&values::from_json(&j, ty), ty)),
            private: PRIVATE.to_vec(),
        }),
        Ok(None) => resp.diagnostics.push(error(
            "Cannot import non-existent remote object",
            &format!("There is no example_thing with ID {:?}.", req.id),
        )),
        Err(e) => resp
            .diagnostics
            .push(error("Cannot import example_thing", &e)),
    }
    Ok(resp)
}
