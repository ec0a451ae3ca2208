//! A bridge between ECS's JSON wire format and members the SDK for Rust can only build from
//! typed structs. Terraform takes `container_definitions` as a JSON string and hands it to
//! the Go SDK's own JSON decoder; the Rust SDK has no public (de)serializer for
//! `ContainerDefinition`, and a hand-written mapping of its sixty-odd fields would silently
//! drop every field it forgot. ECS speaks JSON (awsJson1.1), so instead:
//!
//! - [`Inject`] replaces one member of the serialized request body with given JSON just
//!   before signing (the request is still signed over the final body);
//! - [`Capture`] keeps the raw response body, so a read sees exactly what AWS returned.

use std::sync::{Arc, Mutex};

use aws_sdk_ecs::config::interceptors::{
    AfterDeserializationInterceptorContextRef, BeforeTransmitInterceptorContextMut,
};
use aws_sdk_ecs::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_ecs::error::BoxError;

/// Sets `member` of the JSON request body to `value`.
#[derive(Debug)]
pub struct Inject {
    pub member: &'static str,
    pub value: serde_json::Value,
}

impl Intercept for Inject {
    fn name(&self) -> &'static str {
        "terrane-ecs-inject-json"
    }

    fn modify_before_signing(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _rc: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let req = context.request_mut();
        let bytes = req
            .body()
            .bytes()
            .ok_or("the request body is not in memory")?;
        let mut body: serde_json::Value = serde_json::from_slice(bytes)?;
        let obj = body
            .as_object_mut()
            .ok_or("the request body is not a JSON object")?;
        obj.insert(self.member.to_string(), self.value.clone());
        let new = serde_json::to_vec(&body)?;
        let len = new.len();
        *req.body_mut() = new.into();
        req.headers_mut().insert("content-length", len.to_string());
        Ok(())
    }
}

/// Keeps a copy of the raw response body of the operation it is attached to.
#[derive(Debug, Clone, Default)]
pub struct Capture(pub Arc<Mutex<Option<Vec<u8>>>>);

impl Capture {
    /// The captured body parsed as JSON (`Null` when nothing was captured).
    pub fn json(&self) -> serde_json::Value {
        let g = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        g.as_deref()
            .and_then(|b| serde_json::from_slice(b).ok())
            .unwrap_or_default()
    }
}

impl Intercept for Capture {
    fn name(&self) -> &'static str {
        "terrane-ecs-capture-json"
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(b) = context.response().body().bytes() {
            *self
                .0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(b.to_vec());
        }
        Ok(())
    }
}
