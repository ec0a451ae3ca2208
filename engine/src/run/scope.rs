//! What references resolve to while planning and applying: input variables, locals,
//! resource values, module outputs, `count`/`each`, `path` and `terraform.workspace`,
//! each within one instance of a module.

use std::sync::{Arc, RwLock};

use crate::addr::{IndexKey, InstanceAddr, ModuleStep, ResourceAddr};
use crate::config::Module;
use crate::hash::{FastMap, FastSet};
use crate::lang::refs::Subject;
use crate::lang::{Scope, Value};

/// The path of module instances from the root (`module.a["x"].module.b`); empty for root.
pub type InstPath = Vec<ModuleStep>;

/// How a module call expanded in one instance of its caller.
#[derive(Debug, Clone, PartialEq)]
pub struct CallExpansion {
    pub count: bool,
    pub for_each: bool,
    /// Instance keys, with `each.value` for for_each.
    pub keys: Vec<(Option<IndexKey>, Option<Value>)>,
}

type Named = RwLock<FastMap<(InstPath, String), Arc<Value>>>;

/// The values known so far in one run. Shared between concurrent evaluations during apply,
/// hence the locks; each entry is an `Arc` so that reading one instance of a large resource
/// does not copy the others.
pub struct Values {
    vars: Named,
    locals: Named,
    outputs: Named,
    resources: RwLock<FastMap<ResourceAddr, Arc<Value>>>,
    calls: RwLock<FastMap<(InstPath, String), CallExpansion>>,
    /// Resources (with module instance path) that have a planned change, for
    /// `replace_triggered_by`.
    changed: RwLock<FastSet<ResourceAddr>>,
    /// Instances planned for an update or a replacement, with their objects before and
    /// after: what `replace_triggered_by` reacts to.
    updated: RwLock<FastMap<InstanceAddr, super::triggers::TriggerChange>>,
    pub workspace: String,
    pub cwd: String,
}

fn get(map: &Named, path: &[ModuleStep], name: &str) -> Option<Arc<Value>> {
    map.read()
        .expect("lock poisoned")
        .get(&(path.to_vec(), name.to_string()))
        .cloned()
}

fn put(map: &Named, path: &[ModuleStep], name: &str, v: Value) {
    map.write()
        .expect("lock poisoned")
        .insert((path.to_vec(), name.to_string()), Arc::new(v));
}

impl Values {
    /// Values with the root module's input variables set.
    pub fn new(
        root_vars: impl IntoIterator<Item = (String, Value)>,
        workspace: &str,
        cwd: &str,
    ) -> Values {
        let vars = root_vars
            .into_iter()
            .map(|(k, v)| ((Vec::new(), k), Arc::new(v)))
            .collect();
        Values {
            vars: RwLock::new(vars),
            locals: RwLock::new(FastMap::default()),
            outputs: RwLock::new(FastMap::default()),
            resources: RwLock::new(FastMap::default()),
            calls: RwLock::new(FastMap::default()),
            changed: RwLock::new(FastSet::default()),
            updated: RwLock::new(FastMap::default()),
            workspace: workspace.to_string(),
            cwd: cwd.to_string(),
        }
    }

    pub fn set_var(&self, path: &[ModuleStep], name: &str, v: Value) {
        put(&self.vars, path, name, v);
    }

    pub fn set_local(&self, path: &[ModuleStep], name: &str, v: Value) {
        put(&self.locals, path, name, v);
    }

    pub fn set_output(&self, path: &[ModuleStep], name: &str, v: Value) {
        put(&self.outputs, path, name, v);
    }

    pub fn output(&self, path: &[ModuleStep], name: &str) -> Option<Arc<Value>> {
        get(&self.outputs, path, name)
    }

    pub fn set_resource(&self, addr: &ResourceAddr, v: Value) {
        self.resources
            .write()
            .expect("lock poisoned")
            .insert(addr.clone(), Arc::new(v));
    }

    pub fn resource(&self, addr: &ResourceAddr) -> Option<Arc<Value>> {
        self.resources
            .read()
            .expect("lock poisoned")
            .get(addr)
            .cloned()
    }

