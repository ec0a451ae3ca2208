//! `terraform_data`: stores `input` and echoes it as `output` after apply; replaced when
//! `triggers_replace` changes.

use std::sync::Arc;

use async_trait::async_trait;
use terrane_engine::diag::{Diagnostic, Diagnostics};
use terrane_engine::lang::eval::values_equal;
use terrane_engine::lang::{Type, Value};
use terrane_engine::provider::*;

use crate::remote_state::StateReader;

pub struct TerraformProvider {
    schema: ProviderSchema,
    /// Reads backends for `terraform_remote_state`; set by the binary.
    state_reader: Option<Arc<dyn StateReader>>,
}

impl Default for TerraformProvider {
    fn default() -> Self {
        Self::new()
    }
}

impl TerraformProvider {
    pub fn new() -> TerraformProvider {
        let mut block = BlockSchema::default();
        block
            .attributes
            .insert("id".into(), AttributeSchema::computed(Type::String));
        block
            .attributes
            .insert("input".into(), AttributeSchema::optional(Type::Any));
        block
            .attributes
            .insert("output".into(), AttributeSchema::computed(Type::Any));
        block.attributes.insert(
            "triggers_replace".into(),
            AttributeSchema::optional(Type::Any).force_new(),
        );
        let mut schema = ProviderSchema::default();
        schema.resources.insert(
            "terraform_data".into(),
            ResourceSchema { version: 0, block },
        );
        schema.data_sources.insert(
            "terraform_remote_state".into(),
            ResourceSchema {
                version: 0,
                block: crate::remote_state::schema(),
            },
        );
        TerraformProvider {
            schema,
            state_reader: None,
        }
    }

    /// The provider with `terraform_remote_state` reading backends through `reader`.
    #[must_use]
    pub fn with_state_reader(mut self, reader: Arc<dyn StateReader>) -> TerraformProvider {
        self.state_reader = Some(reader);
        self
    }
}

#[async_trait]
impl Provider for TerraformProvider {
    fn source(&self) -> &str {
        "terraform.io/builtin/terraform"
    }

    fn schema(&self) -> &ProviderSchema {
        &self.schema
    }

    async fn configure(&self, _req: ConfigureRequest) -> Diagnostics {
        Diagnostics::new()
    }

    async fn read(&self, reqs: Vec<ReadRequest>) -> Vec<ReadResponse> {
        reqs.into_iter()
            .map(|r| ReadResponse {
                private: None,
                new_state: Some(r.current),
                diagnostics: Diagnostics::new(),
            })
            .collect()
    }

    async fn plan(&self, req: PlanRequest) -> PlanResponse {
        // The proposal, not the raw config: ignore_changes may have kept the prior input.
        let input = req
            .proposed
            .get_attr("input")
            .cloned()
            .unwrap_or(Value::Null);
        // A replacement is planned with no prior object, so its input counts as new.
        let prior_input = req
            .prior
            .as_ref()
            .map(|p| p.get_attr("input").cloned().unwrap_or(Value::Null))
            .unwrap_or(Value::Null);
        // As in Terraform: an unchanged input keeps the prior output; a null input plans a
        // null output (so a plan without `input` shows no `output`); any other new input
        // makes the output known only after apply.
        let output = if values_equal(&prior_input, &input) && !input.contains_unknown() {
            req.prior
                .as_ref()
                .and_then(|p| p.get_attr("output").cloned())
                .unwrap_or(Value::Null)
        } else if input.is_null() {
            Value::Null
        } else if input.contains_sensitive() {
            // A sensitive input makes the output sensitive too: it is the same value.
            Value::Unknown.sensitive()
        } else {
            Value::Unknown
        };
        let mut planned = req.proposed;
        if let Value::Object(m) = &mut planned {
            m.insert("output".into(), output);
        }
        PlanResponse {
            planned,
            requires_replace: Vec::new(),
            private: None,
            diagnostics: Diagnostics::new(),
        }
    }

    async fn apply(&self, req: ApplyRequest) -> ApplyResponse {
        crate::test_delay().await;
        let new_state = req.planned.map(|planned| {
            let id = match planned.get_attr("id") {
                Some(Value::String(s)) => s.clone(),
                _ => uuid::Uuid::new_v4().to_string(),
            };
            let input = planned.get_attr("input").cloned().unwrap_or(Value::Null);
            crate::object(vec![
                ("id", Value::String(id)),
                ("input", input.clone()),
                ("output", input),
                (
                    "triggers_replace",
                    planned
                        .get_attr("triggers_replace")
                        .cloned()
                        .unwrap_or(Value::Null),
                ),
            ])
        });
        ApplyResponse {
            new_state,
            private: None,
            legacy_type_system: false,
            diagnostics: Diagnostics::new(),
        }
    }

    async fn import(&self, req: ImportRequest) -> ImportResponse {
        ImportResponse {
            state: Some(crate::object(vec![
                ("id", Value::String(req.id)),
                ("input", Value::Null),
                ("output", Value::Null),
                ("triggers_replace", Value::Null),
            ])),
            private: None,
            diagnostics: Diagnostics::new(),
        }
    }

    async fn read_data(&self, req: ReadDataRequest) -> ReadDataResponse {
        if req.type_name == "terraform_remote_state" {
            return crate::remote_state::read(self.state_reader.as_deref(), &req.config).await;
        }
        ReadDataResponse {
            state: Value::Null,
            diagnostics: Diagnostic::error(format!(
                "the terraform provider has no data source {:?}",
                req.type_name
            ))
            .into(),
        }
    }
}
