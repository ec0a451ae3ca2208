//! What references resolve to while planning and applying: input variables, locals,
//! resource values, `count`/`each`, `path` and `terraform.workspace`.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::addr::ResourceAddr;
use crate::config::Module;
use crate::lang::refs::Subject;
use crate::lang::{Scope, Value};

/// The values known so far in one run. Shared between concurrent evaluations during apply,
/// hence the locks; each entry is an `Arc` so that reading one instance of a large resource
/// does not copy the others.
pub struct Values {
    pub vars: HashMap<String, Arc<Value>>,
    pub locals: RwLock<HashMap<String, Arc<Value>>>,
    pub resources: RwLock<HashMap<ResourceAddr, Arc<Value>>>,
    pub workspace: String,
    pub cwd: String,
}

impl Values {
    pub fn new(
        vars: impl IntoIterator<Item = (String, Value)>,
        workspace: &str,
        cwd: &str,
    ) -> Values {
        Values {
            vars: vars.into_iter().map(|(k, v)| (k, Arc::new(v))).collect(),
            locals: RwLock::new(HashMap::new()),
            resources: RwLock::new(HashMap::new()),
            workspace: workspace.to_string(),
            cwd: cwd.to_string(),
        }
    }

    pub fn set_local(&self, name: &str, v: Value) {
        self.locals
            .write()
            .expect("lock poisoned")
            .insert(name.to_string(), Arc::new(v));
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
}

/// The scope of one expression: the run's values plus `count.index` / `each` of the
/// instance being evaluated.
pub struct InstanceScope<'a> {
    pub values: &'a Values,
    pub module: &'a Module,
    pub count_index: Option<i64>,
    pub each: Option<(String, Value)>,
}

impl<'a> InstanceScope<'a> {
    pub fn plain(values: &'a Values, module: &'a Module) -> InstanceScope<'a> {
        InstanceScope {
            values,
            module,
            count_index: None,
            each: None,
        }
    }
}

impl Scope for InstanceScope<'_> {
    fn resolve(&self, subject: &Subject) -> Result<Arc<Value>, String> {
        match subject {
            Subject::Var(n) => match self.values.vars.get(n) {
                Some(v) => Ok(v.clone()),
                None if self.module.variables.contains_key(n) => Ok(Arc::new(Value::Unknown)),
                None => Err(format!("An input variable with the name {n:?} has not been declared.")),
            },
            Subject::Local(n) => match self.values.locals.read().expect("lock poisoned").get(n) {
                Some(v) => Ok(v.clone()),
                None if self.module.locals.contains_key(n) => Ok(Arc::new(Value::Unknown)),
                None => Err(format!("A local value with the name {n:?} has not been declared.")),
            },
            Subject::Resource(a) => match self.values.resource(a) {
                Some(v) => Ok(v),
                None if self.module.resources.contains_key(a) => Ok(Arc::new(Value::Unknown)),
                None => Err(format!("A resource {a} has not been declared in the root module.")),
            },
            Subject::CountIndex => self.count_index.map(|i| Arc::new(Value::Number(i as f64))).ok_or_else(|| {
                "The \"count\" object can only be used in \"module\", \"resource\", and \"data\" blocks, and only when the \"count\" argument is set.".to_string()
            }),
            Subject::EachKey | Subject::EachValue => match &self.each {
                Some((k, v)) => Ok(Arc::new(if *subject == Subject::EachKey { Value::string(k.clone()) } else { v.clone() })),
                None => Err("The \"each\" object can be used only in \"module\" or \"resource\" blocks, and only when the \"for_each\" argument is set.".into()),
            },
            Subject::Path(p) => Ok(Arc::new(Value::string(match p.as_str() {
                "cwd" => self.values.cwd.clone(),
                _ => ".".to_string(),
            }))),
            Subject::TerraformWorkspace => Ok(Arc::new(Value::string(self.values.workspace.clone()))),
            Subject::Module(n) => Err(format!("Module calls are not supported yet (module.{n}).")),
            Subject::Bound(n) => Err(format!("{n:?} is not in scope here.")),
        }
    }
}
