//! The provider's "remote" objects: one JSON file, `$EXAMPLE_PROVIDER_DIR/objects.json`,
//! read and written whole on every change, so a test sees (and can edit) what exists.

use std::path::PathBuf;

use serde_json::{json, Map, Value as J};

pub const DIR_ENV: &str = "EXAMPLE_PROVIDER_DIR";

pub struct Store {
    file: Option<PathBuf>,
    lock: std::sync::Mutex<()>,
}

impl Store {
    pub fn from_env() -> Store {
        Store {
            file: std::env::var_os(DIR_ENV).map(|d| PathBuf::from(d).join("objects.json")),
            lock: std::sync::Mutex::new(()),
        }
    }

    /// Reads the file, lets `f` change it, writes it back if `f` succeeded.
    pub fn update<T>(
        &self,
        f: impl FnOnce(&mut Map<String, J>) -> Result<T, String>,
    ) -> Result<T, String> {
        let Some(file) = &self.file else {
            return Err(format!(
                "set {DIR_ENV} to the directory the provider keeps its objects in"
            ));
        };
        let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        let mut doc = match std::fs::read(file) {
            Ok(bytes) => serde_json::from_slice::<J>(&bytes)
                .map_err(|e| format!("{}: {e}", file.display()))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => json!({}),
            Err(e) => return Err(format!("{}: {e}", file.display())),
        };
        let Some(map) = doc.as_object_mut() else {
            return Err(format!("{} is not a JSON object", file.display()));
        };
        let out = f(map)?;
        let text = serde_json::to_vec_pretty(&doc).map_err(|e| e.to_string())?;
        std::fs::write(file, text).map_err(|e| format!("{}: {e}", file.display()))?;
        Ok(out)
    }

    /// The next number of a sequence kept in the file (object IDs, leases).
    pub fn next(map: &mut Map<String, J>) -> u64 {
        let n = map.get("seq").and_then(J::as_u64).unwrap_or(0) + 1;
        map.insert("seq".into(), json!(n));
        n
    }

    /// The object map under `key`, created if missing.
    pub fn table<'a>(map: &'a mut Map<String, J>, key: &str) -> &'a mut Map<String, J> {
        let entry = map.entry(key).or_insert_with(|| json!({}));
        if !entry.is_object() {
            *entry = json!({});
        }
        entry.as_object_mut().expect("just made an object")
    }
}