    pub fn mark_changed(&self, addr: &ResourceAddr) {
        let mut changed = self.changed.write().expect("lock poisoned");
        changed.insert(addr.clone());
        // Also by resource block (no module instance keys), for "any instance changed".
        changed.insert(addr.config());
    }

    pub fn is_changed(&self, addr: &ResourceAddr) -> bool {
        self.changed.read().expect("lock poisoned").contains(addr)
    }

    /// Records that `addr` (with its module instance path) is planned for an update or a
    /// replacement, from `before` to `after`.
    pub fn mark_updated(&self, addr: &InstanceAddr, before: Value, after: Value) {
        self.updated
            .write()
            .expect("lock poisoned")
            .insert(addr.clone(), Arc::new((before, after)));
    }

    /// The update or replacement planned for instance `addr`, if any.
    pub(super) fn trigger_change(
        &self,
        addr: &InstanceAddr,
    ) -> Option<super::triggers::TriggerChange> {
        self.updated
            .read()
            .expect("lock poisoned")
            .get(addr)
            .cloned()
    }

    /// Whether any instance of `addr` (with its module instance path) is planned for an
    /// update or a replacement.
    pub fn is_updated(&self, addr: &ResourceAddr) -> bool {
        let updated = self.updated.read().expect("lock poisoned");
        updated.keys().any(|i| &i.resource == addr)
    }

    pub fn set_call(&self, path: &[ModuleStep], name: &str, e: CallExpansion) {
        self.calls
            .write()
            .expect("lock poisoned")
            .insert((path.to_vec(), name.to_string()), e);
    }

    pub fn call(&self, path: &[ModuleStep], name: &str) -> Option<CallExpansion> {
        self.calls
            .read()
            .expect("lock poisoned")
            .get(&(path.to_vec(), name.to_string()))
            .cloned()
    }

    /// Every instance of the module at config path `config` (calls not yet expanded have
    /// no instances yet).
    pub fn instances(&self, config: &[String]) -> Vec<InstPath> {
        let mut out: Vec<InstPath> = vec![Vec::new()];
        for name in config {
            let mut next = Vec::new();
            for parent in &out {
                if let Some(e) = self.call(parent, name) {
                    for (key, _) in e.keys {
                        let mut p = parent.clone();
                        p.push(ModuleStep {
                            name: name.clone(),
                            key,
                        });
                        next.push(p);
                    }
                }
            }
            out = next;
        }
        out
    }

    /// The value of `module.<name>` seen from module instance `path`: an object of the
    /// child's outputs, or a tuple / object of such for count / for_each.
    pub fn module_value(&self, path: &[ModuleStep], name: &str, child: &Module) -> Value {
        let Some(e) = self.call(path, name) else {
            return Value::Unknown;
        };
        let outputs_of = |key: &Option<IndexKey>| {
            let mut p = path.to_vec();
            p.push(ModuleStep {
                name: name.to_string(),
                key: key.clone(),
            });
            Value::Object(
                child
                    .outputs
                    .keys()
                    .map(|o| {
                        (
                            o.clone(),
                            self.output(&p, o).map_or(Value::Unknown, |v| (*v).clone()),
                        )
                    })
                    .collect(),
            )
        };
        if e.count {
            Value::Tuple(e.keys.iter().map(|(k, _)| outputs_of(k)).collect())
        } else if e.for_each {
            Value::Object(
                e.keys
                    .iter()
                    .filter_map(|(k, _)| match k {
                        Some(IndexKey::Str(s)) => Some((s.clone(), outputs_of(k))),
                        _ => None,
                    })
                    .collect(),
            )
        } else {
            outputs_of(&None)
        }
    }
}

/// The scope of one expression: the run's values seen from one module instance, plus
/// `count.index` / `each` of the instance being evaluated.
pub struct InstanceScope<'a> {
    pub values: &'a Values,
    /// The configuration of the module the expression is written in.
    pub module: &'a Module,
    /// The module instance being evaluated.
    pub path: &'a [ModuleStep],
    pub count_index: Option<i64>,
    pub each: Option<(String, Value)>,
    /// `self` in a postcondition: the planned object.
    pub self_object: Option<Arc<Value>>,
}

