//! Plans: what will change and why. The in-memory [`Plan`] is rendered for people
//! ([`render`]) and saved for an approved apply ([`file`]).

pub mod file;
pub mod json;
pub mod json_config;
pub mod prior_state;
pub mod relevant;
pub mod render;

use std::collections::BTreeMap;

use crate::addr::InstanceAddr;
use crate::lang::Value;
use crate::state::State;

/// What will happen to one resource instance.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Action {
    NoOp,
    Create,
    Read,
    Update,
    /// Replace by destroying first (the default).
    DeleteThenCreate,
    /// Replace by creating first (`create_before_destroy`).
    CreateThenDelete,
    Delete,
    /// Remove from state without destroying (`removed` with `destroy = false`).
    Forget,
}

impl Action {
    pub fn is_replace(self) -> bool {
        matches!(self, Action::DeleteThenCreate | Action::CreateThenDelete)
    }

    /// The marker Terraform prints before a resource in a plan.
    pub fn symbol(self) -> &'static str {
        match self {
            Action::NoOp => " ",
            Action::Create => "+",
            Action::Read => "<=",
            Action::Update => "~",
            Action::DeleteThenCreate => "-/+",
            Action::CreateThenDelete => "+/-",
            Action::Delete => "-",
            Action::Forget => ".",
        }
    }

    /// Terraform's JSON plan `actions` list.
    pub fn json_actions(self) -> &'static [&'static str] {
        match self {
            Action::NoOp => &["no-op"],
            Action::Create => &["create"],
            Action::Read => &["read"],
            Action::Update => &["update"],
            Action::DeleteThenCreate => &["delete", "create"],
            Action::CreateThenDelete => &["create", "delete"],
            Action::Delete => &["delete"],
            Action::Forget => &["forget"],
        }
    }
}

/// Why an action was chosen, when it is not obvious: shown to the user under the header.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Reason {
    /// Replacement forced by changes to these attributes.
    ReplaceBecauseAttributes(Vec<String>),
    /// Replacement requested with `-replace`.
    ReplaceByRequest,
    /// Replacement because a resource in `replace_triggered_by` changes.
    ReplaceByTriggers,
    /// Replacement of an object that did not finish setting up (a failed provisioner).
    ReplaceBecauseTainted,
    /// The object was deleted outside terrane and will be created again.
    DeletedOutside,
    DeleteNoResourceConfig,
    DeleteCountIndex,
    DeleteEachKey,
    DeleteByDestroy,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ResourceChange {
    pub addr: InstanceAddr,
    pub action: Action,
    pub reason: Option<Reason>,
    /// The object before (refreshed prior state); `None` on create.
    pub before: Option<Value>,
    /// The planned object; `None` on delete. May contain unknown values.
    pub after: Option<Value>,
    /// The provider's address as written in state (`provider["registry.terraform.io/hashicorp/null"]`).
    pub provider: String,
    /// Direct dependencies, recorded in state after apply.
    pub dependencies: Vec<String>,
    pub create_before_destroy: bool,
    pub private: Option<String>,
    /// For the delete of a deposed object: its deposed key.
    pub deposed: Option<String>,
    /// Set when a `moved` block moved the object here from this address.
    pub moved_from: Option<InstanceAddr>,
    /// Set when an `import` block adopts an existing object with this ID.
    pub importing: Option<String>,
    /// Actions its `action_trigger` blocks start, before and after the change, in order.
    pub actions: Vec<ActionInvocation>,
}

/// An action a planned change triggers (`action_trigger`), with its configuration as
/// planned (possibly holding unknown values; apply evaluates it again).
#[derive(Debug, Clone, PartialEq)]
pub struct ActionInvocation {
    /// `action.<type>.<name>`
    pub addr: String,
    pub ty: String,
    pub name: String,
    /// The event that starts it: `before_create`, `after_update`, ...
    pub event: String,
    /// Which `action_trigger` block of the resource lists it.
    pub trigger_index: usize,
    /// Where that block's `actions` list names it.
    pub list_index: usize,
    pub config: crate::lang::Value,
}

/// An object that changed outside terrane since state was last written.
#[derive(Debug, Clone, PartialEq)]
pub struct Drift {
    pub addr: InstanceAddr,
    pub before: Value,
    /// `None` when the object was deleted.
    pub after: Option<Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OutputChange {
    pub action: Action,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub sensitive: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum PlanMode {
    #[default]
    Normal,
    Destroy,
    RefreshOnly,
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub mode: PlanMode,
    /// Every instance considered, including no-ops, sorted by address.
    pub changes: Vec<ResourceChange>,
    pub drift: Vec<Drift>,
    pub outputs: BTreeMap<String, OutputChange>,
    /// The refreshed state the plan was made against.
    pub prior_state: State,
    /// Input variable values the plan was made with.
    pub variables: BTreeMap<String, Value>,
    /// Terraform's `relevant_attributes` (`{"resource": .., "attribute": [..]}`): what the
    /// planned changes may depend on. A plan shows only the drift in these. Computed
    /// only when the refresh found drift.
    pub relevant_attributes: Vec<serde_json::Value>,
}

impl Plan {
    /// Counts of (import, forget) for the summary line.
    pub fn import_forget_counts(&self) -> (usize, usize) {
        let imports = self
            .changes
            .iter()
            .filter(|c| c.importing.is_some())
            .count();
        let forgets = self
            .changes
            .iter()
            .filter(|c| c.action == Action::Forget)
            .count();
        (imports, forgets)
    }

    /// Counts of (add, change, destroy) as Terraform's summary line reports them.
    pub fn counts(&self) -> (usize, usize, usize) {
        let (mut add, mut change, mut destroy) = (0, 0, 0);
        for c in &self.changes {
            match c.action {
                Action::Create => add += 1,
                Action::Update => change += 1,
                Action::DeleteThenCreate | Action::CreateThenDelete => {
                    add += 1;
                    destroy += 1;
                }
                Action::Delete => destroy += 1,
                Action::NoOp | Action::Read | Action::Forget => {}
            }
        }
        (add, change, destroy)
    }

    /// True when applying would change resources or outputs.
    pub fn has_changes(&self) -> bool {
        self.changes.iter().any(|c| {
            !matches!(c.action, Action::NoOp | Action::Read)
                || c.moved_from.is_some()
                || c.importing.is_some()
        }) || self.outputs.values().any(|o| o.action != Action::NoOp)
            || (self.mode == PlanMode::RefreshOnly && !self.drift.is_empty())
    }
}
