//! Ephemeral resources (open, renew, close) and actions (plan, invoke with its stream of
//! progress events), the same RPCs under the same names in protocols 5 and 6.

use std::time::{Duration, SystemTime};

use terrane_engine::diag::{Diagnostic, Diagnostics};
use terrane_engine::lang::{Type, Value};
use terrane_engine::provider::{
    CloseEphemeralRequest, InvokeActionRequest, OpenEphemeralRequest, OpenEphemeralResponse,
    PlanActionRequest, RenewEphemeralRequest, RenewEphemeralResponse,
};

use super::{capabilities, diagnostics, private_bytes, private_string, PluginProvider};
use crate::client::{call, call_streaming, Method};
use crate::proto;

impl PluginProvider {
    fn ephemeral_type(&self, name: &str) -> &Type {
        self.schema.ephemeral_types.get(name).unwrap_or(&Type::Any)
    }

    fn action_type(&self, name: &str) -> &Type {
        self.schema.action_types.get(name).unwrap_or(&Type::Any)
    }

    /// Validates the configuration, then opens the resource.
    pub(super) async fn open(&self, req: OpenEphemeralRequest) -> OpenEphemeralResponse {
        let failed = |diagnostics| OpenEphemeralResponse {
            result: Value::Null,
            private: None,
            renew_at: None,
            diagnostics,
        };
        let p = match self.process().await {
            Ok(p) => p,
            Err(d) => return failed(d),
        };
        let ty = self.ephemeral_type(&req.type_name);
        let config = Self::encode(Some(&req.config), ty);
        let validate = proto::ValidateRequest {
            type_name: req.type_name.clone(),
            config: config.clone(),
        };
        let mut diags = match call::<_, proto::DiagnosticsResponse>(
            p,
            Method::ValidateEphemeralResourceConfig,
            validate,
        )
        .await
        {
            Ok(r) => diagnostics(&r.diagnostics),
            Err(e) => return failed(self.failure(&e)),
        };
        if diags.has_errors() {
            return failed(diags);
        }
        let open = proto::OpenEphemeralRequest {
            type_name: req.type_name.clone(),
            config,
            client_capabilities: Some(capabilities()),
        };
        let resp: proto::OpenEphemeralResponse =
            match call(p, Method::OpenEphemeralResource, open).await {
                Ok(r) => r,
                Err(e) => return failed(self.failure(&e)),
            };
        diags.extend(diagnostics(&resp.diagnostics));
        if diags.has_errors() {
            return failed(diags);
        }
        match self.decode(resp.result, ty) {
            Ok(result) => OpenEphemeralResponse {
                result,
                private: resp.private.as_deref().and_then(private_string),
                renew_at: resp.renew_at.map(system_time),
                diagnostics: diags,
            },
            Err(d) => failed(d),
        }
    }

    pub(super) async fn renew(&self, req: RenewEphemeralRequest) -> RenewEphemeralResponse {
        let failed = |diagnostics| RenewEphemeralResponse {
            private: None,
            renew_at: None,
            diagnostics,
        };
        let p = match self.process().await {
            Ok(p) => p,
            Err(d) => return failed(d),
        };
        let renew = proto::EphemeralPrivateRequest {
            type_name: req.type_name,
            private: req.private.as_deref().map(|s| private_bytes(Some(s))),
        };
        match call::<_, proto::RenewEphemeralResponse>(p, Method::RenewEphemeralResource, renew)
            .await
        {
            Ok(r) => RenewEphemeralResponse {
                private: r.private.as_deref().and_then(private_string),
                renew_at: r.renew_at.map(system_time),
                diagnostics: diagnostics(&r.diagnostics),
            },
            Err(e) => failed(self.failure(&e)),
        }
    }

    pub(super) async fn close(&self, req: CloseEphemeralRequest) -> Diagnostics {
        let p = match self.process().await {
            Ok(p) => p,
            Err(d) => return d,
        };
        let close = proto::EphemeralPrivateRequest {
            type_name: req.type_name,
            private: req.private.as_deref().map(|s| private_bytes(Some(s))),
        };
        match call::<_, proto::DiagnosticsResponse>(p, Method::CloseEphemeralResource, close).await
        {
            Ok(r) => diagnostics(&r.diagnostics),
            Err(e) => self.failure(&e),
        }
    }

    /// Validates the action's configuration, then asks the plugin to plan it.
    pub(super) async fn plan_action_call(&self, req: PlanActionRequest) -> Diagnostics {
        let p = match self.process().await {
            Ok(p) => p,
            Err(d) => return d,
        };
        let config = Self::encode(Some(&req.config), self.action_type(&req.type_name));
        let validate = proto::ValidateRequest {
            type_name: req.type_name.clone(),
            config: config.clone(),
        };
        let mut diags =
            match call::<_, proto::DiagnosticsResponse>(p, Method::ValidateActionConfig, validate)
                .await
            {
                Ok(r) => diagnostics(&r.diagnostics),
                Err(e) => return self.failure(&e),
            };
        if diags.has_errors() {
            return diags;
        }
        let plan = proto::ActionRequest {
            action_type: req.type_name,
            config,
            client_capabilities: Some(capabilities()),
        };
        match call::<_, proto::DiagnosticsResponse>(p, Method::PlanAction, plan).await {
            Ok(r) => diags.extend(diagnostics(&r.diagnostics)),
            Err(e) => diags.extend(self.failure(&e)),
        }
        diags
    }

    /// Runs the action, passing its progress messages on as they arrive; its last event
    /// says how it ended.
    pub(super) async fn invoke(&self, req: InvokeActionRequest) -> Diagnostics {
        let p = match self.process().await {
            Ok(p) => p,
            Err(d) => return d,
        };
        let invoke = proto::ActionRequest {
            config: Self::encode(Some(&req.config), self.action_type(&req.type_name)),
            action_type: req.type_name,
            client_capabilities: Some(capabilities()),
        };
        let mut completed: Option<Diagnostics> = None;
        let streamed = call_streaming(
            p,
            Method::InvokeAction,
            invoke,
            |e: proto::InvokeActionEvent| match e.event {
                Some(proto::ActionEvent::Progress(m)) => (req.progress)(&m.message),
                Some(proto::ActionEvent::Completed(c)) => {
                    completed
                        .get_or_insert_with(Diagnostics::new)
                        .extend(diagnostics(&c.diagnostics));
                }
                None => {}
            },
        )
        .await;
        if let Err(e) = streamed {
            let mut d = completed.unwrap_or_default();
            d.extend(self.failure(&e));
            return d;
        }
        completed.unwrap_or_else(|| {
            Diagnostic::error("Action did not complete")
                .detail(format!(
                    "Provider {} ended the action {} without saying whether it succeeded.",
                    self.source, req.address
                ))
                .into()
        })
    }
}

fn system_time(t: proto::Timestamp) -> SystemTime {
    let secs = Duration::from_secs(u64::try_from(t.seconds).unwrap_or(0));
    let nanos = Duration::from_nanos(u64::try_from(t.nanos).unwrap_or(0));
    SystemTime::UNIX_EPOCH + secs + nanos
}