impl<'a> InstanceScope<'a> {
    /// The scope of a module instance, outside any count/for_each.
    pub fn at(values: &'a Values, module: &'a Module, path: &'a [ModuleStep]) -> InstanceScope<'a> {
        InstanceScope {
            values,
            module,
            path,
            count_index: None,
            each: None,
            self_object: None,
        }
    }

    /// The root module's scope.
    pub fn plain(values: &'a Values, module: &'a Module) -> InstanceScope<'a> {
        InstanceScope::at(values, module, &[])
    }

    /// Sets `count.index` or `each` from an instance key.
    #[must_use]
    pub fn with_key(
        mut self,
        key: &Option<IndexKey>,
        each_value: Option<Value>,
    ) -> InstanceScope<'a> {
        match (key, each_value) {
            (Some(IndexKey::Int(i)), _) => self.count_index = Some(*i),
            (Some(IndexKey::Str(k)), Some(v)) => self.each = Some((k.clone(), v)),
            _ => {}
        }
        self
    }
}

impl Scope for InstanceScope<'_> {
    fn reads_ephemeral(
        &self,
        expr: &hcl_edit::expr::Expression,
        file: &std::sync::Arc<crate::diag::SourceFile>,
    ) -> bool {
        super::ephemeral::reads_ephemeral(self.module, expr, file)
    }

    fn resolve(&self, subject: &Subject) -> Result<Arc<Value>, String> {
        let m = self.module;
        let unknown = || Ok(Arc::new(Value::Unknown));
        match subject {
            Subject::Var(n) => match get(&self.values.vars, self.path, n) {
                Some(v) => Ok(v),
                None if m.variables.contains_key(n) => unknown(),
                None => Err(format!("An input variable with the name {n:?} has not been declared.")),
            },
            Subject::Local(n) => match get(&self.values.locals, self.path, n) {
                Some(v) => Ok(v),
                None if m.locals.contains_key(n) => unknown(),
                None => Err(format!("A local value with the name {n:?} has not been declared.")),
            },
            Subject::Resource(a) => {
                let full = ResourceAddr { module: self.path.to_vec(), ..a.clone() };
                match self.values.resource(&full) {
                    Some(v) => Ok(v),
                    None if m.resources.contains_key(a) => unknown(),
                    None => Err(format!("A resource {a} has not been declared in this module.")),
                }
            }
            Subject::Module(n) => match m.children.get(n) {
                Some(child) => Ok(Arc::new(self.values.module_value(self.path, n, child))),
                None => Err(format!("No module call named {n:?} is declared in this module.")),
            },
            Subject::CountIndex => self.count_index.map(|i| Arc::new(Value::number(i))).ok_or_else(|| {
                "The \"count\" object can only be used in \"module\", \"resource\", and \"data\" blocks, and only when the \"count\" argument is set.".to_string()
            }),
            Subject::EachKey | Subject::EachValue => match &self.each {
                Some((k, v)) => Ok(Arc::new(if *subject == Subject::EachKey { Value::string(k.clone()) } else { v.clone() })),
                None => Err("The \"each\" object can be used only in \"module\" or \"resource\" blocks, and only when the \"for_each\" argument is set.".into()),
            },
            Subject::Path(p) => Ok(Arc::new(Value::string(match p.as_str() {
                "cwd" => self.values.cwd.clone(),
                "module" => m.dir.display().to_string(),
                _ => ".".to_string(),
            }))),
            Subject::TerraformWorkspace => Ok(Arc::new(Value::string(self.values.workspace.clone()))),
            Subject::Bound(n) => Err(format!("{n:?} is not in scope here.")),
            Subject::SelfObject => self.self_object.clone().ok_or_else(|| "The \"self\" object can only be used in a resource's postcondition blocks.".to_string()),
        }
    }
}
