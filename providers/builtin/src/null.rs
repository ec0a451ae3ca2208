//! `null_resource`: does nothing, and is replaced whenever its `triggers` change.

use async_trait::async_trait;
use terrane_engine::diag::{Diagnostic, Diagnostics};
use terrane_engine::lang::{Type, Value};
use terrane_engine::provider::*;

pub struct NullProvider {
    schema: ProviderSchema,
}

impl Default for NullProvider {
    fn default() -> Self {
        Self::new()
    }
}

impl NullProvider {
    pub fn new() -> NullProvider {
        let mut block = BlockSchema::default();
        block
            .attributes
            .insert("id".into(), AttributeSchema::computed(Type::String));
        block.attributes.insert(
            "triggers".into(),
            AttributeSchema::optional(Type::Map(Box::new(Type::String))).force_new(),
        );
        let mut schema = ProviderSchema::default();
        schema
            .resources
            .insert("null_resource".into(), ResourceSchema { version: 0, block });
        NullProvider { schema }
    }
}

#[async_trait]
impl Provider for NullProvider {
    fn source(&self) -> &str {
        "registry.terraform.io/hashicorp/null"
    }

    fn schema(&self) -> &ProviderSchema {
        &self.schema
    }

    async fn configure(&self, _req: ConfigureRequest) -> Diagnostics {
        Diagnostics::new()
    }

    async fn read(&self, reqs: Vec<ReadRequest>) -> Vec<ReadResponse> {
        // Nothing exists outside state, so what state says is what there is.
        reqs.into_iter()
            .map(|r| ReadResponse {
                private: None,
                new_state: Some(r.current),
                diagnostics: Diagnostics::new(),
            })
            .collect()
    }

    async fn plan(&self, req: PlanRequest) -> PlanResponse {
        PlanResponse {
            planned: req.proposed,
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
                // Terraform's null provider uses a random 63-bit integer as the ID.
                _ => (rand::random::<u64>() >> 1).to_string(),
            };
            crate::object(vec![
                ("id", Value::String(id)),
                (
                    "triggers",
                    planned.get_attr("triggers").cloned().unwrap_or(Value::Null),
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
                ("triggers", Value::Null),
            ])),
            private: None,
            diagnostics: Diagnostics::new(),
        }
    }

    async fn read_data(&self, req: ReadDataRequest) -> ReadDataResponse {
        ReadDataResponse {
            state: Value::Null,
            diagnostics: Diagnostic::error(format!(
                "the null provider has no data source {:?}",
                req.type_name
            ))
            .into(),
        }
    }
}
